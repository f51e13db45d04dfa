"""p-median: open p sites minimising the demand-weighted distance of every client to its nearest.

Why not the textbook model: the dense formulation (n·m assignment variables and
n·m linking rows) is what makes spopt slow, and even Elloumi's radius formulation
handed to a MIP solver as it is needs minutes on OR-Library pmed6 (n = 200, p = 5).
So :func:`solve_pmedian` proves optimality in four stages:

1. **Upper bound** – greedy add, then vertex substitution (Teitz–Bart 1-swap descent,
   all swaps scored at once; :mod:`._vertex_substitution`).
2. **Lower bound** – Lagrangian relaxation of the assignment rows (Beasley 1993) by
   subgradient optimisation, touching only pairs with ``C_ij < λ_i``
   (:mod:`._pmedian_lagrange`); every 20 iterations the relaxation's p sites seed a new
   vertex substitution, which tightens UB. When ``⌈L⌉ ≥ UB`` (integral data) or the
   relative gap is within the requested tolerance, the incumbent is **proven** optimal.
3. **Reduction** – Lagrangian reduced-cost fixing for solutions of cost ≤ ``T = UB − δ``
   (δ = 1 on integral data, else the requested gap): sites whose opening penalty exceeds
   ``T − L`` are closed, sites whose closing penalty does are fixed open, and client–site
   pairs with ``L + pen_j + (C_ij − λ_i)⁺ > T`` are removed (radius truncation). None of
   them can appear in a better solution, so this keeps the proof; typically 3–15 % of the
   pairs survive on OR-Library instances that reach this stage.
4. **Exact stage** on the reduced instance, one of
   * ``method="bnb"`` (default): Lagrangian branch-and-bound (:mod:`._pmedian_bnb`) – 15
     warm-started subgradient steps per node, penalty fixing at every node, depth first;
   * ``method="mip"``: the radius formulation (Elloumi 2010, chained sparse form;
     :mod:`._radius_mip`) over the surviving pairs, solved by ``options.backend``.
   Either one's optimum, or its proof that nothing ≤ T exists, settles optimality.
   The B&B is the default because its node bounds are the strong Lagrangian ones and its
   nodes are cheap; the cut-off ``cost ≤ T`` acts through the reduction, not as a MIP row.
   Measured run times of both: ``benchmarks/results/classical_figures.md``.

The full formulation being solved (with ``C_ij = w_i·d_ij``) is

    min Σ_i Σ_j C_ij x_ij   s.t.  Σ_j x_ij = 1 ∀i,  x_ij ≤ y_j,  Σ_j y_j = p,
                                   y_j = 1 for required sites,  x, y ∈ {0, 1},

stage 4 solving it (or its radius reformulation) restricted to the pairs stage 3 keeps.
``OPTIMAL`` is reported only when the bound proves it; a time-limited run returns
``FEASIBLE`` with the best bound.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.classical import _common as cm
from siting.classical._pmedian_bnb import branch_and_bound
from siting.classical._pmedian_lagrange import SortedCosts, evaluate, penalties, subgradient
from siting.classical._radius_mip import build_radius_mip
from siting.classical._vertex_substitution import cost_of, greedy, local_search
from siting.classical.cpmp import CPMP
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import InputError
from siting.solvers import solve


@dataclass(frozen=True)
class PMedianResult(cm.LocationResult):
    """p-median outcome; ``stats`` holds the stage figures (UB, Lagrangian bound, pairs kept …)."""

    @property
    def total_weighted_distance(self) -> float | None:
        return self.objective


class PMedian:
    """The p-median problem (Hakimi 1964; ReVelle & Swain 1970). See the module docstring.

    Build with :meth:`from_cost_matrix` or :meth:`from_geodataframe` (spopt's names and
    arguments), then :meth:`solve`.
    """

    def __init__(self, cost_matrix: np.ndarray, weights: np.ndarray, p_facilities: int,
                 predefined: np.ndarray, name: str = "p-median") -> None:
        self.cost_matrix = cost_matrix
        self.weights = weights
        self.p_facilities = p_facilities
        self.predefined = predefined
        self.name = name
        self.result: PMedianResult | None = None

    @property
    def aij(self) -> np.ndarray:
        """spopt's ``aij``: the demand-weighted cost matrix ``w_i · d_ij``."""
        return self.cost_matrix * self.weights[:, None]

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any = None, p_facilities: int = 1,
                         predefined_facilities_arr: Any = None, facility_capacities: Any = None,
                         fulfill_predefined_fac: bool = False, name: str = "p-median") -> PMedian | CPMP:
        """Build from a clients × sites cost matrix; positional order as spopt's ``PMedian``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` (or an absent sparse entry) = cannot serve.
        weights : array-like or None
            Demand per client (None: 1 each); the objective is Σ w_i d_i.
        {p_medians}
        {predefined_facilities_arr}
        facility_capacities : array-like or None
            Capacity per site: then this returns the capacitated model, a
            :class:`~siting.classical.CPMP` with spopt's demand-weighted objective.
        fulfill_predefined_fac : bool
            With capacities: required sites serve exactly their capacity (as spopt).
        {name}

        Returns
        -------
        PMedian, or CPMP when ``facility_capacities`` is given.

        Raises
        ------
        InputError
            Malformed arrays, p out of range, or ``fulfill_predefined_fac`` without capacities.
        """
        if facility_capacities is not None:
            return CPMP.from_cost_matrix(cost_matrix, weights, p_facilities, predefined_facilities_arr,
                                         facility_capacities, fulfill_predefined_fac,
                                         "capacitated-" + name, weighted_objective=True)
        if fulfill_predefined_fac:
            raise InputError("fulfill_predefined_fac without facility capacities", field="fulfill_predefined_fac",
                             expected="facility_capacities too (a site can only be filled up to a capacity)")
        d = cm.as_cost_matrix(cost_matrix)
        w = cm.as_vector(weights, d.shape[0], name="weights", default=1.0)
        fixed = cm.as_site_mask(predefined_facilities_arr, d.shape[1])
        p = cm.check_p(p_facilities, d.shape[1], int(fixed.sum()))
        return cls(d, w, p, fixed, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str,
                          weights_cols: str | None, p_facilities: int, facility_capacity_col: str | None = None,
                          predefined_facility_col: str | None = None, fulfill_predefined_fac: bool = False,
                          distance_metric: str = "euclidean", name: str = "p-median") -> PMedian | CPMP:
        """Build from GeoDataFrames; positional order as spopt's ``PMedian.from_geodataframe``.

        Parameters
        ----------
        {geodataframes}
        {weights_cols_optional}
        {p_medians}
        facility_capacity_col : str or None
            Capacity column of ``gdf_fac``: then the capacitated model (a ``CPMP``, spopt's objective).
        {predefined_facility_col}
        fulfill_predefined_fac : bool
            With capacities: required sites serve exactly their capacity.
        {distance_metric}
        {name}

        Returns
        -------
        PMedian, or CPMP with a capacity column.

        {raises_geodataframe}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        w = cm.column(gdf_demand, weights_cols, what="a demand weight column")
        return cls.from_cost_matrix(d, w, p_facilities, cm.site_mask_column(gdf_fac, predefined_facility_col),
                                    cm.column(gdf_fac, facility_capacity_col, what="a capacity column"),
                                    fulfill_predefined_fac, name)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, *, method: str = "bnb",
              **overrides: Any) -> PMedianResult:
        """Solve (stages 1–4 of the module docstring).

        Parameters
        ----------
        {options}
        {results}
        method : str
            Stage 4: ``"bnb"`` (Lagrangian branch-and-bound, default) or ``"mip"`` (radius MIP
            through the backend).
        {overrides}

        Returns
        -------
        PMedianResult
            Also kept as ``self.result``; a time-limited run says ``FEASIBLE`` (spopt raises or,
            with PuLP's CBC, may say "Optimal").

        Raises
        ------
        InputError
            An unknown ``method``, or a PuLP solver without a siting backend.
        """
        if method not in ("bnb", "mip"):
            raise InputError(f"'{method}'", field="method", expected="'bnb' or 'mip'")
        res = solve_pmedian(self.cost_matrix, self.weights, self.p_facilities, self.predefined,
                            cm.options_or_default(options, **overrides), method)
        return cm.publish(self, res, results)


# --------------------------------------------------------------------------- driver
@dataclass
class _Search:
    """The upper-bound search shared with the Lagrangian phase's callback."""

    ub: float
    sites: np.ndarray
    seen: set[int]
    ls_s: float  # seconds spent in vertex substitution so far
    lag_t0: float  # when the Lagrangian phase started

def _proven_above(target: float, integral: bool) -> float:
    """The lower bound that a proof "no solution costs ≤ ``target``" gives: the next integer above
    ``target`` on integral costs, else ``target`` itself (with a gap, only ``UB − δ`` is proven,
    not ``UB``)."""
    return float(math.floor(target + 1e-6) + 1) if integral else float(target)


def _closed(integral: bool, rel_gap: float) -> Any:
    def closed(lower: float, upper: float) -> bool:
        if not math.isfinite(lower):
            return False
        lo = math.ceil(lower - 1e-6) if integral else lower
        return upper - lo <= max(rel_gap * abs(upper), 1e-9 * max(1.0, abs(upper)))
    return closed


def solve_pmedian(distance: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray,
                  options: SolverOptions, method: str = "bnb") -> PMedianResult:
    """Stages 1–4 of the module docstring on a validated instance."""
    t0 = time.perf_counter()
    deadline = t0 + options.time_limit_s
    n, m = distance.shape
    C = distance * weights[:, None]
    finite = np.isfinite(C)
    stats: dict[str, float] = {}
    base = dict(distance=distance, weights=weights)

    def result(status: SolveStatus, open_sites: np.ndarray | None, bound: float | None, msg: str,
               sr: Any = None) -> PMedianResult:
        secs = time.perf_counter() - t0
        backend = sr.backend if sr is not None else "lagrangian"  # which engine settled the answer
        if open_sites is None:
            return PMedianResult(**cm.no_solution(status, distance, weights, secs, backend, msg, sr, bound),
                                 stats=stats)
        open_sites = np.sort(np.asarray(open_sites, dtype=np.int64))
        assign = cm.nearest_assignment(C, open_sites)
        obj = float(C[np.arange(n), assign].sum())
        return PMedianResult(status, obj, bound, secs, backend, open_sites, assign, message=msg,
                             solve_result=sr, stats=stats, **base)

    unreachable = ~finite.any(axis=1)
    if unreachable.any():
        return result(SolveStatus.INFEASIBLE, None, None,
                      f"client {int(np.flatnonzero(unreachable)[0])} cannot be served by any site")
    if p == m or p == int(fixed.sum()):
        sites = np.arange(m) if p == m else np.flatnonzero(fixed)
        if not finite[:, sites].any(axis=1).all():
            return result(SolveStatus.INFEASIBLE, None, None, "some client cannot reach the forced sites")
        v = cost_of(C, sites)
        return result(SolveStatus.OPTIMAL, sites, v, "the sites are forced (p = number of sites or of required ones)")

    big = float(C[finite].max(initial=0.0)) * n + 1.0
    Cf = np.where(finite, C, big)
    integral = bool(np.all(Cf == np.round(Cf)))
    closed = _closed(integral, options.relative_gap)

    # 1. upper bound
    ub_sites, ub, _ = local_search(Cf, greedy(Cf, p, fixed), fixed, deadline=deadline)
    state = _Search(ub, ub_sites, set(), 0.0, time.perf_counter())
    stats["ub_initial"] = ub

    def improve(sel: np.ndarray, it: int) -> None:
        sites = np.flatnonzero(sel)
        key = hash(sites.tobytes())
        if key in state.seen or time.perf_counter() > deadline:
            return
        state.seen.add(key)
        # descents may take at most half of the Lagrangian phase's time (they dominate on big instances)
        if it == 1 or sites.size != p or state.ls_s > max(0.5 * (time.perf_counter() - state.lag_t0), 1.0):
            return
        t_ls = time.perf_counter()
        s2, v2, _ = local_search(Cf, sites, fixed, deadline=deadline)
        state.ls_s += time.perf_counter() - t_ls
        if v2 < state.ub - 1e-9:
            state.ub, state.sites = v2, s2

    # 2. Lagrangian lower bound
    sc = SortedCosts.of(Cf)
    lam0 = Cf[np.arange(n), cm.nearest_assignment(Cf, ub_sites)]
    lag = subgradient(Cf, sc, p, fixed, lam0, lambda: state.ub, closed_gap=closed, on_selection=improve,
                      deadline=deadline - 0.25 * options.time_limit_s)
    ub, ub_sites = state.ub, state.sites
    stats.update(ub=ub, lagrangian_bound=lag.bound, lagrangian_iterations=lag.iterations,
                 lagrangian_seconds=lag.seconds, seconds_to_bounds=time.perf_counter() - t0)
    lower = math.ceil(lag.bound - 1e-6) if integral else lag.bound
    if ub >= big:  # heuristics could not serve everyone: let the MIP decide feasibility
        lower = lag.bound
    if closed(lag.bound, ub) and ub < big:
        return result(SolveStatus.OPTIMAL, ub_sites, min(lower, ub), "proven by the Lagrangian bound")

    # 3. reduction by Lagrangian reduced costs, for solutions strictly better than the incumbent
    if ub < big:
        delta = max(1.0 if integral else 0.0, options.relative_gap * abs(ub), 1e-9 * max(1.0, abs(ub)))
        target = ub - delta + (1e-6 if integral else 0.0)  # cost ≤ target ⇔ better (within the gap)
    else:
        delta = 0.5
        target = big - 0.5  # any solution that serves everyone
    L, rho, sel, _ = evaluate(sc, lag.lam, p, fixed)
    pen = penalties(rho, sel, fixed)
    slack = target - L
    open_pen = np.where(sel, 0.0, pen)
    site_ok = open_pen <= slack
    fixed_open = fixed | (sel & (pen > slack))
    keep = (open_pen[None, :] + np.maximum(Cf - lag.lam[:, None], 0.0) <= slack) & site_ok[None, :] & finite
    rows, cols = np.nonzero(keep)
    stats.update(sites_kept=float(site_ok.sum()), sites_fixed_open=float(fixed_open.sum()),
                 pairs_kept=float(rows.size), pairs_total=float(n * m))
    no_better = "no better solution exists"
    if slack < 0 or (np.bincount(rows, minlength=n) == 0).any() or int(fixed_open.sum()) > p:
        if ub < big:
            return result(SolveStatus.OPTIMAL, ub_sites, min(ub, max(lower, _proven_above(target, integral))),
                          f"proven by Lagrangian reduction ({no_better})")
        return result(SolveStatus.INFEASIBLE, None, None, "no p sites can serve every client")

    keep_sites = np.flatnonzero(site_ok | fixed_open)
    local = np.full(m, -1, dtype=np.int64)
    local[keep_sites] = np.arange(keep_sites.size)
    if method == "bnb":  # 4a. Lagrangian branch-and-bound on the reduced instance
        Cr = np.full((n, keep_sites.size), big)
        Cr[rows, local[cols]] = Cf[rows, cols]
        out = branch_and_bound(Cr, p, fixed_open[keep_sites], lag.lam, ub, delta if ub < big else 0.5,
                               deadline=deadline, big=big)
        stats.update(bnb_nodes=float(out.nodes), bnb_seconds=out.seconds)
        best = keep_sites[out.best_sites] if out.best_sites is not None else ub_sites
        if cost_of(Cf, best) >= big:
            if out.proven:
                return result(SolveStatus.INFEASIBLE, None, None, "no p sites can serve every client")
            return result(SolveStatus.NO_SOLUTION, None, None, "time limit reached in branch-and-bound")
        if out.proven:  # nothing costs ≤ the search's final target but ``best``
            proven = min(cost_of(Cf, best), max(lower, _proven_above(out.bound, integral)))
            return result(SolveStatus.OPTIMAL, best, proven,
                          f"proven by Lagrangian branch-and-bound ({out.nodes} nodes)")
        return result(SolveStatus.FEASIBLE, best, max(lower, out.bound),
                      f"time limit in branch-and-bound ({out.nodes} nodes)")

    # 4b. exact radius MIP on the surviving pairs (site ids compressed)
    lp, _ = build_radius_mip(rows, local[cols], Cf[rows, cols], n, keep_sites.size, p, fixed_open[keep_sites],
                             )
    stats.update(mip_variables=float(lp.n_vars), mip_constraints=float(lp.n_cons), mip_nonzeros=float(lp.A.nnz))
    remaining = deadline - time.perf_counter()
    if remaining <= 0.05:
        if ub < big:
            return result(SolveStatus.FEASIBLE, ub_sites, lower, "time limit reached before the MIP stage")
        return result(SolveStatus.NO_SOLUTION, None, None, "time limit reached before the MIP stage")
    sr = solve(lp, options.model_copy(update={"time_limit_s": remaining}))
    stats["mip_seconds"] = sr.seconds
    if sr.status is SolveStatus.INFEASIBLE:
        if ub < big:
            return result(SolveStatus.OPTIMAL, ub_sites, min(ub, max(lower, _proven_above(target, integral))),
                          f"proven by the MIP stage ({no_better})", sr)
        return result(SolveStatus.INFEASIBLE, None, None, "no p sites can serve every client", sr)
    if not sr.status.has_solution or sr.values is None:
        if ub < big:
            return result(SolveStatus.FEASIBLE, ub_sites, lower, f"MIP stage: {sr.status.value}", sr)
        return result(sr.status, None, None, f"MIP stage: {sr.status.value}", sr)
    mip_sites = keep_sites[np.flatnonzero(lp.block_values(sr.values, "open") > 0.5)]
    best = mip_sites if cost_of(Cf, mip_sites) < ub else ub_sites
    best_cost = cost_of(Cf, best)
    if best_cost >= big:
        return result(SolveStatus.INFEASIBLE, None, None, "no p sites can serve every client", sr)
    # the MIP's bound holds for the kept pairs only; a solution using a removed pair costs > target
    mip_bound = -np.inf if sr.bound is None else min(sr.bound, _proven_above(target, integral))
    if sr.status is SolveStatus.OPTIMAL:
        return result(SolveStatus.OPTIMAL, best, min(best_cost, max(lower, mip_bound)), "MIP stage: optimal", sr)
    return result(SolveStatus.FEASIBLE, best, min(best_cost, max(lower, mip_bound)),
                  f"MIP stage: {sr.status.value}", sr)
