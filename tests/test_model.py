"""The attrs domain model: validation and the round trip to JSON-compatible dicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxcore import (
    NPS_SCALE,
    Channel,
    Customer,
    Interaction,
    Journey,
    Response,
    Scale,
    Stage,
    Touchpoint,
    from_dict,
    to_dict,
)
from cxcore.schemas import SchemaRegistry


def test_journey_orders_stages_and_finds_touchpoints(journey: Journey) -> None:
    assert [journey.stage_position(s) for s in ("discover", "renew")] == [0, 3]
    tp = journey.touchpoint("support", "phone")
    assert tp is not None and tp.id == "support.phone" and tp.moment_of_truth
    assert journey.touchpoint("renew", "chat") is None
    with pytest.raises(KeyError, match="unknown stage 'nowhere'"):
        journey.stage_position("nowhere")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"touchpoints": [Touchpoint(stage="ghost", channel="web")]}, "unknown stage 'ghost'"),
        ({"touchpoints": [Touchpoint(stage="buy", channel="fax")]}, "unknown channel 'fax'"),
        ({"stages": [Stage(id="buy"), Stage(id="buy")]}, "duplicate stage id 'buy'"),
        ({"stages": []}, "at least one stage"),
        (
            {"touchpoints": [Touchpoint(stage="buy", channel="web", importance=9)]},
            "importance 9 is outside the importance scale 1..5",
        ),
    ],
)
def test_journey_rejects_inconsistent_maps(kwargs: dict, message: str) -> None:
    base = {
        "id": "j",
        "name": "J",
        "stages": [Stage(id="buy")],
        "channels": [Channel(id="web")],
    }
    with pytest.raises(ValueError, match=message):
        Journey(**{**base, **kwargs})


def test_model_classes_are_frozen_slotted_keyword_only() -> None:
    for cls in (Journey, Stage, Channel, Touchpoint, Customer, Interaction, Response, Scale):
        assert attrs.has(cls)
        assert "__slots__" in cls.__dict__, cls
        assert all(a.kw_only for a in attrs.fields(cls) if a.init), cls
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Stage(id="a").id = "b"  # type: ignore[misc]


def test_response_off_its_scale_is_refused() -> None:
    with pytest.raises(ValueError, match="value 6 of item 'ces' is outside its scale 1..5"):
        Response(
            source="s",
            id="1",
            item="ces",
            value=6,
            scale=Scale(min=1, max=5),
            occurred_at=datetime.now(UTC),
        )


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        Interaction(source="s", id="1", type="t", occurred_at=datetime(2024, 1, 1))


def test_scale_normalises_with_direction() -> None:
    ces = Scale(min=1, max=5, direction="lower_is_better")

    assert ces.normalise(1) == 100.0
    assert ces.normalise(5) == 0.0
    assert NPS_SCALE.bucket_of(9) == "promoter"
    assert NPS_SCALE.bucket_of(6) == "detractor"


def test_journey_round_trip_validates_against_its_schema(journey: Journey) -> None:
    data = to_dict(journey)

    assert from_dict(Journey, data) == journey
    assert SchemaRegistry.builtin().validator("journey").errors(data) == []


def test_from_dict_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"required field missing @ Interaction.type"):
        from_dict(Interaction, {"source": "s", "id": "1", "occurred_at": "2024-01-01T00:00:00Z"})


texts = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
ids = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30))]),
)


@given(
    source=texts,
    rid=texts,
    item=ids,
    value=st.none() | st.integers(0, 10),
    when=times,
    comment=st.none() | texts,
    stage=st.none() | ids,
)
def test_response_round_trips_and_matches_schema(
    source: str,
    rid: str,
    item: str,
    value: int | None,
    when: datetime,
    comment: str | None,
    stage: str | None,
) -> None:
    r = Response(
        source=source,
        id=rid,
        item=item,
        value=value,
        scale=NPS_SCALE,
        occurred_at=when,
        comment=comment,
        stage=stage,
    )
    data = to_dict(r)

    assert from_dict(Response, data) == r
    assert SchemaRegistry.builtin().validator("response").errors(data) == []


@given(when=times, seconds=st.floats(0, 1e7), customer=st.none() | texts)
def test_interaction_round_trips_and_matches_schema(
    when: datetime, seconds: float, customer: str | None
) -> None:
    i = Interaction(
        source="helpdesk",
        id="42",
        type="ticket.solved",
        occurred_at=when,
        recorded_at=when,
        customer_id=customer,
        durations={"full_resolution": seconds},
        attributes={"tags": ["a"]},
    )
    data = to_dict(i)

    assert from_dict(Interaction, data) == i
    assert SchemaRegistry.builtin().validator("interaction").errors(data) == []


def test_kind_tag_and_pillars() -> None:
    data = to_dict(
        Response(
            source="s",
            id="1",
            item="csat",
            value=4,
            scale=Scale(min=1, max=5),
            occurred_at=datetime(2024, 1, 1, tzinfo=UTC),
            pillar="empathy",
        )
    )

    assert from_dict(Response, {**data, "kind": "response"}).pillar == "empathy"
    with pytest.raises(ValueError, match="unknown pillar 'kindness'"):
        from_dict(Response, {**data, "pillar": "kindness"})
    with pytest.raises(ValueError, match="duplicate pillar"):
        Touchpoint(stage="buy", channel="web", pillars=["empathy", "empathy"])
