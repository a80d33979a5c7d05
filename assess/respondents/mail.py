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
    "MAX_RECIPIENTS", "AddressList", "AddressProblem", "SendFailure", "SmtpSettings", "message",
    "one_line", "parse_addresses", "send_all", "smtp_settings",
]

MAX_RECIPIENTS = 2000

# A practical address check: ASCII local part and a dotted domain of DNS labels.
_ADDRESS = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_ENTRY_SEPARATORS = ",;"
_NAMED = re.compile(r"(?P<name>.*?)<(?P<address>[^<>]*)>\s*", re.DOTALL)
_WORDS = re.compile(r"\S+")
#: Around a word: quotes, brackets and the full stop ending a sentence, never part
#: of an address typed alone.
_TRIM = "\"'[]:."


@dataclass(frozen=True)
class AddressProblem:
    """Something pasted that is not an e-mail address, and where it was."""

    position: int  # 1 for the first thing in the list, addresses and problems alike
    line: int  # of the pasted text, from 1
    text: str  # as typed (shortened past 80 characters)
    reason: str

    def __str__(self) -> str:
        return f"item {self.position} (line {self.line}): {self.text or '<>'} {self.reason}"


@dataclass(frozen=True)
class AddressList:
    addresses: list[str]  # valid, first spelling of each, in the order pasted
    invalid: list[AddressProblem]  # everything else, in the order pasted


def parse_addresses(text: str) -> AddressList:
    """Addresses pasted one a line or separated by commas, semicolons or spaces.

    ``Name <address>`` and ``"Last, First" <address>`` (as copied from a mail
    program) are accepted. Anything else that is not an address is reported
    with its position, and never dropped: "alice.acme.test, bob@acme.test,
    carol(at)acme.test" is one address and two problems, so that nobody is left
    out of a mailing without the sender knowing.
    """
    addresses: list[str] = []
    invalid: list[AddressProblem] = []
    seen: set[str] = set()
    position = 0
    for line_number, line in enumerate(text.splitlines(), start=1):
        for entry in _entries(line):
            for token, is_address in _tokens(entry):
                position += 1
                reason = _problem(token) if is_address else _not_an_address(token)
                if reason is not None:
                    shown = token if len(token) <= 80 else token[:77] + "..."
                    invalid.append(AddressProblem(position, line_number, shown, reason))
                elif token.lower() not in seen:
                    seen.add(token.lower())
                    addresses.append(token)
    return AddressList(addresses, invalid)


def _entries(line: str) -> list[str]:
    """The line cut at commas and semicolons outside quotes and angle brackets."""
    entries: list[str] = []
    current: list[str] = []
    quoted = bracketed = False
    for char in line:
        if char == '"' and not bracketed:
            quoted = not quoted
        elif char == "<" and not quoted:
            bracketed = True
        elif char == ">" and not quoted:
            bracketed = False
        if char in _ENTRY_SEPARATORS and not quoted and not bracketed:
            entries.append("".join(current))
            current = []
        else:
            current.append(char)
    entries.append("".join(current))
    return [e.strip() for e in entries if e.strip()]


def _tokens(entry: str) -> list[tuple[str, bool]]:
    """``(text, whether it is meant as an address)`` for each thing in one entry.

    ``Name <address>``: the address (the name may be anything). Otherwise each
    word with an ``@`` is an address, and each run of words without one is one
    thing that is not ("not an address", "alice.acme.test")."""
    named = _NAMED.fullmatch(entry)
    if named is not None:
        return [(named.group("address").strip(), True)]
    tokens: list[tuple[str, bool]] = []
    words: list[str] = []
    for word in _WORDS.findall(entry):
        trimmed = word.strip(_TRIM)
        if "@" in trimmed:
            if words:
                tokens.append((" ".join(words), False))
                words = []
            tokens.append((trimmed, True))
        elif trimmed:
            words.append(trimmed)
    if words:
        tokens.append((" ".join(words), False))
    return tokens


def _not_an_address(text: str) -> str:
    """Why words without an ``@`` are no address."""
    spelled = re.search(r"\(at\)|\[at\]|\sat\s", text, re.IGNORECASE)
    if spelled:
        return f"has no @ (write @ instead of “{spelled.group().strip()}”)"
    if " " in text:
        return "is not an e-mail address (a name goes before its address: Name <address>)"
    return "has no @"


def _problem(address: str) -> str | None:
    """Why ``address`` is not one we send to; None when it is."""
    if not address:
        return "has no address between < and >"
    if len(address) > 254:
        return "is longer than an e-mail address can be"
    if address.count("@") > 1:
        return "has more than one @"
    local, _, domain = address.partition("@")
    if not local:
        return "has nothing before the @"
    if not domain:
        return "has nothing after the @"
    if not _ADDRESS.fullmatch(address):
        if "." not in domain:
            return f"needs a full domain after the @ (like {domain}.com)"
        return "is not a valid e-mail address"
    return None
