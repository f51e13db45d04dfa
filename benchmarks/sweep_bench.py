"""A budget sweep of the demo district, one by one against in parallel (siting.whatif).

For each mode: wall seconds for all variants, and per variant its budget, status, gap, cost, weighted
coverage and worker seconds; the speed-up; and whether every variant's plan is the same in both
modes (it should be in deterministic mode). Writes JSON lines to
``benchmarks/results/sweep_bench-<time>.jsonl``.

    python benchmarks/sweep_bench.py                                  # 16 budgets, tight_budget (slow)
    python benchmarks/sweep_bench.py --count 4 --set solver.work_limit=2 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from siting.whatif.engine import solve_variants
from siting.whatif.sweep import variant_table
from siting.whatif.variants import parse_vary, prepare_variants

ROOT = Path(__file__).resolve().parents[1]


def _plans(runs) -> list:
    return [None if r.solved is None else (r.solved.outcome.plan.taken.tolist(),
                                           r.solved.outcome.plan.service_area_m2.round(6).tolist()) for r in runs]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "demo" / "scenario.yaml"))
    ap.add_argument("--override", "-o", action="append", default=None,
                    help="overrides applied to every variant (default: tight_budget)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="KEY=VALUE for every variant")
    ap.add_argument("--start", type=float, default=6e8)
    ap.add_argument("--stop", type=float, default=1.6e9)
    ap.add_argument("--count", type=int, default=16)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--modes", default="serial,parallel")
    args = ap.parse_args()
    spec = parse_vary(f"budget_cny={args.start}:{args.stop}:{args.count}")
    prepared = prepare_variants(args.scenario, spec, overrides=args.override or ["tight_budget"],
                                assignments=args.sets)
    out = ROOT / "benchmarks" / "results" / f"sweep_bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for mode in args.modes.split(","):
        t0 = time.perf_counter()
        runs = solve_variants(prepared, workers=1 if mode == "serial" else args.workers)
        wall = time.perf_counter() - t0
        table = variant_table(runs)
        row = {"mode": mode, "workers": 1 if mode == "serial" else args.workers, "variants": len(prepared),
               "wall_s": round(wall, 1), "sets": args.sets, "load_1min": os.getloadavg()[0],
               "rows": json.loads(table[["variant", "status", "gap", "cost_cny", "weighted_coverage",
                                         "solve_s", "reason"]].to_json(orient="records"))}
        results[mode] = {"row": row, "plans": _plans(runs)}
        print(json.dumps(row), flush=True)
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    if "serial" in results and "parallel" in results:
        s, p = results["serial"]["row"]["wall_s"], results["parallel"]["row"]["wall_s"]
        same = results["serial"]["plans"] == results["parallel"]["plans"]
        line = {"speedup": round(s / p, 2) if p else None, "same_plans": same}
        print(json.dumps(line))
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
