"""LSCP-B and p-dispersion (spopt's remaining models): brute-force optima on small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.classical import LSCPB, PDispersion
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import InputError

EXACT = SolverOptions(backend="highs", time_limit_s=60, relative_gap=0.0)


def points(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 2)) * 100


def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))


# --------------------------------------------------------------------------- LSCP-B
def brute_lscpb(d: np.ndarray, r: float, required: tuple[int, ...] = ()) -> tuple[int, int]:
    """(fewest facilities covering all, most clients covered twice with that many)."""
    a = d <= r
    m = d.shape[1]
    for p in range(1, m + 1):
        best = -1
        for c in itertools.combinations(range(m), p):
            if not set(required) <= set(c):
                continue
            times = a[:, list(c)].sum(axis=1)
            if (times >= 1).all():
                best = max(best, int((times >= 2).sum()))
        if best >= 0:
            return p, best
    raise AssertionError("uncoverable")


@pytest.mark.parametrize("seed,required", [(3, ()), (1, ()), (2, (3,)), (8, (0,))])
def test_lscpb_matches_enumeration(seed, required):
    d = dist(points(seed, 40), points(seed + 100, 9))
    r = 1.4 * float(d.min(axis=1).max())  # every client coverable, many by two sites
    p, backed = brute_lscpb(d, r, required)
    mask = np.isin(np.arange(9), required)
    model = LSCPB.from_cost_matrix(d, r, EXACT, mask if required else None)
    res = model.solve()
    assert res.status is SolveStatus.OPTIMAL
    assert res.lscp_obj_value == p and res.facilities.size == p
    assert res.objective == pytest.approx(backed)
    assert model.backup_perc == pytest.approx(100.0 * backed / 40)
    assert set(required) <= set(res.facilities.tolist())
    assert model.n_cli_uncov == 0  # every client covered (the LSCP stage)


def test_lscpb_counts_only_real_backups_and_takes_a_pulp_solver():
    import pulp

    # client 2 can only be covered by site 2: spopt would count it as backed up, here it is not
    d = np.array([[1.0, 1.0, 9.0], [1.0, 1.0, 9.0], [9.0, 9.0, 1.0]])
    model = LSCPB.from_cost_matrix(d, 2.0, pulp.HiGHS_CMD(msg=False))
    res = model.solve()
    assert res.status is SolveStatus.OPTIMAL and res.lscp_obj_value == 2
    assert res.objective == pytest.approx(0.0) and model.backup_perc == 0.0
    again = model.solve(False)  # spopt's solve(results) positional
    assert again.objective == pytest.approx(0.0) and not hasattr(model, "backup_perc")
    assert LSCPB.from_cost_matrix(np.array([[1.0, 9.0]]), 2.0).solve().objective == 0.0
    assert LSCPB.from_cost_matrix(np.array([[9.0, 9.0]]), 2.0).solve().status is SolveStatus.INFEASIBLE


# --------------------------------------------------------------------------- p-dispersion
def brute_dispersion(d: np.ndarray, p: int, required: tuple[int, ...] = ()) -> float:
    best = -np.inf
    for c in itertools.combinations(range(d.shape[0]), p):
        if set(required) <= set(c):
            best = max(best, min(d[i, j] for i, j in itertools.combinations(c, 2)))
    return best


@pytest.mark.parametrize("seed,m,p,required", [(3, 10, 3, ()), (4, 12, 4, ()), (5, 11, 5, ()), (6, 10, 3, (0, 1))])
def test_pdispersion_matches_enumeration(seed, m, p, required):
    pts = points(seed, m)
    d = dist(pts, pts)
    model = PDispersion.from_cost_matrix(d, p, list(required) if required else None)
    res = model.solve(EXACT)
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(brute_dispersion(d, p, required))
    assert res.bound == pytest.approx(res.objective)
    assert res.facilities.size == p and set(required) <= set(res.facilities.tolist())
    assert [v.value() for v in model.fac_vars].count(1.0) == p


def test_pdispersion_from_geodataframe_and_bad_input():
    import geopandas as gpd
    from shapely.geometry import Point

    pts = points(7, 9)
    fac = gpd.GeoDataFrame({"req": [0] * 8 + [1]}, geometry=[Point(x, y) for x, y in pts], crs="EPSG:32651")
    geo = PDispersion.from_geodataframe(fac, "geometry", 3, "req").solve(EXACT)
    mat = PDispersion.from_cost_matrix(dist(pts, pts), 3, [0] * 8 + [1]).solve(EXACT)
    assert geo.objective == pytest.approx(mat.objective) and 8 in geo.facilities.tolist()
    with pytest.raises(InputError, match="square"):
        PDispersion.from_cost_matrix(np.ones((3, 4)), 2)
    with pytest.raises(InputError, match="p ≥ 2"):
        PDispersion.from_cost_matrix(np.ones((3, 3)), 1)
