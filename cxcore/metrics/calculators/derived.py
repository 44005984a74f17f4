"""Derived metrics: arithmetic over other metrics' values and parts, per group."""

from __future__ import annotations

import numpy as np

from ..batch import F64, Batch
from ..calculator import Calculator, Estimates, FinalizeContext
from ..definition import MetricDefinition
from ..errors import ExpressionError, MetricDefinitionError
from ..expression import Expr, parse_expression
from ..state import State

__all__ = ["DerivedCalculator"]


class DerivedCalculator(Calculator):
    """``expr`` evaluated on the estimates of the metrics it names (no records read).

    ``n`` is the smallest ``n`` among its inputs; derived values have no interval.
    """

    def __init__(self, definition: MetricDefinition, *, expr: str | Expr) -> None:
        self.definition = definition
        try:
            self.expr = parse_expression(expr) if isinstance(expr, str) else expr
        except ExpressionError as exc:
            raise ExpressionError(f"metric {definition.id!r}: {exc}") from None
        refs = sorted(self.expr.refs())
        if not refs:
            raise MetricDefinitionError(f"metric {definition.id!r}: the expression names no metric")
        if definition.id in refs:
            raise MetricDefinitionError(f"metric {definition.id!r} refers to itself")
        self.inputs = tuple(refs)

    def reads(self, kind: str) -> bool:
        """Derived metrics read no records."""
        return False

    def create(self) -> State:
        return State()

    def update(self, state: State, batch: Batch) -> None:
        return None

    def finalize(self, state: State, ctx: FinalizeContext) -> Estimates:
        def resolve(metric: str, part: str | None) -> F64:
            est = ctx.inputs.get(metric)
            if est is None:
                raise ExpressionError(f"metric {self.id!r}: unknown metric {metric!r}")
            if part is None:
                return est.value
            if part == "n":
                return est.n.astype(np.float64)
            if part in ("low", "high"):
                bound = est.low if part == "low" else est.high
                return bound if bound is not None else np.full(ctx.n_groups, np.nan)
            if part not in est.components:
                raise ExpressionError(
                    f"metric {self.id!r}: {metric!r} has no part {part!r}; available: "
                    f"n, low, high, {', '.join(sorted(est.components))}"
                )
            return np.asarray(est.components[part], dtype=np.float64)

        value = np.broadcast_to(self.expr.evaluate(resolve), (ctx.n_groups,)).astype(np.float64)
        n = np.min(np.stack([ctx.inputs[m].n for m in self.inputs]), axis=0)
        return Estimates(n=n, value=value)
