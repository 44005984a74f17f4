"""The metric engine, the standard KPI catalogue and importance-performance analysis.

Three ways to add a KPI (``docs/kpi-plugins.md``): a one-call Python plugin
(:func:`share`, :func:`mean`, :func:`count`), a declaration in ``cxcore.toml``
(:mod:`cxcore.metrics.declarative`), or a full :class:`Calculator` subclass.

Quick start::

    from cxcore import Workspace
    from cxcore.metrics import MetricEngine

    with Workspace.from_config() as ws:
        engine = MetricEngine.from_workspace(ws)
        for r in engine.compute(["nps", "csat"], by=["stage"], grain="month", compare=True):
            print(r.metric, r.group, r.period, r.value, r.interval)
"""

from .batch import Batch, DimColumn
from .calculator import Calculator, ChangeBasis, Estimates, FinalizeContext
from .calendar import GRAINS, Grain
from .catalogue import CATALOGUE, CES_VARIANTS, catalogue_ids
from .definition import MetricDefinition
from .engine import DEFAULT_MIN_N, MetricEngine, Plan, QueryState
from .errors import (
    ExpressionError,
    MetricDefinitionError,
    MetricError,
    MetricInputError,
    ScaleMismatchError,
    StateMismatchError,
)
from .estimators import count_estimates, mean_estimates, nps_estimates, proportion_estimates
from .expression import parse_expression
from .filters import Filter, parse_filter
from .grouping import DIMENSIONS
from .ipa import IPAReport, IPARow, importance_performance
from .registry import load_calculators
from .results import Change, Interval, MetricResult, ResultSet, validate_result
from .simple import count, mean, share
from .state import State

__all__ = [
    "CATALOGUE",
    "CES_VARIANTS",
    "DEFAULT_MIN_N",
    "DIMENSIONS",
    "GRAINS",
    "Batch",
    "Calculator",
    "Change",
    "ChangeBasis",
    "DimColumn",
    "Estimates",
    "ExpressionError",
    "FinalizeContext",
    "Filter",
    "Grain",
    "IPAReport",
    "IPARow",
    "Interval",
    "MetricDefinition",
    "MetricDefinitionError",
    "MetricEngine",
    "MetricError",
    "MetricInputError",
    "MetricResult",
    "Plan",
    "QueryState",
    "ResultSet",
    "ScaleMismatchError",
    "State",
    "StateMismatchError",
    "catalogue_ids",
    "count",
    "count_estimates",
    "importance_performance",
    "load_calculators",
    "mean",
    "mean_estimates",
    "nps_estimates",
    "parse_expression",
    "parse_filter",
    "proportion_estimates",
    "share",
    "validate_result",
]
