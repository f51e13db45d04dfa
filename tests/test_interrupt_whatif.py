"""Ctrl-C during ``siting sweep`` and ``siting compare`` (issue 12, "Solver trouble is explained").

A real subprocess on the tiny scenario gets SIGINT once its first plan folder is written:
variants solved are kept, a running one keeps its best plan marked interrupted (or is marked not
solved), the table / curve / comparison are written for what exists, exit code 130, no traceback,
no temporary folder and no worker process left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONWARNINGS="ignore", COLUMNS="200")
    # its own session, so that a signal to the group reaches the workers as a terminal's Ctrl-C would
    return subprocess.Popen([sys.executable, "-m", "siting", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd, start_new_session=True,
                            preexec_fn=_terminal_sigint)


def _terminal_sigint() -> None:
    # as from a terminal: a runner started in the background (CI) passes SIGINT on as ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt_after_first_plan(proc: subprocess.Popen, out: Path, *, group: bool) -> tuple[str, str]:
    deadline = time.monotonic() + 240
    while not list(out.glob("*/summary.json")):
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "no plan folder within 240 s"
        time.sleep(0.05)
    if group:  # what Ctrl-C at a terminal does: every process of the foreground group gets SIGINT
        os.killpg(proc.pid, signal.SIGINT)
    else:
        proc.send_signal(signal.SIGINT)
    try:
        out_text, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    return out_text, err


def _no_process_left(pgid: int) -> list[str]:
    for _ in range(50):  # workers end within a moment of their parent
        left = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True).stdout.split()
        alive = [p for p in left if Path(f"/proc/{p}/stat").exists()
                 and Path(f"/proc/{p}/stat").read_text().split(")")[-1].split()[0] != "Z"]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(".*")]


def test_sigint_during_a_sweep_on_a_process_pool_keeps_what_was_solved(tiny_scenario, tmp_path):
    out = tmp_path / "sweep"
    proc = _start(["sweep", str(tiny_scenario), "--vary", "horizon_years=5:28:24", "--workers", "2",
                   "--out", str(out)], tmp_path)
    _, err = _interrupt_after_first_plan(proc, out, group=True)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "Error <" not in err, err[-3000:]
    assert "stopping:" in err and "interrupted: " in err and "variants solved to the end" in err, err[-3000:]
    assert _no_process_left(proc.pid) == []
    table = pd.read_csv(out / "variants.csv", keep_default_na=False)
    assert len(table) == 24  # every variant has its row
    for name in ("variants.json", "tradeoff.png", "tradeoff.svg", "tradeoff.html"):
        assert (out / name).is_file(), name
    assert _hidden(out) == [] and _hidden(tmp_path) == []
    solved = table[table["status"] == "optimal"]
    assert len(solved) >= 1
    for folder in solved["folder"]:
        summary = json.loads((out / folder / "summary.json").read_text())
        assert summary["feasible_by_checker"] is True and summary["solver"]["interrupted"] is False
    cut = table[table["status"] == "interrupted"]
    for folder in cut["folder"]:  # the best plan so far, marked so
        summary = json.loads((out / folder / "summary.json").read_text())
        assert summary["solver"]["interrupted"] is True and summary["solver"]["proven"] is False
    never = table[table["status"] == "not solved"]
    assert all("interrupted" in r for r in never["reason"])
    for folder in never["folder"]:
        assert not (out / folder).exists()
    assert len(solved) + len(cut) + len(never) == 24, table["status"].tolist()
    assert len(cut) + len(never) >= 1  # the sweep was stopped, not run to its end


def test_sigint_during_a_compare_writes_the_table_for_what_exists(tiny_scenario, tmp_path):
    out, csv = tmp_path / "cmp", tmp_path / "cmp.csv"
    names = ["cheap", "long", "national", "cheap+long", "cheap+national", "long+national", "cheap+long+national"]
    args = ["compare", str(tiny_scenario), *[x for n in names for x in ("-o", n)], "--workers", "1",
            "--out", str(out), "--csv", str(csv)]
    proc = _start(args, tmp_path)
    _, err = _interrupt_after_first_plan(proc, out, group=False)
    assert proc.returncode == 130, err[-3000:]
    assert "Traceback" not in err and "interrupted: " in err and "scenarios solved to the end" in err, err[-3000:]
    assert "not solved" in err, err[-3000:]  # one by one: the later scenarios never started
    table = pd.read_csv(csv, index_col="figure", keep_default_na=False)
    assert {"base", *names} <= set(table.columns)
    statuses = table.loc["status", ["base", *names]].tolist()
    assert statuses[0] == "optimal", statuses
    assert "not solved (interrupted)" in statuses, statuses
    assert (out / "compare.html").is_file() and (out / "variants.csv").is_file()
    assert _hidden(out) == [] and _hidden(tmp_path) == []
