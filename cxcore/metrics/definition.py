"""What a metric is: its id, unit, scale and direction, what it reads, and how sure it can be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeAlias

import attrs

from ..model import Scale, to_dict
from ..model.records import RECORD_KINDS, RecordKind
from ..model.scale import Direction
from .errors import MetricDefinitionError

__all__ = [
    "UNCERTAINTY_METHODS",
    "UNITS",
    "MetricDefinition",
    "Uncertainty",
    "Unit",
]

Unit: TypeAlias = Literal["points", "percent", "score", "seconds", "currency", "count", "ratio"]
UNITS: tuple[str, ...] = ("points", "percent", "score", "seconds", "currency", "count", "ratio")
Uncertainty: TypeAlias = Literal["adjusted_wald", "wilson", "t", "order_statistic", "none"]
UNCERTAINTY_METHODS: tuple[str, ...] = ("adjusted_wald", "wilson", "t", "order_statistic", "none")


def _kinds(value: Any) -> tuple[RecordKind, ...]:
    if isinstance(value, str):
        value = (value,)
    return tuple(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class MetricDefinition:
    """The description of a metric, shared by ``cxcore metrics list``, results and docs.

    Args:
        id: the metric id (``nps``); results carry it.
        label: a short human name.
        description: one or two sentences: what it measures and how.
        unit: how to read the value (``percent`` is 0-100, ``points`` is e.g. NPS -100..100).
        record_kinds: which record kinds it reads (``response``, ``interaction``,
            ``customer``); empty for a derived metric, which reads other metrics.
        requires: the record fields it reads, e.g. ``("item", "value", "scale")``.
        scale: the answer scale it expects, when it reads survey answers. Answers on another
            scale are refused with :class:`~cxcore.metrics.ScaleMismatchError`.
        direction: whether a higher value of the *metric* is better (churn: lower).
        value_range: the range the value can take, used to normalise it to 0-100 for
            importance-performance analysis; ``None`` when unbounded (times, money).
        uncertainty: the default interval method of its results.
        version: bumped whenever the computation changes meaning; results carry it.
        min_n: below this many observations a result is flagged ``low_sample``
            (``None``: the engine's default, 30).
        suppress_below: groups with fewer observations are suppressed (value hidden),
            e.g. 5 for employee surveys; ``None``: never.
        time_field: the timestamp that places a record in a period (default
            ``occurred_at``, ``created_at`` for customers).
        cumulative: the metric needs every record before the reporting window too
            (stocks such as customers at the start of a period).
    """

    id: str
    label: str
    description: str = ""
    unit: Unit = "score"
    record_kinds: tuple[RecordKind, ...] = attrs.field(default=(), converter=_kinds)
    requires: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    scale: Scale | None = None
    direction: Direction = "higher_is_better"
    value_range: tuple[float, float] | None = None
    uncertainty: Uncertainty = "none"
    version: str = "1"
    min_n: int | None = None
    suppress_below: int | None = None
    time_field: str | None = None
    cumulative: bool = False

    def __attrs_post_init__(self) -> None:
        where = f"metric {self.id!r}"
        if not self.label:
            raise MetricDefinitionError(f"{where}: label must not be empty")
        if self.unit not in UNITS:
            raise MetricDefinitionError(
                f"{where}: unit {self.unit!r} is not one of {', '.join(UNITS)}"
            )
        if self.uncertainty not in UNCERTAINTY_METHODS:
            raise MetricDefinitionError(
                f"{where}: uncertainty {self.uncertainty!r} is not one of "
                f"{', '.join(UNCERTAINTY_METHODS)}"
            )
        for kind in self.record_kinds:
            if kind not in RECORD_KINDS:
                raise MetricDefinitionError(
                    f"{where}: record kind {kind!r} is not one of {', '.join(RECORD_KINDS)}"
                )
        if self.direction not in ("higher_is_better", "lower_is_better"):
            raise MetricDefinitionError(
                f"{where}: direction must be higher_is_better or lower_is_better, "
                f"got {self.direction!r}"
            )
        for name in ("min_n", "suppress_below"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 0):
                raise MetricDefinitionError(f"{where}: {name} must be an integer >= 0")
        if self.value_range is not None:
            lo, hi = self.value_range
            if not lo < hi:
                raise MetricDefinitionError(f"{where}: value_range must be (low, high), low < high")

    def time_field_for(self, kind: RecordKind) -> str:
        """The timestamp field placing a record of ``kind`` in a period."""
        if self.time_field is not None:
            return self.time_field
        return "created_at" if kind == "customer" else "occurred_at"

    def normalise(self, value: float) -> float:
        """The value on 0-100 where 100 is the best end of ``value_range`` (for IPA)."""
        if self.value_range is None:
            raise MetricDefinitionError(
                f"metric {self.id!r} has no bounded value range ({self.unit}); choose a "
                "score, share or index metric for performance"
            )
        lo, hi = self.value_range
        share = (value - lo) / (hi - lo)
        if self.direction == "lower_is_better":
            share = 1.0 - share
        return 100.0 * min(max(share, 0.0), 1.0)

    def to_dict(self) -> dict[str, Any]:
        """The definition as JSON, valid against the ``metric-definition`` schema."""
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "description": self.description,
            "unit": self.unit,
            "record_kinds": list(self.record_kinds),
            "requires": list(self.requires),
            "scale": to_dict(self.scale) if self.scale is not None else None,
            "direction": self.direction,
            "uncertainty": self.uncertainty,
            "version": self.version,
        }
        if len(self.record_kinds) == 1:
            out["record_kind"] = self.record_kinds[0]
        if self.min_n is not None:
            out["min_n"] = self.min_n
        if self.suppress_below is not None:
            out["suppress_below"] = self.suppress_below
        if self.value_range is not None:
            out["value_range"] = list(self.value_range)
        if self.cumulative:
            out["cumulative"] = True
        return out

    def evolve(self, changes: Mapping[str, Any]) -> MetricDefinition:
        """A copy with some fields changed (configuration overrides)."""
        try:
            return attrs.evolve(self, **dict(changes))
        except TypeError as exc:
            raise MetricDefinitionError(f"metric {self.id!r}: {exc}") from None
