"""The experience curve and the journey map."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from cxcore.journeys import (
    CurveConfig,
    break_map,
    count_map,
    experience_curve,
    journey_breaks,
    journey_map,
    score_map,
)
from cxcore.stats import mean_t, wilson


def _answers(records: Any) -> None:
    records.customer("a", segment="consumer")
    records.customer("b", segment="business")
    # discover: CSAT 5, 4, 4 -> 100, 75, 75; support: CES 1-7 lower is better 1, 7 -> 100, 0
    records.answer("a", 1, "discover", "web", 5)
    records.answer("b", 1, "discover", "web", 4)
    records.answer("a", 2, "discover", "email", 4)
    ces = {"min": 1, "max": 7, "direction": "lower_is_better"}
    records.answer("a", 3, "support", "phone", 1, item="ces", scale=ces)
    records.answer("b", 3, "support", "phone", 7, item="ces", scale=ces)
    records.answer("b", 4, "support", "phone", None)  # unanswered: not counted
    records.answer("b", 5, None, "phone", 1)  # no stage: not on the curve
    records.event("a", 1, "discover", "web")


def test_experience_curve_per_stage_with_t_interval(records: Any) -> None:
    _answers(records)
    curve = experience_curve(records.log(), CurveConfig(min_n=3))
    assert [p.stage for p in curve.points] == ["discover", "consider", "buy", "support", "renew"]
    discover = curve.point("discover")
    assert discover.score.n == 3
    assert discover.score.mean == pytest.approx(250 / 3)
    low, high = mean_t(3, 250.0, 100**2 + 2 * 75**2)
    assert (discover.score.low, discover.score.high) == pytest.approx((low, high))
    assert not discover.low_sample
    support = curve.point("support")
    assert (support.score.n, support.score.mean, support.low_sample) == (2, 50.0, True)
    assert support.moments_of_truth == ("support.phone",)
    assert curve.point("buy").score.mean is None
    by_segment = {s.segment: s for s in curve.by_segment}
    assert by_segment["consumer"].points[0].score.mean == pytest.approx(87.5)
    assert by_segment["business"].points[0].score.n == 1
    only_csat = experience_curve(records.log(), CurveConfig(items=("csat",)))
    assert only_csat.point("support").score.n == 0
    json.dumps(curve.as_dict())


def test_score_and_count_maps(records: Any) -> None:
    _answers(records)
    log = records.log()
    scores = score_map(log)
    assert scores.stages == ("discover", "consider", "buy", "support", "renew")
    assert scores.channels == ("web", "email", "phone", "chat")
    assert len(scores.cells) == 20
    web = scores.cell("discover", "web")
    assert (web.n, web.value) == (2, 87.5)
    assert (web.low, web.high) == pytest.approx(mean_t(2, 175.0, 100**2 + 75**2))
    phone = scores.cell("support", "phone")
    assert (phone.n, phone.value, phone.touchpoint, phone.moment_of_truth, phone.importance) == (
        2,
        50.0,
        "support.phone",
        True,
        5,
    )
    assert scores.cell("buy", "chat").n == 0 and scores.cell("buy", "chat").value is None
    counts = count_map(log)
    assert counts.cell("discover", "web").value == 1
    assert sum(c.n for c in count_map(log, "all").cells) == 7


def test_any_metric_and_rates(records: Any) -> None:
    _answers(records)
    log = records.log()
    high = np.where(np.isfinite(log.score), (log.score >= 75).astype(float), np.nan)
    rate = journey_map(log, high, statistic="rate", metric="top_box")
    cell = rate.cell("discover", "web")
    assert (cell.n, cell.value) == (2, 1.0)
    assert (cell.low, cell.high) == pytest.approx(wilson(2, 2))
    assert rate.interval == "wilson"
    total = journey_map(log, log.score, statistic="sum", where=np.isfinite(log.score))
    assert total.cell("support", "phone").value == 100.0
    with pytest.raises(ValueError, match="one per event"):
        journey_map(log, [1.0, 2.0])
    with pytest.raises(ValueError, match="0 or 1"):
        journey_map(log, np.nan_to_num(log.score), statistic="rate")


def test_break_map(records: Any) -> None:
    records.ticket("a", 0, "chat", "T1", solved_after=2)
    records.ticket("a", 1, "phone", "T2")
    records.ticket("b", 0, "chat", "T3")
    log = records.log()
    rule = journey_breaks(log).rule("channel_switch")
    grid = break_map(log, rule)
    assert grid.metric == "break_rate:channel_switch"
    chat = grid.cell("support", "chat")
    assert (chat.n, chat.value) == (2, 0.5)
    assert grid.cell("support", "phone").value == 0.0
    assert grid.cell("discover", "web").n == 0
