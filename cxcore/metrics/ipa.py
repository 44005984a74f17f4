"""Importance-performance analysis per touchpoint, driver (item) or pillar.

For every criterion (a value of the ``by`` dimension):

* **performance** = the chosen metric's value for that criterion, normalised to 0-100 with
  the metric's value range and direction (CSAT 74 % -> 74; CES 2.0 mean 5.5 on 1-7 -> 75;
  NPS 20 -> 60);
* **importance** on 0-100, either *stated* (the journey's touchpoint importance normalised on
  its importance scale, or a mapping you pass) or *derived* from the data: Johnson's relative
  weights of the criteria's ratings against an outcome (e.g. the likelihood to recommend),
  each respondent being one observation; when too few respondents rated every criterion, the
  squared pairwise correlation of each criterion with the outcome is used instead (the report
  says which). Derived weights are scaled so the most important criterion is 100;
* **gap** = importance - performance, the Martilla & James **quadrant** around a crosshair
  (data means or scale midpoints, 50/50) and a **priority rank** ("concentrate here" first,
  then by gap). The quadrants and ranking are :func:`cxcore.stats.ipa`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

import attrs
import numpy as np

from ..model import Journey, Scale
from ..stats import IPAItem, ipa, relative_weights
from ..stats import crosshair as stats_crosshair
from ..store import Store
from .batch import Batch
from .calculators.scores import ScoreCalculator
from .calendar import ConstantCalendar
from .errors import MetricDefinitionError, MetricInputError
from .grouping import Grouper, GroupIndex, check_dimension
from .inputs import iter_batches, scan_columns

if TYPE_CHECKING:
    from .engine import MetricEngine

__all__ = ["IPAReport", "IPARow", "derived_importance", "importance_performance"]

ImportanceSource = Literal["stated", "derived"] | Mapping[str, float]


@attrs.frozen(kw_only=True)
class IPARow:
    """One criterion of the grid (importance and performance on 0-100)."""

    id: str
    importance: float
    performance: float
    gap: float
    quadrant: str
    rank: int
    n: int
    metric_value: float
    raw_importance: float

    def to_dict(self) -> dict[str, Any]:
        """The row as JSON."""
        return attrs.asdict(self)


@attrs.frozen(kw_only=True)
class IPAReport:
    """The grid: rows in priority order, the crosshair, how importance was obtained."""

    metric: str
    by: str
    importance_method: str
    crosshair: tuple[float, float]
    crosshair_mode: str
    rows: tuple[IPARow, ...]
    r_squared: float | None = None
    outcome: str | None = None
    left_out: tuple[str, ...] = ()

    def row(self, id: str) -> IPARow:
        """The row of one criterion."""
        for r in self.rows:
            if r.id == id:
                return r
        raise LookupError(f"no criterion {id!r} in the grid")

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON."""
        return {
            "metric": self.metric,
            "by": self.by,
            "importance_method": self.importance_method,
            "crosshair": {
                "importance": self.crosshair[0],
                "performance": self.crosshair[1],
                "mode": self.crosshair_mode,
            },
            "r_squared": self.r_squared,
            "outcome": self.outcome,
            "left_out": list(self.left_out),
            "rows": [r.to_dict() for r in self.rows],
        }


def _score_calculator(engine: MetricEngine, metric: str, role: str) -> ScoreCalculator:
    calc = engine.calculator(metric)
    if not isinstance(calc, ScoreCalculator):
        raise MetricDefinitionError(
            f"{role} {metric!r} is not a survey score metric; derived importance needs "
            "ratings per respondent (e.g. csat, ces, or a declared mean/top_box)"
        )
    return calc


def _batches(engine: MetricEngine, data: Any, columns: list[str] | None) -> Any:
    if data is not None:
        return ((k, b) for k, b in iter_batches(data) if k == "response")
    if engine.store is None:
        raise MetricInputError("no data given and the engine has no store")
    store: Store = engine.store
    return (("response", b) for b in store.scan("response", columns))


def _in_window(batch: Batch, start: datetime | None, end: datetime | None) -> np.ndarray:
    keep = np.ones(batch.num_rows, dtype=np.bool_)
    if start is None and end is None:
        return keep
    from .calendar import to_epoch_us

    ts, valid = batch.timestamps("occurred_at")
    keep &= valid
    if start is not None:
        keep &= ts >= to_epoch_us(start)
    if end is not None:
        keep &= ts < to_epoch_us(end)
    return keep


def derived_importance(
    engine: MetricEngine,
    *,
    metric: str,
    outcome: str,
    by: str,
    respondent: str = "journey_instance",
    data: Any = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[dict[str, float], str, float | None]:
    """Raw importance per criterion (relative weight or r^2), the method, and the model R^2.

    Each respondent (``respondent`` field: a journey instance or a customer) gives one row:
    their mean rating per criterion (the metric's items, grouped ``by``) and their mean
    outcome (the outcome metric's items, or ``outcome`` as an item id).
    """
    driver = _score_calculator(engine, metric, "metric")
    try:
        out_items: tuple[str, ...] = _score_calculator(engine, outcome, "outcome").items
    except MetricDefinitionError:
        out_items = (outcome,)
    index = GroupIndex([check_dimension(by)])
    columns = scan_columns(
        "response", ["item", "value", "scale", by, respondent, "occurred_at", "stage", "channel"]
    )
    resp_d: list[np.ndarray] = []
    crit_d: list[np.ndarray] = []
    val_d: list[np.ndarray] = []
    resp_o: list[np.ndarray] = []
    val_o: list[np.ndarray] = []
    for kind, rb in _batches(engine, data, columns):
        grouper = Grouper(index, ConstantCalendar(), None, engine.journey)
        batch = Batch(kind, rb, grouper, {"journey": engine.journey.id if engine.journey else None})
        window = _in_window(batch, start, end)
        who = batch.dim(respondent)
        names = np.asarray([*who.vocab, None], dtype=object)[who.codes]
        rows, values = driver.rows(batch)
        rows &= window & who.notnull()
        g = batch.group_for("occurred_at")
        resp_d.append(names[rows])
        crit_d.append(g[rows])
        val_d.append(values[rows])
        item_col = batch.dim("item")
        o = item_col.match(*out_items) & ~np.isnan(values) & window & who.notnull()
        resp_o.append(names[o])
        val_o.append(values[o])
    if not resp_d or sum(len(r) for r in resp_o) == 0:
        raise MetricInputError(
            f"derived importance needs outcome answers ({', '.join(out_items)}) and ratings "
            f"({metric}) from the same respondents ({respondent})"
        )
    all_resp = np.concatenate(resp_d + resp_o).astype(str)
    uniq, codes = np.unique(all_resp, return_inverse=True)
    codes = codes.reshape(-1)
    n_d = sum(len(r) for r in resp_d)
    rc, oc = codes[:n_d], codes[n_d:]
    crit = np.concatenate(crit_d)
    vals = np.concatenate(val_d)
    out_vals = np.concatenate(val_o)
    # Criteria: the groups that received ratings and name something (not "no touchpoint").
    used = [g for g in np.unique(crit).tolist() if index.labels(g)[by] is not None]
    column = np.full(len(index), -1, dtype=np.int64)
    column[used] = np.arange(len(used))
    labels = [str(index.labels(g)[by]) for g in used]
    keep = column[crit] >= 0
    rc, col, vals = rc[keep], column[crit][keep], vals[keep]
    k = len(used)
    n_resp = len(uniq)
    flat = rc * k + col
    sums = np.bincount(flat, weights=vals, minlength=n_resp * k).reshape(n_resp, k)
    cnts = np.bincount(flat, minlength=n_resp * k).reshape(n_resp, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.where(cnts > 0, sums / np.maximum(cnts, 1), np.nan)
        y_cnt = np.bincount(oc, minlength=n_resp)
        y_sum = np.bincount(oc, weights=out_vals, minlength=n_resp)
        y = np.where(y_cnt > 0, y_sum / np.maximum(y_cnt, 1), np.nan)
    weights = relative_weights(x, y)
    if weights.method == "johnson":
        return dict(zip(labels, weights.raw.tolist(), strict=True)), "johnson", weights.r_squared
    # Pairwise fallback: each criterion against the outcome over the respondents who rated it.
    raw: dict[str, float] = {}
    for j, label in enumerate(labels):
        both_ = ~np.isnan(x[:, j]) & ~np.isnan(y)
        if both_.sum() < 3 or np.std(x[both_, j]) == 0 or np.std(y[both_]) == 0:
            raw[label] = 0.0
            continue
        r = float(np.corrcoef(x[both_, j], y[both_])[0, 1])
        raw[label] = r * r
    return raw, "squared_correlation", None


def _instant(value: datetime | date | str | None, engine: MetricEngine) -> datetime | None:
    from .engine import _instant as to_instant

    return to_instant(value, engine.tz, "period")


def importance_performance(
    engine: MetricEngine,
    *,
    metric: str = "csat",
    by: str = "touchpoint",
    importance: ImportanceSource = "stated",
    importance_scale: Scale | None = None,
    outcome: str = "nps",
    respondent: str = "journey_instance",
    crosshair: Literal["means", "midpoint"] | tuple[float, float] = "means",
    data: Any = None,
    start: datetime | date | str | None = None,
    end: datetime | date | str | None = None,
    min_n: int = 1,
    journey: Journey | None = None,
) -> IPAReport:
    """The importance-performance grid of ``metric`` per value of ``by``.

    Args:
        engine: the metric engine (its store is read when ``data`` is None).
        metric: the performance metric (needs a bounded value range: a share, a score).
        by: the criterion dimension: ``touchpoint``, ``item`` (drivers), ``pillar``,
            ``stage``, ``channel``...
        importance: ``"stated"`` (journey touchpoint importance), ``"derived"`` (relative
            weights against ``outcome``) or a mapping criterion -> stated importance on
            ``importance_scale`` (default: the journey's importance scale, else 1-5).
        outcome: for derived importance, the outcome metric (its items) or item id.
        respondent: the field that ties a respondent's answers together.
        crosshair: ``"means"`` (data-centred), ``"midpoint"`` (50/50) or a pair.
        min_n: criteria with fewer observations of the metric are left out.
    """
    journey = journey or engine.journey
    start_i, end_i = _instant(start, engine), _instant(end, engine)
    definition = engine.calculator(metric).definition
    if definition.value_range is None:
        raise MetricDefinitionError(
            f"metric {metric!r} ({definition.unit}) has no bounded range to normalise "
            "performance; use a share or score metric"
        )
    results = (
        engine.compute([metric], data, by=[by], start=start_i, end=end_i)
        if (start_i is not None or end_i is not None)
        else engine.compute([metric], data, by=[by])
    )
    perf: dict[str, tuple[float, int, float]] = {}
    for r in results:
        label = r.group.get(by)
        if label is None or r.value is None or r.n < min_n:
            continue
        perf[label] = (definition.normalise(r.value), r.n, r.value)
    method: str
    r_squared: float | None = None
    out_name: str | None = None
    if isinstance(importance, Mapping) or importance == "stated":
        scale = importance_scale or (journey.importance_scale if journey else Scale(min=1, max=5))
        if isinstance(importance, Mapping):
            stated = {str(k): float(v) for k, v in importance.items()}
        else:
            if by != "touchpoint" or journey is None:
                raise MetricInputError(
                    "stated importance comes from the journey's touchpoints: use by='touchpoint' "
                    "with a journey, or pass importance as a mapping"
                )
            stated = {t.id: t.importance for t in journey.touchpoints if t.importance is not None}
        for key, value in stated.items():
            if not scale.contains(value):
                raise MetricInputError(
                    f"stated importance {value:g} of {key!r} is outside the importance scale "
                    f"{scale.min:g}..{scale.max:g}"
                )
        raw = stated
        imp = {k: scale.normalise(v) for k, v in stated.items()}
        method = "stated"
    elif importance == "derived":
        raw, method, r_squared = derived_importance(
            engine,
            metric=metric,
            outcome=outcome,
            by=by,
            respondent=respondent,
            data=data,
            start=start_i,
            end=end_i,
        )
        top = max(raw.values(), default=0.0)
        imp = {k: (100.0 * v / top if top > 0 else 0.0) for k, v in raw.items()}
        out_name = outcome
    else:
        raise MetricInputError(
            f"importance must be 'stated', 'derived' or a mapping, got {importance!r}"
        )
    ids = sorted(set(perf) & set(imp))
    left_out = tuple(sorted(set(perf) ^ set(imp)))
    items = [IPAItem(id=i, importance=imp[i], performance=perf[i][0]) for i in ids]
    if not items:
        raise MetricInputError(
            f"no criterion has both importance and performance ({metric} by {by})"
        )
    centre = stats_crosshair(items, crosshair)
    ranked = ipa(items, crosshair)
    rows = tuple(
        IPARow(
            id=r.id,
            importance=r.importance,
            performance=r.performance,
            gap=r.gap,
            quadrant=r.quadrant,
            rank=r.rank,
            n=perf[r.id][1],
            metric_value=perf[r.id][2],
            raw_importance=float(raw[r.id]),
        )
        for r in ranked
    )
    mode = crosshair if isinstance(crosshair, str) else "fixed"
    return IPAReport(
        metric=metric,
        by=by,
        importance_method=method,
        crosshair=centre,
        crosshair_mode=mode,
        rows=rows,
        r_squared=r_squared,
        outcome=out_name,
        left_out=left_out,
    )
