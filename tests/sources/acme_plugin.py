"""A complete third-party-style source plugin for an imaginary helpdesk, "Acme".

This is the code of ``docs/write-a-source-plugin.md``, kept here so it is tested: a stand-in
of the vendor API (:class:`AcmeStandin`), the source (:class:`AcmeSource`) and its hook
implementations. The core tests run the :class:`~cxcore.testing.contract.SourceContract`
against it exactly as a plugin author would.

The imaginary API:

* ``GET /v1/me`` — who the bearer token belongs to;
* ``GET /v1/customers?after=&limit=`` and ``GET /v1/tickets?after=&limit=`` — records
  ordered by ``(updated_at, id)``; the body is ``{"data": [...], "next": "<cursor>",
  "has_more": bool}``; ``after=<cursor>`` continues after a record, so a cursor saved at
  the end of one sync returns only what changed since.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import cxcore
from cxcore.sdk import (
    BearerToken,
    CursorInBody,
    MappingContext,
    PageLike,
    Source,
    Stream,
    secret_setting,
    settings_schema,
)
from cxcore.sdk.clock import Clock
from cxcore.testing.standin import (
    Request,
    Response,
    Route,
    StandinServer,
    bearer_token,
    decode_cursor,
    encode_cursor,
    json_response,
)

# -- the stand-in of the vendor API -------------------------------------------------------------


class AcmeStandin(StandinServer):
    """Serves ``customers`` and ``tickets`` the way the imaginary Acme API documents them."""

    vendor = "acme"

    def __init__(
        self,
        customers: Sequence[Mapping[str, Any]],
        tickets: Sequence[Mapping[str, Any]],
        *,
        token: str = "acme-secret-token",
        page_size: int = 5,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.data = {
            "customers": {c["id"]: dict(c) for c in customers},
            "tickets": {t["id"]: dict(t) for t in tickets},
        }
        self.token = token
        self.page_size = page_size

    def routes(self) -> Sequence[Route]:
        return [
            Route("GET", r"/v1/me", self._me),
            Route("GET", r"/v1/(?P<resource>customers|tickets)", self._list),
        ]

    def authenticate(self, request: Request) -> Response | None:
        if bearer_token(request.header("authorization")) == self.token:
            return None
        return json_response({"error": "invalid_token"}, 401)

    def _me(self, request: Request) -> Response:
        return json_response({"name": "Acme admin", "account": "acme-demo"})

    def _list(self, request: Request, resource: str) -> Response:
        limit = int(request.param("limit") or self.page_size)
        with self.lock:
            rows = sorted(self.data[resource].values(), key=lambda r: (r["updated_at"], r["id"]))
        after = request.param("after")
        if after:
            position = tuple(decode_cursor(after))
            rows = [r for r in rows if (r["updated_at"], r["id"]) > position]
        page = rows[:limit]
        cursor = encode_cursor([page[-1]["updated_at"], page[-1]["id"]]) if page else after
        return json_response({"data": page, "next": cursor, "has_more": len(rows) > limit})


def sample_data(customers: int = 12, tickets: int = 30) -> dict[str, list[dict[str, Any]]]:
    """Deterministic customers and tickets (some with a CSAT score, one deleted)."""
    start = 1_704_067_200  # 2024-01-01
    people = [
        {
            "id": 100 + i,
            "email": f"Person.{i}@Example.com",
            "name": f"Person {i}",
            "updated_at": start + i * 3600,
        }
        for i in range(customers)
    ]
    channels = ("email", "web", "phone", "chat")
    rows = []
    for i in range(tickets):
        row: dict[str, Any] = {
            "id": 1000 + i,
            "customer_id": 100 + i % customers,
            "channel": channels[i % len(channels)],
            "status": "deleted" if i == 7 else ("solved" if i % 2 else "open"),
            "created_at": start + i * 7200,
            "updated_at": start + i * 7200 + 600,
            "priority": "high" if i % 5 == 0 else "normal",
        }
        if i % 3 == 0:
            row["csat"] = 1 + i % 5
        rows.append(row)
    return {"customers": people, "tickets": rows}


# -- the source ---------------------------------------------------------------------------------

CUSTOMER_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/acme/customer.json",
    "type": "object",
    "required": ["id", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": ["string", "null"]},
        "name": {"type": ["string", "null"]},
        "updated_at": {"type": "integer"},
    },
}

TICKET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/acme/ticket.json",
    "type": "object",
    "required": ["id", "created_at", "updated_at", "status"],
    "properties": {
        "id": {"type": "integer"},
        "customer_id": {"type": ["integer", "null"]},
        "channel": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "created_at": {"type": "integer"},
        "updated_at": {"type": "integer"},
        "priority": {"type": ["string", "null"]},
        "csat": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
    },
}

CSAT_1_5 = {
    "min": 1,
    "max": 5,
    "buckets": [
        {"name": "unsatisfied", "low": 1, "high": 3},
        {"name": "satisfied", "low": 4, "high": 5},
    ],
}


class AcmeSource(Source):
    """Customers and tickets of an Acme helpdesk account."""

    streams = (
        Stream(
            name="customers",
            schema=CUSTOMER_SCHEMA,
            primary_key="id",
            cursor_field="updated_at",
            description="Customers, e-mail hashed.",
            produces=("customer",),
        ),
        Stream(
            name="tickets",
            schema=TICKET_SCHEMA,
            primary_key="id",
            cursor_field="updated_at",
            description="Tickets and their CSAT score.",
            produces=("interaction", "response"),
        ),
    )
    default_channels = {"phone": "phone", "email": "email", "web": "web", "chat": "chat"}
    default_stages = {"ticket": "support"}

    def __init__(self, settings: Mapping[str, Any], *, clock: Clock | None = None) -> None:
        super().__init__(settings, clock=clock)
        token = self.secret("token")
        assert token is not None  # required by the settings schema
        self.client = self.http_client(
            settings.get("base_url", "https://api.acme.example"),
            auth=BearerToken(token, description="Acme API token (settings.token)"),
        )
        self.page_size = int(settings.get("page_size", 100))

    def check(self) -> str:
        me = self.client.get("/v1/me").body
        return f"authenticated as {me['name']} on account {me['account']}"

    def read(self, stream: Stream, state: Mapping[str, Any] | None) -> Iterator[PageLike]:
        pager = CursorInBody(
            "data", cursor_path="next", is_last=lambda body: not body["has_more"], param="after"
        )
        fetch = self.client.fetcher(f"/v1/{stream.name}", params={"limit": self.page_size})
        return pager.pages(fetch, state=state)

    def map_record(
        self, stream: Stream, record: Any, ctx: MappingContext
    ) -> Iterator[Mapping[str, Any]]:
        if stream.name == "customers":
            yield ctx.customer(
                id=record["id"],
                identities=ctx.identities(email=record.get("email")),
                attributes={"name": ctx.personal(record.get("name")), **ctx.extras(stream, record)},
                updated_at=record["updated_at"],
            )
            return
        deleted = record["status"] == "deleted"
        common = {
            "customer_id": record.get("customer_id"),
            "channel": ctx.channel(record.get("channel")),
            "stage": ctx.stage("ticket"),
            "journey_instance": record["id"],
        }
        yield ctx.interaction(
            id=f"ticket:{record['id']}",
            type="ticket.created",
            occurred_at=record["created_at"],
            attributes={
                "status": record["status"],
                "priority": record.get("priority"),
                **ctx.extras(stream, record),
            },
            deleted=deleted,
            **common,
        )
        if record.get("csat") is not None:
            yield ctx.response(
                id=f"csat:{record['id']}",
                item="csat",
                value=record["csat"],
                scale=CSAT_1_5,
                occurred_at=record["updated_at"],
                deleted=deleted,
                **common,
            )


CONFIG_SCHEMA = settings_schema(
    {
        "base_url": {"type": "string", "pattern": "^https?://"},
        "token": secret_setting("Acme API token"),
        "page_size": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    required=["token"],
)


@cxcore.hookimpl
def cxcore_sources() -> Iterator[cxcore.SourceSpec]:
    yield cxcore.SourceSpec(
        name="acme",
        factory=AcmeSource,
        config_schema=CONFIG_SCHEMA,
        description="Acme helpdesk: customers and tickets",
    )
