"""Resolving configured step lists against the journey."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from cxcore.model import Journey

from ._arrays import IntArray

__all__ = ["step_lookup", "steps_of"]


def steps_of(journey: Journey, steps: Sequence[str] | None) -> list[int]:
    """Stage positions of the configured steps (default: every stage in journey order)."""
    if steps is None:
        return list(range(len(journey.stages)))
    out = [journey.stage_position(s) for s in steps]
    if len(set(out)) != len(out):
        raise ValueError(f"steps must be distinct stages, got {list(steps)}")
    if not out:
        raise ValueError("expected at least one step")
    return out


def step_lookup(journey: Journey, positions: Sequence[int]) -> IntArray:
    """Array mapping stage position -> step index (``-1``: not a step; index ``-1`` too)."""
    lookup = np.full(len(journey.stages) + 1, -1, dtype=np.int64)
    for k, p in enumerate(positions):
        lookup[p] = k
    return lookup
