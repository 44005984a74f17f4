"""Fixtures: the sample report document (a realistic telecom quarter) and its rendering."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

# pytest runs with --import-mode=importlib, which does not put test folders on sys.path;
# the Chromium test imports the small DevTools client here as a plain module.
sys.path.insert(0, str(Path(__file__).resolve().parent))

SAMPLE = Path(__file__).resolve().parent / "sample_document.json"
_SAMPLE_DOC: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def sample() -> dict[str, Any]:
    """A fresh copy of ``sample_document.json`` (tests may change it)."""
    return copy.deepcopy(_SAMPLE_DOC)
