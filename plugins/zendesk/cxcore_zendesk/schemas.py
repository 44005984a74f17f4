"""JSON Schemas (draft 2020-12) of the raw Zendesk records the plugin reads.

Written from Zendesk's API reference. They are deliberately lenient where Zendesk is: every
field but the few the mapping cannot do without is optional and may be ``null``, and
additional properties are allowed, so a field Zendesk adds tomorrow is kept (in the cxcore
record's ``attributes``) instead of rejecting the record. What they do catch is a record the
mapping would get wrong: a missing id, a timestamp that is not one, a ticket without status.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SATISFACTION_RATING", "TICKET", "TICKET_METRIC", "USER"]

_BASE = "https://cxcore.dev/plugins/zendesk/schemas"
_DRAFT = "https://json-schema.org/draft/2020-12/schema"

_ID = {"type": "integer"}
_OPT_ID = {"type": ["integer", "null"]}
_OPT_TEXT = {"type": ["string", "null"]}
_OPT_BOOL = {"type": ["boolean", "null"]}
_TIME = {"type": "string", "format": "date-time"}
_OPT_TIME = {"type": ["string", "null"], "format": "date-time"}
_IDS = {"type": ["array", "null"], "items": {"type": "integer"}}
_TAGS = {"type": ["array", "null"], "items": {"type": "string"}}
_CUSTOM_FIELDS = {
    "type": ["array", "null"],
    "items": {"type": "object", "properties": {"id": {"type": ["integer", "string"]}}},
}
# {calendar, business} minutes; Zendesk leaves both null until the event happened.
_MINUTES = {
    "type": ["object", "null"],
    "properties": {
        "calendar": {"type": ["integer", "number", "null"], "minimum": 0},
        "business": {"type": ["integer", "number", "null"], "minimum": 0},
    },
}


def _schema(
    name: str, title: str, required: list[str], properties: dict[str, Any]
) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "$id": f"{_BASE}/{name}/1-0-0.json",
        "title": title,
        "type": "object",
        "required": required,
        "properties": properties,
    }


TICKET = _schema(
    "ticket",
    "Zendesk ticket (incremental export)",
    ["id", "created_at", "status"],
    {
        "id": _ID,
        "url": _OPT_TEXT,
        "external_id": _OPT_TEXT,
        "via": {
            "type": ["object", "null"],
            "properties": {
                # A via type name ("email") on tickets; some endpoints give the numeric via id.
                "channel": {"type": ["string", "integer", "null"]},
                "source": {"type": ["object", "null"]},
            },
        },
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "type": _OPT_TEXT,
        "subject": _OPT_TEXT,
        "raw_subject": _OPT_TEXT,
        "description": _OPT_TEXT,
        "priority": _OPT_TEXT,
        "status": {"type": "string", "minLength": 1},
        "recipient": _OPT_TEXT,
        "requester_id": _OPT_ID,
        "submitter_id": _OPT_ID,
        "assignee_id": _OPT_ID,
        "organization_id": _OPT_ID,
        "group_id": _OPT_ID,
        "collaborator_ids": _IDS,
        "follower_ids": _IDS,
        "email_cc_ids": _IDS,
        "forum_topic_id": _OPT_ID,
        "problem_id": _OPT_ID,
        "has_incidents": _OPT_BOOL,
        "is_public": _OPT_BOOL,
        "due_at": _OPT_TIME,
        "tags": _TAGS,
        "custom_fields": _CUSTOM_FIELDS,
        "fields": _CUSTOM_FIELDS,
        "satisfaction_rating": {
            "type": ["object", "null"],
            "properties": {"id": _OPT_ID, "score": _OPT_TEXT, "comment": _OPT_TEXT},
        },
        "sharing_agreement_ids": _IDS,
        "custom_status_id": _OPT_ID,
        "followup_ids": _IDS,
        "ticket_form_id": _OPT_ID,
        "brand_id": _OPT_ID,
        "allow_channelback": _OPT_BOOL,
        "allow_attachments": _OPT_BOOL,
        "from_messaging_channel": _OPT_BOOL,
        "generated_timestamp": {"type": ["integer", "null"]},
    },
)

USER = _schema(
    "user",
    "Zendesk user (incremental export)",
    ["id"],
    {
        "id": _ID,
        "url": _OPT_TEXT,
        "name": _OPT_TEXT,
        "email": _OPT_TEXT,
        "created_at": _OPT_TIME,
        "updated_at": _OPT_TIME,
        "time_zone": _OPT_TEXT,
        "iana_time_zone": _OPT_TEXT,
        "phone": _OPT_TEXT,
        "shared_phone_number": _OPT_BOOL,
        "photo": {"type": ["object", "null"]},
        "locale_id": _OPT_ID,
        "locale": _OPT_TEXT,
        "organization_id": _OPT_ID,
        "role": _OPT_TEXT,
        "verified": _OPT_BOOL,
        "external_id": {"type": ["string", "integer", "null"]},
        "tags": _TAGS,
        "alias": _OPT_TEXT,
        "active": _OPT_BOOL,
        "shared": _OPT_BOOL,
        "shared_agent": _OPT_BOOL,
        "last_login_at": _OPT_TIME,
        "two_factor_auth_enabled": _OPT_BOOL,
        "signature": _OPT_TEXT,
        "details": _OPT_TEXT,
        "notes": _OPT_TEXT,
        "role_type": _OPT_ID,
        "custom_role_id": _OPT_ID,
        "moderator": _OPT_BOOL,
        "ticket_restriction": _OPT_TEXT,
        "only_private_comments": _OPT_BOOL,
        "restricted_agent": _OPT_BOOL,
        "suspended": _OPT_BOOL,
        "default_group_id": _OPT_ID,
        "report_csv": _OPT_BOOL,
        "user_fields": {"type": ["object", "null"]},
    },
)

TICKET_METRIC = _schema(
    "ticket_metric",
    "Zendesk ticket metrics",
    ["id", "ticket_id", "created_at"],
    {
        "id": _ID,
        "url": _OPT_TEXT,
        "ticket_id": _ID,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
        "group_stations": _OPT_ID,
        "assignee_stations": _OPT_ID,
        "reopens": {"type": ["integer", "null"], "minimum": 0},
        "replies": {"type": ["integer", "null"], "minimum": 0},
        "assignee_updated_at": _OPT_TIME,
        "requester_updated_at": _OPT_TIME,
        "status_updated_at": _OPT_TIME,
        "initially_assigned_at": _OPT_TIME,
        "assigned_at": _OPT_TIME,
        "solved_at": _OPT_TIME,
        "latest_comment_added_at": _OPT_TIME,
        "custom_status_updated_at": _OPT_TIME,
        "reply_time_in_minutes": _MINUTES,
        "first_resolution_time_in_minutes": _MINUTES,
        "full_resolution_time_in_minutes": _MINUTES,
        "agent_wait_time_in_minutes": _MINUTES,
        "requester_wait_time_in_minutes": _MINUTES,
        "on_hold_time_in_minutes": _MINUTES,
        "reply_time_in_seconds": {
            "type": ["object", "null"],
            "properties": {"calendar": {"type": ["integer", "number", "null"], "minimum": 0}},
        },
    },
)

SATISFACTION_RATING = _schema(
    "satisfaction_rating",
    "Zendesk satisfaction rating (CSAT)",
    ["id", "score", "created_at"],
    {
        "id": _ID,
        "url": _OPT_TEXT,
        "assignee_id": _OPT_ID,
        "group_id": _OPT_ID,
        "requester_id": _OPT_ID,
        "ticket_id": _OPT_ID,
        # offered, unoffered, good, bad (kept open: Zendesk has added scores before).
        "score": {"type": "string", "minLength": 1},
        "comment": _OPT_TEXT,
        "reason": _OPT_TEXT,
        "reason_id": _OPT_ID,
        "reason_code": _OPT_ID,
        "created_at": _TIME,
        "updated_at": _OPT_TIME,
    },
)
