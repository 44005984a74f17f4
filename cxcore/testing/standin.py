"""Shared machinery for local stand-ins of vendor HTTP APIs.

A *stand-in* is an in-process HTTP server (``http.server.ThreadingHTTPServer`` on
``127.0.0.1``, ephemeral port, standard library only) that answers like a vendor's
documented API, so source plugins can be tested offline and demos can run without
credentials.  cxcore ships stand-ins for Zendesk, HubSpot and Medallia (in the
``cxcore_zendesk.standin``, ``cxcore_hubspot.standin`` and ``cxcore_medallia.standin``
modules); third-party plugin authors can build their own on :class:`StandinServer`.

What the base class gives a subclass:

* lifecycle: :meth:`StandinServer.start` / :meth:`~StandinServer.stop`, context manager,
  :attr:`~StandinServer.base_url`;
* routing: override :meth:`~StandinServer.routes` and return :class:`Route` objects whose
  handlers take a :class:`Request` and return a :class:`Response`
  (:func:`json_response` builds one);
* a thread-safe request log (:attr:`~StandinServer.requests`, a list of
  :class:`LoggedRequest`);
* scripted faults (:class:`FaultPlan` of :class:`Fault`, matched by request index and/or
  path): 429 with or without ``Retry-After``, 401, 403, 500, 503, any status, a truncated
  body (``Content-Length`` larger than the bytes sent, then the connection closes),
  malformed JSON, a dropped connection, or a delay;
* server-side rate limits (:class:`RateLimit`, a sliding window on the injectable clock)
  answered with the vendor's 429, and counters of the 429s served
  (:attr:`~StandinServer.served_429`, :attr:`~StandinServer.throttled`);
* an auth hook (:meth:`~StandinServer.authenticate`) and a vendor-shaped error hook
  (:meth:`~StandinServer.error_response`) so every error looks like the vendor's;
* one injectable clock (``clock=``; :class:`FakeClock` for deterministic tests) used for
  everything time-dependent: rate-limit windows, token expiry, "now" in the vendor API.

Nothing sleeps unless a :class:`Fault` of kind :attr:`FaultKind.DELAY` asks for it.

Example::

    class EchoStandin(StandinServer):
        def routes(self):
            return [Route("GET", r"/echo", self._echo)]

        def _echo(self, request):
            return json_response({"query": request.query})

    with EchoStandin(faults=[Fault(FaultKind.SERVER_ERROR, at=0)]) as api:
        requests.get(api.url("/echo"))   # 500 (scripted)
        requests.get(api.url("/echo"))   # 200
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import math
import random
import re
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, quote, urlsplit

__all__ = [
    "Clock",
    "FakeClock",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "LoggedRequest",
    "Person",
    "RateLimit",
    "RateLimitState",
    "Request",
    "Response",
    "Route",
    "StandinError",
    "StandinServer",
    "basic_credentials",
    "bearer_token",
    "decode_cursor",
    "dumps",
    "encode_cursor",
    "iso_z",
    "join_json_array",
    "json_response",
    "parse_iso",
    "sample_people",
    "stable_uuid",
    "url_with_query",
]

Clock = Callable[[], float]
"""A zero-argument callable returning the current time as Unix epoch seconds."""

#: Request headers copied into :class:`LoggedRequest` (lower-case names).
LOGGED_HEADERS: tuple[str, ...] = (
    "authorization",
    "content-type",
    "accept",
    "user-agent",
    "accept-encoding",
)


# --------------------------------------------------------------------------------------
# Small helpers: JSON, time, cursors, auth headers
# --------------------------------------------------------------------------------------


def dumps(obj: Any) -> bytes:
    """Serialise ``obj`` as compact UTF-8 JSON bytes."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def join_json_array(fragments: Iterable[bytes]) -> bytes:
    """Join already-serialised JSON values into one JSON array (``b"[a,b,...]"``).

    Stand-ins cache each record's serialised bytes and assemble pages with this, which
    keeps thousand-record pages in the low milliseconds.
    """
    return b"[" + b",".join(fragments) + b"]"


def iso_z(ts: float, *, millis: bool = False) -> str:
    """Format epoch seconds as RFC 3339 UTC: ``2024-01-02T03:04:05Z`` (or ``.123Z``)."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    if millis:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> float:
    """Parse an ISO-8601 / RFC 3339 timestamp (``Z`` or offset; naive means UTC) to epoch."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def encode_cursor(value: Any) -> str:
    """Encode a JSON-able position as an opaque base64 cursor."""
    return base64.b64encode(dumps(value)).decode("ascii")


def decode_cursor(cursor: str) -> Any:
    """Decode a cursor made by :func:`encode_cursor`; raises ``ValueError`` if invalid."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.b64decode(padded, validate=False).decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}") from exc


def stable_uuid(*parts: object) -> str:
    """A deterministic UUID-formatted string derived from ``parts`` (for correlation ids)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode("utf-8")).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Return ``(user, password)`` from a ``Basic`` ``Authorization`` header, else ``None``."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not rest:
        return None
    try:
        decoded = base64.b64decode(rest.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return user, password


def bearer_token(authorization: str | None) -> str | None:
    """Return the token from a ``Bearer`` ``Authorization`` header, else ``None``."""
    if not authorization:
        return None
    scheme, _, rest = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not rest.strip():
        return None
    return rest.strip()


# --------------------------------------------------------------------------------------
# Clock
# --------------------------------------------------------------------------------------


class FakeClock:
    """A settable, thread-safe clock for deterministic tests.

    ``clock()`` returns the current fake time (epoch seconds); :meth:`advance` moves it.
    Pass it as ``clock=`` to any stand-in.
    """

    def __init__(self, start: float = 1_735_689_600.0) -> None:  # 2025-01-01T00:00:00Z
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` and return the new time."""
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, now: float) -> None:
        """Set the clock to ``now`` (epoch seconds)."""
        with self._lock:
            self._now = float(now)


# --------------------------------------------------------------------------------------
# Requests, responses, routes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One incoming request as handlers see it."""

    index: int
    """0-based position of this request among all requests the server received."""
    method: str
    path: str
    """The URL path, without the query string (percent-decoding is not applied)."""
    query: dict[str, list[str]]
    """Query parameters (``parse_qs`` with blank values kept)."""
    headers: dict[str, str]
    """Request headers with lower-case names."""
    body: bytes
    raw_query: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter ``name``, or ``default``."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str, default: str | None = None) -> str | None:
        """Header value by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not valid JSON."""
        if not self.body:
            raise ValueError("empty body")
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (first value per key)."""
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass
class Response:
    """What a handler returns; the server adds ``Content-Length``."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


def json_response(
    obj: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON :class:`Response` of ``obj``."""
    return Response(status=status, body=dumps(obj), headers=dict(headers or {}))


class StandinError(Exception):
    """Raise from a handler to answer with ``response`` (a vendor-shaped error)."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response


Handler = Callable[..., Response]


@dataclass(frozen=True)
class Route:
    """``method`` + a path regex (full match; named groups become handler kwargs)."""

    method: str
    pattern: str
    handler: Handler

    def match(self, path: str) -> dict[str, str] | None:
        m = re.fullmatch(self.pattern, path)
        return None if m is None else m.groupdict()


@dataclass(frozen=True)
class LoggedRequest:
    """One entry of :attr:`StandinServer.requests`."""

    index: int
    method: str
    path: str
    query: dict[str, str]
    """Query parameters, first value per key."""
    status: int | None
    """Status sent; ``None`` when the connection was dropped before any response."""
    headers: dict[str, str]
    """The subset of request headers named in :data:`LOGGED_HEADERS`."""
    body: Any = None
    """The request body parsed as JSON or form data when possible, else ``None``."""
    fault: str | None = None
    """The :class:`FaultKind` value applied to this request, if any."""
    elapsed_ms: float = 0.0


# --------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------


class FaultKind(StrEnum):
    """Scripted failure modes (see :class:`Fault`)."""

    RATE_LIMITED = "rate_limited"
    """429 with the vendor's rate-limit body and a ``Retry-After`` header."""
    RATE_LIMITED_NO_RETRY_AFTER = "rate_limited_no_retry_after"
    """429 with the vendor's body but no ``Retry-After``."""
    UNAUTHORIZED = "unauthorized"
    """401 with the vendor's authentication error body."""
    FORBIDDEN = "forbidden"
    """403 with the vendor's permission error body."""
    SERVER_ERROR = "server_error"
    """500 with the vendor's error body."""
    UNAVAILABLE = "unavailable"
    """503 with the vendor's error body and a ``Retry-After`` header."""
    STATUS = "status"
    """Any status given in :attr:`Fault.status`, with the vendor's error body."""
    TRUNCATED_BODY = "truncated_body"
    """The real response, but ``Content-Length`` exceeds the bytes sent; then close."""
    MALFORMED_JSON = "malformed_json"
    """The real status and headers with a body cut short so it is not valid JSON."""
    DROP_CONNECTION = "drop_connection"
    """Close the connection without sending anything."""
    DELAY = "delay"
    """Sleep :attr:`Fault.delay` seconds, then answer normally."""


_STATUS_OF_FAULT: dict[FaultKind, int] = {
    FaultKind.RATE_LIMITED: 429,
    FaultKind.RATE_LIMITED_NO_RETRY_AFTER: 429,
    FaultKind.UNAUTHORIZED: 401,
    FaultKind.FORBIDDEN: 403,
    FaultKind.SERVER_ERROR: 500,
    FaultKind.UNAVAILABLE: 503,
}


@dataclass
class Fault:
    """One scripted fault.

    A fault *watches* the requests that match ``path`` (a regex searched in the request
    path; ``None`` = every path) and ``method`` (``None`` = any), numbering them from 0.
    It fires on the watched requests numbered ``at`` .. ``at + times - 1`` (``at=None``
    means 0; ``times=None`` means every watched request from ``at`` on).  So
    ``Fault(FaultKind.SERVER_ERROR, at=3)`` breaks the 4th request to the server and
    ``Fault(FaultKind.RATE_LIMITED, path="/search", at=1, times=2)`` the 2nd and 3rd
    search requests.  When several faults fire on one request, the first in the plan wins.
    """

    kind: FaultKind
    at: int | None = None
    path: str | None = None
    method: str | None = None
    times: int | None = 1
    retry_after: float = 1.0
    """Seconds for ``Retry-After`` (429 / 503 kinds)."""
    status: int | None = None
    """Status for :attr:`FaultKind.STATUS`."""
    delay: float = 0.0
    """Seconds to sleep for :attr:`FaultKind.DELAY`."""
    body: bytes | None = None
    """Replace the vendor error body (status kinds only)."""
    seen: int = field(default=0, init=False)
    """How many matching requests this fault has watched."""
    fired: int = field(default=0, init=False)
    """How many times this fault fired."""

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault watches a request with ``method`` and ``path``."""
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or re.search(self.path, path) is not None

    def _observe(self) -> bool:
        index = self.seen
        self.seen += 1
        start = self.at or 0
        return index >= start and (self.times is None or index < start + self.times)


class FaultPlan:
    """An ordered, thread-safe list of :class:`Fault` objects consulted on every request."""

    def __init__(self, faults: Iterable[Fault] = ()) -> None:
        self._faults: list[Fault] = list(faults)
        self._lock = threading.Lock()

    def add(self, kind: FaultKind, **options: Any) -> Self:
        """Append ``Fault(kind, **options)``; returns the plan for chaining."""
        with self._lock:
            self._faults.append(Fault(kind, **options))
        return self

    def extend(self, faults: Iterable[Fault]) -> Self:
        """Append several faults; returns the plan for chaining."""
        with self._lock:
            self._faults.extend(faults)
        return self

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        """A copy of the faults, in order."""
        with self._lock:
            return list(self._faults)

    def take(self, method: str, path: str) -> Fault | None:
        """Record one request and return the fault to apply to it, if any."""
        chosen: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path) and fault._observe() and chosen is None:
                    fault.fired += 1
                    chosen = fault
        return chosen


# --------------------------------------------------------------------------------------
# Rate limits
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimitState:
    """A :class:`RateLimit`'s standing after one request (for vendor headers)."""

    limit: RateLimit
    remaining: int
    reset_after: float
    """Seconds until the oldest request in the window leaves it."""


@dataclass
class RateLimit:
    """At most ``limit`` requests per ``window`` seconds (sliding window, injectable clock).

    Applies to requests whose path matches ``path`` (regex search; ``None`` = all) and
    ``method``, and for which ``applies`` (if given) returns true.  With
    ``enforce=False`` it only counts (for ``X-RateLimit-Remaining``-style headers).
    ``name`` is free text the vendor stand-in uses to shape its 429 body.
    """

    limit: int
    window: float
    name: str = "default"
    path: str | None = None
    method: str | None = None
    applies: Callable[[Request], bool] | None = None
    enforce: bool = True
    _hits: deque[float] = field(default_factory=deque, init=False, repr=False)

    def covers(self, request: Request) -> bool:
        """Whether this limit counts ``request``."""
        if self.method is not None and self.method.upper() != request.method.upper():
            return False
        if self.path is not None and re.search(self.path, request.path) is None:
            return False
        return self.applies is None or self.applies(request)

    def _prune(self, now: float) -> None:
        horizon = now - self.window
        while self._hits and self._hits[0] <= horizon:
            self._hits.popleft()

    def retry_after(self, now: float) -> float:
        """Seconds until one more request would be allowed (0 if allowed now)."""
        self._prune(now)
        if len(self._hits) < self.limit:
            return 0.0
        return max(0.0, self._hits[len(self._hits) - self.limit] + self.window - now)

    def state(self, now: float) -> RateLimitState:
        """Remaining requests and seconds to reset at ``now``."""
        self._prune(now)
        reset = (self._hits[0] + self.window - now) if self._hits else self.window
        return RateLimitState(self, max(0, self.limit - len(self._hits)), max(0.0, reset))

    def hit(self, now: float) -> None:
        """Count one request at ``now``."""
        self._prune(now)
        self._hits.append(now)

    def reset(self) -> None:
        """Forget every counted request."""
        self._hits.clear()


# --------------------------------------------------------------------------------------
# Sample people shared by every vendor's sample generator
# --------------------------------------------------------------------------------------

_FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
    "Keiko", "Liam", "Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara",
    "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe",
)  # fmt: skip
_LAST_NAMES = (
    "Adler", "Baptiste", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Haddad",
    "Ito", "Jensen", "Kowalski", "Lopez", "Murphy", "Nakamura", "Okafor", "Petrov",
    "Quispe", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Yilmaz",
    "Zhang",
)  # fmt: skip
_COMPANIES = (
    "Acme Corp", "Globex", "Initech", "Umbrella Retail", "Stark Logistics", "Wayne Foods",
    "Hooli", "Vandelay Imports", "Soylent Health", "Tyrell Mobility",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    """A synthetic customer shared by all vendors' sample data (same ``seed`` → same people).

    ``external_id`` and ``email`` are identical across the Zendesk, HubSpot and Medallia
    samples so a demo can stitch one customer's journey across sources.
    """

    index: int
    first_name: str
    last_name: str
    email: str
    external_id: str
    company: str
    phone: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def sample_people(n: int, seed: int = 0) -> list[Person]:
    """``n`` deterministic synthetic customers (``example.com`` e-mail addresses)."""
    rng = random.Random(f"people:{seed}")
    people: list[Person] = []
    for i in range(n):
        first = rng.choice(_FIRST_NAMES)
        last = rng.choice(_LAST_NAMES)
        people.append(
            Person(
                index=i,
                first_name=first,
                last_name=last,
                email=f"{first.lower()}.{last.lower()}.{i}@example.com",
                external_id=f"cust-{i:06d}",
                company=rng.choice(_COMPANIES),
                phone=f"+1555{rng.randrange(10**6, 10**7)}",
            )
        )
    return people


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    standin: StandinServer


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def _dispatch(self) -> None:
        self.server.standin._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        return


class StandinServer:
    """Base class of vendor stand-ins: an in-process HTTP server with faults and limits.

    Subclasses override :meth:`routes` and usually :meth:`authenticate`,
    :meth:`error_response`, :meth:`rate_limited_response` and :meth:`decorate`.
    Handlers must be thread-safe; use :attr:`lock` (an ``RLock``) around dataset access.

    Args:
        faults: scripted faults (a :class:`FaultPlan` or an iterable of :class:`Fault`).
        rate_limits: server-side limits enforced on every matching request.
        clock: "now" for everything time-dependent (default ``time.time``).
        host: interface to bind (default ``127.0.0.1``).
        port: port to bind (default 0 = ephemeral).
    """

    vendor: str = "generic"

    def __init__(
        self,
        *,
        faults: FaultPlan | Iterable[Fault] | None = None,
        rate_limits: Sequence[RateLimit] = (),
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.faults: FaultPlan = (
            faults if isinstance(faults, FaultPlan) else FaultPlan(faults or ())
        )
        self.rate_limits: list[RateLimit] = list(rate_limits)
        self.clock: Clock = clock or time.time
        self.lock = threading.RLock()
        self._host = host
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()
        self._next_index = 0
        self._served_429 = 0
        self._throttled = 0
        self._limit_lock = threading.Lock()
        self.handler_errors: list[str] = []
        """Tracebacks of exceptions raised by handlers (each was answered with a 500)."""

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> Self:
        """Bind and serve in a daemon thread; returns ``self``.  Idempotent."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _RequestHandler)
        httpd.standin = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.vendor}-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port.  Idempotent."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The bound port (raises if not started)."""
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://{self._host}:{self.port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + (path if path.startswith("/") else "/" + path)

    # ---- log and counters ------------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, in arrival order."""
        with self._log_lock:
            return list(self._log)

    def requests_to(self, path: str, method: str | None = None) -> list[LoggedRequest]:
        """Logged requests whose path matches regex ``path`` (and ``method``, if given)."""
        return [
            r
            for r in self.requests
            if re.search(path, r.path) and (method is None or r.method == method.upper())
        ]

    def clear_log(self) -> None:
        """Empty the request log (counters and request numbering are kept)."""
        with self._log_lock:
            self._log.clear()

    @property
    def served_429(self) -> int:
        """How many 429 responses were sent (scripted faults and enforced limits)."""
        with self._log_lock:
            return self._served_429

    @property
    def throttled(self) -> int:
        """How many requests the enforced :attr:`rate_limits` refused with 429."""
        with self._log_lock:
            return self._throttled

    def reset_rate_limits(self) -> None:
        """Forget every request counted by :attr:`rate_limits`."""
        with self._limit_lock:
            for limit in self.rate_limits:
                limit.reset()

    # ---- hooks for subclasses ----------------------------------------------------------

    def routes(self) -> Sequence[Route]:
        """The routes this stand-in serves (override)."""
        return ()

    def authenticate(self, request: Request) -> Response | None:
        """Check credentials; return a vendor-shaped error response to refuse, else None."""
        return None

    def error_response(
        self, request: Request, status: int, *, retry_after: float | None = None
    ) -> Response:
        """A vendor-shaped error response for ``status`` (override).

        Used for scripted faults, unknown routes (404), wrong methods (405) and handler
        exceptions (500).  ``retry_after`` is set for 503 faults.
        """
        headers = {"Retry-After": _retry_after_value(retry_after)} if retry_after else {}
        return json_response({"error": _REASONS.get(status, "Error")}, status, headers)

    def rate_limited_response(
        self, request: Request, limit: RateLimit | None, retry_after: float | None
    ) -> Response:
        """The vendor's 429 (override).

        ``limit`` is the enforced limit that refused the request, or ``None`` for a
        scripted fault; ``retry_after`` is ``None`` when no ``Retry-After`` must be sent.
        """
        headers = {"Retry-After": _retry_after_value(retry_after)} if retry_after else {}
        return json_response({"error": "Too Many Requests"}, 429, headers)

    def decorate(
        self, request: Request, response: Response, states: Sequence[RateLimitState]
    ) -> None:
        """Add headers every response carries (e.g. rate-limit counters); override."""

    # ---- request processing ----------------------------------------------------------

    def _route(self, request: Request) -> Response:
        allowed = False
        for route in self.routes():
            groups = route.match(request.path)
            if groups is None:
                continue
            if route.method != request.method and not (
                route.method == "GET" and request.method == "HEAD"
            ):
                allowed = True
                continue
            denied = self.authenticate(request)
            if denied is not None:
                return denied
            limited, states = self._check_limits(request)
            if limited is not None:
                return limited
            try:
                response = route.handler(request, **groups)
            except StandinError as exc:
                response = exc.response
            except Exception:  # noqa: BLE001 - report any handler bug as a 500
                self.handler_errors.append(traceback.format_exc())
                response = self.error_response(request, 500)
            self.decorate(request, response, states)
            return response
        return self.error_response(request, 405 if allowed else 404)

    def _check_limits(self, request: Request) -> tuple[Response | None, list[RateLimitState]]:
        now = self.clock()
        with self._limit_lock:
            applicable = [limit for limit in self.rate_limits if limit.covers(request)]
            for limit in applicable:
                if not limit.enforce:
                    continue
                wait = limit.retry_after(now)
                if wait > 0:
                    with self._log_lock:
                        self._throttled += 1
                    return self.rate_limited_response(request, limit, max(wait, 1.0)), []
            for limit in applicable:
                limit.hit(now)
            return None, [limit.state(now) for limit in applicable]

    def _fault_response(self, request: Request, fault: Fault) -> Response:
        if fault.kind is FaultKind.RATE_LIMITED:
            response = self.rate_limited_response(request, None, fault.retry_after)
        elif fault.kind is FaultKind.RATE_LIMITED_NO_RETRY_AFTER:
            response = self.rate_limited_response(request, None, None)
        elif fault.kind is FaultKind.UNAVAILABLE:
            response = self.error_response(request, 503, retry_after=fault.retry_after)
        elif fault.kind is FaultKind.STATUS:
            response = self.error_response(request, fault.status or 500)
        else:
            response = self.error_response(request, _STATUS_OF_FAULT[fault.kind])
        if fault.body is not None:
            response.body = fault.body
        return response

    def _handle(self, handler: _RequestHandler) -> None:
        started = time.perf_counter()
        method = handler.command.upper()
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        split = urlsplit(handler.path)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._log_lock:  # number the request and consult the faults atomically
            index = self._next_index
            self._next_index += 1
            fault = self.faults.take(method, split.path)
        request = Request(
            index=index,
            method=method,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=body,
            raw_query=split.query,
        )
        # The log entry is written before anything is sent, so a client that has its
        # response can rely on the log (and the counters) already including it.
        if fault is not None and fault.kind is FaultKind.DROP_CONNECTION:
            self._record(request, None, fault, started)
            _drop(handler)
            return
        if fault is not None and fault.kind is FaultKind.DELAY:
            time.sleep(fault.delay)
        if fault is not None and fault.kind in _STATUS_FAULTS:
            response = self._fault_response(request, fault)
        else:
            response = self._route(request)
        self._record(request, response.status, fault, started)
        _send(handler, response, fault.kind if fault else None, head=method == "HEAD")

    def _record(
        self, request: Request, status: int | None, fault: Fault | None, started: float
    ) -> None:
        entry = LoggedRequest(
            index=request.index,
            method=request.method,
            path=request.path,
            query={k: v[0] for k, v in request.query.items() if v},
            status=status,
            headers={k: request.headers[k] for k in LOGGED_HEADERS if k in request.headers},
            body=_parse_body(request),
            fault=fault.kind.value if fault is not None else None,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )
        with self._log_lock:
            self._log.append(entry)
            if status == 429:
                self._served_429 += 1


_STATUS_FAULTS = frozenset(
    {
        FaultKind.RATE_LIMITED,
        FaultKind.RATE_LIMITED_NO_RETRY_AFTER,
        FaultKind.UNAUTHORIZED,
        FaultKind.FORBIDDEN,
        FaultKind.SERVER_ERROR,
        FaultKind.UNAVAILABLE,
        FaultKind.STATUS,
    }
)

_REASONS: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _retry_after_value(seconds: float | None) -> str:
    return str(max(0, math.ceil(seconds or 0)))


def _parse_body(request: Request) -> Any:
    if not request.body:
        return None
    ctype = request.headers.get("content-type", "")
    try:
        if "json" in ctype:
            return request.json()
        if "x-www-form-urlencoded" in ctype:
            return request.form()
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def _drop(handler: _RequestHandler) -> None:
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(socket.SHUT_RDWR)


def _malform(body: bytes) -> bytes:
    if len(body) < 4:
        return b'{"'
    return body[: len(body) // 2]


def _send(
    handler: _RequestHandler, response: Response, mode: FaultKind | None, *, head: bool
) -> None:
    body = response.body
    if mode is FaultKind.MALFORMED_JSON:
        body = _malform(body)
    declared = len(body)
    if mode is FaultKind.TRUNCATED_BODY:
        declared = max(len(body), 16)
        body = body[: len(body) // 2]
    try:
        handler.send_response(response.status)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        if response.content_type and "content-type" not in {k.lower() for k in response.headers}:
            handler.send_header("Content-Type", response.content_type)
        handler.send_header("Content-Length", str(declared))
        if mode is FaultKind.TRUNCATED_BODY:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if not head:
            handler.wfile.write(body)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True
        return
    if mode is FaultKind.TRUNCATED_BODY:
        _drop(handler)


def url_with_query(base: str, params: Sequence[tuple[str, str]]) -> str:
    """``base`` plus ``?k=v&...`` with values percent-encoded (brackets kept readable)."""
    if not params:
        return base
    query = "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in params)
    return f"{base}?{query}"
