"""Test setup for the Zendesk plugin's tests.

* Puts the repository root (for ``cxcore``) and ``plugins/zendesk`` (for
  ``cxcore_zendesk``) on ``sys.path``; harmless once the plugin is an installed package.
* Lets several plugins keep a ``tests/test_standin.py`` each: pytest's default
  ``prepend`` import mode imports them all as the top-level module ``test_standin`` and
  would refuse the second; we drop a stale same-named module from ``sys.modules`` just
  before pytest imports ours.  (Unneeded with ``--import-mode=importlib``.)
* ``vendor_api`` fixture: the reference data folder ``/work/shared/vendor-api`` (or
  ``$CXCORE_VENDOR_API``); tests that need it skip cleanly when it is absent.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

_HERE = Path(__file__).resolve().parent
_PLUGIN = _HERE.parent
_REPO = _PLUGIN.parent.parent
for _p in (str(_PLUGIN), str(_REPO)):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> None:
    if file_path.parent != _HERE or file_path.suffix != ".py":
        return
    stale = sys.modules.get(file_path.stem)
    stale_file = getattr(stale, "__file__", None)
    if stale_file and Path(stale_file).resolve() != file_path.resolve():
        del sys.modules[file_path.stem]


VENDOR_API = Path(os.environ.get("CXCORE_VENDOR_API", "/work/shared/vendor-api"))


@pytest.fixture(scope="session")
def vendor_api() -> Path:
    if not VENDOR_API.is_dir():
        pytest.skip(f"vendor reference data not available at {VENDOR_API}")
    return VENDOR_API


def _schema_validator(path: Path) -> Any:
    """A Draft 7 validator (with format checks) for the JSON Schema file ``path``.

    Relative ``$ref``s resolve against the file's own folder.
    """
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    def retrieve(uri: str) -> Resource:
        target = Path(uri.removeprefix("file://"))
        return Resource.from_contents(json.loads(target.read_text()), default_specification=DRAFT7)

    schema = json.loads(path.read_text())
    schema.setdefault("$id", path.resolve().as_uri())
    return Draft7Validator(
        schema,
        registry=Registry(retrieve=retrieve),  # type: ignore[call-arg]
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )


@pytest.fixture(scope="session")
def schema_validator() -> Any:
    """``schema_validator(path)`` -> a Draft 7 validator for that schema file."""
    return _schema_validator
