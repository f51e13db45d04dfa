"""The plan map of the HTML report, as hand-written inline SVG.

Layers, bottom to top (one ``<g id="layer-…">`` each, in this order in the document):

1. ``layer-basemap`` — streets, bridges, crossings, barriers (rail, expressway) and rivers,
   when the run walked on a street network (the instance's ``basemap``);
2. ``layer-communities`` — community areas with a light translucent fill (polygons) or
   squares (points), coloured by the share of the standard met;
3. ``layer-circles`` — walking circles around the taken spaces (hidden by default: dense);
4. ``layer-links`` — community → space service links;
5. ``layer-candidates`` — candidate spaces not taken;
6. ``layer-spaces`` — taken spaces sized by floor area, hubs outlined;
7. ``layer-labels`` — names of the worst-served communities;

then a scale bar and a north arrow. Every feature carries ``class`` and ``data-*``
attributes (so a browser test can count them) and every text goes through
:func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

import geopandas as gpd
import numpy as np
import shapely

from siting.report.svg import CLASS_COLOURS, CLASS_LABELS, NO_DATA, a, ratio_colour

MAP_LAYERS: tuple[str, ...] = ("layer-basemap", "layer-communities", "layer-circles", "layer-links",
                               "layer-candidates", "layer-spaces", "layer-labels")

# how each basemap kind is drawn: (stroke, width px, dash, fill); rivers are polygons
BASEMAP_STYLE: dict[str, tuple[str, float, str, str]] = {
    "river": ("#7fb2d9", 0.8, "", "#cfe3f3"),
    "street": ("#c8c8c0", 0.7, "", "none"),
    "bridge": ("#555555", 1.6, "", "none"),
    "crossing": ("#555555", 1.4, "2 1.5", "none"),
    "rail": ("#3a3a3a", 2.2, "7 4", "none"),
    "expressway": ("#e08a2c", 3.2, "", "none"),
    "barrier": ("#3a3a3a", 2.0, "5 3", "none"),
}
BASEMAP_LABELS: dict[str, str] = {"river": "river", "street": "street", "bridge": "bridge",
                                  "crossing": "footbridge / underpass", "rail": "rail line (barrier)",
                                  "expressway": "expressway (barrier)", "barrier": "barrier (not walkable)"}


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
    basemap: gpd.GeoDataFrame | None = None  # columns kind, geometry (same CRS)
    label_index: Sequence[int] = ()  # communities to label on the map
    label_text: Sequence[str] = ()  # their labels


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


def _ring_path(fr: _Frame, coords: np.ndarray, close: bool = True) -> str:
    xs, ys = fr.x(coords[:, 0]), fr.y(coords[:, 1])
    return "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in zip(xs, ys)) + (" Z" if close else "")


def _polygon_path(fr: _Frame, geom) -> str:
    parts = []
    polys = getattr(geom, "geoms", [geom])
    for p in polys:
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        parts.append(_ring_path(fr, np.asarray(p.exterior.coords)))
        parts.extend(_ring_path(fr, np.asarray(r.coords)) for r in p.interiors)
    return " ".join(parts)


def _lines_path(fr: _Frame, geoms: np.ndarray) -> tuple[str, int]:
    """One SVG path for many (Multi)LineStrings, simplified to ~half a pixel; (d, parts drawn)."""
    parts = shapely.get_parts(shapely.simplify(geoms, 0.5 / fr.k))
    parts = parts[~shapely.is_empty(parts)]
    if not len(parts):
        return "", 0
    coords, idx = shapely.get_coordinates(parts, return_index=True)
    xs, ys = fr.x(coords[:, 0]), fr.y(coords[:, 1])
    start = np.r_[True, idx[1:] != idx[:-1]]
    cmd = np.where(start, "M", "L")
    d = "".join(f"{c}{x:.1f} {y:.1f}" for c, x, y in zip(cmd, xs, ys))
    return d, int(len(parts))


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
    return (f'<g id="scale-bar" class="scale-bar" pointer-events="none" data-length-m="{length:g}">'
            f'<rect x="{x - 4}" y="{y - 16}" width="{px + 8:.1f}" height="24" fill="#fff" fill-opacity="0.85"/>'
            f'<path d="M{x} {y - 4} V{y} H{x + px:.1f} V{y - 4}" fill="none" stroke="#222" stroke-width="1.5"/>'
            f'<text x="{x + px / 2:.1f}" y="{y - 6}" font-size="11" text-anchor="middle">{escape(label)}</text></g>')


def _north_arrow(fr: _Frame) -> str:
    """Grid north (the map is drawn in the projected CRS, north up)."""
    x, y = fr.width - 30, 22
    return (f'<g id="north-arrow" class="north-arrow" pointer-events="none">'
            f'<circle cx="{x}" cy="{y + 12}" r="17" fill="#fff" fill-opacity="0.85" stroke="#888" stroke-width="0.6"/>'
            f'<path d="M{x} {y - 2} L{x + 7} {y + 20} L{x} {y + 15} L{x - 7} {y + 20} Z" fill="#222"/>'
            f'<text x="{x}" y="{y + 32}" font-size="9" text-anchor="middle" font-weight="bold">N</text></g>')


def _basemap(fr: _Frame, basemap: gpd.GeoDataFrame | None) -> list[str]:
    out = ['<g id="layer-basemap" class="layer" fill="none" stroke-linecap="round" stroke-linejoin="round">']
    if basemap is not None and len(basemap):
        kinds = basemap["kind"].astype(str).to_numpy()
        geoms = np.asarray(basemap.geometry.values, dtype=object)
        for kind, (stroke, width, dash, fill) in BASEMAP_STYLE.items():
            sel = geoms[kinds == kind]
            if not len(sel):
                continue
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            if fill != "none":  # areas (rivers)
                polys = [g for g in sel if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
                d = " ".join(_polygon_path(fr, g) for g in polys)
                n = len(polys)
            else:
                d, n = _lines_path(fr, sel)
            if n:
                out.append(f'<path class="basemap {a(kind)}" data-kind="{a(kind)}" data-n="{n}" d="{d}" '
                           f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash_attr}/>')
    out.append("</g>")
    return out


def map_svg(md: MapData, default_key: str, element_id: str = "plan-map", aria_label: str = "map of the plan") -> str:
    """The plan map (layers in :data:`MAP_LAYERS` order; see the module docstring); ``aria_label``
    names it for a screen reader."""
    fr = _Frame(_bounds(md))
    out = [f'<svg id="{a(element_id)}" class="map" role="img" '
           f'viewBox="0 0 {fr.width:.0f} {fr.height:.0f}" width="{fr.width:.0f}" height="{fr.height:.0f}" '
           f'aria-label="{a(aria_label)}">',
           f'<rect class="map-bg" x="0" y="0" width="{fr.width:.0f}" height="{fr.height:.0f}" fill="#f7f7f2"/>']
    out += _basemap(fr, md.basemap)
    # communities first: translucent areas (polygons) or squares (points)
    out.append('<g id="layer-communities" class="layer" stroke="#444" stroke-width="0.9">')
    ratios = md.community_ratios
    keys = list(ratios)
    for i, (g, cid, tip) in enumerate(zip(md.community_geom, md.community_id, md.community_tip)):
        if g is None or g.is_empty:
            continue
        fills = " ".join(f'data-fill-{a(k)}="{ratio_colour(ratios[k][i])}"' for k in keys)
        vals = " ".join(f'data-{a(k)}="{ratios[k][i]:.4f}"' for k in keys)
        attrs = (f'class="feature community" data-id="{a(cid)}" {vals} {fills} '
                 f'fill="{ratio_colour(ratios[default_key][i])}"')
        title = f"<title>{escape(tip)}</title>"
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(f'<path {attrs} fill-opacity="0.4" fill-rule="evenodd" d="{_polygon_path(fr, g)}">'
                       f"{title}</path>")
        else:
            c = g.centroid  # a point community: a square marker, to tell it from the (round) spaces
            out.append(f'<rect {attrs} x="{fr.x(c.x) - 5.5:.1f}" y="{fr.y(c.y) - 5.5:.1f}" '
                       f'width="11" height="11">{title}</rect>')
    out.append("</g>")
    # walking circles: off by default (dense), a checkbox shows them
    out.append('<g id="layer-circles" class="layer" fill="#1f6fb2" fill-opacity="0.035" stroke="#1f6fb2" '
               'stroke-opacity="0.35" stroke-width="0.8" style="display:none">')
    if md.projected:
        xs, ys = fr.x(md.space_xy[:, 0]), fr.y(md.space_xy[:, 1])
        for sid, x, y, r in zip(md.space_id, xs, ys, md.circle_radius_m * fr.k):
            out.append(f'<circle class="feature walk-circle" data-id="{a(sid)}" '
                       f'cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>')
    out.append("</g>")
    out.append('<g id="layer-links" class="layer" stroke="#333" stroke-opacity="0.35" stroke-width="0.6">')
    if len(md.link_from):
        x0, y0 = fr.x(md.link_from[:, 0]), fr.y(md.link_from[:, 1])
        x1, y1 = fr.x(md.link_to[:, 0]), fr.y(md.link_to[:, 1])
        for xa, ya, xb, yb in zip(x0, y0, x1, y1):
            out.append(f'<line class="feature link" x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}"/>')
    out.append("</g>")
    out.append('<g id="layer-candidates" class="layer" fill="#777" fill-opacity="0.6">')
    if len(md.candidate_xy):
        for x, y in zip(fr.x(md.candidate_xy[:, 0]), fr.y(md.candidate_xy[:, 1])):
            out.append(f'<circle class="feature candidate" cx="{x:.1f}" cy="{y:.1f}" r="1.6"/>')
    out.append("</g>")
    # taken spaces sized by floor area (area ∝ m²), hubs outlined
    out.append('<g id="layer-spaces" class="layer" fill="#1f3b73" fill-opacity="0.9" '
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
    # labels of the worst-served communities, with a white halo; they do not catch the mouse
    out.append('<g id="layer-labels" class="layer" font-size="11" fill="#111" stroke="#fff" stroke-width="3" '
               'paint-order="stroke" stroke-linejoin="round" pointer-events="none">')
    placed: list[tuple[float, float, float, float]] = []
    for i, text in zip(md.label_index, md.label_text):
        g = md.community_geom[i]
        if g is None or g.is_empty:
            continue
        p = g.representative_point() if g.geom_type != "Point" else g
        x, y = _place_label(float(fr.x(p.x)), float(fr.y(p.y)), str(text), placed, fr.width, fr.height)
        out.append(f'<text class="label" data-id="{a(md.community_id[i])}" x="{x:.1f}" '
                   f'y="{y:.1f}">{escape(text)}</text>')
    out.append("</g>")
    if md.projected:
        out.append(_scale_bar(fr))
    out.append(_north_arrow(fr))
    out.append("</svg>")
    return "\n".join(out)


LABEL_PX = 11  # font size of the map's labels


def _label_width(text: str) -> float:
    """Estimated width in px of ``text`` at :data:`LABEL_PX` (CJK characters are square)."""
    return sum(LABEL_PX if ord(ch) >= 0x2E80 else 0.6 * LABEL_PX for ch in text)


def _place_label(px: float, py: float, text: str, placed: list[tuple[float, float, float, float]],
                 width: float, height: float) -> tuple[float, float]:
    """Baseline position of a label for the point (px, py): the first of the places around it
    (right above, right below, left, above, below, then further up or down) whose box overlaps
    no label placed before and stays on the map; the first place when none is free. The
    chosen box is added to ``placed``."""
    w, h = _label_width(text), LABEL_PX + 2
    spots = [(px + 8, py - 6), (px + 8, py + 14), (px - 8 - w, py - 6), (px - 8 - w, py + 14),
             (px - w / 2, py - 12), (px - w / 2, py + 22)]
    spots += [(px + 8, py - 6 - 14 * k) for k in range(1, 5)] + [(px + 8, py + 14 + 14 * k) for k in range(1, 5)]

    def box(x: float, y: float) -> tuple[float, float, float, float]:
        return x, y - LABEL_PX, x + w, y - LABEL_PX + h

    def free(b: tuple[float, float, float, float]) -> bool:
        inside = b[0] >= 0 and b[1] >= 0 and b[2] <= width and b[3] <= height
        return inside and not any(b[0] < q[2] and q[0] < b[2] and b[1] < q[3] and q[1] < b[3] for q in placed)

    x, y = next(((x, y) for x, y in spots if free(box(x, y))), spots[0])
    placed.append(box(x, y))
    return x, y


def legend_html(space_area_max: float, basemap_kinds: Sequence[str] = (), n_labels: int = 0,
                t: Callable[[str], str] = str) -> str:
    """The map legend: community classes, spaces, hubs, candidates, circles, links, basemap kinds;
    ``t`` translates each phrase (:class:`siting.report.words.Words`)."""
    def e(phrase: str) -> str:
        return escape(t(phrase))

    items = "".join(f'<span class="key"><i style="background:{c}"></i>{e(lbl)}</span>'
                    for c, lbl in zip(CLASS_COLOURS, CLASS_LABELS))
    base = "".join(
        f'<span class="key"><i class="line" style="border-top:{max(BASEMAP_STYLE[k][1], 1.5):g}px '
        f'{"dashed" if BASEMAP_STYLE[k][2] else "solid"} {BASEMAP_STYLE[k][0]}'
        + (f';height:8px;background:{BASEMAP_STYLE[k][3]}' if BASEMAP_STYLE[k][3] != "none" else "")
        + f'"></i>{e(BASEMAP_LABELS[k])}</span>'
        for k in BASEMAP_STYLE if k in set(basemap_kinds))
    labels = (f'<span class="key"><b>{e("Name")}</b> = '
              f'{escape(t("one of the {n} communities with the lowest coverage after the plan").format(n=n_labels))}'
              "</span>" if n_labels else "")
    largest = t("largest {m2} m²").format(m2=f"{space_area_max:,.0f}")
    return (f'<div class="legend" id="map-legend"><div><b>{e("Communities")}</b> '
            f'{e("(squares or areas) coloured by the share of the standard met")}: {items}'
            f'<span class="key"><i style="background:{NO_DATA}"></i>{e("no demand")}</span></div><div>'
            f'<span class="key"><i class="dot"></i>{e("space taken (size ∝ floor area)")}, {escape(largest)}</span>'
            f'<span class="key"><i class="dot hub"></i>{e("hub")}</span>'
            f'<span class="key"><i class="dot cand"></i>{e("candidate not taken")}</span><span class="key">'
            f'<i class="ring"></i>{e("walking circle (off by default)")}</span><span class="key"><i class="line"></i>'
            f'{e("service link")}</span>{labels}</div>'
            + (f'<div><b>{e("Streets")}</b> {e("(walking times came from this network)")}: {base}</div>'
               if base else "") + "</div>")
