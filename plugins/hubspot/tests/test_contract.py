"""The cxcore source contract (``cxcore.testing.contract``), run against the HubSpot stand-in."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import cxcore_hubspot
from cxcore_hubspot.standin import HubSpotStandin, sample_dataset

from cxcore.testing.contract import DeleteCase, DriftCase, SourceContract
from cxcore.testing.standin import FakeClock as StandinClock
from cxcore.testing.standin import FaultPlan, StandinServer

pytest_plugins = ["cxcore.testing"]

TOKEN = "pat-na1-contract-4c1e9b7a"
DATA = sample_dataset(60, seed=11)
# A property the account adds after the plugin was written: listed by the properties API,
# so the plugin requests it, and kept in attributes because the mapping does not know it.
NEW_PROPERTY = {
    "name": "x_nps_driver",
    "label": "NPS driver",
    "type": "string",
    "fieldType": "text",
    "options": [],
}


def settings_for(server: StandinServer, token: str = TOKEN) -> dict[str, Any]:
    """Small pages so every stream spans several; no client-side pacing (fake clock)."""
    return {
        "base_url": server.base_url,
        "access_token": token,
        "page_size": 10,
        "list_page_size": 10,
        "requests_per_10_seconds": 0,
        "search_requests_per_second": 0,
    }


class TestHubSpotContract(SourceContract):
    plugin = cxcore_hubspot
    source_type = "hubspot"

    def standin(self, faults: FaultPlan) -> HubSpotStandin:
        return HubSpotStandin(
            **DATA,
            properties={"feedback_submissions": [NEW_PROPERTY]},
            token=TOKEN,
            faults=faults,
            clock=StandinClock(time.time()),
        )

    def settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server)

    def bad_settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server, token="pat-na1-not-the-token")

    def drift(self, server: StandinServer) -> DriftCase:
        assert isinstance(server, HubSpotStandin)
        first, second = server.objects("feedback_submissions")[:2]
        server.update("feedback_submissions", first["id"], x_nps_driver="support")
        server.update("feedback_submissions", second["id"], hs_content=None, hs_survey_channel=None)
        return DriftCase(
            kind="response",
            record_id=f"feedback:{first['id']}",
            field="x_nps_driver",
            value="support",
        )

    def delete(self, server: StandinServer) -> Sequence[DeleteCase]:
        assert isinstance(server, HubSpotStandin)
        live = {
            name: [r for r in server.objects(name) if not r["archived"]]
            for name in ("contacts", "deals", "tickets", "feedback_submissions")
        }
        contact, deal, ticket, answer = (
            live["contacts"][0],
            live["deals"][0],
            live["tickets"][0],
            live["feedback_submissions"][0],
        )
        for name, record in (
            ("contacts", contact),
            ("deals", deal),
            ("tickets", ticket),
            ("feedback_submissions", answer),
        ):
            server.archive(name, record["id"])
        stage = deal["properties"]["dealstage"]
        return [
            DeleteCase(kind="customer", record_id=contact["id"]),
            DeleteCase(kind="interaction", record_id=f"deal:{deal['id']}:created"),
            DeleteCase(kind="interaction", record_id=f"deal:{deal['id']}:stage:{stage}"),
            DeleteCase(kind="interaction", record_id=f"ticket:{ticket['id']}:created"),
            DeleteCase(kind="response", record_id=f"feedback:{answer['id']}"),
        ]
