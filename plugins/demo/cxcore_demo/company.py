"""Northwind Mobile: a synthetic mobile operator whose customers the demo analyses.

:func:`build_company` returns one year (2024) of vendor-shaped data for ``customers`` people,
deterministic from ``seed``:

* **Zendesk** (help desk): end users, tickets (e-mail, chat, phone, web form, app), ticket
  metrics (reply and resolution times, reopens) and satisfaction ratings (good / bad);
* **HubSpot** (CRM): contacts with their lifecycle history (lead, marketing-qualified,
  opportunity, customer, and the operator's custom stages *Active customer*, *Renewed
  customer* and *Former customer*), new-business deals, and feedback submissions (quarterly
  relationship NPS, CES after onboarding);
* **Medallia** (voice of the customer): transactional surveys (likelihood to recommend 0-10
  and overall satisfaction 1-5) at touchpoints, with the touchpoint, channel and segment.

The same people appear in every tool with the same e-mail address (and the same customer id
in Zendesk and Medallia), so cxcore's identity stitching joins them into one journey each.
People come from :func:`cxcore.testing.standin.sample_people`, like the plugins' own samples.

The company
-----------
About 55 % of the people are customers when the year starts (contracts renew or end during
the year); the others are prospects who discover the operator during the year, and about half
of them buy. Segments: consumers (about 76 %), small businesses and enterprises. The journey
has seven stages (discover, consider, buy, onboard, use, support, renew) and six channels
(web, app, email, phone, chat, store); :data:`TOUCHPOINTS` states who owns each touchpoint,
how important it is to customers (1-5) and which are moments of truth.

Planted truths
--------------
Three findings are built into the data on purpose; the demo's tests assert that the report
finds each of them (``plugins/demo/tests``):

(a) **Phone support is the top priority.** ``support.phone`` has the highest stated importance
    (5 of 5, a moment of truth) and clearly the lowest satisfaction of any touchpoint
    (:data:`TOUCHPOINT_CSAT`: about 36 % satisfied, against 60-90 % elsewhere), so the
    importance-performance analysis ranks it first, "concentrate here"
    (:data:`PLANTED_PRIORITY`).
(b) **Chat users switch to phone twice as often as e-mail users.** A chat ticket is followed by
    a phone ticket on the same issue before the chat is solved in 24 % of cases, an e-mail
    ticket in 12 % (:data:`SWITCH_TO_PHONE`); other channels rarely switch. A customer's
    independent tickets are at least :data:`MIN_TICKET_GAP_DAYS` apart, so chance pairs do
    not blur the rates.
(c) **NPS drops in Q4 2024.** From 1 October (a price rise and a network migration), every
    likelihood-to-recommend answer is shifted towards detractors (:data:`NPS_DROP_SHIFT`),
    about 20 NPS points below Q3 (:data:`PLANTED_NPS_QUARTER`).

Secondary patterns, realistic and chosen not to mask the planted ones: enterprises are more
loyal than consumers (same shift in every quarter); sign-ups peak in November and December
(new phones), so does ticket volume in January; onboarding in the app and buying in a store are
the best-rated touchpoints; e-mail and web tickets wait hours for a first reply while chat and
phone are answered in minutes; phone tickets are reopened more often; about 16 % of contracts
that come up for renewal end instead, and 5 % of new customers cancel within the 14-day
cooling-off period (churn); 6 % of new customers exchange their device within a fortnight (a
new deal: back from onboarding to considering, the journey's backward moves).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from cxcore_hubspot.standin import _record as _hubspot_record
from cxcore_medallia.standin import sample_fields
from cxcore_zendesk.standin import _minutes, _user_record

from cxcore.testing.standin import Person, iso_z, sample_people

from .defaults import DEFAULT_CUSTOMERS, DEFAULT_SEED

__all__ = [
    "AS_OF",
    "CHANNELS",
    "COMPANY_NAME",
    "DEFAULT_SEED",
    "MIN_TICKET_GAP_DAYS",
    "NEVER_SOLVED",
    "NPS_DROP_SHIFT",
    "PLANTED_NPS_QUARTER",
    "PLANTED_PRIORITY",
    "SAME_CHANNEL_REPEAT",
    "SEGMENTS",
    "STAGES",
    "SWITCH_TO_PHONE",
    "TOUCHPOINTS",
    "TOUCHPOINT_CSAT",
    "YEAR_END",
    "YEAR_START",
    "Company",
    "TouchpointSpec",
    "build_company",
]

Record = dict[str, Any]

COMPANY_NAME: Final = "Northwind Mobile"


def _epoch(year: int, month: int, day: int = 1) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


YEAR_START: Final = _epoch(2024, 1, 1)
"""The first instant of the year the demo covers (UTC)."""
YEAR_END: Final = _epoch(2025, 1, 1)
"""The end of the year the demo covers (exclusive): no new customer, deal or ticket after it."""
AS_OF: Final = _epoch(2025, 1, 15)
"""When the data is read: tickets opened in late December are solved, rated and surveyed in
early January, as they would be in a sync a fortnight after the year."""
DAY: Final = 86_400.0
HOUR: Final = 3_600.0
MINUTE: Final = 60.0

# -- the journey ----------------------------------------------------------------------------

STAGES: Final[tuple[tuple[str, str], ...]] = (
    ("discover", "Discover"),
    ("consider", "Consider"),
    ("buy", "Buy"),
    ("onboard", "Onboard"),
    ("use", "Use"),
    ("support", "Get support"),
    ("renew", "Renew"),
)
"""Journey stages in order, with their labels."""

CHANNELS: Final[tuple[tuple[str, str], ...]] = (
    ("web", "Web"),
    ("app", "Mobile app"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("chat", "Chat"),
    ("store", "Store"),
)
"""Journey channels, with their labels."""

SEGMENTS: Final[tuple[tuple[str, str, float], ...]] = (
    ("consumer", "Consumers", 0.76),
    ("small_business", "Small businesses", 0.17),
    ("enterprise", "Enterprises", 0.07),
)
"""Segments: id, label, share of the people."""


@dataclass(frozen=True)
class TouchpointSpec:
    """One journey touchpoint as the demo's cxcore.toml declares it."""

    stage: str
    channel: str
    owner_team: str
    importance: int
    """Stated importance to customers, 1 (low) to 5 (high)."""
    moment_of_truth: bool = False
    pillars: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.stage}.{self.channel}"


TOUCHPOINTS: Final[tuple[TouchpointSpec, ...]] = (
    TouchpointSpec("discover", "web", "Brand marketing", 2, pillars=("expectations",)),
    TouchpointSpec("consider", "web", "E-commerce", 3, pillars=("expectations", "integrity")),
    TouchpointSpec("consider", "store", "Retail", 3, pillars=("personalisation",)),
    TouchpointSpec("buy", "web", "E-commerce", 4, True, ("time_and_effort", "integrity")),
    TouchpointSpec("buy", "store", "Retail", 4, True, ("personalisation", "empathy")),
    TouchpointSpec("buy", "phone", "Telesales", 3, pillars=("integrity",)),
    TouchpointSpec("onboard", "app", "Digital product", 4, True, ("time_and_effort",)),
    TouchpointSpec("onboard", "email", "Lifecycle marketing", 2, pillars=("expectations",)),
    TouchpointSpec("use", "app", "Digital product", 3, pillars=("time_and_effort",)),
    TouchpointSpec(
        "support", "phone", "Customer care", 5, True, ("resolution", "empathy", "time_and_effort")
    ),
    TouchpointSpec(
        "support", "chat", "Customer care", 4, pillars=("resolution", "time_and_effort")
    ),
    TouchpointSpec("support", "email", "Customer care", 3, pillars=("resolution",)),
    TouchpointSpec("support", "web", "Self-service", 2, pillars=("time_and_effort",)),
    TouchpointSpec("support", "app", "Self-service", 2, pillars=("time_and_effort",)),
    TouchpointSpec("support", "store", "Retail", 3, pillars=("empathy",)),
    TouchpointSpec("renew", "phone", "Retention", 4, True, ("integrity", "personalisation")),
    TouchpointSpec("renew", "web", "E-commerce", 3, pillars=("time_and_effort",)),
    TouchpointSpec("renew", "store", "Retail", 3, pillars=("personalisation",)),
)
"""Every touchpoint of the journey: owner team, stated importance, moments of truth, pillars."""

# -- planted truths -------------------------------------------------------------------------

TOUCHPOINT_CSAT: Final[Mapping[str, float]] = {
    "discover.web": 0.74,
    "consider.web": 0.76,
    "consider.store": 0.84,
    "buy.web": 0.83,
    "buy.store": 0.90,
    "buy.phone": 0.77,
    "onboard.app": 0.88,
    "onboard.email": 0.74,
    "use.app": 0.80,
    # (a) the planted priority: the most important touchpoint, and clearly the worst.
    "support.phone": 0.36,
    "support.chat": 0.68,
    "support.email": 0.70,
    "support.web": 0.60,
    "support.app": 0.72,
    "support.store": 0.82,
    "renew.phone": 0.66,
    "renew.web": 0.78,
    "renew.store": 0.84,
}
"""Probability that a survey answer at the touchpoint is satisfied (4 or 5 of 5)."""

PLANTED_PRIORITY: Final = "support.phone"
"""(a) The touchpoint the importance-performance analysis must rank first, "concentrate here"."""

SWITCH_TO_PHONE: Final[Mapping[str, float]] = {
    "chat": 0.24,  # (b) the planted rate: twice e-mail's
    "email": 0.12,  # (b)
    "web": 0.06,
    "app": 0.06,
}
"""Probability that a ticket on the channel is followed by a phone ticket before it is solved."""

PHONE_TO_EMAIL: Final = 0.03
"""Callers who write an e-mail about the same issue before it is solved (phone's own switches)."""

SAME_CHANNEL_REPEAT: Final[Mapping[str, float]] = {
    "email": 0.05,
    "web": 0.08,
    "app": 0.06,
    "phone": 0.05,
}
"""Tickets (that do not switch) followed by a new ticket on the same channel within days:
repeat contacts that are not channel switches."""

NEVER_SOLVED: Final = 0.015
"""Tickets the customer stopped answering: replied to, never solved."""

MIN_TICKET_GAP_DAYS: Final = 8.0
"""Independent tickets of one customer are at least this far apart (longer than the 7-day
channel-switch window), so only the planted follow-ups count as switches."""

PLANTED_NPS_QUARTER: Final[tuple[str, str]] = ("2024-10-01T00:00:00Z", "2025-01-01T00:00:00Z")
"""(c) The quarter whose NPS drops (Q4 2024), against the quarter before it."""
NPS_DROP_START: Final = _epoch(2024, 10, 1)
NPS_DROP_SHIFT: Final = 0.10
"""(c) From :data:`NPS_DROP_START`, every likelihood-to-recommend answer is this much more
likely to be a detractor and this much less likely a promoter: about -20 NPS points."""

# -- secondary patterns ----------------------------------------------------------------------

_SEGMENT_LOYALTY = {"consumer": -0.01, "small_business": 0.02, "enterprise": 0.06}
_TICKET_CHANNELS = {  # e-mail, chat, phone, web form, app: shares by segment
    "consumer": (0.25, 0.31, 0.21, 0.13, 0.10),
    "small_business": (0.32, 0.22, 0.26, 0.12, 0.08),
    "enterprise": (0.42, 0.12, 0.36, 0.07, 0.03),
}
_TICKET_CHANNEL_IDS = ("email", "chat", "phone", "web", "app")
# Journey channel -> Zendesk via.channel (the plugin maps them back: voice -> phone...).
_ZENDESK_VIA = {"email": "email", "chat": "chat", "phone": "voice", "web": "web", "app": "mobile"}
_ZENDESK_GOOD = {"email": 0.82, "chat": 0.80, "phone": 0.52, "web": 0.74, "app": 0.84}
_TICKETS_PER_YEAR = {"consumer": 1.7, "small_business": 2.2, "enterprise": 2.8}
# Sign-ups by month (Jan..Dec): new phones in September, the holidays in November/December.
_SIGNUP_SEASON = (0.9, 0.8, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 1.2, 1.0, 1.5, 1.6)
# Tickets by month: after-holiday January, roaming in the summer.
_TICKET_SEASON = (1.4, 1.0, 1.0, 0.9, 0.9, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0)
_TOPICS = {
    "billing": ("Unexpected charge on my bill", "Bill higher than my plan", "Refund for a fee"),
    "network": ("No signal at home", "Mobile data very slow", "Calls keep dropping"),
    "device": ("New phone will not activate", "Device repair status", "Screen replacement"),
    "plan": ("Change my plan", "Add a line", "Upgrade to unlimited data"),
    "roaming": ("Roaming not working abroad", "Roaming charges explained"),
    "porting": ("Keep my number", "Number transfer stuck"),
}
_TOPIC_FIELD_ID = 360_001
_PLANS = ("Essential 20 GB", "Unlimited 5G", "Family Share", "Business Pro", "Enterprise Fleet")
_ARPU = {"consumer": 38.0, "small_business": 190.0, "enterprise": 4_200.0}
_DEAL_SIZE = {
    "consumer": (400, 1_600),
    "small_business": (3_000, 25_000),
    "enterprise": (60_000, 600_000),
}
COOLING_OFF_CANCEL = 0.05  # new customers who cancel within the 14-day cooling-off period
DEVICE_EXCHANGE = 0.06  # new customers who swap their device in the first fortnight
_WIN_RATE = {"consumer": 0.72, "small_business": 0.62, "enterprise": 0.55}

# HubSpot ids and the operator's custom lifecycle stages (custom values are opaque numbers
# in HubSpot; the plugin maps them by label: "Active customer" -> active_customer).
CONTACT_ID_BASE: Final = 10_000_000
DEAL_ID_BASE: Final = 20_000_000
FEEDBACK_ID_BASE: Final = 40_000_000
LIFECYCLE_ACTIVE: Final = "1000101"
LIFECYCLE_RENEWED: Final = "1000102"
LIFECYCLE_FORMER: Final = "1000103"
_LIFECYCLE_OPTIONS = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    (LIFECYCLE_ACTIVE, "Active customer"),
    (LIFECYCLE_RENEWED, "Renewed customer"),
    (LIFECYCLE_FORMER, "Former customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)
_DEAL_STAGE_OPTIONS = (
    ("qualifiedtobuy", "Qualified To Buy"),
    ("presentationscheduled", "Presentation Scheduled"),
    ("contractsent", "Contract Sent"),
    ("closedwon", "Closed Won"),
    ("closedlost", "Closed Lost"),
)
_SURVEY_IDS = {"NPS": "101", "CSAT": "102", "CES": "103"}

# Zendesk ids (as in the plugin's sample data).
_ZENDESK_USER_BASE = 5_000_000
_ZENDESK_AGENT_BASE = 900_000
_ZENDESK_ORG_BASE = 360_000_000
_ZENDESK_METRIC_BASE = 8_000_000
_ZENDESK_RATING_BASE = 9_000_000
_ZENDESK_GROUPS = {"email": 20_001, "chat": 20_002, "phone": 20_003, "web": 20_001, "app": 20_002}
SUBDOMAIN: Final = "northwind"

# Medallia.
_SURVEY_ID_BASE = 70_000_000
_MEDALLIA_TOUCHPOINT = {  # journey stage -> the touchpoint values the programme uses
    "discover": "awareness",
    "consider": "consideration",
    "buy": "purchase",
    "onboard": "onboarding",
    "use": "usage",
    "support": "support",
    "renew": "renewal",
}
_MEDALLIA_SEGMENT = {
    "consumer": "Consumer",
    "small_business": "Small business",
    "enterprise": "Enterprise",
}


@dataclass
class Company:
    """The synthetic company's data, shaped like each vendor's API records.

    ``zendesk``, ``hubspot`` and ``medallia`` are keyword arguments for the plugins'
    stand-ins (``ZendeskStandin(**company.zendesk)`` ...). ``facts`` holds counts of what was
    generated (the planted follow-ups, surveys per touchpoint...) for tests and the README.
    """

    customers: int
    seed: int
    zendesk: dict[str, Any]
    hubspot: dict[str, Any]
    medallia: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def raw_records(self) -> int:
        """Vendor records in all three tools."""
        z = sum(len(v) for v in self.zendesk.values())
        h = sum(len(self.hubspot[k]) for k in ("contacts", "deals", "feedback_submissions"))
        return z + h + len(self.medallia["records"])


# -- generation -----------------------------------------------------------------------------


@dataclass
class _Customer:
    """One person's life with the operator during the year."""

    person: Person
    segment: str
    kind: Literal["existing", "prospect"]
    contact_id: int
    created: float
    active_from: float | None = None  # customer from (None: never a customer this year)
    active_until: float = YEAR_END  # churned at (YEAR_END: still a customer)
    lifecycle: dict[str, float] = field(default_factory=dict)  # stage value -> entered at
    revenue: float = 0.0
    plan: str = ""


def _month_time(rng: random.Random, weights: Sequence[float]) -> float:
    """A random instant of the year, months weighted by ``weights``."""
    month = rng.choices(range(12), weights)[0]
    start = _epoch(2024, month + 1)
    end = _epoch(2024, month + 2) if month < 11 else YEAR_END
    return rng.uniform(start, end)


def _lognormal(rng: random.Random, median: float, spread: float, low: float, high: float) -> float:
    """A skewed duration: lognormal around ``median``, clipped to ``[low, high]``."""
    return min(high, max(low, median * math.exp(rng.gauss(0.0, spread))))


def _loyalty(segment: str, when: float) -> float:
    """Shift of promoter (+) / detractor (-) probability: segment and the planted Q4 drop."""
    shift = _SEGMENT_LOYALTY[segment]
    if when >= NPS_DROP_START:
        shift -= NPS_DROP_SHIFT  # (c)
    return shift


def _nps_value(rng: random.Random, promoter: float, detractor: float) -> int:
    """A 0-10 answer: promoter, passive or detractor with the given probabilities."""
    promoter = min(0.95, max(0.02, promoter))
    detractor = min(0.95 - promoter, max(0.02, detractor))
    u = rng.random()
    if u < promoter:
        return rng.choices((9, 10), (0.45, 0.55))[0]
    if u < promoter + detractor:
        return rng.choices(range(7), (0.05, 0.03, 0.05, 0.09, 0.13, 0.25, 0.40))[0]
    return rng.choices((7, 8), (0.45, 0.55))[0]


def _csat_value(rng: random.Random, satisfied: bool) -> int:
    if satisfied:
        return rng.choices((4, 5), (0.55, 0.45))[0]
    return rng.choices((1, 2, 3), (0.22, 0.33, 0.45))[0]


class _Generator:
    """Builds the three vendors' records; one instance per :func:`build_company` call."""

    def __init__(self, customers: int, seed: int) -> None:
        self.rng = random.Random(f"cxcore-demo:{seed}")
        self.people = sample_people(customers, seed)
        self.customers: list[_Customer] = []
        # Zendesk
        self.z_users: list[Record] = []
        self.z_tickets: list[Record] = []
        self.z_metrics: list[Record] = []
        self.z_ratings: list[Record] = []
        self.z_user_of: dict[int, int] = {}
        # HubSpot
        self.contacts: list[Record] = []
        self.deals: list[Record] = []
        self.feedback: list[Record] = []
        # Medallia
        self.surveys: list[Record] = []
        self.facts: dict[str, Any] = {
            "switch_opportunities": {c: 0 for c in _TICKET_CHANNEL_IDS},
            "switches": {c: 0 for c in _TICKET_CHANNEL_IDS},
            "surveys_by_touchpoint": {},
        }
        companies = sorted({p.company for p in self.people})
        self.org_of = {c: _ZENDESK_ORG_BASE + i for i, c in enumerate(companies)}
        self._quotas: dict[str, float] = {}

    # -- people ---------------------------------------------------------------------------

    def build(self) -> None:
        rng = self.rng
        seg_ids = [s for s, _, _ in SEGMENTS]
        seg_w = [w for _, _, w in SEGMENTS]
        for person in self.people:
            segment = rng.choices(seg_ids, seg_w)[0]
            cid = CONTACT_ID_BASE + person.index + 1
            plan = self._plan(segment)
            if rng.random() < 0.55:
                c = self._existing(person, segment, cid, plan)
            else:
                c = self._prospect(person, segment, cid, plan)
            self.customers.append(c)
            self._contact(c)
            if c.active_from is not None:
                self._tickets(c)
                self._use_surveys(c)
        self._relationship_nps()
        self._agents()

    def _plan(self, segment: str) -> str:
        if segment == "consumer":
            return self.rng.choice(_PLANS[:3])
        return _PLANS[3] if segment == "small_business" else _PLANS[4]

    def _existing(self, person: Person, segment: str, cid: int, plan: str) -> _Customer:
        """A customer since before the year: their contract may come up for renewal."""
        rng = self.rng
        became = YEAR_START - rng.uniform(60 * DAY, 5 * 365 * DAY)
        c = _Customer(person, segment, "existing", cid, created=became - rng.uniform(DAY, 20 * DAY))
        c.plan = plan
        c.active_from = YEAR_START
        c.lifecycle = {"customer": became, LIFECYCLE_ACTIVE: became + rng.uniform(3, 20) * DAY}
        if rng.random() < 0.5:  # the contract ends this year
            end = rng.uniform(YEAR_START, YEAR_END - DAY)
            channel = rng.choices(("phone", "web", "store"), (0.45, 0.40, 0.15))[0]
            if rng.random() < 0.84:
                c.lifecycle[LIFECYCLE_RENEWED] = end
                self._survey(c, "renew", channel, end + rng.uniform(HOUR, 3 * DAY), 0.35)
            else:
                c.lifecycle[LIFECYCLE_FORMER] = end
                c.active_until = end
                # Leavers answer less often, and less kindly, than stayers.
                self._survey(c, "renew", channel, end + rng.uniform(HOUR, 3 * DAY), 0.2, -0.25)
        elif rng.random() < 0.03:  # ported out mid-contract
            end = rng.uniform(YEAR_START, YEAR_END)
            c.lifecycle[LIFECYCLE_FORMER] = end
            c.active_until = end
        tenure_months = (c.active_until - became) / (30.4 * DAY)
        c.revenue = round(_ARPU[segment] * tenure_months * rng.uniform(0.8, 1.2), 2)
        return c

    def _prospect(self, person: Person, segment: str, cid: int, plan: str) -> _Customer:
        """Someone who discovers the operator this year; about half of them buy."""
        rng = self.rng
        t0 = _month_time(rng, _SIGNUP_SEASON)
        c = _Customer(person, segment, "prospect", cid, created=t0)
        c.plan = plan
        c.lifecycle = {"lead": t0}
        if rng.random() < 0.04:
            self._survey(c, "discover", "web", t0 + rng.uniform(HOUR, 2 * DAY), 1.0)
        if rng.random() > 0.74:
            return c
        t = t0 + _lognormal(rng, 4 * DAY, 0.7, HOUR, 40 * DAY)
        if t >= YEAR_END:
            return c
        c.lifecycle["marketingqualifiedlead"] = t
        if rng.random() < 0.10:
            channel = rng.choices(("web", "store"), (0.7, 0.3))[0]
            self._survey(c, "consider", channel, t + rng.uniform(HOUR, 3 * DAY), 1.0)
        if segment != "consumer":
            t += _lognormal(rng, 3 * DAY, 0.6, HOUR, 20 * DAY)
            c.lifecycle["salesqualifiedlead"] = t
        if rng.random() > 0.82 or t >= YEAR_END:
            return c
        t += _lognormal(rng, 2 * DAY, 0.8, HOUR, 20 * DAY)
        if t >= YEAR_END:
            return c
        c.lifecycle["opportunity"] = t
        self._deal(c, t)
        return c

    def _deal(self, c: _Customer, created: float, *, exchange: bool = False) -> None:
        """A new-business deal; won, it makes the prospect a customer (onboard, then use).

        ``exchange``: a new customer's second deal, swapping the device within the first
        fortnight: quickly won, and a step back from onboarding to considering (a backward
        move in the journey).
        """
        rng = self.rng
        business = c.segment != "consumer" and not exchange
        stages = ["qualifiedtobuy"]
        entered = {"qualifiedtobuy": created}
        t = created
        if business:
            for stage in ("presentationscheduled", "contractsent"):
                t += _lognormal(rng, 6 * DAY, 0.5, DAY, 30 * DAY)
                stages.append(stage)
                entered[stage] = t
        t += _lognormal(rng, (5 if business else 1.5) * DAY, 0.8, HOUR, 40 * DAY)
        won = exchange or rng.random() < _WIN_RATE[c.segment]
        closed = t < YEAR_END
        if closed:
            stages.append("closedwon" if won else "closedlost")
            entered[stages[-1]] = t
        low, high = _DEAL_SIZE[c.segment]
        amount = rng.randrange(low, high, 50) if not exchange else rng.randrange(50, 300, 10)
        did = DEAL_ID_BASE + len(self.deals) + 1
        modified = max(entered.values()) + rng.uniform(60, DAY)
        current = stages[-1]
        props: dict[str, str | None] = {
            "dealname": f"{c.person.company if business else c.person.name} - "
            + ("device exchange" if exchange else c.plan),
            "amount": str(amount),
            "closedate": iso_z(t, millis=True),
            "pipeline": "default",
            "dealstage": current,
            "createdate": iso_z(created, millis=True),
            "hs_lastmodifieddate": iso_z(modified, millis=True),
            "hs_is_closed": "true" if closed else "false",
            "hs_is_closed_won": "true" if closed and won else "false",
        }
        for stage, when in entered.items():
            props[f"hs_v2_date_entered_{stage}"] = iso_z(when, millis=True)
        deal = _hubspot_record(did, props, created, modified)
        deal["associations"] = {
            "contacts": {"results": [{"id": str(c.contact_id), "type": "deal_to_contact"}]}
        }
        self.deals.append(deal)
        if exchange or not (closed and won):
            return
        channel = rng.choices(("web", "store", "phone"), (0.5, 0.35, 0.15))[0]
        self._survey(c, "buy", channel, t + rng.uniform(HOUR, 2 * DAY), 0.35)
        onboard = t + _lognormal(rng, 0.5 * DAY, 0.8, HOUR, 5 * DAY)
        if onboard >= YEAR_END:
            return
        c.lifecycle["customer"] = onboard
        c.active_from = onboard
        channel = rng.choices(("app", "email"), (0.65, 0.35))[0]
        self._survey(c, "onboard", channel, onboard + rng.uniform(HOUR, 4 * DAY), 0.35)
        if rng.random() < 0.30:
            self._ces(c, onboard + rng.uniform(2 * DAY, 10 * DAY))
        if rng.random() < COOLING_OFF_CANCEL:
            cancel = onboard + rng.uniform(2 * DAY, 14 * DAY)
            if cancel < YEAR_END:
                c.lifecycle[LIFECYCLE_FORMER] = cancel
                c.active_until = cancel
                c.revenue = round(_ARPU[c.segment], 2)
                return
        if rng.random() < DEVICE_EXCHANGE:
            swap = onboard + rng.uniform(3 * DAY, 12 * DAY)
            if swap < YEAR_END:
                self._deal(c, swap, exchange=True)
        use = onboard + _lognormal(rng, 9 * DAY, 0.5, 2 * DAY, 40 * DAY)
        if rng.random() < 0.94 and use < YEAR_END:
            c.lifecycle[LIFECYCLE_ACTIVE] = use
        c.revenue = round(amount * (YEAR_END - onboard) / (730 * DAY) + _ARPU[c.segment], 2)

    # -- HubSpot -------------------------------------------------------------------------

    def _contact(self, c: _Customer) -> None:
        rng = self.rng
        p = c.person
        current = max(c.lifecycle, key=lambda k: c.lifecycle[k])
        modified = max(c.created, *c.lifecycle.values()) + rng.uniform(60, 2 * DAY)
        modified = min(modified, YEAR_END + 5 * DAY)
        stamp = iso_z(modified, millis=True)
        props: dict[str, str | None] = {
            "email": p.email,
            "firstname": p.first_name,
            "lastname": p.last_name,
            "phone": p.phone,
            "company": p.company if c.segment != "consumer" else None,
            "lifecyclestage": current,
            "hs_lead_status": "CONNECTED" if c.active_from is not None else "OPEN",
            "createdate": iso_z(c.created, millis=True),
            "lastmodifieddate": stamp,
            "hs_lastmodifieddate": stamp,
            "mobile_plan": c.plan if c.active_from is not None else None,
            "total_revenue": f"{c.revenue:.2f}" if c.revenue else None,
        }
        for value, when in c.lifecycle.items():
            props[f"hs_v2_date_entered_{value}"] = iso_z(when, millis=True)
        self.contacts.append(_hubspot_record(c.contact_id, props, c.created, modified))

    def _feedback(self, c: _Customer, kind: str, value: int, when: float, group: str) -> None:
        fid = FEEDBACK_ID_BASE + len(self.feedback) + 1
        stamp = iso_z(when, millis=True)
        self.feedback.append(
            _hubspot_record(
                fid,
                {
                    "hs_survey_type": kind,
                    "hs_value": str(value),
                    "hs_response_group": group,
                    "hs_content": None,
                    # Relationship surveys are not about one channel: no survey channel.
                    "hs_survey_channel": None,
                    "hs_survey_id": _SURVEY_IDS[kind],
                    "hs_survey_name": {
                        "NPS": "Quarterly relationship NPS",
                        "CES": "Onboarding effort",
                    }[kind],
                    "hs_submission_name": f"{kind} response from {c.person.name}",
                    "hs_submission_timestamp": stamp,
                    "hs_contact_id": str(c.contact_id),
                    "hs_contact_email_rollup": c.person.email,
                    "hs_createdate": stamp,
                    "hs_lastmodifieddate": stamp,
                },
                when,
                when,
            )
        )

    def _relationship_nps(self) -> None:
        """Each quarter, about 18 % of the current customers answer the relationship NPS."""
        rng = self.rng
        quarters = [
            (_epoch(2024, m), _epoch(2024, m + 3) if m < 10 else YEAR_END) for m in (1, 4, 7, 10)
        ]
        for start, end in quarters:
            for c in self.customers:
                if c.active_from is None or rng.random() > 0.18:
                    continue
                lo, hi = max(start, c.active_from + 14 * DAY), min(end, c.active_until)
                if lo >= hi:
                    continue
                when = rng.uniform(lo, hi)
                shift = _loyalty(c.segment, when)
                value = _nps_value(rng, 0.45 + shift, 0.22 - shift)
                group = "PROMOTER" if value >= 9 else "PASSIVE" if value >= 7 else "DETRACTOR"
                self._feedback(c, "NPS", value, when, group)

    def _ces(self, c: _Customer, when: float) -> None:
        if when >= AS_OF:
            return
        value = self.rng.choices(range(1, 8), (0.03, 0.04, 0.06, 0.12, 0.25, 0.28, 0.22))[0]
        group = "POSITIVE" if value >= 6 else "NEGATIVE" if value <= 2 else "NEUTRAL"
        self._feedback(c, "CES", value, when, group)

    # -- Zendesk -------------------------------------------------------------------------

    def _zendesk_user(self, c: _Customer, first: float) -> int:
        index = c.person.index
        uid = self.z_user_of.get(index)
        if uid is not None:
            return uid
        uid = _ZENDESK_USER_BASE + index
        self.z_user_of[index] = uid
        created = first - self.rng.uniform(0, 2 * DAY)
        self.z_users.append(
            _user_record(
                uid,
                c.person.name,
                c.person.email,
                role="end-user",
                subdomain=SUBDOMAIN,
                created=created,
                updated=created + self.rng.uniform(0, DAY),
                organization_id=self.org_of[c.person.company] if c.segment != "consumer" else None,
                external_id=c.person.external_id,
                phone=c.person.phone,
            )
        )
        return uid

    def _agents(self) -> None:
        for j in range(12):
            self.z_users.append(
                _user_record(
                    _ZENDESK_AGENT_BASE + j + 1,
                    f"Agent {j + 1}",
                    f"agent{j + 1}@{SUBDOMAIN}.example.com",
                    role="agent",
                    subdomain=SUBDOMAIN,
                    created=YEAR_START - 90 * DAY,
                    updated=YEAR_START - 89 * DAY,
                )
            )

    def _ticket_times(self, c: _Customer) -> list[float]:
        """Independent ticket times of one customer, at least MIN_TICKET_GAP_DAYS apart."""
        rng = self.rng
        assert c.active_from is not None
        start, end = c.active_from, min(c.active_until, YEAR_END)
        years = max(0.0, (end - start) / (365 * DAY))
        count = _poisson(rng, _TICKETS_PER_YEAR[c.segment] * years)
        times: list[float] = []
        for _ in range(count * 30):  # seasonal times, kept within the active period
            if len(times) == count:
                break
            t = _month_time(rng, _TICKET_SEASON)
            if start <= t < end:
                times.append(t)
        if c.kind == "prospect" and rng.random() < 0.35:  # activation, number porting
            activation = start + rng.uniform(HOUR, 12 * DAY)
            if activation < end:
                times.append(activation)
        kept: list[float] = []
        for t in sorted(times):
            if not kept or t - kept[-1] >= MIN_TICKET_GAP_DAYS * DAY:
                kept.append(t)
        return kept

    def _tickets(self, c: _Customer) -> None:
        rng = self.rng
        weights = _TICKET_CHANNELS[c.segment]
        for t in self._ticket_times(c):
            channel = rng.choices(_TICKET_CHANNEL_IDS, weights)[0]
            topic = rng.choice(list(_TOPICS))
            if c.kind == "prospect" and t - (c.active_from or t) < 12 * DAY:
                topic = rng.choice(("device", "porting"))
            self._ticket_episode(c, t, channel, topic)

    def _ticket_episode(self, c: _Customer, created: float, channel: str, topic: str) -> None:
        """A ticket, and maybe the planted follow-up on another channel before it is solved."""
        rng = self.rng
        self.facts["switch_opportunities"][channel] += 1
        follow_channel: str | None = None
        if channel == "phone":
            if self._quota(channel, PHONE_TO_EMAIL):
                follow_channel = "email"
        elif self._quota(channel, SWITCH_TO_PHONE.get(channel, 0.0)):  # (b)
            follow_channel = "phone"
        resolve_after = self._resolution_time(channel)
        if follow_channel is not None:
            self.facts["switches"][channel] += 1
            follow_at = created + rng.uniform(2 * HOUR, 48 * HOUR)
            # The follow-up contact comes before the first ticket is solved: the first ticket
            # is closed only once the second one has dealt with the issue.
            follow_resolve = self._resolution_time(follow_channel)
            resolve_after = max(resolve_after, follow_at - created + follow_resolve + HOUR)
            self._ticket(c, created, channel, topic, resolve_after, follow_up=False)
            if follow_at < YEAR_END:
                self._ticket(c, follow_at, follow_channel, topic, follow_resolve, follow_up=True)
        else:
            self._ticket(c, created, channel, topic, resolve_after, follow_up=False)
            if rng.random() < SAME_CHANNEL_REPEAT.get(channel, 0.0):
                again = created + rng.uniform(DAY, 5 * DAY)
                if again < YEAR_END:
                    resolve = self._resolution_time(channel)
                    self._ticket(c, again, channel, topic, resolve, follow_up=True)

    def _resolution_time(self, channel: str) -> float:
        rng = self.rng
        median, spread, low, high = {
            "chat": (50 * MINUTE, 0.9, 5 * MINUTE, 2 * DAY),
            "phone": (5 * HOUR, 1.4, 8 * MINUTE, 6 * DAY),  # call-backs drag on
            "email": (20 * HOUR, 0.8, HOUR, 8 * DAY),
            "web": (28 * HOUR, 0.8, 2 * HOUR, 9 * DAY),
            "app": (14 * HOUR, 0.8, HOUR, 7 * DAY),
        }[channel]
        return _lognormal(rng, median, spread, low, high)

    def _first_reply(self, channel: str) -> float:
        rng = self.rng
        median, spread, low, high = {
            "chat": (2 * MINUTE, 0.6, 20.0, 20 * MINUTE),
            "phone": (7 * MINUTE, 0.7, 30.0, 45 * MINUTE),  # queue time
            "email": (6 * HOUR, 0.8, 10 * MINUTE, 3 * DAY),
            "web": (9 * HOUR, 0.8, 15 * MINUTE, 3 * DAY),
            "app": (4 * HOUR, 0.8, 10 * MINUTE, 2 * DAY),
        }[channel]
        return _lognormal(rng, median, spread, low, high)

    def _ticket(
        self,
        c: _Customer,
        created: float,
        channel: str,
        topic: str,
        resolve_after: float,
        *,
        follow_up: bool,
    ) -> None:
        rng = self.rng
        uid = self._zendesk_user(c, created)
        tid = len(self.z_tickets) + 1
        base = f"https://{SUBDOMAIN}.zendesk.com/api/v2"
        first_reply = min(self._first_reply(channel), resolve_after)
        solved_at = created + resolve_after
        solved = solved_at < AS_OF and (follow_up or rng.random() >= NEVER_SOLVED)
        if solved:
            status = "closed" if solved_at + 4 * DAY < AS_OF else "solved"
        else:
            status = "pending" if solved_at < AS_OF else "open"
        agent = _ZENDESK_AGENT_BASE + rng.randint(1, 12)
        group = _ZENDESK_GROUPS[channel]
        updated = solved_at if solved else created + first_reply
        if status == "closed":
            updated += 4 * DAY
        subject = rng.choice(_TOPICS[topic])
        reopens = 1 if solved and rng.random() < (0.10 if channel == "phone" else 0.05) else 0
        rating_ref: Record | None = None
        if solved and rng.random() < 0.55:
            rid = _ZENDESK_RATING_BASE + len(self.z_ratings) + 1
            r_created = solved_at + rng.uniform(HOUR, DAY)
            responded = rng.random() < 0.6
            good = _ZENDESK_GOOD[channel] - (0.12 if follow_up else 0.0)
            score = ("good" if rng.random() < good else "bad") if responded else "offered"
            r_updated = r_created + (rng.uniform(60, DAY) if responded else 0)
            if r_updated < AS_OF:
                self.z_ratings.append(
                    {
                        "url": f"{base}/satisfaction_ratings/{rid}.json",
                        "id": rid,
                        "assignee_id": agent,
                        "group_id": group,
                        "requester_id": uid,
                        "ticket_id": tid,
                        "score": score,
                        "comment": None,
                        "reason": "The issue took too long to resolve" if score == "bad" else None,
                        "reason_id": 5 if score == "bad" else None,
                        "created_at": iso_z(r_created),
                        "updated_at": iso_z(r_updated),
                    }
                )
                rating_ref = {"id": rid, "score": score, "comment": None}
                updated = max(updated, r_updated)
        custom = [{"id": _TOPIC_FIELD_ID, "value": topic}, {"id": 360_002, "value": c.plan}]
        via = _ZENDESK_VIA[channel]
        source: Record = {"from": {}, "to": {}, "rel": None}
        if channel == "email":
            source = {
                "from": {"address": c.person.email, "name": c.person.name},
                "to": {"address": f"support@{SUBDOMAIN}.zendesk.com", "name": "Support"},
                "rel": None,
            }
        self.z_tickets.append(
            {
                "url": f"{base}/tickets/{tid}.json",
                "id": tid,
                "external_id": None,
                "via": {"channel": via, "source": source},
                "created_at": iso_z(created),
                "updated_at": iso_z(updated),
                "type": "incident" if topic in ("network", "device") else "question",
                "subject": subject,
                "raw_subject": subject,
                "description": f"{subject}. Customer {c.person.external_id} needs help.",
                "priority": "high" if follow_up else rng.choice(("low", "normal", "normal")),
                "status": status,
                "recipient": f"support@{SUBDOMAIN}.zendesk.com" if channel == "email" else None,
                "requester_id": uid,
                "submitter_id": uid,
                "assignee_id": agent,
                "organization_id": self.org_of[c.person.company]
                if c.segment != "consumer"
                else None,
                "group_id": group,
                "collaborator_ids": [],
                "follower_ids": [],
                "email_cc_ids": [],
                "forum_topic_id": None,
                "problem_id": None,
                "has_incidents": False,
                "is_public": True,
                "due_at": None,
                "tags": [topic, via, c.segment],
                "custom_fields": custom,
                "satisfaction_rating": rating_ref,
                "sharing_agreement_ids": [],
                "custom_status_id": {"open": 2, "pending": 3, "solved": 5, "closed": 5}[status],
                "fields": [dict(f) for f in custom],
                "followup_ids": [],
                "ticket_form_id": 360_000_002,
                "brand_id": 360_000_001,
                "allow_channelback": False,
                "allow_attachments": True,
                "from_messaging_channel": False,
                "generated_timestamp": int(updated) + rng.randint(0, 120),
            }
        )
        reply_min = max(1, round(first_reply / MINUTE))
        resolution_min = max(reply_min, round(resolve_after / MINUTE)) if solved else None
        replies = {"chat": 2, "phone": 1, "email": 3, "web": 3, "app": 2}[channel]
        self.z_metrics.append(
            {
                "url": f"{base}/ticket_metrics/{_ZENDESK_METRIC_BASE + tid}.json",
                "id": _ZENDESK_METRIC_BASE + tid,
                "ticket_id": tid,
                "created_at": iso_z(created),
                "updated_at": iso_z(updated),
                "group_stations": 1,
                "assignee_stations": 1 + reopens,
                "reopens": reopens,
                "replies": max(0, replies + rng.randint(-1, 2) + reopens),
                "assignee_updated_at": iso_z(created + first_reply),
                "requester_updated_at": iso_z(created),
                "status_updated_at": iso_z(updated),
                "initially_assigned_at": iso_z(created + first_reply / 2),
                "assigned_at": iso_z(created + first_reply / 2),
                "solved_at": iso_z(solved_at) if solved else None,
                "latest_comment_added_at": iso_z(updated),
                "reply_time_in_minutes": _minutes(reply_min),
                "first_resolution_time_in_minutes": _minutes(resolution_min),
                "full_resolution_time_in_minutes": _minutes(resolution_min),
                "agent_wait_time_in_minutes": _minutes(rng.randint(0, 120) if solved else None),
                "requester_wait_time_in_minutes": _minutes(
                    (resolution_min // 2) if resolution_min else None
                ),
                "on_hold_time_in_minutes": _minutes(0 if solved else None),
                "custom_status_updated_at": iso_z(updated),
                "reply_time_in_seconds": {"calendar": round(first_reply)},
            }
        )
        if solved:
            # After a solved ticket, Medallia's support programme surveys about one in five.
            ease = -0.06 if follow_up else 0.0
            self._survey(c, "support", channel, solved_at + rng.uniform(HOUR, 2 * DAY), 0.22, ease)

    def _quota(self, key: str, share: float) -> bool:
        """True for ``share`` of the calls with ``key``, spread evenly (error diffusion).

        The planted rates must show at any demo size, so they are allotted rather than
        drawn: over n tickets of a channel, round(n * share) of them switch (plus or minus
        one), and which ones is still random because tickets come in random order.
        """
        debt = self._quotas.get(key)
        if debt is None:
            debt = self.rng.random()  # a random phase, so the first ticket is not special
        debt += share
        hit = debt >= 1.0
        self._quotas[key] = debt - 1.0 if hit else debt
        return hit

    # -- Medallia ------------------------------------------------------------------------

    def _use_surveys(self, c: _Customer) -> None:
        """Usage surveys in the app, and store visits for help (no ticket), during the year."""
        rng = self.rng
        assert c.active_from is not None
        start, end = c.active_from + 20 * DAY, min(c.active_until, YEAR_END)
        if start >= end:
            return
        share = (end - start) / (365 * DAY)
        if rng.random() < 0.18 * share:
            self._survey(c, "use", "app", rng.uniform(start, end), 1.0)
        if rng.random() < 0.06 * share:
            self._survey(c, "support", "store", rng.uniform(start, end), 1.0)

    def _survey(
        self,
        c: _Customer,
        stage: str,
        channel: str,
        when: float,
        probability: float,
        adjust: float = 0.0,
    ) -> None:
        """With ``probability``, a Medallia transactional survey at ``stage.channel``."""
        rng = self.rng
        if when >= AS_OF or rng.random() >= probability:
            return
        touchpoint = f"{stage}.{channel}"
        satisfied = rng.random() < TOUCHPOINT_CSAT[touchpoint] + adjust
        shift = _loyalty(c.segment, when)
        # Likelihood to recommend follows the experience: a bad touchpoint costs promoters.
        promoter, detractor = (0.57, 0.12) if satisfied else (0.13, 0.50)
        nps = _nps_value(rng, promoter + shift, detractor - shift)
        osat = _csat_value(rng, satisfied)
        sid = _SURVEY_ID_BASE + len(self.surveys) + 1
        invited = when - rng.uniform(5 * MINUTE, DAY)
        stamp = _medallia_date(when)
        self.surveys.append(
            {
                "id": str(sid),
                "a_surveyid": str(sid),
                "a_customerid": c.person.external_id,
                "e_email": c.person.email,
                "e_creationdate": _medallia_date(invited),
                "e_responsedate": stamp,
                "e_initialfinishdate": stamp,
                "k_initialfinishdate_epoch_int": str(int(when)),
                "e_status": "1",
                "e_channel": channel,
                "e_touchpoint": _MEDALLIA_TOUCHPOINT[stage],
                "e_segment": _MEDALLIA_SEGMENT[c.segment],
                "e_programname": f"{_MEDALLIA_TOUCHPOINT[stage].title()} survey",
                "q_global_nps_0to10": str(nps),
                "q_global_nps_comment_txt": None,
                "comment_length_q_global_nps_comment_txt": "0",
                "q_osat_1to5": str(osat),
            }
        )
        counts = self.facts["surveys_by_touchpoint"]
        counts[touchpoint] = counts.get(touchpoint, 0) + 1


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth; means here are small)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _medallia_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")


def _property(name: str, label: str, ptype: str, options: Sequence[tuple[str, str]] = ()) -> Record:
    """A HubSpot property definition in the shape of the stand-in's built-in ones."""
    field_types = {
        "string": "text",
        "number": "number",
        "datetime": "date",
        "enumeration": "select",
    }
    return {
        "name": name,
        "label": label,
        "type": ptype,
        "fieldType": field_types[ptype],
        "description": "",
        "groupName": "demo",
        "options": [
            {"label": lab, "value": val, "description": "", "displayOrder": i, "hidden": False}
            for i, (val, lab) in enumerate(options)
        ],
        "displayOrder": 100,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": name.startswith("hs_") or name == "lifecyclestage",
        "modificationMetadata": {
            "archivable": True,
            "readOnlyDefinition": False,
            "readOnlyValue": False,
        },
        "formField": ptype != "datetime",
    }


def hubspot_properties() -> dict[str, list[Record]]:
    """The operator's HubSpot property definitions, over the stand-in's built-in ones.

    Custom lifecycle stages, the date-entered properties of every lifecycle and deal stage
    (HubSpot lists them in the properties API; the plugin requests every listed property, so
    they must be listed to be read), revenue and the mobile plan.
    """
    contacts = [
        _property("lifecyclestage", "Lifecycle Stage", "enumeration", _LIFECYCLE_OPTIONS),
        _property("total_revenue", "Total revenue", "number"),
        _property("mobile_plan", "Mobile plan", "string"),
        *(
            _property(f"hs_v2_date_entered_{value}", f"Date entered '{label}'", "datetime")
            for value, label in _LIFECYCLE_OPTIONS
        ),
    ]
    deals = [
        _property("dealstage", "Deal Stage", "enumeration", _DEAL_STAGE_OPTIONS),
        _property("hs_is_closed", "Is closed", "string"),
        _property("hs_is_closed_won", "Is closed won", "string"),
        *(
            _property(f"hs_v2_date_entered_{value}", f"Date entered '{label}'", "datetime")
            for value, label in _DEAL_STAGE_OPTIONS
        ),
    ]
    return {"contacts": contacts, "deals": deals}


def medallia_fields() -> list[Record]:
    """The Medallia field catalogue: the plugin's sample fields, with the operator's channel,
    touchpoint and segment options and a programme name."""
    fields: list[Record] = []
    for f in sample_fields():
        if f["id"] == "e_channel":
            f = {**f, "options": [{"id": c, "name": label} for c, label in CHANNELS]}
        elif f["id"] == "e_touchpoint":
            f = {
                **f,
                "options": [{"id": v, "name": v.title()} for v in _MEDALLIA_TOUCHPOINT.values()],
            }
        fields.append(f)
    fields.append(
        {
            "id": "e_segment",
            "name": "Customer segment",
            "dataType": "ENUM",
            "multivalued": False,
            "filterable": True,
            "options": [{"id": v, "name": v} for v in _MEDALLIA_SEGMENT.values()],
        }
    )
    fields.append(
        {
            "id": "e_programname",
            "name": "Programme",
            "dataType": "STRING",
            "multivalued": False,
            "filterable": True,
            "options": [],
        }
    )
    return fields


def build_company(customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED) -> Company:
    """Generate Northwind Mobile's year for ``customers`` people (deterministic from ``seed``)."""
    if customers < 1:
        raise ValueError(f"customers must be at least 1, got {customers}")
    gen = _Generator(customers, seed)
    gen.build()
    # The stand-ins serve records in id order; keep the users sorted the same way.
    gen.z_users.sort(key=lambda u: int(u["id"]))
    facts = gen.facts
    facts["people"] = customers
    facts["customers_at_start"] = sum(1 for c in gen.customers if c.kind == "existing")
    facts["prospects"] = sum(1 for c in gen.customers if c.kind == "prospect")
    facts["acquired"] = sum(
        1 for c in gen.customers if c.kind == "prospect" and c.active_from is not None
    )
    facts["churned"] = sum(1 for c in gen.customers if c.active_until < YEAR_END)
    return Company(
        customers=customers,
        seed=seed,
        zendesk={
            "tickets": gen.z_tickets,
            "users": gen.z_users,
            "ticket_metrics": gen.z_metrics,
            "satisfaction_ratings": gen.z_ratings,
        },
        hubspot={
            "contacts": gen.contacts,
            "deals": gen.deals,
            "feedback_submissions": gen.feedback,
            "properties": hubspot_properties(),
        },
        medallia={"records": gen.surveys, "fields": medallia_fields()},
        facts=facts,
    )
