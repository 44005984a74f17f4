"""The report document contract: the schema itself, validation, and the JSON file written."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from cxcore.errors import RecordValidationError
from cxcore.report import SCHEMA_ID, render_report, report_schema, validate_document
from cxcore.schemas import SchemaRegistry

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "report.json"


def _pointers(exc: pytest.ExceptionInfo[RecordValidationError]) -> list[str]:
    return [e.pointer for e in exc.value.errors]


def test_the_report_schema_is_valid_draft_2020_12() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID == "https://cxcore.dev/schemas/report/1-0-0.json"
    assert report_schema() == schema


def test_the_report_schema_is_in_the_builtin_registry() -> None:
    assert SchemaRegistry.builtin().schema("report")["$id"] == SCHEMA_ID


def test_the_sample_document_is_valid(sample: dict[str, Any]) -> None:
    assert validate_document(sample) is sample


def test_a_minimal_document_is_valid() -> None:
    doc = {
        "meta": {
            "project": "p",
            "generated_at": "2024-01-01T00:00:00Z",
            "period": {"start": "2023-12-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"},
            "previous_period": None,
            "sources": [],
        },
        "kpis": [],
    }

    validate_document(doc)


def test_schema_errors_come_with_pointers(sample: dict[str, Any]) -> None:
    del sample["meta"]["project"]
    sample["kpis"][0]["direction"] = "up"
    sample["ipa"]["items"][0]["quadrant"] = "fix it"
    sample["funnel"]["steps"][1]["overall"]["rate"] = 1.5

    with pytest.raises(RecordValidationError) as exc:
        validate_document(sample)

    assert set(_pointers(exc)) >= {
        "/meta/project",
        "/kpis/0/direction",
        "/ipa/items/0/quadrant",
        "/funnel/steps/1/overall/rate",
    }
    assert exc.value.schema == "report"


def test_unknown_fields_are_rejected(sample: dict[str, Any]) -> None:
    sample["kpis"][0]["colour"] = "red"

    with pytest.raises(RecordValidationError, match="colour"):
        validate_document(sample)


def test_non_finite_numbers_are_rejected(sample: dict[str, Any]) -> None:
    sample["kpis"][0]["value"] = math.nan
    sample["trends"]["series"][0]["points"][2]["high"] = math.inf

    with pytest.raises(RecordValidationError) as exc:
        validate_document(sample)

    assert "/kpis/0/value" in _pointers(exc)
    assert "/trends/series/0/points/2/high" in _pointers(exc)


def test_an_interval_must_not_be_upside_down(sample: dict[str, Any]) -> None:
    sample["experience_curve"]["points"][0].update(low=80.0, high=60.0)

    with pytest.raises(RecordValidationError) as exc:
        validate_document(sample)

    assert _pointers(exc) == ["/experience_curve/points/0"]


def test_map_cells_must_sit_on_declared_stages_and_channels(sample: dict[str, Any]) -> None:
    sample["journey_map"]["cells"][0]["stage"] = "teleport"
    sample["journey_map"]["cells"].append(dict(sample["journey_map"]["cells"][1]))

    with pytest.raises(RecordValidationError) as exc:
        validate_document(sample)

    assert "/journey_map/cells/0/stage" in _pointers(exc)
    assert "/journey_map/cells" in _pointers(exc)  # the duplicated cell


def test_ids_must_be_unique(sample: dict[str, Any]) -> None:
    sample["kpis"].append(dict(sample["kpis"][0]))

    with pytest.raises(RecordValidationError, match="appears more than once"):
        validate_document(sample)


def test_nothing_is_written_for_an_invalid_document(sample: dict[str, Any], tmp_path: Path) -> None:
    del sample["kpis"]

    with pytest.raises(RecordValidationError):
        render_report(sample, tmp_path / "out")

    assert not (tmp_path / "out").exists()


def test_the_json_file_is_the_document_and_validates(
    sample: dict[str, Any], tmp_path: Path
) -> None:
    paths = render_report(sample, tmp_path)
    written = json.loads(paths.json.read_text(encoding="utf-8"))

    jsonschema.Draft202012Validator(
        json.loads(SCHEMA_FILE.read_text(encoding="utf-8")),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(written)
    assert written == {**sample, "schema": SCHEMA_ID}
    assert paths.json.name == "report.json" and paths.html.name == "report.html"
