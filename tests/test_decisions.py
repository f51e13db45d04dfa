"""Modelling decisions of docs/decisions.md, each held by a test.

* No hub requirement without households: a community of zero households gets no hub and no
  hub shortfall; one with households still needs its hub.
* ``available_year`` and ``pilot`` are read but not yet used: loading says so with a warning.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from conftest import EXACT, residents, settings, solve_checked, tiny, tiny_tables, write_tiny_scenario
from siting.errors import SitingWarning
from siting.io.load import load_instance
from siting.io.scenario import load_scenario

HUB_SERVICES = ("infant_care", "elderly_day_care", "community_canteen", "health_station")


def _hub_instance(households):
    st = settings(*HUB_SERVICES, hub=True, hub_overrides={"min_area_m2": {"new": 100, "existing": 100}})
    n = len(households)
    return tiny(communities=[(i * 100.0, 0.0) for i in range(n)], spaces=[(50.0, 0.0), (150.0, 0.0), (250.0, 0.0)],
                res=residents(n, r0_2=0, r80_plus=0), st=st, households=np.asarray(households, float),
                space_area_m2=1000.0, rent_cny_per_year=1000.0)


def test_zero_households_needs_no_hub():
    out = solve_checked(_hub_instance([0.0, 0.0, 0.0]), EXACT)
    assert (out.plan.hub_space < 0).all()
    assert not out.evaluation.hub_short.any()
    assert out.plan.taken.sum() == 0  # nothing is taken for hubs nobody needs
    assert out.evaluation.cost_cny == pytest.approx(0.0)


def test_a_community_with_households_still_needs_its_hub():
    out = solve_checked(_hub_instance([0.0, 250.0, 0.0]), EXACT)
    assert out.plan.hub_space[1] >= 0
    assert (out.plan.hub_space[[0, 2]] < 0).all()
    assert not out.evaluation.hub_short.any()
    inst = out.instance
    assert inst.needs_hub.tolist() == [False, True, False]


def test_checker_reports_no_hub_shortfall_for_zero_households():
    inst = _hub_instance([0.0, 250.0])
    out = solve_checked(inst, EXACT)
    # drop the plan's hubs: only the community with households is short of one
    from dataclasses import replace

    from siting.analysis.evaluate import evaluate

    bare = replace(out.plan, hub_space=np.full(inst.n_communities, -1, dtype=np.int64))
    ev = evaluate(inst, bare)
    assert ev.hub_short.tolist() == [False, True]


def _loaded(tmp_path, com=None, spa=None):
    path = write_tiny_scenario(tmp_path / "s", com, spa)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        load_instance(load_scenario(path))
    return [str(r.message) for r in rec if issubclass(r.category, SitingWarning)]


def test_available_year_and_pilot_warn_that_they_are_not_used(tmp_path):
    com, spa = tiny_tables()
    com["pilot"] = ["true", "false", ""]
    msgs = _loaded(tmp_path, com, spa)
    assert any("available_year" in m and "4 spaces" in m and "not yet used" in m for m in msgs), msgs
    assert any("pilot" in m and "1 communities" in m and "not yet used" in m for m in msgs), msgs


def test_no_warning_without_available_year_or_pilot(tmp_path):
    com, spa = tiny_tables()
    spa["available_year"] = ""
    msgs = _loaded(tmp_path, com, spa)
    assert not [m for m in msgs if "not yet used" in m], msgs
