"""The calculator contract: a definition plus a mergeable accumulator.

A calculator turns batches of records into a :class:`~cxcore.metrics.State` (``create``,
``update``), combines states (``merge``) and turns a state into per-group
:class:`Estimates` (``finalize``). All methods work on whole columns: ``update`` sees a
:class:`~cxcore.metrics.Batch` (thousands of rows) and ``finalize`` returns numpy arrays with
one entry per group. The engine does the rest: grouping, periods, statistics flags,
suppression, period-over-period change and result records.

Writing one::

    class ShareOfVip(Calculator):
        definition = MetricDefinition(id="vip_share", label="VIP share", unit="percent",
                                      record_kinds=("customer",), uncertainty="wilson")

        def create(self) -> State:
            return State(grouped={"n": ((), "int64"), "vip": ((), "int64")})

        def update(self, state: State, batch: Batch) -> None:
            g = self.groups(batch)
            vip = batch.flag("attributes.vip") == 1.0
            state.add("n", np.bincount(g, minlength=batch.n_groups))
            state.add("vip", np.bincount(g[vip], minlength=batch.n_groups))

        def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
            return proportion(state.grouped_array("vip", ctx.n_groups),
                              state.grouped_array("n", ctx.n_groups), ctx)
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import attrs
import numpy as np
import numpy.typing as npt

from ..model.records import RecordKind
from .batch import F64, I64, Batch
from .calendar import Calendar
from .definition import MetricDefinition
from .state import State

__all__ = [
    "Calculator",
    "ChangeBasis",
    "ChangeKind",
    "Estimates",
    "FinalizeContext",
]

ChangeKind: TypeAlias = Literal["nps", "proportion", "mean"]


@attrs.frozen(kw_only=True)
class ChangeBasis:
    """What a period-over-period significance test needs, per group.

    * ``nps``: arrays ``promoters``, ``passives``, ``detractors`` (adjusted-Wald z-test);
    * ``proportion``: ``successes``, ``n`` (pooled two-proportion z-test);
    * ``mean``: ``n``, ``total``, ``total_sq`` (Welch's t-test).
    """

    kind: ChangeKind
    arrays: Mapping[str, F64]


@attrs.frozen(kw_only=True, eq=False)
class Estimates:
    """Per-group output of :meth:`Calculator.finalize` (arrays indexed by group id).

    Args:
        n: observations behind each estimate (responses, tickets, customers at start...).
        value: the estimate, NaN when there is none.
        low, high: the confidence interval, NaN where undefined; ``None`` for no interval.
        method: the interval method (``adjusted_wald``, ``wilson``, ``t``,
            ``order_statistic``, ``none``).
        components: named parts of the estimate (promoters, satisfied, mean, p90...).
        change: how to test a change between two groups, or ``None`` (delta only).
    """

    n: I64
    value: F64
    low: F64 | None = None
    high: F64 | None = None
    method: str = "none"
    components: Mapping[str, F64] = attrs.field(factory=dict)
    change: ChangeBasis | None = None


@attrs.frozen(kw_only=True, eq=False)
class FinalizeContext:
    """What ``finalize`` may need besides the state.

    Args:
        n_groups: the length of every per-group array.
        confidence: interval level (0.95).
        period: period ordinal of each group (for cumulative metrics).
        dims_id: an id per distinct dimension tuple, per group (-1 for group 0).
        calendar: the calendar periods come from.
        inputs: finalised estimates of the metrics listed in ``Calculator.inputs``.
        rank: a rank per group id that does not depend on the order data arrived in (period,
            then dimension values), for breaking ties deterministically.
    """

    n_groups: int
    confidence: float = 0.95
    period: I64 = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))
    dims_id: I64 = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))
    calendar: Calendar | None = None
    inputs: Mapping[str, Estimates] = attrs.field(factory=dict)
    rank: I64 = attrs.field(factory=lambda: np.zeros(0, dtype=np.int64))


class Calculator(abc.ABC):
    """Base class of metric calculators (see the module docstring for an example).

    Subclasses set :attr:`definition` (a class attribute or in ``__init__``) and implement
    :meth:`create`, :meth:`update` and :meth:`finalize`. ``merge`` adds grouped arrays and
    concatenates row arrays, which is right for every state built of counts and sums.
    """

    definition: MetricDefinition
    #: Other metrics this one is computed from (derived metrics); they are computed first.
    inputs: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The metric id (from the definition)."""
        return self.definition.id

    def reads(self, kind: RecordKind) -> bool:
        """Whether batches of this kind feed the metric."""
        return kind in self.definition.record_kinds

    def groups(self, batch: Batch, *, every_period: bool = False) -> I64:
        """Group id of each row, with the period from the definition's time field."""
        return batch.group_for(
            self.definition.time_field_for(batch.kind), every_period=every_period
        )

    @abc.abstractmethod
    def create(self) -> State:
        """An empty state."""

    @abc.abstractmethod
    def update(self, state: State, batch: Batch) -> None:
        """Add a batch of records to ``state`` (in place). Must be vectorised."""

    def merge(self, a: State, b: State) -> State:
        """Combine two states of the same query; exact for sums and row lists."""
        return a.merge(b)

    @abc.abstractmethod
    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        """Per-group estimates from a state."""

    def describe(self) -> dict[str, Any]:
        """The definition as JSON (for ``cxcore metrics list``)."""
        return self.definition.to_dict()


def as_int(arr: npt.NDArray[Any]) -> I64:
    """Counts as int64 (states may hold them as floats after weighting)."""
    return np.asarray(np.rint(arr), dtype=np.int64)
