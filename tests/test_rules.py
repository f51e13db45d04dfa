"""One tiny hand-worked instance per rule, with its optimum derived in the comments.

Catalogue figures used (data/services.yaml):

    service            uptake /1000              m²/user  min m²  walk  core  floors
    elderly_day_care   60-79: 20, 80+: 80        15       200     10    yes   -1..3
    infant_care        0-2: 180                  9        150     10    yes   1, 2
    after_school_care  6-11: 100                 3        80      10    yes   1..3
    community_canteen  60-79: 50, 80+: 150       2        80      10    yes   -1, 1, 2
    housekeeping       …                         2        30      15    no    -1..4
    health_station     60-79: 25 …               4        150     15    no    1, 2
    reading_room       6-11: 20 …                3        60      15    no    -1..4

Preset hangzhou_2024: 60 m²/100 hh (existing), 100 (new); hub ≥ 600 m² (existing) /
1000 (new), ≥ 3 functions of which ≥ 2 core, within 15 min; age weights 0-2: 1.5,
60-79: 1.3, 80+: 1.5; priority 1 + (100 − score)/100. Horizon 10 years unless set.

Cost over the horizon T: F_j = acquisition + rent·T, per m² V_j = retrofit + operating·T.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import EXACT, area, hosted_services, residents, served, settings, solve_checked, tiny
from siting.analysis import tables
from siting.api import solve_instance
from siting.core.results import SolveStatus


def near(n: int, step: float = 50.0) -> list[list[float]]:
    return [[step * (k + 1), 0.0] for k in range(n)]


# --------------------------------------------------------------------------- derived figures

def test_derived_arrays_follow_m1_m5_m7_m9():
    st = settings("infant_care", "elderly_day_care", "community_canteen", horizon_years=5)
    res = residents(2, r0_2=[100, 0], r60_79=[500, 0], r80_plus=[125, 0])
    inst = tiny(communities=[[0, 0], [100, 0]], spaces=[[50, 0]], res=res, st=st, households=[1500, 800],
                kind=np.array(["existing", "new"]), health_score=np.array([37.0, 100.0]), space_area_m2=[400],
                acquisition_cny=100_000, rent_cny_per_year=20_000, retrofit_cny_per_m2=800,
                operating_cny_per_m2_year=50, existing_m2={"elderly_day_care": np.array([150.0, 0.0])})
    sid = inst.service_ids.index
    # M1: infant 100 × 180/1000 = 18; elderly 500 × 20/1000 + 125 × 80/1000 = 10 + 10 = 20;
    # canteen 500 × 0.05 + 125 × 0.15 = 43.75
    assert inst.demand_users[0, sid("infant_care")] == pytest.approx(18.0)
    assert inst.demand_users[0, sid("elderly_day_care")] == pytest.approx(20.0)
    assert inst.demand_users[0, sid("community_canteen")] == pytest.approx(43.75)
    assert inst.demand_users[0, sid("health_station")] == 0.0  # shrunk away
    # existing 150 m² of day care / 15 m² per user = 10 users already served on site
    assert inst.existing_served[0, sid("elderly_day_care")] == pytest.approx(10.0)
    # M5: 1500 hh existing → 15 × 60 = 900 m²; 800 hh new → 8 × 100 = 800 m²
    np.testing.assert_allclose(inst.required_area_m2, [900.0, 800.0])
    np.testing.assert_allclose(inst.hub_min_area_m2, [600.0, 1000.0])
    # M9: priority 1 + 63/100 = 1.63; elderly weight (10·1.3 + 10·1.5)/20 = 1.4 → 1.63·1.4
    np.testing.assert_allclose(inst.priority, [1.63, 1.0])
    assert inst.served_weight[0, sid("elderly_day_care")] == pytest.approx(1.63 * 1.4)
    assert inst.served_weight[0, sid("infant_care")] == pytest.approx(1.63 * 1.5)
    # M7 with T = 5: F = 100 000 + 5·20 000 = 200 000; V = 800 + 5·50 = 1050
    assert inst.fixed_cost_cny[0] == pytest.approx(200_000.0)
    assert inst.per_m2_cost_cny[0] == pytest.approx(1050.0)


def test_growth_factor_scales_demand_of_its_age_group_only():
    st = settings("elderly_day_care", demand_growth={"age_80_plus": 2.0})
    inst = tiny(communities=[[0, 0]], spaces=[[50, 0]], res=residents(r60_79=500, r80_plus=125), st=st,
                space_area_m2=[800])
    # 500 × 0.02 + (125 × 2) × 0.08 = 10 + 20 = 30
    assert inst.demand_users[0, inst.service_ids.index("elderly_day_care")] == pytest.approx(30.0)


def test_growth_factor_changes_the_optimal_plan():
    # infants 100 × 1.5 = 150 → 150 × 0.18 = 27 users → 27 × 9 = 243 m² (> 150 minimum)
    # cost = 1 000 + 243 × 100 = 25 300 (without growth: 18 users, 162 m², 17 200)
    for growth, users, cost in ((1.0, 18.0, 17_200.0), (1.5, 27.0, 25_300.0)):
        st = settings("infant_care", demand_growth={"age_0_2": growth})
        inst = tiny(communities=[[0, 0]], spaces=[[50, 0]], res=residents(r0_2=100), st=st, space_area_m2=[300],
                    acquisition_cny=1_000, retrofit_cny_per_m2=100)
        out = solve_checked(inst)
        assert served(out, 0, "infant_care") == pytest.approx(users, rel=1e-6)
        assert area(out, 0, "infant_care") == pytest.approx(users * 9, rel=1e-6)
        assert out.evaluation.cost_cny == pytest.approx(cost, rel=1e-6)
        assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- floors (M3)

def infant_floor_instance(with_ground_floor: bool = True):
    # 100 infants → 18 users → 162 m². S1 basement (cheapest), S2 ground floor, S3 3rd floor.
    floors, acq, areas = [-1, 1, 3], [100, 10_000, 100], [500, 200, 300]
    if not with_ground_floor:
        floors, acq, areas = [-1, 3], [100, 100], [500, 300]
    n = len(floors)
    return tiny(communities=[[0, 0]], spaces=near(n), res=residents(r0_2=100), st=settings("infant_care"),
                space_area_m2=areas, space_floor=floors, acquisition_cny=acq, retrofit_cny_per_m2=100)


def test_infant_care_only_in_the_ground_floor_space():
    # infant care floors 1–2: the basement (−1) and the 3rd floor are cheaper but not allowed.
    # optimum: S2 with 162 m²; cost = 10 000 + 162 × 100 = 26 200 CNY, no shortfall
    inst = infant_floor_instance()
    assert inst.allowed[:, inst.service_ids.index("infant_care")].tolist() == [False, True, False]
    out = solve_checked(inst)
    assert out.plan.taken.tolist() == [False, True, False]
    assert hosted_services(out, 1) == {"infant_care"}
    assert area(out, 1, "infant_care") == pytest.approx(162.0, rel=1e-6)
    assert served(out, 0, "infant_care") == pytest.approx(18.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(26_200.0, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


def test_without_the_ground_floor_space_infant_care_is_reported_short():
    # no space may host infant care: shortfall = p · 18/18 = 1; nothing worth taking → cost 0
    out = solve_checked(infant_floor_instance(with_ground_floor=False))
    assert not out.plan.hosted.any()
    assert out.evaluation.cost_cny == pytest.approx(0.0, abs=1e-6)
    assert out.evaluation.shortfall == pytest.approx(1.0, rel=1e-6)
    short = tables.shortfall_table(out.instance, out.plan, out.evaluation)
    assert short["item"].tolist() == ["infant_care"]
    assert short["short"].iloc[0] == pytest.approx(18.0)
    assert "no space within 10 min may host it" in short["reason"].iloc[0]


# --------------------------------------------------------------------------- hub rule (M6)

def hub_instance(space_area: float, **hub_overrides):
    # 1000 residents aged 60-79 → day care 20 users (300 m²), canteen 50 users (100 m²): two core
    # functions with demand; the hub needs a third function, hosted at its minimum area.
    st = settings("elderly_day_care", "community_canteen", hub=True, hub_overrides=hub_overrides)
    # one household: the hub rule asks a hub only of communities with households (docs/decisions.md);
    # its area standard (0.6 m²) is met by any hosted function
    return tiny(communities=[[0, 0]], spaces=near(1), res=residents(r60_79=1000), st=st, space_area_m2=[space_area],
                acquisition_cny=1_000, retrofit_cny_per_m2=100, households=1.0)


def test_hub_needs_a_third_function():
    # hub minimum area set to 0 so only the function count binds: the cheapest third function is
    # housekeeping_service (min 30 m², smallest in the catalogue): used = 300 + 100 + 30 = 430 m²,
    # cost = 1 000 + 430 × 100 = 44 000 (41 000 without the hub rule)
    out = solve_checked(hub_instance(1000, min_area_m2={"existing": 0}))
    assert out.plan.hub_space.tolist() == [0]
    assert hosted_services(out, 0) == {"elderly_day_care", "community_canteen", "housekeeping_service"}
    assert area(out, 0, "housekeeping_service") == pytest.approx(30.0, rel=1e-6)
    assert out.evaluation.used_area_m2[0] == pytest.approx(430.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(44_000.0, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


def test_hub_minimum_area_pads_the_used_floor_area():
    # default 600 m² hub minimum (existing community): used area is raised from 430 to 600 m²
    # (M2: a service may get more area than its demand needs); cost = 1 000 + 60 000
    out = solve_checked(hub_instance(1000))
    assert out.plan.hub_space.tolist() == [0]
    hosted = hosted_services(out, 0)
    assert len(hosted) >= 3 and {"elderly_day_care", "community_canteen"} <= hosted
    assert out.evaluation.used_area_m2[0] == pytest.approx(600.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(61_000.0, rel=1e-6)


def test_hub_impossible_is_a_reported_shortfall_not_an_infeasibility():
    # a 500 m² space cannot be a 600 m² hub: hub shortfall 1 (priority 1); the services are still
    # served at least cost: 1 000 + 400 × 100 = 41 000
    out = solve_checked(hub_instance(500))
    assert out.plan.hub_space.tolist() == [-1]
    assert out.evaluation.hub_short.tolist() == [True]
    assert out.evaluation.shortfall == pytest.approx(1.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(41_000.0, rel=1e-6)
    short = tables.shortfall_table(out.instance, out.plan, out.evaluation)
    assert "hub" in short["rule"].tolist()


def test_no_phantom_coverage_shortfall_from_the_lexicographic_tolerance():
    # the optimum serves all 20 day-care and 50 canteen users; only the hub is short
    out = solve_checked(hub_instance(500))
    short = tables.shortfall_table(out.instance, out.plan, out.evaluation)
    assert short["rule"].tolist() == ["hub"]


def shared_hub_instance(shared: bool, adjacency, kinds=("existing", "existing"), areas=(700, 700)):
    # two communities 200 m apart, no demand and no area standard: only the hub rule.
    # S1 (F = 1 000) and S2 (F = 5 000), both within reach of both; V = 10 CNY/m².
    st = settings(hub=True, shared_hubs=shared)
    return tiny(communities=[[0, 0], [200, 0]], spaces=[[100, 0], [100, 50]], res=residents(2), st=st,
                space_area_m2=list(areas), acquisition_cny=[1_000, 5_000], retrofit_cny_per_m2=10,
                kind=np.array(kinds), adjacency=adjacency, households=1.0)  # households: a hub is needed


@pytest.mark.parametrize("shared, adjacency, cost, hubs", [
    # no sharing: each space is the hub of one community: 1 000 + 5 000 + 2 × 600 × 10 = 18 000
    (False, np.array([[0, 1]]), 18_000.0, None),
    # sharing between adjacent communities: one 600 m² hub in S1: 1 000 + 6 000 = 7 000
    (True, np.array([[0, 1]]), 7_000.0, [0, 0]),
    # sharing allowed but the communities are not adjacent: as without sharing
    (True, np.zeros((0, 2), dtype=np.int64), 18_000.0, None),
])
def test_shared_hub_only_across_adjacent_communities(shared, adjacency, cost, hubs):
    out = solve_checked(shared_hub_instance(shared, adjacency))
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(cost, rel=1e-6)
    if hubs is None:
        assert sorted(out.plan.hub_space.tolist()) == [0, 1]
    else:
        assert out.plan.hub_space.tolist() == hubs


def test_shared_hub_meets_the_largest_minimum_among_its_communities():
    # C1 is a new community (hub ≥ 1 000 m²), C2 existing (≥ 600 m²); shared hub in S1 (1 200 m²)
    # must use 1 000 m²: 1 000 + 10 000 = 11 000 (< separate hubs 1 000 + 5 000 + 16 000)
    out = solve_checked(shared_hub_instance(True, np.array([[0, 1]]), kinds=("new", "existing"), areas=(1200, 1200)))
    assert out.plan.hub_space.tolist() == [0, 0]
    assert out.evaluation.used_area_m2[0] == pytest.approx(1000.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(11_000.0, rel=1e-6)


# --------------------------------------------------------------------------- M2, M4, M1

def test_minimum_area_per_service():
    # 100 residents 60-79 → 2 day-care users (30 m² of need) but the minimum is 200 m²:
    # area 200, cost = 500 + 200 × 10 = 2 500
    st = settings("elderly_day_care")
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r60_79=100), st=st, space_area_m2=[500],
                acquisition_cny=500, retrofit_cny_per_m2=10)
    out = solve_checked(inst)
    assert area(out, 0, "elderly_day_care") == pytest.approx(200.0, rel=1e-6)
    assert served(out, 0, "elderly_day_care") == pytest.approx(2.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(2_500.0, rel=1e-6)


def test_space_smaller_than_a_minimum_area_cannot_host():
    # a 190 m² space cannot host day care (min 200): the 2 users stay unserved (shortfall 1)
    st = settings("elderly_day_care")
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r60_79=100), st=st, space_area_m2=[190],
                acquisition_cny=500, retrofit_cny_per_m2=10)
    out = solve_checked(inst)
    assert not out.plan.hosted.any()
    assert out.evaluation.shortfall == pytest.approx(1.0, rel=1e-6)


def test_time_share_group_counted_once():
    # 1000 children 6-11 → after-school care 100 users (300 m²), reading room 20 users (60 m²).
    # study_hall group: in one space they use max(300, 60) = 300 m², not 360 — so both fit in
    # a 320 m² space; cost = 100 + 300 × 10 = 3 100
    st = settings("after_school_care", "reading_room")
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r6_11=1000), st=st, space_area_m2=[320],
                acquisition_cny=100, retrofit_cny_per_m2=10)
    out = solve_checked(inst)
    assert hosted_services(out, 0) == {"after_school_care", "reading_room"}
    assert out.evaluation.used_area_m2[0] == pytest.approx(300.0, rel=1e-6)
    assert served(out, 0, "after_school_care") == pytest.approx(100.0, rel=1e-6)
    assert served(out, 0, "reading_room") == pytest.approx(20.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(3_100.0, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


def test_capacity_is_area_divided_by_m2_per_user():
    # 18 infant users need 162 m², the only space has 157.5 m² → 157.5 / 9 = 17.5 users served
    # (fractional, M1); shortfall = 0.5 / 18; cost = 1 000 + 157.5 × 100 = 16 750
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r0_2=100), st=st, space_area_m2=[157.5],
                acquisition_cny=1_000, retrofit_cny_per_m2=100)
    out = solve_checked(inst)
    assert served(out, 0, "infant_care") == pytest.approx(17.5, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.5 / 18, rel=1e-5)
    assert out.evaluation.cost_cny == pytest.approx(16_750.0, rel=1e-6)
    short = tables.shortfall_table(out.instance, out.plan, out.evaluation)
    assert short["reason"].tolist() == ["spaces within the walking limit are too small for the demand"]


def test_existing_facilities_reduce_the_need():
    # existing 90 m² of infant care serves 10 of the 18 users; the remaining 8 need 72 m²
    # but the minimum is 150 m²: cost = 1 000 + 150 × 100 = 16 000
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r0_2=100), st=st, space_area_m2=[300],
                acquisition_cny=1_000, retrofit_cny_per_m2=100, existing_m2={"infant_care": np.array([90.0])})
    out = solve_checked(inst)
    assert served(out, 0, "infant_care") == pytest.approx(8.0, rel=1e-6)
    assert area(out, 0, "infant_care") == pytest.approx(150.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(16_000.0, rel=1e-6)


# --------------------------------------------------------------------------- walking limit (D7)

def test_walking_limit():
    # 10 min ↔ 576.9 m. S1 at 570 m (9.88 min, F = 5 000), S2 at 580 m (10.05 min, F = 0):
    # S2 is cheaper but just outside the limit → S1: 5 000 + 162 × 100 = 21 200
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0]], spaces=[[570, 0], [0, 580]], res=residents(r0_2=100), st=st,
                space_area_m2=[200, 200], acquisition_cny=[5_000, 0], retrofit_cny_per_m2=100)
    out = solve_checked(inst)
    assert hosted_services(out, 0) == {"infant_care"} and hosted_services(out, 1) == set()
    assert out.evaluation.cost_cny == pytest.approx(21_200.0, rel=1e-6)
    assert set(out.plan.served_space.tolist()) == {0}


def test_space_just_outside_the_walking_limit_cannot_serve():
    # only S2 (10.05 min): infant care cannot be served → shortfall 1, reason given
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0]], spaces=[[0, 580]], res=residents(r0_2=100), st=st, space_area_m2=[200],
                acquisition_cny=0, retrofit_cny_per_m2=100)
    out = solve_checked(inst)
    assert out.plan.served_users.size == 0
    assert out.evaluation.shortfall == pytest.approx(1.0, rel=1e-6)
    short = tables.shortfall_table(out.instance, out.plan, out.evaluation)
    assert "no space within 10 min" in short["reason"].iloc[0]


# --------------------------------------------------------------------------- area standard (M5)

def area_instance(c2_x: float):
    # C1 and C2: 1000 households each (existing) → 600 m² each; C2 has 200 m² existing → gap 400.
    # One 1500 m² space at x = 200, F = 1 000, V = 10. No service demand: area is floor area.
    st = settings()
    return tiny(communities=[[0, 0], [c2_x, 0]], spaces=[[200, 0]], res=residents(2), st=st, households=1000,
                space_area_m2=[1500], acquisition_cny=1_000, retrofit_cny_per_m2=10,
                existing_m2={"housekeeping_service": np.array([0.0, 200.0])})


def test_area_split_between_two_communities_without_double_counting():
    # the space must use 600 + 400 = 1 000 m² (each m² attributed once): 1 000 + 10 000 = 11 000
    out = solve_checked(area_instance(400))
    ev, plan = out.evaluation, out.plan
    assert ev.used_area_m2[0] == pytest.approx(1000.0, rel=1e-6)
    per_c = np.bincount(plan.attributed_community, weights=plan.attributed_m2, minlength=2)
    np.testing.assert_allclose(per_c, [600.0, 400.0], rtol=1e-6)
    np.testing.assert_allclose(ev.area_provided_m2, [600.0, 600.0], rtol=1e-6)
    assert ev.cost_cny == pytest.approx(11_000.0, rel=1e-6)
    assert ev.shortfall == pytest.approx(0.0, abs=1e-6)


def test_area_attributed_only_within_the_area_reach():
    # C2 at 1 200 m from the space (18 min > 15): its 400 m² gap stays → shortfall 400/600;
    # the space serves C1 only: 1 000 + 600 × 10 = 7 000
    out = solve_checked(area_instance(1400))
    ev = out.evaluation
    assert ev.area_short_m2 == pytest.approx([0.0, 400.0], rel=1e-6)
    assert ev.shortfall == pytest.approx(400 / 600, rel=1e-6)
    assert ev.cost_cny == pytest.approx(7_000.0, rel=1e-6)
    short = tables.shortfall_table(out.instance, out.plan, ev)
    assert short["reason"].tolist() == ["no candidate space within the area-standard reach"]


# --------------------------------------------------------------------------- costs and budget (M7, M8)

def test_cost_over_the_horizon():
    # rent 2 000/yr × 4 yr = 8 000; area 162 m² × (retrofit 50 + operating 5 × 4) = 11 340
    st = settings("infant_care", horizon_years=4)
    inst = tiny(communities=[[0, 0]], spaces=near(1), res=residents(r0_2=100), st=st, space_area_m2=[200],
                rent_cny_per_year=2_000, retrofit_cny_per_m2=50, operating_cny_per_m2_year=5)
    out = solve_checked(inst)
    ev = out.evaluation
    assert ev.cost_cny == pytest.approx(19_340.0, rel=1e-6)
    assert ev.cost_breakdown_cny == pytest.approx(
        {"acquisition_cny": 0.0, "rent_cny": 8_000.0, "retrofit_cny": 8_100.0, "operating_cny": 3_240.0}, rel=1e-6)


def two_town_instance(budget, mode="standards", scores=(50.0, 100.0), enforce=()):
    # C1 and C2 5 km apart, 18 infant users each; S1 next to C1, S2 next to C2; each costs
    # 10 000 + 162 × 100 = 26 200 to serve its community. Priorities 1.5 and 1.0.
    st = settings("infant_care", budget=budget, mode=mode, enforce=enforce)
    return tiny(communities=[[0, 0], [5000, 0]], spaces=[[50, 0], [5050, 0]], res=residents(2, r0_2=100), st=st,
                space_area_m2=200, acquisition_cny=10_000, retrofit_cny_per_m2=100,
                health_score=np.array(scores))


@pytest.mark.parametrize("budget, cost, shortfall, taken", [
    (None, 52_400.0, 0.0, [True, True]),
    # one community only; the higher-priority C1 (1.5) goes first, C2 short: shortfall 1.0
    (30_000.0, 26_200.0, 1.0, [True, False]),
    # 10 000 + 150 m² minimum × 100 = 25 000 > 20 000: nothing can be hosted: 1.5 + 1.0
    (20_000.0, 0.0, 2.5, [False, False]),
])
def test_budget_is_hard(budget, cost, shortfall, taken):
    out = solve_checked(two_town_instance(budget))
    ev = out.evaluation
    assert ev.cost_cny == pytest.approx(cost, rel=1e-6, abs=1e-6)
    assert ev.shortfall == pytest.approx(shortfall, rel=1e-6, abs=1e-6)
    assert out.plan.taken.tolist() == taken
    if budget is not None:
        assert ev.cost_cny <= budget


def test_enforced_coverage_beyond_the_budget_is_infeasible():
    # demand mode with coverage enforced (hard) but money for one community only: infeasible
    out = solve_instance(two_town_instance(30_000.0, mode="demand", enforce=("coverage",)), EXACT)
    assert out.result.status is SolveStatus.INFEASIBLE
    assert out.plan is None


def test_enforced_coverage_within_budget_is_met():
    out = solve_checked(two_town_instance(60_000.0, mode="demand", enforce=("coverage",)))
    assert out.evaluation.cost_cny == pytest.approx(52_400.0, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


def lexi_instance(budget):
    # 18 infant users (162 m²). S1: cheap (F = 1, V = 1) but 153 m² → 17 users at most.
    # S2: 200 m², F = 1 000 000, V = 1.
    st = settings("infant_care", budget=budget)
    return tiny(communities=[[0, 0]], spaces=near(2), res=residents(r0_2=100), st=st, space_area_m2=[153, 200],
                acquisition_cny=[1, 1_000_000], retrofit_cny_per_m2=1)


def test_no_cost_saving_buys_a_shortfall():
    # shortfall first: only S2 serves all 18 → 1 000 000 + 162 = 1 000 162 (S1 at 154 CNY would
    # leave 1 user short); S1 + S2 would cost more (S2 needs its 150 m² minimum anyway)
    out = solve_checked(lexi_instance(None))
    assert [s.name for s in out.result.stages] == ["shortfall", "cost"]
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)
    assert out.plan.taken.tolist() == [False, True]
    assert out.evaluation.cost_cny == pytest.approx(1_000_162.0, rel=1e-6)


def test_within_a_budget_the_cheap_partial_plan_is_the_optimum():
    # budget 500 000 excludes S2: S1 serves 17 users: shortfall 1/18, cost 1 + 153 = 154
    out = solve_checked(lexi_instance(500_000.0))
    assert out.evaluation.shortfall == pytest.approx(1 / 18, rel=1e-5)
    assert out.evaluation.cost_cny == pytest.approx(154.0, rel=1e-6)


# --------------------------------------------------------------------------- demand and equity (M9)

def elderly_pair(scores, mode, budget=15_000.0):
    # C1: 1000 residents 60-79 → 20 day-care users (age weight 1.3);
    # C2: 250 residents 80+ → 20 day-care users (age weight 1.5). 5 km apart.
    # S1 near C1, S2 near C2, 300 m² each (20 users), F = 10 000, V = 0: the budget buys one.
    st = settings("elderly_day_care", mode=mode, budget=budget)
    res = residents(2, r60_79=[1000, 0], r80_plus=[0, 250])
    return tiny(communities=[[0, 0], [5000, 0]], spaces=[[50, 0], [5050, 0]], res=res, st=st, space_area_m2=300,
                acquisition_cny=10_000, health_score=np.array(scores, float))


@pytest.mark.parametrize("scores, chosen, weighted", [
    # equal priority: C2's older users weigh more: 20 × 1.5 = 30 > 20 × 1.3 = 26
    ((100, 100), 1, 30.0),
    # C1 health score 0 → priority 2: 20 × 1.3 × 2 = 52 > 30
    ((0, 100), 0, 52.0),
])
def test_demand_mode_maximises_weighted_users_within_budget(scores, chosen, weighted):
    out = solve_checked(elderly_pair(scores, "demand"))
    assert [s.name for s in out.result.stages] == ["weighted_served", "shortfall", "cost"]
    assert out.result.stages[0].objective == pytest.approx(weighted, rel=1e-6)
    assert out.plan.taken.tolist() == [k == chosen for k in range(2)]
    assert served(out, chosen, "elderly_day_care") == pytest.approx(20.0, rel=1e-6)
    # the other community is fully short: shortfall = its priority (1.0) × 20/20
    assert out.evaluation.shortfall == pytest.approx(1.0, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(10_000.0, rel=1e-6)


def shared_space_pair(mode):
    # C1: 20 day-care users (priority 2), C2: 10 (priority 1); one 300 m² space (20 users) within
    # 10 min of both; F = 1 000, V = 10.
    st = settings("elderly_day_care", mode=mode)
    return tiny(communities=[[0, 0], [200, 0]], spaces=[[100, 0]], res=residents(2, r60_79=[1000, 500]), st=st,
                space_area_m2=[300], acquisition_cny=1_000, retrofit_cny_per_m2=10,
                health_score=np.array([0.0, 100.0]))


def test_equity_mode_maximises_the_worst_coverage():
    # max z with 20 z + 10 z ≤ 20 → z = 2/3: C1 13.33, C2 6.67 users; then weighted served
    # 13.33 × 2.6 + 6.67 × 1.3 = 43.33; cost 1 000 + 300 × 10 = 4 000
    out = solve_checked(shared_space_pair("equity"))
    assert [s.name for s in out.result.stages] == ["min_coverage", "weighted_served", "shortfall", "cost"]
    assert out.evaluation.min_coverage == pytest.approx(2 / 3, rel=1e-6)
    assert served(out, 0, "elderly_day_care") == pytest.approx(40 / 3, rel=1e-5)
    assert served(out, 1, "elderly_day_care") == pytest.approx(20 / 3, rel=1e-5)
    assert out.result.stages[1].objective == pytest.approx(40 / 3 * 2.6 + 20 / 3 * 1.3, rel=1e-6)
    assert out.evaluation.cost_cny == pytest.approx(4_000.0, rel=1e-6)


def test_demand_mode_gives_the_space_to_the_higher_weight():
    # same instance, demand mode: all 20 places to C1 (weight 2.6 > 1.3): 52, worst coverage 0
    out = solve_checked(shared_space_pair("demand"))
    assert out.result.stages[0].objective == pytest.approx(52.0, rel=1e-6)
    assert served(out, 0, "elderly_day_care") == pytest.approx(20.0, rel=1e-6)
    assert out.evaluation.min_coverage == pytest.approx(0.0, abs=1e-6)


# --------------------------------------------------------------------------- co-location (M10)

def coloc_instance(bonus, floors=(1, 1), v=(10.0, 10.0)):
    # 1000 residents 60-79: day care 20 users (300 m²), health station 25 users (100 m² → 150 min).
    st = settings("elderly_day_care", "health_station", bonus=bonus)
    return tiny(communities=[[0, 0]], spaces=[[50, 0], [0, 50]], res=residents(r60_79=1000), st=st,
                space_area_m2=[1000, 1000], space_floor=list(floors), retrofit_cny_per_m2=list(v))


def test_colocation_bonus_breaks_a_tie():
    # both spaces cost the same per m²: any split costs 450 × 10 = 4 500; with a scenario bonus
    # of 1 per pair both services go into one space: objective 4 500 − 1 = 4 499
    out = solve_checked(coloc_instance(1.0))
    assert out.instance.colocation_bonus == 1.0
    ev = out.evaluation
    assert ev.colocated_pairs == 1
    assert any(hosted_services(out, j) == {"elderly_day_care", "health_station"} for j in range(2))
    assert ev.cost_cny == pytest.approx(4_500.0, rel=1e-6)
    assert ev.objectives["cost"] == pytest.approx(4_499.0, rel=1e-6)


def test_colocation_bonus_weight_from_the_scenario_can_outweigh_cost():
    # day care only on floor 3 in S1 (health station not allowed there) or in S2 at V = 10.001;
    # co-locating in S2 costs 0.3 CNY more; a scenario weight of 100 per pair buys it
    out = solve_checked(coloc_instance(100.0, floors=(3, 1), v=(10.0, 10.001)))
    assert out.evaluation.colocated_pairs == 1
    # (rel 1e-6: the cost stage may move the shortfall within its lexicographic tolerance)
    assert out.evaluation.cost_cny == pytest.approx(450 * 10.001, rel=1e-6)


def test_default_colocation_bonus_never_outweighs_cost():
    # separate: day care in S1 (300 × 10 = 3 000) + health in S2 (150 × 10.001 = 1 500.15) = 4 500.15
    # co-located in S2: 450 × 10.001 = 4 500.45 (0.30 CNY dearer) → separate is the optimum
    out = solve_checked(coloc_instance(None, floors=(3, 1), v=(10.0, 10.001)))
    assert out.evaluation.cost_cny == pytest.approx(4_500.15, rel=1e-6)
    assert out.evaluation.colocated_pairs == 0


# --------------------------------------------------------------------------- required / forbidden

def status_instance(**kw):
    # S1 F = 1 000, S2 F = 5 000 (both next to C1), S3 F = 700 far away (cannot serve C1).
    # 18 infant users → 162 m² at 100 CNY/m²
    status = kw.pop("status", "candidate")
    st = settings("infant_care", **kw)
    return tiny(communities=[[0, 0]], spaces=[[50, 0], [0, 50], [5000, 0]], res=residents(r0_2=100), st=st,
                space_area_m2=200, acquisition_cny=[1_000, 5_000, 700], retrofit_cny_per_m2=100,
                space_status=np.array(status))


@pytest.mark.parametrize("kw, taken, cost", [
    ({}, [True, False, False], 17_200.0),
    # status column: S1 forbidden → S2: 5 000 + 16 200
    ({"status": ["forbidden", "candidate", "candidate"]}, [False, True, False], 21_200.0),
    # status column: S3 required → taken and paid although useless: 17 200 + 700
    ({"status": ["candidate", "candidate", "required"]}, [True, False, True], 17_900.0),
    # scenario: S3 locked, S1 forbidden → 5 000 + 16 200 + 700
    ({"locked": ["S3"], "forbidden": ["S1"]}, [False, True, True], 21_900.0),
    ({"locked": ["S2"]}, [False, True, False], 21_200.0),
    ({"forbidden": ["S1"]}, [False, True, False], 21_200.0),
])
def test_required_and_forbidden_spaces(kw, taken, cost):
    # solved as one program (the decomposition is tested below and in test_property.py)
    out = solve_checked(status_instance(**kw), decompose=False)
    assert out.plan.taken.tolist() == taken
    assert out.evaluation.cost_cny == pytest.approx(cost, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("kw, taken, cost", [
    ({}, [True, False, False], 17_200.0),
    ({"status": ["forbidden", "candidate", "candidate"]}, [False, True, False], 21_200.0),
    ({"status": ["candidate", "candidate", "required"]}, [True, False, True], 17_900.0),
    ({"locked": ["S3"], "forbidden": ["S1"]}, [False, True, True], 21_900.0),
    ({"locked": ["S2"]}, [False, True, False], 21_200.0),
    ({"forbidden": ["S1"]}, [False, True, False], 21_200.0),
    ({"forbidden": ["S3"]}, [True, False, False], 17_200.0),
])
def test_required_and_forbidden_spaces_decomposed(kw, taken, cost):
    # S3 is 5 km from C1, reached by no community: solve_instance splits it off (no budget,
    # standards mode); a locked / forbidden id outside C1's part must still work
    out = solve_checked(status_instance(**kw))
    assert out.plan.taken.tolist() == taken
    assert out.evaluation.cost_cny == pytest.approx(cost, rel=1e-6)
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-6)


def test_locked_space_over_the_budget_is_infeasible():
    out = solve_instance(status_instance(locked=["S2"], budget=4_000.0), EXACT)
    assert out.result.status is SolveStatus.INFEASIBLE
