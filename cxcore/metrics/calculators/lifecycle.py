"""Churn and retention from customer records (``created_at`` and ``attributes.churned_at``).

For a period P = [s, e): S = customers at its start (created before s, not churned before s),
L = customers of S lost during P, N = customers acquired during P, E = customers at its end.

* churn rate = L / S;
* retention rate = (E - N) / S, the direct method: customers at the end who were already
  there at the start, over customers at the start. The seed's other wording, "active plus new
  customers at the end over customers at the start", *adds* N instead of removing it, so any
  period with acquisitions scores above the truth (and above 100 % in growth periods).

A churn dated before the customer's acquisition (a data error) counts as a loss in the
acquisition period, so stocks never go negative.

The state holds flows per group and period (acquired, lost from the start stock, acquired
and lost in the same period); stocks are prefix sums over periods at ``finalize``, which is
why these metrics are *cumulative*: the engine feeds them every customer, including those
acquired before the reporting window, and never reports the earlier periods.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..batch import Batch
from ..calculator import Calculator, Estimates, FinalizeContext
from ..calendar import ConstantCalendar
from ..definition import MetricDefinition
from ..errors import MetricInputError
from ..estimators import proportion_estimates
from ..filters import All, Filter
from ..state import State

__all__ = ["LifecycleCalculator", "stocks"]


def stocks(
    new: np.ndarray,
    lost: np.ndarray,
    lost_new: np.ndarray,
    ctx: FinalizeContext,
) -> np.ndarray:
    """Customers at the start of each group's period: prefix sums of net flows over periods."""
    net = (new - lost - lost_new).astype(np.int64)
    start = np.zeros(ctx.n_groups, dtype=np.int64)
    gids = np.arange(1, ctx.n_groups)
    if len(gids) == 0:
        return start
    dims, period = ctx.dims_id[gids], ctx.period[gids]
    order = gids[np.lexsort((period, dims))]
    flows = net[order]
    cum = np.cumsum(flows)
    seg_dims = ctx.dims_id[order]
    first = np.ones(len(order), dtype=np.bool_)
    first[1:] = seg_dims[1:] != seg_dims[:-1]
    seg_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    before = np.where(seg_start > 0, cum[seg_start - 1], 0)
    start[order] = cum - flows - before
    return start


class LifecycleCalculator(Calculator):
    """Churn or retention rate (percent, Wilson interval) per group and period.

    Args:
        definition: the metric definition (``cumulative=True``, customers).
        mode: ``churn`` (L / S) or ``retention`` ((E - N) / S).
        churned_field: the customer field holding the churn timestamp (RFC 3339).
        where: which customers count (e.g. a plan).
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        mode: Literal["churn", "retention"],
        churned_field: str = "attributes.churned_at",
        where: Filter | None = None,
    ) -> None:
        self.definition = definition
        self.mode = mode
        self.churned_field = churned_field
        self.where = where or All()

    def create(self) -> State:
        return State(
            grouped={"new": ((), "int64"), "lost": ((), "int64"), "lost_new": ((), "int64")}
        )

    def update(self, state: State, batch: Batch) -> None:
        keep = self.where.mask(batch)
        created = self.groups(batch, every_period=True)
        churned = batch.group_for(self.churned_field, every_period=True)
        churn_ts, has_churn = batch.timestamps(self.churned_field)
        created_ts, has_created = batch.timestamps(self.definition.time_field_for(batch.kind))
        # A churn dated before the acquisition is a data error: count it at the acquisition.
        early = has_churn & has_created & (churn_ts < created_ts)
        if early.any():
            churned = np.where(early, created, churned)
        n_groups = batch.n_groups
        lost_now = keep & has_churn
        same = created == churned
        state.add("new", np.bincount(np.where(keep, created, 0), minlength=n_groups))
        state.add("lost", np.bincount(np.where(lost_now & ~same, churned, 0), minlength=n_groups))
        state.add(
            "lost_new", np.bincount(np.where(lost_now & same, churned, 0), minlength=n_groups)
        )

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        if ctx.calendar is None or isinstance(ctx.calendar, ConstantCalendar):
            raise MetricInputError(
                f"metric {self.id!r} compares customers at the start and end of a period: "
                "give a grain (e.g. month) or a period (start and end)"
            )
        new = state.grouped_array("new", ctx.n_groups)
        lost = state.grouped_array("lost", ctx.n_groups)
        lost_new = state.grouped_array("lost_new", ctx.n_groups)
        start = stocks(new, lost, lost_new, ctx)
        end = start + new - lost - lost_new
        if self.mode == "churn":
            est = proportion_estimates(lost, start, ctx, success_name="lost")
        else:
            est = proportion_estimates(np.maximum(end - new, 0), start, ctx, success_name="kept")
        comps = {
            **est.components,
            "start": start.astype(np.float64),
            "end": end.astype(np.float64),
            "new": new.astype(np.float64),
            "lost": (lost + lost_new).astype(np.float64),
        }
        return Estimates(
            n=est.n,
            value=est.value,
            low=est.low,
            high=est.high,
            method=est.method,
            components=comps,
            change=est.change,
        )
