"""Alert runs against a real SQLite store and a real SMTP server (aiosmtpd on 127.0.0.1).

Every assertion is on what the server received: the envelope, and the bytes parsed back
with the standard ``email`` parser, as a mail client would read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts import outbox
from alerts.run import run_alerts, run_digest
from index import Store
from index.sqlite import SqliteStore
from tests.alerts_world import NOW, coverage, settings, spike
from tests.mailsink import MailServer, free_port

PROVINCE = "humas@kaltimprov.example.id"
CITY = "diskominfo@samarindakota.example.id"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    s.upsert(coverage("64.72") + coverage("64.71", per_day=14))
    yield s
    s.close()


def flood(store: Store, count: int, hours_before: int = 6, seed: int = 7) -> None:
    store.upsert(spike("64.72", count, NOW.replace(minute=0) - timedelta(hours=hours_before), hours_before,
                       seed=seed))


def per_recipient(server: MailServer) -> Counter[str]:
    return Counter(r for m in server.received for r in m.recipients)


def test_a_spike_over_three_runs_sends_one_email_per_recipient_and_one_more_on_escalation(
        store: SqliteStore, mail: MailServer) -> None:
    cfg = settings(store.url, mail.port)
    flood(store, 6)
    first = run_alerts(store, cfg, NOW)
    assert [c.key for c in first.conditions] == ["region:64.72#spike"]
    level = first.conditions[0].severity
    assert level in ("waspada", "siaga")
    for minutes in (10, 20):  # `pantau watch --every 10m`: the same spike, two more runs
        again = run_alerts(store, cfg, NOW + timedelta(minutes=minutes))
        assert [c.key for c in again.conditions] == ["region:64.72#spike"]
        assert again.transition.ongoing and not again.transition.opened
    assert per_recipient(mail) == {PROVINCE: 1, CITY: 1}
    subject = mail.received[0].message["Subject"]
    assert "Kota Samarinda" in subject and level.upper() in subject

    flood(store, 30, hours_before=3, seed=8)  # it gets much worse
    worse = run_alerts(store, cfg, NOW + timedelta(minutes=25))
    assert worse.transition.escalated and worse.conditions[0].severity == "awas"
    run_alerts(store, cfg, NOW + timedelta(minutes=29))
    assert per_recipient(mail) == {PROVINCE: 2, CITY: 2}
    update = mail.received[-1].message
    assert update["Subject"].startswith("[Pantau] Naik ke AWAS")


def test_an_episode_resolves_and_a_relapse_within_the_cooldown_sends_nothing(store: SqliteStore,
                                                                             mail: MailServer) -> None:
    cfg = settings(store.url, mail.port, cooldown_hours=12)
    store.upsert(coverage("64.72", days=2, end=NOW + timedelta(days=2), seed=2)
                 + coverage("64.71", days=2, per_day=14, end=NOW + timedelta(days=2), seed=2))
    flood(store, 8)
    run_alerts(store, cfg, NOW)
    later = run_alerts(store, cfg, NOW + timedelta(hours=25))  # the flood has left both windows
    assert later.transition.resolved and not later.conditions
    states = {d["key"]: d["status"] for d in store.get_records("alert").values()}
    assert states == {"region:64.72#spike": "resolved"}
    store.upsert(spike("64.72", 8, NOW.replace(minute=0) + timedelta(hours=26), 4, seed=9))
    relapse = run_alerts(store, cfg, NOW + timedelta(hours=30, minutes=10))
    assert relapse.transition.reopened
    assert per_recipient(mail) == {PROVINCE: 1, CITY: 1}


def test_smtp_down_for_two_runs_then_back_delivers_each_email_exactly_once(store: SqliteStore) -> None:
    port = free_port()
    cfg = settings(store.url, port)
    flood(store, 8)
    for hour in (0, 1):
        report = run_alerts(store, cfg, NOW + timedelta(hours=hour))
        assert report.delivery.sent == 0 and report.delivery.deferred == 2
    assert outbox.counts(store) == {"pending": 2, "sent": 0, "failed": 0}
    pending = store.get_records("outbox", status="pending")
    assert all(d["attempts"] == 2 and "unavailable" in d["last_error"] for d in pending.values())
    server = MailServer(port).start()
    try:
        back = run_alerts(store, cfg, NOW + timedelta(hours=2))
        assert back.delivery.sent == 2
        run_alerts(store, cfg, NOW + timedelta(hours=3))
        assert per_recipient(server) == {PROVINCE: 1, CITY: 1}
    finally:
        server.stop()
    assert outbox.counts(store) == {"pending": 0, "sent": 2, "failed": 0}


class CrashAfterAcceptance(SqliteStore):
    """Injects the one fault a real server cannot: the process dies after SMTP accepted a message
    and before the store recorded it (the write of status "sent" never happens)."""

    crash = True

    def put_records(self, kind: str, records: Mapping[str, Mapping[str, Any]], *,
                    create_only: bool = False) -> list[str]:
        if self.crash and kind == "outbox" and any(r.get("status") == "sent" for r in records.values()):
            self.crash = False
            raise SystemExit("killed between SMTP acceptance and the outbox write")
        return super().put_records(kind, records, create_only=create_only)


def test_a_crash_between_acceptance_and_record_duplicates_one_email_at_most_once(
        tmp_path: Path, mail: MailServer) -> None:
    store = CrashAfterAcceptance(f"sqlite:///{tmp_path / 'pantau.db'}")
    store.upsert(coverage("64.72") + spike("64.72", 8, NOW.replace(minute=0) - timedelta(hours=6), 6))
    cfg = settings(store.url, mail.port)
    with pytest.raises(SystemExit):
        run_alerts(store, cfg, NOW)
    assert len(mail.received) == 1  # accepted, but not recorded
    run_alerts(store, cfg, NOW + timedelta(hours=1))
    run_alerts(store, cfg, NOW + timedelta(hours=2))
    counts = per_recipient(mail)
    assert sorted(counts.values()) == [1, 2]  # the interrupted one twice, the other once
    assert outbox.counts(store) == {"pending": 0, "sent": 2, "failed": 0}
    store.close()


INJECTIONS = (
    "Banjir rendam Samarinda\r\nBcc: leak@attacker.example\r\nX-Injected: yes",
    "=?utf-8?q?Banjir=0D=0ABcc:_leak2@attacker.example?= rendam Samarinda",
)


@pytest.mark.parametrize("title", INJECTIONS)
def test_a_crafted_story_title_never_injects_a_header(store: SqliteStore, mail: MailServer, title: str) -> None:
    cfg = settings(store.url, mail.port)
    store.upsert(spike("64.72", 9, NOW.replace(minute=0) - timedelta(hours=6), 6, titles=(title,)))
    run_alerts(store, cfg, NOW)
    assert len(mail.received) == 2
    for received in mail.received:
        assert received.recipients in ([PROVINCE], [CITY])
        msg = received.message
        names = {k.lower() for k in msg}
        assert names == {"from", "to", "subject", "date", "message-id", "auto-submitted", "x-pantau-alert",
                         "mime-version", "content-type"}
        assert "\n" not in msg["Subject"] and "\r" not in msg["Subject"]
        assert msg["Bcc"] is None and msg["X-Injected"] is None
        html = msg.get_body(("html",))
        assert html is not None and "<script" not in html.get_content()


def test_a_region_gone_silent_gets_a_no_data_alert_not_an_all_clear(tmp_path: Path, mail: MailServer) -> None:
    store = SqliteStore(f"sqlite:///{tmp_path / 'pantau.db'}")
    store.upsert(coverage("64.72") + coverage("64.71", per_day=30, silent_from=NOW - timedelta(hours=40)))
    cfg = settings(store.url, mail.port, recipients={"64.71": ["humas@balikpapan.example.id"]})
    report = run_alerts(store, cfg, NOW)
    assert [(c.key, c.kind) for c in report.conditions] == [("region:64.71#no_data", "no_data")]
    assert report.conditions[0].silent_hours >= 39
    (received,) = mail.received
    assert received.recipients == ["humas@balikpapan.example.id"]
    assert "TIDAK ADA DATA" in received.message["Subject"] and "Kota Balikpapan" in received.message["Subject"]
    store.close()


def test_dry_run_prints_what_would_be_sent_and_changes_nothing(store: SqliteStore, mail: MailServer) -> None:
    cfg = settings(store.url, mail.port)
    flood(store, 8)
    dry = run_alerts(store, cfg, NOW, dry_run=True)
    assert sorted(o.recipient for o in dry.outgoing) == sorted([PROVINCE, CITY])
    assert store.get_records("alert") == {} and store.get_records("outbox") == {}
    assert mail.received == []
    real = run_alerts(store, cfg, NOW)
    assert sorted(o.id for o in real.outgoing) == sorted(o.id for o in dry.outgoing)


def test_the_digest_goes_once_per_recipient_per_period(store: SqliteStore, mail: MailServer) -> None:
    cfg = settings(store.url, mail.port)
    flood(store, 8)
    run_alerts(store, cfg, NOW)
    alerts_sent = len(mail.received)
    first = run_digest(store, cfg, NOW)
    assert sorted(o.recipient for o in first.outgoing) == sorted([PROVINCE, CITY])
    second = run_digest(store, cfg, NOW + timedelta(minutes=40))
    assert second.outgoing == [] and second.delivery.sent == 0
    digests = mail.received[alerts_sent:]
    assert len(digests) == 2
    city = next(m.message for m in digests if m.recipients == [CITY])
    plain = city.get_body(("plain",))
    assert plain is not None
    text = plain.get_content()
    assert "Kota Samarinda" in text and "Kota Balikpapan" not in text  # the city office hears of its city
    assert "Banjir rendam ratusan rumah di Samarinda" in text
    assert any(level in text for level in ("WASPADA ·", "SIAGA ·", "AWAS ·"))  # the active alert is listed
    next_day = run_digest(store, cfg, NOW + timedelta(days=1))
    assert len(next_day.outgoing) == 2
