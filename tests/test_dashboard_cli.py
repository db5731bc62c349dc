"""``pantau dashboard`` as an operator starts it: a real Streamlit server on a loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.test_cli import pantau

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_dashboard_serves_on_the_given_port(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PANTAU_STORE"] = f"sqlite:///{tmp_path / 'pantau.db'}"
    env["PYTHONPATH"] = str(ROOT)  # this checkout's packages, whatever the environment has installed
    proc = subprocess.Popen([sys.executable, "-m", "pantau.cli", "dashboard", "--port", str(port)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 40
        health = ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    health = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        page = b""
        if health == "ok":
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/cari", timeout=5) as r:
                page = r.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert health == "ok", err
    assert b"<html" in page.lower()
    assert f"http://127.0.0.1:{port}/" in err


def test_dashboard_with_a_bad_config_stops_before_starting(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('[store]\nurl = "postgres://x"\n', encoding="utf-8")
    done = pantau("dashboard", "--port", str(free_port()), cwd=tmp_path,
                  env={"PANTAU_CONFIG": "bad.toml", "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and "[store] url" in done.stderr and "Traceback" not in done.stderr
