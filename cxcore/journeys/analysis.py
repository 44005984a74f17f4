"""Every journey analysis in one call, from a workspace or from an event log."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from cxcore.errors import ConfigError

from ._result import Result
from .breaks import BreakReport, journey_breaks
from .config import JourneyAnalysisConfig
from .curve import ExperienceCurve, experience_curve
from .events import EventLog, from_us
from .funnel import FunnelResult, stage_funnel
from .journey_map import JourneyMap, break_map, count_map, score_map
from .loading import load_events
from .paths import PathsResult, top_paths
from .stitching import StitchResult, StitchSummary
from .timing import TimeToNextResult, time_to_next_stage

if TYPE_CHECKING:
    from cxcore.workspace import Workspace

__all__ = ["JourneyAnalysis", "LogSummary", "analyse_journeys", "analyse_log", "summarise_log"]


@attrs.frozen(kw_only=True)
class LogSummary(Result):
    """What the analyses were run on."""

    n_events: int
    n_interactions: int
    n_responses: int
    n_persons: int
    n_instances: int
    first_event: datetime | None
    last_event: datetime | None
    as_of: datetime | None
    unattributed: int
    unmapped: Mapping[str, int]


@attrs.frozen(kw_only=True)
class JourneyAnalysis(Result):
    """The results of every journey analysis.

    ``maps`` are keyed by metric name (``score``, ``interaction_count`` and
    ``break_rate:<rule>`` for each break rule); ``timings`` are seconds per step.
    ``stitching`` is the full :class:`StitchResult` (every decision, ``explain()``); the
    JSON carries its :class:`StitchSummary` as ``stitching``, not thousands of decisions.
    """

    summary: LogSummary
    stitching: StitchResult = attrs.field(metadata={"json": False})
    stitching_summary: StitchSummary = attrs.field(metadata={"json": False})
    funnel: FunnelResult
    time_to_next: TimeToNextResult
    paths: PathsResult
    breaks: BreakReport
    curve: ExperienceCurve
    maps: Mapping[str, JourneyMap]
    timings: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        out = super().as_dict()
        out["stitching"] = self.stitching_summary.as_dict()
        return out


def summarise_log(log: EventLog) -> LogSummary:
    """Counts and time span of an event log."""
    n = log.n_events
    return LogSummary(
        n_events=n,
        n_interactions=int((log.kind == 0).sum()),
        n_responses=int((log.kind == 1).sum()),
        n_persons=log.n_persons,
        n_instances=log.n_instances,
        first_event=from_us(int(log.time.min())) if n else None,
        last_event=from_us(int(log.time.max())) if n else None,
        as_of=from_us(log.as_of) if n else None,
        unattributed=log.unattributed,
        unmapped=log.unmapped,
    )


def analyse_log(
    log: EventLog,
    config: JourneyAnalysisConfig | None = None,
    *,
    timings: Mapping[str, float] | None = None,
) -> JourneyAnalysis:
    """Run every analysis on an event log."""
    cfg = config or JourneyAnalysisConfig()
    spent = dict(timings or {})

    def timed(name: str, started: float) -> float:
        now = time.perf_counter()
        spent[name] = round(now - started, 4)
        return now

    t = time.perf_counter()
    funnel = stage_funnel(log, cfg.funnel)
    t = timed("funnel", t)
    time_to_next = time_to_next_stage(log, cfg.time_to_next)
    t = timed("time_to_next", t)
    paths = top_paths(log, cfg.paths)
    t = timed("paths", t)
    breaks = journey_breaks(log, cfg.breaks)
    t = timed("breaks", t)
    curve = experience_curve(log, cfg.curve)
    t = timed("curve", t)
    maps = {
        "score": score_map(log, cfg.curve.items, confidence=cfg.curve.confidence),
        "interaction_count": count_map(log, "interaction"),
    }
    for rule in breaks.rules:
        maps[f"break_rate:{rule.name}"] = break_map(log, rule, confidence=breaks.confidence)
    timed("maps", t)
    return JourneyAnalysis(
        summary=summarise_log(log),
        stitching=log.stitching,
        stitching_summary=log.stitching.summary(),
        funnel=funnel,
        time_to_next=time_to_next,
        paths=paths,
        breaks=breaks,
        curve=curve,
        maps=maps,
        timings=spent,
    )


def analyse_journeys(
    workspace: Workspace, config: JourneyAnalysisConfig | None = None
) -> JourneyAnalysis:
    """Load the workspace's store against its journey and run every analysis.

    Identity keys default to the workspace's ``[mapping] identity_keys``.

    Raises:
        ConfigError: the workspace has no journey.
    """
    cfg = config or JourneyAnalysisConfig()
    if workspace.journey is None:
        raise ConfigError("journey analyses need a journey: add a [journey] to cxcore.toml")
    started = time.perf_counter()
    log = load_events(
        workspace.store,
        workspace.journey,
        cfg.load,
        identity_keys=workspace.config.identity_keys,
    )
    return analyse_log(log, cfg, timings={"load": round(time.perf_counter() - started, 4)})
