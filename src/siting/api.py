"""The library's front door: load, solve, write.

Each step is one call and each result a frozen value, so a notebook can stop after any of
them::

    scenario = load_scenario("scenario.yaml", overrides=["tight_budget"])
    inst = load_instance(scenario)               # files → validated, frozen Instance
    outcome = solve_instance(inst)               # model → solver → plan → independent check
    write_outcome(outcome, "plans/tight")        # GeoPackage, CSV, summary.json, report.html

:func:`run_scenario` does all four. ``solve_instance`` is a pure function of picklable inputs
with a picklable result (a worker process or a Dask worker can run it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from siting.errors import SitingError
from siting.io.load import load_instance
from siting.io.outputs import write_outcome
from siting.io.scenario import Scenario, load_scenario
from siting.plan import Outcome
from siting.solve import solve_instance
from siting.solvers import ProgressCallback
from siting.whatif.compare import compare_scenarios


def run_scenario(path: str | Path, out: str | Path, *, overrides: Sequence[str] = (), assignments: Sequence[str] = (),
                 progress: ProgressCallback | None = None, force: bool = False) -> Outcome:
    """Load a scenario file (with named ``overrides`` and ``--set``-style ``assignments``), solve
    it with its own solver options and write the plan folder ``out``; returns the outcome."""
    scenario: Scenario = load_scenario(path, overrides=overrides, assignments=assignments)
    outcome = solve_instance(load_instance(scenario), scenario.solver, progress)
    write_outcome(outcome, out, force=force, scenario=scenario)
    return outcome


__all__ = ["Outcome", "SitingError", "compare_scenarios", "load_instance", "load_scenario", "run_scenario",
           "solve_instance", "write_outcome"]
