"""The stage funnel: how many units reach each stage, in order, within a conversion window.

Semantics (*eventual order*): a unit counts at step k if it has events at steps 1..k in that
order, other events allowed in between, with step k no later than ``window`` after the step-1
event the path started from. Every step-1 event is tried as a start and the deepest path is
kept (for a fixed start, taking the earliest next event at each step is optimal), so a
customer who first came by a year ago and came back last week still converts when last
week's visit led on. Step conversion is ``reached_k / reached_(k-1)``, overall conversion
``reached_k / reached_1``, both with Wilson intervals.

Vectorised: for every start at once, the next event at each step is found by a binary search
over that step's event positions (events sorted by unit and time).
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import numpy as np

from ._arrays import IntArray, distinct, first_of_group, next_position
from ._result import Proportion, Result
from ._steps import step_lookup, steps_of
from .config import FunnelConfig, Unit
from .events import EventLog

__all__ = ["FunnelGroup", "FunnelResult", "FunnelStep", "stage_funnel"]


@attrs.frozen(kw_only=True)
class FunnelStep(Result):
    """One step: ``reached`` units, conversion from the previous step and from step 1."""

    stage: str
    reached: int
    dropped: int
    step: Proportion | None
    overall: Proportion


@attrs.frozen(kw_only=True)
class FunnelGroup(Result):
    """The funnel of one breakdown group (``dimension`` = ``segment`` or ``channel``)."""

    dimension: str
    value: str | None
    steps: tuple[FunnelStep, ...]


@attrs.frozen(kw_only=True)
class FunnelResult(Result):
    """The stage funnel with its breakdowns.

    ``n_units``: units with any progress event; ``n_open``: units whose window was still open
    at ``as_of`` without completing (excluded from all counts when ``excluded_open``).
    """

    unit: Unit
    semantics: str
    window: timedelta | None
    confidence: float
    n_units: int
    n_open: int
    excluded_open: bool
    steps: tuple[FunnelStep, ...]
    breakdowns: tuple[FunnelGroup, ...]

    def step(self, stage: str) -> FunnelStep:
        for s in self.steps:
            if s.stage == stage:
                return s
        raise KeyError(f"no funnel step {stage!r}")

    def group(self, dimension: str, value: str | None) -> FunnelGroup:
        for g in self.breakdowns:
            if g.dimension == dimension and g.value == value:
                return g
        raise KeyError(f"no funnel group {dimension}={value!r}")


def _steps(names: list[str], depth: IntArray, confidence: float) -> tuple[FunnelStep, ...]:
    k = len(names)
    reached = [int((depth >= j + 1).sum()) for j in range(k)]
    out = []
    for j, name in enumerate(names):
        prev = reached[j - 1] if j else reached[0]
        out.append(
            FunnelStep(
                stage=name,
                reached=reached[j],
                dropped=prev - reached[j],
                step=Proportion.of(reached[j], prev, confidence) if j else None,
                overall=Proportion.of(reached[j], reached[0], confidence),
            )
        )
    return tuple(out)


def stage_funnel(log: EventLog, config: FunnelConfig | None = None) -> FunnelResult:
    """The stage funnel of an event log (see the module docstring for the semantics)."""
    cfg = config or FunnelConfig()
    positions = steps_of(log.journey, cfg.steps)
    names = [log.journey.stages[p].id for p in positions]
    k = len(positions)
    view = log.view(cfg.unit, log.progress_mask(cfg.include_responses))
    u = view.unit
    t = log.time[view.index]
    step_idx = step_lookup(log.journey, positions)[log.stage[view.index]]
    at_step = [np.flatnonzero(step_idx == j).astype(np.int64) for j in range(k)]

    anchors = at_step[0]
    anchor_unit = u[anchors]
    depth = np.ones(len(anchors), dtype=np.int64)
    cur = anchors.copy()
    alive = np.ones(len(anchors), dtype=np.bool_)
    window = None if cfg.window is None else int(cfg.window.total_seconds() * 1_000_000)
    for j in range(1, k):
        nxt = next_position(at_step[j], cur + 1, u, anchor_unit)
        ok = alive & (nxt >= 0)
        if window is not None:
            ok &= t[np.maximum(nxt, 0)] - t[anchors] <= window
        depth += ok
        cur = np.where(ok, nxt, cur)
        alive = ok

    # Per unit: the deepest start, the earliest among equals.
    order = np.lexsort((anchors, -depth, anchor_unit))
    best = order[first_of_group(anchor_unit[order])]
    best_unit = anchor_unit[best]
    best_depth = depth[best]
    best_anchor = anchors[best]

    n_open = 0
    if window is not None:
        # Open: not complete, and the latest start's window has not closed yet (a later
        # event could still take the unit deeper).
        last = np.ones(len(anchors), dtype=np.bool_)
        last[:-1] = anchor_unit[1:] != anchor_unit[:-1]
        last_start = t[anchors[last]]  # one per unit, in the same unit order as ``best``
        open_ = (best_depth < k) & (last_start + window > log.as_of)
        n_open = int(open_.sum())
        if cfg.exclude_open:
            keep = ~open_
            best_unit, best_depth, best_anchor = (
                best_unit[keep],
                best_depth[keep],
                best_anchor[keep],
            )

    groups: list[FunnelGroup] = []
    for dim in cfg.breakdowns:
        if dim == "segment":
            codes = log.person_segment[view.unit_person[best_unit]]
            labels: tuple[str, ...] = log.segments
        elif dim == "channel":
            codes = log.channel[view.index[best_anchor]]
            labels = tuple(c.id for c in log.journey.channels)
        else:
            raise ValueError(f"unknown funnel breakdown {dim!r}; expected segment or channel")
        for code in distinct(codes):
            groups.append(
                FunnelGroup(
                    dimension=dim,
                    value=labels[int(code)] if code >= 0 else None,
                    steps=_steps(names, best_depth[codes == code], cfg.confidence),
                )
            )
    return FunnelResult(
        unit=cfg.unit,
        semantics="eventual order: steps reached in order, other events allowed between",
        window=cfg.window,
        confidence=cfg.confidence,
        n_units=len(distinct(u)),
        n_open=n_open,
        excluded_open=cfg.exclude_open,
        steps=_steps(names, best_depth, cfg.confidence),
        breakdowns=tuple(groups),
    )
