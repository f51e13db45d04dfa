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
from .solvers import Progress, ProgressCallback, SolveResult, SolverOptions, solve


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

    def run(k: int):
        # a fair share of the time left among the parts not finished yet; small parts
        # finish early, so the large ones inherit the time they leave
        with lock:
            left = options.time_limit_s - (time.perf_counter() - t0)
            fair = left * min(1.0, workers * unfinished[k] / sum(unfinished.values()))
            # never beyond the overall limit (0.5 s minimum: a part still reports its null plan)
            share = max(min(max(fair, floor_s), left), 0.5)

        def wrapped(p: Progress) -> None:
            progress(Progress(p.stage, p.n_stages, time.perf_counter() - t0, p.objective, p.bound, k, len(parts)))

        try:
            return _solve_one(parts[k].instance, solo.model_copy(update={"time_limit_s": share}),
                              wrapped if progress is not None else None)
        finally:
            with lock:
                unfinished.pop(k)

    # One pass (measured against a two-phase scheme that re-solved unproven parts with warm
    # starts: cost-stage gap 5.5 % / 3.9 % against 7.2 % / 5.5 % at 60 s on the demo district).
    unfinished = dict(weight)
    # every part gets at least a fifth of the limit: size predicts difficulty badly (a
    # 7-community demo part needs ~11 s), and easy parts finish early anyway. Measured on the
    # demo district at 60 s: cost-stage gap 3.9 % (floor 2 s), 0.73 % (T/5), 1.3 % (T/4).
    floor_s = options.time_limit_s / 5
    # the largest part starts first with its fair share of the whole limit (a city's giant
    # component must not wait behind dozens of small parts); the rest go small first
    largest = max(weight, key=lambda k: weight[k])
    order = [largest] + sorted((k for k in weight if k != largest), key=lambda k: weight[k])
    # OR-Tools releases the GIL while solving, so threads give real parallelism.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(order, pool.map(run, order)))
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
