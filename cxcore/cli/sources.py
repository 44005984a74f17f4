"""``cxcore sources``: list, check, discover and sync the sources configured in cxcore.toml."""

from __future__ import annotations

import sys
import time
from typing import TextIO

import click

from ..sdk.sync import (
    StreamSummary,
    SyncProgress,
    SyncSummary,
    check_sources,
    discover_streams,
    sync_sources,
)
from ._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    CliState,
    emit_json,
    fail,
    format_option,
    pass_state,
    table,
)


def _require_sources(state: CliState) -> None:
    if not state.workspace().config.sources:
        fail(
            "no sources configured; add one to cxcore.toml, e.g. [sources.support] with "
            'plugin = "zendesk" and its settings (see `cxcore plugins` for installed types)'
        )


@click.group()
def sources() -> None:
    """Configured sources: check credentials, list streams, sync into the store."""


@sources.command("list")
@format_option
@pass_state
def list_sources(state: CliState, fmt: str) -> None:
    """List the sources configured in cxcore.toml and whether their plugin is installed."""
    ws = state.workspace()
    installed = ws.plugins.sources()
    rows = [
        {
            "source": name,
            "plugin": cfg.plugin,
            "enabled": cfg.enabled,
            "installed": cfg.plugin in installed,
        }
        for name, cfg in ws.config.sources.items()
    ]
    if fmt == "json":
        emit_json(rows)
        return
    if not rows:
        click.echo("no sources configured in cxcore.toml")
        return
    click.echo(
        table(
            [
                (
                    r["source"],
                    r["plugin"],
                    "yes" if r["enabled"] else "no",
                    "yes" if r["installed"] else "NOT INSTALLED",
                )
                for r in rows
            ],
            ["source", "plugin", "enabled", "installed"],
        )
    )


@sources.command()
@click.argument("names", nargs=-1)
@format_option
@pass_state
def check(state: CliState, names: tuple[str, ...], fmt: str) -> None:
    """Check credentials and reachability (default: every enabled source).

    Prints one line per source; a failure says what to fix. Exit status 1 if any failed.
    """
    _require_sources(state)
    results = check_sources(state.workspace(), list(names) or None)
    if fmt == "json":
        emit_json(
            [
                {"source": r.source, "plugin": r.plugin, "ok": r.ok, "message": r.message}
                for r in results
            ]
        )
    else:
        for r in results:
            if r.ok:
                click.echo(f"ok: {r.line}")
            else:
                click.echo(f"error: {r.line}", err=True)
    sys.exit(EXIT_OK if all(r.ok for r in results) else EXIT_PARTIAL)


@sources.command()
@click.argument("name")
@format_option
@pass_state
def discover(state: CliState, name: str, fmt: str) -> None:
    """List a source's streams: primary key, cursor, what they map to (JSON: with schemas)."""
    streams = discover_streams(state.workspace(), name)
    if fmt == "json":
        emit_json([s.describe() for s in streams])
        return
    if not streams:
        click.echo(f"{name} has no streams (it is not an SDK source)")
        return
    rows = [
        (
            s.name,
            ",".join(s.primary_key),
            s.cursor_field or "(full refresh)",
            ",".join(s.produces) or "-",
            s.description,
        )
        for s in streams
    ]
    click.echo(table(rows, ["stream", "key", "cursor", "produces", "description"]))


class _Progress:
    """Live progress on stderr: one rewritten line on a terminal, a line per stream otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self._last = time.monotonic()
        self._width = 0

    def __call__(self, event: SyncProgress) -> None:
        text = (
            f"{event.source}/{event.stream}: {event.pages} pages, {event.records} records, "
            f"{event.rate:,.0f} rec/s"
        )
        if event.rejected:
            text += f", {event.rejected} rejected"
        if self.live:
            self._width = max(self._width, len(text))
            end = "\n" if event.done else ""
            self.out.write("\r" + text.ljust(self._width) + end)
            self.out.flush()
            if event.done:
                self._width = 0
        elif event.done or time.monotonic() - self._last >= 10:
            self._last = time.monotonic()
            self.out.write(text + ("" if event.done else " ...") + "\n")
            self.out.flush()


def _row(s: StreamSummary) -> tuple[object, ...]:
    return (
        s.source,
        s.stream,
        s.status,
        s.pages,
        s.records,
        s.inserted,
        s.updated,
        s.unchanged,
        s.rejected,
        f"{s.rate:,.0f}",
        f"{s.elapsed:.1f}",
    )


def _print_summary(summary: SyncSummary) -> None:
    headers = [
        "source", "stream", "status", "pages", "records", "new", "updated", "unchanged",
        "rejected", "rec/s", "secs",
    ]  # fmt: skip
    click.echo(table([_row(s) for s in summary.streams], headers))
    for s in summary.streams:
        if s.error:
            click.echo(f"{s.source}/{s.stream} failed: {s.error}")
        for note in s.notes:
            click.echo(f"{s.source}/{s.stream}: {note}")
    if summary.rejected:
        click.echo("rejected records are kept with their reasons; see `cxcore status`")


@sources.command()
@click.argument("names", nargs=-1)
@click.option("--stream", "-s", "streams", multiple=True, help="Only this stream (repeatable).")
@click.option("--full-refresh", is_flag=True, help="Ignore saved cursors and read everything.")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@format_option
@pass_state
def sync(
    state: CliState,
    names: tuple[str, ...],
    streams: tuple[str, ...],
    full_refresh: bool,
    quiet: bool,
    fmt: str,
) -> None:
    """Sync sources into the store (default: every enabled source), resuming where the last
    sync stopped.

    Progress goes to stderr; the summary to stdout. Exit status: 0 all streams finished with
    no rejected record, 1 a stream failed or records were rejected (everything accepted is
    kept), 2 configuration errors.
    """
    _require_sources(state)
    progress = None if quiet else _Progress(sys.stderr)
    summary = sync_sources(
        state.workspace(),
        list(names) or None,
        streams=list(streams) or None,
        full_refresh=full_refresh,
        progress=progress,
    )
    if fmt == "json":
        emit_json(summary.as_dict())
    else:
        _print_summary(summary)
    sys.exit(EXIT_OK if summary.ok and not summary.rejected else EXIT_PARTIAL)
