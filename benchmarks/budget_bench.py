"""Budgeted district: coordinated parts against the whole program, side by side in one run.

The demo scenario's ``tight_budget`` override (demand mode, 1e9 CNY) and the same with other
budgets. For each budget the instance is solved twice with the same time limit, once with
``solver.coordinate: always`` (prices on the budget row and a master over part plans,
:mod:`siting.solve.coordinate`) and once with ``never`` (the whole program, as before). Prints
one row per stage and writes JSON lines to ``benchmarks/results/budget_bench-<time>.jsonl``.

    python benchmarks/budget_bench.py                          # 1.0e9, 0.6e9, 0.8e9, 1.2e9, 1.5e9 at 60 s
    python benchmarks/budget_bench.py --budgets 1e9 --time-limit-s 90 --methods coordinated
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from siting.io.load import load_instance
from siting.io.scenario import load_scenario
from siting.solve import solve_instance

ROOT = Path(__file__).resolve().parents[1]
METHODS = {"coordinated": "always", "whole": "never"}


def run(budget: float, method: str, time_limit_s: float, threads: int) -> dict:
    scenario = load_scenario(ROOT / "scenarios" / "demo" / "scenario.yaml", overrides=["tight_budget"],
                             assignments=[f"budget_cny={budget}"])
    inst = load_instance(scenario)
    # the targets are seconds on this machine: wall-clock mode (docs/determinism.md)
    opts = scenario.solver.model_copy(update={"time_limit_s": time_limit_s, "threads": threads, "deterministic": False,
                                              "coordinate": METHODS[method]})
    t0 = time.perf_counter()
    out = solve_instance(inst, opts)
    seconds = time.perf_counter() - t0
    ev = out.evaluation
    return {
        "budget_cny": budget, "method": method, "time_limit_s": time_limit_s, "threads": threads,
        "communities": inst.n_communities, "spaces": inst.n_spaces, "parts": out.parts,
        "seconds": round(seconds, 1), "status": out.result.status.value,
        "stages": [{"name": s.name, "status": s.status.value, "objective": s.objective, "bound": s.bound,
                    "gap": s.gap, "bound_source": s.bound_source, "engine": s.solver} for s in out.result.stages],
        "checker_feasible": None if ev is None else ev.feasible,
        "cost_cny": None if ev is None else ev.cost_cny,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budgets", default="1e9,6e8,8e8,1.2e9,1.5e9", help="comma-separated budgets in CNY")
    ap.add_argument("--methods", default="coordinated,whole")
    ap.add_argument("--time-limit-s", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"budget_bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    print(f"→ {path}")
    print(f"{'budget CNY':>11} {'method':12} {'stage':16} {'objective':>16} {'bound':>16} {'gap':>8} {'s':>6}  bound from")
    for budget in (float(b) for b in args.budgets.split(",")):
        for method in args.methods.split(","):
            row = run(budget, method, args.time_limit_s, args.threads)
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")
            for s in row["stages"]:
                gap = "—" if s["gap"] is None else f"{100 * s['gap']:.2f}%"
                obj = "—" if s["objective"] is None else f"{s['objective']:,.1f}"
                bnd = "—" if s["bound"] is None else f"{s['bound']:,.1f}"
                src = (s["bound_source"] or "no bound").split(" at prices")[0]
                print(f"{budget:11.3g} {method:12} {s['name']:16} {obj:>16} {bnd:>16} {gap:>8} {row['seconds']:6.1f}  {src}",
                      flush=True)
            print(f"{'':11} {method:12} checker {'ok' if row['checker_feasible'] else 'VIOLATIONS'}, "
                  f"status {row['status']}, peak RSS {row['peak_rss_mb']:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
