"""Classical location models: exact answers on small instances, published optima on a smoke subset."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.classical import CFLP, CPMP, LSCP, MCLP, PCenter, PMedian
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import InputError, SitingError

EXACT = SolverOptions(backend="highs", time_limit_s=60, relative_gap=0.0)


def euclid(seed: int, n: int, m: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    return np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))


def brute(d: np.ndarray, p: int, agg, required: tuple[int, ...] = ()) -> float:
    free = [j for j in range(d.shape[1]) if j not in required]
    return min(agg(d[:, list(required) + list(c)].min(axis=1)) for c in itertools.combinations(free, p - len(required)))


# --------------------------------------------------------------------------- p-median
@pytest.mark.parametrize("seed,n,m,p", [(0, 40, 14, 3), (1, 35, 12, 5), (2, 25, 10, 1), (3, 30, 13, 4)])
def test_pmedian_matches_enumeration(seed, n, m, p):
    d = np.round(euclid(seed, n, m))  # integral costs: ties and the rounding rule are exercised
    w = np.random.default_rng(seed).integers(1, 5, n).astype(float)
    r = PMedian.from_cost_matrix(d, w, p).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(brute(d * w[:, None], p, np.sum))
    assert r.bound <= r.objective + 1e-9
    assert r.facilities.size == p
    assert sorted(r.facility_clients()) == r.facilities.tolist()
    assert r.coverage_percentage == 100.0
    assert r.mean_distance == pytest.approx(np.average(r.client_distance, weights=w))


@pytest.mark.parametrize("method,marker", [("bnb", "branch-and-bound"), ("mip", "MIP stage")])
def test_pmedian_stage4_is_exact(method, marker):
    """Real-valued instances whose Lagrangian bound leaves a gap: stage 4 (B&B or radius MIP) must close it."""
    hits = 0
    for seed in range(4, 60):
        d = euclid(seed, 45, 18)
        r = PMedian.from_cost_matrix(d, None, 4).solve(EXACT, method=method)
        assert r.status is SolveStatus.OPTIMAL
        assert r.objective == pytest.approx(brute(d, 4, np.sum))
        if marker in r.message:
            hits += 1
            assert r.stats["pairs_kept"] <= r.stats["pairs_total"]
            if hits == 3:
                return
    pytest.fail(f"fewer than 3 instances reached stage 4 ({hits})")


@pytest.mark.parametrize("method,marker", [("bnb", "branch-and-bound"), ("mip", "MIP stage")])
def test_pmedian_with_a_gap_reports_only_the_bound_it_proved(method, marker):
    """Issue 12, "bounds taken from the objective": with non-integral costs and a relative gap,
    stages 3-4 prove only that nothing costs ≤ UB − gap·|UB|, so that (not UB) is the bound.
    The bound must stay below the true optimum (enumeration) and below what the gap proves."""
    gap = 1e-4
    opts = SolverOptions(backend="highs", time_limit_s=60, relative_gap=gap)
    hits = 0
    for seed in range(4, 60):
        d = euclid(seed, 45, 18)
        r = PMedian.from_cost_matrix(d, None, 4).solve(opts, method=method)
        assert r.status is SolveStatus.OPTIMAL
        best = brute(d, 4, np.sum)
        assert r.bound <= best + 1e-9 * best  # a lower bound on the optimum, whatever the incumbent
        assert r.objective <= best * (1 + gap) + 1e-9  # optimal within the gap
        if marker in r.message or "reduction" in r.message:
            hits += 1
            # the incumbent was not proven optimal, only within the gap: its cost is no bound
            assert r.bound <= r.objective * (1 - gap) + 1e-9 * r.objective, (seed, r.message)
            if hits == 3:
                return
    pytest.fail(f"fewer than 3 instances reached stage 3-4 ({hits})")


@pytest.mark.parametrize("method", ["bnb", "mip"])
@pytest.mark.parametrize("seed", [7, 17, 27])
def test_pmedian_required_facilities_and_unreachable_pairs(method, seed):
    d = euclid(seed, 40, 14)
    d[0, :7] = np.inf  # client 0 can only use sites 7..13
    d[np.random.default_rng(seed).random(d.shape) < 0.2] = np.inf
    d[np.arange(14), np.arange(14)] = 0.0  # every client still has a site
    d[0, 0] = np.inf
    r = PMedian.from_cost_matrix(d, None, 5, predefined_facilities_arr=[2, 9]).solve(EXACT, method=method)
    assert r.status is SolveStatus.OPTIMAL
    assert {2, 9} <= set(r.facilities.tolist())
    assert r.objective == pytest.approx(brute(d, 5, np.sum, required=(2, 9)))
    assert r.assignment[0] >= 7


def test_pmedian_client_without_any_site_is_infeasible():
    d = euclid(8, 10, 5)
    d[3, :] = np.inf
    r = PMedian.from_cost_matrix(d, None, 2).solve(EXACT)
    assert r.status is SolveStatus.INFEASIBLE and r.objective is None


def test_pmedian_time_limited_run_does_not_claim_optimality():
    d = euclid(9, 300, 300)
    r = PMedian.from_cost_matrix(d, None, 5).solve(SolverOptions(backend="highs", time_limit_s=0.3, relative_gap=0.0))
    assert r.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    if r.status is SolveStatus.FEASIBLE:
        assert r.bound is None or r.bound < r.objective
    else:  # proven fast: the bound must say so
        assert r.bound == pytest.approx(r.objective)


# --------------------------------------------------------------------------- p-center, covering
@pytest.mark.parametrize("seed,p", [(10, 2), (11, 3), (12, 4)])
def test_pcenter_matches_enumeration(seed, p):
    d = euclid(seed, 30, 11)
    r = PCenter.from_cost_matrix(d, p).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(brute(d, p, np.max))
    assert r.bound == pytest.approx(r.objective)


def test_lscp_and_mclp_match_enumeration():
    d = euclid(13, 40, 12)
    radius = float(np.max(d.min(axis=1))) + 10.0  # every client coverable
    cover = d <= radius
    assert cover.any(axis=1).all()
    best_k = next(k for k in range(1, 13) if any(cover[:, list(c)].any(axis=1).all()
                                                  for c in itertools.combinations(range(12), k)))
    r = LSCP.from_cost_matrix(d, radius).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(best_k)
    assert r.coverage_percentage == 100.0
    w = np.random.default_rng(13).integers(1, 9, 40).astype(float)
    best = max(w[cover[:, list(c)].any(axis=1)].sum() for c in itertools.combinations(range(12), 2))
    r = MCLP.from_cost_matrix(d, w, radius, 2).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(best)
    assert r.covered_weight == pytest.approx(best)
    assert r.coverage_percentage == pytest.approx(100 * best / w.sum())


def test_lscp_uncoverable_client_is_infeasible_and_capacities_bind():
    d = euclid(14, 20, 8)
    d[5, :] = 1e6
    assert LSCP.from_cost_matrix(d, 30).solve(EXACT).status is SolveStatus.INFEASIBLE
    d = np.zeros((6, 3))  # every site covers everyone, but each holds 2 clients
    r = LSCP.from_cost_matrix(d, 1.0, facility_capacity_arr=[2, 2, 2]).solve(EXACT)
    assert r.objective == pytest.approx(3)


# --------------------------------------------------------------------------- CFLP / CPMP
def test_cflp_single_and_multi_source():
    d = np.array([[1.0, 4.0], [1.0, 4.0], [4.0, 1.0]])
    q = np.array([3.0, 3.0, 1.0])
    # site 0 holds 4: single source must send a 3 to site 1; multi-source may split
    single = CFLP.from_cost_matrix(d, q, [4, 10], [0, 0], single_source=True, per_unit_cost=True).solve(EXACT)
    multi = CFLP.from_cost_matrix(d, q, [4, 10], [0, 0], single_source=False, per_unit_cost=True).solve(EXACT)
    assert single.objective == pytest.approx(3 * 1 + 3 * 4 + 1 * 1)
    assert multi.objective == pytest.approx(4 * 1 + 2 * 4 + 1 * 1)
    assert multi.shares.sum(axis=1) == pytest.approx(np.ones((3, 1)))


def test_cpmp_capacity_changes_the_answer():
    d = np.round(euclid(15, 12, 12))
    q = np.full(12, 1.0)
    free = PMedian.from_cost_matrix(d, None, 3).solve(EXACT)
    tight = CPMP.from_cost_matrix(d, q, 3, facility_capacities=np.full(12, 4.0)).solve(EXACT)
    assert tight.status is SolveStatus.OPTIMAL
    assert tight.objective >= free.objective - 1e-9
    assert np.bincount(tight.assignment, minlength=12).max() <= 4


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("bad", [np.array([[1.0, np.nan]]), np.array([[1.0, -2.0]]), np.zeros((0, 3)), "x"])
def test_bad_cost_matrix_is_an_input_error(bad):
    with pytest.raises(InputError):
        PMedian.from_cost_matrix(bad, None, 1)


def test_p_larger_than_sites_and_short_capacity_are_siting_errors():
    d = euclid(16, 5, 3)
    with pytest.raises(SitingError, match="p = 4"):
        PMedian.from_cost_matrix(d, None, 4)
    with pytest.raises(SitingError, match="required"):
        MCLP.from_cost_matrix(d, None, 10, 1, predefined_facilities_arr=[0, 1])
    with pytest.raises(SitingError, match="total capacity"):
        CFLP.from_cost_matrix(d, np.ones(5), [1, 1, 1])
    with pytest.raises(SitingError, match="largest capacities"):
        CPMP.from_cost_matrix(d, np.ones(5), 1, facility_capacities=[4, 4, 4])


def test_malformed_benchmark_file_names_file_and_line(tmp_path):
    from siting.classical.readers import read_orlib_cap, read_orlib_pmed

    f = tmp_path / "bad.txt"
    f.write_text("4 3 2\n1 2 5\n2 x 4\n3 4 1\n")
    with pytest.raises(InputError) as e:
        read_orlib_pmed(f)
    assert "bad.txt" in str(e.value) and "row 3" in str(e.value)
    f.write_text("4 3 2\n1 2 5\n")
    with pytest.raises(InputError, match="edge lines"):
        read_orlib_pmed(f)
    f.write_text("2 1\n10 5 10 5\n3 1\n")
    with pytest.raises(InputError, match="tokens"):
        read_orlib_cap(f)


# --------------------------------------------------------------------------- published optima (smoke subset)
def test_orlib_pmed1_published_optimum(shared_data):
    from siting.classical.readers import read_orlib_pmed

    inst = read_orlib_pmed(shared_data / "orlib-pmed" / "pmed1.txt")
    r = PMedian.from_cost_matrix(inst.distance, None, inst.p).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == 5819


def test_orlib_pmed2_published_optimum_needs_stage4(shared_data):
    from siting.classical.readers import read_orlib_pmed

    inst = read_orlib_pmed(shared_data / "orlib-pmed" / "pmed2.txt")
    r = PMedian.from_cost_matrix(inst.distance, None, inst.p).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == 4093


def test_orlib_cap41_published_optimum(shared_data):
    from siting.classical.readers import read_orlib_cap

    inst = read_orlib_cap(shared_data / "orlib-cap" / "cap41.txt")
    r = CFLP.from_cost_matrix(inst.cost, inst.demand, inst.capacity, inst.fixed_cost, single_source=False).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(1040444.375, abs=1e-3)


def test_osman_christofides_pmedcap01_published_optimum(shared_data):
    from siting.classical.readers import read_osman_christofides

    inst = read_osman_christofides(shared_data / "cpmp" / "osman-christofides" / "pmedcap01.txt")
    r = CPMP.from_cost_matrix(inst.distance, inst.demand, inst.p, facility_capacities=inst.capacity).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(713)


def test_sjc324_mclp_reference_value(shared_data):
    """No published optimum exists for the SJC MCLP sets; 12152 (all demand) is the data README's computed value."""
    from siting.classical.readers import read_sjc_mclp

    inst = read_sjc_mclp(shared_data / "mclp" / "SJC324.txt", shared_data / "mclp" / "demand-SJC324.dat")
    r = MCLP.from_cost_matrix(inst.distance(), inst.demand, 800, 5).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(12152)


# --------------------------------------------------------------------------- GeoDataFrame constructors
def test_from_geodataframe_matches_cost_matrix():
    import geopandas as gpd
    from shapely.geometry import Point

    rng = np.random.default_rng(21)
    a, b = rng.random((25, 2)) * 100, rng.random((9, 2)) * 100
    dem = gpd.GeoDataFrame({"w": rng.integers(1, 5, 25).astype(float)}, geometry=[Point(x, y) for x, y in a])
    fac = gpd.GeoDataFrame({"req": [i == 4 for i in range(9)], "cap": np.full(9, 40.0), "f": np.full(9, 10.0)},
                           geometry=[Point(x, y) for x, y in b])
    d = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
    w = dem["w"].to_numpy()
    pairs = [
        (PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "w", 3, predefined_facility_col="req"),
         PMedian.from_cost_matrix(d, w, 3, predefined_facilities_arr=[4])),
        (MCLP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 25.0, 2),
         MCLP.from_cost_matrix(d, w, 25.0, 2)),
        (LSCP.from_geodataframe(dem, fac, "geometry", "geometry", 60.0), LSCP.from_cost_matrix(d, 60.0)),
        (PCenter.from_geodataframe(dem, fac, "geometry", "geometry", 3), PCenter.from_cost_matrix(d, 3)),
        (CPMP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 3, "cap"),
         CPMP.from_cost_matrix(d, w, 3, facility_capacities=np.full(9, 40.0))),
        (CFLP.from_geodataframe(dem, fac, "geometry", "geometry", "w", "cap", "f"),
         CFLP.from_cost_matrix(d, w, np.full(9, 40.0), np.full(9, 10.0), per_unit_cost=True)),
    ]
    for geo, mat in pairs:
        rg, rm = geo.solve(EXACT), mat.solve(EXACT)
        assert rg.status is SolveStatus.OPTIMAL, type(geo).__name__
        assert rg.objective == pytest.approx(rm.objective), type(geo).__name__
    with pytest.raises(InputError, match="no column"):
        PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "nope", 3)


@pytest.mark.parametrize("backend", ["scip", "cbc"])
def test_models_are_backend_neutral(backend):
    d = euclid(22, 30, 10)
    opts = SolverOptions(backend=backend, time_limit_s=60, relative_gap=0.0)
    r = MCLP.from_cost_matrix(d, None, 30.0, 2).solve(opts)
    assert r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(max((d[:, list(c)] <= 30.0).any(axis=1).sum()
                                            for c in itertools.combinations(range(10), 2)))
    r = PMedian.from_cost_matrix(d, None, 3).solve(opts, method="mip")
    assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(brute(d, 3, np.sum))


def test_pcenter_with_required_site():
    d = euclid(23, 25, 9)
    r = PCenter.from_cost_matrix(d, 3, predefined_facilities_arr=[0]).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and 0 in r.facilities
    assert r.objective == pytest.approx(brute(d, 3, np.max, required=(0,)))


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_cflp_lagrangian_site_fixing_is_exact(seed):
    rng = np.random.default_rng(seed)
    d = euclid(seed, 60, 15)
    q = rng.integers(5, 30, 60).astype(float)
    cap = rng.integers(150, 400, 15).astype(float)
    f = rng.integers(200, 900, 15).astype(float)
    model = CFLP.from_cost_matrix(d, q, cap, f, single_source=False, per_unit_cost=True)
    plain, reduced = model.solve(EXACT), model.solve(EXACT, reduce=True)
    assert plain.status is SolveStatus.OPTIMAL and reduced.status is SolveStatus.OPTIMAL
    assert reduced.objective == pytest.approx(plain.objective, rel=1e-7)
    assert reduced.bound <= reduced.objective + 1e-6
    assert "lagrangian_bound" in reduced.stats and reduced.stats["lagrangian_bound"] <= plain.objective + 1e-6
