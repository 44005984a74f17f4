"""Journey analytics: stitched per-person event logs and the analyses on them.

Typical use::

    from cxcore.journeys import analyse_journeys
    result = analyse_journeys(workspace)          # every analysis, default configuration
    result.breaks.rule("channel_switch").channel("chat").rate
    json.dumps(result.as_dict())

or step by step::

    log = load_events(store, journey, LoadConfig(stitch=StitchConfig(identity_keys=["email"])))
    funnel = stage_funnel(log, FunnelConfig(window=timedelta(days=30)))

Every result is a frozen attrs object with ``as_dict()`` giving JSON-compatible output.
See ``docs/journeys.md`` for the semantics of each analysis.
"""

from ._result import MeanEstimate, Proportion
from .analysis import JourneyAnalysis, LogSummary, analyse_journeys, analyse_log, summarise_log
from .breaks import (
    BreakCell,
    BreakExample,
    BreakGroup,
    BreakReport,
    BreakRuleResult,
    BreakTransition,
    break_events,
    journey_breaks,
)
from .config import (
    AbandonmentRule,
    BackwardMoveRule,
    BreakConfig,
    BreakRule,
    ChannelSwitchRule,
    CurveConfig,
    EventTypes,
    FunnelConfig,
    InstanceConfig,
    JourneyAnalysisConfig,
    LoadConfig,
    MomentOfTruthRule,
    PathConfig,
    ReopenRule,
    RepeatContactRule,
    StitchConfig,
    TimeToNextConfig,
    Unit,
    default_rules,
)
from .curve import CurvePoint, CurveSeries, ExperienceCurve, experience_curve
from .events import INTERACTION, RESPONSE, EventLog, UnitView
from .funnel import FunnelGroup, FunnelResult, FunnelStep, stage_funnel
from .instances import Instances, assign_instances
from .journey_map import JourneyMap, MapCell, break_map, count_map, journey_map, score_map
from .loading import load_events
from .paths import PathsResult, PathVariant, top_paths
from .stitching import (
    PersonExplanation,
    SkippedIdentity,
    StitchDecision,
    StitchResult,
    StitchSummary,
    record_label,
    stitch,
)
from .timing import StageTransition, TimeToNextResult, time_to_next_stage

__all__ = [
    "INTERACTION",
    "RESPONSE",
    "AbandonmentRule",
    "BackwardMoveRule",
    "BreakCell",
    "BreakConfig",
    "BreakExample",
    "BreakGroup",
    "BreakReport",
    "BreakRule",
    "BreakRuleResult",
    "BreakTransition",
    "ChannelSwitchRule",
    "CurveConfig",
    "CurvePoint",
    "CurveSeries",
    "EventLog",
    "EventTypes",
    "ExperienceCurve",
    "FunnelConfig",
    "FunnelGroup",
    "FunnelResult",
    "FunnelStep",
    "InstanceConfig",
    "Instances",
    "JourneyAnalysis",
    "JourneyAnalysisConfig",
    "JourneyMap",
    "LoadConfig",
    "LogSummary",
    "MapCell",
    "MeanEstimate",
    "MomentOfTruthRule",
    "PathConfig",
    "PathVariant",
    "PathsResult",
    "PersonExplanation",
    "Proportion",
    "ReopenRule",
    "RepeatContactRule",
    "SkippedIdentity",
    "StageTransition",
    "StitchConfig",
    "StitchDecision",
    "StitchResult",
    "StitchSummary",
    "TimeToNextConfig",
    "TimeToNextResult",
    "Unit",
    "UnitView",
    "analyse_journeys",
    "analyse_log",
    "assign_instances",
    "break_events",
    "break_map",
    "count_map",
    "default_rules",
    "experience_curve",
    "journey_breaks",
    "journey_map",
    "load_events",
    "record_label",
    "score_map",
    "stage_funnel",
    "stitch",
    "summarise_log",
    "time_to_next_stage",
    "top_paths",
]
