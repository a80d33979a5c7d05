"""``assess workspace …`` and the workspace options of the other commands."""

from __future__ import annotations

from sqlalchemy import func, select

from assess.accounts.models import User
from assess.engagements.models import Engagement, Organisation
from assess.extensions import db
from assess.respondents.models import Response


def invoke(runner, *args: str, **kwargs):  # type: ignore[no-untyped-def]
    return runner.invoke(args=list(args), **kwargs)


def test_create_list_show(runner):
    assert "Created workspace 1: Northwind Consulting." in invoke(
        runner, "workspace", "create", "Northwind  Consulting"
    ).output
    duplicate = invoke(runner, "workspace", "create", "northwind consulting")
    assert duplicate.exit_code == 1 and "already a workspace" in duplicate.output
    empty = invoke(runner, "workspace", "create", "   ")
    assert empty.exit_code == 1 and "needs a name" in empty.output
    invoke(runner, "user", "create", "ana@example.com", "--role", "owner",
           "--password", "long-enough-pw")
    assert invoke(runner, "engagement", "create", "--organisation", "Acme Ltd",
                  "--name", "2026").exit_code == 0
    listed = invoke(runner, "workspace", "list").output
    assert "   1  active          1     1  Northwind Consulting" in listed
    shown = invoke(runner, "workspace", "show", "Northwind Consulting").output
    assert "ana@example.com (owner)" in shown and "Acme Ltd (1 engagements)" in shown
    missing = invoke(runner, "workspace", "show", "Nobody")
    assert missing.exit_code == 1 and "no workspace named 'Nobody'" in missing.output


def test_two_workspaces_need_a_name_and_keep_their_clients_apart(runner):
    invoke(runner, "workspace", "create", "Alpha")
    invoke(runner, "workspace", "create", "Beta")
    unnamed = invoke(runner, "engagement", "create", "--organisation", "Acme Ltd",
                     "--name", "2026")
    assert unnamed.exit_code == 1 and "say which with --workspace" in unnamed.output
    for workspace in ("Alpha", "Beta"):
        done = invoke(runner, "engagement", "create", "--workspace", workspace,
                      "--organisation", "Acme Ltd", "--name", f"{workspace} 2026")
        assert done.exit_code == 0, done.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2
    alpha = invoke(runner, "engagement", "list", "--workspace", "Alpha").output
    assert "Alpha: Acme Ltd / Alpha 2026" in alpha and "Beta" not in alpha
    reader = invoke(runner, "user", "create", "cfo@acme.example", "--workspace", "Beta",
                    "--role", "reader", "--organisation", "Acme Ltd",
                    "--password", "long-enough-pw")
    assert reader.exit_code == 0, reader.output
    wrong = invoke(runner, "user", "create", "x@acme.example", "--workspace", "Beta",
                   "--role", "reader", "--organisation", "Gamma", "--password", "pw-long-enough")
    assert wrong.exit_code == 1 and "no organisation named 'Gamma'" in wrong.output
    consultant = invoke(runner, "user", "create", "y@acme.example", "--workspace", "Beta",
                        "--role", "consultant", "--organisation", "Acme Ltd",
                        "--password", "pw-long-enough")
    assert consultant.exit_code == 1 and "--organisation is for readers" in consultant.output


def test_suspend_and_lift(runner, make_workspace):
    make_workspace("Alpha")
    assert "Alpha is suspended" in invoke(runner, "workspace", "suspend", "Alpha").output
    assert "suspended" in invoke(runner, "workspace", "list").output
    assert "Alpha is active" in invoke(runner, "workspace", "suspend", "Alpha", "--lift").output


def test_delete_takes_everything_of_the_workspace_and_nothing_else(
    runner, make_engagement, make_response, make_user
):
    kept = make_engagement(organisation="Acme Ltd", workspace="Beta")
    gone = make_engagement(organisation="Acme Ltd", workspace="Alpha")
    make_response(gone, "customer", {"c_ease_easy": 4})
    make_response(kept, "customer", {"c_ease_easy": 2})
    person = make_user("consultant", email="both@example.com", workspace="Alpha")
    make_user("consultant", email="both@example.com", workspace="Beta")
    gone_id, kept_id, person_id = gone.id, kept.id, person.id
    from assess.reports.settings import engagement_logo, update_report_settings
    from tests.reports.test_views_and_settings import png

    for engagement in (gone, kept):
        update_report_settings(engagement, prepared_by="Us", accent_colour="#1f4e79",
                               logo=png())
    db.session.commit()
    refused = invoke(runner, "workspace", "delete", "Alpha", input="n\n")
    assert refused.exit_code == 1
    assert db.session.get(Engagement, gone.id) is not None
    done = invoke(runner, "workspace", "delete", "Alpha", "--yes")
    assert "Deleted workspace Alpha and its 1 engagements." in done.output
    db.session.expunge_all()
    assert db.session.get(Engagement, gone_id) is None
    assert db.session.get(Engagement, kept_id) is not None
    assert db.session.scalars(select(Response.engagement_id)).all() == [kept_id]
    assert db.session.get(User, person_id) is not None  # people stay
    # A later engagement may get the deleted one's id: its logo went with it.
    assert engagement_logo(gone_id) is None
    assert engagement_logo(kept_id) is not None


def test_the_demo_loads_into_a_workspace_and_signs_in_with_the_printed_account(
    runner, client, auth
):
    loaded = invoke(runner, "demo")
    assert "Sign in as demo@assess.local with the password demo-password" in loaded.output
    assert "Demo Consulting" in invoke(runner, "workspace", "list").output
    signed_in = auth.login("demo@assess.local", "demo-password")
    assert signed_in.status_code == 302
    index = client.get("/").get_data(as_text=True)
    assert 'data-testid="current-workspace">Demo Consulting<' in index
    assert "Northwind Utilities (demo)" in index
