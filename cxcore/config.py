"""The project file ``cxcore.toml``: loading, validation against its schema, secret references."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import ConfigError
from .model import Journey, from_dict
from .schemas import SchemaRegistry

__all__ = [
    "DEFAULT_CONFIG_NAME",
    "DEFAULT_STORE_PATH",
    "ProjectConfig",
    "SourceConfig",
    "StoreConfig",
    "load_config",
    "resolve_secrets",
]

DEFAULT_CONFIG_NAME = "cxcore.toml"
DEFAULT_STORE_PATH = ".cxcore/store.duckdb"


@attrs.frozen(kw_only=True)
class StoreConfig:
    plugin: str = "duckdb"
    path: str | None = DEFAULT_STORE_PATH
    settings: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class SourceConfig:
    """One configured source. ``settings`` keep ``{env = "VAR"}`` references unresolved."""

    name: str
    plugin: str
    enabled: bool = True
    settings: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ProjectConfig:
    """A validated project configuration (from ``cxcore.toml`` or built in code)."""

    path: Path | None = None
    name: str = "cxcore"
    timezone: str = "UTC"
    journey: Journey | None = None
    store: StoreConfig = StoreConfig()
    sources: Mapping[str, SourceConfig] = attrs.field(factory=dict)
    channel_map: Mapping[str, str] = attrs.field(factory=dict)
    stage_map: Mapping[str, str] = attrs.field(factory=dict)
    identity_keys: tuple[str, ...] = ()
    metrics: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    disabled_plugins: tuple[str, ...] = ()
    strict_plugins: bool = False
    raw: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, Any],
        *,
        path: Path | None = None,
        schemas: SchemaRegistry | None = None,
    ) -> ProjectConfig:
        """Validate a parsed configuration and build it; errors name the key path."""
        where = str(path) if path else "configuration"
        registry = schemas or SchemaRegistry.builtin()
        validator = registry.validator("project-config")
        errors = [] if validator.is_valid(data) else validator.errors(data)
        if errors:
            lines = [f"{where}: {_key_path(e.pointer)}: {e.message}" for e in errors]
            raise ConfigError("\n".join(lines))
        project = data.get("project", {})
        journey = None
        if "journey" in data:
            try:
                journey = from_dict(Journey, data["journey"])
            except ValueError as exc:
                raise ConfigError(f"{where}: journey: {exc}") from None
        store_data = data.get("store", {})
        store = StoreConfig(
            plugin=store_data.get("plugin", "duckdb"),
            path=store_data.get("path", DEFAULT_STORE_PATH),
            settings=store_data.get("settings", {}),
        )
        if path is not None and store.path not in (None, ":memory:"):
            # Relative store paths are relative to the project file, not the shell's cwd.
            store = attrs.evolve(store, path=str((path.parent / store.path).resolve()))
        sources = {
            name: SourceConfig(
                name=name,
                plugin=s["plugin"],
                enabled=s.get("enabled", True),
                settings=s.get("settings", {}),
            )
            for name, s in data.get("sources", {}).items()
        }
        mapping = data.get("mapping", {})
        plugins = data.get("plugins", {})
        return cls(
            path=path,
            name=project.get("name", "cxcore"),
            timezone=project.get("timezone", "UTC"),
            journey=journey,
            store=store,
            sources=sources,
            channel_map=mapping.get("channels", {}),
            stage_map=mapping.get("stages", {}),
            identity_keys=tuple(mapping.get("identity_keys", ())),
            metrics=data.get("metrics", {}),
            disabled_plugins=tuple(plugins.get("disable", ())),
            strict_plugins=plugins.get("strict", False),
            raw=data,
        )


def _key_path(pointer: str) -> str:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    return ".".join(parts) or "(top level)"


def load_config(path: str | Path) -> ProjectConfig:
    """Read and validate a ``cxcore.toml``; :class:`ConfigError` names the file and key."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{p}: no such configuration file (create one with `cxcore init`)"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    return ProjectConfig.from_mapping(data, path=p)


def resolve_secrets(
    settings: Mapping[str, Any], *, env: Mapping[str, str] | None = None, where: str = "settings"
) -> dict[str, Any]:
    """Replace every ``{env = "VAR"}`` in settings by the variable's value.

    Secrets live in the environment, never in the project file. A missing variable is a
    :class:`ConfigError` naming the key and the variable (never a value).
    """
    environ = os.environ if env is None else env

    def resolve(value: Any, key: str) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"env"} and isinstance(value["env"], str):
                var = value["env"]
                if var not in environ:
                    raise ConfigError(
                        f"{key}: environment variable {var} is not set "
                        f"(export {var}=... before running)"
                    )
                return environ[var]
            return {k: resolve(v, f"{key}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [resolve(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return value

    return {k: resolve(v, f"{where}.{k}") for k, v in settings.items()}
