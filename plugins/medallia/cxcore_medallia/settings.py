"""Settings of the Medallia source: the JSON Schema, the defaults and their parsed form.

Which Medallia field holds what is configuration, because field ids are instance-specific
(``e_`` record fields, ``q_`` survey answers, ``a_`` system fields, ``k_`` computed fields).
The defaults follow the names Medallia uses in its documentation and examples.

In cxcore.toml (every key except the four connection keys is optional)::

    [sources.voc]
    plugin = "medallia"

    [sources.voc.settings]
    token_url = "https://acme.medallia.com/oauth/acme/token"
    query_url = "https://acme.apis.medallia.com/data/v0/query"
    client_id = "cxcore-reader"
    client_secret = { env = "MEDALLIA_CLIENT_SECRET" }

    [sources.voc.settings.fields]          # merged over DEFAULT_FIELDS; "" turns one off
    date = "e_initialfinishdate"
    segment = "e_customer_tier"

    [sources.voc.settings.items.ces]       # merged over DEFAULT_ITEMS; false removes one
    field = "q_effort_1to7"
    scale = { min = 1, max = 7, direction = "lower_is_better" }
    if_empty = "skip"
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from cxcore.errors import ConfigError
from cxcore.sdk import secret_setting, settings_schema

__all__ = [
    "CONFIG_SCHEMA",
    "CSAT_SCALE",
    "DEFAULT_FIELDS",
    "DEFAULT_ITEMS",
    "DEFAULT_LOOKBACK_SECONDS",
    "DEFAULT_PERSONAL_FIELDS",
    "NPS_SCALE",
    "Condition",
    "MedalliaSettings",
    "ScoreItem",
    "parse_items",
]

#: Likelihood to recommend, 0-10, with the standard NPS buckets.
NPS_SCALE: Mapping[str, Any] = {
    "min": 0,
    "max": 10,
    "direction": "higher_is_better",
    "buckets": [
        {"name": "detractor", "low": 0, "high": 6},
        {"name": "passive", "low": 7, "high": 8},
        {"name": "promoter", "low": 9, "high": 10},
    ],
}

#: Overall satisfaction, 1 (very dissatisfied) to 5 (very satisfied).
CSAT_SCALE: Mapping[str, Any] = {"min": 1, "max": 5, "direction": "higher_is_better"}

#: Role -> Medallia field id. ``id`` and ``date`` are the keyset watermark and required.
DEFAULT_FIELDS: Mapping[str, str | None] = {
    "id": "a_surveyid",
    "date": "e_responsedate",
    "customer": "a_customerid",
    "email": "e_email",
    "phone": None,
    "touchpoint": "e_touchpoint",
    "channel": "e_channel",
    "segment": None,
    "survey": None,
}

#: Score items: response ``item`` -> where its answer (and comment) is and on which scale.
DEFAULT_ITEMS: Mapping[str, Mapping[str, Any]] = {
    "nps": {
        "field": "q_global_nps_0to10",
        "comment": "q_global_nps_comment_txt",
        "scale": NPS_SCALE,
    },
    "csat": {"field": "q_osat_1to5", "scale": CSAT_SCALE},
}

#: Field ids (shell patterns) holding personal data: fetched and kept only with pii="clear".
DEFAULT_PERSONAL_FIELDS: tuple[str, ...] = (
    "*email*",
    "*e_mail*",
    "*phone*",
    "*mobile*",
    "*firstname*",
    "*first_name*",
    "*lastname*",
    "*last_name*",
    "*fullname*",
    "*full_name*",
    "*surname*",
    "*address*",
    "*birth*",
    "*postcode*",
    "*postal*",
    "*zipcode*",
)

#: Re-read this far behind the saved watermark: Medallia indexes some responses late.
DEFAULT_LOOKBACK_SECONDS = 600.0
DEFAULT_PAGE_SIZE = 1000
#: developer.medallia.com states 10 requests/s for the Query API (docs.medallia.com says 70);
#: the lower figure is the safe default.
DEFAULT_REQUESTS_PER_SECOND = 10.0

_FIELD_ID = "^[A-Za-z_][A-Za-z0-9_]*$"
_FIELD_OR_OFF = {
    "type": ["string", "null"],
    "pattern": f"^$|{_FIELD_ID}",
    "description": "A Medallia field id; empty to turn this role off.",
}
_FIELD = {"type": "string", "pattern": _FIELD_ID}
_SCALAR = {"type": ["string", "number"]}
_SCALE = {
    "type": "object",
    "required": ["min", "max", "direction"],
    "additionalProperties": False,
    "properties": {
        "min": {"type": "number"},
        "max": {"type": "number"},
        "direction": {"enum": ["higher_is_better", "lower_is_better"]},
        "buckets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "low", "high"],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "low": {"type": "number"},
                    "high": {"type": "number"},
                    "weight": {"type": "number"},
                },
            },
        },
        "points": {"type": "object", "additionalProperties": {"type": "number"}},
    },
    "description": "Answer range and direction (stated explicitly: CES scales run both ways).",
}
_ITEM = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "field": {**_FIELD, "description": "Field id of the answer."},
        "comment": {**_FIELD_OR_OFF, "description": "Field id of this item's comment."},
        "scale": _SCALE,
        "if_empty": {
            "enum": ["null", "skip"],
            "description": "An empty answer: null = shown but unanswered (a response with "
            "value null, the default); skip = not asked (no response).",
        },
        "values": {
            "type": "object",
            "additionalProperties": {"type": "number"},
            "description": "Answer option id -> value, for enums whose ids are not the values.",
        },
    },
}
_CONDITION = {
    "type": "object",
    "required": ["field"],
    "additionalProperties": False,
    "minProperties": 2,
    "properties": {
        "field": _FIELD,
        "in": {"type": "array", "items": _SCALAR, "minItems": 1},
        "gt": _SCALAR,
        "gte": _SCALAR,
        "lt": _SCALAR,
        "lte": _SCALAR,
        "is_null": {"type": "boolean"},
    },
}

CONFIG_SCHEMA: dict[str, Any] = settings_schema(
    {
        "token_url": {
            "type": "string",
            "pattern": "^https?://",
            "description": "OAuth token endpoint of the reporting instance: "
            "https://<instance>.medallia.com/oauth/<company>/token.",
        },
        "query_url": {
            "type": "string",
            "pattern": "^https?://",
            "description": "Query API endpoint: https://<gateway>.apis.medallia.com/data/v0/query.",
        },
        "client_id": {"type": "string", "minLength": 1, "description": "OAuth client id."},
        "client_secret": secret_setting("OAuth client secret of that client id."),
        "fields": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": {**_FIELD, "description": "Record id; second part of the watermark."},
                "date": {**_FIELD, "description": "Response date; first part of the watermark."},
                **{
                    role: {**_FIELD_OR_OFF, "description": text}
                    for role, text in (
                        ("customer", "Customer identifier (stored as a keyed hash)."),
                        ("email", "Customer e-mail (stored as a keyed hash)."),
                        ("phone", "Customer phone (stored as a keyed hash)."),
                        ("touchpoint", "Touchpoint; its values map to journey stages."),
                        ("channel", "Channel; its values map to journey channels."),
                        ("segment", "Customer segment."),
                        ("survey", "Survey or programme name."),
                    )
                },
            },
            "description": "Which field holds what (merged over the defaults).",
        },
        "items": {
            "type": "object",
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            # The default items may be changed key by key; a new one states field and scale.
            "properties": {name: {"anyOf": [{"const": False}, _ITEM]} for name in DEFAULT_ITEMS},
            "additionalProperties": {
                "anyOf": [{"const": False}, {**_ITEM, "required": ["field", "scale"]}]
            },
            "description": "Score items (merged over nps and csat; false removes one).",
        },
        "segments": {
            "type": "object",
            "additionalProperties": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:\\-]*$",
            },
            "description": "Segment field value -> journey segment id (default: the value "
            "lower-cased, e.g. Gold Tier -> gold_tier).",
        },
        "attributes": {
            "anyOf": [
                {"enum": ["all", "none"]},
                {"type": "array", "items": _FIELD, "uniqueItems": True},
            ],
            "description": "Other fields kept in attributes: all (default), none, or a list.",
        },
        "exclude_fields": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "Field ids (shell patterns) never fetched.",
        },
        "personal_fields": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "description": "More field ids (shell patterns) holding personal data.",
        },
        "filter": {
            "type": "array",
            "items": _CONDITION,
            "description": 'Only records matching all of these, e.g. [{field = "e_status", '
            'in = ["1"]}].',
        },
        "start_date": {
            "type": ["string", "integer"],
            "description": "First sync starts at this response date (YYYY-MM-DD[ HH:MM:SS] "
            "or Unix seconds); default: everything.",
        },
        "timezone": {
            "type": "string",
            "minLength": 1,
            "description": "Time zone of the instance's date values (default UTC).",
        },
        "page_size": {
            "type": "integer",
            "minimum": 2,
            "maximum": 1000,
            "description": "Records per Query API request (default 1000, the maximum).",
        },
        "requests_per_second": {
            "type": "number",
            "minimum": 0,
            "description": "Client-side Query API pace (default 10); 0 turns it off.",
        },
    },
    required=("token_url", "query_url", "client_id", "client_secret"),
    title="Medallia Experience Cloud source settings",
)


@attrs.frozen(kw_only=True)
class ScoreItem:
    """One score item: the field of its answer, its comment field and its scale."""

    name: str
    field: str
    scale: Mapping[str, Any]
    comment: str | None = None
    if_empty: Literal["null", "skip"] = "null"
    values: Mapping[str, float] = attrs.field(factory=dict)

    def value(self, raw: Any) -> float | int | None:
        """The answer as a number on the scale (``None`` when empty).

        Raises ``ValueError`` naming the item for an answer that is not a number or lies
        outside the scale, so the record is rejected with that reason instead of storing
        a value the metrics would refuse or, worse, silently count.
        """
        if isinstance(raw, list):
            raw = raw[0] if raw else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        text = str(raw).strip()
        if text in self.values:
            number = float(self.values[text])
        else:
            try:
                number = float(text)
            except ValueError:
                raise ValueError(
                    f"item {self.name}: answer {text!r} in field {self.field} is not a number "
                    f"(map option ids to values with items.{self.name}.values)"
                ) from None
        low, high = float(self.scale["min"]), float(self.scale["max"])
        if not low <= number <= high:
            raise ValueError(
                f"item {self.name}: answer {number:g} in field {self.field} is outside its "
                f"scale {low:g}..{high:g} (check items.{self.name}.scale)"
            )
        return int(number) if number.is_integer() else number


@attrs.frozen(kw_only=True)
class Condition:
    """A filter condition from the ``filter`` setting."""

    field: str
    ops: Mapping[str, Any]


def _text_field(value: Any, where: str, *, required: bool) -> str | None:
    if value is None or value == "" or value is False:
        if required:
            raise ConfigError(f"{where}: a field id is required")
        return None
    if not isinstance(value, str) or not re.match(_FIELD_ID, value):
        raise ConfigError(f"{where}: expected a Medallia field id such as e_responsedate")
    return value


def _item(name: str, spec: Mapping[str, Any]) -> ScoreItem:
    where = f"settings.items.{name}"
    field = _text_field(spec.get("field"), f"{where}.field", required=True)
    scale = spec.get("scale")
    if not isinstance(scale, Mapping) or not {"min", "max", "direction"} <= set(scale):
        raise ConfigError(
            f"{where}.scale: state min, max and direction (higher_is_better or "
            'lower_is_better), e.g. { min = 1, max = 7, direction = "lower_is_better" }'
        )
    if float(scale["min"]) >= float(scale["max"]):
        raise ConfigError(f"{where}.scale: min must be below max")
    if_empty = spec.get("if_empty", "null")
    if if_empty not in ("null", "skip"):
        raise ConfigError(f"{where}.if_empty: expected null or skip")
    values = {str(k): float(v) for k, v in (spec.get("values") or {}).items()}
    assert field is not None  # required=True
    return ScoreItem(
        name=name,
        field=field,
        scale=dict(scale),
        comment=_text_field(spec.get("comment"), f"{where}.comment", required=False),
        if_empty=if_empty,
        values=values,
    )


def parse_items(configured: Mapping[str, Any] | None) -> tuple[ScoreItem, ...]:
    """The score items: ``configured`` merged over :data:`DEFAULT_ITEMS` by name."""
    merged: dict[str, Any] = {name: dict(spec) for name, spec in DEFAULT_ITEMS.items()}
    for name, spec in (configured or {}).items():
        if spec is False:
            merged.pop(name, None)
        elif isinstance(spec, Mapping):
            # A configured scale replaces the default one whole: half of one scale and half
            # of another would be a scale nobody chose.
            merged[name] = {**merged.get(name, {}), **spec}
        else:
            raise ConfigError(f"settings.items.{name}: expected a table or false")
    return tuple(_item(name, spec) for name, spec in merged.items())


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"settings.timezone: unknown time zone {name!r} (use an IANA name such as Europe/Paris)"
        ) from None


def _check_url(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"settings.{key}: expected an http(s):// URL")
    if not urlsplit(value).hostname:
        raise ConfigError(f"settings.{key}: no host in the URL")
    return value


@attrs.frozen(kw_only=True)
class MedalliaSettings:
    """The validated, defaulted settings of one Medallia source."""

    token_url: str
    query_url: str
    client_id: str
    fields: Mapping[str, str | None]
    items: tuple[ScoreItem, ...]
    segments: Mapping[str, str] = attrs.field(factory=dict)
    attributes: Literal["all", "none"] | tuple[str, ...] = "all"
    exclude_fields: tuple[str, ...] = ()
    personal_fields: tuple[str, ...] = DEFAULT_PERSONAL_FIELDS
    filter: tuple[Condition, ...] = ()
    start_date: str | int | None = None
    timezone: tzinfo = UTC
    page_size: int = DEFAULT_PAGE_SIZE
    requests_per_second: float = DEFAULT_REQUESTS_PER_SECOND

    @classmethod
    def parse(cls, settings: Mapping[str, Any]) -> MedalliaSettings:
        """Parse settings (already checked against :data:`CONFIG_SCHEMA` by the SDK when the
        source comes from cxcore.toml; checked again here for direct construction)."""
        for key in ("token_url", "query_url", "client_id", "client_secret"):
            if not settings.get(key):
                raise ConfigError(f"settings.{key} is required")
        configured = settings.get("fields") or {}
        unknown = set(configured) - set(DEFAULT_FIELDS)
        if unknown:
            raise ConfigError(
                f"settings.fields: unknown role(s) {sorted(unknown)}; known: "
                f"{', '.join(DEFAULT_FIELDS)}"
            )
        fields = {
            role: _text_field(
                configured.get(role, default),
                f"settings.fields.{role}",
                required=role in ("id", "date"),
            )
            for role, default in DEFAULT_FIELDS.items()
        }
        listed = settings.get("attributes", "all")
        attributes: Literal["all", "none"] | tuple[str, ...]
        if listed == "all":
            attributes = "all"
        elif listed == "none":
            attributes = "none"
        elif isinstance(listed, list | tuple) and all(isinstance(a, str) for a in listed):
            attributes = tuple(listed)
        else:
            raise ConfigError("settings.attributes: expected all, none or a list of field ids")
        conditions = []
        for index, spec in enumerate(settings.get("filter") or ()):
            field = _text_field(spec.get("field"), f"settings.filter[{index}].field", required=True)
            ops = {k: v for k, v in spec.items() if k != "field"}
            if not ops:
                raise ConfigError(f"settings.filter[{index}]: give in, gt, gte, lt, lte or is_null")
            assert field is not None
            conditions.append(Condition(field=field, ops=ops))
        start = settings.get("start_date")
        if start is not None and not isinstance(start, int):
            _check_start(str(start))
        return cls(
            token_url=_check_url(settings["token_url"], "token_url"),
            query_url=_check_url(settings["query_url"], "query_url"),
            client_id=str(settings["client_id"]),
            fields=fields,
            items=parse_items(settings.get("items")),
            segments={str(k): str(v) for k, v in (settings.get("segments") or {}).items()},
            attributes=attributes,
            exclude_fields=tuple(settings.get("exclude_fields") or ()),
            personal_fields=(
                *DEFAULT_PERSONAL_FIELDS,
                *(settings.get("personal_fields") or ()),
            ),
            filter=tuple(conditions),
            start_date=start,
            timezone=_zone(str(settings.get("timezone") or "UTC")),
            page_size=int(settings.get("page_size") or DEFAULT_PAGE_SIZE),
            requests_per_second=float(
                settings.get("requests_per_second", DEFAULT_REQUESTS_PER_SECOND)
            ),
        )

    @property
    def id_field(self) -> str:
        """The record id field (second part of the watermark)."""
        value = self.fields["id"]
        assert value is not None  # required when parsed
        return value

    @property
    def date_field(self) -> str:
        """The response date field (first part of the watermark)."""
        value = self.fields["date"]
        assert value is not None  # required when parsed
        return value

    def is_personal(self, field_id: str) -> bool:
        """Whether ``field_id`` matches a personal-data pattern."""
        lowered = field_id.lower()
        return any(fnmatch.fnmatchcase(lowered, p.lower()) for p in self.personal_fields)

    def is_excluded(self, field_id: str) -> bool:
        """Whether ``field_id`` matches an ``exclude_fields`` pattern."""
        return any(fnmatch.fnmatchcase(field_id, p) for p in self.exclude_fields)


def _check_start(text: str) -> None:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"settings.start_date: expected YYYY-MM-DD, YYYY-MM-DD HH:MM:SS or Unix seconds, "
            f"got {text!r}"
        ) from None
