"""The terminal summary of a solve (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from siting.analysis.figures import PlanFigures, plan_figures
from siting.analysis.solver_view import objective_words
from siting.plan import Outcome


def _fmt(stage: str):
    """How a stage's objective and bound read: whole CNY for the cost, 6 significant digits else."""
    return (lambda v: f"{v:,.0f} CNY") if stage == "cost" else (lambda v: f"{v:,.6g}")


def print_summary(console: Console, outcome: Outcome, figures: PlanFigures | None = None) -> None:
    """Print the solver line, one line per stage and, when there is a plan, its key figures,
    floor area by service and coverage by age group (from ``figures``, as in the output folder)."""
    figures = figures if figures is not None else plan_figures(outcome)
    inst, plan, ev, r = outcome.instance, outcome.plan, outcome.evaluation, outcome.result
    solver = figures.summary["solver"]  # bounds as shown (raised to 0 where a stage cannot be negative)
    coupled = any(s.solver == "coordinated" for s in r.stages)
    how = (f", {outcome.parts} parts coupled by the budget: prices and a master over part plans)" if coupled
           else f", {outcome.parts} independent parts solved in parallel)" if outcome.parts > 1 else ")")
    last = solver["stages"][-1]["name"] if solver["stages"] else ""
    fmt_last = _fmt("cost" if last == "cost" else "")
    gap = "—" if solver["gap"] is None else f"{100 * solver['gap']:.3f}%"
    bound = "—" if solver["bound"] is None else fmt_last(solver["bound"])
    obj = "—" if solver["objective"] is None else fmt_last(solver["objective"])
    console.print(f"solver [bold]{r.backend}[/]: status [bold]{r.status.value}[/], objective {obj}, bound {bound}, "
                  f"gap {gap}, {r.seconds:.1f} s (build {outcome.build_s:.2f} s" + how, soft_wrap=True)
    console.print(f"settled by: {solver['settled_by']}", soft_wrap=True, markup=False, highlight=False)
    for s in solver["stages"]:
        sg = "—" if s["gap"] is None else f"{100 * s['gap']:.3f}%"
        secs = f"{s['seconds']:.1f} s" + (" summed over parts" if outcome.parts > 1 and not coupled else "")
        fmt = _fmt(s["name"])
        src = f" ({s['bound_source']})" if s["bound"] is not None else ""
        console.print(f"  stage {s['name']} ({s['settled_by']}): {s['status']}, objective {fmt(s['objective'])}, "
                      f"bound {'none' if s['bound'] is None else fmt(s['bound'])}{src}, gap {sg}, {secs}"
                      if s["objective"] is not None else f"  stage {s['name']} ({s['settled_by']}): {s['status']}, "
                      f"{secs}", soft_wrap=True, markup=False, highlight=False)
    if r.interrupted:
        console.print("[bold yellow]interrupted[/]: stopped on request (Ctrl-C); " + (
            "this is the best plan found so far, not proven" if plan is not None else "no plan was found"),
            soft_wrap=True)
    elif outcome.options.deterministic and r.time_limit_hit:
        console.print(f"[bold yellow]not reproducible[/]: the wall-clock safety limit "
                      f"({outcome.options.time_limit_s:g} s) stopped a solve before its work budget; raise "
                      "--time-limit-s (or lower solver.work_limit) for a plan that does not depend on machine load",
                      soft_wrap=True)
    elif outcome.options.deterministic:
        console.print(f"deterministic: limited by work ({r.nodes:,} branch-and-bound nodes), reproducible",
                      soft_wrap=True)
    if plan is None or ev is None:
        why = figures.summary.get("solver", {}).get("message") or r.message or r.status.value
        console.print("[bold red]no plan[/]: ", end="")
        console.print(why, soft_wrap=True, markup=False, highlight=False)
        return
    summ = figures.summary
    t = Table(title="Plan summary")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("spaces taken", f"{plan.n_taken} of {inst.n_spaces}")
    t.add_row("floor area used", f"{summ['floor_area_used_m2']:,.0f} m²")
    t.add_row("cost over the horizon",
              f"{ev.cost_cny:,.0f} CNY" + (f" (budget {inst.budget_cny:,.0f})" if inst.budget_cny else ""))
    t.add_row("objective of the cost stage", objective_words(summ["cost_vs_objective"]))
    t.add_row("m² per 100 households",
              f"{summ['area_per_100hh_before_m2']:.1f} → {summ['area_per_100hh_after_m2']:.1f}")
    t.add_row("communities meeting the area standard",
              f"{summ['communities_meeting_area_before']} → {summ['communities_meeting_area_after']}"
              f" of {inst.n_communities}")
    if inst.hub_required:
        t.add_row("communities with a hub", f"{summ['communities_with_hub']} of {inst.n_communities}")
    t.add_row("service shortfalls (community × service)", f"{summ['coverage_shortfalls']}")
    t.add_row("co-located pairs", f"{ev.colocated_pairs}")
    t.add_row("checker", "all rules hold" if ev.feasible else f"[red]{len(ev.violations)} violations[/]")
    console.print(t)
    if figures.years is not None:
        _print_years(console, figures.years)
    st = Table(title="Floor area by service")
    for col in ("service", "spaces", "floor area m²", "coverage"):
        st.add_column(col, justify="right" if col != "service" else "left")
    for row in figures.services.itertuples():
        st.add_row(inst.catalogue.service_label(row.service), str(row.spaces), f"{row.floor_area_m2:,.0f}",
                   f"{100 * row.coverage:.1f}%")
    console.print(st)
    at = Table(title="Coverage by age group")
    for col in ("age group", "users in demand", "served", "coverage"):
        at.add_column(col, justify="right" if col != "age group" else "left")
    for row in figures.coverage_by_age.itertuples():
        at.add_row(inst.catalogue.age_group_label(row.age_group), f"{row.demand_users:,.0f}",
                   f"{row.served_users:,.0f}", f"{100 * row.coverage:.1f}%")
    console.print(at)


def _print_years(console: Console, years) -> None:
    """Multi-year phasing: one line per year (spending against budget, openings, standards met)."""
    yt = Table(title="Phasing by year")
    for col in ("year", "spending CNY", "budget CNY", "spaces opened", "meeting standards", "pilots meeting",
                "due, not meeting"):
        yt.add_column(col, justify="right")
    for r in years.itertuples():
        budget = "—" if r.budget_cny != r.budget_cny else f"{r.budget_cny:,.0f}"
        yt.add_row(str(r.year), f"{r.spending_cny:,.0f}", budget, f"{r.spaces_opened} ({r.spaces_open} open)",
                   str(r.communities_meeting_standards), f"{r.pilots_meeting_standards} of {r.pilots}",
                   str(r.due_not_meeting))
    console.print(yt)
