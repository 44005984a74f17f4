"""Turning what an embedder hands the engine into columnar batches of one record kind.

Accepted: ``pyarrow.RecordBatch`` / ``Table`` (with a kind), a mapping of kind to data, model
objects (:class:`~cxcore.Response`...), or dicts in the records' wire format (with a ``kind``
field, or one kind for all). Dicts are converted a chunk at a time into the store's scan
format: dimensions dictionary-encoded, timestamps parsed, ``scale``, ``attributes`` and
``durations`` as JSON text. Tombstones (``deleted: true``) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from itertools import islice
from typing import Any, Final, Literal

import attrs
import orjson
import pyarrow as pa

from ..model import Customer, Interaction, Response, to_dict
from ..model.records import RECORD_KINDS, RecordKind
from .errors import MetricInputError

__all__ = ["FIELDS", "iter_batches", "records_to_batch", "scan_columns"]

FieldType = Literal["dim", "str", "float", "ts", "json", "bool"]

#: The fields of each record kind (as in the schemas) and how they are held in a batch.
#: ``segment`` of responses and interactions is the customer's (the store joins it).
FIELDS: Final[Mapping[RecordKind, Mapping[str, FieldType]]] = {
    "response": {
        "source": "dim",
        "id": "str",
        "item": "dim",
        "value": "float",
        "scale": "json",
        "occurred_at": "ts",
        "customer_id": "str",
        "stage": "dim",
        "channel": "dim",
        "touchpoint": "dim",
        "journey_instance": "str",
        "survey": "dim",
        "comment": "str",
        "pillar": "dim",
        "attributes": "json",
        "segment": "dim",
    },
    "interaction": {
        "source": "dim",
        "id": "str",
        "type": "dim",
        "occurred_at": "ts",
        "recorded_at": "ts",
        "customer_id": "str",
        "stage": "dim",
        "channel": "dim",
        "touchpoint": "dim",
        "journey_instance": "str",
        "attributes": "json",
        "durations": "json",
        "segment": "dim",
    },
    "customer": {
        "source": "dim",
        "id": "str",
        "segment": "dim",
        "identities": "json",
        "attributes": "json",
        "created_at": "ts",
        "updated_at": "ts",
    },
}
_MODEL_KINDS: Final[dict[type, RecordKind]] = {
    Response: "response",
    Interaction: "interaction",
    Customer: "customer",
}


def scan_columns(kind: RecordKind, wanted: Iterable[str] | None) -> list[str] | None:
    """The store columns to scan for the wanted fields (``None``: all of them)."""
    if wanted is None:
        return None
    fields = FIELDS[kind]
    out: list[str] = []
    for name in wanted:
        head = name.split(".", 1)[0]
        if head in fields and head not in out:
            out.append(head)
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _timestamp(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise MetricInputError(f"timestamp {value!r} has no time zone")
        return value.isoformat()
    raise MetricInputError(f"expected an RFC 3339 timestamp, got {value!r}")


def _column(name: str, typ: FieldType, values: list[Any]) -> pa.Array:
    try:
        if typ == "dim":
            return pa.array([_text(v) for v in values], pa.string()).dictionary_encode()
        if typ == "str":
            return pa.array([_text(v) for v in values], pa.string())
        if typ == "float":
            return pa.array([None if v is None else float(v) for v in values], pa.float64())
        if typ == "bool":
            return pa.array([bool(v) for v in values], pa.bool_())
        if typ == "ts":
            strings = pa.array([_timestamp(v) for v in values], pa.string())
            return strings.cast(pa.timestamp("us", tz="UTC"))
        texts = [None if v is None else orjson.dumps(v).decode() for v in values]
        arr = pa.array(texts, pa.string())
        return arr.dictionary_encode() if name == "scale" else arr
    except (TypeError, ValueError, pa.ArrowInvalid) as exc:
        raise MetricInputError(f"field {name!r}: {exc}") from None


def records_to_batch(kind: RecordKind, records: list[Mapping[str, Any]]) -> pa.RecordBatch:
    """A batch in the store's scan format from wire-format dicts of one kind."""
    live = [r for r in records if not r.get("deleted")]
    arrays = [_column(name, typ, [r.get(name) for r in live]) for name, typ in FIELDS[kind].items()]
    return pa.RecordBatch.from_arrays(arrays, names=list(FIELDS[kind]))


def _kind_of(record: Any, default: RecordKind | None) -> tuple[RecordKind, Mapping[str, Any]]:
    model_kind = _MODEL_KINDS.get(type(record))
    if model_kind is not None:
        return model_kind, to_dict(record)
    if attrs.has(type(record)):
        raise MetricInputError(f"cannot compute metrics over {type(record).__name__} objects")
    if not isinstance(record, Mapping):
        raise MetricInputError(f"expected record dicts, got {type(record).__name__}")
    kind = record.get("kind", default)
    if kind not in RECORD_KINDS:
        raise MetricInputError(
            f"record {record.get('source')}/{record.get('id')} has no kind; pass kind= or give "
            f"each record a 'kind' of {', '.join(RECORD_KINDS)}"
        )
    return kind, record


def iter_batches(
    data: Any, kind: RecordKind | None = None, batch_size: int = 65_536
) -> Iterator[tuple[RecordKind, pa.RecordBatch]]:
    """``(kind, RecordBatch)`` pairs from any accepted input."""
    if kind is not None and kind not in RECORD_KINDS:
        raise MetricInputError(f"unknown record kind {kind!r}; expected {', '.join(RECORD_KINDS)}")
    if isinstance(data, pa.RecordBatch | pa.Table):
        if kind is None:
            raise MetricInputError("Arrow data needs its record kind: pass kind='response'...")
        batches = data.to_batches() if isinstance(data, pa.Table) else [data]
        for b in batches:
            yield kind, b
        return
    if isinstance(data, Mapping) and set(data) <= set(RECORD_KINDS) and "id" not in data:
        for k, part in data.items():
            yield from iter_batches(part, k, batch_size)
        return
    it = iter(data)
    while True:
        chunk = list(islice(it, batch_size))
        if not chunk:
            return
        if all(isinstance(c, pa.RecordBatch | pa.Table) for c in chunk):
            for c in chunk:
                yield from iter_batches(c, kind, batch_size)
            continue
        by_kind: dict[RecordKind, list[Mapping[str, Any]]] = {}
        for record in chunk:
            k, rec = _kind_of(record, kind)
            by_kind.setdefault(k, []).append(rec)
        for k, recs in by_kind.items():
            yield k, records_to_batch(k, recs)
