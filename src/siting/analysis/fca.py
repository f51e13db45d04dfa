"""Table-level two-step floating catchment area (2SFCA / E2SFCA), as PySAL ``access`` takes it.

Three tables in, one out, no siting instance needed: demand (an id and a population), supply
(an id and one or more capacity columns) and a cost table (origin, destination, cost: minutes,
metres, anything), as ``access.Access(...).two_stage_fca(...)`` reads them. For every supply
point ``p`` with capacity ``S_p`` and every demand location ``i`` with population ``D_i``, with a
weight ``W(c)`` of the pair's cost ``c`` (only pairs with ``c ≤ max_cost`` count):

1. supply-to-demand ratio: ``R_p = S_p / Σ_i W(c_ip) · D_i``;
2. accessibility: ``A_i = Σ_p W(c_ip) · R_p``.

Weights (``weight=``), each as ``access.weights`` defines it:

* None — classic 2SFCA (Luo & Wang 2003), ``W = 1`` within ``max_cost``;
* :func:`step_weights` ``({10: 1, 20: 0.68, 30: 0.22})`` — stepped tiers with their thresholds
  (E2SFCA, Luo & Qi 2009; :func:`enhanced_two_step_fca` uses exactly these by default, as
  ``access`` does): the weight of the first threshold ≥ the cost, 0 beyond the last;
* :func:`gaussian_weights` ``(sigma)`` — ``exp(-c² / 2σ²)``, 1 at cost 0, not cut at any limit
  (``access.weights.gaussian``; note that :func:`siting.analysis.accessibility.decay_weight`'s
  ``"gaussian"`` is Dai's (2010) form instead, rescaled to reach 0 at the walking limit);
* :func:`gravity_weights` ``(scale, alpha, min_cost)`` — ``(max(c, min_cost) / scale) ** alpha``
  (alpha negative for a decay, as in ``access.weights.gravity``);
* any callable of the cost: applied to the whole cost array when it takes an array, else cost by
  cost (so ``access.weights`` functions, which take one number, work too).

Differences from ``access``, on purpose and stated: a demand location without any pair within
``max_cost`` gets **NaN** (as ``access``); a supply point that no demand reaches (weighted demand
0) gets ``R_p = 0`` instead of a division by zero; duplicate ids, missing columns and negative or
missing values are errors naming the table, row and column; ``normalize=True`` divides by the
population-weighted mean accessibility with NaN counted as 0, which is what ``access``'s
``normalized_access`` computes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError

WeightFn = Callable[[Any], Any]
"""A weight of the cost: takes a cost (a number, or an array of costs) and returns the weight(s)."""

E2SFCA_STEPS: dict[float, float] = {10.0: 1.0, 20.0: 0.68, 30.0: 0.22}
"""``access``'s default E2SFCA tiers (cost ≤ 10: 1, ≤ 20: 0.68, ≤ 30: 0.22; Luo & Qi 2009)."""


# --------------------------------------------------------------------------- weights
def step_weights(steps: Mapping[float, float]) -> WeightFn:
    """Stepped weights: the weight of the smallest threshold ≥ the cost, 0 beyond the largest.

    Parameters
    ----------
    steps : mapping of float to float
        Threshold (cost) → weight, e.g. ``{5: 1.0, 10: 0.68, 15: 0.22}`` for the 5/10/15-minute
        walking circles. Weights must be ≥ 0.

    Returns
    -------
    callable
        Vectorised weight function (also takes a single number).

    Raises
    ------
    InputError
        Empty ``steps``, a non-numeric key or value, or a negative weight.
    """
    if not isinstance(steps, Mapping) or not steps:
        raise InputError(f"{steps!r}", field="steps", expected="a non-empty mapping threshold → weight")
    try:
        items = sorted((float(k), float(v)) for k, v in steps.items())
    except (TypeError, ValueError) as exc:
        raise InputError(f"{steps!r} ({exc})", field="steps", expected="numbers: threshold → weight") from exc
    if any(not np.isfinite(v) or v < 0 for _, v in items):
        raise InputError(f"{steps!r}", field="steps", expected="weights ≥ 0")
    upper = np.array([k for k, _ in items])
    weight = np.array([v for _, v in items] + [0.0])

    def fn(cost: Any) -> Any:
        c = np.asarray(cost, dtype=float)
        w = weight[np.searchsorted(upper, c, side="left")]
        return w if c.ndim else float(w)

    return fn


def gaussian_weights(sigma: float) -> WeightFn:
    """``W(c) = exp(-c² / (2 σ²))``, as ``access.weights.gaussian`` (no normalising factor, W(0) = 1).

    Parameters
    ----------
    sigma : float
        The width σ, in the cost's unit.

    Returns
    -------
    WeightFn
        The weight of a cost or an array of costs.

    Raises
    ------
    InputError
        ``sigma`` zero or not finite.
    """
    s = float(sigma)
    if s == 0 or not np.isfinite(s):
        raise InputError(f"{sigma!r}", field="sigma", expected="a finite, non-zero width")
    return lambda cost: np.exp(-np.square(np.asarray(cost, dtype=float)) / (2.0 * s * s))


def gravity_weights(scale: float, alpha: float, min_cost: float = 0.0) -> WeightFn:
    """``W(c) = (max(c, min_cost) / scale) ** alpha``, as ``access.weights.gravity``.

    Parameters
    ----------
    scale : float
        The cost that has weight 1.
    alpha : float
        The exponent, not negated: pass ``alpha=-2`` for the usual inverse-square decay.
    min_cost : float
        Costs below it count as it; a positive value avoids an infinite weight at cost 0.

    Returns
    -------
    WeightFn
        The weight of a cost or an array of costs.

    Raises
    ------
    InputError
        ``scale`` zero or not finite.
    """
    sc = float(scale)
    if sc == 0 or not np.isfinite(sc):
        raise InputError(f"{scale!r}", field="scale", expected="a finite, non-zero scale")
    a, lo = float(alpha), float(min_cost)

    def fn(cost: Any) -> Any:
        with np.errstate(divide="ignore"):
            return np.power(np.maximum(np.asarray(cost, dtype=float), lo) / sc, a)

    return fn


def _apply_weight(weight: WeightFn | None, cost: np.ndarray) -> np.ndarray:
    """The weight of each cost: vectorised when ``weight`` takes an array, else cost by cost."""
    if weight is None:
        return np.ones_like(cost)
    if not callable(weight):
        raise InputError(f"{weight!r}", field="weight", expected="None or a function of the cost")
    w: np.ndarray | None
    try:
        w = np.asarray(weight(cost), dtype=float)
        if w.shape != cost.shape:
            w = None
    except (TypeError, ValueError):
        w = None
    if w is None:
        w = np.fromiter((float(weight(float(c))) for c in cost), dtype=float, count=cost.size)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"weight {w[k]} at cost {cost[k]}", field="weight",
                         expected="finite weights ≥ 0 (a gravity weight at cost 0 needs min_cost > 0)")
    return w


# --------------------------------------------------------------------------- input tables
def _ids(df: pd.DataFrame, col: str, table: str) -> pd.Index:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"a {type(df).__name__}", file=table, expected="a pandas DataFrame")
    if col in df.columns:
        ids = pd.Index(df[col])
    elif df.index.name == col:
        ids = df.index
    else:
        raise InputError(f"no column '{col}'", file=table, field=col, expected="an id column (or the index)")
    dup = ids.duplicated()
    if dup.any():
        k = int(np.flatnonzero(dup)[0])
        raise InputError(f"id {ids[k]!r} appears twice", file=table, row=k + 1, field=col, expected="unique ids")
    if ids.isna().any():
        raise InputError("missing id", file=table, row=int(np.flatnonzero(ids.isna())[0]) + 1, field=col,
                         expected="an id in every row")
    return ids


def _values(df: pd.DataFrame, col: str, table: str) -> np.ndarray:
    if col not in df.columns:
        raise InputError(f"no column '{col}'", file=table, field=col, expected="a numeric column")
    try:
        v = pd.to_numeric(df[col], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not numeric ({exc})", file=table, field=col, expected="numbers ≥ 0") from exc
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"value {df[col].iloc[k]!r}", file=table, row=k + 1, field=col, expected="a number ≥ 0")
    return v


# --------------------------------------------------------------------------- 2SFCA
def two_step_fca(demand: pd.DataFrame, supply: pd.DataFrame, cost: pd.DataFrame, *,
                 demand_id: str = "id", demand_value: str = "population",
                 supply_id: str = "id", supply_value: str | Sequence[str] = "capacity",
                 cost_origin: str = "origin", cost_dest: str = "dest", cost_name: str = "cost",
                 max_cost: float | None = None, weight: WeightFn | None = None, normalize: bool = False,
                 name: str = "2sfca") -> pd.DataFrame:
    """Two-step floating catchment accessibility of every demand location (module docstring).

    Parameters
    ----------
    demand : pandas.DataFrame
        One row per demand location: ``demand_id`` (a column or the index) and ``demand_value``.
    supply : pandas.DataFrame
        One row per supply point: ``supply_id`` and one or more ``supply_value`` columns.
    cost : pandas.DataFrame
        Origin (demand id), destination (supply id) and cost, one row per pair; pairs whose
        origin is not a demand location are ignored, a destination missing from ``supply``
        has supply 0 (as ``access``).
    demand_id, demand_value, supply_id, supply_value, cost_origin, cost_dest, cost_name : str
        Column names; ``supply_value`` may list several supply types (one output column each).
    max_cost : float or None
        Catchment: only pairs with cost ≤ ``max_cost`` count (None: every pair).
    weight : callable or None
        Weight of the cost (None: 1): :func:`step_weights`, :func:`gaussian_weights`,
        :func:`gravity_weights` or any function of the cost.
    normalize : bool
        Divide each column by its population-weighted mean (NaN counted as 0, as ``access``).
    name : str
        Output columns are ``f"{name}_{supply_value}"`` (``access``'s naming).

    Returns
    -------
    pandas.DataFrame
        Indexed by the demand ids, in ``demand``'s order: ``demand_value`` and one accessibility
        column per supply type (supply per unit of demand; NaN where the catchment is empty).

    Raises
    ------
    InputError
        A missing column, a duplicate or missing id, a negative or missing population,
        capacity or cost, or a weight that is negative or not finite.
    """
    d_ids = _ids(demand, demand_id, "demand")
    pop = _values(demand, demand_value, "demand")
    s_ids = _ids(supply, supply_id, "supply")
    kinds = [supply_value] if isinstance(supply_value, str) else list(supply_value)
    if not kinds:
        raise InputError("no supply column", file="supply", field="supply_value", expected="one or more columns")
    caps = {k: _values(supply, k, "supply") for k in kinds}
    for col in (cost_origin, cost_dest):
        if col not in cost.columns:
            raise InputError(f"no column '{col}'", file="cost", field=col, expected="origin, destination and cost")
    c = _values(cost, cost_name, "cost")

    i = d_ids.get_indexer(pd.Index(cost[cost_origin]))
    keep = i >= 0
    if max_cost is not None:
        keep &= c <= float(max_cost)
    dest = pd.Index(cost[cost_dest])[keep]
    i, c = i[keep], c[keep]
    codes, points = pd.factorize(dest)  # supply points that appear in the catchment pairs
    w = _apply_weight(weight, c)
    n, n_points = len(d_ids), len(points)
    demand_at = np.bincount(codes, weights=w * pop[i], minlength=n_points).astype(float)  # Σ_i W D_i per point
    reached = np.bincount(i, minlength=n) > 0

    out = pd.DataFrame({demand_value: pop}, index=pd.Index(d_ids, name=demand_id))
    j = s_ids.get_indexer(points)
    for k in kinds:
        s_p = np.where(j >= 0, caps[k][np.maximum(j, 0)], 0.0)
        ratio = np.divide(s_p, demand_at, out=np.zeros(n_points), where=demand_at > 0)
        acc = np.bincount(i, weights=w * ratio[codes], minlength=n).astype(float)
        acc[~reached] = np.nan
        if normalize:
            total = pop.sum()
            mean = float(np.nansum(acc * pop) / total) if total > 0 else np.nan
            acc = acc / mean if mean and np.isfinite(mean) else np.full(n, np.nan)
        out[f"{name}_{k}"] = acc
    return out


def enhanced_two_step_fca(demand: pd.DataFrame, supply: pd.DataFrame, cost: pd.DataFrame, *,
                          weight: WeightFn | None = None, name: str = "e2sfca", **kwargs: Any) -> pd.DataFrame:
    """E2SFCA: :func:`two_step_fca` with stepped weights, by default ``access``'s
    ``{10: 1, 20: 0.68, 30: 0.22}`` (:data:`E2SFCA_STEPS`; pass ``weight=step_weights({5: 1,
    10: 0.68, 15: 0.22})`` for the 5/10/15-minute circles).

    Parameters
    ----------
    demand, supply, cost : pandas.DataFrame
        As :func:`two_step_fca`.
    weight : WeightFn, optional
        The decay; default ``step_weights(E2SFCA_STEPS)``.
    name : str
        Prefix of the result's columns.
    **kwargs
        The other keywords of :func:`two_step_fca` (column names, ``max_cost``, ``normalize``).

    Returns
    -------
    pandas.DataFrame
        As :func:`two_step_fca`, columns ``f"{name}_{supply_value}"``.
    """
    return two_step_fca(demand, supply, cost, weight=weight if weight is not None else step_weights(E2SFCA_STEPS),
                        name=name, **kwargs)


__all__ = ["E2SFCA_STEPS", "WeightFn", "enhanced_two_step_fca", "gaussian_weights", "gravity_weights",
           "step_weights", "two_step_fca"]
