"""Spike detection on counts of negative coverage: is this window worse than usual?

A PR office stops reading alerts that cry wolf, so the detector answers one narrow
question per window: are there significantly more negative articles than this region
(or topic) usually gets at this time of day and day of the week? It works on a series of
equal-length buckets, ``(start, total, negative)``, that the store's time-bucket query
gives (or that a backtest CSV holds), so it is the same on SQLite and Elasticsearch.

The model, and what it assumes:

* **Volume follows a shared rhythm.** Newsrooms publish less at night and at weekends.
  The expected volume of a bucket is ``level x hour-of-day factor x weekday factor``. The
  two factors are fitted on the pooled total volume of everything watched (far more data
  than one region has), shrunk towards flat when data is thin. A region's level and its
  usual negative share come from its own trailing baseline (14 days by default).
* **The baseline is robust to its own spikes.** Buckets far above a first estimate are
  capped, and once the noise is measured, those more than three standard deviations above
  the level are left out of it, so last week's flood does not hide this week's. Spikes are
  set aside when the noise is read, too: a region with three bad weeks is not a noisy one.
* **Counts are overdispersed.** Stories arrive in bursts, so a plain Poisson test would
  alert on ordinary busy days. The variance-to-mean ratio is measured on the history
  (in blocks as long as the window, from differences of neighbouring blocks so a slow
  swing is not mistaken for noise; at least ``dispersion_blocks`` blocks where the
  history is that long, so daily windows read it from six weeks, not two) and the tests
  use a negative binomial (volume) and a beta-binomial (share) with that dispersion. A
  busy day is busy for every desk, so the dispersion of all coverage is a floor under that
  of the negatives, and the volume test reads the window's other articles first: when they
  are many, more negatives are expected.
* **The sentiment model makes mistakes, at a stable rate.** A fixed share of
  mislabelled articles is part of the baseline share and cancels out. What the detector
  cannot absorb is a change in the error rate, e.g. a flood of one kind of text the
  model misreads; the "why" in each alert (stories and terms) lets a person see that.

A window alerts when, with at least ``min_count`` negative articles and at least
``min_increase`` more than expected, either

* negative **volume** is at least ``min_ratio`` times the time-adjusted expectation with
  a significant one-sided p-value, and the negative share did not fall (a burst of
  positive coverage lifts all volumes, mislabelled negatives included, and must not
  alert), or
* negative **share** is at least ``min_share_ratio`` times the baseline share with a
  significant one-sided p-value.

A rise that lasts is judged over two windows too: when this window and the one before
together are significant (at half of alpha) against the history before both, this window
itself stands out there (``sustained_gate``), and the window before did not alert alone, the
window alerts with ``windows`` 2. A doubling of a dozen articles over two days is found that
way, where neither day is rare enough alone.

``alpha`` is a false-alarm rate per watch per day; a window's test uses alpha x its length
/ 24 h, so hourly windows, judged 24 times a day, alert on noise as rarely as daily ones.
``waspada`` (the watch level) may rest on a p-value up to ``waspada_factor`` x that, so a
doubling on a thin count is reported early; ``siaga`` and ``awas`` need p <= alpha / 100
and alpha / 1000 (see :func:`grade`).
The effect-size floor is what keeps a slow drift of a few points from alerting: with
enough volume any difference is "significant", but only a large one is news.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from scipy import stats

SEVERITIES = ("waspada", "siaga", "awas")  # watch < alert < danger, as BNPB and BMKG use them


def severity_rank(severity: str) -> int:
    """0 for no alert, then 1..3 in the order of :data:`SEVERITIES`."""
    return SEVERITIES.index(severity) + 1 if severity in SEVERITIES else 0


@dataclass(kw_only=True, frozen=True)
class DetectorConfig:
    """The knobs of the detector; ``[alerts]`` in pantau.toml sets the first four."""

    baseline_days: int = 14
    min_count: int = 5
    min_increase: int = 3
    min_ratio: float = 1.5
    min_share_ratio: float = 1.25  # doubling the negatives of a 20 %-negative region lifts its share 1.67x
    alpha: float = 1e-3
    # ``waspada`` is the watch level: it may rest on evidence this many times weaker than alpha,
    # so a doubling on a thin count is reported early; ``siaga`` and ``awas`` still need far less.
    waspada_factor: float = 3.0
    max_overdispersion: float = 1.0  # theta cap: a CV of 100 % on busy days
    profile_pseudo: float = 20.0  # articles of evidence before a time-of-day factor moves away from flat
    half_life_days: float = 7.0  # recent days weigh more in the level, so slow seasons are followed
    min_baseline_days: float = 7.0  # a week at least, so the weekday rhythm is known; no verdicts before
    dispersion_blocks: int = 42  # window-length blocks of history the overdispersion is read from, where they exist
    # A rise that lasts: this window and the one before are also judged together, against the
    # history before both, when this window alone is at least this unlikely there (0: off).
    sustained_gate: float = 0.01


@dataclass(kw_only=True, frozen=True)
class Count:
    """One bucket of a key's series: articles in ``[start, start + step)``."""

    start: datetime
    total: int
    negative: int


@dataclass(kw_only=True, frozen=True)
class Verdict:
    """The detector's reading of one window of one series."""

    window_start: datetime
    window_end: datetime
    observed: int  # negative articles in the window
    total: int  # all articles in the window
    expected: float  # negative articles expected at this hour and weekday
    baseline_share: float  # usual share of negative articles
    expected_total: float
    p_volume: float
    p_share: float
    theta: float  # overdispersion of volume: variance = mean + theta x mean²
    rho: float  # overdispersion of share: correlation of labels within a window
    reason: str  # "volume", "share", "volume+share", or why no alert: "" / "baseline too short" ...
    severity: str  # "" when the window does not alert
    # 2 when the evidence is this window and the one before it together (a rise that lasts),
    # judged against the history before both; ``before`` is then that earlier window's negatives.
    windows: int = 1
    before: int = 0

    @property
    def alerting(self) -> bool:
        return bool(self.severity)

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected > 0 else math.inf

    @property
    def share(self) -> float:
        return self.observed / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "observed": self.observed,
            "total": self.total,
            "expected": round(self.expected, 3),
            "expected_total": round(float(self.expected_total), 3),
            "baseline_share": round(self.baseline_share, 4),
            "p_volume": float(f"{self.p_volume:.3g}"),
            "p_share": float(f"{self.p_share:.3g}"),
            "theta": round(self.theta, 4),
            "rho": round(self.rho, 4),
            "reason": self.reason,
            "severity": self.severity,
            "windows": self.windows,
            "before": self.before,
        }


# -- the time-of-day and weekday rhythm ---------------------------------------------------------------
@dataclass(kw_only=True, frozen=True)
class Profile:
    """Multiplicative volume factors by local hour-of-day slot and weekday (mean 1 each)."""

    step: timedelta
    hour: np.ndarray  # one factor per slot of the day (a single 1.0 for steps of a day or more)
    weekday: np.ndarray  # seven factors, Monday first

    @classmethod
    def flat(cls, step: timedelta) -> Profile:
        return cls(step=step, hour=np.ones(_slots(step)), weekday=np.ones(7))

    def weights(self, starts: Sequence[datetime]) -> np.ndarray:
        """Relative expected volume of each bucket, from each start's own local wall time."""
        slots, days = _slot_and_day(starts, self.step)
        out: np.ndarray = self.hour[slots] * self.weekday[days]
        return out


def _slots(step: timedelta) -> int:
    seconds = int(step.total_seconds())
    return 86400 // seconds if 0 < seconds < 86400 and 86400 % seconds == 0 else 1


def _slot_and_day(starts: Sequence[datetime], step: timedelta) -> tuple[np.ndarray, np.ndarray]:
    per_day = _slots(step)
    seconds = max(1, int(step.total_seconds()))
    slots = np.fromiter(((s.hour * 3600 + s.minute * 60 + s.second) // seconds % per_day for s in starts),
                        dtype=np.int64, count=len(starts))
    days = np.fromiter((s.weekday() for s in starts), dtype=np.int64, count=len(starts))
    return slots, days


def fit_profile(starts: Sequence[datetime], totals: Sequence[float] | np.ndarray, step: timedelta,
                pseudo: float = 20.0) -> Profile:
    """Fit hour-of-day x weekday factors to pooled volume by a few rounds of iterative scaling.

    ``starts`` carry the local offset (the office's timezone), so 02:00 means 02:00 WITA.
    Each factor is shrunk towards 1 by ``pseudo`` articles, so a thin history gives a flat
    profile rather than a noisy one.
    """
    y = np.asarray(totals, dtype=float)
    if len(y) == 0 or y.sum() <= 0:
        return Profile.flat(step)
    slots, days = _slot_and_day(starts, step)
    n_slots = _slots(step)
    level = y.mean()
    hour = np.ones(n_slots)
    weekday = np.ones(7)
    daily = step < timedelta(days=7)
    raw = y
    for round_ in range(6):
        if round_ >= 2:  # a burst of one story (or one region) must not become "the usual Tuesday"
            fitted = level * hour[slots] * weekday[days]
            y = np.minimum(raw, 1.5 * fitted + 3.0 * np.sqrt(fitted) + 2.0)
        expected = level * weekday[days]
        obs = np.bincount(slots, weights=y, minlength=n_slots)
        exp = np.bincount(slots, weights=expected, minlength=n_slots)
        hour = (obs + pseudo) / (exp + pseudo)
        hour /= hour.mean()
        if daily:
            expected = level * hour[slots]
            obs = np.bincount(days, weights=y, minlength=7)
            exp = np.bincount(days, weights=expected, minlength=7)
            weekday = (obs + pseudo) / (exp + pseudo)
            present = np.bincount(days, minlength=7) > 0
            weekday[~present] = 1.0
            weekday /= weekday[present].mean()
    return Profile(step=step, hour=hour, weekday=weekday)


# -- tail probabilities with overdispersion -------------------------------------------------------------
def _volume_p(observed: int, mean: float, theta: float) -> float:
    """P(X >= observed) for counts with the given mean and variance mean + theta x mean²."""
    if observed <= 0:
        return 1.0
    mean = max(mean, 1e-9)
    if theta <= 1e-9:
        return float(stats.poisson.sf(observed - 1, mean))
    n = 1.0 / theta
    return float(stats.nbinom.sf(observed - 1, n, n / (n + mean)))


def _given_rest(observed: int, expected: float, rest: int, rest_expected: float, theta: float,
                theta_common: float) -> tuple[int, float, float]:
    """The negatives' expectation and dispersion once the window's other coverage is known.

    A busy window (variance ``theta_common`` x mean² shared by all coverage) shows in the
    window's non-negative articles too. With a gamma-distributed busy-ness common to both,
    the other articles give its posterior, and the negatives' predictive is a negative
    binomial around ``expected`` x that posterior mean: on a quiet series (theta_common 0)
    it is the plain volume test, on a bursty one it leans towards the share test.
    """
    if theta_common <= 1e-9 or rest_expected <= 0:
        return observed, expected, theta
    shape = 1.0 / theta_common + rest
    busy = shape / (1.0 / theta_common + rest_expected)
    return observed, expected * busy, 1.0 / shape + max(theta - theta_common, 0.0)


def _share_p(observed: int, total: int, share: float, rho: float) -> float:
    """P(X >= observed) negatives out of ``total`` at the baseline share, with intra-window correlation rho."""
    if observed <= 0 or total <= 0:
        return 1.0
    share = min(max(share, 1e-6), 1 - 1e-6)
    if rho <= 1e-9 or total <= 1:
        return float(stats.binom.sf(observed - 1, total, share))
    scale = (1.0 - rho) / rho
    return float(stats.betabinom.sf(observed - 1, total, share * scale, (1.0 - share) * scale))


def _robust_level(negs: np.ndarray, weights: np.ndarray, recency: np.ndarray) -> float:
    """Negative articles per unit of profile weight, recent days counting more, past spikes capped."""
    wsum = max(float((recency * weights).sum()), 1e-9)
    level = (float((recency * negs).sum()) + 0.5) / wsum
    rounds = 3
    if np.median(negs) >= 5:
        # Counts are large enough for a median, which a spike of several days cannot pull; one
        # capping pass from there keeps those days from dragging the level up again.
        level = float(np.median(negs / np.maximum(weights, 1e-9)))
        rounds = 1
    for _ in range(rounds):
        expected = level * weights
        capped = np.minimum(negs, expected + 3.0 * np.sqrt(expected) + 2.0)
        level = (float((recency * capped).sum()) + 0.5) / wsum
    return level


def _recency(n: int, step: timedelta, half_life: timedelta) -> np.ndarray:
    """Weights that halve every ``half_life`` into the past, so a slow seasonal swing is followed."""
    ages = np.arange(n, 0, -1, dtype=float) * (step / half_life)
    out: np.ndarray = np.power(0.5, ages)
    return out


def _robust_share(negs: np.ndarray, totals: np.ndarray) -> float:
    """The usual negative share: buckets far above it capped (past spikes), far below it left out.

    A bucket far below the share is a burst of other coverage (a festival, a sports final):
    it carries many articles and says nothing about how negative the usual news is, so
    counting it would lower the baseline share for two weeks and make ordinary days alert.
    """
    share = (negs.sum() + 0.5) / (totals.sum() + 1.0)
    rounds = 3
    if np.median(negs) >= 5:
        share = float(np.median(negs / np.maximum(totals, 1.0)))
        rounds = 2
    for _ in range(rounds):
        expected = share * totals
        band = 3.0 * np.sqrt(expected * (1 - share)) + 2.0
        usual = negs >= expected - band
        capped = np.minimum(negs, expected + band)[usual]
        share = (capped.sum() + 0.5) / (totals[usual].sum() - negs[usual].sum() + capped.sum() + 1.0)
    return float(share)


def _blocks(values: np.ndarray, block: int) -> np.ndarray:
    n = len(values) // block
    out: np.ndarray = values[len(values) - n * block :].reshape(n, block).sum(axis=1)
    return out


def _overdispersion(observed: np.ndarray, expected: np.ndarray, base_var: np.ndarray, extra_var: np.ndarray,
                    limit: float) -> float:
    """The theta in variance = base_var + theta x extra_var that makes the baseline's residuals unit-scale.

    Busy news days are busy for every desk, so the noise grows faster than the mean (a
    negative-binomial shape, not a scaled Poisson). Two things would read as noise and are
    not, and each would make the next spike look ordinary:

    * a slow swing of the level or share across the baseline (the expectation is one level
      for all of it): the scale is read from the *differences* of neighbouring blocks'
      standardised residuals, in which a slow swing cancels;
    * earlier spikes and bursts inside the baseline: the scale is the differences' median
      absolute deviation, read again without the blocks far above their neighbours.
    """
    keep = base_var > 0.25
    if (keep[1:] & keep[:-1]).sum() < 4:
        return 0.0
    o, e, b, x = observed, expected, np.maximum(base_var, 1e-9), extra_var
    theta = _solve_scale(o, e, b, x, keep[1:] & keep[:-1], limit)
    # Earlier spikes are many in a long history (each one spoils two differences), and a scale
    # read with them stays wide enough to hide the next spike. So blocks far *above* their
    # neighbours (a local median, which follows a slow swing) are set aside and the scale read
    # again without the differences they touch, twice. Only the upper side is trimmed: at three
    # standard deviations that takes a few in a thousand ordinary blocks, so quiet noise is not
    # made to look quieter than it is.
    for _ in range(2):
        z = (o - e) / np.sqrt(b + theta * x)
        out = keep & (z - _local_median(z, keep, 5) > 3.0)
        pairs = keep[1:] & keep[:-1] & ~out[1:] & ~out[:-1]
        if pairs.sum() < 4:
            break
        theta = _solve_scale(o, e, b, x, pairs, limit)
    return theta


def _local_median(z: np.ndarray, keep: np.ndarray, half: int) -> np.ndarray:
    """The median of each block's kept neighbours within ``half`` blocks either side (itself included)."""
    padded = np.full(len(z) + 2 * half, np.nan)
    padded[half : half + len(z)] = np.where(keep, z, np.nan)
    near = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a block with no kept neighbour: 0 below
        out: np.ndarray = np.nan_to_num(np.nanmedian(near, axis=1), nan=0.0)
    return out


def _solve_scale(o: np.ndarray, e: np.ndarray, b: np.ndarray, x: np.ndarray, pairs: np.ndarray,
                 limit: float) -> float:
    def scale(theta: float) -> float:
        z = (o - e) / np.sqrt(b + theta * x)
        u = (z[1:] - z[:-1])[pairs] / math.sqrt(2.0)
        return 1.4826 * float(np.median(np.abs(u - np.median(u))))

    if scale(0.0) <= 1.0:
        return 0.0
    if scale(limit) > 1.0:
        return limit
    lo, hi = 0.0, limit
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if scale(mid) > 1.0 else (lo, mid)
    return hi


def _trimmed_level(negs: np.ndarray, weights: np.ndarray, recency: np.ndarray, level: float, theta: float) -> float:
    """The level again, leaving out blocks more than three standard deviations above it.

    The spread is the negative binomial's at the measured overdispersion ``theta``, so on a
    bursty source a busy day stays in and only a spike goes; trimming the upper side at three
    deviations takes a few ordinary blocks in a thousand, too few to bias the level down. With
    no block left (a history of nothing but spikes) the level stays as it was.
    """
    for _ in range(2):
        e = level * weights
        keep = negs <= e + 3.0 * np.sqrt(e + theta * e * e) + 1.0
        if not keep.any():
            break
        level = (float((recency * negs)[keep].sum()) + 0.5) / max(float((recency * weights)[keep].sum()), 1e-9)
    return level


def grade(verdict_ratio: float, p_value: float, alpha: float) -> str:
    """Severity from the size of the rise and the strength of the evidence."""
    if verdict_ratio >= 4.0 and p_value <= alpha * 1e-3:
        return "awas"
    if verdict_ratio >= 2.5 and p_value <= alpha * 1e-2:
        return "siaga"
    return "waspada"


@dataclass(kw_only=True, frozen=True)
class _Reading:
    """What a key's history says about the next window: its level, share and noise."""

    level: float  # negative articles per unit of profile weight
    all_level: float  # all articles per unit of profile weight
    tot_level: float  # the same, plain mean (for the verdict's expected total)
    share: float
    theta: float
    theta_all: float
    rho: float


def _read_history(d_tot: np.ndarray, d_neg: np.ndarray, d_w: np.ndarray, window: int, level_buckets: int,
                  step: timedelta, cfg: DetectorConfig) -> _Reading:
    """Read the level, share and overdispersion from the buckets before a window of ``window`` buckets."""
    lb = max(1, min(level_buckets, len(d_tot)))
    b_tot, b_neg, b_w = d_tot[-lb:], d_neg[-lb:], d_w[-lb:]
    recency = _recency(len(b_neg), step, timedelta(days=cfg.half_life_days))  # for every level read below
    level = _robust_level(b_neg, b_w, recency)
    tot_level = (b_tot.sum() + 0.5) / max(float(b_w.sum()), 1e-9)
    share = _robust_share(b_neg, b_tot)
    o, e, t = _blocks(d_neg, window), _blocks(level * d_w, window), _blocks(d_tot, window)
    theta = _overdispersion(o, e, e, e * e, cfg.max_overdispersion)
    # A busy day is busy for every desk: the overdispersion of all coverage, read on counts
    # several times larger than the negatives alone, is a floor under that of the negatives.
    all_level = _robust_level(b_tot, b_w, recency)
    e_all = _blocks(all_level * d_w, window)
    theta_all = _overdispersion(t, e_all, e_all, e_all * e_all, cfg.max_overdispersion)
    theta = max(theta, theta_all)
    # With the noise known, past spikes can be told from busy days: the level is read again
    # without the windows far above it, instead of with them capped (a capped spike still
    # lifted the level by a tenth when a fortnight held three of them). It is judged on
    # window-length blocks, the scale theta was measured on: an hour with six articles of one
    # press conference is ordinary clustering, not a spike to leave out.
    level = _trimmed_level(_blocks(b_neg, window), _blocks(b_w, window), _blocks(recency, window) / window,
                           level, theta)
    pq = share * (1 - share)
    rho = _overdispersion(o, share * t, pq * t, pq * t * np.maximum(t - 1, 0), 0.5)
    return _Reading(level=level, all_level=all_level, tot_level=tot_level, share=share, theta=theta,
                    theta_all=theta_all, rho=rho)


@dataclass(kw_only=True, frozen=True)
class _Test:
    volume: bool
    by_share: bool
    p_volume: float
    p_share: float
    ratio: float  # the larger rise of those that passed (observed / expected)


def _test(observed: int, total: int, window_weight: float, r: _Reading, watch: float, cfg: DetectorConfig) -> _Test:
    """The volume and share tests on one window (or two as one), passing at p <= ``watch`` and the floors."""
    expected = r.level * window_weight
    rest_expected = max(r.all_level * window_weight - expected, 0.0)
    p_vol = _volume_p(*_given_rest(observed, expected, total - observed, rest_expected, r.theta, r.theta_all))
    p_share = _share_p(observed, total, r.share, r.rho)
    expected_at_share = r.share * total
    volume = (
        observed - expected >= cfg.min_increase
        and observed >= cfg.min_ratio * expected
        and p_vol <= watch
        and observed >= expected_at_share  # the share did not fall: not a burst of other coverage
    )
    by_share = (
        observed - expected_at_share >= cfg.min_increase
        and observed >= cfg.min_share_ratio * expected_at_share
        and p_share <= watch
    )
    ratios = ([observed / max(expected, 1e-9)] if volume else []) + (
        [observed / max(expected_at_share, 1e-9)] if by_share else [])
    return _Test(volume=volume, by_share=by_share, p_volume=p_vol, p_share=p_share, ratio=max(ratios, default=0.0))


def evaluate(
    totals: np.ndarray,
    negatives: np.ndarray,
    weights: np.ndarray,
    window: int,
    cfg: DetectorConfig,
    *,
    window_start: datetime,
    window_end: datetime,
    baseline_buckets: int | None = None,
    level_buckets: int | None = None,
) -> Verdict:
    """Judge the last ``window`` buckets against the buckets before them.

    The arrays are aligned (one entry per bucket, zeros included); ``weights`` is the
    profile's relative volume of each bucket. ``baseline_buckets`` is how many buckets of
    history the key really has (its series may start later than the array does).
    ``level_buckets`` is the baseline the level and share are read from (the last that many
    buckets before the window); the overdispersion is read from all of the history given, which
    callers make ``dispersion_blocks`` windows long where it exists: a fortnight is only 14
    blocks of a day, too few to tell a noisy source from a quiet one.
    """
    tot = np.asarray(totals, dtype=float)
    neg = np.asarray(negatives, dtype=float)
    w = np.asarray(weights, dtype=float)
    lb = len(tot) - window if level_buckets is None else level_buckets
    observed = int(neg[-window:].sum().round())
    total = int(tot[-window:].sum().round())
    window_weight = float(w[-window:].sum())
    step = (window_end - window_start) / window
    r = _read_history(tot[:-window], neg[:-window], w[:-window], window, lb, step, cfg)
    # alpha is a false-alarm rate per watch per day: a window of one hour is judged 24 times a
    # day, so each of its verdicts gets a 24th of it, and every window length alerts about as
    # rarely on noise. ``watch`` is the weakest evidence that still raises a (waspada) alert.
    alpha = cfg.alpha * min(1.0, step * window / timedelta(days=1))
    watch = alpha * cfg.waspada_factor
    best = _test(observed, total, window_weight, r, watch, cfg)
    expected = r.level * window_weight
    windows, before = 1, 0
    history = min(lb, len(tot) - window) if baseline_buckets is None else min(baseline_buckets, lb,
                                                                                len(tot) - window)
    enough = timedelta(days=cfg.min_baseline_days)

    def verdict(reason: str, severity: str = "") -> Verdict:
        return Verdict(window_start=window_start, window_end=window_end, observed=observed, total=total,
                       expected=expected, baseline_share=r.share, expected_total=r.tot_level * window_weight,
                       p_volume=best.p_volume, p_share=best.p_share, theta=r.theta, rho=r.rho, reason=reason,
                       severity=severity, windows=windows, before=before)

    if history * step < enough:
        return verdict("baseline too short")
    if observed < cfg.min_count:
        return verdict("")
    if (not (best.volume or best.by_share) and cfg.sustained_gate > 0 and (history - window) * step >= enough
            and min(best.p_volume, best.p_share) <= 0.2):
        # A doubling that lasts two windows on a thin count may be unremarkable in either and
        # plain in both together. So this window and the one before are judged as one, against
        # the history before both (the first day of a rise must not lift the baseline of the
        # second), with half of alpha. It is a test for rises no single window shows: this
        # window must stand out there itself, and the one before must not have alerted alone,
        # so the day after a one-day spike does not alert on the spike's account. (The 0.2 only
        # skips the second reading where this window is ordinary even against a baseline it lifted.)
        r2 = _read_history(tot[: -2 * window], neg[: -2 * window], w[: -2 * window], window, lb, step, cfg)
        prev = slice(len(tot) - 2 * window, len(tot) - window)
        pair = slice(len(tot) - 2 * window, None)
        here = _test(observed, total, window_weight, r2, cfg.sustained_gate, cfg)
        earlier = _test(int(neg[prev].sum().round()), int(tot[prev].sum().round()), float(w[prev].sum()), r2,
                        watch, cfg)
        # The pair's spread is taken as one window's, relative to its mean, not half of it as two
        # independent busy days would give: the level's own error (a season it lags) is common to
        # both windows and does not average out. Halving it doubled the pair's false alarms on
        # bursty daily series.
        two = _test(int(neg[pair].sum().round()), int(tot[pair].sum().round()), float(w[pair].sum()), r2,
                    watch / 2, cfg)
        if not (earlier.volume or earlier.by_share) and (
                (two.volume and here.volume) or (two.by_share and here.by_share)):
            best = _Test(volume=two.volume and here.volume, by_share=two.by_share and here.by_share,
                         p_volume=two.p_volume, p_share=two.p_share, ratio=two.ratio)
            expected = r2.level * window_weight
            windows, before = 2, int(neg[prev].sum().round())
    if not (best.volume or best.by_share):
        return verdict("")
    reason = "volume+share" if best.volume and best.by_share else "volume" if best.volume else "share"
    p_best = min([p for p, on in ((best.p_volume, best.volume), (best.p_share, best.by_share)) if on])
    return verdict(reason, grade(best.ratio, p_best, alpha))


def judge_series(
    series: Sequence[Count],
    step: timedelta,
    window: int,
    cfg: DetectorConfig,
    profile: Profile,
    *,
    history_start: datetime | None = None,
) -> Verdict:
    """Judge the last ``window`` buckets of a dense series (one Count per step, oldest first)."""
    if len(series) <= window:
        raise ValueError(f"a series of {len(series)} buckets has no baseline before a window of {window}")
    starts = [c.start for c in series]
    totals = np.fromiter((c.total for c in series), dtype=float, count=len(series))
    negs = np.fromiter((c.negative for c in series), dtype=float, count=len(series))
    weights = profile.weights(starts)
    history = None
    if history_start is not None:
        history = max(0, int((series[-window].start - history_start) / step))
    return evaluate(totals, negs, weights, window, cfg, window_start=series[-window].start,
                    window_end=series[-1].start + step, baseline_buckets=history)


def baseline_buckets(cfg: DetectorConfig, step: timedelta) -> int:
    return max(1, int(timedelta(days=cfg.baseline_days) / step))
