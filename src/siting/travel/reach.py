"""Walking times between communities and spaces, kept sparse: only pairs within reach.

A :class:`ReachTable` is the one hand-over from travel-time sources to the model: three
parallel arrays (community index, space index, walking minutes) holding only the pairs
within ``max_walk_min``. Sources:

* :func:`straight_line_reach`: straight-line distance × detour factor ÷ walking speed
  (the default; REQUIREMENTS D7), with a KD-tree so the cost grows with the pairs kept,
  not with communities × spaces;
* an origin–destination table or a street network (``siting.travel.network``) build the same
  object, so the model never knows where the minutes came from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from siting.errors import InputError


@dataclass(frozen=True)
class ReachTable:
    """Sparse walking minutes: pair k links community ``community[k]`` to space ``space[k]``.

    Pairs are sorted by (community, space) and unique; a pair absent from the table is
    out of reach (beyond ``max_walk_min`` or disconnected).
    """

    n_communities: int
    n_spaces: int
    community: np.ndarray  # int64, shape (k,)
    space: np.ndarray  # int64, shape (k,)
    walk_min: np.ndarray  # float64, shape (k,)
    max_walk_min: float
    source: str = "straight_line"

    def __post_init__(self) -> None:
        c, s, w = self.community, self.space, self.walk_min
        if not (c.shape == s.shape == w.shape):
            raise InputError("reach table arrays differ in length")
        if c.size:
            if c.min() < 0 or c.max() >= self.n_communities or s.min() < 0 or s.max() >= self.n_spaces:
                raise InputError("reach table index out of range")
            if np.any(~np.isfinite(w)) or np.any(w < 0):
                raise InputError("reach table has negative or non-finite minutes", expected="minutes ≥ 0")

    @classmethod
    def from_pairs(
        cls,
        n_communities: int,
        n_spaces: int,
        community: np.ndarray,
        space: np.ndarray,
        walk_min: np.ndarray,
        max_walk_min: float,
        source: str,
    ) -> ReachTable:
        """Build from unsorted pairs: keep those within ``max_walk_min``, the shortest per pair.

        Parameters
        ----------
        n_communities, n_spaces : int
            Sizes of the instance.
        community, space : numpy.ndarray
            Indices of each pair.
        walk_min : numpy.ndarray
            Walking minutes of each pair.
        max_walk_min : float
            The cut-off: longer pairs are dropped.
        source : str
            Where the times come from (reported in the outputs).

        Returns
        -------
        ReachTable

        Raises
        ------
        InputError
            Indices out of range, or negative or non-finite minutes.
        """
        community = np.asarray(community, dtype=np.int64)
        space = np.asarray(space, dtype=np.int64)
        walk_min = np.asarray(walk_min, dtype=float)
        keep = walk_min <= max_walk_min + 1e-9
        community, space, walk_min = community[keep], space[keep], walk_min[keep]
        order = np.lexsort((walk_min, space, community))
        community, space, walk_min = community[order], space[order], walk_min[order]
        if community.size:
            first = np.ones(community.size, dtype=bool)
            first[1:] = (community[1:] != community[:-1]) | (space[1:] != space[:-1])
            community, space, walk_min = community[first], space[first], walk_min[first]
        return cls(n_communities, n_spaces, community, space, walk_min, float(max_walk_min), source)

    @property
    def n_pairs(self) -> int:
        return int(self.community.size)

    def within(self, minutes: float | np.ndarray) -> np.ndarray:
        """Boolean mask of pairs with walking time ≤ ``minutes``.

        Parameters
        ----------
        minutes : float or numpy.ndarray
            A limit, or one per pair.

        Returns
        -------
        numpy.ndarray
            ``(n_pairs,)`` booleans.
        """
        return self.walk_min <= np.asarray(minutes) + 1e-9

    def to_sparse(self) -> sp.csr_matrix:
        """The table as a communities × spaces matrix of minutes.

        Returns
        -------
        scipy.sparse.csr_matrix
            Minutes + 1e-9 (so that zero minutes stay stored); absent pairs are beyond reach.
        """
        return sp.csr_matrix(
            (self.walk_min + 1e-9, (self.community, self.space)), shape=(self.n_communities, self.n_spaces)
        )


def straight_line_reach(
    community_xy: np.ndarray,
    space_xy: np.ndarray,
    *,
    walk_speed_m_per_min: float,
    detour_factor: float,
    max_walk_min: float,
) -> ReachTable:
    """Minutes = straight-line metres × detour factor ÷ walking speed, pairs within reach only.

    Parameters
    ----------
    community_xy, space_xy : numpy.ndarray
        ``[n, 2]`` positions in a projected CRS with metre units.
    walk_speed_m_per_min : float
        Walking speed (> 0).
    detour_factor : float
        Network distance ÷ straight-line distance (≥ 1).
    max_walk_min : float
        The cut-off: longer pairs are left out.

    Returns
    -------
    ReachTable
        Source ``"straight_line"``: the pairs within the cut-off.

    Raises
    ------
    InputError
        A non-positive speed or a detour factor below 1.
    """
    if walk_speed_m_per_min <= 0 or detour_factor < 1:
        raise InputError("walking speed must be > 0 and detour factor ≥ 1")
    community_xy = np.asarray(community_xy, dtype=float).reshape(-1, 2)
    space_xy = np.asarray(space_xy, dtype=float).reshape(-1, 2)
    radius_m = max_walk_min * walk_speed_m_per_min / detour_factor
    nc, ns = community_xy.shape[0], space_xy.shape[0]
    if nc == 0 or ns == 0:
        z = np.zeros(0, dtype=np.int64)
        return ReachTable(nc, ns, z, z.copy(), np.zeros(0), float(max_walk_min))
    tree_c, tree_s = cKDTree(community_xy), cKDTree(space_xy)
    dist = tree_c.sparse_distance_matrix(tree_s, radius_m, output_type="coo_matrix")
    # sparse_distance_matrix drops exact zeros: add co-located pairs explicitly
    same = tree_c.query_ball_tree(tree_s, 1e-6)
    zc = np.repeat(np.arange(nc), [len(s) for s in same]).astype(np.int64)
    zs = np.fromiter((j for s in same for j in s), dtype=np.int64, count=zc.size)
    c = np.concatenate([dist.row.astype(np.int64), zc])
    s = np.concatenate([dist.col.astype(np.int64), zs])
    d = np.concatenate([dist.data, np.zeros(zc.size)])
    minutes = d * detour_factor / walk_speed_m_per_min
    return ReachTable.from_pairs(nc, ns, c, s, minutes, max_walk_min, "straight_line")
