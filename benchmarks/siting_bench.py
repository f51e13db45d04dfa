"""Benchmark the siting model on the synthetic district and the city-scale data.

Prints a table and writes JSON lines (benchmarks/results/siting_bench.jsonl) with, per run:
instance size, build seconds, solve seconds, status, objective per stage, bound, gap,
peak memory (RSS high-water mark of the process and tracemalloc peak of Python objects).

    python benchmarks/siting_bench.py                     # district, 60 s, 2 threads
    python benchmarks/siting_bench.py --city --time-limit-s 600
    python benchmarks/siting_bench.py --mode demand --budget-cny 1e9
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import tracemalloc
from pathlib import Path

from siting.api import solve_instance
from siting.core.options import SolverOptions
from siting.demo import demo_instance, demo_scenario
from siting.model import build_model


def run(args: argparse.Namespace, city: bool) -> dict:
    sc = demo_scenario()
    upd = {"budget_cny": args.budget_cny, "objective": sc.objective.model_copy(update={"mode": args.mode})}
    sc = sc.model_copy(update=upd)
    t0 = time.perf_counter()
    tracemalloc.start()
    inst = demo_instance(seed=args.seed, city=city, scenario=sc)
    data_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    model = build_model(inst)  # the monolithic program, for its size and build time
    build_s = time.perf_counter() - t1
    # the targets are seconds on this machine: wall-clock mode (docs/determinism.md), unless
    # --deterministic asks for work limits (the time limit is then the safety net)
    opts = SolverOptions(backend=args.backend, time_limit_s=args.time_limit_s, relative_gap=args.gap,
                         threads=args.threads, deterministic=args.deterministic, work_limit=args.work_limit)
    t2 = time.perf_counter()
    out = solve_instance(inst, opts, decompose=not args.no_decompose)
    solve_s = time.perf_counter() - t2
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    r = out.result
    ev = out.evaluation
    return {
        "instance": inst.name, "communities": inst.n_communities, "spaces": inst.n_spaces,
        "reach_pairs": inst.reach.n_pairs, "mode": args.mode, "budget_cny": args.budget_cny,
        "backend": args.backend, "threads": args.threads, "time_limit_s": args.time_limit_s,
        "relative_gap_target": args.gap, "deterministic": opts.deterministic, "work_limit": opts.node_limit(),
        "time_limit_hit": any(s.time_limit_hit for s in r.stages), "nodes": int(sum(s.nodes for s in r.stages)),
        "parts": out.parts, "model": model.lp.summary(),
        "data_s": round(data_s, 3), "build_s": round(build_s, 3), "solve_s": round(solve_s, 2),
        "status": r.status.value, "objective": r.objective, "bound": r.bound, "gap": r.gap,
        "stages": [{"name": s.name, "status": s.status.value, "objective": s.objective, "bound": s.bound,
                    "gap": s.gap} for s in r.stages],
        "checker_violations": None if ev is None else len(ev.violations),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "python_peak_mb": round(py_peak / 2**20, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--city", action="store_true", help="also run the city-scale data (~1,258 communities)")
    ap.add_argument("--city-only", action="store_true")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--mode", default="standards", choices=["standards", "demand", "equity"])
    ap.add_argument("--budget-cny", type=float, default=None)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--time-limit-s", type=float, default=60.0)
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-decompose", action="store_true")
    ap.add_argument("--deterministic", action="store_true",
                    help="work limits (branch-and-bound nodes), the time limit only the safety net")
    ap.add_argument("--work-limit", type=int, default=None, help="nodes per stage solve (deterministic mode)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "siting_bench.jsonl")
    args = ap.parse_args()
    runs = ([] if args.city_only else [False]) + ([True] if (args.city or args.city_only) else [])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for city in runs:
        row = run(args, city)
        rows.append(row)
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
    head = f"{'instance':34s} {'C':>5s} {'J':>5s} {'vars':>8s} {'build s':>8s} {'solve s':>8s} {'status':>9s} {'gap':>8s} {'RSS MB':>7s}"
    print(head)
    for r in rows:
        gap = "—" if r["gap"] is None else f"{100 * r['gap']:.3f}%"
        print(f"{r['instance'][:34]:34s} {r['communities']:5d} {r['spaces']:5d} {r['model']['variables']:8d} "
              f"{r['build_s']:8.2f} {r['solve_s']:8.1f} {r['status']:>9s} {gap:>8s} {r['peak_rss_mb']:7.0f}")
        for s in r["stages"]:
            sg = "—" if s["gap"] is None else f"{100 * s['gap']:.3f}%"
            print(f"    stage {s['name']:16s} {s['status']:9s} objective {s['objective']} bound {s['bound']} gap {sg}")
        if r["deterministic"]:
            verdict = "the time limit (safety net) was hit: not reproducible" if r["time_limit_hit"] else "reproducible"
            print(f"    deterministic: {r['work_limit']} nodes per stage solve, {r['nodes']} nodes used, {verdict}")
    print(f"JSON lines appended to {args.out}")


if __name__ == "__main__":
    main()
