"""Fixtures for the source-layer tests: the cxcore.testing fixtures and the Acme stand-in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# pytest runs with --import-mode=importlib, which does not put test folders on sys.path;
# the tests import the Acme example plugin as a plain module.
sys.path.insert(0, str(Path(__file__).resolve().parent))
pytest.register_assert_rewrite("cxcore.testing.contract")

from acme_plugin import AcmeStandin, sample_data  # noqa: E402

# The opt-in pytest plugin's fixtures (pytest_plugins is only allowed in the root conftest).
from cxcore.testing.fixtures import (  # noqa: E402, F401
    cx_clock,
    cx_hash_key,
    cx_register,
    cx_workspace,
)


@pytest.fixture
def acme() -> Iterator[AcmeStandin]:
    """A running Acme stand-in with 12 customers and 30 tickets, 5 per page."""
    with AcmeStandin(**sample_data()) as server:
        yield server
