"""OAuth2 token caching, expiry, refresh on 401, and refresh-token rotation."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from sdk_fakes import FakeVendor, Reply, Seen

from cxcore.errors import AuthError
from cxcore.sdk import (
    BasicAuth,
    BearerToken,
    FakeClock,
    HttpClient,
    OAuth2ClientCredentials,
    RotatingRefreshToken,
    Secret,
)

MakeClient = Callable[..., HttpClient]


class TokenServer:
    """Issues at-1, at-2, ... and only accepts the newest token on /api."""

    def __init__(self, vendor: FakeVendor, expires_in: int | None = 120) -> None:
        self.counter = itertools.count(1)
        self.current: str | None = None
        self.expires_in = expires_in
        self.reject_next = 0
        vendor.route("POST", "/oauth/token", self.token)
        vendor.route("GET", "/api", self.api)

    def token(self, seen: Seen) -> Reply:
        self.current = f"at-{next(self.counter)}"
        body: dict[str, object] = {"access_token": self.current, "token_type": "Bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return Reply(body=body)

    def api(self, seen: Seen) -> Reply:
        if self.reject_next:
            self.reject_next -= 1
            return Reply(401, {"error": "invalid_token"})
        if seen.headers.get("Authorization") != f"Bearer {self.current}":
            return Reply(401, {"error": "invalid_token"})
        return Reply(body={"token": self.current})


def test_client_credentials_cached_until_shortly_before_expiry(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    TokenServer(vendor, expires_in=120)
    auth = OAuth2ClientCredentials(
        f"{vendor.base_url}/oauth/token", "cid", "cs-SECRET", scope="read", refresh_margin=60
    )
    client = make_client(auth=auth)
    assert client.get("/api").body == {"token": "at-1"}
    form = vendor.calls("/oauth/token")[0].form()
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "cid",
        "client_secret": "cs-SECRET",
        "scope": "read",
    }
    clock.advance(100)  # margin = min(60, 120/10) = 12 -> valid until 108
    assert client.get("/api").body == {"token": "at-1"}
    assert len(vendor.calls("/oauth/token")) == 1
    clock.advance(9)  # t=109: inside the margin, must refresh first
    assert client.get("/api").body == {"token": "at-2"}
    assert len(vendor.calls("/oauth/token")) == 2
    assert auth.refreshes == 2


def test_token_endpoint_not_rate_limited_or_authenticated(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    TokenServer(vendor)
    auth = OAuth2ClientCredentials("/oauth/token", "cid", "cs-SECRET", client_auth="basic")
    make_client(auth=auth).get("/api")
    token_call = vendor.calls("/oauth/token")[0]
    assert token_call.headers["Authorization"].startswith("Basic ")  # client auth, no bearer
    assert "client_secret" not in token_call.form()


def test_refreshes_once_on_401_then_succeeds(vendor: FakeVendor, make_client: MakeClient) -> None:
    server = TokenServer(vendor, expires_in=None)  # no lifetime stated: cached until a 401
    auth = OAuth2ClientCredentials(f"{vendor.base_url}/oauth/token", "cid", "cs-SECRET")
    client = make_client(auth=auth)
    client.get("/api")
    server.current = "revoked-elsewhere"  # the server no longer accepts at-1
    assert client.get("/api").body == {"token": "at-2"}
    assert len(vendor.calls("/oauth/token")) == 2
    assert len(vendor.calls("/api")) == 3


def test_persistent_401_after_refresh_raises_auth_error(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    server = TokenServer(vendor)
    auth = OAuth2ClientCredentials(
        f"{vendor.base_url}/oauth/token", "cid-42", "cs-SECRET", description="HubSpot app cx-sync"
    )
    client = make_client(auth=auth)
    server.reject_next = 10
    with pytest.raises(AuthError) as info:
        client.get("/api")
    assert "HubSpot app cx-sync" in str(info.value)
    assert "at-" not in str(info.value) and "cs-SECRET" not in str(info.value)
    assert len(vendor.calls("/oauth/token")) == 2  # initial + exactly one refresh
    assert len(vendor.calls("/api")) == 2


def test_token_endpoint_rejection_is_auth_error(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route(
        "POST",
        "/oauth/token",
        Reply(401, {"error": "invalid_client", "error_description": "bad secret cs-SECRET-9"}),
    )
    auth = OAuth2ClientCredentials(f"{vendor.base_url}/oauth/token", "cid-7", "cs-SECRET-9")
    with pytest.raises(AuthError) as info:
        make_client(auth=auth).get("/api")
    message = str(info.value)
    assert "invalid_client" in message
    assert "client id 'cid-7'" in message
    assert "cs-SECRET-9" not in message


def test_rotating_refresh_token_persists_each_new_token(
    vendor: FakeVendor, make_client: MakeClient, clock: FakeClock
) -> None:
    issued = iter(["rt-2", "rt-3", "rt-3"])
    access = itertools.count(1)

    def token(seen: Seen) -> Reply:
        return Reply(
            body={
                "access_token": f"at-{next(access)}",
                "expires_in": 3600,
                "refresh_token": next(issued),
            }
        )

    vendor.route("POST", "/oauth/tokens", token)
    vendor.route("GET", "/api", Reply(body={"ok": True}))
    saved: list[str] = []
    auth = RotatingRefreshToken(
        f"{vendor.base_url}/oauth/tokens",
        "zd-client",
        "rt-1",
        client_secret="zd-cs-SECRET",
        on_rotate=saved.append,
    )
    client = make_client(auth=auth)
    client.get("/api")
    assert saved == ["rt-2"]
    assert auth.refresh_token == Secret("rt-2")
    clock.advance(3600)
    client.get("/api")
    clock.advance(3600)
    client.get("/api")  # server re-sent rt-3: no change, no callback
    assert saved == ["rt-2", "rt-3"]
    sent = [c.form()["refresh_token"] for c in vendor.calls("/oauth/tokens")]
    assert sent == ["rt-1", "rt-2", "rt-3"]
    assert all(c.form()["grant_type"] == "refresh_token" for c in vendor.calls("/oauth/tokens"))
    assert vendor.requests[-1].headers["Authorization"] == "Bearer at-3"


def test_rotating_refresh_token_kept_when_server_sends_none(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("POST", "/oauth/tokens", Reply(body={"access_token": "at-x"}))
    vendor.route("GET", "/api", Reply(body={}))
    saved: list[str] = []
    auth = RotatingRefreshToken("/oauth/tokens", "c", "rt-1", on_rotate=saved.append)
    make_client(auth=auth).get("/api")
    assert saved == []
    assert auth.refresh_token.reveal() == "rt-1"


def test_invalid_grant_hints_at_used_refresh_token(
    vendor: FakeVendor, make_client: MakeClient
) -> None:
    vendor.route("POST", "/oauth/tokens", Reply(400, {"error": "invalid_grant"}))
    auth = RotatingRefreshToken("/oauth/tokens", "c", "rt-used", on_rotate=lambda _: None)
    with pytest.raises(AuthError, match="invalid_grant.*already used or revoked"):
        make_client(auth=auth).get("/api")


def test_on_rotate_failure_propagates(vendor: FakeVendor, make_client: MakeClient) -> None:
    vendor.route(
        "POST", "/oauth/tokens", Reply(body={"access_token": "a", "refresh_token": "rt-new"})
    )

    def broken(_: str) -> None:
        raise OSError("disk full")

    auth = RotatingRefreshToken("/oauth/tokens", "c", "rt-1", on_rotate=broken)
    with pytest.raises(OSError, match="disk full"):
        make_client(auth=auth).get("/api")
    assert auth.refresh_token.reveal() == "rt-new"  # still usable in memory


def test_describe_and_repr_never_show_secrets() -> None:
    cases = [
        (BasicAuth("user", "pw-SECRET"), "HTTP basic credentials for user"),
        (BearerToken("bt-SECRET"), "bearer token"),
        (OAuth2ClientCredentials("https://x/t", "id", "cs-SECRET"), "client id 'id'"),
        (RotatingRefreshToken("https://x/t", "id", "rt-SECRET", on_rotate=print), "refresh"),
    ]
    for auth, expected in cases:
        assert expected in auth.describe()
        assert "SECRET" not in repr(auth) and "SECRET" not in auth.describe()
        assert any("SECRET" in s.reveal() for s in auth.secrets())
