"""One-call KPIs for plugins: a share, a mean or a count from vectorised lambdas.

Each helper returns a ready :class:`~cxcore.MetricSpec` to yield from ``cxcore_metrics``::

    import cxcore
    from cxcore.metrics import share

    @cxcore.hookimpl
    def cxcore_metrics():
        yield share("vip_csat", label="CSAT of VIP customers",
                    where=lambda b: (b["item"] == "csat") & (b.flag("attributes.vip") == 1),
                    success=lambda b: b["value"] >= 4)

The lambdas receive a :class:`~cxcore.metrics.Batch` (thousands of records at once) and
return numpy arrays, so a KPI written this way runs at millions of records per second.
``where`` and ``success`` may also be filter tables as in ``cxcore.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..model.records import RecordKind
from ..model.scale import Direction
from ..types import MetricSpec
from .batch import F64, Batch, Mask
from .calculator import Calculator, Estimates, FinalizeContext
from .definition import MetricDefinition, Unit
from .estimators import count_estimates, mean_estimates, proportion_estimates
from .filters import Filter, parse_filter
from .state import State

__all__ = ["count", "mean", "share"]

MaskFn = Callable[[Batch], Mask]
ValueFn = Callable[[Batch], F64]


def _mask_fn(spec: MaskFn | Mapping[str, Any] | Filter | None, what: str) -> MaskFn | None:
    if spec is None:
        return None
    if isinstance(spec, Filter):
        return spec.mask
    if isinstance(spec, Mapping):
        return parse_filter(spec, what).mask
    return spec


def _apply(fn: MaskFn | None, batch: Batch, metric: str, what: str) -> Mask:
    if fn is None:
        return np.ones(batch.num_rows, dtype=np.bool_)
    out = np.asarray(fn(batch))
    if out.shape != (batch.num_rows,):
        raise ValueError(
            f"metric {metric!r}: {what} returned shape {out.shape}, expected ({batch.num_rows},)"
        )
    return out.astype(np.bool_, copy=False)


class _PythonShare(Calculator):
    def __init__(self, definition: MetricDefinition, where: MaskFn | None, success: MaskFn) -> None:
        self.definition = definition
        self.where = where
        self.success = success

    def create(self) -> State:
        return State(grouped={"hist": ((2,), "int64")})

    def update(self, state: State, batch: Batch) -> None:
        keep = _apply(self.where, batch, self.id, "where")
        hit = _apply(self.success, batch, self.id, "success")
        g = self.groups(batch)
        n = batch.n_groups
        idx = np.where(keep, g * 2 + hit, 0)
        state.add("hist", np.bincount(idx, minlength=n * 2).reshape(n, 2))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        hist = state.grouped_array("hist", ctx.n_groups)
        return proportion_estimates(hist[:, 1], hist.sum(axis=1), ctx)


class _PythonMean(Calculator):
    def __init__(self, definition: MetricDefinition, where: MaskFn | None, value: ValueFn) -> None:
        self.definition = definition
        self.where = where
        self.value = value

    def create(self) -> State:
        return State(
            grouped={"n": ((), "int64"), "sum": ((), "float64"), "sum_sq": ((), "float64")}
        )

    def update(self, state: State, batch: Batch) -> None:
        x = np.asarray(self.value(batch), dtype=np.float64)
        keep = _apply(self.where, batch, self.id, "where") & ~np.isnan(x)
        g = np.where(keep, self.groups(batch), 0)
        w = np.where(keep, x, 0.0)
        n = batch.n_groups
        state.add("n", np.bincount(g, minlength=n))
        state.add("sum", np.bincount(g, weights=w, minlength=n))
        state.add("sum_sq", np.bincount(g, weights=w * w, minlength=n))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        return mean_estimates(
            state.grouped_array("n", ctx.n_groups),
            state.grouped_array("sum", ctx.n_groups),
            state.grouped_array("sum_sq", ctx.n_groups),
            ctx,
        )


class _PythonCount(Calculator):
    def __init__(self, definition: MetricDefinition, where: MaskFn | None) -> None:
        self.definition = definition
        self.where = where

    def create(self) -> State:
        return State(grouped={"n": ((), "int64")})

    def update(self, state: State, batch: Batch) -> None:
        keep = _apply(self.where, batch, self.id, "where")
        state.add("n", np.bincount(np.where(keep, self.groups(batch), 0), minlength=batch.n_groups))

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        return count_estimates(state.grouped_array("n", ctx.n_groups))


def _definition(
    id: str,
    label: str | None,
    description: str,
    unit: Unit,
    kind: RecordKind,
    direction: Direction,
    requires: Sequence[str],
    uncertainty: str,
    version: str,
    value_range: tuple[float, float] | None,
) -> MetricDefinition:
    return MetricDefinition(
        id=id,
        label=label or id,
        description=description,
        unit=unit,
        record_kinds=(kind,),
        requires=tuple(requires),
        direction=direction,
        uncertainty=uncertainty,  # type: ignore[arg-type]
        version=version,
        value_range=value_range,
    )


def share(
    id: str,
    *,
    success: MaskFn | Mapping[str, Any] | Filter,
    where: MaskFn | Mapping[str, Any] | Filter | None = None,
    kind: RecordKind = "response",
    label: str | None = None,
    description: str = "",
    direction: Direction = "higher_is_better",
    requires: Sequence[str] = (),
    version: str = "1",
) -> MetricSpec:
    """A percentage: records passing ``success`` among those passing ``where`` (Wilson).

    ``requires`` lists the fields the lambdas read, so the store scans only those columns
    (empty: all columns).
    """
    definition = _definition(
        id,
        label,
        description,
        "percent",
        kind,
        direction,
        requires,
        "wilson",
        version,
        (0.0, 100.0),
    )
    where_fn = _mask_fn(where, f"metric {id!r}: where")
    success_fn = _mask_fn(success, f"metric {id!r}: success")
    assert success_fn is not None
    return MetricSpec(
        name=id,
        factory=lambda: _PythonShare(definition, where_fn, success_fn),
        description=description or definition.label,
    )


def mean(
    id: str,
    *,
    value: ValueFn | str,
    where: MaskFn | Mapping[str, Any] | Filter | None = None,
    kind: RecordKind = "response",
    label: str | None = None,
    description: str = "",
    unit: Unit = "score",
    direction: Direction = "higher_is_better",
    requires: Sequence[str] = (),
    version: str = "1",
) -> MetricSpec:
    """A mean of ``value`` (a lambda or a numeric field name) over records passing ``where``."""
    definition = _definition(
        id, label, description, unit, kind, direction, requires, "t", version, None
    )
    value_fn: ValueFn = (lambda b: b.number(value)) if isinstance(value, str) else value
    where_fn = _mask_fn(where, f"metric {id!r}: where")
    return MetricSpec(
        name=id,
        factory=lambda: _PythonMean(definition, where_fn, value_fn),
        description=description or definition.label,
    )


def count(
    id: str,
    *,
    where: MaskFn | Mapping[str, Any] | Filter | None = None,
    kind: RecordKind = "interaction",
    label: str | None = None,
    description: str = "",
    requires: Sequence[str] = (),
    version: str = "1",
) -> MetricSpec:
    """How many records pass ``where``."""
    definition = _definition(
        id, label, description, "count", kind, "higher_is_better", requires, "none", version, None
    )
    where_fn = _mask_fn(where, f"metric {id!r}: where")
    return MetricSpec(
        name=id,
        factory=lambda: _PythonCount(definition, where_fn),
        description=description or definition.label,
    )
