"""Journey breaks: each rule on planted cases, rates per touchpoint, channel and segment."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxcore import DuckDBStore
from cxcore.journeys import (
    AbandonmentRule,
    BackwardMoveRule,
    BreakConfig,
    ChannelSwitchRule,
    EventTypes,
    LoadConfig,
    MomentOfTruthRule,
    ReopenRule,
    RepeatContactRule,
    StitchConfig,
    break_events,
    journey_breaks,
    load_events,
)
from cxcore.stats import wilson


def _switch_scenario(records: Any) -> None:
    """Chat customers switch to phone before resolution twice as often as e-mail customers."""
    for i in range(10):
        c = f"c{i}"
        records.customer(c, segment="business")
        day = 10.0 * i
        solved = None if i == 5 else 1.0
        records.ticket(c, day, "chat", f"CT{i}", solved_after=solved)
        if i < 4:  # a new phone ticket while the chat one is still open
            records.ticket(c, day + 0.5, "phone", f"PT{i}", solved_after=0.1)
        elif i == 4:  # after the chat ticket was solved: no switch, but a repeat contact
            records.ticket(c, day + 2, "phone", f"PT{i}")
        elif i == 5:  # chat never solved, phone 8 days later: outside the 7-day window
            records.ticket(c, day + 8, "phone", f"PT{i}")
    for i in range(10):
        e = f"e{i}"
        records.customer(e, segment="consumer")
        records.ticket(e, 10.0 * i, "email", f"ET{i}")
        if i < 2:
            records.ticket(e, 10.0 * i + 0.5, "phone", f"EP{i}")


def test_channel_switch_before_resolution_chat_twice_email(records: Any) -> None:
    _switch_scenario(records)
    report = journey_breaks(records.log())
    rule = report.rule("channel_switch")
    assert rule.parameters["stages"] == ["support"]
    assert rule.unit == "instance" and rule.window == timedelta(days=7)
    chat, email, phone = rule.channel("chat"), rule.channel("email"), rule.channel("phone")
    assert (chat.count, chat.n, chat.rate) == (4, 10, 0.4)
    assert (email.count, email.n, email.rate) == (2, 10, 0.2)
    assert (phone.count, phone.n) == (0, 8)
    assert chat.rate == 2 * email.rate
    assert (chat.low, chat.high) == pytest.approx(wilson(4, 10))
    assert (rule.overall.count, rule.overall.n) == (6, 28)
    assert [
        (c.touchpoint, c.rate.count, c.rate.n, c.moment_of_truth) for c in rule.by_touchpoint
    ] == [
        ("support.email", 2, 10, False),
        ("support.phone", 0, 8, True),
        ("support.chat", 4, 10, False),
    ]
    assert [(t.from_channel, t.to_channel, t.count) for t in rule.transitions] == [
        ("chat", "phone", 4),
        ("email", "phone", 2),
    ]
    assert [(g.value, g.rate.count, g.rate.n) for g in rule.by_segment] == [
        ("consumer", 2, 12),
        ("business", 4, 16),
    ]
    first = rule.examples[0]
    assert (first.person, first.unit, first.touchpoint) == ("crm:c0", "CT0", "support.chat")
    assert first.at.isoformat() == "2024-01-01T00:00:00+00:00"


def test_repeat_contact(records: Any) -> None:
    _switch_scenario(records)
    rule = journey_breaks(records.log()).rule("repeat_contact")
    assert (rule.channel("chat").count, rule.channel("chat").n) == (5, 10)
    assert (rule.channel("email").count, rule.channel("email").n) == (2, 10)
    assert (rule.overall.count, rule.overall.n) == (7, 28)
    longer = journey_breaks(
        records.log(), BreakConfig(rules=[RepeatContactRule(window=timedelta(days=9))])
    ).rule("repeat_contact")
    assert longer.channel("chat").count == 6


def test_switch_inside_one_instance_and_scope(records: Any) -> None:
    records.ticket("x", 0, "chat", "T1", solved_after=None)
    records.event("x", 0.2, "support", "phone", "call", ji="T1")  # same ticket, by phone
    records.event("x", 0.5, "support", "phone", "ticket.solved", ji="T1")
    records.ticket("y", 0, "chat", "T2", solved_after=0.1)
    records.event("y", 0.3, "support", "phone", "call", ji="T2")  # after the solve
    log = records.log()
    for scope in ("stage", "instance"):
        report = journey_breaks(log, BreakConfig(rules=[ChannelSwitchRule(scope=scope)]))
        rule = report.rule("channel_switch")
        assert (rule.overall.count, rule.overall.n) == (1, 2)
        assert [e.unit for e in rule.examples] == ["T1"]


def test_switch_restricted_to_declared_stages(records: Any) -> None:
    records.event("a", 0, "buy", "web", "cart")
    records.event("a", 1, "buy", "phone", "call")
    records.ticket("a", 5, "chat", "T1")
    log = records.log()
    default = journey_breaks(log).rule("channel_switch")  # issue stages: support only
    assert default.overall.count == 0 and default.parameters["stages"] == ["support"]
    sales = journey_breaks(log, BreakConfig(rules=[ChannelSwitchRule(stages=("buy",))])).rule(
        "channel_switch"
    )
    assert (sales.overall.count, sales.by_touchpoint[0].touchpoint) == (1, "checkout")


def test_reopen_after_solved_within_the_window(records: Any) -> None:
    records.ticket("r0", 0, "email", "T0")
    records.event("r0", 5, "support", "email", "ticket.reopened", ji="T0")
    records.ticket("r1", 0, "email", "T1")
    records.event("r1", 40, "support", "email", "ticket.reopened", ji="T1")  # too late
    records.ticket("r2", 0, "email", "T2")
    records.event("r2", 3, "support", "email", "comment", ji="T2")  # customer writes again
    records.ticket("r3", 0, "email", "T3")
    records.event("r4", 0, "support", "email", "ticket.reopened", ji="T4")  # never solved
    log = records.log()
    rule = journey_breaks(log).rule("reopen")
    assert (rule.overall.count, rule.overall.n) == (2, 4)
    assert [(c.touchpoint, c.rate.count, c.rate.n) for c in rule.by_touchpoint] == [
        ("support.email", 2, 4)
    ]
    strict = journey_breaks(log, BreakConfig(rules=[ReopenRule(contact_reopens=False)])).rule(
        "reopen"
    )
    assert (strict.overall.count, strict.overall.n) == (1, 4)
    custom = journey_breaks(
        log,
        BreakConfig(
            rules=[ReopenRule(contact_reopens=False, window=timedelta(days=60))],
            types=EventTypes(reopen_types=("ticket.reopened", "comment")),
        ),
    ).rule("reopen")
    assert custom.overall.count == 3


def test_backward_move(records: Any) -> None:
    for day, stage in enumerate(["discover", "consider", "buy", "consider"]):
        records.event("b0", day, stage)
    records.event("b1", 0, "discover")
    records.event("b1", 1, "buy")
    records.event("b1", 50, "discover")  # a new gap instance, and beyond the window anyway
    records.event("b2", 0, "buy")
    records.event("b2", 1, "support")
    records.event("b2", 2, "buy")
    log = records.log()
    rule = journey_breaks(log).rule("backward_move")
    assert (rule.overall.count, rule.overall.n) == (2, 4)
    starts = {c.touchpoint: (c.rate.count, c.rate.n) for c in rule.by_touchpoint}
    assert starts["checkout"] == (1, 3) and starts["support.web"] == (1, 1)
    exempt = journey_breaks(
        log, BreakConfig(rules=[BackwardMoveRule(exempt_stages=("support",))])
    ).rule("backward_move")
    assert (exempt.overall.count, exempt.overall.n) == (1, 4)
    per_person = journey_breaks(
        log, BreakConfig(rules=[BackwardMoveRule(unit="person", window=timedelta(days=60))])
    ).rule("backward_move")
    assert (per_person.overall.count, per_person.overall.n) == (3, 3)


def test_abandonment(records: Any) -> None:
    records.event("a0", 0, "discover")
    records.event("a0", 5, "consider")
    records.event("a0", 10, "buy")  # then nothing: abandoned at buy
    records.event("a1", 0, "discover")  # abandoned at discover
    records.event("a2", 95, "discover")  # timeout not over at as_of: censored
    records.ticket("a3", 0, "chat", "T3")  # solved: progress
    records.ticket("a4", 0, "chat", "T4", solved_after=None)  # never solved
    records.event("a5", 0, "discover")
    records.event("a5", 20, "consider")  # after the 14-day timeout; then stuck there too
    log = records.log(as_of=_day(100))
    rule = journey_breaks(log).rule("abandonment")
    assert rule.unit == "person"
    assert (rule.overall.count, rule.overall.n) == (4, 5)
    cells = {c.touchpoint: (c.rate.count, c.rate.n) for c in rule.by_touchpoint}
    assert cells == {
        "discover.web": (2, 3),
        "consider.web": (1, 2),
        "checkout": (1, 1),
        "support.chat": (1, 2),
    }
    buy_only = journey_breaks(log, BreakConfig(rules=[AbandonmentRule(stages=("buy",))])).rule(
        "abandonment"
    )
    assert (buy_only.overall.count, buy_only.overall.n) == (1, 1)


def test_negative_answer_at_a_moment_of_truth(records: Any) -> None:
    for i, value in enumerate((1, 5, 2, 3)):  # normalised 0, 100, 25, 50
        records.ticket(f"m{i}", 0, "phone", f"T{i}")
        records.answer(f"m{i}", 2, "support", "phone", value, ji=f"T{i}")
    records.answer("m9", 2, "support", "chat", 1, ji="T9")  # not a moment of truth
    records.answer(
        "m8", 2, "support", "phone", 6, item="nps", scale={"min": 0, "max": 10}, ji="T8"
    )  # 60/100
    log = records.log()
    rule = journey_breaks(log).rule("moment_of_truth")
    assert (rule.overall.count, rule.overall.n) == (2, 5)
    assert [c.touchpoint for c in rule.by_touchpoint] == ["support.phone"]
    strict = journey_breaks(
        log, BreakConfig(rules=[MomentOfTruthRule(threshold=61, items=("nps",))])
    ).rule("moment_of_truth")
    assert (strict.overall.count, strict.overall.n) == (1, 1)
    chat = journey_breaks(
        log, BreakConfig(rules=[MomentOfTruthRule(touchpoints=("support.chat",))])
    ).rule("moment_of_truth")
    assert (chat.overall.count, chat.overall.n) == (1, 1)
    near = journey_breaks(
        log, BreakConfig(rules=[MomentOfTruthRule(window=timedelta(days=1))])
    ).rule("moment_of_truth")
    assert near.overall.n == 4  # answers 1 day after the solve; m8 had no interaction


def test_break_events_mask_and_json(records: Any) -> None:
    _switch_scenario(records)
    log = records.log()
    mask = break_events(log, ChannelSwitchRule())
    assert int(mask.sum()) == 6
    report = journey_breaks(log)
    data = json.loads(json.dumps(report.as_dict()))
    assert [r["name"] for r in data["rules"]] == [
        "channel_switch",
        "repeat_contact",
        "reopen",
        "backward_move",
        "abandonment",
        "moment_of_truth",
    ]
    assert data["rules"][0]["parameters"] == {
        "window": 7 * 86400,
        "scope": "stage",
        "stages": ["support"],
    }
    assert data["rules"][0]["examples"][0]["at"] == "2024-01-01T00:00:00Z"
    with pytest.raises(KeyError, match="no break rule"):
        report.rule("nope")


def test_rule_names_must_be_unique() -> None:
    with pytest.raises(ValueError, match="duplicate rule name"):
        BreakConfig(rules=[ChannelSwitchRule(), ChannelSwitchRule(window=timedelta(days=1))])
    BreakConfig(rules=[ChannelSwitchRule(), ChannelSwitchRule(name="fast_switch")])


def test_planted_truth_in_the_synthetic_company(synth: Any) -> None:
    data = synth.company(2500, seed=11, use_events=(1, 3))
    store = DuckDBStore(":memory:")
    for kind in ("customer", "interaction", "response"):
        store.write(kind, data[kind])
    log = load_events(
        store, synth.journey(), LoadConfig(stitch=StitchConfig(identity_keys=["email"]))
    )
    rule = journey_breaks(log).rule("channel_switch")
    chat, email = rule.channel("chat"), rule.channel("email")
    assert chat.rate is not None and email.rate is not None
    assert chat.low is not None and email.high is not None
    assert chat.low > email.high  # clearly apart
    assert 1.5 < chat.rate / email.rate < 2.6  # planted: 0.30 vs 0.15
    assert rule.transitions[0].from_channel == "chat" and rule.transitions[0].to_channel == "phone"


def _day(d: float) -> Any:
    from datetime import UTC, datetime

    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=d)


_TYPES = ["visit", "ticket.created", "ticket.solved", "ticket.reopened", "comment"]


@settings(max_examples=100, deadline=None)
@given(
    events=st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 60).map(lambda d: d / 2),
            st.integers(0, 4),
            st.integers(0, 3),
            st.integers(0, 4),
        ),
        max_size=60,
    )
)
def test_rates_are_consistent_on_any_log(kit: Any, events: Any) -> None:
    log = kit.direct_log(
        kit.journey(), [e[:4] for e in events], types=[_TYPES[e[4]] for e in events]
    )
    report = journey_breaks(log)
    for rule in report.rules:
        overall = rule.overall
        assert 0 <= overall.count <= overall.n
        groups = [c.rate for c in rule.by_touchpoint] + [g.rate for g in rule.by_channel]
        groups += [g.rate for g in rule.by_segment]
        for rate in groups:
            assert 0 <= rate.count <= rate.n <= overall.n
            assert rate.count <= overall.count
        if rule.by_touchpoint:
            assert max(c.rate.n for c in rule.by_touchpoint) <= overall.n
            # Every unit with a break has it at some touchpoint (or an unstaged event).
            assert sum(c.rate.count for c in rule.by_touchpoint) >= min(overall.count, 1)
        if rule.kind == "channel_switch":  # every switching unit has a transition
            assert sum(t.count for t in rule.transitions) >= overall.count


def test_events_outside_instances_and_empty_logs(records: Any) -> None:
    from cxcore.journeys import InstanceConfig, analyse_log

    records.event("a", 0, "support", "chat", "call")
    records.event("a", 0.5, "support", "phone", "call")
    records.event("a", 1, "buy", "web")
    records.answer("a", 2, "support", "phone", 1)
    log = records.log(instances=InstanceConfig(mode="correlation"))
    assert log.n_instances == 0
    report = journey_breaks(log)
    assert report.rule("channel_switch").overall.n == 0  # no instances to count
    person = journey_breaks(log, BreakConfig(rules=[ChannelSwitchRule(unit="person")])).rule(
        "channel_switch"
    )
    assert (person.overall.count, person.overall.n) == (1, 1)
    empty = analyse_log(_emptied(records))
    assert empty.summary.n_events == 0 and empty.paths.n_units == 0
    json.dumps(empty.as_dict(), allow_nan=False)


def _emptied(records: Any) -> Any:
    records.interactions.clear()
    records.responses.clear()
    return records.log()
