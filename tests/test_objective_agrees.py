"""The solver's stage values equal the checker's recomputation of the written plan: a space left
open with nothing in it (a solver stopped early) is closed before the values are reported."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import EXACT, assert_objectives_recomputed, residents, tiny
from conftest import settings as tiny_settings
from siting.analysis.evaluate import evaluate
from siting.model import build_model
from siting.model.solution import extract_plan, repaired_values
from siting.plan import Outcome
from siting.solve import solve_instance
from siting.model.solution import closed_empty_spaces
from siting.solvers import solve


def two_spaces():
    """One community, a space 100 m away and a second one 300 m away, 100,000 CNY each: the plan takes one."""
    return tiny(communities=[[0, 0]], spaces=[[100, 0], [300, 0]], res=residents(1, r18_59=2000),
                st=tiny_settings("reading_room"), space_area_m2=300.0, acquisition_cny=100_000.0)


def test_an_open_space_hosting_nothing_is_closed_and_the_cost_recomputed():
    inst = two_spaces()
    model = build_model(inst)
    result = solve(model.lp, EXACT)
    x = result.values
    o = model.variables["open"]
    empty = [j for j in range(inst.n_spaces) if x[o[j]] < 0.5]
    assert len(empty) == 1
    padded = x.copy()
    padded[o[empty[0]]] = 1.0  # what a solver stopped early may return: paid for, hosts nothing
    assert model.lp.satisfies(padded)
    cost = model.lp.objectives[-1]
    stale = dataclasses.replace(result, values=padded, stages=result.stages[:-1] + (
        dataclasses.replace(result.stages[-1], objective=float(cost.coefs @ padded + cost.offset)),))
    assert stale.stages[-1].objective == pytest.approx(result.stages[-1].objective + 100_000.0)
    fixed = closed_empty_spaces(model, stale)
    assert np.array_equal(repaired_values(model, padded), fixed.values)
    plan = extract_plan(model, fixed, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    out = Outcome(inst, fixed, plan, evaluate(inst, plan), 0.0, model.lp.summary(), EXACT)
    assert_objectives_recomputed(out)  # 100,000 CNY less than the stale figure, as the checker says
    assert fixed.stages[-1].objective == pytest.approx(result.stages[-1].objective)


def test_a_required_space_stays_open_even_when_empty():
    inst = tiny(communities=[[0, 0]], spaces=[[100, 0], [300, 0]], res=residents(1, r18_59=2000),
                st=tiny_settings("reading_room"), space_area_m2=300.0, acquisition_cny=100_000.0,
                space_status=["candidate", "required"])
    out = solve_instance(inst, EXACT)
    assert out.plan.taken[1]
    assert_objectives_recomputed(out)


def test_an_area_just_under_its_minimum_with_a_fractional_host_is_repaired():
    inst = two_spaces()
    model = build_model(inst)
    result = solve(model.lp, EXACT)
    x = result.values.copy()
    host, area = model.variables["host"], model.variables["area"]
    k = int(np.flatnonzero(x[host] > 0.5)[0])
    need = float(model.min_area_m2[model.index.host_service[k]])
    x[host[k]] = 1 - 2e-6  # within an integrality tolerance ...
    x[area[k]] = need * (1 - 2e-6)  # ... so the row a ≥ minarea · y holds, but the plan reads y = 1
    fixed = repaired_values(model, x)
    assert fixed[host[k]] == 1.0 and fixed[area[k]] == pytest.approx(need, abs=1e-9)
    plan = extract_plan(model, dataclasses.replace(result, values=fixed), inst.n_communities, inst.n_spaces,
                        inst.n_services, inst.share_group)
    assert evaluate(inst, plan).violations == ()


@pytest.mark.parametrize("mode", ["standards", "demand"])
def test_a_part_with_no_time_left_keeps_its_null_plan_with_valid_box_bounds(mode):
    from siting.solve.attempts import BOX_BOUND
    from siting.solve.schedule import _unsolved

    inst = tiny(communities=[[0, 0], [400, 0]], spaces=[[100, 0], [300, 0]], res=residents(2, r18_59=[2000, 900]),
                st=tiny_settings("reading_room", mode=mode), space_area_m2=300.0, acquisition_cny=100_000.0)
    part = _unsolved(inst, EXACT)
    best = solve_instance(inst, EXACT)
    assert part.plan is not None and part.plan.n_taken == 0
    for st, opt in zip(part.result.stages, best.result.stages):
        assert st.time_limit_hit and st.bound_source == BOX_BOUND
        sign = 1.0 if part.tolerances[[s.name for s in part.result.stages].index(st.name)].sense == "min" else -1.0
        # a bound of the stage's optimum: below it (min) or above it (max), and never past the null plan
        assert sign * st.bound <= sign * opt.objective + 1e-6, st
        assert sign * st.bound <= sign * st.objective + 1e-9
    assert_objectives_recomputed(Outcome(inst, part.result, part.plan, evaluate(inst, part.plan), 0.0, {}, EXACT))
