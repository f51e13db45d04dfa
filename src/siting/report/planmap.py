"""The plan map of the reports: what it draws from an outcome (:func:`map_data`), the report's map
section with its colour and layer controls (:func:`map_section`), and the map alone for a page
that shows several plans (:func:`plan_map`, ``siting compare --out``).

Every phrase goes through :class:`~siting.report.words.Words` (``report_words.yaml``); the SVG
itself is drawn by :mod:`siting.report.mapsvg`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from siting.analysis.figures import PlanFigures, plan_figures
from siting.plan import Outcome
from siting.report.format import num, pct, ratio
from siting.report.mapsvg import MapData, legend_html, map_svg
from siting.report.words import Lang, Words

MAP_KEYS: dict[str, str] = {
    "coverage_after": "coverage of demand — after",
    "coverage_before": "coverage of demand — before",
    "area_after": "floor area vs m² per 100 households standard — after",
    "area_before": "floor area vs m² per 100 households standard — before",
    "base_after": "health-check base index — after",
    "base_before": "health-check base index — before",
}
"""The colour options of the map (``data-fill-<key>``) and their labels."""

MAP_TOGGLES: tuple[tuple[str, str, bool], ...] = (
    ("layer-circles", "walking circles", False), ("layer-links", "service links", True),
    ("layer-candidates", "candidates not taken", True), ("layer-spaces", "spaces taken", True),
    ("layer-labels", "names of the worst served", True))
"""The map's layer checkboxes: (layer id, label, shown at first); the dense walking circles are off."""

BASEMAP_TOGGLE: tuple[str, str, bool] = ("layer-basemap", "streets and barriers", True)

N_LABELS = 12  # worst-served communities named on the map


def _community_tips(outcome: Outcome, ratios: dict[str, np.ndarray], hc: pd.DataFrame, names: np.ndarray,
                    provided: np.ndarray, w: Words) -> list[str]:
    inst, plan = outcome.instance, outcome.plan
    per100_b = ratio(inst.existing_m2.sum(axis=1) * 100, inst.households)
    per100_a = ratio(provided * 100, inst.households)
    hub = plan.hub_space if plan is not None else np.full(inst.n_communities, -1)
    tip, hub_tip = w("{id} {name} — {households} households; coverage {cov_b} → {cov_a}; m² per 100 households "
                     "{m2_b} → {m2_a}; health-check base {base_b} → {base_a}"), w("; hub {space}")
    return [tip.format(id=cid, name=nm, households=f"{inst.households[i]:,.0f}",
                       cov_b=pct(ratios["coverage_before"][i]), cov_a=pct(ratios["coverage_after"][i]),
                       m2_b=num(per100_b[i]), m2_a=num(per100_a[i]), base_b=num(hc["base_before"].iat[i]),
                       base_a=num(hc["base_after"].iat[i]))
            + (hub_tip.format(space=inst.space_ids[hub[i]]) if hub[i] >= 0 else "")
            for i, (cid, nm) in enumerate(zip(inst.community_ids, names))]


def map_data(outcome: Outcome, hc: pd.DataFrame, w: Words, n_labels: int = N_LABELS) -> MapData:
    """What the map draws; the ``n_labels`` communities with the lowest coverage (after the plan,
    or before when there is none) are labelled.

    Parameters
    ----------
    outcome : the solve.
    hc : its health-check table (:attr:`PlanFigures.healthcheck`).
    w : the words of the page (tooltips).
    n_labels : how many of the worst-served communities get a label.

    Returns
    -------
    MapData
    """
    inst, plan, ev = outcome.instance, outcome.plan, outcome.evaluation
    com = inst.communities
    key = "coverage_after" if plan is not None and ev is not None else "coverage_before"
    D = inst.demand_users.sum(axis=1)
    E = inst.existing_served.sum(axis=1)
    served = ev.served_users.sum(axis=1) if ev is not None else np.zeros_like(E)
    provided = ev.area_provided_m2 if ev is not None else inst.existing_m2.sum(axis=1)
    ratios = {
        "coverage_after": ratio(E + served, D), "coverage_before": ratio(E, D),
        "area_after": ratio(provided, inst.required_area_m2),
        "area_before": ratio(inst.existing_m2.sum(axis=1), inst.required_area_m2),
        "base_after": hc["base_after"].to_numpy(float) / 100.0,
        "base_before": hc["base_before"].to_numpy(float) / 100.0,
    }
    names = com["name"].astype(str).to_numpy() if "name" in com else np.asarray(inst.community_ids, str)
    tips = _community_tips(outcome, ratios, hc, names, provided, w)
    xy = inst.spaces[["x", "y"]].to_numpy(float)
    crs = inst.communities.crs
    md = MapData(community_geom=com.geometry.to_numpy(), community_id=list(inst.community_ids), community_tip=tips,
                 community_ratios=ratios, space_xy=np.zeros((0, 2)), space_id=[], space_area=np.zeros(0),
                 space_tip=[], space_is_hub=np.zeros(0, bool), circle_radius_m=np.zeros(0), candidate_xy=xy,
                 projected=crs is None or bool(crs.is_projected), basemap=inst.basemap)
    worst = [int(i) for i in np.argsort(ratios[key], kind="stable") if np.isfinite(ratios[key][i])][:n_labels]
    md.label_index, md.label_text = worst, [str(names[i]) for i in worst]
    if plan is None or ev is None:
        return md
    taken = np.flatnonzero(plan.taken)
    hubs = set(int(j) for j in plan.hub_space[plan.hub_space >= 0])
    walk = inst.settings.walking
    limit = np.array([inst.max_walk_min[plan.hosted[j]].max() if plan.hosted[j].any() else inst.preset.area_reach_min
                      for j in taken])
    spa = inst.spaces
    sname = spa["name"].astype(str).to_numpy() if "name" in spa else np.asarray(inst.space_ids, str)
    tip, hub_tip, none = w("{id} {name} — {used} of {area} m² used; services: {services}; walking circle "
                           "{limit} min"), w("; hub"), w("none")
    tips = [tip.format(id=inst.space_ids[j], name=sname[j], used=f"{ev.used_area_m2[j]:,.0f}",
                       area=f"{inst.area_m2[j]:,.0f}", limit=f"{lim:.0f}",
                       services=w.services(";".join(inst.service_ids[s] for s in np.flatnonzero(plan.hosted[j])))
                       or none) + (hub_tip if int(j) in hubs else "")
            for j, lim in zip(taken, limit)]
    pairs = np.unique(np.column_stack([plan.served_community, plan.served_space]), axis=0) \
        if plan.served_community.size else np.zeros((0, 2), np.int64)
    cxy = com[["x", "y"]].to_numpy(float) if {"x", "y"} <= set(com.columns) else \
        np.column_stack([com.geometry.centroid.x, com.geometry.centroid.y])
    md.space_xy, md.space_id, md.space_area = xy[taken], [inst.space_ids[j] for j in taken], ev.used_area_m2[taken]
    md.space_tip, md.space_is_hub = tips, np.array([int(j) in hubs for j in taken], bool)
    md.circle_radius_m = limit * walk.speed_m_per_min / walk.detour_factor
    md.candidate_xy = xy[~plan.taken]
    md.link_from, md.link_to = cxy[pairs[:, 0]], xy[pairs[:, 1]]
    return md


def map_controls(w: Callable[[str], str], default: str,
                 toggles: tuple[tuple[str, str, bool], ...] = MAP_TOGGLES) -> str:
    """The colour selector (``#map-colour``, ``default`` selected) and the layer checkboxes, their
    labels through ``w`` (:class:`~siting.report.words.Words`)."""
    options = "".join(f'<option value="{k}"{" selected" if k == default else ""}>{escape(w(v))}</option>'
                      for k, v in MAP_KEYS.items())
    layers = "".join(f'<label><input type="checkbox" data-layer="{k}"{" checked" if on else ""}> {escape(w(v))}</label>'
                     for k, v, on in toggles)
    return (f'<div class="controls"><label>{escape(w("Colour communities by"))} <select id="map-colour">'
            f"{options}</select></label> {layers}</div>")


def _basemap_kinds(outcome: Outcome) -> list[str]:
    basemap = outcome.instance.basemap
    return [] if basemap is None else sorted(set(basemap["kind"].astype(str)))


def map_section(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    """The report's "Map of the plan": heading, controls, legend, the map and the note that says
    where the walking times come from and what a walking circle is."""
    inst = outcome.instance
    md = map_data(outcome, figures.healthcheck, w)
    default = "coverage_after" if outcome.plan is not None else "coverage_before"
    kinds = _basemap_kinds(outcome)
    toggles = ((BASEMAP_TOGGLE,) if kinds else ()) + MAP_TOGGLES
    walk = inst.settings.walking
    source = w.value(inst.reach.source)
    source = source.replace("_", " ") if source == inst.reach.source else source
    note = (w("Walking times come from the {source} reach table").format(source=source)
            + (w(" (the streets drawn: a circle may cross a river or a rail line that the walk itself must go around)")
               if kinds else "")
            + w(". Walking circles: radius = the longest walking limit of the services a space hosts × {speed} m/min "
                "÷ detour factor {detour} (a straight-line equivalent). Map north is grid north of the plan's CRS. "
                "Hover a feature for its figures.").format(speed=f"{walk.speed_m_per_min:g}",
                                                          detour=f"{walk.detour_factor:g}"))
    return (f'<h2>{escape(w("Map of the plan"))}</h2>{map_controls(w, default, toggles)}'
            f"{legend_html(float(md.space_area.max(initial=0)), kinds, len(md.label_index), w)}"
            f'<div class="map-wrap">{map_svg(md, default, aria_label=w("map of the plan"))}</div>'
            f'<p class="note">{escape(note, quote=False)}</p>')


@dataclass(frozen=True)
class PlanMap:
    """The report's plan map alone: the inline SVG and its legend (HTML), for a page that shows
    several plans (``siting compare --out``)."""

    svg: str
    legend: str


def plan_map(outcome: Outcome, figures: PlanFigures | None = None, *, lang: Lang = "en",
             element_id: str = "plan-map") -> PlanMap:
    """The map of :func:`siting.report.html.report_html` for one outcome (coloured by coverage
    after the plan, or before when there is none), with its legend in ``lang``."""
    figures = figures if figures is not None else plan_figures(outcome)
    w = Words(outcome.instance.catalogue, lang)
    md = map_data(outcome, figures.healthcheck, w)
    default = "coverage_after" if outcome.plan is not None else "coverage_before"
    return PlanMap(map_svg(md, default, element_id, aria_label=w("map of the plan")),
                   legend_html(float(md.space_area.max(initial=0)), _basemap_kinds(outcome), len(md.label_index), w))


__all__ = ["BASEMAP_TOGGLE", "MAP_KEYS", "MAP_TOGGLES", "N_LABELS", "PlanMap", "map_controls", "map_data",
           "map_section", "plan_map"]
