"""Scenario wiring of the travel-time sources: straight line (default), OD table, street network."""

import pandas as pd
import pytest
import yaml

from siting.demo import demo_instance, export_demo
from siting.errors import ScenarioError
from siting.io.load import load_instance
from siting.io.scenario import load_scenario


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    export_demo(folder)
    return folder


def _with_data(demo_dir, tmp_path, **data):
    raw = yaml.safe_load((demo_dir / "scenario.yaml").read_text())
    raw["data"] = {"communities": str(demo_dir / "data/communities.csv"),
                   "spaces": str(demo_dir / "data/spaces.csv"), "crs": "EPSG:4549", **data}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_od_table_replaces_straight_lines(demo_dir, tmp_path):
    base = load_instance(load_scenario(demo_dir / "scenario.yaml"))
    r = base.reach
    od = pd.DataFrame({
        "community_id": base.community_ids[r.community], "space_id": base.space_ids[r.space],
        "minutes": r.walk_min * 2.0,  # everything twice as far
    })
    od.to_csv(tmp_path / "od.csv", index=False)
    inst = load_instance(load_scenario(_with_data(demo_dir, tmp_path, travel_times="od.csv")))
    assert inst.reach.source == "od_table"
    # only pairs with doubled minutes still within the 15-min cut-off remain
    assert inst.reach.n_pairs == int((r.walk_min * 2.0 <= inst.reach.max_walk_min + 1e-9).sum())
    assert inst.reach.walk_min.max() <= inst.reach.max_walk_min + 1e-9


def test_network_and_od_table_together_is_an_error(demo_dir, tmp_path):
    with pytest.raises(ScenarioError, match="either data.network or data.travel_times"):
        load_scenario(_with_data(demo_dir, tmp_path, travel_times="od.csv", network="net.gpkg"))


def test_demo_network_walks_are_never_shorter_than_straight_lines():
    straight = demo_instance()
    net = demo_instance(network=True)
    assert net.reach.source == "network" and net.reach.n_pairs > 0
    key = lambda r: dict(zip(zip(r.community.tolist(), r.space.tolist()), r.walk_min.tolist()))  # noqa: E731
    s, n = key(straight.reach), key(net.reach)
    # straight-line minutes use a 1.3 detour factor: a street walk can be shorter than that
    # estimate but never shorter than the bee line itself
    for pair, minutes in n.items():
        if pair in s:
            assert minutes >= s[pair] / 1.3 - 1e-6


def test_network_scenario_keeps_streets_and_barriers_for_the_map(demo_dir, tmp_path):
    from siting.demo.district import generate_district
    from siting.demo.network import generate_street_network

    com, spa = generate_district(2024)
    lines = generate_street_network(com, spa, seed=5)
    lines.to_file(tmp_path / "net.gpkg", driver="GPKG")
    inst = load_instance(load_scenario(_with_data(demo_dir, tmp_path, network="net.gpkg",
                                                  network_walkable_column="walkable")))
    assert inst.reach.source == "network"
    kinds = inst.basemap["kind"].value_counts().to_dict()
    assert kinds["street"] == int((lines["edge_kind"] == "street").sum())
    assert kinds["rail"] == kinds["expressway"] == 1  # not walkable, drawn as barriers
    assert inst.basemap.crs == inst.communities.crs
    base = load_instance(load_scenario(demo_dir / "scenario.yaml"))
    assert base.basemap is None  # straight lines: no streets to draw
