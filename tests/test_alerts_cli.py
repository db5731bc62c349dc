"""``pantau alert``, ``pantau alert backtest`` and ``pantau digest`` as an operator runs them."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from index.sqlite import SqliteStore
from tests.alerts_world import NOW, WITA, coverage, spike
from tests.mailsink import MailServer
from tests.test_cli import pantau

HEADER = "region,window_start,total,negative\n"


def write_series(path: Path, spike_at: int = 500, days: int = 30) -> list[str]:
    """Six-hour windows of two regions with a daily rhythm; one tripling of Samarinda's negatives."""
    rng = np.random.default_rng(4)
    start = NOW.replace(hour=0, minute=0) - timedelta(days=days)
    rows = []
    starts = []
    for i in range(days * 4):
        t = start + timedelta(hours=6 * i)
        starts.append(t.isoformat())
        rhythm = (0.3, 1.4, 1.5, 0.8)[i % 4]
        for region, per_window in (("64.72", 40), ("64.71", 25)):
            neg = int(rng.poisson(per_window * rhythm * 0.2 * (3 if region == "64.72" and i == spike_at else 1)))
            total = neg + int(rng.poisson(per_window * rhythm * 0.8))
            rows.append(f"{region},{t.isoformat()},{total},{neg}\n")
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return starts


def test_backtest_finds_the_injected_spike_and_prints_json(tmp_path: Path) -> None:
    series = tmp_path / "series.csv"
    starts = write_series(series, spike_at=101)
    done = pantau("alert", "backtest", str(series), "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    alerts = json.loads(done.stdout.strip().splitlines()[-1])
    assert [(a["region"], a["window_start"]) for a in alerts] == [("64.72", starts[101])]
    assert alerts[0]["severity"] in ("waspada", "siaga", "awas")
    text = pantau("alert", "backtest", str(series), cwd=tmp_path)
    assert "windows of 6:00:00" in text.stdout and "1 alerting windows" in text.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (HEADER + "64.72,2025-07-01T00:00:00+08:00,10,2\n64.72,2025-07-01T06:00:00+08:00,ten,2\n",
         "row 3, column total: expected a whole number, found 'ten'"),
        (HEADER + "64.72,2025-07-01T00:00:00,10,2\n", "row 2, column window_start: expected a UTC offset"),
        (HEADER + "64.72,2025-07-01T00:00:00+08:00,10,12\n", "row 2, column negative: 12 is more than total 10"),
        ("region,window_start,total\n64.72,2025-07-01T00:00:00+08:00,10\n", "row 1, column negative: missing"),
        (HEADER + "64.72,2025-07-01T00:00:00+08:00,10,2\n64.72,2025-07-01T06:00:00+08:00,10,2\n"
         "64.72,2025-07-01T12:00:00+08:00,10,2\n64.72,2025-07-01T15:00:00+08:00,10,2\n",
         "row 5, column window_start: 2025-07-01T15:00:00+08:00 is not a whole number of 6:00:00 windows"),
        (HEADER + "64.72,2025-07-01T00:00:00+08:00,10,2\n64.72,2025-07-01T00:00:00+08:00,11,2\n",
         "row 3, column window_start: region 64.72 already has a row"),
        (HEADER + "64.72,yesterday,10,2\n", "row 2, column window_start: expected an ISO 8601 timestamp"),
    ],
)
def test_a_malformed_series_is_one_error_line_naming_row_and_column(tmp_path: Path, content: str,
                                                                    expected: str) -> None:
    series = tmp_path / "series.csv"
    series.write_text(content, encoding="utf-8")
    done = pantau("alert", "backtest", str(series), "--json", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_alert_and_digest_from_the_command_line_send_once(tmp_path: Path) -> None:
    db = tmp_path / "pantau.db"
    store = SqliteStore(f"sqlite:///{db}")
    store.upsert(coverage("64.72") + spike("64.72", 9, NOW.replace(minute=0) - timedelta(hours=6), 6))
    store.close()
    server = MailServer().start()
    try:
        (tmp_path / "pantau.toml").write_text(
            f'[store]\nurl = "sqlite:///{db}"\n[regions]\nwatch = ["64.72"]\n'
            '[alerts]\ntopics = false\nregion_topics = false\n'
            '[alerts.recipients]\n"64.72" = ["diskominfo@samarindakota.example.id"]\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\n', encoding="utf-8")
        at = NOW.astimezone(WITA).isoformat()
        dry = pantau("alert", "--dry-run", "--at", at, cwd=tmp_path)
        assert dry.returncode == 0, dry.stderr
        assert "dry run: nothing written; 1 email(s) would be queued" in dry.stdout
        assert "Subject: [Pantau]" in dry.stdout and server.received == []
        real = pantau("alert", "--json", "--at", at, cwd=tmp_path)
        assert real.returncode == 0, real.stderr
        report = json.loads(real.stdout)
        assert report["delivery"]["sent"] == 1 and report["alerts"][0]["key"] == "region:64.72#spike"
        again = pantau("alert", "--at", at, cwd=tmp_path)
        assert "emails: 0 queued, 0 sent" in again.stdout
        digest = pantau("digest", "--at", at, cwd=tmp_path)
        assert digest.returncode == 0, digest.stderr
        assert "1 new" in digest.stdout
        twice = pantau("digest", "--at", at, cwd=tmp_path)
        assert "0 new" in twice.stdout
        assert len(server.received) == 2
        status = pantau("status", cwd=tmp_path)
        assert "alerts   1 active  mail: 0 waiting, 2 sent, 0 failed" in status.stdout, status.stdout
        bad = pantau("alert", "--at", "tomorrow", cwd=tmp_path)
        assert bad.returncode == 2 and "--at: expected an ISO 8601 time" in bad.stderr
    finally:
        server.stop()
    # The server is gone: an escalation waits in the outbox, and status says why.
    store = SqliteStore(f"sqlite:///{db}")
    store.upsert(spike("64.72", 40, NOW.replace(minute=0) - timedelta(hours=3), 3, seed=8))
    store.close()
    worse = pantau("alert", "--at", NOW.astimezone(WITA).isoformat(), cwd=tmp_path)
    assert worse.returncode == 0 and "1 waiting for the SMTP server" in worse.stdout, worse.stdout
    status = pantau("status", "--json", cwd=tmp_path)
    report = json.loads(status.stdout)["alerts"]
    assert report["outbox"] == {"pending": 1, "sent": 2, "failed": 0}
    assert "unavailable" in report["problems"][0]["last_error"]
