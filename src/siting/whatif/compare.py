"""Scenario comparison: solve a scenario and its named overrides, then put their figures side by side.

:func:`compare_scenarios` solves the base scenario first, then each override (a worker per variant,
as a sweep does) and returns a :class:`Comparison`: ``frame`` is long, indexed by (scenario,
figure) with the figure's section, unit and value; :meth:`Comparison.side_by_side` is figures ×
scenarios with a Δ column against the first scenario for each other one; :func:`formatted` gives
the same in planners' units (CNY in 万/亿, m², %, minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import ScenarioError
from siting.whatif.engine import VariantRun, solve_variants
from siting.whatif.units import format_delta, format_value
from siting.whatif.variants import Variant, VarySpec, prepare_variants

Row = tuple[str, str, str, Any]  # section, figure, unit, value


def summary_rows(s: dict[str, Any]) -> list[Row]:
    """The compared figures of one plan's summary (``summary.json``), in table order."""
    solver = s.get("solver") or {}
    rows: list[Row] = [("solver", "status", "", solver.get("status")), ("solver", "gap", "share", solver.get("gap"))]
    if s.get("cost_cny") is None:
        return rows
    rows.append(("cost", "cost over the horizon", "cny", s["cost_cny"]))
    breakdown = s.get("cost_breakdown_cny") or {}
    rows += [("cost", f"cost: {k.removesuffix('_cny')}", "cny", v) for k, v in breakdown.items()]
    rows.append(("spaces", "spaces taken", "count", s.get("spaces_taken")))
    rows += [("spaces", f"spaces: {k}", "count", v) for k, v in sorted((s.get("spaces_by_source") or {}).items())]
    rows.append(("floor area", "floor area used", "m2", s.get("floor_area_used_m2")))
    rows += [("floor area", f"floor area: {k}", "m2", v)
             for k, v in sorted((s.get("floor_area_by_domain_m2") or {}).items())]
    for r in s.get("coverage_by_age") or []:
        rows.append(("users served", f"users served: {r['age_group']}", "count", r["served_users"]))
    for r in s.get("coverage_by_age") or []:
        rows.append(("coverage", f"coverage: {r['age_group']}", "share", r["coverage"]))
    rows += [
        ("standards", "communities meeting the area standard", "count", s.get("communities_meeting_area_after")),
        ("standards", "communities meeting the hub rule", "count", s.get("communities_meeting_hub_rule")),
        ("coverage", "priority-weighted coverage", "share", s.get("weighted_coverage")),
        ("coverage", "worst community coverage", "share", s.get("min_community_coverage")),
        ("access", "mean walking minutes (new links)", "min", s.get("mean_walk_min")),
        ("health check", "health-check base index after", "index", (s.get("healthcheck") or {}).get("base_after")),
        ("health check", "health-check balance index after", "index",
         (s.get("healthcheck") or {}).get("balance_after")),
    ]
    return rows


def comparison_frame(named: Sequence[tuple[str, dict[str, Any]]]) -> pd.DataFrame:
    """Long table of (scenario name, summary) pairs: index (scenario, figure), columns section,
    unit, value. A figure one plan lacks (no plan, or a source it did not use) is missing there."""
    records = [{"scenario": name, "figure": fig, "section": sec, "unit": unit, "value": val}
               for name, s in named for sec, fig, unit, val in summary_rows(s)]
    return pd.DataFrame.from_records(records).set_index(["scenario", "figure"])


@dataclass(frozen=True, eq=False)
class Comparison:
    """A finished comparison: the runs (base first), and the long frame."""

    runs: list[VariantRun]
    frame: pd.DataFrame

    @property
    def interrupted(self) -> bool:
        """Whether a stop (Ctrl-C) ended some scenario's solve early or left it unsolved."""
        return any(r.stopped or r.interrupted for r in self.runs)

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(self.frame.index.get_level_values("scenario")))

    def side_by_side(self) -> pd.DataFrame:
        """Figures × scenarios (numbers as they are), with ``section`` and ``unit`` columns first
        and a ``Δ <name>`` column (that scenario minus the first) after each scenario but the first."""
        return side_by_side(self.frame)


def side_by_side(frame: pd.DataFrame) -> pd.DataFrame:
    """See :meth:`Comparison.side_by_side`."""
    names = list(dict.fromkeys(frame.index.get_level_values("scenario")))
    flat = frame.reset_index()
    sections = list(dict.fromkeys(flat["section"]))
    first = flat.drop_duplicates("figure")
    # figures grouped by section (a source only one plan used sits with the other sources)
    figures = sorted(first["figure"], key=lambda f: (sections.index(first.set_index("figure").at[f, "section"]),
                                                     list(first["figure"]).index(f)))
    meta = first.set_index("figure")[["section", "unit"]]
    wide = frame["value"].unstack("scenario").reindex(index=figures, columns=names)
    has_plan = {n: ("cost", "cost over the horizon") in {(r.section, r.figure) for r in flat[flat.scenario == n]
                                                          .itertuples()} for n in names}
    for n in names:  # a plan that took no space of a source took 0 of them
        if has_plan[n]:
            src = [f for f in figures if f.startswith("spaces: ")]
            wide.loc[src, n] = wide.loc[src, n].fillna(0)
    out = meta.reindex(figures).copy()
    numeric = out["unit"].ne("")
    for k, name in enumerate(names):
        out[name] = wide[name]
        if k:
            a = pd.to_numeric(wide[names[0]], errors="coerce")
            b = pd.to_numeric(wide[name], errors="coerce")
            d = b - a
            d = d.where(d.abs() > 1e-6 * np.maximum(1.0, a.abs()), 0.0).where(a.notna() & b.notna())
            out[f"Δ {name}"] = d.where(numeric)
    out.index.name = "figure"
    return out


def formatted(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`side_by_side`'s table as text in each figure's unit (Δ columns signed; shares in
    percentage points)."""
    out = pd.DataFrame(index=table.index)
    cols = [c for c in table.columns if c not in ("section", "unit")]
    for c in cols:
        fmt = format_delta if c.startswith("Δ ") else format_value
        out[c] = [fmt(_plain(v), u) for v, u in zip(table[c], table["unit"])]
    return out


def _plain(v: Any) -> Any:
    if hasattr(v, "item"):
        v = v.item()
    return v


def compare_scenarios(path: str | Path, compare: Sequence[str], *, overrides: Sequence[str] = (),
                      assignments: Sequence[str] = (), workers: int | None = None, client: Any = None,
                      out: str | Path | None = None, force: bool = False, lang: str | None = None) -> Comparison:
    """Solve the scenario at ``path`` as it is (``base``) and with each override in ``compare``.

    Parameters
    ----------
    path
        The scenario file.
    compare
        Override names (``a+b`` applies both), one scenario each after the base.
    overrides, assignments
        Applied to every scenario, the base included.
    workers, client
        Where the scenarios are solved (:func:`~siting.whatif.engine.solve_variants`).
    out
        When given, a folder that receives each scenario's plan folder (as ``siting sweep`` writes)
        and ``compare.html``: the table and each plan's map side by side
        (:func:`siting.whatif.report.compare_html`).
    force
        Replace a non-empty ``out``.
    lang
        Language of ``compare.html`` ("en" or "zh"; default: the base scenario's ``report.lang``).

    Returns
    -------
    Comparison

    Raises
    ------
    ScenarioError
        An unknown override, an unknown ``lang`` or a scenario that does not load (nothing is
        solved or written).
    """
    if lang is not None and lang not in ("en", "zh"):
        raise ScenarioError(f"--lang {lang}: unknown language", field="--lang", expected="en or zh")
    spec = VarySpec("overrides", tuple(Variant(n, None, tuple(p.strip() for p in n.split("+"))) for n in compare),
                    "overrides=" + ",".join(compare))
    prepared = prepare_variants(path, spec, overrides=overrides, assignments=assignments, base_first=True)
    if out is not None:
        from siting.whatif.sweep import run_sweep

        runs = run_sweep(prepared, spec, out, force=force, workers=workers, client=client).runs
    else:
        runs = solve_variants(prepared, workers=workers, client=client)
    named = []
    for r in runs:
        s = r.solved.figures.summary if r.solved is not None else {
            "solver": {"status": "not solved (interrupted)" if r.stopped else f"failed: {r.error}"}}
        named.append((r.prepared.variant.name, s))
    cmp = Comparison(runs, comparison_frame(named))
    if out is not None:
        from siting.whatif.report import write_compare_report

        write_compare_report(cmp, out, lang=lang or prepared[0].scenario.report.lang)
    return cmp
