"""The demo end to end: ``cxcore demo`` once, then what its report says and what it leaks.

One module-scoped run of the real command (in-process, so its credentials can be fixed and
checked for leaks) with the default 5,000 customers: about 15 s. Every planted truth of
:mod:`cxcore_demo.company` must be found in the report's JSON, by the analyses, from data
that went through the vendor stand-ins and the source plugins.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import cxcore_demo
import pytest
from click.testing import CliRunner
from cxcore_demo import company
from cxcore_demo.run import (
    ENV_HASH_KEY,
    ENV_HUBSPOT_TOKEN,
    ENV_MEDALLIA_SECRET,
    ENV_ZENDESK_TOKEN,
    DemoCredentials,
)

from cxcore.cli.main import cli as root_cli
from cxcore.report import SECTIONS, validate_document

CREDENTIALS = DemoCredentials(
    zendesk_token="zd-token-4f1c9e0b7a2d6e83",
    hubspot_token="pat-demo-hs-9b3e51c07d2a4f68",
    medallia_secret="medallia-secret-c2f8a61e0d94b375",
    hash_key="hash-key-7d0e3b9a51c4f286e1a9",
)


@dataclass
class Run:
    out: Path
    stdout: str
    stderr: str
    logs: str
    document: dict[str, Any]
    html: str


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    out = tmp_path_factory.mktemp("demo") / "out"
    group = click.Group(commands=dict(root_cli.commands))
    cxcore_demo.cxcore_commands(group)  # what `cxcore` does through the entry point
    handler = _Collect()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DemoCredentials, "generate", classmethod(lambda cls: CREDENTIALS))
        for name in (ENV_ZENDESK_TOKEN, ENV_HUBSPOT_TOKEN, ENV_MEDALLIA_SECRET, ENV_HASH_KEY):
            mp.delenv(name, raising=False)
        try:
            result = CliRunner().invoke(group, ["demo", "--out", str(out)], catch_exceptions=False)
        finally:
            root.removeHandler(handler)
            root.setLevel(old_level)
        env_after = {n: os.environ.get(n) for n in (ENV_ZENDESK_TOKEN, ENV_HASH_KEY)}
    assert result.exit_code == 0, result.output
    assert env_after == {ENV_ZENDESK_TOKEN: None, ENV_HASH_KEY: None}, "environment not restored"
    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    yield Run(
        out=out,
        stdout=result.stdout,
        stderr=result.stderr,
        logs="\n".join(handler.lines),
        document=document,
        html=(out / "report.html").read_text(encoding="utf-8"),
    )


# -- the run and its files ------------------------------------------------------------------


def test_the_report_is_written_and_valid(run: Run) -> None:
    assert (run.out / "cxcore.toml").is_file()
    assert (run.out / "store.duckdb").is_file()
    validate_document(run.document)  # raises on any problem
    assert run.document["meta"]["project"] == company.COMPANY_NAME
    names = {s["name"] for s in run.document["meta"]["sources"]}
    assert names == {"zendesk", "hubspot", "medallia"}


def test_the_html_has_every_section(run: Run) -> None:
    assert run.html.startswith("<!DOCTYPE html>") or run.html.lower().startswith("<!doctype html>")
    for section, heading in SECTIONS:
        assert f'id="{section}"' in run.html, section
        assert heading in run.html, heading
    assert "<script src=" not in run.html and "https://" not in run.html.split("<body", 1)[0]
    assert "<svg" in run.html


def test_progress_goes_to_stderr_with_records_and_time(run: Run) -> None:
    lines = run.stderr.splitlines()
    for phase in ("generate", "serve", "sync", "report"):
        assert any(f"] {phase}" in line for line in lines), phase
    assert any("zendesk/tickets" in line and "records" in line for line in lines)
    assert any("medallia/feedback" in line for line in lines)
    assert all(line.startswith("[") and "s]" in line for line in lines)


def test_the_summary_fits_80_columns(run: Run) -> None:
    table, _, tail = run.stdout.partition("\nSynced ")
    assert tail, run.stdout
    assert all(len(line) <= 80 for line in table.splitlines()), table
    assert "Net Promoter Score" in table
    lines = table.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("#  priority"))
    priorities = lines[header + 2 : header + 5]
    assert len(priorities) == 3
    assert priorities[0].startswith("1  Get support · Phone")
    assert str(run.out / "report.html") in run.stdout


def test_every_stream_synced_without_rejections(run: Run) -> None:
    counts = {s["name"]: s["records"] for s in run.document["meta"]["sources"]}
    assert counts["zendesk"] > 10_000 and counts["hubspot"] > 20_000 and counts["medallia"] > 5_000
    assert "rejected" not in run.stdout.lower() or "0 rejected" in run.stdout.lower()


# -- the planted truths -----------------------------------------------------------------------


def test_a_phone_support_is_the_top_priority(run: Run) -> None:
    items = sorted(run.document["ipa"]["items"], key=lambda i: i["rank"])
    top = items[0]
    assert top["id"] == company.PLANTED_PRIORITY == "support.phone"
    assert top["rank"] == 1
    assert top["quadrant"] == "concentrate here"
    assert top["importance"] == 100.0  # 5 on 1-5
    # Clearly the worst touchpoint: 15 points below any other.
    others = [i["performance"] for i in items[1:]]
    assert top["performance"] < min(others) - 15
    assert top["gap"] == max(i["gap"] for i in items)
    # The journey map (same metric) agrees.
    cells = {c["touchpoint"]: c for c in run.document["journey_map"]["cells"] if c["n"]}
    worst = min(cells.values(), key=lambda c: c["value"])
    assert worst["touchpoint"] == "support.phone"


def _channel_rate(run: Run, label: str) -> dict[str, Any]:
    rows = [
        r
        for r in run.document["breaks"]["rows"]
        if r["rule"] == "channel_switch" and r["touchpoint"] is None
    ]
    assert len(rows) == 1
    found = {c["channel"]: c["rate"] for c in rows[0]["by_channel"]}
    return found[label]


def test_b_chat_switches_to_phone_twice_as_often_as_email(run: Run) -> None:
    labels = dict(company.CHANNELS)
    chat = _channel_rate(run, labels["chat"])
    email = _channel_rate(run, labels["email"])
    assert chat["n"] > 500 and email["n"] > 500
    ratio = chat["rate"] / email["rate"]
    assert 1.6 <= ratio <= 2.5, (chat, email)
    assert abs(chat["rate"] - company.SWITCH_TO_PHONE["chat"]) < 0.04
    assert abs(email["rate"] - company.SWITCH_TO_PHONE["email"]) < 0.03
    assert chat["low"] > email["high"], "the Wilson intervals overlap"


def test_c_nps_drops_significantly_in_the_planted_quarter(run: Run) -> None:
    meta = run.document["meta"]
    start, end = company.PLANTED_NPS_QUARTER
    assert (meta["period"]["start"], meta["period"]["end"]) == (start, end)
    nps = next(k for k in run.document["kpis"] if k["id"] == "nps")
    change = nps["change"]
    assert change is not None
    assert change["delta"] < -10
    assert change["significant"] is True and change["p_value"] < 0.001
    # The monthly trend marks the first month of the quarter as a significant drop.
    series = next(s for s in run.document["trends"]["series"] if s["kpi"] == "nps")
    points = {p["start"][:7]: p for p in series["points"]}
    first = points[start[:7]]
    before = points["2024-09"]
    assert first["value"] < before["value"] - 10
    assert first["significant"] is True


# -- secrets ----------------------------------------------------------------------------------


def test_no_credential_leaks_anywhere(run: Run) -> None:
    config = (run.out / "cxcore.toml").read_text(encoding="utf-8")
    assert f'{{ env = "{ENV_ZENDESK_TOKEN}" }}' in config
    blobs: dict[str, bytes] = {
        "html": run.html.encode(),
        "json": (run.out / "report.json").read_bytes(),
        "config": config.encode(),
        "stdout": run.stdout.encode(),
        "stderr": run.stderr.encode(),
        "logs": run.logs.encode(),
    }
    for path in run.out.iterdir():
        if path.name.startswith("store.duckdb"):
            blobs[path.name] = path.read_bytes()
    assert "store.duckdb" in blobs
    for secret in CREDENTIALS.values():
        for where, blob in blobs.items():
            assert secret.encode() not in blob, f"a demo credential appears in {where}"
    assert "zd-token" not in repr(CREDENTIALS)


# -- the company on its own (fast) -------------------------------------------------------------


def test_the_company_is_deterministic() -> None:
    a = company.build_company(300, seed=3)
    b = company.build_company(300, seed=3)
    c = company.build_company(300, seed=4)
    assert json.dumps(a.zendesk, sort_keys=True) == json.dumps(b.zendesk, sort_keys=True)
    assert a.medallia == b.medallia and a.hubspot == b.hubspot
    assert a.medallia != c.medallia


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_planted_rates_hold_for_other_seeds(seed: int) -> None:
    c = company.build_company(2_000, seed=seed)
    facts = c.facts
    rate = {k: facts["switches"][k] / facts["switch_opportunities"][k] for k in ("chat", "email")}
    assert abs(rate["chat"] - 0.24) < 0.01 and abs(rate["email"] - 0.12) < 0.01
    # Satisfied share per touchpoint in the raw Medallia records: phone support is the worst.
    seen: dict[str, list[int]] = {}
    for r in c.medallia["records"]:
        seen.setdefault(f"{r['e_touchpoint']}.{r['e_channel']}", []).append(
            int(r["q_osat_1to5"]) >= 4
        )
    shares = {k: sum(v) / len(v) for k, v in seen.items() if len(v) >= 50}
    assert min(shares, key=lambda k: shares[k]) == "support.phone"


def test_the_same_people_are_in_every_tool() -> None:
    c = company.build_company(200, seed=5)
    hubspot = {r["properties"]["email"] for r in c.hubspot["contacts"]}
    zendesk = {u["email"] for u in c.zendesk["users"] if u["role"] == "end-user"}
    medallia = {r["e_email"] for r in c.medallia["records"]}
    assert zendesk <= hubspot and medallia <= hubspot
    assert len(hubspot) == 200


def test_the_hubspot_standin_serves_deal_contacts() -> None:
    import requests
    from cxcore_demo.standins import DemoHubSpotStandin

    deal = {
        "id": "7",
        "properties": {"dealname": "x", "createdate": "2024-01-01T00:00:00Z"},
        "associations": {"contacts": {"results": [{"id": "42", "type": "deal_to_contact"}]}},
    }
    with DemoHubSpotStandin(deals=[deal], token="t") as api:
        answer = requests.post(
            api.url("/crm/v4/associations/deals/contacts/batch/read"),
            json={"inputs": [{"id": "7"}, {"id": "8"}]},
            headers={"Authorization": "Bearer t"},
            timeout=10,
        )
    assert answer.status_code == 200
    assert answer.json()["results"] == [
        {
            "from": {"id": "7"},
            "to": [
                {
                    "toObjectId": 42,
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}
                    ],
                }
            ],
        }
    ]


def test_cxcore_lists_the_demo_command() -> None:
    """The entry point registers the command on the real ``cxcore`` (a fresh process)."""
    out = subprocess.run(
        [sys.executable, "-m", "cxcore", "demo", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "--customers" in out.stdout and "--seed" in out.stdout
