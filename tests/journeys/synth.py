"""A synthetic company for journey benchmarks and statistical checks (not exact-answer tests).

``company(n_customers, seed)`` returns wire-format records of three sources over 2024:

* ``crm``: customers with an e-mail identity and a segment, and their sales journey
  (discover, consider, buy, onboard, use, renew) on web, email, phone and store;
* ``desk``: the same people as helpdesk users (same e-mail hash, for 90 % of them) and their
  support tickets: ``ticket.created`` per contact, ``ticket.solved``, some ``ticket.reopened``;
  chat tickets switch to phone before resolution with probability ``chat_switch`` and e-mail
  tickets with ``email_switch`` (the follow-up is a new phone ticket within two days);
* ``survey``: CSAT (1-5) after solved tickets and NPS (0-10) at the use stage.

About 60 events per customer: 5,000 customers give ~300,000 events.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from cxcore import Channel, Journey, Segment, Stage, Touchpoint

START = datetime(2024, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=366)


def journey() -> Journey:
    stages = ("discover", "consider", "buy", "onboard", "use", "support", "renew")
    channels = ("web", "email", "phone", "chat", "store")
    return Journey(
        id="synthetic",
        name="Synthetic company",
        stages=[Stage(id=s) for s in stages],
        channels=[Channel(id=c) for c in channels],
        segments=[Segment(id="consumer"), Segment(id="business")],
        touchpoints=[
            Touchpoint(stage="support", channel="phone", importance=5, moment_of_truth=True),
            Touchpoint(stage="support", channel="chat", importance=4),
            Touchpoint(stage="support", channel="email", importance=3),
            Touchpoint(stage="buy", channel="web", importance=4, moment_of_truth=True),
        ],
    )


def _ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def company(
    n_customers: int = 5000,
    seed: int = 7,
    *,
    chat_switch: float = 0.30,
    email_switch: float = 0.15,
    use_events: tuple[int, int] = (40, 200),
) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    customers: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []
    n_int = 0

    def interaction(
        source: str,
        cid: str,
        t: datetime,
        stage: str,
        channel: str,
        type_: str,
        ji: str | None = None,
    ) -> None:
        nonlocal n_int
        n_int += 1
        rec: dict[str, Any] = {
            "source": source,
            "id": f"i{n_int}",
            "type": type_,
            "occurred_at": _ts(t),
            "customer_id": cid,
            "stage": stage,
            "channel": channel,
        }
        if ji is not None:
            rec["journey_instance"] = ji
        interactions.append(rec)

    def response(
        cid: str,
        t: datetime,
        item: str,
        value: int,
        scale: dict[str, Any],
        stage: str,
        channel: str,
        ji: str | None = None,
    ) -> None:
        rec: dict[str, Any] = {
            "source": "survey",
            "id": f"r{len(responses)}",
            "item": item,
            "value": value,
            "scale": scale,
            "occurred_at": _ts(t),
            "customer_id": cid,
            "stage": stage,
            "channel": channel,
        }
        if ji is not None:
            rec["journey_instance"] = ji
        responses.append(rec)

    n_ticket = 0
    for n in range(n_customers):
        email = f"h{n:06d}"
        segment = "business" if rng.random() < 0.3 else "consumer"
        crm, desk, srv = f"c{n}", f"u{n}", f"s{n}"
        customers.append(
            {"source": "crm", "id": crm, "segment": segment, "identities": {"email": email}}
        )
        desk_ids = {"email": email} if rng.random() < 0.9 else {}
        customers.append({"source": "desk", "id": desk, "identities": desk_ids})
        customers.append({"source": "survey", "id": srv, "identities": {"email": email}})
        t = START + timedelta(seconds=rng.random() * YEAR.total_seconds() * 0.5)
        end = START + YEAR
        # Sales journey.
        reached = ["discover"]
        for stage, p in (("consider", 0.7), ("buy", 0.6), ("onboard", 0.85), ("use", 0.95)):
            if rng.random() < p:
                reached.append(stage)
            else:
                break
        for stage in reached:
            for _ in range(rng.randint(2, 16) if stage != "use" else rng.randint(*use_events)):
                channel = rng.choice(("web", "web", "email", "phone", "store"))
                interaction("crm", crm, t, stage, channel, f"{stage}.event")
                t += timedelta(hours=rng.expovariate(1 / 20))
                if t > end:
                    break
        if "use" not in reached:
            continue
        # NPS at the use stage.
        if rng.random() < 0.6:
            response(
                srv,
                min(t, end),
                "nps",
                rng.choice(range(11)),
                {"min": 0, "max": 10},
                "use",
                "email",
            )
        # Support tickets.
        ts = START + timedelta(seconds=rng.random() * YEAR.total_seconds())
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4, 5))):
            ts += timedelta(days=rng.expovariate(1 / 40))
            if ts > end:
                break
            n_ticket += 1
            channel = rng.choice(("chat", "email", "phone"))
            ticket = f"T{n_ticket}"
            interaction("desk", desk, ts, "support", channel, "ticket.created", ticket)
            switch_p = {"chat": chat_switch, "email": email_switch}.get(channel, 0.0)
            solved_at = ts + timedelta(hours=rng.expovariate(1 / 30))
            if rng.random() < switch_p:
                n_ticket += 1
                follow = f"T{n_ticket}"
                tf = ts + timedelta(hours=rng.uniform(1, 20))
                solved_at = tf + timedelta(hours=rng.expovariate(1 / 10))
                interaction("desk", desk, tf, "support", "phone", "ticket.created", follow)
                interaction("desk", desk, solved_at, "support", "phone", "ticket.solved", follow)
            interaction("desk", desk, solved_at, "support", channel, "ticket.solved", ticket)
            if rng.random() < 0.08:
                interaction(
                    "desk",
                    desk,
                    solved_at + timedelta(days=rng.uniform(0.5, 10)),
                    "support",
                    channel,
                    "ticket.reopened",
                    ticket,
                )
            if rng.random() < 0.5:
                response(
                    srv,
                    solved_at + timedelta(hours=2),
                    "csat",
                    rng.randint(1, 5),
                    {"min": 1, "max": 5},
                    "support",
                    channel,
                    ticket,
                )
        if rng.random() < 0.4:
            interaction(
                "crm",
                crm,
                end - timedelta(days=rng.uniform(1, 60)),
                "renew",
                "email",
                "renew.event",
            )
    return {"customer": customers, "interaction": interactions, "response": responses}
