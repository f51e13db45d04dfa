"""Budget-coupled parts (siting.solve.coordinate): a hand-worked choice, and the bound's validity
against the exact whole program on random instances."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import EXACT, assert_objectives_recomputed, residents, tiny
from conftest import settings as tiny_settings
from siting.core.instance import Instance
from siting.core.results import SolveStatus
from siting.core.settings import ObjectiveSettings, PlanningSettings
from siting.solve import solve_instance
from siting.solve.decompose import split

ALWAYS = EXACT.model_copy(update={"coordinate": "always", "threads": 2})
# the property test judges the bound and the plan against the exact optimum, which holds at any
# gap: a short limit and a small gap keep each example to a few seconds
QUICK = ALWAYS.model_copy(update={"time_limit_s": 6.0, "relative_gap": 1e-4})


def far_apart(budget: float, mode: str = "demand") -> Instance:
    """Three communities 5 km apart (three parts), each with one 300 m² space 100 m away at
    100,000 CNY; reading rooms only: community 1 has 3,000 adults (15 users), 2 has 1,000 (5),
    3 has 2,000 (10). A budget of 250,000 CNY buys two spaces: those of communities 1 and 3."""
    st = tiny_settings("reading_room", mode=mode, budget=budget)
    return tiny(communities=[[0, 0], [5000, 0], [10000, 0]], spaces=[[100, 0], [5100, 0], [10100, 0]],
                res=residents(3, r18_59=[3000, 1000, 2000]), st=st, space_area_m2=300.0, acquisition_cny=100_000.0)


def test_budget_buys_the_two_spaces_serving_most():
    out = solve_instance(far_apart(250_000), ALWAYS)
    assert out.parts == 3
    assert [s.solver for s in out.result.stages] == ["coordinated"] * 3
    assert out.plan.taken.tolist() == [True, False, True]
    assert out.evaluation.feasible and out.evaluation.cost_cny <= 250_000
    served = out.result.stages[0]
    assert served.objective == pytest.approx(out.evaluation.weighted_served)
    # the bound is an upper bound of the most served (a maximisation) and says where it comes from
    assert served.bound >= served.objective - 1e-6
    assert served.bound_source.startswith(("Lagrangian dual", "LP relaxation"))
    assert_objectives_recomputed(out)
    whole = solve_instance(far_apart(250_000), EXACT, decompose=False)
    for a, b in zip(out.result.stages, whole.result.stages):
        assert a.objective == pytest.approx(b.objective, rel=1e-6, abs=1e-6), a.name


def test_auto_solves_small_programs_whole_and_never_is_respected():
    small = solve_instance(far_apart(250_000), EXACT)  # auto: 6 integers, far below the threshold
    assert all(s.solver != "coordinated" for s in small.result.stages)
    never = solve_instance(far_apart(250_000), EXACT.model_copy(update={"coordinate": "never"}))
    assert all(s.solver != "coordinated" for s in never.result.stages)


def test_a_budget_below_the_required_spaces_is_infeasible_not_a_crash():
    inst = tiny(communities=[[0, 0], [5000, 0]], spaces=[[100, 0], [5100, 0]], res=residents(2, r18_59=1000),
                st=tiny_settings("reading_room", mode="demand", budget=50_000), space_area_m2=300.0,
                acquisition_cny=100_000.0, space_status="required")
    out = solve_instance(inst, ALWAYS)
    assert out.result.status is SolveStatus.INFEASIBLE and out.plan is None


@st.composite
def budgeted(draw) -> Instance:
    """2–4 communities spread over 4 km (usually several parts), 2–6 spaces, a budget."""
    nc, ns = draw(st.integers(2, 4)), draw(st.integers(2, 6))
    coord = st.floats(0, 4000, allow_nan=False).map(lambda v: round(v, 1))
    xy = lambda n: np.array(draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n)))  # noqa: E731
    res = np.array(draw(st.lists(st.lists(st.integers(0, 800), min_size=7, max_size=7), min_size=nc, max_size=nc)),
                   float)
    money = lambda hi, n: np.array(draw(st.lists(st.floats(0, hi).map(round), min_size=n, max_size=n)))  # noqa: E731
    mode = draw(st.sampled_from(["standards", "demand"]))
    budget = draw(st.floats(50_000, 3_000_000).map(round))
    ps = PlanningSettings(budget_cny=budget, objective=ObjectiveSettings(mode=mode),
                          standard_overrides={"hub": {"required": draw(st.booleans())}})
    return Instance.from_arrays(
        community_xy=xy(nc), households=np.array(draw(st.lists(st.integers(0, 2000), min_size=nc, max_size=nc)), float),
        residents=res, space_xy=xy(ns),
        space_area_m2=np.array(draw(st.lists(st.floats(80, 1500).map(round), min_size=ns, max_size=ns))),
        acquisition_cny=money(500_000, ns), retrofit_cny_per_m2=money(2_000, ns), settings=ps, name="budgeted")


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budgeted())
def test_coordinated_bound_and_plan_against_the_exact_whole_program(inst):
    assume(len(split(inst)) > 1)  # one part: nothing to coordinate, the whole program is solved
    exact = solve_instance(inst, EXACT, decompose=False)
    out = solve_instance(inst, QUICK)
    if exact.result.status is SolveStatus.INFEASIBLE:
        assert out.plan is None
        return
    # the reference must be proven to judge against it (the whole program's later stages can fail
    # on tolerances: reported in the reliability issue)
    assume(exact.result.status is SolveStatus.OPTIMAL)
    assert out.plan is not None and out.evaluation.feasible, [str(v) for v in out.evaluation.violations]
    assert_objectives_recomputed(out)
    first, best = out.result.stages[0], exact.result.stages[0]
    tol = 1e-6 * max(1.0, abs(best.objective))
    if inst.settings.objective.mode == "demand":  # maximise: plan ≤ optimum ≤ bound
        assert first.objective <= best.objective + tol
        assert first.bound is None or first.bound >= best.objective - tol
    else:  # minimise: bound ≤ optimum ≤ plan
        assert first.objective >= best.objective - tol
        assert first.bound is None or first.bound <= best.objective + tol


def test_every_budget_row_is_a_coupling_row():
    # yearly budgets (phasing) will be several rows of the model's budget block: each becomes a
    # coupling function after the stage objectives, objectives turned into minimisations
    from siting.solve.coordinate import coupling_functions
    from siting.solvers import LinearProgramBuilder

    b = LinearProgramBuilder("years")
    x = b.add_binaries("x", 3)
    b.add_constraints("budget", 2, np.array([0, 0, 1, 1]), x[[0, 1, 1, 2]], np.array([5.0, 7.0, 2.0, 3.0]),
                      ub=np.array([10.0, 4.0]))
    b.add_objective("served", "max", x, np.array([1.0, 2.0, 3.0]))
    b.add_objective("cost", "min", x, np.array([4.0, 5.0, 6.0]))
    F, f0 = coupling_functions(b.build())
    assert F.toarray().tolist() == [[-1, -2, -3], [4, 5, 6], [5, 7, 0], [0, 2, 3]]
    assert f0.tolist() == [0, 0, 0, 0]


def test_a_stage_with_neither_lp_nor_pricing_bound_reports_the_box_bound(monkeypatch):
    """When the LP relaxation and some part's pricing MIP both give nothing (no time left), each
    stage still has a bound: the box relaxation of the whole program, named as such."""
    import siting.solve.coordinate as co
    from siting.model import build_model

    real_price = co._price

    def without_bound(*args, **kwargs):
        added, _, spent = real_price(*args, **kwargs)
        return added, None, spent

    monkeypatch.setattr(co, "lp_relaxation", lambda *a, **k: None)
    monkeypatch.setattr(co, "_price", without_bound)
    inst = far_apart(250_000)
    out = solve_instance(inst, ALWAYS)
    assert out.plan is not None and out.evaluation.feasible
    whole = build_model(inst).lp
    for st, obj in zip(out.result.stages, whole.objectives):
        assert st.bound_source.startswith("bounds of the variables"), st.name
        box = whole.box_bound(obj)
        assert st.bound == pytest.approx(max(box, st.objective) if obj.sense == "max" else min(box, st.objective))
    served = out.result.stages[0]
    assert served.bound >= served.objective - 1e-9 and served.bound > 0


def enforced(budget: float) -> Instance:
    """:func:`far_apart` with households (area standards of 240, 180 and 270 m², each met by its own
    300 m² space) and the area standard enforced: the parts' null plans break it."""
    st = tiny_settings("reading_room", mode="demand", budget=budget, enforce=["area"])
    return tiny(communities=[[0, 0], [5000, 0], [10000, 0]], spaces=[[100, 0], [5100, 0], [10100, 0]],
                res=residents(3, r18_59=[3000, 1000, 2000]), st=st, households=[400.0, 300.0, 450.0],
                space_area_m2=300.0, acquisition_cny=100_000.0)


def test_each_parts_first_column_meets_its_rows_when_a_standard_is_enforced():
    import time

    from siting.solve.columns import first_columns, part_program

    progs = [part_program(p) for p in split(enforced(350_000))]
    assert len(progs) == 3
    assert not any(pp.lp.satisfies(pp.lp.hint) for pp in progs)  # the null plans break the enforced standard
    first = first_columns(progs, np.array([350_000.0]), ALWAYS, 2, time.perf_counter() + 60)
    assert first.cols is not None and all(len(c) == 1 for c in first.cols)
    for pp, (col,) in zip(progs, first.cols):
        assert pp.lp.satisfies(col.x)
        assert col.g[-1] == pytest.approx(100_000.0)  # the cheapest plan that meets it: its one space


def test_a_budget_that_fits_an_enforced_standard_gives_a_coordinated_plan_the_checker_accepts():
    out = solve_instance(enforced(350_000), ALWAYS)
    assert out.parts == 3 and [s.solver for s in out.result.stages] == ["coordinated"] * 3
    assert out.plan.taken.tolist() == [True, True, True] and out.evaluation.feasible
    assert_objectives_recomputed(out)


def test_an_enforced_standard_over_the_budget_is_reported_by_the_coordinator():
    from siting.solve.coordinate import NO_PLAN_ENFORCED

    out = solve_instance(enforced(250_000), ALWAYS)
    assert out.result.status is SolveStatus.INFEASIBLE and out.plan is None
    assert out.parts == 3  # said by the parts, not by the whole program (the safety net)
    assert out.result.message.startswith(NO_PLAN_ENFORCED)
    assert "300,000 CNY" in out.result.message and "250,000 CNY" in out.result.message
    whole = solve_instance(enforced(250_000), EXACT, decompose=False)
    assert whole.result.status is SolveStatus.INFEASIBLE  # the whole program agrees


@pytest.mark.parametrize("workers", [1, 2])
def test_a_pricing_pass_fits_its_time_even_when_every_part_uses_its_whole_limit(monkeypatch, workers):
    """``_price``'s limit is the pass's: each part, when it starts, gets the time left in
    proportion to its size among the parts not yet started. On one thread, with a clock that
    every part solve advances by its full limit (the worst case), the largest part is solved
    first and the pass ends by its limit; on two, the largest part gets its share of both
    threads' time. Before, every part got the whole limit (23 parts on two threads took 38.7 s
    of a 19.9 s pass on the phased demo)."""
    import threading

    import siting.solve.coordinate as co
    from siting.solve.columns import first_columns, part_program

    inst = tiny(communities=[[0, 0], [5000, 0], [10000, 0], [15000, 0]],
                spaces=[[100, 0], [5100, 0], [5200, 0], [10100, 0], [10200, 0], [10300, 0], [15100, 0]],
                res=residents(4, r18_59=[3000, 1000, 2000, 500]),
                st=tiny_settings("reading_room", mode="demand", budget=250_000), space_area_m2=300.0,
                acquisition_cny=100_000.0)
    progs = [part_program(p) for p in split(inst)]
    cols = first_columns(progs, np.array([250_000.0]), ALWAYS, 1, 1e18).cols
    assert cols is not None
    sizes = [int(pp.lp.integer.sum()) for pp in progs]
    assert len(set(sizes)) > 1  # parts of different sizes

    class Clock:
        now = 0.0
        lock = threading.Lock()

        def perf_counter(self) -> float:
            return self.now

    clock = Clock()
    real_solve = co.solve
    calls: list[tuple[int, float]] = []  # (integers, limit)

    def full_limit(lp, options):
        out = real_solve(lp, options.model_copy(update={"time_limit_s": 5.0}))
        with clock.lock:
            calls.append((int(lp.integer.sum()), options.time_limit_s))
            if workers == 1:
                clock.now += options.time_limit_s  # the worst case: every part uses all of its limit
        return out

    monkeypatch.setattr(co, "time", clock)
    monkeypatch.setattr(co, "solve", full_limit)
    wall = ALWAYS.model_copy(update={"deterministic": False, "threads": 1})
    limit_s = 12.0
    _, lb, _ = co._price(progs, cols, 0, [3], np.array([1e-5]), None, wall, workers, limit_s)
    assert lb is not None
    assert len(calls) == len(progs)
    assert all(0.5 <= c[1] <= limit_s for c in calls)
    if workers == 1:
        assert calls[0][0] == max(sizes)  # largest first
        # one after the other, each using all of its limit: the pass ends by its limit
        assert sum(c[1] for c in calls) <= limit_s + 1e-6
    else:
        # two threads (the clock stands still): the largest part gets at least its share of the
        # time of both threads (more if the other thread's part took its share first)
        largest = next(c for c in calls if c[0] == max(sizes))
        assert largest[1] >= min(limit_s, limit_s * workers * max(sizes) / sum(sizes)) - 1e-9
        assert sum(c[1] for c in calls) > limit_s  # not one limit split: both threads' time


def two_priorities(budget: float = 500_000.0) -> Instance:
    """Two communities 5 km apart (two parts), 150 reading-room users each (30,000 adults at 5 per
    1,000), each with a 1,000 m² space 100 m away that costs only its retrofit, 1,000 CNY a m²
    (3 m² a user, at least 60 m² once hosted). Community 2's health score 0 doubles its priority
    (1 + (100 − 0) ÷ 100) against community 1's score 100. 500,000 CNY buy 500 m²."""
    st = tiny_settings("reading_room", mode="demand", budget=budget)
    return tiny(communities=[[0, 0], [5000, 0]], spaces=[[100, 0], [5100, 0]], res=residents(2, r18_59=30_000),
                st=st, health_score=[100.0, 0.0], space_area_m2=1000.0, acquisition_cny=0.0, rent_cny_per_year=0.0,
                retrofit_cny_per_m2=1000.0, operating_cny_per_m2_year=0.0)


def test_the_joint_completion_moves_floor_area_between_parts_within_the_budget():
    """Hand-worked: from each part's best plan within half the budget (250 m² each: both spaces
    open, both hosting the reading room), the designs fixed, the most weighted users served is
    with community 1 at its 60 m² minimum and community 2 at 440 m²: 2 × 440/3 + 60/3 users'
    weight against (2 + 1) × 250/3 before (the whole program's optimum too). Neither part alone
    can reach it: each holds only its half of the budget."""
    import dataclasses

    from siting.solve.columns import Column, part_program, polished, with_rows
    from siting.solve.joint import joint_completion
    from siting.solvers import solve
    from siting.solvers.program import Objective

    inst = two_priorities()
    parts = split(inst)
    assert len(parts) == 2
    progs = [part_program(p) for p in parts]
    K = len(progs[0].lp.objectives)
    rows, rhs = [K], np.array([500_000.0])
    cols = []
    reading = inst.service_ids.index("reading_room")
    for pp in progs:
        c0 = np.asarray(pp.F[0].todense()).ravel()
        half = with_rows(pp.lp, pp.F[rows], np.array([250_000.0]) - pp.f0[rows])
        # the design: the space open, hosting the reading room only (a service of its time-share
        # group hosted beside it at no cost would hold the space at that service's 80 m² minimum)
        lb, ub = half.lb.copy(), half.ub.copy()
        host = pp.model.variables["host"]
        lb[pp.model.variables["open"]] = 1.0
        ub[host] = lb[host] = (pp.model.index.host_service == reading).astype(float)
        half = dataclasses.replace(half, lb=lb, ub=ub)
        out = solve(dataclasses.replace(half, objectives=(Objective("s", "min", c0, float(pp.f0[0])),)), EXACT)
        x = polished(pp, out.values, c0, rows, np.array([250_000.0]))
        cols.append([Column(x, pp.figures(x))])
    w = [float(inst.served_weight[c, reading]) for c in range(2)]
    start = -sum(col[0].g[0] for col in cols)
    assert start == pytest.approx((w[0] + w[1]) * 250 / 3)  # both at 250 m²: 83.3 users each
    done = joint_completion(progs, cols, [0, 0], 0, rows, rhs, EXACT, 30.0)
    assert done.improved
    g = np.array([cols[p][c].g for p, c in enumerate(done.chosen)])
    assert -g[:, 0].sum() == pytest.approx(w[1] * 440 / 3 + w[0] * 60 / 3, rel=1e-6)
    assert g[:, K].sum() <= 500_000.0 * (1 + 1e-9)
    for pp, p, c in zip(progs, range(2), done.chosen):
        assert pp.lp.satisfies(cols[p][c].x)  # each part's new plan meets its own rows
    whole = solve_instance(inst, EXACT, decompose=False)
    assert whole.result.stages[0].objective == pytest.approx(-g[:, 0].sum(), rel=1e-6)
