"""Hand-written inline SVG for the HTML report: the plan map and before/after charts.

No plotting library and nothing external: every element is written here, one element per
map feature with ``class`` and ``data-*`` attributes (so a browser test can count them),
and every text goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import shapely

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


@dataclass
class MapData:
    """What the plan map draws (projected metres; arrays aligned with their ids)."""

    community_geom: np.ndarray  # shapely geometries
    community_id: Sequence[str]
    community_tip: Sequence[str]
    community_ratios: dict[str, np.ndarray]  # colour option → ratio per community (1 = standard met)
    space_xy: np.ndarray  # taken spaces [n,2]
    space_id: Sequence[str]
    space_area: np.ndarray
    space_tip: Sequence[str]
    space_is_hub: np.ndarray
    circle_radius_m: np.ndarray  # walking circle around each taken space
    candidate_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    link_from: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    link_to: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    projected: bool = True


class _Frame:
    """Map units → SVG pixels (y flipped), keeping the aspect ratio."""

    def __init__(self, bounds: tuple[float, float, float, float], width: float = 960.0, max_height: float = 760.0,
                 pad: float = 16.0) -> None:
        x0, y0, x1, y1 = bounds
        dx, dy = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
        self.k = min((width - 2 * pad) / dx, (max_height - 2 * pad) / dy)
        self.x0, self.y1, self.pad = x0, y1, pad
        self.width = width
        self.height = dy * self.k + 2 * pad

    def x(self, v: np.ndarray) -> np.ndarray:
        return (np.asarray(v, float) - self.x0) * self.k + self.pad

    def y(self, v: np.ndarray) -> np.ndarray:
        return (self.y1 - np.asarray(v, float)) * self.k + self.pad


def _ring_path(fr: _Frame, coords: np.ndarray) -> str:
    xs, ys = fr.x(coords[:, 0]), fr.y(coords[:, 1])
    return "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in zip(xs, ys)) + " Z"


def _polygon_path(fr: _Frame, geom) -> str:
    parts = []
    polys = getattr(geom, "geoms", [geom])
    for p in polys:
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        parts.append(_ring_path(fr, np.asarray(p.exterior.coords)))
        parts.extend(_ring_path(fr, np.asarray(r.coords)) for r in p.interiors)
    return " ".join(parts)


def _bounds(md: MapData) -> tuple[float, float, float, float]:
    boxes = []
    geoms = [g for g in md.community_geom if g is not None and not g.is_empty]
    if geoms:
        boxes.append(np.asarray(shapely.total_bounds(np.asarray(geoms, dtype=object))))
    if len(md.space_xy):
        r = md.circle_radius_m if md.projected else np.zeros(len(md.space_xy))
        boxes.append(np.array([np.min(md.space_xy[:, 0] - r), np.min(md.space_xy[:, 1] - r),
                               np.max(md.space_xy[:, 0] + r), np.max(md.space_xy[:, 1] + r)]))
    if len(md.candidate_xy):
        boxes.append(np.r_[md.candidate_xy.min(axis=0), md.candidate_xy.max(axis=0)])
    if not boxes:
        return (0.0, 0.0, 1.0, 1.0)
    b = np.vstack(boxes)
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    m = 0.02 * max(x1 - x0, y1 - y0, 1.0)
    return (x0 - m, y0 - m, x1 + m, y1 + m)


def _scale_bar(fr: _Frame) -> str:
    target = 120.0 / fr.k  # metres in ~120 px
    step = 10 ** math.floor(math.log10(target))
    length = max(s for s in (step, 2 * step, 5 * step) if s <= target)
    px = length * fr.k
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    x, y = fr.pad + 4, fr.height - fr.pad - 6
    return (f'<g class="scale-bar"><rect x="{x - 4}" y="{y - 16}" width="{px + 8:.1f}" height="24" fill="#fff" '
            f'fill-opacity="0.8"/><path d="M{x} {y - 4} V{y} H{x + px:.1f} V{y - 4}" fill="none" stroke="#222" '
            f'stroke-width="1.5"/><text x="{x + px / 2:.1f}" y="{y - 6}" font-size="11" text-anchor="middle">'
            f"{escape(label)}</text></g>")


def map_svg(md: MapData, default_key: str, element_id: str = "plan-map") -> str:
    """The plan map: walking circles, links, communities, candidate and taken spaces."""
    fr = _Frame(_bounds(md))
    out = [f'<svg id="{a(element_id)}" class="map" role="img" '
           f'viewBox="0 0 {fr.width:.0f} {fr.height:.0f}" width="{fr.width:.0f}" height="{fr.height:.0f}" '
           f'aria-label="map of the plan">',
           f'<rect class="map-bg" x="0" y="0" width="{fr.width:.0f}" height="{fr.height:.0f}" fill="#f7f7f2"/>']
    # walking circles
    out.append('<g id="layer-circles" class="layer" fill="#1f6fb2" fill-opacity="0.035" stroke="#1f6fb2" '
               'stroke-opacity="0.35" stroke-width="0.8">')
    if md.projected:
        xs, ys = fr.x(md.space_xy[:, 0]), fr.y(md.space_xy[:, 1])
        for sid, x, y, r in zip(md.space_id, xs, ys, md.circle_radius_m * fr.k):
            out.append(f'<circle class="feature walk-circle" data-id="{a(sid)}" '
                       f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>')
    out.append("</g>")
    # service links
    out.append('<g id="layer-links" class="layer" stroke="#555" stroke-opacity="0.25" stroke-width="0.6">')
    if len(md.link_from):
        x0, y0 = fr.x(md.link_from[:, 0]), fr.y(md.link_from[:, 1])
        x1, y1 = fr.x(md.link_to[:, 0]), fr.y(md.link_to[:, 1])
        for xa, ya, xb, yb in zip(x0, y0, x1, y1):
            out.append(f'<line class="feature link" x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}"/>')
    out.append("</g>")
    # candidate spaces not taken
    out.append('<g id="layer-candidates" class="layer" fill="#777" fill-opacity="0.5">')
    if len(md.candidate_xy):
        for x, y in zip(fr.x(md.candidate_xy[:, 0]), fr.y(md.candidate_xy[:, 1])):
            out.append(f'<circle class="feature candidate" cx="{x:.1f}" cy="{y:.1f}" r="1.6"/>')
    out.append("</g>")
    # taken spaces sized by floor area (area ∝ m²), hubs outlined
    out.append('<g id="layer-spaces" class="layer" fill="#1f3b73" fill-opacity="0.85" '
               'stroke="#fff" stroke-width="0.8">')
    if len(md.space_xy):
        amax = max(float(np.max(md.space_area)), 1.0)
        rad = 2.0 + 7.0 * np.sqrt(np.maximum(md.space_area, 0) / amax)
        xs, ys = fr.x(md.space_xy[:, 0]), fr.y(md.space_xy[:, 1])
        for sid, x, y, r, hub, tip, area in zip(md.space_id, xs, ys, rad, md.space_is_hub, md.space_tip, md.space_area):
            hub_attr = ' stroke="#f5a300" stroke-width="2.2"' if hub else ""
            out.append(f'<circle class="feature space{" hub" if hub else ""}" data-id="{a(sid)}" '
                       f'data-area-m2="{area:.0f}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"{hub_attr}>'
                       f"<title>{escape(tip)}</title></circle>")
    out.append("</g>")
    # communities on top: one path (polygons) or square (points) each
    out.append('<g id="layer-communities" class="layer" stroke="#222" stroke-width="1.2">')
    ratios = md.community_ratios
    keys = list(ratios)
    for i, (g, cid, tip) in enumerate(zip(md.community_geom, md.community_id, md.community_tip)):
        fills = " ".join(f'data-fill-{a(k)}="{ratio_colour(ratios[k][i])}"' for k in keys)
        vals = " ".join(f'data-{a(k)}="{ratios[k][i]:.4f}"' for k in keys)
        attrs = (f'class="feature community" data-id="{a(cid)}" {vals} {fills} '
                 f'fill="{ratio_colour(ratios[default_key][i])}"')
        title = f"<title>{escape(tip)}</title>"
        if g is None or g.is_empty:
            continue
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(f'<path {attrs} fill-rule="evenodd" d="{_polygon_path(fr, g)}">{title}</path>')
        else:
            c = g.centroid  # a point community: a square marker, to tell it from the (round) spaces
            out.append(f'<rect {attrs} x="{fr.x(c.x) - 5.5:.1f}" y="{fr.y(c.y) - 5.5:.1f}" width="11" height="11">'
                       f"{title}</rect>")
    out.append("</g>")
    if md.projected:
        out.append(_scale_bar(fr))
    out.append('<text x="%.0f" y="24" font-size="16" text-anchor="end" font-weight="bold">N ↑</text>' % (fr.width - 12))
    out.append("</svg>")
    return "\n".join(out)


def legend_html(space_area_max: float) -> str:
    items = "".join(f'<span class="key"><i style="background:{c}"></i>{escape(lbl)}</span>'
                    for c, lbl in zip(CLASS_COLOURS, CLASS_LABELS))
    return (f'<div class="legend"><div><b>Communities</b> (squares or areas) coloured by the share of the standard met '
            f'(coverage of demand, floor area against the m² per 100 households standard, or health-check base): '
            f'{items}<span class="key"><i style="background:{NO_DATA}">'
            f'</i>no demand</span></div><div><span class="key"><i class="dot"></i>space taken (size ∝ floor area, '
            f'largest {space_area_max:,.0f} m²)</span><span class="key"><i class="dot hub"></i>hub</span>'
            f'<span class="key"><i class="dot cand"></i>candidate not taken</span><span class="key"><i class="ring">'
            f'</i>walking circle</span><span class="key"><i class="line"></i>service link</span></div></div>')


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
