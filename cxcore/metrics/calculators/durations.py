"""Duration statistics (first reply, resolution times): exact mean, sketched quantiles.

Means come from exact sums. Quantiles (median, p90) come from a per-group log-bucket
histogram with a fixed bucket ratio of 1.02, so a reported quantile is within about 1 % of a
value at that rank (DDSketch-style). The histogram merges by addition, so one pass, chunks or
partitions give identical quantiles. Quantiles use the nearest-rank definition; their interval
is distribution-free (the order statistics whose ranks bracket ``n q`` by ``z sqrt(n q (1-q))``).
"""

from __future__ import annotations

import math
import re
from typing import Final

import numpy as np

from ...stats import norm_ppf
from ..batch import F64, I64, Batch
from ..calculator import Calculator, Estimates, FinalizeContext, as_int
from ..definition import MetricDefinition
from ..errors import MetricDefinitionError, MetricInputError
from ..estimators import mean_estimates
from ..filters import All, Filter
from ..state import State

__all__ = [
    "SKETCH_BINS",
    "DurationCalculator",
    "duration_estimates",
    "parse_statistic",
    "sketch_bins",
]

_GAMMA: Final = 1.02
_LOG_GAMMA: Final = math.log(_GAMMA)
#: Bin 0 holds zeros, bin 1 (0, 1 s), then one bin per factor 1.02 up to ~30 years.
SKETCH_BINS: Final = 2 + math.ceil(math.log(1e9) / _LOG_GAMMA)
_STAT_RE = re.compile(r"^(mean|median|p(\d{1,2}))$")
_BIN_VALUES = np.concatenate(
    [[0.0, 0.5], _GAMMA ** (np.arange(SKETCH_BINS - 2, dtype=np.float64) + 0.5)]
)


def parse_statistic(stat: str, where: str) -> float | None:
    """``mean`` -> None, ``median`` -> 0.5, ``p90`` -> 0.9."""
    m = _STAT_RE.match(stat)
    if not m:
        raise MetricDefinitionError(
            f"{where}: statistic {stat!r} must be mean, median or pNN (e.g. p90)"
        )
    if m.group(1) == "mean":
        return None
    if m.group(1) == "median":
        return 0.5
    q = int(m.group(2))
    if not 0 < q < 100:
        raise MetricDefinitionError(f"{where}: percentile must be between p1 and p99")
    return q / 100.0


def sketch_bins(seconds: F64) -> I64:
    """The histogram bin of each (non-negative) duration."""
    out = np.zeros(len(seconds), dtype=np.int64)
    pos = seconds > 0
    small = pos & (seconds < 1.0)
    out[small] = 1
    big = seconds >= 1.0
    if big.any():
        idx = 2 + np.floor(np.log(seconds[big]) / _LOG_GAMMA).astype(np.int64)
        out[big] = np.minimum(idx, SKETCH_BINS - 1)
    return out


def _quantile_at(cum: I64, rank: F64) -> F64:
    """Value at a 1-based rank per group, from cumulative bin counts (NaN where invalid)."""
    n = cum[:, -1] if cum.shape[1] else np.zeros(len(cum), dtype=np.int64)
    ok = (n > 0) & ~np.isnan(rank)
    r = np.where(ok, np.clip(np.nan_to_num(rank), 1, np.maximum(n, 1)), 1)
    pos = np.argmax(cum >= r[:, None], axis=1)
    return np.where(ok, _BIN_VALUES[pos], np.nan)


def duration_estimates(
    n: F64, total: F64, total_sq: F64, sketch: I64, quantile: float | None, ctx: FinalizeContext
) -> Estimates:
    """Mean with t interval, or a sketched quantile with an order-statistic interval."""
    cum = np.cumsum(sketch, axis=1)
    counts = cum[:, -1].astype(np.float64)
    median = _quantile_at(cum, np.ceil(0.5 * counts))
    p90 = _quantile_at(cum, np.ceil(0.9 * counts))
    mean = mean_estimates(n, total, total_sq, ctx)
    comps = {"mean": mean.value, "median": median, "p90": p90, "total": np.asarray(total, float)}
    if quantile is None:
        return Estimates(
            n=mean.n,
            value=mean.value,
            low=mean.low,
            high=mean.high,
            method="t",
            components=comps,
            change=mean.change,
        )
    z = -float(norm_ppf((1.0 - ctx.confidence) / 2.0))
    spread = z * np.sqrt(counts * quantile * (1.0 - quantile))
    value = _quantile_at(cum, np.ceil(quantile * counts))
    low = _quantile_at(cum, np.floor(quantile * counts - spread))
    high = _quantile_at(cum, np.ceil(quantile * counts + spread))
    return Estimates(
        n=as_int(counts),
        value=value,
        low=low,
        high=high,
        method="order_statistic",
        components=comps,
    )


def _sketch_counts(g: I64, bins: I64, n_groups: int) -> I64:
    if n_groups * SKETCH_BINS <= 4 * max(len(g), 1):
        flat = np.bincount(g * SKETCH_BINS + bins, minlength=n_groups * SKETCH_BINS)
        return flat.reshape(n_groups, SKETCH_BINS)
    out = np.zeros((n_groups, SKETCH_BINS), dtype=np.int64)
    np.add.at(out, (g, bins), 1)
    return out


class DurationCalculator(Calculator):
    """A statistic of a duration field in seconds (``durations.full_resolution``...).

    Args:
        definition: the metric definition (unit ``seconds``).
        field: the numeric field holding seconds.
        where: which records count (e.g. ``type = "ticket.solved"``).
        statistic: ``mean``, ``median`` or ``pNN``.
    """

    def __init__(
        self,
        definition: MetricDefinition,
        *,
        field: str,
        where: Filter | None = None,
        statistic: str = "median",
    ) -> None:
        self.definition = definition
        self.field = field
        self.where = where or All()
        self.quantile = parse_statistic(statistic, f"metric {definition.id!r}")

    def create(self) -> State:
        return duration_state()

    def update(self, state: State, batch: Batch) -> None:
        x = batch.number(self.field)
        keep = ~np.isnan(x)
        if not (isinstance(self.where, All) and not self.where.parts):
            keep &= self.where.mask(batch)
        if not keep.any():
            return
        if (x[keep] < 0).any():
            raise MetricInputError(
                f"metric {self.id!r}: {batch.kind} field {self.field!r} has negative durations"
            )
        add_durations(state, self.groups(batch)[keep], x[keep], batch.n_groups)

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        return finalize_durations(state, self.quantile, ctx)


def duration_state() -> State:
    """The state layout duration metrics share."""
    return State(
        grouped={
            "n": ((), "int64"),
            "sum": ((), "float64"),
            "sum_sq": ((), "float64"),
            "sketch": ((SKETCH_BINS,), "int64"),
        }
    )


def add_durations(state: State, g: I64, seconds: F64, n_groups: int) -> None:
    """Add durations of rows in groups ``g`` (rows in group 0 are ignored by the engine)."""
    state.add("n", np.bincount(g, minlength=n_groups))
    state.add("sum", np.bincount(g, weights=seconds, minlength=n_groups))
    state.add("sum_sq", np.bincount(g, weights=seconds * seconds, minlength=n_groups))
    state.add("sketch", _sketch_counts(g, sketch_bins(seconds), n_groups))


def finalize_durations(state: State, quantile: float | None, ctx: FinalizeContext) -> Estimates:
    """Estimates from a duration state."""
    return duration_estimates(
        state.grouped_array("n", ctx.n_groups).astype(np.float64),
        state.grouped_array("sum", ctx.n_groups),
        state.grouped_array("sum_sq", ctx.n_groups),
        state.grouped_array("sketch", ctx.n_groups),
        quantile,
        ctx,
    )
