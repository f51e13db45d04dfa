"""A sweep: solve every variant, write one plan folder each, the table of variants and the
trade-off curve (PNG, SVG, and an HTML page that embeds them).

Files under the sweep's folder: ``NN-<variant>/`` (a plan folder, as ``siting run`` writes),
``variants.csv`` / ``variants.json`` (:func:`variant_table`), ``tradeoff.png``, ``tradeoff.svg``
and ``tradeoff.html``.
"""

from __future__ import annotations

import dataclasses
import glob
import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.tables import weighted_coverage
from siting.io.atomic import atomic_write, atomic_write_text
from siting.io.outputs import check_output_folder, write_outcome
from siting.model.build import SENSES, stage_names
from siting.solvers import interrupt
from siting.whatif.engine import VariantRun, solve_variants
from siting.whatif.variants import PreparedVariant, VarySpec

TABLE_COLUMNS = ("variant", "value", "status", "gap", "budget_cny", "cost_cny", "weighted_coverage",
                 "weighted_coverage_bound", "weighted_coverage_bound_source", "weighted_served",
                 "communities_meeting_area", "communities_meeting_hub_rule", "communities",
                 "min_community_coverage", "spaces_taken", "reproducible", "efficient", "solve_s", "folder",
                 "warm_start", "reason")


@dataclass(frozen=True, eq=False)
class SweepResult:
    """A finished sweep: the runs (in variant order), the table and the files written."""

    spec: VarySpec
    runs: list[VariantRun]
    table: pd.DataFrame
    files: dict[str, Path]

    @property
    def interrupted(self) -> bool:
        """Whether a stop (Ctrl-C) ended some variant early or left it unsolved."""
        return any(r.stopped or r.interrupted for r in self.runs)


def efficient_mask(cost: np.ndarray, goods: Sequence[np.ndarray]) -> np.ndarray:
    """Points no other point dominates: costs no more and gives at least as much of every good,
    with one of them strictly better. NaN rows (failed variants) are never efficient."""
    cost = np.asarray(cost, float)
    g = np.column_stack([np.asarray(x, float) for x in goods]) if goods else np.zeros((cost.size, 0))
    ok = np.isfinite(cost) & np.all(np.isfinite(g), axis=1)
    out = ok.copy()
    rel = 1e-6  # figures equal to 6 digits count as equal (solver tolerances)
    for i in np.flatnonzero(ok):
        for k in np.flatnonzero(ok):
            if k == i:
                continue
            tc, tg = rel * max(1.0, abs(cost[i])), rel * np.maximum(1.0, np.abs(g[i]))
            no_worse = cost[k] <= cost[i] + tc and np.all(g[k] >= g[i] - tg)
            better = cost[k] < cost[i] - tc or np.any(g[k] > g[i] + tg)
            if no_worse and better:
                out[i] = False
                break
    return out


def _coverage_bound(run: VariantRun, summary: dict[str, Any]) -> dict[str, Any]:
    """The upper bound on the variant's priority-weighted coverage that its solve proved: from the
    weighted-served stage's bound (demand and equity modes), (Σ w·E + bound) ÷ Σ w·D with E the
    users the existing facilities serve and D the demand (the coverage's own definition); none in a
    mode without that stage, or when the stage has no bound. At most 1: by rule (C6) no plan's
    coverage is more."""
    stage = next((st for st in summary["solver"].get("stages") or [] if st.get("name") == "weighted_served"), None)
    coverage = summary.get("weighted_coverage")
    if stage is None or stage.get("bound") is None or coverage is None:
        return {"weighted_coverage_bound": None, "weighted_coverage_bound_source": ""}
    inst = run.prepared.instance
    if float((inst.served_weight * inst.demand_users).sum()) <= 0:
        return {"weighted_coverage_bound": None, "weighted_coverage_bound_source": ""}
    bound = weighted_coverage(inst, float(stage["bound"]))
    source = stage.get("bound_source") or "MIP dual bound"
    # never above 1 (no plan serves more than the demand the existing facilities leave, rule C6: a
    # weak bound, e.g. the box bound of a stage cut short, would say more), never below the plan's own
    # coverage (the checker's figure and the solver's differ by tolerances)
    return {"weighted_coverage_bound": max(min(bound, 1.0), float(coverage)),
            "weighted_coverage_bound_source": f"weighted-served stage: {source}"}


def variant_table(runs: Sequence[VariantRun]) -> pd.DataFrame:
    """One row per variant (columns :data:`TABLE_COLUMNS`); a failed variant has its reason and
    no figures. ``efficient``: not dominated in (cost, weighted coverage, communities meeting the
    area standard)."""
    rows: list[dict[str, Any]] = []
    for r in runs:
        v = r.prepared.variant
        row: dict[str, Any] = {"variant": v.name, "value": v.value, "folder": r.prepared.folder,
                               "warm_start": r.warm_start,
                               "budget_cny": r.prepared.instance.budget_cny,
                               "communities": r.prepared.instance.n_communities, "reason": r.error or ""}
        if r.solved is not None:
            s = r.solved.figures.summary
            row.update({"status": s["solver"]["status"], "gap": s["solver"]["gap"],
                        "cost_cny": s.get("cost_cny"), "weighted_coverage": s.get("weighted_coverage"),
                        "weighted_served": (s.get("objectives") or {}).get("weighted_served"),
                        "communities_meeting_area": s.get("communities_meeting_area_after"),
                        "communities_meeting_hub_rule": s.get("communities_meeting_hub_rule"),
                        "min_community_coverage": s.get("min_community_coverage"),
                        "spaces_taken": s.get("spaces_taken"), "reproducible": s["solver"]["reproducible"],
                        "solve_s": r.solved.seconds})
            row.update(_coverage_bound(r, s))
            if s.get("cost_cny") is None and not row["reason"]:
                row["reason"] = f"no plan: {s['solver']['message'] or s['solver']['status']}"
            elif r.interrupted and not row["reason"]:
                row["reason"] = "interrupted (Ctrl-C): the best plan found so far, not proven"
        else:
            row["status"] = "not solved" if r.stopped else "failed"
        rows.append(row)
    df = pd.DataFrame(rows).reindex(columns=list(TABLE_COLUMNS))
    num = lambda c: pd.to_numeric(df[c], errors="coerce").to_numpy(float)  # noqa: E731
    df["efficient"] = efficient_mask(num("cost_cny"), [num("weighted_coverage"), num("communities_meeting_area")])
    return df


def run_sweep(prepared: Sequence[PreparedVariant], spec: VarySpec, out: str | Path, *, force: bool = False,
              workers: int | None = None, client: Any = None,
              on_done: Callable[[VariantRun], None] | None = None) -> SweepResult:
    """Solve the variants (:func:`~siting.whatif.engine.solve_variants`), write each plan folder as
    it finishes, then the table and the trade-off curve.

    Parameters
    ----------
    prepared, spec
        From :mod:`siting.whatif.variants`.
    out
        The sweep's folder; refused when it exists and is not empty, unless ``force``.
    workers, client
        Where the variants run (see :func:`~siting.whatif.engine.solve_variants`).
    on_done
        Called after each variant's plan folder is written.

    Returns
    -------
    SweepResult

    Raises
    ------
    OutputError
        ``out`` is not usable (checked before anything is solved).
    """
    from siting.whatif.curve import write_curve

    out = Path(out)
    check_output_folder(out, force)
    out.mkdir(parents=True, exist_ok=True)

    def write(run: VariantRun) -> None:
        write_folder(run)
        if on_done is not None:
            on_done(run)

    def write_folder(run: VariantRun) -> None:
        if run.solved is not None:
            sc = run.prepared.scenario
            # a second Ctrl-C ends the process at once: it removes the folder being written first
            tmp = glob.escape(str(out.resolve() / f".{run.prepared.folder}.tmp-")) + "*"
            try:
                with interrupt.scratch(tmp, pattern=True):
                    write_outcome(run.solved.outcome, out / run.prepared.folder, force=True, scenario=sc,
                                  figures=run.solved.figures)
            except Exception as exc:  # a plan that cannot be written is that variant's failure only
                run.error = f"plan folder not written: {type(exc).__name__}: {exc}"

    runs = solve_variants(prepared, workers=workers, client=client, on_done=write)
    if spec.key == "budget_cny":
        runs = warm_started(prepared, runs, workers=workers, client=client, on_kept=write_folder)
    table = variant_table(runs)
    files = {"csv": out / "variants.csv", "json": out / "variants.json"}
    atomic_write(files["csv"], lambda p: table.to_csv(p, index=False))
    records = json.loads(table.to_json(orient="records"))
    atomic_write_text(files["json"], json.dumps({"vary": spec.text or spec.key, "key": spec.key,
                                                 "variants": records}, indent=2, ensure_ascii=False) + "\n")
    files.update(write_curve(table, spec, out))
    return SweepResult(spec, runs, table, files)


def _lex_better(a: dict[str, float], b: dict[str, float], names: Sequence[str]) -> bool:
    """Whether objectives ``a`` beat ``b`` lexicographically over the stages ``names`` (figures
    equal to 6 digits count as equal: solver tolerances)."""
    for n in names:
        x, y = float(a[n]), float(b[n])
        if abs(x - y) > 1e-6 * max(1.0, abs(y)):
            return x > y if SENSES[n] == "max" else x < y
    return False


def _checked_objectives(run: VariantRun) -> dict[str, float] | None:
    out = None if run.solved is None else run.solved.outcome
    if out is None or out.plan is None or out.evaluation is None or not out.evaluation.feasible:
        return None
    return out.evaluation.objectives


def warm_start_sources(runs: Sequence[VariantRun]) -> dict[int, int]:
    """Budget sweeps: for each variant, the variant of a budget no larger whose plan is
    lexicographically better than its own (or it has none): the best such one.

    All else equal, a plan within a smaller budget is a plan within a larger one, so a larger
    budget's plan should never be worse; where it is (a solve that stopped on its work or time
    limit), that variant is solved again from the better plan. Each candidate plan is checked
    under the variant's own instance by the independent checker (plain code, no solver): it must
    meet every rule there, and its objectives are the checker's.

    Returns
    -------
    dict
        Variant index → index of the variant whose plan is its start.
    """
    from siting.analysis.evaluate import evaluate

    own = [_checked_objectives(r) for r in runs]
    out: dict[int, int] = {}
    for i, r in enumerate(runs):
        inst = r.prepared.instance
        if inst.budget_cny is None:
            continue
        names = stage_names(inst.settings.objective.mode)
        best_j, best = None, own[i]
        for j, q in enumerate(runs):
            budget_j = q.prepared.instance.budget_cny
            if j == i or own[j] is None or budget_j is None or budget_j > inst.budget_cny:
                continue
            if best is not None and not _lex_better(own[j], best, names):  # type: ignore[arg-type]
                continue  # not better even by its own figures
            ev = evaluate(inst, q.solved.outcome.plan)  # type: ignore[union-attr]
            if ev.feasible and (best is None or _lex_better(ev.objectives, best, names)):
                best_j, best = j, ev.objectives
        if best_j is not None:
            out[i] = best_j
    return out


def warm_started(prepared: Sequence[PreparedVariant], runs: Sequence[VariantRun], *, workers: int | None = None,
                 client: Any = None, on_kept: Callable[[VariantRun], None] | None = None) -> list[VariantRun]:
    """The budget sweep's second wave: every variant :func:`warm_start_sources` names is solved
    again from the better plan (``solve_instance(start=...)``), on the same workers, and keeps
    the new solve only when its checked plan is lexicographically better than its first one
    (its solve seconds are then both solves'). In deterministic mode the second wave depends
    only on the first wave's plans, so the sweep stays reproducible. ``on_kept`` is called for
    each variant that kept its new solve (e.g. to rewrite its plan folder)."""
    runs = list(runs)
    sources = warm_start_sources(runs)
    if not sources or interrupt.requested():
        return runs
    order = sorted(sources)
    starts = [runs[sources[i]].solved.outcome.plan for i in order]  # type: ignore[union-attr]
    again = solve_variants([prepared[i] for i in order], workers=workers, client=client, starts=starts)
    for i, new in zip(order, again):
        old, names = runs[i], stage_names(prepared[i].instance.settings.objective.mode)
        mine, theirs = _checked_objectives(old), _checked_objectives(new)
        if new.solved is None or theirs is None or (mine is not None and not _lex_better(theirs, mine, names)):
            continue
        seconds = new.solved.seconds + (old.solved.seconds if old.solved is not None else 0.0)
        runs[i] = VariantRun(prepared[i], dataclasses.replace(new.solved, seconds=seconds), None,
                             warm_start=prepared[sources[i]].variant.name)
        if on_kept is not None:
            on_kept(runs[i])
    return runs


def table_html(table: pd.DataFrame) -> str:
    """The variant table as an HTML table (figures in planners' units)."""
    from siting.whatif.units import format_value

    units = {"budget_cny": "cny", "cost_cny": "cny", "weighted_coverage": "share", "weighted_coverage_bound": "share",
             "gap": "share",
             "min_community_coverage": "share", "solve_s": "s"}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in table.columns)
    body = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{html.escape(format_value(row[c], units.get(c, '')))}</td>" for c in table.columns)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
