"""The calculator building blocks behind the catalogue and declarative metrics."""

from .counts import CountCalculator, FieldMeanCalculator, Measure, RatioCalculator
from .derived import DerivedCalculator
from .durations import DurationCalculator
from .lifecycle import LifecycleCalculator
from .pairs import FollowUpCalculator, PairDurationCalculator, RepeatCalculator
from .scores import (
    BucketIndexCalculator,
    ScoreMeanCalculator,
    TopBoxCalculator,
    linear_transform,
    points_transform,
)

__all__ = [
    "BucketIndexCalculator",
    "CountCalculator",
    "DerivedCalculator",
    "DurationCalculator",
    "FieldMeanCalculator",
    "FollowUpCalculator",
    "LifecycleCalculator",
    "Measure",
    "PairDurationCalculator",
    "RatioCalculator",
    "RepeatCalculator",
    "ScoreMeanCalculator",
    "TopBoxCalculator",
    "linear_transform",
    "points_transform",
]
