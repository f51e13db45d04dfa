"""p-center: open p sites minimising the largest client-to-nearest-site distance.

Textbook formulation (Hakimi 1965; spopt's)::

    min r   s.t.  Σ_j x_ij = 1 ∀i,  x_ij ≤ y_j,  Σ_j d_ij x_ij ≤ r ∀i,  Σ_j y_j = p,
                  y_j = 1 required,  x, y ∈ {0,1}

Its LP relaxation is notoriously weak (r ≈ 0), so branch-and-bound on it crawls. Instead
we use the fact that the optimal radius is one of the distinct distances d_ij and solve
the **decision version** — "can p sites cover every client within R?", a set-covering
feasibility problem ``Σ_{j: d_ij ≤ R} y_j ≥ 1 ∀i, Σ_j y_j ≤ p`` — by binary search over
the sorted distinct distances (Minieka 1970; the covering view of Calik & Tansel 2013).
The search starts between ``max_i min_j d_ij`` (a lower bound) and the radius of a
greedy farthest-point solution (an upper bound); a greedy set cover settles most
"feasible" probes without a MIP. Only sparse coverage rows are ever built. The answer is
``OPTIMAL`` when every decisive probe was proven (feasible by a solution, infeasible by
the solver), otherwise ``FEASIBLE`` with the best proven lower bound.
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
from siting.solvers import LinearProgramBuilder, solve


@dataclass(frozen=True)
class PCenterResult(cm.LocationResult):
    """p-center outcome; ``objective`` is the largest client distance (the radius)."""

    probes: int = 0


def _greedy_cover(cover: sp.csc_matrix, p: int, fixed: np.ndarray) -> np.ndarray | None:
    """Greedy set cover with at most p sites (required ones first), or None."""
    n, m = cover.shape
    covered = np.zeros(n, dtype=bool)
    chosen: list[int] = np.flatnonzero(fixed).tolist()
    for j in chosen:
        covered[cover.indices[cover.indptr[j]:cover.indptr[j + 1]]] = True
    while not covered.all():
        if len(chosen) >= p:
            return None
        gain = np.asarray(cover.T @ (~covered).astype(np.int32)).reshape(-1)
        gain[chosen] = -1
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            return None
        chosen.append(j)
        covered[cover.indices[cover.indptr[j]:cover.indptr[j + 1]]] = True
    return np.array(sorted(chosen), dtype=np.int64)


def _farthest_point(d: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Gonzalez-style: repeatedly open the site nearest to the currently worst-served client."""
    chosen: list[int] = np.flatnonzero(fixed).tolist()
    if not chosen:
        chosen = [int(np.argmin(d.max(axis=0)))]
    d1 = d[:, chosen].min(axis=1)
    while len(chosen) < p:
        i = int(np.argmax(d1))
        order = np.argsort(d[i])
        j = next(int(j) for j in order if j not in chosen)
        chosen.append(j)
        d1 = np.minimum(d1, d[:, j])
    return np.array(sorted(chosen), dtype=np.int64)


class PCenter(cm.PSitesModel):
    """The p-center problem; see the module docstring for the method."""

    result: PCenterResult | None

    @property
    def aij(self) -> np.ndarray:
        """spopt's ``aij``: the cost matrix."""
        return self.distance

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, p_facilities: int, predefined_facilities_arr: Any = None,
                         name: str = "p-center") -> PCenter:
        """Build from a clients × sites cost matrix; positional order as spopt's ``PCenter``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` = cannot serve.
        p_facilities : int
            Number of centres.
        {cost_matrix_end}

        Raises
        ------
        InputError
            A malformed matrix or mask, or p out of range.
        """
        d = cm.as_cost_matrix(cost_matrix)
        fixed = cm.as_site_mask(predefined_facilities_arr, d.shape[1])
        return cls(d, cm.check_p(p_facilities, d.shape[1], int(fixed.sum())), fixed, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, p_facilities: int,
                          predefined_facility_col: str | None = None, distance_metric: str = "euclidean",
                          name: str = "p-center") -> PCenter:
        """Build from demand and facility GeoDataFrames; positional order as spopt's ``PCenter``.

        Parameters
        ----------
        {geodataframes}
        p_facilities : int
            Number of centres.
        {predefined_facility_col}
        {geodataframe_end}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        return cls.from_cost_matrix(d, p_facilities, cm.site_mask_column(gdf_fac, predefined_facility_col), name)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, **overrides: Any) -> PCenterResult:
        """Solve by binary search on the covering decision problem.

        {solve_parameters}

        {returns_result}
        """
        opts = cm.options_or_default(options, **overrides)
        return cm.publish(self, solve_pcenter(self.distance, self.p, self.predefined, opts, self.name), results)


def _probe(d: np.ndarray, radius: float, p: int, fixed: np.ndarray, options: SolverOptions, time_left: float,
           name: str) -> tuple[bool | None, np.ndarray | None]:
    """(True, sites) if p sites cover all within radius, (False, None) if proven not, (None, None) if unknown."""
    rows, cols = np.nonzero(d <= radius)
    n, m = d.shape
    if np.bincount(rows, minlength=n).min() == 0:
        return False, None
    cover = sp.csc_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(n, m))
    sites = _greedy_cover(cover, p, fixed)
    if sites is not None:
        return True, sites
    b = LinearProgramBuilder(f"{name}-probe")
    y = b.add_binaries("open", m)
    b.add_constraints("cover", n, rows, y[cols], 1.0, lb=1.0)
    b.add_constraints("p", 1, np.zeros(m), y, 1.0, ub=float(p))
    if fixed.any():
        fx = np.flatnonzero(fixed)
        b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
    b.add_objective("facilities", "min", y, 1.0)
    lp = b.build()
    sr = solve(lp, options.model_copy(update={"time_limit_s": max(time_left, 0.1)}))
    if sr.status is SolveStatus.INFEASIBLE:
        return False, None
    if sr.values is not None:
        return True, np.flatnonzero(lp.block_values(sr.values, "open") > 0.5).astype(np.int64)
    return None, None


def solve_pcenter(d: np.ndarray, p: int, fixed: np.ndarray, options: SolverOptions,
                  name: str = "p-center") -> PCenterResult:
    t0 = time.perf_counter()
    n, m = d.shape
    ones = np.ones(n)
    nearest = d.min(axis=1)
    if not np.isfinite(nearest).all():
        return PCenterResult(**cm.no_solution(SolveStatus.INFEASIBLE, d, ones, 0.0, options.backend,
                                              f"client {int(np.flatnonzero(~np.isfinite(nearest))[0])} "
                                              "cannot be served"))
    best = _farthest_point(np.where(np.isfinite(d), d, np.inf), p, fixed)
    hi = float(d[:, best].min(axis=1).max())
    lo_val = float(nearest.max())
    values = np.unique(d[(d >= lo_val) & (d <= hi)])  # the answer is one of them; the last is feasible (best)
    search = cm.bisect_feasible(values.size, best,
                                lambda k, left: _probe(d, float(values[k]), p, fixed, options, left, name),
                                lambda: options.time_limit_s - (time.perf_counter() - t0), smallest=True)
    best, proven, probes = search.sites, search.proven, search.probes
    lower = float(values[search.lo]) if values.size else hi
    # complete to exactly p sites (extra sites never hurt) and assign nearest
    if best.size < p:
        rest = np.setdiff1d(np.arange(m), best)
        best = np.sort(np.r_[best, rest[: p - best.size]]).astype(np.int64)
    assign = cm.nearest_assignment(d, best)
    radius = float(d[np.arange(n), assign].max())
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return PCenterResult(status, radius, min(lower, radius), time.perf_counter() - t0, options.backend, best, assign,
                         d, ones, "binary search on the covering decision problem", None, {"probes": float(probes)},
                         probes=probes)
