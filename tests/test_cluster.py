"""Independent parts on a Dask cluster (siting.solve.cluster, ``siting run --scheduler``): a real
``distributed`` LocalCluster, and a scheduler with worker processes on loopback, give the same
plan as the single-process solve in deterministic mode."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import EXACT, loopback_cluster, tiny_tables, write_tiny_scenario
from siting.cli import app
from siting.errors import SitingError
from siting.solve import solve_instance
from siting.solve.cluster import dask_client
from test_api import _far_apart

runner = CliRunner()
DET = EXACT.model_copy(update={"deterministic": True, "work_limit": 50, "time_limit_s": 600, "threads": 2})


def _fingerprint(out) -> tuple:
    return (tuple(s.objective for s in out.result.stages), tuple(s.bound for s in out.result.stages),
            out.plan.taken.tolist(), np.round(out.plan.service_area_m2, 9).tolist(), out.plan.hub_space.tolist())


def test_parts_on_a_local_cluster_equal_the_single_process_solve():
    from distributed import Client, LocalCluster

    inst = _far_apart(4)
    alone = solve_instance(inst, DET)
    assert alone.parts == 4
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = solve_instance(inst, DET, client=client)
    assert "parts solved on the Dask cluster's 2 worker threads" in remote.result.message
    assert remote.evaluation is not None and remote.evaluation.feasible
    assert _fingerprint(remote) == _fingerprint(alone)


@pytest.fixture
def two_districts(tmp_path: Path) -> Path:
    """The tiny scenario twice, the copy 20 km east: two independent parts."""
    import pandas as pd

    c0, s0 = tiny_tables()
    c1, s1 = c0.copy(), s0.copy()
    c1["x"] += 20_000.0
    s1["x"] += 20_000.0
    c1["community_id"] += "-E"
    s1["space_id"] += "-E"
    return write_tiny_scenario(tmp_path / "two", pd.concat([c0, c1], ignore_index=True),
                               pd.concat([s0, s1], ignore_index=True))


def test_siting_run_on_a_scheduler_with_worker_processes_writes_the_single_process_plan(two_districts, tmp_path):
    """A scheduler and two worker processes on loopback: the library solve of 4 parts, and
    `siting run --scheduler` on a scenario of two parts, equal the same solves in this process
    (plan files byte for byte)."""
    inst = _far_apart(4)
    sets = ["--set", "solver.work_limit=20", "--set", "solver.time_limit_s=600", "--quiet"]
    with loopback_cluster(tmp_path) as (address, client):
        remote = solve_instance(inst, DET, client=client)
        here = runner.invoke(app, ["run", str(two_districts), "--out", str(tmp_path / "here"), *sets])
        there = runner.invoke(app, ["run", str(two_districts), "--out", str(tmp_path / "there"), *sets,
                                    "--scheduler", address])
    assert _fingerprint(remote) == _fingerprint(solve_instance(inst, DET))
    assert here.exit_code == 0, here.output
    assert there.exit_code == 0, there.output
    for name in ("spaces.csv", "services.csv", "links.csv", "communities.csv", "shortfalls.csv"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name
    a = json.loads((tmp_path / "here" / "summary.json").read_text())
    b = json.loads((tmp_path / "there" / "summary.json").read_text())
    assert a["independent_parts"] == b["independent_parts"] == 2
    assert a["cost_cny"] == b["cost_cny"] and a["solver"]["status"] == b["solver"]["status"]
    assert "Dask cluster's 2 worker threads" in b["solver"]["message"]


def test_a_program_solved_whole_says_it_did_not_use_the_cluster():
    from distributed import Client, LocalCluster

    from test_coordinate import far_apart

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        out = solve_instance(far_apart(250_000), EXACT, client=client)  # a budget: not independent parts
    assert "solved in this process: the Dask cluster solves independent parts only" in out.result.message
    assert out.evaluation.feasible


@pytest.mark.parametrize("bad", ["tcp://127.0.0.1:1", "not-an-address"])
def test_a_bad_scheduler_address_is_an_error_naming_it(bad):
    with pytest.raises(SitingError, match="--scheduler"):
        dask_client(bad, timeout_s=1)
