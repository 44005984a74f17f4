"""``cxcore demo``: an end-to-end run on embedded example data, no credentials, no network."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import click

from ..workspace import Workspace
from ._common import table

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@click.command()
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cxcore-demo"),
    show_default=True,
    help="Folder for the demo project, its store and outputs.",
)
def demo(out: Path) -> None:
    """Build a demo project from the bundled examples, ingest it and show what was stored."""
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for item in EXAMPLES.iterdir():
        if item.is_file():
            shutil.copy2(item, out / item.name)
    click.echo(f"demo project in {out}/ (journey and sources in {out}/cxcore.toml)")
    with Workspace.from_config(out / "cxcore.toml") as ws:
        paths = [
            out / p
            for s in ws.config.sources.values()
            if s.plugin == "file"
            for p in s.settings.get("paths", [])
        ]
        summary = ws.ingest_files(paths)
        click.echo(
            f"ingested {summary.accepted} record(s) from {len(paths)} file(s): "
            f"{summary.inserted} new, {summary.unchanged} unchanged, "
            f"{len(summary.rejected)} rejected"
        )
        rows = [(k, s, n) for (k, s), n in ws.store.counts().items()]
        click.echo(table(rows, ["kind", "source", "records"]))
    click.echo(f"store: {out / '.cxcore' / 'store.duckdb'} ({time.perf_counter() - started:.1f}s)")
