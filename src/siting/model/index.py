"""Sparse index sets of the siting MIP (linopy-style masks: variables only for allowed tuples).

* ``A``  host pairs (j, s): space j may host service s (floor, exclusions, not forbidden);
* ``X``  service links (c, j, s): (c, j) within s's walking limit, (j, s) ∈ A, and c still
  has demand for s after its existing facilities;
* ``W``  attribution pairs (c, j): within the area-standard reach, c short of its standard,
  j may host something;
* ``H``  hub pairs (c, j): within the hub reach, j large enough for c's hub minimum and
  able to host ≥ min_functions services of which ≥ min_core core ones;
* ``K``  time-share slots (j, g): group g has ≥ 2 members allowed in space j;
* ``P``  co-location slots (j, p): both services of pair p allowed in space j.

Everything is computed with numpy on the pairs of the sparse reach table, never on a dense
communities × spaces grid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.core.instance import Instance


@dataclass(frozen=True)
class IndexSets:
    host_space: np.ndarray  # A: j
    host_service: np.ndarray  # A: s
    host_of: np.ndarray  # [J,S] → position in A or -1
    link_community: np.ndarray  # X: c
    link_space: np.ndarray  # X: j
    link_service: np.ndarray  # X: s
    link_host: np.ndarray  # X: position in A
    attr_community: np.ndarray  # W: c
    attr_space: np.ndarray  # W: j
    hub_community: np.ndarray  # H: c
    hub_space: np.ndarray  # H: j
    share_space: np.ndarray  # K: j
    share_group: np.ndarray  # K: g
    coloc_space: np.ndarray  # P: j
    coloc_pair: np.ndarray  # P: p
    coverage_need: np.ndarray  # [C,S] users that the plan must add to reach the target
    area_gap_m2: np.ndarray  # [C] required − existing area, ≥ 0


def build_index(inst: Instance) -> IndexSets:
    J, S = inst.n_spaces, inst.n_services
    allowed = inst.allowed
    host_space, host_service = np.nonzero(allowed)
    host_of = np.full((J, S), -1, dtype=np.int64)
    host_of[host_space, host_service] = np.arange(host_space.size)

    r = inst.reach
    residual = inst.residual_demand_users  # [C,S]
    # X: pairs × services mask, evaluated on reach pairs only
    ok = (
        (r.walk_min[:, None] <= inst.max_walk_min[None, :] + 1e-9)
        & allowed[r.space]
        & (residual[r.community] > 1e-9)
    )
    k, s = np.nonzero(ok)
    link_c, link_j = r.community[k], r.space[k]
    link_host = host_of[link_j, s]

    existing_total = inst.existing_m2.sum(axis=1)
    area_gap = np.maximum(inst.required_area_m2 - existing_total, 0.0)
    can_host = allowed.any(axis=1)
    w = r.within(inst.preset.area_reach_min) & (area_gap[r.community] > 1e-9) & can_host[r.space]
    attr_c, attr_j = r.community[w], r.space[w]

    if inst.hub_required:
        hub = inst.preset.hub
        n_allowed = allowed.sum(axis=1)
        n_core = (allowed & inst.hub_core[None, :]).sum(axis=1)
        fit = (n_allowed >= hub.min_functions) & (n_core >= hub.min_core_functions)
        h = (
            r.within(hub.reach_min)
            & fit[r.space]
            & (inst.area_m2[r.space] >= inst.hub_min_area_m2[r.community] - 1e-9)
            & inst.needs_hub[r.community]  # no hub requirement without households
        )
        hub_c, hub_j = r.community[h], r.space[h]
    else:
        hub_c = hub_j = np.zeros(0, dtype=np.int64)

    groups = np.unique(inst.share_group[inst.share_group >= 0])
    sj, sg = [], []
    for g in groups:
        members = inst.share_group == g
        jj = np.flatnonzero(allowed[:, members].sum(axis=1) >= 2)
        sj.append(jj)
        sg.append(np.full(jj.size, g, dtype=np.int64))
    share_j = np.concatenate(sj) if sj else np.zeros(0, dtype=np.int64)
    share_g = np.concatenate(sg) if sg else np.zeros(0, dtype=np.int64)

    pairs = inst.colocation
    if pairs.size and inst.colocation_bonus > 0:
        both = allowed[:, pairs[:, 0]] & allowed[:, pairs[:, 1]]  # [J,P]
        cj, cp = np.nonzero(both)
    else:
        cj = cp = np.zeros(0, dtype=np.int64)

    need = inst.coverage_need_users
    return IndexSets(
        host_space.astype(np.int64), host_service.astype(np.int64), host_of,
        link_c, link_j, s.astype(np.int64), link_host,
        attr_c, attr_j, hub_c, hub_j, share_j, share_g, cj.astype(np.int64), cp.astype(np.int64),
        need, area_gap,
    )
