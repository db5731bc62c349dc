"""The spike detector on hand-built series: what must alert, and the noise that must not."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from alerts.backtest import Series, backtest
from alerts.detect import Count, DetectorConfig, Profile, Verdict, evaluate, fit_profile, judge_series, severity_rank

WITA = timezone(timedelta(hours=8))
START = datetime(2025, 6, 2, tzinfo=WITA)  # a Monday
HOUR = timedelta(hours=1)
RHYTHM = np.array([0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 0.9, 1.3, 1.6, 1.7, 1.6, 1.5,
                   1.3, 1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.1, 1.0, 0.8, 0.5, 0.3])


def hourly(days: int, per_day: float, share: float, seed: int = 3) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """Poisson counts with a newsroom's day and quieter weekends."""
    rng = np.random.default_rng(seed)
    starts = [START + i * HOUR for i in range(days * 24)]
    weekday = np.array([1.0 if s.weekday() < 5 else 0.7 for s in starts])
    mean = per_day / RHYTHM.sum() * RHYTHM[[s.hour for s in starts]] * weekday
    negative = rng.poisson(mean * share).astype(float)
    total = negative + rng.poisson(mean * (1 - share))
    return starts, total, negative


def series(starts: list[datetime], total: np.ndarray, negative: np.ndarray) -> list[Count]:
    return [Count(start=s, total=int(t), negative=int(n)) for s, t, n in zip(starts, total, negative, strict=True)]


def judge(starts: list[datetime], total: np.ndarray, negative: np.ndarray, window: int = 6,
          cfg: DetectorConfig | None = None) -> tuple[str, str]:
    cfg = cfg or DetectorConfig()
    profile = fit_profile(starts[:-window], total[:-window], HOUR)
    v = judge_series(series(starts, total, negative), HOUR, window, cfg, profile)
    return v.severity, v.reason


def test_a_tripling_of_negative_coverage_alerts_and_its_size_sets_the_severity() -> None:
    starts, total, negative = hourly(16, 240, 0.2)
    quiet = judge(starts, total, negative)
    assert quiet == ("", ""), quiet
    for h in range(1, 7):  # the last 6 hours (early morning): three times the usual negatives
        extra = 2 * max(1, int(240 / RHYTHM.sum() * RHYTHM[starts[-h].hour] * 0.2))
        negative[-h] += extra
        total[-h] += extra
    severity, reason = judge(starts, total, negative)
    assert severity in ("waspada", "siaga", "awas") and "volume" in reason
    negative[-6:] += 20
    total[-6:] += 20
    bigger, _ = judge(starts, total, negative)
    assert severity_rank(bigger) > severity_rank(severity)


def test_one_article_never_alerts_even_where_none_is_usual() -> None:
    starts, total, negative = hourly(16, 24, 0.0)
    assert negative.sum() == 0
    negative[-1] += 1
    total[-1] += 1
    assert judge(starts, total, negative) == ("", "")


def test_a_burst_of_positive_coverage_does_not_alert_even_with_some_mislabelled() -> None:
    starts, total, negative = hourly(16, 240, 0.2)
    usual_negative = negative[-6:].sum()
    burst = 400  # a festival: 400 extra articles in 6 hours, 6 % of them read as negative by the model
    negative[-6:] += np.array([4, 4, 4, 4, 4, 4])
    total[-6:] += burst / 6
    assert negative[-6:].sum() >= usual_negative + 24
    assert judge(starts, total, negative) == ("", "")


def test_a_slow_drift_of_a_few_points_over_weeks_does_not_alert() -> None:
    days = 42
    rng = np.random.default_rng(5)
    starts = [START + i * HOUR for i in range(days * 24)]
    mean = 600 / RHYTHM.sum() * RHYTHM[[s.hour for s in starts]]
    share = np.linspace(0.18, 0.23, len(starts))  # five points in six weeks
    negative = rng.poisson(mean * share).astype(float)
    total = negative + rng.poisson(mean * (1 - share))
    s = Series(step=HOUR, starts=starts, regions={"64.72": (total, negative)}, first_seen={"64.72": 0})
    assert backtest(s, DetectorConfig()) == []


def test_no_verdict_before_a_week_of_history() -> None:
    starts, total, negative = hourly(5, 240, 0.2)
    negative[-6:] += 30
    total[-6:] += 30
    cfg = DetectorConfig()
    profile = Profile.flat(HOUR)
    v = judge_series(series(starts, total, negative), HOUR, 6, cfg, profile)
    assert not v.alerting and v.reason == "baseline too short"


def test_the_profile_learns_night_and_weekend_from_pooled_volume() -> None:
    starts, total, _ = hourly(14, 2400, 0.2)
    profile = fit_profile(starts, total, HOUR)
    assert profile.hour[2] < 0.25 < 1.4 < profile.hour[9]
    assert profile.weekday[6] < 0.85 < 0.95 < profile.weekday[1]


@pytest.mark.parametrize("quiet_hour", [2, 10])
def test_the_same_count_is_a_spike_at_night_and_ordinary_in_the_morning(quiet_hour: int) -> None:
    starts, total, negative = hourly(16, 480, 0.2, seed=11)
    end = [i for i, s in enumerate(starts) if s.hour == quiet_hour][-1] + 1
    starts, total, negative = starts[:end], total[:end].copy(), negative[:end].copy()
    negative[-1] = 10
    total[-1] = max(total[-1], 30)
    severity, _ = judge(starts, total, negative, window=1)
    assert bool(severity) == (quiet_hour == 2)


def test_a_festival_in_the_baseline_does_not_lower_the_usual_share() -> None:
    """A day of positive coverage four times the usual volume lowers that day's share, not the usual one.

    (Hours with enough articles to tell; on a handful an hour the festival hours look ordinary.)
    """
    starts, total, negative = hourly(16, 2400, 0.2, seed=8)
    festival = slice(len(starts) - 5 * 24, len(starts) - 4 * 24)  # five days ago
    total[festival] += 3 * total[festival]
    cfg = DetectorConfig()
    profile = fit_profile(starts[:-6], total[:-6], HOUR)
    v = judge_series(series(starts, total, negative), HOUR, 6, cfg, profile)
    assert abs(v.baseline_share - 0.2) < 0.02, v.baseline_share
    assert not v.alerting, v


def test_waspada_rests_on_weaker_evidence_than_siaga_and_only_within_its_factor() -> None:
    """A 1.8x day on a quiet regency: a waspada exactly when its p-value is within waspada_factor x alpha."""
    starts, total, negative = hourly(16, 60, 0.2, seed=21)
    extra = np.round(negative[-24:] * 0.8 + 0.3)
    negative[-24:] += extra
    total[-24:] += extra
    profile = fit_profile(starts[:-24], total[:-24], HOUR)

    def verdict(factor: float) -> tuple[str, float]:
        v = judge_series(series(starts, total, negative), HOUR, 24, DetectorConfig(waspada_factor=factor), profile)
        p = min(v.p_volume if "volume" in v.reason else 1.0, v.p_share if "share" in v.reason else 1.0)
        return v.severity, p if v.alerting else min(v.p_volume, v.p_share)

    loose, p = verdict(1e6)
    assert loose == "waspada", loose
    assert DetectorConfig().alpha < p < 1.0, p  # weaker than alpha: only the watch level can carry it
    assert verdict(0.5 * p / DetectorConfig().alpha)[0] == ""
    assert verdict(2.0 * p / DetectorConfig().alpha)[0] == "waspada"


def test_page_furniture_never_explains_a_spike() -> None:
    from alerts.explain import stopwords

    assert {"baca", "simak", "halaman"} <= stopwords()
    assert "banjir" not in stopwords() and "korupsi" not in stopwords()


def test_daily_windows_read_the_noise_from_six_weeks_and_the_level_from_two() -> None:
    """A fortnight is only 14 daily blocks: a source whose negative stories came in bursts for a month
    is still a bursty source after two calm weeks, and a rise of 1.7x is within its usual swing. The
    level and share are the fortnight's all the same: the month before does not move them."""
    rng = np.random.default_rng(3)
    day = timedelta(days=1)
    starts = [START + i * day for i in range(43)]
    bursts = rng.gamma(1 / 0.25, 0.25, 28)  # negative stories in bursts: a CV of about 50 %
    negative = np.concatenate([rng.poisson(40 * bursts), rng.poisson(40, 14), [68]]).astype(float)
    total = negative + rng.poisson(160, 43)
    data = Series(step=day, starts=starts, regions={"64.72": (total, negative)}, first_seen={"64.72": 0})

    def last_day(cfg: DetectorConfig) -> list[str]:
        return [v.severity for _, v in backtest(data, cfg) if v.window_start == starts[-1]]

    assert last_day(DetectorConfig(dispersion_blocks=14)) == ["waspada"]  # two calm weeks alone: a spike
    assert last_day(DetectorConfig()) == []  # six weeks: the usual swing of this source

    def verdict(first: int) -> Verdict:
        return evaluate(total[first:], negative[first:], np.ones(43 - first), 1, DetectorConfig(),
                        window_start=starts[-1], window_end=starts[-1] + day, level_buckets=14)

    fortnight, six_weeks = verdict(28), verdict(0)
    assert six_weeks.theta > fortnight.theta + 0.02
    assert six_weeks.expected == pytest.approx(fortnight.expected)
    assert six_weeks.baseline_share == pytest.approx(fortnight.baseline_share)


def test_earlier_spikes_neither_widen_the_noise_nor_lift_the_level() -> None:
    """A region that had a bad week three times this month is not a noisy region: the spikes in its
    history are set aside when the noise and the level are read, so today's doubling still alerts."""
    rng = np.random.default_rng(5)
    day = timedelta(days=1)
    starts = [START + i * day for i in range(43)]
    negative = rng.poisson(20, 43).astype(float)
    total = negative + rng.poisson(80, 43)
    clean = evaluate(total, negative, np.ones(43), 1, DetectorConfig(), window_start=starts[-1],
                     window_end=starts[-1] + day, level_buckets=14)
    spiky_neg, spiky_tot = negative.copy(), total.copy()
    for d in (4, 5, 11, 19, 20, 30, 33, 38):  # earlier spikes, three in the last fortnight
        spiky_neg[d] += 40
        spiky_tot[d] += 40
    spiky_neg[-1] = negative[-1] = 40  # today: twice the usual
    spiky_tot[-1] = total[-1] = 120
    spiky = evaluate(spiky_tot, spiky_neg, np.ones(43), 1, DetectorConfig(), window_start=starts[-1],
                     window_end=starts[-1] + day, level_buckets=14)
    assert clean.expected == pytest.approx(20, rel=0.15)
    assert spiky.theta <= clean.theta + 0.01, (spiky.theta, clean.theta)
    assert spiky.expected == pytest.approx(clean.expected, rel=0.05)
    assert spiky.alerting


def test_a_daily_cluster_of_articles_in_one_hour_is_the_usual_day_not_a_spike() -> None:
    """Hourly counts cluster (a press conference brings six articles in one hour); past spikes are set
    aside per window-length block, so one ordinary clustered hour is neither trimmed from the level
    nor, the next day, read as a spike."""
    rng = np.random.default_rng(7)
    hours = 17 * 24
    starts = [START + i * HOUR for i in range(hours)]
    negative = np.zeros(hours)
    negative[10::24] = 6  # six negative articles at 10:00 every day, none otherwise
    total = negative + rng.poisson(3, hours)
    v = evaluate(total, negative, np.ones(hours), 24, DetectorConfig(), window_start=starts[-24],
                 window_end=starts[-1] + HOUR)
    assert v.observed == 6
    assert v.expected == pytest.approx(6, rel=0.2), v
    assert not v.alerting, v


def _days(n: int, seed: int, usual: float = 12.0) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    starts = [START + i * timedelta(days=1) for i in range(n)]
    negative = rng.poisson(usual, n).astype(float)
    return starts, negative + rng.poisson(4 * usual, n), negative


def _last_day(total: np.ndarray, negative: np.ndarray, starts: list[datetime],
              cfg: DetectorConfig | None = None) -> Verdict:
    return evaluate(total, negative, np.ones(len(starts)), 1, cfg or DetectorConfig(), window_start=starts[-1],
                    window_end=starts[-1] + timedelta(days=1), level_buckets=14)


@pytest.mark.parametrize("seed", [11, 13])
def test_a_rise_that_lasts_two_days_alerts_where_neither_day_would_alone(seed: int) -> None:
    """A region that usually has a dozen negative articles a day gets 24 two days running: neither
    day is rare enough to alert alone, both together are, judged against the history before both."""
    starts, total, negative = _days(43, seed=seed)
    for d in (-2, -1):
        total[d] += 24 - negative[d]
        negative[d] = 24
    alone = DetectorConfig(sustained_gate=0.0)
    assert not _last_day(total[:-1], negative[:-1], starts[:-1], alone).alerting  # the first day
    assert not _last_day(total, negative, starts, alone).alerting  # the second, by itself
    v = _last_day(total, negative, starts)
    assert v.alerting and "volume" in v.reason, v
    assert (v.windows, v.before, v.observed) == (2, 24, 24)
    assert v.expected == pytest.approx(12, rel=0.2)  # the usual day, not lifted by the first day of the rise
    assert v.to_dict()["windows"] == 2


def test_the_day_after_a_one_day_spike_does_not_alert_on_its_account() -> None:
    """Two days together are only evidence when the second stands out too: an ordinary day after a
    one-day spike is the spike's end, not a sustained rise."""
    starts, total, negative = _days(43, seed=12)
    total[-2] += 40 - negative[-2]
    negative[-2] = 40
    total[-1] += 13 - negative[-1]
    negative[-1] = 13
    assert _last_day(total[:-1], negative[:-1], starts[:-1]).alerting  # the spike itself
    v = _last_day(total, negative, starts)
    assert not v.alerting, v
