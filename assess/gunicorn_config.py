"""gunicorn's settings: ``gunicorn -c python:assess.gunicorn_config wsgi:app``.

Read from the same ``ASSESS_*`` environment as the app (README, "Configuration"):
``ASSESS_WORKERS`` and ``ASSESS_WORKER_TIMEOUT``. The bind address stays on the
command line (``--bind``). At start the master refuses a worker timeout that the
database waits do not fit inside (docs/hardening.md, "Database faults").
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

from assess.config import DEFAULTS, database_waits_beyond


def _setting(name: str) -> Any:
    """``ASSESS_<name>`` parsed as the app parses it (JSON when it can), else the default."""
    raw = os.environ.get(f"ASSESS_{name}")
    if raw is None:
        return DEFAULTS.get(name)
    try:
        return json.loads(raw)
    except ValueError:
        return raw


# gunicorn's own advice: two workers per core, and one more.
workers = int(_setting("WORKERS") or 2 * multiprocessing.cpu_count() + 1)
# A request still running after this many seconds has its worker killed; the
# database gives up sooner (statement, lock and busy timeouts), with a 503 page.
timeout = int(_setting("WORKER_TIMEOUT"))
# The app is loaded once, in the master: a worker that dies is replaced by a fork in
# milliseconds instead of a fresh import of seconds (forked workers never share the
# master's database connections: assess/db.py).
preload_app = True


def on_starting(server: Any) -> None:
    """The worker timeout as gunicorn will apply it (a ``--timeout`` on the command
    line wins over the one above) must leave room for every database wait."""
    settings = {name: _setting(name) for name in DEFAULTS}
    problems = database_waits_beyond(float(server.cfg.timeout), settings)
    if problems:
        raise SystemExit("assess: " + "; ".join(problems))
