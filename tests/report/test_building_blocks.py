"""The small pure pieces: formatting, scales, paths, colours, label wrapping."""

from __future__ import annotations

import pytest

from cxcore.report.charts import heat_colour, value_axis, wrap_label
from cxcore.report.colours import INK, contrast_text, diverging
from cxcore.report.fmt import (
    fmt_delta,
    fmt_duration,
    fmt_interval,
    fmt_p,
    fmt_period,
    fmt_rate,
    fmt_value,
    slug,
)
from cxcore.report.svg import (
    BandScale,
    LinearScale,
    PointScale,
    attrs,
    band_path,
    line_path,
    nice_domain,
    nice_ticks,
    text,
    title,
)


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "shown"),
    [
        (74.0, "percent", 1, "74.0%"),
        (0.123, "ratio", 1, "12.3%"),
        (52560.0, "seconds", 1, "14.6 h"),
        (45.0, "seconds", 1, "45 s"),
        (1234.0, "count", 1, "1,234"),
        (24.0, "points", 0, "24"),
        (-0.04, "score", 1, "0.0"),
        (None, "percent", 1, "\u2014"),
    ],
)
def test_values_are_shown_in_their_unit(
    value: float | None, unit: str, decimals: int, shown: str
) -> None:
    assert fmt_value(value, unit, decimals) == shown


def test_changes_and_intervals_read_naturally() -> None:
    assert fmt_delta(0.5, "percent") == "+0.5 pp"
    assert fmt_delta(-7.5, "points", 0) == "-8 points"
    assert fmt_delta(-8640.0, "seconds") == "-2.4 h"
    assert fmt_delta(0.0, "score") == "\u00b10.0 score"
    assert fmt_interval(77.0, 79.8, "percent") == "77.0\u201379.8%"
    assert fmt_interval(None, 1.0, "score") == "\u2014"
    assert fmt_rate(0.24) == "24.0%"
    assert fmt_p(0.0002) == "p < 0.001" and fmt_p(0.61) == "p = 0.610" and fmt_p(None) == ""
    assert fmt_duration(3 * 86400) == "3.0 d"


def test_periods_show_their_label_or_inclusive_dates() -> None:
    assert fmt_period("2024-10-01T00:00:00Z", "2025-01-01T00:00:00Z", "Q4 2024") == "Q4 2024"
    assert fmt_period("2024-10-01T00:00:00Z", "2025-01-01T00:00:00Z") == (
        "1 Oct 2024 \u2013 31 Dec 2024"
    )


def test_slug_and_attributes_are_safe() -> None:
    assert slug('a"b <c>.d') == "a-b--c--d"
    assert attrs(class_="x", stroke_width=1.5, aria_hidden="true", hidden=True, skip=None) == (
        ' class="x" stroke-width="1.5" aria-hidden="true" hidden'
    )
    assert attrs(data_x='"><script>') == ' data-x="&quot;&gt;&lt;script&gt;"'
    assert text(1, 2, "<b>") == '<text x="1" y="2">&lt;b&gt;</text>'
    assert title("a & b") == "<title>a &amp; b</title>"


def test_scales_map_domains_to_ranges() -> None:
    y = LinearScale(0, 100, 300, 0)
    assert y(0) == 300 and y(50) == 150 and y.clamped(150) == 0
    assert PointScale(4, 0, 400)(0) == 50 and PointScale(4, 0, 400)(3) == 350
    bands = BandScale(3, 0, 100, gap=5)
    assert bands.bandwidth == 30 and bands(2) == 70


def test_ticks_are_round() -> None:
    assert nice_ticks(0, 100, 4) == [0, 25, 50, 75, 100]
    assert nice_domain(23.0, 36.9, 4) == (20.0, 40.0)
    assert nice_domain(5.0, 5.0) == (4.4, 5.6)
    (d0, d1), ticks, label = value_axis(48300.0, 67300.0, "seconds")
    assert [label(t) for t in ticks] == ["12 h", "14 h", "16 h", "18 h", "20 h"]
    assert d0 == 12 * 3600 and d1 == 20 * 3600


def test_lines_break_at_missing_values() -> None:
    assert line_path([(0, 0), (10, 5), None, (30, 5)]) == "M0 0 L10 5 M30 5"
    band = band_path([(0, 1), (10, 1), None], [(0, 9), (10, 9), None])
    assert band == "M0 1 L10 1 L10 9 L0 9 Z"
    assert band_path([None, (5, 1)], [None, (5, 9)]).count("M") == 1  # lone point: a sliver


def test_heatmap_colours_put_the_worse_end_in_orange() -> None:
    assert diverging(0) == "#B35806" and diverging(1) == "#2166AC"
    assert heat_colour(0, 0, 100, "higher_is_better") == "#B35806"
    assert heat_colour(0, 0, 100, "lower_is_better") == "#2166AC"
    assert contrast_text("#F4F3F0") == INK and contrast_text("#2166AC") == "#FFFFFF"


def test_long_labels_wrap_then_truncate() -> None:
    assert wrap_label("Get support", 200) == ["Get support"]
    assert wrap_label("Onboarding and first use of the service", 80) == [
        "Onboarding",
        wrap_label("Onboarding and first use of the service", 80)[1],
    ]
    assert wrap_label("Onboarding and first use of the service", 80)[1].endswith("\u2026")
