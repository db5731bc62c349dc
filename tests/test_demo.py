"""`pantau demo` as a newcomer runs it: the replay, the real crawl and models, alerts into the local mail
sink, and the dashboard loaded page by page in headless Chromium; then the same demo again, which must
add nothing and send nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path

import pytest

import demo
from tests.browser import ARTIFACTS, Browser
from tests.test_dashboard_browser import READY, body_text
from tests.test_dashboard_cli import free_port

pytestmark = pytest.mark.slow


def _start(folder: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    return subprocess.Popen([sys.executable, "-m", "pantau.cli", "demo", "--no-browser", "--json", "--port", str(port),
                             "--dir", str(folder), *extra], cwd=folder.parent, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _summary_line(proc: subprocess.Popen[str]) -> dict[str, object]:
    """The JSON line the demo prints once the dashboard answers."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("{"):
            info: dict[str, object] = json.loads(line)
            return info
    raise AssertionError(f"no JSON line; exit {proc.wait()}: {proc.stderr.read() if proc.stderr else ''}")


def test_demo_runs_end_to_end_and_a_second_run_adds_and_sends_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "pantau-demo"
    port = free_port()
    proc = _start(folder, port)
    try:
        info = _summary_line(proc)
        corpus = len(demo.corpus.load())
        assert info["articles"] == info["new_articles"] == corpus >= 300
        assert info["dashboard_url"] == f"http://127.0.0.1:{port}/"
        mail_dir = Path(str(info["mail_dir"]))
        assert mail_dir == folder / "mail"
        mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(mail_dir.glob("*.eml"))]
        assert len(mails) == info["emails"]
        subjects = {(str(m["To"]), str(m["Subject"])) for m in mails}
        # The replay's last day: negative Samarinda coverage rises, and Samarinda's office hears of it.
        assert any(to.startswith("diskominfo@samarindakota") and "Kota Samarinda" in subject
                   and any(level in subject for level in ("WASPADA", "SIAGA", "AWAS")) for to, subject in subjects)
        assert any("Ringkasan pagi" in subject for _, subject in subjects)
        assert isinstance(info["alerts"], int) and info["alerts"] >= 1

        browser = Browser(tmp_path / "chromium")
        try:
            for name, path, expected in [
                ("pagi-ini", "/", ["Pagi ini", "DEMO", "Kota Samarinda"]),
                ("cari", "/cari?q=samarinda", ["Cari", "artikel"]),
                ("peringatan", "/peringatan", ["Peringatan", "Kota Samarinda"]),
                ("artikel", "/artikel", ["Artikel"]),
                ("sumber", "/sumber", ["Sumber", "cnn-indonesia", "pupr-samarinda"]),
            ]:
                browser.open(str(info["dashboard_url"]).rstrip("/") + path, 1400, READY, timeout=120)
                browser.screenshot(ARTIFACTS / "demo" / f"{name}-1400.png")
                text = body_text(browser)
                assert browser.evaluate("document.querySelectorAll('[data-testid=stException]').length") == 0
                assert "Traceback" not in text and "Error:" not in text, f"{name}: {text[:1500]}"
                missing = [e for e in expected if e not in text]
                assert not missing, f"{name} lacks {missing}: {text[:1500]}"
        finally:
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)  # what a service manager sends; Ctrl-C takes the same path
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    assert proc.returncode == 0, err[-2000:]
    assert "stopping the demo" in err

    again = _start(folder, port, "--exit-after", "0")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-2000:]
    second = json.loads(out.strip().splitlines()[-1])  # --json: the last line on stdout
    assert second["articles"] == corpus and second["new_articles"] == 0 and second["emails"] == 0
    assert len(list(mail_dir.glob("*.eml"))) == len(mails)
