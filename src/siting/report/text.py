"""The terminal summary of a solve (rich tables)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from siting.analysis.figures import PlanFigures, plan_figures
from siting.plan import Outcome


def print_summary(console: Console, outcome: Outcome, figures: PlanFigures | None = None) -> None:
    """Print the solver line, one line per stage and, when there is a plan, its key figures,
    floor area by service and coverage by age group (from ``figures``, as in the output folder)."""
    figures = figures if figures is not None else plan_figures(outcome)
    inst, plan, ev, r = outcome.instance, outcome.plan, outcome.evaluation, outcome.result
    gap = "—" if r.gap is None else f"{100 * r.gap:.3f}%"
    bound = "—" if r.bound is None else f"{r.bound:,.6g}"
    obj = "—" if r.objective is None else f"{r.objective:,.6g}"
    coupled = any(s.solver == "coordinated" for s in r.stages)
    how = (f", {outcome.parts} parts coupled by the budget: prices and a master over part plans)" if coupled
           else f", {outcome.parts} independent parts solved in parallel)" if outcome.parts > 1 else ")")
    console.print(f"solver [bold]{r.backend}[/]: status [bold]{r.status.value}[/], objective {obj}, bound {bound}, "
                  f"gap {gap}, {r.seconds:.1f} s (build {outcome.build_s:.2f} s" + how, soft_wrap=True)
    for s in r.stages:
        sg = "—" if s.gap is None else f"{100 * s.gap:.3f}%"
        secs = f"{s.seconds:.1f} s" + (" summed over parts" if outcome.parts > 1 and not coupled else "")
        by = f" by {s.solver}" if s.solver else ""
        src = f" ({s.bound_source})" if s.bound_source else ""
        console.print(f"  stage {s.name}{by}: {s.status.value}, objective {s.objective:,.6g}, "
                      f"bound {'none' if s.bound is None else format(s.bound, ',.6g')}{src}, gap {sg}, {secs}"
                      if s.objective is not None else f"  stage {s.name}{by}: {s.status.value}, {secs}",
                      soft_wrap=True)
    if outcome.options.deterministic and r.time_limit_hit:
        console.print(f"[bold yellow]not reproducible[/]: the wall-clock safety limit "
                      f"({outcome.options.time_limit_s:g} s) stopped a solve before its work budget; raise "
                      "--time-limit-s (or lower solver.work_limit) for a plan that does not depend on machine load",
                      soft_wrap=True)
    elif outcome.options.deterministic:
        console.print(f"deterministic: limited by work ({r.nodes:,} branch-and-bound nodes), reproducible",
                      soft_wrap=True)
    if plan is None or ev is None:
        console.print(f"[bold red]no plan[/]: {r.message}", soft_wrap=True)
        return
    summ = figures.summary
    t = Table(title="Plan summary")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row("spaces taken", f"{plan.n_taken} of {inst.n_spaces}")
    t.add_row("floor area used", f"{summ['floor_area_used_m2']:,.0f} m²")
    t.add_row("cost over the horizon",
              f"{ev.cost_cny:,.0f} CNY" + (f" (budget {inst.budget_cny:,.0f})" if inst.budget_cny else ""))
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
