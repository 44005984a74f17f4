"""Metrics declared in ``cxcore.toml`` without code: ``[metrics.<id>]`` tables with a ``type``.

Types: ``count``, ``ratio``, ``mean``, ``top_box``, ``bucket_index``, ``points``,
``linear_index``, ``duration`` and ``derived``. Each table is checked against the
``metric-declaration`` schema first, so a typo names the key path; then it becomes one of the
built-in calculators. Examples are in ``docs/kpi-plugins.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ..model.records import RecordKind
from ..schemas import SchemaRegistry
from .calculator import Calculator
from .calculators import (
    BucketIndexCalculator,
    CountCalculator,
    DerivedCalculator,
    DurationCalculator,
    FieldMeanCalculator,
    Measure,
    PairDurationCalculator,
    RatioCalculator,
    ScoreMeanCalculator,
    TopBoxCalculator,
    linear_transform,
    points_transform,
)
from .definition import MetricDefinition
from .errors import MetricDefinitionError
from .filters import Filter
from .settings import as_filter, as_items, as_scale, both, top_two_box, types_filter

__all__ = ["DECLARATIVE_TYPES", "build_declared"]

DECLARATIVE_TYPES: Final = (
    "count",
    "ratio",
    "mean",
    "top_box",
    "bucket_index",
    "points",
    "linear_index",
    "duration",
    "derived",
)
_DEFAULT_UNIT: Final = {
    "count": "count",
    "ratio": "percent",
    "mean": "score",
    "top_box": "percent",
    "bucket_index": "points",
    "points": "points",
    "linear_index": "points",
    "duration": "seconds",
    "derived": "score",
}
_SURVEY = ("item", "value", "scale")
_registry: SchemaRegistry | None = None


def _check(metric: str, table: Mapping[str, Any]) -> None:
    global _registry
    if _registry is None:
        _registry = SchemaRegistry.builtin()
    validator = _registry.validator("metric-declaration")
    if not validator.is_valid(dict(table)):
        problems = "; ".join(
            f"{(e.pointer.strip('/').replace('/', '.') or '(table)')}: {e.message}"
            for e in validator.errors(dict(table))
        )
        raise MetricDefinitionError(f"[metrics.{metric}]: {problems}")


def _fields(*filters: Filter) -> tuple[str, ...]:
    return tuple(sorted(set().union(*(f.fields() for f in filters))))


def build_declared(metric: str, table: Mapping[str, Any]) -> Calculator:
    """A calculator from a ``[metrics.<metric>]`` table that has a ``type``."""
    _check(metric, table)
    kind_ = table["type"]
    where = f"[metrics.{metric}]"
    filt = as_filter(table.get("where"), f"{where} where")
    scale = as_scale(table.get("scale"), where)
    common: dict[str, Any] = {
        "id": metric,
        "label": table.get("label", metric),
        "description": table.get("description", ""),
        "unit": table.get("unit", _DEFAULT_UNIT[kind_]),
        "version": table.get("version", "1"),
        "min_n": table.get("min_n"),
        "suppress_below": table.get("suppress_below"),
        "time_field": table.get("time_field"),
    }
    if "direction" in table:
        common["direction"] = table["direction"]
    items = as_items(table.get("items"), (), where)
    survey_like = scale is not None or bool(items)
    record_kind: RecordKind = table.get("kind", "response" if survey_like else "interaction")

    def definition(**extra: Any) -> MetricDefinition:
        return MetricDefinition(**{**common, **extra})

    if kind_ == "count":
        return CountCalculator(
            definition(record_kinds=(record_kind,), requires=_fields(filt) or ("id",)),
            where=filt,
        )
    if kind_ == "ratio":
        num_t, den_t = table["numerator"], table["denominator"]
        num = Measure(
            kind=num_t.get("kind", record_kind),
            where=as_filter(num_t.get("where"), f"{where} numerator.where"),
            sum=num_t.get("sum"),
        )
        den = Measure(
            kind=den_t.get("kind", record_kind),
            where=both(as_filter(den_t.get("where"), f"{where} denominator.where"), filt),
            sum=den_t.get("sum"),
        )
        kinds = tuple(dict.fromkeys([num.kind, den.kind]))
        requires = _fields(num.where, den.where) + tuple(
            s for s in (num.sum, den.sum) if s is not None
        )
        unit = common["unit"]
        # A share by default; a ratio of sums (cost per ticket) relates different records.
        within = bool(table.get("within", num.sum is None and den.sum is None))
        proportion = within and num.kind == den.kind and num.sum is None and den.sum is None
        return RatioCalculator(
            definition(
                record_kinds=kinds,
                requires=requires or ("id",),
                uncertainty="wilson" if proportion else "none",
                value_range=(0.0, 100.0) if proportion and unit == "percent" else None,
            ),
            numerator=num,
            denominator=den,
            within=within,
            multiplier=float(table.get("multiplier", 100.0 if unit == "percent" else 1.0)),
        )
    if kind_ == "mean":
        field = table.get("field", "value")
        if scale is not None:
            return ScoreMeanCalculator(
                definition(
                    record_kinds=("response",),
                    requires=_SURVEY + _fields(filt),
                    scale=scale,
                    uncertainty="t",
                    value_range=(scale.min, scale.max),
                    direction=common.get("direction", scale.direction),
                ),
                items=items,
                where=filt,
                field=field,
            )
        if items:
            filt = both(as_filter({"item": {"match": list(items)}}, where), filt)
        return FieldMeanCalculator(
            definition(
                record_kinds=(record_kind,), requires=(field,) + _fields(filt), uncertainty="t"
            ),
            field=field,
            where=filt,
        )
    if kind_ in ("top_box", "bucket_index", "points", "linear_index"):
        if scale is None:
            if kind_ != "top_box":
                raise MetricDefinitionError(f"{where}: a {kind_} metric needs a scale")
            raise MetricDefinitionError(f"{where}: a top_box metric needs a scale")
        survey = {
            "record_kinds": ("response",),
            "requires": _SURVEY + _fields(filt),
            "scale": scale,
        }
        if kind_ == "top_box":
            top = float(table.get("top_min", top_two_box(scale)))
            return TopBoxCalculator(
                definition(**survey, uncertainty="wilson", value_range=(0.0, 100.0)),
                top_min=top,
                items=items,
                where=filt,
            )
        if kind_ == "bucket_index":
            calc = BucketIndexCalculator(
                definition(**survey, uncertainty="t"), items=items, where=filt
            )
            if calc.nps_like:
                calc.definition = calc.definition.evolve(
                    {"uncertainty": "adjusted_wald", "value_range": (-100.0, 100.0)}
                )
            return calc
        if kind_ == "points":
            points = table.get("points")
            table_points = {float(k): float(v) for k, v in points.items()} if points else None
            transform = points_transform(scale, table_points or scale.points, where)
            return ScoreMeanCalculator(
                definition(**survey, uncertainty="t"),
                transform=transform,
                items=items,
                where=filt,
            )
        return ScoreMeanCalculator(
            definition(**survey, uncertainty="t", value_range=(0.0, 100.0)),
            transform=linear_transform(scale),
            items=items,
            where=filt,
        )
    if kind_ == "duration":
        statistic = table.get("statistic", "median")
        uncertainty = "t" if statistic == "mean" else "order_statistic"
        if "from" in table:
            key = tuple(table.get("key", ("journey_instance",)))
            return PairDurationCalculator(
                definition(
                    record_kinds=("interaction",),
                    requires=("type", "occurred_at", *key) + _fields(filt),
                    uncertainty=uncertainty,
                    direction=common.get("direction", "lower_is_better"),
                ),
                base=both(types_filter(table["from"]), filt),
                follow=both(types_filter(table["to"]), filt),
                key=key,
                statistic=statistic,
                group_by=table.get("group_by", "to"),
            )
        field = table["field"]
        return DurationCalculator(
            definition(
                record_kinds=(record_kind,),
                requires=(field,) + _fields(filt),
                uncertainty=uncertainty,
                direction=common.get("direction", "lower_is_better"),
            ),
            field=field,
            where=filt,
            statistic=statistic,
        )
    if kind_ == "derived":
        return DerivedCalculator(definition(record_kinds=()), expr=table["expr"])
    raise MetricDefinitionError(f"{where}: unknown type {kind_!r}")  # pragma: no cover
