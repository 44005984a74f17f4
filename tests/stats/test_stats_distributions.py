"""cxcore.stats.distributions against closed forms, textbook values and scipy (oracle)."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from cxcore.stats import norm_cdf, norm_ppf, norm_sf, t_cdf, t_ppf, t_sf

DFS = [1.0, 1.01, 1.5, 2.0, 2.5, 3.0, 4.7, 10.0, 29.0, 100.0, 1234.5, 9999.0, 1e4, 1e5, 1e7, 1e12]
PROBS = np.array(
    [1e-12, 1e-8, 1e-6, 1e-4, 5e-4, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.45]
    + [0.55, 0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9995, 1 - 1e-6, 1 - 1e-10]
)


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _scipy_stats() -> Any:
    return pytest.importorskip("scipy.stats")


# --- without scipy --------------------------------------------------------------------------


def test_textbook_values() -> None:
    # Reference digits computed with 30-digit mpmath (erfinv, incomplete beta + findroot).
    assert norm_ppf(0.975) == pytest.approx(1.959963984540054235, rel=1e-15)
    assert norm_ppf(0.995) == pytest.approx(2.575829303548900761, rel=1e-15)
    assert t_ppf(0.975, 10) == pytest.approx(2.228138851986274748, rel=1e-13)
    assert t_ppf(0.975, 29) == pytest.approx(2.045229642132704298, rel=1e-13)
    assert t_ppf(0.995, 5) == pytest.approx(4.032142983555228078, rel=1e-13)
    assert norm_cdf(1.959963984540054235) == pytest.approx(0.975, rel=1e-15)
    assert t_sf(2.228138851986274748, 10) == pytest.approx(0.025, rel=1e-13)
    assert norm_sf(20.0) == pytest.approx(2.753624118606233695e-89, rel=1e-13)


def test_cauchy_and_df2_closed_forms() -> None:
    x = np.array([-1e6, -30.0, -1.0, -1e-3, 0.0, 1e-3, 0.5, 1.0, 7.0, 1e3, 1e8])
    cauchy_sf = np.where(x > 0, np.arctan2(1.0, x) / math.pi, 0.5 - np.arctan(x) / math.pi)
    assert _rel(t_sf(x, 1.0), cauchy_sf) < 1e-13
    # df = 2: P(T > x) = 1/2 - x / (2 sqrt(2 + x^2))
    df2_cdf = 0.5 + x / (2.0 * np.sqrt(2.0 + x * x))
    assert np.max(np.abs(t_cdf(x, 2.0) - df2_cdf)) < 1e-15
    p = np.array([1e-10, 0.01, 0.3, 0.7, 0.975])
    # Cauchy quantile -cot(pi p): written without "p - 1/2", which would round tiny p.
    assert _rel(t_ppf(p, 1.0), -1.0 / np.tan(math.pi * p)) < 1e-13


def test_edges_and_invalid_inputs() -> None:
    assert norm_ppf([0.0, 1.0, 0.5]).tolist() == [-math.inf, math.inf, 0.0]
    assert np.isnan(norm_ppf([-0.1, 1.1, math.nan])).all()
    assert t_ppf([0.0, 1.0, 0.5], 4.0).tolist() == [-math.inf, math.inf, 0.0]
    assert np.isnan(t_ppf([-0.1, 1.1, math.nan, 0.3, 0.3], [3, 3, 3, 0, -1])).all()
    assert t_sf([math.inf, -math.inf, 0.0], 3.0).tolist() == [0.0, 1.0, 0.5]
    assert np.isnan(t_sf([math.nan, 1.0, 1.0], [3.0, 0.0, math.nan])).all()
    # df = inf is the normal distribution.
    assert t_ppf(0.975, math.inf) == norm_ppf(0.975)
    assert t_sf(1.5, math.inf) == pytest.approx(norm_sf(1.5), rel=1e-15)


def test_scalar_in_float_out_array_in_array_out() -> None:
    assert type(norm_ppf(0.3)) is float
    assert type(t_ppf(0.3, 5)) is float
    assert type(t_sf(np.float64(0.3), 5)) is float
    zero_d = t_ppf(np.array(0.3), 5)
    assert isinstance(zero_d, np.ndarray) and zero_d.shape == ()
    grid = t_ppf([[0.025], [0.975]], [[3.0, 4.0, 5.0]])
    assert grid.shape == (2, 3)
    expected = [3.182446305283709593, 2.776445105197794358, 2.570581835636315515]
    assert grid[1].tolist() == pytest.approx(expected, rel=1e-13)
    # Not bit-identical: 1 - 0.975 is 0.025000000000000022 in binary floating point.
    assert grid[0].tolist() == pytest.approx((-grid[1]).tolist(), rel=1e-14)


def test_symmetry_keeps_both_tails_exact() -> None:
    x = np.array([0.1, 2.0, 9.0, 40.0])
    for df in (1.0, 3.5, 50.0, 1e6):
        assert np.array_equal(t_cdf(-x, df), t_sf(x, df))
    assert np.array_equal(norm_cdf(-x), norm_sf(x))
    # 1 - cdf would round these to 0; the survival functions keep them.
    assert 0.0 < norm_sf(20.0) < 1e-88
    assert 0.0 < t_sf(1e4, 30.0) < 1e-90


@settings(max_examples=300, deadline=None)
@given(
    p=hst.floats(min_value=1e-12, max_value=1 - 1e-12),
    df=hst.one_of(hst.floats(min_value=1.0, max_value=1e8), hst.integers(1, 500).map(float)),
)
def test_ppf_inverts_cdf(p: float, df: float) -> None:
    t = t_ppf(p, df)
    tail = min(p, 1.0 - p)
    back = t_cdf(t, df) if p < 0.5 else t_sf(t, df)
    assert back == pytest.approx(tail, rel=1e-10)


@settings(max_examples=200, deadline=None)
@given(p=hst.floats(min_value=1e-300, max_value=1.0, exclude_max=True))
def test_norm_ppf_inverts_cdf(p: float) -> None:
    x = norm_ppf(p)
    back = norm_cdf(x) if p < 0.5 else norm_sf(x)
    # Relative error of the round trip grows like |x|^2 * eps from rounding x itself.
    assert back == pytest.approx(min(p, 1.0 - p), rel=1e-13 * max(1.0, x * x))


@settings(max_examples=100, deadline=None)
@given(
    ps=hst.lists(hst.floats(min_value=1e-9, max_value=1 - 1e-9), min_size=1, max_size=20),
    df=hst.floats(min_value=1.0, max_value=1e5),
)
def test_vector_and_scalar_calls_agree(ps: list[float], df: float) -> None:
    vec = t_ppf(ps, df)
    assert vec.tolist() == [t_ppf(p, df) for p in ps]
    vec_sf = t_sf(ps, df)
    assert vec_sf.tolist() == [t_sf(p, df) for p in ps]


def test_no_scipy_at_runtime() -> None:
    code = "import sys, cxcore.stats; sys.exit('scipy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- scipy as the oracle --------------------------------------------------------------------


def test_norm_matches_scipy() -> None:
    sps = _scipy_stats()
    p = np.concatenate([np.logspace(-300, -1, 400), np.linspace(0.01, 0.49, 500)])
    p = np.concatenate([p, np.linspace(0.51, 0.99, 500)])
    p = np.concatenate([p, 1 - np.logspace(-15, -1, 100)])
    assert _rel(norm_ppf(p), sps.norm.ppf(p)) < 1e-14
    x = np.linspace(-37.0, 8.0, 2001)
    assert _rel(norm_cdf(x), sps.norm.cdf(x)) < 1e-12  # far tails: rounding of x / sqrt 2
    assert _rel(norm_sf(-x), sps.norm.sf(-x)) < 1e-12


@pytest.mark.parametrize("df", DFS)
def test_t_matches_scipy(df: float) -> None:
    sps = _scipy_stats()
    x = np.concatenate([-np.logspace(-5, 3, 200), [0.0], np.logspace(-5, 3, 200)])
    expected_sf = sps.t.sf(x, df)
    usable = expected_sf > 1e-290
    # scipy itself is only good to ~4e-12 for the Cauchy (df=1) near x=0.
    assert _rel(t_sf(x, df)[usable], expected_sf[usable]) < 1e-10
    expected_cdf = sps.t.cdf(x, df)
    usable = expected_cdf > 1e-290
    assert _rel(t_cdf(x, df)[usable], expected_cdf[usable]) < 1e-10
    assert _rel(t_ppf(PROBS, df), sps.t.ppf(PROBS, df)) < 1e-10


def test_fractional_df_below_one_matches_scipy_or_is_nan() -> None:
    sps = _scipy_stats()
    for df in (0.2, 0.5, 0.9):
        assert _rel(t_ppf(PROBS, df), sps.t.ppf(PROBS, df)) < 1e-10
        assert _rel(t_sf(3.0, df), sps.t.sf(3.0, df)) < 1e-12
    # df = 0.05 at p = 1e-6: the quantile is ~1e113 and Newton gives up -> NaN, not junk.
    got = t_ppf([1e-6, 0.025], 0.05)
    assert math.isnan(got[0])
    assert got[1] == pytest.approx(sps.t.ppf(0.025, 0.05), rel=1e-10)


def test_t_ppf_many_groups_matches_scipy() -> None:
    sps = _scipy_stats()
    rng = np.random.default_rng(7)
    df = np.concatenate([rng.integers(1, 5000, 3000).astype(float), rng.uniform(1, 2e5, 3000)])
    p = rng.uniform(0.0, 1.0, df.size)
    p[::3] = 0.975  # the engine's common case: one level, many df
    got = t_ppf(p, df)
    assert _rel(got, sps.t.ppf(p, df)) < 1e-9
