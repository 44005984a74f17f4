"""A report document in a few terminal lines: headline KPIs and the top priorities.

Plain text, 80 columns, no colour: it is printed by ``cxcore report`` and can be reused by
anything that builds a document (the demo). The JSON form (:func:`summary_dict`) is what
``cxcore report --format json`` prints.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .document import Kpi, ReportDocument
from .fmt import fmt_delta, fmt_interval, fmt_period, fmt_value

__all__ = ["summary_dict", "summary_text"]

_WIDTH = 80


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _short_label(label: str, width: int = 24) -> str:
    """A label that fits the KPI column: its abbreviation or the part before a bracket."""
    if len(label) <= width:
        return label
    m = re.search(r"\(([A-Z][A-Za-z0-9.-]{1,11})\)\s*$", label)
    if m:
        return m.group(1)
    head = label.split(" (", 1)[0]
    return _clip(head if head else label, width)


def _change(kpi: Kpi) -> str:
    change = kpi["change"]
    if change is None:
        return ""
    decimals = kpi.get("decimals", 1)
    text = fmt_delta(change["delta"], kpi["unit"], decimals).replace(" points", " pts")
    if not change["significant"]:
        return f"{text} (n.s.)"
    rise = change["delta"] > 0
    good = rise == (kpi["direction"] == "higher_is_better")
    return f"{text} {'better' if good else 'worse'}"


def _rows(rows: list[list[str]], headers: list[str]) -> list[str]:
    cells = [headers, *rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    out.insert(1, "  ".join("-" * w for w in widths))
    return [_clip(line, _WIDTH) for line in out]


def summary_text(document: ReportDocument, *, priorities: int = 3) -> str:
    """Headline KPIs (value, interval, change) and the top ``priorities`` of the grid."""
    meta = document["meta"]
    period = meta["period"]
    lines = [_clip(f"{meta.get('title') or meta['project']}", _WIDTH)]
    when = fmt_period(period["start"], period["end"], period.get("label"))
    prev = meta["previous_period"]
    if prev is not None:
        when += f" vs {fmt_period(prev['start'], prev['end'], prev.get('label'))}"
    lines.append(_clip(when, _WIDTH))
    lines.append("")
    if document["kpis"]:
        rows = []
        for k in document["kpis"]:
            decimals = k.get("decimals", 1)
            interval = k["interval"]
            rows.append(
                [
                    _short_label(k["label"]),
                    fmt_value(k["value"], k["unit"], decimals),
                    fmt_interval(interval["low"], interval["high"], k["unit"], decimals)
                    if interval
                    else "",
                    f"{k['n']:,}",
                    _change(k),
                ]
            )
        lines += _rows(rows, ["KPI", "value", "95% interval", "n", "change"])
    else:
        lines.append("No KPI has data for this period.")
    ipa = document.get("ipa")
    items = ipa["items"] if ipa else []
    if items:
        lines.append("")
        rows = [
            [
                str(i["rank"]),
                _clip(i["label"], 28),
                f"{i['importance']:.0f}",
                f"{i['performance']:.0f}",
                f"{i['gap']:+.0f}",
                i["quadrant"],
            ]
            for i in sorted(items, key=lambda i: i["rank"])[:priorities]
        ]
        lines += _rows(rows, ["#", "priority", "import.", "perf.", "gap", "quadrant"])
    return "\n".join(lines)


def summary_dict(document: ReportDocument, *, priorities: int = 3) -> dict[str, Any]:
    """The summary as JSON: period, KPIs (value, interval, change) and top priorities."""
    ipa = document.get("ipa")
    items = sorted(ipa["items"], key=lambda i: i["rank"])[:priorities] if ipa else []

    def kpi(k: Kpi) -> Mapping[str, Any]:
        return {
            "id": k["id"],
            "label": k["label"],
            "value": k["value"],
            "unit": k["unit"],
            "n": k["n"],
            "interval": k["interval"],
            "change": k["change"],
        }

    return {
        "period": document["meta"]["period"],
        "previous_period": document["meta"]["previous_period"],
        "kpis": [kpi(k) for k in document["kpis"]],
        "priorities": [
            {
                "rank": i["rank"],
                "id": i["id"],
                "label": i["label"],
                "importance": i["importance"],
                "performance": i["performance"],
                "gap": i["gap"],
                "quadrant": i["quadrant"],
            }
            for i in items
        ],
    }
