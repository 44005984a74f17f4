"""Small attrs validators shared by the model classes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import attrs

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")


def identifier(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """A configuration identifier: letters, digits, ``_ . : -``, not starting with punctuation."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name}: expected an identifier "
            f"(letters, digits, '_', '.', ':', '-'), got {value!r}"
        )


def non_empty(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name}: expected a non-empty string, "
            f"got {value!r}"
        )


def aware(instance: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    """Naive datetimes are ambiguous across sources in different zones, so they are refused."""
    if value is None:
        return
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name}: expected a time-zone-aware datetime, "
            f"got {value!r}"
        )
