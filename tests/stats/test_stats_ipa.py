"""Importance-performance analysis: normalisation, seed example, quadrants, ranking."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from cxcore.stats import (
    CONCENTRATE_HERE,
    KEEP_UP_THE_GOOD_WORK,
    LOW_PRIORITY,
    POSSIBLE_OVERKILL,
    IPAItem,
    crosshair,
    ipa,
    normalise,
)


def test_normalise_linear_and_flipped() -> None:
    assert normalise([1, 2, 3, 4, 5], 1, 5).tolist() == [0.0, 25.0, 50.0, 75.0, 100.0]
    # CES 1.0: 1 = least effort = best, so it maps to 100.
    assert normalise([1, 2, 3, 4, 5], 1, 5, higher_is_better=False).tolist() == [
        100.0,
        75.0,
        50.0,
        25.0,
        0.0,
    ]
    assert normalise(7, 0, 10) == 70.0 and type(normalise(7, 0, 10)) is float
    # Seed loyalty index: 1-10 mapped 10 -> 100, 1 -> 0, i.e. 100 (x - 1) / 9.
    assert normalise(4, 1, 10) == pytest.approx(100 * 3 / 9)
    assert math.isnan(normalise(math.nan, 1, 5))


@pytest.mark.parametrize(("value", "lo", "hi"), [(0, 1, 5), (6, 1, 5), (3, 5, 5), (3, 5, 1)])
def test_normalise_rejects_scale_mismatch(value: float, lo: float, hi: float) -> None:
    with pytest.raises(ValueError):
        normalise(value, lo, hi)


def test_seed_empathy_example_gap() -> None:
    # domain.md / seed 002: empathy performance 4/5, importance 5/5 -> gap of 1 scale point.
    # On a 1..5 scale one point is 100 / (5 - 1) = 25 points on 0-100.
    empathy = IPAItem(id="empathy", importance=normalise(5, 1, 5), performance=normalise(4, 1, 5))
    (result,) = ipa([empathy], "midpoint")
    assert (result.importance, result.performance, result.gap) == (100.0, 75.0, 25.0)
    assert result.gap / 25.0 == 1.0  # back on the 1-5 scale
    # Read as a 0..5 scale the same answers are 100 vs 80: a gap of 20, not 25.
    assert normalise(5, 0, 5) - normalise(4, 0, 5) == 20.0


def _planted() -> list[IPAItem]:
    return [
        IPAItem(id="wait time", importance=90, performance=30),  # concentrate here
        IPAItem(id="empathy", importance=85, performance=80),  # keep up the good work
        IPAItem(id="parking", importance=20, performance=25),  # low priority
        IPAItem(id="decor", importance=15, performance=90),  # possible overkill
        IPAItem(id="resolution", importance=70, performance=45),  # concentrate here
    ]


def test_quadrants_and_rank_with_midpoint_crosshair() -> None:
    results = ipa(_planted(), "midpoint")
    got = {r.id: (r.quadrant, r.rank, r.gap) for r in results}
    assert got == {
        "wait time": (CONCENTRATE_HERE, 1, 60.0),
        "resolution": (CONCENTRATE_HERE, 2, 25.0),
        "empathy": (KEEP_UP_THE_GOOD_WORK, 3, 5.0),
        "parking": (LOW_PRIORITY, 4, -5.0),
        "decor": (POSSIBLE_OVERKILL, 5, -75.0),
    }
    assert [r.rank for r in results] == [1, 2, 3, 4, 5]  # returned in priority order


def test_means_crosshair_is_data_centred() -> None:
    items = _planted()
    c_imp, c_perf = crosshair(items, "means")
    assert (c_imp, c_perf) == (56.0, 54.0)
    # Shift everything up: midpoint quadrants change, data-centred ones do not.
    shifted = [
        IPAItem(id=i.id, importance=i.importance / 2 + 50, performance=i.performance / 2 + 50)
        for i in items
    ]
    assert {r.id: r.quadrant for r in ipa(shifted, "means")} == {
        r.id: r.quadrant for r in ipa(items, "means")
    }
    assert all(r.quadrant == KEEP_UP_THE_GOOD_WORK for r in ipa(shifted, "midpoint"))


def test_explicit_crosshair_and_line_ties_count_as_high() -> None:
    items = [
        IPAItem(id="a", importance=60, performance=60),
        IPAItem(id="b", importance=59, performance=59),
    ]
    by_id = {r.id: r.quadrant for r in ipa(items, (60.0, 60.0))}
    assert by_id == {"a": KEEP_UP_THE_GOOD_WORK, "b": LOW_PRIORITY}
    # Means computed in floating point: 0.1 + 0.2 style noise must not flip the quadrant.
    noisy = [IPAItem(id=str(i), importance=v, performance=v) for i, v in enumerate([0.1, 0.2, 0.3])]
    assert {r.id: r.quadrant for r in ipa(noisy)}["1"] == KEEP_UP_THE_GOOD_WORK


def test_rank_ties_broken_by_id() -> None:
    items = [
        IPAItem(id="c", importance=80, performance=60),
        IPAItem(id="a", importance=90, performance=70),
        IPAItem(id="b", importance=70.3, performance=50.3),  # gap 20.000000000000004
    ]
    assert [r.id for r in ipa(items, (50.0, 90.0))] == ["a", "b", "c"]


def test_concentrate_here_outranks_bigger_gaps_elsewhere() -> None:
    items = [
        IPAItem(id="x", importance=40, performance=0),  # low priority, gap 40
        IPAItem(id="y", importance=60, performance=45),  # concentrate here, gap 15
    ]
    assert [r.id for r in ipa(items, "midpoint")] == ["y", "x"]


def test_validation() -> None:
    with pytest.raises(ValueError):
        IPAItem(id="a", importance=101, performance=50)
    with pytest.raises(ValueError):
        IPAItem(id="a", importance=50, performance=math.nan)
    with pytest.raises(ValueError):
        ipa(
            [
                IPAItem(id="a", importance=1, performance=2),
                IPAItem(id="a", importance=3, performance=4),
            ]
        )
    with pytest.raises(ValueError):
        ipa(_planted(), "median")  # type: ignore[arg-type]
    item = IPAItem(id="a", importance=50, performance=50)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        item.importance = 3.0  # type: ignore[misc]
    assert ipa([]) == ()
    assert all(math.isnan(v) for v in crosshair([], "means"))


@settings(max_examples=200, deadline=None)
@given(
    scores=hst.lists(hst.tuples(hst.floats(0, 100), hst.floats(0, 100)), min_size=1, max_size=30),
    how=hst.sampled_from(["means", "midpoint"]),
)
def test_ipa_properties(scores: list[tuple[float, float]], how: str) -> None:
    items = [
        IPAItem(id=f"i{k:02d}", importance=a, performance=b) for k, (a, b) in enumerate(scores)
    ]
    results = ipa(items, how)  # type: ignore[arg-type]
    assert sorted(r.id for r in results) == sorted(i.id for i in items)
    assert [r.rank for r in results] == list(range(1, len(items) + 1))
    c_imp, c_perf = crosshair(items, how)  # type: ignore[arg-type]
    seen_other = False
    for r in results:
        assert r.gap == r.importance - r.performance
        high_imp = r.importance >= c_imp - 1e-9
        high_perf = r.performance >= c_perf - 1e-9
        assert (r.quadrant in (CONCENTRATE_HERE, KEEP_UP_THE_GOOD_WORK)) == high_imp
        assert (r.quadrant in (KEEP_UP_THE_GOOD_WORK, POSSIBLE_OVERKILL)) == high_perf
        # Every "concentrate here" comes before every other criterion.
        if r.quadrant != CONCENTRATE_HERE:
            seen_other = True
        else:
            assert not seen_other
    normalised = normalise(np.array([s[0] for s in scores]), 0, 100)
    assert normalised.tolist() == pytest.approx([s[0] for s in scores])
