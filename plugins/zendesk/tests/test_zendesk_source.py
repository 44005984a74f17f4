"""Zendesk-specific behaviour: mapping, tombstones, channels, durations, auth, rate limits, CLI."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cxcore_zendesk import CSAT_SCALE, ZendeskSource
from cxcore_zendesk.standin import ZendeskStandin, sample_dataset

from cxcore import Channel, DuckDBStore, Journey, ProjectConfig, Stage, Workspace
from cxcore.cli import cli
from cxcore.config import SourceConfig, StoreConfig
from cxcore.errors import ConfigError
from cxcore.sdk import FakeClock, SyncSummary, check_sources, open_source, sync_sources
from cxcore.testing.standin import iso_z

TOKEN = "zd-test-token-8c1d"
HASH_KEY = "zendesk-tests-hash-key-0123456789"
DATA = sample_dataset(80, seed=11)


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CXCORE_HASH_KEY", HASH_KEY)
    monkeypatch.setenv("ZD_TOKEN", TOKEN)


@pytest.fixture
def server() -> Iterator[ZendeskStandin]:
    with ZendeskStandin(**DATA, token=TOKEN) as zd:
        yield zd


def settings(server: ZendeskStandin, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "base_url": server.base_url,
        "email": "admin@example.com",
        "api_token": {"env": "ZD_TOKEN"},
        "page_size": 40,
        "list_page_size": 25,
        "incremental_requests_per_minute": 0,
        "requests_per_minute": 0,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def workspace(
    server: ZendeskStandin,
    *,
    journey: Journey | None = None,
    channel_map: dict[str, str] | None = None,
    **overrides: Any,
) -> Workspace:
    config = ProjectConfig(
        store=StoreConfig(path=None),
        journey=journey,
        channel_map=channel_map or {},
        sources={
            "zd": SourceConfig(name="zd", plugin="zendesk", settings=settings(server, **overrides))
        },
    )
    return Workspace(
        config=config,
        store=DuckDBStore(":memory:"),
        plugins=["cxcore_zendesk"],
        entry_points=False,
    )


def sync(ws: Workspace, **kwargs: Any) -> SyncSummary:
    summary = sync_sources(ws, clock=FakeClock(wall=time.time()), **kwargs)
    assert summary.ok, [s.error for s in summary.failed]
    return summary


def stored(ws: Workspace, kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in ws.store.records(kind, deleted=True)}  # type: ignore[arg-type]


def _iso(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- tickets -----------------------------------------------------------------------------------


def test_every_ticket_becomes_a_created_interaction(server: ZendeskStandin) -> None:
    with workspace(server) as ws:
        sync(ws, streams=["tickets"])
        interactions = stored(ws, "interaction")

    ticket = next(t for t in DATA["tickets"] if t["status"] == "open")
    record = interactions[f"ticket:{ticket['id']}:created"]
    created = [r for r in interactions.values() if r["type"] == "ticket.created"]

    assert len(created) == len(DATA["tickets"])
    assert record["occurred_at"] == _iso(ticket["created_at"])
    assert record["customer_id"] == str(ticket["requester_id"])
    assert record["journey_instance"] == str(ticket["id"])
    assert record["stage"] == "support"
    assert record["attributes"]["status"] == "open"
    assert record["attributes"]["via_channel"] == ticket["via"]["channel"]
    assert record["attributes"]["custom_fields"] == {
        "360001": ticket["custom_fields"][0]["value"],
        "360002": None,
    }
    # Body text and e-mail addresses stay out of the store by default.
    assert "description" not in record["attributes"]
    assert "recipient" not in record["attributes"]
    assert "via" not in record["attributes"]


def test_issue_field_becomes_attributes_issue(server: ZendeskStandin) -> None:
    with workspace(server, issue_field_id=360001) as ws:
        sync(ws, streams=["tickets"])
        interactions = stored(ws, "interaction")

    ticket = DATA["tickets"][0]
    record = interactions[f"ticket:{ticket['id']}:created"]

    assert record["attributes"]["issue"] == ticket["custom_fields"][0]["value"]


def test_deleted_tickets_become_tombstones_and_a_deleted_event(server: ZendeskStandin) -> None:
    deleted = [t for t in DATA["tickets"] if t["status"] == "deleted"]
    assert deleted, "the sample data should contain deleted tickets"
    with workspace(server) as ws:
        sync(ws, streams=["tickets"])
        interactions = stored(ws, "interaction")
        live = {r["id"] for r in ws.store.records("interaction")}

    for ticket in deleted:
        created = interactions[f"ticket:{ticket['id']}:created"]
        event = interactions[f"ticket:{ticket['id']}:deleted"]
        metrics = interactions[f"ticket:{ticket['id']}:metrics"]

        assert created["deleted"] is True and created["id"] not in live
        assert metrics["deleted"] is True
        assert event["type"] == "ticket.deleted" and event["id"] in live
        assert event["occurred_at"] == iso_z(ticket["generated_timestamp"])


def test_ticket_deleted_after_first_sync_is_tombstoned_on_the_next(
    server: ZendeskStandin,
) -> None:
    clock = FakeClock(wall=time.time())
    server.clock = lambda: clock.time()  # one time line for client and stand-in
    ticket = next(t for t in DATA["tickets"] if t["status"] == "open")
    with workspace(server) as ws:
        sync_sources(ws, streams=["tickets"], clock=clock)
        server.delete_ticket(ticket["id"])
        clock.advance(120)  # past the export's one-minute hold-back
        second = sync_sources(ws, streams=["tickets"], clock=clock)
        record = stored(ws, "interaction")[f"ticket:{ticket['id']}:created"]

    assert second.streams[0].records == 1
    assert record["deleted"] is True


def test_export_sends_start_time_once_then_the_cursor(server: ZendeskStandin) -> None:
    with workspace(server, start_date="2024-03-01T00:00:00Z") as ws:
        sync(ws, streams=["tickets"])
        first_run = server.requests_to("/incremental/tickets/")
        server.clear_log()
        sync(ws, streams=["tickets"])
        second_run = server.requests_to("/incremental/tickets/")

    assert first_run[0].query["start_time"] == str(
        int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
    )
    assert first_run[0].query["per_page"] == "40"
    assert all("cursor" in r.query and "start_time" not in r.query for r in first_run[1:])
    assert len(first_run) >= 3
    assert [("start_time" in r.query, "cursor" in r.query) for r in second_run] == [(False, True)]


# -- channels ----------------------------------------------------------------------------------


def _journey(*channels: str) -> Journey:
    return Journey(
        id="cx",
        name="CX",
        stages=[Stage(id="support")],
        channels=[Channel(id=c) for c in channels],
    )


def _channels_by_via(ws: Workspace) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for r in ws.store.records("interaction"):
        if r["type"] == "ticket.created":
            out.setdefault(r["attributes"]["via_channel"], set()).add(r.get("channel"))
    return out


def test_via_channel_maps_to_journey_channels_by_default(server: ZendeskStandin) -> None:
    journey = _journey("email", "web", "chat", "phone", "api", "app")
    with workspace(server, journey=journey) as ws:
        summary = sync(ws, streams=["tickets"])
        by_via = _channels_by_via(ws)

    assert by_via["voice"] == {"phone"}
    assert by_via["native_messaging"] == {"chat"}
    assert by_via["mobile"] == {"app"}
    assert by_via["email"] == {"email"}
    assert summary.streams[0].notes == []


def test_channel_rules_from_config_and_source_settings_win(server: ZendeskStandin) -> None:
    journey = _journey("mail", "web", "messaging", "phone", "app")
    with workspace(
        server,
        journey=journey,
        channel_map={"email": "mail", "chat": "web"},
        mapping={"channels": {"chat": "messaging"}},
    ) as ws:
        summary = sync(ws, streams=["tickets"])
        by_via = _channels_by_via(ws)

    assert by_via["email"] == {"mail"}  # [mapping.channels] over the plugin default
    assert by_via["chat"] == {"messaging"}  # the source's own mapping over [mapping]
    assert by_via["api"] == {None}  # the journey has no api channel: left empty...
    notes = " ".join(summary.streams[0].notes)
    assert "channel 'api'" in notes and "[mapping.channels]" in notes  # ...and reported


# -- ticket metrics ----------------------------------------------------------------------------


def test_metrics_durations_in_seconds(server: ZendeskStandin) -> None:
    with workspace(server) as ws:
        sync(ws, streams=["ticket_metrics"])
        interactions = stored(ws, "interaction")

    solved = next(
        m
        for m in DATA["ticket_metrics"]
        if m["solved_at"] and m["reply_time_in_minutes"]["business"]
    )
    record = interactions[f"ticket:{solved['ticket_id']}:metrics"]
    reply, full = solved["reply_time_in_minutes"], solved["full_resolution_time_in_minutes"]

    assert record["type"] == "ticket.solved"
    assert record["occurred_at"] == _iso(solved["solved_at"])
    assert record["journey_instance"] == str(solved["ticket_id"])
    assert record["durations"]["first_reply"] == solved["reply_time_in_seconds"]["calendar"]
    assert record["durations"]["first_reply_business"] == reply["business"] * 60
    assert record["durations"]["full_resolution"] == full["calendar"] * 60
    assert record["durations"]["full_resolution_business"] == full["business"] * 60
    assert record["durations"]["first_resolution"] == (
        solved["first_resolution_time_in_minutes"]["calendar"] * 60
    )
    assert record["attributes"]["reopens"] == solved["reopens"]
    assert record["attributes"]["replies"] == solved["replies"]
    assert record["attributes"]["agent_replies"] == solved["replies"]


def test_unsolved_replied_ticket_is_a_replied_interaction(server: ZendeskStandin) -> None:
    with workspace(server) as ws:
        summary = sync(ws, streams=["ticket_metrics"])
        interactions = stored(ws, "interaction")

    pending = next(
        m
        for m in DATA["ticket_metrics"]
        if not m["solved_at"] and m["reply_time_in_minutes"]["calendar"]
    )
    record = interactions[f"ticket:{pending['ticket_id']}:metrics"]
    created = datetime.fromisoformat(pending["created_at"]).timestamp()
    replied = created + pending["reply_time_in_seconds"]["calendar"]
    unreplied = [m for m in DATA["ticket_metrics"] if not m["reply_time_in_minutes"]["calendar"]]

    assert record["type"] == "ticket.replied"
    assert record["occurred_at"] == iso_z(replied)
    assert "full_resolution" not in record["durations"]
    if unreplied:  # never replied nor solved: nothing to measure yet, and the summary says so
        assert any("neither replied to nor solved" in n for n in summary.streams[0].notes)


# -- satisfaction ratings ---------------------------------------------------------------------


def test_ratings_become_csat_responses(server: ZendeskStandin) -> None:
    with workspace(server) as ws:
        sync(ws, streams=["satisfaction_ratings"])
        responses = stored(ws, "response")

    by_score = {
        score: next(r for r in DATA["satisfaction_ratings"] if r["score"] == score)
        for score in ("good", "bad", "offered")
    }
    good = responses[f"csat:{by_score['good']['id']}"]
    bad = responses[f"csat:{by_score['bad']['id']}"]
    offered = responses[f"csat:{by_score['offered']['id']}"]

    assert len(responses) == len(DATA["satisfaction_ratings"])
    assert (good["item"], good["value"], bad["value"], offered["value"]) == ("csat", 1, 0, None)
    assert good["scale"]["min"] == CSAT_SCALE["min"] and good["scale"]["max"] == 1
    assert [b["name"] for b in good["scale"]["buckets"]] == ["bad", "good"]
    assert good["occurred_at"] == _iso(by_score["good"]["updated_at"])
    assert offered["occurred_at"] == _iso(by_score["offered"]["created_at"])
    assert good["customer_id"] == str(by_score["good"]["requester_id"])
    assert good["journey_instance"] == str(by_score["good"]["ticket_id"])
    assert good.get("comment") == by_score["good"]["comment"]
    assert bad["attributes"]["reason"] == by_score["bad"]["reason"]


def test_unoffered_rating_is_a_tombstone(server: ZendeskStandin) -> None:
    rating = DATA["satisfaction_ratings"][0]
    server.put_satisfaction_rating({**rating, "score": "unoffered"}, touch=False)
    with workspace(server) as ws:
        sync(ws, streams=["satisfaction_ratings"])
        record = stored(ws, "response")[f"csat:{rating['id']}"]

    assert record["deleted"] is True


def test_ratings_window_uses_start_and_end_time(server: ZendeskStandin) -> None:
    with workspace(server, start_date=1_700_000_000) as ws:
        sync(ws, streams=["satisfaction_ratings"])
        first = server.requests_to("/satisfaction_ratings")[0]
        state = ws.store.get_state("zd", "satisfaction_ratings")

    assert first.query["start_time"] == "1700000000"
    assert int(first.query["end_time"]) <= time.time() - 60
    assert state is not None and set(state) == {"since"}


# -- users and privacy -------------------------------------------------------------------------


def _hmac(kind: str, value: str) -> str:
    return hmac.new(HASH_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def test_end_users_become_customers_with_hashed_identifiers(server: ZendeskStandin) -> None:
    with workspace(server) as ws:
        sync(ws, streams=["users"])
        customers = stored(ws, "customer")

    user = next(u for u in DATA["users"] if u["role"] == "end-user")
    agent = next(u for u in DATA["users"] if u["role"] == "agent")
    record = customers[str(user["id"])]
    blob = json.dumps(customers)

    assert record["identities"]["email"] == _hmac("email", user["email"].lower())
    assert record["identities"]["external_id"] == _hmac("external_id", user["external_id"])
    assert "phone" in record["identities"]
    assert "name" not in record["attributes"]
    assert user["email"] not in blob and user["name"] not in blob
    assert customers[str(agent["id"])]["deleted"] is True  # staff are not customers


def test_pii_clear_and_drop(server: ZendeskStandin) -> None:
    user = next(u for u in DATA["users"] if u["role"] == "end-user")
    with workspace(server, pii="clear") as ws:
        sync(ws, streams=["users"])
        clear = stored(ws, "customer")[str(user["id"])]
    with workspace(server, pii="drop") as ws:
        sync(ws, streams=["users"])
        dropped = stored(ws, "customer")[str(user["id"])]

    assert clear["identities"]["email"] == user["email"].lower()
    assert clear["attributes"]["name"] == user["name"]
    assert "identities" not in dropped or dropped["identities"] in ({}, None)


def test_missing_hash_key_fails_users_clearly_and_other_streams_go_on(
    server: ZendeskStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CXCORE_HASH_KEY")
    with workspace(server) as ws:
        summary = sync_sources(ws, streams=["users", "tickets"], clock=FakeClock(wall=time.time()))

    users, tickets = summary.streams
    assert users.status == "failed" and users.error_type == "ConfigError"
    assert users.error is not None and "CXCORE_HASH_KEY is not set" in users.error
    assert tickets.ok and tickets.stored > 0


# -- auth, settings, rate limits ---------------------------------------------------------------


def test_oauth_bearer_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZD_OAUTH", "oauth-access-token-77")
    with (
        ZendeskStandin(**DATA, oauth_token="oauth-access-token-77") as server,
        workspace(server, api_token=None, email=None, oauth_token={"env": "ZD_OAUTH"}) as ws,
    ):
        (result,) = check_sources(ws)
        summary = sync(ws, streams=["tickets"])
        auth = {r.headers.get("authorization", "")[:7] for r in server.requests}

    assert result.ok, result.line
    assert summary.streams[0].stored > 0
    assert auth == {"Bearer "}


def test_check_names_the_settings_to_fix(
    server: ZendeskStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZD_TOKEN", "wrong-token-123")
    with workspace(server) as ws:
        (result,) = check_sources(ws)

    assert not result.ok
    assert result.line.startswith("zd (zendesk): Zendesk at http://127.0.0.1:")
    assert "HTTP 401" in result.line
    assert result.line.endswith(
        "check settings.email and settings.api_token (Admin Center > Apps and integrations "
        "> Zendesk API)"
    )
    assert "wrong-token-123" not in result.line


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"base_url": None}, "set subdomain"),
        ({"email": None}, "'email' is a dependency of 'api_token'"),
        ({"email": None, "api_token": None}, "set email and api_token"),
        ({"subdomian": "acme"}, "subdomian"),
        ({"page_size": 5000}, "page_size"),
    ],
)
def test_settings_errors_say_what_to_fix(
    server: ZendeskStandin, overrides: dict[str, Any], expected: str
) -> None:
    raw = {k: v for k, v in {**settings(server), **overrides}.items() if v is not None}
    with workspace(server) as ws:
        ws.config.sources["zd"].settings.clear()  # type: ignore[attr-defined]
        ws.config.sources["zd"].settings.update(raw)  # type: ignore[attr-defined]
        with pytest.raises(ConfigError) as err:
            open_source(ws, "zd")

    assert expected in str(err.value)
    assert TOKEN not in str(err.value)


def test_subdomain_gives_the_zendesk_url() -> None:
    source = ZendeskSource({"subdomain": "acme", "email": "a@b.c", "api_token": "t0k3n-x"})

    assert source.base_url == "https://acme.zendesk.com"
    assert source.export.rate_limiter is not None
    assert source.export.rate_limiter.max_requests == 10  # the documented export limit


def test_export_pacing_never_triggers_429(server: ZendeskStandin) -> None:
    """With the stand-in enforcing 10 export requests per minute on the same (fake) time line,
    the client's limiter keeps every request under it; without the limiter, 429s follow."""
    from cxcore.testing.standin import RateLimit

    results = {}
    for rpm in (10, 0):
        clock = FakeClock(wall=time.time())
        server.clock = lambda clock=clock: clock.time()
        server.rate_limits[:] = [
            RateLimit(10, 60.0, name="incremental", path=r"^/api/v2/incremental/")
        ]
        server.clear_log()
        before = server.served_429
        with workspace(server, incremental_requests_per_minute=rpm, page_size=10) as ws:
            summary = sync_sources(ws, streams=["users", "tickets"], clock=clock)
        requests = len(server.requests_to("/incremental/"))
        results[rpm] = (summary.ok, server.served_429 - before, requests, clock.slept)

    ok, served_429, requests, slept = results[10]
    assert ok and served_429 == 0
    assert requests > 20
    # Evenly spaced at 60 s / 10 (plus 2% headroom): the floor set by the limit, not more.
    assert (requests - 1) * 6.0 <= slept <= (requests - 1) * 6.0 * 1.03 + 1
    unpaced_ok, unpaced_429, _, _ = results[0]
    assert unpaced_ok and unpaced_429 > 0  # Retry-After obeyed, but the vendor had to say so


# -- CLI ---------------------------------------------------------------------------------------


def _project(tmp_path: Path, server: ZendeskStandin) -> Path:
    path = tmp_path / "cxcore.toml"
    path.write_text(
        f"""
[store]
plugin = "duckdb"
path = "store.duckdb"

[sources.support]
plugin = "zendesk"

[sources.support.settings]
base_url = "{server.base_url}"
email = "admin@example.com"
api_token = {{env = "ZD_TOKEN"}}
page_size = 50
list_page_size = 50
incremental_requests_per_minute = 0
requests_per_minute = 0
""",
        encoding="utf-8",
    )
    return path


def test_cli_check_wrong_token_prints_one_line_and_fails(
    server: ZendeskStandin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = _project(tmp_path, server)
    monkeypatch.setenv("ZD_TOKEN", "wrong-token-123")

    result = CliRunner().invoke(cli, ["--config", str(config), "sources", "check"])

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: support (zendesk): Zendesk at ")
    assert "check settings.email and settings.api_token" in lines[0]


def test_cli_sync_shows_progress_and_a_summary(server: ZendeskStandin, tmp_path: Path) -> None:
    config = _project(tmp_path, server)

    first = CliRunner().invoke(cli, ["--config", str(config), "sources", "sync"])
    again = CliRunner().invoke(
        cli, ["--config", str(config), "sources", "sync", "--format", "json", "--quiet"]
    )
    discover = CliRunner().invoke(
        cli, ["--config", str(config), "sources", "discover", "support", "--format", "json"]
    )

    assert first.exit_code == 0, first.output
    assert "support/tickets:" in first.stderr and "rec/s" in first.stderr
    header = first.stdout.splitlines()[0].split()
    assert header[:5] == ["source", "stream", "status", "pages", "records"]
    assert "support  tickets" in first.stdout
    data = json.loads(again.stdout)
    assert data["ok"] and data["inserted"] == 0 and data["updated"] == 0
    assert [s["name"] for s in json.loads(discover.stdout)] == [
        "users",
        "tickets",
        "ticket_metrics",
        "satisfaction_ratings",
    ]
