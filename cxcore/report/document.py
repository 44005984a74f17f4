"""The report document: the one input of the HTML report, and the report's JSON file.

A report document is a JSON-compatible ``dict``. Its contract is the JSON Schema
``schemas/report.json`` (``$id`` :data:`SCHEMA_ID`, draft 2020-12); the ``TypedDict`` s below
spell out the same contract for type checkers. :func:`validate_document` checks a document
against the schema and a few rules a schema cannot express, before anything is rendered.

Conventions
-----------
* **Timestamps** are RFC 3339 strings with a time zone (``2024-04-01T00:00:00Z``). A period is
  ``{start, end}`` with ``start`` inclusive and ``end`` exclusive (a quarter ends on the first
  day of the next one); ``label`` (``"Q2 2024"``) is shown instead of the dates when given.
* **Nullable, not optional.** Fields a reader needs to interpret a value (``interval``,
  ``previous``, ``change``, ...) are *required* and ``null`` when unknown. Only presentational
  extras (``description``, ``decimals``, ``note``, ``label``) may be left out.
* **Missing sections.** ``journey_map``, ``experience_curve``, ``funnel``, ``breaks``, ``ipa``
  and ``trends`` may be absent or ``null`` (not computed); with empty lists they are computed
  but have no data. Either way the page shows the section with an explanation (its ``note``
  when given).
* **Units.** A KPI ``unit`` controls formatting: ``percent`` (a value 0..100, shown ``74.0%``,
  changes in percentage points ``pp``), ``seconds`` (shown as a duration, ``3.2 h``),
  ``count`` (an integer with thousands separators), ``ratio`` (a fraction 0..1 shown as a
  percentage); ``points``, ``score``, ``currency`` and any other text are shown as the number
  followed by the unit name. ``decimals`` (0..4, default 1) sets the precision.
* **Rates** in the funnel and the journey breaks are :class:`Proportion` s: ``count`` of ``n``
  as a fraction ``rate`` in 0..1 with its interval (``low``, ``high``) at the section's
  ``level`` (e.g. 0.95); ``rate``, ``low`` and ``high`` are ``null`` when ``n`` is 0. This is
  the shape of :class:`cxcore.journeys.Proportion` serialised.
* **Scores** (experience curve, importance-performance, map importance) are normalised 0..100.
* **Changes** (KPI ``change``, trend point ``significant``) are marked on the page with an
  arrow, a colour and a word *only* when ``significant`` is true.
* **Direction** (``higher_is_better`` or ``lower_is_better``) says whether a rise is good news;
  it decides the words "better" / "worse" next to a significant change.
* Every number must be finite (no NaN, no infinity: use ``null``), every ``low`` <= ``high``.

Sections
--------
``meta``
    project name, generation time, the period covered, the previous period compared (or
    ``null``) and the sources read with their record counts.
``kpis``
    headline KPI cards (:class:`Kpi`), in the order given.
``journey_map``
    a metric on the stages x channels grid (:class:`JourneyMap`): ``stages`` and ``channels``
    in display order (stages left to right), one :class:`MapCell` per touchpoint; grid cells
    without a :class:`MapCell` are shown as "no touchpoint".
``experience_curve``
    one normalised score per stage, in journey order, with its interval (:class:`CurvePoint`).
``funnel``
    the stage funnel (:class:`FunnelStep`): ``count`` reaching each step, ``step`` conversion
    from the previous step (``null`` for the first) and ``overall`` conversion from the first.
``breaks``
    the journey-break table (:class:`BreakRow`), one row per rule and touchpoint where the
    break starts (``touchpoint`` ``null``: the whole journey), in the order given (put the
    most important first), each with an optional per-channel breakdown.
``ipa``
    the importance-performance quadrant (:class:`Ipa`): items with ``importance`` (plotted on
    the vertical axis) and ``performance`` (horizontal), ``gap`` = importance - performance,
    the quadrant label and the priority ``rank`` (1 = fix first); the crosshair is the
    (importance, performance) point where the quadrant lines cross.
``trends``
    one series per KPI (:class:`TrendSeries`) of period points with interval bounds;
    ``significant`` marks a point whose change from the previous point is significant.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any, Literal, NotRequired, TypeAlias, TypedDict, cast

from cxcore.errors import FieldError, RecordValidationError
from cxcore.schemas import SchemaRegistry, SchemaValidator, builtin_schema_dir

__all__ = [
    "QUADRANTS",
    "SCHEMA_ID",
    "SCHEMA_NAME",
    "BreakRow",
    "Breaks",
    "Change",
    "ChannelRate",
    "CurvePoint",
    "Direction",
    "ExperienceCurve",
    "Funnel",
    "FunnelStep",
    "Interval",
    "Ipa",
    "IpaCrosshair",
    "IpaItem",
    "JourneyMap",
    "Kpi",
    "LabelRef",
    "MapCell",
    "Meta",
    "Period",
    "Proportion",
    "Quadrant",
    "Range",
    "ReportDocument",
    "Source",
    "TrendPoint",
    "TrendSeries",
    "Trends",
    "report_schema",
    "validate_document",
]

SCHEMA_NAME = "report"
"""The schema's registry name (the file ``schemas/report.json``)."""
SCHEMA_ID = "https://cxcore.dev/schemas/report/1-0-0.json"
"""The ``$id`` of the report document schema; written as ``schema`` into the JSON file."""

Direction: TypeAlias = Literal["higher_is_better", "lower_is_better"]
Quadrant: TypeAlias = Literal[
    "concentrate here", "keep up the good work", "low priority", "possible overkill"
]
QUADRANTS: tuple[Quadrant, ...] = (
    "concentrate here",
    "keep up the good work",
    "low priority",
    "possible overkill",
)
"""The importance-performance quadrant labels, priority quadrant first."""


class Period(TypedDict):
    """A time range: ``start`` inclusive, ``end`` exclusive; ``label`` replaces the dates."""

    start: str
    end: str
    label: NotRequired[str]


class Source(TypedDict):
    """A source read for the report and how many records it gave."""

    name: str
    records: int
    label: NotRequired[str]


class Meta(TypedDict):
    """What the report covers."""

    project: str
    generated_at: str
    period: Period
    previous_period: Period | None
    sources: list[Source]
    title: NotRequired[str]


class Interval(TypedDict):
    """A confidence interval at ``level`` (e.g. 0.95), computed with ``method``."""

    low: float
    high: float
    level: float
    method: str


class Change(TypedDict):
    """Change against the previous period: ``delta`` = value - previous."""

    delta: float
    p_value: float | None
    significant: bool
    method: NotRequired[str]
    alpha: NotRequired[float]


class Kpi(TypedDict):
    """A headline KPI card."""

    id: str
    label: str
    value: float | None
    unit: str
    n: int
    interval: Interval | None
    previous: float | None
    change: Change | None
    direction: Direction
    low_sample: bool
    description: NotRequired[str]
    decimals: NotRequired[int]


class LabelRef(TypedDict):
    """An id with the label shown for it."""

    id: str
    label: str


class Range(TypedDict):
    """The value range a colour scale spans."""

    min: float
    max: float


class MapCell(TypedDict):
    """One touchpoint (stage x channel) of the journey map."""

    stage: str
    channel: str
    touchpoint: str | None
    value: float | None
    n: int
    importance: float | None
    moment_of_truth: bool


class JourneyMap(TypedDict):
    """A metric (``metric`` is its label) on the stages x channels grid."""

    metric: str
    unit: str
    scale: Range
    direction: Direction
    stages: list[LabelRef]
    channels: list[LabelRef]
    cells: list[MapCell]
    decimals: NotRequired[int]
    note: NotRequired[str]


class CurvePoint(TypedDict):
    """The normalised score (0..100) of one stage with its interval."""

    stage: str
    label: str
    value: float | None
    low: float | None
    high: float | None
    n: int
    low_sample: bool
    moment_of_truth: bool


class ExperienceCurve(TypedDict):
    """The experience curve: stages in journey order; ``level`` of the intervals."""

    metric: str
    level: float
    points: list[CurvePoint]
    note: NotRequired[str]


class Proportion(TypedDict):
    """``count`` of ``n``: ``rate`` in 0..1 with its interval; ``None`` s when ``n`` is 0."""

    count: int
    n: int
    rate: float | None
    low: float | None
    high: float | None


class FunnelStep(TypedDict):
    """One funnel step; ``step`` is ``None`` for the first step."""

    stage: str
    label: str
    count: int
    step: Proportion | None
    overall: Proportion


class Funnel(TypedDict):
    """The stage funnel; ``unit`` names what is counted (``customers``, ``journeys``)."""

    unit: str
    window: str | None
    level: float
    steps: list[FunnelStep]
    note: NotRequired[str]


class ChannelRate(TypedDict):
    """A break rate on one channel."""

    channel: str
    rate: Proportion


class BreakRow(TypedDict):
    """One journey-break rule at the touchpoint where the break starts."""

    rule: str
    label: str
    description: str
    touchpoint: str | None
    rate: Proportion
    by_channel: list[ChannelRate]


class Breaks(TypedDict):
    """The journey-break table; ``level`` of the intervals."""

    level: float
    rows: list[BreakRow]
    note: NotRequired[str]


class IpaItem(TypedDict):
    """One criterion of the importance-performance analysis (scores 0..100)."""

    id: str
    label: str
    importance: float
    performance: float
    gap: float
    quadrant: Quadrant
    rank: int
    n: NotRequired[int]


class IpaCrosshair(TypedDict):
    """Where the quadrant lines cross."""

    importance: float
    performance: float


class Ipa(TypedDict):
    """The importance-performance quadrant and its priority list."""

    crosshair: IpaCrosshair
    items: list[IpaItem]
    importance_method: NotRequired[str]
    note: NotRequired[str]


class TrendPoint(TypedDict):
    """One period of a trend; ``significant``: changed significantly since the last point."""

    start: str
    value: float | None
    low: float | None
    high: float | None
    significant: bool
    label: NotRequired[str]
    n: NotRequired[int]
    p_value: NotRequired[float | None]


class TrendSeries(TypedDict):
    """A KPI over periods, oldest first."""

    kpi: str
    label: str
    unit: str
    direction: Direction
    points: list[TrendPoint]
    decimals: NotRequired[int]


class Trends(TypedDict):
    """The trends section."""

    series: list[TrendSeries]
    note: NotRequired[str]


class ReportDocument(TypedDict):
    """The whole report. Only ``meta`` and ``kpis`` are required."""

    meta: Meta
    kpis: list[Kpi]
    schema: NotRequired[str]
    journey_map: NotRequired[JourneyMap | None]
    experience_curve: NotRequired[ExperienceCurve | None]
    funnel: NotRequired[Funnel | None]
    breaks: NotRequired[Breaks | None]
    ipa: NotRequired[Ipa | None]
    trends: NotRequired[Trends | None]


@lru_cache(maxsize=1)
def report_schema() -> dict[str, Any]:
    """The report document JSON Schema (a fresh parse is cached; do not mutate it)."""
    path = builtin_schema_dir() / f"{SCHEMA_NAME}.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


@lru_cache(maxsize=1)
def _validator() -> SchemaValidator:
    # The schema is self-contained: a registry holding just it is enough (and independent of
    # the other schemas' state).
    return SchemaRegistry([(SCHEMA_NAME, report_schema())]).validator(SCHEMA_NAME)


def validate_document(document: Mapping[str, Any]) -> ReportDocument:
    """Check a report document; return it typed, or raise with every problem found.

    Raises :class:`cxcore.errors.RecordValidationError` (schema ``report``) whose ``errors``
    carry a JSON pointer and a message each: first the schema's findings; when the document
    is schema-valid, the rules the schema cannot express (finite numbers, ``low`` <=
    ``high``, unique ids, journey-map cells on declared stages and channels).
    """
    validator = _validator()
    if not validator.is_valid(document):
        raise RecordValidationError(
            "report document", validator.errors(document), schema=SCHEMA_NAME
        )
    problems = list(_semantic_problems(document))
    if problems:
        raise RecordValidationError("report document", problems, schema=SCHEMA_NAME)
    return cast(ReportDocument, document)


def _walk(node: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{pointer}/{i}")


def _duplicates(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    dup: list[Any] = []
    for v in values:
        if v in seen and v not in dup:
            dup.append(v)
        seen.add(v)
    return dup


def _semantic_problems(doc: Mapping[str, Any]) -> Iterator[FieldError]:
    for pointer, node in _walk(doc, ""):
        if isinstance(node, float) and not math.isfinite(node):
            yield FieldError(pointer=pointer, message="not a finite number", expected="finite")
        if isinstance(node, Mapping):
            low, high = node.get("low"), node.get("high")
            if (
                isinstance(low, int | float)
                and isinstance(high, int | float)
                and not isinstance(low, bool)
                and low > high
            ):
                yield FieldError(
                    pointer=pointer, message=f"low {low} is above high {high}", expected="low<=high"
                )
    for dup in _duplicates([k["id"] for k in doc["kpis"]]):
        yield FieldError(pointer="/kpis", message=f"KPI id {dup!r} appears more than once")
    jmap = doc.get("journey_map")
    if jmap:
        stages = [s["id"] for s in jmap["stages"]]
        channels = [c["id"] for c in jmap["channels"]]
        for name, ids in (("stage", stages), ("channel", channels)):
            for dup in _duplicates(ids):
                yield FieldError(
                    pointer=f"/journey_map/{name}s", message=f"{name} {dup!r} is listed twice"
                )
        for i, cell in enumerate(jmap["cells"]):
            if cell["stage"] not in stages:
                yield FieldError(
                    pointer=f"/journey_map/cells/{i}/stage",
                    message=f"stage {cell['stage']!r} is not in journey_map.stages",
                )
            if cell["channel"] not in channels:
                yield FieldError(
                    pointer=f"/journey_map/cells/{i}/channel",
                    message=f"channel {cell['channel']!r} is not in journey_map.channels",
                )
        for dup in _duplicates([(c["stage"], c["channel"]) for c in jmap["cells"]]):
            yield FieldError(pointer="/journey_map/cells", message=f"two cells for {dup!r}")
        scale = jmap["scale"]
        if scale["min"] >= scale["max"]:
            yield FieldError(pointer="/journey_map/scale", message="min must be below max")
    curve = doc.get("experience_curve")
    if curve:
        for dup in _duplicates([p["stage"] for p in curve["points"]]):
            yield FieldError(
                pointer="/experience_curve/points", message=f"stage {dup!r} appears twice"
            )
    ipa = doc.get("ipa")
    if ipa:
        for dup in _duplicates([item["id"] for item in ipa["items"]]):
            yield FieldError(pointer="/ipa/items", message=f"item id {dup!r} appears twice")
    trends = doc.get("trends")
    if trends:
        for dup in _duplicates([s["kpi"] for s in trends["series"]]):
            yield FieldError(pointer="/trends/series", message=f"KPI {dup!r} has two series")
