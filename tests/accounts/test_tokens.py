"""Account tokens: stored as a hash, used once, expiring after their purpose's time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from assess.accounts import tokens
from assess.accounts.models import AccountToken, TokenPurpose
from assess.extensions import db


class TokenClock:
    """``tokens.now`` under the test's control."""

    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0)

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def token_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenClock]:
    clock = TokenClock()
    monkeypatch.setattr(tokens, "now", clock.now)
    yield clock


def test_only_the_hash_is_stored_and_the_token_is_returned_once(app: Any, make_user: Any):
    user = make_user()
    token, row = tokens.issue(TokenPurpose.RESET_PASSWORD, user=user)
    db.session.commit()
    assert len(token) >= 40
    stored = db.session.scalar(select(AccountToken))
    assert stored is not None and stored.id == row.id
    assert token not in stored.token_hash and stored.token_hash == tokens.token_hash(token)
    assert tokens.find_live(TokenPurpose.RESET_PASSWORD, token) == stored


def test_a_token_is_used_once(app: Any, make_user: Any):
    user = make_user()
    token, _row = tokens.issue(TokenPurpose.VERIFY_EMAIL, user=user, email=user.email)
    used = tokens.use(TokenPurpose.VERIFY_EMAIL, token)
    assert used is not None and used.used_at is not None
    assert tokens.use(TokenPurpose.VERIFY_EMAIL, token) is None
    assert tokens.find_live(TokenPurpose.VERIFY_EMAIL, token) is None


def test_a_token_works_only_for_its_purpose(app: Any, make_user: Any):
    user = make_user()
    token, _row = tokens.issue(TokenPurpose.VERIFY_EMAIL, user=user)
    assert tokens.use(TokenPurpose.RESET_PASSWORD, token) is None
    assert tokens.use(TokenPurpose.INVITATION, token) is None
    assert tokens.use(TokenPurpose.VERIFY_EMAIL, "no-such-token") is None
    assert tokens.use(TokenPurpose.VERIFY_EMAIL, token) is not None


@pytest.mark.parametrize(("purpose", "lifetime"), [
    (TokenPurpose.VERIFY_EMAIL, timedelta(hours=48)),
    (TokenPurpose.RESET_PASSWORD, timedelta(hours=1)),
    (TokenPurpose.INVITATION, timedelta(days=7)),
])
def test_tokens_expire_after_their_purpose_s_time(
    app: Any, make_user: Any, token_clock: TokenClock, purpose: TokenPurpose,
    lifetime: timedelta,
):
    user = make_user()
    token, row = tokens.issue(purpose, user=user)
    assert row.expires_at == token_clock.at + lifetime
    token_clock.advance(seconds=lifetime.total_seconds() - 1)
    assert tokens.find_live(purpose, token) is not None
    token_clock.advance(seconds=2)
    assert tokens.find_live(purpose, token) is None
    assert tokens.use(purpose, token) is None


def test_lifetimes_are_configurable(make_app: Any, token_clock: TokenClock):
    app = make_app(RESET_PASSWORD_HOURS=3, INVITATION_DAYS=1, VERIFY_EMAIL_HOURS=0.5)
    with app.app_context():
        assert tokens.lifetime(TokenPurpose.RESET_PASSWORD) == timedelta(hours=3)
        assert tokens.lifetime(TokenPurpose.INVITATION) == timedelta(days=1)
        assert tokens.lifetime(TokenPurpose.VERIFY_EMAIL) == timedelta(minutes=30)


def test_a_new_link_replaces_the_person_s_earlier_one(app: Any, make_user: Any):
    user, other = make_user(), make_user()
    first, _ = tokens.issue(TokenPurpose.RESET_PASSWORD, user=user)
    others, _ = tokens.issue(TokenPurpose.RESET_PASSWORD, user=other)
    second, _ = tokens.issue(TokenPurpose.RESET_PASSWORD, user=user)
    assert tokens.find_live(TokenPurpose.RESET_PASSWORD, first) is None
    assert tokens.find_live(TokenPurpose.RESET_PASSWORD, second) is not None
    assert tokens.find_live(TokenPurpose.RESET_PASSWORD, others) is not None


def test_invitations_carry_where_to_and_as_what(app: Any, make_workspace: Any):
    workspace = make_workspace()
    token, row = tokens.issue(TokenPurpose.INVITATION, workspace_id=workspace.id,
                              email="ana@example.com", role="owner", organisation_ids=[4, 9])
    db.session.commit()
    found = tokens.find_live(TokenPurpose.INVITATION, token)
    assert found is not None
    assert (found.workspace_id, found.email, found.role) == (workspace.id, "ana@example.com",
                                                             "owner")
    assert tokens.organisation_ids(found) == [4, 9]
    assert tokens.pending_invitations(workspace.id) == [row]
