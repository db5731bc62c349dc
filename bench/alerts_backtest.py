"""Labelled synthetic backtest of spike detection: Pantau's detector against a naive share rule.

    .venv/bin/python bench/alerts_backtest.py [--seeds 5] [--step-hours 1 6 24] [--csv-dir DIR]
    .venv/bin/python bench/alerts_backtest.py --heldout [--seeds 5]
    .venv/bin/python bench/alerts_backtest.py --calibration [--step-hours 6 24]

Each run generates, per seed and per window length, a few weeks of counts for regions of
very different volume (a province feed to a quiet regency), with:

* a time-of-day cycle (little at night) and a weekday cycle (less at weekends),
  a slow seasonal swing, and overdispersed noise (bursty news, a gamma-Poisson mix);
* negative share of 12-30 %, with slow drifts of a few points over weeks in some regions;
* injected negative spikes of 2x, 3x and 5x the expected negative volume, lasting 1 to 4
  windows (the labels);
* bursts of positive coverage (3-6x the positive volume for a few windows), 6 % of which the
  sentiment model mislabels as negative, as a real model would.

A spike counts as found when an alert falls in one of its windows; the delay is windows
from the spike's first window to the first alert. An alert outside every spike window is
a false alarm. A spike of 2x has as many extra negatives as the window usually has; spikes
on windows that usually hold fewer than ``--min-base`` negative articles (10) are generated,
scored and printed apart (the "small" column, found/all), not in the headline: doubling 3
articles to 6 cannot be told from noise by any test that keeps false alarms rare.

``--heldout`` is a check the detector was not tuned on: one region from a different generator
(a two-peaked day, a Friday-noon dip and a quiet Sunday, negative-binomial noise, a rising share,
one positive burst, spikes of 2x-4x) written as a CSV and judged by the command an operator runs,
``pantau alert backtest SERIES.csv --json``, at windows of 1 h, 6 h and 24 h.

The naive rule alerts when the window's negative share exceeds X % with at least the
detector's minimum count; it is shown at several X and at the X with the best F1 in
hindsight (which flatters it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from alerts.backtest import Series, backtest
from alerts.detect import DetectorConfig

WITA = timezone(timedelta(hours=8))
HOUR_SHAPE = np.array([0.15, 0.1, 0.08, 0.08, 0.15, 0.4, 0.8, 1.2, 1.5, 1.6, 1.6, 1.5,
                       1.3, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, 0.3])
WEEKDAY_SHAPE = np.array([1.1, 1.15, 1.15, 1.1, 1.05, 0.75, 0.7])
BUSY_SHAPE = 25.0  # gamma shape of a window's busy-ness, shared by all its articles: CV 20 %
OWN_SHAPE = 100.0  # gamma shape of the negatives' own extra noise: CV 10 %


@dataclass
class Spike:
    region: str
    start: int  # window index
    length: int
    factor: float
    base: float  # negative articles a window of the spike would have had without it (mean)


@dataclass
class Generated:
    series: Series
    spikes: list[Spike] = field(default_factory=list)
    # The mean negative count of each window without its spike (the day's busy-ness, the season,
    # the drift and the mislabelled share of a positive burst all included): what only the
    # generator knows, for the oracle row.
    expected: dict[str, np.ndarray] = field(default_factory=dict)
    bursts: set[tuple[str, int]] = field(default_factory=set)  # (region, window) of each positive burst
    # What a detector could at best estimate from a long history: each window's mean negative count
    # *before* the day's busy-ness and the negatives' own noise (season, drift and burst included),
    # the mean of its other articles on the same footing, and the spread of the two noises (gamma
    # shapes; inf without them). The ``known_level`` ceiling reads them.
    level: dict[str, np.ndarray] = field(default_factory=dict)
    rest_level: dict[str, np.ndarray] = field(default_factory=dict)
    busy_shape: float = math.inf
    own_shape: float = math.inf


def generate(seed: int, step_hours: int, days: int = 42, bursty: bool = True) -> Generated:
    rng = np.random.default_rng(seed)
    step = timedelta(hours=step_hours)
    n = days * 24 // step_hours
    start = datetime(2025, 6, 2, 0, 0, tzinfo=WITA)  # a Monday at midnight WITA
    starts = [start + i * step for i in range(n)]
    # The rhythm of each window: the mean of the hourly shape over the hours it covers.
    hours = np.array([[(s + timedelta(hours=h)).hour for h in range(step_hours)] for s in starts])
    days_of = np.array([[(s + timedelta(hours=h)).weekday() for h in range(step_hours)] for s in starts])
    rhythm = (HOUR_SHAPE[hours] * WEEKDAY_SHAPE[days_of]).mean(axis=1)
    daily_volumes = {"64": 900, "64.72": 260, "64.71": 200, "64.02": 110, "64.08": 70, "64.01": 40}
    regions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    expected: dict[str, np.ndarray] = {}
    level: dict[str, np.ndarray] = {}
    rest_level: dict[str, np.ndarray] = {}
    spikes: list[Spike] = []
    bursts: set[tuple[str, int]] = set()
    baseline_windows = 14 * 24 // step_hours
    for r_i, (region, per_day) in enumerate(daily_volumes.items()):
        seasonal = 1 + 0.15 * np.sin(2 * np.pi * (np.arange(n) * step_hours / 24 / 23 + rng.random()))
        mean_total = per_day / 24 * step_hours * rhythm * seasonal / rhythm.mean()
        share = rng.uniform(0.12, 0.30) * np.ones(n)
        if r_i % 2 == 1:  # a slow drift of 3-5 points over the whole period
            share = share + rng.uniform(0.03, 0.05) * np.linspace(0, 1, n) * rng.choice([-1, 1])
        burst_mult = np.ones(n)
        spike_mult = np.ones(n)
        taken = np.zeros(n, dtype=bool)
        taken[: baseline_windows + 2] = True
        for factor in (2.0, 2.0, 3.0, 3.0, 5.0):
            length = int(rng.integers(1, 5))
            s = _free_slot(rng, taken, baseline_windows + 2, n - length - 2, length, margin=3)
            if s < 0:
                continue
            spike_mult[s : s + length] = factor
            base = float((mean_total[s : s + length] * share[s : s + length]).mean())
            spikes.append(Spike(region=region, start=s, length=length, factor=factor, base=base))
        for _ in range(2):  # positive bursts
            length = int(rng.integers(1, 4))
            s = _free_slot(rng, taken, baseline_windows + 2, n - length - 2, length, margin=1)
            if s < 0:
                continue
            burst_mult[s : s + length] = rng.uniform(3, 6)
            bursts.update((region, i) for i in range(s, s + length))
        # Overdispersion: a busy or quiet day for everyone (CV 20 %), and a little noise of its own
        # in the negative coverage (CV 10 %), on top of Poisson counts.
        common = rng.gamma(BUSY_SHAPE, 1 / BUSY_SHAPE, n) if bursty else np.ones(n)
        own = rng.gamma(OWN_SHAPE, 1 / OWN_SHAPE, n) if bursty else np.ones(n)
        mean_neg = mean_total * share * common * own
        mean_rest = mean_total * (1 - share) * common
        negative = rng.poisson(mean_neg * spike_mult)
        positive_extra = rng.poisson(mean_rest * 0.5 * (burst_mult - 1))
        mislabelled = rng.binomial(positive_extra, 0.06)
        rest = rng.poisson(mean_rest) + positive_extra - mislabelled
        regions[region] = ((negative + mislabelled + rest).astype(float), (negative + mislabelled).astype(float))
        expected[region] = mean_neg + mean_rest * 0.5 * (burst_mult - 1) * 0.06
        quiet_rest = mean_total * (1 - share)  # the other articles' mean before the day's busy-ness
        level[region] = mean_total * share + quiet_rest * 0.5 * (burst_mult - 1) * 0.06
        rest_level[region] = quiet_rest * (1 + 0.5 * (burst_mult - 1) * 0.94)
    series = Series(step=step, starts=starts, regions=regions, first_seen=dict.fromkeys(regions, 0))
    return Generated(series=series, spikes=spikes, expected=expected, bursts=bursts, level=level,
                     rest_level=rest_level, busy_shape=BUSY_SHAPE if bursty else math.inf,
                     own_shape=OWN_SHAPE if bursty else math.inf)


def _free_slot(rng: np.random.Generator, taken: np.ndarray, lo: int, hi: int, length: int, margin: int) -> int:
    """A start in [lo, hi) whose span (with a margin) overlaps nothing placed yet, or -1."""
    for _ in range(200):
        s = int(rng.integers(lo, hi))
        if not taken[max(0, s - margin) : s + length + margin].any():
            taken[max(0, s - margin) : s + length + margin] = True
            return s
    return -1


@dataclass
class Score:
    alerts: int = 0
    true_alerts: int = 0
    found: int = 0
    spikes: int = 0
    delays: list[int] = field(default_factory=list)
    small_found: int = 0
    small: int = 0
    by_factor: dict[float, list[int]] = field(default_factory=dict)  # factor -> [found, spikes]

    def add(self, other: Score) -> None:
        for name in ("alerts", "true_alerts", "found", "spikes", "small_found", "small"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.delays += other.delays
        for factor, (found, total) in other.by_factor.items():
            mine = self.by_factor.setdefault(factor, [0, 0])
            mine[0] += found
            mine[1] += total

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.spikes if self.spikes else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, name: str) -> str:
        delay = statistics.median(self.delays) if self.delays else math.nan
        small = f"{self.small_found}/{self.small}"
        return (f"{name:<44}{self.precision:>7.3f}{self.recall:>7.3f}{self.f1:>7.3f}{delay:>7.1f}"
                f"{self.alerts:>8}{small:>10}")


def score(gen: Generated, alerts: Sequence[tuple[str, int]], min_base: float) -> Score:
    spike_at: dict[tuple[str, int], Spike] = {}
    for sp in gen.spikes:
        for i in range(sp.start, sp.start + sp.length):
            spike_at[sp.region, i] = sp
    s = Score(alerts=len(alerts))
    first: dict[int, int] = {}
    for region, i in alerts:
        inside = spike_at.get((region, i))
        if inside is not None:
            s.true_alerts += 1
            first[id(inside)] = min(first.get(id(inside), i), i)
    for sp in gen.spikes:
        hit = id(sp) in first
        if sp.base < min_base:
            s.small += 1
            s.small_found += hit
            continue
        s.spikes += 1
        tally = s.by_factor.setdefault(sp.factor, [0, 0])
        tally[1] += 1
        tally[0] += hit
        if hit:
            s.found += 1
            s.delays.append(first[id(sp)] - sp.start)
    return s


def oracle(gen: Generated, false_alarms: int, min_base: float) -> Score:
    """A ceiling, not a detector: the one-sided Poisson test on each window's *true* mean.

    It knows what no detector can (the day's busy-ness, the season, the drift, the mislabelled
    share of a burst: ``Generated.expected``), so only counting noise is left, and it is allowed
    exactly ``false_alarms`` alerts outside the spikes (Pantau's own number in the same run),
    from the windows Pantau judges (after a week of history). Its recall at that precision is
    about the most any detector could find; where it is under the target, so is every detector.
    """
    from scipy import stats

    return _matched(gen, {region: stats.poisson.sf(neg - 1, gen.expected[region])
                          for region, (_tot, neg) in gen.series.regions.items()}, false_alarms, min_base)


def known_level(gen: Generated, false_alarms: int, min_base: float) -> Score:
    """A tighter ceiling: the exact test for a detector that knows the level but not the day.

    It is handed each window's mean *before* the day's busy-ness and the negatives' own noise (the
    season, the drift and a burst's mislabelled share: all that a long history could at best teach)
    and the two noises' true spread. The busy-ness it must infer, as Pantau does, from the window's
    other articles: with a gamma prior and Poisson counts its posterior is exact, and the negatives'
    predictive is a negative binomial around it. Same false-alarm matching as :func:`oracle`. Where
    this row is under the target at Pantau's false alarms, no detector that reads one region's
    counts can reach it there: the gap to the oracle is the busy-ness no count reveals.
    """
    from scipy import stats

    pvalues = {}
    for region, (tot, neg) in gen.series.regions.items():
        level, rest_level = gen.level[region], gen.rest_level[region]
        if math.isinf(gen.busy_shape):
            busy, theta = np.ones_like(level), np.zeros_like(level)
        else:
            shape = gen.busy_shape + (tot - neg)
            busy = shape / (gen.busy_shape + rest_level)
            theta = 1 / shape
        if not math.isinf(gen.own_shape):
            theta = (1 + theta) * (1 + 1 / gen.own_shape) - 1  # product of the two gamma factors
        mean = level * busy
        if np.all(theta <= 0):  # plain Poisson noise
            pvalues[region] = stats.poisson.sf(neg - 1, mean)
        else:
            n = 1 / np.maximum(theta, 1e-12)
            pvalues[region] = stats.nbinom.sf(neg - 1, n, n / (n + mean))
    return _matched(gen, pvalues, false_alarms, min_base)


def _matched(gen: Generated, pvalues: dict[str, np.ndarray], false_alarms: int, min_base: float) -> Score:
    """Alert on the smallest p-values, allowed exactly ``false_alarms`` outside the spikes."""
    first_judged = 7 * 24 // int(gen.series.step.total_seconds() // 3600)
    in_spike = {(sp.region, i) for sp in gen.spikes for i in range(sp.start, sp.start + sp.length)}
    scored = [(float(p[i]), region, i) for region, p in pvalues.items() for i in range(first_judged, len(p))]
    null = sorted(p for p, region, i in scored if (region, i) not in in_spike)
    cut = null[false_alarms] if false_alarms < len(null) else math.inf  # alerts are p < cut
    return score(gen, [(region, i) for p, region, i in scored if p < cut], min_base)


def naive(gen: Generated, threshold: float, min_count: int) -> list[tuple[str, int]]:
    out = []
    baseline = 14 * 24 // int(gen.series.step.total_seconds() // 3600)
    for region, (tot, neg) in gen.series.regions.items():
        for i in range(baseline, len(tot)):
            if neg[i] >= min_count and neg[i] > threshold * tot[i]:
                out.append((region, i))
    return out


# -- the held-out shape: one region, a rhythm and noise unlike generate()'s ----------------------------
HELDOUT_HOURS = np.array([0.3, 0.25, 0.2, 0.2, 0.3, 0.6, 1.0, 1.4, 1.3, 1.1, 1.0, 0.9,
                          0.7, 0.8, 1.0, 1.1, 1.3, 1.5, 1.6, 1.5, 1.3, 1.0, 0.7, 0.45])
HELDOUT_WEEKDAYS = np.array([1.05, 1.1, 1.1, 1.05, 0.85, 0.9, 0.6])  # Friday noon prayers, quiet Sunday


def generate_heldout(seed: int, step_hours: int, days: int = 56) -> Generated:
    """One region of ``2400 / step`` articles a day (so every window length has thin and busy windows)."""
    rng = np.random.default_rng(10_000 + seed)
    step = timedelta(hours=step_hours)
    n = days * 24 // step_hours
    start = datetime(2025, 3, 5, 0, 0, tzinfo=WITA)  # a Wednesday
    starts = [start + i * step for i in range(n)]
    hours = np.array([[(s + timedelta(hours=h)).hour for h in range(step_hours)] for s in starts])
    days_of = np.array([[(s + timedelta(hours=h)).weekday() for h in range(step_hours)] for s in starts])
    rhythm = (HELDOUT_HOURS[hours] * HELDOUT_WEEKDAYS[days_of]).mean(axis=1)
    per_day = {1: 2400.0, 6: 400.0, 24: 150.0}.get(step_hours, 400.0)
    mean_total = per_day / 24 * step_hours * rhythm / rhythm.mean()
    share = np.linspace(0.14, 0.21, n)  # a rise of seven points over eight weeks: a drift, not news
    spike_mult = np.ones(n)
    burst_mult = np.ones(n)
    taken = np.zeros(n, dtype=bool)
    baseline_windows = 14 * 24 // step_hours
    taken[: baseline_windows + 2] = True
    spikes: list[Spike] = []
    for factor in (2.0, 2.0, 2.0, 2.5, 2.5, 4.0):
        length = int(rng.integers(1, 4))
        s = _free_slot(rng, taken, baseline_windows + 2, n - length - 2, length, margin=3)
        if s < 0:
            continue
        spike_mult[s : s + length] = factor
        base = float((mean_total[s : s + length] * share[s : s + length]).mean())
        spikes.append(Spike(region="64.71", start=s, length=length, factor=factor, base=base))
    length = max(1, 36 // step_hours)  # a day and a half of festival coverage
    s = _free_slot(rng, taken, baseline_windows + 2, n - length - 2, length, margin=1)
    if s >= 0:
        burst_mult[s : s + length] = 4.0
    busy = rng.gamma(1 / 0.03, 0.03, n)  # negative-binomial noise, theta 0.03, for all coverage alike
    negative = rng.poisson(mean_total * share * busy * spike_mult)
    positive_extra = rng.poisson(mean_total * (1 - share) * busy * (burst_mult - 1))
    mislabelled = rng.binomial(positive_extra, 0.05)
    rest = rng.poisson(mean_total * (1 - share) * busy) + positive_extra - mislabelled
    regions = {"64.71": ((negative + mislabelled + rest).astype(float), (negative + mislabelled).astype(float))}
    series = Series(step=step, starts=starts, regions=regions, first_seen={"64.71": 0})
    lam = mean_total * share * busy + mean_total * (1 - share) * busy * (burst_mult - 1) * 0.05
    return Generated(series=series, spikes=spikes, expected={"64.71": lam})


def heldout(seeds: Sequence[int], steps: Sequence[int], min_base: float, workdir: Path,
            alpha: float | None = None) -> None:
    """Score ``pantau alert backtest --json`` (a subprocess, as an operator runs it) on held-out series.

    ``alpha`` other than the default goes in a ``pantau.toml`` in ``workdir``, as an office would set it.
    """
    root = Path(__file__).resolve().parent.parent
    if alpha is not None and alpha != DetectorConfig.alpha:
        (workdir / "pantau.toml").write_text(f"[alerts]\nalpha = {alpha!r}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PANTAU_")}
    env["PYTHONPATH"] = os.pathsep.join([str(root), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    header = f"{'held-out series, pantau alert backtest --json':<44}{'prec':>7}{'recall':>7}{'F1':>7}" \
             f"{'delay':>7}{'alerts':>8}{'small':>10}"
    for step_hours in steps:
        total = Score()
        ceiling = Score()
        per_seed: list[tuple[float, float]] = []
        for seed in seeds:
            gen = generate_heldout(seed, step_hours)
            path = workdir / f"heldout-{step_hours}h-seed{seed}.csv"
            write_csv(gen, path)
            done = subprocess.run([sys.executable, "-m", "pantau.cli", "alert", "backtest", str(path), "--json"],
                                  cwd=workdir, env=env, capture_output=True, text=True, check=True)
            alerts = json.loads(done.stdout.strip().splitlines()[-1])
            index = {s.isoformat(): i for i, s in enumerate(gen.series.starts)}
            s = score(gen, [(a["region"], index[a["window_start"]]) for a in alerts], min_base)
            per_seed.append((s.precision, s.recall))
            total.add(s)
            ceiling.add(oracle(gen, s.alerts - s.true_alerts, min_base))
        print(f"\n== held-out shape, windows of {step_hours} h, {len(seeds)} seeds x 1 region x 56 days: "
              f"{total.spikes} spikes over >= {min_base:g} usual negatives a window")
        print(header)
        print(total.row("pantau"))
        print(ceiling.row("oracle: true mean, Pantau's false alarms"))
        print(f"per seed: precision {min(p for p, _ in per_seed):.3f}-{max(p for p, _ in per_seed):.3f}, "
              f"recall {min(r for _, r in per_seed):.3f}-{max(r for _, r in per_seed):.3f}; by spike size: "
              + ", ".join(f"{f:g}x {found}/{n}" for f, (found, n) in sorted(total.by_factor.items())))


def calibration(noises: Sequence[str], steps: Sequence[int], seeds: Sequence[int], min_base: float) -> None:
    """Are Pantau's p-values honest, and where does recall go? Every window's verdict, not only the alerts.

    On windows outside every spike and positive burst (in a burst the volume test is meant to fire
    and the share gate to stop it, so its p-value is not a null one) a calibrated test gives p <= a
    about a fraction a of the time: a little less is conservative, more means false alarms beyond
    ``alpha``. On the spike windows the fraction under the waspada threshold is the test's power,
    by spike size: a window missed there is missed for want of evidence at that false-alarm rate,
    not by a gate or a bug.
    """
    from alerts.backtest import judge_all

    cfg = DetectorConfig()
    levels = (0.1, 0.01, 1e-3)
    for noise, step_hours in ((nz, st) for nz in noises for st in steps):
        null: list[tuple[float, float]] = []
        power: dict[float, list[bool]] = {}
        watch = cfg.alpha * min(1.0, step_hours / 24) * cfg.waspada_factor
        for seed in seeds:
            gen = generate(seed, step_hours, bursty=noise == "bursty")
            index = {st: i for i, st in enumerate(gen.series.starts)}
            spike_at = {(sp.region, i): sp for sp in gen.spikes for i in range(sp.start, sp.start + sp.length)}
            for region, v in judge_all(gen.series, cfg):
                if v.reason == "baseline too short":
                    continue
                sp = spike_at.get((region, index[v.window_start]))
                if sp is None:
                    if (region, index[v.window_start]) not in gen.bursts:
                        null.append((v.p_volume, v.p_share))
                elif sp.base >= min_base:
                    power.setdefault(sp.factor, []).append(min(v.p_volume, v.p_share) <= watch)
        p = np.array(null)
        print(f"\n== calibration, {noise} noise, windows of {step_hours} h, {len(seeds)} seeds: "
              f"{len(p)} windows outside spikes and positive bursts, share with p <= a (calibrated: about a)")
        print(f"{'a':>8}{'volume':>9}{'share':>9}{'either':>9}")
        for a in levels:
            print(f"{a:>8g}{np.mean(p[:, 0] <= a):>9.4f}{np.mean(p[:, 1] <= a):>9.4f}"
                  f"{np.mean(p.min(axis=1) <= a):>9.4f}")
        print(f"spike windows (>= {min_base:g} usual negatives) with p <= the waspada threshold {watch:.2g}: "
              + ", ".join(f"{f:g}x {sum(hits)}/{len(hits)}" for f, hits in sorted(power.items())))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--step-hours", type=int, nargs="+", default=[1, 6, 24])
    ap.add_argument("--min-base", type=float, default=10.0,
                    help="usual negatives per window below which a spike is reported apart: doubling 3 "
                         "articles to 6 is not something a detector (or a person) can tell from noise")
    ap.add_argument("--noise", choices=("bursty", "poisson"), nargs="+", default=["bursty", "poisson"])
    ap.add_argument("--alpha", type=float, default=DetectorConfig.alpha,
                    help="the detector's false-alarm rate per watch per day ([alerts] alpha), to trace the trade-off")
    ap.add_argument("--waspada-factor", type=float, default=DetectorConfig.waspada_factor,
                    help="how much weaker than alpha the evidence for a waspada may be")
    ap.add_argument("--csv-dir", type=Path, help="also write each generated series as a backtest CSV")
    ap.add_argument("--heldout", action="store_true",
                    help="score `pantau alert backtest --json` on one region of a differently shaped generator")
    ap.add_argument("--calibration", action="store_true",
                    help="every window's p-values: how often they fall under a outside spikes, and the power on spikes")
    args = ap.parse_args(argv)
    if args.calibration:
        calibration(args.noise, args.step_hours, range(args.first_seed, args.first_seed + args.seeds), args.min_base)
        return
    if args.heldout:
        with tempfile.TemporaryDirectory(prefix="pantau-heldout-") as tmp:
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            heldout(seeds, args.step_hours, args.min_base, args.csv_dir or Path(tmp), args.alpha)
        return
    cfg = DetectorConfig(alpha=args.alpha, waspada_factor=args.waspada_factor)
    thresholds = (0.3, 0.4, 0.5, 0.6)
    header = f"{'detector':<44}{'prec':>7}{'recall':>7}{'F1':>7}{'delay':>7}{'alerts':>8}{'small':>10}"
    for noise, step_hours in ((nz, st) for nz in args.noise for st in args.step_hours):
        ours = Score()
        ceiling = Score()
        known, known4 = Score(), Score()
        naive_scores = {t: Score() for t in thresholds}
        per_seed: list[tuple[float, float]] = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            gen = generate(seed, step_hours, bursty=noise == "bursty")
            if args.csv_dir:
                write_csv(gen, args.csv_dir / f"series-{noise}-{step_hours}h-seed{seed}.csv")
            index = {s: i for i, s in enumerate(gen.series.starts)}
            found = [(region, index[v.window_start]) for region, v in backtest(gen.series, cfg)]
            s = score(gen, found, args.min_base)
            per_seed.append((s.precision, s.recall))
            ours.add(s)
            ceiling.add(oracle(gen, s.alerts - s.true_alerts, args.min_base))
            known.add(known_level(gen, s.alerts - s.true_alerts, args.min_base))
            known4.add(known_level(gen, 4 * (s.alerts - s.true_alerts), args.min_base))
            for t in thresholds:
                naive_scores[t].add(score(gen, naive(gen, t, cfg.min_count), args.min_base))
        print(f"\n== {noise} noise, windows of {step_hours} h, {args.seeds} seeds x 6 regions x 42 days: "
              f"{ours.spikes} spikes over >= {args.min_base:g} usual negatives a window "
              f"('small': found/all of the smaller ones)")
        print(header)
        print(ours.row("pantau (NB/beta-binomial, time-of-day baseline)"))
        print(ceiling.row("oracle: true mean, Pantau's false alarms"))
        print(known.row("ceiling: true level, busy-ness inferred"))
        print(known4.row("ceiling, 4x Pantau's false alarms"))
        for t in thresholds:
            print(naive_scores[t].row(f"naive: negative share > {t:.0%}"))
        best = max(thresholds, key=lambda t: naive_scores[t].f1)
        print(naive_scores[best].row(f"naive, best X in hindsight ({best:.0%})"))
        precisions = [p for p, _ in per_seed]
        recalls = [r for _, r in per_seed]
        print(f"pantau per seed: precision {min(precisions):.3f}-{max(precisions):.3f}, "
              f"recall {min(recalls):.3f}-{max(recalls):.3f}; recall by spike size: " + ", ".join(
                  f"{f:g}x {found}/{total}" for f, (found, total) in sorted(ours.by_factor.items())))


def write_csv(gen: Generated, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write("region,window_start,total,negative\n")
        for region, (tot, neg) in gen.series.regions.items():
            for s, t, n in zip(gen.series.starts, tot, neg, strict=True):
                f.write(f"{region},{s.isoformat()},{int(t)},{int(n)}\n")


if __name__ == "__main__":
    main()
