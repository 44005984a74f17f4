"""Records that flow from sources into the store: customers, interactions, survey responses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import attrs

from ._validators import aware, non_empty
from .journey import PILLARS
from .scale import Scale

__all__ = ["RECORD_KINDS", "Customer", "Interaction", "RecordKind", "Response"]

RecordKind = Literal["customer", "interaction", "response"]
RECORD_KINDS: tuple[RecordKind, ...] = ("customer", "interaction", "response")


def _frozen_map(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return dict(value or {})


@attrs.frozen(kw_only=True)
class Customer:
    """A customer under a pseudonymous key.

    ``id`` is the key within ``source``; personal identifiers (e-mail, phone) belong in
    ``identities`` as keyed hashes so journeys can be stitched across sources without storing
    the identifiers themselves.
    """

    source: str = attrs.field(validator=non_empty)
    id: str = attrs.field(validator=non_empty)
    segment: str | None = None
    identities: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    created_at: datetime | None = attrs.field(default=None, validator=aware)
    updated_at: datetime | None = attrs.field(default=None, validator=aware)
    deleted: bool = False


@attrs.frozen(kw_only=True)
class Interaction:
    """Something that happened at a touchpoint: a ticket opened, a call, a purchase...

    ``(source, id)`` is unique. ``occurred_at`` is when it happened, ``recorded_at`` when the
    source recorded it (they differ for late data). ``journey_instance`` is a correlation id that
    ties events of one journey together (a ticket id, a session id). ``durations`` are seconds.
    """

    source: str = attrs.field(validator=non_empty)
    id: str = attrs.field(validator=non_empty)
    type: str = attrs.field(validator=non_empty)
    occurred_at: datetime = attrs.field(validator=aware)
    recorded_at: datetime | None = attrs.field(default=None, validator=aware)
    customer_id: str | None = None
    stage: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    journey_instance: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    durations: Mapping[str, float] = attrs.field(factory=dict, converter=_frozen_map)
    deleted: bool = False

    def __attrs_post_init__(self) -> None:
        for name, seconds in self.durations.items():
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ValueError(
                    f"Interaction {self.source}/{self.id}: duration {name!r} expected a "
                    f"non-negative number of seconds, got {seconds!r}"
                )


@attrs.frozen(kw_only=True)
class Response:
    """One answer to one survey item, on a stated :class:`Scale`.

    ``value`` may be ``None`` (the item was shown but not answered). A value outside its scale is
    refused here, so a 1-7 CES answer can never be silently bucketed as a 1-5 one.
    """

    source: str = attrs.field(validator=non_empty)
    id: str = attrs.field(validator=non_empty)
    item: str = attrs.field(validator=non_empty)
    value: float | None
    scale: Scale
    occurred_at: datetime = attrs.field(validator=aware)
    customer_id: str | None = None
    survey: str | None = None
    comment: str | None = None
    stage: str | None = None
    channel: str | None = None
    touchpoint: str | None = None
    journey_instance: str | None = None
    pillar: str | None = None
    attributes: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen_map)
    deleted: bool = False

    def __attrs_post_init__(self) -> None:
        if self.pillar is not None and self.pillar not in PILLARS:
            raise ValueError(
                f"Response {self.source}/{self.id}: unknown pillar {self.pillar!r}, expected "
                f"one of {', '.join(PILLARS)}"
            )
        if self.value is not None and not self.scale.contains(self.value):
            raise ValueError(
                f"Response {self.source}/{self.id}: value {self.value} of item {self.item!r} is "
                f"outside its scale {self.scale.min:g}..{self.scale.max:g}"
            )


Record = Customer | Interaction | Response
