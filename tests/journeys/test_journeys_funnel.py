"""The stage funnel: eventual order, conversion window, Wilson intervals, breakdowns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxcore.journeys import FunnelConfig, stage_funnel
from cxcore.stats import wilson

STEPS = ("discover", "consider", "buy")


def test_planted_funnel_drop(records: Any) -> None:
    # 10 discover; 6 of them consider; 3 of those buy. Other events sit in between.
    for i in range(10):
        cid = f"c{i}"
        records.customer(cid, segment="business" if i < 4 else "consumer")
        records.event(cid, 1, "discover", "web" if i % 2 == 0 else "email")
        records.event(cid, 1.5, "support", "chat")
        if i < 6:
            records.event(cid, 2, "consider")
        if i < 3:
            records.event(cid, 3, "renew")
            records.event(cid, 4, "buy")
    result = stage_funnel(records.log(), FunnelConfig(steps=STEPS))
    assert [(s.stage, s.reached, s.dropped) for s in result.steps] == [
        ("discover", 10, 0),
        ("consider", 6, 4),
        ("buy", 3, 3),
    ]
    assert result.steps[0].step is None
    consider, buy = result.step("consider"), result.step("buy")
    assert consider.step is not None and buy.step is not None
    assert (consider.step.count, consider.step.n, consider.step.rate) == (6, 10, 0.6)
    assert (buy.step.count, buy.step.n, buy.step.rate) == (3, 6, 0.5)
    assert (buy.overall.count, buy.overall.n, buy.overall.rate) == (3, 10, 0.3)
    assert (buy.step.low, buy.step.high) == pytest.approx(wilson(3, 6))
    assert (buy.overall.low, buy.overall.high) == pytest.approx(wilson(3, 10))
    assert result.n_units == 10 and result.unit == "person"

    business = result.group("segment", "business")
    assert [s.reached for s in business.steps] == [4, 4, 3]
    consumer = result.group("segment", "consumer")
    assert [s.reached for s in consumer.steps] == [6, 2, 0]
    web = result.group("channel", "web")  # customers 0, 2, 4, 6, 8
    assert [s.reached for s in web.steps] == [5, 3, 2]
    assert [s.reached for s in result.group("channel", "email").steps] == [5, 3, 1]


def test_order_matters_but_other_events_between_do_not(records: Any) -> None:
    records.event("a", 1, "buy")
    records.event("a", 2, "consider")
    records.event("a", 3, "discover")  # everything in reverse: only step 1
    records.event("b", 1, "discover")
    records.event("b", 2, "buy")
    records.event("b", 3, "consider")  # buy before consider: reaches consider only
    records.event("c", 1, "discover")
    records.event("c", 1, "consider")  # same instant, later record: in order
    records.event("c", 1, "buy")
    result = stage_funnel(records.log(), FunnelConfig(steps=STEPS, breakdowns=()))
    assert [s.reached for s in result.steps] == [3, 2, 1]


def test_conversion_window_from_the_start_and_later_starts_rescue(records: Any) -> None:
    records.event("a", 0, "discover")
    records.event("a", 5, "consider")
    records.event("a", 40, "buy")  # 40 days after the start: outside a 30-day window
    records.event("b", 0, "discover")
    records.event("b", 100, "discover")  # a second start ...
    records.event("b", 110, "consider")
    records.event("b", 120, "buy")  # ... converts within 30 days of it
    result = stage_funnel(
        records.log(), FunnelConfig(steps=STEPS, window=timedelta(days=30), breakdowns=())
    )
    assert [s.reached for s in result.steps] == [2, 2, 1]
    unlimited = stage_funnel(records.log(), FunnelConfig(steps=STEPS, window=None))
    assert [s.reached for s in unlimited.steps] == [2, 2, 2]


def test_open_windows_are_reported_or_excluded(records: Any) -> None:
    records.event("done", 0, "discover")
    records.event("done", 1, "consider")
    records.event("done", 2, "buy")
    records.event("old", 0, "discover")  # window closed, stuck at step 1
    records.event("new", 95, "discover")  # window still open at as_of (day 100)
    records.event("z", 100, "renew")
    log = records.log()
    cfg = FunnelConfig(steps=STEPS, window=timedelta(days=30), breakdowns=())
    result = stage_funnel(log, cfg)
    assert result.n_open == 1 and [s.reached for s in result.steps] == [3, 1, 1]
    excluded = stage_funnel(
        log, FunnelConfig(steps=STEPS, window=timedelta(days=30), exclude_open=True, breakdowns=())
    )
    assert excluded.excluded_open and [s.reached for s in excluded.steps] == [2, 1, 1]


def test_instance_unit_and_responses(records: Any) -> None:
    records.event("a", 0, "discover", ji="o1")
    records.event("a", 1, "consider", ji="o1")
    records.event("a", 2, "discover", ji="o2")
    records.answer("a", 3, "consider", "web", 4, ji="o2")
    log = records.log()
    per_instance = stage_funnel(log, FunnelConfig(steps=STEPS, unit="instance", breakdowns=()))
    assert [s.reached for s in per_instance.steps] == [2, 1, 0]
    with_answers = stage_funnel(
        log, FunnelConfig(steps=STEPS, unit="instance", include_responses=True, breakdowns=())
    )
    assert [s.reached for s in with_answers.steps] == [2, 2, 0]


def test_json_output(records: Any) -> None:
    import json

    records.event("a", 0, "discover")
    data = json.loads(json.dumps(stage_funnel(records.log()).as_dict()))
    assert data["window"] == 90 * 86400
    assert data["steps"][0]["overall"] == {
        "n": 1,
        "count": 1,
        "rate": 1.0,
        "low": pytest.approx(wilson(1, 1)[0]),
        "high": 1.0,
    }
    assert data["steps"][1]["step"]["rate"] == 0.0


def _reference(events: list[tuple[int, float, int, int]], window: float | None) -> list[int]:
    """Brute force: every start, greedy earliest next step, deepest path per person."""
    k = 3
    by_person: dict[int, list[tuple[float, int, int]]] = {}
    for i, (p, day, stage, _) in enumerate(events):
        by_person.setdefault(p, []).append((day, i, stage))
    reached = [0] * k
    for evs in by_person.values():
        evs.sort()
        best = 0
        for a, (t0, _, s0) in enumerate(evs):
            if s0 != 0:
                continue
            depth, pos = 1, a
            for step in range(1, k):
                nxt = next((j for j in range(pos + 1, len(evs)) if evs[j][2] == step), None)
                if nxt is None or (window is not None and evs[nxt][0] - t0 > window):
                    break
                depth, pos = depth + 1, nxt
            best = max(best, depth)
        for j in range(best):
            reached[j] += 1
    return reached


_events = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 40).map(float),
        st.integers(0, 4),
        st.integers(0, 3),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(events=_events, window=st.one_of(st.none(), st.integers(1, 20)))
def test_matches_brute_force_and_never_increases(kit: Any, events: Any, window: Any) -> None:
    log = kit.direct_log(kit.journey(), events)
    cfg = FunnelConfig(
        steps=STEPS,
        window=None if window is None else timedelta(days=window),
        breakdowns=("channel",),
    )
    result = stage_funnel(log, cfg)
    reached = [s.reached for s in result.steps]
    assert reached == _reference(events, window)
    assert all(a >= b for a, b in zip(reached, reached[1:], strict=False))
    # Breakdown groups partition the entrants.
    for j in range(3):
        assert sum(g.steps[j].reached for g in result.breakdowns) == reached[j]
