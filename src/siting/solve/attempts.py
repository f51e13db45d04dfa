"""One attempt at one part, and how attempts compare (:mod:`siting.solve.schedule` runs them).

* :class:`PartSolution` — an attempt: the solver result, its plan, model size, stage tolerances;
* :func:`filled` — an attempt's stages that had no time, read from its plan with the box bound;
* :class:`Resume` / :func:`resume_from` — how an unproven part is solved again;
* :func:`best_of` — the lexicographically better of two attempts, with the better bound.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus, StageResult
from siting.model import build_model
from siting.plan import Plan
from siting.solvers.program import LinearProgram

BOX_BOUND = "bounds of the variables (no time left to solve this part)"


@dataclass(frozen=True)
class StageTolerance:
    """How a stage's optimum holds the later stages: ``sense`` ("min"/"max") and the absolute and
    relative tolerances of its row "objective ≤ optimum + tolerance"."""

    sense: str
    abs_tol: float
    rel_tol: float


@dataclass(frozen=True, eq=False)
class PartSolution:
    """One attempt at one (part of an) instance: the solver result, the plan read from it, the
    model build seconds and size, and the stages with their tolerances."""

    result: SolveResult
    plan: Plan | None
    build_s: float
    model_size: dict[str, int]
    stage_names: tuple[str, ...]
    tolerances: tuple[StageTolerance, ...]


def plan_stages(lp: LinearProgram, x: np.ndarray, first: int = 0) -> list[StageResult]:
    """Stages ``first``… of ``lp`` read from the plan ``x`` with no solver: each stage's value at
    ``x`` and the box relaxation (each variable at whichever of its bounds is best for the stage)
    as its bound, never past the value (``None`` when that bound is infinite); marked as stopped
    by the limit, solved by nothing ("start")."""
    stages = []
    for o in lp.objectives[first:]:
        v = float(o.coefs @ x + o.offset)
        b = lp.box_bound(o)
        if b is not None:
            b = min(b, v) if o.sense == "min" else max(b, v)
        stages.append(StageResult(o.name, SolveStatus.FEASIBLE, v, b, 0.0, "start", v, time_limit_hit=True,
                                  bound_source="" if b is None else BOX_BOUND))
    return stages


def filled(inst: Instance, sol: PartSolution) -> PartSolution:
    """``sol`` with the stages it did not reach (no time was left for them) taken from its plan:
    each stage's value at the plan, the box relaxation as its bound, solved by nothing ("start")."""
    r = sol.result
    if r.values is None or len(r.stages) >= len(sol.tolerances):
        return sol
    lp = build_model(inst).lp
    stages = list(r.stages) + plan_stages(lp, r.values, len(r.stages))
    last = stages[-1]
    result = dataclasses.replace(r, status=SolveStatus.FEASIBLE, objective=last.objective, bound=last.bound,
                                 stages=tuple(stages))
    return dataclasses.replace(sol, result=result)


@dataclass(frozen=True, eq=False)
class Resume:
    """How a part is solved again: from ``hint`` (its best plan), keeping the ``settled`` leading
    stages, with ``options`` (under ``auto``, the other engine for the open stage)."""

    hint: np.ndarray | None
    settled: tuple[StageResult, ...]
    options: SolverOptions


def resume_from(result: SolveResult, options: SolverOptions) -> Resume:
    """What a re-solve keeps and how it runs: the leading proven stages are not solved again
    (their rows are rebuilt at the same values, so both attempts bound the same program);
    with ``auto`` the first unproven stage is retried with the other engine — HiGHS and SCIP
    fail on different parts (measured on the demo district: a 7-community part whose cost
    stage HiGHS leaves at 148 M against a 62 M bound, SCIP proves at 64.3 M in 8 s)."""
    settled: list[StageResult] = []
    for st in result.stages[:-1]:
        if st.status is not SolveStatus.OPTIMAL or st.held_at is None:
            break
        settled.append(st)
    if options.backend == "auto" and len(settled) < len(result.stages):
        engine = result.stages[len(settled)].solver.removesuffix("+start")
        other = {"highs": "scip", "scip": "highs"}.get(engine)  # "highs+scip" failed once: keep auto
        if other is not None:
            options = options.model_copy(update={"backend": other})
    return Resume(result.values, tuple(settled), options)


def open_gap(solved: PartSolution) -> float:
    """How far a part is from proven: its last stage's absolute gap (inf when a stage is
    missing or has no bound)."""
    stages = solved.result.stages
    if len(stages) < len(solved.tolerances) or stages[-1].objective is None or stages[-1].bound is None:
        return math.inf
    return abs(stages[-1].objective - stages[-1].bound)


def best_of(old: PartSolution, new: PartSolution, relative_gap: float) -> PartSolution:
    """The lexicographically better of two attempts on one part (ties: the newer one). When
    both reached the same earlier-stage values exactly, the last stage keeps the better of
    the two bounds (both bound the same program)."""
    a, b = old.result, new.result
    tols = new.tolerances
    n = len(tols)
    # an attempt that reached fewer stages loses: its plan is not better on the stages it
    # skipped, and the figures of the stages it lacks would be lost (a re-solve given too
    # little time can adopt the old plan in an early stage and stop there)
    reached = [sum(s.objective is not None for s in r.stages) for r in (a, b)]
    if reached[1] < reached[0]:
        return old
    same_rows = True
    for k, tol_k in enumerate(tols):
        sense, abs_tol, rel_tol = tol_k.sense, tol_k.abs_tol, tol_k.rel_tol
        va = a.stages[k].objective if k < len(a.stages) else None
        vb = b.stages[k].objective if k < len(b.stages) else None
        if vb is None or va is None:
            if va is None and vb is None:
                return new
            return new if va is None else old
        # both plans satisfy the earlier stages' rows "≤ optimum + tolerance", so values
        # within twice that tolerance are a tie
        tol = 2.0 * max(abs_tol, rel_tol * abs(va)) + 1e-12 * max(1.0, abs(va))
        better_b = vb < va if sense == "min" else vb > va
        if k == n - 1:
            winner = new if (better_b or abs(va - vb) <= tol) else old
            break
        if abs(va - vb) > tol:
            return new if better_b else old
        same_rows = same_rows and va == vb
    else:  # no stages at all
        return new
    other = old if winner is new else new
    sw, so = winner.result.stages[-1], other.result.stages[-1]
    if not same_rows or sw.bound is None or so.bound is None:
        return winner
    best = max(sw.bound, so.bound) if tols[-1].sense == "min" else min(sw.bound, so.bound)
    if best == sw.bound:
        return winner
    stage = dataclasses.replace(sw, bound=best, bound_source=so.bound_source)
    gap = stage.gap
    if stage.status is SolveStatus.FEASIBLE and gap is not None and gap <= relative_gap:
        stage = dataclasses.replace(stage, status=SolveStatus.OPTIMAL)
    r = winner.result
    stages = r.stages[:-1] + (stage,)
    status = SolveStatus.OPTIMAL if all(x.status is SolveStatus.OPTIMAL for x in stages) else r.status
    return dataclasses.replace(winner, result=dataclasses.replace(r, stages=stages, bound=best, status=status))
