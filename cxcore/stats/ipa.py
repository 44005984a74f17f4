"""Importance-performance analysis (IPA) and the seed's CEMI gap, independent of any data model.

Martilla & James (1977), "Importance-Performance Analysis", *Journal of Marketing*
41(1):77-79: each criterion is placed on a grid by importance and performance; the seed's
CEMI method adds the gap ``importance - performance`` on a common scale (cx-metrics.md 3.10,
domain.md). Everything here works on the 0-100 scale; :func:`normalise` gets ratings there.

Seed example: empathy rated 4/5 on performance and 5/5 on importance has a gap of 1 point
on the 1-5 scale. Normalised from a 1..5 scale (lowest answer 1) that is 75 vs 100, a gap
of **25** points on 0-100 (1 scale point = 100 / (5 - 1) = 25). Reading "4/5" as a 0..5
scale instead would give 80 vs 100 and a gap of 20: the scale minimum matters and must come
from the metric definition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias, overload

import attrs
import numpy as np
import numpy.typing as npt

from cxcore.stats._arrays import FloatArray, as_float, finish, scalar_call

__all__ = [
    "CONCENTRATE_HERE",
    "KEEP_UP_THE_GOOD_WORK",
    "LOW_PRIORITY",
    "POSSIBLE_OVERKILL",
    "Crosshair",
    "IPAItem",
    "IPAResult",
    "Quadrant",
    "crosshair",
    "ipa",
    "normalise",
]

Quadrant: TypeAlias = Literal[
    "concentrate here", "keep up the good work", "low priority", "possible overkill"
]
"""The four Martilla & James quadrant labels, exactly as shown to analysts."""

CONCENTRATE_HERE: Final = "concentrate here"
"""High importance, low performance: the priority quadrant."""
KEEP_UP_THE_GOOD_WORK: Final = "keep up the good work"
"""High importance, high performance."""
LOW_PRIORITY: Final = "low priority"
"""Low importance, low performance."""
POSSIBLE_OVERKILL: Final = "possible overkill"
"""Low importance, high performance."""

Crosshair: TypeAlias = Literal["means", "midpoint"] | tuple[float, float]
"""Quadrant lines: data means, scale midpoint (50, 50), or an (importance, performance) pair."""

# Data means are computed in floating point; a criterion sitting on the crosshair must not
# flip quadrant because of the 16th digit.
_ON_LINE_TOL: Final = 1e-9


@overload
def normalise(
    values: float, scale_min: float, scale_max: float, higher_is_better: bool = True
) -> float: ...
@overload
def normalise(
    values: npt.ArrayLike, scale_min: float, scale_max: float, higher_is_better: bool = True
) -> FloatArray: ...
def normalise(
    values: npt.ArrayLike, scale_min: float, scale_max: float, higher_is_better: bool = True
) -> float | FloatArray:
    """Map ratings on ``[scale_min, scale_max]`` linearly onto 0-100 (cx-metrics.md 3.12).

    ``100 * (x - min) / (max - min)``, or ``100 * (max - x) / (max - min)`` when lower is
    better (e.g. CES 1.0, where 1 = least effort), so 100 is always the best experience.
    A 1-5 scale maps 1, 2, 3, 4, 5 to 0, 25, 50, 75, 100.

    Values outside the scale raise ``ValueError`` (they betray a scale mismatch, the most
    common CX metric bug); NaN passes through.
    """
    if not (math.isfinite(scale_min) and math.isfinite(scale_max) and scale_max > scale_min):
        raise ValueError(f"need finite scale_min < scale_max, got {scale_min}, {scale_max}")
    x = as_float(values)
    if np.any((x < scale_min) | (x > scale_max)):
        raise ValueError(f"values outside the scale [{scale_min}, {scale_max}]")
    span = scale_max - scale_min
    out = 100.0 * ((x - scale_min) if higher_is_better else (scale_max - x)) / span
    return finish(out, scalar_call(values))


def _check_score(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 100.0):
        raise ValueError(f"{attribute.name} must be on the 0-100 scale, got {value!r}")


@attrs.frozen(kw_only=True)
class IPAItem:
    """One criterion (touchpoint, attribute...) with importance and performance on 0-100."""

    id: str
    importance: float = attrs.field(converter=float, validator=_check_score)
    performance: float = attrs.field(converter=float, validator=_check_score)


@attrs.frozen(kw_only=True)
class IPAResult:
    """IPA outcome for one criterion.

    ``gap = importance - performance`` (positive: the criterion under-delivers on what
    matters), ``quadrant`` one of the four Martilla & James labels, and ``rank`` the
    priority order starting at 1.
    """

    id: str
    importance: float
    performance: float
    gap: float
    quadrant: Quadrant
    rank: int


def crosshair(items: Iterable[IPAItem], how: Crosshair = "means") -> tuple[float, float]:
    """The (importance, performance) point splitting the grid into quadrants.

    ``"means"``: the data means (data-centred IPA, favoured by the reviews cited in
    cx-metrics.md 3.10); ``"midpoint"``: (50, 50), the scale centre; or an explicit
    ``(importance, performance)`` pair. ``"means"`` of no items is NaN.
    """
    if isinstance(how, tuple):
        imp, perf = (float(v) for v in how)
        if not (math.isfinite(imp) and math.isfinite(perf)):
            raise ValueError(f"crosshair must be finite, got {how!r}")
        return imp, perf
    if how == "midpoint":
        return 50.0, 50.0
    if how == "means":
        its = list(items)
        if not its:
            return math.nan, math.nan
        # fsum: the mean should not depend on the order the items came in.
        return (
            math.fsum(i.importance for i in its) / len(its),
            math.fsum(i.performance for i in its) / len(its),
        )
    raise ValueError(f"crosshair must be 'means', 'midpoint' or a pair, got {how!r}")


def _quadrant(importance: float, performance: float, c_imp: float, c_perf: float) -> Quadrant:
    # A criterion on a line counts as "high" on that axis (ties are rare; one rule is needed).
    high_imp = importance >= c_imp - _ON_LINE_TOL
    high_perf = performance >= c_perf - _ON_LINE_TOL
    if high_imp:
        return KEEP_UP_THE_GOOD_WORK if high_perf else CONCENTRATE_HERE
    return POSSIBLE_OVERKILL if high_perf else LOW_PRIORITY


def ipa(items: Iterable[IPAItem], how: Crosshair = "means") -> tuple[IPAResult, ...]:
    """Gap, quadrant and priority rank of each criterion, returned in priority order.

    Quadrants (Martilla & James 1977) around the :func:`crosshair` ``how``:
    "concentrate here" (high importance, low performance), "keep up the good work"
    (high, high), "low priority" (low, low), "possible overkill" (low importance, high
    performance). A value exactly on a crosshair line counts as high.

    Rank: every "concentrate here" criterion comes first, then the rest; within each
    group by descending gap, ties broken by ``id``. Ids must be unique.
    """
    its = list(items)
    ids = [i.id for i in its]
    if len(set(ids)) != len(ids):
        raise ValueError("IPA item ids must be unique")
    c_imp, c_perf = crosshair(its, how)

    staged = [
        (i, i.importance - i.performance, _quadrant(i.importance, i.performance, c_imp, c_perf))
        for i in its
    ]
    # Gaps are compared rounded so that 25.000000000000004 and 25 tie and fall to the id.
    staged.sort(key=lambda s: (s[2] != CONCENTRATE_HERE, -round(s[1], 9), s[0].id))
    return tuple(
        IPAResult(
            id=i.id,
            importance=i.importance,
            performance=i.performance,
            gap=gap,
            quadrant=quadrant,
            rank=rank,
        )
        for rank, (i, gap, quadrant) in enumerate(staged, start=1)
    )
