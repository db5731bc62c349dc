"""The outbox: every email is written to the store before it is sent, and marked sent after.

When the SMTP server is down, mail waits (``status = "pending"``) and the next run retries
it; nothing is lost. When the server accepts a message and the process dies before the
store records it, the next run sends it again: one duplicate at most, never a loss. A
permanent refusal (a 5xx for the recipient, a malformed address) is ``failed`` with the
server's reason, counted and shown, and not retried.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from index import Store
from pantau.settings import SmtpSettings

log = logging.getLogger(__name__)

KIND = "outbox"


def outbox_id(*parts: str) -> str:
    """A stable id for one message to one recipient, so a rerun can only find it, not add it."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def entry(msg: EmailMessage, recipient: str, kind: str, ref: str, now: datetime) -> dict[str, Any]:
    return {"status": "pending", "kind": kind, "ref": ref, "recipient": recipient, "subject": str(msg["Subject"]),
            "message_id": str(msg["Message-ID"]), "message": msg.as_string(), "created_at": now.isoformat(),
            "attempts": 0, "last_error": "", "sent_at": None}


def enqueue(store: Store, entries: Mapping[str, dict[str, Any]]) -> list[str]:
    """Insert-if-absent: an id already in the outbox (sent or not) is left as it is."""
    return store.put_records(KIND, entries, create_only=True) if entries else []


@dataclass(kw_only=True)
class Delivery:
    sent: int = 0
    deferred: int = 0  # transient failure: stays pending for the next run
    failed: int = 0  # permanent failure: not retried
    reasons: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "deferred": self.deferred, "failed": self.failed, "reasons": dict(self.reasons)}


class Transient(Exception):
    """The server cannot take mail now (down, timeout, 4xx): try again on the next run."""


class Permanent(Exception):
    """The server will never take this message (5xx for the recipient)."""


def connect(cfg: SmtpSettings, password: str) -> smtplib.SMTP:
    """An SMTP session: plain, STARTTLS or implicit TLS, with auth and a timeout."""
    try:
        server: smtplib.SMTP
        if cfg.security == "tls":
            server = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            if cfg.security == "starttls":
                server.starttls(context=ssl.create_default_context())
        if cfg.username:
            server.login(cfg.username, password)
    except smtplib.SMTPAuthenticationError as exc:
        raise Transient(f"smtp login refused: {exc.smtp_code} {exc.smtp_error!r}") from exc
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        raise Transient(f"smtp {cfg.host}:{cfg.port} unavailable: {type(exc).__name__}: {exc}") from exc
    return server


def send_one(server: smtplib.SMTP, sender: str, doc: Mapping[str, Any]) -> None:
    """Hand one stored message to the server; classify failures as transient or permanent."""
    try:
        refused = server.sendmail(parseaddr(sender)[1], [doc["recipient"]], doc["message"].encode("ascii"))
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        if 400 <= code < 500:
            raise Transient(f"recipient deferred: {code} {text!r}") from exc
        raise Permanent(f"recipient refused: {code} {text!r}") from exc
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise Transient(f"smtp {exc.smtp_code} {exc.smtp_error!r}") from exc
        raise Permanent(f"smtp {exc.smtp_code} {exc.smtp_error!r}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise Transient(f"smtp connection lost: {type(exc).__name__}: {exc}") from exc
    if refused:
        raise Permanent(f"recipient refused: {refused!r}")


Connector = Callable[[], smtplib.SMTP]


def deliver(store: Store, cfg: SmtpSettings, password: str, *, connector: Connector | None = None,
            now: Callable[[], datetime] | None = None) -> Delivery:
    """Send every pending message once; record each outcome in the store as it happens."""
    clock = now or (lambda: datetime.now(UTC))
    pending = store.get_records(KIND, status="pending")
    report = Delivery()
    if not pending:
        return report
    server: smtplib.SMTP | None = None

    def record(oid: str, doc: Mapping[str, Any], **changes: Any) -> None:
        store.put_records(KIND, {oid: dict(doc, attempts=int(doc.get("attempts", 0)) + 1,
                                           last_attempt=clock().isoformat(), **changes)})

    try:
        for oid, doc in pending.items():
            try:
                if server is None:
                    server = connector() if connector else connect(cfg, password)
                send_one(server, cfg.sender, doc)
            except Transient as exc:
                report.deferred += 1
                report.reasons[str(exc).split(":")[0]] += 1
                record(oid, doc, last_error=str(exc))
                log.warning("mail deferred: to=%s subject=%r reason=%s", doc["recipient"], doc["subject"], exc)
                if server is None:  # no connection at all: the rest waits for the next run as well
                    for rest_id, rest in list(pending.items())[list(pending).index(oid) + 1 :]:
                        report.deferred += 1
                        report.reasons[str(exc).split(":")[0]] += 1
                        record(rest_id, rest, last_error=str(exc))
                    break
                _quit(server)
                server = None  # the session may be broken; reconnect for the next message
                continue
            except Permanent as exc:
                report.failed += 1
                report.reasons[str(exc).split(":")[0]] += 1
                record(oid, doc, status="failed", last_error=str(exc))
                log.error("mail failed: to=%s subject=%r reason=%s", doc["recipient"], doc["subject"], exc)
                continue
            record(oid, doc, status="sent", sent_at=clock().isoformat(), last_error="")
            report.sent += 1
    finally:
        if server is not None:
            _quit(server)
    log.info("mail: sent=%d deferred=%d failed=%d", report.sent, report.deferred, report.failed)
    return report


def _quit(server: smtplib.SMTP) -> None:
    try:
        server.quit()
    except (TimeoutError, OSError, smtplib.SMTPException):
        server.close()


def counts(store: Store) -> dict[str, int]:
    """Messages by status, for ``pantau status`` and the reports."""
    c = Counter(str(doc.get("status")) for doc in store.get_records(KIND).values())
    return {s: c.get(s, 0) for s in ("pending", "sent", "failed")}
