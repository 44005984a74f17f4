"""Unit tests of the Medallia plugin's settings, query texts and watermark values (no server)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cxcore_medallia.query import (
    FieldInfo,
    QueryPlan,
    fields_query,
    format_date,
    literal,
    occurred_at,
)
from cxcore_medallia.settings import CONFIG_SCHEMA, NPS_SCALE, MedalliaSettings, ScoreItem
from cxcore_medallia.source import MedalliaQueryError, MedalliaSource, _errors_message
from cxcore_medallia.standin import parse_graphql

from cxcore.config import ProjectConfig
from cxcore.errors import ConfigError
from cxcore.sdk import JsonResponse
from cxcore.sdk.secret import Secret

BASE: dict[str, Any] = {
    "token_url": "https://acme.medallia.com/oauth/acme/token",
    "query_url": "https://acme.apis.medallia.com/data/v0/query",
    "client_id": "reader",
    "client_secret": "s3cr3t-value",
}

README_EXAMPLE = """
token_url = "https://acme.medallia.com/oauth/acme/token"
query_url = "https://acme.apis.medallia.com/data/v0/query"
client_id = "cxcore-reader"
client_secret = "resolved-from-the-environment"
timezone = "Europe/Paris"
start_date = "2024-01-01"
filter = [{ field = "e_status", in = ["1"] }]
exclude_fields = ["k_*"]
segments = { "Gold Tier" = "business" }

[fields]
date = "e_initialfinishdate"
segment = "e_customer_tier"
phone = ""

[items.csat]
field = "q_osat_1to5"
scale = { min = 1, max = 5, direction = "higher_is_better" }
if_empty = "skip"

[items.ces]
field = "q_effort_1to7"
scale = { min = 1, max = 7, direction = "higher_is_better" }
if_empty = "skip"
"""


def parse(**overrides: Any) -> MedalliaSettings:
    return MedalliaSettings.parse({**BASE, **overrides})


# -- settings -------------------------------------------------------------------------------------


def test_config_schema_is_valid_and_accepts_the_readme_example() -> None:
    jsonschema.Draft202012Validator.check_schema(CONFIG_SCHEMA)
    example = tomllib.loads(README_EXAMPLE)
    jsonschema.validate(example, CONFIG_SCHEMA)
    settings = MedalliaSettings.parse(example)

    assert settings.date_field == "e_initialfinishdate" and settings.id_field == "a_surveyid"
    assert settings.fields["segment"] == "e_customer_tier" and settings.fields["phone"] is None
    assert [i.name for i in settings.items] == ["nps", "csat", "ces"]
    assert settings.is_excluded("k_initialfinishdate_epoch_int")


def test_readme_configuration_is_valid() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S)
    assert block is not None
    project = tomllib.loads(block.group(1))
    ProjectConfig.from_mapping(project)
    settings = {**project["sources"]["voc"]["settings"], "client_secret": "from-the-env"}
    jsonschema.validate(settings, CONFIG_SCHEMA)
    parsed = MedalliaSettings.parse(settings)

    assert [i.name for i in parsed.items] == ["nps", "csat", "ces"]
    assert parsed.filter[0].field == "e_status"


@pytest.mark.parametrize(
    "bad",
    [
        {"fields": {"date": "e date"}},
        {"items": {"ces": {"field": "q_ces"}}},  # no scale
        {"items": {"ces": {"field": "q_ces", "scale": {"min": 1, "max": 7}}}},  # no direction
        {"page_size": 5000},
        {"attributes": "some"},
        {"filter": [{"field": "e_status"}]},
        {"client_secret": ""},
    ],
)
def test_config_schema_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**BASE, **bad}, CONFIG_SCHEMA)


def test_items_merge_over_the_defaults() -> None:
    settings = parse(items={"nps": {"field": "q_ltr"}, "csat": False})
    (nps,) = settings.items

    assert nps.field == "q_ltr"
    assert nps.comment == "q_global_nps_comment_txt" and nps.scale == NPS_SCALE


def test_a_new_item_must_state_its_scale_direction() -> None:
    with pytest.raises(
        ConfigError, match=r"settings\.items\.ces\.scale: state min, max and direction"
    ):
        parse(items={"ces": {"field": "q_ces", "scale": {"min": 1, "max": 7}}})
    with pytest.raises(ConfigError, match="min must be below max"):
        parse(
            items={
                "ces": {"field": "q", "scale": {"min": 7, "max": 1, "direction": "lower_is_better"}}
            }
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fields": {"score": "q_x"}}, "unknown role"),
        ({"fields": {"date": ""}}, r"settings\.fields\.date: a field id is required"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"start_date": "last tuesday"}, "settings.start_date"),
        ({"query_url": "ftp://x"}, "settings.query_url"),
        ({"client_secret": None}, "settings.client_secret is required"),
    ],
)
def test_settings_errors_name_the_setting(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse(**overrides)


def test_personal_field_patterns() -> None:
    settings = parse(personal_fields=["e_loyalty_card"])

    assert settings.is_personal("e_email") and settings.is_personal("e_Mobile_Phone")
    assert settings.is_personal("e_firstname") and settings.is_personal("e_loyalty_card")
    assert not settings.is_personal("e_unitname") and not settings.is_personal("e_status")


def test_score_values() -> None:
    item = ScoreItem(
        name="csat",
        field="q_sat",
        scale={"min": 1, "max": 5, "direction": "higher_is_better"},
        values={"very_happy": 5},
    )

    assert item.value("4") == 4 and item.value(["2"]) == 2 and item.value("3.5") == 3.5
    assert item.value(None) is None and item.value("") is None and item.value([]) is None
    assert item.value("very_happy") == 5
    with pytest.raises(ValueError, match="outside its scale 1..5"):
        item.value("6")
    with pytest.raises(ValueError, match="is not a number"):
        item.value("meh")


def test_the_source_keeps_its_secret_as_a_secret() -> None:
    source = MedalliaSource(BASE)
    try:
        assert Secret("s3cr3t-value") in source.secrets()
        assert "s3cr3t-value" not in repr(source.auth)
        assert source.query_path == "data/v0/query"
        assert source.lookback == 600.0
        assert [s.name for s in source.discover()] == ["feedback"]
    finally:
        source.close()


# -- GraphQL texts --------------------------------------------------------------------------------


def test_literals_cannot_break_out_of_the_query() -> None:
    nasty = 'a"b\\c\n}) { __typename } #'
    plan = QueryPlan(
        id_field="a_surveyid",
        date_field="e_responsedate",
        fields=["q_x"],
        catalogue={},
        conditions=[{"fieldIds": ["e_status"], "in": [nasty]}],
    )
    text = plan.feedback_query(filter=plan.keyset_filter(None), first=5, after='c"ur')
    args = parse_graphql(text).operations[0].selections[0].args

    assert args["filter"]["and"][0]["in"] == [nasty]
    assert args["after"] == 'c"ur' and args["first"] == 5
    assert literal(None) == "null" and literal(True) == "true" and literal(1.5) == "1.5"


def test_keyset_filter_and_order() -> None:
    catalogue = {
        "a_surveyid": FieldInfo("a_surveyid", "INT"),
        "e_responsedate": FieldInfo("e_responsedate", "DATE"),
    }
    plan = QueryPlan(
        id_field="a_surveyid", date_field="e_responsedate", fields=[], catalogue=catalogue
    )
    key = plan.key(
        {
            "node": {
                "id": "x",
                "f0": {"values": ["10000009"]},
                "f1": {"values": ["2024-05-01 10:00:00"]},
            }
        }
    )
    text = plan.feedback_query(filter=plan.keyset_filter(key), first=10, after=None)
    args = parse_graphql(text).operations[0].selections[0].args

    assert key == (1714557600.0, 10000009)
    assert args["filter"] == {
        "or": [
            {"fieldIds": ["e_responsedate"], "gt": "2024-05-01 10:00:00"},
            {
                "and": [
                    {"fieldIds": ["e_responsedate"], "gte": "2024-05-01 10:00:00"},
                    {"fieldIds": ["a_surveyid"], "gt": "10000009"},
                ]
            },
        ]
    }
    assert [(o["fieldId"], o["direction"].value) for o in args["orderBy"]] == [
        ("e_responsedate", "ASC"),
        ("a_surveyid", "ASC"),
    ]
    assert plan.keyset_filter(None) == {"fieldIds": ["e_responsedate"], "isNull": False}


def test_fields_query_parses() -> None:
    args = parse_graphql(fields_query(ids=["a", "b"], first=100, after=None)).operations[0]
    assert args.selections[0].args == {"first": 100, "ids": ["a", "b"]}


@pytest.mark.parametrize(
    ("text", "data_type"),
    [
        ("2024-01-02 03:04:05", "DATE"),
        ("2024-01-02 03:04:05.25", "DATE"),
        ("2024-01-02 00:00:00", "DATETIME"),
        ("1722438180", "INT"),
    ],
)
def test_watermark_dates_round_trip(text: str, data_type: str) -> None:
    plan = QueryPlan(
        id_field="i",
        date_field="d",
        fields=[],
        catalogue={"d": FieldInfo("d", data_type)},
    )
    assert format_date(plan.date_key(text), data_type) == text


def test_occurred_at_uses_the_instance_time_zone() -> None:
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    assert (
        occurred_at("2024-01-15 12:00:00", "DATE", paris).isoformat() == "2024-01-15T12:00:00+01:00"
    )
    assert (
        occurred_at("2024-01-15T12:00:00Z", "DATE", paris).isoformat()
        == "2024-01-15T12:00:00+00:00"
    )
    assert occurred_at("1722438180", "INT", paris).timestamp() == 1722438180


def test_multivalued_fields_keep_every_value() -> None:
    plan = QueryPlan(
        id_field="i",
        date_field="d",
        fields=["tags", "one"],
        catalogue={"tags": FieldInfo("tags", "ENUM", multivalued=True)},
    )
    node = {
        "id": "n1",
        "f0": {"values": ["7"]},
        "f1": {"values": ["2024-01-01"]},
        "f2": {"values": ["a"]},
        "f3": {"values": []},
    }
    assert plan.record(node) == {
        "id": "n1",
        "i": "7",
        "d": "2024-01-01",
        "tags": ["a"],
        "one": None,
    }


# -- GraphQL errors -------------------------------------------------------------------------------


def _response(body: Any) -> JsonResponse:
    return JsonResponse(
        method="POST", url="https://x/data/v0/query", status=200, headers={}, body=body
    )


def test_errors_null_means_no_errors() -> None:
    source = MedalliaSource(BASE)
    try:
        body = {"data": {"feedback": {"edges": []}}, "errors": None}
        assert source.edges(_response(body)) == []
        with pytest.raises(MedalliaQueryError, match="refused the feedback query: boom"):
            source.edges(_response({"data": None, "errors": [{"message": "boom"}]}))
        with pytest.raises(Exception, match="has no data.feedback"):
            source.edges(_response({"data": {}}))
        with pytest.raises(Exception, match="no list of edges"):
            source.edges(_response({"data": {"feedback": {"edges": [{"cursor": "x"}]}}}))
    finally:
        source.close()


def test_error_message_lists_a_few_errors() -> None:
    errors = [
        {"message": f"e{i}", "extensions": {"classification": "ValidationError"}} for i in range(5)
    ]
    message = _errors_message("feedback", errors)

    assert message == (
        "Medallia Query API refused the feedback query: e0 [ValidationError]; e1 "
        "[ValidationError]; e2 [ValidationError] (and 2 more)"
    )
