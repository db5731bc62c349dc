"""The private-address guard holds at connection time, and the per-domain limit holds across sources.

DNS rebinding needs a name whose answer changes between two lookups, which no local server can
produce; the crawl child here runs with a patched resolver function (public address on the first
lookup, 127.0.0.1 on every later one) and nothing else changed. With Scrapy's stock resolver the
second answer reaches the test server; with Pantau's it never does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from pantau import settings as pantau_settings
from pantau.crawl import build_job
from tests.crawlserver import CrawlServer
from tests.crawlserver.harness import TEST_OVERRIDES, crawl

REPO = Path(__file__).resolve().parents[1]
HOST = "rebind.pantau.test"
RUNNER = """
import socket, sys, threading, json
host, first, second, counter = sys.argv[2:6]
lock = threading.Lock()
calls = []
real_gai, real_ghbn = socket.getaddrinfo, socket.gethostbyname

def answer():
    with lock:
        calls.append(1)
        n = len(calls)
    with open(counter, "w") as fh:
        json.dump(n, fh)
    return first if n == 1 else second

def getaddrinfo(name, *args, **kwargs):
    return real_gai(answer() if name == host else name, *args, **kwargs)

def gethostbyname(name):
    return answer() if name == host else real_ghbn(name)

socket.getaddrinfo, socket.gethostbyname = getaddrinfo, gethostbyname
sys.argv = sys.argv[:2]
from crawlers.run import main
main()
"""


def _rebinding_crawl(tmp: Path, port: int, overrides: dict[str, Any]) -> tuple[dict[str, Any], int]:
    cfg = pantau_settings.from_mapping(
        {"sources": [{"name": "rebind", "type": "rss", "url": f"http://{HOST}:{port}/cnn/rss.xml"}]}, env={}
    )
    # The test's own name must reach the resolver, so the 127.0.0.0/8 fence is off here; the patched
    # resolver answers it without DNS, and no connection leaves this machine (the first answer is only
    # checked, the connection goes to the second, 127.0.0.1, or is refused).
    settings = {**TEST_OVERRIDES, "PANTAU_PRIVATE_EXEMPT_NETWORKS": [], "PANTAU_ONLY_NETWORKS": [], "RETRY_TIMES": 0,
                **overrides}
    job = build_job(cfg, f"sqlite:///{tmp / 'p.db'}", cfg.sources, None, tmp / "state", tmp / "runs.jsonl", settings)
    (tmp / "job.json").write_text(json.dumps(job), encoding="utf-8")
    (tmp / "runner.py").write_text(RUNNER, encoding="utf-8")
    subprocess.run(
        [sys.executable, str(tmp / "runner.py"), str(tmp / "job.json"), HOST, "93.184.216.34", "127.0.0.1",
         str(tmp / "lookups.json")],
        cwd=REPO, check=True, timeout=120, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    run = json.loads((tmp / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
    return run, int(json.loads((tmp / "lookups.json").read_text(encoding="utf-8")))


def test_dns_rebinding_between_check_and_connect_is_refused(tmp_path: Path) -> None:
    with CrawlServer() as srv:
        (tmp_path / "stock").mkdir()
        stock, lookups = _rebinding_crawl(
            tmp_path / "stock", srv.port, {"TWISTED_DNS_RESOLVER": "scrapy.resolver.CachingThreadedResolver"}
        )
        # The check saw the public address; the connection went to the second answer, the local server.
        # (The feed's own links name 127.0.0.1 outright, so the middleware refuses those before any lookup.)
        assert lookups >= 2
        assert srv.hits("/robots.txt") == 1 and srv.hits("/cnn/rss.xml") == 1
        assert stock["fetched"] == 0 and stock["blocked"] >= 1, stock
        srv.reset_hits()
        (tmp_path / "guarded").mkdir()
        guarded, lookups = _rebinding_crawl(tmp_path / "guarded", srv.port, {})
        assert lookups >= 2
        assert srv.hits() == 0
        assert guarded["fetched"] == 0 and guarded["blocked"] >= 1, guarded
        assert "dns" not in guarded["errors"]


def _sources(base: str) -> list[dict[str, object]]:
    return [
        {"name": "cnn", "type": "rss", "url": base + "/cnn/rss.xml"},
        {"name": "detik", "type": "rss", "url": base + "/detik/atom.xml"},
        {"name": "tribun", "type": "rss", "url": base + "/tribunkaltim/rdf.xml"},
    ]


def test_per_domain_limit_holds_across_sources_on_one_domain(tmp_path: Path) -> None:
    """Three sources on one host, slow pages: never more than 2 requests in flight to it at once."""
    fast = {"AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"}
    with CrawlServer(page_delay=0.25) as srv:
        runs = crawl(_sources(srv.base), f"sqlite:///{tmp_path / 'a.db'}", tmp_path / "a", overrides=fast)
        assert sum(r.fetched for r in runs.values()) >= 30
        assert srv.max_in_flight == 2
        # The same crawl without the shared limit: each source's crawler keeps its own 2.
        srv.max_in_flight = 0
        unlimited = {**fast, "PANTAU_SHARED_DOMAIN_LIMIT": False}
        crawl(_sources(srv.base), f"sqlite:///{tmp_path / 'b.db'}", tmp_path / "b", overrides=unlimited)
        assert srv.max_in_flight > 2
