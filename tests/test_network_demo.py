"""The synthetic demo street network: deterministic, river and barriers respected, plausible detours."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import shapely

from siting.demo.district import generate_district
from siting.demo.network import generate_street_network
from siting.travel.network import SitingWarning, StreetNetwork
from siting.travel.reach import straight_line_reach


@pytest.fixture(scope="module")
def district():
    communities, spaces = generate_district(seed=7)
    gdf = generate_street_network(communities, spaces, seed=11)
    return communities, spaces, gdf


def test_demo_network_is_deterministic(district):
    communities, spaces, gdf = district
    again = generate_street_network(communities, spaces, seed=11)
    assert gdf.equals(again) and gdf.crs == again.crs == communities.crs
    other = generate_street_network(communities, spaces, seed=12)
    assert len(other) != len(gdf) or not other.geometry.geom_equals(gdf.geometry).all()


def test_demo_network_covers_points_with_plausible_blocks(district):
    communities, spaces, gdf = district
    xmin, ymin, xmax, ymax = gdf.total_bounds
    cx, cy = communities.geometry.x, communities.geometry.y
    assert xmin < cx.min() and cx.max() < xmax and ymin < cy.min() and cy.max() < ymax
    streets = gdf[gdf["edge_kind"] == "street"]
    block_m = np.median(streets.length)
    assert 150 <= block_m <= 250
    assert set(gdf["edge_kind"]) == {"street", "bridge", "crossing", "rail", "expressway"}


def test_river_is_crossed_only_by_bridges(district):
    _, _, gdf = district
    band = gdf.attrs["river_band"].buffer(-10)  # the bent middle vertex may lean a few metres in
    walk = gdf[gdf["walkable"]]
    crossing = walk[walk.intersects(band)]
    assert len(crossing) > 0 and set(crossing["edge_kind"]) == {"bridge"}
    width_m = gdf.total_bounds[2] - gdf.total_bounds[0]
    n_bridges = int((gdf["edge_kind"] == "bridge").sum())
    assert width_m / 1600 <= n_bridges <= width_m / 900  # one every ~1–1.5 km


def test_barriers_crossed_only_at_crossings_every_800_m(district):
    _, _, gdf = district
    walk = gdf[gdf["walkable"]]
    for name in ("rail", "expressway"):
        barrier = gdf.attrs[name]
        hits = walk[walk.intersects(barrier)]
        assert set(hits["edge_kind"]) <= {"crossing", "bridge"} and (hits["edge_kind"] == "crossing").sum() >= 3
        where = np.sort(shapely.line_locate_point(barrier, hits.geometry.intersection(barrier).centroid.values))
        gaps = np.diff(where)
        gaps = gaps[gaps > 50]  # a bridge next to a crossing
        assert 600 <= np.median(gaps) <= 1100


def test_network_minutes_on_demo_are_plausible(district):
    communities, spaces, gdf = district
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        net = StreetNetwork.from_geodataframe(gdf, walkable_column="walkable", speed_column="speed_m_per_min")
        table, report = net.reach_with_report(communities, spaces, 15.0)
    assert net.n_components == 1
    assert not [r for r in rec if issubclass(r.category, SitingWarning) and "disconnected" in str(r.message)]
    assert report.community_snap_m.max() < 300
    # walking the streets is never shorter than the straight line (speeds ≤ 75 m/min)
    xy_c = np.column_stack([communities.geometry.x, communities.geometry.y])
    xy_s = np.column_stack([spaces.geometry.x, spaces.geometry.y])
    euclid_m = np.hypot(*(xy_c[table.community] - xy_s[table.space]).T)
    assert np.all(table.walk_min >= euclid_m / 75.0 - 1e-9)
    detour = euclid_m / 75.0 / np.maximum(table.walk_min, 1e-9)
    assert 1.15 <= np.median(1 / detour[euclid_m > 300]) <= 1.8  # grid detours, not bee lines
    straight = straight_line_reach(xy_c, xy_s, walk_speed_m_per_min=75.0, detour_factor=1.0, max_walk_min=15.0)
    assert 0.2 * straight.n_pairs < table.n_pairs < straight.n_pairs


def reference_minutes(gdf, comm_xy, space_xy, max_walk_min, v=75.0):
    """Independent check: pure-Python graph keyed on exact vertex coordinates, every point's
    edge split at its projection, heapq Dijkstra without limit."""
    import heapq

    segs = []  # (p, q, speed)
    for geom, speed in zip(gdf.geometry, gdf["speed_m_per_min"]):
        c = list(geom.coords)
        segs += [(c[i], c[i + 1], speed) for i in range(len(c) - 1)]
    a = np.array([s[0] for s in segs])
    b = np.array([s[1] for s in segs])
    attach: dict[int, list] = {}
    for k, p in enumerate(np.r_[comm_xy, space_xy]):
        d = b - a
        t = np.clip(((p - a) * d).sum(1) / (d * d).sum(1), 0, 1)
        dist = np.hypot(*(p - (a + t[:, None] * d)).T)
        j = int(np.argmin(dist))
        attach.setdefault(j, []).append((float(t[j]), ("pt", k), float(dist[j])))
    adj: dict = {}

    def link(x, y, w):
        adj.setdefault(x, []).append((y, w))
        adj.setdefault(y, []).append((x, w))

    for j, (p, q, speed) in enumerate(segs):
        length = float(np.hypot(q[0] - p[0], q[1] - p[1]))
        chain = [(0.0, p)] + [(t, ("proj", key)) for t, key, _ in sorted(attach.get(j, []))] + [(1.0, q)]
        for (t0, x), (t1, y) in zip(chain[:-1], chain[1:]):
            link(x, y, (t1 - t0) * length / speed)
        for t, key, dist in attach.get(j, []):
            link(("proj", key), key, dist / v)
    n_c = len(comm_xy)
    out = {}
    for i in range(n_c):
        best = {("pt", i): 0.0}
        heap = [(0.0, ("pt", i))]
        while heap:
            d0, x = heapq.heappop(heap)
            if d0 > best.get(x, np.inf):
                continue
            for y, w in adj.get(x, []):
                if d0 + w < best.get(y, np.inf):
                    best[y] = d0 + w
                    heapq.heappush(heap, (d0 + w, y))
        for j in range(len(space_xy)):
            d = best.get(("pt", n_c + j), np.inf)
            if d <= max_walk_min:
                out[(i, j)] = d
    return out


def test_network_minutes_match_independent_reference():
    rng = np.random.default_rng(5)
    comm_xy = rng.uniform([500000, 3350000], [502000, 3351800], (30, 2))
    space_xy = rng.uniform([500000, 3350000], [502000, 3351800], (200, 2))  # dense: same-edge pairs occur
    gdf = generate_street_network(comm_xy, space_xy, seed=3, margin_m=300)
    walk = gdf[gdf["walkable"]]
    net = StreetNetwork.from_geodataframe(gdf, walkable_column="walkable", speed_column="speed_m_per_min")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SitingWarning)
        table = net.reach(comm_xy, space_xy, 15.0)
    got = {(int(c), int(s)): float(w) for c, s, w in zip(table.community, table.space, table.walk_min)}
    want = reference_minutes(walk, comm_xy, space_xy, 15.0)
    assert len(want) > 30
    assert got.keys() == want.keys()
    assert [got[k] for k in sorted(got)] == pytest.approx([want[k] for k in sorted(want)], abs=1e-6)
