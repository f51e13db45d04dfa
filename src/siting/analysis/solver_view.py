"""The solver's figures as a planner reads them: which engine settled each stage (in words),
bounds that a stage's objective cannot go below, and the cost beside the cost stage's objective.

Presentation only: the engine's :class:`~siting.core.results.SolveResult` is never changed.
:func:`present_solver` rewrites the ``solver`` section of a summary (``summary.json``, the CLI
summary and the report read the same dict), keeping every raw figure beside the one shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import yaml

from siting.core.instance import Instance
from siting.core.results import SolveStatus, relative_gap
from siting.plan import Evaluation

ENGINE_NAMES: dict[str, str] = {"scip": "SCIP", "highs": "HiGHS", "cpsat": "CP-SAT", "cbc": "CBC"}
"""Engine ids (``StageResult.solver`` tokens) and their names (the same in every language)."""

STAGE_NAMES: tuple[str, ...] = ("shortfall", "cost", "weighted_served", "min_coverage")
"""The lexicographic stages that have words in ``report_words.yaml`` (``solver:`` section)."""


@cache
def _words() -> dict[str, dict[str, str]]:
    """The ``solver:`` section of ``siting/data/report_words.yaml``: key → {en, zh}."""
    text = resources.files("siting.data").joinpath("report_words.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["solver"]


def solver_phrase(key: str, lang: str = "en", **fields: Any) -> str:
    """The phrase ``key`` of the ``solver:`` word list in ``lang`` (en | zh), its ``{fields}`` filled."""
    entry = _words()[key]
    return entry.get(lang, entry["en"]).format(**fields)


def stage_name(name: str, lang: str = "en") -> str:
    """A stage id (``shortfall``, ``cost``, …) in ``lang``; an unknown one as it is."""
    return solver_phrase(f"stage_{name}", lang) if name in STAGE_NAMES else name


def status_name(status: str, lang: str = "en") -> str:
    """A :class:`SolveStatus` value in words (``no_solution`` → "no solution")."""
    key = f"status_{status}"
    return solver_phrase(key, lang) if key in _words() else status.replace("_", " ")


def non_negative_stages(inst: Instance, stage_names: Iterable[str]) -> frozenset[str]:
    """The stages whose objective cannot be negative: shortfall, users served and coverage always,
    and the cost unless a co-location bonus is subtracted from it (M10)."""
    return frozenset(n for n in stage_names if n != "cost" or inst.colocation_bonus <= 0)


def _engine(token: str) -> str:
    return ENGINE_NAMES.get(token, token)


def engine_words(solver: str, stage: int, stage_names: tuple[str, ...], previous_solver: str = "",
                 lang: str = "en") -> str:
    """Who settled stage ``stage`` (``StageResult.solver``; parts settled in different ways are
    joined by ``/``, e.g. ``"highs/highs+start/start"``) in words, e.g. "HiGHS from SCIP's
    shortfall plan", or for parts settled differently "HiGHS by part (SCIP where HiGHS failed;
    SCIP's shortfall plan kept where no better was found; some parts out of time)".

    Tokens: an engine id; ``a+b`` (engine ``b`` after ``a`` failed); ``e+start`` (a start plan
    was better than engine ``e``'s own: at a later stage, the earlier stage's plan or its
    completion); ``start`` (no time left for the stage: the plan so far stands);
    ``coordinated`` (parts coupled by the budget, settled by prices and a master problem);
    ``regions`` (a large part solved as geographic regions, its design re-optimised on the part).
    The phrases come from the ``solver:`` section of ``report_words.yaml`` in ``lang`` (en | zh).
    """
    def t(key: str, **fields: Any) -> str:
        return solver_phrase(key, lang, **fields)

    prev_tokens = [tk.removesuffix("+start") for tk in previous_solver.split("/") if tk]
    prev = stage_name(stage_names[stage - 1], lang) if stage > 0 else ""
    if stage > 0 and len(set(prev_tokens)) == 1 and prev_tokens[0] in ENGINE_NAMES:
        earlier = t("earlier_engine", engine=_engine(prev_tokens[0]), stage=prev)
    elif stage > 0:
        earlier = t("earlier_stage", stage=prev)
    else:
        earlier = t("earlier_start")
    tokens = [tk for tk in solver.split("/") if tk]
    if not tokens:
        return t("not_solved")
    if len(tokens) == 1:
        return _one_token(tokens[0], stage, earlier, lang)
    engines: list[str] = []
    notes: list[str] = []
    for token in tokens:
        if token in ("coordinated", "regions"):
            notes.append(_one_token(token, stage, earlier, lang))
        elif token == "start":
            notes.append(t("some_out_of_time"))
        elif token.endswith("+start"):
            eng = _engine(token.removesuffix("+start"))
            engines.append(eng)
            notes.append(t("kept_where", earlier=earlier, engine=eng))
        elif "+" in token:
            first, then = token.split("+", 1)
            engines.append(_engine(then))
            notes.append(t("where_failed", then=_engine(then), first=_engine(first)))
        else:
            engines.append(_engine(token))
    names = list(dict.fromkeys(engines))
    head = t("by_part", engines=t("engines_joiner").join(names)) if names else t("by_part_alone")
    return head + (t("notes", notes=t("notes_joiner").join(dict.fromkeys(notes))) if notes else "")


def _one_token(token: str, stage: int, earlier: str, lang: str = "en") -> str:
    if token in ("coordinated", "regions"):
        return solver_phrase(token, lang)
    if token == "start":
        return solver_phrase("no_time_stands", lang, earlier=earlier) if stage > 0 else \
            solver_phrase("no_time_null", lang)
    if token.endswith("+start"):
        return solver_phrase("from_earlier", lang, engine=_engine(token.removesuffix("+start")), earlier=earlier)
    if "+" in token:
        first, then = token.split("+", 1)
        return solver_phrase("after_failed", lang, then=_engine(then), first=_engine(first))
    return _engine(token)


def status_words(status: str, gap: float | None, time_limit_hit: bool, lang: str = "en") -> str:
    """"proven optimal", "0.3% gap", "no bound" (with "time limit" when the clock stopped it), in ``lang``."""
    if status == SolveStatus.OPTIMAL.value:
        text = solver_phrase("proven_optimal", lang) + (
            solver_phrase("optimal_gap", lang, gap=f"{100 * gap:.2f}") if gap is not None and gap > 0 else "")
    elif status == SolveStatus.FEASIBLE.value:
        text = solver_phrase("no_bound", lang) if gap is None else solver_phrase(
            "gap", lang, gap=f"{100 * gap:.1f}" if gap >= 0.001 else f"{100 * gap:.2f}")
    else:
        text = status_name(status, lang)
    return text + (solver_phrase("time_limit", lang) if time_limit_hit and status != SolveStatus.OPTIMAL.value
                   else "")


def raised_bound(name: str, objective: float | None, bound: float | None,
                 non_negative: frozenset[str]) -> tuple[float | None, float | None, str]:
    """``(bound shown, gap shown, note)``: a negative bound of a stage that cannot be negative
    says no more than 0 does, so 0 is shown (and the gap computed against it); the note says so."""
    if bound is None or name not in non_negative or bound >= 0:
        return bound, relative_gap(objective, bound), ""
    return 0.0, relative_gap(objective, 0.0), raised_note(name)


def raised_note(name: str, lang: str = "en") -> str:
    """", raised to 0: the cost cannot be negative" (the note :func:`raised_bound` adds)."""
    noun = solver_phrase(f"noun_{name}", lang) if name in STAGE_NAMES else f"the {name}"
    return solver_phrase("raised_to_zero", lang, noun=noun)


def settled_words(stages: list[dict[str, Any]], lang: str = "en") -> tuple[list[str], str]:
    """Per stage, who settled it (:func:`engine_words`), and the whole solve in one line
    ("shortfall: SCIP, proven optimal; cost: …"), in ``lang``, from the stage dicts of the
    summary's ``solver`` section (keys ``name``, ``solver``, ``status``, ``gap``, ``time_limit_hit``;
    the gap as shown)."""
    names = tuple(s["name"] for s in stages)
    per = [engine_words(s.get("solver", ""), k, names, stages[k - 1].get("solver", "") if k > 0 else "", lang)
           for k, s in enumerate(stages)]
    line = solver_phrase("stages_joiner", lang).join(
        solver_phrase("stage_settled", lang, stage=stage_name(s["name"], lang), engine=who,
                      status=status_words(s["status"], s["gap"], bool(s.get("time_limit_hit")), lang))
        for s, who in zip(stages, per))
    return per, line or solver_phrase("not_solved", lang)


def present_solver(solver: dict[str, Any], inst: Instance) -> dict[str, Any]:
    """``solver`` (the summary's section) with what a planner sees: per stage ``settled_by`` (the
    engine in words), ``bound`` raised to 0 where the stage cannot be negative (``bound_raw``
    keeps the engine's figure, the gap follows the shown bound, ``bound_source`` says so), and
    ``settled_by`` for the whole solve ("shortfall: SCIP, proven optimal; cost: …"), in English
    (:func:`settled_words` gives them in another language)."""
    stages = solver.get("stages", [])
    names = tuple(s["name"] for s in stages)
    nonneg = non_negative_stages(inst, names)
    out = dict(solver)
    shown = []
    for s in stages:
        s = dict(s)
        bound, gap, note = raised_bound(s["name"], s.get("objective"), s.get("bound"), nonneg)
        s["bound_raw"], s["bound"], s["gap"] = s.get("bound"), bound, gap
        if note:
            s["bound_source"] = s.get("bound_source", "") + note
        shown.append(s)
    per, line = settled_words(shown)
    for s, who in zip(shown, per):
        s["settled_by"] = who
    out["stages"] = shown
    if shown:
        last = next((s for s in reversed(shown) if s.get("objective") is not None), shown[-1])
        out["bound_raw"] = solver.get("bound")
        if solver.get("bound") is not None and last.get("bound_raw") == solver.get("bound"):
            out["bound"], out["gap"] = last["bound"], last["gap"]
    out["settled_by"] = line
    return out


def cost_and_objective(inst: Instance, ev: Evaluation, solver_objective: float | None) -> dict[str, Any]:
    """The plan's cost and what the cost stage's objective adds to it (M10: minus the co-location
    bonus per realised pair), with the figures that make the two reconcile.

    Returns
    -------
    ``cost_cny`` (acquisition, rent, retrofit and operating over the horizon, as the checker
    computes it), ``colocation_bonus_cny_per_pair``, ``colocated_pairs``, ``colocation_bonus_cny``
    (their product), ``objective_cny`` (cost − bonus), ``solver_objective_cny`` (the engine's cost
    stage value, ``None`` without one), ``difference_cny`` (engine − cost + bonus: solver
    tolerance, 0 after the plan's repair) and ``text``: one sentence with the figures.
    """
    bonus = float(inst.colocation_bonus)
    pairs = int(ev.colocated_pairs)
    total_bonus = bonus * pairs
    objective = float(ev.cost_cny) - total_bonus
    diff = None if solver_objective is None else float(solver_objective) - objective
    if bonus > 0:
        text = (f"objective {objective:,.0f} = cost {ev.cost_cny:,.0f} − co-location bonus {pairs:,} pairs × "
                f"{bonus:,.0f} = {total_bonus:,.0f} CNY (the bonus is a preference weight, not money saved)")
    else:
        text = f"objective = cost {ev.cost_cny:,.0f} CNY (no co-location bonus set: the objective adds nothing)"
    if diff is not None and abs(diff) >= 0.5:
        text += f"; the solver's own figure {solver_objective:,.0f} differs by {diff:,.0f} CNY (its tolerances)"
    return {"cost_cny": float(ev.cost_cny), "colocation_bonus_cny_per_pair": bonus, "colocated_pairs": pairs,
            "colocation_bonus_cny": total_bonus, "objective_cny": objective,
            "solver_objective_cny": None if solver_objective is None else float(solver_objective),
            "difference_cny": diff, "text": text}


def cost_objective_text(cvo: dict[str, Any], lang: str = "en") -> str:
    """``cvo["text"]`` (:func:`cost_and_objective`) in ``lang`` (en | zh), with the same figures."""
    if lang != "zh":
        return str(cvo["text"])
    cost, obj = cvo["cost_cny"], cvo["objective_cny"]
    if cvo["colocation_bonus_cny_per_pair"] > 0:
        text = (f"目标值 {obj:,.0f} = 成本 {cost:,.0f} − 共址奖励 {cvo['colocated_pairs']:,} 对 × "
                f"{cvo['colocation_bonus_cny_per_pair']:,.0f} = {cvo['colocation_bonus_cny']:,.0f} 元"
                "（奖励是偏好权重，不是节省的资金）")
    else:
        text = f"目标值 = 成本 {cost:,.0f} 元（未设置共址奖励：目标不含其他项）"
    diff = cvo["difference_cny"]
    if diff is not None and abs(diff) >= 0.5:
        text += f"；求解器自身的数值 {cvo['solver_objective_cny']:,.0f} 相差 {diff:,.0f} 元（其容差）"
    return text


def objective_words(cvo: dict[str, Any]) -> str:
    """The cost stage's objective beside the cost, short: "= cost (no co-location bonus)" or
    "1,495,914,456 CNY = cost − 30 pairs × 1,000,000 co-location bonus" (``summary['cost_vs_objective']``)."""
    if cvo["colocation_bonus_cny_per_pair"] > 0:
        text = (f"{cvo['objective_cny']:,.0f} CNY = cost − {cvo['colocated_pairs']:,} pairs × "
                f"{cvo['colocation_bonus_cny_per_pair']:,.0f} co-location bonus")
    else:
        text = "= cost (no co-location bonus set)"
    diff = cvo["difference_cny"]
    if diff is not None and abs(diff) >= 0.5:
        text += f"; solver's figure {cvo['solver_objective_cny']:,.0f} ({diff:+,.0f}, its tolerances)"
    return text


__all__ = ["ENGINE_NAMES", "STAGE_NAMES", "cost_and_objective", "cost_objective_text", "engine_words",
           "non_negative_stages", "objective_words", "present_solver", "raised_bound", "raised_note",
           "settled_words", "solver_phrase", "stage_name", "status_name", "status_words"]
