"""cxcore source SDK: the reusable HTTP layer vendor plugins build on.

* :class:`HttpClient` — retries with jittered backoff, ``Retry-After``, client-side pacing
  (:class:`RateLimiter`), JSON bodies checked for truncation, secret-safe DEBUG logging.
* Auth: :class:`BasicAuth`, :class:`BearerToken`, :class:`OAuth2ClientCredentials`,
  :class:`RotatingRefreshToken`; secrets are held as :class:`Secret`.
* Pagination: :class:`CursorInBody`, :class:`NextLink`, :class:`KeysetWatermark`,
  :class:`Offset`, yielding :class:`Page` objects whose ``state`` can be persisted to resume.
* Time: inject a :class:`Clock` (tests use :class:`FakeClock`).
"""

from cxcore.sdk.auth import (
    Auth,
    BasicAuth,
    BearerToken,
    OAuth2ClientCredentials,
    RotatingRefreshToken,
    TokenTransport,
)
from cxcore.sdk.clock import Clock, FakeClock, SystemClock
from cxcore.sdk.errors import (
    HttpStatusError,
    PaginationError,
    PaginationLoopError,
    RateLimitError,
    RetriesExhaustedError,
)
from cxcore.sdk.http import HttpClient, RetryPolicy, parse_retry_after
from cxcore.sdk.models import Fetch, HttpStats, JsonResponse, PageRequest
from cxcore.sdk.pagination import CursorInBody, KeysetWatermark, NextLink, Offset, Page, Paginator
from cxcore.sdk.ratelimit import RateLimiter
from cxcore.sdk.secret import Secret, redact_url, scrub_text

__all__ = [
    "Auth",
    "BasicAuth",
    "BearerToken",
    "Clock",
    "CursorInBody",
    "FakeClock",
    "Fetch",
    "HttpClient",
    "HttpStats",
    "HttpStatusError",
    "JsonResponse",
    "KeysetWatermark",
    "NextLink",
    "OAuth2ClientCredentials",
    "Offset",
    "Page",
    "PageRequest",
    "PaginationError",
    "PaginationLoopError",
    "Paginator",
    "RateLimitError",
    "RateLimiter",
    "RetriesExhaustedError",
    "RetryPolicy",
    "RotatingRefreshToken",
    "Secret",
    "SystemClock",
    "TokenTransport",
    "parse_retry_after",
    "redact_url",
    "scrub_text",
]
