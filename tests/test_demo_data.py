"""The synthetic demo-data generator: deterministic, well-formed, and built to be solvable."""

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from scipy.spatial import cKDTree

from siting.demo.district import (
    AGE_COLUMNS,
    COMMUNITY_COLUMNS,
    COMMUNITY_TYPES,
    CRS,
    EXISTING_COLUMNS,
    SERVICE_IDS,
    SOURCES,
    SPACE_COLUMNS,
    generate_city,
    generate_district,
    write_csv,
)

WALK_15_MIN_M = 15 * 75 / 1.3  # 865 m straight line
WALK_10_MIN_M = 10 * 75 / 1.3  # 577 m straight line


@pytest.fixture(scope="module")
def district():
    return generate_district()


@pytest.fixture(scope="module")
def city():
    return generate_city()


def required_area(communities: pd.DataFrame) -> float:
    per100 = np.where(communities["kind"] == "new", 100.0, 60.0)
    return float((communities["households"] / 100.0 * per100).sum())


def candidates_within(communities, spaces, radius, mask=None):
    """Number of candidate spaces (optionally also matching ``mask``) within ``radius``."""
    keep = spaces["status"].eq("candidate").to_numpy()
    if mask is not None:
        keep = keep & mask
    tree = cKDTree(spaces.loc[keep, ["x", "y"]].to_numpy())
    hits = tree.query_ball_point(communities[["x", "y"]].to_numpy(), radius, return_length=True)
    return np.asarray(hits)


# --- determinism ------------------------------------------------------------------------
def test_same_seed_gives_identical_frames_and_bytes(tmp_path, district):
    c2, s2 = generate_district()
    assert_geodataframe_equal(district[0], c2)
    assert_geodataframe_equal(district[1], s2)
    a = write_csv(*district, tmp_path / "a")
    b = write_csv(c2, s2, tmp_path / "b")
    for key in ("communities", "spaces"):
        assert a[key].read_bytes() == b[key].read_bytes()


def test_different_seed_gives_different_data(district):
    c2, s2 = generate_district(seed=7)
    assert not np.array_equal(district[0]["households"].to_numpy(), c2["households"].to_numpy())
    assert not np.array_equal(district[1]["area_m2"].to_numpy(), s2["area_m2"].to_numpy())


def test_communities_do_not_depend_on_space_count(district):
    c2, s2 = generate_district(n_spaces=300)
    assert_geodataframe_equal(district[0], c2)
    assert len(s2) == 300


# --- schema ------------------------------------------------------------------------------
def test_community_schema(district):
    c, _ = district
    assert isinstance(c, gpd.GeoDataFrame) and c.crs == CRS
    assert list(c.columns) == [*COMMUNITY_COLUMNS, "geometry"]
    assert (c.geom_type == "Point").all()
    np.testing.assert_array_equal(c.geometry.x, c["x"])
    np.testing.assert_array_equal(c.geometry.y, c["y"])
    assert c["community_id"].is_unique and c["community_id"].str.fullmatch(r"YH-C\d{3}").all()
    assert c["name"].is_unique
    for col in ("community_id", "name", "district", "street", "kind", "community_type"):
        assert pd.api.types.is_string_dtype(c[col]), col
    for col in ("households", *AGE_COLUMNS):
        assert pd.api.types.is_integer_dtype(c[col]), col
        assert (c[col] >= 0).all(), col
    for col in ("x", "y", "health_score", *EXISTING_COLUMNS):
        assert pd.api.types.is_float_dtype(c[col]), col
        assert (c[col] >= 0).all(), col
    assert c["pilot"].dtype == bool
    assert set(c["kind"]) <= {"new", "existing"}
    assert set(c["community_type"]) <= set(COMMUNITY_TYPES)
    assert c["health_score"].between(40, 95).all()
    assert c["households"].between(800, 6000).all()
    assert (c["district"] == "Yuhang (synthetic)").all()
    assert 8 <= c["street"].nunique() <= 12
    # EPSG:4549 around Hangzhou (120E is x = 500,000; 30N is y ~ 3,320,000)
    assert c["x"].between(440_000, 580_000).all() and c["y"].between(3_300_000, 3_400_000).all()


def test_space_schema(district):
    _, s = district
    assert isinstance(s, gpd.GeoDataFrame) and s.crs == CRS
    assert list(s.columns) == [*SPACE_COLUMNS, "geometry"]
    assert s["space_id"].is_unique and s["space_id"].str.fullmatch(r"YH-S\d{4}").all()
    for col in ("space_id", "name", "source", "excluded_services", "status"):
        assert pd.api.types.is_string_dtype(s[col]), col
    money = ("x", "y", "area_m2", "acquisition_cny", "rent_cny_per_year", "retrofit_cny_per_m2",
             "operating_cny_per_m2_year")
    for col in money:
        assert pd.api.types.is_float_dtype(s[col]), col
        assert (s[col] >= 0).all(), col
    assert (s["area_m2"] > 0).all()
    assert pd.api.types.is_integer_dtype(s["floor"]) and pd.api.types.is_integer_dtype(s["available_year"])
    assert (s["floor"] != 0).all() and set(s["floor"]) <= {-1, 1, 2, 3, 4}
    assert 0.03 <= (s["floor"] == -1).mean() <= 0.13
    assert s["available_year"].between(2024, 2027).all()
    assert (s["available_year"] == 2024).mean() > 0.5
    assert set(s["source"]) <= set(SOURCES)
    assert s["operating_cny_per_m2_year"].between(100, 300).all()
    assert set(s["status"]) == {"candidate", "required", "forbidden"}
    assert (s["status"] == "required").sum() == 3 and (s["status"] == "forbidden").sum() == 5
    excluded = {x for v in s["excluded_services"] if v for x in v.split(";")}
    assert excluded <= set(SERVICE_IDS)
    assert (s["excluded_services"] == "").mean() > 0.7


def test_costs_follow_the_source(district):
    _, s = district
    by = s.groupby("source")
    assert (by.get_group("existing_facility")["acquisition_cny"] == 0).all()
    rent_payers = set(s.loc[s["rent_cny_per_year"] > 0, "source"])
    assert rent_payers == {"idle_social"}
    idle = by.get_group("idle_social")
    assert (idle["rent_cny_per_year"] == 0).any()  # some owners lend space free
    nb = by.get_group("new_build")
    assert (nb["acquisition_cny"] / nb["area_m2"]).between(5999, 9001).all()
    assert nb["retrofit_cny_per_m2"].between(0, 300).all()
    assert by.get_group("existing_facility")["retrofit_cny_per_m2"].between(300, 800).all()


def test_population_is_plausible(district):
    c, _ = district
    residents = c[list(AGE_COLUMNS)].sum(axis=1)
    per_household = residents / c["households"]
    assert per_household.between(2.59, 2.81).all()
    share_0_2 = c["residents_0_2"].sum() / residents.sum()
    assert 0.02 <= share_0_2 <= 0.03
    older = (c["residents_60_79"] + c["residents_80_plus"]) / residents
    by_type = older.groupby(c["community_type"]).mean()
    assert by_type["old_compound"] > 0.18 > by_type["new_community"]
    assert 0.15 <= (c["kind"] == "new").mean() <= 0.25
    assert c["pilot"].sum() == 20
    assert c.groupby("community_type")["health_score"].mean()["old_compound"] < c["health_score"].mean()
    per100 = c[list(EXISTING_COLUMNS)].sum(axis=1) / c["households"] * 100
    existing = c["kind"] == "existing"
    assert per100[existing].between(14.9, 40.1).all()
    assert (per100 < 60).all()
    assert (c[list(EXISTING_COLUMNS)] == 0).to_numpy().mean() > 0.5  # mostly zero


# --- the properties the demo relies on -----------------------------------------------------
@pytest.mark.parametrize("seed", [2024, 1, 99])
def test_every_community_reaches_two_candidates(seed):
    c, s = generate_district(seed=seed)
    assert candidates_within(c, s, WALK_15_MIN_M).min() >= 2
    # and a hub-capable candidate (ground floor, no exclusions, area >= the hub minimum
    # for the community's kind) within a 10-minute walk
    hub_ok = (s["floor"] == 1) & (s["excluded_services"] == "")
    for kind, minimum in (("existing", 600.0), ("new", 1000.0)):
        big = (hub_ok & (s["area_m2"] >= minimum)).to_numpy()
        mine = c[c["kind"] == kind]
        assert candidates_within(mine, s, WALK_10_MIN_M, big).min() >= 1, kind
    # ...but not every space is in reach of every community
    assert candidates_within(c, s, WALK_15_MIN_M).max() < 0.25 * len(s)


def test_spaces_cluster_near_communities(district):
    c, s = district
    d, _ = cKDTree(c[["x", "y"]].to_numpy()).query(s[["x", "y"]].to_numpy())
    assert d.max() <= 1200.0 + 1e-6
    new_build = (s["source"] == "new_build").to_numpy()
    assert new_build.any()
    new_tree = cKDTree(c.loc[c["kind"] == "new", ["x", "y"]].to_numpy())
    d_new, _ = new_tree.query(s.loc[new_build, ["x", "y"]].to_numpy())
    assert d_new.max() <= 1200.0 + 1e-6


def test_usable_area_covers_the_standard_with_room_to_choose(district):
    c, s = district
    usable = s.loc[s["status"] != "forbidden", "area_m2"].sum()
    assert 1.5 <= usable / required_area(c) <= 3.0


def test_small_district_and_bad_arguments():
    c, s = generate_district(seed=3, n_communities=8)
    assert len(c) == 8 and len(s) == 36
    assert candidates_within(c, s, WALK_15_MIN_M).min() >= 2
    c, s = generate_district(seed=3, n_communities=12, name="Xihu (synthetic)")
    assert c["community_id"].str.startswith("XH-C").all()
    with pytest.raises(ValueError):
        generate_district(n_communities=10, n_spaces=19)
    with pytest.raises(ValueError):
        generate_district(n_communities=0)


# --- city ----------------------------------------------------------------------------------
def test_city_sizes(city):
    c, s = city
    assert abs(len(c) - 1258) <= 126 and abs(len(s) - 6000) <= 600
    assert c["district"].nunique() == 10
    assert c["community_id"].is_unique and s["space_id"].is_unique
    assert c["pilot"].sum() == 80
    assert c.crs == CRS and s.crs == CRS
    assert list(c.columns) == [*COMMUNITY_COLUMNS, "geometry"]
    assert list(s.columns) == [*SPACE_COLUMNS, "geometry"]
    assert candidates_within(c, s, WALK_15_MIN_M).min() >= 2
    assert 1.5 <= s.loc[s["status"] != "forbidden", "area_m2"].sum() / required_area(c) <= 3.0


def test_city_districts_do_not_overlap(city):
    c, _ = city
    boxes = c.groupby("district").agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min"), y1=("y", "max"))
    b = boxes.to_numpy()
    overlap_x = (b[:, None, 0] < b[None, :, 1]) & (b[None, :, 0] < b[:, None, 1])
    overlap_y = (b[:, None, 2] < b[None, :, 3]) & (b[None, :, 2] < b[:, None, 3])
    both = overlap_x & overlap_y
    np.fill_diagonal(both, False)
    assert not both.any()


# --- CSV output ------------------------------------------------------------------------------
def test_write_csv_round_trip_and_no_leftovers(tmp_path, district):
    c, s = district
    paths = write_csv(c, s, tmp_path / "out")
    assert set(paths) == {"communities", "spaces"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["communities.csv", "spaces.csv"]
    back_c = pd.read_csv(paths["communities"])
    back_s = pd.read_csv(paths["spaces"], keep_default_na=False)
    assert list(back_c.columns) == list(COMMUNITY_COLUMNS)
    assert list(back_s.columns) == list(SPACE_COLUMNS)
    np.testing.assert_array_equal(back_c["x"], c["x"])
    np.testing.assert_array_equal(back_s["area_m2"], s["area_m2"])
    assert (back_s["excluded_services"] == s["excluded_services"].to_numpy()).all()


def test_write_csv_is_atomic(tmp_path, district, monkeypatch):
    c, s = district
    out = tmp_path / "out"
    write_csv(c, s, out)
    before = (out / "communities.csv").read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    import siting.io.atomic as atomic

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_csv(c.head(3), s.head(3), out)
    assert (out / "communities.csv").read_bytes() == before
    assert sorted(os.listdir(out)) == ["communities.csv", "spaces.csv"]
