"""The access policy (assess/engagements/access.py) on its own, on both databases."""

from __future__ import annotations

from assess.engagements.access import (
    actor_in,
    can_manage,
    can_see,
    first_workspace,
    visible_engagements,
)
from assess.engagements.services import find_organisation, get_or_create_organisation, release
from assess.workspaces.models import MemberRole
from tests.access import give_reader


def test_roles_decide_within_the_workspace_and_nothing_crosses_it(
    app, make_workspace, make_user, make_engagement
):
    firm, other = make_workspace("Firm"), make_workspace("Other firm")
    acme = make_engagement(organisation="Acme Ltd", workspace=firm)
    beta = make_engagement(organisation="Beta plc", workspace=firm)
    theirs = make_engagement(organisation="Acme Ltd", workspace=other)
    assert acme.organisation_id != theirs.organisation_id  # same name, two organisations

    owner = actor_in(make_user("owner", workspace=firm), firm.id)
    consultant = actor_in(make_user("consultant", workspace=firm), firm.id)
    reader_user = make_user("reader", workspace=firm, organisations=[acme.organisation])
    release(acme)  # a reader's engagements are the released ones (tests/sharing/)
    reader = actor_in(reader_user, firm.id)
    assert owner and consultant and reader
    assert (owner.role, consultant.role, reader.role) == (
        MemberRole.OWNER, MemberRole.CONSULTANT, MemberRole.READER
    )

    for actor in (owner, consultant):
        assert can_see(actor, acme.organisation) and can_manage(actor, acme.organisation)
        assert can_see(actor, beta.organisation)
        assert not can_see(actor, theirs.organisation)
        assert [e.id for e in visible_engagements(actor)] == [acme.id, beta.id]
    assert can_see(reader, acme.organisation) and not can_manage(reader, acme.organisation)
    assert not can_see(reader, beta.organisation)
    assert not can_see(reader, theirs.organisation)
    assert [e.id for e in visible_engagements(reader)] == [acme.id]

    # Not a member of the other firm: no actor there at all.
    assert actor_in(reader_user, other.id) is None
    assert actor_in(reader_user, None) is None


def test_a_reader_gets_only_organisations_of_their_own_workspace(
    app, make_workspace, make_user, make_engagement
):
    import pytest

    from assess.engagements.services import EngagementError

    firm, other = make_workspace("Firm"), make_workspace("Other firm")
    theirs = make_engagement(organisation="Acme Ltd", workspace=other)
    reader = make_user("reader", workspace=firm)
    with pytest.raises(EngagementError, match="another workspace"):
        from assess.engagements.services import give_reader_access
        from assess.workspaces.services import membership_of

        give_reader_access(membership_of(reader, firm), theirs.organisation)


def test_a_name_finds_only_the_workspaces_own_organisation(app, make_workspace):
    from assess.extensions import db

    firm, other = make_workspace("Firm"), make_workspace("Other firm")
    mine = get_or_create_organisation(firm, "Acme Ltd")
    theirs = get_or_create_organisation(other, "Acme Ltd")
    db.session.commit()
    assert mine.id != theirs.id
    assert find_organisation(firm, " Acme Ltd ") == mine
    assert find_organisation(other, "Acme Ltd") == theirs
    assert get_or_create_organisation(firm, "Acme Ltd") == mine


def test_suspension_and_membership_decide_where_one_starts(app, make_workspace, make_user):
    alpha, beta = make_workspace("Alpha"), make_workspace("Beta")
    user = make_user("consultant", email="both@example.com", workspace=alpha)
    make_user("reader", email="both@example.com", workspace=beta)
    assert first_workspace(user) == alpha.id
    make_workspace("Alpha", suspended=True)
    assert actor_in(user, alpha.id) is None
    assert first_workspace(user) == beta.id
    make_workspace("Beta", suspended=True)
    assert first_workspace(user) is None


def test_giving_a_reader_access_twice_keeps_one_row(app, make_user, make_engagement):
    from sqlalchemy import func, select

    from assess.extensions import db
    from assess.workspaces.models import ReaderAccess

    engagement = make_engagement()
    reader = make_user("reader")
    give_reader(reader, engagement.organisation)
    give_reader(reader, engagement.organisation)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReaderAccess)) == 1
