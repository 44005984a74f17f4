"""The report's charts as inline SVG, one pure function per chart.

Each function takes a section of the report document and returns an ``<svg>`` string with an
accessible name, and a ``<title>`` tooltip on every mark carrying its numbers. Charts that
need an id for internal references (gradients) take one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .colours import (
    BETTER,
    GRID,
    INK,
    MUTED,
    NEUTRAL,
    PRIMARY,
    PRIMARY_LIGHT,
    WORSE,
    contrast_text,
    diverging,
    mix,
)
from .document import (
    CurvePoint,
    Direction,
    ExperienceCurve,
    Funnel,
    Ipa,
    IpaItem,
    JourneyMap,
    MapCell,
    Proportion,
    TrendSeries,
)
from .fmt import (
    DASH,
    esc,
    fmt_count,
    fmt_interval,
    fmt_number,
    fmt_p,
    fmt_period_start,
    fmt_rate,
    fmt_rate_interval,
    fmt_value,
)
from .svg import (
    BandScale,
    LinearScale,
    PointScale,
    band_path,
    circle,
    el,
    g,
    line,
    line_path,
    nice_domain,
    nice_ticks,
    path,
    rect,
    svg_root,
    text,
    text_width,
    title,
    x_axis,
    y_axis,
)

__all__ = [
    "MOT_MARK",
    "curve_chart",
    "funnel_chart",
    "heat_colour",
    "heat_domain",
    "heatmap",
    "ipa_scatter",
    "rate_whisker",
    "trend_chart",
    "value_axis",
    "wrap_label",
]

MOT_MARK = "\u2605"
"""The moment-of-truth marker (a star), explained in each chart's legend."""
FONT = 12.0


def wrap_label(label: str, width: float, size: float = FONT, lines: int = 2) -> list[str]:
    """Split a label into at most ``lines`` lines that fit ``width``; the last is cut with …."""
    words = label.split()
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if text_width(candidate, size) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if not out:
        return [""]
    if len(out) > lines:
        out = out[: lines - 1] + [" ".join(out[lines - 1 :])]
    last = out[-1]
    if text_width(last, size) > width:
        while last and text_width(last + "\u2026", size) > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "\u2026"
    return out


def _multiline(x: float, y: float, lines: list[str], size: float, **values: str | float) -> str:
    """A ``<text>`` with one ``<tspan>`` per line, the first baseline at ``y``."""
    spans = "".join(
        el("tspan", _esc_text(s), x=float(x), dy=f"{0 if i == 0 else size * 1.2:.1f}")
        for i, s in enumerate(lines)
    )
    return el("text", spans, x=float(x), y=float(y), **values)


def _esc_text(content: str) -> str:
    return esc(content) if content else "\u200b"


# -- journey map heatmap ----------------------------------------------------------------------


def heatmap(jmap: JourneyMap, *, id: str = "chart-journey-map") -> str:
    """The journey map: stages as columns (journey order), channels as rows.

    Colour runs from orange (worse) through near-white to blue (better) across the data's
    range (see :func:`heat_domain`); each cell also prints its value and ``n``, so nothing
    depends on colour alone. A star marks a moment of truth and a bar along the bottom edge
    shows the touchpoint's importance (0..100). Grid cells with no touchpoint are dashed;
    touchpoints without data are grey and say "no data".
    """
    stages, channels = jmap["stages"], jmap["channels"]
    decimals = jmap.get("decimals", 0)
    unit = jmap["unit"]
    lo, hi = heat_domain(jmap)
    cells = {(c["stage"], c["channel"]): c for c in jmap["cells"]}
    left = max(96.0, min(180.0, max(text_width(c["label"], FONT) for c in channels) + 20))
    cell_w = max(84.0, min(120.0, (1000 - left) / max(1, len(stages))))
    cell_h, gap = 58.0, 3.0
    header = 40.0
    cols = BandScale(len(stages), left, left + len(stages) * (cell_w + gap) - gap, gap)
    rows = BandScale(len(channels), header, header + len(channels) * (cell_h + gap) - gap, gap)
    width = max(cols.r1 + 8, left + 260 + 36 + 540)  # room for the legend row
    marks: list[str] = []
    for i, stage in enumerate(stages):
        x = cols(i) + cols.bandwidth / 2
        lines = wrap_label(stage["label"], cols.bandwidth - 6)
        y0 = header - 10 - (len(lines) - 1) * FONT * 1.2
        marks.append(
            g(
                title(stage["label"]),
                _multiline(x, y0, lines, FONT, text_anchor="middle", class_="axis-label"),
                class_="stage-label",
            )
        )
    for j, channel in enumerate(channels):
        y = rows(j) + rows.bandwidth / 2 + 4
        marks.append(
            g(
                title(channel["label"]),
                text(
                    left - 10,
                    y,
                    wrap_label(channel["label"], left - 16, lines=1)[0],
                    text_anchor="end",
                    class_="axis-label",
                ),
            )
        )
        for i, stage in enumerate(stages):
            cell = cells.get((stage["id"], channel["id"]))
            marks.append(
                _heat_cell(
                    cell,
                    cols(i),
                    rows(j),
                    cols.bandwidth,
                    rows.bandwidth,
                    stage["label"],
                    channel["label"],
                    lo,
                    hi,
                    unit,
                    decimals,
                    jmap,
                )
            )
    grid_bottom = rows.r1
    legend = _heat_legend(id, left, grid_bottom + 22, 260.0, jmap, lo, hi)
    height = grid_bottom + 70
    description = (
        f"{jmap['metric']} for {len(stages)} stages and {len(channels)} channels; orange is "
        "worse, blue is better. The data table below lists every cell."
    )
    return svg_root(
        width,
        height,
        "".join(marks) + legend,
        id=id,
        label=f"Journey map: {jmap['metric']}",
        description=description,
    )


def _heat_cell(
    cell: MapCell | None,
    x: float,
    y: float,
    w: float,
    h: float,
    stage: str,
    channel: str,
    lo: float,
    hi: float,
    unit: str,
    decimals: int,
    jmap: JourneyMap,
) -> str:
    where = f"{stage} \u00b7 {channel}"
    if cell is None:
        return g(
            title(f"{where}: no touchpoint"),
            rect(
                x + 0.5,
                y + 0.5,
                w - 1,
                h - 1,
                fill="#FFFFFF",
                stroke=GRID,
                stroke_dasharray="4 3",
                rx=3.0,
            ),
            text(x + w / 2, y + h / 2 + 4, DASH, text_anchor="middle", fill=MUTED),
            class_="cell cell-empty",
        )
    value = cell["value"]
    if value is None:
        fill, ink = "#EEF0F3", MUTED
        label = "no data"
    else:
        fill = heat_colour(value, lo, hi, jmap["direction"])
        ink = contrast_text(fill)
        label = fmt_value(value, unit, decimals)
    tip = [
        f"{where}",
        f"{jmap['metric']}: {fmt_value(value, unit, decimals)}",
        f"n = {fmt_count(cell['n'])}",
    ]
    if cell["touchpoint"]:
        tip.append(f"touchpoint: {cell['touchpoint']}")
    if cell["importance"] is not None:
        tip.append(f"importance: {fmt_number(cell['importance'], 0)} / 100")
    if cell["moment_of_truth"]:
        tip.append("moment of truth")
    parts = [
        title("\n".join(tip)),
        rect(x, y, w, h, fill=fill, rx=3.0),
        text(
            x + w / 2,
            y + h / 2 + (1 if value is not None else 4),
            label,
            text_anchor="middle",
            fill=ink,
            class_="cell-value" if value is not None else "cell-nodata",
        ),
    ]
    if value is not None:
        parts.append(
            text(
                x + w / 2,
                y + h / 2 + 15,
                f"n={fmt_count(cell['n'])}",
                text_anchor="middle",
                fill=ink,
                class_="cell-n",
            )
        )
    if cell["moment_of_truth"]:
        parts.append(text(x + 6, y + 15, MOT_MARK, fill=ink, class_="mot"))
    if cell["importance"] is not None:
        bar = (w - 12) * max(0.0, min(100.0, cell["importance"])) / 100
        parts.append(rect(x + 6, y + h - 7, w - 12, 3, fill=ink, opacity=0.18))
        parts.append(rect(x + 6, y + h - 7, bar, 3, fill=ink, opacity=0.75))
    return g(*parts, class_="cell", data_stage=cell["stage"], data_channel=cell["channel"])


def heat_domain(jmap: JourneyMap) -> tuple[float, float]:
    """The values the colour scale spans: the data's range rounded outwards to tick values,
    within the map's ``scale`` (the whole scale when there is no data)."""
    lo, hi = jmap["scale"]["min"], jmap["scale"]["max"]
    values = [c["value"] for c in jmap["cells"] if c["value"] is not None]
    if not values:
        return lo, hi
    d0, d1 = nice_domain(min(values), max(values), 6)
    d0, d1 = max(lo, d0), min(hi, d1)
    return (d0, d1) if d1 > d0 else (lo, hi)


def heat_colour(value: float, lo: float, hi: float, direction: Direction) -> str:
    """A cell's colour: the worse end of ``lo..hi`` orange, the better end blue."""
    t = (value - lo) / (hi - lo) if hi > lo else 0.5
    return diverging(t if direction == "higher_is_better" else 1 - t)


def _heat_legend(
    id: str, x: float, y: float, w: float, jmap: JourneyMap, lo: float, hi: float
) -> str:
    grad_id = f"{id}-gradient"
    direction = jmap["direction"]
    stops = "".join(
        el(
            "stop",
            offset=f"{i * 10}%",
            stop_color=heat_colour(lo + (hi - lo) * i / 10, lo, hi, direction),
        )
        for i in range(11)
    )
    defs = el("defs", el("linearGradient", stops, id=grad_id, x1="0", x2="1", y1="0", y2="0"))
    unit, decimals = jmap["unit"], jmap.get("decimals", 0)
    mx = x + w + 36
    mot = f"{MOT_MARK} moment of truth"
    bar_x = mx + text_width(mot, FONT) + 24
    imp = "importance (bar length)"
    box_x = bar_x + 32 + text_width(imp, FONT) + 24
    return g(
        defs,
        text(x, y - 6, f"{jmap['metric']} ({direction_word(direction)})", class_="legend-title"),
        rect(x, y, w, 10, fill=f"url(#{grad_id})", rx=2.0, stroke=GRID),
        text(x, y + 24, fmt_value(lo, unit, decimals), class_="tick"),
        text(
            x + w / 2,
            y + 24,
            fmt_value((lo + hi) / 2, unit, decimals),
            class_="tick",
            text_anchor="middle",
        ),
        text(x + w, y + 24, fmt_value(hi, unit, decimals), class_="tick", text_anchor="end"),
        text(mx, y + 9, mot, class_="legend-item"),
        rect(bar_x, y + 3, 26, 3, fill=INK, opacity=0.75),
        text(bar_x + 32, y + 9, imp, class_="legend-item"),
        rect(box_x, y - 2, 22, 14, fill="#FFFFFF", stroke=MUTED, stroke_dasharray="3 2"),
        text(box_x + 28, y + 9, "no touchpoint", class_="legend-item"),
        class_="legend",
    )


# -- experience curve -------------------------------------------------------------------------


def curve_chart(curve: ExperienceCurve, *, id: str = "chart-experience-curve") -> str:
    """The experience curve: score per stage (0..100) as a line with its interval band.

    Hollow points are low-sample stages; a star before a stage name marks a moment of truth.
    Stages without a score break the line.
    """
    points = curve["points"]
    width, height = 860.0, 320.0
    ml, mr, mt, mb = 44.0, 16.0, 34.0, 58.0
    y = LinearScale(0, 100, height - mb, mt)
    x = PointScale(len(points), ml, width - mr)
    level = f"{fmt_number(curve['level'] * 100, 0)}% interval"
    marks = [y_axis(y, [0, 25, 50, 75, 100], ml, width - mr, lambda t: fmt_number(t, 0))]
    upper = [_pt(x(i), y, p["high"]) for i, p in enumerate(points)]
    lower = [_pt(x(i), y, p["low"]) for i, p in enumerate(points)]
    centre = [_pt(x(i), y, p["value"]) for i, p in enumerate(points)]
    marks.append(
        path(
            band_path(upper, lower),
            fill=PRIMARY_LIGHT,
            opacity=0.85,
            class_="band",
            aria_hidden="true",
        )
    )
    marks.append(
        path(
            line_path(centre),
            fill="none",
            stroke=PRIMARY,
            stroke_width=2.5,
            stroke_linejoin="round",
            class_="line",
            aria_hidden="true",
        )
    )
    for i, p in enumerate(points):
        marks.append(_curve_point(p, x(i), y, level))
        lines = wrap_label(("\u2605 " if p["moment_of_truth"] else "") + p["label"], x.step - 8)
        marks.append(
            _multiline(
                x(i), height - mb + 20, lines, FONT, text_anchor="middle", class_="axis-label"
            )
        )
    legend = g(
        line(ml, 14, ml + 24, 14, stroke=PRIMARY, stroke_width=2.5),
        text(ml + 30, 18, curve["metric"], class_="legend-item"),
        rect(ml + 40 + text_width(curve["metric"], FONT), 8, 24, 12, fill=PRIMARY_LIGHT),
        text(ml + 70 + text_width(curve["metric"], FONT), 18, level, class_="legend-item"),
        circle(
            ml + 100 + text_width(curve["metric"] + level, FONT),
            14,
            4.5,
            fill="#FFFFFF",
            stroke=PRIMARY,
            stroke_width=2.0,
        ),
        text(
            ml + 110 + text_width(curve["metric"] + level, FONT),
            18,
            "low sample",
            class_="legend-item",
        ),
        text(
            ml + 200 + text_width(curve["metric"] + level, FONT),
            18,
            f"{MOT_MARK} moment of truth",
            class_="legend-item",
        ),
        class_="legend",
    )
    return svg_root(
        width,
        height,
        "".join(marks) + legend,
        id=id,
        label=f"Experience curve: {curve['metric']} per stage",
        description=f"{curve['metric']} from 0 to 100 for {len(points)} stages in "
        f"journey order, with its {level}.",
    )


def _pt(x: float, scale: LinearScale, value: float | None) -> tuple[float, float] | None:
    return None if value is None else (x, scale(value))


def _curve_point(p: CurvePoint, x: float, y: LinearScale, level: str) -> str:
    if p["value"] is None:
        return g(
            title(f"{p['label']}: no score (n = {fmt_count(p['n'])})"),
            text(x, y(0) - 8, "no data", text_anchor="middle", class_="nodata"),
        )
    tip = (
        f"{p['label']}: {fmt_number(p['value'], 1)}\n"
        f"{level}: {fmt_interval(p['low'], p['high'], '', 1)}\nn = {fmt_count(p['n'])}"
        + ("\nlow sample" if p["low_sample"] else "")
        + ("\nmoment of truth" if p["moment_of_truth"] else "")
    )
    cy = y(p["value"])
    hollow = p["low_sample"]
    label_y = y(p["high"]) - 8 if p["high"] is not None else cy - 12
    return g(
        title(tip),
        circle(x, cy, 5.5, fill="#FFFFFF" if hollow else PRIMARY, stroke=PRIMARY, stroke_width=2.0),
        text(
            x,
            max(12.0, label_y),
            fmt_number(p["value"], 0),
            text_anchor="middle",
            class_="point-label",
        ),
        class_="point" + (" low-sample" if hollow else ""),
    )


# -- funnel -----------------------------------------------------------------------------------


def funnel_chart(funnel: Funnel, *, id: str = "chart-funnel") -> str:
    """Horizontal bars: each step's count as a share of the first step, with the Wilson
    interval of that overall conversion as a whisker; step conversion between the bars, the
    lowest one labelled "largest drop"."""
    steps = funnel["steps"]
    left = max(110.0, min(200.0, max(text_width(s["label"], FONT) for s in steps) + 24))
    bar_w = 440.0
    bar_h, row = 26.0, 52.0
    top = 12.0
    width = left + bar_w + 290
    height = top + row * len(steps) + 6
    scale = LinearScale(0, 1, left, left + bar_w)
    marks = [
        x_axis(
            scale,
            [0, 0.25, 0.5, 0.75, 1],
            top - 4,
            height - 22,
            lambda t: f"{fmt_number(t * 100, 0)}%",
        )
    ]
    height += 6
    rates = [
        (s["step"]["rate"], i)
        for i, s in enumerate(steps)
        if s["step"] is not None and s["step"]["rate"] is not None
    ]
    largest_drop = min(rates)[1] if len(rates) > 1 else -1
    for i, step in enumerate(steps):
        y0 = top + i * row
        overall = step["overall"]
        rate = overall["rate"] or 0.0
        tip = [
            f"{step['label']}: {fmt_count(step['count'])} {funnel['unit']}",
            f"overall conversion {fmt_rate(overall['rate'])} "
            f"({fmt_rate_interval(overall['low'], overall['high'])})",
        ]
        if step["step"] is not None:
            s = step["step"]
            tip.append(
                f"from previous step {fmt_rate(s['rate'])} "
                f"({fmt_rate_interval(s['low'], s['high'])}), "
                f"{fmt_count(s['n'] - s['count'])} dropped"
            )
        parts = [
            title("\n".join(tip)),
            text(
                left - 12,
                y0 + bar_h / 2 + 4,
                wrap_label(step["label"], left - 20, lines=1)[0],
                text_anchor="end",
                class_="axis-label",
            ),
            rect(left, y0, scale(rate) - left, bar_h, fill=PRIMARY, rx=2.0, class_="bar"),
        ]
        if overall["low"] is not None and overall["high"] is not None and i > 0:
            parts.append(_whisker(scale(overall["low"]), scale(overall["high"]), y0 + bar_h / 2))
        label = f"{fmt_count(step['count'])} {funnel['unit']}"
        if i > 0:
            label += f" \u00b7 {fmt_rate(overall['rate'])} of first step"
        parts.append(text(left + bar_w + 12, y0 + bar_h / 2 + 4, label, class_="bar-label"))
        if step["step"] is not None:
            s = step["step"]
            worst = i == largest_drop
            parts.append(
                text(
                    left + 4,
                    y0 - 5,
                    f"\u2193 {fmt_rate(s['rate'])} of the previous step"
                    + (" \u2014 largest drop" if worst else ""),
                    class_="step-label" + (" worst" if worst else ""),
                )
            )
        marks.append(g(*parts, class_="funnel-step", data_stage=step["stage"]))
    return svg_root(
        width,
        height,
        "".join(marks),
        id=id,
        label="Stage funnel",
        description=f"{len(steps)} steps; bar length is the share of the first "
        "step reached, the whisker its confidence interval.",
    )


def _whisker(x1: float, x2: float, y: float, colour: str = INK, cap: float = 5.0) -> str:
    return g(
        line(x1, y, x2, y, stroke=colour, stroke_width=1.5),
        line(x1, y - cap, x1, y + cap, stroke=colour, stroke_width=1.5),
        line(x2, y - cap, x2, y + cap, stroke=colour, stroke_width=1.5),
        class_="whisker",
    )


# -- importance-performance quadrant -----------------------------------------------------------

_QUADRANT_STYLE: dict[str, tuple[str, str, str]] = {
    # fill, stroke, number colour
    "concentrate here": (WORSE, WORSE, "#FFFFFF"),
    "keep up the good work": (PRIMARY, PRIMARY, "#FFFFFF"),
    "low priority": ("#FFFFFF", NEUTRAL, INK),
    "possible overkill": ("#FFFFFF", PRIMARY, INK),
}


def ipa_scatter(ipa: Ipa, *, id: str = "chart-ipa") -> str:
    """The importance-performance quadrant: performance across, importance up.

    Each item is a circle with its priority rank inside (filled vermillion: concentrate here;
    filled blue: keep up the good work; hollow: the low-importance quadrants) and a label when
    it fits; the priority quadrant is tinted and every quadrant is named in its corner.
    """
    items = ipa["items"]
    cross = ipa["crosshair"]
    width, height = 600.0, 520.0
    # The top quadrant names sit above the plot, so a point at importance 100 (the most
    # important touchpoint, often the one that matters) never hides under them.
    ml, mr, mt, mb = 58.0, 20.0, 46.0, 52.0
    xs = [i["performance"] for i in items] + [cross["performance"]]
    ys = [i["importance"] for i in items] + [cross["importance"]]
    x0, x1 = nice_domain(max(0.0, min(xs) - 8), min(100.0, max(xs) + 8), 5)
    y0, y1 = nice_domain(max(0.0, min(ys) - 8), min(100.0, max(ys) + 8), 5)
    x0, x1, y0, y1 = max(0.0, x0), min(100.0, x1), max(0.0, y0), min(100.0, y1)
    x = LinearScale(x0, x1, ml, width - mr)
    y = LinearScale(y0, y1, height - mb, mt)
    cx, cy = x(cross["performance"]), y(cross["importance"])
    marks = [
        rect(ml, mt, cx - ml, cy - mt, fill=mix(WORSE, "#FFFFFF", 0.9), class_="priority-zone"),
        x_axis(x, x.ticks(5), mt, height - mb, lambda t: fmt_number(t, 0)),
        y_axis(y, y.ticks(5), ml, width - mr, lambda t: fmt_number(t, 0)),
        line(cx, mt, cx, height - mb, stroke=NEUTRAL, stroke_width=1.2, stroke_dasharray="5 4"),
        line(ml, cy, width - mr, cy, stroke=NEUTRAL, stroke_width=1.2, stroke_dasharray="5 4"),
        text(
            ml + 2,
            mt - 16,
            "Concentrate here",
            class_="quadrant-label priority",
            fill=mix(WORSE, INK, 0.35),
        ),
        text(
            width - mr - 2,
            mt - 16,
            "Keep up the good work",
            class_="quadrant-label",
            text_anchor="end",
        ),
        text(ml + 8, height - mb - 10, "Low priority", class_="quadrant-label"),
        text(
            width - mr - 8,
            height - mb - 10,
            "Possible overkill",
            class_="quadrant-label",
            text_anchor="end",
        ),
        text(
            (ml + width - mr) / 2,
            height - 12,
            "Performance (0\u2013100) \u2192",
            text_anchor="middle",
            class_="axis-title",
        ),
        el(
            "text",
            _esc_text("Importance (0\u2013100) \u2192"),
            x=0.0,
            y=0.0,
            transform=f"translate(16 {(mt + height - mb) / 2:.1f}) rotate(-90)",
            text_anchor="middle",
            class_="axis-title",
        ),
    ]
    taken: list[tuple[float, float, float, float]] = [
        (ml, mt - 30, ml + 130, mt - 12),
        (width - mr - 160, mt - 30, width - mr, mt - 12),
        (ml, height - mb - 24, ml + 100, height - mb),
        (width - mr - 130, height - mb - 24, width - mr, height - mb),
    ]
    ordered = sorted(items, key=lambda i: i["rank"])
    for item in ordered:
        px, py = x(item["performance"]), y(item["importance"])
        taken.append((px - 11, py - 11, px + 11, py + 11))
    for item in ordered:
        marks.append(
            _ipa_point(
                item,
                x(item["performance"]),
                y(item["importance"]),
                taken,
                (ml, mt - 30, width - mr, height - mb),
            )
        )
    return svg_root(
        width,
        height,
        "".join(marks),
        id=id,
        label="Importance-performance quadrant",
        description=f"{len(items)} items; importance up, performance across; the "
        "top-left quadrant (high importance, low performance) is where to "
        "concentrate. Numbers are priority ranks.",
    )


def _overlaps(
    box: tuple[float, float, float, float], taken: Sequence[tuple[float, float, float, float]]
) -> bool:
    x1, y1, x2, y2 = box
    return any(x1 < b[2] and b[0] < x2 and y1 < b[3] and b[1] < y2 for b in taken)


def _ipa_point(
    item: IpaItem,
    px: float,
    py: float,
    taken: list[tuple[float, float, float, float]],
    frame: tuple[float, float, float, float],
) -> str:
    fill, stroke, ink = _QUADRANT_STYLE[item["quadrant"]]
    tip = (
        f"#{item['rank']} {item['label']}\nimportance {fmt_number(item['importance'], 1)}, "
        f"performance {fmt_number(item['performance'], 1)}, gap "
        f"{fmt_number(item['gap'], 1)}\n{item['quadrant']}"
        + (f"\nn = {fmt_count(item['n'])}" if "n" in item else "")
    )
    parts = [
        title(tip),
        circle(px, py, 11, fill=fill, stroke=stroke, stroke_width=2.0),
        text(px, py + 4, str(item["rank"]), text_anchor="middle", fill=ink, class_="rank"),
    ]
    label = wrap_label(item["label"], 150, 11, lines=1)[0]
    lw, lh = text_width(label, 11), 13.0
    own = (px - 11, py - 11, px + 11, py + 11)
    others = [b for b in taken if b != own]
    for anchor, lx, ly in (
        ("start", px + 15, py + 4),
        ("end", px - 15, py + 4),
        ("middle", px, py - 16),
        ("middle", px, py + 25),
    ):
        bx = lx if anchor == "start" else lx - lw if anchor == "end" else lx - lw / 2
        box = (bx, ly - lh + 2, bx + lw, ly + 3)
        inside = (
            frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
        )
        if inside and not _overlaps(box, others):
            taken.append(box)
            parts.append(text(lx, ly, label, text_anchor=anchor, class_="point-label"))
            break
    return g(*parts, class_="ipa-item", data_quadrant=item["quadrant"])


# -- trends -----------------------------------------------------------------------------------


def trend_chart(series: TrendSeries, *, id: str) -> str:
    """One KPI over periods: line with its interval band; significant changes are ringed and
    carry an arrow (filled triangle up or down) in the 'better' or 'worse' colour."""
    points = series["points"]
    unit = series["unit"]
    width, height = 520.0, 220.0
    ml, mr, mt, mb = 60.0, 14.0, 18.0, 40.0
    values = [v for p in points for v in (p["value"], p["low"], p["high"]) if v is not None]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    (d0, d1), ticks, tick_label = value_axis(lo, hi, unit)
    y = LinearScale(d0, d1, height - mb, mt)
    x = PointScale(len(points), ml, width - mr)
    marks = [y_axis(y, ticks, ml, width - mr, tick_label)]
    upper = [_pt(x(i), y, p["high"]) for i, p in enumerate(points)]
    lower = [_pt(x(i), y, p["low"]) for i, p in enumerate(points)]
    centre = [_pt(x(i), y, p["value"]) for i, p in enumerate(points)]
    marks.append(
        path(
            band_path(upper, lower),
            fill=PRIMARY_LIGHT,
            opacity=0.85,
            class_="band",
            aria_hidden="true",
        )
    )
    marks.append(
        path(
            line_path(centre),
            fill="none",
            stroke=PRIMARY,
            stroke_width=2.0,
            class_="line",
            aria_hidden="true",
        )
    )
    labels = [fmt_period_start(p["start"], p.get("label")) for p in points]
    widest = max((text_width(s, 11) for s in labels), default=0.0) + 10
    every = max(1, math.ceil(widest / x.step))
    previous: float | None = None
    for i, p in enumerate(points):
        if i % every == 0:
            marks.append(
                text(x(i), height - mb + 18, labels[i], text_anchor="middle", class_="tick")
            )
        marks.append(
            _trend_point(
                series,
                p["value"],
                p["low"],
                p["high"],
                p["significant"],
                p.get("p_value"),
                p.get("n"),
                labels[i],
                previous,
                x(i),
                y,
            )
        )
        if p["value"] is not None:
            previous = p["value"]
    return svg_root(
        width,
        height,
        "".join(marks),
        id=id,
        label=f"Trend: {series['label']}",
        description=f"{series['label']} over {len(points)} periods with its "
        "interval band; ringed points changed significantly from the period before.",
    )


def _tick_decimals(ticks: Sequence[float]) -> int:
    if len(ticks) < 2:
        return 0
    step = abs(ticks[1] - ticks[0])
    return 0 if step >= 1 else 1 if step >= 0.1 else 2


_DURATION_UNITS = ((86400.0 * 2, 86400.0, "d"), (3600.0, 3600.0, "h"), (60.0, 60.0, "min"))


def value_axis(
    low: float, high: float, unit: str, count: int = 4
) -> tuple[tuple[float, float], list[float], Callable[[float], str]]:
    """A value axis for ``low..high`` in ``unit``: (domain, ticks, tick label function).

    Durations (``seconds``) get round ticks in the unit they are read in (hours, days...).
    """
    factor, symbol = 1.0, ""
    if unit == "seconds":
        top = max(abs(low), abs(high))
        factor, symbol = next(
            ((f, sym) for limit, f, sym in _DURATION_UNITS if top >= limit), (1.0, "s")
        )
    d0, d1 = nice_domain(low / factor, high / factor, count)
    ticks = nice_ticks(d0, d1, count)
    decimals = _tick_decimals(ticks)
    if unit == "seconds":
        return (
            (d0 * factor, d1 * factor),
            [t * factor for t in ticks],
            lambda t: f"{fmt_number(t / factor, decimals)} {symbol}",
        )
    return (d0, d1), ticks, lambda t: fmt_value(t, unit, decimals)


def _trend_point(
    series: TrendSeries,
    value: float | None,
    low: float | None,
    high: float | None,
    significant: bool,
    p_value: float | None,
    n: int | None,
    label: str,
    previous: float | None,
    px: float,
    y: LinearScale,
) -> str:
    unit, decimals = series["unit"], series.get("decimals", 1)
    if value is None:
        return g(title(f"{label}: no data"), class_="point nodata")
    tip = [
        f"{series['label']}, {label}: {fmt_value(value, unit, decimals)}",
        f"interval {fmt_interval(low, high, unit, decimals)}",
    ]
    if n is not None:
        tip.append(f"n = {fmt_count(n)}")
    py = y(value)
    parts = []
    if significant and previous is not None:
        up = value > previous
        good = up == (series["direction"] == "higher_is_better")
        colour = BETTER if good else WORSE
        tip.append(
            f"significant change {'up' if up else 'down'} ({'better' if good else 'worse'})"
            + (f", {fmt_p(p_value)}" if p_value is not None else "")
        )
        parts.append(circle(px, py, 8, fill="none", stroke=colour, stroke_width=2.0))
        ay = py - 14 if up else py + 14
        tri = (
            f"M{px - 5:.1f} {ay + 4:.1f} L{px + 5:.1f} {ay + 4:.1f} L{px:.1f} {ay - 4:.1f} Z"
            if up
            else f"M{px - 5:.1f} {ay - 4:.1f} L{px + 5:.1f} {ay - 4:.1f} L{px:.1f} {ay + 4:.1f} Z"
        )
        parts.append(path(tri, fill=colour, class_="change-arrow"))
    elif significant:
        tip.append("significant change")
    parts.append(circle(px, py, 3.5, fill=PRIMARY))
    return g(
        title("\n".join(tip)), *parts, class_="point" + (" significant" if significant else "")
    )


# -- inline rate whisker (tables) -------------------------------------------------------------


def rate_whisker(rate: Proportion, max_rate: float, *, label: str) -> str:
    """A small inline chart for a table cell: the rate as a dot, its interval as a whisker,
    on a 0..``max_rate`` track. ``label`` names the row for the tooltip."""
    width, height = 150.0, 18.0
    scale = LinearScale(0, max(max_rate, 1e-9), 4, width - 4)
    parts = [
        title(
            f"{label}: {fmt_rate(rate['rate'])} "
            f"({fmt_rate_interval(rate['low'], rate['high'])}), "
            f"{fmt_count(rate['count'])} of {fmt_count(rate['n'])}"
        ),
        line(
            4,
            height / 2,
            width - 4,
            height / 2,
            stroke=GRID,
            stroke_width=4.0,
            stroke_linecap="round",
        ),
    ]
    if rate["low"] is not None and rate["high"] is not None:
        parts.append(
            _whisker(
                scale.clamped(rate["low"]),
                scale.clamped(rate["high"]),
                height / 2,
                colour=MUTED,
                cap=4.0,
            )
        )
    if rate["rate"] is not None:
        parts.append(circle(scale.clamped(rate["rate"]), height / 2, 4.5, fill=WORSE))
    return el(
        "svg",
        g(*parts),
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width:.0f} {height:.0f}",
        width=f"{width:.0f}",
        height=f"{height:.0f}",
        class_="whisker-svg",
        role="img",
        aria_label=f"{label}: {fmt_rate(rate['rate'])}",
    )


def direction_word(direction: Direction) -> str:
    """``"higher is better"`` or ``"lower is better"``."""
    return "higher is better" if direction == "higher_is_better" else "lower is better"
