"""Group keys: dimension values and a period, mapped to small integer group ids, vectorised.

Each grouping dimension keeps a global vocabulary (code 0 is "no value"). For every batch the
dictionary codes of its columns are translated to global codes with one lookup table per
dictionary (cached: a store scan hands every batch the same dictionary), combined with the
period ordinal into one integer key per row, and the few distinct keys of the batch are given
group ids. Group id 0 is reserved for rows that must not be counted (outside the window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from ..model import Journey
from .batch import I64, Batch, DimColumn, Mask
from .calendar import NULL_ORDINAL, Calendar, ConstantCalendar
from .errors import MetricInputError

__all__ = ["DIMENSIONS", "GroupIndex", "Grouper", "check_dimension"]

#: Dimensions every record kind may carry (absent ones are null), besides ``attributes.X``.
DIMENSIONS: tuple[str, ...] = (
    "stage",
    "channel",
    "touchpoint",
    "segment",
    "source",
    "journey",
    "item",
    "type",
    "pillar",
    "survey",
    "customer_id",
    "journey_instance",
)
_DENSE_LIMIT: Final = 1 << 23


def check_dimension(name: str) -> str:
    """Validate a grouping dimension name (a known dimension or ``attributes.<key>``)."""
    if name in DIMENSIONS:
        return name
    if name.startswith("attributes.") and len(name) > len("attributes."):
        return name
    raise MetricInputError(
        f"unknown dimension {name!r}; expected one of {', '.join(DIMENSIONS)} or attributes.<key>"
    )


class GroupIndex:
    """The group keys of one engine run: per-dimension vocabularies and key -> group id."""

    def __init__(self, dims: Sequence[str]) -> None:
        self.dims = tuple(check_dimension(d) for d in dims)
        self.vocab: list[list[str | None]] = [[None] for _ in self.dims]
        self._code: list[dict[str, int]] = [{} for _ in self.dims]
        #: keys[g] = (code of each dimension..., period ordinal); keys[0] is the "not counted" slot.
        self.keys: list[tuple[int, ...]] = [()]
        self._gid: dict[tuple[int, ...], int] = {}
        self._luts: dict[tuple[int, int], tuple[Any, I64]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    # -- vocabularies ----------------------------------------------------------------------

    def code(self, d: int, value: str | None) -> int:
        """The global code of a value of dimension ``d`` (added if new); ``None`` is 0."""
        if value is None:
            return 0
        codes = self._code[d]
        c = codes.get(value)
        if c is None:
            c = len(self.vocab[d])
            codes[value] = c
            self.vocab[d].append(value)
        return c

    def translate(self, d: int, col: DimColumn) -> I64:
        """Global codes of a batch column (a lookup table per distinct Arrow dictionary)."""
        key = (d, id(col.dictionary)) if col.dictionary is not None else None
        if key is not None:
            hit = self._luts.get(key)
            if hit is not None and hit[0] is col.dictionary:
                return hit[1][col.codes]
        lut = np.array([self.code(d, v) for v in col.vocab] + [0], dtype=np.int64)
        if key is not None:
            if len(self._luts) > 64:
                self._luts.clear()
            self._luts[key] = (col.dictionary, lut)
        return lut[col.codes]

    # -- keys ------------------------------------------------------------------------------

    def gid(self, key: tuple[int, ...]) -> int:
        """The group id of a key, added when new."""
        g = self._gid.get(key)
        if g is None:
            g = len(self.keys)
            self._gid[key] = g
            self.keys.append(key)
        return g

    def find(self, key: tuple[int, ...]) -> int | None:
        """The group id of a key, or ``None``."""
        return self._gid.get(key)

    def assign(self, codes: Sequence[I64], period: I64, keep: Mask | None) -> I64:
        """Group ids for rows with these global codes and period ordinals (0 where not kept)."""
        n = len(period)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        live_period = period if keep is None else period[keep]
        if len(live_period) == 0:
            return np.zeros(n, dtype=np.int64)
        pmin, pmax = int(live_period.min()), int(live_period.max())
        radices = [len(v) for v in self.vocab] + [pmax - pmin + 1]
        total = 1
        for r in radices:
            total *= r
        if total < _DENSE_LIMIT:
            key = period - pmin
            stride = radices[-1]
            for c, r in zip(reversed(codes), reversed(radices[:-1]), strict=True):
                key = key + c * stride
                stride *= r
            if keep is not None:
                key = np.where(keep, key, total)
            counts = np.bincount(key, minlength=total + 1)
            occupied = np.flatnonzero(counts[:total])
            lut = np.zeros(total + 1, dtype=np.int64)
            if len(occupied):
                parts = np.unravel_index(occupied, radices)
                cols = [p.tolist() for p in parts]
                gids = [self.gid((*vals[:-1], vals[-1] + pmin)) for vals in zip(*cols, strict=True)]
                lut[occupied] = gids
            return lut[key]
        # Too many combinations for a dense table: sort-based unique over the rows kept.
        stacked = np.stack([*codes, period], axis=1)
        rows = stacked if keep is None else stacked[keep]
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
        gids_u = np.array([self.gid(tuple(int(x) for x in u)) for u in uniq], dtype=np.int64)
        out = np.zeros(n, dtype=np.int64)
        if keep is None:
            out[:] = gids_u[inverse.reshape(-1)]
        else:
            out[keep] = gids_u[inverse.reshape(-1)]
        return out

    # -- reading keys back -----------------------------------------------------------------

    def labels(self, g: int) -> dict[str, str | None]:
        """The dimension values of a group."""
        key = self.keys[g]
        return {d: self.vocab[i][key[i]] for i, d in enumerate(self.dims)}

    def period(self, g: int) -> int:
        """The period ordinal of a group."""
        return self.keys[g][-1] if self.keys[g] else NULL_ORDINAL

    def periods(self) -> I64:
        """Period ordinal per group id (``NULL_ORDINAL`` for group 0)."""
        return self.key_array()[:, -1].copy()

    def key_array(self) -> I64:
        """The keys as an (n_groups, dims + 1) array; row 0 (not counted) is all zeros."""
        width = len(self.dims) + 1
        out = np.zeros((len(self.keys), width), dtype=np.int64)
        if len(self.keys) > 1:
            out[1:] = np.array(self.keys[1:], dtype=np.int64).reshape(-1, width)
            out[0, -1] = NULL_ORDINAL
        return out

    def dims_ids(self, keys: I64 | None = None) -> I64:
        """An id per distinct dimension tuple, per group id (-1 for group 0)."""
        keys = self.key_array() if keys is None else keys
        out = np.full(len(keys), -1, dtype=np.int64)
        if len(keys) > 1:
            if keys.shape[1] == 1:
                out[1:] = 0
            else:
                _, inverse = np.unique(keys[1:, :-1], axis=0, return_inverse=True)
                out[1:] = inverse.reshape(-1)
        return out

    def dim_tuples(self) -> Iterable[tuple[int, ...]]:
        """Distinct dimension-code tuples among the keys."""
        return {k[:-1] for k in self.keys[1:]}

    # -- serialisation ---------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Dimensions, vocabularies and keys as JSON (group ids are positions)."""
        return {
            "dims": list(self.dims),
            "vocab": [v[1:] for v in self.vocab],
            "keys": [list(k) for k in self.keys[1:]],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupIndex:
        """Rebuild an index written by :meth:`to_json` (same group ids)."""
        out = cls(data["dims"])
        for d, values in enumerate(data["vocab"]):
            for v in values:
                out.code(d, v)
        for k in data["keys"]:
            out.gid(tuple(int(x) for x in k))
        return out

    def absorb(self, other: GroupIndex) -> npt.NDArray[np.int64]:
        """Add ``other``'s keys; returns the mapping of its group ids to ours."""
        if other.dims != self.dims:
            raise MetricInputError(f"cannot merge groups by {other.dims} into {self.dims}")
        code_maps = [
            np.array([0] + [self.code(d, v) for v in other.vocab[d][1:]], dtype=np.int64)
            for d in range(len(self.dims))
        ]
        mapping = np.zeros(len(other.keys), dtype=np.int64)
        for g in range(1, len(other.keys)):
            key = other.keys[g]
            mapped = tuple(int(code_maps[d][key[d]]) for d in range(len(self.dims)))
            mapping[g] = self.gid((*mapped, key[-1]))
        return mapping


class Grouper:
    """Assigns group ids to the rows of one batch (cached per time field)."""

    def __init__(
        self,
        index: GroupIndex,
        calendar: Calendar,
        counted: tuple[int, int] | None,
        journey: Journey | None,
    ) -> None:
        self.index = index
        self.calendar = calendar
        self.counted = counted
        self.journey = journey
        self._codes: list[I64] | None = None
        self._cache: dict[tuple[str, bool], I64] = {}

    @property
    def n_groups(self) -> int:
        """How many group ids exist so far."""
        return len(self.index)

    def _dim_codes(self, batch: Batch) -> list[I64]:
        if self._codes is None:
            self._codes = [
                self._dimension(batch, d, name) for d, name in enumerate(self.index.dims)
            ]
        return self._codes

    def _dimension(self, batch: Batch, d: int, name: str) -> I64:
        if name == "journey":
            code = self.index.code(d, self.journey.id if self.journey else None)
            return np.full(batch.num_rows, code, dtype=np.int64)
        if name == "touchpoint":
            return self._touchpoint(batch, d)
        return self.index.translate(d, batch.dim(name))

    def _touchpoint(self, batch: Batch, d: int) -> I64:
        """Touchpoint codes; a record without one gets its stage x channel touchpoint."""
        own = self.index.translate(d, batch.dim("touchpoint"))
        if not (batch.has("stage") and batch.has("channel")):
            return own
        stage, channel = batch.dim("stage"), batch.dim("channel")
        width = len(channel.vocab) + 1
        table = np.zeros((len(stage.vocab) + 1) * width, dtype=np.int64)
        for i, s in enumerate(stage.vocab):
            for j, c in enumerate(channel.vocab):
                if s is None or c is None:
                    continue
                tp = self.journey.touchpoint(s, c) if self.journey else None
                table[i * width + j] = self.index.code(d, tp.id if tp else f"{s}.{c}")
        derived = table[stage.codes * width + channel.codes]
        return np.where(own == 0, derived, own)

    def groups(self, batch: Batch, time_field: str, every_period: bool) -> I64:
        """Group ids of a batch's rows for a time field (cached per batch)."""
        cache_key = (time_field, every_period)
        hit = self._cache.get(cache_key)
        if hit is not None:
            return hit
        codes = self._dim_codes(batch)
        n = batch.num_rows
        if isinstance(self.calendar, ConstantCalendar):
            period = np.zeros(n, dtype=np.int64)
            keep: Mask | None = None
        else:
            ts, valid = batch.timestamps(time_field)
            period = self.calendar.ordinals(ts, valid)
            if every_period:
                keep = None
            elif self.counted is None:
                keep = valid
            else:
                lo, hi = self.counted
                keep = valid & (period >= lo) & (period <= hi)
        out = self.index.assign(codes, period, keep)
        self._cache[cache_key] = out
        return out
