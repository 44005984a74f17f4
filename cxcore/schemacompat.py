"""Schema compatibility: which fields a schema version promises, and what a change breaks.

SchemaVer says a change that removes or retypes a field must bump MODEL. This module turns a
schema into a flat map ``field path -> accepted JSON types`` (following ``$ref``) so a test can
compare today's schemas with a snapshot of the last release of the same MODEL.

Run ``python -m cxcore.schemacompat SNAPSHOT_DIR`` to write snapshots of the current schemas.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .schemas import SchemaRegistry, schemaver

__all__ = ["breaking_changes", "field_types", "write_snapshots"]

_ALL = ["array", "boolean", "integer", "null", "number", "object", "string"]


def _types(node: Mapping[str, Any], registry: SchemaRegistry, base: str) -> list[str]:
    node, base = _deref(node, registry, base)
    if "type" in node:
        t = node["type"]
        return sorted(t if isinstance(t, list) else [t])
    if "enum" in node:
        return sorted({_json_type(v) for v in node["enum"]})
    if "const" in node:
        return [_json_type(node["const"])]
    for key in ("anyOf", "oneOf"):
        if key in node:
            return sorted({t for sub in node[key] for t in _types(sub, registry, base)})
    return list(_ALL)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "string"


def _deref(
    node: Mapping[str, Any], registry: SchemaRegistry, base: str
) -> tuple[Mapping[str, Any], str]:
    return registry.deref(node, base)


def field_types(name: str, registry: SchemaRegistry) -> dict[str, list[str]]:
    """Every field path of a schema (``/scale/min``, ``/items[]/x``) with its accepted types."""
    schema = registry.schema(name)
    out: dict[str, list[str]] = {}

    def walk(node: Mapping[str, Any], path: str, base: str, depth: int) -> None:
        node, base = _deref(node, registry, base)
        if depth > 8:
            return
        for key, sub in node.get("properties", {}).items():
            out[f"{path}/{key}"] = _types(sub, registry, base)
            walk(sub, f"{path}/{key}", base, depth + 1)
        if isinstance(node.get("items"), Mapping):
            walk(node["items"], f"{path}[]", base, depth + 1)
        for key in ("anyOf", "oneOf"):
            for sub in node.get(key, []):
                walk(sub, path, base, depth + 1)

    walk(schema, "", str(schema["$id"]), 0)
    return dict(sorted(out.items()))


def breaking_changes(old: Mapping[str, list[str]], new: Mapping[str, list[str]]) -> list[str]:
    """Fields removed, or whose accepted types shrank, between two field maps."""
    problems = []
    for path, types in old.items():
        if path not in new:
            problems.append(f"{path} was removed")
        elif not set(types) <= set(new[path]):
            problems.append(f"{path} changed type from {types} to {new[path]}")
    return problems


def write_snapshots(directory: Path, registry: SchemaRegistry | None = None) -> list[Path]:
    """Write the missing ``<name>-<MODEL>.json`` field maps; returns the files written.

    An existing snapshot is never overwritten: it is the promise of that MODEL, and
    rewriting it after a breaking change would make the compatibility test pass silently.
    """
    registry = registry or SchemaRegistry.builtin()
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in registry.names():
        model = schemaver(str(registry.schema(name)["$id"]))[0]
        path = directory / f"{name}-{model}.json"
        if path.exists():
            continue
        path.write_text(json.dumps(field_types(name, registry), indent=1) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover - maintenance command
    for p in write_snapshots(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/schema_snapshots")):
        print(p)
