"""HttpClient against a local fake vendor: retries, 429, truncation, auth errors, stats."""

from __future__ import annotations

import email.utils
from collections.abc import Callable

import pytest
import requests
from sdk_fakes import FakeVendor, Reply

from cxcore.errors import AuthError, TransportError
from cxcore.sdk import (
    BasicAuth,
    BearerToken,
    FakeClock,
    HttpClient,
    HttpStatusError,
    RateLimitError,
    RetriesExhaustedError,
    RetryPolicy,
    parse_retry_after,
)

MakeClient = Callable[..., HttpClient]


def test_get_json_sends_base_url_params_and_default_headers(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/api/v2/tickets", Reply(body={"tickets": [{"id": 1}]}))
    client = make_client(headers={"X-Extra": "yes"})
    response = client.get("/api/v2/tickets", params={"include": "users", "archived": False})
    assert response.status == 200
    assert response.body == {"tickets": [{"id": 1}]}
    assert response.attempts == 1
    seen = vendor.requests[0]
    assert seen.param("include") == "users"
    assert seen.param("archived") == "false"  # not Python's "False"
    assert seen.headers["X-Extra"] == "yes"
    assert seen.headers["Accept"] == "application/json"
    assert seen.headers["User-Agent"].startswith("cxcore/")


def test_500_then_success_backs_off_once(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(500, {"error": "boom"}), Reply(body={"ok": True})])
    client = make_client()
    response = client.get("/x")
    assert response.body == {"ok": True}
    assert response.attempts == 2
    assert len(vendor.calls("/x")) == 2
    # full jitter with rng=0.5 and base 1s: first retry waits 0.5 * 1
    assert clock.sleeps == [0.5]
    assert client.stats.requests == 2
    assert client.stats.retries == 1


def test_persistent_503_raises_transport_error_after_max_attempts(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(503, {"error": "unavailable"})])
    client = make_client(retry=RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=3.0))
    with pytest.raises(RetriesExhaustedError) as info:
        client.get("/x")
    err = info.value
    assert isinstance(err, TransportError)
    assert err.attempts == 4
    assert err.status == 503
    assert "HTTP 503" in str(err) and "after 4 attempts" in str(err)
    assert len(vendor.calls("/x")) == 4
    # exponential ceilings 1, 2, 4->capped at 3, each halved by the fixed jitter
    assert clock.sleeps == [0.5, 1.0, 1.5]


def test_429_with_retry_after_seconds_waits_exactly_that(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route(
        "GET",
        "/x",
        [
            Reply(429, {"error": "APIRateLimitExceeded"}, {"Retry-After": "17"}),
            Reply(body={"ok": 1}),
        ],
    )
    client = make_client()
    assert client.get("/x").body == {"ok": 1}
    assert clock.sleeps == [17.0]
    assert client.stats.throttled_waits == 1
    assert client.stats.throttled_seconds == 17.0


def test_429_with_retry_after_http_date_uses_server_date(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    server_now = 1_800_000_000
    headers = {
        "Date": email.utils.formatdate(server_now, usegmt=True),
        "Retry-After": email.utils.formatdate(server_now + 42, usegmt=True),
    }
    vendor.route("GET", "/x", [Reply(429, {}, headers), Reply(body={"ok": 1})])
    make_client().get("/x")
    # the fake wall clock (1.7e9) is far from the server's Date: skew must not matter
    assert clock.sleeps == [42.0]


def test_429_without_retry_after_uses_backoff(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(429, {}), Reply(429, {}), Reply(body={"ok": 1})])
    client = make_client(rng=lambda: 0.25)
    assert client.get("/x").body == {"ok": 1}
    assert clock.sleeps == [0.25, 0.5]  # 0.25 * 1, 0.25 * 2
    assert client.stats.throttled_waits == 2


def test_persistent_429_raises_rate_limit_error(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(429, {}, {"Retry-After": "5"})])
    with pytest.raises(RateLimitError) as info:
        make_client().get("/x")
    assert info.value.retry_after == 5.0
    assert info.value.attempts == 4
    assert clock.sleeps == [5.0, 5.0, 5.0]


def test_retry_after_beyond_limit_gives_up_without_waiting(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    vendor.route("GET", "/x", [Reply(429, {}, {"Retry-After": "3600"})])
    client = make_client(retry=RetryPolicy(max_attempts=5, max_retry_after=600))
    with pytest.raises(RateLimitError, match="3600s, more than max_retry_after"):
        client.get("/x")
    assert clock.sleeps == []
    assert len(vendor.calls("/x")) == 1


def test_connection_refused_is_retried_then_reported(
    make_client: MakeClient, dead_port: int, clock: FakeClock
) -> None:
    client = make_client(retry=RetryPolicy(max_attempts=3, base_delay=2.0))
    with pytest.raises(RetriesExhaustedError) as info:
        client.get(f"http://127.0.0.1:{dead_port}/x?access_token=qs-secret-1")
    err = info.value
    assert err.attempts == 3 and err.status is None
    assert "ConnectionError" in str(err)
    assert "qs-secret-1" not in str(err)
    assert "access_token=********" in str(err)
    assert clock.sleeps == [1.0, 2.0]
    assert client.stats.requests == 3


def test_read_timeout_is_retried(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/slow", [Reply(body={"late": 1}, delay=0.5), Reply(body={"ok": 1})])
    client = make_client(read_timeout=0.1)
    response = client.get("/slow")
    assert response.body == {"ok": 1}
    assert response.attempts == 2
    assert client.stats.retries == 1


def test_truncated_body_is_retried_then_succeeds(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    good = b'{"tickets": [1, 2, 3]}'
    vendor.route(
        "GET",
        "/t",
        [Reply(raw=good[:9], declared_length=len(good)), Reply(raw=good)],
    )
    response = make_client().get("/t")
    assert response.body == {"tickets": [1, 2, 3]}
    assert response.attempts == 2


def test_persistently_truncated_body_raises_transport_error_naming_url(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/t", [Reply(raw=b'{"tickets": [', declared_length=500)])
    with pytest.raises(TransportError) as info:
        make_client().get("/t", params={"cursor": "abc", "token": "tok-secret-22"})
    message = str(info.value)
    assert "truncated body" in message
    assert "500" in message  # the declared length
    assert "/t?cursor=abc&token=********" in message
    assert "tok-secret-22" not in message
    assert len(vendor.calls("/t")) == 4


def test_malformed_json_is_retried_then_reported(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route(
        "GET", "/m", [Reply(raw=b"<html>proxy login</html>", headers={"Content-Type": "text/html"})]
    )
    with pytest.raises(RetriesExhaustedError) as info:
        make_client().get("/m")
    message = str(info.value)
    assert "invalid JSON" in message and "text/html" in message
    assert info.value.status == 200
    assert len(vendor.calls("/m")) == 4


def test_malformed_once_then_good(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/m", [Reply(raw=b'{"a": '), Reply(body={"a": 1})])
    assert make_client().get("/m").body == {"a": 1}


def test_empty_204_is_not_an_error(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/e", Reply(204))
    response = make_client().get("/e")
    assert response.status == 204 and response.body is None


def test_401_raises_auth_error_naming_credential_without_secret(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/x", Reply(401, {"error": "Couldn't authenticate you"}))
    auth = BasicAuth.zendesk_api_token("agent@example.com", "zd-api-token-SECRET")
    client = make_client(auth=auth)
    with pytest.raises(AuthError) as info:
        client.get("/x")
    message = str(info.value)
    assert "Zendesk API token for agent@example.com" in message
    assert "401" in message
    assert "zd-api-token-SECRET" not in message
    assert "zd-api-token-SECRET" not in repr(client)
    assert "zd-api-token-SECRET" not in repr(auth)
    assert len(vendor.calls("/x")) == 1  # a static credential is not retried
    sent = vendor.requests[0].headers["Authorization"]
    assert sent.startswith("Basic ")
    import base64

    assert base64.b64decode(sent[6:]) == b"agent@example.com/token:zd-api-token-SECRET"


def test_403_says_the_credential_lacks_permission(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/x", Reply(403, {"error": "Forbidden"}))
    client = make_client(auth=BearerToken("hs-pat-SECRET", description="HubSpot private app token"))
    with pytest.raises(AuthError, match="HubSpot private app token was accepted but lacks"):
        client.get("/x")


def test_error_body_echoing_the_token_is_scrubbed(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("GET", "/x", Reply(401, {"error": "bad token hs-pat-SECRET-77"}))
    client = make_client(auth=BearerToken("hs-pat-SECRET-77"))
    with pytest.raises(AuthError) as info:
        client.get("/x")
    assert "hs-pat-SECRET-77" not in str(info.value)
    assert "bad token ********" in str(info.value)


def test_other_4xx_is_not_retried(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/gone", Reply(404, {"error": "RecordNotFound"}))
    with pytest.raises(HttpStatusError) as info:
        make_client().get("/gone")
    assert info.value.status == 404
    assert "RecordNotFound" in info.value.detail
    assert len(vendor.calls("/gone")) == 1


def test_auth_only_sent_to_base_url_origin(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/x", Reply(body={}))
    client = make_client(auth=BearerToken("tok-abc-123"))
    client.get("/x")
    # same server reached through another host name: a different origin
    client.get(f"http://localhost:{vendor.port}/x")
    first, second = vendor.requests
    assert first.headers.get("Authorization") == "Bearer tok-abc-123"
    assert "Authorization" not in second.headers


def test_post_json_body(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("POST", "/search", lambda seen: Reply(body={"echo": seen.body.decode()}))
    response = make_client().post("/search", json={"limit": 2})
    assert response.body == {"echo": '{"limit": 2}'}


def test_stats_count_bytes(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route("GET", "/x", Reply(raw=b'{"a": 1}'))
    client = make_client()
    client.get("/x")
    client.get("/x")
    assert client.stats.requests == 2
    assert client.stats.bytes_received == 16
    assert client.stats.retries == 0


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("120", now=0) == 120.0
    assert parse_retry_after(" 1.5 ", now=0) == 1.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 30) == 0.0
    assert parse_retry_after("soon", now=0) is None


def test_retry_after_date_without_server_date_uses_clock(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    retry_at = clock.time() + 9
    vendor.route(
        "GET",
        "/x",
        [
            Reply(503, {}, {"Retry-After": email.utils.formatdate(retry_at, usegmt=True)}),
            Reply(body={}),
        ],
    )
    make_client().get("/x")
    assert clock.sleeps == [pytest.approx(9.0, abs=1.0)]  # HTTP-date has 1 s resolution


def test_invalid_url_is_not_retried(make_client: MakeClient) -> None:
    with pytest.raises(TransportError) as info:
        make_client().get("http://exa mple.invalid:notaport/x")
    assert not isinstance(info.value, RetriesExhaustedError)


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpClient("ftp://example.com", session=requests.Session())
