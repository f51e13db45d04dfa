"""Fuzz suite (issue 12): mutated inputs end valid or in a SitingError naming the file.

Two generators feed one oracle (:func:`fuzzing.run_case`):

* **seeded mutations** (:func:`fuzzing.mutate_case`) of every input: the communities, spaces,
  adjacency and OD CSVs (cells, columns, rows, bytes, encodings), GeoJSON / GeoPackage /
  Shapefile layers and sidecars, the street network, the scenario YAML (keys set to wrong
  shapes, huge/NaN numbers, deep nesting, special paths such as FIFOs, folders, devices,
  symlink loops and overlong names; text damage, tags, aliases), ``--set`` and ``-o``;
  each case is read the way ``siting validate`` reads it, and a sample of the valid ones is
  solved;
* **hypothesis** strategies for ``--set`` texts, table cells, whole YAML documents and the
  adjacency / OD readers.

Default run: :data:`DEFAULT_CASES` = 2,000 cases (``pytest tests/test_fuzz.py``, about a minute);
``-m slow`` adds the long run (:data:`SLOW_CASES` more). The number of cases tried is printed
at the end of the session and asserted.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
from fuzzing import (
    EVIL_CELLS,
    SCENARIO_PATHS,
    Tally,
    mutate_case,
    new_case,
    run_case,
    validate_like_cli,
    write_base,
)
from siting.core.catalogue import load_catalogue
from siting.core.options import SolverOptions
from siting.errors import SitingError
from siting.io.readers import read_adjacency, read_communities, read_spaces
from siting.io.scenario import load_scenario
from siting.travel.od import reach_from_od_table

SEEDED_CHUNKS = 8
SEEDED_PER_CHUNK = 100  # 800 seeded cases by default (~45 ms each: the full validate path)
HYPOTHESIS_EXAMPLES = 220  # cases per hypothesis test (5 tests): 1,100 cases (~20 ms each)
DEFAULT_CASES = SEEDED_CHUNKS * SEEDED_PER_CHUNK + 5 * HYPOTHESIS_EXAMPLES + 100
SLOW_SEEDED = 18_000
SLOW_HYPOTHESIS = 400
SLOW_CASES = SLOW_SEEDED + 5 * SLOW_HYPOTHESIS
CLI_CASES = 100  # seeded cases through the CLI (siting validate)
SOLVE_EVERY = 15  # solve one valid seeded case in this many

TALLY = fuzzing.TALLY  # printed at the end of the session (conftest.pytest_terminal_summary)
SERVICE_IDS = load_catalogue().service_ids


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return write_base(tmp_path_factory.mktemp("fuzz_base"))


def _solve_sample(inst) -> None:
    """A valid case must also solve: a plan, or a SitingError (never another exception)."""
    from siting.solve import solve_instance

    out = solve_instance(inst, SolverOptions(backend="scip", time_limit_s=5, threads=1, relative_gap=0.0))
    assert out.result.status.has_solution, (out.result.status, out.result.message)
    assert out.evaluation is not None and out.evaluation.feasible, [str(v) for v in out.evaluation.violations]


def _digest(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _seeded(base: Path, work: Path, seeds: range) -> Tally:
    local = Tally()
    before_base = _digest(base)
    for seed in seeds:
        rng = random.Random(seed)
        case = new_case(base, work / "case")
        call = mutate_case(rng, case)

        def describe(case=case, seed=seed) -> str:
            return f"seed {seed}: {case.describe()}"

        before = local.valid
        inst = run_case(call, case.names(), describe, local)
        if local.valid > before and local.valid % SOLVE_EVERY == 1:
            run_case(lambda inst=inst: _solve_sample(inst), case.names(), describe, Tally())
        assert not (work / "case" / "pwned.txt").exists() and not Path("pwned.txt").exists(), describe()
    assert _digest(base) == before_base  # cases copy on write: the base files never change
    for k, v in local.by_error.items():
        TALLY.by_error[k] = TALLY.by_error.get(k, 0) + v
    TALLY.valid += local.valid
    TALLY.errors += local.errors
    return local


@pytest.mark.parametrize("chunk", range(SEEDED_CHUNKS))
def test_seeded_mutations(base, tmp_path, chunk):
    t = _seeded(base, tmp_path, range(chunk * SEEDED_PER_CHUNK, (chunk + 1) * SEEDED_PER_CHUNK))
    assert t.cases == SEEDED_PER_CHUNK
    assert t.errors > 0  # the mutations do break things


@pytest.mark.slow
@pytest.mark.parametrize("chunk", range(10))
def test_seeded_mutations_long_run(base, tmp_path, chunk):
    per = SLOW_SEEDED // 10
    start = 1_000_000 + chunk * per
    assert _seeded(base, tmp_path, range(start, start + per)).cases == per


# -------------------------------------------------------------------------------- hypothesis

def _hyp(n: int):
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much, HealthCheck.data_too_large])


yaml_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**80), max_value=2**80)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
                | st.sampled_from(EVIL_CELLS))
yaml_values = st.recursive(yaml_scalars, lambda kids: st.lists(kids, max_size=4)
                           | st.dictionaries(st.text(max_size=12) | st.sampled_from(SCENARIO_PATHS), kids,
                                             max_size=4), max_leaves=20)
set_texts = st.tuples(st.sampled_from(SCENARIO_PATHS) | st.text(max_size=40),
                      st.text(max_size=60) | yaml_values.map(
                          lambda v: yaml.safe_dump(v, default_flow_style=True, width=10**6).strip()))


def _check(base: Path, call, names: list[str], what: str) -> None:
    run_case(call, names, lambda: what, TALLY)


def _set_case(base: Path, texts: list[tuple[str, str]]) -> None:
    scenario = base / "scenario.yaml"
    assignments = [f"{k}={v}" for k, v in texts]

    def call():
        sc = load_scenario(scenario, assignments=assignments)
        from siting.io.load import load_instance

        return load_instance(sc)

    _check(base, call, [str(scenario), "scenario.yaml", *[v[-100:] for _, v in texts if v]],
           f"--set {assignments}")


def _hypothesis_set(base: Path, n: int) -> None:
    @_hyp(n)
    @given(st.lists(set_texts, min_size=1, max_size=3))
    def inner(texts):
        _set_case(base, texts)

    inner()


def _hypothesis_yaml(base: Path, work: Path, n: int) -> None:
    path = work / "scenario.yaml"
    base_doc = yaml.safe_load((base / "scenario.yaml").read_text())
    data = {k: str(base / "data" / Path(v).name) for k, v in base_doc["data"].items() if k != "crs"}

    @_hyp(n)
    @given(st.dictionaries(st.sampled_from(SCENARIO_PATHS) | st.text(max_size=10), yaml_values, max_size=5),
           st.booleans())
    def inner(doc, keep_data):
        full = dict(doc)
        if keep_data:
            full = {**base_doc, **doc}
            if not isinstance(full.get("data"), dict):
                full["data"] = {**base_doc["data"], **data}
        path.write_text(yaml.safe_dump(full, allow_unicode=True), encoding="utf-8")
        case_names = [str(path), path.name, *[Path(v).name for v in data.values()]]

        def call():
            from siting.io.load import load_instance

            return load_instance(load_scenario(path))

        _check(base, call, case_names, f"yaml {full!r:.500}")

    inner()


cells = (st.text(max_size=20) | st.sampled_from(EVIL_CELLS)
         | st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers().map(str))


def _hypothesis_cells(base: Path, work: Path, n: int, table: str) -> None:
    src = pd.read_csv(base / "data" / table, dtype=str, keep_default_na=False)
    path = work / table

    @_hyp(n)
    @given(st.lists(st.tuples(st.integers(0, len(src) - 1), st.sampled_from(list(src.columns)), cells),
                    min_size=1, max_size=4))
    def inner(edits):
        df = src.copy()
        for r, c, v in edits:
            df.loc[r, c] = v
        df.to_csv(path, index=False)
        if table == "communities.csv":
            def call():
                return read_communities(path, SERVICE_IDS, "EPSG:4549")
        else:
            def call():
                return read_spaces(path, SERVICE_IDS, "EPSG:4549", "EPSG:4549")
        _check(base, call, [str(path)], f"{table} edits {edits!r}")

    inner()


def _hypothesis_pairs(base: Path, work: Path, n: int) -> None:
    ids = ["T-C1", "T-C2", "T-C3"]
    sids = ["T-S1", "T-S2", "T-S3", "T-S4"]
    adj, od = work / "adjacency.csv", work / "od.csv"

    @_hyp(n)
    @given(st.lists(st.tuples(st.sampled_from(ids) | cells, st.sampled_from(sids + ids) | cells, cells),
                    max_size=6), st.booleans())
    def inner(rows, header_ok):
        head = "community_id,neighbour_id" if header_ok else "community_id,neighbor_id"
        adj.write_text(head + "\n" + "".join(f"{a},{b}\n" for a, b, _ in rows), encoding="utf-8")
        od.write_text("community_id,space_id,minutes\n" + "".join(f"{a},{b},{m}\n" for a, b, m in rows),
                      encoding="utf-8")
        _check(base, lambda: read_adjacency(adj, pd.Index(ids)), [str(adj)], f"adjacency rows {rows!r}")
        _check(base, lambda: reach_from_od_table(od, ids, sids, 15.0), [str(od)], f"od rows {rows!r}")

    inner()


@pytest.mark.parametrize("slow", [pytest.param(False), pytest.param(True, marks=pytest.mark.slow)],
                         ids=["default", "long"])
@pytest.mark.parametrize("kind", ["set", "yaml", "communities", "spaces", "pairs"])
def test_hypothesis(base, tmp_path, kind, slow):
    n = SLOW_HYPOTHESIS if slow else HYPOTHESIS_EXAMPLES
    if kind == "pairs":
        n //= 2  # two readers per example
    before = TALLY.cases
    if kind == "set":
        _hypothesis_set(base, n)
    elif kind == "yaml":
        _hypothesis_yaml(base, tmp_path, n)
    elif kind == "pairs":
        _hypothesis_pairs(base, tmp_path, n)
    else:
        _hypothesis_cells(base, tmp_path, n, f"{kind}.csv")
    assert TALLY.cases - before >= n


def test_the_base_case_is_valid_and_solves(base, tmp_path):
    """The oracle's starting point is a valid, solvable scenario with every optional file wired in."""
    case = new_case(base, tmp_path / "case")
    for extra in ([], ["data.adjacency=data/adjacency.csv", "data.travel_times=data/od.csv"],
                  ["data.network=data/streets.gpkg", "data.network_speed_column=speed"],
                  ["data.network=data/streets.geojson", "data.communities=data/communities.geojson"],
                  ["data.network=data/streets.shp", "data.network_walkable_column=walkable"],
                  ["data.communities=data/communities.gpkg"]):
        case.assignments = extra
        inst = validate_like_cli(case)
        assert inst.n_communities == 3 and inst.n_spaces == 4 and inst.reach.n_pairs > 0, extra
    _solve_sample(inst)
    # a Shapefile cuts field names to 10 characters: the spaces layer is refused, naming the column
    case.assignments = ["data.spaces=data/spaces.shp"]
    with pytest.raises(SitingError, match="spaces.shp.*cut to 10 characters"):
        validate_like_cli(case)


def test_cli_validate_on_mutated_inputs(base, tmp_path):
    """Through ``siting validate``: exit 0 (valid) or 2 (a one-line error), never a traceback or 1."""
    from typer.testing import CliRunner

    from siting.cli import app

    runner = CliRunner()
    for seed in range(500_000, 500_000 + CLI_CASES):
        case = new_case(base, tmp_path / "case")
        mutate_case(random.Random(seed), case)
        args = ["validate", str(case.scenario)] + [a for o in case.overrides for a in ("-o", o)]
        args += [a for text in case.assignments for a in ("--set", text)]
        with fuzzing.time_limit(fuzzing.CASE_TIMEOUT_S):
            res = runner.invoke(app, args)
        assert res.exit_code in (0, 2), f"seed {seed}: exit {res.exit_code}\n{res.output}\n{case.describe()}"
        assert "Traceback" not in res.output and "internal error" not in res.output, (seed, res.output)
        if res.exit_code == 2:
            assert "error:" in res.output
        TALLY.valid += res.exit_code == 0
        TALLY.errors += res.exit_code == 2
