"""PuLP + CBC backend for cross-checks, run in a child process.

PuLP imports ``highspy`` at import time when it is installed, and highspy cannot be
loaded in the same process as OR-Tools 9.15 (both carry HiGHS; the second to load fails
with an undefined symbol). So this process never imports PuLP: each stage is written
to an ``.npz`` file, solved by ``_pulp_worker.py`` in a fresh interpreter that never
imports OR-Tools, and read back. CBC's log is streamed back for progress reports.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.errors import SolverError
from siting.solvers import interrupt
from siting.solvers.lexicographic import StageOutcome, StageProblem, gap_tolerance_bound
from siting.solvers.progress import LogProgress, ProgressCallback

WORKER = Path(__file__).with_name("_pulp_worker.py")
_RE_SOL = re.compile(r"Cbc0012I Integer solution of (\S+)|Cbc0004I Integer solution of (\S+)")
_RE_NODE = re.compile(r"Cbc0010I After \d+ nodes, \d+ on tree, (\S+) best solution, best possible (\S+)")
_RE_LOWER = re.compile(r"^Lower bound:\s+(\S+)")
_RE_NODES = re.compile(r"^Enumerated nodes:\s+(\d+)")


class CbcLogParser:
    """CBC log lines -> (objective, bound) of the minimisation CBC sees, mapped back by ``sign``."""

    def __init__(self, sign: float, offset: float) -> None:
        self.sign, self.offset = sign, offset
        self.final_lower: float | None = None
        self.nodes = 0

    def _conv(self, text: str | None) -> float | None:
        try:
            v = float(text) if text is not None else None
        except ValueError:
            return None
        if v is None or not np.isfinite(v) or abs(v) >= 1e50:
            return None
        return self.sign * v + self.offset

    def __call__(self, line: str):
        line = line.strip()
        m = _RE_NODE.search(line)
        if m:
            return self._conv(m.group(1)), self._conv(m.group(2))
        m = _RE_SOL.search(line)
        if m:
            return self._conv(m.group(1) or m.group(2)), None
        m = _RE_NODES.match(line)
        if m:
            self.nodes = int(m.group(1))
            return None
        m = _RE_LOWER.match(line)
        if m:
            self.final_lower = self._conv(m.group(1))
            return None, self.final_lower
        return None


def _stop_worker(proc: subprocess.Popen) -> None:
    """End the PuLP worker and the CBC process it started (their own process group)."""
    import signal

    if proc.poll() is not None:
        return
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGTERM)
        else:  # pragma: no cover
            proc.terminate()
    except (ProcessLookupError, PermissionError):
        pass


def solve_stage(
    prob: StageProblem, options: SolverOptions, time_limit_s: float, progress: ProgressCallback | None
) -> StageOutcome:
    t0 = time.perf_counter()
    A = prob.A.tocsr()
    sign = -1.0 if prob.maximize else 1.0
    parser = CbcLogParser(sign, prob.offset)
    msg = LogProgress(parser, progress, prob.stage, prob.n_stages, t0)
    with tempfile.TemporaryDirectory(prefix="siting-cbc-") as tmp, interrupt.scratch(tmp):
        inp, out = os.path.join(tmp, "in.npz"), os.path.join(tmp, "out.npz")
        arrays = dict(
            lb=prob.lp.lb, ub=prob.lp.ub, integer=prob.lp.integer, indptr=A.indptr, indices=A.indices,
            data=A.data, row_lb=prob.row_lb, row_ub=prob.row_ub, c=prob.c, offset=prob.offset,
            maximize=prob.maximize, time_limit=time_limit_s, gap=options.relative_gap, threads=options.threads,
            seed=options.seed, log=options.log, node_limit=-1 if prob.node_limit is None else int(prob.node_limit),
        )
        if prob.hints:
            arrays["hint"] = prob.hints[0]
        np.savez(inp, **arrays)
        env = dict(os.environ)
        env.pop("PYTHONSTARTUP", None)
        try:
            # its own session: a Ctrl-C at the terminal reaches siting only, which stops the worker
            # (and CBC, its child) through interrupt.request
            proc = subprocess.Popen(
                [sys.executable, str(WORKER), inp, out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                text=True, env=env, cwd=tmp, start_new_session=os.name == "posix",
            )
        except OSError as exc:
            raise SolverError(f"could not start the PuLP/CBC worker: {exc}") from exc
        assert proc.stdout is not None
        with interrupt.stoppable(lambda: _stop_worker(proc)):
            for line in proc.stdout:
                msg([line.rstrip("\n")])
                if options.log:
                    print(line, end="")
            rc = proc.wait()
        if interrupt.requested() and (rc != 0 or not os.path.exists(out)):
            return StageOutcome(SolveStatus.NO_SOLUTION, None, None, None, time.perf_counter() - t0,
                                "interrupted", tuple(msg.lines[-60:]), "cbc")
        if rc != 0 or not os.path.exists(out):
            tail = "\n".join(msg.lines[-15:])
            if "No module named 'pulp'" in tail:
                raise SolverError("the 'cbc' backend needs PuLP: pip install pulp")
            return StageOutcome(SolveStatus.ERROR, None, None, None, time.perf_counter() - t0,
                                f"PuLP/CBC worker failed (exit {rc}):\n{tail}", tuple(msg.lines[-60:]), "cbc")
        res = np.load(out)
        status = SolveStatus(str(res["status"]))
        values = res["values"] if status.has_solution else None
        objective = float(res["objective"]) if status.has_solution else None
    bound = None
    if status is SolveStatus.OPTIMAL:
        # CBC's "optimal" means within gapRel: that tolerance, or a tighter bound from its log
        bound = gap_tolerance_bound(objective, options.relative_gap, prob.maximize)
        logged = parser.final_lower if parser.final_lower is not None else msg.bound
        if logged is not None:
            bound = min(max(bound, logged), objective) if not prob.maximize else max(min(bound, logged), objective)
    elif status is SolveStatus.FEASIBLE:
        bound = parser.final_lower if parser.final_lower is not None else msg.bound
    msg.objective, msg.bound = objective, bound
    msg.emit()
    time_hit = any("maximum time" in line.lower() or "stopped on time" in line.lower() for line in msg.lines)
    return StageOutcome(status, objective, bound, values, time.perf_counter() - t0, "", tuple(msg.lines[-60:]), "cbc",
                        nodes=parser.nodes, time_limit_hit=time_hit)
