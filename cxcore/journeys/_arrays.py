"""Vectorised building blocks over event arrays sorted by (group, time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = [
    "BoolArray",
    "FloatArray",
    "IntArray",
    "distinct",
    "distinct_count",
    "distinct_per_group",
    "first_of_group",
    "km_quantiles",
    "next_position",
    "prev_position",
    "quantiles",
    "unique_pairs",
]

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]


def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values (sort-based: numpy 2's hash-based ``unique`` is ~10x slower
    on large integer arrays)."""
    if len(values) == 0:
        return values
    s = np.sort(values)
    return s[np.concatenate(([True], s[1:] != s[:-1]))]


_DENSE_LIMIT = 50_000_000


def distinct_count(values: IntArray, size: int) -> int:
    """How many distinct values in ``0 <= values < size``."""
    if len(values) == 0:
        return 0
    if size <= _DENSE_LIMIT:
        seen = np.zeros(size, dtype=np.bool_)
        seen[values] = True
        return int(seen.sum())
    return len(distinct(values))


def distinct_per_group(units: IntArray, groups: IntArray, n_units: int, n_groups: int) -> IntArray:
    """Per group ``0 <= g < n_groups``: how many distinct units have an element in it."""
    if len(units) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    flat = units.astype(np.int64) * n_groups + groups
    if n_units * n_groups <= _DENSE_LIMIT:
        seen = np.zeros(n_units * n_groups, dtype=np.bool_)
        seen[flat] = True
        counts: IntArray = seen.reshape(n_units, n_groups).sum(axis=0).astype(np.int64)
        return counts
    return np.bincount(distinct(flat) % n_groups, minlength=n_groups).astype(np.int64)


def first_of_group(group: IntArray) -> BoolArray:
    """True at the first element of each run of equal values (``group`` sorted)."""
    out = np.ones(len(group), dtype=np.bool_)
    if len(group) > 1:
        out[1:] = group[1:] != group[:-1]
    return out


def next_position(
    positions: IntArray, start: IntArray, group: IntArray, want: IntArray
) -> IntArray:
    """For each ``start``, the first of ``positions`` (sorted) at or after it in group ``want``.

    ``group[p]`` is the group of position ``p``; positions are indices into ``group``
    sorted by (group, time), so the first candidate at or after ``start`` is the only one
    that can be in the same group and next in time. Returns ``-1`` where there is none.
    """
    if len(positions) == 0 or len(start) == 0:
        return np.full(len(start), -1, dtype=np.int64)
    j = np.searchsorted(positions, start, side="left")
    cand = positions[np.minimum(j, len(positions) - 1)]
    ok = (j < len(positions)) & (group[cand] == want)
    return np.where(ok, cand, -1).astype(np.int64)


def prev_position(
    positions: IntArray, before: IntArray, group: IntArray, want: IntArray
) -> IntArray:
    """For each ``before``, the last of ``positions`` strictly before it in group ``want``."""
    if len(positions) == 0 or len(before) == 0:
        return np.full(len(before), -1, dtype=np.int64)
    j = np.searchsorted(positions, before, side="left") - 1
    cand = positions[np.maximum(j, 0)]
    ok = (j >= 0) & (group[cand] == want)
    return np.where(ok, cand, -1).astype(np.int64)


def unique_pairs(a: IntArray, b: IntArray, b_size: int) -> tuple[IntArray, IntArray]:
    """Distinct ``(a, b)`` pairs (``0 <= b < b_size``), as two arrays."""
    if len(a) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    key = distinct(a.astype(np.int64) * b_size + b.astype(np.int64))
    return (key // b_size).astype(np.int64), (key % b_size).astype(np.int64)


def quantiles(values: FloatArray, qs: Sequence[float]) -> list[float | None]:
    """Sample quantiles (linear interpolation, numpy's default); ``None`` when empty."""
    if len(values) == 0:
        return [None for _ in qs]
    return [float(v) for v in np.quantile(values, list(qs))]


def km_quantiles(
    durations: FloatArray, observed: npt.NDArray[Any], qs: Sequence[float]
) -> list[float | None]:
    """Kaplan-Meier quantiles of a time-to-event distribution with right-censoring.

    ``durations`` are event times where ``observed`` is true and censoring times elsewhere.
    The q-quantile is the smallest event time ``t`` with ``S(t) <= 1 - q``; ``None`` when
    the estimated survival never falls that low (too few units moved on by the end of
    observation to say). At tied times, events are counted before censorings.
    """
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(observed, dtype=np.bool_)
    if not e.any():
        return [None for _ in qs]
    times = distinct(d[e])
    sorted_all = np.sort(d)
    at_risk = len(d) - np.searchsorted(sorted_all, times, side="left")
    ev_sorted = np.sort(d[e])
    deaths = np.searchsorted(ev_sorted, times, side="right") - np.searchsorted(
        ev_sorted, times, side="left"
    )
    survival = np.cumprod(1.0 - deaths / at_risk)
    out: list[float | None] = []
    for q in qs:
        # A tolerance so S exactly at 1 - q (e.g. half of an even n) is not missed by rounding.
        hit = np.flatnonzero(survival <= 1.0 - q + 1e-12)
        out.append(float(times[hit[0]]) if len(hit) else None)
    return out
