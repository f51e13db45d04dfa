"""siting compare: plans side by side, from their output folders."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def _run(scenario, out, *args):
    res = runner.invoke(app, ["run", str(scenario), "--out", str(out), "--time-limit-s", "20", *args])
    assert res.exit_code == 0, res.output
    return json.loads((out / "summary.json").read_text())


def test_compare_two_runs_side_by_side(tiny_scenario, tmp_path):
    a = _run(tiny_scenario, tmp_path / "base")
    b = _run(tiny_scenario, tmp_path / "national", "--set", "standard=national_2024")
    res = runner.invoke(app, ["compare", str(tmp_path / "base"), str(tmp_path / "national"),
                              "--csv", str(tmp_path / "cmp.csv"), "--json", str(tmp_path / "cmp.json")])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "cmp.csv", index_col="figure")
    assert list(df.columns) == ["base", "national"]
    assert df.loc["standard", "base"] == "hangzhou_2024" and df.loc["standard", "national"] == "national_2024"
    assert float(df.loc["cost over the horizon (CNY)", "base"]) == a["cost_cny"]
    assert float(df.loc["cost over the horizon (CNY)", "national"]) == b["cost_cny"]
    # the health-check and accessibility figures of each plan are in the comparison
    assert float(df.loc["health-check base index after", "base"]) == a["healthcheck"]["base_after"]
    assert any(i.startswith("2SFCA access after:") for i in df.index)
    assert json.loads((tmp_path / "cmp.json").read_text())["national"]["standard"] == "national_2024"


def test_compare_refuses_a_folder_without_summary(tmp_path):
    (tmp_path / "empty").mkdir()
    res = runner.invoke(app, ["compare", str(tmp_path / "empty")])
    assert res.exit_code == 2
    assert "no summary.json" in res.output


# ------------------------------------------------------------- a scenario and its overrides


def test_compare_a_scenario_with_its_overrides(tiny_scenario, tmp_path):
    from siting.whatif.compare import compare_scenarios, formatted

    out = tmp_path / "plans"
    res = runner.invoke(app, ["compare", str(tiny_scenario), "-o", "cheap", "-o", "national", "--set",
                              "solver.work_limit=3", "--workers", "1", "--out", str(out),
                              "--csv", str(tmp_path / "cmp.csv"), "--json", str(tmp_path / "cmp.json")])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(tmp_path / "cmp.csv", index_col="figure")
    assert [c for c in df.columns if not c.startswith("Δ")] == ["section", "unit", "base", "cheap", "national"]
    assert {"Δ cheap", "Δ national"} <= set(df.columns)
    # each column is its plan's summary; Δ = that plan minus the base
    for name, folder in (("base", "01-base"), ("cheap", "02-cheap"), ("national", "03-national")):
        s = json.loads((out / folder / "summary.json").read_text())
        assert float(df.loc["cost over the horizon", name]) == pytest.approx(s["cost_cny"])
        parts = [float(df.loc[f"cost: {k.removesuffix('_cny')}", name]) for k in s["cost_breakdown_cny"]]
        assert sum(parts) == pytest.approx(s["cost_cny"])
        assert float(df.loc["communities meeting the area standard", name]) == s["communities_meeting_area_after"]
        by_source = {i.removeprefix("spaces: "): float(df.loc[i, name]) for i in df.index if i.startswith("spaces: ")}
        assert sum(by_source.values()) == s["spaces_taken"]
    base_cost = float(df.loc["cost over the horizon", "base"])
    cheap_cost = float(df.loc["cost over the horizon", "cheap"])
    assert cheap_cost <= 500000 * (1 + 1e-9) < base_cost  # the cheap override's budget holds
    assert float(df.loc["cost over the horizon", "Δ cheap"]) == pytest.approx(cheap_cost - base_cost)
    doc = json.loads((tmp_path / "cmp.json").read_text())
    assert doc["scenarios"] == ["base", "cheap", "national"]
    # the printed table is in planners' units, not 5e+05
    assert "万" in res.output and "m²" in res.output and "%" in res.output and "e+0" not in res.output
    # the library: a DataFrame with a scenario index level, equal to the CLI's figures
    cmp = compare_scenarios(tiny_scenario, ["cheap"], assignments=["solver.work_limit=3"], workers=1)
    assert cmp.frame.index.names == ["scenario", "figure"]
    assert cmp.frame.loc[("cheap", "cost over the horizon"), "value"] == pytest.approx(cheap_cost)
    text = formatted(cmp.side_by_side())
    assert text.loc["cost over the horizon", "cheap"].endswith("万")


def test_compare_refuses_an_unknown_override_and_writes_nothing(tiny_scenario, tmp_path):
    res = runner.invoke(app, ["compare", str(tiny_scenario), "-o", "nope", "--out", str(tmp_path / "plans"),
                              "--csv", str(tmp_path / "cmp.csv")])
    assert res.exit_code == 2, res.output
    assert "unknown override 'nope'" in res.output
    assert not (tmp_path / "plans").exists() and not (tmp_path / "cmp.csv").exists()


def test_compare_folders_refuses_override_options(tmp_path):
    (tmp_path / "a").mkdir()
    res = runner.invoke(app, ["compare", str(tmp_path / "a"), "-o", "cheap"])
    assert res.exit_code == 2 and "give one scenario YAML file" in res.output
