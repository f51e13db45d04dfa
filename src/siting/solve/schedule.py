"""Solving an instance: whole, or as independent parts scheduled over threads with resume passes.

:func:`solve_instance` is a pure function of picklable inputs with a picklable result, so a
worker process (or a Dask worker) can run it. Without a budget, in the ``standards`` and
``demand`` modes, it solves the independent parts of the instance separately
(:mod:`siting.solve.decompose`, exact), which is what makes a district solve to proven
optimality. Each part's attempt is a :class:`PartSolution`; :func:`best_of` keeps the
lexicographically better of two attempts on one part.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from siting.analysis.evaluate import evaluate
from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.phasing import budget_rows_rhs_cny, fixed_spaces_cost_cny
from siting.core.results import SolveResult, SolveStatus, StageResult
from siting.errors import SitingError
from siting.model import SitingModel, build_model
from siting.model.build import stage_names as mode_stages
from siting.model.solution import closed_empty_spaces, extract_plan
from siting.plan import Outcome, Plan
from siting.solve.attempts import (
    PartSolution,
    Resume,
    StageTolerance,
    best_of,
    filled,
    open_gap,
    plan_stages,
    resume_from,
)
from siting.solve.cluster import cluster_threads, remote
from siting.solve.columns import start_column
from siting.solve.coordinate import NO_PLAN_ENFORCED, part_program, solve_coupled
from siting.solve.decompose import Part, coupled, decomposable, merge_plans, merge_results, split
from siting.solve.memory import check_memory
from siting.solve.regions import solve_regions, wants_regions
from siting.solvers import Progress, ProgressCallback, interrupt, solve


def _solve_one(inst: Instance, options: SolverOptions, progress: ProgressCallback | None,
               hint: np.ndarray | None = None, settled: tuple[StageResult, ...] = (),
               first_only: bool = False) -> PartSolution:
    """One attempt at a part: as regions when it is large (:mod:`siting.solve.regions`), else its
    program lexicographically, from ``hint`` with the ``settled`` leading stages kept;
    ``first_only``: its first stage only (the later ones are solved by a later pass)."""
    if hint is None and not settled and wants_regions(inst, options):
        reg = solve_regions(inst, options)
        if reg.plan is not None:
            return PartSolution(reg.result, reg.plan, reg.build_s, reg.model_size, reg.stage_names,
                                tuple(StageTolerance(o.sense, o.abs_tol, o.rel_tol) for o in reg.objectives))
        # no plan from the regions (one found none, or the merged design breaks a row of the
        # part): the part is solved whole, in the share's time the regions left
        options = options.model_copy(update={"time_limit_s": max(0.5, options.time_limit_s - reg.result.seconds)})
    t0 = time.perf_counter()
    model: SitingModel = build_model(inst)
    build_s = time.perf_counter() - t0
    lp = model.lp if hint is None else dataclasses.replace(model.lp, hint=hint)
    tolerances = tuple(StageTolerance(o.sense, o.abs_tol, o.rel_tol) for o in lp.objectives)
    if first_only and len(lp.objectives) > 1:
        lp = dataclasses.replace(lp, objectives=lp.objectives[:1])
    result = closed_empty_spaces(model, solve(lp, options, progress, settled))
    plan = extract_plan(model, result, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    return PartSolution(result, plan, build_s, model.lp.summary(), model.stages, tolerances)


def solve_instance(
    inst: Instance, options: SolverOptions | None = None, progress: ProgressCallback | None = None,
    *, decompose: bool = True, start: Plan | None = None, client: Any = None,
) -> Outcome:
    """Build the MIP, solve it, read back the plan and check it independently.

    A stop requested while it runs (:mod:`siting.solvers.interrupt`, Ctrl-C under
    ``interrupt.catch_sigint``) ends every solver at once and starts nothing more: the outcome
    keeps the best plan found so far (parts not reached keep their null plan), with
    ``result.interrupted`` set and a status that is never "optimal".

    Parameters
    ----------
    inst : Instance
        The validated instance.
    options : SolverOptions, optional
        Backend, limits, gap, threads, determinism; default: the instance's settings' ``solver``.
    progress : callable, optional
        Called with each :class:`~siting.solvers.Progress` report (stage, elapsed, objective,
        bound, gap).
    decompose : bool
        Split into independent parts (or budget-coupled parts) where the program allows.
    start : Plan, optional
        A plan of this instance's communities and spaces to start from, e.g. the plan of the
        same scenario with a smaller budget (``siting sweep`` over ``budget_cny``). Its design
        (spaces taken, services hosted, hubs) is re-solved for the continuous choices and used
        where it meets the rows: by budget-coupled parts as one more plan per part that the
        master may pick, and by a program solved whole as its MIP start. Independent parts (no
        budget) do not use it. The outcome is never worse than the start only where the start is
        used and its design meets every row; ``result.message`` says whether it was used.
    client : distributed.Client, optional
        Solve independent parts on this Dask cluster's workers instead of local threads
        (:mod:`siting.solve.cluster`; ``siting run --scheduler``): as many at once as the cluster
        has worker threads. Budget-coupled parts and a program solved whole run here.

    Returns
    -------
    Outcome
        The solver-neutral result, the plan and its independent evaluation (``None`` without
        a plan), and the options used. Picklable.

    Raises
    ------
    MemoryLimitError
        ``options.max_memory_gb`` is set and the estimated peak memory exceeds it
        (:func:`siting.solve.memory.check_memory`); nothing is solved.
    """
    if start is not None and (start.taken.shape != (inst.n_spaces,) or start.hub_space.shape != (inst.n_communities,)
                              or start.hosted.shape != (inst.n_spaces, inst.n_services)):
        raise SitingError(f"start: a plan of {start.taken.size} spaces and {start.hub_space.size} communities, "
                          f"expected one of this instance's {inst.n_spaces} spaces and {inst.n_communities} "
                          "communities")
    out = _solve_instance(inst, options, progress, decompose, start, client)
    notes = []
    if start is not None and "start plan" not in out.result.message:
        notes.append("the start plan not used: independent parts start from their own plans")
    if client is not None and "Dask cluster" not in out.result.message:
        notes.append("solved in this process: the Dask cluster solves independent parts only")
    if notes:
        result = dataclasses.replace(out.result, message="; ".join([m for m in (out.result.message,) if m] + notes))
        out = dataclasses.replace(out, result=result,
                                  plan=None if out.plan is None else dataclasses.replace(out.plan, result=result))
    return _marked_if_interrupted(out) if interrupt.requested() else out


def _marked_if_interrupted(out: Outcome) -> Outcome:
    """``out`` marked as stopped on request: ``interrupted``, and not proven."""
    r = out.result
    status = SolveStatus.FEASIBLE if r.status is SolveStatus.OPTIMAL else r.status
    message = "interrupted: the best plan found so far, not proven" if r.status.has_solution else (
        f"interrupted before a plan was found ({r.message})" if r.message else "interrupted before a plan was found")
    result = dataclasses.replace(r, status=status, interrupted=True, message=message)
    plan = None if out.plan is None else dataclasses.replace(out.plan, result=result)
    return dataclasses.replace(out, result=result, plan=plan)


def _solve_instance(inst: Instance, options: SolverOptions | None, progress: ProgressCallback | None,
                    decompose: bool, start: Plan | None = None, client: Any = None) -> Outcome:
    options = options or inst.settings.solver
    check_memory(inst, options)
    if decompose and coupled(inst) and options.coordinate != "never":
        parts = split(inst)
        if len(parts) > 1:
            t0 = time.perf_counter()
            whole = build_model(inst)
            if options.coordinate == "always" or int(whole.lp.integer.sum()) >= COORDINATE_MIN_INTEGERS:
                out = _solve_coupled(inst, parts, whole, options, progress, t0, start)
                if out.plan is not None and (out.evaluation is None or out.evaluation.feasible):
                    return out
                if out.result.status is SolveStatus.INFEASIBLE and out.result.message.startswith(NO_PLAN_ENFORCED):
                    return out  # proven by the parts' cheapest plans that meet the enforced standards
                # the safety net: a coordinated plan the checker rejects (once seen: null-plan columns
                # that broke an enforced standard; each part's first column now meets its rows), or no
                # plan without a proof: the whole program says why
    parts = split(inst) if decompose and decomposable(inst) else []
    if len(parts) <= 1:
        hint = None if start is None else _start_values(inst, start)
        one = _solve_one(inst, options, progress, hint)
        if start is not None:
            used = "the start plan given as MIP start" if hint is not None else \
                "the start plan not used: its design breaks a row of this program"
            one = dataclasses.replace(one, result=dataclasses.replace(
                one.result, message="; ".join(m for m in (one.result.message, used) if m)))
        ev = evaluate(inst, one.plan) if one.plan is not None else None
        return Outcome(inst, one.result, one.plan, ev, one.build_s, one.model_size, options)
    t0 = time.perf_counter()
    solved = _solve_parts(parts, options, progress, t0, client)
    results = [s.result for s in solved]
    plans = [s.plan for s in solved]
    sizes = [s.model_size for s in solved]
    build_total = float(sum(s.build_s for s in solved))
    stage_names = solved[0].stage_names
    seconds = time.perf_counter() - t0
    offset = _unreached_fixed_cost(inst, parts)
    result = merge_results(results, stage_names, seconds, offset, options.relative_gap)
    if client is not None:
        where = f"parts solved on the Dask cluster's {cluster_threads(client)} worker threads"
        result = dataclasses.replace(result, message="; ".join(m for m in (result.message, where) if m))
    size = {k: int(sum(s[k] for s in sizes)) for k in sizes[0]}
    if any(p is None for p in plans):
        return Outcome(inst, result, None, None, build_total, size, options, len(parts))
    plan = dataclasses.replace(merge_plans(inst, parts, plans), result=result)
    return Outcome(inst, result, plan, evaluate(inst, plan), build_total, size, options, len(parts))


def _unreached_fixed_cost(inst: Instance, parts: list[Part]) -> float:
    """Fixed cost of required spaces that no community reaches (they belong to no part)."""
    return fixed_spaces_cost_cny(inst, ~_in_parts(inst, parts))


def _in_parts(inst: Instance, parts: list[Part]) -> np.ndarray:
    return np.isin(np.arange(inst.n_spaces), np.concatenate([p.spaces for p in parts]))


def _start_values(inst: Instance, start: Plan) -> np.ndarray | None:
    """The whole program's variables at ``start``'s design, continuous choices re-solved; ``None``
    when the design breaks a row."""
    pp = part_program(Part(inst, np.arange(inst.n_communities), np.arange(inst.n_spaces)))
    col = start_column(pp, start)
    return None if col is None else col.x


def _solve_coupled(inst: Instance, parts: list[Part], whole: SitingModel, options: SolverOptions,
                   progress: ProgressCallback | None, t0: float, start: Plan | None = None) -> Outcome:
    """A budget couples the parts: prices on the coupling rows and a master over part plans
    (:mod:`siting.solve.coordinate`), then the chosen part plans merged and checked."""
    progs = [part_program(p) for p in parts]
    starts = None if start is None else [start_column(pp, start) for pp in progs]
    build_s = time.perf_counter() - t0
    offset = _unreached_fixed_cost(inst, parts)
    names = progs[0].model.stages
    rhs = budget_rows_rhs_cny(inst, ~_in_parts(inst, parts))  # one per budget row (yearly with phasing)
    result, xs = solve_coupled(progs, whole.lp, rhs, names, options, progress, t0, starts)
    if starts is not None:
        n_used = sum(c is not None for c in starts)
        result = dataclasses.replace(result, message=f"{result.message}; the start plan read on "
                                     f"{n_used} of {len(parts)} parts")
    stages = tuple(dataclasses.replace(st, objective=st.objective + offset,
                                       bound=None if st.bound is None else st.bound + offset,
                                       held_at=None if st.held_at is None else st.held_at + offset)
                   if st.name == "cost" and st.objective is not None else st for st in result.stages)
    last = stages[-1] if stages else None
    result = dataclasses.replace(result, stages=stages, objective=last.objective if xs is not None else None,
                                 bound=last.bound if xs is not None else None)
    sizes = [pp.lp.summary() for pp in progs]
    size = {k: int(sum(s[k] for s in sizes)) for k in sizes[0]}
    if xs is None:
        return Outcome(inst, result, None, None, build_s, size, options, len(parts))
    plans = []
    for pp, x in zip(progs, xs):
        sub = pp.part.instance
        plans.append(extract_plan(pp.model, dataclasses.replace(result, values=x), sub.n_communities, sub.n_spaces,
                                  sub.n_services, sub.share_group))
    plan = dataclasses.replace(merge_plans(inst, parts, plans), result=result)
    return Outcome(inst, result, plan, evaluate(inst, plan), build_s, size, options, len(parts))


# auto coordination: the whole program is solved directly below this many integer variables
# (tiny programs prove fast that way); measured on the budgeted demo (5,323 integers, 60 s): whole
# program 14.2 % / 65.9 % / 32.2 % stage gaps, coordinated 0.23 % / 89.9 % / 1.5 %, with a
# lexicographically better plan (benchmarks/budget_bench.py)
COORDINATE_MIN_INTEGERS = 1_000

# with at least this many parts the first pass goes stage first: every part's first stage, then
# every part's later stages (:func:`_solve_parts`)
STAGE_FIRST_MIN_PARTS = 40

# a re-solve is worth starting only with at least this much time for it (it repeats the
# model build and the completion step); at most this many passes after the first
RESUME_MIN_S = 2.0
MAX_RESUMES = 4
# a part is not started with less than this left of the overall limit (wall-clock mode)
NO_TIME_S = 0.5


def _solve_parts(parts: list[Part], options: SolverOptions, progress: ProgressCallback | None,
                 t0: float, client: Any = None) -> list[PartSolution]:
    """Solve independent parts in parallel threads (OR-Tools releases the GIL), or with ``client``
    on a Dask cluster's workers, as many at once as it has threads (each local thread then
    waits for its part's remote solve; :mod:`siting.solve.cluster`).

    Pass 1: the largest part starts first with its fair share of the whole limit (a city's
    giant component must not wait behind dozens of small parts); the rest go small first,
    each with a fair share of the time left among the parts not finished yet (small parts
    finish early, so the large ones inherit their time) but at least a fifth of the limit
    (size predicts difficulty badly: a 7-community demo part needs ~15 s). Measured on the
    demo district at 60 s with SCIP only: cost-stage gap 3.9 % (floor 2 s), 0.73 % (T/5),
    1.3 % (T/4); 0.646 % with the largest part first.

    With at least STAGE_FIRST_MIN_PARTS parts (a city's 74) pass 1 goes stage first: every
    part's first stage within the first 1/n of the limit (n stages), then every part's later
    stages from that plan with the time left; a stage a part had no time for is read from its
    plan with the box bound (:func:`~siting.solve.attempts.filled`). Parts solved as regions
    (:mod:`siting.solve.regions`) run on a lane of their own when there are threads to spare,
    one after the other, each with its share of the whole limit. Measured on the synthetic city
    (1,258 communities, 300 s, 2 threads, ``benchmarks/siting_bench.py --city-only``): shortfall
    110.4 against a bound of 98.5, where parts solved whole and one by one ended at 7,996 against
    72.8 (14 parts at their null plans; the giant one at 5,214.8).

    Later passes (at most MAX_RESUMES): while time is left, some parts are not proven and the
    merged result is not proven within the gap either (:func:`_merged_proven`), those parts are
    solved again, largest gap first, sharing the time left in proportion to their
    gaps, each warm-started from its best plan, from the first unproven stage on and
    (``auto``) with the other engine (:func:`_resume_from`). A part keeps whichever attempt
    is lexicographically better, with the better bound.

    Deterministic mode (``options.deterministic``, docs/determinism.md): no time shares. Every
    stage solve has the options' node limit (resume pass n: 2ⁿ times it; measured on the demo
    district side by side: 210.5 s to 0.052 % / 0.181 % against 238.5 s to 0.111 % / 0.198 % with
    the same limit in every pass), every unproven part is resumed in every pass, and the time
    limit is only the safety net (a pass it stops marks the result ``time_limit_hit``).
    """
    workers = cluster_threads(client) if client is not None else max(1, options.threads)
    # parts run ``workers`` at a time: each SCIP gets its share of a memory limit
    mem = None if options.max_memory_gb is None else options.max_memory_gb / workers
    solo = options.model_copy(update={"threads": 1, "max_memory_gb": mem})
    deadline = t0 + options.time_limit_s
    lock = threading.Lock()
    deterministic = options.deterministic

    def run_pass(order: list[int], weights: dict[int, float], floor_s: float, resume: dict[int, Resume],
                 until: float | None = None, first_only: bool = False,
                 n_workers: int = workers) -> dict[int, PartSolution]:
        """One pass over ``order`` on ``n_workers`` threads: each part's share of the time left
        before ``until`` (the overall deadline by default; a part solved as regions always shares
        up to the overall deadline)."""
        unfinished = dict(weights)

        def run(k: int) -> PartSolution:
            # deterministic mode: the node limits decide, and the whole limit is every pass's net
            end = deadline if until is None or k in regional or deterministic else until
            with lock:
                left = end - time.perf_counter()
                fair = left * min(1.0, n_workers * unfinished[k] / sum(unfinished.values()))
                # never beyond the overall limit (0.5 s minimum: a part still reports its null plan);
                # deterministic mode: the part's node budget is its limit, the time left the safety net
                share = max(left if deterministic else min(max(fair, floor_s), left), 0.5)

            def wrapped(p: Progress) -> None:
                progress(Progress(p.stage, p.n_stages, time.perf_counter() - t0, p.objective, p.bound, k, len(parts)))

            again = resume.get(k, Resume(None, (), solo))
            hint, settled, opts = again.hint, again.settled, again.options
            if interrupt.requested() or (not deterministic and deadline - time.perf_counter() < NO_TIME_S):
                # past the limit: a solver would still presolve, build and report for seconds (74
                # parts of the city each took 1–10 s on a 0.5 s share); the part keeps its null
                # plan (a resume: its earlier attempt)
                with lock:
                    unfinished.pop(k)
                return None if k in resume else _unsolved(parts[k].instance, options)
            try:
                part_opts = opts.model_copy(update={"time_limit_s": share})
                if client is None:
                    sol = _solve_one(parts[k].instance, part_opts, wrapped if progress is not None else None, hint,
                                     settled, first_only)
                else:  # live progress stays on the worker; the part's final figures are reported below
                    sol = remote(client, _solve_one, parts[k].instance, part_opts, None, hint, settled, first_only)
                    if sol is None:  # stopped on request while it ran remotely
                        return None if k in resume else _unsolved(parts[k].instance, options)
            finally:
                with lock:
                    unfinished.pop(k)
            if progress is not None and sol.result.stages and len(sol.result.stages) == len(sol.stage_names):
                # the part is done with this pass: its last stage's final figures (the live ones
                # were the solver's, before the lexicographic layer settled the stage)
                last = sol.result.stages[-1]
                progress(Progress(len(sol.result.stages) - 1, len(sol.stage_names), time.perf_counter() - t0,
                                  last.objective, last.bound, k, len(parts), done=True))
            return sol

        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            return dict(zip(order, pool.map(run, order)))

    weight = {k: float(p.instance.reach.n_pairs + p.instance.n_spaces + 1) for k, p in enumerate(parts)}
    largest = max(weight, key=lambda k: weight[k])
    regional = {k for k, p in enumerate(parts) if wants_regions(p.instance, solo)}
    first = sorted(regional | {largest}, key=lambda k: (-weight[k], k))
    order = first + sorted((k for k in weight if k not in first), key=lambda k: (weight[k], k))
    # the regions lane: with threads to spare, the parts solved as regions go one after the other
    # (smallest first, each its share of the whole limit) on a thread of their own, so that the
    # other parts' passes never wait for them (measured on the city: the stage-first pass waited
    # 100 s for the giant part with its second thread idle)
    lane = sorted(regional, key=lambda k: (weight[k], k)) if workers > 1 and len(regional) < len(parts) else []
    lane_exec = ThreadPoolExecutor(max_workers=1) if lane else None
    lane_done = None if lane_exec is None else lane_exec.submit(
        run_pass, lane, {k: weight[k] for k in lane}, 0.0, {}, None, False, 1)
    n_free = workers - bool(lane)
    others = [k for k in order if k not in lane]
    n_stages = len(mode_stages(parts[0].instance.settings.objective.mode))
    try:
        if len(parts) >= STAGE_FIRST_MIN_PARTS and n_stages > 1:
            # stage first: every part's first stage, then every part's later stages (a city's 74
            # parts, solved whole one by one, left 14 of them at their null plans after parts of
            # 11–14 communities spent up to 48 s each on their cost stages)
            limit = options.time_limit_s
            done = run_pass(others, {k: weight[k] for k in others}, limit / 5 / n_stages, {},
                            t0 + limit / n_stages, True, n_free)
            later = {k: Resume(s.result.values, s.result.stages[:1], solo) for k, s in done.items()
                     if len(s.result.stages) == 1 and s.result.values is not None
                     and s.result.stages[0].held_at is not None}
            rest = [k for k in others if k in later]
            again = run_pass(rest, {k: weight[k] for k in rest}, limit / 5 / n_stages, later, None, False, n_free)
            for k, s in again.items():
                if s is not None:
                    done[k] = s
            done = {k: filled(parts[k].instance, s) for k, s in done.items()}
        else:
            done = run_pass(others, {k: weight[k] for k in others}, options.time_limit_s / 5, {}, None, False,
                            n_free)
    finally:
        if lane_exec is not None:
            lane_exec.shutdown(wait=True)
    if lane_done is not None:  # a stage the re-optimisation did not reach: read from the plan
        done.update({k: filled(parts[k].instance, s) for k, s in lane_done.result().items()})
    timed_out = False

    for n_pass in range(1, MAX_RESUMES + 1):
        # a part solved as regions is not resumed: a resume is its whole program from the plan,
        # which on the city's giant part did not leave SCIP's root LP in 200 s
        redo = {k: open_gap(s) for k, s in done.items()
                if s.result.status is not SolveStatus.OPTIMAL and s.result.values is not None
                and not (s.result.stages and s.result.stages[0].solver == "regions")}
        # deterministic mode: every unproven part, with the same node limit per stage; else only
        # as many parts as can get RESUME_MIN_S each, largest gap first
        fit = len(redo) if deterministic else workers * int((deadline - time.perf_counter()) // RESUME_MIN_S)
        if not redo or fit <= 0 or interrupt.requested() or _merged_proven(done, len(parts), options.relative_gap):
            break
        if time.perf_counter() >= deadline - 0.5:
            timed_out = deterministic  # the safety net, not the work limit, ended the resumes
            break
        # ties broken by part index, so the order does not depend on anything but the gaps
        order = sorted(redo, key=lambda k: (-redo[k], k))[:fit]
        # time follows the open gaps (absolute, in the last stage's units): a small part far
        # from its bound needs the time more than a large part nearly proven
        finite = [g for g in redo.values() if math.isfinite(g)]
        cap = 2.0 * max(finite) if finite and max(finite) > 0 else 1.0
        need = {k: min(redo[k], cap) + 1e-9 * cap for k in order}
        # deterministic mode: each resume pass doubles the node limit (a part still unproven after
        # its root and a few nodes needs branching, not another root)
        opts = solo.model_copy(update={"work_limit": solo.node_limit() * 2 ** n_pass}) if deterministic else solo
        again = run_pass(order, need, 0.0, {k: resume_from(done[k].result, opts) for k in order})
        for k, s in again.items():
            if s is not None:
                done[k] = best_of(done[k], s, options.relative_gap)
    out = [done[k] for k in range(len(parts))]
    if timed_out:  # say so on the largest part's last stage: the merged result then says it
        r = out[largest].result
        if r.stages:
            stages = r.stages[:-1] + (dataclasses.replace(r.stages[-1], time_limit_hit=True),)
            out[largest] = dataclasses.replace(out[largest], result=dataclasses.replace(r, stages=stages))
    return out


def _merged_proven(done: dict[int, PartSolution], n_parts: int, relative_gap: float) -> bool:
    """Whether the parts' results, merged (:func:`~siting.solve.decompose.merge_results`), prove
    every stage of the whole within ``relative_gap``: the verdict the result will carry, so no
    resume pass can change it. (Without the fixed cost of spaces outside every part, which
    only lowers the cost stage's relative gap.)"""
    solved = [done.get(k) for k in range(n_parts)]
    if any(s is None or s.result.values is None for s in solved):
        return False
    names = solved[0].stage_names  # type: ignore[union-attr]
    merged = merge_results([s.result for s in solved], names, 0.0, 0.0, relative_gap)  # type: ignore[union-attr]
    return len(merged.stages) == len(names) and all(st.status is SolveStatus.OPTIMAL for st in merged.stages)


def _unsolved(inst: Instance, options: SolverOptions) -> PartSolution:
    """A part the time limit left no room for: its null plan (required spaces only, every
    shortfall reported) with its stage values and no bound, solved by nothing. When the null
    plan breaks a row (an enforced standard, required spaces over budget) the part is solved
    with the minimum time instead, to say so."""
    t0 = time.perf_counter()
    model = build_model(inst)
    build_s = time.perf_counter() - t0
    x = model.lp.hint
    if x is None or not model.lp.satisfies(x):
        return _solve_one(inst, options.model_copy(update={"time_limit_s": 0.5, "threads": 1}), None)
    stages = plan_stages(model.lp, x)
    result = SolveResult(SolveStatus.FEASIBLE, options.backend, stages[-1].objective, None, 0.0, x, tuple(stages),
                         "no time left for this part: its null plan")
    plan = extract_plan(model, result, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    return PartSolution(result, plan, build_s, model.lp.summary(), model.stages,
                        tuple(StageTolerance(o.sense, o.abs_tol, o.rel_tol) for o in model.lp.objectives))
