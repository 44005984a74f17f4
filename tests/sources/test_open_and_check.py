"""Opening sources from the configuration, check/discover/sync from Python and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import acme_plugin
import pytest
from acme_plugin import AcmeStandin
from click.testing import CliRunner

from cxcore import DuckDBStore, ProjectConfig, Workspace
from cxcore.builtins import BUILTIN_PLUGINS
from cxcore.cli import cli
from cxcore.cli._common import CliState
from cxcore.config import SourceConfig, StoreConfig, load_config
from cxcore.errors import ConfigError
from cxcore.sdk import check_sources, discover_streams, open_source, sync_sources

TOKEN = "acme-secret-token"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, cx_hash_key: str) -> None:
    monkeypatch.setenv("ACME_TOKEN", TOKEN)


def make_ws(sources: dict[str, SourceConfig]) -> Workspace:
    return Workspace(
        config=ProjectConfig(store=StoreConfig(path=None), sources=sources),
        store=DuckDBStore(":memory:"),
        plugins=[acme_plugin, *BUILTIN_PLUGINS],
        entry_points=False,
    )


def acme_config(server: AcmeStandin, **settings: Any) -> SourceConfig:
    base = {"base_url": server.base_url, "token": {"env": "ACME_TOKEN"}, "page_size": 5}
    base.update(settings)
    return SourceConfig(name="helpdesk", plugin="acme", settings=base)


def test_open_source_explains_what_is_wrong(acme: AcmeStandin) -> None:
    ws = make_ws(
        {
            "helpdesk": acme_config(acme, page_size="big"),
            "crm": SourceConfig(name="crm", plugin="hubspot"),
            "nokey": acme_config(acme, token={"env": "NOT_SET_ANYWHERE"}),
        }
    )

    with pytest.raises(ConfigError) as unknown:
        open_source(ws, "tickets")
    with pytest.raises(ConfigError) as missing_plugin:
        open_source(ws, "crm")
    with pytest.raises(ConfigError) as bad_setting:
        open_source(ws, "helpdesk")
    with pytest.raises(ConfigError) as no_env:
        open_source(ws, "nokey")

    assert "no source named 'tickets'" in str(unknown.value)
    assert "configured: crm, helpdesk, nokey" in str(unknown.value)
    assert "plugin 'hubspot' is not installed" in str(missing_plugin.value)
    assert "pip install cxcore-hubspot" in str(missing_plugin.value)
    assert str(bad_setting.value).startswith("sources.helpdesk.settings.page_size: 'big'")
    assert "NOT_SET_ANYWHERE is not set" in str(no_env.value)


def test_settings_errors_never_echo_a_secret(acme: AcmeStandin) -> None:
    ws = make_ws({"helpdesk": acme_config(acme, token={"env": "ACME_TOKEN"}, extra=TOKEN)})

    with pytest.raises(ConfigError) as err:
        open_source(ws, "helpdesk")

    assert "extra" in str(err.value)
    assert TOKEN not in str(err.value)


def test_an_inline_secret_is_accepted_with_a_warning(
    acme: AcmeStandin, caplog: pytest.LogCaptureFixture
) -> None:
    ws = make_ws({"helpdesk": acme_config(acme, token=TOKEN)})

    open_source(ws, "helpdesk").close()

    assert "sources.helpdesk.settings.token is written inline" in caplog.text
    assert TOKEN not in caplog.text


def test_check_reports_one_line_per_source(acme: AcmeStandin) -> None:
    ws = make_ws(
        {
            "good": acme_config(acme),
            "bad": acme_config(acme, token="wrong-token-999"),
            "gone": SourceConfig(name="gone", plugin="nope"),
        }
    )

    good, bad, gone = check_sources(ws)

    assert good.ok and good.line == "good (acme): authenticated as Acme admin on account acme-demo"
    assert not bad.ok and bad.line.startswith("bad (acme): GET http://127.0.0.1:")
    assert "HTTP 401" in bad.line and "check the Acme API token (settings.token)" in bad.line
    assert "wrong-token-999" not in bad.line
    assert not gone.ok and "plugin 'nope' is not installed" in gone.line


def test_check_isolates_plugin_bugs(acme: AcmeStandin, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any) -> str:
        raise RuntimeError("unexpected body")

    monkeypatch.setattr(acme_plugin.AcmeSource, "check", broken)
    ws = make_ws({"helpdesk": acme_config(acme)})

    (result,) = check_sources(ws)

    assert result.message == "plugin error: RuntimeError: unexpected body"


def test_a_broken_factory_fails_its_source_only(
    acme: AcmeStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Any, settings: Any, *, clock: Any = None) -> None:
        raise TypeError("bad wiring")

    ws = make_ws(
        {
            "broken": acme_config(acme),
            "files": SourceConfig(name="files", plugin="file", settings={"paths": []}),
        }
    )
    monkeypatch.setattr(acme_plugin.AcmeSource, "__init__", broken)

    summary = sync_sources(ws, ["broken"])
    (result,) = check_sources(ws, ["broken"])

    assert [(s.source, s.stream, s.error_type, s.error) for s in summary.streams] == [
        ("broken", "*", "PluginError", "plugin error: TypeError: bad wiring")
    ]
    assert result.message == "plugin error: TypeError: bad wiring"


def test_discover_lists_streams(acme: AcmeStandin) -> None:
    ws = make_ws({"helpdesk": acme_config(acme)})

    streams = discover_streams(ws, "helpdesk")

    assert [(s.name, s.primary_key, s.cursor_field) for s in streams] == [
        ("customers", ("id",), "updated_at"),
        ("tickets", ("id",), "updated_at"),
    ]


def test_sync_skips_disabled_sources_unless_named(acme: AcmeStandin) -> None:
    off = SourceConfig(
        name="off", plugin="acme", enabled=False, settings=acme_config(acme).settings
    )
    ws = make_ws({"helpdesk": acme_config(acme), "off": off})

    default = sync_sources(ws)
    named = sync_sources(ws, ["off", "missing"])

    assert {s.source for s in default.streams} == {"helpdesk"}
    assert default.ok and default.inserted > 0
    assert [(s.source, s.stream, s.status) for s in named.streams] == [
        ("off", "customers", "ok"),
        ("off", "tickets", "ok"),
        ("missing", "*", "failed"),
    ]


def test_a_pre_sdk_source_syncs_through_its_reader(tmp_path: Path) -> None:
    path = tmp_path / "interactions.jsonl"
    path.write_text(
        '{"kind": "interaction", "id": "a", "type": "visit", '
        '"occurred_at": "2024-01-01T00:00:00Z"}\n'
        '{"kind": "interaction", "id": "b", "type": "visit"}\n',
        encoding="utf-8",
    )
    ws = make_ws(
        {"files": SourceConfig(name="files", plugin="file", settings={"paths": [str(path)]})}
    )

    summary = sync_sources(ws)

    (stream,) = summary.streams
    assert (stream.stream, stream.inserted, stream.rejected) == ("records", 1, 1)
    assert [r["source"] for r in ws.store.records("interaction")] == ["files"]


# -- CLI -----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, acme: AcmeStandin) -> Iterator[Path]:
    """A cxcore.toml with the Acme source; the CLI's workspace gets the Acme plugin."""
    path = tmp_path / "cxcore.toml"
    path.write_text(
        f"""
[store]
plugin = "duckdb"
path = "store.duckdb"

[sources.helpdesk]
plugin = "acme"
settings = {{ base_url = "{acme.base_url}", token = {{ env = "ACME_TOKEN" }}, page_size = 5 }}

[sources.crm]
plugin = "hubspot"
enabled = false
""",
        encoding="utf-8",
    )

    def workspace(self: CliState) -> Workspace:
        if self._workspace is None:
            self._workspace = Workspace(
                config=load_config(path),
                plugins=[acme_plugin, *BUILTIN_PLUGINS],
                entry_points=False,
            )
        return self._workspace

    monkeypatch.setattr(CliState, "workspace", workspace)
    yield path


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_cli_list_and_discover(project: Path) -> None:
    listed = invoke("sources", "list")
    discovered = invoke("sources", "discover", "helpdesk")

    assert listed.exit_code == 0
    assert "helpdesk  acme     yes" in listed.stdout
    assert "crm       hubspot  no       NOT INSTALLED" in listed.stdout
    assert discovered.exit_code == 0
    assert discovered.stdout.splitlines()[2].split()[:3] == ["customers", "id", "updated_at"]


def test_cli_check(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ok = invoke("sources", "check")
    as_json = invoke("sources", "check", "helpdesk", "--format", "json")
    monkeypatch.setenv("ACME_TOKEN", "wrong-token-999")
    bad = CliRunner().invoke(cli, ["sources", "check"])

    assert ok.exit_code == 0
    assert ok.stdout == "ok: helpdesk (acme): authenticated as Acme admin on account acme-demo\n"
    assert json.loads(as_json.stdout)[0]["ok"] is True
    assert bad.exit_code == 1 and bad.stdout == ""
    assert len(bad.stderr.splitlines()) == 1
    assert bad.stderr.startswith("error: helpdesk (acme): ")


def test_cli_sync(project: Path) -> None:
    first = invoke("sources", "sync")
    second = invoke("sources", "sync", "helpdesk", "--stream", "tickets", "--format", "json")
    refresh = invoke("sources", "sync", "--full-refresh", "--quiet")

    assert first.exit_code == 0, first.output
    assert "helpdesk/tickets: 6 pages, 30 records" in first.stderr
    rows = {line.split()[1]: line.split() for line in first.stdout.splitlines()[2:4]}
    # status, pages, raw records, new cxcore records (30 tickets + 10 CSAT answers)
    assert rows["tickets"][2:6] == ["ok", "6", "30", "40"]
    data = json.loads(second.stdout)
    assert [s["stream"] for s in data["streams"]] == ["tickets"] and data["inserted"] == 0
    assert refresh.exit_code == 0 and refresh.stderr == ""
    assert "helpdesk  tickets    ok      6      30       0    0        40" in refresh.stdout


def test_cli_without_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(cli, ["sources", "sync"])

    assert result.exit_code == 2
    assert result.stderr.startswith("error: no sources configured; add one to cxcore.toml")
