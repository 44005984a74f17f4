"""Plain value types shared by the HTTP client, auth and paginators."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["Fetch", "HttpStats", "JsonResponse", "PageRequest"]


@attrs.frozen(kw_only=True, eq=False)
class JsonResponse:
    """One HTTP exchange whose body was read completely and decoded as JSON.

    ``url`` is redacted (safe to print); ``request_url`` is the URL really requested and is kept
    out of ``repr`` because a vendor may put credentials in it. ``body`` is ``None`` for an empty
    204/205 answer (and for unparseable bodies of error answers returned by ``post_form``).
    """

    method: str
    url: str
    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: Any = attrs.field(repr=False)
    links: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    elapsed: float = 0.0
    attempts: int = 1
    request_url: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class PageRequest:
    """What a paginator wants changed for its next request.

    ``url`` (absolute, e.g. a next link) replaces the base path and its parameters entirely;
    ``params`` are merged over the base query parameters; ``json`` over the base JSON body.
    """

    url: str | None = None
    params: Mapping[str, Any] = attrs.field(factory=dict)
    json: Mapping[str, Any] | None = None


@attrs.define
class HttpStats:
    """Counters for progress displays; ``requests`` counts every attempt actually sent."""

    requests: int = 0
    retries: int = 0
    throttled_waits: int = 0
    throttled_seconds: float = 0.0
    bytes_received: int = 0


Fetch = Callable[[PageRequest], JsonResponse]
"""A request function for paginators: sends the base request changed by a :class:`PageRequest`."""
