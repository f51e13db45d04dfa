"""Solver options: the one definition of how to solve, and of its defaults.

:class:`SolverOptions` is frozen; the scenario's ``solver:`` section, the CLI flags
(``--backend``, ``--time-limit-s``, ``--gap``, ``--threads``) and the library all start
from these defaults, and :class:`~siting.plan.Outcome` records the options a run used.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from siting.guards import LIMITS, limit

Backend = Literal["auto", "scip", "cpsat", "highs", "cbc"]

#: What the classical location models (``siting.classical``) use when given no options: they are
#: judged against published optima, so they prove within 0.01 % on one thread by default.
#: They run until proven or out of time (not on a node budget): a proof is reproducible anyway.
CLASSICAL_DEFAULTS: dict[str, float | int | bool] = {"relative_gap": 1e-4, "threads": 1, "deterministic": False}


#: Default work limit of deterministic mode: branch-and-bound nodes per stage solve (see
#: ``docs/determinism.md`` for how nodes relate to seconds on the demo).
WORK_NODES_PER_STAGE = 20


class SolverOptions(BaseModel):
    """How to solve. Frozen; copy with ``opts.model_copy(update={...})``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    backend: Backend = Field(
        "auto", description="auto = SCIP for the earlier lexicographic stages, HiGHS for the last (cost) stage"
    )
    time_limit_s: float = Field(60.0, gt=0, le=LIMITS["time_limit_s"][1])
    relative_gap: float = Field(0.005, ge=0, le=1, description='"optimal" = proven within this gap')
    threads: int = Field(2, **limit("threads"), description="independent parts are solved in parallel")
    coordinate: Literal["auto", "always", "never"] = Field(
        "auto", description="budget-coupled parts: prices on the budget row and a master over part plans "
        "(siting.solve.coordinate); auto = when the whole program has at least 1,000 integer variables"
    )
    regions: Literal["auto", "never"] = Field(
        "auto", description="a part of at least 60 communities is solved as geographic regions of about 20 "
        "communities, its design then re-optimised on the whole part, bounded by the part's LP relaxation "
        "(siting.solve.regions); never = every part whole"
    )
    deterministic: bool = Field(
        True, description="limit the solve by work (branch-and-bound nodes), not by machine load: the same "
        "inputs give the same plan; time_limit_s is then only a safety net, and a run that hits it says so"
    )
    work_limit: int | None = Field(
        None, ge=1, description="deterministic mode: branch-and-bound nodes each stage solve may use (each part's "
        "stage, each pricing problem; resume pass n of a part: 2^n times this); None = WORK_NODES_PER_STAGE"
    )
    max_memory_gb: float | None = Field(
        None, gt=0, description="refuse up front a solve whose estimated peak memory exceeds this "
        "(siting.solve.memory), and cap SCIP's memory to it"
    )
    seed: int = Field(0, **limit("seed"))
    log: bool = False
    heuristics: Literal["auto", "default", "high"] = Field(
        "auto", description="primal heuristics emphasis; auto = high for lexicographic stages after the first"
    )

    def node_limit(self) -> int | None:
        """The node limit of each stage solve.

        Returns
        -------
        int or None
            ``None`` outside deterministic mode, else ``work_limit`` or :data:`WORK_NODES_PER_STAGE`.
        """
        if not self.deterministic:
            return None
        return int(self.work_limit) if self.work_limit is not None else WORK_NODES_PER_STAGE
