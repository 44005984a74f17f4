"""JSON Schemas (draft 2020-12) of the raw HubSpot CRM records the plugin reads.

Every CRM object comes back from the v3 search and list endpoints in one envelope:
``{id, properties: {name: string | null}, createdAt, updatedAt, archived, archivedAt?,
associations?}``. HubSpot sends every property value as a string (numbers and dates too), or
``null`` when unset.

The schemas are lenient where HubSpot is: additional properties are allowed everywhere, so a
property or envelope field HubSpot adds tomorrow is kept (in the cxcore record's
``attributes``) instead of rejecting the record, and a missing optional property is fine.
What they catch is a record the mapping would get wrong: no id, a ``properties`` that is not
an object, a property value that is not a string, a feedback submission without a survey type.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CONTACT", "DEAL", "FEEDBACK_SUBMISSION", "SCHEMAS", "TICKET"]

_BASE = "https://cxcore.dev/plugins/hubspot/schemas"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"

# HubSpot record ids are numeric strings ("10000001"); keyset paging relies on it.
_ID = {"type": "string", "pattern": "^[0-9]+$"}
_OPT_TEXT = {"type": ["string", "null"]}
_OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
_REQUIRED_TEXT = {"type": "string", "minLength": 1}
_ASSOCIATIONS = {
    "type": ["object", "null"],
    "additionalProperties": {
        "type": "object",
        "properties": {
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": ["string", "integer"]}},
                },
            }
        },
    },
}


def _object(
    name: str, title: str, *, required: tuple[str, ...] = (), typed: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The envelope of one CRM object type; ``required`` names properties it cannot lack."""
    properties: dict[str, Any] = {
        "type": "object",
        # Every property is a string or null; anything else means HubSpot changed its wire
        # format and the mapping's parsing would be guesswork.
        "additionalProperties": _OPT_TEXT,
        "required": list(required),
        "properties": {key: _REQUIRED_TEXT for key in required} | (typed or {}),
    }
    return {
        "$schema": _DRAFT,
        "$id": f"{_BASE}/{name}/1-0-0.json",
        "title": title,
        "type": "object",
        "required": ["id", "properties"],
        "properties": {
            "id": _ID,
            "properties": properties,
            "createdAt": _OPT_TIME,
            "updatedAt": _OPT_TIME,
            "archived": {"type": ["boolean", "null"]},
            "archivedAt": _OPT_TIME,
            "associations": _ASSOCIATIONS,
        },
    }


CONTACT = _object("contact", "HubSpot contact (CRM v3 search/list)")
DEAL = _object("deal", "HubSpot deal (CRM v3 search/list)")
TICKET = _object("ticket", "HubSpot ticket (CRM v3 search/list)")
# Without a survey type the answer's scale is unknown, and a value on an unknown scale is
# worse than no value: such a submission is rejected with this reason.
FEEDBACK_SUBMISSION = _object(
    "feedback_submission",
    "HubSpot feedback submission (CRM v3 search/list)",
    required=("hs_survey_type",),
)

#: Raw schema by stream name.
SCHEMAS: dict[str, dict[str, Any]] = {
    "contacts": CONTACT,
    "deals": DEAL,
    "tickets": TICKET,
    "feedback_submissions": FEEDBACK_SUBMISSION,
}
