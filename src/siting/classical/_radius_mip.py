"""The radius (covering) formulation of the p-median (Elloumi 2010) on a sparse pair set.

For client i, let ``D_i^1 < … < D_i^{K_i}`` be the distinct costs of its *allowed*
sites. With ``z_i^k = 1`` meaning "client i pays at least ``D_i^k``":

    min  Σ_i D_i^1 + Σ_i Σ_{k≥2} (D_i^k − D_i^{k−1}) z_i^k
    s.t. z_i^{k+1} ≥ z_i^k − Σ_{j: C_ij = D_i^k} y_j      k = 1..K_i  (z_i^1 ≡ 1, z_i^{K_i+1} ≡ 0)
         Σ_j y_j = p,  y_j = 1 for required sites,  y binary,  0 ≤ z ≤ 1.

This "chained" form has one non-zero per allowed pair plus two per level (the
textbook prefix form ``z_i^k ≥ 1 − Σ_{C_ij < D^k} y_j`` has one per pair *and* level),
its LP bound is at least as strong, and z is integral whenever y is. It is exact
on the allowed pairs: each client pays its cheapest open allowed site, and the last
row forces at least one allowed site open for every client.
"""

from __future__ import annotations

import numpy as np

from siting.solvers import LinearProgram, LinearProgramBuilder


def build_radius_mip(
    rows: np.ndarray,
    cols: np.ndarray,
    cost: np.ndarray,
    n_clients: int,
    n_sites: int,
    p: int,
    fixed_open: np.ndarray,
    cutoff: float | None = None,
    name: str = "p-median-radius",
) -> tuple[LinearProgram, np.ndarray]:
    """Build the program from allowed pairs (client ``rows``, site ``cols``, ``cost``).

    Every client must have at least one pair. ``cutoff`` adds the row ``objective ≤ cutoff``.
    Returns the program and the y ids.
    """
    order = np.lexsort((cols, cost, rows))
    r, c, v = rows[order], cols[order], cost[order]
    new_client = np.r_[True, r[1:] != r[:-1]]
    new_level = new_client | np.r_[True, v[1:] != v[:-1]]
    level = np.cumsum(new_level) - 1  # global level id of each pair
    n_levels = int(level[-1]) + 1 if level.size else 0
    lvl_first = np.flatnonzero(new_level)  # pair index where each level starts
    lvl_cost = v[lvl_first]
    lvl_is_first = new_client[lvl_first]  # first level of its client

    b = LinearProgramBuilder(name)
    y = b.add_binaries("open", n_sites)
    z_levels = np.flatnonzero(~lvl_is_first)  # levels k ≥ 2 carry a z variable
    z = b.add_variables("reach", z_levels.size, lb=0.0, ub=1.0)
    z_of_level = np.full(n_levels, -1, dtype=np.int64)
    z_of_level[z_levels] = z

    # row per level k: z^{k+1} − z^k + Σ_{level k} y ≥ 0   (z^1 ≡ 1 → rhs 1 on first levels)
    rr = [level, z_levels, z_levels - 1]
    cc = [y[c], z_of_level[z_levels], z_of_level[z_levels]]
    vv = [np.ones(level.size), -np.ones(z_levels.size), np.ones(z_levels.size)]
    b.add_constraints("reach_chain", n_levels, np.concatenate(rr), np.concatenate(cc), np.concatenate(vv),
                      lb=np.where(lvl_is_first, 1.0, 0.0))
    b.add_constraints("p", 1, np.zeros(n_sites), y, 1.0, lb=float(p), ub=float(p))
    if fixed_open.any():
        fx = np.flatnonzero(fixed_open)
        b.add_constraints("required", fx.size, np.arange(fx.size), y[fx], 1.0, lb=1.0)
    step = lvl_cost[z_levels] - lvl_cost[z_levels - 1]
    offset = float(lvl_cost[lvl_is_first].sum())
    b.add_objective("cost", "min", z, step, offset=offset)

    if cutoff is not None:
        b.add_constraints("cutoff", 1, np.zeros(z.size), z, step, ub=cutoff - offset)
    return b.build(), y
