"""The event log: order, mapping to the journey, normalised scores, journey instances."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from cxcore.journeys import (
    INTERACTION,
    RESPONSE,
    InstanceConfig,
    LoadConfig,
    StitchConfig,
    assign_instances,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _us(day: float) -> int:
    return int((T0 + timedelta(days=day)).timestamp() * 1_000_000)


def test_events_are_ordered_by_person_then_time_interactions_first(records: Any) -> None:
    records.event("b", 2, "buy")
    records.event("a", 3, "buy")
    records.answer("a", 1, "discover", "web", 5)
    records.event("a", 1, "discover")
    log = records.log()
    assert [log.stitching.persons[p] for p in log.person] == ["crm:a", "crm:a", "crm:a", "crm:b"]
    assert list(log.time) == [_us(1), _us(1), _us(3), _us(2)]
    assert list(log.kind) == [INTERACTION, RESPONSE, INTERACTION, INTERACTION]
    assert [log.journey.stages[s].id for s in log.stage] == ["discover", "discover", "buy", "buy"]
    assert log.record_id.to_pylist() == ["i00002", "r00000", "i00001", "i00000"]


def test_unknown_stages_and_channels_are_counted_not_guessed(records: Any) -> None:
    records.event("a", 1, "checkout-page", "web")
    records.event("a", 2, "buy", "fax")
    records.event("a", 3, None, None, touchpoint="checkout")  # touchpoint id gives both
    records.event("a", 4, None, None, touchpoint="support.phone")
    log = records.log()
    assert list(log.stage) == [-1, 2, 2, 3]
    assert list(log.channel) == [0, -1, 0, 2]
    assert log.unmapped == {"channel:fax": 1, "stage:checkout-page": 1}


def test_scores_are_normalised_direction_aware(records: Any) -> None:
    records.answer("a", 1, "support", "phone", 5)
    records.answer("a", 2, "support", "phone", 2, scale={"min": 1, "max": 5})
    records.answer(
        "a", 3, "support", "phone", 2, scale={"min": 1, "max": 5, "direction": "lower_is_better"}
    )
    records.answer("a", 4, "support", "phone", 9, item="nps", scale={"min": 0, "max": 10})
    records.answer("a", 5, "support", "phone", None)
    records.event("a", 6, "support", "phone")
    log = records.log()
    assert np.allclose(log.score[:5], [100.0, 25.0, 75.0, 90.0, np.nan], equal_nan=True)
    assert np.isnan(log.score[5])
    assert log.items == ("csat", "nps")
    assert [log.items[i] for i in log.item[:4]] == ["csat", "csat", "csat", "nps"]


def test_instances_from_correlation_ids_and_gaps(records: Any) -> None:
    records.event("a", 0, "discover")
    records.event("a", 10, "buy")  # 10 days later: same gap instance (gap 30 days)
    records.event("a", 11, "support", "chat", "ticket.created", ji="T1")
    records.event("a", 50, "renew")  # 40 days after the last uncorrelated event: new
    records.event("a", 52, "support", "chat", "ticket.solved", ji="T1")
    records.event("b", 1, "support", "chat", "ticket.created", ji="T1")  # other person
    log = records.log()
    assert list(log.instance) == [0, 0, 1, 2, 1, 3]
    assert log.n_instances == 4
    assert [log.instance_label(i) for i in range(4)] == [
        "crm:a@2024-01-01T00:00:00Z",
        "T1",
        "crm:a@2024-02-20T00:00:00Z",
        "T1",
    ]
    assert list(log.instance_person) == [0, 0, 0, 1]

    gap_only = records.log(instances=InstanceConfig(mode="gap", gap=timedelta(days=5)))
    assert list(gap_only.instance) == [0, 1, 1, 2, 2, 3]
    correlation = records.log(instances=InstanceConfig(mode="correlation"))
    assert list(correlation.instance) == [-1, -1, 0, -1, 0, 1]


def test_assign_instances_directly() -> None:
    person = np.array([0, 0, 0, 1, 1], dtype=np.int64)
    time = np.array([0, 5, 100, 0, 1], dtype=np.int64) * 1_000_000 * 86400
    corr = np.array([-1, -1, -1, 0, -1], dtype=np.int64)
    inst = assign_instances(person, time, corr, InstanceConfig(gap=timedelta(days=10)))
    assert list(inst.instance) == [0, 0, 1, 2, 3]
    assert list(inst.instance_correlation) == [-1, -1, 0, -1]
    assert list(inst.instance_start) == list(time[[0, 2, 3, 4]])


def test_period_filter_and_as_of(records: Any) -> None:
    for day in (1, 10, 20, 30):
        records.event("a", day, "discover")
    log = records.log(start=T0 + timedelta(days=5), end=T0 + timedelta(days=25))
    assert list(log.time) == [_us(10), _us(20)]
    assert log.as_of == _us(25)
    assert records.log().as_of == _us(30)
    fixed = records.log(as_of=T0 + timedelta(days=100))
    assert fixed.as_of == _us(100)


def test_identity_keys_fall_back_to_the_argument(records: Any) -> None:
    from cxcore.journeys import load_events

    records.customer("1", source="crm", email="e")
    records.customer("2", source="desk", email="e")
    records.event("1", 1, "discover", source="crm")
    records.event("2", 2, "support", source="desk")
    with records.store() as store:
        log = load_events(store, records_journey(), LoadConfig(), identity_keys=["email"])
        assert log.n_persons == 1 and list(log.person) == [0, 0]
        separate = load_events(
            store, records_journey(), LoadConfig(stitch=StitchConfig(identity_keys=()))
        )
        assert separate.n_persons == 2


def test_empty_store(records: Any) -> None:
    log = records.log()
    assert log.n_events == 0 and log.n_persons == 0 and log.n_instances == 0


def records_journey() -> Any:
    from cxcore import Channel, Journey, Stage

    return Journey(
        id="j",
        name="J",
        stages=[Stage(id="discover"), Stage(id="support")],
        channels=[Channel(id="web")],
    )


def test_events_without_customer_take_their_tickets_customer() -> None:
    from cxcore import Channel, DuckDBStore, Journey, Stage
    from cxcore.journeys import load_events

    journey = Journey(id="j", name="J", stages=[Stage(id="support")], channels=[Channel(id="chat")])
    store = DuckDBStore(":memory:")
    base = {"source": "zd", "stage": "support", "channel": "chat"}
    store.write(
        "interaction",
        [
            {
                **base,
                "id": "t1",
                "type": "ticket.created",
                "customer_id": "u1",
                "journey_instance": "1",
                "occurred_at": "2024-01-01T00:00:00Z",
            },
            {
                **base,
                "id": "t1:metrics",
                "type": "ticket.solved",
                "customer_id": None,
                "journey_instance": "1",
                "occurred_at": "2024-01-02T00:00:00Z",
            },
            {
                **base,
                "id": "t9:metrics",
                "type": "ticket.solved",
                "customer_id": None,
                "journey_instance": "9",
                "occurred_at": "2024-01-02T00:00:00Z",
            },
        ],
    )

    log = load_events(store, journey)

    assert log.unattributed == 1  # ticket 9 has no event that names its customer
    assert len(log.person) == 2 and len(set(log.person.tolist())) == 1
