"""gunicorn's settings: ``gunicorn -c python:assess.gunicorn_config wsgi:app``.

Read from the same ``ASSESS_*`` environment as the app (README, "Configuration"):
``ASSESS_WORKERS``, ``ASSESS_WORKER_TIMEOUT`` and ``ASSESS_LOG_FORMAT``. The bind
address stays on the command line (``--bind``). At start the master refuses a worker
timeout that the database waits do not fit inside (docs/hardening.md, "Database
faults"). The access log goes to standard output and never holds a token, a client
address, a cookie or a header (:class:`RedactingLogger`; docs/deployment.md, "Logs").
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]  # no stubs

from assess import logs
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


class RedactingLogger(Logger):
    """gunicorn's logger, with an access log that holds nothing personal or secret.

    Each atom a format may name is rebuilt from the request's method, path, query,
    status, size and time alone: the path and the Referer with the segment after
    ``/r/``, ``/s/``, ``/reset/``, ``/verify/`` and ``/invitations/`` replaced by
    ``…`` and only plain query values kept (``assess.logs.redacted_path``,
    ``redacted_query``); the client address, when a format asks for ``%(h)s``, cut
    to its network (IPv4 /24, IPv6 /48); no user agent, no user name, and no header
    or environ atoms (``%({cookie}i)s`` and the like print ``-``). With
    ``ASSESS_LOG_FORMAT=json`` each access line and each of gunicorn's own lines is
    one JSON object, as the app's are.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.json = _setting("LOG_FORMAT") == "json"
        if self.json:
            for handler in [*self.error_log.handlers, *self.access_log.handlers]:
                handler.setFormatter(logs.JSONFormatter())
        else:
            # gunicorn's own lines may name a request ("Error handling request
            # /r/<token>") or a client ("Invalid request from ip=..."): scrubbed too.
            for handler in self.error_log.handlers:
                handler.setFormatter(logs.ScrubbingFormatter(self.error_fmt, self.datefmt))

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any
              ) -> dict[str, Any]:
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        method = environ.get("REQUEST_METHOD", "-")
        path = logs.redacted_path(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        query = logs.redacted_query(environ.get("QUERY_STRING", ""))
        target = f"{path}?{query}" if query else path
        protocol = environ.get("SERVER_PROTOCOL", "-")
        sent = getattr(resp, "sent", None)
        return {
            "h": logs.truncated_address(environ.get("REMOTE_ADDR")),
            "l": "-",
            "u": "-",
            "t": self.now(),
            "r": f"{method} {target} {protocol}",
            "s": status,
            "m": method,
            "U": path,
            "q": query,
            "H": protocol,
            "b": str(sent) if sent is not None else "-",
            "B": sent,
            "f": logs.redacted_url(environ.get("HTTP_REFERER", "-")),
            "a": "-",
            "T": request_time.seconds,
            "D": request_time.seconds * 1_000_000 + request_time.microseconds,
            "M": request_time.seconds * 1000 + request_time.microseconds // 1000,
            "L": f"{request_time.seconds}.{request_time.microseconds:06d}",
            "p": f"<{os.getpid()}>",
            "request_id": environ.get(logs.REQUEST_ID_ENVIRON, "-"),
        }

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.json:
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        self.access_log.info(
            "%s %s", atoms["r"], atoms["s"],
            extra={
                "event": "access", "request_id": atoms["request_id"], "method": atoms["m"],
                "path": atoms["U"], "query": atoms["q"] or None, "status": int(atoms["s"]),
                "bytes": atoms["B"], "duration_ms": round(atoms["D"] / 1000, 1),
            },
        )


logger_class = RedactingLogger
# On by default, to standard output (the journal under systemd); `--access-logfile`
# on the command line still wins.
accesslog = "-"
# The request id ties a line to the app's own lines for the same request.
access_log_format = '%(request_id)s "%(r)s" %(s)s %(b)s %(M)sms'
