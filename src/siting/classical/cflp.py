"""Capacitated facility location (CFLP), single- or multi-source.

Formulation (strong form, sparse over the finite pairs of the cost matrix):

    min  Σ_j f_j y_j + Σ_(i,j) c_ij x_ij
    s.t. Σ_j x_ij = 1                      ∀ client i           (all demand served)
         Σ_i q_i x_ij ≤ s_j y_j            ∀ site j             (capacity)
         x_ij ≤ y_j                        ∀ finite pair (i,j)  (strong linking)
         Σ_j s_j y_j ≥ Σ_i q_i                                   (aggregate capacity cut)
         y_j = 1 for required sites,  Σ_j y_j = p if p is given,  y ∈ {0,1}
         x_ij ∈ [0,1] (multi-source)  or  x_ij ∈ {0,1} (single-source)

``c_ij`` is the cost of serving **all** of client i's demand from site j (the OR-Library
convention); with ``per_unit_cost=True`` the matrix is a per-unit cost (e.g. a distance)
and ``c_ij = q_i · d_ij``. The linking rows ``x_ij ≤ y_j`` are redundant for integer y but
make the LP bound strong enough that the OR-Library cap instances close at the root.
An instance whose total capacity is below total demand is rejected as input error;
other infeasibility (e.g. single-source packing) is reported as ``INFEASIBLE``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..solvers import LinearProgramBuilder, SolverOptions, SolveStatus, solve
from . import _common as cm


@dataclass(frozen=True)
class CFLPResult(cm.LocationResult):
    """CFLP outcome. ``shares[i, j]`` is the fraction of client i's demand served by j;
    ``assignment[i]`` is the site serving the largest share."""

    shares: sp.csr_matrix | None = None
    fixed_cost: float | None = None
    assignment_cost: float | None = None


class CFLP:
    """Capacitated facility location; see the module docstring for the formulation."""

    def __init__(self, cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, fixed_cost: np.ndarray,
                 single_source: bool, predefined: np.ndarray, p: int | None, distance: np.ndarray, name: str) -> None:
        self.cost, self.demand, self.capacity, self.fixed_cost = cost, demand, capacity, fixed_cost
        self.single_source, self.predefined, self.p, self.distance, self.name = single_source, predefined, p, distance, name
        self.result: CFLPResult | None = None

    @classmethod
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any, facility_capacities: Any, facility_fixed_costs: Any = None,
                         *, single_source: bool = True, per_unit_cost: bool = False, p_facilities: int | None = None,
                         predefined_facilities_arr: Any = None, name: str = "cflp") -> "CFLP":
        """``weights`` client demand, ``facility_capacities`` / ``facility_fixed_costs`` per site."""
        d = cm.as_cost_matrix(cost_matrix)
        n, m = d.shape
        q = cm.as_vector(weights, n, name="weights")
        s = cm.as_vector(facility_capacities, m, name="facility_capacities")
        f = cm.as_vector(facility_fixed_costs, m, name="facility_fixed_costs", default=0.0)
        fixed = cm.as_site_mask(predefined_facilities_arr, m)
        p = None if p_facilities is None else cm.check_p(p_facilities, m, int(fixed.sum()))
        usable = np.isfinite(d).any(axis=0)
        if s[usable].sum() + 1e-9 < q.sum():
            raise InputError(f"total capacity {s[usable].sum():g} is below total demand {q.sum():g}",
                             field="facility_capacities", expected="capacities that can cover the demand")
        if single_source:
            too_big = q > s.max(initial=0.0)
            if too_big.any():
                i = int(np.flatnonzero(too_big)[0])
                raise InputError(f"client {i} demand {q[i]:g} exceeds every capacity (single source)",
                                 field="weights", expected="each demand ≤ the largest capacity, or single_source=False")
        cost = d * q[:, None] if per_unit_cost else d
        return cls(cost, q, s, f, single_source, fixed, p, d, name)

    @classmethod
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, weights_cols: str,
                          facility_capacity_col: str, facility_fixed_cost_col: str | None = None, *,
                          single_source: bool = True, p_facilities: int | None = None,
                          predefined_facility_col: str | None = None, distance_metric: str = "euclidean",
                          name: str = "cflp") -> "CFLP":
        """Euclidean distance × demand as assignment cost (``per_unit_cost``)."""
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        pre = cm.column(gdf_fac, predefined_facility_col, what="a boolean required-facility column")
        return cls.from_cost_matrix(
            d, cm.column(gdf_demand, weights_cols, what="a demand column"),
            cm.column(gdf_fac, facility_capacity_col, what="a capacity column"),
            cm.column(gdf_fac, facility_fixed_cost_col, what="a fixed-cost column"),
            single_source=single_source, per_unit_cost=True, p_facilities=p_facilities,
            predefined_facilities_arr=None if pre is None else pre.astype(bool), name=name)

    def solve(self, options: SolverOptions | None = None, **overrides: Any) -> CFLPResult:
        opts = cm.options_or_default(options, **overrides)
        self.result = solve_cflp(self, opts)
        return self.result


def solve_cflp(model: CFLP, options: SolverOptions) -> CFLPResult:
    return solve_assignment_model(model.cost, model.demand, model.capacity, model.fixed_cost, model.single_source,
                                  model.predefined, model.p, model.distance, options, model.name)


def solve_assignment_model(c: np.ndarray, q: np.ndarray, s: np.ndarray, f: np.ndarray, single_source: bool,
                           predefined: np.ndarray, p: int | None, distance: np.ndarray, options: SolverOptions,
                           name: str, result_cls: type = CFLPResult) -> Any:
    """Build and solve the module-docstring formulation (shared with the capacitated p-median)."""
    t0 = time.perf_counter()
    n, m = c.shape
    rows, cols = np.nonzero(np.isfinite(c))
    served = np.bincount(rows, minlength=n)
    if (served == 0).any():
        i = int(np.flatnonzero(served == 0)[0])
        return result_cls(**cm.no_solution(SolveStatus.INFEASIBLE, distance, q, 0.0, options.backend,
                                           f"client {i} cannot be served by any site"))
    k = rows.size
    b = LinearProgramBuilder(name)
    y = b.add_binaries("open", m, ub=1.0)
    x = b.add_variables("share", k, lb=0.0, ub=1.0, integer=single_source)
    b.add_constraints("serve", n, rows, x, 1.0, lb=1.0, ub=1.0)
    b.add_constraints("capacity", m, np.r_[cols, np.arange(m)], np.r_[x, y], np.r_[q[rows], -s], ub=0.0)
    b.add_constraints("link", k, np.r_[np.arange(k), np.arange(k)], np.r_[x, y[cols]],
                      np.r_[np.ones(k), -np.ones(k)], ub=0.0)
    b.add_constraints("total_capacity", 1, np.zeros(m), y, s, lb=float(q.sum()))
    if predefined.any():
        fx = np.flatnonzero(predefined)
        b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
    if p is not None:
        b.add_constraints("p", 1, np.zeros(m), y, 1.0, lb=p, ub=p)
    b.add_objective("cost", "min", np.r_[y, x], np.r_[f, c[rows, cols]])
    lp = b.build()
    sr = solve(lp, options)
    secs = time.perf_counter() - t0
    if not sr.status.has_solution or sr.values is None:
        return result_cls(**cm.no_solution(sr.status, distance, q, secs, options.backend,
                                           sr.message or sr.status.value, sr, sr.bound))
    yv = lp.block_values(sr.values, "open") > 0.5
    xv = np.clip(lp.block_values(sr.values, "share"), 0.0, 1.0)
    xv[xv < 1e-9] = 0.0
    shares = sp.csr_matrix((xv, (rows, cols)), shape=(n, m))
    shares.eliminate_zeros()
    main = np.asarray(shares.argmax(axis=1)).reshape(-1).astype(np.int64)
    return result_cls(sr.status, sr.objective, sr.bound, secs, options.backend, np.flatnonzero(yv).astype(np.int64),
                      main, distance, q, sr.message, sr, {"variables": float(lp.n_vars), "pairs": float(k)},
                      shares=shares, fixed_cost=float(f[yv].sum()), assignment_cost=float(xv @ c[rows, cols]))
