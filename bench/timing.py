"""Latency helpers shared by the store benchmarks: repeated timings and p50/p95 in milliseconds."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and 95th percentile of timings in seconds, returned in milliseconds."""
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50 * 1000, p95 * 1000


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds taken by each of ``repeat`` calls of ``fn``."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def each(fn: Callable[[str], object], queries: Sequence[str], passes: int) -> list[float]:
    """Seconds taken by ``fn(query)`` for every query, over ``passes`` passes."""
    out = []
    for _ in range(passes):
        for q in queries:
            t = time.perf_counter()
            fn(q)
            out.append(time.perf_counter() - t)
    return out
