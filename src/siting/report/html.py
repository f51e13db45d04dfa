"""A self-contained HTML report of a plan: one file, no network (no CDN, no tile server).

Contents: key figures, a map of the plan (inline SVG: communities coloured by the share of
the standard met, taken spaces sized by floor area, hubs, walking circles, service links;
a small inline script switches the colouring and layers), before/after charts (coverage by
service and age group, 2SFCA accessibility, the health-check view), the summary tables
and the solver details (with the solver options the run used). Every text is escaped.

``report_html(outcome, figures)`` returns the page from the figures computed once by
:func:`siting.analysis.figures.plan_figures`; :func:`siting.io.outputs.write_report` writes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.figures import PlanFigures, plan_figures
from siting.analysis.solver_view import cost_objective_text
from siting.plan import Outcome
from siting.report.mapsvg import MapData, legend_html, map_svg
from siting.report.svg import bar_pairs_svg, histogram_svg
from siting.report.timeline import timeline_svg
from siting.report.words import FONT_STACK, Lang, Words

MAP_KEYS: dict[str, str] = {
    "coverage_after": "coverage of demand — after",
    "coverage_before": "coverage of demand — before",
    "area_after": "floor area vs m² per 100 households standard — after",
    "area_before": "floor area vs m² per 100 households standard — before",
    "base_after": "health-check base index — after",
    "base_before": "health-check base index — before",
}

N_LABELS = 12  # worst-served communities named on the map

_CSS = """
body{font-family:%FONTS%;margin:0;color:#222;
background:#fff;line-height:1.4}
header{background:#1f3b73;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.9}main{padding:8px 24px 40px;max-width:1320px}
.scroll{overflow-x:auto;max-width:100%}main{box-sizing:border-box;width:100%}
svg text{font-family:%FONTS%}
h2{border-bottom:2px solid #1f3b73;padding-bottom:3px;margin-top:28px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ccd;border-radius:6px;padding:8px 12px;
min-width:170px}.card b{display:block;font-size:18px}.card span{font-size:12px;color:#555}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#eef1f6;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.map-wrap{border:1px solid #ccc;display:inline-block;max-width:100%}.map-wrap svg{max-width:100%;height:auto}
.controls{margin:6px 0;font-size:13px}.controls label{margin-right:12px}
.legend{font-size:12px;margin:4px 0}.key{display:inline-block;margin:2px 10px 2px 0}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #666}
.key i.dot{border-radius:50%;background:#1f3b73;border-color:#fff}.key i.dot.hub{border:2px solid #f5a300}
.key i.dot.cand{background:#999;width:6px;height:6px;border:0}.key i.ring{border-radius:50%;border-color:#1f6fb2;
background:transparent}.key i.line{height:0;border:0;border-top:1px solid #555;width:16px}
.charts{display:flex;flex-wrap:wrap;gap:18px}.note{font-size:12px;color:#555;max-width:1000px}
.bad{color:#b00020;font-weight:bold}.ok{color:#1a7f37;font-weight:bold}details{margin:8px 0}
summary{cursor:pointer;font-weight:bold}
"""

_JS = """
(function () {
  var map = document.getElementById('plan-map');
  if (!map) { document.body.setAttribute('data-ready', '1'); return; }
  var sel = document.getElementById('map-colour');
  function recolour() {
    var k = sel.value, nodes = map.querySelectorAll('.community');
    for (var i = 0; i < nodes.length; i++) {
      var f = nodes[i].getAttribute('data-fill-' + k);
      if (f) nodes[i].setAttribute('fill', f);
    }
    map.setAttribute('data-colour', k);
  }
  if (sel) sel.addEventListener('change', recolour);
  var boxes = document.querySelectorAll('input[data-layer]');
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener('change', function (e) {
      var g = document.getElementById(e.target.getAttribute('data-layer'));
      if (g) g.style.display = e.target.checked ? '' : 'none';
    });
  }
  var order = [], gs = map.querySelectorAll('g.layer');
  for (var i = 0; i < gs.length; i++) order.push(gs[i].id);
  var layer = document.getElementById('layer-communities');
  var bb = layer.getBBox();
  var b = document.body;
  b.setAttribute('data-communities-drawn', map.querySelectorAll('.community').length);
  b.setAttribute('data-spaces-drawn', map.querySelectorAll('.space').length);
  b.setAttribute('data-circles-drawn', map.querySelectorAll('.walk-circle').length);
  b.setAttribute('data-layer-order', order.join(' '));
  var streets = 0, sp = map.querySelectorAll('path.basemap');
  for (var i = 0; i < sp.length; i++) {
    var bbs = sp[i].getBBox();
    if (bbs.width > 0 && bbs.height > 0) streets += parseInt(sp[i].getAttribute('data-n'), 10);
  }
  b.setAttribute('data-basemap-drawn', streets);
  b.setAttribute('data-labels-drawn', map.querySelectorAll('#layer-labels .label').length);
  var circles = document.getElementById('layer-circles');
  b.setAttribute('data-circles-visible', getComputedStyle(circles).display === 'none' ? '0' : '1');
  if (location.hash === '#check') {
    // what is on top at each taken space's centre: the space itself, not an area above it
    map.scrollIntoView();
    var on = 0, seen = 0, all = map.querySelectorAll('.space');
    for (var i = 0; i < all.length; i++) {
      var q = all[i].getBoundingClientRect(), cx = q.left + q.width / 2, cy = q.top + q.height / 2;
      if (cx < 0 || cy < 0 || cx >= window.innerWidth || cy >= window.innerHeight) continue;
      seen++;
      var hit = document.elementFromPoint(cx, cy);
      if (hit && hit.classList.contains('space')) on++;
    }
    b.setAttribute('data-spaces-checked', seen);
    b.setAttribute('data-spaces-on-top', on);
    // with every table open, the page must still not run off to the right (tables scroll)
    var ds = document.querySelectorAll('details');
    for (var i = 0; i < ds.length; i++) ds[i].open = true;
    b.setAttribute('data-scroll-width-open', document.documentElement.scrollWidth);
    b.setAttribute('data-window-width', window.innerWidth);
  }
  b.setAttribute('data-map-bbox', Math.round(bb.width) + 'x' + Math.round(bb.height));
  var r = map.getBoundingClientRect();
  b.setAttribute('data-map-rect', [r.left, r.top, r.width, r.height].map(Math.round).join(','));
  b.setAttribute('data-scroll-width', document.documentElement.scrollWidth);
  b.setAttribute('data-ready', '1');
})();
"""


def _num(v: Any, digits: int = 1) -> str:
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.{digits}f}"
    return str(v)


def _pct(v: Any) -> str:
    return "—" if v is None or not np.isfinite(v) else f"{100 * float(v):.1f} %"


def html_table(df: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None,
               max_rows: int | None = None, table_id: str = "") -> str:
    """An escaped HTML table; numbers right-aligned (``formats`` per column)."""
    formats = formats or {}
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for rec in shown.itertuples(index=False):
        cells = []
        for col, v in zip(shown.columns, rec):
            text = formats[col](v) if col in formats else _num(v)
            num = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            cells.append(f'<td class="n">{escape(text)}</td>' if num else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = "" if max_rows is None or len(df) <= max_rows else (
        f'<p class="note">{len(df) - max_rows:,} more rows in the CSV files.</p>')
    tid = f' id="{escape(table_id, quote=True)}"' if table_id else ""
    return (f'<div class="scroll"><table{tid}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"</div>{more}")


def _card(value: str, label: str) -> str:
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, float), np.asarray(den, float)
    return np.where(den > 1e-9, num / np.where(den > 1e-9, den, 1.0), np.nan)


def _map_data(outcome: Outcome, hc: pd.DataFrame, w: Words, n_labels: int = N_LABELS) -> MapData:
    """What the map draws; the ``n_labels`` communities with the lowest coverage (after the plan,
    or before when there is none) are labelled."""
    inst, plan, ev = outcome.instance, outcome.plan, outcome.evaluation
    com = inst.communities
    key = "coverage_after" if plan is not None and ev is not None else "coverage_before"
    D = inst.demand_users.sum(axis=1)
    E = inst.existing_served.sum(axis=1)
    served = ev.served_users.sum(axis=1) if ev is not None else np.zeros_like(E)
    provided = ev.area_provided_m2 if ev is not None else inst.existing_m2.sum(axis=1)
    ratios = {
        "coverage_after": _ratio(E + served, D), "coverage_before": _ratio(E, D),
        "area_after": _ratio(provided, inst.required_area_m2), "area_before": _ratio(inst.existing_m2.sum(axis=1),
                                                                                    inst.required_area_m2),
        "base_after": hc["base_after"].to_numpy(float) / 100.0,
        "base_before": hc["base_before"].to_numpy(float) / 100.0,
    }
    per100_b = _ratio(inst.existing_m2.sum(axis=1) * 100, inst.households)
    per100_a = _ratio(provided * 100, inst.households)
    names = com["name"].astype(str).to_numpy() if "name" in com else np.asarray(inst.community_ids, str)
    hub = plan.hub_space if plan is not None else np.full(inst.n_communities, -1)
    tips = [f"{cid} {nm} — {inst.households[i]:,.0f} households; coverage {_pct(ratios['coverage_before'][i])} → "
            f"{_pct(ratios['coverage_after'][i])}; m² per 100 households {_num(per100_b[i])} → {_num(per100_a[i])}; "
            f"health-check base {_num(hc['base_before'].iat[i])} → {_num(hc['base_after'].iat[i])}"
            + (f"; hub {inst.space_ids[hub[i]]}" if hub[i] >= 0 else "")
            for i, (cid, nm) in enumerate(zip(inst.community_ids, names))]
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
    tips = [f"{inst.space_ids[j]} {sname[j]} — {ev.used_area_m2[j]:,.0f} of {inst.area_m2[j]:,.0f} m² used; "
            f"services: {w.services(';'.join(inst.service_ids[s] for s in np.flatnonzero(plan.hosted[j]))) or 'none'}"
            f"; walking circle {lim:.0f} min" + ("; hub" if int(j) in hubs else "")
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


def _solver_section(outcome: Outcome, figures: PlanFigures) -> str:
    r = outcome.result
    solver = figures.summary["solver"]  # as shown: engines in words, bounds raised to 0 where needed
    cny = bool(solver["stages"]) and solver["stages"][-1]["name"] == "cost"
    fig = (lambda v: "—" if v is None else f"{v:,.0f} CNY") if cny else (lambda v: _num(v, 4))  # noqa: E731
    items = [("backend", r.backend), ("settled by", solver["settled_by"]), ("status", r.status.value),
             ("objective (last stage)", fig(solver["objective"])), ("bound", fig(solver["bound"])),
             ("gap", "—" if solver["gap"] is None else f"{100 * solver['gap']:.3f} %"),
             ("solve time", f"{r.seconds:.1f} s"), ("model build time", f"{outcome.build_s:.2f} s")]
    if "cost_vs_objective" in figures.summary:
        items.insert(4, ("cost and objective", figures.summary["cost_vs_objective"]["text"]))
    items += [(f"model {k.replace('_', ' ')}", _num(v)) for k, v in outcome.model_size.items()]
    if outcome.parts > 1:
        items.append(("independent parts solved", _num(int(outcome.parts))))
    opts = outcome.options
    items += [("solver options used", f"backend {opts.backend}, time limit {opts.time_limit_s:g} s, relative gap "
               f"{opts.relative_gap:g}, {opts.threads} thread(s), "
               f"deterministic {'yes' if opts.deterministic else 'no'}, seed {opts.seed}")]
    if r.message:
        items.append(("message", r.message))
    kv = pd.DataFrame(items, columns=["item", "value"])
    rows = solver["stages"]
    stages = pd.DataFrame([{"stage": s["name"], "settled by": s["settled_by"], "status": s["status"],
                            "objective": s["objective"], "bound": s["bound"], "gap": s["gap"],
                            "seconds": s["seconds"], "engine ids": s["solver"],
                            "bound from": s["bound_source"]} for s in rows])
    if any(s["bound_raw"] != s["bound"] for s in rows):  # the engine's own figure, never hidden
        stages.insert(5, "bound (engine's figure)", [s["bound_raw"] for s in rows])
    out = html_table(kv, {"value": str}, table_id="solver-details")
    if len(stages):
        out += "<h3>Lexicographic stages</h3>" + html_table(
            stages, {"objective": lambda v: _num(v, 4), "bound": lambda v: _num(v, 4),
                     "bound (engine's figure)": lambda v: _num(v, 4),
                     "gap": lambda v: "—" if v is None or not np.isfinite(v) else f"{100 * v:.3f} %"})
    ev = outcome.evaluation
    if ev is not None:
        if ev.feasible:
            out += '<p class="ok">Independent checker: every rule holds.</p>'
        else:
            out += (f'<p class="bad">Independent checker: {len(ev.violations)} violation(s).</p><ul>'
                    + "".join(f"<li>{escape(str(v))}</li>" for v in ev.violations[:50]) + "</ul>")
    return out


def _charts(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    inst, ev, hc = outcome.instance, outcome.evaluation, figures.healthcheck
    D = inst.demand_users.sum(axis=0)
    E = inst.existing_served.sum(axis=0)
    S = E + (ev.served_users.sum(axis=0) if ev is not None else 0.0)
    labels = [w.service(s) for s in inst.service_ids]
    ba = (w("before"), w("after"))
    out = [bar_pairs_svg(labels, _ratio(E, D), _ratio(S, D), title=w("Coverage of demand by service"), vmax=1.0,
                         ref=1.0, chart_id="chart-coverage-service", axis_label=w("users served ÷ users in demand"),
                         words=ba)]
    if ev is not None:
        age = figures.coverage_by_age
        share = np.where(inst.demand_users[:, :, None] > 0,
                         inst.demand_by_age / np.where(inst.demand_users > 0, inst.demand_users, 1)[:, :, None], 0.0)
        before_age = (inst.existing_served[:, :, None] * share).sum(axis=(0, 1))
        out.append(bar_pairs_svg([w.age(g) for g in age["age_group"]],
                                 _ratio(before_age, age["demand_users"].to_numpy()),
                                 age["coverage"].to_numpy(float), title=w("Coverage of demand by age group"),
                                 vmax=1.0, ref=1.0, chart_id="chart-coverage-age",
                                 axis_label=w("users served ÷ users in demand"), words=ba))
    by = figures.accessibility_by_service
    svc = [w.service(s) for s in by["service"]]
    out.append(bar_pairs_svg(svc, by["mean_access_before"], by["mean_access_after"],
                             title=w("2SFCA accessibility (places per user in demand, mean)"), fmt="{:.2f}", ref=1.0,
                             chart_id="chart-access", axis_label=w("places per user (1 = supply matches demand)"),
                             words=ba))
    note = w(_NOTE_2SFCA).format(share=_range(by["demand_share_served_after"]), coverage=_range(_ratio(S, D)))
    out.append(bar_pairs_svg(svc, by["demand_share_served_before"], by["demand_share_served_after"],
                             title=w("Share of demand with 2SFCA accessibility ≥ 1"), vmax=1.0,
                             chart_id="chart-access-share", axis_label=w("share of users in demand"), words=ba)
               + f'<p class="note" id="note-2sfca" style="max-width:600px">{escape(note)}</p>')
    # (the note is one phrase of report_words.yaml, keyed by its English text)
    out.append(histogram_svg(hc["base_before"], hc["base_after"], title=w("Health-check base index of communities"),
                             x_label=w("base index (0–100)"), y_label=w("communities per band"), words=ba,
                             unit=w("communities"), chart_id="chart-health-base"))
    comp = [c[: -len("_before")] for c in hc.columns if c.endswith("_before") and c.startswith(("area", "domain_"))]
    comp_labels = [w("floor area") if c == "area" else w.domain(c.removeprefix("domain_")) for c in comp]
    out.append(bar_pairs_svg(comp_labels,
                             [np.nanmean(np.minimum(hc[c + "_before"], 1.0)) for c in comp],
                             [np.nanmean(np.minimum(hc[c + "_after"], 1.0)) for c in comp],
                             title=w("Health-check components (mean share of standard met)"), vmax=1.0, ref=1.0,
                             chart_id="chart-health-components", axis_label=w("share of standard met"), words=ba))
    return '<div class="charts">' + "".join(f"<div>{c}</div>" for c in out) + "</div>"


_NOTE_2SFCA = (
    "What \"2SFCA ≥ 1\" means: coverage (the first chart) counts the users the plan assigns to a space "
    "within their walking limit. 2SFCA accessibility instead spreads each space's places over all the demand "
    "that can reach it, whoever is assigned there, and adds up the shares a community reaches; 1 means one "
    "place per user in demand. When supply just matches demand the communities scatter around 1, some a "
    "little above and some a little below, so only part of the demand reaches 1 even where most users are "
    "served: a share of {share} beside {coverage} coverage here is no contradiction. A low value marks places "
    "spread thinly between neighbouring communities.")


def _range(values: Any) -> str:
    """"53–82 %" (or "82 %"): the range of the finite shares in ``values``."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "—"
    lo, hi = round(100 * float(v.min())), round(100 * float(v.max()))
    return f"{lo} %" if lo == hi else f"{lo}–{hi} %"


def _table(w: Words, df: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None,
           **kw: Any) -> str:
    """:func:`html_table` of ``df`` in words (:meth:`Words.frame`); ``formats`` keyed by column id."""
    return html_table(w.frame(df), {w.column(k): f for k, f in (formats or {}).items()}, **kw)


def report_html(outcome: Outcome, figures: PlanFigures | None = None, *, title: str | None = None,
                lang: Lang = "en") -> str:
    """The whole report as one HTML string (no external resources).

    Parameters
    ----------
    outcome : the solve to report.
    figures : its figures, from :func:`siting.analysis.figures.plan_figures` (the same value the
        output folder is written from); computed here when not given.
    title : page title (default: "Siting plan — <scenario>").
    lang : "en" or "zh": the language of service, domain and age-group labels (from the
        catalogue), table headers, headings and chart titles (:mod:`siting.report.words`).

    Returns
    -------
    The HTML page.
    """
    figures = figures if figures is not None else plan_figures(outcome)
    inst, plan, ev, r = outcome.instance, outcome.plan, outcome.evaluation, outcome.result
    w = Words(inst.catalogue, lang)
    hc, hcd, decay = figures.healthcheck, figures.healthcheck_districts, figures.decay
    allrow = hcd.iloc[-1]
    title = title or f"{w('Siting plan')} — {inst.name}"
    html_lang = "zh-CN" if lang == "zh" else "en"
    css = _CSS.replace("%FONTS%", FONT_STACK)
    parts = [f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" '
             f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title><style>{css}</style>'
             f"</head><body><header><h1>{escape(title)}</h1><p>"
             f"{escape(w('{n} communities').format(n=f'{inst.n_communities:,}'))} · "
             f"{escape(w('{n} candidate spaces').format(n=f'{inst.n_spaces:,}'))} · {escape(w('standard'))} "
             f"{escape(inst.settings.standard)} · {escape(w('mode'))} {escape(inst.settings.objective.mode)} · "
             f"{escape(w('solver'))} {escape(r.backend)}: {escape(r.status.value)} — "
             f'<span id="settled-by">{escape(figures.summary["solver"]["settled_by"])}</span></p>'
             "</header><main>"]
    if plan is None or ev is None:
        parts.append(f'<p class="bad">No plan: the solver returned {escape(r.status.value)}. '
                     f"{escape(r.message or '')}</p>")
    summ = figures.summary
    cards = []
    if plan is not None and ev is not None:
        budget = f" of {inst.budget_cny:,.0f}" if inst.budget_cny else ""
        cards += [_card(w("{a} of {b}").format(a=f"{plan.n_taken:,}", b=f"{inst.n_spaces:,}"), w("spaces taken")),
                  _card(f"{summ['floor_area_used_m2']:,.0f} m²", w("floor area used")),
                  _card(f"{ev.cost_cny / 1e6:,.1f} M CNY",
                        w("cost over {years} years").format(years=f"{inst.settings.horizon_years:g}") + budget),
                  _card(f"{summ['area_per_100hh_before_m2']:.1f} → {summ['area_per_100hh_after_m2']:.1f}",
                        w("m² per 100 households")),
                  _card(f"{summ['communities_meeting_area_before']} → {summ['communities_meeting_area_after']}",
                        w("communities meeting the area standard (of {n})").format(n=inst.n_communities))]
        if inst.hub_required:
            cards.append(_card(w("{a} of {b}").format(a=summ["communities_with_hub"], b=inst.n_communities),
                               w("communities with a hub")))
        short = figures.shortfalls
        by_rule = short["rule"].value_counts() if len(short) else pd.Series(dtype=int)
        others = ", ".join(f"{int(by_rule[k])} × {w.value(k)}" for k in ("area", "hub") if by_rule.get(k, 0))
        cards.append(_card(str(summ["coverage_shortfalls"]), w("service shortfalls (community × service)")
                           + (w("; {n} standards not met in all (with {others})").format(others=others, n=len(short))
                              if others else "")))
    cards += [_card(f"{allrow['base_before']:.1f} → {allrow['base_after']:.1f}",
                    w("health-check base index (0–100)")),
              _card(f"{allrow['balance_before']:.1f} → {allrow['balance_after']:.1f}",
                    w("health-check balance index (100 × (1 − Gini))"))]
    parts.append(f'<h2>{escape(w("Key figures"))}</h2><div class="cards">' + "".join(cards) + "</div>")
    if "cost_vs_objective" in summ:
        parts.append(f'<p class="note" id="cost-objective">{escape(w("Cost and the solver objective"))}: '
                     f'{escape(cost_objective_text(summ["cost_vs_objective"], lang))}.</p>')
    # map
    md = _map_data(outcome, hc, w)
    default = "coverage_after" if plan is not None else "coverage_before"
    options = "".join(f'<option value="{k}"{" selected" if k == default else ""}>{escape(v)}</option>'
                      for k, v in ((k, w(v)) for k, v in MAP_KEYS.items()))
    toggles = [("layer-circles", "walking circles", False), ("layer-links", "service links", True),
               ("layer-candidates", "candidates not taken", True), ("layer-spaces", "spaces taken", True),
               ("layer-labels", "names of the worst served", True)]
    kinds = [] if inst.basemap is None else sorted(set(inst.basemap["kind"].astype(str)))
    if kinds:
        toggles.insert(0, ("layer-basemap", "streets and barriers", True))
    layers = "".join(f'<label><input type="checkbox" data-layer="{k}"{" checked" if on else ""}> {escape(w(v))}</label>'
                     for k, v, on in toggles)
    walk = inst.settings.walking
    source = inst.reach.source.replace("_", " ")
    parts.append(
        f'<h2>{escape(w("Map of the plan"))}</h2><div class="controls"><label>{escape(w("Colour communities by"))} '
        f'<select id="map-colour">'
        f"{options}</select></label> {layers}</div>"
        f"{legend_html(float(md.space_area.max(initial=0)), kinds, len(md.label_index), w)}"
        f'<div class="map-wrap">{map_svg(md, default)}</div>'
        f'<p class="note">Walking times come from the {escape(source)} reach table'
        + (" (the streets drawn: a circle may cross a river or a rail line that the walk itself must go around)"
           if kinds else "")
        + f". Walking circles: radius = the longest walking limit of the services a space hosts × "
        f"{walk.speed_m_per_min:g} m/min ÷ detour factor {walk.detour_factor:g} (a straight-line equivalent). "
        "Map north is grid north of the plan's CRS. Hover a feature for its figures.</p>")
    parts.append(f"<h2>{escape(w('Before and after'))}</h2>" + _charts(outcome, figures, w))
    if figures.years is not None:  # multi-year phasing: timeline and the year table
        parts.append(f"<h2>{escape(w('Phasing by year'))}</h2>"
                     + timeline_svg(figures.years, title=w("Phasing timeline"), n_communities=inst.n_communities)
                     + _table(w, figures.years, table_id="table-years"))
    # tables
    if plan is not None and ev is not None:
        svc = figures.services
        parts.append(f"<h2>{escape(w('Services'))}</h2>" + _table(w, svc, {"coverage": _pct},
                                                                  table_id="table-services"))
    by = figures.accessibility_by_service
    pc = {c: _pct for c in by.columns if "share" in c}
    pc.update({c: (lambda v: _num(v, 3)) for c in by.columns if c.startswith("mean_access")})
    parts.append(f"<h2>Accessibility (2SFCA, decay: {escape(decay)})</h2>" + _table(w, by, pc, table_id="table-access")
                 +
                 '<p class="note">Two-step floating catchment area: each supply point\'s places are shared among the '
                 "demand within the service's walking limit, and each community sums the shares it can reach "
                 "(1 = supply matches demand). Before: existing facilities, serving their own community. After: "
                 "plus the floor area the plan gives each service. Per community and service in "
                 "<code>accessibility.csv</code>.</p>")
    hcols = ["district", "communities", "households"] + [f"{k}_{w}" for k in ("base", "balance", "gini",
                                                                                  "worst_decile_base", "index")
                                                        for w in ("before", "after")]
    gini: dict[str, Callable[[Any], str]] = {c: (lambda v: _num(v, 3)) for c in hcols if c.startswith("gini")}
    gini["households"] = lambda v: _num(v, 0)
    parts.append(f"<h2>{escape(w('Community health check (our reading)'))}</h2>"
                 + _table(w, hcd[hcols], gini, table_id="table-health-districts")
                 + '<p class="note">Base = 100 × mean share of standard met over the floor-area standard and the '
                 "service domains (coverage of demand); balance = 100 × (1 − household-weighted Gini of base). This is "
                 "our reading of the community health check (体检), not the official index; governance is not "
                 "derived from a siting plan. Per community in <code>healthcheck.csv</code>.</p>")
    worst = hc.sort_values(["base_after", "base_before"]).loc[:, ["community_id", "name", "district", "households",
                                                                 "health_score_input", "base_before", "base_after",
                                                                 "balance_after"]]
    parts.append(f"<details><summary>{escape(w('Communities, lowest base index after the plan first'))}</summary>"
                 + _table(w, worst, {"households": lambda v: _num(v, 0)}, table_id="table-communities")
                 + "</details>")
    if plan is not None and ev is not None:
        spa = figures.spaces
        cols = ["space_id", "name", "source", "floor", "area_m2", "used_area_m2", "services", "hub_of",
                "total_cost_cny"]
        parts.append(f"<details><summary>{escape(w('Spaces taken'))} ({len(spa):,})</summary>"
                     + _table(w, spa[[c for c in cols if c in spa.columns]], {"floor": str}, table_id="table-spaces")
                     + "</details>")
        short = figures.shortfalls
        by_rule = short["rule"].value_counts() if len(short) else pd.Series(dtype=int)
        split = ", ".join(f"{int(by_rule[k])} {w.value(k)}" for k in ("coverage", "area", "hub") if by_rule.get(k, 0))
        parts.append(f'<details id="standards-not-met"><summary>{escape(w("Standards not met"))} ({len(short):,}'
                     f'{": " + escape(split) if split else ""})</summary>'
                     + _table(w, short, {"required": lambda v: _num(v, 1), "short": lambda v: _num(v, 1)},
                              max_rows=500, table_id="table-shortfalls")
                     + '<p class="note">The key figure "service shortfalls" counts the coverage rows only '
                       "(community × service); this table also lists the floor-area standard and hub rows.</p>"
                     + "</details>")
    parts.append(f"<h2>{escape(w('Solver'))}</h2>" + _solver_section(outcome, figures))
    parts.append(f"</main><script>{_JS}</script></body></html>")
    return "".join(parts)


@dataclass(frozen=True)
class PlanMap:
    """The report's plan map alone: the inline SVG and its legend (HTML), for a page that shows
    several plans (``siting compare --out``)."""

    svg: str
    legend: str


def plan_map(outcome: Outcome, figures: PlanFigures | None = None, *, lang: Lang = "en",
             element_id: str = "plan-map") -> PlanMap:
    """The map of :func:`report_html` for one outcome (coloured by coverage after the plan, or
    before when there is none), with its legend in ``lang``."""
    figures = figures if figures is not None else plan_figures(outcome)
    w = Words(outcome.instance.catalogue, lang)
    md = _map_data(outcome, figures.healthcheck, w)
    basemap = outcome.instance.basemap
    kinds = [] if basemap is None else sorted(set(basemap["kind"].astype(str)))
    default = "coverage_after" if outcome.plan is not None else "coverage_before"
    return PlanMap(map_svg(md, default, element_id),
                   legend_html(float(md.space_area.max(initial=0)), kinds, len(md.label_index), w))


__all__ = ["PlanMap", "html_table", "plan_map", "report_html"]
