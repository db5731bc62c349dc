"""Run one crawl of several sources in this process: ``python -m crawlers.run JOB.json``.

``pantau crawl`` starts this as a subprocess (Twisted's reactor cannot be restarted, and
``pantau watch`` crawls again every hour). The job file names the store, the sources (their
``[[sources]]`` tables), ``since``, Scrapy setting overrides and a state directory. Each source
gets its own crawler and its own ``JOBDIR`` under ``<state>/jobs/<source>``: a crawl stopped with
SIGTERM (or one Ctrl-C) finishes the requests in flight, writes its pending queue there and exits;
the next run of the same source resumes from it, so nothing is fetched twice and nothing is lost.
A source whose crawl finished normally has its JOBDIR removed, so the next crawl starts fresh.

While running it prints one JSON progress line per ``PANTAU_PROGRESS_INTERVAL`` seconds on
stdout, and each source's final CrawlRun is appended to the result file.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.project import get_project_settings
from twisted.internet import task

from crawlers import runstate
from crawlers.spiders.bluesky import BlueskySpider
from crawlers.spiders.listing import ListingSpider
from crawlers.spiders.meta import FacebookSpider, InstagramSpider
from crawlers.spiders.rss import FeedSpider
from crawlers.spiders.search import SearchSpider
from crawlers.spiders.sitemap import SitemapSpider
from crawlers.spiders.social import MastodonSpider, TelegramSpider
from crawlers.spiders.x import XSpider
from crawlers.spiders.youtube import YoutubeSpider
from pantau import platforms

log = logging.getLogger(__name__)
SPIDERS = {
    "rss": FeedSpider,
    "sitemap": SitemapSpider,
    "listing": ListingSpider,
    "search": SearchSpider,
    "telegram": TelegramSpider,
    "mastodon": MastodonSpider,
    "youtube": YoutubeSpider,
    "bluesky": BlueskySpider,
    "x": XSpider,
    "facebook": FacebookSpider,
    "instagram": InstagramSpider,
}
_COUNTED = ("fetched", "new", "updated", "duplicate")


def job_dir(state_dir: Path, source: str) -> Path:
    return state_dir / "jobs" / re.sub(r"[^A-Za-z0-9_.-]+", "_", source)


def _progress(crawlers: list[Crawler]) -> None:
    line: dict[str, dict[str, int]] = {}
    for c in crawlers:
        if c.stats is None or c.spider is None:
            continue
        st = c.stats.get_stats()
        row = {k: int(st.get(f"pantau/{k}", 0)) for k in _COUNTED}
        for kind in ("errors", "blocked", "dropped", "skipped"):
            row[kind] = sum(int(v) for k, v in st.items() if k.startswith(f"pantau/{kind}/"))
        line[str(getattr(c.spider, "source_name", c.spider.name))] = row
    print(json.dumps({"progress": line}), flush=True)


def run(job: dict[str, Any], env: dict[str, str] | None = None) -> int:
    state_dir = Path(job["state_dir"])
    base = get_project_settings()
    base.setmodule("crawlers.settings", priority="project")
    base.update(job.get("settings", {}), priority="cmdline")
    base.set("PANTAU_STORE_URL", job["store_url"], priority="cmdline")
    base.set("PANTAU_SINCE", job.get("since") or "", priority="cmdline")
    base.set("PANTAU_RESULT_FILE", job["result_file"], priority="cmdline")
    base.set("PANTAU_STATE_DIR", str(state_dir), priority="cmdline")
    process = CrawlerProcess(base)
    crawlers: list[Crawler] = []
    for i, source in enumerate(job["sources"]):
        spidercls = SPIDERS[source["type"]]
        settings = base.copy()
        jobdir = job_dir(state_dir, source["name"])
        jobdir.mkdir(parents=True, exist_ok=True)
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
        settings.set("PANTAU_SOURCE", json.dumps(source), priority="cmdline")
        # The token stays in this process's memory: read from the variable the source names, never the job file.
        token = platforms.token(source, os.environ if env is None else env)
        settings.set("PANTAU_API_TOKEN", token, priority="cmdline")
        crawler = Crawler(spidercls, settings, init_reactor=(i == 0))
        crawlers.append(crawler)
        process.crawl(crawler)
    interval = base.getfloat("PANTAU_PROGRESS_INTERVAL", 2.0)
    ticker = task.LoopingCall(_progress, crawlers)
    ticker.start(interval, now=False)
    process.start()
    if ticker.running:
        ticker.stop()
    _progress(crawlers)
    interrupted = False
    for crawler, source in zip(crawlers, job["sources"], strict=True):
        reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
        if reason == "finished":
            shutil.rmtree(job_dir(state_dir, source["name"]), ignore_errors=True)
        else:
            interrupted = True
            log.warning("source=%s stopped reason=%s; its queue is kept for resume", source["name"], reason)
    runstate.close_all()
    return 3 if interrupted else 0


def _die_with_parent() -> None:
    """Get SIGTERM when the ``pantau`` process that started this crawl dies, even by SIGKILL, so an
    orphan never keeps crawling next to its parent's successor (SIGTERM saves the queue and exits)."""
    parent = int(os.environ.get("PANTAU_PARENT_PID", "0") or 0)
    if not parent or sys.platform != "linux":
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above took effect
        sys.exit(3)


def _hold_state(state_dir: Path, wait_s: float = 300.0) -> int:
    """Take the state directory's lock, waiting for an earlier crawl that is still saving its queue.

    A crawl whose parent was killed gets SIGTERM (see ``pantau.crawl``) and needs a moment to
    write its queue; the next crawl of the same store must not read that queue half-written.
    The kernel drops the lock when the holder dies, however it dies.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / "crawl.lock", os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                print(f"another crawl holds {state_dir / 'crawl.lock'}", file=sys.stderr)
                sys.exit(4)
            time.sleep(0.2)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        job = json.load(fh)
    _die_with_parent()
    _hold_state(Path(job["state_dir"]))
    sys.exit(run(job))


if __name__ == "__main__":
    main()
