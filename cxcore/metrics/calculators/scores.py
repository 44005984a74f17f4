"""Survey-score calculators: bucket indices (NPS), top-box shares (CSAT), means and indices.

All of them read ``response`` records: the rows whose ``item`` matches the metric's items, with
a non-null ``value``. Every such row must be on the metric's scale (same min, max and
direction); a response on another scale raises :class:`ScaleMismatchError` naming the metric,
the items, the sources and both scales. Values are never re-bucketed or rescaled silently.

Buckets partition the scale by their lower bounds: a value belongs to the bucket with the
largest ``low`` not above it, so 6.5 on the NPS scale is a detractor and no value can fall
between two buckets.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ...model import Scale
from ..batch import F64, I64, Batch, Mask, parse_scale_text
from ..calculator import Calculator, Estimates, FinalizeContext
from ..definition import MetricDefinition
from ..errors import MetricDefinitionError, ScaleMismatchError
from ..estimators import mean_estimates, nps_estimates, proportion_estimates
from ..filters import All, Filter
from ..state import State

__all__ = [
    "BucketIndexCalculator",
    "ScoreMeanCalculator",
    "TopBoxCalculator",
    "linear_transform",
    "points_transform",
]


def _describe_scale(scale: Mapping[str, Any] | Scale | None) -> str:
    if scale is None:
        return "no scale"
    lo: Any
    hi: Any
    if isinstance(scale, Scale):
        lo, hi, direction = scale.min, scale.max, scale.direction
    else:
        if "unparsable" in scale:
            return f"an unreadable scale {scale['unparsable']!r}"
        lo, hi = scale.get("min"), scale.get("max")
        direction = scale.get("direction", "higher_is_better")
    return (
        f"{lo:g}..{hi:g} ({direction})"
        if isinstance(lo, int | float) and isinstance(hi, int | float)
        else f"{lo}..{hi} ({direction})"
    )


def _same_scale(found: Mapping[str, Any] | None, expected: Scale) -> bool:
    if found is None or "unparsable" in found:
        return False
    try:
        lo, hi = float(found["min"]), float(found["max"])
    except (KeyError, TypeError, ValueError):
        return False
    direction = found.get("direction", "higher_is_better")
    return lo == expected.min and hi == expected.max and direction == expected.direction


class ScoreCalculator(Calculator):
    """Shared plumbing: which rows count, and the scale check.

    Args:
        definition: the metric definition; its ``scale`` is the scale answers must be on.
        items: survey items (shell-style patterns allowed, e.g. ``loyalty*``); empty = any.
        where: an extra filter on the responses.
        field: the numeric field holding the answer (``value``).
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        items: Sequence[str] = (),
        where: Filter | None = None,
        field: str = "value",
    ) -> None:
        if definition.scale is None:
            raise MetricDefinitionError(f"metric {definition.id!r}: a score metric needs a scale")
        self.definition = definition
        self.scale: Scale = definition.scale
        self.items = tuple(items)
        self.where = where or All()
        self.field = field

    def rows(self, batch: Batch) -> tuple[Mask, F64]:
        """The answered rows of this metric's items, checked against the scale, and values."""
        items = batch.dim("item")
        table = np.ones(len(items.vocab) + 1, dtype=np.bool_)
        if self.items:
            table[:] = False
            for i, v in enumerate(items.vocab):
                if v is not None and any(fnmatch.fnmatchcase(v, p) for p in self.items):
                    table[i] = True
        sel = table[items.codes]
        filtered = not isinstance(self.where, All) or bool(self.where.parts)
        if filtered:
            sel &= self.where.mask(batch)
        values = batch.number(self.field)
        rows = sel & ~np.isnan(values)
        if rows.any():
            if filtered:
                found_scales = batch.scales(rows)
            else:
                found_scales = batch.item_scales(items, table, self.field)
            self._check(batch, rows, values, found_scales)
        return rows, values

    def _check(
        self,
        batch: Batch,
        rows: Mask,
        values: F64,
        found_scales: list[tuple[dict[str, Any] | None, int]],
    ) -> None:
        for found, count in found_scales:
            if not _same_scale(found, self.scale):
                raise self._mismatch(batch, rows, found, count)
        with np.errstate(invalid="ignore"):
            outside = rows & ((values < self.scale.min) | (values > self.scale.max))
        if outside.any():
            bad = values[outside]
            raise ScaleMismatchError(
                f"metric {self.id!r}: {int(outside.sum())} response(s) have values outside "
                f"its scale {_describe_scale(self.scale)} (e.g. {bad[0]:g}); they are refused"
            )

    def _mismatch(
        self, batch: Batch, rows: Mask, found: Mapping[str, Any] | None, count: int
    ) -> ScaleMismatchError:
        names: list[str] = []
        sources: list[str] = []
        if batch.has("scale"):
            col = batch.dim("scale")
            wrong = np.array(
                [not _same_scale(parse_scale_text(t), self.scale) for t in col.vocab] + [True]
            )
            bad = rows & wrong[col.codes]
            names = _values_among(batch, "item", bad)
            sources = _values_among(batch, "source", bad)
        what = f" of item(s) {', '.join(names)}" if names else ""
        origin = f" from source(s) {', '.join(sources)}" if sources else ""
        return ScaleMismatchError(
            f"metric {self.id!r} is defined on the scale {_describe_scale(self.scale)}, but "
            f"{count} response(s){what}{origin} are on {_describe_scale(found)}; they are "
            f"refused, never re-bucketed. Set the metric's scale in cxcore.toml "
            f"([metrics.{self.id}] scale = {{ min = .., max = .., direction = .. }}) or keep "
            "those responses out of it (items / where)"
        )


def _values_among(batch: Batch, field: str, mask: Mask, limit: int = 5) -> list[str]:
    col = batch.dim(field)
    codes = np.unique(col.codes[mask])
    return sorted(col.vocab[c] or "" for c in codes.tolist() if c < len(col.vocab))[:limit]


def _thresholds(scale: Scale, where: str) -> tuple[F64, F64]:
    """Bucket lower bounds (sorted) and weights; checks the buckets cover the scale."""
    if not scale.buckets:
        raise MetricDefinitionError(f"{where}: the scale has no buckets")
    buckets = sorted(scale.buckets, key=lambda b: b.low)
    if buckets[0].low > scale.min:
        raise MetricDefinitionError(
            f"{where}: the lowest bucket starts at {buckets[0].low:g}, above the scale "
            f"minimum {scale.min:g}; buckets must cover the whole scale"
        )
    for a, b in zip(buckets, buckets[1:], strict=False):
        if b.low <= a.low or a.high >= b.low:
            raise MetricDefinitionError(
                f"{where}: buckets {a.name!r} and {b.name!r} overlap; they must partition the scale"
            )
    return (
        np.array([b.low for b in buckets], dtype=np.float64),
        np.array([b.weight for b in buckets], dtype=np.float64),
    )


def _bucket_codes(values: F64, lows: F64) -> I64:
    code = np.zeros(len(values), dtype=np.int64)
    for low in lows[1:]:
        code += values >= low
    return code


class BucketIndexCalculator(ScoreCalculator):
    """A weighted share of buckets, e.g. NPS = 100 x share(9-10) - 100 x share(0-6).

    The index is ``sum(weight_b * count_b) / n``. With three buckets weighted -100, 0 and 100
    (NPS, eNPS) the interval is the adjusted Wald; otherwise a t interval on the weights.
    """

    def __init__(self, definition: MetricDefinition, **kwargs: Any) -> None:
        super().__init__(definition, **kwargs)
        self.lows, self.weights = _thresholds(self.scale, f"metric {definition.id!r}")
        self.names = [b.name for b in sorted(self.scale.buckets, key=lambda b: b.low)]
        self.nps_like = len(self.weights) == 3 and list(self.weights) == [-100.0, 0.0, 100.0]

    def create(self) -> State:
        return State(grouped={"hist": ((len(self.lows),), "int64")})

    def update(self, state: State, batch: Batch) -> None:
        rows, values = self.rows(batch)
        if not rows.any():
            return
        k = len(self.lows)
        g = self.groups(batch)
        idx = np.where(rows, g * k + _bucket_codes(values, self.lows), 0)
        n_groups = batch.n_groups
        state.add("hist", np.bincount(idx, minlength=n_groups * k).reshape(n_groups, k))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        hist = state.grouped_array("hist", ctx.n_groups).astype(np.float64)
        if self.nps_like:
            return nps_estimates(hist[:, 2], hist[:, 1], hist[:, 0], ctx)
        n = hist.sum(axis=1)
        total = hist @ self.weights
        total_sq = hist @ (self.weights * self.weights)
        extra = {name: hist[:, i] for i, name in enumerate(self.names)}
        return mean_estimates(n, total, total_sq, ctx, extra=extra)


class TopBoxCalculator(ScoreCalculator):
    """The share of answers at or above ``top_min`` (CSAT top-2-box: 4 or 5 on 1-5), in %."""

    def __init__(self, definition: MetricDefinition, *, top_min: float, **kwargs: Any) -> None:
        super().__init__(definition, **kwargs)
        if not self.scale.min < top_min <= self.scale.max:
            raise MetricDefinitionError(
                f"metric {definition.id!r}: top box starts at {top_min:g}, outside the scale "
                f"{_describe_scale(self.scale)}"
            )
        self.top_min = float(top_min)

    def create(self) -> State:
        return State(grouped={"hist": ((2,), "int64")})

    def update(self, state: State, batch: Batch) -> None:
        rows, values = self.rows(batch)
        if not rows.any():
            return
        g = self.groups(batch)
        idx = np.where(rows, g * 2 + (values >= self.top_min), 0)
        n_groups = batch.n_groups
        state.add("hist", np.bincount(idx, minlength=n_groups * 2).reshape(n_groups, 2))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        hist = state.grouped_array("hist", ctx.n_groups).astype(np.float64)
        return proportion_estimates(hist[:, 1], hist.sum(axis=1), ctx, success_name="top_box")


Transform = Callable[[F64], F64]


def points_transform(scale: Scale, points: Mapping[float, float] | None, where: str) -> Transform:
    """Answer -> points, from an explicit table or the scale's bucket weights.

    With a table every possible answer needs points (a gap is a definition error, found the
    first time such an answer is seen); with buckets, the bucket's weight.
    """
    if points:
        keys = np.array(sorted(points), dtype=np.float64)
        vals = np.array([points[k] for k in sorted(points)], dtype=np.float64)

        def by_table(values: F64) -> F64:
            pos = np.clip(np.searchsorted(keys, values), 0, len(keys) - 1)
            hit = keys[pos] == values
            if not hit.all():
                missing = np.unique(values[~hit])[:5]
                raise MetricDefinitionError(
                    f"{where}: no points for answer(s) {', '.join(f'{m:g}' for m in missing)}"
                )
            return vals[pos]

        return by_table
    lows, weights = _thresholds(scale, where)
    return lambda values: weights[_bucket_codes(values, lows)]


def linear_transform(scale: Scale) -> Transform:
    """Answer -> 0..100 linearly, 100 being the best end of the scale (loyalty index)."""
    span = scale.max - scale.min
    if scale.direction == "lower_is_better":
        return lambda v: 100.0 * (scale.max - v) / span
    return lambda v: 100.0 * (v - scale.min) / span


class ScoreMeanCalculator(ScoreCalculator):
    """The mean of the answers, optionally transformed (points, linear 0-100), t interval.

    Components: ``normalised`` (the mean on 0-100, 100 = best end of the scale) when no
    transform is given, so scores on different scales can sit on one axis.
    """

    def __init__(
        self, definition: MetricDefinition, *, transform: Transform | None = None, **kwargs: Any
    ) -> None:
        super().__init__(definition, **kwargs)
        self.transform = transform

    def create(self) -> State:
        return State(
            grouped={"n": ((), "int64"), "sum": ((), "float64"), "sum_sq": ((), "float64")}
        )

    def update(self, state: State, batch: Batch) -> None:
        rows, values = self.rows(batch)
        if not rows.any():
            return
        g = np.where(rows, self.groups(batch), 0)
        if self.transform is None:
            x = np.where(rows, values, 0.0)
        else:
            x = np.zeros(len(values))
            x[rows] = self.transform(values[rows])
        n_groups = batch.n_groups
        state.add("n", np.bincount(g, minlength=n_groups))
        state.add("sum", np.bincount(g, weights=x, minlength=n_groups))
        state.add("sum_sq", np.bincount(g, weights=x * x, minlength=n_groups))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        n = state.grouped_array("n", ctx.n_groups)
        total = state.grouped_array("sum", ctx.n_groups)
        est = mean_estimates(n, total, state.grouped_array("sum_sq", ctx.n_groups), ctx)
        if self.transform is None:
            normalised = linear_transform(self.scale)(est.value)
            return Estimates(
                n=est.n,
                value=est.value,
                low=est.low,
                high=est.high,
                method=est.method,
                components={**est.components, "normalised": normalised},
                change=est.change,
            )
        return est
