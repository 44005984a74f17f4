"""The cxcore source contract, run against the Medallia stand-in.

Two contract checks are replaced by Medallia-shaped versions (same intent, see each
docstring): the Query API is POST-only, and an OAuth client-credentials source recovers from
a single 401 by fetching a new token instead of failing.
"""

from __future__ import annotations

from typing import Any

import cxcore_medallia
from cxcore_medallia.standin import MedalliaStandin, sample_dataset

from cxcore.testing.contract import DriftCase, SourceContract, snapshot
from cxcore.testing.standin import Fault, FaultKind, FaultPlan, StandinServer

pytest_plugins = ["cxcore.testing"]

CLIENT_ID = "cxcore-contract-client"
CLIENT_SECRET = "md-contract-secret-7c41e0"
DATA = sample_dataset(40, seed=3)
QUERY = "/data/v0/query"


def settings_for(server: StandinServer, secret: str = CLIENT_SECRET) -> dict[str, Any]:
    """Small pages so the stream spans several; no client-side pacing (fake clock)."""
    return {
        "token_url": server.url("/oauth/company/token"),
        "query_url": server.url(QUERY),
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "page_size": 10,
        "requests_per_second": 0,
    }


def _failures(summary: Any) -> str:
    return "; ".join(f"{s.stream}: {s.error}" for s in summary.failed) or "no failures"


class TestMedalliaContract(SourceContract):
    plugin = cxcore_medallia
    source_type = "medallia"
    skip = {
        "test_deletes_become_tombstones": "the Query API does not report deleted records",
    }

    def standin(self, faults: FaultPlan) -> MedalliaStandin:
        return MedalliaStandin(
            **DATA, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, faults=faults
        )

    def settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server)

    def bad_settings(self, server: StandinServer) -> dict[str, Any]:
        return settings_for(server, secret="not-the-client-secret")

    def drift(self, server: StandinServer) -> DriftCase:
        assert isinstance(server, MedalliaStandin)
        first, second = server.records[:2]
        server.add_record({**first, "e_loyalty_tier": "gold"})
        server.add_record({k: v for k, v in second.items() if k != "e_touchpoint"})
        return DriftCase(
            kind="response",
            record_id=f"{first['a_surveyid']}:nps",
            field="e_loyalty_tier",
            value="gold",
        )

    def test_401_fails_stream_then_recovers(self) -> None:
        """A 401 mid-sync: one is recovered by a new token; a persistent one fails the stream
        clearly (HTTP 401, the credential to check); the next sync completes the data."""
        once = Fault(FaultKind.UNAUTHORIZED, path=QUERY, at=1)
        summary, snap, _clock = self.run_with_faults(once)

        assert summary.ok, _failures(summary)
        assert once.fired == 1
        assert snap == self.reference()

        persistent = Fault(FaultKind.UNAUTHORIZED, path=QUERY, at=1, times=2)
        with (
            self.standin(FaultPlan([persistent])) as server,
            self.workspace(self.settings(server)) as ws,
        ):
            first = self.sync(ws)
            second = self.sync(ws)
            snap = snapshot(ws)

        assert not first.ok
        failed = first.failed[0]
        assert failed.error_type == "AuthError"
        assert failed.error is not None and "\n" not in failed.error
        assert "401" in failed.error and "settings.client_secret" in failed.error
        assert second.ok, _failures(second)
        assert snap == self.reference()
