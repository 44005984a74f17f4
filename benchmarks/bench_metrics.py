"""Metric engine speed against DuckDB doing the same work in the same run.

Synthetic survey responses (seed 42): 8 stages, 6 channels, 5 segments (from 50,000
customers), 24 months (2023-01 .. 2024-12), one response per row with the item ``nps`` (0-10,
30 % unanswered), ``csat`` (1-5, 40 % unanswered) or ``ces`` (1-7, 60 % unanswered). Work:
NPS, CSAT (top-2-box) and CES (mean) by (stage, channel, segment, month).

Figures (medians after one warm-up run):

1. in memory: the engine over an Arrow table in the store's scan format (dimensions
   dictionary-encoded) vs DuckDB's GROUP BY over the same Arrow table; target ratio <= 1;
2. from the default store on disk, reading included: the engine streaming ``store.scan``
   vs DuckDB querying its own tables (the same join for the customer's segment); target <= 2;
3. a one-line custom Python KPI (``cxcore.metrics.share``): records per second;
4. peak memory while streaming from the store (a fresh process per size).

Both sides are checked to give the same groups, counts and values. The machine has 2 cores
and is shared: run-to-run noise of +/-30 % on sub-second timings is normal, so compare the
ratios of one run rather than absolute seconds across runs.

Usage::

    python benchmarks/bench_metrics.py                 # 1M rows
    python benchmarks/bench_metrics.py --with-10m      # also 10M (needs ~6 GB and a few minutes)
    python benchmarks/bench_metrics.py --sizes 200000 --reps 3 --skip-store
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from cxcore import DuckDBStore, PluginManager
from cxcore.metrics import MetricEngine, load_calculators, share

STAGES = [f"stage_{i}" for i in range(8)]
CHANNELS = ["web", "app", "email", "phone", "chat", "store"]
SEGMENTS = [f"segment_{i}" for i in range(5)]
ITEMS = ["nps", "csat", "ces"]
SCALES = [
    '{"min":0.0,"max":10.0,"direction":"higher_is_better"}',
    '{"min":1.0,"max":5.0,"direction":"higher_is_better"}',
    '{"min":1.0,"max":7.0,"direction":"higher_is_better"}',
]
N_CUSTOMERS = 50_000
START_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z
SPAN_US = 731 * 86_400 * 1_000_000  # to 2025-01-01
METRICS = ["nps", "csat", "ces"]
BY = ["stage", "channel", "segment"]

DUCKDB_SQL = """
SELECT {stage} AS stage, {channel} AS channel, {segment} AS segment,
       CAST(date_trunc('month', occurred_at) AS VARCHAR) AS month,
       count(*) FILTER (WHERE item = 'nps' AND value IS NOT NULL) AS nps_n,
       count(*) FILTER (WHERE item = 'nps' AND value >= 9) AS promoters,
       count(*) FILTER (WHERE item = 'nps' AND value <= 6) AS detractors,
       count(*) FILTER (WHERE item = 'csat' AND value IS NOT NULL) AS csat_n,
       count(*) FILTER (WHERE item = 'csat' AND value >= 4) AS satisfied,
       count(*) FILTER (WHERE item = 'ces' AND value IS NOT NULL) AS ces_n,
       avg(value) FILTER (WHERE item = 'ces') AS ces
FROM {source}
GROUP BY ALL
"""


def _engine(store: DuckDBStore | None = None) -> MetricEngine:
    pm = PluginManager(["cxcore.builtins.catalogue"], entry_points=False, use_env=False)
    return MetricEngine(load_calculators(plugins=pm), timezone="UTC", store=store)


def _columns(n: int, seed: int, offset: int = 0) -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed + offset)
    item = rng.integers(0, 3, n)
    nps = np.minimum(10, np.rint(rng.beta(5, 2, n) * 10.49)).astype(np.float64)
    csat = rng.integers(1, 6, n).astype(np.float64)
    ces = rng.integers(1, 8, n).astype(np.float64)
    value = np.choose(item, [nps, csat, ces])
    missing = rng.random(n) < np.array([0.3, 0.4, 0.6])[item]
    return {
        "item": item,
        "value": value,
        "missing": missing,
        "stage": rng.integers(0, 8, n),
        "channel": rng.integers(0, 6, n),
        "customer": rng.integers(0, N_CUSTOMERS, n),
        "ts": START_US + rng.integers(0, SPAN_US, n),
    }


def _segment_of_customer() -> np.ndarray:  # type: ignore[type-arg]
    return np.random.default_rng(7).integers(0, len(SEGMENTS), N_CUSTOMERS)


def _dict(codes: np.ndarray, vocab: list[str]) -> pa.DictionaryArray:  # type: ignore[type-arg]
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(vocab))


def arrow_table(n: int, seed: int = 42) -> pa.Table:
    """The responses as the store's scan hands them over (segment already joined)."""
    c = _columns(n, seed)
    segment = _segment_of_customer()[c["customer"]]
    return pa.table(
        {
            "item": _dict(c["item"], ITEMS),
            "value": pa.array(c["value"], mask=c["missing"]),
            "scale": _dict(c["item"], SCALES),
            "occurred_at": pa.array(c["ts"], pa.timestamp("us", tz="UTC")),
            "stage": _dict(c["stage"], STAGES),
            "channel": _dict(c["channel"], CHANNELS),
            "segment": _dict(segment, SEGMENTS),
        }
    )


def _records(n: int, seed: int, chunk: int) -> Iterator[list[dict[str, Any]]]:
    scales = [json.loads(s) for s in SCALES]
    done = 0
    part = 0
    while done < n:
        size = min(chunk, n - done)
        c = _columns(size, seed, offset=part)
        ts = pa.array(c["ts"], pa.timestamp("us", tz="UTC")).cast(pa.string()).to_pylist()
        out = []
        for i in range(size):
            k = int(c["item"][i])
            out.append(
                {
                    "source": "bench",
                    "id": f"r{done + i}",
                    "item": ITEMS[k],
                    "value": None if c["missing"][i] else float(c["value"][i]),
                    "scale": scales[k],
                    "occurred_at": ts[i].replace(" ", "T"),
                    "stage": STAGES[int(c["stage"][i])],
                    "channel": CHANNELS[int(c["channel"][i])],
                    "customer_id": f"c{int(c['customer'][i])}",
                }
            )
        yield out
        done += size
        part += 1


def build_store(path: Path, n: int, seed: int = 42) -> float:
    """Write customers and responses through ``Store.write`` (as ingest does); seconds taken."""
    started = time.perf_counter()
    with DuckDBStore(path) as store:
        segments = _segment_of_customer()
        store.write(
            "customer",
            [
                {"source": "bench", "id": f"c{i}", "segment": SEGMENTS[int(segments[i])]}
                for i in range(N_CUSTOMERS)
            ],
        )
        for chunk in _records(n, seed, 200_000):
            store.write("response", chunk)
    return time.perf_counter() - started


def timed(fn: Callable[[], Any], reps: int) -> tuple[float, list[float], Any]:
    result = fn()  # warm-up
    runs = []
    for _ in range(reps):
        t = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs), runs, result


def _engine_groups(results: Any) -> dict[tuple[Any, ...], dict[str, Any]]:
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in results:
        key = (r.group["stage"], r.group["channel"], r.group["segment"], r.period["start"][:7])
        out.setdefault(key, {})[r.metric] = (r.n, r.value)
    return out


def _duck_groups(rows: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    out: dict[tuple[Any, ...], dict[str, Any]] = {}
    for stage, channel, segment, month, nps_n, pro, det, csat_n, sat, ces_n, ces in rows:
        key = (stage, channel, segment, str(month)[:7])
        got: dict[str, Any] = {}
        if nps_n:
            got["nps"] = (nps_n, 100.0 * (pro - det) / nps_n)
        if csat_n:
            got["csat"] = (csat_n, 100.0 * sat / csat_n)
        if ces_n:
            got["ces"] = (ces_n, ces)
        out[key] = got
    return out


def same_results(engine_results: Any, duck_rows: list[tuple[Any, ...]]) -> bool:
    a, b = _engine_groups(engine_results), _duck_groups(duck_rows)
    if a.keys() != b.keys():
        return False
    for key, metrics in a.items():
        other = b[key]
        if metrics.keys() != other.keys():
            return False
        for m, (n, v) in metrics.items():
            n2, v2 = other[m]
            if n != n2 or abs(v - v2) > 1e-9 * max(1.0, abs(v2)):
                return False
    return True


def bench_memory(n: int, reps: int) -> dict[str, Any]:
    table = arrow_table(n)
    engine = _engine()
    t_eng, runs_eng, results = timed(
        lambda: engine.compute(
            METRICS, table, kind="response", by=BY, grain="month", batch_size=1 << 20
        ),
        reps,
    )
    t_dicts, _, _ = timed(lambda: results.to_dicts(), 1)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("responses_arrow", table)
    sql = DUCKDB_SQL.format(
        stage="stage", channel="channel", segment="segment", source="responses_arrow"
    )
    t_duck, runs_duck, rows = timed(lambda: con.execute(sql).fetchall(), reps)
    plain = table.cast(
        pa.schema(
            [
                (f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                for f in table.schema
            ]
        )
    )
    con.register("responses_plain", plain)
    sql_plain = sql.replace("responses_arrow", "responses_plain")
    t_duck_plain, _, _ = timed(lambda: con.execute(sql_plain).fetchall(), reps)

    kpi = share(
        "ces_easy",
        where=lambda b: b["item"] == "ces",
        success=lambda b: b["value"] >= 6,
        requires=("item", "value"),
    )
    custom = MetricEngine([kpi.factory()])
    t_kpi, _, kpi_res = timed(
        lambda: custom.compute(["ces_easy"], table, kind="response", batch_size=1 << 20), reps
    )
    t_kpi_grouped, _, _ = timed(
        lambda: custom.compute(
            ["ces_easy"], table, kind="response", by=BY, grain="month", batch_size=1 << 20
        ),
        reps,
    )
    return {
        "rows": n,
        "groups": len(
            {
                (r.group["stage"], r.group["channel"], r.group["segment"], r.period["start"])
                for r in results
            }
        ),
        "engine_s": t_eng,
        "engine_runs_s": runs_eng,
        "engine_result_records": len(results),
        "to_dicts_s": t_dicts,
        "duckdb_s": t_duck,
        "duckdb_runs_s": runs_duck,
        "duckdb_plain_strings_s": t_duck_plain,
        "ratio": t_eng / t_duck,
        "ratio_vs_fastest_duckdb": t_eng / min(t_duck, t_duck_plain),
        "same_results": same_results(results, rows),
        "kpi_one_line_s": t_kpi,
        "kpi_records_per_s": n / t_kpi,
        "kpi_grouped_records_per_s": n / t_kpi_grouped,
        "kpi_value": kpi_res[0].value,
    }


def bench_store(path: Path, n: int, reps: int) -> dict[str, Any]:
    with DuckDBStore(path, read_only=True) as store:
        engine = _engine(store)
        t_eng, runs_eng, results = timed(
            lambda: engine.compute(METRICS, by=BY, grain="month"), reps
        )
        sql = DUCKDB_SQL.format(
            stage="r.stage",
            channel="r.channel",
            segment="c.segment",
            source="responses AS r LEFT JOIN customers AS c ON c.source = r.source "
            "AND c.id = r.customer_id AND NOT c.deleted WHERE NOT r.deleted",
        )
        store.sql("SET TimeZone = 'UTC'")
        t_duck, runs_duck, rows = timed(lambda: store.sql(sql), reps)
        return {
            "rows": n,
            "engine_s": t_eng,
            "engine_runs_s": runs_eng,
            "duckdb_s": t_duck,
            "duckdb_runs_s": runs_duck,
            "ratio": t_eng / t_duck,
            "same_results": same_results(results, rows),
        }


def _vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> None:
    with contextlib.suppress(OSError):  # not Linux: the peak includes start-up
        Path("/proc/self/clear_refs").write_text("5")


def child_peak(path: str, mode: str) -> None:
    """Run in a fresh process: peak RSS of one streaming pass over the store.

    ``compute``: the engine's computation; ``scan``: only iterating ``store.scan`` over the
    same columns (what DuckDB and Arrow need to read, without the engine's work).
    """
    with DuckDBStore(path, read_only=True) as store:
        engine = _engine(store)
        plan = engine.plan(METRICS, by=BY, grain="month")
        columns = plan.columns("response")
        before = _vm_hwm_mb()
        _reset_peak()
        baseline = _vm_hwm_mb()
        t = time.perf_counter()
        if mode == "scan":
            rows = sum(b.num_rows for b in store.scan("response", columns))
        else:
            rows = len(engine.compute(METRICS, by=BY, grain="month"))
        seconds = time.perf_counter() - t
        peak = _vm_hwm_mb()
    print(
        json.dumps(
            {
                "peak_mb": peak,
                "baseline_mb": baseline,
                "startup_peak_mb": before,
                "seconds": seconds,
                "rows_or_results": rows,
            }
        )
    )


def peak_memory(path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("scan", "compute"):
        run = subprocess.run(
            [sys.executable, __file__, "--child-peak", str(path), "--child-mode", mode],
            check=True,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        out[mode] = json.loads(run.stdout.strip().splitlines()[-1])
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--with-10m", action="store_true", help="also run 10,000,000 rows")
    parser.add_argument("--reps", type=int, default=5, help="timed runs after a warm-up")
    parser.add_argument("--skip-store", action="store_true", help="in-memory figures only")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the benchmark stores here (reused when present)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child-peak", help=argparse.SUPPRESS)
    parser.add_argument("--child-mode", default="compute", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_peak:
        child_peak(args.child_peak, args.child_mode)
        return
    sizes = list(args.sizes) + ([10_000_000] if args.with_10m else [])
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pyarrow": pa.__version__,
        "duckdb": duckdb.__version__,
        "cpus": os.cpu_count(),
        "runs": [],
    }
    tmp = tempfile.TemporaryDirectory(prefix="cxcore-bench-")
    data_dir = args.data_dir or Path(tmp.name)
    data_dir.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        print(f"== {n:,} responses", flush=True)
        entry: dict[str, Any] = {"rows": n, "memory": bench_memory(n, args.reps)}
        m = entry["memory"]
        print(
            f"in memory   engine {m['engine_s']:.3f} s  duckdb {m['duckdb_s']:.3f} s  "
            f"ratio {m['ratio']:.2f}  (duckdb on plain strings {m['duckdb_plain_strings_s']:.3f} s;"
            f" ratio to the faster {m['ratio_vs_fastest_duckdb']:.2f})  groups {m['groups']}  "
            f"same results: {m['same_results']}",
            flush=True,
        )
        print(
            f"one-line KPI {m['kpi_records_per_s'] / 1e6:.1f} M records/s "
            f"({m['kpi_grouped_records_per_s'] / 1e6:.1f} M/s grouped by stage, channel, "
            f"segment, month)",
            flush=True,
        )
        if not args.skip_store:
            path = data_dir / f"responses_{n}.duckdb"
            if not path.exists():
                seconds = build_store(path, n)
                print(
                    f"store built in {seconds:.1f} s ({n / seconds:,.0f} records/s via "
                    "Store.write)",
                    flush=True,
                )
            entry["store"] = bench_store(path, n, args.reps)
            s = entry["store"]
            print(
                f"from store  engine {s['engine_s']:.3f} s  duckdb {s['duckdb_s']:.3f} s  "
                f"ratio {s['ratio']:.2f}  same results: {s['same_results']}",
                flush=True,
            )
            entry["peak"] = peak_memory(path)
            p, q = entry["peak"]["compute"], entry["peak"]["scan"]
            print(
                f"streaming   peak RSS {p['peak_mb']:.0f} MB (baseline {p['baseline_mb']:.0f} MB,"
                f" +{p['peak_mb'] - p['baseline_mb']:.0f} MB) in {p['seconds']:.2f} s; "
                f"scanning alone +{q['peak_mb'] - q['baseline_mb']:.0f} MB",
                flush=True,
            )
        report["runs"].append(entry)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    tmp.cleanup()


if __name__ == "__main__":
    main()
