"""Benchmark: every journey analysis on a synthetic company (default 5,000 customers).

    .venv/bin/python benchmarks/bench_journeys.py [n_customers]

Prints the event count, the load time and the time of each analysis.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# The synthetic company generator is shared with the journey tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "journeys"))
from synth import company, journey  # noqa: E402

from cxcore import DuckDBStore
from cxcore.journeys import (
    JourneyAnalysisConfig,
    LoadConfig,
    StitchConfig,
    analyse_log,
    load_events,
)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    t0 = time.perf_counter()
    data = company(n)
    store = DuckDBStore(":memory:")
    for kind in ("customer", "interaction", "response"):
        store.write(kind, data[kind])  # type: ignore[arg-type]
    t1 = time.perf_counter()
    n_events = len(data["interaction"]) + len(data["response"])
    print(f"{n} customers, {n_events} events; generated and stored in {t1 - t0:.1f} s")
    cfg = JourneyAnalysisConfig(load=LoadConfig(stitch=StitchConfig(identity_keys=["email"])))
    for _ in range(2):
        t = time.perf_counter()
        log = load_events(store, journey(), cfg.load)
        load = time.perf_counter() - t
        result = analyse_log(log, cfg)
        total = time.perf_counter() - t
        steps = ", ".join(f"{k} {v:.3f}" for k, v in result.timings.items())
        print(
            f"load {load:.3f} s; {steps}; total {total:.2f} s; "
            f"persons {log.n_persons}, instances {log.n_instances}"
        )
        t = time.perf_counter()
        result.as_dict()
        print(f"as_dict {time.perf_counter() - t:.3f} s")


if __name__ == "__main__":
    main()
