"""Sections of the HTML report besides the map: the before/after charts, the phasing timeline
and the solver details (which engine settled each stage, in words, with the options the run used).

Every phrase goes through :class:`~siting.report.words.Words`: the solver's words come from the
``solver:`` section of ``report_words.yaml`` (:func:`siting.analysis.solver_view.settled_words`).
"""

from __future__ import annotations

from html import escape
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.figures import PlanFigures
from siting.analysis.solver_view import cost_objective_text, raised_note, settled_words, stage_name, status_name
from siting.plan import Outcome
from siting.report.format import html_table, num, range_text, ratio
from siting.report.svg import bar_pairs_svg, histogram_svg
from siting.report.timeline import timeline_svg
from siting.report.words import Words

NOTE_2SFCA = (
    "What \"2SFCA ≥ 1\" means: coverage (the first chart) counts the users the plan assigns to a space "
    "within their walking limit. 2SFCA accessibility instead spreads each space's places over all the demand "
    "that can reach it, whoever is assigned there, and adds up the shares a community reaches; 1 means one "
    "place per user in demand. When supply just matches demand the communities scatter around 1, some a "
    "little above and some a little below, so only part of the demand reaches 1 even where most users are "
    "served: a share of {share} beside {coverage} coverage here is no contradiction. A low value marks places "
    "spread thinly between neighbouring communities.")
"""The note beside the 2SFCA share chart (one phrase of ``report_words.yaml``, keyed by this text)."""


def words_table(w: Words, df: pd.DataFrame, formats: dict[str, Any] | None = None, **kw: Any) -> str:
    """:func:`html_table` of ``df`` in words (:meth:`Words.frame`); ``formats`` keyed by column id."""
    return html_table(w.frame(df), {w.column(k): f for k, f in (formats or {}).items()}, t=w, **kw)


def solver_section(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    """The solver details: backend, who settled each stage (in words), status, objective, bound,
    gap, times, model size, the options used, the stages table and the independent checker."""
    r = outcome.result
    solver = figures.summary["solver"]  # as shown: bounds raised to 0 where needed

    def status(v: str) -> str:  # the status id as it is in English (as summary.json has it), in words else
        return v if w.lang == "en" else status_name(v, w.lang)

    per_stage, settled = settled_words(solver["stages"], w.lang)
    cny = bool(solver["stages"]) and solver["stages"][-1]["name"] == "cost"
    money = w("{v} CNY")
    fig = (lambda v: "—" if v is None else money.format(v=f"{v:,.0f}")) if cny else (  # noqa: E731
        lambda v: num(v, 4))
    items = [("backend", r.backend), ("settled by", settled), ("status", status(r.status.value)),
             ("objective (last stage)", fig(solver["objective"])), ("bound", fig(solver["bound"])),
             ("gap", "—" if solver["gap"] is None else f"{100 * solver['gap']:.3f} %"),
             ("solve time", f"{r.seconds:.1f} s"), ("model build time", f"{outcome.build_s:.2f} s")]
    if "cost_vs_objective" in figures.summary:
        items.insert(4, ("cost and objective", cost_objective_text(figures.summary["cost_vs_objective"], w.lang)))
    items += [(w("model {what}").format(what=w(k.replace("_", " "))), num(v)) for k, v in outcome.model_size.items()]
    if outcome.parts > 1:
        items.append(("independent parts solved", num(int(outcome.parts))))
    opts = outcome.options
    items += [("solver options used", w("backend {backend}, time limit {limit} s, relative gap {gap}, {threads} "
                                        "thread(s), deterministic {det}, seed {seed}").format(
        backend=opts.backend, limit=f"{opts.time_limit_s:g}", gap=f"{opts.relative_gap:g}", threads=opts.threads,
        det=w("yes") if opts.deterministic else w("no"), seed=opts.seed))]
    if r.message:
        items.append(("message", w.sentence(r.message)))
    kv = pd.DataFrame([(w(k), v) for k, v in items], columns=[w("item"), w("value")])
    rows = solver["stages"]
    col = {k: w(k) for k in ("stage", "settled by", "status", "objective", "bound", "gap", "seconds", "engine ids",
                             "bound from", "bound (engine's figure)")}
    stages = pd.DataFrame([{col["stage"]: stage_name(s["name"], w.lang), col["settled by"]: who,
                            col["status"]: status(s["status"]), col["objective"]: s["objective"],
                            col["bound"]: s["bound"], col["gap"]: s["gap"], col["seconds"]: s["seconds"],
                            col["engine ids"]: s["solver"], col["bound from"]: _bound_from(s, w)}
                           for s, who in zip(rows, per_stage)])
    if any(s["bound_raw"] != s["bound"] for s in rows):  # the engine's own figure, never hidden
        stages.insert(5, col["bound (engine's figure)"], [s["bound_raw"] for s in rows])
    out = html_table(kv, {w("value"): str}, table_id="solver-details", t=w)
    if len(stages):
        four = lambda v: num(v, 4)  # noqa: E731
        out += f"<h3>{escape(w('Lexicographic stages'))}</h3>" + html_table(
            stages, {col["objective"]: four, col["bound"]: four, col["bound (engine's figure)"]: four,
                     col["gap"]: lambda v: "—" if v is None or not np.isfinite(v) else f"{100 * v:.3f} %"}, t=w)
    ev = outcome.evaluation
    if ev is not None:
        if ev.feasible:
            out += f'<p class="ok">{escape(w("Independent checker: every rule holds."))}</p>'
        else:
            out += (f'<p class="bad">{escape(w("Independent checker: {n} violation(s).").format(n=len(ev.violations)))}'
                    "</p><ul>" + "".join(f"<li>{escape(str(v))}</li>" for v in ev.violations[:50]) + "</ul>")
    return out


def _bound_from(stage: dict[str, Any], w: Words) -> str:
    """Where a stage's bound came from, in words: the engine's sentence, and the note when the
    bound shown was raised to 0 (:func:`~siting.analysis.solver_view.raised_bound`)."""
    source = str(stage.get("bound_source", ""))
    note = raised_note(stage["name"])
    if note and source.endswith(note):
        return w.sentence(source.removesuffix(note)) + raised_note(stage["name"], w.lang)
    return w.sentence(source)


def charts(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    """The before/after charts: coverage by service and by age group, 2SFCA accessibility and the
    share of demand reaching 1 (with the note that reads it beside coverage), the health check."""
    inst, ev, hc = outcome.instance, outcome.evaluation, figures.healthcheck
    D = inst.demand_users.sum(axis=0)
    E = inst.existing_served.sum(axis=0)
    S = E + (ev.served_users.sum(axis=0) if ev is not None else 0.0)
    labels = [w.service(s) for s in inst.service_ids]
    ba = (w("before"), w("after"))
    out = [bar_pairs_svg(labels, ratio(E, D), ratio(S, D), title=w("Coverage of demand by service"), vmax=1.0,
                         ref=1.0, chart_id="chart-coverage-service", axis_label=w("users served ÷ users in demand"),
                         words=ba)]
    if ev is not None:
        age = figures.coverage_by_age
        share = np.where(inst.demand_users[:, :, None] > 0,
                         inst.demand_by_age / np.where(inst.demand_users > 0, inst.demand_users, 1)[:, :, None], 0.0)
        before_age = (inst.existing_served[:, :, None] * share).sum(axis=(0, 1))
        out.append(bar_pairs_svg([w.age(g) for g in age["age_group"]],
                                 ratio(before_age, age["demand_users"].to_numpy()),
                                 age["coverage"].to_numpy(float), title=w("Coverage of demand by age group"),
                                 vmax=1.0, ref=1.0, chart_id="chart-coverage-age",
                                 axis_label=w("users served ÷ users in demand"), words=ba))
    by = figures.accessibility_by_service
    svc = [w.service(s) for s in by["service"]]
    out.append(bar_pairs_svg(svc, by["mean_access_before"], by["mean_access_after"],
                             title=w("2SFCA accessibility (places per user in demand, mean)"), fmt="{:.2f}", ref=1.0,
                             chart_id="chart-access", axis_label=w("places per user (1 = supply matches demand)"),
                             words=ba))
    note = w(NOTE_2SFCA).format(share=range_text(by["demand_share_served_after"]), coverage=range_text(ratio(S, D)))
    out.append(bar_pairs_svg(svc, by["demand_share_served_before"], by["demand_share_served_after"],
                             title=w("Share of demand with 2SFCA accessibility ≥ 1"), vmax=1.0,
                             chart_id="chart-access-share", axis_label=w("share of users in demand"), words=ba)
               + f'<p class="note" id="note-2sfca" style="max-width:600px">{escape(note)}</p>')
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


def phasing_section(outcome: Outcome, figures: PlanFigures, w: Words) -> str:
    """Multi-year phasing: the timeline and the year table ("" for a single-year plan)."""
    if figures.years is None:
        return ""
    return (f"<h2>{escape(w('Phasing by year'))}</h2>"
            + timeline_svg(figures.years, title=w("Phasing timeline"), n_communities=outcome.instance.n_communities,
                           t=w)
            + words_table(w, figures.years, table_id="table-years"))


__all__ = ["NOTE_2SFCA", "charts", "phasing_section", "solver_section", "words_table"]
