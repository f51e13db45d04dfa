"""What the planner reads about the solve: one cost and what the objective adds to it (the
figures shown add up to the solver's objective), the engine that settled each stage in words,
and no negative bound for a stage that cannot be negative (the engine's figure kept beside)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from rich.console import Console

from siting.analysis.figures import plan_figures
from siting.analysis.solver_view import engine_words, present_solver, status_words
from siting.api import solve_instance
from siting.core.instance import Instance
from siting.core.settings import ObjectiveSettings, PlanningSettings
from siting.plan import Outcome
from siting.report.html import report_html
from siting.report.text import print_summary

ORIGIN = np.array([500000.0, 3350000.0])
STAGES = ("shortfall", "cost")


def _instance(bonus: float) -> Instance:
    rng = np.random.default_rng(1)
    nc, ns = 8, 14
    st = PlanningSettings(objective=ObjectiveSettings(colocation_bonus=bonus))
    return Instance.from_arrays(
        community_xy=rng.uniform(0, 1500, (nc, 2)) + ORIGIN, households=rng.integers(300, 1200, nc),
        residents=rng.uniform(50, 400, (nc, 7)), space_xy=rng.uniform(0, 1500, (ns, 2)) + ORIGIN,
        space_area_m2=rng.uniform(300, 1500, ns), retrofit_cny_per_m2=3000.0, acquisition_cny=1e5, settings=st)


@pytest.fixture(scope="module")
def with_bonus() -> Outcome:
    inst = _instance(250_000.0)
    out = solve_instance(inst, inst.settings.solver.model_copy(update={"time_limit_s": 10, "relative_gap": 0.02}))
    assert out.plan is not None and out.evaluation is not None and out.evaluation.colocated_pairs > 0
    return out


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def test_cli_summary_cost_and_objective_reconcile(with_bonus):
    con = Console(record=True, width=240)
    print_summary(con, with_bonus, plan_figures(with_bonus))
    text = con.export_text()
    cost = _int(re.search(r"cost over the horizon\s*│\s*([\d,]+) CNY", text).group(1))
    m = re.search(r"objective of the cost stage\s*│\s*([\d,]+) CNY = cost − ([\d,]+) pairs × ([\d,]+) co-location",
                  text)
    objective, pairs, bonus = (_int(g) for g in m.groups())
    assert pairs == with_bonus.evaluation.colocated_pairs and bonus == 250_000
    assert abs(cost - pairs * bonus - objective) <= 1  # the figures shown add up (rounding to 1 CNY)
    solver = next(s.objective for s in with_bonus.result.stages if s.name == "cost")
    assert abs(objective - solver) <= 1
    stage = re.search(r"stage cost \([^)]*\): \w+, objective ([\d,]+) CNY", text)
    assert _int(stage.group(1)) == objective  # the stage line shows the same objective


def test_report_cost_and_objective_reconcile(with_bonus):
    fig = plan_figures(with_bonus)
    html = report_html(with_bonus, fig)
    note = re.search(r'id="cost-objective">[^:]*: objective ([\d,]+) = cost ([\d,]+) − co-location bonus ([\d,]+) '
                     r"pairs × ([\d,]+) = ([\d,]+) CNY", html)
    objective, cost, pairs, bonus, total = (_int(g) for g in note.groups())
    assert pairs * bonus == total and abs(cost - total - objective) <= 1
    solver = next(s.objective for s in with_bonus.result.stages if s.name == "cost")
    assert abs(objective - solver) <= 1 and abs(cost - with_bonus.evaluation.cost_cny) <= 0.5
    cvo = fig.summary["cost_vs_objective"]
    assert cvo["objective_cny"] == pytest.approx(cvo["cost_cny"] - cvo["colocation_bonus_cny"])
    assert abs(cvo["difference_cny"]) < 1.0


def test_without_a_bonus_the_objective_is_the_cost():
    inst = _instance(0.0)
    out = solve_instance(inst, inst.settings.solver.model_copy(update={"time_limit_s": 10, "relative_gap": 0.02}))
    fig = plan_figures(out)
    cvo = fig.summary["cost_vs_objective"]
    assert cvo["colocation_bonus_cny"] == 0 and cvo["objective_cny"] == cvo["cost_cny"]
    assert "no co-location bonus set: the objective adds nothing" in report_html(out, fig)
    con = Console(record=True, width=240)
    print_summary(con, out, fig)
    assert "= cost (no co-location bonus set)" in con.export_text()


def test_header_names_the_engine_of_each_stage(with_bonus):
    fig = plan_figures(with_bonus)
    settled = fig.summary["solver"]["settled_by"]
    assert re.fullmatch(r"shortfall: SCIP, [^;]+; cost: (HiGHS|SCIP)[^;]*", settled), settled
    assert f'<span id="settled-by">{settled}</span>' in report_html(with_bonus, fig)


def test_engine_words():
    assert engine_words("scip", 0, STAGES) == "SCIP"
    assert engine_words("highs+start", 1, STAGES, "scip") == "HiGHS from SCIP's shortfall plan"
    assert engine_words("highs+start", 1, STAGES, "scip/start") == "HiGHS from the shortfall stage's plan"
    assert engine_words("highs+scip", 1, STAGES, "scip") == "SCIP after HiGHS failed"
    assert engine_words("start", 1, STAGES, "scip") == "no time left: SCIP's shortfall plan stands"
    assert engine_words("highs/start", 1, STAGES, "scip") == "HiGHS by part (some parts out of time)"
    assert engine_words("highs/highs+scip/highs+start/start", 1, STAGES, "scip") == (
        "HiGHS and SCIP by part (SCIP where HiGHS failed; SCIP's shortfall plan kept where HiGHS found no better; "
        "some parts out of time)")
    assert engine_words("coordinated", 1, STAGES, "coordinated").startswith("coordinated over the parts")
    assert engine_words("regions", 0, STAGES).startswith("geographic regions solved one by one")
    assert engine_words("scip/regions", 0, STAGES) == (
        "SCIP by part (geographic regions solved one by one, the design then re-optimised on the whole part)")
    assert engine_words("", 0, STAGES) == "not solved"
    assert status_words("optimal", 0.0, False) == "proven optimal"
    assert status_words("feasible", 0.003, True) == "0.3% gap, time limit"
    assert status_words("feasible", 0.0004, False) == "0.04% gap"
    assert status_words("feasible", None, False) == "no bound"


def _solver(stages: list[dict]) -> dict:
    last = stages[-1]
    return {"backend": "auto", "status": "feasible", "objective": last["objective"], "bound": last["bound"],
            "gap": None, "seconds": 1.0, "stages": stages}


def _stage(name: str, objective: float, bound: float | None, solver: str = "scip") -> dict:
    return {"name": name, "status": "feasible", "objective": objective, "bound": bound, "gap": None, "seconds": 1.0,
            "solver": solver, "bound_source": "sum of the 24 parts' MIP dual bounds", "nodes": 1,
            "time_limit_hit": True}


def test_negative_bound_of_a_shortfall_is_raised_to_zero_and_said():
    inst = _instance(0.0)
    shown = present_solver(_solver([_stage("shortfall", 12.5, -240.6), _stage("cost", 9e8, -5e6, "highs")]), inst)
    short, cost = shown["stages"]
    assert short["bound"] == 0.0 and short["bound_raw"] == -240.6 and short["gap"] == pytest.approx(1.0)
    assert short["bound_source"] == ("sum of the 24 parts' MIP dual bounds, raised to 0: the shortfall cannot be "
                                     "negative")
    # without a co-location bonus the cost cannot be negative either; the top-level bound follows
    assert cost["bound"] == 0.0 and cost["bound_raw"] == -5e6 and "the cost cannot be negative" in cost["bound_source"]
    assert shown["bound"] == 0.0 and shown["bound_raw"] == -5e6


def test_cost_bound_stays_negative_with_a_bonus():
    inst = _instance(1e6)  # cost − bonus·pairs may be negative: its bound is shown as the engine gives it
    shown = present_solver(_solver([_stage("shortfall", 1.0, 0.5), _stage("cost", 2e6, -3e6, "highs")]), inst)
    short, cost = shown["stages"]
    assert short["bound"] == 0.5 and short["bound_raw"] == 0.5 and short["bound_source"].endswith("bounds")
    assert cost["bound"] == -3e6 and cost["bound_raw"] == -3e6 and "raised" not in cost["bound_source"]


def test_summary_json_keeps_the_engine_bound(with_bonus):
    stages = plan_figures(with_bonus).summary["solver"]["stages"]
    raw = {s.name: s.bound for s in with_bonus.result.stages}
    for s in stages:
        assert s["bound_raw"] == raw[s["name"]] and s["settled_by"]


def test_chinese_report_says_cost_and_objective_in_chinese(with_bonus):
    fig = plan_figures(with_bonus)
    html = report_html(with_bonus, fig, lang="zh")
    cvo = fig.summary["cost_vs_objective"]
    note = re.search(r'id="cost-objective">([^<]*)</p>', html).group(1)
    assert note.startswith("费用与求解目标: 目标值 ")
    assert f"成本 {cvo['cost_cny']:,.0f}" in note and f"{cvo['colocated_pairs']:,} 对" in note
    assert f"{with_bonus.instance.n_communities:,} 个社区" in html
