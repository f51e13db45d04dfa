"""plan.gpkg as a planner opens it in QGIS: every candidate space (taken or passed over), a
shortfalls layer, and default layer styles in the standard ``layer_styles`` table."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

from siting.cli import app


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    from conftest import write_tiny_scenario

    base = tmp_path_factory.mktemp("gpkg")
    scn = write_tiny_scenario(base / "scn")
    res = CliRunner().invoke(app, ["run", str(scn), "--out", str(base / "out"), "--quiet"])
    assert res.exit_code == 0, res.output
    return base / "out"


def test_spaces_layer_holds_every_candidate(out):
    spa = gpd.read_file(out / "plan.gpkg", layer="spaces")
    summary = json.loads((out / "summary.json").read_text())
    assert len(spa) == summary["candidate_spaces"] == 4
    assert int(spa["taken"].sum()) == summary["spaces_taken"] and not spa["taken"].all()
    assert {"status", "services", "n_services", "used_area_m2"} <= set(spa.columns)
    passed_over = spa[~spa["taken"]]
    assert (passed_over["used_area_m2"] == 0).all() and (passed_over["services"].fillna("") == "").all()
    taken = spa[spa["taken"]]
    assert (taken["services"].str.len() > 0).all()
    # spaces.csv stays the table of the spaces taken (its sums are the plan's)
    assert len(pd.read_csv(out / "spaces.csv")) == summary["spaces_taken"]
    assert len(gpd.read_file(out / "spaces.geojson")) == 4


def test_shortfalls_layer_has_the_community_geometry_and_reason(out):
    short = pd.read_csv(out / "shortfalls.csv")
    layer = gpd.read_file(out / "plan.gpkg", layer="shortfalls")
    assert len(layer) == len(short) > 0
    assert list(layer["community_id"]) == list(short["community_id"])
    assert layer["reason"].str.len().gt(0).all() and set(layer["rule"]) == set(short["rule"])
    com = gpd.read_file(out / "plan.gpkg", layer="communities").set_index("community_id")
    for cid, geom in zip(layer["community_id"], layer.geometry):
        assert geom.equals(com.loc[cid, "geometry"])


def test_layer_styles_table_as_qgis_reads_it(out):
    con = sqlite3.connect(out / "plan.gpkg")
    try:
        cols = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        assert cols == ["id", "f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName",
                        "styleQML", "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"]
        rows = con.execute("SELECT f_table_name, f_geometry_column, styleQML, useAsDefault "
                           "FROM layer_styles").fetchall()
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        registered = con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
    finally:
        con.close()
    assert registered == ("attributes",)
    assert {r[0] for r in rows} == {"communities", "spaces", "links", "hubs", "shortfalls"}
    for table, gcol, qml, default in rows:
        assert gcol == geom_cols[table] and default == 1
        root = ET.fromstring(qml.split("'SYSTEM'>", 1)[1])  # well-formed QML after the doctype
        renderer = root.find("renderer-v2")
        assert renderer is not None and renderer.get("type") == "RuleRenderer"
        rules = renderer.findall("rules/rule")
        symbols = {s.get("name") for s in renderer.findall("symbols/symbol")}
        assert rules and {r.get("symbol") for r in rules} == symbols
    communities = dict((r[0], r[2]) for r in rows)["communities"]
    assert '"coverage_after" &lt; 0.5' in communities or '"coverage_after" < 0.5' in communities
    # GDAL still lists exactly the map layers (layer_styles is an attributes table)
    layers = {name for name, geom in pyogrio.list_layers(out / "plan.gpkg") if geom}
    assert layers == {"communities", "spaces", "links", "hubs", "shortfalls"}


def test_counts_are_integers_and_figures_are_rounded(out):
    import re

    com = gpd.read_file(out / "plan.gpkg", layer="communities")
    assert pd.api.types.is_integer_dtype(com["households"])
    text = (out / "communities.csv").read_text()
    header, first = text.splitlines()[:2]
    households = first.split(",")[header.split(",").index("households")]
    assert re.fullmatch(r"\d+", households), households
    for name in ("communities", "spaces", "services", "coverage_by_age", "accessibility", "healthcheck"):
        body = (out / f"{name}.csv").read_text()
        assert not re.search(r"\d\.\d{7,}", body), f"{name}.csv has more than 6 decimals"
        assert "0.9999999" not in body
