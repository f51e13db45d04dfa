"""Lexicographic (priority-ordered) solving on top of any single-objective backend.

Before stage k > 0, when the program marks *design* variables (for siting: spaces taken and
services hosted), a completion step re-optimises stage k with the design fixed at the
previous stage's values — a much smaller problem — and its plan joins the hints: the
previous stage's plan is feasible but was never asked about stage k's objective.

Stage k optimises objective k over the original rows plus, for every earlier stage j,
the row ``c_j·x ≤ v_j + tol_j`` (minimise) or ``c_j·x ≥ v_j − tol_j`` (maximise), where
``v_j`` is the value stage j reached and ``tol_j = max(abs_tol_j, rel_tol_j·|v_j|)``.
The incumbent of stage k−1 satisfies every such row, so it is handed on as a hint and
each later stage is feasible whenever the earlier one found a solution.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus, StageResult, relative_gap
from siting.solvers import interrupt
from siting.solvers.program import LinearProgram
from siting.solvers.progress import ProgressCallback


@dataclass(frozen=True)
class StageProblem:
    """A single-objective problem: the hand-over to a backend's one-stage solver."""

    lp: LinearProgram
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    c: np.ndarray
    offset: float
    maximize: bool
    hints: tuple[np.ndarray, ...]
    stage: int
    n_stages: int
    node_limit: int | None = None  # deterministic mode: the stage's work budget in B&B nodes


@dataclass(frozen=True)
class StageOutcome:
    status: SolveStatus
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    seconds: float
    message: str = ""
    log_tail: tuple[str, ...] = ()
    solver: str = ""
    bound_source: str = ""  # set when the bound is not the engine's own dual bound
    nodes: int = 0  # branch-and-bound nodes used
    time_limit_hit: bool = False  # the wall-clock limit stopped the solve


SingleSolver = Callable[[StageProblem, SolverOptions, float, ProgressCallback | None], StageOutcome]
# the LP relaxation's optimum of a stage (a bound when the MIP stopped without one), or None
LPBound = Callable[[StageProblem, float], float | None]


def solve_lexicographic(
    lp: LinearProgram,
    options: SolverOptions,
    single: SingleSolver,
    backend_name: str,
    progress: ProgressCallback | None = None,
    settled: tuple[StageResult, ...] = (),
    lp_bound: LPBound | None = None,
) -> SolveResult:
    """Solve ``lp``'s objectives in order; the time limit is shared by the stages.

    ``lp_bound``: when a stage ends with a plan but no dual bound (a time limit hit before the
    MIP proved one), the LP relaxation of that stage gives its bound, named as such.

    ``settled``: leading stages already solved in an earlier attempt (each with the value
    ``held_at`` it held later stages to); they are not solved again, their rows are rebuilt
    exactly, and ``lp.hint`` (a plan of that attempt) starts the first unsettled stage.
    """
    t0 = time.perf_counter()
    A, rlb, rub = lp.A, lp.row_lb, lp.row_ub
    previous: np.ndarray | None = None
    stages: list[StageResult] = []
    values: np.ndarray | None = None
    last: StageOutcome | None = None
    n = len(lp.objectives)
    if len(settled) >= n or any(s.held_at is None for s in settled):
        raise ValueError("settled stages must be a proper prefix with the values they were held at")
    # deterministic mode: each stage has a node limit (the completion step a fifth of it); the
    # time limit is then a safety net, and each stage may use all of what is left of it
    work = options.node_limit()
    for k, obj in enumerate(lp.objectives):
        if k < len(settled):
            stages.append(settled[k])
            A, rlb, rub = _hold(A, rlb, rub, obj, settled[k].held_at, lp.n_vars)
            previous = lp.hint
            continue
        remaining = options.time_limit_s - (time.perf_counter() - t0)
        # Give every remaining stage a fair share, but let a stage use what earlier ones left.
        budget = max(remaining / (n - k), min(1.0, remaining)) if k < n - 1 and work is None else remaining
        nodes = work
        stopped = interrupt.requested()  # Ctrl-C: as if no time were left, and no LP bound either
        if budget <= 0.05 or stopped:
            if previous is None or values is None:
                break
            # no time for this stage: the previous stage's plan stands (it meets this stage's rows),
            # with the stage's LP relaxation as its bound when one comes within a second
            stage = _unreached(lp, A, rlb, rub, obj, previous, k, n, None if stopped else lp_bound)
            stages.append(stage)
            A, rlb, rub = _hold(A, rlb, rub, obj, stage.held_at, lp.n_vars)
            continue
        hints = tuple(h for h in (previous, lp.hint) if h is not None and _feasible(lp, A, rlb, rub, h))
        used, hit = 0, False
        if k > 0 and previous is not None and lp.design is not None and budget <= 1.0 and work is not None:
            hit = True  # the safety net left no time for the completion step
        elif k > 0 and previous is not None and lp.design is not None and budget > 1.0:
            t_c = time.perf_counter()
            done = _complete(lp, A, rlb, rub, obj, previous, options, single, 0.2 * budget,
                             None if nodes is None else max(1, nodes // 5))
            if done.values is not None and _feasible(lp, A, rlb, rub, done.values):
                hints = (done.values,) + hints
            budget -= time.perf_counter() - t_c
            used, hit = done.nodes, done.time_limit_hit
        prob = StageProblem(lp, A, rlb, rub, obj.coefs, obj.offset, obj.sense == "max", hints, k, n, nodes)
        out = _keep_best_hint(single(prob, options, budget, progress), obj, hints)
        used, hit = used + out.nodes, hit or out.time_limit_hit
        left = options.time_limit_s - (time.perf_counter() - t0)
        if (out.values is not None and out.bound is None and lp_bound is not None and not interrupt.requested()
                and (work is not None or left > 0.5)):
            # the LP may use what is left of the overall limit (at least 0.1 s, at most 10 s): the
            # wall-clock limit is the caller's, and a stage that ran to it leaves little
            out = _with_lp_bound(out, prob, lp_bound, obj, options, max(0.1, min(10.0, left)))
        if out.values is not None and out.bound is None and lp_bound is not None:
            # no time left for the LP, or it did not finish in its time: the box relaxation still
            # bounds the stage
            out = _with_box_bound(out, lp, obj, options)
        last = out
        if not out.status.has_solution or out.values is None:
            stages.append(StageResult(obj.name, out.status, out.objective, out.bound, out.seconds, out.solver,
                                      bound_source=_bound_source(out), nodes=used, time_limit_hit=hit))
            break
        values = out.values
        previous = values
        # Fix this stage's objective for the following ones.
        v = float(obj.coefs @ values + obj.offset)
        stages.append(StageResult(obj.name, out.status, out.objective, out.bound, out.seconds, out.solver, v,
                                  _bound_source(out), nodes=used, time_limit_hit=hit))
        A, rlb, rub = _hold(A, rlb, rub, obj, v, lp.n_vars)
    seconds = time.perf_counter() - t0
    if last is None:
        return SolveResult(SolveStatus.NO_SOLUTION, backend_name, None, None, seconds, None, (),
                           "interrupted before a plan was found" if interrupt.requested() else "no time left")
    if values is None:
        status = last.status
    elif len(stages) < n:
        status = SolveStatus.FEASIBLE  # a later stage ran out of time: earlier solution stands
    elif all(s.status is SolveStatus.OPTIMAL for s in stages):
        status = SolveStatus.OPTIMAL
    else:
        status = SolveStatus.FEASIBLE
    solved = [k for k, s in enumerate(stages) if s.status.has_solution]
    final = stages[solved[-1]] if solved else stages[-1]
    objective = final.objective if values is not None else None
    return SolveResult(
        status=status,
        backend=backend_name,
        objective=objective,
        bound=final.bound if values is not None else None,
        seconds=seconds,
        values=values,
        stages=tuple(stages),
        message=last.message,
        log_tail=last.log_tail,
    )


def gap_tolerance_bound(objective: float, relative_gap: float, maximize: bool) -> float:
    """The bound an "optimal" verdict proves by itself: the objective less (more, when maximising)
    the relative gap tolerance the solver stopped at, never the objective itself unless the gap is 0."""
    slack = relative_gap * abs(objective)
    return objective + slack if maximize else objective - slack


def _unreached(lp: LinearProgram, A: sp.csr_matrix, rlb: np.ndarray, rub: np.ndarray, obj, plan: np.ndarray,
               k: int, n: int, lp_bound: LPBound | None) -> StageResult:
    """A stage the time limit did not reach: the plan so far, its value, and (when GLOP gives one
    within a second) the stage's LP relaxation as the bound; never "optimal" unless proven."""
    t0 = time.perf_counter()
    v = float(obj.coefs @ plan + obj.offset)
    prob = StageProblem(lp, A, rlb, rub, obj.coefs, obj.offset, obj.sense == "max", (), k, n)
    b = lp_bound(prob, 1.0) if lp_bound is not None else None
    if b is not None:
        b = min(b, v) if obj.sense == "min" else max(b, v)  # never past the plan's own value (LP tolerance)
    source = "LP relaxation of the stage (no time left for its MIP)" if b is not None else ""
    if b is None and lp_bound is not None:
        b = lp.box_bound(obj)
        if b is not None:
            b = min(b, v) if obj.sense == "min" else max(b, v)
            source = BOX_BOUND_SOURCE
    return StageResult(obj.name, SolveStatus.FEASIBLE, v, b, time.perf_counter() - t0, "start", v, source,
                       time_limit_hit=True)


def _with_lp_bound(out: StageOutcome, prob: StageProblem, lp_bound: LPBound, obj, options: SolverOptions,
                   time_limit_s: float) -> StageOutcome:
    """``out`` with the stage's LP relaxation as its bound (the plan is proven when that is
    within the relative gap)."""
    t0 = time.perf_counter()
    b = lp_bound(prob, time_limit_s)
    if b is None:
        return out
    sign = -1.0 if obj.sense == "max" else 1.0
    b = sign * min(sign * b, sign * out.objective)  # never past the plan's own value (LP tolerance)
    gap = relative_gap(out.objective, b)
    status = SolveStatus.OPTIMAL if gap is not None and gap <= options.relative_gap else out.status
    return dataclasses.replace(out, bound=b, status=status, seconds=out.seconds + time.perf_counter() - t0,
                               bound_source="LP relaxation of the stage (the MIP stopped without a bound)")


BOX_BOUND_SOURCE = "bounds of the variables (no time left for the stage's LP relaxation)"


def _with_box_bound(out: StageOutcome, lp: LinearProgram, obj, options: SolverOptions) -> StageOutcome:
    """``out`` with the box relaxation of its stage as its bound (a stage that ended with a plan
    but no bound and no time for the LP): valid, weak, and named as such."""
    b = lp.box_bound(obj)
    if b is None:
        return out
    sign = -1.0 if obj.sense == "max" else 1.0
    b = sign * min(sign * b, sign * out.objective)
    gap = relative_gap(out.objective, b)
    status = SolveStatus.OPTIMAL if gap is not None and gap <= options.relative_gap else out.status
    return dataclasses.replace(out, bound=b, status=status, bound_source=BOX_BOUND_SOURCE)


def _bound_source(out: StageOutcome) -> str:
    """The stage's bound in words: the dual bound of the engine that settled it (a kept start
    keeps the solver's bound), or what the outcome names."""
    if out.bound is None:
        return ""
    if out.bound_source:
        return out.bound_source
    engine = out.solver.removesuffix("+start") or "solver"
    return f"MIP dual bound ({engine})"


def _hold(A: sp.csr_matrix, rlb: np.ndarray, rub: np.ndarray, obj, v: float, n_vars: int):
    """The rows plus ``c·x ≤ v + tol`` (minimise) or ``c·x ≥ v − tol`` (maximise)."""
    tol = max(obj.abs_tol, obj.rel_tol * abs(v))
    nz = np.flatnonzero(obj.coefs)
    row = sp.csr_matrix((obj.coefs[nz], (np.zeros(nz.size, dtype=np.int64), nz)), shape=(1, n_vars))
    A = sp.vstack([A, row], format="csr")
    if obj.sense == "min":
        return A, np.append(rlb, -np.inf), np.append(rub, v - obj.offset + tol)
    return A, np.append(rlb, v - obj.offset - tol), np.append(rub, np.inf)


def _keep_best_hint(out: StageOutcome, obj, hints: tuple[np.ndarray, ...]) -> StageOutcome:
    """The stage's outcome, or a feasible hint when it is strictly better than what the solver
    returned (or the solver returned nothing within its time): a backend may ignore or lose a
    start (HiGHS is given none), and the hints passed ``_feasible`` for this stage's rows.
    The solver's bound stays valid either way."""
    if not hints or out.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION):
        return out
    sign = -1.0 if obj.sense == "max" else 1.0
    scores = [sign * float(obj.coefs @ h + obj.offset) for h in hints]
    best = int(np.argmin(scores))
    margin = 1e-6 * max(1.0, abs(scores[best]))  # about the solvers' feasibility tolerance
    if out.values is not None and out.objective is not None and sign * out.objective <= scores[best] + margin:
        return out
    if out.bound is not None and scores[best] < sign * out.bound - margin:
        # "better" than the proven bound: the hint leans on the row tolerances of _feasible
        return out
    status = out.status if out.status is SolveStatus.OPTIMAL else SolveStatus.FEASIBLE
    return dataclasses.replace(out, status=status, objective=sign * scores[best], values=hints[best],
                               solver=f"{out.solver}+start" if out.solver else "start")


def _feasible(lp: LinearProgram, A: sp.csr_matrix, rlb: np.ndarray, rub: np.ndarray, x: np.ndarray) -> bool:
    """Whether ``x`` satisfies the stage's rows, bounds and integrality (:meth:`LinearProgram.satisfies`)."""
    return lp.satisfies(x, A, rlb, rub)


def _complete(lp: LinearProgram, A: sp.csr_matrix, rlb: np.ndarray, rub: np.ndarray, obj, previous: np.ndarray,
              options: SolverOptions, single: SingleSolver, time_limit_s: float,
              node_limit: int | None = None) -> StageOutcome:
    """Stage ``obj`` with the design variables fixed at ``previous`` (rounded): a completion
    (its plan is ``values``; ``None`` when it found none)."""
    fixed = np.where(lp.integer, np.round(previous), previous)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[lp.design] = ub[lp.design] = fixed[lp.design]
    sub = dataclasses.replace(lp, lb=lb, ub=ub, hint=None, design=None)
    prob = StageProblem(sub, A, rlb, rub, obj.coefs, obj.offset, obj.sense == "max", (previous,), 0, 1, node_limit)
    out = single(prob, options, max(time_limit_s, 0.2), None)
    return out if out.status.has_solution else dataclasses.replace(out, values=None)
