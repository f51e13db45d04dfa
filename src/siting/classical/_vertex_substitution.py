"""Vertex substitution (Teitz–Bart interchange) for the p-median, vectorized with numpy.

Works on a finite cost matrix ``C`` (clients × sites, already demand-weighted). One pass
evaluates *every* swap (site in, median out) at once, in the manner of Whitaker's fast
interchange / Resende–Werneck: with ``d1`` / ``d2`` the cheapest and second-cheapest
open cost of each client and ``near`` its cheapest median,

    Δ(in, out) = Σ_i [min(C_i,in, d1_i) − d1_i]
               + Σ_{i: near_i = out} [min(C_i,in, d2_i) − min(C_i,in, d1_i)],

the first term a vector over ``in``, the second a sparse (median × client) product.
The best improving swap is applied until none improves (a local optimum of the
1-swap neighbourhood). Candidate columns are processed in chunks so memory stays at
about ``chunk_cells`` floats whatever the instance size.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

CHUNK_CELLS = 4_000_000


def cost_of(C: np.ndarray, open_sites: np.ndarray) -> float:
    return float(C[:, open_sites].min(axis=1).sum())


def _nearest_two(C: np.ndarray, open_sites: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(d1, d2, position in ``open_sites`` of the cheapest) for every client."""
    sub = C[:, open_sites]
    n, p = sub.shape
    rows = np.arange(n)
    if p == 1:
        return sub[:, 0].copy(), np.full(n, np.inf), np.zeros(n, dtype=np.int64)
    two = np.argpartition(sub, 1, axis=1)[:, :2]
    a, b = sub[rows, two[:, 0]], sub[rows, two[:, 1]]
    first = np.where(a <= b, two[:, 0], two[:, 1])
    return np.minimum(a, b), np.maximum(a, b), first.astype(np.int64)


def greedy(C: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Greedy add: start from the ``fixed`` sites, add the site that lowers the cost most."""
    n, m = C.shape
    chosen: list[int] = np.flatnonzero(fixed).tolist()
    d1 = C[:, chosen].min(axis=1) if chosen else np.full(n, np.inf)
    avail = ~fixed.copy()
    chunk = max(1, CHUNK_CELLS // max(n, 1))
    while len(chosen) < p:
        best_val, best_j = np.inf, -1
        for s in range(0, m, chunk):
            cols = np.arange(s, min(m, s + chunk))
            cols = cols[avail[cols]]
            if cols.size == 0:
                continue
            vals = np.minimum(C[:, cols], d1[:, None]).sum(axis=0)
            k = int(np.argmin(vals))
            if vals[k] < best_val:
                best_val, best_j = float(vals[k]), int(cols[k])
        chosen.append(best_j)
        avail[best_j] = False
        d1 = np.minimum(d1, C[:, best_j])
    return np.array(sorted(chosen), dtype=np.int64)


def local_search(
    C: np.ndarray, open_sites: np.ndarray, fixed: np.ndarray, *, deadline: float | None = None, max_swaps: int = 100_000
) -> tuple[np.ndarray, float, int]:
    """Best-improvement 1-swap descent from ``open_sites``; returns (sites, cost, swaps)."""
    n, m = C.shape
    open_sites = np.array(open_sites, dtype=np.int64)
    p = open_sites.size
    is_open = np.zeros(m, dtype=bool)
    is_open[open_sites] = True
    chunk = max(1, CHUNK_CELLS // max(n, 1))
    swaps = 0
    if p == m:
        return np.sort(open_sites), cost_of(C, open_sites), 0
    rows = np.arange(n)
    while swaps < max_swaps:
        if deadline is not None and time.perf_counter() > deadline:
            break
        d1, d2, near = _nearest_two(C, open_sites)
        cur = float(d1.sum())
        tol = 1e-9 * max(1.0, abs(cur))
        S = sp.csr_matrix((np.ones(n), (near, rows)), shape=(p, n))
        locked = fixed[open_sites]
        best = (0.0, -1, -1)
        cand_all = np.flatnonzero(~is_open)
        for s in range(0, cand_all.size, chunk):
            cols = cand_all[s : s + chunk]
            Cc = C[:, cols]
            m1 = np.minimum(Cc, d1[:, None])
            a = m1.sum(axis=0) - cur
            t2 = np.minimum(Cc, d2[:, None])
            t2 -= m1
            delta = np.asarray(S @ t2) + a[None, :]
            if locked.any():
                delta[locked, :] = np.inf
            k = int(np.argmin(delta))
            out_pos, in_col = divmod(k, cols.size)
            if delta[out_pos, in_col] < best[0] - tol:
                best = (float(delta[out_pos, in_col]), out_pos, int(cols[in_col]))
        if best[1] < 0:
            break
        _, out_pos, j_in = best
        is_open[open_sites[out_pos]] = False
        is_open[j_in] = True
        open_sites[out_pos] = j_in
        swaps += 1
    return np.sort(open_sites), cost_of(C, open_sites), swaps
