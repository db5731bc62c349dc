"""The demo's settings: ``demo/pantau-demo.toml`` with the replay server's URL and the run's store filled in.

The template is a real ``pantau.toml`` (validated by :func:`pantau.settings.from_mapping`), so the demo
exercises the same configuration path an office uses. Placeholders are replaced as plain text, not with
``str.format``, because the sources' ``link_pattern`` regular expressions hold braces.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from demo import corpus
from pantau.settings import Settings, from_mapping

TEMPLATE = Path(__file__).resolve().parent / "pantau-demo.toml"

# Scrapy settings for crawling the replay: everything is on 127.0.0.1, so the politeness delays that protect a
# real outlet (0.5 s between requests, AutoThrottle) would only make the demo slow. Pass them to
# pantau.crawl.run_crawl(overrides=...). Timeouts stay finite.
CRAWL_OVERRIDES: dict[str, Any] = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_TIMEOUT": 10,
    "RETRY_TIMES": 1,
    "PANTAU_BACKOFF_BASE": 0.1,
    "PANTAU_BACKOFF_MAX": 1.0,
    "PANTAU_RETRY_AFTER_MAX": 2.0,
    "PANTAU_PROGRESS_INTERVAL": 0.5,
    "PANTAU_ONLY_NETWORKS": ["127.0.0.0/8"],  # the demo never leaves this machine, whatever a page links to
}


def _pages(outlet: str, per_page: int) -> int:
    return max(1, math.ceil(sum(1 for r in corpus.load() if r.outlet == outlet) / per_page))


def toml_text(
    base_url: str,
    store_url: str,
    *,
    smtp_port: int = 8025,
    dashboard_url: str = "http://127.0.0.1:8501",
) -> str:
    """The demo's pantau.toml for a replay at ``base_url`` (``http://127.0.0.1:PORT``, no trailing slash)."""
    from demo.replay import OUTLETS

    text = TEMPLATE.read_text(encoding="utf-8")
    values = {
        "{base}": base_url.rstrip("/"),
        "{store_url}": store_url,
        "{smtp_port}": str(smtp_port),
        "{dashboard_url}": dashboard_url,
        "{kompas_pages}": str(_pages("kompas", OUTLETS["kompas"].per_page)),
        "{pupr_pages}": str(_pages("pupr", OUTLETS["pupr"].per_page)),
    }
    for key, value in values.items():
        text = text.replace(key, value)
    return text


def settings(
    base_url: str,
    store_url: str,
    *,
    smtp_port: int = 8025,
    dashboard_url: str = "http://127.0.0.1:8501",
) -> Settings:
    """Validated Settings for the demo (``PANTAU_STORE`` is not consulted: the caller chose ``store_url``)."""
    text = toml_text(base_url, store_url, smtp_port=smtp_port, dashboard_url=dashboard_url)
    return from_mapping(tomllib.loads(text), path=str(TEMPLATE), env={})
