"""``cxcore report``: build the report from the store and write its HTML page and JSON file."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..report.build import DEFAULT_KPIS, build_document
from ..report.render import render_report
from ..report.summary import summary_dict, summary_text
from ._common import CliState, emit_json, format_option, pass_state

__all__ = ["report"]


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("report"),
    show_default=True,
    help="Folder for report.html and report.json.",
)
@click.option(
    "--period",
    metavar="PERIOD",
    help="START..END (ISO dates, end exclusive), YYYY-Qn, YYYY-MM or YYYY. "
    "Default: the last full quarter in the data, else the whole data range.",
)
@click.option(
    "--kpi",
    "kpis",
    multiple=True,
    help=f"Headline KPI ids, repeatable or comma-separated (default: {', '.join(DEFAULT_KPIS)}).",
)
@click.option(
    "--no-compare", is_flag=True, help="Leave out the change against the previous period."
)
@click.option("--title", help="Page title (default: project name and period).")
@format_option
@pass_state
def report(
    state: CliState,
    out: Path,
    period: str | None,
    kpis: tuple[str, ...],
    no_compare: bool,
    title: str | None,
    fmt: str,
) -> None:
    """Write the report (HTML page and JSON of all results) from the store's data.

    The page is self-contained (inline CSS and SVG, no network): headline KPIs with their
    change, the journey map, experience curve, funnel, journey breaks, the
    importance-performance grid with its priorities, and monthly trends. See docs/report.md.

    Example: cxcore report --out report --period 2024-Q2
    """
    started = time.perf_counter()
    chosen = [k.strip() for value in kpis for k in value.split(",") if k.strip()]
    document = build_document(
        state.workspace(),
        period=period,
        compare=None if no_compare else "previous",
        kpis=chosen or DEFAULT_KPIS,
        title=title,
    )
    paths = render_report(document, out)
    seconds = round(time.perf_counter() - started, 2)
    if fmt == "json":
        emit_json(
            {
                "html": str(paths.html),
                "json": str(paths.json),
                "seconds": seconds,
                **summary_dict(document),
            }
        )
        return
    click.echo(summary_text(document))
    click.echo("")
    click.echo(f"report: {paths.html}")
    click.echo(f"data:   {paths.json}  ({seconds:.1f} s)")
