"""The ``siting`` command line on a tiny scenario (the demo district is only validated, never
solved here: it is too slow for the default test run)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import yaml
from typer.testing import CliRunner

from conftest import DEMO_SCENARIO, REPO, snapshot
from siting.cli import app

runner = CliRunner()
# The entry point installed beside the interpreter running the tests (a venv's bin folder), found
# without relying on PATH; ``python -m siting`` must work as well.
SITING = Path(sys.executable).parent / "siting"
if not SITING.exists():
    SITING = Path(shutil.which("siting") or SITING)

CORE_FILES = {"plan.gpkg", "summary.json", "scenario.yaml", "communities.csv", "spaces.csv", "links.csv",
              "services.csv", "coverage_by_age.csv", "shortfalls.csv"}


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """One solve of the tiny scenario, shared by the read-only output tests."""
    from conftest import write_tiny_scenario

    base = tmp_path_factory.mktemp("cli")
    scn = write_tiny_scenario(base / "scn")
    out = base / "out"
    res = invoke("run", scn, "--out", out)
    assert res.exit_code == 0, res.output
    return scn, out, res.output


# ------------------------------------------------------------------ validate

@pytest.mark.parametrize("command", [[str(SITING)], [sys.executable, "-m", "siting"]], ids=["entry-point", "python-m"])
def test_validate_demo_scenario_entry_point(command):
    assert Path(command[0]).exists(), f"{command[0]} not found: install the package (pip install -e .) in this venv"
    # PATH without the venv's bin folder: the command must not depend on it
    env = {"COLUMNS": "200", "PATH": os.defpath, "HOME": os.environ.get("HOME", str(REPO))}
    proc = subprocess.run([*command, "validate", str(DEMO_SCENARIO)], capture_output=True, text=True, timeout=120,
                          cwd=REPO, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "demo-yuhang-synthetic: valid" in proc.stdout
    assert "106" in proc.stdout and "477" in proc.stdout


def test_validate_reports_applied_overrides(tiny_scenario):
    res = invoke("validate", tiny_scenario, "-o", "national", "--set", "horizon_years=3")
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "tiny-test: valid" in text
    assert "national, set horizon_years=3" in text


def test_validate_writes_nothing(tiny_scenario):
    before = snapshot(tiny_scenario.parent)
    assert invoke("validate", tiny_scenario).exit_code == 0
    assert snapshot(tiny_scenario.parent) == before


# ------------------------------------------------------------------ run: the output folder

def test_run_writes_the_output_folder(solved):
    _, out, stdout = solved
    files = {p.name for p in out.iterdir()}
    assert files >= CORE_FILES, CORE_FILES - files
    assert not any(p.name.startswith(".") for p in out.parent.iterdir())  # no temporary folders left
    assert "plan written to" in stdout


def test_plan_gpkg_layers_are_readable(solved):
    _, out, _ = solved
    layers = {name for name, _ in pyogrio.list_layers(out / "plan.gpkg")}
    assert {"communities", "spaces", "links", "hubs"} <= layers
    com = gpd.read_file(out / "plan.gpkg", layer="communities")
    assert list(com["community_id"]) == ["T-C1", "T-C2", "T-C3"]
    assert com.crs.to_epsg() == 4549
    spa = gpd.read_file(out / "plan.gpkg", layer="spaces")  # every candidate, taken or not
    assert len(spa) == 4 and spa["taken"].sum() >= 1
    links = gpd.read_file(out / "plan.gpkg", layer="links")
    assert set(links.geom_type) == {"LineString"}
    assert (links["walk_min"] <= 15 + 1e-9).all()
    hubs = gpd.read_file(out / "plan.gpkg", layer="hubs")
    assert (hubs["hub_of"] != "").all()


def test_summary_json(solved):
    _, out, _ = solved
    s = json.loads((out / "summary.json").read_text())
    assert s["scenario"] == "tiny-test"
    assert s["solver"]["status"] == "optimal"
    assert s["solver"]["backend"] == "scip"
    assert [st["name"] for st in s["solver"]["stages"]] == ["shortfall", "cost"]
    assert s["feasible_by_checker"] is True and s["violations"] == []
    assert s["communities"] == 3 and s["candidate_spaces"] == 4
    assert s["objectives"]["cost"] == pytest.approx(s["solver"]["stages"][-1]["objective"], rel=1e-6)
    assert s["objectives"]["shortfall"] == pytest.approx(s["solver"]["stages"][0]["objective"], rel=1e-6, abs=1e-6)
    assert s["cost_cny"] == pytest.approx(sum(s["cost_breakdown_cny"].values()), rel=1e-9)
    assert s["applied_overrides"] == []


def test_csv_tables_agree_with_the_summary(solved):
    _, out, _ = solved
    s = json.loads((out / "summary.json").read_text())
    spa = pd.read_csv(out / "spaces.csv")
    assert spa["total_cost_cny"].sum() == pytest.approx(s["cost_cny"], rel=1e-9)
    assert spa["used_area_m2"].sum() == pytest.approx(s["floor_area_used_m2"], rel=1e-9)
    assert len(spa) == s["spaces_taken"]
    com = pd.read_csv(out / "communities.csv")
    assert int(com["meets_area_after"].sum()) == s["communities_meeting_area_after"]
    short = pd.read_csv(out / "shortfalls.csv")
    assert set(short.columns) >= {"community_id", "rule", "item", "short", "reason"}
    # the new community T-C3 needs a 1 000 m² hub and no space is that large: reported, with a reason
    hub_rows = short[short["rule"] == "hub"]
    assert list(hub_rows["community_id"]) == ["T-C3"] and hub_rows["reason"].str.len().gt(0).all()
    age = pd.read_csv(out / "coverage_by_age.csv")
    assert len(age) == 7


def test_output_scenario_yaml_records_the_settings(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    res = invoke("run", tiny_scenario, "--out", out, "-o", "long", "--set", "budget_cny=2000000")
    assert res.exit_code == 0, res.output
    saved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert saved["budget_cny"] == 2_000_000 and saved["horizon_years"] == 20
    assert saved["applied"] == ["long", "set budget_cny=2000000"]
    s = json.loads((out / "summary.json").read_text())
    assert s["applied_overrides"] == ["long", "set budget_cny=2000000"]
    assert s["budget_cny"] == 2_000_000 and s["cost_cny"] <= 2_000_000


def test_output_scenario_yaml_records_command_line_solver_options(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    res = invoke("run", tiny_scenario, "--out", out, "--backend", "highs", "--time-limit-s", "15")
    assert res.exit_code == 0, res.output
    assert json.loads((out / "summary.json").read_text())["solver"]["backend"] == "highs"
    saved = yaml.safe_load((out / "scenario.yaml").read_text())
    assert saved["solver"]["backend"] == "highs" and saved["solver"]["time_limit_s"] == 15


def test_run_with_another_backend(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    res = invoke("run", tiny_scenario, "--out", out, "--backend", "highs")
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["solver"]["backend"] == "highs" and s["solver"]["status"] == "optimal"
    assert s["feasible_by_checker"] is True


def test_infeasible_run_exits_3_with_a_summary(tiny_scenario, tmp_path):
    # T-S1 locked (acquisition 100 000) with a budget of 1 CNY: no plan exists
    out = tmp_path / "out"
    res = invoke("run", tiny_scenario, "--out", out, "--set", "budget_cny=1", "--set", "spaces.locked=[T-S1]")
    assert res.exit_code == 3, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["solver"]["status"] == "infeasible"
    assert "plan.gpkg" not in {p.name for p in out.iterdir()}


# ------------------------------------------------------------------ run: an existing output folder

def test_existing_non_empty_out_is_refused_without_force(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier plan")
    (out / "sub").mkdir()
    (out / "sub" / "x.csv").write_text("a,b\n1,2\n")
    before = snapshot(tmp_path)
    res = invoke("run", tiny_scenario, "--out", out)
    assert res.exit_code == 2
    assert "not empty" in " ".join(res.output.split()) and "--force" in res.output
    assert snapshot(tmp_path) == before


def test_existing_out_is_replaced_with_force(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier plan")
    res = invoke("run", tiny_scenario, "--out", out, "--force")
    assert res.exit_code == 0, res.output
    files = {p.name for p in out.iterdir()}
    assert "keep.txt" not in files and files >= CORE_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "scn"]  # the old folder is gone too


def test_existing_empty_out_is_used(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = invoke("run", tiny_scenario, "--out", out)
    assert res.exit_code == 0, res.output
    assert {p.name for p in out.iterdir()} >= CORE_FILES


def test_out_that_is_a_file_is_refused(tiny_scenario, tmp_path):
    out = tmp_path / "out"
    out.write_text("not a folder")
    res = invoke("run", tiny_scenario, "--out", out, "--force")
    assert res.exit_code == 2
    assert out.read_text() == "not a folder"


def test_out_in_a_missing_parent_is_refused(tiny_scenario, tmp_path):
    out = tmp_path / "nope" / "out"
    res = invoke("run", tiny_scenario, "--out", out)
    assert res.exit_code == 2
    assert not (tmp_path / "nope").exists()


def test_bad_input_refused_before_touching_an_existing_out(tiny_scenario, tmp_path):
    # even with --force, a bad scenario must leave the earlier output in place
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier plan")
    res = invoke("run", tiny_scenario, "--out", out, "--force", "--set", "standard=nope")
    assert res.exit_code == 2
    assert (out / "keep.txt").read_text() == "an earlier plan"


def test_no_arguments_shows_help():
    res = invoke()
    assert res.exit_code in (0, 2)
    assert "run" in res.output and "validate" in res.output
