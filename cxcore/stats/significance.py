"""Two-sided significance tests between two independent groups, from counts or sums.

Used to say whether a change between periods (or a gap between segments) is larger than
sampling noise. Each test returns the test statistic and a two-sided p-value; arguments
broadcast like numpy arrays, and all-scalar calls return Python floats.

Sign conventions (read before showing a statistic to anyone):

* ``two_proportion_z`` and ``welch_t`` are "group 1 minus group 2", like scipy and
  statsmodels;
* ``nps_change_z`` is a *change*, "period 2 minus period 1" (cx-metrics.md 3.2): positive
  means the NPS went up.

A test that is undefined for a group (an empty group, no variance at all) yields NaN for
that group rather than raising, so one degenerate group does not stop a batch. Invalid
counts raise ``ValueError``.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

from cxcore.stats._arrays import FloatArray, as_float, finish, scalar_call
from cxcore.stats._checks import check_nonnegative
from cxcore.stats.distributions import norm_sf, t_sf
from cxcore.stats.intervals import _mean_var, _nps_adjusted

__all__ = ["nps_change_z", "two_proportion_z", "welch_t"]


def _two_sided_normal(z: FloatArray) -> FloatArray:
    # The survival function of |z| keeps tiny p-values exact instead of rounding to 0.
    return np.minimum(2.0 * as_float(norm_sf(np.abs(as_float(z)))), 1.0)


@overload
def two_proportion_z(x1: float, n1: float, x2: float, n2: float) -> tuple[float, float]: ...
@overload
def two_proportion_z(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]: ...
def two_proportion_z(
    x1: npt.ArrayLike, n1: npt.ArrayLike, x2: npt.ArrayLike, n2: npt.ArrayLike
) -> tuple[float | FloatArray, float | FloatArray]:
    """Pooled two-proportion z-test of ``x1/n1`` against ``x2/n2``: ``(z, p_two_sided)``.

    ``z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2))`` with the pooled ``p = (x1 + x2) /
    (n1 + n2)``; the same statistic as statsmodels' ``proportions_ztest`` and as a 2x2
    chi-square test without continuity correction (``z**2 == chi2``).

    NaN when either group is empty or when the pooled proportion is 0 or 1 (both groups
    all-no or all-yes: there is no variance to test against).
    """
    a1, m1, a2, m2 = as_float(x1), as_float(n1), as_float(x2), as_float(n2)
    for name, v in (("x1", a1), ("n1", m1), ("x2", a2), ("n2", m2)):
        check_nonnegative(name, v)
    if np.any(a1 > m1) or np.any(a2 > m2):
        raise ValueError("successes must not exceed n")
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (a1 + a2) / (m1 + m2)
        se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / m1 + 1.0 / m2))
        z = (a1 / m1 - a2 / m2) / se
    z = np.where((m1 > 0.0) & (m2 > 0.0) & (se > 0.0), z, np.nan)
    scalar = scalar_call(x1, n1, x2, n2)
    return finish(z, scalar), finish(_two_sided_normal(z), scalar)


@overload
def nps_change_z(
    p1: float, pa1: float, d1: float, p2: float, pa2: float, d2: float
) -> tuple[float, float]: ...
@overload
def nps_change_z(
    p1: npt.ArrayLike,
    pa1: npt.ArrayLike,
    d1: npt.ArrayLike,
    p2: npt.ArrayLike,
    pa2: npt.ArrayLike,
    d2: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray]: ...
def nps_change_z(
    p1: npt.ArrayLike,
    pa1: npt.ArrayLike,
    d1: npt.ArrayLike,
    p2: npt.ArrayLike,
    pa2: npt.ArrayLike,
    d2: npt.ArrayLike,
) -> tuple[float | FloatArray, float | FloatArray]:
    """Adjusted-Wald z-test of an NPS change between two independent samples: ``(z, p)``.

    Arguments are promoter / passive / detractor counts of period 1 then period 2.
    ``z = (NPS'2 - NPS'1) / sqrt(SE'1^2 + SE'2^2)`` with the adjusted-Wald NPS' and SE' of
    :func:`cxcore.stats.nps_adjusted_wald` (Lewis & Sauro,
    https://measuringu.com/nps-significance-test/ ; cx-metrics.md 3.2). Positive z means
    period 2 scored higher.

    Worked example (cx-metrics.md 3.2): 100/60/40 then 121/59/40 gives z ~= 0.90,
    p ~= 0.37: not significant. Only valid for *different* respondents in the two periods;
    a panel of the same customers needs a paired test. NaN when either period is empty.
    """
    nps1, se1, n_1 = _nps_adjusted(as_float(p1), as_float(pa1), as_float(d1))
    nps2, se2, n_2 = _nps_adjusted(as_float(p2), as_float(pa2), as_float(d2))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (nps2 - nps1) / np.sqrt(se1 * se1 + se2 * se2)
    z = np.where((n_1 > 0.0) & (n_2 > 0.0), z, np.nan)
    scalar = scalar_call(p1, pa1, d1, p2, pa2, d2)
    return finish(z, scalar), finish(_two_sided_normal(z), scalar)


@overload
def welch_t(
    n1: float, total1: float, total_sq1: float, n2: float, total2: float, total_sq2: float
) -> tuple[float, float, float]: ...
@overload
def welch_t(
    n1: npt.ArrayLike,
    total1: npt.ArrayLike,
    total_sq1: npt.ArrayLike,
    n2: npt.ArrayLike,
    total2: npt.ArrayLike,
    total_sq2: npt.ArrayLike,
) -> tuple[FloatArray, FloatArray, FloatArray]: ...
def welch_t(
    n1: npt.ArrayLike,
    total1: npt.ArrayLike,
    total_sq1: npt.ArrayLike,
    n2: npt.ArrayLike,
    total2: npt.ArrayLike,
    total_sq2: npt.ArrayLike,
) -> tuple[float | FloatArray, float | FloatArray, float | FloatArray]:
    """Welch's unequal-variance t-test from sufficient statistics: ``(t, df, p_two_sided)``.

    Each group is ``(count, sum, sum of squares)``. ``t = (mean1 - mean2) /
    sqrt(s1^2/n1 + s2^2/n2)`` with Welch-Satterthwaite df, as scipy's
    ``ttest_ind_from_stats(..., equal_var=False)``. ``df`` is returned because an analyst
    reporting "t(df) = ..., p = ..." needs it.

    NaN when a group has fewer than 2 responses or both groups have zero variance. The
    variance caveat of :func:`cxcore.stats.mean_t` applies.
    """
    c1, c2 = as_float(n1), as_float(n2)
    for name, v in (("n1", c1), ("n2", c2)):
        check_nonnegative(name, v)
    check_nonnegative("total_sq1", as_float(total_sq1))
    check_nonnegative("total_sq2", as_float(total_sq2))
    mean1, var1 = _mean_var(c1, as_float(total1), as_float(total_sq1))
    mean2, var2 = _mean_var(c2, as_float(total2), as_float(total_sq2))
    with np.errstate(divide="ignore", invalid="ignore"):
        v1 = var1 / c1
        v2 = var2 / c2
        se2 = v1 + v2
        t = (mean1 - mean2) / np.sqrt(se2)
        df = se2 * se2 / (v1 * v1 / (c1 - 1.0) + v2 * v2 / (c2 - 1.0))
    defined = (c1 >= 2.0) & (c2 >= 2.0) & (se2 > 0.0)
    t = np.where(defined, t, np.nan)
    df = np.where(defined, df, np.nan)
    p = np.minimum(2.0 * as_float(t_sf(np.abs(t), df)), 1.0)
    scalar = scalar_call(n1, total1, total_sq1, n2, total2, total_sq2)
    return finish(t, scalar), finish(df, scalar), finish(p, scalar)
