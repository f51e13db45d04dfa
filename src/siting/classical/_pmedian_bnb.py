"""Lagrangian branch-and-bound for the p-median residual problem (Beasley 1993, Christofides & Beasley 1982).

Works on the *reduced* instance of stage 3 (surviving sites; pairs outside the kept set
priced at ``big`` so that no Lagrangian step ever uses them). A node fixes some sites
open (``F1``) and some closed (``F0``). At each node:

1. a short subgradient run, warm-started from the parent's multipliers, gives the
   Lagrangian bound L of the node (any λ gives a valid bound, so a short run is safe);
2. the node is pruned when ``L > target`` (``target = UB − δ``: only strictly better
   solutions are sought);
3. reduced-cost fixing closes/opens further sites for the node's subtree (penalty tests);
4. the relaxation's selection is priced exactly and may improve UB (every 50th node,
   after a vertex-substitution descent on the reduced instance);
5. otherwise it branches on the free selected site with the largest closing penalty:
   child "open" (pushed last, explored first, depth first) and child "closed".

When the stack empties, no solution better than the incumbent exists: optimality is
proven. A time limit leaves the smallest open-node bound as the global bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from siting.classical._pmedian_lagrange import SortedCosts, evaluate, penalties, subgradient
from siting.classical._vertex_substitution import local_search


@dataclass
class _Incumbent:
    """Best solution found so far and the cost a better one must stay below."""

    ub: float
    target: float
    sites: np.ndarray | None = None

@dataclass
class BnBOutcome:
    proven: bool
    best_cost: float
    best_sites: np.ndarray | None  # improved incumbent (local site ids) or None
    bound: float  # every other solution of the instance costs more than this (proven) or at least it (open)
    nodes: int
    seconds: float


def branch_and_bound(
    C: np.ndarray,
    p: int,
    fixed: np.ndarray,
    lam0: np.ndarray,
    ub: float,
    delta: float,
    *,
    deadline: float,
    node_iter: int = 15,
    big: float,
) -> BnBOutcome:
    """Search for a solution of cost ≤ ub − delta on cost matrix ``C`` (n × m', ``big`` = unusable)."""
    t0 = time.perf_counter()
    n, m = C.shape
    sc = SortedCosts.of(C)
    state = _Incumbent(ub, ub - delta)
    tol = 1e-9 * max(1.0, abs(ub))

    def price(sel: np.ndarray, descend: bool = False) -> None:
        sites = np.flatnonzero(sel)
        if sites.size != p:
            return
        if descend:  # vertex substitution on the reduced instance (required sites stay)
            sites, _, _ = local_search(C, sites, fixed, deadline=deadline)
        v = float(C[:, sites].min(axis=1).sum())
        if v < state.ub - tol and v < big:
            state.ub, state.target, state.sites = v, v - delta, sites

    stack: list[tuple[np.ndarray, np.ndarray, np.ndarray, float]] = [
        (fixed.copy(), np.zeros(m, dtype=bool), lam0.copy(), -np.inf)]
    nodes = 0
    open_bound = np.inf
    while stack:
        if time.perf_counter() > deadline:
            open_bound = min(b for *_, b in stack)
            break
        f1, f0, lam, parent_bound = stack.pop()
        if parent_bound > state.target + tol:
            continue
        nodes += 1
        if (~f0).sum() < p or f1.sum() > p:
            continue
        if f1.sum() == p:
            price(f1)
            continue
        lag = subgradient(C, sc, p, f1, lam, lambda: state.ub,
                          closed_gap=lambda lo, up: lo > state.target + tol, max_iter=node_iter,
                          f0=1.0 if nodes > 1 else 2.0, patience=10 if nodes > 1 else 30, f_min=5e-3,
                          excluded=f0, deadline=deadline)
        price(lag.selected, descend=nodes % 50 == 1)
        L = lag.bound
        if state.target + tol < L:
            continue
        L, rho, sel, _ = evaluate(sc, lag.lam, p, f1, f0)
        pen = penalties(rho, sel, f1, f0)
        slack = state.target - L + tol
        f0 = f0 | (~sel & (pen > slack))
        f1 = f1 | (sel & (pen > slack))
        if (~f0).sum() < p or f1.sum() > p:
            continue
        cand = np.flatnonzero(sel & ~f1)
        if cand.size == 0:
            price(f1)
            continue
        j = int(cand[np.argmax(pen[cand])])
        closed, opened = f0.copy(), f1.copy()
        closed[j] = True
        opened[j] = True
        stack.append((f1, closed, lag.lam, L + pen[j]))
        stack.append((opened, f0, lag.lam, L))
    proven = not stack
    # pruned nodes cost more than the final target (it only falls), open ones at least their bound:
    # the incumbent within the gap is not a bound (with δ > 0 only ``ub − δ`` is proven)
    bound = state.target if proven else min(open_bound, state.target)
    return BnBOutcome(proven, state.ub, state.sites, bound, nodes, time.perf_counter() - t0)
