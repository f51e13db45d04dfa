"""Bad inputs: each gets a located ``SitingError`` (file, row, field) and the CLI exits 2
having written nothing.

The scenario is the tiny three-community one of conftest (written to tmp_path); one cell,
column or file is corrupted per test. Rows are 1-based data rows (the header excluded).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TINY_SCENARIO, snapshot, tiny_tables, write_tiny_scenario
from siting.cli import app
from siting.core.instance import Instance
from siting.errors import CatalogueError, InputError, ScenarioError, SitingError
from siting.io.load import load_instance
from siting.io.scenario import load_scenario

runner = CliRunner()


def load(path: Path, overrides=(), assignments=()) -> Instance:
    return load_instance(load_scenario(path, overrides=overrides, assignments=assignments))


def set_cell(path: Path, row: int, col: str, value: str) -> None:
    """Set a cell of a CSV (``row`` 1-based data row), keeping every other cell as text."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, col] = value
    df.to_csv(path, index=False)


def assert_cli_refuses(scenario: Path, tmp_path: Path, *args: str, needles: tuple[str, ...] = ()) -> str:
    """``siting validate`` and ``siting run`` both exit 2 with a one-line error; run writes nothing."""
    res = runner.invoke(app, ["validate", str(scenario), *args])
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "Traceback" not in res.output
    outdir = tmp_path / "runs"
    outdir.mkdir(exist_ok=True)
    before = snapshot(tmp_path)
    res = runner.invoke(app, ["run", str(scenario), "--out", str(outdir / "out"), *args])
    assert res.exit_code == 2, res.output
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), res.exception
    text = "".join(res.output.split())  # rich wraps long lines, even inside a path
    for needle in needles:
        assert "".join(needle.split()) in text, (needle, res.output)
    assert not (outdir / "out").exists()
    assert list(outdir.iterdir()) == []  # no temporary folder left behind either
    assert snapshot(tmp_path) == before
    return text


@pytest.fixture
def scn(tmp_path: Path) -> Path:
    return write_tiny_scenario(tmp_path / "scn")


COM = "communities.csv"
SPA = "spaces.csv"


# ------------------------------------------------------------------ cells of the data files

@pytest.mark.parametrize("table, row, col, value, message", [
    (COM, 2, "households", "abc", "valid number"),
    (COM, 3, "households", "-5", "greater than or equal to 0"),
    (COM, 1, "residents_0_2", "many", "valid number"),
    (COM, 3, "residents_80_plus", "-1", "greater than or equal to 0"),
    (COM, 3, "kind", "old", "'new' or 'existing'"),
    (COM, 2, "health_score", "150", "less than or equal to 100"),
    (COM, 2, "x", "abc", "not a number"),
    (COM, 3, "y", "", "not a number"),
    (COM, 3, "community_id", "T-C1", "duplicate id 'T-C1'"),
    (COM, 2, "community_type", "castle", "Input should be"),
    (SPA, 2, "area_m2", "-10", "greater than 0"),
    (SPA, 3, "area_m2", "0", "greater than 0"),
    (SPA, 1, "area_m2", "", "valid number"),
    (SPA, 1, "floor", "0", "floor 0 does not exist"),
    (SPA, 2, "floor", "2.5", "valid integer"),
    (SPA, 2, "floor", "ground", "valid integer"),
    (SPA, 4, "excluded_services", "infant_care;sauna", "unknown service 'sauna'"),
    (SPA, 2, "space_id", "T-S1", "duplicate id 'T-S1'"),
    (SPA, 3, "status", "maybe", "'candidate', 'required' or 'forbidden'"),
    (SPA, 1, "source", "bought", "Input should be"),
    (SPA, 2, "acquisition_cny", "-1", "greater than or equal to 0"),
    (SPA, 4, "retrofit_cny_per_m2", "cheap", "valid number"),
])
def test_bad_cell_is_located(tmp_path, scn, table, row, col, value, message):
    path = scn.parent / "data" / table
    set_cell(path, row, col, value)
    with pytest.raises(InputError) as ei:
        load(scn)
    loc = ei.value.location
    assert Path(loc.file) == path
    assert loc.row == row
    assert loc.field == col
    assert message in str(ei.value)
    assert_cli_refuses(scn, tmp_path, needles=(str(path), f"row {row}", f"field '{col}'"))


@pytest.mark.parametrize("table, col", [
    (COM, "households"), (COM, "kind"), (COM, "residents_60_79"), (COM, "health_score"), (COM, "community_id"),
    (COM, "x"), (SPA, "area_m2"), (SPA, "floor"), (SPA, "source"), (SPA, "space_id"), (SPA, "y"),
])
def test_missing_column_is_named(tmp_path, scn, table, col):
    path = scn.parent / "data" / table
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=[col]).to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        load(scn)
    assert Path(ei.value.location.file) == path
    assert ei.value.location.field == col
    assert f"missing column '{col}'" in str(ei.value)
    assert_cli_refuses(scn, tmp_path, needles=(str(path), f"missing column '{col}'"))


def test_existing_area_column_of_an_unknown_service(tmp_path, scn):
    path = scn.parent / "data" / COM
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["existing_m2_sauna"] = "10"
    df.to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        load(scn)
    assert ei.value.location.field == "existing_m2_sauna"
    assert "unknown service 'sauna'" in str(ei.value)
    assert_cli_refuses(scn, tmp_path, needles=(str(path), "existing_m2_sauna"))


def test_negative_existing_area(tmp_path, scn):
    path = scn.parent / "data" / COM
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["existing_m2_infant_care"] = ["0", "-3", "0"]
    df.to_csv(path, index=False)
    with pytest.raises(InputError) as ei:
        load(scn)
    loc = ei.value.location
    assert (loc.row, loc.field) == (2, "existing_m2_infant_care")
    assert_cli_refuses(scn, tmp_path, needles=("row 2", "existing_m2_infant_care"))


@pytest.mark.parametrize("table", [COM, SPA])
@pytest.mark.parametrize("content, message", [
    ("", "file is empty"),
    ("community_id,x,y\n", "no data rows"),
])
def test_empty_files(tmp_path, scn, table, content, message):
    path = scn.parent / "data" / table
    path.write_text(content)
    with pytest.raises(InputError) as ei:
        load(scn)
    assert Path(ei.value.location.file) == path
    assert message in str(ei.value)
    assert_cli_refuses(scn, tmp_path, needles=(str(path), message))


def test_missing_data_file(tmp_path, scn):
    (scn.parent / "data" / SPA).unlink()
    with pytest.raises(InputError) as ei:
        load(scn)
    assert "not found" in str(ei.value) and ei.value.location.file.endswith(SPA)
    assert_cli_refuses(scn, tmp_path, needles=("spaces file not found",))


def test_unsupported_file_type(tmp_path, scn):
    src = scn.parent / "data" / SPA
    src.rename(src.with_suffix(".xlsx"))
    with pytest.raises(InputError, match="unsupported file type"):
        load(scn, assignments=["data.spaces=data/spaces.xlsx"])


# ------------------------------------------------------------------ CRS

def test_unknown_crs(tmp_path, scn):
    with pytest.raises(InputError) as ei:
        load(scn, assignments=["data.crs=EPSG:99999"])
    assert ei.value.location.field == "crs"
    assert "unknown CRS 'EPSG:99999'" in str(ei.value)
    assert_cli_refuses(scn, tmp_path, "--set", "data.crs=EPSG:99999", needles=("unknown CRS",))


def test_csv_without_crs(tmp_path, scn):
    with pytest.raises(InputError) as ei:
        load(scn, assignments=["data.crs=null"])
    assert ei.value.location.field == "crs"
    assert ei.value.location.file.endswith(COM)
    assert_cli_refuses(scn, tmp_path, "--set", "data.crs=null", needles=("needs a coordinate reference system",))


def test_geographic_crs_in_degrees_is_reprojected_not_an_error(tmp_path):
    # a CSV in EPSG:4326 (lon/lat) is projected to UTM for distances, with a warning
    com, spa = tiny_tables()
    com["x"], com["y"] = 120.0 + np.arange(3) * 0.003, 30.3
    spa["x"], spa["y"] = 120.0 + np.arange(4) * 0.002, 30.301
    text = TINY_SCENARIO.replace("crs: EPSG:4549", "crs: EPSG:4326")
    path = write_tiny_scenario(tmp_path / "geo", com, spa, text=text)
    with pytest.warns(UserWarning, match="projected"):
        inst = load(path)
    assert not inst.communities.crs.is_geographic
    assert inst.reach.n_pairs > 0


# ------------------------------------------------------------------ the scenario file

def write_yaml(tmp_path: Path, text: str) -> Path:
    return write_tiny_scenario(tmp_path / "scn2", text=text)


@pytest.mark.parametrize("extra, field", [
    ("budgett: 5\n", "budgett"),                                   # top level
    ("walking: {speed_m_per_min: 75, detur_factor: 1.3}\n", "walking.detur_factor"),  # nested
    ("objective: {mode: demand, enforse: [area]}\n", "objective.enforse"),
    ("hubs: {share: true}\n", "hubs.share"),
])
def test_unknown_scenario_key(tmp_path, extra, field):
    path = write_yaml(tmp_path, TINY_SCENARIO.replace("objective: {mode: standards}\n", "") + extra)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    assert ei.value.location.file == str(path)
    assert ei.value.location.field == field
    assert f"unknown key '{field}'" in str(ei.value)
    assert_cli_refuses(path, tmp_path, needles=(str(path), f"unknown key '{field}'"))


@pytest.mark.parametrize("assignment, field", [
    ("budgett=5", "budgett"),
    ("objective.mod=demand", "objective.mod"),
    ("solver.backnd=cbc", "solver.backnd"),
])
def test_unknown_key_from_set(tmp_path, scn, assignment, field):
    with pytest.raises(ScenarioError) as ei:
        load_scenario(scn, assignments=[assignment])
    assert ei.value.location.field == field and ei.value.location.file == f"--set {assignment}"
    assert_cli_refuses(scn, tmp_path, "--set", assignment, needles=(f"--set {assignment}", f"unknown key '{field}'"))


@pytest.mark.parametrize("assignment, field", [
    ("budget_cny=abc", "budget_cny"),
    ("budget_cny=-1", "budget_cny"),
    ("horizon_years=0", "horizon_years"),
    ("objective.mode=cheapest", "objective.mode"),
    ("objective.enforce=[parking]", "objective.enforce.0"),
    ("solver.backend=gurobi", "solver.backend"),
    ("walking.detour_factor=0.5", "walking.detour_factor"),
])
def test_bad_value_is_located(tmp_path, scn, assignment, field):
    with pytest.raises(ScenarioError) as ei:
        load_scenario(scn, assignments=[assignment])
    assert ei.value.location.field == field
    assert ei.value.location.file == f"--set {assignment}"  # the command-line assignment, not the file
    assert_cli_refuses(scn, tmp_path, "--set", assignment, needles=(f"--set {assignment}", f"field '{field}'"))


@pytest.mark.parametrize("assignment, message", [
    ("novalue", "--set novalue: not key=value"),
    ("=5", "empty key"),
    ("budget_cny=[1", "not valid YAML"),
])
def test_bad_set_syntax(tmp_path, scn, assignment, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(scn, assignments=[assignment])
    assert_cli_refuses(scn, tmp_path, "--set", assignment, needles=(message,))


def test_unknown_override_name(tmp_path, scn):
    with pytest.raises(ScenarioError) as ei:
        load_scenario(scn, overrides=["cheap", "nope"])
    assert ei.value.location.field == "overrides"
    assert "unknown override 'nope'" in str(ei.value) and "'cheap'" in str(ei.value)
    assert_cli_refuses(scn, tmp_path, "-o", "nope", needles=(str(scn), "unknown override 'nope'"))


def test_missing_data_section(tmp_path):
    text = TINY_SCENARIO.split("data:")[0]
    path = write_yaml(tmp_path, text)
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    assert ei.value.location.field == "data"
    assert "missing key 'data'" in str(ei.value)
    assert_cli_refuses(path, tmp_path, needles=("missing key 'data'",))


def test_invalid_yaml_names_the_line(tmp_path):
    path = write_yaml(tmp_path, TINY_SCENARIO.replace("horizon_years: 10", "horizon_years: [10"))
    with pytest.raises(ScenarioError) as ei:
        load_scenario(path)
    assert ei.value.location.file == str(path)
    assert ei.value.location.row is not None
    assert_cli_refuses(path, tmp_path, needles=("not valid YAML",))


def test_scenario_not_a_mapping(tmp_path):
    path = write_yaml(tmp_path, "- just\n- a list\n")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(path)
    assert_cli_refuses(path, tmp_path, needles=("mapping",))


def test_scenario_file_not_found(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(path)
    res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and not (tmp_path / "out").exists()


# ------------------------------------------------------------------ errors found while deriving the instance

@pytest.mark.parametrize("assignments, error, field, message", [
    (["standard=nope"], CatalogueError, "standard", "unknown standard preset 'nope'"),
    (["standard_overrides.hub.requird=false"], CatalogueError, "standard_overrides.hub.requird", "Extra inputs"),
    (["spaces.locked=[T-S9]"], ScenarioError, "spaces.locked", "unknown space id 'T-S9'"),
    (["spaces.forbidden=[T-S9]"], ScenarioError, "spaces.forbidden", "unknown space id 'T-S9'"),
    (["spaces.locked=[T-S1]", "spaces.forbidden=[T-S1]"], ScenarioError, "spaces", "both required/locked and forbidden"),
    (["demand_growth.age_99=1.2"], ScenarioError, "demand_growth", "unknown age group 'age_99'"),
    (["catalogue_overrides.services.infant_care.m2_per_user=-1"], CatalogueError,
     "catalogue_overrides.services.infant_care.m2_per_user", "greater than 0"),
    (["catalogue_overrides.services.infant_care.floors=[0, 1]"], CatalogueError,
     "catalogue_overrides.services.infant_care", "never 0"),
])
def test_settings_errors_name_the_scenario_file(tmp_path, scn, assignments, error, field, message):
    with pytest.raises(error) as ei:
        load(scn, assignments=assignments)
    assert ei.value.location.field == field
    assert message in str(ei.value)
    assert str(scn) in str(ei.value.location.file)
    args = [a for s in assignments for a in ("--set", s)]
    assert_cli_refuses(scn, tmp_path, *args, needles=(message, str(scn)))


@pytest.mark.parametrize("assignments, error, field, message", [
    (["standard=nope"], CatalogueError, "standard", "unknown standard preset 'nope'"),
    (["standard_overrides.hub.requird=false"], CatalogueError, "standard_overrides.hub.requird", "Extra inputs"),
    (["spaces.locked=[T-S9]"], ScenarioError, "spaces.locked", "unknown space id 'T-S9'"),
    (["spaces.forbidden=[T-S9]"], ScenarioError, "spaces.forbidden", "unknown space id 'T-S9'"),
    (["spaces.locked=[T-S1]", "spaces.forbidden=[T-S1]"], ScenarioError, "spaces", "both required/locked and forbidden"),
    (["demand_growth.age_99=1.2"], ScenarioError, "demand_growth", "unknown age group 'age_99'"),
    (["catalogue_overrides.services.sauna.m2_per_user=3"], CatalogueError, "catalogue_overrides.services.sauna", ""),
])
def test_settings_errors_name_the_field(tmp_path, scn, assignments, error, field, message):
    # the located part that works today: the error class, the field and the message
    with pytest.raises(error) as ei:
        load(scn, assignments=assignments)
    assert str(ei.value.location.field).startswith(field)
    assert message in str(ei.value)
    args = [a for s in assignments for a in ("--set", s)]
    assert_cli_refuses(scn, tmp_path, *args, needles=(message, f"field '{field}"))


def test_unknown_locked_space_from_the_scenario_file(tmp_path):
    path = write_yaml(tmp_path, TINY_SCENARIO + "spaces: {locked: [T-S1, NOPE]}\n")
    with pytest.raises(ScenarioError, match="unknown space id 'NOPE'"):
        load(path)
    assert_cli_refuses(path, tmp_path, needles=("unknown space id 'NOPE'",))


# ------------------------------------------------------------------ adjacency, library entry points

def test_adjacency_with_unknown_community(tmp_path, scn):
    adj = scn.parent / "data" / "adjacency.csv"
    adj.write_text("community_id,neighbour_id\nT-C1,T-C2\nT-C2,T-C9\n")
    with pytest.raises(InputError) as ei:
        load(scn, assignments=["data.adjacency=data/adjacency.csv"])
    loc = ei.value.location
    assert (Path(loc.file), loc.row, loc.field) == (adj, 2, "neighbour_id")
    assert_cli_refuses(scn, tmp_path, "--set", "data.adjacency=data/adjacency.csv", needles=("unknown community 'T-C9'",))


def test_every_error_is_a_siting_error_with_exit_code_2():
    for cls in (InputError, ScenarioError, CatalogueError):
        assert issubclass(cls, SitingError) and cls.exit_code == 2


def test_from_arrays_rejects_bad_rows_with_a_location():
    with pytest.raises(InputError) as ei:
        Instance.from_arrays(community_xy=[[0, 0]], households=100, residents=np.zeros((1, 7)),
                             space_xy=[[0, 0], [10, 0]], space_area_m2=[100, -5])
    assert ei.value.location.row == 2 and ei.value.location.field == "area_m2"
    with pytest.raises(InputError) as ei:
        Instance.from_arrays(community_xy=[[0, 0]], households=100, residents=np.zeros((1, 7)),
                             space_xy=[[0, 0]], space_area_m2=[100], space_floor=0)
    assert ei.value.location.field == "floor"


# ------------------------------------------------------------------ the demo data, corrupted

@pytest.mark.parametrize("table, row, col, value", [
    (COM, 57, "households", "abc"),
    (SPA, 300, "floor", "0"),
    (SPA, 120, "excluded_services", "infant_care;spa"),
])
def test_corrupted_demo_row_is_located(demo_copy, tmp_path, table, row, col, value):
    path = demo_copy.parent / "data" / table
    set_cell(path, row, col, value)
    with pytest.raises(InputError) as ei:
        load(demo_copy)
    loc = ei.value.location
    assert (Path(loc.file), loc.row, loc.field) == (path, row, col)
    assert_cli_refuses(demo_copy, tmp_path, needles=(f"row {row}", f"field '{col}'"))
