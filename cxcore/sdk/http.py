"""The SDK's HTTP client: retries, 429 handling, pacing, auth and secret-safe logging.

Sources call :meth:`HttpClient.get` / :meth:`HttpClient.post` (or hand
:meth:`HttpClient.fetcher` to a paginator) and get a :class:`~cxcore.sdk.models.JsonResponse`
whose body was read completely and parsed, or one of these errors:

* :class:`~cxcore.errors.AuthError` on 401/403, naming the credential to check;
* :class:`~cxcore.sdk.errors.RateLimitError` when 429s persist;
* :class:`~cxcore.sdk.errors.RetriesExhaustedError` (a ``TransportError``) when network
  errors, timeouts, 5xx or truncated/invalid bodies persist;
* :class:`~cxcore.sdk.errors.HttpStatusError` for other 4xx.
"""

from __future__ import annotations

import contextlib
import email.utils
import json as stdlib_json
import logging
import random
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC
from typing import Any, Self
from urllib.parse import urljoin, urlsplit

import attrs
import orjson
import requests
from requests.structures import CaseInsensitiveDict

from cxcore._version import __version__
from cxcore.errors import AuthError, TransportError
from cxcore.sdk.auth import Auth
from cxcore.sdk.clock import Clock, SystemClock
from cxcore.sdk.errors import HttpStatusError, RateLimitError, RetriesExhaustedError
from cxcore.sdk.models import Fetch, HttpStats, JsonResponse, PageRequest
from cxcore.sdk.ratelimit import RateLimiter
from cxcore.sdk.secret import Secret, redact_url, scrub_text

__all__ = ["HttpClient", "RetryPolicy", "parse_retry_after"]

logger = logging.getLogger("cxcore.sdk.http")

_EXCERPT = 300
_RETRY_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
# Exceptions after which the request may not have reached the server or the answer was lost;
# anything else from requests (bad URL, too many redirects) will not improve by retrying.
_RETRYABLE_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How hard to retry.

    ``max_attempts`` counts every try including the first. Waits use exponential backoff with
    full jitter: ``uniform(0, min(max_delay, base_delay * 2 ** (attempt - 1)))``. A server's
    ``Retry-After`` (on 429 or 5xx) is obeyed instead, unless it exceeds ``max_retry_after``,
    in which case the client gives up at once rather than stall a sync for hours.
    """

    max_attempts: int = attrs.field(default=5, validator=attrs.validators.ge(1))
    base_delay: float = attrs.field(default=1.0, validator=attrs.validators.ge(0))
    max_delay: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    max_retry_after: float = attrs.field(default=900.0, validator=attrs.validators.ge(0))

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Wait before retry number ``attempt`` (1 = after the first failure)."""
        # The exponent is capped because 2.0 ** 1100 overflows long after the delay saturates.
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(attempt - 1, 64))
        return rng() * ceiling


def parse_retry_after(value: str, *, now: float) -> float | None:
    """Seconds to wait for a ``Retry-After`` value (delta-seconds or HTTP-date).

    ``now`` is the Unix time the date is measured against. ``None`` if unparseable; a date in
    the past gives ``0``.
    """
    value = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        seconds: float = float(value)
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delay: float = when.timestamp() - now
    return max(0.0, delay)


class _RedactingFilter(logging.Filter):
    """Scrubs urllib3's own DEBUG lines, which print the full request path and query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record is not ours to fix
            return True
        record.msg = scrub_text(message)
        record.args = None
        return True


def _install_urllib3_filter() -> None:
    target = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactingFilter) for f in target.filters):
        target.addFilter(_RedactingFilter())


def _origin(url: str) -> tuple[str, str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None  # unparseable: never matches, so no credentials go there
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), port or default


def _encode_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    # requests would send True as "True"; vendor APIs (Zendesk, HubSpot) expect "true".
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else value
        for key, value in params.items()
        if value is not None
    }


@attrs.define
class _Outcome:
    """What one attempt produced, before deciding whether to retry."""

    status: int | None = None
    reason: str = ""
    headers: CaseInsensitiveDict[str] = attrs.field(factory=CaseInsensitiveDict)
    content: bytes = b""
    body: Any = None
    links: dict[str, str] = attrs.field(factory=dict)
    url: str = ""
    problem: str | None = None
    retryable: bool = True
    elapsed: float = 0.0


def _summary(outcome: _Outcome) -> str:
    parts = [str(outcome.status)] if outcome.status is not None else []
    if outcome.problem is not None:
        parts.append(f"({outcome.problem})" if parts else outcome.problem)
    return " ".join(parts)


class HttpClient:
    """A JSON-over-HTTP client for one vendor API.

    ``base_url`` is where relative paths go; point it at a proxy or a local test server to stand
    in for the vendor. Credentials from ``auth`` are only sent to the ``base_url`` origin, so a
    next link to another host (say a file store) never receives them. ``rate_limiter`` paces
    every attempt (retries too: the vendor counts them). All waiting goes through ``clock``;
    ``rng`` supplies the backoff jitter. Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: Auth | None = None,
        headers: Mapping[str, str] | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Clock | None = None,
        session: requests.Session | None = None,
        rng: Callable[[], float] | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be http(s)://...: {redact_url(base_url)}")
        self.base_url = base_url.rstrip("/") + "/"
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.rate_limiter = rate_limiter
        self.timeout = (connect_timeout, read_timeout)
        self.stats = HttpStats()
        self._clock: Clock = clock or SystemClock()
        self._rng = rng or random.random
        self._session = session or requests.Session()
        self._owns_session = session is None
        self._headers = {"User-Agent": f"cxcore/{__version__}", "Accept": "application/json"}
        self._headers.update(headers or {})
        self._stats_lock = threading.Lock()
        _install_urllib3_filter()

    @property
    def clock(self) -> Clock:
        """The clock every wait of this client goes through."""
        return self._clock

    def __repr__(self) -> str:
        return f"HttpClient({redact_url(self.base_url)!r}, auth={self.auth!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the underlying session if this client created it."""
        if self._owns_session:
            self._session.close()

    # -- public requests -------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """GET ``url`` (relative to ``base_url`` or absolute) and decode the JSON answer."""
        return self.request("GET", url, params=params, headers=headers)

    def post(
        self,
        url: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """POST a JSON body (e.g. a HubSpot search) and decode the JSON answer."""
        return self.request("POST", url, params=params, json=json, headers=headers)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> JsonResponse:
        """Send one logical request, retrying as :attr:`retry` allows; see the module doc."""
        return self._send(method.upper(), url, params=params, json=json, headers=headers)

    def fetcher(
        self,
        path: str,
        *,
        method: str = "GET",
        params: Mapping[str, Any] | None = None,
        json: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Fetch:
        """A :data:`Fetch` for paginators: the base request plus each page's changes.

        When the paginator gives an absolute ``url`` (a next link) it is followed verbatim,
        without the base ``params``, since next links already carry them.
        """
        base_params = dict(params or {})
        base_json = None if json is None else dict(json)

        def fetch(page: PageRequest) -> JsonResponse:
            body: dict[str, Any] | None = None
            if base_json is not None or page.json is not None:
                body = {**(base_json or {}), **(page.json or {})}
            if page.url is not None:
                return self.request(
                    method, page.url, params=dict(page.params) or None, json=body, headers=headers
                )
            return self.request(
                method, path, params={**base_params, **page.params}, json=body, headers=headers
            )

        return fetch

    def post_form(
        self,
        url: str,
        form: Mapping[str, str | Secret],
        *,
        headers: Mapping[str, str | Secret] | None = None,
    ) -> JsonResponse:
        """POST an urlencoded form for token endpoints (:class:`~cxcore.sdk.auth.TokenTransport`).

        Retries like any request but sends no auth, skips the rate limiter (token endpoints
        have their own quota) and returns 4xx answers instead of raising.
        """
        data = {k: v.reveal() if isinstance(v, Secret) else v for k, v in form.items()}
        extra = {k: v.reveal() if isinstance(v, Secret) else v for k, v in (headers or {}).items()}
        return self._send(
            "POST", url, data=data, headers=extra, use_auth=False, paced=False, lenient=True
        )

    # -- machinery ---------------------------------------------------------------------------

    def _resolve(self, url: str) -> str:
        if url.startswith(("http://", "https://")):
            return url
        return urljoin(self.base_url, url.lstrip("/"))

    def _scrub(self, text: str) -> str:
        return scrub_text(text, self.auth.secrets() if self.auth is not None else ())

    def _count(self, **deltas: float) -> None:
        with self._stats_lock:
            for name, delta in deltas.items():
                setattr(self.stats, name, getattr(self.stats, name) + delta)

    def _send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        use_auth: bool = True,
        paced: bool = True,
        lenient: bool = False,
    ) -> JsonResponse:
        full_url = self._resolve(url)
        origin = _origin(full_url)
        auth = self.auth if use_auth and origin and origin == _origin(self.base_url) else None
        policy = self.retry
        attempt = 0
        auth_retried = False
        while True:
            attempt += 1
            if paced and self.rate_limiter is not None:
                waited = self.rate_limiter.acquire(self._clock)
                if waited > 0:
                    self._count(throttled_waits=1, throttled_seconds=waited)
            auth_headers = auth.headers(self) if auth is not None else {}
            request = requests.Request(
                method,
                full_url,
                params=_encode_params(params),
                json=json,
                data=data,
                headers={**self._headers, **auth_headers, **(headers or {})},
            )
            try:
                prepared = self._session.prepare_request(request)
            except (requests.RequestException, ValueError) as exc:
                # A malformed URL or header will not get better on retry.
                what = self._describe_exception(exc)
                raise TransportError(f"{method} {redact_url(full_url)}: {what}") from None
            shown = redact_url(prepared.url or full_url)
            outcome = self._exchange(prepared, method)
            logger.debug(
                "%s %s -> %s in %.3fs (attempt %d/%d)",
                method,
                shown,
                _summary(outcome),
                outcome.elapsed,
                attempt,
                policy.max_attempts,
            )
            status = outcome.status

            if outcome.problem is None and status is not None and 200 <= status < 300:
                return self._response(method, shown, outcome, attempt)

            if status in (401, 403) and not lenient:
                if status == 401 and auth is not None and not auth_retried:
                    auth_retried = True
                    if auth.on_unauthorized(self, auth_headers):
                        logger.debug("%s %s: HTTP 401, retrying with new token", method, shown)
                        continue
                raise AuthError(self._auth_message(method, shown, outcome, auth))

            if outcome.problem is None and status is not None and status not in _RETRY_STATUSES:
                if lenient:
                    return self._response(method, shown, outcome, attempt)
                raise HttpStatusError(method, shown, status, self._excerpt(outcome.content))

            # Everything below is retryable: network trouble, bad body, 408/429/5xx.
            problem = outcome.problem or self._status_problem(outcome)
            if not outcome.retryable:
                raise TransportError(f"{method} {shown} failed: {problem}")
            wait, told = self._retry_wait(outcome, attempt)
            if told is not None and told > policy.max_retry_after:
                raise self._give_up(
                    method,
                    shown,
                    attempt,
                    f"{problem}; server asked to wait {told:g}s, more than max_retry_after "
                    f"({policy.max_retry_after:g}s)",
                    status,
                    told,
                )
            if attempt >= policy.max_attempts:
                raise self._give_up(method, shown, attempt, problem, status, told)
            logger.debug(
                "%s %s: %s; retrying in %.3fs (%s)",
                method,
                shown,
                problem,
                wait,
                "Retry-After" if told is not None else "backoff",
            )
            if status == 429:
                self._count(retries=1, throttled_waits=1, throttled_seconds=wait)
            else:
                self._count(retries=1)
            self._clock.sleep(wait)

    def _exchange(self, prepared: requests.PreparedRequest, method: str) -> _Outcome:
        """Send once and read the whole body; never raises for network trouble."""
        started = self._clock.monotonic()
        outcome = _Outcome()
        self._count(requests=1)
        try:
            # What Session.request would do: honour proxies and CA bundles from the environment.
            settings = self._session.merge_environment_settings(
                prepared.url or "", {}, True, None, None
            )
            response = self._session.send(
                prepared, timeout=self.timeout, allow_redirects=True, **settings
            )
        except requests.RequestException as exc:
            outcome.problem = self._describe_exception(exc)
            outcome.retryable = isinstance(exc, _RETRYABLE_EXCEPTIONS)
            outcome.elapsed = self._clock.monotonic() - started
            return outcome
        with response:
            outcome.status = response.status_code
            outcome.reason = response.reason or ""
            outcome.headers = CaseInsensitiveDict(response.headers)
            outcome.url = response.url
            outcome.links = {
                rel: link["url"] for rel, link in response.links.items() if "url" in link
            }
            declared = response.headers.get("Content-Length")
            try:
                outcome.content = response.content
            except requests.RequestException as exc:
                # urllib3 enforces Content-Length itself and lands here when the peer closed early.
                of = f" of {declared} declared bytes" if declared else ""
                outcome.problem = f"truncated body{of}: {self._describe_exception(exc)}"
                outcome.retryable = isinstance(exc, _RETRYABLE_EXCEPTIONS)
            else:
                wire = self._wire_bytes(response, outcome.content)
                self._count(bytes_received=wire)
                if declared is not None and method != "HEAD" and outcome.status not in (204, 304):
                    outcome.problem = self._length_problem(declared, wire)
                if outcome.problem is None:
                    outcome.problem = self._decode(outcome, method)
        outcome.elapsed = self._clock.monotonic() - started
        return outcome

    @staticmethod
    def _wire_bytes(response: requests.Response, content: bytes) -> int:
        encoding = response.headers.get("Content-Encoding", "identity").lower()
        if encoding in ("", "identity"):
            return len(content)
        # Compressed: Content-Length counts wire bytes, which only urllib3 saw.
        tell = getattr(response.raw, "tell", None)
        return int(tell()) if callable(tell) else len(content)

    @staticmethod
    def _length_problem(declared: str, wire: int) -> str | None:
        try:
            expected = int(declared)
        except ValueError:
            return f"invalid Content-Length header {declared[:40]!r}"
        if wire < expected:
            return f"truncated body: received {wire} of {expected} bytes (Content-Length)"
        if wire > expected:
            return f"body longer than Content-Length: received {wire} of {expected} bytes"
        return None

    def _decode(self, outcome: _Outcome, method: str) -> str | None:
        """Set ``outcome.body``; return what was wrong with a 2xx body, if anything.

        Error answers (4xx/5xx) are decoded on a best-effort basis only: they are reported by
        status, and token endpoints' JSON error bodies are read from here.
        """
        status = outcome.status or 0
        if status in (204, 205) or method == "HEAD":
            return None
        success = 200 <= status < 300
        try:
            outcome.body = self._parse(outcome.content)
        except ValueError as exc:
            if not success:
                return None
            kind = outcome.headers.get("Content-Type", "no Content-Type")
            what = "empty body" if not outcome.content.strip() else f"invalid JSON ({exc})"
            return f"{what}; HTTP {status}, {len(outcome.content)} bytes, {kind}"
        return None

    @staticmethod
    def _parse(content: bytes) -> Any:
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            # orjson refuses integers beyond 64 bits, which some IDs are; the stdlib does not.
            return stdlib_json.loads(content)

    @staticmethod
    def _response(method: str, shown: str, outcome: _Outcome, attempt: int) -> JsonResponse:
        return JsonResponse(
            method=method,
            url=shown,
            status=outcome.status or 0,
            headers=outcome.headers,
            body=outcome.body,
            links=outcome.links,
            elapsed=outcome.elapsed,
            attempts=attempt,
            request_url=outcome.url,
        )

    def _retry_wait(self, outcome: _Outcome, attempt: int) -> tuple[float, float | None]:
        """(seconds to wait, what Retry-After said or None)."""
        header = outcome.headers.get("Retry-After") if outcome.status is not None else None
        if header:
            # Prefer the server's own Date so client clock skew cannot stretch or cut the wait.
            now = self._clock.time()
            date = outcome.headers.get("Date")
            if date:
                with contextlib.suppress(TypeError, ValueError, IndexError):
                    now = email.utils.parsedate_to_datetime(date).timestamp()
            told = parse_retry_after(header, now=now)
            if told is not None:
                return told, told
        return self.retry.backoff(attempt, self._rng), None

    def _give_up(
        self,
        method: str,
        shown: str,
        attempt: int,
        problem: str,
        status: int | None,
        told: float | None,
    ) -> RetriesExhaustedError:
        if status == 429:
            return RateLimitError(method, shown, attempt, problem, retry_after=told)
        return RetriesExhaustedError(method, shown, attempt, problem, status=status)

    def _status_problem(self, outcome: _Outcome) -> str:
        text = f"HTTP {outcome.status} {outcome.reason}".rstrip()
        excerpt = self._excerpt(outcome.content)
        return f"{text}: {excerpt}" if excerpt else text

    def _excerpt(self, content: bytes) -> str:
        text = " ".join(content[: _EXCERPT * 4].decode("utf-8", "replace").split())
        text = self._scrub(text)
        return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."

    def _describe_exception(self, exc: BaseException) -> str:
        # requests' messages embed the full URL (query string included): scrub before use.
        return f"{type(exc).__name__}: {self._scrub(str(exc))}"

    def _auth_message(self, method: str, shown: str, outcome: _Outcome, auth: Auth | None) -> str:
        excerpt = self._excerpt(outcome.content)
        said = f" (server said: {excerpt})" if excerpt else ""
        if auth is None:
            return (
                f"{method} {shown} was refused with HTTP {outcome.status}{said}; "
                "no credentials were sent: configure auth for this source"
            )
        what = auth.describe()
        if outcome.status == 403:
            return (
                f"{method} {shown} was refused with HTTP 403 Forbidden{said}: the {what} was "
                "accepted but lacks permission for this resource; check its role and scopes"
            )
        return (
            f"{method} {shown} was refused with HTTP 401 Unauthorized{said}: check the {what} "
            "(wrong, expired or revoked)"
        )
