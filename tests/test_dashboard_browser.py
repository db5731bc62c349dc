"""Every dashboard page as a PR officer's browser shows it: a real ``pantau dashboard`` server on a
populated SQLite store, loaded in Debian's headless Chromium at desktop (1400 px) and phone (400 px)
width. Screenshots are kept under build/test-artifacts/dashboard/ for a person to look at; the
assertions read the DOM that Chromium built (what the officer sees, not what the app meant to send).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from index.sqlite import SqliteStore
from index.store import CrawlRun
from tests.alerts_world import WITA, coverage
from tests.browser import ARTIFACTS, Browser, chromium, png_size_and_colours
from tests.dashboard_world import CONFIG, FROM, HOSTILE_BODY, HOSTILE_TITLE, TO, build_with_posts
from tests.test_dashboard_cli import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
OUT = ARTIFACTS / "dashboard"
WIDTHS = (1400, 400)

# Done: the script finished, nothing is loading, and every chart has drawn its canvas or SVG.
READY = """(() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid=stSkeleton], [data-testid=stSpinner]')) return false;
  if (!document.querySelector('[data-testid=stMainBlockContainer] [data-testid=stElementContainer]')) return false;
  return Array.from(document.querySelectorAll('.vega-embed')).every(e => e.querySelector('canvas, svg'));
})()"""

PAGES = {
    "pagi-ini": ("/?" + urlencode({"from": FROM, "to": TO}),
                 ["Pagi ini", "Kota Samarinda", "Kota Balikpapan", "Volume", "Negatif", "Peringatan",
                  "Banjir rendam ratusan rumah di Samarinda", "Tren sentimen", "Topik"]),
    "cari": ("/cari?q=banjir", ["Cari", "16 artikel", "Unduh CSV"]),  # 13 news, 3 public posts
    "cari-posts": ("/cari?source_type=social", ["Cari", "3 artikel", "Media sosial", "YouTube @tvkaltim",
                                                "Mastodon @wargasamarinda", "120 · ", "14 · ", "3,4 rb",
                                                "15,3 rb"]),
    "peringatan": ("/peringatan", ["Peringatan", "Kota Samarinda", "berita negatif dari"]),
    "artikel": ("/artikel?id=hostile", ["Artikel", HOSTILE_TITLE, HOSTILE_BODY]),
    "sumber": ("/sumber", ["Sumber", "antara-kaltim", "tribun-kaltim-0", "pupr-samarinda", "baik", "senyap",
                           "lebih lama dari jeda biasanya"]),
}


@contextlib.contextmanager
def serving(tmp: Path, store_url: str) -> Iterator[str]:
    """``pantau dashboard`` on a free loopback port over ``store_url``; yields its base URL."""
    (tmp / "pantau.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env.update(PANTAU_STORE=store_url, PANTAU_CONFIG=str(tmp / "pantau.toml"), PYTHONPATH=str(ROOT))
    with open(tmp / "server.log", "w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "pantau.cli", "dashboard", "--port", str(port)], cwd=tmp,
                                env=env, stdout=subprocess.DEVNULL, stderr=log_file, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp / "server.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "pantau dashboard did not answer within 60 s"
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    chromium()  # skip (or fail in CI) before building anything when there is no browser
    tmp = tmp_path_factory.mktemp("dash-browser")
    url = build_with_posts(tmp / "pantau.db")
    now = datetime.now(WITA)  # Sumber judges arrivals against today: one steady source, one gone quiet
    with SqliteStore(url) as store:
        store.upsert(coverage("64.02", end=now, per_day=20, source="antara-kaltim")
                     + coverage("64.72", end=now, per_day=12, source="pupr-samarinda", seed=3,
                                silent_from=now - timedelta(days=3)))
        store.record_crawl(CrawlRun(source="antara-kaltim", started_at=now - timedelta(minutes=20),
                                    finished_at=now - timedelta(minutes=15), fetched=30, new=4,
                                    errors={"http_404": 1}))
    with serving(tmp, url) as base:
        yield base
    log = (tmp / "server.log").read_text()
    assert "Traceback" not in log, log[-3000:]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[Browser]:
    b = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def body_text(browser: Browser) -> str:
    """What the page shows: its text plus the cells of tables (drawn on a canvas, mirrored for screen readers)."""
    text = browser.evaluate("document.body.innerText + '\\n' + Array.from(document.querySelectorAll("
                            "'[data-testid=stDataFrame] table td, [data-testid=stDataFrame] table th'))"
                            ".map(e => e.textContent).join('\\n')")
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_in_chromium(server: str, browser: Browser, name: str, width: int) -> None:
    path, expected = PAGES[name]
    browser.open(server + path, width, READY, timeout=120)  # the first Artikel imports the topic model
    shot = browser.screenshot(OUT / f"{name}-{width}.png")
    w, h, colours = png_size_and_colours(shot)
    assert w == width and h >= 600 and colours > 20  # drawn, not blank
    text = body_text(browser)
    assert browser.evaluate("document.querySelectorAll('[data-testid=stException]').length") == 0
    for word in ("Traceback", "Exception", "Error:"):
        assert word not in text, f"{name}: {word!r} on the page"
    missing = [e for e in expected if e not in text]
    assert not missing, f"{name} at {width} px lacks {missing}: {text[:2000]}"
    # Nothing runs off the right edge: not the page, not a chart.
    overflow = browser.evaluate("""Array.from(document.querySelectorAll(
        '[data-testid=stMainBlockContainer] .vega-embed, [data-testid=stMainBlockContainer] [data-testid=stMetric]'))
        .map(e => Math.round(e.getBoundingClientRect().right)).filter(r => r > window.innerWidth + 1)""")
    assert overflow == [], f"{name} at {width} px: elements end at {overflow}, past {width} px"
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    clipped = browser.evaluate("""Array.from(document.querySelectorAll('[data-testid=stMainBlockContainer] p'))
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)""")
    assert clipped == [], f"{name} at {width} px cuts off {clipped}"


def test_hostile_article_is_inert_text_in_the_dom_chromium_built(server: str, browser: Browser) -> None:
    browser.open(server + "/artikel?id=hostile", 1400, READY)
    injected = browser.evaluate("""({
        scripts: Array.from(document.scripts).filter(s => s.textContent.includes('alert(')).length,
        imgs: document.querySelectorAll('img[src="x"], [onerror]').length,
        bold: Array.from(document.querySelectorAll('[data-testid=stMainBlockContainer] b, '
                                                   + '[data-testid=stMainBlockContainer] strong'))
              .filter(e => ['bold', 'tebal'].includes(e.textContent)).length,
        links: document.querySelectorAll('a[href^="javascript:"]').length,
    })""")
    assert injected == {"scripts": 0, "imgs": 0, "bold": 0, "links": 0}
    text = body_text(browser)
    assert HOSTILE_TITLE in text and HOSTILE_BODY in text  # the literal markup is what the officer reads
    # The same title in a search result link on Cari stays literal too.
    browser.open(server + "/cari?q=script", 1400, READY)
    assert browser.evaluate("document.querySelectorAll('a[href^=\"javascript:\"], img[src=\"x\"]').length") == 0
    assert HOSTILE_TITLE in body_text(browser)


def test_cari_csv_streams_the_whole_result_from_the_link_the_page_shows(server: str, browser: Browser) -> None:
    browser.open(server + "/cari?q=banjir", 1400, READY)
    href = browser.evaluate("""Array.from(document.querySelectorAll('a'))
        .filter(a => a.textContent.includes('Unduh CSV')).map(a => a.href)""")
    assert isinstance(href, list) and len(href) == 1, href
    with urllib.request.urlopen(href[0], timeout=30) as resp:
        assert resp.headers["Transfer-Encoding"] == "chunked"  # streamed, no length known up front
        assert resp.headers["Content-Type"].startswith("text/csv")
        assert resp.headers["Content-Disposition"].startswith('attachment; filename="pantau-cari-')
        rows = list(csv.reader(io.StringIO(resp.read().decode("utf-8"))))
    assert rows[0][:4] == ["id", "published_at", "source", "title"]
    assert len(rows) == 1 + 16 and len({r[0] for r in rows[1:]}) == 16  # "16 artikel", each once
    assert HOSTILE_TITLE in [r[3] for r in rows]
    post = {name: value for name, value in zip(rows[0], next(r for r in rows if "mastodon" in r), strict=True)}
    # A cell starting with @ would run in a spreadsheet, so the handle is quoted like any such cell.
    assert (post["source_type"], post["handle"], post["likes"], post["views"]) == ("social", "'@wargasamarinda",
                                                                                   "120", "")
    forged = href[0].replace("sig=", "sig=0")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=30)
    assert refused.value.code == 403 and "tidak sah" in refused.value.read().decode("utf-8")


def test_a_damaged_store_is_one_clear_message_without_a_traceback(tmp_path: Path, browser: Browser) -> None:
    damaged = tmp_path / "rusak.db"
    damaged.write_bytes(b"not a database: a disk that filled up mid-write " * 100)
    with serving(tmp_path, f"sqlite:///{damaged}") as base:
        for path in ("/", "/cari?q=banjir", "/sumber"):
            browser.open(base + path, 1400, READY)
            text = body_text(browser)
            assert "tidak dapat dibuka" in text and "rusak.db" in text, text[:1500]
            assert browser.evaluate("document.querySelectorAll('[data-testid=stException]').length") == 0
            assert "Traceback" not in text and ".py" not in text, text[:1500]
