"""Metrics that pair events sharing a key: follow-ups, time between events, repeat contacts.

Whether a cart was ordered, a ticket solved, or a customer came back within a week can only
be known once every event of that key has been seen, possibly in another batch or partition.
These calculators therefore keep one small row per relevant event in their state (key,
timestamp, group, role); merging concatenates rows and the pairing happens in ``finalize``,
sorted, so the result does not depend on batch or partition order. Their state grows with the
number of events (not with the number of groups): compute them over a bounded period.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..batch import I64, Batch, Mask
from ..calculator import Calculator, Estimates, FinalizeContext
from ..definition import MetricDefinition
from ..errors import MetricDefinitionError
from ..estimators import proportion_estimates
from ..filters import Filter
from ..state import State
from .durations import add_durations, duration_state, finalize_durations, parse_statistic

__all__ = ["FollowUpCalculator", "PairDurationCalculator", "RepeatCalculator", "event_keys"]

_US = 1_000_000
_BASE, _FOLLOW = 0, 1


def event_keys(batch: Batch, fields: Sequence[str]) -> tuple[np.ndarray, Mask]:
    """One string key per row from ``fields`` (the first is required, later ones optional)."""
    parts: list[pa.Array] = []
    valid = np.ones(batch.num_rows, dtype=np.bool_)
    for i, field in enumerate(fields):
        col = batch.dim(field)
        if i == 0:
            valid &= col.notnull()
        vocab = pa.array([*col.vocab, None if i == 0 else ""], pa.string())
        parts.append(pc.take(vocab, pa.array(col.codes)))
    if len(parts) == 1:
        joined = parts[0]
    else:
        joined = pc.binary_join_element_wise(*[pc.fill_null(p, "") for p in parts], "\x1f")
    keys = np.asarray(joined.to_numpy(zero_copy_only=False), dtype=object)
    return keys, valid


def _stable(gid: I64, ctx: FinalizeContext) -> I64:
    return ctx.rank[gid] if len(ctx.rank) else gid


def _sorted_rows(state: State, ctx: FinalizeContext) -> tuple[I64, I64, I64, I64]:
    """Rows ordered by (key, time, role, group): key codes, times, roles, groups."""
    keys = state.column("key")
    ts = state.column("ts")
    role = state.column("role")
    gid = state.column("gid")
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    _, key_codes = np.unique(keys.astype(str), return_inverse=True)
    key_codes = key_codes.reshape(-1).astype(np.int64)
    order = np.lexsort((_stable(gid, ctx), role, ts, key_codes))
    return key_codes[order], ts[order], role[order], gid[order]


def _next_follow(key: I64, role: I64) -> I64:
    """For each row, the index of the first follow row at or after it with the same key (-1)."""
    n = len(key)
    idx = np.where(role == _FOLLOW, np.arange(n), n)
    nxt = np.minimum.accumulate(idx[::-1])[::-1]
    safe = np.minimum(nxt, max(n - 1, 0))
    ok = (nxt < n) & (key[safe] == key)
    return np.where(ok, nxt, -1)


class _PairBase(Calculator):
    def __init__(
        self,
        definition: MetricDefinition,
        *,
        base: Filter,
        follow: Filter,
        key: Sequence[str] = ("journey_instance",),
    ) -> None:
        if not key:
            raise MetricDefinitionError(f"metric {definition.id!r}: a pairing key is required")
        self.definition = definition
        self.base = base
        self.follow = follow
        self.key = tuple(key)

    def create(self) -> State:
        return State(
            rows={"key": "str", "ts": "int64", "role": "int64", "gid": "int64"},
            row_groups=("gid",),
        )

    def update(self, state: State, batch: Batch) -> None:
        is_base = self.base.mask(batch)
        is_follow = self.follow.mask(batch)
        if not (is_base.any() or is_follow.any()):
            return
        keys, valid = event_keys(batch, self.key)
        ts, ts_valid = batch.timestamps(self.definition.time_field_for(batch.kind))
        g = self.groups(batch, every_period=True)
        for role, mask in ((_BASE, is_base), (_FOLLOW, is_follow)):
            m = mask & valid & ts_valid
            if m.any():
                state.append(
                    key=keys[m],
                    ts=ts[m],
                    role=np.full(int(m.sum()), role, dtype=np.int64),
                    gid=g[m],
                )


class FollowUpCalculator(_PairBase):
    """Share of base events followed by a follow event with the same key within a window.

    ``ticket_resolution_rate``: tickets created (base) that got a ``ticket.solved`` (follow);
    ``cart_abandonment_rate`` (``invert``): carts with *no* order within the window. The
    result belongs to the base event's group and period. ``window_hours`` ``None``: any time.
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        base: Filter,
        follow: Filter,
        key: Sequence[str] = ("journey_instance",),
        window_hours: float | None = None,
        invert: bool = False,
    ) -> None:
        super().__init__(definition, base=base, follow=follow, key=key)
        self.window_us = None if window_hours is None else int(window_hours * 3600 * _US)
        self.invert = invert

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        key, ts, role, gid = _sorted_rows(state, ctx)
        nxt = _next_follow(key, role)
        is_base = role == _BASE
        hit = nxt >= 0
        if self.window_us is not None:
            delay = np.where(hit, ts[np.maximum(nxt, 0)] - ts, 0)
            hit &= delay <= self.window_us
        success = hit != self.invert
        n = np.bincount(gid[is_base], minlength=ctx.n_groups)[: ctx.n_groups]
        x = np.bincount(gid[is_base & success], minlength=ctx.n_groups)[: ctx.n_groups]
        return proportion_estimates(
            x, n, ctx, success_name="abandoned" if self.invert else "followed"
        )


class PairDurationCalculator(_PairBase):
    """Time from a base event to the first follow event with the same key (seconds).

    Each base event is paired with the first follow event at or after it. ``group_by``
    ``"to"`` (default) reports the duration in the follow event's group and period (when the
    journey completed), ``"from"`` in the base event's.
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        base: Filter,
        follow: Filter,
        key: Sequence[str] = ("journey_instance",),
        statistic: str = "median",
        group_by: Literal["from", "to"] = "to",
    ) -> None:
        super().__init__(definition, base=base, follow=follow, key=key)
        self.quantile = parse_statistic(statistic, f"metric {definition.id!r}")
        if group_by not in ("from", "to"):
            raise MetricDefinitionError(f"metric {definition.id!r}: group_by is 'from' or 'to'")
        self.group_by = group_by

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        key, ts, role, gid = _sorted_rows(state, ctx)
        nxt = _next_follow(key, role)
        pair = (role == _BASE) & (nxt >= 0)
        src = np.flatnonzero(pair)
        dst = nxt[pair]
        seconds = (ts[dst] - ts[src]).astype(np.float64) / _US
        groups = gid[dst] if self.group_by == "to" else gid[src]
        acc = duration_state()
        if len(src):
            add_durations(acc, groups, seconds, ctx.n_groups)
        return finalize_durations(acc, self.quantile, ctx)


class RepeatCalculator(Calculator):
    """Share of contacts followed by another contact with the same key within a window.

    The key is the customer plus, when present, the issue (``attributes.issue``): a contact
    "repeats" if the same customer comes back about the same issue within ``window_hours``.
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        contacts: Filter,
        key: Sequence[str] = ("customer_id", "attributes.issue"),
        window_hours: float = 7 * 24,
    ) -> None:
        self.definition = definition
        self.contacts = contacts
        self.key = tuple(key)
        self.window_us = int(window_hours * 3600 * _US)

    def create(self) -> State:
        return State(rows={"key": "str", "ts": "int64", "gid": "int64"}, row_groups=("gid",))

    def update(self, state: State, batch: Batch) -> None:
        is_contact = self.contacts.mask(batch)
        if not is_contact.any():
            return
        keys, valid = event_keys(batch, self.key)
        ts, ts_valid = batch.timestamps(self.definition.time_field_for(batch.kind))
        g = self.groups(batch, every_period=True)
        m = is_contact & valid & ts_valid
        if m.any():
            state.append(key=keys[m], ts=ts[m], gid=g[m])

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        keys = state.column("key")
        n = np.zeros(ctx.n_groups, dtype=np.int64)
        if len(keys) == 0:
            return proportion_estimates(n, n, ctx, success_name="repeated")
        _, codes = np.unique(keys.astype(str), return_inverse=True)
        codes = codes.reshape(-1).astype(np.int64)
        ts, gid = state.column("ts"), state.column("gid")
        order = np.lexsort((_stable(gid, ctx), ts, codes))
        codes, ts, gid = codes[order], ts[order], gid[order]
        same_next = np.zeros(len(codes), dtype=np.bool_)
        same_next[:-1] = (codes[1:] == codes[:-1]) & (ts[1:] - ts[:-1] <= self.window_us)
        n = np.bincount(gid, minlength=ctx.n_groups)[: ctx.n_groups]
        x = np.bincount(gid[same_next], minlength=ctx.n_groups)[: ctx.n_groups]
        return proportion_estimates(x, n, ctx, success_name="repeated")
