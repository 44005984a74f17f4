"""Built-in plugin: the default DuckDB store, registered as ``duckdb``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..hookspecs import hookimpl
from ..store import DuckDBStore
from ..types import StoreSpec


def _open(*, path: str | None = None, settings: Mapping[str, Any] | None = None) -> DuckDBStore:
    settings = settings or {}
    return DuckDBStore(
        path or ":memory:",
        read_only=bool(settings.get("read_only")),
        threads=settings.get("threads"),
    )


@hookimpl
def cxcore_stores() -> Iterator[StoreSpec]:
    yield StoreSpec(
        name="duckdb",
        factory=_open,
        description="Embedded DuckDB file: columnar, transactional, no server",
    )
