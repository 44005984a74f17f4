"""Secrets stay masked: Secret itself, redaction helpers, and a whole exchange's DEBUG logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from sdk_fakes import FakeVendor, Reply, Seen

from cxcore.sdk import (
    HttpClient,
    HttpStatusError,
    NextLink,
    OAuth2ClientCredentials,
    Secret,
    redact_url,
    scrub_text,
)

MakeClient = Callable[..., HttpClient]


def test_secret_masks_everywhere_but_reveal() -> None:
    s = Secret("hunter2-SECRET")
    assert s.reveal() == "hunter2-SECRET"
    percent = "%s" % s  # noqa: UP031 - old-style formatting is a real leak path to check
    for text in (str(s), repr(s), f"{s}", f"{s!r}", percent, format(s, ">30")):
        assert "hunter2" not in text
    assert str(s) == "********"
    assert Secret(s) == s and Secret("other") != s
    assert not Secret("")
    with pytest.raises(TypeError):
        Secret(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        "Bearer " + s  # type: ignore[operator]  # not a str: cannot leak by concatenation


def test_redact_url() -> None:
    url = "https://u:pw@acme.zendesk.com/api?cursor=abc&access_token=AT1&hapikey=HK&x=1#access_token=F"
    shown = redact_url(url)
    assert shown == (
        "https://********@acme.zendesk.com/api?cursor=abc&access_token=********"
        "&hapikey=********&x=1"
    )


def test_scrub_text_patterns() -> None:
    text = (
        'got {"access_token": "AT-1", "refresh_token":"RT-1", "id": 5} '
        "url /x?client_secret=CS-1&page=2 header Authorization: Bearer abcdefghijk "
        "and the raw known value KNOWN-SECRET-1 and its encoding KNOWN%2BSECRET"
    )
    out = scrub_text(text, [Secret("KNOWN-SECRET-1"), Secret("KNOWN+SECRET")])
    for leaked in ("AT-1", "RT-1", "CS-1", "abcdefghijk", "KNOWN-SECRET-1", "KNOWN%2BSECRET"):
        assert leaked not in out
    assert '"id": 5' in out and "page=2" in out


def test_debug_logs_of_a_whole_exchange_contain_no_secrets(
    vendor: FakeVendor, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    secrets = ["cs-LOGSECRET-1", "at-LOGSECRET-2", "at-LOGSECRET-3", "qs-LOGSECRET-4"]
    issued = iter(["at-LOGSECRET-2", "at-LOGSECRET-3"])
    state = {"current": ""}

    def token(seen: Seen) -> Reply:
        state["current"] = next(issued)
        return Reply(body={"access_token": state["current"], "expires_in": 3600})

    calls = {"n": 0}

    def items(seen: Seen) -> Reply:
        calls["n"] += 1
        if calls["n"] == 1:  # the first token is "revoked": forces a refresh
            return Reply(401, {"error": f"token {state['current']} revoked"})
        if calls["n"] == 2:
            return Reply(429, {"error": "slow down"}, {"Retry-After": "1"})
        page = seen.param("page") or "1"
        nxt = None if page == "3" else f"/items?page={int(page) + 1}&access_token=qs-LOGSECRET-4"
        return Reply(body={"items": [{"id": page}], "next": nxt})

    vendor.route("POST", "/oauth/token", token)
    vendor.route("GET", "/items", items)
    vendor.route("GET", "/broken", Reply(400, {"error": "bad", "access_token": "at-LOGSECRET-3"}))
    auth = OAuth2ClientCredentials(f"{vendor.base_url}/oauth/token", "cid", "cs-LOGSECRET-1")
    client = make_client(auth=auth)

    caplog.set_level(logging.DEBUG)  # root: urllib3's own DEBUG lines are captured too
    pages = list(NextLink("items", next_path="next").pages(client.fetcher("/items")))
    with pytest.raises(HttpStatusError) as info:
        client.get("/broken")

    assert [p.records[0]["id"] for p in pages] == ["1", "2", "3"]
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    # the exchange really was logged: requests, 401, 429 and the redacted next links
    assert "cxcore.sdk.http" in {r.name for r in caplog.records}
    assert " -> 401 " in logged and " -> 429 " in logged and " -> 200 " in logged
    assert "access_token=********" in logged
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    visible = [logged, str(info.value), repr(client), repr(auth), repr(pages[0])]
    for secret in secrets:
        for text in visible:
            assert secret not in text, f"{secret} leaked"
    # sanity: the secrets really went over the wire, so the assertion above can fail
    sent = " ".join(str(s.headers) + s.body.decode() + str(s.query) for s in vendor.requests)
    assert all(secret in sent for secret in secrets)
