"""Sending invitations by e-mail over SMTP (``ASSESS_SMTP_*``).

Addresses live only in the request that sends to them and in the messages handed
to the SMTP server: they are never stored, logged or linked to a link or answer.
One message per address (nobody sees anyone else's address), over one SMTP
connection per batch.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

MAX_RECIPIENTS = 2000
SMTP_TIMEOUT_SECONDS = 30

# A practical address check: ASCII local part and a dotted domain of DNS labels.
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SEPARATORS = re.compile(r"[\s,;]+")


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


@dataclass(frozen=True)
class AddressList:
    addresses: list[str]  # valid, first spelling of each, in the order pasted
    invalid: list[str]  # what could not be read as an address, as typed


def parse_addresses(text: str) -> AddressList:
    """Addresses pasted one a line or separated by commas, semicolons or spaces.

    ``Name <address>`` (as copied from a mail program) is accepted: words without
    an ``@`` are taken as names and skipped, but a line with no address at all is
    reported, so a mistyped line is never silently dropped.
    """
    addresses: list[str] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        found_on_line = False
        for word in _SEPARATORS.split(line):
            word = word.strip("<>()[]\"'.:")
            if "@" not in word:
                continue
            found_on_line = True
            if len(word) > 254 or not _ADDRESS.fullmatch(word):
                invalid.append(word)
            elif word.lower() not in seen:
                seen.add(word.lower())
                addresses.append(word)
        if not found_on_line and line.strip() and any(c.isalnum() for c in line):
            invalid.append(line.strip()[:80])
    return AddressList(addresses, invalid)


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
