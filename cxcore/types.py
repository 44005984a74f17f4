"""Registration objects: what plugins yield from the ``cxcore_*`` registration hooks.

Each is a small frozen attrs class (name, factory, metadata), validated when it is built, so a
plugin that yields a wrong object fails at registration with a message naming the plugin,
not later in the middle of a sync. New fields are keyword-only with defaults, so adding one
never breaks an existing plugin.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = [
    "MetricSpec",
    "PluginFailure",
    "PluginInfo",
    "Registered",
    "SchemaSpec",
    "SourceSpec",
    "StoreSpec",
]

_NAME_RE = re.compile(r"^[a-z][a-z0-9_\-]*$")


def _name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name}: expected a lower-case name "
            f"(letters, digits, '_' or '-', starting with a letter), got {value!r}"
        )


def _callable(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not callable(value):
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name}: expected a callable, got {value!r}"
        )


def _mapping(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name}: expected a mapping, got "
            f"{type(value).__name__}"
        )


@attrs.frozen(kw_only=True)
class SourceSpec:
    """A source type (Zendesk, HubSpot, a file reader...).

    Args:
        name: the user-visible source type name, used as ``plugin = "<name>"`` in cxcore.toml.
        factory: called with the validated settings mapping (secrets resolved) and returns the
            source object (see :mod:`cxcore.sdk`).
        config_schema: JSON Schema of the settings; the host validates settings against it.
        description: one line for ``cxcore plugins``.
    """

    name: str = attrs.field(validator=_name)
    factory: Callable[..., Any] = attrs.field(validator=_callable)
    config_schema: Mapping[str, Any] = attrs.field(factory=dict, validator=_mapping)
    description: str = ""


@attrs.frozen(kw_only=True)
class MetricSpec:
    """A metric calculator.

    Args:
        name: the metric id (``nps``, ``csat``...).
        factory: called with no arguments (or the metric's settings) and returns a calculator
            (see :mod:`cxcore.metrics`).
        description: one line for ``cxcore metrics list``.
    """

    name: str = attrs.field(validator=_name)
    factory: Callable[..., Any] = attrs.field(validator=_callable)
    description: str = ""


@attrs.frozen(kw_only=True)
class SchemaSpec:
    """An extra JSON Schema (draft 2020-12) a plugin contributes, e.g. its raw stream records.

    The schema must carry an ``$id``; ``name`` is how it is looked up (``cxcore validate
    --schema NAME``). Plugin schema names should be prefixed with the plugin name
    (``zendesk/ticket``) so they cannot clash with the core's.
    """

    name: str = attrs.field(validator=attrs.validators.matches_re(r"^[a-z][a-z0-9_\-/]*$"))
    schema: Mapping[str, Any] = attrs.field(validator=_mapping)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.schema.get("$id"), str):
            raise ValueError(f"SchemaSpec {self.name!r}: the schema needs an '$id'")


@attrs.frozen(kw_only=True)
class StoreSpec:
    """A store implementation.

    Args:
        name: used as ``[store] plugin = "<name>"`` in cxcore.toml.
        factory: called with keyword arguments ``path`` (str or None) and ``settings``
            (mapping) and returns an object implementing :class:`cxcore.store.Store`.
    """

    name: str = attrs.field(validator=_name)
    factory: Callable[..., Any] = attrs.field(validator=_callable)
    description: str = ""


@attrs.frozen(kw_only=True)
class Registered:
    """A registration object plus where it came from (kept outside the frozen object)."""

    plugin: str
    distribution: str | None
    version: str | None
    item: Any


@attrs.frozen(kw_only=True)
class PluginFailure:
    """A plugin that failed to load, returned something invalid, or raised in a hook."""

    plugin: str
    stage: str  # "import", "register", "hook:<name>", "validate", "conflict"
    error: str
    distribution: str | None = None


@attrs.frozen(kw_only=True)
class PluginInfo:
    """What ``cxcore plugins`` shows about one plugin."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...]
    provides: Mapping[str, tuple[str, ...]]
