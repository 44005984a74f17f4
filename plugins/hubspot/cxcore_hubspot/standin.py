"""A local stand-in for the HubSpot CRM v3 API (the subset the cxcore HubSpot source uses).

Served endpoints (object types by name or id: ``contacts``/``0-1``, ``companies``/``0-2``,
``deals``/``0-3``, ``tickets``/``0-5``, ``feedback_submissions``/``0-19``):

* ``POST /crm/v3/objects/{object}/search`` — body ``{filterGroups, sorts, properties,
  limit, after, query}``.  Filters: ``EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN HAS_PROPERTY
  NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN`` (groups OR-ed, filters AND-ed; at
  most 5 groups, 10 filters per group, 25 in all); datetime values as epoch milliseconds
  or ISO-8601; ``sorts`` ascending/descending (ties broken by id).  ``limit`` ≤ 200
  (default 10); ``after`` is the offset of the next page and the response carries
  ``total``, ``results`` and ``paging.next.after`` while more match.  HubSpot's hard cap
  of 10,000 results per query is enforced: a request with ``after`` ≥ 10,000 gets 400.
  Archived records never match.  Records modified within ``search_index_lag_seconds``
  are not yet searchable (HubSpot's search index lags).
* ``GET /crm/v3/objects/{object}`` — list API: ``limit`` ≤ 100 (default 10), ``after``,
  ``properties``, ``associations``, ``archived=true`` (only archived records, with
  ``archivedAt``); ordered by id; ``paging.next {after, link}``.
* ``GET /crm/v3/objects/{object}/{id}`` — one record (``archived=true`` to read an
  archived one).
* ``GET /crm/v3/properties/{object}`` and ``GET /crm/v3/properties/{object}/{name}`` —
  property definitions with ``options`` (e.g. ``contacts/lifecyclestage``, overridable
  with ``properties=``).

Records are served HubSpot-shaped: ``{id, properties{...strings...}, createdAt,
updatedAt, archived}``.  Without ``properties`` a request gets the object's default
properties; with them, the requested ones (``null`` when unset) plus ``hs_object_id``
and the create/modify dates.

Auth: private-app token, ``Authorization: Bearer <token>``; otherwise 401 with
``category: INVALID_AUTHENTICATION``.  With ``scopes=`` given, a missing
``crm.objects.<object>.read``-style scope gets 403 ``MISSING_SCOPES``.  Every error is
HubSpot-shaped: ``{"status": "error", "message", "correlationId", "category"}``.

Rate limits (off by default): ``search_rate_limit_per_second`` (HubSpot: 5) answers 429
``{"errorType": "RATE_LIMIT", "policyName": "SECONDLY", ...}`` without rate-limit headers;
``rate_limit_per_10s`` (private apps: 100–190) answers 429 ``TEN_SECONDLY_ROLLING`` with
``X-HubSpot-RateLimit-*`` headers, which normal non-search responses carry too.  No
``Retry-After`` on enforced 429s unless ``send_retry_after=True`` (HubSpot does not
promise one).

Mutations for multi-run tests: :meth:`HubSpotStandin.add`, :meth:`~HubSpotStandin.update`
(bumps the modified date), :meth:`~HubSpotStandin.archive` (does *not* bump
``hs_lastmodifieddate``, so search-based syncs never see it — use the list API with
``archived=true``), :meth:`~HubSpotStandin.restore`, :meth:`~HubSpotStandin.gdpr_delete`.
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypedDict

from cxcore.testing.standin import (
    Clock,
    Fault,
    FaultPlan,
    RateLimit,
    RateLimitState,
    Request,
    Response,
    Route,
    StandinError,
    StandinServer,
    bearer_token,
    iso_z,
    json_response,
    parse_iso,
    sample_people,
    stable_uuid,
    url_with_query,
)

__all__ = ["HubSpotDataset", "HubSpotStandin", "sample_dataset"]

Record = dict[str, Any]

SEARCH_MAX_LIMIT = 200
SEARCH_DEFAULT_LIMIT = 10
SEARCH_MAX_RESULTS = 10_000
LIST_MAX_LIMIT = 100
LIST_DEFAULT_LIMIT = 10
MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
NOMINAL_TEN_SECOND_LIMIT = 190
NOMINAL_DAILY_LIMIT = 650_000

OBJECT_TYPE_IDS: dict[str, str] = {
    "0-1": "contacts",
    "0-2": "companies",
    "0-3": "deals",
    "0-5": "tickets",
    "0-19": "feedback_submissions",
}
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "contacts": (
        "createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname",
    ),
    "companies": ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
    "deals": (
        "amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
        "hs_object_id", "pipeline",
    ),
    "tickets": (
        "content", "createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
        "hs_pipeline_stage", "hs_ticket_category", "hs_ticket_priority", "subject",
    ),
    "feedback_submissions": ("hs_createdate", "hs_lastmodifieddate", "hs_object_id"),
}  # fmt: skip
READ_SCOPES: dict[str, str] = {
    "contacts": "crm.objects.contacts.read",
    "companies": "crm.objects.companies.read",
    "deals": "crm.objects.deals.read",
    "tickets": "tickets",
    "feedback_submissions": "crm.objects.feedback_submissions.read",
}
_OPERATORS = frozenset(
    (
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    )  # fmt: skip
)
_TEXT_SEARCH = {
    "contacts": ("firstname", "lastname", "email", "phone", "company"),
    "companies": ("name", "domain", "phone", "website"),
    "deals": ("dealname",),
    "tickets": ("subject", "content"),
    "feedback_submissions": ("hs_content", "hs_survey_name"),
}


def created_property(object_type: str) -> str:
    """The property holding the create date (``hs_createdate`` for feedback submissions)."""
    return "hs_createdate" if object_type == "feedback_submissions" else "createdate"


def modified_property(object_type: str) -> str:
    """The property holding the last-modified date (``lastmodifieddate`` for contacts)."""
    return "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"


# ---- property definitions -------------------------------------------------------------------


def _options(pairs: Sequence[tuple[str, str]]) -> list[Record]:
    return [
        {"label": label, "value": value, "description": "", "displayOrder": i, "hidden": False}
        for i, (value, label) in enumerate(pairs)
    ]


_LIFECYCLE = (
    ("subscriber", "Subscriber"), ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"),
    ("customer", "Customer"), ("evangelist", "Evangelist"), ("other", "Other"),
)  # fmt: skip
_DEAL_STAGES = (
    ("appointmentscheduled", "Appointment Scheduled"), ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("decisionmakerboughtin", "Decision Maker Bought-In"), ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"), ("closedlost", "Closed Lost"),
)  # fmt: skip
_TICKET_STAGES = (
    ("1", "New"),
    ("2", "Waiting on contact"),
    ("3", "Waiting on us"),
    ("4", "Closed"),
)
_PRIORITIES = (("LOW", "Low"), ("MEDIUM", "Medium"), ("HIGH", "High"), ("URGENT", "Urgent"))
_CATEGORIES = (
    ("PRODUCT_ISSUE", "Product issue"), ("BILLING_ISSUE", "Billing issue"),
    ("FEATURE_REQUEST", "Feature request"), ("GENERAL_INQUIRY", "General inquiry"),
)  # fmt: skip
_SOURCES = (("EMAIL", "Email"), ("CHAT", "Chat"), ("FORM", "Form"), ("PHONE", "Phone"))
_SURVEY_TYPES = (("NPS", "NPS"), ("CSAT", "CSAT"), ("CES", "CES"), ("CUSTOM", "Custom"))
_RESPONSE_GROUPS = (
    ("PROMOTER", "Promoter"), ("PASSIVE", "Passive"), ("DETRACTOR", "Detractor"),
    ("POSITIVE", "Positive"), ("NEUTRAL", "Neutral"), ("NEGATIVE", "Negative"),
)  # fmt: skip
_CHANNELS = (("EMAIL", "Email"), ("WEB", "Web"), ("CHAT", "Chat"))
_LEAD_STATUS = (
    ("NEW", "New"), ("OPEN", "Open"), ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"), ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"), ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
)  # fmt: skip

_DT = ("datetime", "date")
_PROPERTY_TABLE: dict[str, list[tuple[str, str, str, Sequence[tuple[str, str]]]]] = {
    # name, label, type, options
    "contacts": [
        ("email", "Email", "string", ()),
        ("firstname", "First Name", "string", ()),
        ("lastname", "Last Name", "string", ()),
        ("phone", "Phone Number", "string", ()),
        ("company", "Company Name", "string", ()),
        ("lifecyclestage", "Lifecycle Stage", "enumeration", _LIFECYCLE),
        ("hs_lead_status", "Lead Status", "enumeration", _LEAD_STATUS),
        ("createdate", "Create Date", "datetime", ()),
        ("lastmodifieddate", "Last Modified Date", "datetime", ()),
        ("hs_lastmodifieddate", "Object last modified date/time", "datetime", ()),
        ("hs_object_id", "Record ID", "number", ()),
    ],
    "companies": [
        ("name", "Company name", "string", ()),
        ("domain", "Company Domain Name", "string", ()),
        ("createdate", "Create Date", "datetime", ()),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", ()),
        ("hs_object_id", "Record ID", "number", ()),
    ],
    "deals": [
        ("dealname", "Deal Name", "string", ()),
        ("amount", "Amount", "number", ()),
        ("closedate", "Close Date", "datetime", ()),
        ("pipeline", "Pipeline", "enumeration", (("default", "Sales Pipeline"),)),
        ("dealstage", "Deal Stage", "enumeration", _DEAL_STAGES),
        ("createdate", "Create Date", "datetime", ()),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", ()),
        ("hs_object_id", "Record ID", "number", ()),
    ],
    "tickets": [
        ("subject", "Ticket name", "string", ()),
        ("content", "Ticket description", "string", ()),
        ("hs_pipeline", "Pipeline", "enumeration", (("0", "Support Pipeline"),)),
        ("hs_pipeline_stage", "Ticket status", "enumeration", _TICKET_STAGES),
        ("hs_ticket_priority", "Priority", "enumeration", _PRIORITIES),
        ("hs_ticket_category", "Category", "enumeration", _CATEGORIES),
        ("source_type", "Source", "enumeration", _SOURCES),
        ("createdate", "Create date", "datetime", ()),
        ("closed_date", "Close date", "datetime", ()),
        ("time_to_close", "Time to close (HH:mm:ss)", "number", ()),
        ("time_to_first_agent_reply", "Time to first agent email reply", "number", ()),
        ("hs_lastmodifieddate", "Last modified date", "datetime", ()),
        ("hs_object_id", "Record ID", "number", ()),
    ],
    "feedback_submissions": [
        ("hs_survey_type", "Survey type", "enumeration", _SURVEY_TYPES),
        ("hs_value", "Response value", "number", ()),
        ("hs_response_group", "Response group", "enumeration", _RESPONSE_GROUPS),
        ("hs_content", "Response", "string", ()),
        ("hs_survey_channel", "Survey channel", "enumeration", _CHANNELS),
        ("hs_survey_id", "Survey ID", "string", ()),
        ("hs_survey_name", "Survey name", "string", ()),
        ("hs_submission_name", "Submission name", "string", ()),
        ("hs_submission_timestamp", "Submitted at", "datetime", ()),
        ("hs_contact_id", "Contact ID", "string", ()),
        ("hs_contact_email_rollup", "Contact email", "string", ()),
        ("hs_engagement_id", "Engagement ID", "string", ()),
        ("hs_createdate", "Create date", "datetime", ()),
        ("hs_lastmodifieddate", "Last modified date", "datetime", ()),
        ("hs_object_id", "Record ID", "number", ()),
    ],
}
_FIELD_TYPES = {"string": "text", "number": "number", "datetime": "date", "enumeration": "select"}


def default_property_definitions(object_type: str) -> list[Record]:
    """HubSpot-shaped definitions of the properties the stand-in knows for ``object_type``."""
    out: list[Record] = []
    for order, (name, label, ptype, options) in enumerate(_PROPERTY_TABLE.get(object_type, [])):
        out.append(
            {
                "updatedAt": "2020-01-01T00:00:00.000Z",
                "createdAt": "2019-08-06T02:41:52.000Z",
                "name": name,
                "label": label,
                "type": ptype,
                "fieldType": _FIELD_TYPES[ptype],
                "description": "",
                "groupName": f"{object_type.rstrip('s')}information",
                "options": _options(options),
                "displayOrder": order,
                "calculated": False,
                "externalOptions": False,
                "hasUniqueValue": False,
                "hidden": False,
                "hubspotDefined": True,
                "modificationMetadata": {
                    "archivable": False,
                    "readOnlyDefinition": True,
                    "readOnlyValue": name.startswith("hs_") or name.endswith("date"),
                },
                "formField": ptype != "datetime",
            }
        )
    return out


# ---- helpers ------------------------------------------------------------------------------------


def _ms(value: Any) -> int:
    """A datetime property or filter value (epoch ms or ISO-8601) as epoch milliseconds."""
    if isinstance(value, int | float):
        return int(value)
    return _ms_text(str(value).strip())


@functools.lru_cache(maxsize=1 << 16)
def _ms_text(text: str) -> int:
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return int(round(parse_iso(text) * 1000))


def _prop_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HubSpotStandin(StandinServer):
    """In-process HubSpot CRM v3 stand-in (see the module docstring for endpoints).

    Args:
        contacts, deals, tickets, feedback_submissions: records in the API's shape
            (``{"id", "properties", "createdAt", "updatedAt", "archived", ...}``, e.g.
            from :func:`sample_dataset`); a record may carry ``associations`` in the
            API's shape, served when a list/read request asks for them.
        properties: property definitions per object type, merged by ``name`` over the
            built-in ones (e.g. customised ``lifecyclestage`` options).
        token: the private-app token accepted as ``Authorization: Bearer``.
        companies, objects: records of other object types.
        scopes: granted scopes (``None`` = everything).
        search_rate_limit_per_second: enforce the search limit (HubSpot: 5).
        rate_limit_per_10s: enforce the general rolling ten-second limit.
        send_retry_after: add ``Retry-After`` to enforced 429s.
        search_index_lag_seconds: hide records modified this recently from search.
        portal_id: the account id used in 429 bodies.
        faults, clock, host, port: see :class:`~cxcore.testing.standin.StandinServer`.
    """

    vendor = "hubspot"

    def __init__(
        self,
        contacts: Iterable[Mapping[str, Any]] = (),
        deals: Iterable[Mapping[str, Any]] = (),
        tickets: Iterable[Mapping[str, Any]] = (),
        feedback_submissions: Iterable[Mapping[str, Any]] = (),
        properties: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        *,
        token: str = "pat-na1-standin-token",
        companies: Iterable[Mapping[str, Any]] = (),
        objects: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        scopes: Iterable[str] | None = None,
        search_rate_limit_per_second: int | None = None,
        rate_limit_per_10s: int | None = None,
        send_retry_after: bool = False,
        search_index_lag_seconds: float = 0.0,
        portal_id: int = 12345678,
        faults: FaultPlan | Iterable[Fault] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        limits = [
            RateLimit(
                rate_limit_per_10s or NOMINAL_TEN_SECOND_LIMIT,
                10.0,
                name="ten_secondly",
                applies=lambda r: not _is_search(r),
                enforce=rate_limit_per_10s is not None,
            ),
            RateLimit(
                NOMINAL_DAILY_LIMIT,
                86_400.0,
                name="daily",
                applies=lambda r: not _is_search(r),
                enforce=False,
            ),
        ]
        if search_rate_limit_per_second is not None:
            limits.append(
                RateLimit(search_rate_limit_per_second, 1.0, name="search", applies=_is_search)
            )
        super().__init__(faults=faults, rate_limits=limits, clock=clock, host=host, port=port)
        self.token = token
        self.scopes = None if scopes is None else frozenset(scopes)
        self.send_retry_after = send_retry_after
        self.search_index_lag_seconds = search_index_lag_seconds
        self.portal_id = portal_id
        self._objects: dict[str, dict[str, Record]] = {}
        given: dict[str, Iterable[Mapping[str, Any]]] = {
            "contacts": contacts,
            "companies": companies,
            "deals": deals,
            "tickets": tickets,
            "feedback_submissions": feedback_submissions,
            **(objects or {}),
        }
        for object_type, records in given.items():
            store = self._objects.setdefault(object_type, {})
            for record in records:
                normal = self._normalise(object_type, record)
                store[normal["id"]] = normal
        self._properties: dict[str, dict[str, Record]] = {}
        for object_type in set(_PROPERTY_TABLE) | set(self._objects):
            defs = {d["name"]: d for d in default_property_definitions(object_type)}
            for override in (properties or {}).get(object_type, ()):
                defs[str(override["name"])] = {**defs.get(str(override["name"]), {}), **override}
            self._properties[object_type] = defs

    # ---- dataset access and mutation ---------------------------------------------------

    def objects(self, object_type: str) -> list[Record]:
        """Copies of every record of ``object_type`` (archived included), by id."""
        with self.lock:
            store = self._objects.get(self._canonical(object_type), {})
            return [_copy(store[k]) for k in sorted(store, key=int)]

    def get(self, object_type: str, object_id: str | int) -> Record:
        """A copy of one record."""
        with self.lock:
            return _copy(self._objects[self._canonical(object_type)][str(object_id)])

    def _normalise(self, object_type: str, record: Mapping[str, Any]) -> Record:
        props = {k: _prop_str(v) for k, v in dict(record.get("properties") or {}).items()}
        rid = str(record.get("id") or props.get("hs_object_id") or "")
        if not rid:
            raise ValueError(f"{object_type} record without id: {record!r}")
        props.setdefault("hs_object_id", rid)
        created = record.get("createdAt") or props.get(created_property(object_type))
        updated = record.get("updatedAt") or props.get(modified_property(object_type)) or created
        out: Record = {
            "id": rid,
            "properties": props,
            "createdAt": created,
            "updatedAt": updated,
            "archived": bool(record.get("archived", False)),
        }
        if record.get("archivedAt"):
            out["archivedAt"] = record["archivedAt"]
        if record.get("associations"):
            out["associations"] = record["associations"]
        return out

    def _now_iso(self) -> str:
        return iso_z(self.clock(), millis=True)

    def add(self, object_type: str, record: Mapping[str, Any]) -> Record:
        """Create a record (``{"properties": {...}}``, optional ``id``); stamps dates now."""
        object_type = self._canonical(object_type)
        now = self._now_iso()
        with self.lock:
            store = self._objects.setdefault(object_type, {})
            rid = str(record.get("id") or max((int(k) for k in store), default=0) + 1)
            props = {k: _prop_str(v) for k, v in dict(record.get("properties") or {}).items()}
            props.setdefault(created_property(object_type), now)
            props[modified_property(object_type)] = now
            if object_type == "contacts":
                props["hs_lastmodifieddate"] = now
            props["hs_object_id"] = rid
            normal = self._normalise(
                object_type,
                {**record, "id": rid, "properties": props, "createdAt": now, "updatedAt": now},
            )
            store[rid] = normal
            return _copy(normal)

    def update(self, object_type: str, object_id: str | int, **properties: Any) -> Record:
        """Set properties and bump the modified date and ``updatedAt`` to now."""
        object_type = self._canonical(object_type)
        now = self._now_iso()
        with self.lock:
            record = _copy(self._objects[object_type][str(object_id)])
            record["properties"].update({k: _prop_str(v) for k, v in properties.items()})
            record["properties"][modified_property(object_type)] = now
            if object_type == "contacts":
                record["properties"]["hs_lastmodifieddate"] = now
            record["updatedAt"] = now
            self._objects[object_type][record["id"]] = record
            return _copy(record)

    def archive(self, object_type: str, object_id: str | int) -> Record:
        """Archive (soft-delete) a record; the modified date is deliberately not bumped."""
        object_type = self._canonical(object_type)
        with self.lock:
            record = _copy(self._objects[object_type][str(object_id)])
            record["archived"] = True
            record["archivedAt"] = self._now_iso()
            self._objects[object_type][record["id"]] = record
            return _copy(record)

    def restore(self, object_type: str, object_id: str | int) -> Record:
        """Undo :meth:`archive`."""
        object_type = self._canonical(object_type)
        with self.lock:
            record = _copy(self._objects[object_type][str(object_id)])
            record["archived"] = False
            record.pop("archivedAt", None)
            self._objects[object_type][record["id"]] = record
            return _copy(record)

    def gdpr_delete(self, object_type: str, object_id: str | int) -> None:
        """Remove a record for good (neither search nor the archived list shows it)."""
        with self.lock:
            self._objects[self._canonical(object_type)].pop(str(object_id), None)

    # ---- routing, auth, errors -----------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        obj = r"(?P<object_type>[A-Za-z0-9_\-]+)"
        return (
            Route("POST", rf"/crm/v3/objects/{obj}/search", self._search),
            Route("GET", rf"/crm/v3/objects/{obj}", self._list),
            Route("GET", rf"/crm/v3/objects/{obj}/(?P<object_id>[^/]+)", self._read),
            Route("GET", rf"/crm/v3/properties/{obj}", self._list_properties),
            Route("GET", rf"/crm/v3/properties/{obj}/(?P<name>[^/]+)", self._read_property),
        )

    def _canonical(self, object_type: str) -> str:
        return OBJECT_TYPE_IDS.get(object_type, object_type)

    def _object_type(self, request: Request, object_type: str) -> str:
        canonical = self._canonical(object_type)
        if canonical not in self._objects and canonical not in _PROPERTY_TABLE:
            raise self._fail(request, 400, f"Unable to infer object type from: {object_type}")
        if self.scopes is not None:
            scope = READ_SCOPES.get(canonical, f"crm.objects.{canonical}.read")
            if scope not in self.scopes:
                raise StandinError(self._missing_scopes(request, scope))
        return canonical

    def authenticate(self, request: Request) -> Response | None:
        token = bearer_token(request.header("authorization"))
        if token is not None and token == self.token:
            return None
        return self.error_response(request, 401)

    def _body(
        self, request: Request, status: int, category: str, message: str, **extra: Any
    ) -> Response:
        body = {
            "status": "error",
            "message": message,
            "correlationId": stable_uuid(self.vendor, request.index),
            **extra,
            "category": category,
        }
        return json_response(body, status)

    def _fail(self, request: Request, status: int, message: str, **extra: Any) -> StandinError:
        category = "OBJECT_NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
        return StandinError(self._body(request, status, category, message, **extra))

    def _missing_scopes(self, request: Request, scope: str) -> Response:
        return self._body(
            request,
            403,
            "MISSING_SCOPES",
            "This app hasn't been granted all required scopes to make this call. "
            "Read more about required scopes here: https://developers.hubspot.com/scopes.",
            errors=[
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": [scope]},
                }
            ],
            links={"scopes": "https://developers.hubspot.com/scopes"},
        )

    def error_response(
        self, request: Request, status: int, *, retry_after: float | None = None
    ) -> Response:
        if status == 401:
            response = self._body(
                request,
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at "
                "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
        elif status == 403:
            response = self._missing_scopes(request, "crm.objects.contacts.read")
        elif status == 404:
            response = self._body(request, 404, "OBJECT_NOT_FOUND", "Resource not found")
        elif status == 405:
            response = self._body(request, 405, "VALIDATION_ERROR", "Method not allowed")
        elif status >= 500:
            response = self._body(request, status, "INTERNAL_ERROR", "internal error")
        else:
            response = self._body(request, status, "VALIDATION_ERROR", "Invalid request")
        if retry_after:
            response.headers["Retry-After"] = str(math.ceil(retry_after))
        return response

    def rate_limited_response(
        self, request: Request, limit: RateLimit | None, retry_after: float | None
    ) -> Response:
        search = _is_search(request) if limit is None else limit.name == "search"
        if search:
            policy, message, group = (
                "SECONDLY",
                "secondly",
                f"publicapi:crm-search:{self.portal_id}",
            )
        else:
            policy, message = "TEN_SECONDLY_ROLLING", "ten_secondly_rolling"
            group = f"publicapi:private-app-api-calls-ten-secondly:{self.portal_id}"
        response = json_response(
            {
                "status": "error",
                "message": f"You have reached your {message} limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": stable_uuid(self.vendor, request.index),
                "policyName": policy,
                "groupName": group,
            },
            429,
        )
        if not search:
            ten = self.rate_limits[0]
            response.headers.update(
                {
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                    "X-HubSpot-RateLimit-Max": str(ten.limit),
                    "X-HubSpot-RateLimit-Remaining": "0",
                }
            )
        if retry_after is not None and (limit is None or self.send_retry_after):
            response.headers["Retry-After"] = str(math.ceil(retry_after))
        return response

    def decorate(
        self, request: Request, response: Response, states: Sequence[RateLimitState]
    ) -> None:
        by_name = {s.limit.name: s for s in states}
        ten, daily = by_name.get("ten_secondly"), by_name.get("daily")
        if ten is None or daily is None:
            return  # search responses carry no rate-limit headers
        response.headers.update(
            {
                "X-HubSpot-RateLimit-Daily": str(daily.limit.limit),
                "X-HubSpot-RateLimit-Daily-Remaining": str(daily.remaining),
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                "X-HubSpot-RateLimit-Max": str(ten.limit.limit),
                "X-HubSpot-RateLimit-Remaining": str(ten.remaining),
            }
        )

    # ---- rendering -------------------------------------------------------------------------

    def _render(
        self,
        object_type: str,
        record: Record,
        wanted: Sequence[str] | None,
        associations: Sequence[str] = (),
    ) -> Record:
        props = record["properties"]
        if wanted:
            names = dict.fromkeys(
                [
                    *wanted,
                    "hs_object_id",
                    created_property(object_type),
                    modified_property(object_type),
                ]
            )
        else:
            names = dict.fromkeys(DEFAULT_PROPERTIES.get(object_type, ("hs_object_id",)))
        out: Record = {
            "id": record["id"],
            "properties": {name: props.get(name) for name in names},
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record.get("archivedAt"):
            out["archivedAt"] = record["archivedAt"]
        if associations and record.get("associations"):
            picked = {k: v for k, v in record["associations"].items() if k in associations}
            if picked:
                out["associations"] = picked
        return out

    def _prop_type(self, object_type: str, name: str) -> str:
        definition = self._properties.get(object_type, {}).get(name)
        if definition is not None:
            return str(definition.get("type", "string"))
        if name.endswith(("date", "timestamp")) or name in ("createdAt", "updatedAt"):
            return "datetime"
        return "string"

    def _typed(self, object_type: str, name: str, value: Any) -> Any:
        ptype = self._prop_type(object_type, name)
        if ptype in _DT:
            return _ms(value)
        if ptype == "number":
            return float(value)
        if ptype == "bool":
            return str(value).lower() == "true"
        return str(value).lower()

    # ---- search ------------------------------------------------------------------------------

    def _search(self, request: Request, object_type: str) -> Response:
        object_type = self._object_type(request, object_type)
        try:
            body = request.json() if request.body else {}
        except ValueError:
            raise self._fail(request, 400, "Invalid input JSON on line 1") from None
        if not isinstance(body, dict):
            raise self._fail(request, 400, "Invalid input JSON: expected an object")
        limit = body.get("limit", SEARCH_DEFAULT_LIMIT)
        if limit is None:
            limit = SEARCH_DEFAULT_LIMIT
        if not isinstance(limit, int) or not 1 <= limit <= SEARCH_MAX_LIMIT:
            raise self._fail(
                request, 400, f"limit must be between 1 and {SEARCH_MAX_LIMIT}, got {limit!r}"
            )
        after_raw = body.get("after")
        try:
            offset = int(after_raw) if after_raw not in (None, "") else 0
        except (TypeError, ValueError):
            raise self._fail(request, 400, f"Invalid after value: {after_raw!r}") from None
        if offset < 0:
            raise self._fail(request, 400, f"Invalid after value: {after_raw!r}")
        if offset >= SEARCH_MAX_RESULTS:
            raise self._fail(
                request,
                400,
                f"Paging beyond {SEARCH_MAX_RESULTS} results is not supported: the search "
                f"endpoints return at most {SEARCH_MAX_RESULTS} results per query "
                f"(after={offset}).",
            )
        groups = self._validate_groups(request, object_type, body.get("filterGroups") or [])
        predicates = [[self._compile(object_type, f) for f in g] for g in groups]
        sorts = self._validate_sorts(request, body.get("sorts") or [])
        wanted = body.get("properties") or None
        query = str(body.get("query") or "").strip().lower()
        horizon_ms = (self.clock() - self.search_index_lag_seconds) * 1000.0
        lagging = self.search_index_lag_seconds > 0
        modified = modified_property(object_type)

        with self.lock:
            matches: list[Record] = []
            for record in self._objects.get(object_type, {}).values():
                if record["archived"]:
                    continue
                props = record["properties"]
                if lagging and props.get(modified) and _ms(props[modified]) > horizon_ms:
                    continue
                if predicates and not any(all(p(props) for p in g) for g in predicates):
                    continue
                if query and not any(
                    query in str(props.get(p) or "").lower()
                    for p in _TEXT_SEARCH.get(object_type, ())
                ):
                    continue
                matches.append(record)
            matches.sort(key=lambda r: int(r["id"]))
            for name, descending in reversed(sorts):
                matches.sort(key=self._sort_key(object_type, name, descending), reverse=descending)
            page = matches[offset : offset + limit]
            results = [self._render(object_type, r, wanted) for r in page]
        out: Record = {"total": len(matches), "results": results}
        if offset + limit < len(matches):
            out["paging"] = {"next": {"after": str(offset + limit)}}
        return json_response(out)

    def _sort_key(self, object_type: str, name: str, descending: bool) -> Any:
        def key(record: Record) -> tuple[int, Any]:
            raw = record["properties"].get(name)
            if raw in (None, ""):
                return (0 if descending else 1, 0)
            try:
                return (0 if not descending else 1, self._typed(object_type, name, raw))
            except ValueError:
                return (0 if not descending else 1, str(raw))

        return key

    def _validate_groups(
        self, request: Request, object_type: str, groups: Any
    ) -> list[list[Record]]:
        if not isinstance(groups, list):
            raise self._fail(request, 400, "filterGroups must be a list")
        if len(groups) > MAX_FILTER_GROUPS:
            raise self._fail(
                request, 400, f"Too many filter groups ({len(groups)}); max {MAX_FILTER_GROUPS}"
            )
        out: list[list[Record]] = []
        total = 0
        for group in groups:
            filters = group.get("filters") if isinstance(group, dict) else None
            if not isinstance(filters, list):
                raise self._fail(request, 400, "Each filter group needs a filters list")
            if len(filters) > MAX_FILTERS_PER_GROUP:
                raise self._fail(
                    request,
                    400,
                    f"Too many filters in a group ({len(filters)}); max {MAX_FILTERS_PER_GROUP}",
                )
            total += len(filters)
            for f in filters:
                self._validate_filter(request, object_type, f)
            out.append(filters)
        if total > MAX_FILTERS:
            raise self._fail(request, 400, f"Too many filters ({total}); max {MAX_FILTERS}")
        return out

    def _validate_filter(self, request: Request, object_type: str, f: Any) -> None:
        if not isinstance(f, dict) or not f.get("propertyName"):
            raise self._fail(request, 400, "Each filter needs a propertyName")
        operator = f.get("operator", "EQ")
        if operator not in _OPERATORS:
            raise self._fail(
                request,
                400,
                f"Unable to parse filter operator {operator!r}; expected one of "
                f"{', '.join(sorted(_OPERATORS))}",
            )
        name = str(f["propertyName"])
        values: list[Any] = []
        if operator in ("IN", "NOT_IN"):
            if not isinstance(f.get("values"), list):
                raise self._fail(request, 400, f"{operator} filters need a values list")
            values = list(f["values"])
        elif operator == "BETWEEN":
            values = [f.get("value"), f.get("highValue")]
        elif operator not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            values = [f.get("value")]
        for value in values:
            if value is None:
                raise self._fail(request, 400, f"Filter on {name} with {operator} needs a value")
            if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
                continue
            try:
                self._typed(object_type, name, value)
            except ValueError:
                raise self._fail(
                    request,
                    400,
                    f"{value!r} is not a valid {self._prop_type(object_type, name)} "
                    f"value for property {name}",
                ) from None

    def _validate_sorts(self, request: Request, sorts: Any) -> list[tuple[str, bool]]:
        if not isinstance(sorts, list):
            raise self._fail(request, 400, "sorts must be a list")
        out: list[tuple[str, bool]] = []
        for s in sorts:
            if isinstance(s, str):
                out.append((s.lstrip("-"), s.startswith("-")))
                continue
            if not isinstance(s, dict) or not s.get("propertyName"):
                raise self._fail(request, 400, "Each sort needs a propertyName")
            direction = str(s.get("direction", "ASCENDING")).upper()
            if direction not in ("ASCENDING", "DESCENDING"):
                raise self._fail(request, 400, f"Invalid sort direction {direction!r}")
            out.append((str(s["propertyName"]), direction == "DESCENDING"))
        return out

    def _compile(
        self, object_type: str, f: Mapping[str, Any]
    ) -> Callable[[Mapping[str, Any]], bool]:
        """A predicate over a record's properties for one (validated) filter."""
        name = str(f["propertyName"])
        operator = f.get("operator", "EQ")
        if operator == "HAS_PROPERTY":
            return lambda props: props.get(name) not in (None, "")
        if operator == "NOT_HAS_PROPERTY":
            return lambda props: props.get(name) in (None, "")
        when_missing = operator in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
        if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            pattern = re.compile(re.escape(str(f["value"]).lower()).replace(r"\*", ".*"))
            wanted = operator == "CONTAINS_TOKEN"

            def contains(props: Mapping[str, Any]) -> bool:
                raw = props.get(name)
                if raw in (None, ""):
                    return when_missing
                text = str(raw).lower()
                tokens = [*re.split(r"[\s@.,;:/\-]+", text), text]
                return bool(any(pattern.fullmatch(t) for t in tokens) == wanted)

            return contains
        typed = functools.partial(self._typed, object_type, name)
        test: Callable[[Any], bool]
        if operator == "BETWEEN":
            low, high = typed(f["value"]), typed(f["highValue"])
            test = lambda v: bool(low <= v <= high)  # noqa: E731
        elif operator in ("IN", "NOT_IN"):
            members = {typed(v) for v in f["values"]}
            inside = operator == "IN"
            test = lambda v: (v in members) == inside  # noqa: E731
        else:
            target = typed(f["value"])
            test = {
                "EQ": lambda v: bool(v == target),
                "NEQ": lambda v: bool(v != target),
                "LT": lambda v: bool(v < target),
                "LTE": lambda v: bool(v <= target),
                "GT": lambda v: bool(v > target),
                "GTE": lambda v: bool(v >= target),
            }[operator]

        def compare(props: Mapping[str, Any]) -> bool:
            raw = props.get(name)
            if raw in (None, ""):
                return when_missing
            try:
                return test(typed(raw))
            except ValueError:
                return operator in ("NEQ", "NOT_IN")

        return compare

    # ---- list / read -----------------------------------------------------------------------

    def _list_params(self, request: Request) -> tuple[list[str] | None, list[str]]:
        def split(name: str) -> list[str]:
            out: list[str] = []
            for value in request.query.get(name, []):
                out.extend(v.strip() for v in value.split(",") if v.strip())
            return out

        return (split("properties") or None), split("associations")

    def _list(self, request: Request, object_type: str) -> Response:
        object_type = self._object_type(request, object_type)
        raw_limit = request.param("limit")
        try:
            limit = int(raw_limit) if raw_limit else LIST_DEFAULT_LIMIT
        except ValueError:
            raise self._fail(request, 400, f"Invalid limit: {raw_limit!r}") from None
        if not 1 <= limit <= LIST_MAX_LIMIT:
            raise self._fail(
                request, 400, f"limit must be between 1 and {LIST_MAX_LIMIT}, got {limit}"
            )
        archived = (request.param("archived") or "false").lower() == "true"
        after_raw = request.param("after")
        try:
            after = int(after_raw) if after_raw else 0
        except ValueError:
            raise self._fail(request, 400, f"Invalid after value: {after_raw!r}") from None
        wanted, associations = self._list_params(request)
        with self.lock:
            store = self._objects.get(object_type, {})
            ids = sorted(
                int(k) for k, r in store.items() if r["archived"] == archived and int(k) >= after
            )
            page = ids[:limit]
            results = [self._render(object_type, store[str(i)], wanted, associations) for i in page]
        out: Record = {"results": results}
        if len(ids) > limit:
            next_after = str(page[-1] + 1)
            params = [("limit", str(limit)), ("after", next_after)]
            if archived:
                params.append(("archived", "true"))
            if wanted:
                params.append(("properties", ",".join(wanted)))
            if associations:
                params.append(("associations", ",".join(associations)))
            link = url_with_query(self.url(f"/crm/v3/objects/{object_type}"), params)
            out["paging"] = {"next": {"after": next_after, "link": link}}
        return json_response(out)

    def _read(self, request: Request, object_type: str, object_id: str) -> Response:
        object_type = self._object_type(request, object_type)
        archived = (request.param("archived") or "false").lower() == "true"
        wanted, associations = self._list_params(request)
        with self.lock:
            record = self._objects.get(object_type, {}).get(object_id)
            if record is None or record["archived"] != archived:
                raise self._fail(
                    request,
                    404,
                    "Object not found.  objectId are usually numeric.",
                    context={"id": [object_id]},
                )
            return json_response(self._render(object_type, record, wanted, associations))

    # ---- properties ------------------------------------------------------------------------

    def _list_properties(self, request: Request, object_type: str) -> Response:
        object_type = self._object_type(request, object_type)
        return json_response({"results": list(self._properties.get(object_type, {}).values())})

    def _read_property(self, request: Request, object_type: str, name: str) -> Response:
        object_type = self._object_type(request, object_type)
        definition = self._properties.get(object_type, {}).get(name)
        if definition is None:
            raise self._fail(
                request, 404, f"Unable to find property {name} for object type {object_type}"
            )
        return json_response(definition)


def _is_search(request: Request) -> bool:
    return request.method == "POST" and request.path.endswith("/search")


def _copy(record: Record) -> Record:
    out = dict(record)
    out["properties"] = dict(record["properties"])
    return out


# ---- sample data ---------------------------------------------------------------------------------


class HubSpotDataset(TypedDict):
    """What :func:`sample_dataset` returns; ``HubSpotStandin(**dataset)`` accepts it."""

    contacts: list[Record]
    deals: list[Record]
    tickets: list[Record]
    feedback_submissions: list[Record]


CONTACT_ID_BASE = 10_000_000
DEAL_ID_BASE = 20_000_000
TICKET_ID_BASE = 30_000_000
FEEDBACK_ID_BASE = 40_000_000

_TICKET_SUBJECTS = (
    ("BILLING_ISSUE", "Invoice shows the wrong amount"),
    ("BILLING_ISSUE", "Charged twice this month"),
    ("PRODUCT_ISSUE", "Dashboard does not load"),
    ("PRODUCT_ISSUE", "Sync keeps failing"),
    ("FEATURE_REQUEST", "Please support SSO"),
    ("GENERAL_INQUIRY", "How do I add a teammate?"),
)
_NPS_COMMENTS = {
    "PROMOTER": ("Love the product!", "Support team is excellent.", ""),
    "PASSIVE": ("It's fine.", "Does the job, a bit pricey.", ""),
    "DETRACTOR": ("Too many bugs lately.", "Support was slow to answer.", ""),
}


def _record(rid: int, props: dict[str, str | None], created: float, updated: float) -> Record:
    props["hs_object_id"] = str(rid)
    return {
        "id": str(rid),
        "properties": props,
        "createdAt": iso_z(created, millis=True),
        "updatedAt": iso_z(updated, millis=True),
        "archived": False,
    }


def sample_dataset(
    n: int,
    seed: int = 0,
    *,
    start: float = 1_704_067_200.0,  # 2024-01-01T00:00:00Z
    span_days: float = 365.0,
) -> HubSpotDataset:
    """Deterministic HubSpot CRM data for ``n`` contacts.

    Contacts (lifecycle stages, lead status; about 2% archived) match
    :func:`cxcore.testing.standin.sample_people` (same e-mail addresses); each has
    0–3 deals and 0–3 tickets (associated back to the contact) and about 60% answered a
    survey (``feedback_submissions``: NPS 0–10 with promoter/passive/detractor groups,
    CSAT 1–5, CES 1–7, with ``hs_contact_id`` pointing at the contact).
    """
    rng = random.Random(f"hubspot:{seed}")
    people = sample_people(n, seed)
    span = span_days * 86_400.0
    contacts: list[Record] = []
    deals: list[Record] = []
    tickets: list[Record] = []
    feedback: list[Record] = []
    stages = [v for v, _ in _LIFECYCLE]
    stage_w = (10, 25, 15, 10, 12, 20, 5, 3)

    for person in people:
        cid = CONTACT_ID_BASE + person.index + 1
        created = start + rng.uniform(0, span * 0.5)
        modified = created + rng.uniform(0, span * 0.4)
        contact = _record(
            cid,
            {
                "email": person.email,
                "firstname": person.first_name,
                "lastname": person.last_name,
                "phone": person.phone,
                "company": person.company,
                "lifecyclestage": rng.choices(stages, stage_w)[0],
                "hs_lead_status": rng.choice([v for v, _ in _LEAD_STATUS]),
                "createdate": iso_z(created, millis=True),
                "lastmodifieddate": iso_z(modified, millis=True),
                "hs_lastmodifieddate": iso_z(modified, millis=True),
            },
            created,
            modified,
        )
        if rng.random() < 0.02:
            contact["archived"] = True
            contact["archivedAt"] = iso_z(modified + rng.uniform(3_600, 86_400 * 30), millis=True)
        contacts.append(contact)
        link = {"results": [{"id": str(cid), "type": "deal_to_contact"}]}

        for _ in range(rng.choices((0, 1, 2, 3), (45, 35, 15, 5))[0]):
            did = DEAL_ID_BASE + len(deals) + 1
            d_created = created + rng.uniform(0, span * 0.3)
            stage = rng.choice([v for v, _ in _DEAL_STAGES])
            closed = stage in ("closedwon", "closedlost")
            close_ts = d_created + rng.uniform(86_400, 86_400 * 60)
            d_modified = (close_ts if closed else d_created) + rng.uniform(0, 86_400 * 5)
            deal = _record(
                did,
                {
                    "dealname": f"{person.company} - {rng.choice(('Renewal', 'Upsell', 'New'))}",
                    "amount": str(rng.randrange(500, 50_000, 50)),
                    "closedate": iso_z(close_ts, millis=True),
                    "pipeline": "default",
                    "dealstage": stage,
                    "createdate": iso_z(d_created, millis=True),
                    "hs_lastmodifieddate": iso_z(d_modified, millis=True),
                },
                d_created,
                d_modified,
            )
            deal["associations"] = {"contacts": link}
            if rng.random() < 0.02:
                deal["archived"] = True
                deal["archivedAt"] = iso_z(d_modified + 86_400, millis=True)
            deals.append(deal)

        for _ in range(rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]):
            tid = TICKET_ID_BASE + len(tickets) + 1
            t_created = created + rng.uniform(0, span * 0.45)
            category, subject = rng.choice(_TICKET_SUBJECTS)
            stage = rng.choices(("1", "2", "3", "4"), (10, 10, 15, 65))[0]
            first_reply_ms = rng.randint(5, 2_000) * 60_000
            close_ms = first_reply_ms + rng.randint(30, 8_000) * 60_000 if stage == "4" else None
            t_modified = t_created + (close_ms or first_reply_ms) / 1000 + rng.uniform(0, 3_600)
            ticket = _record(
                tid,
                {
                    "subject": subject,
                    "content": f"{subject} ({person.email})",
                    "hs_pipeline": "0",
                    "hs_pipeline_stage": stage,
                    "hs_ticket_priority": rng.choice([v for v, _ in _PRIORITIES]),
                    "hs_ticket_category": category,
                    "source_type": rng.choice([v for v, _ in _SOURCES]),
                    "createdate": iso_z(t_created, millis=True),
                    "closed_date": iso_z(t_created + close_ms / 1000, millis=True)
                    if close_ms
                    else None,
                    "time_to_close": str(close_ms) if close_ms else None,
                    "time_to_first_agent_reply": str(first_reply_ms),
                    "hs_lastmodifieddate": iso_z(t_modified, millis=True),
                },
                t_created,
                t_modified,
            )
            ticket["associations"] = {
                "contacts": {"results": [{"id": str(cid), "type": "ticket_to_contact"}]}
            }
            tickets.append(ticket)

        for _ in range(rng.choices((0, 1, 2), (40, 45, 15))[0]):
            fid = FEEDBACK_ID_BASE + len(feedback) + 1
            f_created = created + rng.uniform(86_400, span * 0.5)
            survey_type = rng.choices(("NPS", "CSAT", "CES"), (60, 30, 10))[0]
            if survey_type == "NPS":
                value = rng.choices(range(11), (2, 1, 1, 2, 2, 4, 6, 10, 16, 22, 20))[0]
                group = "PROMOTER" if value >= 9 else "PASSIVE" if value >= 7 else "DETRACTOR"
                comment = rng.choice(_NPS_COMMENTS[group])
            else:
                top = 5 if survey_type == "CSAT" else 7
                value = rng.randint(1, top)
                good, bad = (value >= top - 1), (value <= 2)
                group = "POSITIVE" if good else "NEGATIVE" if bad else "NEUTRAL"
                comment = rng.choice(("Quick help, thanks", "OK", "", "Too slow"))
            stamp = iso_z(f_created, millis=True)
            feedback.append(
                _record(
                    fid,
                    {
                        "hs_survey_type": survey_type,
                        "hs_value": str(value),
                        "hs_response_group": group,
                        "hs_content": comment or None,
                        "hs_survey_channel": rng.choice([v for v, _ in _CHANNELS]),
                        "hs_survey_id": {"NPS": "101", "CSAT": "102", "CES": "103"}[survey_type],
                        "hs_survey_name": f"{survey_type} survey",
                        "hs_submission_name": f"{survey_type} response from {person.name}",
                        "hs_submission_timestamp": stamp,
                        "hs_contact_id": str(cid),
                        "hs_contact_email_rollup": person.email,
                        "hs_engagement_id": str(50_000_000 + fid - FEEDBACK_ID_BASE),
                        "hs_createdate": stamp,
                        "hs_lastmodifieddate": stamp,
                    },
                    f_created,
                    f_created,
                )
            )
    return {
        "contacts": contacts,
        "deals": deals,
        "tickets": tickets,
        "feedback_submissions": feedback,
    }
