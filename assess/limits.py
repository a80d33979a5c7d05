"""What a request may carry: integers in URLs the database can hold, and bodies
no larger than the route that receives them needs (docs/hardening.md)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

#: The largest id in a URL: PostgreSQL's ``integer`` (SQLite's is 2**63 - 1, and a
#: bigger number there overflows the driver): one range for both databases.
LARGEST_ID = 2**31 - 1


class DatabaseInteger(IntegerConverter):
    """``<int:...>`` that matches only what an integer column can hold, so an id
    beyond it is "not found" (404) instead of a query the database refuses (500)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = LARGEST_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


@dataclass(frozen=True)
class BodyLimit:
    """The most a route reads: bytes (``None``: the upload limit,
    ``MAX_CONTENT_LENGTH``) and form fields."""

    config_key: str | None
    fields: int


#: Sign-in, settings, new engagement...: a few short fields.
FORM = BodyLimit("MAX_FORM_BYTES", fields=100)
#: A questionnaire page: a section's answers and its comments, or the open questions.
ANSWER_PAGE = BodyLimit("MAX_ANSWER_PAGE_BYTES", fields=1000)
#: Invitations and reminders: up to 2,000 addresses in one text box.
ADDRESS_LIST = BodyLimit("MAX_ADDRESS_LIST_BYTES", fields=100)
#: The response import and the report logo: files, within ``MAX_CONTENT_LENGTH``.
UPLOAD = BodyLimit(None, fields=100)

#: Routes that take more than a short form, by endpoint; every other route is a FORM.
ROUTE_LIMITS: dict[str, BodyLimit] = {
    "respondents.page": ANSWER_PAGE,
    "respondent_admin.invite": ADDRESS_LIST,
    "respondent_admin.remind": ADDRESS_LIST,
    "transfer.import_file": UPLOAD,
    "reports.settings": UPLOAD,
}


def body_limit(endpoint: str | None) -> BodyLimit:
    return ROUTE_LIMITS.get(endpoint or "", FORM)


def init_app(app: Flask) -> None:
    """Register the URL converter and the body limits. Call before any route is
    added (rules bind their converters when added) and before any extension's
    request hook that reads the form (CSRF), so the limits apply to that read."""
    app.url_map.converters["int"] = DatabaseInteger
    app.before_request(apply_body_limit)


def apply_body_limit() -> None:
    """Set this request's limits from its route: Werkzeug refuses a larger body, a
    larger multipart field or more multipart parts with a 413 as it reads them."""
    limit = body_limit(request.endpoint)
    if limit.config_key is not None:
        size: int = current_app.config[limit.config_key]
        request.max_content_length = size
        request.max_form_memory_size = size
    request.max_form_parts = limit.fields
    if request.mimetype == "application/x-www-form-urlencoded":
        # Werkzeug counts parts only in multipart bodies; a urlencoded one, already
        # bounded in bytes, is counted here.
        fields = sum(len(values) for _name, values in request.form.lists())
        if fields > limit.fields:
            raise RequestEntityTooLarge()
