"""Hostile requests: ids beyond the database's integers, and bodies larger than
their route takes (assess/limits.py, docs/hardening.md)."""

from __future__ import annotations

import io

import pytest
from flask import request
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from assess.limits import LARGEST_ID, apply_body_limit
from assess.respondents.models import Answer
from tests.respondents.conftest import answer, count, personal_tokens, start
from tests.transfer.helpers import csv_bytes, finish_jobs, response_count

MB = 1024 * 1024

#: PostgreSQL's integer ends at 2**31 - 1, SQLite's at 2**63 - 1; 10**30 fits neither.
HUGE_IDS = [2**31, 2**63, 10**30]

#: (method, path) of routes with integers in them; ``{n}`` is the huge id, and the
#: engagement (``{e}``) or organisation (``{o}``) is a real one the user may manage.
ROUTES = [
    ("GET", "/engagements/{n}"),
    ("GET", "/engagements/{n}/results"),
    ("GET", "/engagements/{n}/report.pdf"),
    ("GET", "/engagements/{n}/responses.csv?audience=staff"),
    ("POST", "/engagements/{n}/status"),
    ("POST", "/engagements/{e}/share-links/{n}/revoke"),
    ("GET", "/organisations/{n}"),
    ("GET", "/organisations/{n}/export.zip"),
    ("POST", "/organisations/{o}/readers/{n}/remove"),
    ("POST", "/members/{n}/role"),
    ("POST", "/members/invitations/{n}/withdraw"),
    ("POST", "/workspaces/{n}/switch"),
]


def post_multipart(client, path, form):
    """POST ``form`` as multipart/form-data encoded in memory (the test client's own
    encoder spools a large body to a temporary file that it leaves open)."""
    boundary, body = encode_multipart(form)
    return client.post(path, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("huge", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_ids_beyond_the_databases_integers_are_not_found(
    client, auth, make_user, make_engagement, huge
):
    user = make_user("owner")
    auth.login(user.email)
    engagement = make_engagement(created_by=user)
    for method, path in ROUTES:
        url = path.format(n=huge, e=engagement.id, o=engagement.organisation_id)
        answered = client.open(url, method=method)
        assert answered.status_code == 404, (method, url, answered.status_code)


def test_the_largest_id_still_reaches_the_page(client, auth, make_user):
    """2**31 - 1 is matched and looked up: the view says "not found" itself."""
    user = make_user()
    auth.login(user.email)
    assert client.get(f"/engagements/{LARGEST_ID}").status_code == 404
    assert client.get(f"/engagements/{LARGEST_ID + 1}").status_code == 404


@pytest.mark.parametrize("huge", HUGE_IDS, ids=["2^31", "2^63", "10^30"])
def test_a_questionnaire_page_beyond_the_integers_is_a_wrong_link(client, make_engagement,
                                                                   huge):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    start(client, token)
    assert client.get(f"/r/{token}/page/{huge}").status_code == 404
    assert client.post(f"/r/{token}/page/{huge}", data={"action": "next"}).status_code == 404


def test_a_questionnaire_page_refuses_a_body_of_megabytes(client, make_engagement):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    start(client, token)
    sent = client.post(f"/r/{token}/page/0", data={"action": "next", "pad": "x" * 2 * MB})
    assert sent.status_code == 413
    assert "nothing was saved" in sent.get_data(as_text=True)
    as_file = post_multipart(client, f"/r/{token}/page/0",
                             {"action": "next",
                              "pad": FileStorage(io.BytesIO(b"x" * 2 * MB), "pad.bin")})
    assert as_file.status_code == 413
    assert count(Answer) == 0
    # A page as a browser fills it is still saved.
    went_on = answer(client, token, 0)
    assert went_on.status_code == 302 and went_on.headers["Location"].endswith("/page/1")
    went_on = answer(client, token, 1)
    assert went_on.status_code == 302 and count(Answer) > 0


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_questionnaire_page_refuses_thousands_of_fields(client, make_engagement, encoding):
    engagement = make_engagement()
    [token] = personal_tokens(engagement, "staff")
    start(client, token)
    form = {f"f{i}": "1" for i in range(5000)} | {"action": "next"}
    if encoding == "multipart":
        sent = post_multipart(client, f"/r/{token}/page/0", form)
    else:
        sent = client.post(f"/r/{token}/page/0", data=form)
    assert sent.status_code == 413
    assert count(Answer) == 0


def test_a_short_form_refuses_a_large_body(client):
    sent = client.post("/login", data={"email": "a@example.com", "password": "x" * 100_000})
    assert sent.status_code == 413
    many = client.post("/login", data={f"f{i}": "1" for i in range(500)})
    assert many.status_code == 413


@pytest.mark.parametrize(
    ("path", "limit_key"),
    [
        ("/engagements/1/responses/import", "MAX_CONTENT_LENGTH"),
        ("/engagements/1/report/settings", "MAX_CONTENT_LENGTH"),
        ("/engagements/1/respondents/customer/invitations", "MAX_ADDRESS_LIST_BYTES"),
        ("/r/token/page/0", "MAX_ANSWER_PAGE_BYTES"),
        ("/r/token/start", "MAX_FORM_BYTES"),
        ("/login", "MAX_FORM_BYTES"),
        ("/no/such/page", "MAX_FORM_BYTES"),
    ],
)
def test_each_route_reads_what_it_takes(app, path, limit_key):
    with app.test_request_context(path, method="POST"):  # an unknown address: a short form
        apply_body_limit()
        assert request.max_content_length == app.config[limit_key]


def test_the_import_still_takes_a_large_file(client, auth, make_user, make_engagement):
    user = make_user()
    auth.login(user.email)
    engagement = make_engagement(created_by=user)
    comment = "a" * 1999 + "."
    rows = [["respondent", "c_ease_easy", "c_open_change"]]
    rows += [[f"r{i}", 3, comment] for i in range(1100)]
    data = csv_bytes(rows)
    assert len(data) > 2 * MB  # more than any form takes
    done = post_multipart(client, f"/engagements/{engagement.id}/responses/import",
                          {"audience": "customer",
                           "file": FileStorage(io.BytesIO(data), "answers.csv")})
    assert done.status_code == 302
    finish_jobs()  # the import runs as a background job
    assert response_count(engagement.id) == 1100
