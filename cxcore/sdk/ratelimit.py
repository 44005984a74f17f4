"""Client-side rate limiting so a well-configured client never provokes a 429."""

from __future__ import annotations

import threading
from collections import deque

from cxcore.sdk.clock import Clock

__all__ = ["RateLimiter"]


class RateLimiter:
    """At most ``max_requests`` request starts in any window of ``period`` seconds.

    Two shapes, both guaranteeing the limit over *every* sliding window (so they are safe against
    a vendor counting fixed or rolling windows):

    * ``even=True`` (default) spaces starts exactly ``period / max_requests`` apart. ``P`` pages at
      ``R`` per period take ``(P - 1) / R`` periods — within 10% of ``P / R`` once ``P >= 10`` —
      and never burst.
    * ``even=False`` lets ``max_requests`` go at once, then each further start waits until the
      start ``max_requests`` back has left the window. Better for a few calls (``check``), worse
      for long exports (it finishes up to one period early, all in bursts).

    One limiter may be shared by several clients that draw on the same vendor quota (e.g. all
    Zendesk incremental-export streams of one account). Thread-safe: each caller reserves its own
    slot under a lock and then sleeps outside it.
    """

    def __init__(self, max_requests: int, period: float, *, even: bool = True) -> None:
        if max_requests < 1:
            raise ValueError(f"max_requests must be >= 1, got {max_requests}")
        if period <= 0:
            raise ValueError(f"period must be > 0, got {period}")
        self.max_requests = max_requests
        self.period = float(period)
        self.even = even
        self._interval = self.period / max_requests
        self._lock = threading.Lock()
        self._starts: deque[float] = deque(maxlen=max_requests)

    @classmethod
    def per_minute(cls, max_requests: int, *, even: bool = True) -> RateLimiter:
        """``max_requests`` per minute; ``RateLimiter.per_minute(10)`` suits Zendesk exports."""
        return cls(max_requests, 60.0, even=even)

    def reserve(self, now: float) -> float:
        """Book the next free start slot at or after ``now``; return how long to wait for it."""
        with self._lock:
            slot = now
            if self._starts:
                # Slots are handed out in order so concurrent callers never share one.
                slot = max(slot, self._starts[-1])
                if self.even:
                    slot = max(slot, self._starts[-1] + self._interval)
                elif len(self._starts) == self.max_requests:
                    slot = max(slot, self._starts[0] + self.period)
            self._starts.append(slot)
            return slot - now

    def acquire(self, clock: Clock) -> float:
        """Wait (through ``clock``) until a request may start; return the seconds waited."""
        start = clock.monotonic()
        slot = start + self.reserve(start)
        while True:
            now = clock.monotonic()
            remaining = slot - now
            if remaining <= 0:
                return now - start
            clock.sleep(remaining)
            if clock.monotonic() <= now:
                # A clock whose sleep does not advance time would spin here forever.
                return remaining

    def __repr__(self) -> str:
        shape = "even" if self.even else "burst"
        return f"RateLimiter({self.max_requests} per {self.period:g}s, {shape})"
