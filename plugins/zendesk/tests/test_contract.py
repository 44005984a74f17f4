"""The cxcore source contract, run against the Zendesk stand-in."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import cxcore_zendesk
import pytest
from cxcore_zendesk.standin import ZendeskStandin, sample_dataset

# Richer assertion messages from the contract kit (a plugin's own tests/conftest.py would say
# pytest_plugins = ["cxcore.testing"], which does this and adds the cx_* fixtures).
pytest.register_assert_rewrite("cxcore.testing.contract")

from cxcore.testing.contract import DeleteCase, DriftCase, SourceContract  # noqa: E402
from cxcore.testing.standin import FakeClock as StandinClock  # noqa: E402
from cxcore.testing.standin import FaultPlan, StandinServer, iso_z  # noqa: E402

TOKEN = "zd-contract-token-5f3a9c"
DATA = sample_dataset(60, seed=7)


def settings_for(server: StandinServer, token: str = TOKEN) -> dict[str, Any]:
    """Small pages so every stream spans several; no client-side pacing (fake clock)."""
    return {
        "base_url": server.base_url,
        "email": "admin@example.com",
        "api_token": token,
        "page_size": 20,
        "list_page_size": 10,
        "incremental_requests_per_minute": 0,
        "requests_per_minute": 0,
    }


class TestZendeskContract(SourceContract):
    plugin = cxcore_zendesk
    source_type = "zendesk"

    def standin(self, faults: FaultPlan) -> ZendeskStandin:
        # Its own clock, so delete() can let the export's one-minute hold-back pass.
        return ZendeskStandin(**DATA, token=TOKEN, faults=faults, clock=StandinClock(time.time()))

    def settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server)

    def bad_settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server, token="not-the-token-1234")

    def drift(self, server: StandinServer) -> DriftCase:
        assert isinstance(server, ZendeskStandin)
        first, second = [t for t in server.tickets if t["status"] == "open"][:2]
        server.put_ticket({**first, "x_sentiment": "positive"}, touch=False)
        server.put_ticket({k: v for k, v in second.items() if k != "priority"}, touch=False)
        return DriftCase(
            kind="interaction",
            record_id=f"ticket:{first['id']}:created",
            field="x_sentiment",
            value="positive",
        )

    def delete(self, server: StandinServer) -> Sequence[DeleteCase]:
        assert isinstance(server, ZendeskStandin)
        rated = next(
            t for t in server.tickets if t["status"] == "solved" and t["satisfaction_rating"]
        )
        server.delete_ticket(rated["id"])
        # Zendesk stops listing the metrics of a deleted ticket; the stand-in keeps them.
        with server.lock:
            for metric in server.ticket_metrics:
                if metric["ticket_id"] == rated["id"]:
                    server._metrics.remove(metric["id"])
        user = next(u for u in server.users if u["role"] == "end-user")
        server.update_user(user["id"], active=False)
        offered = next(r for r in server.satisfaction_ratings if r["score"] == "good")
        server.put_satisfaction_rating(
            {**offered, "score": "unoffered", "updated_at": iso_z(time.time() - 3600)},
            touch=False,
        )
        clock = server.clock
        assert isinstance(clock, StandinClock)
        clock.advance(120)  # past the export's one-minute hold-back
        return [
            DeleteCase(kind="interaction", record_id=f"ticket:{rated['id']}:created"),
            DeleteCase(kind="interaction", record_id=f"ticket:{rated['id']}:metrics"),
            DeleteCase(kind="response", record_id=f"csat:{rated['satisfaction_rating']['id']}"),
            DeleteCase(kind="customer", record_id=str(user["id"])),
            DeleteCase(kind="response", record_id=f"csat:{offered['id']}"),
        ]
