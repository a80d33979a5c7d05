"""Switching workspace, and what every signed-in page shows of it (the header)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    g,
    has_request_context,
    redirect,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from assess.accounts.session import anonymous_page
from assess.engagements.access import SESSION_KEY, actor_in, current_actor
from assess.workspaces.services import memberships

bp = Blueprint("workspaces", __name__)


@bp.post("/workspaces/<int:workspace_id>/switch")
@login_required
def switch(workspace_id: int) -> ResponseReturnValue:
    """Act in another of one's workspaces: nothing of the previous one shows there."""
    if actor_in(current_user, workspace_id) is None:
        abort(404, description="There is no such workspace, or you are not a member of it.")
    session[SESSION_KEY] = workspace_id
    g.pop("actor", None)
    return redirect(url_for("engagements.index"))


@bp.app_context_processor
def _workspace_header() -> dict[str, object]:
    """The current workspace and the others one may switch to, for base.html."""
    if (
        not has_request_context()
        or anonymous_page()  # a respondent's page: no account header
        or not current_user
        or not current_user.is_authenticated
    ):
        return {"actor": None, "other_workspaces": []}
    actor = current_actor()
    others = [
        m.workspace for m in memberships(current_user)
        if actor is None or m.workspace_id != actor.workspace.id
    ]
    return {"actor": actor, "other_workspaces": others}
