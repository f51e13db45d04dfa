"""Table-level 2SFCA / E2SFCA (siting.analysis.fca): access's own grid cases, hand-worked weights."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from siting.analysis.fca import (
    enhanced_two_step_fca,
    gaussian_weights,
    gravity_weights,
    step_weights,
    two_step_fca,
)
from siting.errors import InputError


def grid(n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """access's test grid: n × n points with value 1, and all-pairs Euclidean costs."""
    pts = pd.DataFrame([{"id": k + 1, "x": x, "y": y, "value": 1.0}
                        for k, (x, y) in enumerate(itertools.product(range(n), range(n)))])
    cost = pd.DataFrame([{"origin": a.id, "dest": b.id, "cost": math.hypot(a.x - b.x, a.y - b.y)}
                         for a, b in itertools.product(pts.itertuples(), pts.itertuples())])
    return pts, cost


# --------------------------------------------------------------------------- access's test_floating_catchment_area.py
def test_access_grid_cases():
    supply, cost = grid()
    demand = supply.sample(5, random_state=3)
    kw = dict(demand_value="value", supply_value="value")
    large = two_step_fca(demand, supply, cost, **kw)
    assert large.index.tolist() == demand["id"].tolist() and list(large.columns) == ["value", "2sfca_value"]
    assert np.allclose(large["2sfca_value"], 25 / 5)          # access: == 5
    small = two_step_fca(demand, supply, cost, max_cost=0.9, **kw)
    assert np.allclose(small["2sfca_value"], 1.0)             # access: == 1 (each reaches its own point)
    empty = two_step_fca(demand, supply, cost, max_cost=-1, **kw)
    assert empty["2sfca_value"].isna().all()                   # access: NaN for an empty catchment
    norm = two_step_fca(demand, supply, cost, normalize=True, **kw)
    assert np.allclose(norm["2sfca_value"], 1.0)


# --------------------------------------------------------------------------- hand-worked example
def three_by_two():
    demand = pd.DataFrame({"id": ["a", "b", "c"], "population": [100.0, 300.0, 50.0]})
    supply = pd.DataFrame({"id": ["p", "q"], "capacity": [40.0, 10.0], "beds": [4.0, 0.0]})
    cost = pd.DataFrame({"origin": ["a", "a", "b", "b", "c"], "dest": ["p", "q", "p", "q", "q"],
                         "cost": [4.0, 12.0, 8.0, 3.0, 25.0]})
    return demand, supply, cost


def test_hand_worked_stepped_tiers_and_empty_catchment():
    demand, supply, cost = three_by_two()
    tiers = step_weights({5: 1.0, 10: 0.5, 15: 0.25})  # custom tiers: c = 25 is beyond them (weight 0)
    out = two_step_fca(demand, supply, cost, weight=tiers, supply_value=["capacity", "beds"])
    # p: demand 1·100 + 0.5·300 = 250 → R_p = 40/250 = 0.16; q: 0.25·100 + 1·300 + 0·50 = 325 → R_q = 10/325
    r_p, r_q = 40 / 250, 10 / 325
    assert out.loc["a", "2sfca_capacity"] == pytest.approx(1 * r_p + 0.25 * r_q)
    assert out.loc["b", "2sfca_capacity"] == pytest.approx(0.5 * r_p + 1 * r_q)
    assert out.loc["c", "2sfca_capacity"] == pytest.approx(0.0)   # a pair exists (weight 0): 0, not NaN
    assert out.loc["a", "2sfca_beds"] == pytest.approx(4 / 250)
    cut = two_step_fca(demand, supply, cost, weight=tiers, max_cost=20)
    assert math.isnan(cut.loc["c", "2sfca_capacity"])             # no pair within 20: empty catchment
    # conservation: Σ_i D_i A_i = Σ supply reached by some weighted demand
    assert float((out["population"] * out["2sfca_capacity"]).sum()) == pytest.approx(50.0)


def test_e2sfca_default_is_access_tiers():
    demand, supply, cost = three_by_two()
    e2 = enhanced_two_step_fca(demand, supply, cost)
    same = two_step_fca(demand, supply, cost, weight=step_weights({10: 1, 20: 0.68, 30: 0.22}), name="e2sfca")
    pd.testing.assert_frame_equal(e2, same)
    # p: 100 + 300 = 400 (both ≤ 10); q: 0.68·100 + 300 + 0.22·50 = 379
    assert e2.loc["c", "e2sfca_capacity"] == pytest.approx(0.22 * 10 / 379)


def test_weights_as_access_defines_them():
    f = step_weights({20: 1, 40: 0.68, 60: 0.22})
    assert {v: f(v) for v in range(0, 71, 10)} == {0: 1, 10: 1, 20: 1, 30: 0.68, 40: 0.68, 50: 0.22, 60: 0.22, 70: 0}
    g = gaussian_weights(20)
    assert [g(v) for v in (0, 20, 40, 60)] == pytest.approx([1.0, 0.6065306597126334, 0.1353352832366127,
                                                              0.011108996538242306])
    grav = gravity_weights(20, -2, min_cost=1)
    assert [round(float(grav(t)), 2) for t in (0, 1, 2, 20, 40, 60)] == [400.0, 400.0, 100.0, 1.0, 0.25, 0.11]


def test_any_callable_weight_including_scalar_only_ones():
    demand, supply, cost = three_by_two()
    scalar_only = lambda c: 1.0 if c <= 10 else 0.5  # noqa: E731 -- fails on an array: applied cost by cost
    vectorised = lambda c: np.where(np.asarray(c) <= 10, 1.0, 0.5)  # noqa: E731
    a = two_step_fca(demand, supply, cost, weight=scalar_only)
    b = two_step_fca(demand, supply, cost, weight=vectorised)
    pd.testing.assert_frame_equal(a, b)
    grav = two_step_fca(demand, supply, cost, weight=gravity_weights(1.0, -1.0))
    # p: 100/4 + 300/8 = 62.5; q: 100/12 + 300/3 + 50/25 = 110.333…
    assert grav.loc["c", "2sfca_capacity"] == pytest.approx((1 / 25) * 10 / (100 / 12 + 100 + 2))
    with pytest.raises(InputError, match="weight"):
        two_step_fca(demand, supply, cost.assign(cost=[0.0, 1, 1, 1, 1]), weight=gravity_weights(1.0, -1.0))


def test_normalize_divides_by_population_weighted_mean():
    demand, supply, cost = three_by_two()
    raw = two_step_fca(demand, supply, cost, max_cost=20)
    norm = two_step_fca(demand, supply, cost, max_cost=20, normalize=True)
    pop = raw["population"]
    mean = float(np.nansum(raw["2sfca_capacity"] * pop) / pop.sum())  # NaN counted as 0 (access)
    assert norm["2sfca_capacity"].drop("c").to_numpy() == pytest.approx(
        (raw["2sfca_capacity"] / mean).drop("c").to_numpy())
    assert math.isnan(norm.loc["c", "2sfca_capacity"])


@pytest.mark.parametrize("change,match", [
    (lambda d, s, c: (d.drop(columns="population"), s, c), "no column 'population'"),
    (lambda d, s, c: (d.assign(id=["a", "a", "c"]), s, c), "row 2, field 'id'.*twice"),
    (lambda d, s, c: (d.assign(population=[1.0, -5.0, 1.0]), s, c), "demand, row 2, field 'population'"),
    (lambda d, s, c: (d, s.assign(capacity=[np.nan, 1.0]), c), "supply, row 1, field 'capacity'"),
    (lambda d, s, c: (d, s, c.assign(cost=[1.0, 2.0, "x", 1.0, 1.0])), "cost, field 'cost'"),
    (lambda d, s, c: (d, s, c.drop(columns="dest")), "no column 'dest'"),
])
def test_bad_tables_are_located_errors(change, match):
    d, s, c = change(*three_by_two())
    with pytest.raises(InputError, match=match):
        two_step_fca(d, s, c)


def test_ids_on_the_index_and_unknown_destinations():
    demand, supply, cost = three_by_two()
    extra = pd.concat([cost, pd.DataFrame({"origin": ["a"], "dest": ["zz"], "cost": [1.0]})])  # no such supply: 0
    out = two_step_fca(demand.set_index("id"), supply.set_index("id"), extra)
    base = two_step_fca(demand, supply, cost)
    # zz has supply 0 but takes a's demand: only the ratios at p and q matter, and they are unchanged
    pd.testing.assert_series_equal(out["2sfca_capacity"], base["2sfca_capacity"])
