"""siting: reuse idle spaces for neighbourhood public services, as a mixed-integer program.

Data flows one way (``docs/architecture.md``): inputs (``io``) → validated :class:`Instance`
(``core``) → :func:`build_model` (``model``) → solver backend (``solvers``, coordinated by
``solve``) → :class:`Plan` / :class:`Outcome` (``plan``) → :func:`evaluate`, tables and figures
(``analysis``) → report and output folder (``report``, ``io.outputs``).

    >>> from siting import Instance, PlanningSettings, solve_instance
    >>> inst = Instance.from_geodataframes(communities_gdf, spaces_gdf, PlanningSettings())
    >>> outcome = solve_instance(inst)
    >>> outcome.plan, outcome.evaluation.feasible
    >>> layers = outcome.to_geodataframes()      # communities, spaces, links, hubs, shortfalls
    >>> outcome.write("plan")                    # the folder `siting run` writes
    >>> siting.report(outcome, "report.html")    # the HTML report alone

``siting.report`` is the report package and also a function (:func:`siting.api.report`); it is
not in ``__all__``, so ``from siting import *`` leaves it alone.
"""

from siting.analysis.evaluate import evaluate
from siting.api import load_instance, run_scenario, write_outcome, write_report
from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus
from siting.core.settings import PlanningSettings
from siting.errors import InputError, ScenarioError, SitingError, SitingWarning, SolverError
from siting.io.scenario import Scenario, load_scenario
from siting.model import build_model
from siting.plan import Evaluation, Outcome, Plan
from siting.solve import solve_instance
from siting.travel.reach import ReachTable, straight_line_reach

__version__ = "0.1.0"

__all__ = [
    "Evaluation", "InputError", "Instance", "Outcome", "Plan", "PlanningSettings", "ReachTable", "Scenario",
    "ScenarioError", "SitingError", "SitingWarning", "SolveResult", "SolveStatus", "SolverError", "SolverOptions",
    "build_model", "evaluate", "load_instance", "load_scenario", "run_scenario", "solve_instance",
    "straight_line_reach", "write_outcome", "write_report",
]
