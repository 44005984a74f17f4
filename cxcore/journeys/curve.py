"""The experience curve: a normalised perception score per stage, with its interval.

Each answer is put on 0-100 with 100 the best experience, whatever its scale and direction
(:meth:`cxcore.Scale.normalise`: a 1-5 CES where lower is better is turned round). The score
of a stage is the mean over answers given at that stage (a per-response mean), with a
Student-t interval (:func:`cxcore.stats.mean_t`). For a curve that compares like with like,
restrict ``items`` to one question asked at every stage. Stages with fewer than ``min_n``
answers are flagged ``low_sample`` so a chart can grey them out.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._arrays import BoolArray, distinct
from ._result import MeanEstimate, Result
from .config import CurveConfig
from .events import RESPONSE, EventLog

__all__ = ["CurvePoint", "CurveSeries", "ExperienceCurve", "experience_curve", "score_mask"]


@attrs.frozen(kw_only=True)
class CurvePoint(Result):
    """The score of one stage; ``moments_of_truth`` are its touchpoints marked so."""

    stage: str
    label: str
    score: MeanEstimate
    low_sample: bool
    moments_of_truth: tuple[str, ...]


@attrs.frozen(kw_only=True)
class CurveSeries(Result):
    """The curve of one segment (``None``: customers without a segment)."""

    segment: str | None
    points: tuple[CurvePoint, ...]


@attrs.frozen(kw_only=True)
class ExperienceCurve(Result):
    """The experience curve over the journey's stages, overall and per segment."""

    items: tuple[str, ...] | None
    method: str
    confidence: float
    min_n: int
    points: tuple[CurvePoint, ...]
    by_segment: tuple[CurveSeries, ...]

    def point(self, stage: str) -> CurvePoint:
        for p in self.points:
            if p.stage == stage:
                return p
        raise KeyError(f"no stage {stage!r}")


def score_mask(log: EventLog, items: tuple[str, ...] | None) -> BoolArray:
    """Responses with a usable normalised score (of ``items`` when given)."""
    mask: BoolArray = (log.kind == RESPONSE) & np.isfinite(log.score)
    if items is not None:
        wanted = set(items)
        ok = np.array([i in wanted for i in log.items] + [False], dtype=np.bool_)
        mask &= ok[log.item]
    return mask


def _points(
    log: EventLog, stage: np.ndarray, score: np.ndarray, cfg: CurveConfig
) -> tuple[CurvePoint, ...]:
    k = log.n_stages
    n = np.bincount(stage, minlength=k)
    s1 = np.bincount(stage, weights=score, minlength=k)
    s2 = np.bincount(stage, weights=score * score, minlength=k)
    out = []
    for i, st in enumerate(log.journey.stages):
        mot = tuple(
            tp.id for tp in log.journey.touchpoints if tp.stage == st.id and tp.moment_of_truth
        )
        out.append(
            CurvePoint(
                stage=st.id,
                label=st.label or st.id,
                score=MeanEstimate.of(int(n[i]), float(s1[i]), float(s2[i]), cfg.confidence),
                low_sample=int(n[i]) < cfg.min_n,
                moments_of_truth=mot,
            )
        )
    return tuple(out)


def experience_curve(log: EventLog, config: CurveConfig | None = None) -> ExperienceCurve:
    """Mean normalised score per stage (0-100, t interval), overall and per segment."""
    cfg = config or CurveConfig()
    mask = score_mask(log, cfg.items) & (log.stage >= 0)
    stage = log.stage[mask]
    score = log.score[mask]
    seg = log.person_segment[log.person[mask]]
    series = []
    for code in distinct(seg):
        sel = seg == code
        series.append(
            CurveSeries(
                segment=log.segments[int(code)] if code >= 0 else None,
                points=_points(log, stage[sel], score[sel], cfg),
            )
        )
    return ExperienceCurve(
        items=cfg.items,
        method="per-response mean of answers normalised to 0-100 (100 best), Student t interval",
        confidence=cfg.confidence,
        min_n=cfg.min_n,
        points=_points(log, stage, score, cfg),
        by_segment=tuple(series),
    )
