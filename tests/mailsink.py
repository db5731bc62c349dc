"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

Tests parse the received bytes with the standard ``email`` parser and assert on headers and
parts, exactly as a mail client would see them.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Sink:
    """An aiosmtpd handler that records each accepted message."""

    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(sender=envelope.mail_from, recipients=list(envelope.rcpt_tos),
                                      data=bytes(envelope.original_content or envelope.content)))
        return "250 OK"


class MailServer:
    """Start and stop a real SMTP server on a fixed port (so a test can take it down and bring it back)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.sink = Sink()
        self._controller: Controller | None = None

    def start(self) -> MailServer:
        self._controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> list[Received]:
        return self.sink.received
