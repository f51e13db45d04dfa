"""Deterministic SYNTHETIC demo data: communities and candidate idle spaces.

**Everything this module produces is synthetic.** No row describes a real community,
building, owner, price or person. The figures are *calibrated* to a few public numbers so
that the demo behaves like the real programme (sizes, densities, cost orders of
magnitude), and every calibration choice is listed below so that nobody mistakes a demo
result for a statement about Hangzhou.

Public figures used for calibration
-----------------------------------
* Yuhang district: 106 communities (and 404 residential compounds) -> the default
  :func:`generate_district` size.
* Hangzhou: about 1,258 urban communities over its 10 urban districts ->
  :func:`generate_city`; 80 pilot communities by 2025 -> 80 pilots city-wide.
* Household size 2.6-2.8 persons -> residents per household drawn uniformly in [2.6, 2.8].
* Standards (seed 001): >= 60 m2 per 100 households for existing and >= 100 m2 for new
  communities; hub >= 600 m2 (existing) / >= 1,000 m2 (new).

Calibration assumptions (ours, not official)
--------------------------------------------
1. Coordinates are in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger, central meridian
   120E, false easting 500,000 m). The city origin (120.165E, 30.27N, around Wulin
   Square) is x = 515,877, y = 3,350,056. Each district is a schematic, non-overlapping
   rectangle placed roughly where the real district lies (Yuhang: 20 km x 15 km north-west
   of the centre, x 489,877-509,877, y 3,356,056-3,371,056). District shapes, community
   counts per district and street layouts are invented; a district generated with another
   community count than its reference count is scaled by sqrt(n / reference).
2. Streets: 8-12 per district (fewer for tiny test districts), on a jittered grid;
   communities are clustered round their street centre (normal scatter, sigma = 22% of
   the grid cell, reflected at the district edge), at least 2 per street.
3. About 20% of communities are "new" (chosen with a preference for a few "new town"
   streets); types: new -> new_community 75% / future_community 25%; existing ->
   old_compound 40%, resettlement 25%, commercial 30%, future_community 5%.
4. Households (log-normal, reflected at the limits): existing communities 1,500-6,000 (medians:
   old compound 3,200, resettlement 3,800, commercial 3,000, future 3,400); new
   communities 800-4,500 (medians 2,200 / 2,600: still filling up).
5. Age structure (share of residents 0-2/3-5/6-11/12-17/18-59/60-79/80+, %): old compound
   2.0/2.5/5.0/4.5/63.0/19.5/3.5 (23% aged 60+), resettlement 2.5/3.0/6.5/5.5/63.5/16/3,
   commercial 3.0/3.5/7.5/5.5/66.5/12/2, new community 3.5/4.0/8.0/5.0/70/8/1.5, future
   community 3.0/3.5/7.5/5.5/67.5/11/2; jittered per community (gamma, concentration 600)
   and drawn as a multinomial so that the groups add up to the residents exactly.
6. Health-check score: 58 (old compound), 65 (resettlement), 74 (commercial),
   80 (new), 82 (future) plus normal noise (sd 7), clipped to 40-95.
7. Pilots: about 20 per 106 communities in a single district, 80 city-wide, drawn with a
   preference for low health-check scores.
8. Existing facility floor area: existing communities 15-40 m2 per 100 households in
   total, split over the services present (each present with its own probability, elderly
   day care, reading room and health station most often; no piece under 20 m2); 30% of
   new communities have
   5-15 m2 per 100 households, the rest none. All well below the 60/100 m2 standard.
9. Spaces: about 4.5 per community (6,000 city-wide). Every community gets two
   "anchor" candidate spaces by construction: a hub-capable one (ground floor, no
   exclusions, area >= 1.05 x the hub minimum, 100-550 m from its centre, i.e. within a
   10-minute walk at 75 m/min and detour 1.3) and a second one 150-800 m away (within
   the 15-minute radius of 865 m). The other spaces lie 200-1,200 m from a community drawn
   in proportion to its households.
10. Space kinds (share of non-anchor spaces; area range m2; source): leftover corner 12%,
    80-200, vacated; vacated rooms 24%, 150-600, vacated; idle building 28%, 400-2,500,
    idle_social; state-owned property 18%, 300-1,500, state_transfer; existing facility
    18%, 200-1,200, existing_facility; new build (800-2,000) only next to new communities
    (75% of their hub anchors and 10% of the other spaces they host).
11. Costs (CNY): acquisition 0 for existing facilities, idle social resources (rented
    instead) and 60% of state transfers (others pay 500-2,000/m2), 70% of vacated spaces
    (others 300-1,000/m2 compensation); new build 6,000-9,000/m2. Rent only for idle
    social resources: 1.0-2.5 CNY/m2/day x 365, free for 20% and discounted to 30-70% for
    25% (owners are encouraged to lend space free or cheaply). Retrofit per m2: existing
    facility 300-800, vacated 1,000-2,500, idle social 1,500-3,000, state transfer
    800-2,000, new build 0-300 (fit-out). Operating 100-300 per m2 and year.
12. Floors: ground floor for corners, new builds and hub anchors; otherwise 1 (47%),
    2 (24%), 3 (11%), 4 (6.5%), basement -1 (11.5%), about 8% basements overall; never 0.
13. Exclusions: 10% next to a busy road (infant_care;play_space), 8% without a kitchen
    connection (community_canteen), 4% with noise-sensitive neighbours (fitness_room);
    never on hub anchors.
14. Status: about 3 "required" (committed existing facilities) and 5 "forbidden" spaces
    per 106 communities, never anchors; the rest "candidate". Available year 2024 (70%),
    2025 (15%), 2026 (10%), 2027 (5%); anchors available in 2024 except new builds
    (2024-2026).

With these choices the usable (non-forbidden) area is about 2x the area the Hangzhou
standard requires in aggregate (1.8x for the default district, 2.1x for the city; tiny
districts of a few communities vary more), so the standard can be met but budgets force
choices.

Everything is drawn from ``numpy.random.default_rng(seed)`` (and generators spawned from
it): the same seed gives identical frames and byte-identical CSV files.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.demo.synth import (
    _CITY_PILOTS,
    _CITY_SPACES,
    _ORIGIN_X,
    _ORIGIN_Y,
    AGE_COLUMNS,
    CITY_DISTRICTS,
    COMMUNITY_COLUMNS,
    COMMUNITY_TYPES,
    CRS,
    EXISTING_COLUMNS,
    SERVICE_IDS,
    SOURCES,
    SPACE_COLUMNS,
    _communities,
    _District,
    _spaces,
)
from siting.io.atomic import atomic_write

__all__ = [
    "AGE_COLUMNS",
    "CITY_DISTRICTS",
    "COMMUNITY_COLUMNS",
    "COMMUNITY_TYPES",
    "CRS",
    "EXISTING_COLUMNS",
    "SERVICE_IDS",
    "SOURCES",
    "SPACE_COLUMNS",
    "generate_city",
    "generate_district",
    "write_csv",
]

# ------------------------------------------------------------------------------------------
# public API
# ------------------------------------------------------------------------------------------
def generate_district(
    seed: int = 2024,
    n_communities: int = 106,
    n_spaces: int | None = None,
    name: str = "Yuhang (synthetic)",
    *,
    code: str | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """One synthetic district: ``(communities, spaces)``, Point geometry in :data:`CRS`.

    ``n_spaces`` defaults to round(4.5 x ``n_communities``) and must be at least
    2 x ``n_communities`` (every community gets two anchor spaces). The district's
    rectangle and id prefix come from :data:`CITY_DISTRICTS` when ``name`` starts with a
    known district name (default Yuhang, prefix "YH"); ``code`` overrides the prefix.
    """
    district = _lookup_district(name)
    n_pilot = round(n_communities * 20 / 106)
    rng = np.random.default_rng(seed)
    return _make_district(rng, district, name, code or district.code, n_communities, n_spaces, n_pilot)


def generate_city(seed: int = 2024) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Synthetic Hangzhou: 10 districts, 1,258 communities, 6,000 spaces, 80 pilots.

    Each district is drawn from its own generator spawned from ``default_rng(seed)``;
    ids are prefixed by the district code ("XH-C001", "XH-S0001", ...).
    """
    rng = np.random.default_rng(seed)
    children = rng.spawn(len(CITY_DISTRICTS))
    sizes = np.array([d.n_communities for d in CITY_DISTRICTS])
    spaces = _largest_remainder(_CITY_SPACES, sizes)
    pilots = _largest_remainder(_CITY_PILOTS, sizes)
    comm_parts, space_parts = [], []
    for child, d, n_s, n_p in zip(children, CITY_DISTRICTS, spaces, pilots, strict=True):
        c, s = _make_district(child, d, f"{d.name} (synthetic)", d.code, d.n_communities, int(n_s), int(n_p))
        comm_parts.append(c)
        space_parts.append(s)
    communities = gpd.GeoDataFrame(pd.concat(comm_parts, ignore_index=True), geometry="geometry", crs=CRS)
    spaces_gdf = gpd.GeoDataFrame(pd.concat(space_parts, ignore_index=True), geometry="geometry", crs=CRS)
    return communities, spaces_gdf


def write_csv(communities: pd.DataFrame, spaces: pd.DataFrame, folder: Path) -> dict[str, Path]:
    """Write ``communities.csv`` and ``spaces.csv`` (x/y columns, no geometry) atomically.

    Each file is written by :func:`siting.io.atomic.atomic_write`, so a reader never sees a
    half-written file. Returns
    ``{"communities": path, "spaces": path}``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for key, frame in (("communities", communities), ("spaces", spaces)):
        table = pd.DataFrame(frame)
        geom_cols = [c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)]
        table = table.drop(columns=geom_cols)
        target = folder / f"{key}.csv"
        atomic_write(target, lambda path, t=table: t.to_csv(path, index=False, lineterminator="\n", encoding="utf-8"))
        out[key] = target
    return out


# ------------------------------------------------------------------------------------------
# internals
# ------------------------------------------------------------------------------------------
def _lookup_district(name: str) -> _District:
    key = name.strip().lower()
    for d in CITY_DISTRICTS:
        if key.startswith(d.name.lower()):
            return d
    return CITY_DISTRICTS[5]  # Yuhang


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that add up to ``total`` exactly."""
    quota = total * weights / weights.sum()
    base = np.floor(quota).astype(np.int64)
    rest = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:rest]] += 1
    return base


def _district_box(d: _District, n: int) -> tuple[float, float, float, float]:
    """The district rectangle in metres, scaled by sqrt(n / reference count)."""
    x0, y0, x1, y1 = (v * 1000.0 for v in d.box_km)
    scale = float(np.clip(math.sqrt(n / d.n_communities), 0.35, 3.0))
    cx, cy = _ORIGIN_X + (x0 + x1) / 2, _ORIGIN_Y + (y0 + y1) / 2
    hw, hh = (x1 - x0) / 2 * scale, (y1 - y0) / 2 * scale
    return cx - hw, cy - hh, cx + hw, cy + hh


def _make_district(
    rng: np.random.Generator,
    d: _District,
    district_name: str,
    code: str,
    n_communities: int,
    n_spaces: int | None,
    n_pilot: int,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    if n_communities < 1:
        raise ValueError("n_communities must be at least 1")
    if n_spaces is None:
        n_spaces = round(4.5 * n_communities)
    if n_spaces < 2 * n_communities:
        raise ValueError(
            f"n_spaces={n_spaces} is too small: every community needs 2 anchor spaces "
            f"(at least {2 * n_communities})"
        )
    rng_c, rng_s = rng.spawn(2)
    box = _district_box(d, n_communities)
    comm = _communities(rng_c, box, district_name, code, n_communities, n_pilot)
    spaces = _spaces(rng_s, box, comm, code, n_spaces)
    c_gdf = gpd.GeoDataFrame(comm, geometry=gpd.points_from_xy(comm["x"], comm["y"]), crs=CRS)
    s_gdf = gpd.GeoDataFrame(spaces, geometry=gpd.points_from_xy(spaces["x"], spaces["y"]), crs=CRS)
    return c_gdf, s_gdf


