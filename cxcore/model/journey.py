"""The customer journey: segments, ordered stages, channels and touchpoints (stage x channel)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import attrs

from ._validators import identifier, non_empty
from .scale import Scale

__all__ = [
    "PILLARS",
    "Channel",
    "Journey",
    "Pillar",
    "Segment",
    "Stage",
    "Touchpoint",
]

Pillar = Literal[
    "integrity", "resolution", "expectations", "time_and_effort", "personalisation", "empathy"
]
#: KPMG's six pillars of customer experience, used to tag touchpoints and survey items.
PILLARS: tuple[str, ...] = (
    "integrity",
    "resolution",
    "expectations",
    "time_and_effort",
    "personalisation",
    "empathy",
)


def _pillars(
    instance: object, attribute: attrs.Attribute[tuple[str, ...]], value: tuple[str, ...]
) -> None:
    if len(set(value)) != len(value):
        raise ValueError(f"{type(instance).__name__}.{attribute.name}: duplicate pillar in {value}")
    for p in value:
        if p not in PILLARS:
            raise ValueError(
                f"{type(instance).__name__}.{attribute.name}: unknown pillar {p!r}, "
                f"expected one of {', '.join(PILLARS)}"
            )


@attrs.frozen(kw_only=True)
class Segment:
    """A group of customers with similar traits (a persona); every analysis can be cut by it."""

    id: str = attrs.field(validator=identifier)
    label: str = ""
    description: str = ""


@attrs.frozen(kw_only=True)
class Stage:
    """One step of the journey; stages are ordered by their position in :class:`Journey`."""

    id: str = attrs.field(validator=identifier)
    label: str = ""
    description: str = ""


@attrs.frozen(kw_only=True)
class Channel:
    """A way the customer and the company meet: web, app, email, phone, chat, store..."""

    id: str = attrs.field(validator=identifier)
    label: str = ""


@attrs.frozen(kw_only=True)
class Touchpoint:
    """The crossing of a stage and a channel, with who owns it and how much it matters.

    Args:
        stage: id of a :class:`Stage` of the journey.
        channel: id of a :class:`Channel` of the journey.
        id: defaults to ``"<stage>.<channel>"``.
        owner_team: the team in contact with the customer here.
        importance: stated importance on the journey's importance scale (default 1-5).
        moment_of_truth: a touchpoint that can turn a loyal customer into a lost one.
        pillars: KPMG pillar tags.
        target: the performance target (0-100, normalised), if any.
    """

    stage: str = attrs.field(validator=identifier)
    channel: str = attrs.field(validator=identifier)
    id: str = attrs.field(validator=identifier)
    label: str = ""
    owner_team: str = ""
    importance: float | None = None
    moment_of_truth: bool = False
    pillars: tuple[str, ...] = attrs.field(default=(), converter=tuple, validator=_pillars)
    target: float | None = None

    @id.default
    def _default_id(self) -> str:
        return f"{self.stage}.{self.channel}"

    def __attrs_post_init__(self) -> None:
        if self.target is not None and not 0 <= self.target <= 100:
            raise ValueError(
                f"Touchpoint {self.id!r}: target expected within 0..100, got {self.target}"
            )


def _unique(kind: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise ValueError(f"Journey: duplicate {kind} id {i!r}")
        seen.add(i)


@attrs.frozen(kw_only=True)
class Journey:
    """A customer journey map: who (segments), when (stages), where (channels, touchpoints).

    Validation guarantees unique ids and that every touchpoint points at a known stage and
    channel, so analyses never meet a dangling reference.
    """

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    stages: tuple[Stage, ...] = attrs.field(converter=tuple)
    channels: tuple[Channel, ...] = attrs.field(converter=tuple)
    segments: tuple[Segment, ...] = attrs.field(default=(), converter=tuple)
    touchpoints: tuple[Touchpoint, ...] = attrs.field(default=(), converter=tuple)
    importance_scale: Scale = Scale(min=1, max=5)
    _stage_index: Mapping[str, int] = attrs.field(init=False, repr=False, eq=False)
    _touchpoint_index: Mapping[tuple[str, str], Touchpoint] = attrs.field(
        init=False, repr=False, eq=False
    )

    def __attrs_post_init__(self) -> None:
        if not self.stages:
            raise ValueError("Journey: expected at least one stage")
        _unique("stage", [s.id for s in self.stages])
        _unique("channel", [c.id for c in self.channels])
        _unique("segment", [s.id for s in self.segments])
        _unique("touchpoint", [t.id for t in self.touchpoints])
        stages = {s.id for s in self.stages}
        channels = {c.id for c in self.channels}
        for t in self.touchpoints:
            if t.stage not in stages:
                raise ValueError(f"Touchpoint {t.id!r}: unknown stage {t.stage!r}")
            if t.channel not in channels:
                raise ValueError(f"Touchpoint {t.id!r}: unknown channel {t.channel!r}")
            if t.importance is not None and not self.importance_scale.contains(t.importance):
                raise ValueError(
                    f"Touchpoint {t.id!r}: importance {t.importance} is outside the importance "
                    f"scale {self.importance_scale.min}..{self.importance_scale.max}"
                )
        object.__setattr__(self, "_stage_index", {s.id: i for i, s in enumerate(self.stages)})
        object.__setattr__(
            self, "_touchpoint_index", {(t.stage, t.channel): t for t in self.touchpoints}
        )

    def stage_position(self, stage: str) -> int:
        """The 0-based position of a stage; raises ``KeyError`` naming the unknown stage."""
        try:
            return self._stage_index[stage]
        except KeyError:
            raise KeyError(f"unknown stage {stage!r}") from None

    def touchpoint(self, stage: str, channel: str) -> Touchpoint | None:
        """The touchpoint at a stage and channel, or ``None`` when the map has none there."""
        return self._touchpoint_index.get((stage, channel))
