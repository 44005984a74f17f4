"""Shared fixtures: an engine with the standard catalogue, record builders."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from cxcore import PluginManager
from cxcore.metrics import MetricEngine, load_calculators

_ids = itertools.count()


def catalogue_engine(**kwargs: Any) -> MetricEngine:
    """An engine with the built-in catalogue, registered as a plugin (no entry points)."""
    pm = PluginManager(["cxcore.builtins.catalogue"], entry_points=False, use_env=False)
    config = kwargs.pop("config", {})
    return MetricEngine(load_calculators(plugins=pm, config=config), **kwargs)


@pytest.fixture
def engine() -> MetricEngine:
    return catalogue_engine()


def response(
    item: str, value: float | None, scale: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    """A response record (wire format) with sensible defaults."""
    rec: dict[str, Any] = {
        "kind": "response",
        "source": "test",
        "id": f"r{next(_ids)}",
        "item": item,
        "value": value,
        "scale": scale,
        "occurred_at": "2024-03-15T12:00:00Z",
    }
    rec.update(fields)
    return rec


def interaction(type_: str, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "interaction",
        "source": "test",
        "id": f"i{next(_ids)}",
        "type": type_,
        "occurred_at": "2024-03-15T12:00:00Z",
    }
    rec.update(fields)
    return rec


def customer(**fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {"kind": "customer", "source": "test", "id": f"c{next(_ids)}"}
    rec.update(fields)
    return rec


NPS = {"min": 0, "max": 10}
CSAT = {"min": 1, "max": 5}


def answers(
    item: str, values: Iterable[float], scale: dict[str, Any], **fields: Any
) -> list[dict[str, Any]]:
    return [response(item, v, scale, **fields) for v in values]


Builder = Callable[..., dict[str, Any]]
