"""The event log: every interaction and response of every person, columnar, in time order.

An :class:`EventLog` is parallel numpy arrays sorted by ``(person, time)``; every analysis
reads one. :func:`~cxcore.journeys.load_events` builds it from a store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import attrs
import numpy as np

from cxcore.model import Journey

from ._arrays import BoolArray, FloatArray, IntArray
from .config import Unit
from .stitching import StitchResult

__all__ = ["INTERACTION", "RESPONSE", "EventLog", "UnitView", "from_us", "to_us"]

INTERACTION = 0
RESPONSE = 1


def to_us(dt: datetime) -> int:
    """Epoch microseconds of an aware datetime."""
    if dt.tzinfo is None:
        raise ValueError(f"expected a time-zone-aware datetime, got {dt!r}")
    delta = dt.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> datetime:
    """A UTC datetime from epoch microseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + np.timedelta64(int(value), "us").item()


@attrs.frozen(kw_only=True)
class UnitView:
    """Events of one counting unit, sorted by ``(unit, time)``.

    ``index`` are positions in the :class:`EventLog`; ``unit`` the unit of each (a person
    or an instance number); ``unit_person`` the person of each unit.
    """

    kind: Unit
    index: IntArray
    unit: IntArray
    n_units: int
    unit_person: IntArray


@attrs.frozen(kw_only=True, eq=False)
class EventLog:
    """Stitched events in ``(person, time)`` order, as parallel numpy arrays.

    Codes are ``-1`` where a value is missing. ``stage`` and ``channel`` are positions in
    ``journey.stages`` / ``journey.channels``; ``type``, ``item`` and ``source`` index the
    ``types``, ``items`` and ``sources`` vocabularies. ``time`` is epoch microseconds (UTC).
    ``score`` is a response's answer normalised to 0-100 (100 best, direction-aware), NaN
    for interactions and unanswered items.
    """

    journey: Journey
    stitching: StitchResult
    person: IntArray
    time: IntArray
    kind: IntArray
    stage: IntArray
    channel: IntArray
    type: IntArray
    types: tuple[str, ...]
    item: IntArray
    items: tuple[str, ...]
    score: FloatArray
    source: IntArray
    sources: tuple[str, ...]
    record_id: Any = attrs.field(repr=False)  # pyarrow string array, for drill-down
    instance: IntArray
    n_instances: int
    instance_person: IntArray
    instance_correlation: IntArray
    instance_start: IntArray
    correlation_ids: Any = attrs.field(repr=False)  # pyarrow string array
    person_segment: IntArray
    segments: tuple[str, ...]
    as_of: int
    unattributed: int
    unmapped: Mapping[str, int]

    # -- sizes and labels -------------------------------------------------------------------

    @property
    def n_events(self) -> int:
        return len(self.time)

    @property
    def n_persons(self) -> int:
        return self.stitching.n_persons

    @property
    def n_channels(self) -> int:
        return len(self.journey.channels)

    @property
    def n_stages(self) -> int:
        return len(self.journey.stages)

    @property
    def n_cells(self) -> int:
        """Size of the cell code space (see :meth:`cells`)."""
        return self.n_stages * (self.n_channels + 1)

    def cells(self, index: IntArray | None = None) -> IntArray:
        """Touchpoint cell of events: ``stage * (n_channels + 1) + channel + 1``; -1 unstaged."""
        st = self.stage if index is None else self.stage[index]
        ch = self.channel if index is None else self.channel[index]
        return np.where(st >= 0, st * (self.n_channels + 1) + ch + 1, -1).astype(np.int64)

    def cell_parts(self, cell: int) -> tuple[str, str | None]:
        """(stage id, channel id or ``None``) of a cell code."""
        st, ch = divmod(int(cell), self.n_channels + 1)
        return self.journey.stages[st].id, (self.journey.channels[ch - 1].id if ch else None)

    def cell_label(self, cell: int) -> str:
        """The touchpoint id of a cell (``stage.channel`` when the journey maps none)."""
        stage, channel = self.cell_parts(cell)
        if channel is None:
            return stage
        tp = self.journey.touchpoint(stage, channel)
        return tp.id if tp is not None else f"{stage}.{channel}"

    def instance_label(self, instance: int) -> str:
        """The correlation id of an instance, or ``<person>@<start>`` for a gap instance."""
        c = int(self.instance_correlation[instance])
        if c >= 0:
            return str(self.correlation_ids[c].as_py())
        start = int(self.instance_start[instance])
        person = self.stitching.persons[int(self.instance_person[instance])]
        return f"{person}@{from_us(start).strftime('%Y-%m-%dT%H:%M:%SZ')}"

    def segment_of_units(self, view: UnitView) -> IntArray:
        return self.person_segment[view.unit_person]

    # -- masks and views ----------------------------------------------------------------------

    def type_mask(self, types: Sequence[str]) -> BoolArray:
        """Interactions whose type is one of ``types``."""
        wanted = set(types)
        lookup = np.array([t in wanted for t in self.types] + [False], dtype=np.bool_)
        out: BoolArray = lookup[self.type] & (self.kind == INTERACTION)
        return out

    def progress_mask(self, include_responses: bool) -> BoolArray:
        """Events that show presence at a stage (interactions, optionally responses)."""
        staged = self.stage >= 0
        return staged if include_responses else staged & (self.kind == INTERACTION)

    def view(self, unit: Unit, mask: BoolArray | None = None) -> UnitView:
        """The events under ``mask`` grouped by ``unit`` and sorted by (unit, time)."""
        keep = np.ones(self.n_events, dtype=np.bool_) if mask is None else mask
        if unit == "person":
            idx = np.flatnonzero(keep).astype(np.int64)
            return UnitView(
                kind="person",
                index=idx,
                unit=self.person[idx],
                n_units=self.n_persons,
                unit_person=np.arange(self.n_persons, dtype=np.int64),
            )
        idx = np.flatnonzero(keep & (self.instance >= 0)).astype(np.int64)
        # Instances are numbered in (person, start) order and the log is in (person, time)
        # order, so a stable sort on the instance keeps each instance's events in time order.
        idx = idx[np.argsort(self.instance[idx], kind="stable")]
        return UnitView(
            kind="instance",
            index=idx,
            unit=self.instance[idx],
            n_units=self.n_instances,
            unit_person=self.instance_person,
        )

    def unit_of(self, unit: Unit) -> IntArray:
        """The unit of every event (``-1`` for events in no instance)."""
        return self.person if unit == "person" else self.instance

    def unit_label(self, unit: Unit, u: int) -> str:
        return self.stitching.persons[u] if unit == "person" else self.instance_label(u)
