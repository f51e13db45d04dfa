"""Solver-neutral results: status, stage results, gap (in the spirit of linopy / MathOpt).

Values only, shared by every stage: a backend in :mod:`siting.solvers` fills them, a
:class:`~siting.plan.Plan` keeps one, reports read them. Callers never see a solver's own
status codes; the termination reason (``message``, ``log_tail``) is kept apart from the status.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

import numpy as np


class SolveStatus(str, enum.Enum):
    """Outcome of a solve, independent of the backend."""

    OPTIMAL = "optimal"            # proven optimal within the requested relative gap
    FEASIBLE = "feasible"          # a solution, but optimality not proven (time limit, ...)
    INFEASIBLE = "infeasible"      # proven: no solution exists
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"    # limit reached before any solution was found
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


#: Objective and bound this close (absolute) are equal: the solvers' feasibility tolerance, and
#: above the tolerance a lexicographic stage is held at (1e-7). A stage whose optimum is 0, held
#: at 0 + 1e-7 and read from a later stage's plan at 1e-7, would otherwise show a 100 % gap.
GAP_ABS_TOL = 1e-6


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective − bound| / max(|objective|, 1e-9); 0 when they differ by at most
    :data:`GAP_ABS_TOL`."""
    if objective is None or bound is None:
        return None
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    diff = abs(objective - bound)
    if diff <= GAP_ABS_TOL:
        return 0.0
    return diff / max(abs(objective), 1e-9)


@dataclass(frozen=True)
class StageResult:
    """Result of one stage of a lexicographic solve."""

    name: str
    status: SolveStatus
    objective: float | None
    bound: float | None
    seconds: float
    solver: str = ""  # the engine that settled this stage ("scip", "highs", "highs+scip", ...)
    held_at: float | None = None  # the value later stages were held to (before the tolerance)
    # where ``bound`` comes from, in words ("MIP dual bound (scip)", "sum of the parts' MIP bounds",
    # "Lagrangian dual at price λ = …"); empty exactly when there is no bound
    bound_source: str = ""
    # branch-and-bound nodes the stage's solves used (the work unit of deterministic mode)
    nodes: int = 0
    # a wall-clock limit stopped some solve of this stage (in deterministic mode: the plan is
    # then not reproducible, since how far a solve gets in given seconds depends on machine load)
    time_limit_hit: bool = False

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


class OutcomeFigures:
    """Gap and optimality derived from ``status``, ``objective`` and ``bound`` (shared by every
    solver-neutral result: the siting model's and the classical models')."""

    status: SolveStatus
    objective: float | None
    bound: float | None

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)

    @property
    def proven_optimal(self) -> bool:
        return self.status is SolveStatus.OPTIMAL

    @property
    def has_solution(self) -> bool:
        return self.status.has_solution


@dataclass(frozen=True)
class SolveResult(OutcomeFigures):
    """A solver-neutral result: status, objective(s), bound(s), gap, seconds, values.

    ``values`` holds one entry per variable of the :class:`~siting.solvers.program.LinearProgram`
    (``None`` without a solution). For a lexicographic program ``objective`` / ``bound``
    are those of the last stage; ``stages`` keeps each stage.
    """

    status: SolveStatus
    backend: str
    objective: float | None
    bound: float | None
    seconds: float
    values: np.ndarray | None
    stages: tuple[StageResult, ...] = ()
    message: str = ""
    log_tail: tuple[str, ...] = field(default=(), repr=False)
    # the solve was stopped on request (Ctrl-C) before it finished: the plan, if any, is the best
    # found so far and not proven (status is then never OPTIMAL)
    interrupted: bool = False

    @property
    def nodes(self) -> int:
        """Branch-and-bound nodes used by every stage's solves."""
        return int(sum(s.nodes for s in self.stages))

    @property
    def time_limit_hit(self) -> bool:
        """Whether a wall-clock limit stopped any solve (a deterministic run is then not reproducible)."""
        return any(s.time_limit_hit for s in self.stages)
