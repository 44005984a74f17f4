"""SVG building blocks: element strings, scales, axes, paths. Small pure functions.

Every function returns markup as a ``str``. Text content and attribute values are escaped
here, so callers pass raw (possibly hostile) text; only ``children`` arguments are trusted
markup, which must itself come from these functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .colours import GRID, MUTED
from .fmt import esc

__all__ = [
    "BandScale",
    "LinearScale",
    "PointScale",
    "attrs",
    "band_path",
    "circle",
    "el",
    "g",
    "line",
    "line_path",
    "nice_domain",
    "nice_ticks",
    "num",
    "path",
    "rect",
    "svg_root",
    "text",
    "text_width",
    "title",
    "x_axis",
    "y_axis",
]

AttrValue = str | int | float | bool | None
Point = tuple[float, float]


def num(value: float) -> str:
    """A coordinate: at most two decimals, no trailing zeros (``12``, ``12.5``, ``12.35``)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attrs(**values: AttrValue) -> str:
    """Attribute markup. ``class_`` -> ``class``; ``stroke_width`` -> ``stroke-width``;
    ``aria_label`` -> ``aria-label``; ``None`` and ``False`` are left out; ``True`` is bare."""
    parts: list[str] = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        name = key.rstrip("_").replace("_", "-")
        if value is True:
            parts.append(f" {name}")
        elif isinstance(value, float):
            parts.append(f' {name}="{num(value)}"')
        else:
            parts.append(f' {name}="{esc(value)}"')
    return "".join(parts)


def el(tag: str, children: str = "", /, **values: AttrValue) -> str:
    """An element; self-closing when it has no children."""
    if children:
        return f"<{tag}{attrs(**values)}>{children}</{tag}>"
    return f"<{tag}{attrs(**values)}/>"


def title(content: str) -> str:
    """A ``<title>``: the browser's tooltip for the enclosing mark (text escaped)."""
    return f"<title>{esc(content)}</title>"


def text(x: float, y: float, content: str, /, **values: AttrValue) -> str:
    """A ``<text>`` at (x, y) with escaped content."""
    return f"<text{attrs(x=float(x), y=float(y), **values)}>{esc(content)}</text>"


def rect(
    x: float, y: float, width: float, height: float, /, children: str = "", **values: AttrValue
) -> str:
    """A rectangle (negative sizes are clamped to 0)."""
    return el(
        "rect",
        children,
        x=float(x),
        y=float(y),
        width=float(max(0.0, width)),
        height=float(max(0.0, height)),
        **values,
    )


def line(x1: float, y1: float, x2: float, y2: float, /, **values: AttrValue) -> str:
    """A straight line."""
    return el("line", x1=float(x1), y1=float(y1), x2=float(x2), y2=float(y2), **values)


def circle(cx: float, cy: float, r: float, /, children: str = "", **values: AttrValue) -> str:
    """A circle."""
    return el("circle", children, cx=float(cx), cy=float(cy), r=float(r), **values)


def path(d: str, /, children: str = "", **values: AttrValue) -> str:
    """A path with data ``d``."""
    return el("path", children, d=d, **values)


def g(*children: str, **values: AttrValue) -> str:
    """A group of already-built marks."""
    return el("g", "".join(children), **values)


def svg_root(
    width: float, height: float, body: str, *, id: str, label: str, description: str = ""
) -> str:
    """The ``<svg>`` of a chart: scales to its container, never above its natural width.

    ``label`` becomes the accessible name (``<title>``) and ``description`` the ``<desc>``.
    """
    title_id, desc_id = f"{id}-title", f"{id}-desc"
    head = f'<title id="{esc(title_id)}">{esc(label)}</title>'
    if description:
        head += f'<desc id="{esc(desc_id)}">{esc(description)}</desc>'
    return el(
        "svg",
        head + body,
        xmlns="http://www.w3.org/2000/svg",
        id=id,
        class_="chart",
        viewBox=f"0 0 {num(width)} {num(height)}",
        width=num(width),
        height=num(height),
        style=f"max-width:{num(width)}px",
        role="img",
        aria_labelledby=f"{title_id} {desc_id}" if description else title_id,
        preserveAspectRatio="xMinYMin meet",
    )


def text_width(content: str, size: float) -> float:
    """A width estimate for ``content`` at font ``size`` in a proportional sans-serif."""
    return (
        sum(0.33 if c in "il.,:;|!'() " else 0.62 if c.isupper() else 0.55 for c in content) * size
    )


# -- scales -----------------------------------------------------------------------------------


def _step(span: float, count: int) -> float:
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def nice_domain(low: float, high: float, count: int = 5) -> tuple[float, float]:
    """``(low, high)`` widened to round tick values; a zero-width range gets some room."""
    if high < low:
        low, high = high, low
    if high == low:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _step(high - low, count)
    return round(math.floor(low / step) * step, 10), round(math.ceil(high / step) * step, 10)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low..high`` (about ``count`` of them)."""
    if high <= low:
        return [low]
    step = _step(high - low, count)
    first = math.ceil(low / step - 1e-9) * step
    ticks: list[float] = []
    v = first
    while v <= high + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


@dataclass(frozen=True)
class LinearScale:
    """Maps ``domain`` (d0..d1) linearly onto ``range`` (r0..r1)."""

    d0: float
    d1: float
    r0: float
    r1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        return self.r0 + (value - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)

    def clamped(self, value: float) -> float:
        """Like calling the scale, with the value clamped to the domain first."""
        lo, hi = min(self.d0, self.d1), max(self.d0, self.d1)
        return self(min(hi, max(lo, value)))

    def ticks(self, count: int = 5) -> list[float]:
        return nice_ticks(min(self.d0, self.d1), max(self.d0, self.d1), count)


@dataclass(frozen=True)
class PointScale:
    """``n`` evenly spaced positions across r0..r1, with half a step of padding at each end."""

    n: int
    r0: float
    r1: float

    @property
    def step(self) -> float:
        return (self.r1 - self.r0) / max(1, self.n)

    def __call__(self, index: int) -> float:
        return self.r0 + self.step * (index + 0.5)


@dataclass(frozen=True)
class BandScale:
    """``n`` equal bands across r0..r1 separated by ``gap`` units."""

    n: int
    r0: float
    r1: float
    gap: float = 0.0

    @property
    def bandwidth(self) -> float:
        return max(0.0, (self.r1 - self.r0 - self.gap * (self.n - 1)) / max(1, self.n))

    def __call__(self, index: int) -> float:
        return self.r0 + index * (self.bandwidth + self.gap)


# -- axes -------------------------------------------------------------------------------------


def y_axis(
    scale: LinearScale,
    ticks: Iterable[float],
    x_left: float,
    x_right: float,
    label: Callable[[float], str],
) -> str:
    """Horizontal grid lines across x_left..x_right with tick labels left of x_left."""
    marks = []
    for t in ticks:
        y = scale(t)
        marks.append(line(x_left, y, x_right, y, stroke=GRID, stroke_width=1.0))
        marks.append(
            text(x_left - 8, y + 4, label(t), class_="tick", text_anchor="end", fill=MUTED)
        )
    return g(*marks, class_="axis axis-y", aria_hidden="true")


def x_axis(
    scale: LinearScale,
    ticks: Iterable[float],
    y_top: float,
    y_bottom: float,
    label: Callable[[float], str],
) -> str:
    """Vertical grid lines across y_top..y_bottom with tick labels below y_bottom."""
    marks = []
    for t in ticks:
        x = scale(t)
        marks.append(line(x, y_top, x, y_bottom, stroke=GRID, stroke_width=1.0))
        marks.append(
            text(x, y_bottom + 16, label(t), class_="tick", text_anchor="middle", fill=MUTED)
        )
    return g(*marks, class_="axis axis-x", aria_hidden="true")


# -- paths ------------------------------------------------------------------------------------


def _runs(points: Sequence[Point | None]) -> list[list[Point]]:
    runs: list[list[Point]] = []
    current: list[Point] = []
    for p in points:
        if p is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(p)
    if current:
        runs.append(current)
    return runs


def line_path(points: Sequence[Point | None]) -> str:
    """Path data through the points; a ``None`` breaks the line (missing data is not bridged)."""
    parts = []
    for run in _runs(points):
        parts.append("M" + " L".join(f"{num(x)} {num(y)}" for x, y in run))
    return " ".join(parts)


def band_path(upper: Sequence[Point | None], lower: Sequence[Point | None]) -> str:
    """Path data of the area between two lines (an interval band); gaps where either is None.

    A single isolated point gets a thin vertical sliver so it is still visible.
    """
    pairs: list[tuple[Point, Point] | None] = [
        (u, lo) if u is not None and lo is not None else None
        for u, lo in zip(upper, lower, strict=True)
    ]
    parts = []
    run: list[tuple[Point, Point]] = []
    for pair in [*pairs, None]:
        if pair is not None:
            run.append(pair)
            continue
        if run:
            if len(run) == 1:
                (ux, uy), (lx, ly) = run[0]
                run = [((ux - 3, uy), (lx - 3, ly)), ((ux + 3, uy), (lx + 3, ly))]
            tops = [u for u, _ in run]
            bottoms = [lo for _, lo in reversed(run)]
            pts = tops + bottoms
            parts.append("M" + " L".join(f"{num(x)} {num(y)}" for x, y in pts) + " Z")
        run = []
    return " ".join(parts)
