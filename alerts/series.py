"""Hourly counts of a watch from the store's time-bucket query, dense and in the office's timezone.

Both backends answer ``Store.timeseries(filters, interval="hour", tz=...)`` with buckets
that start on local hours and omit empty ones; the detector wants one entry per hour,
zeros included, so that a quiet night is a fact and not a gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from index import Filters, Store

HOUR = timedelta(hours=1)


@dataclass(kw_only=True, frozen=True)
class Hourly:
    starts: list[datetime]  # local (tz-aware) hour starts, oldest first
    totals: np.ndarray  # scored articles: the share is over what the model has read
    negatives: np.ndarray
    articles: np.ndarray  # every article, scored or not: silence is about arrivals

    def last_article_end(self) -> datetime | None:
        """End of the newest hour that had an article, or None if the series is empty."""
        nonzero = np.flatnonzero(self.articles)
        return self.starts[int(nonzero[-1])] + HOUR if len(nonzero) else None

    def first_article(self) -> datetime | None:
        nonzero = np.flatnonzero(self.articles)
        return self.starts[int(nonzero[0])] if len(nonzero) else None

    def tail(self, hours: int) -> Hourly:
        """The newest ``hours`` hours of the series."""
        cut = max(0, len(self.starts) - hours)
        return Hourly(starts=self.starts[cut:], totals=self.totals[cut:], negatives=self.negatives[cut:],
                      articles=self.articles[cut:])

    def minus(self, other: Hourly) -> Hourly:
        """These counts less ``other``'s, hour by hour: every article minus public posts is the news series."""
        return Hourly(starts=self.starts, totals=self.totals - other.totals, negatives=self.negatives - other.negatives,
                      articles=self.articles - other.articles)


def hour_floor(moment: datetime, tz: str) -> datetime:
    local = moment.astimezone(ZoneInfo(tz))
    return local.replace(minute=0, second=0, microsecond=0)


def hourly(store: Store, filters: Filters, since: datetime, until: datetime, tz: str) -> Hourly:
    """Counts per hour in ``[since, until)`` (both on local hour boundaries), zeros filled in."""
    zone = ZoneInfo(tz)
    since, until = since.astimezone(zone), until.astimezone(zone)
    n = int((until - since) / HOUR)
    starts = [(since.astimezone(UTC) + i * HOUR).astimezone(zone) for i in range(n)]
    totals = np.zeros(n)
    negatives = np.zeros(n)
    articles = np.zeros(n)
    query = Filters(regions=filters.regions, topics=filters.topics, sources=filters.sources,
                    source_types=filters.source_types, platforms=filters.platforms,
                    sentiment=filters.sentiment, since=since, until=until)
    for bucket in store.timeseries(query, interval="hour", tz=tz):
        i = int((bucket.start - since) / HOUR)
        if 0 <= i < n:
            articles[i] += bucket.total
            totals[i] += bucket.total - bucket.counts.get("unscored", 0)
            negatives[i] += bucket.counts.get("negative", 0)
    return Hourly(starts=starts, totals=totals, negatives=negatives, articles=articles)
