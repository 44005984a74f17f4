"""Fixtures for the journey tests: a journey, a compact record builder, the synthetic company."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from cxcore import Channel, DuckDBStore, Journey, Segment, Stage, Touchpoint
from cxcore.journeys import EventLog, LoadConfig, StitchConfig, load_events

T0 = datetime(2024, 1, 1, tzinfo=UTC)
STAGES = ("discover", "consider", "buy", "support", "renew")
CHANNELS = ("web", "email", "phone", "chat")


def at(day: float) -> str:
    """The timestamp ``day`` days after 2024-01-01 (fractions allowed)."""
    t = T0 + timedelta(days=day)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{t.microsecond:06d}Z"


def make_journey() -> Journey:
    return Journey(
        id="test",
        name="Test journey",
        stages=[Stage(id=s) for s in STAGES],
        channels=[Channel(id=c) for c in CHANNELS],
        segments=[Segment(id="consumer"), Segment(id="business")],
        touchpoints=[
            Touchpoint(stage="support", channel="phone", importance=5, moment_of_truth=True),
            Touchpoint(stage="support", channel="chat", importance=4),
            Touchpoint(stage="buy", channel="web", id="checkout", importance=4),
        ],
    )


class Records:
    """Build customers, interactions and responses tersely, then load them as an EventLog."""

    def __init__(self) -> None:
        self.customers: list[dict[str, Any]] = []
        self.interactions: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []

    def customer(
        self, cid: str, *, source: str = "crm", segment: str | None = None, **identities: str
    ) -> None:
        rec: dict[str, Any] = {"source": source, "id": cid, "identities": identities}
        if segment is not None:
            rec["segment"] = segment
        self.customers.append(rec)

    def event(
        self,
        cid: str | None,
        day: float,
        stage: str | None,
        channel: str | None = "web",
        type: str = "visit",
        *,
        ji: str | None = None,
        source: str = "crm",
        touchpoint: str | None = None,
    ) -> None:
        rec: dict[str, Any] = {
            "source": source,
            "id": f"i{len(self.interactions):05d}",
            "type": type,
            "occurred_at": at(day),
            "customer_id": cid,
            "stage": stage,
            "channel": channel,
            "journey_instance": ji,
            "touchpoint": touchpoint,
        }
        self.interactions.append({k: v for k, v in rec.items() if v is not None})

    def ticket(
        self,
        cid: str,
        day: float,
        channel: str,
        ticket: str,
        *,
        solved_after: float | None = 1.0,
        stage: str = "support",
    ) -> None:
        """``ticket.created`` and, unless ``solved_after`` is None, ``ticket.solved``."""
        self.event(cid, day, stage, channel, "ticket.created", ji=ticket)
        if solved_after is not None:
            self.event(cid, day + solved_after, stage, channel, "ticket.solved", ji=ticket)

    def answer(
        self,
        cid: str,
        day: float,
        stage: str | None,
        channel: str | None,
        value: float | None,
        *,
        item: str = "csat",
        scale: dict[str, Any] | None = None,
        ji: str | None = None,
        source: str = "crm",
    ) -> None:
        rec: dict[str, Any] = {
            "source": source,
            "id": f"r{len(self.responses):05d}",
            "item": item,
            "value": value,
            "scale": scale or {"min": 1, "max": 5},
            "occurred_at": at(day),
            "customer_id": cid,
            "stage": stage,
            "channel": channel,
            "journey_instance": ji,
        }
        self.responses.append({k: v for k, v in rec.items() if v is not None or k == "value"})

    def store(self) -> DuckDBStore:
        store = DuckDBStore(":memory:")
        if self.customers:
            store.write("customer", self.customers)
        if self.interactions:
            store.write("interaction", self.interactions)
        if self.responses:
            store.write("response", self.responses)
        return store

    def log(
        self, journey: Journey | None = None, config: LoadConfig | None = None, **load: Any
    ) -> EventLog:
        cfg = config or LoadConfig(**load)
        if cfg.stitch.identity_keys is None:
            cfg = LoadConfig(
                stitch=StitchConfig(identity_keys=()),
                instances=cfg.instances,
                start=cfg.start,
                end=cfg.end,
                as_of=cfg.as_of,
            )
        with self.store() as store:
            return load_events(store, journey or make_journey(), cfg)


@pytest.fixture
def journey() -> Journey:
    return make_journey()


@pytest.fixture
def records() -> Records:
    return Records()


@pytest.fixture(scope="session")
def synth() -> ModuleType:
    """The synthetic company module (loaded by path: works in every pytest import mode)."""
    path = Path(__file__).with_name("synth.py")
    spec = importlib.util.spec_from_file_location("journeys_synth", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def direct_log(
    journey: Journey,
    events: list[tuple[int, float, int, int]],
    *,
    types: list[str] | None = None,
    as_of_day: float | None = None,
) -> EventLog:
    """An EventLog straight from ``(person, day, stage, channel)`` tuples (no store).

    For fast property tests: every event is an interaction of person ``"p<n>"``; ``types``
    gives each event's type (default ``visit``); instances are cut by the default gap.
    """
    import numpy as np
    import pyarrow as pa

    from cxcore.journeys import InstanceConfig, assign_instances, stitch

    order = sorted(range(len(events)), key=lambda i: (events[i][0], events[i][1], i))
    ev = [events[i] for i in order]
    typ = [(types[i] if types else "visit") for i in order]
    n_persons = max((e[0] for e in ev), default=-1) + 1
    stitched = stitch([], extra_records=[("t", f"p{p:04d}") for p in range(n_persons)])
    person = np.array([e[0] for e in ev], dtype=np.int64)
    time = np.array([round(e[1] * 86_400_000_000) for e in ev], dtype=np.int64)
    vocab = sorted(set(typ))
    inst = assign_instances(person, time, np.full(len(ev), -1, dtype=np.int64), InstanceConfig())
    as_of = (
        round(as_of_day * 86_400_000_000)
        if as_of_day is not None
        else int(time.max())
        if len(time)
        else 0
    )
    return EventLog(
        journey=journey,
        stitching=stitched,
        person=person,
        time=time,
        kind=np.zeros(len(ev), dtype=np.int64),
        stage=np.array([e[2] for e in ev], dtype=np.int64),
        channel=np.array([e[3] for e in ev], dtype=np.int64),
        type=np.array([vocab.index(t) for t in typ], dtype=np.int64),
        types=tuple(vocab),
        item=np.full(len(ev), -1, dtype=np.int64),
        items=(),
        score=np.full(len(ev), np.nan),
        source=np.zeros(len(ev), dtype=np.int64),
        sources=("t",),
        record_id=pa.array([f"e{i}" for i in order], pa.string()),
        instance=inst.instance,
        n_instances=inst.n_instances,
        instance_person=inst.instance_person,
        instance_correlation=inst.instance_correlation,
        instance_start=inst.instance_start,
        correlation_ids=pa.array([], pa.string()),
        person_segment=np.full(n_persons, -1, dtype=np.int64),
        segments=(),
        as_of=as_of,
        unattributed=0,
        unmapped={},
    )


@pytest.fixture(scope="session")
def kit() -> Any:
    """Helpers for tests that cannot use function-scoped fixtures (hypothesis)."""
    from types import SimpleNamespace

    return SimpleNamespace(journey=make_journey, direct_log=direct_log, at=at, T0=T0)
