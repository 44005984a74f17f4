"""Mapping raw vendor records to cxcore records: journey rules, identities, record builders.

A :class:`MappingContext` is handed to :meth:`cxcore.sdk.source.Source.map` for every page.
It knows the configured source name (every record's ``source``), the journey, the channel
and stage rules, and the privacy policy, and builds records in the wire format of cxcore's
schemas so plugin code stays short::

    def map_record(self, stream, t, ctx):
        yield ctx.interaction(
            id=f"ticket:{t['id']}:created", type="ticket.created",
            occurred_at=t["created_at"], customer_id=t["requester_id"],
            channel=ctx.channel(t["via"]["channel"]), journey_instance=t["id"],
            attributes={"status": t["status"], **ctx.extras(stream, t)},
        )

Channel and stage rules are layered: the plugin's defaults (``Source.default_channels``),
then ``[mapping.channels]`` / ``[mapping.stages]`` of cxcore.toml, then the source's own
``mapping`` setting — the later wins. A value that maps to nothing the journey knows is left
empty (never a made-up channel) and counted, so the sync summary can say what to add.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from cxcore.model import Journey
from cxcore.model.convert import format_timestamp
from cxcore.model.records import RecordKind
from cxcore.sdk.privacy import PrivacyPolicy
from cxcore.sdk.source import Stream

__all__ = ["MappingContext", "MappingRules", "to_timestamp"]

_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
# Vendor timestamps are usually already canonical; matching them skips a parse per record.
_CANONICAL = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$")
_DIGITS = re.compile(r"^-?\d+(?:\.\d+)?$")


def to_timestamp(value: Any, *, millis: bool = False) -> str | None:
    """An RFC 3339 UTC timestamp (``2024-03-01T09:30:00Z``) from what vendors send.

    Accepts ISO 8601 strings (``Z`` or an offset; a naive value is taken as UTC), epoch
    seconds as a number or a digit string (milliseconds with ``millis=True``) and
    ``datetime`` objects. ``None`` and ``""`` give ``None``; anything else raises
    ``ValueError`` naming the value.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if _CANONICAL.match(value):
            return value
        if _DIGITS.match(value):
            value = float(value)
        else:
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"not a timestamp: {value!r}") from None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return format_timestamp(parsed)
    if isinstance(value, datetime):
        return format_timestamp(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if millis else value
        return format_timestamp(datetime.fromtimestamp(seconds, tz=UTC))
    raise ValueError(f"not a timestamp: {value!r}")


def _str_map(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


@attrs.frozen
class MappingRules:
    """Channel and stage rules: source value -> journey id."""

    channels: Mapping[str, str] = attrs.field(factory=dict, converter=_str_map)
    stages: Mapping[str, str] = attrs.field(factory=dict, converter=_str_map)

    def over(self, base: MappingRules) -> MappingRules:
        """These rules layered over ``base`` (ours win on the same source value)."""
        return MappingRules(
            channels={**base.channels, **self.channels},
            stages={**base.stages, **self.stages},
        )


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


class MappingContext:
    """Everything a source's ``map`` needs besides the raw records.

    Args:
        source: the configured source name; becomes every record's ``source``.
        journey: the workspace journey; channels and stages are checked against it.
        rules: merged channel and stage rules.
        privacy: how personal identifiers are stored (keyed hashes by default).
        identity_keys: ``[mapping] identity_keys`` (which identity kinds stitch customers).
    """

    def __init__(
        self,
        *,
        source: str,
        journey: Journey | None = None,
        rules: MappingRules | None = None,
        privacy: PrivacyPolicy | None = None,
        identity_keys: Iterable[str] = (),
    ) -> None:
        self.source = source
        self.journey = journey
        self.rules = rules or MappingRules()
        self.privacy = privacy or PrivacyPolicy()
        self.identity_keys = tuple(identity_keys)
        self._channels = {c.id for c in journey.channels} if journey else None
        self._stages = {s.id for s in journey.stages} if journey else None
        self._declared: dict[str, frozenset[str]] = {}
        #: (dimension, source value) -> how many records had it without a journey match.
        self.unmapped: Counter[tuple[str, str]] = Counter()
        #: reason -> how many raw records deliberately produced no cxcore record.
        self.skipped: Counter[str] = Counter()

    # -- journey dimensions ------------------------------------------------------------------

    def channel(self, value: Any, *, default: str | None = None) -> str | None:
        """The journey channel for a source channel value (``None`` when none fits)."""
        return self._dimension("channel", value, self.rules.channels, self._channels, default)

    def stage(self, value: Any, *, default: str | None = None) -> str | None:
        """The journey stage for a source stage value (``None`` when none fits)."""
        return self._dimension("stage", value, self.rules.stages, self._stages, default)

    def _dimension(
        self,
        dimension: str,
        value: Any,
        rules: Mapping[str, str],
        known: set[str] | None,
        default: str | None,
    ) -> str | None:
        if value is None or value == "":
            return default
        key = str(value)
        candidate = rules.get(key)
        if candidate is None:
            candidate = rules.get(key.lower(), key)
        if (known is not None and candidate not in known) or not _IDENTIFIER.match(candidate):
            if default is not None:
                return default
            self.unmapped[(dimension, key)] += 1
            return None
        return candidate

    def touchpoint(self, stage: str | None, channel: str | None) -> str | None:
        """The journey touchpoint at ``stage`` x ``channel``, if the journey maps one."""
        if self.journey is None or stage is None or channel is None:
            return None
        found = self.journey.touchpoint(stage, channel)
        return found.id if found is not None else None

    # -- privacy ------------------------------------------------------------------------------

    def identity(self, kind: str, value: Any) -> str | None:
        """A personal identifier as stored: keyed hash (default), clear, or ``None``."""
        return self.privacy.identifier(kind, value)

    def identities(self, **values: Any) -> dict[str, str]:
        """``identities`` for a customer: each non-empty identifier through :meth:`identity`."""
        out: dict[str, str] = {}
        for kind, value in values.items():
            stored = self.identity(kind, value)
            if stored is not None:
                out[kind] = stored
        return out

    def personal(self, value: Any) -> Any:
        """A personal field that is not an identifier (a name): kept only with ``pii="clear"``."""
        return self.privacy.personal(value)

    # -- helpers --------------------------------------------------------------------------------

    timestamp = staticmethod(to_timestamp)

    def extras(
        self, stream: Stream, record: Mapping[str, Any], *, exclude: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Raw fields the stream schema does not declare: new vendor fields (schema drift).

        Put them in ``attributes`` so nothing a vendor adds is silently dropped.
        """
        declared = self._declared.get(stream.name)
        if declared is None:
            declared = self._declared[stream.name] = stream.declared_fields
        skip = declared | frozenset(exclude)
        return {k: v for k, v in record.items() if k not in skip}

    def skip(self, reason: str) -> None:
        """Count a raw record that deliberately maps to nothing (reported in the summary)."""
        self.skipped[reason] += 1

    def notes(self) -> list[str]:
        """What the summary should tell the user about unmapped values and skipped records."""
        out = []
        for (dimension, value), count in sorted(self.unmapped.items()):
            target = "journey" if self.journey is not None else "identifier pattern"
            out.append(
                f"{count} record(s) with {dimension} {value!r} that matches no {target} "
                f'{dimension} (left empty): add {value} = "<{dimension} id>" under '
                f"[mapping.{dimension}s]"
            )
        for reason, count in sorted(self.skipped.items()):
            out.append(f"{count} record(s) skipped: {reason}")
        return out

    # -- record builders --------------------------------------------------------------------------

    def customer(
        self,
        *,
        id: Any,
        segment: str | None = None,
        identities: Mapping[str, str] | None = None,
        attributes: Mapping[str, Any] | None = None,
        created_at: Any = None,
        updated_at: Any = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """A ``customer`` record (``identities`` should come from :meth:`identities`)."""
        return _drop_none(
            {
                "kind": "customer",
                "source": self.source,
                "id": str(id),
                "segment": segment,
                "identities": dict(identities) if identities else None,
                "attributes": dict(attributes) if attributes else None,
                "created_at": to_timestamp(created_at),
                "updated_at": to_timestamp(updated_at),
                "deleted": True if deleted else None,
            }
        )

    def interaction(
        self,
        *,
        id: Any,
        type: str,
        occurred_at: Any,
        customer_id: Any = None,
        channel: str | None = None,
        stage: str | None = None,
        touchpoint: str | None = None,
        journey_instance: Any = None,
        recorded_at: Any = None,
        durations: Mapping[str, float | None] | None = None,
        attributes: Mapping[str, Any] | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """An ``interaction`` record; ``durations`` in seconds (``None`` values are left out)."""
        kept = {k: v for k, v in (durations or {}).items() if v is not None}
        return _drop_none(
            {
                "kind": "interaction",
                "source": self.source,
                "id": str(id),
                "type": type,
                "occurred_at": to_timestamp(occurred_at),
                "recorded_at": to_timestamp(recorded_at),
                "customer_id": _text(customer_id),
                "stage": stage,
                "channel": channel,
                "touchpoint": touchpoint or self.touchpoint(stage, channel),
                "journey_instance": _text(journey_instance),
                "durations": kept or None,
                "attributes": dict(attributes) if attributes else None,
                "deleted": True if deleted else None,
            }
        )

    def response(
        self,
        *,
        id: Any,
        item: str,
        value: float | None,
        scale: Mapping[str, Any],
        occurred_at: Any,
        customer_id: Any = None,
        survey: Any = None,
        comment: str | None = None,
        channel: str | None = None,
        stage: str | None = None,
        touchpoint: str | None = None,
        journey_instance: Any = None,
        pillar: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        deleted: bool = False,
    ) -> dict[str, Any]:
        """A ``response`` record: one answer on its scale (``value=None``: shown, unanswered)."""
        record = _drop_none(
            {
                "kind": "response",
                "source": self.source,
                "id": str(id),
                "item": item,
                "scale": dict(scale),
                "occurred_at": to_timestamp(occurred_at),
                "customer_id": _text(customer_id),
                "survey": _text(survey),
                "comment": comment or None,
                "stage": stage,
                "channel": channel,
                "touchpoint": touchpoint or self.touchpoint(stage, channel),
                "journey_instance": _text(journey_instance),
                "pillar": pillar,
                "attributes": dict(attributes) if attributes else None,
                "deleted": True if deleted else None,
            }
        )
        record["value"] = value  # required, even when null
        return record

    def tombstone(self, kind: RecordKind, **fields: Any) -> dict[str, Any]:
        """A deleted/archived record: the builder of ``kind`` with ``deleted=True``.

        Pass the fields the kind requires (``id``; ``type`` and ``occurred_at`` for an
        interaction; ``item``, ``value``, ``scale``, ``occurred_at`` for a response). The
        store replaces the live record and leaves it out of analyses.
        """
        fields["deleted"] = True
        if kind == "customer":
            return self.customer(**fields)
        if kind == "interaction":
            return self.interaction(**fields)
        return self.response(**fields)
