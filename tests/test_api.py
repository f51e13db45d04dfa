"""The library contract the roadmap builds on: frozen, picklable inputs and results, and a solve
that is a pure function a worker process can run."""

import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from siting import Instance, PlanningSettings, SolverOptions, evaluate, solve_instance
from siting.solvers import SolveStatus


def small_instance(budget=None):
    settings = PlanningSettings(budget_cny=budget, standard_overrides={"hub": {"required": False}})
    return Instance.from_arrays(
        community_xy=[[0, 0], [300, 0]], households=[1000, 800],
        residents=np.full((2, 7), 300.0), space_xy=[[100, 0], [250, 50], [150, 400]],
        space_area_m2=[400.0, 700.0, 300.0], retrofit_cny_per_m2=[1000, 1200, 900],
        operating_cny_per_m2_year=[100, 80, 120], acquisition_cny=[0, 50_000, 0],
    )


def _solve(inst):
    return solve_instance(inst, SolverOptions(time_limit_s=20, relative_gap=0))


def test_instance_and_outcome_pickle_round_trip():
    inst = small_instance()
    back = pickle.loads(pickle.dumps(inst))
    assert back.n_communities == 2 and np.array_equal(back.demand_users, inst.demand_users)
    out = _solve(back)
    assert out.result.status is SolveStatus.OPTIMAL
    again = pickle.loads(pickle.dumps(out))
    assert again.evaluation.cost_cny == out.evaluation.cost_cny
    assert evaluate(inst, again.plan).feasible


def test_solve_in_a_worker_process_matches_in_process():
    inst = small_instance(budget=2.5e6)
    local = _solve(inst)
    with ProcessPoolExecutor(max_workers=1) as pool:
        remote = pool.submit(_solve, inst).result(timeout=120)
    assert remote.result.status is local.result.status is SolveStatus.OPTIMAL
    for a, b in zip(local.result.stages, remote.result.stages):
        assert a.objective == pytest.approx(b.objective, rel=1e-6, abs=1e-6)


def test_settings_are_frozen_values():
    s = PlanningSettings()
    with pytest.raises(Exception):
        s.budget_cny = 1.0  # type: ignore[misc]
    t = s.model_copy(update={"budget_cny": 1e6})
    assert s.budget_cny is None and t.budget_cny == 1e6


def test_decomposed_solve_respects_the_overall_time_limit():
    # many independent parts (one community each, far apart): the per-part minimum share
    # must never push the whole solve past its limit
    import time

    n = 12
    xy = [[i * 10_000.0, 0.0] for i in range(n)]
    inst = Instance.from_arrays(
        community_xy=xy, households=[800] * n, residents=np.full((n, 7), 300.0),
        space_xy=[[x + 100, y] for x, y in xy], space_area_m2=[900.0] * n,
        retrofit_cny_per_m2=1000, operating_cny_per_m2_year=100,
    )
    t0 = time.perf_counter()
    out = solve_instance(inst, SolverOptions(time_limit_s=4, relative_gap=0))
    assert out.parts == n
    assert time.perf_counter() - t0 < 4 + 0.5 * n + 5  # limit + worst-case minimum shares + overhead
    assert out.evaluation is not None and out.evaluation.feasible
