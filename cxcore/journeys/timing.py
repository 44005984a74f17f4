"""Time to next stage: from first arriving at a stage to first arriving at the next one.

Units still in a stage at the end of observation are **censored**, not dropped: dropping
them biases the estimate towards fast movers. The headline median and p90 are Kaplan-Meier
quantiles of the time-to-next-stage distribution, where a unit that has not moved on by
``as_of`` contributes "at least ``as_of - arrival``". A quantile is ``None`` when too few units
moved on to reach it (e.g. the p90 when only 60 % ever move on). For reference, the median
and p90 among the units that did move on (``moved_median_s``, ``moved_p90_s``) are given too;
they are what a naive report shows.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import first_of_group, km_quantiles, next_position, quantiles
from ._result import Result
from ._steps import step_lookup, steps_of
from .config import TimeToNextConfig, Unit
from .events import EventLog

__all__ = ["StageTransition", "TimeToNextResult", "time_to_next_stage"]


@attrs.frozen(kw_only=True)
class StageTransition(Result):
    """Time from first arrival at ``stage`` to first arrival at ``next_stage`` (seconds).

    ``n_entered`` units arrived at ``stage``; ``n_moved`` of them later reached the next
    stage, the other ``n_censored`` had not by ``as_of``.
    """

    stage: str
    next_stage: str
    n_entered: int
    n_moved: int
    n_censored: int
    median_s: float | None
    p90_s: float | None
    moved_median_s: float | None
    moved_p90_s: float | None


@attrs.frozen(kw_only=True)
class TimeToNextResult(Result):
    """Every consecutive pair of steps; ``censoring`` says how open cases were handled."""

    unit: Unit
    censoring: str
    transitions: tuple[StageTransition, ...]

    def transition(self, stage: str) -> StageTransition:
        for tr in self.transitions:
            if tr.stage == stage:
                return tr
        raise KeyError(f"no transition from {stage!r}")


def time_to_next_stage(log: EventLog, config: TimeToNextConfig | None = None) -> TimeToNextResult:
    """Median and p90 time to the next stage, censored with Kaplan-Meier."""
    cfg = config or TimeToNextConfig()
    positions = steps_of(log.journey, cfg.steps)
    names = [log.journey.stages[p].id for p in positions]
    view = log.view(cfg.unit, log.progress_mask(cfg.include_responses))
    u = view.unit
    t = log.time[view.index]
    step_idx = step_lookup(log.journey, positions)[log.stage[view.index]]
    out = []
    for j in range(len(positions) - 1):
        at = np.flatnonzero(step_idx == j).astype(np.int64)
        first = at[first_of_group(u[at])]
        target = np.flatnonzero(step_idx > j if cfg.any_later else step_idx == j + 1)
        nxt = next_position(target.astype(np.int64), first + 1, u, u[first])
        moved = nxt >= 0
        dur_us = np.where(moved, t[np.maximum(nxt, 0)] - t[first], log.as_of - t[first])
        dur = np.maximum(dur_us, 0).astype(np.float64) / 1e6
        median, p90 = km_quantiles(dur, moved, (0.5, 0.9))
        m_median, m_p90 = quantiles(dur[moved], (0.5, 0.9))
        out.append(
            StageTransition(
                stage=names[j],
                next_stage="any later stage" if cfg.any_later else names[j + 1],
                n_entered=len(first),
                n_moved=int(moved.sum()),
                n_censored=int((~moved).sum()),
                median_s=median,
                p90_s=p90,
                moved_median_s=m_median,
                moved_p90_s=m_p90,
            )
        )
    return TimeToNextResult(
        unit=cfg.unit,
        censoring=(
            "kaplan-meier: units not yet moved on at as_of are right-censored at "
            "as_of - arrival; moved_* statistics exclude them"
        ),
        transitions=tuple(out),
    )
