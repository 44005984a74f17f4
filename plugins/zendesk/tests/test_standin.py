"""Offline tests of the Zendesk Support API stand-in (``cxcore_zendesk.standin``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cxcore_zendesk.standin import ZendeskStandin, sample_dataset

from cxcore.testing.standin import FakeClock, Fault, FaultKind, FaultPlan

EMAIL = "admin@example.com"
TOKEN = "standin-api-token"
TICKETS = "/api/v2/incremental/tickets/cursor.json"
USERS = "/api/v2/incremental/users/cursor.json"
METRICS = "/api/v2/ticket_metrics.json"
RATINGS = "/api/v2/satisfaction_ratings.json"
NOW = 1_740_000_000.0  # 2025-02-19, after all sample data


@pytest.fixture(scope="module")
def dataset() -> dict[str, list[dict[str, Any]]]:
    return dict(sample_dataset(120, seed=3))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def zd(dataset: dict[str, list[dict[str, Any]]], clock: FakeClock) -> Iterator[ZendeskStandin]:
    with ZendeskStandin(**dataset, clock=clock) as server:
        yield server


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.auth = (f"{EMAIL}/token", TOKEN)
    return session


def export_all(
    http: requests.Session, zd: ZendeskStandin, url: str, key: str = "tickets"
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow after_url until end_of_stream; returns (items, page envelopes)."""
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    for _ in range(1000):
        response = http.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body[key])
        pages.append({k: v for k, v in body.items() if k != key})
        if body["end_of_stream"]:
            return items, pages
        url = body["after_url"]
    raise AssertionError("export never reached end_of_stream")


def expected_order(tickets: list[dict[str, Any]]) -> list[int]:
    return [t["id"] for t in sorted(tickets, key=lambda t: (t["generated_timestamp"], t["id"]))]


# ---- incremental ticket export ----------------------------------------------------------


def test_incremental_export_pages_in_order_without_duplicates(
    zd: ZendeskStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    items, pages = export_all(http, zd, zd.url(f"{TICKETS}?start_time=0&per_page=50"))
    ids = [t["id"] for t in items]
    assert len(pages) >= 3
    assert len(ids) == len(set(ids)) == len(dataset["tickets"])
    assert ids == expected_order(dataset["tickets"])
    assert [p["end_of_stream"] for p in pages] == [False] * (len(pages) - 1) + [True]
    assert pages[0]["before_cursor"] is None and pages[0]["before_url"] is None
    # per_page is carried in after_url, like Zendesk's
    assert "per_page=50" in pages[0]["after_url"]
    assert len(zd.requests_to(TICKETS)) == len(pages)


def test_cursor_is_zendesk_shaped_and_points_at_last_ticket(
    zd: ZendeskStandin, http: requests.Session
) -> None:
    body = http.get(zd.url(TICKETS), params={"start_time": 0, "per_page": 10}).json()
    last = body["tickets"][-1]
    decoded = base64.b64decode(body["after_cursor"]).decode()
    assert decoded == f"{last['generated_timestamp']}.0||{last['id']}|"
    assert body["after_url"].endswith("per_page=10")


def test_start_time_filters_on_generated_timestamp(
    zd: ZendeskStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    cut = sorted(t["generated_timestamp"] for t in dataset["tickets"])[len(dataset["tickets"]) // 2]
    items, _ = export_all(http, zd, zd.url(f"{TICKETS}?start_time={cut}"))
    assert [t["id"] for t in items] == expected_order(
        [t for t in dataset["tickets"] if t["generated_timestamp"] >= cut]
    )


def test_resume_from_saved_cursor_serves_only_later_changes(
    zd: ZendeskStandin, http: requests.Session, clock: FakeClock, dataset: dict[str, Any]
) -> None:
    _, pages = export_all(http, zd, zd.url(f"{TICKETS}?start_time=0"))
    saved = pages[-1]["after_cursor"]

    nothing = http.get(zd.url(TICKETS), params={"cursor": saved}).json()
    assert nothing["tickets"] == [] and nothing["end_of_stream"] is True

    alive = [t for t in dataset["tickets"] if t["status"] not in ("deleted", "closed")]
    updated, deleted = alive[0]["id"], alive[1]["id"]
    clock.advance(10)
    zd.update_ticket(updated, status="solved", priority="high")
    clock.advance(10)
    zd.delete_ticket(deleted)
    clock.advance(10)
    new = dict(dataset["tickets"][0], id=999_999, subject="Brand new")
    zd.put_ticket(new)
    clock.advance(120)  # past the export's one-minute hold-back

    items, _ = export_all(http, zd, zd.url(f"{TICKETS}?cursor={saved}"))
    assert [t["id"] for t in items] == [updated, deleted, 999_999]
    by_id = {t["id"]: t for t in items}
    assert by_id[updated]["status"] == "solved"
    assert by_id[deleted]["status"] == "deleted"
    assert by_id[999_999]["generated_timestamp"] == int(NOW + 30)

    without_deleted, _ = export_all(
        http, zd, zd.url(f"{TICKETS}?cursor={saved}&exclude_deleted=true")
    )
    assert [t["id"] for t in without_deleted] == [updated, 999_999]


def test_changes_within_the_last_minute_are_held_back(
    zd: ZendeskStandin, http: requests.Session, clock: FakeClock
) -> None:
    _, pages = export_all(http, zd, zd.url(f"{TICKETS}?start_time=0"))
    saved = pages[-1]["after_cursor"]
    zd.update_ticket(zd.tickets[0]["id"], subject="changed just now")
    assert http.get(zd.url(TICKETS), params={"cursor": saved}).json()["tickets"] == []
    clock.advance(61)
    body = http.get(zd.url(TICKETS), params={"cursor": saved}).json()
    assert [t["subject"] for t in body["tickets"]] == ["changed just now"]


def test_start_time_too_recent_and_bad_parameters_are_refused(
    zd: ZendeskStandin, http: requests.Session
) -> None:
    too_recent = http.get(zd.url(TICKETS), params={"start_time": int(NOW) - 10})
    assert too_recent.status_code == 400
    assert too_recent.json()["error"] == "InvalidValue"
    assert http.get(zd.url(TICKETS)).status_code == 400
    assert http.get(zd.url(TICKETS), params={"start_time": "yesterday"}).status_code == 400
    bad_cursor = http.get(zd.url(TICKETS), params={"cursor": "not-a-cursor"})
    assert bad_cursor.status_code == 400
    assert bad_cursor.json()["error"] == "InvalidPaginationParameter"


def test_json_suffix_is_optional(zd: ZendeskStandin, http: requests.Session) -> None:
    a = http.get(zd.url("/api/v2/incremental/tickets/cursor"), params={"start_time": 0})
    b = http.get(zd.url(TICKETS), params={"start_time": 0})
    assert a.status_code == b.status_code == 200
    assert a.json()["tickets"] == b.json()["tickets"]


def test_incremental_users_export(
    zd: ZendeskStandin, http: requests.Session, dataset: dict[str, Any], clock: FakeClock
) -> None:
    items, pages = export_all(http, zd, zd.url(f"{USERS}?start_time=0&per_page=40"), "users")
    assert len(pages) >= 3
    ids = [u["id"] for u in items]
    assert len(ids) == len(set(ids)) == len(dataset["users"])
    customer = next(u for u in items if u["role"] == "end-user")
    zd.update_user(customer["id"], name="Renamed")
    clock.advance(61)
    again, _ = export_all(http, zd, zd.url(f"{USERS}?cursor={pages[-1]['after_cursor']}"), "users")
    assert [(u["id"], u["name"]) for u in again] == [(customer["id"], "Renamed")]


def test_large_page_is_served_quickly(http: requests.Session) -> None:
    with ZendeskStandin(**sample_dataset(1500, seed=1)) as big:
        http.get(big.url(TICKETS), params={"start_time": 0})  # warm the serialisation cache
        body = http.get(big.url(TICKETS), params={"start_time": 0}).json()
        assert len(body["tickets"]) == 1000
        assert big.requests[-1].elapsed_ms < 250


# ---- ticket metrics and satisfaction ratings ----------------------------------------------


def follow_links(http: requests.Session, url: str, key: str) -> tuple[list[dict[str, Any]], int]:
    items: list[dict[str, Any]] = []
    pages = 0
    while url:
        body = http.get(url).json()
        pages += 1
        items.extend(body[key])
        url = body["links"]["next"] if body["meta"]["has_more"] else ""
    return items, pages


def test_ticket_metrics_cursor_pagination_newest_first(
    zd: ZendeskStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    items, pages = follow_links(http, zd.url(f"{METRICS}?page[size]=60"), "ticket_metrics")
    assert pages >= 3
    expected = sorted(
        dataset["ticket_metrics"], key=lambda m: (m["created_at"], m["id"]), reverse=True
    )
    assert [m["id"] for m in items] == [m["id"] for m in expected]
    first = http.get(zd.url(METRICS), params={"page[size]": 60}).json()
    second = http.get(first["links"]["next"]).json()
    back = http.get(second["links"]["prev"]).json()
    assert [m["id"] for m in back["ticket_metrics"]] == [m["id"] for m in first["ticket_metrics"]]
    assert set(first) == {"ticket_metrics", "meta", "links"}


def test_ticket_metrics_limits(zd: ZendeskStandin, http: requests.Session) -> None:
    too_big = http.get(zd.url(METRICS), params={"page[size]": 101})
    assert too_big.status_code == 400
    assert too_big.json()["error"] == "InvalidPaginationParameter"
    offset = http.get(zd.url(METRICS), params={"per_page": 20, "page": 2}).json()
    assert len(offset["ticket_metrics"]) == 20 and offset["count"] == len(zd.ticket_metrics)
    assert "page=3" in offset["next_page"] and "page=1" in offset["previous_page"]
    assert http.get(zd.url(METRICS), params={"per_page": 100, "page": 101}).status_code == 400
    one = zd.ticket_metrics[0]
    shown = http.get(zd.url(f"/api/v2/tickets/{one['ticket_id']}/metrics.json")).json()
    assert shown["ticket_metric"]["id"] == one["id"]


def test_satisfaction_ratings_filters_and_pagination(
    zd: ZendeskStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    ratings = dataset["satisfaction_ratings"]
    items, pages = follow_links(http, zd.url(f"{RATINGS}?page[size]=25"), "satisfaction_ratings")
    assert pages >= 3
    assert [r["id"] for r in items] == [
        r["id"] for r in sorted(ratings, key=lambda r: (r["created_at"], r["id"]))
    ]
    for score, keep in {
        "good": lambda r: r["score"] == "good",
        "bad": lambda r: r["score"] == "bad",
        "offered": lambda r: r["score"] == "offered",
        "received_with_comment": lambda r: r["score"] in ("good", "bad") and r["comment"],
    }.items():
        got, _ = follow_links(
            http, zd.url(f"{RATINGS}?page[size]=100&score={score}"), "satisfaction_ratings"
        )
        assert {r["id"] for r in got} == {r["id"] for r in ratings if keep(r)}, score
    mid = sorted(r["updated_at"] for r in ratings)[len(ratings) // 2]
    from cxcore.testing.standin import parse_iso

    start = int(parse_iso(mid))
    got, _ = follow_links(
        http, zd.url(f"{RATINGS}?page[size]=100&start_time={start}"), "satisfaction_ratings"
    )
    assert {r["id"] for r in got} == {
        r["id"] for r in ratings if parse_iso(r["updated_at"]) >= start
    }
    got, _ = follow_links(
        http, zd.url(f"{RATINGS}?page[size]=100&end_time={start}"), "satisfaction_ratings"
    )
    assert {r["id"] for r in got} == {
        r["id"] for r in ratings if parse_iso(r["updated_at"]) <= start
    }
    assert http.get(zd.url(RATINGS), params={"score": "great"}).status_code == 400


def test_rating_update_is_visible_through_start_time(
    zd: ZendeskStandin, http: requests.Session, clock: FakeClock
) -> None:
    offered = next(r for r in zd.satisfaction_ratings if r["score"] == "offered")
    clock.advance(5)
    zd.update_satisfaction_rating(offered["id"], score="good", comment="Thanks!")
    body = http.get(zd.url(RATINGS), params={"start_time": int(NOW), "page[size]": 100}).json()
    assert [(r["id"], r["score"]) for r in body["satisfaction_ratings"]] == [
        (offered["id"], "good")
    ]


# ---- auth -----------------------------------------------------------------------------------


def test_auth_api_token_oauth_and_failures(dataset: dict[str, Any]) -> None:
    with ZendeskStandin(**dataset, oauth_token="oauth-abc") as zd:
        ok = requests.get(zd.url(METRICS), auth=(f"{EMAIL}/token", TOKEN))
        assert ok.status_code == 200
        bearer = requests.get(zd.url(METRICS), headers={"Authorization": "Bearer oauth-abc"})
        assert bearer.status_code == 200
        for auth in [
            (f"{EMAIL}/token", "wrong"),
            ("other@example.com/token", TOKEN),
            (EMAIL, TOKEN),
        ]:
            denied = requests.get(zd.url(METRICS), auth=auth)
            assert denied.status_code == 401
            assert denied.json() == {"error": "Couldn't authenticate you"}
        assert (
            requests.get(zd.url(METRICS), headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        assert requests.get(zd.url(TICKETS), params={"start_time": 0}).status_code == 401
        me = requests.get(zd.url("/api/v2/users/me.json"), auth=(f"{EMAIL}/token", TOKEN)).json()
        assert me["user"]["email"] == EMAIL and me["user"]["role"] == "admin"
        anonymous = requests.get(zd.url("/api/v2/users/me.json")).json()
        assert anonymous["user"]["id"] is None
        bad_me = requests.get(zd.url("/api/v2/users/me.json"), auth=(f"{EMAIL}/token", "x"))
        assert bad_me.status_code == 401
        assert zd.requests[-1].headers["authorization"].startswith("Basic ")


# ---- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        (FaultKind.RATE_LIMITED, 429, {"error": "APIRateLimitExceeded"}),
        (FaultKind.RATE_LIMITED_NO_RETRY_AFTER, 429, {"error": "APIRateLimitExceeded"}),
        (FaultKind.UNAUTHORIZED, 401, {"error": "Couldn't authenticate you"}),
        (FaultKind.FORBIDDEN, 403, {"error": "Forbidden"}),
        (FaultKind.SERVER_ERROR, 500, {"error": "InternalError"}),
        (FaultKind.UNAVAILABLE, 503, {"error": "ServiceUnavailable"}),
    ],
)
def test_status_faults_are_vendor_shaped_and_one_shot(
    dataset: dict[str, Any],
    http: requests.Session,
    kind: FaultKind,
    status: int,
    body: dict[str, str],
) -> None:
    plan = FaultPlan([Fault(kind, path="/incremental/tickets", at=1, retry_after=7)])
    with ZendeskStandin(**dataset, faults=plan) as zd:
        first = http.get(zd.url(TICKETS), params={"start_time": 0, "per_page": 5})
        assert first.status_code == 200
        http.get(zd.url(METRICS))  # other paths are not watched by the fault
        faulted = http.get(first.json()["after_url"])
        assert faulted.status_code == status
        assert faulted.json().items() >= body.items()
        if kind in (FaultKind.RATE_LIMITED, FaultKind.UNAVAILABLE):
            assert faulted.headers["Retry-After"] == "7"
        else:
            assert "Retry-After" not in faulted.headers
        retried = http.get(first.json()["after_url"])
        assert retried.status_code == 200
        assert [r.fault for r in zd.requests] == [None, None, kind.value, None]
        assert zd.served_429 == (1 if status == 429 else 0)


def test_truncated_body_malformed_json_and_dropped_connection(
    dataset: dict[str, Any], http: requests.Session
) -> None:
    plan = FaultPlan(
        [
            Fault(FaultKind.TRUNCATED_BODY, at=0),
            Fault(FaultKind.MALFORMED_JSON, at=1),
            Fault(FaultKind.DROP_CONNECTION, at=2),
        ]
    )
    with ZendeskStandin(**dataset, faults=plan) as zd:
        url = zd.url(f"{TICKETS}?start_time=0&per_page=20")
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            http.get(url)
        malformed = http.get(url)
        assert malformed.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(malformed.text)
        with pytest.raises(requests.exceptions.ConnectionError):
            http.get(url)
        assert len(http.get(url).json()["tickets"]) == 20
        assert [r.status for r in zd.requests] == [200, 200, None, 200]


def test_delay_fault_and_fault_by_path_for_every_request(
    dataset: dict[str, Any], http: requests.Session
) -> None:
    plan = FaultPlan().add(FaultKind.SERVER_ERROR, path=r"/ticket_metrics", times=None)
    plan.add(FaultKind.DELAY, path="/users/me", delay=0.05)
    with ZendeskStandin(**dataset, faults=plan) as zd:
        assert [http.get(zd.url(METRICS)).status_code for _ in range(3)] == [500] * 3
        assert http.get(zd.url(RATINGS)).status_code == 200
        assert http.get(zd.url("/api/v2/users/me.json")).status_code == 200
        assert zd.requests[-1].elapsed_ms >= 50


# ---- rate limits ------------------------------------------------------------------------------


def test_incremental_rate_limit_is_enforced_with_retry_after(
    dataset: dict[str, Any], http: requests.Session, clock: FakeClock
) -> None:
    with ZendeskStandin(**dataset, incremental_rate_limit_per_minute=3, clock=clock) as zd:
        url = zd.url(f"{TICKETS}?start_time=0&per_page=10")
        assert [http.get(url).status_code for _ in range(3)] == [200, 200, 200]
        limited = http.get(url)
        assert limited.status_code == 429
        assert limited.json() == {
            "error": "APIRateLimitExceeded",
            "description": "Number of allowed incremental export API requests per minute exceeded",
        }
        assert limited.headers["Retry-After"] == "60"
        assert http.get(zd.url(METRICS)).status_code == 200  # other endpoints unaffected
        clock.advance(30)
        assert http.get(url).status_code == 429
        assert http.get(url).headers["Retry-After"] == "30"
        clock.advance(31)
        assert http.get(url).status_code == 200
        assert zd.served_429 == zd.throttled == 3


def test_account_rate_limit_headers_count_down(
    dataset: dict[str, Any], http: requests.Session, clock: FakeClock
) -> None:
    with ZendeskStandin(**dataset, rate_limit_per_minute=5, clock=clock) as zd:
        remaining = [http.get(zd.url(METRICS)).headers["X-Rate-Limit-Remaining"] for _ in range(5)]
        assert remaining == ["4", "3", "2", "1", "0"]
        limited = http.get(zd.url(METRICS))
        assert limited.status_code == 429 and limited.headers["X-Rate-Limit"] == "5"
        assert limited.json()["description"] == "Number of allowed API requests per minute exceeded"
    with ZendeskStandin(**dataset) as unlimited:
        response = http.get(unlimited.url(METRICS))
        assert response.headers["X-Rate-Limit"] == "700"
        assert response.headers["ratelimit-remaining"] == "699"


def test_request_log_records_query_and_status(zd: ZendeskStandin, http: requests.Session) -> None:
    http.get(zd.url(METRICS), params={"page[size]": 5})
    entry = zd.requests[-1]
    assert (entry.method, entry.path, entry.query, entry.status) == (
        "GET",
        METRICS,
        {"page[size]": "5"},
        200,
    )
    zd.clear_log()
    assert zd.requests == []


# ---- sample data -----------------------------------------------------------------------------


def test_sample_dataset_is_deterministic_and_consistent() -> None:
    a, b, c = sample_dataset(40, seed=5), sample_dataset(40, seed=5), sample_dataset(40, seed=6)
    assert a == b and a != c
    tickets = {t["id"]: t for t in a["tickets"]}
    for rating in a["satisfaction_ratings"]:
        embedded = tickets[rating["ticket_id"]]["satisfaction_rating"]
        assert embedded == {
            "id": rating["id"],
            "score": rating["score"],
            "comment": rating["comment"],
        }
    assert {m["ticket_id"] for m in a["ticket_metrics"]} == {
        t["id"] for t in a["tickets"] if t["status"] != "deleted"
    }
    customers = {u["id"] for u in a["users"] if u["role"] == "end-user"}
    assert {t["requester_id"] for t in a["tickets"]} <= customers


# ---- fidelity against the vendor reference data -------------------------------------------------

AIRBYTE = "zendesk/json-schema/airbyte-source-zendesk-support-4.9.1"
TAP = "zendesk/json-schema/tap-zendesk"
RECORDED = "zendesk/recorded/zenpy-betamax"


def _schemas(vendor_api: Path, name: str) -> list[Path]:
    airbyte = (
        vendor_api / AIRBYTE / ("shared/tickets.json" if name == "tickets" else f"{name}.json")
    )
    return [airbyte, vendor_api / TAP / f"{name}.json"]


@pytest.mark.parametrize("name", ["tickets", "ticket_metrics", "satisfaction_ratings", "users"])
def test_sample_records_validate_against_vendor_schemas(
    vendor_api: Path, schema_validator: Any, dataset: dict[str, Any], name: str
) -> None:
    records = dataset[name]
    assert records
    for path in _schemas(vendor_api, name):
        validator = schema_validator(path)
        errors = [e.message for r in records for e in validator.iter_errors(r)]
        assert errors == [], f"{path.name}: {errors[:5]}"


def test_served_pages_validate_and_match_recorded_shapes(
    vendor_api: Path, schema_validator: Any, zd: ZendeskStandin, http: requests.Session
) -> None:
    recorded = json.loads(
        (vendor_api / RECORDED / "TicketsIncrementalTest.test_get_values.decoded.json").read_text()
    )
    real = next(
        x["response"]["body"]
        for x in recorded["exchanges"]
        if "/incremental/tickets/cursor.json" in x["request"]["uri"]
    )
    served = http.get(zd.url(TICKETS), params={"start_time": 0, "per_page": 100}).json()
    assert set(served) == set(real)
    real_ticket_keys = set(real["tickets"][0])
    validators = [schema_validator(p) for p in _schemas(vendor_api, "tickets")]
    for ticket in served["tickets"]:
        assert set(ticket) >= real_ticket_keys
        for validator in validators:
            assert list(validator.iter_errors(ticket)) == []
    assert any(t["status"] == "deleted" for t in real["tickets"])  # the documented delete shape

    listing = json.loads(
        (vendor_api / RECORDED / "TestTicketsPagination.test_values.decoded.json").read_text()
    )
    cursor_page = next(
        x["response"]["body"]
        for x in listing["exchanges"]
        if "page%5Bsize%5D" in x["request"]["uri"]
    )
    metrics = http.get(zd.url(METRICS), params={"page[size]": 100}).json()
    assert set(metrics) - {"ticket_metrics"} == set(cursor_page) - {"tickets"}
    assert set(metrics["meta"]) == set(cursor_page["meta"])
    assert set(metrics["links"]) == set(cursor_page["links"])
    metric_validators = [schema_validator(p) for p in _schemas(vendor_api, "ticket_metrics")]
    for metric in metrics["ticket_metrics"]:
        for validator in metric_validators:
            assert list(validator.iter_errors(metric)) == []

    users_rec = json.loads(
        (vendor_api / RECORDED / "UsersIncrementalTest.test_get_values.decoded.json").read_text()
    )
    real_user = next(
        x["response"]["body"]["users"][0]
        for x in users_rec["exchanges"]
        if "/users/cursor.json" in x["request"]["uri"]
    )
    served_users = http.get(zd.url(USERS), params={"start_time": 0}).json()["users"]
    assert all(set(u) >= set(real_user) - {"photo"} for u in served_users)
