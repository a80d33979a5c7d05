"""Sending e-mail over SMTP (``ASSESS_SMTP_*``): for respondents' invitations and
for accounts (verification, password reset, members' invitations) alike.

Nothing here stores or logs an address: the callers decide what a message says
and to whom; this module builds it and hands it to the mail server, one message
per recipient, over one connection per batch.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    sender: str
    cafile: str | None  # a private CA for the SMTP server's certificate, if any


def smtp_settings(config: Mapping[str, Any]) -> SmtpSettings | None:
    """The SMTP settings, or None when sending is not configured (no host)."""
    host = config.get("SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(
        host=str(host),
        port=int(config.get("SMTP_PORT") or 25),
        username=config.get("SMTP_USERNAME") or None,
        password=config.get("SMTP_PASSWORD") or None,
        starttls=_flag(config.get("SMTP_STARTTLS")),
        sender=str(config.get("SMTP_SENDER") or "assess@localhost"),
        cafile=config.get("SMTP_CAFILE") or None,
    )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def one_line(text: str) -> str:
    """Header-safe: no line breaks in a subject built from names."""
    return " ".join(text.split())


def message(settings: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = to
    mail["Subject"] = one_line(subject)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body)
    return mail


class SendFailure(Exception):
    """The SMTP server could not be reached or refused us as a whole."""


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=settings.cafile)
    smtp: smtplib.SMTP
    if settings.port == 465:  # implicit TLS ("SMTPS")
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT_SECONDS)
    try:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=context)
            smtp.ehlo()
        if settings.username:
            smtp.login(settings.username, settings.password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_all(settings: SmtpSettings, messages: Sequence[EmailMessage]) -> dict[int, str]:
    """Send each message; returns the failures by index, with a reason a person can read.

    A refused recipient fails alone; a lost connection fails the rest of the batch.
    """
    failures: dict[int, str] = {}
    try:
        smtp = _connect(settings)
    except (smtplib.SMTPException, OSError) as error:
        reason = f"the mail server could not be used ({_describe(error)})"
        return dict.fromkeys(range(len(messages)), reason)
    try:
        for index, mail in enumerate(messages):
            try:
                smtp.send_message(mail)
            except smtplib.SMTPServerDisconnected as error:
                lost: OSError = error
            except smtplib.SMTPException as error:  # (a subclass of OSError: test it first)
                failures[index] = f"refused by the mail server ({_describe(error)})"
                continue
            except OSError as error:
                lost = error
            else:
                continue
            reason = f"the connection to the mail server was lost ({_describe(lost)})"
            failures.update(dict.fromkeys(range(index, len(messages)), reason))
            break
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return failures


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {msg.decode(errors='replace')}" for code, msg in error.recipients.values()
        ]
        return "; ".join(codes) or "recipient refused"
    if isinstance(error, smtplib.SMTPResponseException):
        detail = error.smtp_error
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
        return f"{error.smtp_code} {text}"
    return str(error) or error.__class__.__name__


def send_one(settings: SmtpSettings, to: str, subject: str, body: str) -> str | None:
    """Send one message; None when it went, else the reason it did not."""
    return send_all(settings, [message(settings, to, subject, body)]).get(0)
