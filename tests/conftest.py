"""Shared helpers for the rule, property, bad-input, CLI and scenario tests.

Tiny instances are built with :meth:`Instance.from_arrays`; the catalogue is shrunk by
overriding the uptake of every service we do not want to zero (``only_services``), and the
hub rule / co-location bonus are switched off unless a test is about them.

Walking times are straight lines × 1.3 ÷ 75 m/min, so 10 min ↔ 576.9 m, 15 min ↔ 865.4 m.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.api import solve_instance
from siting.core.catalogue import AGE_GROUPS, load_catalogue
from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveStatus
from siting.core.settings import HubSettings, ObjectiveSettings, PlanningSettings, SpacePolicy
from siting.plan import Outcome

REPO = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = REPO / "scenarios" / "demo" / "scenario.yaml"
DEMO_DATA = REPO / "scenarios" / "demo" / "data"
# Published benchmark instances (OR-Library, Osman-Christofides, Lorena-Senne) with their optima: the
# folder ``shared/data`` beside the repository, never downloaded.
SHARED_DATA = REPO.parent / "shared" / "data"

# exact optimum (no relative gap) with a short time limit: every instance here is tiny
EXACT = SolverOptions(backend="scip", relative_gap=0.0, time_limit_s=30)

SERVICES = tuple(load_catalogue().service_ids)
AGE = {g: i for i, g in enumerate(AGE_GROUPS)}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared benchmark data folder; a test asking for it skips locally when it is missing and
    fails under ``SITING_REQUIRE_DATA=1`` (as in CI), naming the folder either way."""
    if not SHARED_DATA.is_dir():
        msg = f"published-optimum data not found at {SHARED_DATA} (the folder shared/data beside the repository)"
        if os.environ.get("SITING_REQUIRE_DATA"):
            pytest.fail(f"SITING_REQUIRE_DATA is set but {msg}")
        pytest.skip(f"{msg}; set SITING_REQUIRE_DATA=1 to make this a failure")
    return SHARED_DATA


def only_services(*keep: str) -> dict:
    """Catalogue override: every service not in ``keep`` gets zero uptake (no demand)."""
    cat = load_catalogue()
    unknown = set(keep) - set(cat.service_ids)
    assert not unknown, unknown
    return {"services": {sid: {"uptake_per_1000": {g: 0 for g in s.uptake_per_1000}}
                         for sid, s in cat.services.items() if sid not in keep}}


def residents(n: int = 1, **by_age) -> np.ndarray:
    """[n × 7] residents; keywords are age groups without the prefix, e.g. ``r0_2=100``,
    ``r60_79=[1000, 500]``."""
    out = np.zeros((n, len(AGE_GROUPS)))
    for key, val in by_age.items():
        out[:, AGE["age_" + key.removeprefix("r")]] = val
    return out


def settings(*services: str, hub: bool = False, bonus: float | None = 0.0, hub_overrides: dict | None = None,
             standard_overrides: dict | None = None, mode: str = "standards", budget: float | None = None,
             shared_hubs: bool = False, locked=(), forbidden=(), enforce=(), **kw) -> PlanningSettings:
    """Planning settings for a tiny test: demand only for ``services``; hub rule off by default;
    co-location bonus 0 by default (pass ``bonus=None`` for the preset's)."""
    std = {"hub": {"required": hub, **(hub_overrides or {})}}
    if standard_overrides:
        std.update(standard_overrides)
    return PlanningSettings(
        catalogue_overrides=only_services(*services),
        standard_overrides=std,
        budget_cny=budget,
        objective=ObjectiveSettings(mode=mode, colocation_bonus=bonus, enforce=tuple(enforce)),
        hubs=HubSettings(shared=shared_hubs),
        spaces=SpacePolicy(locked=tuple(locked), forbidden=tuple(forbidden)),
        **kw,
    )


def tiny(*, communities, spaces, res, st: PlanningSettings, households=0.0, **kw) -> Instance:
    """``Instance.from_arrays`` with positions given as lists of (x, y) metres."""
    return Instance.from_arrays(community_xy=np.asarray(communities, float), households=households,
                                residents=res, space_xy=np.asarray(spaces, float), settings=st, **kw)


def solve_checked(inst: Instance, options: SolverOptions = EXACT, status=SolveStatus.OPTIMAL, **kw) -> Outcome:
    """Solve, then require: the expected status, a plan the checker accepts, and each stage's
    objective equal to the checker's recomputation of it. ``kw`` go to ``solve_instance``."""
    out = solve_instance(inst, options, **kw)
    assert out.result.status is status, (out.result.status, out.result.message)
    assert out.plan is not None and out.evaluation is not None
    assert out.evaluation.violations == (), [str(v) for v in out.evaluation.violations]
    assert_objectives_recomputed(out)
    return out


def assert_objectives_recomputed(out: Outcome) -> None:
    ev = out.evaluation
    assert [s.name for s in out.result.stages] == list(out.plan.stages)
    for st in out.result.stages:
        assert st.objective is not None, st
        assert ev.objectives[st.name] == pytest.approx(st.objective, rel=1e-6, abs=1e-5), st.name


def hosted_services(out: Outcome, j: int) -> set[str]:
    inst = out.instance
    return {inst.service_ids[s] for s in np.flatnonzero(out.plan.hosted[j])}


def area(out: Outcome, j: int, service: str) -> float:
    return float(out.plan.service_area_m2[j, out.instance.service_ids.index(service)])


def served(out: Outcome, c: int, service: str) -> float:
    return float(out.evaluation.served_users[c, out.instance.service_ids.index(service)])


# ----------------------------------------------------------------- scenario files on disk

COMMUNITY_COLUMNS = ["community_id", "name", "x", "y", "households", "residents_0_2", "residents_3_5",
                     "residents_6_11", "residents_12_17", "residents_18_59", "residents_60_79",
                     "residents_80_plus", "kind", "community_type", "health_score"]


def tiny_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three communities and four spaces (EPSG:4549 metres) that solve in well under a second."""
    com = pd.DataFrame([
        ["T-C1", "Alpha", 500000.0, 3350000.0, 400, 30, 20, 40, 30, 300, 120, 20, "existing", "old_compound", 60],
        ["T-C2", "Beta", 500300.0, 3350000.0, 300, 20, 10, 30, 20, 200, 100, 10, "existing", "commercial", 80],
        ["T-C3", "Gamma", 500150.0, 3350250.0, 200, 10, 10, 20, 10, 150, 60, 5, "new", "new_community", 90],
    ], columns=COMMUNITY_COLUMNS)
    spa = pd.DataFrame([
        ["T-S1", "old school", 500100.0, 3350050.0, 900.0, "vacated", 100000, 0, 500, 20, 1, "", "candidate", 2024],
        ["T-S2", "idle office", 500250.0, 3350080.0, 700.0, "idle_social", 0, 20000, 400, 20, 2, "", "candidate", 2024],
        ["T-S3", "basement", 500150.0, 3350150.0, 400.0, "state_transfer", 50000, 0, 300, 10, -1, "", "candidate", 2024],
        ["T-S4", "corner shop", 500180.0, 3349950.0, 300.0, "vacated", 20000, 0, 600, 20, 1, "play_space", "candidate",
         2024],
    ], columns=["space_id", "name", "x", "y", "area_m2", "source", "acquisition_cny", "rent_cny_per_year",
                "retrofit_cny_per_m2", "operating_cny_per_m2_year", "floor", "excluded_services", "status",
                "available_year"])
    return com, spa


TINY_SCENARIO = """\
name: tiny-test
description: three communities for the CLI tests
standard: hangzhou_2024
budget_cny: null
horizon_years: 10
objective: {mode: standards}
# time_limit_s is only the safety net (deterministic mode ends each solve by its node limit): far above
# the ~1-20 s the solves take, so two runs compared by a test never differ because one reached it
solver: {backend: scip, time_limit_s: 300, relative_gap: 0.0, threads: 1}
data:
  communities: data/communities.csv
  spaces: data/spaces.csv
  crs: EPSG:4549
overrides:
  cheap:
    budget_cny: 500000
    objective: {mode: demand}
  long:
    horizon_years: 20
    budget_cny: 900000
  national:
    standard: national_2024
"""


def write_tiny_scenario(folder: Path, com: pd.DataFrame | None = None, spa: pd.DataFrame | None = None,
                        text: str = TINY_SCENARIO) -> Path:
    """Write the tiny scenario (YAML + CSVs) into ``folder``; returns the YAML path."""
    c0, s0 = tiny_tables()
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (c0 if com is None else com).to_csv(data / "communities.csv", index=False)
    (s0 if spa is None else spa).to_csv(data / "spaces.csv", index=False)
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tiny_scenario(tmp_path: Path) -> Path:
    return write_tiny_scenario(tmp_path / "scn")


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A copy of scenarios/demo (so tests can corrupt its CSVs); returns the scenario path."""
    dst = tmp_path / "demo"
    shutil.copytree(DEMO_SCENARIO.parent, dst)
    return dst / "scenario.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` with its bytes (to prove nothing was written)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("SITING_REQUIRE_BROWSER"):
            pytest.fail("SITING_REQUIRE_BROWSER is set but chromium is not installed")
        pytest.skip("chromium not installed (apt-get install chromium); set SITING_REQUIRE_BROWSER to require it")
    return CHROMIUM


def pytest_terminal_summary(terminalreporter) -> None:
    """After a run that included the fuzz suite: how many cases it tried and how they ended."""
    import sys

    fuzz = sys.modules.get("fuzzing")
    if fuzz is not None and fuzz.TALLY.cases:
        t = fuzz.TALLY
        terminalreporter.write_line(f"fuzz: {t.cases:,} cases tried ({t.valid:,} valid, {t.errors:,} SitingError: "
                                    f"{dict(sorted(t.by_error.items()))})")


# ----------------------------------------------------------------- a Dask cluster on loopback

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def loopback_cluster(tmp_path: Path, n_workers: int = 2) -> Iterator[tuple[str, object]]:
    """A Dask scheduler and ``n_workers`` one-thread worker processes on loopback (the `dask`
    command beside this Python); yields its address and a connected client, stops them all."""
    from siting.errors import SitingError
    from siting.solve.cluster import dask_client

    dask = shutil.which("dask", path=str(Path(sys.executable).parent))
    assert dask, "the dask command (distributed) is not installed beside this Python"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = [open(tmp_path / name, "w") for name in ("scheduler.log", "worker.log")]  # noqa: SIM115
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", ":0", "--no-show"], stdout=logs[0], stderr=logs[0])]
    client = None
    try:
        time.sleep(1.0)
        procs.append(subprocess.Popen([dask, "worker", address, "--nworkers", str(n_workers), "--nthreads", "1",
                                       "--no-dashboard", "--local-directory", str(tmp_path / "dw")],
                                      stdout=logs[1], stderr=logs[1]))
        for _ in range(30):  # the scheduler may take a few seconds to listen
            try:
                client = dask_client(address, timeout_s=2)
                break
            except SitingError:
                time.sleep(0.5)
        assert client is not None, (tmp_path / "scheduler.log").read_text()
        client.wait_for_workers(n_workers, timeout=60)
        yield address, client
    finally:
        if client is not None:
            client.close()
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()

