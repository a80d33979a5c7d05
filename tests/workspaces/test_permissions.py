"""The permission matrix: every route of the URL map × every kind of actor × an
object of their own workspace and one of another → the status code access decides.

``ROUTES`` classifies every route (rule and method). A route the app gains without
an entry here fails :func:`test_every_route_has_an_entry`: whoever adds a route
says who may use it. The world is built once for the module, on SQLite (the access
policy has its own tests on both databases):

- two workspaces, Alpha and Bravo, each with a client of the same name, "Acme Ltd",
  and an open, **released** engagement with submitted responses, open links and a
  report logo; Alpha's "Acme Ltd" also has a later engagement that is not released
  (for a reader of Acme it does not exist: 404 where a released one answers);
- Alpha's owner, consultant, a reader given Alpha's "Acme Ltd", a reader given
  Alpha's "Beta plc"; a consultant of Bravo (the member of another workspace).

Each case runs in a fresh test client carrying the actor's session cookie (signed
in through ``/login`` once), so no case sees what another left in its cookies, and
switching workspace in one case changes nothing for the next; signing out ends
every session of the actor, so after such a case (``ENDS_SESSIONS``) the actor
signs in again. The
POST cases send what the view refuses after the access check (a status that does
not exist, a colour that is no colour, an unticked confirmation, no file), so the
status code is access's answer and the world stays as it was: every route's cases
end by checking that it did.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from assess import create_app
from assess.accounts.services import create_user
from assess.engagements.models import Engagement, Organisation
from assess.engagements.services import (
    create_engagement,
    get_or_create_organisation,
    give_reader_access,
    release,
)
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.organisations import export as organisation_export
from assess.reports import views as report_views
from assess.reports.settings import engagement_logo, update_report_settings
from assess.respondents import links as respondent_links
from assess.respondents.codes import CodeLayout
from assess.respondents.models import Link, Response
from assess.respondents.recording import NewResponse, record_submitted
from assess.workspaces.models import MemberRole, Membership, ReaderAccess, Workspace
from assess.workspaces.services import add_member, create_workspace

PASSWORD = "correct-horse"
STUB_PDF = b"%PDF-1.7 stand-in"

#: How an actor stands to the object of a case; each route's ``Expect`` gives the
#: status code for each.
Relation = Literal["anonymous", "manage", "read", "hidden"]

#: What a route acts on, which decides the actor's relation:
#: ``engagement`` - an engagement: owners and consultants of its workspace manage
#:     it, a reader given its organisation reads it once it is released, everyone
#:     else signed in is ``hidden`` from it (another organisation, another
#:     workspace, not released);
#: ``organisation`` - the engagement's organisation: as ``engagement``, released or not;
#: ``workspace`` - a workspace: its members manage (owner, consultant) or read it;
#: ``account`` - nothing but the actor's current workspace, by their role there;
#: ``respondent`` - an open link's token: public, the same for everyone;
#: ``public`` - nothing: public, the same for everyone.
Scope = Literal["engagement", "organisation", "workspace", "account", "respondent", "public"]


@dataclass(frozen=True)
class Expect:
    """The status code of a route for each relation, and what to send."""

    manage: int
    read: int
    hidden: int = 404  # never 403: ids do not confirm that something exists
    anonymous: int = 302  # to the sign-in page
    scope: Scope = "engagement"
    query: str = ""
    form: Mapping[str, str] = field(default_factory=dict)
    # An owner's code where it differs from a consultant's (``manage``): owner-only
    # routes, such as the workspace's settings.
    owner: int | None = None

    def status(self, relation: Relation, *, is_owner: bool = False) -> int:
        if is_owner and relation == "manage" and self.owner is not None:
            return self.owner
        code: int = getattr(self, relation)
        return code


def public(status: int, scope: Scope = "public", form: Mapping[str, str] | None = None) -> Expect:
    """A route anyone may use, signed in or not, with the same answer."""
    return Expect(status, status, status, status, scope=scope, form=form or {})


ENGAGEMENT = "/engagements/<int:engagement_id>"
ORGANISATION = "/organisations/<int:organisation_id>"
RESPONDENTS = f"{ENGAGEMENT}/respondents/<audience>"
UNTICKED: dict[str, str] = {}  # a confirmation box left unticked: refused, nothing changes

ROUTES: dict[str, Expect] = {
    # -- signing in and out; the workspace one acts in --------------------------------
    "GET /login": public(200),
    "POST /login": public(401, form={"email": "nobody@example.com", "password": "wrong-horse"}),
    "POST /logout": Expect(302, 302, scope="account"),
    "POST /workspaces/<int:workspace_id>/switch": Expect(302, 302, scope="workspace"),
    # -- signing up and a company's first run (tests/accounts/test_signup.py) ----------
    # Sign-up is off here, as by default (ASSESS_ALLOW_SIGNUP): no such page.
    "GET /signup": public(404),
    "POST /signup": public(404),
    # Alpha and Bravo are consultancies: the first-run page is a company's, so their
    # managers are sent to their engagements, and nothing is created.
    "GET /welcome": Expect(302, 403, scope="account"),
    "POST /welcome": Expect(302, 403, scope="account"),
    # -- the second factor (tests/accounts/test_second_factor.py) ----------------------
    # No sign-in waits for a code in these sessions: sent to sign in, nothing counted.
    "GET /login/second-factor": public(302),
    "POST /login/second-factor": public(302, form={"code": "000000"}),
    # Anyone signed in may set one up (it is their own); an empty code is refused.
    "GET /account/second-factor": Expect(200, 200, scope="account"),
    "POST /account/second-factor": Expect(200, 200, scope="account"),
    # Nobody here has one to switch off: back to the set-up page.
    "POST /account/second-factor/disable": Expect(302, 302, scope="account",
                                                  form={"code": "000000"}),
    # Owners only; without a value nothing changes (back to the set-up page).
    "POST /workspace/second-factor": Expect(403, 403, scope="account", owner=302),
    # -- verification, reset, the account page, members (tests/accounts/test_account_pages.py,
    # tests/workspaces/test_members.py). No SMTP here: /forgot says to ask the operator.
    "GET /forgot": public(200),
    "POST /forgot": public(200),
    # A link's token that is no account token (the staff open link's): one answer for
    # unknown, expired and used links.
    "GET /reset/<token>": public(404, "respondent"),
    "POST /reset/<token>": public(404, "respondent"),
    "GET /verify/<token>": public(404, "respondent"),
    "GET /invitations/<token>": public(404, "respondent"),
    "POST /invitations/<token>": public(404, "respondent"),
    # Anyone signed in has an account page; empty forms are refused (nothing changes).
    "GET /account": Expect(200, 200, scope="account"),
    "POST /account/name": Expect(400, 400, scope="account"),
    "POST /account/email": Expect(400, 400, scope="account"),
    "POST /account/password": Expect(400, 400, scope="account"),
    "POST /account/delete": Expect(400, 400, scope="account"),
    # Without SMTP every address counts as confirmed: nothing to send, back to the page.
    "POST /account/verification": Expect(302, 302, scope="account"),
    "POST /account/sign-out-everywhere": Expect(302, 302, scope="account"),  # ENDS_SESSIONS
    # Owners only. An empty invitation is refused; the role form without a role and the
    # removal without its tick send the owner back; no invitation has id 0.
    "GET /members": Expect(403, 403, scope="account", owner=200),
    "POST /members/invite": Expect(403, 403, scope="account", owner=400),
    "POST /members/<int:membership_id>/role": Expect(403, 403, scope="account", owner=302),
    "POST /members/<int:membership_id>/remove": Expect(403, 403, scope="account", owner=302,
                                                       form=UNTICKED),
    "POST /members/invitations/<int:token_id>/withdraw": Expect(403, 403, scope="account",
                                                                 owner=404),
    # -- the current workspace's engagements ------------------------------------------
    "GET /": Expect(200, 200, scope="account"),
    "GET /engagements/new": Expect(200, 403, scope="account"),
    # An empty form: shown again with its errors, nothing created.
    "POST /engagements/new": Expect(200, 403, scope="account"),
    # -- one engagement: readers read ...
    f"GET {ENGAGEMENT}": Expect(200, 200),
    f"GET {ENGAGEMENT}/results": Expect(200, 200),
    f"GET {ENGAGEMENT}/report.pdf": Expect(200, 200),
    # A download's render (tests/jobs/test_report_downloads.py): no job has id 0.
    f"GET {ENGAGEMENT}/report/jobs/<int:job_id>": Expect(404, 404),
    f"GET {ENGAGEMENT}/report/logo": Expect(200, 200),
    # ... and change nothing, export nothing, see no links.
    f"POST {ENGAGEMENT}/status": Expect(302, 403, form={"status": "no-such-status"}),
    # Its settings, closing, deleting, the next wave (tests/engagements/test_lifecycle.py).
    # The closing page only asks; an empty settings or next-wave form and a name that
    # is not the engagement's are refused (400), nothing changes.
    f"GET {ENGAGEMENT}/close": Expect(200, 403),
    f"POST {ENGAGEMENT}/settings": Expect(400, 403),
    f"POST {ENGAGEMENT}/next-wave": Expect(400, 403),
    f"GET {ENGAGEMENT}/delete": Expect(200, 403),
    f"POST {ENGAGEMENT}/delete": Expect(400, 403, form={"name": "Not Acme"}),
    # Both boxes empty: nothing changes ("Nothing changed"), back to the page.
    f"POST {ENGAGEMENT}/open-link-mailings": Expect(302, 403),
    # Release and its withdrawal (tests/sharing/test_release.py): unticked, refused.
    f"POST {ENGAGEMENT}/release": Expect(302, 403, form=UNTICKED),
    f"POST {ENGAGEMENT}/release/withdraw": Expect(302, 403, form=UNTICKED),
    f"POST {ENGAGEMENT}/report/settings": Expect(302, 403, form={"accent_colour": "no colour"}),
    f"GET {ENGAGEMENT}/responses.csv": Expect(200, 403, query="audience=staff"),
    f"GET {ENGAGEMENT}/responses.xlsx": Expect(200, 403),
    f"POST {ENGAGEMENT}/responses/import": Expect(302, 403, form={"audience": "staff"}),
    # Removing an import (tests/transfer/test_import_batches.py): no import has id 0.
    f"GET {ENGAGEMENT}/imports/<int:batch_id>/remove": Expect(404, 403),
    f"POST {ENGAGEMENT}/imports/<int:batch_id>/remove": Expect(404, 403, form=UNTICKED),
    # An import's job page (tests/jobs/test_jobs.py): no job has id 0.
    f"GET {ENGAGEMENT}/imports/jobs/<int:job_id>": Expect(404, 403),
    f"POST {RESPONDENTS}/links.csv": Expect(302, 403, form={"staff-count": "0"}),
    f"POST {RESPONDENTS}/open-link/replace": Expect(302, 403, form=UNTICKED),
    f"POST {RESPONDENTS}/personal-links/withdraw": Expect(302, 403, form=UNTICKED),
    # No SMTP server configured: the pages show what would be sent, and send nothing.
    f"GET {RESPONDENTS}/invitations": Expect(200, 403),
    f"POST {RESPONDENTS}/invitations": Expect(200, 403, form={"addresses": "x@example.com"}),
    f"GET {RESPONDENTS}/reminder": Expect(200, 403),
    f"POST {RESPONDENTS}/reminder": Expect(200, 403, form={"addresses": "x@example.com"}),
    # The preview (tests/respondents/test_preview.py): stores nothing, in any status;
    # page 0's "about you" sent empty goes on to page 1.
    f"GET {RESPONDENTS}/preview": Expect(200, 403),
    f"GET {RESPONDENTS}/preview/page/<int:number>": Expect(200, 403),
    f"POST {RESPONDENTS}/preview/page/<int:number>": Expect(302, 403),
    # -- respondents: public, through the open link whoever holds it ------------------
    "GET /r/<token>": public(200, "respondent"),
    "POST /r/<token>/start": public(302, "respondent"),  # to the first page; stores nothing
    "GET /r/<token>/page/<int:number>": public(302, "respondent"),  # not started: welcome
    "POST /r/<token>/page/<int:number>": public(302, "respondent"),
    "GET /r/<token>/thanks": public(302, "respondent"),  # not finished: welcome
    "GET /r/": public(404),
    "POST /r/": public(404),
    "GET /r/<path:anything>": public(404),
    "POST /r/<path:anything>": public(404),
    # -- share links (tests/sharing/test_share_links.py) --------------------------------
    # Alpha's and Bravo's engagements are not released: making a link is refused
    # (back to the engagement page), and no link has id 0.
    f"POST {ENGAGEMENT}/share-links": Expect(302, 403, form={"expiry": "no-such-expiry"}),
    f"POST {ENGAGEMENT}/share-links/<int:link_id>/revoke": Expect(404, 403),
    # Public, like /r/<token>: the staff open link's token opens no shared report, and
    # every wrong token gets the same 404.
    "GET /s/<token>": public(404, "respondent"),
    "GET /s/<token>/report.pdf": public(404, "respondent"),
    "GET /s/<token>/report/jobs/<int:job_id>": public(404, "respondent"),
    "GET /s/<token>/logo": public(404, "respondent"),
    "GET /s/": public(404),
    "POST /s/": public(404),
    "GET /s/<path:anything>": public(404),
    "POST /s/<path:anything>": public(404),
    # -- the audit log; an organisation's export and deletion (tests/audit/,
    # tests/organisations/). The log is its owners'. The zip is for owners and
    # consultants; deleting, for owners, is refused unless the name is typed.
    "GET /audit": Expect(403, 403, scope="account", owner=200),
    "GET /audit.csv": Expect(403, 403, scope="account", owner=200),
    "GET /organisations/<int:organisation_id>/export.zip": Expect(200, 403,
                                                                  scope="organisation"),
    "GET /organisations/<int:organisation_id>/delete": Expect(403, 403, owner=200,
                                                              scope="organisation"),
    "POST /organisations/<int:organisation_id>/delete": Expect(403, 403, owner=400,
                                                               form={"name": "Not Acme"},
                                                               scope="organisation"),
    # -- an organisation's page: its engagements and readers (tests/sharing/test_readers.py).
    # Owners and consultants; a reader of it 403. An empty invitation is refused, an
    # unticked removal sends back to the page, no invitation has id 0.
    f"GET {ORGANISATION}": Expect(200, 403, scope="organisation"),
    f"POST {ORGANISATION}/readers/invite": Expect(400, 403, scope="organisation"),
    f"POST {ORGANISATION}/readers/<int:membership_id>/remove": Expect(
        302, 403, scope="organisation", form=UNTICKED),
    f"POST {ORGANISATION}/invitations/<int:token_id>/withdraw": Expect(
        404, 403, scope="organisation"),
    "GET /static/<path:filename>": public(200),
    # Load balancers and monitors: no sign-in (tests/operations/test_healthz.py).
    "GET /healthz": public(200),
}


# -- the world --------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    name: str
    email: str
    workspace: str  # its key in World.workspaces
    role: MemberRole
    reads: str | None = None  # the organisation a reader was given, in their workspace


ACTORS = [
    Actor("owner", "owner@alpha.example", "alpha", MemberRole.OWNER),
    Actor("consultant", "consultant@alpha.example", "alpha", MemberRole.CONSULTANT),
    Actor("reader of Acme", "acme@alpha.example", "alpha", MemberRole.READER, "Acme Ltd"),
    Actor("reader of Beta", "beta@alpha.example", "alpha", MemberRole.READER, "Beta plc"),
    Actor("member of Bravo", "consultant@bravo.example", "bravo", MemberRole.CONSULTANT),
]


@dataclass(frozen=True)
class Target:
    """One workspace's "Acme Ltd" engagement, and what its URLs need."""

    label: str
    workspace: str
    workspace_id: int
    organisation_id: int
    engagement_id: int
    token: str  # the staff open link's
    released: bool = True


@dataclass
class World:
    app: Flask
    targets: list[Target]
    sessions: dict[str, str]  # actor's name → their session cookie after signing in
    readable: dict[str, int]  # actor's name → id of the organisation they read
    state: tuple[object, ...]  # what no case may change

    def client(self, actor: Actor | None) -> FlaskClient:
        client = self.app.test_client()
        if actor is not None:
            name = self.app.config["SESSION_COOKIE_NAME"]
            client.set_cookie(name, self.sessions[actor.name])
        return client


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#cc0000").save(buffer, "PNG")
    return buffer.getvalue()


def open_engagement_with_answers(workspace: Workspace, name: str) -> Engagement:
    """An open "Acme Ltd" engagement with open links, submitted responses and a logo."""
    engagement = create_engagement(workspace=workspace, organisation="Acme Ltd", name=name)
    respondent_links.open_engagement(engagement)
    instrument = engagement.instrument()
    for audience in instrument.audiences():
        answers = {
            item.id: instrument.scale(item.scale).max for item in instrument.items_for(audience)
        }
        layout = CodeLayout.for_instrument(instrument, audience)
        record_submitted(engagement.id, layout, [NewResponse(answers=answers)] * 3)
    update_report_settings(engagement, prepared_by=name, accent_colour="#1f4e79", logo=png())
    return engagement


def world_state() -> tuple[object, ...]:
    """Statuses, revisions, links, responses, organisations and logos: what the
    matrix's requests must leave as they found it."""
    engagements = db.session.execute(
        select(Engagement.id, Engagement.status, Engagement.revision).order_by(Engagement.id)
    ).all()
    links = db.session.execute(select(Link.id, Link.kind, Link.revoked).order_by(Link.id)).all()
    count = db.session.scalar(select(func.count()).select_from(Response))
    organisations = db.session.execute(
        select(Organisation.id, Organisation.workspace_id, Organisation.name)
    ).all()
    logos = [engagement_logo(row.id) is not None for row in engagements]
    released = db.session.execute(
        select(Engagement.id, Engagement.released_at).order_by(Engagement.id)
    ).all()
    readers = db.session.execute(
        select(ReaderAccess.membership_id, ReaderAccess.organisation_id)
        .order_by(ReaderAccess.id)
    ).all()
    members = db.session.scalar(select(func.count()).select_from(Membership))
    return (tuple(engagements), tuple(links), count, tuple(organisations), tuple(logos),
            tuple(released), tuple(readers), members)


def sign_in(app: Flask, email: str) -> str:
    client = app.test_client()
    signed = client.post("/login", data={"email": email, "password": PASSWORD})
    assert signed.status_code == 302, f"{email} could not sign in: {signed.status_code}"
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("permissions")
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{folder / 'matrix.sqlite'}",
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(folder / "instance"),
        "BASE_URL": "http://testserver",
        "REPORT_DOWNLOAD_JOBS": False,  # the PDF itself (a stand-in), not its job's page
        # Every actor sends the same request, which is what rate limits stop (the
        # same wrong password at /login from one address): limits have their own tests.
        "RATELIMIT_ENABLED": False,
    })
    # The PDF is rendered by a stand-in: who may download it is decided before
    # rendering starts, and rendering it (2 s) is the report tests' business.
    patch = pytest.MonkeyPatch()
    patch.setattr(report_views, "engagement_report_pdf", lambda *args, **kwargs: STUB_PDF)
    patch.setattr(organisation_export, "engagement_report_pdf", lambda *args, **kwargs: STUB_PDF)
    # No app context is held while the cases run: each request gets its own, as in
    # production, so nothing cached on ``g`` (the signed-in user, the actor) is
    # carried from one actor's request to another's.
    with app.app_context():
        db.create_all()
        workspaces = {"alpha": create_workspace("Alpha"), "bravo": create_workspace("Bravo")}
        engagements = {
            key: open_engagement_with_answers(workspace, f"{workspace.name}'s assessment")
            for key, workspace in workspaces.items()
        }
        for engagement in engagements.values():
            release(engagement)
        unreleased = open_engagement_with_answers(workspaces["alpha"], "Alpha's next wave")
        beta = get_or_create_organisation(workspaces["alpha"], "Beta plc")
        readable = {}
        for actor in ACTORS:
            user = create_user(actor.email, PASSWORD)
            membership = add_member(workspaces[actor.workspace], user, actor.role)
            if actor.reads is not None:
                organisation = (
                    beta if actor.reads == "Beta plc" else engagements["alpha"].organisation
                )
                give_reader_access(membership, organisation)
                readable[actor.name] = organisation.id
        targets = [
            Target(
                label=f"{key}'s engagement",
                workspace=key,
                workspace_id=workspaces[key].id,
                organisation_id=engagement.organisation_id,
                engagement_id=engagement.id,
                token=respondent_links.open_link(engagement, Audience.STAFF)[1],
            )
            for key, engagement in engagements.items()
        ] + [
            Target(
                label="alpha's unreleased engagement",
                workspace="alpha",
                workspace_id=workspaces["alpha"].id,
                organisation_id=unreleased.organisation_id,
                engagement_id=unreleased.id,
                token=respondent_links.open_link(unreleased, Audience.STAFF)[1],
                released=False,
            )
        ]
        db.session.commit()
        state = world_state()
    sessions = {actor.name: sign_in(app, actor.email) for actor in ACTORS}
    yield World(app, targets, sessions, readable, state)
    patch.undo()
    with app.app_context():
        db.session.remove()
    assert db.engine is not None
    db.engine.dispose()


# -- the rules the table is read by ---------------------------------------------------


def relation(world: World, actor: Actor | None, scope: Scope,
             target: Target | None) -> Relation:
    if actor is None:
        return "anonymous"
    manager = actor.role in (MemberRole.OWNER, MemberRole.CONSULTANT)
    if scope in ("public", "respondent"):
        return "manage"  # the same code for everyone (see ``public``)
    if scope == "account":
        return "manage" if manager else "read"
    assert target is not None
    if target.workspace != actor.workspace:
        return "hidden"
    if scope == "workspace" or manager:
        return "manage" if manager else "read"
    if world.readable.get(actor.name) != target.organisation_id:
        return "hidden"
    # A reader's engagement exists for them once released; its organisation always.
    return "read" if scope == "organisation" or target.released else "hidden"


def route_keys(app: Flask) -> set[str]:
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    }


def url_for_case(app: Flask, key: str, expect: Expect, target: Target | None) -> str:
    method, rule_text = key.split(" ", 1)
    [rule] = [r for r in app.url_map.iter_rules() if r.rule == rule_text and method in r.methods]
    values: dict[str, object] = {
        "audience": "staff",
        "number": 0,
        "filename": "css/app.css",
        "anything": "no/such/page",
        "membership_id": 1,  # Alpha's owner's (the first made): a member of Alpha
        "token_id": 0,  # no invitation
        "link_id": 0,  # no share link
        "batch_id": 0,  # no import
        "job_id": 0,  # no job
    }
    if target is not None:
        values.update(
            organisation_id=target.organisation_id,
            engagement_id=target.engagement_id,
            workspace_id=target.workspace_id,
            token=target.token,
        )
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {key} from {values}"
    return built[1] + (f"?{expect.query}" if expect.query else "")


#: Routes that end every session of the actor (the session generation is raised).
ENDS_SESSIONS = frozenset({"POST /logout", "POST /account/sign-out-everywhere"})


def cases(world: World, key: str) -> Iterator[tuple[Actor | None, Target | None]]:
    scope = ROUTES[key].scope
    targets: list[Target | None] = (
        list(world.targets)
        if scope in ("engagement", "organisation", "workspace", "respondent") else [None]
    )
    for actor in [None, *ACTORS]:
        for target in targets:
            yield actor, target


def check(world: World, key: str) -> list[str]:
    """Run the route's cases; one line per status code that is not the table's."""
    expect = ROUTES[key]
    method = key.split(" ", 1)[0]
    wrong = []
    for actor, target in cases(world, key):
        url = url_for_case(world.app, key, expect, target)
        with world.client(actor).open(url, method=method, data=dict(expect.form)) as answer:
            status, location = answer.status_code, answer.headers.get("Location", "")
        if actor is not None and key in ENDS_SESSIONS:
            world.sessions[actor.name] = sign_in(world.app, actor.email)
        related = relation(world, actor, expect.scope, target)
        wanted = expect.status(
            related, is_owner=actor is not None and actor.role == MemberRole.OWNER
        )
        who = f"{actor.name if actor else 'anonymous'} on {target.label if target else '-'}"
        if status != wanted:
            wrong.append(f"{key}: {who} ({related}) got {status}, wanted {wanted}")
        elif (
            # Anonymous goes to sign in; a signed-in actor is never sent there to do so.
            status == 302
            and expect.scope not in ("public", "respondent")
            and ("/login?next=" in location) != (related == "anonymous")
        ):
            wrong.append(f"{key}: {who} redirected to {location}")
    return wrong


# -- the tests ----------------------------------------------------------------------


def test_every_route_has_an_entry(world: World) -> None:
    routes = route_keys(world.app)
    unclassified = sorted(routes - ROUTES.keys())
    assert not unclassified, (
        "routes without an entry in ROUTES (say who may use them): " + ", ".join(unclassified)
    )
    gone = sorted(ROUTES.keys() - routes)
    assert not gone, "entries in ROUTES for routes the app no longer has: " + ", ".join(gone)


def test_the_world_is_two_workspaces_with_a_client_of_the_same_name(world: World) -> None:
    with world.app.app_context():
        names = db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_([t.organisation_id for t in world.targets])
            )
        ).all()
    assert len(names) == 2 and {name for _id, name in names} == {"Acme Ltd"}
    assert len({t.workspace_id for t in world.targets}) == 2


def test_every_route_answers_every_actor_as_the_table_says(world: World) -> None:
    wrong: list[str] = []
    changed: list[str] = []
    total = 0
    for key in sorted(ROUTES):
        wrong += check(world, key)
        total += len(list(cases(world, key)))
        with world.app.app_context():
            if world_state() != world.state:
                changed.append(key)
                break  # later cases would run in another world
    assert not changed, f"{changed[0]} changed the world the later cases run in"
    assert not wrong, f"{len(wrong)} of {total} cases differ from ROUTES:\n" + "\n".join(wrong)
