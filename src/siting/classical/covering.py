"""Covering models: location set covering (LSCP) and maximal covering (MCLP).

A client i is *covered* by site j when ``d_ij ≤ S`` (the service radius). The coverage
relation is built as a sparse matrix straight from the cost matrix, and clients with
the same set of covering sites are merged into one row (their weights summed), which
shrinks real instances a lot without changing any optimum.

LSCP (Toregas et al. 1971)::

    min Σ_j y_j   s.t.  Σ_{j: d_ij ≤ S} y_j ≥ 1  ∀ i,   y_j = 1 required,  y ∈ {0,1}

MCLP (Church & ReVelle 1974)::

    max Σ_i w_i z_i   s.t.  z_i ≤ Σ_{j: d_ij ≤ S} y_j ∀ i,  Σ_j y_j = p,
                            y_j = 1 required,  y ∈ {0,1},  0 ≤ z ≤ 1

(z may stay continuous: for integer y its best value is integral).

With ``facility_capacity_arr`` both become capacitated: coverage is by shares
``0 ≤ x_ij ≤ 1`` of client i's demand, ``Σ_i q_i x_ij ≤ s_j y_j``; LSCP then requires
``Σ_j x_ij = 1`` and MCLP maximises ``Σ w_i x_ij`` with ``Σ_j x_ij ≤ 1`` (no merging then).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.classical import _common as cm
from siting.core.results import SolveStatus
from siting.errors import InputError
from siting.solvers import LinearProgramBuilder, solve


@dataclass(frozen=True)
class CoverageResult(cm.LocationResult):
    """LSCP / MCLP outcome. ``assignment[i]`` is the nearest open covering site (−1: uncovered).

    ``fac2cli`` / :meth:`facility_clients` list every client within ``radius`` of each open
    site, as spopt's ``fac2cli`` (a client covered twice is listed twice); the capacitated
    MCLP lists the clients with a positive share at the site (``shares``).
    """

    covered_weight: float | None = None
    total_weight: float | None = None
    radius: float | None = None
    shares: sp.csr_matrix | None = field(default=None, repr=False)
    covered_by_share: bool = False

    def _relation(self) -> tuple[np.ndarray, np.ndarray]:
        if self.covered_by_share and self.shares is not None:
            rows, cols = self.shares.nonzero()
            return rows.astype(np.int64), cols.astype(np.int64)
        if self.radius is None or self.facilities.size == 0:
            return super()._relation()
        rows, k = np.nonzero(self.distance[:, self.facilities] <= self.radius)
        return rows.astype(np.int64), self.facilities[k]


def cover_matrix(distance: np.ndarray, radius: float) -> sp.csr_matrix:
    rows, cols = np.nonzero(distance <= radius)
    return sp.csr_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=distance.shape)


def merge_identical_rows(cover: sp.csr_matrix, weights: np.ndarray) -> tuple[sp.csr_matrix, np.ndarray]:
    """Merge clients with the same covering sites (weights summed); drops empty rows."""
    dense = np.packbits(cover.toarray().astype(bool), axis=1)
    uniq, inverse = np.unique(dense, axis=0, return_inverse=True)
    w = np.bincount(inverse.reshape(-1), weights=weights, minlength=uniq.shape[0])
    rows = np.unpackbits(uniq, axis=1, count=cover.shape[1]).astype(bool)
    keep = rows.any(axis=1)
    return sp.csr_matrix(rows[keep].astype(np.int8)), w[keep]


def _radius(v: Any) -> float:
    try:
        r = float(v)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{v!r}", field="service_radius", expected="a number") from exc
    if not np.isfinite(r) or r < 0:
        raise InputError(f"{r}", field="service_radius", expected="a finite, non-negative distance")
    return r


class _Covering:
    kind = "covering"

    def __init__(self, distance: np.ndarray, weights: np.ndarray, radius: float, p: int | None, predefined: np.ndarray,
                 capacity: np.ndarray | None, name: str) -> None:
        self.distance, self.weights, self.radius, self.p = distance, weights, radius, p
        self.predefined, self.capacity, self.name = predefined, capacity, name
        self.result: CoverageResult | None = None

    @property
    def aij(self) -> np.ndarray:
        """spopt's ``aij``: the 0/1 coverage matrix (1 where ``d_ij ≤ service_radius``)."""
        return (self.distance <= self.radius).astype(float)

    def _program(self) -> tuple[LinearProgramBuilder, np.ndarray, dict[str, Any]]:
        """A new program with the site binaries ``open`` (one per site) and an empty stats dict."""
        b = LinearProgramBuilder(self.name)
        return b, b.add_binaries("open", self.distance.shape[1]), {}

    def _finish(self, lp: Any, sr: Any, t0: float, extra: dict[str, float]) -> CoverageResult:
        secs = time.perf_counter() - t0
        if not sr.status.has_solution or sr.values is None:
            return CoverageResult(**cm.no_solution(sr.status, self.distance, self.weights, secs, sr.backend,
                                                   sr.message or sr.status.value, sr, sr.bound), stats=extra,
                                  radius=self.radius)
        open_sites = np.flatnonzero(lp.block_values(sr.values, "open") > 0.5).astype(np.int64)
        d = np.where(self.distance <= self.radius, self.distance, np.inf)
        assign = cm.nearest_assignment(d, open_sites)
        sh = None
        if "share" in lp.var_blocks:  # capacitated: the site with the largest share
            xv = lp.block_values(sr.values, "share")
            rows, cols = extra.pop("_rows"), extra.pop("_cols")
            sh = sp.csr_matrix((np.where(xv > 1e-9, xv, 0.0), (rows, cols)), shape=self.distance.shape)
            sh.eliminate_zeros()
            best = np.asarray(sh.argmax(axis=1)).reshape(-1)
            assign = np.where(np.asarray(sh.max(axis=1).todense()).reshape(-1) > 1e-9, best, -1).astype(np.int64)
        covered = float(self.weights[assign >= 0].sum())
        return CoverageResult(sr.status, sr.objective, sr.bound, secs, sr.backend, open_sites, assign, self.distance,
                              self.weights, sr.message, sr, extra, covered_weight=covered,
                              total_weight=float(self.weights.sum()), radius=self.radius, shares=sh,
                              covered_by_share=sh is not None and self.p is not None)


class LSCP(_Covering):
    """Location set covering: fewest facilities so that every client is within ``service_radius``."""

    kind = "lscp"

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, service_radius: float, predefined_facilities_arr: Any = None,
                         demand_quantity_arr: Any = None, facility_capacity_arr: Any = None,
                         name: str = "lscp") -> LSCP:
        """Build from a clients × sites cost matrix; positional order as spopt's ``LSCP``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` (or an absent sparse entry) = cannot cover.
        service_radius : float
            Client i is covered by site j when ``d_ij ≤ service_radius``.
        predefined_facilities_arr : array-like, SiteIndices or None
            Required sites: a 0/1 or boolean mask with one entry per site (spopt's form), an
            index list of another length, or :class:`~siting.classical.SiteIndices`.
        demand_quantity_arr : array-like or None
            Demand per client; only with ``facility_capacity_arr`` (the capacitated CLSCP-SO).
        facility_capacity_arr : array-like or None
            Capacity per site; demand defaults to 1 per client when only this is given.
        {name}

        {returns_model}

        Raises
        ------
        InputError
            Malformed arrays, demand without capacities, or total capacity below total demand.
        """
        d = cm.as_cost_matrix(cost_matrix)
        n, m = d.shape
        if demand_quantity_arr is not None and facility_capacity_arr is None:
            raise InputError("demand quantities given without facility capacities", field="demand_quantity_arr",
                             expected="facility_capacity_arr too (clients' demands only matter against capacities)")
        q = cm.as_vector(demand_quantity_arr, n, name="demand_quantity_arr", default=1.0)
        cap = (None if facility_capacity_arr is None
               else cm.as_vector(facility_capacity_arr, m, name="facility_capacity_arr"))
        if cap is not None and cap.sum() + 1e-9 < q.sum():
            raise InputError(f"total capacity {cap.sum():g} is below total demand {q.sum():g}",
                             field="facility_capacity_arr", expected="capacities that can cover the demand")
        return cls(d, q, _radius(service_radius), None, cm.as_site_mask(predefined_facilities_arr, m), cap, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str,
                          service_radius: float, predefined_facility_col: str | None = None,
                          demand_quantity_col: str | None = None, facility_capacity_col: str | None = None,
                          distance_metric: str = "euclidean", name: str = "lscp") -> LSCP:
        """Build from demand and facility GeoDataFrames; positional order as spopt's ``LSCP``.

        Parameters
        ----------
        {geodataframes}
        {service_radius}
        {predefined_facility_col}
        demand_quantity_col, facility_capacity_col : str or None
            Demand per client and capacity per site (the capacitated CLSCP-SO).
        {geodataframe_end}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        return cls.from_cost_matrix(d, service_radius, cm.site_mask_column(gdf_fac, predefined_facility_col),
                                    cm.column(gdf_demand, demand_quantity_col, what="a demand column"),
                                    cm.column(gdf_fac, facility_capacity_col, what="a capacity column"), name)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, **overrides: Any) -> CoverageResult:
        """Solve; ``solve(pulp.PULP_CBC_CMD(msg=False))`` works as in spopt.

        {solve_parameters}

        Returns
        -------
        CoverageResult
            Also kept as ``self.result``. Not-optimal outcomes are reported in ``status``
            (spopt raises instead).
        """
        opts = cm.options_or_default(options, **overrides)
        t0 = time.perf_counter()
        cover = cover_matrix(self.distance, self.radius)
        empty = np.flatnonzero(np.diff(cover.indptr) == 0)
        if empty.size:
            self.result = CoverageResult(**cm.no_solution(
                SolveStatus.INFEASIBLE, self.distance, self.weights, time.perf_counter() - t0, opts.backend,
                f"client {int(empty[0])} has no site within {self.radius:g}"), radius=self.radius)
            return cm.publish(self, self.result, results)
        m = self.distance.shape[1]
        b, y, extra = self._program()
        if self.capacity is None:
            rows_c, w = merge_identical_rows(cover, self.weights)
            coo = rows_c.tocoo()
            b.add_constraints("cover", rows_c.shape[0], coo.row, y[coo.col], 1.0, lb=1.0)
            extra["rows_after_merge"] = float(rows_c.shape[0])
        else:
            coo = cover.tocoo()
            k = coo.row.size
            x = b.add_variables("share", k, lb=0.0, ub=1.0)
            b.add_constraints("serve", cover.shape[0], coo.row, x, 1.0, lb=1.0, ub=1.0)
            b.add_constraints("capacity", m, np.r_[coo.col, np.arange(m)], np.r_[x, y],
                              np.r_[self.weights[coo.row], -self.capacity], ub=0.0)
            b.add_constraints("link", k, np.r_[np.arange(k), np.arange(k)], np.r_[x, y[coo.col]],
                              np.r_[np.ones(k), -np.ones(k)], ub=0.0)
            extra.update(_rows=coo.row, _cols=coo.col)
        if self.predefined.any():
            fx = np.flatnonzero(self.predefined)
            b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
        b.add_objective("facilities", "min", y, 1.0)
        lp = b.build()
        return cm.publish(self, self._finish(lp, solve(lp, opts), t0, extra), results)


class MCLP(_Covering):
    """Maximal covering: p facilities covering the most demand within ``service_radius``."""

    kind = "mclp"

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any, service_radius: float, p_facilities: int,
                         predefined_facilities_arr: Any = None, name: str = "mclp", *,
                         facility_capacity_arr: Any = None) -> MCLP:
        """Build from a clients × sites cost matrix; positional order as spopt's ``MCLP``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` = cannot cover.
        weights : array-like or None
            Demand per client (None: 1 each).
        service_radius : float
            Coverage distance.
        p_facilities : int
            Number of sites to open.
        predefined_facilities_arr : array-like, SiteIndices or None
            Required sites (0/1 or boolean mask per site, or indices; see
            :func:`~siting.classical._common.as_site_mask`).
        {name}
        facility_capacity_arr : array-like or None
            Keyword only (not in spopt): capacity per site, coverage then by shares.

        {returns_model}

        Raises
        ------
        InputError
            Malformed arrays, or p out of range / below the number of required sites.
        """
        d = cm.as_cost_matrix(cost_matrix)
        n, m = d.shape
        w = cm.as_vector(weights, n, name="weights", default=1.0)
        fixed = cm.as_site_mask(predefined_facilities_arr, m)
        p = cm.check_p(p_facilities, m, int(fixed.sum()))
        cap = (None if facility_capacity_arr is None
               else cm.as_vector(facility_capacity_arr, m, name="facility_capacity_arr"))
        return cls(d, w, _radius(service_radius), p, fixed, cap, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str,
                          weights_cols: str | None, service_radius: float, p_facilities: int,
                          predefined_facility_col: str | None = None, distance_metric: str = "euclidean",
                          name: str = "mclp", *, facility_capacity_col: str | None = None) -> MCLP:
        """Build from demand and facility GeoDataFrames; positional order as spopt's ``MCLP``.

        Parameters
        ----------
        {geodataframes}
        {weights_cols_optional}
        {service_radius}
        p_facilities : int
            Number of sites to open.
        {predefined_facility_col}
        {distance_metric}
        {name}
        facility_capacity_col : str or None
            Keyword only (not in spopt): capacity column of ``gdf_fac``.

        {returns_model}

        {raises_geodataframe}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        return cls.from_cost_matrix(d, cm.column(gdf_demand, weights_cols, what="a demand weight column"),
                                    service_radius, p_facilities, cm.site_mask_column(gdf_fac, predefined_facility_col),
                                    name, facility_capacity_arr=cm.column(gdf_fac, facility_capacity_col,
                                                                          what="a capacity column"))

    def solve(self, options: Any = None, results: bool = True, **overrides: Any) -> CoverageResult:
        """Solve; as :meth:`LSCP.solve` (a PuLP solver object, ``results=``, overrides)."""
        opts = cm.options_or_default(options, **overrides)
        t0 = time.perf_counter()
        cover = cover_matrix(self.distance, self.radius)
        m = self.distance.shape[1]
        b, y, extra = self._program()
        if self.capacity is None:
            rows_c, w = merge_identical_rows(cover, self.weights)
            coo = rows_c.tocoo()
            k = rows_c.shape[0]
            z = b.add_variables("covered", k, lb=0.0, ub=1.0)
            b.add_constraints("cover", k, np.r_[np.arange(k), coo.row], np.r_[z, y[coo.col]],
                              np.r_[np.ones(k), -np.ones(coo.row.size)], ub=0.0)
            b.add_objective("covered_demand", "max", z, w)
            extra["rows_after_merge"] = float(k)
        else:
            coo = cover.tocoo()
            k = coo.row.size
            x = b.add_variables("share", k, lb=0.0, ub=1.0)
            b.add_constraints("serve", cover.shape[0], coo.row, x, 1.0, ub=1.0)
            b.add_constraints("capacity", m, np.r_[coo.col, np.arange(m)], np.r_[x, y],
                              np.r_[self.weights[coo.row], -self.capacity], ub=0.0)
            b.add_constraints("link", k, np.r_[np.arange(k), np.arange(k)], np.r_[x, y[coo.col]],
                              np.r_[np.ones(k), -np.ones(k)], ub=0.0)
            b.add_objective("covered_demand", "max", x, self.weights[coo.row])
            extra.update(_rows=coo.row, _cols=coo.col)
        assert self.p is not None  # MCLP always has p (LSCP has none)
        b.add_constraints("p", 1, np.zeros(m), y, 1.0, lb=float(self.p), ub=float(self.p))
        if self.predefined.any():
            fx = np.flatnonzero(self.predefined)
            b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
        lp = b.build()
        return cm.publish(self, self._finish(lp, solve(lp, opts), t0, extra), results)
