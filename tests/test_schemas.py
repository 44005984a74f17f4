"""The JSON Schemas: valid draft 2020-12, versioned, cross-referenced, and kept compatible."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxcore.errors import RecordValidationError, SchemaError
from cxcore.schemacompat import breaking_changes, field_types
from cxcore.schemas import SchemaRegistry, builtin_schema_dir, schemaver
from cxcore.testing.records import make_interaction as interaction
from cxcore.testing.records import make_response as response

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
SNAPSHOTS = Path(__file__).resolve().parent / "schema_snapshots"
REQUIRED = {
    "journey",
    "touchpoint",
    "customer",
    "interaction",
    "response",
    "metric-definition",
    "metric-result",
    "project-config",
}


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry.builtin()


def test_every_public_record_type_has_a_schema(registry: SchemaRegistry) -> None:
    assert set(registry.names()) >= REQUIRED


@pytest.mark.parametrize("path", sorted(SCHEMA_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_schema_is_valid_draft_2020_12_with_a_schemaver_id(path: Path) -> None:
    schema = json.loads(path.read_text())

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith(f"https://cxcore.dev/schemas/{path.stem}/")
    assert schemaver(schema["$id"]) >= (1, 0, 0)


def test_schemaver_rejects_ids_without_a_version() -> None:
    with pytest.raises(SchemaError, match="does not end in"):
        schemaver("https://cxcore.dev/schemas/thing.json")


def test_cross_references_resolve_through_the_registry(registry: SchemaRegistry) -> None:
    # response.scale is a $ref into common: a bad bucket is caught through two hops.
    bad = response(1, scale={"min": 0, "max": 10, "buckets": [{"name": "x", "low": "a"}]})

    errors = registry.validator("response").errors(bad)

    assert [(e.pointer, e.message) for e in errors] == [
        ("/scale/buckets/0/high", "required field is missing"),
        ("/scale/buckets/0/low", 'expected number, got "a"'),
    ]


def test_every_error_is_reported_with_its_pointer(registry: SchemaRegistry) -> None:
    bad = interaction(1, occurred_at="yesterday", durations={"wait": -1}, stage="two words")
    del bad["type"]

    errors = {e.pointer: e.message for e in registry.validator("interaction").errors(bad)}

    assert set(errors) == {"/occurred_at", "/durations/wait", "/stage", "/type"}
    assert "RFC 3339" in errors["/occurred_at"]
    assert errors["/type"] == "required field is missing"
    assert "minimum of 0" in errors["/durations/wait"]


def test_validate_raises_with_all_errors(registry: SchemaRegistry) -> None:
    with pytest.raises(RecordValidationError) as info:
        registry.validator("customer").validate({"source": "", "x": 1}, label="line 3")

    assert info.value.record == "line 3"
    assert {e.pointer for e in info.value.errors} == {"", "/id", "/source"}


def test_plugin_schema_can_reference_core_schemas(registry: SchemaRegistry) -> None:
    reg = SchemaRegistry.builtin()
    reg.add(
        "acme/ticket",
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://acme.example/schemas/ticket/1-0-0.json",
            "type": "object",
            "properties": {
                "opened": {"$ref": "https://cxcore.dev/schemas/common/1-0-0.json#/$defs/timestamp"}
            },
        },
        owner="acme",
    )

    v = reg.validator("acme/ticket")

    assert v.is_valid({"opened": "2024-01-01T00:00:00Z"})
    assert [e.pointer for e in v.errors({"opened": "soon"})] == ["/opened"]
    with pytest.raises(SchemaError, match="provided by both 'acme' and 'other'"):
        reg.add("acme/ticket", {"$id": "https://x.example/2"}, owner="other")
    with pytest.raises(SchemaError, match="not valid draft 2020-12"):
        reg.add("broken", {"$id": "https://x.example/3", "type": 12})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 20) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300)
@given(
    base=st.sampled_from([response(1), interaction(2)]),
    field=st.sampled_from(
        ["value", "scale", "occurred_at", "stage", "durations", "id", "extra", "type"]
    ),
    value=json_values,
)
def test_fast_path_and_explainer_agree(base: dict[str, Any], field: str, value: Any) -> None:
    """The compiled validator accepts exactly what jsonschema accepts (both read one schema)."""
    reg = _REG
    record = {**base, field: value}
    v = reg.validator(base["kind"])

    assert v.is_valid(record) == (v._explainer.is_valid(record))


_REG = SchemaRegistry.builtin()


@pytest.mark.parametrize("name", sorted(p.stem for p in SCHEMA_DIR.glob("*.json")))
def test_schema_changes_keep_fields_within_a_model(name: str, registry: SchemaRegistry) -> None:
    """Removing or retyping a field needs a MODEL bump (SchemaVer) and a new snapshot."""
    model = schemaver(str(registry.schema(name)["$id"]))[0]
    snapshot = SNAPSHOTS / f"{name}-{model}.json"
    if not snapshot.exists():
        pytest.fail(
            f"no snapshot for {name} MODEL {model}: run `python -m cxcore.schemacompat "
            f"tests/schema_snapshots` after bumping MODEL"
        )

    problems = breaking_changes(json.loads(snapshot.read_text()), field_types(name, registry))

    assert problems == [], f"{name} breaks MODEL {model} without a bump: {problems}"


def test_compatibility_check_catches_removal_and_retyping() -> None:
    old = {"/a": ["string"], "/b": ["number"], "/c": ["null", "string"]}

    assert breaking_changes(old, {"/a": ["string"], "/b": ["number"], "/c": ["string"]}) == [
        "/c changed type from ['null', 'string'] to ['string']"
    ]
    assert breaking_changes(old, {"/b": ["number", "null"], "/c": ["null", "string"]}) == [
        "/a was removed"
    ]


def test_builtin_schemas_are_the_checkout_files_in_development() -> None:
    assert sorted(p.name for p in builtin_schema_dir().glob("*.json")) == sorted(
        p.name for p in SCHEMA_DIR.glob("*.json")
    )


def test_snapshots_are_never_overwritten(tmp_path: Path) -> None:
    from cxcore.schemacompat import write_snapshots

    first = write_snapshots(tmp_path)
    (tmp_path / "response-1.json").write_text("{}")
    second = write_snapshots(tmp_path)

    assert first and second == []
    assert (tmp_path / "response-1.json").read_text() == "{}"
