"""The built wheel ships the schemas: install it (not the source tree) and load them."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_built_wheel_installs_and_loads_its_schemas(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = dist.glob("cxcore-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    schema_files = sorted(p.name for p in (ROOT / "schemas").glob("*.json"))
    assert (
        sorted(n.split("/")[-1] for n in names if n.startswith("cxcore/schemas/")) == schema_files
    )
    assert "cxcore/py.typed" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    # Dependencies come from this environment's site-packages; cxcore itself only from the wheel.
    deps = sysconfig.get_paths()["purelib"]
    check = (
        "import cxcore, cxcore.schemas as s; "
        "d = s.builtin_schema_dir(); r = s.SchemaRegistry.builtin(); "
        "print(cxcore.__file__); print(d); print(','.join(r.names()))"
    )
    out = subprocess.run(
        [python, "-c", check],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": deps},
        check=True,
    ).stdout.splitlines()

    assert out[0].startswith(str(env_dir))
    assert out[1].startswith(str(env_dir)) and out[1].endswith("cxcore/schemas")
    assert out[2].split(",") == [p.removesuffix(".json") for p in schema_files]
