"""HubSpot-specific tests of the source, offline against the stand-in.

The generic checks (every stream across pages, 429/401/5xx/bad bodies, drift, tombstones,
interrupted syncs, secrets) run in ``test_contract.py``; these tests pin down what is
particular to HubSpot: the search API's 10,000-result cap and single sort, its index lag,
its two rate limits, archived records, lifecycle stages from the properties API,
associations, the survey scales and what personal data is stored.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import cxcore_hubspot
import pytest
import requests
from cxcore_hubspot.source import HubSpotSource
from cxcore_hubspot.standin import HubSpotStandin, sample_dataset

from cxcore.config import ProjectConfig, SourceConfig, StoreConfig
from cxcore.model import Journey, from_dict
from cxcore.sdk import FakeClock, IdentityHasher, SyncProgress, SyncSummary
from cxcore.sdk.sync import check_sources, open_source, sync_sources
from cxcore.store.duckdb import DuckDBStore
from cxcore.testing.contract import SyncKilled, snapshot
from cxcore.testing.standin import (
    Fault,
    FaultKind,
    Request,
    Response,
    Route,
    iso_z,
    json_response,
)
from cxcore.workspace import Workspace

TOKEN = "pat-na1-7d0c3e5a-hubspot-test-token"
HASH_KEY = "hubspot-test-hash-key-0123456789abcdef"
NOW = 1_740_000_000.0  # 2025-02-19, after the sample data (2024)
SOURCE = "crm"
STREAMS = ("contacts", "deals", "tickets", "feedback_submissions")
JOURNEY = from_dict(
    Journey,
    {
        "id": "crm",
        "name": "CRM journey",
        "stages": [{"id": s} for s in ("discover", "buy", "onboard", "support", "renew")],
        "channels": [{"id": c} for c in ("web", "email", "phone", "chat", "social")],
        "touchpoints": [
            {"stage": "support", "channel": "email"},
            {"stage": "support", "channel": "chat"},
        ],
    },
)


class AssociatingStandin(HubSpotStandin):
    """The stand-in plus the v4 batch associations read the plugin uses for deals/tickets."""

    def routes(self) -> Sequence[Route]:
        return (
            *super().routes(),
            Route(
                "POST",
                r"/crm/v4/associations/(?P<from_type>[a-z_]+)/(?P<to_type>[a-z_]+)/batch/read",
                self._associations,
            ),
        )

    def _associations(self, request: Request, from_type: str, to_type: str) -> Response:
        results = []
        for item in request.json()["inputs"]:
            try:
                record = self.get(from_type, item["id"])
            except KeyError:
                continue
            links = ((record.get("associations") or {}).get(to_type) or {}).get("results") or []
            if links:
                results.append(
                    {
                        "from": {"id": str(item["id"])},
                        "to": [
                            {
                                "toObjectId": int(link["id"]),
                                "associationTypes": [
                                    {"category": "HUBSPOT_DEFINED", "typeId": 1, "label": None}
                                ],
                            }
                            for link in links
                        ],
                    }
                )
        return json_response({"status": "COMPLETE", "results": results})


# -- helpers --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setenv("CXCORE_HASH_KEY", HASH_KEY)


def clock_at(now: float = NOW) -> FakeClock:
    """An SDK fake clock; the stand-in reads the same wall time (``clock.time``)."""
    return FakeClock(start=1_000.0, wall=now)


def settings_for(server: HubSpotStandin, **overrides: Any) -> dict[str, Any]:
    return {
        "base_url": server.base_url,
        "access_token": {"env": "HUBSPOT_TOKEN"},
        "page_size": 10,
        "list_page_size": 10,
        **overrides,
    }


def workspace(
    settings: Mapping[str, Any],
    *,
    store: DuckDBStore | None = None,
    stages: Mapping[str, str] | None = None,
    journey: Journey | None = JOURNEY,
) -> Workspace:
    config = ProjectConfig(
        store=StoreConfig(path=None),
        journey=journey,
        stage_map=dict(stages or {}),
        sources={SOURCE: SourceConfig(name=SOURCE, plugin="hubspot", settings=dict(settings))},
    )
    return Workspace(
        config=config,
        store=store if store is not None else DuckDBStore(":memory:"),
        plugins=[cxcore_hubspot],
        entry_points=False,
    )


def sync(
    ws: Workspace,
    clock: FakeClock,
    *,
    streams: Sequence[str] | None = None,
    progress: Any = None,
) -> SyncSummary:
    return sync_sources(ws, [SOURCE], streams=streams, progress=progress, clock=clock)


def failures(summary: SyncSummary) -> str:
    return "; ".join(f"{s.stream}: {s.error}" for s in summary.failed) or "none"


def by_id(snap: Mapping[str, list[dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in snap[kind]}


def searches(server: HubSpotStandin) -> list[Any]:
    return [r for r in server.requests if r.method == "POST" and r.path.endswith("/search")]


DATA = sample_dataset(40, seed=3)


@pytest.fixture(scope="module")
def synced() -> Iterator[dict[str, Any]]:
    """One full sync of the sample data with a journey and associations (shared, read-only)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUBSPOT_TOKEN", TOKEN)
        mp.setenv("CXCORE_HASH_KEY", HASH_KEY)
        clock = clock_at()
        with (
            AssociatingStandin(**DATA, token=TOKEN, clock=clock.time) as server,
            workspace(settings_for(server)) as ws,
        ):
            summary = sync(ws, clock)
            yield {
                "summary": summary,
                "snap": snapshot(ws),
                "server": server,
                "clock": clock,
                "ws": ws,
            }


# -- mapping of a full sync -----------------------------------------------------------------------


def test_full_sync_reads_every_stream_over_several_pages(synced: dict[str, Any]) -> None:
    summary: SyncSummary = synced["summary"]

    assert summary.ok, failures(summary)
    assert summary.rejected == 0
    pages = {s.stream: s.pages for s in summary.streams}
    assert set(pages) == set(STREAMS)
    assert all(n >= 3 for n in pages.values()), pages
    server: HubSpotStandin = synced["server"]
    # The properties API was read for every object, and no search query was offset-paged.
    assert {r.path for r in server.requests if "/properties/" in r.path} == {
        f"/crm/v3/properties/{name}" for name in STREAMS
    }
    assert all("after" not in (r.body or {}) for r in searches(server))
    assert all(len(r.body["sorts"]) == 1 for r in searches(server))


def test_contacts_become_customers_with_hashed_email(synced: dict[str, Any]) -> None:
    customers = by_id(synced["snap"], "customer")
    hasher = IdentityHasher(HASH_KEY)
    for contact in DATA["contacts"]:
        stored = customers[contact["id"]]
        props = contact["properties"]
        if contact["archived"]:
            assert stored.get("deleted") is True
            continue
        assert stored["identities"]["email"] == hasher.hash("email", props["email"])
        assert stored["identities"]["phone"] == hasher.hash("phone", props["phone"])
        assert stored["attributes"]["lifecyclestage"] == props["lifecyclestage"]
        assert stored["created_at"].startswith(props["createdate"][:19])
        assert "firstname" not in stored["attributes"] and "email" not in stored["attributes"]


def test_lifecycle_stages_map_to_journey_stages_by_default(synced: dict[str, Any]) -> None:
    interactions = by_id(synced["snap"], "interaction")
    expected = {
        "subscriber": "discover",
        "lead": "discover",
        "marketingqualifiedlead": "discover",
        "salesqualifiedlead": "buy",
        "opportunity": "buy",
        "customer": "onboard",
        "evangelist": "renew",
    }
    seen = 0
    for contact in DATA["contacts"]:
        value = contact["properties"]["lifecyclestage"]
        event = interactions[f"contact:{contact['id']}:lifecycle:{value}"]
        if contact["archived"]:
            assert event.get("deleted") is True
            continue
        seen += 1
        assert event["type"] == "lifecycle.stage_entered"
        assert event["customer_id"] == contact["id"]
        assert event.get("stage") == expected.get(value)  # "other" maps to no stage
        assert event["attributes"]["entered_at_estimated"] is True  # no date-entered data
    assert seen > 20


def test_tickets_have_channel_stage_durations_and_contact(synced: dict[str, Any]) -> None:
    interactions = by_id(synced["snap"], "interaction")
    channels = {"EMAIL": "email", "CHAT": "chat", "FORM": "web", "PHONE": "phone"}
    for ticket in DATA["tickets"]:
        props = ticket["properties"]
        created = interactions[f"ticket:{ticket['id']}:created"]
        assert created["type"] == "ticket.created"
        assert created["channel"] == channels[props["source_type"]]
        assert created["stage"] == "support"
        assert created["journey_instance"] == ticket["id"]
        contact = ticket["associations"]["contacts"]["results"][0]["id"]
        assert created["customer_id"] == contact
        first_reply = int(props["time_to_first_agent_reply"]) / 1000
        assert created["durations"] == {"first_reply": first_reply}
        assert "content" not in created["attributes"]  # the body holds the customer's e-mail
        solved = interactions[f"ticket:{ticket['id']}:solved"]
        if props["closed_date"]:
            assert solved["type"] == "ticket.solved"
            assert solved["durations"] == {"full_resolution": int(props["time_to_close"]) / 1000}
            assert solved["occurred_at"].startswith(props["closed_date"][:19])
            assert solved.get("touchpoint") in (None, f"support.{created['channel']}")
        else:
            assert solved.get("deleted") is True


def test_deals_become_stage_interactions_and_purchases(synced: dict[str, Any]) -> None:
    interactions = by_id(synced["snap"], "interaction")
    won = 0
    for deal in DATA["deals"]:
        props = deal["properties"]
        stage = interactions[f"deal:{deal['id']}:stage:{props['dealstage']}"]
        if deal["archived"]:
            assert stage.get("deleted") is True
            continue
        assert interactions[f"deal:{deal['id']}:created"]["type"] == "deal.created"
        assert stage["stage"] == "buy"
        assert stage["journey_instance"] == f"deal:{deal['id']}"
        assert stage["customer_id"] == deal["associations"]["contacts"]["results"][0]["id"]
        purchase = interactions[f"deal:{deal['id']}:purchase"]
        if props["dealstage"] == "closedwon":
            won += 1
            assert stage["type"] == "deal.won"
            assert purchase["type"] == "purchase" and not purchase.get("deleted")
            assert purchase["attributes"]["amount"] == float(props["amount"])
            assert purchase["occurred_at"].startswith(props["closedate"][:19])
        else:
            expected = "deal.lost" if props["dealstage"] == "closedlost" else "deal.stage_entered"
            assert stage["type"] == expected
            assert purchase.get("deleted") is True
    assert won > 0


def test_feedback_answers_are_responses_on_explicit_scales(synced: dict[str, Any]) -> None:
    responses = by_id(synced["snap"], "response")
    scales = {
        "NPS": ("nps", 0, 10),
        "CSAT": ("csat", 1, 5),
        "CES": ("ces", 1, 7),
    }
    for answer in DATA["feedback_submissions"]:
        props = answer["properties"]
        stored = responses[f"feedback:{answer['id']}"]
        item, low, high = scales[props["hs_survey_type"]]
        assert stored["item"] == item
        assert stored["value"] == float(props["hs_value"])
        assert (stored["scale"]["min"], stored["scale"]["max"]) == (low, high)
        assert stored["scale"]["direction"] == "higher_is_better"
        assert stored["customer_id"] == props["hs_contact_id"]
        assert stored["survey"] == props["hs_survey_id"]
        assert stored.get("comment") == (props["hs_content"] or None)
        assert stored["channel"] == props["hs_survey_channel"].lower()
        assert stored["attributes"]["survey_type"] == props["hs_survey_type"]
        assert stored["attributes"]["hs_response_group"] == props["hs_response_group"]
        if item == "nps":
            assert [b["name"] for b in stored["scale"]["buckets"]] == [
                "detractor",
                "passive",
                "promoter",
            ]
        else:
            assert stored["stage"] == "support"


def test_no_personal_data_is_stored_in_hash_mode(synced: dict[str, Any]) -> None:
    blob = json.dumps(synced["snap"], default=str)
    for contact in DATA["contacts"]:
        props = contact["properties"]
        for value in (props["email"], props["phone"], f"{props['firstname']} {props['lastname']}"):
            assert value not in blob
    # Personal properties are not even requested.
    asked = {p for r in searches(synced["server"]) for p in r.body["properties"]}
    assert {"firstname", "lastname", "content", "hs_submission_name"}.isdisjoint(asked)
    assert {"email", "phone"} <= asked


# -- lifecycle stages from the properties API -----------------------------------------------------


def _contact(rid: int, modified: str, **props: str) -> dict[str, Any]:
    return {
        "id": str(rid),
        "properties": {"createdate": "2024-01-01T00:00:00.000Z", "lastmodifieddate": modified}
        | props,
        "createdAt": "2024-01-01T00:00:00.000Z",
        "updatedAt": modified,
        "archived": False,
    }


def test_custom_lifecycle_stages_from_the_properties_api() -> None:
    options = [
        {"label": "Lead", "value": "lead", "displayOrder": 0},
        {"label": "Customer", "value": "customer", "displayOrder": 1},
        {"label": "Onboarding", "value": "1049386", "displayOrder": 2},
        {"label": "Churned", "value": "1049387", "displayOrder": 3},
    ]
    definitions = {
        "contacts": [
            {"name": "lifecyclestage", "type": "enumeration", "options": options},
            *(
                {"name": f"hs_v2_date_entered_{o['value']}", "type": "datetime", "options": []}
                for o in options
            ),
            {"name": "x_plan", "type": "string", "options": []},
        ]
    }
    contacts = [
        _contact(1, "2024-05-01T00:00:00.000Z", lifecyclestage="1049386", x_plan="pro"),
        _contact(
            2,
            "2024-06-01T00:00:00.000Z",
            lifecyclestage="1049387",
            hs_v2_date_entered_customer="2024-02-01T10:00:00.000Z",
            hs_v2_date_entered_1049387="2024-05-20T10:00:00.000Z",
        ),
        _contact(
            3,
            "2024-06-02T00:00:00.000Z",
            lifecyclestage="customer",
            hs_v2_date_entered_lead="2024-01-05T10:00:00.000Z",
            hs_v2_date_entered_customer="2024-03-05T10:00:00.000Z",
        ),
    ]
    clock = clock_at()
    with HubSpotStandin(contacts, properties=definitions, token=TOKEN, clock=clock.time) as server:
        # Map the custom stage by its label; the churned stage is deliberately left unmapped.
        with workspace(settings_for(server), stages={"onboarding": "onboard"}) as ws:
            summary = sync(ws, clock, streams=["contacts"])
            snap = snapshot(ws)
        lifecycle_reads = [r for r in server.requests if r.path == "/crm/v3/properties/contacts"]

    assert summary.ok, failures(summary)
    assert len(lifecycle_reads) == 1
    customers, events = by_id(snap, "customer"), by_id(snap, "interaction")
    onboarding = customers["1"]["attributes"]
    assert onboarding["lifecycle_stage_label"] == "Onboarding"
    assert onboarding["journey_stage"] == "onboard"
    assert onboarding["x_plan"] == "pro"  # a custom property, kept
    assert events["contact:1:lifecycle:1049386"]["stage"] == "onboard"
    churned = customers["2"]["attributes"]
    assert churned["churned_at"] == "2024-05-20T10:00:00.000Z"
    assert "journey_stage" not in churned
    assert events["contact:2:lifecycle:customer"]["occurred_at"] == "2024-02-01T10:00:00Z"
    assert events["contact:3:lifecycle:lead"]["stage"] == "discover"
    assert events["contact:3:lifecycle:customer"]["occurred_at"] == "2024-03-05T10:00:00Z"
    assert "entered_at_estimated" not in events["contact:3:lifecycle:customer"]["attributes"]
    (notes,) = [s.notes for s in summary.streams]
    assert any("'churned'" in note and "[mapping.stages]" in note for note in notes), notes


# -- the search API: 10,000-result cap, single sort, index lag ------------------------------------


def _answers(count: int, stamps: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": str(40_000_000 + i),
            "properties": {
                "hs_survey_type": "NPS",
                "hs_value": str(i % 11),
                "hs_createdate": stamps[i % len(stamps)],
                "hs_lastmodifieddate": stamps[i % len(stamps)],
            },
            "archived": False,
        }
        for i in range(count)
    ]


def _read_ids(server: HubSpotStandin, clock: FakeClock, **overrides: Any) -> list[str]:
    settings = {
        "base_url": server.base_url,
        "access_token": TOKEN,
        "requests_per_10_seconds": 0,
        "search_requests_per_second": 0,
        **overrides,
    }
    source = HubSpotSource(settings, clock=clock)
    try:
        stream = source.stream("feedback_submissions")
        return [r["id"] for page in source.read(stream, None) for r in page.records]
    finally:
        source.close()


@pytest.mark.parametrize("spread", ["distinct", "one_millisecond"])
def test_more_than_10000_records_in_one_window_are_all_read(spread: str) -> None:
    """HubSpot refuses to page one query past 10,000 results (the stand-in too): the keyset
    walk gets every record, whether they spread over a window or share one millisecond."""
    count = 10_250
    if spread == "distinct":
        stamps = [iso_z(1_720_000_000 + i * 0.001, millis=True) for i in range(count)]
    else:
        stamps = ["2024-07-03T09:46:40.000Z"]
    clock = clock_at()
    with HubSpotStandin(
        feedback_submissions=_answers(count, stamps), token=TOKEN, clock=clock.time
    ) as server:
        got = _read_ids(server, clock)
        statuses = {r.status for r in server.requests}
        # What an offset walk would run into: HubSpot (and the stand-in) refuse after=10000.
        beyond = requests.post(
            server.url("/crm/v3/objects/feedback_submissions/search"),
            json={"limit": 200, "after": "10000"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=10,
        )

    assert len(got) == count and len(set(got)) == count
    assert statuses == {200}
    assert beyond.status_code == 400


def test_search_with_ties_in_any_order_and_one_sort_loses_nothing() -> None:
    """A stand-in that, like HubSpot, honours one sort and returns ties in arbitrary order."""

    class OneSort(HubSpotStandin):
        def _validate_sorts(self, request: Request, sorts: Any) -> list[tuple[str, bool]]:
            assert len(sorts) <= 1, "HubSpot accepts one sort"
            return super()._validate_sorts(request, sorts)

        def _sort_key(self, object_type: str, name: str, descending: bool) -> Any:
            base = super()._sort_key(object_type, name, descending)
            # Break ties by a hash of the id instead of the id: no usable order.
            return lambda r: (base(r), hash(("tie", r["id"])) % 997)

    stamps = [iso_z(1_720_000_000 + (i // 7), millis=True) for i in range(300)]
    clock = clock_at()
    with OneSort(feedback_submissions=_answers(300, stamps), token=TOKEN, clock=clock.time) as s:
        got = _read_ids(s, clock, page_size=10)

    assert sorted(got) == sorted(a["id"] for a in _answers(300, stamps))
    assert len(got) == 300


def test_lookback_covers_the_search_index_lag() -> None:
    """Records modified just before a run are not searchable yet; the next run's lookback
    window finds them. Without a lookback they would be lost for good."""
    results = {}
    for lookback in (600, 0):
        clock = clock_at()
        data = copy.deepcopy(DATA)
        with (
            HubSpotStandin(
                **data, token=TOKEN, clock=clock.time, search_index_lag_seconds=30
            ) as server,
            workspace(settings_for(server, lookback_seconds=lookback)) as ws,
        ):
            assert sync(ws, clock, streams=["tickets"]).ok
            ticket = data["tickets"][0]["id"]
            clock.advance(100)
            server.update("tickets", ticket, subject="Changed while the index lags")
            clock.advance(5)  # the next run starts 5 s after the change: not indexed yet
            assert sync(ws, clock, streams=["tickets"]).ok
            first = by_id(snapshot(ws), "interaction")[f"ticket:{ticket}:created"]
            clock.advance(300)
            assert sync(ws, clock, streams=["tickets"]).ok
            later = by_id(snapshot(ws), "interaction")[f"ticket:{ticket}:created"]
        results[lookback] = (first["attributes"]["subject"], later["attributes"]["subject"])

    changed = "Changed while the index lags"
    assert results[600] == (data["tickets"][0]["properties"]["subject"], changed)
    assert results[0][1] != changed  # lost for good without a lookback


def test_records_modified_during_a_run_are_not_lost() -> None:
    """Offset paging skips a record when one before it leaves the result set mid-walk; the
    keyset walk does not, and the modified records come in the next run."""
    clock = clock_at()
    data = copy.deepcopy(DATA)
    ordered = sorted(
        (c for c in data["contacts"] if not c["archived"]),
        key=lambda c: (c["properties"]["lastmodifieddate"], int(c["id"])),
    )
    early, late = ordered[0]["id"], ordered[-1]["id"]
    with HubSpotStandin(**data, token=TOKEN, clock=clock.time) as server:

        def touch(event: SyncProgress) -> None:
            if event.pages == 1 and not event.done:
                clock.advance(1)
                server.update("contacts", early, hs_lead_status="CONNECTED")
                server.update("contacts", late, hs_lead_status="CONNECTED")

        with workspace(settings_for(server)) as ws:
            assert sync(ws, clock, streams=["contacts"], progress=touch).ok
            first = by_id(snapshot(ws), "customer")
            clock.advance(60)
            assert sync(ws, clock, streams=["contacts"]).ok
            second = by_id(snapshot(ws), "customer")

    live = {c["id"] for c in ordered}
    assert live - {late} <= set(first)
    assert first[early]["attributes"]["hs_lead_status"] != "CONNECTED"
    assert second[early]["attributes"]["hs_lead_status"] == "CONNECTED"
    assert second[late]["attributes"]["hs_lead_status"] == "CONNECTED"


# -- rate limits and faults -----------------------------------------------------------------------


def test_documented_rate_limits_are_never_exceeded() -> None:
    """The stand-in enforces HubSpot's 5 searches/s and 100 requests/10 s (private app,
    Starter); the client's default pacing keeps under both: no 429 at all."""
    clock = clock_at()
    with AssociatingStandin(
        **DATA,
        token=TOKEN,
        clock=clock.time,
        search_rate_limit_per_second=5,
        rate_limit_per_10s=100,
    ) as server:
        with workspace(settings_for(server, page_size=5)) as ws:
            summary = sync(ws, clock)
        served = server.served_429
        count = len(searches(server))

    assert summary.ok, failures(summary)
    assert served == 0
    assert count > 25
    assert clock.slept >= (count - 1) / 5 * 0.95  # paced, not bursting


def test_enforced_429_without_retry_after_backs_off_and_completes() -> None:
    """With the client's limiter off, HubSpot's search limit answers 429 without
    Retry-After; the client backs off and still reads everything."""
    clock = clock_at()
    with AssociatingStandin(
        **DATA, token=TOKEN, clock=clock.time, search_rate_limit_per_second=5
    ) as server:
        settings = settings_for(
            server, page_size=3, search_requests_per_second=0, requests_per_10_seconds=0
        )
        with workspace(settings) as ws:
            summary = sync(ws, clock, streams=["tickets"])
            snap = snapshot(ws)
        throttled = server.throttled

    assert summary.ok, failures(summary)
    assert throttled > 0
    assert summary.streams[0].retries >= throttled
    assert len(snap["interaction"]) == 2 * len(DATA["tickets"])


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HUBSPOT_TOKEN", TOKEN)
        mp.setenv("CXCORE_HASH_KEY", HASH_KEY)
        clock = clock_at()
        with (
            AssociatingStandin(**DATA, token=TOKEN, clock=clock.time) as server,
            workspace(settings_for(server)) as ws,
        ):
            assert sync(ws, clock).ok
            return snapshot(ws)


SEARCH = r"/search$"
ARCHIVED_LIST = r"^/crm/v3/objects/[a-z_]+$"


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param([Fault(FaultKind.RATE_LIMITED, path=SEARCH, at=3, retry_after=7)], id="429"),
        pytest.param([Fault(FaultKind.RATE_LIMITED_NO_RETRY_AFTER, path=SEARCH, at=3)], id="429-"),
        pytest.param(
            [
                Fault(FaultKind.SERVER_ERROR, path=SEARCH, at=2),
                Fault(FaultKind.UNAVAILABLE, path=ARCHIVED_LIST, at=0, retry_after=2),
            ],
            id="5xx",
        ),
        pytest.param(
            [
                Fault(FaultKind.TRUNCATED_BODY, path=SEARCH, at=1),
                Fault(FaultKind.MALFORMED_JSON, path=SEARCH, at=5),
                Fault(FaultKind.MALFORMED_JSON, path=ARCHIVED_LIST, at=1),
            ],
            id="bad-bodies",
        ),
        pytest.param([Fault(FaultKind.DROP_CONNECTION, path=SEARCH, at=4)], id="dropped"),
    ],
)
def test_faults_are_retried_and_nothing_is_lost(
    faults: list[Fault], reference: dict[str, Any]
) -> None:
    clock = clock_at()
    with (
        AssociatingStandin(**DATA, token=TOKEN, clock=clock.time, faults=faults) as server,
        workspace(settings_for(server)) as ws,
    ):
        summary = sync(ws, clock)
        snap = snapshot(ws)

    assert summary.ok, failures(summary)
    assert all(f.fired == 1 for f in faults)
    assert sum(s.retries for s in summary.streams) >= len(faults)
    if faults[0].kind is FaultKind.RATE_LIMITED:
        assert 7.0 in clock.sleeps  # exactly what Retry-After said
    assert snap == reference


def test_check_with_a_wrong_token_prints_one_line_and_fails(tmp_path: Path) -> None:
    """``cxcore sources check`` (the real CLI, in a subprocess) against a refused token."""
    with HubSpotStandin(**DATA, token=TOKEN) as server:
        (tmp_path / "cxcore.toml").write_text(
            f'[project]\nname = "t"\n\n[sources.{SOURCE}]\nplugin = "hubspot"\n'
            f'settings = {{ base_url = "{server.base_url}", '
            'access_token = { env = "HUBSPOT_TOKEN" } }\n'
        )
        command = [sys.executable, "-m", "cxcore", "--config", str(tmp_path / "cxcore.toml")]
        env = {**os.environ, "HUBSPOT_TOKEN": "pat-na1-wrong-0000"}
        bad = subprocess.run(
            [*command, "sources", "check"], env=env, capture_output=True, text=True, timeout=60
        )
        env["HUBSPOT_TOKEN"] = TOKEN
        good = subprocess.run(
            [*command, "sources", "check"], env=env, capture_output=True, text=True, timeout=60
        )

    assert bad.returncode != 0
    lines = (bad.stdout + bad.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {SOURCE} (hubspot): ")
    assert "settings.access_token" in lines[0] and "401" in lines[0]
    assert "pat-na1-wrong-0000" not in lines[0]
    assert good.returncode == 0, good.stderr
    assert good.stdout.startswith(f"ok: {SOURCE} (hubspot): authenticated")


def test_check_names_the_missing_scope() -> None:
    scopes = ["crm.objects.contacts.read", "crm.objects.deals.read", "tickets"]
    with (
        HubSpotStandin(**DATA, token=TOKEN, scopes=scopes) as server,
        workspace(settings_for(server)) as ws,
    ):
        (result,) = check_sources(ws, clock=clock_at())

    assert not result.ok
    assert "crm.objects.feedback_submissions.read" in result.message
    assert "feedback_submissions" in result.message and "403" in result.message


# -- archived records -----------------------------------------------------------------------------


def test_archived_records_become_tombstones_once() -> None:
    clock = clock_at()
    data = copy.deepcopy(DATA)
    with (
        AssociatingStandin(**data, token=TOKEN, clock=clock.time) as server,
        workspace(settings_for(server)) as ws,
    ):
        assert sync(ws, clock).ok
        contact = next(c for c in data["contacts"] if not c["archived"])
        ticket = data["tickets"][0]
        clock.advance(3_600)
        server.archive("contacts", contact["id"])
        server.archive("tickets", ticket["id"])
        second = sync(ws, clock)
        snap = snapshot(ws)
        clock.advance(3_600)
        third = sync(ws, clock)  # nothing changed: the lookback re-reads the tombstones
        clock.advance(3_600)
        fourth = sync(ws, clock)  # and after that they are not read again
        customers, events = by_id(snap, "customer"), by_id(snap, "interaction")

    assert second.ok and third.ok, failures(second)
    assert customers[contact["id"]]["deleted"] is True
    stage = contact["properties"]["lifecyclestage"]
    assert events[f"contact:{contact['id']}:lifecycle:{stage}"]["deleted"] is True
    assert events[f"ticket:{ticket['id']}:created"]["deleted"] is True
    assert events[f"ticket:{ticket['id']}:solved"]["deleted"] is True
    # Search never returns archived records; the list API did, and only new archives count.
    assert second.stream(SOURCE, "contacts").records == 1
    assert (third.inserted, third.updated) == (0, 0)
    assert (fourth.inserted, fourth.updated, fourth.records) == (0, 0, 0)


# -- interrupted syncs ----------------------------------------------------------------------------


def _interrupt_data() -> dict[str, Any]:
    """Sample data with several archived records per type and a millisecond shared by more
    records than a page holds (so runs are interrupted in every phase and search mode)."""
    data = copy.deepcopy(dict(sample_dataset(30, seed=5)))
    for name in STREAMS:
        records = data[name]
        for record in records[1:13:3]:
            record["archived"] = True
            record["archivedAt"] = "2024-12-01T00:00:00.000Z"
        modified = "lastmodifieddate" if name == "contacts" else "hs_lastmodifieddate"
        for record in records[-9:]:
            record["properties"][modified] = "2024-11-11T11:11:11.111Z"
    return data


def _phase(state: Mapping[str, Any]) -> str:
    if "since_ms" in state:
        return "done"
    if "search" in state:
        return f"search:{state['search']['mode']}"
    return "archived:" + ("cursor" if state["archived"] else "start")


@pytest.mark.parametrize("stream", STREAMS)
def test_interrupted_after_every_page_resumes_to_exactly_an_uninterrupted_run(stream: str) -> None:
    """The process dies after each committed page in turn (every resume gets one page
    further): the store ends with exactly the records of an uninterrupted run, through the
    search walk in both modes, the archived list, and the phase changes between them."""
    data = _interrupt_data()
    clock = clock_at()
    with AssociatingStandin(**data, token=TOKEN, clock=clock.time) as server:
        config = settings_for(server, page_size=4, list_page_size=2)
        with workspace(config) as ws:
            reference = sync(ws, clock_at(), streams=[stream])
            expected = snapshot(ws)

        def die(event: SyncProgress) -> None:
            if event.pages == 1 and not event.done:
                raise SyncKilled("after the first page of this run")

        phases = []
        with workspace(config) as ws:
            while not phases or phases[-1] != "done":
                with pytest.raises(SyncKilled):
                    sync(ws, clock_at(), streams=[stream], progress=die)
                state = ws.store.get_state(SOURCE, stream)
                assert state is not None
                phases.append(_phase(state))
                assert len(phases) <= reference.pages
            resumed = snapshot(ws)

    assert reference.ok, failures(reference)
    assert len(phases) == reference.pages >= 6
    assert {"search:range", "search:tie", "archived:cursor"} <= set(phases), phases
    assert resumed == expected


# -- privacy and secrets --------------------------------------------------------------------------


@pytest.mark.parametrize("pii", ["clear", "drop"])
def test_pii_modes(pii: str) -> None:
    clock = clock_at()
    with HubSpotStandin(**DATA, token=TOKEN, clock=clock.time) as server:
        with workspace(settings_for(server, pii=pii)) as ws:
            assert sync(ws, clock, streams=["contacts"]).ok
            customers = by_id(snapshot(ws), "customer")
        asked = {p for r in searches(server) for p in r.body["properties"]}

    contact = next(c for c in DATA["contacts"] if not c["archived"])
    stored = customers[contact["id"]]
    if pii == "clear":
        assert stored["identities"]["email"] == contact["properties"]["email"].lower()
        assert stored["attributes"]["firstname"] == contact["properties"]["firstname"]
    else:
        assert not stored.get("identities")
        assert {"email", "phone", "firstname"}.isdisjoint(asked)


def test_secrets_stay_out_of_debug_logs_errors_and_state(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = clock_at()
    faults = [
        Fault(FaultKind.SERVER_ERROR, path=SEARCH, at=1),
        Fault(FaultKind.UNAUTHORIZED, path=SEARCH, at=6),
    ]
    texts: list[str] = []
    with HubSpotStandin(**DATA, token=TOKEN, clock=clock.time, faults=faults) as server:
        with workspace(settings_for(server)) as ws:
            texts += [json.dumps(sync(ws, clock).as_dict()), json.dumps(sync(ws, clock).as_dict())]
            texts += [json.dumps(dict(s.cursor)) for s in ws.store.states()]
            texts += [json.dumps(snapshot(ws), default=str)]
            source = open_source(ws, SOURCE)
            texts.append(repr(source.auth) + repr(source.api) + repr(source.search_api))
            source.close()
        with workspace(settings_for(server)) as ws:
            os.environ["HUBSPOT_TOKEN"] = "pat-na1-wrong-secret-1111"
            texts += [r.line for r in check_sources(ws, clock=clock)]
    texts.append(caplog.text)
    blob = "\n".join(texts)

    assert "POST" in caplog.text and "401" in blob
    for secret in (TOKEN, "pat-na1-wrong-secret-1111", HASH_KEY):
        assert secret not in blob


# -- settings --------------------------------------------------------------------------------------


def test_custom_surveys_need_a_configured_item_and_scale() -> None:
    answers = [
        {
            "id": str(900 + i),
            "properties": {
                "hs_survey_type": kind,
                "hs_survey_id": survey,
                "hs_value": value,
                "hs_lastmodifieddate": f"2024-03-0{i + 1}T00:00:00.000Z",
                "hs_createdate": f"2024-03-0{i + 1}T00:00:00.000Z",
            },
        }
        for i, (kind, survey, value) in enumerate(
            [("CUSTOM", "201", "4"), ("CUSTOM", "202", "2"), ("CSAT", "102", "3")]
        )
    ]
    surveys = {
        "survey:201": {"item": "onboarding_ease", "scale": {"min": 1, "max": 5}},
        "CSAT": {"item": "csat", "scale": {"min": 1, "max": 3, "direction": "higher_is_better"}},
    }
    clock = clock_at()
    with (
        HubSpotStandin(feedback_submissions=answers, token=TOKEN, clock=clock.time) as server,
        workspace(settings_for(server, surveys=surveys)) as ws,
    ):
        summary = sync(ws, clock, streams=["feedback_submissions"])
        responses = by_id(snapshot(ws), "response")

    assert summary.ok, failures(summary)
    assert responses["feedback:900"]["item"] == "onboarding_ease"
    assert "feedback:901" not in responses  # CUSTOM survey 202: no item or scale configured
    assert responses["feedback:902"]["scale"]["max"] == 3
    (notes,) = [s.notes for s in summary.streams]
    assert any("1 record(s) skipped: CUSTOM survey answers" in n for n in notes), notes


def test_start_date_limits_the_first_run() -> None:
    clock = clock_at()
    start = "2024-07-01T00:00:00Z"
    with (
        HubSpotStandin(**DATA, token=TOKEN, clock=clock.time) as server,
        workspace(settings_for(server, start_date=start)) as ws,
    ):
        assert sync(ws, clock, streams=["tickets"]).ok
        stored = {r["journey_instance"] for r in snapshot(ws)["interaction"]}

    expected = {
        t["id"] for t in DATA["tickets"] if t["properties"]["hs_lastmodifieddate"] >= start[:19]
    }
    assert stored == expected and 0 < len(expected) < len(DATA["tickets"])


def test_without_the_associations_endpoint_the_sync_still_completes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = clock_at()
    with HubSpotStandin(**DATA, token=TOKEN, clock=clock.time) as server:
        with workspace(settings_for(server)) as ws:
            summary = sync(ws, clock, streams=["tickets", "deals"])
            events = snapshot(ws)["interaction"]
        v4 = [r for r in server.requests if "/crm/v4/" in r.path]

    assert summary.ok, failures(summary)
    assert len(v4) == 1  # tried once, then not again
    assert all(e.get("customer_id") is None for e in events)
    assert re.search(r"associations endpoint is not available", caplog.text)
