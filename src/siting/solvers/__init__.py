"""Solver backends behind one function, :func:`solve`, and solver-neutral results."""

from __future__ import annotations

from .base import Backend, Progress, ProgressCallback, SolveResult, SolverOptions, SolveStatus, StageResult
from .linear import LinearProgram, LinearProgramBuilder, Objective
from .lexicographic import solve_lexicographic


def solve(lp: LinearProgram, options: SolverOptions | None = None, progress: ProgressCallback | None = None,
          settled: tuple[StageResult, ...] = ()) -> SolveResult:
    """Solve ``lp`` (lexicographically when it has several objectives) with ``options.backend``.

    ``scip`` / ``cpsat`` / ``highs`` run in this process through OR-Tools MathOpt; ``cbc``
    runs PuLP + CBC in a child process so that PuLP's optional highspy import can never
    clash with OR-Tools' own HiGHS. ``settled``: leading stages of an earlier attempt that
    are not solved again (see :func:`solve_lexicographic`).
    """
    options = options or SolverOptions()
    if options.backend == "cbc":
        from .pulp_backend import solve_stage as single
    else:
        from .ortools_backend import solve_stage as single
    return solve_lexicographic(lp, options, single, options.backend, progress, settled)


__all__ = [
    "Backend", "LinearProgram", "LinearProgramBuilder", "Objective", "Progress", "ProgressCallback",
    "SolveResult", "SolveStatus", "SolverOptions", "StageResult", "solve",
]
