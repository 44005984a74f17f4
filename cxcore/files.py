"""Read cxcore records from JSON, JSONL and CSV files, each record with its file:line locator."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import orjson

from .errors import CxcoreError

__all__ = ["FileFormatError", "Unparsed", "read_records"]

# CSV cells are text; these fields are numbers or booleans in the record schemas.
_NUMERIC = {"value", "scale.min", "scale.max"}
_NUMERIC_PREFIXES = ("durations.",)
_BOOLEAN = {"deleted"}


class FileFormatError(CxcoreError):
    """A file cannot be read at all (unknown extension, not JSON)."""


@attrs.frozen
class Unparsed:
    """A line that is not valid JSON: kept so it is rejected with its line number."""

    text: str
    error: str


def read_records(path: str | Path, *, kind: str | None = None) -> Iterator[tuple[str, str, Any]]:
    """Yield ``(locator, kind, record)`` for every record of a file.

    The kind comes from ``kind``, else from each record's ``kind`` field. A line that is not
    valid JSON is yielded as an :class:`Unparsed` so it is rejected with its line number
    rather than stopping the file.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        yield from _jsonl(p, kind)
    elif suffix == ".json":
        yield from _json(p, kind)
    elif suffix == ".csv":
        yield from _csv(p, kind)
    else:
        raise FileFormatError(f"{p}: unsupported file type {suffix!r}; use .jsonl, .json or .csv")


def _kind(record: Any, kind: str | None) -> str:
    if kind:
        return kind
    if isinstance(record, dict) and isinstance(record.get("kind"), str):
        return str(record["kind"])
    return "unknown"


def _jsonl(p: Path, kind: str | None) -> Iterator[tuple[str, str, Any]]:
    with p.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            record: Any
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                record = Unparsed(line.decode("utf-8", "replace").strip()[:500], str(exc))
            yield f"{p.name}:{number}", _kind(record, kind), record


def _json(p: Path, kind: str | None) -> Iterator[tuple[str, str, Any]]:
    try:
        data = orjson.loads(p.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise FileFormatError(f"{p}: not valid JSON: {exc}") from None
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records):
        yield f"{p.name}[{index}]", _kind(record, kind), record


def _csv(p: Path, kind: str | None) -> Iterator[tuple[str, str, Any]]:
    with p.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        for row in reader:
            record: dict[str, Any] = {}
            for column, cell in row.items():
                if column is None or cell is None or cell == "":
                    continue
                _put(record, column, _cell(column, cell))
            # DictReader counts physical lines, so quoted newlines keep locators right.
            yield f"{p.name}:{reader.line_num}", _kind(record, kind), record


def _cell(column: str, cell: str) -> Any:
    if column in _NUMERIC or column.startswith(_NUMERIC_PREFIXES):
        try:
            number = float(cell)
        except ValueError:
            return cell  # left as text: validation then names the field and the bad value
        return int(number) if number.is_integer() else number
    if column in _BOOLEAN:
        lowered = cell.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
    return cell


def _put(record: dict[str, Any], column: str, value: Any) -> None:
    # "scale.min" -> record["scale"]["min"]: nested fields in flat CSV headers.
    *parents, leaf = column.split(".")
    target = record
    for part in parents:
        target = target.setdefault(part, {})
    target[leaf] = value
