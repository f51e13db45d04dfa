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


def nice_ticks(top: float, n: int = 4) -> np.ndarray:
    """Round tick values from 0 to at most ``top`` (about ``n`` steps of 1, 2 or 5 × 10^k)."""
    if not (top > 0 and np.isfinite(top)):
        return np.array([0.0])
    raw = top / n
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return np.arange(0, top + 1e-9 * top, step)


def bar_pairs_svg(labels: Sequence[str], before: Sequence[float], after: Sequence[float], *, title: str,
                  fmt: str = "{:.0%}", vmax: float | None = None, ref: float | None = None,
                  chart_id: str = "", axis_label: str = "", words: Sequence[str] = ("before", "after")) -> str:
    """Horizontal paired bars (before grey, after blue), one row per label, with a value axis
    (ticks in ``fmt``, titled ``axis_label``); ``ref`` draws a dashed reference line.
    ``words``: the legend's "before" and "after"."""
    b = np.nan_to_num(np.asarray(before, float))
    af = np.nan_to_num(np.asarray(after, float))
    top = vmax if vmax is not None else max(float(np.max(np.r_[b, af, ref or 0.0, 1e-9])), 1e-9)
    lw, bw, row = 200.0, 340.0, 30.0
    w, h = lw + bw + 60, 40 + row * len(labels) + 46
    sc = bw / top
    wb, wa = (escape(x) for x in words)
    id_attr = f'id="{a(chart_id)}" ' if chart_id else ""
    out = [f'<svg class="chart" {id_attr}viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" height="{h:.0f}" '
           f'role="img" aria-label="{a(title)}">',
           f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{lw}" y="26" width="10" height="10" fill="{BEFORE_COLOUR}"/><text x="{lw + 14}" y="35" '
           f'font-size="11">{wb}</text><rect x="{lw + 90}" y="26" width="10" height="10" fill="{AFTER_COLOUR}"/>'
           f'<text x="{lw + 104}" y="35" font-size="11">{wa}</text>']
    for i, (lbl, vb, va) in enumerate(zip(labels, b, af)):
        y = 44 + i * row
        out.append(f'<text x="{lw - 6}" y="{y + 16}" font-size="11" text-anchor="end">{escape(str(lbl))}</text>')
        for k, (v, col) in enumerate(((vb, BEFORE_COLOUR), (va, AFTER_COLOUR))):
            wv = max(0.0, min(v, top)) * sc
            out.append(f'<rect class="bar bar-{"before" if k == 0 else "after"}" x="{lw}" y="{y + k * 12}" '
                       f'width="{wv:.1f}" height="11" fill="{col}"><title>{escape(str(lbl))} '
                       f'{wb if k == 0 else wa}: {escape(fmt.format(v))}</title></rect>')
            out.append(f'<text x="{lw + wv + 4:.1f}" y="{y + k * 12 + 9}" font-size="10">'
                       f'{escape(fmt.format(v))}</text>')
    y_end = 44 + row * len(labels)
    out.append(f'<line x1="{lw}" y1="40" x2="{lw}" y2="{y_end}" stroke="#333"/>'
               f'<line x1="{lw}" y1="{y_end}" x2="{lw + bw}" y2="{y_end}" stroke="#333"/>')
    for t in nice_ticks(top):
        x = lw + t * sc
        out.append(f'<line class="tick" x1="{x:.1f}" y1="{y_end}" x2="{x:.1f}" y2="{y_end + 4}" stroke="#333"/>'
                   f'<text class="tick-label" x="{x:.1f}" y="{y_end + 15}" font-size="10" text-anchor="middle">'
                   f"{escape(fmt.format(t))}</text>")
    if axis_label:
        out.append(f'<text class="axis-label" x="{lw + bw / 2:.1f}" y="{y_end + 32}" font-size="11" '
                   f'text-anchor="middle">{escape(axis_label)}</text>')
    if ref is not None and 0 <= ref <= top:
        x = lw + ref * sc
        out.append(f'<line class="ref" x1="{x:.1f}" y1="40" x2="{x:.1f}" y2="{y_end}" stroke="#d73027" '
                   f'stroke-dasharray="4 3"/>')
    out.append("</svg>")
    return "".join(out)


def histogram_svg(before: Sequence[float], after: Sequence[float], *, title: str, lo: float = 0.0,
                  hi: float = 100.0, bins: int = 10, unit: str = "communities", x_label: str = "",
                  y_label: str = "communities per band", words: Sequence[str] = ("before", "after"),
                  chart_id: str = "") -> str:
    """Counts per bin before / after side by side (e.g. the health-check base index 0–100), with
    a count axis (ticks, ``y_label``) and the bin edges titled ``x_label``."""
    edges = np.linspace(lo, hi, bins + 1)
    cb = np.histogram(np.clip(np.asarray(before, float), lo, hi), edges)[0]
    ca = np.histogram(np.clip(np.asarray(after, float), lo, hi), edges)[0]
    top = max(int(max(cb.max(initial=0), ca.max(initial=0))), 1)
    cw, ph, left, base_y = 56.0, 180.0, 56.0, 220.0
    w, h = left + cw * bins + 20, base_y + 46
    wb, wa = (escape(x) for x in words)
    id_attr = f'id="{a(chart_id)}" ' if chart_id else ""
    out = [f'<svg class="chart" {id_attr}viewBox="0 0 {w:.0f} {h:.0f}" width="{w:.0f}" '
           f'height="{h:.0f}" role="img" aria-label="{a(title)}">',
           f'<text x="4" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<rect x="{w - 170}" y="8" width="10" height="10" fill="{BEFORE_COLOUR}"/><text x="{w - 156}" y="17" '
           f'font-size="11">{wb}</text><rect x="{w - 90}" y="8" width="10" height="10" fill="{AFTER_COLOUR}"/>'
           f'<text x="{w - 76}" y="17" font-size="11">{wa}</text>']
    for t in nice_ticks(float(top), 4):
        y = base_y - t / top * ph
        out.append(f'<line class="tick" x1="{left - 4}" y1="{y:.1f}" x2="{left}" y2="{y:.1f}" stroke="#333"/>'
                   f'<line x1="{left}" y1="{y:.1f}" x2="{left + bins * cw}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text class="tick-label" x="{left - 6}" y="{y + 3:.1f}" font-size="10" '
                   f'text-anchor="end">{t:g}</text>')
    for i in range(bins):
        x = left + i * cw
        for k, (n, col) in enumerate(((cb[i], BEFORE_COLOUR), (ca[i], AFTER_COLOUR))):
            hv = n / top * ph
            out.append(f'<rect class="bar" x="{x + 4 + k * 24:.1f}" y="{base_y - hv:.1f}" width="22" height="{hv:.1f}" '
                       f'fill="{col}"><title>{edges[i]:g}–{edges[i + 1]:g}: {n} {escape(unit)} '
                       f'{wb if k == 0 else wa}</title></rect>')
            if n:
                out.append(f'<text x="{x + 15 + k * 24:.1f}" y="{base_y - hv - 3:.1f}" font-size="9" '
                           f'text-anchor="middle">{n}</text>')
        out.append(f'<text x="{x:.1f}" y="{base_y + 14}" font-size="10" text-anchor="middle">{edges[i]:g}</text>')
    out.append(f'<text x="{left + bins * cw:.1f}" y="{base_y + 14}" font-size="10" text-anchor="middle">{hi:g}</text>')
    out.append(f'<line x1="{left}" y1="{base_y}" x2="{left + bins * cw}" y2="{base_y}" stroke="#333"/>'
               f'<line x1="{left}" y1="{base_y - ph}" x2="{left}" y2="{base_y}" stroke="#333"/>')
    if x_label:
        out.append(f'<text class="axis-label" x="{left + bins * cw / 2:.1f}" y="{base_y + 32}" font-size="11" '
                   f'text-anchor="middle">{escape(x_label)}</text>')
    out.append(f'<text class="axis-label" x="12" y="{base_y - ph / 2:.1f}" font-size="11" text-anchor="middle" '
               f'transform="rotate(-90 12 {base_y - ph / 2:.1f})">{escape(y_label)}</text></svg>')
    return "".join(out)
