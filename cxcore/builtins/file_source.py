"""Built-in plugin: the ``file`` source reads cxcore records from JSONL, JSON and CSV files."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..files import read_records
from ..hookspecs import hookimpl
from ..types import SourceSpec

CONFIG_SCHEMA = {
    "type": "object",
    "properties": {
        "paths": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "kind": {"enum": ["customer", "interaction", "response"]},
    },
    "required": ["paths"],
    "additionalProperties": False,
}


@attrs.frozen(kw_only=True)
class FileSource:
    """Reads records from files; each record keeps a ``file:line`` locator for error reports.

    Records without a ``source`` field get ``source`` (the configured source name), so a plain
    export can be ingested without rewriting it. Relative paths are resolved against
    ``base_dir`` (the project file's folder when configured in cxcore.toml).
    """

    paths: Sequence[str | Path]
    kind: str | None = None
    source: str = "file"
    base_dir: Path | None = None

    def read(self) -> Iterator[tuple[str, str, Any]]:
        for path in self.paths:
            full = self.base_dir / path if self.base_dir is not None else Path(path)
            for locator, kind, record in read_records(full, kind=self.kind):
                if isinstance(record, dict) and "source" not in record:
                    record["source"] = self.source
                yield locator, kind, record


@hookimpl
def cxcore_sources() -> Iterator[SourceSpec]:
    yield SourceSpec(
        name="file",
        factory=FileSource,
        config_schema=CONFIG_SCHEMA,
        description="cxcore records from JSONL, JSON or CSV files",
    )
