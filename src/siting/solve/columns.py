"""Part plans as columns of the budget-coupled master (:mod:`siting.solve.coordinate`).

A part's program and its coupling functions (its stage objectives as minimisations, then its
budget rows), the columns (plans of one part with their coupling figures), each part's first
column, the master LP (prices) and master MIP (one column per part within the coupling rows),
and the polish that makes a solver's plan a column whose figures are the plan's true ones.
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import LinearConstraint, linprog, milp

from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus
from siting.model import SitingModel, build_model
from siting.model.solution import design_values, repaired_values
from siting.plan import Plan
from siting.solve.decompose import Part
from siting.solvers import interrupt, solve
from siting.solvers.program import LinearProgram, Objective


@dataclass(frozen=True, eq=False)
class PartProgram:
    """One part's program and its coupling functions ``g_r(x) = F[r] · x + f0[r]``: rows
    0 … K−1 the stage objectives as minimisations, then one row per budget row of the model."""

    part: Part
    model: SitingModel
    F: sp.csr_matrix  # [K + budget rows, n_vars]
    f0: np.ndarray  # [K + budget rows]

    @property
    def lp(self) -> LinearProgram:
        return self.model.lp

    def figures(self, x: np.ndarray) -> np.ndarray:
        return self.F @ x + self.f0


@dataclass(frozen=True, eq=False)
class Column:
    """A plan of one part (its variable values) with its coupling figures."""

    x: np.ndarray
    g: np.ndarray  # [K + budget rows]


@dataclass(frozen=True)
class StageBound:
    """The best Lagrangian bound of one stage and the prices that gave it."""

    value: float  # in the minimisation form
    prices: tuple[float, ...]  # held rows j < k, then the budget rows

    def source(self, held_names: tuple[str, ...]) -> str:
        n_budget = len(self.prices) - len(held_names)
        names = [f"{n} row" for n in held_names] + (
            ["budget"] if n_budget == 1 else [f"budget row {i + 1}" for i in range(n_budget)])
        parts = ", ".join(f"{n} {p:.4g}" for n, p in zip(names, self.prices) if p > 0) or "all prices 0"
        return f"Lagrangian dual over the parts' MIP bounds at prices ({parts}; budget in CNY⁻¹)"


def coupling_functions(lp: LinearProgram) -> tuple[sp.csr_matrix, np.ndarray]:
    """``(F, f0)`` of a program: its stage objectives as minimisations, then its budget rows."""
    rows, offsets = [], []
    for obj in lp.objectives:
        sign = 1.0 if obj.sense == "min" else -1.0
        rows.append(sp.csr_matrix(sign * obj.coefs))
        offsets.append(sign * obj.offset)
    b = lp.con_blocks["budget"]
    rows.append(lp.A[b.start : b.start + b.size])
    offsets.extend([0.0] * b.size)
    return sp.vstack(rows, format="csr"), np.array(offsets)


def part_program(part: Part) -> PartProgram:
    """Build a part's model (its budget row at the whole budget: a valid relaxation) and read its
    coupling functions from the objectives and the budget row."""
    model = build_model(part.instance)
    F, f0 = coupling_functions(model.lp)
    return PartProgram(part, model, F, f0)


@dataclass(frozen=True, eq=False)
class FirstColumns:
    """Each part's first column (:func:`first_columns`), or ``None`` with the status and why."""

    cols: list[list[Column]] | None
    status: SolveStatus = SolveStatus.FEASIBLE
    message: str = ""


NO_PLAN_ENFORCED = "no plan meets the enforced standards (objective.enforce) within the budget"


def first_columns(progs: list[PartProgram], budget_cny: np.ndarray, options: SolverOptions, workers: int,
                   deadline: float) -> FirstColumns:
    """Each part's first column, which the master may always fall back on: its null plan (the
    required spaces only) when that meets every row of the part; else, as when a standard is
    enforced (``objective.enforce``), the part's cheapest plan that does, from a short solve that
    minimises its budget rows.

    Returns
    -------
    FirstColumns
        ``cols=None`` with ``INFEASIBLE`` when some part has no plan that meets its rows within
        the budget, or when the parts' proven least costs add up to more than the budget; with
        ``NO_SOLUTION`` when a part's cheapest plan was not found in time (or a stop was requested).
    """
    K = len(progs[0].lp.objectives)
    cols: list[list[Column] | None] = []
    for pp in progs:
        x0 = polished(pp, pp.lp.hint, np.asarray(pp.F[0].todense()).ravel())
        cols.append(None if x0 is None else [Column(x0, pp.figures(x0))])
    bad = [p for p, c in enumerate(cols) if c is None]
    if not bad:
        return FirstColumns(cols)  # type: ignore[arg-type]
    cost_rows = [np.asarray(pp.F[K:].sum(axis=0)).ravel() for pp in progs]
    limit_s = max(1.0, 0.25 * seconds_left(deadline) * min(1.0, workers / len(bad)))

    def cheapest(p: int) -> SolveResult:
        pp = progs[p]
        lp = dataclasses.replace(pp.lp, objectives=(Objective("cost", "min", cost_rows[p], float(pp.f0[K:].sum())),),
                                 hint=None)
        return solve(lp, options.model_copy(update={"time_limit_s": limit_s}))

    if seconds_left(deadline) <= 0.0:
        return FirstColumns(None, SolveStatus.NO_SOLUTION, "stopped before every part had a plan")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outs = dict(zip(bad, pool.map(cheapest, bad)))
    for p, out in outs.items():
        who = f"part {p + 1} of {len(progs)} ({progs[p].part.instance.n_communities} communities)"
        if out.status is SolveStatus.INFEASIBLE:
            return FirstColumns(None, SolveStatus.INFEASIBLE, f"{NO_PLAN_ENFORCED}: {who} has no plan that meets them")
        x = polished(progs[p], out.values, cost_rows[p])
        if x is None:
            return FirstColumns(None, SolveStatus.NO_SOLUTION,
                                f"{who}: no plan that meets the enforced standards found in {limit_s:.0f} s")
        cols[p] = [Column(x, progs[p].figures(x))]
    # the least cost of every part (proven for the solved ones; the null plans take required spaces only)
    least = [float(outs[p].bound) if p in outs and outs[p].bound is not None else float(c[0].g[K:].sum())
             for p, c in enumerate(cols)]  # type: ignore[index]
    total, budget = float(sum(least)), float(np.sum(budget_cny))
    if total > budget + 1e-6 * max(1.0, budget):
        return FirstColumns(None, SolveStatus.INFEASIBLE,
                            f"{NO_PLAN_ENFORCED}: the parts' cheapest plans that meet them cost at least "
                            f"{total:,.0f} CNY together, over the {budget:,.0f} CNY they may spend")
    return FirstColumns(cols)  # type: ignore[arg-type]


def _matrix(cols: list[list[Column]], k: int, rows: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Master data: objective c, coupling rows G [len(rows) × n], convexity E [parts × n], owner."""
    g = np.array([c.g for cs in cols for c in cs])
    owner = np.repeat(np.arange(len(cols)), [len(cs) for cs in cols])
    E = np.zeros((len(cols), owner.size))
    E[owner, np.arange(owner.size)] = 1.0
    return g[:, k], g[:, rows].T, E, owner


def master_lp(cols: list[list[Column]], k: int, rows: list[int], rhs: np.ndarray):
    c, G, E, _ = _matrix(cols, k, rows)
    res = linprog(c, A_ub=G, b_ub=rhs, A_eq=E, b_eq=np.ones(E.shape[0]), bounds=(0, None), method="highs")
    if res.status != 0:
        return None, None
    return float(res.fun), {"rows": np.asarray(res.ineqlin.marginals), "convexity": np.asarray(res.eqlin.marginals)}


def master_mip(cols: list[list[Column]], k: int, rows: list[int], rhs: np.ndarray,
                previous: list[int] | None) -> list[int] | None:
    """One column per part within the coupling rows, least stage-k objective (small MIP)."""
    c, G, E, owner = _matrix(cols, k, rows)
    scale = 1e-9 * np.maximum(1.0, np.abs(rhs))  # the held rows already carry their tolerance
    cons = [LinearConstraint(G, -np.inf, rhs + scale), LinearConstraint(E, 1.0, 1.0)]
    res = milp(c, constraints=cons, integrality=np.ones(c.size), bounds=(0, 1),
               options={"time_limit": 20.0, "mip_rel_gap": 1e-9})
    if res.x is None:
        return previous
    pick = np.flatnonzero(res.x > 0.5)
    chosen = [0] * len(cols)
    start = np.concatenate([[0], np.cumsum([len(cs) for cs in cols])])
    for j in pick:
        chosen[owner[j]] = int(j - start[owner[j]])
    return chosen


def seconds_left(deadline: float) -> float:
    """Seconds left before ``deadline`` (none once a stop was requested: Ctrl-C)."""
    return 0.0 if interrupt.requested() else deadline - time.perf_counter()


def start_column(pp: PartProgram, plan: Plan) -> Column | None:
    """A plan of the whole instance (a start: e.g. a neighbouring sweep variant's plan) read on one
    part as a column: its design (spaces taken, services hosted, hubs) with the continuous
    variables re-solved (:func:`polished`). ``None`` when that design breaks a row of the part
    (e.g. a budget it does not fit, or a phased plan whose opening years it does not carry)."""
    x = design_values(pp.model, plan, pp.part.communities, pp.part.spaces)
    x = polished(pp, x, np.asarray(pp.F[0].todense()).ravel())
    return None if x is None else Column(x, pp.figures(x))


def polished(pp: PartProgram, x: np.ndarray | None, c: np.ndarray, rows: list[int] | None = None,
              room: np.ndarray | None = None) -> np.ndarray | None:
    """A solver's plan of one part as a column: the LP over the continuous variables with the
    integer ones fixed at the plan's, minimising ``c`` plus 1e-7 of every stage objective (each
    scaled by its size). The stage figures of a column must be the plan's true ones: a
    shortfall variable with no price in ``c`` may sit above the shortfall it bounds (seen: 13.0
    reported where the checker found 4.56), and a MIP plan may lean on its tolerances (seen: a
    floor area 2e-3 m² under its minimum). ``None`` when the result does not meet the rows."""
    if x is None:
        return None
    x = repaired_values(pp.model, x)  # a space that hosts nothing is not part of the plan
    lp = pp.lp if rows is None else with_rows(pp.lp, pp.F[rows], room - pp.f0[rows])
    fixed = np.where(lp.integer, np.round(x), x)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[lp.integer] = ub[lp.integer] = fixed[lp.integer]
    K = len(pp.lp.objectives)
    scale = np.maximum(1.0, np.abs(pp.figures(x)[:K]))
    tight = np.asarray(pp.F[:K].T @ (1e-7 * np.abs(c).max(initial=1.0) / scale)).ravel()
    sub = dataclasses.replace(lp, lb=lb, ub=ub, integer=np.zeros(lp.n_vars, dtype=bool), hint=None, design=None,
                              objectives=(Objective("polish", "min", c + tight),))
    out = solve(sub, SolverOptions(backend="highs", time_limit_s=5.0, relative_gap=0.0, threads=1))
    return out.values if out.values is not None and lp.satisfies(out.values) else None


def with_rows(lp: LinearProgram, rows: sp.csr_matrix, ub: np.ndarray) -> LinearProgram:
    return dataclasses.replace(lp, A=sp.vstack([lp.A, rows], format="csr"),
                               row_lb=np.append(lp.row_lb, np.full(rows.shape[0], -np.inf)),
                               row_ub=np.append(lp.row_ub, ub))
