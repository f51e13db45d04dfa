"""Deterministic (work-limited) against wall-clock solves of the demo district, side by side.

For each run: wall seconds, status, each stage's objective, bound, gap and nodes, whether the
wall clock stopped anything, and (``--parts``) every part's stages with engine, nodes and
seconds. Writes JSON lines to ``benchmarks/results/determinism_bench-<time>.jsonl``.

    python benchmarks/determinism_bench.py                               # det (work 20) and 60 s
    python benchmarks/determinism_bench.py --work-limits 3,20 --safety-s 900 --parts
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from siting.io.load import load_instance
from siting.io.scenario import load_scenario
from siting.solve import schedule, solve_instance
from siting.solve.decompose import split

ROOT = Path(__file__).resolve().parents[1]


def run(deterministic: bool, work_limit: int | None, time_limit_s: float, parts: bool, sets: list[str]) -> dict:
    scenario = load_scenario(ROOT / "scenarios" / "demo" / "scenario.yaml", assignments=sets)
    inst = load_instance(scenario)
    opts = scenario.solver.model_copy(update={"deterministic": deterministic, "work_limit": work_limit,
                                              "time_limit_s": time_limit_s})
    t0 = time.perf_counter()
    out = solve_instance(inst, opts)
    row = {
        "deterministic": deterministic, "work_limit": opts.node_limit(), "time_limit_s": time_limit_s,
        "seconds": round(time.perf_counter() - t0, 1), "status": out.result.status.value,
        "nodes": out.result.nodes, "time_limit_hit": out.result.time_limit_hit,
        "load_1min": os.getloadavg()[0],
        "stages": [{"name": s.name, "objective": s.objective, "bound": s.bound, "gap": s.gap, "nodes": s.nodes}
                   for s in out.result.stages],
        "cost_cny": None if out.evaluation is None else out.evaluation.cost_cny,
    }
    if parts:
        t1 = time.perf_counter()
        sols = schedule._solve_parts(split(inst), opts, None, t1)
        row["parts"] = [{"integers": s.model_size["integer_variables"],
                         "stages": [{"name": st.name, "engine": st.solver, "nodes": st.nodes,
                                     "seconds": round(st.seconds, 2), "gap": st.gap} for st in s.result.stages]}
                        for s in sols]
    return row


def _pct(gap: float | None) -> str:
    return "—" if gap is None else f"{100 * gap:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work-limits", default="20", help="comma-separated node limits per stage solve")
    ap.add_argument("--safety-s", type=float, default=900.0, help="wall-clock safety net of the deterministic runs")
    ap.add_argument("--time-limit-s", type=float, default=60.0, help="limit of the wall-clock run")
    ap.add_argument("--parts", action="store_true", help="also list every part's stages (solves once more)")
    ap.add_argument("--set", action="append", default=[], help="scenario key=value (repeatable)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"determinism_bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    print(f"→ {path}")
    runs = [(True, int(w), args.safety_s) for w in args.work_limits.split(",")] + [(False, None, args.time_limit_s)]
    print(f"{'mode':18} {'s':>7} {'status':9} {'nodes':>6} {'clock hit':>9} {'load':>5}  stages (gap %, nodes)")
    for det, work, limit in runs:
        row = run(det, work, limit, args.parts, args.set)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        mode = f"work {work}" if det else f"clock {limit:g} s"
        st = ", ".join(f"{s['name']} {_pct(s['gap'])} ({s['nodes']})" for s in row["stages"])
        print(f"{mode:18} {row['seconds']:7.1f} {row['status']:9} {row['nodes']:6d} {str(row['time_limit_hit']):>9} "
              f"{row['load_1min']:5.1f}  {st}", flush=True)
        for k, p in enumerate(row.get("parts", [])):
            cells = "; ".join(f"{s['name']} {s['engine']} {s['nodes']} nodes {s['seconds']} s" for s in p["stages"])
            print(f"    part {k:2d} ({p['integers']} integers): {cells}")


if __name__ == "__main__":
    main()
