"""Scenario files: precedence (defaults < file < named overrides in order < --set), the
``applied`` record, relative data paths, and what reaches the instance."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from conftest import DEMO_SCENARIO, TINY_SCENARIO, write_tiny_scenario
from siting.core.settings import PlanningSettings
from siting.io.load import load_instance
from siting.io.scenario import Scenario, load_scenario, parse_assignment


def test_base_file_over_defaults(tiny_scenario):
    s = load_scenario(tiny_scenario)
    assert s.name == "tiny-test"
    assert s.standard == "hangzhou_2024"
    assert s.budget_cny is None
    assert s.objective.mode == "standards"
    assert s.solver.time_limit_s == 300 and s.solver.relative_gap == 0.0  # from the file (the default is 60)
    assert s.walking.speed_m_per_min == 75.0 and s.walking.detour_factor == 1.3  # defaults
    assert s.hubs.shared is False
    assert s.applied == ()
    assert s.source_file == tiny_scenario.resolve()


@pytest.mark.parametrize("order, budget, horizon", [
    (["cheap"], 500_000.0, 10.0),
    (["long"], 900_000.0, 20.0),
    (["cheap", "long"], 900_000.0, 20.0),   # later override wins
    (["long", "cheap"], 500_000.0, 20.0),   # ... in the order requested
])
def test_named_overrides_apply_in_order(tiny_scenario, order, budget, horizon):
    s = load_scenario(tiny_scenario, overrides=order)
    assert s.budget_cny == budget
    assert s.horizon_years == horizon
    assert s.objective.mode == ("demand" if "cheap" in order else "standards")
    assert s.applied == tuple(order)


def test_set_wins_over_named_overrides(tiny_scenario):
    s = load_scenario(tiny_scenario, overrides=["cheap", "long"],
                      assignments=["budget_cny=123", "objective.enforce=[area]", "budget_cny=456"])
    assert s.budget_cny == 456.0  # the last --set wins
    assert s.objective.mode == "demand"  # nested keys merge: mode from 'cheap' survives
    assert s.objective.enforce == ("area",)
    assert s.horizon_years == 20.0
    assert s.applied == ("cheap", "long", "set budget_cny=123", "set objective.enforce=[area]", "set budget_cny=456")


def test_set_values_are_yaml(tiny_scenario):
    s = load_scenario(tiny_scenario, assignments=[
        "budget_cny=1.5e6", "hubs.shared=true", "spaces.locked=[T-S1, T-S2]", "demand_growth={age_80_plus: 1.4}",
        "budget_cny=null",
    ])
    assert s.budget_cny is None
    assert s.hubs.shared is True
    assert s.spaces.locked == ("T-S1", "T-S2")
    assert s.demand_growth == {"age_80_plus": 1.4}


def test_parse_assignment():
    assert parse_assignment("a.b.c=1") == (["a", "b", "c"], 1)
    assert parse_assignment("x= [1, 2]") == (["x"], [1, 2])
    assert parse_assignment("x=") == (["x"], None)


def test_data_paths_are_relative_to_the_scenario_file(tiny_scenario, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    s = load_scenario(tiny_scenario)
    assert s.data.communities == tiny_scenario.parent.resolve() / "data" / "communities.csv"
    assert s.data.spaces.is_file()
    assert s.data.crs == "EPSG:4549"


def test_override_may_point_to_other_data(tmp_path):
    text = TINY_SCENARIO + "  fewer_spaces:\n    data: {spaces: data/spaces2.csv}\n"
    path = write_tiny_scenario(tmp_path / "s", text=text)
    data = path.parent / "data"
    lines = (data / "spaces.csv").read_text().splitlines()
    (data / "spaces2.csv").write_text("\n".join(lines[:3]) + "\n")  # header + 2 spaces
    s = load_scenario(path, overrides=["fewer_spaces"])
    assert s.data.spaces == data.resolve() / "spaces2.csv"
    assert s.data.communities == data.resolve() / "communities.csv"  # merged, not replaced
    inst = load_instance(s)
    assert inst.n_spaces == 2 and inst.applied_overrides == ("fewer_spaces",)


def test_instance_carries_the_applied_settings(tiny_scenario):
    s = load_scenario(tiny_scenario, overrides=["national"],
                      assignments=["demand_growth.age_80_plus=2", "horizon_years=5"])
    inst = load_instance(s)
    assert inst.name == "tiny-test"
    assert inst.applied_overrides == ("national", "set demand_growth.age_80_plus=2", "set horizon_years=5")
    assert inst.preset.area_m2_per_100hh == {"new": 30.0, "existing": 30.0}
    assert not inst.hub_required
    # 400 households × 30 / 100
    assert inst.required_area_m2[0] == pytest.approx(120.0)
    # growth: T-C1 has 120 residents 60-79 and 20 aged 80+ (× 2): day care 2.4 + 3.2 = 5.6
    assert inst.demand_users[0, inst.service_ids.index("elderly_day_care")] == pytest.approx(5.6)
    # horizon 5: T-S2 rent 20 000 × 5; V = 400 + 20 × 5
    assert inst.fixed_cost_cny[1] == pytest.approx(100_000.0)
    assert inst.per_m2_cost_cny[1] == pytest.approx(500.0)


def test_settings_round_trip(tiny_scenario):
    s = load_scenario(tiny_scenario, overrides=["cheap"])
    ps = s.settings()
    assert isinstance(ps, PlanningSettings)
    assert ps.budget_cny == 500_000.0 and ps.objective.mode == "demand"
    assert ps.solver == s.solver
    with pytest.raises(pydantic.ValidationError):
        s.budget_cny = 1.0  # frozen


def test_demo_scenario_and_its_overrides():
    s = load_scenario(DEMO_SCENARIO)
    assert s.name == "demo-yuhang-synthetic"
    assert set(s.overrides) == {"tight_budget", "national_standard", "ageing_2030", "equity"}
    eq = load_scenario(DEMO_SCENARIO, overrides=["equity"])
    assert eq.objective.mode == "equity" and eq.budget_cny == 1e9
    age = load_scenario(DEMO_SCENARIO, overrides=["ageing_2030"])
    assert age.demand_growth == {"age_60_79": 1.25, "age_80_plus": 1.4}


def test_demo_scenario_instance_sizes():
    inst = load_instance(load_scenario(DEMO_SCENARIO, overrides=["ageing_2030"]))
    assert inst.n_communities == 106 and inst.n_spaces == 477
    base = load_instance(load_scenario(DEMO_SCENARIO))
    e = inst.service_ids.index("elderly_day_care")
    # day care: uptake only among the elderly, so ageing scales it by 1.25 … 1.4
    ratio = inst.demand_users[:, e].sum() / base.demand_users[:, e].sum()
    assert 1.25 <= ratio <= 1.4
    np.testing.assert_allclose(inst.required_area_m2, base.required_area_m2)  # households unchanged


def test_scenario_model_forbids_unknown_keys_directly():
    with pytest.raises(pydantic.ValidationError):
        Scenario.model_validate({"data": {"communities": "a.csv", "spaces": "b.csv"}, "budgett": 1})


def test_json_schema_export_validates_the_demo_scenario(tmp_path):
    import json

    import jsonschema
    import yaml
    from typer.testing import CliRunner

    from siting.cli import app

    res = CliRunner().invoke(app, ["schema", "--out", str(tmp_path / "s.json")])
    assert res.exit_code == 0, res.output
    schema = json.loads((tmp_path / "s.json").read_text())
    demo = yaml.safe_load(open("scenarios/demo/scenario.yaml", encoding="utf-8"))
    jsonschema.validate(demo, schema)  # the worked example conforms
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**demo, "budgt_cny": 1}, schema)  # unknown keys are rejected
