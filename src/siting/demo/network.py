"""A synthetic but plausible walking network for the demo data (deterministic from a seed).

Method
------
* **Perturbed grid**: column and row positions step by a uniform block size
  (``block_m``, default 150–250 m) over the bounding box of the communities and spaces plus
  ``margin_m``; every crossing is jittered (normal, ``jitter_m``). Each street segment
  between neighbouring crossings is a LineString with a slightly bent middle vertex.
  A small share of segments (``drop_fraction``) is removed to make superblocks.
* **River**: a sinuous west–east band (width 180–300 m) across the middle of the box:
  no street inside it and none across it, except a **bridge** every 1–1.5 km.
* **Barriers**: a north–south rail line and a west–east expressway (elsewhere than the
  river); streets crossing them are cut except at a crossing (footbridge / underpass,
  slower: 60 m/min) every ~800 m (700–900 m). The rail and expressway themselves are
  included as lines with ``walkable = False`` — read the network with
  ``walkable_column="walkable"``.
* Only the largest connected part is kept, so the demo network is one component.

Columns: ``edge_kind`` (street / bridge / crossing / rail / expressway), ``walkable``
(bool), ``speed_m_per_min`` (float, m/min), geometry (LineString, same CRS as the input).
``gdf.attrs`` holds the layout: ``river_band`` (Polygon), ``rail`` and ``expressway``
(LineStrings) and ``seed``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

__all__ = ["generate_street_network"]

WALK_M_PER_MIN = 75.0
CROSSING_M_PER_MIN = 60.0


def _xy_crs(obj: Any) -> tuple[np.ndarray, Any]:
    if isinstance(obj, gpd.GeoDataFrame):
        return shapely.get_coordinates(obj.geometry.centroid.values if not (obj.geom_type == "Point").all()
                                       else obj.geometry.values), obj.crs
    if isinstance(obj, pd.DataFrame):
        return obj[["x", "y"]].to_numpy(dtype=float), None
    return np.asarray(obj, dtype=float).reshape(-1, 2), None


def _steps(rng: np.random.Generator, lo: float, hi: float, step: tuple[float, float]) -> np.ndarray:
    """Positions from lo to at least hi, spaced uniformly in ``step``."""
    n = int(np.ceil((hi - lo) / step[0])) + 2
    pos = lo + np.r_[0.0, np.cumsum(rng.uniform(step[0], step[1], n))]
    return pos[: int(np.searchsorted(pos, hi)) + 1]


def generate_street_network(
    communities: Any,
    spaces: Any,
    seed: int = 2024,
    *,
    block_m: tuple[float, float] = (150.0, 250.0),
    margin_m: float = 600.0,
    jitter_m: float = 15.0,
    drop_fraction: float = 0.04,
    bridge_spacing_m: tuple[float, float] = (1000.0, 1500.0),
    crossing_spacing_m: tuple[float, float] = (700.0, 900.0),
    crs: Any = "EPSG:4549",
) -> gpd.GeoDataFrame:
    """Street lines covering the communities' and spaces' bounding box (+ ``margin_m``).

    ``communities`` / ``spaces``: GeoDataFrames (their CRS is used), DataFrames with x/y,
    or (n, 2) arrays in metres (``crs`` is then used). Same inputs and seed -> same output.
    """
    rng = np.random.default_rng(seed)
    cxy, ccrs = _xy_crs(communities)
    sxy, scrs = _xy_crs(spaces)
    xy = np.concatenate([cxy, sxy])
    out_crs = ccrs or scrs or crs
    xmin, ymin = xy.min(axis=0) - margin_m
    xmax, ymax = xy.max(axis=0) + margin_m
    xs, ys = _steps(rng, xmin, xmax, block_m), _steps(rng, ymin, ymax, block_m)
    nx, ny = xs.size, ys.size
    X = xs[None, :] + rng.normal(0, jitter_m, (ny, nx))
    Y = ys[:, None] + rng.normal(0, jitter_m, (ny, nx))
    X, Y = X.ravel(), Y.ravel()
    node = np.arange(nx * ny).reshape(ny, nx)
    h = np.column_stack([node[:, :-1].ravel(), node[:, 1:].ravel()])  # west-east streets
    v = np.column_stack([node[:-1, :].ravel(), node[1:, :].ravel()])  # south-north streets
    u_all = np.r_[h[:, 0], v[:, 0]]
    w_all = np.r_[h[:, 1], v[:, 1]]
    kind = np.full(u_all.size, "street", dtype=object)
    width, height = xmax - xmin, ymax - ymin

    # river: sinuous west-east band through the middle third
    y_mid = ymin + height * rng.uniform(0.4, 0.6)
    amp, wavelength, phase = rng.uniform(200, 500), rng.uniform(6000, 10000), rng.uniform(0, 2 * np.pi)
    half = rng.uniform(90, 150)

    def river_dy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return y - (y_mid + amp * np.sin(2 * np.pi * (x - xmin) / wavelength + phase))

    dy = river_dy(X, Y)
    mid_dy = river_dy((X[u_all] + X[w_all]) / 2, (Y[u_all] + Y[w_all]) / 2)
    wet = (np.abs(dy[u_all]) < half) | (np.abs(dy[w_all]) < half) | (np.abs(mid_dy) < half) \
        | (np.sign(dy[u_all]) != np.sign(dy[w_all]))
    # bridges: in chosen columns, from the last node south of the band to the first north of it
    bridge_x = _steps(rng, xmin + rng.uniform(200, 800), xmax, bridge_spacing_m)
    cols = np.unique(np.clip(np.searchsorted(xs, bridge_x), 0, nx - 1))
    bridges = []
    dyg = dy.reshape(ny, nx)
    for j in cols:
        south = np.flatnonzero(dyg[:, j] <= -half)
        north = np.flatnonzero(dyg[:, j] >= half)
        if south.size and north.size:
            bridges.append((node[south.max(), j], node[north.min(), j]))

    # barriers: rail (north-south) and expressway (west-east, away from the river)
    rail_x0, rail_slope = xmin + width * rng.uniform(0.3, 0.45), rng.uniform(-0.25, 0.25)
    far_band = (0.12, 0.3) if y_mid - ymin > height / 2 else (0.7, 0.88)
    expy_y0, expy_slope = ymin + height * rng.uniform(*far_band), rng.uniform(-0.15, 0.15)
    rail_side = np.sign(X - (rail_x0 + rail_slope * (Y - ymin - height / 2)))
    expy_side = np.sign(Y - (expy_y0 + expy_slope * (X - xmin - width / 2)))
    cut_rail = rail_side[u_all] != rail_side[w_all]
    cut_expy = expy_side[u_all] != expy_side[w_all]
    # crossings: rows (for the rail) / columns (for the expressway) every ~800 m
    n_h = h.shape[0]
    rows_ok = np.isin(np.arange(ny), np.unique(np.searchsorted(ys, _steps(rng, ymin + 300, ymax, crossing_spacing_m))))
    cols_ok = np.isin(np.arange(nx), np.unique(np.searchsorted(xs, _steps(rng, xmin + 300, xmax, crossing_spacing_m))))
    edge_row = np.r_[np.repeat(np.arange(ny), nx - 1), np.zeros(v.shape[0], dtype=int)]
    edge_col = np.r_[np.zeros(n_h, dtype=int), np.tile(np.arange(nx), ny - 1)]
    is_h = np.arange(u_all.size) < n_h
    rail_crossing = cut_rail & is_h & rows_ok[edge_row]
    expy_crossing = cut_expy & ~is_h & cols_ok[edge_col]
    kind[rail_crossing | expy_crossing] = "crossing"
    keep = ~wet & (~cut_rail | rail_crossing) & (~cut_expy | expy_crossing)
    drop = (rng.random(u_all.size) < drop_fraction) & (kind == "street")
    keep &= ~drop
    u, w, kind = u_all[keep], w_all[keep], kind[keep]
    if bridges:
        b = np.asarray(bridges)
        u, w = np.r_[u, b[:, 0]], np.r_[w, b[:, 1]]
        kind = np.r_[kind, np.full(b.shape[0], "bridge", dtype=object)]

    # keep the largest connected part
    n = nx * ny
    g = sp.coo_matrix((np.ones(u.size), (u, w)), shape=(n, n))
    _, label = connected_components(g, directed=False)
    main = np.argmax(np.bincount(label[u]))
    ok = label[u] == main
    u, w, kind = u[ok], w[ok], kind[ok]

    # geometry: start, bent middle vertex, end
    a = np.column_stack([X[u], Y[u]])
    b = np.column_stack([X[w], Y[w]])
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.where(length > 0, length, 1.0)[:, None]
    mid = (a + b) / 2 + normal * rng.normal(0, 4.0, u.size)[:, None]
    lines = shapely.linestrings(np.stack([a, mid, b], axis=1))
    speed = np.where(kind == "crossing", CROSSING_M_PER_MIN, WALK_M_PER_MIN)

    # the barriers themselves, not walkable
    ry = np.array([ymin, ymax])
    rail = shapely.linestrings(np.column_stack([rail_x0 + rail_slope * (ry - ymin - height / 2), ry]))
    ex = np.array([xmin, xmax])
    expy = shapely.linestrings(np.column_stack([ex, expy_y0 + expy_slope * (ex - xmin - width / 2)]))
    gdf = gpd.GeoDataFrame(
        {
            "edge_kind": np.r_[kind, ["rail", "expressway"]].astype(str),
            "walkable": np.r_[np.ones(u.size, dtype=bool), [False, False]],
            "speed_m_per_min": np.r_[speed, [WALK_M_PER_MIN, WALK_M_PER_MIN]],
        },
        geometry=np.r_[lines, [rail, expy]],
        crs=out_crs,
    )
    # layout for maps and tests: the river band (polygon between its banks) and the barriers
    rx = np.linspace(xmin, xmax, max(2, int((xmax - xmin) // 20)))
    ry_mid = y_mid + amp * np.sin(2 * np.pi * (rx - xmin) / wavelength + phase)
    gdf.attrs["river_band"] = shapely.Polygon(np.r_[np.column_stack([rx, ry_mid - half]),
                                                    np.column_stack([rx[::-1], ry_mid[::-1] + half])])
    gdf.attrs["rail"], gdf.attrs["expressway"] = rail, expy
    gdf.attrs["seed"] = seed
    return gdf
