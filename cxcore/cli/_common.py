"""Shared CLI plumbing: the workspace from options, output formats, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import click

from ..config import DEFAULT_CONFIG_NAME, ProjectConfig, load_config
from ..workspace import Workspace

#: Exit codes: 0 all good, 1 some records rejected or checks failed, 2 usage/configuration.
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


@attrs.define
class CliState:
    config_path: Path | None = None
    debug: bool = False
    _workspace: Workspace | None = None

    def workspace(self) -> Workspace:
        """The project's workspace: ``--config``, else ./cxcore.toml, else defaults."""
        if self._workspace is None:
            path = self.config_path
            if path is None and Path(DEFAULT_CONFIG_NAME).exists():
                path = Path(DEFAULT_CONFIG_NAME)
            config = load_config(path) if path is not None else ProjectConfig()
            self._workspace = Workspace(config=config)
        return self._workspace

    def close(self) -> None:
        if self._workspace is not None:
            self._workspace.close()


pass_state = click.make_pass_decorator(CliState)

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Human-readable table or machine-readable JSON.",
)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    """A plain aligned text table (no dependency; fits 80 columns when the data does)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
