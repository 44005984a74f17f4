"""Scales are part of a metric: answers on another scale are refused, never re-bucketed."""

from __future__ import annotations

import pyarrow as pa
import pytest

from cxcore.metrics import MetricDefinitionError, MetricEngine, ScaleMismatchError

from .conftest import CSAT, NPS, answers, catalogue_engine, response


def test_ces_states_its_scale_and_direction(engine: MetricEngine) -> None:
    d = engine.calculator("ces").definition
    assert d.scale is not None and (d.scale.min, d.scale.max) == (1, 7)
    assert d.direction == "higher_is_better" and d.scale.direction == "higher_is_better"
    assert "1-7, higher is better" in d.label
    ces1 = catalogue_engine(config={"ces": {"variant": "ces1"}}).calculator("ces").definition
    assert ces1.scale is not None and (ces1.scale.min, ces1.scale.max) == (1, 5)
    assert ces1.direction == "lower_is_better"
    assert ces1.to_dict()["scale"]["direction"] == "lower_is_better"


def test_ces_answer_on_the_wrong_scale_is_refused_with_a_clear_error(engine: MetricEngine) -> None:
    records = answers("ces", [6, 7, 5], {"min": 1, "max": 7})
    records += answers(
        "ces", [2, 1], {"min": 1, "max": 5, "direction": "lower_is_better"}, source="helpdesk"
    )
    with pytest.raises(ScaleMismatchError) as err:
        engine.compute(["ces"], records)
    message = str(err.value)
    assert "metric 'ces'" in message
    assert "1..7 (higher_is_better)" in message and "1..5 (lower_is_better)" in message
    assert "2 response(s) of item(s) ces from source(s) helpdesk" in message
    assert "never re-bucketed" in message and "[metrics.ces]" in message


def test_same_range_other_direction_is_a_different_scale() -> None:
    engine = catalogue_engine(config={"ces": {"variant": "ces1"}})
    records = answers("ces", [1, 2], {"min": 1, "max": 5, "direction": "higher_is_better"})
    with pytest.raises(ScaleMismatchError):
        engine.compute(["ces"], records)
    ok = answers("ces", [1, 2], {"min": 1, "max": 5, "direction": "lower_is_better"})
    r = engine.compute(["ces"], ok).one("ces")
    assert r.value == 1.5
    assert r.components["normalised"] == pytest.approx(87.5)  # 1 = least effort = 100


def test_nps_on_a_1_to_4_emoji_scale_is_refused(engine: MetricEngine) -> None:
    with pytest.raises(ScaleMismatchError, match="0..10"):
        engine.compute(["nps"], answers("nps", [1, 4], {"min": 1, "max": 4}))


def test_responses_without_a_scale_are_refused(engine: MetricEngine) -> None:
    table = pa.table(
        {
            "item": pa.array(["csat"]).dictionary_encode(),
            "value": pa.array([4.0]),
            "occurred_at": pa.array([0], pa.timestamp("us", tz="UTC")),
        }
    )
    with pytest.raises(ScaleMismatchError, match="no scale"):
        engine.compute(["csat"], table, kind="response")


def test_values_outside_the_scale_are_refused(engine: MetricEngine) -> None:
    table = pa.table(
        {
            "item": pa.array(["csat"]).dictionary_encode(),
            "value": pa.array([9.0]),
            "scale": pa.array(['{"min": 1, "max": 5}']),
            "occurred_at": pa.array([0], pa.timestamp("us", tz="UTC")),
        }
    )
    with pytest.raises(ScaleMismatchError, match="outside"):
        engine.compute(["csat"], table, kind="response")


def test_buckets_partition_the_scale(engine: MetricEngine) -> None:
    # Non-integer answers fall in the bucket whose lower bound is the largest below them.
    records = answers("nps", [6.5, 8.5, 9.0, 10.0], NPS)
    r = engine.compute(["nps"], records).one("nps")
    assert (r.components["detractors"], r.components["passives"], r.components["promoters"]) == (
        1,
        1,
        2,
    )


def test_unanswered_items_are_not_counted(engine: MetricEngine) -> None:
    records = answers("csat", [5, None, 4, None], CSAT)
    assert engine.compute(["csat"], records).one("csat").n == 2


def test_csat_on_a_configured_1_to_7_scale_uses_the_top_two_boxes() -> None:
    engine = catalogue_engine(config={"csat": {"scale": {"min": 1, "max": 7}}})
    r = engine.compute(["csat"], answers("csat", [7, 6, 5, 1], {"min": 1, "max": 7})).one("csat")
    assert r.value == 50.0
    with pytest.raises(ScaleMismatchError):
        engine.compute(["csat"], answers("csat", [5], CSAT))


def test_bad_scale_settings_are_definition_errors() -> None:
    with pytest.raises(MetricDefinitionError, match="variant"):
        catalogue_engine(config={"ces": {"variant": "ces9"}})
    with pytest.raises(MetricDefinitionError, match="scale"):
        catalogue_engine(config={"csat": {"scale": {"min": 5, "max": 1}}})
    with pytest.raises(MetricDefinitionError, match="top box"):
        catalogue_engine(config={"csat": {"top_min": 9}})
    with pytest.raises(MetricDefinitionError, match="unexpected keyword"):
        catalogue_engine(config={"nps": {"colour": "blue"}})


def test_switch_intention_is_a_lower_is_better_share(engine: MetricEngine) -> None:
    d = engine.calculator("switch_intention").definition
    assert d.direction == "lower_is_better" and d.normalise(20.0) == 80.0
    r = engine.compute(["switch_intention"], answers("switch_intention", [5, 4, 1, 2], CSAT))
    assert r.one("switch_intention").value == 50.0


def test_definitions_are_valid_against_the_schema(engine: MetricEngine) -> None:
    from cxcore.schemas import SchemaRegistry

    validator = SchemaRegistry.builtin().validator("metric-definition")
    for d in engine.definitions():
        record = d.to_dict()
        assert validator.is_valid(record), (d.id, validator.errors(record))
    assert response("x", 1, NPS)["item"] == "x"
