"""Offline tests of the Medallia OAuth + Query API stand-in (``cxcore_medallia.standin``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cxcore_medallia.standin import MedalliaStandin, parse_graphql, sample_dataset

from cxcore.testing.standin import FakeClock, Fault, FaultKind, FaultPlan, sample_people

CLIENT = ("standin-client", "standin-secret")
NOW = 1_740_000_000.0
QUERY = "/data/v0/query"

KEYSET = """
query Feedback($first: Int!, $date: String!, $id: String!) {
  feedback(
    first: $first
    filter: {or: [{fieldIds: ["e_responsedate"], gt: $date},
                  {and: [{fieldIds: ["e_responsedate"], gte: $date},
                         {fieldIds: ["a_surveyid"], gt: $id}]}]}
    orderBy: [{fieldId: "e_responsedate", direction: ASC}, {fieldId: "a_surveyid", direction: ASC}]
  ) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      date: fieldData(fieldId: "e_responsedate") { values }
      ltr: fieldData(fieldId: "q_global_nps_0to10") { values }
      comment: fieldData(fieldId: "q_global_nps_comment_txt") { values }
    }
  }
}
"""

CURSOR = """
query Page($after: String) {
  feedback(first: 40, after: $after, orderBy: {fieldId: "e_responsedate", direction: ASC}) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    nodes { id }
  }
}
"""


@pytest.fixture(scope="module")
def dataset() -> dict[str, Any]:
    return dict(sample_dataset(150, seed=2))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def md(dataset: dict[str, Any], clock: FakeClock) -> Iterator[MedalliaStandin]:
    with MedalliaStandin(**dataset, clock=clock) as server:
        yield server


def token_for(server: MedalliaStandin, auth: tuple[str, str] = CLIENT) -> str:
    response = requests.post(
        server.url("/oauth/company/token"), data={"grant_type": "client_credentials"}, auth=auth
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


@pytest.fixture
def http(md: MedalliaStandin) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token_for(md)}"
    return session


def gql(
    http: requests.Session, server: MedalliaStandin, query: str, **variables: Any
) -> dict[str, Any]:
    response = http.post(server.url(QUERY), json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ordered(records: list[dict[str, Any]]) -> list[str]:
    return [
        r["id"] for r in sorted(records, key=lambda r: (r["e_responsedate"], int(r["a_surveyid"])))
    ]


def keyset_sync(
    http: requests.Session,
    md: MedalliaStandin,
    date: str = "1970-01-01",
    sid: str = "0",
    first: int = 100,
) -> tuple[list[dict[str, Any]], int, tuple[str, str]]:
    nodes: list[dict[str, Any]] = []
    pages = 0
    while True:
        body = gql(http, md, KEYSET, first=first, date=date, id=sid)
        assert "errors" not in body, body
        page = body["data"]["feedback"]["nodes"]
        pages += 1
        if not page:
            return nodes, pages, (date, sid)
        nodes.extend(page)
        date, sid = page[-1]["date"]["values"][0], page[-1]["id"]


# ---- OAuth ------------------------------------------------------------------------------


def test_token_endpoint_client_credentials(md: MedalliaStandin) -> None:
    basic = requests.post(
        md.url("/oauth/company/token"), data="grant_type=client_credentials", auth=CLIENT,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    body = basic.json()
    assert basic.status_code == 200
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    form = requests.post(
        md.url("/oauth/token"),
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
        },
    )
    assert form.status_code == 200 and form.json()["access_token"] != body["access_token"]
    wrong = requests.post(
        md.url("/oauth/company/token"),
        data={"grant_type": "client_credentials"},
        auth=(CLIENT[0], "nope"),
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = requests.post(
        md.url("/oauth/company/token"), data={"grant_type": "password"}, auth=CLIENT
    )
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"
    missing = requests.post(md.url("/oauth/company/token"), auth=CLIENT)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    assert md.tokens_issued == 2


def test_expired_unknown_and_missing_tokens_get_401(
    dataset: dict[str, Any], clock: FakeClock
) -> None:
    with MedalliaStandin(**dataset, clock=clock, token_ttl=60) as md:
        token = token_for(md)
        ask = {"query": "{ feedback(first: 1) { totalCount } }"}
        ok = requests.post(md.url(QUERY), json=ask, headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()["data"]["feedback"]["totalCount"] > 0
        clock.advance(61)
        expired = requests.post(
            md.url(QUERY), json=ask, headers={"Authorization": f"Bearer {token}"}
        )
        assert expired.status_code == 401
        assert expired.json() == {
            "error": "invalid_token",
            "error_description": "Access token expired",
        }
        assert 'error="invalid_token"' in expired.headers["WWW-Authenticate"]
        fresh = token_for(md)
        assert (
            requests.post(
                md.url(QUERY), json=ask, headers={"Authorization": f"Bearer {fresh}"}
            ).status_code
            == 200
        )
        md.expire_tokens()
        assert (
            requests.post(
                md.url(QUERY), json=ask, headers={"Authorization": f"Bearer {fresh}"}
            ).status_code
            == 401
        )
        assert (
            requests.post(
                md.url(QUERY), json=ask, headers={"Authorization": "Bearer made-up"}
            ).status_code
            == 401
        )
        missing = requests.post(md.url(QUERY), json=ask)
        assert missing.status_code == 401 and missing.json()["error"] == "unauthorized"


# ---- pagination ------------------------------------------------------------------------------


def test_relay_cursor_pagination_across_pages(
    md: MedalliaStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    ids: list[str] = []
    after = None
    pages = []
    while True:
        conn = gql(http, md, CURSOR, after=after)["data"]["feedback"]
        pages.append(conn)
        ids.extend(n["id"] for n in conn["nodes"])
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    records = dataset["records"]
    assert len(pages) >= 3
    assert len(ids) == len(set(ids)) == len(records)
    assert ids == [
        r["id"] for r in sorted(records, key=lambda r: (r["e_responsedate"], int(r["id"])))
    ]
    assert all(p["totalCount"] == len(records) for p in pages)
    assert (
        pages[0]["pageInfo"]["hasPreviousPage"] is False
        and pages[1]["pageInfo"]["hasPreviousPage"] is True
    )


def test_keyset_watermark_sync_and_resume(
    md: MedalliaStandin, http: requests.Session, dataset: dict[str, Any]
) -> None:
    nodes, pages, watermark = keyset_sync(http, md, first=100)
    assert pages >= 3
    assert [n["id"] for n in nodes] == ordered(dataset["records"])
    assert len({n["id"] for n in nodes}) == len(nodes)
    # later runs see only what comes after the saved (date, id) watermark
    assert keyset_sync(http, md, *watermark)[0] == []
    newest = dict(
        dataset["records"][0],
        id="99999999",
        a_surveyid="99999999",
        e_responsedate="2030-01-01 00:00:00",
    )
    md.add_record(newest)
    moved = dataset["records"][1]["id"]
    md.update_record(moved, e_responsedate="2030-01-02 00:00:00")
    again, _, _ = keyset_sync(http, md, *watermark)
    assert [n["id"] for n in again] == ["99999999", moved]


def test_filters(md: MedalliaStandin, http: requests.Session, dataset: dict[str, Any]) -> None:
    records = dataset["records"]

    def ids(flt: str) -> set[str]:
        q = f"{{ feedback(first: 1000, filter: {flt}) {{ totalCount nodes {{ id }} }} }}"
        conn = gql(http, md, q)["data"]["feedback"]
        assert conn["totalCount"] == len(conn["nodes"])
        return {n["id"] for n in conn["nodes"]}

    def where(pred: Any) -> set[str]:
        return {r["id"] for r in records if pred(r)}

    assert ids('{fieldIds: "e_responsedate", gte: "2024-07-01"}') == where(
        lambda r: r["e_responsedate"] >= "2024-07-01"
    )
    assert ids(
        '{and: [{fieldIds: ["e_responsedate"], gte: "2024-03-01"},'
        ' {fieldIds: ["e_responsedate"], lt: "2024-04-01"}]}'
    ) == where(lambda r: "2024-03-01" <= r["e_responsedate"] < "2024-04-01")
    assert ids('{fieldIds: "q_global_nps_0to10", in: ["0", "1", "2", "3"]}') == where(
        lambda r: r["q_global_nps_0to10"] in ("0", "1", "2", "3")
    )
    assert ids('{fieldIds: "q_global_nps_0to10", gte: "9"}') == where(
        lambda r: int(r["q_global_nps_0to10"]) >= 9
    )
    assert ids('{fieldIds: "comment_length_q_global_nps_comment_txt", gt: "0"}') == where(
        lambda r: r["q_global_nps_comment_txt"]
    )
    assert ids('{fieldIds: "q_global_nps_comment_txt", isNull: true}') == where(
        lambda r: not r["q_global_nps_comment_txt"]
    )
    assert ids('{not: [{fieldIds: "e_channel", in: ["email"]}]}') == where(
        lambda r: r["e_channel"] != "email"
    )
    assert ids(
        '{or: [{fieldIds: "e_channel", in: ["sms"]}, {fieldIds: "e_touchpoint", in: ["renewal"]}]}'
    ) == where(lambda r: r["e_channel"] == "sms" or r["e_touchpoint"] == "renewal")
    # Medallia's reference extractor filter (medallia/query-api-data-extract config)
    assert ids('{fieldIds: ["e_status"], in: ["0", "1"]}') == where(lambda r: True)


def test_order_by_descending_and_multivalued_fields(
    dataset: dict[str, Any], clock: FakeClock
) -> None:
    records = [
        {"id": "1", "score": "5", "tags": ["a", "b"]},
        {"id": "2", "score": "10", "tags": None},
        {"id": "3", "score": "7", "tags": ["c"]},
    ]
    with MedalliaStandin(records, *CLIENT, clock=clock) as md:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token_for(md)}"
        q = (
            '{ feedback(orderBy: {fieldId: "score", direction: DESC})'
            ' { nodes { id t: fieldData(fieldId: "tags") { values } } } }'
        )
        nodes = gql(http, md, q)["data"]["feedback"]["nodes"]
        assert [n["id"] for n in nodes] == ["2", "3", "1"]  # numeric, not lexical, order
        assert [n["t"]["values"] for n in nodes] == [[], ["c"], ["a", "b"]]


# ---- GraphQL language coverage -----------------------------------------------------------


def test_aliases_fragments_directives_edges_and_metadata(
    md: MedalliaStandin, http: requests.Session
) -> None:
    q = """
    # comments are fine
    query Q($withEdges: Boolean = true, $skipCount: Boolean = false) {
      __typename
      fb: feedback(first: 2, orderBy: {fieldId: "a_surveyid"}) {
        __typename
        totalCount @skip(if: $skipCount)
        edges @include(if: $withEdges) { cursor node { ...Bits } }
      }
    }
    fragment Bits on Feedback {
      id
      nps: fieldData(fieldId: "q_global_nps_0to10") {
        __typename
        values
        field { id name dataType }
        ... on stringEnumFieldData { options { id name } }
        ... on intFieldData { neverHere: values }
      }
    }
    """
    body = gql(http, md, q)
    assert "errors" not in body, body
    data = body["data"]
    assert data["__typename"] == "Query"
    fb = data["fb"]
    assert fb["__typename"] == "FeedbackConnection" and fb["totalCount"] > 2
    edge = fb["edges"][0]
    assert set(edge) == {"cursor", "node"}
    nps = edge["node"]["nps"]
    assert nps["__typename"] == "stringEnumFieldData"
    assert nps["field"] == {
        "id": "q_global_nps_0to10",
        "name": "Likelihood to Recommend",
        "dataType": "ENUM",
    }
    assert [o["id"] for o in nps["options"]] == [str(i) for i in range(11)]
    assert "neverHere" not in nps
    skipped = gql(http, md, q.replace("$skipCount: Boolean = false", "$skipCount: Boolean = true"))
    assert "totalCount" not in skipped["data"]["fb"]
    next_q = (
        'query N($a: String) { feedback(first: 1, after: $a, orderBy: {fieldId: "a_surveyid"})'
        " { nodes { id } } }"
    )
    second = gql(http, md, next_q, a=edge["cursor"])
    assert second["data"]["feedback"]["nodes"][0]["id"] == fb["edges"][1]["node"]["id"]


def test_fields_discovery(md: MedalliaStandin, http: requests.Session) -> None:
    body = gql(
        http, md, '{ fields(q: "nps", first: 10) { totalCount nodes { id dataType filterable } } }'
    )
    ids = [n["id"] for n in body["data"]["fields"]["nodes"]]
    assert "q_global_nps_0to10" in ids and "q_global_nps_comment_txt" in ids
    assert body["data"]["fields"]["totalCount"] == len(ids)


@pytest.mark.parametrize(
    ("query", "classification", "pattern"),
    [
        ("{ feedback(first: 1) { nodes { id } }", "InvalidSyntax", r"offending token '<EOF>'"),
        ("{ feedback(first: 1) { nodes { id ^ } } }", "InvalidSyntax", r"offending token '\^'"),
        (
            "{ feedbacks { totalCount } }",
            "ValidationError",
            r"FieldUndefined.*'feedbacks'.*'Query'",
        ),
        (
            "{ feedback { nodes { id score } } }",
            "ValidationError",
            r"Field 'score' in type 'Feedback'",
        ),
        ("{ feedback(last: 3) { totalCount } }", "ValidationError", r"UnknownArgument"),
        (
            "{ feedback { nodes { fieldData { values } } } }",
            "ValidationError",
            r"Missing field argument 'fieldId'",
        ),
        ("{ feedback { totalCount { x } } }", "ValidationError", r"SubselectionNotAllowed"),
        ("{ feedback { pageInfo } }", "ValidationError", r"SubselectionRequired"),
        (
            "query { feedback(after: $c) { totalCount } }",
            "ValidationError",
            r"Undefined variable 'c'",
        ),
        ("mutation { feedback { totalCount } }", "ValidationError", r"Only queries"),
        (
            "query A { feedback { totalCount } } query B { feedback { totalCount } }",
            "ValidationError",
            r"operation name",
        ),
    ],
)
def test_request_errors_are_graphql_shaped(
    md: MedalliaStandin, http: requests.Session, query: str, classification: str, pattern: str
) -> None:
    response = http.post(md.url(QUERY), json={"query": query})
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["classification"] == classification
    assert re.search(pattern, error["message"]), error["message"]


def test_field_errors_null_the_field(md: MedalliaStandin, http: requests.Session) -> None:
    too_many = http.post(
        md.url(QUERY), json={"query": "{ feedback(first: 1001) { totalCount } }"}
    ).json()
    assert too_many["data"] == {"feedback": None}
    assert too_many["errors"][0]["path"] == ["feedback"]
    assert "1000" in too_many["errors"][0]["message"]
    bad_cursor = http.post(
        md.url(QUERY), json={"query": '{ feedback(after: "zzz") { totalCount } }'}
    ).json()
    assert (
        bad_cursor["data"] == {"feedback": None} and "cursor" in bad_cursor["errors"][0]["message"]
    )
    unknown = http.post(
        md.url(QUERY),
        json={
            "query": '{ feedback(first: 1) { nodes { fieldData(fieldId: "nope") { values } } } }'
        },
    ).json()
    assert unknown["data"] == {"feedback": None} and "nope" in unknown["errors"][0]["message"]
    assert http.post(md.url(QUERY), data=b"not json").status_code == 400
    assert http.post(md.url(QUERY), json={"variables": {}}).status_code == 400


def test_parser_handles_block_strings_and_defaults() -> None:
    doc = parse_graphql(
        'query Q($a: [String!]! = ["x"], $b: Int = 3)'
        ' { feedback(filter: {fieldIds: """\n  e_x\n""", gt: 1.5e3}) { totalCount } }'
    )
    [op] = doc.operations
    assert op.variables == {"a": ["x"], "b": 3}
    assert op.selections[0].args["filter"] == {"fieldIds": "e_x", "gt": 1500.0}


# ---- faults and rate limits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        (FaultKind.RATE_LIMITED, 429, {"message": "API rate limit exceeded"}),
        (FaultKind.RATE_LIMITED_NO_RETRY_AFTER, 429, {"message": "API rate limit exceeded"}),
        (FaultKind.UNAUTHORIZED, 401, {"error": "invalid_token"}),
        (FaultKind.FORBIDDEN, 403, {"error": "access_denied"}),
        (FaultKind.SERVER_ERROR, 500, {"message": "Internal Server Error"}),
        (FaultKind.UNAVAILABLE, 503, {"message": "Service Unavailable"}),
    ],
)
def test_status_faults(
    dataset: dict[str, Any], kind: FaultKind, status: int, body: dict[str, str]
) -> None:
    with MedalliaStandin(**dataset, faults=[Fault(kind, path=QUERY, at=1, retry_after=4)]) as md:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token_for(md)}"  # the token call is not watched
        ask = {"query": "{ feedback(first: 5) { nodes { id } } }"}
        assert http.post(md.url(QUERY), json=ask).status_code == 200
        faulted = http.post(md.url(QUERY), json=ask)
        assert faulted.status_code == status
        assert faulted.json().items() >= body.items()
        assert ("Retry-After" in faulted.headers) == (
            kind in (FaultKind.RATE_LIMITED, FaultKind.UNAVAILABLE)
        )
        assert http.post(md.url(QUERY), json=ask).status_code == 200
        assert [r.fault for r in md.requests] == [None, None, kind.value, None]


def test_transport_faults_and_token_endpoint_faults(dataset: dict[str, Any]) -> None:
    plan = FaultPlan([
        Fault(FaultKind.SERVER_ERROR, path="/oauth/"),
        Fault(FaultKind.TRUNCATED_BODY, path=QUERY, at=0),
        Fault(FaultKind.MALFORMED_JSON, path=QUERY, at=1),
        Fault(FaultKind.DROP_CONNECTION, path=QUERY, at=2),
    ])  # fmt: skip
    with MedalliaStandin(**dataset, faults=plan) as md:
        first = requests.post(
            md.url("/oauth/company/token"), data={"grant_type": "client_credentials"}, auth=CLIENT
        )
        assert first.status_code == 500
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token_for(md)}"
        ask = {
            "query": "{ feedback(first: 1000)"
            ' { nodes { id a: fieldData(fieldId: "e_email") { values } } } }'
        }
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            http.post(md.url(QUERY), json=ask)
        with pytest.raises(json.JSONDecodeError):
            json.loads(http.post(md.url(QUERY), json=ask).text)
        with pytest.raises(requests.exceptions.ConnectionError):
            http.post(md.url(QUERY), json=ask)
        assert len(http.post(md.url(QUERY), json=ask).json()["data"]["feedback"]["nodes"]) == len(
            dataset["records"]
        )


def test_rate_limit_per_second(dataset: dict[str, Any], clock: FakeClock) -> None:
    with MedalliaStandin(**dataset, clock=clock, rate_limit_per_second=10) as md:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token_for(md)}"
        ask = {"query": "{ feedback(first: 1) { totalCount } }"}
        statuses = [http.post(md.url(QUERY), json=ask).status_code for _ in range(10)]
        assert statuses == [200] * 10
        limited = http.post(md.url(QUERY), json=ask)
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "1"
        assert (
            limited.headers["X-RateLimit-Limit"] == "10"
            and limited.headers["X-RateLimit-Remaining"] == "0"
        )
        assert token_for(md)  # the token endpoint is not limited
        clock.advance(1.0)
        assert http.post(md.url(QUERY), json=ask).status_code == 200
        assert md.served_429 == md.throttled == 1


# ---- sample data and fidelity -------------------------------------------------------------


def test_sample_dataset_is_deterministic_and_shares_customers() -> None:
    a, b = sample_dataset(60, seed=8), sample_dataset(60, seed=8)
    assert a == b and a != sample_dataset(60, seed=9)
    externals = {p.external_id for p in sample_people(60, 8)}
    assert {r["a_customerid"] for r in a["records"]} <= externals
    for r in a["records"]:
        assert 0 <= int(r["q_global_nps_0to10"]) <= 10
        assert r["e_responsedate"] >= r["e_creationdate"]


RECORDED = "medallia/recorded/keboola-component-ex-medallia/03_feedback_incremental.requests.json"

#: JSON Schema of a feedback query response, written from the documented shape
#: (``data.feedback{totalCount, pageInfo, nodes[{id, <alias>: {values: [String]}}]}``).
FEEDBACK_RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "required": ["feedback"],
            "properties": {
                "feedback": {
                    "type": "object",
                    "properties": {
                        "totalCount": {"type": "integer", "minimum": 0},
                        "pageInfo": {
                            "type": "object",
                            "properties": {
                                "hasNextPage": {"type": "boolean"},
                                "endCursor": {"type": ["string", "null"]},
                            },
                        },
                        "nodes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["id"],
                                "properties": {"id": {"type": "string"}},
                                "additionalProperties": {
                                    "type": "object",
                                    "required": ["values"],
                                    "properties": {
                                        "values": {"type": "array", "items": {"type": "string"}}
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
        "errors": {"type": ["array", "null"]},
    },
}


def test_recorded_queries_replay_identically(vendor_api: Path) -> None:
    recorded = json.loads((vendor_api / RECORDED).read_text())
    interactions = recorded["interactions"]
    token_response = json.loads(interactions[0]["response"]["body"]["string"])
    queries = [i for i in interactions if i["request"]["uri"].endswith(QUERY)]
    responses = [json.loads(i["response"]["body"]["string"]) for i in queries]
    records: dict[str, dict[str, Any]] = {}
    for response in responses:
        for node in response["data"]["feedback"]["nodes"]:
            record = {"id": node["id"], "a_surveyid": node["surveyId"]["values"][0]}
            record.update(
                {k: v["values"][0] for k, v in node.items() if k not in ("id", "surveyId")}
            )
            records[node["id"]] = record
    with MedalliaStandin(list(records.values()), *CLIENT) as md:
        ours = requests.post(
            md.url("/oauth/company/token"), data={"grant_type": "client_credentials"}, auth=CLIENT
        )
        assert set(ours.json()) == set(token_response)
        assert ours.json()["token_type"] == token_response["token_type"]
        headers = {"Authorization": f"Bearer {ours.json()['access_token']}"}
        for interaction, expected in zip(queries, responses, strict=True):
            request_body = json.loads(interaction["request"]["body"])
            served = requests.post(md.url(QUERY), json=request_body, headers=headers).json()
            assert served["data"] == expected["data"]


def test_served_pages_validate_against_the_documented_shape(
    vendor_api: Path, md: MedalliaStandin, http: requests.Session
) -> None:
    from jsonschema import Draft7Validator

    validator = Draft7Validator(FEEDBACK_RESPONSE_SCHEMA)
    recorded = json.loads((vendor_api / RECORDED).read_text())
    for interaction in recorded["interactions"][1:]:
        assert (
            list(validator.iter_errors(json.loads(interaction["response"]["body"]["string"]))) == []
        )
    body = gql(http, md, KEYSET, first=1000, date="1970-01-01", id="0")
    assert list(validator.iter_errors(body)) == []
    config = (
        vendor_api
        / "medallia/reference-config/query-api-data-extract.application.properties.template"
    ).read_text()
    per_request = int(re.search(r"num\.records\.per\.request\s*=\s*(\d+)", config).group(1))  # type: ignore[union-attr]
    watermark = re.search(r"initialfinishdate\.epoch\s*=\s*(\w+)", config).group(1)  # type: ignore[union-attr]
    assert per_request <= md.max_page_size
    fields = gql(http, md, f'{{ fields(ids: ["{watermark}"]) {{ nodes {{ id dataType }} }} }}')
    assert fields["data"]["fields"]["nodes"] == [{"id": watermark, "dataType": "INT"}]
