"""Query API (GraphQL) texts, the keyset watermark and the raw-record form of a node.

Queries are written with literals rather than ``$variables``: the input type names of the
Query API's filter arguments are instance-independent but not documented publicly, and
literals are what Medallia's own examples send. Every string goes through :func:`literal`,
which escapes it as JSON (a subset of GraphQL string syntax), so a field id or value can
never break out of the query.

The watermark is ``(date, id)`` of the last record read, ordered the way the Query API
orders them (``orderBy`` date then id, both ascending): dates as epoch seconds (naive
wall-clock values are read as UTC here; only their order matters and they are written
back in the same form), ids as integers for numeric fields and as text otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

import attrs

__all__ = [
    "DATE_TYPES",
    "NUMBER_TYPES",
    "Enum",
    "FieldInfo",
    "QueryPlan",
    "fields_query",
    "format_date",
    "literal",
    "occurred_at",
    "parse_date",
]

Key = tuple[Any, Any]

#: Field data types whose values are dates (``2024-01-02 03:04:05``).
DATE_TYPES = frozenset({"DATE", "DATETIME", "TIMESTAMP"})
#: Field data types whose values are numbers (ids, epoch dates of ``k_`` fields).
NUMBER_TYPES = frozenset({"INT", "INTEGER", "LONG", "DOUBLE", "FLOAT", "NUMBER", "DECIMAL"})
_INTEGER_TYPES = frozenset({"INT", "INTEGER", "LONG"})
_DIGITS = re.compile(r"^-?\d+$")


class Enum(str):
    """A GraphQL enum value (written bare: ``ASC``)."""

    __slots__ = ()


def literal(value: Any) -> str:
    """``value`` as a GraphQL input literal."""
    if isinstance(value, Enum):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no GraphQL literal for {type(value).__name__}")


@attrs.frozen
class FieldInfo:
    """What the field catalogue says about one field."""

    id: str
    data_type: str = "STRING"
    multivalued: bool = False


def fields_query(*, ids: Sequence[str] | None, first: int, after: str | None) -> str:
    """The catalogue query: the listed fields, or all of them a page at a time."""
    args: dict[str, Any] = {"first": first}
    if ids is not None:
        args["ids"] = list(ids)
    if after is not None:
        args["after"] = after
    arguments = ", ".join(f"{k}: {literal(v)}" for k, v in args.items())
    return (
        f"query cxcoreFields {{ fields({arguments}) {{ pageInfo {{ hasNextPage endCursor }} "
        "nodes { id dataType multivalued } } }"
    )


def parse_date(text: str) -> datetime:
    """A Medallia date value (``2024-01-02``, ``2024-01-02 03:04:05[.f]``, ISO 8601) as a
    datetime; naive when the value has no offset."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    return datetime.fromisoformat(value)


def format_date(epoch: float, data_type: str) -> str:
    """A watermark date written back the way the field holds it."""
    if data_type in NUMBER_TYPES:
        return str(int(epoch)) if float(epoch).is_integer() else repr(float(epoch))
    moment = datetime.fromtimestamp(epoch, tz=UTC).replace(tzinfo=None)
    if moment.microsecond:
        return moment.isoformat(sep=" ", timespec="microseconds").rstrip("0")
    return moment.isoformat(sep=" ", timespec="seconds")


def _first(values: Any) -> str | None:
    if isinstance(values, list):
        return str(values[0]) if values and values[0] is not None else None
    return None if values is None else str(values)


class QueryPlan:
    """The ``feedback`` query of one sync: which fields, in which order, from where.

    Args:
        id_field, date_field: the watermark fields.
        fields: every field id to fetch (the watermark fields included).
        catalogue: field metadata by id (data types decide how values compare).
        conditions: GraphQL filter objects every request carries (the ``filter`` setting).
        start: the first run's lowest date value (a field value), or ``None``.
    """

    def __init__(
        self,
        *,
        id_field: str,
        date_field: str,
        fields: Iterable[str],
        catalogue: Mapping[str, FieldInfo],
        conditions: Sequence[Mapping[str, Any]] = (),
        start: str | None = None,
    ) -> None:
        self.id_field = id_field
        self.date_field = date_field
        self.fields = list(dict.fromkeys([id_field, date_field, *fields]))
        self.catalogue = dict(catalogue)
        self.conditions = list(conditions)
        self.start = start
        # Aliases rather than field ids as response keys: any id is then safe in a query.
        self.aliases = {f"f{i}": fid for i, fid in enumerate(self.fields)}
        self.date_type = self._type(date_field)
        self.id_type = self._type(id_field)

    def _type(self, field_id: str) -> str:
        info = self.catalogue.get(field_id)
        return info.data_type.upper() if info is not None else "STRING"

    # -- requests -------------------------------------------------------------------------

    def keyset_filter(self, after: Key | None) -> dict[str, Any]:
        """The filter of records strictly after the watermark ``after`` (``None``: all)."""
        date = [self.date_field]
        parts = list(self.conditions)
        if after is None:
            if self.start is not None:
                parts.append({"fieldIds": date, "gte": self.start})
            else:
                # Records without a date cannot be placed on the watermark: leave them out.
                parts.append({"fieldIds": date, "isNull": False})
        else:
            when = format_date(float(after[0]), self.date_type)
            ident = str(after[1])
            parts.append(
                {
                    "or": [
                        {"fieldIds": date, "gt": when},
                        {
                            "and": [
                                {"fieldIds": date, "gte": when},
                                {"fieldIds": [self.id_field], "gt": ident},
                            ]
                        },
                    ]
                }
            )
        return dict(parts[0]) if len(parts) == 1 else {"and": parts}

    def feedback_query(self, *, filter: Mapping[str, Any], first: int, after: str | None) -> str:
        """The ``feedback`` query for one page."""
        args: dict[str, Any] = {"first": first}
        if after is not None:
            args["after"] = after
        args["filter"] = filter
        args["orderBy"] = [
            {"fieldId": self.date_field, "direction": Enum("ASC")},
            {"fieldId": self.id_field, "direction": Enum("ASC")},
        ]
        arguments = ", ".join(f"{k}: {literal(v)}" for k, v in args.items())
        selections = " ".join(
            f"{alias}: fieldData(fieldId: {literal(fid)}) {{ values }}"
            for alias, fid in self.aliases.items()
        )
        return (
            f"query cxcoreFeedback {{ feedback({arguments}) {{ "
            "pageInfo { hasNextPage endCursor } "
            f"edges {{ cursor node {{ id {selections} }} }} }} }}"
        )

    # -- responses ------------------------------------------------------------------------

    def _values(self, node: Mapping[str, Any], field_id: str) -> Any:
        for alias, fid in self.aliases.items():
            if fid == field_id:
                data = node.get(alias)
                return data.get("values") if isinstance(data, Mapping) else None
        return None

    def key(self, edge: Mapping[str, Any]) -> Key:
        """The watermark of an edge's record: ``(epoch seconds, id)``."""
        node = edge["node"]
        date_text = _first(self._values(node, self.date_field))
        ident = _first(self._values(node, self.id_field))
        if date_text is None or ident is None:
            missing = self.date_field if date_text is None else self.id_field
            raise ValueError(f"record {node.get('id')!r} has no {missing}")
        return (self.date_key(date_text), self.id_key(ident))

    def date_key(self, text: str) -> float:
        """A date value as ordered epoch seconds (naive values read as UTC, see module doc)."""
        if self.date_type in NUMBER_TYPES or _DIGITS.match(text.strip()):
            return float(text)
        moment = parse_date(text)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()

    def id_key(self, text: str) -> int | str:
        """An id value as the Query API orders it: numerically for integer fields."""
        if self.id_type in _INTEGER_TYPES:
            return int(text)
        return text

    def record(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """The raw record of a node: ``{"id": ..., <field id>: value, ...}``.

        Single-valued fields give their one value (``None`` when empty); multivalued fields
        (per the catalogue) give the list of values.
        """
        out: dict[str, Any] = {"id": node.get("id")}
        for alias, fid in self.aliases.items():
            data = node.get(alias)
            values = data.get("values") if isinstance(data, Mapping) else None
            info = self.catalogue.get(fid)
            if info is not None and info.multivalued:
                out[fid] = list(values or [])
            elif isinstance(values, list) and len(values) > 1:
                out[fid] = list(values)  # the catalogue did not say; keep every value
            else:
                out[fid] = _first(values)
        return out


def occurred_at(text: str, data_type: str, zone: tzinfo) -> datetime:
    """A date value as an aware datetime: naive values are wall-clock time in ``zone``."""
    value = text.strip()
    if data_type in NUMBER_TYPES or _DIGITS.match(value):
        return datetime.fromtimestamp(float(value), tz=UTC)
    moment = parse_date(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
