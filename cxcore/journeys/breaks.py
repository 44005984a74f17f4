"""Journey breaks: declared rules, each with a window, and their rates where they start.

Each rule in :class:`~cxcore.journeys.BreakConfig` finds *opportunities* (events where the
break could start: contacts, resolutions, stage entries, answers at moments of truth) and
*breaks* (the opportunities where it did). Rates count units (journey instances by default,
see each rule's ``unit``), never events:

* per touchpoint: units with a break starting at the touchpoint / units with an opportunity
  there;
* per channel and per segment: the same, grouped by the opportunity's channel or the unit's
  segment (e.g. the channel-switch rate of chat contacts against e-mail contacts);
* overall: units with any break / units with any opportunity.

All with Wilson intervals. The channel-switch rule also lists its transitions
(``chat -> phone: 42``). Rule semantics are in the rule classes' docstrings
(:mod:`cxcore.journeys.config`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np

from ._arrays import (
    BoolArray,
    IntArray,
    distinct,
    distinct_count,
    distinct_per_group,
    first_of_group,
    next_position,
    prev_position,
)
from ._result import Proportion, Result
from .config import (
    AbandonmentRule,
    BackwardMoveRule,
    BreakConfig,
    BreakRule,
    ChannelSwitchRule,
    EventTypes,
    MomentOfTruthRule,
    ReopenRule,
    RepeatContactRule,
    Unit,
)
from .events import INTERACTION, RESPONSE, EventLog, from_us

__all__ = [
    "BreakCell",
    "BreakExample",
    "BreakGroup",
    "BreakReport",
    "BreakRuleResult",
    "BreakTransition",
    "journey_breaks",
]


@attrs.frozen(kw_only=True)
class BreakCell(Result):
    """The break rate of units passing one touchpoint (stage x channel)."""

    touchpoint: str
    stage: str
    channel: str | None
    moment_of_truth: bool
    rate: Proportion


@attrs.frozen(kw_only=True)
class BreakGroup(Result):
    """The break rate of one channel or segment (``value`` ``None``: not known)."""

    value: str | None
    rate: Proportion


@attrs.frozen(kw_only=True)
class BreakTransition(Result):
    """How many channel switches went from one channel to another."""

    from_channel: str
    to_channel: str
    count: int


@attrs.frozen(kw_only=True)
class BreakExample(Result):
    """One break, to drill down: the person, the unit, when and where it started."""

    person: str
    unit: str
    at: datetime
    touchpoint: str | None


@attrs.frozen(kw_only=True)
class BreakRuleResult(Result):
    """One rule's results. ``window`` is the rule's window (or timeout)."""

    name: str
    kind: str
    description: str
    window: timedelta | None
    unit: Unit
    parameters: dict[str, Any]
    overall: Proportion
    by_touchpoint: tuple[BreakCell, ...]
    by_channel: tuple[BreakGroup, ...]
    by_segment: tuple[BreakGroup, ...]
    transitions: tuple[BreakTransition, ...]
    examples: tuple[BreakExample, ...]

    def touchpoint(self, touchpoint: str) -> BreakCell:
        for c in self.by_touchpoint:
            if c.touchpoint == touchpoint:
                return c
        raise KeyError(f"rule {self.name!r} has no opportunity at touchpoint {touchpoint!r}")

    def channel(self, channel: str | None) -> Proportion:
        for g in self.by_channel:
            if g.value == channel:
                return g.rate
        raise KeyError(f"rule {self.name!r} has no opportunity on channel {channel!r}")

    def segment(self, segment: str | None) -> Proportion:
        for g in self.by_segment:
            if g.value == segment:
                return g.rate
        raise KeyError(f"rule {self.name!r} has no opportunity in segment {segment!r}")


@attrs.frozen(kw_only=True)
class BreakReport(Result):
    """Every rule's results, in configuration order."""

    confidence: float
    rules: tuple[BreakRuleResult, ...]

    def rule(self, name: str) -> BreakRuleResult:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"no break rule {name!r}; have {', '.join(r.name for r in self.rules)}")


# -- detection --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Found:
    opportunities: IntArray
    breaks: IntArray
    to_channel: IntArray | None = None
    resolved: dict[str, Any] = attrs.field(factory=dict)


class _Context:
    """Masks and orderings shared by the rules."""

    def __init__(self, log: EventLog, types: EventTypes) -> None:
        self.log = log
        is_contact = np.array([types.is_contact(t) for t in log.types] + [False], dtype=np.bool_)
        interaction = log.kind == INTERACTION
        self.contact = is_contact[log.type] & interaction
        self.resolution = log.type_mask(types.resolution_types)
        self.reopen = log.type_mask(types.reopen_types)
        # Instance order: events of each instance together, in time order.
        with_inst = np.flatnonzero(log.instance >= 0)
        self.inst_order = with_inst[np.argsort(log.instance[with_inst], kind="stable")]
        self.inst_sorted = log.instance[self.inst_order]
        self.pos_in_inst = np.full(log.n_events, -1, dtype=np.int64)
        self.pos_in_inst[self.inst_order] = np.arange(len(self.inst_order), dtype=np.int64)
        self.res_inst_pos = np.flatnonzero(self.resolution[self.inst_order]).astype(np.int64)

    def next_resolution(self, events: IntArray) -> IntArray:
        """The log index of the first resolution of each event's instance at or after it."""
        log = self.log
        if len(self.res_inst_pos) == 0:
            return np.full(len(events), -1, dtype=np.int64)
        pos = self.pos_in_inst[events]
        found = next_position(
            self.res_inst_pos, np.maximum(pos, 0), self.inst_sorted, log.instance[events]
        )
        found = np.where(pos >= 0, found, -1)
        return np.where(found >= 0, self.inst_order[np.maximum(found, 0)], -1).astype(np.int64)

    def prev_resolution(self, events: IntArray) -> IntArray:
        """The log index of the last resolution of each event's instance before it."""
        log = self.log
        if len(self.res_inst_pos) == 0:
            return np.full(len(events), -1, dtype=np.int64)
        pos = self.pos_in_inst[events]
        found = prev_position(
            self.res_inst_pos, np.maximum(pos, 0), self.inst_sorted, log.instance[events]
        )
        found = np.where(pos >= 0, found, -1)
        return np.where(found >= 0, self.inst_order[np.maximum(found, 0)], -1).astype(np.int64)

    def issue_stages(self, stages: tuple[str, ...] | None) -> BoolArray:
        """Stage mask (indexable by stage code, -1 included) of the stages a rule covers."""
        log = self.log
        mask = np.zeros(log.n_stages + 1, dtype=np.bool_)
        if stages is not None:
            for s in stages:
                mask[log.journey.stage_position(s)] = True
            return mask
        found = log.stage[self.resolution]
        found = found[found >= 0]
        if len(found):
            mask[found] = True
        else:
            mask[:-1] = True
        return mask

    def stage_names(self, mask: BoolArray) -> list[str]:
        return [s.id for i, s in enumerate(self.log.journey.stages) if mask[i]]

    def contacts(self, stages: BoolArray) -> IntArray:
        return np.flatnonzero(self.contact & stages[self.log.stage]).astype(np.int64)

    def contact_pairs(self, scope: str, c: IntArray) -> tuple[IntArray, IntArray]:
        """Each contact and the customer's next contact in the same stage or instance."""
        log = self.log
        if scope == "stage":
            key = log.person[c] * (log.n_stages + 1) + log.stage[c] + 1
        else:
            c = c[log.instance[c] >= 0]
            key = log.instance[c]
        o = np.argsort(key, kind="stable")
        cs, ks = c[o], key[o]
        same = ks[:-1] == ks[1:]
        return cs[:-1][same], cs[1:][same]


def _us(td: timedelta) -> int:
    return int(td.total_seconds() * 1_000_000)


def _channel_switch(ctx: _Context, rule: ChannelSwitchRule) -> _Found:
    log = ctx.log
    stages = ctx.issue_stages(rule.stages)
    contacts = ctx.contacts(stages)
    e, f = ctx.contact_pairs(rule.scope, contacts)
    ok = (log.time[f] - log.time[e] <= _us(rule.window)) & (log.channel[e] >= 0)
    ok &= (log.channel[f] >= 0) & (log.channel[e] != log.channel[f])
    res = ctx.next_resolution(e)
    ok &= (res < 0) | (log.time[np.maximum(res, 0)] > log.time[f])
    return _Found(
        opportunities=contacts,
        breaks=e[ok],
        to_channel=log.channel[f[ok]],
        resolved={"stages": ctx.stage_names(stages)},
    )


def _repeat_contact(ctx: _Context, rule: RepeatContactRule) -> _Found:
    log = ctx.log
    stages = ctx.issue_stages(rule.stages)
    contacts = ctx.contacts(stages)
    e, f = ctx.contact_pairs(rule.scope, contacts)
    ok = log.time[f] - log.time[e] <= _us(rule.window)
    return _Found(
        opportunities=contacts, breaks=e[ok], resolved={"stages": ctx.stage_names(stages)}
    )


def _reopen(ctx: _Context, rule: ReopenRule) -> _Found:
    log = ctx.log
    trigger = (ctx.reopen | ctx.contact) if rule.contact_reopens else ctx.reopen
    x = np.flatnonzero(trigger & (log.instance >= 0)).astype(np.int64)
    r = ctx.prev_resolution(x)
    ok = (r >= 0) & (log.time[x] - log.time[np.maximum(r, 0)] <= _us(rule.window))
    return _Found(
        opportunities=np.flatnonzero(ctx.resolution & (log.instance >= 0)).astype(np.int64),
        breaks=r[ok],
    )


def _backward_move(ctx: _Context, rule: BackwardMoveRule) -> _Found:
    log = ctx.log
    exempt = np.zeros(log.n_stages + 1, dtype=np.bool_)
    for s in rule.exempt_stages:
        exempt[log.journey.stage_position(s)] = True
    mask = log.progress_mask(rule.include_responses) & ~exempt[log.stage]
    view = log.view(rule.unit, mask)
    u, st, t = view.unit, log.stage[view.index], log.time[view.index]
    width = log.n_stages + 1
    furthest = np.maximum.accumulate(u * width + st) - u * width if len(u) else st
    ok = np.zeros(len(u), dtype=np.bool_)
    if len(u) > 1:
        ok[1:] = (u[1:] == u[:-1]) & (st[1:] < furthest[:-1]) & (t[1:] - t[:-1] <= _us(rule.window))
    origin = np.flatnonzero(ok) - 1
    return _Found(opportunities=view.index, breaks=view.index[origin])


def _abandonment(ctx: _Context, rule: AbandonmentRule, types: EventTypes) -> _Found:
    log = ctx.log
    stages = (
        [log.journey.stage_position(s) for s in rule.stages]
        if rule.stages is not None
        else list(range(log.n_stages - 1))
    )
    progress_types = (
        rule.progress_types if rule.progress_types is not None else (types.resolution_types)
    )
    is_progress = log.type_mask(progress_types)
    view = log.view(rule.unit, log.progress_mask(rule.include_responses))
    u, st, t = view.unit, log.stage[view.index], log.time[view.index]
    prog = is_progress[view.index]
    timeout = _us(rule.timeout)
    opp: list[IntArray] = []
    brk: list[IntArray] = []
    for s in stages:
        at = np.flatnonzero(st == s).astype(np.int64)
        first = at[first_of_group(u[at])]
        later = np.flatnonzero((st > s) | ((st == s) & prog)).astype(np.int64)
        nxt = next_position(later, first + 1, u, u[first])
        progressed = (nxt >= 0) & (t[np.maximum(nxt, 0)] - t[first] <= timeout)
        closed = t[first] + timeout <= log.as_of
        opp.append(view.index[first[progressed | closed]])
        brk.append(view.index[first[~progressed & closed]])
    return _Found(
        opportunities=np.concatenate(opp) if opp else np.zeros(0, dtype=np.int64),
        breaks=np.concatenate(brk) if brk else np.zeros(0, dtype=np.int64),
    )


def _moment_of_truth(ctx: _Context, rule: MomentOfTruthRule) -> _Found:
    log = ctx.log
    journey = log.journey
    wanted = set(rule.touchpoints) if rule.touchpoints is not None else None
    mot_cells = np.zeros(log.n_cells + 1, dtype=np.bool_)
    for tp in journey.touchpoints:
        if (tp.id in wanted) if wanted is not None else tp.moment_of_truth:
            st = journey.stage_position(tp.stage)
            ch = next(i for i, c in enumerate(journey.channels) if c.id == tp.channel)
            mot_cells[st * (log.n_channels + 1) + ch + 1] = True
    mask = (log.kind == RESPONSE) & np.isfinite(log.score) & mot_cells[log.cells()]
    if rule.items is not None:
        item_ok = np.array([i in set(rule.items) for i in log.items] + [False], dtype=np.bool_)
        mask &= item_ok[log.item]
    if rule.window is not None:
        view = log.view(rule.unit)
        kinds = log.kind[view.index]
        resp = np.flatnonzero(mask[view.index]).astype(np.int64)
        inter = np.flatnonzero(kinds == INTERACTION).astype(np.int64)
        prev = prev_position(inter, resp, view.unit, view.unit[resp])
        t = log.time[view.index]
        near = (prev >= 0) & (t[resp] - t[np.maximum(prev, 0)] <= _us(rule.window))
        keep = np.zeros(log.n_events, dtype=np.bool_)
        keep[view.index[resp[near]]] = True
        mask &= keep
    answers = np.flatnonzero(mask).astype(np.int64)
    return _Found(opportunities=answers, breaks=answers[log.score[answers] < rule.threshold])


# -- summarising -----------------------------------------------------------------------------


def _rates(
    opp_unit: IntArray,
    opp_group: IntArray,
    brk_unit: IntArray,
    brk_group: IntArray,
    n_units: int,
    confidence: float,
) -> dict[int, Proportion]:
    """Distinct units per group (``group >= 0``) with an opportunity / with a break."""
    out: dict[int, Proportion] = {}
    ok_o, ok_b = opp_group >= 0, brk_group >= 0
    if not ok_o.any():
        return out
    size = int(max(opp_group.max(), brk_group.max() if len(brk_group) else 0)) + 1
    n = distinct_per_group(opp_unit[ok_o], opp_group[ok_o], n_units, size)
    b = distinct_per_group(brk_unit[ok_b], brk_group[ok_b], n_units, size)
    for g in np.flatnonzero(n):
        out[int(g)] = Proportion.of(int(b[g]), int(n[g]), confidence)
    return out


def _summarise(
    log: EventLog, rule: BreakRule, found: _Found, confidence: float, examples: int
) -> BreakRuleResult:
    unit_of = log.unit_of(rule.unit)
    opp = found.opportunities[unit_of[found.opportunities] >= 0]
    brk_ok = unit_of[found.breaks] >= 0
    brk = found.breaks[brk_ok]
    ou, bu = unit_of[opp], unit_of[brk]
    n_units = log.n_persons if rule.unit == "person" else log.n_instances

    overall = Proportion.of(distinct_count(bu, n_units), distinct_count(ou, n_units), confidence)

    cells = _rates(ou, log.cells(opp), bu, log.cells(brk), n_units, confidence)
    by_touchpoint = []
    for cell, rate in sorted(cells.items()):
        stage, channel = log.cell_parts(cell)
        tp = log.journey.touchpoint(stage, channel) if channel is not None else None
        by_touchpoint.append(
            BreakCell(
                touchpoint=log.cell_label(cell),
                stage=stage,
                channel=channel,
                moment_of_truth=bool(tp is not None and tp.moment_of_truth),
                rate=rate,
            )
        )
    channels = _rates(ou, log.channel[opp], bu, log.channel[brk], n_units, confidence)
    by_channel = [
        BreakGroup(value=log.journey.channels[c].id, rate=r) for c, r in sorted(channels.items())
    ]
    # Segments: code + 1 so "no segment" (-1) is a group of its own (0).
    # (An instance belongs to one person, so an event's person is its unit's person.)
    segs = _rates(
        ou,
        log.person_segment[log.person[opp]] + 1,
        bu,
        log.person_segment[log.person[brk]] + 1,
        n_units,
        confidence,
    )
    by_segment = [
        BreakGroup(value=log.segments[s - 1] if s > 0 else None, rate=r)
        for s, r in sorted(segs.items())
    ]
    transitions: list[BreakTransition] = []
    if found.to_channel is not None:
        to = found.to_channel[brk_ok]
        frm = log.channel[brk]
        width = log.n_channels
        pairs, counts = np.unique(frm * width + to, return_counts=True)
        ch = log.journey.channels
        transitions = [
            BreakTransition(
                from_channel=ch[int(p // width)].id,
                to_channel=ch[int(p % width)].id,
                count=int(k),
            )
            for p, k in zip(pairs, counts, strict=True)
        ]
        transitions.sort(key=lambda x: (-x.count, x.from_channel, x.to_channel))
    first_breaks = distinct(brk)[:examples] if examples > 0 else brk[:0]
    ex = tuple(
        BreakExample(
            person=log.stitching.persons[int(log.person[i])],
            unit=log.unit_label(rule.unit, int(unit_of[i])),
            at=from_us(int(log.time[i])),
            touchpoint=log.cell_label(int(c)) if (c := log.cells(np.array([i]))[0]) >= 0 else None,
        )
        for i in first_breaks
    )
    params = {
        f.name: getattr(rule, f.name)
        for f in attrs.fields(type(rule))
        if f.name not in ("name", "unit")
    }
    params.update(found.resolved)
    return BreakRuleResult(
        name=rule.name,
        kind=rule.kind,
        description=rule.describe(),
        window=rule.window,
        unit=rule.unit,
        parameters=params,
        overall=overall,
        by_touchpoint=tuple(by_touchpoint),
        by_channel=tuple(by_channel),
        by_segment=tuple(by_segment),
        transitions=tuple(transitions),
        examples=ex,
    )


def detect(log: EventLog, rule: BreakRule, types: EventTypes | None = None) -> _Found:
    """Opportunities and breaks of one rule (log indices); mainly for tests and drill-down."""
    return _detect(_Context(log, types or EventTypes()), rule, types or EventTypes())


def _detect(ctx: _Context, rule: BreakRule, types: EventTypes) -> _Found:
    detectors: dict[type[Any], Callable[[Any], _Found]] = {
        ChannelSwitchRule: lambda r: _channel_switch(ctx, r),
        RepeatContactRule: lambda r: _repeat_contact(ctx, r),
        ReopenRule: lambda r: _reopen(ctx, r),
        BackwardMoveRule: lambda r: _backward_move(ctx, r),
        AbandonmentRule: lambda r: _abandonment(ctx, r, types),
        MomentOfTruthRule: lambda r: _moment_of_truth(ctx, r),
    }
    try:
        detector = detectors[type(rule)]
    except KeyError:
        raise TypeError(f"unknown break rule {type(rule).__name__}") from None
    return detector(rule)


def journey_breaks(log: EventLog, config: BreakConfig | None = None) -> BreakReport:
    """Apply every configured break rule and summarise the rates where breaks start."""
    cfg = config or BreakConfig()
    ctx = _Context(log, cfg.types)
    return BreakReport(
        confidence=cfg.confidence,
        rules=tuple(
            _summarise(log, rule, _detect(ctx, rule, cfg.types), cfg.confidence, cfg.examples)
            for rule in cfg.rules
        ),
    )


def break_events(log: EventLog, rule: BreakRule, types: EventTypes | None = None) -> BoolArray:
    """A mask of the events where ``rule``'s breaks start (for a journey map of any rule)."""
    found = detect(log, rule, types)
    out = np.zeros(log.n_events, dtype=np.bool_)
    out[found.breaks] = True
    return out
