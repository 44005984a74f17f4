"""Every worked example of domain.md's KPI table, reproduced through the standard catalogue."""

from __future__ import annotations

import pytest

from cxcore.metrics import FinalizeContext, MetricEngine, State

from .conftest import CSAT, NPS, answers, catalogue_engine, customer, interaction, response


def test_nps_88_promoters_8_detractors_is_80(engine: MetricEngine) -> None:
    records = answers("nps", [9] * 22 + [10] * 22 + [7, 8] + [0, 3, 5, 6], NPS)
    r = engine.compute(["nps"], records).one("nps")
    assert r.n == 50
    assert r.value == 80.0
    assert r.components["promoters_pct"] == 88.0
    assert r.components["detractors_pct"] == 8.0
    assert (r.components["promoters"], r.components["passives"], r.components["detractors"]) == (
        44,
        2,
        4,
    )


def test_csat_37_of_50_is_74_percent(engine: MetricEngine) -> None:
    records = answers("csat", [5] * 20 + [4] * 17 + [3] * 5 + [2] * 4 + [1] * 4, CSAT)
    r = engine.compute(["csat"], records).one("csat")
    assert r.n == 50
    assert r.value == 74.0
    assert r.components["top_box"] == 37


def test_clv_250_per_customer_and_225000_for_900_regulars(engine: MetricEngine) -> None:
    # $50 a year for 5 years: the customer's revenue to date is 250.
    one = [customer(attributes={"revenue": 50 * 5})]
    assert engine.compute(["clv"], one).one("clv").value == 250.0
    # 1000 regulars, 90 % of them alike (bought every year), the rest bought nothing.
    regulars = [customer(attributes={"revenue": 250}) for _ in range(900)]
    regulars += [customer(attributes={"revenue": 0}) for _ in range(100)]
    r = engine.compute(["clv"], regulars).one("clv")
    assert r.components["total"] == 225_000.0
    assert r.n == 1000
    assert r.value == 225.0


def test_ces_on_the_seeds_1_to_10_scale_is_8_6() -> None:
    engine = catalogue_engine(config={"ces": {"variant": "seed"}})
    records = answers("ces", [10, 10, 8, 6, 9], {"min": 1, "max": 10})
    r = engine.compute(["ces"], records).one("ces")
    assert r.n == 5
    assert r.value == pytest.approx(8.6, abs=1e-12)
    assert r.value == 43 / 5
    assert engine.calculator("ces").definition.scale.max == 10  # type: ignore[union-attr]


def test_referral_rate_100_of_3000_is_3_3_percent(engine: MetricEngine) -> None:
    records = [interaction("purchase", attributes={"referral": True}) for _ in range(100)]
    records += [interaction("purchase", attributes={"referral": False}) for _ in range(2900)]
    records += [interaction("cart.created") for _ in range(50)]  # not purchases
    r = engine.compute(["referral_rate"], records).one("referral_rate")
    assert r.n == 3000
    assert r.value == pytest.approx(100 / 3000 * 100)
    assert round(r.value, 1) == 3.3  # type: ignore[arg-type]


def _customers(start: int, lost: int, new: int = 0) -> list[dict[str, object]]:
    out = [customer(created_at="2023-06-01T00:00:00Z") for _ in range(start - lost)]
    out += [
        customer(
            created_at="2023-06-01T00:00:00Z", attributes={"churned_at": "2024-01-20T08:00:00Z"}
        )
        for _ in range(lost)
    ]
    out += [customer(created_at="2024-01-05T00:00:00Z") for _ in range(new)]
    return out


def test_churn_20_of_2500_is_0_8_and_retention_99_2(engine: MetricEngine) -> None:
    res = engine.compute(
        ["churn_rate", "retention_rate"],
        _customers(2500, 20),
        start="2024-01-01",
        end="2024-02-01",
    )
    churn, retention = res.one("churn_rate"), res.one("retention_rate")
    assert churn.n == 2500 and churn.value == 0.8
    assert churn.components["lost"] == 20 and churn.components["start"] == 2500
    assert retention.value == pytest.approx(99.2)
    assert retention.value == pytest.approx(100 - churn.value)  # type: ignore[operator]


def test_retention_is_end_minus_new_over_start_not_the_seeds_wording(engine: MetricEngine) -> None:
    res = engine.compute(
        ["retention_rate"], _customers(100, 10, new=30), start="2024-01-01", end="2024-02-01"
    )
    r = res.one("retention_rate")
    start, end, new = r.components["start"], r.components["end"], r.components["new"]
    assert (start, end, new) == (100, 120, 30)
    assert r.value == pytest.approx(90.0)  # (120 - 30) / 100
    # The seed's "active and newly acquired customers at the end over the start" would say
    # 120 %: it counts acquisitions as retained customers.
    assert 100 * end / start == 120.0  # type: ignore[operator]


def test_employee_engagement_50_points_over_2_answers_is_25(engine: MetricEngine) -> None:
    calc = engine.calculator("employee_engagement")
    # The seed's example gives totals only: 50 points over 2 answers. Its state is exactly that.
    state = State.from_json(
        {
            "grouped": {
                "n": {"shape": [2], "dtype": "int64", "data": [0, 2]},
                "sum": {"shape": [2], "dtype": "float64", "data": [0.0, 50.0]},
                "sum_sq": {"shape": [2], "dtype": "float64", "data": [0.0, 1250.0]},
            }
        }
    )
    est = calc.finalize(state, FinalizeContext(n_groups=2))
    assert est.value[1] == 25.0
    # From answers: 9-10 -> 100, 7-8 -> 80, ..., 1-2 -> 20.
    scale = {"min": 1, "max": 10}
    res = engine.compute(["employee_engagement"], answers("engagement", [10, 7], scale))
    assert res.one("employee_engagement").suppressed  # 2 answers: under the anonymity threshold
    r = engine.compute(
        ["employee_engagement"], answers("engagement", [10, 7], scale), suppress_below=0
    ).one("employee_engagement")
    assert r.value == 90.0
    r = engine.compute(
        ["employee_engagement"], answers("engagement", [1, 2, 2, 4], scale), suppress_below=0
    ).one("employee_engagement")
    assert r.value == 25.0


def test_loyalty_index_maps_10_to_100_and_1_to_0(engine: MetricEngine) -> None:
    scale = {"min": 1, "max": 10}
    records = answers("loyalty_buy_again", [10, 1], scale) + answers(
        "loyalty_recommend", [4], scale
    )
    records += answers("nps", [3], NPS)  # not a loyalty question
    r = engine.compute(["loyalty_index"], records).one("loyalty_index")
    assert r.n == 3
    assert r.value == pytest.approx((100 + 0 + 100 * 3 / 9) / 3)


def test_cac_is_sales_and_marketing_cost_over_customers_acquired(engine: MetricEngine) -> None:
    records = [
        interaction("cost.marketing", attributes={"amount": 6000}),
        interaction("cost.sales", attributes={"amount": 4000}),
        interaction("cost.rent", attributes={"amount": 99999}),
    ]
    records += [customer(created_at="2024-03-02T00:00:00Z") for _ in range(50)]
    r = engine.compute(["cac"], records).one("cac")
    assert r.value == 200.0
    assert r.components == {"numerator": 10_000.0, "denominator": 50.0}


def test_average_resolution_time_is_total_time_over_resolved(engine: MetricEngine) -> None:
    records = [
        interaction("ticket.solved", durations={"full_resolution": s}) for s in (3600, 7200, 10800)
    ]
    records.append(interaction("ticket.created"))
    r = engine.compute(["avg_resolution_time"], records).one("avg_resolution_time")
    assert r.n == 3
    assert r.value == 7200.0
    assert r.unit == "seconds"


def test_every_catalogue_id_is_registered(engine: MetricEngine) -> None:
    assert sorted(engine.ids) == sorted(
        [
            "nps",
            "csat",
            "ces",
            "clv",
            "referral_rate",
            "churn_rate",
            "retention_rate",
            "employee_engagement",
            "loyalty_index",
            "cac",
            "avg_resolution_time",
            "first_reply_time",
            "full_resolution_time",
            "one_touch_resolution",
            "reopen_rate",
            "repeat_contact_rate",
            "sla_attainment",
            "ticket_resolution_rate",
            "cart_abandonment_rate",
            "repurchase_intention",
            "switch_intention",
            "enps",
        ]
    )


def test_csat_with_a_response_of_another_item_is_not_counted(engine: MetricEngine) -> None:
    records = answers("csat", [5, 1], CSAT) + [response("nps", 10, NPS)]
    assert engine.compute(["csat"], records).one("csat").n == 2
