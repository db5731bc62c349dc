"""Run real Pantau crawls against the local server with test-sized timeouts and delays.

Only settings change between a test crawl and a production one: timeouts of seconds instead of
half a minute, backoff of tenths of a second, and the private-address guard exempting 127.0.0.0/8
(the test server) while still refusing every other private, loopback-v6 or link-local address.

Fixtures name outside URLs (a post's facebook.com permalink, a Bluesky avatar, X's problem-type
link): ``PANTAU_ONLY_NETWORKS`` refuses any request whose host is not on 127.0.0.0/8 before a DNS
lookup, and :func:`crawl` fails the test when the crawl log shows such a refusal, so no test crawl
ever tries to reach the outside, even where a refused request would not change what it asserts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawlers.middlewares.ssrf import OUTSIDE
from index.store import CrawlRun
from pantau import settings as pantau_settings
from pantau.crawl import run_crawl

TEST_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_START_DELAY": 0.0,
    "AUTOTHROTTLE_MAX_DELAY": 0.5,
    "DOWNLOAD_TIMEOUT": 2,
    "RETRY_TIMES": 1,
    "REDIRECT_MAX_TIMES": 5,
    "PANTAU_BACKOFF_BASE": 0.05,
    "PANTAU_BACKOFF_MAX": 0.5,
    "PANTAU_RETRY_AFTER_MAX": 1.5,
    "PANTAU_PRIVATE_EXEMPT_NETWORKS": ["127.0.0.0/8"],
    "PANTAU_ONLY_NETWORKS": ["127.0.0.0/8"],
    "PANTAU_PROGRESS_INTERVAL": 0.5,
    "LOG_LEVEL": "INFO",
}


def config(sources: list[dict[str, Any]], **crawl: Any) -> pantau_settings.Settings:
    return pantau_settings.from_mapping({"crawl": crawl, "sources": sources}, env={})


def crawl(
    sources: list[dict[str, Any]],
    store_url: str,
    state_dir: Path,
    *,
    overrides: dict[str, Any] | None = None,
    since: Any = None,
    **crawl_settings: Any,
) -> dict[str, CrawlRun]:
    cfg = config(sources, **crawl_settings)
    runs = run_crawl(
        cfg, store_url, since=since, state_dir=state_dir, overrides={**TEST_OVERRIDES, **(overrides or {})}, timeout=240
    )
    assert_stayed_local(state_dir / "last-crawl.log")
    return runs


def assert_stayed_local(log: Path) -> None:
    """Fail when the crawl tried to request a host outside 127.0.0.0/8 (refused, but asked for)."""
    marker = OUTSIDE.split("%s", 1)[1]
    outside = [line for line in log.read_text(encoding="utf-8").splitlines() if marker in line] if log.exists() else []
    assert not outside, "a test crawl asked for an outside URL:\n" + "\n".join(outside)
