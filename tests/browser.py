"""Headless Chromium (Debian's ``chromium`` package) for what a person sees: screenshots and the DOM.

Nothing is downloaded: the browser is the system one that ``make test`` installs. Without
it, browser tests fail under ``CI=true`` (a silent skip would hide a broken set-up) and are
skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "build" / "test-artifacts"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("headless Chromium is required in CI: apt-get install chromium (make tools does)", pytrace=False)
    pytest.skip("headless Chromium not installed (apt-get install chromium)")


def _run(args: list[str], timeout: int = 90) -> subprocess.CompletedProcess[str]:
    base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--no-default-browser-check", "--mute-audio"]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=timeout)


def screenshot(page: Path, out: Path, width: int, height: int) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    done = _run([f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()])
    assert out.exists(), f"chromium wrote no screenshot: {done.stderr[-1000:]}"
    return out


def dump_dom(page: Path, width: int = 1200, height: int = 900) -> str:
    done = _run([f"--window-size={width},{height}", "--virtual-time-budget=2000", "--dump-dom", page.as_uri()])
    assert done.returncode == 0, done.stderr[-1000:]
    return done.stdout


def png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct byte values in the decoded pixels (a blank page has ~2)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    idat = b""
    pos = 8
    while pos < len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        kind = data[pos + 4 : pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return width, height, len(set(zlib.decompress(idat)))
