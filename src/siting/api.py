"""The library's front door: load, solve, write.

Each step is one call and each result a frozen value, so a notebook can stop after any of
them::

    scenario = load_scenario("scenario.yaml", overrides=["tight_budget"])
    inst = load_instance(scenario)               # files → validated, frozen Instance
    outcome = solve_instance(inst)               # model → solver → plan → independent check
    write_outcome(outcome, "plans/tight")        # GeoPackage, CSV, summary.json, report.html

:func:`run_scenario` does all four. ``solve_instance`` is a pure function of picklable inputs
with a picklable result (a worker process or a Dask worker can run it).

The outputs of an outcome, for a notebook: ``outcome.to_geodataframes()`` (the plan's layers),
``outcome.write(folder)`` (the folder ``siting run`` writes, :func:`write_outcome`) and
``siting.report(outcome, path)`` (the HTML report alone, :func:`write_report`). The methods of
:class:`~siting.plan.Outcome` are wired here (:func:`siting.plan.register_writers`), since
``plan.py`` may import only ``core``; ``siting.report`` is the report package, made callable here
(its submodules import as before).
"""

from __future__ import annotations

import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd

from siting.analysis.accessibility import Decay
from siting.analysis.figures import plan_figures
from siting.errors import OutputError, SitingError
from siting.io.load import load_instance
from siting.io.outputs import plan_layers, write_outcome, write_report
from siting.io.scenario import Scenario, load_scenario
from siting.plan import Outcome, register_writers
from siting.report.words import Lang
from siting.solve import solve_instance
from siting.solvers import ProgressCallback
from siting.whatif.compare import compare_scenarios


def run_scenario(path: str | Path, out: str | Path, *, overrides: Sequence[str] = (), assignments: Sequence[str] = (),
                 progress: ProgressCallback | None = None, force: bool = False) -> Outcome:
    """Load a scenario file, solve it with its own solver options and write the plan folder.

    Parameters
    ----------
    path : the scenario YAML file.
    out : the plan folder to write (as ``siting run --out``).
    overrides : named overrides of the file to apply, in order (``-o NAME``).
    assignments : ``key.path=value`` assignments applied last (``--set``).
    progress : called with each :class:`~siting.solvers.Progress` report of the solver.
    force : replace an existing non-empty ``out``.

    Returns
    -------
    Outcome
        The solve, as written to ``out``.

    Raises
    ------
    ScenarioError, InputError
        The scenario or its data files are malformed (file, row and field named); nothing is solved.
    OutputError
        ``out`` cannot be written (checked again after the solve; nothing half-written is left).
    """
    scenario: Scenario = load_scenario(path, overrides=overrides, assignments=assignments)
    outcome = solve_instance(load_instance(scenario), scenario.solver, progress)
    write_outcome(outcome, out, force=force, scenario=scenario)
    return outcome


def outcome_layers(outcome: Outcome) -> dict[str, gpd.GeoDataFrame]:
    """The plan's GIS layers: :meth:`Outcome.to_geodataframes <siting.plan.Outcome.to_geodataframes>`.

    Parameters
    ----------
    outcome : a solve with a plan.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        :func:`siting.io.outputs.plan_layers` of :func:`siting.analysis.figures.plan_figures`.
    """
    return plan_layers(plan_figures(outcome))


def report(outcome: Outcome, path: str | Path, *, decay: Decay = "none", title: str | None = None,
           lang: Lang = "en") -> Path:
    """Write the self-contained HTML report of ``outcome`` to ``path``: ``siting.report(outcome, path)``.

    Parameters
    ----------
    outcome : the solve to report (with or without a plan).
    path : the file to write, atomically (an existing file is replaced).
    decay : the 2SFCA distance decay of the accessibility section (``"none"``, ``"gaussian"``,
        ``"stepped"``).
    title : the page title (default "Siting plan — <scenario>").
    lang : ``"en"`` or ``"zh"``, the labels' language.

    Returns
    -------
    pathlib.Path
        The file written; the same page as ``report.html`` in the folder :meth:`Outcome.write` writes.

    Raises
    ------
    OutputError
        ``path`` is a folder, or its folder does not exist; nothing is written.
    """
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give the report's file name, e.g. {target / 'report.html'}")
    if not target.resolve().parent.is_dir():
        raise OutputError(f"{target.resolve().parent}: folder does not exist")
    return write_report(outcome, path, decay=decay, title=title, lang=lang)


class _CallableReportPackage(types.ModuleType):
    """``siting.report``: the report package (``siting.report.html``, …) that is also :func:`report`."""

    def __call__(self, outcome: Outcome, path: str | Path, **options: Any) -> Path:
        return report(outcome, path, **options)


register_writers(layers=outcome_layers, write=write_outcome)
sys.modules["siting.report"].__class__ = _CallableReportPackage

__all__ = ["Outcome", "SitingError", "compare_scenarios", "load_instance", "load_scenario", "outcome_layers",
           "report", "run_scenario", "solve_instance", "write_outcome", "write_report"]
