"""The synthetic city's giant reach component: the whole part against a geographic split (issue 10).

The city (1,258 communities, 6,000 spaces) splits exactly into 74 independent parts, and the
largest (about 400 communities × 1,860 spaces) decides the city's gap: solved whole, its
shortfall stage leaves the null plan late or never. This script measures, side by side in one
run and on the same part:

* ``whole``: the part solved as it is (``solve_instance`` with ``regions: never``, wall-clock mode);
* ``split-K``: a heuristic plan. The part's communities are grouped by k-means on their
  centroids (K groups), each space goes to the group of its nearest reaching community, and
  only reach pairs inside a group are kept. The groups are then independent sub-instances
  (``siting.solve.decompose.split``), solved one after the other with an equal share of the
  limit, and their plans merged (``merge_plans``). A plan of the restricted instance is a plan
  of the part (it only drops reach pairs), so the checker (``evaluate``) judges it on the part;
* ``regions``: the product's own way (``solver.regions: auto``, :mod:`siting.solve.regions`): the
  regions of about 20 communities, their design re-optimised on the whole part, with the part's LP
  bounds;
* ``lp``: the LP relaxation of the part's shortfall stage (GLOP): the bound both are judged by.

Prints a table and writes JSON lines to ``benchmarks/results/giant_split_bench-<time>.jsonl``.

    python benchmarks/giant_split_bench.py                       # lp, whole and regions, 150 s each
    python benchmarks/giant_split_bench.py --groups 10,20,30 --time-limit-s 120 --methods split
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def giant_part():
    """The synthetic city's largest reach component, as its own instance."""
    from siting.demo import demo_instance, demo_scenario
    from siting.solve.decompose import split

    inst = demo_instance(seed=2024, city=True, scenario=demo_scenario())
    parts = split(inst)  # largest first
    return parts[0].instance


def grouped(inst, k: int, seed: int = 0):
    """``inst`` with only the reach pairs inside one of ``k`` geographic groups (the product's
    regions, :mod:`siting.solve.regions`)."""
    from siting.solve.regions import region_labels, restricted

    return restricted(inst, *region_labels(inst, k, seed))


def run_split(inst, k: int, time_limit_s: float, threads: int) -> dict:
    from siting.analysis.evaluate import evaluate
    from siting.core.options import SolverOptions
    from siting.solve import solve_instance
    from siting.solve.decompose import merge_plans, split

    t0 = time.perf_counter()
    restricted = grouped(inst, k)
    parts = split(restricted)
    opts = SolverOptions(time_limit_s=time_limit_s / len(parts), threads=threads, deterministic=False)
    plans = [solve_instance(p.instance, opts).plan for p in parts]
    plan = merge_plans(restricted, parts, plans)
    seconds = time.perf_counter() - t0
    ev = evaluate(inst, plan)  # judged on the part itself, with every reach pair
    return {"method": f"split-{k}", "groups": len(parts), "seconds": round(seconds, 1),
            "checker_feasible": ev.feasible, "violations": len(ev.violations),
            "shortfall": ev.shortfall, "cost_cny": ev.cost_cny}


def run_whole(inst, time_limit_s: float, threads: int, regions: str = "never") -> dict:
    from siting.core.options import SolverOptions
    from siting.solve import solve_instance

    t0 = time.perf_counter()
    out = solve_instance(inst, SolverOptions(time_limit_s=time_limit_s, threads=threads, deterministic=False,
                                             regions=regions))
    seconds = time.perf_counter() - t0
    ev = out.evaluation
    return {"method": "whole" if regions == "never" else "regions", "seconds": round(seconds, 1),
            "checker_feasible": None if ev is None else ev.feasible,
            "shortfall": None if ev is None else ev.shortfall, "cost_cny": None if ev is None else ev.cost_cny,
            "stages": [{"name": s.name, "objective": s.objective, "bound": s.bound, "bound_source": s.bound_source}
                       for s in out.result.stages]}


def run_lp(inst, time_limit_s: float) -> dict:
    from siting.model import build_model
    from siting.solvers.relaxation import lp_relaxation

    lp = build_model(inst).lp
    obj = lp.objectives[0]
    t0 = time.perf_counter()
    relax = lp_relaxation(lp, obj.coefs, obj.offset, time_limit_s=time_limit_s)
    return {"method": "lp", "seconds": round(time.perf_counter() - t0, 1),
            "shortfall_bound": None if relax is None else relax.value,
            "bound_source": "LP relaxation of the part's shortfall stage (GLOP)"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", default="20", help="comma-separated K for the split")
    ap.add_argument("--methods", default="lp,whole,regions")
    ap.add_argument("--time-limit-s", type=float, default=150.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"giant_split_bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    inst = giant_part()
    print(f"giant part: {inst.n_communities} communities, {inst.n_spaces} spaces, {inst.reach.n_pairs} reach pairs")
    methods = args.methods.split(",")
    rows = []
    if "lp" in methods:
        rows.append(run_lp(inst, 600.0))
    if "whole" in methods:
        rows.append(run_whole(inst, args.time_limit_s, args.threads))
    if "regions" in methods:
        rows.append(run_whole(inst, args.time_limit_s, args.threads, "auto"))
    if "split" in methods:
        rows += [run_split(inst, int(k), args.time_limit_s, args.threads) for k in args.groups.split(",")]
    common = {"communities": inst.n_communities, "spaces": inst.n_spaces, "time_limit_s": args.time_limit_s,
              "threads": args.threads, "load_1min": round(os.getloadavg()[0], 2)}
    print(f"{'method':>10} {'seconds':>8} {'shortfall':>12} {'cost CNY':>16}  checker")
    with path.open("a", encoding="utf-8") as fh:
        for row in rows:
            row = {**common, **row}
            fh.write(json.dumps(row) + "\n")
            short = row.get("shortfall", row.get("shortfall_bound"))
            cost = row.get("cost_cny")
            print(f"{row['method']:>10} {row['seconds']:>8} {'' if short is None else f'{short:.3f}':>12} "
                  f"{'' if cost is None else f'{cost:,.0f}':>16}  {row.get('checker_feasible', '')}")
    print(f"→ {path}")


if __name__ == "__main__":
    main()
