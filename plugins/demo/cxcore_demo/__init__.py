"""cxcore-demo: the one-command demo of cxcore, ``cxcore demo``.

Installed, it adds the ``demo`` command to ``cxcore`` through the ``cxcore_commands`` hook.
The demo is its own distribution because it needs the Zendesk, HubSpot and Medallia plugins
and their stand-ins, and cxcore's core never imports a plugin.

* :mod:`cxcore_demo.company`: Northwind Mobile, the synthetic company, and its planted truths;
* :mod:`cxcore_demo.standins`: the three vendor stand-ins serving it;
* :mod:`cxcore_demo.run`: :func:`run_demo`, the whole run;
* :mod:`cxcore_demo.cli`: the command and its terminal summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from cxcore import hookimpl

if TYPE_CHECKING:
    from .run import DemoResult

__all__ = ["__version__", "cxcore_commands", "run_demo"]
__version__ = "0.1.0"


@hookimpl
def cxcore_commands(cli: click.Group) -> None:
    """Add ``cxcore demo``."""
    # Imported here, not at the top: every cxcore command loads the plugins, and the demo's
    # modules (the company, three stand-ins) are only needed when the demo runs.
    from .cli import demo

    cli.add_command(demo)


def run_demo(*args: Any, **kwargs: Any) -> DemoResult:
    """Run the demo; see :func:`cxcore_demo.run.run_demo`."""
    from .run import run_demo as run

    return run(*args, **kwargs)
