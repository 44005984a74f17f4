"""The report's stylesheet: inlined into the page; screen (laptop down to ~800 px) and print."""

from __future__ import annotations

from .colours import BETTER, GRID, INK, MUTED, PRIMARY, WORSE

__all__ = ["CSS"]

CSS = f"""
:root {{
  --ink: {INK}; --muted: {MUTED}; --grid: {GRID}; --primary: {PRIMARY};
  --better: {BETTER}; --worse: {WORSE}; --worse-ink: #A34400; --better-ink: #005A8C;
  --page: #F5F6F8; --card: #FFFFFF; --border: #DDE1E6; --radius: 8px;
}}
* {{ box-sizing: border-box; }}
html {{ -webkit-text-size-adjust: 100%; }}
body {{
  margin: 0; background: var(--page); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
  font-variant-numeric: tabular-nums;
}}
.wrap {{ max-width: 1240px; margin: 0 auto; padding: 0 28px; }}
.visually-hidden {{ position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }}
.skip {{ position: absolute; left: -9999px; }}
.skip:focus {{ left: 12px; top: 12px; background: #fff; padding: 6px 10px; z-index: 2; }}
a {{ color: var(--better-ink); }}
h1, h2, h3 {{ line-height: 1.25; margin: 0; }}
h1 {{ font-size: 28px; font-weight: 650; letter-spacing: -0.01em; }}
h2 {{ font-size: 20px; font-weight: 650; }}
h3 {{ font-size: 14px; font-weight: 600; }}
.page-header {{ background: var(--card); border-top: 4px solid var(--primary);
  border-bottom: 1px solid var(--border); padding: 22px 0 16px; }}
.eyebrow {{ margin: 0 0 2px; color: var(--muted); font-size: 13px; text-transform: uppercase;
  letter-spacing: 0.06em; font-weight: 600; }}
.meta {{ display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 12px 0 0; font-size: 14px; }}
.meta div {{ display: flex; gap: 6px; align-items: baseline; }}
.meta dt {{ color: var(--muted); }}
.meta dd {{ margin: 0; font-weight: 500; }}
.sources {{ display: inline; padding: 0; margin: 0; list-style: none; }}
.sources li {{ display: inline-block; margin: 0 6px 2px 0; padding: 1px 8px;
  border: 1px solid var(--border); border-radius: 999px; font-size: 13px; background: #FAFBFC; }}
.toc {{ background: var(--card); border-bottom: 1px solid var(--border); position: sticky; top: 0;
  z-index: 1; }}
.toc ul {{ display: flex; flex-wrap: wrap; gap: 2px 18px; list-style: none; margin: 0 auto;
  padding: 8px 28px; max-width: 1240px; font-size: 14px; }}
.toc a {{ color: var(--muted); text-decoration: none; }}
.toc a:hover, .toc a:focus {{ color: var(--ink); text-decoration: underline; }}
main {{ padding-top: 20px; padding-bottom: 28px; }}
section.report-section {{ background: var(--card); border: 1px solid var(--border);
  border-radius: var(--radius); padding: 20px 24px 18px; margin: 0 0 20px;
  scroll-margin-top: 52px; }}
.section-head {{ display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px;
  margin-bottom: 4px; }}
.section-intro, .note {{ color: var(--muted); margin: 4px 0 14px; font-size: 14px;
  max-width: 80ch; }}
.note {{ font-style: italic; }}
.empty-state {{ margin: 8px 0 4px; padding: 14px 16px; border: 1px dashed var(--border);
  border-radius: 6px; color: var(--muted); background: #FAFBFC; }}
figure {{ margin: 0 0 10px; }}
figcaption {{ font-size: 13px; color: var(--muted); margin-top: 6px; max-width: 90ch; }}
.chart {{ display: block; width: 100%; height: auto; overflow: visible; }}
.scroll-x {{ overflow-x: auto; }}
.scroll-x > .chart {{ min-width: 680px; }}
svg text {{ font-family: inherit; font-size: 12px; fill: var(--ink); }}
svg .tick {{ font-size: 11px; fill: var(--muted); }}
svg .axis-label {{ font-size: 12px; font-weight: 500; }}
svg .axis-title {{ font-size: 12px; fill: var(--muted); }}
svg .legend-title {{ font-size: 12px; font-weight: 600; }}
svg .legend-item {{ font-size: 12px; fill: var(--muted); }}
svg .cell-value {{ font-size: 16px; font-weight: 650; }}
svg .cell-n {{ font-size: 10.5px; opacity: 0.9; }}
svg .cell-nodata {{ font-size: 11px; }}
svg .mot {{ font-size: 12px; }}
svg .point-label {{ font-size: 11px; font-weight: 600; }}
svg .quadrant-label {{ font-size: 12px; font-weight: 600; fill: var(--muted);
  text-transform: uppercase; letter-spacing: 0.04em; }}
svg .quadrant-label.priority {{ fill: var(--worse-ink); }}
svg .rank {{ font-size: 10.5px; font-weight: 700; }}
svg .bar-label {{ font-size: 12.5px; font-weight: 500; }}
svg .step-label {{ font-size: 11px; fill: var(--muted); }}
svg .step-label.worst {{ fill: var(--worse-ink); font-weight: 600; }}
svg .nodata {{ font-size: 11px; fill: var(--muted); }}
svg g.cell:hover rect:first-of-type, svg g.ipa-item:hover circle, svg g.point:hover circle {{
  stroke: var(--ink); stroke-width: 2px; }}
details.data {{ margin: 6px 0 2px; font-size: 14px; }}
details.data > summary {{ cursor: pointer; color: var(--better-ink); font-size: 13.5px;
  padding: 2px 0; width: max-content; }}
details.data[open] > summary {{ margin-bottom: 6px; }}
.table-wrap {{ overflow-x: auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13.5px; }}
caption {{ text-align: left; font-weight: 600; padding: 0 0 6px; }}
th, td {{ text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--grid);
  vertical-align: top; }}
thead th {{ border-bottom: 2px solid var(--border); font-weight: 600; color: var(--muted);
  font-size: 12.5px; white-space: nowrap; }}
td.num, th.num {{ text-align: right; white-space: nowrap; }}
tbody tr:hover {{ background: #F8F9FB; }}
.kpi-grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(215px, 1fr));
  gap: 12px; margin-top: 8px; }}
.kpi {{ border: 1px solid var(--border); border-radius: var(--radius); padding: 12px 14px 12px;
  background: var(--card); display: flex; flex-direction: column; gap: 2px; }}
.kpi h3 {{ font-size: 13.5px; color: var(--muted); font-weight: 600; }}
.kpi-value {{ margin: 2px 0 0; font-size: 30px; font-weight: 650; letter-spacing: -0.01em;
  line-height: 1.15; }}
.kpi-value .unit {{ font-size: 14px; font-weight: 500; color: var(--muted); margin-left: 4px;
  letter-spacing: 0; }}
.nowrap {{ white-space: nowrap; }}
.kpi-desc {{ margin: 2px 0 0; font-size: 12.5px; color: var(--muted); }}
table.breaks th[scope="row"] {{ min-width: 240px; max-width: 420px; }}
table.breaks th[scope="row"] .desc {{ display: block; font-weight: 400; color: var(--muted);
  font-size: 12.5px; margin-top: 2px; }}
table.breaks td.num .sub {{ display: block; color: var(--muted); font-size: 12px;
  font-weight: 400; }}
.kpi-interval, .kpi-n {{ margin: 0; font-size: 12.5px; color: var(--muted); }}
.kpi-change {{ margin: 6px 0 0; font-size: 13px; padding-top: 6px;
  border-top: 1px solid var(--grid); }}
.kpi-change .delta {{ font-weight: 650; }}
.change-better {{ color: var(--better-ink); }}
.change-worse {{ color: var(--worse-ink); }}
.change-none {{ color: var(--muted); }}
.change-mark {{ display: inline-block; width: 1.1em; font-size: 12px; }}
.verdict {{ font-weight: 650; text-transform: uppercase; font-size: 11px; letter-spacing: 0.05em;
  margin-left: 2px; }}
.badge {{ display: inline-block; font-size: 11.5px; font-weight: 600; padding: 0 7px;
  border-radius: 999px; border: 1px solid currentColor; line-height: 18px;
  width: max-content; }}
.badge.low-sample {{ color: #7A5A00; background: #FFF8E1; margin-top: 6px; }}
.glance {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 18px; }}
.glance h3 {{ font-size: 14px; margin-bottom: 6px; }}
.glance ol, .glance ul {{ margin: 0; padding-left: 0; list-style: none; font-size: 14px; }}
.glance li {{ padding: 6px 0; border-bottom: 1px solid var(--grid); }}
.glance li:last-child {{ border-bottom: 0; }}
.glance .sub {{ display: block; color: var(--muted); font-size: 12.5px; }}
.rank-badge {{ display: inline-flex; align-items: center; justify-content: center;
  min-width: 22px; height: 22px; border-radius: 999px; font-size: 11.5px; font-weight: 700;
  margin-right: 8px; border: 2px solid var(--muted); color: var(--ink); background: #fff;
  vertical-align: 1px; }}
.rank-badge.q-concentrate-here {{ background: var(--worse); border-color: var(--worse);
  color: #fff; }}
.rank-badge.q-keep-up-the-good-work {{ background: var(--primary); border-color: var(--primary);
  color: #fff; }}
.rank-badge.q-possible-overkill {{ border-color: var(--primary); }}
.ipa-layout {{ display: grid; grid-template-columns: minmax(0, 600px) minmax(280px, 1fr);
  gap: 28px; align-items: start; }}
.priority-list {{ margin: 0; padding: 0; list-style: none; }}
.priority-list li {{ display: grid; grid-template-columns: auto 1fr; gap: 2px 0;
  padding: 8px 0; border-bottom: 1px solid var(--grid); }}
.priority-list .what {{ font-weight: 600; }}
.priority-list .why {{ grid-column: 2; font-size: 12.5px; color: var(--muted); }}
.quadrant-name {{ font-weight: 600; }}
.quadrant-name.q-concentrate-here {{ color: var(--worse-ink); }}
.trend-grid {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
  gap: 18px 24px; }}
.trend-grid figure {{ border: 1px solid var(--grid); border-radius: 6px; padding: 10px 12px 6px;
  }}
.trend-grid figcaption.title {{ color: var(--ink); font-size: 14px; font-weight: 600;
  margin: 0 0 4px; }}
.trend-grid figcaption .direction {{ color: var(--muted); font-weight: 400; font-size: 12.5px; }}
.by-channel {{ margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap;
  gap: 4px; }}
.by-channel li {{ font-size: 12.5px; border: 1px solid var(--border); border-radius: 4px;
  padding: 0 6px; white-space: nowrap; background: #FAFBFC; }}
.rule-id {{ display: block; font-size: 12px; color: var(--muted);
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }}
.whisker-svg {{ display: block; }}
.muted {{ color: var(--muted); }}
.legend-row {{ display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12.5px;
  color: var(--muted); margin: 6px 0 0; padding: 0; list-style: none; }}
footer {{ color: var(--muted); font-size: 12.5px; padding: 8px 0 36px; }}
@media (max-width: 1080px) {{
  .ipa-layout {{ grid-template-columns: 1fr; }}
  .glance {{ grid-template-columns: 1fr 1fr; }}
}}
@media (max-width: 860px) {{
  table.breaks .col-scale {{ display: none; }}
  table.breaks th[scope="row"] {{ min-width: 200px; }}
  .wrap, .toc ul {{ padding-left: 16px; padding-right: 16px; }}
  section.report-section {{ padding: 16px; }}
  .glance {{ grid-template-columns: 1fr; }}
  .trend-grid {{ grid-template-columns: 1fr; }}
}}
@media print {{
  @page {{ margin: 14mm 12mm; }}
  body {{ background: #fff; font-size: 10.5pt; }}
  .toc, .skip {{ display: none; }}
  .page-header {{ border-top: 0; border-bottom: 2px solid #000; padding-top: 0; }}
  .wrap {{ max-width: none; padding: 0; }}
  section.report-section {{ border: 0; border-radius: 0; padding: 0; margin: 0 0 12pt;
    break-before: page; }}
  section.report-section.first {{ break-before: auto; }}
  figure, .kpi, .trend-grid figure, tr, .priority-list li {{ break-inside: avoid; }}
  h2, h3 {{ break-after: avoid; }}
  .kpi, .trend-grid figure, .empty-state {{ border-color: #999; background: #fff; }}
  details.data > summary {{ color: #000; }}
  a {{ color: inherit; text-decoration: none; }}
  tbody tr:hover {{ background: none; }}
  .ipa-layout {{ grid-template-columns: 1fr; }}
}}
"""
