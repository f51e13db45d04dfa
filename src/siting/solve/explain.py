"""Why no plan exists: a minimal set of the user's hard settings that cannot all hold.

When the program is infeasible, one of the user's hard settings is to blame: the budget, the
required / locked spaces, or a standard made hard with ``objective.enforce``. This module builds
the *elastic* program once, the same model with every such setting relaxed (no budget row bound,
required spaces optional, enforced shortfalls free up to their unenforced bounds), and switches
the settings back on one by one in feasibility solves (a zero objective: the first plan ends
the solve). A *deletion filter* then finds a minimal conflicting set: starting from all settings
(infeasible), each one is dropped for good when the rest are still infeasible without it; what
is left cannot all hold, and dropping any one of them leaves a program with a plan.

Required spaces count as one setting when there are more than :data:`MAX_SINGLE_SPACES` of them
(then the set is minimal over the groups), else one setting each. A feasibility solve that ends
without a proof either way (its time limit) counts as "a plan exists", so a setting is only ever
dropped from the set when the solver proved the rest infeasible; the result says whether every
check was proven.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.model import build_model
from siting.solvers import solve
from siting.solvers.program import Objective

MAX_SINGLE_SPACES = 12  # more required spaces than this are tested as one group
CHECK_TIME_S = 10.0  # time limit of one feasibility solve


@dataclass(frozen=True)
class Setting:
    """One hard setting of the user's: ``key`` as the scenario spells it, and planner's words."""

    key: str  # "budget_cny", "spaces.locked", "objective.enforce"
    label: str
    fix: str  # what relaxing it means


@dataclass(frozen=True)
class Conflict:
    """A minimal set of settings that cannot all hold (``proven``: every check was a proof)."""

    settings: tuple[Setting, ...]
    proven: bool
    checks: int

    def message(self) -> str:
        """One paragraph in planner's words."""
        if not self.settings:
            return "no plan exists, but no single setting of yours explains it (the data itself is contradictory)"
        items = "; ".join(s.label for s in self.settings)
        fixes = "; or ".join(s.fix for s in self.settings)
        lead = "these settings cannot all hold" if len(self.settings) > 1 else "this setting cannot hold"
        tail = "" if self.proven else " (some checks hit their time limit: the set may not be minimal)"
        relax = "Relax any one of them" if len(self.settings) > 1 else "Relax it"
        return f"{lead}: {items}. {relax}: {fixes}{tail}"

    def as_dict(self) -> dict:
        return {"settings": [dataclasses.asdict(s) for s in self.settings], "proven": self.proven,
                "checks": self.checks, "message": self.message()}


def _money(v: float) -> str:
    return f"{v:,.0f} CNY"


def explain_infeasibility(inst: Instance, options: SolverOptions | None = None) -> Conflict | None:
    """A minimal conflicting set of the user's hard settings, or ``None`` when there is no conflict
    among them (the program with every one of them has a plan, or there are none).

    Parameters
    ----------
    inst : the instance whose solve was infeasible.
    options : solver options of the checks (backend, seed); each check gets at most
        :data:`CHECK_TIME_S` seconds and one thread.

    Returns
    -------
    Conflict or None
    """
    options = (options or inst.settings.solver).model_copy(update={
        "time_limit_s": CHECK_TIME_S, "threads": 1, "deterministic": False, "max_memory_gb": None})
    if options.backend == "auto":
        options = options.model_copy(update={"backend": "scip"})
    enforce = tuple(inst.settings.objective.enforce)
    relaxed_inst = dataclasses.replace(
        inst, settings=inst.settings.model_copy(update={
            "objective": inst.settings.objective.model_copy(update={"enforce": ()})}))
    model = build_model(relaxed_inst)
    lp = model.lp
    lp = dataclasses.replace(lp, objectives=(Objective("feasibility", "min", np.zeros(lp.n_vars)),), hint=None,
                             design=None)
    opened = model.variables["open"]
    base_lb, base_ub, base_rub = lp.lb.copy(), lp.ub.copy(), lp.row_ub.copy()
    lb0 = base_lb.copy()
    lb0[opened] = 0.0  # required spaces optional
    rub0 = base_rub.copy()
    budget = lp.con_blocks.get("budget")
    if budget is not None and budget.size:
        rub0[budget.ids] = np.inf

    # the settings and how each is switched on: (setting, apply(lb, ub, rub))
    units: list[tuple[Setting, object]] = []
    if budget is not None and budget.size and inst.budget_cny is not None:
        ids = budget.ids

        def on_budget(lb, ub, rub, ids=ids):
            rub[ids] = base_rub[ids]

        units.append((Setting("budget_cny", f"the budget of {_money(inst.budget_cny)}",
                              "raise budget_cny"), on_budget))
    must = np.flatnonzero(inst.must_take)
    groups = [must] if must.size > MAX_SINGLE_SPACES else [np.array([j]) for j in must]
    for g in groups:
        if g.size == 0:
            continue
        cost = float(inst.fixed_cost_cny[g].sum())
        if g.size == 1:
            sid = inst.space_ids[int(g[0])]
            label = f"space {sid} required/locked (fixed cost {_money(cost)})"
            fix = f"make {sid} a candidate (spaces.locked, or status in the spaces table)"
        else:
            label = f"the {g.size} required/locked spaces (fixed cost {_money(cost)} together)"
            fix = "make some of them candidates (spaces.locked, or status in the spaces table)"

        def on_space(lb, ub, rub, g=g):
            lb[opened[g]] = base_lb[opened[g]]

        units.append((Setting("spaces.locked", label, fix), on_space))
    names = {"area": "short_area", "hub": "short_hub", "coverage": "short_cov"}
    words = {"area": "the area standard", "hub": "the hub rule", "coverage": "service coverage"}
    for rule in enforce:
        var = model.variables.get(names.get(rule, ""))
        if var is None or var.size == 0:
            continue

        def on_rule(lb, ub, rub, var=var):
            ub[var] = 0.0

        units.append((Setting("objective.enforce", f"{words.get(rule, rule)} enforced (objective.enforce: {rule})",
                              f"drop '{rule}' from objective.enforce (its shortfalls are then reported)"), on_rule))
    if not units:
        return None
    proven = True
    checks = 0

    def infeasible(active: list[int]) -> bool:
        nonlocal proven, checks
        lb, ub, rub = lb0.copy(), base_ub.copy(), rub0.copy()
        for k in active:
            units[k][1](lb, ub, rub)
        checks += 1
        r = solve(dataclasses.replace(lp, lb=lb, ub=ub, row_ub=rub), options)
        if r.status is SolveStatus.INFEASIBLE:
            return True
        if not r.status.has_solution:
            proven = False
        return False

    keep = list(range(len(units)))
    if not infeasible(keep):
        return None  # every setting together still has a plan: the conflict is elsewhere
    if infeasible([]):
        return Conflict((), proven, checks)  # infeasible without any of them: not the settings' fault
    for k in list(keep):
        trial = [i for i in keep if i != k]
        if trial and infeasible(trial):
            keep = trial
    found = [units[k][0] for k in keep]
    if units[keep[0]][0].key == "budget_cny" and budget is not None:
        # how much budget the other settings of the set need: least cost with them on, budget off
        lb, ub, rub = lb0.copy(), base_ub.copy(), rub0.copy()
        for k in keep[1:]:
            units[k][1](lb, ub, rub)
        cost = np.asarray(lp.A[budget.ids[0]].todense()).ravel()
        least = solve(dataclasses.replace(lp, lb=lb, ub=ub, row_ub=rub,
                                          objectives=(Objective("cost", "min", cost),)), options)
        checks += 1
        if least.status.has_solution and least.bound is not None:
            found[0] = dataclasses.replace(found[0], fix=f"raise budget_cny to at least {_money(least.bound)}")
    return Conflict(tuple(found), proven, checks)
