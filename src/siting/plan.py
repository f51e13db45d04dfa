"""The values a solve produces: :class:`Plan`, :class:`Evaluation`, :class:`Outcome`.

Frozen values only; this module imports nothing of siting but ``core`` (no model builder,
no solver). A :class:`Plan` holds decisions (by index) plus the solver-neutral result; all
figures (costs, shortfalls, coverage) are recomputed from it by the independent checker
:func:`siting.analysis.evaluate.evaluate`, so a plan from any source (a solver, a file, a
planner's hand edit) is checked the same way. :func:`used_area_m2` is the one definition of
a space's used floor area with time-shared services (M4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveResult


@dataclass(frozen=True, eq=False)
class Plan:
    """Decisions of a plan (indices refer to the instance's communities / spaces / services)."""

    taken: np.ndarray  # [J] bool
    hosted: np.ndarray  # [J,S] bool
    service_area_m2: np.ndarray  # [J,S]
    served_community: np.ndarray  # [k] community index of each service link
    served_space: np.ndarray  # [k]
    served_service: np.ndarray  # [k]
    served_users: np.ndarray  # [k]
    attributed_community: np.ndarray  # [n] area attribution (M5)
    attributed_space: np.ndarray
    attributed_m2: np.ndarray
    hub_space: np.ndarray  # [C] space index of the community's hub, -1 for none
    result: SolveResult | None = field(default=None, repr=False)
    stages: tuple[str, ...] = ()
    # multi-year phasing: [J] index of the year each taken space opens (its services open with
    # it), −1 for a space not taken; None for a single-period plan
    open_year: np.ndarray | None = None

    @property
    def n_taken(self) -> int:
        return int(self.taken.sum())

    def __repr__(self) -> str:
        """One line: spaces taken, services hosted, floor area, service links, hubs, status."""
        status = self.result.status.value if self.result is not None else "no result"
        hubs = int((np.asarray(self.hub_space) >= 0).sum())
        return (f"Plan({self.n_taken} of {self.taken.size} spaces taken, {int(np.asarray(self.hosted).sum())} "
                f"services hosted, {float(np.asarray(self.service_area_m2).sum()):,.0f} m², "
                f"{np.asarray(self.served_users).size} service links, {hubs} hubs, {status})")


def used_area_m2(service_area_m2: np.ndarray, share_group: np.ndarray) -> np.ndarray:
    """Floor area each space uses (M4): the sum over services, except that the services of one
    time-share group count once, with the largest of their areas.

    Parameters
    ----------
    service_area_m2 : [J, S] floor area per space and service.
    share_group : [S] time-share group index of each service, -1 for none.

    Returns
    -------
    [J] used floor area in m².
    """
    used = np.where(share_group[None, :] < 0, service_area_m2, 0.0).sum(axis=1)
    for g in np.unique(share_group[share_group >= 0]):
        used += service_area_m2[:, share_group == g].max(axis=1)
    return used


@dataclass(frozen=True)
class Violation:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


@dataclass(frozen=True, eq=False)
class YearlyFigures:
    """Multi-year phasing figures of a plan, per year t (recomputed by the checker)."""

    years: np.ndarray  # [T]
    spending_cny: np.ndarray  # [T] one-off costs of what opens in t + yearly costs of what is open
    budget_cny: np.ndarray | None  # [T] yearly budgets as given (None: no yearly limit)
    carry_over: bool
    spaces_opened: np.ndarray  # [T] spaces opening in t
    spaces_open: np.ndarray  # [T] spaces open in t
    area_short_m2: np.ndarray  # [T, C]
    hub_short: np.ndarray  # [T, C] bool
    due: np.ndarray  # [T, C] bool: the community's target applies in t
    pilot: np.ndarray  # [C] bool
    users_served: np.ndarray  # [T] users served by the spaces open in t

    @property
    def meets(self) -> np.ndarray:
        """[T, C] community meets the area standard and the hub rule in year t."""
        return (self.area_short_m2 <= 0) & ~self.hub_short

    @property
    def shortfall_due(self) -> np.ndarray:
        """[T] communities due in t that do not meet the standards."""
        return (self.due & ~self.meets).sum(axis=1)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything recomputed from a plan: feasibility, objectives and the planner's figures."""

    violations: tuple[Violation, ...]
    used_area_m2: np.ndarray  # [J]
    served_users: np.ndarray  # [C,S] by new spaces
    coverage_need: np.ndarray  # [C,S]
    coverage_short_users: np.ndarray  # [C,S]
    area_provided_m2: np.ndarray  # [C] existing + attributed
    area_short_m2: np.ndarray  # [C]
    hub_short: np.ndarray  # [C] bool
    cost_cny: float
    cost_breakdown_cny: dict[str, float]
    shortfall: float  # (O1)
    weighted_served: float  # (O2)
    colocated_pairs: int
    min_coverage: float  # (O4)
    objectives: dict[str, float] = field(default_factory=dict)
    yearly: YearlyFigures | None = None  # multi-year phasing only

    @property
    def feasible(self) -> bool:
        return not self.violations


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a solve produced: the result (always), the plan and its evaluation (when solved),
    and the solver options the run actually used."""

    instance: Instance
    result: SolveResult
    plan: Plan | None
    evaluation: Evaluation | None
    build_s: float
    model_size: dict[str, int]
    options: SolverOptions
    parts: int = 1

    def __repr__(self) -> str:
        """One line: instance, status, objective and bound, spaces taken, violations, seconds."""
        r = self.result
        obj = "no objective" if r.objective is None else f"objective {r.objective:.6g}"
        if r.bound is not None and r.objective is not None:
            obj += f" (bound {r.bound:.6g})"
        taken = "no plan" if self.plan is None else f"{self.plan.n_taken} of {self.plan.taken.size} spaces taken"
        checked = ("not evaluated" if self.evaluation is None
                   else f"{len(self.evaluation.violations)} violations")
        parts = f", {self.parts} parts" if self.parts != 1 else ""
        return (f"Outcome({self.instance.name!r}: {r.status.value}, {obj}, {taken}, {checked}, "
                f"{r.backend}, {r.seconds:.1f} s{parts})")
