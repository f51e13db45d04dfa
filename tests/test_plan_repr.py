"""Plan and Outcome print as one-line summaries (no array dumps) that name what a planner checks first."""

from __future__ import annotations

from conftest import residents, settings, solve_checked, tiny


def test_plan_and_outcome_reprs_are_one_line_summaries():
    st = settings("infant_care")
    inst = tiny(communities=[[0, 0]], spaces=[[50, 0], [5000, 0]], res=residents(r0_2=100), st=st,
                space_area_m2=[300, 300], acquisition_cny=1_000, retrofit_cny_per_m2=100)
    out = solve_checked(inst)
    plan_text, out_text = repr(out.plan), repr(out)
    for text in (plan_text, out_text):
        assert "\n" not in text and "array(" not in text and len(text) < 240, text
    assert plan_text.startswith("Plan(1 of 2 spaces taken, 1 services hosted, 162 m²")  # 18 users × 9 m²
    assert "optimal" in plan_text
    assert out_text.startswith(f"Outcome({inst.name!r}: optimal, objective ")
    assert "1 of 2 spaces taken" in out_text and "0 violations" in out_text
