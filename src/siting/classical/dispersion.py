"""p-dispersion: open p sites as far apart as possible (maximise the smallest pairwise distance).

spopt's formulation (Kuby 1987) is ``max D  s.t.  D ≤ d_ij + M (2 − y_i − y_j)  ∀ i < j,
Σ y = p``; its big-M rows make the LP bound useless. Here, as for the p-center, the optimum
is one of the distinct distances, and the **decision version** — "are there p sites pairwise
at least D apart?" — is an independent-set problem on the conflict graph of the pairs closer
than D::

    Σ_j y_j ≥ p,   y_i + y_j ≤ 1  ∀ i < j with d_ij < D,   y_j = 1 required,  y ∈ {0,1}

A binary search over the sorted distinct distances answers it, starting from a greedy
farthest-point selection (a lower bound) and from the closest pair of required sites (an
upper bound); a greedy independent set settles most feasible probes without a MIP. As spopt,
the distance of sites i < j is read from the upper triangle ``d[i, j]``. ``OPTIMAL`` when
every decisive probe was proven, otherwise ``FEASIBLE`` with the best proven upper bound.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.classical import _common as cm
from siting.classical._result import SiteSelection
from siting.core.options import SolverOptions
from siting.core.results import SolveResult, SolveStatus
from siting.errors import InputError
from siting.solvers import LinearProgramBuilder, solve


@dataclass(frozen=True)
class PDispersionResult(SiteSelection):
    """p-dispersion outcome: ``objective`` is the smallest distance between two open sites;
    ``bound`` an upper bound on it (equal when ``OPTIMAL``)."""

    distance: np.ndarray = field(repr=False)
    message: str = ""
    probes: int = 0
    solve_result: SolveResult | None = field(default=None, repr=False)

    @property
    def n_sites(self) -> int:
        """Number of candidate sites (rows and columns of the site × site matrix)."""
        return int(self.distance.shape[0])


def _min_pair(d: np.ndarray, sites: np.ndarray) -> float:
    """Smallest upper-triangle distance among ``sites`` (inf for fewer than two)."""
    s = np.sort(sites)
    if s.size < 2:
        return float("inf")
    i, j = np.triu_indices(s.size, 1)
    return float(d[s[i], s[j]].min())


def _greedy(sym: np.ndarray, p: int, fixed: np.ndarray) -> np.ndarray:
    """Farthest-point selection: required sites (or the farthest pair), then the site farthest from the chosen."""
    chosen: list[int] = np.flatnonzero(fixed).tolist()
    if not chosen:
        a, b = np.unravel_index(int(np.argmax(np.where(np.isfinite(sym), sym, -1.0))), sym.shape)
        chosen = [int(a), int(b)]
    near = sym[:, chosen].min(axis=1)
    near[chosen] = -np.inf
    while len(chosen) < p:
        j = int(np.argmax(near))
        chosen.append(j)
        near = np.minimum(near, sym[:, j])
        near[chosen] = -np.inf
    return np.array(sorted(chosen), dtype=np.int64)


def _probe(sym: np.ndarray, radius: float, p: int, fixed: np.ndarray, options: SolverOptions, time_left: float,
           name: str) -> tuple[bool | None, np.ndarray | None]:
    """(True, sites) if p sites are pairwise ≥ radius apart, (False, None) if proven not, (None, None) if unknown."""
    m = sym.shape[0]
    conflict = sym < radius
    np.fill_diagonal(conflict, False)
    fx = np.flatnonzero(fixed)
    if conflict[np.ix_(fx, fx)].any():
        return False, None
    # greedy independent set: required sites, then the candidate with the fewest conflicts left
    ok = ~conflict[:, fx].any(axis=1) & ~fixed
    chosen = list(fx.tolist())
    while len(chosen) < p and ok.any():
        cand = np.flatnonzero(ok)
        deg = conflict[np.ix_(cand, cand)].sum(axis=1)
        j = int(cand[np.argmin(deg)])
        chosen.append(j)
        ok &= ~conflict[:, j]
        ok[j] = False
    if len(chosen) >= p:
        return True, np.array(sorted(chosen[:p]), dtype=np.int64)
    rows_i, rows_j = np.nonzero(np.triu(conflict, 1))
    b = LinearProgramBuilder(f"{name}-probe")
    y = b.add_binaries("open", m)
    k = rows_i.size
    b.add_constraints("apart", k, np.r_[np.arange(k), np.arange(k)], y[np.r_[rows_i, rows_j]], 1.0, ub=1.0)
    b.add_constraints("p", 1, np.zeros(m), y, 1.0, lb=float(p))
    if fx.size:
        b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
    b.add_objective("sites", "min", y, 1.0)
    lp = b.build()
    sr = solve(lp, options.model_copy(update={"time_limit_s": max(time_left, 0.1)}))
    if sr.status is SolveStatus.INFEASIBLE:
        return False, None
    if sr.values is not None:
        sites = np.flatnonzero(lp.block_values(sr.values, "open") > 0.5).astype(np.int64)
        return True, np.sort(np.r_[fx, np.setdiff1d(sites, fx)][:p]).astype(np.int64)
    return None, None


class PDispersion(cm.PSitesModel):
    """The p-dispersion problem; see the module docstring. Arguments in spopt's order."""

    result: PDispersionResult | None

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, p_facilities: int, predefined_facilities_arr: Any = None,
                         name: str = "p-dispersion") -> PDispersion:
        """Build from a sites × sites distance matrix; positional order as spopt's ``PDispersion``.

        Parameters
        ----------
        cost_matrix : array-like
            ``(sites, sites)`` finite distances; ``d[i, j]`` for ``i < j`` is used.
        p_facilities : int
            Number of sites to open (at least 2).
        {cost_matrix_end}

        Raises
        ------
        InputError
            A matrix that is not square or not finite, p < 2 or p > sites, or more required sites than p.
        """
        d = cm.as_cost_matrix(cost_matrix, allow_inf=False)
        if d.shape[0] != d.shape[1]:
            raise InputError(f"shape {d.shape}", field="cost_matrix", expected="a square sites × sites matrix")
        fixed = cm.as_site_mask(predefined_facilities_arr, d.shape[1])
        p = cm.check_p(p_facilities, d.shape[1], int(fixed.sum()))
        if p < 2:
            raise InputError(f"p = {p}", field="p_facilities", expected="p ≥ 2 (one site has no pairwise distance)")
        return cls(d, p, fixed, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_fac: Any, facility_col: str, p_facilities: int,
                          predefined_facility_col: str | None = None, distance_metric: str = "euclidean",
                          name: str = "p-dispersion") -> PDispersion:
        """Build from a facility GeoDataFrame; positional order as spopt's ``PDispersion``.

        Parameters
        ----------
        gdf_fac : geopandas.GeoDataFrame
            Candidate sites (a geographic CRS warns: degrees).
        facility_col : str
            Its geometry column.
        p_facilities : int
            Number of sites to open.
        predefined_facility_col : str or None
            Column: True / 1 for a required site.
        {distance_metric}
        {name}

        Returns
        -------
        PDispersion
        """
        d = cm.geodataframe_costs(gdf_fac, gdf_fac, facility_col, facility_col, distance_metric)
        return cls.from_cost_matrix(d, p_facilities, cm.site_mask_column(gdf_fac, predefined_facility_col), name)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, **overrides: Any) -> PDispersionResult:
        """Solve by binary search on the decision problem (module docstring).

        Parameters
        ----------
        {options}
        results : bool
            Set ``fac_vars`` on the model (spopt's PDispersion has no client attributes).
        {overrides}

        {returns_result}
        """
        opts = cm.options_or_default(options, **overrides)
        res = solve_pdispersion(self.distance, self.p, self.predefined, opts, self.name)
        self.result = res
        if results:
            self.fac_vars = res.fac_vars
        elif "fac_vars" in vars(self):
            del self.fac_vars
        return res


def solve_pdispersion(d: np.ndarray, p: int, fixed: np.ndarray, options: SolverOptions,
                      name: str = "p-dispersion") -> PDispersionResult:
    """Binary search over the distinct pairwise distances (module docstring) on a validated instance."""
    t0 = time.perf_counter()
    m = d.shape[0]
    upper = np.triu(d, 1)
    sym = upper + upper.T
    np.fill_diagonal(sym, np.inf)
    best = _greedy(sym, p, fixed)
    lo_val = _min_pair(d, best)
    fx = np.flatnonzero(fixed)
    cap = _min_pair(d, fx)
    iu = np.triu_indices(m, 1)
    values = np.unique(d[iu])
    values = values[(values >= lo_val) & (values <= cap)]
    # values[0] is feasible (the greedy selection); the answer is one of the values
    search = cm.bisect_feasible(values.size, best,
                                lambda k, left: _probe(sym, float(values[k]), p, fixed, options, left, name),
                                lambda: options.time_limit_s - (time.perf_counter() - t0), smallest=False)
    best, proven, probes = search.sites, search.proven, search.probes
    value = _min_pair(d, best)
    bound = float(values[search.hi]) if values.size else value
    status = SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE
    return PDispersionResult(status, value, max(bound, value), time.perf_counter() - t0, options.backend, best, d,
                             "binary search on the independent-set decision problem", probes)
