"""How the parts of a decomposed solve share the time (siting.solve.schedule): the stage-first
pass of a many-part instance, the stages a part had no time for, and the regions lane."""

from __future__ import annotations

import numpy as np
import pytest

from siting.analysis.evaluate import evaluate
from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.solve import attempts, regions, schedule, solve_instance
from siting.solve.decompose import split
from test_api import _far_apart

OPTS = SolverOptions(backend="auto", relative_gap=0.0, time_limit_s=60, threads=2, deterministic=True)


def _cluster_and_loners() -> Instance:
    """Four communities 300 m apart along a street sharing its spaces (one part), and two far away."""
    xy = [[300.0 * i, 0.0] for i in range(4)] + [[20_000.0, 0.0], [40_000.0, 0.0]]
    spaces = [[300.0 * i + 150, 80.0] for i in range(4)] + [[300.0 * i + 50, -90.0] for i in range(4)] + [
        [20_100.0, 0.0], [40_100.0, 0.0]]
    n, m = len(xy), len(spaces)
    return Instance.from_arrays(
        community_xy=xy, households=[700 + 90 * i for i in range(n)], residents=np.full((n, 7), 250.0),
        space_xy=spaces, space_area_m2=[500.0, 350.0, 800.0, 300.0, 450.0, 600.0, 250.0, 700.0, 900.0, 900.0][:m],
        retrofit_cny_per_m2=[1000, 800, 1200, 900, 700, 1100, 650, 950, 1000, 1000][:m], operating_cny_per_m2_year=100,
    )


def test_stage_first_pass_reaches_the_same_proven_optimum(monkeypatch):
    calls = []
    real = schedule._solve_one

    def spy(inst, options, progress, hint=None, settled=(), first_only=False):
        calls.append((inst.name, first_only, len(settled)))
        return real(inst, options, progress, hint, settled, first_only)

    inst = _far_apart(4)
    plain = solve_instance(inst, OPTS)
    monkeypatch.setattr(schedule, "STAGE_FIRST_MIN_PARTS", 2)
    monkeypatch.setattr(schedule, "_solve_one", spy)
    staged = solve_instance(inst, OPTS)
    # every part: first its first stage alone, then its later stages from that plan, the first kept
    assert sorted(c for c in calls if c[1]) == sorted((p.instance.name, True, 0) for p in split(inst))
    assert sorted(c for c in calls if not c[1]) == sorted((p.instance.name, False, 1) for p in split(inst))
    assert staged.result.status is SolveStatus.OPTIMAL
    for a, b in zip(plain.result.stages, staged.result.stages):
        assert b.objective == pytest.approx(a.objective, rel=1e-7, abs=1e-6), a.name
    assert staged.evaluation.violations == ()


def test_a_stage_the_time_did_not_reach_is_read_from_the_plan_with_the_box_bound():
    part = split(_far_apart(2))[0].instance
    one = schedule._solve_one(part, OPTS, None, first_only=True)
    assert len(one.result.stages) == 1 and len(one.tolerances) == 2
    full = attempts.filled(part, one)
    cost = full.result.stages[1]
    ev = evaluate(part, full.plan)
    assert cost.objective == pytest.approx(ev.objectives["cost"], rel=1e-9)
    assert cost.status is SolveStatus.FEASIBLE and cost.solver == "start" and cost.time_limit_hit
    assert cost.bound is not None and cost.bound <= cost.objective
    assert cost.bound_source == attempts.BOX_BOUND
    assert full.result.status is SolveStatus.FEASIBLE
    assert attempts.filled(part, full) is full  # nothing missing: unchanged


def test_parts_solved_as_regions_run_on_their_own_thread_beside_the_others(monkeypatch):
    monkeypatch.setattr(regions, "REGION_MIN_COMMUNITIES", 4)
    monkeypatch.setattr(regions, "REGION_COMMUNITIES", 2)
    inst = _cluster_and_loners()
    parts = split(inst)
    assert [p.instance.n_communities for p in parts] == [4, 1, 1]
    lanes = {}
    real = schedule._solve_one

    def spy(sub, options, progress, hint=None, settled=(), first_only=False):
        import threading

        out = real(sub, options, progress, hint, settled, first_only)
        lanes.setdefault(threading.current_thread().name, []).append((sub.n_communities, out.result.message))
        return out

    monkeypatch.setattr(schedule, "_solve_one", spy)
    out = solve_instance(inst, OPTS)
    assert out.evaluation.violations == ()
    by_size = {n: name for name, calls in lanes.items() for n, _ in calls}
    assert by_size[4] != by_size[1]  # the regional part had a thread of its own
    assert any("regions" in msg for calls in lanes.values() for n, msg in calls if n == 4)
    # kept as it is: a part solved as regions is not resumed
    assert all("regions" in s.solver.split("/") for s in out.result.stages)
    whole = solve_instance(inst, OPTS.model_copy(update={"regions": "never"}))
    first, best = out.result.stages[0], whole.result.stages[0]
    assert first.objective >= best.objective - 1e-6 and first.bound <= best.objective + 1e-6
