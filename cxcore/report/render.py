"""Writing the report: the HTML page and the JSON file of all results, from one document."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .document import SCHEMA_ID, validate_document
from .page import render_html

__all__ = ["ReportPaths", "render_report"]


@attrs.frozen
class ReportPaths:
    """Where :func:`render_report` wrote the report."""

    html: Path
    json: Path


def _write(path: Path, text: str) -> None:
    # Write next to the target, then rename: a reader never sees a half-written report.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render_report(
    document: Mapping[str, Any], out_dir: str | os.PathLike[str], *, stem: str = "report"
) -> ReportPaths:
    """Validate ``document`` and write ``<stem>.html`` and ``<stem>.json`` into ``out_dir``.

    The HTML file is self-contained (inline CSS and SVG, no network). The JSON file is the
    document itself with ``schema`` set to the report schema's ``$id``; it validates against
    ``schemas/report.json``. Raises :class:`cxcore.errors.RecordValidationError` listing every
    problem when the document is not valid; nothing is written then.
    """
    doc = validate_document({**document, "schema": SCHEMA_ID})
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(html=out / f"{stem}.html", json=out / f"{stem}.json")
    page = render_html(doc)
    _write(paths.json, json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    _write(paths.html, page)
    return paths
