"""``assess user reset-password EMAIL``: through the policy, ending every session."""

from __future__ import annotations

from assess.extensions import db


def test_reset_password_sets_it_and_ends_every_session(app, client, runner, make_user):
    user = make_user(email="ana@example.com")
    assert client.post("/login", data={"email": "ana@example.com", "password": "correct-horse"}
                       ).status_code == 302
    result = runner.invoke(args=["user", "reset-password", "Ana@Example.com",
                                 "--password", "tulip ferry orbit"])
    assert result.exit_code == 0, result.output
    assert "New password set for ana@example.com" in result.output
    assert client.get("/").status_code == 302  # the session has ended
    db.session.refresh(user)
    assert user.check_password("tulip ferry orbit")
    assert client.post("/login", data={"email": "ana@example.com", "password": "correct-horse"}
                       ).status_code == 401
    assert client.post("/login", data={"email": "ana@example.com",
                                       "password": "tulip ferry orbit"}).status_code == 302


def test_reset_password_asks_when_not_given(app, runner, make_user):
    user = make_user(email="ana@example.com")
    result = runner.invoke(args=["user", "reset-password", "ana@example.com"],
                           input="tulip ferry orbit\ntulip ferry orbit\n")
    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.check_password("tulip ferry orbit")


def test_reset_password_refuses_a_weak_one_and_an_unknown_user(app, runner, make_user):
    user = make_user(email="ana@example.com")
    generation = user.session_generation
    weak = runner.invoke(args=["user", "reset-password", "ana@example.com",
                               "--password", "aaaaaaaaaaaa"])
    assert weak.exit_code == 1 and "one character repeated" in weak.output
    db.session.refresh(user)
    assert user.check_password("correct-horse") and user.session_generation == generation
    unknown = runner.invoke(args=["user", "reset-password", "bob@example.com",
                                  "--password", "tulip ferry orbit"])
    assert unknown.exit_code == 1 and "There is no user bob@example.com." in unknown.output
