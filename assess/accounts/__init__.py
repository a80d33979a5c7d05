from flask import Flask


def init_app(app: Flask) -> None:
    from assess.accounts import cli, views
    from assess.accounts.models import User
    from assess.extensions import db, login_manager

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        return db.session.get(User, int(user_id))

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.user_cli)
