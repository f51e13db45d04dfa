"""The library's writers: ``Outcome.to_geodataframes()``, ``Outcome.write(folder)`` and
``siting.report(outcome, path)`` give what ``siting run`` writes, with ids instead of indices."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import siting
from conftest import EXACT, residents, settings, tiny, write_tiny_scenario
from siting.analysis.figures import plan_figures
from siting.core.results import SolveStatus
from siting.errors import OutputError, SolverError
from siting.io.load import load_instance
from siting.io.outputs import tidy
from siting.io.scenario import load_scenario
from siting.plan import Outcome
from siting.report.html import report_html
from siting.solve import solve_instance

LAYERS = {"communities", "spaces", "links", "hubs", "shortfalls"}


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    """Two communities, three spaces: one community is served, the other is out of reach (a shortfall)."""
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0], [20_000, 0]], spaces=[[50, 0], [5000, 0], [80, 0]],
                res=residents(2, r0_2=[100, 100]), st=st, households=[400, 400], space_area_m2=[300, 300, 100],
                acquisition_cny=1_000, retrofit_cny_per_m2=100)
    out = solve_instance(inst, EXACT)
    assert out.result.status is SolveStatus.OPTIMAL and out.plan is not None
    return out


def test_layers_carry_ids_and_every_candidate(outcome):
    inst, plan = outcome.instance, outcome.plan
    layers = outcome.to_geodataframes()
    assert set(layers) == LAYERS
    assert all(isinstance(g, gpd.GeoDataFrame) and g.crs == inst.communities.crs for g in layers.values())
    com, spa, links, short = layers["communities"], layers["spaces"], layers["links"], layers["shortfalls"]
    assert list(com["community_id"]) == list(inst.community_ids)
    # every candidate space, taken or passed over, with its id and status
    assert list(spa["space_id"]) == list(inst.space_ids) and list(spa["taken"]) == list(plan.taken)
    assert spa["taken"].sum() == 1 and set(spa["status"]) == {"candidate"}
    assert spa.loc[spa["taken"], "services"].tolist() == ["infant_care"]
    # links name the community, space and service, not their indices
    assert list(links["community_id"]) == [inst.community_ids[c] for c in plan.served_community]
    assert list(links["space_id"]) == [inst.space_ids[j] for j in plan.served_space]
    assert set(links["service"]) == {"infant_care"} and np.allclose(links["users"], plan.served_users)
    # the far community is short of infant care; the near one is fully covered
    far, near = inst.community_ids[1], inst.community_ids[0]
    assert com.set_index("community_id").loc[near, "coverage_after"] == pytest.approx(1.0)
    assert com.set_index("community_id").loc[far, "coverage_short_users"] > 0
    assert set(short["community_id"]) == {far} and "coverage" in set(short["rule"])
    assert short.geometry.iloc[0].equals(com.set_index("community_id").geometry.loc[far])


def test_write_is_the_folder_siting_run_writes(outcome, tmp_path):
    folder = outcome.write(tmp_path / "plan")
    assert folder == tmp_path / "plan"
    files = {p.name for p in folder.iterdir()}
    assert {"report.html", "plan.gpkg", "summary.json", "scenario.yaml", "communities.csv", "spaces.csv",
            "links.csv", "shortfalls.csv", "communities.geojson"} <= files
    # the GeoPackage holds the layers to_geodataframes returns (rounded as the files are)
    layers = outcome.to_geodataframes()
    for name in ("communities", "spaces", "links", "shortfalls"):
        back = gpd.read_file(folder / "plan.gpkg", layer=name)
        want = tidy(layers[name]).reset_index(drop=True)
        assert list(back["geometry"].to_wkt()) == list(want["geometry"].to_wkt()), name
        pd.testing.assert_frame_equal(pd.DataFrame(back.drop(columns="geometry")),
                                      pd.DataFrame(want.drop(columns="geometry")),
                                      check_dtype=False, check_exact=False, rtol=1e-9, obj=name)
    with pytest.raises(OutputError, match="not empty"):
        outcome.write(folder)
    assert outcome.write(folder, force=True) == folder


def test_write_matches_siting_run_on_a_scenario(tmp_path):
    scn = write_tiny_scenario(tmp_path / "scn")
    from siting.cli import app

    res = CliRunner().invoke(app, ["run", str(scn), "--out", str(tmp_path / "cli")])
    assert res.exit_code == 0, res.output
    scenario = load_scenario(scn)
    # the CLI's solve can be stopped by Ctrl-C, which gives SCIP a node callback: that changes
    # SCIP's path (an optimal plan that differed in the sixth decimal without it,
    # docs/determinism.md), so the library solve listens for a stop too
    from siting.solvers import interrupt

    with interrupt.arm():
        outcome = solve_instance(load_instance(scenario), scenario.solver)
    lib = outcome.write(tmp_path / "lib", scenario=scenario)
    cli = tmp_path / "cli"
    assert {p.name for p in lib.iterdir()} == {p.name for p in cli.iterdir()}
    for name in ("communities.csv", "spaces.csv", "links.csv", "services.csv", "shortfalls.csv", "scenario.yaml"):
        assert (lib / name).read_text(encoding="utf-8") == (cli / name).read_text(encoding="utf-8"), name


def test_siting_report_writes_the_html_report(outcome, tmp_path):
    path = siting.report(outcome, tmp_path / "report.html")
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8") == report_html(outcome, plan_figures(outcome))
    zh = siting.report(outcome, tmp_path / "zh.html", lang="zh")
    assert 'lang="zh-CN"' in zh.read_text(encoding="utf-8")
    assert siting.write_report is not None and siting.api.report is not None
    with pytest.raises(OutputError, match="is a folder"):
        siting.report(outcome, tmp_path)
    with pytest.raises(OutputError, match="does not exist"):
        siting.report(outcome, tmp_path / "missing" / "report.html")


def test_report_package_still_imports_as_a_package():
    import siting.report.html as html_module
    from siting.report import words

    assert html_module.report_html is report_html and siting.report.html is html_module
    assert siting.report.words is words


def test_an_outcome_without_a_plan(outcome, tmp_path):
    bare = Outcome(outcome.instance, replace(outcome.result, status=SolveStatus.NO_SOLUTION, values=None,
                                             message="time limit reached"), None, None, 0.1, {}, outcome.options)
    with pytest.raises(SolverError, match="no_solution|no solution"):
        bare.to_geodataframes()
    folder = bare.write(tmp_path / "bare")
    assert {"summary.json", "scenario.yaml", "report.html"} <= {p.name for p in folder.iterdir()}
    assert not (folder / "plan.gpkg").exists()
    assert "No plan" in siting.report(bare, Path(tmp_path / "bare.html")).read_text(encoding="utf-8")
