"""Invitations and the one reminder, sent by e-mail.

Sending mail cannot be rolled back, so unlike other services these commit, at
fixed points: the personal links are committed *before* any message goes out
(every link that reaches an inbox works), and after sending, the links of
messages that failed are deleted and the batch is recorded — as a count, never
as addresses.

The reminder cannot know who has answered (we keep no addresses, and a personal
link keeps no address), so it goes to the list the consultant pastes again and
says so: "if you have already answered, thank you". It points people back to the
personal link of their invitation, which keeps any answers they have started, and
optionally carries the open link for anyone who lost the invitation. A new
personal link per address is deliberately not sent: people who had answered
could answer again with it, and it would double-count the links issued.
At most one reminder per engagement and audience: the claim is a row under a
partial unique index, taken before sending and released only if nothing went out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import render_template
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from assess.engagements.models import Engagement, Status
from assess.extensions import db
from assess.instruments.schema import Audience
from assess.respondents import links, mail
from assess.respondents.models import Link, Mailing, MailingKind
from assess.scoring.validate import MIN_ANONYMITY_THRESHOLD
from assess.text import without_bidi_controls
from assess.workspaces.models import Workspace


class InvitationError(ValueError):
    """A mailing that cannot be sent; the message says why."""


#: Why an unverified workspace may not send (shown on the invitation pages).
UNVERIFIED = (
    "Your workspace sends no e-mail to others until its owner's e-mail address is "
    "verified, so that nobody can use this site to send mail to strangers. The owner "
    "can open the link we sent them, or send it again from their Account page. Until "
    "then, share the open link, or download personal links as a CSV for your own mail "
    "program."
)


def may_mail_others(engagement: Engagement) -> bool:
    """Whether the engagement's workspace may send mail to others: only once it is
    verified (a workspace made by sign-up is not, until its owner's address is)."""
    workspace = db.session.get(Workspace, engagement.organisation.workspace_id)
    return workspace is not None and workspace.verified_at is not None


@dataclass
class MailingOutcome:
    sent: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (address, reason)


def invitation_subject(engagement: Engagement, audience: Audience) -> str:
    instrument = engagement.instrument()
    questionnaire = instrument.questionnaires[audience]
    return mail.one_line(
        f"{engagement.organisation.name}: {instrument.text(questionnaire.title)} "
        f"({questionnaire.estimated_minutes} minutes)"
    )


def _check(engagement: Engagement, audience: Audience, addresses: list[str]) -> None:
    if not may_mail_others(engagement):
        raise InvitationError(UNVERIFIED)
    if engagement.status != Status.OPEN:
        raise InvitationError(
            "Invitations can be sent only while the engagement is open: its links do not "
            "work otherwise."
        )
    if audience not in engagement.instrument().questionnaires:
        raise InvitationError(f"This instrument has no {audience} questionnaire.")
    if not addresses:
        raise InvitationError("There is no address to send to.")
    if len(addresses) > mail.MAX_RECIPIENTS:
        raise InvitationError(
            f"Send to at most {mail.MAX_RECIPIENTS:,} addresses at a time "
            f"(this list has {len(addresses):,})."
        )


def _context(engagement: Engagement, audience: Audience) -> dict[str, object]:
    instrument = engagement.instrument()
    questionnaire = instrument.questionnaires[audience]
    return {
        "engagement": engagement,
        "audience": audience,
        "organisation": engagement.organisation.name,
        "title": instrument.text(questionnaire.title),
        "minutes": questionnaire.estimated_minutes,
        "threshold": max(MIN_ANONYMITY_THRESHOLD, engagement.anonymity_threshold),
        "prepared_by": engagement.prepared_by,
        "subject": invitation_subject(engagement, audience),
    }


def invitation_body(engagement: Engagement, audience: Audience, url: str, note: str) -> str:
    return render_template(
        "respondents/email/invitation.txt", url=url, note=without_bidi_controls(note).strip(),
        **_context(engagement, audience),
    )


def reminder_body(
    engagement: Engagement, audience: Audience, invited_on: date, open_url: str | None
) -> str:
    return render_template(
        "respondents/email/reminder.txt", invited_on=invited_on, open_url=open_url,
        **_context(engagement, audience),
    )


def send_invitations(
    settings: mail.SmtpSettings,
    engagement: Engagement,
    audience: Audience,
    addresses: list[str],
    note: str = "",
) -> MailingOutcome:
    """A new personal link for each address, sent to it alone. Commits (see above)."""
    _check(engagement, audience, addresses)
    pairs = links.new_single_use_links(engagement, audience, len(addresses))
    link_ids = [link.id for _token, link in pairs]
    subject = invitation_subject(engagement, audience)
    messages = [
        mail.message(
            settings, address, subject,
            invitation_body(engagement, audience, links.link_url(token), note),
        )
        for address, (token, _link) in zip(addresses, pairs, strict=True)
    ]
    db.session.commit()
    failures = mail.send_all(settings, messages)
    if failures:
        # Links nobody received would only lower the response rate: remove them.
        db.session.execute(
            delete(Link).where(Link.id.in_([link_ids[i] for i in failures]))
        )
    sent = len(addresses) - len(failures)
    if sent:
        db.session.add(
            Mailing(
                engagement_id=engagement.id, audience=audience,
                kind=MailingKind.INVITATION, recipients=sent,
            )
        )
    db.session.commit()
    return MailingOutcome(sent, [(addresses[i], reason) for i, reason in sorted(failures.items())])


def first_invitation_on(engagement: Engagement, audience: Audience) -> date | None:
    return db.session.scalar(
        select(func.min(Mailing.sent_on)).where(
            Mailing.engagement_id == engagement.id,
            Mailing.audience == audience,
            Mailing.kind == MailingKind.INVITATION,
        )
    )


def send_reminder(
    settings: mail.SmtpSettings,
    engagement: Engagement,
    audience: Audience,
    addresses: list[str],
    include_open_link: bool = False,
) -> MailingOutcome:
    """The one reminder for the audience. Commits (see above)."""
    _check(engagement, audience, addresses)
    invited_on = first_invitation_on(engagement, audience)
    if invited_on is None:
        raise InvitationError(
            "No invitations have been sent to this audience from here, so there is "
            "nothing to remind people of."
        )
    _claim_reminder(engagement, audience)
    open_url = None
    if include_open_link:
        _link, token = links.open_link(engagement, audience)
        open_url = links.link_url(token)
    body = reminder_body(engagement, audience, invited_on, open_url)
    subject = "Reminder: " + invitation_subject(engagement, audience)
    messages = [mail.message(settings, address, subject, body) for address in addresses]
    db.session.commit()
    failures = mail.send_all(settings, messages)
    sent = len(addresses) - len(failures)
    reminder = links.reminder_for(engagement.id, audience)
    assert reminder is not None
    if sent:
        reminder.recipients = sent
    else:
        db.session.delete(reminder)  # nothing went out: the reminder is still to send
    db.session.commit()
    return MailingOutcome(sent, [(addresses[i], reason) for i, reason in sorted(failures.items())])


def _claim_reminder(engagement: Engagement, audience: Audience) -> None:
    db.session.add(
        Mailing(engagement_id=engagement.id, audience=audience, kind=MailingKind.REMINDER)
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        earlier = links.reminder_for(engagement.id, audience)
        when = f" on {earlier.sent_on:%d %B %Y}" if earlier else ""
        raise InvitationError(
            f"The reminder for {audience} has already been sent{when}; only one is sent, "
            "so people are not pestered."
        ) from None
