#!/usr/bin/env python3
"""Set up a development environment and run the project's main commands (stdlib only).

    python3 dev.py demo      # the main job: the end-to-end demo, no credentials
    python3 dev.py test      # every test: core and each built-in plugin
    python3 dev.py setup     # only create .venv and install everything

The virtual environment lives in .venv (override with CXCORE_VENV). Each command installs
what it needs first, so it works from a fresh clone with only Python 3.11+ present.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CXCORE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".cxcore-installed"


def plugin_dirs() -> list[Path]:
    return sorted(p for p in (ROOT / "plugins").glob("*") if (p / "pyproject.toml").exists())


def run(*args: str | Path, **kwargs: object) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)  # type: ignore[call-overload]


def setup(force: bool = False) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"cxcore needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    inputs = [ROOT / "pyproject.toml", *(p / "pyproject.toml" for p in plugin_dirs())]
    newest = max(p.stat().st_mtime for p in inputs)
    if not force and STAMP.exists() and STAMP.stat().st_mtime >= newest:
        return
    run(PY, "-m", "pip", "install", "-q", "--upgrade", "pip")
    editables = ["-e", f"{ROOT}[test]"]
    for p in plugin_dirs():
        editables += ["-e", str(p)]
    run(PY, "-m", "pip", "install", "-q", *editables)
    STAMP.touch()


def test(extra: list[str]) -> int:
    setup()
    paths = ["tests", *(str(p / "tests") for p in plugin_dirs() if (p / "tests").is_dir())]
    # --import-mode=importlib: plugins' tests folders share names without clashing.
    args = [str(PY), "-m", "pytest", "--import-mode=importlib", *paths, *extra]
    print("+", " ".join(args), flush=True)
    return subprocess.run(args, cwd=ROOT).returncode


def demo(extra: list[str]) -> int:
    setup()
    out = ROOT / "cxcore-demo"
    cmd = [str(BIN / "cxcore"), "demo", "--out", str(out), *extra]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, extra = sys.argv[1], sys.argv[2:]
    if command == "setup":
        setup(force="--force" in extra)
        return 0
    if command == "test":
        return test(extra)
    if command == "demo":
        return demo(extra)
    print(f"unknown command {command!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
