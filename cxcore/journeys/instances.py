"""Journey instances (episodes): from a correlation id, or cut by an inactivity gap.

An instance belongs to one person. With ``mode="auto"`` an event carrying a
``journey_instance`` (a ticket id, an order id) joins the instance of that id *for that
person*; events without one are cut into gap instances: a person's next such event starts a
new instance when more than ``gap`` passed since the previous one. Instances are numbered in
``(person, start time)`` order.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import IntArray
from .config import InstanceConfig

__all__ = ["Instances", "assign_instances"]


@attrs.frozen(kw_only=True, eq=False)
class Instances:
    """The instance of every event (``-1``: none) and, per instance, its person, its
    correlation code (``-1`` for a gap instance) and its start time."""

    instance: IntArray
    n_instances: int
    instance_person: IntArray
    instance_correlation: IntArray
    instance_start: IntArray


def assign_instances(
    person: IntArray, time: IntArray, correlation: IntArray, config: InstanceConfig
) -> Instances:
    """Cut events sorted by ``(person, time)`` into instances.

    Args:
        person, time: per event, sorted by person then time (epoch microseconds).
        correlation: per event, a code of its ``journey_instance`` (``-1`` when absent).
        config: the mode and the inactivity gap.
    """
    n = len(person)
    corr = correlation if config.mode != "gap" else np.full(n, -1, dtype=np.int64)
    use_corr = corr >= 0
    use_gap = ~use_corr if config.mode != "correlation" else np.zeros(n, dtype=np.bool_)
    provisional = np.full(n, -1, dtype=np.int64)

    n_corr = 0
    if use_corr.any():
        width = int(corr.max()) + 1
        key = person[use_corr] * width + corr[use_corr]
        uniq, inv = np.unique(key, return_inverse=True)
        provisional[use_corr] = inv
        n_corr = len(uniq)
    gap_idx = np.flatnonzero(use_gap)
    if len(gap_idx):
        gp, gt = person[gap_idx], time[gap_idx]
        new = np.ones(len(gap_idx), dtype=np.bool_)
        gap_us = int(config.gap.total_seconds() * 1_000_000)
        new[1:] = (gp[1:] != gp[:-1]) | (gt[1:] - gt[:-1] > gap_us)
        provisional[gap_idx] = n_corr + np.cumsum(new) - 1

    assigned = np.flatnonzero(provisional >= 0)
    if len(assigned) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Instances(
            instance=provisional,
            n_instances=0,
            instance_person=empty,
            instance_correlation=empty,
            instance_start=empty,
        )
    # Renumber by first occurrence: the log is in (person, time) order, so the order of
    # first occurrences is the (person, start time) order.
    ids, first = np.unique(provisional[assigned], return_index=True)
    first_pos = assigned[first]
    rank_of = np.empty(int(ids.max()) + 1, dtype=np.int64)
    order = np.argsort(first_pos, kind="stable")
    rank_of[ids[order]] = np.arange(len(ids), dtype=np.int64)
    instance = np.full(n, -1, dtype=np.int64)
    instance[assigned] = rank_of[provisional[assigned]]
    starts = first_pos[order]
    return Instances(
        instance=instance,
        n_instances=len(ids),
        instance_person=person[starts].astype(np.int64),
        instance_correlation=np.where(use_corr[starts], corr[starts], -1).astype(np.int64),
        instance_start=time[starts].astype(np.int64),
    )
