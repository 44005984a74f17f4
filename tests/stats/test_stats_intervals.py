"""Wilson, adjusted-Wald NPS and t intervals: worked values, properties, scipy as oracle."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hst

from cxcore.stats import mean_t, nps_adjusted_wald, wilson


def _scipy_stats() -> Any:
    return pytest.importorskip("scipy.stats")


# --- Wilson ---------------------------------------------------------------------------------


def test_wilson_reproduces_cx_metrics_worked_value() -> None:
    low, high = wilson(37, 50)  # cx-metrics.md 3.3: 37/50 -> [60.4 %, 84.1 %]
    assert (round(low, 3), round(high, 3)) == (0.604, 0.841)
    assert low == pytest.approx(0.6044684273515117, rel=1e-12)
    assert high == pytest.approx(0.8412847250644762, rel=1e-12)


def test_wilson_edges() -> None:
    low, high = wilson([0, 50, 0], [50, 50, 0])
    assert low[0] == 0.0 and high[1] == 1.0
    assert high[0] == pytest.approx(0.0713476, abs=1e-7)  # upper bound at 0/50
    assert low[1] == pytest.approx(1 - 0.0713476, abs=1e-7)
    assert math.isnan(low[2]) and math.isnan(high[2])
    assert all(math.isnan(v) for v in wilson(0, 0))
    assert all(math.isnan(v) for v in wilson(math.nan, 10))
    assert all(math.isnan(v) for v in wilson(0, math.nan))  # no exact 0 from a NaN group


@pytest.mark.parametrize(
    ("successes", "n", "confidence"),
    [(-1, 10, 0.95), (11, 10, 0.95), (5, -10, 0.95), (5, 10, 0.0), (5, 10, 1.0), (5, 10, 95)],
)
def test_wilson_rejects_invalid_input(successes: float, n: float, confidence: float) -> None:
    with pytest.raises(ValueError):
        wilson(successes, n, confidence)


def test_wilson_confidence_level_widens_interval() -> None:
    lows, highs = wilson(37, 50, [0.8, 0.9, 0.95, 0.99])
    assert np.all(np.diff(lows) < 0) and np.all(np.diff(highs) > 0)


@settings(max_examples=300, deadline=None)
@given(
    n=hst.integers(min_value=1, max_value=10**7),
    frac=hst.floats(min_value=0.0, max_value=1.0),
    confidence=hst.floats(min_value=0.5, max_value=0.999),
)
def test_wilson_contains_phat_and_stays_in_unit_interval(
    n: int, frac: float, confidence: float
) -> None:
    x = round(frac * n)
    low, high = wilson(x, n, confidence)
    assert 0.0 <= low <= x / n <= high <= 1.0
    vec_low, vec_high = wilson(np.array([x, x]), np.array([n, n]), confidence)
    assert vec_low.tolist() == [low, low] and vec_high.tolist() == [high, high]


def test_wilson_matches_scipy_binomtest() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(3)
    n = rng.integers(1, 5000, 300)
    x = rng.integers(0, n + 1)
    for conf in (0.9, 0.95, 0.99):
        low, high = wilson(x, n, conf)
        for i in range(n.size):
            ci = sps.binomtest(int(x[i]), int(n[i])).proportion_ci(conf, method="wilson")
            assert low[i] == pytest.approx(ci.low, abs=1e-12)
            assert high[i] == pytest.approx(ci.high, abs=1e-12)


def test_wilson_matches_statsmodels_formula_with_scipy_z() -> None:
    # statsmodels.stats.proportion.proportion_confint(method="wilson"), written out.
    sps = _scipy_stats()
    x, n = np.array([1.0, 13.0, 37.0, 499.0]), np.array([3.0, 40.0, 50.0, 500.0])
    crit = sps.norm.isf(0.05 / 2)
    crit2 = crit**2
    denom = 1 + crit2 / n
    center = (x / n + crit2 / (2 * n)) / denom
    dist = crit * np.sqrt(x / n * (1 - x / n) / n + crit2 / (4 * n**2)) / denom
    low, high = wilson(x, n)
    assert low == pytest.approx(center - dist, rel=1e-13)
    assert high == pytest.approx(center + dist, rel=1e-13)


# --- adjusted-Wald NPS ----------------------------------------------------------------------


def test_nps_reproduces_cx_metrics_worked_value() -> None:
    # cx-metrics.md 3.1: n = 50 (44 P, 2 A, 4 D): adjusted-Wald centre 75.5, CI [59.2, 91.7]
    low, high = nps_adjusted_wald(44, 2, 4)
    assert (round(low, 1), round(high, 1)) == (59.2, 91.7)
    assert (low + high) / 2 == pytest.approx(100 * (44.75 - 4.75) / 53, rel=1e-12)


def test_nps_adjusted_wald_by_hand() -> None:
    # n' = 203, p' = 100.75/203, d' = 40.75/203: every step written out.
    n_adj = 203.0
    p_adj, d_adj = 100.75 / n_adj, 40.75 / n_adj
    se = math.sqrt((p_adj + d_adj - (p_adj - d_adj) ** 2) / n_adj)
    z = 1.959963984540054
    low, high = nps_adjusted_wald(100, 60, 40)
    assert low == pytest.approx(100 * (p_adj - d_adj - z * se), rel=1e-13)
    assert high == pytest.approx(100 * (p_adj - d_adj + z * se), rel=1e-13)


def test_nps_clips_and_handles_empty_groups() -> None:
    low, high = nps_adjusted_wald([0, 0, 30, 0], [0, 0, 0, 2], [0, 10, 0, 0])
    assert math.isnan(low[0]) and math.isnan(high[0])
    assert low[1] == -100.0 and high[1] < -40.0
    assert high[2] == 100.0 and low[2] == pytest.approx(78.6977238725764, rel=1e-12)
    assert low[3] < 0.0 < high[3]
    with pytest.raises(ValueError):
        nps_adjusted_wald(-1, 0, 0)


@settings(max_examples=300, deadline=None)
@given(
    p=hst.integers(0, 5000),
    a=hst.integers(0, 5000),
    d=hst.integers(0, 5000),
    confidence=hst.floats(min_value=0.5, max_value=0.999),
)
def test_nps_interval_properties(p: int, a: int, d: int, confidence: float) -> None:
    assume(p + a + d > 0)
    low, high = nps_adjusted_wald(p, a, d, confidence)
    n_adj = p + a + d + 3
    centre = 100 * ((p + 0.75) - (d + 0.75)) / n_adj
    assert -100.0 <= low <= centre <= high <= 100.0
    vec = nps_adjusted_wald([p, p], [a, a], [d, d], confidence)
    assert vec[0].tolist() == [low, low] and vec[1].tolist() == [high, high]


def test_nps_matches_independent_computation_with_scipy_z() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(11)
    counts = rng.integers(0, 300, size=(500, 3)).astype(float)
    for conf in (0.9, 0.95, 0.99):
        z = sps.norm.ppf(1 - (1 - conf) / 2)
        n = counts.sum(axis=1) + 3
        p = (counts[:, 0] + 0.75) / n
        d = (counts[:, 2] + 0.75) / n
        se = np.sqrt((p + d - (p - d) ** 2) / n)
        low, high = nps_adjusted_wald(counts[:, 0], counts[:, 1], counts[:, 2], conf)
        assert low == pytest.approx(np.clip(100 * (p - d - z * se), -100, 100), abs=1e-10)
        assert high == pytest.approx(np.clip(100 * (p - d + z * se), -100, 100), abs=1e-10)


# --- t interval from sufficient statistics --------------------------------------------------


def test_mean_t_ces_seed_example() -> None:
    # domain.md CES example 10, 10, 8, 6, 9 -> mean 8.6; s = sqrt(2.8), t(0.975, 4).
    x = np.array([10.0, 10.0, 8.0, 6.0, 9.0])
    low, high = mean_t(5, x.sum(), (x**2).sum())
    half = 2.7764451051977944 * math.sqrt(2.8 / 5)
    assert (low + high) / 2 == pytest.approx(8.6, rel=1e-14)
    assert high - low == pytest.approx(2 * half, rel=1e-12)


def test_mean_t_degenerate_groups() -> None:
    low, high = mean_t([0, 1, 2, 4], [0, 3, 6, 20], [0, 9, 18, 100])
    assert np.isnan(low[:2]).all() and np.isnan(high[:2]).all()
    assert low[2] == high[2] == 3.0  # two identical answers: no spread
    assert low[3] == high[3] == 5.0
    with pytest.raises(ValueError):
        mean_t(5, 10, -1)


def test_mean_t_matches_scipy_on_raw_data() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(5)
    for size in (2, 3, 10, 57, 1000, 20000):
        x = rng.integers(1, 6, size).astype(float)
        if x.std() == 0:
            x[0] = 3.0 if x[1] != 3.0 else 4.0
        for conf in (0.9, 0.95, 0.99):
            low, high = mean_t(size, x.sum(), (x**2).sum(), conf)
            ref = sps.t.interval(conf, size - 1, loc=x.mean(), scale=sps.sem(x))
            assert low == pytest.approx(ref[0], rel=1e-12)
            assert high == pytest.approx(ref[1], rel=1e-12)


def test_mean_t_large_offset_caveat_is_real_but_bounded() -> None:
    # Documented caveat: with an offset 1e4 times the spread the variance loses ~8 digits,
    # which is still far below display precision; the shifted sums fix it entirely.
    rng = np.random.default_rng(9)
    x = 1e4 + rng.normal(size=10_000)
    low, high = mean_t(x.size, x.sum(), (x**2).sum())
    y = x - 1e4
    low_s, high_s = mean_t(y.size, y.sum(), (y**2).sum())
    assert high - low == pytest.approx(high_s - low_s, rel=1e-5)
    assert low == pytest.approx(low_s + 1e4, rel=1e-12)


@settings(max_examples=200, deadline=None)
@given(
    values=hst.lists(hst.integers(0, 10), min_size=2, max_size=200),
    confidence=hst.floats(min_value=0.5, max_value=0.999),
)
def test_mean_t_contains_mean_and_vector_agrees(values: list[int], confidence: float) -> None:
    x = np.array(values, dtype=float)
    n, s1, s2 = x.size, float(x.sum()), float((x**2).sum())
    low, high = mean_t(n, s1, s2, confidence)
    assert low <= s1 / n <= high
    vec_low, vec_high = mean_t([n, n], [s1, s1], [s2, s2], confidence)
    assert vec_low.tolist() == [low, low] and vec_high.tolist() == [high, high]
