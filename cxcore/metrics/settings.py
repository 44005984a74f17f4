"""Reading metric settings from ``cxcore.toml`` tables: scales, items, filters, numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Scale, from_dict
from .errors import MetricDefinitionError
from .filters import All, Condition, Filter, parse_filter

__all__ = [
    "as_filter",
    "as_items",
    "as_number",
    "as_scale",
    "both",
    "top_two_box",
    "types_filter",
]


def as_scale(value: Scale | Mapping[str, Any] | None, where: str) -> Scale | None:
    """A :class:`Scale` from a table like ``{ min = 1, max = 7, direction = ... }``."""
    if value is None or isinstance(value, Scale):
        return value
    if not isinstance(value, Mapping):
        raise MetricDefinitionError(f"{where}: scale must be a table, got {value!r}")
    data = dict(value)
    if isinstance(data.get("points"), Mapping):
        data["points"] = {str(k): v for k, v in data["points"].items()}
    try:
        return from_dict(Scale, data)
    except ValueError as exc:
        raise MetricDefinitionError(f"{where}: scale: {exc}") from None


def as_items(
    value: str | Sequence[str] | None, default: Sequence[str], where: str
) -> tuple[str, ...]:
    """Survey items (patterns allowed); a single string is one item."""
    if value is None:
        return tuple(default)
    if isinstance(value, str):
        return (value,)
    if not all(isinstance(v, str) for v in value):
        raise MetricDefinitionError(f"{where}: items must be strings, got {value!r}")
    return tuple(value)


def as_filter(value: Filter | Mapping[str, Any] | None, where: str) -> Filter:
    """A filter object from its table form (``None``: everything)."""
    if isinstance(value, Filter):
        return value
    return parse_filter(value, where)


def types_filter(types: str | Sequence[str]) -> Filter:
    """Interactions whose ``type`` is one of ``types``."""
    values = [types] if isinstance(types, str) else list(types)
    return Condition("type", "in", values)


def both(a: Filter, b: Filter) -> Filter:
    """Both filters (flattening trivial ones)."""
    parts = [f for f in (a, b) if not (isinstance(f, All) and not f.parts)]
    if not parts:
        return All()
    return parts[0] if len(parts) == 1 else All(tuple(parts))


def as_number(value: Any, where: str, *, minimum: float | None = None) -> float:
    """A number setting (booleans refused), optionally with a minimum."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MetricDefinitionError(f"{where}: expected a number, got {value!r}")
    if minimum is not None and value < minimum:
        raise MetricDefinitionError(f"{where}: must be >= {minimum:g}, got {value!r}")
    return float(value)


def top_two_box(scale: Scale) -> float:
    """Where the top box starts by default: the top two answers on 5+ point scales, else the top."""
    if scale.max - scale.min >= 4:
        return scale.max - 1
    return scale.max
