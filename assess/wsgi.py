"""WSGI entry point of an installed package: ``gunicorn -c python:assess.gunicorn_config
assess.wsgi:app`` (docs/deployment.md). The checkout's ``wsgi.py`` is this module."""

import gc

from assess import create_app

app = create_app()

# Everything made while starting (the app, its modules and templates' code) lives as
# long as the process: the garbage collector need never look at it again. With
# gunicorn's preloading the workers are forked from this process, so a collection
# in a worker would also write to every page they share with it. Frozen, the
# collections that requests cause look only at what requests made
# (docs/performance.md).
gc.freeze()
