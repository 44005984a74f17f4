"""The Workspace as embedders use it: from a project file, through sync, metrics, journeys."""

from __future__ import annotations

import shutil
from pathlib import Path

from cxcore import Workspace


def test_example_project_end_to_end(tmp_path: Path, examples_dir: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(examples_dir, project)

    with Workspace.from_config(project / "cxcore.toml") as ws:
        checks = [r.line for r in ws.check_sources()]
        first = ws.sync()
        again = ws.sync()
        nps = ws.compute(["nps"], by=["stage"]).to_dicts()
        journeys = ws.analyse_journeys().as_dict()

    assert checks == ["exports (file): nothing to check (local source)"]
    assert (first.inserted, first.ok) == (240, True)
    assert (again.inserted, again.unchanged) == (0, 240)
    # 40 answers cycling 10, 9, 9, 8, 7, 3, 10, 6, 9, 2: 50 % promoters, 30 % detractors.
    assert [(r["group"], r["n"], r["value"]) for r in nps] == [({"stage": "support"}, 40, 20.0)]
    assert {"funnel", "breaks", "curve", "paths"} <= set(journeys)
