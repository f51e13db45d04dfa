"""The issue's bad-input list for sweep and compare, through the command line: each case is a
located error, exit code 2, and nothing written (no sweep folder, no plan folders, no CSV)."""

from __future__ import annotations

import socket
import time

import pytest
from conftest import snapshot
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SWEEP_CASES = [
    # (extra arguments, words the message must contain)
    (["--vary", "budget_cny=4e5:1e6:2", "-o", "nope"], ["unknown override 'nope'"]),
    (["--vary", "overrides=cheap,nope"], ["--vary overrides=cheap,nope", "unknown override 'nope'"]),
    (["--vary", "no_such_key=1:2:2"], ["--vary no_such_key=1:2:2", "unknown key 'no_such_key'"]),
    (["--vary", "standard=1:2:2"], ["--vary standard=1:2:2", "not a number"]),
    (["--vary", "budget_cny=2e6:1e6:3"], ["--vary budget_cny=2e6:1e6:3", "reversed range"]),
    (["--vary", "budget_cny=1e6:1e6:3"], ["--vary budget_cny=1e6:1e6:3", "empty range"]),
    (["--vary", "budget_cny=1e6:2e6:0"], ["--vary budget_cny=1e6:2e6:0", "empty range"]),
    (["--vary", "budget_cny=4e5:1e6:2", "--set", "no_such_key=1"], ["--set no_such_key=1"]),
    (["--vary", "budget_cny=4e5:1e6:2", "--set", "horizon_years=ten"], ["--set horizon_years=ten",
                                                                       "horizon_years"]),
]


@pytest.mark.parametrize("args, words", SWEEP_CASES, ids=[" ".join(a) for a, _ in SWEEP_CASES])
def test_sweep_bad_input_exits_2_and_writes_nothing(tiny_scenario, tmp_path, args, words):
    out = tmp_path / "sweep"
    before = snapshot(tiny_scenario.parent)
    res = runner.invoke(app, ["sweep", str(tiny_scenario), *args, "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert text.startswith("error:") and all(w in text for w in words), text
    assert not out.exists() and snapshot(tiny_scenario.parent) == before


COMPARE_CASES = [
    (["-o", "nope"], ["unknown override 'nope'"]),
    (["-o", "cheap+nope"], ["unknown override 'nope'"]),
    (["-o", "cheap", "--set", "no_such_key=1"], ["--set no_such_key=1"]),
    (["-o", "cheap", "--set", "budget_cny=lots"], ["--set budget_cny=lots", "budget_cny"]),
]


@pytest.mark.parametrize("args, words", COMPARE_CASES, ids=[" ".join(a) for a, _ in COMPARE_CASES])
def test_compare_bad_input_exits_2_and_writes_nothing(tiny_scenario, tmp_path, args, words):
    out, csv = tmp_path / "plans", tmp_path / "cmp.csv"
    res = runner.invoke(app, ["compare", str(tiny_scenario), *args, "--out", str(out), "--csv", str(csv),
                              "--workers", "1"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert text.startswith("error:") and all(w in text for w in words), text
    assert not out.exists() and not csv.exists()


@pytest.mark.parametrize("command", ["sweep", "compare", "run"])
def test_an_unreachable_scheduler_is_an_error_within_seconds(tiny_scenario, tmp_path, command):
    address = f"tcp://127.0.0.1:{_free_port()}"
    out, csv = tmp_path / "out", tmp_path / "cmp.csv"
    args = {"sweep": ["--vary", "budget_cny=4e5:1e6:2"], "compare": ["-o", "cheap", "--csv", str(csv)],
            "run": []}[command]
    t0 = time.perf_counter()
    res = runner.invoke(app, [command, str(tiny_scenario), *args, "--out", str(out), "--scheduler", address])
    seconds = time.perf_counter() - t0
    assert res.exit_code == 2, res.output
    assert f"--scheduler {address}" in res.output and "no Dask scheduler answered within 5 s" in res.output
    assert seconds < 20, seconds  # the connect timeout is 5 s; loading the scenario takes the rest
    assert not out.exists() and not csv.exists()
