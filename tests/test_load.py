"""Load (issue 12): 50 small scenarios solved in parallel by the sweep engine all finish with the
same results as one by one, and a variant made to fail stops none of the others."""

from __future__ import annotations

import time

from siting.whatif.engine import solve_variants
from siting.whatif.variants import parse_vary, prepare_variants

N = 50
FAIL_AT = 23  # the variant made to fail (a memory limit no solve fits in: MemoryLimitError in the worker)


def _fingerprint(run) -> tuple:
    out = run.solved.outcome
    return (out.result.status.value, tuple(s.objective for s in out.result.stages),
            tuple(s.bound for s in out.result.stages), out.plan.taken.tolist(),
            out.plan.service_area_m2.round(9).tolist(), run.solved.figures.summary["cost_cny"])


def test_fifty_scenarios_in_parallel_equal_serial_and_one_failure_stops_none(tiny_scenario):
    # the tiny scenario (3 communities) over horizons of 1 to 49 years (each a different cost), work limit 3
    good = prepare_variants(tiny_scenario, parse_vary(f"horizon_years=1:{N - 1}:{N - 1}"),
                            assignments=["solver.work_limit=3"])
    bad = prepare_variants(tiny_scenario, parse_vary("solver.max_memory_gb=0.000001:0.000002:2"),
                           assignments=["solver.work_limit=3"])[0]
    prepared = good[:FAIL_AT] + [bad] + good[FAIL_AT:]
    assert len(prepared) == N

    t0 = time.perf_counter()
    parallel = solve_variants(prepared, workers=2)
    parallel_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    serial = solve_variants(prepared, workers=1)
    serial_s = time.perf_counter() - t1

    assert len(parallel) == len(serial) == N
    for runs in (parallel, serial):
        assert runs[FAIL_AT].solved is None and "max-memory-gb" in runs[FAIL_AT].error
        others = [r for i, r in enumerate(runs) if i != FAIL_AT]
        assert all(r.error is None and r.solved.outcome.plan is not None for r in others), \
            [r.error for r in others if r.error]
        assert all(r.solved.outcome.evaluation.feasible for r in others)
    assert [_fingerprint(r) for i, r in enumerate(parallel) if i != FAIL_AT] == \
        [_fingerprint(r) for i, r in enumerate(serial) if i != FAIL_AT]
    # the variants differ (the horizon moves the cost), so equality is not trivial
    assert len({_fingerprint(r)[1] for i, r in enumerate(serial) if i != FAIL_AT}) > 10
    print(f"50 variants: parallel (2 workers) {parallel_s:.1f} s, serial {serial_s:.1f} s")
