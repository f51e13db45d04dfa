"""Every figure of a solved plan, computed once: what ``io.outputs`` writes and ``report`` shows.

:func:`plan_figures` turns an :class:`~siting.plan.Outcome` into :class:`PlanFigures`: the
JSON summary (with the solver options the run used), the 2SFCA accessibility and
health-check tables, and the planner's tables (communities, spaces, links, services,
coverage by age group, standards not met). The output folder and the HTML report both read
this one value, so a figure can never differ between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from siting.analysis import tables
from siting.analysis.accessibility import (
    Decay,
    accessibility_by_community,
    accessibility_by_service,
    accessibility_table,
)
from siting.analysis.healthcheck import healthcheck_districts, healthcheck_summary, healthcheck_table
from siting.analysis.phasing_tables import year_table
from siting.analysis.solver_view import cost_and_objective, present_solver
from siting.plan import Outcome


@dataclass(frozen=True, eq=False)
class PlanFigures:
    """Figures of one outcome. The plan tables are ``None`` when the solve found no plan.

    Attributes
    ----------
    summary : dict
        ``summary.json``.
    accessibility, accessibility_by_service : pandas.DataFrame
        2SFCA per community × service and per service, before / after.
    healthcheck, healthcheck_districts : pandas.DataFrame
        Health-check index per community and per district, before / after.
    decay : str
        The 2SFCA distance decay used.
    communities, spaces, candidates, links : geopandas.GeoDataFrame or None
        Communities (with health-check and accessibility columns), the spaces taken, every
        candidate space (column ``taken``) and the service links.
    services, coverage_by_age, shortfalls : pandas.DataFrame or None
        Per service, per age group, and every standard not met.
    """

    summary: dict[str, Any]
    accessibility: pd.DataFrame  # per community × service, before/after (2SFCA)
    accessibility_by_service: pd.DataFrame
    healthcheck: pd.DataFrame  # per community, before/after
    healthcheck_districts: pd.DataFrame
    decay: Decay
    communities: gpd.GeoDataFrame | None = None  # with health-check and accessibility columns
    spaces: gpd.GeoDataFrame | None = None  # taken spaces
    candidates: gpd.GeoDataFrame | None = None  # every candidate space (column taken), for the GeoPackage
    links: gpd.GeoDataFrame | None = None
    services: pd.DataFrame | None = None
    coverage_by_age: pd.DataFrame | None = None
    shortfalls: pd.DataFrame | None = None
    years: pd.DataFrame | None = None  # multi-year phasing: one row per year (None: one period)


def reproducible(outcome: Outcome) -> bool:
    """Whether running again gives the same plan.

    Parameters
    ----------
    outcome : Outcome
        A solve.

    Returns
    -------
    bool
        True in deterministic mode (a work budget in nodes) when no solve was stopped by the
        wall clock, whose reach depends on the machine's load.
    """
    return bool(outcome.options.deterministic and not outcome.result.time_limit_hit)


def plan_figures(outcome: Outcome, decay: Decay = "none") -> PlanFigures:
    """Compute every figure of ``outcome`` once: what the output folder and the report show.

    Parameters
    ----------
    outcome : Outcome
        A solve, with or without a plan.
    decay : {"none", "gaussian", "stepped"}
        The 2SFCA distance decay (:func:`~siting.analysis.accessibility.decay_weight`).

    Returns
    -------
    PlanFigures
        The summary and the accessibility and health-check tables; the plan tables too when
        the solve found a plan (else ``None``).
    """
    inst, plan, ev = outcome.instance, outcome.plan, outcome.evaluation
    acc = accessibility_table(inst, plan, decay)
    by_service = accessibility_by_service(acc)
    hc = healthcheck_table(inst, plan, ev)
    summ = tables.summary(inst, plan, ev, outcome.result, outcome.build_s, outcome.model_size)
    summ["solver"]["options"] = outcome.options.model_dump(mode="json")
    summ["solver"]["reproducible"] = reproducible(outcome)
    summ["independent_parts"] = outcome.parts
    # engines in words, bounds a stage cannot go below raised to 0 (raw figures kept beside them)
    summ["solver"] = present_solver(summ["solver"], inst)
    common = dict(accessibility=acc, accessibility_by_service=by_service, healthcheck=hc,
                  healthcheck_districts=healthcheck_districts(hc), decay=decay)
    if plan is None or ev is None:
        return PlanFigures(summary=summ, **common)
    summ["healthcheck"] = healthcheck_summary(hc)
    cost_stage = next((s.objective for s in outcome.result.stages if s.name == "cost"), None)
    summ["cost_vs_objective"] = cost_and_objective(inst, ev, cost_stage)
    summ["accessibility_by_service"] = by_service.to_dict("records")
    com = tables.community_table(inst, plan, ev)
    hc_cols = ["community_id"] + [f"{k}_{w}" for k in ("base", "balance") for w in ("before", "after")]
    com = com.merge(hc[hc_cols], on="community_id", how="left").merge(
        accessibility_by_community(acc), on="community_id", how="left")
    candidates = tables.space_table(inst, plan, ev, taken_only=False)
    return PlanFigures(
        summary=summ, communities=com, spaces=candidates[candidates["taken"]].reset_index(drop=True),
        candidates=candidates, links=tables.link_table(inst, plan),
        services=tables.service_table(inst, plan, ev), coverage_by_age=tables.coverage_by_age(inst, ev),
        shortfalls=tables.shortfall_table(inst, plan, ev), years=year_table(inst, plan, ev), **common)
