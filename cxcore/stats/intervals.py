"""Confidence intervals for the scores cxcore reports (CSAT shares, NPS, mean scores).

Every function takes counts or sufficient statistics, not raw responses: the engine keeps
only mergeable sums per group, and thousands of groups are computed in one call. Arguments
broadcast like numpy arrays; when all of them are plain scalars the bounds come back as
Python floats.

Conventions shared by all functions:

* a group with no usable data (``n == 0``, or ``n < 2`` for the t interval) gets NaN bounds,
  never an exception, so one empty group does not stop a batch;
* negative or infinite counts, more successes than trials and confidence levels outside
  (0, 1) are data errors and raise ``ValueError``;
* NaN inputs propagate to NaN bounds.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt

from cxcore.stats._arrays import FloatArray, as_float, finish, scalar_call
from cxcore.stats._checks import check_confidence, check_nonnegative
from cxcore.stats.distributions import norm_ppf, t_ppf

__all__ = ["mean_t", "nps_adjusted_wald", "wilson"]

# Rocks (2016) / Lewis & Sauro: the adjusted-Wald NPS interval adds a fixed 3 pseudo-responses,
# 3/4 each to promoters and detractors (so 3/2 to passives), whatever the confidence level.
_NPS_ADD_N = 3.0
_NPS_ADD_EACH = 0.75


def _z_two_sided(confidence: FloatArray) -> FloatArray:
    """Two-sided normal critical value; uses the small tail (1 - c)/2 to keep its precision."""
    return -as_float(norm_ppf(as_float((1.0 - confidence) / 2.0)))


@overload
def wilson(successes: float, n: float, confidence: float = 0.95) -> tuple[float, float]: ...
@overload
def wilson(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: npt.ArrayLike = 0.95
) -> tuple[FloatArray, FloatArray]: ...
def wilson(
    successes: npt.ArrayLike, n: npt.ArrayLike, confidence: npt.ArrayLike = 0.95
) -> tuple[float | FloatArray, float | FloatArray]:
    """Wilson score interval for a proportion, as ``(low, high)`` in [0, 1].

    Wilson (1927), *JASA* 22:209-212; recommended over the Wald interval by Brown, Cai &
    DasGupta (2001), *Statistical Science* 16(2):101-133. Same formula as statsmodels'
    ``proportion_confint(method="wilson")``::

        centre     = (p + z^2 / 2n) / (1 + z^2 / n)
        half-width = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2)

    with ``p = successes / n`` and ``z`` the two-sided normal critical value. Example
    (cx-metrics.md 3.3): 37 satisfied of 50 gives (0.604, 0.841) at 95 %.

    ``n == 0`` gives ``(nan, nan)``. Counts may be non-integer (weighted counts).
    The bounds are exactly 0 when ``successes == 0`` and exactly 1 when ``successes == n``.
    """
    x = as_float(successes)
    nn = as_float(n)
    conf = as_float(confidence)
    check_nonnegative("successes", x)
    check_nonnegative("n", nn)
    check_confidence(conf)
    if np.any(x > nn):
        raise ValueError("successes must not exceed n")

    z = _z_two_sided(conf)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / nn
        denom = 1.0 + z2 / nn
        centre = (p + z2 / (2.0 * nn)) / denom
        half = z / denom * np.sqrt(p * (1.0 - p) / nn + z2 / (4.0 * nn * nn))
        low = np.where(x == 0.0, 0.0, centre - half)
        high = np.where(x == nn, 1.0, centre + half)
    # x == 0 and x == n set exact bounds above, which must not survive a NaN count.
    empty = (nn == 0.0) | np.isnan(nn) | np.isnan(x)
    # Rounding can push a bound a few ulps outside [0, 1]; a proportion cannot be there.
    low = np.where(empty, np.nan, np.clip(low, 0.0, 1.0))
    high = np.where(empty, np.nan, np.clip(high, 0.0, 1.0))
    scalar = scalar_call(successes, n, confidence)
    return finish(low, scalar), finish(high, scalar)


def _nps_adjusted(
    promoters: FloatArray, passives: FloatArray, detractors: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Adjusted-Wald NPS as a fraction, its standard error, and the raw n (validated)."""
    check_nonnegative("promoters", promoters)
    check_nonnegative("passives", passives)
    check_nonnegative("detractors", detractors)
    n = promoters + passives + detractors
    n_adj = n + _NPS_ADD_N
    p_adj = (promoters + _NPS_ADD_EACH) / n_adj
    d_adj = (detractors + _NPS_ADD_EACH) / n_adj
    nps_adj = p_adj - d_adj
    # Variance of one +1/0/-1 response, p + d - (p - d)^2; cannot be negative in exact
    # arithmetic, clip the rounding.
    var = np.maximum(p_adj + d_adj - nps_adj * nps_adj, 0.0)
    se = np.sqrt(var / n_adj)
    return nps_adj, se, n


@overload
def nps_adjusted_wald(
    promoters: float, passives: float, detractors: float, confidence: float = 0.95
) -> tuple[float, float]: ...
@overload
def nps_adjusted_wald(
    promoters: npt.ArrayLike,
    passives: npt.ArrayLike,
    detractors: npt.ArrayLike,
    confidence: npt.ArrayLike = 0.95,
) -> tuple[FloatArray, FloatArray]: ...
def nps_adjusted_wald(
    promoters: npt.ArrayLike,
    passives: npt.ArrayLike,
    detractors: npt.ArrayLike,
    confidence: npt.ArrayLike = 0.95,
) -> tuple[float | FloatArray, float | FloatArray]:
    """Adjusted-Wald confidence interval for the Net Promoter Score, in NPS points.

    Method of Rocks (2016), "Interval Estimation for the 'Net Promoter Score'",
    *The American Statistician* 70(4):365-372, as popularised by MeasuringU (Lewis & Sauro,
    https://measuringu.com/nps-confidence-intervals/) and specified in cx-metrics.md 3.1::

        n' = n + 3,  p' = (promoters + 3/4) / n',  d' = (detractors + 3/4) / n'
        NPS' = p' - d',  SE' = sqrt((p' + d' - (p' - d')^2) / n')
        CI = 100 * (NPS' +/- z * SE'), clipped to [-100, 100]

    The pseudo-counts are the fixed constants of the method (not z-dependent), and the
    interval is centred on the *adjusted* NPS', not on the reported NPS: e.g. 44/2/4 gives
    NPS 80 but the interval (59.2, 91.7) around 75.5.

    A group with no responses gives ``(nan, nan)`` rather than the interval of the
    pseudo-counts alone.
    """
    pro, pas, det = as_float(promoters), as_float(passives), as_float(detractors)
    conf = as_float(confidence)
    check_confidence(conf)
    nps_adj, se, n = _nps_adjusted(pro, pas, det)
    z = _z_two_sided(conf)
    empty = n == 0.0
    low = np.where(empty, np.nan, np.clip(100.0 * (nps_adj - z * se), -100.0, 100.0))
    high = np.where(empty, np.nan, np.clip(100.0 * (nps_adj + z * se), -100.0, 100.0))
    scalar = scalar_call(promoters, passives, detractors, confidence)
    return finish(low, scalar), finish(high, scalar)


def _mean_var(
    n: FloatArray, total: FloatArray, total_sq: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Mean and unbiased sample variance from (count, sum, sum of squares); NaN when n < 2.

    With only these three sums the textbook form ``(S2 - S1^2 / n) / (n - 1)`` is all there
    is, and it subtracts two nearly equal numbers when the mean is large next to the spread.
    Its relative error is roughly ``eps * (1 + mean^2 / variance)`` times the error already
    in the sums: negligible for rating scales and durations, but not for, say, epoch
    timestamps, which the engine must shift (e.g. sum ``x - reference``) before summing.
    The result is clipped at 0 because a tiny negative value can only be rounding.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        ss = total_sq - total * mean
        var = np.maximum(ss, 0.0) / (n - 1.0)
    var = np.where(n >= 2.0, var, np.nan)
    return mean, var


@overload
def mean_t(
    n: float, total: float, total_sq: float, confidence: float = 0.95
) -> tuple[float, float]: ...
@overload
def mean_t(
    n: npt.ArrayLike,
    total: npt.ArrayLike,
    total_sq: npt.ArrayLike,
    confidence: npt.ArrayLike = 0.95,
) -> tuple[FloatArray, FloatArray]: ...
def mean_t(
    n: npt.ArrayLike,
    total: npt.ArrayLike,
    total_sq: npt.ArrayLike,
    confidence: npt.ArrayLike = 0.95,
) -> tuple[float | FloatArray, float | FloatArray]:
    """Student-t confidence interval for a mean from sufficient statistics.

    ``n`` responses with ``total = sum(x)`` and ``total_sq = sum(x**2)``; interval
    ``mean +/- t(1 - alpha/2, n - 1) * s / sqrt(n)`` with the unbiased sample variance s^2.
    ``n < 2`` gives ``(nan, nan)`` (no spread can be estimated).

    Numerical caveat: the variance comes from ``sum(x**2) - sum(x)**2 / n``, which loses
    relative precision about ``eps * mean^2 / variance``. For 1-5 or 0-10 scores and
    durations this is far below display precision; for values with a huge offset (epoch
    timestamps, large currency amounts with tiny spread) accumulate the sums of
    ``x - reference`` instead and add ``reference`` back to the bounds.
    """
    nn, s1, s2 = as_float(n), as_float(total), as_float(total_sq)
    conf = as_float(confidence)
    check_nonnegative("n", nn)
    check_nonnegative("total_sq", s2)
    check_confidence(conf)
    mean, var = _mean_var(nn, s1, s2)
    with np.errstate(invalid="ignore"):
        df = np.where(nn >= 2.0, nn - 1.0, np.nan)
        tcrit = -t_ppf((1.0 - conf) / 2.0, df)
        half = tcrit * np.sqrt(var / nn)
    low, high = mean - half, mean + half
    scalar = scalar_call(n, total, total_sq, confidence)
    return finish(low, scalar), finish(high, scalar)
