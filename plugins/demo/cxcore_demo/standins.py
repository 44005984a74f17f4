"""The vendor stand-ins the demo serves its company from, started in-process on 127.0.0.1.

The Zendesk and Medallia stand-ins are used as the plugins ship them. HubSpot's is extended
with the one endpoint the HubSpot source calls that it does not serve: the v4 batch
associations read, which gives each deal its contact. Without it the source stores deals
without a ``customer_id`` (it says so in a warning), and the deals would fall off the
customers' journeys, taking the funnel's consider and buy steps with them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxcore_hubspot.standin import HubSpotStandin
from cxcore_medallia.standin import MedalliaStandin
from cxcore_zendesk.standin import ZendeskStandin

from cxcore.testing.standin import Request, Response, Route, StandinError, json_response

from .company import SUBDOMAIN, Company

__all__ = [
    "MEDALLIA_CLIENT_ID",
    "MEDALLIA_COMPANY",
    "ZENDESK_EMAIL",
    "DemoHubSpotStandin",
    "Standins",
    "serve",
]

ZENDESK_EMAIL = f"cx-bot@{SUBDOMAIN}.example.com"
MEDALLIA_CLIENT_ID = "cxcore-demo"
MEDALLIA_COMPANY = SUBDOMAIN


class DemoHubSpotStandin(HubSpotStandin):
    """The HubSpot stand-in plus ``POST /crm/v4/associations/{from}/{to}/batch/read``.

    Answers like HubSpot's v4 API: ``{"status": "COMPLETE", "results": [{"from": {"id"},
    "to": [{"toObjectId", "associationTypes"}]}]}`` for every input that has associations
    of the requested type (records carry them as ``associations`` in the v3 list shape).
    """

    def routes(self) -> Sequence[Route]:
        obj = r"(?P<from_type>[A-Za-z0-9_\-]+)/(?P<to_type>[A-Za-z0-9_\-]+)"
        return (
            Route("POST", rf"/crm/v4/associations/{obj}/batch/read", self._associations),
            *super().routes(),
        )

    def _associations(self, request: Request, from_type: str, to_type: str) -> Response:
        try:
            body = request.json()
            inputs = [str(item["id"]) for item in body["inputs"]]
        except (ValueError, KeyError, TypeError):
            raise StandinError(
                json_response(
                    {
                        "status": "error",
                        "message": "Invalid input JSON",
                        "category": "VALIDATION_ERROR",
                    },
                    400,
                )
            ) from None
        results: list[dict[str, Any]] = []
        for object_id in inputs:
            try:
                record = self.get(from_type, object_id)
            except KeyError:
                continue
            found = ((record.get("associations") or {}).get(to_type) or {}).get("results") or ()
            to = [
                {
                    "toObjectId": int(a["id"]),
                    "associationTypes": [
                        {"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}
                    ],
                }
                for a in found
                if isinstance(a, Mapping) and a.get("id") is not None
            ]
            if to:
                results.append({"from": {"id": object_id}, "to": to})
        return json_response({"status": "COMPLETE", "results": results})


@dataclass(frozen=True)
class Standins:
    """The three running stand-ins and the base URLs the demo's sources point at."""

    zendesk: ZendeskStandin
    hubspot: DemoHubSpotStandin
    medallia: MedalliaStandin

    @property
    def requests(self) -> int:
        """Requests served so far, all three together."""
        return sum(len(s.requests) for s in (self.zendesk, self.hubspot, self.medallia))


@contextlib.contextmanager
def serve(
    company: Company, *, zendesk_token: str, hubspot_token: str, medallia_secret: str
) -> Iterator[Standins]:
    """Start the three stand-ins with ``company``'s data; stop them on exit.

    Rate limits stay off (the stand-ins' default) and the sources are configured not to
    pace themselves either: against a local server, pacing would only slow the demo down.
    """
    with contextlib.ExitStack() as stack:
        zendesk = stack.enter_context(
            ZendeskStandin(
                **company.zendesk, email=ZENDESK_EMAIL, token=zendesk_token, subdomain=SUBDOMAIN
            )
        )
        hubspot = stack.enter_context(
            DemoHubSpotStandin(
                contacts=company.hubspot["contacts"],
                deals=company.hubspot["deals"],
                feedback_submissions=company.hubspot["feedback_submissions"],
                properties=company.hubspot["properties"],
                token=hubspot_token,
            )
        )
        medallia = stack.enter_context(
            MedalliaStandin(
                company.medallia["records"],
                client_id=MEDALLIA_CLIENT_ID,
                client_secret=medallia_secret,
                fields=company.medallia["fields"],
                company=MEDALLIA_COMPANY,
            )
        )
        yield Standins(zendesk=zendesk, hubspot=hubspot, medallia=medallia)
