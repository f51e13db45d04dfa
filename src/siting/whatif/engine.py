"""Solve many variants: one by one, in a process pool on this machine, or on a Dask cluster.

Each variant is solved by :func:`solve_variant`, a pure function of picklable inputs (the loaded
instance and the solver options) that returns the outcome and its figures, so any worker can run
it; plan folders are written by the caller's process. With the default deterministic solver
options (a work limit per stage, docs/determinism.md) a variant's plan is the same in a worker as
in the serial run. A variant whose solve raises is recorded with its reason; the others finish.

A stop request (:func:`siting.solvers.interrupt.request`, e.g. the first Ctrl-C under
``catch_sigint``) ends the sweep early: running solves end with their best plan so far (marked
interrupted), variants not started are not solved (``VariantRun.stopped``). Pool workers ignore
SIGINT (a Ctrl-C at the terminal reaches the whole process group: the parent decides) and learn
of the request through a shared event; queued variants are cancelled.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from siting.analysis.figures import PlanFigures, plan_figures
from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.errors import SitingError
from siting.plan import Outcome, Plan
from siting.solve import solve_instance
from siting.solve.cluster import CONNECT_TIMEOUT_S, dask_client  # noqa: F401 (the sweeps' API since before)
from siting.solvers import interrupt
from siting.whatif.variants import PreparedVariant


@dataclass(frozen=True, eq=False)
class SolvedVariant:
    """What a worker sends back: the outcome, its figures and the worker's solve seconds."""

    outcome: Outcome
    figures: PlanFigures
    seconds: float


@dataclass(eq=False)
class VariantRun:
    """One variant after the sweep: ``solved`` or the ``error`` that stopped it (a caller may set
    ``error`` when a later step, such as writing the plan folder, fails). ``stopped``: not solved
    because the sweep was stopped (Ctrl-C) before its solve started."""

    prepared: PreparedVariant
    solved: SolvedVariant | None
    error: str | None = None
    stopped: bool = False
    warm_start: str = ""  # the variant whose plan this one's kept solve started from (budget sweeps)

    @property
    def interrupted(self) -> bool:
        """Solved, but stopped before the solve ended: its plan is the best so far, not proven."""
        return self.solved is not None and self.solved.outcome.result.interrupted


NOT_SOLVED = "not solved: the sweep was interrupted (Ctrl-C) before this variant's solve started"


def solve_variant(inst: Instance, options: SolverOptions, start: Plan | None = None) -> SolvedVariant:
    """Solve one variant and compute its figures (runs in a worker).

    Parameters
    ----------
    inst
        The variant's instance.
    options
        Its solver options.
    start
        A plan to start from (``solve_instance(start=...)``), e.g. a smaller budget's.

    Returns
    -------
    SolvedVariant
    """
    t0 = time.perf_counter()
    outcome = solve_instance(inst, options, start=start)
    return SolvedVariant(outcome, plan_figures(outcome), time.perf_counter() - t0)


_STOP: Any = None  # in a pool worker: the parent's stop event


def _worker_init(stop: Any) -> None:
    """A pool worker's start: SIGINT is the parent's to handle; ``stop`` set by the parent becomes
    this process's stop request (a watcher thread, so it reaches a solve inside C++)."""
    global _STOP
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the parent spawned this worker with SIGINT blocked (see _solve_on_pool): a Ctrl-C that
    # reached it while Python started is now discarded, not a KeyboardInterrupt in its imports
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _STOP = stop

    def watch() -> None:
        stop.wait()
        interrupt.request()

    def orphaned() -> None:  # the parent is gone (a second Ctrl-C ends it at once, or a kill): so is this worker
        from multiprocessing.connection import wait

        parent = multiprocessing.parent_process()
        if parent is not None:
            wait([parent.sentinel])
            interrupt.end_now(1, say=False)

    threading.Thread(target=watch, name="siting-stop", daemon=True).start()
    threading.Thread(target=orphaned, name="siting-parent", daemon=True).start()


def _solve_in_worker(inst: Instance, options: SolverOptions, listen: bool,
                     start: Plan | None = None) -> SolvedVariant | None:
    """:func:`solve_variant` in a pool worker; ``None`` when the sweep was stopped before it started.
    ``listen``: the parent listens for a stop (then so does this solve, as a serial one would)."""
    if interrupt.requested() or (_STOP is not None and _STOP.is_set()):
        return None
    if not listen:
        return solve_variant(inst, options, start)
    with interrupt.listen():
        return solve_variant(inst, options, start)


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, SitingError) else f"{type(exc).__name__}: {exc}"


def default_workers(n_variants: int) -> int:
    """Process-pool size: one process a core, no more than there are variants."""
    return max(1, min(os.cpu_count() or 1, n_variants))


def solve_variants(prepared: Sequence[PreparedVariant], *, workers: int | None = None, client: Any = None,
                   on_done: Callable[[VariantRun], None] | None = None,
                   starts: Sequence[Plan | None] | None = None) -> list[VariantRun]:
    """Solve every variant; results in the order of ``prepared``.

    Parameters
    ----------
    prepared
        From :func:`~siting.whatif.variants.prepare_variants`.
    workers
        Processes on this machine (default: one a core, at most one a variant); 1 solves them one
        by one in this process. Ignored with ``client``.
    client
        A ``distributed.Client`` (a LocalCluster's or one from :func:`dask_client`): the variants
        are submitted to its workers.
    on_done
        Called in this process as each variant finishes (in completion order), e.g. to write its
        plan folder and advance a progress bar.
    starts
        Per variant, a plan to start from (or ``None``).

    Returns
    -------
    list of VariantRun
        A variant that raised has ``solved=None`` and its reason in ``error``.
    """
    runs: dict[int, VariantRun] = {}

    def done(i: int, solved: SolvedVariant | None, error: str | None) -> None:
        runs[i] = VariantRun(prepared[i], solved, error)
        if on_done is not None:
            on_done(runs[i])

    def not_solved(i: int) -> None:
        runs[i] = VariantRun(prepared[i], None, NOT_SOLVED, stopped=True)
        if on_done is not None:
            on_done(runs[i])

    begin = list(starts) if starts is not None else [None] * len(prepared)
    jobs = [(p.instance, p.scenario.solver, begin[i]) for i, p in enumerate(prepared)]
    if client is not None:
        futures = [client.submit(solve_variant, inst, opts, start, pure=False, key=f"siting-variant-{i}-{p.folder}")
                   for i, ((inst, opts, start), p) in enumerate(zip(jobs, prepared))]
        index = {f.key: i for i, f in enumerate(futures)}
        from distributed import as_completed as dask_completed

        # a stop cancels what has not finished (a task already running on a Dask worker is not
        # interrupted there: its result is dropped)
        with interrupt.stoppable(lambda: client.cancel([f for f in futures if not f.done()])):
            for f in dask_completed(futures, loop=client.loop):
                i = index[f.key]
                if f.cancelled() or (interrupt.requested() and f.status != "finished"):
                    not_solved(i)
                    continue
                try:
                    done(i, f.result(), None)
                except Exception as exc:  # a failed variant is reported, the others go on
                    done(i, None, _reason(exc))
    elif (workers or default_workers(len(jobs))) <= 1:
        for i, (inst, opts, start) in enumerate(jobs):
            if interrupt.requested():
                not_solved(i)
                continue
            try:
                done(i, solve_variant(inst, opts, start), None)
            except Exception as exc:
                done(i, None, _reason(exc))
    else:
        _solve_on_pool(jobs, workers or default_workers(len(jobs)), done, not_solved)
    return [runs[i] for i in range(len(prepared))]


def _solve_on_pool(jobs: list[tuple[Instance, SolverOptions, Plan | None]], n: int,
                   done: Callable[[int, SolvedVariant | None, str | None], None],
                   not_solved: Callable[[int], None]) -> None:
    """The process-pool branch of :func:`solve_variants`: a stop request sets the workers' event
    (their running solves end with the best plan so far) and cancels the queued variants."""
    # spawn: a fresh interpreter per worker, never a fork of a process whose solver threads are running
    ctx = multiprocessing.get_context("spawn")
    stop = ctx.Event()
    listen = interrupt.armed()
    pending: dict[Future, int] = {}

    def stop_all() -> None:
        stop.set()
        for f in list(pending):
            f.cancel()  # queued, not yet handed to a worker

    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_worker_init, initargs=(stop,)) as pool, \
            interrupt.stoppable(stop_all):
        # workers are spawned by submit(): with SIGINT blocked here they start with it blocked, so
        # a terminal's Ctrl-C (sent to the whole group) cannot hit one before its initializer
        # ignores it (seen in CI: a KeyboardInterrupt traceback from a worker's imports); a
        # Ctrl-C meanwhile reaches this process once unblocked
        main = threading.current_thread() is threading.main_thread()
        if main:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for i, (inst, opts, start) in enumerate(jobs):
                pending[pool.submit(_solve_in_worker, inst, opts, listen, start)] = i
        finally:
            if main:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        if interrupt.requested():  # a stop that came while submitting
            stop_all()
        for f in as_completed(pending):
            if f.cancelled():
                not_solved(pending[f])
                continue
            try:
                solved = f.result()
            except Exception as exc:
                done(pending[f], None, _reason(exc))
                continue
            if solved is None:
                not_solved(pending[f])
            else:
                done(pending[f], solved, None)
