"""``cxcore metrics list | compute | ipa`` against a project on disk."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from cxcore import Workspace
from cxcore.cli.main import cli, main
from cxcore.schemas import SchemaRegistry

from .conftest import CSAT, NPS, answers

PROJECT = textwrap.dedent(
    """
    [project]
    name = "cli"
    timezone = "Europe/Paris"

    [journey]
    id = "j"
    name = "J"
    [[journey.stages]]
    id = "buy"
    [[journey.stages]]
    id = "support"
    [[journey.channels]]
    id = "web"
    [[journey.channels]]
    id = "phone"
    [[journey.touchpoints]]
    stage = "support"
    channel = "phone"
    importance = 5
    [[journey.touchpoints]]
    stage = "buy"
    channel = "web"
    importance = 2

    [store]
    plugin = "duckdb"
    path = "store.duckdb"

    [metrics.tickets]
    type = "count"
    where = { type = "ticket.created" }
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "cxcore.toml"
    path.write_text(PROJECT, encoding="utf-8")
    records = (
        answers(
            "nps",
            [10] * 6 + [3] * 4,
            NPS,
            stage="support",
            channel="phone",
            occurred_at="2024-01-10T10:00:00Z",
        )
        + answers(
            "nps",
            [10] * 8 + [8] * 2,
            NPS,
            stage="support",
            channel="phone",
            occurred_at="2024-02-10T10:00:00Z",
        )
        + answers(
            "csat",
            [5] * 3 + [1] * 7,
            CSAT,
            stage="support",
            channel="phone",
            occurred_at="2024-02-10T10:00:00Z",
        )
        + answers(
            "csat",
            [5] * 9 + [1],
            CSAT,
            stage="buy",
            channel="web",
            occurred_at="2024-02-10T10:00:00Z",
        )
    )
    with Workspace.from_config(path) as ws:
        assert not ws.ingest(records, source="test").rejected
    return path


def test_list_shows_the_catalogue_and_declared_metrics(project: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["--config", str(project), "metrics", "list"])
    assert out.exit_code == 0, out.output
    assert "nps " in out.output and "Net Promoter Score" in out.output
    assert "tickets" in out.output and "cxcore.toml" in out.output
    out = runner.invoke(cli, ["--config", str(project), "metrics", "list", "--format", "json"])
    data = json.loads(out.output)
    ces = next(d for d in data if d["id"] == "ces")
    assert ces["scale"]["direction"] == "higher_is_better" and ces["provider"] == "catalogue"
    validator = SchemaRegistry.builtin().validator("metric-definition")
    for d in data:
        d.pop("provider")
        assert validator.is_valid(d), validator.errors(d)


def test_compute_table_json_and_csv(project: Path) -> None:
    runner = CliRunner()
    args = [
        "--config",
        str(project),
        "metrics",
        "compute",
        "nps",
        "csat",
        "--by",
        "touchpoint",
        "--grain",
        "month",
        "--compare",
    ]
    out = runner.invoke(cli, args)
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].split() == [
        "metric",
        "touchpoint",
        "period",
        "n",
        "value",
        "interval",
        "change",
        "flags",
    ]
    feb_nps = next(line for line in lines if line.startswith("nps") and "2024-02-01" in line)
    assert "support.phone" in feb_nps and "80.0" in feb_nps and "+60.0" in feb_nps
    assert "low n" in feb_nps
    out = runner.invoke(cli, [*args, "--format", "json"])
    records = json.loads(out.output)
    validator = SchemaRegistry.builtin().validator("metric-result")
    assert all(validator.is_valid(r) for r in records)
    feb = next(
        r for r in records if r["metric"] == "nps" and r["period"]["start"].startswith("2024-02")
    )
    assert feb["change"]["method"] == "adjusted_wald_z" and feb["change"]["delta"] == 60.0
    out = runner.invoke(cli, [*args, "--format", "csv"])
    header = out.output.splitlines()[0]
    assert header.startswith("metric,touchpoint,period_start")
    assert len(out.output.splitlines()) == len(records) + 1


def test_compute_with_a_period_and_thresholds(project: Path) -> None:
    out = CliRunner().invoke(
        cli,
        [
            "--config",
            str(project),
            "metrics",
            "compute",
            "csat",
            "--from",
            "2024-02-01",
            "--to",
            "2024-03-01",
            "--min-n",
            "5",
            "--format",
            "json",
        ],
    )
    (r,) = json.loads(out.output)
    assert r["n"] == 20 and r["value"] == 60.0 and r["low_sample"] is False
    assert r["period"]["grain"] == "window"


def test_ipa_command(project: Path) -> None:
    out = CliRunner().invoke(cli, ["--config", str(project), "metrics", "ipa", "--metric", "csat"])
    assert out.exit_code == 0, out.output
    first = out.output.splitlines()[2].split()
    assert first[:2] == ["1", "support.phone"] and "concentrate" in out.output
    out = CliRunner().invoke(
        cli,
        ["--config", str(project), "metrics", "ipa", "--format", "json", "--crosshair", "midpoint"],
    )
    data = json.loads(out.output)
    assert data["crosshair"]["mode"] == "midpoint" and data["rows"][0]["id"] == "support.phone"


def test_help_texts() -> None:
    runner = CliRunner()
    for cmd in (
        ["metrics", "--help"],
        ["metrics", "compute", "--help"],
        ["metrics", "list", "--help"],
        ["metrics", "ipa", "--help"],
    ):
        out = runner.invoke(cli, cmd)
        assert out.exit_code == 0 and "Usage:" in out.output
    assert (
        "--grain [day|week|month|quarter|year]"
        in runner.invoke(cli, ["metrics", "compute", "--help"]).output
    )


def test_errors_are_one_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--config", str(project), "metrics", "compute", "npx"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown metric 'npx'") and err.count("\n") == 1


def test_compute_everything_by_default(project: Path) -> None:
    out = CliRunner().invoke(cli, ["--config", str(project), "metrics", "compute"])
    assert out.exit_code == 0, out.output
    assert {line.split()[0] for line in out.output.splitlines()[2:]} == {"nps", "csat"}
