"""Two-group tests: worked NPS example, scipy as oracle, vector/scalar agreement."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as hst

from cxcore.stats import nps_change_z, two_proportion_z, welch_t


def _scipy_stats() -> Any:
    return pytest.importorskip("scipy.stats")


# --- NPS change -----------------------------------------------------------------------------


def test_nps_change_reproduces_cx_metrics_worked_value() -> None:
    # cx-metrics.md 3.2: 100/60/40 (NPS 30) then 121/59/40 (NPS ~36.8): z ~ 0.90, p ~ 0.37.
    z, p = nps_change_z(100, 60, 40, 121, 59, 40)
    assert (round(z, 2), round(p, 2)) == (0.90, 0.37)
    # Same numbers written out step by step.
    nps1, nps2 = (100.75 - 40.75) / 203, (121.75 - 40.75) / 223
    se1 = math.sqrt(((100.75 + 40.75) / 203 - nps1**2) / 203)
    se2 = math.sqrt(((121.75 + 40.75) / 223 - nps2**2) / 223)
    assert z == pytest.approx((nps2 - nps1) / math.hypot(se1, se2), rel=1e-13)
    assert 100 * (nps2 - nps1) == pytest.approx(6.77, abs=0.01)  # "+6.8 points (adjusted)"


def test_nps_change_sign_is_period2_minus_period1() -> None:
    z_up, p_up = nps_change_z(100, 60, 40, 121, 59, 40)
    z_down, p_down = nps_change_z(121, 59, 40, 100, 60, 40)
    assert z_up > 0 and z_down == -z_up and p_up == p_down


def test_nps_change_empty_period_is_nan_and_bad_counts_raise() -> None:
    z, p = nps_change_z([0, 10], [0, 5], [0, 5], [10, 0], [5, 0], [5, 0])
    assert np.isnan(z).all() and np.isnan(p).all()
    with pytest.raises(ValueError):
        nps_change_z(1, 1, -1, 1, 1, 1)


def test_nps_change_p_value_matches_scipy_normal() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(2)
    c = rng.integers(0, 2000, size=(400, 6)).astype(float)
    z, p = nps_change_z(*c.T)
    assert p == pytest.approx(2 * sps.norm.sf(np.abs(z)), rel=1e-12)


# --- two proportions ------------------------------------------------------------------------


def test_two_proportion_z_by_hand() -> None:
    z, p = two_proportion_z(37, 50, 30, 50)
    pooled = 67 / 100
    expected = (0.74 - 0.60) / math.sqrt(pooled * (1 - pooled) * (2 / 50))
    assert z == pytest.approx(expected, rel=1e-14)
    assert p == pytest.approx(0.1365695634745342, rel=1e-10)


def test_two_proportion_z_matches_scipy_chi2_and_normal() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(4)
    n1 = rng.integers(5, 3000, 200)
    n2 = rng.integers(5, 3000, 200)
    x1 = rng.integers(1, n1)
    x2 = rng.integers(1, n2)
    z, p = two_proportion_z(x1, n1, x2, n2)
    for i in range(n1.size):
        table = np.array([[x1[i], n1[i] - x1[i]], [x2[i], n2[i] - x2[i]]])
        chi2, chi_p, _, _ = sps.chi2_contingency(table, correction=False)
        assert z[i] ** 2 == pytest.approx(chi2, rel=1e-10)
        assert p[i] == pytest.approx(chi_p, rel=1e-9, abs=1e-300)
    assert p == pytest.approx(2 * sps.norm.sf(np.abs(z)), rel=1e-12)


def test_two_proportion_z_degenerate_and_invalid() -> None:
    z, p = two_proportion_z([0, 10, 0, 5], [10, 10, 0, 10], [0, 20, 3, 5], [20, 20, 10, 10])
    assert np.isnan(z[:3]).all() and np.isnan(p[:3]).all()  # no variance / empty group
    assert z[3] == 0.0 and p[3] == 1.0
    with pytest.raises(ValueError):
        two_proportion_z(11, 10, 1, 10)


def test_two_proportion_tiny_p_value_is_not_rounded_to_zero() -> None:
    z, p = two_proportion_z(9000, 10000, 1000, 10000)
    assert z > 100 and 0.0 <= p < 1e-300  # underflows only below the double range
    z, p = two_proportion_z(600, 1000, 400, 1000)
    assert 0.0 < p < 1e-18


@settings(max_examples=200, deadline=None)
@given(
    n1=hst.integers(1, 10**6),
    n2=hst.integers(1, 10**6),
    f1=hst.floats(0, 1),
    f2=hst.floats(0, 1),
)
def test_two_proportion_vector_scalar_agree_and_sign(
    n1: int, n2: int, f1: float, f2: float
) -> None:
    x1, x2 = round(f1 * n1), round(f2 * n2)
    z, p = two_proportion_z(x1, n1, x2, n2)
    assume(not math.isnan(z))
    zv, pv = two_proportion_z([x1, x2], [n1, n2], [x2, x1], [n2, n1])
    assert zv.tolist() == [z, -z] and pv.tolist() == [p, p]
    assert (z > 0) == (x1 / n1 > x2 / n2) or z == 0
    assert 0.0 <= p <= 1.0


# --- Welch ----------------------------------------------------------------------------------


def _sums(x: np.ndarray) -> tuple[int, float, float]:
    return x.size, float(x.sum()), float((x**2).sum())


def test_welch_matches_scipy_ttest_ind_from_stats() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(8)
    for size1, size2 in [(2, 2), (3, 10), (25, 40), (500, 80), (10_000, 30_000)]:
        a = rng.integers(1, 8, size1).astype(float)
        b = rng.integers(1, 8, size2).astype(float) + 0.3
        a[0], b[0] = 1.0, 7.0  # guarantee spread
        t, df, p = welch_t(*_sums(a), *_sums(b))
        ref = sps.ttest_ind_from_stats(
            a.mean(), a.std(ddof=1), size1, b.mean(), b.std(ddof=1), size2, equal_var=False
        )
        assert t == pytest.approx(ref.statistic, rel=1e-10)
        assert p == pytest.approx(ref.pvalue, rel=1e-9)
        raw = sps.ttest_ind(a, b, equal_var=False)
        assert df == pytest.approx(raw.df, rel=1e-10)


def test_welch_vectorised_over_groups() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(12)
    groups = [(rng.normal(3, 1, 40), rng.normal(3.4, 2, 60)) for _ in range(50)]
    s1 = np.array([_sums(a) for a, _ in groups]).T
    s2 = np.array([_sums(b) for _, b in groups]).T
    t, df, p = welch_t(*s1, *s2)
    assert t.shape == df.shape == p.shape == (50,)
    for i, (a, b) in enumerate(groups):
        ref = sps.ttest_ind(a, b, equal_var=False)
        assert (t[i], df[i], p[i]) == pytest.approx((ref.statistic, ref.df, ref.pvalue), rel=1e-9)


def test_welch_degenerate_groups() -> None:
    t, df, p = welch_t([1, 5, 3], [4, 20, 9], [16, 80, 27], [5, 5, 3], [20, 20, 6], [90, 80, 12])
    # n1 < 2; then two pairs of groups with zero variance on both sides.
    assert np.isnan(t).all() and np.isnan(df).all() and np.isnan(p).all()
    # One zero-variance group is fine: all the uncertainty comes from the other.
    ts, dfs, ps = welch_t(3, 9, 27, 3, 3, 5)  # group 1: 3,3,3; group 2: 0,1,2
    assert ts == pytest.approx(2.0 / math.sqrt(1.0 / 3.0)) and dfs == pytest.approx(2.0)
    assert type(ts) is float and type(ps) is float
