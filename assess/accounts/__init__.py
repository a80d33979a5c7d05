from flask import Flask


def init_app(app: Flask) -> None:
    from assess.accounts import account_views, cli, second_factor_views, signup_views, views
    from assess.accounts.models import User
    from assess.extensions import db, login_manager

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        """The session's person, if the session is of their current generation:
        ``"<user id>:<generation>"`` (see ``User.get_id``)."""
        user_id, _, generation = session_id.partition(":")
        if not user_id.isdigit() or not generation.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_generation != int(generation):
            return None
        return user

    from assess.accounts.session import CookieSessionInterface, end_idle_session

    app.session_interface = CookieSessionInterface()
    app.before_request(end_idle_session)
    app.register_blueprint(views.bp)
    app.register_blueprint(second_factor_views.bp)
    app.register_blueprint(signup_views.bp)
    app.register_blueprint(account_views.bp)
    app.cli.add_command(cli.user_cli)
