"""The worked scenarios in scenarios/: every scenarios/*/scenario.yaml validates as it is (and with
each of its named overrides), README explains each one, they share the demo's data instead of
copying it, and one of them solves to a plan that the independent checker accepts."""

from __future__ import annotations

import json

import pytest
from conftest import REPO
from typer.testing import CliRunner

from siting.cli import app
from siting.io.scenario import load_scenario

runner = CliRunner()
SCENARIOS = sorted((REPO / "scenarios").glob("*/scenario.yaml"))
WORKED = ("baseline", "new_standard_everywhere", "no_state_transfers", "tight_budget", "ageing_2030", "shared_hubs")


def test_the_worked_scenarios_are_there():
    names = {p.parent.name for p in SCENARIOS}
    assert set(WORKED) <= names, sorted(names)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.parent.name for p in SCENARIOS])
def test_every_scenario_validates_as_it_is(path):
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output
    name = load_scenario(path).name
    assert f"{name}: valid" in " ".join(res.output.split())
    for override in load_scenario(path).overrides:  # each named override loads too
        assert load_scenario(path, overrides=[override]).applied[-1] == override


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.parent.name for p in SCENARIOS])
def test_every_scenario_is_explained_in_readme(path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"scenarios/{path.parent.name}/" in readme, f"README says nothing about {path.parent.name}"


@pytest.mark.parametrize("name", WORKED)
def test_worked_scenarios_reuse_the_demo_data(name):
    scn = load_scenario(REPO / "scenarios" / name / "scenario.yaml")
    demo = REPO / "scenarios" / "demo" / "data"
    assert scn.data.communities.resolve() == (demo / "communities.csv").resolve()
    assert scn.data.spaces.resolve() == (demo / "spaces.csv").resolve()
    assert not list((REPO / "scenarios" / name).rglob("communities.csv"))


def test_no_state_transfers_forbids_every_state_owned_space():
    import pandas as pd

    scn = load_scenario(REPO / "scenarios" / "no_state_transfers" / "scenario.yaml")
    spaces = pd.read_csv(REPO / "scenarios" / "demo" / "data" / "spaces.csv")
    assert set(scn.spaces.forbidden) == set(spaces.loc[spaces["source"] == "state_transfer", "space_id"])


def test_a_worked_scenario_solves_to_a_checked_plan(tmp_path):
    out = tmp_path / "plan"
    res = runner.invoke(app, ["run", str(REPO / "scenarios" / "shared_hubs" / "scenario.yaml"), "--out", str(out),
                              "--set", "solver.deterministic=false", "--time-limit-s", "20", "-q"])
    assert res.exit_code == 0, res.output  # 1 would mean the independent checker found violations
    s = json.loads((out / "summary.json").read_text())
    assert s["violations"] == [] and s["spaces_taken"] > 0
