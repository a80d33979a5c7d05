"""WSGI entry point: ``gunicorn wsgi:app``."""

from assess import create_app

app = create_app()
