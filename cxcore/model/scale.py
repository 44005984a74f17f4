"""Answer scales: the range, direction and optional buckets or points of a survey item."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

__all__ = ["NPS_SCALE", "Bucket", "Direction", "Scale"]

Direction = Literal["higher_is_better", "lower_is_better"]


@attrs.frozen(kw_only=True)
class Bucket:
    """A named, closed range of answer values, e.g. promoters are 9..10 on the 0-10 scale."""

    name: str
    low: float
    high: float
    weight: float = 0.0

    def __attrs_post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"Bucket {self.name!r}: low {self.low} is above high {self.high}")

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def _buckets(value: Iterable[Bucket]) -> tuple[Bucket, ...]:
    return tuple(value)


def _points(value: Mapping[float | str, float] | None) -> Mapping[float, float] | None:
    # JSON object keys are strings; points are keyed by the answer value.
    if value is None:
        return None
    return {float(k): float(v) for k, v in value.items()}


@attrs.frozen(kw_only=True)
class Scale:
    """The scale an answer is given on.

    Args:
        min: lowest possible answer.
        max: highest possible answer.
        direction: whether a higher answer is a better experience. CES is the classic trap:
            on some 1-5 scales lower means less effort (better), on the 1-7 agreement scale
            higher is better.
        buckets: optional named ranges (NPS: detractor, passive, promoter).
        points: optional value-to-points map (the seed's engagement score: 9-10 -> 100 ...).
    """

    min: float
    max: float
    direction: Direction = "higher_is_better"
    buckets: tuple[Bucket, ...] = attrs.field(default=(), converter=_buckets)
    points: Mapping[float, float] | None = attrs.field(default=None, converter=_points)

    def __attrs_post_init__(self) -> None:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.min >= self.max:
            raise ValueError(f"Scale: min ({self.min}) must be below max ({self.max})")
        if self.direction not in ("higher_is_better", "lower_is_better"):
            raise ValueError(
                "Scale.direction: expected 'higher_is_better' or 'lower_is_better', "
                f"got {self.direction!r}"
            )
        for b in self.buckets:
            if b.low < self.min or b.high > self.max:
                raise ValueError(
                    f"Scale: bucket {b.name!r} [{b.low}, {b.high}] is outside "
                    f"[{self.min}, {self.max}]"
                )

    def contains(self, value: float) -> bool:
        return self.min <= value <= self.max

    def normalise(self, value: float) -> float:
        """Map a value to 0..100 where 100 is always the best experience."""
        share = (value - self.min) / (self.max - self.min)
        if self.direction == "lower_is_better":
            share = 1.0 - share
        return 100.0 * share

    def bucket_of(self, value: float) -> str | None:
        for b in self.buckets:
            if b.contains(value):
                return b.name
        return None


NPS_SCALE = Scale(
    min=0,
    max=10,
    buckets=(
        Bucket(name="detractor", low=0, high=6, weight=-100),
        Bucket(name="passive", low=7, high=8, weight=0),
        Bucket(name="promoter", low=9, high=10, weight=100),
    ),
)
