"""The columnar view of records that calculators read: numpy arrays, never per-row Python.

A :class:`Batch` wraps one ``pyarrow.RecordBatch`` of one record kind (the store's scan format:
dimension columns dictionary-encoded, ``value`` float64, timestamps, JSON text for ``scale``,
``attributes`` and ``durations``) and hands calculators what they need, cached per batch:

* ``batch["item"] == "nps"``: a boolean mask, computed on dictionary codes;
* ``batch.number("value")``, ``batch.number("durations.first_reply")``,
  ``batch.number("attributes.amount")``: float64 arrays with NaN where missing;
* ``batch.flag("attributes.vip")``: 1.0 / 0.0 / NaN (unknown);
* ``batch.group``: the group id of every row (0 = not counted), from the engine.

JSON fields are extracted for the whole column at once by DuckDB's JSON functions.
"""

from __future__ import annotations

import contextlib
import fnmatch
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ..model.records import RecordKind
from .errors import MetricInputError

if TYPE_CHECKING:
    from .grouping import Grouper

__all__ = ["Batch", "DimColumn", "F64", "I64", "Mask", "parse_scale_text"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

_local = threading.local()
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}
_NUMERIC_SQL = (
    "SELECT CASE WHEN json_type(json_extract(j, $1)) = 'BOOLEAN' THEN NULL "
    "ELSE TRY_CAST(json_extract_string(j, $1) AS DOUBLE) END AS v FROM __cx_json"
)
_STRING_SQL = "SELECT json_extract_string(j, $1) AS v FROM __cx_json"


@functools.lru_cache(maxsize=256)
def _parse_scale_cached(text: str) -> tuple[tuple[str, Any], ...] | None:
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(parsed, dict):
        return None
    return tuple((k, v) for k, v in parsed.items() if k in ("min", "max", "direction"))


def parse_scale_text(text: str | None) -> dict[str, Any] | None:
    """The ``min``/``max``/``direction`` of a scale's JSON text (``None`` if absent).

    Unreadable text gives ``{"unparsable": text}`` so error messages can quote it.
    """
    if text is None:
        return None
    parsed = _parse_scale_cached(text)
    if parsed is None:
        return {"unparsable": text}
    return dict(parsed)


def _duck() -> duckdb.DuckDBPyConnection:
    con: duckdb.DuckDBPyConnection | None = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:")
        _local.con = con
    return con


def _json_field(column: pa.Array, key: str, numeric: bool) -> pa.Array:
    """One field of a JSON-text (or struct) column, as float64 or string, for all rows."""
    if pa.types.is_struct(column.type):
        if column.type.get_field_index(key) < 0:
            return pa.nulls(len(column), pa.float64() if numeric else pa.string())
        field = pc.struct_field(column, key)
        if numeric:
            if pa.types.is_boolean(field.type):
                return pa.nulls(len(column), pa.float64())
            return pc.cast(field, pa.float64(), safe=False)
        return pc.cast(field, pa.string())
    path = '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    con = _duck()
    con.register("__cx_json", pa.table({"j": column}))
    try:
        table = con.sql(_NUMERIC_SQL if numeric else _STRING_SQL, params=[path]).to_arrow_table()
    finally:
        con.unregister("__cx_json")
    return table.column(0).combine_chunks()


class DimColumn:
    """A string column as integer codes into a vocabulary; code ``len(vocab)`` means null.

    Comparisons return boolean masks: ``col == "nps"``, ``col != "x"``, ``col.isin([...])``,
    ``col.match("loyalty*")`` (shell-style patterns), ``col.notnull()``.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, codes: I64, vocab: Sequence[str | None], dictionary: Any = None) -> None:
        self.codes = codes
        self.vocab = list(vocab)
        #: The Arrow dictionary the codes index (identity lets the engine cache lookups).
        self.dictionary = dictionary

    @property
    def null_code(self) -> int:
        """The code that stands for "no value"."""
        return int(len(self.vocab))

    def lookup(self, table: npt.ArrayLike) -> npt.NDArray[Any]:
        """Map each row through ``table`` (one entry per vocabulary value, then null)."""
        return np.asarray(table)[self.codes]

    def _select(self, keep: Callable[[str], bool]) -> Mask:
        table = np.zeros(len(self.vocab) + 1, dtype=np.bool_)
        for i, v in enumerate(self.vocab):
            if v is not None and keep(v):
                table[i] = True
        if not table.any():
            return np.zeros(len(self.codes), dtype=np.bool_)
        return table[self.codes]

    def __eq__(self, value: object) -> Mask:  # type: ignore[override]
        text = _as_text(value)
        return self._select(lambda v: v == text)

    def __ne__(self, value: object) -> Mask:  # type: ignore[override]
        return self.notnull() & ~(self == value)

    def isin(self, values: Iterable[object]) -> Mask:
        """Rows whose value is one of ``values``."""
        wanted = {_as_text(v) for v in values}
        return self._select(lambda v: v in wanted)

    def match(self, *patterns: str) -> Mask:
        """Rows whose value matches any shell-style pattern (``loyalty*``); exact otherwise."""
        return self._select(lambda v: any(fnmatch.fnmatchcase(v, p) for p in patterns))

    def notnull(self) -> Mask:
        """Rows that have a value."""
        return np.asarray(self.codes != self.null_code, dtype=np.bool_)

    def values(self) -> list[str | None]:
        """The value of each row (builds Python objects: for tests and small batches only)."""
        vocab = [*self.vocab, None]
        return [vocab[c] for c in self.codes.tolist()]


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _dim_from_arrow(column: pa.Array) -> DimColumn:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_dictionary(column.type):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            if pa.types.is_boolean(column.type):
                column = pc.if_else(column, "true", "false")
            else:
                column = pc.cast(column, pa.string())
        column = pc.dictionary_encode(column)
    dictionary = column.dictionary
    vocab = dictionary.to_pylist()
    indices = column.indices
    if indices.null_count:
        indices = pc.fill_null(indices, len(vocab))
    codes = np.asarray(indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return DimColumn(codes, vocab, dictionary)


def _float_array(column: pa.Array) -> F64:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not pa.types.is_floating(column.type) or column.type != pa.float64():
        if pa.types.is_boolean(column.type):
            return np.full(len(column), np.nan)
        try:
            column = pc.cast(column, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return np.full(len(column), np.nan)
    if column.null_count:
        column = pc.fill_null(column, np.nan)
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.float64)


def _parse_timestamps(column: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(column.type):
        if column.type.tz is None:
            raise MetricInputError(
                "timestamps must carry a time zone (naive values are never guessed); "
                "convert them to UTC first"
            )
        return column.cast(pa.timestamp("us", tz="UTC"))
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        try:
            return pc.cast(column, pa.timestamp("us", tz="UTC"))
        except pa.ArrowInvalid as exc:
            raise MetricInputError(f"not an RFC 3339 timestamp with a zone: {exc}") from None
    if pa.types.is_null(column.type):
        return pa.nulls(len(column), pa.timestamp("us", tz="UTC"))
    raise MetricInputError(f"expected timestamps, got a column of type {column.type}")


class Batch:
    """A columnar batch of one record kind, with cached typed views of its columns.

    Args:
        kind: ``response``, ``interaction`` or ``customer``.
        data: the records as a ``pyarrow.RecordBatch``.
        grouper: the engine's group assignment for this batch (``None`` outside an engine:
            every row is then in group 1).
        constants: columns with one value for every row (e.g. ``journey``).
    """

    def __init__(
        self,
        kind: RecordKind,
        data: pa.RecordBatch,
        grouper: Grouper | None = None,
        constants: dict[str, str | None] | None = None,
    ) -> None:
        self.kind = kind
        self.data = data
        self.num_rows: int = int(data.num_rows)
        self._grouper = grouper
        self._constants = dict(constants or {})
        self._dims: dict[str, DimColumn] = {}
        self._numbers: dict[str, F64] = {}
        self._flags: dict[str, F64] = {}
        self._times: dict[str, tuple[I64, Mask]] = {}
        self._item_scale_hist: dict[str, I64] = {}

    def __len__(self) -> int:
        return self.num_rows

    # -- what is there ---------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        """The names of the batch's columns."""
        return list(self.data.schema.names)

    def has(self, field: str) -> bool:
        """Whether the batch has this field (JSON sub-fields count when their column exists)."""
        head = field.split(".", 1)[0]
        return head in self.data.schema.names or field in self._constants

    def column(self, name: str) -> pa.Array:
        """The raw Arrow column; :class:`MetricInputError` names the kind and the field."""
        idx = self.data.schema.get_field_index(name)
        if idx < 0:
            raise MetricInputError(
                f"{self.kind} records have no field {name!r} (columns: "
                f"{', '.join(self.data.schema.names)})"
            )
        return self.data.column(idx)

    # -- typed views -----------------------------------------------------------------------

    def dim(self, field: str) -> DimColumn:
        """A string-valued field as codes (dimensions, ids, ``attributes.X``); absent = null."""
        cached = self._dims.get(field)
        if cached is not None:
            return cached
        if field in self._constants:
            value = self._constants[field]
            if value is None:
                col = DimColumn(np.zeros(self.num_rows, dtype=np.int64), [])
            else:
                col = DimColumn(np.zeros(self.num_rows, dtype=np.int64), [value])
        elif "." in field and field.split(".", 1)[0] in ("attributes", "durations"):
            head, key = field.split(".", 1)
            if self.has(head):
                col = _dim_from_arrow(_json_field(self.column(head), key, numeric=False))
            else:
                col = DimColumn(np.zeros(self.num_rows, dtype=np.int64), [])
        elif self.has(field):
            col = _dim_from_arrow(self.column(field))
        else:
            col = DimColumn(np.zeros(self.num_rows, dtype=np.int64), [])
        self._dims[field] = col
        return col

    def number(self, field: str = "value") -> F64:
        """A numeric field as float64, NaN where missing (``value``, ``durations.X``...)."""
        cached = self._numbers.get(field)
        if cached is not None:
            return cached
        if "." in field and field.split(".", 1)[0] in ("attributes", "durations"):
            head, key = field.split(".", 1)
            if self.has(head):
                arr = _float_array(_json_field(self.column(head), key, numeric=True))
            else:
                arr = np.full(self.num_rows, np.nan)
        elif self.has(field):
            arr = _float_array(self.column(field))
        else:
            arr = np.full(self.num_rows, np.nan)
        self._numbers[field] = arr
        return arr

    def flag(self, field: str) -> F64:
        """A yes/no field as 1.0 / 0.0, NaN when absent or not a recognisable boolean.

        True: JSON ``true``, a non-zero number, ``"true"``/``"yes"``/``"1"``; false:
        ``false``, ``0``, ``"false"``/``"no"``/``"0"``.
        """
        cached = self._flags.get(field)
        if cached is not None:
            return cached
        col = self.dim(field)
        table = np.full(len(col.vocab) + 1, np.nan)
        for i, v in enumerate(col.vocab):
            if v is None:
                continue
            low = v.strip().lower()
            if low in _TRUE:
                table[i] = 1.0
            elif low in _FALSE:
                table[i] = 0.0
            else:
                with contextlib.suppress(ValueError):
                    table[i] = 1.0 if float(low) != 0.0 else 0.0
        arr = table[col.codes]
        self._flags[field] = arr
        return arr

    def timestamps(self, field: str) -> tuple[I64, Mask]:
        """Epoch microseconds (UTC) and a validity mask; ``attributes.X`` may hold RFC 3339."""
        cached = self._times.get(field)
        if cached is not None:
            return cached
        if "." in field and field.split(".", 1)[0] == "attributes":
            head, key = field.split(".", 1)
            raw = (
                _json_field(self.column(head), key, numeric=False)
                if self.has(head)
                else pa.nulls(self.num_rows, pa.string())
            )
        elif self.has(field):
            raw = self.column(field)
            if isinstance(raw, pa.ChunkedArray):
                raw = raw.combine_chunks()
        else:
            raw = pa.nulls(self.num_rows, pa.timestamp("us", tz="UTC"))
        try:
            ts = _parse_timestamps(raw)
        except MetricInputError as exc:
            raise MetricInputError(f"{self.kind} field {field!r}: {exc}") from None
        valid = np.asarray(ts.is_valid().to_numpy(zero_copy_only=False), dtype=np.bool_)
        ints = ts.cast(pa.int64())
        if ints.null_count:
            ints = pc.fill_null(ints, 0)
        values = np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)
        self._times[field] = (values, valid)
        return values, valid

    def __getitem__(self, field: str) -> Any:
        """``value``/``durations.X``/numeric columns as float arrays, the rest as codes."""
        if field in ("value",) or field.startswith("durations."):
            return self.number(field)
        if self.has(field) and "." not in field:
            typ = self.column(field).type
            if pa.types.is_floating(typ) or pa.types.is_integer(typ):
                return self.number(field)
        return self.dim(field)

    # -- scales ----------------------------------------------------------------------------

    def scales(self, mask: Mask) -> list[tuple[dict[str, Any] | None, int]]:
        """The distinct answer scales among the rows of ``mask``, with how many rows each.

        ``None`` stands for rows without a scale. Parsed once per distinct JSON text.
        """
        if not self.has("scale"):
            count = int(mask.sum())
            return [(None, count)] if count else []
        col = self.dim("scale")
        counts = np.bincount(col.codes[mask], minlength=len(col.vocab) + 1)
        out: list[tuple[dict[str, Any] | None, int]] = []
        for code in np.flatnonzero(counts).tolist():
            text = col.vocab[code] if code < len(col.vocab) else None
            parsed = parse_scale_text(text)
            out.append((parsed, int(counts[code])))
        return out

    def item_scales(
        self, items: DimColumn, selected: npt.NDArray[np.bool_], field: str = "value"
    ) -> list[tuple[dict[str, Any] | None, int]]:
        """Like :meth:`scales` for the answered rows of the selected items.

        ``selected`` has one entry per value of ``items.vocab`` plus one for "no item". The
        (item, scale) histogram of answered rows is computed once per batch and shared by every
        metric reading it, so checking scales costs one pass whatever the number of metrics.
        """
        if not self.has("scale"):
            mask = selected[items.codes] & ~np.isnan(self.number(field))
            return self.scales(mask)
        key = f"{field}\x1f{id(items)}"
        hist = self._item_scale_hist.get(key)
        col = self.dim("scale")
        width = len(col.vocab) + 1
        if hist is None:
            answered = ~np.isnan(self.number(field))
            size = (len(items.vocab) + 1) * width
            idx = np.where(answered, items.codes * width + col.codes, size)
            hist = np.bincount(idx, minlength=size + 1)[:size].reshape(-1, width)
            self._item_scale_hist[key] = hist
        counts = hist[selected].sum(axis=0)
        out: list[tuple[dict[str, Any] | None, int]] = []
        for code in np.flatnonzero(counts).tolist():
            text = col.vocab[code] if code < len(col.vocab) else None
            out.append((parse_scale_text(text), int(counts[code])))
        return out

    # -- groups ----------------------------------------------------------------------------

    @property
    def group(self) -> I64:
        """Group id of each row for the kind's default time field (0: not counted)."""
        return self.group_for("created_at" if self.kind == "customer" else "occurred_at")

    def group_for(self, time_field: str, *, every_period: bool = False) -> I64:
        """Group ids with the period taken from ``time_field``.

        ``every_period`` keeps rows outside the reporting window (and undated rows, in a
        group of their own) for cumulative metrics; the engine never reports those groups.
        """
        if self._grouper is None:
            return np.ones(self.num_rows, dtype=np.int64)
        return self._grouper.groups(self, time_field, every_period)

    @property
    def n_groups(self) -> int:
        """How many group ids exist so far (state arrays are this long)."""
        return 2 if self._grouper is None else self._grouper.n_groups
