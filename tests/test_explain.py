"""Infeasibility explained (issue 12): a minimal conflicting set of the user's hard settings,
found by switching them on and off in the elastic program, with what would fix each."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from siting.cli import app
from siting.io.load import load_instance
from siting.io.scenario import load_scenario
from siting.solve.explain import explain_infeasibility

runner = CliRunner()


def _run(path, out, *sets):
    args = ["run", str(path), "--out", str(out), "-q"]
    for s in sets:
        args += ["--set", s]
    return runner.invoke(app, args)


def test_required_space_over_budget_names_both_and_the_budget_it_needs(tiny_scenario, tmp_path):
    res = _run(tiny_scenario, tmp_path / "out", "budget_cny=1", "spaces.locked=[T-S1]")
    assert res.exit_code == 3, res.output
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    conflict = s["conflict"]
    assert [c["key"] for c in conflict["settings"]] == ["budget_cny", "spaces.locked"]
    assert "T-S1" in conflict["message"] and "100,000 CNY" in conflict["message"] and conflict["proven"]
    assert "cannot all hold" in res.output and "T-S1" in res.output


def test_the_set_is_minimal_a_locked_space_that_fits_is_left_out(tiny_scenario):
    # T-S1 (100,000 CNY) cannot fit in 50,000; T-S4 (20,000) can: only T-S1 conflicts with the budget
    inst = load_instance(load_scenario(tiny_scenario, assignments=["budget_cny=50000", "spaces.locked=[T-S1,T-S4]"]))
    conflict = explain_infeasibility(inst)
    labels = [c.label for c in conflict.settings]
    assert len(labels) == 2 and "T-S1" in labels[1] and not any("T-S4" in x for x in labels), labels


def test_an_enforced_standard_over_budget_and_the_stated_budget_is_enough(tiny_scenario, tmp_path):
    sets = ("budget_cny=10000", "objective.mode=demand", "objective.enforce=[area]")
    inst = load_instance(load_scenario(tiny_scenario, assignments=list(sets)))
    conflict = explain_infeasibility(inst)
    assert [c.key for c in conflict.settings] == ["budget_cny", "objective.enforce"]
    fix = conflict.settings[0].fix
    assert fix.startswith("raise budget_cny to at least ")
    needed = float(fix.removeprefix("raise budget_cny to at least ").removesuffix(" CNY").replace(",", ""))
    # the stated budget (plus the solver's gap tolerance) is enough for a plan; a tenth less is not
    ok = _run(tiny_scenario, tmp_path / "ok", *sets[1:], f"budget_cny={needed * 1.01 + 1:.0f}")
    assert ok.exit_code == 0, ok.output
    short = _run(tiny_scenario, tmp_path / "short", *sets[1:], f"budget_cny={needed * 0.9:.0f}")
    assert short.exit_code == 3, short.output


def test_no_conflict_among_the_settings_when_a_plan_exists(tiny_scenario):
    assert explain_infeasibility(load_instance(load_scenario(tiny_scenario, assignments=["budget_cny=1e9"]))) is None


def test_a_space_both_locked_and_forbidden_is_refused_naming_it(tiny_scenario, tmp_path):
    res = runner.invoke(app, ["run", str(tiny_scenario), "--out", str(tmp_path / "o"), "--set",
                              "spaces.locked=[T-S2]", "--set", "spaces.forbidden=[T-S2]"])
    assert res.exit_code == 2 and "T-S2" in res.output and "both required/locked and forbidden" in res.output
    assert not (tmp_path / "o").exists()


# --- every shortfall says what would fix it (shortfalls.csv, column fix) -------------------------

def test_budget_shortfalls_say_about_how_much_more_budget(tiny_scenario, tmp_path):
    import pandas as pd

    res = runner.invoke(app, ["run", str(tiny_scenario), "--out", str(tmp_path / "o"), "-q", "-o", "cheap"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "o" / "shortfalls.csv", keep_default_na=False)
    assert len(table) and (table["fix"] != "").all()
    budget = table[table["reason"].str.startswith("budget exhausted")]
    assert len(budget) and budget["fix"].str.contains(r"more budget \(|at least .* m²").all(), budget["fix"].tolist()


def test_a_community_out_of_reach_is_told_the_nearest_space_and_its_minutes(tmp_path):
    import pandas as pd

    from conftest import tiny_tables, write_tiny_scenario

    com, spa = tiny_tables()
    com.loc[2, "x"] += 3000.0  # Gamma 3 km east: nothing within 15 min (865 m)
    path = write_tiny_scenario(tmp_path / "far", com, spa)
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "-q"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "o" / "shortfalls.csv", keep_default_na=False)
    gamma = table[table["community_id"] == "T-C3"]
    assert {"coverage", "area"} <= set(gamma["rule"])
    # the nearest space to (503150, 3350250) is T-S2 (500250, 3350080): 2,905 m × 1.3 ÷ 75 = 50 min
    area = gamma[gamma["rule"] == "area"]["fix"].iloc[0]
    assert "nearest candidate space: T-S2 at 50 min" in area, area
    cov = gamma[gamma["rule"] == "coverage"]["fix"]
    assert cov.str.contains(r"nearest space that may host it: T-S\d at \d+ min \(limit \d+ min\)").all(), cov.tolist()


def test_the_checker_holds_a_plan_to_the_enforced_standards(tiny_scenario):
    from siting.analysis.evaluate import evaluate
    from siting.solve import solve_instance

    sets = ["objective.mode=demand", "budget_cny=10000"]
    soft = load_instance(load_scenario(tiny_scenario, assignments=sets))
    out = solve_instance(soft)
    assert out.evaluation.feasible and (out.evaluation.area_short_m2 > 1).any()  # shortfalls, reported
    hard = load_instance(load_scenario(tiny_scenario, assignments=[*sets, "objective.enforce=[area,hub,coverage]"]))
    rules = {v.rule for v in evaluate(hard, out.plan).violations}
    assert {"area", "hub", "coverage"} <= rules, rules


def test_an_enforced_standard_no_plan_can_meet_is_explained_not_broken(tmp_path):
    from conftest import tiny_tables, write_tiny_scenario

    com, spa = tiny_tables()
    com.loc[2, "x"] += 3000.0  # Gamma out of reach of every space: its area standard cannot be met
    path = write_tiny_scenario(tmp_path / "far", com, spa)
    res = _run(path, tmp_path / "o", "objective.mode=demand", "budget_cny=1e9", "objective.enforce=[area]")
    assert res.exit_code == 3, res.output
    assert "this setting cannot hold: the area standard enforced" in res.output
