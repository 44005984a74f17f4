"""Medallia source against the local stand-in: paging, incremental runs, faults, auth, privacy.

Every test runs offline. The stand-in's clock is the SDK fake clock's wall time, so the
client's backoff and pacing waits (recorded, never slept) move the server's rate-limit
windows and token expiries too.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cxcore_medallia
import pytest
from cxcore_medallia.standin import MedalliaStandin, sample_dataset

import cxcore
from cxcore.config import ProjectConfig, SourceConfig, StoreConfig, load_config
from cxcore.model import Journey
from cxcore.sdk import FakeClock, SyncProgress, SyncSummary, check_sources, sync_sources
from cxcore.sdk.privacy import HASH_KEY_ENV
from cxcore.store.duckdb import DuckDBStore
from cxcore.testing.standin import Fault, FaultKind
from cxcore.workspace import Workspace

NOW = 1_740_000_000.0  # 2025-02-19, after every sample response date
CLIENT_ID = "standin-client"
CLIENT_SECRET = "md-test-secret-2b9f71c0"
SECRET_ENV = "CXCORE_TEST_MEDALLIA_SECRET"
HASH_KEY = "medallia-test-hash-key-0123456789abcdef"
QUERY = "/data/v0/query"
DATA = sample_dataset(40, seed=3)
RECORDS: list[dict[str, Any]] = DATA["records"]
JOURNEY: Journey | None = load_config(
    Path(cxcore.__file__).parent / "examples" / "cxcore.toml"
).journey


class Killed(BaseException):
    """The process dying mid-sync (not an Exception, so nothing can swallow it)."""


# -- harness --------------------------------------------------------------------------------


class Harness:
    """Builds stand-ins, settings and workspaces sharing one fake clock."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.clock = FakeClock(wall=NOW)
        self.monkeypatch = monkeypatch
        monkeypatch.setenv(HASH_KEY_ENV, HASH_KEY)

    def server(
        self, records: list[dict[str, Any]] | None = None, **options: Any
    ) -> MedalliaStandin:
        options.setdefault("fields", DATA["fields"])
        return MedalliaStandin(
            RECORDS if records is None else records,
            CLIENT_ID,
            CLIENT_SECRET,
            clock=self.clock.time,
            **options,
        )

    def settings(self, server: MedalliaStandin, **overrides: Any) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "token_url": server.url("/oauth/company/token"),
            "query_url": server.url(QUERY),
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "page_size": 10,
            "requests_per_second": 0,
        }
        settings.update(overrides)
        return settings

    def workspace(
        self,
        settings: Mapping[str, Any],
        *,
        store: DuckDBStore | None = None,
        journey: Journey | None = JOURNEY,
    ) -> Workspace:
        """A workspace configured as cxcore.toml would: the secret from the environment."""
        configured = dict(settings)
        self.monkeypatch.setenv(SECRET_ENV, str(configured.pop("client_secret")))
        configured["client_secret"] = {"env": SECRET_ENV}
        config = ProjectConfig(
            store=StoreConfig(path=None),
            journey=journey,
            sources={"voc": SourceConfig(name="voc", plugin="medallia", settings=configured)},
        )
        return Workspace(
            config=config,
            store=store if store is not None else DuckDBStore(":memory:"),
            plugins=[cxcore_medallia],
            entry_points=False,
        )

    def sync(
        self,
        ws: Workspace,
        *,
        progress: Callable[[SyncProgress], None] | None = None,
        full_refresh: bool = False,
    ) -> SyncSummary:
        return sync_sources(
            ws, ["voc"], progress=progress, full_refresh=full_refresh, clock=self.clock
        )


@pytest.fixture
def h(monkeypatch: pytest.MonkeyPatch) -> Harness:
    return Harness(monkeypatch)


Snapshot = dict[str, list[dict[str, Any]]]


def snapshot(ws: Workspace) -> Snapshot:
    return {
        kind: sorted(ws.store.records(kind, deleted=True), key=lambda r: str(r["id"]))
        for kind in ("customer", "interaction", "response")
    }


def failures(summary: SyncSummary) -> str:
    return "; ".join(f"{s.stream}: {s.error}" for s in summary.failed) or "no failures"


def feedback_queries(server: MedalliaStandin) -> list[str]:
    return [
        r.body["query"]
        for r in server.requests_to(QUERY)
        if isinstance(r.body, dict) and "feedback(" in r.body.get("query", "")
    ]


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): r for r in records}


def ordered(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: (r["e_responsedate"], int(r["a_surveyid"])))


@pytest.fixture(scope="module")
def reference() -> Iterator[Snapshot]:
    """The records of one uninterrupted, fault-free sync of the sample data."""
    mp = pytest.MonkeyPatch()
    try:
        h = Harness(mp)
        with h.server() as server, h.workspace(h.settings(server)) as ws:
            summary = h.sync(ws)
            assert summary.ok, failures(summary)
            yield snapshot(ws)
    finally:
        mp.undo()


# -- a full sync ------------------------------------------------------------------------------


def test_full_sync_pages_and_maps(h: Harness, reference: Snapshot) -> None:
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)
        problems = [
            (kind, r["id"], ws.validate(kind, r))
            for kind in snap
            for r in snap[kind]
            if ws.validate(kind, r)
        ]
        queries = feedback_queries(server)
        tokens = server.tokens_issued

    assert summary.ok, failures(summary)
    assert summary.pages >= 3 and summary.records == len(RECORDS)
    assert summary.rejected == 0 and problems == []
    assert snap == reference
    # One cached token for the whole run; first page without a cursor, then after/first.
    assert tokens == 1
    assert "after:" not in queries[0]
    assert all(re.search(r'after: "[^"]+"', q) for q in queries[1:])
    assert all("first: 10" in q for q in queries)

    responses = by_id(snap["response"])
    assert len(responses) == 2 * len(RECORDS)  # nps and csat for every record
    raw = RECORDS[0]
    nps, csat = responses[f"{raw['id']}:nps"], responses[f"{raw['id']}:csat"]
    assert nps["value"] == float(raw["q_global_nps_0to10"])
    assert nps["scale"]["min"] == 0 and nps["scale"]["max"] == 10
    assert nps["scale"]["direction"] == "higher_is_better"
    assert nps["comment"] == raw["q_global_nps_comment_txt"]
    assert csat["value"] == float(raw["q_osat_1to5"]) and csat["scale"]["max"] == 5
    date = raw["e_responsedate"]
    assert nps["occurred_at"] == date.replace(" ", "T") + "Z"
    assert nps["attributes"]["e_status"] == raw["e_status"]  # an unmapped field is kept
    assert "e_email" not in nps["attributes"]  # personal: hashed as an identity only

    customers = by_id(snap["customer"])
    assert len(customers) == len({r["a_customerid"] for r in RECORDS})
    customer = customers[nps["customer_id"]]
    assert re.fullmatch(r"[0-9a-f]{64}", customer["id"])  # a keyed hash, not the raw id
    assert set(customer["identities"]) == {"external_id", "email"}
    assert raw["a_customerid"] not in json.dumps(snap)
    assert raw["e_email"] not in json.dumps(snap)


def test_touchpoints_and_channels_map_to_the_journey(h: Harness, reference: Snapshot) -> None:
    responses = by_id(reference["response"])
    for raw in RECORDS:
        r = responses[f"{raw['id']}:nps"]
        stage = {
            "purchase": "buy",
            "onboarding": "onboard",
            "support": "support",
            "renewal": "renew",
        }[raw["e_touchpoint"]]
        assert r["stage"] == stage
        assert r["attributes"]["e_touchpoint"] == raw["e_touchpoint"]
        if raw["e_channel"] in ("email", "web"):
            assert r["channel"] == raw["e_channel"]
            touchpoint = JOURNEY.touchpoint(stage, raw["e_channel"]) if JOURNEY else None
            assert r["touchpoint"] == (touchpoint.id if touchpoint else None)
        else:  # sms and app are not channels of the example journey: left empty
            assert r["channel"] is None
            assert r["attributes"]["e_channel"] == raw["e_channel"]


def test_unmapped_values_are_reported(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)

    notes = " ".join(summary.streams[0].notes)
    assert "channel 'sms'" in notes and "[mapping.channels]" in notes


# -- incremental runs -----------------------------------------------------------------------------


def test_state_is_the_keyset_watermark(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        assert h.sync(ws).ok
        (state,) = ws.store.states("voc")

    last = ordered(RECORDS)[-1]
    watermark = [h_epoch(last["e_responsedate"]), int(last["a_surveyid"])]
    assert dict(state.cursor) == {"after": watermark, "keyset": ["e_responsedate", "a_surveyid"]}


def h_epoch(text: str) -> float:
    """A sample date value as epoch seconds (naive values are UTC in the sample)."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_second_run_resumes_strictly_after_the_watermark(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server, lookback_seconds=0)) as ws:
        first = h.sync(ws)
        server.clear_log()
        second = h.sync(ws)
        queries = feedback_queries(server)

    last = ordered(RECORDS)[-1]
    assert first.ok and second.ok
    assert second.records == 0 and second.inserted == 0
    assert f'gt: "{last["e_responsedate"]}"' in queries[0]
    assert f'gt: "{last["a_surveyid"]}"' in queries[0]


def test_new_records_are_read_by_the_next_run(h: Harness) -> None:
    latest = ordered(RECORDS)[-1]
    new = [
        {
            **latest,
            "id": "20000001",
            "a_surveyid": "20000001",
            "e_responsedate": "2025-02-01 10:00:00",
        },
        # Same date as the watermark, higher id: only the id part of the keyset admits it.
        {**latest, "id": "20000002", "a_surveyid": "20000002"},
    ]
    with h.server() as server, h.workspace(h.settings(server, lookback_seconds=0)) as ws:
        assert h.sync(ws).ok
        for record in new:
            server.add_record(record)
        second = h.sync(ws)
        stored = by_id(list(ws.store.records("response")))

    assert second.ok and second.records == 2
    assert second.inserted == 4  # nps and csat of each; their customer already exists
    assert {"20000001:nps", "20000002:csat"} <= set(stored)


def test_lookback_rereads_recent_records_without_duplicates(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server, lookback_seconds=86_400 * 30)) as ws:
        first = h.sync(ws)
        before = snapshot(ws)
        second = h.sync(ws)
        after = snapshot(ws)

    assert first.ok and second.ok
    assert second.records > 0  # the last 30 days were read again...
    assert (second.inserted, second.updated) == (0, 0)  # ...and changed nothing
    assert after == before


def test_default_lookback_is_ten_minutes(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        assert h.sync(ws).ok
        server.clear_log()
        assert h.sync(ws).ok
        query = feedback_queries(server)[0]

    last = ordered(RECORDS)[-1]
    earlier = datetime.fromtimestamp(h_epoch(last["e_responsedate"]) - 600, tz=UTC)
    assert f'gt: "{earlier.strftime("%Y-%m-%d %H:%M:%S")}"' in query


def test_lookback_never_moves_the_watermark_back(h: Harness) -> None:
    """Runs that re-read the lookback window and find nothing keep the saved watermark."""
    last = ordered(RECORDS)[-1]
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        assert h.sync(ws).ok
        (saved,) = ws.store.states("voc")
        server.delete_record(last["id"])  # nothing left inside the lookback window
        for _ in range(2):
            server.clear_log()
            assert h.sync(ws).ok
            query = feedback_queries(server)[0]
            (state,) = ws.store.states("voc")
            assert state.cursor == saved.cursor

    earlier = datetime.fromtimestamp(h_epoch(last["e_responsedate"]) - 600, tz=UTC)
    assert f'gt: "{earlier.strftime("%Y-%m-%d %H:%M:%S")}"' in query


def test_start_date_limits_the_first_run(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server, start_date="2024-07-01")) as ws:
        summary = h.sync(ws)
        responses = list(ws.store.records("response"))

    expected = [r for r in RECORDS if r["e_responsedate"] >= "2024-07-01"]
    assert summary.ok and summary.records == len(expected)
    assert min(r["occurred_at"] for r in responses) >= "2024-07-01"


def test_epoch_date_field_as_watermark(h: Harness, reference: Snapshot) -> None:
    """Medallia's own extractor keys on k_initialfinishdate_epoch_int (an INT field)."""
    fields = {"date": "k_initialfinishdate_epoch_int"}
    with (
        h.server() as server,
        h.workspace(h.settings(server, fields=fields, lookback_seconds=0)) as ws,
    ):
        first = h.sync(ws)
        server.clear_log()
        second = h.sync(ws)
        query = feedback_queries(server)[0]
        (state,) = ws.store.states("voc")
        responses = by_id(list(ws.store.records("response")))

    last = max(RECORDS, key=lambda r: (int(r["k_initialfinishdate_epoch_int"]), int(r["id"])))
    assert first.ok and second.ok and second.records == 0
    assert state.cursor["after"] == [float(last["k_initialfinishdate_epoch_int"]), int(last["id"])]
    assert f'gt: "{last["k_initialfinishdate_epoch_int"]}"' in query
    expected = by_id(reference["response"])
    assert set(responses) == set(expected)
    sample = RECORDS[5]
    assert responses[f"{sample['id']}:nps"]["occurred_at"] == (
        sample["e_initialfinishdate"].replace(" ", "T") + "Z"
    )


def test_changed_watermark_fields_need_a_full_refresh(h: Harness) -> None:
    with h.server() as server:
        store = DuckDBStore(":memory:")
        ws = h.workspace(h.settings(server), store=store)
        assert h.sync(ws).ok
        moved = h.workspace(h.settings(server, fields={"date": "e_initialfinishdate"}), store=store)
        refused = h.sync(moved)
        refreshed = h.sync(moved, full_refresh=True)
        store.close()

    assert not refused.ok
    assert "--full-refresh" in (refused.streams[0].error or "")
    assert refreshed.ok, failures(refreshed)


# -- interrupted syncs ----------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3])
def test_interrupted_after_page_k_resumes_exactly(
    h: Harness, reference: Snapshot, tmp_path: Path, k: int
) -> None:
    path = tmp_path / "store.duckdb"

    def kill(event: SyncProgress) -> None:
        if not event.done and event.pages == k:
            raise Killed(f"killed after page {k}")

    with h.server() as server:
        settings = h.settings(server, page_size=8)  # four pages of records, then the end
        ws = h.workspace(settings, store=DuckDBStore(path))
        with pytest.raises(Killed):
            h.sync(ws, progress=kill)
        partial = snapshot(ws)
        ws.close()  # the process died; a new one opens the same store
        with h.workspace(settings, store=DuckDBStore(path)) as ws:
            summary = h.sync(ws)
            resumed = snapshot(ws)

    assert summary.ok, failures(summary)
    assert 0 < len(partial["response"]) < len(reference["response"])
    assert resumed == reference


def test_failed_page_then_resumed_run_completes_exactly(h: Harness, reference: Snapshot) -> None:
    """A page that keeps failing (5xx past every retry) ends the run; the next run resumes."""
    broken = Fault(FaultKind.SERVER_ERROR, path=QUERY, at=3, times=5)
    with h.server(faults=[broken]) as server, h.workspace(h.settings(server)) as ws:
        first = h.sync(ws)
        partial = snapshot(ws)
        second = h.sync(ws)
        resumed = snapshot(ws)

    assert not first.ok and first.streams[0].error_type == "RetriesExhaustedError"
    assert "HTTP 500" in (first.streams[0].error or "")
    assert 0 < len(partial["response"]) < len(reference["response"])
    assert second.ok and resumed == reference


def test_records_deleted_while_paging_shift_no_record_out(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A deletion behind the page position moves every later cursor position by one; the
    one-record overlap notices it and the page is asked again by keyset."""
    caplog.set_level(logging.INFO, logger="cxcore_medallia")
    victim = ordered(RECORDS)[2]["id"]

    # Small pages: the SDK reads up to two pages ahead of the one whose progress is reported,
    # so a change made from the callback must leave several pages still to be requested.
    settings = {"lookback_seconds": 0, "page_size": 4}
    with h.server() as server, h.workspace(h.settings(server, **settings)) as ws:

        def delete_read_record(event: SyncProgress) -> None:
            if not event.done and event.pages == 1:
                server.delete_record(victim)

        summary = h.sync(ws, progress=delete_read_record)
        stored = {r["id"].split(":")[0] for r in ws.store.records("response")}

    assert summary.ok, failures(summary)
    assert stored == {r["id"] for r in RECORDS}  # nothing skipped (the victim was read first)
    assert "asking again from the watermark" in caplog.text


def test_records_added_ahead_while_paging_are_read(h: Harness) -> None:
    extra = {
        **ordered(RECORDS)[-1],
        "id": "20000009",
        "a_surveyid": "20000009",
        "e_responsedate": "2025-01-31 23:00:00",
    }

    with h.server() as server, h.workspace(h.settings(server, page_size=4)) as ws:

        def add(event: SyncProgress) -> None:
            if not event.done and event.pages == 1:
                server.add_record(extra)

        summary = h.sync(ws, progress=add)
        stored = {r["id"] for r in ws.store.records("response")}

    assert summary.ok and summary.records == len(RECORDS) + 1
    assert "20000009:nps" in stored


# -- rate limits and transient faults -------------------------------------------------------------


def test_429_with_retry_after_is_waited_out(h: Harness, reference: Snapshot) -> None:
    fault = Fault(FaultKind.RATE_LIMITED, path=QUERY, at=2, retry_after=7)
    with h.server(faults=[fault]) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)

    assert summary.ok and fault.fired == 1
    assert 7.0 in h.clock.sleeps
    assert snap == reference


def test_429_without_retry_after_backs_off(h: Harness, reference: Snapshot) -> None:
    fault = Fault(FaultKind.RATE_LIMITED_NO_RETRY_AFTER, path=QUERY, at=2)
    with h.server(faults=[fault]) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)

    assert summary.ok and fault.fired == 1
    assert summary.streams[0].retries == 1
    assert len(h.clock.sleeps) == 1 and 0 <= h.clock.sleeps[0] <= 1.0  # first backoff step
    assert snap == reference


def test_server_rate_limit_is_honoured(h: Harness, reference: Snapshot) -> None:
    """No client pacing against a 3/s server: its 429s (with Retry-After) are waited out."""
    with h.server(rate_limit_per_second=3) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)
        served = server.served_429

    assert summary.ok, failures(summary)
    assert served > 0 and snap == reference


def test_client_pacing_keeps_under_the_documented_rate(h: Harness, reference: Snapshot) -> None:
    """At the default 10 requests/s the client never provokes a 429 from a 10/s server."""
    with h.server(rate_limit_per_second=10) as server:
        settings = h.settings(server, page_size=2)
        del settings["requests_per_second"]  # the default: 10/s
        with h.workspace(settings) as ws:
            summary = h.sync(ws)
            snap = snapshot(ws)
        served, queries = server.served_429, len(server.requests_to(QUERY))

    assert summary.ok, failures(summary)
    assert queries > 20 and served == 0
    assert h.clock.slept >= (queries - 1) * 0.1
    assert snap == reference


def test_5xx_then_success(h: Harness, reference: Snapshot) -> None:
    faults = [
        Fault(FaultKind.SERVER_ERROR, path=QUERY, at=2),
        Fault(FaultKind.UNAVAILABLE, path=QUERY, at=3, retry_after=2),
        Fault(FaultKind.STATUS, status=502, path=QUERY, at=5),
    ]
    with h.server(faults=faults) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)

    assert summary.ok, failures(summary)
    assert [f.fired for f in faults] == [1, 1, 1]
    assert summary.streams[0].retries == 3 and 2.0 in h.clock.sleeps
    assert snap == reference


@pytest.mark.parametrize("kind", [FaultKind.TRUNCATED_BODY, FaultKind.MALFORMED_JSON])
def test_truncated_or_malformed_body_is_retried(
    h: Harness, reference: Snapshot, kind: FaultKind
) -> None:
    fault = Fault(kind, path=QUERY, at=2)
    with h.server(faults=[fault]) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)

    assert summary.ok, failures(summary)
    assert fault.fired == 1 and summary.streams[0].retries == 1
    assert snap == reference


def test_token_endpoint_5xx_is_retried(h: Harness, reference: Snapshot) -> None:
    fault = Fault(FaultKind.UNAVAILABLE, path="/oauth/", at=0, retry_after=1)
    with h.server(faults=[fault]) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        snap = snapshot(ws)

    assert summary.ok and fault.fired == 1 and snap == reference


# -- GraphQL errors -------------------------------------------------------------------------------


def test_graphql_errors_are_reported_clearly(h: Harness) -> None:
    body = {
        "data": {"feedback": None},
        "errors": [
            {
                "message": "Query cost 3600000 exceeds the maximum of 3000000",
                "path": ["feedback"],
                "extensions": {"classification": "ExecutionAborted"},
            }
        ],
    }
    fault = Fault(FaultKind.STATUS, status=200, path=QUERY, at=2, body=json.dumps(body).encode())
    with h.server(faults=[fault]) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)

    stream = summary.streams[0]
    assert not summary.ok and stream.error_type == "MedalliaQueryError"
    assert stream.error == (
        "Medallia Query API refused the feedback query: Query cost 3600000 exceeds the maximum "
        "of 3000000 [ExecutionAborted at feedback]"
    )


def test_graphql_validation_error_from_the_api(h: Harness) -> None:
    with (
        h.server(max_page_size=50) as server,
        h.workspace(h.settings(server, page_size=100)) as ws,
    ):
        summary = h.sync(ws)

    error = summary.streams[0].error or ""
    assert not summary.ok and summary.streams[0].error_type == "MedalliaQueryError"
    assert error.startswith("Medallia Query API refused the ")
    assert "Argument 'first' must not exceed 50 [DataFetchingException at " in error


def test_unknown_configured_fields(h: Harness) -> None:
    """A missing watermark or filter field stops the sync (with the setting to fix); a
    missing optional field is left out and named by check."""
    with h.server() as server:
        with h.workspace(h.settings(server, fields={"date": "e_respdate"})) as ws:
            (check,) = check_sources(ws, clock=h.clock)
            summary = h.sync(ws)
        with h.workspace(h.settings(server, filter=[{"field": "e_region", "in": ["north"]}])) as ws:
            filtered = h.sync(ws)
        with h.workspace(h.settings(server, fields={"segment": "e_customer_tier"})) as ws:
            (optional,) = check_sources(ws, clock=h.clock)
            loose = h.sync(ws)

    assert not check.ok and "settings.fields.date = 'e_respdate'" in check.line
    assert summary.streams[0].error_type == "ConfigError"
    assert "settings.fields.date = 'e_respdate'" in (summary.streams[0].error or "")
    assert "settings.filter[0].field = 'e_region'" in (filtered.streams[0].error or "")
    assert optional.ok and "settings.fields.segment 'e_customer_tier'" in optional.message
    assert loose.ok, failures(loose)


# -- schema drift ---------------------------------------------------------------------------------


def test_schema_drift(h: Harness) -> None:
    first, second, third = ordered(RECORDS)[:3]
    records = [dict(r) for r in RECORDS]
    with h.server(records) as server:
        server.add_record({**first, "e_loyalty_tier": "gold"})  # a new field
        server.add_record(
            {
                k: v
                for k, v in second.items()
                if k not in ("e_touchpoint", "q_global_nps_comment_txt", "q_osat_1to5")
            }
        )
        with h.workspace(h.settings(server)) as ws:
            summary = h.sync(ws)
            responses = by_id(list(ws.store.records("response")))

    assert summary.ok and summary.rejected == 0
    assert responses[f"{first['id']}:nps"]["attributes"]["e_loyalty_tier"] == "gold"
    assert "e_loyalty_tier" not in responses[f"{third['id']}:nps"]["attributes"]
    trimmed = responses[f"{second['id']}:nps"]
    assert trimmed.get("stage") is None and trimmed.get("comment") is None
    assert responses[f"{second['id']}:csat"]["value"] is None  # shown, unanswered


def test_new_field_in_the_catalogue_is_fetched_next_run(h: Harness) -> None:
    latest = ordered(RECORDS)[-1]
    with h.server() as server, h.workspace(h.settings(server, lookback_seconds=0)) as ws:
        assert h.sync(ws).ok
        server.add_record(
            {**latest, "id": "20000003", "a_surveyid": "20000003", "e_store_region": "north"}
        )
        assert h.sync(ws).ok
        query = feedback_queries(server)[-1]
        stored = by_id(list(ws.store.records("response")))

    assert '"e_store_region"' in query
    assert stored["20000003:nps"]["attributes"]["e_store_region"] == "north"


def test_explicit_attribute_list(h: Harness) -> None:
    with h.server() as server:
        with h.workspace(h.settings(server, attributes=["e_status"])) as ws:
            assert h.sync(ws).ok
            listed = next(iter(ws.store.records("response")))
            query = feedback_queries(server)[-1]
        with h.workspace(h.settings(server, attributes="none")) as ws:
            assert h.sync(ws).ok
            bare = next(iter(ws.store.records("response")))

    assert set(listed["attributes"]) == {"e_status", "e_touchpoint", "e_channel"}
    assert "e_creationdate" not in query
    assert set(bare["attributes"]) == {"e_touchpoint", "e_channel"}


# -- values ---------------------------------------------------------------------------------------


def test_out_of_scale_answer_is_rejected_with_the_reason(h: Harness) -> None:
    records = [dict(r) for r in RECORDS]
    bad = ordered(records)[4]
    bad["q_global_nps_0to10"] = "12"
    with h.server(records) as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)
        (rejected,) = ws.store.rejected()
        stored = {r["id"] for r in ws.store.records("response")}

    assert summary.ok and summary.rejected == 1
    assert rejected.record_id == bad["id"]
    assert "item nps: answer 12 in field q_global_nps_0to10 is outside its scale 0..10" in (
        rejected.errors[0].message
    )
    assert f"{bad['id']}:csat" not in stored and len(stored) == 2 * (len(RECORDS) - 1)


# -- field mapping from configuration -------------------------------------------------------------

CUSTOM_FIELDS = [
    {"id": "rid", "dataType": "STRING"},
    {"id": "e_submitted", "dataType": "DATE"},
    {"id": "cust_ref", "dataType": "STRING"},
    {"id": "contact_mail", "dataType": "STRING"},
    {"id": "e_tp", "dataType": "ENUM"},
    {"id": "e_via", "dataType": "ENUM"},
    {"id": "e_tier", "dataType": "STRING"},
    {"id": "e_programme", "dataType": "STRING"},
    {"id": "q_ltr", "dataType": "ENUM"},
    {"id": "q_ltr_why", "dataType": "COMMENT"},
    {"id": "q_effort", "dataType": "ENUM"},
    {"id": "e_visit_count", "dataType": "INT"},
]


def custom_records() -> list[dict[str, Any]]:
    """25 responses on 3 distinct dates: ties on the date span page boundaries."""
    dates = ["2024-03-31 01:30:00", "2024-07-01 12:00:00", "2024-11-05 08:15:00"]
    out = []
    for i in range(25):
        rid = f"R-{i:04d}"
        out.append(
            {
                "id": rid,
                "rid": rid,
                "e_submitted": dates[i % 3],
                "cust_ref": f"C{i % 7}",
                "contact_mail": f"Person.{i % 7}@Example.com",
                "e_tp": ["Helpdesk", "Purchase"][i % 2],
                "e_via": ["Phone", "Email"][i % 2],
                "e_tier": ["Gold Tier", "Silver"][(i % 7) % 2],  # one tier per customer
                "e_programme": "Relationship 2024",
                "q_ltr": None if i == 4 else str(i % 11),
                "q_ltr_why": "Quick and friendly" if i % 5 == 0 else None,
                "q_effort": None if i % 4 == 0 else str(1 + i % 5),
                "e_visit_count": str(i),
            }
        )
    return out


CUSTOM_SETTINGS: dict[str, Any] = {
    "fields": {
        "id": "rid",
        "date": "e_submitted",
        "customer": "cust_ref",
        "email": "contact_mail",
        "touchpoint": "e_tp",
        "channel": "e_via",
        "segment": "e_tier",
        "survey": "e_programme",
    },
    "items": {
        "nps": {"field": "q_ltr", "comment": "q_ltr_why"},
        "csat": False,
        "ces": {
            "field": "q_effort",
            "scale": {"min": 1, "max": 5, "direction": "lower_is_better"},
            "if_empty": "skip",
        },
    },
    "segments": {"Gold Tier": "business"},
    "timezone": "Europe/Paris",
    "mapping": {"stages": {"Helpdesk": "support"}},
    "page_size": 4,
}


def test_field_mapping_from_configuration(h: Harness) -> None:
    records = custom_records()
    with h.server(records, fields=CUSTOM_FIELDS) as server:
        with h.workspace(h.settings(server, **CUSTOM_SETTINGS)) as ws:
            summary = h.sync(ws)
            responses = by_id(list(ws.store.records("response")))
            customers = by_id(list(ws.store.records("customer")))
            (state,) = ws.store.states("voc")
            problems = [r["id"] for r in responses.values() if ws.validate("response", r)]
        queries = feedback_queries(server)

    assert summary.ok and summary.rejected == 0 and problems == []
    assert summary.pages >= 6 and summary.records == 25  # no record lost at date ties
    assert all("q_global_nps_0to10" not in q and "a_surveyid" not in q for q in queries)
    assert state.cursor["keyset"] == ["e_submitted", "rid"] and state.cursor["after"][1] == "R-0023"

    ces = [r for r in responses.values() if r["item"] == "ces"]
    assert len(ces) == sum(1 for r in records if r["q_effort"])  # empty CES: not asked
    assert not any(r["item"] == "csat" for r in responses.values())
    assert ces[0]["scale"] == {"min": 1, "max": 5, "direction": "lower_is_better"}

    r0 = responses["R-0000:nps"]
    assert r0["value"] == 0 and r0["comment"] == "Quick and friendly"
    assert r0["occurred_at"] == "2024-03-31T00:30:00Z"  # 01:30 in Paris, winter time
    assert responses["R-0001:nps"]["occurred_at"] == "2024-07-01T10:00:00Z"  # summer time
    assert r0["survey"] == "Relationship 2024"
    assert (r0["stage"], r0["channel"], r0["touchpoint"]) == ("support", "phone", "support.phone")
    assert r0["attributes"] == {
        "e_visit_count": "0",
        "e_tp": "Helpdesk",
        "e_via": "Phone",
        "e_tier": "Gold Tier",
        "e_programme": "Relationship 2024",
    }
    assert responses["R-0004:nps"]["value"] is None  # shown, unanswered (if_empty = null)

    assert len(customers) == 7
    gold = customers[r0["customer_id"]]
    assert gold["segment"] == "business" and gold["attributes"] == {"e_tier": "Gold Tier"}
    silver = customers[responses["R-0001:nps"]["customer_id"]]
    assert silver.get("segment") is None  # no such journey segment: kept, without one
    assert silver["attributes"] == {"e_tier": "Silver"}


def test_configured_customer_identity_is_hashed_with_the_key(h: Harness) -> None:
    from cxcore.sdk import IdentityHasher

    with (
        h.server(custom_records(), fields=CUSTOM_FIELDS) as server,
        h.workspace(h.settings(server, **CUSTOM_SETTINGS)) as ws,
    ):
        assert h.sync(ws).ok
        customers = by_id(list(ws.store.records("customer")))

    hasher = IdentityHasher(HASH_KEY)
    expected = hasher.hash("external_id", "C3")
    assert expected in customers
    assert customers[expected]["identities"]["email"] == hasher.hash(
        "email", "person.3@example.com"
    )


# -- privacy --------------------------------------------------------------------------------------


def _with_names() -> list[dict[str, Any]]:
    return [{**r, "e_firstname": f"Name{i}"} for i, r in enumerate(RECORDS)]


NAMED_FIELDS = [*DATA["fields"], {"id": "e_firstname", "name": "First name", "dataType": "STRING"}]


def test_pii_drop_fetches_no_identifier(h: Harness) -> None:
    with (
        h.server(_with_names(), fields=NAMED_FIELDS) as server,
        h.workspace(h.settings(server, pii="drop")) as ws,
    ):
        summary = h.sync(ws)
        responses = list(ws.store.records("response"))
        customers = list(ws.store.records("customer"))
        queries = feedback_queries(server)

    assert summary.ok and customers == []
    assert all("customer_id" not in r or r["customer_id"] is None for r in responses)
    assert not any(f in q for q in queries for f in ("a_customerid", "e_email", "e_firstname"))


def test_pii_clear_keeps_identifiers_and_personal_fields(h: Harness) -> None:
    with (
        h.server(_with_names(), fields=NAMED_FIELDS) as server,
        h.workspace(h.settings(server, pii="clear")) as ws,
    ):
        summary = h.sync(ws)
        responses = by_id(list(ws.store.records("response")))
        customers = by_id(list(ws.store.records("customer")))

    raw = RECORDS[0]
    assert summary.ok
    assert responses[f"{raw['id']}:nps"]["customer_id"] == raw["a_customerid"]
    assert customers[raw["a_customerid"]]["identities"]["email"] == raw["e_email"].lower()
    assert responses[f"{raw['id']}:nps"]["attributes"]["e_firstname"] == "Name0"


def test_personal_fields_are_not_fetched_when_hashing(h: Harness) -> None:
    settings_extra = {"personal_fields": ["e_status"]}
    with (
        h.server(_with_names(), fields=NAMED_FIELDS) as server,
        h.workspace(h.settings(server, **settings_extra)) as ws,
    ):
        assert h.sync(ws).ok
        queries = feedback_queries(server)
        attributes = next(iter(ws.store.records("response")))["attributes"]

    assert not any("e_firstname" in q or "e_status" in q for q in queries)
    assert "e_firstname" not in attributes and "e_status" not in attributes


def test_hashing_needs_the_key(h: Harness) -> None:
    h.monkeypatch.delenv(HASH_KEY_ENV)
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        summary = h.sync(ws)

    assert not summary.ok and summary.streams[0].error_type == "ConfigError"
    assert HASH_KEY_ENV in (summary.streams[0].error or "")


# -- auth -----------------------------------------------------------------------------------------


def test_bad_client_secret_check_is_one_line(h: Harness) -> None:
    with h.server() as server:
        with h.workspace(h.settings(server, client_secret="wrong-secret-value")) as ws:
            (result,) = check_sources(ws, clock=h.clock)
            summary = h.sync(ws)
        with h.workspace(h.settings(server)) as ws:
            (good,) = check_sources(ws, clock=h.clock)

    assert not result.ok and "\n" not in result.line
    assert result.line.startswith("voc (medallia): ")
    assert "settings.client_secret" in result.line and "invalid_client" in result.line
    assert "wrong-secret-value" not in result.line
    assert summary.streams[0].error_type == "AuthError"
    assert "settings.client_secret" in (summary.streams[0].error or "")
    assert good.ok and "9 of 9 configured fields found" in good.message


def test_expired_token_is_refreshed_mid_sync(h: Harness, reference: Snapshot) -> None:
    """The server revokes the token after page 2: one 401, a new token, same records."""
    with h.server() as server, h.workspace(h.settings(server, page_size=4)) as ws:

        def expire(event: SyncProgress) -> None:
            if not event.done and event.pages == 2:
                server.expire_tokens()

        summary = h.sync(ws, progress=expire)
        snap = snapshot(ws)
        statuses = [r.status for r in server.requests_to(QUERY)]
        tokens = server.tokens_issued

    assert summary.ok, failures(summary)
    assert tokens == 2 and statuses.count(401) == 1
    assert snap == reference


def test_token_is_renewed_before_it_expires(h: Harness, reference: Snapshot) -> None:
    """With 120 s tokens and time passing mid-sync, the client renews them without a 401."""
    with h.server(token_ttl=120) as server, h.workspace(h.settings(server, page_size=4)) as ws:

        def wait(event: SyncProgress) -> None:
            if not event.done and event.pages in (1, 2):
                h.clock.advance(110)  # past the renewal point (expiry minus 10 %)

        summary = h.sync(ws, progress=wait)
        snap = snapshot(ws)
        statuses = [r.status for r in server.requests_to(QUERY)]
        tokens = server.tokens_issued

    assert summary.ok, failures(summary)
    assert tokens == 3 and 401 not in statuses
    assert snap == reference


def test_token_request_uses_http_basic(h: Harness) -> None:
    with h.server() as server, h.workspace(h.settings(server)) as ws:
        (result,) = check_sources(ws, clock=h.clock)
        (token_request,) = server.requests_to("/oauth/company/token")

    assert result.ok
    assert token_request.headers["authorization"].startswith("Basic ")
    assert token_request.body == {"grant_type": "client_credentials"}


def test_secrets_never_in_logs_errors_or_store(
    h: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    records = [dict(r) for r in RECORDS]
    records[3]["q_global_nps_0to10"] = "99"  # one rejected record in the store
    texts: list[str] = []
    with h.server(records) as server:
        with h.workspace(h.settings(server, client_secret="wrong-secret-value")) as ws:
            texts += [r.line for r in check_sources(ws, clock=h.clock)]
            texts.append(json.dumps(h.sync(ws).as_dict()))
        with h.workspace(h.settings(server, page_size=4)) as ws:

            def expire(event: SyncProgress) -> None:
                if not event.done and event.pages == 1:
                    server.expire_tokens()

            texts.append(json.dumps(h.sync(ws, progress=expire).as_dict()))
            texts.append(json.dumps(snapshot(ws)))
            texts += [repr(r) for r in ws.store.rejected()]
            texts += [json.dumps(dict(s.cursor)) for s in ws.store.states()]
        tokens = {
            r.headers["authorization"].split(" ", 1)[1]
            for r in server.requests
            if r.headers.get("authorization", "").startswith(("Bearer ", "Basic "))
        }
    texts.append(caplog.text)
    blob = "\n".join(texts)

    assert len(tokens) >= 4  # two Basic credentials, two bearer tokens
    assert "POST" in caplog.text and "rejected" in blob
    for secret in [CLIENT_SECRET, "wrong-secret-value", *tokens]:
        assert secret not in blob


# -- cxcore.toml and the CLI ----------------------------------------------------------------------


def _toml(server: MedalliaStandin, tmp_path: Path) -> Path:
    path = tmp_path / "cxcore.toml"
    path.write_text(
        f"""
[store]
plugin = "duckdb"
path = "store.duckdb"

[sources.voc]
plugin = "medallia"

[sources.voc.settings]
token_url = "{server.url("/oauth/company/token")}"
query_url = "{server.url(QUERY)}"
client_id = "{CLIENT_ID}"
client_secret = {{ env = "{SECRET_ENV}" }}
page_size = 10
requests_per_second = 0

[sources.voc.settings.fields]
segment = ""

[sources.voc.settings.items.nps]
field = "q_global_nps_0to10"

[sources.voc.settings.items.csat]
field = "q_osat_1to5"
scale = {{ min = 1, max = 5, direction = "higher_is_better" }}
if_empty = "skip"
""",
        encoding="utf-8",
    )
    return path


def test_cli_check_and_sync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from cxcore.cli.main import cli

    monkeypatch.setenv(HASH_KEY_ENV, HASH_KEY)
    with MedalliaStandin(**DATA, client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as server:
        config = _toml(server, tmp_path)
        runner = CliRunner()
        monkeypatch.setenv(SECRET_ENV, "wrong-secret-value")
        bad = runner.invoke(cli, ["--config", str(config), "sources", "check"])
        monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
        good = runner.invoke(cli, ["--config", str(config), "sources", "check"])
        synced = runner.invoke(cli, ["--config", str(config), "sources", "sync", "-q"])

    lines = bad.output.strip().splitlines()
    assert bad.exit_code != 0
    assert len(lines) == 1 and lines[0].startswith("error: voc (medallia): ")
    assert "settings.client_secret" in lines[0] and "wrong-secret-value" not in bad.output
    assert good.exit_code == 0 and good.output.startswith("ok: voc (medallia): authenticated")
    assert synced.exit_code == 0, synced.output
    assert re.search(r"voc\s+feedback\s+ok\s+4\s+28\s+", synced.output), synced.output
