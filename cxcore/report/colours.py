"""Colours: the Okabe-Ito palette and an orange-blue diverging scale, both colour-blind safe.

Meaning is never carried by colour alone: the charts add words, arrows, shapes or positions.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "BETTER",
    "GRID",
    "INK",
    "MUTED",
    "NEUTRAL",
    "OKABE_ITO",
    "PRIMARY",
    "PRIMARY_LIGHT",
    "WORSE",
    "contrast_text",
    "diverging",
    "mix",
]

OKABE_ITO: Final = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""Okabe & Ito (2008), distinguishable under the common colour-vision deficiencies."""

PRIMARY: Final = OKABE_ITO["blue"]
"""Lines, bars and the 'good' side."""
PRIMARY_LIGHT: Final = "#CFE3F1"
"""Interval bands around :data:`PRIMARY` lines."""
BETTER: Final = OKABE_ITO["blue"]
"""A significant change for the better (always with an arrow and the word 'better')."""
WORSE: Final = OKABE_ITO["vermillion"]
"""A significant change for the worse, the priority quadrant (always with words or shape)."""
NEUTRAL: Final = "#6B7280"
INK: Final = "#1F2328"
MUTED: Final = "#57606A"
GRID: Final = "#E3E6EA"

# A diverging orange-to-blue scale (ColorBrewer PuOr's orange arm, RdBu's blue arm): safe
# for the common colour-vision deficiencies (no red/green opposition), neutral in the middle
# so only the cells far from the centre draw the eye.
_DIVERGING: Final = (
    (0xB3, 0x58, 0x06),
    (0xE0, 0x82, 0x14),
    (0xFD, 0xB8, 0x63),
    (0xF4, 0xF3, 0xF0),
    (0x92, 0xC5, 0xDE),
    (0x43, 0x93, 0xC3),
    (0x21, 0x66, 0xAC),
)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in rgb)


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def diverging(t: float) -> str:
    """The colour at ``t`` in 0..1 (clamped): dark orange (0), near white (0.5), dark blue (1).

    The heatmap maps bad values to the orange end and good ones to the blue end.
    """
    t = min(1.0, max(0.0, t))
    pos = t * (len(_DIVERGING) - 1)
    i = min(int(pos), len(_DIVERGING) - 2)
    f = pos - i
    a, b = _DIVERGING[i], _DIVERGING[i + 1]
    return _hex((a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f))


def mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0..1) of the way towards ``other``."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(colour), _rgb(other)
    return _hex((r1 + (r2 - r1) * amount, g1 + (g2 - g1) * amount, b1 + (b2 - b1) * amount))


def _luminance(colour: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_text(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG luminance)."""
    lum = _luminance(background)
    return INK if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#FFFFFF"
