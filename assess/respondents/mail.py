"""Respondents' e-mail: the addresses a consultant pastes, and the limits of a batch.
The sending itself (SMTP, ``ASSESS_SMTP_*``) is :mod:`assess.mailer`'s.

Addresses live only in the request that sends to them and in the messages handed
to the SMTP server: they are never stored, logged or linked to a link or answer.
One message per address (nobody sees anyone else's address), over one SMTP
connection per batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The generic SMTP sending lives in assess.mailer; respondents' code and tests
# reach it through this module as before.
from assess.mailer import (
    SendFailure,
    SmtpSettings,
    message,
    one_line,
    send_all,
    smtp_settings,
)

__all__ = [
    "MAX_RECIPIENTS", "AddressList", "SendFailure", "SmtpSettings", "message", "one_line",
    "parse_addresses", "send_all", "smtp_settings",
]

MAX_RECIPIENTS = 2000

# A practical address check: ASCII local part and a dotted domain of DNS labels.
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_SEPARATORS = re.compile(r"[\s,;]+")


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
