"""Budget-coupled parts: price the coupling rows, choose one plan per part.

With a budget the parts of an instance (:mod:`siting.solve.decompose`) are independent but
for a few *coupling rows*: the budget Σ_p cost_p ≤ B and, from the second lexicographic stage
on, the rows that hold each earlier stage at its value, Σ_p f_jp ≤ h_j. The model's budget
block may hold several rows (yearly budgets, for phasing): each is one more coupling row.
Written for stage k with every objective turned into a minimisation (g = f for "min",
g = −f for "max"):

    min  Σ_p g_kp(x_p)   s.t.   Σ_p g_jp(x_p) ≤ h_j  (j < k),   Σ_p cost_p(x_p) ≤ B,   x_p ∈ X_p.

**Bound (Lagrangian dual).** For prices y ≥ 0 on the coupling rows every part is an
independent MIP again, the *pricing problem* min_{x ∈ X_p} g_kp + Σ_j y_j g_jp + y_B cost_p,
and

    L(y) = Σ_p LB_p(y) − Σ_j y_j h_j − y_B B

is a lower bound of stage k, where LB_p(y) is the part's own proven (dual) bound of its
pricing problem. The best L(y) found is the stage's bound; summary.json says so and gives
the prices.

**Plan (a master over part plans, Dantzig–Wolfe style).** Each part keeps every plan
(column) it produced: its null plan and each pricing solution. The master LP over the
columns (scipy's HiGHS, with duals) gives the next prices; the master MIP picks one column
per part within the coupling rows, which is a feasible plan of the whole instance because the
parts share nothing else. The joint completion (:mod:`siting.solve.joint`) then solves all
parts' continuous choices and hubs at once with every design fixed, so that floor area and budget
move between parts; a fix-and-optimise pass re-solves single parts with the other parts fixed,
against exactly the budget and held values they leave. A start plan
(``solve_instance(start=...)``, e.g. a smaller budget's plan in a sweep) is one more column
per part, so every master may pick it whole.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus, StageResult, relative_gap
from siting.solve.columns import (
    NO_PLAN_ENFORCED,
    Column,
    PartProgram,
    StageBound,
    coupling_functions,
    first_columns,
    master_lp,
    master_mip,
    part_program,
    polished,
    seconds_left,
    with_rows,
)
from siting.solve.joint import joint_completion
from siting.solvers import ProgressCallback, solve
from siting.solvers.lexicographic import BOX_BOUND_SOURCE
from siting.solvers.program import LinearProgram, Objective
from siting.solvers.progress import Progress
from siting.solvers.relaxation import lp_relaxation

__all__ = ["NO_PLAN_ENFORCED", "PartProgram", "coupling_functions", "part_program", "solve_coupled"]

log = logging.getLogger(__name__)

# a column must beat the master's dual price by this much (relative) to count as improving
_IMPROVE_REL = 1e-7

# deterministic mode (SolverOptions.deterministic): a stage makes the pricing pass at the LP
# relaxation's prices, then (stage 0) at most DET_ROUNDS column-generation rounds, then at most
# DET_SWEEPS fix-and-optimise sweeps; every part solve in them has the options' node limit
DET_ROUNDS = 6
DET_SWEEPS = 3

# the least price of a budget row in the first pricing pass, relative to the stage's value per
# budget: a tie-break toward each part's cheapest best plan (see solve_coupled)
TIE_PRICE_REL = 1e-4

# wall-clock mode: the first stage's share of the time against each later stage's (every later
# stage is held to the first one's value, so its plan decides most)
STAGE_WEIGHT = (2.0, 1.0)

# wall-clock mode: a later stage makes price rounds while more than this share of its time is
# left (the first stage: while more than 0.35). Measured on the budgeted demo at 60 s
# (budget_bench.py --methods coordinated, side by side): the 1.5e9 CNY cost stage 5.85 % with
# rounds against 7.15 % without, the other budgets within the runs' noise
LATER_ROUNDS_LEFT = 0.5

# wall-clock mode: the joint completion (siting.solve.joint) may take this share of its stage's
# time (at least 1 s); measured on the budgeted demo it needs 1-2 s
JOINT_SHARE = 0.15


@dataclass
class _Stage:
    """Mutable state of one stage's coordination (kept inside :func:`solve_coupled`)."""

    k: int
    rhs: np.ndarray  # held rows j < k, then the budget rows
    bound: StageBound | None = None


def solve_coupled(progs: list[PartProgram], whole: LinearProgram, budget_cny: np.ndarray, stage_names: tuple[str, ...],
                  options: SolverOptions, progress: ProgressCallback | None = None,
                  t0: float | None = None,
                  starts: list[Column | None] | None = None) -> tuple[SolveResult, list[np.ndarray] | None]:
    """Solve the lexicographic stages of budget-coupled parts; returns the merged-stage result
    and each part's chosen variable values (``None`` without a plan).

    ``whole`` is the program of the whole instance: its LP relaxation, with the held stage rows,
    gives every stage a bound and the first prices of the coupling rows. ``budget_cny`` holds, per
    budget row, what the parts may spend together (the budget less the fixed cost of required
    spaces that belong to no part). ``starts``: per part, a column read from a start plan
    (:func:`~siting.solve.columns.start_column`) that every master may pick."""
    t0 = time.perf_counter() if t0 is None else t0
    deadline = t0 + options.time_limit_s
    K = len(stage_names)
    det = options.deterministic
    hit = False  # in deterministic mode: the wall clock (the safety net) cut a solve short
    workers = max(1, options.threads)
    mem = None if options.max_memory_gb is None else options.max_memory_gb / workers  # parts run `workers` at a time
    solo = options.model_copy(update={"threads": 1, "max_memory_gb": mem})
    first = first_columns(progs, budget_cny, solo, workers, deadline)
    if first.cols is None:
        stages0 = [StageResult(stage_names[0], first.status, None, None, time.perf_counter() - t0)]
        return _result(stages0, options, t0, first.message), None
    cols = first.cols
    for p, col in enumerate(starts or ()):
        if col is not None and not any(np.allclose(col.g, c.g, rtol=1e-9, atol=1e-9) for c in cols[p]):
            cols[p].append(col)
    held: list[float] = []
    stages: list[StageResult] = []
    WF, wf0 = coupling_functions(whole)
    budget_rows = whole.con_blocks["budget"].ids
    n_budget = budget_rows.size
    chosen: list[int] | None = None
    for k in range(K):
        ts = time.perf_counter()
        left = deadline - ts
        weights = [STAGE_WEIGHT[0]] + [STAGE_WEIGHT[1]] * (K - 1)
        share = left * weights[k] / sum(weights[k:])
        stage = _Stage(k, np.array([*held, *np.atleast_1d(budget_cny)]))
        rows = list(range(k)) + list(range(K, K + n_budget))
        stage_deadline = deadline if det else ts + share
        n_rounds = DET_ROUNDS if k == 0 else 0
        rounds, stage_used = 0, 0
        last_lp: float | None = None
        # the LP relaxation of the whole program with the held rows: a bound, and first prices
        # (wall-clock mode: a third of the share; half from the second stage on, whose held rows
        # made GLOP take 4-6 s on the budgeted demo, so a third of 15 s left some at the box bound)
        lp_s = deadline - time.perf_counter() if det else share / (3 if k == 0 else 2)
        relax = lp_relaxation(whole, np.asarray(WF[k].todense()).ravel(), float(wf0[k]), WF[list(range(k))],
                              np.array(held) - wf0[:k], budget_rows, time_limit_s=max(1.0, lp_s))
        if relax is not None:
            y0 = np.r_[relax.extra_prices, relax.row_prices]
            # a budget row the LP leaves unpriced (it pays fixed costs fractionally, so a budget
            # that binds the plans may not bind it) gets a tie-break price: 1e-4 of the stage's
            # scale per budget, so that each part's pricing plan is its cheapest among the best
            # (at price 0 the parts' plans serving most cost more together than a 1.5e9 CNY
            # budget, and the master had to leave parts at their null plans: 97,954 weighted
            # served against 101,346 from a warm start)
            tie = TIE_PRICE_REL * max(1.0, abs(relax.value)) / np.maximum(1.0, np.abs(stage.rhs[k:]))
            y0[k:] = np.maximum(y0[k:], tie)
            _, lb, spent = _price(progs, cols, k, rows, y0, None, solo, workers,
                                  seconds_left(deadline) if det else max(0.5, share / (4 if k == 0 else 6)))
            hit, stage_used = hit or spent.hit, stage_used + spent.nodes
            if lb is not None:
                stage.bound = StageBound(lb - float(y0 @ stage.rhs), tuple(float(v) for v in y0))
            log.debug("stage %d: LP relaxation %.6g at %.1f s, Lagrangian at its prices %s",
                      k, relax.value, time.perf_counter() - t0, stage.bound.value if stage.bound else None)
        # price rounds (column generation), then the master MIP and fix-and-optimise; in
        # deterministic mode only the first stage makes rounds (later ones are held to the
        # earlier ones so tightly that single-part re-solves find their plans)
        while (rounds < n_rounds and seconds_left(deadline) > 1.0) if det else \
                seconds_left(stage_deadline) > (0.35 if k == 0 else LATER_ROUNDS_LEFT) * share:
            lp_val, duals = master_lp(cols, k, rows, stage.rhs)
            if lp_val is None:
                break
            rounds += 1
            remaining = stage_deadline - time.perf_counter()
            y = np.maximum(-duals["rows"], 0.0)
            new, lb, spent = _price(progs, cols, k, rows, y, duals["convexity"], solo, workers,
                                    seconds_left(deadline) if det else max(0.5, min(remaining / 2, share / 3)))
            hit, stage_used = hit or spent.hit, stage_used + spent.nodes
            if lb is not None:
                value_y = lb - float(y @ stage.rhs)
                if stage.bound is None or value_y > stage.bound.value:
                    stage.bound = StageBound(value_y, tuple(float(v) for v in y))
            gap = relative_gap(lp_val, stage.bound.value if stage.bound else None)
            log.debug("stage %d round %d at %.1f s: master LP %.6g, bound %s, gap %s, prices %s, new columns %s",
                      k, rounds, time.perf_counter() - t0, lp_val, stage.bound.value if stage.bound else None, gap,
                      np.round(y, 8).tolist(), new)
            if progress is not None:
                progress(Progress(k, K, time.perf_counter() - t0, _sense_back(lp_val, k, progs),
                                  _sense_back(stage.bound.value, k, progs) if stage.bound else None))
            if not new or (gap is not None and gap <= 0.25 * options.relative_gap):
                break
            if last_lp is not None and last_lp - lp_val <= 1e-9 * max(1.0, abs(lp_val)):
                break  # the master LP stalls: more columns of these prices change nothing
            last_lp = lp_val
        if det and rounds < n_rounds and seconds_left(deadline) <= 1.0:
            hit = True  # the safety net, not the work budget, ended the rounds
        chosen = master_mip(cols, k, rows, stage.rhs, chosen)
        if chosen is not None:
            log.debug("stage %d: master MIP at %.1f s: %.6g", k, time.perf_counter() - t0,
                      sum(cols[p][c].g[k] for p, c in enumerate(chosen)))
        if chosen is None:
            stages.append(StageResult(stage_names[k], SolveStatus.INFEASIBLE, None, None, time.perf_counter() - ts))
            return _result(stages, options, t0, "no plan meets the budget"), None
        # the parts' continuous choices (floor areas, users served, attribution) moved across parts
        # within the coupling rows, every design fixed: one program of all parts (siting.solve.joint)
        joint_s = seconds_left(deadline) if det else max(1.0, JOINT_SHARE * share)
        chosen, spent = _joint(progs, cols, chosen, k, rows, stage.rhs, solo, joint_s, t0, "")
        hit, stage_used = hit or spent.hit, stage_used + spent.nodes
        sweeps, moved = 0, False
        # sweeps while they improve and time (deterministic mode: the sweep count) is left
        while (sweeps < DET_SWEEPS and seconds_left(deadline) > 1.0) if det else seconds_left(stage_deadline) > 1.0:
            before = list(chosen)
            sweeps += 1
            chosen, spent = _fix_and_optimise(progs, cols, chosen, k, rows, stage.rhs, solo, workers,
                                              stage_deadline - time.perf_counter())
            hit, stage_used = hit or spent.hit, stage_used + spent.nodes
            if chosen == before:
                break
            moved = True
        else:
            hit = hit or (det and sweeps < DET_SWEEPS)
        if moved and (det or seconds_left(deadline) > 1.0):
            # the sweeps' new designs: their continuous choices moved across parts again
            chosen, spent = _joint(progs, cols, chosen, k, rows, stage.rhs, solo,
                                   seconds_left(deadline) if det else min(joint_s, max(1.0, seconds_left(deadline))),
                                   t0, " after the sweeps")
            hit, stage_used = hit or spent.hit, stage_used + spent.nodes
        value = float(sum(cols[p][c].g[k] for p, c in enumerate(chosen)))
        obj = progs[0].lp.objectives[k]
        tol = max(obj.abs_tol, obj.rel_tol * abs(value))
        held.append(value + tol)
        bound = stage.bound.value if stage.bound is not None else None
        source = stage.bound.source(tuple(stage_names[:k])) if stage.bound is not None else ""
        if relax is not None and (bound is None or relax.value > bound):
            bound = relax.value
            source = "LP relaxation of the whole program" + (" with the held stage rows" if k else "")
        sign = 1.0 if obj.sense == "min" else -1.0
        if bound is None:
            # neither the LP relaxation nor every part's pricing MIP came back in time: the box
            # relaxation of the whole program still bounds the stage (weak, and named as such)
            box = whole.box_bound(whole.objectives[k])
            if box is not None:
                bound, source = min(sign * box, value), BOX_BOUND_SOURCE
        gap = relative_gap(value, bound)
        status = SolveStatus.OPTIMAL if gap is not None and gap <= options.relative_gap else SolveStatus.FEASIBLE
        stages.append(StageResult(stage_names[k], status, sign * value, None if bound is None else sign * bound,
                                  time.perf_counter() - ts, "coordinated", sign * value, source,
                                  nodes=stage_used, time_limit_hit=hit))

    # every stage reports the final plan's value: it satisfies each stage's rows (later stages
    # only hold earlier ones), so each stage's bound still bounds it, and the checker agrees
    final = np.sum([cols[p][c].g for p, c in enumerate(chosen)], axis=0)
    for k, st in enumerate(stages):
        sign = 1.0 if progs[0].lp.objectives[k].sense == "min" else -1.0
        gap = relative_gap(sign * final[k], st.bound)
        status = SolveStatus.OPTIMAL if gap is not None and gap <= options.relative_gap else SolveStatus.FEASIBLE
        stages[k] = dataclasses.replace(st, objective=float(sign * final[k]), status=status)
    msg = f"budget-coupled: {len(progs)} parts, {sum(len(c) for c in cols)} part plans, prices on the budget row"
    return _result(stages, options, t0, msg), [cols[p][c].x for p, c in enumerate(chosen)]


def _sense_back(v: float | None, k: int, progs: list[PartProgram]) -> float | None:
    if v is None:
        return None
    return v if progs[0].lp.objectives[k].sense == "min" else -v


def _result(stages: list[StageResult], options: SolverOptions, t0: float, message: str) -> SolveResult:
    ok = stages and all(s.status.has_solution for s in stages)
    status = (SolveStatus.OPTIMAL if all(s.status is SolveStatus.OPTIMAL for s in stages) else SolveStatus.FEASIBLE) \
        if ok else (stages[-1].status if stages else SolveStatus.NO_SOLUTION)
    last = stages[-1] if stages else None
    return SolveResult(status, options.backend, last.objective if ok else None, last.bound if ok else None,
                       time.perf_counter() - t0, None, tuple(stages), message)


@dataclass(frozen=True)
class Spent:
    """What a pass over the parts used: B&B nodes, and whether a wall-clock limit cut a solve short."""

    nodes: int
    hit: bool


def _joint(progs, cols, chosen, k, rows, rhs, options, limit_s, t0, when) -> tuple[list[int], Spent]:
    """The joint completion of stage k (:func:`siting.solve.joint.joint_completion`) from the
    chosen columns within ``limit_s``; its outcome logged (``when`` says after which step)."""
    joint = joint_completion(progs, cols, chosen, k, rows, rhs, options, limit_s)
    log.debug("stage %d: joint completion%s at %.1f s: improved %s, value %.6g", k, when, time.perf_counter() - t0,
              joint.improved, sum(cols[p][c].g[k] for p, c in enumerate(joint.chosen)))
    return joint.chosen, Spent(joint.nodes, joint.hit)


def _price(progs, cols, k, rows, y, sigma, options, workers, limit_s):
    """Solve every part's pricing MIP at prices ``y`` (deterministic mode: within the options'
    node limit); add improving columns. Returns whether a column was added, Σ_p LB_p(y) (``None``
    when some part has no bound) and what the pass spent.

    ``limit_s`` is the whole pass's time (in deterministic mode only its safety net). Parts
    start largest first, ``workers`` at a time; each gets, when it starts, the pass's time
    left × ``workers`` in proportion to its integer variables among the parts not yet started
    (a part that finishes early leaves its time to the rest). Giving every part ``limit_s`` made
    a pass of 23 parts on two threads take 38.7 s on a 19.9 s limit (the phased demo)."""
    weights = np.zeros(progs[0].F.shape[0])
    weights[k] = 1.0
    weights[rows] += y
    pass_deadline = time.perf_counter() + limit_s
    size = np.array([max(1, int(pp.lp.integer.sum())) for pp in progs], dtype=float)
    order = [int(p) for p in np.argsort(-size, kind="stable")]
    waiting = {"size": float(size.sum())}
    lock = threading.Lock()

    def run(p: int):
        pp = progs[p]
        with lock:
            share = size[p] / max(waiting["size"], 1.0)
            waiting["size"] -= size[p]
        limit = limit_s if options.deterministic else \
            max(0.5, min(limit_s, (pass_deadline - time.perf_counter()) * workers * share))
        coefs = np.asarray(pp.F.T @ weights).ravel()
        offset = float(weights @ pp.f0)
        best = min(cols[p], key=lambda col: float(weights @ col.g))
        lp = dataclasses.replace(pp.lp, objectives=(Objective("price", "min", coefs, offset),), hint=best.x)
        return solve(lp, options.model_copy(update={"time_limit_s": limit}))

    with ThreadPoolExecutor(max_workers=workers) as pool:
        by_part = dict(zip(order, pool.map(run, order)))
    outs = [by_part[p] for p in range(len(progs))]
    added, total = False, 0.0
    for p, out in enumerate(outs):
        x = polished(progs[p], out.values, np.asarray(progs[p].F.T @ weights).ravel())
        if x is not None:
            out = dataclasses.replace(out, values=x)
            col = Column(out.values, progs[p].figures(out.values))
            improving = sigma is None or float(weights @ col.g) - float(sigma[p]) < -_IMPROVE_REL * max(
                1.0, abs(float(sigma[p])))
            if improving and not any(np.allclose(col.g, c.g, rtol=1e-9, atol=1e-9) for c in cols[p]):
                cols[p].append(col)
                added = True
        if total is not None:
            total = None if out.bound is None or not math.isfinite(out.bound) else total + float(out.bound)
    return added, total, Spent(sum(o.nodes for o in outs), any(o.time_limit_hit for o in outs))


def _fix_and_optimise(progs, cols, chosen, k, rows, rhs, options, workers, limit_s) -> tuple[list[int], Spent]:
    """One sweep over the parts, ``workers`` at a time, largest stage-k contribution first: each
    is re-solved with the other parts fixed, within its own current use of every coupling row
    plus an equal share of the row's slack among the parts re-solved together (so any
    combination of their new plans still fits); a new plan is kept when it lowers the stage
    objective. (Re-solving two parts as one program, to move budget between them, was measured
    worse on the budgeted demo at 60 s: shortfall 1,090 against 834.) In deterministic mode every
    part is visited, each within the options' node limit; ``limit_s`` is then the safety net."""
    deadline = time.perf_counter() + limit_s
    chosen = list(chosen)
    G = np.array([cols[p][c].g for p, c in enumerate(chosen)])  # [parts, K + budget rows]
    order = [int(p) for p in np.argsort(-np.abs(G[:, k]), kind="stable")]

    def run(p: int, room: np.ndarray, limit: float):
        pp = progs[p]
        lp = with_rows(pp.lp, pp.F[rows], room - pp.f0[rows])
        obj = Objective("stage", "min", np.asarray(pp.F[k].todense()).ravel(), float(pp.f0[k]))
        return solve(dataclasses.replace(lp, objectives=(obj,), hint=cols[p][chosen[p]].x),
                     options.model_copy(update={"time_limit_s": limit}))

    nodes, hit = 0, False
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for start in range(0, len(order), workers):
            left = deadline - time.perf_counter()
            if left < 0.5:
                hit = hit or options.deterministic
                break
            batch = order[start : start + workers]
            slack = np.maximum(rhs - G[:, rows].sum(axis=0), 0.0)
            rooms = [G[p, rows] + slack / len(batch) for p in batch]
            per = left if options.deterministic else max(0.5, min(left, limit_s * len(batch) / len(order) * 2))
            outs = list(pool.map(run, batch, rooms, [per] * len(batch)))
            nodes += sum(o.nodes for o in outs)
            hit = hit or any(o.time_limit_hit for o in outs)
            for p, room, out in zip(batch, rooms, outs):
                x = polished(progs[p], out.values, np.asarray(progs[p].F[k].todense()).ravel(), rows, room)
                if x is None:
                    continue
                out = dataclasses.replace(out, values=x)
                col = Column(out.values, progs[p].figures(out.values))
                better = col.g[k] < G[p, k] - 1e-9 * max(1.0, abs(G[p, k]))
                if better and np.all(col.g[rows] <= room + 1e-9 * np.maximum(1.0, np.abs(room))):
                    cols[p].append(col)
                    chosen[p] = len(cols[p]) - 1
                    G[p] = col.g
    return chosen, Spent(nodes, hit)
