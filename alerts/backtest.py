"""Replay a history of counts through the detector: ``pantau alert backtest SERIES.csv``.

The file has one row per region per window, ``region,window_start,total,negative``, with
ISO 8601 timestamps that carry their offset and windows of one length (inferred from
the spacing; a missing row is a window with no articles). Every window with enough
history before it is judged exactly as the live detector would judge it, with the
time-of-day and weekday rhythm fitted on the pooled volume of all regions up to that
window, never after it.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from alerts.detect import DetectorConfig, Verdict, baseline_buckets, evaluate, fit_profile

COLUMNS = ("region", "window_start", "total", "negative")


class SeriesError(ValueError):
    """A malformed series file; the message names the row and the column."""

    def __init__(self, source: str, row: int, column: str, problem: str) -> None:
        super().__init__(f"{source}: row {row}, column {column}: {problem}")


@dataclass(kw_only=True, frozen=True)
class Series:
    step: timedelta
    starts: list[datetime]  # every window from the first to the last, gaps filled
    regions: dict[str, tuple[np.ndarray, np.ndarray]]  # region -> (totals, negatives), aligned with starts
    first_seen: dict[str, int]  # index of each region's first row


def _int(value: str, source: str, row: int, column: str) -> int:
    try:
        n = int(value.strip())
    except ValueError:
        raise SeriesError(source, row, column, f"expected a whole number, found {value!r}") from None
    if n < 0:
        raise SeriesError(source, row, column, f"expected 0 or more, found {n}")
    return n


def read_series(stream: TextIO, source: str = "<series>") -> Series:
    """Parse and check a series file; the first problem raises :class:`SeriesError`."""
    reader = csv.reader(stream)
    header = next(reader, None)
    if header is None:
        raise SeriesError(source, 1, "header", f"expected the columns {','.join(COLUMNS)}, found an empty file")
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise SeriesError(source, 1, missing[0], f"missing; expected the columns {','.join(COLUMNS)}")
    at = {c: names.index(c) for c in COLUMNS}
    rows: list[tuple[int, str, datetime, int, int]] = []
    seen: dict[tuple[str, datetime], int] = {}
    for line_no, record in enumerate(reader, start=2):
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) < len(names):
            column = names[len(record)]
            raise SeriesError(source, line_no, column, f"missing; the row has {len(record)} of {len(names)} cells")
        region = record[at["region"]].strip()
        if not region:
            raise SeriesError(source, line_no, "region", "empty")
        raw_start = record[at["window_start"]].strip()
        try:
            start = datetime.fromisoformat(raw_start)
        except ValueError:
            raise SeriesError(source, line_no, "window_start",
                              f"expected an ISO 8601 timestamp with offset, found {raw_start!r}") from None
        if start.tzinfo is None:
            raise SeriesError(source, line_no, "window_start",
                              f"expected a UTC offset (e.g. 2025-07-01T08:00:00+08:00), found {raw_start!r}")
        total = _int(record[at["total"]], source, line_no, "total")
        negative = _int(record[at["negative"]], source, line_no, "negative")
        if negative > total:
            raise SeriesError(source, line_no, "negative", f"{negative} is more than total {total}")
        if (region, start) in seen:
            raise SeriesError(source, line_no, "window_start",
                              f"region {region} already has a row for {raw_start} (row {seen[region, start]})")
        seen[region, start] = line_no
        rows.append((line_no, region, start, total, negative))
    if not rows:
        raise SeriesError(source, 2, "region", "no data rows")
    return _assemble(rows, source)


def _assemble(rows: list[tuple[int, str, datetime, int, int]], source: str) -> Series:
    by_region: dict[str, list[tuple[int, datetime, int, int]]] = {}
    for line_no, region, start, total, negative in rows:
        by_region.setdefault(region, []).append((line_no, start, total, negative))
    gaps: list[int] = []
    for items in by_region.values():
        items.sort(key=lambda r: r[1])
        gaps.extend(int((b[1] - a[1]).total_seconds()) for a, b in pairwise(items))
    first = min(r[2] for r in rows)
    positive = [g for g in gaps if g > 0]
    if not positive:
        raise SeriesError(source, rows[0][0], "window_start", "needs at least two windows to infer their length")
    # The window length is the usual spacing of a region's rows; a gap of several windows is a
    # run of windows without articles, anything else is a bad row.
    tally = Counter(positive)
    step_s = min(tally, key=lambda g: (-tally[g], g))
    for items in by_region.values():
        for a, b in pairwise(items):
            if int((b[1] - a[1]).total_seconds()) % step_s:
                raise SeriesError(source, b[0], "window_start",
                                  f"{b[1].isoformat()} is not a whole number of {timedelta(seconds=step_s)} "
                                  f"windows after {a[1].isoformat()} (row {a[0]})")
    for line_no, _region, start, _t, _n in rows:
        if int((start - first).total_seconds()) % step_s:
            raise SeriesError(source, line_no, "window_start",
                              f"{start.isoformat()} does not start on the {timedelta(seconds=step_s)} "
                              f"grid of the other regions (first window {first.isoformat()})")
    step = timedelta(seconds=step_s)
    last = max(r[2] for r in rows)
    n = int((last - first) / step) + 1
    # Each start keeps the offset its rows were written in, so local hours are the office's hours.
    tz = rows[0][2].tzinfo
    starts = [(first + i * step).astimezone(tz) for i in range(n)]
    regions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    first_seen: dict[str, int] = {}
    for region, items in by_region.items():
        tot = np.zeros(n)
        neg = np.zeros(n)
        for _line, start, total, negative in items:
            i = int((start - first) / step)
            tot[i], neg[i] = total, negative
        regions[region] = (tot, neg)
        first_seen[region] = int((items[0][1] - first) / step)
    return Series(step=step, starts=starts, regions=regions, first_seen=first_seen)


def load(path: str | Path) -> Series:
    p = Path(path)
    try:
        with p.open(encoding="utf-8", newline="") as f:
            return read_series(f, str(p))
    except UnicodeDecodeError:
        raise SeriesError(str(p), 1, "header", "expected UTF-8 text") from None


def backtest(series: Series, cfg: DetectorConfig | None = None) -> list[tuple[str, Verdict]]:
    """Every window the detector would alert on, in time order (then region)."""
    return [(region, verdict) for region, verdict in judge_all(series, cfg) if verdict.alerting]


def judge_all(series: Series, cfg: DetectorConfig | None = None) -> Iterator[tuple[str, Verdict]]:
    """The detector's verdict on every window of every region, alerting or not, in time order (then region)."""
    cfg = cfg or DetectorConfig()
    span = baseline_buckets(cfg, series.step)
    pooled = sum(t for t, _ in series.regions.values())
    assert isinstance(pooled, np.ndarray)
    reach = max(span, cfg.dispersion_blocks)  # the overdispersion may read further back than the level
    for i in range(1, len(series.starts)):
        lo = max(0, i - span)
        far = max(0, i - reach)
        profile = fit_profile(series.starts[lo:i], pooled[lo:i], series.step, cfg.profile_pseudo)
        weights = profile.weights(series.starts[far : i + 1])
        for region in sorted(series.regions):
            first = series.first_seen[region]
            if i <= first:
                continue
            tot, neg = series.regions[region]
            dlo = min(lo, max(first, i - cfg.dispersion_blocks))  # never before the region's first row
            verdict = evaluate(tot[dlo : i + 1], neg[dlo : i + 1], weights[dlo - far :], 1, cfg,
                               window_start=series.starts[i], window_end=series.starts[i] + series.step,
                               baseline_buckets=i - max(lo, first), level_buckets=i - lo)
            yield region, verdict


def to_json(alerts: Iterable[tuple[str, Verdict]]) -> list[dict[str, Any]]:
    return [
        {"region": region, "window_start": v.window_start.isoformat(), "severity": v.severity,
         "negative": v.observed, "total": v.total, "expected": round(v.expected, 2),
         "baseline_share": round(v.baseline_share, 4), "reason": v.reason, "windows": v.windows,
         "p_value": float(f"{min(v.p_volume, v.p_share):.3g}")}
        for region, v in alerts
    ]
