"""Errors of the metric engine; each message names the metric, and the field or record at fault."""

from __future__ import annotations

from ..errors import ConfigError, CxcoreError

__all__ = [
    "ExpressionError",
    "MetricDefinitionError",
    "MetricError",
    "MetricInputError",
    "ScaleMismatchError",
    "StateMismatchError",
]


class MetricError(CxcoreError):
    """Base class of the metric engine's errors."""


class MetricDefinitionError(MetricError, ConfigError):
    """A metric is declared or configured wrongly (unknown type, bad setting, cycle...)."""


class ExpressionError(MetricDefinitionError):
    """A derived metric's expression does not parse or names something unknown."""


class MetricInputError(MetricError, ValueError):
    """Records cannot feed a metric: a required field is missing or has the wrong type."""


class ScaleMismatchError(MetricInputError):
    """Responses are on another scale than the metric's; they are refused, never re-bucketed."""


class StateMismatchError(MetricError, ValueError):
    """Two partial states of different queries (metrics, grouping, grain) cannot be merged."""
