"""Mergeable accumulator states: per-group sums and row lists, exactly mergeable, JSON-serialisable.

A :class:`State` holds two kinds of arrays:

* **grouped** arrays, whose first axis is the group id (counts, sums, histograms). Merging two
  states adds them element-wise, so a state built in one pass, in chunks merged together, or
  incrementally holds the same numbers (sums of integers, or of values on a binary grid such as
  halves, are exact in float64; other floats agree to the last few bits).
* **row** arrays of equal length (for metrics that must pair events, e.g. a cart and its
  order): merging concatenates them and the calculator sorts them when it finalises, so the
  order in which partitions arrive does not matter.

Group ids are local to one engine run; the engine translates them when it serialises a state
(to the group keys) or merges states from different runs (see :meth:`State.remap`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from .errors import StateMismatchError

__all__ = ["State"]

_DTYPES = {"int64": np.int64, "float64": np.float64, "str": object, "bool": np.bool_}


def _dtype_name(arr: npt.NDArray[Any]) -> str:
    if arr.dtype == object:
        return "str"
    if arr.dtype == np.bool_:
        return "bool"
    if np.issubdtype(arr.dtype, np.integer):
        return "int64"
    return "float64"


class State:
    """The accumulator of one metric.

    Args:
        grouped: name -> trailing shape (``()`` for one number per group) and dtype
            (``"int64"`` for counts, ``"float64"`` for sums).
        rows: name -> dtype of row arrays (``"int64"``, ``"float64"``, ``"str"``, ``"bool"``).
        row_groups: names of row arrays that hold group ids (translated on merge).

    Example::

        state = State(grouped={"hist": ((3,), "int64")})
        state.add("hist", counts)          # counts: (n_groups, 3)
    """

    def __init__(
        self,
        grouped: Mapping[str, tuple[tuple[int, ...], str]] | None = None,
        rows: Mapping[str, str] | None = None,
        row_groups: Iterable[str] = (),
    ) -> None:
        self.grouped: dict[str, npt.NDArray[Any]] = {}
        for name, (shape, dtype) in (grouped or {}).items():
            self.grouped[name] = np.zeros((0, *shape), dtype=_DTYPES[dtype])
        self.rows: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in (rows or {})}
        self._row_dtypes = {name: _DTYPES[d] for name, d in (rows or {}).items()}
        self.row_groups = frozenset(row_groups)
        self.meta: dict[str, Any] = {}

    # -- building --------------------------------------------------------------------------

    @property
    def n_groups(self) -> int:
        """How many groups the grouped arrays cover (they grow on demand)."""
        return max((len(a) for a in self.grouped.values()), default=0)

    def ensure(self, n_groups: int) -> None:
        """Grow every grouped array to at least ``n_groups`` rows (new rows are zero)."""
        for name, arr in self.grouped.items():
            if len(arr) < n_groups:
                grown = np.zeros((n_groups, *arr.shape[1:]), dtype=arr.dtype)
                grown[: len(arr)] = arr
                self.grouped[name] = grown

    def add(self, name: str, values: npt.NDArray[Any]) -> None:
        """Add per-group values (first axis = group id, from 0) to a grouped array."""
        arr = self.grouped[name]
        if values.shape[1:] != arr.shape[1:]:
            raise ValueError(
                f"state array {name!r} has shape (*, {arr.shape[1:]}), got {values.shape}"
            )
        if len(values) > len(arr):
            self.ensure(len(values))
            arr = self.grouped[name]
        arr[: len(values)] += values.astype(arr.dtype, copy=False)

    def append(self, **arrays: npt.NDArray[Any]) -> None:
        """Append rows; every row array of the state must be given, with equal lengths."""
        if set(arrays) != set(self.rows):
            raise ValueError(f"append needs exactly {sorted(self.rows)}, got {sorted(arrays)}")
        lengths = {len(a) for a in arrays.values()}
        if len(lengths) > 1:
            raise ValueError(f"row arrays of different lengths: {lengths}")
        if lengths == {0}:
            return
        for name, arr in arrays.items():
            self.rows[name].append(np.asarray(arr, dtype=self._row_dtypes[name]))

    def column(self, name: str) -> npt.NDArray[Any]:
        """All rows of one row array, concatenated."""
        parts = self.rows[name]
        if not parts:
            return np.zeros(0, dtype=self._row_dtypes[name])
        if len(parts) > 1:
            self.rows[name] = [np.concatenate(parts)]
        return self.rows[name][0]

    def grouped_array(self, name: str, n_groups: int) -> npt.NDArray[Any]:
        """A grouped array grown to ``n_groups`` rows."""
        self.ensure(n_groups)
        return self.grouped[name]

    # -- merging ---------------------------------------------------------------------------

    def empty_like(self) -> State:
        """A new, empty state with the same layout."""
        out = State()
        out.grouped = {
            name: np.zeros((0, *a.shape[1:]), dtype=a.dtype) for name, a in self.grouped.items()
        }
        out.rows = {name: [] for name in self.rows}
        out._row_dtypes = dict(self._row_dtypes)
        out.row_groups = self.row_groups
        out.meta = dict(self.meta)
        return out

    def _check_layout(self, other: State) -> None:
        mine = {n: a.shape[1:] for n, a in self.grouped.items()}
        theirs = {n: a.shape[1:] for n, a in other.grouped.items()}
        if mine != theirs or set(self.rows) != set(other.rows):
            raise StateMismatchError(
                f"states have different layouts: {mine}/{sorted(self.rows)} vs "
                f"{theirs}/{sorted(other.rows)}"
            )

    def merge(self, other: State) -> State:
        """A new state: grouped arrays added, rows concatenated (``self`` then ``other``)."""
        self._check_layout(other)
        out = self.empty_like()
        n = max(self.n_groups, other.n_groups)
        for name in self.grouped:
            merged = np.zeros((n, *self.grouped[name].shape[1:]), dtype=self.grouped[name].dtype)
            a, b = self.grouped[name], other.grouped[name]
            merged[: len(a)] += a
            merged[: len(b)] += b
            out.grouped[name] = merged
        for name in self.rows:
            out.rows[name] = [self.column(name), other.column(name)]
        return out

    def remap(self, mapping: npt.NDArray[np.int64], n_groups: int) -> State:
        """The state with group ``g`` renamed ``mapping[g]``, in a space of ``n_groups``."""
        out = self.empty_like()
        for name, arr in self.grouped.items():
            moved = np.zeros((n_groups, *arr.shape[1:]), dtype=arr.dtype)
            np.add.at(moved, mapping[: len(arr)], arr)
            out.grouped[name] = moved
        for name in self.rows:
            col = self.column(name)
            out.rows[name] = [mapping[col] if name in self.row_groups else col]
        return out

    # -- JSON ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible dict; grouped arrays that are mostly zero are stored sparsely."""
        grouped: dict[str, Any] = {}
        for name, arr in self.grouped.items():
            flat = arr.reshape(-1)
            nz = np.flatnonzero(flat)
            entry: dict[str, Any] = {"shape": list(arr.shape), "dtype": _dtype_name(arr)}
            if len(nz) * 2 < len(flat):
                entry["index"] = nz.tolist()
                entry["values"] = flat[nz].tolist()
            else:
                entry["data"] = flat.tolist()
            grouped[name] = entry
        rows = {
            name: {"dtype": _dtype_name(self.column(name)), "data": self.column(name).tolist()}
            for name in self.rows
        }
        return {
            "grouped": grouped,
            "rows": rows,
            "row_groups": sorted(self.row_groups),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> State:
        """Rebuild a state written by :meth:`to_json`."""
        out = cls()
        for name, entry in data.get("grouped", {}).items():
            dtype = _DTYPES[entry["dtype"]]
            shape = tuple(entry["shape"])
            arr: npt.NDArray[Any] = np.zeros(int(np.prod(shape)), dtype=dtype)
            if "data" in entry:
                arr[:] = entry["data"]
            else:
                arr[np.asarray(entry["index"], dtype=np.int64)] = entry["values"]
            out.grouped[name] = arr.reshape(shape)
        for name, entry in data.get("rows", {}).items():
            dtype = _DTYPES[entry["dtype"]]
            out._row_dtypes[name] = dtype
            out.rows[name] = [np.asarray(entry["data"], dtype=dtype)]
        out.row_groups = frozenset(data.get("row_groups", ()))
        out.meta = dict(data.get("meta", {}))
        return out
