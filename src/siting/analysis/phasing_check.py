"""Independent checker of the multi-year rules (REQUIREMENTS D10), plain numpy, no solver.

:func:`check_phasing` reads only the instance's phasing data (:func:`siting.core.phasing.phasing_of`)
and the plan's opening years; it never looks at the model. Rules (docs/model.md, phasing):
availability (a space opens no earlier than its first available year), required / locked
spaces open in their first available year, one opening year per taken space (so opening is
monotone by construction), yearly budgets (cumulative with carry-over), due targets hard
where ``objective.enforce`` names the rule. It recomputes the lifecycle cost (P8) and the
yearly shortfall terms of (O1').
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.core.instance import Instance
from siting.core.phasing import PhasingData
from siting.plan import Plan, Violation, YearlyFigures


@dataclass(frozen=True)
class PhasingCheck:
    violations: tuple[Violation, ...]
    yearly: YearlyFigures
    cost_cny: float
    breakdown_cny: dict[str, float]
    early_shortfall: float  # Σ_{t<L} Σ_c w_ct p_c (area share + hub), the yearly part of (O1')


def _tol(x: np.ndarray | float) -> np.ndarray | float:
    return 1e-6 * np.maximum(1.0, np.abs(x))


def check_phasing(inst: Instance, ph: PhasingData, plan: Plan, used_m2: np.ndarray) -> PhasingCheck:
    """Check the yearly rules of ``plan`` and recompute its yearly figures and phased cost."""
    jids, cids = inst.space_ids, inst.community_ids
    out: list[Violation] = []
    taken = plan.taken.astype(bool)
    T = ph.n_years
    if plan.open_year is None:
        out.append(Violation("phasing", "plan", "no opening years: every taken space is read as opening in the "
                                                "first year"))
        oy = np.where(taken, 0, -1)
    else:
        oy = np.asarray(plan.open_year, dtype=np.int64)
    years = ph.years

    def flag(rule: str, idx: np.ndarray, msg) -> None:
        for j in np.flatnonzero(idx)[:20]:
            out.append(Violation(rule, f"space {jids[j]}", msg(j)))

    flag("phasing", taken & ((oy < 0) | (oy >= T)), lambda j: f"taken but its opening year index {oy[j]} is not "
                                                              f"one of the {T} years")
    flag("phasing", ~taken & (oy >= 0), lambda j: "has an opening year but is not taken")
    oy = np.where(taken & (oy >= 0) & (oy < T), oy, np.where(taken, 0, -1))
    flag("availability", taken & (oy < ph.start), lambda j: f"opens in {years[oy[j]]} before it is available "
                                                            f"({years[ph.start[j]]})")
    flag("availability", inst.must_take & (oy != ph.start),
         lambda j: f"required/locked space opens in {years[oy[j]] if oy[j] >= 0 else 'no year'}, expected its "
                   f"first available year {years[ph.start[j]]}")
    spend = ph.spending_cny(oy, used_m2)
    rows = ph.budget_rows_cny()
    if rows is not None:
        got = np.cumsum(spend) if ph.carry_over else spend
        for t_over in np.flatnonzero(got > rows + _tol(rows)):
            what = "spends up to" if ph.carry_over else "spends in"
            cumulative = "cumulative " if ph.carry_over else ""
            out.append(Violation("budget", f"year {years[t_over]}",
                                 f"{what} {years[t_over]} {got[t_over]:,.0f} CNY over the {cumulative}budget of "
                                 f"{rows[t_over]:,.0f} CNY"))
    # yearly standards: area from spaces open by t, hubs in spaces open by t
    ac, aj, am = plan.attributed_community, plan.attributed_space, plan.attributed_m2
    existing = inst.existing_m2.sum(axis=1)
    C = inst.n_communities
    area_short = np.zeros((T, C))
    hub_short = np.zeros((T, C), dtype=bool)
    served = np.zeros(T)
    for t in range(T):
        open_t = (oy >= 0) & (oy <= t)
        provided = existing.copy()
        keep = open_t[aj]
        np.add.at(provided, ac[keep], am[keep])
        short = np.maximum(inst.required_area_m2 - provided, 0.0)
        short[short < 1e-5 * np.maximum(1, inst.required_area_m2)] = 0.0
        area_short[t] = short
        if inst.hub_required:
            hs = plan.hub_space
            has = hs >= 0
            ok = np.zeros(C, dtype=bool)
            ok[has] = open_t[hs[has]]
            hub_short[t] = ~ok & inst.needs_hub
        served[t] = float(plan.served_users[open_t[plan.served_space]].sum())
    enforce = set(inst.settings.objective.enforce)
    for rule, bad in (("area", area_short > 0), ("hub", hub_short)):
        if rule in enforce:
            for t, c in zip(*np.nonzero(bad & ph.due)):
                if len(out) < 200:
                    out.append(Violation("target", f"community {cids[c]} in {years[t]}",
                                         f"enforced {rule} standard not met in a year it is due"))
    p = inst.priority
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(inst.required_area_m2 > 0, area_short / inst.required_area_m2, 0.0)
    w = ph.year_weight()
    early = float(((w * p[None, :]) * (share + hub_short))[:-1].sum())
    n_open = ph.open_years(oy)
    breakdown = {
        "acquisition_cny": float(ph.acquisition_cny @ taken),
        "rent_cny": float(ph.rent_cny_per_year @ n_open),
        "retrofit_cny": float(ph.retrofit_cny_per_m2 @ used_m2),
        "operating_cny": float(ph.operating_cny_per_m2_year @ (used_m2 * n_open)),
    }
    cost = float(sum(breakdown.values()))
    t_idx = np.arange(T)[:, None]
    yearly = YearlyFigures(years, spend, ph.budget_cny, ph.carry_over,
                           ((oy[None, :] == t_idx) & taken).sum(axis=1),
                           ((oy[None, :] >= 0) & (oy[None, :] <= t_idx)).sum(axis=1),
                           area_short, hub_short, ph.due,
                           inst.communities["pilot"].to_numpy(bool) if "pilot" in inst.communities
                           else np.zeros(C, bool), served)
    return PhasingCheck(tuple(out), yearly, cost, breakdown, early)
