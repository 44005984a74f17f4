"""The ingest pipeline: validate records in batches, store the good ones, keep the bad ones.

Records arrive as ``(locator, kind, record)`` triples from any source. Each batch is validated
on the compiled fast path; only failures pay for a full explanation. Valid records, rejected
records and the sync state commit in one store transaction, then lifecycle hooks are called
once per batch (never per record: a pluggy call costs microseconds).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, cast

import attrs

from .errors import FieldError
from .events import RecordsRejected, RecordsStored
from .files import Unparsed
from .model import RECORD_KINDS, Journey, RecordKind
from .plugins import PluginManager
from .schemas import SchemaRegistry, SchemaValidator
from .store import RejectedRecord, Store, SyncState, WriteResult

__all__ = ["IngestSummary", "Ingestor", "Item"]

#: (locator, kind, record): where the record came from, its kind, the record itself.
Item = tuple[str, str, Mapping[str, Any]]


@attrs.define
class IngestSummary:
    """What an ingest did: counts, and every rejected record with its reasons."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRecord] = attrs.field(factory=list)
    batches: int = 0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def add(self, result: WriteResult) -> None:
        self.inserted += result.inserted
        self.updated += result.updated
        self.unchanged += result.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            # Each item follows schemas/rejected-record.json (without the raw record).
            "rejected": [
                {
                    "source": r.source,
                    "kind": r.kind,
                    "locator": r.locator,
                    "record_id": r.record_id,
                    "errors": [attrs.asdict(e) for e in r.errors],
                }
                for r in self.rejected
            ],
        }


class Ingestor:
    """Validates and stores records for one workspace.

    Args:
        store: where records go.
        schemas: the registry holding the record schemas.
        plugins: notified after each batch (``cxcore_records_stored``/``_rejected``).
        journey: when given, stages, channels and touchpoints must exist in it.
        batch_size: records per transaction.
        workspace: passed to hooks in the event objects.
    """

    def __init__(
        self,
        store: Store,
        schemas: SchemaRegistry,
        *,
        plugins: PluginManager | None = None,
        journey: Journey | None = None,
        batch_size: int = 50_000,
        workspace: Any = None,
    ) -> None:
        self.store = store
        self.plugins = plugins
        self.batch_size = batch_size
        self.workspace = workspace
        self._validators: dict[str, SchemaValidator] = {
            kind: schemas.validator(kind) for kind in RECORD_KINDS
        }
        self._checks = _journey_checks(journey) if journey is not None else {}

    def ingest(
        self,
        items: Iterable[Item],
        *,
        source: str,
        state: SyncState | None = None,
        summary: IngestSummary | None = None,
        rejected: Sequence[RejectedRecord] = (),
    ) -> IngestSummary:
        """Validate and store ``items``; ``state`` commits with the last batch.

        Nothing already accepted is lost when later records are bad: each batch commits on
        its own and bad records go to the rejected table with their reasons. ``rejected``
        holds records the caller already refused (e.g. a source's raw records that do not fit
        their stream schema); they commit in the same transaction as the first batch.
        """
        summary = summary or IngestSummary()
        batches_before = summary.batches
        batches = _chunks(iter(items), self.batch_size)
        pending = list(rejected)
        with _paused_gc():
            batch = next(batches, None)
            if batch is None and pending:
                batch = []  # one transaction for the caller's rejections (and the state)
            while batch is not None:
                following = next(batches, None)
                self._ingest_batch(
                    batch, source, state if following is None else None, summary, pending
                )
                pending = []
                batch = following
        if state is not None and summary.batches == batches_before:
            # An empty page still moves the cursor: save it on its own.
            self.store.write("interaction", [], state=state)
        return summary

    def _ingest_batch(
        self,
        batch: list[Item],
        source: str,
        state: SyncState | None,
        summary: IngestSummary,
        refused: Sequence[RejectedRecord] = (),
    ) -> None:
        valid: dict[RecordKind, list[Mapping[str, Any]]] = {k: [] for k in RECORD_KINDS}
        rejected: list[RejectedRecord] = list(refused)
        for locator, kind, record in batch:
            errors = self._check(kind, record)
            if errors:
                rejected.append(_rejection(source, kind, locator, record, errors))
                continue
            # A "kind" field is left in place: the store reads only its known columns.
            valid[cast(RecordKind, kind)].append(record)  # _check accepted the kind
        kinds: list[RecordKind] = [k for k in RECORD_KINDS if valid[k]] or ["interaction"]
        for i, kind in enumerate(kinds):
            last = i == len(kinds) - 1
            result = self.store.write(
                kind,
                valid[kind],
                rejected=rejected if last else (),
                state=state if last else None,
            )
            summary.add(result)
            if valid[kind] and self._listening("cxcore_records_stored"):
                assert self.plugins is not None
                self.plugins.notify(
                    "cxcore_records_stored",
                    event=RecordsStored(
                        workspace=self.workspace,
                        source=source,
                        kind=kind,
                        records=valid[kind],
                        inserted=result.inserted,
                        updated=result.updated,
                        unchanged=result.unchanged,
                    ),
                )
        summary.rejected.extend(rejected)
        summary.batches += 1
        if rejected and self._listening("cxcore_records_rejected"):
            assert self.plugins is not None
            self.plugins.notify(
                "cxcore_records_rejected",
                event=RecordsRejected(workspace=self.workspace, source=source, rejected=rejected),
            )

    def _listening(self, hook: str) -> bool:
        return self.plugins is not None and self.plugins.has_listeners(hook)

    def check(self, kind: str, record: Any) -> list[FieldError]:
        """Every problem that would keep a record out of the store (empty when it is fine).

        The schema, then what a schema cannot say: a value within its own scale, stages,
        channels, touchpoints and segments that exist in the journey.
        """
        return self._check(kind, record)

    def _check(self, kind: str, record: Mapping[str, Any]) -> list[FieldError]:
        if isinstance(record, Unparsed):
            return [FieldError(pointer="", message=f"not valid JSON: {record.error}")]
        validator = self._validators.get(kind)
        if validator is None:
            return [
                FieldError(
                    pointer="/kind",
                    message=f"unknown record kind {kind!r}",
                    expected=" or ".join(RECORD_KINDS),
                )
            ]
        if not isinstance(record, Mapping):
            return [FieldError(pointer="", message=f"expected an object, got {record!r:.40}")]
        errors: list[FieldError] = []
        if not validator.is_valid(record):
            errors += validator.errors(record)
        elif kind == "response":
            errors += _response_in_scale(record)
        for field, check in self._checks.items():
            value = record.get(field)
            if isinstance(value, str):
                problem = check(value)
                if problem:
                    errors.append(FieldError(pointer=f"/{field}", message=problem))
        return errors


@contextlib.contextmanager
def _paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while batches of fresh objects are built.

    Building 100k record dicts triggers full collections that rescan every young object
    again and again (measured: staging took 3x longer with the collector running). Records
    hold no reference cycles, so nothing is lost by collecting once at the end.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _chunks(it: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(it, size)):
        yield chunk


def _response_in_scale(record: Mapping[str, Any]) -> list[FieldError]:
    # JSON Schema cannot compare two fields; a value off its scale must never be bucketed.
    value, scale = record.get("value"), record["scale"]
    errors = []
    if scale["min"] >= scale["max"]:
        errors.append(
            FieldError(
                pointer="/scale",
                message=f"scale min ({scale['min']}) must be below max ({scale['max']})",
            )
        )
    elif value is not None and not scale["min"] <= value <= scale["max"]:
        errors.append(
            FieldError(
                pointer="/value",
                message=f"{value} is outside the scale {scale['min']:g}..{scale['max']:g}",
                expected=f"a number from {scale['min']:g} to {scale['max']:g}",
            )
        )
    return errors


def _journey_checks(journey: Journey) -> dict[str, Callable[[str], str | None]]:
    def member(kind: str, ids: set[str]) -> Callable[[str], str | None]:
        known = ", ".join(sorted(ids))

        def check(value: str) -> str | None:
            if value in ids:
                return None
            return f"unknown {kind} {value!r}; the journey has: {known}"

        return check

    checks = {
        "stage": member("stage", {s.id for s in journey.stages}),
        "channel": member("channel", {c.id for c in journey.channels}),
    }
    # An empty list in the journey means "not modelled", not "nothing allowed".
    if journey.touchpoints:
        checks["touchpoint"] = member("touchpoint", {t.id for t in journey.touchpoints})
    if journey.segments:
        checks["segment"] = member("segment", {s.id for s in journey.segments})
    return checks


def _rejection(
    source: str, kind: str, locator: str, record: Any, errors: list[FieldError]
) -> RejectedRecord:
    record_id = record.get("id") if isinstance(record, Mapping) else None
    if isinstance(record, Unparsed):
        record = record.text
    return RejectedRecord(
        source=source,
        kind=kind,
        locator=locator,
        errors=tuple(errors),
        raw=record,
        record_id=str(record_id) if record_id is not None else None,
    )
