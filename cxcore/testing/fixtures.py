"""pytest fixtures for cxcore plugin tests (enabled by ``pytest_plugins = ["cxcore.testing"]``)."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from cxcore.builtins import BUILTIN_PLUGINS
from cxcore.sdk.clock import FakeClock
from cxcore.sdk.privacy import HASH_KEY_ENV
from cxcore.store.duckdb import DuckDBStore
from cxcore.workspace import Workspace

__all__ = ["cx_clock", "cx_hash_key", "cx_register", "cx_workspace"]


@pytest.fixture
def cx_workspace() -> Iterator[Workspace]:
    """A workspace with an in-memory DuckDB store, the built-in plugins and no entry points.

    Installed plugins are not loaded, so a test sees exactly the plugins it registers with
    ``cx_register``.
    """
    with Workspace(
        store=DuckDBStore(":memory:"), plugins=list(BUILTIN_PLUGINS), entry_points=False
    ) as ws:
        yield ws


@pytest.fixture
def cx_register(cx_workspace: Workspace) -> Callable[..., str]:
    """``cx_register(plugin, name=None)`` registers a plugin into ``cx_workspace``.

    The workspace lives for one test, so the registration never leaks into another. Raises
    ``AssertionError`` with the plugin manager's failures when registration fails.
    """

    def register(plugin: Any, name: str | None = None) -> str:
        registered = cx_workspace.plugins.register(plugin, name=name)
        if registered is None:
            problems = "; ".join(f.error for f in cx_workspace.plugins.failures)
            raise AssertionError(f"plugin {plugin!r} could not be registered: {problems}")
        cx_workspace._schemas = None  # rebuild the registry with the plugin's schemas
        return registered

    return register


@pytest.fixture
def cx_hash_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Sets ``CXCORE_HASH_KEY`` to a fresh random key for the test and returns it."""
    key = secrets.token_hex(32)
    monkeypatch.setenv(HASH_KEY_ENV, key)
    return key


@pytest.fixture
def cx_clock() -> FakeClock:
    """A fake clock at the real wall time: waits return at once and are recorded in
    ``cx_clock.sleeps``, while "now" stays plausible for vendor stand-ins."""
    return FakeClock(wall=time.time())
