"""Ctrl-C during a solve, and solver failures explained (issue 12, "Solver trouble is explained").

* A real ``siting run`` subprocess gets SIGINT once its solver reports progress: the best plan
  so far is written, marked interrupted and not proven, exit code 130, no temporary folder left.
* SIGINT while the scenario is still loading: exit 130, "interrupted: nothing was written", no folder.
* A stop requested from another thread ends a SCIP solve long before its time limit.
* OR-Tools 9.15 hides an engine's ``StatusNotOk`` behind ``AttributeError: 'StatusNotOk' object
  has no attribute 'canonical_code'``: the stage now fails with the engine's own words, its name
  and how to switch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DEMO_SCENARIO
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.solvers import LinearProgramBuilder, interrupt, solve
from siting.solvers.ortools_backend import failure_message, solver_complaint


def _run(tmp_path: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "siting", "run", str(DEMO_SCENARIO), "--out", str(tmp_path / "plan"),
           "--set", "solver.deterministic=false", "--time-limit-s", "600", *extra]
    env = dict(os.environ, PYTHONWARNINGS="default", COLUMNS="200")
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
                            preexec_fn=_terminal_sigint)


def _terminal_sigint() -> None:
    # as from a terminal: a runner started in the background (CI) passes SIGINT on as ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(proc: subprocess.Popen, needle: str, timeout_s: float) -> list[str]:
    """Lines of stderr up to the first containing ``needle`` (fails after ``timeout_s``)."""
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            seen.append(line)
            if needle in line:
                done.set()
                return
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(timeout_s), f"no {needle!r} within {timeout_s} s: {''.join(seen)[-2000:]}"
    assert any(needle in s for s in seen), "".join(seen)[-2000:]
    return seen


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_sigint_during_a_solve_writes_the_best_plan_so_far_marked_interrupted(tmp_path):
    proc = _run(tmp_path)
    try:
        _wait_for(proc, "elapsed", 180)  # a progress line: the solver is running
        started = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    stopped_s = time.perf_counter() - started
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted: the best plan found so far was written" in err, err[-3000:]
    assert "Traceback" not in err and "SCIPcatchEvent" not in err, err[-3000:]
    plan = tmp_path / "plan"
    summary = json.loads((plan / "summary.json").read_text())
    solver = summary["solver"]
    assert solver["status"] == "interrupted" and solver["interrupted"] is True and solver["proven"] is False
    assert all(s["status"] != "optimal" or s["bound"] is not None for s in solver["stages"])
    assert summary["feasible_by_checker"] is True  # the plan so far keeps every rule
    for name in ("report.html", "plan.gpkg", "spaces.csv", "scenario.yaml"):
        assert (plan / name).is_file(), name
    assert _leftovers(tmp_path) == [], _leftovers(tmp_path)  # no .plan.tmp-* folder
    # a 600 s run stopped well before its limit (a SCIP root node and the writing take a few seconds)
    assert stopped_s < 120, stopped_s


def test_sigint_before_a_plan_writes_nothing(tmp_path):
    proc = _run(tmp_path)
    try:
        # loading warns about 'pilot' while reading the communities: well before the solve starts
        _wait_for(proc, "pilot", 180)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err[-3000:]
    assert "interrupted: nothing was written" in err, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert not (tmp_path / "plan").exists()
    assert _leftovers(tmp_path) == []


def test_a_ctrl_c_that_a_reader_turns_into_its_own_error_is_still_a_ctrl_c(tiny_scenario, tmp_path, monkeypatch):
    # pandas' C reader reports "Calling read(nbytes) on source failed" when Ctrl-C lands in its
    # read (seen: exit 2 and "cannot parse as CSV" instead of 130); the same, made deterministic
    import pandas as pd
    from typer.testing import CliRunner

    import siting.io.readers as readers
    from siting.cli import app

    real = pd.read_csv

    def interrupted_read(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise pd.errors.ParserError("Error tokenizing data. C error: Calling read(nbytes) on source failed.")
        return real(*args, **kwargs)

    monkeypatch.setattr(readers.pd, "read_csv", interrupted_read)
    # Python's own Ctrl-C handling, as from a terminal (a runner started in the background, as CI
    # may be, inherits SIGINT ignored)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        res = CliRunner().invoke(app, ["run", str(tiny_scenario), "--out", str(tmp_path / "plan")])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert res.exit_code == 130, res.output
    assert "interrupted: nothing was written" in res.output
    assert "cannot parse" not in res.output
    assert not (tmp_path / "plan").exists()
    # without a Ctrl-C the same error is bad input, as before
    monkeypatch.setattr(readers.pd, "read_csv", lambda *a, **k: (_ for _ in ()).throw(pd.errors.ParserError("bad")))
    res = CliRunner().invoke(app, ["run", str(tiny_scenario), "--out", str(tmp_path / "plan")])
    assert res.exit_code == 2 and "cannot parse as CSV" in res.output


def _hard_knapsack(n: int = 300, rows: int = 30):
    rng = np.random.default_rng(0)
    b = LinearProgramBuilder("knap")
    x = b.add_binaries("x", n)
    for r in range(rows):
        w = rng.integers(10, 1000, n)
        b.add_constraints(f"cap{r}", 1, np.zeros(n), x, w, ub=int(w.sum() // 3))
    b.add_objective("value", "max", x, rng.integers(10, 1000, n).astype(float))
    return b.build()


@pytest.mark.parametrize("backend", ["scip", "cbc"])
def test_a_requested_stop_ends_the_solve_long_before_its_limit(backend):
    lp = _hard_knapsack()
    opts = SolverOptions(backend=backend, time_limit_s=60, relative_gap=0.0, deterministic=False)
    interrupt.clear()
    timer = threading.Timer(2.0, interrupt.request)
    t0 = time.perf_counter()
    try:
        with interrupt.arm():
            timer.start()
            r = solve(lp, opts)
    finally:
        timer.cancel()
        interrupt.clear()
    assert time.perf_counter() - t0 < 30
    assert r.status in (SolveStatus.FEASIBLE, SolveStatus.NO_SOLUTION)  # never "optimal" without proof


def test_a_stop_requested_before_the_solve_keeps_the_null_plan_and_says_interrupted(tiny_scenario):
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario
    from siting.solve import solve_instance

    inst = load_instance(load_scenario(tiny_scenario))
    interrupt.clear()
    interrupt.request()
    try:
        with interrupt.arm():
            out = solve_instance(inst, SolverOptions(backend="scip", time_limit_s=30))
    finally:
        interrupt.clear()
    assert out.result.interrupted and out.result.status is not SolveStatus.OPTIMAL
    assert "interrupted" in out.result.message
    if out.plan is not None:  # the null plan (required spaces only): every rule holds, shortfalls reported
        assert out.plan.result.interrupted and out.evaluation.feasible
    again = solve_instance(inst, SolverOptions(backend="scip", time_limit_s=30))  # cleared: a normal solve
    assert not again.result.interrupted and again.result.status is SolveStatus.OPTIMAL


class StatusNotOk(Exception):
    """Stands in for pybind11_abseil's StatusNotOk (message, status.code())."""

    class _Status:
        class _Code:
            name = "INVALID_ARGUMENT"

        def code(self):
            return self._Code()

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.status = self._Status()


def test_the_engines_own_words_are_dug_out_of_the_ortools_attribute_error():
    try:
        try:
            raise StatusNotOk("1e+300 is not in SCIP's finite range: (-1e+20, 1e+20); invalid upper bound")
        except StatusNotOk:
            raise AttributeError("'StatusNotOk' object has no attribute 'canonical_code'") from None
    except AttributeError as caught:
        exc = caught
    text = solver_complaint(exc)
    assert text.startswith("1e+300 is not in SCIP's finite range") and text.endswith("[INVALID_ARGUMENT]")
    msg = failure_message("scip", exc)
    assert "SCIP solver" in msg and "--backend highs or cbc" in msg and "canonical_code" not in msg


def test_a_model_the_engine_rejects_fails_with_its_name_and_how_to_switch():
    # a real rejection: SCIP refuses bounds beyond 1e20 (the path households = 1e300 once took)
    b = LinearProgramBuilder("huge")
    x = b.add_variables("x", 1, ub=1e300)
    b.add_constraints("row", 1, [0], x, [1.0], ub=1e300)
    b.add_objective("o", "max", x, 1.0)
    r = solve(b.build(), SolverOptions(backend="scip", time_limit_s=10))
    assert r.status is SolveStatus.ERROR, r
    assert "canonical_code" not in r.message and "AttributeError" not in r.message
    assert "SCIP solver" in r.message and "finite range" in r.message and "--backend highs or cbc" in r.message


# --- the output folder: a failure or Ctrl-C while writing leaves the earlier plan as it was -----------

@pytest.mark.parametrize("error, code, words", [(RuntimeError("disk on fire"), 1, "internal error"),
                                                (KeyboardInterrupt(), 130, "interrupted: nothing was written")])
def test_a_failure_while_writing_keeps_the_earlier_plan_and_leaves_no_temporary_folder(
        tiny_scenario, tmp_path, monkeypatch, error, code, words):
    from typer.testing import CliRunner

    import siting.io.outputs as outputs
    from conftest import snapshot
    from siting.cli import app

    runner = CliRunner()
    out = tmp_path / "plans" / "base"
    out.parent.mkdir()
    first = runner.invoke(app, ["run", str(tiny_scenario), "--out", str(out), "-q"])
    assert first.exit_code == 0, first.output
    before = snapshot(out)

    def broken(*args, **kwargs):  # the report is written last: every other file is already in the temp folder
        raise error

    monkeypatch.setattr(outputs, "report_html", broken)
    res = runner.invoke(app, ["run", str(tiny_scenario), "--out", str(out), "--force", "-q", "--set",
                              "horizon_years=12"])
    assert res.exit_code == code, res.output
    assert words in res.output
    assert snapshot(out) == before  # the earlier plan, byte for byte
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []
