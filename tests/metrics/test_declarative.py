"""KPIs declared in cxcore.toml, without code, and the safe expression language."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from cxcore import Workspace
from cxcore.metrics import ExpressionError, MetricDefinitionError, MetricEngine, parse_expression

from .conftest import CSAT, NPS, answers, interaction

TOML = textwrap.dedent(
    """
    [project]
    name = "declared"
    timezone = "UTC"

    [store]
    plugin = "duckdb"
    path = ":memory:"

    [metrics.defaults]
    min_n = 3

    [metrics.tickets_opened]
    type = "count"
    label = "Tickets opened"
    where = { type = "ticket.created" }

    [metrics.phone_share]
    type = "ratio"
    label = "Share of tickets opened by phone"
    numerator = { where = { channel = "phone" } }
    denominator = { where = { type = "ticket.created" } }

    [metrics.cost_per_ticket]
    type = "ratio"
    unit = "currency"
    numerator = { where = { type = "cost.support" }, sum = "attributes.amount" }
    denominator = { where = { type = "ticket.created" } }

    [metrics.mean_order]
    type = "mean"
    unit = "currency"
    field = "attributes.amount"
    where = { type = "order.placed" }

    [metrics.ease]
    type = "mean"
    items = ["ease"]
    scale = { min = 1, max = 5, direction = "lower_is_better" }

    [metrics.top2_quality]
    type = "top_box"
    items = "quality"
    scale = { min = 1, max = 7 }

    [metrics.nps_like]
    type = "bucket_index"
    items = ["recommend_*"]
    scale = { min = 0, max = 10, buckets = [
        { name = "detractors", low = 0, high = 6, weight = -100 },
        { name = "passives", low = 7, high = 8, weight = 0 },
        { name = "promoters", low = 9, high = 10, weight = 100 },
    ] }

    [metrics.happiness_index]
    type = "bucket_index"
    items = ["mood"]
    scale = { min = 1, max = 3, buckets = [
        { name = "sad", low = 1, high = 1, weight = 0 },
        { name = "ok", low = 2, high = 2, weight = 50 },
        { name = "happy", low = 3, high = 3, weight = 100 },
    ] }

    [metrics.engagement_points]
    type = "points"
    items = ["engagement"]
    scale = { min = 1, max = 10 }
    suppress_below = 0
    [metrics.engagement_points.points]
    "10" = 100
    "9" = 100
    "8" = 80
    "7" = 80
    "6" = 60
    "5" = 60
    "4" = 40
    "3" = 40
    "2" = 20
    "1" = 20

    [metrics.loyalty]
    type = "linear_index"
    items = ["loyalty*"]
    scale = { min = 1, max = 10 }

    [metrics.handle_time_p90]
    type = "duration"
    field = "durations.handle"
    statistic = "p90"

    [metrics.time_to_order]
    type = "duration"
    from = "cart.created"
    to = "order.placed"
    key = ["journey_instance"]
    statistic = "mean"

    [metrics.quality_minus_nps]
    type = "derived"
    expr = "top2_quality - (nps_like.promoters_pct - nps_like.detractors_pct) / 2"
    unit = "points"
    """
)


@pytest.fixture
def declared(tmp_path: Path) -> MetricEngine:
    path = tmp_path / "cxcore.toml"
    path.write_text(TOML, encoding="utf-8")
    ws = Workspace.from_config(path, plugins=["cxcore.builtins.catalogue"], entry_points=False)
    return MetricEngine.from_workspace(ws, open_store=False)


def test_every_declarative_type(declared: MetricEngine) -> None:
    t = "2024-03-01T10:00:00Z"
    records = [
        interaction("ticket.created", channel="phone"),
        interaction("ticket.created", channel="phone"),
        interaction("ticket.created", channel="web"),
        interaction("contact", channel="phone"),  # phone, but not a ticket
        interaction("cost.support", attributes={"amount": 300}),
        interaction(
            "order.placed",
            attributes={"amount": 20},
            journey_instance="c1",
            occurred_at="2024-03-01T10:30:00Z",
        ),
        interaction("order.placed", attributes={"amount": 30}),
        interaction("cart.created", journey_instance="c1", occurred_at=t),
        *[interaction("call", durations={"handle": s}) for s in range(1, 101)],
        *answers("ease", [1, 2, 3], {"min": 1, "max": 5, "direction": "lower_is_better"}),
        *answers("quality", [7, 6, 5, 1], {"min": 1, "max": 7}),
        *answers("recommend_friend", [10, 9, 3], NPS),
        *answers("mood", [1, 3, 3, 2], {"min": 1, "max": 3}),
        *answers("engagement", [10, 7, 2], {"min": 1, "max": 10}),
        *answers("loyalty_buy", [10, 1], {"min": 1, "max": 10}),
    ]
    res = declared.compute(
        [
            "tickets_opened",
            "phone_share",
            "cost_per_ticket",
            "mean_order",
            "ease",
            "top2_quality",
            "nps_like",
            "happiness_index",
            "engagement_points",
            "loyalty",
            "handle_time_p90",
            "time_to_order",
            "quality_minus_nps",
        ],
        records,
    )
    v = {r.metric: r for r in res}
    assert v["tickets_opened"].value == 3
    assert v["phone_share"].value == pytest.approx(200 / 3)
    assert v["phone_share"].interval is not None  # a true share: Wilson
    assert v["cost_per_ticket"].value == 100.0 and v["cost_per_ticket"].interval is None
    assert v["mean_order"].value == 25.0
    assert v["ease"].value == 2.0 and v["ease"].components["normalised"] == 75.0
    assert v["top2_quality"].value == 50.0
    assert v["nps_like"].value == pytest.approx(100 / 3)
    assert v["nps_like"].interval.method == "adjusted_wald"  # type: ignore[union-attr]
    assert v["happiness_index"].value == pytest.approx(62.5)
    assert v["happiness_index"].interval.method == "t"  # type: ignore[union-attr]
    assert v["engagement_points"].value == pytest.approx(200 / 3)
    assert v["loyalty"].value == 50.0
    assert v["handle_time_p90"].value == pytest.approx(90, rel=0.011)
    assert v["time_to_order"].value == 1800.0
    assert v["quality_minus_nps"].value == pytest.approx(50 - (200 / 3 - 100 / 3) / 2)
    assert v["tickets_opened"].low_sample is False  # [metrics.defaults] min_n = 3
    res.validate()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('type = "ratio"\nnumerator = {}', "denominator: required"),
        ('type = "average"', "type"),
        ('type = "count"\nwhere = { value = { between = 3 } }', "unknown operator"),
        ('type = "count"\ncolour = "red"', "colour"),
        ('type = "derived"\nexpr = "nps +"', "unexpected end"),
        ('type = "derived"\nexpr = "__import__(os)"', "unknown function"),
        ('type = "derived"\nexpr = "eval(\'1\')"', "unexpected character"),
        ('type = "derived"\nexpr = "nps.__class__"', "unknown metric|no part"),
        ('type = "points"\nscale = { min = 1, max = 3 }\npoints = { "1" = 0 }', "no points"),
        ('type = "duration"\nstatistic = "p200"\nfield = "durations.x"', "statistic"),
    ],
)
def test_declaration_errors_name_the_table_and_key(
    tmp_path: Path, table: str, message: str
) -> None:
    path = tmp_path / "cxcore.toml"
    path.write_text(f"[metrics.bad]\n{table}\n", encoding="utf-8")
    ws = Workspace.from_config(path, plugins=["cxcore.builtins.catalogue"], entry_points=False)
    with pytest.raises(MetricDefinitionError, match=message) as err:
        engine = MetricEngine.from_workspace(ws, open_store=False)
        engine.compute(["bad"], answers("x", [1, 2], {"min": 1, "max": 3}))
    assert "bad" in str(err.value)


def test_declaring_a_catalogue_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cxcore.toml"
    path.write_text('[metrics.nps]\ntype = "count"\n', encoding="utf-8")
    ws = Workspace.from_config(path, plugins=["cxcore.builtins.catalogue"], entry_points=False)
    with pytest.raises(MetricDefinitionError, match="already provides 'nps'"):
        MetricEngine.from_workspace(ws, open_store=False)


def test_settings_for_an_unknown_metric_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "cxcore.toml"
    path.write_text('[metrics.npz]\nitems = ["x"]\n', encoding="utf-8")
    ws = Workspace.from_config(path, plugins=["cxcore.builtins.catalogue"], entry_points=False)
    with pytest.raises(MetricDefinitionError, match="no installed plugin provides"):
        MetricEngine.from_workspace(ws, open_store=False)


def test_catalogue_settings_from_the_project_file(tmp_path: Path) -> None:
    path = tmp_path / "cxcore.toml"
    path.write_text(
        '[metrics.csat]\nitems = ["sat_*"]\nlabel = "Satisfaction"\nmin_n = 2\n', encoding="utf-8"
    )
    ws = Workspace.from_config(path, plugins=["cxcore.builtins.catalogue"], entry_points=False)
    engine = MetricEngine.from_workspace(ws, open_store=False)
    assert engine.calculator("csat").definition.label == "Satisfaction"
    r = engine.compute(["csat"], answers("sat_support", [5, 1], CSAT)).one("csat")
    assert r.value == 50.0 and not r.low_sample


def test_expressions_evaluate_elementwise_and_safely() -> None:
    expr = parse_expression("-a + 2 * (b.n - 1) / max(a, `c-1`, 0.5) - abs(-3)")
    assert expr.refs() == {"a", "b", "c-1"}
    values = {
        ("a", None): np.array([1.0, 4.0]),
        ("b", "n"): np.array([3.0, 5.0]),
        ("c-1", None): np.array([2.0, 0.0]),
    }
    got = expr.evaluate(lambda m, p: values[(m, p)])
    assert got.tolist() == [-1 + 2 * 2 / 2 - 3, -4 + 2 * 4 / 4 - 3]
    div = parse_expression("a / (a - a)").evaluate(lambda m, p: np.array([1.0]))
    assert np.isnan(div[0])
    for bad in ("a ** 2", "a; b", "a[0]", "lambda: 1", "a.b.c", "1e", ""):
        with pytest.raises(ExpressionError):
            parse_expression(bad)
