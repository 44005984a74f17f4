"""Offline tests of the HubSpot CRM API stand-in (``cxcore_hubspot.standin``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cxcore_hubspot.standin import (
    DEFAULT_PROPERTIES,
    HubSpotStandin,
    modified_property,
    sample_dataset,
)

from cxcore.testing.standin import FakeClock, Fault, FaultKind, FaultPlan, iso_z, parse_iso

TOKEN = "pat-na1-standin-token"
NOW = 1_740_000_000.0
SEARCH = "/crm/v3/objects/{}/search"


@pytest.fixture(scope="module")
def dataset() -> dict[str, list[dict[str, Any]]]:
    return dict(sample_dataset(300, seed=4))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def hs(dataset: dict[str, Any], clock: FakeClock) -> Iterator[HubSpotStandin]:
    with HubSpotStandin(**dataset, clock=clock) as server:
        yield server


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {TOKEN}"
    return session


def modified_ms(record: dict[str, Any], object_type: str) -> int:
    return int(parse_iso(record["properties"][modified_property(object_type)]) * 1000)


def incremental_body(object_type: str, since_ms: int, limit: int = 100) -> dict[str, Any]:
    prop = modified_property(object_type)
    return {
        "filterGroups": [
            {"filters": [{"propertyName": prop, "operator": "GTE", "value": str(since_ms)}]}
        ],
        "sorts": [{"propertyName": prop, "direction": "ASCENDING"}],
        "limit": limit,
    }


def search_all(
    http: requests.Session, hs: HubSpotStandin, object_type: str, body: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    results: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    after = None
    while True:
        response = http.post(hs.url(SEARCH.format(object_type)), json={**body, "after": after})
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        results.extend(page["results"])
        if "paging" not in page:
            return results, pages
        after = page["paging"]["next"]["after"]


def expected_search(records: list[dict[str, Any]], object_type: str, since_ms: int) -> list[str]:
    live = [r for r in records if not r["archived"] and modified_ms(r, object_type) >= since_ms]
    live.sort(key=lambda r: int(r["id"]))
    live.sort(key=lambda r: modified_ms(r, object_type))
    return [r["id"] for r in live]


# ---- search --------------------------------------------------------------------------


@pytest.mark.parametrize("object_type", ["contacts", "deals", "tickets", "feedback_submissions"])
def test_search_pages_in_order_without_duplicates(
    hs: HubSpotStandin, http: requests.Session, dataset: dict[str, Any], object_type: str
) -> None:
    results, pages = search_all(http, hs, object_type, incremental_body(object_type, 0, limit=60))
    ids = [r["id"] for r in results]
    assert len(pages) >= 3
    assert len(ids) == len(set(ids))
    assert ids == expected_search(dataset[object_type], object_type, 0)
    assert all(p["total"] == len(ids) for p in pages)
    assert all(r["archived"] is False for r in results)
    assert set(results[0]["properties"]) == set(DEFAULT_PROPERTIES[object_type])


def test_incremental_resume_sees_updates_and_new_records(
    hs: HubSpotStandin, http: requests.Session, clock: FakeClock
) -> None:
    first, _ = search_all(http, hs, "contacts", incremental_body("contacts", 0, limit=200))
    watermark = max(modified_ms(r, "contacts") for r in first)
    clock.advance(60)
    changed = first[5]["id"]
    hs.update("contacts", changed, lifecyclestage="customer")
    clock.advance(1)
    created = hs.add("contacts", {"properties": {"email": "new@example.com", "firstname": "New"}})
    body = incremental_body("contacts", watermark + 1)
    body["properties"] = ["email", "lifecyclestage"]
    again, _ = search_all(http, hs, "contacts", body)
    assert [r["id"] for r in again] == [changed, created["id"]]
    assert again[0]["properties"]["lifecyclestage"] == "customer"
    assert again[0]["properties"]["lastmodifieddate"] == iso_z(NOW + 60, millis=True)
    assert set(again[1]["properties"]) == {
        "email", "lifecyclestage", "hs_object_id", "createdate", "lastmodifieddate",
    }  # fmt: skip
    assert again[1]["properties"]["lifecyclestage"] is None


def test_filter_operators(
    hs: HubSpotStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    deals = [d for d in dataset["deals"] if not d["archived"]]

    def ids(*filters: dict[str, Any], groups: list[list[dict[str, Any]]] | None = None) -> set[str]:
        body = {"filterGroups": [{"filters": g} for g in (groups or [list(filters)])], "limit": 200}
        return {r["id"] for r in search_all(http, hs, "deals", body)[0]}

    def where(pred: Any) -> set[str]:
        return {d["id"] for d in deals if pred(d["properties"])}

    amount = lambda p: float(p["amount"])  # noqa: E731
    assert ids({"propertyName": "amount", "operator": "GT", "value": "20000"}) == where(
        lambda p: amount(p) > 20000
    )
    assert ids({"propertyName": "amount", "operator": "LTE", "value": 5000}) == where(
        lambda p: amount(p) <= 5000
    )
    assert ids(
        {"propertyName": "amount", "operator": "BETWEEN", "value": "1000", "highValue": "2000"}
    ) == where(lambda p: 1000 <= amount(p) <= 2000)
    assert ids(
        {"propertyName": "dealstage", "operator": "IN", "values": ["closedwon", "closedlost"]}
    ) == where(lambda p: p["dealstage"] in ("closedwon", "closedlost"))
    assert ids(
        {"propertyName": "dealstage", "operator": "NOT_IN", "values": ["closedwon"]}
    ) == where(lambda p: p["dealstage"] != "closedwon")
    assert ids({"propertyName": "dealstage", "operator": "EQ", "value": "CLOSEDWON"}) == where(
        lambda p: p["dealstage"] == "closedwon"
    )
    assert ids({"propertyName": "dealstage", "operator": "NEQ", "value": "closedwon"}) == where(
        lambda p: p["dealstage"] != "closedwon"
    )
    assert ids(
        {"propertyName": "dealname", "operator": "CONTAINS_TOKEN", "value": "renewal"}
    ) == where(lambda p: "Renewal" in p["dealname"])
    assert ids({"propertyName": "hs_object_id", "operator": "HAS_PROPERTY"}) == where(
        lambda p: True
    )
    assert ids({"propertyName": "nonexistent", "operator": "NOT_HAS_PROPERTY"}) == where(
        lambda p: True
    )
    # ISO-8601 and epoch-millisecond values mean the same instant
    cut = sorted(d["properties"]["createdate"] for d in deals)[len(deals) // 2]
    as_ms = str(int(parse_iso(cut) * 1000))
    assert ids({"propertyName": "createdate", "operator": "LT", "value": cut}) == ids(
        {"propertyName": "createdate", "operator": "LT", "value": as_ms}
    )
    # groups are OR-ed, filters inside a group AND-ed
    won = {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}
    big = {"propertyName": "amount", "operator": "GTE", "value": "40000"}
    assert ids(groups=[[won], [big]]) == where(
        lambda p: p["dealstage"] == "closedwon" or amount(p) >= 40000
    )
    assert ids(won, big) == where(lambda p: p["dealstage"] == "closedwon" and amount(p) >= 40000)


def test_sorts_descending_and_text_query(hs: HubSpotStandin, http: requests.Session) -> None:
    body = {"sorts": [{"propertyName": "amount", "direction": "DESCENDING"}], "limit": 20}
    amounts = [
        float(r["properties"]["amount"])
        for r in http.post(hs.url(SEARCH.format("deals")), json=body).json()["results"]
    ]
    assert amounts == sorted(amounts, reverse=True)
    someone = next(c for c in hs.objects("contacts") if not c["archived"])
    found = http.post(
        hs.url(SEARCH.format("contacts")), json={"query": someone["properties"]["email"]}
    ).json()
    assert [r["id"] for r in found["results"]] == [someone["id"]]


def test_search_caps_at_ten_thousand_results(http: requests.Session) -> None:
    contacts = [
        {
            "id": str(i),
            "properties": {
                "email": f"c{i}@example.com",
                "lastmodifieddate": iso_z(1.7e9 + i, millis=True),
            },
        }
        for i in range(1, 10_101)
    ]
    with HubSpotStandin(contacts=contacts) as hs:
        body = incremental_body("contacts", 0, limit=200)
        page = http.post(hs.url(SEARCH.format("contacts")), json={**body, "after": "9800"}).json()
        assert page["total"] == 10_100
        assert len(page["results"]) == 200
        assert page["paging"]["next"]["after"] == "10000"
        beyond = http.post(hs.url(SEARCH.format("contacts")), json={**body, "after": "10000"})
        assert beyond.status_code == 400
        error = beyond.json()
        assert error["status"] == "error" and error["category"] == "VALIDATION_ERROR"
        assert "10000" in error["message"] and error["correlationId"]
        # the documented workaround: narrow the window with the last value seen
        last = page["results"][-1]["properties"]["lastmodifieddate"]
        rest = incremental_body("contacts", int(parse_iso(last) * 1000) + 1, limit=200)
        tail, _ = search_all(http, hs, "contacts", rest)
        assert [r["id"] for r in tail] == [str(i) for i in range(10_001, 10_101)]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 201},
        {"limit": 0},
        {"after": "abc"},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}
            ]
        },
        {
            "filterGroups": [
                {
                    "filters": [
                        {"propertyName": "createdate", "operator": "GT", "value": "yesterday"}
                    ]
                }
            ]
        },
        {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN"}]}]},
        {"filterGroups": [{"filters": []}] * 6},
        {
            "filterGroups": [
                {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 11}
            ]
        },
        {"sorts": [{"propertyName": "email", "direction": "UP"}]},
    ],
)
def test_invalid_search_requests_get_validation_errors(
    hs: HubSpotStandin, http: requests.Session, body: dict[str, Any]
) -> None:
    response = http.post(hs.url(SEARCH.format("contacts")), json=body)
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_malformed_json_and_unknown_object(hs: HubSpotStandin, http: requests.Session) -> None:
    bad = http.post(
        hs.url(SEARCH.format("contacts")),
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert bad.status_code == 400
    unknown = http.post(hs.url(SEARCH.format("widgets")), json={})
    assert unknown.status_code == 400 and "widgets" in unknown.json()["message"]
    by_type_id = http.post(hs.url(SEARCH.format("0-1")), json={"limit": 5})
    assert by_type_id.status_code == 200 and by_type_id.json()["total"] > 0


def test_search_index_lag(
    dataset: dict[str, Any], http: requests.Session, clock: FakeClock
) -> None:
    with HubSpotStandin(**dataset, clock=clock, search_index_lag_seconds=30) as hs:
        target = next(c for c in hs.objects("contacts") if not c["archived"])
        hs.update("contacts", target["id"], firstname="Lagging")
        body = incremental_body("contacts", int(NOW * 1000))
        assert http.post(hs.url(SEARCH.format("contacts")), json=body).json()["total"] == 0
        clock.advance(31)
        assert [
            r["id"]
            for r in http.post(hs.url(SEARCH.format("contacts")), json=body).json()["results"]
        ] == [target["id"]]


# ---- archives and the list API -------------------------------------------------------


def test_archived_records_leave_search_and_appear_in_archived_list(
    hs: HubSpotStandin, http: requests.Session, clock: FakeClock
) -> None:
    live = [c for c in hs.objects("contacts") if not c["archived"]]
    victim = live[0]
    before = hs.get("contacts", victim["id"])
    clock.advance(100)
    archived = hs.archive("contacts", victim["id"])
    for other in live[1:4]:
        hs.archive("contacts", other["id"])
    assert archived["properties"]["lastmodifieddate"] == before["properties"]["lastmodifieddate"]
    results, _ = search_all(http, hs, "contacts", incremental_body("contacts", 0, limit=200))
    assert victim["id"] not in {r["id"] for r in results}

    listed: list[dict[str, Any]] = []
    url: str | None = hs.url("/crm/v3/objects/contacts?archived=true&limit=2")
    pages = 0
    while url:
        page = http.get(url).json()
        pages += 1
        listed.extend(page["results"])
        url = page.get("paging", {}).get("next", {}).get("link")
    assert pages >= 3
    ids = [r["id"] for r in listed]
    assert ids == sorted(ids, key=int) and len(ids) == len(set(ids))
    assert victim["id"] in ids
    assert set(ids) == {c["id"] for c in hs.objects("contacts") if c["archived"]}
    mine = next(r for r in listed if r["id"] == victim["id"])
    assert mine["archived"] is True and mine["archivedAt"] == iso_z(NOW + 100, millis=True)

    read = http.get(hs.url(f"/crm/v3/objects/contacts/{victim['id']}"))
    assert read.status_code == 404 and read.json()["category"] == "OBJECT_NOT_FOUND"
    assert (
        http.get(hs.url(f"/crm/v3/objects/contacts/{victim['id']}?archived=true")).status_code
        == 200
    )

    hs.gdpr_delete("contacts", victim["id"])
    page = http.get(
        hs.url("/crm/v3/objects/contacts"), params={"archived": "true", "limit": 100}
    ).json()
    assert victim["id"] not in {r["id"] for r in page["results"]}


def test_list_api_pagination_properties_and_associations(
    hs: HubSpotStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    live = sorted((d for d in dataset["deals"] if not d["archived"]), key=lambda d: int(d["id"]))
    collected: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "limit": 100,
        "properties": "dealname,amount",
        "associations": "contacts",
    }
    while True:
        page = http.get(hs.url("/crm/v3/objects/deals"), params=params).json()
        collected.extend(page["results"])
        if "paging" not in page:
            break
        params["after"] = page["paging"]["next"]["after"]
        assert "after=" in page["paging"]["next"]["link"]
    assert [d["id"] for d in collected] == [d["id"] for d in live]
    assert set(collected[0]["properties"]) == {
        "dealname", "amount", "hs_object_id", "createdate", "hs_lastmodifieddate",
    }  # fmt: skip
    link = collected[0]["associations"]["contacts"]["results"][0]
    assert link["type"] == "deal_to_contact"
    assert http.get(hs.url("/crm/v3/objects/deals"), params={"limit": 101}).status_code == 400


# ---- properties API ------------------------------------------------------------------


def test_properties_api(dataset: dict[str, Any], http: requests.Session) -> None:
    custom = {
        "contacts": [
            {
                "name": "lifecyclestage",
                "options": [{"label": "Fan", "value": "fan", "displayOrder": 0, "hidden": False}],
            }
        ]
    }
    with HubSpotStandin(**dataset) as hs:
        stage = http.get(hs.url("/crm/v3/properties/contacts/lifecyclestage")).json()
        assert stage["type"] == "enumeration" and stage["fieldType"] == "select"
        assert [o["value"] for o in stage["options"]] == [
            "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead",
            "opportunity", "customer", "evangelist", "other",
        ]  # fmt: skip
        survey = http.get(hs.url("/crm/v3/properties/feedback_submissions/hs_survey_type")).json()
        assert {o["value"] for o in survey["options"]} >= {"NPS", "CSAT", "CES"}
        names = {
            p["name"]
            for p in http.get(hs.url("/crm/v3/properties/feedback_submissions")).json()["results"]
        }
        assert {
            "hs_survey_type",
            "hs_value",
            "hs_content",
            "hs_survey_channel",
            "hs_response_group",
        } <= names
        missing = http.get(hs.url("/crm/v3/properties/contacts/no_such_property"))
        assert missing.status_code == 404
        assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    with HubSpotStandin(**dataset, properties=custom) as hs:
        stage = http.get(hs.url("/crm/v3/properties/contacts/lifecyclestage")).json()
        assert [o["value"] for o in stage["options"]] == ["fan"] and stage[
            "label"
        ] == "Lifecycle Stage"


def test_feedback_submission_properties_on_request(
    hs: HubSpotStandin, http: requests.Session
) -> None:
    wanted = [
        "hs_survey_type",
        "hs_value",
        "hs_content",
        "hs_survey_channel",
        "hs_response_group",
        "hs_contact_id",
    ]
    body = {
        "filterGroups": [
            {"filters": [{"propertyName": "hs_survey_type", "operator": "EQ", "value": "NPS"}]}
        ],
        "properties": wanted,
        "limit": 200,
    }
    results, _ = search_all(http, hs, "feedback_submissions", body)
    assert results
    contact_ids = {c["id"] for c in hs.objects("contacts")}
    for r in results:
        p = r["properties"]
        assert p["hs_survey_type"] == "NPS" and 0 <= int(p["hs_value"]) <= 10
        group = (
            "PROMOTER"
            if int(p["hs_value"]) >= 9
            else "PASSIVE"
            if int(p["hs_value"]) >= 7
            else "DETRACTOR"
        )
        assert p["hs_response_group"] == group
        assert p["hs_contact_id"] in contact_ids
        assert set(p) >= set(wanted) | {"hs_object_id", "hs_createdate", "hs_lastmodifieddate"}


# ---- auth ----------------------------------------------------------------------------


def test_auth_failures_are_hubspot_shaped(dataset: dict[str, Any]) -> None:
    with HubSpotStandin(**dataset, scopes={"crm.objects.contacts.read"}) as hs:
        ok = requests.get(
            hs.url("/crm/v3/objects/contacts"), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert ok.status_code == 200
        for headers in ({}, {"Authorization": "Bearer pat-wrong"}, {"Authorization": "Basic eDp5"}):
            denied = requests.post(hs.url(SEARCH.format("contacts")), json={}, headers=headers)
            assert denied.status_code == 401
            body = denied.json()
            assert body["status"] == "error" and body["category"] == "INVALID_AUTHENTICATION"
            assert set(body) == {"status", "message", "correlationId", "category"}
        forbidden = requests.get(
            hs.url("/crm/v3/objects/deals"), headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert forbidden.status_code == 403
        assert forbidden.json()["category"] == "MISSING_SCOPES"
        assert forbidden.json()["errors"][0]["context"]["requiredGranularScopes"] == [
            "crm.objects.deals.read"
        ]


# ---- rate limits ---------------------------------------------------------------------


def test_search_rate_limit_per_second(
    dataset: dict[str, Any], http: requests.Session, clock: FakeClock
) -> None:
    with HubSpotStandin(**dataset, clock=clock, search_rate_limit_per_second=5) as hs:
        url = hs.url(SEARCH.format("contacts"))
        assert [http.post(url, json={}).status_code for _ in range(5)] == [200] * 5
        limited = http.post(url, json={})
        assert limited.status_code == 429
        body = limited.json()
        assert body["errorType"] == "RATE_LIMIT" and body["policyName"] == "SECONDLY"
        assert body["message"] == "You have reached your secondly limit."
        assert "Retry-After" not in limited.headers
        assert not any(h.lower().startswith("x-hubspot-ratelimit") for h in limited.headers)
        assert http.get(hs.url("/crm/v3/objects/contacts")).status_code == 200  # list unaffected
        clock.advance(1.0)
        assert http.post(url, json={}).status_code == 200
        assert hs.served_429 == hs.throttled == 1


def test_ten_second_limit_and_headers(
    dataset: dict[str, Any], http: requests.Session, clock: FakeClock
) -> None:
    with HubSpotStandin(**dataset, clock=clock, rate_limit_per_10s=3, send_retry_after=True) as hs:
        url = hs.url("/crm/v3/objects/contacts")
        remaining = [http.get(url).headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        limited = http.get(url)
        assert limited.status_code == 429
        assert limited.json()["policyName"] == "TEN_SECONDLY_ROLLING"
        assert limited.headers["X-HubSpot-RateLimit-Max"] == "3"
        assert limited.headers["X-HubSpot-RateLimit-Remaining"] == "0"
        assert limited.headers["Retry-After"] == "10"
        search = http.post(hs.url(SEARCH.format("contacts")), json={})
        assert search.status_code == 200  # searches have their own limit
        assert "X-HubSpot-RateLimit-Max" not in search.headers
        clock.advance(10.0)
        assert http.get(url).status_code == 200


# ---- faults --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "category"),
    [
        (FaultKind.RATE_LIMITED, 429, None),
        (FaultKind.RATE_LIMITED_NO_RETRY_AFTER, 429, None),
        (FaultKind.UNAUTHORIZED, 401, "INVALID_AUTHENTICATION"),
        (FaultKind.FORBIDDEN, 403, "MISSING_SCOPES"),
        (FaultKind.SERVER_ERROR, 500, "INTERNAL_ERROR"),
        (FaultKind.UNAVAILABLE, 503, "INTERNAL_ERROR"),
    ],
)
def test_status_faults(
    dataset: dict[str, Any],
    http: requests.Session,
    kind: FaultKind,
    status: int,
    category: str | None,
) -> None:
    with HubSpotStandin(
        **dataset, faults=[Fault(kind, path="/search$", at=1, retry_after=2)]
    ) as hs:
        url = hs.url(SEARCH.format("contacts"))
        body = incremental_body("contacts", 0)
        first = http.post(url, json=body)
        faulted = http.post(url, json={**body, "after": first.json()["paging"]["next"]["after"]})
        assert faulted.status_code == status
        payload = faulted.json()
        assert payload["status"] == "error" and payload["correlationId"]
        if status == 429:
            assert payload["errorType"] == "RATE_LIMIT" and payload["policyName"] == "SECONDLY"
        else:
            assert payload["category"] == category
        assert ("Retry-After" in faulted.headers) == (
            kind in (FaultKind.RATE_LIMITED, FaultKind.UNAVAILABLE)
        )
        retried = http.post(url, json={**body, "after": first.json()["paging"]["next"]["after"]})
        assert retried.status_code == 200
        assert [r.fault for r in hs.requests] == [None, kind.value, None]
        assert hs.requests[1].body["after"] == "100"


def test_transport_faults(dataset: dict[str, Any], http: requests.Session) -> None:
    plan = FaultPlan().add(FaultKind.TRUNCATED_BODY, at=0).add(FaultKind.MALFORMED_JSON, at=1)
    plan.add(FaultKind.DROP_CONNECTION, at=2)
    with HubSpotStandin(**dataset, faults=plan) as hs:
        url = hs.url(SEARCH.format("deals"))
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            http.post(url, json={"limit": 100})
        with pytest.raises(json.JSONDecodeError):
            json.loads(http.post(url, json={"limit": 100}).text)
        with pytest.raises(requests.exceptions.ConnectionError):
            http.post(url, json={"limit": 100})
        assert len(http.post(url, json={"limit": 100}).json()["results"]) == 100


# ---- sample data and fidelity --------------------------------------------------------


def test_sample_dataset_is_deterministic_and_linked() -> None:
    a, b = sample_dataset(50, seed=9), sample_dataset(50, seed=9)
    assert a == b and a != sample_dataset(50, seed=10)
    contact_ids = {c["id"] for c in a["contacts"]}
    for deal in a["deals"]:
        assert deal["associations"]["contacts"]["results"][0]["id"] in contact_ids
    assert {f["properties"]["hs_contact_id"] for f in a["feedback_submissions"]} <= contact_ids
    for records in a.values():
        for record in records:
            assert all(v is None or isinstance(v, str) for v in record["properties"].values())


AIRBYTE = "hubspot/json-schema/airbyte-source-hubspot-5.7.0"
OBJECTS = ["contacts", "deals", "tickets", "feedback_submissions"]


@pytest.mark.parametrize("object_type", OBJECTS)
def test_sample_and_served_records_validate_against_vendor_schemas(
    vendor_api: Path,
    schema_validator: Any,
    dataset: dict[str, Any],
    hs: HubSpotStandin,
    http: requests.Session,
    object_type: str,
) -> None:
    validator = schema_validator(vendor_api / AIRBYTE / f"{object_type}.json")

    def api_shape(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if k != "associations"}

    sample_errors = [
        e.message for r in dataset[object_type] for e in validator.iter_errors(api_shape(r))
    ]
    assert sample_errors == []
    searched = http.post(hs.url(SEARCH.format(object_type)), json={"limit": 200}).json()["results"]
    archived = http.get(
        hs.url(f"/crm/v3/objects/{object_type}"), params={"archived": "true", "limit": 100}
    ).json()["results"]
    served_errors = [e.message for r in searched + archived for e in validator.iter_errors(r)]
    assert served_errors == []


def test_feedback_property_names_are_hubspots(vendor_api: Path, dataset: dict[str, Any]) -> None:
    schema = json.loads((vendor_api / AIRBYTE / "feedback_submissions.json").read_text())
    declared = set(schema["properties"]["properties"]["properties"])
    used = {name for r in dataset["feedback_submissions"] for name in r["properties"]}
    assert used <= declared, used - declared
    assert {"hs_survey_type", "hs_value", "hs_content", "hs_survey_channel"} <= used
