"""Running the demo end to end: company, stand-ins, sync, analyses, report.

:func:`run_demo` is what ``cxcore demo`` calls::

    from cxcore_demo import run_demo

    result = run_demo("cxcore-demo")
    print(result.report_html, result.timings)

It needs no credentials and no network: the Zendesk, HubSpot and Medallia APIs are local
stand-ins on 127.0.0.1 (ephemeral ports), started for the run and stopped after the sync. The
sources read them through the real plugins, exactly as they would read the vendors: the
credentials are ``{env = "..."}`` references in ``cxcore.toml`` whose values (random for
each run unless given) exist only in this process's environment, for the run's duration.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from cxcore import Workspace
from cxcore.errors import CxcoreError
from cxcore.journeys import (
    AbandonmentRule,
    BackwardMoveRule,
    BreakConfig,
    ChannelSwitchRule,
    CurveConfig,
    FunnelConfig,
    JourneyAnalysisConfig,
    MomentOfTruthRule,
    RepeatContactRule,
    TimeToNextConfig,
)
from cxcore.report import render_report
from cxcore.report.build import build_document
from cxcore.report.document import ReportDocument
from cxcore.sdk import SyncProgress, SyncSummary, sync_sources

from .company import (
    CHANNELS,
    COMPANY_NAME,
    SEGMENTS,
    STAGES,
    SUBDOMAIN,
    TOUCHPOINTS,
    Company,
    build_company,
)
from .defaults import DEFAULT_CUSTOMERS, DEFAULT_SEED
from .standins import MEDALLIA_CLIENT_ID, MEDALLIA_COMPANY, ZENDESK_EMAIL, Standins, serve

__all__ = [
    "ENV_HASH_KEY",
    "ENV_HUBSPOT_TOKEN",
    "ENV_MEDALLIA_SECRET",
    "ENV_ZENDESK_TOKEN",
    "FUNNEL_STEPS",
    "DemoCredentials",
    "DemoError",
    "DemoProgress",
    "DemoResult",
    "ProgressEvent",
    "journey_config",
    "project_toml",
    "run_demo",
]

ENV_ZENDESK_TOKEN = "CXCORE_DEMO_ZENDESK_TOKEN"
ENV_HUBSPOT_TOKEN = "CXCORE_DEMO_HUBSPOT_TOKEN"
ENV_MEDALLIA_SECRET = "CXCORE_DEMO_MEDALLIA_SECRET"
ENV_HASH_KEY = "CXCORE_HASH_KEY"  # the plugins store e-mails and phones as keyed hashes

CONFIG_NAME = "cxcore.toml"
STORE_NAME = "store.duckdb"
REPORT_STEM = "report"

FUNNEL_STEPS = ("discover", "consider", "buy", "onboard", "use")
"""The acquisition funnel. Support and renewal are not steps on the way in: support is
visited at any time, and renewal is a year or more after buying."""


class DemoError(CxcoreError):
    """The demo could not finish (a source failed to sync, the report could not be built)."""


@dataclass(frozen=True)
class DemoCredentials:
    """The stand-ins' credentials and the identity-hashing key of one run.

    Values are random for each run (:meth:`generate`); they are set in the process
    environment only while the demo runs and never printed (``repr`` hides them).
    """

    zendesk_token: str = field(repr=False)
    hubspot_token: str = field(repr=False)
    medallia_secret: str = field(repr=False)
    hash_key: str = field(repr=False)

    @classmethod
    def generate(cls) -> DemoCredentials:
        return cls(
            zendesk_token=secrets.token_urlsafe(24),
            hubspot_token="pat-demo-" + secrets.token_hex(16),
            medallia_secret=secrets.token_urlsafe(24),
            hash_key=secrets.token_hex(32),
        )

    def environment(self) -> dict[str, str]:
        """Environment variable -> value, as ``cxcore.toml`` refers to them."""
        return {
            ENV_ZENDESK_TOKEN: self.zendesk_token,
            ENV_HUBSPOT_TOKEN: self.hubspot_token,
            ENV_MEDALLIA_SECRET: self.medallia_secret,
            ENV_HASH_KEY: self.hash_key,
        }

    def values(self) -> tuple[str, ...]:
        """Every secret value (for leak checks)."""
        return tuple(self.environment().values())


@dataclass(frozen=True)
class ProgressEvent:
    """What :func:`run_demo` reports while it works.

    ``phase`` is ``generate``, ``serve``, ``sync``, ``report`` or ``done``; ``detail`` says
    what within it (``zendesk/tickets``, ``journeys``); ``records`` counts the vendor records
    synced so far in the whole run; ``elapsed`` is seconds since the run started; ``done``
    marks the end of a step (a stream, a phase).
    """

    phase: str
    detail: str
    records: int
    elapsed: float
    done: bool = False


DemoProgress = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its outputs, what it synced and how long each phase took."""

    out_dir: Path
    config: Path
    store: Path
    report_html: Path
    report_json: Path
    document: ReportDocument = field(repr=False)
    sync: SyncSummary = field(repr=False)
    company: Company = field(repr=False)
    timings: Mapping[str, float]
    """Seconds per phase: generate, serve, sync, report (and its parts report.*), total."""
    requests: int
    """HTTP requests the stand-ins served."""

    @property
    def records_synced(self) -> int:
        """Vendor records read by the sources."""
        return self.sync.records

    @property
    def records_stored(self) -> int:
        """cxcore records (customers, interactions, responses) the sync stored."""
        return self.sync.inserted + self.sync.updated + self.sync.unchanged


# -- configuration ----------------------------------------------------------------------------


def journey_config() -> JourneyAnalysisConfig:
    """The demo's journey analyses (see ``docs/journeys.md`` for each choice).

    * funnel and time to next stage through :data:`FUNNEL_STEPS`, within 90 days;
    * switches and repeat contacts at the support stage only (the stages with resolutions
      would be the default, but it is the support desk the question is about);
    * backward moves ignore support, which customers visit at any stage, and are counted
      per customer: each deal is its own journey instance, so a step back from onboarding
      to a new deal only shows across the customer's instances;
    * abandonment only where customers are expected to move on quickly (consider, buy);
    * the experience curve on satisfaction with the touchpoint (``csat``), the question
      every touchpoint survey asks, so stages are compared on the same question (Zendesk's
      good/bad ratings at support are on their own scale, normalised like the rest).
    """
    week = timedelta(days=7)
    return JourneyAnalysisConfig(
        funnel=FunnelConfig(steps=FUNNEL_STEPS, window=timedelta(days=90)),
        time_to_next=TimeToNextConfig(steps=FUNNEL_STEPS),
        breaks=BreakConfig(
            rules=(
                ChannelSwitchRule(window=week, stages=("support",)),
                RepeatContactRule(window=week, stages=("support",)),
                BackwardMoveRule(exempt_stages=("support",), unit="person"),
                AbandonmentRule(stages=("consider", "buy"), timeout=timedelta(days=30)),
                MomentOfTruthRule(),
            )
        ),
        curve=CurveConfig(items=("csat",)),
    )


def _toml(value: Any) -> str:
    """A TOML value: strings, numbers, booleans, arrays and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string uses the same escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _table(name: str, values: Mapping[str, Any]) -> list[str]:
    return [f"[{name}]", *(f"{_key(k)} = {_toml(v)}" for k, v in values.items()), ""]


def project_toml(standins: Standins) -> str:
    """The demo project's ``cxcore.toml``, its sources pointed at the running stand-ins."""
    lines = [
        "# The cxcore demo project, written by `cxcore demo`: Northwind Mobile, a synthetic",
        "# mobile operator. Its sources pointed at local stand-ins that ran during the demo",
        "# (the ports are gone now); the store and the report stay. Try:",
        "#   cxcore --config <this file> status",
        "#   cxcore --config <this file> metrics compute nps --by segment --grain quarter",
        "#   cxcore --config <this file> report --out <folder>",
        "# (`cxcore report` runs the journey analyses with their defaults; the demo chose its",
        "# funnel steps and break rules in Python: cxcore_demo.run.journey_config).",
        "",
    ]
    lines += _table("project", {"name": COMPANY_NAME, "timezone": "UTC"})
    lines += _table(
        "journey",
        {
            "id": "northwind",
            "name": f"{COMPANY_NAME} customer journey",
            "importance_scale": {"min": 1, "max": 5},
        },
    )
    for seg_id, label, _share in SEGMENTS:
        lines += _table("[journey.segments]", {"id": seg_id, "label": label})
    for stage_id, label in STAGES:
        lines += _table("[journey.stages]", {"id": stage_id, "label": label})
    for channel_id, label in CHANNELS:
        lines += _table("[journey.channels]", {"id": channel_id, "label": label})
    for tp in TOUCHPOINTS:
        values: dict[str, Any] = {
            "stage": tp.stage,
            "channel": tp.channel,
            "owner_team": tp.owner_team,
            "importance": tp.importance,
            "moment_of_truth": tp.moment_of_truth,
        }
        if tp.pillars:
            values["pillars"] = list(tp.pillars)
        lines += _table("[journey.touchpoints]", values)
    lines += _table("store", {"plugin": "duckdb", "path": STORE_NAME})

    lines += _table("sources.zendesk", {"plugin": "zendesk"})
    lines += _table(
        "sources.zendesk.settings",
        {
            "subdomain": SUBDOMAIN,
            "base_url": standins.zendesk.base_url,
            "email": ZENDESK_EMAIL,
            "api_token": {"env": ENV_ZENDESK_TOKEN},
            # A local stand-in has no rate limits to respect.
            "incremental_requests_per_minute": 0,
            "requests_per_minute": 0,
            # The ticket field holding the issue (billing, network...): repeat contacts
            # are counted per issue.
            "issue_field_id": 360_001,
        },
    )
    lines += _table("sources.hubspot", {"plugin": "hubspot"})
    lines += _table(
        "sources.hubspot.settings",
        {
            "base_url": standins.hubspot.base_url,
            "access_token": {"env": ENV_HUBSPOT_TOKEN},
            "streams": ["contacts", "deals", "feedback_submissions"],
            "requests_per_10_seconds": 0,
            "search_requests_per_second": 0,
        },
    )
    base = standins.medallia.base_url
    lines += _table("sources.medallia", {"plugin": "medallia"})
    lines += _table(
        "sources.medallia.settings",
        {
            "token_url": f"{base}/oauth/{MEDALLIA_COMPANY}/token",
            "query_url": f"{base}/data/v0/query",
            "client_id": MEDALLIA_CLIENT_ID,
            "client_secret": {"env": ENV_MEDALLIA_SECRET},
            "requests_per_second": 0,
            "fields": {"segment": "e_segment", "survey": "e_programname"},
            "segments": {
                "Consumer": "consumer",
                "Small business": "small_business",
                "Enterprise": "enterprise",
            },
        },
    )
    lines += _table("mapping", {"identity_keys": ["email"]})
    lines += _table(
        "mapping.stages",
        {
            # HubSpot lifecycle stages (custom ones by their label) ...
            "subscriber": "discover",
            "lead": "discover",
            "marketingqualifiedlead": "consider",
            "salesqualifiedlead": "consider",
            "opportunity": "consider",
            "customer": "onboard",
            "active_customer": "use",
            "renewed_customer": "renew",
            "former_customer": "renew",
            "evangelist": "renew",
            # ... deals: considering until won ...
            "deal": "consider",
            "deal:closedwon": "buy",
            # ... onboarding effort survey; Medallia touchpoints not in its defaults.
            "survey:ces": "onboard",
            "consideration": "consider",
            "usage": "use",
        },
    )
    lines += _table("metrics.defaults", {"min_n": 30})
    # Churn is about customers: HubSpot contacts who became one (the help desk and survey
    # tools know people, not contracts).
    churn_where = {"source": "hubspot", "attributes.journey_stage": ["onboard", "use", "renew"]}
    lines += _table("metrics.churn_rate", {"where": churn_where})
    lines += _table("metrics.retention_rate", {"where": churn_where})
    return "\n".join(lines)


# -- running ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the block, then restore what was there."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _clean(out: Path) -> None:
    """Remove the previous demo run's outputs (only the files the demo writes)."""
    for name in (
        STORE_NAME,
        f"{STORE_NAME}.wal",
        CONFIG_NAME,
        f"{REPORT_STEM}.html",
        f"{REPORT_STEM}.json",
    ):
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()


def run_demo(
    out_dir: str | os.PathLike[str],
    customers: int = DEFAULT_CUSTOMERS,
    seed: int = DEFAULT_SEED,
    *,
    progress: DemoProgress | None = None,
    credentials: DemoCredentials | None = None,
) -> DemoResult:
    """Build Northwind Mobile, sync it from local stand-ins, analyse it, write the report.

    Writes ``cxcore.toml``, ``store.duckdb``, ``report.html`` and ``report.json`` into
    ``out_dir`` (created if needed; a previous demo's files there are replaced).

    Args:
        customers: people in the synthetic company (about 5,000 gives the README's figures).
        seed: the company is the same for the same ``customers`` and ``seed``.
        progress: called with a :class:`ProgressEvent` at each step and after every page a
            source stores.
        credentials: the stand-ins' credentials and hashing key (default: random).

    Raises:
        DemoError: a source failed to sync (the failed streams are named).
    """
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _clean(out)
    creds = credentials or DemoCredentials.generate()
    timings: dict[str, float] = {}
    synced = 0  # vendor records in finished streams
    current = 0  # ... plus the running stream's

    def tell(phase: str, detail: str, *, done: bool = False) -> None:
        if progress is not None:
            progress(ProgressEvent(phase, detail, current, time.perf_counter() - started, done))

    def phase_done(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - since, 3)
        tell(name, f"finished in {now - since:.1f} s", done=True)
        return now

    t = time.perf_counter()
    tell("generate", f"{COMPANY_NAME}, {customers:,} people")
    company = build_company(customers, seed)
    t = phase_done("generate", t)

    def on_page(p: SyncProgress) -> None:
        nonlocal synced, current
        current = synced + p.records
        if p.done:
            synced = current
        tell("sync", f"{p.source}/{p.stream}", done=p.done)

    config_path = out / CONFIG_NAME
    with _environment(creds.environment()):
        tell("serve", "Zendesk, HubSpot and Medallia stand-ins on 127.0.0.1")
        with serve(
            company,
            zendesk_token=creds.zendesk_token,
            hubspot_token=creds.hubspot_token,
            medallia_secret=creds.medallia_secret,
        ) as standins:
            config_path.write_text(project_toml(standins), encoding="utf-8")
            t = phase_done("serve", t)
            with Workspace.from_config(config_path) as ws:
                summary = sync_sources(ws, progress=on_page)
                requests = standins.requests
        t = phase_done("sync", t)
        if not summary.ok:
            failed = "; ".join(f"{s.source}/{s.stream}: {s.error}" for s in summary.failed)
            raise DemoError(f"the demo's sync failed: {failed}")

        report_steps: dict[str, float] = {}

        def on_report(step: str, seconds: float) -> None:
            report_steps[f"report.{step}"] = round(seconds, 3)
            tell("report", step, done=True)

        tell("report", "KPIs, journeys, priorities, trends")
        with Workspace.from_config(config_path) as ws:
            document = build_document(
                ws,
                journey_config=journey_config(),
                title=f"{COMPANY_NAME}: customer experience",
                progress=on_report,
            )
        r = time.perf_counter()
        paths = render_report(document, out, stem=REPORT_STEM)
        report_steps["report.render"] = round(time.perf_counter() - r, 3)
        t = phase_done("report", t)
    timings.update(report_steps)
    timings["total"] = round(time.perf_counter() - started, 3)
    tell("done", f"report written ({paths.html.name}, {paths.json.name})", done=True)
    return DemoResult(
        out_dir=out,
        config=config_path,
        store=out / STORE_NAME,
        report_html=paths.html,
        report_json=paths.json,
        document=document,
        sync=summary,
        company=company,
        timings=timings,
        requests=requests,
    )
