"""The leak between consultants (issue 11), as a regression test.

Before workspaces, organisation names were global: a consultant creating an
engagement for a client another consultant already had ("Acme Ltd") was handed
that client, with its engagements, results, downloads and open links. Here two
workspaces, Alpha and Bravo, each have a client called "Acme Ltd", and through
the pages, the downloads and the CLI neither sees anything of the other.

Each test signs people in through ``/login`` with their own test client and holds
no app context across requests (each request gets its own, as in production), so
what one request caches on ``g`` cannot stand in for another person's.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select

from assess.accounts.services import create_user
from assess.engagements.models import Engagement, Organisation, Status
from assess.engagements.services import create_engagement
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.reports.settings import update_report_settings
from assess.respondents import links as respondent_links
from assess.respondents.codes import CodeLayout
from assess.respondents.models import Response, ResponseStatus
from assess.respondents.recording import NewResponse, record_submitted
from assess.workspaces.models import MemberRole
from assess.workspaces.services import add_member, create_workspace, find_workspace
from tests.respond import answer_questionnaire

PASSWORD = "correct-horse"
ALPHA_CONSULTANT = "consultant@alpha.example"
BRAVO_CONSULTANT = "consultant@bravo.example"
BOTH = "both@example.com"  # a consultant in Alpha and in Bravo

# Names that appear on no page unless the engagement is shown: the workspaces'
# own names may (the header offers the workspaces one may switch to).
ALPHA_ENGAGEMENT = "Spring survey"
BRAVO_ENGAGEMENT = "Winter survey"


@dataclass
class Installation:
    app: Flask
    bravo_id: int  # the workspace's id
    alpha_id: int
    bravo_engagement: int  # Bravo's "Acme Ltd" engagement, open, with answers
    bravo_organisation: int
    bravo_tokens: list[str]  # its open links

    def client(self, email: str | None = None) -> FlaskClient:
        """A browser; signed in as ``email`` through the sign-in page if given."""
        client = self.app.test_client()
        if email is not None:
            signed = client.post("/login", data={"email": email, "password": PASSWORD})
            assert signed.status_code == 302, f"{email} could not sign in"
        return client

    def cli(self, *args: str) -> Result:
        return self.app.test_cli_runner().invoke(args=list(args))

    def read(self, query: Callable[[], Any]) -> Any:
        with self.app.app_context():
            return query()

    def add_responses(self, engagement_id: int, prefix: str, count: int = 2) -> None:
        """Submitted staff responses whose respondent ids (``prefix-1``, ...) appear
        only in their own engagement's exports."""
        with self.app.app_context():
            engagement = db.session.get(Engagement, engagement_id)
            assert engagement is not None
            instrument = engagement.instrument()
            answers = {
                item.id: instrument.scale(item.scale).max
                for item in instrument.items_for(Audience.STAFF)
            }
            layout = CodeLayout.for_instrument(instrument, Audience.STAFF)
            record_submitted(engagement_id, layout, [
                NewResponse(answers=answers, external_id=f"{prefix}-{n}")
                for n in range(1, count + 1)
            ])
            db.session.commit()

    def open_tokens(self, engagement_id: int) -> list[str]:
        with self.app.app_context():
            engagement = db.session.get(Engagement, engagement_id)
            assert engagement is not None
            return [
                respondent_links.open_link(engagement, audience)[1]
                for audience in engagement.instrument().audiences()
            ]

    def workspace_of(self, engagement_id: int) -> tuple[int, int]:
        """(workspace id, organisation id) of an engagement."""
        with self.app.app_context():
            engagement = db.session.get(Engagement, engagement_id)
            assert engagement is not None
            return engagement.organisation.workspace_id, engagement.organisation_id

    def set_suspended(self, name: str, suspended: bool = True) -> None:
        result = self.cli("workspace", "suspend", name, *([] if suspended else ["--lift"]))
        assert result.exit_code == 0, result.output


@pytest.fixture
def installation(make_app: Callable[..., Flask]) -> Installation:
    """Bravo came first: its "Acme Ltd" is the organisation the leak handed out."""
    app = make_app()
    with app.app_context():
        bravo = create_workspace("Bravo")
        alpha = create_workspace("Alpha")
        create_workspace("Charlie")  # a workspace no one of these tests belongs to
        for email, workspaces in (
            (BRAVO_CONSULTANT, [bravo]), (ALPHA_CONSULTANT, [alpha]), (BOTH, [alpha, bravo]),
        ):
            user = create_user(email, PASSWORD)
            for workspace in workspaces:
                add_member(workspace, user, MemberRole.CONSULTANT)
        engagement = create_engagement(
            workspace=bravo, organisation="Acme Ltd", name=BRAVO_ENGAGEMENT
        )
        respondent_links.change_status(engagement, Status.OPEN)
        update_report_settings(engagement, prepared_by="Bravo", accent_colour="#1f4e79",
                               logo=png())
        tokens = [
            respondent_links.open_link(engagement, audience)[1]
            for audience in engagement.instrument().audiences()
        ]
        db.session.commit()
        installation = Installation(
            app, bravo.id, alpha.id, engagement.id, engagement.organisation_id, tokens
        )
    installation.add_responses(installation.bravo_engagement, "bravo-respondent", 3)
    return installation


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#cc0000").save(buffer, "PNG")
    return buffer.getvalue()


def create_through_the_page(client: FlaskClient, organisation: str, name: str) -> int:
    """The consultant's "New engagement" form, then "Open"; the new engagement's id."""
    created = client.post("/engagements/new", data={
        "organisation": organisation, "name": name,
        "instrument": "customer-centricity", "anonymity_threshold": "5",
    })
    assert created.status_code == 302, created.get_data(as_text=True)
    match = re.fullmatch(r"/engagements/(\d+)", created.headers["Location"])
    assert match, created.headers["Location"]
    engagement_id = int(match.group(1))
    opened = client.post(f"/engagements/{engagement_id}/status", data={"status": "open"})
    assert opened.status_code == 302
    return engagement_id


def html(client: FlaskClient, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, f"{url}: {answer.status_code}"
    return answer.get_data(as_text=True)


def listed(page: str) -> set[int]:
    """The engagement ids an index page links to."""
    return {int(n) for n in re.findall(r'href="/engagements/(\d+)"', page)}


def current_workspace(page: str) -> str | None:
    found = re.search(r'data-testid="current-workspace">([^<]*)<', page)
    return found.group(1) if found else None


def switches(page: str) -> set[int]:
    """The workspaces the page's header offers to switch to."""
    return {int(n) for n in re.findall(r'action="/workspaces/(\d+)/switch"', page)}


def engagement_urls(engagement_id: int) -> list[tuple[str, str, dict[str, str]]]:
    """Every page, download and action of one engagement, with harmless input."""
    base = f"/engagements/{engagement_id}"
    staff = f"{base}/respondents/staff"
    return [
        ("GET", base, {}),
        ("GET", f"{base}/results", {}),
        ("GET", f"{base}/report.pdf", {}),
        ("GET", f"{base}/report/logo", {}),
        ("GET", f"{base}/responses.csv?audience=staff", {}),
        ("GET", f"{base}/responses.xlsx", {}),
        ("GET", f"{staff}/invitations", {}),
        ("GET", f"{staff}/reminder", {}),
        ("POST", f"{base}/status", {"status": "closed"}),
        ("POST", f"{base}/report/settings", {"prepared_by": "Me", "accent_colour": "#000000"}),
        ("POST", f"{staff}/links.csv", {"staff-count": "5"}),
        ("POST", f"{staff}/open-link/replace", {"staff-confirm": "y"}),
        ("POST", f"{staff}/personal-links/withdraw", {"staff-confirm": "y"}),
        ("POST", f"{base}/responses/import", {"audience": "staff"}),
    ]


def assert_hidden(client: FlaskClient, engagement_id: int) -> None:
    """Every URL of the engagement answers 404, as if it did not exist (each is a
    route of the app: the 404 is access's, not a typing error's)."""
    routes = client.application.url_map.bind("localhost")
    for method, url, _data in engagement_urls(engagement_id):
        routes.match(url.split("?")[0], method=method)
    answers = {
        f"{method} {url}": client.open(url, method=method, data=data).status_code
        for method, url, data in engagement_urls(engagement_id)
    }
    assert answers == dict.fromkeys(answers, 404)


def assert_shown(client: FlaskClient, engagement_id: int) -> None:
    """The engagement's pages and downloads answer 200 (but the PDF: seconds to render)."""
    answers = {
        url: client.get(url).status_code
        for method, url, _data in engagement_urls(engagement_id)
        if method == "GET" and not url.endswith(".pdf")
    }
    assert answers == dict.fromkeys(answers, 200)


def test_a_consultant_typing_a_taken_name_gets_a_client_of_their_own(
    installation: Installation,
) -> None:
    alpha = installation.client(ALPHA_CONSULTANT)
    created = create_through_the_page(alpha, "Acme Ltd", ALPHA_ENGAGEMENT)

    workspace_id, organisation_id = installation.workspace_of(created)
    assert workspace_id == installation.alpha_id
    assert organisation_id != installation.bravo_organisation
    acmes = installation.read(lambda: db.session.execute(
        select(Organisation.workspace_id, func.count())
        .where(Organisation.name == "Acme Ltd")
        .group_by(Organisation.workspace_id)
    ).all())
    assert sorted(acmes) == sorted([(installation.alpha_id, 1), (installation.bravo_id, 1)])
    bravo_engagements = installation.read(lambda: db.session.scalars(
        select(Engagement.id).where(Engagement.organisation_id == installation.bravo_organisation)
    ).all())
    assert bravo_engagements == [installation.bravo_engagement]

    # Neither consultant gained anything of the other's.
    assert listed(html(alpha, "/")) == {created}
    assert_hidden(alpha, installation.bravo_engagement)
    bravo = installation.client(BRAVO_CONSULTANT)
    assert listed(html(bravo, "/")) == {installation.bravo_engagement}
    assert_shown(bravo, installation.bravo_engagement)  # what Alpha was refused exists
    assert_hidden(bravo, created)
    assert installation.read(lambda: db.session.get(Engagement, created).status) == Status.OPEN


def test_pages_and_downloads_show_nothing_of_the_other_workspace(
    installation: Installation,
) -> None:
    alpha = installation.client(ALPHA_CONSULTANT)
    own = create_through_the_page(alpha, "Acme Ltd", ALPHA_ENGAGEMENT)
    installation.add_responses(own, "alpha-respondent", 2)
    own_tokens = installation.open_tokens(own)
    secrets = [*installation.bravo_tokens, BRAVO_ENGAGEMENT, "bravo-respondent"]

    pages = {
        url: html(alpha, url)
        for url in ("/", f"/engagements/{own}", f"/engagements/{own}?tab=respondents",
                    f"/engagements/{own}/results",
                    f"/engagements/{own}/respondents/staff/reminder",
                    f"/engagements/{own}/respondents/customer/reminder")
    }
    assert all(token in pages[f"/engagements/{own}?tab=respondents"] for token in own_tokens)
    for url, page in pages.items():
        assert [s for s in secrets if s in page] == [], url
        assert f"/engagements/{installation.bravo_engagement}" not in page, url
        assert switches(page) == set(), url  # Alpha's consultant has no other workspace

    exported = alpha.get(f"/engagements/{own}/responses.csv?audience=staff")
    assert exported.status_code == 200
    rows = exported.get_data(as_text=True).splitlines()
    assert len(rows) == 1 + 2
    assert "alpha-respondent-1" in rows[1]
    assert not [row for row in rows if "bravo-respondent" in row]
    workbook = alpha.get(f"/engagements/{own}/responses.xlsx")
    assert workbook.status_code == 200
    cells = {
        str(cell) for sheet in load_workbook(io.BytesIO(workbook.data), read_only=True)
        for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None
    }
    assert {"alpha-respondent-1", "alpha-respondent-2"} <= cells
    assert not [c for c in cells if "bravo" in c.lower()]

    assert_hidden(alpha, installation.bravo_engagement)


@pytest.mark.slow
def test_the_pdf_is_only_ones_own(installation: Installation) -> None:
    if not installation.app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("rendering the PDF takes seconds; its access is the same on both databases")
    alpha = installation.client(ALPHA_CONSULTANT)
    own = create_through_the_page(alpha, "Acme Ltd", ALPHA_ENGAGEMENT)
    installation.add_responses(own, "alpha")  # without any, there is no report to download
    pdf = alpha.get(f"/engagements/{own}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert ALPHA_ENGAGEMENT in text and BRAVO_ENGAGEMENT not in text
    assert alpha.get(f"/engagements/{installation.bravo_engagement}/report.pdf").status_code == 404


def test_the_cli_finds_names_only_in_the_named_workspace(installation: Installation) -> None:
    first = installation.cli("engagement", "create", "--workspace", "Alpha",
                             "--organisation", "Acme Ltd", "--name", ALPHA_ENGAGEMENT)
    assert first.exit_code == 0, first.output
    second = installation.cli("engagement", "create", "--workspace", "alpha",
                              "--organisation", "Acme Ltd", "--name", "Autumn survey")
    assert second.exit_code == 0, second.output
    created = [int(first.output.strip()), int(second.output.strip())]
    places = {installation.workspace_of(engagement_id) for engagement_id in created}
    assert len(places) == 1  # both in Alpha's one "Acme Ltd" ...
    [(workspace_id, organisation_id)] = places
    assert workspace_id == installation.alpha_id
    assert organisation_id != installation.bravo_organisation  # ... never Bravo's

    def ids_listed(workspace: str) -> set[int]:
        result = installation.cli("engagement", "list", "--workspace", workspace)
        assert result.exit_code == 0, result.output
        return {int(n) for n in re.findall(r"^\s*(\d+)\s", result.output, re.MULTILINE)}

    assert ids_listed("Alpha") == set(created)
    assert ids_listed("Bravo") == {installation.bravo_engagement}

    # With two workspaces, a name alone is ambiguous: refused, nothing created.
    def engagements() -> int:
        return installation.read(lambda: db.session.scalar(select(func.count(Engagement.id))))

    before = engagements()
    ambiguous = installation.cli("engagement", "create", "--organisation", "Acme Ltd",
                                 "--name", "Which one?")
    assert ambiguous.exit_code != 0 and "--workspace" in ambiguous.output
    assert engagements() == before

    # A reader given "Acme Ltd" in Alpha reads Alpha's released engagements, never Bravo's.
    for engagement_id in created:
        released = installation.cli("engagement", "release", str(engagement_id))
        assert released.exit_code == 0, released.output
    reader = installation.cli("user", "create", "reader@alpha.example", "--workspace", "Alpha",
                              "--role", "reader", "--organisation", "Acme Ltd",
                              "--password", PASSWORD)
    assert reader.exit_code == 0, reader.output
    client = installation.client("reader@alpha.example")
    assert listed(html(client, "/")) == set(created)
    assert client.get(f"/engagements/{created[0]}/results").status_code == 200
    assert client.get(f"/engagements/{installation.bravo_engagement}").status_code == 404
    assert client.get(f"/engagements/{installation.bravo_engagement}/results").status_code == 404


def test_a_person_in_two_workspaces_sees_only_the_current_one(
    installation: Installation,
) -> None:
    alpha_engagement = create_through_the_page(
        installation.client(ALPHA_CONSULTANT), "Acme Ltd", ALPHA_ENGAGEMENT)
    bravo_engagement = installation.bravo_engagement
    both = installation.client(BOTH)  # signs in to the first by name: Alpha

    index = html(both, "/")
    assert listed(index) == {alpha_engagement}
    assert BRAVO_ENGAGEMENT not in index
    assert current_workspace(index) == "Alpha"
    assert switches(index) == {installation.bravo_id}  # the header offers the other one
    assert both.get(f"/engagements/{bravo_engagement}").status_code == 404

    switched = both.post(f"/workspaces/{installation.bravo_id}/switch")
    assert switched.status_code == 302 and switched.headers["Location"] == "/"
    index = html(both, "/")
    assert listed(index) == {bravo_engagement}
    assert ALPHA_ENGAGEMENT not in index
    assert current_workspace(index) == "Bravo"
    assert switches(index) == {installation.alpha_id}
    assert both.get(f"/engagements/{bravo_engagement}").status_code == 200
    assert_hidden(both, alpha_engagement)

    # Not a member of Charlie, and no workspace 9999: both as if they did not exist.
    charlie = installation.read(lambda: find_workspace("Charlie").id)
    assert both.post(f"/workspaces/{charlie}/switch").status_code == 404
    assert both.post("/workspaces/9999/switch").status_code == 404
    assert listed(html(both, "/")) == {bravo_engagement}  # still in Bravo

    assert both.post(f"/workspaces/{installation.alpha_id}/switch").status_code == 302
    assert listed(html(both, "/")) == {alpha_engagement}


def submitted(installation: Installation) -> int:
    return installation.read(lambda: db.session.scalar(
        select(func.count(Response.id)).where(
            Response.engagement_id == installation.bravo_engagement,
            Response.status == ResponseStatus.SUBMITTED,
        )
    ))


def test_a_suspended_workspace_signs_no_one_in_but_its_open_link_works(
    installation: Installation,
) -> None:
    installation.set_suspended("Bravo")
    client = installation.client()
    refused = client.post("/login", data={"email": BRAVO_CONSULTANT, "password": PASSWORD})
    assert refused.status_code == 403
    assert "suspended" in refused.get_data(as_text=True)
    index = client.get("/")  # no session was made
    assert index.status_code == 302 and "/login" in index.headers["Location"]

    before = submitted(installation)
    link = f"http://testserver/r/{installation.bravo_tokens[0]}"
    answer_questionnaire(installation.client(), link)  # to the thank-you page
    assert submitted(installation) == before + 1

    installation.set_suspended("Bravo", suspended=False)
    assert listed(html(installation.client(BRAVO_CONSULTANT), "/")) == {
        installation.bravo_engagement}


def test_a_member_of_a_suspended_and_an_active_workspace_signs_in_to_the_active_one(
    installation: Installation,
) -> None:
    alpha_engagement = create_through_the_page(
        installation.client(ALPHA_CONSULTANT), "Acme Ltd", ALPHA_ENGAGEMENT)
    installation.set_suspended("Alpha")  # the first by name
    both = installation.client(BOTH)
    index = html(both, "/")
    assert listed(index) == {installation.bravo_engagement}
    assert ALPHA_ENGAGEMENT not in index
    assert current_workspace(index) == "Bravo" and switches(index) == set()
    assert both.post(f"/workspaces/{installation.alpha_id}/switch").status_code == 404
    assert both.get(f"/engagements/{alpha_engagement}").status_code == 404


def test_a_session_in_a_workspace_that_is_then_suspended_shows_nothing(
    installation: Installation,
) -> None:
    bravo = installation.client(BRAVO_CONSULTANT)
    assert listed(html(bravo, "/")) == {installation.bravo_engagement}
    installation.set_suspended("Bravo")
    assert bravo.get("/").status_code == 403  # no workspace left to act in
    assert bravo.get(f"/engagements/{installation.bravo_engagement}").status_code in (403, 404)
