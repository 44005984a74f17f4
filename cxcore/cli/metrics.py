"""``cxcore metrics``: the KPI catalogue, computed metrics, the importance-performance grid."""

from __future__ import annotations

import math
from typing import Any

import click

from ..metrics import GRAINS, MetricEngine, ResultSet
from ..metrics.ipa import importance_performance
from ..metrics.registry import load_calculators
from ._common import CliState, emit_json, pass_state, table

__all__ = ["metrics"]


def _split(values: tuple[str, ...]) -> list[str]:
    """``--by stage --by channel`` and ``--by stage,channel`` both work."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _fmt_value(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "seconds":
        seconds = int(round(value))
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours >= 48:
            return f"{hours / 24:.1f}d"
        if hours:
            return f"{hours}h{minutes:02d}m"
        return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "currency":
        return f"{value:,.2f}"
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"


def _result_rows(results: ResultSet) -> tuple[list[list[Any]], list[str]]:
    headers = ["metric", *results.dims, "period", "n", "value", "interval", "change", "flags"]
    rows: list[list[Any]] = []
    for r in results:
        period = r.period["start"][:10] if r.period else "all"
        interval = "-"
        if r.interval is not None:
            interval = (
                f"[{_fmt_value(r.interval.low, r.unit)}, {_fmt_value(r.interval.high, r.unit)}]"
            )
        change = ""
        if r.change is not None and r.change.delta is not None:
            mark = " *" if r.change.significant else ""
            change = f"{r.change.delta:+.1f}{mark}"
        flags = ",".join(
            f for f, on in (("suppressed", r.suppressed), ("low n", r.low_sample)) if on
        )
        rows.append(
            [
                r.metric,
                *[r.group.get(d) or "-" for d in results.dims],
                period,
                r.n,
                _fmt_value(r.value, r.unit),
                interval,
                change,
                flags,
            ]
        )
    return rows, headers


@click.group()
def metrics() -> None:
    """KPIs: the catalogue, computed metrics with intervals, importance-performance.

    Metrics come from plugins (the built-in catalogue: nps, csat, ces, ...) and from
    [metrics.<id>] tables with a type in cxcore.toml. See docs/metrics.md.
    """


@metrics.command("list")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Human-readable table or the metric definitions as JSON.",
)
@pass_state
def list_metrics(state: CliState, fmt: str) -> None:
    """List every metric with its unit, scale, direction and what it reads."""
    ws = state.workspace()
    calculators = load_calculators(ws)
    providers = {name: ws.plugins.provider("metrics", name) for name in ws.plugins.metrics()}
    if fmt == "json":
        emit_json(
            [
                {**c.definition.to_dict(), "provider": providers.get(m, "cxcore.toml")}
                for m, c in sorted(calculators.items())
            ]
        )
        return
    rows = []
    for m, c in sorted(calculators.items()):
        d = c.definition
        scale = f"{d.scale.min:g}-{d.scale.max:g}" if d.scale is not None else "-"
        better = "higher" if d.direction == "higher_is_better" else "lower"
        rows.append(
            [
                m,
                d.label,
                d.unit,
                scale,
                better,
                ",".join(d.record_kinds) or "metrics",
                providers.get(m, "cxcore.toml"),
            ]
        )
    click.echo(table(rows, ["metric", "label", "unit", "scale", "better", "reads", "from"]))


@metrics.command("compute")
@click.argument("metric_ids", nargs=-1)
@click.option(
    "--by",
    "by",
    multiple=True,
    help="Dimensions to group by, e.g. --by stage,channel (stage, channel, touchpoint, "
    "segment, source, journey, item, type, pillar, survey, attributes.<key>).",
)
@click.option("--grain", type=click.Choice(GRAINS), help="Time grain, in the project's time zone.")
@click.option("--from", "start", metavar="DATE", help="Start of the period (inclusive), ISO date.")
@click.option("--to", "end", metavar="DATE", help="End of the period (exclusive), ISO date.")
@click.option(
    "--compare",
    is_flag=True,
    help="Add the change against the previous period, with its significance test.",
)
@click.option(
    "--min-n",
    type=click.IntRange(min=0),
    help="Flag results with fewer observations as low-sample (default 30).",
)
@click.option(
    "--suppress-below",
    type=click.IntRange(min=0),
    help="Hide values of groups smaller than this (default: per metric, 5 for employee metrics).",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 0.999),
    default=None,
    help="Confidence level of the intervals (default 0.95).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Table for people, JSON (metric-result records) or CSV rows.",
)
@pass_state
def compute(
    state: CliState,
    metric_ids: tuple[str, ...],
    by: tuple[str, ...],
    grain: str | None,
    start: str | None,
    end: str | None,
    compare: bool,
    min_n: int | None,
    suppress_below: int | None,
    confidence: float | None,
    fmt: str,
) -> None:
    """Compute METRIC_IDS (default: all) from the store.

    Example: cxcore metrics compute nps csat --by stage --grain month --compare
    """
    engine = MetricEngine.from_workspace(state.workspace())
    results = engine.compute(
        list(metric_ids) or None,
        by=_split(by),
        grain=grain,
        start=start,
        end=end,
        compare=compare,
        min_n=min_n,
        suppress_below=suppress_below,
        confidence=confidence,
    )
    if fmt == "json":
        emit_json(results.to_dicts())
    elif fmt == "csv":
        click.echo(results.to_csv(), nl=False)
    elif not len(results):
        click.echo("no results: the store has no records these metrics read")
    else:
        rows, headers = _result_rows(results)
        click.echo(table(rows, headers))
        if compare:
            click.echo("* significant change at the 5 % level")


@metrics.command("ipa")
@click.option("--metric", default="csat", show_default=True, help="Performance metric.")
@click.option(
    "--by",
    default="touchpoint",
    show_default=True,
    help="Criteria: touchpoint, item, pillar, stage, channel...",
)
@click.option(
    "--importance",
    type=click.Choice(["stated", "derived"]),
    default="stated",
    show_default=True,
    help="Stated (journey touchpoint importance) or derived (relative weights against --outcome).",
)
@click.option(
    "--outcome",
    default="nps",
    show_default=True,
    help="Outcome metric or item for derived importance.",
)
@click.option(
    "--respondent",
    default="journey_instance",
    show_default=True,
    help="Field tying one respondent's answers together.",
)
@click.option(
    "--crosshair",
    type=click.Choice(["means", "midpoint"]),
    default="means",
    show_default=True,
    help="Quadrant lines at the data means or at 50/50.",
)
@click.option("--from", "start", metavar="DATE", help="Start of the period, ISO date.")
@click.option("--to", "end", metavar="DATE", help="End of the period (exclusive), ISO date.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_state
def ipa_command(
    state: CliState,
    metric: str,
    by: str,
    importance: str,
    outcome: str,
    respondent: str,
    crosshair: str,
    start: str | None,
    end: str | None,
    fmt: str,
) -> None:
    """Importance-performance grid: gap, quadrant and priority of each criterion."""
    engine = MetricEngine.from_workspace(state.workspace())
    report = importance_performance(
        engine,
        metric=metric,
        by=by,
        importance=importance,  # type: ignore[arg-type]
        outcome=outcome,
        respondent=respondent,
        crosshair=crosshair,  # type: ignore[arg-type]
        start=start,
        end=end,
    )
    if fmt == "json":
        emit_json(report.to_dict())
        return
    rows = [
        [
            r.rank,
            r.id,
            f"{r.importance:.0f}",
            f"{r.performance:.0f}",
            f"{r.gap:+.0f}",
            r.quadrant,
            r.n,
        ]
        for r in report.rows
    ]
    click.echo(table(rows, ["rank", by, "importance", "performance", "gap", "quadrant", "n"]))
    click.echo(
        f"importance: {report.importance_method}; crosshair ({report.crosshair_mode}): "
        f"importance {report.crosshair[0]:.0f}, performance {report.crosshair[1]:.0f}"
    )
