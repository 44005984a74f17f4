"""The journey map: any per-event metric on the stage x channel grid, with n per cell.

:func:`journey_map` is the general form: give one value per event of the log (``NaN`` for
events that do not count) and a statistic; every stage x channel cell of the journey gets
its n, value and interval (Student t for means, Wilson for rates). Ready-made maps:

* :func:`score_map`: mean normalised answer (0-100, 100 best);
* :func:`count_map`: number of events;
* :func:`break_map`: a break rule's rate per touchpoint, from a :class:`BreakRuleResult`.

Cells the journey does not map as touchpoints are still on the grid (``touchpoint`` is
``None``), so an unexpected channel at a stage shows up rather than vanishing.
"""

from __future__ import annotations

from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt

from cxcore.stats import mean_t, wilson

from ._result import Result
from .breaks import BreakRuleResult
from .curve import score_mask
from .events import INTERACTION, RESPONSE, EventLog

__all__ = ["JourneyMap", "MapCell", "break_map", "count_map", "journey_map", "score_map"]

Statistic = Literal["mean", "rate", "count", "sum"]


@attrs.frozen(kw_only=True)
class MapCell(Result):
    """One stage x channel cell: ``n`` values, the statistic and its interval."""

    stage: str
    channel: str
    touchpoint: str | None
    moment_of_truth: bool
    importance: float | None
    n: int
    value: float | None
    low: float | None
    high: float | None


@attrs.frozen(kw_only=True)
class JourneyMap(Result):
    """A metric on the stage x channel grid; ``cells`` row by row (stage, then channel)."""

    metric: str
    statistic: str
    interval: str | None
    confidence: float
    stages: tuple[str, ...]
    channels: tuple[str, ...]
    cells: tuple[MapCell, ...]

    def cell(self, stage: str, channel: str) -> MapCell:
        i = self.stages.index(stage) * len(self.channels) + self.channels.index(channel)
        return self.cells[i]


def _f(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _grid(
    log: EventLog,
    metric: str,
    statistic: str,
    interval: str | None,
    confidence: float,
    values: dict[tuple[int, int], tuple[int, float | None, float | None, float | None]],
) -> JourneyMap:
    journey = log.journey
    cells = []
    for si, st in enumerate(journey.stages):
        for ci, ch in enumerate(journey.channels):
            tp = journey.touchpoint(st.id, ch.id)
            n, value, low, high = values.get((si, ci), (0, None, None, None))
            cells.append(
                MapCell(
                    stage=st.id,
                    channel=ch.id,
                    touchpoint=tp.id if tp else None,
                    moment_of_truth=bool(tp and tp.moment_of_truth),
                    importance=tp.importance if tp else None,
                    n=n,
                    value=value,
                    low=low,
                    high=high,
                )
            )
    return JourneyMap(
        metric=metric,
        statistic=statistic,
        interval=interval,
        confidence=confidence,
        stages=tuple(s.id for s in journey.stages),
        channels=tuple(c.id for c in journey.channels),
        cells=tuple(cells),
    )


def journey_map(
    log: EventLog,
    values: npt.ArrayLike | None = None,
    *,
    statistic: Statistic = "mean",
    metric: str = "value",
    where: npt.ArrayLike | None = None,
    confidence: float = 0.95,
) -> JourneyMap:
    """Put a per-event metric on the stage x channel grid.

    Args:
        log: the event log.
        values: one number per event (``NaN``: does not count); ``None`` counts events.
        statistic: ``"mean"`` (t interval), ``"rate"`` (values 0/1, Wilson interval),
            ``"sum"`` or ``"count"`` (number of events counted).
        metric: the name carried into the result.
        where: an optional boolean mask of events to use.
        confidence: interval level.
    """
    v = (
        np.ones(log.n_events, dtype=np.float64)
        if values is None
        else np.asarray(values, dtype=np.float64)
    )
    if v.shape != (log.n_events,):
        raise ValueError(f"expected {log.n_events} values (one per event), got {v.shape}")
    mask = np.isfinite(v) & (log.stage >= 0) & (log.channel >= 0)
    if where is not None:
        mask &= np.asarray(where, dtype=np.bool_)
    k = log.n_channels
    size = log.n_stages * k
    cell = log.stage[mask] * k + log.channel[mask]
    x = v[mask]
    n = np.bincount(cell, minlength=size)
    s1 = np.bincount(cell, weights=x, minlength=size)
    out: dict[tuple[int, int], tuple[int, float | None, float | None, float | None]] = {}
    interval: str | None = None
    if statistic == "mean":
        s2 = np.bincount(cell, weights=x * x, minlength=size)
        low, high = mean_t(n.astype(np.float64), s1, s2, confidence)
        interval = "student-t"
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / n
        for c in np.flatnonzero(n):
            out[divmod(int(c), k)] = (int(n[c]), _f(mean[c]), _f(low[c]), _f(high[c]))
    elif statistic == "rate":
        if np.any((x != 0) & (x != 1)):
            raise ValueError("statistic 'rate' expects values 0 or 1")
        interval = "wilson"
        for c in np.flatnonzero(n):
            lo, hi = wilson(float(s1[c]), float(n[c]), confidence)
            out[divmod(int(c), k)] = (int(n[c]), float(s1[c] / n[c]), _f(lo), _f(hi))
    elif statistic in ("sum", "count"):
        for c in np.flatnonzero(n):
            value = float(n[c]) if statistic == "count" else float(s1[c])
            out[divmod(int(c), k)] = (int(n[c]), value, None, None)
    else:
        raise ValueError(f"unknown statistic {statistic!r}; expected mean, rate, sum or count")
    return _grid(log, metric, statistic, interval, confidence, out)


def score_map(
    log: EventLog, items: tuple[str, ...] | None = None, *, confidence: float = 0.95
) -> JourneyMap:
    """Mean normalised answer (0-100, 100 best) per touchpoint, Student t interval."""
    return journey_map(
        log,
        log.score,
        statistic="mean",
        metric="score",
        where=score_mask(log, items),
        confidence=confidence,
    )


def count_map(
    log: EventLog, kind: Literal["interaction", "response", "all"] = "interaction"
) -> JourneyMap:
    """Number of events per touchpoint."""
    where = (
        None if kind == "all" else log.kind == (INTERACTION if kind == "interaction" else RESPONSE)
    )
    return journey_map(log, None, statistic="count", metric=f"{kind}_count", where=where)


def break_map(log: EventLog, rule: BreakRuleResult, *, confidence: float = 0.95) -> JourneyMap:
    """A break rule's per-touchpoint rate on the grid (``n`` = units with an opportunity)."""
    channels = [c.id for c in log.journey.channels]
    stages = [s.id for s in log.journey.stages]
    out: dict[tuple[int, int], tuple[int, float | None, float | None, float | None]] = {}
    for cell in rule.by_touchpoint:
        if cell.channel is None:
            continue
        r = cell.rate
        out[(stages.index(cell.stage), channels.index(cell.channel))] = (
            r.n,
            r.rate,
            r.low,
            r.high,
        )
    return _grid(log, f"break_rate:{rule.name}", "rate", "wilson", confidence, out)
