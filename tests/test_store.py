"""The default DuckDB store: idempotent upserts, one transaction, tombstones, busy files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from cxcore import DuckDBStore, FieldError, RejectedRecord, StoreBusyError, SyncState
from cxcore.testing.records import make_customer, make_interaction, make_response


def strip(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "kind"}


@pytest.fixture
def store(tmp_path: Path) -> DuckDBStore:
    s = DuckDBStore(tmp_path / "store.duckdb")
    yield s
    s.close()


def test_upsert_is_idempotent_and_detects_changes(store: DuckDBStore) -> None:
    records = [strip(make_response(i)) for i in range(50)]

    first = store.write("response", records)
    again = store.write("response", records)
    changed = store.write("response", [{**records[3], "value": 10}, records[4]])

    assert (first.inserted, first.updated, first.unchanged) == (50, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 50)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 1)
    assert store.count("response") == 50
    stored = {r["id"]: r for r in store.records("response")}
    assert stored["r3"]["value"] == 10.0


def test_last_duplicate_in_a_batch_wins(store: DuckDBStore) -> None:
    result = store.write(
        "response", [strip(make_response(1, value=1)), strip(make_response(1, value=2))]
    )

    assert result.inserted == 1 and result.unchanged == 1
    assert [r["value"] for r in store.records("response")] == [2.0]


def test_records_round_trip_in_the_wire_format(store: DuckDBStore) -> None:
    record = strip(make_interaction(7, attributes={"tags": ["vip"]}, journey_instance="T-7"))
    store.write("interaction", [record])

    [back] = list(store.records("interaction"))

    assert back["occurred_at"] == "2024-03-01T08:30:00Z"  # +01:00 normalised to UTC
    assert back["durations"] == {"first_reply": 420.0}
    assert back["attributes"] == {"tags": ["vip"]}
    assert back["journey_instance"] == "T-7"


def test_tombstones_hide_records_but_keep_them(store: DuckDBStore) -> None:
    store.write("interaction", [strip(make_interaction(i)) for i in range(3)])
    store.write("interaction", [strip(make_interaction(1, deleted=True))])

    assert store.count("interaction") == 2
    assert store.count("interaction", deleted=True) == 3
    assert sorted(r["id"] for r in store.records("interaction")) == ["t0", "t2"]
    assert sum(b.num_rows for b in store.scan("interaction", ["id"])) == 2


def test_records_state_and_rejections_commit_together(store: DuckDBStore, monkeypatch) -> None:
    def crash(state: SyncState) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_save_state", crash)
    rejected = [
        RejectedRecord(
            source="survey",
            kind="response",
            locator="p1",
            errors=[FieldError(pointer="/x", message="bad")],
        )
    ]
    with pytest.raises(OSError, match="disk full"):
        store.write(
            "response",
            [strip(make_response(i)) for i in range(10)],
            rejected=rejected,
            state=SyncState(source="survey", stream="answers", cursor={"after": "x"}),
        )

    assert store.count("response") == 0
    assert store.rejected() == []
    assert store.get_state("survey", "answers") is None
    # new dimension values of the failed batch were not kept either
    assert store.dictionary("stage") == []


def test_sync_state_is_saved_with_the_batch_and_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with DuckDBStore(path) as s:
        s.write(
            "response",
            [strip(make_response(1))],
            state=SyncState(source="survey", stream="answers", cursor={"page": 2}),
        )
        s.write(
            "response", [], state=SyncState(source="survey", stream="answers", cursor={"page": 3})
        )

    with DuckDBStore(path) as s:
        assert s.get_state("survey", "answers") == {"page": 3}
        assert [st.stream for st in s.states()] == ["answers"]
        assert s.count("response") == 1


def test_rejections_are_kept_once_with_their_reasons(store: DuckDBStore) -> None:
    bad = RejectedRecord(
        source="file",
        kind="response",
        locator="a.jsonl:3",
        errors=[FieldError(pointer="/value", message="11 is outside the scale 0..10")],
        raw={"id": "r1", "value": 11},
        record_id="r1",
    )

    store.write("response", [], rejected=[bad])
    store.write("response", [], rejected=[bad])  # the same file ingested twice

    [kept] = store.rejected()
    assert (kept.locator, kept.record_id, kept.raw) == (
        "a.jsonl:3",
        "r1",
        {"id": "r1", "value": 11},
    )
    assert kept.errors[0].pointer == "/value"


def test_scan_streams_dictionary_coded_columns_with_segments(store: DuckDBStore) -> None:
    store.write(
        "customer",
        [strip(make_customer(i, source="survey", segment=["a", "b"][i % 2])) for i in range(7)],
    )
    store.write(
        "response", [strip(make_response(i, stage=["buy", "support"][i % 2])) for i in range(100)]
    )

    batches = list(
        store.scan("response", ["stage", "segment", "value", "occurred_at"], batch_size=30)
    )
    table = pa.Table.from_batches(batches)

    assert table.num_rows == 100 and len(batches) >= 2
    assert pa.types.is_dictionary(table.schema.field("stage").type)
    assert pa.types.is_timestamp(table.schema.field("occurred_at").type)
    stages = table.column("stage").to_pylist()
    assert stages.count("buy") == 50 and stages.count("support") == 50
    segments = table.column("segment").to_pylist()
    assert segments.count("a") == sum(1 for i in range(100) if (i % 7) % 2 == 0)
    assert segments.count("b") == 100 - segments.count("a")
    assert store.dictionary("stage") == ["buy", "support"]
    with pytest.raises(Exception, match="no column 'nope'"):
        list(store.scan("response", ["nope"]))


def test_a_second_process_gets_a_clear_busy_error(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            from cxcore import DuckDBStore
            s = DuckDBStore({str(path)!r})
            print("ready", flush=True)
            sys.stdin.readline()
            s.close()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreBusyError, match="is busy: another process has it open"):
            DuckDBStore(path)
    finally:
        holder.communicate("\n", timeout=30)
    with DuckDBStore(path) as s:  # released: opens fine
        assert s.count("response") == 0
