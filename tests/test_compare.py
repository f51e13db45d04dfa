"""siting compare: plans side by side, from their output folders."""

import json

import pandas as pd
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
