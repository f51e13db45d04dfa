"""A budget sweep of the demo district, one by one against in parallel (siting.whatif).

Each mode runs the sweep as ``siting sweep`` does (:func:`siting.whatif.sweep.run_sweep`, without
writing plan folders): the first wave solves every variant, then the second wave solves again,
from a smaller budget's plan, every variant whose plan is lexicographically worse than that one
(:func:`~siting.whatif.sweep.warm_started`). For each mode: wall seconds of each wave and in all,
and per variant its budget, status, gap, cost, weighted coverage, worker seconds (both solves' for
a variant that kept its second one) and the variant it was warm-started from; the speed-up; and
whether every variant's plan is the same in both modes (it should be in deterministic mode).
Writes JSON lines to ``benchmarks/results/sweep_bench-<time>.jsonl``.

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
from siting.whatif.sweep import variant_table, warm_start_sources, warm_started
from siting.whatif.variants import parse_vary, prepare_variants

ROOT = Path(__file__).resolve().parents[1]
ROW_COLUMNS = ("variant", "status", "gap", "cost_cny", "weighted_coverage", "weighted_coverage_bound", "solve_s",
               "warm_start", "reason")


def _plans(runs) -> list:
    return [None if r.solved is None else (r.solved.outcome.plan.taken.tolist(),
                                           r.solved.outcome.plan.service_area_m2.round(6).tolist()) for r in runs]


def _print_mode(row: dict) -> None:
    """The mode's line and its variants as a table ("cov. bound": the weighted-served stage's bound as
    coverage, the top of the curve's error bar; "gap": the last stage's, as in variants.csv)."""
    print(f"{row['mode']} ({row['workers']} workers, load {row['load_1min']:.1f}): {row['wall_s']} s in all, "
          f"first wave {row['first_wave_s']} s, second wave {row['second_wave_s']} s "
          f"({row['second_wave_variants']} variants solved again, {row['second_wave_kept']} kept)")
    print(f"  {'variant':<22} {'status':<9} {'weighted cov':>12} {'cov. bound':>10} {'cost M CNY':>11} {'gap':>7} "
          f"{'solve s':>8}  warm start")
    pct = lambda v: "—" if v is None else f"{100 * v:.2f}%"  # noqa: E731
    for r in row["rows"]:
        cost = "—" if r["cost_cny"] is None else f"{r['cost_cny'] / 1e6:,.1f}"
        secs = "—" if r["solve_s"] is None else f"{r['solve_s']:.1f}"
        print(f"  {r['variant']:<22} {r['status'] or r['reason'] or '':<9} {pct(r['weighted_coverage']):>12} "
              f"{pct(r['weighted_coverage_bound']):>10} {cost:>11} {pct(r['gap']):>7} {secs:>8}  "
              f"{r['warm_start'] or ''}", flush=True)


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
        workers = 1 if mode == "serial" else args.workers
        runs = solve_variants(prepared, workers=workers)
        first_s = time.perf_counter() - t0
        # the second wave, as run_sweep does it for a budget sweep
        redo = warm_start_sources(runs)
        runs = warm_started(prepared, runs, workers=workers)
        wall = time.perf_counter() - t0
        kept = sum(bool(r.warm_start) for r in runs)
        table = variant_table(runs)
        row = {"mode": mode, "workers": workers, "variants": len(prepared),
               "first_wave_s": round(first_s, 1), "second_wave_s": round(wall - first_s, 1),
               "second_wave_variants": len(redo), "second_wave_kept": kept,
               "wall_s": round(wall, 1), "sets": args.sets, "load_1min": os.getloadavg()[0],
               "rows": json.loads(table[list(ROW_COLUMNS)].to_json(orient="records"))}
        results[mode] = {"row": row, "plans": _plans(runs)}
        _print_mode(row)
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")
    if "serial" in results and "parallel" in results:
        s, p = results["serial"]["row"]["wall_s"], results["parallel"]["row"]["wall_s"]
        same = results["serial"]["plans"] == results["parallel"]["plans"]
        line = {"speedup": round(s / p, 2) if p else None, "same_plans": same}
        print(f"speed-up {line['speedup']}x (serial {s} s / parallel {p} s); same plans in both modes: {same}")
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
