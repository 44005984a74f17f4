"""The contract kit, run against a third-party-style plugin (tests/sources/acme_plugin.py).

This is what a plugin author writes; it also proves the kit works for sources other than the
built-in vendors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import acme_plugin
from acme_plugin import AcmeStandin, sample_data

from cxcore.testing.contract import DeleteCase, DriftCase, SourceContract
from cxcore.testing.standin import FaultPlan, StandinServer


class TestAcmeContract(SourceContract):
    plugin = acme_plugin
    source_type = "acme"

    def standin(self, faults: FaultPlan) -> AcmeStandin:
        return AcmeStandin(**sample_data(), faults=faults)

    def settings(self, server: StandinServer) -> dict[str, Any]:
        return {"base_url": server.base_url, "token": "acme-secret-token", "page_size": 5}

    def bad_settings(self, server: StandinServer) -> dict[str, Any]:
        return {**self.settings(server), "token": "wrong-token-000"}

    def drift(self, server: StandinServer) -> DriftCase:
        assert isinstance(server, AcmeStandin)
        tickets = server.data["tickets"]
        tickets[1000]["sentiment"] = "angry"
        del tickets[1001]["priority"]
        return DriftCase(kind="interaction", record_id="ticket:1000", field="sentiment",
                         value="angry")  # fmt: skip

    def delete(self, server: StandinServer) -> Sequence[DeleteCase]:
        assert isinstance(server, AcmeStandin)
        ticket = server.data["tickets"][1003]
        ticket.update(status="deleted", updated_at=ticket["updated_at"] + 10**7)
        return [
            DeleteCase(kind="interaction", record_id="ticket:1003"),
            DeleteCase(kind="response", record_id="csat:1003"),
        ]
