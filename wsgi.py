"""WSGI entry point in a checkout: ``gunicorn wsgi:app`` (an installed package has
``assess.wsgi:app``, where the app is made: docs/deployment.md)."""

from assess.wsgi import app

__all__ = ["app"]
