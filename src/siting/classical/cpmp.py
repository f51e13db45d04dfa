"""Capacitated p-median (CPMP): p medians with capacities, every client served by exactly one.

Formulation (single-source; sparse over the finite pairs)::

    min  Σ_(i,j) d_ij x_ij                   (w_i·d_ij with ``weighted_objective=True``)
    s.t. Σ_j x_ij = 1                  ∀ i
         Σ_i q_i x_ij ≤ Q_j y_j        ∀ j
         x_ij ≤ y_j                    ∀ finite pair
         Σ_j Q_j y_j ≥ Σ_i q_i,  Σ_j y_j = p,  y_j = 1 required,  x, y ∈ {0,1}

The Osman–Christofides and Lorena–Senne benchmarks use the unweighted distance in the
objective (demand only consumes capacity), which is the default here. Built and solved
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
from siting.core.options import SolverOptions
from siting.errors import InputError


@dataclass(frozen=True)
class CPMPResult(CFLPResult):
    """CPMP outcome (``shares`` is 0/1: client → its median)."""


class CPMP:
    """Capacitated p-median; see the module docstring."""

    def __init__(self, distance: np.ndarray, demand: np.ndarray, p: int, capacity: np.ndarray,
                 predefined: np.ndarray, weighted_objective: bool, name: str) -> None:
        self.distance, self.demand, self.p, self.capacity = distance, demand, p, capacity
        self.predefined, self.weighted_objective, self.name = predefined, weighted_objective, name
        self.result: CPMPResult | None = None

    @classmethod
    def from_cost_matrix(cls, cost_matrix: Any, weights: Any, p_facilities: int, facility_capacities: Any,
                         predefined_facilities_arr: Any = None, *, weighted_objective: bool = False,
                         name: str = "cpmp") -> CPMP:
        d = cm.as_cost_matrix(cost_matrix)
        n, m = d.shape
        q = cm.as_vector(weights, n, name="weights", default=1.0)
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
        return cls(d, q, p, cap, fixed, weighted_objective, name)

    @classmethod
    def from_geodataframe(cls, gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, weights_cols: str,
                          p_facilities: int, facility_capacity_col: str, predefined_facility_col: str | None = None,
                          distance_metric: str = "euclidean", name: str = "cpmp") -> CPMP:
        d = cm.geodataframe_costs(gdf_demand, gdf_fac, demand_col, facility_col, distance_metric)
        pre = cm.column(gdf_fac, predefined_facility_col, what="a boolean required-facility column")
        return cls.from_cost_matrix(d, cm.column(gdf_demand, weights_cols, what="a demand column"), p_facilities,
                                    cm.column(gdf_fac, facility_capacity_col, what="a capacity column"),
                                    None if pre is None else pre.astype(bool), name=name)

    def solve(self, options: SolverOptions | None = None, **overrides: Any) -> CPMPResult:
        opts = cm.options_or_default(options, **overrides)
        cost = self.distance * self.demand[:, None] if self.weighted_objective else self.distance
        self.result = solve_assignment_model(cost, self.demand, self.capacity, np.zeros(self.capacity.size), True,
                                             self.predefined, self.p, self.distance, opts, self.name, CPMPResult)
        return self.result
