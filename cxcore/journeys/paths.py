"""Top paths (variants): the most frequent sequences of stages or touchpoints.

A unit's path is the sequence of its stages (or ``stage.channel`` touchpoints) in time order,
consecutive repeats collapsed by default, cut after ``max_steps``. The ``top`` most frequent
paths are listed; every other unit is counted in an explicit ``other`` bucket, so
``sum(top counts) + other_count == n_units`` always holds.

Vectorised: paths are laid out as rows of a padded integer matrix and grouped with
``numpy.unique(axis=0)``; strings are built only for the listed paths.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import first_of_group
from ._result import Result
from .config import PathConfig, Unit
from .events import EventLog

__all__ = ["PathVariant", "PathsResult", "top_paths"]


@attrs.frozen(kw_only=True)
class PathVariant(Result):
    """One path, how many units followed it and their share of all units."""

    steps: tuple[str, ...]
    truncated: bool
    count: int
    share: float


@attrs.frozen(kw_only=True)
class PathsResult(Result):
    """The top paths and the ``other`` bucket; ``n_variants`` distinct paths in all."""

    unit: Unit
    by: str
    n_units: int
    n_variants: int
    top: tuple[PathVariant, ...]
    other_count: int
    other_variants: int
    other_share: float


def top_paths(log: EventLog, config: PathConfig | None = None) -> PathsResult:
    """The ``config.top`` most frequent paths and an ``other`` bucket with the rest."""
    cfg = config or PathConfig()
    if cfg.top < 0 or cfg.max_steps < 1:
        raise ValueError("PathConfig: top must be >= 0 and max_steps >= 1")
    view = log.view(cfg.unit, log.progress_mask(cfg.include_responses))
    u = view.unit
    label = log.stage[view.index] if cfg.by == "stage" else log.cells(view.index)
    if cfg.collapse_repeats and len(u):
        keep = first_of_group(u) | np.concatenate(([True], label[1:] != label[:-1]))
        u, label = u[keep], label[keep]
    n = len(u)
    start = first_of_group(u)
    group = np.cumsum(start) - 1
    n_units = int(start.sum())
    if n_units == 0:
        return PathsResult(
            unit=cfg.unit,
            by=cfg.by,
            n_units=0,
            n_variants=0,
            top=(),
            other_count=0,
            other_variants=0,
            other_share=0.0,
        )
    starts = np.flatnonzero(start)
    pos = np.arange(n) - starts[group]
    lengths = np.diff(np.append(starts, n))
    width = cfg.max_steps + 1
    matrix = np.full((n_units, width), -1, dtype=np.int64)
    inside = pos < cfg.max_steps
    matrix[group[inside], pos[inside]] = label[inside]
    matrix[:, -1] = lengths > cfg.max_steps  # truncated paths differ from complete ones
    rows, counts = np.unique(matrix, axis=0, return_counts=True)

    def steps_of(row: np.ndarray[tuple[int], np.dtype[np.int64]]) -> tuple[str, ...]:
        codes = [int(c) for c in row[:-1] if c >= 0]
        if cfg.by == "stage":
            return tuple(log.journey.stages[c].id for c in codes)
        return tuple(log.cell_label(c) for c in codes)

    # Most frequent first; ties in path order (as strings) so the listing is deterministic.
    listed = sorted(range(len(rows)), key=lambda i: -int(counts[i]))
    if len(listed) > cfg.top:
        cut = int(counts[listed[cfg.top - 1]]) if cfg.top else None
        head = [i for i in listed if cut is not None and counts[i] >= cut]
        head.sort(key=lambda i: (-int(counts[i]), steps_of(rows[i])))
        chosen = head[: cfg.top]
    else:
        chosen = sorted(listed, key=lambda i: (-int(counts[i]), steps_of(rows[i])))
    top = tuple(
        PathVariant(
            steps=steps_of(rows[i]),
            truncated=bool(rows[i][-1]),
            count=int(counts[i]),
            share=int(counts[i]) / n_units,
        )
        for i in chosen
    )
    listed_count = sum(v.count for v in top)
    other = n_units - listed_count
    return PathsResult(
        unit=cfg.unit,
        by=cfg.by,
        n_units=n_units,
        n_variants=len(rows),
        top=top,
        other_count=other,
        other_variants=len(rows) - len(top),
        other_share=other / n_units,
    )
