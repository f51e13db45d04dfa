"""The library's front door: instance → model → solve → plan, one pure function.

``solve_instance`` is a pure function of picklable inputs with a picklable result, so a
worker process (or a Dask worker) can run it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .errors import SitingError
from .evaluate import Evaluation, evaluate
from .instance import Instance
from .model import SitingModel, build_model
from .plan import Plan, extract_plan
from .solvers import ProgressCallback, SolveResult, SolverOptions, solve


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a solve produced: the result (always), the plan and its evaluation (when solved)."""

    instance: Instance
    result: SolveResult
    plan: Plan | None
    evaluation: Evaluation | None
    build_s: float
    model_size: dict[str, int]


def solve_instance(
    inst: Instance, options: SolverOptions | None = None, progress: ProgressCallback | None = None
) -> Outcome:
    """Build the MIP, solve it, read back the plan and check it independently."""
    options = options or inst.settings.solver
    t0 = time.perf_counter()
    model: SitingModel = build_model(inst)
    build_s = time.perf_counter() - t0
    result = solve(model.lp, options, progress)
    plan = extract_plan(model, result, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    ev = evaluate(inst, plan) if plan is not None else None
    return Outcome(inst, result, plan, ev, build_s, model.lp.summary())


__all__ = ["Outcome", "SitingError", "solve_instance"]
