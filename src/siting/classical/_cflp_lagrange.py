"""Lagrangian bound and facility fixing for the multi-source CFLP (Cornuéjols, Sridharan & Thizy 1991).

Relaxing the demand rows ``Σ_j x_ij = 1`` with multipliers λ, the rest splits by site:
with reduced costs ``r_ij = c_ij − λ_i``, an open site j earns

    v_j(λ) = f_j + min { Σ_i r_ij x_ij : Σ_i q_i x_ij ≤ s_j, 0 ≤ x ≤ 1 }

(a continuous knapsack: take negative r_ij in increasing r_ij / q_i until s_j is full), and

    L(λ) = Σ_i λ_i + min { Σ_j v_j y_j : Σ_j s_j y_j ≥ Σ_i q_i, 0 ≤ y ≤ 1 }

(the LP of the covering knapsack, a valid relaxation). LP duality of that knapsack gives
each site a penalty ``|v_j − μ s_j|`` (μ its critical ratio): a site closed in the
relaxation whose penalty exceeds ``UB − L`` cannot be open in a better solution, and
one open whose penalty exceeds it must stay open. Upper bounds come from transportation
LPs over the relaxation's open sites.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


@dataclass
class CflpLagrange:
    bound: float
    lam: np.ndarray
    y: np.ndarray  # fractional y of the relaxation
    penalty: np.ndarray  # |reduced cost| of each site in the y-knapsack LP
    iterations: int
    seconds: float


def _evaluate(c: np.ndarray, q: np.ndarray, s: np.ndarray, f: np.ndarray, lam: np.ndarray, demand: float):
    n, m = c.shape
    r = c - lam[:, None]
    ratio = np.where(r < 0, r / q[:, None], np.inf)
    order = np.argsort(ratio, axis=0)
    rs = np.take_along_axis(r, order, axis=0)
    qs = q[order]
    before = np.cumsum(qs, axis=0) - qs
    frac = np.clip((s[None, :] - before) / qs, 0.0, 1.0)
    frac[rs >= 0] = 0.0
    v = f + (rs * frac).sum(axis=0)
    # y-knapsack LP: min Σ v y, Σ s y ≥ D, 0 ≤ y ≤ 1
    y = (v < 0).astype(float)
    cap = float(s @ y)
    mu = 0.0
    if cap < demand:
        cand = np.flatnonzero(v >= 0)
        cand = cand[np.argsort(v[cand] / s[cand])]
        for j in cand:
            take = min(1.0, (demand - cap) / s[j])
            y[j] = take
            cap += take * s[j]
            if cap >= demand - 1e-9:
                mu = v[j] / s[j]
                break
    L = float(lam.sum() + v @ y)
    pen = np.abs(v - mu * s)
    # subgradient of the demand rows
    x = np.zeros((n, m))
    np.put_along_axis(x, order, frac, axis=0)
    g = 1.0 - x @ y
    return L, y, pen, g


def subgradient(c: np.ndarray, q: np.ndarray, s: np.ndarray, f: np.ndarray, ub: float, *, deadline: float,
                lam0: np.ndarray | None = None, max_iter: int = 400, patience: int = 20) -> CflpLagrange:
    """Maximise L(λ) (``c`` finite: unusable pairs priced high by the caller)."""
    t0 = time.perf_counter()
    demand = float(q.sum())
    lam = c.min(axis=1) if lam0 is None else lam0.copy()
    best = CflpLagrange(-np.inf, lam.copy(), np.zeros(c.shape[1]), np.zeros(c.shape[1]), 0, 0.0)
    fstep, stall = 2.0, 0
    it = 0
    for it in range(1, max_iter + 1):
        L, y, pen, g = _evaluate(c, q, s, f, lam, demand)
        if best.bound + 1e-9 * abs(L) < L:
            if best.bound + 1e-6 * abs(L) < L:
                stall = 0
            best = CflpLagrange(L, lam.copy(), y, pen, it, 0.0)
        else:
            stall += 1
        if stall >= patience:
            fstep /= 2
            stall = 0
            if fstep < 1e-3:
                break
        gg = float(g @ g)
        if gg < 1e-12 or ub - L <= 1e-9 * abs(ub) or time.perf_counter() > deadline:
            break
        lam = lam + fstep * (ub - L) / gg * g
    best.iterations = it
    best.seconds = time.perf_counter() - t0
    return best
