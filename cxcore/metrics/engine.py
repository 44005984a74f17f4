"""The metric engine: runs calculators over records, grouped and by period, into results.

Typical use::

    engine = MetricEngine.from_workspace(ws)
    results = engine.compute(["nps", "csat"], by=["stage", "channel"], grain="month")

For partition-wise runs (Dask, Spark, or "now and again later"), use the plan directly::

    plan = engine.plan(["nps"], by=["segment"], grain="month")
    a = plan.new_state(); plan.update(a, part_1)
    b = plan.new_state(); plan.update(b, part_2)
    payload = b.to_json()                        # ship or store it
    merged = plan.merge(a, plan.load_state(payload))
    results = plan.finalize(merged)              # same as one pass over part_1 + part_2

Results carry n, the estimate, the interval, a low-sample flag, suppression and the change
against the previous period with its significance test, and validate against the
``metric-result`` schema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import numpy as np

from ..model import Journey
from ..model.records import RecordKind
from ..stats import nps_change_z, two_proportion_z, welch_t
from ..store import Store
from .batch import F64, I64, Batch
from .calculator import Calculator, Estimates, FinalizeContext
from .calendar import NULL_ORDINAL, Calendar, ConstantCalendar, GrainCalendar, make_calendar
from .definition import MetricDefinition
from .errors import MetricDefinitionError, MetricInputError, StateMismatchError
from .grouping import Grouper, GroupIndex, check_dimension
from .inputs import iter_batches, scan_columns
from .privacy import suppress
from .results import ChangeColumns, ResultBlock, ResultSet
from .state import State

if TYPE_CHECKING:
    from ..workspace import Workspace

__all__ = ["DEFAULT_MIN_N", "MetricEngine", "Plan", "QueryState"]

#: Below this many observations a result is flagged ``low_sample`` unless configured.
DEFAULT_MIN_N: Final = 30
_STATE_FORMAT: Final = "cxcore-metric-state/1"
_CHANGE_METHOD: Final = {
    "nps": "adjusted_wald_z",
    "proportion": "two_proportion_z",
    "mean": "welch_t",
}


def _instant(value: datetime | date | str | None, tz: ZoneInfo, what: str) -> datetime | None:
    """An aware datetime; dates and naive values are midnight / wall time in ``tz``."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise MetricInputError(f"{what}: {value!r} is not an ISO date or timestamp") from None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime.combine(value, time(0), tzinfo=tz)


class QueryState:
    """The partial result of a plan: group keys plus one state per metric (mergeable)."""

    def __init__(self, plan: Plan, index: GroupIndex, states: dict[str, State]) -> None:
        self.plan = plan
        self.index = index
        self.states = states

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict; :meth:`Plan.load_state` reads it back."""
        return {
            "format": _STATE_FORMAT,
            "plan": self.plan.fingerprint(),
            "index": self.index.to_json(),
            "states": {m: s.to_json() for m, s in self.states.items()},
        }


class Plan:
    """What to compute (metrics, grouping, periods) and how to feed, merge and finish it.

    Built by :meth:`MetricEngine.plan`; see that method for the arguments.
    """

    def __init__(
        self,
        engine: MetricEngine,
        metrics: Sequence[str],
        *,
        by: Sequence[str],
        calendar: Calendar,
        compare: bool,
        confidence: float,
        alpha: float,
        min_n: int | None,
        suppress_below: int | None,
    ) -> None:
        self.engine = engine
        self.requested = tuple(metrics)
        self.by = tuple(check_dimension(d) for d in by)
        if len(set(self.by)) != len(self.by):
            raise MetricInputError(f"dimension listed twice in {list(self.by)}")
        self.calendar = calendar
        self.compare = compare
        if not 0.0 < confidence < 1.0:
            raise MetricInputError(f"confidence must be between 0 and 1, got {confidence}")
        if not 0.0 < alpha < 1.0:
            raise MetricInputError(f"alpha must be between 0 and 1, got {alpha}")
        self.confidence = confidence
        self.alpha = alpha
        self.min_n = min_n
        self.suppress_below = suppress_below
        self.order = engine._closure(self.requested)
        self.calculators = {m: engine.calculator(m) for m in self.order}
        self.counted = calendar.counted(compare)

    # -- inputs ----------------------------------------------------------------------------

    @property
    def kinds(self) -> list[RecordKind]:
        """Record kinds the plan reads, in a fixed order."""
        wanted = {k for c in self.calculators.values() for k in c.definition.record_kinds}
        return [k for k in ("customer", "interaction", "response") if k in wanted]

    def columns(self, kind: RecordKind) -> list[str] | None:
        """Store columns to scan for a kind (``None``: all of them)."""
        wanted: list[str] = []
        for calc in self.calculators.values():
            if not calc.reads(kind):
                continue
            if not calc.definition.requires:
                return None
            wanted += list(calc.definition.requires)
            wanted.append(calc.definition.time_field_for(kind))
        for d in self.by:
            wanted.append(d)
            if d == "touchpoint":
                wanted += ["stage", "channel"]
        return scan_columns(kind, wanted)

    def fingerprint(self) -> dict[str, Any]:
        """What must match for two states to be mergeable."""
        return {
            "metrics": {m: self.calculators[m].definition.version for m in self.order},
            "by": list(self.by),
            "calendar": self.calendar.describe(),
            "compare": self.compare,
            "journey": self.engine.journey.id if self.engine.journey else None,
        }

    # -- accumulate ------------------------------------------------------------------------

    def new_state(self) -> QueryState:
        """An empty partial result."""
        return QueryState(
            self, GroupIndex(self.by), {m: c.create() for m, c in self.calculators.items()}
        )

    def _feed(self, state: QueryState, kind: RecordKind, data: Any) -> None:
        if data.num_rows == 0:
            return
        grouper = Grouper(state.index, self.calendar, self.counted, self.engine.journey)
        constants = {"journey": self.engine.journey.id if self.engine.journey else None}
        batch = Batch(kind, data, grouper, constants)
        for m, calc in self.calculators.items():
            if calc.reads(kind):
                calc.update(state.states[m], batch)

    def update(
        self,
        state: QueryState,
        data: Any,
        *,
        kind: RecordKind | None = None,
        batch_size: int = 65_536,
    ) -> QueryState:
        """Add records (dicts, model objects, Arrow batches/tables, or ``{kind: data}``)."""
        for k, rb in iter_batches(data, kind, batch_size):
            self._feed(state, k, rb)
        return state

    def scan(self, state: QueryState, store: Store, *, batch_size: int = 1 << 20) -> QueryState:
        """Add every live record of the kinds the plan reads, streamed from a store."""
        for kind in self.kinds:
            for rb in store.scan(kind, self.columns(kind), batch_size=batch_size):
                self._feed(state, kind, rb)
        return state

    def merge(self, a: QueryState, b: QueryState) -> QueryState:
        """A new state holding both (exact: counts and sums add up)."""
        for s in (a, b):
            if s.plan.fingerprint() != self.fingerprint():
                raise StateMismatchError("cannot merge states of a different plan")
        index = GroupIndex.from_json(a.index.to_json())
        mapping = index.absorb(b.index)
        n = len(index)
        states = {
            m: self.calculators[m].merge(a.states[m], b.states[m].remap(mapping, n))
            for m in self.order
        }
        return QueryState(self, index, states)

    def load_state(self, data: Mapping[str, Any]) -> QueryState:
        """Read back a :meth:`QueryState.to_json` payload written for this plan."""
        if data.get("format") != _STATE_FORMAT:
            raise StateMismatchError(f"not a cxcore metric state (format {data.get('format')!r})")
        if data.get("plan") != self.fingerprint():
            raise StateMismatchError(
                f"the state was computed for another plan: {data.get('plan')} vs "
                f"{self.fingerprint()}"
            )
        index = GroupIndex.from_json(data["index"])
        states = {m: State.from_json(data["states"][m]) for m in self.order}
        return QueryState(self, index, states)

    # -- finish ----------------------------------------------------------------------------

    def _reported_range(self, index: GroupIndex) -> tuple[int, int] | None:
        rng = self.calendar.reported()
        if rng is not None:
            return rng
        periods = [k[-1] for k in index.keys[1:] if k[-1] != NULL_ORDINAL]
        return (min(periods), max(periods)) if periods else None

    def _fill_periods(self, index: GroupIndex) -> None:
        """Cumulative metrics report every period of the range, with or without events."""
        if not isinstance(self.calendar, GrainCalendar):
            return
        if not any(c.definition.cumulative for c in self.calculators.values()):
            return
        rng = self._reported_range(index)
        if rng is None:
            return
        lo, hi = rng
        if self.compare:
            lo -= 1
        for dims in list(index.dim_tuples()):
            for p in range(lo, hi + 1):
                index.gid((*dims, p))

    def finalize(self, state: QueryState) -> ResultSet:
        """Estimates, intervals, flags, suppression and changes for every reported group."""
        index = GroupIndex.from_json(state.index.to_json())
        self._fill_periods(index)
        n_groups = len(index)
        keys = index.key_array()
        periods = keys[:, -1].copy()
        all_gids = np.arange(n_groups, dtype=np.int64)
        stable = np.empty(n_groups, dtype=np.int64)
        stable[self._report_order(all_gids, index, keys)] = all_gids
        ctx_base = FinalizeContext(
            n_groups=n_groups,
            confidence=self.confidence,
            period=periods,
            dims_id=index.dims_ids(keys),
            calendar=self.calendar,
            rank=stable,
        )
        estimates: dict[str, Estimates] = {}
        for m in self.order:
            calc = self.calculators[m]
            ctx = attrs.evolve(ctx_base, inputs={i: estimates[i] for i in calc.inputs})
            est = calc.finalize(state.states[m], ctx)
            if len(est.n) != n_groups or len(est.value) != n_groups:
                raise MetricDefinitionError(
                    f"metric {m!r}: finalize returned {len(est.value)} values for {n_groups} groups"
                )
            estimates[m] = est
        rng = self._reported_range(index)
        gids = np.arange(1, n_groups, dtype=np.int64)
        if rng is None:
            reported = gids[:0]
        else:
            p = periods[gids]
            reported = gids[(p >= rng[0]) & (p <= rng[1])]
        reported = self._report_order(reported, index, keys)
        period_of: dict[int, dict[str, str] | None] = {}
        blocks = [
            self._block(m, estimates[m], reported, index, keys, period_of) for m in self.requested
        ]
        return ResultSet([b for b in blocks if len(b)], self.by)

    @staticmethod
    def _report_order(gids: I64, index: GroupIndex, all_keys: I64) -> I64:
        """Groups sorted by period, then dimension values (alphabetical, no value first)."""
        if len(gids) == 0:
            return gids
        keys = all_keys[gids]
        sort_keys = [keys[:, -1]]
        for d in range(len(index.dims)):
            vocab = index.vocab[d]
            order = sorted(range(len(vocab)), key=lambda c: (vocab[c] is not None, vocab[c] or ""))
            rank = np.empty(len(vocab), dtype=np.int64)
            rank[order] = np.arange(len(vocab))
            sort_keys.append(rank[keys[:, d]])
        return gids[np.lexsort(tuple(reversed(sort_keys)))]

    def _block(
        self,
        metric: str,
        est: Estimates,
        reported: I64,
        index: GroupIndex,
        all_keys: I64,
        period_of: dict[int, dict[str, str] | None],
    ) -> ResultBlock:
        definition = self.calculators[metric].definition
        sel = reported[est.n[reported] > 0]
        n = est.n[sel]
        min_n = (
            self.min_n
            if self.min_n is not None
            else (definition.min_n if definition.min_n is not None else self.engine.min_n)
        )
        threshold = (
            self.suppress_below if self.suppress_below is not None else definition.suppress_below
        )
        if threshold:
            hidden = suppress([index.keys[g] for g in sel.tolist()], n, threshold)
        else:
            hidden = np.zeros(len(sel), dtype=np.bool_)
        keys = all_keys[sel]
        row_periods = []
        for p in keys[:, -1].tolist():
            if p not in period_of:
                period_of[p] = self._period(p)
            row_periods.append(period_of[p])
        return ResultBlock(
            metric=metric,
            version=definition.version,
            unit=definition.unit,
            dims=index.dims,
            codes=tuple(keys[:, d] for d in range(len(index.dims))),
            vocab=tuple(list(v) for v in index.vocab),
            periods=row_periods,
            n=n,
            value=est.value[sel],
            low=est.low[sel] if est.low is not None else None,
            high=est.high[sel] if est.high is not None else None,
            method=est.method,
            level=self.confidence,
            low_sample=n < min_n,
            suppressed=hidden,
            components={k: np.asarray(v, dtype=np.float64)[sel] for k, v in est.components.items()},
            change=self._changes(est, sel, index, threshold or 0) if self.compare else None,
        )

    def _period(self, ordinal: int) -> dict[str, str] | None:
        if isinstance(self.calendar, ConstantCalendar):
            return None
        start, end = self.calendar.bounds(ordinal)
        return {"grain": self.calendar.grain, "start": start.isoformat(), "end": end.isoformat()}

    def _changes(
        self, est: Estimates, sel: I64, index: GroupIndex, threshold: int
    ) -> ChangeColumns | None:
        if isinstance(self.calendar, ConstantCalendar) or len(sel) == 0:
            return None
        prev = np.zeros(len(sel), dtype=np.int64)
        for i, g in enumerate(sel.tolist()):
            key = index.keys[g]
            found = index.find((*key[:-1], key[-1] - 1))
            if found is not None:
                prev[i] = found
        has = (prev > 0) & (est.n[prev] > 0) & (est.n[prev] >= threshold)
        c, q = sel, prev
        nan = np.full(len(sel), np.nan)
        stat: F64 = nan.copy()
        pval: F64 = nan.copy()
        method = "none"
        basis = est.change
        if basis is not None:
            a = basis.arrays
            method = _CHANGE_METHOD[basis.kind]
            with np.errstate(invalid="ignore", divide="ignore"):
                if basis.kind == "nps":
                    stat, pval = nps_change_z(
                        a["promoters"][q],
                        a["passives"][q],
                        a["detractors"][q],
                        a["promoters"][c],
                        a["passives"][c],
                        a["detractors"][c],
                    )
                elif basis.kind == "proportion":
                    stat, pval = two_proportion_z(
                        np.minimum(a["successes"][c], a["n"][c]),
                        a["n"][c],
                        np.minimum(a["successes"][q], a["n"][q]),
                        a["n"][q],
                    )
                else:
                    stat, _, pval = welch_t(
                        a["n"][c],
                        a["total"][c],
                        a["total_sq"][c],
                        a["n"][q],
                        a["total"][q],
                        a["total_sq"][q],
                    )
        previous = np.where(has, est.value[q], np.nan)
        return ChangeColumns(
            has=has,
            previous=previous,
            delta=np.where(has, est.value[c] - previous, np.nan),
            statistic=np.where(has, stat, np.nan),
            p_value=np.where(has, pval, np.nan),
            method=method,
            alpha=self.alpha,
        )


class MetricEngine:
    """Computes metrics from registered calculators.

    Args:
        calculators: the available calculators (by id, or an iterable of them).
        timezone: IANA zone of day/week/month/quarter/year periods.
        journey: the project's journey (touchpoint ids for stage x channel, the
            ``journey`` dimension).
        min_n: default low-sample threshold.
        store: the default store :meth:`compute` reads when given no data.
    """

    def __init__(
        self,
        calculators: Mapping[str, Calculator] | Iterable[Calculator],
        *,
        timezone: str = "UTC",
        journey: Journey | None = None,
        min_n: int = DEFAULT_MIN_N,
        confidence: float = 0.95,
        store: Store | None = None,
    ) -> None:
        items = calculators.values() if isinstance(calculators, Mapping) else calculators
        self._calculators: dict[str, Calculator] = {}
        for calc in items:
            if calc.id in self._calculators:
                raise MetricDefinitionError(f"metric {calc.id!r} is defined twice")
            self._calculators[calc.id] = calc
        self.timezone = timezone
        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise MetricInputError(
                f"unknown time zone {timezone!r} (expected an IANA name such as Europe/Paris)"
            ) from None
        self.journey = journey
        self.min_n = min_n
        self.confidence = confidence
        self.store = store

    @classmethod
    def from_workspace(cls, workspace: Workspace, *, open_store: bool = True) -> MetricEngine:
        """The engine of a workspace: plugin metrics, declared metrics, its zone and journey.

        ``open_store=False`` leaves the store closed (listing the catalogue needs no data).
        """
        from .registry import load_calculators, metric_defaults

        defaults = metric_defaults(workspace.config.metrics)
        return cls(
            load_calculators(workspace),
            timezone=workspace.config.timezone,
            journey=workspace.journey,
            min_n=int(defaults.get("min_n", DEFAULT_MIN_N)),
            confidence=float(defaults.get("confidence", 0.95)),
            store=workspace.store if open_store else None,
        )

    # -- catalogue -------------------------------------------------------------------------

    @property
    def ids(self) -> list[str]:
        """The ids of every available metric."""
        return list(self._calculators)

    def calculator(self, metric: str) -> Calculator:
        """The calculator of a metric; the error lists the available ids."""
        try:
            return self._calculators[metric]
        except KeyError:
            raise MetricDefinitionError(
                f"unknown metric {metric!r}; available: {', '.join(sorted(self._calculators))}"
            ) from None

    def definitions(self) -> list[MetricDefinition]:
        """The definitions of every available metric."""
        return [c.definition for c in self._calculators.values()]

    def _closure(self, metrics: Sequence[str]) -> list[str]:
        """The metrics plus everything they derive from, inputs first; cycles are errors."""
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(m: str, path: list[str]) -> None:
            mark = state.get(m)
            if mark == 2:
                return
            if mark == 1:
                cycle = " -> ".join([*path[path.index(m) :], m])
                raise MetricDefinitionError(f"derived metrics form a cycle: {cycle}")
            state[m] = 1
            for dep in self.calculator(m).inputs:
                visit(dep, [*path, m])
            state[m] = 2
            order.append(m)

        for m in metrics:
            visit(m, [])
        return order

    # -- running ---------------------------------------------------------------------------

    def plan(
        self,
        metrics: Sequence[str] | None = None,
        *,
        by: Sequence[str] = (),
        grain: str | None = None,
        start: datetime | date | str | None = None,
        end: datetime | date | str | None = None,
        compare: bool = False,
        confidence: float | None = None,
        alpha: float = 0.05,
        min_n: int | None = None,
        suppress_below: int | None = None,
    ) -> Plan:
        """A plan for metrics (default: all), grouped ``by`` dimensions and a ``grain``.

        Args:
            metrics: metric ids (default: all, except metrics that need periods when there
                is neither a grain nor a window); derived metrics pull in their inputs.
            by: dimensions (``stage``, ``channel``, ``touchpoint``, ``segment``, ``source``,
                ``journey``, ``item``, ``type``, ``pillar``, ``survey``, ``attributes.<key>``).
            grain: ``day``, ``week`` (ISO, Monday first), ``month``, ``quarter`` or ``year``
                in the engine's time zone; ``None`` for one period.
            start, end: the reporting window ``[start, end)``; dates are midnight in the
                engine's zone. With a grain the window widens to whole periods.
            compare: add the change against the previous period (the previous grain period,
                or the window of the same length just before ``start``).
            confidence: interval level (default: the engine's, 0.95).
            alpha: significance level of change tests.
            min_n: low-sample threshold (default: the metric's, else the engine's).
            suppress_below: suppress groups below this size for every metric (default: each
                metric's own threshold, e.g. 5 for employee metrics).
        """
        calendar = make_calendar(
            grain,
            self.timezone,
            _instant(start, self.tz, "start"),
            _instant(end, self.tz, "end"),
        )
        if compare and isinstance(calendar, ConstantCalendar):
            raise MetricInputError("a change needs periods: give a grain or a start and end")
        if metrics is None:
            # "Everything" leaves out what cannot be computed without periods (churn...).
            metrics = [
                m
                for m in self.ids
                if not (
                    isinstance(calendar, ConstantCalendar)
                    and self.calculator(m).definition.cumulative
                )
            ]
        return Plan(
            self,
            list(metrics),
            by=by,
            calendar=calendar,
            compare=compare,
            confidence=self.confidence if confidence is None else confidence,
            alpha=alpha,
            min_n=min_n,
            suppress_below=suppress_below,
        )

    def compute(
        self,
        metrics: Sequence[str] | None = None,
        data: Any = None,
        *,
        kind: RecordKind | None = None,
        store: Store | None = None,
        batch_size: int | None = None,
        **options: Any,
    ) -> ResultSet:
        """Compute metrics in one pass over ``data`` or, without data, the store.

        ``options`` are those of :meth:`plan`. ``data`` is anything
        :meth:`Plan.update` accepts.
        """
        plan = self.plan(metrics, **options)
        state = plan.new_state()
        if data is not None:
            plan.update(state, data, kind=kind, batch_size=batch_size or 65_536)
        else:
            source = store or self.store
            if source is None:
                raise MetricInputError("no data given and the engine has no store")
            plan.scan(state, source, batch_size=batch_size or (1 << 20))
        return plan.finalize(state)
