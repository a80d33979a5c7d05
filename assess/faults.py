"""Fault injection for the resilience tests (docs/hardening.md, "Database faults").

Installed only when the ``FAULT_INJECTION`` setting is true, which tests set and
production never does. A request then carrying the header ``X-Assess-Fault``
meets the fault it names:

``kill-before-commit``
    the worker process is killed (SIGKILL) just before the database commits the
    request's transaction: everything has been written but nothing committed, the
    worst moment for a submission to stop.
"""

from __future__ import annotations

import os
import signal

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

HEADER = "X-Assess-Fault"
KILL_BEFORE_COMMIT = "kill-before-commit"


def install(engine: Engine) -> None:
    event.listen(engine, "commit", _before_commit)


def _before_commit(_connection: Connection) -> None:
    if has_request_context() and request.headers.get(HEADER) == KILL_BEFORE_COMMIT:
        os.kill(os.getpid(), signal.SIGKILL)
