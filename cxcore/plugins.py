"""The plugin manager: discovers plugins, isolates their failures, and collects what they register.

A facade over :class:`pluggy.PluginManager` (composition, public pluggy API only). Each
workspace owns one; there is no module-level manager, so two workspaces in one process with
different plugin lists never see each other's plugins.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, TypeVar

import pluggy

from . import hookspecs
from .errors import PluginCallError, PluginError, PluginLoadError, PluginValidationError
from .types import (
    MetricSpec,
    PluginFailure,
    PluginInfo,
    Registered,
    SchemaSpec,
    SourceSpec,
    StoreSpec,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "ENV_DISABLE",
    "ENV_LOAD",
    "ENV_STRICT",
    "PluginManager",
]

ENTRY_POINT_GROUP = "cxcore.plugins"
#: Comma-separated plugin names never to load.
ENV_DISABLE = "CXCORE_DISABLE_PLUGINS"
#: Comma-separated allow-list: when set, only these entry-point plugins load ('' = none).
ENV_LOAD = "CXCORE_LOAD_PLUGINS"
#: "1" makes every plugin failure raise instead of being reported.
ENV_STRICT = "CXCORE_STRICT_PLUGINS"

log = logging.getLogger("cxcore.plugins")

T = TypeVar("T")

_REGISTRATION_HOOKS: dict[str, tuple[str, type[Any]]] = {
    "sources": ("cxcore_sources", SourceSpec),
    "metrics": ("cxcore_metrics", MetricSpec),
    "schemas": ("cxcore_schemas", SchemaSpec),
    "stores": ("cxcore_stores", StoreSpec),
}


def _names(value: str | None) -> set[str]:
    return {n.strip() for n in (value or "").split(",") if n.strip()}


class PluginManager:
    """Loads cxcore plugins and exposes what they register.

    Args:
        plugins: plugins to register explicitly, in addition to entry points: modules,
            objects with ``@cxcore.hookimpl`` methods, ``(name, plugin)`` pairs, or importable
            module names (a module that fails to import is reported, not raised).
        entry_points: also load the ``cxcore.plugins`` entry points of installed
            distributions (built-in plugins are registered there too).
        disable: plugin names never to load.
        only: when given, the only entry-point plugins to load.
        strict: re-raise plugin failures instead of reporting them.
        use_env: honour ``CXCORE_DISABLE_PLUGINS``, ``CXCORE_LOAD_PLUGINS`` and
            ``CXCORE_STRICT_PLUGINS``; embedders can turn this off.

    Example::

        pm = PluginManager(plugins=[my_kpis], entry_points=False)
        pm.metrics()["first_contact_resolution"]
    """

    def __init__(
        self,
        plugins: Iterable[Any] = (),
        *,
        entry_points: bool = True,
        disable: Iterable[str] = (),
        only: Iterable[str] | None = None,
        strict: bool = False,
        use_env: bool = True,
    ) -> None:
        self._pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self._pm.add_hookspecs(hookspecs)
        self._disabled = set(disable)
        self._only = set(only) if only is not None else None
        self._strict = strict
        if use_env:
            self._disabled |= _names(os.environ.get(ENV_DISABLE))
            if ENV_LOAD in os.environ:
                self._only = _names(os.environ[ENV_LOAD])
            self._strict = self._strict or os.environ.get(ENV_STRICT, "") in ("1", "true", "yes")
        self._dist: dict[str, tuple[str | None, str | None]] = {}
        self._failures: list[PluginFailure] = []
        self._cache: dict[str, dict[str, Registered]] = {}
        for plugin in plugins:
            self.register(plugin)
        if entry_points:
            self._load_entry_points()

    # -- loading ---------------------------------------------------------------------------

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        """Register one plugin (module, object, ``(name, obj)`` pair or module name).

        Returns the registered name, or ``None`` when the plugin was disabled or failed (the
        failure is then in :attr:`failures`).
        """
        if isinstance(plugin, tuple):
            name, plugin = plugin
        if isinstance(plugin, str):
            name = name or plugin.rsplit(".", 1)[-1]
            if name in self._disabled:
                return None
            try:
                plugin = importlib.import_module(plugin)
            except Exception as exc:
                self._fail(PluginLoadError(name, f"failed to import: {exc!r}"), "import", name)
                return None
        if name is None:
            name = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__name__
        if name in self._disabled:
            return None
        return self._register(plugin, name)

    def _register(self, plugin: Any, name: str) -> str | None:
        try:
            self._pm.register(plugin, name=name)
            self._pm.check_pending()
        except Exception as exc:
            # pluggy's register() is not transactional: undo a half-done registration.
            if self._pm.get_plugin(name) is not None:
                self._pm.unregister(name=name)
            self._fail(PluginLoadError(name, f"cannot be registered: {exc}"), "register", name)
            return None
        self._cache.clear()
        log.debug("registered plugin %s", name)
        return name

    def _load_entry_points(self) -> None:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=_ep_key):
            if ep.name in self._disabled:
                log.debug("plugin %s disabled", ep.name)
                continue
            if self._only is not None and ep.name not in self._only:
                continue
            if self._pm.get_plugin(ep.name) is not None:
                continue
            dist = (ep.dist.name, ep.dist.version) if ep.dist is not None else (None, None)
            self._dist[ep.name] = dist
            try:
                plugin = ep.load()
            except Exception as exc:
                self._fail(
                    PluginLoadError(ep.name, f"failed to import {ep.value}: {exc!r}"),
                    "import",
                    ep.name,
                )
                continue
            self._register(plugin, ep.name)

    # -- failures --------------------------------------------------------------------------

    @property
    def strict(self) -> bool:
        return self._strict

    @property
    def failures(self) -> list[PluginFailure]:
        """Every failure so far: imports, registrations, invalid objects, hook errors."""
        return list(self._failures)

    def report_failure(self, plugin: str, stage: str, error: Exception) -> None:
        """Record a failure found outside the manager (e.g. a plugin schema that is invalid).

        Raises instead in strict mode.
        """
        if isinstance(error, PluginError):
            self._fail(error, stage, plugin)
        else:
            self._fail(PluginValidationError(plugin, str(error)), stage, plugin)

    def _fail(self, error: PluginError, stage: str, plugin: str) -> None:
        if self._strict:
            raise error
        dist = self._dist.get(plugin, (None, None))[0]
        self._failures.append(
            PluginFailure(plugin=plugin, stage=stage, error=str(error), distribution=dist)
        )
        log.warning("%s", error)

    # -- calling ---------------------------------------------------------------------------

    def _impls(self, hook_name: str) -> list[Any]:
        # pluggy calls implementations last-registered-first; keep that order.
        return list(reversed(getattr(self._pm.hook, hook_name).get_hookimpls()))

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook on its own, isolating failures.

        Returns ``(plugin_name, result)`` pairs for the implementations that succeeded.
        Iterables are materialised inside the guard, so a generator that fails halfway is
        reported like any other failure.
        """
        out: list[tuple[str, Any]] = []
        for impl in self._impls(hook_name):
            try:
                result = impl.function(*[kwargs[a] for a in impl.argnames])
                if isinstance(result, Iterable) and not isinstance(result, str | bytes | Mapping):
                    result = list(result)
            except (Exception, SystemExit) as exc:
                self._fail(
                    PluginCallError(impl.plugin_name, hook_name, exc),
                    f"hook:{hook_name}",
                    impl.plugin_name,
                )
                continue
            out.append((impl.plugin_name, result))
        return out

    def _registered(self, kind: str) -> dict[str, Registered]:
        if kind in self._cache:
            return self._cache[kind]
        hook_name, expected = _REGISTRATION_HOOKS[kind]
        found: dict[str, Registered] = {}
        for plugin, result in self.call_each(hook_name):
            items = result if isinstance(result, list) else [] if result is None else [result]
            for item in items:
                if not isinstance(item, expected):
                    self._fail(
                        PluginValidationError(
                            plugin,
                            f"{hook_name} yielded {type(item).__name__}, expected "
                            f"cxcore.{expected.__name__}",
                        ),
                        "validate",
                        plugin,
                    )
                    continue
                previous = found.get(item.name)
                if previous is not None:
                    self._fail(
                        PluginValidationError(
                            plugin,
                            f"{kind[:-1]} {item.name!r} is registered by both "
                            f"{previous.plugin!r} and {plugin!r}; keeping {previous.plugin!r} "
                            f"(disable one of them)",
                        ),
                        "conflict",
                        plugin,
                    )
                    continue
                dist, version = self._dist.get(plugin, (None, None))
                found[item.name] = Registered(
                    plugin=plugin, distribution=dist, version=version, item=item
                )
        self._cache[kind] = dict(sorted(found.items()))
        return self._cache[kind]

    def _items(self, kind: str, _type: type[T]) -> dict[str, T]:
        return {name: reg.item for name, reg in self._registered(kind).items()}

    def sources(self) -> dict[str, SourceSpec]:
        """Registered source types by name."""
        return self._items("sources", SourceSpec)

    def metrics(self) -> dict[str, MetricSpec]:
        """Registered metric calculators by name."""
        return self._items("metrics", MetricSpec)

    def schemas(self) -> dict[str, SchemaSpec]:
        """Extra schemas registered by plugins, by name."""
        return self._items("schemas", SchemaSpec)

    def stores(self) -> dict[str, StoreSpec]:
        """Registered store implementations by name."""
        return self._items("stores", StoreSpec)

    def provider(self, kind: str, name: str) -> str:
        """The plugin that registered ``name`` among ``kind`` (sources, metrics...)."""
        return self._registered(kind)[name].plugin

    def notify(self, hook_name: str, **kwargs: Any) -> None:
        """Call a lifecycle hook (``cxcore_records_stored``...) with failures isolated."""
        self.call_each(hook_name, **kwargs)

    def has_listeners(self, hook_name: str) -> bool:
        """Whether any plugin implements a hook (lets callers skip building event objects)."""
        return bool(getattr(self._pm.hook, hook_name).get_hookimpls())

    # -- introspection ---------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(n for n, _ in self._pm.list_name_plugin() if n is not None)

    def plugins(self) -> list[PluginInfo]:
        """Every loaded plugin with its version, hooks and what it registers."""
        provides: dict[str, dict[str, list[str]]] = {}
        for kind in _REGISTRATION_HOOKS:
            for name, reg in self._registered(kind).items():
                provides.setdefault(reg.plugin, {}).setdefault(kind, []).append(name)
        infos = []
        for name in self.names():
            plugin = self._pm.get_plugin(name)
            hooks = tuple(sorted(h.name for h in self._pm.get_hookcallers(plugin) or []))
            dist, version = self._dist.get(name, (None, None))
            infos.append(
                PluginInfo(
                    name=name,
                    distribution=dist,
                    version=version,
                    hooks=hooks,
                    provides={k: tuple(v) for k, v in sorted(provides.get(name, {}).items())},
                )
            )
        return infos


def _ep_key(ep: importlib.metadata.EntryPoint) -> str:
    return ep.name
