"""Client-side pacing with a fake clock: exact waits, no window ever over the limit."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sdk_fakes import FakeVendor, Reply

from cxcore.sdk import FakeClock, HttpClient, RateLimiter

MakeClient = Callable[..., HttpClient]


def max_in_any_window(starts: list[float], period: float) -> int:
    """Most request starts inside any half-open window [t, t + period)."""
    best = 0
    for i, t in enumerate(starts):
        best = max(best, sum(1 for u in starts[i:] if u < t + period - 1e-9))
    return best


@pytest.mark.parametrize("even", [True, False])
def test_25_requests_at_10_per_minute_through_the_client(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock, even: bool
) -> None:
    vendor.route("GET", "/export", Reply(body={"tickets": []}))
    client = make_client(rate_limiter=RateLimiter.per_minute(10, even=even))
    start = clock.monotonic()
    for _ in range(25):
        client.get("/export")
    arrivals = [s.at for s in vendor.requests]
    assert len(arrivals) == 25
    assert clock.slept >= 2 * 60  # at least two full periods of waiting
    assert max_in_any_window(arrivals, 60.0) == 10
    assert all(b - a >= 60.0 - 1e-9 for a, b in zip(arrivals, arrivals[10:], strict=False))
    if even:
        # evenly spaced 6 s apart: 24 gaps
        assert clock.monotonic() - start == pytest.approx(144.0)
        assert all(b - a == pytest.approx(6.0) for a, b in itertools.pairwise(arrivals))
    else:
        # bursts of 10 at t=0, 60, 120
        assert clock.monotonic() - start == pytest.approx(120.0)
        assert arrivals[9] == arrivals[0] and arrivals[10] == pytest.approx(arrivals[0] + 60)
    assert client.stats.throttled_waits == (24 if even else 2)
    assert client.stats.throttled_seconds == pytest.approx(clock.slept)


def test_even_pacing_is_within_10_percent_of_pages_over_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter.per_minute(10)
    start = clock.monotonic()
    for _ in range(100):
        limiter.acquire(clock)
    elapsed_minutes = (clock.monotonic() - start) / 60
    assert elapsed_minutes == pytest.approx(100 / 10, rel=0.10)
    assert elapsed_minutes <= 100 / 10  # never slower than asked


def test_reserve_hands_out_distinct_slots_to_concurrent_callers() -> None:
    limiter = RateLimiter(2, 10.0, even=False)
    waits = [limiter.reserve(0.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 10.0, 10.0, 20.0]


def test_idle_time_is_not_banked_into_a_burst() -> None:
    limiter = RateLimiter(3, 30.0)  # one per 10 s
    assert limiter.reserve(0.0) == 0.0
    assert limiter.reserve(100.0) == 0.0
    assert limiter.reserve(100.0) == 10.0


def test_retries_are_paced_too(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(500, {}), Reply(body={})])
    client = make_client(rate_limiter=RateLimiter(1, 60.0), rng=lambda: 0.0)
    client.get("/x")
    a, b = (s.at for s in vendor.requests)
    assert b - a == pytest.approx(60.0)


def test_invalid_limits_rejected() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0, 60)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)
