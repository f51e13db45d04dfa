"""The library contract the roadmap builds on: frozen, picklable inputs and results, and a solve
that is a pure function a worker process can run."""

import dataclasses
import pickle
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from siting import Instance, PlanningSettings, SolverOptions, evaluate, solve_instance
from siting.core.results import SolveStatus


def small_instance(budget=None):
    settings = PlanningSettings(budget_cny=budget, standard_overrides={"hub": {"required": False}})
    return Instance.from_arrays(
        community_xy=[[0, 0], [300, 0]], households=[1000, 800],
        residents=np.full((2, 7), 300.0), space_xy=[[100, 0], [250, 50], [150, 400]],
        space_area_m2=[400.0, 700.0, 300.0], retrofit_cny_per_m2=[1000, 1200, 900],
        operating_cny_per_m2_year=[100, 80, 120], acquisition_cny=[0, 50_000, 0], settings=settings,
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


def _far_apart(n=3):
    xy = [[i * 10_000.0, 0.0] for i in range(n)]
    return Instance.from_arrays(
        community_xy=xy, households=[800 + 150 * i for i in range(n)], residents=np.full((n, 7), 300.0),
        space_xy=[[x + 100, y] for x, y in xy] + [[x - 150, y] for x, y in xy],
        space_area_m2=[900.0] * n + [400.0] * n, retrofit_cny_per_m2=[1000] * n + [700] * n,
        operating_cny_per_m2_year=100,
    )


def test_unproven_parts_are_solved_again_from_their_plan_with_the_time_left(monkeypatch):
    # pass 1 "fails to prove" every part (status downgraded); pass 2 must re-solve exactly
    # those parts, warm-started from their first plan, and keep the proven result
    from siting.solve import schedule

    real = schedule._solve_one
    hints, kept, first_plan = [], [], {}

    def first_pass_unproven(inst, options, progress, hint=None, settled=(), first_only=False):
        out = real(inst, options, progress, hint, settled, first_only)
        hints.append((inst.name, hint))
        kept.append((settled, options.backend))
        if hint is None:
            first_plan[inst.name] = out.result.values
            r = out.result
            last = dataclasses.replace(r.stages[-1], status=SolveStatus.FEASIBLE, bound=None)
            r = dataclasses.replace(r, status=SolveStatus.FEASIBLE, stages=r.stages[:-1] + (last,), bound=None)
            out = dataclasses.replace(out, result=r)
        return out

    monkeypatch.setattr(schedule, "_solve_one", first_pass_unproven)
    inst = _far_apart()
    out = solve_instance(inst, SolverOptions(time_limit_s=30, relative_gap=0))
    assert out.parts == 3
    assert len(hints) == 6 and sum(h is None for _, h in hints) == 3
    # every re-solve starts from its own part's first plan (the parts differ in households)
    assert sorted(name for name, _ in hints[3:]) == sorted(first_plan)
    assert all(np.array_equal(h, first_plan[name]) for name, h in hints[3:])
    # the proven shortfall stage is kept; the cost stage (HiGHS under auto) is retried by SCIP
    assert all([st.name for st in settled] == ["shortfall"] and backend == "scip" for settled, backend in kept[3:])
    assert out.result.status is SolveStatus.OPTIMAL
    assert out.evaluation.feasible
    whole = solve_instance(inst, SolverOptions(time_limit_s=30, relative_gap=0), decompose=False)
    assert out.result.stages[-1].objective == pytest.approx(whole.result.stages[-1].objective, rel=1e-6)


@pytest.mark.parametrize("relative_gap, resumed", [(0.01, False), (0.002, True)])
def test_no_resume_once_the_merged_result_is_proven_within_the_gap(monkeypatch, relative_gap, resumed):
    # pass 1 leaves one part's cost stage 2 % from its bound (the others proven exactly): the
    # whole is then within 2 % × that part's share of the cost; a resume pass runs only when
    # that is above the relative gap
    from siting.solve import schedule

    real = schedule._solve_one
    calls = []

    def one_part_unproven(inst, options, progress, hint=None, settled=(), first_only=False):
        out = real(inst, options, progress, hint, settled, first_only)
        calls.append(inst.name)
        if len(calls) == 1:  # the first part solved (the largest)
            r = out.result
            last = r.stages[-1]
            last = dataclasses.replace(last, status=SolveStatus.FEASIBLE, bound=0.98 * last.objective)
            r = dataclasses.replace(r, status=SolveStatus.FEASIBLE, stages=r.stages[:-1] + (last,), bound=last.bound)
            out = dataclasses.replace(out, result=r)
        return out

    monkeypatch.setattr(schedule, "_solve_one", one_part_unproven)
    out = solve_instance(_far_apart(), SolverOptions(time_limit_s=30, relative_gap=relative_gap, threads=1))
    assert out.parts == 3
    cost = out.result.stages[-1]
    assert len(calls) == (4 if resumed else 3)
    if not resumed:
        # the merged verdict: proven within the gap although one part alone is not
        assert 0 < cost.gap <= relative_gap and cost.status is SolveStatus.OPTIMAL
    assert out.evaluation.feasible


def test_better_attempt_is_chosen_lexicographically():
    from siting.core.results import SolveResult, StageResult
    from siting.solve import PartSolution, StageTolerance, best_of

    def attempt(shortfall, cost, bound):
        st = (StageResult("shortfall", SolveStatus.OPTIMAL, shortfall, shortfall, 1.0),
              StageResult("cost", SolveStatus.FEASIBLE, cost, bound, 1.0))
        r = SolveResult(SolveStatus.FEASIBLE, "auto", cost, bound, 2.0, None, st)
        return PartSolution(r, None, 0.0, {}, ("shortfall", "cost"),
                            (StageTolerance("min", 1e-7, 1e-7), StageTolerance("min", 1e-6, 1e-6)))

    old, cheaper = attempt(1.0, 100.0, 90.0), attempt(1.0, 95.0, 80.0)
    # same shortfall: the cheaper plan wins and keeps the better (higher) of the two bounds
    best = best_of(old, cheaper, 0.0)
    assert best.result.objective == 95.0 and best.result.stages[-1].bound == 90.0
    # the bound proves the plan within the gap: the stage becomes optimal
    assert best_of(old, attempt(1.0, 90.5, 80.0), 0.01).result.status is SolveStatus.OPTIMAL
    # a larger shortfall is never bought by a cost saving
    assert best_of(old, attempt(1.1, 50.0, 40.0), 0.0) is old
    # within the lexicographic tolerance the shortfalls tie and cost decides
    assert best_of(old, attempt(1.0 + 1.5e-7, 95.0, 80.0), 0.0).result.objective == 95.0
    # an attempt that stopped before the cost stage never replaces a complete one
    partial = attempt(1.0, 95.0, 80.0)
    r = partial.result
    cut = dataclasses.replace(r, stages=r.stages[:1], objective=1.0, bound=1.0)
    assert best_of(old, dataclasses.replace(partial, result=cut), 0.0) is old


def test_better_attempt_on_maximised_stages():
    from siting.core.results import SolveResult, StageResult
    from siting.solve import PartSolution, StageTolerance, best_of

    def attempt(served, min_cov, bound):
        st = (StageResult("weighted_served", SolveStatus.OPTIMAL, served, served, 1.0, "scip", served),
              StageResult("min_coverage", SolveStatus.FEASIBLE, min_cov, bound, 1.0))
        r = SolveResult(SolveStatus.FEASIBLE, "auto", min_cov, bound, 2.0, None, st)
        return PartSolution(r, None, 0.0, {}, ("weighted_served", "min_coverage"),
                            (StageTolerance("max", 1e-6, 1e-7), StageTolerance("max", 1e-7, 1e-7)))

    old = attempt(100.0, 0.5, 0.9)
    # more served wins whatever the later stage says
    assert best_of(old, attempt(101.0, 0.1, 0.2), 0.0).result.stages[0].objective == 101.0
    assert best_of(old, attempt(99.0, 0.9, 0.9), 0.0) is old
    # equal earlier stages: higher coverage wins and keeps the tighter (lower) upper bound
    best = best_of(old, attempt(100.0, 0.6, 0.95), 0.0)
    assert best.result.objective == 0.6 and best.result.stages[-1].bound == 0.9


def test_a_resolve_keeps_proven_stages_and_switches_engine_under_auto():
    from siting.core.results import SolveResult, StageResult
    from siting.solve.attempts import resume_from as _resume_from

    def result(stages):
        return SolveResult(SolveStatus.FEASIBLE, "auto", None, None, 1.0, None, tuple(stages))

    proven = StageResult("shortfall", SolveStatus.OPTIMAL, 1.0, 1.0, 1.0, "scip", 1.0)
    open_cost = StageResult("cost", SolveStatus.FEASIBLE, 10.0, 5.0, 1.0, "highs", None)
    again = _resume_from(result([proven, open_cost]), SolverOptions(backend="auto"))
    assert again.settled == (proven,) and again.options.backend == "scip"
    # an unproven first stage is retried whole, with the other engine
    loose = StageResult("shortfall", SolveStatus.FEASIBLE, 1.0, 0.5, 1.0, "scip", 1.0)
    again = _resume_from(result([loose, open_cost]), SolverOptions(backend="auto"))
    assert again.settled == () and again.options.backend == "highs"
    # a backend the user chose is kept; a stage HiGHS failed on stays with auto
    assert _resume_from(result([proven, open_cost]), SolverOptions(backend="highs")).options.backend == "highs"
    kept_start = dataclasses.replace(open_cost, solver="highs+start")
    assert _resume_from(result([proven, kept_start]), SolverOptions(backend="auto")).options.backend == "scip"
    failed = dataclasses.replace(open_cost, solver="highs+scip")
    assert _resume_from(result([proven, failed]), SolverOptions(backend="auto")).options.backend == "auto"


@pytest.mark.parametrize("mode", ["standards", "demand", "equity"])
def test_stage_names_without_a_model_match_the_built_model(mode):
    from siting.model import build_model, stage_names

    inst = Instance.from_arrays(
        community_xy=[[0, 0], [300, 0]], households=[1000, 800], residents=np.full((2, 7), 300.0),
        space_xy=[[100, 0], [250, 50]], space_area_m2=[400.0, 700.0],
        settings=PlanningSettings(budget_cny=2.5e6, objective={"mode": mode}))
    assert stage_names(mode) == build_model(inst).stages


def test_outcome_records_the_options_the_run_used_and_the_report_shows_them():
    from siting.analysis.figures import plan_figures
    from siting.report.html import report_html

    inst = small_instance()
    used = SolverOptions(backend="scip", time_limit_s=17, relative_gap=0.0, threads=1, seed=3)
    out = solve_instance(inst, used)
    assert out.options == used and out.options != inst.settings.solver
    fig = plan_figures(out)
    assert fig.summary["solver"]["options"]["time_limit_s"] == 17 and fig.summary["solver"]["options"]["seed"] == 3
    assert "backend scip, time limit 17 s, relative gap 0, 1 thread(s)" in report_html(out, fig)
    # without options the run uses the instance's own solver settings, and says so
    default = solve_instance(inst)
    assert default.options == inst.settings.solver


def test_solver_options_have_one_set_of_defaults():
    from siting.io.scenario import Scenario

    scn = Scenario.model_validate({"data": {"communities": "c.csv", "spaces": "s.csv"}})
    assert scn.solver == SolverOptions() == PlanningSettings().solver
    assert SolverOptions().relative_gap == 0.005 and SolverOptions().threads == 2
