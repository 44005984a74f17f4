"""Ingest and store throughput: parse + validate + map + store, and columnar reads back.

Prints records/s for each phase and compares, in the same run, against references on the
same rows: DuckDB appending an Arrow table with no validation (the floor for storing) and
``jsonschema`` validating a sample (what validation costs without the compiled fast path).

    python benchmarks/ingest.py --records 1000000
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import tempfile
import time
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from cxcore import DuckDBStore, Workspace
from cxcore.builtins import BUILTIN_PLUGINS

STAGES = ["discover", "consider", "buy", "onboard", "use", "support", "renew", "recommend"]
CHANNELS = ["web", "app", "email", "phone", "chat", "store"]


def make_lines(n: int, seed: int = 42) -> list[bytes]:
    """n JSONL lines of 15-field responses, the shape a survey export has."""
    rnd = random.Random(seed)
    lines = []
    for i in range(n):
        month = 1 + i % 12
        # json.dumps: orjson's bytes objects each keep a ~4 KB buffer on this machine.
        lines.append(
            json.dumps(
                {
                    "kind": "response",
                    "source": "survey",
                    "id": f"r{i:09d}",
                    "item": "nps",
                    "value": rnd.randint(0, 10),
                    "scale": {"min": 0, "max": 10},
                    "occurred_at": f"2024-{month:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                    "customer_id": f"c{rnd.randrange(n // 10 + 1)}",
                    "survey": "relationship",
                    "comment": None,
                    "stage": STAGES[i % 8],
                    "channel": CHANNELS[i % 6],
                    "journey_instance": f"j{i // 3}",
                    "attributes": {"lang": "en"},
                    "deleted": False,
                }
            ).encode()
        )
    return lines


def timed(fn):  # type: ignore[no-untyped-def]
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100_000)
    args = parser.parse_args()
    n = args.records
    print(f"building {n:,} JSONL lines ...", flush=True)
    lines = make_lines(n)
    mb = sum(map(len, lines)) / 1e6
    print(f"{n:,} records, {mb:.0f} MB of JSONL\n")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        # One DuckDB thread: the target is 50,000 records/s on ONE core.
        ws = Workspace(store=DuckDBStore(path, threads=1), plugins=list(BUILTIN_PLUGINS))
        ingestor = ws.ingestor(batch_size=args.batch)

        def items():  # parse inside the timed region: parse is part of ingest
            for i, line in enumerate(lines):
                yield f"bench.jsonl:{i + 1}", "response", orjson.loads(line)

        t_ingest, summary = timed(lambda: ingestor.ingest(items(), source="survey"))
        assert summary.inserted == n and not summary.rejected, summary
        t_again, again = timed(lambda: ingestor.ingest(items(), source="survey"))
        assert again.unchanged == n

        cols = ["stage", "channel", "segment", "value", "occurred_at", "item", "source"]
        store = ws.store

        def read_all() -> int:
            return sum(b.num_rows for b in store.scan("response", cols))

        t_read, rows = timed(read_all)
        assert rows == n
        ws.close()
        size = path.stat().st_size / 1e6

        # Reference 1: DuckDB appending the same rows from Arrow, no validation, no upsert.
        records = [orjson.loads(x) for x in lines]
        arrow_rows = pa.table(
            {
                k: [r[k] for r in records]
                for k in ("source", "id", "item", "value", "occurred_at", "stage", "channel")
            }
        )
        con = duckdb.connect(str(Path(tmp) / "ref.duckdb"))
        con.register("arrow_rows", arrow_rows)
        t_ref, _ = timed(
            lambda: con.execute("CREATE TABLE t AS SELECT * FROM arrow_rows").fetchall()
        )
        t_ref_read, _ = timed(
            lambda: sum(b.num_rows for b in con.sql("SELECT * FROM t").to_arrow_reader(1 << 20))
        )
        con.close()

        # Reference 2: jsonschema on a sample (what validation would cost without fast path).
        sample = records[:3000]
        validator = ws.schemas.validator("response")._explainer
        t_js, _ = timed(lambda: [validator.is_valid(r) for r in sample])

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = n / t_ingest
    rows = [
        ("cxcore ingest: parse+validate+map+upsert (DuckDB file)", t_ingest, n),
        ("cxcore re-ingest of the same records (all unchanged)", t_again, n),
        ("cxcore columnar read, 7 columns (store.scan)", t_read, n),
        ("ref: DuckDB CTAS from Arrow, no validation/upsert", t_ref, n),
        ("ref: DuckDB read back 7 columns as Arrow", t_ref_read, n),
        ("ref: jsonschema is_valid per record (sample of 3,000)", t_js, len(sample)),
    ]
    print(f"{'phase':<58}{'seconds':>9}{'records/s':>13}")
    for label, seconds, count in rows:
        print(f"{label:<58}{seconds:>9.2f}{count / seconds:>13,.0f}")
    print()
    print(f"ingest vs 50,000 records/s target: {rate / 50_000:.2f}x")
    print(f"ingest time / DuckDB raw append: {t_ingest / t_ref:.1f}x")
    print(f"store file: {size:.0f} MB; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
