"""--max-memory-gb: a solve whose estimated peak would not fit is refused up front, with the estimate."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import DEMO_SCENARIO, EXACT, residents, snapshot, tiny
from conftest import settings as tiny_settings
from siting.errors import MemoryLimitError
from siting.model import build_model
from siting.solve import solve_instance
from siting.solve.memory import BASE_GB, GB_PER_NONZERO, check_memory, estimate_peak_memory


def small():
    return tiny(communities=[[0, 0], [400, 0]], spaces=[[100, 0], [300, 0]], res=residents(2, r18_59=[2000, 1000]),
                st=tiny_settings("reading_room"), space_area_m2=300.0, acquisition_cny=100_000.0)


def test_estimate_is_linear_in_the_model_nonzeros():
    inst = small()
    est = estimate_peak_memory(inst)
    size = build_model(inst).lp.summary()
    assert est.nonzeros == size["nonzeros"] and est.variables == size["variables"]
    assert est.peak_gb == pytest.approx(BASE_GB + GB_PER_NONZERO * size["nonzeros"])
    assert check_memory(inst, EXACT) is None  # no limit: no estimate, nothing built


def test_a_limit_below_the_estimate_refuses_before_solving_and_a_generous_one_solves():
    inst = small()
    with pytest.raises(MemoryLimitError, match=r"about 0\.2\d GB .* more than --max-memory-gb 0\.1"):
        solve_instance(inst, EXACT.model_copy(update={"max_memory_gb": 0.1}))
    out = solve_instance(inst, EXACT.model_copy(update={"max_memory_gb": 8.0}))  # SCIP gets limits/memory
    assert out.result.status.has_solution and out.evaluation.feasible


def test_cli_refuses_with_exit_2_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "siting", "run", str(DEMO_SCENARIO), "--out", str(out),
                           "--max-memory-gb", "0.2"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "GB" in proc.stderr and "--max-memory-gb 0.2" in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot(out) == {}
