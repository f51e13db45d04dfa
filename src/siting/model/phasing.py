"""Multi-year phasing rules (REQUIREMENTS D10): one function per rule, formulas as in docs/model.md.

Years t = 0 … L (L = T−1, the last year). Today's variables are the state in year L:
o_j = O_jL, u_j = U_jL, t_cj, h_cj. The years before L get copies only where a yearly rule
needs them:

* O_jt ∈ {0,1}  space j open in year t (cumulative: open by t), t < L;
* U_jt ≥ 0      floor area used in year t (= u_j · O_jt: a space opens once with its final
  services and areas — one fit-out; a service's year is its space's year);
* t_cjt ≥ 0     area attributed in year t (≤ t_cj, only from open spaces);
* h_cjt ∈ [0,1] hub in year t (≤ h_cj, only in an open space);
* σ^area_ct, σ^hub_ct  yearly shortfalls (hard zero where due and enforced).

Service links x_cjs stay final-year only: users served per year are reported from the plan
(links of spaces open by t) but not optimised year by year (docs/decisions.md).
"""

from __future__ import annotations

import numpy as np

from siting.model import rules
from siting.model.rules import ModelContext


def _rows(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64)


def _early(m: ModelContext) -> int:
    assert m.ph is not None
    return m.ph.n_years - 1


def yearly_open(m: ModelContext) -> np.ndarray:
    """[J, T] ids of O_jt, the last column the final-year o_j."""
    return np.column_stack([m.v["open_y"], m.v["open"]]) if _early(m) else m.v["open"][:, None]


def yearly_used(m: ModelContext) -> np.ndarray:
    """[J, T] ids of U_jt, the last column the final-year u_j."""
    return np.column_stack([m.v["used_y"], m.v["used"]]) if _early(m) else m.v["used"][:, None]


def define_phasing_variables(m: ModelContext) -> None:
    """(PV) O_jt ∈ {0,1} with O_jt = 0 before the space's first available year a_j (t < a_j),
    O_jt = 1 from a_j for required / locked spaces; 0 ≤ U_jt ≤ area_j; 0 ≤ t_cjt ≤ area_j;
    0 ≤ h_cjt ≤ 1; 0 ≤ σ^area_ct ≤ gap_c and 0 ≤ σ^hub_ct ≤ 1, upper bound 0 where c is due
    in t and the rule is in ``objective.enforce``. The final year's o_j gets ub 0 if a_j > L
    (never: the instance refuses such a space)."""
    ph, inst, ix, b, v = m.ph, m.inst, m.ix, m.b, m.v
    assert ph is not None
    E = _early(m)
    J, C = inst.n_spaces, inst.n_communities
    t = np.arange(E)[None, :]
    avail = t >= ph.start[:, None]
    enforce = set(inst.settings.objective.enforce)
    v["open_y"] = b.add_binaries("open_y", (J, E), lb=(inst.must_take[:, None] & avail).astype(float),
                                 ub=((~inst.forbidden)[:, None] & avail).astype(float))
    v["used_y"] = b.add_variables("used_y", (J, E), ub=np.broadcast_to(inst.area_m2[:, None], (J, E)))
    v["attr_y"] = b.add_variables("attr_y", (ix.attr_community.size, E),
                                  ub=np.broadcast_to(inst.area_m2[ix.attr_space][:, None], (ix.attr_community.size, E)))
    due = ph.due[:E].T  # [C, E]
    gap = np.broadcast_to(ix.area_gap_m2[:, None], (C, E))
    v["short_area_y"] = b.add_variables("short_area_y", (C, E), ub=np.where(due & ("area" in enforce), 0.0, gap))
    if inst.hub_required:
        v["hub_y"] = b.add_variables("hub_y", (ix.hub_community.size, E), ub=1.0)
        need = np.broadcast_to(inst.needs_hub[:, None].astype(float), (C, E))
        v["short_hub_y"] = b.add_variables("short_hub_y", (C, E), ub=np.where(due & ("hub" in enforce), 0.0, need))


def add_open_monotone(m: ModelContext) -> None:
    """(P1) O_jt ≤ O_j,t+1 for t < L: a space once open stays open (and so do its services)."""
    Oj = yearly_open(m)
    J, T = Oj.shape
    if T < 2:
        return
    n = J * (T - 1)
    r = _rows(n)
    m.b.add_constraints("open_monotone", n, np.r_[r, r], np.r_[Oj[:, :-1].reshape(-1), Oj[:, 1:].reshape(-1)],
                        np.r_[np.ones(n), -np.ones(n)], ub=0.0)


def add_yearly_used_area(m: ModelContext) -> None:
    """(P2) U_jt = u_j · O_jt, linearised: U_jt ≤ area_j O_jt, U_jt ≤ u_j,
    U_jt ≥ u_j − area_j (o_j − O_jt), for t < L. The last row is the usual
    u_j − area_j (1 − O_jt) with o_j in place of 1: valid because u_j = 0 when o_j = 0, and much
    tighter in the LP relaxation (with O_jt = o_j fractional it gives U_jt ≥ u_j)."""
    E = _early(m)
    if not E:
        return
    inst, v = m.inst, m.v
    J = inst.n_spaces
    Uy, Oy = v["used_y"].reshape(-1), v["open_y"].reshape(-1)
    u = np.repeat(v["used"], E)
    area = np.repeat(inst.area_m2, E)
    n = J * E
    r = _rows(n)
    one = np.ones(n)
    m.b.add_constraints("yearly_used_open", n, np.r_[r, r], np.r_[Uy, Oy], np.r_[one, -area], ub=0.0)
    m.b.add_constraints("yearly_used_final", n, np.r_[r, r], np.r_[Uy, u], np.r_[one, -one], ub=0.0)
    o = np.repeat(v["open"], E)
    m.b.add_constraints("yearly_used_lower", n, np.r_[r, r, r, r], np.r_[u, Uy, o, Oy],
                        np.r_[one, -one, -area, area], ub=0.0)


def add_yearly_area_standard(m: ModelContext) -> None:
    """(P3) t_cjt ≤ t_cj and t_cjt ≤ min(gap_c, area_j) · O_jt; (P4) Σ_j t_cjt + σ^area_ct ≥ gap_c
    for t < L: the area standard in year t counts only spaces open by t (M5)."""
    E = _early(m)
    if not E:
        return
    ix, inst, v = m.ix, m.inst, m.v
    nW = ix.attr_community.size
    Ty = v["attr_y"]  # [nW, E]
    n = nW * E
    r = _rows(n)
    one = np.ones(n)
    m.b.add_constraints("yearly_attr_final", n, np.r_[r, r], np.r_[Ty.reshape(-1), np.repeat(v["attr"], E)],
                        np.r_[one, -one], ub=0.0)
    cap = np.repeat(np.minimum(ix.area_gap_m2[ix.attr_community], inst.area_m2[ix.attr_space]), E)
    Oy = v["open_y"][ix.attr_space].reshape(-1)
    m.b.add_constraints("yearly_attr_open", n, np.r_[r, r], np.r_[Ty.reshape(-1), Oy], np.r_[one, -cap], ub=0.0)
    C = inst.n_communities
    row_w = (ix.attr_community[:, None] * E + np.arange(E)[None, :]).reshape(-1)
    m.b.add_constraints("yearly_area_standard", C * E, np.r_[row_w, _rows(C * E)],
                        np.r_[Ty.reshape(-1), v["short_area_y"].reshape(-1)], 1.0,
                        lb=np.repeat(ix.area_gap_m2, E))


def add_yearly_hub_rule(m: ModelContext) -> None:
    """(P5) h_cjt ≤ h_cj and h_cjt ≤ O_jt; (P6) Σ_j h_cjt + σ^hub_ct ≥ n_c for t < L: a hub
    counts in year t once its space is open (its functions open with it)."""
    E = _early(m)
    if not E or not m.inst.hub_required:
        return
    ix, inst, v = m.ix, m.inst, m.v
    nH = ix.hub_community.size
    Hy = v["hub_y"]
    n = nH * E
    r = _rows(n)
    one = np.ones(n)
    if n:
        m.b.add_constraints("yearly_hub_final", n, np.r_[r, r], np.r_[Hy.reshape(-1), np.repeat(v["hub"], E)],
                            np.r_[one, -one], ub=0.0)
        m.b.add_constraints("yearly_hub_open", n, np.r_[r, r],
                            np.r_[Hy.reshape(-1), v["open_y"][ix.hub_space].reshape(-1)], np.r_[one, -one], ub=0.0)
    C = inst.n_communities
    row_h = (ix.hub_community[:, None] * E + np.arange(E)[None, :]).reshape(-1)
    m.b.add_constraints("yearly_hub_assignment", C * E, np.r_[row_h, _rows(C * E)],
                        np.r_[Hy.reshape(-1), v["short_hub_y"].reshape(-1)], 1.0,
                        lb=np.repeat(inst.needs_hub.astype(float), E))


def spending_terms(m: ModelContext, t: int, cumulative: bool) -> tuple[np.ndarray, np.ndarray]:
    """(P7) spending in year t: Σ_j acq_j (O_jt − O_j,t−1) + retro_j (U_jt − U_j,t−1)
    + rent_j O_jt + op_j U_jt (O_j,−1 = U_j,−1 = 0); with ``cumulative`` the sum over years ≤ t,
    acq_j O_jt + retro_j U_jt + Σ_{τ≤t} (rent_j O_jτ + op_j U_jτ)."""
    ph = m.ph
    assert ph is not None
    Oj, U = yearly_open(m), yearly_used(m)
    cols = [Oj[:, t], U[:, t]]
    coefs = [ph.acquisition_cny, ph.retrofit_cny_per_m2]
    if not cumulative and t > 0:
        cols += [Oj[:, t - 1], U[:, t - 1]]
        coefs += [-ph.acquisition_cny, -ph.retrofit_cny_per_m2]
    for tau in range(t + 1) if cumulative else (t,):
        cols += [Oj[:, tau], U[:, tau]]
        coefs += [ph.rent_cny_per_year, ph.operating_cny_per_m2_year]
    return np.concatenate(cols), np.concatenate(coefs)


def cost_terms(m: ModelContext) -> tuple[np.ndarray, np.ndarray]:
    """(P8) lifecycle cost over ``horizon_years`` H from the first year: acq_j o_j + retro_j u_j
    + rent_j (Σ_t O_jt + (H − T) o_j) + op_j (Σ_t U_jt + (H − T) u_j). Equal to (C14) when every
    space opens in the first year."""
    ph = m.ph
    assert ph is not None
    Oj, U = yearly_open(m), yearly_used(m)
    T = ph.n_years
    cols = [m.v["open"], m.v["used"], Oj.reshape(-1), U.reshape(-1)]
    coefs = [ph.acquisition_cny + ph.rent_cny_per_year * ph.tail_years,
             ph.retrofit_cny_per_m2 + ph.operating_cny_per_m2_year * ph.tail_years,
             np.repeat(ph.rent_cny_per_year, T), np.repeat(ph.operating_cny_per_m2_year, T)]
    return np.concatenate(cols), np.concatenate(coefs)


def add_budget(m: ModelContext) -> None:
    """(P9) the ``budget`` block, one row per year: spending_t ≤ B_t, or with carry-over
    Σ_{τ≤t} spending_τ ≤ Σ_{τ≤t} B_τ; then, if ``budget_cny`` is set, the lifecycle cost (P8)
    ≤ budget_cny. Every row is a coupling row of the budget-coupled solve."""
    ph = m.ph
    assert ph is not None
    rows_rhs = ph.budget_rows_cny()
    rows, cols, coefs, ub = [], [], [], []
    if rows_rhs is not None:
        for t in range(ph.n_years):
            c, k = spending_terms(m, t, ph.carry_over)
            rows.append(np.full(c.size, len(ub), dtype=np.int64))
            cols.append(c)
            coefs.append(k)
            ub.append(float(rows_rhs[t]))
    if m.inst.budget_cny is not None:
        c, k = cost_terms(m)
        rows.append(np.full(c.size, len(ub), dtype=np.int64))
        cols.append(c)
        coefs.append(k)
        ub.append(float(m.inst.budget_cny))
    if not ub:
        return
    m.b.add_constraints("budget", len(ub), np.concatenate(rows), np.concatenate(cols), np.concatenate(coefs),
                        ub=np.array(ub))


def shortfall_terms(m: ModelContext) -> tuple[np.ndarray, np.ndarray]:
    """(O1') (O1) plus Σ_{t<L} Σ_c w_ct p_c (σ^area_ct / Q_c + σ^hub_ct), with w_ct = 1 when c
    is due in t (a target) and the preset's early-service weight before: earlier service is
    preferred, due targets first."""
    ph, inst, v = m.ph, m.inst, m.v
    assert ph is not None
    cols, coefs = rules.shortfall_terms(m)
    E = _early(m)
    if not E:
        return cols, coefs
    wt = ph.year_weight()[:E].T  # [C, E]
    p = inst.priority
    with np.errstate(divide="ignore", invalid="ignore"):
        w_area = np.where(inst.required_area_m2 > 0, p / inst.required_area_m2, 0.0)
    extra_c = [v["short_area_y"].reshape(-1)]
    extra_k = [(w_area[:, None] * wt).reshape(-1)]
    if "short_hub_y" in v:
        extra_c.append(v["short_hub_y"].reshape(-1))
        extra_k.append((p[:, None] * wt).reshape(-1))
    return np.r_[cols, np.concatenate(extra_c)], np.r_[coefs, np.concatenate(extra_k)]


def add_phasing(m: ModelContext) -> None:
    """All phasing rules (P1)–(P6) and the yearly budget block (P9)."""
    define_phasing_variables(m)
    add_open_monotone(m)
    add_yearly_used_area(m)
    add_yearly_area_standard(m)
    add_yearly_hub_rule(m)
    add_budget(m)


def open_year_index(m_vars: dict[str, np.ndarray], x: np.ndarray, n_years: int) -> np.ndarray:
    """[J] first year index t with O_jt = 1 (−1 if never open) from a solution vector ``x``."""
    o = x[m_vars["open"]] > 0.5
    has = "open_y" in m_vars and m_vars["open_y"].size > 0
    Oj = np.column_stack([x[m_vars["open_y"]] > 0.5, o]) if has else o[:, None]
    first = np.argmax(Oj, axis=1)
    return np.where(Oj.any(axis=1), first, -1).astype(np.int64)
