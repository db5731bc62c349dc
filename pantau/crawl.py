"""``pantau crawl``: run the configured sources through the Scrapy crawlers into the store.

The crawl runs in a child process (``python -m crawlers.run``): Twisted's reactor cannot be
started twice in one process, and ``pantau watch`` crawls every hour. The child prints JSON
progress lines that are handed to ``progress`` (the CLI draws them), records one CrawlRun per
source in the store, and appends it to a result file that this function returns as a dict.
Stopping the crawl (SIGTERM or Ctrl-C) lets in-flight requests finish; the next run resumes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawlers import freshness
from index.store import CrawlRun
from pantau import platforms
from pantau.settings import Settings, SourceSettings

log = logging.getLogger(__name__)

ProgressFn = Callable[[dict[str, dict[str, int]]], None]


class CrawlError(RuntimeError):
    """The crawl process could not run (bad source names, crashed child)."""


def state_dir_for(store_url: str) -> Path:
    """Crawl state (resume queues) lives next to an SQLite store, else under ./pantau-data."""
    if store_url.startswith("sqlite:///"):
        return Path(store_url[len("sqlite:///") :]).resolve().parent / "crawl-state"
    return Path("pantau-data") / "crawl-state"


def scrapy_settings(settings: Settings) -> dict[str, Any]:
    """Translate ``[crawl]`` and ``[regions]`` from pantau.toml into Scrapy settings."""
    crawl = settings.crawl
    ua = crawl.user_agent if "+http" in crawl.user_agent else f"{crawl.user_agent} (+{crawl.contact_url})"
    return {
        "USER_AGENT": ua,
        "CONCURRENT_REQUESTS_PER_DOMAIN": min(2, crawl.concurrency_per_domain),
        "PANTAU_ALLOW_PRIVATE_ADDRESSES": crawl.allow_private_addresses,
        "DOWNLOAD_TIMEOUT": crawl.download_timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": max(1, crawl.max_bytes // 2),
        "PANTAU_WATCH_TERMS": json.dumps(settings.regions.watch_terms),
        "PANTAU_SEARCH_REGIONS": list(settings.regions.watch),
    }


def _select(all_sources: Iterable[SourceSettings], names: Iterable[str] | None) -> list[SourceSettings]:
    sources = list(all_sources)
    if names:
        wanted = list(names)
        known = {s.name for s in sources}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise CrawlError(f"unknown source(s) {', '.join(unknown)}; configured: {', '.join(sorted(known))}")
        return [s for s in sources if s.name in wanted]
    return [s for s in sources if s.enabled]


def build_job(
    settings: Settings,
    store_url: str,
    chosen: list[SourceSettings],
    since: date | datetime | None,
    state_dir: Path,
    result_file: Path,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The job file ``python -m crawlers.run`` reads.

    A ``since`` day starts at midnight in the office's timezone (``[regions] timezone``, WITA for Kaltim).
    """
    if since is not None:
        tz = ZoneInfo(settings.regions.timezone)
        if not isinstance(since, datetime):
            since = datetime.combine(since, time(0), tzinfo=tz)
        elif since.tzinfo is None:
            since = since.replace(tzinfo=tz)
    return {
        "store_url": store_url,
        "state_dir": str(state_dir),
        "result_file": str(result_file),
        "since": since.isoformat() if since else "",
        "sources": [asdict(s) for s in chosen],
        "settings": {**scrapy_settings(settings), **dict(overrides or {})},
    }


def run_crawl(
    settings: Settings,
    store_url: str,
    sources: Iterable[str] | None = None,
    since: date | datetime | None = None,
    *,
    progress: ProgressFn | None = None,
    state_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    timeout: float | None = None,
    env: Mapping[str, str] | None = None,
) -> dict[str, CrawlRun]:
    """Crawl the selected (or all enabled) sources; returns each source's CrawlRun.

    Without named ``sources``, a source with ``poll_every`` that was crawled less than that long
    ago is left out (``pantau watch --every 15m`` with a source polled hourly); a named source is
    always crawled. ``overrides`` are extra Scrapy settings (tests shorten timeouts and delays with them).
    An X or Meta source without a token (see :mod:`pantau.platforms`; ``env`` defaults to the process
    environment) is left out: nothing is requested, and ``pantau status`` says why.
    """
    chosen = _select(settings.sources, sources)
    environ = os.environ if env is None else env
    for src in chosen:
        reason = platforms.disabled_reason(asdict(src), environ)
        if reason:
            log.warning("source=%s not crawled: %s", src.name, reason)
    chosen = [s for s in chosen if not platforms.disabled_reason(asdict(s), environ)]
    if store_url.startswith("sqlite:///"):
        # The crawl child runs from the repository root: a relative path must mean the caller's directory.
        store_url = "sqlite:///" + str(Path(store_url[len("sqlite:///") :]).resolve())
    state = state_dir or state_dir_for(store_url)
    if not sources:
        chosen = _due_sources(chosen, state)
    if not chosen:
        return {}
    state.mkdir(parents=True, exist_ok=True)
    chosen, secrets = _tokens_out_of_job(chosen)
    with tempfile.TemporaryDirectory(prefix="pantau-crawl-") as tmp:
        result_file = Path(tmp) / "runs.jsonl"
        job = build_job(settings, store_url, chosen, since, state, result_file, overrides)
        job_file = Path(tmp) / "job.json"
        job_file.write_text(json.dumps(job), encoding="utf-8")
        log_file = state / "last-crawl.log"
        with (
            log_file.open("w", encoding="utf-8") as log_fh,
            subprocess.Popen(
                [sys.executable, "-m", "crawlers.run", str(job_file)],
                stdout=subprocess.PIPE,
                stderr=log_fh,
                text=True,
                cwd=str(Path(__file__).resolve().parents[1]),
                env={**os.environ, **dict(env or {}), **secrets, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
                     "PANTAU_PARENT_PID": str(os.getpid())},
            ) as proc,
        ):
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    if progress is not None and line.startswith("{"):
                        with contextlib.suppress(ValueError):
                            progress(json.loads(line).get("progress", {}))
                code = proc.wait(timeout=timeout)
            except BaseException:
                # Ctrl-C or a timeout here: stop the child gracefully so its queue is saved for resume.
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
                raise
        if code == 4:
            raise CrawlError(f"another crawl of this store is still running (lock in {state})")
        if code not in (0, 3):
            tail = log_file.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise CrawlError(f"crawl process exited with code {code}; log {log_file}:\n{tail}")
        runs: dict[str, CrawlRun] = {}
        if result_file.exists():
            for line in result_file.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    run = CrawlRun.from_dict(json.loads(line))
                    runs[run.source] = run
        freshness.record_polls(state, {name: run.started_at for name, run in runs.items()})
        return runs


def _tokens_out_of_job(chosen: list[SourceSettings]) -> tuple[list[SourceSettings], dict[str, str]]:
    """Sources whose token is written in pantau.toml, rewritten to name an environment variable of the
    crawl child instead, and those variables: a token never sits in the job file on disk."""
    secrets: dict[str, str] = {}
    out: list[SourceSettings] = []
    for i, src in enumerate(chosen):
        if src.token:
            var = f"PANTAU_SOURCE_TOKEN_{i}"
            secrets[var] = src.token
            src = replace(src, token="", token_env=var)
        out.append(src)
    return out, secrets


def _due_sources(chosen: list[SourceSettings], state: Path) -> list[SourceSettings]:
    """The sources whose ``poll_every`` has passed since their last crawl (or that have none)."""
    from pantau.app.job import parse_every  # pantau.app.job imports this module

    intervals = {s.name: parse_every(s.poll_every) for s in chosen if s.poll_every}
    if not intervals:
        return chosen
    waiting = {name: when for name, when in freshness.due(state, intervals).items() if when is not None}
    for name, when in waiting.items():
        log.info("source=%s not due until %s (poll_every)", name, when.isoformat(timespec="seconds"))
    return [s for s in chosen if s.name not in waiting]
