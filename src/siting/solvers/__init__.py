"""Solver backends behind one function, :func:`solve`, and solver-neutral results."""

from __future__ import annotations

from siting.core.options import Backend, SolverOptions
from siting.core.results import SolveResult, SolveStatus, StageResult
from siting.solvers.lexicographic import solve_lexicographic
from siting.solvers.program import LinearProgram, LinearProgramBuilder, Objective
from siting.solvers.progress import Progress, ProgressCallback


def solve(lp: LinearProgram, options: SolverOptions | None = None, progress: ProgressCallback | None = None,
          settled: tuple[StageResult, ...] = ()) -> SolveResult:
    """Solve ``lp`` (lexicographically when it has several objectives) with ``options.backend``.

    ``scip`` / ``cpsat`` / ``highs`` run in this process through OR-Tools MathOpt; ``cbc``
    runs PuLP + CBC in a child process so that PuLP's optional highspy import can never
    clash with OR-Tools' own HiGHS. ``settled``: leading stages of an earlier attempt that
    are not solved again (see :func:`solve_lexicographic`). With OR-Tools, a stage that stops
    with a plan but no dual bound gets its LP relaxation (GLOP) as the bound, named as such.
    """
    options = options or SolverOptions()
    if options.backend == "cbc":
        from siting.solvers.pulp_backend import solve_stage as single

        return solve_lexicographic(lp, options, single, options.backend, progress, settled)
    from siting.solvers.ortools_backend import solve_stage as single
    from siting.solvers.relaxation import stage_lp_bound

    return solve_lexicographic(lp, options, single, options.backend, progress, settled, lp_bound=stage_lp_bound)


__all__ = [
    "Backend", "LinearProgram", "LinearProgramBuilder", "Objective", "Progress", "ProgressCallback",
    "SolveResult", "SolveStatus", "SolverOptions", "StageResult", "solve",
]
