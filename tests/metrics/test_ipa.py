"""Importance-performance analysis on data with a planted answer."""

from __future__ import annotations

import numpy as np
import pytest

from cxcore import Channel, Journey, Stage, Touchpoint
from cxcore.metrics import MetricEngine, MetricInputError, importance_performance

from .conftest import CSAT, NPS, answers, catalogue_engine, response

JOURNEY = Journey(
    id="j",
    name="J",
    stages=[Stage(id="buy"), Stage(id="support")],
    channels=[Channel(id="web"), Channel(id="phone")],
    touchpoints=[
        Touchpoint(stage="support", channel="phone", importance=5),  # moment of truth
        Touchpoint(stage="buy", channel="web", importance=5),
        Touchpoint(stage="support", channel="web", importance=2),
        Touchpoint(stage="buy", channel="phone", importance=1),
    ],
)


def _performance_records() -> list[dict[str, object]]:
    # CSAT per touchpoint: support.phone 30 %, buy.web 90 %, support.web 20 %, buy.phone 95 %.
    out: list[dict[str, object]] = []
    for (stage, channel), satisfied in {
        ("support", "phone"): 30,
        ("buy", "web"): 90,
        ("support", "web"): 20,
        ("buy", "phone"): 95,
    }.items():
        out += answers(
            "csat", [5] * satisfied + [1] * (100 - satisfied), CSAT, stage=stage, channel=channel
        )
    return out


def test_stated_importance_quadrants_and_ranking() -> None:
    engine = catalogue_engine(journey=JOURNEY)
    report = importance_performance(engine, metric="csat", data=_performance_records())
    rows = {r.id: r for r in report.rows}
    assert report.importance_method == "stated"
    assert rows["support.phone"].importance == 100.0 and rows["support.phone"].performance == 30.0
    assert rows["support.phone"].gap == 70.0
    assert rows["support.phone"].quadrant == "concentrate here"
    assert rows["buy.web"].quadrant == "keep up the good work"
    assert rows["support.web"].quadrant == "low priority"
    assert rows["buy.phone"].quadrant == "possible overkill"
    assert [r.id for r in report.rows][0] == "support.phone"
    assert report.rows[0].rank == 1
    # Crosshair at the data means (importance 100, 100, 25, 0 -> 56.25; performance -> 58.75).
    assert report.crosshair == (pytest.approx(56.25), pytest.approx(58.75))
    mid = importance_performance(
        engine, metric="csat", data=_performance_records(), crosshair="midpoint"
    )
    assert mid.crosshair == (50.0, 50.0)
    assert mid.row("support.web").quadrant == "low priority"
    assert report.to_dict()["rows"][0]["id"] == "support.phone"


def test_seed_empathy_example_gap_on_a_common_scale() -> None:
    # Empathy: performance 4/5, importance 5/5 -> gap of 1 scale point = 25 on 0-100.
    engine = catalogue_engine(
        config={"empathy": {"type": "mean", "items": ["empathy"], "scale": {"min": 1, "max": 5}}}
    )
    records = answers("empathy", [4, 4], {"min": 1, "max": 5}, pillar="empathy")
    records += answers("empathy", [5, 5], {"min": 1, "max": 5}, pillar="resolution")
    report = importance_performance(
        engine,
        metric="empathy",
        by="pillar",
        data=records,
        importance={"empathy": 5, "resolution": 3},
    )
    assert report.row("empathy").gap == 25.0
    assert report.row("empathy").performance == 75.0


def _survey(rng: np.random.Generator, n: int) -> list[dict[str, object]]:
    """Respondents rate four touchpoints (1-5); their NPS answer is driven by two of them."""
    planted = {"support.phone": 2.0, "buy.web": 1.2, "support.web": 0.1, "buy.phone": 0.0}
    quality = {"support.phone": 2.2, "buy.web": 4.3, "support.web": 2.0, "buy.phone": 4.5}
    out: list[dict[str, object]] = []
    for i in range(n):
        ratings = {}
        for tp, mean in quality.items():
            ratings[tp] = int(np.clip(np.rint(rng.normal(mean, 1.0)), 1, 5))
            stage, channel = tp.split(".")
            out.append(
                response(
                    "csat",
                    ratings[tp],
                    CSAT,
                    stage=stage,
                    channel=channel,
                    journey_instance=f"resp{i}",
                )
            )
        score = sum(planted[tp] * (ratings[tp] - 3) for tp in planted) + rng.normal(0, 1.0)
        ltr = int(np.clip(np.rint(6 + score), 0, 10))
        out.append(response("nps", ltr, NPS, journey_instance=f"resp{i}"))
    return out


def test_derived_importance_finds_the_planted_drivers() -> None:
    engine = catalogue_engine(journey=JOURNEY)
    records = _survey(np.random.default_rng(11), 600)
    report = importance_performance(
        engine, metric="csat", importance="derived", outcome="nps", data=records
    )
    assert report.importance_method == "johnson"
    assert report.r_squared is not None and report.r_squared > 0.5
    imp = {r.id: r.importance for r in report.rows}
    assert imp["support.phone"] == 100.0  # the strongest planted driver
    assert imp["buy.web"] > 15 > 5 > max(imp["support.web"], imp["buy.phone"])
    assert report.rows[0].id == "support.phone"
    assert report.row("support.phone").quadrant == "concentrate here"
    assert report.row("buy.phone").quadrant == "possible overkill"
    raw = sum(r.raw_importance for r in report.rows)
    assert raw == pytest.approx(report.r_squared)  # relative weights split R^2


def test_derived_importance_falls_back_to_correlations_when_few_complete_rows() -> None:
    engine = catalogue_engine(journey=JOURNEY)
    rng = np.random.default_rng(5)
    records = []
    # Each respondent rates one touchpoint only: no complete rows for Johnson's weights.
    for i in range(300):
        tp = ["support.phone", "buy.web"][i % 2]
        rating = int(rng.integers(1, 6))
        stage, channel = tp.split(".")
        records.append(
            response("csat", rating, CSAT, stage=stage, channel=channel, journey_instance=f"r{i}")
        )
        effect = 2.0 if tp == "support.phone" else 0.2
        ltr = int(np.clip(np.rint(5 + effect * (rating - 3) + rng.normal(0, 0.5)), 0, 10))
        records.append(response("nps", ltr, NPS, journey_instance=f"r{i}"))
    report = importance_performance(engine, metric="csat", importance="derived", data=records)
    assert report.importance_method == "squared_correlation"
    assert report.row("support.phone").importance == 100.0
    assert report.row("buy.web").importance < 30


def test_ipa_errors() -> None:
    engine = catalogue_engine(journey=JOURNEY)
    with pytest.raises(MetricInputError, match="no criterion"):
        importance_performance(engine, metric="csat", data=answers("csat", [5], CSAT))
    with pytest.raises(Exception, match="no bounded range"):
        importance_performance(engine, metric="avg_resolution_time", data=[])
    with pytest.raises(MetricInputError, match="stated importance comes from"):
        importance_performance(engine, metric="csat", by="pillar", data=[])


def test_ipa_reads_the_store_through_the_engine(engine: MetricEngine) -> None:
    assert engine.store is None
    with pytest.raises(MetricInputError, match="no data given"):
        importance_performance(engine, metric="csat", importance="derived", journey=JOURNEY)
