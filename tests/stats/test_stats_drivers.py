"""Johnson's relative weights: planted answers, OLS R^2, an independent SVD computation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from cxcore.stats import RelativeWeights, relative_weights


def _unit(a: np.ndarray) -> np.ndarray:
    c = a - a.mean(axis=0)
    return np.asarray(c / np.sqrt((c * c).sum(axis=0)))


def _ols_r2(x: np.ndarray, y: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(_unit(x), _unit(y), rcond=None)
    resid = _unit(y) - _unit(x) @ coef
    return float(1.0 - resid @ resid)


def _johnson_by_svd(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson (2000) as he describes it: the orthonormal matrix closest to Z is P Q^T."""
    z, zy = _unit(x), _unit(y)
    p, _, qt = np.linalg.svd(z, full_matrices=False)
    z_star = p @ qt
    lam = z_star.T @ z  # loadings of each x on the orthogonal counterparts
    beta = z_star.T @ zy  # y regressed on orthonormal columns
    return np.asarray((lam**2).T @ (beta**2))


def _correlated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cov = np.array([[1, 0.6, 0.3, 0.2], [0.6, 1, 0.4, 0.3], [0.3, 0.4, 1, 0.1], [0.2, 0.3, 0.1, 1]])
    x = rng.multivariate_normal(np.zeros(4), cov, size=n)
    y = x @ np.array([0.4, 0.3, 0.3, 0.1]) + 0.8 * rng.normal(size=n)
    return x, y


def test_planted_answer_independent_drivers() -> None:
    # y = 3 x1 + 1 x2 + noise with independent x: x1 explains 9 / (9 + 1) = 90 % of R^2.
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20_000, 3))
    y = 3 * x[:, 0] + x[:, 1] + rng.normal(size=20_000)
    res = relative_weights(x, y)
    assert res.method == "johnson" and res.n_used == 20_000
    assert res.rescaled == pytest.approx([90.0, 10.0, 0.0], abs=0.5)
    assert res.rescaled.sum() == pytest.approx(100.0, rel=1e-12)
    assert res.r_squared == pytest.approx(10 / 11, abs=0.01)  # var(signal) 10, noise 1


def test_weights_sum_to_ols_r2() -> None:
    x, y = _correlated(2000, 2)
    res = relative_weights(x, y)
    assert res.method == "johnson"
    assert res.raw.sum() == pytest.approx(res.r_squared, rel=1e-12)
    assert res.r_squared == pytest.approx(_ols_r2(x, y), rel=1e-12)


def test_matches_independent_svd_computation() -> None:
    for seed in range(5):
        x, y = _correlated(300 + 100 * seed, seed)
        res = relative_weights(x, y)
        assert res.raw == pytest.approx(_johnson_by_svd(x, y), rel=1e-10)


def test_uncorrelated_drivers_get_squared_correlations() -> None:
    # With exactly orthogonal drivers R_xx = I, so each weight is r_j^2 exactly.
    rng = np.random.default_rng(6)
    raw = rng.normal(size=(500, 3))
    # QR of centred columns gives orthonormal columns that stay centred (they span the
    # same space, which is orthogonal to the constant vector): sample correlations are 0.
    x, _ = np.linalg.qr(raw - raw.mean(axis=0))
    y = x @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=500) * 0.1
    res = relative_weights(x, y)
    r = np.array([np.corrcoef(x[:, j], y)[0, 1] for j in range(3)])
    assert res.method == "johnson"
    assert res.raw == pytest.approx(r**2, rel=1e-6)
    assert res.correlations == pytest.approx(r, rel=1e-10)
    assert res.correlations[1] < 0 < res.correlations[0]  # direction kept separately


def test_invariant_to_scaling_shifting_and_column_order() -> None:
    x, y = _correlated(800, 3)
    base = relative_weights(x, y)
    moved = relative_weights(x * [1, 10, 0.1, 3] + [5, -2, 100, 0], 7 * y - 3)
    assert moved.raw == pytest.approx(base.raw, rel=1e-9)
    order = [2, 0, 3, 1]
    permuted = relative_weights(x[:, order], y)
    assert permuted.raw == pytest.approx(base.raw[order], rel=1e-9)


def test_nan_rows_dropped_listwise() -> None:
    x, y = _correlated(500, 4)
    x_nan, y_nan = x.copy(), y.copy()
    x_nan[3, 1] = np.nan
    x_nan[10, 0] = np.nan
    y_nan[20] = np.nan
    res = relative_weights(x_nan, y_nan)
    keep = np.ones(500, dtype=bool)
    keep[[3, 10, 20]] = False
    assert res.n_used == 497
    assert res.raw == pytest.approx(relative_weights(x[keep], y[keep]).raw, rel=1e-12)


def test_single_driver_falls_back_to_squared_correlation() -> None:
    x, y = _correlated(400, 5)
    res = relative_weights(x[:, 0], y)
    r = np.corrcoef(x[:, 0], y)[0, 1]
    assert res.method == "squared_correlation"
    assert res.raw == pytest.approx([r**2], rel=1e-12)
    assert res.r_squared == pytest.approx(r**2, rel=1e-12)
    assert res.rescaled.tolist() == [100.0]


def test_collinear_drivers_fall_back() -> None:
    x, y = _correlated(400, 6)
    dup = np.column_stack([x[:, 0], 2 * x[:, 0] + 1, x[:, 1]])
    res = relative_weights(dup, y)
    r = np.array([np.corrcoef(dup[:, j], y)[0, 1] for j in range(3)])
    assert res.method == "squared_correlation"
    assert res.raw == pytest.approx(r**2, rel=1e-10)
    assert res.rescaled == pytest.approx(100 * r**2 / (r**2).sum(), rel=1e-10)
    assert res.r_squared == pytest.approx(_ols_r2(x[:, :2], y), rel=1e-9)


def test_too_few_rows_fall_back_or_give_none() -> None:
    x, y = _correlated(5, 7)  # k = 4 needs at least 6 rows for Johnson
    assert relative_weights(x, y).method == "squared_correlation"
    none = relative_weights(x[:2], y[:2])
    assert none.method == "none" and np.isnan(none.raw).all() and none.n_used == 2


def test_constant_outcome_and_constant_driver() -> None:
    x, y = _correlated(300, 8)
    flat = relative_weights(x, np.full(300, 4.0))
    assert flat.method == "none" and np.isnan(flat.rescaled).all()
    with_const = np.column_stack([x[:, :2], np.full(300, 3.0)])
    res = relative_weights(with_const, y)
    assert res.method == "johnson"
    assert res.raw[2] == 0.0 and np.isnan(res.correlations[2])
    assert res.raw[:2] == pytest.approx(relative_weights(x[:, :2], y).raw, rel=1e-12)


def test_invalid_input_raises() -> None:
    with pytest.raises(ValueError):
        relative_weights(np.ones((5, 2)), np.ones(4))
    with pytest.raises(ValueError):
        relative_weights(np.array([[1.0, np.inf], [2.0, 3.0], [3.0, 1.0]]), [1.0, 2.0, 3.0])


def test_result_is_frozen_and_read_only() -> None:
    x, y = _correlated(100, 9)
    res = relative_weights(x, y)
    assert isinstance(res, RelativeWeights)
    with pytest.raises(AttributeError):
        res.method = "none"  # type: ignore[misc]
    with pytest.raises(ValueError):
        res.raw[0] = 1.0


@settings(max_examples=60, deadline=None)
@given(
    seed=hst.integers(0, 2**32 - 1),
    n=hst.integers(10, 400),
    k=hst.integers(2, 6),
    corr=hst.floats(0.0, 0.9),
)
def test_weights_nonnegative_and_sum_to_r2(seed: int, n: int, k: int, corr: float) -> None:
    rng = np.random.default_rng(seed)
    common = rng.normal(size=(n, 1))
    x = np.sqrt(corr) * common + np.sqrt(1 - corr) * rng.normal(size=(n, k))
    y = x @ rng.normal(size=k) + rng.normal(size=n)
    res = relative_weights(x, y)
    assert res.method == "johnson"
    assert (res.raw >= -1e-15).all()
    assert res.raw.sum() == pytest.approx(_ols_r2(x, y), rel=1e-9, abs=1e-12)
    assert res.raw == pytest.approx(_johnson_by_svd(x, y), rel=1e-7, abs=1e-12)
