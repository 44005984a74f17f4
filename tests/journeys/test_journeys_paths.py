"""Top paths with an explicit other bucket."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cxcore.journeys import PathConfig, top_paths


def _planted(records: Any) -> None:
    # 5 x discover>consider>buy, 3 x discover>buy, 2 x discover, 1 x consider>discover.
    n = 0
    for count, path in (
        (5, ["discover", "consider", "buy"]),
        (3, ["discover", "buy"]),
        (2, ["discover"]),
        (1, ["consider", "discover"]),
    ):
        for _ in range(count):
            for day, stage in enumerate(path):
                records.event(f"c{n}", day, stage)
                records.event(f"c{n}", day + 0.1, stage, "email")  # a repeat: collapsed
            n += 1


def test_top_paths_and_other_bucket(records: Any) -> None:
    _planted(records)
    result = top_paths(records.log(), PathConfig(unit="person", top=2))
    assert [(v.steps, v.count) for v in result.top] == [
        (("discover", "consider", "buy"), 5),
        (("discover", "buy"), 3),
    ]
    assert (result.other_count, result.other_variants, result.n_variants) == (3, 2, 4)
    assert result.n_units == 11
    assert sum(v.count for v in result.top) + result.other_count == result.n_units
    assert result.top[0].share == 5 / 11 and result.other_share == 3 / 11


def test_ties_at_the_cut_are_broken_by_path_and_all_fit_when_top_is_large(records: Any) -> None:
    _planted(records)
    log = records.log()
    everything = top_paths(log, PathConfig(unit="person", top=10))
    assert everything.other_count == 0 and len(everything.top) == 4
    assert everything.top[-1].steps == ("consider", "discover")
    none = top_paths(log, PathConfig(unit="person", top=0))
    assert none.top == () and none.other_count == 11


def test_touchpoint_paths_truncation_and_repeats(records: Any) -> None:
    for day, stage in enumerate(["discover", "consider", "buy", "support", "renew"]):
        records.event("a", day, stage, "web")
    records.event("b", 0, "discover", "web")
    records.event("b", 1, "discover", "web")
    records.event("b", 2, "buy", "web")
    log = records.log()
    short = top_paths(log, PathConfig(unit="person", max_steps=3, by="touchpoint"))
    # Ties (one unit each) are listed in path order; "buy.web" is the touchpoint "checkout".
    assert [(v.steps, v.truncated) for v in short.top] == [
        (("discover.web", "checkout"), False),
        (("discover.web", "consider.web", "checkout"), True),
    ]
    kept = top_paths(log, PathConfig(unit="person", collapse_repeats=False))
    assert ("discover", "discover", "buy") in [v.steps for v in kept.top]


_events = st.lists(
    st.tuples(
        st.integers(0, 12), st.integers(0, 30).map(float), st.integers(0, 4), st.integers(0, 3)
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    events=_events,
    top=st.integers(0, 6),
    max_steps=st.integers(1, 5),
    by=st.sampled_from(["stage", "touchpoint"]),
    unit=st.sampled_from(["person", "instance"]),
)
def test_totals_always_add_up(
    kit: Any, events: Any, top: int, max_steps: int, by: Any, unit: Any
) -> None:
    log = kit.direct_log(kit.journey(), events)
    result = top_paths(log, PathConfig(top=top, max_steps=max_steps, by=by, unit=unit))
    assert sum(v.count for v in result.top) + result.other_count == result.n_units
    assert len(result.top) + result.other_variants == result.n_variants
    assert len(result.top) <= top
    expected_units = len({e[0] for e in events}) if unit == "person" else log.n_instances
    assert result.n_units == expected_units
    counts = [v.count for v in result.top]
    assert counts == sorted(counts, reverse=True)
    assert all(len(v.steps) <= max_steps for v in result.top)
