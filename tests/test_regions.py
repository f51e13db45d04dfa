"""A large part solved as geographic regions (siting.solve.regions): a plan of the part that the
checker accepts, stage figures on the part's own objectives, and a bound from the part's LP
relaxation that never exceeds the part's proven optimum."""

from __future__ import annotations

import time

import numpy as np
import pytest

from conftest import assert_objectives_recomputed
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.demo import demo_instance, demo_scenario
from siting.solve import regions, solve_instance
from siting.solve.decompose import split


@pytest.fixture(scope="module")
def demo_part():
    """A reach component of the demo district (14 communities, 71 spaces)."""
    parts = split(demo_instance(seed=2024, scenario=demo_scenario()))
    return parts[1].instance


@pytest.fixture
def small_regions(monkeypatch):
    """Regions for parts of at least 10 communities, about 5 communities each."""
    monkeypatch.setattr(regions, "REGION_MIN_COMMUNITIES", 10)
    monkeypatch.setattr(regions, "REGION_COMMUNITIES", 5)


OPTS = SolverOptions(backend="auto", relative_gap=0.0, time_limit_s=60, threads=1, deterministic=True)


def test_region_labels_keep_each_space_with_its_nearest_reaching_community(demo_part):
    com, space = regions.region_labels(demo_part, 3)
    assert sorted(set(com.tolist())) == [0, 1, 2]
    r = demo_part.reach
    for j in range(demo_part.n_spaces):
        mine = np.flatnonzero(r.space == j)
        if mine.size == 0:
            assert space[j] == -1
            continue
        nearest = mine[np.argmin(r.walk_min[mine])]
        ties = mine[r.walk_min[mine] == r.walk_min[nearest]]
        assert space[j] == com[r.community[ties].min()]
    narrow = regions.restricted(demo_part, com, space)
    q = narrow.reach
    assert 0 < q.n_pairs < r.n_pairs
    assert np.all(com[q.community] == space[q.space])  # only pairs inside a region
    # every space any community reached is still reached (by its nearest community at least)
    assert set(q.space.tolist()) == set(r.space.tolist())
    # the kept pairs are pairs of the part, with their walking times
    whole = {(int(c), int(j)): float(w) for c, j, w in zip(r.community, r.space, r.walk_min)}
    assert all(whole[(int(c), int(j))] == float(w) for c, j, w in zip(q.community, q.space, q.walk_min))


def test_a_large_part_solved_as_regions_is_checked_and_bounded_by_its_lp(demo_part, small_regions):
    whole = solve_instance(demo_part, OPTS.model_copy(update={"regions": "never"}))
    assert whole.result.stages[0].status is SolveStatus.OPTIMAL
    best = whole.result.stages[0].objective
    out = solve_instance(demo_part, OPTS.model_copy(update={"time_limit_s": 120}))
    assert "regions" in out.result.message, out.result.message
    assert out.evaluation is not None and out.evaluation.violations == ()
    assert_objectives_recomputed(out)
    first = out.result.stages[0]
    assert first.solver.startswith("regions")
    assert first.bound_source.startswith(regions.LP_BOUND_SOURCE)
    # a heuristic plan of the part: never better than its proven optimum, and the LP bound never above it
    assert first.objective >= best - 1e-6
    assert first.bound <= best + 1e-6
    assert first.bound <= first.objective
    cost = out.result.stages[1]
    assert cost.bound is not None and cost.bound <= cost.objective + 1e-6
    assert cost.bound_source.startswith((regions.LP_BOUND_SOURCE, "bounds of the variables"))
    # "optimal" only where the bound proves it
    for st in out.result.stages:
        assert (st.status is SolveStatus.OPTIMAL) == (st.gap is not None and st.gap <= OPTS.relative_gap)


def test_the_seams_are_reoptimised_on_the_whole_part(demo_part, small_regions):
    """The merged regions' plan, with its design fixed in the part's own program, serves and
    attributes across the seams too: never worse than the merged plan in the first stage."""
    from siting.analysis.evaluate import evaluate
    from siting.model import build_model
    from siting.model.solution import design_values
    from siting.solve.decompose import merge_plans

    com, space = regions.region_labels(demo_part, 3)
    narrow = regions.restricted(demo_part, com, space)
    parts = split(narrow)
    plans, _ = regions._solve_each(parts, OPTS, time.perf_counter() + 60)
    merged = merge_plans(narrow, parts, plans)
    before = evaluate(demo_part, merged)
    assert before.feasible
    model = build_model(demo_part)
    fixed = regions._reoptimised(model, merged, OPTS, 30.0)
    assert fixed.stages[0].objective <= before.shortfall + 1e-6
    # the design is the merged plan's
    x = design_values(model, merged)
    assert np.array_equal(np.round(fixed.values[model.lp.integer]), x[model.lp.integer])


def test_regions_that_find_no_plan_leave_the_part_to_the_whole_solve(demo_part, small_regions, monkeypatch):
    monkeypatch.setattr(regions, "_solve_each", lambda parts, options, until: ([None] * len(parts), 0.0))
    out = solve_instance(demo_part, OPTS.model_copy(update={"time_limit_s": 30}))
    assert "regions" not in out.result.message
    assert not any(st.solver.startswith("regions") for st in out.result.stages)
    assert out.evaluation is not None and out.evaluation.violations == ()


def test_regions_never_and_small_parts_are_solved_whole(demo_part):
    assert not regions.wants_regions(demo_part, OPTS)  # 14 communities: below the default threshold
    assert not regions.wants_regions(demo_part, OPTS.model_copy(update={"regions": "never"}))


def test_a_budget_or_the_equity_mode_keeps_a_large_program_whole(demo_part, small_regions):
    """Regions are independent only without a budget and in a mode whose stages are sums: the
    demo district with a budget, or in equity mode, is never split into regions."""
    import dataclasses

    assert regions.wants_regions(demo_part, OPTS)
    for update in ({"budget_cny": 1e8}, {"objective": demo_part.settings.objective.model_copy(
            update={"mode": "equity"})}):
        other = dataclasses.replace(demo_part, settings=demo_part.settings.model_copy(update=update))
        assert not regions.wants_regions(other, OPTS), update


def test_the_whole_solve_after_failed_regions_gets_only_the_time_they_left(demo_part, small_regions, monkeypatch):
    """Regions that spend 2 s and find no plan leave the whole-part solve the share minus those
    2 s, not the share again (the part would overrun its time)."""
    from siting.solve import schedule

    def slow_nothing(parts, options, until):
        time.sleep(2.0)
        return [None] * len(parts), 0.0

    limits: list[float] = []
    real_solve = schedule.solve

    def spy(lp, options, *args, **kwargs):
        limits.append(options.time_limit_s)
        return real_solve(lp, options, *args, **kwargs)

    monkeypatch.setattr(regions, "_solve_each", slow_nothing)
    monkeypatch.setattr(schedule, "solve", spy)
    share = 30.0
    out = schedule._solve_one(demo_part, OPTS.model_copy(update={"time_limit_s": share}), None)
    assert out.plan is not None
    assert limits and limits[0] <= share - 2.0 + 1e-9, limits
    assert limits[0] >= share - 10.0, limits  # the regions' own time only, nothing more taken off
