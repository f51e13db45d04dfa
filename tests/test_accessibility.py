"""2SFCA / E2SFCA accessibility and the health-check view (base / balance, before / after)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from siting.analysis.accessibility import (
    accessibility_by_community,
    accessibility_by_service,
    accessibility_table,
    decay_weight,
    two_step_fca,
)
from siting.analysis.evaluate import evaluate
from siting.analysis.healthcheck import healthcheck_districts, healthcheck_summary, healthcheck_table, weighted_gini
from siting.core.instance import Instance
from siting.plan import Plan
from siting.travel.reach import ReachTable

ORIGIN = np.array([500000.0, 3350000.0])


def _instance(nc: int = 9, ns: int = 15, seed: int = 3, **kw) -> Instance:
    rng = np.random.default_rng(seed)
    return Instance.from_arrays(
        community_xy=rng.uniform(0, 1600, (nc, 2)) + ORIGIN, households=rng.integers(300, 1200, nc),
        residents=rng.uniform(40, 400, (nc, 7)), space_xy=rng.uniform(0, 1600, (ns, 2)) + ORIGIN,
        space_area_m2=rng.uniform(300, 1500, ns),
        existing_m2={"reading_room": rng.uniform(0, 120, nc) * (rng.random(nc) < 0.6),
                     "elderly_day_care": rng.uniform(0, 400, nc) * (rng.random(nc) < 0.4)}, name="acc", **kw)


def _plan(inst: Instance, seed: int = 5) -> Plan:
    """A hand-made plan (no solver): random services with random floor area at random spaces."""
    rng = np.random.default_rng(seed)
    J, S, C = inst.n_spaces, inst.n_services, inst.n_communities
    taken = rng.random(J) < 0.6
    hosted = taken[:, None] & (rng.random((J, S)) < 0.4)
    area = np.where(hosted, rng.uniform(50, 300, (J, S)), 0.0)
    z = np.zeros(0, dtype=np.int64)
    return Plan(taken=taken, hosted=hosted, service_area_m2=area, served_community=z, served_space=z,
                served_service=z, served_users=np.zeros(0), attributed_community=z, attributed_space=z,
                attributed_m2=np.zeros(0), hub_space=np.full(C, -1, dtype=np.int64))


def _dense_reference(inst: Instance, plan: Plan | None, decay: str) -> np.ndarray:
    """Textbook 2SFCA on a dense grid (test only), for comparison with the sparse version."""
    C, J, S = inst.n_communities, inst.n_spaces, inst.n_services
    T = np.full((C, J), np.inf)
    T[inst.reach.community, inst.reach.space] = inst.reach.walk_min
    out = np.zeros((C, S))
    for s in range(S):
        D = inst.demand_users[:, s]
        ex = inst.existing_m2[:, s] / inst.m2_per_user[s]
        out[:, s] = np.where((ex > 0) & (D > 0), ex / np.where(D > 0, D, 1.0), 0.0)
        if plan is None:
            continue
        W = np.where(np.isfinite(T), decay_weight(np.where(np.isfinite(T), T, 0.0), inst.max_walk_min[s], decay), 0.0)
        cap = plan.service_area_m2[:, s] / inst.m2_per_user[s]
        den = W.T @ D
        R = np.where(den > 0, cap / np.where(den > 0, den, 1.0), 0.0)
        out[:, s] += W @ R
    return out


@pytest.mark.parametrize("decay", ["none", "gaussian", "stepped"])
def test_sparse_2sfca_matches_dense_textbook(decay):
    inst = _instance()
    plan = _plan(inst)
    assert inst.reach.n_pairs > 0
    np.testing.assert_allclose(two_step_fca(inst, plan, decay), _dense_reference(inst, plan, decay), atol=1e-12)
    np.testing.assert_allclose(two_step_fca(inst, None, decay), _dense_reference(inst, None, decay), atol=1e-12)


@pytest.mark.parametrize("decay", ["none", "gaussian", "stepped"])
def test_2sfca_conserves_supply(decay):
    inst = _instance(seed=11)
    plan = _plan(inst, seed=2)
    A = two_step_fca(inst, plan, decay)
    D = inst.demand_users
    # every supply point some demand reaches hands out exactly its places
    r = inst.reach
    for s in range(inst.n_services):
        ok = r.within(inst.max_walk_min[s]) & (plan.service_area_m2[r.space, s] > 0)
        w = decay_weight(r.walk_min[ok], inst.max_walk_min[s], decay)
        reached = np.zeros(inst.n_spaces)
        np.add.at(reached, r.space[ok], w * D[r.community[ok], s])
        supply = plan.service_area_m2[reached > 0, s].sum() + inst.existing_m2[D[:, s] > 0, s].sum()
        assert D[:, s] @ A[:, s] == pytest.approx(supply / inst.m2_per_user[s], rel=1e-9, abs=1e-9)


def test_2sfca_hand_computed():
    # two communities 0 and 750 m from one space (speed 75 m/min, detour 1: 0 and 10 minutes)
    from siting.core.settings import PlanningSettings, Walking
    settings = PlanningSettings(walking=Walking(speed_m_per_min=75.0, detour_factor=1.0))
    res = np.zeros((2, 7))
    res[:, 6] = [1000.0, 3000.0]  # 80+ only
    inst = Instance.from_arrays(community_xy=[[0, 0], [750, 0]] + ORIGIN, households=[100, 100], residents=res,
                                space_xy=[[0, 0]] + ORIGIN, space_area_m2=[2000.0], settings=settings,
                                existing_m2={"elderly_day_care": [0.0, 600.0]}, name="hand")
    s = inst.service_ids.index("elderly_day_care")  # 80 per 1000 aged 80+, 15 m² per user, 10-min walk
    D = inst.demand_users[:, s]
    np.testing.assert_allclose(D, [80.0, 240.0])
    area = np.zeros((1, inst.n_services))
    area[0, s] = 1500.0  # 100 places
    z = np.zeros(0, dtype=np.int64)
    plan = Plan(np.array([True]), area > 0, area, z, z, z, np.zeros(0), z, z, np.zeros(0), np.full(2, -1))
    before = two_step_fca(inst, None)[:, s]
    np.testing.assert_allclose(before, [0.0, 40.0 / 240.0])  # 600 m² = 40 places on site
    after = two_step_fca(inst, plan)[:, s]
    ratio = 100.0 / (80.0 + 240.0)  # both within 10 minutes
    np.testing.assert_allclose(after, [ratio, 40.0 / 240.0 + ratio])
    g = two_step_fca(inst, plan, "gaussian")[:, s]  # community 2 sits on the limit: weight 0
    np.testing.assert_allclose(g, [100.0 / 80.0, 40.0 / 240.0])
    st = two_step_fca(inst, plan, "stepped")[:, s]  # weights 1 and 0.68
    R = 100.0 / (80.0 + 0.68 * 240.0)
    np.testing.assert_allclose(st, [R, 40.0 / 240.0 + 0.68 * R])


def test_decay_weights():
    t = np.array([0.0, 2.0, 5.0, 7.5, 10.0, 12.0, 15.0, 16.0])
    np.testing.assert_allclose(decay_weight(t, 15.0, "none"), [1, 1, 1, 1, 1, 1, 1, 0])
    np.testing.assert_allclose(decay_weight(t, 15.0, "stepped"), [1, 1, 1, 0.68, 0.68, 0.22, 0.22, 0])
    g = decay_weight(t, 15.0, "gaussian")
    assert g[0] == pytest.approx(1.0) and g[6] == pytest.approx(0.0, abs=1e-12) and g[7] == 0.0
    assert np.all(np.diff(g) <= 1e-12)
    with pytest.raises(ValueError, match="unknown decay"):
        decay_weight(t, 15.0, "linear")


def test_accessibility_table_shape_and_before_after():
    inst = _instance()
    plan = _plan(inst)
    t = accessibility_table(inst, plan)
    assert len(t) == inst.n_communities * inst.n_services
    assert list(t["community_id"].iloc[: inst.n_services]) == [inst.community_ids[0]] * inst.n_services
    assert (t["access_after"] >= t["access_before"] - 1e-12).all()  # a plan only adds supply
    np.testing.assert_allclose(t["access_m2_per_user_after"],
                               t["access_after"] * np.tile(inst.m2_per_user, inst.n_communities))
    none = accessibility_table(inst, None)
    assert (none["access_after"] == none["access_before"]).all()
    per = accessibility_by_community(t)
    assert list(per["community_id"]) == list(inst.community_ids)
    assert per[["access_before", "access_after"]].stack().between(0, 1).all()
    c0 = t[t["community_id"] == inst.community_ids[0]]
    d0 = c0["demand_users"].to_numpy()
    assert per.at[0, "access_after"] == pytest.approx(d0 @ np.minimum(c0["access_after"], 1) / d0.sum())
    by = accessibility_by_service(t)
    assert list(by["service"]) == list(inst.service_ids)
    assert (by["mean_access_after"] >= by["mean_access_before"] - 1e-12).all()


def test_2sfca_stays_sparse_on_a_large_instance():
    """50k × 50k with 150k pairs: a dense grid would need 20 GB; the sparse path stays small."""
    rng = np.random.default_rng(0)
    n = 50_000
    k = 150_000
    reach = ReachTable.from_pairs(n, n, rng.integers(0, n, k), rng.integers(0, n, k), rng.uniform(0, 15, k),
                                  15.0, "test")

    class Big:  # just the attributes two_step_fca reads
        n_communities = n_spaces = n
        n_services = 3
        max_walk_min = np.array([5.0, 10.0, 15.0])
        m2_per_user = np.array([2.0, 10.0, 3.0])
        demand_users = rng.uniform(0, 50, (n, 3))
        existing_m2 = rng.uniform(0, 100, (n, 3)) * (rng.random((n, 3)) < 0.3)

    Big.reach = reach
    plan = type("P", (), {"service_area_m2": rng.uniform(0, 200, (n, 3)) * (rng.random((n, 3)) < 0.5)})()
    tracemalloc.start()
    A = two_step_fca(Big, plan, "gaussian")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert A.shape == (n, 3) and np.isfinite(A).all()
    assert peak < 200e6


# ---- health check -------------------------------------------------------------------------

def test_weighted_gini():
    rng = np.random.default_rng(4)
    x, w = rng.uniform(0, 100, 40), rng.uniform(0.5, 3, 40)
    brute = (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * w.sum() ** 2 * (w @ x / w.sum()))
    assert weighted_gini(x, w) == pytest.approx(brute, rel=1e-12)
    assert weighted_gini(np.full(5, 7.0)) == 0.0
    assert weighted_gini(np.zeros(5)) == 0.0
    assert weighted_gini(np.array([0.0, 0.0, 0.0, 10.0])) == pytest.approx(0.75)


def test_healthcheck_before_after_and_districts():
    inst = _instance(seed=8)
    inst.communities["district"] = ["East" if i % 3 else "West" for i in range(inst.n_communities)]
    plan = _plan(inst, seed=9)
    ev = evaluate(inst, plan)
    hc = healthcheck_table(inst, plan, ev)
    assert len(hc) == inst.n_communities
    for w in ("before", "after"):
        assert hc[f"base_{w}"].between(0, 100).all() and hc[f"balance_{w}"].between(0, 100).all()
        np.testing.assert_allclose(hc[f"index_{w}"], (hc[f"base_{w}"] + hc[f"balance_{w}"]) / 2)
    domains = {inst.catalogue.services[s].domain for s in inst.service_ids}
    assert {f"domain_{d}_after" for d in domains} | {"area_after"} <= set(hc.columns)
    # recompute one community's base by hand from the documented formula
    c = 0
    comps = [min(1.0, hc.at[c, col]) for col in hc.columns
             if col.endswith("_before") and col.startswith(("area", "domain_")) and np.isfinite(hc.at[c, col])]
    assert hc.at[c, "base_before"] == pytest.approx(100 * np.mean(comps))
    d = healthcheck_districts(hc)
    assert list(d["district"]) == ["East", "West", "ALL"]
    assert d["communities"].tolist() == [(hc["district"] == "East").sum(), (hc["district"] == "West").sum(),
                                         inst.n_communities]
    h = hc["households"].to_numpy()
    assert d.iloc[-1]["base_before"] == pytest.approx(h @ hc["base_before"] / h.sum())
    assert d.iloc[-1]["gini_after"] == pytest.approx(weighted_gini(hc["base_after"].to_numpy(), h))
    s = healthcheck_summary(hc)
    assert s["balance_after"] == pytest.approx(100 * (1 - s["gini_after"]))
    assert isinstance(s["base_after"], float)


def test_healthcheck_full_provision_scores_100_and_no_plan_keeps_before():
    inst = _instance(seed=2)
    hc = healthcheck_table(inst, None, None)
    pd.testing.assert_series_equal(hc["base_before"], hc["base_after"], check_names=False)
    # a community whose existing facilities meet every standard scores 100
    rich = {sid: np.full(inst.n_communities, 1e5) for sid in inst.service_ids}
    rng = np.random.default_rng(2)
    inst2 = Instance.from_arrays(community_xy=rng.uniform(0, 900, (3, 2)) + ORIGIN, households=500,
                                 residents=rng.uniform(40, 400, (3, 7)), space_xy=[[0, 0]] + ORIGIN,
                                 space_area_m2=500.0, existing_m2={k: v[:3] for k, v in rich.items()})
    hc2 = healthcheck_table(inst2, None, None)
    np.testing.assert_allclose(hc2["base_before"], 100.0)
    np.testing.assert_allclose(hc2["balance_before"], 100.0)
    d = healthcheck_districts(hc2)
    assert d.iloc[-1]["gini_before"] == 0.0 and d.iloc[-1]["worst_decile_ratio_before"] == pytest.approx(1.0)
