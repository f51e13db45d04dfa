"""Two-step floating catchment area (2SFCA / E2SFCA) accessibility, before and after a plan.

For every service ``s`` and supply point ``p`` with capacity ``S_p`` (places = floor area ÷
m² per user) and every community ``c`` with demand ``D[c,s]`` (``instance.demand_users``),
with ``W(t)`` a weight of walking minutes ``t`` within the service's catchment
``t ≤ d0 = max_walk_min[s]`` (and 0 beyond it):

1. supply-to-demand ratio of each supply point: ``R_p = S_p / Σ_c W(t_cp) · D[c,s]``;
2. accessibility of each community: ``A[c,s] = Σ_p W(t_cp) · R_p``.

``A`` is in *places per user in demand*: 1.0 means the supply within walking distance,
shared among everyone who can reach it, matches the demand; ``A × m2_per_user`` is m² per
user. The construction conserves supply: ``Σ_c D[c,s] · A[c,s] = Σ_p S_p`` over supply
points that some demand can reach (a point nobody reaches gets ``R_p = 0``).

Supply points (the same reading as the model's existing service ``E[c,s]``, served on site):

* **before** — each community's existing facility area of the service is a supply point *at
  that community* (0 minutes from it); its catchment is the community itself, because the
  reach table holds community → space minutes only and the model counts existing
  facilities as serving their own community;
* **after** — the same, plus every taken space's floor area for the service
  (``plan.service_area_m2``), reaching every community whose reach-table minutes are within
  the service's walking limit. Time-shared rooms count in full for each member service,
  as the checker's capacity rule does.

Everything runs on the sparse reach-table pairs (never a communities × spaces grid); the
work grows with pairs × services.

Distance decay ``W`` (``decay=``):

* ``"none"`` — classic 2SFCA (Luo & Wang 2003): ``W = 1`` within the catchment;
* ``"gaussian"`` — E2SFCA with a Gaussian decay (Dai 2010), ``W(t) = (exp(-½(t/d0)²) −
  exp(-½)) / (1 − exp(-½))``: 1 at the door, 0 at the walking limit;
* ``"stepped"`` — E2SFCA with stepped weights (Luo & Qi 2009) on the walking-circle tiers
  (REQUIREMENTS D7): 1.00 within 5 min, 0.68 within 10 min, 0.22 within 15 min.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from siting.core.instance import Instance
from siting.plan import Plan

Decay = Literal["none", "gaussian", "stepped"]
DECAYS: tuple[str, ...] = ("none", "gaussian", "stepped")
STEPS: tuple[tuple[float, float], ...] = ((5.0, 1.0), (10.0, 0.68), (15.0, 0.22))
"""(upper walking minutes, weight) of the stepped decay; beyond the last step the weight is
that of the last step (still cut at the service's walking limit)."""


def decay_weight(minutes: np.ndarray, limit: np.ndarray, decay: Decay = "none") -> np.ndarray:
    """Distance-decay weight of each pair's walking time within its catchment (0 beyond it).

    Parameters
    ----------
    minutes : numpy.ndarray
        Walking minutes of each pair.
    limit : numpy.ndarray
        The catchment in minutes (the service's walking limit), broadcast against ``minutes``.
    decay : {"none", "gaussian", "stepped"}
        ``none``: 1 inside; ``gaussian``: Dai's Gaussian, 1 at 0 min falling to 0 at the
        limit; ``stepped``: the weights of :data:`STEPS`.

    Returns
    -------
    numpy.ndarray
        Weights in [0, 1], the shape of ``minutes``.

    Raises
    ------
    ValueError
        An unknown ``decay``.
    """
    t = np.asarray(minutes, dtype=float)
    d0 = np.broadcast_to(np.asarray(limit, dtype=float), t.shape)
    inside = t <= d0 + 1e-9
    if decay == "none":
        w = np.ones_like(t)
    elif decay == "gaussian":
        e = np.exp(-0.5)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(d0 > 0, t / np.where(d0 > 0, d0, 1.0), 0.0)
        w = np.clip((np.exp(-0.5 * ratio**2) - e) / (1.0 - e), 0.0, 1.0)
    elif decay == "stepped":
        w = np.full_like(t, STEPS[-1][1])
        for upper, weight in reversed(STEPS):
            w = np.where(t <= upper + 1e-9, weight, w)
    else:
        raise ValueError(f"unknown decay '{decay}' (expected one of {list(DECAYS)})")
    return np.where(inside, w, 0.0)


def _pairs(inst: Instance, plan: Plan | None) -> tuple[np.ndarray, ...]:
    """(community, supply point, service, minutes, capacity of the point) over all catchment pairs.

    Supply points ``0..C-1`` are the communities' existing facilities, ``C..C+J-1`` the spaces.
    """
    C, J = inst.n_communities, inst.n_spaces
    m2pu = inst.m2_per_user
    # existing facilities: a supply point at the community, reaching only that community
    ec, es = np.nonzero(inst.existing_m2 > 0)
    parts = [(ec, ec, es, np.zeros(ec.size), inst.existing_m2[ec, es] / m2pu[es])]
    if plan is not None and inst.n_services:
        r = inst.reach
        area = np.asarray(plan.service_area_m2, dtype=float)
        js, ss = np.nonzero(area > 1e-9)
        if js.size and r.n_pairs:
            # pairs k of the reach table whose space hosts service s: expand via CSR-like slices
            order = np.argsort(r.space, kind="stable")
            starts = np.searchsorted(r.space[order], np.arange(J + 1))
            counts = starts[js + 1] - starts[js]
            sel = np.repeat(np.arange(js.size), counts)
            offs = np.arange(sel.size) - np.repeat(np.cumsum(counts) - counts, counts)
            k = order[starts[js][sel] + offs]
            s = ss[sel]
            keep = r.walk_min[k] <= inst.max_walk_min[s] + 1e-9
            k, s, sel = k[keep], s[keep], sel[keep]
            cap = area[js[sel], s] / m2pu[s]
            parts.append((r.community[k], C + r.space[k], s, r.walk_min[k], cap))
    c, p, s, t, cap = (np.concatenate(x) for x in zip(*parts))
    return c.astype(np.int64), p.astype(np.int64), s.astype(np.int64), t.astype(float), cap.astype(float)


def two_step_fca(inst: Instance, plan: Plan | None = None, decay: Decay = "none") -> np.ndarray:
    """Two-step floating catchment accessibility of every community to every service.

    Parameters
    ----------
    inst : Instance
        Demand (users per community and service), existing floor area and walking times.
    plan : Plan, optional
        The plan whose hosted floor area adds supply; ``None`` gives the accessibility *before*.
    decay : {"none", "gaussian", "stepped"}
        Distance decay (:func:`decay_weight`).

    Returns
    -------
    numpy.ndarray
        ``A[c, s]``: places per user in demand (1 = supply within reach matches demand).

    Notes
    -----
    Supply points are each community's existing facilities (reaching that community only)
    and each space's floor area per service; the catchment is the service's walking limit.
    """
    C, J, S = inst.n_communities, inst.n_spaces, inst.n_services
    if C == 0 or S == 0:
        return np.zeros((C, S))
    c, p, s, t, cap = _pairs(inst, plan)
    w = decay_weight(t, inst.max_walk_min[s], decay)
    P = C + J
    key = s * P + p  # supply point × service
    supply = np.zeros(S * P)
    supply[key] = cap  # every pair of a point carries the point's capacity
    demand = np.bincount(key, weights=w * inst.demand_users[c, s], minlength=S * P)
    ratio = np.divide(supply, demand, out=np.zeros_like(supply), where=demand > 1e-12)
    acc = np.bincount(c * S + s, weights=w * ratio[key], minlength=C * S)
    return acc.reshape(C, S)


def accessibility_table(inst: Instance, plan: Plan | None, decay: Decay = "none") -> pd.DataFrame:
    """One row per (community, service): demand and 2SFCA accessibility before / after.

    Parameters
    ----------
    inst : Instance
        The instance.
    plan : Plan or None
        The plan (``None``: *after* equals *before*).
    decay : {"none", "gaussian", "stepped"}
        Distance decay (module docstring); recorded in column ``decay``.

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``district``, ``service``, ``max_walk_min``, ``demand_users``,
        ``access_before`` / ``access_after`` (places per user in demand, 1 = supply matches
        demand), the same in m² per user, ``access_change`` and ``decay``.
    """
    C, S = inst.n_communities, inst.n_services
    before = two_step_fca(inst, None, decay)
    after = two_step_fca(inst, plan, decay) if plan is not None else before
    m2 = inst.m2_per_user[None, :]
    com = inst.communities
    return pd.DataFrame({
        "community_id": np.repeat(np.asarray(inst.community_ids, dtype=object), S),
        "district": np.repeat(com["district"].to_numpy(object) if "district" in com else np.full(C, ""), S),
        "service": np.tile(np.asarray(inst.service_ids, dtype=object), C),
        "max_walk_min": np.tile(inst.max_walk_min, C),
        "demand_users": inst.demand_users.ravel(),
        "access_before": before.ravel(),
        "access_after": after.ravel(),
        "access_m2_per_user_before": (before * m2).ravel(),
        "access_m2_per_user_after": (after * m2).ravel(),
        "access_change": (after - before).ravel(),
        "decay": decay,
    })


def accessibility_by_service(table: pd.DataFrame) -> pd.DataFrame:
    """Per service: demand-weighted mean accessibility and the share of demand with A ≥ 1.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`accessibility_table`.

    Returns
    -------
    pandas.DataFrame
        ``service``, ``demand_users``, ``mean_access_before`` / ``_after`` and
        ``demand_share_served_before`` / ``_after`` (NaN for a service without demand).
    """
    rows = []
    for sid, g in table.groupby("service", sort=False):
        d = g["demand_users"].to_numpy(float)
        tot = d.sum()
        row = {"service": sid, "demand_users": tot}
        for when in ("before", "after"):
            a = g[f"access_{when}"].to_numpy(float)
            row[f"mean_access_{when}"] = float(d @ a / tot) if tot > 0 else float("nan")
            row[f"demand_share_served_{when}"] = float(d @ (a >= 1 - 1e-9) / tot) if tot > 0 else float("nan")
        rows.append(row)
    return pd.DataFrame(rows, columns=["service", "demand_users", "mean_access_before", "demand_share_served_before",
                                       "mean_access_after", "demand_share_served_after"])


def accessibility_by_community(table: pd.DataFrame) -> pd.DataFrame:
    """Per community: the demand-weighted mean of ``min(A, 1)`` over services, before / after.

    Parameters
    ----------
    table : pandas.DataFrame
        The (community, service) rows of :func:`accessibility_table`.

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``access_before``, ``access_after``: 1 means every service's demand
        has supply within walking distance (surplus of one service does not make up for
        another's lack); NaN for a community without demand.
    """
    d = table["demand_users"].to_numpy(float)
    out = pd.DataFrame({"community_id": table["community_id"], "_d": d})
    for when in ("before", "after"):
        out[f"_{when}"] = d * np.minimum(table[f"access_{when}"].to_numpy(float), 1.0)
    g = out.groupby("community_id", sort=False).sum()
    res = pd.DataFrame({"community_id": g.index})
    for when in ("before", "after"):
        res[f"access_{when}"] = np.where(g["_d"] > 0, g[f"_{when}"] / g["_d"].where(g["_d"] > 0, 1.0), np.nan)
    return res


__all__ = ["DECAYS", "Decay", "accessibility_by_community", "accessibility_by_service", "accessibility_table",
           "decay_weight", "two_step_fca"]
