"""Sharing with the client: release, share links (see docs/sharing.md)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from assess.sharing import share_views

    app.register_blueprint(share_views.bp)
    app.register_blueprint(share_views.public_bp)
