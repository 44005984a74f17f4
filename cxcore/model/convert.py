"""Round-trip between model objects and JSON-compatible dicts (the wire format of the schemas)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import cattrs

from .scale import Scale

__all__ = ["format_timestamp", "from_dict", "parse_timestamp", "to_dict"]

T = TypeVar("T")


def parse_timestamp(value: str | datetime) -> datetime:
    """Parse an RFC 3339 timestamp; naive values are refused rather than guessed."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if dt.tzinfo is None:
        raise ValueError(f"expected a timestamp with a time zone (e.g. ...Z), got {value!r}")
    return dt


def format_timestamp(value: datetime) -> str:
    """RFC 3339 in UTC with a ``Z`` suffix: one canonical form so equal instants compare equal."""
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(datetime, format_timestamp)
    conv.register_structure_hook(datetime, lambda v, _: parse_timestamp(v))

    def _unstructure_scale(s: Scale) -> dict[str, Any]:
        out: dict[str, Any] = {"min": s.min, "max": s.max, "direction": s.direction}
        if s.buckets:
            out["buckets"] = [
                {"name": b.name, "low": b.low, "high": b.high, "weight": b.weight}
                for b in s.buckets
            ]
        if s.points is not None:
            out["points"] = {f"{k:g}": v for k, v in s.points.items()}
        return out

    conv.register_unstructure_hook(Scale, _unstructure_scale)
    return conv


_converter = _make_converter()


def _explain(exc: BaseException, type_: Any) -> str:
    # cattrs' default says only "invalid value"; our validators' messages say what was expected.
    if isinstance(exc, KeyError) and not isinstance(exc, ValueError):
        return "required field missing"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown field(s) {sorted(exc.extra_fields)}"
    return str(exc) or type(exc).__name__


def to_dict(obj: Any) -> dict[str, Any]:
    """A JSON-compatible dict of a model object (datetimes as RFC 3339 strings)."""
    result: dict[str, Any] = _converter.unstructure(obj)
    return result


def from_dict(cls: type[T], data: Any) -> T:
    """Build a model object from a dict; raises ``ValueError`` naming the field on bad input."""
    if isinstance(data, dict) and "kind" in data:
        # Files that mix record kinds tag each record; the schemas allow the tag.
        data = {k: v for k, v in data.items() if k != "kind"}
    try:
        return _converter.structure(data, cls)
    except cattrs.BaseValidationError as exc:
        messages = cattrs.transform_error(exc, path=cls.__name__, format_exception=_explain)
        raise ValueError("; ".join(messages)) from None
