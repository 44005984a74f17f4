"""Ingest: files in, valid records stored, invalid ones kept with line, field and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import cxcore
from cxcore import DuckDBStore, Journey, SyncState, Workspace
from cxcore.builtins import BUILTIN_PLUGINS
from cxcore.testing.records import make_response


def test_ingesting_the_same_files_twice_changes_nothing(
    workspace: Workspace, examples_dir: Path
) -> None:
    files = [examples_dir / n for n in ("customers.jsonl", "interactions.jsonl", "responses.csv")]

    first = workspace.ingest_files(files)
    snapshot = {
        k: list(workspace.store.records(k)) for k in ("customer", "interaction", "response")
    }
    second = workspace.ingest_files(files)

    assert (first.inserted, first.rejected) == (40 + 120 + 80, [])
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 240)
    assert {k: list(workspace.store.records(k)) for k in snapshot} == snapshot


def test_csv_cells_become_typed_nested_fields(workspace: Workspace, examples_dir: Path) -> None:
    workspace.ingest_files([examples_dir / "responses.csv"])

    ces = next(r for r in workspace.store.records("response") if r["id"] == "ces-003")

    assert ces["value"] == 4.0
    assert ces["scale"] == {"min": 1, "max": 5, "direction": "lower_is_better"}
    assert ces["comment"] == "easy, fast"


def test_invalid_records_are_listed_and_the_valid_ones_kept(
    workspace: Workspace, examples_dir: Path
) -> None:
    summary = workspace.ingest_files([examples_dir / "some-invalid.jsonl"])

    assert summary.inserted == 1
    problems = {(r.locator, e.pointer): e.message for r in summary.rejected for e in r.errors}
    assert problems == {
        ("some-invalid.jsonl:1", "/value"): "11 is outside the scale 0..10",
        ("some-invalid.jsonl:2", "/occurred_at"): (
            "expected an RFC 3339 date-time with a time zone "
            '(e.g. 2024-03-01T09:30:00Z), got "2024-02-03"'
        ),
        ("some-invalid.jsonl:3", "/type"): "required field is missing",
        ("some-invalid.jsonl:3", "/channel"): (
            "unknown channel 'fax'; the journey has: chat, email, phone, web"
        ),
    }
    assert [r.locator for r in workspace.store.rejected()] == [
        "some-invalid.jsonl:1",
        "some-invalid.jsonl:2",
        "some-invalid.jsonl:3",
    ]


def test_journey_rules_reject_unknown_stages_and_channels(workspace: Workspace) -> None:
    summary = workspace.ingest(
        [make_response(1, stage="moon"), make_response(2, channel="fax"), make_response(3)],
        source="survey",
    )

    assert summary.inserted == 1
    messages = [e.message for r in summary.rejected for e in r.errors]
    assert messages == [
        "unknown stage 'moon'; the journey has: buy, discover, renew, support",
        "unknown channel 'fax'; the journey has: chat, email, phone, web",
    ]


def test_bad_json_lines_are_rejected_with_their_line(workspace: Workspace, tmp_path: Path) -> None:
    f = tmp_path / "mixed.jsonl"
    f.write_text('{"kind": "customer", "source": "crm", "id": "c1"}\n{not json\n\n["x"]\n')

    summary = workspace.ingest_files([f])

    assert summary.inserted == 1
    assert [(r.locator, r.errors[0].message[:14]) for r in summary.rejected] == [
        ("mixed.jsonl:2", "not valid JSON"),
        ("mixed.jsonl:4", "unknown record"),
    ]


def test_hooks_are_called_once_per_batch_with_the_stored_records(journey: Journey) -> None:
    alerts: list[str] = []
    batches: list[int] = []
    rejected: list[int] = []

    class DetractorAlert:
        @cxcore.hookimpl
        def cxcore_records_stored(self, event: cxcore.RecordsStored) -> None:
            batches.append(len(event.records))
            alerts.extend(
                r["customer_id"]
                for r in event.records
                if r["item"] == "nps" and r["value"] is not None and r["value"] <= 6
            )

        @cxcore.hookimpl
        def cxcore_records_rejected(self, event: cxcore.RecordsRejected) -> None:
            rejected.append(len(event.rejected))

    ws = Workspace(
        journey=journey,
        store=DuckDBStore(":memory:"),
        plugins=[*BUILTIN_PLUGINS, ("alerts", DetractorAlert())],
    )
    records = [make_response(i, customer_id=f"c{i}") for i in range(25)] + [
        make_response(99, value=42)
    ]

    summary = ws.ingest(records, source="survey", batch_size=10)

    assert batches == [10, 10, 5]
    assert rejected == [1]
    assert alerts == [f"c{i}" for i in range(25) if i % 11 <= 6]
    assert summary.inserted == 25


def test_example_project_config_ingests_its_sources(tmp_path: Path, examples_dir: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(examples_dir, project)

    with Workspace.from_config(project / "cxcore.toml") as ws:
        paths = [project / p for p in ws.config.sources["exports"].settings["paths"]]
        summary = ws.ingest_files(paths)
        assert summary.inserted == 240 and not summary.rejected
        assert ws.store.counts() == {
            ("customer", "crm"): 40,
            ("interaction", "crm"): 120,
            ("response", "survey"): 80,
        }

    assert (project / ".cxcore" / "store.duckdb").exists()


def test_an_empty_page_still_saves_its_cursor(workspace: Workspace) -> None:
    ingestor = workspace.ingestor()
    summary = ingestor.ingest(
        [("p1", "response", make_response(1))],
        source="survey",
        state=SyncState(source="survey", stream="answers", cursor={"page": 1}),
    )

    ingestor.ingest(
        [],
        source="survey",
        summary=summary,
        state=SyncState(source="survey", stream="answers", cursor={"page": 2}),
    )

    assert workspace.store.get_state("survey", "answers") == {"page": 2}


def test_validate_checks_what_ingest_checks(workspace: Workspace) -> None:
    bad = make_response(1, value=12, stage="moon")

    problems = {e.pointer: e.message for e in workspace.validate("response", bad)}

    assert problems == {
        "/value": "12 is outside the scale 0..10",
        "/stage": "unknown stage 'moon'; the journey has: buy, discover, renew, support",
    }


def test_summary_rejections_follow_the_rejected_record_schema(workspace: Workspace) -> None:
    summary = workspace.ingest([make_response(1, value=12)], source="survey")
    validator = workspace.schemas.validator("rejected-record")

    [item] = summary.as_dict()["rejected"]

    assert validator.errors(item) == []
    assert item["source"] == "survey" and item["locator"] == "survey[0]"
