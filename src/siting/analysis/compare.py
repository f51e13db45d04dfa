"""Side-by-side comparison of solved plans (their output folders' ``summary.json``).

One row per figure, one column per plan: solver status and gap, cost, spaces taken, area
per 100 households, communities meeting the standard, hubs, shortfalls, coverage by age
group, health-check index and 2SFCA accessibility by service (after the plan).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from siting.errors import InputError

_FIGURES: tuple[tuple[str, str], ...] = (
    ("scenario", "scenario"),
    ("applied_overrides", "overrides applied"),
    ("mode", "mode"),
    ("standard", "standard"),
    ("budget_cny", "budget (CNY)"),
    ("solver.status", "solver status"),
    ("solver.gap", "gap"),
    ("solver.seconds", "solve seconds"),
    ("feasible_by_checker", "checker: all rules hold"),
    ("cost_cny", "cost over the horizon (CNY)"),
    ("spaces_taken", "spaces taken"),
    ("floor_area_used_m2", "floor area used (m²)"),
    ("area_per_100hh_before_m2", "m² per 100 households before"),
    ("area_per_100hh_after_m2", "m² per 100 households after"),
    ("communities_meeting_area_after", "communities meeting the area standard"),
    ("communities_with_hub", "communities with a hub"),
    ("coverage_shortfalls", "service shortfalls (community × service)"),
    ("min_community_coverage", "worst community coverage"),
    ("healthcheck.base_after", "health-check base index after"),
    ("healthcheck.balance_after", "health-check balance index after"),
    ("healthcheck.gini_after", "Gini of provision after"),
    ("healthcheck.worst_decile_base_after", "worst-decile base after"),
)


def _get(d: dict[str, Any], path: str) -> Any:
    for key in path.split("."):
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return ", ".join(d) if isinstance(d, list) and all(isinstance(x, str) for x in d) else d


def load_summary(folder: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a plan folder.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder written by ``siting run`` / :meth:`Outcome.write <siting.plan.Outcome.write>`.

    Returns
    -------
    dict
        The summary as written.

    Raises
    ------
    InputError
        The folder has no ``summary.json``, or it is not valid JSON (the line is named).
    """
    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise InputError("no summary.json: not a siting output folder", file=str(folder))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON ({exc.msg})", file=str(path), row=exc.lineno) from None


def compare_table(folders: list[str | Path]) -> pd.DataFrame:
    """The key figures of solved plans side by side (``siting compare`` of plan folders).

    Parameters
    ----------
    folders : list of str or pathlib.Path
        Plan folders (each with a ``summary.json``).

    Returns
    -------
    pandas.DataFrame
        One row per figure, one column per plan, named by its folder (made unique).

    Raises
    ------
    InputError
        A folder is not a plan folder (:func:`load_summary`).
    """
    summaries = [load_summary(f) for f in folders]
    names: list[str] = []
    for f in folders:
        base = Path(f).name or str(f)
        name, k = base, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)
    rows: dict[str, list[Any]] = {label: [_get(s, key) for s in summaries] for key, label in _FIGURES}
    for s_i, s in enumerate(summaries):
        for row in s.get("coverage_by_age", []) or []:
            rows.setdefault(f"coverage {row['age_group']}", [None] * len(summaries))[s_i] = row["coverage"]
        for row in s.get("accessibility_by_service", []) or []:
            rows.setdefault(f"2SFCA access after: {row['service']}", [None] * len(summaries))[s_i] = row.get(
                "mean_access_after")
    return pd.DataFrame.from_dict(rows, orient="index", columns=names)
