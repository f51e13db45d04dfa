"""The solver-neutral layer: every backend solves the same small programs to the same optimum."""

import numpy as np
import pytest

from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.solvers import LinearProgramBuilder, solve

BACKENDS = ["auto", "scip", "cpsat", "highs", "cbc"]


def knapsack(seed: int = 3, n: int = 25):
    rng = np.random.default_rng(seed)
    b = LinearProgramBuilder("knap")
    x = b.add_binaries("x", n)
    v = rng.integers(10, 100, n)
    w = rng.integers(10, 100, n)
    b.add_constraints("cap", 1, np.zeros(n), x, w, ub=int(w.sum() // 3))
    b.add_objective("value", "max", x, v, offset=5.0)
    b.add_objective("items", "min", x, 1.0)
    return b.build(), v, w


def brute_force(v, w, cap):
    n = len(v)
    best = (-1, 0)
    # dynamic programming over capacity: best value, then fewest items
    dp = {0: (0, 0)}
    for i in range(n):
        new = dict(dp)
        for used, (val, cnt) in dp.items():
            u = used + w[i]
            if u <= cap:
                cand = (val + v[i], cnt + 1)
                old = new.get(u)
                if old is None or (cand[0], -cand[1]) > (old[0], -old[1]):
                    new[u] = cand
        dp = new
    for val, cnt in dp.values():
        if (val, -cnt) > (best[0], -best[1]):
            best = (val, cnt)
    return best


@pytest.mark.parametrize("backend", BACKENDS)
def test_lexicographic_knapsack_matches_dynamic_programming(backend):
    lp, v, w = knapsack()
    best_value, best_count = brute_force(v, w, int(w.sum() // 3))
    r = solve(lp, SolverOptions(backend=backend, time_limit_s=30, relative_gap=0.0))
    assert r.status is SolveStatus.OPTIMAL
    assert r.stages[0].objective == pytest.approx(best_value + 5.0)
    assert r.objective == pytest.approx(best_count)
    assert lp.max_violation(r.values) < 1e-6


@pytest.mark.parametrize("backend", BACKENDS)
def test_infeasible_is_a_status_not_a_crash(backend):
    b = LinearProgramBuilder("inf")
    x = b.add_binaries("x", 2)
    b.add_constraints("both", 1, [0, 0], x, [1, 1], lb=3)
    b.add_objective("o", "min", x, 1.0)
    r = solve(b.build(), SolverOptions(backend=backend, time_limit_s=10))
    assert r.status is SolveStatus.INFEASIBLE
    assert r.values is None


def test_progress_callback_receives_reports():
    lp, _, _ = knapsack(seed=5, n=40)
    seen = []
    r = solve(lp, SolverOptions(backend="scip", time_limit_s=30), progress=seen.append)
    assert r.status is SolveStatus.OPTIMAL
    assert seen, "no progress report"
    assert seen[-1].objective == pytest.approx(r.objective)


def test_cpsat_refuses_continuous_variables():
    # CP-SAT works on an integer grid: on a continuous program it can claim "optimal" for a
    # worse plan, so it must refuse instead of returning a silently wrong answer
    from siting.errors import SolverError

    b = LinearProgramBuilder("cont")
    x = b.add_variables("x", 1, ub=2.5)
    b.add_objective("o", "max", x, 1.0)
    with pytest.raises(SolverError, match="all-integer"):
        solve(b.build(), SolverOptions(backend="cpsat", time_limit_s=5))


def test_auto_uses_scip_then_highs_and_records_the_engine_per_stage():
    lp, v, w = knapsack()
    r = solve(lp, SolverOptions(backend="auto", time_limit_s=30, relative_gap=0.0))
    assert r.status is SolveStatus.OPTIMAL
    assert [s.solver for s in r.stages] == ["scip", "highs"]


def test_auto_falls_back_to_scip_when_highs_fails(monkeypatch):
    # HiGHS 1.12 can end in "Solve error" after rejecting its own optimum over a 1e-6
    # violation; auto must then solve the stage with SCIP instead of losing it
    from siting.solvers import ortools_backend
    from siting.solvers.lexicographic import StageOutcome

    real = ortools_backend._solve_with
    calls = []

    def failing_highs(backend, prob, options, time_limit_s, progress):
        calls.append(backend)
        if backend == "highs":
            return StageOutcome(SolveStatus.ERROR, None, None, None, 0.01, "simulated HiGHS error", solver="highs")
        return real(backend, prob, options, time_limit_s, progress)

    monkeypatch.setattr(ortools_backend, "_solve_with", failing_highs)
    lp, v, w = knapsack()
    best_value, best_count = brute_force(v, w, int(w.sum() // 3))
    r = solve(lp, SolverOptions(backend="auto", time_limit_s=30, relative_gap=0.0))
    assert "highs" in calls
    assert r.status is SolveStatus.OPTIMAL
    assert r.stages[-1].solver == "highs+scip"
    assert r.objective == pytest.approx(best_count)
    assert "simulated HiGHS error" in r.message


def test_a_stage_without_a_solver_solution_keeps_its_best_feasible_hint():
    # a backend that finds nothing within its time (or ignores the start) must not lose the
    # plan the stage was started from: the hint is feasible for the stage's rows
    from siting.solvers.lexicographic import StageOutcome, solve_lexicographic
    from siting.solvers.ortools_backend import solve_stage

    lp, v, w = knapsack()

    def second_stage_finds_nothing(prob, options, t, progress):
        if prob.stage == 1 and prob.n_stages == 2:
            return StageOutcome(SolveStatus.NO_SOLUTION, None, 3.0, None, 0.01, solver="none")
        return solve_stage(prob, options, t, progress)

    r = solve_lexicographic(lp, SolverOptions(backend="scip", time_limit_s=30), second_stage_finds_nothing, "test")
    assert r.stages[-1].status is SolveStatus.FEASIBLE
    assert r.values is not None and lp.max_violation(r.values) < 1e-6
    best_value, _ = brute_force(v, w, int(w.sum() // 3))
    assert r.stages[0].objective == pytest.approx(best_value + 5.0)
    # the plan is the first stage's (its item count), with the stage's bound kept
    assert r.objective == pytest.approx(float(lp.objectives[1].coefs @ r.values))
    assert r.bound == 3.0


def test_settled_stages_are_not_solved_again():
    # a re-solve keeps the proven leading stages of an earlier attempt: their rows are rebuilt
    # at the values they were held at, and only the later stages reach the backend
    import dataclasses

    from siting.solvers.lexicographic import solve_lexicographic
    from siting.solvers.ortools_backend import solve_stage

    lp, v, w = knapsack()
    best_value, best_count = brute_force(v, w, int(w.sum() // 3))
    opts = SolverOptions(backend="scip", time_limit_s=30)
    first = solve(lp, opts)
    assert first.stages[0].held_at == pytest.approx(best_value + 5.0)
    seen = []

    def counting(prob, options, t, progress):
        seen.append(prob.stage)
        return solve_stage(prob, options, t, progress)

    again = solve_lexicographic(dataclasses.replace(lp, hint=first.values), opts, counting, "scip",
                                settled=first.stages[:1])
    assert seen == [1]
    assert again.stages[0] is first.stages[0]
    assert again.status is SolveStatus.OPTIMAL and again.objective == pytest.approx(best_count)
    assert lp.max_violation(again.values) < 1e-6
    with pytest.raises(ValueError, match="prefix"):
        solve_lexicographic(lp, opts, counting, "scip", settled=first.stages)


def test_a_hint_better_than_the_proven_bound_is_not_adopted():
    # a hint passes _feasible with a 1e-6 row tolerance; if it "beats" the stage's proven
    # bound it leans on that tolerance and must not replace the solver's plan
    from siting.solvers.lexicographic import StageOutcome, solve_lexicographic
    from siting.solvers.ortools_backend import solve_stage

    lp, v, w = knapsack()
    opts = SolverOptions(backend="scip", time_limit_s=30)
    first = solve(lp, opts)
    import dataclasses

    def claims(objective, bound):
        def single(prob, options, t, progress):
            out = solve_stage(prob, options, t, progress)
            if prob.stage == 1 and prob.n_stages == 2:
                return StageOutcome(out.status, objective, bound, out.values, out.seconds, solver="fake")
            return out
        return single

    hinted = dataclasses.replace(lp, hint=first.values)  # scores the true optimum of stage 2
    best = first.objective
    kept = solve_lexicographic(hinted, opts, claims(best + 1.0, best + 1.0), "fake")
    assert kept.objective == best + 1.0 and kept.stages[-1].solver == "fake"
    adopted = solve_lexicographic(hinted, opts, claims(best + 1.0, best - 1.0), "fake")
    assert adopted.objective == pytest.approx(best) and adopted.stages[-1].solver == "fake+start"


def test_a_stage_that_stops_without_a_bound_gets_its_lp_relaxation_as_bound():
    import time

    from siting.solvers.lexicographic import StageOutcome, solve_lexicographic
    from siting.solvers.ortools_backend import solve_stage
    from siting.solvers.relaxation import stage_lp_bound

    lp, v, w = knapsack()
    cap = int(w.sum() // 3)

    def no_bound(prob, options, t, progress):
        out = solve_stage(prob, options, t, progress)
        return StageOutcome(SolveStatus.FEASIBLE, out.objective, None, out.values, out.seconds, solver="fake")

    r = solve_lexicographic(lp, SolverOptions(backend="scip", time_limit_s=30, relative_gap=0.0), no_bound, "test",
                            lp_bound=stage_lp_bound)
    first = r.stages[0]
    # the LP relaxation of a knapsack: items by value density, the last one fractional
    order = np.argsort(-v / w, kind="stable")
    room, lp_value = cap, 5.0
    for i in order:
        take = min(1.0, room / w[i])
        lp_value += take * v[i]
        room -= take * w[i]
        if room <= 0:
            break
    assert first.bound == pytest.approx(lp_value, rel=1e-6)
    assert first.bound >= first.objective and first.bound_source.startswith("LP relaxation of the stage")
    # without the LP bound the stage has none and says so
    bare = solve_lexicographic(lp, SolverOptions(backend="scip", time_limit_s=30), no_bound, "test")
    assert bare.stages[0].bound is None and bare.stages[0].bound_source == ""

    def slow_no_bound(prob, options, t, progress):
        out = no_bound(prob, options, t, progress)
        time.sleep(0.6)
        return out

    # a stage that used up the time limit without a bound: no time for the LP, the box relaxation
    # (every item taken, the capacity row dropped) bounds it, named as such
    wall = SolverOptions(backend="scip", time_limit_s=0.3, relative_gap=0.0, deterministic=False)
    boxed = solve_lexicographic(lp, wall, slow_no_bound, "test", lp_bound=stage_lp_bound).stages[0]
    assert boxed.bound == pytest.approx(5.0 + float(v.sum())) and boxed.bound >= boxed.objective
    assert boxed.bound_source.startswith("bounds of the variables")

    def slow_first(prob, options, t, progress):
        out = solve_stage(prob, options, t, progress)
        time.sleep(0.6)
        return out

    r = solve_lexicographic(lp, SolverOptions(backend="scip", time_limit_s=0.5, relative_gap=0.0), slow_first, "test",
                            lp_bound=stage_lp_bound)
    unreached = r.stages[1]
    # no time for the second stage: the first stage's plan stands, with an LP bound on the item count
    assert unreached.solver == "start" and unreached.status is SolveStatus.FEASIBLE
    assert unreached.objective == pytest.approx(float(lp.objectives[1].coefs @ r.values))
    assert unreached.bound is not None and unreached.bound <= unreached.objective + 1e-9
    assert unreached.bound_source.startswith("LP relaxation of the stage")
