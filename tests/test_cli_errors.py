"""The CLI on errors: bad input exits 2 with one line; an internal error prints one line naming a
log file (the traceback, saved in the output's parent folder) and exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import write_tiny_scenario
from siting.cli import app

runner = CliRunner()


def _boom(*args, **kwargs):
    raise ValueError("boom from inside")


def test_internal_error_in_run_saves_the_traceback_beside_the_output(tmp_path, monkeypatch):
    scn = write_tiny_scenario(tmp_path / "scn")
    monkeypatch.setattr("siting.io.load.load_instance", _boom)
    plans = tmp_path / "plans"
    plans.mkdir()
    res = runner.invoke(app, ["run", str(scn), "--out", str(plans / "base")])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("internal error: ValueError: boom from inside"), res.output
    logs = list(plans.glob("siting-error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in "".join(res.output.split())
    text = logs[0].read_text()
    assert "Traceback" in text and "boom from inside" in text and "_boom" in text
    assert not (plans / "base").exists()


def test_internal_error_in_validate_logs_in_the_working_folder(tmp_path, monkeypatch):
    scn = write_tiny_scenario(tmp_path / "scn")
    monkeypatch.setattr("siting.io.load.load_instance", _boom)
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["validate", str(scn)])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert len(list(tmp_path.glob("siting-error-*.log"))) == 1


@pytest.mark.parametrize("args", [
    ["--set", "solver.threads=1e400"],
    ["--set", "data.spaces=/dev/zero"],
    ["-o", "nope"],
])
def test_bad_input_exits_2_and_writes_no_log(tmp_path, monkeypatch, args):
    scn = write_tiny_scenario(tmp_path / "scn")
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run", str(scn), "--out", str(tmp_path / "out"), *args])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error: ") and "Traceback" not in res.output
    assert not list(Path(tmp_path).glob("siting-error-*.log")) and not (tmp_path / "out").exists()
