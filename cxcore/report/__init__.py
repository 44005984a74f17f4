"""The cxcore report: one self-contained HTML page and a JSON file, from a report document.

The report document (a JSON-compatible ``dict``) is the contract between the analyses and the
page; it is described in :mod:`cxcore.report.document` and ``schemas/report.json``::

    from cxcore.report import render_report
    paths = render_report(document, "out/")   # validates, then writes
    paths.html, paths.json                    # out/report.html, out/report.json
"""

from .document import SCHEMA_ID, ReportDocument, report_schema, validate_document
from .page import SECTIONS, render_html
from .render import ReportPaths, render_report

__all__ = [
    "SCHEMA_ID",
    "SECTIONS",
    "ReportDocument",
    "ReportPaths",
    "render_html",
    "render_report",
    "report_schema",
    "validate_document",
]
