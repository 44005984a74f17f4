"""The ways a third party adds KPIs, exercised as they would: a plugin package with a
``cxcore.plugins`` entry point, discovered from an installed distribution."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxcore import PluginManager
from cxcore.metrics import MetricEngine, load_calculators

from .conftest import CSAT, answers, interaction

SIMPLE = '''\
"""ACME's KPI: the share of VIP customers who are satisfied."""
import cxcore
from cxcore.metrics import share


@cxcore.hookimpl
def cxcore_metrics():
    yield share(
        "vip_csat",
        label="CSAT of VIP customers",
        where=lambda b: (b["item"] == "csat") & (b.flag("attributes.vip") == 1),
        success=lambda b: b["value"] >= 4,
        requires=("item", "value", "attributes"),
    )
'''

FULL = '''\
"""ACME's full accumulator: distinct customers who contacted support, per group."""
import numpy as np

import cxcore
from cxcore.metrics import (
    Calculator, Estimates, FinalizeContext, MetricDefinition, State, count_estimates,
)


class ContactingCustomers(Calculator):
    definition = MetricDefinition(
        id="contacting_customers", label="Customers who contacted us", unit="count",
        record_kinds=("interaction",), requires=("type", "customer_id"),
    )

    def create(self) -> State:
        # One row per contact: who, and in which group (merging concatenates rows).
        return State(rows={"who": "str", "gid": "int64"}, row_groups=("gid",))

    def update(self, state, batch) -> None:
        keep = (batch["type"] == "contact") & batch.dim("customer_id").notnull()
        col = batch.dim("customer_id")
        who = np.asarray(col.vocab + [None], dtype=object)[col.codes]
        state.append(who=who[keep], gid=self.groups(batch)[keep])

    def finalize(self, state, ctx: FinalizeContext) -> Estimates:
        who, gid = state.column("who").astype(str), state.column("gid")
        pairs = np.unique(np.stack([gid.astype(str), who]), axis=1)
        counts = np.bincount(pairs[0].astype(np.int64), minlength=ctx.n_groups)
        return count_estimates(counts[: ctx.n_groups])


@cxcore.hookimpl
def cxcore_metrics():
    yield cxcore.MetricSpec(name="contacting_customers", factory=ContactingCustomers,
                            description="Distinct customers who contacted support")
'''

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "acme-cx-kpis"
version = "0.1.0"
dependencies = ["cxcore"]

[project.entry-points."cxcore.plugins"]
acme_simple = "acme_kpis.simple"
acme_full = "acme_kpis.full"

[tool.hatch.build.targets.wheel]
packages = ["acme_kpis"]
"""


def _package(root: Path) -> Path:
    pkg = root / "acme-cx-kpis"
    (pkg / "acme_kpis").mkdir(parents=True)
    (pkg / "acme_kpis" / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "acme_kpis" / "simple.py").write_text(SIMPLE, encoding="utf-8")
    (pkg / "acme_kpis" / "full.py").write_text(FULL, encoding="utf-8")
    (pkg / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return pkg


@pytest.fixture
def on_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    def add(path: Path) -> None:
        monkeypatch.syspath_prepend(str(path))
        for name in [m for m in sys.modules if m.startswith("acme_kpis")]:
            monkeypatch.delitem(sys.modules, name)

    yield add


def _check_plugins_work() -> None:
    pm = PluginManager(use_env=False)  # entry points, like `cxcore` itself
    assert {"acme_simple", "acme_full", "catalogue"} <= set(pm.names()), pm.failures
    engine = MetricEngine(load_calculators(plugins=pm))
    records = (
        answers("csat", [5, 4, 1], CSAT, attributes={"vip": True})
        + answers("csat", [1, 1], CSAT, attributes={"vip": False})
        + [
            interaction("contact", customer_id=c, channel=ch)
            for c, ch in [("a", "web"), ("a", "web"), ("b", "web"), ("a", "phone")]
        ]
    )
    res = engine.compute(["vip_csat", "contacting_customers", "csat"], records, by=["channel"])
    assert res.one("vip_csat", channel=None).value == pytest.approx(200 / 3)
    assert res.one("csat", channel=None).value == 40.0
    assert res.one("contacting_customers", channel="web").value == 2
    assert res.one("contacting_customers", channel="phone").value == 1
    plan = engine.plan(["contacting_customers"], by=["channel"])
    a = plan.update(plan.new_state(), records[5:7])
    b = plan.load_state(plan.update(plan.new_state(), records[7:]).to_json())
    merged = plan.finalize(plan.merge(a, b))
    assert merged.one("contacting_customers", channel="web").value == 2


def test_the_simple_plugin_fits_in_15_lines() -> None:
    code = [line for line in SIMPLE.splitlines() if line.strip()]
    assert len(code) <= 15


def test_plugin_package_discovered_through_its_entry_points(
    tmp_path: Path, on_path: object
) -> None:
    """An installed distribution as importlib.metadata sees it: package + dist-info."""
    pkg = _package(tmp_path)
    info = pkg / "acme_cx_kpis-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-cx-kpis\nVersion: 0.1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [cxcore.plugins]
            acme_simple = acme_kpis.simple
            acme_full = acme_kpis.full
            """
        ),
        encoding="utf-8",
    )
    on_path(pkg)  # type: ignore[operator]
    _check_plugins_work()


@pytest.mark.slow
def test_plugin_package_installed_with_pip(tmp_path: Path, on_path: object) -> None:
    """The same package built and installed by pip (into a target folder, not the venv)."""
    pkg = _package(tmp_path)
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(pkg),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert list(target.glob("acme_cx_kpis-0.1.0.dist-info/entry_points.txt"))
    on_path(target)  # type: ignore[operator]
    _check_plugins_work()
