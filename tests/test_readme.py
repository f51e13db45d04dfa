"""README's main "From Python" block runs as written: GeoDataFrames in, a solve, GeoDataFrames and
files out. A change to the library that breaks README's code fails here.

The block reads ``communities.gpkg`` and ``spaces.gpkg`` from the working folder; the test writes
them there from three demo communities and the candidate spaces within 700 m of them. The solve is
in deterministic mode (limited by branch-and-bound nodes), so README's 120 s limit is only a
safety net: this instance is proven optimal in about a second and nothing in the text is changed.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from conftest import DEMO_DATA, REPO

CRS = "EPSG:4549"  # scenarios/demo/scenario.yaml, data.crs


def readme_block(heading: str) -> str:
    """The first ``python`` code block under README's ``## heading`` (up to the next ``## ``)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {heading}\n")
    section = text[start: text.index("\n## ", start + 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert blocks, f"README section {heading!r} has no python block"
    return blocks[0]


def write_demo_gpkgs(folder, n_communities: int = 3, radius_m: float = 700.0) -> None:
    com = pd.read_csv(DEMO_DATA / "communities.csv").iloc[:n_communities]
    spa = pd.read_csv(DEMO_DATA / "spaces.csv", keep_default_na=False)
    gap = np.hypot(spa["x"].to_numpy()[:, None] - com["x"].to_numpy()[None],
                   spa["y"].to_numpy()[:, None] - com["y"].to_numpy()[None]).min(axis=1)
    spa = spa[gap < radius_m]
    for name, df in (("communities", com), ("spaces", spa)):
        gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(df["x"], df["y"]), crs=CRS)
        gdf.to_file(folder / f"{name}.gpkg", driver="GPKG")


def test_readme_from_python_section_runs_as_written(tmp_path, monkeypatch, capsys):
    from siting.core.results import SolveStatus

    write_demo_gpkgs(tmp_path)
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(readme_block("From Python"), "README.md", "exec"), ns)  # noqa: S102 -- README's own example
    out, layers, taken = ns["out"], ns["layers"], ns["taken"]
    assert out.result.status is SolveStatus.OPTIMAL and out.evaluation.feasible
    assert out.instance.n_communities == 3
    # GeoDataFrames out, with ids: the taken spaces are the plan's
    assert isinstance(taken, gpd.GeoDataFrame) and len(taken) == out.plan.n_taken > 0
    assert list(taken["space_id"]) == [out.instance.space_ids[j] for j in np.flatnonzero(out.plan.taken)]
    assert set(layers) == {"communities", "spaces", "links", "hubs", "shortfalls"}
    # and files: the plan folder and the report
    assert (tmp_path / "plan" / "plan.gpkg").is_file() and (tmp_path / "plan" / "summary.json").is_file()
    assert "<!DOCTYPE html>" in (tmp_path / "report.html").read_text(encoding="utf-8")
    assert capsys.readouterr().out.strip(), "the progress callback printed nothing"
