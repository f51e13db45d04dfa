"""Regression tests of the escape classes of issue 12: each ended in another exception, a hang
or a silent wrong answer; each must now end in a located ``SitingError`` (CLI exit 2).

One test per class, on the tiny scenario of conftest (three communities, four spaces).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TINY_SCENARIO, tiny_tables, write_tiny_scenario
from siting.cli import app
from siting.core.catalogue import deep_merge, load_catalogue
from siting.errors import CatalogueError, InputError, ScenarioError, SitingError
from siting.guards import MAX_YAML_DEPTH, input_file, load_yaml
from siting.io.load import load_instance
from siting.io.readers import read_adjacency
from siting.io.scenario import load_scenario
from siting.travel.network import StreetNetwork
from siting.travel.od import reach_from_od_table

runner = CliRunner()


def load(path: Path, overrides=(), assignments=()):
    return load_instance(load_scenario(path, overrides=overrides, assignments=assignments))


@pytest.fixture
def scn(tmp_path: Path) -> Path:
    return write_tiny_scenario(tmp_path / "scn")


def refused(fn, *args, names: str | None = None, error=SitingError, **kw) -> SitingError:
    """``fn(*args)`` raises ``error``; its message names ``names`` (a file) when given."""
    with pytest.raises(error) as ei:
        fn(*args, **kw)
    if names is not None:
        assert names in str(ei.value), str(ei.value)
    return ei.value


# ------------------------------------------------------------------ wrong shapes in YAML

@pytest.mark.parametrize("section", ["x: 5", "x: [1, 2]", "x: text", "x: null"])
def test_named_override_that_is_not_a_mapping(tmp_path, section):
    path = write_tiny_scenario(tmp_path / "s", text=TINY_SCENARIO.replace("  cheap:\n", f"  {section}\n  cheap:\n"))
    err = refused(load_scenario, path, overrides=["x"], error=ScenarioError, names=str(path))
    assert err.location.field == "overrides.x"


def test_overrides_section_that_is_not_a_mapping(tmp_path):
    text = TINY_SCENARIO[:TINY_SCENARIO.index("overrides:")] + "overrides: [a, b]\n"
    path = write_tiny_scenario(tmp_path / "s", text=text)
    refused(load_scenario, path, overrides=["a"], error=ScenarioError, names=str(path))


@pytest.mark.parametrize("value", ['"x"', "5", "[a, b]"])
def test_catalogue_services_that_are_not_a_mapping(scn, value):
    refused(load, scn, assignments=[f"catalogue_overrides.services={value}"], error=CatalogueError, names=str(scn))
    refused(load_catalogue, {"services": json.loads(value) if value != "[a, b]" else ["a", "b"]},
            error=CatalogueError)


# ------------------------------------------------------------------ nesting depth and size

def test_yaml_nested_thousands_deep(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    refused(load_scenario, path, error=ScenarioError, names=str(path))
    path.write_text("".join("  " * i + "a:\n" for i in range(3000)) + "  " * 3000 + "b: 1\n")
    refused(load_scenario, path, error=ScenarioError, names=str(path))


def test_yaml_depth_cap_allows_real_scenarios():
    assert load_yaml("a: " + "[" * (MAX_YAML_DEPTH - 1) + "]" * (MAX_YAML_DEPTH - 1), "x") is not None
    with pytest.raises(InputError, match="levels deep"):
        load_yaml("a: " + "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH, "x")


def test_billion_laughs_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "laughs.yaml"
    path.write_text("\n".join(lines) + "\n")
    refused(load_scenario, path, error=ScenarioError, names=str(path))


def test_set_path_thousands_deep(scn):
    # a --set error names the assignment (issue 13), cut to its first 200 characters
    refused(load_scenario, scn, assignments=["a" + ".a" * 5000 + "=1"], error=ScenarioError, names="--set a.a.a")
    refused(load_scenario, scn, assignments=["objective=" + "[" * 3000 + "]" * 3000], error=ScenarioError,
            names="--set objective=[[[")


def test_deep_merge_of_a_value_nested_thousands_deep():
    deep: dict = {}
    for _ in range(5000):
        deep = {"a": deep}
    with pytest.raises(InputError, match="levels deep"):
        deep_merge({"a": 1}, deep)


def test_oversized_scenario_file(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("name: x\ndescription: " + "y" * (5 * 2**20) + "\n")
    refused(load_scenario, path, error=ScenarioError, names=str(path))


def test_integer_of_thousands_of_digits(scn):
    refused(load_scenario, scn, assignments=["seed=" + "9" * 5000], error=ScenarioError, names="--set seed=999")


# ------------------------------------------------------------------ files that are not regular files

def _run_with_timeout(fn, timeout_s: float = 10.0):
    """Run ``fn`` in a thread; fail (never hang) if it has not finished in ``timeout_s``."""
    box: dict = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout_s)
    assert not t.is_alive(), "the read blocked"
    if "error" in box:
        raise box["error"]
    return box.get("value")


@pytest.mark.parametrize("key", ["communities", "spaces", "adjacency", "travel_times", "network"])
def test_fifo_never_blocks(scn, key):
    fifo = scn.parent / "data" / f"pipe_{key}.csv"
    if key == "network":
        fifo = fifo.with_suffix(".gpkg")
    os.mkfifo(fifo)
    err = _run_with_timeout(lambda: refused(load, scn, assignments=[f"data.{key}={fifo}"], error=InputError))
    assert str(fifo) in str(err) and "not a regular file" in str(err)


@pytest.mark.parametrize("key", ["communities", "spaces", "adjacency", "travel_times", "network"])
def test_directory_is_not_a_file(scn, key):
    folder = scn.parent / "data" / f"folder_{key}.csv"
    folder.mkdir()
    err = refused(load, scn, assignments=[f"data.{key}={folder}"], error=InputError)
    assert str(folder) in str(err) and "folder" in str(err)


def test_scenario_path_that_is_a_fifo_or_a_folder(tmp_path):
    os.mkfifo(tmp_path / "s.yaml")
    _run_with_timeout(lambda: refused(load_scenario, tmp_path / "s.yaml", error=ScenarioError))
    refused(load_scenario, tmp_path, error=ScenarioError, names=str(tmp_path))


def test_device_and_overlong_and_nul_paths(tmp_path):
    refused(input_file, "/dev/null", "communities", names="/dev/null")
    long = tmp_path / ("x" * 300) / "communities.csv"
    err = refused(input_file, long, "communities")
    assert "too long" in str(err)
    refused(input_file, str(tmp_path / "a\x00b.csv"), "communities")


def test_symlink_to_a_system_file_is_a_parse_error(scn, tmp_path):
    target = next((p for p in ("/etc/services", "/etc/passwd", "/etc/os-release") if Path(p).is_file()), None)
    if target is None:
        pytest.skip("no system text file to link to")
    link = scn.parent / "data" / "linked.csv"
    link.symlink_to(target)
    for key in ("communities", "adjacency"):
        refused(load, scn, assignments=[f"data.{key}={link}"], error=InputError, names=str(link))


# ------------------------------------------------------------------ the adjacency reader

@pytest.mark.parametrize("content, message", [
    (b"community_id,neighbour_id\n\xff\xfe,T-C2\n", "UTF-8"),
    (b'community_id,neighbour_id\nT-C1,T-C2\n"T-C2,T-C3,x\n', "parse"),
    (b"", "empty"),
    (b"community_id,neighbour_id\n", "no data rows"),
])
def test_adjacency_reader_has_the_checks_of_the_other_readers(tmp_path, content, message):
    path = tmp_path / "adj.csv"
    path.write_bytes(content)
    err = refused(read_adjacency, path, pd.Index(["T-C1", "T-C2", "T-C3"]), error=InputError, names=str(path))
    assert message in str(err)


# ------------------------------------------------------------------ huge, infinite and NaN numbers

def _corrupt(scn: Path, table: str, row: int, col: str, value: str) -> Path:
    path = scn.parent / "data" / table
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 1, col] = value
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("table, col, value", [
    ("communities.csv", "x", "1e300"),
    ("communities.csv", "y", "-1e300"),
    ("spaces.csv", "x", "1e300"),
    ("spaces.csv", "floor", "9223372036854775807"),
    ("spaces.csv", "floor", "-9223372036854775809"),
    ("communities.csv", "households", "1e300"),
    ("communities.csv", "households", "inf"),
    ("communities.csv", "households", "nan"),
    ("communities.csv", "residents_60_79", "1e300"),
    ("spaces.csv", "area_m2", "inf"),
    ("spaces.csv", "area_m2", "1e300"),
    ("spaces.csv", "acquisition_cny", "1e300"),
    ("spaces.csv", "available_year", "99999999999"),
    ("communities.csv", "health_score", "nan"),
])
def test_huge_or_non_finite_number_in_a_table(scn, table, col, value):
    path = _corrupt(scn, table, 2, col, value)
    err = refused(load, scn, error=InputError, names=str(path))
    assert err.location.row == 2, str(err)


@pytest.mark.parametrize("assignment, field", [
    ("demand_growth.age_60_79=.nan", "demand_growth.age_60_79"),
    ("demand_growth.age_80_plus=.inf", "demand_growth.age_80_plus"),
    ("demand_growth.age_80_plus=1e300", "demand_growth.age_80_plus"),
    ("demand_growth.age_80_plus=-1", "demand_growth.age_80_plus"),
    ("budget_cny=.inf", "budget_cny"),
    ("horizon_years=1e300", "horizon_years"),
    ("walking.speed_m_per_min=.nan", "walking.speed_m_per_min"),
    ("solver.time_limit_s=.inf", "solver.time_limit_s"),
    ("solver.threads=100000000000", "solver.threads"),
    ("solver.seed=99999999999999999999", "solver.seed"),
    ("data.max_snap_m=.inf", "data.max_snap_m"),
])
def test_huge_or_non_finite_setting(scn, assignment, field):
    err = refused(load_scenario, scn, assignments=[assignment], error=ScenarioError, names=str(scn))
    assert err.location.field == field


@pytest.mark.parametrize("assignment", [
    "standard_overrides.area_m2_per_100hh.existing=-80",
    "standard_overrides.area_m2_per_100hh.new=.nan",
    "standard_overrides.area_m2_per_100hh_by_type.old_compound=-1",
    "standard_overrides.hub.min_area_m2.new=-600",
    "standard_overrides.age_weights.age_80_plus=-2",
    "standard_overrides.priority.per_point_below_100=-1",
    "standard_overrides.hub.min_functions=-3",
    "catalogue_overrides.services.infant_care.uptake_per_1000.age_0_2=-5",
    "catalogue_overrides.services.infant_care.min_area_m2=-5",
    "catalogue_overrides.services.infant_care.m2_per_user=.inf",
    "catalogue_overrides.services.infant_care.floors=[9223372036854775807]",
])
def test_negative_or_non_finite_standard(scn, assignment):
    err = refused(load, scn, assignments=[assignment], error=CatalogueError, names=str(scn))
    assert err.location.field.startswith(assignment.split("=")[0]), str(err)


def test_od_table_and_network_with_huge_numbers(tmp_path):
    od = tmp_path / "od.csv"
    od.write_text("community_id,space_id,minutes\nA,S,inf\n")
    refused(reach_from_od_table, od, ["A"], ["S"], 15.0, error=InputError, names=str(od))
    import geopandas as gpd
    from shapely.geometry import LineString

    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1e300, 0)]), LineString([(0, 0), (0, 100)])],
                             crs="EPSG:4549")
    refused(StreetNetwork.from_geodataframe, lines, error=InputError)


# ------------------------------------------------------------------ CRS mistakes

def test_crs_without_a_utm_zone_is_a_clear_error(scn):
    # projected metres declared as lon/lat: neither degrees nor a UTM zone
    err = refused(load, scn, assignments=["data.crs=+proj=longlat +datum=WGS84"], error=InputError)
    assert "cannot be degrees" in str(err) and "EPSG:4549" in str(err)


def test_geojson_with_metre_coordinates_is_an_error_with_the_fix(scn, tmp_path):
    import geopandas as gpd

    com, _ = tiny_tables()
    gdf = gpd.GeoDataFrame(com.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(com["x"], com["y"]))
    path = scn.parent / "data" / "communities.geojson"
    # GeoJSON carries no CRS: it is EPSG:4326 by definition, and these are metres
    path.write_text(gdf.to_json())
    err = refused(load, scn, assignments=[f"data.communities={path}"], error=InputError, names=str(path))
    assert "look like metres" in str(err) and "GeoJSON" in str(err)


def test_degrees_declared_as_metres_is_an_error_with_the_fix(tmp_path):
    com, spa = tiny_tables()
    com["x"], com["y"] = 120.0 + np.arange(3) * 0.003, 30.3
    spa["x"], spa["y"] = 120.0 + np.arange(4) * 0.002, 30.301
    path = write_tiny_scenario(tmp_path / "geo", com, spa)  # declared EPSG:4549 (metres)
    err = refused(load, path, error=InputError, names="communities.csv")
    assert "degrees" in str(err) and "EPSG:4326" in str(err)


# ------------------------------------------------------------------ through the CLI: exit 2, no traceback

@pytest.mark.parametrize("args", [
    ["--set", "demand_growth.age_60_79=.nan"],
    ["--set", "a" + ".a" * 3000 + "=1"],
    ["--set", "catalogue_overrides.services=x"],
    ["--set", "data.crs=+proj=longlat +datum=WGS84"],
    ["--set", "data.communities=/dev/null"],
])
def test_cli_exits_2_without_a_traceback(scn, args):
    res = runner.invoke(app, ["validate", str(scn), *args])
    assert res.exit_code == 2, res.output
    assert "error:" in res.output and "Traceback" not in res.output


# ------------------------------------------------------------------ numbers at the plausible limits still solve

def test_values_at_the_plausible_limits_solve(tmp_path):
    """The largest accepted numbers reach the solver and give a plan, not an exception."""
    from siting.guards import LIMITS

    com, spa = tiny_tables()
    com["households"] = LIMITS["households"][1]
    com["residents_60_79"] = LIMITS["residents"][1]
    spa["area_m2"] = LIMITS["area_m2"][1]
    spa["acquisition_cny"] = LIMITS["cost_cny"][1]
    spa["retrofit_cny_per_m2"] = LIMITS["cost_cny_per_m2"][1]
    path = write_tiny_scenario(tmp_path / "s", com, spa)
    for args in ([], ["--set", "objective.mode=demand", "--set", "budget_cny=1e13"]):
        res = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / f"out{len(args)}"), *args])
        assert res.exit_code == 0, res.output
