"""SDK-specific errors; all are subclasses of the cxcore tree (``SourceError`` and below)."""

from __future__ import annotations

from cxcore.errors import SourceError, TransportError

__all__ = [
    "HttpStatusError",
    "PaginationError",
    "PaginationLoopError",
    "RateLimitError",
    "RetriesExhaustedError",
]


class RetriesExhaustedError(TransportError):
    """A request kept failing with retryable problems (network, 5xx, bad body) until it gave up.

    ``url`` is already redacted; ``status`` is the last HTTP status, ``None`` if no response came.
    """

    def __init__(
        self, method: str, url: str, attempts: int, problem: str, status: int | None = None
    ) -> None:
        self.method = method
        self.url = url
        self.attempts = attempts
        self.problem = problem
        self.status = status
        noun = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"{method} {url} failed after {attempts} {noun}: {problem}")


class RateLimitError(RetriesExhaustedError):
    """The vendor kept answering 429, or asked for a wait longer than the client allows.

    ``retry_after`` is the last wait the server asked for, in seconds, if it said.
    """

    def __init__(
        self,
        method: str,
        url: str,
        attempts: int,
        problem: str,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(method, url, attempts, problem, status=429)


class HttpStatusError(SourceError):
    """A non-retryable HTTP error other than 401/403 (e.g. 400, 404, 422).

    ``detail`` is a short, secret-scrubbed excerpt of the response body.
    """

    def __init__(self, method: str, url: str, status: int, detail: str = "") -> None:
        self.method = method
        self.url = url
        self.status = status
        self.detail = detail
        tail = f": {detail}" if detail else ""
        super().__init__(f"{method} {url} returned HTTP {status}{tail}")


class PaginationError(SourceError):
    """A paginated response could not be followed (missing records list, cursor, bad order...)."""


class PaginationLoopError(PaginationError):
    """The API handed back a page token it had already given; following it would loop forever."""
