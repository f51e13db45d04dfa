"""Outputs keep the CRS the data came in (not the UTM zone used for distances); the scenario's
``data.output_crs`` chooses another; the GeoJSON files stay EPSG:4326."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from pyproj import CRS
from typer.testing import CliRunner

from siting.cli import app

LAYERS = ("communities", "spaces", "links", "hubs")


def _geo_scenario(folder, extra: str = ""):
    from conftest import TINY_SCENARIO, tiny_tables, write_tiny_scenario

    com, spa = tiny_tables()  # the tiny scenario in longitude / latitude
    com["x"], com["y"] = 120.0 + np.arange(3) * 0.003, 30.3 + np.array([0.0, 0.0, 0.0022])
    spa["x"], spa["y"] = 120.001 + np.arange(4) * 0.002, 30.3005
    text = TINY_SCENARIO.replace("crs: EPSG:4549", "crs: EPSG:4326" + extra)
    return write_tiny_scenario(folder, com, spa, text=text), com, spa


def _run(scn, out, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "projected to UTM for distances"
        res = CliRunner().invoke(app, ["run", str(scn), "--out", str(out), "--quiet", *args])
    return res


@pytest.fixture(scope="module")
def geo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("crs")
    scn, com, spa = _geo_scenario(base / "scn")
    res = _run(scn, base / "out")
    assert res.exit_code == 0, res.output
    return base / "out", com, spa


def test_layers_keep_the_input_crs(geo_run):
    out, com, spa = geo_run
    for layer in LAYERS:
        assert CRS.from_user_input(pyogrio.read_info(out / "plan.gpkg", layer=layer)["crs"]).to_epsg() == 4326, layer
    got = gpd.read_file(out / "plan.gpkg", layer="communities").set_index("community_id")
    for row in com.itertuples():  # the same coordinates as the input (round trip through UTM)
        p = got.loc[row.community_id, "geometry"]
        assert abs(p.x - row.x) < 1e-7 and abs(p.y - row.y) < 1e-7
    cand = gpd.read_file(out / "plan.gpkg", layer="spaces").set_index("space_id")
    assert np.allclose(cand.loc[spa["space_id"]].geometry.x, spa["x"], atol=1e-7)


def test_output_crs_chooses_another(tmp_path):
    scn, com, _ = _geo_scenario(tmp_path / "scn", "\n  output_crs: EPSG:4549")
    res = _run(scn, tmp_path / "out")
    assert res.exit_code == 0, res.output
    for layer in LAYERS:
        info = pyogrio.read_info(tmp_path / "out" / "plan.gpkg", layer=layer)
        assert CRS.from_user_input(info["crs"]).to_epsg() == 4549, layer
    got = gpd.read_file(tmp_path / "out" / "plan.gpkg", layer="communities")
    assert got.total_bounds[0] > 1e5  # metres (CGCS2000 / 3-degree Gauss-Kruger CM 120E), not degrees
    back = got.to_crs(4326).set_index("community_id").loc[com["community_id"]]
    assert np.allclose(back.geometry.x, com["x"], atol=1e-7)
    # GeoJSON stays EPSG:4326 (RFC 7946) whatever the GeoPackage's CRS
    geo = gpd.read_file(tmp_path / "out" / "communities.geojson")
    assert geo.crs.to_epsg() == 4326 and np.allclose(sorted(geo.geometry.x), sorted(com["x"]), atol=1e-7)


def test_set_output_crs_from_the_command_line(tmp_path):
    scn, _, _ = _geo_scenario(tmp_path / "scn")
    res = _run(scn, tmp_path / "out", "--set", "data.output_crs=EPSG:32651")
    assert res.exit_code == 0, res.output
    info = pyogrio.read_info(tmp_path / "out" / "plan.gpkg", layer="spaces")
    assert CRS.from_user_input(info["crs"]).to_epsg() == 32651


def test_unknown_output_crs_is_refused_before_solving(tmp_path):
    scn, _, _ = _geo_scenario(tmp_path / "scn", "\n  output_crs: EPSG:999999")
    res = _run(scn, tmp_path / "out")
    assert res.exit_code == 2
    assert "output_crs" in res.output and "EPSG:999999" in res.output
    assert not (tmp_path / "out").exists()
