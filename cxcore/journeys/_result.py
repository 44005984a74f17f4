"""Shared pieces of result objects: JSON conversion and the estimate types with intervals."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np

from cxcore.model.convert import format_timestamp
from cxcore.stats import mean_t, wilson

__all__ = ["MeanEstimate", "Proportion", "Result", "jsonable"]


def jsonable(value: Any) -> Any:
    """A JSON-compatible copy: NaN -> None, durations in seconds, datetimes as RFC 3339."""
    if attrs.has(type(value)):
        if isinstance(value, Result):
            return value.as_dict()
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.metadata.get("json", True)
        }
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    raise TypeError(f"not JSON-compatible: {type(value).__name__}")


class Result:
    """Mixin of result objects: :meth:`as_dict` gives JSON-compatible output."""

    def as_dict(self) -> dict[str, Any]:
        """Fields as a JSON-compatible dict (NaN as ``null``, durations in seconds)."""
        out: dict[str, Any] = {
            f.name: jsonable(getattr(self, f.name))
            for f in attrs.fields(type(self))  # type: ignore[arg-type]
            if f.metadata.get("json", True)
        }
        return out


def _opt(value: float) -> float | None:
    return value if math.isfinite(value) else None


@attrs.frozen(kw_only=True)
class Proportion(Result):
    """``count`` of ``n`` with its Wilson interval (``None`` bounds when ``n == 0``)."""

    n: int
    count: int
    rate: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, count: int, n: int, confidence: float = 0.95) -> Proportion:
        if n == 0:
            return cls(n=0, count=0, rate=None, low=None, high=None)
        low, high = wilson(float(count), float(n), confidence)
        return cls(n=int(n), count=int(count), rate=count / n, low=_opt(low), high=_opt(high))


@attrs.frozen(kw_only=True)
class MeanEstimate(Result):
    """A mean of ``n`` values with its Student-t interval (``None`` bounds when ``n < 2``)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, n: int, total: float, total_sq: float, confidence: float = 0.95) -> MeanEstimate:
        if n == 0:
            return cls(n=0, mean=None, low=None, high=None)
        low, high = mean_t(float(n), float(total), float(total_sq), confidence)
        return cls(n=int(n), mean=total / n, low=_opt(low), high=_opt(high))
