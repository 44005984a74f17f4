"""cxcore source SDK: the reusable HTTP layer vendor plugins build on.

* :class:`HttpClient` — retries with jittered backoff, ``Retry-After``, client-side pacing
  (:class:`RateLimiter`), JSON bodies checked for truncation, secret-safe DEBUG logging.
* Auth: :class:`BasicAuth`, :class:`BearerToken`, :class:`OAuth2ClientCredentials`,
  :class:`RotatingRefreshToken`; secrets are held as :class:`Secret`.
* Pagination: :class:`CursorInBody`, :class:`NextLink`, :class:`KeysetWatermark`,
  :class:`Offset`, yielding :class:`Page` objects whose ``state`` can be persisted to resume.
* Time: inject a :class:`Clock` (tests use :class:`FakeClock`).

The source layer on top:

* :class:`Source` and :class:`Stream`: what a plugin declares and implements
  (:func:`settings_schema`, :func:`secret_setting` for its configuration schema);
* :class:`MappingContext`: journey channel/stage rules, keyed identity hashes
  (:class:`PrivacyPolicy`, :class:`IdentityHasher`) and record builders;
* :func:`windowed_pages`: signpost + lookback incremental reads on time filters;
* running sources: :func:`open_source`, :func:`check_sources`, :func:`discover_streams`,
  :func:`sync_sources` (and :func:`sync_source` for a source object), returning
  :class:`CheckResult` and :class:`SyncSummary`, reporting :class:`SyncProgress`.
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
from cxcore.sdk.incremental import Window, plan_window, windowed_pages
from cxcore.sdk.mapping import MappingContext, MappingRules, to_timestamp
from cxcore.sdk.models import Fetch, HttpStats, JsonResponse, PageRequest
from cxcore.sdk.pagination import CursorInBody, KeysetWatermark, NextLink, Offset, Page, Paginator
from cxcore.sdk.privacy import HASH_KEY_ENV, IdentityHasher, PrivacyPolicy
from cxcore.sdk.ratelimit import RateLimiter
from cxcore.sdk.secret import Secret, redact_url, scrub_text
from cxcore.sdk.source import (
    COMMON_SETTINGS,
    PageLike,
    Source,
    Stream,
    StreamPage,
    secret_setting,
    settings_schema,
)
from cxcore.sdk.sync import (
    CheckResult,
    ProgressCallback,
    StreamSummary,
    SyncProgress,
    SyncSummary,
    build_source,
    check_sources,
    discover_streams,
    open_source,
    sync_source,
    sync_sources,
)

__all__ = [
    "COMMON_SETTINGS",
    "HASH_KEY_ENV",
    "Auth",
    "BasicAuth",
    "BearerToken",
    "CheckResult",
    "Clock",
    "CursorInBody",
    "FakeClock",
    "Fetch",
    "HttpClient",
    "HttpStats",
    "HttpStatusError",
    "IdentityHasher",
    "JsonResponse",
    "KeysetWatermark",
    "MappingContext",
    "MappingRules",
    "NextLink",
    "OAuth2ClientCredentials",
    "Offset",
    "Page",
    "PageLike",
    "PageRequest",
    "PaginationError",
    "PaginationLoopError",
    "Paginator",
    "PrivacyPolicy",
    "ProgressCallback",
    "RateLimitError",
    "RateLimiter",
    "RetriesExhaustedError",
    "RetryPolicy",
    "RotatingRefreshToken",
    "Secret",
    "Source",
    "Stream",
    "StreamPage",
    "StreamSummary",
    "SyncProgress",
    "SyncSummary",
    "SystemClock",
    "TokenTransport",
    "Window",
    "build_source",
    "check_sources",
    "discover_streams",
    "open_source",
    "parse_retry_after",
    "plan_window",
    "redact_url",
    "scrub_text",
    "secret_setting",
    "settings_schema",
    "sync_source",
    "sync_sources",
    "to_timestamp",
    "windowed_pages",
]
