"""Configuration of journey building and analyses: every rule and threshold lives here.

All classes are frozen attrs objects with defaults that work for a typical support-heavy CX
project; change one field with :func:`attrs.evolve`. Durations are :class:`datetime.timedelta`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, TypeAlias

import attrs

__all__ = [
    "AbandonmentRule",
    "BackwardMoveRule",
    "BreakConfig",
    "BreakRule",
    "ChannelSwitchRule",
    "CurveConfig",
    "EventTypes",
    "FunnelConfig",
    "InstanceConfig",
    "JourneyAnalysisConfig",
    "LoadConfig",
    "MomentOfTruthRule",
    "PathConfig",
    "ReopenRule",
    "RepeatContactRule",
    "StitchConfig",
    "TimeToNextConfig",
    "Unit",
    "default_rules",
]

Unit = Literal["person", "instance"]
"""The counting unit of an analysis: a stitched person, or one journey instance (episode)."""


def _tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


def _opt_tuple(value: Any) -> tuple[Any, ...] | None:
    return None if value is None else tuple(value)


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: timedelta | None) -> None:
    if value is not None and value <= timedelta(0):
        raise ValueError(f"{type(instance).__name__}.{attribute.name}: expected > 0, got {value}")


def _confidence(instance: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name}: expected within (0, 1), got {value}"
        )


# -- building journeys ------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class StitchConfig:
    """How customer records of different sources are joined into one person.

    Args:
        identity_keys: identity kinds (keys of ``Customer.identities``, e.g. ``"email"``)
            whose equal values join records. ``None`` takes the workspace's
            ``[mapping] identity_keys``; ``()`` stitches nothing (one person per
            ``(source, customer id)``).
        id_links: identity kind -> source: the identity's value *is* a customer id in that
            source (an external id), e.g. ``{"hubspot_contact_id": "hubspot"}`` on Zendesk
            users links them to the HubSpot contact with that id.
        max_records_per_identity: an identity value shared by more records than this is
            not used (a shared family or placeholder address would merge strangers); it is
            reported in :attr:`StitchResult.skipped`.
        segment_priority: sources whose customer segment wins, first first; other sources
            follow in name order.
    """

    identity_keys: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    id_links: Mapping[str, str] = attrs.field(factory=dict)
    max_records_per_identity: int = 20
    segment_priority: tuple[str, ...] = attrs.field(default=(), converter=_tuple)


@attrs.frozen(kw_only=True)
class InstanceConfig:
    """How events are cut into journey instances (episodes).

    Args:
        mode: ``"auto"``: events with a ``journey_instance`` (correlation id, e.g. a ticket
            id) form one instance per person and id; the others are cut by ``gap``.
            ``"gap"``: ignore correlation ids, cut every person's events by ``gap``.
            ``"correlation"``: only correlation ids; events without one belong to no
            instance (and are left out of instance-unit analyses).
        gap: inactivity that closes a gap-based instance.
    """

    mode: Literal["auto", "gap", "correlation"] = "auto"
    gap: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)


@attrs.frozen(kw_only=True)
class LoadConfig:
    """What :func:`~cxcore.journeys.load_events` reads.

    Args:
        start, end: keep events with ``start <= occurred_at < end`` (aware datetimes).
        as_of: the observation end used for censoring and open windows; default ``end``
            if given, else the latest event.
    """

    stitch: StitchConfig = StitchConfig()
    instances: InstanceConfig = InstanceConfig()
    start: datetime | None = None
    end: datetime | None = None
    as_of: datetime | None = None


@attrs.frozen(kw_only=True)
class EventTypes:
    """Which interaction types mean what; used by the break rules and abandonment.

    Args:
        resolution_types: an issue is solved (``ticket.solved``).
        reopen_types: a solved issue is reopened (``ticket.reopened``).
        contact_types: interactions that are a customer contact. ``None``: every interaction
            whose type is not a resolution, a reopen or in ``non_contact_types``.
        non_contact_types: never contacts (status changes such as ``ticket.closed``).
    """

    resolution_types: tuple[str, ...] = attrs.field(default=("ticket.solved",), converter=_tuple)
    reopen_types: tuple[str, ...] = attrs.field(default=("ticket.reopened",), converter=_tuple)
    contact_types: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    non_contact_types: tuple[str, ...] = attrs.field(
        default=("ticket.closed", "ticket.updated"), converter=_tuple
    )

    def is_contact(self, type_: str) -> bool:
        if self.contact_types is not None:
            return type_ in self.contact_types
        return (
            type_ not in self.resolution_types
            and type_ not in self.reopen_types
            and type_ not in self.non_contact_types
        )


# -- analyses ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FunnelConfig:
    """The stage funnel.

    Args:
        steps: stage ids in funnel order; ``None`` = every journey stage in journey order.
        window: a unit counts at step k only if it reached it within ``window`` of the step-1
            event it started from (``None``: no limit).
        unit: count persons or journey instances.
        include_responses: let survey responses count as presence at their stage (default:
            only interactions show progress).
        exclude_open: leave out units whose window is still open at ``as_of`` and that have
            not completed the funnel (they may still convert); otherwise they are counted as
            they are and reported in ``n_open``.
        breakdowns: ``"segment"`` (the person's segment) and/or ``"channel"`` (the channel of
            the step-1 event the unit started from).
    """

    steps: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    window: timedelta | None = attrs.field(default=timedelta(days=90), validator=_positive)
    unit: Unit = "person"
    include_responses: bool = False
    exclude_open: bool = False
    breakdowns: tuple[Literal["segment", "channel"], ...] = attrs.field(
        default=("segment", "channel"), converter=_tuple
    )
    confidence: float = attrs.field(default=0.95, validator=_confidence)


@attrs.frozen(kw_only=True)
class TimeToNextConfig:
    """Time from first arriving at a stage to first arriving at the next.

    Args:
        steps: stage ids in order; ``None`` = journey order.
        any_later: count arriving at *any* later step as moving on (default: the next step).
        unit, include_responses: as in :class:`FunnelConfig`.
    """

    steps: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    any_later: bool = False
    unit: Unit = "person"
    include_responses: bool = False


@attrs.frozen(kw_only=True)
class PathConfig:
    """Top paths (variants).

    Args:
        by: ``"stage"`` (``discover > buy``) or ``"touchpoint"`` (``buy.web > support.chat``).
        unit: a path per person or per journey instance.
        top: how many variants are listed; the rest go to the ``other`` bucket.
        max_steps: longer paths are cut after this many steps (and marked truncated).
        collapse_repeats: consecutive events at the same step count once.
    """

    by: Literal["stage", "touchpoint"] = "stage"
    unit: Unit = "instance"
    top: int = 10
    max_steps: int = 10
    collapse_repeats: bool = True
    include_responses: bool = False


# -- journey breaks ---------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ChannelSwitchRule:
    """The customer contacts again on another channel before the issue is resolved.

    A contact on channel A followed, within ``window``, by the customer's next contact in
    the same ``scope`` on channel B != A, while A's journey instance has no resolution event
    between the two. ``scope="stage"``: the next contact at the same stage (also across
    instances, e.g. a chat ticket then a new phone ticket); ``scope="instance"``: the next
    contact in the same journey instance. The break starts at A's touchpoint.

    Only contacts at ``stages`` count; ``None`` means the *issue stages*: the stages where
    resolution events occur in the data (support, typically), or every stage when there are
    none. The stages used are reported in the result's parameters.
    """

    kind: ClassVar[str] = "channel_switch"
    name: str = "channel_switch"
    window: timedelta = attrs.field(default=timedelta(days=7), validator=_positive)
    scope: Literal["stage", "instance"] = "stage"
    stages: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    unit: Unit = "instance"

    def describe(self) -> str:
        return (
            f"another contact on a different channel within {_human(self.window)} "
            f"(same {self.scope}) before the issue was resolved"
        )


@attrs.frozen(kw_only=True)
class RepeatContactRule:
    """The customer contacts again about the same issue within the window (any channel).

    A contact followed by the customer's next contact in the same ``scope`` within
    ``window``. The break starts at the first contact's touchpoint. ``stages`` as in
    :class:`ChannelSwitchRule` (default: the issue stages).
    """

    kind: ClassVar[str] = "repeat_contact"
    name: str = "repeat_contact"
    window: timedelta = attrs.field(default=timedelta(days=7), validator=_positive)
    scope: Literal["stage", "instance"] = "stage"
    stages: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    unit: Unit = "instance"

    def describe(self) -> str:
        return f"another contact (same {self.scope}) within {_human(self.window)}"


@attrs.frozen(kw_only=True)
class ReopenRule:
    """A solved issue is reopened within the window (after it, it counts as a new issue).

    A reopen-type event (or, with ``contact_reopens``, any contact) in the same journey
    instance after a resolution event, within ``window`` of it. The break starts at the
    resolution's touchpoint.
    """

    kind: ClassVar[str] = "reopen"
    name: str = "reopen"
    window: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)
    contact_reopens: bool = True
    unit: Unit = "instance"

    def describe(self) -> str:
        what = "reopened or contacted again" if self.contact_reopens else "reopened"
        return f"{what} within {_human(self.window)} of being solved"


@attrs.frozen(kw_only=True)
class BackwardMoveRule:
    """A later event at an earlier stage than the furthest reached so far.

    Within the unit, an event at a stage before the furthest stage already reached, within
    ``window`` of the unit's previous staged event. Events at ``exempt_stages`` never count
    (e.g. a support stage customers visit at any time). The break starts at the touchpoint
    of the previous event (where the customer was when they went back).
    """

    kind: ClassVar[str] = "backward_move"
    name: str = "backward_move"
    window: timedelta = attrs.field(default=timedelta(days=30), validator=_positive)
    exempt_stages: tuple[str, ...] = attrs.field(default=(), converter=_tuple)
    unit: Unit = "instance"
    include_responses: bool = False

    def describe(self) -> str:
        return f"moved back to an earlier stage within {_human(self.window)}"


@attrs.frozen(kw_only=True)
class AbandonmentRule:
    """Entered a stage, then no progress within the timeout.

    For each unit and stage in ``stages`` (``None``: all but the last journey stage), from
    the first event at the stage: progress is an event at a later stage, or an event whose
    type is in ``progress_types`` (``None``: the resolution types) at the stage, within
    ``timeout``. Entries whose timeout has not passed at ``as_of`` are censored (left out of
    both counts). The break starts at the entry event's touchpoint.
    """

    kind: ClassVar[str] = "abandonment"
    name: str = "abandonment"
    timeout: timedelta = attrs.field(default=timedelta(days=14), validator=_positive)
    stages: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    progress_types: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    unit: Unit = "person"
    include_responses: bool = False

    @property
    def window(self) -> timedelta:
        return self.timeout

    def describe(self) -> str:
        return f"no progress within {_human(self.timeout)} of entering the stage"


@attrs.frozen(kw_only=True)
class MomentOfTruthRule:
    """A negative answer at a moment-of-truth touchpoint.

    A response at a touchpoint marked ``moment_of_truth`` (or listed in ``touchpoints``)
    whose normalised score (0-100, 100 best, see :meth:`cxcore.Scale.normalise`) is below
    ``threshold``. ``items`` restricts the survey items considered. ``window`` is how long
    after the unit's last interaction at that touchpoint an answer still counts (``None``:
    any time).
    """

    kind: ClassVar[str] = "moment_of_truth"
    name: str = "moment_of_truth"
    threshold: float = 50.0
    items: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    touchpoints: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    window: timedelta | None = attrs.field(default=None, validator=_positive)
    unit: Unit = "instance"

    def describe(self) -> str:
        return f"answer below {self.threshold:g}/100 at a moment-of-truth touchpoint"


BreakRule: TypeAlias = (
    ChannelSwitchRule
    | RepeatContactRule
    | ReopenRule
    | BackwardMoveRule
    | AbandonmentRule
    | MomentOfTruthRule
)


def default_rules() -> tuple[BreakRule, ...]:
    """One rule of each kind with its default window."""
    return (
        ChannelSwitchRule(),
        RepeatContactRule(),
        ReopenRule(),
        BackwardMoveRule(),
        AbandonmentRule(),
        MomentOfTruthRule(),
    )


def _rules(value: Any) -> tuple[BreakRule, ...]:
    rules = tuple(value)
    names = [r.name for r in rules]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"BreakConfig: duplicate rule name(s) {', '.join(dupes)}")
    return rules


@attrs.frozen(kw_only=True)
class BreakConfig:
    """The declared break rules and the event types they use."""

    rules: tuple[BreakRule, ...] = attrs.field(factory=default_rules, converter=_rules)
    types: EventTypes = EventTypes()
    confidence: float = attrs.field(default=0.95, validator=_confidence)
    examples: int = 5


@attrs.frozen(kw_only=True)
class CurveConfig:
    """The experience curve (and the score journey map).

    Args:
        items: survey items to use; use the same item on the same scale at every stage
            for a comparable curve. ``None``: every item.
        min_n: stages with fewer answers are flagged ``low_sample``.
    """

    items: tuple[str, ...] | None = attrs.field(default=None, converter=_opt_tuple)
    min_n: int = 30
    confidence: float = attrs.field(default=0.95, validator=_confidence)


@attrs.frozen(kw_only=True)
class JourneyAnalysisConfig:
    """Everything :func:`~cxcore.journeys.analyse_journeys` runs, in one object."""

    load: LoadConfig = LoadConfig()
    funnel: FunnelConfig = FunnelConfig()
    time_to_next: TimeToNextConfig = TimeToNextConfig()
    paths: PathConfig = PathConfig()
    breaks: BreakConfig = BreakConfig()
    curve: CurveConfig = CurveConfig()


def _human(td: timedelta) -> str:
    seconds = td.total_seconds()
    for unit, size in (("day", 86400.0), ("hour", 3600.0), ("minute", 60.0)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds:g} s"
