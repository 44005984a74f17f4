"""Estimates with their intervals from sufficient statistics, for every group at once.

These are the finalisers the built-in calculators share; third-party calculators can use them
too. Intervals come from :mod:`cxcore.stats` (adjusted Wald for NPS, Wilson for proportions,
Student t for means).
"""

from __future__ import annotations

import numpy as np

from ..stats import mean_t, nps_adjusted_wald, wilson
from .batch import F64, I64
from .calculator import ChangeBasis, Estimates, FinalizeContext, as_int

__all__ = ["count_estimates", "mean_estimates", "nps_estimates", "proportion_estimates"]


def _f(a: np.ndarray) -> F64:
    return np.asarray(a, dtype=np.float64)


def nps_estimates(
    promoters: np.ndarray,
    passives: np.ndarray,
    detractors: np.ndarray,
    ctx: FinalizeContext,
    *,
    names: tuple[str, str, str] = ("promoters", "passives", "detractors"),
) -> Estimates:
    """NPS = 100 (promoters - detractors) / n with the adjusted-Wald interval."""
    pro, pas, det = _f(promoters), _f(passives), _f(detractors)
    n = pro + pas + det
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(n > 0, 100.0 * (pro - det) / n, np.nan)
    low, high = nps_adjusted_wald(pro, pas, det, ctx.confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        comps = {
            names[0]: pro,
            names[1]: pas,
            names[2]: det,
            f"{names[0]}_pct": np.where(n > 0, 100.0 * pro / n, np.nan),
            f"{names[2]}_pct": np.where(n > 0, 100.0 * det / n, np.nan),
        }
    return Estimates(
        n=as_int(n),
        value=value,
        low=low,
        high=high,
        method="adjusted_wald",
        components=comps,
        change=ChangeBasis(
            kind="nps", arrays={"promoters": pro, "passives": pas, "detractors": det}
        ),
    )


def proportion_estimates(
    successes: np.ndarray,
    n: np.ndarray,
    ctx: FinalizeContext,
    *,
    success_name: str = "successes",
    multiplier: float = 100.0,
) -> Estimates:
    """A share in percent (``multiplier`` 100) with the Wilson interval."""
    x, m = _f(successes), _f(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(m > 0, multiplier * x / m, np.nan)
    low, high = wilson(np.minimum(x, m), m, ctx.confidence)
    return Estimates(
        n=as_int(m),
        value=value,
        low=multiplier * low,
        high=multiplier * high,
        method="wilson",
        components={success_name: x},
        change=ChangeBasis(kind="proportion", arrays={"successes": x, "n": m}),
    )


def mean_estimates(
    n: np.ndarray,
    total: np.ndarray,
    total_sq: np.ndarray,
    ctx: FinalizeContext,
    *,
    extra: dict[str, F64] | None = None,
) -> Estimates:
    """A mean with the Student-t interval, from count, sum and sum of squares."""
    m, s1, s2 = _f(n), _f(total), _f(total_sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(m > 0, s1 / m, np.nan)
        var = np.where(m > 1, np.maximum(s2 - s1 * value, 0.0) / (m - 1), np.nan)
    low, high = mean_t(m, s1, np.maximum(s2, 0.0), ctx.confidence)
    comps: dict[str, F64] = {"sd": np.sqrt(var)}
    if extra:
        comps.update(extra)
    return Estimates(
        n=as_int(m),
        value=value,
        low=low,
        high=high,
        method="t",
        components=comps,
        change=ChangeBasis(kind="mean", arrays={"n": m, "total": s1, "total_sq": s2}),
    )


def count_estimates(n: I64 | F64) -> Estimates:
    """A count: the value is the number of records (no interval)."""
    counts = as_int(np.asarray(n))
    return Estimates(n=counts, value=counts.astype(np.float64))
