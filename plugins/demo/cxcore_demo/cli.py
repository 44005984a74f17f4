"""``cxcore demo``: the end-to-end demo on the command line.

Progress goes to stderr (one line per finished step; on a terminal, the running step is
updated in place), the summary to stdout: headline KPIs and the top three priorities, in
80 columns, then where the report is.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from .defaults import DEFAULT_CUSTOMERS, DEFAULT_SEED

if TYPE_CHECKING:
    from .run import DemoResult, ProgressEvent

__all__ = ["demo", "format_summary"]

_PHASES = {
    "generate": "generate",
    "serve": "serve",
    "sync": "sync",
    "report": "report",
    "done": "done",
}


class _ProgressLine:
    """Renders :class:`~cxcore_demo.run.ProgressEvent` s on a stream (stderr).

    Finished steps get a line each; on a terminal, the step under way is shown on one line
    rewritten in place (``\\r``), at most ten times a second, so paging is visible without
    flooding logs when stderr is a file.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._last = 0.0
        self._width = 0

    def __call__(self, event: ProgressEvent) -> None:
        text = (
            f"[{event.elapsed:5.1f}s] {_PHASES.get(event.phase, event.phase):<8} "
            f"{event.detail:<36.36} {event.records:>9,} records"
        )
        if event.done:
            self._write(text, final=True)
        elif self.live and time.monotonic() - self._last >= 0.1:
            self._write(text, final=False)

    def _write(self, text: str, *, final: bool) -> None:
        if self.live:
            pad = " " * max(0, self._width - len(text))
            self.stream.write("\r" + text + pad + ("\n" if final else ""))
            self._width = 0 if final else len(text)
            self._last = time.monotonic()
        elif final:
            self.stream.write(text + "\n")
        self.stream.flush()


def format_summary(result: DemoResult) -> str:
    """The terminal summary: KPIs and the top three priorities (80 columns), then paths."""
    from cxcore.report.summary import summary_text

    sync = result.sync
    lines = [
        summary_text(result.document, priorities=3),
        "",
        f"Synced {sync.records:,} vendor records ({result.records_stored:,} cxcore records) "
        f"from local Zendesk,",
        f"HubSpot and Medallia stand-ins in {result.timings['sync']:.1f} s; "
        f"total {result.timings['total']:.1f} s.",
        f"Report: {result.report_html}",
        f"JSON:   {result.report_json}",
        f"Project: {result.config} (store: {result.store.name})",
    ]
    return "\n".join(lines)


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cxcore-demo"),
    show_default=True,
    help="Folder for the demo project, its store and the report.",
)
@click.option(
    "--customers",
    type=click.IntRange(min=100, max=200_000),
    default=DEFAULT_CUSTOMERS,
    show_default=True,
    help="People in the synthetic company.",
)
@click.option(
    "--seed",
    type=int,
    default=DEFAULT_SEED,
    show_default=True,
    help="The company is the same for the same customers and seed.",
)
def demo(out: Path, customers: int, seed: int) -> None:
    """Run cxcore end to end on a synthetic mobile operator, offline.

    Builds Northwind Mobile (a year of Zendesk tickets and ratings, HubSpot contacts, deals
    and feedback, Medallia surveys), serves it from local stand-ins of the three APIs,
    syncs it through the real source plugins into a DuckDB store, computes the KPIs and the
    journey analyses, and writes an HTML report and its JSON into OUT. No credentials, no
    network.
    """
    from .run import run_demo

    result = run_demo(out, customers=customers, seed=seed, progress=_ProgressLine(sys.stderr))
    click.echo(format_summary(result))
