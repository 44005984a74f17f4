"""The Zendesk Support source: tickets, ticket metrics, CSAT ratings and users.

Streams (synced in this order):

``users``
    ``GET /api/v2/incremental/users/cursor.json`` (cursor-based incremental export). End
    users become cxcore **customers** (id = Zendesk user id) with e-mail, phone and external
    id as keyed hashes in ``identities``; inactive (deleted) users and users who are not
    customers (agents, admins) become tombstones.
``tickets``
    ``GET /api/v2/incremental/tickets/cursor.json``: ``start_time`` on the first run, then the
    saved ``after_cursor``, page after page until ``end_of_stream``. Each ticket becomes a
    ``ticket.created`` **interaction** (``journey_instance`` = ticket id, channel from
    ``via.channel``). A deleted ticket (``status: "deleted"``) turns the ticket's records into
    tombstones and adds a ``ticket.deleted`` interaction.
``ticket_metrics``
    ``GET /api/v2/ticket_metrics`` (cursor pagination, re-read in full each run because the
    endpoint has no change filter). One interaction per ticket, id ``ticket:<id>:metrics``:
    ``ticket.solved`` once solved (at ``solved_at``), ``ticket.replied`` before that. It
    carries the durations in seconds (``first_reply``, ``first_resolution``,
    ``full_resolution``, ``agent_wait``, ``requester_wait``, ``on_hold``, each also as
    ``*_business``) and ``attributes.reopens``, ``attributes.replies`` and
    ``attributes.agent_replies`` (the same count, under the metric catalogue's name).
``satisfaction_ratings``
    ``GET /api/v2/satisfaction_ratings`` in a ``start_time``/``end_time`` window on
    ``updated_at`` (signpost + lookback, see :func:`cxcore.sdk.windowed_pages`). Each rating
    becomes a **response** of item ``csat`` on the 0..1 scale (good = 1, bad = 0, offered =
    shown but unanswered); an ``unoffered`` rating is a tombstone.

Rate limits: the incremental exports allow 10 requests per minute (shared by both exports:
one limiter paces them); the other endpoints share the account limit (200-2,500 per minute
by plan). Both are client-side limits set by ``incremental_requests_per_minute`` and
``requests_per_minute``; ``0`` turns a limiter off (for the local stand-in).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from cxcore.errors import AuthError, ConfigError
from cxcore.sdk import (
    BasicAuth,
    BearerToken,
    CursorInBody,
    JsonResponse,
    MappingContext,
    NextLink,
    PageLike,
    PageRequest,
    RateLimiter,
    Source,
    Stream,
    secret_setting,
    settings_schema,
    windowed_pages,
)
from cxcore.sdk.clock import Clock
from cxcore.sdk.pagination import Page

from .schemas import SATISFACTION_RATING, TICKET, TICKET_METRIC, USER

__all__ = ["CONFIG_SCHEMA", "CSAT_SCALE", "DEFAULT_CHANNELS", "ZendeskSource"]

#: The CSAT scale: bad = 0, good = 1 (CSAT % = share of good among good + bad).
CSAT_SCALE: Mapping[str, Any] = {
    "min": 0,
    "max": 1,
    "direction": "higher_is_better",
    "buckets": [
        {"name": "bad", "low": 0, "high": 0},
        {"name": "good", "low": 1, "high": 1},
    ],
}

#: ``via.channel`` values -> journey channel ids; ``[mapping.channels]`` overrides them.
DEFAULT_CHANNELS: Mapping[str, str] = {
    "email": "email",
    "mail": "email",
    "web": "web",
    "web_form": "web",
    "web_widget": "web",
    "help_center": "web",
    "api": "api",
    "web_service": "api",
    "mobile": "app",
    "mobile_sdk": "app",
    "sdk": "app",
    "chat": "chat",
    "chat_transcript": "chat",
    "native_messaging": "chat",
    "messaging": "chat",
    "voice": "phone",
    "phone": "phone",
    "sms": "sms",
    "twitter": "social",
    "facebook": "social",
    "instagram_dm": "social",
    "whatsapp": "social",
    "any_channel": "other",
    "rule": "system",
    "system": "system",
    "closed_ticket": "system",
    "sample_ticket": "system",
}

# The stage value Zendesk records report; map it to a journey stage with
# [mapping.stages] ticket = "<stage id>" (default: a stage called "support").
_STAGE_VALUE = "ticket"
_DEFAULT_STAGES: Mapping[str, str] = {_STAGE_VALUE: "support"}

# Pace a little under the documented limit: the server counts arrivals, and a request that
# leaves on time can still arrive a few milliseconds early relative to one 60 s before it.
_HEADROOM = 1.02
_EXPORT_LAG = 60.0  # Zendesk refuses a start_time within the last minute
_CSAT_LOOKBACK = 7 * 86_400.0  # ratings answered days after they were offered
_MINUTE_FIELDS = (
    ("reply_time_in_minutes", "first_reply"),
    ("first_resolution_time_in_minutes", "first_resolution"),
    ("full_resolution_time_in_minutes", "full_resolution"),
    ("agent_wait_time_in_minutes", "agent_wait"),
    ("requester_wait_time_in_minutes", "requester_wait"),
    ("on_hold_time_in_minutes", "on_hold"),
)
_TICKET_ATTRIBUTES = (
    "status",
    "priority",
    "type",
    "subject",
    "tags",
    "group_id",
    "assignee_id",
    "organization_id",
    "brand_id",
    "ticket_form_id",
    "custom_status_id",
    "external_id",
    "problem_id",
    "has_incidents",
    "is_public",
    "due_at",
)
# Fields left out of ticket attributes: personal data (body text, e-mail addresses in
# via.source/recipient) or redundant (url, raw_subject, the fields copy of custom_fields).
_TICKET_PERSONAL = ("description", "recipient")
_USER_ATTRIBUTES = (
    "role",
    "locale",
    "time_zone",
    "organization_id",
    "tags",
    "verified",
    "suspended",
    "user_fields",
)
_USER_PERSONAL = ("name", "alias", "signature", "details", "notes")
_METRIC_ATTRIBUTES = (
    "reopens",
    "replies",
    "group_stations",
    "assignee_stations",
    "initially_assigned_at",
    "assigned_at",
    "solved_at",
    "latest_comment_added_at",
    "status_updated_at",
)

CONFIG_SCHEMA = settings_schema(
    {
        "subdomain": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]*$",
            "description": "Your Zendesk subdomain: acme for https://acme.zendesk.com.",
        },
        "base_url": {
            "type": "string",
            "pattern": "^https?://",
            "description": "API root instead of https://<subdomain>.zendesk.com (a proxy or a "
            "local stand-in).",
        },
        "email": {
            "type": "string",
            "minLength": 3,
            "description": "Agent e-mail for API-token auth.",
        },
        "api_token": secret_setting("Zendesk API token (Admin Center > Apps and integrations)."),
        "oauth_token": secret_setting("OAuth access token (instead of email + api_token)."),
        "start_date": {
            "type": ["string", "integer"],
            "description": "First sync starts here (RFC 3339 date-time or Unix seconds); "
            "default: everything.",
        },
        "page_size": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "description": "Records per incremental export page (default 1000).",
        },
        "list_page_size": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100,
            "description": "Records per page of list endpoints (default 100).",
        },
        "incremental_requests_per_minute": {
            "type": "integer",
            "minimum": 0,
            "description": "Incremental export requests per minute (Zendesk: 10; 30 with "
            "High Volume); 0 = no client-side limit.",
        },
        "requests_per_minute": {
            "type": "integer",
            "minimum": 0,
            "description": "Other API requests per minute (your plan's limit, default 200); "
            "0 = no client-side limit.",
        },
        "customer_roles": {
            "type": "array",
            "items": {"type": "string"},
            "description": "User roles that are customers (default: end-user).",
        },
        "issue_field_id": {
            "type": "integer",
            "description": "Id of the ticket custom field naming the issue (topic); its value "
            "becomes attributes.issue, which repeat-contact metrics group on.",
        },
    },
    title="Zendesk Support source settings",
    extra={"dependentRequired": {"api_token": ["email"]}},
)


def _epoch(value: Any, setting: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{setting}: expected an RFC 3339 date-time (2024-01-01T00:00:00Z) or Unix "
            f"seconds, got {value!r}"
        ) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _seconds(minutes: Any) -> float | None:
    return None if minutes is None else float(minutes) * 60.0


class ZendeskSource(Source):
    """Zendesk Support; see the module docstring for the streams and their mapping."""

    streams = (
        Stream(
            name="users",
            schema=USER,
            primary_key="id",
            cursor_field="updated_at",
            description="End users as customers (incremental export).",
            produces=("customer",),
        ),
        Stream(
            name="tickets",
            schema=TICKET,
            primary_key="id",
            cursor_field="generated_timestamp",
            description="Tickets: created, deleted (incremental cursor export).",
            produces=("interaction", "response"),
        ),
        Stream(
            name="ticket_metrics",
            schema=TICKET_METRIC,
            primary_key="id",
            description="Reply and resolution times, reopens, replies (full refresh).",
            produces=("interaction",),
        ),
        Stream(
            name="satisfaction_ratings",
            schema=SATISFACTION_RATING,
            primary_key="id",
            cursor_field="updated_at",
            description="CSAT ratings: good, bad, offered, with comments.",
            produces=("response",),
        ),
    )
    default_channels = DEFAULT_CHANNELS
    default_stages = _DEFAULT_STAGES

    def __init__(self, settings: Mapping[str, Any], *, clock: Clock | None = None) -> None:
        super().__init__(settings, clock=clock)
        s = self.settings
        if s.get("base_url"):
            self.base_url = str(s["base_url"]).rstrip("/")
        elif s.get("subdomain"):
            self.base_url = f"https://{s['subdomain']}.zendesk.com"
        else:
            raise ConfigError(
                "settings: set subdomain (acme for https://acme.zendesk.com) or base_url"
            )
        token, oauth = self.secret("api_token"), self.secret("oauth_token")
        if oauth is not None:
            self.auth: BasicAuth | BearerToken = BearerToken(
                oauth, description="Zendesk OAuth access token (settings.oauth_token)"
            )
            self._fix = "settings.oauth_token (expired or revoked? issue a new one)"
        elif token is not None and s.get("email"):
            self.auth = BasicAuth.zendesk_api_token(str(s["email"]), token)
            self._fix = (
                "settings.email and settings.api_token (Admin Center > Apps and integrations "
                "> Zendesk API)"
            )
        else:
            raise ConfigError(
                "settings: set email and api_token (API-token auth) or oauth_token (OAuth)"
            )
        self.start_time = _epoch(s.get("start_date"), "settings.start_date")
        self.page_size = int(s.get("page_size", 1000))
        self.list_page_size = int(s.get("list_page_size", 100))
        self.customer_roles = frozenset(s.get("customer_roles", ("end-user",)))
        self.issue_field = s.get("issue_field_id")
        export_rpm = int(s.get("incremental_requests_per_minute", 10))
        account_rpm = int(s.get("requests_per_minute", 200))
        # One limiter per quota: both exports draw on the same 10/min.
        self.export = self.http_client(
            self.base_url, auth=self.auth, rate_limiter=_limiter(export_rpm)
        )
        self.api = self.http_client(
            self.base_url, auth=self.auth, rate_limiter=_limiter(account_rpm)
        )

    # -- check -----------------------------------------------------------------------------

    def check(self) -> str:
        """``GET /api/v2/users/me``: Zendesk answers anonymously when credentials are wrong
        in some setups, so an anonymous answer counts as refused too."""
        try:
            body = self.api.get("/api/v2/users/me.json").body
        except AuthError as exc:
            status = "403" if "403" in str(exc) else "401"
            raise AuthError(
                f"Zendesk at {self.base_url} refused the {self.auth.describe()} (HTTP {status}); "
                f"check {self._fix}"
            ) from None
        user = (body or {}).get("user") or {}
        if user.get("id") is None:
            raise AuthError(
                f"Zendesk at {self.base_url} treated the request as anonymous; check {self._fix}"
            )
        role = user.get("role") or "unknown role"
        note = "" if role == "admin" else " (satisfaction ratings need an admin)"
        return f"authenticated as {user.get('email')} ({role}) on {self.base_url}{note}"

    # -- read ------------------------------------------------------------------------------

    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        """Pages of ``stream`` after ``state`` (see the module docstring)."""
        if stream.name in ("tickets", "users"):
            return self._export(stream.name, state)
        if stream.name == "ticket_metrics":
            return self._list("/api/v2/ticket_metrics.json", "ticket_metrics", state)
        if stream.name == "satisfaction_ratings":
            return self._ratings(state)
        raise ConfigError(f"unknown stream {stream.name!r}")

    def _export(self, resource: str, state: Mapping[str, Any] | None) -> Iterator[Page]:
        base = self.export.fetcher(
            f"/api/v2/incremental/{resource}/cursor.json", params={"per_page": self.page_size}
        )
        # Zendesk refuses a start_time within the last minute.
        start = int(min(self.start_time, self.clock.time() - _EXPORT_LAG - 1))

        def fetch(request: PageRequest) -> JsonResponse:
            # start_time only opens the export; after that the cursor alone says where.
            if "cursor" not in request.params:
                request = PageRequest(params={**request.params, "start_time": start})
            return base(request)

        pager = CursorInBody(
            resource, cursor_path="after_cursor", is_last=lambda body: bool(body["end_of_stream"])
        )
        return pager.pages(fetch, state=state)

    def _list(
        self,
        path: str,
        resource: str,
        state: Mapping[str, Any] | None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator[Page]:
        pager = NextLink(
            resource, next_path="links.next", is_last=lambda body: not body["meta"]["has_more"]
        )
        fetch = self.api.fetcher(path, params={"page[size]": self.list_page_size, **(params or {})})
        return pager.pages(fetch, state=state)

    def _ratings(self, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        lookback = self.lookback if "lookback_seconds" in self.settings else _CSAT_LOOKBACK

        def pages(window: Any, inner: Mapping[str, Any] | None) -> Iterator[Page]:
            window_params = {"start_time": int(window.start), "end_time": int(window.end)}
            return self._list(
                "/api/v2/satisfaction_ratings.json", "satisfaction_ratings", inner, window_params
            )

        return windowed_pages(
            state,
            pages,
            now=self.clock.time(),
            lookback=lookback,
            initial=self.start_time,
            lag=_EXPORT_LAG,
        )

    # -- map -------------------------------------------------------------------------------

    def map_record(
        self, stream: Stream, record: Any, ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        """Dispatch to the stream's mapper."""
        if stream.name == "tickets":
            return self._map_ticket(stream, record, ctx)
        if stream.name == "ticket_metrics":
            return self._map_metric(stream, record, ctx)
        if stream.name == "satisfaction_ratings":
            return self._map_rating(stream, record, ctx)
        return self._map_user(stream, record, ctx)

    def _map_ticket(
        self, stream: Stream, t: Mapping[str, Any], ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        tid = t["id"]
        via = t.get("via") or {}
        channel_value = via.get("channel")
        channel = ctx.channel(channel_value)
        stage = ctx.stage(_STAGE_VALUE)
        deleted = t["status"] == "deleted"
        attributes: dict[str, Any] = {k: t[k] for k in _TICKET_ATTRIBUTES if t.get(k) is not None}
        attributes["via_channel"] = channel_value
        rating = t.get("satisfaction_rating") or {}
        if rating.get("score"):
            attributes["satisfaction_score"] = rating["score"]
        if t.get("custom_fields"):
            fields = {str(f.get("id")): f.get("value") for f in t["custom_fields"] if "id" in f}
            attributes["custom_fields"] = fields
            if self.issue_field is not None and fields.get(str(self.issue_field)) is not None:
                attributes["issue"] = fields[str(self.issue_field)]
        if ctx.privacy.mode == "clear":
            attributes.update({k: t[k] for k in _TICKET_PERSONAL if t.get(k) is not None})
        attributes.update(ctx.extras(stream, t))
        common = {
            "customer_id": t.get("requester_id"),
            "channel": channel,
            "stage": stage,
            "journey_instance": tid,
        }
        yield ctx.interaction(
            id=f"ticket:{tid}:created",
            type="ticket.created",
            occurred_at=t["created_at"],
            recorded_at=t.get("updated_at"),
            attributes=attributes,
            deleted=deleted,
            **common,
        )
        if not deleted:
            return
        # A deleted ticket takes its derived records with it, and the deletion is an event.
        deleted_at = t.get("generated_timestamp") or t.get("updated_at") or t["created_at"]
        yield ctx.interaction(
            id=f"ticket:{tid}:deleted",
            type="ticket.deleted",
            occurred_at=deleted_at,
            attributes={"via_channel": channel_value},
            **common,
        )
        yield ctx.tombstone(
            "interaction",
            id=f"ticket:{tid}:metrics",
            type="ticket.solved",
            occurred_at=deleted_at,
            journey_instance=tid,
        )
        if rating.get("id") is not None:
            yield ctx.tombstone(
                "response",
                id=f"csat:{rating['id']}",
                item="csat",
                value=None,
                scale=CSAT_SCALE,
                occurred_at=deleted_at,
                journey_instance=tid,
            )

    def _map_metric(
        self, stream: Stream, m: Mapping[str, Any], ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        tid = m["ticket_id"]
        durations: dict[str, float | None] = {}
        for field, name in _MINUTE_FIELDS:
            minutes = m.get(field) or {}
            durations[name] = _seconds(minutes.get("calendar"))
            durations[f"{name}_business"] = _seconds(minutes.get("business"))
        exact = (m.get("reply_time_in_seconds") or {}).get("calendar")
        if exact is not None:
            durations["first_reply"] = float(exact)  # more precise than the minutes
        if m.get("solved_at"):
            kind, at = "ticket.solved", m["solved_at"]
        elif durations["first_reply"] is not None:
            created = datetime.fromisoformat(m["created_at"]).timestamp()
            kind, at = "ticket.replied", created + float(durations["first_reply"] or 0)
        else:
            ctx.skip("ticket metrics of tickets neither replied to nor solved yet")
            return
        attributes = {k: m[k] for k in _METRIC_ATTRIBUTES if m.get(k) is not None}
        if m.get("replies") is not None:
            # Zendesk's "replies" counts public agent replies: the catalogue's agent_replies.
            attributes["agent_replies"] = m["replies"]
        attributes.update(ctx.extras(stream, m))
        yield ctx.interaction(
            id=f"ticket:{tid}:metrics",
            type=kind,
            occurred_at=at,
            recorded_at=m.get("updated_at"),
            stage=ctx.stage(_STAGE_VALUE),
            journey_instance=tid,
            durations=durations,
            attributes=attributes,
        )

    def _map_rating(
        self, stream: Stream, r: Mapping[str, Any], ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        score = r["score"]
        values = {"good": 1.0, "bad": 0.0, "offered": None}
        answered = score in ("good", "bad")
        attributes = {
            k: r[k]
            for k in ("score", "reason", "reason_id", "reason_code", "assignee_id", "group_id")
            if r.get(k) is not None
        }
        attributes.update(ctx.extras(stream, r))
        yield ctx.response(
            id=f"csat:{r['id']}",
            item="csat",
            value=values.get(score),
            scale=CSAT_SCALE,
            # An answer happens when it is given, not when the survey went out.
            occurred_at=(r.get("updated_at") or r["created_at"]) if answered else r["created_at"],
            customer_id=r.get("requester_id"),
            survey="zendesk_csat",
            comment=r.get("comment") if answered else None,
            stage=ctx.stage(_STAGE_VALUE),
            journey_instance=r.get("ticket_id"),
            attributes=attributes,
            # "unoffered" (survey withdrawn) or a score we do not know: not an answer.
            deleted=score not in values,
        )

    def _map_user(
        self, stream: Stream, u: Mapping[str, Any], ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        customer = u.get("role") in self.customer_roles
        active = u.get("active") is not False
        attributes = {k: u[k] for k in _USER_ATTRIBUTES if u.get(k) is not None}
        for key in _USER_PERSONAL:
            kept = ctx.personal(u.get(key))
            if kept is not None:
                attributes[key] = kept
        attributes.update(ctx.extras(stream, u))
        yield ctx.customer(
            id=u["id"],
            identities=ctx.identities(
                email=u.get("email"), phone=u.get("phone"), external_id=u.get("external_id")
            ),
            attributes=attributes,
            created_at=u.get("created_at"),
            updated_at=u.get("updated_at"),
            # Deleted users turn inactive; staff are not customers (also if they once were).
            deleted=not (customer and active),
        )


def _limiter(per_minute: int) -> RateLimiter | None:
    if per_minute <= 0:
        return None
    return RateLimiter(per_minute, 60.0 * _HEADROOM)
