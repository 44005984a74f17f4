"""MappingContext: timestamps, channel and stage rules, record builders, drift extras."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cxcore import Channel, Journey, Stage, Touchpoint
from cxcore.sdk import MappingContext, MappingRules, PrivacyPolicy, Stream, to_timestamp

JOURNEY = Journey(
    id="j",
    name="J",
    stages=[Stage(id="buy"), Stage(id="support")],
    channels=[Channel(id="email"), Channel(id="phone")],
    touchpoints=[Touchpoint(stage="support", channel="phone")],
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01T09:30:00Z", "2024-03-01T09:30:00Z"),
        ("2024-03-01T10:30:00+01:00", "2024-03-01T09:30:00Z"),
        ("2024-03-01T09:30:00", "2024-03-01T09:30:00Z"),  # naive: taken as UTC
        ("2024-03-01T09:30:00.250Z", "2024-03-01T09:30:00.250Z"),
        (1709285400, "2024-03-01T09:30:00Z"),
        ("1709285400", "2024-03-01T09:30:00Z"),
        (1709285400.5, "2024-03-01T09:30:00.500000Z"),
        (datetime(2024, 3, 1, 10, 30, tzinfo=timezone(timedelta(hours=1))), "2024-03-01T09:30:00Z"),
        (None, None),
        ("", None),
    ],
)
def test_to_timestamp(value: object, expected: str | None) -> None:
    assert to_timestamp(value) == expected


def test_to_timestamp_millis_and_errors() -> None:
    assert to_timestamp(1709285400000, millis=True) == "2024-03-01T09:30:00Z"
    with pytest.raises(ValueError, match="not a timestamp: 'yesterday'"):
        to_timestamp("yesterday")
    with pytest.raises(ValueError):
        to_timestamp(True)


def test_rules_layer_later_over_earlier() -> None:
    plugin = MappingRules(channels={"mail": "email", "voice": "phone"}, stages={"t": "support"})
    project = MappingRules(channels={"mail": "inbox"})
    source = MappingRules(channels={"voice": "call"})

    merged = source.over(project.over(plugin))

    assert merged.channels == {"mail": "inbox", "voice": "call"}
    assert merged.stages == {"t": "support"}


def test_channels_against_a_journey_report_what_does_not_fit() -> None:
    ctx = MappingContext(
        source="s", journey=JOURNEY, rules=MappingRules(channels={"mail": "email", "x": "fax"})
    )

    assert ctx.channel("mail") == "email"
    assert ctx.channel("phone") == "phone"  # unmapped but already a journey channel
    assert ctx.channel("MAIL") == "email"  # case-insensitive fallback
    assert ctx.channel("chat") is None
    assert ctx.channel("chat") is None
    assert ctx.channel("x") is None  # mapped to a channel the journey lacks
    assert ctx.channel("x", default="email") == "email"
    assert ctx.channel(None) is None
    assert ctx.unmapped == {("channel", "chat"): 2, ("channel", "x"): 1}
    assert ctx.notes()[0].startswith("2 record(s) with channel 'chat' that matches no journey")


def test_without_a_journey_values_pass_if_they_are_identifiers() -> None:
    ctx = MappingContext(source="s")

    assert ctx.stage("onboarding") == "onboarding"
    assert ctx.channel("in store") is None  # not an identifier: never stored as a channel
    assert ctx.unmapped == {("channel", "in store"): 1}


def test_interaction_builder() -> None:
    ctx = MappingContext(source="zd", journey=JOURNEY)

    record = ctx.interaction(
        id=12,
        type="ticket.created",
        occurred_at=1709285400,
        customer_id=7,
        channel="phone",
        stage="support",
        journey_instance=12,
        durations={"first_reply": 60.0, "full_resolution": None},
        attributes={},
    )

    assert record == {
        "kind": "interaction",
        "source": "zd",
        "id": "12",
        "type": "ticket.created",
        "occurred_at": "2024-03-01T09:30:00Z",
        "customer_id": "7",
        "channel": "phone",
        "stage": "support",
        "touchpoint": "support.phone",  # from the journey map
        "journey_instance": "12",
        "durations": {"first_reply": 60.0},
    }


def test_response_keeps_a_null_value_and_tombstones_work_for_every_kind() -> None:
    ctx = MappingContext(source="s")
    scale = {"min": 0, "max": 10}

    shown = ctx.response(id="r1", item="nps", value=None, scale=scale, occurred_at=0)
    gone = ctx.tombstone("response", id="r2", item="nps", value=None, scale=scale, occurred_at=0)
    customer = ctx.tombstone("customer", id="c1")
    interaction = ctx.tombstone("interaction", id="i1", type="x", occurred_at=0)

    assert shown["value"] is None and "deleted" not in shown
    assert gone["deleted"] is True and gone["value"] is None
    assert customer == {"kind": "customer", "source": "s", "id": "c1", "deleted": True}
    assert interaction["deleted"] is True


def test_customer_identities_follow_the_privacy_policy() -> None:
    ctx = MappingContext(source="s", privacy=PrivacyPolicy("clear"))

    record = ctx.customer(
        id=5, identities=ctx.identities(email=" A@B.C ", phone=None), updated_at="2024-01-01"
    )

    assert record == {
        "kind": "customer",
        "source": "s",
        "id": "5",
        "identities": {"email": "a@b.c"},
        "updated_at": "2024-01-01T00:00:00Z",
    }


def test_extras_are_the_undeclared_fields() -> None:
    stream = Stream(
        name="t",
        schema={"type": "object", "properties": {"id": {}, "status": {}}},
        primary_key="id",
    )
    ctx = MappingContext(source="s")

    extras = ctx.extras(stream, {"id": 1, "status": "open", "new_field": [1], "other": None})

    assert extras == {"new_field": [1], "other": None}
    assert ctx.extras(stream, {"id": 1, "other": 2}, exclude=["other"]) == {}


def test_skip_is_counted_in_the_notes() -> None:
    ctx = MappingContext(source="s")
    ctx.skip("drafts have no customer")
    ctx.skip("drafts have no customer")

    assert ctx.notes() == ["2 record(s) skipped: drafts have no customer"]


def test_datetime_now_is_never_used() -> None:
    """Mapped records must be deterministic (resume and re-sync compare equal)."""
    ctx = MappingContext(source="s")
    a = ctx.interaction(id=1, type="x", occurred_at=datetime(2024, 1, 1, tzinfo=UTC))
    b = ctx.interaction(id=1, type="x", occurred_at=datetime(2024, 1, 1, tzinfo=UTC))

    assert a == b and "recorded_at" not in a
