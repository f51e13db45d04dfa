"""Write data/adjacency.csv: which demo communities are neighbours (for shared hubs, M6).

The demo's communities are points (scenarios/demo/data/communities.csv), so "touching polygons"
finds no neighbours. Here two communities are neighbours when their points are joined by an edge
of the Delaunay triangulation (their Voronoi cells touch) no longer than MAX_EDGE_M and they lie in
the same street (街道): a cross-boundary service union (跨社区服务联合体, seed 001 §三(三)) joins
communities next to each other, not across the district. Run from this folder:

    python adjacency.py
"""

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).parent
MAX_EDGE_M = 1500.0  # our choice: about a 15-minute walk (75 m/min × 15 min ÷ detour 1.3 ≈ 865 m each way)

com = pd.read_csv(HERE / "../demo/data/communities.csv")
xy = com[["x", "y"]].to_numpy(float)
edges = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(xy), only_edges=True))
pos = {(round(x, 2), round(y, 2)): i for i, (x, y) in enumerate(xy)}
rows = []
for e in edges:
    (x0, y0), (x1, y1) = shapely.get_coordinates(e)
    a, b = sorted((pos[(round(x0, 2), round(y0, 2))], pos[(round(x1, 2), round(y1, 2))]))
    if np.hypot(x1 - x0, y1 - y0) <= MAX_EDGE_M and com.at[a, "street"] == com.at[b, "street"]:
        rows.append((com.at[a, "community_id"], com.at[b, "community_id"]))
out = pd.DataFrame(sorted(set(rows)), columns=["community_id", "neighbour_id"])
out.to_csv(HERE / "data/adjacency.csv", index=False)
print(f"{len(out)} neighbour pairs among {len(com)} communities")
