"""Scaling table: 106, 400, 1,258 and 5,000 communities, spaces in proportion (issue 10, target 5).

The instances are all synthetic:

* 106: the demo district, Yuhang (477 spaces);
* 400: two districts of the synthetic city, Shangcheng and Xihu (196 + 204 communities, their
  share of the city's 6,000 spaces);
* 1,258: the synthetic city (6,000 spaces);
* 5,000: four synthetic cities (seeds 2024–2027) side by side, 100 km apart, so that no walk
  crosses between them (5,032 communities, 24,000 spaces).

Each size runs in a fresh child process, so its peak RSS is its own. Each row gives data
seconds, model build seconds (the whole program, ``build_model``), solve seconds, every stage's
gap, variables, rows, nonzeros, reach pairs and peak RSS. The solve is in wall-clock mode
(``deterministic: false``) with ``--time-limit-s``. Prints a table and writes JSON lines to
``benchmarks/results/scaling_bench-<time>.jsonl``.

    python benchmarks/scaling_bench.py                            # all four sizes, 120 s each
    python benchmarks/scaling_bench.py --sizes 106,400 --time-limit-s 30
    python benchmarks/scaling_bench.py --build-only               # build time and size only
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (106, 400, 1258, 5000)


def _frames(size: int):
    import geopandas as gpd
    import pandas as pd
    from shapely import affinity

    from siting.demo.district import generate_city, generate_district

    if size == 106:
        return generate_district(2024)
    if size == 400:
        c, s = generate_city(2024)
        keep = ("SC-", "XH-")
        return (c[c["community_id"].str.startswith(keep)].reset_index(drop=True),
                s[s["space_id"].str.startswith(keep)].reset_index(drop=True))
    if size == 1258:
        return generate_city(2024)
    if size == 5000:
        cs, ss = [], []
        for k, seed in enumerate(range(2024, 2028)):
            c, s = generate_city(seed)
            for frame, col in ((c, "community_id"), (s, "space_id")):
                frame[col] = f"T{k}-" + frame[col].astype(str)
                frame["geometry"] = frame.geometry.apply(lambda g, dx=100_000.0 * k: affinity.translate(g, xoff=dx))
                if "x" in frame:
                    frame["x"] = frame["x"] + 100_000.0 * k
            if "district" in c:
                c["district"] = f"T{k}-" + c["district"].astype(str)
            cs.append(c)
            ss.append(s)
        crs = cs[0].crs
        return (gpd.GeoDataFrame(pd.concat(cs, ignore_index=True), geometry="geometry", crs=crs),
                gpd.GeoDataFrame(pd.concat(ss, ignore_index=True), geometry="geometry", crs=crs))
    raise SystemExit(f"size {size}: one of {SIZES}")


def run(size: int, time_limit_s: float, threads: int, build_only: bool) -> dict[str, Any]:
    from siting.core.instance import Instance
    from siting.demo import demo_scenario
    from siting.model import build_model
    from siting.solve import solve_instance

    t0 = time.perf_counter()
    communities, spaces = _frames(size)
    settings = demo_scenario().settings()
    inst = Instance.from_geodataframes(communities, spaces, settings, name=f"scaling-{size}")
    data_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    model = build_model(inst)
    build_s = time.perf_counter() - t1
    size_info = model.lp.summary()
    del model
    row: dict[str, Any] = {"size": size, "communities": inst.n_communities, "spaces": inst.n_spaces,
                           "reach_pairs": inst.reach.n_pairs, "data_s": round(data_s, 2), "build_s": round(build_s, 2),
                           **size_info, "time_limit_s": time_limit_s, "threads": threads,
                           "load_1min": round(os.getloadavg()[0], 2)}
    if not build_only:
        opts = settings.solver.model_copy(update={"time_limit_s": time_limit_s, "threads": threads,
                                                  "deterministic": False})
        t2 = time.perf_counter()
        out = solve_instance(inst, opts)
        row.update({"solve_s": round(time.perf_counter() - t2, 1), "status": out.result.status.value,
                    "parts": out.parts,
                    "stages": [{"name": s.name, "gap": s.gap, "bound_source": s.bound_source or "no bound"}
                               for s in out.result.stages],
                    "checker_feasible": None if out.evaluation is None else out.evaluation.feasible})
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return row


def _child(conn, *args) -> None:
    try:
        conn.send(run(*args))
    except BaseException as exc:  # report, do not hang the parent
        conn.send({"error": f"{type(exc).__name__}: {exc}"})


def _gap(gap: float | None) -> str:
    return "no bound" if gap is None else f"{100 * gap:.2f}%"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--time-limit-s", type=float, default=120.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"scaling_bench-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    print(f"→ {path}")
    print(f"{'communities':>11} {'spaces':>6} {'pairs':>7} {'variables':>9} {'rows':>9} {'nonzeros':>10} "
          f"{'build s':>7} {'solve s':>7} {'RSS MB':>7}  stage gaps")
    ctx = mp.get_context("spawn")
    for size in (int(s) for s in args.sizes.split(",")):
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=_child, args=(child, size, args.time_limit_s, args.threads, args.build_only))
        proc.start()
        row = parent.recv()
        proc.join()
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row) + "\n")
        if "error" in row:
            print(f"{size:11d} error: {row['error']}", flush=True)
            continue
        gaps = ", ".join(f"{s['name']} {_gap(s['gap'])}" for s in row.get("stages", []))
        print(f"{row['communities']:11,d} {row['spaces']:6,d} {row['reach_pairs']:7,d} {row['variables']:9,d} "
              f"{row['constraints']:9,d} {row['nonzeros']:10,d} {row['build_s']:7.2f} "
              f"{row.get('solve_s', float('nan')):7.1f} {row['peak_rss_mb']:7.0f}  {gaps}", flush=True)


if __name__ == "__main__":
    main()
