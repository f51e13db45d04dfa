"""Lagrangian relaxation of the p-median (Beasley 1993) and the reductions it proves.

Relaxing the assignment rows ``Σ_j x_ij = 1`` with multipliers λ gives

    L(λ) = Σ_i λ_i + min { Σ_j ρ_j y_j : Σ_j y_j = p, required sites open },
    ρ_j  = Σ_i min(0, C_ij − λ_i),

solved by sorting ρ. ``max_λ L(λ)`` equals the LP bound of the strong formulation;
it is approached by subgradient steps ``λ += t·(1 − Σ_j x_ij)`` with Polyak's step
``t = f·(UB − L)/‖g‖²``.

Only pairs with ``C_ij < λ_i`` contribute to ρ. Each client's costs are sorted once,
so every iteration touches just those pairs (found by a vectorized binary search),
not the whole n × m matrix.

**Reduction (proof-preserving).** For a site j outside the Lagrangian selection, any
solution that opens j costs at least ``L + (ρ_j − ρ_(p))``; one that also assigns client i
to j costs at least ``L + pen_j + max(0, C_ij − λ_i)``. A pair or a site whose bound
exceeds the incumbent UB cannot be in a better solution, so it is removed; a
selected site whose closing penalty exceeds ``UB − L`` is fixed open. The incumbent
itself always survives (each of its pairs is bounded by its own cost UB).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass
class SortedCosts:
    """Each client's site costs in increasing order (``order`` maps back to sites)."""

    values: np.ndarray  # (n, m) float
    order: np.ndarray  # (n, m) int
    m: int

    @classmethod
    def of(cls, C: np.ndarray) -> SortedCosts:
        order = np.argsort(C, axis=1, kind="stable")
        return cls(np.take_along_axis(C, order, axis=1), order.astype(np.int32 if C.shape[1] < 2**31 else np.int64),
                   C.shape[1])

    def count_below(self, lam: np.ndarray) -> np.ndarray:
        """Per client, how many sites cost strictly less than ``lam[i]`` (branch-free binary search)."""
        n, m = self.values.shape
        flat = self.values.reshape(-1)
        last = np.arange(n, dtype=np.int64) * m - 1  # flat index of "element k−1" is last + k
        lo = np.zeros(n, dtype=np.int64)
        step = 1 << (m.bit_length() - 1)
        while step:
            cand = lo + step
            ok = cand <= m
            ok &= flat[last + np.minimum(cand, m)] < lam
            lo += np.where(ok, step, 0)
            step >>= 1
        return lo

    def pairs_below(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(client, site, cost) of every pair with cost < lam[client]."""
        n, m = self.values.shape
        k = self.count_below(lam)
        total = int(k.sum())
        rows = np.repeat(np.arange(n, dtype=np.int64), k)
        starts = np.cumsum(k) - k
        pos = np.arange(total, dtype=np.int64) - np.repeat(starts, k)
        flat = rows * m + pos
        return rows, self.order.reshape(-1)[flat].astype(np.int64), self.values.reshape(-1)[flat]


@dataclass
class LagrangeState:
    bound: float
    lam: np.ndarray
    rho: np.ndarray
    selected: np.ndarray  # bool (m,)
    iterations: int
    seconds: float
    feasible_primal: bool = False  # the relaxation's own solution was feasible (g = 0)


def evaluate(sc: SortedCosts, lam: np.ndarray, p: int, fixed: np.ndarray,
             excluded: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """L(λ), ρ, the selection and the subgradient g = 1 − Σ_j x_ij (``excluded`` sites stay closed)."""
    n = lam.size
    rows, cols, vals = sc.pairs_below(lam)
    rho = np.bincount(cols, weights=vals - lam[rows], minlength=sc.m)
    sel = select(rho, p, fixed, excluded)
    count = np.bincount(rows, weights=sel[cols].astype(float), minlength=n)
    return float(lam.sum() + rho[sel].sum()), rho, sel, 1.0 - count


def select(rho: np.ndarray, p: int, fixed: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
    sel = fixed.copy()
    k = p - int(fixed.sum())
    if k > 0:
        free = np.flatnonzero(~fixed if excluded is None else ~fixed & ~excluded)
        r = rho[free]
        part = np.argpartition(r, k - 1)[:k] if k < free.size else np.arange(free.size)
        sel[free[part]] = True
    return sel


def subgradient(
    C: np.ndarray,
    sc: SortedCosts,
    p: int,
    fixed: np.ndarray,
    lam0: np.ndarray,
    upper: Callable[[], float],
    *,
    closed_gap: Callable[[float, float], bool],
    on_selection: Callable[[np.ndarray, int], None] | None = None,
    max_iter: int = 3000,
    deadline: float | None = None,
    f0: float = 2.0,
    patience: int = 30,
    f_min: float = 1e-3,
    excluded: np.ndarray | None = None,
) -> LagrangeState:
    """Maximise L(λ) by subgradient steps; ``upper()`` returns the current incumbent cost.

    ``on_selection(sel, it)`` is called every few iterations with the relaxation's
    selection (the caller improves the incumbent from it by vertex substitution).
    """
    t0 = time.perf_counter()
    lam = lam0.astype(float).copy()
    f = f0
    best = LagrangeState(-np.inf, lam.copy(), np.zeros(sc.m), fixed.copy(), 0, 0.0)
    stall = 0
    it = 0
    for it in range(1, max_iter + 1):
        L, rho, sel, g = evaluate(sc, lam, p, fixed, excluded)
        ub = upper()
        if best.bound + 1e-9 * max(1.0, abs(L)) < L:
            if best.bound + 1e-6 * max(1.0, abs(L)) < L:
                stall = 0
            best = LagrangeState(L, lam.copy(), rho, sel, it, 0.0)
        else:
            stall += 1
        gg = float(g @ g)
        if gg == 0.0:  # the relaxation's solution is feasible, hence optimal for this λ
            best.feasible_primal = best.bound - 1e-9 <= L
            break
        if on_selection is not None and (it % 20 == 0 or it == 1):
            on_selection(sel, it)
            ub = upper()
        if closed_gap(best.bound, ub):
            break
        if stall >= patience:
            f /= 2.0
            stall = 0
            if f < f_min:
                break
        if deadline is not None and time.perf_counter() > deadline:
            break
        step = f * max(ub - L, 1e-9 * max(1.0, abs(ub))) / gg
        lam += step * g
    best.iterations = it
    best.seconds = time.perf_counter() - t0
    return best


def penalties(rho: np.ndarray, sel: np.ndarray, fixed: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
    """Extra bound for flipping each site: opening a non-selected or closing a selected one.

    Required (fixed) sites cannot be closed: their penalty is ``+inf``.
    """
    pen = np.zeros(rho.size)
    free_sel = sel & ~fixed
    unsel = ~sel if excluded is None else ~sel & ~excluded
    last_in = rho[free_sel].max() if free_sel.any() else np.inf  # the p-th (worst selected free) ρ
    first_out = rho[unsel].min() if unsel.any() else np.inf
    pen[unsel] = rho[unsel] - last_in if np.isfinite(last_in) else np.inf
    pen[free_sel] = first_out - rho[free_sel]
    pen[fixed] = np.inf
    if excluded is not None:
        pen[excluded] = np.inf
    return np.maximum(pen, 0.0)
