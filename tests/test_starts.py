"""A start plan (``solve_instance(start=...)``): read on each budget-coupled part as one more
plan the master may pick, or given to a program solved whole as its MIP start; never used where
its design breaks a row, and a plan of another instance is refused."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import EXACT
from siting.errors import SitingError
from siting.solve import coordinate, solve_instance
from siting.solve.coordinate import Spent
from test_coordinate import ALWAYS, far_apart


def test_the_master_picks_the_start_when_the_coordination_finds_nothing_itself(monkeypatch):
    best = solve_instance(far_apart(250_000), ALWAYS)
    assert best.plan.taken.tolist() == [True, False, True]
    # pricing and fix-and-optimise add nothing: the master has only the null plans and the start
    monkeypatch.setattr(coordinate, "_price", lambda progs, cols, *a, **k: (False, None, Spent(0, False)))
    monkeypatch.setattr(coordinate, "_fix_and_optimise",
                        lambda progs, cols, chosen, *a, **k: (list(chosen), Spent(0, False)))
    alone = solve_instance(far_apart(350_000), ALWAYS)
    assert alone.plan.taken.tolist() == [False, False, False]  # null plans only
    out = solve_instance(far_apart(350_000), ALWAYS, start=best.plan)
    assert "the start plan read on 3 of 3 parts" in out.result.message
    assert out.plan.taken.tolist() == [True, False, True]
    assert out.evaluation.feasible
    assert out.result.stages[0].objective == pytest.approx(best.result.stages[0].objective)


def test_a_start_over_the_budget_is_not_read_and_the_solve_still_finds_the_optimum():
    rich = solve_instance(far_apart(350_000), ALWAYS)
    assert rich.plan.taken.tolist() == [True, True, True]
    out = solve_instance(far_apart(250_000), ALWAYS, start=rich.plan)
    # each part's share of the start fits the part's own budget row (the whole budget), so
    # every part reads it; the master cannot pick all three: the budget row is the master's
    assert out.evaluation.feasible and out.evaluation.cost_cny <= 250_000
    assert out.plan.taken.tolist() == [True, False, True]


def test_a_program_solved_whole_takes_the_start_as_its_mip_start_where_it_fits():
    best = solve_instance(far_apart(250_000), EXACT)
    out = solve_instance(far_apart(250_000), EXACT, start=best.plan)
    assert "the start plan given as MIP start" in out.result.message
    assert out.result.stages[0].objective == pytest.approx(best.result.stages[0].objective)
    rich = solve_instance(far_apart(350_000), EXACT)
    over = solve_instance(far_apart(250_000), EXACT, start=rich.plan)
    assert "the start plan not used" in over.result.message
    assert over.evaluation.feasible and over.plan.taken.tolist() == [True, False, True]


def test_a_plan_of_another_instance_is_refused():
    best = solve_instance(far_apart(250_000), EXACT)
    other = best.plan.__class__(**{**best.plan.__dict__, "taken": np.zeros(5, dtype=bool)})
    with pytest.raises(SitingError, match="start: a plan of 5 spaces"):
        solve_instance(far_apart(250_000), EXACT, start=other)


def test_independent_parts_say_the_start_is_not_used():
    from test_api import _far_apart

    inst = _far_apart(3)
    best = solve_instance(inst, EXACT)
    out = solve_instance(inst, EXACT, start=best.plan)
    assert out.parts == 3
    assert "the start plan not used: independent parts start from their own plans" in out.result.message
