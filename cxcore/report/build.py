"""Building the report document from a workspace: KPIs, journeys, priorities and trends.

:func:`build_document` reads a workspace's store once for the metrics and once for the
journeys and returns a :class:`~cxcore.report.document.ReportDocument` that
:func:`~cxcore.report.render_report` turns into the HTML page and the JSON file;
:func:`write_report` does both::

    from cxcore import Workspace
    from cxcore.report import write_report

    with Workspace.from_config() as ws:
        paths = write_report(ws, "report/")          # report/report.html, report/report.json

What goes into each section, and the choices behind it (periods, scales, fallbacks), is
described in ``docs/report.md``. Per-metric choices live in :class:`ReportSettings`.
"""

from __future__ import annotations

import calendar as _calendar
import fnmatch
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeVar, cast
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxcore.errors import ConfigError
from cxcore.journeys import (
    INTERACTION,
    EventLog,
    JourneyAnalysis,
    JourneyAnalysisConfig,
    analyse_log,
    load_events,
)
from cxcore.journeys import Proportion as JourneyProportion
from cxcore.metrics import MetricEngine, MetricResult, ResultSet
from cxcore.metrics.batch import parse_scale_text
from cxcore.metrics.calculator import Calculator
from cxcore.metrics.calculators.scores import ScoreCalculator
from cxcore.metrics.errors import MetricDefinitionError
from cxcore.metrics.registry import build_registered, load_calculators, metric_defaults
from cxcore.model import Journey
from cxcore.model.records import RecordKind
from cxcore.stats import IPAItem, ipa
from cxcore.stats import crosshair as ipa_crosshair

from .document import (
    BreakRow,
    Breaks,
    Change,
    ChannelRate,
    CurvePoint,
    Direction,
    ExperienceCurve,
    Funnel,
    FunnelStep,
    Interval,
    Ipa,
    IpaItem,
    JourneyMap,
    Kpi,
    MapCell,
    Meta,
    Period,
    Proportion,
    ReportDocument,
    Source,
    TrendPoint,
    Trends,
    TrendSeries,
    validate_document,
)
from .render import ReportPaths, render_report

if TYPE_CHECKING:
    import os

    from cxcore.metrics.engine import Plan
    from cxcore.store import Store
    from cxcore.workspace import Workspace

__all__ = [
    "DEFAULT_KPIS",
    "JOURNEY_SCORE",
    "PeriodSpec",
    "ReportSettings",
    "build_document",
    "parse_period",
    "write_report",
]

log = logging.getLogger("cxcore.report")

DEFAULT_KPIS: tuple[str, ...] = (
    "nps",
    "csat",
    "ces",
    "first_reply_time",
    "full_resolution_time",
    "ticket_resolution_rate",
    "churn_rate",
)
"""The headline KPIs shown when none are chosen (each only when its inputs are present)."""

JOURNEY_SCORE = "score"
"""Pseudo-metric id: the mean normalised answer (0-100) of every survey answer, from the
journey event log (:func:`cxcore.journeys.score_map`)."""

PeriodSpec: TypeAlias = str | tuple[date | datetime | str, date | datetime | str] | None
"""A report period: ``None`` (automatic), ``"START..END"``, ``"2024-Q2"``, ``"2024-03"``,
``"2024"``, or a ``(start, end)`` pair (end exclusive; dates are midnight in the project's
time zone)."""

Progress: TypeAlias = Callable[[str, float], None]

_BREAK_LABELS: Mapping[str, str] = {
    "channel_switch": "Channel switch before resolution",
    "repeat_contact": "Repeat contact",
    "reopen": "Reopened after solved",
    "backward_move": "Backward move",
    "abandonment": "Abandonment",
    "moment_of_truth": "Negative answer at a moment of truth",
}
_DECIMALS: Mapping[str, int] = {"points": 0, "percent": 1, "score": 1, "count": 0}


def _opt_tuple(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen(kw_only=True)
class ReportSettings:
    """Per-metric and per-section choices of :func:`build_document`.

    The defaults suit data synced by the Zendesk, HubSpot and Medallia plugins into one
    store: survey KPIs whose answers come on several scales (Zendesk's good/bad CSAT on
    0..1, HubSpot's and Medallia's CSAT on 1..5) are split into one KPI per scale instead of
    failing on the mismatch (see ``docs/report.md``).

    Args:
        metric_settings: ``[metrics.<id>]``-style settings per metric, applied over those of
            ``cxcore.toml`` (e.g. ``{"csat": {"scale": {"min": 0, "max": 1}}}``).
        split_scales: give survey KPIs answered on other scales than the metric's their own
            KPI (``csat_zendesk``), separated by source. Off: answers on other scales are
            left out of the KPI (by source).
        performance_metrics: the metric used for the journey map and the
            importance-performance grid when none is chosen: the first with data per
            touchpoint wins. :data:`JOURNEY_SCORE` is the mean normalised answer.
        map_metric: the journey map's metric (default: as ``performance_metrics``).
        ipa_crosshair: quadrant lines at the data means or at 50/50.
        ipa_min_n: touchpoints with fewer observations are left out of the grid.
        trend_periods: how many ``trend_grain`` periods the trends show, up to the period end.
        trend_kpis: KPIs with a trend (default: every headline KPI shown).
        journey_scope: the funnel, experience curve and journey breaks use every event up to
            the period's end (``all``: journeys span quarters, a funnel cut at the period
            start would lose everyone who started before it) or only the period's events
            (``period``). The journey map and the importance-performance grid always use the
            report period.
        break_touchpoints: per break rule, at most this many touchpoint rows (worst first).
        break_min_n: touchpoint rows need this many opportunities.
        min_n: low-sample threshold of the KPIs (default: ``[metrics.defaults]``, else 30).
        labels: KPI id -> label shown instead of the metric's.
    """

    metric_settings: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    split_scales: bool = True
    performance_metrics: tuple[str, ...] = attrs.field(
        default=("csat", "nps", JOURNEY_SCORE), converter=tuple
    )
    map_metric: str | None = None
    ipa_crosshair: Literal["means", "midpoint"] = "means"
    ipa_min_n: int = 10
    trend_periods: int = 12
    trend_kpis: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    journey_scope: Literal["period", "all"] = "all"
    break_touchpoints: int = 3
    break_min_n: int = 10
    min_n: int | None = None
    labels: Mapping[str, str] = attrs.field(factory=dict)


# -- periods ----------------------------------------------------------------------------------


@attrs.frozen
class _Period:
    start: datetime
    end: datetime
    label: str | None = None
    grain: str | None = None  # "month" / "quarter" / "year" when the period is exactly one

    def doc(self) -> Period:
        out: Period = {"start": _ts(self.start), "end": _ts(self.end)}
        if self.label:
            out["label"] = self.label
        return out


def _ts(dt: datetime) -> str:
    text = dt.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime(year, month, 1, tzinfo=tz)


def _quarter(year: int, q: int, tz: ZoneInfo) -> _Period:
    return _Period(
        _month_start(year, 3 * q - 2, tz),
        _month_start(year, 3 * q + 1, tz),
        f"Q{q} {year}",
        "quarter",
    )


def _classify(start: datetime, end: datetime, tz: ZoneInfo) -> _Period:
    """Name a period that is exactly a calendar month, quarter or year."""
    s = start.astimezone(tz)
    if (s.day, s.hour, s.minute, s.second, s.microsecond) == (1, 0, 0, 0, 0):
        if end == _month_start(s.year, s.month + 1, tz):
            return _Period(start, end, f"{_calendar.month_name[s.month]} {s.year}", "month")
        if s.month % 3 == 1 and end == _month_start(s.year, s.month + 3, tz):
            return _Period(start, end, f"Q{(s.month + 2) // 3} {s.year}", "quarter")
        if s.month == 1 and end == _month_start(s.year + 1, 1, tz):
            return _Period(start, end, str(s.year), "year")
    return _Period(start, end)


def _instant(value: date | datetime | str, tz: ZoneInfo, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ConfigError(f"{what}: {value!r} is not an ISO date or timestamp") from None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=tz)
    return datetime(value.year, value.month, value.day, tzinfo=tz)


_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(spec: PeriodSpec, timezone: str = "UTC") -> tuple[datetime, datetime] | None:
    """``(start, end)`` of a period spec (see :data:`PeriodSpec`); ``None`` for ``None``.

    Raises :class:`~cxcore.errors.ConfigError` for an unreadable spec or an empty period.
    """
    if spec is None:
        return None
    tz = ZoneInfo(timezone)
    if isinstance(spec, tuple):
        start, end = _instant(spec[0], tz, "period start"), _instant(spec[1], tz, "period end")
    else:
        text = spec.strip()
        if m := _QUARTER.match(text):
            p = _quarter(int(m[1]), int(m[2]), tz)
            start, end = p.start, p.end
        elif m := _MONTH.match(text):
            start = _month_start(int(m[1]), int(m[2]), tz)
            end = _month_start(int(m[1]), int(m[2]) + 1, tz)
        elif m := _YEAR.match(text):
            start, end = _month_start(int(m[1]), 1, tz), _month_start(int(m[1]) + 1, 1, tz)
        elif ".." in text:
            a, _, b = text.partition("..")
            start, end = _instant(a, tz, "period start"), _instant(b, tz, "period end")
        else:
            raise ConfigError(
                f"period {spec!r}: expected START..END (ISO dates), YYYY-Qn, YYYY-MM or YYYY"
            )
    if end <= start:
        raise ConfigError(f"period {spec!r}: the end must be after the start")
    return start, end


def _auto_period(first: datetime, last: datetime, tz: ZoneInfo) -> _Period:
    """The last calendar quarter the data covers whole; else the whole data range.

    A quarter counts as covered when the data starts on or before its first day and its
    last day has data (a sync on the morning after the quarter still gives it).
    """
    f, la = first.astimezone(tz), last.astimezone(tz)
    q = (la.month - 1) // 3 + 1
    year = la.year
    for _ in range(2):
        cand = _quarter(year, q, tz)
        if f.date() <= cand.start.date() and la >= cand.end - timedelta(days=1):
            return cand
        q -= 1
        if q == 0:
            q, year = 4, year - 1
    start = datetime(f.year, f.month, f.day, tzinfo=tz)
    end = datetime(la.year, la.month, la.day, tzinfo=tz) + timedelta(days=1)
    return _classify(start, end, tz)


def _previous(period: _Period, tz: ZoneInfo) -> _Period:
    """The period just before: the previous month/quarter/year, else the same length."""
    if period.grain in ("month", "quarter", "year"):
        months = {"month": 1, "quarter": 3, "year": 12}[period.grain]
        s = period.start.astimezone(tz)
        start = _month_start(s.year, s.month - months, tz)
        return _classify(start, period.start, tz)
    length = period.end - period.start
    return _classify(period.start - length, period.start, tz)


# -- a look at the data before computing ------------------------------------------------------


@attrs.frozen
class _Survey:
    """Answered responses per (item, scale, source)."""

    item: str
    scale: Mapping[str, Any] | None
    source: str
    n: int


@attrs.frozen
class _Overview:
    first: datetime | None
    last: datetime | None
    surveys: tuple[_Survey, ...]
    customer_attributes: str  # every attribute key seen on customers, joined (presence tests)


def _decoded(array: Any) -> Any:
    if pa.types.is_dictionary(array.type):
        return array.dictionary_decode()
    return array


def _overview(store: Store) -> _Overview:
    """Time range of the events, answer scales per item and source, customer attributes.

    A narrow scan (a few columns) costs a fraction of the metric pass and lets the builder
    choose the period and each survey metric's scale *before* computing, so a KPI whose
    answers come on two scales is split instead of failing the whole report.
    """
    lo: list[datetime] = []
    hi: list[datetime] = []
    for kind in ("interaction", "response"):
        for rb in store.scan(kind, ["occurred_at"]):
            mm = pc.min_max(rb.column(0)).as_py()
            if mm["min"] is not None:
                lo.append(_aware(mm["min"]))
                hi.append(_aware(mm["max"]))
    counts: dict[tuple[str, str, str], int] = {}
    for rb in store.scan("response", ["item", "scale", "source", "value"]):
        answered = rb.filter(pc.is_valid(rb.column("value")))
        if answered.num_rows == 0:
            continue
        table = pa.table(
            {
                "item": _decoded(answered.column("item")).fill_null(""),
                "scale": _decoded(answered.column("scale")).fill_null(""),
                "source": _decoded(answered.column("source")).fill_null(""),
                "n": pa.array(np.ones(answered.num_rows, dtype=np.int64)),
            }
        )
        for row in (
            table.group_by(["item", "scale", "source"]).aggregate([("n", "sum")]).to_pylist()
        ):
            key = (row["item"], row["scale"], row["source"])
            counts[key] = counts.get(key, 0) + int(row["n_sum"])
    surveys = tuple(
        _Survey(item=i, scale=parse_scale_text(s or None), source=src, n=n)
        for (i, s, src), n in sorted(counts.items())
    )
    keys: set[str] = set()
    for rb in store.scan("customer", ["attributes"]):
        for text in _decoded(rb.column(0)).drop_null().unique().to_pylist():
            keys.update(re.findall(r'"([^"\\]+)"\s*:', text))
    return _Overview(
        first=min(lo) if lo else None,
        last=max(hi) if hi else None,
        surveys=surveys,
        customer_attributes="\n".join(sorted(keys)),
    )


def _aware(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


# -- metrics: calculators adapted to the data --------------------------------------------------


def _scale_key(scale: Mapping[str, Any] | None) -> tuple[float, float, str] | None:
    if scale is None:
        return None
    return (
        float(scale["min"]),
        float(scale["max"]),
        str(scale.get("direction", "higher_is_better")),
    )


def _scale_text(key: tuple[float, float, str]) -> str:
    arrow = "" if key[2] == "higher_is_better" else ", lower is better"
    return f"{key[0]:g}-{key[1]:g}{arrow}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "other"


@attrs.frozen
class _Metrics:
    """The engine and, per requested metric, the KPI ids standing for it (scale variants)."""

    engine: MetricEngine
    ids: Mapping[str, tuple[str, ...]]
    dropped: Mapping[str, str]  # metric -> why it is left out


def _merged_config(ws: Workspace, settings: ReportSettings) -> dict[str, Mapping[str, Any]]:
    config: dict[str, Mapping[str, Any]] = {k: dict(v) for k, v in ws.config.metrics.items()}
    for name, extra in settings.metric_settings.items():
        config[name] = {**config.get(name, {}), **extra}
    return config


def _with_source_filter(
    settings: Mapping[str, Any], sources: Iterable[str], *, keep: bool
) -> dict[str, Any] | None:
    """Settings whose ``where`` keeps (or leaves out) the given sources; ``None``: cannot."""
    where = dict(settings.get("where") or {})
    if "source" in where:
        return None  # the project already filters by source: do not second-guess it
    names = sorted(sources)
    where["source"] = names if keep else {"not_in": names}
    return {**settings, "where": where}


def _adapt_metrics(
    ws: Workspace,
    wanted: Sequence[str],
    overview: _Overview,
    settings: ReportSettings,
    min_n: int,
    confidence: float,
) -> _Metrics:
    """Calculators for ``wanted``, each survey metric fitted to the answer scales present.

    A survey metric keeps its configured scale when answers use it; otherwise it takes the
    scale most answers use. Answers on other scales are left out of it by source and, with
    ``split_scales``, become a KPI of their own (``csat_zendesk``: Zendesk's good/bad
    ratings on 0..1 next to 1-5 survey CSAT). Never re-bucketed.
    """
    config = _merged_config(ws, settings)
    calcs = load_calculators(plugins=ws.plugins, config=config)
    specs = ws.plugins.metrics()
    ids: dict[str, tuple[str, ...]] = {}
    dropped: dict[str, str] = {}
    for metric in wanted:
        if metric == JOURNEY_SCORE:
            continue
        if metric not in calcs:
            raise MetricDefinitionError(
                f"unknown metric {metric!r}; available: {', '.join(sorted(calcs))}"
            )
        calc = calcs[metric]
        ids[metric] = (metric,)
        if not isinstance(calc, ScoreCalculator) or metric not in specs:
            continue
        sc = calc.definition.scale
        own = (float(sc.min), float(sc.max), str(sc.direction)) if sc is not None else None
        by_scale: dict[tuple[float, float, str] | None, dict[str, int]] = {}
        for s in overview.surveys:
            if calc.items and not any(fnmatch.fnmatchcase(s.item, p) for p in calc.items):
                continue
            per_source = by_scale.setdefault(_scale_key(s.scale), {})
            per_source[s.source] = per_source.get(s.source, 0) + s.n
        if not by_scale or set(by_scale) == {own}:
            continue
        owners: dict[str, int] = {}
        for per_source in by_scale.values():
            for src in per_source:
                owners[src] = owners.get(src, 0) + 1
        mixed = sorted(s for s, k in owners.items() if k > 1)
        if mixed:
            # Answers of one source on two scales cannot be told apart by source; refusing
            # the metric beats failing the whole report (or re-bucketing answers).
            dropped[metric] = (
                f"answers of source(s) {', '.join(mixed)} are on several scales; set "
                f"[metrics.{metric}] items/where so each metric reads one scale"
            )
            del ids[metric]
            del calcs[metric]
            continue
        base = dict(config.get(metric) or {})
        configured = "scale" in base or "variant" in base
        ranked = sorted(
            (k for k in by_scale if k is not None),
            key=lambda k: (-sum(by_scale[k].values()), k),
        )
        primary = own if (own in by_scale or configured or not ranked) else ranked[0]
        others = [k for k in ranked if k != primary]
        if None in by_scale:
            others_sources = {s for k in others for s in by_scale[k]} | set(by_scale[None])
        else:
            others_sources = {s for k in others for s in by_scale[k]}
        main_settings: dict[str, Any] | None = dict(base)
        if primary != own and primary is not None:
            main_settings = {**base, "scale": _scale_dict(primary)}
            main_settings.pop("variant", None)
        if others_sources and main_settings is not None:
            main_settings = _with_source_filter(main_settings, others_sources, keep=False)
        built = _build(metric, specs, main_settings)
        if built is None:
            dropped[metric] = (
                f"its answers are on several scales ({', '.join(_scale_text(k) for k in ranked)})"
                f" and [metrics.{metric}] cannot be narrowed to one"
            )
            del ids[metric]
            del calcs[metric]
            continue
        calcs[metric] = built
        variant_ids: list[str] = [metric] if primary in by_scale else []
        if settings.split_scales:
            for key in others:
                sources = sorted(by_scale[key])
                vs = _with_source_filter(
                    {
                        **{k: v for k, v in base.items() if k not in ("scale", "variant")},
                        "scale": _scale_dict(key),
                    },
                    sources,
                    keep=True,
                )
                variant = _build(metric, specs, vs)
                if variant is None:
                    continue
                vid = f"{metric}_{_slug('_'.join(sources))}"
                if vid in calcs:
                    vid = f"{vid}_{_slug(_scale_text(key))}"
                label = (
                    f"{_short(calc.definition.label)} ({', '.join(sources)}, {_scale_text(key)})"
                )
                variant.definition = variant.definition.evolve({"id": vid, "label": label})
                calcs[vid] = variant
                variant_ids.append(vid)
        if not variant_ids:
            variant_ids = [metric]
        ids[metric] = tuple(variant_ids)
    engine = MetricEngine(
        calcs,
        timezone=ws.config.timezone,
        journey=ws.journey,
        min_n=min_n,
        confidence=confidence,
        store=ws.store,
    )
    return _Metrics(engine=engine, ids=ids, dropped=dropped)


def _short(label: str) -> str:
    """``"Customer satisfaction (CSAT)"`` -> ``"CSAT"``: variant labels must stay short."""
    m = re.search(r"\(([A-Z][A-Za-z0-9 .-]{1,12})\)\s*$", label)
    return m.group(1) if m else label


def _scale_dict(key: tuple[float, float, str]) -> dict[str, Any]:
    return {"min": key[0], "max": key[1], "direction": key[2]}


def _build(
    metric: str, specs: Mapping[str, Any], settings: Mapping[str, Any] | None
) -> Calculator | None:
    if settings is None:
        return None
    try:
        return build_registered(metric, specs[metric], settings)
    except MetricDefinitionError:
        return None


def _run(store: Store, plans: Sequence[Plan]) -> list[ResultSet]:
    """Finalise several plans fed by *one* scan of the store (the columns they need, merged).

    Each plan keeps its own state; only the reading is shared, which is most of the cost.
    """
    states = [p.new_state() for p in plans]
    order: tuple[RecordKind, ...] = ("customer", "interaction", "response")
    kinds = [k for k in order if any(k in p.kinds for p in plans)]
    for kind in kinds:
        readers = [(p, s) for p, s in zip(plans, states, strict=True) if kind in p.kinds]
        wanted = [p.columns(kind) for p, _ in readers]
        columns: list[str] | None = None
        if all(w is not None for w in wanted):
            columns = list(dict.fromkeys(c for w in wanted for c in (w or ())))
        for rb in store.scan(kind, columns):
            for p, s in readers:
                p.update(s, rb, kind=kind, batch_size=max(rb.num_rows, 1))
    return [p.finalize(s) for p, s in zip(plans, states, strict=True)]


# -- sections -----------------------------------------------------------------------------------


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _label(journey: Journey | None, kind: str, ident: str | None) -> str:
    if ident is None:
        return "no value"
    if journey is not None:
        things: Iterable[Any] = {
            "stage": journey.stages,
            "channel": journey.channels,
            "touchpoint": journey.touchpoints,
        }[kind]
        for t in things:
            if t.id == ident and t.label:
                return str(t.label)
    return ident.replace("_", " ").capitalize()


def _kpi(
    r: MetricResult,
    definition: Any,
    label: str,
    decimals: int | None,
) -> Kpi:
    interval: Interval | None = None
    if r.interval is not None and r.interval.low is not None and r.interval.high is not None:
        low, high = _num(r.interval.low), _num(r.interval.high)
        if low is not None and high is not None:
            interval = {
                "low": low,
                "high": high,
                "level": r.interval.level,
                "method": r.interval.method,
            }
    change: Change | None = None
    previous: float | None = None
    if r.change is not None:
        previous = _num(r.change.previous)
        delta = _num(r.change.delta)
        if delta is not None:
            change = {
                "delta": delta,
                "p_value": _num(r.change.p_value),
                "significant": bool(r.change.significant),
                "method": r.change.method,
                "alpha": r.change.alpha,
            }
    kpi: Kpi = {
        "id": r.metric,
        "label": label,
        "value": _num(r.value),
        "unit": r.unit,
        "n": int(r.n),
        "interval": interval,
        "previous": previous,
        "change": change,
        "direction": cast(Direction, definition.direction),
        "low_sample": bool(r.low_sample),
    }
    if definition.description:
        kpi["description"] = str(definition.description)
    if decimals is not None:
        kpi["decimals"] = decimals
    return kpi


def _decimals(metric: str, unit: str) -> int | None:
    if metric == "ces" or metric.startswith("ces_"):
        return 2
    return _DECIMALS.get(unit)


def _proportion(p: JourneyProportion) -> Proportion:
    return {
        "count": int(p.count),
        "n": int(p.n),
        "rate": _num(p.rate) if p.n else None,
        "low": _num(p.low) if p.n else None,
        "high": _num(p.high) if p.n else None,
    }


def _human(td: timedelta | None) -> str | None:
    if td is None:
        return None
    seconds = td.total_seconds()
    for unit, size in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} seconds"


@attrs.frozen
class _Performance:
    """Normalised performance (0-100) per touchpoint id with n, from one metric."""

    metric: str
    label: str
    values: Mapping[str, tuple[float, int]]


def _engine_performance(
    metric: str, variants: Sequence[str], results: ResultSet, engine: MetricEngine
) -> _Performance | None:
    """Per touchpoint, the metric's value on 0-100, pooled over its scale variants.

    Pooling weights each variant's normalised value by its n: exact for shares (satisfied /
    answered), NPS and means, since normalising is linear in each of them.
    """
    sums: dict[str, tuple[float, int]] = {}
    for vid in variants:
        definition = engine.calculator(vid).definition
        if definition.value_range is None:
            return None
        for r in results.of(vid):
            tp = r.group.get("touchpoint")
            if tp is None or r.value is None or not math.isfinite(r.value) or r.n <= 0:
                continue
            score = float(definition.normalise(r.value))
            s, n = sums.get(tp, (0.0, 0))
            sums[tp] = (s + score * r.n, n + int(r.n))
    if not sums:
        return None
    label = engine.calculator(variants[0]).definition.label if variants else metric
    return _Performance(
        metric=metric,
        label=f"{label} (0-100)",
        values={tp: (s / n, n) for tp, (s, n) in sums.items()},
    )


def _score_performance(analysis: JourneyAnalysis | None) -> _Performance | None:
    if analysis is None:
        return None
    values: dict[str, tuple[float, int]] = {}
    for cell in analysis.maps["score"].cells:
        if cell.touchpoint is not None and cell.value is not None and cell.n > 0:
            values[cell.touchpoint] = (float(cell.value), int(cell.n))
    if not values:
        return None
    return _Performance(JOURNEY_SCORE, "Mean normalised answer (0-100)", values)


def _journey_map(
    journey: Journey, perf: _Performance | None, analysis: JourneyAnalysis | None
) -> JourneyMap:
    imp_scale = journey.importance_scale
    values = perf.values if perf is not None else {}
    cells: list[MapCell] = []
    for t in journey.touchpoints:
        value, n = values.get(t.id, (None, 0))
        cells.append(
            {
                "stage": t.stage,
                "channel": t.channel,
                "touchpoint": t.id,
                "value": _num(value) if value is not None else None,
                "n": n,
                "importance": (
                    _num(imp_scale.normalise(t.importance)) if t.importance is not None else None
                ),
                "moment_of_truth": bool(t.moment_of_truth),
            }
        )
    if perf is not None and perf.metric == JOURNEY_SCORE and analysis is not None:
        # The score map knows every stage x channel cell; show undeclared ones with data too
        # (an unexpected channel at a stage should be seen, not dropped).
        declared = {(t.stage, t.channel) for t in journey.touchpoints}
        for cell in analysis.maps["score"].cells:
            if (cell.stage, cell.channel) not in declared and cell.n > 0:
                cells.append(
                    {
                        "stage": cell.stage,
                        "channel": cell.channel,
                        "touchpoint": None,
                        "value": _num(cell.value),
                        "n": int(cell.n),
                        "importance": None,
                        "moment_of_truth": False,
                    }
                )
    jmap: JourneyMap = {
        "metric": perf.label if perf is not None else "Performance (0-100)",
        "unit": "score",
        "scale": {"min": 0.0, "max": 100.0},
        "direction": "higher_is_better",
        "stages": [
            {"id": s.id, "label": s.label or _label(None, "stage", s.id)} for s in journey.stages
        ],
        "channels": [
            {"id": c.id, "label": c.label or _label(None, "channel", c.id)}
            for c in journey.channels
        ],
        "cells": cells,
        "decimals": 0,
    }
    if perf is None:
        jmap["note"] = "No survey answers at the journey's touchpoints in this period."
    elif not journey.touchpoints:
        jmap["note"] = "The journey declares no touchpoints (stage x channel) to map."
    return jmap


def _ipa(journey: Journey, perf: _Performance | None, settings: ReportSettings) -> Ipa:
    imp_scale = journey.importance_scale
    items: list[IPAItem] = []
    n_of: dict[str, int] = {}
    for t in journey.touchpoints:
        if t.importance is None or perf is None or t.id not in perf.values:
            continue
        score, n = perf.values[t.id]
        if n < settings.ipa_min_n:
            continue
        items.append(
            IPAItem(
                id=t.id,
                importance=min(100.0, max(0.0, imp_scale.normalise(t.importance))),
                performance=min(100.0, max(0.0, score)),
            )
        )
        n_of[t.id] = n
    if not items:
        note = (
            "No touchpoint has both a stated importance and enough answers "
            f"(at least {settings.ipa_min_n}) in this period."
        )
        return {"crosshair": {"importance": 50.0, "performance": 50.0}, "items": [], "note": note}
    c_imp, c_perf = ipa_crosshair(items, settings.ipa_crosshair)
    labels = {
        t.id: t.label
        or f"{_label(journey, 'stage', t.stage)} · {_label(journey, 'channel', t.channel)}"
        for t in journey.touchpoints
    }
    out: list[IpaItem] = [
        {
            "id": r.id,
            "label": labels.get(r.id, r.id),
            "importance": r.importance,
            "performance": r.performance,
            "gap": r.gap,
            "quadrant": r.quadrant,
            "rank": r.rank,
            "n": n_of[r.id],
        }
        for r in ipa(items, settings.ipa_crosshair)
    ]
    where = "the data means" if settings.ipa_crosshair == "means" else "the scale midpoints"
    return {
        "crosshair": {"importance": c_imp, "performance": c_perf},
        "items": out,
        "importance_method": (
            f"stated (journey touchpoint importance, {imp_scale.min:g}-{imp_scale.max:g} "
            f"scaled 0-100); performance: {perf.label if perf else '-'}; crosshair at {where}"
        ),
    }


def _curve(journey: Journey, analysis: JourneyAnalysis) -> ExperienceCurve:
    curve = analysis.curve
    points: list[CurvePoint] = [
        {
            "stage": p.stage,
            "label": _label(journey, "stage", p.stage),
            "value": _num(p.score.mean) if p.score.n else None,
            "low": _num(p.score.low) if p.score.n else None,
            "high": _num(p.score.high) if p.score.n else None,
            "n": int(p.score.n),
            "low_sample": bool(p.low_sample),
            "moment_of_truth": bool(p.moments_of_truth),
        }
        for p in curve.points
    ]
    out: ExperienceCurve = {
        "metric": "Mean normalised answer (0-100, 100 best)",
        "level": curve.confidence,
        "points": points,
    }
    if not any(p["n"] for p in points):
        out["points"] = []
        out["note"] = "No survey answers on the journey's stages in this period."
    return out


def _funnel(journey: Journey, analysis: JourneyAnalysis) -> Funnel:
    f = analysis.funnel
    steps: list[FunnelStep] = [
        {
            "stage": s.stage,
            "label": _label(journey, "stage", s.stage),
            "count": int(s.reached),
            "step": _proportion(s.step) if s.step is not None and i else None,
            "overall": _proportion(s.overall),
        }
        for i, s in enumerate(f.steps)
    ]
    out: Funnel = {
        "unit": "customers" if f.unit == "person" else "journeys",
        "window": _human(f.window),
        "level": f.confidence,
        "steps": steps if f.n_units else [],
    }
    if not f.n_units:
        out["note"] = "No customer reached the first funnel stage in this period."
    elif f.n_open:
        out["note"] = (
            f"{f.n_open:,} {out['unit']} started less than {_human(f.window)} before the end "
            "and may still convert; they are counted as they are."
        )
    return out


def _breaks(journey: Journey, analysis: JourneyAnalysis, settings: ReportSettings) -> Breaks:
    report = analysis.breaks
    groups: list[tuple[int, list[BreakRow]]] = []
    for rule in report.rules:
        label = _BREAK_LABELS.get(rule.kind, _label(None, "stage", rule.name))
        if rule.name != rule.kind:
            label = f"{label} ({rule.name})"
        by_channel: list[ChannelRate] = [
            {"channel": _label(journey, "channel", g.value), "rate": _proportion(g.rate)}
            for g in rule.by_channel
            if g.rate.n > 0
        ]
        rows: list[BreakRow] = [
            {
                "rule": rule.name,
                "label": label,
                "description": rule.description,
                "touchpoint": None,
                "rate": _proportion(rule.overall),
                "by_channel": by_channel,
            }
        ]
        # Touchpoint rows only where breaks happen, and only when they say more than the
        # whole-journey row (a rule with one touchpoint would repeat it).
        cells = [
            c for c in rule.by_touchpoint if c.rate.n >= settings.break_min_n and c.rate.count > 0
        ]
        if len([c for c in rule.by_touchpoint if c.rate.n > 0]) < 2:
            cells = []
        cells.sort(key=lambda c: (-(c.rate.rate or 0.0), -c.rate.count, c.touchpoint))
        for c in cells[: settings.break_touchpoints]:
            rows.append(
                {
                    "rule": rule.name,
                    "label": label,
                    "description": "",
                    "touchpoint": c.touchpoint,
                    "rate": _proportion(c.rate),
                    "by_channel": [],
                }
            )
        groups.append((int(rule.overall.count), rows))
    # The rules that break the most journeys first; each with its touchpoints right after.
    groups.sort(key=lambda g: -g[0])
    out: Breaks = {"level": report.confidence, "rows": [r for _, rows in groups for r in rows]}
    if not any(r["rate"]["n"] for r in out["rows"]):
        out["note"] = "No break rule found an opportunity (contacts, stages) in this period."
    return out


def _trends(
    results: ResultSet,
    kpi_ids: Sequence[str],
    labels: Mapping[str, str],
    engine: MetricEngine,
    grain: str,
    tz: ZoneInfo,
) -> Trends:
    series: list[TrendSeries] = []
    for vid in kpi_ids:
        rows = [r for r in results.of(vid) if not r.group and r.period is not None]
        if not any(r.value is not None for r in rows):
            continue
        definition = engine.calculator(vid).definition
        points: list[TrendPoint] = []
        for r in rows:
            assert r.period is not None
            start = datetime.fromisoformat(r.period["start"])
            value = _num(r.value)
            low = _num(r.interval.low) if r.interval is not None and value is not None else None
            high = _num(r.interval.high) if r.interval is not None and value is not None else None
            if low is None or high is None:
                low = high = None
            point: TrendPoint = {
                "start": _ts(start),
                "value": value,
                "low": low,
                "high": high,
                "significant": bool(r.change is not None and r.change.significant),
                "label": _point_label(start.astimezone(tz), grain),
                "n": int(r.n),
                "p_value": _num(r.change.p_value) if r.change is not None else None,
            }
            points.append(point)
        s: TrendSeries = {
            "kpi": vid,
            "label": labels.get(vid, definition.label),
            "unit": definition.unit,
            "direction": definition.direction,
            "points": points,
        }
        decimals = _decimals(vid, definition.unit)
        if decimals is not None:
            s["decimals"] = decimals
        series.append(s)
    out: Trends = {"series": series}
    if not series:
        out["note"] = "No KPI has data in the trend periods."
    return out


def _point_label(start: datetime, grain: str) -> str:
    if grain == "month":
        return start.strftime("%b %Y")
    if grain == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    if grain == "year":
        return str(start.year)
    return start.strftime("%Y-%m-%d")


def _sources(store: Store) -> list[Source]:
    per: dict[str, dict[str, int]] = {}
    for (kind, source), n in store.counts().items():
        per.setdefault(source, {})[kind] = per.setdefault(source, {}).get(kind, 0) + n
    names = {"customer": "customers", "interaction": "interactions", "response": "responses"}
    return [
        {
            "name": source,
            "records": sum(kinds.values()),
            "label": ", ".join(f"{n:,} {names.get(k, k)}" for k, n in sorted(kinds.items())),
        }
        for source, kinds in sorted(per.items())
    ]


# -- the journeys -------------------------------------------------------------------------------


def _journeys(
    ws: Workspace,
    config: JourneyAnalysisConfig | None,
    period: _Period,
    settings: ReportSettings,
) -> JourneyAnalysis:
    journey = ws.journey
    assert journey is not None
    cfg = config or JourneyAnalysisConfig()
    load = cfg.load
    if load.start is None and load.end is None:
        start = period.start if settings.journey_scope == "period" else None
        load = attrs.evolve(load, start=start, end=period.end)
    started = time.perf_counter()
    elog: EventLog = load_events(ws.store, journey, load, identity_keys=ws.config.identity_keys)
    if cfg.funnel.steps is None:
        # The default funnel runs through the stages the data shows progress at: a stage no
        # source reports (e.g. "discover" without web analytics) would zero every later step.
        present = set(
            np.unique(elog.stage[(elog.kind == INTERACTION) & (elog.stage >= 0)]).tolist()
        )
        steps = tuple(s.id for i, s in enumerate(journey.stages) if i in present)
        if len(steps) >= 1:
            cfg = attrs.evolve(
                cfg,
                funnel=attrs.evolve(cfg.funnel, steps=steps),
                time_to_next=(
                    attrs.evolve(cfg.time_to_next, steps=steps)
                    if cfg.time_to_next.steps is None
                    else cfg.time_to_next
                ),
            )
    return analyse_log(elog, cfg, timings={"load": round(time.perf_counter() - started, 4)})


# -- the document -------------------------------------------------------------------------------


def build_document(
    workspace: Workspace,
    *,
    period: PeriodSpec = None,
    compare: Literal["previous"] | None = "previous",
    kpis: Sequence[str] = DEFAULT_KPIS,
    journey_config: JourneyAnalysisConfig | None = None,
    ipa_metric: str | None = None,
    trend_grain: Literal["day", "week", "month", "quarter", "year"] = "month",
    title: str | None = None,
    settings: ReportSettings | None = None,
    progress: Progress | None = None,
) -> ReportDocument:
    """The report document of a workspace's data, validated.

    Args:
        workspace: its store is read; its journey drives the journey sections.
        period: the report period (see :data:`PeriodSpec`); default: the last calendar
            quarter the data covers whole, else the whole data range.
        compare: ``"previous"``: KPI changes against the previous period (the previous
            month/quarter/year when the period is one, else the same length just before),
            with their significance; ``None``: no comparison.
        kpis: headline metric ids, in card order; those without data are left out.
        journey_config: the journey analyses' configuration (default: the journey's stages
            with events as funnel steps, every break rule with its default window).
        ipa_metric: the performance metric of the importance-performance grid (a metric id
            with a bounded range, or ``"score"``); default: ``settings.performance_metrics``.
        trend_grain: the trends' period grain.
        title: the page title (default: project name and period).
        settings: per-metric and per-section choices (:class:`ReportSettings`).
        progress: called as ``progress(step, seconds)`` after each step (``overview``,
            ``metrics``, ``journeys``, ``document``), for progress display and timing.

    Raises:
        ConfigError: an unreadable period.
        MetricDefinitionError: an unknown metric id.
        RecordValidationError: the document does not validate (a bug: please report it).
    """
    ws = workspace
    cfg = settings or ReportSettings()
    tz = ZoneInfo(ws.config.timezone)
    store = ws.store

    def step(name: str, since: float) -> float:
        now = time.perf_counter()
        if progress is not None:
            progress(name, now - since)
        log.debug("report: %s took %.3f s", name, now - since)
        return now

    t = time.perf_counter()
    overview = _overview(store)
    explicit = parse_period(period, ws.config.timezone)
    if explicit is not None:
        rp = _classify(explicit[0], explicit[1], tz)
    elif overview.first is not None and overview.last is not None:
        rp = _auto_period(overview.first, overview.last, tz)
    else:
        today = datetime.now(tz)
        q = (today.month - 1) // 3 + 1
        rp = _quarter(today.year, q, tz)
    prev = _previous(rp, tz) if compare == "previous" else None
    t = step("overview", t)

    # -- metrics: one scan of the store feeds the KPI, trend and touchpoint plans ----------
    defaults = metric_defaults(ws.config.metrics)
    min_n = cfg.min_n if cfg.min_n is not None else int(defaults.get("min_n", 30))
    confidence = float(defaults.get("confidence", 0.95))
    perf_candidates = ((ipa_metric,) if ipa_metric else cfg.performance_metrics) + (
        (cfg.map_metric,) if cfg.map_metric else ()
    )
    wanted = list(dict.fromkeys([*kpis, *(cfg.trend_kpis or ()), *perf_candidates]))
    metrics = _adapt_metrics(ws, wanted, overview, cfg, min_n, confidence)
    engine = metrics.engine
    if ipa_metric and ipa_metric in metrics.ids:
        chosen = engine.calculator(metrics.ids[ipa_metric][0]).definition
        if chosen.value_range is None:
            raise MetricDefinitionError(
                f"ipa_metric {ipa_metric!r} ({chosen.unit}) has no bounded range to normalise "
                "performance to 0-100; use a share or score metric, or 'score'"
            )
    for metric, why in metrics.dropped.items():
        log.warning("report: metric %s left out: %s", metric, why)
    if ("churn_rate" in metrics.ids or "retention_rate" in metrics.ids) and (
        "churned_at" not in overview.customer_attributes.split("\n")
        and not any(
            k in ("churn_rate", "retention_rate") and "churned_field" in v
            for k, v in _merged_config(ws, cfg).items()
        )
    ):
        # Without any churn date the engine would report 0 % churn: absent, not zero.
        metrics = attrs.evolve(
            metrics,
            ids={k: v for k, v in metrics.ids.items() if k not in ("churn_rate", "retention_rate")},
        )
    kpi_ids = [v for m in kpis if m in metrics.ids for v in metrics.ids[m]]
    trend_ids = (
        [v for m in cfg.trend_kpis if m in metrics.ids for v in metrics.ids[m]]
        if cfg.trend_kpis is not None
        else kpi_ids
    )
    perf_metrics = [m for m in perf_candidates if m in metrics.ids]
    perf_ids = list(dict.fromkeys(v for m in perf_metrics for v in metrics.ids[m]))
    plans: list[Plan] = []
    if kpi_ids:
        plans.append(
            engine.plan(
                kpi_ids,
                grain=rp.grain if compare == "previous" and rp.grain else None,
                start=rp.start,
                end=rp.end,
                compare=compare == "previous",
            )
        )
    trend_start = _trend_start(rp.end, trend_grain, cfg.trend_periods, tz)
    if trend_ids:
        plans.append(
            engine.plan(trend_ids, grain=trend_grain, start=trend_start, end=rp.end, compare=True)
        )
    if perf_ids and ws.journey is not None:
        plans.append(engine.plan(perf_ids, by=["touchpoint"], start=rp.start, end=rp.end))
    results = _run(store, plans)
    kpi_results = results.pop(0) if kpi_ids else None
    trend_results = results.pop(0) if trend_ids else None
    tp_results = results.pop(0) if perf_ids and ws.journey is not None else None
    t = step("metrics", t)

    labels = dict(cfg.labels)
    cards: list[Kpi] = []
    if kpi_results is not None:
        for vid in kpi_ids:
            # One reported period: the report period (the previous one only feeds the change).
            rows = [r for r in kpi_results.of(vid) if not r.group]
            rows = [r for r in rows if r.n > 0 and r.value is not None]
            if not rows:
                continue
            definition = engine.calculator(vid).definition
            label = labels.get(vid, definition.label)
            cards.append(_kpi(rows[-1], definition, label, _decimals(vid, definition.unit)))

    # -- journeys ---------------------------------------------------------------------------
    analysis: JourneyAnalysis | None = None
    journey = ws.journey
    if journey is not None:
        analysis = _journeys(ws, journey_config, rp, cfg)
    t = step("journeys", t)

    def performance(metric: str) -> _Performance | None:
        if metric == JOURNEY_SCORE:
            return _score_performance(analysis)
        if tp_results is None or metric not in metrics.ids:
            return None
        return _engine_performance(metric, metrics.ids[metric], tp_results, engine)

    def first_performance(candidates: Sequence[str]) -> _Performance | None:
        for m in candidates:
            p = performance(m)
            if p is not None:
                return p
        return None

    doc: dict[str, Any] = {}
    meta: Meta = {
        "project": ws.config.name,
        "generated_at": _ts(datetime.now(UTC).replace(microsecond=0)),
        "period": rp.doc(),
        "previous_period": prev.doc() if prev is not None else None,
        "sources": _sources(store),
        "title": title or f"{ws.config.name}: customer experience, {rp.label or _range(rp, tz)}",
    }
    doc["meta"] = meta
    doc["kpis"] = cards
    if journey is not None and analysis is not None:
        map_perf = first_performance(
            (cfg.map_metric,)
            if cfg.map_metric
            else (ipa_metric,)
            if ipa_metric
            else cfg.performance_metrics
        )
        ipa_perf = first_performance((ipa_metric,) if ipa_metric else cfg.performance_metrics)
        doc["journey_map"] = _journey_map(journey, map_perf, analysis)
        scope: str | None = None
        if journey_config is None or (
            journey_config.load.start is None and journey_config.load.end is None
        ):
            scope = (
                f"Journeys from every event up to {_last_day(rp, tz)}."
                if cfg.journey_scope == "all"
                else f"Journeys from the events of {rp.label or _range(rp, tz)} only."
            )
        doc["experience_curve"] = _noted(_curve(journey, analysis), scope)
        doc["funnel"] = _noted(_funnel(journey, analysis), scope)
        doc["breaks"] = _noted(_breaks(journey, analysis, cfg), scope)
        doc["ipa"] = _ipa(journey, ipa_perf, cfg)
    if trend_results is not None:
        doc["trends"] = _trends(trend_results, trend_ids, labels, engine, trend_grain, tz)
    else:
        doc["trends"] = {"series": [], "note": "No KPI has data in the trend periods."}
    document = validate_document(doc)
    step("document", t)
    return document


def _last_day(rp: _Period, tz: ZoneInfo) -> str:
    return f"{(rp.end - timedelta(microseconds=1)).astimezone(tz):%Y-%m-%d}"


def _range(rp: _Period, tz: ZoneInfo) -> str:
    return f"{rp.start.astimezone(tz):%Y-%m-%d} to {_last_day(rp, tz)}"


_S = TypeVar("_S", ExperienceCurve, Funnel, Breaks)


def _noted(section: _S, note: str | None) -> _S:
    """The section with ``note`` added after any note it has."""
    if note:
        old = section.get("note")
        section["note"] = f"{old} {note}" if old else note
    return section


def _trend_start(end: datetime, grain: str, periods: int, tz: ZoneInfo) -> datetime:
    e = (end - timedelta(microseconds=1)).astimezone(tz)
    if grain == "month":
        return _month_start(e.year, e.month - periods + 1, tz)
    if grain == "quarter":
        q0 = e.month - (e.month - 1) % 3
        return _month_start(e.year, q0 - 3 * (periods - 1), tz)
    if grain == "year":
        return _month_start(e.year - periods + 1, 1, tz)
    days = {"day": 1, "week": 7}[grain]
    return end - timedelta(days=days * periods)


def write_report(
    workspace: Workspace, out_dir: str | os.PathLike[str], **options: Any
) -> ReportPaths:
    """Build the report document (``options`` as :func:`build_document`) and write it.

    Returns the paths of ``report.html`` and ``report.json`` in ``out_dir``.
    """
    return render_report(build_document(workspace, **options), out_dir)
