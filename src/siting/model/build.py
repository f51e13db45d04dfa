"""``build_model``: the siting MIP as a sequence of rule functions (PyPSA style).

The objective is lexicographic (M8, M9); stages by mode:

* ``standards``: (O1) min weighted shortfall share → (O3) min cost − bonus·Σκ;
* ``demand``:    (O2) max weighted users served → (O1) → (O3);
* ``equity``:    (O4) max worst community coverage z → (O2) → (O1) → (O3).

No cost saving can buy a shortfall because cost is only optimised once the earlier
stages are fixed at their optimum (within a 1e-6 tolerance).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from siting.core.instance import Instance
from siting.core.phasing import phasing_of
from siting.model import phasing, rules
from siting.model.index import IndexSets, build_index
from siting.solvers.program import LinearProgram, LinearProgramBuilder


@dataclass(frozen=True)
class SitingModel:
    """The built program with the index sets needed to read a solution back."""

    lp: LinearProgram
    index: IndexSets
    variables: dict[str, np.ndarray]
    coverage_pairs: tuple[np.ndarray, np.ndarray]
    stages: tuple[str, ...]
    m2_per_user: np.ndarray
    min_area_m2: np.ndarray | None = None  # [S] minimum floor area of each service (M2)
    n_years: int = 1  # phasing years (1: the single-period model)


STAGES: dict[str, tuple[str, ...]] = {
    "standards": ("shortfall", "cost"),
    "demand": ("weighted_served", "shortfall", "cost"),
    "equity": ("min_coverage", "weighted_served", "shortfall", "cost"),
}


#: The sense of each stage objective (the rest are minimised).
SENSES: dict[str, str] = {"min_coverage": "max", "weighted_served": "max", "shortfall": "min", "cost": "min"}


def stage_names(mode: str) -> tuple[str, ...]:
    """The lexicographic stages of an objective ``mode``, in order (no model is built)."""
    return STAGES[mode]


def add_objectives(m: rules.ModelContext) -> tuple[str, ...]:
    """One objective per stage of the scenario's mode (:data:`STAGES`), in order."""
    b = m.b
    for name in stage_names(m.inst.settings.objective.mode):
        if name == "min_coverage":
            rules.add_min_coverage(m)
            b.add_objective("min_coverage", SENSES["min_coverage"], m.v["min_coverage"], 1.0,
                            abs_tol=1e-7, rel_tol=1e-7)
        elif name == "weighted_served":
            cols, coefs = rules.served_terms(m)
            b.add_objective("weighted_served", SENSES["weighted_served"], cols, coefs, abs_tol=1e-6, rel_tol=1e-7)
        elif name == "shortfall":
            cols, coefs = (phasing.shortfall_terms if m.ph is not None else rules.shortfall_terms)(m)
            b.add_objective("shortfall", SENSES["shortfall"], cols, coefs, abs_tol=1e-7, rel_tol=1e-7)
        else:
            cost_cols, cost_coefs = (phasing.cost_terms if m.ph is not None else rules.cost_terms)(m)
            bonus = m.inst.colocation_bonus
            cols = np.r_[cost_cols, m.v["coloc"]]
            coefs = np.r_[cost_coefs, np.full(m.v["coloc"].size, -bonus)]
            b.add_objective("cost", SENSES["cost"], cols, coefs)
    return b.objective_names


def build_model(inst: Instance) -> SitingModel:
    """Build the siting MIP for ``inst`` (see docs/model.md for every numbered rule).

    Parameters
    ----------
    inst : Instance
        The validated instance.

    Returns
    -------
    SitingModel
        The solver-neutral program (``.lp``: a :class:`~siting.solvers.LinearProgram` of
        numpy/scipy arrays with the mode's lexicographic stages) and its index sets.
    """
    ix = build_index(inst)
    m = rules.ModelContext(LinearProgramBuilder(f"siting:{inst.name}"), inst, ix, ph=phasing_of(inst))
    rules.define_variables(m)
    rules.add_host_requires_open(m)
    rules.add_service_area_bounds(m)
    rules.add_time_share(m)
    rules.add_used_area(m)
    rules.add_service_capacity(m)
    rules.add_link_requires_host(m)
    rules.add_demand_coverage(m)
    rules.add_area_standard(m)
    rules.add_hub_rule(m)
    rules.add_colocation(m)
    if m.ph is None:
        rules.add_budget(m)
    else:
        phasing.add_phasing(m)  # yearly copies, rules (P1)–(P6) and the yearly budget rows (P9)
    stages = add_objectives(m)
    # the design: spaces taken, services hosted and (with phasing) the year each space opens; the
    # completion step of a later stage and the joint completion of budget-coupled parts fix it
    lp = m.b.build(design=("open", "host") + (("open_y",) if "open_y" in m.v else ()))
    return SitingModel(dataclasses.replace(lp, hint=null_plan(lp, m.v)), ix, dict(m.v), m.cov_pairs, stages,
                       inst.m2_per_user, np.asarray(inst.min_area_m2, dtype=float),
                       1 if m.ph is None else m.ph.n_years)


def null_plan(lp: LinearProgram, v: dict[str, np.ndarray]) -> np.ndarray:
    """"Take nothing new, report every shortfall": required spaces open, everything else at its
    lower bound, each shortfall at its upper bound. It satisfies every row unless a standard is
    enforced or required spaces exceed the budget, so a solver given it as a hint always has
    a plan to report (the lexicographic solver drops a hint that is not feasible)."""
    x = lp.lb.copy()
    for name in ("short_area", "short_hub", "short_cov", "short_area_y", "short_hub_y"):
        if name in v and v[name].size:
            x[v[name]] = lp.ub[v[name]]
    return x
