"""Normal and Student-t distribution functions without scipy.

The metric engine must not pull scipy in at runtime, yet the intervals and tests it reports
need quantiles and tail probabilities accurate far beyond display precision. This module
provides them on numpy arrays (and on plain scalars):

* normal quantile: Wichura's algorithm AS 241 (PPND16), about 1e-16 relative accuracy
  (Wichura 1988, *Applied Statistics* 37(3):477-484);
* normal CDF / survival function: the C library ``erfc``, so tails keep full relative
  accuracy (``1 - cdf`` would lose it);
* Student-t CDF / survival function: the regularised incomplete beta function,
  ``P(|T| > t) = I_x(df/2, 1/2)`` with ``x = df / (df + t^2)``, evaluated by its continued
  fraction (modified Lentz), as in Press et al., *Numerical Recipes* (3rd ed.) section 6.4;
  for very large df a normalising transform (Hill 1970, CACM algorithm 395) replaces it;
* Student-t quantile: Hill's algorithm 396 (CACM 13(10), 1970) as a starting point, polished
  by Newton steps on the log tail probability above, so its accuracy is that of the CDF.

Against scipy the relative differences are typically 1e-13 or smaller for df >= 1; the tests
assert 1e-10 over a grid of df, tails and confidence levels.
"""

from __future__ import annotations

import math
from typing import Final, overload

import numpy as np
import numpy.typing as npt

from cxcore.stats._arrays import FloatArray, as_float, finish, scalar_call

__all__ = ["norm_cdf", "norm_ppf", "norm_sf", "t_cdf", "t_ppf", "t_sf"]

# numpy has neither erfc nor lgamma; the C library's versions are exact to an ulp or two,
# and an elementwise Python call costs ~0.1 us, which is cheap next to correctness.
_ERFC: Final = np.frompyfunc(math.erfc, 1, 1)
_LGAMMA: Final = np.frompyfunc(math.lgamma, 1, 1)

_SQRT1_2: Final = 1.0 / math.sqrt(2.0)
_HALF_LOG_PI: Final = 0.5 * math.log(math.pi)

# From this df on, Hill's normalising transform is within ~1e-12 relative of the exact tail
# down to 1e-300 (checked against 50-digit mpmath), whereas the continued fraction needs
# O(sqrt(df)) iterations and its rounding errors grow to ~1e-11 by df = 1e6.
_LARGE_DF: Final = 1e4
_CF_MAX_ITER: Final = 20_000
_CF_EPS: Final = 1e-15
_CF_TINY: Final = 1e-300
_NEWTON_MAX_ITER: Final = 60
# Newton converges quadratically: once a step is 1e-10 relative, the error left is ~1e-20,
# far below the CDF's own rounding noise (asking for ~1e-15 steps just chases that noise).
_NEWTON_RTOL: Final = 1e-10

# --- AS 241 (PPND16) coefficients, Wichura 1988. -------------------------------------------
_A: Final = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_B: Final = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_C: Final = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_D: Final = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_E: Final = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_F: Final = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def _poly(coefs: tuple[float, ...], x: FloatArray) -> FloatArray:
    """Horner evaluation of ``sum(coefs[i] * x**i)``."""
    acc = np.full_like(x, coefs[-1])
    for c in reversed(coefs[:-1]):
        acc = acc * x + c
    return acc


def _lgamma(x: FloatArray) -> FloatArray:
    return np.asarray(_LGAMMA(x), dtype=np.float64)


def _lgamma_half_ratio(a: FloatArray) -> FloatArray:
    """``lgamma(a + 1/2) - lgamma(a)`` for a > 0, accurate even for huge a.

    The plain difference cancels catastrophically once lgamma(a) is ~1e6 or more (df ~ 1e5),
    costing ~1e-9 relative in every t probability; the Stirling form keeps full precision.
    """
    out = np.empty_like(a)
    small = a < 10.0
    if np.any(small):
        s = a[small]
        out[small] = _lgamma(s + 0.5) - _lgamma(s)
    big = ~small
    if np.any(big):
        z = a[big]
        # Stirling: lgamma(z) = (z - 1/2) log z - z + log(2 pi)/2 + corr(z); the log(2 pi)
        # terms cancel and a*log1p(1/(2a)) - 1/2 is O(1/a) with no cancellation of note.
        out[big] = (
            0.5 * np.log(z)
            + (z * np.log1p(0.5 / z) - 0.5)
            + _stirling_corr(z + 0.5)
            - _stirling_corr(z)
        )
    return out


def _stirling_corr(z: FloatArray) -> FloatArray:
    """Tail of Stirling's series for lgamma; truncation error < 1e-12 for z >= 10."""
    zi = 1.0 / z
    zi2 = zi * zi
    return zi * (1.0 / 12.0 - zi2 * (1.0 / 360.0 - zi2 * (1.0 / 1260.0 - zi2 / 1680.0)))


# --- normal ---------------------------------------------------------------------------------


def _norm_sf(x: FloatArray) -> FloatArray:
    return 0.5 * np.asarray(_ERFC(x * _SQRT1_2), dtype=np.float64)


def _norm_ppf(p: FloatArray) -> FloatArray:
    q = p - 0.5
    out = np.full_like(p, np.nan)

    central = np.abs(q) <= 0.425
    if np.any(central):
        qc = q[central]
        r = 0.180625 - qc * qc
        out[central] = qc * _poly(_A, r) / _poly(_B, r)

    tail = (~central) & (p > 0.0) & (p < 1.0)
    if np.any(tail):
        qt = q[tail]
        # The tails work on the smaller of p and 1 - p, which is exact here (p > 0.925 or
        # p < 0.075), so extreme quantiles keep full relative accuracy.
        r = np.sqrt(-np.log(np.where(qt < 0.0, p[tail], 1.0 - p[tail])))
        near = r <= 5.0
        val = np.where(
            near,
            _poly(_C, r - 1.6) / _poly(_D, r - 1.6),
            _poly(_E, r - 5.0) / _poly(_F, r - 5.0),
        )
        out[tail] = np.where(qt < 0.0, -val, val)

    out[p == 0.0] = -np.inf
    out[p == 1.0] = np.inf
    return out


@overload
def norm_cdf(x: float) -> float: ...
@overload
def norm_cdf(x: npt.ArrayLike) -> FloatArray: ...
def norm_cdf(x: npt.ArrayLike) -> float | FloatArray:
    """Standard normal CDF, ``P(Z <= x)``; full relative accuracy in the lower tail."""
    return finish(_norm_sf(-as_float(x)), scalar_call(x))


@overload
def norm_sf(x: float) -> float: ...
@overload
def norm_sf(x: npt.ArrayLike) -> FloatArray: ...
def norm_sf(x: npt.ArrayLike) -> float | FloatArray:
    """Standard normal survival function, ``P(Z > x)``; use it for upper-tail p-values."""
    return finish(_norm_sf(as_float(x)), scalar_call(x))


@overload
def norm_ppf(p: float) -> float: ...
@overload
def norm_ppf(p: npt.ArrayLike) -> FloatArray: ...
def norm_ppf(p: npt.ArrayLike) -> float | FloatArray:
    """Standard normal quantile (inverse CDF) by Wichura's AS 241.

    ``p == 0`` gives ``-inf``, ``p == 1`` gives ``inf``; ``p`` outside [0, 1] or NaN gives NaN.
    For a two-sided critical value prefer ``-norm_ppf(alpha / 2)`` to
    ``norm_ppf(1 - alpha / 2)``: the former does not round ``alpha`` away.
    """
    arr = as_float(p)
    out = _norm_ppf(arr.ravel()).reshape(arr.shape)
    return finish(out, scalar_call(p))


# --- Student t ------------------------------------------------------------------------------


def _betacf(a: FloatArray, b: FloatArray, x: FloatArray) -> FloatArray:
    """Continued fraction of the incomplete beta function (NR 3rd ed. ``betacf``), vectorised.

    Only elements still converging are iterated, so a few hard cases do not slow the rest.
    """
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = np.ones_like(x)
    d = 1.0 - qab * x / qap
    d = np.where(np.abs(d) < _CF_TINY, _CF_TINY, d)
    d = 1.0 / d
    h = d.copy()
    active = np.arange(x.size)
    for m in range(1, _CF_MAX_ITER + 1):
        ai, bi, xi = a[active], b[active], x[active]
        ci, di, hi = c[active], d[active], h[active]
        m2 = 2.0 * m
        # Even step of the fraction.
        aa = m * (bi - m) * xi / ((qam[active] + m2) * (ai + m2))
        di = 1.0 + aa * di
        di = np.where(np.abs(di) < _CF_TINY, _CF_TINY, di)
        ci = 1.0 + aa / ci
        ci = np.where(np.abs(ci) < _CF_TINY, _CF_TINY, ci)
        di = 1.0 / di
        hi = hi * di * ci
        # Odd step.
        aa = -(ai + m) * (qab[active] + m) * xi / ((ai + m2) * (qap[active] + m2))
        di = 1.0 + aa * di
        di = np.where(np.abs(di) < _CF_TINY, _CF_TINY, di)
        ci = 1.0 + aa / ci
        ci = np.where(np.abs(ci) < _CF_TINY, _CF_TINY, ci)
        di = 1.0 / di
        delta = di * ci
        hi = hi * delta
        c[active], d[active], h[active] = ci, di, hi
        active = active[np.abs(delta - 1.0) >= _CF_EPS]
        if active.size == 0:
            break
    return h


def _t_two_tail_cf(t_abs: FloatArray, df: FloatArray) -> FloatArray:
    """``P(|T| > t_abs)`` = ``I_x(df/2, 1/2)``, x = df/(df + t^2); finite t_abs >= 0, df > 0."""
    a = 0.5 * df
    b = np.full_like(a, 0.5)
    # x and 1 - x are built from r = t^2/df (or its inverse) so neither is formed as
    # "1 - something": that subtraction would wipe out the tail probability we want.
    t_over = t_abs / np.sqrt(df)
    # Both branches are evaluated everywhere; the inf/inf and log(0) of the unused one are
    # discarded by np.where, so their warnings are noise.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        r = t_over * t_over
        u = np.where(t_over > 0.0, 1.0 / r, np.inf)
        small_r = r <= 1.0
        x = np.where(small_r, 1.0 / (1.0 + r), u / (1.0 + u))
        xc = np.where(small_r, r / (1.0 + r), 1.0 / (1.0 + u))
        log_x = np.where(small_r, -np.log1p(r), np.log(u) - np.log1p(u))
        log_xc = np.where(small_r, np.log(r) - np.log1p(r), -np.log1p(u))
    # log B(df/2, 1/2) = log Gamma(1/2) + lgamma(a) - lgamma(a + 1/2)
    log_beta = _HALF_LOG_PI - _lgamma_half_ratio(a)
    with np.errstate(invalid="ignore"):
        front = np.exp(a * log_x + b * log_xc - log_beta)
    front = np.where(np.isnan(front), 0.0, front)

    out = np.empty_like(x)
    # The fraction converges fast only below the mean-ish point; above it, use the symmetry
    # I_x(a, b) = 1 - I_{1-x}(b, a). Either way the value computed directly is the smaller
    # (tail) one or near 1/2, so no relative accuracy is lost.
    direct = x < (a + 1.0) / (a + b + 2.0)
    if np.any(direct):
        out[direct] = front[direct] * _betacf(a[direct], b[direct], x[direct]) / a[direct]
    other = ~direct
    if np.any(other):
        out[other] = 1.0 - front[other] * _betacf(b[other], a[other], xc[other]) / b[other]
    return np.clip(out, 0.0, 1.0)


def _t_hill_z(t_abs: FloatArray, df: FloatArray) -> FloatArray:
    """Normal deviate equivalent to ``t_abs`` on ``df`` degrees of freedom (Hill 1970, alg. 395).

    Its error shrinks fast with df; used only for df >= ``_LARGE_DF`` where it is < 1e-12.
    """
    a = df - 0.5
    b = 48.0 * a * a
    y = a * np.log1p(t_abs * t_abs / df)
    y = (
        ((((-0.4 * y - 3.3) * y - 24.0) * y - 85.5) / (0.8 * y * y + 100.0 + b) + y + 3.0) / b + 1.0
    ) * np.sqrt(y)
    return np.asarray(y, dtype=np.float64)


def _t_upper(t: FloatArray, df: FloatArray) -> FloatArray:
    """``P(T > t)`` elementwise for broadcast 1-D arrays ``t`` and ``df``."""
    out = np.full_like(t, np.nan)
    ok = ~np.isnan(t) & (df > 0.0)
    t_abs = np.abs(t)
    half_tail = np.full_like(t, np.nan)

    normal = ok & (df >= _LARGE_DF)
    if np.any(normal):
        dfn = df[normal]
        z = t_abs[normal].copy()
        # df = inf is exactly the normal; infinite t must bypass the transform (inf/inf).
        hill = np.isfinite(dfn) & np.isfinite(z)
        z[hill] = _t_hill_z(z[hill], dfn[hill])
        half_tail[normal] = _norm_sf(z)

    infinite_t = ok & ~normal & np.isinf(t_abs)
    half_tail[infinite_t] = 0.0

    cf = ok & ~normal & ~infinite_t
    if np.any(cf):
        half_tail[cf] = 0.5 * _t_two_tail_cf(t_abs[cf], df[cf])

    out[ok] = np.where(t[ok] >= 0.0, half_tail[ok], 1.0 - half_tail[ok])
    return out


def _t_log_pdf(t: FloatArray, df: FloatArray) -> FloatArray:
    a = 0.5 * df
    return np.asarray(
        _lgamma_half_ratio(a) - _HALF_LOG_PI - 0.5 * np.log(df) - (a + 0.5) * np.log1p(t * t / df),
        dtype=np.float64,
    )


def _broadcast(
    x: npt.ArrayLike, df: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    xb, dfb = np.broadcast_arrays(as_float(x), as_float(df))
    shape = xb.shape
    return xb.ravel().copy(), dfb.ravel().copy(), shape


@overload
def t_sf(x: float, df: float) -> float: ...
@overload
def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> FloatArray: ...
def t_sf(x: npt.ArrayLike, df: npt.ArrayLike) -> float | FloatArray:
    """Student-t survival function ``P(T > x)`` with ``df`` degrees of freedom (real df > 0).

    ``df = inf`` gives the normal distribution; ``df <= 0`` or NaN inputs give NaN.
    """
    xs, dfs, shape = _broadcast(x, df)
    return finish(_t_upper(xs, dfs).reshape(shape), scalar_call(x, df))


@overload
def t_cdf(x: float, df: float) -> float: ...
@overload
def t_cdf(x: npt.ArrayLike, df: npt.ArrayLike) -> FloatArray: ...
def t_cdf(x: npt.ArrayLike, df: npt.ArrayLike) -> float | FloatArray:
    """Student-t CDF ``P(T <= x)``; by symmetry this is ``t_sf(-x, df)``, so the lower tail
    keeps full relative accuracy too."""
    xs, dfs, shape = _broadcast(x, df)
    return finish(_t_upper(-xs, dfs).reshape(shape), scalar_call(x, df))


def _hill_396(q: FloatArray, df: FloatArray) -> FloatArray:
    """Hill's (1970) algorithm 396 start value: t > 0 with ``P(T > t) ~= q``, 0 < q < 1/2.

    Accurate to a few digits, which is all Newton's method needs; used for df != 1, 2.
    """
    p2 = 2.0 * q  # Hill works with the two-sided probability
    # Both branches are computed everywhere and df < 1/2 is outside Hill's design; the
    # overflow / NaN of unused or failed branches is replaced by the fallback below.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        a = 1.0 / (df - 0.5)
        b = 48.0 / (a * a)
        c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36
        d = ((94.5 / (b + c) - 3.0) / b + 1.0) * np.sqrt(a * math.pi / 2.0) * df
        y = (d * p2) ** (2.0 / df)
        # Branch 1: expansion about the normal.
        x = _norm_ppf(0.5 * p2)
        yy = x * x
        c1 = np.where(df < 5.0, c + 0.3 * (df - 4.5) * (x + 0.6), c)
        c1 = (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c1
        y1 = (((((0.4 * yy + 6.3) * yy + 36.0) * yy + 94.5) / c1 - yy - 3.0) / b + 1.0) * x
        t_normal = np.sqrt(df * np.expm1(a * y1 * y1))
        # Branch 2: far tail, small df.
        y2 = (
            (
                1.0 / (((df + 6.0) / (df * y) - 0.089 * d - 0.822) * (df + 2.0) * 3.0)
                + 0.5 / (df + 4.0)
            )
            * y
            - 1.0
        ) * (df + 1.0) / (df + 2.0) + 1.0 / y
        t_tail = np.sqrt(df * y2)
        use_normal = ((df < 2.1) & (p2 > 0.5)) | (y > 0.05 + a)
    t = np.where(use_normal, t_normal, t_tail)
    # Any start that is not a positive finite number is replaced by a safe, if crude, one.
    return np.where(np.isfinite(t) & (t > 0.0), t, np.maximum(-_norm_ppf(q), 1.0))


def _t_ppf_upper(q: FloatArray, df: FloatArray) -> FloatArray:
    """t > 0 with ``P(T > t) = q`` for 0 < q <= 1/2 (1-D arrays, df > 0)."""
    out = np.empty_like(q)

    cauchy = df == 1.0
    if np.any(cauchy):
        # Closed form; tan(pi/2 - pi q) written as 1/tan(pi q) keeps precision for tiny q.
        out[cauchy] = 1.0 / np.tan(math.pi * q[cauchy])
    two = df == 2.0
    if np.any(two):
        qq = q[two]
        out[two] = (1.0 - 2.0 * qq) / np.sqrt(2.0 * qq * (1.0 - qq))
    infinite = np.isinf(df)
    if np.any(infinite):
        out[infinite] = -_norm_ppf(q[infinite])

    rest = ~(cauchy | two | infinite)
    if np.any(rest):
        qr, dfr = q[rest], df[rest]
        t = _hill_396(qr, dfr)
        log_q = np.log(qr)
        active = np.arange(qr.size)
        # Newton on log P(T > t) = log q: the log keeps steps sensible far in heavy tails,
        # where P itself is tiny and nearly flat.
        for _ in range(_NEWTON_MAX_ITER):
            ta, dfa = t[active], dfr[active]
            sf = _t_upper(ta, dfa)
            step = (np.log(sf) - log_q[active]) * sf / np.exp(_t_log_pdf(ta, dfa))
            new = ta + step
            # Never jump across or onto zero: halve toward it instead.
            new = np.where(new > 0.0, new, 0.5 * ta)
            t[active] = new
            active = active[np.abs(new - ta) > _NEWTON_RTOL * np.abs(new)]
            if active.size == 0:
                break
        # Not converged (only seen for df far below 1, outside Hill's design): NaN is
        # better than a number that looks right and is not.
        t[active] = np.nan
        out[rest] = t
    return out


@overload
def t_ppf(p: float, df: float) -> float: ...
@overload
def t_ppf(p: npt.ArrayLike, df: npt.ArrayLike) -> FloatArray: ...
def t_ppf(p: npt.ArrayLike, df: npt.ArrayLike) -> float | FloatArray:
    """Student-t quantile (inverse CDF) for real ``df > 0``.

    ``p == 0`` / ``p == 1`` give ``-inf`` / ``inf``; ``p`` outside [0, 1], ``df <= 0`` or NaN
    give NaN; ``df = inf`` gives the normal quantile. For a two-sided critical value prefer
    ``-t_ppf(alpha / 2, df)``.

    Checked against scipy for df >= 0.2 (the engine only needs df >= 1). Below that, a
    far-tail quantile whose Newton iteration does not converge comes back as NaN, never as
    an unconverged number.
    """
    ps, dfs, shape = _broadcast(p, df)
    out = np.full_like(ps, np.nan)
    valid = (ps >= 0.0) & (ps <= 1.0) & (dfs > 0.0)  # NaN compares False, so stays NaN
    lower = valid & (ps < 0.5)
    upper = valid & (ps > 0.5)
    out[valid & (ps == 0.5)] = 0.0
    out[valid & (ps == 0.0)] = -np.inf
    out[valid & (ps == 1.0)] = np.inf
    interior_lower = lower & (ps > 0.0)
    interior_upper = upper & (ps < 1.0)
    interior = interior_lower | interior_upper
    if np.any(interior):
        # 1 - p is exact for p >= 1/2 (Sterbenz), so the upper tail loses no precision.
        q = np.where(interior_lower, ps, 1.0 - ps)[interior]
        # The engine asks for the same (confidence, df) pair for many groups: solve each
        # distinct pair once.
        pairs, inverse = np.unique(
            np.stack([q, dfs[interior]], axis=1), axis=0, return_inverse=True
        )
        t = _t_ppf_upper(pairs[:, 0].copy(), pairs[:, 1].copy())[inverse.ravel()]
        out[interior] = np.where(interior_lower[interior], -t, t)
    return finish(out.reshape(shape), scalar_call(p, df))
