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

Large multi-source instances (≥ 20,000 pairs, no p) first go through
:mod:`._cflp_lagrange`: Lagrangian bound, transportation-LP and restricted-MIP incumbents,
and LP-duality penalties that close or fix the sites no better solution can change; the
MIP above then runs on what is left (still exact; the answer is the best of both).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.classical import _common as cm
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import InputError
from siting.solvers import LinearProgramBuilder, solve


@dataclass(frozen=True)
class CFLPResult(cm.LocationResult):
    """CFLP outcome. ``shares[i, j]`` is the fraction of client i's demand served by j;
    ``assignment[i]`` is the site serving the largest share."""

    shares: sp.csr_matrix | None = None
    fixed_cost: float | None = None
    assignment_cost: float | None = None

    def _relation(self) -> tuple[np.ndarray, np.ndarray]:
        """Every (client, site) pair with a positive share (multi-source: a client under several sites)."""
        if self.shares is None:
            return super()._relation()
        rows, cols = self.shares.nonzero()
        return rows.astype(np.int64), cols.astype(np.int64)

    @property
    def mean_distance(self) -> float:
        """Demand-weighted mean distance, each client's demand split by its shares (NaN without any)."""
        if self.shares is None or self.shares.nnz == 0:
            return super().mean_distance
        sh = self.shares.tocoo()
        served = self.weights[sh.row] * sh.data
        if served.sum() <= 0:
            return super().mean_distance
        return float((served * self.distance[sh.row, sh.col]).sum() / served.sum())


class CFLP:
    """Capacitated facility location; see the module docstring for the formulation."""

    def __init__(self, cost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, fixed_cost: np.ndarray,
                 single_source: bool, predefined: np.ndarray, p: int | None, distance: np.ndarray, name: str) -> None:
        self.cost, self.demand, self.capacity, self.fixed_cost = cost, demand, capacity, fixed_cost
        self.single_source, self.predefined, self.p = single_source, predefined, p
        self.distance, self.name = distance, name
        self.result: CFLPResult | None = None

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any, facility_capacities: Any,
                         facility_fixed_costs: Any = None, *, single_source: bool = True, per_unit_cost: bool = False,
                         p_facilities: int | None = None, predefined_facilities_arr: Any = None,
                         name: str = "cflp") -> CFLP:
        """Build from a clients × sites cost matrix (CFLP is not in spopt; extras are keyword-only).

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)``: the cost of serving all of a client's demand from a site (the
            OR-Library convention), or a per-unit cost with ``per_unit_cost``; ``inf`` = cannot serve.
        weights : array-like
            Demand per client.
        facility_capacities : array-like
            Capacity per site.
        facility_fixed_costs : array-like or None
            Opening cost per site (None: 0).
        single_source : bool
            Every client served by one site (True) or split among sites (False).
        per_unit_cost : bool
            Multiply ``cost_matrix`` by each client's demand.
        p_facilities : int or None
            Open exactly p sites (None: free).
        {cost_matrix_end}

        Raises
        ------
        InputError
            Malformed arrays, total capacity below total demand, or (single source) a client
            whose demand exceeds every capacity.
        """
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
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, weights_cols: str,
                          facility_capacity_col: str, facility_fixed_cost_col: str | None = None, *,
                          single_source: bool = True, p_facilities: int | None = None,
                          predefined_facility_col: str | None = None, distance_metric: str = "euclidean",
                          name: str = "cflp") -> CFLP:
        """Build from GeoDataFrames: distance × demand is the assignment cost (``per_unit_cost``).

        Parameters
        ----------
        {geodataframes}
        {weights_cols}
        facility_capacity_col : str
            Capacity column of ``gdf_fac``.
        facility_fixed_cost_col : str or None
            Opening-cost column of ``gdf_fac`` (None: 0).
        single_source, p_facilities : see :meth:`from_cost_matrix`.
        {predefined_facility_col}
        {geodataframe_end}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        pre = cm.site_mask_column(gdf_fac, predefined_facility_col)
        return cls.from_cost_matrix(
            d, cm.column(gdf_demand, weights_cols, what="a demand column"),
            cm.column(gdf_fac, facility_capacity_col, what="a capacity column"),
            cm.column(gdf_fac, facility_fixed_cost_col, what="a fixed-cost column"),
            single_source=single_source, per_unit_cost=True, p_facilities=p_facilities,
            predefined_facilities_arr=pre, name=name)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, *, reduce: bool | None = None,
              **overrides: Any) -> CFLPResult:
        """Solve the module-docstring formulation.

        Parameters
        ----------
        options : SolverOptions, a PuLP solver or None
            Solver options, or a PuLP solver object (``pulp.PULP_CBC_CMD(msg=False)``; see
            :func:`~siting.classical._result.options_from_pulp`); None: the classical defaults.
        {results}
        reduce : bool or None
            First run the Lagrangian bound of :mod:`._cflp_lagrange`, transportation-LP and
            restricted-MIP upper bounds, close / fix the sites the bound proves, then solve the
            MIP on the rest (still exact). None (default): for multi-source instances without p
            and with ≥ 20,000 pairs. Measured figures: ``benchmarks/results/``.
        {overrides}

        {returns_result}
        """
        opts = cm.options_or_default(options, **overrides)
        return cm.publish(self, solve_cflp(self, opts, reduce), results)


def solve_cflp(model: CFLP, options: SolverOptions, reduce: bool | None = None) -> CFLPResult:
    """Solve; with ``reduce`` multi-source instances without p first get Lagrangian site fixing."""
    c = model.cost
    if reduce is None:
        reduce = c.size >= 20_000
    if reduce and not model.single_source and model.p is None:
        return _solve_reduced(model, options)
    return solve_assignment_model(c, model.demand, model.capacity, model.fixed_cost, model.single_source,
                                  model.predefined, model.p, model.distance, options, model.name)


def _transport(c: np.ndarray, q: np.ndarray, s: np.ndarray, f: np.ndarray, sites: np.ndarray,
               options: SolverOptions) -> tuple[float, sp.csr_matrix] | None:
    """Cost of opening ``sites`` and serving all demand optimally from them (an LP), or None."""
    n, m = c.shape
    if s[sites].sum() + 1e-9 < q.sum():
        return None
    sub = c[:, sites]
    rows, k = np.nonzero(np.isfinite(sub))
    if (np.bincount(rows, minlength=n) == 0).any():
        return None
    cols = sites[k]
    b = LinearProgramBuilder("transport")
    x = b.add_variables("share", rows.size, lb=0.0, ub=1.0)
    b.add_constraints("serve", n, rows, x, 1.0, lb=1.0, ub=1.0)
    b.add_constraints("capacity", sites.size, k, x, q[rows], ub=s[sites])
    b.add_objective("cost", "min", x, c[rows, cols])
    lp = b.build()
    sr = solve(lp, options.model_copy(update={"relative_gap": 0.0}))
    if sr.status is not SolveStatus.OPTIMAL or sr.values is None:
        return None
    xv = np.clip(sr.values, 0.0, 1.0)
    xv[xv < 1e-9] = 0.0
    return float(f[sites].sum() + sr.objective), sp.csr_matrix((xv, (rows, cols)), shape=(n, m))


def _solve_reduced(model: CFLP, options: SolverOptions) -> CFLPResult:
    """Lagrangian bound + transportation-LP upper bounds → fix sites → exact MIP on the rest."""
    from siting.classical._cflp_lagrange import subgradient

    t0 = time.perf_counter()
    deadline = t0 + options.time_limit_s
    c, q, s, f = model.cost, model.demand, model.capacity, model.fixed_cost
    n, m = c.shape
    finite = np.isfinite(c)
    big = float(c[finite].max(initial=0.0)) * 10 + 1.0
    cf = np.where(finite, c, big)
    usable = np.flatnonzero(finite.any(axis=0))
    best = _transport(c, q, s, f, usable, options)
    if best is None:
        return solve_assignment_model(c, q, s, f, False, model.predefined, None, model.distance, options, model.name)
    ub, ub_shares = best
    lag, lam = None, None
    for _ in range(3):
        cur = subgradient(cf, q, s, f, ub, deadline=t0 + 0.3 * options.time_limit_s, lam0=lam)
        if lag is None or cur.bound > lag.bound:
            lag = cur
        lam = cur.lam
        sites = np.union1d(np.flatnonzero(cur.y > 1e-9), np.flatnonzero(model.predefined))
        cand = _transport(c, q, s, f, sites, options)
        if cand is not None and cand[0] < ub:
            ub, ub_shares = cand
        else:
            break
    assert lag is not None
    # restricted-MIP heuristic: only sites open in the relaxation or with a small penalty
    band = np.flatnonzero((lag.y > 1e-9) | (lag.penalty <= 0.005 * abs(lag.bound)) | model.predefined)
    if band.size < m:
        heur = solve_assignment_model(np.where(np.isin(np.arange(m), band)[None, :], c, np.inf), q, s, f, False,
                                      model.predefined, None, model.distance,
                                      options.model_copy(
                                          update={"time_limit_s": max(0.15 * options.time_limit_s, 0.1)}),
                                      model.name)
        if heur.objective is not None and heur.objective < ub and heur.shares is not None:
            ub, ub_shares = heur.objective, heur.shares
    slack = ub - lag.bound + 1e-9 * abs(ub)
    closed = (lag.y < 1e-9) & (lag.penalty > slack) & ~model.predefined
    fixed_open = (lag.y > 1 - 1e-9) & (lag.penalty > slack)
    c_red = np.where(closed[None, :], np.inf, c)
    stats = {"lagrangian_bound": lag.bound, "ub_transport": ub, "sites_closed": float(closed.sum()),
             "sites_fixed_open": float(fixed_open.sum())}
    left = deadline - time.perf_counter()
    res = solve_assignment_model(c_red, q, s, f, False, model.predefined | fixed_open, None, model.distance,
                                 options.model_copy(update={"time_limit_s": max(left, 0.1)}), model.name)
    res.stats.update(stats)
    secs = time.perf_counter() - t0
    lower = lag.bound
    if res.objective is not None and res.objective <= ub:
        bound = res.bound if res.bound is not None else lower
        bound = max(lower, min(bound, ub))
        status = res.status
        if status is SolveStatus.OPTIMAL:
            bound = min(res.objective, max(bound, lower))
        from dataclasses import replace
        return replace(res, seconds=secs, bound=bound)
    # the MIP did not beat the transportation-LP incumbent (time limit, or nothing better exists)
    proven = res.status is SolveStatus.INFEASIBLE or (res.status is SolveStatus.OPTIMAL and res.objective is not None
                                                       and res.objective >= ub - 1e-9 * abs(ub))
    yv = np.asarray(ub_shares.sum(axis=0)).reshape(-1) > 1e-9
    main = np.asarray(ub_shares.argmax(axis=1)).reshape(-1).astype(np.int64)
    rows, cols = ub_shares.nonzero()
    assign_cost = float((ub_shares.multiply(sp.csr_matrix(np.where(finite, c, 0.0)))).sum())
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    mip_bound = res.bound if res.bound is not None else lower
    bound = ub if proven else max(lower, min(mip_bound, ub))
    return CFLPResult(status, ub, bound, secs, options.backend, np.flatnonzero(yv).astype(np.int64), main,
                      model.distance, q, "transportation-LP incumbent", res.solve_result, {**res.stats, **stats},
                      shares=ub_shares, fixed_cost=float(f[yv].sum()), assignment_cost=assign_cost)


def solve_assignment_model(c: np.ndarray, q: np.ndarray, s: np.ndarray, f: np.ndarray, single_source: bool,
                           predefined: np.ndarray, p: int | None, distance: np.ndarray, options: SolverOptions,
                           name: str, result_cls: type = CFLPResult, *,
                           fill_exactly: np.ndarray | None = None) -> Any:
    """Build and solve the module-docstring formulation (shared with the capacitated p-median).

    ``fill_exactly`` (a site mask) turns those sites' capacity rows into equalities: an open
    site of the mask serves exactly its capacity (spopt's ``fulfill_predefined_fac``).
    """
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
    cap_lb = -np.inf if fill_exactly is None else np.where(fill_exactly, 0.0, -np.inf)
    b.add_constraints("capacity", m, np.r_[cols, np.arange(m)], np.r_[x, y], np.r_[q[rows], -s], lb=cap_lb, ub=0.0)
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
