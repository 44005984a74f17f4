"""Event objects passed to lifecycle hooks; attributes are only ever added, never removed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .store import RejectedRecord

__all__ = ["RecordsRejected", "RecordsStored"]


@attrs.frozen(kw_only=True)
class RecordsStored:
    """A batch of records committed to the store.

    Attributes:
        workspace: the :class:`cxcore.Workspace` that stored them (``None`` outside one).
        source: the source name the records came from.
        kind: ``"customer"``, ``"interaction"`` or ``"response"``.
        records: the records as JSON-compatible dicts, in input order.
        inserted, updated, unchanged: how the upsert treated them.
    """

    workspace: Any
    source: str
    kind: str
    records: Sequence[Mapping[str, Any]]
    inserted: int
    updated: int
    unchanged: int


@attrs.frozen(kw_only=True)
class RecordsRejected:
    """Records that failed validation in one batch, already saved to the rejected table."""

    workspace: Any
    source: str
    rejected: Sequence[RejectedRecord]
