"""An organisation's data as a whole: export it as one zip, delete it with all it
holds (see docs/sharing.md, "Export and deletion")."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.organisations import views

    app.register_blueprint(views.bp)
