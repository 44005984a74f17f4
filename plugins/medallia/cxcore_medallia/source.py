"""The Medallia Experience Cloud source: survey feedback through the Query API.

One stream, ``feedback``:

* **auth**: OAuth 2.0 client credentials against the reporting instance's token endpoint
  (``/oauth/<company>/token``, client id and secret as HTTP Basic, as Medallia documents);
  the access token is cached until shortly before ``expires_in`` and fetched again then, or
  at once when the Query API answers 401.
* **reading**: ``POST /data/v0/query`` with the GraphQL ``feedback`` root, sorted by
  (response date, record id) ascending, ``first`` records per page and ``after`` the cursor
  of the previous page. The saved state is a **keyset watermark** ``(date, id)`` of the last
  record stored (:class:`cxcore.sdk.KeysetWatermark`), so an interrupted or later run
  resumes strictly after it with a fresh filter; ``lookback_seconds`` (default 600) re-reads
  a little before it for responses the instance indexes late.
* **cursors are positions**, so a record deleted or back-dated while a run pages through
  would shift every later position and silently skip one. Each continuation page therefore
  starts one record early: if that first record is not the last one already read, the
  positions moved and the page is asked again by keyset filter from the watermark.
* **mapping**: which field holds the id, date, customer, e-mail, touchpoint, channel,
  segment, survey and each score item (answer, comment, scale with direction) is
  configuration (:mod:`cxcore_medallia.settings`). Each record gives one ``response`` per
  configured score item (value ``None`` when shown but unanswered) and its ``customer``,
  identified by a keyed hash of the customer id (or e-mail). Every other fetched field is
  kept in ``attributes``; ``attributes = "all"`` (default) fetches every field of the
  instance's catalogue, so a field added later is kept without a configuration change.
  Fields that look personal (e-mail, phone, names, addresses) are fetched only with
  ``pii = "clear"``.
* **rate limit**: 10 requests per second by default (the lower of Medallia's two published
  figures), paced on the client so the API does not need to answer 429.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cxcore.errors import ConfigError, SourceError
from cxcore.sdk import (
    JsonResponse,
    KeysetWatermark,
    MappingContext,
    OAuth2ClientCredentials,
    PageLike,
    PageRequest,
    RateLimiter,
    Source,
    Stream,
    StreamPage,
)
from cxcore.sdk.clock import Clock

from .query import FieldInfo, Key, QueryPlan, fields_query, format_date, occurred_at
from .settings import (
    DEFAULT_FIELDS,
    DEFAULT_LOOKBACK_SECONDS,
    MedalliaSettings,
    ScoreItem,
    parse_items,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_STAGES",
    "FIELD_VALUE",
    "STREAM",
    "MedalliaQueryError",
    "MedalliaSource",
    "build_stream",
]

logger = logging.getLogger("cxcore_medallia")

STREAM = "feedback"

#: Medallia channel values -> journey channel ids; ``[mapping.channels]`` overrides them.
DEFAULT_CHANNELS: Mapping[str, str] = {
    "email": "email",
    "e-mail": "email",
    "sms": "sms",
    "text": "sms",
    "web": "web",
    "website": "web",
    "online": "web",
    "app": "app",
    "mobile": "app",
    "mobile_app": "app",
    "phone": "phone",
    "ivr": "phone",
    "call": "phone",
    "voice": "phone",
    "chat": "chat",
    "messaging": "chat",
    "store": "store",
    "in_store": "store",
}

#: Medallia touchpoint values -> journey stage ids; ``[mapping.stages]`` overrides them.
DEFAULT_STAGES: Mapping[str, str] = {
    "awareness": "discover",
    "discover": "discover",
    "purchase": "buy",
    "buy": "buy",
    "checkout": "buy",
    "onboarding": "onboard",
    "onboard": "onboard",
    "support": "support",
    "service": "support",
    "renewal": "renew",
    "renew": "renew",
}

# Pace a little under the stated rate: the API counts arrivals, and a request that leaves on
# time can arrive a hair early relative to the one a window before it.
_HEADROOM = 1.02
# The Query API gateway gives up after 90 s; wait a little longer than that for an answer.
_READ_TIMEOUT = 100.0
_CATALOGUE_PAGE = 1000
_IDENTITY_ROLES = ("customer", "email", "phone")
_LABEL_ROLES = ("touchpoint", "channel", "segment", "survey")
_SEGMENT_JUNK = re.compile(r"[^a-z0-9_.:\-]+")
_MAX_REPORTED_ERRORS = 3


class MedalliaQueryError(SourceError):
    """The Query API answered with GraphQL ``errors`` (HTTP 200, no usable data)."""


#: One field's value in a raw record: its only value, the list of a multivalued field's
#: values, or null when empty.
FIELD_VALUE: Mapping[str, Any] = {
    "type": ["string", "array", "null"],
    "items": {"type": "string"},
}


def build_stream(fields: Mapping[str, str | None], items: Sequence[ScoreItem]) -> Stream:
    """The ``feedback`` stream for a field configuration.

    The raw-record schema declares the fields the mapping reads (so anything else is an
    extra kept in ``attributes``) and requires only the watermark fields.
    """
    id_field, date_field = fields["id"], fields["date"]
    assert id_field and date_field  # required by the settings
    properties: dict[str, Any] = {"id": {"type": ["string", "null"]}}
    for role, field in fields.items():
        if field and role not in ("id", "date"):
            properties[field] = FIELD_VALUE
    for item in items:
        properties[item.field] = FIELD_VALUE
        if item.comment:
            properties[item.comment] = FIELD_VALUE
    properties[id_field] = {"type": "string", "minLength": 1}
    properties[date_field] = {"type": "string", "minLength": 1}
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Medallia feedback record (fieldData values by field id)",
        "type": "object",
        "required": [id_field, date_field],
        "properties": properties,
        "additionalProperties": FIELD_VALUE,
    }
    return Stream(
        name=STREAM,
        schema=schema,
        primary_key=id_field,
        cursor_field=date_field,
        description="Survey feedback: one response per score item, and the customer.",
        produces=("response", "customer"),
    )


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _slug(text: str) -> str | None:
    # Segments are identifiers in cxcore ("Gold Tier" -> "gold_tier").
    slug = _SEGMENT_JUNK.sub("_", text.strip().lower()).strip("_.:-")
    return slug or None


def _split_url(url: str) -> tuple[str, str]:
    """``(origin + "/", path?query)``: the client's base URL and the request path."""
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
    path = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    return base, path


class _Pager:
    """Requests of one read: ``after`` cursors within a chain, keyset filters between.

    :class:`KeysetWatermark` decides what to ask (records after the watermark) and keeps
    the state; this object decides *how*: continue the current cursor chain when the
    watermark is where the chain left off, else start a new chain with a keyset filter.
    """

    def __init__(self, source: MedalliaSource, plan: QueryPlan) -> None:
        self.source = source
        self.plan = plan
        self.page_size = source.config.page_size
        self._post = source.client.fetcher(source.query_path, method="POST")
        self._filter: Mapping[str, Any] = {}
        self._cursor: str | None = None
        self._chain_key: Key | None = None
        self._expect: Key | None = None
        self._after: Key | None = None
        #: Pages asked again because cursor positions had moved.
        self.resyncs = 0

    def request(self, after: Key | None) -> PageRequest:
        """The query for the page after the watermark ``after``."""
        self._after = after
        if after is not None and self._cursor is not None and self._chain_key == tuple(after):
            # Start at the last record already read, to verify positions have not moved.
            self._expect = self._chain_key
            cursor: str | None = self._cursor
        else:
            self._filter = self.plan.keyset_filter(after)
            self._expect = None
            cursor = None
        query = self.plan.feedback_query(filter=self._filter, first=self.page_size, after=cursor)
        return PageRequest(json={"query": query})

    def fetch(self, request: PageRequest) -> JsonResponse:
        """Send ``request``; ask again by keyset when the cursor positions moved."""
        response = self._post(request)
        edges = self.source.edges(response)
        if self._expect is not None:
            head = self._key(edges[0]) if edges else None
            if head != self._expect:
                self.resyncs += 1
                logger.info(
                    "medallia: records were added or removed before the page position while "
                    "paging; asking again from the watermark %s",
                    list(self._expect),
                )
                self._cursor = None
                response = self._post(self.request(self._after))
                edges = self.source.edges(response)
        last = self._key(edges[-1]) if edges else None
        if len(edges) >= 2 and isinstance(edges[-2].get("cursor"), str) and last is not None:
            self._cursor, self._chain_key = edges[-2]["cursor"], last
        else:
            self._cursor, self._chain_key = None, None
        return response

    def _key(self, edge: Mapping[str, Any]) -> Key | None:
        # A record without a watermark is reported by KeysetWatermark, naming the page.
        try:
            return self.plan.key(edge)
        except (KeyError, TypeError, ValueError):
            return None


class MedalliaSource(Source):
    """Medallia Experience Cloud feedback; see the module docstring."""

    streams = (build_stream(DEFAULT_FIELDS, parse_items(None)),)
    default_channels = DEFAULT_CHANNELS
    default_stages = DEFAULT_STAGES

    def __init__(self, settings: Mapping[str, Any], *, clock: Clock | None = None) -> None:
        super().__init__(settings, clock=clock)
        self.config = MedalliaSettings.parse(self.settings)
        secret = self.secret("client_secret")
        if secret is None:  # parse() already insists; this narrows the type
            raise ConfigError("settings.client_secret is required")
        self.auth = OAuth2ClientCredentials(
            self.config.token_url,
            self.config.client_id,
            secret,
            client_auth="basic",
            description=(
                f"Medallia API client {self.config.client_id!r} (settings.client_id and "
                "settings.client_secret)"
            ),
        )
        base, self.query_path = _split_url(self.config.query_url)
        rate = self.config.requests_per_second
        limiter = RateLimiter(1, _HEADROOM / rate) if rate > 0 else None
        self.client = self.http_client(
            base, auth=self.auth, rate_limiter=limiter, read_timeout=_READ_TIMEOUT
        )
        self._stream = build_stream(self.config.fields, self.config.items)
        if self.settings.get("lookback_seconds") is None:
            self.lookback = DEFAULT_LOOKBACK_SECONDS
        self._date_type = ""
        self._unknown_segments: set[str] = set()
        #: Diagnostics of the last read: pages asked again because positions moved.
        self.resyncs = 0

    # -- discovery and check ------------------------------------------------------------------

    def discover(self) -> Sequence[Stream]:
        """The ``feedback`` stream, with the configured field ids."""
        return (self._stream,)

    def check(self) -> str:
        """Get a token and look the configured fields up in the instance's catalogue."""
        wanted = self._wanted()
        catalogue = self.catalogue([fid for fid, _, _ in wanted])
        missing_required = [(f, w) for f, w, required in wanted if required and f not in catalogue]
        if missing_required:
            raise ConfigError(_missing_message(missing_required))
        missing = [f"{w} {f!r}" for f, w, _ in wanted if f not in catalogue]
        note = f"; not in this instance, left out: {', '.join(missing)}" if missing else ""
        found = sum(1 for fid, _, _ in wanted if fid in catalogue)
        return (
            f"authenticated as API client {self.config.client_id!r}; Query API reachable; "
            f"{found} of {len(wanted)} configured fields found{note}"
        )

    # -- Query API ------------------------------------------------------------------------------

    def graphql(self, query: str, root: str) -> Mapping[str, Any]:
        """POST one query and return ``data.<root>``, raising on GraphQL errors."""
        return self._root(self.client.post(self.query_path, json={"query": query}), root)

    def edges(self, response: JsonResponse) -> list[Mapping[str, Any]]:
        """The ``edges`` of a ``feedback`` answer (checked for errors and shape)."""
        connection = self._root(response, "feedback")
        edges = connection.get("edges")
        if not isinstance(edges, list) or not all(
            isinstance(e, Mapping) and isinstance(e.get("node"), Mapping) for e in edges
        ):
            raise SourceError(
                f"Medallia Query API: the feedback answer from {response.url} has no list of "
                "edges with nodes; the API may have changed"
            )
        return edges

    def _root(self, response: JsonResponse, root: str) -> Mapping[str, Any]:
        body = response.body
        if not isinstance(body, Mapping):
            raise SourceError(
                f"Medallia Query API: {response.url} answered {type(body).__name__}, not a "
                "GraphQL result object"
            )
        errors = body.get("errors")
        if errors:  # the API sends "errors": null when there are none
            raise MedalliaQueryError(_errors_message(root, errors))
        data = body.get("data")
        node = data.get(root) if isinstance(data, Mapping) else None
        if not isinstance(node, Mapping):
            raise SourceError(
                f"Medallia Query API: the answer from {response.url} has no data.{root}"
            )
        return node

    def catalogue(self, ids: Sequence[str] | None) -> dict[str, FieldInfo]:
        """Field metadata: of ``ids``, or of every field of the instance (``None``)."""
        found: dict[str, FieldInfo] = {}
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = self.graphql(fields_query(ids=ids, first=_CATALOGUE_PAGE, after=after), "fields")
            for node in page.get("nodes") or ():
                if isinstance(node, Mapping) and isinstance(node.get("id"), str):
                    found[node["id"]] = FieldInfo(
                        id=node["id"],
                        data_type=str(node.get("dataType") or "STRING").upper(),
                        multivalued=bool(node.get("multivalued")),
                    )
            info = page.get("pageInfo") or {}
            cursor = info.get("endCursor") if isinstance(info, Mapping) else None
            if not (isinstance(info, Mapping) and info.get("hasNextPage")) or not cursor:
                return found
            if cursor in seen:  # a catalogue that pages in circles must not hang a sync
                raise SourceError("Medallia Query API: the fields catalogue repeats a page")
            seen.add(cursor)
            after = str(cursor)

    # -- reading --------------------------------------------------------------------------------

    def _wanted(self) -> list[tuple[str, str, bool]]:
        """(field id, where it is configured, required) of every configured field."""
        cfg = self.config
        out: list[tuple[str, str, bool]] = []
        for role, field in cfg.fields.items():
            if not field:
                continue
            if role in _IDENTITY_ROLES and self.pii == "drop":
                continue  # identifiers are not even fetched
            out.append((field, f"settings.fields.{role}", role in ("id", "date")))
        for item in cfg.items:
            out.append((item.field, f"settings.items.{item.name}.field", False))
            if item.comment:
                out.append((item.comment, f"settings.items.{item.name}.comment", False))
        for index, condition in enumerate(cfg.filter):
            # A filter on a field that does not exist must stop the sync, not be dropped:
            # dropping it would import records the user chose to leave out.
            out.append((condition.field, f"settings.filter[{index}].field", True))
        if isinstance(cfg.attributes, tuple):
            out.extend((f, "settings.attributes", False) for f in cfg.attributes)
        return out

    def plan(self) -> QueryPlan:
        """Look the fields up and decide what the ``feedback`` query fetches."""
        cfg = self.config
        wanted = self._wanted()
        everything = cfg.attributes == "all"
        catalogue = self.catalogue(
            None if everything else list(dict.fromkeys(f for f, _, _ in wanted))
        )
        missing_required = [(f, w) for f, w, required in wanted if required and f not in catalogue]
        if missing_required:
            raise ConfigError(_missing_message(missing_required))
        # Identifier fields are read only to be hashed (or not at all with pii = "drop"),
        # never kept as attributes.
        identifiers = {cfg.fields[r] for r in _IDENTITY_ROLES if cfg.fields[r]}
        mapped: list[str] = []
        for field, where, _ in wanted:
            if where.startswith("settings.filter"):
                continue
            if field not in catalogue:
                logger.warning(
                    "medallia: %s = %r is not a field of this instance; left out", where, field
                )
            elif where == "settings.attributes":
                if cfg.is_excluded(field) or field in identifiers:
                    continue
                if self.pii != "clear" and cfg.is_personal(field):
                    logger.warning(
                        "medallia: %s lists %r, which holds personal data; left out unless "
                        'pii = "clear"',
                        where,
                        field,
                    )
                    continue
                mapped.append(field)
            else:
                mapped.append(field)
        if everything:
            for field in sorted(catalogue):
                if field in mapped or field in identifiers or cfg.is_excluded(field):
                    continue
                if self.pii != "clear" and cfg.is_personal(field):
                    continue
                mapped.append(field)
        plan = QueryPlan(
            id_field=cfg.id_field,
            date_field=cfg.date_field,
            fields=mapped,
            catalogue=catalogue,
            conditions=[_condition(c.field, c.ops) for c in cfg.filter],
            start=None,
        )
        plan.start = self._start(plan)
        self._date_type = plan.date_type
        return plan

    def _start(self, plan: QueryPlan) -> str | None:
        start = self.config.start_date
        if start is None:
            return None
        if isinstance(start, int):
            return format_date(float(start), plan.date_type)
        return format_date(plan.date_key(str(start)), plan.date_type)

    def _saved(self, state: Mapping[str, Any] | None) -> Key | None:
        """The watermark a previous run saved (``None``: start from the beginning)."""
        if not state:
            return None
        cfg = self.config
        keyset = state.get("keyset")
        if keyset is not None and list(keyset) != [cfg.date_field, cfg.id_field]:
            raise ConfigError(
                f"the saved watermark is on fields {list(keyset)} but settings.fields now say "
                f"date = {cfg.date_field!r}, id = {cfg.id_field!r}; re-read everything with "
                "cxcore sources sync --full-refresh"
            )
        after = state.get("after")
        if after is None:
            return None  # a run that found nothing: start from the beginning again
        if not (isinstance(after, list | tuple) and len(after) == 2):
            raise SourceError(f"saved state of stream {STREAM}: malformed watermark {after!r}")
        date, ident = after
        if not isinstance(date, int | float) or isinstance(date, bool):
            raise SourceError(f"saved state of stream {STREAM}: malformed watermark {after!r}")
        return (float(date), ident)

    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        """Pages of raw feedback records after the saved watermark (see the module doc)."""
        if stream.name != STREAM:
            raise ConfigError(f"unknown stream {stream.name!r}; this source has: {STREAM}")
        plan = self.plan()
        saved = self._saved(state)
        start = None if saved is None else (saved[0] - self.lookback, saved[1])
        pager = _Pager(self, plan)
        keyset = KeysetWatermark(
            "data.feedback.edges",
            key=plan.key,
            request=pager.request,
            page_size=self.config.page_size,
        )
        marker = {"keyset": [plan.date_field, plan.id_field]}
        initial = None if start is None else {"after": list(start)}
        try:
            for page in keyset.pages(pager.fetch, state=initial):
                yield StreamPage(
                    records=[plan.record(edge["node"]) for edge in page.records],
                    state={**_not_behind(page.state, saved), **marker},
                    number=page.number,
                    is_last=page.is_last,
                )
        finally:
            self.resyncs = pager.resyncs

    # -- mapping --------------------------------------------------------------------------------

    def map(
        self, stream: Stream, records: Sequence[Any], ctx: MappingContext
    ) -> Iterable[Mapping[str, Any]]:
        """Responses and customers of one page (each customer once per page)."""
        customers: set[str] = set()
        for record in records:
            yield from self._map_record(stream, record, ctx, customers)

    def _map_record(
        self,
        stream: Stream,
        raw: Mapping[str, Any],
        ctx: MappingContext,
        customers: set[str],
    ) -> Iterator[Mapping[str, Any]]:
        cfg = self.config
        f = cfg.fields
        record_id = _first(raw.get(cfg.id_field))
        date = _first(raw.get(cfg.date_field))
        if record_id is None or date is None:  # the stream schema requires both
            raise ValueError(f"record without {cfg.id_field} or {cfg.date_field}")
        when = occurred_at(date, self._date_type, cfg.timezone)

        def value(role: str) -> Any:
            field = f.get(role)
            return raw.get(field) if field else None

        identities = ctx.identities(
            external_id=_first(value("customer")),
            email=_first(value("email")),
            phone=_first(value("phone")),
        )
        customer_id = next(
            (identities[k] for k in ("external_id", "email", "phone") if k in identities), None
        )
        if customer_id is not None and customer_id not in customers:
            customers.add(customer_id)
            raw_segment = _first(value("segment"))
            yield ctx.customer(
                id=customer_id,
                segment=self._segment(raw_segment, ctx),
                identities=identities,
                attributes={f["segment"]: raw_segment} if f["segment"] and raw_segment else None,
            )

        attributes = {k: v for k, v in ctx.extras(stream, raw).items() if v not in (None, [])}
        for role in _LABEL_ROLES:
            label = value(role)
            field = f.get(role)
            if field and label not in (None, []):
                attributes[field] = label  # the raw value, even when it maps to nothing
        stage = ctx.stage(_first(value("touchpoint")))
        channel = ctx.channel(_first(value("channel")))
        survey = _first(value("survey"))

        answered = 0
        for item in cfg.items:
            if item.field not in raw:
                continue  # not a field of this instance (check reports it)
            score = item.value(raw.get(item.field))
            comment = _first(raw.get(item.comment)) if item.comment else None
            if score is None and comment is None and item.if_empty == "skip":
                continue
            answered += 1
            yield ctx.response(
                id=f"{record_id}:{item.name}",
                item=item.name,
                value=score,
                scale=item.scale,
                occurred_at=when,
                customer_id=customer_id,
                survey=survey,
                comment=comment,
                stage=stage,
                channel=channel,
                attributes=attributes,
            )
        if not answered:
            ctx.skip("feedback records with none of the configured score items")

    def _segment(self, text: str | None, ctx: MappingContext) -> str | None:
        """The journey segment of a segment value (``None`` when the journey has none)."""
        if text is None:
            return None
        segments = self.config.segments
        mapped = segments.get(text) or segments.get(text.lower()) or _slug(text)
        if ctx.journey is None or mapped in {s.id for s in ctx.journey.segments}:
            return mapped
        # A customer refused over its segment would be lost; keep it without one. The SDK
        # has no segment rules (so no summary note for them): warn once per value instead.
        if text not in self._unknown_segments:
            self._unknown_segments.add(text)
            logger.warning(
                "medallia: segment %r matches no journey segment; left empty (map it with "
                'settings.segments: "%s" = "<segment id>")',
                text,
                text,
            )
        return None


def _not_behind(state: Mapping[str, Any], saved: Key | None) -> dict[str, Any]:
    """``state``, but never behind the watermark the run started from.

    The lookback re-reads records before the saved watermark; while it does, and when it
    finds nothing newer (say the last record was deleted), the page states are behind it.
    Saving those would move every later run's start back by another lookback.
    """
    if saved is None:
        return dict(state)
    after = state.get("after")
    try:
        behind = after is None or (after[0], after[1]) < saved
    except TypeError:  # an id that changed type (catalogue edit): trust the new state
        behind = False
    return {**state, "after": list(saved)} if behind else dict(state)


def _condition(field: str, ops: Mapping[str, Any]) -> dict[str, Any]:
    """A ``filter`` setting condition as a Query API filter object."""
    out: dict[str, Any] = {"fieldIds": [field]}
    for op, value in ops.items():
        if op == "is_null":
            out["isNull"] = bool(value)
        elif op == "in":
            out["in"] = [str(v) for v in value]
        else:
            out[op] = str(value)
    return out


def _missing_message(missing: Sequence[tuple[str, str]]) -> str:
    listed = ", ".join(f"{where} = {field!r}" for field, where in missing)
    return (
        f"not a field of this Medallia instance: {listed}; set the field ids your instance "
        "uses (see the fields catalogue in Medallia's Query API explorer)"
    )


def _errors_message(root: str, errors: Any) -> str:
    items = errors if isinstance(errors, list) else [errors]
    parts = []
    for error in items[:_MAX_REPORTED_ERRORS]:
        if isinstance(error, Mapping):
            message = str(error.get("message") or "unknown error")
            extensions = error.get("extensions")
            kind = extensions.get("classification") if isinstance(extensions, Mapping) else None
            path = error.get("path")
            where = f" at {'.'.join(map(str, path))}" if isinstance(path, list) and path else ""
            parts.append(f"{message}{f' [{kind}{where}]' if kind or where else ''}")
        else:
            parts.append(str(error))
    more = len(items) - len(parts)
    tail = f" (and {more} more)" if more > 0 else ""
    return f"Medallia Query API refused the {root} query: {'; '.join(parts)}{tail}"
