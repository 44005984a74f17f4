"""Time to next stage: medians and p90 with Kaplan-Meier censoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from cxcore.journeys import TimeToNextConfig, time_to_next_stage
from cxcore.journeys._arrays import km_quantiles

DAY = 86400.0


def test_medians_with_censored_customers(records: Any) -> None:
    # Four customers move discover -> consider after 1, 2, 3 and 4 days; two never move on
    # (observed until day 20: censored at 20 days, longer than every observed move).
    for i, d in enumerate((1, 2, 3, 4)):
        records.event(f"m{i}", 0, "discover")
        records.event(f"m{i}", d, "consider")
        records.event(f"m{i}", d + 0.5, "discover")  # back at discover later: ignored
    records.event("s0", 0, "discover")
    records.event("s1", 0, "discover")
    records.event("s1", 20, "renew")
    result = time_to_next_stage(records.log(), TimeToNextConfig(steps=("discover", "consider")))
    [tr] = result.transitions
    assert (tr.stage, tr.next_stage) == ("discover", "consider")
    assert (tr.n_entered, tr.n_moved, tr.n_censored) == (6, 4, 2)
    # KM: S drops by 1/6 at days 1..4 -> 5/6, 4/6, 3/6 (median at day 3), 2/6; p90 never.
    assert tr.median_s == 3 * DAY
    assert tr.p90_s is None
    # Among movers only (what a naive report shows): median of 1, 2, 3, 4 = 2.5 days.
    assert tr.moved_median_s == 2.5 * DAY
    assert tr.moved_p90_s == pytest.approx(3.7 * DAY)
    assert "kaplan-meier" in result.censoring


def test_next_stage_or_any_later_stage(records: Any) -> None:
    records.event("a", 0, "discover")
    records.event("a", 2, "buy")  # skips consider
    records.event("b", 0, "discover")
    records.event("b", 1, "consider")
    log = records.log()
    strict = time_to_next_stage(log, TimeToNextConfig(steps=("discover", "consider", "buy")))
    first = strict.transition("discover")
    assert (first.n_entered, first.n_moved) == (2, 1)
    loose = time_to_next_stage(
        log, TimeToNextConfig(steps=("discover", "consider", "buy"), any_later=True)
    )
    first = loose.transition("discover")
    assert first.next_stage == "any later stage"
    assert (first.n_moved, first.moved_median_s) == (2, 1.5 * DAY)


def test_km_quantiles_against_hand_computation() -> None:
    # Times 1..5, censored at 2 and 4: S(1)=4/5, S(3)=4/5*2/3=8/15, S(5)=0.
    d = np.array([1, 2, 3, 4, 5], dtype=float)
    e = np.array([True, False, True, False, True])
    assert km_quantiles(d, e, (0.2, 0.5, 0.9)) == [1.0, 5.0, 5.0]
    assert km_quantiles(d, np.zeros(5, dtype=bool), (0.5,)) == [None]
    # No censoring: the KM median is the smallest t with S(t) <= 0.5.
    assert km_quantiles(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4, dtype=bool), (0.5,)) == [2.0]


def test_every_consecutive_pair_and_json(records: Any) -> None:
    records.event("a", 0, "discover")
    result = time_to_next_stage(records.log())
    assert [t.stage for t in result.transitions] == ["discover", "consider", "buy", "support"]
    data = result.as_dict()
    assert data["transitions"][1] == {
        "stage": "consider",
        "next_stage": "buy",
        "n_entered": 0,
        "n_moved": 0,
        "n_censored": 0,
        "median_s": None,
        "p90_s": None,
        "moved_median_s": None,
        "moved_p90_s": None,
    }
