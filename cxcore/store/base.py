"""The Store interface: records, rejected records and sync state, behind one transaction."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from ..errors import FieldError
from ..model.records import RECORD_KINDS, RecordKind

__all__ = ["RejectedRecord", "Store", "SyncState", "WriteResult"]


def _errors(value: Iterable[FieldError]) -> tuple[FieldError, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class RejectedRecord:
    """A record that failed validation, kept with every reason so nothing is silently dropped.

    ``locator`` says where it came from (``file.jsonl:12``, ``zendesk/tickets page 3``).
    """

    source: str
    kind: str
    locator: str
    errors: tuple[FieldError, ...] = attrs.field(converter=_errors)
    raw: Any = None
    record_id: str | None = None
    rejected_at: datetime | None = None


@attrs.frozen(kw_only=True)
class SyncState:
    """The opaque cursor of one stream of one source, saved with the records it produced."""

    source: str
    stream: str
    cursor: Mapping[str, Any]
    updated_at: datetime | None = None


@attrs.frozen(kw_only=True)
class WriteResult:
    """What one :meth:`Store.write` did; ``inserted + updated + unchanged`` = records given."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    def __add__(self, other: WriteResult) -> WriteResult:
        return WriteResult(
            inserted=self.inserted + other.inserted,
            updated=self.updated + other.updated,
            unchanged=self.unchanged + other.unchanged,
            rejected=self.rejected + other.rejected,
        )


class Store(abc.ABC):
    """Where validated records live.

    Implementations must guarantee:

    * **idempotent upsert** on ``(source, id)``: writing the same records again changes nothing
      and reports them as ``unchanged``;
    * **one transaction per write**: the records, the rejected records and the sync state of
      one :meth:`write` call commit together or not at all, so a sync killed at any point
      resumes from a cursor that matches the stored records exactly;
    * **deletes are tombstones**: a record with ``deleted: true`` replaces the stored one and is
      excluded from scans unless asked for.
    """

    @abc.abstractmethod
    def write(
        self,
        kind: RecordKind,
        records: Sequence[Mapping[str, Any]],
        *,
        rejected: Sequence[RejectedRecord] = (),
        state: SyncState | None = None,
    ) -> WriteResult:
        """Upsert validated records (JSON-compatible dicts in the schema's wire format)."""

    @abc.abstractmethod
    def get_state(self, source: str, stream: str) -> Mapping[str, Any] | None:
        """The saved cursor of a stream, or ``None`` before its first sync."""

    @abc.abstractmethod
    def states(self, source: str | None = None) -> list[SyncState]:
        """Every saved sync state, optionally of one source."""

    @abc.abstractmethod
    def count(self, kind: RecordKind, *, source: str | None = None, deleted: bool = False) -> int:
        """How many records of a kind are stored (tombstones only counted with ``deleted``)."""

    @abc.abstractmethod
    def records(
        self, kind: RecordKind, *, source: str | None = None, deleted: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Stored records as dicts in the wire format, ordered by ``(source, id)``."""

    @abc.abstractmethod
    def scan(
        self,
        kind: RecordKind,
        columns: Sequence[str] | None = None,
        *,
        batch_size: int = 1 << 20,
    ) -> Iterator[Any]:
        """Stream live records as ``pyarrow.RecordBatch`` objects (the metric engine's input).

        Dimension columns (source, stage, channel, touchpoint, segment, item, type, pillar,
        survey) come dictionary-encoded with a stable vocabulary, so the engine can group on
        small integer codes without hashing strings. ``segment`` on interactions and responses
        is the segment of their customer. Memory stays bounded by ``batch_size``.
        """

    @abc.abstractmethod
    def rejected(self, *, source: str | None = None) -> list[RejectedRecord]:
        """Rejected records with their reasons, oldest first."""

    def counts(self) -> dict[tuple[str, str], int]:
        """Live records per ``(kind, source)``; stores should override this with a query."""
        out: dict[tuple[str, str], int] = {}
        for kind in RECORD_KINDS:
            for record in self.records(kind):
                key = (kind, record["source"])
                out[key] = out.get(key, 0) + 1
        return out

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store (files, locks, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
