"""Suppression of small groups (anonymity thresholds for employee surveys).

A group with fewer observations than the threshold is *suppressed*: its value, interval,
parts and change are withheld (its ``n`` stays, it says nothing about answers). Primary
suppression alone is not enough when totals are also published: a hidden group could be
recovered as "total minus the visible siblings". So suppression is *complementary*: within
each set of sibling groups (same period, all dimensions equal but one), if exactly one is
hidden, the smallest visible sibling is hidden too. This repeats until stable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .batch import I64, Mask

__all__ = ["suppress"]


def suppress(keys: Sequence[tuple[int, ...]], n: I64, threshold: int) -> Mask:
    """Which of the groups (keys: dimension codes then period) to suppress.

    ``keys[i]`` and ``n[i]`` describe one reported group of one metric.
    """
    hidden = n < threshold
    if len(keys) == 0 or not hidden.any():
        return hidden
    width = len(keys[0]) - 1  # dimensions (the last entry is the period)
    if width == 0:
        return hidden
    changed = True
    while changed:
        changed = False
        for d in range(width):
            siblings: dict[tuple[int, ...], list[int]] = {}
            for i, key in enumerate(keys):
                siblings.setdefault(key[:d] + key[d + 1 :], []).append(i)
            for members in siblings.values():
                if len(members) < 2:
                    continue
                hid = [i for i in members if hidden[i]]
                if len(hid) == 1:
                    visible = [i for i in members if not hidden[i]]
                    smallest = min(visible, key=lambda i: (int(n[i]), i))
                    hidden[smallest] = True
                    changed = True
    return np.asarray(hidden, dtype=np.bool_)
