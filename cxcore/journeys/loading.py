"""Loading a store into an :class:`~cxcore.journeys.EventLog`.

The store is read with :meth:`~cxcore.store.Store.scan` (Arrow batches): dimension columns
arrive dictionary-encoded, so mapping stages, channels, types and items costs one Python
lookup per *distinct value* and one numpy gather per batch, never a Python object per event.
Survey scales are parsed once per distinct scale. Customers are stitched into persons, events
sorted by ``(person, time)`` and cut into journey instances.

Ties at the same instant are ordered interactions first, then by source and record id, so
the order (and every result) is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from cxcore.model import Journey
from cxcore.store import Store

from ._arrays import FloatArray, IntArray
from .config import LoadConfig
from .events import INTERACTION, RESPONSE, EventLog, to_us
from .instances import assign_instances
from .stitching import stitch

__all__ = ["load_events"]

_COMMON = [
    "source",
    "id",
    "customer_id",
    "occurred_at",
    "stage",
    "channel",
    "touchpoint",
    "journey_instance",
]


class _Vocab:
    """A growing string -> code vocabulary."""

    def __init__(self, initial: Sequence[str] = ()) -> None:
        self.codes: dict[str, int] = {v: i for i, v in enumerate(initial)}

    def code(self, value: str) -> int:
        c = self.codes.get(value)
        if c is None:
            c = self.codes[value] = len(self.codes)
        return c

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(sorted(self.codes, key=self.codes.__getitem__))


def _encoded(column: Any) -> tuple[list[str | None], IntArray]:
    """Distinct values of a string column and each row's index into them (null: ``len``)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    values: list[str | None] = column.dictionary.to_pylist()
    indices = column.indices.fill_null(len(values)).to_numpy(zero_copy_only=False)
    return values, np.asarray(indices, dtype=np.int64)


def _map(
    column: Any,
    code_of: Callable[[str], int],
    *,
    unmapped: dict[str, int] | None = None,
    dimension: str = "",
) -> IntArray:
    """Codes of a string column (``-1`` for nulls and values ``code_of`` maps to -1).

    With ``unmapped``, non-null values that map to -1 are counted under ``"dimension:value"``.
    """
    values, idx = _encoded(column)
    lookup = np.array([code_of(v) if v is not None else -1 for v in values] + [-1], np.int64)
    if unmapped is not None:
        unknown = [i for i, v in enumerate(values) if v is not None and lookup[i] < 0]
        if unknown:
            counts = np.bincount(idx, minlength=len(values) + 1)
            for i in unknown:
                if counts[i]:
                    key = f"{dimension}:{values[i]}"
                    unmapped[key] = unmapped.get(key, 0) + int(counts[i])
    out: IntArray = lookup[idx]
    return out


def _scores(values: Any, scales: Any) -> FloatArray:
    """Answers normalised to 0-100 (100 best, direction-aware); NaN when unusable."""
    v = np.asarray(pc.fill_null(values.cast(pa.float64()), np.nan).to_numpy(), dtype=np.float64)
    texts, idx = _encoded(scales)
    params = []
    for text in texts:
        try:
            s = orjson.loads(text or "null")
            lo, hi = float(s["min"]), float(s["max"])
            params.append((lo, hi if hi > lo else np.nan, s.get("direction") == "lower_is_better"))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            params.append((np.nan, np.nan, False))
    params.append((np.nan, np.nan, False))  # null scale
    lo_a = np.array([p[0] for p in params])[idx]
    hi_a = np.array([p[1] for p in params])[idx]
    flip = np.array([p[2] for p in params], dtype=np.bool_)[idx]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (v - lo_a) / (hi_a - lo_a)
    out: FloatArray = 100.0 * np.where(flip, 1.0 - share, share)
    return out


@attrs.define
class _Parts:
    """Per-batch arrays, concatenated at the end."""

    source: list[IntArray] = attrs.Factory(list)
    time: list[IntArray] = attrs.Factory(list)
    kind: list[IntArray] = attrs.Factory(list)
    stage: list[IntArray] = attrs.Factory(list)
    channel: list[IntArray] = attrs.Factory(list)
    type: list[IntArray] = attrs.Factory(list)
    item: list[IntArray] = attrs.Factory(list)
    score: list[FloatArray] = attrs.Factory(list)
    ids: list[Any] = attrs.Factory(list)
    customer: list[Any] = attrs.Factory(list)
    correlation: list[Any] = attrs.Factory(list)

    def numbers(self, name: str) -> Any:
        parts = getattr(self, name)
        return (
            np.concatenate(parts)
            if parts
            else np.zeros(0, np.float64 if name == "score" else np.int64)
        )

    def strings(self, name: str) -> Any:
        chunks = []
        for p in getattr(self, name):
            p = p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p
            chunks.append(p.cast(pa.string()))
        return pa.concat_arrays(chunks) if chunks else pa.array([], pa.string())


class _Reader:
    """Turns scan batches into codes against the journey and growing vocabularies."""

    def __init__(self, journey: Journey) -> None:
        self.stage_pos = {s.id: i for i, s in enumerate(journey.stages)}
        self.channel_pos = {c.id: i for i, c in enumerate(journey.channels)}
        self.tp_stage = {t.id: self.stage_pos[t.stage] for t in journey.touchpoints}
        self.tp_channel = {t.id: self.channel_pos[t.channel] for t in journey.touchpoints}
        self.sources, self.types, self.items = _Vocab(), _Vocab(), _Vocab()
        self.unmapped: dict[str, int] = {}
        self.parts = _Parts()

    def add(self, batch: Any, kind: int) -> None:
        n = batch.num_rows
        if n == 0:
            return
        col, parts = batch.column, self.parts
        parts.source.append(_map(col("source"), self.sources.code))
        parts.ids.append(col("id"))
        parts.customer.append(col("customer_id"))
        parts.correlation.append(col("journey_instance"))
        times = col("occurred_at").cast(pa.int64()).to_numpy(zero_copy_only=False)
        parts.time.append(np.asarray(times, dtype=np.int64))
        parts.kind.append(np.full(n, kind, dtype=np.int64))
        stage = _map(
            col("stage"),
            lambda v: self.stage_pos.get(v, -1),
            unmapped=self.unmapped,
            dimension="stage",
        )
        channel = _map(
            col("channel"),
            lambda v: self.channel_pos.get(v, -1),
            unmapped=self.unmapped,
            dimension="channel",
        )
        if self.tp_stage:  # a touchpoint id alone says its stage and channel
            tp = col("touchpoint")
            stage = np.where(stage < 0, _map(tp, lambda v: self.tp_stage.get(v, -1)), stage)
            channel = np.where(channel < 0, _map(tp, lambda v: self.tp_channel.get(v, -1)), channel)
        parts.stage.append(stage)
        parts.channel.append(channel)
        if kind == INTERACTION:
            parts.type.append(_map(col("type"), self.types.code))
            parts.item.append(np.full(n, -1, dtype=np.int64))
            parts.score.append(np.full(n, np.nan))
        else:
            parts.type.append(np.full(n, -1, dtype=np.int64))
            parts.item.append(_map(col("item"), self.items.code))
            parts.score.append(_scores(col("value"), col("scale")))


def _attribute_by_correlation(
    customer_idx: IntArray, unknown: int, source: IntArray, correlation: Any
) -> IntArray:
    """Give events without a customer the customer of their correlation id, same source.

    Some source records describe a ticket but not who raised it (Zendesk's ticket metrics
    carry the solve and the durations, not the requester); the ticket's other events do.
    Without this, resolutions and reopens would fall off every journey.
    """
    names, corr = _encoded(correlation)
    has_corr = corr < len(names)
    key = source * (len(names) + 1) + corr
    missing = np.flatnonzero((customer_idx == unknown) & has_corr)
    known = (customer_idx != unknown) & has_corr
    if len(missing) == 0 or not known.any():
        return customer_idx
    keys, first = np.unique(key[known], return_index=True)
    owners = customer_idx[known][first]
    pos = np.minimum(np.searchsorted(keys, key[missing]), len(keys) - 1)
    hit = keys[pos] == key[missing]
    out = customer_idx.copy()
    out[missing[hit]] = owners[pos[hit]]
    return out


def load_events(
    store: Store,
    journey: Journey,
    config: LoadConfig | None = None,
    *,
    identity_keys: Sequence[str] | None = None,
) -> EventLog:
    """Read every live interaction and response of a store into an :class:`EventLog`.

    Args:
        store: any :class:`~cxcore.store.Store`.
        journey: stages and channels are mapped to positions in it; values the journey does
            not know are left out of stage analyses and counted in ``EventLog.unmapped``.
        config: stitching, instances, period and ``as_of``.
        identity_keys: used when ``config.stitch.identity_keys`` is ``None`` (the workspace
            passes its ``[mapping] identity_keys`` here).

    Events without a ``customer_id`` cannot be put on anyone's journey; they are counted in
    ``EventLog.unattributed``.
    """
    cfg = config or LoadConfig()
    stitch_cfg = cfg.stitch
    if stitch_cfg.identity_keys is None:
        stitch_cfg = attrs.evolve(stitch_cfg, identity_keys=tuple(identity_keys or ()))

    reader = _Reader(journey)
    for batch in store.scan("interaction", [*_COMMON, "type"]):
        reader.add(batch, INTERACTION)
    for batch in store.scan("response", [*_COMMON, "item", "value", "scale"]):
        reader.add(batch, RESPONSE)
    parts = reader.parts
    source, time, kind = parts.numbers("source"), parts.numbers("time"), parts.numbers("kind")
    record_id = parts.strings("ids")

    # Records -> persons: the distinct (source, customer id) pairs, then stitching.
    customer_names, customer_idx = _encoded(parts.strings("customer"))
    customer_idx = _attribute_by_correlation(
        customer_idx, len(customer_names), source, parts.strings("correlation")
    )
    width = len(customer_names) + 1
    attributed = customer_idx < len(customer_names)
    pairs, pair_of_event = np.unique(
        source[attributed] * width + customer_idx[attributed], return_inverse=True
    )
    source_names = reader.sources.values
    pair_records = [
        (source_names[int(p // width)], str(customer_names[int(p % width)])) for p in pairs
    ]
    customers: list[dict[str, Any]] = []
    for batch in store.scan("customer", ["source", "id", "segment", "identities"]):
        customers.extend(batch.to_pylist())
    stitched = stitch(customers, stitch_cfg, extra_records=pair_records)
    pair_person = np.array(
        [stitched.person_index(s, c) for s, c in pair_records], dtype=np.int64
    ).reshape(-1)
    person = np.full(len(time), -1, dtype=np.int64)
    person[attributed] = pair_person[pair_of_event]

    keep = person >= 0
    unattributed = int((~keep).sum())
    if cfg.start is not None:
        keep &= time >= to_us(cfg.start)
    if cfg.end is not None:
        keep &= time < to_us(cfg.end)

    # Deterministic order: person, time, then interactions first, source, record id (packed
    # into one tie-break key: kind in the top bit, then the source, then the id's rank).
    id_rank = (
        np.asarray(pc.rank(record_id, sort_keys="ascending", tiebreaker="first"), np.int64)
        if len(time)
        else np.zeros(0, dtype=np.int64)
    )
    tie = (kind * (len(source_names) + 1) + source) * (len(time) + 1) + id_rank
    sel = np.flatnonzero(keep)
    order = sel[np.lexsort((tie[sel], time[sel], person[sel]))]
    take = pa.array(order, pa.int64())

    person, time = person[order], time[order]
    correlation_ids, correlation = _encoded(pc.take(parts.strings("correlation"), take))
    correlation = np.where(correlation < len(correlation_ids), correlation, -1)
    inst = assign_instances(person, time, correlation, cfg.instances)

    if cfg.as_of is not None:
        as_of = to_us(cfg.as_of)
    elif cfg.end is not None:
        as_of = to_us(cfg.end)
    else:
        as_of = int(time.max()) if len(time) else 0

    segments = _Vocab([s.id for s in journey.segments])
    person_segment = np.array(
        [segments.code(s) if s is not None else -1 for s in stitched.person_segments],
        dtype=np.int64,
    ).reshape(-1)

    return EventLog(
        journey=journey,
        stitching=stitched,
        person=person,
        time=time,
        kind=kind[order],
        stage=parts.numbers("stage")[order],
        channel=parts.numbers("channel")[order],
        type=parts.numbers("type")[order],
        types=reader.types.values,
        item=parts.numbers("item")[order],
        items=reader.items.values,
        score=parts.numbers("score")[order],
        source=source[order],
        sources=source_names,
        record_id=pc.take(record_id, take),
        instance=inst.instance,
        n_instances=inst.n_instances,
        instance_person=inst.instance_person,
        instance_correlation=inst.instance_correlation,
        instance_start=inst.instance_start,
        correlation_ids=pa.array(correlation_ids, pa.string()),
        person_segment=person_segment,
        segments=segments.values,
        as_of=as_of,
        unattributed=unattributed,
        unmapped=dict(sorted(reader.unmapped.items())),
    )
