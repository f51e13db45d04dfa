"""One function per rule of the siting MIP; each documents its formula (numbers as in docs/model.md).

Notation: o_j open (space taken), y_js hosted, a_js floor area (m²), u_j used area, q_jg
time-share area, x_cjs users served, t_cj area attributed, h_cj hub, and shortfalls
σ^area_c (m²), σ^hub_c ∈ [0,1], σ^cov_cs (users); κ_jp co-location. Index sets A, X, W,
H, K, P are those of :mod:`siting.model.index`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siting.core.instance import Instance
from siting.core.phasing import PhasingData
from siting.model.index import IndexSets
from siting.solvers.program import LinearProgramBuilder


@dataclass
class ModelContext:
    """What the add_* functions share: the builder, the instance, its index sets, variable ids."""

    b: LinearProgramBuilder
    inst: Instance
    ix: IndexSets
    v: dict[str, np.ndarray] = field(default_factory=dict)
    cov_pairs: tuple[np.ndarray, np.ndarray] = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    shared_host: np.ndarray | None = None  # host pairs counted through a time-share slot
    ph: PhasingData | None = None  # multi-year phasing (siting.model.phasing), None = one period


def _rows(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


def define_variables(m: ModelContext) -> None:
    """Variables, only on the sparse index sets (bounds encode the simple rules).

    (V1) o_j ∈ {0,1}; o_j = 1 for required / locked spaces, o_j = 0 for forbidden ones.
    (V2) y_js ∈ {0,1}, 0 ≤ a_js ≤ area_j for (j,s) ∈ A.
    (V3) 0 ≤ x_cjs ≤ D_cs − E_cs for (c,j,s) ∈ X  (users may be fractional, M1).
    (V4) 0 ≤ σ^area_c ≤ gap_c, 0 ≤ σ^hub_c ≤ 1, 0 ≤ σ^cov_cs ≤ need_cs; a rule named in
         ``objective.enforce`` gets upper bound 0 (a hard standard).
    """
    b, inst, ix = m.b, m.inst, m.ix
    enforce = set(inst.settings.objective.enforce)
    v = m.v
    v["open"] = b.add_binaries("open", inst.n_spaces, lb=inst.must_take.astype(float),
                               ub=(~inst.forbidden).astype(float))
    nA = ix.host_space.size
    v["host"] = b.add_binaries("host", nA)
    v["area"] = b.add_variables("area", nA, ub=inst.area_m2[ix.host_space])
    v["share"] = b.add_variables("share", ix.share_space.size, ub=inst.area_m2[ix.share_space])
    v["used"] = b.add_variables("used", inst.n_spaces, ub=inst.area_m2)
    residual = inst.residual_demand_users
    v["serve"] = b.add_variables("serve", ix.link_community.size,
                                 ub=residual[ix.link_community, ix.link_service])
    v["attr"] = b.add_variables("attr", ix.attr_community.size, ub=inst.area_m2[ix.attr_space])
    v["hub"] = b.add_binaries("hub", ix.hub_community.size)
    v["short_area"] = b.add_variables("short_area", inst.n_communities,
                                      ub=0.0 if "area" in enforce else ix.area_gap_m2)
    if inst.hub_required:
        v["short_hub"] = b.add_variables("short_hub", inst.n_communities, ub=0.0 if "hub" in enforce else 1.0)
    cc, cs = np.nonzero(ix.coverage_need > 1e-9)
    m.cov_pairs = (cc.astype(np.int64), cs.astype(np.int64))
    v["short_cov"] = b.add_variables("short_cov", cc.size,
                                     ub=0.0 if "coverage" in enforce else ix.coverage_need[cc, cs])
    v["coloc"] = b.add_variables("coloc", ix.coloc_space.size, ub=1.0)


def add_host_requires_open(m: ModelContext) -> None:
    """(C1) y_js ≤ o_j  for (j,s) ∈ A: a service is hosted only in a taken space."""
    y, o, ix = m.v["host"], m.v["open"], m.ix
    n = y.size
    m.b.add_constraints("host_requires_open", n, np.r_[_rows(n), _rows(n)], np.r_[y, o[ix.host_space]],
                        np.r_[np.ones(n), -np.ones(n)], ub=0.0)


def add_service_area_bounds(m: ModelContext) -> None:
    """(C2) minarea_s · y_js ≤ a_js ≤ area_j · y_js  for (j,s) ∈ A (M2: minimum floor area)."""
    y, a, ix, inst = m.v["host"], m.v["area"], m.ix, m.inst
    n = y.size
    r = np.r_[_rows(n), _rows(n)]
    m.b.add_constraints("min_service_area", n, r, np.r_[a, y], np.r_[np.ones(n), -inst.min_area_m2[ix.host_service]],
                        lb=0.0)
    m.b.add_constraints("max_service_area", n, r, np.r_[a, y], np.r_[np.ones(n), -inst.area_m2[ix.host_space]],
                        ub=0.0)


def add_time_share(m: ModelContext) -> None:
    """(C3) q_jg ≥ a_js  for (j,g) ∈ K, s ∈ g allowed in j (M4: a group uses its largest member's area)."""
    ix, inst = m.ix, m.inst
    if ix.share_space.size == 0:
        return
    # one row per host pair (j,s) whose service belongs to a group with a slot (j,g) in K
    n_groups = int(inst.share_group.max()) + 1
    member_group = inst.share_group[ix.host_service]
    slot_keys = ix.share_space * n_groups + ix.share_group
    order = np.argsort(slot_keys)
    keys = ix.host_space * n_groups + np.maximum(member_group, 0)
    pos = np.clip(np.searchsorted(slot_keys[order], keys), 0, slot_keys.size - 1)
    hit = (member_group >= 0) & (slot_keys[order][pos] == keys)
    a_ids, slots = np.flatnonzero(hit), order[pos[hit]]
    n = a_ids.size
    m.b.add_constraints("time_share", n, np.r_[_rows(n), _rows(n)], np.r_[m.v["share"][slots], m.v["area"][a_ids]],
                        np.r_[np.ones(n), -np.ones(n)], lb=0.0)
    # (C3b) q_jg ≤ Σ_{s∈g} a_js: the room is no larger than its members use (so no phantom area;
    # with (C3) the room is the largest member's area once the plan gives every hosted member
    # the whole room, see siting.model.solution.extract_plan).
    K = ix.share_space.size
    m.b.add_constraints("time_share_room", K, np.r_[_rows(K), slots], np.r_[m.v["share"], m.v["area"][a_ids]],
                        np.r_[np.ones(K), -np.ones(n)], ub=0.0)
    m.shared_host = hit  # host pairs whose area counts through their time-share slot


def add_used_area(m: ModelContext) -> None:
    """(C4) u_j = Σ_{s ungrouped} a_js + Σ_g q_jg ≤ area_j · o_j  (floor area of the space)."""
    ix, inst, v = m.ix, m.inst, m.v
    shared = m.shared_host if m.shared_host is not None else np.zeros(ix.host_space.size, dtype=bool)
    direct = np.flatnonzero(~shared)
    J = inst.n_spaces
    rows = np.r_[ix.host_space[direct], ix.share_space, _rows(J)]
    cols = np.r_[v["area"][direct], v["share"], v["used"]]
    coefs = np.r_[np.ones(direct.size), np.ones(ix.share_space.size), -np.ones(J)]
    m.b.add_constraints("used_area_definition", J, rows, cols, coefs, lb=0.0, ub=0.0)
    m.b.add_constraints("space_capacity", J, np.r_[_rows(J), _rows(J)], np.r_[v["used"], v["open"]],
                        np.r_[np.ones(J), -inst.area_m2], ub=0.0)


def add_service_capacity(m: ModelContext) -> None:
    """(C5) Σ_c x_cjs ≤ a_js / m2_per_user_s  for (j,s) ∈ A (M1: capacity = area ÷ m² per user)."""
    ix, inst, v = m.ix, m.inst, m.v
    nA = ix.host_space.size
    rows = np.r_[ix.link_host, _rows(nA)]
    cols = np.r_[v["serve"], v["area"]]
    coefs = np.r_[np.ones(ix.link_host.size), -1.0 / inst.m2_per_user[ix.host_service]]
    m.b.add_constraints("service_capacity", nA, rows, cols, coefs, ub=0.0)


def add_link_requires_host(m: ModelContext) -> None:
    """(C5b) x_cjs ≤ min(D_cs − E_cs, area_j / m2_per_user_s) · y_js  for (c,j,s) ∈ X.

    Implied by (C2) and (C5) for integer y; added because it tightens the LP relaxation a lot
    (the "strong" facility-location linking inequality).
    """
    ix, inst, v = m.ix, m.inst, m.v
    n = ix.link_host.size
    residual = inst.residual_demand_users
    cap = np.minimum(residual[ix.link_community, ix.link_service],
                     inst.area_m2[ix.link_space] / inst.m2_per_user[ix.link_service])
    m.b.add_constraints("link_requires_host", n, np.r_[_rows(n), _rows(n)], np.r_[v["serve"], v["host"][ix.link_host]],
                        np.r_[np.ones(n), -cap], ub=0.0)


def add_demand_coverage(m: ModelContext) -> None:
    """(C6) Σ_j x_cjs ≤ D_cs − E_cs and (C7) Σ_j x_cjs + σ^cov_cs ≥ target·D_cs − E_cs.

    Rows for (C6) are implied by the variable bounds when a community reaches one space;
    they are added for every (c,s) with links. (C7) for every (c,s) with need > 0.
    """
    ix, inst, v = m.ix, m.inst, m.v
    S = inst.n_services
    key = ix.link_community * S + ix.link_service
    ukeys, row_of_link = np.unique(key, return_inverse=True)
    residual = inst.residual_demand_users.reshape(-1)
    m.b.add_constraints("demand_limit", ukeys.size, row_of_link, v["serve"], 1.0, ub=residual[ukeys])
    cc, cs = m.cov_pairs
    ckeys = cc * S + cs
    pos = np.searchsorted(ckeys, key)
    pos_c = np.clip(pos, 0, max(ckeys.size - 1, 0))
    hit = (ckeys.size > 0) & (ckeys[pos_c] == key) if ckeys.size else np.zeros(key.size, bool)
    n = ckeys.size
    rows = np.r_[pos_c[hit], _rows(n)]
    cols = np.r_[v["serve"][hit], v["short_cov"]]
    m.b.add_constraints("coverage_target", n, rows, cols, 1.0, lb=ix.coverage_need[cc, cs])


def add_area_standard(m: ModelContext) -> None:
    """(C8) Σ_c t_cj ≤ u_j  and  (C9) Σ_j t_cj + σ^area_c ≥ Q_c − existing_c  (M5).

    The used area of a taken space is split among communities within the area reach,
    each m² attributed once.
    """
    ix, inst, v = m.ix, m.inst, m.v
    J, C = inst.n_spaces, inst.n_communities
    nW = ix.attr_community.size
    m.b.add_constraints("attribution_limit", J, np.r_[ix.attr_space, _rows(J)], np.r_[v["attr"], v["used"]],
                        np.r_[np.ones(nW), -np.ones(J)], ub=0.0)
    # (C8b) t_cj ≤ min(gap_c, area_j) · o_j: implied for integer o, tightens the LP (strong linking)
    cap = np.minimum(ix.area_gap_m2[ix.attr_community], inst.area_m2[ix.attr_space])
    m.b.add_constraints("attribution_requires_open", nW, np.r_[_rows(nW), _rows(nW)],
                        np.r_[v["attr"], v["open"][ix.attr_space]], np.r_[np.ones(nW), -cap], ub=0.0)
    gap = ix.area_gap_m2
    m.b.add_constraints("area_standard", C, np.r_[ix.attr_community, _rows(C)], np.r_[v["attr"], v["short_area"]],
                        1.0, lb=gap)


def add_hub_rule(m: ModelContext) -> None:
    """(C10) Σ_j h_cj + σ^hub_c = n_c, with n_c = 1 if community c has households, else 0
    (no hub requirement without households: docs/decisions.md); (C11) u_j ≥ Hmin_c · h_cj; (C12) Σ_s y_js ≥ 3 h_cj and
    Σ_{s core} y_js ≥ 2 h_cj; (C13) a space is the hub of one community at most,
    Σ_c h_cj ≤ o_j — or, with shared hubs, h_cj ≤ o_j and h_cj + h_c'j ≤ 1 for every
    non-adjacent pair c, c' (M6). Without sharing (C11)–(C12) are summed over c (valid
    because Σ_c h_cj ≤ 1).
    """
    inst = m.inst
    if not inst.hub_required:
        return
    ix, v, b = m.ix, m.v, m.b
    C = inst.n_communities
    hub = inst.preset.hub
    nH = ix.hub_community.size
    need = inst.needs_hub.astype(float)
    b.add_constraints("hub_assignment", C, np.r_[ix.hub_community, _rows(C)], np.r_[v["hub"], v["short_hub"]],
                      1.0, lb=need, ub=need)
    if nH == 0:
        return
    shared = inst.settings.hubs.shared
    if shared:
        rows_h = _rows(nH)
        n_rows = nH
    else:
        spaces, rows_h = np.unique(ix.hub_space, return_inverse=True)
        n_rows = spaces.size
    row_space = ix.hub_space if shared else spaces
    # (C11)
    b.add_constraints("hub_area", n_rows, np.r_[rows_h, _rows(n_rows)], np.r_[v["hub"], v["used"][row_space]],
                      np.r_[inst.hub_min_area_m2[ix.hub_community], -np.ones(n_rows)], ub=0.0)
    # (C12): host pairs of each row's space
    hs = ix.host_space
    order = np.argsort(hs, kind="stable")
    starts = np.searchsorted(hs[order], row_space, side="left")
    ends = np.searchsorted(hs[order], row_space, side="right")
    counts = ends - starts
    rep_rows = np.repeat(_rows(n_rows), counts)
    host_pos = order[np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)])] if n_rows else np.zeros(0, int)
    b.add_constraints("hub_functions", n_rows, np.r_[rows_h, rep_rows], np.r_[v["hub"], v["host"][host_pos]],
                      np.r_[np.full(nH, float(hub.min_functions)), -np.ones(host_pos.size)], ub=0.0)
    core = inst.hub_core[ix.host_service[host_pos]]
    b.add_constraints("hub_core_functions", n_rows, np.r_[rows_h, rep_rows[core]],
                      np.r_[v["hub"], v["host"][host_pos[core]]],
                      np.r_[np.full(nH, float(hub.min_core_functions)), -np.ones(int(core.sum()))], ub=0.0)
    # (C13)
    b.add_constraints("hub_exclusive", n_rows, np.r_[rows_h, _rows(n_rows)], np.r_[v["hub"], v["open"][row_space]],
                      np.r_[np.ones(nH), -np.ones(n_rows)], ub=0.0)
    if shared:
        _add_hub_sharing_conflicts(m)


def _add_hub_sharing_conflicts(m: ModelContext) -> None:
    """h_cj + h_c'j ≤ 1 for communities c < c' reaching the same hub space j but not adjacent."""
    ix, inst = m.ix, m.inst
    adj = {(int(a), int(c)) for a, c in inst.adjacency}
    order = np.argsort(ix.hub_space, kind="stable")
    bounds = np.flatnonzero(np.diff(ix.hub_space[order])) + 1
    left, right = [], []
    for grp in np.split(order, bounds):  # one group per space
        if grp.size < 2:
            continue
        a, c = np.triu_indices(grp.size, k=1)
        ca, cc = ix.hub_community[grp[a]], ix.hub_community[grp[c]]
        lo, hi = np.minimum(ca, cc), np.maximum(ca, cc)
        keep = np.array([(int(x), int(y)) not in adj for x, y in zip(lo, hi)], dtype=bool)
        left.append(grp[a][keep])
        right.append(grp[c][keep])
    if not left:
        return
    L, R = np.concatenate(left), np.concatenate(right)
    n = L.size
    m.b.add_constraints("hub_sharing_adjacent_only", n, np.r_[_rows(n), _rows(n)],
                        np.r_[m.v["hub"][L], m.v["hub"][R]], 1.0, ub=1.0)


def add_colocation(m: ModelContext) -> None:
    """(C15) κ_jp ≤ y_js and κ_jp ≤ y_js' for pair p = (s, s') (M10: both in the same space)."""
    ix, v = m.ix, m.v
    n = ix.coloc_space.size
    if n == 0:
        return
    pairs = m.inst.colocation[ix.coloc_pair]
    for side in (0, 1):
        host = ix.host_of[ix.coloc_space, pairs[:, side]]
        m.b.add_constraints(f"colocation_{side}", n, np.r_[_rows(n), _rows(n)], np.r_[v["coloc"], v["host"][host]],
                            np.r_[np.ones(n), -np.ones(n)], ub=0.0)


def cost_terms(m: ModelContext) -> tuple[np.ndarray, np.ndarray]:
    """(C14) cost = Σ_j F_j o_j + Σ_j V_j u_j  (M7: acquisition/rent, retrofit + operating per m²)."""
    inst, v = m.inst, m.v
    return np.r_[v["open"], v["used"]], np.r_[inst.fixed_cost_cny, inst.per_m2_cost_cny]


def add_budget(m: ModelContext) -> None:
    """(C14) Σ_j F_j o_j + Σ_j V_j u_j ≤ budget (hard, M7)."""
    budget = m.inst.budget_cny
    if budget is None:
        return
    cols, coefs = cost_terms(m)
    m.b.add_constraints("budget", 1, np.zeros(cols.size, dtype=np.int64), cols, coefs, ub=float(budget))


def shortfall_terms(m: ModelContext) -> tuple[np.ndarray, np.ndarray]:
    """(O1) Σ_c p_c (σ^area_c / Q_c + σ^hub_c + Σ_s σ^cov_cs / D_cs): shortfall shares, weighted (M8)."""
    inst, v = m.inst, m.v
    p = inst.priority
    with np.errstate(divide="ignore", invalid="ignore"):
        w_area = np.where(inst.required_area_m2 > 0, p / inst.required_area_m2, 0.0)
    cc, cs = m.cov_pairs
    cols = [v["short_area"], v["short_cov"]]
    coefs = [w_area, p[cc] / inst.demand_users[cc, cs]]
    if "short_hub" in v:
        cols.append(v["short_hub"])
        coefs.append(p)
    return np.concatenate(cols), np.concatenate(coefs)


def served_terms(m: ModelContext) -> tuple[np.ndarray, np.ndarray]:
    """(O2) Σ_{(c,j,s)∈X} w_cs x_cjs: priority- and age-weighted users served (M9)."""
    ix = m.ix
    return m.v["serve"], m.inst.served_weight[ix.link_community, ix.link_service]


def add_min_coverage(m: ModelContext) -> None:
    """(C16) z · D_c ≤ E_c + Σ_{j,s} x_cjs for every c with demand (equity, M9): z = worst coverage."""
    inst, ix = m.inst, m.ix
    z = m.b.add_variables("min_coverage", 1, ub=1.0)
    m.v["min_coverage"] = z
    D = inst.demand_users.sum(axis=1)
    E = inst.existing_served.sum(axis=1)
    cs = np.flatnonzero(D > 1e-9)
    row_of = np.full(inst.n_communities, -1, dtype=np.int64)
    row_of[cs] = _rows(cs.size)
    lr = row_of[ix.link_community]
    keep = lr >= 0
    n = cs.size
    m.b.add_constraints("min_coverage", n, np.r_[_rows(n), lr[keep]],
                        np.r_[np.full(n, z[0]), m.v["serve"][keep]], np.r_[D[cs], -np.ones(int(keep.sum()))],
                        ub=E[cs])
