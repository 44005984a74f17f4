"""Shared fixtures for the core tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from cxcore import Channel, DuckDBStore, Journey, Segment, Stage, Touchpoint, Workspace
from cxcore.builtins import BUILTIN_PLUGINS

# Property tests check values, not speed: a loaded CI machine must not fail them on time.
settings.register_profile("cxcore", deadline=None)
settings.load_profile("cxcore")


@pytest.fixture
def journey() -> Journey:
    return Journey(
        id="retail",
        name="Retail",
        stages=[Stage(id=s) for s in ("discover", "buy", "support", "renew")],
        channels=[Channel(id=c) for c in ("web", "email", "phone", "chat")],
        segments=[Segment(id="consumer"), Segment(id="business")],
        touchpoints=[
            Touchpoint(stage="support", channel="phone", importance=5, moment_of_truth=True),
            Touchpoint(stage="buy", channel="web", importance=4),
        ],
    )


@pytest.fixture
def workspace(journey: Journey) -> Iterator[Workspace]:
    """An embedder-style workspace: explicit plugin list, in-memory store, no entry points."""
    with Workspace(
        journey=journey, store=DuckDBStore(":memory:"), plugins=list(BUILTIN_PLUGINS)
    ) as ws:
        yield ws


@pytest.fixture
def examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "cxcore" / "examples"
