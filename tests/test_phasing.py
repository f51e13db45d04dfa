"""Multi-year phasing (REQUIREMENTS D10): tiny hand-worked instances, two years 2025–2026.

Instance (``towns``): C1 and C2 5 km apart, 1 000 households each (existing) → 600 m² each;
S1 next to C1 and S2 next to C2, 1 500 m² each, acquisition 8 000 + retrofit 10 CNY/m².
No service demand, no hub rule: a space serves its community's area standard by hosting
600 m² (M2, M5). Opening a space costs 8 000 + 600 × 10 = 14 000 CNY in its opening year
(no rent or operating cost), so the lifecycle cost of both is 28 000 whatever the years; no
year below 8 000 can open anything (a space opened with less floor area keeps it: M2).
Targets (preset): pilots by 2025, everyone by the last year 2026; a shortfall before a
community is due weighs 0.01 of a due one (``early_service_weight``).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import (
    EXACT,
    TINY_SCENARIO,
    assert_objectives_recomputed,
    residents,
    settings,
    solve_checked,
    tiny,
    tiny_tables,
    write_tiny_scenario,
)
from siting.analysis.evaluate import evaluate
from siting.api import solve_instance
from siting.cli import app
from siting.core.instance import Instance
from siting.core.results import SolveStatus
from siting.core.settings import ObjectiveSettings, Phasing, PlanningSettings
from siting.errors import SitingError


def towns(budget=(14_000.0, 14_000.0), carry_over=False, pilot=(True, False), available=(None, None),
          years=(2025, 2026), horizon_years=2, enforce=(), locked=(), rent=0.0, **ph):
    phasing = Phasing(years=years, budget_cny_per_year=budget, carry_over=carry_over, **ph)
    st = settings(phasing=phasing, horizon_years=horizon_years, enforce=enforce, locked=locked)
    return tiny(communities=[[0, 0], [5000, 0]], spaces=[[50, 0], [5050, 0]], res=residents(2), st=st,
                households=1000, space_area_m2=[1500, 1500], acquisition_cny=8_000, retrofit_cny_per_m2=10,
                rent_cny_per_year=rent,
                pilot=np.array(pilot), available_year=np.array(available, dtype=object))


def years_open(out) -> list[int | None]:
    years = out.evaluation.yearly.years
    return [int(years[t]) if t >= 0 else None for t in out.plan.open_year]


def test_yearly_budget_shifts_an_opening_to_the_next_year_and_the_pilot_goes_first():
    # 14 000 a year pays for one space a year: the pilot C1's S1 in 2025, S2 in 2026
    out = solve_checked(towns())
    assert years_open(out) == [2025, 2026]
    y = out.evaluation.yearly
    np.testing.assert_allclose(y.spending_cny, [14_000.0, 14_000.0])
    assert y.meets.tolist() == [[True, False], [True, True]]
    assert out.evaluation.cost_cny == pytest.approx(28_000.0)
    # shortfall: C2 short in 2025 before it is due: 0.01 × priority 1 × 600/600
    assert out.evaluation.shortfall == pytest.approx(0.01)


def test_the_pilot_decides_which_space_opens_first():
    out = solve_checked(towns(pilot=(False, True)))
    assert years_open(out) == [2026, 2025]


def test_without_a_yearly_limit_everything_opens_in_the_first_year():
    out = solve_checked(towns(budget=None))
    assert years_open(out) == [2025, 2025]
    assert out.evaluation.shortfall == pytest.approx(0.0, abs=1e-9)


def test_availability_is_respected():
    # S1 only from 2026: the pilot C1 cannot be served in 2025 (a due shortfall of 1.0);
    # S2 opens in 2025 instead, S1 in 2026
    out = solve_checked(towns(available=(2026, None)))
    assert years_open(out) == [2026, 2025]
    assert out.evaluation.shortfall == pytest.approx(1.0)
    assert out.evaluation.yearly.meets.tolist() == [[False, True], [True, True]]


def test_carry_over_changes_the_answer():
    # 7 000 then 21 000: nothing opens in 2025 (8 000 > 7 000); without carry-over 2026 pays for
    # one space (14 000, the 7 000 left < 8 000): one community short at the end (1) + the pilot
    # due in 2025 (1) + C2's early 0.01 = 2.01; with carry-over 28 000 by 2026 pays for both
    out = solve_checked(towns(budget=(7_000.0, 21_000.0)))
    assert sorted(t for t in years_open(out) if t is not None) == [2026]
    assert out.evaluation.shortfall == pytest.approx(2.01)
    out = solve_checked(towns(budget=(7_000.0, 21_000.0), carry_over=True))
    assert years_open(out) == [2026, 2026]
    assert out.evaluation.shortfall == pytest.approx(1.01)
    np.testing.assert_allclose(out.evaluation.yearly.spending_cny, [0.0, 28_000.0])


def test_rent_accrues_from_the_opening_year():
    # rent 1 000 a year, horizon 4 years from 2025: S1 (2025) pays 4 years, S2 (2026) 3 years.
    # 2025: 14 000 + 1 000 rent = 15 000; 2026: S1's rent 1 000 + S2's 14 000 + 1 000 = 16 000
    out = solve_checked(towns(budget=(15_000.0, 16_000.0), horizon_years=4, rent=1_000.0))
    assert years_open(out) == [2025, 2026]
    np.testing.assert_allclose(out.evaluation.yearly.spending_cny, [15_000.0, 16_000.0])
    assert out.evaluation.cost_breakdown_cny["rent_cny"] == pytest.approx(7_000.0)
    assert out.evaluation.cost_cny == pytest.approx(35_000.0)
    # one CNY less in 2026: S2 can only open with < 600 m² (area fixed at opening), so C2 is short
    # in the last year
    out = solve_checked(towns(budget=(15_000.0, 15_999.0), horizon_years=4, rent=1_000.0))
    assert years_open(out)[0] == 2025 and out.evaluation.yearly.meets[-1].tolist() != [True, True]


def test_checker_flags_every_yearly_rule():
    out = solve_checked(towns())
    inst, plan = out.instance, out.plan
    both_first = dataclasses.replace(plan, open_year=np.array([0, 0]))
    rules = {v.rule for v in evaluate(inst, both_first).violations}
    assert "budget" in rules  # 28 000 in 2025 over 14 000
    early = towns(available=(2026, None), budget=None)
    bad = dataclasses.replace(plan, open_year=np.array([0, 1]))
    assert any(v.rule == "availability" for v in evaluate(early, bad).violations)
    no_years = dataclasses.replace(plan, open_year=None)
    assert any(v.rule == "phasing" for v in evaluate(inst, no_years).violations)


@pytest.mark.parametrize("kw, words", [
    ({"available": (2027, None)}, ["available_year", "2027", "after the last"]),
    ({"years": (2026, 2025)}, ["strictly increasing"]),
    ({"budget": (14_000.0,)}, ["1 values for 2 years"]),
    ({"allow_drop": True}, ["allow_drop"]),
    ({"locked": ("S1",), "budget": (5_000.0, 14_000.0)}, ["2025", "required/locked"]),
    ({"horizon_years": 1}, ["horizon_years"]),
])
def test_bad_phasing_input_is_refused(kw, words):
    with pytest.raises((SitingError, ValueError)) as exc:
        towns(**kw)
    assert all(w in str(exc.value) for w in words), str(exc.value)


# --------------------------------------------------------------------------- property test




@st.composite
def phased_instances(draw) -> Instance:
    """2–3 communities, 2–4 spaces in a 2 km square (hub rule on), 2–3 years, random available
    years (some before the first year), random yearly budgets or none, carry-over or not, mode
    standards or demand, random pilots."""
    nc, ns, T = draw(st.integers(2, 3)), draw(st.integers(2, 4)), draw(st.integers(2, 3))
    years = tuple(range(2025, 2025 + T))
    coord = st.floats(0, 2000, allow_nan=False).map(lambda v: round(v, 1))
    money = lambda hi: st.one_of(st.just(0.0), st.floats(0, hi).map(lambda v: round(v, 2)))  # noqa: E731
    lst = lambda s, n: draw(st.lists(s, min_size=n, max_size=n))  # noqa: E731
    res = np.array(lst(st.lists(st.integers(0, 800), min_size=7, max_size=7), nc), float)
    budget = draw(st.one_of(st.none(), st.lists(st.floats(200_000, 3_000_000).map(round), min_size=T, max_size=T)))
    ph = Phasing(years=years, budget_cny_per_year=None if budget is None else tuple(budget),
                 carry_over=draw(st.booleans()))
    ps = PlanningSettings(budget_cny=None, horizon_years=draw(st.sampled_from([float(T), 10.0])), phasing=ph,
                          objective=ObjectiveSettings(mode=draw(st.sampled_from(["standards", "demand"]))))
    avail = lst(st.sampled_from([None, 2024, *years]), ns)
    return Instance.from_arrays(
        community_xy=np.array(lst(st.tuples(coord, coord), nc)), households=np.array(lst(st.integers(0, 2000), nc),
                                                                                    float),
        residents=res, space_xy=np.array(lst(st.tuples(coord, coord), ns)),
        space_area_m2=np.array(lst(st.floats(80, 1500).map(lambda v: round(v, 1)), ns)),
        kind=np.array(lst(st.sampled_from(["new", "existing"]), nc)),
        health_score=np.array(lst(st.floats(20, 100).map(lambda v: round(v, 1)), nc)),
        acquisition_cny=np.array(lst(money(500_000), ns)), rent_cny_per_year=np.array(lst(money(50_000), ns)),
        retrofit_cny_per_m2=np.array(lst(money(2_000), ns)), operating_cny_per_m2_year=np.array(lst(money(200), ns)),
        pilot=np.array(lst(st.booleans(), nc)), available_year=np.array(avail, dtype=object), settings=ps,
        name="random-phased")


@hyp_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phased_instances())
def test_checker_accepts_every_phased_plan_and_agrees_with_the_solver(inst):
    # proven optimal needs a node budget that does not bind: EXACT's default (deterministic mode,
    # 20 nodes a stage) left a random 3 × 4 instance at 11.132 against 11.081 after 20 nodes
    out = solve_instance(inst, EXACT.model_copy(update={"work_limit": 1_000_000}))
    assert out.result.status is SolveStatus.OPTIMAL, (out.result.status, out.result.message)
    ev = out.evaluation
    assert ev is not None and ev.violations == (), [str(v) for v in ev.violations]
    assert_objectives_recomputed(out)
    y = ev.yearly
    rows = y.budget_cny if y.budget_cny is None or not y.carry_over else np.cumsum(y.budget_cny)
    spent = np.cumsum(y.spending_cny) if y.carry_over else y.spending_cny
    if rows is not None:
        assert np.all(spent <= rows * (1 + 1e-6) + 1e-3)
    assert np.all(np.diff(y.spaces_open) >= 0)  # nothing closes


# --------------------------------------------------------------------------- scenario files and the CLI



PHASED = TINY_SCENARIO.replace("overrides:", """phasing:
  years: [2025, 2026]
  budget_cny_per_year: [3000000, 3000000]
overrides:""")


def _run(tmp_path, text=PHASED, spa=None, extra=()):
    path = write_tiny_scenario(tmp_path / "scn", spa=spa, text=text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--quiet", *extra])
    return res, out


def test_cli_runs_a_phased_scenario_and_writes_the_years(tmp_path):
    res, out = _run(tmp_path)
    assert res.exit_code == 0, res.output
    years = pd.read_csv(out / "years.csv")
    assert years["year"].tolist() == [2025, 2026]
    assert (years["spending_cny"] <= 3_000_000 + 1e-3).all()
    spaces = pd.read_csv(out / "spaces.csv")
    assert set(spaces["open_year"].dropna().astype(int)) <= {2025, 2026}
    assert "Phasing by year" in res.output and "2026" in res.output
    assert 'id="chart-timeline"' in (out / "report.html").read_text(encoding="utf-8")
    assert json.loads((out / "summary.json").read_text())["phasing"]["years"] == [2025, 2026]


@pytest.mark.parametrize("edit, words", [
    ("spa", ["spaces.csv", "row 2", "available_year", "after the last"]),
    ("budget", ["budget_cny_per_year", "2 values for 3 years"]),
    ("years", ["strictly increasing"]),
    ("locked", ["required/locked", "2025"]),
])
def test_bad_phasing_input_exits_2_and_writes_nothing(tmp_path, edit, words):
    spa = None
    text = PHASED
    if edit == "spa":
        _, spa = tiny_tables()
        spa.loc[1, "available_year"] = 2030
    elif edit == "budget":
        text = PHASED.replace("years: [2025, 2026]", "years: [2025, 2026, 2027]")
    elif edit == "years":
        text = PHASED.replace("years: [2025, 2026]", "years: [2026, 2025]")
    elif edit == "locked":
        _, spa = tiny_tables()
        spa.loc[0, "status"] = "required"
        text = PHASED.replace("[3000000, 3000000]", "[50000, 3000000]")  # T-S1 costs 100 000 to acquire
    res, out = _run(tmp_path, text=text, spa=spa)
    assert res.exit_code == 2, res.output
    assert all(w in res.output for w in words), res.output
    assert not out.exists()


def test_without_phasing_pilot_and_available_year_still_warn(tmp_path):
    import warnings

    from siting.errors import SitingWarning
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario
    for text, expect in ((TINY_SCENARIO, True), (PHASED, False)):
        path = write_tiny_scenario(tmp_path / f"w{expect}", text=text)
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            load_instance(load_scenario(path))
        got = any("available_year" in str(r.message) for r in rec if issubclass(r.category, SitingWarning))
        assert got is expect


def test_one_year_phasing_is_the_single_period_model():
    # one phasing year, no yearly budget: the same optimum as without phasing (P8 = C14, O1' = O1)
    one = towns(budget=None, years=(2025,), horizon_years=4, rent=1_000.0)
    plain = tiny(communities=[[0, 0], [5000, 0]], spaces=[[50, 0], [5050, 0]], res=residents(2),
                 st=settings(horizon_years=4), households=1000, space_area_m2=[1500, 1500], acquisition_cny=8_000,
                 retrofit_cny_per_m2=10, rent_cny_per_year=1_000.0)
    a, b = solve_checked(one), solve_checked(plain)
    assert b.plan.open_year is None and b.evaluation.yearly is None
    assert a.plan.open_year.tolist() == [0, 0]
    for name in ("shortfall", "cost"):
        assert a.evaluation.objectives[name] == pytest.approx(b.evaluation.objectives[name])
    assert a.evaluation.cost_breakdown_cny == pytest.approx(b.evaluation.cost_breakdown_cny)


SWEPT = PHASED.replace("overrides:\n", """overrides:
  lean_years:
    phasing: {budget_cny_per_year: [400000, 400000]}
  rich_years:
    phasing: {budget_cny_per_year: [6000000, 6000000]}
""", 1)


@pytest.mark.parametrize("command", ["sweep", "compare"])
def test_sweep_and_compare_run_phased_variants_within_their_yearly_budgets(tmp_path, command):
    path = write_tiny_scenario(tmp_path / "scn", text=SWEPT)
    out = tmp_path / "out"
    args = (["sweep", str(path), "--vary", "overrides=lean_years,rich_years", "--workers", "1"] if command == "sweep"
            else ["compare", str(path), "-o", "lean_years", "-o", "rich_years"])
    res = CliRunner().invoke(app, [*args, "--set", "solver.work_limit=3", "--out", str(out)])
    assert res.exit_code == 0, res.output
    folders = sorted(p for p in out.iterdir() if (p / "years.csv").is_file())
    base = command == "compare"  # compare puts the scenario as written first (Δ against it)
    assert len(folders) == 2 + base, [p.name for p in out.iterdir()]
    spent = {}
    for folder in folders:
        years = pd.read_csv(folder / "years.csv")
        assert years["year"].tolist() == [2025, 2026]
        # each variant's own yearly limits, met year by year
        assert (years["spending_cny"] <= years["budget_cny"] * (1 + 1e-9) + 1e-3).all()
        spent[float(years["budget_cny"].iloc[0])] = years["spending_cny"].tolist()
    assert set(spent) == {400_000.0, 6_000_000.0} | ({3_000_000.0} if base else set())
    assert spent[400_000.0] != spent[6_000_000.0]  # the lean years change the plan
