"""The library's front door: instance → model → solve → plan, one pure function.

``solve_instance`` is a pure function of picklable inputs with a picklable result, so a
worker process (or a Dask worker) can run it. Without a budget, in the ``standards`` and
``demand`` modes, it solves the independent parts of the instance separately
(:mod:`siting.decompose`, exact), which is what makes a district solve to proven optimality.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .decompose import decomposable, merge_plans, merge_results, split
from .errors import SitingError
from .evaluate import Evaluation, evaluate
from .instance import Instance
from .model import SitingModel, build_model
from .plan import Plan, extract_plan
from .solvers import Progress, ProgressCallback, SolveResult, SolverOptions, SolveStatus, solve


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a solve produced: the result (always), the plan and its evaluation (when solved)."""

    instance: Instance
    result: SolveResult
    plan: Plan | None
    evaluation: Evaluation | None
    build_s: float
    model_size: dict[str, int]
    parts: int = 1


def _solve_one(inst: Instance, options: SolverOptions, progress: ProgressCallback | None,
               hint: np.ndarray | None = None
               ) -> tuple[SolveResult, Plan | None, float, dict[str, int], tuple[str, ...]]:
    t0 = time.perf_counter()
    model: SitingModel = build_model(inst)
    build_s = time.perf_counter() - t0
    lp = model.lp if hint is None else dataclasses.replace(model.lp, hint=hint)
    result = solve(lp, options, progress)
    plan = extract_plan(model, result, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    return result, plan, build_s, model.lp.summary(), model.stages


def solve_instance(
    inst: Instance, options: SolverOptions | None = None, progress: ProgressCallback | None = None,
    *, decompose: bool = True,
) -> Outcome:
    """Build the MIP, solve it, read back the plan and check it independently."""
    options = options or inst.settings.solver
    parts = split(inst) if decompose and decomposable(inst) else []
    if len(parts) <= 1:
        result, plan, build_s, size, _ = _solve_one(inst, options, progress)
        ev = evaluate(inst, plan) if plan is not None else None
        return Outcome(inst, result, plan, ev, build_s, size)
    t0 = time.perf_counter()
    solo = options.model_copy(update={"threads": 1})
    workers = max(1, options.threads)
    weight = {k: float(p.instance.reach.n_pairs + p.instance.n_spaces + 1) for k, p in enumerate(parts)}
    lock = threading.Lock()

    def run_phase(keys: list[int], fraction: float, floor_s: float, previous: dict[int, tuple]) -> dict[int, tuple]:
        """Solve ``keys`` (small first), each with a fair share of ``fraction`` of the time left."""
        unfinished = {k: weight[k] for k in keys}
        phase_end = t0 + options.time_limit_s - (1 - fraction) * (options.time_limit_s - (time.perf_counter() - t0))

        def run(k: int):
            with lock:
                left = phase_end - time.perf_counter()
                share = max(left * min(1.0, workers * unfinished[k] / sum(unfinished.values())), floor_s)
            def wrapped(p: Progress) -> None:
                progress(Progress(p.stage, p.n_stages, time.perf_counter() - t0, p.objective, p.bound, k, len(parts)))

            hint = previous[k][0].values if k in previous else None
            try:
                return _solve_one(parts[k].instance, solo.model_copy(update={"time_limit_s": share}),
                                  wrapped if progress is not None else None, hint)
            finally:
                with lock:
                    unfinished.pop(k)

        order = sorted(keys, key=lambda k: weight[k])
        # OR-Tools releases the GIL while solving, so threads give real parallelism.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return dict(zip(order, pool.map(run, order)))

    # Phase 1: every part gets a fair share of half the time; phase 2: the parts not proven
    # optimal share what is left, warm-started from their phase-1 plans (never worse: the
    # phase-1 plan is a feasible hint for every stage it did not improve on).
    done = run_phase(list(range(len(parts))), 0.5, min(2.0, options.time_limit_s / 4), {})
    retry = [k for k, r in done.items() if r[0].status is not SolveStatus.OPTIMAL and r[1] is not None]
    left = options.time_limit_s - (time.perf_counter() - t0)
    if retry and left > 1.0:
        again = run_phase(retry, 1.0, 0.5, done)
        for k, r in again.items():
            if r[1] is not None and len(r[0].stages) == len(done[k][0].stages) and all(
                    st.status.has_solution for st in r[0].stages):
                done[k] = r
    solved = [done[k] for k in range(len(parts))]
    results = [s[0] for s in solved]
    plans = [s[1] for s in solved]
    sizes = [s[3] for s in solved]
    build_total = float(sum(s[2] for s in solved))
    stage_names = solved[0][4]
    seconds = time.perf_counter() - t0
    offset = float(inst.fixed_cost_cny[inst.must_take & ~np.isin(np.arange(inst.n_spaces),
                                                                  np.concatenate([p.spaces for p in parts]))].sum())
    result = merge_results(results, stage_names, seconds, offset, options.relative_gap)
    size = {k: int(sum(s[k] for s in sizes)) for k in sizes[0]}
    if any(p is None for p in plans):
        return Outcome(inst, result, None, None, build_total, size, len(parts))
    plan = merge_plans(inst, parts, plans)
    plan = Plan(**{**plan.__dict__, "result": result})
    return Outcome(inst, result, plan, evaluate(inst, plan), build_total, size, len(parts))


__all__ = ["Outcome", "SitingError", "solve_instance"]
