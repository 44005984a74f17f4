"""Derived importance of drivers (key driver analysis) by Johnson's relative weights.

Stated importance crowds at the top of the scale, so cxcore derives importance from the
data: how much of the variance of an outcome (overall satisfaction, likelihood to
recommend) each driver (touchpoint or attribute rating) accounts for. Standardised
regression coefficients are unstable when drivers are correlated, which CX drivers always
are; Johnson's relative weights split the model R^2 among correlated drivers instead
(cx-metrics.md 3.11).

Reference: Johnson, J. W. (2000). "A heuristic method for estimating the relative weight of
predictor variables in multiple regression". *Multivariate Behavioral Research* 35(1):1-19.
"""

from __future__ import annotations

from typing import Final, Literal, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from cxcore.stats._arrays import FloatArray, as_float

__all__ = ["DriverMethod", "RelativeWeights", "relative_weights"]

DriverMethod: TypeAlias = Literal["johnson", "squared_correlation", "none"]
"""How :func:`relative_weights` computed its answer (see :class:`RelativeWeights`)."""

# Johnson's transform divides by sqrt(eigenvalue); below this ratio to the largest
# eigenvalue (condition number 1e10) the split between near-duplicate drivers is rounding
# noise, so the honest answer is the simpler squared correlations.
_MIN_EIGEN_RATIO: Final = 1e-10


def _readonly(a: FloatArray) -> FloatArray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@attrs.frozen(kw_only=True, eq=False)
class RelativeWeights:
    """Result of :func:`relative_weights`; arrays follow the column order of ``x``.

    * ``raw``: share of outcome variance per driver; sums to ``r_squared`` when ``method``
      is ``"johnson"`` (for ``"squared_correlation"`` they are squared Pearson correlations,
      which overlap and need not sum to R^2).
    * ``rescaled``: ``raw`` as percentages summing to 100 (NaN if ``raw`` sums to 0).
    * ``correlations``: Pearson r of each driver with the outcome, to show the direction
      (weights are unsigned).
    * ``r_squared``: R^2 of the least-squares fit of the outcome on all drivers.
    * ``method``: ``"johnson"``; ``"squared_correlation"`` (one driver, fewer than
      ``k + 2`` complete rows, or collinear drivers); or ``"none"`` when nothing can be
      estimated (fewer than 3 complete rows, constant outcome, all drivers constant), in
      which case everything is NaN.
    * ``n_used``: complete rows used after listwise deletion of rows with any NaN.

    A driver that is constant over the rows used gets weight 0 (it explains nothing) and a
    NaN correlation.
    """

    raw: FloatArray = attrs.field(converter=_readonly)
    rescaled: FloatArray = attrs.field(converter=_readonly)
    correlations: FloatArray = attrs.field(converter=_readonly)
    r_squared: float
    method: DriverMethod
    n_used: int


def _none(k: int, n_used: int) -> RelativeWeights:
    nan = np.full(k, np.nan)
    return RelativeWeights(
        raw=nan,
        rescaled=nan,
        correlations=nan,
        r_squared=float("nan"),
        method="none",
        n_used=n_used,
    )


def relative_weights(x: npt.ArrayLike, y: npt.ArrayLike) -> RelativeWeights:
    """Johnson's relative weights of the ``k`` columns of ``x`` (n x k) for outcome ``y`` (n,).

    Rows with a NaN in ``y`` or any driver are dropped (listwise deletion). With R_xx the
    drivers' correlation matrix and r_xy their correlations with ``y``::

        R_xx = V diag(lambda) V^T
        Lambda = V diag(sqrt(lambda)) V^T     # drivers' loadings on orthogonal counterparts
        beta = Lambda^-1 r_xy                 # outcome regressed on the orthogonal set
        raw_j = sum_m Lambda_jm^2 * beta_m^2  # sums to R^2

    Falls back to squared correlations when ``k == 1`` (where they coincide with the
    weights), when there are fewer than ``k + 2`` complete rows, or when R_xx is singular
    or ill-conditioned (condition number above 1e10); ``method`` says which was used.

    Raises ``ValueError`` on infinite values or mismatched shapes.
    """
    xa = as_float(x)
    ya = as_float(y).ravel()
    if xa.ndim == 1:
        xa = xa[:, np.newaxis]
    if xa.ndim != 2 or xa.shape[0] != ya.shape[0]:
        raise ValueError(f"x must be (n, k) and y (n,), got {xa.shape} and {ya.shape}")
    if np.any(np.isinf(xa)) or np.any(np.isinf(ya)):
        raise ValueError("x and y must not contain infinite values")
    k = xa.shape[1]

    complete = ~np.isnan(ya) & ~np.any(np.isnan(xa), axis=1)
    xs, ys = xa[complete], ya[complete]
    n_used = int(xs.shape[0])
    if n_used < 3 or k == 0:
        return _none(k, n_used)

    # Centre, then scale to unit length: cross-products of unit vectors are correlations.
    xc = xs - xs.mean(axis=0)
    yc = ys - ys.mean()
    x_norm = np.sqrt(np.sum(xc * xc, axis=0))
    y_norm = float(np.sqrt(np.sum(yc * yc)))
    # A column is constant if its spread is rounding noise relative to its magnitude.
    scale = np.maximum(np.abs(xs).max(axis=0), np.finfo(np.float64).tiny)
    varying = x_norm > 1e-12 * scale * np.sqrt(n_used)
    if y_norm <= 1e-12 * max(float(np.abs(ys).max()), np.finfo(np.float64).tiny) * np.sqrt(n_used):
        return _none(k, n_used)
    if not np.any(varying):
        return _none(k, n_used)

    z = xc[:, varying] / x_norm[varying]
    zy = yc / y_norm
    r_xy = z.T @ zy
    r_xx = z.T @ z
    kv = z.shape[1]

    correlations = np.full(k, np.nan)
    correlations[varying] = r_xy

    # R^2 of the full least-squares fit; lstsq's minimum-norm solution keeps it correct even
    # when the drivers are collinear.
    coef = np.linalg.lstsq(z, zy, rcond=None)[0]
    r_squared = float(np.clip(r_xy @ coef, 0.0, 1.0))

    raw = np.zeros(k)
    method: DriverMethod = "squared_correlation"
    if kv > 1 and n_used >= kv + 2:
        eigval, eigvec = np.linalg.eigh(r_xx)
        if eigval.min() > _MIN_EIGEN_RATIO * eigval.max():
            root = np.sqrt(eigval)
            lam = (eigvec * root) @ eigvec.T
            beta = (eigvec / root) @ (eigvec.T @ r_xy)
            raw[varying] = (lam * lam) @ (beta * beta)
            method = "johnson"
            # Same quantity as the lstsq R^2 up to rounding; report the one the weights sum to.
            r_squared = float(raw.sum())
    if method == "squared_correlation":
        raw[varying] = r_xy * r_xy

    total = raw.sum()
    rescaled = 100.0 * raw / total if total > 0.0 else np.full(k, np.nan)
    return RelativeWeights(
        raw=raw,
        rescaled=rescaled,
        correlations=correlations,
        r_squared=r_squared,
        method=method,
        n_used=n_used,
    )
