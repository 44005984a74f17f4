"""``cxcore journeys``: the journey analyses of the store's data, as tables or JSON.

Every subcommand loads the stitched event log once (``--from``/``--to`` bound it) and runs
one analysis; ``all`` runs every one. ``--format json`` prints the analysis' ``as_dict()``,
the same JSON the Python API gives.
"""

from __future__ import annotations

import functools
import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, cast
from zoneinfo import ZoneInfo

import attrs
import click
import numpy as np

from ..errors import ConfigError
from ..journeys import (
    INTERACTION,
    BreakConfig,
    BreakReport,
    CurveConfig,
    EventLog,
    ExperienceCurve,
    FunnelConfig,
    FunnelResult,
    JourneyAnalysis,
    JourneyAnalysisConfig,
    JourneyMap,
    LoadConfig,
    PathConfig,
    PathsResult,
    TimeToNextConfig,
    TimeToNextResult,
    Unit,
    analyse_log,
    break_map,
    count_map,
    experience_curve,
    journey_breaks,
    load_events,
    score_map,
    stage_funnel,
    time_to_next_stage,
    top_paths,
)
from ..journeys import Proportion as JourneyProportion
from ._common import CliState, emit_json, format_option, pass_state, table

__all__ = ["journeys"]

F = TypeVar("F", bound=Callable[..., Any])


# -- shared plumbing --------------------------------------------------------------------------


def _when(text: str | None, tz: ZoneInfo, what: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO date or timestamp", param_hint=what
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _load(state: CliState, start: str | None, end: str | None) -> EventLog:
    ws = state.workspace()
    if ws.journey is None:
        raise ConfigError("journey analyses need a journey: add a [journey] to cxcore.toml")
    tz = ZoneInfo(ws.config.timezone)
    config = LoadConfig(start=_when(start, tz, "--from"), end=_when(end, tz, "--to"))
    return load_events(ws.store, ws.journey, config, identity_keys=ws.config.identity_keys)


def _split(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _stages_with_events(log: EventLog) -> tuple[str, ...] | None:
    """Stages interactions reach, in journey order (a stage no source reports would zero
    every later funnel step); ``None`` when there are none."""
    present = set(np.unique(log.stage[(log.kind == INTERACTION) & (log.stage >= 0)]).tolist())
    steps = tuple(s.id for i, s in enumerate(log.journey.stages) if i in present)
    return steps or None


def _common(func: F) -> F:
    """``--from``, ``--to`` and ``--format`` on every subcommand."""

    @click.option("--from", "start", metavar="DATE", help="Only events from DATE (ISO, inclusive).")
    @click.option("--to", "end", metavar="DATE", help="Only events before DATE (ISO, exclusive).")
    @format_option
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return cast(F, wrapper)


_unit_option = click.option(
    "--unit",
    type=click.Choice(["person", "instance"]),
    help="Count customers (person) or journey instances (default: the analysis' own).",
)


def _unit(value: str | None, default: Unit) -> Unit:
    return cast(Unit, value) if value in ("person", "instance") else default


def _pct(rate: float | None, decimals: int = 1) -> str:
    return "-" if rate is None else f"{rate * 100:.{decimals}f}%"


def _prop(p: JourneyProportion | None) -> tuple[str, str]:
    if p is None or p.n == 0:
        return "-", ""
    return _pct(p.rate), f"{_pct(p.low)}-{_pct(p.high)}"


def _dur(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"


def _wrap(text: str) -> str:
    """Prose lines wrapped at 80 columns (tables are kept narrow by their columns)."""
    return textwrap.fill(text, width=80, subsequent_indent="  ")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


# -- tables -----------------------------------------------------------------------------------


def _funnel_table(f: FunnelResult) -> str:
    rows = []
    for s in f.steps:
        step, step_ci = _prop(s.step)
        overall, overall_ci = _prop(s.overall)
        rows.append([s.stage, f"{s.reached:,}", step, step_ci, overall, overall_ci])
    unit = "customers" if f.unit == "person" else "journeys"
    window = "no window" if f.window is None else f"window {f.window.days} days"
    lines = [
        table(rows, ["stage", unit, "step", "interval", "overall", "interval"]),
        f"{f.n_units:,} {unit} with progress; {window}; {f.n_open:,} still open"
        + (" (excluded)" if f.excluded_open else ""),
    ]
    for g in f.breakdowns:
        last = g.steps[-1] if g.steps else None
        if last is None:
            continue
        first = g.steps[0].reached
        rate, ci = _prop(last.overall)
        lines.append(
            f"  {g.dimension} {g.value or '(none)'}: {first:,} started, {rate} [{ci}] "
            f"reached {last.stage}"
        )
    return "\n".join(lines)


def _timing_table(t: TimeToNextResult) -> str:
    rows = [
        [
            f"{tr.stage} > {tr.next_stage}",
            f"{tr.n_entered:,}",
            f"{tr.n_moved:,}",
            f"{tr.n_censored:,}",
            _dur(tr.median_s),
            _dur(tr.p90_s),
        ]
        for tr in t.transitions
    ]
    return "\n".join(
        [
            table(rows, ["transition", "entered", "moved", "censored", "median", "p90"]),
            _wrap(f"censoring: {t.censoring}"),
        ]
    )


def _paths_table(p: PathsResult) -> str:
    rows: list[list[Any]] = [
        [
            i + 1,
            f"{v.count:,}",
            _pct(v.share),
            _clip(" > ".join(v.steps) + (" >..." if v.truncated else ""), 56),
        ]
        for i, v in enumerate(p.top)
    ]
    rows.append(
        ["", f"{p.other_count:,}", _pct(p.other_share), f"other ({p.other_variants:,} paths)"]
    )
    unit = "customers" if p.unit == "person" else "journeys"
    return "\n".join(
        [
            table(rows, ["#", unit, "share", "path"]),
            f"{p.n_units:,} {unit}, {p.n_variants:,} distinct paths",
        ]
    )


def _breaks_table(report: BreakReport, rule_name: str | None = None) -> str:
    rules = [r for r in report.rules if rule_name is None or r.name == rule_name]
    if rule_name is not None and not rules:
        names = ", ".join(r.name for r in report.rules)
        raise click.BadParameter(f"no rule {rule_name!r}; rules: {names}", param_hint="--rule")
    rows = []
    for r in rules:
        rate, ci = _prop(r.overall)
        rows.append([r.name, f"{r.overall.count:,}", f"{r.overall.n:,}", rate, ci])
    lines = [table(rows, ["rule", "breaks", "of", "rate", "interval"])]
    for r in rules:
        if rule_name is None and r.overall.count == 0:
            continue  # the overview details only the rules that found breaks
        cells = sorted(
            (c for c in r.by_touchpoint if c.rate.n > 0 and (rule_name or c.rate.count > 0)),
            key=lambda c: (-(c.rate.rate or 0.0), c.touchpoint),
        )[: None if rule_name else 3]
        channels = [g for g in r.by_channel if g.rate.n > 0]
        lines.append("")
        lines.append(_wrap(f"{r.name}: {r.description}"))
        for c in cells:
            rate, ci = _prop(c.rate)
            mot = " (moment of truth)" if c.moment_of_truth else ""
            lines.append(_clip(f"  at {c.touchpoint}: {rate} [{ci}] of {c.rate.n:,}{mot}", 80))
        if channels:
            chips = ", ".join(f"{g.value or '(none)'} {_pct(g.rate.rate)}" for g in channels)
            lines.append(_clip(f"  by channel: {chips}", 80))
    return "\n".join(lines)


def _curve_table(c: ExperienceCurve) -> str:
    rows = []
    for p in c.points:
        e = p.score
        ci = "-" if e.low is None or e.high is None else f"{e.low:.0f}-{e.high:.0f}"
        flags = ",".join(
            f
            for f, on in (("low n", p.low_sample), ("moment of truth", bool(p.moments_of_truth)))
            if on
        )
        rows.append([p.stage, f"{e.n:,}", "-" if e.mean is None else f"{e.mean:.1f}", ci, flags])
    items = "every item" if c.items is None else ", ".join(c.items)
    return "\n".join(
        [
            table(rows, ["stage", "answers", "score", "interval", "flags"]),
            _clip(f"mean normalised answer (0-100, 100 best) of {items}", 80),
        ]
    )


def _map_table(m: JourneyMap) -> str:
    rows = []
    for c in m.cells:
        if c.n == 0 and c.touchpoint is None:
            continue
        if c.value is None:
            value = "-"
        elif m.statistic == "rate":
            value = _pct(c.value)
        elif m.statistic == "count":
            value = f"{c.value:,.0f}"
        else:
            value = f"{c.value:.1f}"
        ci = (
            ""
            if c.low is None or c.high is None
            else (
                f"{_pct(c.low, 0)}-{_pct(c.high, 0)}"
                if m.statistic == "rate"
                else f"{c.low:.0f}-{c.high:.0f}"
            )
        )
        rows.append(
            [
                c.stage,
                c.channel,
                _clip(c.touchpoint or "-", 20),
                f"{c.n:,}",
                value,
                ci,
                "MoT" if c.moment_of_truth else "",
            ]
        )
    if not rows:
        return f"{m.metric}: no data on the journey's grid"
    return "\n".join(
        [
            table(rows, ["stage", "channel", "touchpoint", "n", "value", "interval", ""]),
            f"metric {m.metric} ({m.statistic}); MoT = moment of truth",
        ]
    )


# -- commands ---------------------------------------------------------------------------------


@click.group()
def journeys() -> None:
    """Journey analyses: funnel, time to next stage, paths, breaks, curve and map.

    Each loads the store's events stitched per customer against the project's journey
    ([journey] in cxcore.toml) and prints a table, or with --format json the analysis'
    as_dict(). See docs/journeys.md.
    """


@journeys.command("funnel")
@click.option("--steps", multiple=True, help="Stage ids in order (default: stages with events).")
@click.option(
    "--window",
    type=click.IntRange(min=0),
    default=90,
    show_default=True,
    help="Days from the first step within which later steps count (0: no limit).",
)
@_unit_option
@_common
@pass_state
def funnel_command(
    state: CliState,
    steps: tuple[str, ...],
    window: int,
    unit: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Stage funnel: step and overall conversion with Wilson intervals."""
    log = _load(state, start, end)
    config = FunnelConfig(
        steps=_split(steps) or _stages_with_events(log),
        window=timedelta(days=window) if window else None,
        unit=_unit(unit, "person"),
    )
    result = stage_funnel(log, config)
    emit_json(result.as_dict()) if fmt == "json" else click.echo(_funnel_table(result))


@journeys.command("timing")
@click.option("--steps", multiple=True, help="Stage ids in order (default: stages with events).")
@_unit_option
@_common
@pass_state
def timing_command(
    state: CliState,
    steps: tuple[str, ...],
    unit: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Time to the next stage: median and p90, customers still waiting censored."""
    log = _load(state, start, end)
    config = TimeToNextConfig(
        steps=_split(steps) or _stages_with_events(log), unit=_unit(unit, "person")
    )
    result = time_to_next_stage(log, config)
    emit_json(result.as_dict()) if fmt == "json" else click.echo(_timing_table(result))


@journeys.command("paths")
@click.option(
    "--by",
    type=click.Choice(["stage", "touchpoint"]),
    default="stage",
    show_default=True,
    help="Path steps: stages or touchpoints.",
)
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True)
@_unit_option
@_common
@pass_state
def paths_command(
    state: CliState,
    by: str,
    top: int,
    unit: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Top paths with an explicit "other" bucket (the counts always add up)."""
    log = _load(state, start, end)
    config = PathConfig(
        by=cast(Literal["stage", "touchpoint"], by), top=top, unit=_unit(unit, "instance")
    )
    result = top_paths(log, config)
    emit_json(result.as_dict()) if fmt == "json" else click.echo(_paths_table(result))


@journeys.command("breaks")
@click.option("--rule", "rule_name", help="Show one rule in detail (every touchpoint).")
@_common
@pass_state
def breaks_command(
    state: CliState, rule_name: str | None, start: str | None, end: str | None, fmt: str
) -> None:
    """Journey breaks: every declared rule, where breaks start, by channel."""
    log = _load(state, start, end)
    result = journey_breaks(log, BreakConfig())
    if fmt == "json":
        emit_json(result.as_dict())
    else:
        click.echo(_breaks_table(result, rule_name))


@journeys.command("curve")
@click.option("--items", multiple=True, help="Survey items to use (default: every item).")
@_common
@pass_state
def curve_command(
    state: CliState, items: tuple[str, ...], start: str | None, end: str | None, fmt: str
) -> None:
    """Experience curve: mean normalised answer (0-100) per stage with its interval."""
    log = _load(state, start, end)
    result = experience_curve(log, CurveConfig(items=_split(items) or None))
    emit_json(result.as_dict()) if fmt == "json" else click.echo(_curve_table(result))


@journeys.command("map")
@click.option(
    "--metric",
    default="score",
    show_default=True,
    help="score (mean normalised answer), interactions, responses, or break:RULE "
    "(a break rule's rate, e.g. break:channel_switch).",
)
@click.option("--items", multiple=True, help="Survey items of the score (default: every item).")
@_common
@pass_state
def map_command(
    state: CliState,
    metric: str,
    items: tuple[str, ...],
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Journey map: a metric on the stage x channel grid, with n per touchpoint."""
    log = _load(state, start, end)
    result: JourneyMap
    if metric == "score":
        result = score_map(log, _split(items) or None)
    elif metric in ("interactions", "responses"):
        result = count_map(log, "interaction" if metric == "interactions" else "response")
    elif metric.startswith("break:"):
        report = journey_breaks(log, BreakConfig())
        name = metric.split(":", 1)[1]
        try:
            rule = report.rule(name)
        except (KeyError, LookupError):
            names = ", ".join(r.name for r in report.rules)
            raise click.BadParameter(
                f"no break rule {name!r}; rules: {names}", param_hint="--metric"
            ) from None
        result = break_map(log, rule, confidence=report.confidence)
    else:
        raise click.BadParameter(
            f"{metric!r}: expected score, interactions, responses or break:RULE",
            param_hint="--metric",
        )
    emit_json(result.as_dict()) if fmt == "json" else click.echo(_map_table(result))


@journeys.command("all")
@_common
@pass_state
def all_command(state: CliState, start: str | None, end: str | None, fmt: str) -> None:
    """Every analysis at once (JSON: the whole JourneyAnalysis.as_dict())."""
    log = _load(state, start, end)
    steps = _stages_with_events(log)
    config = JourneyAnalysisConfig()
    if steps is not None:
        config = attrs.evolve(
            config,
            funnel=attrs.evolve(config.funnel, steps=steps),
            time_to_next=attrs.evolve(config.time_to_next, steps=steps),
        )
    result: JourneyAnalysis = analyse_log(log, config)
    if fmt == "json":
        emit_json(result.as_dict())
        return
    s = result.summary
    span = (
        f"{s.first_event:%Y-%m-%d} to {s.last_event:%Y-%m-%d}"
        if s.first_event and s.last_event
        else "no events"
    )
    click.echo(
        _wrap(
            f"{s.n_events:,} events ({s.n_interactions:,} interactions, {s.n_responses:,} "
            f"responses), {s.n_persons:,} customers, {s.n_instances:,} journeys; {span}"
        )
    )
    if s.unattributed or s.unmapped:
        unmapped = ", ".join(f"{k} {v:,}" for k, v in sorted(s.unmapped.items()))
        click.echo(_wrap(f"left out: {s.unattributed:,} without a customer; {unmapped}"))
    for title, text in (
        ("Funnel", _funnel_table(result.funnel)),
        ("Time to next stage", _timing_table(result.time_to_next)),
        ("Top paths", _paths_table(result.paths)),
        ("Journey breaks", _breaks_table(result.breaks)),
        ("Experience curve", _curve_table(result.curve)),
        ("Journey map (score)", _map_table(result.maps["score"])),
    ):
        click.echo(f"\n{title}\n")
        click.echo(text)
