"""The HTML page: self-contained, every section and chart, escaped text, reachable numbers."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from report_helpers import tables_of

from cxcore.report import SECTIONS, render_html, render_report, validate_document
from cxcore.report.fmt import esc

HOSTILE = "<script>alert(1)</script>"
CHART_IDS = ["chart-journey-map", "chart-experience-curve", "chart-funnel", "chart-ipa"]


def render(doc: dict[str, Any]) -> str:
    return render_html(validate_document(doc))


@pytest.fixture
def page(sample: dict[str, Any], tmp_path: Path) -> str:
    return render_report(sample, tmp_path).html.read_text(encoding="utf-8")


def test_the_page_is_self_contained(page: str) -> None:
    refs = re.findall(r"""(?:src|href)\s*=\s*["']?\s*([^"'\s>]+)""", page, re.I)
    urls = re.findall(r"url\(\s*['\"]?([^)'\"]*)", page, re.I)

    assert [r for r in refs if not r.startswith("#")] == []
    assert [u for u in urls if not u.startswith("#")] == []
    assert not re.search(r"<script[^>]*\bsrc\b", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg|cxcore\.dev/schemas/)", page)


def test_every_section_and_chart_is_present(page: str, sample: dict[str, Any]) -> None:
    for section_id, heading in SECTIONS:
        assert f'<section id="{section_id}"' in page
        assert esc(heading) in page
    for chart_id in CHART_IDS:
        assert re.search(rf'<svg[^>]*\bid="{chart_id}"', page), chart_id
    for series in sample["trends"]["series"]:
        assert f'id="chart-trend-{series["kpi"]}"' in page
    assert 'id="table-breaks"' in page and 'id="priority-list"' in page
    assert 'class="empty-state"' not in page


def test_charts_are_accessible(page: str) -> None:
    svgs = re.findall(r"<svg\b[^>]*>", page)
    charts = [s for s in svgs if 'class="chart"' in s]

    assert len(charts) == len(CHART_IDS) + 4  # four trend series
    assert all('role="img"' in s and "aria-labelledby=" in s for s in charts)
    assert all('role="img"' in s and "aria-label=" in s for s in svgs if s not in charts)
    assert page.count("<figure") == page.count("<figcaption")
    # Every heatmap cell, curve point, funnel step and IPA item carries a tooltip.
    for cls in ("cell", "point", "funnel-step", "ipa-item"):
        groups = re.findall(rf'<g class="{cls}[^"]*"[^>]*>(.{{0,7}})', page)
        assert groups and all(g.startswith("<title>") for g in groups), cls


def test_hostile_text_is_escaped_everywhere(sample: dict[str, Any]) -> None:
    sample["meta"]["project"] = HOSTILE
    sample["meta"]["sources"][0]["name"] = HOSTILE
    sample["meta"]["period"]["label"] = HOSTILE
    sample["kpis"][0]["label"] = HOSTILE
    sample["kpis"][0]["description"] = 'a "quoted" & <b>bold</b> comment'
    sample["journey_map"]["stages"][0]["label"] = HOSTILE
    sample["journey_map"]["channels"][0]["label"] = HOSTILE
    sample["journey_map"]["metric"] = HOSTILE
    sample["experience_curve"]["points"][0]["label"] = HOSTILE
    sample["funnel"]["steps"][0]["label"] = HOSTILE
    sample["funnel"]["unit"] = HOSTILE
    sample["breaks"]["rows"][0]["description"] = HOSTILE
    sample["breaks"]["rows"][0]["touchpoint"] = HOSTILE
    sample["breaks"]["rows"][0]["by_channel"][0]["channel"] = HOSTILE
    sample["ipa"]["items"][0]["label"] = HOSTILE
    sample["trends"]["series"][0]["label"] = HOSTILE
    sample["trends"]["series"][0]["points"][0]["label"] = HOSTILE
    sample["trends"]["note"] = HOSTILE

    page = render(sample)

    assert HOSTILE not in page
    assert "<b>bold</b>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 15
    assert len(re.findall(r"<script\b", page)) == 1  # only the page's own print helper
    assert "a &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt; comment" in page


def test_the_numbers_are_in_the_data_tables(page: str) -> None:
    tables = tables_of(page)

    kpis = {row[0]: row for row in tables["table-kpis"][1:]}
    assert kpis["CSAT"][1:4] == ["78.4%", "77.0\u201379.8%", "3,240"]
    assert kpis["Average resolution time"][1] == "14.6 h"
    assert kpis["Net Promoter Score"][5:8] == ["-8 points", "p = 0.002", "yes"]

    cells = {row[0]: row for row in tables["table-journey-map"][1:]}
    assert cells["Get support \u00b7 Phone"][1:] == [
        "support.phone",
        "38",
        cells["Get support \u00b7 Phone"][3],
        "92",
        "yes",
    ]

    funnel = tables["table-funnel"]
    assert funnel[1][:2] == ["Discover", "5,012"]
    assert funnel[2][2] == "72.2%" and funnel[-1][5] == "24.1%"

    breaks = tables["table-breaks"]
    chat = next(r for r in breaks[1:] if r[1] == "support \u00b7 chat")
    assert (
        chat[0]
        == "Channel switch before resolution channel_switch Started in chat, had to call back."
    )
    assert chat[2] == "24.0% 22.1\u201326.1%" and chat[4] == "412 of 1,716"
    assert "Chat 24.0% n=1,716" in breaks[1][5]

    ipa = tables["table-ipa"]
    assert ipa[1][:6] == ["1", "Phone support", "88.0", "38.0", "50.0", "concentrate here"]

    nps = tables["table-trend-nps"]
    assert nps[10][:2] == ["Oct 2024", "25"] and nps[10][4] == "yes"

    curve = tables["table-experience-curve"]
    assert ["\u2605 Get support", "46.0", "43.8\u201348.2", "2,480", "no", "yes"] in curve


def test_changes_are_marked_only_when_significant(page: str, sample: dict[str, Any]) -> None:
    cards = re.findall(r'<article class="kpi".*?</article>', page, re.S)
    significant = {k["label"] for k in sample["kpis"] if k["change"] and k["change"]["significant"]}

    assert len(cards) == len(sample["kpis"])
    for card in cards:
        label = re.search(r"<h3[^>]*>(.*?)</h3>", card).group(1)  # type: ignore[union-attr]
        marked = "change-mark" in card or "change-better" in card or "change-worse" in card
        assert marked == (label in significant), label
    nps = next(c for c in cards if "Net Promoter Score" in c)
    assert "change-worse" in nps and "\u25bc" in nps and ">worse<" in nps
    time = next(c for c in cards if "Average resolution time" in c)
    assert "change-better" in time and "\u25bc" in time and ">better<" in time  # down is good
    csat = next(c for c in cards if ">CSAT<" in c)
    assert "not significant" in csat and "\u25b2" not in csat and "\u25bc" not in csat

    rings = len(re.findall(r'<g class="point significant"', page))
    flagged = sum(p["significant"] for s in sample["trends"]["series"] for p in s["points"])
    assert rings == flagged == 3
    assert page.count('class="change-arrow"') == 3


def test_every_section_has_an_empty_state(sample: dict[str, Any]) -> None:
    empty = {"meta": sample["meta"], "kpis": []}

    page = render(empty)

    for section_id, _ in SECTIONS:
        section = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
        assert section is not None and "empty-state" in section.group(0), section_id
    assert "<svg" not in page
    assert "No KPIs were computed" in page


def test_empty_lists_and_notes_render_as_empty_states(sample: dict[str, Any]) -> None:
    sample["funnel"]["steps"] = []
    sample["breaks"] = {"level": 0.95, "rows": [], "note": "No break rules are configured."}
    sample["ipa"]["items"] = []
    sample["trends"] = None
    sample["journey_map"]["cells"] = []
    for p in sample["experience_curve"]["points"]:
        p.update(value=None, low=None, high=None, n=0)

    page = render(sample)

    for section_id in ("journey-map", "experience-curve", "funnel", "breaks", "ipa", "trends"):
        section = re.search(rf'<section id="{section_id}".*?</section>', page, re.S)
        assert section is not None and 'class="empty-state"' in section.group(0), section_id
    glance = re.search(r'<section id="priorities".*?</section>', page, re.S)
    assert glance is not None and glance.group(0).count('class="empty-state"') == 2
    assert "No break rules are configured." in page
    assert 'id="chart-funnel"' not in page and 'id="chart-ipa"' not in page


def test_missing_values_render_as_gaps_not_zeros(sample: dict[str, Any]) -> None:
    sample["kpis"][1].update(value=None, interval=None, change=None, previous=None)
    sample["trends"]["series"][0]["points"][4].update(value=None, low=None, high=None)
    sample["experience_curve"]["points"][2].update(value=None, low=None, high=None, n=0)

    page = render(sample)
    csat = re.search(r'<article class="kpi"[^>]*data-kpi="csat".*?</article>', page, re.S)

    assert csat is not None and "\u2014" in csat.group(0)
    nps_chart = re.search(r'<svg[^>]*id="chart-trend-nps".*?</svg>', page, re.S)
    assert nps_chart is not None
    line = re.search(
        r'class="line"[^>]*d="([^"]*)"|d="([^"]*)"[^>]*class="line"', nps_chart.group(0)
    )
    assert line is not None and (line.group(1) or line.group(2)).count("M") == 2


def test_print_styles_and_responsive_layout_are_present(page: str) -> None:
    assert "@media print" in page and "break-before: page" in page
    assert '<meta name="viewport"' in page
    assert "@media (max-width: 860px)" in page
