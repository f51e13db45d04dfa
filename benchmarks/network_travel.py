"""Benchmark: walking minutes over a city-scale street network (siting.travel.network).

Points: ``siting.demo.district.generate_city()`` (1,258 communities, 6,000 spaces) by default,
or ``--random`` uniform points in a 40 km × 35 km box (EPSG:4549). Network:
``siting.demo.network.generate_street_network`` over the points' bounding box (+600 m).
Times graph build, snapping, Dijkstra (with the same-edge pairs and ReachTable) and
their total; peak memory is the process's peak resident set size (``ru_maxrss``),
which includes Python, the imports and the generated data.

    python benchmarks/network_travel.py [--random] [--via-file] [--seed 2024]

Prints a table and writes ``benchmarks/results/network_travel.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from siting.demo.network import generate_street_network
from siting.errors import SitingWarning
from siting.travel.network import StreetNetwork

RESULTS = Path(__file__).resolve().parent / "results" / "network_travel.json"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def points(random: bool, seed: int):
    if not random:
        try:
            from siting.demo.district import generate_city
        except ImportError:
            random = True
        else:
            c, s = generate_city(seed)
            return c, s, "siting.demo.district.generate_city"
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    lo, hi = np.array([510000.0, 3340000.0]), np.array([550000.0, 3375000.0])  # 40 km × 35 km
    c = rng.uniform(lo, hi, (1258, 2))
    s = rng.uniform(lo, hi, (6000, 2))
    cg = gpd.GeoDataFrame({"community_id": [f"C{i:04d}" for i in range(len(c))]},
                          geometry=gpd.points_from_xy(c[:, 0], c[:, 1]), crs="EPSG:4549")
    sg = gpd.GeoDataFrame({"space_id": [f"S{i:04d}" for i in range(len(s))]},
                          geometry=gpd.points_from_xy(s[:, 0], s[:, 1]), crs="EPSG:4549")
    return cg, sg, "uniform random in 40 km x 35 km"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", action="store_true", help="random points in 40 km x 35 km instead of demo_data")
    ap.add_argument("--via-file", action="store_true", help="write the network to GeoPackage, time from_file")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--max-walk-min", type=float, default=15.0)
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    rss_start = rss_mb()
    load_before = os.getloadavg()[0]  # other work on the machine skews the timings
    t = time.perf_counter()
    communities, spaces, origin = points(args.random, args.seed)
    lines = generate_street_network(communities, spaces, args.seed)
    t_generate = time.perf_counter() - t
    xmin, ymin, xmax, ymax = lines.total_bounds

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SitingWarning)
        t0 = time.perf_counter()
        if args.via_file:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "streets.gpkg"
                lines.to_file(path, engine="pyogrio")
                t0 = time.perf_counter()  # the write is not part of the measured pipeline
                net = StreetNetwork.from_file(path, walkable_column="walkable", speed_column="speed_m_per_min")
        else:
            net = StreetNetwork.from_geodataframe(lines, walkable_column="walkable", speed_column="speed_m_per_min")
        t1 = time.perf_counter()
        timings: dict[str, float] = {}
        table, report = net.reach_with_report(communities, spaces, args.max_walk_min, timings=timings)
        t2 = time.perf_counter()

    per_comm = np.bincount(table.community, minlength=table.n_communities)
    result = {
        "points": origin,
        "n_communities": int(table.n_communities),
        "n_spaces": int(table.n_spaces),
        "area_km": [round(float(xmax - xmin) / 1000, 1), round(float(ymax - ymin) / 1000, 1)],
        "n_line_features": int(len(lines)),
        "n_graph_nodes": net.n_nodes,
        "n_graph_edges": net.n_edges,
        "n_components": int(net.n_components),
        "max_walk_min": args.max_walk_min,
        "via_file": bool(args.via_file),
        "generate_s": round(t_generate, 3),
        "graph_build_s": round(t1 - t0, 3),
        "snap_s": round(timings["snap_s"], 3),
        "dijkstra_s": round(timings["dijkstra_s"], 3),
        "total_s": round(t2 - t0, 3),
        "peak_rss_mb": round(rss_mb(), 1),
        "rss_before_mb": round(rss_start, 1),
        "n_pairs": int(table.n_pairs),
        "pairs_per_community_median": float(np.median(per_comm)),
        "communities_without_space": int((per_comm == 0).sum()),
        "snap_m_max": round(float(max(report.community_snap_m.max(), report.space_snap_m.max())), 1),
        "snap_m_median": round(float(np.median(np.r_[report.community_snap_m, report.space_snap_m])), 1),
        "warnings": [str(w.message)[:200] for w in caught],
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_avg_1min_before": round(load_before, 2),
    }
    width = max(len(k) for k in result)
    for k, v in result.items():
        if k != "warnings":
            print(f"{k:<{width}}  {v}")
    for w in result["warnings"]:
        print(f"warning: {w}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"written {args.out}")
    return result


if __name__ == "__main__":
    main()
