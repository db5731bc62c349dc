"""Retries with per-domain backoff that honour ``Retry-After``.

Scrapy's own retry re-queues a failed request at once. Pantau slows the whole domain instead:
on 429 or 503 the domain's download delay becomes the server's ``Retry-After`` (capped at
``PANTAU_RETRY_AFTER_MAX``, counted when capped); on 403, 429 and 5xx it doubles from
``PANTAU_BACKOFF_BASE`` up to ``PANTAU_BACKOFF_MAX``. The delay lives on the downloader slot, so it
spaces every later request to that domain, and AutoThrottle eases it back down as 200s return.

APIs also say ahead of time when a client has spent its window: ``X-RateLimit-Remaining: 0``
with ``X-RateLimit-Reset`` (Mastodon sends an ISO 8601 time, others epoch seconds or seconds
left), X's ``x-rate-limit-remaining`` / ``x-rate-limit-reset`` (epoch seconds) and Bluesky's
``ratelimit-remaining`` / ``ratelimit-reset`` (epoch seconds). The Meta Graph API instead reports
how much of its quota is used, as JSON percentages in ``x-app-usage`` (``call_count``,
``total_time``, ``total_cputime``) and ``x-business-use-case-usage`` (the same per business object,
plus ``estimated_time_to_regain_access`` in minutes); at 100 % the quota is spent. On any response
that spends the window, the domain waits until the reset (capped like ``Retry-After``, counted as
``pantau/ratelimit_waits``) instead of running into a 429 or a Graph error 4/17/32.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response

from crawlers import stats

# (remaining, reset) header pairs: Mastodon and most REST APIs, X, and the IETF draft Bluesky follows.
WINDOW_HEADERS = (
    (b"X-RateLimit-Remaining", b"X-RateLimit-Reset"),
    (b"x-rate-limit-remaining", b"x-rate-limit-reset"),
    (b"RateLimit-Remaining", b"RateLimit-Reset"),
)
USAGE_HEADERS = (b"x-app-usage", b"x-business-use-case-usage")

log = logging.getLogger(__name__)


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """``Retry-After`` is either delta-seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def meta_usage(headers: list[str]) -> tuple[float, float | None]:
    """The highest usage percentage in Meta's usage headers and, if one says, the seconds until access
    returns (``estimated_time_to_regain_access``, in minutes). Unreadable JSON counts as no usage."""
    highest, regain = 0.0, None
    for value in headers:
        try:
            data = json.loads(value)
        except ValueError:
            continue
        blocks = [data] if isinstance(data, dict) and "call_count" in data else []
        if isinstance(data, dict):
            for entries in data.values():
                if isinstance(entries, list):
                    blocks.extend(e for e in entries if isinstance(e, dict))
        for block in blocks:
            for key in ("call_count", "total_time", "total_cputime"):
                number = block.get(key)
                if isinstance(number, int | float) and not isinstance(number, bool):
                    highest = max(highest, float(number))
            minutes = block.get("estimated_time_to_regain_access")
            if isinstance(minutes, int | float) and not isinstance(minutes, bool) and minutes > 0:
                regain = max(regain or 0.0, float(minutes) * 60)
    return highest, regain


def reset_seconds(value: str, now: datetime) -> float | None:
    """``X-RateLimit-Reset`` as seconds from ``now``: an ISO 8601 time, epoch seconds, or seconds left."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - now).total_seconds())
    if number > 1_000_000_000:  # epoch seconds
        return max(0.0, number - now.timestamp())
    return max(0.0, number)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        s = crawler.settings
        self.retry_after_max = s.getfloat("PANTAU_RETRY_AFTER_MAX")
        self.base = s.getfloat("PANTAU_BACKOFF_BASE")
        self.max = s.getfloat("PANTAU_BACKOFF_MAX")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def _slow_domain(self, request: Request, delay: float) -> None:
        engine = self.crawler.engine
        if engine is None:
            return
        downloader = engine.downloader
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None and delay > slot.delay:
            log.info("backoff domain=%s delay=%.2fs (was %.2fs)", key, delay, slot.delay)
            slot.delay = delay
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("pantau/backoff_events")

    def _window_wait(self, response: Response) -> float | None:
        """Seconds to wait because the response spent the API's window; ``None`` when it did not."""
        for remaining_name, reset_name in WINDOW_HEADERS:
            remaining = (response.headers.get(remaining_name) or b"").decode("latin-1").strip()
            if remaining == "0":
                reset = reset_seconds((response.headers.get(reset_name) or b"").decode("latin-1"), datetime.now(UTC))
                return self.base if reset is None else reset
        usage = [v.decode("latin-1") for name in USAGE_HEADERS for v in response.headers.getlist(name)]
        if usage:
            highest, regain = meta_usage(usage)
            if highest >= 100:
                return self.retry_after_max if regain is None else regain
        return None

    def _spent_window(self, request: Request, response: Response) -> None:
        wait = self._window_wait(response)
        if wait is None:
            return
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("pantau/ratelimit_waits")
        if wait > self.retry_after_max:
            stats.inc(self.crawler.stats, "retry_after_capped")
        log.info("rate limit spent url=%s waiting=%.2fs", request.url, min(wait, self.retry_after_max))
        self._slow_domain(request, min(wait, self.retry_after_max))

    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        self._spent_window(request, response)
        status = response.status
        if status in (403, 429) or status >= 500:
            engine = self.crawler.engine
            current = 0.0
            if engine is not None:
                slot = engine.downloader.slots.get(engine.downloader.get_slot_key(request))
                current = slot.delay if slot is not None else 0.0
            delay = min(self.max, max(self.base, current * 2))
            header = response.headers.get(b"Retry-After")
            if header is not None and status in (429, 503):
                wanted = retry_after_seconds(header.decode("latin-1"), datetime.now(UTC))
                if wanted is not None:
                    if wanted > self.retry_after_max:
                        assert self.crawler.stats is not None
                        stats.inc(self.crawler.stats, "retry_after_capped")
                    delay = max(delay, min(wanted, self.retry_after_max))
            self._slow_domain(request, delay)
        return super().process_response(request, response)
