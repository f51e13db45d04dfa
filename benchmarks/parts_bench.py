"""Per-part diagnosis of the decomposed demo district: each independent part solved alone.

Prints one row per part (communities, spaces, walking pairs, seconds and gap per stage, the
engine that settled each stage) and writes JSON lines (benchmarks/results/parts_bench.jsonl).
It shows where a decomposed solve spends its time and which backend suits which stage.

    python benchmarks/parts_bench.py --backend auto --time-limit-s 30
    python benchmarks/parts_bench.py --backend scip --time-limit-s 60 --parts 0,1,2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from siting.core.options import SolverOptions
from siting.demo import demo_instance, demo_scenario
from siting.solve.decompose import split
from siting.solve.schedule import _solve_one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--time-limit-s", type=float, default=30.0, help="per part")
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--city", action="store_true")
    ap.add_argument("--mode", default="standards", choices=["standards", "demand"])
    ap.add_argument("--parts", default="", help="comma-separated part numbers (largest is 0); default all")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "parts_bench.jsonl")
    args = ap.parse_args()
    sc = demo_scenario()
    sc = sc.model_copy(update={"objective": sc.objective.model_copy(update={"mode": args.mode})})
    inst = demo_instance(seed=args.seed, city=args.city, scenario=sc)
    parts = split(inst)
    chosen = [int(k) for k in args.parts.split(",")] if args.parts else range(len(parts))
    opts = SolverOptions(backend=args.backend, time_limit_s=args.time_limit_s, relative_gap=args.gap, threads=1)
    print(f"{inst.name} ({args.mode}): {len(parts)} parts, backend {args.backend}, {args.time_limit_s:g} s per part, one thread")
    print(f"{'part':>4} {'C':>4} {'J':>4} {'pairs':>6} {'total s':>8}  stages (engine: seconds, gap)")
    rows, total_s, inc, bnd = [], 0.0, 0.0, 0.0
    for k in chosen:
        p = parts[k].instance
        t0 = time.perf_counter()
        result = _solve_one(p, opts, None).result
        secs = time.perf_counter() - t0
        total_s += secs
        stages = [{"name": s.name, "status": s.status.value, "solver": s.solver, "seconds": round(s.seconds, 2),
                   "objective": s.objective, "bound": s.bound, "gap": s.gap} for s in result.stages]
        last = result.stages[-1] if result.stages else None
        if last is not None and last.objective is not None and last.bound is not None:
            inc, bnd = inc + last.objective, bnd + last.bound
        text = "; ".join(f"{s['name']} {s['solver']}: {s['seconds']:.1f} s, "
                         + ("—" if s["gap"] is None else f"{100 * s['gap']:.3f}%") for s in stages)
        print(f"{k:>4} {p.n_communities:>4} {p.n_spaces:>4} {p.reach.n_pairs:>6} {secs:>8.1f}  {text}")
        rows.append({"part": k, "communities": p.n_communities, "spaces": p.n_spaces, "reach_pairs": p.reach.n_pairs,
                     "seconds": round(secs, 2), "status": result.status.value, "stages": stages})
    merged = (inc - bnd) / inc if inc else None
    print(f"sum of part seconds {total_s:.1f} s; last stage summed: objective {inc:,.6g}, bound {bnd:,.6g}, gap "
          + ("—" if merged is None else f"{100 * merged:.3f}%"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as fh:
        fh.write(json.dumps({"instance": inst.name, "mode": args.mode, "backend": args.backend, "time_limit_s": args.time_limit_s,
                             "relative_gap_target": args.gap, "parts": rows, "sum_seconds": round(total_s, 2),
                             "last_stage_gap": merged}) + "\n")
    print(f"JSON lines appended to {args.out}")


if __name__ == "__main__":
    main()
