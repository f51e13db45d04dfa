"""Read a :class:`~siting.plan.Plan` back out of a solver result (the model's variables)."""

from __future__ import annotations

import numpy as np

from siting.core.results import SolveResult
from siting.model.build import SitingModel
from siting.plan import Plan, used_area_m2

_TOL = 1e-6


def without_empty_spaces(model: SitingModel, x: np.ndarray) -> np.ndarray:
    """``x`` with every space that is open but hosts nothing (and need not be taken) closed.

    Such a space only costs money: the solver stopped before it closed it (a time or node
    limit), or it is a zero-cost tie. :func:`extract_plan` never counts it as taken, so the
    solver's stage values are recomputed from the closed vector (the checker's figures).
    Returns ``x`` itself when nothing changes or the closed vector would break a row.
    """
    v, ix = model.variables, model.index
    o = v["open"]
    if not o.size:
        return x
    hosts_any = np.zeros(o.size, dtype=bool)
    hosts_any[ix.host_space[x[v["host"]] > 0.5]] = True
    drop = (x[o] > 0.5) & ~hosts_any & (model.lp.lb[o] < 0.5)
    if not drop.any():
        return x
    y = x.copy()
    y[o[drop]] = 0.0
    return y if model.lp.satisfies(y) else x


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
    )
