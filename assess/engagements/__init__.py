from flask import Flask


def init_app(app: Flask) -> None:
    from assess.engagements import (
        cli,
        organisation_views,
        participation_views,
        release_views,
        views,
    )

    app.register_blueprint(views.bp)
    app.register_blueprint(organisation_views.bp)
    app.register_blueprint(release_views.bp)
    app.register_blueprint(participation_views.bp)
    app.cli.add_command(cli.engagement_cli)
