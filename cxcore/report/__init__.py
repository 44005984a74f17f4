"""The cxcore report: one self-contained HTML page and a JSON file, from a report document.

The report document (a JSON-compatible ``dict``) is the contract between the analyses and the
page; it is described in :mod:`cxcore.report.document` and ``schemas/report.json``::

    from cxcore.report import render_report
    paths = render_report(document, "out/")   # validates, then writes
    paths.html, paths.json                    # out/report.html, out/report.json

or, from a workspace's data (:mod:`cxcore.report.build`)::

    from cxcore.report import build_document, write_report
    document = build_document(workspace)      # KPIs, journeys, priorities, trends
    paths = write_report(workspace, "out/")   # build, then render
"""

from .build import DEFAULT_KPIS, ReportSettings, build_document, parse_period, write_report
from .document import SCHEMA_ID, ReportDocument, report_schema, validate_document
from .page import SECTIONS, render_html
from .render import ReportPaths, render_report

__all__ = [
    "DEFAULT_KPIS",
    "SCHEMA_ID",
    "SECTIONS",
    "ReportDocument",
    "ReportPaths",
    "ReportSettings",
    "build_document",
    "render_html",
    "render_report",
    "parse_period",
    "report_schema",
    "validate_document",
    "write_report",
]
