"""Injectable time: every wait in the SDK goes through a :class:`Clock` so tests never sleep."""

from __future__ import annotations

import threading
import time
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    """What the HTTP layer needs from time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (used for intervals and expiries)."""
        ...

    def time(self) -> float:
        """Wall-clock Unix time (used only to turn an HTTP-date ``Retry-After`` into a delay)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...


class SystemClock:
    """The real clock."""

    def monotonic(self) -> float:
        """See :meth:`Clock.monotonic`."""
        return time.monotonic()

    def time(self) -> float:
        """See :meth:`Clock.time`."""
        return time.time()

    def sleep(self, seconds: float) -> None:
        """See :meth:`Clock.sleep`."""
        if seconds > 0:
            time.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


class FakeClock:
    """A clock for tests: :meth:`sleep` returns at once, advances time and records the wait.

    Plugin test-suites can use it to assert exactly how long a client would have waited.
    """

    def __init__(self, start: float = 1_000.0, wall: float = 1_700_000_000.0) -> None:
        self._lock = threading.Lock()
        self._now = start
        self._wall_offset = wall - start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """Current fake monotonic time."""
        with self._lock:
            return self._now

    def time(self) -> float:
        """Current fake wall time; moves together with :meth:`monotonic`."""
        with self._lock:
            return self._now + self._wall_offset

    def sleep(self, seconds: float) -> None:
        """Record ``seconds`` and advance time by it without blocking."""
        with self._lock:
            self.sleeps.append(seconds)
            if seconds > 0:
                self._now += seconds

    def advance(self, seconds: float) -> None:
        """Move time forward without recording a sleep (time passing elsewhere)."""
        with self._lock:
            self._now += seconds

    @property
    def slept(self) -> float:
        """Total seconds slept so far."""
        with self._lock:
            return sum(s for s in self.sleeps if s > 0)

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now!r})"
