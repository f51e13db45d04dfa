"""Read a :class:`~siting.plan.Plan` back out of a solver result (the model's variables)."""

from __future__ import annotations

import dataclasses

import numpy as np

from siting.core.results import SolveResult
from siting.model.build import SitingModel
from siting.model.phasing import open_year_index
from siting.plan import Plan, used_area_m2

_TOL = 1e-6


def repaired_values(model: SitingModel, x: np.ndarray) -> np.ndarray:
    """``x`` repaired where the solver leaned on its tolerances or stopped before tidying up.

    * Integer variables are rounded (a ``y`` of 0.999999 is 1).
    * A hosted service whose floor area is below its minimum by less than 0.1 % gets its
      minimum (the row ``a ≥ minarea · y`` held only for the fractional ``y``; seen: 119.998 m²
      for a 120 m² minimum).
    * A space that is open but hosts nothing (and need not be taken) is closed: it only costs
      money, and :func:`extract_plan` never counts it as taken.

    The solver's stage values are then recomputed from the repaired vector, so they are the
    checker's figures. Returns ``x`` itself when nothing changes, and falls back to closing the
    empty spaces only (then to ``x``) when a repaired vector would break a row.
    """
    v, ix, lp = model.variables, model.index, model.lp
    o = v["open"]
    if not o.size:
        return x
    y = np.where(lp.integer, np.round(x), x)
    host, area = v["host"], v["area"]
    if host.size and area.size == host.size and model.min_area_m2 is not None:
        need = model_min_area(model)
        short = (y[host] > 0.5) & (y[area] < need) & (y[area] >= need * (1 - 1e-3))
        y[area[short]] = need[short]
    hosts_any = np.zeros(o.size, dtype=bool)
    hosts_any[ix.host_space[y[host] > 0.5]] = True
    drop = (y[o] > 0.5) & ~hosts_any & (lp.lb[o] < 0.5)
    y[o[drop]] = 0.0
    if "open_y" in v and v["open_y"].size:
        y[v["open_y"][drop]] = 0.0  # phasing: closed in every year
    if np.array_equal(y, x):
        return x
    if lp.satisfies(y):
        return y
    z = x.copy()
    z[o[drop]] = 0.0
    if "open_y" in v and v["open_y"].size:
        z[v["open_y"][drop]] = 0.0
    return z if drop.any() and lp.satisfies(z) else x


def closed_empty_spaces(model: SitingModel, result: SolveResult) -> SolveResult:
    """``result`` with open spaces that host nothing closed (:func:`repaired_values`) and
    every stage's objective recomputed from the closed plan, so that it equals the checker's
    figure. Closing only lowers the cost (the other stage objectives do not involve ``open``),
    so each stage's bound still bounds it."""
    if result.values is None:
        return result
    x = repaired_values(model, result.values)
    if x is result.values:
        return result
    objs = model.lp.objectives
    stages = tuple(dataclasses.replace(st, objective=float(objs[k].coefs @ x + objs[k].offset))
                   if st.objective is not None and k < len(objs) else st for k, st in enumerate(result.stages))
    last = stages[-1].objective if stages else result.objective
    return dataclasses.replace(result, values=x, stages=stages, objective=last)


def model_min_area(model: SitingModel) -> np.ndarray:
    """The minimum floor area of every hosting pair (j, s) of the model, in the order of ``host``
    (the coefficient of ``y_js`` in the row ``a_js ≥ minarea_s · y_js``)."""
    assert model.min_area_m2 is not None
    return model.min_area_m2[model.index.host_service]


def extract_plan(
    model: SitingModel, result: SolveResult, n_communities: int, n_spaces: int, n_services: int,
    share_group: np.ndarray,
) -> Plan | None:
    """Read a plan out of a solver result (``None`` when the result has no solution)."""
    if result.values is None:
        return None
    x = result.values
    v, ix = model.variables, model.index

    def val(name: str) -> np.ndarray:
        return x[v[name]] if v[name].size else np.zeros(0)

    host = val("host") > 0.5
    # a space that hosts nothing is not taken unless it must be (at zero fixed cost the
    # solver may leave it open: a tie, not a decision)
    hosts_any = np.zeros(n_spaces, dtype=bool)
    hosts_any[ix.host_space[host]] = True
    taken = (val("open") > 0.5) & (hosts_any | (model.lp.lb[model.variables["open"]] > 0.5))
    area = np.where(host, np.maximum(val("area"), 0.0), 0.0)
    hosted = np.zeros((n_spaces, n_services), dtype=bool)
    hosted[ix.host_space, ix.host_service] = host
    area_js = np.zeros((n_spaces, n_services))
    area_js[ix.host_space, ix.host_service] = area
    if v["share"].size:
        # M4: every hosted member of a time-share group uses the whole room q_jg (its largest
        # member's area); the model bounds q_jg by its members, so this only fills the room.
        members = share_group[None, :] == ix.share_group[:, None]  # [K,S]
        q = val("share")
        for k in np.flatnonzero(q > _TOL):
            jj = ix.share_space[k]
            sel = members[k] & hosted[jj]
            area_js[jj, sel] = np.maximum(area_js[jj, sel], q[k])
    # Solver tolerances (~1e-6) are repaired here, so the plan is exactly consistent: links of
    # a service whose y rounds to 0 are dropped, and tiny excesses over a capacity are scaled
    # away. The checker (siting.analysis.evaluate) then holds the plan to strict tolerances.
    serve = np.where(host[ix.link_host], np.maximum(val("serve"), 0.0), 0.0)
    m2pu = model.m2_per_user
    load = np.bincount(ix.link_host, weights=serve, minlength=ix.host_space.size)
    cap = area_js[ix.host_space, ix.host_service] / m2pu[ix.host_service]
    scale = np.where(load > cap, cap / np.where(load > 0, load, 1.0), 1.0)
    serve = serve * scale[ix.link_host]
    keep = serve > _TOL
    attr = np.maximum(val("attr"), 0.0)
    used = used_area_m2(area_js, share_group)
    given = np.bincount(ix.attr_space, weights=attr, minlength=n_spaces)
    ascale = np.where(given > used, used / np.where(given > 0, given, 1.0), 1.0)
    attr = attr * ascale[ix.attr_space]
    akeep = attr > _TOL
    hub_space = np.full(n_communities, -1, dtype=np.int64)
    if v["hub"].size:
        h = val("hub") > 0.5
        hub_space[ix.hub_community[h]] = ix.hub_space[h]
    return Plan(
        taken=taken,
        hosted=hosted,
        service_area_m2=area_js,
        served_community=ix.link_community[keep],
        served_space=ix.link_space[keep],
        served_service=ix.link_service[keep],
        served_users=serve[keep],
        attributed_community=ix.attr_community[akeep],
        attributed_space=ix.attr_space[akeep],
        attributed_m2=attr[akeep],
        hub_space=hub_space,
        result=result,
        stages=model.stages,
        open_year=(np.where(taken, open_year_index(v, x, model.n_years), -1) if model.n_years > 1 or "open_y" in v
                   else None),
    )


def design_values(model: SitingModel, plan: Plan, communities: np.ndarray | None = None,
                  spaces: np.ndarray | None = None) -> np.ndarray:
    """The integer (design) variables of ``model`` at ``plan``'s: spaces taken, services hosted,
    hubs chosen; the continuous variables at 0.

    Parameters
    ----------
    model : SitingModel
        The program to set the values of.
    plan : Plan
        A plan of ``model``'s instance, or (with ``communities`` and ``spaces``) of a larger
        instance that ``model``'s instance is a part of.
    communities, spaces : numpy.ndarray, optional
        The plan's indices of the model's communities and spaces (a part's global indices,
        :class:`siting.solve.decompose.Part`); default: the same instance.
    """
    v, ix = model.variables, model.index
    sp = np.arange(plan.taken.size) if spaces is None else np.asarray(spaces)
    taken, hosted = plan.taken[sp], plan.hosted[sp]
    x = np.zeros(model.lp.n_vars)
    x[v["open"]] = taken.astype(float)
    x[v["host"]] = hosted[ix.host_space, ix.host_service].astype(float)
    if v["hub"].size:
        com = np.arange(plan.hub_space.size) if communities is None else np.asarray(communities)
        hub = plan.hub_space[com[ix.hub_community]]
        x[v["hub"]] = (hub == sp[ix.hub_space]).astype(float)
    return x

