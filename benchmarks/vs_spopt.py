"""siting vs PySAL spopt on identical cost matrices: time ratio and whether objectives agree.

    python benchmarks/vs_spopt.py                       # random Euclidean p-median + MCLP, pmed1–5
    python benchmarks/vs_spopt.py --sizes 400x200 --models pmedian --orlib ""
    python benchmarks/vs_spopt.py --spopt-time-limit 300 --orlib pmed1,pmed6

Needs the optional ``bench`` extra (``pip install -e .[bench]``: spopt, psutil); nothing is
installed at run time. spopt solves with PuLP + CBC. PuLP is only ever imported in a
**child process** (one per spopt solve; its own build+solve time is measured inside it),
so PuLP's optional highspy import can never meet OR-Tools' HiGHS in this process.
siting is timed in this process, building from the same matrix (``from_cost_matrix`` +
``solve``). Each row goes to ``benchmarks/results/vs_spopt-<time>.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


# --------------------------------------------------------------------------- child: spopt
def spopt_worker(npz: str) -> None:
    """Run one spopt model from ``npz``; print one JSON line (never imports OR-Tools)."""
    data = np.load(npz, allow_pickle=False)
    model, p, radius, limit = str(data["model"]), int(data["p"]), float(data["radius"]), float(data["time_limit"])
    cost, weights = data["cost"], data["weights"]
    t0 = time.perf_counter()
    import pulp
    from spopt.locate import MCLP, PMedian

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=limit)
    if model == "pmedian":
        m = PMedian.from_cost_matrix(cost, weights, p_facilities=p).solve(solver)
    else:
        m = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=p).solve(solver)
    seconds = time.perf_counter() - t1
    prob = m.problem
    print(json.dumps({"objective": pulp.value(prob.objective), "status": pulp.LpStatus[prob.status],
                      "seconds": seconds, "import_seconds": t_import}))


def run_spopt(model: str, cost: np.ndarray, weights: np.ndarray, p: int, radius: float, limit: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "inst.npz"
        np.savez(f, model=model, cost=cost, weights=weights, p=p, radius=radius, time_limit=limit)
        out = subprocess.run([sys.executable, __file__, "--spopt-worker", str(f)], capture_output=True, text=True,
                             timeout=limit * 3 + 600)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- parent: siting
def run_siting(model: str, cost: np.ndarray, weights: np.ndarray, p: int, radius: float, backend: str,
               limit: float) -> dict[str, Any]:
    from siting.classical import MCLP, PMedian
    from siting.core.options import SolverOptions

    opts = SolverOptions(backend=backend, time_limit_s=limit, relative_gap=0.0)
    t = time.perf_counter()
    if model == "pmedian":
        r = PMedian.from_cost_matrix(cost, weights, p).solve(opts)
    else:
        r = MCLP.from_cost_matrix(cost, weights, radius, p).solve(opts)
    return {"objective": r.objective, "status": r.status.value, "seconds": time.perf_counter() - t}


def instances(args: argparse.Namespace) -> list[tuple[str, str, np.ndarray, np.ndarray, int, float]]:
    out = []
    models = [m for m in args.models.split(",") if m]
    for size in [s for s in args.sizes.split(",") if s]:
        n, m = (int(v) for v in size.lower().split("x"))
        rng = np.random.default_rng(args.seed)
        a, b = rng.random((n, 2)) * 100.0, rng.random((m, 2)) * 100.0
        cost = np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1))
        w = rng.integers(1, 11, n).astype(float)
        p = max(1, m // 10)
        for model in models:
            out.append((f"euclid-{n}x{m}-p{p}", model, cost, w, p, args.radius))
    if args.orlib:
        from siting.classical.readers import read_orlib_pmed

        for name in args.orlib.split(","):
            inst = read_orlib_pmed(Path(args.data) / "orlib-pmed" / f"{name}.txt")
            out.append((name, "pmedian", inst.distance, np.ones(inst.distance.shape[0]), inst.p, 0.0))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spopt-worker", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="100x50,200x100,400x200", help="clients x sites, p = sites/10")
    ap.add_argument("--models", default="pmedian,mclp")
    ap.add_argument("--radius", type=float, default=10.0, help="MCLP service radius (points in a 100 x 100 square)")
    ap.add_argument("--orlib", default="pmed1,pmed2,pmed3,pmed4,pmed5", help="OR-Library p-median instances")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--backend", default="highs", help="siting backend for the p-median MIP stage")
    ap.add_argument("--mclp-backend", default="scip", help="siting backend for MCLP (SCIP measured ~2x faster than HiGHS here)")
    ap.add_argument("--spopt-time-limit", type=float, default=300.0)
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.spopt_worker:
        spopt_worker(args.spopt_worker)
        return 0
    try:
        import spopt  # noqa: F401  (only checks presence; pulp is not imported here)
    except ImportError:
        print("spopt is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    if args.orlib and not Path(args.data).is_dir():
        print(f"vs_spopt: benchmark data folder {args.data} not found (the shared/data folder beside the repository; "
              "pass --data DIR, or --orlib '' to skip the OR-Library instances)", file=sys.stderr)
        return 2
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"vs_spopt-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    print(f"→ {path}")
    print(f"{'instance':<24}{'model':<9}{'spopt obj':>14}{'status':>13}{'spopt s':>9}"
          f"{'siting obj':>14}{'status':>9}{'siting s':>9}{'ratio':>8}  agree")
    # warm-up: the first OR-Tools solve of each backend in a process pays a one-off library
    # start-up (~0.4 s for SCIP); spopt's worker likewise imports pulp/spopt before timing.
    tiny = np.abs(np.subtract.outer(np.arange(6.0), np.arange(4.0)))
    for b in {args.backend, args.mclp_backend}:
        run_siting("pmedian", tiny, np.ones(6), 2, 1.0, b, 10.0)
        run_siting("mclp", tiny, np.ones(6), 2, 1.0, b, 10.0)
    disagreements = 0
    with path.open("w") as fh:
        for name, model, cost, w, p, radius in instances(args):
            so = run_spopt(model, cost, w, p, radius, args.spopt_time_limit)
            backend = args.mclp_backend if model == "mclp" else args.backend
            si = run_siting(model, cost, w, p, radius, backend, args.time_limit)
            if "error" in so:
                agree, ratio = None, None
            else:
                agree = so["objective"] is not None and si["objective"] is not None and \
                    abs(so["objective"] - si["objective"]) <= 1e-6 * max(1.0, abs(si["objective"]))
                ratio = so["seconds"] / max(si["seconds"], 1e-9)
            disagreements += agree is False
            # PuLP reports "Optimal" even when CBC stopped at its time limit (pmed6): flag it
            so["hit_time_limit"] = "seconds" in so and so["seconds"] >= 0.98 * args.spopt_time_limit
            rec = {"instance": name, "model": model, "n_clients": cost.shape[0], "n_sites": cost.shape[1], "p": p,
                   "radius": radius if model == "mclp" else None, "spopt": so, "siting": si,
                   "time_ratio": ratio, "objectives_agree": agree, "backend": backend}
            fh.write(json.dumps(rec) + "\n")
            fh.flush()
            sobj = so.get("objective")
            print(f"{name:<24}{model:<9}{(sobj if sobj is not None else float('nan')):>14.3f}{so.get('status', so.get('error', ''))[:12]:>13}"
                  f"{so.get('seconds', float('nan')):>9.2f}{(si['objective'] if si['objective'] is not None else float('nan')):>14.3f}"
                  f"{si['status']:>9}{si['seconds']:>9.2f}{(ratio or float('nan')):>8.1f}  {agree}"
                  f"{'  (spopt hit its time limit)' if so.get('hit_time_limit') else ''}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
