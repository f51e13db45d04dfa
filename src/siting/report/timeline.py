"""The multi-year phasing timeline of the HTML report: plain inline SVG, like :mod:`siting.report.svg`.

One column per phasing year: spending against the year's budget (100 million CNY, the
budget a dashed mark), the spaces opened, and the communities and pilots meeting the area
standard and the hub rule. Every element carries ``class`` and ``data-year`` so a browser
test can find it; every text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import numpy as np
import pandas as pd

from siting.report.svg import AFTER_COLOUR, a

PILOT_COLOUR = "#e08214"
DUE_COLOUR = "#b2182b"


def timeline_svg(years: pd.DataFrame, *, title: str = "Phasing timeline", n_communities: int,
                 t: Callable[[str], str] = str) -> str:
    """The timeline of a phased plan from its year table (:func:`siting.analysis.phasing_tables.year_table`);
    ``t`` translates its phrases (:class:`siting.report.words.Words`)."""
    T = len(years)
    col_w, left, top_h, bottom_h = 150.0, 70.0, 150.0, 130.0
    w = left + col_w * T + 20
    h = 40 + top_h + 40 + bottom_h + 40
    spend = years["spending_cny"].to_numpy(float) / 1e8
    budget = years["budget_cny"].to_numpy(float) / 1e8
    vmax = max(float(np.nanmax(np.r_[spend, budget, 1e-9])), 1e-9)
    out = [f'<svg class="chart timeline" id="chart-timeline" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
           f'height="{h:.0f}" role="img" aria-label="{a(title)}">',
           f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<text x="4" y="36" font-size="11">{escape(t("spending (blue) and budget (dashed), 100 million CNY"))}'
           "</text>"]
    y0 = 40 + top_h  # baseline of the spending bars
    out.append(f'<line x1="{left}" y1="{y0}" x2="{w - 20:.0f}" y2="{y0}" stroke="#333"/>')
    y1 = y0 + 40 + bottom_h  # baseline of the standards bars
    legend = t("communities meeting the standards (blue, of {n}) and pilots meeting them (orange)")
    out.append(f'<text x="4" y="{y0 + 30:.0f}" font-size="11">{escape(legend.format(n=n_communities))}</text>')
    out.append(f'<line x1="{left}" y1="{y1}" x2="{w - 20:.0f}" y2="{y1}" stroke="#333"/>')
    for i, r in enumerate(years.itertuples()):
        x = left + i * col_w
        yr = a(r.year)
        hs = spend[i] / vmax * (top_h - 20)
        out.append(f'<rect class="timeline-spending" data-year="{yr}" x="{x + 20:.1f}" y="{y0 - hs:.1f}" '
                   f'width="50" height="{hs:.1f}" fill="{AFTER_COLOUR}"><title>{escape(str(r.year))}: '
                   f'{escape(t("spent {v} × 100 M CNY").format(v=f"{spend[i]:.2f}"))}</title></rect>')
        out.append(f'<text x="{x + 45:.1f}" y="{y0 - hs - 4:.1f}" font-size="10" text-anchor="middle">'
                   f'{spend[i]:.2f}</text>')
        if np.isfinite(budget[i]):
            hb = budget[i] / vmax * (top_h - 20)
            out.append(f'<line class="timeline-budget" data-year="{yr}" x1="{x + 12:.1f}" y1="{y0 - hb:.1f}" '
                       f'x2="{x + 78:.1f}" y2="{y0 - hb:.1f}" stroke="#333" stroke-dasharray="4 3">'
                       f'<title>{escape(t("budget {v} × 100 M CNY").format(v=f"{budget[i]:.2f}"))}</title></line>')
        opened = t("+{n} spaces").format(n=int(r.spaces_opened))
        out.append(f'<text x="{x + 80:.1f}" y="{y0 - 6:.1f}" font-size="10">{escape(opened)}</text>')
        out.append(f'<text x="{x + 45:.1f}" y="{y0 + 14:.1f}" font-size="12" font-weight="bold" '
                   f'text-anchor="middle">{escape(str(r.year))}</text>')
        for k, (val, of, col, cls) in enumerate((
                (r.communities_meeting_standards, n_communities, AFTER_COLOUR, "timeline-meeting"),
                (r.pilots_meeting_standards, max(int(r.pilots), 1), PILOT_COLOUR, "timeline-pilots"))):
            hv = float(val) / max(of, 1) * (bottom_h - 20)
            xb = x + 20 + k * 34
            out.append(f'<rect class="{cls}" data-year="{yr}" x="{xb:.1f}" y="{y1 - hv:.1f}" width="30" '
                       f'height="{hv:.1f}" fill="{col}"><title>{escape(str(r.year))}: '
                       f'{escape(t("{a} of {b}").format(a=int(val), b=int(of)))}</title></rect>')
            out.append(f'<text x="{xb + 15:.1f}" y="{y1 - hv - 4:.1f}" font-size="10" text-anchor="middle">'
                       f'{int(val)}</text>')
        if int(r.due_not_meeting):
            out.append(f'<text x="{x + 45:.1f}" y="{y1 + 14:.1f}" font-size="10" text-anchor="middle" '
                       f'fill="{DUE_COLOUR}">{escape(t("{n} due, not met").format(n=int(r.due_not_meeting)))}</text>')
    out.append("</svg>")
    return "".join(out)
