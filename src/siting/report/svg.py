"""Hand-written inline SVG charts for the HTML report (before/after bars, histograms); the plan
map is :mod:`siting.report.mapsvg`.

No plotting library and nothing external: every element is written here, one element per
map feature with ``class`` and ``data-*`` attributes (so a browser test can count them),
and every text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import numpy as np

BEFORE_COLOUR = "#9aa5b1"
AFTER_COLOUR = "#1f6fb2"
# share of the standard met (1 = met): ColorBrewer RdYlGn, 6 classes
CLASS_BREAKS: tuple[float, ...] = (0.5, 0.7, 0.85, 0.95, 1.0 - 1e-6)
CLASS_COLOURS: tuple[str, ...] = ("#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850")
CLASS_LABELS: tuple[str, ...] = ("< 50 %", "50–70 %", "70–85 %", "85–95 %", "95–100 %", "standard met")
NO_DATA = "#cccccc"


def a(value: object) -> str:
    """An escaped attribute value."""
    return escape(str(value), quote=True)


def ratio_colour(x: float) -> str:
    if x is None or not np.isfinite(x):
        return NO_DATA
    return CLASS_COLOURS[int(np.searchsorted(CLASS_BREAKS, x, side="right"))]


def bar_pairs_svg(labels: Sequence[str], before: Sequence[float], after: Sequence[float], *, title: str,
                  fmt: str = "{:.0%}", vmax: float | None = None, ref: float | None = None,
                  chart_id: str = "") -> str:
    """Horizontal paired bars (before grey, after blue), one row per label; ``ref`` draws a line."""
    b = np.nan_to_num(np.asarray(before, float))
    af = np.nan_to_num(np.asarray(after, float))
    top = vmax if vmax is not None else max(float(np.max(np.r_[b, af, ref or 0.0, 1e-9])), 1e-9)
    lw, bw, row = 160.0, 360.0, 30.0
    w, h = lw + bw + 80, 40 + row * len(labels) + 26
    sc = bw / top
    id_attr = f'id="{a(chart_id)}" ' if chart_id else ""
    out = [f'<svg class="chart" {id_attr}viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
           f'role="img" aria-label="{a(title)}">',
           f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{lw}" y="26" width="10" height="10" fill="{BEFORE_COLOUR}"/><text x="{lw + 14}" y="35" '
           f'font-size="11">before</text><rect x="{lw + 70}" y="26" width="10" height="10" fill="{AFTER_COLOUR}"/>'
           f'<text x="{lw + 84}" y="35" font-size="11">after</text>']
    for i, (lbl, vb, va) in enumerate(zip(labels, b, af)):
        y = 44 + i * row
        out.append(f'<text x="{lw - 6}" y="{y + 16}" font-size="11" text-anchor="end">{escape(str(lbl))}</text>')
        for k, (v, col) in enumerate(((vb, BEFORE_COLOUR), (va, AFTER_COLOUR))):
            wv = max(0.0, min(v, top)) * sc
            out.append(f'<rect class="bar bar-{"before" if k == 0 else "after"}" x="{lw}" y="{y + k * 12}" '
                       f'width="{wv:.1f}" height="11" fill="{col}"><title>{escape(str(lbl))} '
                       f'{"before" if k == 0 else "after"}: {escape(fmt.format(v))}</title></rect>')
            out.append(f'<text x="{lw + wv + 4:.1f}" y="{y + k * 12 + 9}" font-size="10">'
                       f'{escape(fmt.format(v))}</text>')
    y_end = 44 + row * len(labels)
    out.append(f'<line x1="{lw}" y1="40" x2="{lw}" y2="{y_end}" stroke="#333"/>')
    if ref is not None and 0 <= ref <= top:
        x = lw + ref * sc
        out.append(f'<line x1="{x:.1f}" y1="40" x2="{x:.1f}" y2="{y_end}" stroke="#d73027" stroke-dasharray="4 3"/>'
                   f'<text x="{x:.1f}" y="{y_end + 14}" font-size="10" text-anchor="middle" fill="#d73027">'
                   f"{escape(fmt.format(ref))}</text>")
    out.append("</svg>")
    return "".join(out)


def histogram_svg(before: Sequence[float], after: Sequence[float], *, title: str, lo: float = 0.0,
                  hi: float = 100.0, bins: int = 10, unit: str = "communities") -> str:
    """Counts per bin before / after side by side (e.g. the health-check base index 0–100)."""
    edges = np.linspace(lo, hi, bins + 1)
    cb = np.histogram(np.clip(np.asarray(before, float), lo, hi), edges)[0]
    ca = np.histogram(np.clip(np.asarray(after, float), lo, hi), edges)[0]
    top = max(int(max(cb.max(initial=0), ca.max(initial=0))), 1)
    cw, ph, left, base_y = 56.0, 180.0, 40.0, 220.0
    w, h = left + cw * bins + 20, base_y + 40
    out = [f'<svg class="chart" viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
           f'height="{h:.0f}" role="img" aria-label="{a(title)}">',
           f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{w - 150}" y="8" width="10" height="10" fill="{BEFORE_COLOUR}"/><text x="{w - 136}" y="17" '
           f'font-size="11">before</text><rect x="{w - 80}" y="8" width="10" height="10" fill="{AFTER_COLOUR}"/>'
           f'<text x="{w - 66}" y="17" font-size="11">after</text>']
    for i in range(bins):
        x = left + i * cw
        for k, (n, col) in enumerate(((cb[i], BEFORE_COLOUR), (ca[i], AFTER_COLOUR))):
            hv = n / top * ph
            out.append(f'<rect class="bar" x="{x + 4 + k * 24:.1f}" y="{base_y - hv:.1f}" width="22" height="{hv:.1f}" '
                       f'fill="{col}"><title>{edges[i]:g}–{edges[i + 1]:g}: {n} {escape(unit)} '
                       f'{"before" if k == 0 else "after"}</title></rect>')
            if n:
                out.append(f'<text x="{x + 15 + k * 24:.1f}" y="{base_y - hv - 3:.1f}" font-size="9" '
                           f'text-anchor="middle">{n}</text>')
        out.append(f'<text x="{x:.1f}" y="{base_y + 14}" font-size="10" text-anchor="middle">{edges[i]:g}</text>')
    out.append(f'<text x="{left + bins * cw:.1f}" y="{base_y + 14}" font-size="10" text-anchor="middle">{hi:g}</text>')
    out.append(f'<line x1="{left}" y1="{base_y}" x2="{left + bins * cw}" y2="{base_y}" stroke="#333"/>')
    out.append(f'<text x="{left}" y="{base_y + 32}" font-size="10">{escape(unit)} per band</text></svg>')
    return "".join(out)
