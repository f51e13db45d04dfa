"""Internals of the synthetic demo generator (see :mod:`siting.demo.district` for the calibration).

Constants (calibration tables) and the vectorised community / space generators; the public
API, the city layout and the CSV writer are in :mod:`siting.demo.district`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

CRS = "EPSG:4549"  # CGCS2000 / 3-degree Gauss-Kruger CM 120E, metres

SERVICE_IDS: tuple[str, ...] = (
    "elderly_day_care",
    "infant_care",
    "after_school_care",
    "community_canteen",
    "housekeeping_service",
    "health_station",
    "fitness_room",
    "reading_room",
    "play_space",
    "infant_growth_station",
)
AGE_COLUMNS: tuple[str, ...] = (
    "residents_0_2",
    "residents_3_5",
    "residents_6_11",
    "residents_12_17",
    "residents_18_59",
    "residents_60_79",
    "residents_80_plus",
)
EXISTING_COLUMNS: tuple[str, ...] = tuple(f"existing_m2_{s}" for s in SERVICE_IDS)
COMMUNITY_TYPES: tuple[str, ...] = (
    "old_compound",
    "resettlement",
    "commercial",
    "new_community",
    "future_community",
)
SOURCES: tuple[str, ...] = ("vacated", "idle_social", "state_transfer", "new_build", "existing_facility")

COMMUNITY_COLUMNS: tuple[str, ...] = (
    "community_id",
    "name",
    "district",
    "street",
    "x",
    "y",
    "households",
    *AGE_COLUMNS,
    "kind",
    "community_type",
    "health_score",
    "pilot",
    *EXISTING_COLUMNS,
)
SPACE_COLUMNS: tuple[str, ...] = (
    "space_id",
    "name",
    "x",
    "y",
    "area_m2",
    "source",
    "acquisition_cny",
    "rent_cny_per_year",
    "retrofit_cny_per_m2",
    "operating_cny_per_m2_year",
    "floor",
    "excluded_services",
    "status",
    "available_year",
)

# Origin of the schematic city layout: 120.165E 30.27N in EPSG:4549 (rounded to 1 m).
_ORIGIN_X = 515_877.0
_ORIGIN_Y = 3_350_056.0


@dataclass(frozen=True)
class _District:
    code: str
    name: str
    n_communities: int  # reference count (the city total is 1,258)
    box_km: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax, km from the origin


# Schematic layout, non-overlapping rectangles roughly where the real districts lie.
# Community counts are an invented split of Hangzhou's ~1,258 urban communities
# (Yuhang keeps its published 106).
CITY_DISTRICTS: tuple[_District, ...] = (
    _District("SC", "Shangcheng", 196, (-1.0, -8.0, 9.0, 2.0)),
    _District("GS", "Gongshu", 172, (-1.0, 2.0, 8.0, 12.0)),
    _District("XH", "Xihu", 204, (-14.0, -6.0, -1.0, 6.0)),
    _District("BJ", "Binjiang", 86, (-1.0, -16.0, 9.0, -8.0)),
    _District("XS", "Xiaoshan", 188, (9.0, -24.0, 27.0, -8.0)),
    _District("YH", "Yuhang", 106, (-26.0, 6.0, -6.0, 21.0)),
    _District("LP", "Linping", 114, (8.0, 8.0, 24.0, 20.0)),
    _District("QT", "Qiantang", 72, (27.0, -6.0, 45.0, 8.0)),
    _District("FY", "Fuyang", 68, (-28.0, -30.0, -14.0, -20.0)),
    _District("LA", "Lin'an", 52, (-52.0, -8.0, -38.0, 2.0)),
)
_CITY_SPACES = 6_000
_CITY_PILOTS = 80

# --- community calibration tables (index = COMMUNITY_TYPES order) -----------------------
_AGE_SHARES = np.array(
    [
        [2.0, 2.5, 5.0, 4.5, 63.0, 19.5, 3.5],  # old_compound
        [2.5, 3.0, 6.5, 5.5, 63.5, 16.0, 3.0],  # resettlement
        [3.0, 3.5, 7.5, 5.5, 66.5, 12.0, 2.0],  # commercial
        [3.5, 4.0, 8.0, 5.0, 70.0, 8.0, 1.5],  # new_community
        [3.0, 3.5, 7.5, 5.5, 67.5, 11.0, 2.0],  # future_community
    ]
) / 100.0
_AGE_CONCENTRATION = 600.0
_HEALTH_BASE = np.array([58.0, 65.0, 74.0, 80.0, 82.0])
# households: median by type for existing / new communities, and clip ranges
_HH_MEDIAN_EXISTING = np.array([3200.0, 3800.0, 3000.0, 3000.0, 3400.0])
_HH_MEDIAN_NEW = np.array([2200.0, 2200.0, 2200.0, 2200.0, 2600.0])
_HH_SIGMA = 0.3
_HH_RANGE_EXISTING = (1500, 6000)
_HH_RANGE_NEW = (800, 4500)
# probability that a service has some existing floor area in an existing community
_EXISTING_PRESENCE = np.array([0.6, 0.1, 0.15, 0.35, 0.2, 0.5, 0.35, 0.55, 0.3, 0.1])
_EXISTING_MIN_M2 = 20.0

# --- space calibration tables ------------------------------------------------------------
# kind: (label, source, area_lo, area_hi, share among non-anchor spaces)
_KINDS: tuple[tuple[str, str, float, float, float], ...] = (
    ("leftover corner", "vacated", 80.0, 200.0, 0.12),
    ("vacated rooms", "vacated", 150.0, 600.0, 0.24),
    ("idle building", "idle_social", 400.0, 2500.0, 0.28),
    ("state-owned property", "state_transfer", 300.0, 1500.0, 0.18),
    ("community service centre", "existing_facility", 200.0, 1200.0, 0.18),
    ("new service building", "new_build", 800.0, 2000.0, 0.0),
)
_K_CORNER, _K_VACATED, _K_IDLE, _K_STATE, _K_EXISTING, _K_NEWBUILD = range(6)
_KIND_LABEL = np.array([k[0] for k in _KINDS], dtype=object)
_KIND_SOURCE = np.array([k[1] for k in _KINDS], dtype=object)
_KIND_LO = np.array([k[2] for k in _KINDS])
_KIND_HI = np.array([k[3] for k in _KINDS])
_KIND_SHARE = np.array([k[4] for k in _KINDS])
_KIND_SHARE = _KIND_SHARE / _KIND_SHARE.sum()
_RETROFIT = {  # CNY per m2 by kind
    _K_CORNER: (1000.0, 2500.0),
    _K_VACATED: (1000.0, 2500.0),
    _K_IDLE: (1500.0, 3000.0),
    _K_STATE: (800.0, 2000.0),
    _K_EXISTING: (300.0, 800.0),
    _K_NEWBUILD: (0.0, 300.0),
}
_HUB_MIN = {"existing": 600.0, "new": 1000.0}
_HUB_MARGIN = 1.05
_FLOORS = np.array([1, 2, 3, 4, -1])
_FLOOR_P = np.array([0.47, 0.24, 0.11, 0.065, 0.115])
_YEARS = np.array([2024, 2025, 2026, 2027])
_YEAR_P = np.array([0.70, 0.15, 0.10, 0.05])
# exclusion flags: bit 0 busy road, bit 1 no kitchen connection, bit 2 noise-sensitive
_EXCLUSION_P = (0.10, 0.08, 0.04)


def _exclusion_table() -> np.ndarray:
    """Canonical (catalogue-ordered) exclusion strings for each 3-bit flag code."""
    flag_services = ({"infant_care", "play_space"}, {"community_canteen"}, {"fitness_room"})
    table = []
    for code in range(8):
        chosen = set().union(*(flag_services[b] for b in range(3) if code >> b & 1))
        table.append(";".join(s for s in SERVICE_IDS if s in chosen))
    return np.array(table, dtype=object)


_EXCLUSIONS = _exclusion_table()

# pinyin-style syllables and suffixes for names (invented combinations)
_SYLLABLES = ["Jin", "Qiao", "Liang", "Zhu", "Wen", "Yan", "Xing", "Chong", "Xian", "Dong", "Hu", "Nan", "Yuan", "Yun",
              "He", "Shan", "Shui", "Feng", "Lin", "Hua", "Cui", "Bai", "Ma", "Ping", "Kang", "Le", "Fu", "Tai", "Xi",
              "Bei", "Qing", "Long", "Fang", "Mei", "Tang", "Gu", "Lan", "Hong", "Song", "Zhang"]
_COMMUNITY_SUFFIXES = (
    "Xincun", "Jiayuan", "Huayuan", "Yuan", "Fang", "Li", "Shequ", "Mingyuan", "Cun", "Yayuan", "Xiaoqu", "Ju",
)


def _unique_names(rng: np.random.Generator, n: int, suffixes: tuple[str, ...]) -> np.ndarray:
    """``n`` distinct pinyin-style names "Xxyy Suffix" (two syllables + a suffix)."""
    k = len(_SYLLABLES)
    space = k * k * len(suffixes)
    if n > space:
        raise ValueError(f"cannot make {n} distinct names from {space} combinations")
    idx = rng.choice(space, size=n, replace=False)
    first, rest = np.divmod(idx, k * len(suffixes))
    second, suffix = np.divmod(rest, len(suffixes))
    syl = np.array(_SYLLABLES, dtype=object)
    suf = np.array(suffixes, dtype=object)
    lower = np.array([s.lower() for s in _SYLLABLES], dtype=object)
    return syl[first] + lower[second] + " " + suf[suffix]


def _communities(
    rng: np.random.Generator,
    box: tuple[float, float, float, float],
    district_name: str,
    code: str,
    n: int,
    n_pilot: int,
) -> pd.DataFrame:
    xmin, ymin, xmax, ymax = box
    w, h = xmax - xmin, ymax - ymin

    # streets on a jittered grid
    n_streets = int(np.clip(round(n / 11), 8, 12))
    n_streets = max(1, min(n_streets, n // 2))
    cols = max(1, math.ceil(math.sqrt(n_streets * w / h)))
    rows = math.ceil(n_streets / cols)
    cw, ch = w / cols, h / rows
    cells = np.sort(rng.choice(rows * cols, size=n_streets, replace=False))
    r, c = np.divmod(cells, cols)
    sx = xmin + (c + 0.5 + rng.uniform(-0.25, 0.25, n_streets)) * cw
    sy = ymin + (r + 0.5 + rng.uniform(-0.25, 0.25, n_streets)) * ch
    street_names = _unique_names(rng, n_streets, ("Street",))

    # communities per street: at least 2 each (when possible), the rest multinomial
    floor_each = 2 if n >= 2 * n_streets else 0
    weights = rng.dirichlet(np.full(n_streets, 4.0))
    counts = floor_each + rng.multinomial(n - floor_each * n_streets, weights)
    street = np.repeat(np.arange(n_streets), counts)
    sigma = 0.22 * min(cw, ch)
    margin = min(300.0, 0.05 * min(w, h))
    x = _fold(sx[street] + rng.normal(0.0, sigma, n), xmin + margin, xmax - margin)
    y = _fold(sy[street] + rng.normal(0.0, sigma, n), ymin + margin, ymax - margin)

    # new vs existing: ~20% new, concentrated in a few "new town" streets
    n_new = round(0.2 * n)
    new_town = rng.gamma(0.7, 1.0, n_streets) + 1e-9
    p_new = new_town[street] / new_town[street].sum()
    is_new = np.zeros(n, dtype=bool)
    is_new[rng.choice(n, size=n_new, replace=False, p=p_new)] = True

    # community type (index into COMMUNITY_TYPES)
    ctype = np.where(
        is_new,
        rng.choice([3, 4], size=n, p=[0.75, 0.25]),
        rng.choice([0, 1, 2, 4], size=n, p=[0.40, 0.25, 0.30, 0.05]),
    )

    # households
    median = np.where(is_new, _HH_MEDIAN_NEW[ctype], _HH_MEDIAN_EXISTING[ctype])
    hh = median * np.exp(rng.normal(0.0, _HH_SIGMA, n))
    lo = np.where(is_new, _HH_RANGE_NEW[0], _HH_RANGE_EXISTING[0])
    hi = np.where(is_new, _HH_RANGE_NEW[1], _HH_RANGE_EXISTING[1])
    households = np.round(_fold(hh, lo, hi)).astype(np.int64)  # fold: no spikes at the limits

    # residents by age group
    persons = households * rng.uniform(2.6, 2.8, n)
    residents = np.round(persons).astype(np.int64)
    g = rng.gamma(_AGE_SHARES[ctype] * _AGE_CONCENTRATION)
    shares = g / g.sum(axis=1, keepdims=True)
    ages = rng.multinomial(residents, shares).astype(np.int64)

    # health-check score and pilots
    score = np.clip(_HEALTH_BASE[ctype] + rng.normal(0.0, 7.0, n), 40.0, 95.0).round(1)
    pilot = np.zeros(n, dtype=bool)
    n_pilot = min(n_pilot, n)
    if n_pilot:
        p = 1.0 + (100.0 - score) / 50.0
        pilot[rng.choice(n, size=n_pilot, replace=False, p=p / p.sum())] = True

    # existing facility floor area per service
    k = len(SERVICE_IDS)
    present = rng.random((n, k)) < _EXISTING_PRESENCE
    present[~present.any(axis=1), 0] = True  # at least elderly day care
    share = rng.gamma(1.0, 1.0, (n, k)) * present
    share /= share.sum(axis=1, keepdims=True)
    per100 = np.where(is_new, rng.uniform(5.0, 15.0, n), rng.uniform(15.0, 40.0, n))
    per100 = np.where(is_new & (rng.random(n) >= 0.3), 0.0, per100)
    existing = share * (per100 * households / 100.0)[:, None]
    # no token rooms: pieces under 20 m2 go to the community's largest facility
    small = (existing > 0) & (existing < _EXISTING_MIN_M2)
    moved = np.where(small, existing, 0.0).sum(axis=1)
    existing[small] = 0.0
    existing[np.arange(n), existing.argmax(axis=1)] += moved
    existing = np.round(existing, 1)

    width = max(3, len(str(n)))
    data: dict[str, object] = {
        "community_id": [f"{code}-C{i:0{width}d}" for i in range(1, n + 1)],
        "name": _unique_names(rng, n, _COMMUNITY_SUFFIXES),
        "district": np.full(n, district_name, dtype=object),
        "street": street_names[street],
        "x": np.round(x, 2),
        "y": np.round(y, 2),
        "households": households,
    }
    for j, col in enumerate(AGE_COLUMNS):
        data[col] = ages[:, j]
    data["kind"] = np.where(is_new, "new", "existing").astype(object)
    data["community_type"] = np.array(COMMUNITY_TYPES, dtype=object)[ctype]
    data["health_score"] = score
    data["pilot"] = pilot
    for j, col in enumerate(EXISTING_COLUMNS):
        data[col] = existing[:, j]
    frame = pd.DataFrame(data)
    for col in ("community_id", "name", "district", "street", "kind", "community_type"):
        frame[col] = frame[col].astype(str)
    return frame


def _fold(v: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """Reflect values that fall outside [lo, hi] back inside (then clip the rare rest).

    For a point inside [lo, hi] and any v, the folded value is never further from it
    than v was, so folding keeps the distance guarantees of the anchors.
    """
    v = np.where(v < lo, 2.0 * lo - v, v)
    v = np.where(v > hi, 2.0 * hi - v, v)
    return np.clip(v, lo, hi)


def _annulus(rng: np.random.Generator, n: int, r0: float, r1: float) -> tuple[np.ndarray, np.ndarray]:
    """Offsets uniform over the area of the annulus r0 <= r <= r1."""
    r = np.sqrt(rng.uniform(r0 * r0, r1 * r1, n))
    a = rng.uniform(0.0, 2.0 * np.pi, n)
    return r * np.cos(a), r * np.sin(a)


def _spaces(
    rng: np.random.Generator,
    box: tuple[float, float, float, float],
    comm: pd.DataFrame,
    code: str,
    n_spaces: int,
) -> pd.DataFrame:
    n = len(comm)
    is_new = (comm["kind"] == "new").to_numpy()
    hh = comm["households"].to_numpy(dtype=float)

    # role: 0 = hub anchor, 1 = near anchor, 2 = other; host community for each space
    m_other = n_spaces - 2 * n
    role = np.concatenate([np.zeros(n, np.int64), np.ones(n, np.int64), np.full(m_other, 2, np.int64)])
    host = np.concatenate([np.arange(n), np.arange(n), rng.choice(n, size=m_other, p=hh / hh.sum())])
    m = n_spaces
    host_new = is_new[host]

    # kind of space
    general = rng.choice(len(_KINDS), size=m, p=_KIND_SHARE)
    general = np.where(host_new & (rng.random(m) < 0.10), _K_NEWBUILD, general)
    hub_new = np.where(rng.random(m) < 0.75, _K_NEWBUILD, _K_IDLE)
    hub_old = rng.choice([_K_IDLE, _K_STATE, _K_EXISTING], size=m, p=[0.45, 0.30, 0.25])
    hub_kind = np.where(host_new, hub_new, hub_old)
    near_kind = np.where(general == _K_NEWBUILD, _K_VACATED, general)  # near anchors: no new build
    kind = np.select([role == 0, role == 1], [hub_kind, near_kind], general)

    # area: uniform in the kind's range; hub anchors at least 1.05 x the hub minimum
    lo, hi = _KIND_LO[kind], _KIND_HI[kind]
    hub_min = np.where(host_new, _HUB_MIN["new"], _HUB_MIN["existing"]) * _HUB_MARGIN
    lo = np.where(role == 0, np.maximum(lo, hub_min), lo)
    area = np.round(rng.uniform(lo, hi), 1)

    # position: offset from the host community, folded back into the district box (the
    # host is inside the box, so folding never moves a space further from its host)
    dx, dy = np.empty(m), np.empty(m)
    for r_code, (r0, r1) in enumerate(((100.0, 550.0), (150.0, 800.0), (200.0, 1200.0))):
        sel = role == r_code
        dx[sel], dy[sel] = _annulus(rng, int(sel.sum()), r0, r1)
    xmin, ymin, xmax, ymax = box
    cx, cy = comm["x"].to_numpy()[host], comm["y"].to_numpy()[host]
    x = np.round(_fold(cx + dx, xmin, xmax), 2)
    y = np.round(_fold(cy + dy, ymin, ymax), 2)

    source = _KIND_SOURCE[kind]

    # costs
    acq_rate = np.zeros(m)
    acq_rate = np.where(kind == _K_NEWBUILD, rng.uniform(6000.0, 9000.0, m), acq_rate)
    state_pays = (kind == _K_STATE) & (rng.random(m) >= 0.60)
    acq_rate = np.where(state_pays, rng.uniform(500.0, 2000.0, m), acq_rate)
    vacated_pays = ((kind == _K_VACATED) | (kind == _K_CORNER)) & (rng.random(m) >= 0.70)
    acq_rate = np.where(vacated_pays, rng.uniform(300.0, 1000.0, m), acq_rate)
    acquisition = np.round(acq_rate * area)

    rent_day = rng.uniform(1.0, 2.5, m)
    u = rng.random(m)
    rent_factor = np.where(u < 0.20, 0.0, np.where(u < 0.45, rng.uniform(0.3, 0.7, m), 1.0))
    rent = np.where(kind == _K_IDLE, np.round(rent_day * 365.0 * area * rent_factor), 0.0)

    r_lo = np.array([_RETROFIT[k][0] for k in range(len(_KINDS))])
    r_hi = np.array([_RETROFIT[k][1] for k in range(len(_KINDS))])
    retrofit = np.round(rng.uniform(r_lo[kind], r_hi[kind]), 1)
    operating = np.round(rng.uniform(100.0, 300.0, m), 1)

    # floor: ground for corners, new builds and hub anchors
    floor = rng.choice(_FLOORS, size=m, p=_FLOOR_P)
    ground = (role == 0) | (kind == _K_CORNER) | (kind == _K_NEWBUILD)
    floor = np.where(ground, 1, floor).astype(np.int64)

    # exclusions (never on hub anchors)
    flags = np.stack([rng.random(m) < p for p in _EXCLUSION_P], axis=1)
    codes = flags @ np.array([1, 2, 4])
    codes = np.where(role == 0, 0, codes)
    excluded = _EXCLUSIONS[codes]

    # available year
    year = rng.choice(_YEARS, size=m, p=_YEAR_P)
    newbuild_year = rng.choice(_YEARS[:3], size=m, p=[0.5, 0.3, 0.2])
    year = np.where(role == 1, 2024, year)
    year = np.where(role == 0, np.where(kind == _K_NEWBUILD, newbuild_year, 2024), year)

    # status: a few required (committed existing facilities) and forbidden, never anchors
    status = np.full(m, "candidate", dtype=object)
    others = np.flatnonzero(role == 2)
    n_req = min(max(1, round(3 * n / 106)), others.size)
    n_forb = min(max(1, round(5 * n / 106)), others.size - n_req)
    if n_req:
        pref = np.where(kind[others] == _K_EXISTING, 10.0, np.where(kind[others] == _K_CORNER, 0.0, 1.0))
        if not pref.any():
            pref = np.ones_like(pref)
        req = rng.choice(others, size=n_req, replace=False, p=pref / pref.sum())
        status[req] = "required"
        year[req] = 2024
    if n_forb:
        free = others[status[others] == "candidate"]
        status[rng.choice(free, size=n_forb, replace=False)] = "forbidden"

    # order by host community (ids follow the community clusters), random within a host
    order = np.lexsort((rng.random(m), host))
    host_names = comm["name"].to_numpy()[host]
    frame = pd.DataFrame(
        {
            "host": host,
            "label": _KIND_LABEL[kind],
            "name": host_names + " " + _KIND_LABEL[kind],
            "x": x,
            "y": y,
            "area_m2": area,
            "source": source,
            "acquisition_cny": acquisition,
            "rent_cny_per_year": rent,
            "retrofit_cny_per_m2": retrofit,
            "operating_cny_per_m2_year": operating,
            "floor": floor,
            "excluded_services": excluded,
            "status": status,
            "available_year": year.astype(np.int64),
        }
    ).iloc[order].reset_index(drop=True)
    # number repeated (host, kind) names: "... idle building 2"
    grp = frame.groupby(["host", "label"], sort=False)
    nth = grp.cumcount().to_numpy() + 1
    dup = grp["label"].transform("size").to_numpy() > 1
    frame["name"] = np.where(dup, frame["name"] + " " + nth.astype(str), frame["name"])
    width = max(4, len(str(m)))
    frame.insert(0, "space_id", [f"{code}-S{i:0{width}d}" for i in range(1, m + 1)])
    frame = frame.drop(columns=["host", "label"])
    for col in ("space_id", "name", "source", "excluded_services", "status"):
        frame[col] = frame[col].astype(str)
    return frame[list(SPACE_COLUMNS)]

