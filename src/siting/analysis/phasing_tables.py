"""Multi-year phasing figures of a plan: the per-year table, the summary section, opening years.

All figures come from the checker's :class:`~siting.plan.YearlyFigures` (``Evaluation.yearly``),
so the table, ``summary.json``, the CLI lines and the report's timeline agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.core.instance import Instance
from siting.core.phasing import phasing_of
from siting.plan import Evaluation, Plan


def open_calendar_year(plan: Plan, ev: Evaluation) -> pd.Series | None:
    """[J] calendar year each taken space opens (its services open with it), NA if not taken;
    ``None`` for a single-period plan."""
    if ev.yearly is None or plan.open_year is None:
        return None
    years = ev.yearly.years
    oy = np.asarray(plan.open_year)
    vals = [int(years[t]) if 0 <= t < years.size else None for t in oy]
    return pd.Series(pd.array(vals, dtype="Int64"))


def year_table(inst: Instance, plan: Plan, ev: Evaluation) -> pd.DataFrame | None:
    """One row per phasing year: budget and spending (CNY), spaces opened / open, communities
    and pilots meeting the area standard and the hub rule, due communities not meeting them,
    area shortfall and users served by the spaces open that year. ``None`` without phasing."""
    y = ev.yearly
    if y is None:
        return None
    meets = y.meets
    T = y.years.size
    budget = y.budget_cny if y.budget_cny is not None else np.full(T, np.nan)
    return pd.DataFrame({
        "year": y.years.astype(int),
        "budget_cny": budget,
        "spending_cny": y.spending_cny,
        "cumulative_budget_cny": np.cumsum(budget),
        "cumulative_spending_cny": np.cumsum(y.spending_cny),
        "spaces_opened": y.spaces_opened.astype(int),
        "spaces_open": y.spaces_open.astype(int),
        "communities_meeting_standards": meets.sum(axis=1).astype(int),
        "pilots_meeting_standards": (meets & y.pilot[None, :]).sum(axis=1).astype(int),
        "pilots": np.full(T, int(y.pilot.sum())),
        "communities_due": y.due.sum(axis=1).astype(int),
        "due_not_meeting": y.shortfall_due.astype(int),
        "area_short_m2": y.area_short_m2.sum(axis=1),
        "users_served": y.users_served,
    })


def phasing_summary(inst: Instance, plan: Plan, ev: Evaluation) -> dict[str, Any] | None:
    """The ``phasing`` section of ``summary.json``: settings, targets with sources, per-year rows."""
    table = year_table(inst, plan, ev)
    if table is None or ev.yearly is None:
        return None
    ph = inst.settings.phasing
    assert ph is not None
    data = phasing_of(inst)
    assert data is not None
    return {
        "years": [int(v) for v in ev.yearly.years],
        "carry_over": ev.yearly.carry_over,
        "early_service_weight": data.early_weight,
        "targets": [t.model_dump() for t in data.targets],
        "per_year": table.replace({np.nan: None}).to_dict("records"),
    }
