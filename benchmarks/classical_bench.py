"""Classical location models on published benchmark sets: one command, a table, JSON lines.

    python benchmarks/classical_bench.py pmed                 # OR-Library pmed1–pmed40
    python benchmarks/classical_bench.py pmed --only pmed1,pmed6 --backend scip
    python benchmarks/classical_bench.py cap                  # cap41–cap134
    python benchmarks/classical_bench.py capabc               # capa/capb/capc (12 sub-problems)
    python benchmarks/classical_bench.py cpmp-oc cpmp-ls mclp

Data are read from ``../shared/data`` (relative to the repository root; override with
``--data``). Each instance writes one JSON line to ``benchmarks/results/<set>-<time>.jsonl``:
instance, model, published optimum, our objective, relative gap to the published value,
whether optimality was proven, our own bound, seconds, peak memory. ``peak_rss_mb`` is
the process's peak resident memory *so far* (monotone over a run); ``--isolate`` runs every
instance in its own child process, so that the figure is that instance's own peak.
A mismatch with a published optimum is printed as ``MISMATCH`` and makes the exit code 1.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from siting.core.options import SolverOptions  # noqa: E402

Instance = tuple[str, str, float | None, Callable[[], Any]]  # name, model, published, build → model object


def _pmed(data: Path) -> Iterator[Instance]:
    from siting.classical import PMedian
    from siting.classical.readers import read_optima, read_orlib_pmed

    opt = read_optima(data / "orlib-pmed" / "pmedopt.txt")
    for k in range(1, 41):
        name = f"pmed{k}"

        def build(name: str = name) -> Any:
            inst = read_orlib_pmed(data / "orlib-pmed" / f"{name}.txt")
            return PMedian.from_cost_matrix(inst.distance, None, inst.p, name=name)

        yield name, "p-median", opt[name][0], build


def _cap(data: Path, big: bool = False) -> Iterator[Instance]:
    from siting.classical import CFLP
    from siting.classical.readers import read_optima, read_orlib_cap

    opt = read_optima(data / "orlib-cap" / "capopt.txt")
    caps = {"capa": [8000, 10000, 12000, 14000], "capb": [5000, 6000, 7000, 8000], "capc": [5000, 5750, 6500, 7250]}
    names = list(caps) if big else [k for k in opt if k not in caps]
    for name in names:
        for pos, cap in enumerate(caps.get(name, [None])):
            label = name if cap is None else f"{name}-{cap}"

            def build(name: str = name, cap: float | None = cap, label: str = label) -> Any:
                inst = read_orlib_cap(data / "orlib-cap" / f"{name}.txt", capacity=cap)
                return CFLP.from_cost_matrix(inst.cost, inst.demand, inst.capacity, inst.fixed_cost,
                                             single_source=False, name=label)

            yield label, "cflp-multi-source", opt[name][pos], build


def _cpmp_oc(data: Path) -> Iterator[Instance]:
    from siting.classical import CPMP
    from siting.classical.readers import read_osman_christofides

    for k in range(1, 21):
        path = data / "cpmp" / "osman-christofides" / f"pmedcap{k:02d}.txt"
        published = read_osman_christofides(path).published

        def build(path: Path = path) -> Any:
            inst = read_osman_christofides(path)
            return CPMP.from_cost_matrix(inst.distance, inst.demand, inst.p, facility_capacities=inst.capacity,
                                         name=inst.name)

        yield path.stem, "cpmp", published, build


LS_OPT = {"SJC1": 17288.99, "SJC2": 33270.94, "SJC3a": 45335.16, "SJC3b": 40635.9, "SJC4a": 61925.51, "SJC4b": 52458.02}


def _cpmp_ls(data: Path) -> Iterator[Instance]:
    from siting.classical import CPMP
    from siting.classical.readers import read_lorena_senne

    for name, value in LS_OPT.items():
        def build(name: str = name) -> Any:
            inst = read_lorena_senne(data / "cpmp" / "lorena-senne" / f"{name}.dat")
            return CPMP.from_cost_matrix(inst.distance, inst.demand, inst.p, facility_capacities=inst.capacity,
                                         name=name)

        yield name, "cpmp", value, build


# Maximal covering: no published optima exist for these sets (see the data README); the
# reference values below were computed there with HiGHS and are *not* published.
MCLP_REF = {("SJC324", 800, 5): 12152, ("SJC402", 800, 5): 15970, ("SJC500", 800, 5): 18859,
            ("SJC708", 800, 5): 21486, ("SJC708", 800, 10): 24190, ("SJC708", 1200, 5): 24142,
            ("SJC818", 800, 5): 24531, ("SJC818", 800, 10): 28838, ("SJC818", 1200, 5): 28513}


def _mclp(data: Path) -> Iterator[Instance]:
    from siting.classical import MCLP
    from siting.classical.readers import read_sjc_mclp

    for (name, radius, p), value in MCLP_REF.items():
        def build(name: str = name, radius: float = radius, p: int = p) -> Any:
            inst = read_sjc_mclp(data / "mclp" / f"{name}.txt", data / "mclp" / f"demand-{name}.dat")
            return MCLP.from_cost_matrix(inst.distance(), inst.demand, radius, p, name=f"{name}-S{radius}-p{p}")

        yield f"{name}-S{radius}-p{p}", "mclp (reference value, not published)", float(value), build


SETS: dict[str, Callable[[Path], Iterator[Instance]]] = {
    "pmed": _pmed,
    "cap": _cap,
    "capabc": lambda d: _cap(d, big=True),
    "cpmp-oc": _cpmp_oc,
    "cpmp-ls": _cpmp_ls,
    "mclp": _mclp,
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_one(build: Callable[[], Any], options: SolverOptions) -> dict[str, Any]:
    model = build()
    t = time.perf_counter()
    r = model.solve(options)
    wall = time.perf_counter() - t
    return {"status": r.status.value, "objective": r.objective, "bound": r.bound, "proven_optimal": r.proven_optimal,
            "seconds": round(wall, 3), "peak_rss_mb": round(_peak_mb(), 1),
            "stats": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.stats.items()}}


def _child(conn: Any, set_name: str, data: str, name: str, options: dict[str, Any]) -> None:
    for n, _, _, build in SETS[set_name](Path(data)):
        if n == name:
            conn.send(run_one(build, SolverOptions(**options)))
            return


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sets", nargs="+", choices=sorted(SETS))
    ap.add_argument("--only", default="", help="comma-separated instance names")
    ap.add_argument("--backend", default="highs", choices=["highs", "scip", "cpsat", "cbc"])
    ap.add_argument("--time-limit", type=float, default=300.0, help="seconds per instance")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--isolate", action="store_true", help="one child process per instance (per-instance peak memory)")
    args = ap.parse_args(argv)
    if not Path(args.data).is_dir():
        print(f"classical_bench: benchmark data folder {args.data} not found (the shared/data folder beside the "
              "repository, or pass --data DIR)", file=sys.stderr)
        return 2
    only = {s for s in args.only.split(",") if s}
    opts = dict(backend=args.backend, time_limit_s=args.time_limit, relative_gap=0.0, threads=args.threads)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    bad = 0
    for set_name in args.sets:
        path = out_dir / f"{set_name}-{stamp}.jsonl"
        print(f"\n== {set_name} (backend {args.backend}, {args.time_limit:g} s cap) → {path}")
        print(f"{'instance':<18}{'published':>14}{'objective':>16}{'gap':>10}{'proven':>8}{'seconds':>9}{'peak MB':>9}")
        total, slowest = 0.0, ("", 0.0)
        with path.open("w") as fh:
            for name, model, published, build in SETS[set_name](Path(args.data)):
                if only and name not in only:
                    continue
                if args.isolate:
                    ctx = mp.get_context("spawn")
                    parent, child = ctx.Pipe()
                    proc = ctx.Process(target=_child, args=(child, set_name, args.data, name, opts))
                    proc.start()
                    row = parent.recv()
                    proc.join()
                else:
                    row = run_one(build, SolverOptions(**opts))
                obj = row["objective"]
                rel = None if obj is None or published is None else abs(obj - published) / max(abs(published), 1e-9)
                ok = rel is not None and rel <= 5e-7 + 0.0005 / max(abs(published), 1e-9)
                rec = {"instance": name, "model": model, "published": published, "objective": obj,
                       "relative_gap_to_published": rel, "matches_published": ok, "backend": args.backend, **row}
                fh.write(json.dumps(rec) + "\n")
                fh.flush()
                total += row["seconds"]
                if row["seconds"] > slowest[1]:
                    slowest = (name, row["seconds"])
                flag = "" if ok else "  MISMATCH"
                bad += 0 if ok else 1
                print(f"{name:<18}{published if published is not None else float('nan'):>14.3f}"
                      f"{obj if obj is not None else float('nan'):>16.3f}{(rel or 0.0):>10.2e}"
                      f"{'yes' if row['proven_optimal'] else 'no':>8}{row['seconds']:>9.2f}{row['peak_rss_mb']:>9.0f}{flag}",
                      flush=True)
        print(f"total {total:.1f} s, slowest {slowest[0]} {slowest[1]:.1f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
