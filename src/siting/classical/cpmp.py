"""Capacitated p-median (CPMP): p medians with capacities, every client served by exactly one.

Formulation (single-source; sparse over the finite pairs)::

    min  Σ_(i,j) d_ij x_ij                   (w_i·d_ij with ``weighted_objective=True``)
    s.t. Σ_j x_ij = 1                  ∀ i
         Σ_i q_i x_ij ≤ Q_j y_j        ∀ j   (= for required j with ``fulfill_predefined_fac``)
         x_ij ≤ y_j                    ∀ finite pair
         Σ_j Q_j y_j ≥ Σ_i q_i,  Σ_j y_j = p,  y_j = 1 required,  x, y ∈ {0,1}

The Osman–Christofides and Lorena–Senne benchmarks use the unweighted distance in the
objective (demand only consumes capacity), which is the default here; spopt's
capacitated p-median (``PMedian`` with ``facility_capacities``) weights it by demand, which
is ``weighted_objective=True`` (what ``PMedian.from_cost_matrix(..., facility_capacities=...)``
builds here). Built and solved
by the same code as :class:`~siting.classical.cflp.CFLP` with zero fixed costs and the
cardinality row; ``x_ij ≤ y_j`` keeps the LP bound strong. An instance whose p largest
capacities cannot hold the total demand is rejected as input error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.classical import _common as cm
from siting.classical.cflp import CFLPResult, solve_assignment_model
from siting.errors import InputError


@dataclass(frozen=True)
class CPMPResult(CFLPResult):
    """CPMP outcome (``shares`` is 0/1: client → its median)."""


class CPMP:
    """Capacitated p-median; see the module docstring.

    Both constructors take ``weighted_objective`` (keyword). Its default ``False`` is the
    Osman–Christofides / Lorena–Senne benchmark model (distance only in the objective);
    ``True`` is **spopt's** capacitated p-median (``spopt.locate.PMedian`` with
    ``facility_capacities``: demand × distance), which :meth:`PMedian.from_cost_matrix
    <siting.classical.PMedian.from_cost_matrix>` with ``facility_capacities`` builds.
    """

    def __init__(self, distance: np.ndarray, demand: np.ndarray, p: int, capacity: np.ndarray,
                 predefined: np.ndarray, weighted_objective: bool, name: str,
                 fulfill_predefined: bool = False) -> None:
        self.distance, self.demand, self.p, self.capacity = distance, demand, p, capacity
        self.predefined, self.weighted_objective, self.name = predefined, weighted_objective, name
        self.fulfill_predefined = fulfill_predefined
        self.result: CPMPResult | None = None

    @property
    def aij(self) -> np.ndarray:
        """spopt's ``aij`` of its capacitated p-median: the demand-weighted cost matrix ``w_i · d_ij``."""
        return self.distance * self.demand[:, None]

    @classmethod
    @cm.shared_doc
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any, p_facilities: int, predefined_facilities_arr: Any = None,
                         facility_capacities: Any = None, fulfill_predefined_fac: bool = False,
                         name: str = "cpmp", *, weighted_objective: bool = False) -> CPMP:
        """Build from a clients × sites cost matrix; positional order as spopt's ``PMedian``.

        Parameters
        ----------
        cost_matrix : array-like or scipy.sparse matrix
            ``(clients, sites)`` distances; ``inf`` = cannot serve.
        weights : array-like or None
            Demand per client (consumes capacity; None: 1 each).
        {p_medians}
        {predefined_facilities_arr}
        facility_capacities : array-like
            Capacity per site (required, although it comes after the optional
            ``predefined_facilities_arr`` as in spopt).
        fulfill_predefined_fac : bool
            As spopt: every required site is filled to exactly its capacity.
        {name}
        weighted_objective : bool
            Keyword only. ``False`` (default): Σ d_ij x_ij, the benchmark model; ``True``:
            Σ w_i d_ij x_ij, spopt's.

        {returns_model}

        Raises
        ------
        InputError
            Missing capacities; the p largest capacities below total demand; a client whose
            demand exceeds every capacity; required capacities above total demand with
            ``fulfill_predefined_fac``.
        """
        d = cm.as_cost_matrix(cost_matrix)
        n, m = d.shape
        q = cm.as_vector(weights, n, name="weights", default=1.0)
        if facility_capacities is None:
            raise InputError("missing", field="facility_capacities",
                             expected=f"{m} capacities (5th argument, after predefined_facilities_arr, as in spopt)")
        cap = cm.as_vector(facility_capacities, m, name="facility_capacities")
        fixed = cm.as_site_mask(predefined_facilities_arr, m)
        p = cm.check_p(p_facilities, m, int(fixed.sum()))
        best = np.sort(cap[~fixed])[::-1][: p - int(fixed.sum())].sum() + cap[fixed].sum()
        if best + 1e-9 < q.sum():
            raise InputError(f"the {p} largest capacities hold {best:g} < total demand {q.sum():g}",
                             field="facility_capacities", expected="p facilities able to hold the demand")
        too_big = q > cap.max(initial=0.0)
        if too_big.any():
            i = int(np.flatnonzero(too_big)[0])
            raise InputError(f"client {i} demand {q[i]:g} exceeds every capacity", field="weights",
                             expected="each demand ≤ the largest capacity")
        if fulfill_predefined_fac and cap[fixed].sum() > q.sum() + 1e-9:
            raise InputError(f"the required sites hold {cap[fixed].sum():g} > total demand {q.sum():g}, so they "
                             "cannot all be filled", field="fulfill_predefined_fac",
                             expected="required capacities within the total demand")
        return cls(d, q, p, cap, fixed, bool(weighted_objective), name, bool(fulfill_predefined_fac))

    @classmethod
    @cm.shared_doc
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, weights_cols: str,
                          p_facilities: int, facility_capacity_col: str | None = None,
                          predefined_facility_col: str | None = None, fulfill_predefined_fac: bool = False,
                          distance_metric: str = "euclidean", name: str = "cpmp", *,
                          weighted_objective: bool = False) -> CPMP:
        """Build from GeoDataFrames; positional order as spopt's ``PMedian.from_geodataframe``.

        Parameters
        ----------
        {geodataframes}
        {weights_cols}
        {p_medians}
        facility_capacity_col : str
            Capacity column of ``gdf_fac`` (required).
        {predefined_facility_col}
        fulfill_predefined_fac : bool
            Required sites filled to exactly their capacity (as spopt).
        {distance_metric}
        {name}
        weighted_objective : bool
            Keyword only; ``True`` is spopt's demand × distance objective (see the class).

        {returns_model}

        {raises_geodataframe}
        """
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        if facility_capacity_col is None:
            raise InputError("missing", field="facility_capacity_col", expected="the capacity column of gdf_fac")
        return cls.from_cost_matrix(d, cm.column(gdf_demand, weights_cols, what="a demand column"), p_facilities,
                                    cm.site_mask_column(gdf_fac, predefined_facility_col),
                                    cm.column(gdf_fac, facility_capacity_col, what="a capacity column"),
                                    fulfill_predefined_fac, name, weighted_objective=weighted_objective)

    @cm.shared_doc
    def solve(self, options: Any = None, results: bool = True, **overrides: Any) -> CPMPResult:
        """Solve the single-source model of the module docstring.

        {solve_parameters}

        {returns_result}
        """
        opts = cm.options_or_default(options, **overrides)
        cost = self.distance * self.demand[:, None] if self.weighted_objective else self.distance
        res = solve_assignment_model(cost, self.demand, self.capacity, np.zeros(self.capacity.size), True,
                                     self.predefined, self.p, self.distance, opts, self.name, CPMPResult,
                                     fill_exactly=self.predefined if self.fulfill_predefined else None)
        return cm.publish(self, res, results)
