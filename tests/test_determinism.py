"""Deterministic mode: the solve is limited by work (branch-and-bound nodes), not by wall-clock
seconds, so the plan does not depend on machine load (docs/determinism.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from conftest import DEMO_SCENARIO, EXACT, residents, tiny
from conftest import settings as tiny_settings
from siting.core.instance import Instance
from siting.core.options import WORK_NODES_PER_STAGE, SolverOptions
from siting.solve import solve_instance

TIMING_KEYS = {"seconds", "build_s"}


def _run(out: Path, *args: str, timeout: float = 2900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siting", "run", str(DEMO_SCENARIO), "--out", str(out), *args],
                          capture_output=True, text=True, timeout=timeout)


def _untimed(obj):
    """``obj`` without its timing fields (seconds and build seconds at any depth)."""
    if isinstance(obj, dict):
        return {k: _untimed(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [_untimed(v) for v in obj]
    return obj


def _plan_files(folder: Path) -> dict[str, bytes]:
    """The plan files of an output folder: tables, layers and the applied settings (the GeoPackage
    carries its write time, and the same layers are compared as GeoJSON)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".geojson", ".yaml")}


def test_node_limit_default_and_off_outside_deterministic_mode():
    assert SolverOptions().node_limit() == WORK_NODES_PER_STAGE
    assert SolverOptions(work_limit=7).node_limit() == 7
    assert SolverOptions(deterministic=False, work_limit=7).node_limit() is None


def test_every_stage_keeps_to_its_node_limit_and_a_proof_is_reproducible():
    st = tiny_settings("reading_room", "elderly_day_care", mode="demand", budget=400_000)
    inst = tiny(communities=[[0, 0], [600, 0], [1200, 0], [0, 600]],
                spaces=[[100, 0], [500, 0], [1100, 0], [300, 300], [0, 500]],
                res=residents(4, r18_59=[3000, 1000, 2000, 1500], r60_79=[800, 400, 900, 300]), st=st,
                space_area_m2=400.0, acquisition_cny=150_000.0)
    opts = EXACT.model_copy(update={"work_limit": 3})
    a, b = solve_instance(inst, opts), solve_instance(inst, opts)
    for s in a.result.stages:
        assert s.nodes <= 2 * 3 + 3 // 5 + 1, s  # the stage plus its completion step, each within the limit
        assert not s.time_limit_hit
    assert [s.objective for s in a.result.stages] == [s.objective for s in b.result.stages]
    assert np.array_equal(a.plan.service_area_m2, b.plan.service_area_m2)


def test_a_run_cut_short_by_the_wall_clock_says_it_is_not_reproducible(tmp_path):
    # one second cannot finish the roots of the demo's larger parts: the safety net ends the run
    proc = _run(tmp_path / "out", "--time-limit-s", "1", timeout=600)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["solver"]["time_limit_hit"] is True
    assert summary["solver"]["reproducible"] is False
    assert "not reproducible" in proc.stdout


@pytest.mark.slow
def test_demo_plan_is_the_same_alone_and_beside_busy_processes(tmp_path):
    """A work limit that does not prove optimality (3 nodes per stage at gap 1e-4); the wall-clock
    safety net is far away. Run once alone, once beside one busy process per core."""
    args = ("--set", "solver.work_limit=3", "--gap", "0.0001", "--time-limit-s", "2700")
    alone = _run(tmp_path / "alone", *args)
    assert alone.returncode == 0, alone.stderr
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    try:
        t0 = time.perf_counter()
        loaded = _run(tmp_path / "loaded", *args)
        loaded_s = time.perf_counter() - t0
    finally:
        for p in busy:
            p.kill()
            p.wait()
    assert loaded.returncode == 0, loaded.stderr
    a = json.loads((tmp_path / "alone" / "summary.json").read_text())
    b = json.loads((tmp_path / "loaded" / "summary.json").read_text())
    assert a["solver"]["status"] == "feasible", "the work limit should stop short of a proof"
    assert a["solver"]["reproducible"] and b["solver"]["reproducible"], loaded_s
    assert _untimed(a) == _untimed(b)
    fa, fb = _plan_files(tmp_path / "alone"), _plan_files(tmp_path / "loaded")
    assert sorted(fa) == sorted(fb) and len(fa) >= 10
    for name in fa:
        assert fa[name] == fb[name], name


def _budget_variant(budget_cny: float) -> Instance:
    """Six communities in three pairs 5 km apart (three parts coupled by the budget), two spaces each."""
    st = tiny_settings("reading_room", "elderly_day_care", mode="demand", budget=budget_cny)
    xs = [0, 400, 5000, 5400, 10000, 10400]
    return tiny(communities=[[x, 0] for x in xs], spaces=[[x + 100, 50] for x in xs] + [[x + 200, -50] for x in xs],
                res=residents(6, r18_59=[3000, 1000, 2000, 2500, 1200, 1800], r60_79=[900, 300, 700, 500, 600, 400]),
                st=st, space_area_m2=350.0, acquisition_cny=120_000.0)


def _solve_variant(budget_cny: float) -> tuple:
    opts = EXACT.model_copy(update={"coordinate": "always", "threads": 1, "work_limit": 5, "time_limit_s": 600})
    out = solve_instance(_budget_variant(budget_cny), opts)
    return (tuple(s.objective for s in out.result.stages), tuple(s.bound for s in out.result.stages),
            out.plan.taken.tolist(), out.plan.service_area_m2.round(9).tolist(), out.result.time_limit_hit)


@pytest.mark.slow
def test_budget_sweep_in_parallel_equals_one_by_one():
    budgets = [250_000.0, 400_000.0, 600_000.0, 900_000.0]
    serial = [_solve_variant(b) for b in budgets]
    with ProcessPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(_solve_variant, budgets))
    assert parallel == serial
    assert not any(r[-1] for r in serial)
    assert len({r[2].__repr__() for r in serial}) > 1, "the budgets should give different plans"


def test_classical_models_are_not_held_to_the_siting_default_node_limit():
    from siting.classical._result import options_or_default

    assert options_or_default(SolverOptions()).node_limit() is None
    assert options_or_default(SolverOptions(work_limit=5)).node_limit() == 5
    assert options_or_default(None).node_limit() is None


def test_siting_sweep_on_a_process_pool_writes_the_same_plans_as_one_by_one(tiny_scenario, tmp_path):
    """`siting sweep` over 4 budget variants, on 2 worker processes and one by one: every variant's
    plan files are byte-identical and the variants tables agree apart from timing columns."""
    import pandas as pd

    def sweep(out: Path, workers: int) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "siting", "sweep", str(tiny_scenario), "--vary",
                               "budget_cny=4e5:1.6e6:4", "-o", "cheap", "--set", "solver.work_limit=3",
                               "--set", "solver.time_limit_s=300", "--workers", str(workers), "--out", str(out),
                               "--quiet"], capture_output=True, text=True, timeout=900)

    one = sweep(tmp_path / "one", 1)
    assert one.returncode == 0, one.stderr
    pool = sweep(tmp_path / "pool", 2)
    assert pool.returncode == 0, pool.stderr
    ta = pd.read_csv(tmp_path / "one" / "variants.csv", keep_default_na=False)
    tb = pd.read_csv(tmp_path / "pool" / "variants.csv", keep_default_na=False)
    timing = [c for c in ta.columns if c.endswith("_s") or c in TIMING_KEYS]
    pd.testing.assert_frame_equal(ta.drop(columns=timing), tb.drop(columns=timing))
    assert len(ta) == 4 and ta["status"].nunique() >= 1
    for folder in ta["folder"]:
        sa = json.loads((tmp_path / "one" / folder / "summary.json").read_text())
        sb = json.loads((tmp_path / "pool" / folder / "summary.json").read_text())
        assert sa["solver"]["reproducible"] and sb["solver"]["reproducible"], folder
        assert _untimed(sa) == _untimed(sb), folder
        fa, fb = _plan_files(tmp_path / "one" / folder), _plan_files(tmp_path / "pool" / folder)
        assert sorted(fa) == sorted(fb) and len(fa) >= 5, folder
        for name in fa:
            assert fa[name] == fb[name], (folder, name)
    # the budgets buy different plans: the comparison is not between four copies of one plan
    plans = {(tmp_path / "one" / f / "spaces.csv").read_bytes() for f in ta["folder"]}
    assert len(plans) > 1
