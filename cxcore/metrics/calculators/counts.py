"""Counting calculators: record counts and ratios of two filtered counts or sums."""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np

from ...model.records import RecordKind
from ..batch import Batch
from ..calculator import Calculator, Estimates, FinalizeContext, as_int
from ..definition import MetricDefinition
from ..errors import MetricDefinitionError
from ..estimators import count_estimates, mean_estimates, proportion_estimates
from ..filters import All, Filter
from ..state import State

__all__ = ["CountCalculator", "FieldMeanCalculator", "Measure", "RatioCalculator"]


class CountCalculator(Calculator):
    """How many records pass a filter (tickets created, purchases...)."""

    def __init__(self, definition: MetricDefinition, *, where: Filter | None = None) -> None:
        if len(definition.record_kinds) != 1:
            raise MetricDefinitionError(f"metric {definition.id!r}: count reads one record kind")
        self.definition = definition
        self.where = where or All()

    def create(self) -> State:
        return State(grouped={"n": ((), "int64")})

    def update(self, state: State, batch: Batch) -> None:
        g = self.groups(batch)
        keep = self.where.mask(batch)
        state.add("n", np.bincount(np.where(keep, g, 0), minlength=batch.n_groups))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        return count_estimates(state.grouped_array("n", ctx.n_groups))


@attrs.frozen(kw_only=True)
class Measure:
    """One side of a ratio: records of ``kind`` passing ``where``, counted or summed.

    ``sum`` names a numeric field (``attributes.amount``) to add up; rows where it is
    missing are left out. Without ``sum`` the records are counted.
    """

    kind: RecordKind
    where: Filter = attrs.field(factory=All)
    sum: str | None = None


class RatioCalculator(Calculator):
    """``multiplier x numerator / denominator`` per group.

    With ``within`` (the default) the numerator only counts records that also pass the
    denominator's filter, so it is a true share and gets a Wilson interval (when both sides
    are counts). Otherwise (different record kinds, sums, or flows such as cost / customers)
    the value has no interval and ``n`` is the number of denominator records.
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        numerator: Measure,
        denominator: Measure,
        within: bool = True,
        multiplier: float = 100.0,
    ) -> None:
        self.definition = definition
        self.numerator = numerator
        self.denominator = denominator
        self.within = within and numerator.kind == denominator.kind
        self.multiplier = float(multiplier)
        self.proportion = self.within and numerator.sum is None and denominator.sum is None

    def create(self) -> State:
        return State(
            grouped={
                "num": ((), "float64"),
                "den": ((), "float64"),
                "num_n": ((), "int64"),
                "den_n": ((), "int64"),
            }
        )

    def _side(self, batch: Batch, measure: Measure, keep: np.ndarray) -> tuple[Any, Any, Any]:
        g = self.groups(batch)
        if measure.sum is not None:
            x = batch.number(measure.sum)
            keep = keep & ~np.isnan(x)
            weights = np.where(keep, x, 0.0)
        else:
            weights = None
        idx = np.where(keep, g, 0)
        n_groups = batch.n_groups
        counts = np.bincount(idx, minlength=n_groups)
        total = counts if weights is None else np.bincount(idx, weights=weights, minlength=n_groups)
        return counts, total, keep

    def update(self, state: State, batch: Batch) -> None:
        den_keep = None
        if batch.kind == self.denominator.kind:
            den_keep = self.denominator.where.mask(batch)
            counts, total, den_keep = self._side(batch, self.denominator, den_keep)
            state.add("den_n", counts)
            state.add("den", total.astype(np.float64))
        if batch.kind == self.numerator.kind:
            keep = self.numerator.where.mask(batch)
            if self.within and den_keep is not None:
                keep = keep & den_keep
            counts, total, _ = self._side(batch, self.numerator, keep)
            state.add("num_n", counts)
            state.add("num", total.astype(np.float64))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        num = state.grouped_array("num", ctx.n_groups)
        den = state.grouped_array("den", ctx.n_groups)
        if self.proportion:
            est = proportion_estimates(
                num, den, ctx, success_name="numerator", multiplier=self.multiplier
            )
            return Estimates(
                n=est.n,
                value=est.value,
                low=est.low,
                high=est.high,
                method=est.method,
                components={"numerator": num, "denominator": den},
                change=est.change,
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den != 0, self.multiplier * num / den, np.nan)
        n = as_int(state.grouped_array("den_n", ctx.n_groups))
        if self.numerator.sum is not None:
            # No record carried the summed field (no cost data): unknown, not zero.
            n = np.where(state.grouped_array("num_n", ctx.n_groups) > 0, n, 0)
        return Estimates(
            n=n,
            value=value,
            components={"numerator": num, "denominator": den},
        )


class FieldMeanCalculator(Calculator):
    """The mean of a numeric field (``attributes.revenue``...) with a t interval.

    Rows where the field is missing are left out; ``total`` (the sum) is a component.
    """

    def __init__(
        self, definition: MetricDefinition, *, field: str, where: Filter | None = None
    ) -> None:
        self.definition = definition
        self.field = field
        self.where = where or All()

    def create(self) -> State:
        return State(
            grouped={"n": ((), "int64"), "sum": ((), "float64"), "sum_sq": ((), "float64")}
        )

    def update(self, state: State, batch: Batch) -> None:
        x = batch.number(self.field)
        keep = ~np.isnan(x) & self.where.mask(batch)
        g = np.where(keep, self.groups(batch), 0)
        w = np.where(keep, x, 0.0)
        n_groups = batch.n_groups
        state.add("n", np.bincount(g, minlength=n_groups))
        state.add("sum", np.bincount(g, weights=w, minlength=n_groups))
        state.add("sum_sq", np.bincount(g, weights=w * w, minlength=n_groups))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        total = state.grouped_array("sum", ctx.n_groups)
        return mean_estimates(
            state.grouped_array("n", ctx.n_groups),
            total,
            state.grouped_array("sum_sq", ctx.n_groups),
            ctx,
            extra={"total": total},
        )
