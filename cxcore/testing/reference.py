"""Vendor reference data for plugin tests: find it, and validate against its JSON Schemas.

Public API descriptions of vendors (schemas, recorded responses) are not shipped with cxcore;
a checkout may have them in ``../shared/vendor-api`` beside the repository, or anywhere
``CXCORE_VENDOR_API`` points. Tests that need them skip cleanly when they are absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["draft7_validator", "find_vendor_api"]


def find_vendor_api(start: str | Path | None = None) -> Path | None:
    """The vendor reference folder: ``$CXCORE_VENDOR_API``, else ``shared/vendor-api`` found
    beside ``start`` (default: the current directory) or any of its parents."""
    explicit = os.environ.get("CXCORE_VENDOR_API")
    if explicit:
        return Path(explicit) if Path(explicit).is_dir() else None
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "shared" / "vendor-api"
        if candidate.is_dir():
            return candidate
    return None


def draft7_validator(path: Path) -> Any:
    """A Draft 7 validator (with format checks) for a vendor JSON Schema file.

    Vendor schemas (Airbyte's, Singer taps') are draft 7 with relative ``$ref``\\ s, which
    resolve against the file's own folder.
    """
    from jsonschema import Draft7Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    def retrieve(uri: str) -> Resource[Any]:
        target = Path(uri.removeprefix("file://"))
        return Resource.from_contents(json.loads(target.read_text()), default_specification=DRAFT7)

    schema = json.loads(path.read_text())
    schema.setdefault("$id", path.resolve().as_uri())
    return Draft7Validator(
        schema,
        registry=Registry(retrieve=retrieve),  # type: ignore[call-arg]
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )
