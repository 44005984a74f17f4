"""Every analysis from a workspace, in one JSON-compatible result."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from cxcore import ConfigError, DuckDBStore, ProjectConfig, Workspace
from cxcore.builtins import BUILTIN_PLUGINS
from cxcore.config import StoreConfig
from cxcore.journeys import JourneyAnalysisConfig, analyse_journeys


def _workspace(journey: Any, store: DuckDBStore, keys: tuple[str, ...]) -> Workspace:
    config = ProjectConfig(store=StoreConfig(path=None), identity_keys=keys, journey=journey)
    return Workspace(config=config, store=store, plugins=list(BUILTIN_PLUGINS))


def test_analyse_journeys_from_a_workspace(records: Any, journey: Any) -> None:
    records.customer("c1", source="crm", email="h1", segment="business")
    records.customer("u1", source="desk", email="h1")
    records.event("c1", 0, "discover", source="crm")
    records.event("c1", 1, "consider", source="crm")
    records.event("u1", 2, "support", "chat", "ticket.created", ji="T1", source="desk")
    records.event("u1", 2.5, "support", "phone", "ticket.created", ji="T2", source="desk")
    records.event("u1", 3, "support", "chat", "ticket.solved", ji="T1", source="desk")
    records.answer("u1", 3, "support", "phone", 1, ji="T2", source="desk")
    with _workspace(journey, records.store(), ("email",)) as ws:
        result = analyse_journeys(ws)
    assert result.summary.n_persons == 1 and result.summary.n_events == 6
    assert result.stitching.n_stitched_persons == 1
    assert [s.reached for s in result.funnel.steps][:2] == [1, 1]
    assert result.breaks.rule("channel_switch").channel("chat").rate == 1.0
    assert result.breaks.rule("moment_of_truth").overall.count == 1
    assert set(result.maps) == {
        "score",
        "interaction_count",
        *(f"break_rate:{r.name}" for r in result.breaks.rules),
    }
    assert set(result.timings) >= {"load", "funnel", "breaks", "maps"}
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert data["summary"]["first_event"] == "2024-01-01T00:00:00Z"
    assert data["stitching"]["examples"][0]["records"] == ["crm:c1", "desk:u1"]
    assert data["stitching"]["decisions_by_key"] == {"email": 1}
    assert list(data)[:2] == ["summary", "funnel"] and "stitching_summary" not in data
    assert data["maps"]["score"]["cells"][0]["stage"] == "discover"


def test_without_identity_keys_sources_stay_apart(records: Any, journey: Any) -> None:
    records.customer("c1", source="crm", email="h1")
    records.customer("u1", source="desk", email="h1")
    records.event("c1", 0, "discover", source="crm")
    records.event("u1", 2, "support", source="desk")
    with _workspace(journey, records.store(), ()) as ws:
        assert analyse_journeys(ws).summary.n_persons == 2


def test_a_journey_is_required() -> None:
    with (
        Workspace(store=DuckDBStore(":memory:"), plugins=list(BUILTIN_PLUGINS)) as ws,
        pytest.raises(ConfigError, match="journey"),
    ):
        analyse_journeys(ws)


def test_synthetic_company_runs_fast(synth: Any) -> None:
    data = synth.company(600, seed=3)
    store = DuckDBStore(":memory:")
    for kind in ("customer", "interaction", "response"):
        store.write(kind, data[kind])
    n_events = len(data["interaction"]) + len(data["response"])
    with _workspace(synth.journey(), store, ("email",)) as ws:
        started = time.perf_counter()
        result = analyse_journeys(ws, JourneyAnalysisConfig())
        elapsed = time.perf_counter() - started
    assert result.summary.n_events == n_events > 30_000
    # ~40k events: a small fraction of a second on a laptop; generous for loaded CI.
    assert elapsed < 5.0
    assert result.stitching.n_stitched_persons > 500
