"""OR-Tools backend through MathOpt: SCIP, CP-SAT and HiGHS on one solver-neutral model.

The :class:`~siting.solvers.program.LinearProgram` is turned into a MathOpt ``ModelProto``
straight from its numpy arrays (no per-variable Python objects), loaded with
``Model.from_model_proto`` and solved. Progress comes from the solver log
(:mod:`siting.solvers.progress`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
import time

import numpy as np

from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import SolverError
from siting.solvers import interrupt
from siting.solvers.lexicographic import StageOutcome, StageProblem, gap_tolerance_bound
from siting.solvers.progress import CpSatLogParser, HighsLogParser, LogProgress, ProgressCallback, ScipLogParser


def load_mathopt():
    """OR-Tools' MathOpt modules ``(mathopt, model_pb2)``, or a SolverError that explains the highspy clash."""
    try:
        from ortools.math_opt import model_pb2
        from ortools.math_opt.python import mathopt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise SolverError(
            f"OR-Tools could not be loaded ({exc}). If highspy was imported first in this "
            "process, the two HiGHS builds clash: use the 'cbc' backend in a separate process "
            "or do not import highspy/pulp-with-highspy before siting's OR-Tools backend."
        ) from exc
    return mathopt, model_pb2


ENGINE_NAMES = {"scip": "SCIP", "highs": "HiGHS", "cpsat": "CP-SAT", "glop": "GLOP"}


def solver_complaint(exc: BaseException) -> str:
    """What the solver said, from an exception raised by ``mathopt.solve``.

    OR-Tools 9.15 turns the engine's ``StatusNotOk`` into a Python exception through
    ``err.canonical_code``, an attribute the installed pybind11_abseil no longer has: the
    caller then sees ``AttributeError: 'StatusNotOk' object has no attribute 'canonical_code'``
    with the real ``StatusNotOk`` (its ``message`` and ``status``) as the exception's context.
    This digs that out, so the message is the engine's own (e.g. "1e+300 is not in SCIP's
    finite range … [INVALID_ARGUMENT]").
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if type(e).__name__ == "StatusNotOk":
            text = str(getattr(e, "message", "") or e).strip().rstrip(":").strip()
            code = getattr(getattr(e, "status", None), "code", lambda: None)
            code = code() if callable(code) else code
            name = getattr(code, "name", None)
            return f"{text} [{name}]" if name else text
        e = e.__cause__ or e.__context__
    return f"{type(exc).__name__}: {exc}"


def failure_message(backend: str, exc: BaseException, prob: StageProblem | None = None) -> str:
    """A solver failure in planner's words: which engine, on which stage, what it said, how to switch."""
    import ortools

    others = ", ".join(b for b in ("scip", "highs", "cbc") if b != backend)
    stage = "" if prob is None else f" on stage {prob.stage + 1} of {prob.n_stages}"
    return (f"the {ENGINE_NAMES.get(backend, backend)} solver (OR-Tools {ortools.__version__}) failed{stage}: "
            f"{solver_complaint(exc)}; try another engine with --backend {others.replace(', cbc', ' or cbc')} "
            "(or solver.backend in the scenario)")


def _stop_arguments(mathopt, backend: str) -> dict:
    """How a stop request (:mod:`siting.solvers.interrupt`) reaches the engine: ``stop`` (to call on
    request) and the ``mathopt.solve`` arguments that carry it.

    * CP-SAT: a ``SolveInterrupter``.
    * SCIP: a node callback that answers "terminate" once a stop is requested. (OR-Tools 9.15's
      SCIP interrupter prints "SCIPcatchEvent does not support variable or row change events" to
      stderr on every solve, so it is not used.) Registered only while a stop can be requested
      (``interrupt.armed()``, e.g. under Ctrl-C handling); it never changes the search.
    * HiGHS: none. OR-Tools 9.15 ignores both the interrupter and callbacks for HiGHS (measured: a
      solve given either ran to its 8 s limit), so a HiGHS stage ends at its own node or time limit
      and the layers above then start nothing more.
    """
    if backend == "cpsat":
        stopper = interrupt_handle()
        return {"stop": stopper.interrupt, "interrupter": stopper}
    if backend == "scip" and interrupt.armed():
        def on_node(_data):
            res = mathopt.CallbackResult()
            res.terminate = interrupt.requested()
            return res

        return {"stop": lambda: None, "cb": on_node,
                "callback_reg": mathopt.CallbackRegistration(events={mathopt.Event.MIP_NODE})}
    return {"stop": lambda: None}


def interrupt_handle():
    """A fresh OR-Tools ``SolveInterrupter`` (one per solve: it cannot be reset)."""
    from ortools.util.python.solve_interrupter import SolveInterrupter

    return SolveInterrupter()


def model_proto(prob: StageProblem):
    """A MathOpt model of one stage, built straight from the program's arrays (shared with the LP relaxation)."""
    mathopt, model_pb2 = load_mathopt()
    lp = prob.lp
    n = lp.n_vars
    A = prob.A.tocsr()
    A.sort_indices()
    proto = model_pb2.ModelProto(name=lp.name)
    proto.variables.ids.extend(range(n))
    proto.variables.lower_bounds.extend(lp.lb.tolist())
    proto.variables.upper_bounds.extend(lp.ub.tolist())
    proto.variables.integers.extend(lp.integer.tolist())
    m = A.shape[0]
    proto.linear_constraints.ids.extend(range(m))
    proto.linear_constraints.lower_bounds.extend(prob.row_lb.tolist())
    proto.linear_constraints.upper_bounds.extend(prob.row_ub.tolist())
    row_ids = np.repeat(np.arange(m, dtype=np.int64), np.diff(A.indptr))
    mat = proto.linear_constraint_matrix
    mat.row_ids.extend(row_ids.tolist())
    mat.column_ids.extend(A.indices.astype(np.int64).tolist())
    mat.coefficients.extend(A.data.tolist())
    nz = np.flatnonzero(prob.c)
    proto.objective.maximize = prob.maximize
    proto.objective.offset = float(prob.offset)
    proto.objective.linear_coefficients.ids.extend(nz.tolist())
    proto.objective.linear_coefficients.values.extend(prob.c[nz].tolist())
    return mathopt.Model.from_model_proto(proto)


_SOLVERS = {"scip": "GSCIP", "cpsat": "CP_SAT", "highs": "HIGHS"}
HIGHS_TIME_SHARE = 0.8  # of a stage's time given to HiGHS as its own limit (see _solve_with)
CPSAT_WORK_S_PER_NODE = 0.01  # deterministic mode: CP-SAT's work seconds per node of the budget


def stage_backend(options: SolverOptions, prob: StageProblem) -> str:
    """The OR-Tools solver for one stage; ``auto`` picks per stage.

    ``auto``: SCIP for every stage but the last of a lexicographic program, HiGHS for the
    last one (the cost stage of the siting model). Measured per part of the demo district,
    one thread, 30 s each, gap target 0.5 %: SCIP proves the shortfall stage in 0.1–3 s
    where HiGHS needs up to 7 s, while on the cost stage HiGHS' root bound is far stronger:
    the 23-community part reaches 0.49 % in 20 s with HiGHS against 0.98 % after 58 s with
    SCIP, and the eight largest parts took 62 s in all (30 s limit each; all proven but a
    7-community part that SCIP proves in 8 s, see the resume passes in siting.api) against
    144 s with SCIP (60 s limit each, the largest still at 0.98 %); benchmarks/parts_bench.py.
    """
    if options.backend != "auto":
        return options.backend
    return "highs" if prob.n_stages > 1 and prob.stage == prob.n_stages - 1 else "scip"


def solve_stage(
    prob: StageProblem, options: SolverOptions, time_limit_s: float, progress: ProgressCallback | None
) -> StageOutcome:
    """Solve one single-objective stage with the OR-Tools solver named in ``options``.

    With ``auto``, a HiGHS stage that ends in a solver error (HiGHS 1.12 can reject its own
    optimum over a 1e-6 violation: "MIP solver claims optimality, but with ... primal
    infeasibilities", seen on a one-community demo part) is solved again by SCIP with the
    time that is left.
    """
    t0 = time.perf_counter()
    backend = stage_backend(options, prob)
    out = _solve_with(backend, prob, options, time_limit_s, progress)
    if options.backend == "auto" and backend == "highs" and out.status is SolveStatus.ERROR:
        left = max(time_limit_s - (time.perf_counter() - t0), min(1.0, time_limit_s))
        again = _solve_with("scip", prob, options, left, progress)
        out = dataclasses.replace(again, seconds=time.perf_counter() - t0, solver="highs+scip",
                                  message=f"HiGHS failed ({out.message}); solved by SCIP: {again.message}")
    return out


def _solve_with(
    backend: str, prob: StageProblem, options: SolverOptions, time_limit_s: float, progress: ProgressCallback | None
) -> StageOutcome:
    mathopt, _ = load_mathopt()
    if backend == "cpsat" and not prob.lp.integer.all():
        # measured on a demo part: CP-SAT reported "optimal" with shortfall 0.4696 where the
        # true optimum (SCIP, HiGHS, CBC agree) is 0.2001 — it works on an integer grid.
        raise SolverError(
            f"the cpsat backend needs an all-integer program, and this one has "
            f"{int((~prob.lp.integer).sum()):,} continuous variables (floor areas, users): "
            "use backend scip or highs"
        )
    t0 = time.perf_counter()
    model = model_proto(prob)
    solver_type = getattr(mathopt.SolverType, _SOLVERS[backend])
    if backend == "highs":
        # HiGHS checks its clock only between root cut rounds: on the budgeted demo run its
        # cost stage took 34.3 s on a 28.6 s limit. Its limit keeps that margin in hand.
        time_limit_s *= HIGHS_TIME_SHARE
    params = mathopt.SolveParameters(
        time_limit=_dt.timedelta(seconds=max(time_limit_s, 0.01)),
        relative_gap_tolerance=options.relative_gap,
        absolute_gap_tolerance=1e-9,
        random_seed=options.seed,
        enable_output=options.log,
    )
    if prob.node_limit is not None and backend != "cpsat":
        # deterministic mode: the work limit (SCIP limits/nodes, HiGHS mip_max_nodes); the time
        # limit above is then only the safety net
        params.node_limit = max(1, int(prob.node_limit))
    elif prob.node_limit is not None:
        # CP-SAT has no node limit: its deterministic time, CPSAT_WORK_S_PER_NODE per node
        params.cp_sat.max_deterministic_time = CPSAT_WORK_S_PER_NODE * max(1, int(prob.node_limit))
    if backend == "scip" and (options.heuristics == "high" or (options.heuristics == "auto" and prob.stage > 0)):
        # Later lexicographic stages start from the previous stage's plan and mostly need a
        # better incumbent (measured on the demo district: cost stage 397M → 246M CNY in 30 s).
        params.heuristics = mathopt.Emphasis.HIGH
    if backend == "cpsat":
        params.cp_sat.num_workers = options.threads
        params.cp_sat.interleave_search = options.deterministic
        params.cp_sat.log_search_progress = True
    if backend == "scip":
        # SCIP's concurrent mode (threads > 1) does not take the stop callback of a Ctrl-C-aware
        # run: OR-Tools 9.15 then ends every solve with "Unexpected GScipOutput.status: UNKNOWN"
        # (measured on a 300-item knapsack: error after 1.0 s with 2 threads; stopped on request
        # after 2.0 s with 1), so an armed solve runs on one thread
        params.threads = 1 if options.deterministic or interrupt.armed() else options.threads
        if options.max_memory_gb is not None:
            # SCIP stops (with its best plan) before it passes the limit, instead of the OS killing the run
            params.gscip.real_params["limits/memory"] = 1024.0 * options.max_memory_gb
    parser = {
        "scip": ScipLogParser,
        "highs": HighsLogParser,
        "cpsat": lambda: CpSatLogParser(prob.maximize),
    }[backend]()
    msg = LogProgress(parser, progress, prob.stage, prob.n_stages, t0)
    model_params = None
    # never a start for HiGHS: given one, HiGHS 1.12 declared a stage optimal at the start's
    # value with a bound equal to it (tests/test_property.py::highs_start_instance); the
    # lexicographic layer keeps a better start itself (_keep_best_hint)
    if prob.hints and backend in ("scip", "cpsat"):
        variables = list(model.variables())
        model_params = mathopt.ModelSolveParameters(solution_hints=[
            mathopt.SolutionHint(variable_values=dict(zip(variables, h.tolist()))) for h in prob.hints
        ])
    stop = _stop_arguments(mathopt, backend)
    try:
        with interrupt.stoppable(stop.pop("stop")):
            result = mathopt.solve(model, solver_type, params=params, model_params=model_params, msg_cb=msg, **stop)
    except Exception as exc:  # solver-internal failure: report, do not crash the caller
        if interrupt.requested():
            # SCIP run concurrently (several threads, wall-clock mode) ends a stopped solve with
            # status "unknown", which MathOpt raises as an internal error: its incumbent is lost
            return StageOutcome(SolveStatus.NO_SOLUTION, None, None, None, time.perf_counter() - t0,
                                "interrupted", tuple(msg.lines[-msg.keep_lines:]), backend)
        return StageOutcome(SolveStatus.ERROR, None, None, None, time.perf_counter() - t0,
                            failure_message(backend, exc, prob), tuple(msg.lines[-msg.keep_lines:]), backend)
    seconds = time.perf_counter() - t0
    reason = result.termination.reason
    TR = mathopt.TerminationReason
    nodes = int(result.solve_stats.node_count)
    time_hit = result.termination.limit == mathopt.Limit.TIME
    has_sol = result.has_primal_feasible_solution()
    values = None
    objective = None
    # the dual bound is valid with or without a plan (a start kept by the lexicographic layer
    # is then judged against it)
    b = result.termination.objective_bounds.dual_bound
    bound = float(b) if math.isfinite(b) else None
    if has_sol:
        var_values = result.variable_values()
        values = np.fromiter((var_values[v] for v in model.variables()), dtype=float, count=prob.lp.n_vars)
        objective = float(result.objective_value())
    if reason == TR.OPTIMAL:
        status = SolveStatus.OPTIMAL
        if bound is None and objective is not None:
            # no dual bound reported: what "optimal" proved is the gap tolerance it stopped at
            bound = gap_tolerance_bound(objective, options.relative_gap, prob.maximize)
    elif reason == TR.INFEASIBLE:
        status = SolveStatus.INFEASIBLE
    elif reason in (TR.UNBOUNDED, TR.INFEASIBLE_OR_UNBOUNDED):
        status = SolveStatus.UNBOUNDED if reason == TR.UNBOUNDED else SolveStatus.INFEASIBLE
    elif reason in (TR.FEASIBLE, TR.NO_SOLUTION_FOUND):
        status = SolveStatus.FEASIBLE if has_sol else SolveStatus.NO_SOLUTION
    else:
        status = SolveStatus.ERROR if not has_sol else SolveStatus.FEASIBLE
    msg.objective, msg.bound = objective, bound
    msg.emit()
    return StageOutcome(status, objective, bound, values, seconds, result.termination.detail,
                        tuple(msg.lines[-msg.keep_lines :]), backend, nodes=nodes, time_limit_hit=time_hit)
