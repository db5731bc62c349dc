"""One detection pass over the store: every watch, every window, plus silence.

The store is asked for hourly counts (one time-bucket query per watch) over the baseline
plus the longest window, in the office's timezone. Windows end at the last full hour
before ``now``, so a run at 07:20 judges 01:00-07:00 for a 6-hour window: a half-filled
hour would look like a drop. The time-of-day and weekday rhythm is fitted once per pass
on the pooled coverage of all watched regions.

Region and topic watches are judged twice: on news (every article but public posts) and,
when the watched regions have any public posts in the period, on posts alone, each series
with its own rhythm, baseline and history start. The news series is every article less
the posts, so a store without posts is judged exactly as before they existed, on the
same counts from the same queries.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from alerts.detect import (
    DetectorConfig,
    Profile,
    Verdict,
    evaluate,
    fit_profile,
    severity_rank,
)
from alerts.series import HOUR, Hourly, hour_floor, hourly
from alerts.watch import Watch, roots
from index import Filters, Store
from pantau.settings import Settings

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class Condition:
    """A watch that alerts now: a spike (with its strongest window) or a silence."""

    watch: Watch
    kind: str  # spike | no_data
    severity: str
    verdict: Verdict | None = None
    windows: list[dict[str, Any]] = field(default_factory=list)
    silent_hours: float = 0.0
    normal_gap_hours: float = 0.0
    last_article: datetime | None = None
    chart: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.watch.key}#{self.kind}"


def detector_config(cfg: Settings) -> DetectorConfig:
    a = cfg.alerts
    return DetectorConfig(baseline_days=a.baseline_days, min_count=a.min_count, min_increase=a.min_increase,
                          min_ratio=a.min_ratio, alpha=a.alpha)


def watches(store: Store, cfg: Settings, since: datetime, until: datetime) -> list[Watch]:
    """Regions, topics and the region x topic pairs with volume enough, then enabled sources."""
    out = [Watch(kind="region", region=code, source_type="news") for code in cfg.regions.watch]
    scope = roots(cfg.regions.watch)
    if cfg.alerts.topics or cfg.alerts.region_topics:
        facets = store.facets("", Filters(regions=scope, since=since, until=until), fields=("topics",), size=100)
        topics = sorted(facets.get("topics", {}))
        if cfg.alerts.topics:
            out += [Watch(kind="topic", topic=t, scope=scope, source_type="news") for t in topics]
        if cfg.alerts.region_topics:
            need = cfg.alerts.region_topic_min_daily * cfg.alerts.baseline_days
            for code in cfg.regions.watch:
                per = store.facets("", Filters(regions=(code,), since=since, until=until), fields=("topics",),
                                   size=100).get("topics", {})
                out += [Watch(kind="region_topic", region=code, topic=t, source_type="news")
                        for t, n in sorted(per.items()) if n >= need]
    out += [Watch(kind="source", source=s.name) for s in cfg.sources if s.enabled]
    return out


def _chart(series: Hourly, window: int, bars: int = 8) -> list[dict[str, Any]]:
    """The last ``bars`` windows of this length, newest last: what the email's bar chart shows."""
    out = []
    n = len(series.starts)
    for k in range(bars - 1, -1, -1):
        hi = n - k * window
        lo = hi - window
        if lo < 0:
            continue
        out.append({"start": series.starts[lo].isoformat(), "total": int(series.totals[lo:hi].sum()),
                    "negative": int(series.negatives[lo:hi].sum())})
    return out


def judge_spike(w: Watch, series: Hourly, profile: Profile, cfg: Settings, det: DetectorConfig,
                history_start: datetime | None) -> Condition | None:
    """The strongest alerting window of a watch, if any.

    ``history_start`` is when the store's watched coverage begins, not this watch's first
    article: two weeks without a single flood story is a baseline of zero floods, and the
    first flood spike must be able to alert.
    """
    weights = profile.weights(series.starts)
    baseline = int(timedelta(days=det.baseline_days) / HOUR)
    n = len(series.starts)
    verdicts: list[Verdict] = []
    for hours in sorted(set(cfg.alerts.windows_hours)):
        history = 0 if history_start is None else max(0, int((series.starts[-hours] - history_start) / HOUR))
        # The level and share come from the baseline; the overdispersion from at least
        # ``dispersion_blocks`` windows of history where the store has them (daily windows).
        lo = max(0, n - hours - max(baseline, min(det.dispersion_blocks * hours, history)))
        tail = slice(lo, None)
        verdicts.append(evaluate(series.totals[tail], series.negatives[tail], weights[tail], hours, det,
                                 window_start=series.starts[-hours], window_end=series.starts[-1] + HOUR,
                                 baseline_buckets=history, level_buckets=baseline))
    alerting = [v for v in verdicts if v.alerting]
    if not alerting:
        return None
    best = max(alerting, key=lambda v: (severity_rank(v.severity), -min(v.p_volume, v.p_share)))
    hours = int((best.window_end - best.window_start) / HOUR)
    return Condition(watch=w, kind="spike", severity=best.severity, verdict=best,
                     windows=[v.to_dict() for v in verdicts], chart=_chart(series, hours))


def judge_silence(w: Watch, series: Hourly, now: datetime, cfg: Settings) -> Condition | None:
    """No data: silent for longer than this watch's own longest gap of the baseline (and the floor)."""
    hours_with = np.flatnonzero(series.articles)
    if len(hours_with) < 2 * cfg.alerts.baseline_days:  # too sparse to have a "normal gap"
        return None
    last = series.last_article_end()
    assert last is not None
    gaps = np.diff(hours_with) - 1
    normal = float(gaps.max()) if len(gaps) else 0.0
    silent = (now - last) / HOUR
    threshold = max(float(cfg.alerts.no_data_min_hours), 1.5 * normal)
    if silent <= threshold:
        return None
    return Condition(watch=w, kind="no_data", severity="waspada", silent_hours=round(silent, 1),
                     normal_gap_hours=normal, last_article=last, chart=_chart(series, 24))


def scan(store: Store, cfg: Settings, now: datetime) -> tuple[list[Condition], int]:
    """Every alerting condition at ``now``, and how many watches were judged."""
    tz = cfg.regions.timezone
    det = detector_config(cfg)
    end = hour_floor(now, tz)
    longest = max(cfg.alerts.windows_hours)
    reach = max(timedelta(days=det.baseline_days),
                max(timedelta(hours=det.dispersion_blocks * h) for h in cfg.alerts.windows_hours))
    start = end - reach - timedelta(hours=longest)
    scope = Filters(regions=roots(cfg.regions.watch))
    every = hourly(store, scope, start, end, tz)
    pooled_posts = hourly(store, dataclasses.replace(scope, source_types=("social",)), start, end, tz)
    posts_on = bool(pooled_posts.articles.any())
    pooled = every.minus(pooled_posts) if posts_on else every
    # The rhythm is fitted on the baseline, as the backtest does; the longer reach is for dispersion only.
    recent = int(timedelta(days=det.baseline_days) / HOUR) + longest
    base = slice(max(0, len(pooled.starts) - recent), len(pooled.starts) - longest)
    profile = fit_profile(pooled.starts[base], pooled.totals[base], HOUR, det.profile_pseudo)
    posts_profile = fit_profile(pooled_posts.starts[base], pooled_posts.totals[base], HOUR, det.profile_pseudo)
    found: list[Condition] = []
    judged = 0
    for w in watches(store, cfg, start, end):
        if w.kind == "source":
            series = hourly(store, w.filters(), start, end, tz)
        else:  # news: every article less the posts (the rollup answers "every article" cheaply)
            series = hourly(store, dataclasses.replace(w, source_type="").filters(), start, end, tz)
        judged += 1
        if w.kind != "source":
            posts = None
            if posts_on:
                social = dataclasses.replace(w, source_type="social")
                posts = hourly(store, social.filters(), start, end, tz)
                series = series.minus(posts)
            spike = judge_spike(w, series, profile, cfg, det, pooled.first_article())
            if spike is not None:
                found.append(spike)
            if posts is not None:
                judged += 1
                spike = judge_spike(social, posts, posts_profile, cfg, det, pooled_posts.first_article())
                if spike is not None:
                    found.append(spike)
        if cfg.alerts.no_data and w.kind in ("region", "source"):
            silence = judge_silence(w, series.tail(recent), now, cfg)
            if silence is not None:
                found.append(silence)
    log.info("alert scan: watches=%d conditions=%d posts=%s now=%s", judged, len(found), posts_on, now.isoformat())
    return found, judged

