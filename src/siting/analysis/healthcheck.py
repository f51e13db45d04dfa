"""A community health-check view (体检) of a plan: base and balance indices, before and after.

**This is our reading of the health check, not the official index.** Hangzhou's community
health check (REQUIREMENTS D9) scores base, balance and governance indices over 8
categories and 20 key facilities with weights that are not public; the input column
``health_score`` is that official score and is only *read* here (it drives the model's
priority). The figures below are recomputed from the instance and the plan with simple,
documented formulas so that before and after are comparable; governance (management,
operation) cannot be derived from a siting plan and is left out.

Per community ``c`` (every ratio capped at 1; 0–100 scores):

* components ``x[c,k]``:
  - ``area``: floor area provided ÷ the area standard (m² per 100 households × households);
    before = existing facility area, after = existing + area attributed by the plan (checker);
  - one per service domain ``d`` of the catalogue (elderly & childcare, meal aid, health …):
    the mean over the domain's services with demand of the coverage ``(existing served +
    served by the plan) ÷ demand`` — the checker's figures, as in ``communities.csv``;
    a domain without demand in the community is left out of its mean;
* **base** ``B[c] = 100 × mean_k min(1, x[c,k])`` — provision against the standards;
* **balance** ``L[c] = 100 × min(1, B[c] ÷ median B of the community's district)`` — how far
  the community lags behind its district's typical community (100 = at or above it);
* **index** ``(B + L) ÷ 2``.

The hub rule is not a component: a plan's hubs are known but existing ones are not, so it
would not compare like with like (hub counts are in the summary).

Per district (and ``ALL``, the whole instance), with household weights ``h``:

* **base** = household-weighted mean of ``B``;
* **gini** = household-weighted Gini coefficient of ``B``,
  ``G = Σ_i Σ_j h_i h_j |B_i − B_j| / (2 · (Σh)² · mean B)`` (0 = all equal);
* **balance** = ``100 × (1 − G)``;
* **worst_decile_base** = mean ``B`` of the worst 10 % of communities (at least one), and
  ``worst_decile_ratio`` = that ÷ the plain mean;
* **index** = ``(base + balance) ÷ 2``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.core.instance import Instance
from siting.plan import Evaluation, Plan

WHEN = ("before", "after")


def _components(inst: Instance, ev: Evaluation | None) -> dict[str, dict[str, np.ndarray]]:
    """component name → {"before": x[c], "after": x[c]} (uncapped ratios, NaN = not applicable)."""
    C = inst.n_communities
    req = inst.required_area_m2
    provided_before = inst.existing_m2.sum(axis=1)
    provided_after = ev.area_provided_m2 if ev is not None else provided_before
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"area": {
            "before": np.where(req > 0, provided_before / np.where(req > 0, req, 1.0), 1.0),
            "after": np.where(req > 0, provided_after / np.where(req > 0, req, 1.0), 1.0),
        }}
        D = inst.demand_users
        E = inst.existing_served
        served = E + (ev.served_users if ev is not None else 0.0)
        has = D > 1e-9
        cov = {"before": np.where(has, E / np.where(has, D, 1.0), np.nan),
               "after": np.where(has, served / np.where(has, D, 1.0), np.nan)}
    domains = [inst.catalogue.services[s].domain for s in inst.service_ids]
    for d in dict.fromkeys(domains):
        cols = [i for i, x in enumerate(domains) if x == d]
        out[f"domain_{d}"] = {}
        for w in WHEN:
            x = np.minimum(cov[w][:, cols], 1.0)
            n = np.sum(~np.isnan(x), axis=1)
            out[f"domain_{d}"][w] = np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)
    for v in out.values():
        for w in WHEN:
            v[w] = np.asarray(v[w], dtype=float).reshape(C)
    return out


def _district(inst: Instance) -> np.ndarray:
    com = inst.communities
    if "district" in com:
        return com["district"].astype(object).fillna("").astype(str).to_numpy()
    return np.full(inst.n_communities, "", dtype=object)


def weighted_gini(x: np.ndarray, w: np.ndarray | None = None) -> float:
    """Weighted Gini coefficient of ``x ≥ 0``, in O(n log n).

    Parameters
    ----------
    x : numpy.ndarray
        Non-negative values (non-finite ones are left out).
    w : numpy.ndarray, optional
        Weights (default 1 each; non-positive weights are left out).

    Returns
    -------
    float
        In [0, 1): 0 when all values are equal, when the weighted mean is 0 or nothing is left.
    """
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    ok = np.isfinite(x) & (w > 0)
    x, w = x[ok], w[ok]
    W = w.sum()
    if x.size == 0 or W <= 0:
        return 0.0
    mu = float(w @ x) / W
    if mu <= 0:
        return 0.0
    o = np.argsort(x, kind="stable")
    x, w = x[o], w[o]
    below = np.cumsum(w) - w  # weight strictly before i in the order
    above = W - below - w
    return float(np.sum(w * x * (below - above)) / (mu * W * W))


def healthcheck_table(inst: Instance, plan: Plan | None, evaluation: Evaluation | None) -> pd.DataFrame:
    """Per community: the health-check components, base, balance and index before / after.

    Parameters
    ----------
    inst : Instance
        The instance (existing facilities, demand, districts).
    plan : Plan or None
        The plan; ``None`` makes *after* equal *before*.
    evaluation : Evaluation or None
        The plan's :func:`~siting.analysis.evaluate.evaluate`.

    Returns
    -------
    pandas.DataFrame
        ``community_id``, ``name``, ``district``, ``households``, ``health_score_input``,
        ``base_/balance_/index_before|after``, ``base_change`` and each component before /
        after (definitions in the module docstring).
    """
    comp = _components(inst, evaluation if plan is not None else None)
    district = _district(inst)
    com = inst.communities
    df = pd.DataFrame({
        "community_id": np.asarray(inst.community_ids, dtype=object),
        "name": com["name"].to_numpy(object) if "name" in com else np.asarray(inst.community_ids, dtype=object),
        "district": district,
        "households": inst.households,
        "health_score_input": com["health_score"].to_numpy(float),
    })
    for w in WHEN:
        capped = np.column_stack([np.minimum(v[w], 1.0) for v in comp.values()])
        n = np.sum(~np.isnan(capped), axis=1)
        base = 100.0 * np.where(n > 0, np.nansum(capped, axis=1) / np.maximum(n, 1), 1.0)
        med = pd.Series(base).groupby(district).transform("median").to_numpy(float)
        bal = 100.0 * np.where(med > 0, np.minimum(1.0, base / np.where(med > 0, med, 1.0)), 1.0)
        for name, v in comp.items():
            df[f"{name}_{w}"] = v[w]
        df[f"base_{w}"] = base
        df[f"balance_{w}"] = bal
        df[f"index_{w}"] = (base + bal) / 2.0
    df["base_change"] = df["base_after"] - df["base_before"]
    lead = ["community_id", "name", "district", "households", "health_score_input"]
    scores = [f"{k}_{w}" for k in ("base", "balance", "index") for w in WHEN] + ["base_change"]
    return df[lead + scores + [c for c in df.columns if c not in lead and c not in scores]]


def _group_row(name: str, g: pd.DataFrame) -> dict[str, float | str | int]:
    h = g["households"].to_numpy(float)
    row: dict[str, float | str | int] = {"district": name, "communities": len(g), "households": float(h.sum())}
    for w in WHEN:
        b = g[f"base_{w}"].to_numpy(float)
        hw = h if h.sum() > 0 else np.ones_like(h)
        base = float(hw @ b / hw.sum()) if len(b) else float("nan")
        gini = weighted_gini(b, hw)
        k = max(1, int(np.ceil(0.1 * len(b))))
        worst = float(np.sort(b)[:k].mean()) if len(b) else float("nan")
        mean = float(b.mean()) if len(b) else float("nan")
        row[f"base_{w}"] = base
        row[f"gini_{w}"] = gini
        row[f"balance_{w}"] = 100.0 * (1.0 - gini)
        row[f"worst_decile_base_{w}"] = worst
        row[f"worst_decile_ratio_{w}"] = worst / mean if mean > 0 else 1.0
        row[f"index_{w}"] = (base + 100.0 * (1.0 - gini)) / 2.0
    return row


def healthcheck_districts(table: pd.DataFrame) -> pd.DataFrame:
    """Per district of a :func:`healthcheck_table`, plus a last row ``ALL`` for the instance.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`healthcheck_table`.

    Returns
    -------
    pandas.DataFrame
        ``district``, ``communities``, ``households`` and, before / after, the household-
        weighted base, its Gini, balance (100 × (1 − Gini)), worst-decile base and ratio, index.
    """
    rows = [_group_row(str(d), g) for d, g in table.groupby("district", sort=True)]
    rows.append(_group_row("ALL", table))
    return pd.DataFrame(rows)


def healthcheck_summary(table: pd.DataFrame) -> dict[str, float | int]:
    """The ``ALL`` row of :func:`healthcheck_districts` as a JSON-ready dict.

    Parameters
    ----------
    table : pandas.DataFrame
        The per-community rows of :func:`healthcheck_table`.

    Returns
    -------
    dict of str to float or int
        As written to ``summary.json`` (``communities`` an int, the rest floats).
    """
    row = _group_row("ALL", table)
    return {k: (int(v) if k == "communities" else float(v)) for k, v in row.items() if k != "district"}


__all__ = ["healthcheck_districts", "healthcheck_summary", "healthcheck_table", "weighted_gini"]
