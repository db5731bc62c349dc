"""The demo's mail sink: a real SMTP server (aiosmtpd) on 127.0.0.1 that writes each message it accepts to
``<folder>/NNN-<recipient>-<subject>.eml``, so a newcomer can open the alert and the digest in any mail client."""

from __future__ import annotations

import re
import socket
import threading
import unicodedata
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _name(data: bytes, recipients: list[str]) -> str:
    """``alert-diskominfo-siaga-kota-samarinda``: who it went to and what it is, readable in a file list."""
    msg = message_from_bytes(data, policy=policy.default)
    subject = str(msg.get("Subject", "")).removeprefix("[Pantau]").strip()
    who = (recipients[0] if recipients else "unknown").split("@")[0]
    words = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKD", subject.lower()).encode("ascii", "ignore")
                   .decode("ascii")).strip("-")
    return f"{who}-{words[:60].rstrip('-') or datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}"


class _Writer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.written: list[Path] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content or envelope.content)
        with self._lock:
            n = len(list(self.folder.glob("*.eml"))) + 1
            path = self.folder / f"{n:03d}-{_name(data, envelope.rcpt_tos)}.eml"
            path.write_bytes(data)
            self.written.append(path)
        return "250 OK"


class MailSink:
    """``with MailSink(folder) as sink:`` — SMTP on ``sink.port``; ``sink.written`` lists this run's files."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        self.folder = folder
        self.port = port or free_port()
        self._writer = _Writer(folder)
        self._controller: Controller | None = None

    @property
    def written(self) -> list[Path]:
        return list(self._writer.written)

    def __enter__(self) -> MailSink:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self._writer, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
