"""A signed-in session: started in one place, however the person got in.

Signing in, signing up, the second factor's challenge, accepting an invitation
and "sign out everywhere else" all start a session the same way.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, request, session
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request
from flask_login import login_user, logout_user

from assess.accounts.models import User

#: The session key of the current workspace's id (see assess/engagements/access.py).
SESSION_KEY = "workspace_id"
#: The session key of the time of the signed-in person's last request.
SEEN_KEY = "seen"
#: Blueprints whose pages never show or depend on who is signed in (a respondent's
#: questionnaire): the account header and the account checks before each request
#: skip them, reading no user and no workspace (features add theirs at start-up).
ANONYMOUS_BLUEPRINTS: set[str] = set()


def anonymous_page() -> bool:
    """Whether the current request is for a page of an anonymous blueprint."""
    return request.blueprint in ANONYMOUS_BLUEPRINTS


def start_session(user: User, workspace_id: int | None) -> None:
    """Sign ``user`` in on a new session, acting in ``workspace_id``.

    Nothing of the previous session is carried over (another person's workspace,
    a pending sign-in), and Flask-WTF's CSRF secret, kept in the session, is a new
    one. Permanent (the cookie outlives the browser), and ended after
    ``IDLE_TIMEOUT_HOURS`` without a request (:func:`end_idle_session`).
    """
    session.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    login_user(user)
    session.permanent = True
    session[SEEN_KEY] = int(time.time())
    if workspace_id is not None:
        session[SESSION_KEY] = workspace_id
    g.pop("actor", None)  # the access policy's per-request cache


def end_idle_session() -> None:
    """Before each request: a signed-in session idle for longer than
    ``IDLE_TIMEOUT_HOURS`` ends; an active one notes this request.

    The time lives in the signed session, so a copied cookie carries its own
    last request and dies on the same schedule. Only signed-in sessions are
    timed: a respondent's questionnaire page may stay open for days and still
    be sent (Flask's own cookie lifetime, 31 days, bounds everything).
    """
    if "_user_id" not in session:
        return
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    idle = float(current_app.config["IDLE_TIMEOUT_HOURS"]) * 3600
    if not isinstance(seen, int) or now - seen > idle:
        logout_user()
        session.clear()
        g.pop("actor", None)
        return
    session[SEEN_KEY] = now


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, without building its signer for a request that
    sends no session cookie (every respondent's: their forms need none): an empty
    session, as Flask would give, at a fraction of the cost."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
