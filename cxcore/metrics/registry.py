"""The metrics of a workspace: what plugins register plus what ``cxcore.toml`` declares.

``[metrics.<id>]`` tables mean one of two things:

* with a ``type``: a declared metric (see :mod:`cxcore.metrics.declarative`);
* without: settings of a registered metric, passed to its factory as keyword arguments
  (``[metrics.ces] variant = "ces1"``). ``label``, ``description``, ``min_n`` and
  ``suppress_below`` apply to any metric and are handled here.

``[metrics.defaults]`` is reserved for engine defaults: ``min_n`` (low-sample threshold,
30) and ``confidence`` (0.95).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ..plugins import PluginManager
from ..types import MetricSpec
from .calculator import Calculator
from .declarative import build_declared
from .errors import MetricDefinitionError

if TYPE_CHECKING:
    from ..workspace import Workspace

__all__ = [
    "DEFAULTS_TABLE",
    "GENERIC_SETTINGS",
    "build_registered",
    "load_calculators",
    "metric_defaults",
]

DEFAULTS_TABLE: Final = "defaults"
GENERIC_SETTINGS: Final = frozenset({"label", "description", "min_n", "suppress_below"})
_DEFAULT_KEYS: Final = frozenset({"min_n", "confidence"})


def metric_defaults(config: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``[metrics.defaults]`` table, checked."""
    table = dict(config.get(DEFAULTS_TABLE, {}))
    unknown = set(table) - _DEFAULT_KEYS
    if unknown:
        raise MetricDefinitionError(
            f"[metrics.defaults]: unknown key(s) {sorted(unknown)}; expected "
            f"{', '.join(sorted(_DEFAULT_KEYS))}"
        )
    return table


def build_registered(name: str, spec: MetricSpec, settings: Mapping[str, Any]) -> Calculator:
    """A calculator from a registered :class:`~cxcore.MetricSpec` and its settings."""
    specific = {k: v for k, v in settings.items() if k not in GENERIC_SETTINGS}
    generic = {k: v for k, v in settings.items() if k in GENERIC_SETTINGS}
    try:
        calc = spec.factory(**specific)
    except TypeError as exc:
        raise MetricDefinitionError(f"[metrics.{name}]: {exc}") from None
    if not isinstance(calc, Calculator):
        raise MetricDefinitionError(
            f"metric {name!r}: its factory returned {type(calc).__name__}, expected a "
            "cxcore.metrics.Calculator"
        )
    if calc.definition.id != name:
        raise MetricDefinitionError(
            f"metric {name!r}: registered under {name!r} but its definition says "
            f"{calc.definition.id!r}"
        )
    if generic:
        calc.definition = calc.definition.evolve(generic)
    return calc


def load_calculators(
    workspace: Workspace | None = None,
    *,
    plugins: PluginManager | None = None,
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Calculator]:
    """Every metric of a workspace (or of a plugin manager and a ``[metrics]`` mapping)."""
    if workspace is not None:
        plugins = workspace.plugins
        config = workspace.config.metrics
    config = dict(config or {})
    specs = plugins.metrics() if plugins is not None else {}
    out: dict[str, Calculator] = {}
    for name, spec in specs.items():
        table = config.get(name) or {}
        settings = {} if "type" in table else dict(table)
        try:
            out[name] = build_registered(name, spec, settings)
        except MetricDefinitionError:
            raise
        except Exception as exc:  # a broken plugin must not take the catalogue down
            if plugins is None:
                raise
            plugins.report_failure(plugins.provider("metrics", name), "validate", exc)
    for name, table in config.items():
        if name == DEFAULTS_TABLE:
            continue
        if not isinstance(table, Mapping):
            raise MetricDefinitionError(f"[metrics.{name}] must be a table")
        if "type" in table:
            if name in specs:
                provider = plugins.provider("metrics", name) if plugins is not None else "?"
                raise MetricDefinitionError(
                    f"[metrics.{name}] declares a metric, but plugin {provider!r} already "
                    f"provides {name!r}; choose another id (or drop 'type' to configure it)"
                )
            out[name] = build_declared(name, table)
        elif name not in specs:
            raise MetricDefinitionError(
                f"[metrics.{name}] has no 'type' and no installed plugin provides a metric "
                f'{name!r}; add type = "count" | "ratio" | ... to declare one'
            )
    return out
