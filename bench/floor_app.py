"""The floor for ``bench/load.py``: the least a questionnaire page can cost.

A bare Flask app that does, per page submission, the same kind of work as a
respondent page of the assess app and nothing more:

- the POST reads the signed session cookie (Flask's own), checks the CSRF token
  (Flask-WTF's ``CSRFProtect``, as the app), validates a form of ``FIELDS``
  fields against a 1–7 scale, inserts ``FIELDS`` answers in one transaction
  and redirects to the next page;
- the GET it redirects to renders a page of about the size of a questionnaire
  page (a Jinja template with a fieldset and seven radio buttons per field).

It runs under the same gunicorn settings (``-c python:assess.gunicorn_config``)
and on the same database as the app, through the app's own engine set-up
(``assess.db.make_engine``: SQLite WAL with ``BEGIN IMMEDIATE`` writers, or
psycopg 3 with the same timeouts), into a table of its own that the bench
creates (:data:`floor_answers`). Served as ``bench.floor_app:app``; the
settings come from the same ``ASSESS_*`` environment as the app's.
"""

from __future__ import annotations

import os
import secrets

from flask import Flask, abort, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFProtect
from jinja2 import DictLoader
from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from assess.db import make_engine

#: Pages per questionnaire and fields per page (the default customer
#: questionnaire has six pages of four to seven questions), and the scale: seven
#: points, so that a page is about as large as the app's (five points and "don't
#: know" on six or seven questions, in the app's page frame).
PAGES = 6
FIELDS = 8
SCALE = range(1, 8)

metadata = MetaData()
floor_answers = Table(
    "bench_floor_answers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("respondent", String(32), nullable=False, index=True),
    Column("page", Integer, nullable=False),
    Column("field", String(20), nullable=False),
    Column("value", Integer, nullable=False),
)

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Page {{ number + 1 }} of {{ pages }} · Floor questionnaire</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body>
<header class="site"><span class="brand">Floor Ltd</span></header>
<main>
<div class="progress-wrap"><label for="progress">Page {{ number + 1 }} of {{ pages }}</label>
<progress id="progress" max="{{ pages }}" value="{{ number + 1 }}"></progress></div>
<h1>How we work with our customers, part {{ number + 1 }}</h1>
<form method="post" novalidate class="questionnaire">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<p class="hint">Choose the answer closest to your experience; skip any you cannot answer.</p>
<div class="run matrix cols-12">
{% for field in fields %}
<fieldset class="question rated" id="{{ field }}">
<legend>Statement {{ loop.index }} on this page about how the organisation treats {{
  "its customers when something has gone wrong and they ask for help" }}</legend>
<div class="scale">
{% for point in scale %}<label class="point"><input type="radio" name="{{ field }}" value="{{
  point }}"> <span class="point-label">{{ labels[point] or point }}</span></label>
{% endfor %}
</div>
</fieldset>
{% endfor %}
</div>
<div class="nav-buttons">
<button type="submit" name="action" value="next" class="button">Next</button>
<button type="submit" name="action" value="back" class="button secondary">Back</button></div>
</form>
</main>
<footer class="site"><p>Your answers are anonymous: results are shown only for groups.</p></footer>
</body>
</html>
"""

THANKS = "<!doctype html><title>Thank you</title><h1>Thank you</h1>"

LABELS = {p: "" for p in SCALE} | {1: "Strongly disagree", 7: "Strongly agree"}
FIELD_NAMES = [f"item-{n}" for n in range(1, FIELDS + 1)]


def create_floor_app() -> Flask:
    app = Flask(__name__)
    # A named template, compiled once per process as the app's templates are.
    app.jinja_loader = DictLoader({"page.html": PAGE})  # type: ignore[assignment]
    app.config["SECRET_KEY"] = os.environ["ASSESS_SECRET_KEY"]
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # as the app: a page may stay open for hours
    CSRFProtect(app)
    engine = make_engine(
        os.environ["ASSESS_DATABASE_URL"],
        busy_timeout_ms=int(os.environ.get("ASSESS_SQLITE_BUSY_TIMEOUT_MS", "15000")),
        statement_timeout_ms=int(os.environ.get("ASSESS_DATABASE_STATEMENT_TIMEOUT_MS", "20000")),
        lock_timeout_ms=int(os.environ.get("ASSESS_DATABASE_LOCK_TIMEOUT_MS", "10000")),
        connect_timeout_s=int(os.environ.get("ASSESS_DATABASE_CONNECT_TIMEOUT", "5")),
    )

    @app.get("/floor/page/<int:number>")
    def page(number: int) -> ResponseReturnValue:
        if not 0 <= number < PAGES:
            abort(404)
        session.setdefault("respondent", secrets.token_hex(16))
        return render_template(
            "page.html", number=number, pages=PAGES, fields=FIELD_NAMES, scale=SCALE, labels=LABELS
        )

    @app.post("/floor/page/<int:number>")
    def submit(number: int) -> ResponseReturnValue:
        respondent = session.get("respondent")
        if not isinstance(respondent, str) or not 0 <= number < PAGES:
            abort(400)
        values: dict[str, int] = {}
        for name in FIELD_NAMES:
            raw = request.form.get(name, "").strip()
            if not raw:
                continue
            if not raw.isdigit() or int(raw) not in SCALE:
                abort(400)
            values[name] = int(raw)
        if any(name.startswith("item-") and name not in FIELD_NAMES for name in request.form):
            abort(400)
        if values:
            with engine.begin() as connection:
                connection.execute(
                    insert(floor_answers),
                    [{"respondent": respondent, "page": number, "field": name, "value": value}
                     for name, value in values.items()],
                )
        following = number + 1
        return redirect(f"/floor/page/{following}" if following < PAGES else "/floor/thanks")

    @app.get("/floor/thanks")
    def thanks() -> ResponseReturnValue:
        return THANKS

    return app


app = create_floor_app() if "ASSESS_DATABASE_URL" in os.environ else None
