"""A local stand-in for the Zendesk Support API (the subset the cxcore Zendesk source uses).

Served endpoints (``.json`` suffix optional, as on Zendesk):

* ``GET /api/v2/incremental/tickets/cursor.json`` — cursor-based incremental ticket export:
  ``?start_time=<unix>`` first, then ``?cursor=<after_cursor>``; ``per_page`` (≤ 1000,
  default ``page_size``), ``exclude_deleted=true``.  Response ``{tickets, after_url,
  after_cursor, before_url, before_cursor, end_of_stream}``.  Tickets are ordered by
  ``(generated_timestamp, id)`` (the export compares ``generated_timestamp``, not
  ``updated_at``); the cursor encodes the last ticket's position exactly as Zendesk's
  does (``base64("<ts>.0||<id>|")``), so a cursor saved after ``end_of_stream`` resumes
  with everything changed since.  Items changed within ``export_lag_seconds`` (60, as
  documented) of "now" are held back; a ``start_time`` within that minute (or in the
  future) is refused with 400.  Deleted tickets stay in the export with
  ``status: "deleted"`` unless ``exclude_deleted=true``.
* ``GET /api/v2/incremental/users/cursor.json`` — the same for users (compared on
  ``updated_at``).
* ``GET /api/v2/ticket_metrics.json`` — newest → oldest by ``created_at``; cursor
  pagination (``page[size]`` ≤ 100, ``page[after]``/``page[before]``, response
  ``meta{has_more, after_cursor, before_cursor}`` + ``links{next, prev}``) or offset
  pagination (``page``, ``per_page`` ≤ 100, ``next_page``/``previous_page``/``count``;
  pages past the first 10,000 records answer 400, as Zendesk's offset limit).
* ``GET /api/v2/tickets/{id}/metrics.json`` and ``GET /api/v2/tickets/{id}.json``.
* ``GET /api/v2/satisfaction_ratings.json`` — oldest → newest by ``created_at``; filters
  ``score`` (offered, unoffered, received[_with[out]_comment], good[...], bad[...]),
  ``start_time``/``end_time`` (epoch seconds, compared with ``csat_time_field``,
  default ``updated_at``); cursor or offset pagination as above.
  ``GET /api/v2/satisfaction_ratings/{id}.json``.
* ``GET /api/v2/users/me.json`` — the authenticated user (an anonymous end-user when no
  credentials are sent, as Zendesk does).

Auth: API token (``Authorization: Basic base64("{email}/token:{token}")``) or OAuth
(``Authorization: Bearer {oauth_token}``); anything else gets 401
``{"error": "Couldn't authenticate you"}``.

Rate limits (all off by default so demos run at full speed): ``rate_limit_per_minute``
(account-wide; documented plan limits are 200–2,500) and
``incremental_rate_limit_per_minute`` (documented: 10).  Excess requests get 429
``{"error": "APIRateLimitExceeded", "description": ...}`` with ``Retry-After``; every
response carries ``X-Rate-Limit``, ``X-Rate-Limit-Remaining``, ``ratelimit-limit``,
``ratelimit-remaining`` and ``ratelimit-reset``.

Dataset mutation between runs: :meth:`ZendeskStandin.put_ticket`,
:meth:`~ZendeskStandin.update_ticket`, :meth:`~ZendeskStandin.delete_ticket` (and the
same for users, ticket metrics and satisfaction ratings) stamp ``updated_at`` and
``generated_timestamp`` with the stand-in's clock, so the changes appear after a saved
cursor.  :func:`sample_dataset` builds deterministic, schema-valid sample data.
"""

from __future__ import annotations

import base64
import binascii
import bisect
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
    basic_credentials,
    bearer_token,
    decode_cursor,
    dumps,
    encode_cursor,
    iso_z,
    join_json_array,
    json_response,
    parse_iso,
    sample_people,
)
from cxcore.testing.standin import url_with_query as _url

__all__ = ["ZendeskDataset", "ZendeskStandin", "sample_dataset"]

Record = dict[str, Any]

INCREMENTAL_MAX_PER_PAGE = 1000
CURSOR_MAX_PAGE_SIZE = 100
OFFSET_MAX_PER_PAGE = 100
OFFSET_MAX_RECORDS = 10_000
NOMINAL_ACCOUNT_LIMIT = 700  # reported in headers when no account limit is enforced

_JSON = r"(?:\.json)?"
_INCREMENTAL_CURSOR_RE = re.compile(r"^(-?\d+)(?:\.\d+)?\|\|(-?\d+)\|$")
_SCORES: dict[str, Callable[[Record], bool]] = {
    "offered": lambda r: r.get("score") == "offered",
    "unoffered": lambda r: r.get("score") == "unoffered",
    "received": lambda r: r.get("score") in ("good", "bad"),
    "received_with_comment": lambda r: r.get("score") in ("good", "bad") and bool(r.get("comment")),
    "received_without_comment": lambda r: (
        r.get("score") in ("good", "bad") and not r.get("comment")
    ),
    "good": lambda r: r.get("score") == "good",
    "good_with_comment": lambda r: r.get("score") == "good" and bool(r.get("comment")),
    "good_without_comment": lambda r: r.get("score") == "good" and not r.get("comment"),
    "bad": lambda r: r.get("score") == "bad",
    "bad_with_comment": lambda r: r.get("score") == "bad" and bool(r.get("comment")),
    "bad_without_comment": lambda r: r.get("score") == "bad" and not r.get("comment"),
}


def _epoch(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, int | float):
        return int(value)
    return int(parse_iso(str(value)))


def _error(status: int, error: str, description: str | None = None) -> StandinError:
    body: dict[str, Any] = {"error": error}
    if description is not None:
        body["description"] = description
    return StandinError(json_response(body, status))


def _int_param(request: Request, name: str) -> int | None:
    raw = request.param(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise _error(400, "InvalidValue", f"{name} must be an integer") from None


class _Collection:
    """Records by id with cached JSON bytes and cached sort orders."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        self.records: dict[int, Record] = {}
        self._blobs: dict[int, bytes] = {}
        self._orders: dict[str, tuple[int, list[Any], list[int]]] = {}
        self.version = 0
        for record in records:
            self.put(dict(record))

    def put(self, record: Record) -> None:
        rid = int(record["id"])
        self.records[rid] = record
        self._blobs.pop(rid, None)
        self.version += 1

    def remove(self, rid: int) -> Record | None:
        self._blobs.pop(rid, None)
        self.version += 1
        return self.records.pop(rid, None)

    def blob(self, rid: int) -> bytes:
        cached = self._blobs.get(rid)
        if cached is None:
            cached = self._blobs[rid] = dumps(self.records[rid])
        return cached

    def ordered(self, name: str, key: Callable[[Record], Any]) -> tuple[list[Any], list[int]]:
        """(sorted keys, ids in that order), cached until the next change."""
        cached = self._orders.get(name)
        if cached is not None and cached[0] == self.version:
            return cached[1], cached[2]
        pairs = sorted((key(r), rid) for rid, r in self.records.items())
        keys = [k for k, _ in pairs]
        ids = [rid for _, rid in pairs]
        self._orders[name] = (self.version, keys, ids)
        return keys, ids


class ZendeskStandin(StandinServer):
    """In-process Zendesk Support API stand-in (see the module docstring for endpoints).

    Args:
        tickets, users, ticket_metrics, satisfaction_ratings: records shaped like the
            API's (e.g. from :func:`sample_dataset`); copied on construction.
        page_size: default ``per_page`` of the incremental exports (Zendesk: 1000).
        email, token: API-token credentials accepted with Basic auth.
        oauth_token: a Bearer token also accepted (``None`` = OAuth off).
        rate_limit_per_minute: enforce an account-wide limit (``None`` = off).
        incremental_rate_limit_per_minute: enforce a limit on ``/incremental/`` endpoints
            (Zendesk documents 10; ``None`` = off).
        export_lag_seconds: hold back export items changed this recently (Zendesk: 60).
        csat_time_field: record field ``start_time``/``end_time`` filter on for
            satisfaction ratings (``"updated_at"`` or ``"created_at"``).
        subdomain: used in the ``url`` of records made by :meth:`put_ticket` etc.
        faults, clock, host, port: see :class:`~cxcore.testing.standin.StandinServer`.
    """

    vendor = "zendesk"

    def __init__(
        self,
        tickets: Iterable[Mapping[str, Any]] = (),
        users: Iterable[Mapping[str, Any]] = (),
        ticket_metrics: Iterable[Mapping[str, Any]] = (),
        satisfaction_ratings: Iterable[Mapping[str, Any]] = (),
        *,
        page_size: int = 1000,
        email: str = "admin@example.com",
        token: str = "standin-api-token",
        oauth_token: str | None = None,
        rate_limit_per_minute: int | None = None,
        incremental_rate_limit_per_minute: int | None = None,
        export_lag_seconds: float = 60.0,
        csat_time_field: str = "updated_at",
        subdomain: str = "example",
        faults: FaultPlan | Iterable[Fault] | None = None,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        limits = [
            RateLimit(
                rate_limit_per_minute or NOMINAL_ACCOUNT_LIMIT,
                60.0,
                name="account",
                enforce=rate_limit_per_minute is not None,
            )
        ]
        if incremental_rate_limit_per_minute is not None:
            limits.append(
                RateLimit(
                    incremental_rate_limit_per_minute,
                    60.0,
                    name="incremental",
                    path=r"^/api/v2/incremental/",
                )
            )
        super().__init__(faults=faults, rate_limits=limits, clock=clock, host=host, port=port)
        if not 1 <= page_size <= INCREMENTAL_MAX_PER_PAGE:
            raise ValueError(f"page_size must be 1..{INCREMENTAL_MAX_PER_PAGE}")
        self.page_size = page_size
        self.email = email
        self.token = token
        self.oauth_token = oauth_token
        self.export_lag_seconds = export_lag_seconds
        self.csat_time_field = csat_time_field
        self.subdomain = subdomain
        self._tickets = _Collection(_with_generated_timestamp(t) for t in tickets)
        self._users = _Collection(users)
        self._metrics = _Collection(ticket_metrics)
        self._ratings = _Collection(satisfaction_ratings)

    # ---- dataset access and mutation ---------------------------------------------------

    @property
    def tickets(self) -> list[Record]:
        """Current tickets (copies), by id."""
        return self._snapshot(self._tickets)

    @property
    def users(self) -> list[Record]:
        return self._snapshot(self._users)

    @property
    def ticket_metrics(self) -> list[Record]:
        return self._snapshot(self._metrics)

    @property
    def satisfaction_ratings(self) -> list[Record]:
        return self._snapshot(self._ratings)

    def _snapshot(self, coll: _Collection) -> list[Record]:
        with self.lock:
            return [dict(coll.records[k]) for k in sorted(coll.records)]

    def _stamp(self, record: Record, *, generated: bool) -> None:
        now = self.clock()
        record["updated_at"] = iso_z(now)
        if generated:
            record["generated_timestamp"] = int(now)

    def put_ticket(self, ticket: Mapping[str, Any], *, touch: bool = True) -> Record:
        """Add or replace a ticket; ``touch`` stamps ``updated_at``/``generated_timestamp``."""
        record = dict(ticket)
        record.setdefault("url", self._url("tickets", record["id"]))
        if touch:
            self._stamp(record, generated=True)
        with self.lock:
            self._tickets.put(_with_generated_timestamp(record))
        return dict(record)

    def update_ticket(self, ticket_id: int, **changes: Any) -> Record:
        """Change fields of a ticket and stamp it as updated now."""
        with self.lock:
            record = {**self._tickets.records[ticket_id], **changes}
            self._stamp(record, generated=True)
            self._tickets.put(record)
            return dict(record)

    def delete_ticket(self, ticket_id: int) -> Record:
        """Soft-delete a ticket: ``status: "deleted"``, new ``generated_timestamp``.

        As in Zendesk's export, ``updated_at`` is left as it was.
        """
        with self.lock:
            record = {**self._tickets.records[ticket_id], "status": "deleted"}
            record["generated_timestamp"] = int(self.clock())
            self._tickets.put(record)
            return dict(record)

    def put_user(self, user: Mapping[str, Any], *, touch: bool = True) -> Record:
        record = dict(user)
        record.setdefault("url", self._url("users", record["id"]))
        if touch:
            self._stamp(record, generated=False)
        with self.lock:
            self._users.put(record)
        return dict(record)

    def update_user(self, user_id: int, **changes: Any) -> Record:
        with self.lock:
            record = {**self._users.records[user_id], **changes}
            self._stamp(record, generated=False)
            self._users.put(record)
            return dict(record)

    def put_ticket_metric(self, metric: Mapping[str, Any], *, touch: bool = True) -> Record:
        record = dict(metric)
        record.setdefault("url", self._url("ticket_metrics", record["id"]))
        if touch:
            self._stamp(record, generated=False)
        with self.lock:
            self._metrics.put(record)
        return dict(record)

    def put_satisfaction_rating(self, rating: Mapping[str, Any], *, touch: bool = True) -> Record:
        record = dict(rating)
        record.setdefault("url", self._url("satisfaction_ratings", record["id"]))
        if touch:
            self._stamp(record, generated=False)
        with self.lock:
            self._ratings.put(record)
        return dict(record)

    def update_satisfaction_rating(self, rating_id: int, **changes: Any) -> Record:
        with self.lock:
            record = {**self._ratings.records[rating_id], **changes}
            self._stamp(record, generated=False)
            self._ratings.put(record)
            return dict(record)

    def _url(self, resource: str, rid: Any) -> str:
        return f"https://{self.subdomain}.zendesk.com/api/v2/{resource}/{rid}.json"

    # ---- routing, auth, errors -------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        return (
            Route("GET", rf"/api/v2/incremental/tickets/cursor{_JSON}", self._incremental_tickets),
            Route("GET", rf"/api/v2/incremental/users/cursor{_JSON}", self._incremental_users),
            Route("GET", rf"/api/v2/ticket_metrics{_JSON}", self._list_metrics),
            Route("GET", rf"/api/v2/ticket_metrics/(?P<rid>\d+){_JSON}", self._show_metric),
            Route("GET", rf"/api/v2/tickets/(?P<rid>\d+)/metrics{_JSON}", self._ticket_metrics),
            Route("GET", rf"/api/v2/tickets/(?P<rid>\d+){_JSON}", self._show_ticket),
            Route("GET", rf"/api/v2/satisfaction_ratings{_JSON}", self._list_ratings),
            Route("GET", rf"/api/v2/satisfaction_ratings/(?P<rid>\d+){_JSON}", self._show_rating),
            Route("GET", rf"/api/v2/users/me{_JSON}", self._me),
        )

    def _credentials_ok(self, request: Request) -> bool:
        auth = request.header("authorization")
        creds = basic_credentials(auth)
        if creds is not None:
            return creds == (f"{self.email}/token", self.token)
        token = bearer_token(auth)
        return token is not None and self.oauth_token is not None and token == self.oauth_token

    def authenticate(self, request: Request) -> Response | None:
        if request.header("authorization") is None and re.fullmatch(
            rf"/api/v2/users/me{_JSON}", request.path
        ):
            return None  # Zendesk answers /users/me anonymously without credentials
        if self._credentials_ok(request):
            return None
        return self.error_response(request, 401)

    def error_response(
        self, request: Request, status: int, *, retry_after: float | None = None
    ) -> Response:
        headers: dict[str, str] = {}
        if status == 401:
            body: dict[str, Any] = {"error": "Couldn't authenticate you"}
            headers["WWW-Authenticate"] = 'Basic realm="Web Password"'
        elif status == 403:
            body = {
                "error": "Forbidden",
                "description": "You do not have access to this page. Please contact the "
                "account owner of this help desk for further help.",
            }
        elif status == 404:
            body = {"error": "InvalidEndpoint", "description": "Not found"}
        elif status == 503:
            body = {"error": "ServiceUnavailable", "description": "Service temporarily unavailable"}
        elif status >= 500:
            body = {"error": "InternalError", "description": "Something went wrong"}
        else:
            body = {"error": "InvalidRequest", "description": f"HTTP {status}"}
        if retry_after:
            headers["Retry-After"] = str(math.ceil(retry_after))
        return json_response(body, status, headers)

    def rate_limited_response(
        self, request: Request, limit: RateLimit | None, retry_after: float | None
    ) -> Response:
        incremental = request.path.startswith("/api/v2/incremental/")
        what = "incremental export API requests" if incremental else "API requests"
        response = json_response(
            {
                "error": "APIRateLimitExceeded",
                "description": f"Number of allowed {what} per minute exceeded",
            },
            429,
        )
        if retry_after is not None:
            response.headers["Retry-After"] = str(math.ceil(retry_after))
        account = self.rate_limits[0]
        response.headers.update(self._limit_headers(account.limit, 0, retry_after or 60.0))
        return response

    def decorate(
        self, request: Request, response: Response, states: Sequence[RateLimitState]
    ) -> None:
        account = next((s for s in states if s.limit.name == "account"), None)
        if account is not None:
            response.headers.update(
                self._limit_headers(account.limit.limit, account.remaining, account.reset_after)
            )
        response.headers.setdefault("X-Zendesk-API-Version", "v2")

    @staticmethod
    def _limit_headers(limit: int, remaining: int, reset: float) -> dict[str, str]:
        return {
            "X-Rate-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(remaining),
            "ratelimit-limit": str(limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(max(1, math.ceil(reset))),
        }

    # ---- incremental exports -----------------------------------------------------------

    def _incremental_tickets(self, request: Request) -> Response:
        exclude_deleted = (request.param("exclude_deleted") or "").lower() == "true"
        return self._incremental(
            request,
            self._tickets,
            "tickets",
            lambda r: (int(r["generated_timestamp"]), int(r["id"])),
            skip=(lambda r: r.get("status") == "deleted") if exclude_deleted else None,
        )

    def _incremental_users(self, request: Request) -> Response:
        return self._incremental(
            request, self._users, "users", lambda r: (_epoch(r.get("updated_at")), int(r["id"]))
        )

    def _incremental(
        self,
        request: Request,
        coll: _Collection,
        resource: str,
        key: Callable[[Record], tuple[int, int]],
        *,
        skip: Callable[[Record], bool] | None = None,
    ) -> Response:
        now = self.clock()
        horizon = now - self.export_lag_seconds
        per_page_raw = _int_param(request, "per_page")
        per_page = per_page_raw if per_page_raw is not None else self.page_size
        per_page = max(1, min(per_page, INCREMENTAL_MAX_PER_PAGE))
        cursor = request.param("cursor")
        if cursor:
            position = _decode_incremental_cursor(cursor)
        else:
            start_time = _int_param(request, "start_time")
            if start_time is None:
                raise _error(400, "InvalidValue", "start_time or cursor is required")
            if start_time > horizon:
                raise _error(
                    400,
                    "InvalidValue",
                    "Too recent start_time. Use a start_time older than "
                    f"{int(self.export_lag_seconds)} seconds.",
                )
            position = (start_time - 1, 2**62)  # i.e. generated_timestamp >= start_time
        with self.lock:
            keys, ids = coll.ordered(f"incremental:{resource}", key)
            i = bisect.bisect_right(keys, position)
            page: list[int] = []
            last = position
            while i < len(keys) and keys[i][0] <= horizon and len(page) < per_page:
                record = coll.records[ids[i]]
                last = keys[i]
                if skip is None or not skip(record):
                    page.append(ids[i])
                i += 1
            end_of_stream = i >= len(keys) or keys[i][0] > horizon
            if end_of_stream and last == position:
                # nothing new: move the cursor up to the export horizon, as Zendesk does
                last = max(position, (int(horizon), 0))
            items = join_json_array(coll.blob(rid) for rid in page)
        after_cursor = _encode_incremental_cursor(last)
        extra = [("per_page", str(per_page_raw))] if per_page_raw is not None else []
        if request.param("exclude_deleted"):
            extra.append(("exclude_deleted", request.param("exclude_deleted") or ""))
        path = f"/api/v2/incremental/{resource}/cursor.json"
        rest = {
            "after_url": _url(self.url(path), [("cursor", after_cursor), *extra]),
            "after_cursor": after_cursor,
            "before_url": None,  # backward paging of exports is not modelled
            "before_cursor": None,
            "end_of_stream": end_of_stream,
        }
        return Response(body=b'{"' + resource.encode() + b'":' + items + b"," + dumps(rest)[1:])

    # ---- list endpoints -----------------------------------------------------------------

    def _list_page(
        self,
        request: Request,
        coll: _Collection,
        resource: str,
        order: str,
        key: Callable[[Record], Any],
        keep: Callable[[Record], bool] | None = None,
        extra_params: Sequence[tuple[str, str]] = (),
    ) -> Response:
        """One page of a Zendesk list endpoint, cursor or offset pagination."""
        path = self.url(request.path if request.path.endswith(".json") else request.path + ".json")
        with self.lock:
            keys, ids = coll.ordered(order, key)
            if keep is not None:
                pairs = [
                    (k, rid) for k, rid in zip(keys, ids, strict=True) if keep(coll.records[rid])
                ]
                keys = [k for k, _ in pairs]
                ids = [rid for _, rid in pairs]
            size_raw = request.param("page[size]")
            if (
                size_raw is not None
                or request.param("page[after]")
                or request.param("page[before]")
            ):
                return self._cursor_page(
                    request, coll, resource, order, keys, ids, path, extra_params
                )
            per_page = _int_param(request, "per_page") or OFFSET_MAX_PER_PAGE
            per_page = max(1, min(per_page, OFFSET_MAX_PER_PAGE))
            page_no = _int_param(request, "page") or 1
            if page_no < 1:
                raise _error(400, "InvalidPaginationParameter", "page must be >= 1")
            if page_no * per_page > OFFSET_MAX_RECORDS:
                raise _error(
                    400,
                    "InvalidPaginationParameter",
                    "Offset pagination is limited to the first 10000 records; "
                    "use cursor pagination instead",
                )
            start = (page_no - 1) * per_page
            chunk = ids[start : start + per_page]
            items = join_json_array(coll.blob(rid) for rid in chunk)
        params = [*extra_params, ("per_page", str(per_page))]
        more = start + per_page < len(ids)
        rest = {
            "next_page": _url(path, [*params, ("page", str(page_no + 1))]) if more else None,
            "previous_page": _url(path, [*params, ("page", str(page_no - 1))])
            if page_no > 1
            else None,
            "count": len(ids),
        }
        return Response(body=b'{"' + resource.encode() + b'":' + items + b"," + dumps(rest)[1:])

    def _cursor_page(
        self,
        request: Request,
        coll: _Collection,
        resource: str,
        order: str,
        keys: list[Any],
        ids: list[int],
        path: str,
        extra_params: Sequence[tuple[str, str]],
    ) -> Response:
        size = _int_param(request, "page[size]") or CURSOR_MAX_PAGE_SIZE
        if not 1 <= size <= CURSOR_MAX_PAGE_SIZE:
            raise _error(
                400,
                "InvalidPaginationParameter",
                f"page[size] must be between 1 and {CURSOR_MAX_PAGE_SIZE}",
            )
        after = request.param("page[after]")
        before = request.param("page[before]")
        if after:
            start = bisect.bisect_right(keys, _decode_list_cursor(after, order))
            stop = min(len(ids), start + size)
            has_more = stop < len(ids)
        elif before:
            stop = bisect.bisect_left(keys, _decode_list_cursor(before, order))
            start = max(0, stop - size)
            has_more = start > 0
        else:
            start, stop = 0, min(len(ids), size)
            has_more = stop < len(ids)
        chunk = ids[start:stop]
        items = join_json_array(coll.blob(rid) for rid in chunk)
        first = _encode_list_cursor(order, keys[start]) if chunk else None
        last = _encode_list_cursor(order, keys[stop - 1]) if chunk else None
        params = [*extra_params, ("page[size]", str(size))]
        rest = {
            "meta": {"has_more": has_more, "after_cursor": last, "before_cursor": first},
            "links": {
                "prev": _url(path, [*params, ("page[before]", first)]) if first else None,
                "next": _url(path, [*params, ("page[after]", last)]) if last else None,
            },
        }
        return Response(body=b'{"' + resource.encode() + b'":' + items + b"," + dumps(rest)[1:])

    def _list_metrics(self, request: Request) -> Response:
        return self._list_page(
            request,
            self._metrics,
            "ticket_metrics",
            "-created_at",
            lambda r: (-_epoch(r.get("created_at")), -int(r["id"])),
        )

    def _list_ratings(self, request: Request) -> Response:
        score = request.param("score")
        if score is not None and score not in _SCORES:
            raise _error(400, "InvalidValue", f"score must be one of {', '.join(_SCORES)}")
        start_time = _int_param(request, "start_time")
        end_time = _int_param(request, "end_time")
        field_name = self.csat_time_field
        score_ok = _SCORES[score] if score else None

        def keep(r: Record) -> bool:
            if score_ok is not None and not score_ok(r):
                return False
            ts = _epoch(r.get(field_name))
            if start_time is not None and ts < start_time:
                return False
            return end_time is None or ts <= end_time

        extra = [(k, v) for k in ("score", "start_time", "end_time") if (v := request.param(k))]
        return self._list_page(
            request,
            self._ratings,
            "satisfaction_ratings",
            "created_at",
            lambda r: (_epoch(r.get("created_at")), int(r["id"])),
            keep=keep if (score or start_time is not None or end_time is not None) else None,
            extra_params=extra,
        )

    # ---- show endpoints -----------------------------------------------------------------

    def _show(self, coll: _Collection, rid: int, name: str) -> Response:
        with self.lock:
            if rid not in coll.records:
                raise _error(404, "RecordNotFound", "Not found")
            blob = coll.blob(rid)
        return Response(body=b'{"' + name.encode() + b'":' + blob + b"}")

    def _show_ticket(self, request: Request, rid: str) -> Response:
        with self.lock:
            record = self._tickets.records.get(int(rid))
            if record is None or record.get("status") == "deleted":
                raise _error(404, "RecordNotFound", "Not found")
        return self._show(self._tickets, int(rid), "ticket")

    def _show_metric(self, request: Request, rid: str) -> Response:
        return self._show(self._metrics, int(rid), "ticket_metric")

    def _ticket_metrics(self, request: Request, rid: str) -> Response:
        with self.lock:
            for metric_id, metric in self._metrics.records.items():
                if int(metric.get("ticket_id") or -1) == int(rid):
                    return self._show(self._metrics, metric_id, "ticket_metric")
        raise _error(404, "RecordNotFound", "Not found")

    def _show_rating(self, request: Request, rid: str) -> Response:
        return self._show(self._ratings, int(rid), "satisfaction_rating")

    def _me(self, request: Request) -> Response:
        if request.header("authorization") is None:
            user = _user_record(
                None, "Anonymous user", "invalid@example.com", role="end-user", subdomain=None
            )
        else:
            user = _user_record(
                1, "Stand-in Admin", self.email, role="admin", subdomain=self.subdomain
            )
            user["role_type"] = None
            user["verified"] = True
        return json_response({"user": user})


# --------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------


def _encode_incremental_cursor(position: tuple[int, int]) -> str:
    return base64.b64encode(f"{position[0]}.0||{position[1]}|".encode()).decode("ascii")


def _decode_incremental_cursor(cursor: str) -> tuple[int, int]:
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        text = ""
    m = _INCREMENTAL_CURSOR_RE.match(text)
    if m is None:
        raise _error(400, "InvalidPaginationParameter", "Invalid cursor")
    return int(m.group(1)), int(m.group(2))


def _encode_list_cursor(order: str, key: Any) -> str:
    return encode_cursor({"o": order, "v": list(key)})


def _decode_list_cursor(cursor: str, order: str) -> tuple[Any, ...]:
    try:
        value = decode_cursor(cursor)
    except ValueError:
        value = None
    if (
        not isinstance(value, dict)
        or value.get("o") != order
        or not isinstance(value.get("v"), list)
    ):
        raise _error(400, "InvalidPaginationParameter", "Invalid cursor")
    return tuple(value["v"])


def _with_generated_timestamp(ticket: Mapping[str, Any]) -> Record:
    record = dict(ticket)
    if record.get("generated_timestamp") is None:
        record["generated_timestamp"] = _epoch(record.get("updated_at") or record.get("created_at"))
    return record


# --------------------------------------------------------------------------------------
# Sample data
# --------------------------------------------------------------------------------------


class ZendeskDataset(TypedDict):
    """What :func:`sample_dataset` returns; ``ZendeskStandin(**dataset)`` accepts it."""

    tickets: list[Record]
    users: list[Record]
    ticket_metrics: list[Record]
    satisfaction_ratings: list[Record]


_TOPICS: dict[str, tuple[str, ...]] = {
    "billing": ("I was charged twice", "Question about my invoice", "Update billing address"),
    "shipping": ("Where is my order?", "Package arrived damaged", "Change delivery date"),
    "login": ("Can't log in", "Password reset link expired", "Two-factor code not arriving"),
    "refund": ("Refund request", "Return label needed", "Refund not received yet"),
    "bug": ("App crashes on start", "Export button does nothing", "Error 500 on checkout"),
    "feature_request": ("Please add dark mode", "Bulk edit would help", "API access request"),
    "account": ("Close my account", "Change account owner", "Update company name"),
}
_CHANNELS = (
    ("email", 40), ("web", 25), ("chat", 12), ("api", 8), ("voice", 8), ("mobile", 4),
    ("native_messaging", 3),
)  # fmt: skip
_STATUSES = (
    ("closed", 45), ("solved", 25), ("open", 12), ("pending", 8), ("new", 6), ("hold", 3),
    ("deleted", 1),
)  # fmt: skip
_BAD_REASONS = (
    (5, "The issue took too long to resolve"),
    (6, "The issue was not resolved"),
    (7, "The agent's knowledge is unsatisfactory"),
    (8, "The agent's attitude is unsatisfactory"),
    (100, "Some other reason"),
)
_GOOD_COMMENTS = ("Great support, thanks!", "Quick and friendly.", "Solved in minutes.")
_BAD_COMMENTS = ("Took far too long.", "Still not fixed.", "Nobody answered my question.")

_CUSTOMER_ID_BASE = 5_000_000
_AGENT_ID_BASE = 900_000
_ORG_ID_BASE = 360_000_000
_GROUP_IDS = (20_001, 20_002, 20_003)
_METRIC_ID_BASE = 8_000_000
_RATING_ID_BASE = 9_000_000
_BRAND_ID = 360_000_001
_FORM_ID = 360_000_002
_CUSTOM_STATUS_IDS = {
    "new": 1,
    "open": 2,
    "pending": 3,
    "hold": 4,
    "solved": 5,
    "closed": 5,
    "deleted": 5,
}


def _user_record(
    uid: int | None,
    name: str,
    email: str,
    *,
    role: str,
    subdomain: str | None,
    created: float = 0.0,
    updated: float = 0.0,
    organization_id: int | None = None,
    external_id: str | None = None,
    phone: str | None = None,
) -> Record:
    return {
        "id": uid,
        "url": f"https://{subdomain}.zendesk.com/api/v2/users/{uid}.json" if subdomain else None,
        "name": name,
        "email": email,
        "created_at": iso_z(created) if uid else None,
        "updated_at": iso_z(updated) if uid else None,
        "time_zone": "America/New_York",
        "iana_time_zone": "America/New_York",
        "phone": phone,
        "shared_phone_number": None,
        "photo": None,
        "locale_id": 1,
        "locale": "en-US",
        "organization_id": organization_id,
        "role": role,
        "verified": role != "end-user",
        "external_id": external_id,
        "tags": [],
        "alias": None,
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": None,
        "signature": None,
        "details": None,
        "notes": None,
        "role_type": None if role == "end-user" else 0,
        "custom_role_id": None,
        "moderator": role != "end-user",
        "ticket_restriction": "requested" if role == "end-user" else None,
        "only_private_comments": False,
        "restricted_agent": role == "end-user",
        "suspended": False,
        "default_group_id": None,
        "report_csv": role != "end-user",
        "user_fields": {},
    }


def _minutes(calendar: int | None) -> dict[str, int | None]:
    if calendar is None:
        return {"calendar": None, "business": None}
    return {"calendar": calendar, "business": int(calendar * 0.3)}


def sample_dataset(
    n: int,
    seed: int = 0,
    *,
    start: float = 1_704_067_200.0,  # 2024-01-01T00:00:00Z
    span_days: float = 365.0,
    subdomain: str = "example",
) -> ZendeskDataset:
    """Deterministic Zendesk data for ``n`` customers (end users) plus a few agents.

    Each customer has 0–5 tickets (about 1.6 on average), every non-deleted ticket has a
    ticket-metrics record, and solved/closed tickets are often offered a CSAT survey
    (``satisfaction_ratings`` with ``offered``/``good``/``bad`` scores, reasons and
    comments; the ticket embeds ``satisfaction_rating {id, score, comment}``).  About 1%
    of tickets are deleted.  Customers match :func:`cxcore.testing.standin.sample_people`
    (same e-mail and ``external_id``), so HubSpot and Medallia samples share them.
    """
    rng = random.Random(f"zendesk:{seed}")
    people = sample_people(n, seed)
    base = f"https://{subdomain}.zendesk.com/api/v2"
    span = span_days * 86_400.0
    companies = sorted({p.company for p in people})
    org_of = {c: _ORG_ID_BASE + i for i, c in enumerate(companies)}

    users: list[Record] = []
    agents = [_AGENT_ID_BASE + j for j in range(1, 9)]
    for j, agent_id in enumerate(agents):
        users.append(
            _user_record(
                agent_id,
                f"Agent {j + 1}",
                f"agent{j + 1}@{subdomain}.example.com",
                role="agent",
                subdomain=subdomain,
                created=start - 86_400 * 30,
                updated=start - 86_400 * 29,
            )
        )
    tickets: list[Record] = []
    metrics: list[Record] = []
    ratings: list[Record] = []
    ticket_id = 0
    channels = [c for c, _ in _CHANNELS]
    channel_w = [w for _, w in _CHANNELS]
    statuses = [s for s, _ in _STATUSES]
    status_w = [w for _, w in _STATUSES]
    topics = list(_TOPICS)

    for person in people:
        uid = _CUSTOMER_ID_BASE + person.index
        created_user = start + rng.uniform(0, span * 0.5)
        users.append(
            _user_record(
                uid,
                person.name,
                person.email,
                role="end-user",
                subdomain=subdomain,
                created=created_user,
                updated=created_user + rng.uniform(0, 86_400),
                organization_id=org_of[person.company],
                external_id=person.external_id,
                phone=person.phone,
            )
        )
        for _ in range(rng.choices((0, 1, 2, 3, 4, 5), (25, 30, 20, 12, 8, 5))[0]):
            ticket_id += 1
            topic = rng.choice(topics)
            subject = rng.choice(_TOPICS[topic])
            channel = rng.choices(channels, channel_w)[0]
            status = rng.choices(statuses, status_w)[0]
            created = created_user + rng.uniform(0, span * 0.5)
            first_reply = rng.randint(2, 2_880)
            assignee = rng.choice(agents) if status != "new" else None
            group = rng.choice(_GROUP_IDS) if assignee else None
            solved = status in ("solved", "closed", "deleted")
            resolution = first_reply + rng.randint(10, 10_000) if solved else None
            updated = created + (resolution or first_reply) * 60 + rng.uniform(0, 3_600)
            if status == "closed":
                updated += 4 * 86_400
            priority = rng.choice(("low", "normal", "normal", "high", "urgent", None))
            source: Record = {"from": {}, "to": {}, "rel": None}
            if channel == "email":
                source = {
                    "from": {"address": person.email, "name": person.name},
                    "to": {"address": f"support@{subdomain}.zendesk.com", "name": "Support"},
                    "rel": None,
                }
            rating_ref: Record | None = None
            if status in ("solved", "closed") and rng.random() < 0.6:
                rid = _RATING_ID_BASE + len(ratings) + 1
                r_created = updated + rng.uniform(3_600, 86_400)
                responded = rng.random() < 0.65
                score = ("good" if rng.random() < 0.8 else "bad") if responded else "offered"
                comment = None
                if responded and rng.random() < 0.4:
                    comment = rng.choice(_GOOD_COMMENTS if score == "good" else _BAD_COMMENTS)
                reason_id, reason = rng.choice(_BAD_REASONS) if score == "bad" else (None, None)
                r_updated = r_created + (rng.uniform(60, 86_400) if responded else 0)
                ratings.append(
                    {
                        "url": f"{base}/satisfaction_ratings/{rid}.json",
                        "id": rid,
                        "assignee_id": assignee,
                        "group_id": group,
                        "requester_id": uid,
                        "ticket_id": ticket_id,
                        "score": score,
                        "comment": comment,
                        "reason": reason,
                        "reason_id": reason_id,
                        "created_at": iso_z(r_created),
                        "updated_at": iso_z(r_updated),
                    }
                )
                rating_ref = {"id": rid, "score": score, "comment": comment}
                updated = max(updated, r_updated)
            generated = int(updated) + rng.randint(0, 120)
            if status == "deleted":
                generated += rng.randint(3_600, 86_400 * 10)
            custom: list[Record] = [{"id": 360_001, "value": topic}, {"id": 360_002, "value": None}]
            tickets.append(
                {
                    "url": f"{base}/tickets/{ticket_id}.json",
                    "id": ticket_id,
                    "external_id": None,
                    "via": {"channel": channel, "source": source},
                    "created_at": iso_z(created),
                    "updated_at": iso_z(updated),
                    "type": rng.choice(("question", "incident", "problem", "task", None)),
                    "subject": subject,
                    "raw_subject": subject,
                    "description": f"{subject}. Customer {person.external_id} needs help.",
                    "priority": priority,
                    "status": status,
                    "recipient": f"support@{subdomain}.zendesk.com" if channel == "email" else None,
                    "requester_id": uid,
                    "submitter_id": uid,
                    "assignee_id": assignee,
                    "organization_id": org_of[person.company],
                    "group_id": group,
                    "collaborator_ids": [],
                    "follower_ids": [],
                    "email_cc_ids": [],
                    "forum_topic_id": None,
                    "problem_id": None,
                    "has_incidents": False,
                    "is_public": True,
                    "due_at": None,
                    "tags": [topic, channel],
                    "custom_fields": custom,
                    "satisfaction_rating": rating_ref,
                    "sharing_agreement_ids": [],
                    "custom_status_id": _CUSTOM_STATUS_IDS[status],
                    "fields": [dict(f) for f in custom],
                    "followup_ids": [],
                    "ticket_form_id": _FORM_ID,
                    "brand_id": _BRAND_ID,
                    "allow_channelback": False,
                    "allow_attachments": True,
                    "from_messaging_channel": channel == "native_messaging",
                    "generated_timestamp": generated,
                }
            )
            if status == "deleted":
                continue
            assigned_at = iso_z(created + first_reply * 30) if assignee else None
            solved_at = iso_z(created + resolution * 60) if resolution else None
            metric_id = _METRIC_ID_BASE + ticket_id
            metrics.append(
                {
                    "url": f"{base}/ticket_metrics/{metric_id}.json",
                    "id": metric_id,
                    "ticket_id": ticket_id,
                    "created_at": iso_z(created),
                    "updated_at": iso_z(updated),
                    "group_stations": 1 if group else 0,
                    "assignee_stations": 1 if assignee else 0,
                    "reopens": rng.choice((0, 0, 0, 0, 1)),
                    "replies": rng.randint(1, 6) if status != "new" else 0,
                    "assignee_updated_at": assigned_at,
                    "requester_updated_at": iso_z(created),
                    "status_updated_at": iso_z(updated),
                    "initially_assigned_at": assigned_at,
                    "assigned_at": assigned_at,
                    "solved_at": solved_at,
                    "latest_comment_added_at": iso_z(updated),
                    "reply_time_in_minutes": _minutes(first_reply if status != "new" else None),
                    "first_resolution_time_in_minutes": _minutes(resolution),
                    "full_resolution_time_in_minutes": _minutes(resolution),
                    "agent_wait_time_in_minutes": _minutes(rng.randint(0, 600) if solved else None),
                    "requester_wait_time_in_minutes": _minutes(
                        rng.randint(0, 3_000) if solved else None
                    ),
                    "on_hold_time_in_minutes": _minutes(0 if solved else None),
                    "custom_status_updated_at": iso_z(updated),
                    "reply_time_in_seconds": {
                        "calendar": first_reply * 60 if status != "new" else None
                    },
                }
            )
    return {
        "tickets": tickets,
        "users": users,
        "ticket_metrics": metrics,
        "satisfaction_ratings": ratings,
    }
