"""Plan → DataFrames / GeoDataFrames and a summary dict (the planner's figures).

Everything here reads an :class:`~siting.core.instance.Instance`, a :class:`~siting.plan.Plan`
and its :class:`~siting.plan.Evaluation`; nothing is recomputed differently from the
checker.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely import linestrings

from siting.analysis import phasing_tables
from siting.core.catalogue import AGE_GROUPS
from siting.core.instance import Instance
from siting.core.phasing import phasing_of
from siting.plan import Evaluation, Plan

F = TypeVar("F", bound=Callable[..., Any])

# the parameters every table function shares, documented once (:func:`_plan_parameters`)
_PARAMETERS = {"inst": ("Instance", "The instance."), "plan": ("Plan", "The plan."),
               "ev": ("Evaluation", "The plan's :func:`~siting.analysis.evaluate.evaluate`.")}
_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{parameters\}[ \t]*$", re.M)


def _plan_parameters(func: F) -> F:
    """Replace the ``{parameters}`` line of ``func``'s docstring by its NumPy-style "Parameters"
    header and an entry for each of ``inst``, ``plan``, ``ev`` it takes (in its order); the
    docstring's own entries for further parameters follow that line."""
    names = [n for n in inspect.signature(func).parameters if n in _PARAMETERS]
    entries = ["Parameters", "----------"]
    for n in names:
        entries += [f"{n} : {_PARAMETERS[n][0]}", f"    {_PARAMETERS[n][1]}"]

    def fill(m: re.Match[str]) -> str:
        return "\n".join(m["indent"] + line for line in entries)

    if func.__doc__:
        func.__doc__ = _PLACEHOLDER.sub(fill, func.__doc__, count=1)
    return func


def _before_after_area(inst: Instance, ev: Evaluation) -> tuple[np.ndarray, np.ndarray]:
    hh = np.where(inst.households > 0, inst.households, np.nan)
    before = inst.existing_m2.sum(axis=1) / hh * 100.0
    after = ev.area_provided_m2 / hh * 100.0
    return before, after


@_plan_parameters
def community_table(inst: Instance, plan: Plan, ev: Evaluation) -> gpd.GeoDataFrame:
    """One row per community: area per 100 households before/after, hub, coverage, shortfalls.

    {parameters}

    Returns
    -------
    geopandas.GeoDataFrame
        ``community_id``, name, district, street, kind, households, health score, priority,
        ``required_area_m2``, ``area_before_m2`` / ``area_after_m2``, ``area_per_100hh_before_m2`` /
        ``_after_m2``, ``area_short_m2``, ``meets_area_before`` / ``_after``, ``hub_space_id``,
        ``has_hub``, ``demand_users``, users served by existing and new facilities,
        ``coverage_before`` / ``coverage_after`` and ``coverage_short_users``, on the
        communities' geometry.
    """
    com = inst.communities
    before, after = _before_after_area(inst, ev)
    D = inst.demand_users.sum(axis=1)
    E = inst.existing_served.sum(axis=1)
    served = ev.served_users.sum(axis=1)
    df = pd.DataFrame({
        "community_id": com["community_id"],
        "name": com["name"],
        "district": com["district"],
        "street": com["street"],
        "kind": com["kind"],
        "households": inst.households,
        "health_score": com["health_score"],
        "priority": inst.priority,
        "required_area_m2": inst.required_area_m2,
        "area_before_m2": inst.existing_m2.sum(axis=1),
        "area_after_m2": ev.area_provided_m2,
        "area_per_100hh_before_m2": before,
        "area_per_100hh_after_m2": after,
        "area_short_m2": ev.area_short_m2,
        "meets_area_before": inst.existing_m2.sum(axis=1) >= inst.required_area_m2 - 1e-6,
        "meets_area_after": ev.area_short_m2 <= 1e-6,
        "hub_space_id": [inst.space_ids[j] if j >= 0 else "" for j in plan.hub_space],
        "has_hub": plan.hub_space >= 0,
        "demand_users": D,
        "served_existing_users": E,
        "served_new_users": served,
        "coverage_before": np.where(D > 0, E / np.where(D > 0, D, 1), 1.0),
        "coverage_after": np.where(D > 0, (E + served) / np.where(D > 0, D, 1), 1.0),
        "coverage_short_users": ev.coverage_short_users.sum(axis=1),
    })
    return gpd.GeoDataFrame(df, geometry=com.geometry.values, crs=com.crs)


@_plan_parameters
def space_table(inst: Instance, plan: Plan, ev: Evaluation, taken_only: bool = True) -> gpd.GeoDataFrame:
    """One row per (taken) space: services hosted, floor area used, costs over the horizon.

    {parameters}
    taken_only : bool
        Only the spaces taken (default); ``False``: every candidate, with column ``taken``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``space_id``, name, source, floor, ``status``, ``taken``, ``area_m2``, ``used_area_m2``,
        ``services`` (``;``-separated ids), ``n_services``, ``hub_of`` (community ids), fixed,
        area and total cost, ``operating_cny_per_year`` and ``area_m2_<service>``, on the
        spaces' geometry.
    """
    spa = inst.spaces
    hosted = [";".join(inst.service_ids[s] for s in np.flatnonzero(plan.hosted[j])) for j in range(inst.n_spaces)]
    hub_of: dict[int, list[str]] = {}
    for c, j in enumerate(plan.hub_space):
        if j >= 0:
            hub_of.setdefault(int(j), []).append(inst.community_ids[c])
    df = pd.DataFrame({
        "space_id": spa["space_id"],
        "name": spa["name"],
        "source": spa["source"],
        "floor": spa["floor"],
        "status": spa["status"],
        "taken": plan.taken,
        "area_m2": inst.area_m2,
        "used_area_m2": ev.used_area_m2,
        "services": hosted,
        "n_services": plan.hosted.sum(axis=1),
        "hub_of": [";".join(hub_of.get(j, [])) for j in range(inst.n_spaces)],
        "fixed_cost_cny": inst.fixed_cost_cny * plan.taken,
        "area_cost_cny": inst.per_m2_cost_cny * ev.used_area_m2,
        "operating_cny_per_year": spa["operating_cny_per_m2_year"].to_numpy(float) * ev.used_area_m2
        + spa["rent_cny_per_year"].to_numpy(float) * plan.taken,
    })
    df["total_cost_cny"] = df["fixed_cost_cny"] + df["area_cost_cny"]
    opens = phasing_tables.open_calendar_year(plan, ev)
    if opens is not None:  # multi-year phasing: the year the space and its services open
        df["open_year"] = opens.to_numpy()
        ph = phasing_of(inst)
        assert ph is not None and plan.open_year is not None
        n_open = ph.open_years(np.where(plan.taken, plan.open_year, -1))  # rent and operating from the opening
        df["fixed_cost_cny"] = (ph.acquisition_cny + ph.rent_cny_per_year * n_open) * plan.taken
        df["area_cost_cny"] = (ph.retrofit_cny_per_m2 + ph.operating_cny_per_m2_year * n_open) * ev.used_area_m2
        df["total_cost_cny"] = df["fixed_cost_cny"] + df["area_cost_cny"]
    for s, sid in enumerate(inst.service_ids):
        df[f"area_m2_{sid}"] = plan.service_area_m2[:, s]
    gdf = gpd.GeoDataFrame(df, geometry=spa.geometry.values, crs=spa.crs)
    return gdf[gdf["taken"]].reset_index(drop=True) if taken_only else gdf


@_plan_parameters
def link_table(inst: Instance, plan: Plan) -> gpd.GeoDataFrame:
    """Who is served where: one row per (community, space, service) with users and minutes.

    {parameters}

    Returns
    -------
    geopandas.GeoDataFrame
        ``community_id``, ``space_id``, ``service``, ``users``, ``walk_min``, each a line from
        the community to the space.
    """

    c, j, s = plan.served_community, plan.served_space, plan.served_service
    cxy = inst.communities[["x", "y"]].to_numpy()[c]
    sxy = inst.spaces[["x", "y"]].to_numpy()[j]
    geom = linestrings(np.stack([cxy, sxy], axis=1)) if c.size else []
    df = pd.DataFrame({
        "community_id": np.asarray(inst.community_ids)[c],
        "space_id": np.asarray(inst.space_ids)[j],
        "service": np.asarray(inst.service_ids)[s],
        "users": plan.served_users,
        "walk_min": inst.walk_min_of(c, j),
    })
    return gpd.GeoDataFrame(df, geometry=geom, crs=inst.communities.crs)


@_plan_parameters
def shortfall_table(inst: Instance, plan: Plan, ev: Evaluation) -> pd.DataFrame:
    """Every standard not met, with a reason in planner's words (never silently dropped) and what
    would fix it (``fix``: :mod:`siting.analysis.remedies`).

    {parameters}

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``rule`` (coverage | area | hub), ``item`` (the service, or the
        standard), ``required``, ``short``, ``unit``, ``reason`` and ``fix``; no rows when every
        standard is met.
    """
    from siting.analysis.remedies import Remedies

    fixes = Remedies(inst, plan, ev)
    rows: list[dict[str, Any]] = []
    cids = inst.community_ids
    budget_bound = inst.budget_cny is not None and ev.cost_cny >= inst.budget_cny * (1 - 1e-3)
    reach = inst.reach
    reachable = np.zeros((inst.n_communities, inst.n_services))  # users that reachable allowed spaces could hold
    for s in range(inst.n_services):
        ok = reach.within(inst.max_walk_min[s]) & inst.allowed[reach.space, s]
        np.add.at(reachable[:, s], reach.community[ok], inst.area_m2[reach.space[ok]] / inst.m2_per_user[s])
    for c, s in zip(*np.nonzero(ev.coverage_short_users > 1e-6)):
        if reachable[c, s] <= 1e-9:
            why = f"no space within {inst.max_walk_min[s]:.0f} min may host it (walking limit, floor or exclusions)"
        elif reachable[c, s] < ev.coverage_need[c, s] - 1e-6:
            why = "spaces within the walking limit are too small for the demand"
        elif budget_bound:
            why = "budget exhausted"
        else:
            why = "reachable spaces are used by other services or communities"
        rows.append({"community_id": cids[c], "rule": "coverage", "item": inst.service_ids[s],
                     "required": ev.coverage_need[c, s], "short": ev.coverage_short_users[c, s], "unit": "users",
                     "reason": why, "fix": fixes.coverage(int(c), int(s), why)})
    for c in np.flatnonzero(ev.area_short_m2 > 1e-6):
        n_reach = int(np.sum(reach.within(inst.preset.area_reach_min) & (reach.community == c)))
        why = ("no candidate space within the area-standard reach" if n_reach == 0 else
               "budget exhausted" if budget_bound else "spaces within reach are too small or used by others")
        rows.append({"community_id": cids[c], "rule": "area", "item": "m2 per 100 households",
                     "required": inst.required_area_m2[c], "short": ev.area_short_m2[c], "unit": "m2", "reason": why,
                     "fix": fixes.area(int(c), why)})
    for c in np.flatnonzero(ev.hub_short):
        why = ("no taken space within reach meets the hub minimum area and 3 functions (2 core)"
               if not budget_bound else "budget exhausted before a qualifying hub")
        rows.append({"community_id": cids[c], "rule": "hub", "item": "combined service hub",
                     "required": 1.0, "short": 1.0, "unit": "hub", "reason": why, "fix": fixes.hub(int(c), why)})
    return pd.DataFrame(rows, columns=["community_id", "rule", "item", "required", "short", "unit", "reason", "fix"])


@_plan_parameters
def coverage_by_age(inst: Instance, ev: Evaluation) -> pd.DataFrame:
    """Users in demand and served (existing + new) by age group, over all services.

    {parameters}

    Returns
    -------
    pandas.DataFrame
        ``age_group``, ``demand_users``, ``served_users`` and ``coverage`` (1 without demand).
    """
    D = inst.demand_users
    total = inst.existing_served + ev.served_users
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(D[:, :, None] > 0, inst.demand_by_age / D[:, :, None], 0.0)
    served_age = (total[:, :, None] * share).sum(axis=(0, 1))
    demand_age = inst.demand_by_age.sum(axis=(0, 1))
    return pd.DataFrame({
        "age_group": list(AGE_GROUPS),
        "demand_users": demand_age,
        "served_users": served_age,
        "coverage": np.where(demand_age > 0, served_age / np.where(demand_age > 0, demand_age, 1), 1.0),
    })


@_plan_parameters
def service_table(inst: Instance, plan: Plan, ev: Evaluation) -> pd.DataFrame:
    """Per service: spaces hosting it, floor area, demand, users served and coverage.

    {parameters}

    Returns
    -------
    pandas.DataFrame
        ``service``, ``spaces``, ``floor_area_m2``, ``demand_users``, ``served_users``
        (existing and new facilities) and ``coverage`` (1 without demand).
    """
    D = inst.demand_users.sum(axis=0)
    total = (inst.existing_served + ev.served_users).sum(axis=0)
    out = pd.DataFrame({
        "service": list(inst.service_ids),
        "spaces": plan.hosted.sum(axis=0),
        "floor_area_m2": plan.service_area_m2.sum(axis=0),
        "demand_users": D,
        "served_users": total,
        "coverage": np.where(D > 0, total / np.where(D > 0, D, 1), 1.0),
    })
    if ev.yearly is not None and plan.open_year is not None:  # phasing: spaces hosting it, open by each year
        oy = np.where(plan.taken, plan.open_year, -1)
        for t, year in enumerate(ev.yearly.years):
            out[f"spaces_open_{int(year)}"] = (plan.hosted & ((oy >= 0) & (oy <= t))[:, None]).sum(axis=0)
    return out


def summary(inst: Instance, plan: Plan | None, ev: Evaluation | None, result: Any, build_s: float,
            model_size: dict[str, int]) -> dict[str, Any]:
    """A JSON-ready summary of a solve (``summary.json``).

    Parameters
    ----------
    inst : Instance
        The instance.
    plan : Plan or None
        The plan (``None``: only the instance and solver figures).
    ev : Evaluation or None
        Its evaluation.
    result : SolveResult
        The solver-neutral result (status, objective, bound, stages).
    build_s : float
        Seconds spent building the model.
    model_size : dict of str to int
        Rows, columns, nonzeros, … of the model.

    Returns
    -------
    dict
        Scenario, mode, standard, budget, sizes and solver figures; with a plan also the
        checker's verdict, spaces taken, floor area, costs, standards met before / after,
        hubs, objectives and coverage by age group.
    """
    out: dict[str, Any] = {
        "scenario": inst.name,
        "applied_overrides": list(inst.applied_overrides),
        "mode": inst.settings.objective.mode,
        "standard": inst.settings.standard,
        "budget_cny": inst.budget_cny,
        "horizon_years": inst.settings.horizon_years,
        "communities": inst.n_communities,
        "candidate_spaces": inst.n_spaces,
        "reach_pairs": inst.reach.n_pairs,
        "model": model_size,
        "build_s": build_s,
        "solver": {
            "backend": result.backend,
            # Ctrl-C: the best plan so far, not proven (``interrupted`` true, ``proven`` false)
            "status": "interrupted" if getattr(result, "interrupted", False) else result.status.value,
            "interrupted": bool(getattr(result, "interrupted", False)),
            "proven": result.status.value == "optimal",
            "objective": result.objective,
            "bound": result.bound,
            "gap": result.gap,
            "seconds": result.seconds,
            "stages": [
                {"name": s.name, "status": s.status.value, "objective": s.objective, "bound": s.bound,
                 "gap": s.gap, "seconds": s.seconds, "solver": s.solver,
                 "bound_source": s.bound_source or "no bound", "nodes": s.nodes,
                 "time_limit_hit": s.time_limit_hit} for s in result.stages
            ],
            "nodes": result.nodes,
            "time_limit_hit": result.time_limit_hit,
            "message": result.message,
        },
    }
    if plan is None or ev is None:
        return out
    meets_before = inst.existing_m2.sum(axis=1) >= inst.required_area_m2 - 1e-6
    out.update({
        "feasible_by_checker": ev.feasible,
        "violations": [str(v) for v in ev.violations],
        "spaces_taken": plan.n_taken,
        "floor_area_used_m2": float(ev.used_area_m2.sum()),
        "cost_cny": ev.cost_cny,
        "cost_breakdown_cny": ev.cost_breakdown_cny,
        "operating_cny_per_year": float(inst.spaces["operating_cny_per_m2_year"].to_numpy(float) @ ev.used_area_m2
                                        + inst.spaces["rent_cny_per_year"].to_numpy(float) @ plan.taken),
        "communities_meeting_area_before": int(meets_before.sum()),
        "communities_meeting_area_after": int((ev.area_short_m2 <= 1e-6).sum()),
        "area_per_100hh_before_m2": float(inst.existing_m2.sum() / inst.households.sum() * 100),
        "area_per_100hh_after_m2": float(ev.area_provided_m2.sum() / inst.households.sum() * 100),
        "communities_with_hub": int((plan.hub_space >= 0).sum()) if inst.hub_required else None,
        "coverage_shortfalls": int((ev.coverage_short_users > 1e-6).sum()),
        "colocated_pairs": ev.colocated_pairs,
        "objectives": ev.objectives,
        "min_community_coverage": ev.min_coverage,
        "coverage_by_age": coverage_by_age(inst, ev).to_dict("records"),
        **_comparison_figures(inst, plan, ev),
    })
    phased = phasing_tables.phasing_summary(inst, plan, ev)
    if phased is not None:
        out["phasing"] = phased
    return out


def weighted_coverage(inst: Instance, weighted_served: float) -> float:
    """Priority-weighted coverage of the demand for a given weighted count of new users served.

    Parameters
    ----------
    inst : Instance
        The validated instance: its demand, the users its existing facilities serve and the
        priority weight of each community and age group.
    weighted_served : float
        Σ w·S, the priority-weighted users the plan's new facilities serve (a plan's figure, or a
        bound on it).

    Returns
    -------
    float
        (Σ w·E + weighted_served) ÷ Σ w·D with E the users existing facilities serve and D the
        demand; 1 when there is no weighted demand.
    """
    w = inst.served_weight
    demand_w = float((w * inst.demand_users).sum())
    if demand_w <= 0:
        return 1.0
    return (float((w * inst.existing_served).sum()) + float(weighted_served)) / demand_w


def _comparison_figures(inst: Instance, plan: Plan, ev: Evaluation) -> dict[str, Any]:
    """The figures a scenario comparison and a sweep's trade-off curve read: spaces taken by source,
    floor area by domain, priority-weighted coverage, communities meeting the hub rule and the
    user-weighted mean walking time of the new links."""
    taken = plan.taken.astype(bool)
    sources = inst.spaces["source"].astype(str).to_numpy()[taken]
    by_source = {str(k): int(v) for k, v in zip(*np.unique(sources, return_counts=True))}
    by_domain: dict[str, float] = {}
    for s, sid in enumerate(inst.service_ids):
        dom = inst.catalogue.services[sid].domain
        by_domain[dom] = by_domain.get(dom, 0.0) + float(plan.service_area_m2[:, s].sum())
    users = plan.served_users
    walk = inst.walk_min_of(plan.served_community, plan.served_space) if users.size else np.zeros(0)
    return {
        "spaces_by_source": by_source,
        "floor_area_by_domain_m2": by_domain,
        "weighted_coverage": weighted_coverage(inst, float((inst.served_weight * ev.served_users).sum())),
        "communities_meeting_hub_rule": int((~ev.hub_short.astype(bool)).sum()) if inst.hub_required else None,
        "mean_walk_min": float(users @ walk / users.sum()) if users.sum() > 0 else None,
    }
