"""A self-contained HTML report of a plan: one file, no network (no CDN, no tile server).

Contents: key figures, a map of the plan (inline SVG: communities coloured by the share of
the standard met, taken spaces sized by floor area, hubs, walking circles, service links;
a small inline script switches the colouring and layers), before/after charts (coverage by
service and age group, 2SFCA accessibility, the health-check view), the summary tables
and the solver details (with the solver options the run used). Every text is escaped, and
every phrase is in the report's language (:mod:`siting.report.words`).

``report_html(outcome, figures)`` returns the page from the figures computed once by
:func:`siting.analysis.figures.plan_figures`; :func:`siting.io.outputs.write_report` writes it.
The map is :mod:`siting.report.planmap`, the charts, phasing and solver sections
:mod:`siting.report.sections`, the shared page head :mod:`siting.report.page`.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import pandas as pd

from siting.analysis.figures import PlanFigures, plan_figures
from siting.analysis.solver_view import cost_objective_text, settled_words, status_name
from siting.plan import Outcome
from siting.report.format import card, html_table, num, pct
from siting.report.page import legend_css, page_start
from siting.report.planmap import MAP_KEYS, N_LABELS, PlanMap, map_section, plan_map
from siting.report.sections import charts, phasing_section, solver_section, words_table
from siting.report.words import Lang, Words

_CSS = legend_css(12, 10) + """main{max-width:1320px}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #ccd;border-radius:6px;padding:8px 12px;
min-width:170px}.card b{display:block;font-size:18px}.card span{font-size:12px;color:#555}
.map-wrap{border:1px solid #ccc;display:inline-block;max-width:100%}.map-wrap svg{max-width:100%;height:auto}
.charts{display:flex;flex-wrap:wrap;gap:18px}.ok{color:#1a7f37;font-weight:bold}details{margin:8px 0}
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


def _note(w: Words, phrase: str, file: str = "") -> str:
    """A note paragraph: ``phrase`` in words, escaped, its ``{file}`` as ``<code>file</code>``."""
    return f'<p class="note">{escape(w(phrase), quote=False).replace("{file}", f"<code>{escape(file)}</code>")}</p>'


def _header_line(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    """The header's line: size of the instance, standard, mode and the engines that settled it."""
    inst, r = outcome.instance, outcome.result
    settled = figures.summary["solver"]["settled_by"] if w.lang == "en" else \
        settled_words(figures.summary["solver"]["stages"], w.lang)[1]
    status = r.status.value if w.lang == "en" else status_name(r.status.value, w.lang)
    mode = str(w.value(inst.settings.objective.mode))
    return (f"{escape(w('{n} communities').format(n=f'{inst.n_communities:,}'))} · "
            f"{escape(w('{n} candidate spaces').format(n=f'{inst.n_spaces:,}'))} · {escape(w('standard'))} "
            f"{escape(inst.settings.standard)} · {escape(w('mode'))} {escape(mode)} · "
            f"{escape(w('solver'))} {escape(r.backend)}: {escape(status)} — "
            f'<span id="settled-by">{escape(settled)}</span>')


def _key_figures(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    inst, plan, ev = outcome.instance, outcome.plan, outcome.evaluation
    summ, allrow = figures.summary, figures.healthcheck_districts.iloc[-1]
    cards = []
    if plan is not None and ev is not None:
        budget = w(" of {budget}").format(budget=f"{inst.budget_cny:,.0f}") if inst.budget_cny else ""
        cards += [card(w("{a} of {b}").format(a=f"{plan.n_taken:,}", b=f"{inst.n_spaces:,}"), w("spaces taken")),
                  card(f"{summ['floor_area_used_m2']:,.0f} m²", w("floor area used")),
                  card(w("{m} M CNY").format(m=f"{ev.cost_cny / 1e6:,.1f}"),
                       w("cost over {years} years").format(years=f"{inst.settings.horizon_years:g}") + budget),
                  card(f"{summ['area_per_100hh_before_m2']:.1f} → {summ['area_per_100hh_after_m2']:.1f}",
                       w("m² per 100 households")),
                  card(f"{summ['communities_meeting_area_before']} → {summ['communities_meeting_area_after']}",
                       w("communities meeting the area standard (of {n})").format(n=inst.n_communities))]
        if inst.hub_required:
            cards.append(card(w("{a} of {b}").format(a=summ["communities_with_hub"], b=inst.n_communities),
                              w("communities with a hub")))
        short = figures.shortfalls
        by_rule = short["rule"].value_counts() if len(short) else pd.Series(dtype=int)
        others = ", ".join(f"{int(by_rule[k])} × {w.value(k)}" for k in ("area", "hub") if by_rule.get(k, 0))
        cards.append(card(str(summ["coverage_shortfalls"]), w("service shortfalls (community × service)")
                          + (w("; {n} standards not met in all (with {others})").format(others=others, n=len(short))
                             if others else "")))
    cards += [card(f"{allrow['base_before']:.1f} → {allrow['base_after']:.1f}", w("health-check base index (0–100)")),
              card(f"{allrow['balance_before']:.1f} → {allrow['balance_after']:.1f}",
                   w("health-check balance index (100 × (1 − Gini))"))]
    out = f'<h2>{escape(w("Key figures"))}</h2><div class="cards">' + "".join(cards) + "</div>"
    if "cost_vs_objective" in summ:
        out += (f'<p class="note" id="cost-objective">{escape(w("Cost and the solver objective"))}: '
                f'{escape(cost_objective_text(summ["cost_vs_objective"], w.lang))}.</p>')
    return out


def _tables(outcome: Outcome, figures: PlanFigures, w: Words) -> list[str]:
    """Services, accessibility, the health check by district, communities, spaces, standards not met."""
    plan, ev, hc, hcd = outcome.plan, outcome.evaluation, figures.healthcheck, figures.healthcheck_districts
    parts = []
    if plan is not None and ev is not None:
        parts.append(f"<h2>{escape(w('Services'))}</h2>" + words_table(w, figures.services, {"coverage": pct},
                                                                       table_id="table-services"))
    by = figures.accessibility_by_service
    pc: dict[str, Callable[[Any], str]] = {c: pct for c in by.columns if "share" in c}
    pc.update({c: (lambda v: num(v, 3)) for c in by.columns if c.startswith("mean_access")})
    heading = w("Accessibility (2SFCA, decay: {decay})").format(decay=w.value(figures.decay))
    parts.append(f"<h2>{escape(heading)}</h2>" + words_table(w, by, pc, table_id="table-access") + _note(
        w, "Two-step floating catchment area: each supply point's places are shared among the demand within the "
        "service's walking limit, and each community sums the shares it can reach (1 = supply matches demand). "
        "Before: existing facilities, serving their own community. After: plus the floor area the plan gives each "
        "service. Per community and service in {file}.", "accessibility.csv"))
    hcols = ["district", "communities", "households"] + [f"{k}_{when}" for k in ("base", "balance", "gini",
                                                                                     "worst_decile_base", "index")
                                                        for when in ("before", "after")]
    gini: dict[str, Callable[[Any], str]] = {c: (lambda v: num(v, 3)) for c in hcols if c.startswith("gini")}
    gini["households"] = lambda v: num(v, 0)
    parts.append(f"<h2>{escape(w('Community health check (our reading)'))}</h2>"
                 + words_table(w, hcd[hcols], gini, table_id="table-health-districts") + _note(
                     w, "Base = 100 × mean share of standard met over the floor-area standard and the service domains "
                     "(coverage of demand); balance = 100 × (1 − household-weighted Gini of base). This is our reading "
                     "of the community health check (体检), not the official index; governance is not derived from a "
                     "siting plan. Per community in {file}.", "healthcheck.csv"))
    worst = hc.sort_values(["base_after", "base_before"]).loc[:, ["community_id", "name", "district", "households",
                                                                 "health_score_input", "base_before", "base_after",
                                                                 "balance_after"]]
    parts.append(f"<details><summary>{escape(w('Communities, lowest base index after the plan first'))}</summary>"
                 + words_table(w, worst, {"households": lambda v: num(v, 0)}, table_id="table-communities")
                 + "</details>")
    if plan is not None and ev is not None:
        spa = figures.spaces
        cols = ["space_id", "name", "source", "floor", "area_m2", "used_area_m2", "services", "hub_of",
                "total_cost_cny"]
        parts.append(f"<details><summary>{escape(w('Spaces taken'))} ({len(spa):,})</summary>"
                     + words_table(w, spa[[c for c in cols if c in spa.columns]], {"floor": str},
                                   table_id="table-spaces") + "</details>")
        short = figures.shortfalls
        by_rule = short["rule"].value_counts() if len(short) else pd.Series(dtype=int)
        split = ", ".join(f"{int(by_rule[k])} {w.value(k)}" for k in ("coverage", "area", "hub") if by_rule.get(k, 0))
        parts.append(f'<details id="standards-not-met"><summary>{escape(w("Standards not met"))} ({len(short):,}'
                     f'{": " + escape(split) if split else ""})</summary>'
                     + words_table(w, short, {"required": lambda v: num(v, 1), "short": lambda v: num(v, 1)},
                                   max_rows=500, table_id="table-shortfalls")
                     + _note(w, "The key figure \"service shortfalls\" counts the coverage rows only (community × "
                             "service); this table also lists the floor-area standard and hub rows.")
                     + "</details>")
    return parts


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
        catalogue), table headers, headings, chart titles, notes, tooltips and the solver's
        words (:mod:`siting.report.words`).

    Returns
    -------
    The HTML page.
    """
    figures = figures if figures is not None else plan_figures(outcome)
    inst, plan, ev, r = outcome.instance, outcome.plan, outcome.evaluation, outcome.result
    w = Words(inst.catalogue, lang)
    title = title or f"{w('Siting plan')} — {inst.name}"
    parts = [page_start(title, lang, _CSS, _header_line(outcome, figures, w))]
    if plan is None or ev is None:
        status = r.status.value if lang == "en" else status_name(r.status.value, lang)
        parts.append(f'<p class="bad">{escape(w("No plan: the solver returned {status}.").format(status=status))} '
                     f"{escape(w.sentence(r.message or ''))}</p>")
    parts.append(_key_figures(outcome, figures, w))
    parts.append(map_section(outcome, figures, w))
    parts.append(f"<h2>{escape(w('Before and after'))}</h2>" + charts(outcome, figures, w))
    parts.append(phasing_section(outcome, figures, w))
    parts += _tables(outcome, figures, w)
    parts.append(f"<h2>{escape(w('Solver'))}</h2>" + solver_section(outcome, figures, w))
    parts.append(f"</main><script>{_JS}</script></body></html>")
    return "".join(parts)


__all__ = ["MAP_KEYS", "N_LABELS", "PlanMap", "html_table", "plan_map", "report_html"]
