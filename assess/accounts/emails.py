"""The mail accounts send: the link that verifies an address, and the link that
resets a password.

With SMTP configured (``ASSESS_SMTP_HOST``), a new account's address and every
new address of an account are proven by a single-use, expiring link. Without
SMTP nothing is sent and nothing is verified: every account counts as verified
(:func:`is_verified`). Services flush; the caller commits — before sending, so
that every link that reaches an inbox works (see :func:`deliver`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar, cast

from flask import Response, current_app, g, render_template, url_for

from assess.accounts import tokens
from assess.accounts.models import TokenPurpose, User
from assess.accounts.tokens import issue, lifetime
from assess.extensions import db, limiter
from assess.mailer import SmtpSettings, message, send_all, smtp_settings


def mail_settings() -> SmtpSettings | None:
    """The SMTP settings, or None when this site sends no mail."""
    return smtp_settings(current_app.config)


def is_verified(user: User) -> bool:
    """Whether the person's address counts as proven: always, without SMTP."""
    return user.email_verified_at is not None or mail_settings() is None


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for a message, on ``ASSESS_BASE_URL`` (never the request's
    Host header, which a visitor chooses)."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return base + url_for(endpoint, **values)


def _hours(purpose: TokenPurpose) -> str:
    hours = round(lifetime(purpose).total_seconds() / 3600)
    if hours % 24 == 0 and hours >= 72:
        return f"{hours // 24} days"
    return "1 hour" if hours == 1 else f"{hours} hours"


@dataclass(frozen=True)
class Outgoing:
    """A message built (its token flushed) and not yet sent."""

    settings: SmtpSettings
    mail: EmailMessage


def verification_message(user: User, address: str | None = None) -> Outgoing | None:
    """The link that proves ``address`` (a new address of the person; their own
    by default). None without SMTP. Earlier verification links stop working."""
    settings = mail_settings()
    if settings is None:
        return None
    address = (address or user.email).strip().lower()
    token, _row = issue(TokenPurpose.VERIFY_EMAIL, user=user, email=address)
    body = render_template(
        "accounts/email/verify.txt",
        user=user,
        address=address,
        changing=address != user.email,
        url=external_url("account.verify", token=token),
        valid_for=_hours(TokenPurpose.VERIFY_EMAIL),
    )
    return Outgoing(settings, message(settings, address, "Confirm your e-mail address", body))


def reset_message(user: User) -> Outgoing | None:
    """The link that sets a new password. None without SMTP. Earlier reset links
    stop working."""
    settings = mail_settings()
    if settings is None:
        return None
    token, _row = issue(TokenPurpose.RESET_PASSWORD, user=user)
    body = render_template(
        "accounts/email/reset.txt",
        user=user,
        url=external_url("account.reset", token=token),
        valid_for=_hours(TokenPurpose.RESET_PASSWORD),
    )
    return Outgoing(settings, message(settings, user.email, "Reset your password", body))


def deliver(outgoing: Outgoing) -> str | None:
    """Send it now: None when it went, else why not (for the page to say)."""
    return send_all(outgoing.settings, [outgoing.mail]).get(0)


def deliver_after(response: Response, outgoing: Outgoing | None) -> Response:
    """Send it once the response has gone (WSGI ``close``): a page that answers
    the same whether or not an account exists must also take the same time."""
    if outgoing is not None:
        settings, mail = outgoing.settings, outgoing.mail

        def send() -> None:
            failures = send_all(settings, [mail])
            if failures:
                # No address in the log: the reason is enough to see the server is down.
                current_app.logger.warning("Account mail not sent: %s", failures[0])

        response.call_on_close(_with_app(send))
    return response


def _with_app(function: Callable[[], None]) -> Callable[[], None]:
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        with app.app_context():
            function()

    return run


def send_verification(user: User) -> bool:
    """Send the person the link that verifies their address (for sign-up, which
    calls it after creating the account). Commits first, so the link works when
    it arrives. False when nothing was sent: no SMTP, or the server failed."""
    outgoing = verification_message(user)
    if outgoing is None:
        return False
    db.session.commit()
    return deliver(outgoing) is None


def mark_verified(user: User, address: str) -> None:
    """The person proved ``address``: it becomes their address, verified."""
    user.email = address
    user.email_verified_at = tokens.now()


# -- limits ---------------------------------------------------------------------------
#
# Verification and reset mail, and members' invitations, are limited per client
# address, per workspace and per person or typed address (``ASSESS_MAIL_LIMITS``,
# e.g. "10/hour;50/day"), so that nobody can use this site to mail strangers by
# the thousand. The limits are shared between the pages that send (one scope per
# kind of key), and a request counts only when it asked for a message: a form
# with mistakes in it costs nothing.

#: The first sentence of the 429 page (``errors.py`` adds how long to wait).
MAIL_LIMITED = "Too many e-mails were asked for from here, or for this account or workspace."


def mail_limits() -> str:
    return str(current_app.config.get("MAIL_LIMITS") or "10/hour;50/day")


def count_mail() -> None:
    """This request asked for a message: it counts against the mail limits."""
    g.mail_counted = True


def _counted(response: Response) -> bool:
    return bool(g.get("mail_counted"))


View = TypeVar("View", bound=Callable[..., Any])


def limit_mail(scope: str, key: Callable[[], str]) -> Callable[[View], View]:
    """A mail limit shared by every page that sends, counted by ``key``."""
    limit = limiter.shared_limit(
        mail_limits,
        scope=f"mail-per-{scope}",
        key_func=lambda: f"{scope}:{key()}",
        methods=["POST"],
        deduct_when=_counted,
        error_message=MAIL_LIMITED,
    )

    def decorate(view: View) -> View:
        return cast(View, limit(view))

    return decorate
