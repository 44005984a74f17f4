"""Fixtures: a fake clock, the fake vendor server, and clients wired to both."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

# pytest runs with --import-mode=importlib, which does not put test folders on sys.path;
# the test modules here import the fake vendor as a plain module.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sdk_fakes import FakeVendor  # noqa: E402

from cxcore.sdk import FakeClock, HttpClient, RetryPolicy


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def vendor(clock: FakeClock) -> Iterator[FakeVendor]:
    server = FakeVendor(clock)
    yield server
    server.close()


@pytest.fixture
def make_client(vendor: FakeVendor, clock: FakeClock) -> Iterator[Callable[..., HttpClient]]:
    """Build clients on the fake vendor; fixed jitter (0.5) makes backoff waits predictable."""
    made: list[HttpClient] = []

    def make(**kwargs: Any) -> HttpClient:
        session = requests.Session()
        session.trust_env = False  # a proxy from the environment must not see test traffic
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("rng", lambda: 0.5)
        kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=30.0))
        kwargs.setdefault("read_timeout", 5.0)
        client = HttpClient(vendor.base_url, session=session, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def dead_port() -> int:
    """A local port nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
