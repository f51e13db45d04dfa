"""Backup covering (LSCP-B): the fewest facilities covering everyone, then the most clients covered twice.

Two stages, as spopt's ``LSCPB`` (Church & Murray 2018): first the LSCP gives the fewest
facilities ``p*`` covering every client within the radius; then, with exactly ``p*`` sites::

    max Σ_i u_i   s.t.  Σ_{j: d_ij ≤ S} y_j ≥ 1 + u_i   (clients with ≥ 2 covering sites)
                        Σ_{j: d_ij ≤ S} y_j ≥ 1         (clients with one covering site)
                        Σ_j y_j = p*,  y_j = 1 required,  y ∈ {0,1},  0 ≤ u ≤ 1

(u may stay continuous: for integer y its best value is integral). Clients with the same
covering sites are merged, their ``u`` weighted by their number.

Difference from spopt, on purpose: spopt leaves ``u_i`` unconstrained for a client that only one
site can cover, so its objective and ``backup_perc`` count such a client as backed up. Here
``u_i`` exists only where a backup is possible, and ``backup_perc`` is the share of clients
that the open sites really cover at least twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.classical import _common as cm
from siting.classical.covering import LSCP, CoverageResult, _Covering, _radius, cover_matrix, merge_identical_rows
from siting.core.results import SolveStatus
from siting.solvers import LinearProgramBuilder, solve


@dataclass(frozen=True)
class BackupCoverageResult(CoverageResult):
    """LSCP-B outcome. ``objective`` is the number of clients covered at least twice;
    ``lscp_obj_value`` the facilities of the first stage (``p*``)."""

    lscp_obj_value: float | None = None
    times_covered: np.ndarray | None = field(default=None, repr=False)

    @property
    def backup_perc(self) -> float:
        """Share of clients covered by at least two open sites, in percent (spopt's name)."""
        if self.times_covered is None or self.times_covered.size == 0:
            return 0.0
        return 100.0 * float((self.times_covered >= 2).mean())


class LSCPB(_Covering):
    """Backup covering (LSCP-B); see the module docstring. Arguments in spopt's order."""

    kind = "lscp-b"

    def __init__(self, distance: np.ndarray, radius: float, predefined: np.ndarray, solver: Any, name: str) -> None:
        super().__init__(distance, np.ones(distance.shape[0]), radius, None, predefined, None, name)
        self.solver = solver

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, service_radius: float, solver: Any = None,
                         predefined_facilities_arr: Any = None, name: str = "lscp-b") -> LSCPB:
        """Build from a clients × sites cost matrix; positional order as spopt's ``LSCPB``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` = cannot cover.
        service_radius : float
            Client i is covered by site j when ``d_ij ≤ service_radius``.
        solver : SolverOptions, a PuLP solver or None
            The solver of both stages (spopt takes it here); :meth:`solve` may override it.
        {cost_matrix_end}

        Raises
        ------
        InputError
            A malformed matrix, radius or mask, or a solver without a siting backend.
        """
        d = cm.as_cost_matrix(cost_matrix)
        cm.options_or_default(solver)  # a bad solver fails here, where it is given
        return cls(d, _radius(service_radius), cm.as_site_mask(predefined_facilities_arr, d.shape[1]), solver, name)

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str,
                          service_radius: float, solver: Any = None, predefined_facility_col: str | None = None,
                          distance_metric: str = "euclidean", name: str = "lscp-b") -> LSCPB:
        """Build from demand and facility GeoDataFrames; positional order as spopt's ``LSCPB``.

        Parameters
        ----------
        {geodataframes}
        {service_radius}
        solver : SolverOptions, a PuLP solver or None
            The solver of both stages.
        {predefined_facility_col}
        {geodataframe_end}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        return cls.from_cost_matrix(d, service_radius, solver, cm.site_mask_column(gdf_fac, predefined_facility_col),
                                    name)

    @cm.shared_doc
    def solve(self, results: bool = True, *, options: Any = None, **overrides: Any) -> BackupCoverageResult:
        """Solve both stages (``results`` first, as spopt's ``LSCPB.solve(results=True)``).

        Parameters
        ----------
        results : bool
            As spopt: set ``fac2cli``, ``cli2fac``, ``n_cli_uncov``, ``perc_cov``, ``mean_dist``,
            ``fac_vars``, ``backup_perc`` and ``lscp_obj_value`` on the model.
        options : SolverOptions, a PuLP solver or None
            Overrides the constructor's ``solver``; the time limit covers both stages.
        {overrides}

        Returns
        -------
        BackupCoverageResult
            ``OPTIMAL`` only when both stages are proven.
        """
        opts = cm.options_or_default(options if options is not None else self.solver, **overrides)
        t0 = time.perf_counter()
        first = LSCP(self.distance, self.weights, self.radius, None, self.predefined, None, f"{self.name}-lscp")
        r1 = first.solve(opts, results=False)
        if not r1.has_solution:
            res = BackupCoverageResult(**cm.no_solution(r1.status, self.distance, self.weights,
                                                        time.perf_counter() - t0, r1.backend,
                                                        f"LSCP stage: {r1.message}", r1.solve_result),
                                       radius=self.radius)
            return self._publish(res, results)
        p = int(r1.facilities.size)
        cover = cover_matrix(self.distance, self.radius)
        rows_c, count = merge_identical_rows(cover, self.weights)
        n_sites = np.asarray(rows_c.sum(axis=1)).reshape(-1)
        m = self.distance.shape[1]
        b = LinearProgramBuilder(self.name)
        y = b.add_binaries("open", m)
        two = np.flatnonzero(n_sites >= 2)
        u = b.add_variables("backup", two.size, lb=0.0, ub=1.0)
        coo = rows_c.tocoo()
        b.add_constraints("cover", rows_c.shape[0], np.r_[coo.row, two], np.r_[y[coo.col], u],
                          np.r_[np.ones(coo.row.size), -np.ones(two.size)], lb=1.0)
        b.add_constraints("p", 1, np.zeros(m), y, 1.0, lb=float(p), ub=float(p))
        if self.predefined.any():
            fx = np.flatnonzero(self.predefined)
            b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
        b.add_objective("backup_clients", "max", u, count[two])
        lp = b.build()
        left = max(opts.time_limit_s - (time.perf_counter() - t0), 0.1)
        sr = solve(lp, opts.model_copy(update={"time_limit_s": left}))
        base = self._finish(lp, sr, t0, {"rows_after_merge": float(rows_c.shape[0]), "lscp_facilities": float(p)})
        status = base.status
        msg = base.message
        if status is SolveStatus.OPTIMAL and r1.status is not SolveStatus.OPTIMAL:
            status, msg = SolveStatus.FEASIBLE, f"LSCP stage not proven ({r1.status.value}); {msg}"
        times = None
        if base.facilities.size:
            times = np.asarray((self.distance[:, base.facilities] <= self.radius).sum(axis=1)).reshape(-1)
        fields = {k: getattr(base, k) for k in base.__dataclass_fields__}
        fields.update(status=status, message=msg, lscp_obj_value=float(p), times_covered=times)
        return self._publish(BackupCoverageResult(**fields), results)

    def _publish(self, res: BackupCoverageResult, results: bool) -> BackupCoverageResult:
        cm.publish(self, res, results)
        for name, value in (("backup_perc", res.backup_perc), ("lscp_obj_value", res.lscp_obj_value)):
            if results:
                setattr(self, name, value)
            elif name in vars(self):
                delattr(self, name)
        return res
