"""``cxcore journeys ...``: every analysis as an 80-column table and as its ``as_dict()`` JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cxcore import Workspace
from cxcore.cli.main import cli, main
from cxcore.journeys import FunnelConfig, LoadConfig, load_events, stage_funnel

CONFIG = """
[project]
name = "cli-journeys"

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
id = "chat"
[[journey.channels]]
id = "phone"
[[journey.touchpoints]]
stage = "support"
channel = "phone"
importance = 5
moment_of_truth = true
[[journey.touchpoints]]
stage = "support"
channel = "chat"
importance = 4

[store]
plugin = "duckdb"
path = "store.duckdb"
"""

SUBCOMMANDS = ("funnel", "timing", "paths", "breaks", "curve", "map", "all")


def _ts(day: float) -> str:
    hours = int(round(day * 24))
    return f"2024-01-{1 + hours // 24:02d}T{hours % 24:02d}:00:00Z"


def _records() -> dict[str, list[dict[str, Any]]]:
    interactions: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []

    def event(cid: str, day: float, stage: str, channel: str, type_: str, ji: str | None) -> None:
        rec = {
            "source": "crm",
            "id": f"i{len(interactions)}",
            "type": type_,
            "occurred_at": _ts(day),
            "customer_id": cid,
            "stage": stage,
            "channel": channel,
        }
        if ji:
            rec["journey_instance"] = ji
        interactions.append(rec)

    for c in range(40):
        cid = f"c{c}"
        event(cid, 0.5, "discover", "web", "visit", None)
        if c % 2 == 0:
            event(cid, 1.5, "buy", "web", "purchase", None)
        if c % 4 == 0:
            # A chat ticket, then the customer calls before it is solved: a channel switch.
            event(cid, 3, "support", "chat", "ticket.created", f"t{c}")
            event(cid, 3.5, "support", "phone", "ticket.created", f"t{c}b")
            event(cid, 4, "support", "phone", "ticket.solved", f"t{c}b")
            responses.append(
                {
                    "source": "crm",
                    "id": f"r{c}",
                    "item": "csat",
                    "value": 1 if c % 8 == 0 else 5,
                    "scale": {"min": 1, "max": 5},
                    "occurred_at": _ts(4.5),
                    "customer_id": cid,
                    "stage": "support",
                    "channel": "phone",
                }
            )
    return {"interaction": interactions, "response": responses}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("journeys-cli")
    config = root / "cxcore.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with Workspace.from_config(config) as ws:
        for kind, records in _records().items():
            ws.store.write(kind, records)  # type: ignore[arg-type]
    return config


def run(project: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(project), "journeys", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_tables_fit_80_columns(project: Path, command: str) -> None:
    out = run(project, command)
    assert out.strip()
    too_long = [line for line in out.splitlines() if len(line) > 80]
    assert too_long == []


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_json_is_the_analysis_as_dict(project: Path, command: str) -> None:
    data = json.loads(run(project, command, "--format", "json"))
    expected_keys = {
        "funnel": {"steps", "n_units", "breakdowns"},
        "timing": {"transitions", "censoring"},
        "paths": {"top", "other_count", "n_units"},
        "breaks": {"rules", "confidence"},
        "curve": {"points", "by_segment"},
        "map": {"cells", "stages", "channels", "statistic"},
        "all": {"summary", "funnel", "time_to_next", "paths", "breaks", "curve", "maps"},
    }[command]
    assert expected_keys <= set(data)


def test_funnel_json_matches_the_python_api(project: Path) -> None:
    data = json.loads(run(project, "funnel", "--format", "json", "--window", "30"))
    with Workspace.from_config(project) as ws:
        assert ws.journey is not None
        log = load_events(ws.store, ws.journey, LoadConfig())
        expected = stage_funnel(
            log, FunnelConfig(steps=("discover", "buy", "support"), window=None)
        ).as_dict()
    assert [s["reached"] for s in data["steps"]] == [s["reached"] for s in expected["steps"]]
    assert [s["reached"] for s in data["steps"]] == [40, 20, 10]
    assert data["window"] == 30 * 86400


def test_funnel_options(project: Path) -> None:
    data = json.loads(
        run(
            project,
            "funnel",
            "--steps",
            "discover,support",
            "--unit",
            "instance",
            "--format",
            "json",
        )
    )
    assert [s["stage"] for s in data["steps"]] == ["discover", "support"]
    assert data["unit"] == "instance"


def test_breaks_find_the_planted_switch(project: Path) -> None:
    data = json.loads(run(project, "breaks", "--format", "json"))
    switch = next(r for r in data["rules"] if r["name"] == "channel_switch")
    assert switch["overall"]["count"] == 10
    table = run(project, "breaks", "--rule", "channel_switch")
    assert "at support.chat: 100.0%" in table


def test_map_metrics(project: Path) -> None:
    score = json.loads(run(project, "map", "--format", "json"))
    phone = next(c for c in score["cells"] if c["touchpoint"] == "support.phone")
    assert phone["n"] == 10 and phone["moment_of_truth"] is True
    assert "support.phone" in run(project, "map", "--metric", "break:channel_switch")
    counts = json.loads(run(project, "map", "--metric", "interactions", "--format", "json"))
    assert counts["statistic"] == "count"


def test_paths_by_touchpoint_add_up(project: Path) -> None:
    data = json.loads(run(project, "paths", "--by", "touchpoint", "--top", "1", "--format", "json"))
    assert sum(v["count"] for v in data["top"]) + data["other_count"] == data["n_units"]


def test_from_and_to_bound_the_events(project: Path) -> None:
    data = json.loads(run(project, "all", "--from", "2024-01-03", "--format", "json"))
    assert data["summary"]["n_interactions"] == 30  # only the support events


def test_errors_are_one_line(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = tmp_path / "cxcore.toml"
    bare.write_text(
        '[project]\nname = "none"\n[store]\nplugin = "duckdb"\npath = ":memory:"\n',
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(bare), "journeys", "funnel"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: journey analyses need a journey") and err.count("\n") == 1
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(project), "journeys", "map", "--metric", "nonsense"])
    assert exc.value.code == 2
    assert "break:RULE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["--config", str(project), "journeys", "funnel", "--from", "someday"])
    assert exc.value.code == 2


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_help(command: str) -> None:
    result = CliRunner().invoke(cli, ["journeys", command, "--help"])
    assert result.exit_code == 0 and "--format" in result.output
