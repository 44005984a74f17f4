"""The engine: inputs, grouping, time grains in a time zone, windows, the store path, results."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pytest

from cxcore import (
    NPS_SCALE,
    Channel,
    DuckDBStore,
    Journey,
    ProjectConfig,
    Response,
    Stage,
    Touchpoint,
    Workspace,
)
from cxcore.config import StoreConfig
from cxcore.metrics import (
    MetricDefinitionError,
    MetricEngine,
    MetricInputError,
    StateMismatchError,
)
from cxcore.metrics.calendar import GrainCalendar, make_calendar, to_epoch_us

from .conftest import CSAT, NPS, answers, catalogue_engine, customer, interaction, response

JOURNEY = Journey(
    id="retail",
    name="Retail",
    stages=[Stage(id="buy"), Stage(id="support")],
    channels=[Channel(id="web"), Channel(id="phone")],
    touchpoints=[Touchpoint(stage="support", channel="phone", id="care-line", importance=5)],
)


def test_group_by_several_dimensions_and_attributes(engine: MetricEngine) -> None:
    records = (
        answers("csat", [5, 5, 1], CSAT, stage="buy", channel="web", attributes={"plan": "pro"})
        + answers("csat", [1, 2], CSAT, stage="buy", channel="phone", attributes={"plan": "free"})
        + answers("csat", [5], CSAT, stage="support", channel="web")
    )
    res = engine.compute(["csat"], records, by=["stage", "channel", "attributes.plan"])
    got = {
        (r.group["stage"], r.group["channel"], r.group["attributes.plan"]): (r.n, r.value)
        for r in res
    }
    assert got == {
        ("buy", "phone", "free"): (2, 0.0),
        ("buy", "web", "pro"): (3, pytest.approx(200 / 3)),
        ("support", "web", None): (1, 100.0),
    }
    res.validate()


def test_touchpoint_comes_from_the_record_or_its_stage_and_channel() -> None:
    engine = catalogue_engine(journey=JOURNEY)
    records = (
        answers("csat", [5], CSAT, stage="support", channel="phone")  # journey's care-line
        + answers("csat", [1], CSAT, stage="buy", channel="web")  # stage.channel
        + answers("csat", [5], CSAT, touchpoint="kiosk", stage="buy", channel="web")
        + answers("csat", [4], CSAT)  # nowhere
    )
    res = engine.compute(["csat"], records, by=["touchpoint", "journey"])
    got = {r.group["touchpoint"]: r.n for r in res}
    assert got == {"care-line": 1, "buy.web": 1, "kiosk": 1, None: 1}
    assert {r.group["journey"] for r in res} == {"retail"}


def test_month_grain_follows_the_time_zone() -> None:
    # 23:30 UTC on 31 January is already February in Paris.
    records = answers("csat", [5], CSAT, occurred_at="2024-01-31T23:30:00Z")
    utc = catalogue_engine().compute(["csat"], records, grain="month").one("csat")
    paris = catalogue_engine(timezone="Europe/Paris").compute(["csat"], records, grain="month")
    assert utc.period == {
        "grain": "month",
        "start": "2024-01-01T00:00:00+00:00",
        "end": "2024-02-01T00:00:00+00:00",
    }
    assert paris.one("csat").period == {
        "grain": "month",
        "start": "2024-02-01T00:00:00+01:00",
        "end": "2024-03-01T00:00:00+01:00",
    }


def test_day_grain_across_a_dst_change() -> None:
    engine = catalogue_engine(timezone="Europe/Paris")
    # Paris springs forward on 31 March 2024: that day lasts 23 hours.
    records = answers("csat", [5], CSAT, occurred_at="2024-03-30T23:30:00Z")  # 31 Mar 00:30 CET
    records += answers("csat", [1], CSAT, occurred_at="2024-03-31T21:59:00Z")  # 23:59 CEST
    records += answers("csat", [1], CSAT, occurred_at="2024-03-31T22:00:00Z")  # 1 Apr 00:00
    res = engine.compute(["csat"], records, grain="day")
    assert [(r.period["start"], r.n) for r in res] == [  # type: ignore[index]
        ("2024-03-31T00:00:00+01:00", 2),
        ("2024-04-01T00:00:00+02:00", 1),
    ]


@pytest.mark.parametrize(
    ("grain", "start", "end"),
    [
        ("week", "2024-02-26T00:00:00+00:00", "2024-03-04T00:00:00+00:00"),  # ISO: Monday
        ("quarter", "2024-01-01T00:00:00+00:00", "2024-04-01T00:00:00+00:00"),
        ("year", "2024-01-01T00:00:00+00:00", "2025-01-01T00:00:00+00:00"),
        ("day", "2024-02-29T00:00:00+00:00", "2024-03-01T00:00:00+00:00"),
    ],
)
def test_grains(grain: str, start: str, end: str) -> None:
    records = answers("csat", [5], CSAT, occurred_at="2024-02-29T10:00:00Z")  # a Thursday
    r = catalogue_engine().compute(["csat"], records, grain=grain).one("csat")
    assert r.period == {"grain": grain, "start": start, "end": end}


def test_vectorised_calendar_matches_a_per_instant_computation() -> None:
    rng = np.random.default_rng(7)
    ts = rng.integers(
        to_epoch_us(datetime(2019, 1, 1, tzinfo=UTC)),
        to_epoch_us(datetime(2025, 1, 1, tzinfo=UTC)),
        20_000,
    )
    for tz in ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Adelaide"):
        for grain in ("day", "week", "month", "quarter", "year"):
            cal = make_calendar(grain, tz)
            assert isinstance(cal, GrainCalendar)
            got = cal.ordinals(ts, None)
            expected = np.array([cal.ordinal_of(int(t)) for t in ts[:500]])
            assert (got[:500] == expected).all(), (tz, grain)


def test_window_with_a_grain_covers_whole_periods(engine: MetricEngine) -> None:
    records = answers("csat", [5], CSAT, occurred_at="2024-01-03T00:00:00Z")
    records += answers("csat", [1], CSAT, occurred_at="2024-02-20T00:00:00Z")
    records += answers("csat", [1], CSAT, occurred_at="2024-03-20T00:00:00Z")
    res = engine.compute(["csat"], records, grain="month", start="2024-01-15", end="2024-02-10")
    assert [r.period["start"][:7] for r in res] == ["2024-01", "2024-02"]  # type: ignore[index]


def test_records_without_a_timestamp_stay_out_of_periods(engine: MetricEngine) -> None:
    records = [
        customer(attributes={"revenue": 10}),
        customer(created_at="2024-01-01T00:00:00Z", attributes={"revenue": 30}),
    ]
    assert engine.compute(["clv"], records).one("clv").n == 2
    assert [r.n for r in engine.compute(["clv"], records, grain="year")] == [1]


def test_inputs_dicts_models_arrow_and_mappings_agree(engine: MetricEngine) -> None:
    values = [10, 9, 3, 7, 10]
    models = [
        Response(
            source="s",
            id=f"m{i}",
            item="nps",
            value=v,
            scale=NPS_SCALE,
            occurred_at=datetime(2024, 3, 1, tzinfo=UTC),
            channel="web",
        )
        for i, v in enumerate(values)
    ]
    dicts = answers("nps", values, NPS, channel="web")
    table = pa.table(
        {
            "item": pa.array(["nps"] * 5),
            "value": pa.array(values, pa.float64()),
            "scale": pa.array(['{"min":0,"max":10,"direction":"higher_is_better"}'] * 5),
            "channel": pa.array(["web"] * 5),
            "occurred_at": pa.array([0] * 5, pa.timestamp("ms", tz="Europe/Paris")),
        }
    )
    expected = engine.compute(["nps"], dicts, by=["channel"]).to_dicts()
    assert engine.compute(["nps"], models, by=["channel"]).to_dicts() == expected
    assert engine.compute(["nps"], table, kind="response", by=["channel"]).to_dicts() == expected
    assert engine.compute(["nps"], {"response": table}, by=["channel"]).to_dicts() == expected
    assert (
        engine.compute(
            ["nps"], table.to_batches(max_chunksize=2), kind="response", by=["channel"]
        ).to_dicts()
        == expected
    )


def test_tombstones_are_skipped(engine: MetricEngine) -> None:
    records = answers("csat", [5, 1], CSAT) + [response("csat", 1, CSAT, deleted=True)]
    assert engine.compute(["csat"], records).one("csat").n == 2


def test_errors_name_what_is_wrong(engine: MetricEngine) -> None:
    with pytest.raises(MetricDefinitionError, match="unknown metric 'npx'"):
        engine.compute(["npx"], [])
    with pytest.raises(MetricInputError, match="unknown dimension 'colour'"):
        engine.compute(["nps"], [], by=["colour"])
    with pytest.raises(MetricInputError, match="grain"):
        engine.compute(["nps"], [], grain="fortnight")
    with pytest.raises(MetricInputError, match="has no kind"):
        engine.compute(["nps"], [{"source": "s", "id": "1"}])
    with pytest.raises(MetricInputError, match="needs its record kind"):
        engine.compute(["nps"], pa.table({"x": [1]}))
    with pytest.raises(MetricInputError, match="time zone"):
        engine.compute(["nps"], answers("nps", [1], NPS, occurred_at=datetime(2024, 1, 1)))
    with pytest.raises(MetricInputError, match="give a grain"):
        engine.compute(["churn_rate"], [customer(created_at="2024-01-01T00:00:00Z")])
    with pytest.raises(MetricInputError, match="a change needs periods"):
        engine.compute(["nps"], [], compare=True)
    with pytest.raises(MetricInputError, match="unknown time zone"):
        catalogue_engine(timezone="Mars/Olympus").compute(["nps"], [], grain="day")


def test_derived_metrics_pull_their_inputs_and_detect_cycles() -> None:
    engine = catalogue_engine(
        config={
            "promoter_gap": {
                "type": "derived",
                "expr": "nps.promoters_pct - 2 * nps.detractors_pct",
                "unit": "points",
            },
            "a": {"type": "derived", "expr": "b + 1"},
            "b": {"type": "derived", "expr": "a * 2"},
        }
    )
    records = answers("nps", [10] * 6 + [1] * 4, NPS)
    res = engine.compute(["promoter_gap"], records)
    assert [r.metric for r in res] == ["promoter_gap"]
    assert res.one("promoter_gap").value == pytest.approx(60 - 80) and res[0].n == 10
    with pytest.raises(MetricDefinitionError, match="cycle: a -> b -> a"):
        engine.compute(["a"], records)


def _workspace(tmp_path: object = None) -> Workspace:
    config = ProjectConfig(store=StoreConfig(path=None), timezone="Europe/Paris")
    return Workspace(
        config=config,
        journey=JOURNEY,
        store=DuckDBStore(":memory:"),
        plugins=["cxcore.builtins.catalogue"],
        entry_points=False,
    )


def test_store_scan_matches_in_memory_and_joins_the_customer_segment() -> None:
    ws = _workspace()
    records = [
        customer(id="c1", segment="smb"),
        customer(id="c2", segment="enterprise"),
        *answers("nps", [10, 9, 2], NPS, customer_id="c1", stage="support", channel="phone"),
        *answers("nps", [7, 1], NPS, customer_id="c2", stage="buy", channel="web"),
        *answers("csat", [5, 4], CSAT, customer_id="c2", stage="buy", channel="web"),
    ]
    summary = ws.ingest(records, source="test")
    assert summary.accepted == len(records) and not summary.rejected
    engine = MetricEngine.from_workspace(ws)
    res = engine.compute(["nps", "csat"], by=["segment", "touchpoint"], grain="month", batch_size=2)
    got = {(r.metric, r.group["segment"], r.group["touchpoint"]): (r.n, r.value) for r in res}
    assert got == {
        ("nps", "smb", "care-line"): (3, pytest.approx(100 / 3)),
        ("nps", "enterprise", "buy.web"): (2, -50.0),
        ("csat", "enterprise", "buy.web"): (2, 100.0),
    }
    in_memory = [
        {**r, "segment": "smb" if r.get("customer_id") == "c1" else "enterprise"}
        for r in records
        if r["kind"] == "response"
    ]
    direct = engine.compute(["nps", "csat"], in_memory, by=["segment", "touchpoint"], grain="month")
    assert direct.to_dicts() == res.to_dicts()
    res.validate()


def test_plan_states_round_trip_through_json_and_refuse_other_plans(engine: MetricEngine) -> None:
    plan = engine.plan(["nps", "csat"], by=["channel"], grain="month")
    state = plan.update(plan.new_state(), answers("nps", [9, 3], NPS, channel="web"))
    payload = state.to_json()
    import orjson

    again = plan.load_state(orjson.loads(orjson.dumps(payload)))
    assert plan.finalize(again).to_dicts() == plan.finalize(state).to_dicts()
    other = engine.plan(["nps", "csat"], by=["stage"], grain="month")
    with pytest.raises(StateMismatchError):
        other.load_state(payload)
    with pytest.raises(StateMismatchError):
        plan.merge(state, other.new_state())


def test_results_as_arrow_csv_and_rows(engine: MetricEngine) -> None:
    records = answers("csat", [5, 1], CSAT, channel="web") + answers("csat", [5], CSAT)
    res = engine.compute(["csat"], records, by=["channel"], grain="month")
    table = res.to_arrow()
    assert table.column("channel").to_pylist() == [None, "web"]
    assert table.column("value").to_pylist() == [100.0, 50.0]
    csv = res.to_csv().splitlines()
    assert csv[0].startswith("metric,channel,period_start,period_end,n,value,unit,low,high")
    assert csv[2].startswith("csat,web,2024-03-01T00:00:00+00:00")
    assert len(res) == 2 and res[-1].group == {"channel": "web"}


def test_operational_kpis_read_the_documented_contract(engine: MetricEngine) -> None:
    t = "2024-03-04T09:00:00Z"
    records = [
        interaction("ticket.created", journey_instance="T1", occurred_at=t),
        interaction("ticket.created", journey_instance="T2", occurred_at=t),
        interaction("ticket.created", journey_instance="T3", occurred_at=t),
        interaction(
            "ticket.solved",
            journey_instance="T1",
            occurred_at="2024-03-05T09:00:00Z",
            durations={"first_reply": 600, "full_resolution": 86400},
            attributes={"agent_replies": 1, "reopens": 0, "sla_met": True},
        ),
        interaction(
            "ticket.solved",
            journey_instance="T2",
            occurred_at="2024-03-09T09:00:00Z",
            durations={"first_reply": 7200, "full_resolution": 432000},
            attributes={"agent_replies": 4, "reopens": 2, "sla_met": False},
        ),
    ]
    res = engine.compute(
        [
            "ticket_resolution_rate",
            "one_touch_resolution",
            "reopen_rate",
            "sla_attainment",
            "first_reply_time",
            "full_resolution_time",
            "avg_resolution_time",
        ],
        records,
    )
    assert res.one("ticket_resolution_rate").value == pytest.approx(200 / 3)
    assert res.one("one_touch_resolution").value == 50.0
    assert res.one("reopen_rate").value == 50.0
    assert res.one("sla_attainment").value == 50.0
    assert res.one("first_reply_time").value == pytest.approx(600, rel=0.011)
    assert res.one("avg_resolution_time").value == (86400 + 432000) / 2
    sla = catalogue_engine(
        config={"sla_attainment": {"duration": "first_reply", "target_seconds": 3600}}
    )
    assert sla.compute(["sla_attainment"], records).one("sla_attainment").value == 50.0


def test_cart_abandonment_and_repeat_contacts(engine: MetricEngine) -> None:
    records = [
        interaction("cart.created", journey_instance="k1", occurred_at="2024-03-01T10:00:00Z"),
        interaction("order.placed", journey_instance="k1", occurred_at="2024-03-01T10:20:00Z"),
        interaction("cart.created", journey_instance="k2", occurred_at="2024-03-01T10:00:00Z"),
        interaction("order.placed", journey_instance="k2", occurred_at="2024-03-03T10:00:00Z"),
        interaction("cart.created", journey_instance="k3", occurred_at="2024-03-01T11:00:00Z"),
        interaction("order.placed", journey_instance="k4", occurred_at="2024-03-01T11:01:00Z"),
    ]
    r = engine.compute(["cart_abandonment_rate"], records).one("cart_abandonment_rate")
    assert (r.n, r.value) == (3, pytest.approx(200 / 3))  # k2 ordered too late, k3 never
    contacts = [
        interaction(
            "contact",
            customer_id="a",
            occurred_at="2024-03-01T10:00:00Z",
            attributes={"issue": "refund"},
        ),
        interaction(
            "contact",
            customer_id="a",
            occurred_at="2024-03-03T10:00:00Z",
            attributes={"issue": "refund"},
        ),
        interaction(
            "contact",
            customer_id="a",
            occurred_at="2024-03-04T10:00:00Z",
            attributes={"issue": "delivery"},
        ),
        interaction("ticket.created", customer_id="b", occurred_at="2024-03-01T10:00:00Z"),
        interaction("ticket.created", customer_id="b", occurred_at="2024-03-20T10:00:00Z"),
    ]
    r = engine.compute(["repeat_contact_rate"], contacts).one("repeat_contact_rate")
    assert (r.n, r.value) == (5, 20.0)  # only a's first refund contact repeats within 7 days


def test_all_metrics_by_default_without_periods_leaves_out_stocks(engine: MetricEngine) -> None:
    records = answers("nps", [10, 2], NPS) + [customer(created_at="2024-01-01T00:00:00Z")]
    assert "churn_rate" not in engine.plan().requested
    assert [r.metric for r in engine.compute(data=records)] == ["nps"]
    monthly = engine.compute(data=records, grain="month")
    assert {"nps", "churn_rate", "retention_rate"} <= {r.metric for r in monthly}
