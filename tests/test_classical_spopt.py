"""spopt drop-in checks for siting.classical: what a spopt user's call means here.

Each test pins one way a spopt call silently gave another answer before (issue 14):
0/1 predefined masks, CRSs, the capacitated p-median's objective, positional argument
order, and ``InputError`` being a ``ValueError``.
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from pathlib import Path

import numpy as np
import pulp
import pytest

from siting.classical import CPMP, LSCP, LSCPB, MCLP, PCenter, PDispersion, PMedian, SiteIndices
from siting.classical._common import as_site_mask
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import InputError, SitingWarning

EXACT = SolverOptions(backend="highs", time_limit_s=60, relative_gap=0.0)


def euclid(seed: int, n: int, m: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    return np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))


def frames(seed: int, n: int, m: int, crs: str | None = "EPSG:32651", fac_crs: str | None = None):
    import geopandas as gpd
    from shapely.geometry import Point

    rng = np.random.default_rng(seed)
    a, b = rng.random((n, 2)) * 100, rng.random((m, 2)) * 100
    dem = gpd.GeoDataFrame({"w": rng.integers(1, 9, n).astype(float)}, geometry=[Point(x, y) for x, y in a], crs=crs)
    fac = gpd.GeoDataFrame({"cap": np.full(m, 60.0)}, geometry=[Point(x, y) for x, y in b],
                           crs=fac_crs if fac_crs is not None else crs)
    return dem, fac, np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))


# --------------------------------------------------------------------------- predefined sites: mask or indices
def test_spopt_01_mask_requires_exactly_the_flagged_site():
    d = euclid(4, 30, 10)
    mask = [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]  # spopt's documented form: site 5 is required
    r = PMedian.from_cost_matrix(d, None, 1, mask).solve(EXACT)
    assert r.facilities.tolist() == [5]
    r = MCLP.from_cost_matrix(d, None, 20.0, 1, np.array(mask)).solve(EXACT)
    assert r.facilities.tolist() == [5]
    r = PCenter.from_cost_matrix(d, 1, np.array(mask, dtype=float)).solve(EXACT)
    assert r.facilities.tolist() == [5]


@pytest.mark.parametrize("given,expected", [
    (np.array([False, True, False, True]), [1, 3]),
    ([0, 1, 0, 1], [1, 3]),
    (np.array([[0], [1], [1], [0]]), [1, 2]),  # an (n_sites, 1) column, as spopt allows
    ([3], [3]),
    ([2, 0], [0, 2]),
    (SiteIndices([0, 1]), [0, 1]),
    (None, []),
])
def test_site_mask_forms(given, expected):
    assert np.flatnonzero(as_site_mask(given, 4)).tolist() == expected


@pytest.mark.parametrize("given,n_sites,match", [
    ([0, 1], 2, "both as a 0/1 mask and as site indices"),   # mask {1} or indices {0, 1}
    ([0], 1, "both as a 0/1 mask and as site indices"),
    ([2, 0, 1, 3], 4, "not all 0/1"),                         # one value per site, not a mask
    ([1, 1], 4, "distinct site indices"),
    ([7], 4, "distinct site indices"),
    ([0.5], 4, "whole site indices"),
    (np.array([True, False]), 4, "4 booleans"),
    (SiteIndices([4]), 4, "distinct site indices"),
])
def test_ambiguous_or_bad_site_masks_are_errors(given, n_sites, match):
    with pytest.raises(InputError, match=match):
        as_site_mask(given, n_sites)


def test_predefined_column_must_be_boolean_or_01():
    dem, fac, _ = frames(1, 12, 5)
    fac["req"] = [0, 2, 0, 0, 0]
    with pytest.raises(InputError, match="row 2.*'req'"):
        PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "w", 2, predefined_facility_col="req")
    fac["req"] = [0, 0, 1, 0, 0]
    r = PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "w", 1, predefined_facility_col="req").solve(EXACT)
    assert r.facilities.tolist() == [2]


# --------------------------------------------------------------------------- CRS
def test_different_crs_is_an_error_and_a_value_error():
    dem, fac, _ = frames(2, 10, 4, crs="EPSG:32651", fac_crs="EPSG:3857")
    for build in (lambda: LSCP.from_geodataframe(dem, fac, "geometry", "geometry", 50.0),
                  lambda: PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "w", 2)):
        with pytest.raises(ValueError, match="CRS"):
            build()


def test_geographic_crs_warns_that_distances_are_degrees():
    dem, fac, _ = frames(3, 10, 4, crs="EPSG:4326")
    with pytest.warns(SitingWarning, match="degrees"):
        MCLP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 30.0, 2)
    dem, fac, _ = frames(3, 10, 4, crs="EPSG:32651")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MCLP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 30.0, 2)


def test_polygons_warn_that_centroids_are_used():
    dem, fac, _ = frames(5, 8, 3)
    dem = dem.set_geometry(dem.buffer(1.0))
    with pytest.warns(SitingWarning, match="centroids"):
        LSCP.from_geodataframe(dem, fac, "geometry", "geometry", 200.0)


def test_input_error_is_a_value_error():
    assert issubclass(InputError, ValueError)
    with pytest.raises(ValueError):
        PMedian.from_cost_matrix(np.ones((3, 2)), None, 5)


# --------------------------------------------------------------------------- capacitated p-median objective
def brute_cpmp(d: np.ndarray, q: np.ndarray, cap: np.ndarray, p: int, weighted: bool) -> float:
    """Enumerate every p-subset and every single-source assignment that fits the capacities."""
    n, m = d.shape
    cost = d * q[:, None] if weighted else d
    best = np.inf
    for sites in itertools.combinations(range(m), p):
        for assign in itertools.product(sites, repeat=n):
            a = np.array(assign)
            if all(q[a == j].sum() <= cap[j] + 1e-9 for j in sites):
                best = min(best, float(cost[np.arange(n), a].sum()))
    return best


def test_cpmp_weighted_objective_from_every_constructor_and_via_pmedian():
    dem, fac, d = frames(7, 7, 4)
    fac["cap"] = [14.0, 16.0, 15.0, 18.0]
    q, cap = dem["w"].to_numpy(), fac["cap"].to_numpy()
    want_w, want_u = brute_cpmp(d, q, cap, 2, True), brute_cpmp(d, q, cap, 2, False)
    assert want_w != pytest.approx(want_u)  # the two objectives are different problems here
    weighted = [
        CPMP.from_cost_matrix(d, q, 2, None, cap, weighted_objective=True),
        CPMP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 2, "cap", weighted_objective=True),
        PMedian.from_cost_matrix(d, q, 2, None, cap),                    # spopt's capacitated p-median
        PMedian.from_geodataframe(dem, fac, "geometry", "geometry", "w", 2, "cap"),
    ]
    for model in weighted:
        assert isinstance(model, CPMP) and model.weighted_objective
        r = model.solve(EXACT)
        assert r.status is SolveStatus.OPTIMAL and r.objective == pytest.approx(want_w, rel=1e-6)
    r = CPMP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 2, "cap").solve(EXACT)
    assert r.objective == pytest.approx(want_u, rel=1e-6)  # the benchmark default stays unweighted


def test_fulfill_predefined_fac_fills_required_sites_to_capacity():
    d = euclid(8, 10, 5)
    q = np.full(10, 2.0)
    cap = np.array([8.0, 12.0, 12.0, 12.0, 12.0])
    r = CPMP.from_cost_matrix(d, q, 3, [1, 0, 0, 0, 0], cap, True).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and 0 in r.facilities.tolist()
    assert q[r.assignment == 0].sum() == pytest.approx(8.0)
    free = CPMP.from_cost_matrix(d, q, 3, [1, 0, 0, 0, 0], cap).solve(EXACT)
    assert free.objective <= r.objective + 1e-9
    with pytest.raises(InputError, match="fulfill_predefined_fac"):
        PMedian.from_cost_matrix(d, q, 3, [1, 0, 0, 0, 0], None, True)
    with pytest.raises(InputError, match="cannot all be filled"):
        CPMP.from_cost_matrix(d, q, 3, [1, 1, 0, 0, 0], np.array([15.0, 15.0, 1, 1, 1]), True)


# --------------------------------------------------------------------------- positional order as spopt's
# spopt/locate (github.com/pysal/spopt @ 493a58aa99134b6abecf8d37479fbee01a46e820): the positional parameters
# of each constructor, in order.
SPOPT_SIGNATURES = {
    (LSCP, "from_cost_matrix"): ["cost_matrix", "service_radius", "predefined_facilities_arr", "demand_quantity_arr",
                                 "facility_capacity_arr", "name"],
    (LSCP, "from_geodataframe"): ["gdf_demand", "gdf_fac", "demand_col", "facility_col", "service_radius",
                                  "predefined_facility_col", "demand_quantity_col", "facility_capacity_col",
                                  "distance_metric", "name"],
    (MCLP, "from_cost_matrix"): ["cost_matrix", "weights", "service_radius", "p_facilities",
                                 "predefined_facilities_arr", "name"],
    (MCLP, "from_geodataframe"): ["gdf_demand", "gdf_fac", "demand_col", "facility_col", "weights_cols",
                                  "service_radius", "p_facilities", "predefined_facility_col", "distance_metric",
                                  "name"],
    (PMedian, "from_cost_matrix"): ["cost_matrix", "weights", "p_facilities", "predefined_facilities_arr",
                                    "facility_capacities", "fulfill_predefined_fac", "name"],
    (PMedian, "from_geodataframe"): ["gdf_demand", "gdf_fac", "demand_col", "facility_col", "weights_cols",
                                     "p_facilities", "facility_capacity_col", "predefined_facility_col",
                                     "fulfill_predefined_fac", "distance_metric", "name"],
    (PCenter, "from_cost_matrix"): ["cost_matrix", "p_facilities", "predefined_facilities_arr", "name"],
    (PCenter, "from_geodataframe"): ["gdf_demand", "gdf_fac", "demand_col", "facility_col", "p_facilities",
                                     "predefined_facility_col", "distance_metric", "name"],
}
SPOPT_SIGNATURES.update({
    (LSCPB, "from_cost_matrix"): ["cost_matrix", "service_radius", "solver", "predefined_facilities_arr", "name"],
    (LSCPB, "from_geodataframe"): ["gdf_demand", "gdf_fac", "demand_col", "facility_col", "service_radius", "solver",
                                   "predefined_facility_col", "distance_metric", "name"],
    (LSCPB, "solve"): ["self", "results"],
    (PDispersion, "from_cost_matrix"): ["cost_matrix", "p_facilities", "predefined_facilities_arr", "name"],
    (PDispersion, "from_geodataframe"): ["gdf_fac", "facility_col", "p_facilities", "predefined_facility_col",
                                         "distance_metric", "name"],
})
SPOPT_SIGNATURES[(CPMP, "from_cost_matrix")] = SPOPT_SIGNATURES[(PMedian, "from_cost_matrix")]
SPOPT_SIGNATURES[(CPMP, "from_geodataframe")] = SPOPT_SIGNATURES[(PMedian, "from_geodataframe")]


@pytest.mark.parametrize("cls,method", list(SPOPT_SIGNATURES), ids=lambda v: getattr(v, "__name__", v))
def test_positional_parameters_match_spopt(cls, method):
    params = inspect.signature(getattr(cls, method)).parameters.values()
    positional = [p.name for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == SPOPT_SIGNATURES[(cls, method)]


def test_lscp_positional_demand_then_capacity_as_spopt():
    d = np.array([[1.0, 1.0, 9.0], [1.0, 1.0, 9.0], [9.0, 1.0, 1.0]])
    # spopt order: demand (1 each), then capacity (3 each): one facility (site 1) covers all
    r = LSCP.from_cost_matrix(d, 2.0, None, [1.0, 1.0, 1.0], [3.0, 3.0, 3.0]).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL and r.facilities.tolist() == [1]
    with pytest.raises(InputError, match="without facility capacities"):
        LSCP.from_cost_matrix(d, 2.0, None, [1.0, 1.0, 1.0])


def test_mclp_geodataframe_positional_distance_metric():
    dem, fac, _ = frames(9, 30, 8)
    from scipy.spatial.distance import cdist

    xy = lambda g: np.column_stack([g.geometry.x, g.geometry.y])  # noqa: E731
    manhattan = cdist(xy(dem), xy(fac), "cityblock")
    geo = MCLP.from_geodataframe(dem, fac, "geometry", "geometry", "w", 30.0, 2, None, "manhattan").solve(EXACT)
    mat = MCLP.from_cost_matrix(manhattan, dem["w"].to_numpy(), 30.0, 2).solve(EXACT)
    assert geo.objective == pytest.approx(mat.objective)


def test_old_cpmp_positional_capacities_fail_loudly():
    d = euclid(10, 6, 4)
    with pytest.raises(InputError):  # capacities where spopt puts the predefined mask: never read silently
        CPMP.from_cost_matrix(d, np.ones(6), 2, [4.0, 4.0, 4.0, 4.0])


# --------------------------------------------------------------------------- spopt's results on the model
def test_lscp_fac2cli_lists_every_covered_client_as_spopt():
    d = euclid(11, 40, 8)
    model = LSCP.from_cost_matrix(d, 45.0)
    r = model.solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL
    within = d <= 45.0
    assert len(r.fac2cli) == 8
    for j in range(8):
        want = np.flatnonzero(within[:, j]).tolist() if j in r.facilities else []
        assert r.fac2cli[j] == want
    for i in range(40):
        assert r.cli2fac[i] == [j for j in r.facilities.tolist() if within[i, j]]
    twice = [i for i in range(40) if len(r.cli2fac[i]) > 1]
    assert twice  # this instance has clients covered by two open sites: spopt lists them under both
    fc, assigned = r.facility_clients(), r.facility_assigned_clients()
    assert sum(len(v) for v in fc.values()) == sum(len(c) for c in r.cli2fac) > 40
    assert sorted(np.concatenate(list(assigned.values())).tolist()) == list(range(40))  # each client once


def test_spopt_attributes_on_the_model_and_results_false():
    d = euclid(12, 30, 6)
    w = np.arange(1, 31, dtype=float)
    model = MCLP.from_cost_matrix(d, w, 20.0, 2)
    r = model.solve(EXACT)
    for name in ("fac2cli", "cli2fac", "n_cli_uncov", "perc_cov", "mean_dist"):
        assert getattr(model, name) == getattr(r, name), name
    covered = np.array([bool(c) for c in r.cli2fac])
    assert model.n_cli_uncov == int((~covered).sum()) > 0
    assert model.perc_cov == pytest.approx(100.0 * covered.mean())  # clients counted, as spopt
    assert r.covered_demand_percentage == pytest.approx(100.0 * w[covered].sum() / w.sum())
    assert r.covered_demand_percentage != pytest.approx(model.perc_cov)
    assert [v.value() for v in model.fac_vars] == [1.0 if j in r.facilities else 0.0 for j in range(6)]
    again = MCLP.from_cost_matrix(d, w, 20.0, 2)
    again.solve(EXACT, results=False)
    with pytest.raises(AttributeError):
        again.fac2cli  # noqa: B018 -- as spopt without results
    assert again.result is not None and again.result.fac2cli == r.fac2cli


def test_cflp_multi_source_fac2cli_and_mean_distance_follow_the_shares():
    from siting.classical import CFLP

    d = np.array([[1.0, 4.0], [1.0, 4.0], [5.0, 1.0]])
    q = np.array([3.0, 3.0, 2.0])
    r = CFLP.from_cost_matrix(d, q, [4.0, 10.0], [0.0, 0.0], single_source=False, per_unit_cost=True).solve(EXACT)
    assert r.status is SolveStatus.OPTIMAL
    split = [i for i in range(3) if len(r.cli2fac[i]) == 2]
    assert len(split) == 1  # 4 units at site 0 for 6 units of demand near it: one client is split
    sh = r.shares.toarray()
    assert r.mean_dist == pytest.approx((q[:, None] * sh * d).sum() / q.sum())


# --------------------------------------------------------------------------- solve(pulp solver)
@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_solve_accepts_pulp_solvers():
    from siting.classical._result import options_from_pulp

    opts = options_from_pulp(pulp.PULP_CBC_CMD(msg=False, timeLimit=7, gapRel=0.01, threads=2))
    assert (opts.backend, opts.time_limit_s, opts.relative_gap, opts.threads) == ("cbc", 7.0, 0.01, 2)
    assert options_from_pulp(pulp.PULP_CBC_CMD(msg=False)).relative_gap == 0.0  # CBC's default: proven optimum
    assert options_from_pulp(pulp.HiGHS_CMD(msg=False)).backend == "highs"
    d = euclid(13, 25, 7)
    ref = MCLP.from_cost_matrix(d, None, 25.0, 2).solve(EXACT)
    model = MCLP.from_cost_matrix(d, None, 25.0, 2)
    r = model.solve(pulp.PULP_CBC_CMD(msg=False), results=True)
    assert r.backend == "cbc" and r.status is SolveStatus.OPTIMAL
    assert r.objective == pytest.approx(ref.objective) and model.n_cli_uncov == ref.n_cli_uncov
    with pytest.raises(InputError, match="GLPK_CMD has no siting backend"):
        model.solve(pulp.GLPK_CMD(msg=False))
    with pytest.raises(InputError, match="no siting backend"):
        model.solve("cbc")


# --------------------------------------------------------------------------- spopt's own real-world figures
DATA = Path(__file__).parent / "data" / "spopt"


def sf_instance() -> tuple[np.ndarray, np.ndarray]:
    """spopt's San Francisco instance, built as its TestRealWorldLocate builds it."""
    import pandas as pd

    nd = pd.read_csv(DATA / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = nd.pivot_table(values="distance", index="DestinationName", columns="name").to_numpy()
    dem = pd.read_csv(DATA / "SF_demand_205_centroid_uniform_weight.csv").sort_values(by=["NAME"]).reset_index()
    return cost, dem["POP2000"].to_numpy()


@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_spopt_sf_mclp_uncovered_clients_and_percentage():
    cost, ai = sf_instance()
    model = MCLP.from_cost_matrix(cost, ai, 5000.0, 4)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert model.result.status is SolveStatus.OPTIMAL
    assert model.n_cli_uncov == 21                                    # spopt test_mclp.py
    assert model.perc_cov == pytest.approx(89.75609756097561)


def test_spopt_sf_pmedian_mean_distance():
    cost, ai = sf_instance()
    model = PMedian.from_cost_matrix(cost, ai, 4)
    model.solve(EXACT)
    assert model.result.status is SolveStatus.OPTIMAL
    assert model.mean_dist == pytest.approx(2982.1268579890657, rel=1e-12)  # spopt test_p_median.py


def test_spopt_capacitated_pmedian_with_fulfilled_predefined_schools():
    import pandas as pd

    t = pd.read_csv(DATA / "example_subject_student_school_journeys.csv")
    cost = (t.pivot_table(columns="school", fill_value=10000, index="student", sort=False, values="time")
            .astype(int).values)
    schools = pd.read_csv(DATA / "example_subject_schools.csv")
    caps = np.array(schools["Count"])
    priority_1 = np.array(schools[schools["priority"] == 1].index.tolist())  # an index list, as spopt's test
    model = PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), 10, predefined_facilities_arr=priority_1,
                                     facility_capacities=caps, fulfill_predefined_fac=True)
    r = model.solve(EXACT)
    assert isinstance(model, CPMP) and r.status is SolveStatus.OPTIMAL
    assert model.mean_dist == pytest.approx(87.2)                     # spopt test_c_p_median.py
    assert set(priority_1.tolist()) <= set(r.facilities.tolist())
    priority_3 = np.array(schools[schools["priority"] == 3].index.tolist())
    with pytest.raises(ValueError):
        PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), 10, predefined_facilities_arr=priority_3,
                                 facility_capacities=caps, fulfill_predefined_fac=True)


def test_solver_keyword_and_unknown_overrides():
    d = euclid(14, 20, 6)
    model = PMedian.from_cost_matrix(d, None, 2)
    assert model.solve(solver=EXACT).status is SolveStatus.OPTIMAL  # spopt's keyword name
    with pytest.raises(InputError, match="time_limt_s"):
        model.solve(EXACT, time_limt_s=5)                            # a typo is an error, never ignored
    with pytest.raises(InputError, match="relative_gap"):
        model.solve(EXACT, relative_gap=3.0)
    with pytest.raises(InputError, match="both"):
        model.solve(EXACT, solver=EXACT)


@pytest.mark.filterwarnings("ignore:PULP_CBC_CMD is deprecated:DeprecationWarning")
def test_readme_classical_section_runs_as_written():
    import re

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Classical location models"):]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) >= 2
    ns: dict = {}
    for block in blocks:
        exec(compile(block, "README.md", "exec"), ns)  # noqa: S102 -- README's own example
    assert ns["res"].status is SolveStatus.OPTIMAL and ns["res"].facilities.size == 20
    mclp = ns["mclp"]
    assert mclp.status is SolveStatus.OPTIMAL and mclp.n_cli_uncov == 400 - sum(map(bool, mclp.cli2fac)) > 0


def test_aij_as_spopt_builds_it():
    d = euclid(15, 12, 5)
    w = np.arange(1.0, 13.0)
    assert np.array_equal(LSCP.from_cost_matrix(d, 30.0).aij, (d <= 30.0).astype(float))
    assert np.array_equal(MCLP.from_cost_matrix(d, w, 30.0, 2).aij, (d <= 30.0).astype(float))
    assert np.allclose(PMedian.from_cost_matrix(d, w, 2).aij, w[:, None] * d)
    assert np.allclose(PMedian.from_cost_matrix(d, w, 2, None, np.full(5, 50.0)).aij, w[:, None] * d)
    assert np.array_equal(PCenter.from_cost_matrix(d, 2).aij, d)


def spopt_simulated_points(n: int, seed: int):
    """spopt.locate.util.simulated_geo_points on the square (0, 0)–(10, 10), as its notebook calls it."""
    import geopandas as gpd
    from shapely.geometry import Point

    np.random.seed(seed)  # spopt's generator: legacy global seed, x then y per point
    pts = [Point(np.random.uniform(0, 10, 1)[0], np.random.uniform(0, 10, 1)[0]) for _ in range(n)]
    return gpd.GeoDataFrame(geometry=pts, crs="EPSG:4326")


def test_spopt_p_median_variations_notebook_figures():
    """spopt notebooks/p-median_variations.ipynb: classic 668.880, capacitated 675.964, same sites."""
    clients, facilities = spopt_simulated_points(100, 7), spopt_simulated_points(100, 5)
    np.random.seed(0)
    clients["weights"] = np.random.randint(1, 12, 100)
    np.random.seed(1)
    facilities["capacity"] = np.random.randint(50, 200, 100)
    args = clients, facilities, "geometry", "geometry", "weights", 8
    with pytest.warns(SitingWarning, match="degrees"):  # the notebook's points are in EPSG:4326
        classic = PMedian.from_geodataframe(*args, name="classic-p-median")
    r = classic.solve(EXACT)
    assert round(r.objective, 3) == 668.880 and r.facilities.tolist() == [25, 34, 45, 68, 70, 88, 89, 91]
    with pytest.warns(SitingWarning):
        capacitated = PMedian.from_geodataframe(*args, name="p-median", facility_capacity_col="capacity")
    r = capacitated.solve(EXACT)
    assert capacitated.name == "capacitated-p-median"
    assert round(r.objective, 3) == 675.964 and r.facilities.tolist() == [25, 45, 46, 68, 70, 88, 89, 91]
    selected = [f.name.replace("_", "") for f in capacitated.fac_vars if f.varValue]  # the notebook's idiom
    assert selected == ["y25", "y45", "y46", "y68", "y70", "y88", "y89", "y91"]
    with pytest.warns(SitingWarning):
        benchmark_default = CPMP.from_geodataframe(*args, facility_capacity_col="capacity")
    assert round(benchmark_default.solve(EXACT).objective, 3) == 119.533  # the other figure


def test_spopt_sf_lscpb_backup_percentage_and_the_documented_difference():
    cost, _ = sf_instance()
    model = LSCPB.from_cost_matrix(cost, 5000.0, EXACT)
    r = model.solve()
    assert r.status is SolveStatus.OPTIMAL and r.lscp_obj_value == 8
    single = int(((cost <= 5000.0).sum(axis=1) == 1).sum())  # clients that only one site can cover
    # spopt's test_lscpb.py expects 81.46341463414633: it counts those clients as backed up too
    assert 100.0 * (r.objective + single) / 205 == pytest.approx(81.46341463414633)
    assert model.backup_perc == pytest.approx(100.0 * r.objective / 205) == pytest.approx(70.73170731707317)


def test_spopt_sf_pdispersion_from_geodataframe_solution_set():
    import geopandas as gpd
    import pandas as pd

    fp = pd.read_csv(DATA / "SF_store_site_16_longlat.csv")
    fac = gpd.GeoDataFrame(fp, geometry=gpd.points_from_xy(fp.long, fp.lat)).sort_values(by=["NAME"]).reset_index()
    model = PDispersion.from_geodataframe(fac, "geometry", 4)
    assert model.solve(EXACT).status is SolveStatus.OPTIMAL
    assert [v.name for v in model.fac_vars if v.varValue == 1] == ["y_0_", "y_2_", "y_8_", "y_14_"]  # spopt's
