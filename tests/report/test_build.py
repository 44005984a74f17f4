"""The report builder on a small company with planted truths, and the ``cxcore report`` CLI.

The company: 400 customers over Q1 and Q2 2024. Planted: NPS falls from about +45 in Q1 to
about -15 in Q2; phone support (importance 5 of 5, a moment of truth) is poorly rated while
chat and e-mail support are rated well; CSAT comes on two scales (1-5 surveys from ``crm``,
Zendesk-style good/bad 0..1 ratings from ``zendesk``); customers carry no churn date.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxcore import Channel, DuckDBStore, Journey, Stage, Touchpoint, Workspace
from cxcore.cli.main import cli
from cxcore.errors import ConfigError
from cxcore.metrics import MetricDefinitionError
from cxcore.report import (
    ReportSettings,
    build_document,
    parse_period,
    validate_document,
    write_report,
)
from cxcore.report.summary import summary_dict, summary_text

T0 = datetime(2024, 1, 1, tzinfo=UTC)
NPS_SCALE = {
    "min": 0,
    "max": 10,
    "direction": "higher_is_better",
    "buckets": [
        {"name": "detractor", "low": 0, "high": 6},
        {"name": "passive", "low": 7, "high": 8},
        {"name": "promoter", "low": 9, "high": 10},
    ],
}
CSAT_5 = {"min": 1, "max": 5, "direction": "higher_is_better"}
CSAT_GOOD_BAD = {"min": 0, "max": 1, "direction": "higher_is_better"}


def journey() -> Journey:
    return Journey(
        id="shop",
        name="Shop",
        stages=[Stage(id="discover"), Stage(id="buy"), Stage(id="support", label="Get help")],
        channels=[Channel(id="web"), Channel(id="phone"), Channel(id="chat"), Channel(id="email")],
        touchpoints=[
            Touchpoint(stage="buy", channel="web", importance=4),
            Touchpoint(
                stage="support", channel="phone", importance=5, moment_of_truth=True, label="Phone"
            ),
            Touchpoint(stage="support", channel="chat", importance=4),
            Touchpoint(stage="support", channel="email", importance=3),
        ],
    )


def _ts(days: float) -> str:
    return (T0 + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def company(n: int = 400, seed: int = 3) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    customers: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []

    def event(cid: str, day: float, stage: str, channel: str, type_: str, **extra: Any) -> None:
        interactions.append(
            {
                "source": "crm",
                "id": f"i{len(interactions)}",
                "type": type_,
                "occurred_at": _ts(day),
                "customer_id": cid,
                "stage": stage,
                "channel": channel,
                **extra,
            }
        )

    def answer(
        cid: str, day: float, item: str, value: float, scale: dict[str, Any], **extra: Any
    ) -> None:
        source = extra.pop("source", "crm")
        responses.append(
            {
                "source": source,
                "id": f"r{len(responses)}",
                "item": item,
                "value": value,
                "scale": scale,
                "occurred_at": _ts(day),
                "customer_id": cid,
                **extra,
            }
        )

    for c in range(n):
        cid = f"c{c}"
        customers.append({"source": "crm", "id": cid, "created_at": "2023-12-01T00:00:00Z"})
        if c % 5 == 0:  # the zendesk side knows some of them too
            customers.append({"source": "zendesk", "id": cid})
        start = rng.uniform(0, 40)
        event(cid, start, "discover", "web", "visit")
        event(cid, start + rng.uniform(1, 10), "buy", "web", "purchase")
        for quarter, nps_promoter, nps_detractor in ((0, 0.6, 0.15), (1, 0.25, 0.4)):
            day = 91 * quarter + rng.uniform(5, 85)
            u = rng.random()
            score = 10 if u < nps_promoter else (3 if u < nps_promoter + nps_detractor else 8)
            answer(cid, day, "nps", score, NPS_SCALE, stage="buy", channel="web")
            answer(cid, day, "csat", rng.choice([4, 5, 5, 3]), CSAT_5, stage="buy", channel="web")
            channel = ("phone", "chat", "email")[c % 3]
            ticket = f"t{c}-{quarter}"
            t = 91 * quarter + rng.uniform(2, 80)
            event(cid, t, "support", channel, "ticket.created", journey_instance=ticket)
            event(
                cid,
                t + 1,
                "support",
                channel,
                "ticket.solved",
                journey_instance=ticket,
                durations={"first_reply": 3600.0 * rng.uniform(1, 5), "full_resolution": 86400.0},
            )
            good = rng.random() < (0.2 if channel == "phone" else 0.9)
            answer(
                cid,
                t + 1.5,
                "csat",
                rng.choice([4, 5]) if good else rng.choice([1, 2]),
                CSAT_5,
                stage="support",
                channel=channel,
                journey_instance=ticket,
            )
            if c % 2 == 0:
                answer(
                    cid,
                    t + 1.6,
                    "csat",
                    1.0 if good else 0.0,
                    CSAT_GOOD_BAD,
                    stage="support",
                    channel=channel,
                    source="zendesk",
                )
    # The last event on the last day of Q2, so Q2 counts as a full quarter of data.
    event("c0", 181.5, "buy", "web", "visit")
    return {"customer": customers, "interaction": interactions, "response": responses}


DATA = company()


def _store(store: DuckDBStore) -> DuckDBStore:
    for kind in ("customer", "interaction", "response"):
        store.write(kind, DATA[kind])
    return store


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return Workspace(journey=journey(), store=_store(DuckDBStore(":memory:")))


@pytest.fixture(scope="module")
def doc(ws: Workspace) -> dict[str, Any]:
    return dict(build_document(ws))


def _kpi(doc: dict[str, Any], kpi_id: str) -> dict[str, Any]:
    return next(k for k in doc["kpis"] if k["id"] == kpi_id)


# -- the document -------------------------------------------------------------------------------


def test_the_document_validates_and_covers_the_last_full_quarter(doc: dict[str, Any]) -> None:
    validate_document(doc)
    meta = doc["meta"]
    assert meta["period"] == {
        "start": "2024-04-01T00:00:00Z",
        "end": "2024-07-01T00:00:00Z",
        "label": "Q2 2024",
    }
    assert meta["previous_period"]["label"] == "Q1 2024"
    assert {s["name"] for s in meta["sources"]} == {"crm", "zendesk"}
    for section in ("journey_map", "experience_curve", "funnel", "breaks", "ipa", "trends"):
        assert doc[section] is not None, section


def test_the_planted_nps_drop_is_significant_and_marked_worse(doc: dict[str, Any]) -> None:
    nps = _kpi(doc, "nps")
    assert nps["change"]["significant"] is True
    assert nps["change"]["delta"] < -30
    assert nps["previous"] > nps["value"]
    assert nps["interval"]["low"] <= nps["value"] <= nps["interval"]["high"]
    assert nps["direction"] == "higher_is_better"
    # The monthly trend shows the fall too: one significant point at the quarter change.
    series = next(s for s in doc["trends"]["series"] if s["kpi"] == "nps")
    assert [p["label"] for p in series["points"]][-6:] == [
        "Jan 2024",
        "Feb 2024",
        "Mar 2024",
        "Apr 2024",
        "May 2024",
        "Jun 2024",
    ]
    april = next(p for p in series["points"] if p["label"] == "Apr 2024")
    assert april["significant"] is True
    assert april["low"] <= april["value"] <= april["high"]


def test_the_weak_touchpoint_is_the_first_priority(doc: dict[str, Any]) -> None:
    items = sorted(doc["ipa"]["items"], key=lambda i: i["rank"])
    first = items[0]
    assert first["id"] == "support.phone"
    assert first["quadrant"] == "concentrate here"
    assert first["label"] == "Phone"
    assert first["importance"] == 100.0
    assert first["performance"] < 40
    assert {i["id"] for i in items} == {"support.phone", "support.chat", "support.email", "buy.web"}
    cell = next(c for c in doc["journey_map"]["cells"] if c["touchpoint"] == "support.phone")
    assert cell["moment_of_truth"] is True
    assert cell["importance"] == 100.0
    assert cell["value"] is not None and cell["value"] < 40 and cell["n"] > 50


def test_csat_on_two_scales_becomes_two_kpis_never_rebucketed(doc: dict[str, Any]) -> None:
    ids = [k["id"] for k in doc["kpis"]]
    assert "csat" in ids and "csat_zendesk" in ids
    survey, zendesk = _kpi(doc, "csat"), _kpi(doc, "csat_zendesk")
    # 1-5 answers from crm (buy + support: 2 per customer and quarter); good/bad from zendesk.
    assert survey["n"] == 800
    assert zendesk["n"] == 200
    assert "zendesk" in zendesk["label"] and "0-1" in zendesk["label"]


def test_kpis_without_inputs_are_left_out_not_zero(doc: dict[str, Any]) -> None:
    ids = {k["id"] for k in doc["kpis"]}
    # No CES answers, no churn dates on the customers: no card rather than a 0.
    assert "ces" not in ids
    assert "churn_rate" not in ids
    assert {"nps", "first_reply_time", "full_resolution_time", "ticket_resolution_rate"} <= ids


def test_funnel_breaks_and_curve_come_from_the_journeys(doc: dict[str, Any]) -> None:
    funnel = doc["funnel"]
    assert [s["stage"] for s in funnel["steps"]] == ["discover", "buy", "support"]
    assert funnel["steps"][0]["step"] is None
    counts = [s["count"] for s in funnel["steps"]]
    assert counts == sorted(counts, reverse=True) and counts[0] == 400
    rules = {r["rule"] for r in doc["breaks"]["rows"]}
    assert {"channel_switch", "repeat_contact", "reopen", "moment_of_truth"} <= rules
    whole = [r for r in doc["breaks"]["rows"] if r["touchpoint"] is None]
    assert len(whole) == len(rules)
    mot = next(r for r in whole if r["rule"] == "moment_of_truth")
    assert mot["rate"]["count"] > 0  # bad phone answers at a moment of truth
    curve = {p["stage"]: p for p in doc["experience_curve"]["points"]}
    assert curve["support"]["label"] == "Get help"
    assert curve["buy"]["value"] > curve["support"]["value"]


def test_an_explicit_period_and_no_comparison(ws: Workspace) -> None:
    doc = build_document(ws, period="2024-Q1", compare=None, kpis=["nps"], title="Q1")
    assert doc["meta"]["period"]["label"] == "Q1 2024"
    assert doc["meta"]["previous_period"] is None
    assert doc["meta"]["title"] == "Q1"
    (nps,) = doc["kpis"]
    assert nps["change"] is None
    assert nps["value"] is not None and nps["value"] > 30


def test_settings_choose_the_performance_metric(ws: Workspace) -> None:
    doc = build_document(
        ws, kpis=["nps"], ipa_metric="score", settings=ReportSettings(ipa_crosshair="midpoint")
    )
    ipa = doc["ipa"]
    assert ipa is not None
    assert ipa["crosshair"] == {"importance": 50.0, "performance": 50.0}
    assert sorted(ipa["items"], key=lambda i: i["rank"])[0]["id"] == "support.phone"
    assert "Mean normalised answer" in ipa.get("importance_method", "")


def test_without_journey_the_journey_sections_are_not_computed() -> None:
    ws = Workspace(store=_store(DuckDBStore(":memory:")))
    doc = build_document(ws, kpis=["nps", "csat"])
    assert "journey_map" not in doc and "ipa" not in doc
    assert {k["id"] for k in doc["kpis"]} == {"nps", "csat", "csat_zendesk"}


def test_an_empty_store_gives_notes_not_errors() -> None:
    ws = Workspace(journey=journey(), store=DuckDBStore(":memory:"))
    doc = build_document(ws)
    assert doc["kpis"] == []
    assert doc["funnel"] is not None and doc["funnel"]["steps"] == []
    assert doc["funnel"].get("note")
    assert doc["ipa"] is not None and doc["ipa"]["items"] == [] and doc["ipa"].get("note")
    assert "No KPI" in summary_text(doc)


def test_unknown_metrics_and_bad_periods_are_clear_errors(ws: Workspace) -> None:
    with pytest.raises(MetricDefinitionError, match="unknown metric 'npss'"):
        build_document(ws, kpis=["npss"])
    with pytest.raises(ConfigError, match="period"):
        build_document(ws, period="last spring")
    with pytest.raises(ConfigError, match="after the start"):
        build_document(ws, period="2024-05-01..2024-04-01")


def test_parse_period_forms() -> None:
    def days(spec: Any) -> tuple[str, str]:
        got = parse_period(spec)
        assert got is not None
        return got[0].date().isoformat(), got[1].date().isoformat()

    assert days("2024-Q4") == ("2024-10-01", "2025-01-01")
    assert days("2024-02") == ("2024-02-01", "2024-03-01")
    assert days("2024") == ("2024-01-01", "2025-01-01")
    assert days("2024-01-15..2024-02-15") == ("2024-01-15", "2024-02-15")
    assert days(("2024-01-01", "2024-01-08")) == ("2024-01-01", "2024-01-08")
    assert parse_period(None) is None
    start = parse_period("2024-Q1", "Europe/Paris")
    assert start is not None and start[0].isoformat() == "2024-01-01T00:00:00+01:00"


def test_write_report_writes_both_files(ws: Workspace, tmp_path: Path) -> None:
    paths = write_report(ws, tmp_path / "out", kpis=["nps", "csat"])
    html = paths.html.read_text(encoding="utf-8")
    data = json.loads(paths.json.read_text(encoding="utf-8"))
    assert "<svg" in html and "Q2 2024" in html
    validate_document(data)
    assert data["schema"].startswith("https://cxcore.dev/schemas/report/")


def test_summary_fits_80_columns(doc: dict[str, Any]) -> None:
    text = summary_text(doc)  # type: ignore[arg-type]
    assert all(len(line) <= 80 for line in text.splitlines())
    assert "Net Promoter Score" in text and "worse" in text
    summary = summary_dict(doc)  # type: ignore[arg-type]
    assert summary["priorities"][0]["id"] == "support.phone"


# -- the CLI -----------------------------------------------------------------------------------


JOURNEY_TOML = """
[project]
name = "shop"

[journey]
id = "shop"
name = "Shop"
[[journey.stages]]
id = "discover"
[[journey.stages]]
id = "buy"
[[journey.stages]]
id = "support"
[[journey.channels]]
id = "web"
[[journey.channels]]
id = "phone"
[[journey.channels]]
id = "chat"
[[journey.channels]]
id = "email"
[[journey.touchpoints]]
stage = "buy"
channel = "web"
importance = 4
[[journey.touchpoints]]
stage = "support"
channel = "phone"
importance = 5
moment_of_truth = true
[[journey.touchpoints]]
stage = "support"
channel = "chat"
importance = 4
[[journey.touchpoints]]
stage = "support"
channel = "email"
importance = 3

[store]
plugin = "duckdb"
path = "store.duckdb"
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    config = root / "cxcore.toml"
    config.write_text(JOURNEY_TOML, encoding="utf-8")
    with Workspace.from_config(config) as ws:
        for kind in ("customer", "interaction", "response"):
            ws.store.write(kind, DATA[kind])
    return config


def test_cli_report_writes_the_files_and_prints_their_paths(project: Path) -> None:
    out = project.parent / "report"
    result = CliRunner().invoke(cli, ["--config", str(project), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists() and (out / "report.json").exists()
    assert str(out / "report.html") in result.output
    assert "Net Promoter Score" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines() if "report" not in line)


def test_cli_report_json_summary_and_period(project: Path) -> None:
    out = project.parent / "q1"
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(project),
            "report",
            "--out",
            str(out),
            "--period",
            "2024-01-01..2024-04-01",
            "--kpi",
            "nps,csat",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["html"] == str(out / "report.html")
    assert data["period"]["label"] == "Q1 2024"
    assert [k["id"] for k in data["kpis"]] == ["nps", "csat", "csat_zendesk"]
    assert data["priorities"][0]["id"] == "support.phone"


def test_cli_report_bad_period_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cxcore.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["--config", str(project), "report", "--period", "soon"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: period 'soon'") and len(err.strip().splitlines()) == 1


def test_report_reads_the_project_name_from_the_config(project: Path) -> None:
    with Workspace.from_config(project) as ws:
        doc = build_document(ws, kpis=["nps"])
    assert doc["meta"]["project"] == "shop"


def test_journey_scope_period_and_an_unbounded_ipa_metric(ws: Workspace) -> None:
    doc = build_document(ws, kpis=["nps"], settings=ReportSettings(journey_scope="period"))
    funnel = doc["funnel"]
    assert funnel is not None and "events of Q2 2024 only" in funnel.get("note", "")
    # Q2 holds no discover events: the funnel starts where Q2's journeys are.
    assert funnel["steps"][0]["stage"] != "discover"
    with pytest.raises(MetricDefinitionError, match="bounded range"):
        build_document(ws, kpis=["nps"], ipa_metric="first_reply_time")
