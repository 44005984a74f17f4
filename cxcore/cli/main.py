"""The root ``cxcore`` group and the core commands (init, validate, ingest, status, ...)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import attrs
import click

from .. import __version__
from ..errors import CxcoreError
from ..files import Unparsed, read_records
from ._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    CliState,
    emit_json,
    fail,
    format_option,
    pass_state,
    table,
)
from .starter import STARTER_CONFIG


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cxcore")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Project file (default: ./cxcore.toml when present).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """cxcore: customer journeys, feedback and CX metrics from many sources."""
    state = CliState(config_path=config_path, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), default="cxcore.toml")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: Path, force: bool) -> None:
    """Write a commented starter cxcore.toml."""
    if path.exists() and not force:
        fail(f"{path} already exists (use --force to overwrite)")
    path.write_text(STARTER_CONFIG, encoding="utf-8")
    click.echo(f"wrote {path}; edit the journey, then run `cxcore ingest FILE`")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--schema", "schema_name", required=True, help="Schema name, see `cxcore schemas`.")
@format_option
@pass_state
def validate(state: CliState, files: tuple[str, ...], schema_name: str, fmt: str) -> None:
    """Check JSON or JSONL files against a named schema; list every error."""
    validator = state.workspace().validator(schema_name)
    problems: list[dict[str, Any]] = []
    checked = 0
    for file in files:
        for locator, _kind, record in read_records(file, kind=schema_name):
            checked += 1
            if isinstance(record, Unparsed):
                problems.append(
                    {
                        "locator": locator,
                        "pointer": "",
                        "message": f"not valid JSON: {record.error}",
                    }
                )
            elif not validator.is_valid(record):
                for err in validator.errors(record):
                    problems.append({"locator": locator, **attrs.asdict(err)})
    if fmt == "json":
        emit_json({"schema": schema_name, "checked": checked, "errors": problems})
    else:
        for p in problems:
            click.echo(f"{p['locator']}: {p['pointer'] or '(record)'}: {p['message']}")
        bad = len({p["locator"] for p in problems})
        click.echo(f"{checked} record(s) checked against {schema_name}: {bad} invalid")
    sys.exit(EXIT_PARTIAL if problems else EXIT_OK)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["customer", "interaction", "response"]),
    help="Kind of every record (default: each record's `kind` field).",
)
@click.option(
    "--source", default="file", show_default=True, help="Source name for records without one."
)
@format_option
@pass_state
def ingest(
    state: CliState, files: tuple[str, ...], kind: str | None, source: str, fmt: str
) -> None:
    """Validate and store records from JSONL, JSON or CSV files.

    Exit status: 0 when every record was accepted, 1 when some were rejected (the accepted
    ones are kept), 2 on usage or configuration errors.
    """
    summary = state.workspace().ingest_files(list(files), kind=kind, source=source)
    if fmt == "json":
        emit_json(summary.as_dict())
    else:
        click.echo(
            f"accepted {summary.accepted} record(s): {summary.inserted} new, "
            f"{summary.updated} updated, {summary.unchanged} unchanged; "
            f"rejected {len(summary.rejected)}"
        )
        for r in summary.rejected:
            for e in r.errors:
                click.echo(f"  {r.locator}: {e.pointer or '(record)'}: {e.message}")
    sys.exit(EXIT_PARTIAL if summary.rejected else EXIT_OK)


@cli.command()
@format_option
@pass_state
def status(state: CliState, fmt: str) -> None:
    """Show what the store holds: records per kind and source, rejections, sync cursors."""
    store = state.workspace().store
    counts = [
        {"kind": kind, "source": src, "records": n} for (kind, src), n in store.counts().items()
    ]
    rejected = store.rejected()
    states = store.states()
    if fmt == "json":
        emit_json(
            {
                "records": counts,
                "rejected": len(rejected),
                "sync_state": [
                    {"source": s.source, "stream": s.stream, "cursor": dict(s.cursor)}
                    for s in states
                ],
            }
        )
        return
    if counts:
        click.echo(
            table(
                [(c["kind"], c["source"], c["records"]) for c in counts],
                ["kind", "source", "records"],
            )
        )
    else:
        click.echo("the store is empty; add records with `cxcore ingest FILE`")
    click.echo(f"rejected records: {len(rejected)}")
    for s in states:
        click.echo(f"cursor {s.source}/{s.stream}: {dict(s.cursor)}")


@cli.command()
@format_option
@pass_state
def plugins(state: CliState, fmt: str) -> None:
    """List plugins: versions, what each registers, and failures."""
    pm = state.workspace().plugins
    infos = pm.plugins()
    failures = pm.failures
    if fmt == "json":
        emit_json(
            {
                "plugins": [attrs.asdict(i) for i in infos],
                "failures": [attrs.asdict(f) for f in failures],
            }
        )
        return
    rows = [
        (
            i.name,
            i.distribution or "-",
            i.version or "-",
            "; ".join(f"{k}: {', '.join(v)}" for k, v in i.provides.items()) or "-",
        )
        for i in infos
    ]
    click.echo(table(rows, ["plugin", "distribution", "version", "registers"]))
    for f in failures:
        click.echo(f"FAILED {f.plugin} ({f.stage}): {f.error}")


@cli.command()
@format_option
@pass_state
def schemas(state: CliState, fmt: str) -> None:
    """List the schemas available to `cxcore validate --schema`."""
    reg = state.workspace().schemas
    rows = [(n, reg.owner(n), reg.schema(n)["$id"]) for n in reg.names()]
    if fmt == "json":
        emit_json([{"name": n, "owner": o, "id": i} for n, o, i in rows])
    else:
        click.echo(table(rows, ["schema", "owner", "$id"]))


def _plugin_commands(debug: bool) -> None:
    """Let plugins add commands (``cxcore_commands``), refusing to replace existing ones."""
    from ..plugins import PluginManager

    pm = PluginManager()

    class _Guarded(click.Group):
        # A view of the root group that refuses to shadow an existing command.
        def add_command(self, cmd: click.Command, name: str | None = None) -> None:
            name = name or cmd.name
            if name in cli.commands:
                raise ValueError(f"the command {name!r} already exists")
            cli.add_command(cmd, name)

    guarded = _Guarded(name=cli.name)
    for plugin, _ in pm.call_each("cxcore_commands", cli=guarded):
        logging.getLogger("cxcore.cli").debug("plugin %s added commands", plugin)
    if debug:
        for failure in pm.failures:
            click.echo(f"plugin {failure.plugin} ({failure.stage}): {failure.error}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one clear line per error, traceback only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    _plugin_commands(debug)
    try:
        cli.main(args=args, prog_name="cxcore", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_USAGE)
    except CxcoreError as exc:
        if debug:
            raise
        fail(str(exc).replace("\n", "; "))
    except Exception as exc:
        if debug:
            raise
        fail(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)")


from .sources import sources as _sources_group  # noqa: E402 - command modules register last

cli.add_command(_sources_group)


from .metrics import metrics as _metrics_group  # noqa: E402

cli.add_command(_metrics_group)

from .journeys import journeys as _journeys_group  # noqa: E402

cli.add_command(_journeys_group)

from .report import report as _report_command  # noqa: E402

cli.add_command(_report_command)
