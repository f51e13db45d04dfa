"""siting: reuse idle spaces for neighbourhood public services, as a mixed-integer program.

Data flows one way: inputs → validated :class:`Instance` → :func:`build_model` →
solver backend → :class:`Plan` → :func:`evaluate` / tables / outputs.

    >>> from siting import Instance, PlanningSettings, solve_instance
    >>> inst = Instance.from_geodataframes(communities_gdf, spaces_gdf, PlanningSettings())
    >>> outcome = solve_instance(inst)
    >>> outcome.plan, outcome.evaluation.feasible
"""

from .api import Outcome, solve_instance
from .errors import InputError, ScenarioError, SitingError, SolverError
from .evaluate import Evaluation, evaluate
from .instance import Instance
from .model import build_model
from .plan import Plan
from .scenario import Scenario, load_scenario
from .settings import PlanningSettings
from .solvers import SolverOptions, SolveResult, SolveStatus
from .travel import ReachTable, straight_line_reach

__version__ = "0.1.0"

__all__ = [
    "Evaluation", "InputError", "Instance", "Outcome", "Plan", "PlanningSettings", "ReachTable", "Scenario",
    "ScenarioError", "SitingError", "SolveResult", "SolveStatus", "SolverError", "SolverOptions", "build_model",
    "evaluate", "load_scenario", "solve_instance", "straight_line_reach",
]
