"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and
helpers to read the link out of a message: as in tests/respondents/test_mail.py."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

LINK = re.compile(r"http://testserver(/\S+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Inbox:
    port: int
    received: list[tuple[list[str], EmailMessage]] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]

    def config(self) -> dict[str, Any]:
        """The app settings that send through this server."""
        return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port,
                "SMTP_SENDER": "accounts@assess.example"}

    def wait_for(self, count: int, seconds: float = 5.0) -> None:
        """Mail sent after the response (``/forgot``) may arrive a moment later."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)


class _Handler:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.inbox.received.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def serve(inbox: Inbox) -> Controller:
    controller = Controller(_Handler(inbox), hostname="127.0.0.1", port=inbox.port)
    controller.start()
    return controller


def link_in(message: EmailMessage) -> str:
    """The path of the one link in the message."""
    [path] = LINK.findall(message.get_content())
    return str(path)
