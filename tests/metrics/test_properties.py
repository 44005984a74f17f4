"""One pass, chunks merged (through JSON, in any order) and incremental updates agree exactly."""

from __future__ import annotations

import random
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxcore.metrics import MetricEngine, Plan, QueryState

from .conftest import catalogue_engine

CHANNELS = ["web", "phone", "chat", None]
DAYS = [
    f"2024-0{m}-{d:02d}T{h:02d}:00:00Z" for m in (1, 2, 3) for d in (1, 15, 28) for h in (0, 23)
]
METRICS = [
    "nps",
    "csat",
    "ces",
    "first_reply_time",
    "avg_resolution_time",
    "cart_abandonment_rate",
    "repeat_contact_rate",
    "churn_rate",
    "retention_rate",
    "share_gap",
]


def _engine() -> MetricEngine:
    return catalogue_engine(
        timezone="Europe/Paris",
        config={"share_gap": {"type": "derived", "expr": "csat - nps / 2", "unit": "points"}},
    )


response_st = st.fixed_dictionaries(
    {
        "kind": st.just("response"),
        "item": st.sampled_from(["nps", "csat", "ces"]),
        "x": st.integers(0, 10),
        "channel": st.sampled_from(CHANNELS),
        "occurred_at": st.sampled_from(DAYS),
    }
)
interaction_st = st.fixed_dictionaries(
    {
        "kind": st.just("interaction"),
        "type": st.sampled_from(["ticket.solved", "cart.created", "order.placed", "contact"]),
        "seconds": st.integers(0, 400_000).map(lambda s: s / 4),  # quarters: exact float sums
        "key": st.sampled_from(["k1", "k2", "k3"]),
        "channel": st.sampled_from(CHANNELS),
        "occurred_at": st.sampled_from(DAYS),
    }
)
customer_st = st.fixed_dictionaries(
    {
        "kind": st.just("customer"),
        "created_at": st.sampled_from([None, "2023-12-01T00:00:00Z", *DAYS]),
        "churned": st.sampled_from([None, *DAYS]),
        "segment": st.sampled_from(["a", "b", None]),
    }
)


def _records(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(raw):
        base = {"kind": r["kind"], "source": "p", "id": str(i)}
        if r["kind"] == "response":
            scale = {
                "nps": {"min": 0, "max": 10},
                "csat": {"min": 1, "max": 5},
                "ces": {"min": 1, "max": 7},
            }[r["item"]]
            value = min(max(r["x"], scale["min"]), scale["max"])
            out.append(
                {
                    **base,
                    "item": r["item"],
                    "value": value,
                    "scale": scale,
                    "channel": r["channel"],
                    "occurred_at": r["occurred_at"],
                }
            )
        elif r["kind"] == "interaction":
            out.append(
                {
                    **base,
                    "type": r["type"],
                    "channel": r["channel"],
                    "occurred_at": r["occurred_at"],
                    "journey_instance": r["key"],
                    "customer_id": r["key"],
                    "durations": {"first_reply": r["seconds"], "full_resolution": r["seconds"]},
                }
            )
        else:
            attrs = {"churned_at": r["churned"]} if r["churned"] else {}
            out.append(
                {
                    **base,
                    "created_at": r["created_at"],
                    "segment": r["segment"],
                    "attributes": attrs,
                }
            )
    return out


def _roundtrip(plan: Plan, state: QueryState) -> QueryState:
    return plan.load_state(orjson.loads(orjson.dumps(state.to_json())))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.lists(st.one_of(response_st, interaction_st, customer_st), min_size=1, max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=4),
    seed=st.integers(0, 1000),
    by=st.sampled_from([(), ("channel",), ("channel", "segment")]),
)
def test_one_pass_chunks_and_increments_agree(
    raw: list[dict[str, Any]], cuts: list[int], seed: int, by: tuple[str, ...]
) -> None:
    records = _records(raw)
    engine = _engine()
    plan = engine.plan(METRICS, by=by, grain="month", compare=True, suppress_below=0)
    one = plan.finalize(plan.update(plan.new_state(), records, batch_size=7))

    bounds = sorted({0, len(records), *[c for c in cuts if c <= len(records)]})
    chunks = [records[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    partials = [_roundtrip(plan, plan.update(plan.new_state(), c)) for c in chunks]
    random.Random(seed).shuffle(partials)
    merged = partials[0]
    for p in partials[1:]:
        merged = plan.merge(p, merged) if seed % 2 else plan.merge(merged, p)
    assert plan.finalize(merged).to_dicts() == one.to_dicts()

    state = plan.new_state()
    for c in chunks:
        state = _roundtrip(plan, plan.update(state, c))
    assert plan.finalize(state).to_dicts() == one.to_dicts()


def test_merging_an_empty_state_changes_nothing() -> None:
    engine = _engine()
    plan = engine.plan(["nps"], by=["channel"])
    records = _records(
        [{"kind": "response", "item": "nps", "x": 9, "channel": "web", "occurred_at": DAYS[0]}]
    )
    state = plan.update(plan.new_state(), records)
    assert (
        plan.finalize(plan.merge(plan.new_state(), state)).to_dicts()
        == plan.finalize(state).to_dicts()
    )


def test_states_stay_small_whatever_the_number_of_records() -> None:
    engine = _engine()
    plan = engine.plan(["nps", "csat", "ces"], by=["channel"], grain="month")
    raw = [
        {"kind": "response", "item": item, "x": x % 11, "channel": CHANNELS[x % 4],
         "occurred_at": DAYS[x % len(DAYS)]}
        for x in range(6000) for item in ("nps", "csat", "ces")
    ]
    small = plan.update(plan.new_state(), _records(raw[:3000]))
    large = plan.update(plan.new_state(), _records(raw))
    size_small = len(orjson.dumps(small.to_json()))
    size_large = len(orjson.dumps(large.to_json()))
    assert size_large < 8_000  # per-group counts, not records
    assert size_large < 1.5 * size_small
