"""Result records (one metric, one group, one period) and their JSON, CSV and table forms.

Every record validates against the ``metric-result`` schema. Numbers are kept at full
precision; only the table form rounds, for display.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from ..errors import RecordValidationError
from ..schemas import SchemaRegistry

__all__ = [
    "Change",
    "ChangeColumns",
    "Interval",
    "MetricResult",
    "ResultBlock",
    "ResultSet",
    "validate_result",
]


def _num(value: float | None) -> float | None:
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


@attrs.frozen(kw_only=True)
class Interval:
    """A confidence interval: bounds (``None`` when undefined), level and method."""

    low: float | None
    high: float | None
    level: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """The interval in the ``metric-result`` wire format."""
        return {
            "low": _num(self.low),
            "high": _num(self.high),
            "level": self.level,
            "method": self.method,
        }


@attrs.frozen(kw_only=True)
class Change:
    """The change against the previous period and whether it is larger than sampling noise.

    ``statistic``/``p_value`` come from the adjusted-Wald z-test (NPS), the pooled
    two-proportion z-test (shares) or Welch's t-test (means); ``method`` is ``none`` for
    counts, times and derived values, which get the delta only.
    """

    previous: float | None
    delta: float | None
    method: str
    statistic: float | None = None
    p_value: float | None = None
    significant: bool | None = None
    alpha: float = 0.05

    def to_dict(self) -> dict[str, Any]:
        """The change in the ``metric-result`` wire format."""
        return {
            "previous": _num(self.previous),
            "delta": _num(self.delta),
            "method": self.method,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "significant": self.significant,
            "alpha": self.alpha,
        }


@attrs.frozen(kw_only=True)
class MetricResult:
    """The value of one metric for one group and period, with its uncertainty."""

    metric: str
    metric_version: str
    group: Mapping[str, str | None]
    period: Mapping[str, str] | None
    n: int
    value: float | None
    unit: str
    interval: Interval | None = None
    low_sample: bool = False
    suppressed: bool = False
    components: Mapping[str, float | None] = attrs.field(factory=dict)
    change: Change | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record in the ``metric-result`` wire format."""
        return {
            "metric": self.metric,
            "metric_version": self.metric_version,
            "group": dict(self.group),
            "period": dict(self.period) if self.period is not None else None,
            "n": self.n,
            "value": _num(self.value),
            "unit": self.unit,
            "interval": self.interval.to_dict() if self.interval is not None else None,
            "low_sample": self.low_sample,
            "suppressed": self.suppressed,
            "components": {k: _num(v) for k, v in self.components.items()},
            "change": self.change.to_dict() if self.change is not None else None,
        }


_REGISTRY: SchemaRegistry | None = None


def validate_result(record: Mapping[str, Any]) -> None:
    """Raise :class:`~cxcore.RecordValidationError` unless it matches ``metric-result``."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = SchemaRegistry.builtin()
    validator = _REGISTRY.validator("metric-result")
    if not validator.is_valid(record):
        raise RecordValidationError(
            f"result of {record.get('metric')!r}", validator.errors(record), schema="metric-result"
        )


@attrs.frozen(kw_only=True, eq=False)
class ChangeColumns:
    """Period-over-period changes of a block's rows (NaN / False where there is none)."""

    has: npt.NDArray[np.bool_]
    previous: npt.NDArray[np.float64]
    delta: npt.NDArray[np.float64]
    statistic: npt.NDArray[np.float64]
    p_value: npt.NDArray[np.float64]
    method: str
    alpha: float

    def at(self, i: int) -> Change | None:
        """The change of row ``i``, or ``None``."""
        if not self.has[i]:
            return None
        p = float(self.p_value[i])
        return Change(
            previous=float(self.previous[i]),
            delta=float(self.delta[i]),
            method=self.method,
            statistic=_num(float(self.statistic[i])),
            p_value=_num(p),
            significant=None if math.isnan(p) else bool(p < self.alpha),
            alpha=self.alpha,
        )


@attrs.frozen(kw_only=True, eq=False)
class ResultBlock:
    """The results of one metric, column by column (rows already in report order).

    ``codes[d][i]`` indexes ``vocab[d]`` (0 = no value) for dimension ``dims[d]`` of row
    ``i``; ``periods[i]`` is the row's period (shared dicts). Records are built on demand.
    """

    metric: str
    version: str
    unit: str
    dims: tuple[str, ...]
    codes: tuple[npt.NDArray[np.int64], ...]
    vocab: tuple[Sequence[str | None], ...]
    periods: Sequence[Mapping[str, str] | None]
    n: npt.NDArray[np.int64]
    value: npt.NDArray[np.float64]
    low: npt.NDArray[np.float64] | None
    high: npt.NDArray[np.float64] | None
    method: str
    level: float
    low_sample: npt.NDArray[np.bool_]
    suppressed: npt.NDArray[np.bool_]
    components: Mapping[str, npt.NDArray[np.float64]]
    change: ChangeColumns | None = None

    def __len__(self) -> int:
        return len(self.n)

    def group(self, i: int) -> dict[str, str | None]:
        """The dimension values of row ``i``."""
        return {d: self.vocab[k][int(self.codes[k][i])] for k, d in enumerate(self.dims)}

    def result(self, i: int) -> MetricResult:
        """Row ``i`` as a :class:`MetricResult`."""
        hidden = bool(self.suppressed[i])
        interval = None
        if not hidden and self.method != "none" and self.low is not None and self.high is not None:
            interval = Interval(
                low=_num(float(self.low[i])),
                high=_num(float(self.high[i])),
                level=self.level,
                method=self.method,
            )
        return MetricResult(
            metric=self.metric,
            metric_version=self.version,
            group=self.group(i),
            period=self.periods[i],
            n=int(self.n[i]),
            value=None if hidden else _num(float(self.value[i])),
            unit=self.unit,
            interval=interval,
            low_sample=bool(self.low_sample[i]),
            suppressed=hidden,
            components={} if hidden else {k: _num(float(v[i])) for k, v in self.components.items()},
            change=None if hidden or self.change is None else self.change.at(i),
        )


class ResultSet(Sequence[MetricResult]):
    """The results of one computation, in a stable order (metric, period, group).

    Results are held column-wise per metric and turned into :class:`MetricResult` records on
    access; :meth:`to_arrow` gives the columns without building records.
    """

    def __init__(self, blocks: Sequence[ResultBlock], dims: Sequence[str] = ()) -> None:
        self.blocks = list(blocks)
        self.dims = tuple(dims)
        self._starts = np.cumsum([0] + [len(b) for b in self.blocks])
        self._cache: list[MetricResult] | None = None

    def __len__(self) -> int:
        return int(self._starts[-1])

    def _all(self) -> list[MetricResult]:
        if self._cache is None:
            self._cache = [b.result(i) for b in self.blocks for i in range(len(b))]
        return self._cache

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return self._all()[i]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = int(np.searchsorted(self._starts, i, side="right")) - 1
        return self.blocks[k].result(i - int(self._starts[k]))

    def __iter__(self) -> Iterator[MetricResult]:
        return iter(self._all())

    def of(self, metric: str) -> list[MetricResult]:
        """The results of one metric."""
        return [b.result(i) for b in self.blocks if b.metric == metric for i in range(len(b))]

    def one(self, metric: str, **group: str | None) -> MetricResult:
        """The single result of ``metric`` whose group matches ``group`` (for tests, scripts)."""
        hits = [r for r in self.of(metric) if all(r.group.get(k) == v for k, v in group.items())]
        if len(hits) != 1:
            raise LookupError(f"{len(hits)} results of {metric!r} match {group}")
        return hits[0]

    def to_dicts(self) -> list[dict[str, Any]]:
        """Every result in the ``metric-result`` wire format."""
        return [r.to_dict() for r in self]

    def validate(self) -> None:
        """Check every record against the ``metric-result`` schema."""
        for record in self.to_dicts():
            validate_result(record)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table``: metric, dimensions, period start, n, value, interval, flags."""
        import pyarrow as pa

        parts = []
        for b in self.blocks:
            hidden = b.suppressed
            cols: dict[str, Any] = {"metric": pa.array([b.metric] * len(b), pa.string())}
            for k, d in enumerate(b.dims):
                vocab = pa.array(list(b.vocab[k]), pa.string())
                cols[d] = vocab.take(pa.array(b.codes[k]))
            cols["period_start"] = pa.array(
                [p["start"] if p else None for p in b.periods], pa.string()
            )
            cols["n"] = pa.array(b.n)
            cols["value"] = pa.array(np.where(hidden, np.nan, b.value), from_pandas=True)
            nan = np.full(len(b), np.nan)
            cols["low"] = pa.array(
                np.where(hidden, np.nan, b.low if b.low is not None else nan), from_pandas=True
            )
            cols["high"] = pa.array(
                np.where(hidden, np.nan, b.high if b.high is not None else nan), from_pandas=True
            )
            cols["low_sample"] = pa.array(b.low_sample)
            cols["suppressed"] = pa.array(hidden)
            parts.append(pa.table(cols))
        if not parts:
            return pa.table({"metric": pa.array([], pa.string())})
        return pa.concat_tables(parts, promote_options="default")

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows: metric, dimensions, period, n, value, interval, flags, change."""
        out = []
        for r in self:
            row: dict[str, Any] = {"metric": r.metric}
            row.update({d: r.group.get(d) for d in self.dims})
            row["period_start"] = r.period["start"] if r.period else None
            row["period_end"] = r.period["end"] if r.period else None
            row["n"] = r.n
            row["value"] = _num(r.value)
            row["unit"] = r.unit
            row["low"] = r.interval.low if r.interval else None
            row["high"] = r.interval.high if r.interval else None
            row["method"] = r.interval.method if r.interval else None
            row["low_sample"] = r.low_sample
            row["suppressed"] = r.suppressed
            row["change"] = _num(r.change.delta) if r.change else None
            row["change_p"] = _num(r.change.p_value) if r.change else None
            row["change_significant"] = r.change.significant if r.change else None
            out.append(row)
        return out

    def to_csv(self) -> str:
        """The :meth:`rows` as CSV text (empty cells for missing values)."""
        rows = self.rows()
        buf = io.StringIO()
        if not rows:
            return ""
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
        return buf.getvalue()
