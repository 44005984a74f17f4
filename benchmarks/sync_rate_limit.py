"""Benchmark: a Zendesk ticket sync against a local stand-in, with and without a rate limit.

Two runs over the same N tickets (default 100,000), the stand-in serving from its own process
so its work does not share the client's interpreter:

1. **rate-limited**: the stand-in enforces R incremental-export requests per minute (429 with
   ``Retry-After`` on excess) and the source is configured for the same R. The sync must
   finish within 10% of the floor set by the limit, ``pages / R`` minutes, and the stand-in
   must never have answered 429.
2. **unlimited**: no limit on either side; reports records per second end to end (fetch,
   validate, map, validate again, store in a DuckDB file).

Usage::

    python benchmarks/sync_rate_limit.py                       # 100k tickets, R=60, 1000/page
    python benchmarks/sync_rate_limit.py --rate 10 --page-size 1000   # Zendesk's real 10/min
    python benchmarks/sync_rate_limit.py --skip-limited         # throughput only

Exit status 1 when the rate-limited run misses the 10% bound or saw a 429.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _p in (_ROOT, _ROOT / "plugins" / "zendesk"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

TOKEN = "bench-api-token"


def _serve(tickets: int, page_size: int, rate: int | None, conn: Connection) -> None:
    """Child process: build the data, serve it, report the stand-in's counters on request."""
    from cxcore_zendesk.standin import ZendeskStandin, sample_dataset

    # ~1.6 tickets per customer in the sample generator; make enough, then cut to N.
    data = sample_dataset(int(tickets / 1.55) + 10, seed=42)
    rows = sorted(data["tickets"], key=lambda t: t["id"])[:tickets]
    with ZendeskStandin(
        tickets=rows, page_size=page_size, token=TOKEN, incremental_rate_limit_per_minute=rate
    ) as server:
        conn.send({"base_url": server.base_url, "tickets": len(rows)})
        conn.recv()  # "stop"
        conn.send(
            {
                "requests": len(server.requests_to("/incremental/")),
                "served_429": server.served_429,
                "throttled": server.throttled,
            }
        )


def _run(tickets: int, page_size: int, rate: int | None, store_dir: Path) -> dict[str, Any]:
    from cxcore import DuckDBStore, ProjectConfig, Workspace
    from cxcore.config import SourceConfig, StoreConfig
    from cxcore.sdk import sync_sources

    parent, child = mp.Pipe()
    proc = mp.Process(target=_serve, args=(tickets, page_size, rate, child), daemon=True)
    proc.start()
    info = parent.recv()
    os.environ["CXCORE_BENCH_TOKEN"] = TOKEN
    settings = {
        "base_url": info["base_url"],
        "email": "admin@example.com",
        "api_token": {"env": "CXCORE_BENCH_TOKEN"},
        "page_size": page_size,
        "incremental_requests_per_minute": rate or 0,
        "streams": ["tickets"],
    }
    config = ProjectConfig(
        store=StoreConfig(path=None),
        sources={"zendesk": SourceConfig(name="zendesk", plugin="zendesk", settings=settings)},
    )
    path = store_dir / f"bench-{rate or 'unlimited'}.duckdb"
    ws = Workspace(
        config=config, store=DuckDBStore(path), plugins=["cxcore_zendesk"], entry_points=False
    )
    last = [0.0]

    def progress(event: Any) -> None:
        now = time.monotonic()
        if event.done or now - last[0] >= 10:
            last[0] = now
            print(
                f"  {event.pages} pages, {event.records:,} records, {event.rate:,.0f} rec/s",
                file=sys.stderr,
            )

    started = time.perf_counter()
    summary = sync_sources(ws, progress=progress)
    elapsed = time.perf_counter() - started
    stored = ws.store.count("interaction")
    ws.close()
    parent.send("stop")
    server = parent.recv()
    proc.join(timeout=10)
    stream = summary.streams[0]
    return {
        "ok": summary.ok,
        "error": stream.error,
        "tickets": info["tickets"],
        "pages": stream.pages,
        "records": stream.records,
        "stored": stored,
        "elapsed": elapsed,
        "records_per_second": stream.records / elapsed,
        "client_requests": stream.requests,
        "server": server,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rate", type=int, default=60, help="requests per minute (R)")
    parser.add_argument("--page-size", type=int, default=1000, help="tickets per page (<= 1000)")
    parser.add_argument("--skip-limited", action="store_true")
    parser.add_argument("--skip-unlimited", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    os.environ.setdefault("CXCORE_HASH_KEY", secrets.token_hex(32))
    results: dict[str, Any] = {}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_limited:
            print(f"rate-limited: {args.tickets:,} tickets, R={args.rate}/min, "
                  f"{args.page_size}/page", file=sys.stderr)  # fmt: skip
            r = _run(args.tickets, args.page_size, args.rate, Path(tmp))
            floor = r["pages"] / args.rate * 60.0
            r["floor_seconds"] = floor
            r["ratio_to_floor"] = r["elapsed"] / floor
            r["within_10_percent"] = r["elapsed"] <= 1.10 * floor
            results["limited"] = r
            failed |= not (r["ok"] and r["within_10_percent"] and r["server"]["served_429"] == 0)
            print(
                f"  {r['pages']} pages in {r['elapsed']:.1f}s; floor pages/R = {floor:.1f}s; "
                f"ratio {r['ratio_to_floor']:.3f}; 429s served: {r['server']['served_429']}; "
                f"records stored: {r['stored']:,}",
                file=sys.stderr,
            )
        if not args.skip_unlimited:
            print(f"unlimited: {args.tickets:,} tickets, {args.page_size}/page", file=sys.stderr)
            r = _run(args.tickets, args.page_size, None, Path(tmp))
            results["unlimited"] = r
            failed |= not r["ok"]
            print(
                f"  {r['records']:,} records in {r['elapsed']:.1f}s = "
                f"{r['records_per_second']:,.0f} records/s end to end "
                f"(fetch, validate, map, store); stored {r['stored']:,}",
                file=sys.stderr,
            )
    if args.json:
        print(json.dumps(results, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
