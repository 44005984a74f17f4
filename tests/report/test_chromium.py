"""The report in a real browser: headless Chromium (skipped when it is not installed).

Set ``CXCORE_REPORT_SCREENSHOT=/tmp/some.png`` to keep the full-page screenshot for a look.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from report_cdp import CHROMIUM, FLAGS, Browser

from cxcore.report import render_report

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is not installed"),
]

CHART_IDS = [
    "chart-journey-map",
    "chart-experience-curve",
    "chart-funnel",
    "chart-ipa",
    "chart-trend-nps",
    "chart-trend-csat",
    "chart-trend-resolution_time",
    "chart-trend-ces",
]


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import json

    sample = json.loads((Path(__file__).parent / "sample_document.json").read_text("utf-8"))
    return render_report(sample, tmp_path_factory.mktemp("report")).html


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path / "profile")
    try:
        yield b
    finally:
        b.close()


def _chart_boxes(b: Browser) -> dict[str, Any]:
    return b.evaluate(
        "Object.fromEntries([...document.querySelectorAll('svg.chart')].map(s => "
        "[s.id, (r => [Math.round(r.width), Math.round(r.height)])(s.getBoundingClientRect())]))"
    )


def test_the_report_loads_without_errors_or_network(
    browser: Browser, report: Path, tmp_path: Path
) -> None:
    browser.open(report.as_uri(), 1400, 900)

    assert browser.problems() == []
    assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    boxes = _chart_boxes(browser)
    assert sorted(boxes) == sorted(CHART_IDS)
    assert all(w > 300 and h > 150 for w, h in boxes.values()), boxes
    # Tooltips: every mark group has a <title>; every chart has its data table.
    untitled = browser.evaluate(
        "[...document.querySelectorAll('g.cell, g.point, g.funnel-step, g.ipa-item')]"
        ".filter(g => !g.querySelector(':scope > title')).length"
    )
    assert untitled == 0
    assert browser.evaluate("document.querySelectorAll('details.data table').length") >= 9
    assert browser.evaluate("document.querySelectorAll('section.report-section').length") == 8
    # Nothing overflows its section horizontally at laptop width.
    assert browser.evaluate("document.documentElement.scrollWidth") <= 1400

    shot = browser.screenshot(tmp_path / "report-1400.png")
    width, height = png_size(shot)
    assert width == 1400 and height > 3000
    keep = os.environ.get("CXCORE_REPORT_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)


def test_the_report_fits_a_narrow_window(browser: Browser, report: Path, tmp_path: Path) -> None:
    browser.open(report.as_uri(), 800, 900)

    assert browser.problems() == []
    assert browser.evaluate("document.documentElement.scrollWidth") <= 800
    boxes = _chart_boxes(browser)
    assert all(w <= 800 for w, _ in boxes.values()), boxes
    # The quadrant and the priority list stack instead of squeezing side by side.
    columns = browser.evaluate(
        "getComputedStyle(document.querySelector('.ipa-layout')).gridTemplateColumns"
    )
    assert len(columns.split()) == 1
    keep = os.environ.get("CXCORE_REPORT_SCREENSHOT")
    if keep:
        shutil.copy(
            browser.screenshot(tmp_path / "report-800.png"), keep.replace(".png", "-800.png")
        )


def test_print_media_opens_no_dark_backgrounds(browser: Browser, report: Path) -> None:
    browser.open(report.as_uri(), 1400, 900)
    browser.page("Emulation.setEmulatedMedia", {"media": "print"})

    background = browser.evaluate("getComputedStyle(document.body).backgroundColor")
    breaks = browser.evaluate(
        "[...document.querySelectorAll('section.report-section')]"
        ".map(s => getComputedStyle(s).breakBefore)"
    )
    nav = browser.evaluate("getComputedStyle(document.querySelector('nav.toc')).display")

    assert background in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    assert breaks[0] == "auto" and set(breaks[1:]) == {"page"}
    assert nav == "none"


def test_the_command_line_screenshot_and_dom_dump(report: Path, tmp_path: Path) -> None:
    """The plain flags a person would use: ``--dump-dom`` and ``--screenshot``."""
    flags = [f for f in FLAGS if f != "--remote-debugging-pipe"]
    base = [str(CHROMIUM), *flags, f"--user-data-dir={tmp_path / 'profile'}"]

    dom = subprocess.run(
        [*base, "--dump-dom", report.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    shot = tmp_path / "shot.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1400,2400", report.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )

    for chart_id in CHART_IDS:
        assert f'id="{chart_id}"' in dom
    assert png_size(shot) == (1400, 2400)
