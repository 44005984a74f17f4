"""Statistics on results: intervals checked against scipy/statsmodels and cx-metrics.md values,
low-sample flags, suppression, and period-over-period change tests."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from cxcore.metrics import MetricEngine

from .conftest import CSAT, NPS, answers, catalogue_engine, interaction, response


def test_csat_interval_is_wilson_37_of_50(engine: MetricEngine) -> None:
    records = answers("csat", [5] * 37 + [2] * 13, CSAT)
    r = engine.compute(["csat"], records).one("csat")
    assert r.interval is not None and r.interval.method == "wilson"
    assert round(r.interval.low, 1) == 60.4  # type: ignore[arg-type]
    assert round(r.interval.high, 1) == 84.1  # type: ignore[arg-type]
    lo, hi = proportion_confint(37, 50, alpha=0.05, method="wilson")
    assert r.interval.low == pytest.approx(100 * lo, rel=1e-12)
    assert r.interval.high == pytest.approx(100 * hi, rel=1e-12)


@pytest.mark.parametrize(("x", "n", "conf"), [(0, 10, 0.95), (3, 7, 0.9), (120, 130, 0.99)])
def test_share_intervals_match_statsmodels(x: int, n: int, conf: float) -> None:
    engine = catalogue_engine(confidence=conf)
    records = answers("repurchase_intention", [5] * x + [1] * (n - x), CSAT)
    r = engine.compute(["repurchase_intention"], records).one("repurchase_intention")
    lo, hi = proportion_confint(x, n, alpha=1 - conf, method="wilson")
    assert r.interval is not None and r.interval.level == conf
    assert r.interval.low == pytest.approx(100 * lo, abs=1e-10)
    assert r.interval.high == pytest.approx(100 * hi, abs=1e-10)


def test_nps_interval_is_adjusted_wald_of_cx_metrics(engine: MetricEngine) -> None:
    records = answers("nps", [10] * 44 + [8] * 2 + [2] * 4, NPS)
    r = engine.compute(["nps"], records).one("nps")
    assert r.value == 80.0
    assert r.interval is not None and r.interval.method == "adjusted_wald"
    assert (round(r.interval.low, 1), round(r.interval.high, 1)) == (59.2, 91.7)  # type: ignore[arg-type]
    # Independent computation of Rocks (2016): n' = n + 3, 3/4 added to P and D.
    n2, p2, d2 = 53, 44.75 / 53, 4.75 / 53
    se = np.sqrt((p2 + d2 - (p2 - d2) ** 2) / n2)
    z = sps.norm.ppf(0.975)
    assert r.interval.low == pytest.approx(100 * (p2 - d2 - z * se), rel=1e-12)


def test_mean_interval_is_student_t() -> None:
    engine = catalogue_engine()
    values = [1, 2, 2, 3, 5, 6, 7, 7, 7, 4, 5]
    r = engine.compute(["ces"], answers("ces", values, {"min": 1, "max": 7})).one("ces")
    lo, hi = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    assert r.interval is not None and r.interval.method == "t"
    assert r.value == pytest.approx(np.mean(values))
    assert (r.interval.low, r.interval.high) == (
        pytest.approx(lo, rel=1e-10),
        pytest.approx(hi, rel=1e-10),
    )
    assert r.components["sd"] == pytest.approx(np.std(values, ddof=1))


def test_low_sample_flag_uses_the_threshold() -> None:
    records = answers("csat", [5] * 12, CSAT)
    assert catalogue_engine().compute(["csat"], records).one("csat").low_sample  # default 30
    assert not catalogue_engine(min_n=10).compute(["csat"], records).one("csat").low_sample
    assert not catalogue_engine().compute(["csat"], records, min_n=12).one("csat").low_sample
    configured = catalogue_engine(config={"csat": {"min_n": 5}})
    assert not configured.compute(["csat"], records).one("csat").low_sample


def test_employee_groups_under_five_are_suppressed_with_their_complement(
    engine: MetricEngine,
) -> None:
    scale = {"min": 0, "max": 10}
    records = (
        answers("enps", [10] * 8, scale, attributes={"team": "a"})
        + answers("enps", [0] * 6, scale, attributes={"team": "b"})
        + answers("enps", [9] * 3, scale, attributes={"team": "c"})  # identifiable
    )
    res = engine.compute(["enps"], records, by=["attributes.team"])
    by_team = {r.group["attributes.team"]: r for r in res}
    assert by_team["c"].suppressed and by_team["c"].value is None and by_team["c"].interval is None
    assert by_team["c"].components == {}
    # c alone hidden next to a published total could be recovered: the smallest visible
    # sibling (b, 6 answers) is hidden too; a (8) stays.
    assert by_team["b"].suppressed and not by_team["a"].suppressed
    assert by_team["a"].value == 100.0
    res.validate()
    # The total is published: nothing inferable from it alone.
    total = engine.compute(["enps"], records).one("enps")
    assert not total.suppressed and total.n == 17


def test_quantiles_are_within_one_percent_and_intervals_bracket_them(engine: MetricEngine) -> None:
    rng = np.random.default_rng(3)
    seconds = rng.lognormal(mean=8, sigma=1.2, size=2000)
    records = [interaction("ticket.solved", durations={"first_reply": float(s)}) for s in seconds]
    r = engine.compute(["first_reply_time"], records).one("first_reply_time")
    exact = np.sort(seconds)
    median = exact[int(np.ceil(0.5 * len(exact))) - 1]  # nearest rank
    p90 = exact[int(np.ceil(0.9 * len(exact))) - 1]
    assert r.value == pytest.approx(median, rel=0.011)
    assert r.components["p90"] == pytest.approx(p90, rel=0.011)
    assert r.components["mean"] == pytest.approx(seconds.mean(), rel=1e-12)
    assert r.interval is not None and r.interval.method == "order_statistic"
    assert r.interval.low < r.value < r.interval.high  # type: ignore[operator]
    # Distribution-free CI for the median from order statistics, checked with scipy's binomial.
    lo_rank = int(np.floor(1000 - 1.959964 * np.sqrt(2000 * 0.25)))
    assert r.interval.low == pytest.approx(exact[lo_rank - 1], rel=0.011)
    assert sps.binom.cdf(lo_rank - 1, 2000, 0.5) < 0.03


def _nps_counts(p: int, a: int, d: int, month: str) -> list[dict[str, object]]:
    at = f"2024-{month}-10T10:00:00Z"
    return answers("nps", [10] * p + [7] * a + [3] * d, NPS, occurred_at=at)


def test_nps_change_uses_the_adjusted_wald_z_test(engine: MetricEngine) -> None:
    # cx-metrics.md 3.2: 100/60/40 then 121/59/40 -> +6.8 (adjusted), z ~ 0.90, p ~ 0.37.
    records = _nps_counts(100, 60, 40, "01") + _nps_counts(121, 59, 40, "02")
    res = engine.compute(["nps"], records, grain="month", compare=True)
    jan, feb = res.of("nps")
    assert jan.change is None  # December has no data
    change = feb.change
    assert change is not None and change.method == "adjusted_wald_z"
    assert change.previous == 30.0
    assert change.delta == pytest.approx(100 * (121 - 40) / 220 - 30.0)
    assert round(change.statistic, 2) == 0.90  # type: ignore[arg-type]
    assert round(change.p_value, 2) == 0.37  # type: ignore[arg-type]
    assert change.significant is False
    res.validate()


def test_share_change_uses_the_two_proportion_z_test(engine: MetricEngine) -> None:
    at1, at2 = "2024-01-10T10:00:00Z", "2024-02-10T10:00:00Z"
    records = answers("csat", [5] * 60 + [1] * 40, CSAT, occurred_at=at1)
    records += answers("csat", [5] * 80 + [1] * 20, CSAT, occurred_at=at2)
    feb = engine.compute(["csat"], records, grain="month", compare=True).of("csat")[1]
    z, p = proportions_ztest([80, 60], [100, 100])
    assert feb.change is not None and feb.change.method == "two_proportion_z"
    assert feb.change.statistic == pytest.approx(z, rel=1e-10)
    assert feb.change.p_value == pytest.approx(p, rel=1e-8)
    assert feb.change.significant is True and feb.change.delta == pytest.approx(20.0)


def test_mean_change_uses_welch(engine: MetricEngine) -> None:
    a, b = [3, 4, 5, 5, 6, 2, 4], [6, 7, 7, 5, 6, 7, 7, 6]
    scale = {"min": 1, "max": 7}
    records = answers("ces", a, scale, occurred_at="2024-01-10T10:00:00Z")
    records += answers("ces", b, scale, occurred_at="2024-02-10T10:00:00Z")
    feb = engine.compute(["ces"], records, grain="month", compare=True).of("ces")[1]
    t, p = sps.ttest_ind(b, a, equal_var=False)
    assert feb.change is not None and feb.change.method == "welch_t"
    assert feb.change.statistic == pytest.approx(t, rel=1e-9)
    assert feb.change.p_value == pytest.approx(p, rel=1e-6)


def test_window_compare_uses_the_window_just_before(engine: MetricEngine) -> None:
    records = answers("csat", [5, 5, 1, 1], CSAT, occurred_at="2024-03-05T00:00:00Z")
    records += answers("csat", [5, 5, 5, 1], CSAT, occurred_at="2024-03-12T00:00:00Z")
    records += answers("csat", [1] * 10, CSAT, occurred_at="2024-02-01T00:00:00Z")  # too early
    res = engine.compute(["csat"], records, start="2024-03-08", end="2024-03-15", compare=True)
    r = res.one("csat")
    assert r.value == 75.0 and r.n == 4
    assert r.period is not None and r.period["grain"] == "window"
    assert r.change is not None and r.change.previous == 50.0 and r.change.delta == 25.0


def test_counts_and_derived_get_a_delta_without_a_test() -> None:
    engine = catalogue_engine(
        config={
            "tickets": {"type": "count", "where": {"type": "ticket.created"}},
        }
    )
    records = [interaction("ticket.created", occurred_at="2024-01-03T00:00:00Z")] * 2
    records += [interaction("ticket.created", occurred_at="2024-02-03T00:00:00Z")] * 5
    feb = engine.compute(["tickets"], records, grain="month", compare=True).of("tickets")[1]
    assert feb.value == 5 and feb.change is not None
    assert feb.change.method == "none" and feb.change.delta == 3 and feb.change.p_value is None


def test_suppressed_previous_period_gives_no_change(engine: MetricEngine) -> None:
    scale = {"min": 0, "max": 10}
    records = answers("enps", [10] * 3, scale, occurred_at="2024-01-10T00:00:00Z")
    records += answers("enps", [10] * 9, scale, occurred_at="2024-02-10T00:00:00Z")
    feb = engine.compute(["enps"], records, grain="month", compare=True).of("enps")[-1]
    assert not feb.suppressed and feb.change is None


def test_groups_without_observations_are_not_reported(engine: MetricEngine) -> None:
    records = answers("csat", [5], CSAT, channel="web") + [response("nps", 9, NPS, channel="chat")]
    res = engine.compute(["csat", "nps"], records, by=["channel"])
    assert [(r.metric, r.group["channel"]) for r in res] == [("csat", "web"), ("nps", "chat")]
