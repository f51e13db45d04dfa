"""Street-network travel times: hand-computed minutes on tiny networks, warnings and errors."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point

from siting.errors import InputError
from siting.travel.network import SitingWarning, StreetNetwork

CRS = "EPSG:4549"
V = 75.0  # default walking speed, m/min


def lines(*geoms, crs=CRS, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def pairs(table) -> dict[tuple[int, int], float]:
    return {(int(c), int(s)): float(w) for c, s, w in zip(table.community, table.space, table.walk_min)}


def no_warnings():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", SitingWarning)
    return ctx


# --------------------------------------------------------------------------- hand-made networks


def test_l_shaped_street_minutes_by_hand():
    # (0,0) -> (750,0) -> (750,750): 1,500 m = 20 min around the corner
    net = StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (750, 0)]), LineString([(750, 0), (750, 750)])))
    assert (net.n_nodes, net.n_edges, net.n_components) == (3, 2, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SitingWarning)
        table, report = net.reach_with_report(
            np.array([[0.0, 0.0]]), np.array([[750, 750], [375, 30], [750, 300]]), 20.0,
            community_ids=["A"], space_ids=["s1", "s2", "s3"])
    got = pairs(table)
    assert got[(0, 0)] == pytest.approx(20.0)
    assert got[(0, 1)] == pytest.approx((375 + 30) / V)  # along the edge + 30 m snap walk
    assert got[(0, 2)] == pytest.approx((750 + 300) / V)
    assert report.space_snap_m == pytest.approx([0, 30, 0])
    assert table.source == "network"


def test_river_gap_forces_detour_over_bridge():
    # banks at y=0 and y=300, bridge only at x=1000: (0,0) -> (0,300) is 1000+300+1000 m
    gdf = lines(LineString([(0, 0), (2000, 0)]), LineString([(0, 300), (2000, 300)]),
                LineString([(1000, 0), (1000, 300)]))  # bridge ends touch bank interiors (T-junctions)
    net = StreetNetwork.from_geodataframe(gdf)
    assert net.n_components == 1
    table = net.reach(np.array([[0, 0]]), np.array([[0, 300], [1000, 150]]), 40.0)
    got = pairs(table)
    assert got[(0, 0)] == pytest.approx(2300 / V)
    assert got[(0, 1)] == pytest.approx(1150 / V)
    # straight line would be 4 min; within 15 min the far bank is out of reach
    with pytest.warns(SitingWarning, match="reach no space"):
        short = net.reach(np.array([[0, 0]]), np.array([[0, 300]]), 15.0, community_ids=["C1"])
    assert short.n_pairs == 0


def test_t_junction_without_shared_vertex_connects_and_crossing_does_not():
    t_gdf = lines(LineString([(0, 0), (1000, 0)]), LineString([(500, 0.2), (500, 500)]))
    net = StreetNetwork.from_geodataframe(t_gdf)
    assert net.n_components == 1
    # the end 0.2 m off the line is merged into a node half-way (the mean of the snapped ends)
    assert pairs(net.reach([[0, 0]], [[500, 500]], 30))[(0, 0)] == pytest.approx(1000 / V, abs=0.2 / V)
    x_gdf = lines(LineString([(0, 0), (1000, 0)]), LineString([(500, -500), (500, 500)]))  # overpass
    assert StreetNetwork.from_geodataframe(x_gdf).n_components == 2


def test_limit_cut_off_keeps_exactly_the_pairs_within():
    net = StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (3000, 0)]), LineString([(0, 0), (0, -3000)])))
    spaces = np.array([[375, 0], [0, -750], [1125, 0], [0, -1126], [2000, 0]])
    table = net.reach(np.array([[0, 0]]), spaces, 15.0)
    got = pairs(table)
    assert set(got) == {(0, 0), (0, 1), (0, 2)}
    assert [got[(0, j)] for j in range(3)] == pytest.approx([5.0, 10.0, 15.0])
    assert table.max_walk_min == 15.0


def test_points_on_nodes_use_zero_minute_legs():
    # community on the shared node of two edges, space on an end node: 100 m, not 300 m via the far end
    net = StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 100)])))
    got = pairs(net.reach([[0, 0]], [[0, 100], [0, 0]], 15))
    assert got[(0, 0)] == pytest.approx(100 / V)
    assert got[(0, 1)] == 0.0


def test_same_edge_pair_uses_direct_walk():
    net = StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (3000, 0)])))
    got = pairs(net.reach([[1000, 10]], [[1300, -20], [2000, 0]], 15.0))
    assert got[(0, 0)] == pytest.approx((10 + 300 + 20) / V)
    assert got[(0, 1)] == pytest.approx((10 + 1000) / V)


def test_speed_column_in_m_per_min_and_walkable_column():
    gdf = lines(LineString([(0, 0), (600, 0)]), LineString([(600, 0), (600, 600)]),
                LineString([(0, 0), (600, 600)]),
                speed=[60.0, 40.0, 75.0], walkable=[True, "yes", 0])
    net = StreetNetwork.from_geodataframe(gdf, speed_column="speed", walkable_column="walkable")
    assert net.n_edges == 2  # the diagonal is not walkable
    got = pairs(net.reach([[0, 0]], [[600, 600]], 30))
    assert got[(0, 0)] == pytest.approx(600 / 60 + 600 / 40)


def test_bad_speed_and_kmh_speed():
    gdf = lines(LineString([(0, 0), (600, 0)]), LineString([(600, 0), (600, 600)]), speed=[4.5, np.nan])
    with pytest.raises(InputError) as err:
        StreetNetwork.from_geodataframe(gdf, speed_column="speed")
    assert err.value.location.row == 2 and err.value.location.field == "speed"
    with pytest.warns(SitingWarning, match="metres per minute"):
        StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (600, 0)]), speed=[4.5]), speed_column="speed")
    with pytest.raises(InputError, match="walkable"):
        StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (1, 0)]), w=["maybe"]), walkable_column="w")


# --------------------------------------------------------------------------- warnings


def test_disconnected_component_warning_names_ids():
    gdf = lines(LineString([(0, 0), (2000, 0)]), LineString([(0, 1000), (300, 1000)]))
    net = StreetNetwork.from_geodataframe(gdf)
    assert net.n_components == 2
    with pytest.warns(SitingWarning) as rec:
        table, report = net.reach_with_report(
            np.array([[100, 0], [100, 1000]]), np.array([[500, 0], [200, 1000]]), 15.0,
            community_ids=["C-main", "C-island"], space_ids=["S-main", "S-island"])
    text = " | ".join(str(r.message) for r in rec)
    assert "disconnected" in text and "C-island" in text and "S-island" in text
    assert "C-main" not in text.split("disconnected")[1].split("|")[0]
    assert report.off_main_communities == ["C-island"] and report.off_main_spaces == ["S-island"]
    comps = net.components()
    assert comps["n_edges"].tolist() == [1, 1] and comps["length_m"].tolist() == [2000, 300]
    assert comps["is_main"].tolist() == [True, False]
    got = pairs(table)
    assert got == pytest.approx({(0, 0): 400 / V, (1, 1): 100 / V})  # each reaches only its own island
    # snapping to the main component only: the island points walk 1,000 m off-street instead
    with pytest.warns(SitingWarning) as rec:
        main = pairs(net.reach(np.array([[100, 0], [100, 1000]]), np.array([[500, 0], [200, 1000]]), 15.0,
                               main_component_only=True, community_ids=["C-main", "C-island"]))
    text = " | ".join(str(r.message) for r in rec)
    assert "farther than 300 m" in text and "reach no space within 15 min: C-island" in text.replace(
        " over the street network", "")
    assert "disconnected" not in text
    assert main == pytest.approx({(0, 0): 400 / V, (0, 1): (100 + 1000) / V})  # C-island: 1,400 m > 15 min


def test_far_point_warning_and_snap_walk_added():
    net = StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (2000, 0)])))
    comm = gpd.GeoDataFrame({"community_id": ["near", "far"]}, geometry=[Point(0, 50), Point(1000, 450)], crs=CRS)
    spaces = gpd.GeoDataFrame({"space_id": ["s"]}, geometry=[Point(1000, 0)], crs=CRS)
    with pytest.warns(SitingWarning, match=r"farther than 300 m.*far") as rec:
        table, report = net.reach_with_report(comm, spaces, 20.0)
    assert not any("near" in str(r.message).replace("farther", "") for r in rec)
    assert report.far_communities == ["far"]
    assert report.community_snap_m == pytest.approx([50, 450])
    got = pairs(table)
    assert got[(0, 0)] == pytest.approx(1050 / V)
    assert got[(1, 0)] == pytest.approx(450 / V)
    frame = report.to_frame()
    assert frame.loc[frame["id"] == "far", "far"].item()


def test_reach_accepts_xy_dataframe_and_other_crs():
    net = StreetNetwork.from_geodataframe(lines(LineString([(500000, 3350000), (501000, 3350000)])))
    comm = gpd.GeoDataFrame({"community_id": ["c"]}, geometry=[Point(500000, 3350000)], crs=CRS).to_crs(4326)
    spaces = gpd.GeoDataFrame({"space_id": ["s"], "x": [500750.0], "y": [3350000.0]})
    got = pairs(net.reach(comm, spaces, 15))
    assert got[(0, 0)] == pytest.approx(10.0, abs=1e-3)


# --------------------------------------------------------------------------- CRS and geometry


def test_geographic_crs_is_projected_with_warning():
    metric = lines(LineString([(500000, 3350000), (500750, 3350000)]), LineString([(500750, 3350000), (500750, 3350750)]))
    geo = metric.to_crs(4326)
    with pytest.warns(SitingWarning, match="geographic"):
        net = StreetNetwork.from_geodataframe(geo, target_crs=CRS)
    assert net.crs.to_epsg() == 4549
    got = pairs(net.reach([[500000, 3350000]], [[500750, 3350750]], 30))
    assert got[(0, 0)] == pytest.approx(20.0, abs=0.01)
    with pytest.warns(SitingWarning, match="UTM"):
        utm = StreetNetwork.from_geodataframe(geo)
    assert utm.crs.is_projected
    assert utm.edge_length_m.sum() == pytest.approx(1500, rel=2e-3)


def test_missing_or_non_metric_crs_is_an_error():
    with pytest.raises(InputError, match="no CRS"):
        StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (1, 0)]), crs=None))
    with pytest.raises(InputError, match="metres"):
        StreetNetwork.from_geodataframe(lines(LineString([(0, 0), (1, 0)]), crs="EPSG:2227"))  # US feet


def bad_geometry_frame() -> gpd.GeoDataFrame:
    return lines(LineString([(0, 0), (1000, 0)]), None, LineString(), Point(5, 5),
                 LineString([(1000, 0), (1000, 0)]), MultiLineString([[(1000, 0), (1000, 500)], [(0, 0), (0, 300)]]))


def test_invalid_geometry_raises_naming_rows():
    with pytest.raises(InputError) as err:
        StreetNetwork.from_geodataframe(bad_geometry_frame())
    msg = str(err.value)
    assert err.value.location.row == 2 and err.value.location.field == "geometry"
    for part in ("missing geometry in rows 2", "empty geometry in rows 3", "not a (Multi)LineString in rows 4",
                 "invalid geometry in rows 5"):
        assert part in msg


def test_invalid_geometry_dropped_with_warning():
    with pytest.warns(SitingWarning, match=r"dropped 4 line\(s\).*rows 2"):
        net = StreetNetwork.from_geodataframe(bad_geometry_frame(), on_invalid="drop")
    assert net.n_edges == 3  # first line + both parts of the MultiLineString
    got = pairs(net.reach([[0, 300]], [[1000, 500]], 40))
    assert got[(0, 0)] == pytest.approx((300 + 1000 + 500) / V)


def test_from_file_gpkg_and_geojson(tmp_path):
    gdf = lines(LineString([(0, 0), (750, 0)]), LineString([(750, 0), (750, 750)]), speed=[75.0, 75.0])
    for name in ("net.gpkg", "net.geojson", "net.shp"):
        path = tmp_path / name
        gdf.to_file(path)
        net = StreetNetwork.from_file(path, speed_column="speed")
        assert pairs(net.reach([[0, 0]], [[750, 750]], 20))[(0, 0)] == pytest.approx(20.0)
    with pytest.raises(InputError, match="not found"):
        StreetNetwork.from_file(tmp_path / "missing.gpkg")
