"""Number, date and text formatting for the report: pure functions returning plain text.

Nothing here escapes HTML; callers escape when they place the text in markup.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

__all__ = [
    "DASH",
    "esc",
    "fmt_count",
    "fmt_date",
    "fmt_delta",
    "fmt_duration",
    "fmt_interval",
    "fmt_number",
    "fmt_p",
    "fmt_period",
    "fmt_period_start",
    "fmt_rate",
    "fmt_rate_interval",
    "fmt_timestamp",
    "fmt_value",
    "parse_timestamp",
    "slug",
    "unit_suffix",
]

DASH = "\u2014"
"""Shown for a missing value."""
_EN_DASH = "\u2013"


def esc(text: object) -> str:
    """HTML-escape any value's text, quotes included (safe in text and attribute values)."""
    return html.escape(str(text), quote=True)


def slug(text: str) -> str:
    """A token safe inside an HTML id: letters, digits, ``-`` and ``_`` (others become ``-``)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-" for c in text)


def fmt_number(value: float, decimals: int = 1) -> str:
    """``1234.5`` -> ``"1,234.5"``; ``-0.0`` shows as ``"0.0"``."""
    text = f"{value:,.{decimals}f}"
    return text[1:] if text.startswith("-") and float(text.replace(",", "")) == 0 else text


def fmt_count(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,d}"


def fmt_duration(seconds: float, decimals: int = 1) -> str:
    """A duration in the largest unit that keeps it above 1: ``45 s``, ``12.5 min``, ``3.2 h``."""
    s = abs(seconds)
    sign = "-" if seconds < 0 else ""
    if s < 60:
        return f"{sign}{fmt_number(s, 0)} s"
    if s < 3600:
        return f"{sign}{fmt_number(s / 60, decimals)} min"
    if s < 86400 * 2:
        return f"{sign}{fmt_number(s / 3600, decimals)} h"
    return f"{sign}{fmt_number(s / 86400, decimals)} d"


def fmt_value(value: float | None, unit: str, decimals: int = 1) -> str:
    """A value in its unit (see the unit rules in :mod:`cxcore.report.document`)."""
    if value is None:
        return DASH
    if unit == "percent":
        return f"{fmt_number(value, decimals)}%"
    if unit == "ratio":
        return f"{fmt_number(value * 100, decimals)}%"
    if unit == "seconds":
        return fmt_duration(value, decimals)
    if unit == "count":
        return fmt_number(value, 0)
    return fmt_number(value, decimals)


def unit_suffix(unit: str) -> str:
    """The unit word shown after a bare number (``""`` when the number carries its unit)."""
    return "" if unit in ("percent", "ratio", "seconds", "count", "") else unit


def fmt_delta(delta: float, unit: str, decimals: int = 1) -> str:
    """A signed change: ``+3.2 pp`` (percent), ``-4.0 min``, ``+1.5 points``."""
    sign = "+" if delta > 0 else ("-" if delta < 0 else "\u00b1")
    magnitude = abs(delta)
    if unit == "percent":
        return f"{sign}{fmt_number(magnitude, decimals)} pp"
    if unit == "ratio":
        return f"{sign}{fmt_number(magnitude * 100, decimals)} pp"
    if unit == "seconds":
        return f"{sign}{fmt_duration(magnitude, decimals)}"
    if unit == "count":
        return f"{sign}{fmt_number(magnitude, 0)}"
    suffix = unit_suffix(unit)
    return f"{sign}{fmt_number(magnitude, decimals)}" + (f" {suffix}" if suffix else "")


def fmt_interval(low: float | None, high: float | None, unit: str, decimals: int = 1) -> str:
    """``"71.2–76.8%"``; a dash when a bound is missing."""
    if low is None or high is None:
        return DASH
    lo, hi = fmt_value(low, unit, decimals), fmt_value(high, unit, decimals)
    if unit in ("percent", "ratio") and lo.endswith("%"):
        lo = lo[:-1]
    return f"{lo}{_EN_DASH}{hi}"


def fmt_rate(rate: float | None, decimals: int = 1) -> str:
    """A fraction 0..1 as a percentage: ``0.123`` -> ``"12.3%"``."""
    return DASH if rate is None else f"{fmt_number(rate * 100, decimals)}%"


def fmt_rate_interval(low: float | None, high: float | None, decimals: int = 1) -> str:
    """A rate interval: ``"11.0–13.6%"``."""
    return fmt_interval(low, high, "ratio", decimals)


def fmt_p(p_value: float | None) -> str:
    """``p = 0.032``, ``p < 0.001``; empty when unknown."""
    if p_value is None:
        return ""
    if p_value < 0.001:
        return "p < 0.001"
    return f"p = {p_value:.3f}"


def parse_timestamp(text: str) -> datetime:
    """An RFC 3339 timestamp (``Z`` accepted) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def fmt_date(moment: datetime) -> str:
    """``"1 Apr 2024"``."""
    return f"{moment.day} {moment:%b %Y}"


def fmt_timestamp(text: str) -> str:
    """``"1 Apr 2024, 09:30 UTC"`` (the offset as given when not UTC)."""
    moment = parse_timestamp(text)
    offset = moment.utcoffset()
    zone = "UTC" if offset == timedelta(0) else moment.strftime("UTC%z")
    return f"{fmt_date(moment)}, {moment:%H:%M} {zone}"


def fmt_period(start: str, end: str, label: str | None = None) -> str:
    """A period's label, or its inclusive dates: ``"1 Jan 2024 – 31 Mar 2024"``."""
    if label:
        return label
    first = parse_timestamp(start)
    last = parse_timestamp(end) - timedelta(microseconds=1)
    if last < first:
        last = first
    return f"{fmt_date(first)} {_EN_DASH} {fmt_date(last)}"


def fmt_period_start(start: str, label: str | None = None) -> str:
    """A trend point's short label: its ``label``, else ``"Mar 2024"`` or ``"3 Mar 2024"``."""
    if label:
        return label
    moment = parse_timestamp(start)
    return f"{moment:%b %Y}" if moment.day == 1 else fmt_date(moment)
