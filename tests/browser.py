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


class Browser:
    """One headless Chromium driven over the DevTools protocol, for pages that build themselves with
    JavaScript after load (the Streamlit dashboard talks to its server over a websocket).

    ``--dump-dom`` with a virtual-time budget cannot wait for a server's answer; here the test waits
    for the page's own "done" signal. The viewport is emulated, so a 400 px phone is 400 px wide
    (a headless window will not shrink below 500 px).
    """

    def __init__(self, profile: Path) -> None:
        import json
        import time
        import urllib.request

        from websockets.sync.client import connect

        profile.mkdir(parents=True, exist_ok=True)
        port_file = profile / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)
        base = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--no-default-browser-check", "--mute-audio",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
                "about:blank"]
        self.proc = subprocess.Popen(base, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"chromium did not open its DevTools port: {self.proc.communicate()[1][-1000:]}")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        import contextlib

        self.stack = contextlib.ExitStack()
        self.ws = self.stack.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=10))
        self.next_id = 0
        self.width = 1200

    def call(self, method: str, **params: object) -> dict[str, object]:
        import json

        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            reply = json.loads(self.ws.recv(timeout=60))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, object] = reply.get("result", {})
                return result

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"{expression}: {result['exceptionDetails']}")
        inner = result["result"]
        assert isinstance(inner, dict)
        return inner.get("value")

    def viewport(self, width: int, height: int) -> None:
        self.width = width
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=width < 600)

    def open(self, url: str, width: int, ready: str, timeout: float = 60) -> None:
        """Load ``url`` at ``width`` px and wait until the JavaScript condition ``ready`` holds twice in a row
        half a second apart (charts draw after the data arrives)."""
        import time

        self.viewport(width, 900)
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        streak = 0
        while streak < 2:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} at {width} px did not settle in {timeout} s")
            time.sleep(0.5)
            streak = streak + 1 if self.evaluate(ready) else 0

    def screenshot(self, out: Path, max_height: int = 8000) -> Path:
        """The whole page (the viewport grown to the content's height), as PNG."""
        import base64

        height = self.evaluate("Math.max(document.documentElement.scrollHeight, ...Array.from("
                               "document.querySelectorAll('[data-testid=stMain], [data-testid=stAppViewContainer]'),"
                               " e => e.scrollHeight))")
        assert isinstance(height, int | float)
        self.viewport(self.width, min(max_height, max(600, int(height))))
        data = self.call("Page.captureScreenshot", format="png")["data"]
        assert isinstance(data, str)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out

    def close(self) -> None:
        try:
            self.stack.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
