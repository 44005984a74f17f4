"""The plugin manager: discovery, isolation of failures, conflicts, switches, workspaces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import cxcore
from cxcore import MetricSpec, PluginManager, SourceSpec, Workspace
from cxcore.errors import PluginCallError, PluginLoadError, PluginValidationError


def install_fake_distribution(site: Path, dist: str, version: str, plugins: dict[str, str]) -> None:
    """Write modules plus a .dist-info with entry points: what pip install leaves behind."""
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
    lines = ["[cxcore.plugins]"]
    for name, source in plugins.items():
        module = f"{dist.replace('-', '_')}_{name}"
        (site / f"{module}.py").write_text(textwrap.dedent(source))
        lines.append(f"{name} = {module}")
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")


GOOD_PLUGIN = """
    import cxcore

    class Acme:
        def __init__(self, **settings):
            self.settings = settings

    @cxcore.hookimpl
    def cxcore_sources():
        yield cxcore.SourceSpec(name="acme", factory=Acme, description="Acme helpdesk")

    @cxcore.hookimpl
    def cxcore_metrics():
        yield cxcore.MetricSpec(name="acme_score", factory=dict)
"""
BROKEN_PLUGIN = """
    raise RuntimeError("boom at import")
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Path]:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "cxcore-acme", "1.2.3", {"acme": GOOD_PLUGIN})
    install_fake_distribution(site, "cxcore-broken", "0.0.1", {"broken": BROKEN_PLUGIN})
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    for name in ("cxcore_acme_acme", "cxcore_broken_broken"):
        sys.modules.pop(name, None)


def test_entry_point_plugin_is_discovered_and_broken_one_reported(site: Path) -> None:
    pm = PluginManager(use_env=False)

    assert "acme" in pm.sources() and "file" in pm.sources()
    info = {i.name: i for i in pm.plugins()}
    assert (info["acme"].distribution, info["acme"].version) == ("cxcore-acme", "1.2.3")
    assert info["acme"].provides == {"metrics": ("acme_score",), "sources": ("acme",)}
    [failure] = pm.failures
    assert failure.plugin == "broken" and failure.stage == "import"
    assert "boom at import" in failure.error and failure.distribution == "cxcore-broken"


def test_cli_lists_installed_plugins_as_json(site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    env.pop("CXCORE_DISABLE_PLUGINS", None)

    out = subprocess.run(
        [sys.executable, "-m", "cxcore", "plugins", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=True,
    )

    data = json.loads(out.stdout)
    names = {p["name"]: p for p in data["plugins"]}
    assert names["acme"]["version"] == "1.2.3"
    assert names["acme"]["provides"]["sources"] == ["acme"]
    assert {"file", "duckdb"} <= set(names)
    assert [(f["plugin"], f["stage"]) for f in data["failures"]] == [("broken", "import")]


def test_strict_mode_reraises_the_import_failure(site: Path) -> None:
    with pytest.raises(PluginLoadError, match="plugin 'broken': failed to import"):
        PluginManager(use_env=False, strict=True)


def test_plugins_can_be_switched_off_by_name(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert "acme" not in PluginManager(use_env=False, disable=["acme", "broken"]).names()

    monkeypatch.setenv("CXCORE_DISABLE_PLUGINS", "broken, acme")
    pm = PluginManager()
    assert "acme" not in pm.names() and pm.failures == []

    monkeypatch.delenv("CXCORE_DISABLE_PLUGINS")
    monkeypatch.setenv("CXCORE_LOAD_PLUGINS", "file")
    assert PluginManager().names() == ["file"]


class Kpis:
    @cxcore.hookimpl
    def cxcore_metrics(self):  # type: ignore[no-untyped-def]
        yield MetricSpec(name="fcr", factory=dict)


class Raises:
    @cxcore.hookimpl
    def cxcore_metrics(self):  # type: ignore[no-untyped-def]
        yield MetricSpec(name="ok_before_failure", factory=dict)
        raise ValueError("bad data")


class YieldsJunk:
    @cxcore.hookimpl
    def cxcore_sources(self):  # type: ignore[no-untyped-def]
        return [{"name": "loose-dict"}, SourceSpec(name="fine", factory=dict)]


class Duplicate:
    @cxcore.hookimpl
    def cxcore_metrics(self):  # type: ignore[no-untyped-def]
        yield MetricSpec(name="fcr", factory=list)


def test_a_raising_hook_is_reported_and_the_others_keep_working() -> None:
    pm = PluginManager([("kpis", Kpis()), ("raises", Raises())], entry_points=False)

    assert list(pm.metrics()) == ["fcr"]
    [failure] = pm.failures
    assert (failure.plugin, failure.stage) == ("raises", "hook:cxcore_metrics")
    assert "ValueError: bad data" in failure.error


def test_invalid_registration_objects_are_reported_by_plugin() -> None:
    pm = PluginManager([("junk", YieldsJunk())], entry_points=False)

    assert list(pm.sources()) == ["fine"]
    assert "yielded dict, expected cxcore.SourceSpec" in pm.failures[0].error
    with pytest.raises(PluginValidationError):
        PluginManager([("junk", YieldsJunk())], entry_points=False, strict=True).sources()


def test_duplicate_names_name_both_providers() -> None:
    pm = PluginManager([("kpis", Kpis()), ("dup", Duplicate())], entry_points=False)

    assert pm.provider("metrics", "fcr") in {"kpis", "dup"}
    [failure] = pm.failures
    assert failure.stage == "conflict"
    assert "'fcr' is registered by both" in failure.error
    assert "'kpis'" in failure.error and "'dup'" in failure.error


def test_registration_objects_validate_their_fields() -> None:
    with pytest.raises(ValueError, match="expected a lower-case name"):
        SourceSpec(name="Bad Name", factory=dict)
    with pytest.raises(TypeError, match="expected a callable"):
        MetricSpec(name="x", factory="not callable")  # type: ignore[arg-type]


def test_unknown_hook_names_fail_registration() -> None:
    class Typo:
        @cxcore.hookimpl
        def cxcore_metric(self):  # type: ignore[no-untyped-def]
            return []

    pm = PluginManager([("typo", Typo())], entry_points=False)

    assert pm.names() == []
    assert "cxcore_metric" in pm.failures[0].error


def test_module_that_fails_to_import_by_name_is_reported() -> None:
    pm = PluginManager(["cxcore_no_such_module"], entry_points=False)

    assert pm.failures[0].plugin == "cxcore_no_such_module"
    assert "ModuleNotFoundError" in pm.failures[0].error


def test_two_workspaces_in_one_process_do_not_share_plugins() -> None:
    a = Workspace(plugins=[("kpis", Kpis())])
    b = Workspace(plugins=[("dup", Duplicate())])

    assert a.plugins.provider("metrics", "fcr") == "kpis"
    assert b.plugins.provider("metrics", "fcr") == "dup"
    assert a.plugins.failures == b.plugins.failures == []


def test_lifecycle_hook_failures_are_isolated() -> None:
    seen = []

    class Listener:
        @cxcore.hookimpl
        def cxcore_records_stored(self, event):  # type: ignore[no-untyped-def]
            seen.append(event)

    class Crasher:
        @cxcore.hookimpl
        def cxcore_records_stored(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("alerting down")

    pm = PluginManager([("listener", Listener()), ("crasher", Crasher())], entry_points=False)
    pm.notify("cxcore_records_stored", event="E")

    assert seen == ["E"]
    assert isinstance(PluginCallError("crasher", "h", RuntimeError()), cxcore.PluginError)
    assert pm.failures[0].plugin == "crasher"


COMMAND_PLUGIN = """
    import click
    import cxcore

    @cxcore.hookimpl
    def cxcore_commands(cli):
        @cli.command()
        def hello():
            "Say hello."
            click.echo("hello from acme")

        @cli.command(name="ingest")
        def hijack():
            "Tries to replace a core command."
"""


def test_plugins_add_cli_commands_but_cannot_replace_core_ones(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    install_fake_distribution(site, "cxcore-hello", "0.1", {"hello": COMMAND_PLUGIN})
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}

    hello = subprocess.run(
        [sys.executable, "-m", "cxcore", "hello"], capture_output=True, text=True, env=env
    )
    ingest = subprocess.run(
        [sys.executable, "-m", "cxcore", "--debug", "ingest", "--help"],
        capture_output=True,
        text=True,
        env=env,
    )

    assert hello.returncode == 0 and hello.stdout == "hello from acme\n"
    assert "Validate and store records" in ingest.stdout
    assert "the command 'ingest' already exists" in ingest.stderr
