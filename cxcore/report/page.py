"""The report page: semantic HTML sections around the charts, with data tables.

:func:`render_html` turns a validated :class:`~cxcore.report.document.ReportDocument` into one
self-contained HTML string (inline CSS and SVG; a few lines of optional JavaScript only open
the data tables before printing). All document text is escaped: plain ``str`` values are
always escaped, only :class:`Markup` (built here) is inserted as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cxcore._version import __version__

from . import charts
from .document import (
    SCHEMA_ID,
    BreakRow,
    Breaks,
    ExperienceCurve,
    Funnel,
    Ipa,
    IpaItem,
    JourneyMap,
    Kpi,
    Meta,
    ReportDocument,
    Trends,
    TrendSeries,
)
from .fmt import (
    DASH,
    esc,
    fmt_count,
    fmt_delta,
    fmt_interval,
    fmt_number,
    fmt_p,
    fmt_period,
    fmt_period_start,
    fmt_rate,
    fmt_rate_interval,
    fmt_timestamp,
    fmt_value,
    slug,
    unit_suffix,
)
from .style import CSS

__all__ = ["SECTIONS", "Markup", "data_table", "render_html"]


class Markup(str):
    """Trusted HTML built by this package; inserted without escaping."""

    __slots__ = ()


Cell = str | Markup


@dataclass(frozen=True)
class Column:
    """A data-table column; ``numeric`` columns are right-aligned."""

    label: str
    numeric: bool = False
    css: str = ""

    @property
    def attr(self) -> str:
        """The cells' ``class`` attribute (``num`` for numbers, plus ``css``)."""
        classes = " ".join(c for c in ("num" if self.numeric else "", self.css) if c)
        return f' class="{classes}"' if classes else ""


SECTIONS: tuple[tuple[str, str], ...] = (
    ("kpis", "Headline KPIs"),
    ("priorities", "What to fix first"),
    ("journey-map", "Journey map"),
    ("experience-curve", "Experience curve"),
    ("funnel", "Funnel"),
    ("breaks", "Journey breaks"),
    ("ipa", "Importance and performance"),
    ("trends", "Trends"),
)
"""Section ids (stable: tests and links use them) and headings, in page order."""

_PRINT_SCRIPT = (
    "(function(){var opened=[];"
    "window.addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details.data:not([open])').forEach(function(d){"
    "d.open=true;opened.push(d);});});"
    "window.addEventListener('afterprint',function(){"
    "opened.forEach(function(d){d.open=false;});opened=[];});})();"
)


_UP, _DOWN = "\u25b2", "\u25bc"


def _h(value: Cell) -> str:
    return value if isinstance(value, Markup) else esc(value)


def data_table(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Cell]],
    *,
    caption: str,
    id: str,
    summary: str = "",
    open: bool = False,
) -> Markup:
    """A data table inside a ``<details>`` (the chart's numbers, reachable without a mouse)."""
    head = "".join(f'<th scope="col"{c.attr}>{esc(c.label)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, (col, value) in enumerate(zip(columns, row, strict=True)):
            cls = col.attr
            tag = "th" if i == 0 else "td"
            scope = ' scope="row"' if i == 0 else ""
            cells.append(f"<{tag}{scope}{cls}>{_h(value)}</{tag}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return Markup(
        f'<details class="data"{" open" if open else ""}>'
        f"<summary>{esc(summary or 'Data table: ' + caption)}</summary>"
        f'<div class="table-wrap"><table id="{esc(id)}"><caption>{esc(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div></details>"
    )


def _section(
    id: str,
    heading: str,
    body: str,
    *,
    intro: str = "",
    note: str | None = None,
    first: bool = False,
) -> str:
    parts = [f'<div class="section-head"><h2 id="{id}-h">{esc(heading)}</h2></div>']
    if intro:
        parts.append(f'<p class="section-intro">{esc(intro)}</p>')
    if note:
        parts.append(f'<p class="note">{esc(note)}</p>')
    parts.append(body)
    cls = "report-section" + (" first" if first else "")
    return f'<section id="{id}" class="{cls}" aria-labelledby="{id}-h">{"".join(parts)}</section>'


def _note(section: Mapping[str, Any] | None) -> str | None:
    """A section's ``note``, if it has one."""
    note = section.get("note") if section else None
    return note if isinstance(note, str) and note else None


def _empty(message: str) -> str:
    return f'<p class="empty-state" role="status">{esc(message)}</p>'


def _figure(svg: str, caption: str, *, scroll: bool = False) -> str:
    inner = f'<div class="scroll-x">{svg}</div>' if scroll else svg
    return f"<figure>{inner}<figcaption>{esc(caption)}</figcaption></figure>"


# -- header -----------------------------------------------------------------------------------


def _header(meta: Meta) -> str:
    period = meta["period"]
    prev = meta["previous_period"]
    items = [
        ("Period", fmt_period(period["start"], period["end"], period.get("label"))),
        (
            "Compared with",
            fmt_period(prev["start"], prev["end"], prev.get("label"))
            if prev
            else "no previous period",
        ),
        ("Generated", fmt_timestamp(meta["generated_at"])),
    ]
    meta_html = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in items)
    if meta["sources"]:
        chips = "".join(
            f'<li title="{esc(s.get("label", ""))}">{esc(s["name"])} '
            f'<span class="muted">{esc(fmt_count(s["records"]))}</span></li>'
            for s in meta["sources"]
        )
        sources = f'<ul class="sources" aria-label="records per source">{chips}</ul>'
    else:
        sources = "none listed"
    meta_html += f"<div><dt>Sources</dt><dd>{sources}</dd></div>"
    title = meta.get("title", "Customer experience report")
    return (
        '<header class="page-header"><div class="wrap">'
        f'<p class="eyebrow">{esc(title)}</p><h1>{esc(meta["project"])}</h1>'
        f'<dl class="meta">{meta_html}</dl></div></header>'
    )


def _nav() -> str:
    links = "".join(f'<li><a href="#{sid}">{esc(label)}</a></li>' for sid, label in SECTIONS)
    return f'<nav class="toc" aria-label="Report sections"><ul>{links}</ul></nav>'


# -- KPIs -------------------------------------------------------------------------------------


def _kpi_change(kpi: Kpi, has_previous_period: bool) -> str:
    unit, decimals = kpi["unit"], kpi.get("decimals", 1)
    change, previous = kpi["change"], kpi["previous"]
    if change is None:
        text = (
            f"Previous: {fmt_value(previous, unit, decimals)}; change not tested"
            if previous is not None
            else "No previous value"
            if has_previous_period
            else "No previous period"
        )
        return f'<p class="kpi-change change-none" data-significant="false">{esc(text)}</p>'
    delta = change["delta"]
    prev_text = (
        f" vs {fmt_value(previous, unit, decimals)}" if previous is not None else " vs previous"
    )
    p_text = fmt_p(change["p_value"])
    if not change["significant"] or delta == 0:
        detail = "not significant" + (f", {p_text}" if p_text else "")
        return (
            '<p class="kpi-change change-none" data-significant="false">'
            f'<span class="delta">{esc(fmt_delta(delta, unit, decimals))}</span>'
            f"{esc(prev_text)} \u00b7 {esc(detail)}</p>"
        )
    up = delta > 0
    good = up == (kpi["direction"] == "higher_is_better")
    verdict, cls = ("better", "change-better") if good else ("worse", "change-worse")
    arrow = _UP if up else _DOWN
    return (
        f'<p class="kpi-change {cls}" data-significant="true">'
        f'<span class="change-mark" aria-hidden="true">{arrow}</span>'
        f'<span class="delta">{esc(fmt_delta(delta, unit, decimals))}</span>{esc(prev_text)} '
        f'<span class="verdict">{verdict}</span>'
        + (f' <span class="muted">\u00b7 {esc(p_text)}</span>' if p_text else "")
        + f'<span class="visually-hidden">, a significant change for the {verdict}</span></p>'
    )


def _kpi_card(kpi: Kpi, has_previous_period: bool) -> str:
    unit, decimals = kpi["unit"], kpi.get("decimals", 1)
    sid = f"kpi-{slug(kpi['id'])}"
    suffix = unit_suffix(unit)
    interval = kpi["interval"]
    ci = (
        f"{fmt_number(interval['level'] * 100, 0)}% CI "
        f"{fmt_interval(interval['low'], interval['high'], unit, decimals)}"
        if interval
        else "no interval"
    )
    parts = [
        f'<article class="kpi" id="{esc(sid)}" aria-labelledby="{esc(sid)}-label"'
        f' data-kpi="{esc(kpi["id"])}">',
        f'<h3 id="{esc(sid)}-label">{esc(kpi["label"])}</h3>',
        f'<p class="kpi-value"><span class="num">{esc(fmt_value(kpi["value"], unit, decimals))}'
        "</span>" + (f'<span class="unit">{esc(suffix)}</span>' if suffix else "") + "</p>",
        f'<p class="kpi-interval"><span class="nowrap">{esc(ci)}</span> \u00b7 '
        f'<span class="nowrap">n = {esc(fmt_count(kpi["n"]))}</span></p>',
    ]
    if kpi.get("description"):
        parts.append(f'<p class="kpi-desc">{esc(kpi.get("description", ""))}</p>')
    parts.append(_kpi_change(kpi, has_previous_period))
    if kpi["low_sample"]:
        parts.append(
            '<p class="badge low-sample" title="few observations: read with care">Low sample</p>'
        )
    parts.append("</article>")
    return "".join(parts)


def _kpis_section(doc: ReportDocument) -> str:
    kpis = doc["kpis"]
    has_prev = doc["meta"]["previous_period"] is not None
    if not kpis:
        return _section(
            "kpis", "Headline KPIs", _empty("No KPIs were computed for this period."), first=True
        )
    cards = "".join(_kpi_card(k, has_prev) for k in kpis)
    rows = []
    for k in kpis:
        unit, dec = k["unit"], k.get("decimals", 1)
        iv, ch = k["interval"], k["change"]
        rows.append(
            [
                k["label"],
                fmt_value(k["value"], unit, dec),
                fmt_interval(iv["low"], iv["high"], unit, dec) if iv else DASH,
                fmt_count(k["n"]),
                fmt_value(k["previous"], unit, dec),
                fmt_delta(ch["delta"], unit, dec) if ch else DASH,
                (fmt_p(ch["p_value"]) or DASH) if ch else DASH,
                ("yes" if ch["significant"] else "no") if ch else DASH,
                "higher" if k["direction"] == "higher_is_better" else "lower",
                "yes" if k["low_sample"] else "no",
            ]
        )
    table = data_table(
        [
            Column("KPI"),
            Column("Value", True),
            Column("Interval", True),
            Column("n", True),
            Column("Previous", True),
            Column("Change", True),
            Column("p-value", True),
            Column("Significant"),
            Column("Better when"),
            Column("Low sample"),
        ],
        rows,
        caption="Headline KPIs",
        id="table-kpis",
    )
    intro = (
        "Each value with its confidence interval. A change against the previous period "
        "is marked with an arrow and the word better or worse only when it is "
        "statistically significant; otherwise it is shown in grey."
    )
    return _section(
        "kpis",
        "Headline KPIs",
        f'<div class="kpi-grid">{cards}</div>{table}',
        intro=intro,
        first=True,
    )


# -- at a glance ------------------------------------------------------------------------------


def _glance_section(doc: ReportDocument) -> str:
    ipa = doc.get("ipa")
    items = sorted(ipa["items"], key=lambda i: i["rank"]) if ipa else []
    focus = [i for i in items if i["quadrant"] == "concentrate here"][:3] or items[:3]
    if focus:
        lis = "".join(
            f'<li>{_rank_badge(i)}{esc(i["label"])}<span class="sub">importance '
            f"{esc(fmt_number(i['importance'], 0))}, performance "
            f"{esc(fmt_number(i['performance'], 0))} \u00b7 {esc(i['quadrant'])}</span></li>"
            for i in focus
        )
        priorities = f"<ol>{lis}</ol>"
    else:
        priorities = _empty("No importance-performance analysis in this report.")
    breaks = doc.get("breaks")
    rows = [r for r in (breaks["rows"] if breaks else []) if r["rate"]["rate"] is not None]
    worst = sorted(rows, key=lambda r: -(r["rate"]["rate"] or 0.0))[:3]
    if worst:
        lis = "".join(
            f"<li><strong>{esc(fmt_rate(r['rate']['rate']))}</strong> {esc(r['label'])}"
            f'<span class="sub">{esc(r["touchpoint"] or "whole journey")} \u00b7 '
            f"{esc(fmt_count(r['rate']['count']))} of {esc(fmt_count(r['rate']['n']))}</span>"
            "</li>"
            for r in worst
        )
        break_html = f"<ol>{lis}</ol>"
    else:
        break_html = _empty("No journey breaks measured.")
    sig = [
        k
        for k in doc["kpis"]
        if k["change"] and k["change"]["significant"] and k["change"]["delta"] != 0
    ]
    if sig:
        marks: list[str] = []
        for k in sig:
            ch = k["change"]
            assert ch is not None
            up = ch["delta"] > 0
            good = up == (k["direction"] == "higher_is_better")
            cls = "change-better" if good else "change-worse"
            marks.append(
                f'<li class="{cls}"><span class="change-mark" aria-hidden="true">'
                f"{_UP if up else _DOWN}</span>{esc(k['label'])} "
                f"<strong>{esc(fmt_delta(ch['delta'], k['unit'], k.get('decimals', 1)))}</strong>"
                f' <span class="verdict">{"better" if good else "worse"}</span></li>'
            )
        changes = f"<ul>{''.join(marks)}</ul>"
    elif doc["meta"]["previous_period"] is None:
        changes = _empty("No previous period to compare with.")
    else:
        changes = '<p class="muted">No KPI changed significantly since the previous period.</p>'
    body = (
        '<div class="glance">'
        f'<div><h3>Top priorities <a href="#ipa" class="muted">(quadrant)</a></h3>'
        f"{priorities}</div>"
        f'<div><h3>Where journeys break most <a href="#breaks" class="muted">(table)</a></h3>'
        f"{break_html}</div>"
        f"<div><h3>Significant changes</h3>{changes}</div></div>"
    )
    return _section("priorities", "What to fix first", body)


def _rank_badge(item: IpaItem) -> str:
    q = slug(item["quadrant"].replace(" ", "-"))
    return (
        f'<span class="rank-badge q-{q}" title="priority rank {item["rank"]}: '
        f'{esc(item["quadrant"])}">{item["rank"]}</span>'
    )


# -- journey map ------------------------------------------------------------------------------


def _journey_map_section(jmap: JourneyMap | None) -> str:
    heading = "Journey map"
    if not jmap or not jmap["stages"] or not jmap["channels"] or not jmap["cells"]:
        reason = _note(jmap) or "No touchpoint data for this period."
        return _section("journey-map", heading, _empty(f"No journey map: {reason}"))
    unit, dec = jmap["unit"], jmap.get("decimals", 0)
    stage_label = {s["id"]: s["label"] for s in jmap["stages"]}
    channel_label = {c["id"]: c["label"] for c in jmap["channels"]}
    order = {s["id"]: i for i, s in enumerate(jmap["stages"])}
    corder = {c["id"]: i for i, c in enumerate(jmap["channels"])}
    cells = sorted(jmap["cells"], key=lambda c: (order[c["stage"]], corder[c["channel"]]))
    rows = [
        [
            f"{stage_label[c['stage']]} \u00b7 {channel_label[c['channel']]}",
            c["touchpoint"] or DASH,
            fmt_value(c["value"], unit, dec),
            fmt_count(c["n"]),
            fmt_number(c["importance"], 0) if c["importance"] is not None else DASH,
            "yes" if c["moment_of_truth"] else "no",
        ]
        for c in cells
    ]
    table = data_table(
        [
            Column("Stage \u00b7 channel"),
            Column("Touchpoint"),
            Column(jmap["metric"], True),
            Column("n", True),
            Column("Importance", True),
            Column("Moment of truth"),
        ],
        rows,
        caption=f"Journey map: {jmap['metric']}",
        id="table-journey-map",
    )
    svg = charts.heatmap(jmap)
    lo, hi = charts.heat_domain(jmap)
    caption = (
        f"{jmap['metric']} at each touchpoint, stages left to right; "
        f"{charts.direction_word(jmap['direction'])}. Colour runs from orange (worse) "
        f"through white to blue (better) over {fmt_value(lo, unit, dec)}\u2013"
        f"{fmt_value(hi, unit, dec)}. Hover a cell for its touchpoint, importance and n."
    )
    intro = (
        "Where in the journey, and on which channel, the experience is delivered well or "
        "badly. Stars mark moments of truth; the bar under each value is the "
        "touchpoint's importance."
    )
    return _section(
        "journey-map",
        heading,
        _figure(svg, caption, scroll=True) + table,
        intro=intro,
        note=jmap.get("note"),
    )


# -- experience curve -------------------------------------------------------------------------


def _curve_section(curve: ExperienceCurve | None) -> str:
    heading = "Experience curve"
    if not curve or not any(p["value"] is not None for p in curve["points"]):
        reason = _note(curve) or "No perception scores for this period."
        return _section("experience-curve", heading, _empty(f"No experience curve: {reason}"))
    rows = [
        [
            ("\u2605 " if p["moment_of_truth"] else "") + p["label"],
            fmt_number(p["value"], 1) if p["value"] is not None else DASH,
            fmt_interval(p["low"], p["high"], "", 1),
            fmt_count(p["n"]),
            "yes" if p["low_sample"] else "no",
            "yes" if p["moment_of_truth"] else "no",
        ]
        for p in curve["points"]
    ]
    level = f"{fmt_number(curve['level'] * 100, 0)}%"
    table = data_table(
        [
            Column("Stage"),
            Column("Score", True),
            Column(f"{level} interval", True),
            Column("n", True),
            Column("Low sample"),
            Column("Moment of truth"),
        ],
        rows,
        caption=f"Experience curve: {curve['metric']}",
        id="table-experience-curve",
    )
    caption = (
        f"{curve['metric']} per stage on a 0\u2013100 scale, with its {level} interval "
        "(shaded). Hollow points rest on few answers."
    )
    intro = "How customers feel at each stage of the journey: the dips are where it hurts."
    return _section(
        "experience-curve",
        heading,
        _figure(charts.curve_chart(curve), caption) + table,
        intro=intro,
        note=curve.get("note"),
    )


# -- funnel -----------------------------------------------------------------------------------


def _funnel_section(funnel: Funnel | None) -> str:
    heading = "Funnel"
    if not funnel or not funnel["steps"] or funnel["steps"][0]["count"] == 0:
        reason = _note(funnel) or "No journeys entered the funnel in this period."
        return _section("funnel", heading, _empty(f"No funnel: {reason}"))
    level = f"{fmt_number(funnel['level'] * 100, 0)}%"
    rows = []
    for s in funnel["steps"]:
        st, ov = s["step"], s["overall"]
        rows.append(
            [
                s["label"],
                fmt_count(s["count"]),
                fmt_rate(st["rate"]) if st else DASH,
                fmt_rate_interval(st["low"], st["high"]) if st else DASH,
                fmt_count(st["n"] - st["count"]) if st else DASH,
                fmt_rate(ov["rate"]),
                fmt_rate_interval(ov["low"], ov["high"]),
            ]
        )
    table = data_table(
        [
            Column("Step"),
            Column(funnel["unit"].capitalize(), True),
            Column("Step conversion", True),
            Column(f"{level} interval", True),
            Column("Dropped", True),
            Column("Overall conversion", True),
            Column(f"{level} interval ", True),
        ],
        rows,
        caption="Stage funnel",
        id="table-funnel",
    )
    window = f" within {funnel['window']}" if funnel["window"] else ""
    caption = (
        f"{funnel['unit'].capitalize()} reaching each stage{window}. Bar length: share "
        f"of the first step; whisker: its {level} Wilson interval."
    )
    intro = "How many get from one stage to the next, and where they drop out."
    return _section(
        "funnel",
        heading,
        _figure(charts.funnel_chart(funnel), caption) + table,
        intro=intro,
        note=funnel.get("note"),
    )


# -- breaks -----------------------------------------------------------------------------------


def _channel_chips(row: BreakRow) -> str:
    if not row["by_channel"]:
        return f'<span class="muted">{DASH}</span>'
    ordered = sorted(row["by_channel"], key=lambda c: -(c["rate"]["rate"] or -1.0))
    lis = "".join(
        f'<li title="{esc(c["channel"])}: {esc(fmt_rate(c["rate"]["rate"]))} '
        f"({esc(fmt_rate_interval(c['rate']['low'], c['rate']['high']))}), "
        f'{esc(fmt_count(c["rate"]["count"]))} of {esc(fmt_count(c["rate"]["n"]))}">'
        f"{esc(c['channel'])} <strong>{esc(fmt_rate(c['rate']['rate']))}</strong> "
        f'<span class="muted">n={esc(fmt_count(c["rate"]["n"]))}</span></li>'
        for c in ordered
    )
    return f'<ul class="by-channel">{lis}</ul>'


def _breaks_section(breaks: Breaks | None) -> str:
    heading = "Journey breaks"
    if not breaks or not breaks["rows"]:
        reason = _note(breaks) or "No break rules were evaluated for this period."
        return _section("breaks", heading, _empty(f"No journey breaks: {reason}"))
    level = f"{fmt_number(breaks['level'] * 100, 0)}%"
    top = max((r["rate"]["high"] or r["rate"]["rate"] or 0.0) for r in breaks["rows"])
    max_rate = min(1.0, max(0.05, top * 1.1))
    rows: list[list[Cell]] = []
    for r in breaks["rows"]:
        rate = r["rate"]
        rows.append(
            [
                Markup(
                    f'{esc(r["label"])} <span class="rule-id">{esc(r["rule"])}</span>'
                    + (
                        f' <span class="desc">{esc(r["description"])}</span>'
                        if r["description"]
                        else ""
                    )
                ),
                r["touchpoint"] or "whole journey",
                Markup(
                    f"<strong>{esc(fmt_rate(rate['rate']))}</strong> "
                    f'<span class="sub">{esc(fmt_rate_interval(rate["low"], rate["high"]))}'
                    "</span>"
                ),
                Markup(charts.rate_whisker(rate, max_rate, label=r["label"])),
                Markup(
                    f'{esc(fmt_count(rate["count"]))} <span class="muted">of</span> '
                    f"{esc(fmt_count(rate['n']))}"
                ),
                Markup(_channel_chips(r)),
            ]
        )
    columns = [
        Column("Break"),
        Column("Starts at", css="nowrap"),
        Column(f"Rate ({level} interval)", True),
        Column("Rate on a common scale", css="col-scale"),
        Column("Breaks of n", True),
        Column("By channel"),
    ]
    head = "".join(f'<th scope="col"{c.attr}>{esc(c.label)}</th>' for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{_h(v)}</th>' if i == 0 else f"<td{columns[i].attr}>{_h(v)}</td>")
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    table = (
        '<div class="table-wrap"><table id="table-breaks" class="breaks">'
        "<caption>Journey-break rules by the touchpoint where the break starts</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )
    intro = (
        "Each rule finds journeys that fall between channels or stages (for example a "
        "chat that ends in a phone call). Rate: share of journeys passing the touchpoint "
        f"that break; the dot and whisker show the rate and its {level} interval on a "
        f"common scale up to {fmt_rate(max_rate, 0)}."
    )
    return _section("breaks", heading, table, intro=intro, note=breaks.get("note"))


# -- importance-performance -------------------------------------------------------------------


def _ipa_section(ipa: Ipa | None) -> str:
    heading = "Importance and performance"
    if not ipa or not ipa["items"]:
        reason = _note(ipa) or "No criteria with both importance and performance."
        return _section("ipa", heading, _empty(f"No importance-performance analysis: {reason}"))
    items = sorted(ipa["items"], key=lambda i: i["rank"])
    lis = "".join(
        f'<li>{_rank_badge(i)}<span class="what">{esc(i["label"])}</span>'
        f'<span class="why"><span class="quadrant-name q-{slug(i["quadrant"].replace(" ", "-"))}'
        f'">{esc(i["quadrant"])}</span> \u00b7 gap {esc(fmt_number(i["gap"], 0))} '
        f"(importance {esc(fmt_number(i['importance'], 0))}, performance "
        f"{esc(fmt_number(i['performance'], 0))})</span></li>"
        for i in items[:10]
    )
    more = (
        f'<p class="muted">{len(items) - 10} more in the table below.</p>'
        if len(items) > 10
        else ""
    )
    aside = (
        f'<aside aria-labelledby="priority-list-h"><h3 id="priority-list-h">Priority list'
        f'</h3><ol class="priority-list" id="priority-list">{lis}</ol>{more}</aside>'
    )
    cross = ipa["crosshair"]
    caption = (
        f"Each criterion placed by performance (across) and importance (up), numbered by "
        f"priority. Quadrant lines cross at importance {fmt_number(cross['importance'], 0)}"
        f", performance {fmt_number(cross['performance'], 0)}. Filled vermillion: "
        "concentrate here; filled blue: keep up the good work; hollow: low importance."
    )
    method = ipa.get("importance_method")
    if method:
        caption += f" Importance: {method}."
    rows = [
        [
            str(i["rank"]),
            i["label"],
            fmt_number(i["importance"], 1),
            fmt_number(i["performance"], 1),
            fmt_number(i["gap"], 1),
            i["quadrant"],
            fmt_count(i["n"]) if "n" in i else DASH,
        ]
        for i in items
    ]
    table = data_table(
        [
            Column("Rank", True),
            Column("Criterion"),
            Column("Importance", True),
            Column("Performance", True),
            Column("Gap", True),
            Column("Quadrant"),
            Column("n", True),
        ],
        rows,
        caption="Importance-performance analysis",
        id="table-ipa",
    )
    intro = (
        "Gap = importance \u2212 performance. What matters most to customers and is "
        "delivered worst comes first."
    )
    body = (
        f'<div class="ipa-layout">{_figure(charts.ipa_scatter(ipa), caption)}{aside}</div>{table}'
    )
    return _section("ipa", heading, body, intro=intro, note=ipa.get("note"))


# -- trends -----------------------------------------------------------------------------------


def _trend_figure(series: TrendSeries) -> str:
    sid = f"chart-trend-{slug(series['kpi'])}"
    unit, dec = series["unit"], series.get("decimals", 1)
    rows = [
        [
            fmt_period_start(p["start"], p.get("label")),
            fmt_value(p["value"], unit, dec),
            fmt_interval(p["low"], p["high"], unit, dec),
            fmt_count(p["n"]) if "n" in p else DASH,
            "yes" if p["significant"] else "no",
            fmt_p(p.get("p_value")) or DASH,
        ]
        for p in series["points"]
    ]
    table = data_table(
        [
            Column("Period"),
            Column("Value", True),
            Column("Interval", True),
            Column("n", True),
            Column("Significant change"),
            Column("p-value", True),
        ],
        rows,
        caption=f"Trend: {series['label']}",
        id=f"table-trend-{slug(series['kpi'])}",
    )
    has_values = any(p["value"] is not None for p in series["points"])
    chart = charts.trend_chart(series, id=sid) if has_values else _empty("No values yet.")
    return (
        f'<figure data-kpi="{esc(series["kpi"])}">'
        f'<figcaption class="title">{esc(series["label"])} '
        f'<span class="direction">({esc(charts.direction_word(series["direction"]))})</span>'
        f"</figcaption>{chart}{table}</figure>"
    )


def _trends_section(trends: Trends | None) -> str:
    heading = "Trends"
    if not trends or not trends["series"]:
        reason = _note(trends) or "Not enough periods to show a trend."
        return _section("trends", heading, _empty(f"No trends: {reason}"))
    figures = "".join(_trend_figure(s) for s in trends["series"])
    legend = (
        '<ul class="legend-row" aria-label="legend">'
        '<li><span aria-hidden="true" style="color:var(--primary)">\u2501</span> value</li>'
        '<li><span aria-hidden="true" style="color:#9CC3E0">\u2588</span> interval</li>'
        '<li><span aria-hidden="true" style="color:var(--better)">\u25ef\u25b2</span> '
        "significant change for the better</li>"
        '<li><span aria-hidden="true" style="color:var(--worse)">\u25ef\u25bc</span> '
        "significant change for the worse (arrows point the way the value moved)</li></ul>"
    )
    intro = (
        "Each KPI period by period with its interval band. Only changes that are "
        "statistically significant against the period before are ringed and arrowed."
    )
    return _section(
        "trends",
        heading,
        f'{legend}<div class="trend-grid">{figures}</div>',
        intro=intro,
        note=trends.get("note"),
    )


# -- the page ---------------------------------------------------------------------------------


def render_html(doc: ReportDocument) -> str:
    """The whole report page for a validated document."""
    meta = doc["meta"]
    sections = [
        _kpis_section(doc),
        _glance_section(doc),
        _journey_map_section(doc.get("journey_map")),
        _curve_section(doc.get("experience_curve")),
        _funnel_section(doc.get("funnel")),
        _breaks_section(doc.get("breaks")),
        _ipa_section(doc.get("ipa")),
        _trends_section(doc.get("trends")),
    ]
    title = f"{meta.get('title', 'Customer experience report')} \u2014 {meta['project']}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="cxcore {esc(__version__)}">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        '<a class="skip" href="#main">Skip to the report</a>'
        f"{_header(meta)}{_nav()}"
        f'<main id="main" class="wrap">{"".join(sections)}</main>'
        f'<footer class="wrap">Generated by cxcore {esc(__version__)} \u00b7 document schema '
        f"{esc(SCHEMA_ID)} \u00b7 the numbers behind every chart are in its table.</footer>"
        f"<script>{_PRINT_SCRIPT}</script></body></html>\n"
    )
