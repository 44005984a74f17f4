"""The schema registry: loads the JSON Schemas, resolves cross-references, validates records.

The files in ``schemas/`` are the single source of truth. Each has an ``$id`` of the form
``https://cxcore.dev/schemas/<name>/<MODEL>-<REVISION>-<ADDITION>.json`` (SchemaVer). Plugins
add their own schemas through the ``cxcore_schemas`` hook.

Validation has two paths: a compiled validator (fastjsonschema, generated from the same
schemas) answers "valid or not" about 20x faster than ``jsonschema``; only the records it
rejects go through ``jsonschema`` to collect every error with its JSON pointer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import referencing
import referencing.exceptions
from referencing.jsonschema import DRAFT202012

from .errors import FieldError, RecordValidationError, SchemaError

__all__ = ["SCHEMA_BASE", "SchemaRegistry", "SchemaValidator", "builtin_schema_dir", "schemaver"]

SCHEMA_BASE = "https://cxcore.dev/schemas/"
_ID_RE = re.compile(r"/(?P<name>[a-z][a-z0-9_\-/]*)/(?P<ver>\d+-\d+-\d+)\.json$")


def schemaver(schema_id: str) -> tuple[int, int, int]:
    """The (MODEL, REVISION, ADDITION) triple carried by a schema ``$id``."""
    m = _ID_RE.search(schema_id)
    if not m:
        raise SchemaError(f"schema $id {schema_id!r} does not end in /<name>/<M-R-A>.json")
    model, revision, addition = (int(x) for x in m.group("ver").split("-"))
    return model, revision, addition


def builtin_schema_dir() -> Path:
    """Where the built-in schemas are: inside the installed wheel, or ``schemas/`` of a checkout."""
    packaged = resources.files("cxcore") / "schemas"
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "schemas"
    if checkout.is_dir():
        return checkout
    raise SchemaError("cxcore's built-in schemas are missing from this installation")


class SchemaRegistry:
    """Named JSON Schemas plus a ``referencing`` registry that resolves their ``$ref`` s.

    A registry is an ordinary object: each workspace builds its own, so plugins adding schemas
    in one workspace never leak into another.
    """

    def __init__(self, schemas: Iterable[tuple[str, Mapping[str, Any]]] = ()) -> None:
        self._by_name: dict[str, Mapping[str, Any]] = {}
        self._owner: dict[str, str] = {}
        self._validators: dict[str, SchemaValidator] = {}
        self._registry: referencing.Registry[Any] = referencing.Registry()
        for name, schema in schemas:
            self.add(name, schema)

    @classmethod
    def builtin(cls) -> SchemaRegistry:
        """A registry holding cxcore's own schemas, loaded from the package data."""
        reg = cls()
        for path in sorted(builtin_schema_dir().glob("*.json")):
            reg.add(path.stem, json.loads(path.read_text(encoding="utf-8")), owner="cxcore")
        return reg

    def add(self, name: str, schema: Mapping[str, Any], *, owner: str = "cxcore") -> None:
        """Add a schema under ``name``; it must be valid draft 2020-12 and have a unique ``$id``."""
        schema_id = schema.get("$id")
        if not isinstance(schema_id, str):
            raise SchemaError(f"schema {name!r} has no $id")
        if name in self._by_name:
            raise SchemaError(
                f"schema name {name!r} is provided by both {self._owner[name]!r} and {owner!r}"
            )
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SchemaError(
                f"schema {name!r} is not valid draft 2020-12: {exc.message}"
            ) from None
        if schema_id in self._registry:
            raise SchemaError(f"schema {name!r}: $id {schema_id} is already registered")
        self._by_name[name] = schema
        self._owner[name] = owner
        self._registry = self._registry.with_resource(
            schema_id, DRAFT202012.create_resource(dict(schema))
        )
        self._validators.clear()

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def owner(self, name: str) -> str:
        return self._owner[name]

    def schema(self, name: str) -> Mapping[str, Any]:
        try:
            return self._by_name[name]
        except KeyError:
            raise SchemaError(
                f"unknown schema {name!r}; known schemas: {', '.join(self.names())}"
            ) from None

    def resolve(self, uri: str) -> Mapping[str, Any]:
        try:
            contents: Mapping[str, Any] = self._registry.contents(uri.split("#", 1)[0])
        except referencing.exceptions.NoSuchResource:
            raise SchemaError(f"$ref to unknown schema {uri}") from None
        return contents

    def deref(self, node: Mapping[str, Any], base: str) -> tuple[Mapping[str, Any], str]:
        """Follow a node's ``$ref`` chain; returns the target and the ``$id`` it lives in.

        ``base`` is the ``$id`` the node's own relative references resolve against.
        """
        seen = 0
        while "$ref" in node:
            seen += 1
            if seen > 32:
                raise SchemaError(f"$ref chain too long at {node['$ref']} (cycle?)")
            uri, _, fragment = str(node["$ref"]).partition("#")
            base = uri or base
            target: Any = self.resolve(base)
            for part in [p for p in fragment.split("/") if p]:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node, base

    def inline(self, name: str) -> dict[str, Any]:
        """The schema with every ``$ref`` replaced by its target (schemas here are acyclic).

        The compiled validator runs faster on one flat schema than on a web of
        cross-document references (one generated function call per ``$ref`` per record).
        """
        schema = self.schema(name)

        def walk(node: Any, base: str, depth: int) -> Any:
            if depth > 64:
                raise SchemaError(f"schema {name!r} nests too deeply to inline (recursive $ref?)")
            if isinstance(node, Mapping):
                node, base = self.deref(node, base)
                return {
                    k: walk(v, base, depth + 1)
                    for k, v in node.items()
                    if k not in ("$defs", "$id", "$schema")
                }
            if isinstance(node, list):
                return [walk(v, base, depth + 1) for v in node]
            return node

        inlined: dict[str, Any] = walk(schema, str(schema["$id"]), 0)
        return inlined

    def validator(self, name: str) -> SchemaValidator:
        """The (cached) validator of a named schema."""
        v = self._validators.get(name)
        if v is None:
            v = self._validators[name] = SchemaValidator(name, self.schema(name), self)
        return v

    @property
    def referencing_registry(self) -> referencing.Registry[Any]:
        return self._registry


class SchemaValidator:
    """Validates records against one schema: fast yes/no, then every error for the failures."""

    def __init__(self, name: str, schema: Mapping[str, Any], registry: SchemaRegistry) -> None:
        self.name = name
        self.schema = schema
        self._explainer = jsonschema.Draft202012Validator(
            dict(schema),
            registry=registry.referencing_registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        self._fast: Callable[[Any], Any] = fastjsonschema.compile(registry.inline(name))

    def is_valid(self, record: Any) -> bool:
        """Fast path: is the record valid? (compiled validator)"""
        try:
            self._fast(record)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    def errors(self, record: Any) -> list[FieldError]:
        """Every error in the record, each with a JSON pointer and a message a person can act on."""
        found = [_field_error(e) for e in self._explainer.iter_errors(record)]
        if not found and not self.is_valid(record):
            # The two validators disagree: report it rather than accept a record silently.
            found = [FieldError(pointer="", message="rejected by the compiled validator")]
        return sorted(found, key=lambda e: (e.pointer, e.message))

    def validate(self, record: Any, *, label: str = "record") -> None:
        """Raise :class:`RecordValidationError` with every problem when the record is invalid."""
        if self.is_valid(record):
            return
        raise RecordValidationError(label, self.errors(record), schema=self.name)


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _field_error(error: jsonschema.ValidationError) -> FieldError:
    pointer = _pointer(error.absolute_path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return FieldError(
            pointer=f"{pointer}/{missing}", message="required field is missing", expected="present"
        )
    if kind == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        extra = (
            sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        )
        return FieldError(
            pointer=pointer,
            message=(
                f"unknown field(s) {', '.join(map(repr, extra))}; allowed: {', '.join(allowed)}"
            ),
            expected="no other fields",
        )
    if kind == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else str(expected)
        return FieldError(
            pointer=pointer,
            message=f"expected {expected_text}, got {_short(error.instance)}",
            expected=expected_text,
        )
    if kind == "format" and error.validator_value == "date-time":
        return FieldError(
            pointer=pointer,
            message=(
                "expected an RFC 3339 date-time with a time zone (e.g. 2024-03-01T09:30:00Z), "
                f"got {_short(error.instance)}"
            ),
            expected="date-time",
        )
    if kind in ("enum", "const"):
        options = error.validator_value if kind == "enum" else [error.validator_value]
        choices = ", ".join(map(_short, options))
        return FieldError(
            pointer=pointer,
            message=f"expected one of {choices}, got {_short(error.instance)}",
            expected=f"one of {choices}",
        )
    if kind in ("anyOf", "oneOf") and error.context:
        # "not valid under any of the given schemas" helps nobody; explain the closest branch.
        best = jsonschema.exceptions.best_match(
            e for e in error.context if not (e.validator == "type" and e.validator_value == "null")
        )
        if best is not None:
            return _field_error(best)
    if kind == "pattern":
        hint = f" ({schema['description']})" if schema.get("description") else ""
        return FieldError(
            pointer=pointer,
            message=f"{_short(error.instance)} does not match the pattern "
            f"{error.validator_value}{hint}",
            expected=f"pattern {error.validator_value}",
        )
    return FieldError(pointer=pointer, message=error.message, expected=str(error.validator_value))
