"""`pantau run` and `pantau watch` as an operator runs them: a real outlet server on 127.0.0.1, a real
SMTP server, real SQLite, the shipped model, and real signals (SIGTERM, SIGKILL) to the process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import Filters, open_store
from pantau.app import job
from tests.crawlserver import CrawlServer
from tests.mailsink import MailServer

ROOT = Path(__file__).resolve().parents[1]
RECIPIENT = "humas@kaltimprov.example.id"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}


def pantau(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pantau.cli", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=300)


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", *args], cwd=cwd, env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[Path, CrawlServer, MailServer]]:
    """A working directory with a pantau.toml for one slow outlet and one recipient."""
    mail = MailServer().start()
    with CrawlServer(page_delay=0.4) as server:
        (tmp_path / "pantau.toml").write_text(
            f'[store]\nurl = "sqlite:///{tmp_path}/data/pantau.db"\n\n[regions]\nwatch = ["64", "64.72"]\n\n'
            "[crawl]\nallow_private_addresses = true\ndownload_timeout = 5\n\n"
            f'[[sources]]\nname = "cnn"\ntype = "rss"\nurl = "{server.base}/cnn/rss.xml"\n\n'
            f'[alerts]\nrecipients = {{ "64" = ["{RECIPIENT}"] }}\n\n'
            f'[smtp]\nhost = "127.0.0.1"\nport = {mail.port}\ntimeout = 5\n',
            encoding="utf-8")
        try:
            yield tmp_path, server, mail
        finally:
            mail.stop()


def _feed_items(server: CrawlServer) -> int:
    with urllib.request.urlopen(f"{server.base}/cnn/rss.xml", timeout=5) as resp:
        return len(re.findall(r"<item>", resp.read().decode("utf-8")))


def _stored(cwd: Path) -> tuple[int, int]:
    """(articles in the store, distinct article URLs among them)."""
    with open_store(f"sqlite:///{cwd}/data/pantau.db") as store:
        total = sum(store.status_counts().values())
        result = store.search("", Filters(), sort="newest", page=1, size=1000)
    return total, len({h.article.url for h in result.hits})


def _article_paths(server: CrawlServer) -> list[str]:
    return [path for path, _agent in server.hit_log() if path.startswith("/cnn/") and "rss" not in path]


def _article_hits(server: CrawlServer) -> int:
    return len(_article_paths(server))


def _wait(what: str, cond: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(cond) and cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _digests(mail: MailServer) -> list[str]:
    return [str(m.message["Subject"]) for m in mail.received if RECIPIENT in m.recipients]


def test_run_twice_adds_nothing_and_sends_nothing_new(office: tuple[Path, CrawlServer, MailServer]) -> None:
    cwd, server, mail = office
    first = pantau("run", "--json", cwd=cwd)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    stages = {s["name"]: s for s in report["stages"]}
    assert [s["name"] for s in report["stages"]] == ["crawl", "score", "alert", "digest"]
    assert all(s["status"] == "ok" for s in report["stages"]), report
    items = _feed_items(server)
    assert stages["crawl"]["summary"]["new"] == items > 0
    assert stages["score"]["summary"] == {"scored": items, "pending": 0}
    assert stages["digest"]["summary"]["mail_sent"] == 1
    assert len(_digests(mail)) == 1
    assert "crawl: ok" in first.stderr  # one line per stage without a terminal

    second = pantau("run", "--json", cwd=cwd)
    assert second.returncode == 0, second.stderr
    again = {s["name"]: s["summary"] for s in json.loads(second.stdout)["stages"]}
    assert again["crawl"]["new"] == 0 and again["score"]["scored"] == 0
    assert again["alert"]["queued"] == 0 and again["digest"]["queued"] == 0
    assert len(mail.received) == 1
    assert _stored(cwd) == (items, items)

    text = pantau("run", cwd=cwd)  # the one-screen summary
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0].startswith("pantau run ") and ": ok in " in lines[0]
    assert [ln.split()[0] for ln in lines[2:6]] == ["crawl", "score", "alert", "digest"]


def test_a_failed_stage_is_reported_and_exits_1_while_the_others_run(tmp_path: Path) -> None:
    mail = MailServer().start()
    try:
        (tmp_path / "pantau.toml").write_text(
            f'[store]\nurl = "sqlite:///{tmp_path}/pantau.db"\n\n'
            f'[nlp]\nsentiment_model = "{tmp_path}/no-such-model"\n\n'
            f'[alerts]\nrecipients = {{ "64" = ["{RECIPIENT}"] }}\n\n[smtp]\nhost = "127.0.0.1"\nport = {mail.port}\n',
            encoding="utf-8")
        (tmp_path / "one.jsonl").write_text(json.dumps({
            "url": "https://kaltim.example.id/berita/banjir-samarinda", "title": "Banjir rendam Samarinda",
            "body": "Banjir merendam permukiman warga di Samarinda sejak Senin pagi.",
            "published_at": "2025-07-01T08:00:00+08:00", "source": "contoh"}) + "\n", encoding="utf-8")
        loaded = pantau("index", "load", "one.jsonl", cwd=tmp_path)
        assert loaded.returncode == 0 and "indexed 1" in loaded.stdout, loaded.stderr
        done = pantau("run", "--json", "--log-json", cwd=tmp_path)
    finally:
        mail.stop()
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    status = {s["name"]: s["status"] for s in report["stages"]}
    assert status == {"crawl": "skipped", "score": "failed", "alert": "ok", "digest": "ok"}
    assert report["failed"] == ["score"] and "no-such-model" in report["stages"][1]["error"]
    logs = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(logs) == len([ln for ln in done.stderr.splitlines() if ln.strip()])  # every line is JSON
    score_log = next(r for r in logs if r.get("stage") == "score" and "status" in r)
    assert score_log["status"] == "failed" and score_log["level"] == "info"
    assert any(r["level"] == "error" and "score" in r["msg"] for r in logs)


def test_sigterm_checkpoints_the_crawl_and_the_next_run_finishes_it(
        office: tuple[Path, CrawlServer, MailServer]) -> None:
    cwd, server, mail = office
    items = _feed_items(server)
    proc = start("watch", "--every", "1h", "--json", cwd=cwd)
    _wait("the crawl to fetch some articles", lambda: _article_hits(server) >= 3)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "stopped after 1 run(s) (SIGTERM)" in err
    report = json.loads(out.strip().splitlines()[-1])
    status = {s["name"]: s["status"] for s in report["stages"]}
    assert status == {"crawl": "stopped", "score": "skipped", "alert": "skipped", "digest": "skipped"}
    assert report["stopped"] and not report["failed"]
    assert (cwd / "data" / "crawl-state" / "jobs" / "cnn").is_dir()  # the queue was saved
    stored_before, _ = _stored(cwd)
    assert 0 < stored_before < items
    assert mail.received == []

    done = pantau("run", "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    crawl = json.loads(done.stdout)["stages"][0]["summary"]
    assert crawl["new"] == items - stored_before
    assert _stored(cwd) == (items, items)
    paths = _article_paths(server)
    assert len(paths) == len(set(paths)) == items  # nothing fetched twice across the stop
    assert len(_digests(mail)) == 1


def test_sigkill_mid_run_loses_nothing_and_sends_nothing_twice(office: tuple[Path, CrawlServer, MailServer]) -> None:
    cwd, server, mail = office
    items = _feed_items(server)
    proc = start("watch", "--every", "1h", cwd=cwd)
    _wait("the crawl to fetch some articles", lambda: _article_hits(server) >= 3)
    busy = pantau("run", cwd=cwd)  # never two runs at once on one store
    assert busy.returncode == 0 and "skipped: another run is in progress" in busy.stderr
    assert f"pid {proc.pid}" in busy.stderr
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    first = pantau("run", "--json", cwd=cwd)  # the lock died with the process: no stale lock
    assert first.returncode == 0, first.stderr
    assert _stored(cwd) == (items, items)
    assert len(_digests(mail)) == 1
    second = pantau("run", "--json", cwd=cwd)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["stages"][0]["summary"]["new"] == 0
    assert _stored(cwd) == (items, items)
    assert len(_digests(mail)) == 1


def test_the_run_lock_refuses_a_second_holder_and_dies_with_its_process(tmp_path: Path) -> None:
    lock = tmp_path / "run.lock"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys,time; sys.path.insert(0, sys.argv[1]); from pantau.app.job import run_lock\n"
                               "from pathlib import Path\nwith run_lock(Path(sys.argv[2])):\n"
                               "    print('held', flush=True); time.sleep(60)", str(ROOT), str(lock)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(job.Busy) as busy, job.run_lock(lock):
            pass
        assert busy.value.holder == str(holder.pid)
    finally:
        holder.kill()
        holder.communicate()  # reaps it and closes its pipe
    with job.run_lock(lock):
        assert lock.read_text().strip() == str(os.getpid())


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h30m", 5400), ("90s", 90), ("45", 45)])
def test_intervals(text: str, seconds: float) -> None:
    assert job.parse_every(text) == seconds


def test_a_bad_interval_is_one_clear_error(tmp_path: Path) -> None:
    for bad in ("soon", "0s", "15 minutes"):
        done = pantau("watch", "--every", bad, cwd=tmp_path)
        assert done.returncode == 2 and "--every" in done.stderr and "Traceback" not in done.stderr
