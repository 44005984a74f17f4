"""Identity stitching: which customer records of which sources are one person, and why.

Every ``(source, customer id)`` is a record. Records that share the value of a configured
identity kind (``identities.email``, a keyed hash) are joined; an ``id_links`` kind joins a
record to the customer of another source whose id is the value (an external id). Joins are
transitive (union-find over connected components). Every join is kept as a
:class:`StitchDecision`, so :meth:`StitchResult.explain` can say which records form a person
and by which identity value.

Guard against over-merging: an identity value shared by more than
``max_records_per_identity`` records (a family address, ``noreply@...``) is not used and is
listed in :attr:`StitchResult.skipped`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs
import orjson

from ._result import Result
from .config import StitchConfig

__all__ = [
    "PersonExplanation",
    "SkippedIdentity",
    "StitchDecision",
    "StitchResult",
    "StitchSummary",
    "record_label",
    "stitch",
]


def record_label(source: str, customer_id: str) -> str:
    """How a customer record is named in results: ``"<source>:<id>"``."""
    return f"{source}:{customer_id}"


@attrs.frozen(kw_only=True)
class StitchDecision(Result):
    """One identity value that joined records.

    ``records`` are the labels of every record carrying the value; ``merged`` is false when
    they were already one person through earlier decisions (the value is then corroborating
    evidence).
    """

    key: str
    value: str
    records: tuple[str, ...]
    merged: bool


@attrs.frozen(kw_only=True)
class SkippedIdentity(Result):
    """An identity value not used for stitching because too many records share it."""

    key: str
    value: str
    records: int


@attrs.frozen(kw_only=True)
class PersonExplanation(Result):
    """Why a record belongs to its person: the person's records and the joins between them."""

    person: str
    records: tuple[str, ...]
    segment: str | None
    decisions: tuple[StitchDecision, ...]


@attrs.frozen(kw_only=True)
class StitchSummary(Result):
    """Stitching in numbers, for reports: decisions per identity key and a few examples."""

    identity_keys: tuple[str, ...]
    n_records: int
    n_customer_records: int
    n_persons: int
    n_stitched_persons: int
    decisions_by_key: dict[str, int]
    skipped: tuple[SkippedIdentity, ...]
    examples: tuple[StitchDecision, ...]


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        return True


@attrs.frozen(kw_only=True)
class StitchResult(Result):
    """The persons behind the records, with every stitching decision.

    Persons are named by their first record in ``(source, id)`` order and numbered in that
    order; :attr:`persons` lists the names.
    """

    identity_keys: tuple[str, ...]
    n_records: int
    n_customer_records: int
    n_persons: int
    n_stitched_persons: int
    decisions: tuple[StitchDecision, ...]
    skipped: tuple[SkippedIdentity, ...]
    persons: tuple[str, ...] = attrs.field(metadata={"json": False})
    person_segments: tuple[str | None, ...] = attrs.field(metadata={"json": False})
    _members: tuple[tuple[str, ...], ...] = attrs.field(alias="members", metadata={"json": False})
    _index: Mapping[tuple[str, str], int] = attrs.field(
        alias="index", metadata={"json": False}, repr=False
    )
    _person_decisions: Mapping[int, tuple[int, ...]] = attrs.field(
        alias="person_decisions", metadata={"json": False}, repr=False
    )

    def summary(self, examples: int = 10) -> StitchSummary:
        """Counts, decisions per key and the first ``examples`` decisions that merged."""
        by_key: dict[str, int] = {}
        for d in self.decisions:
            by_key[d.key] = by_key.get(d.key, 0) + 1
        return StitchSummary(
            identity_keys=self.identity_keys,
            n_records=self.n_records,
            n_customer_records=self.n_customer_records,
            n_persons=self.n_persons,
            n_stitched_persons=self.n_stitched_persons,
            decisions_by_key=dict(sorted(by_key.items())),
            skipped=self.skipped,
            examples=tuple(d for d in self.decisions if d.merged)[:examples],
        )

    def person_index(self, source: str, customer_id: str) -> int | None:
        """The person number of a record, or ``None`` for a record never seen."""
        return self._index.get((source, customer_id))

    def person_of(self, source: str, customer_id: str) -> str | None:
        """The person name of a record, or ``None`` for a record never seen."""
        i = self._index.get((source, customer_id))
        return None if i is None else self.persons[i]

    def members(self, person: int | str) -> tuple[str, ...]:
        """The record labels of a person (by number or name)."""
        return self._members[self._resolve(person)]

    def explain(self, source: str, customer_id: str) -> PersonExplanation:
        """The person a record belongs to, its other records and the decisions that joined them.

        Raises ``KeyError`` for a record the stitching never saw.
        """
        i = self._index.get((source, customer_id))
        if i is None:
            raise KeyError(f"no customer record {record_label(source, customer_id)!r}")
        return PersonExplanation(
            person=self.persons[i],
            records=self._members[i],
            segment=self.person_segments[i],
            decisions=tuple(self.decisions[d] for d in self._person_decisions.get(i, ())),
        )

    def _resolve(self, person: int | str) -> int:
        if isinstance(person, int):
            return person
        p = person.split(":", 1)
        i = self._index.get((p[0], p[1])) if len(p) == 2 else None
        if i is None or self.persons[i] != person:
            raise KeyError(f"no person {person!r}")
        return i


def _identities(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str | bytes):
        parsed = orjson.loads(value)
        return parsed if isinstance(parsed, Mapping) else {}
    return value if isinstance(value, Mapping) else {}


def stitch(
    customers: Iterable[Mapping[str, Any]],
    config: StitchConfig | None = None,
    *,
    extra_records: Iterable[tuple[str, str]] = (),
) -> StitchResult:
    """Join customer records into persons.

    Args:
        customers: customer records (wire-format dicts with ``source``, ``id`` and optional
            ``segment`` and ``identities``; ``identities`` may be a JSON string).
        config: identity keys and guards; ``identity_keys=None`` is treated as ``()``.
        extra_records: ``(source, customer id)`` pairs seen on events without a customer
            record; each becomes a person of its own unless an ``id_links`` value names it.

    Returns:
        A :class:`StitchResult`.
    """
    cfg = config or StitchConfig()
    keys = tuple(cfg.identity_keys or ())
    index: dict[tuple[str, str], int] = {}
    labels: list[tuple[str, str]] = []
    segments: list[str | None] = []
    groups: dict[tuple[str, str], list[int]] = {}
    links: dict[tuple[str, str], list[int]] = {}
    n_customers = 0

    def node(source: str, cid: str) -> int:
        i = index.get((source, cid))
        if i is None:
            i = index[(source, cid)] = len(labels)
            labels.append((source, cid))
            segments.append(None)
        return i

    for c in customers:
        n_customers += 1
        i = node(str(c["source"]), str(c["id"]))
        seg = c.get("segment")
        if seg is not None:
            segments[i] = str(seg)
        ids = _identities(c.get("identities"))
        for key in keys:
            v = ids.get(key)
            if v is not None and v != "":
                groups.setdefault((key, str(v)), []).append(i)
        for key in cfg.id_links:
            v = ids.get(key)
            if v is not None and v != "":
                links.setdefault((key, str(v)), []).append(i)
    for source, cid in extra_records:
        node(source, cid)
    for (key, value), members in links.items():
        target = index.get((cfg.id_links[key], value))
        if target is not None:
            members.append(target)
        groups.setdefault((key, value), []).extend(members)

    # Record order (source, id): decides person names and the order of everything listed.
    by_label = sorted(range(len(labels)), key=labels.__getitem__)
    rank = [0] * len(labels)
    for r, i in enumerate(by_label):
        rank[i] = r

    uf = _UnionFind(len(labels))
    decisions: list[tuple[str, str, list[int], bool]] = []
    skipped: list[SkippedIdentity] = []
    for (key, value), members in sorted(groups.items()):
        unique = sorted(set(members), key=rank.__getitem__)
        if len(unique) < 2:
            continue
        if len(unique) > cfg.max_records_per_identity:
            skipped.append(SkippedIdentity(key=key, value=value, records=len(unique)))
            continue
        merged = False
        for m in unique[1:]:
            merged = uf.union(unique[0], m) or merged
        decisions.append((key, value, unique, merged))

    # Persons: components, named by their first record, numbered in that order. Visiting
    # records in order fills each component in order and creates components in order.
    components: dict[int, list[int]] = {}
    for i in by_label:
        root = uf.find(i)
        component = components.get(root)
        if component is None:
            components[root] = [i]
        else:
            component.append(i)
    comps = list(components.values())
    names = [record_label(s, c) for s, c in labels]
    priority = {s: k for k, s in enumerate(cfg.segment_priority)}
    person_of_node = [0] * len(labels)
    persons: list[str] = []
    members_out: list[tuple[str, ...]] = []
    person_segments: list[str | None] = []
    for p, members in enumerate(comps):
        for m in members:
            person_of_node[m] = p
        persons.append(names[members[0]])
        members_out.append(tuple(names[m] for m in members))
        if len(members) == 1:
            person_segments.append(segments[members[0]])
            continue
        ranked = sorted(members, key=lambda m: (priority.get(labels[m][0], len(priority)), m))
        person_segments.append(next((segments[m] for m in ranked if segments[m]), None))

    out_decisions: list[StitchDecision] = []
    by_person: dict[int, list[int]] = {}
    for key, value, members, merged in decisions:
        by_person.setdefault(person_of_node[members[0]], []).append(len(out_decisions))
        out_decisions.append(
            StitchDecision(
                key=key,
                value=value,
                records=tuple(names[m] for m in members),
                merged=merged,
            )
        )
    return StitchResult(
        identity_keys=keys + tuple(k for k in cfg.id_links if k not in keys),
        n_records=len(labels),
        n_customer_records=n_customers,
        n_persons=len(persons),
        n_stitched_persons=sum(1 for m in members_out if len(m) > 1),
        decisions=tuple(out_decisions),
        skipped=tuple(skipped),
        persons=tuple(persons),
        person_segments=tuple(person_segments),
        members=tuple(members_out),
        index={labels[i]: person_of_node[i] for i in range(len(labels))},
        person_decisions={p: tuple(ds) for p, ds in by_person.items()},
    )


def person_numbers(result: StitchResult, records: Sequence[tuple[str, str]]) -> list[int]:
    """Person numbers of records (``-1`` for unknown records)."""
    get = result.person_index
    return [-1 if (p := get(s, c)) is None else p for s, c in records]
