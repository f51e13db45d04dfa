"""Live solver progress on the terminal, and the solve-and-write step of demo and run."""

from __future__ import annotations

import time
from pathlib import Path

from rich.live import Live
from rich.text import Text

from siting.cli.common import console, err_console


class _ProgressView:
    """Solver progress: stage, elapsed, best objective, bound, gap (fed by the solver log).

    On a terminal one live line (rich); when stderr is piped or redirected, a plain line at
    most every ``interval_s`` seconds (and at each new stage of an undivided solve); nothing
    with ``quiet``.
    """

    def __init__(self, stages: tuple[str, ...], *, quiet: bool = False, interval_s: float = 5.0,
                 non_negative: frozenset[str] | None = None) -> None:
        self.stages = stages
        # stages whose objective cannot be negative (default: all)
        self.non_negative = frozenset(stages) if non_negative is None else non_negative
        self.start = time.perf_counter()
        self.text = "starting solver…"
        self.mode = "off" if quiet else "live" if err_console.is_terminal else "lines"
        self.interval_s = interval_s
        self._last_line = -float("inf")
        self._last_stage = -1
        self._best: dict[tuple[int, int], float] = {}
        self._bound: dict[tuple[int, int], float | None] = {}
        self._stage_of: dict[int, int] = {}  # part → the latest stage it reported
        self._done: set[int] = set()  # parts that finished a pass (Progress.done)
        self.live = Live(self.text, console=err_console, refresh_per_second=4, transient=True) \
            if self.mode == "live" else None

    def __enter__(self) -> _ProgressView:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def __call__(self, p) -> None:
        if self.mode == "off":
            return
        from siting.core.results import relative_gap

        name = self.stages[p.stage] if p.stage < len(self.stages) else str(p.stage)
        fmt = lambda v: "—" if v is None else f"{v:,.6g}"  # noqa: E731
        # shortfall, users served, coverage (and cost without a co-location bonus) are ≥ 0: a
        # negative dual bound says nothing more than 0 does; and once a part has a plan, "best"
        # keeps its last value instead of going back to "—"
        key = (p.part, p.stage)
        objective = p.objective if p.objective is not None else self._best.get(key)
        if objective is not None:
            self._best[key] = objective
        bound = None if p.bound is None else max(p.bound, 0.0) if name in self.non_negative else p.bound
        elapsed = time.perf_counter() - self.start
        if p.n_parts > 1:
            if bound is not None or key not in self._bound:
                self._bound[key] = bound
            self._stage_of[p.part] = max(p.stage, self._stage_of.get(p.part, 0))
            if p.done:
                self._done.add(p.part)
            line = self._merged_line(p, elapsed, fmt)
        else:
            rel = relative_gap(objective, bound)
            gap = "—" if rel is None else f"{100 * rel:.2f}%"
            line = (f"stage {p.stage + 1}/{p.n_stages} {name}  elapsed {elapsed:6.1f}s"
                    f"  best {fmt(objective)}  bound {fmt(bound)}  gap {gap}")
        if self.live is not None:
            self.text = line
            self.live.update(Text(line))
        elif elapsed - self._last_line >= self.interval_s or (p.n_parts == 1 and p.stage != self._last_stage):
            # (parts solved in parallel report their stages interleaved: the interval alone paces them)
            self._last_line, self._last_stage = elapsed, p.stage
            err_console.print(line, soft_wrap=True, highlight=False, markup=False)


    def _merged_line(self, p, elapsed: float, fmt) -> str:
        """One line for a solve in parts: how many parts have reported and how many reached the
        last stage, and the earliest stage that every reporting part has values for, summed over
        them (best and bound: sums of the parts' figures, "—" while a part has none)."""
        from siting.core.results import relative_gap

        started = sorted(self._stage_of)
        last = sum(1 for k in started if self._stage_of[k] == p.n_stages - 1 and k not in self._done)
        stage = min(self._stage_of[k] for k in started)
        name = self.stages[stage] if stage < len(self.stages) else str(stage)
        bests = [self._best.get((k, stage)) for k in started]
        bounds = [self._bound.get((k, stage)) for k in started]
        best = None if any(b is None for b in bests) else float(sum(bests))
        bound = None if any(b is None for b in bounds) else float(sum(bounds))
        rel = relative_gap(best, bound)
        gap = "—" if rel is None else f"{100 * rel:.2f}%"
        done = sum(1 for k in started if k in self._done)
        return (f"parts {len(started)}/{p.n_parts} started, {done} finished, {last} in the last stage  "
                f"elapsed {elapsed:6.1f}s  "
                f"{name} over {len(started)} parts: best {fmt(best)}  bound {fmt(bound)}  gap {gap}")


def _solve_and_write(inst, scenario, options, out: Path, force: bool, quiet: bool = False,
                     scheduler: str | None = None) -> int:
    from siting.analysis.figures import plan_figures
    from siting.analysis.solver_view import non_negative_stages
    from siting.core.results import SolveStatus
    from siting.io.outputs import check_output_folder, write_outcome
    from siting.model import stage_names
    from siting.report.text import print_summary
    from siting.solve import solve_instance
    from siting.solvers import interrupt

    check_output_folder(out, force)
    client = None
    if scheduler is not None:  # an address that does not answer is an error now, before anything is solved
        from siting.solve.cluster import dask_client

        client = dask_client(scheduler)
    stages = stage_names(inst.settings.objective.mode)
    # the cost stage subtracts the co-location bonus: it may go below 0 only with a bonus (the
    # summary, report and summary.json raise the same stages' bounds to 0)
    non_negative = non_negative_stages(inst, stages)
    view = _ProgressView(stages, quiet=quiet, non_negative=non_negative)
    # the first Ctrl-C stops the solvers and keeps the best plan so far (written, marked
    # interrupted, exit 130); a second one, or one outside the solve, writes nothing
    try:
        with view, interrupt.catch_sigint():
            outcome = solve_instance(inst, options, progress=view, client=client)
    finally:
        if client is not None:
            client.close()
    if outcome.result.interrupted and outcome.plan is None:
        raise KeyboardInterrupt
    figures = plan_figures(outcome)
    if outcome.result.status is SolveStatus.INFEASIBLE:
        # which of the user's hard settings cannot all hold (an elastic model, a deletion filter)
        from siting.solve.explain import explain_infeasibility

        conflict = explain_infeasibility(inst, options)
        if conflict is not None:
            figures.summary["conflict"] = conflict.as_dict()
            figures.summary["solver"]["message"] = f"{outcome.result.message}; {conflict.message()}".lstrip("; ")
    print_summary(console, outcome, figures)
    # record the solver options actually used (command-line flags included), so that the saved
    # scenario.yaml reproduces the plan
    write_outcome(outcome, out, force=force, scenario=scenario.model_copy(update={"solver": options}), figures=figures)
    console.print(Text.assemble("plan written to ", (str(out), "bold")), soft_wrap=True)
    if outcome.result.interrupted:
        err_console.print(f"interrupted: the best plan found so far was written to {out} (not proven)",
                          soft_wrap=True, highlight=False, markup=False)
        return 130
    if outcome.evaluation is not None and not outcome.evaluation.feasible:
        err_console.print("[bold red]the independent checker found violations (see summary.json)[/]")
        return 1
    return 0 if outcome.result.status.has_solution else 3


