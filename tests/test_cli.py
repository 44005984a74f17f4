"""The cxcore command: exit codes, formats, one-line errors, --help everywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from cxcore.cli import cli


@pytest.fixture
def project(tmp_path: Path, examples_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "project"
    shutil.copytree(examples_dir, project)
    monkeypatch.chdir(project)
    return project


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cxcore", *args], capture_output=True, text=True)


def test_ingest_exit_codes_and_summary(project: Path) -> None:
    ok = run("ingest", "customers.jsonl", "interactions.jsonl", "responses.csv")
    again = run("ingest", "customers.jsonl", "--format", "json")
    partial = run("ingest", "some-invalid.jsonl")
    usage = run("ingest", "missing.jsonl")

    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(
        "accepted 240 record(s): 240 new, 0 updated, 0 unchanged; rejected 0"
    )
    assert again.returncode == 0 and json.loads(again.stdout)["unchanged"] == 40
    assert partial.returncode == 1
    assert "some-invalid.jsonl:1: /value: 11 is outside the scale 0..10" in partial.stdout
    assert "some-invalid.jsonl:3: /type: required field is missing" in partial.stdout
    assert usage.returncode == 2


def test_status_shows_what_was_stored(project: Path) -> None:
    run("ingest", "customers.jsonl", "some-invalid.jsonl")

    out = run("status", "--format", "json")

    data = json.loads(out.stdout)
    assert data["records"] == [
        {"kind": "customer", "source": "crm", "records": 40},
        {"kind": "response", "source": "survey", "records": 1},
    ]
    assert data["rejected"] == 3


def test_validate_reports_every_error_with_its_line(project: Path) -> None:
    out = run("validate", "--schema", "response", "some-invalid.jsonl", "--format", "json")

    data = json.loads(out.stdout)
    assert out.returncode == 1
    assert data["checked"] == 4
    assert {(e["locator"], e["pointer"]) for e in data["errors"]} >= {
        ("some-invalid.jsonl:2", "/occurred_at"),
        ("some-invalid.jsonl:3", "/item"),
    }


def test_configuration_errors_are_one_line_with_exit_2(project: Path) -> None:
    (project / "cxcore.toml").write_text("[store]\nplugin = 3\n")

    out = run("status")
    debug = run("--debug", "status")

    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "error: cxcore.toml: store.plugin: expected string, got 3"
    ]
    assert "Traceback" in debug.stderr


def test_init_writes_a_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "cxcore.toml"

    first = run("init", str(target))
    second = run("init", str(target))

    assert first.returncode == 0 and "[journey]" in target.read_text()
    assert second.returncode == 2 and "already exists" in second.stderr


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in group.commands.items():
        out.append((*prefix, name))
        if isinstance(cmd, click.Group):
            out += _commands(cmd, (*prefix, name))
    return out


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 3
