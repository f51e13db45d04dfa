"""Independent checker: recompute every rule and objective of a plan without a solver.

``evaluate(instance, plan)`` uses only the instance's arrays and the plan's decisions — not
the model builder's index sets — so a bug in the builder shows up as a violation here.
Rules checked (numbers as in docs/model.md): taken/forbidden/required spaces (V1),
hosting only in taken spaces and where allowed (C1, M3), minimum service area (C2),
floor area with time-share groups counted once (C3–C4), capacity (C5), walking limit
and demand (C6), attribution within reach and within used area (C8), hub rule (C10–C13),
budget (C14). Objectives recomputed: shortfall (O1), weighted users served (O2), cost
minus co-location bonus (O3), worst coverage (O4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from siting.analysis.phasing_check import check_phasing
from siting.core.instance import Instance
from siting.core.phasing import phasing_of
from siting.plan import Evaluation, Plan, Violation, used_area_m2


def _tol(x: Any) -> Any:
    """Absolute tolerance of a value or array: 1e-6 × max(1, |x|) (same shape as ``x``)."""
    return 1e-6 * np.maximum(1.0, np.abs(x))


def evaluate(inst: Instance, plan: Plan) -> Evaluation:
    """Check ``plan`` against every rule of ``inst`` and recompute its objectives, without a solver.

    Parameters
    ----------
    inst : Instance
        The instance the plan is for.
    plan : Plan
        Decisions from any source: a solver, a file, a planner's hand edit.

    Returns
    -------
    Evaluation
        ``violations`` (empty when the plan is feasible; ``feasible`` says so), used floor
        area per space, users served, coverage and area shortfalls, hub shortfalls, cost and
        its breakdown, and the objectives (shortfall O1, weighted users served O2, cost O3,
        worst coverage O4).

    Notes
    -----
    Only the instance's arrays and the plan's decisions are read, never the model builder's
    index sets, so a builder bug shows up here as a violation. At most 20 violations are
    listed per check. The rules are those of the module docstring (numbers as in
    ``docs/model.md``).
    """
    J, S, C = inst.n_spaces, inst.n_services, inst.n_communities
    sids, cids, jids = inst.service_ids, inst.community_ids, inst.space_ids
    out: list[Violation] = []

    def flag(rule: str, idx: Any, where: Callable[[int], str], message: Callable[[int], str]) -> None:
        for i in np.flatnonzero(idx)[:20]:
            out.append(Violation(rule, where(i), message(i)))

    taken, hosted, area = plan.taken.astype(bool), plan.hosted.astype(bool), plan.service_area_m2
    # (V1) status
    flag("space_status", taken & inst.forbidden, lambda j: f"space {jids[j]}", lambda j: "forbidden space is taken")
    flag("space_status", ~taken & inst.must_take, lambda j: f"space {jids[j]}",
         lambda j: "required/locked space not taken")
    # (C1) host in taken spaces; (M3) allowed
    bad = hosted & ~taken[:, None]
    flag("host_requires_open", bad.any(axis=1), lambda j: f"space {jids[j]}",
         lambda j: "hosts services but is not taken")
    bad = hosted & ~inst.allowed
    flag("allowed_services", bad.any(axis=1), lambda j: f"space {jids[j]}",
         lambda j: f"hosts {[sids[s] for s in np.flatnonzero(bad[j])]} not allowed "
                   f"(floor {inst.spaces['floor'].iloc[j]}, exclusions or forbidden)")
    # (C2) minimum area / no area without hosting
    bad = hosted & (area < inst.min_area_m2[None, :] - _tol(inst.min_area_m2)[None, :])
    flag("min_service_area", bad.any(axis=1), lambda j: f"space {jids[j]}",
         lambda j: "a hosted service is below its minimum area")
    bad = ~hosted & (area > 1e-6)
    flag("min_service_area", bad.any(axis=1), lambda j: f"space {jids[j]}",
         lambda j: "floor area given to a service it does not host")
    # (C3-C4) used area with time-share groups counted once
    used = used_area_m2(area, inst.share_group)
    flag("space_capacity", used > inst.area_m2 + _tol(inst.area_m2), lambda j: f"space {jids[j]}",
         lambda j: f"uses {used[j]:.1f} m² of {inst.area_m2[j]:.1f} m²")
    # service links: reach, walking limit, capacity, demand
    c, j, s, users = plan.served_community, plan.served_space, plan.served_service, plan.served_users
    walk = inst.walk_min_of(c, j)
    flag("walking_limit", ~(walk <= inst.max_walk_min[s] + 1e-9),
         lambda k: f"community {cids[c[k]]} → space {jids[j[k]]}",
         lambda k: f"{sids[s[k]]}: {walk[k]:.1f} min beyond the {inst.max_walk_min[s[k]]:.0f}-min limit")
    flag("service_capacity", users < -1e-9, lambda k: f"link {k}", lambda k: "negative users")
    cap_use = np.zeros((J, S))
    np.add.at(cap_use, (j, s), users)
    cap = area / inst.m2_per_user[None, :]
    bad = cap_use > cap + _tol(cap)
    flag("service_capacity", bad.any(axis=1), lambda jj: f"space {jids[jj]}",
         lambda jj: "serves more users than its floor area allows")
    flag("service_capacity", (cap_use > 1e-9).any(axis=1) & ~hosted.any(axis=1), lambda jj: f"space {jids[jj]}",
         lambda jj: "serves users without hosting")
    served = np.zeros((C, S))
    np.add.at(served, (c, s), users)
    residual = inst.residual_demand_users
    bad = served > residual + _tol(residual)
    flag("demand_limit", bad.any(axis=1), lambda cc: f"community {cids[cc]}",
         lambda cc: "served more users than its demand")
    # (C8) attribution
    ac, aj, am = plan.attributed_community, plan.attributed_space, plan.attributed_m2
    awalk = inst.walk_min_of(ac, aj)
    flag("attribution", ~(awalk <= inst.preset.area_reach_min + 1e-9),
         lambda k: f"community {cids[ac[k]]} ← space {jids[aj[k]]}",
         lambda k: "area attributed beyond the area-standard reach")
    per_space = np.zeros(J)
    np.add.at(per_space, aj, am)
    flag("attribution", per_space > used + _tol(used), lambda jj: f"space {jids[jj]}",
         lambda jj: f"attributes {per_space[jj]:.1f} m² but uses {used[jj]:.1f} m²")
    flag("attribution", am < -1e-9, lambda k: f"attribution {k}", lambda k: "negative area")
    existing_total = inst.existing_m2.sum(axis=1)
    provided = existing_total.copy()
    np.add.at(provided, ac, am)
    area_short = np.maximum(inst.required_area_m2 - provided, 0.0)
    # below these thresholds a "shortfall" is solver feasibility tolerance (~1e-6), not a shortfall
    area_short[area_short < 1e-5 * np.maximum(1, inst.required_area_m2)] = 0.0
    # (C10-C13) hubs
    hub_short = np.zeros(C, dtype=bool)
    if inst.hub_required:
        hub_short = (plan.hub_space < 0) & inst.needs_hub  # no hub requirement without households
        out.extend(_check_hubs(inst, plan, used))
    # (C14) cost and budget
    T = inst.settings.horizon_years
    spa = inst.spaces
    breakdown = {
        "acquisition_cny": float(spa["acquisition_cny"].to_numpy(float) @ taken),
        "rent_cny": float(spa["rent_cny_per_year"].to_numpy(float) @ taken * T),
        "retrofit_cny": float(spa["retrofit_cny_per_m2"].to_numpy(float) @ used),
        "operating_cny": float(spa["operating_cny_per_m2_year"].to_numpy(float) @ used * T),
    }
    cost = float(inst.fixed_cost_cny @ taken + inst.per_m2_cost_cny @ used)
    ph = phasing_of(inst)
    pc = None
    if ph is not None:  # multi-year phasing: yearly rules, lifecycle cost from the opening years
        pc = check_phasing(inst, ph, plan, used)
        out.extend(pc.violations)
        cost, breakdown = pc.cost_cny, pc.breakdown_cny
    if inst.budget_cny is not None and cost > inst.budget_cny + _tol(inst.budget_cny):
        out.append(Violation("budget", "plan", f"costs {cost:,.0f} CNY over the budget of {inst.budget_cny:,.0f} CNY"))
    # objectives
    need = inst.coverage_need_users
    cov_short = np.maximum(need - served, 0.0)
    cov_short[cov_short < 1e-5 * np.maximum(1, need)] = 0.0
    # standards made hard with objective.enforce: any shortfall breaks the plan
    enforce = set(inst.settings.objective.enforce)
    if "area" in enforce:
        flag("area", area_short > _tol(inst.required_area_m2), lambda c: f"community {cids[c]}",
             lambda c: f"{area_short[c]:,.1f} m² short of the enforced area standard")
    if "hub" in enforce:
        flag("hub", hub_short, lambda c: f"community {cids[c]}", lambda c: "no hub, though the hub rule is enforced")
    if "coverage" in enforce:
        short_c = (cov_short > _tol(need)).any(axis=1)
        flag("coverage", short_c, lambda c: f"community {cids[c]}",
             lambda c: f"{cov_short[c].sum():,.1f} users short of enforced coverage")
    p = inst.priority
    with np.errstate(divide="ignore", invalid="ignore"):
        area_share = np.where(inst.required_area_m2 > 0, area_short / inst.required_area_m2, 0.0)
        cov_share = np.where(inst.demand_users > 0, cov_short / inst.demand_users, 0.0)
    shortfall = float(p @ (area_share + hub_short.astype(float) + cov_share.sum(axis=1)))
    if pc is not None:
        shortfall += pc.early_shortfall  # (O1'): yearly shortfalls before the last year
    weighted = float((inst.served_weight * served).sum())
    pairs = inst.colocation
    coloc = int((hosted[:, pairs[:, 0]] & hosted[:, pairs[:, 1]]).sum()) if pairs.size else 0
    D, E = inst.demand_users.sum(axis=1), inst.existing_served.sum(axis=1)
    has = D > 1e-9
    min_cov = float(np.min((E[has] + served.sum(axis=1)[has]) / D[has])) if has.any() else 1.0
    objectives = {
        "shortfall": shortfall,
        "weighted_served": weighted,
        "cost": cost - inst.colocation_bonus * coloc,
        "min_coverage": min_cov,
    }
    return Evaluation(tuple(out), used, served, need, cov_short, provided, area_short, hub_short, cost, breakdown,
                      shortfall, weighted, coloc, min_cov, objectives, None if pc is None else pc.yearly)


def _check_hubs(inst: Instance, plan: Plan, used: np.ndarray) -> list[Violation]:
    hub = inst.preset.hub
    cids, jids = inst.community_ids, inst.space_ids
    out: list[Violation] = []
    has = np.flatnonzero(plan.hub_space >= 0)
    if has.size == 0:
        return out
    hj = plan.hub_space[has]
    walk = inst.walk_min_of(has, hj)
    n_func = plan.hosted.sum(axis=1)
    n_core = (plan.hosted & inst.hub_core[None, :]).sum(axis=1)
    for c, j, w in zip(has, hj, walk):
        where = f"community {cids[c]} hub {jids[j]}"
        if not plan.taken[j]:
            out.append(Violation("hub", where, "hub space is not taken"))
        if not w <= hub.reach_min + 1e-9:
            out.append(Violation("hub", where, f"hub beyond the {hub.reach_min:.0f}-min reach"))
        if used[j] < inst.hub_min_area_m2[c] - _tol(inst.hub_min_area_m2[c]):
            out.append(Violation("hub", where, f"uses {used[j]:.0f} m² < hub minimum {inst.hub_min_area_m2[c]:.0f} m²"))
        if n_func[j] < hub.min_functions:
            out.append(Violation("hub", where, f"{n_func[j]} functions < {hub.min_functions}"))
        if n_core[j] < hub.min_core_functions:
            out.append(Violation("hub", where, f"{n_core[j]} core functions < {hub.min_core_functions}"))
    spaces, counts = np.unique(hj, return_counts=True)
    adj = {(int(a), int(b)) for a, b in inst.adjacency}
    for j in spaces[counts > 1]:
        members = np.sort(has[hj == j])
        if not inst.settings.hubs.shared:
            out.append(Violation("hub", f"space {jids[j]}", f"hub of {len(members)} communities but sharing is off"))
            continue
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                if (int(members[a]), int(members[b])) not in adj:
                    out.append(Violation("hub", f"space {jids[j]}",
                                         f"shared by non-adjacent {cids[members[a]]} and {cids[members[b]]}"))
    return out
