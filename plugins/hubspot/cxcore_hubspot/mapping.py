"""HubSpot CRM records -> cxcore customers, interactions and responses.

One function per stream. Each takes the raw record (the v3 envelope, see
:mod:`cxcore_hubspot.schemas`), the :class:`~cxcore.sdk.MappingContext` and the object's
property :class:`~cxcore_hubspot.properties.Definitions`, and yields cxcore records. Archived
records (read from the list API with ``archived=true``) yield tombstones with the same ids as
the live records they replace.

Every property the mapping does not turn into a field is kept in ``attributes`` under its
HubSpot name (nulls left out), so a property HubSpot or the account adds later is not lost;
personal ones only with ``pii = "clear"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from cxcore.sdk import MappingContext, Stream, to_timestamp

from .properties import IDENTITY_PROPERTIES, MODIFIED_PROPERTY, Definitions, is_personal
from .search import to_millis

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_STAGES",
    "DEFAULT_SURVEYS",
    "MappingOptions",
    "SurveyItem",
    "map_contact",
    "map_deal",
    "map_feedback",
    "map_ticket",
]

#: Ticket ``source_type`` and survey ``hs_survey_channel`` values -> journey channel ids.
#: Keys are lower-case; ``[mapping.channels]`` overrides them (``EMAIL`` and ``email`` both
#: match).
DEFAULT_CHANNELS: Mapping[str, str] = {
    "email": "email",
    "chat": "chat",
    "form": "web",
    "web": "web",
    "phone": "phone",
    "call": "phone",
    "facebook_messenger": "social",
    "whatsapp": "social",
    "instagram": "social",
    "sms": "sms",
    "api": "api",
    "mobile": "app",
    "in_app": "app",
}

#: Stage rules: source value -> journey stage id; ``[mapping.stages]`` overrides them.
#:
#: Contact lifecycle stages are looked up as ``lifecycle:<value>``, then ``<value>``, then
#: their label in snake_case (a custom "Churned" stage as ``churned``). Deals use
#: ``deal:<dealstage>`` then ``deal``; tickets ``ticket:<pipeline stage>`` then ``ticket``;
#: feedback ``survey:<survey id>`` then ``survey:<type>`` (``survey:nps``). The defaults fit
#: the usual discover / buy / onboard / support / renew journey.
DEFAULT_STAGES: Mapping[str, str] = {
    "subscriber": "discover",
    "lead": "discover",
    "marketingqualifiedlead": "discover",
    "salesqualifiedlead": "buy",
    "opportunity": "buy",
    "customer": "onboard",
    "evangelist": "renew",
    "deal": "buy",
    "ticket": "support",
    "survey:csat": "support",
    "survey:ces": "support",
}

NPS_SCALE: Mapping[str, Any] = {
    "min": 0,
    "max": 10,
    "direction": "higher_is_better",
    "buckets": [
        {"name": "detractor", "low": 0, "high": 6, "weight": -100},
        {"name": "passive", "low": 7, "high": 8, "weight": 0},
        {"name": "promoter", "low": 9, "high": 10, "weight": 100},
    ],
}


@attrs.frozen
class SurveyItem:
    """The cxcore item and scale answers of one HubSpot survey type are stored under."""

    item: str
    scale: Mapping[str, Any]


#: HubSpot survey types -> item and scale, matching cxcore's metric catalogue: NPS 0-10 with
#: its buckets, CSAT 1-5 and CES 1-7 (CES 2.0 agreement, 7 = easiest), higher is better.
#: Custom surveys have no known scale: configure them under ``surveys`` or they are skipped.
DEFAULT_SURVEYS: Mapping[str, SurveyItem] = {
    "NPS": SurveyItem("nps", NPS_SCALE),
    "CSAT": SurveyItem("csat", {"min": 1, "max": 5, "direction": "higher_is_better"}),
    "CES": SurveyItem("ces", {"min": 1, "max": 7, "direction": "higher_is_better"}),
}


@attrs.frozen(kw_only=True)
class MappingOptions:
    """Mapping choices from the source's settings."""

    surveys: Mapping[str, SurveyItem] = DEFAULT_SURVEYS
    won_stages: frozenset[str] = frozenset({"closedwon"})
    lost_stages: frozenset[str] = frozenset({"closedlost"})
    churned_stages: frozenset[str] = frozenset({"churned", "former_customer", "lost_customer"})


_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("_", text.lower()).strip("_")


def _time(value: Any) -> str | None:
    """RFC 3339 from a HubSpot date-time (ISO 8601, or epoch milliseconds as digits)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return to_timestamp(int(text), millis=True)
    return to_timestamp(text)


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _seconds(millis: Any) -> float | None:
    value = _number(millis)
    return None if value is None or value < 0 else value / 1000.0


def _true(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    return str(value).lower() == "true"


def journey_stage(ctx: MappingContext, keys: Sequence[str], report: str | None) -> str | None:
    """The journey stage for the first of ``keys`` a rule names, else a stage of that name.

    ``report`` is the value counted as unmapped (and named in the sync summary's note) when
    nothing fits; ``None`` means "no stage is a normal outcome here".
    """
    rules = ctx.rules.stages
    for key in keys:
        if key in rules or key.lower() in rules:
            return ctx.stage(key)
    if ctx.journey is not None:
        known = {s.id for s in ctx.journey.stages}
        for key in keys:
            if key in known:
                return key
    return ctx.stage(report) if report is not None else None


def _attributes(
    stream: Stream,
    record: Mapping[str, Any],
    ctx: MappingContext,
    defs: Definitions,
    *,
    skip: Sequence[str] = (),
) -> dict[str, Any]:
    """Properties not consumed by the mapping, and envelope fields HubSpot added (drift)."""
    props = record.get("properties") or {}
    identities = IDENTITY_PROPERTIES.get(defs.object_type, {})
    clear = ctx.privacy.mode == "clear"
    dropped = {"hs_object_id", *skip}
    out: dict[str, Any] = {}
    for name, value in props.items():
        if value is None or value == "" or name in dropped or name in identities:
            continue
        if not clear and is_personal(name, defs.by_name.get(name)):
            continue
        out[name] = value
    out.update(ctx.extras(stream, record))
    return out


def _modified(record: Mapping[str, Any], object_type: str) -> Any:
    props = record.get("properties") or {}
    return props.get(MODIFIED_PROPERTY[object_type]) or record.get("updatedAt")


def _archived_at(record: Mapping[str, Any], object_type: str) -> Any:
    return record.get("archivedAt") or record.get("updatedAt") or _modified(record, object_type)


def primary_contact(record: Mapping[str, Any]) -> str | None:
    """The contact a deal or ticket belongs to: its lowest associated contact id."""
    found = ((record.get("associations") or {}).get("contacts") or {}).get("results") or ()
    ids = sorted(
        (str(a["id"]) for a in found if isinstance(a, Mapping) and a.get("id") is not None),
        key=lambda i: (len(i), i),
    )
    return ids[0] if ids else None


def _entered(props: Mapping[str, Any], prefixes: Sequence[str], value: str) -> Any:
    """When a record entered stage ``value``, from HubSpot's date-entered properties."""
    for pattern in prefixes:
        found = props.get(pattern.format(value))
        if found not in (None, ""):
            return found
    return None


# -- contacts ---------------------------------------------------------------------------------

_LIFECYCLE_ENTERED = ("hs_v2_date_entered_{}", "hs_lifecyclestage_{}_date")


def _lifecycle_keys(value: str, label: str | None) -> list[str]:
    keys = [f"lifecycle:{value}", value]
    if label:
        keys += [f"lifecycle:{_slug(label)}", _slug(label)]
    return keys


def map_contact(
    stream: Stream,
    record: Mapping[str, Any],
    ctx: MappingContext,
    defs: Definitions,
    options: MappingOptions,
) -> Iterator[dict[str, Any]]:
    """A contact -> a customer, plus one ``lifecycle.stage_entered`` interaction per stage.

    The lifecycle stage's options and labels come from the properties API, so customised
    stages map like the standard ones. Entry times come from HubSpot's date-entered
    properties; for the current stage without one, the last modification stands in
    (``attributes.entered_at_estimated``). A contact in a churned stage gets
    ``attributes.churned_at`` (churn and retention read it); ``total_revenue`` becomes
    ``attributes.revenue`` (CLV reads it).
    """
    cid = str(record["id"])
    props = record.get("properties") or {}
    lifecycle_options = defs.options("lifecyclestage")
    if record.get("archived"):
        yield ctx.tombstone("customer", id=cid)
        at = _archived_at(record, "contacts")
        values = dict.fromkeys([o.value for o in lifecycle_options])
        if props.get("lifecyclestage"):
            values[str(props["lifecyclestage"])] = None
        for value in values:
            yield ctx.tombstone(
                "interaction",
                id=f"contact:{cid}:lifecycle:{value}",
                type="lifecycle.stage_entered",
                occurred_at=_time(at),
                customer_id=cid,
            )
        return

    current = props.get("lifecyclestage") or None
    attributes = _attributes(stream, record, ctx, defs, skip=("createdate",))
    modified = _modified(record, "contacts")
    entries: dict[str, tuple[Any, bool]] = {}
    for option in lifecycle_options:
        when = _entered(props, _LIFECYCLE_ENTERED, option.value)
        if when is not None:
            entries[option.value] = (when, False)
    if current is not None and current not in entries:
        entries[str(current)] = (modified, True)

    journey: str | None = None
    churned_at: Any = None
    for value, (when, estimated) in entries.items():
        label = defs.label("lifecyclestage", value)
        is_current = value == current
        # A custom stage's value is an opaque number; the note should name its label.
        shown = _slug(label) if label and value.isdigit() else value
        stage = journey_stage(
            ctx, _lifecycle_keys(value, label), report=shown if is_current else None
        )
        if is_current:
            journey = stage
            if value in options.churned_stages or (
                label is not None and _slug(label) in options.churned_stages
            ):
                churned_at = when
        event_attributes: dict[str, Any] = {"lifecycle_stage": value}
        if label is not None:
            event_attributes["lifecycle_stage_label"] = label
        if estimated:
            event_attributes["entered_at_estimated"] = True
        yield ctx.interaction(
            id=f"contact:{cid}:lifecycle:{value}",
            type="lifecycle.stage_entered",
            occurred_at=_time(when),
            recorded_at=_time(modified),
            customer_id=cid,
            stage=stage,
            attributes=event_attributes,
        )

    if current is not None:
        label = defs.label("lifecyclestage", current)
        if label is not None:
            attributes["lifecycle_stage_label"] = label
    if journey is not None:
        attributes["journey_stage"] = journey
    if churned_at is not None:
        attributes["churned_at"] = _time(churned_at)
    revenue = _number(props.get("total_revenue"))
    if revenue is not None:
        attributes["revenue"] = revenue
    identities = IDENTITY_PROPERTIES["contacts"]
    found: dict[str, Any] = {}
    for name, kind in identities.items():
        if props.get(name) and kind not in found:
            found[kind] = props[name]
    yield ctx.customer(
        id=cid,
        identities=ctx.identities(**found),
        attributes=attributes,
        created_at=_time(props.get("createdate") or record.get("createdAt")),
        updated_at=_time(modified),
    )


# -- deals ------------------------------------------------------------------------------------

_DEAL_ENTERED = ("hs_v2_date_entered_{}", "hs_date_entered_{}")


def _deal_outcome(props: Mapping[str, Any], stage: str | None, options: MappingOptions) -> str:
    won, closed = _true(props.get("hs_is_closed_won")), _true(props.get("hs_is_closed"))
    if won:
        return "won"
    if closed:
        return "lost"
    if won is None and closed is None and stage is not None:
        # HubSpot's calculated flags absent: fall back on the configured stage names.
        if stage in options.won_stages:
            return "won"
        if stage in options.lost_stages:
            return "lost"
    return "open"


_DEAL_TYPES = {"won": "deal.won", "lost": "deal.lost", "open": "deal.stage_entered"}


def map_deal(
    stream: Stream,
    record: Mapping[str, Any],
    ctx: MappingContext,
    defs: Definitions,
    options: MappingOptions,
) -> Iterator[dict[str, Any]]:
    """A deal -> ``deal.created``, one interaction per pipeline stage entered
    (``deal.stage_entered``, or ``deal.won`` / ``deal.lost`` for the closing stage), and a
    ``purchase`` (``attributes.amount``) once won.

    ``journey_instance`` is ``deal:<id>`` and ``customer_id`` the associated contact, so the
    deal's events line up with the contact's other records.
    """
    did = str(record["id"])
    props = record.get("properties") or {}
    current = props.get("dealstage") or None
    instance = f"deal:{did}"
    if record.get("archived"):
        at = _time(_archived_at(record, "deals"))
        # Every stage the deal may have entered: the history ids are not in the record.
        stages = dict.fromkeys([o.value for o in defs.options("dealstage")])
        if current is not None:
            stages[str(current)] = None
        ids = {
            f"deal:{did}:created": "deal.created",
            f"deal:{did}:purchase": "purchase",
            **{f"deal:{did}:stage:{value}": "deal.stage_entered" for value in stages},
        }
        for rid, kind in ids.items():
            yield ctx.tombstone(
                "interaction", id=rid, type=kind, occurred_at=at, journey_instance=instance
            )
        return

    customer = primary_contact(record)
    outcome = _deal_outcome(props, current, options)
    modified = _modified(record, "deals")
    amount = _number(props.get("amount"))
    attributes = _attributes(stream, record, ctx, defs, skip=("createdate",))
    attributes["outcome"] = outcome
    if amount is not None:
        attributes["amount"] = amount
    stage_label = defs.label("dealstage", current)
    if stage_label is not None:
        attributes["dealstage_label"] = stage_label
    created = _time(props.get("createdate") or record.get("createdAt"))
    common: dict[str, Any] = {"customer_id": customer, "journey_instance": instance}
    yield ctx.interaction(
        id=f"deal:{did}:created",
        type="deal.created",
        occurred_at=created,
        recorded_at=_time(modified),
        stage=journey_stage(ctx, ["deal"], report="deal"),
        attributes=attributes,
        **common,
    )

    entries: dict[str, tuple[Any, bool]] = {}
    for option in defs.options("dealstage"):
        when = _entered(props, _DEAL_ENTERED, option.value)
        if when is not None:
            entries[option.value] = (when, False)
    if current is not None and current not in entries:
        closing = props.get("closedate") if outcome != "open" else None
        entries[str(current)] = (closing or modified, closing is None)
    for value, (when, estimated) in entries.items():
        kind = _DEAL_TYPES[outcome] if value == current else "deal.stage_entered"
        event_attributes: dict[str, Any] = {"dealstage": value, "pipeline": props.get("pipeline")}
        label = defs.label("dealstage", value)
        if label is not None:
            event_attributes["dealstage_label"] = label
        if estimated:
            event_attributes["entered_at_estimated"] = True
        if amount is not None:
            event_attributes["amount"] = amount
        yield ctx.interaction(
            id=f"deal:{did}:stage:{value}",
            type=kind,
            occurred_at=_time(when),
            recorded_at=_time(modified),
            stage=journey_stage(ctx, [f"deal:{value}", "deal"], report="deal"),
            attributes={k: v for k, v in event_attributes.items() if v is not None},
            **common,
        )

    if outcome == "won":
        won_at = props.get("closedate") or entries.get(str(current), (modified, True))[0]
        purchase: dict[str, Any] = {"deal_id": did}
        if amount is not None:
            purchase["amount"] = amount
        if props.get("deal_currency_code"):
            purchase["currency"] = props["deal_currency_code"]
        yield ctx.interaction(
            id=f"deal:{did}:purchase",
            type="purchase",
            occurred_at=_time(won_at),
            recorded_at=_time(modified),
            stage=journey_stage(ctx, [f"deal:{current}", "deal"], report="deal"),
            attributes=purchase,
            **common,
        )
    else:
        # Won once, then reopened or lost: the purchase did not happen after all.
        yield ctx.tombstone(
            "interaction",
            id=f"deal:{did}:purchase",
            type="purchase",
            occurred_at=created,
            journey_instance=instance,
        )


# -- tickets ----------------------------------------------------------------------------------


def map_ticket(
    stream: Stream,
    record: Mapping[str, Any],
    ctx: MappingContext,
    defs: Definitions,
    options: MappingOptions,
) -> Iterator[dict[str, Any]]:
    """A ticket -> ``ticket.created`` and, once closed, ``ticket.solved``.

    ``journey_instance`` is the ticket id, the channel comes from ``source_type``; the
    ``first_reply`` duration (``time_to_first_agent_reply``) is on ``ticket.created``, the
    ``full_resolution`` duration (``time_to_close``) on ``ticket.solved``, in seconds. A
    ticket that is no longer closed (reopened) turns its ``ticket.solved`` into a tombstone.
    """
    tid = str(record["id"])
    props = record.get("properties") or {}
    created = _time(props.get("createdate") or record.get("createdAt"))
    if record.get("archived"):
        at = _time(_archived_at(record, "tickets"))
        for kind in ("created", "solved"):
            yield ctx.tombstone(
                "interaction",
                id=f"ticket:{tid}:{kind}",
                type=f"ticket.{kind}",
                occurred_at=at,
                journey_instance=tid,
            )
        return

    pipeline_stage = props.get("hs_pipeline_stage") or None
    source_type = props.get("source_type") or None
    stage = journey_stage(
        ctx, [f"ticket:{pipeline_stage}", "ticket"] if pipeline_stage else ["ticket"], "ticket"
    )
    channel = ctx.channel(source_type)
    modified = _modified(record, "tickets")
    attributes = _attributes(
        stream, record, ctx, defs, skip=("createdate", "time_to_close", "time_to_first_agent_reply")
    )
    label = defs.label("hs_pipeline_stage", pipeline_stage)
    if label is not None:
        attributes["hs_pipeline_stage_label"] = label
    first_reply = _seconds(props.get("time_to_first_agent_reply"))
    closed_at = props.get("closed_date") or None
    common: dict[str, Any] = {
        "customer_id": primary_contact(record),
        "channel": channel,
        "stage": stage,
        "journey_instance": tid,
    }
    yield ctx.interaction(
        id=f"ticket:{tid}:created",
        type="ticket.created",
        occurred_at=created,
        recorded_at=_time(modified),
        durations={"first_reply": first_reply},
        attributes=attributes,
        **common,
    )
    if closed_at is None:
        yield ctx.tombstone(
            "interaction",
            id=f"ticket:{tid}:solved",
            type="ticket.solved",
            occurred_at=created,
            journey_instance=tid,
        )
        return
    resolution = _seconds(props.get("time_to_close"))
    if resolution is None and created is not None:
        opened, closed = (
            to_millis(props.get("createdate") or record.get("createdAt")),
            to_millis(closed_at),
        )
        if opened is not None and closed is not None and closed >= opened:
            resolution = (closed - opened) / 1000.0
    yield ctx.interaction(
        id=f"ticket:{tid}:solved",
        type="ticket.solved",
        occurred_at=_time(closed_at),
        recorded_at=_time(modified),
        # Each duration on one record only: duration metrics read every interaction that
        # has it, so first_reply (on ticket.created) would otherwise count twice.
        durations={"full_resolution": resolution},
        attributes={
            k: v
            for k, v in {
                "hs_pipeline_stage": pipeline_stage,
                "hs_pipeline_stage_label": label,
                "source_type": source_type,
            }.items()
            if v is not None
        },
        **common,
    )


# -- feedback submissions ---------------------------------------------------------------------


def survey_item(props: Mapping[str, Any], options: MappingOptions) -> SurveyItem | None:
    """The item and scale of a submission: by survey id first, then by survey type."""
    survey_id = props.get("hs_survey_id")
    if survey_id and f"survey:{survey_id}" in options.surveys:
        return options.surveys[f"survey:{survey_id}"]
    kind = str(props.get("hs_survey_type") or "").upper()
    return options.surveys.get(kind)


def map_feedback(
    stream: Stream,
    record: Mapping[str, Any],
    ctx: MappingContext,
    defs: Definitions,
    options: MappingOptions,
) -> Iterator[dict[str, Any]]:
    """A feedback submission -> one ``response``: NPS, CSAT or CES answer on its stated scale.

    ``survey`` is HubSpot's survey id (or name), ``comment`` the free-text answer,
    ``customer_id`` the contact (``hs_contact_id``), the channel comes from
    ``hs_survey_channel``; the survey type, response group and sentiment stay in
    ``attributes``.
    """
    fid = str(record["id"])
    props = record.get("properties") or {}
    kind = str(props.get("hs_survey_type") or "")
    found = survey_item(props, options)
    if found is None:
        ctx.skip(
            f"{kind or 'untyped'} survey answers without an item and scale: add "
            f'surveys.{kind or "<type>"} = {{item = "...", scale = {{min = .., max = ..}}}} '
            "to the source's settings"
        )
        return
    when = (
        props.get("hs_submission_timestamp")
        or props.get("hs_createdate")
        or record.get("createdAt")
    )
    if record.get("archived"):
        yield ctx.tombstone(
            "response",
            id=f"feedback:{fid}",
            item=found.item,
            value=None,
            scale=found.scale,
            occurred_at=_time(when or _archived_at(record, "feedback_submissions")),
        )
        return
    survey_id = props.get("hs_survey_id") or None
    stage = journey_stage(
        ctx,
        [*([f"survey:{survey_id}"] if survey_id else []), f"survey:{kind.lower()}"],
        report=None,
    )
    attributes = _attributes(
        stream,
        record,
        ctx,
        defs,
        skip=(
            "hs_value",
            "hs_content",
            "hs_contact_id",
            "hs_createdate",
            "hs_submission_timestamp",
        ),
    )
    attributes["survey_type"] = kind
    comment = props.get("hs_content") or None
    yield ctx.response(
        id=f"feedback:{fid}",
        item=found.item,
        value=_number(props.get("hs_value")),
        scale=found.scale,
        occurred_at=_time(when),
        customer_id=props.get("hs_contact_id") or None,
        survey=survey_id or props.get("hs_survey_name") or None,
        comment=str(comment) if comment is not None else None,
        channel=ctx.channel(props.get("hs_survey_channel") or None),
        stage=stage,
        attributes=attributes,
    )
