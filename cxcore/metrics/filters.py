"""Record filters written as data (TOML tables), evaluated as vectorised masks.

Syntax (all conditions of a table must hold)::

    where = { type = "ticket.solved" }                      # equals
    where = { type = ["ticket.solved", "ticket.closed"] }   # one of
    where = { item = { match = "loyalty*" } }               # shell-style pattern
    where = { value = { gte = 4, lt = 9 } }                 # numeric range: gt gte lt lte
    where = { "attributes.vip" = true }                     # yes/no attribute
    where = { "durations.first_reply" = { exists = true } }
    where = { channel = { not = "phone" } }                 # ne / not_in with a list
    where = { any = [ { channel = "chat" }, { channel = "email" } ] }

Fields are record fields (``item``, ``type``, ``stage``, ``value``, ``source``...), or
``attributes.<key>`` / ``durations.<key>``. Strings compare on dictionary codes, numbers as
float64, booleans through :meth:`Batch.flag`.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs
import numpy as np

from .batch import Batch, Mask
from .errors import MetricDefinitionError

__all__ = ["All", "Any_", "Condition", "Filter", "parse_filter"]

_NUMERIC_OPS: Final = {"gt", "gte", "lt", "lte"}
_OPS: Final = {"eq", "ne", "not", "in", "not_in", "match", "exists", *_NUMERIC_OPS}
_NUMERIC_FIELDS: Final = {"value"}


class Filter(abc.ABC):
    """A condition on records; :meth:`mask` evaluates it on a whole batch."""

    @abc.abstractmethod
    def mask(self, batch: Batch) -> Mask:
        """True for the rows that pass."""

    @abc.abstractmethod
    def fields(self) -> set[str]:
        """Record fields the filter reads."""


@attrs.frozen
class All(Filter):
    """Every part must hold (an empty ``All`` passes everything)."""

    parts: tuple[Filter, ...] = ()

    def mask(self, batch: Batch) -> Mask:
        out = np.ones(batch.num_rows, dtype=np.bool_)
        for p in self.parts:
            out &= p.mask(batch)
        return out

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts)) if self.parts else set()


@attrs.frozen
class Any_(Filter):
    """At least one part must hold."""

    parts: tuple[Filter, ...]

    def mask(self, batch: Batch) -> Mask:
        out = np.zeros(batch.num_rows, dtype=np.bool_)
        for p in self.parts:
            out |= p.mask(batch)
        return out

    def fields(self) -> set[str]:
        return set().union(*(p.fields() for p in self.parts)) if self.parts else set()


def _is_numeric_field(field: str) -> bool:
    return field in _NUMERIC_FIELDS or field.startswith("durations.")


@attrs.frozen
class Condition(Filter):
    """One operator on one field."""

    field: str
    op: str
    operand: Any

    def mask(self, batch: Batch) -> Mask:
        op, x = self.op, self.operand
        if op == "exists":
            present = self._present(batch)
            return present if x else ~present
        if op in _NUMERIC_OPS:
            v = batch.number(self.field)
            with np.errstate(invalid="ignore"):
                if op == "gt":
                    out = v > x
                elif op == "gte":
                    out = v >= x
                elif op == "lt":
                    out = v < x
                else:
                    out = v <= x
            return np.asarray(out, dtype=np.bool_)
        if op == "match":
            patterns = [x] if isinstance(x, str) else list(x)
            return batch.dim(self.field).match(*patterns)
        values = list(x) if isinstance(x, list | tuple) else [x]
        hit = self._equal(batch, values)
        if op in ("eq", "in"):
            return hit
        return self._present(batch) & ~hit

    def _present(self, batch: Batch) -> Mask:
        if _is_numeric_field(self.field):
            return ~np.isnan(batch.number(self.field))
        return batch.dim(self.field).notnull()

    def _equal(self, batch: Batch, values: Sequence[Any]) -> Mask:
        if all(isinstance(v, bool) for v in values):
            flags = batch.flag(self.field)
            out = np.zeros(batch.num_rows, dtype=np.bool_)
            for v in values:
                out |= flags == (1.0 if v else 0.0)
            return out
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        if _is_numeric_field(self.field) or (numbers and self.field.startswith("attributes.")):
            num = batch.number(self.field)
            return np.isin(num, np.asarray(values, dtype=np.float64))
        return batch.dim(self.field).isin(values)

    def fields(self) -> set[str]:
        return {self.field}


def _condition(field: str, spec: Any, where: str) -> Filter:
    if isinstance(spec, Mapping):
        unknown = set(spec) - _OPS
        if unknown:
            raise MetricDefinitionError(
                f"{where}: unknown operator(s) {sorted(unknown)} for {field!r}; expected "
                f"{', '.join(sorted(_OPS))}"
            )
        parts: list[Filter] = []
        for op, operand in spec.items():
            if op in _NUMERIC_OPS and not (
                isinstance(operand, int | float) and not isinstance(operand, bool)
            ):
                raise MetricDefinitionError(
                    f"{where}: {field}.{op} needs a number, got {operand!r}"
                )
            if op == "exists" and not isinstance(operand, bool):
                raise MetricDefinitionError(f"{where}: {field}.exists needs true or false")
            parts.append(Condition(field, "ne" if op == "not" else op, operand))
        return parts[0] if len(parts) == 1 else All(tuple(parts))
    if isinstance(spec, list | tuple):
        return Condition(field, "in", list(spec))
    if isinstance(spec, str | int | float | bool):
        return Condition(field, "eq", spec)
    raise MetricDefinitionError(f"{where}: cannot filter {field!r} on {spec!r}")


def parse_filter(spec: Mapping[str, Any] | None, where: str = "where") -> Filter:
    """Build a filter from its table form (``None`` or ``{}``: keep every record)."""
    if spec is None:
        return All()
    if not isinstance(spec, Mapping):
        raise MetricDefinitionError(f"{where}: expected a table of conditions, got {spec!r}")
    parts: list[Filter] = []
    for field, cond in spec.items():
        if field == "any":
            if not isinstance(cond, list) or not cond:
                raise MetricDefinitionError(f"{where}.any: expected a list of tables")
            parts.append(
                Any_(tuple(parse_filter(c, f"{where}.any[{i}]") for i, c in enumerate(cond)))
            )
        else:
            parts.append(_condition(field, cond, where))
    return parts[0] if len(parts) == 1 else All(tuple(parts))
