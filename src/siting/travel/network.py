"""Walking minutes over a street network (REQUIREMENTS D7), as a sparse :class:`ReachTable`.

Method
------
1. **Read** line features (GeoPackage / GeoJSON / Shapefile via pyogrio, or a GeoDataFrame).
   MultiLineStrings are exploded. Rows whose ``walkable`` column is false are left out.
   Rows with missing, empty, invalid or non-line geometry raise :class:`InputError` naming
   the rows (``on_invalid="raise"``, the default) or are dropped with a
   :class:`SitingWarning` naming them (``on_invalid="drop"``); never silently.
2. **CRS**: a missing CRS is an :class:`InputError`. A geographic CRS (e.g. EPSG:4326) is
   projected to ``target_crs`` (pass the communities' CRS) or else to an estimated UTM zone,
   with a warning saying so. A projected CRS must have metre units.
3. **Graph** (all numpy / shapely vectorized): every pair of consecutive vertices is a
   straight segment. A line end lying within ``snap_tolerance_m`` of the interior of another
   segment splits that segment (T-junctions connect); then all segment ends closer than
   ``snap_tolerance_m`` are merged into one node (KD-tree pairs + connected components).
   Lines crossing without a shared vertex or a touching end are *not* connected (bridges,
   underpasses). Edge weight = length ÷ speed in minutes; parallel edges keep the fastest.
4. **Speed**: ``speed_column`` holds walking speed in **metres per minute** (m/min, like
   ``default_speed_m_per_min``; 75 m/min = 4.5 km/h). Missing, zero or negative speeds are an
   :class:`InputError`; speeds all below 15 m/min trigger a warning (looks like km/h).
5. **Snapping**: each community and space is projected on its nearest edge (nearest point
   on the segment, via an STR-tree). It enters the graph as a virtual node linked to both
   edge ends with cost = snap distance ÷ ``default_speed_m_per_min`` (the off-street walk,
   at the network's default walking speed) + the along-edge part ÷ that edge's speed. A
   community and a space on the same edge also get the direct along-edge time. A point
   farther than ``max_snap_m`` from every street is kept (its snap walk is still added) and
   named in a warning.
6. **Shortest paths**: ``scipy.sparse.csgraph.dijkstra`` from all community nodes
   (``indices=``, one row per community, directed so no path passes *through* a point),
   with ``limit=max_walk_min``, in chunks so the dense rows stay under ~64 MB; only the
   finite space columns are kept -> ``ReachTable(source="network")``.
7. **Reporting**: connected components of the street graph; communities/spaces snapped to
   a component other than the largest are named in a warning; communities with no space
   within reach are named in a warning. All figures are in the returned :class:`SnapReport`.

Warnings name at most 20 ids and the count of the rest; the full lists are in the report.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import CRS
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from siting.errors import InputError, SitingWarning
from siting.guards import input_file
from siting.travel._text import _name_ids, _rows_text
from siting.travel.lines import _prepare_lines, read_lines
from siting.travel.od import reach_from_od_table
from siting.travel.reach import ReachTable

__all__ = [
    "SitingWarning",
    "SnapReport",
    "StreetNetwork",
    "reach_from_od_table",
]

_MIN_EDGE_MIN = 1e-9  # street edges between distinct nodes keep a positive weight (guard only)
_DIJKSTRA_CHUNK_BYTES = 64 * 2**20


# --------------------------------------------------------------------------------------------
# graph
# --------------------------------------------------------------------------------------------


def _split_at_touching_ends(a: np.ndarray, b: np.ndarray, seg_speed: np.ndarray, ends: np.ndarray,
                            tol_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split segments (a->b) where a line end lies within ``tol_m`` of their interior."""
    # only dangling ends (no other segment end within the tolerance) can touch an interior
    pts = np.concatenate([a, b])
    near = cKDTree(pts).query_ball_point(ends, tol_m, return_length=True)
    ends = ends[near <= 1]
    if ends.shape[0] == 0:
        return a, b, seg_speed
    segs = shapely.linestrings(np.stack([a, b], axis=1))
    tree = shapely.STRtree(segs)
    pi, si = tree.query(shapely.points(ends), predicate="dwithin", distance=tol_m)
    if pi.size == 0:
        return a, b, seg_speed
    p = ends[pi]
    d = b[si] - a[si]
    seg_len2 = np.einsum("ij,ij->i", d, d)
    t = np.einsum("ij,ij->i", p - a[si], d) / np.where(seg_len2 > 0, seg_len2, 1.0)
    seg_len = np.sqrt(seg_len2)
    interior = (t * seg_len > tol_m) & ((1 - t) * seg_len > tol_m)
    pi, si, t = pi[interior], si[interior], t[interior]
    if si.size == 0:
        return a, b, seg_speed
    n = a.shape[0]
    # every segment as its two ends (t=0, t=1) plus inserted split points, sorted along it
    seg_all = np.concatenate([np.arange(n), np.arange(n), si])
    t_all = np.concatenate([np.zeros(n), np.ones(n), t])
    xy_all = np.concatenate([a, b, ends[pi]])
    order = np.lexsort((t_all, seg_all))
    seg_all, xy_all = seg_all[order], xy_all[order]
    same = seg_all[1:] == seg_all[:-1]
    return xy_all[:-1][same], xy_all[1:][same], seg_speed[seg_all[:-1][same]]


@dataclass(frozen=True)
class SnapReport:
    """How communities and spaces were attached to the street network.

    ``*_snap_m``: distance from the point to the nearest point on a street (metres);
    ``*_edge``: index of that edge; ``*_component``: its connected component;
    ``far_*``: ids farther than ``max_snap_m``; ``off_main_*``: ids on a component other than
    the largest; ``unreached_communities``: ids with no space within ``max_walk_min``.
    """

    community_ids: np.ndarray
    space_ids: np.ndarray
    community_snap_m: np.ndarray
    space_snap_m: np.ndarray
    community_edge: np.ndarray
    space_edge: np.ndarray
    community_component: np.ndarray
    space_component: np.ndarray
    main_component: int
    n_components: int
    max_snap_m: float
    far_communities: list[str] = field(default_factory=list)
    far_spaces: list[str] = field(default_factory=list)
    off_main_communities: list[str] = field(default_factory=list)
    off_main_spaces: list[str] = field(default_factory=list)
    unreached_communities: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per point: kind, id, snap_m, edge, component, on_main_component, far."""
        frames = []
        for kind, ids, d, e, c in (("community", self.community_ids, self.community_snap_m,
                                    self.community_edge, self.community_component),
                                   ("space", self.space_ids, self.space_snap_m, self.space_edge,
                                    self.space_component)):
            frames.append(pd.DataFrame({"kind": kind, "id": ids, "snap_m": d, "edge": e, "component": c,
                                        "on_main_component": c == self.main_component,
                                        "far": d > self.max_snap_m}))
        return pd.concat(frames, ignore_index=True)


class StreetNetwork:
    """A walkable street graph in a projected metric CRS; see the module docstring for the method.

    Attributes: ``node_xy`` (n, 2) metres; ``edge_u``, ``edge_v``, ``edge_length_m``,
    ``edge_speed_m_per_min``, ``edge_walk_min`` per undirected edge; ``graph`` symmetric CSR of
    minutes; ``component`` label per node and ``main_component`` (largest by node count).
    """

    def __init__(self, lines: np.ndarray, speed_m_per_min: np.ndarray, crs: CRS, *,
                 default_speed_m_per_min: float = 75.0, snap_tolerance_m: float = 0.5) -> None:
        self.crs = crs
        self.default_speed_m_per_min = float(default_speed_m_per_min)
        self.snap_tolerance_m = float(snap_tolerance_m)
        self.n_lines = int(len(lines))
        self.last_report: SnapReport | None = None
        self._trees: dict[bool, tuple[shapely.STRtree, np.ndarray]] = {}
        if len(lines) == 0:
            raise InputError("street network has no walkable line", expected="at least one line")
        coords, line_idx = shapely.get_coordinates(lines, return_index=True)
        same = line_idx[1:] == line_idx[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        seg_speed = np.asarray(speed_m_per_min, dtype=float)[line_idx[:-1][same]]
        starts = np.r_[0, np.flatnonzero(~same) + 1]
        ends_idx = np.r_[np.flatnonzero(~same), coords.shape[0] - 1]
        ends = np.concatenate([coords[starts], coords[ends_idx]])
        if self.snap_tolerance_m > 0:
            a, b, seg_speed = _split_at_touching_ends(a, b, seg_speed, ends, self.snap_tolerance_m)
        # merge segment ends closer than the tolerance into nodes
        pts = np.concatenate([a, b])
        pairs = cKDTree(pts).query_pairs(self.snap_tolerance_m, output_type="ndarray")
        m = pts.shape[0]
        link = sp.coo_matrix((np.ones(pairs.shape[0], dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
        n_nodes, label = connected_components(link, directed=False)
        counts = np.bincount(label, minlength=n_nodes)
        self.node_xy = np.column_stack([np.bincount(label, pts[:, 0], n_nodes) / counts,
                                        np.bincount(label, pts[:, 1], n_nodes) / counts])
        n_seg = a.shape[0]
        u, v = label[:n_seg], label[n_seg:]
        length_m = np.hypot(*(b - a).T)
        ok = u != v
        u, v, length_m, seg_speed = u[ok], v[ok], length_m[ok], seg_speed[ok]
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        w = np.maximum(length_m / seg_speed, _MIN_EDGE_MIN)
        order = np.lexsort((w, hi, lo))
        lo, hi, w, length_m, seg_speed = lo[order], hi[order], w[order], length_m[order], seg_speed[order]
        first = np.ones(lo.size, dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        self.edge_u, self.edge_v = lo[first], hi[first]
        self.edge_walk_min, self.edge_length_m = w[first], length_m[first]
        self.edge_speed_m_per_min = seg_speed[first]
        self.n_nodes = int(n_nodes)
        if self.edge_u.size == 0:
            raise InputError("street network has no edge longer than the snapping tolerance")
        self.graph = sp.csr_matrix(
            (np.r_[self.edge_walk_min, self.edge_walk_min],
             (np.r_[self.edge_u, self.edge_v], np.r_[self.edge_v, self.edge_u])),
            shape=(self.n_nodes, self.n_nodes))
        self.n_components, self.component = connected_components(self.graph, directed=False)
        sizes = np.bincount(self.component)
        self.main_component = int(np.argmax(sizes))

    # ---- construction ---------------------------------------------------------------------

    @classmethod
    def from_geodataframe(cls, gdf: gpd.GeoDataFrame, *, speed_column: str | None = None,
                          walkable_column: str | None = None, default_speed_m_per_min: float = 75.0,
                          snap_tolerance_m: float = 0.5, target_crs: Any = None,
                          on_invalid: Literal["raise", "drop"] = "raise",
                          _file: str | None = None) -> StreetNetwork:
        """Build from a GeoDataFrame of (Multi)LineStrings; ``speed_column`` in m/min."""
        lines, speed, crs = _prepare_lines(gdf, speed_column=speed_column, walkable_column=walkable_column,
                                           default_speed_m_per_min=default_speed_m_per_min,
                                           on_invalid=on_invalid, target_crs=target_crs, file=_file)
        return cls(lines, speed, crs, default_speed_m_per_min=default_speed_m_per_min,
                   snap_tolerance_m=snap_tolerance_m)

    @classmethod
    def from_file(cls, path: str | Path, *, speed_column: str | None = None,
                  walkable_column: str | None = None, default_speed_m_per_min: float = 75.0,
                  snap_tolerance_m: float = 0.5, target_crs: Any = None, layer: str | int | None = None,
                  on_invalid: Literal["raise", "drop"] = "raise") -> StreetNetwork:
        """Read a GeoPackage / GeoJSON / Shapefile with pyogrio, then :meth:`from_geodataframe`."""
        path = Path(path)
        input_file(path, "street network")
        gdf = read_lines(path, layer)
        return cls.from_geodataframe(gdf, speed_column=speed_column, walkable_column=walkable_column,
                                     default_speed_m_per_min=default_speed_m_per_min,
                                     snap_tolerance_m=snap_tolerance_m, target_crs=target_crs,
                                     on_invalid=on_invalid, _file=str(path))

    @property
    def n_edges(self) -> int:
        return int(self.edge_u.size)

    def __repr__(self) -> str:
        return (f"StreetNetwork({self.n_nodes} nodes, {self.n_edges} edges, {self.n_components} "
                f"component(s), crs={self.crs.to_string()})")

    def components(self) -> pd.DataFrame:
        """Connected components, largest first: n_nodes, n_edges, length_m, is_main."""
        comp_edge = self.component[self.edge_u]
        k = int(self.n_components)
        frame = pd.DataFrame({"component": np.arange(k),
                              "n_nodes": np.bincount(self.component, minlength=k),
                              "n_edges": np.bincount(comp_edge, minlength=k),
                              "length_m": np.bincount(comp_edge, self.edge_length_m, minlength=k)})
        frame["is_main"] = frame["component"] == self.main_component
        return frame.sort_values(["n_nodes", "component"], ascending=[False, True], ignore_index=True)

    # ---- snapping ---------------------------------------------------------------------------

    def _edge_tree(self, main_only: bool) -> tuple[shapely.STRtree, np.ndarray]:
        """STR-tree over the edges (all, or those of the main component) and their edge indices."""
        if main_only not in self._trees:
            edges = np.arange(self.n_edges)
            if main_only:
                edges = edges[self.component[self.edge_u] == self.main_component]
            u, v = self.edge_u[edges], self.edge_v[edges]
            segs = shapely.linestrings(np.stack([self.node_xy[u], self.node_xy[v]], axis=1))
            self._trees[main_only] = (shapely.STRtree(segs), edges)
        return self._trees[main_only]

    def _points(self, obj: Any, id_column: str, ids: Sequence[Any] | None, what: str
                ) -> tuple[np.ndarray, np.ndarray]:
        """(xy in the network CRS, ids as str) from an (n,2) array, x/y DataFrame or GeoDataFrame."""
        if isinstance(obj, gpd.GeoDataFrame) and obj._geometry_column_name in obj.columns:
            g = obj.geometry
            if obj.crs is not None and CRS.from_user_input(obj.crs) != self.crs:
                g = g.to_crs(self.crs)
            elif obj.crs is None:
                raise InputError(f"{what} GeoDataFrame has no CRS", expected=f"a CRS ({self.crs.to_string()})")
            if g.isna().any() or g.is_empty.any():
                rows = np.flatnonzero((g.isna() | g.is_empty).to_numpy()) + 1
                raise InputError(f"{what} with missing geometry in rows {_rows_text(rows)}", row=int(rows[0]),
                                 field="geometry")
            pts = g.values if (g.geom_type == "Point").all() else g.centroid.values
            xy = shapely.get_coordinates(pts)
            frame_ids = obj[id_column] if id_column in obj.columns else obj.index
        elif isinstance(obj, pd.DataFrame):
            if not {"x", "y"} <= set(obj.columns):
                raise InputError(f"{what} table needs x and y columns (metres, network CRS)", field="x")
            xy = obj[["x", "y"]].to_numpy(dtype=float)
            frame_ids = obj[id_column] if id_column in obj.columns else obj.index
        else:
            xy = np.asarray(obj, dtype=float).reshape(-1, 2)
            frame_ids = np.arange(xy.shape[0])
        if not np.isfinite(xy).all():
            rows = np.flatnonzero(~np.isfinite(xy).all(axis=1)) + 1
            raise InputError(f"{what} coordinates not finite in rows {_rows_text(rows)}", row=int(rows[0]),
                             field="x")
        out_ids = np.asarray([str(i) for i in (ids if ids is not None else frame_ids)], dtype=object)
        if out_ids.size != xy.shape[0]:
            raise InputError(f"{len(out_ids)} {what} ids for {xy.shape[0]} points", field=id_column)
        return xy, out_ids

    def snap(self, xy: np.ndarray, *, main_component_only: bool = False
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest edge of each point: (edge index, fraction t along u->v, snap distance m).

        ``main_component_only``: consider only edges of the largest connected component, so a
        point next to a small island (e.g. a closed campus path) still joins the city network.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if xy.shape[0] == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0)
        tree, tree_edges = self._edge_tree(main_component_only)
        idx, _ = tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
        # one nearest edge per point (ties: the first)
        edge = np.empty(xy.shape[0], dtype=np.int64)
        edge[idx[0]] = tree_edges[idx[1]]
        a, b = self.node_xy[self.edge_u[edge]], self.node_xy[self.edge_v[edge]]
        d = b - a
        len2 = np.einsum("ij,ij->i", d, d)
        t = np.clip(np.einsum("ij,ij->i", xy - a, d) / np.where(len2 > 0, len2, 1.0), 0.0, 1.0)
        snap_m = np.hypot(*(xy - (a + t[:, None] * d)).T)
        return edge, t, snap_m

    # ---- reach ------------------------------------------------------------------------------

    def reach(self, communities: Any, spaces: Any, max_walk_min: float, *, max_snap_m: float = 300.0,
              community_ids: Sequence[Any] | None = None, space_ids: Sequence[Any] | None = None,
              main_component_only: bool = False) -> ReachTable:
        """Walking minutes community -> space over the network, pairs within ``max_walk_min`` only.

        ``communities`` / ``spaces``: an (n, 2) array of x/y in the network CRS, a DataFrame with
        ``x``/``y`` columns (network CRS), or a GeoDataFrame (reprojected to the network CRS;
        non-point geometries use their centroid). Ids come from ``community_ids``/``space_ids``,
        else a ``community_id``/``space_id`` column, else the index. The snapping report is
        stored in :attr:`last_report` (or use :meth:`reach_with_report`). With
        ``main_component_only`` points snap to the largest component only (see :meth:`snap`).
        """
        return self.reach_with_report(communities, spaces, max_walk_min, max_snap_m=max_snap_m,
                                      community_ids=community_ids, space_ids=space_ids,
                                      main_component_only=main_component_only)[0]

    def reach_with_report(self, communities: Any, spaces: Any, max_walk_min: float, *,
                          max_snap_m: float = 300.0, community_ids: Sequence[Any] | None = None,
                          space_ids: Sequence[Any] | None = None, main_component_only: bool = False,
                          timings: dict[str, float] | None = None) -> tuple[ReachTable, SnapReport]:
        """:meth:`reach` returning ``(ReachTable, SnapReport)``; fills ``timings`` (s) if given."""
        if not (max_walk_min >= 0 and np.isfinite(max_walk_min)):
            raise InputError("max_walk_min must be a finite number ≥ 0", field="max_walk_min")
        t0 = time.perf_counter()
        cxy, cids = self._points(communities, "community_id", community_ids, "community")
        sxy, sids = self._points(spaces, "space_id", space_ids, "space")
        nc, ns = cxy.shape[0], sxy.shape[0]
        ce, ct, cd = self.snap(cxy, main_component_only=main_component_only)
        se, st, sd = self.snap(sxy, main_component_only=main_component_only)
        t1 = time.perf_counter()

        v0 = self.default_speed_m_per_min
        n = self.n_nodes
        # virtual node per point: communities n..n+nc-1 (out-edges), spaces n+nc.. (in-edges)
        def legs(edge: np.ndarray, t: np.ndarray, snap_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            L, s = self.edge_length_m[edge], self.edge_speed_m_per_min[edge]
            off = snap_m / v0
            # exact zeros are fine here: csgraph treats explicitly stored zeros of a sparse
            # matrix as edges (tests pin this: a point on a node must reach it in 0 min)
            return off + t * L / s, off + (1 - t) * L / s

        cu_w, cv_w = legs(ce, ct, cd)
        su_w, sv_w = legs(se, st, sd)
        cnode, snode = n + np.arange(nc), n + nc + np.arange(ns)
        rows = np.r_[self.edge_u, self.edge_v, cnode, cnode, self.edge_u[se], self.edge_v[se]]
        cols = np.r_[self.edge_v, self.edge_u, self.edge_u[ce], self.edge_v[ce], snode, snode]
        data = np.r_[self.edge_walk_min, self.edge_walk_min, cu_w, cv_w, su_w, sv_w]
        N = n + nc + ns
        g = sp.csr_matrix((data, (rows, cols)), shape=(N, N))  # no duplicate (row, col): edges deduplicated, u != v
        chunk = max(1, int(_DIJKSTRA_CHUNK_BYTES // (8 * N)))
        pc, ps, pw = [], [], []
        for start in range(0, nc, chunk):
            src = cnode[start:start + chunk]
            dist = dijkstra(g, directed=True, indices=src, limit=max_walk_min + 1e-9)[:, snode]
            r, c = np.nonzero(np.isfinite(dist))
            pc.append(r + start)
            ps.append(c)
            pw.append(dist[r, c])
        # a community and a space on the same edge: direct along-edge walk
        if nc and ns:
            order = np.argsort(se, kind="stable")
            lo = np.searchsorted(se[order], ce, "left")
            hi = np.searchsorted(se[order], ce, "right")
            cnt = hi - lo
            if cnt.sum():
                ci = np.repeat(np.arange(nc), cnt)
                first = np.repeat(lo, cnt)
                within = np.arange(ci.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
                sj = order[first + within]
                e = ce[ci]
                w = ((cd[ci] + sd[sj]) / v0
                     + np.abs(ct[ci] - st[sj]) * self.edge_length_m[e] / self.edge_speed_m_per_min[e])
                pc.append(ci)
                ps.append(sj)
                pw.append(w)
        table = ReachTable.from_pairs(nc, ns, np.concatenate(pc) if pc else np.zeros(0, np.int64),
                                      np.concatenate(ps) if ps else np.zeros(0, np.int64),
                                      np.concatenate(pw) if pw else np.zeros(0), max_walk_min, "network")
        t2 = time.perf_counter()

        ccomp, scomp = self.component[self.edge_u[ce]], self.component[self.edge_u[se]]
        reached = np.zeros(nc, dtype=bool)
        reached[table.community] = True
        report = SnapReport(
            community_ids=cids, space_ids=sids, community_snap_m=cd, space_snap_m=sd,
            community_edge=ce, space_edge=se, community_component=ccomp, space_component=scomp,
            main_component=self.main_component, n_components=int(self.n_components), max_snap_m=float(max_snap_m),
            far_communities=list(cids[cd > max_snap_m]), far_spaces=list(sids[sd > max_snap_m]),
            off_main_communities=list(cids[ccomp != self.main_component]),
            off_main_spaces=list(sids[scomp != self.main_component]),
            unreached_communities=list(cids[~reached]) if ns else list(cids),
        )
        self._warn(report, max_walk_min)
        self.last_report = report
        if timings is not None:
            timings["snap_s"] = t1 - t0
            timings["dijkstra_s"] = t2 - t1
        return table, report

    def _warn(self, r: SnapReport, max_walk_min: float) -> None:
        for ids, what in ((r.far_communities, "communities"), (r.far_spaces, "spaces")):
            if ids:
                warnings.warn(f"{len(ids)} {what} farther than {r.max_snap_m:g} m from any street "
                              f"(snap walk added): {_name_ids(ids)}", SitingWarning, stacklevel=4)
        if r.off_main_communities or r.off_main_spaces:
            parts = [f"{len(ids)} {what}: {_name_ids(ids)}" for ids, what in
                     ((r.off_main_communities, "communities"), (r.off_main_spaces, "spaces")) if ids]
            warnings.warn(f"street network has {r.n_components} disconnected components; snapped to a "
                          f"component other than the main one: " + "; ".join(parts), SitingWarning, stacklevel=4)
        if r.unreached_communities:
            warnings.warn(f"{len(r.unreached_communities)} communities reach no space within "
                          f"{max_walk_min:g} min over the street network: {_name_ids(r.unreached_communities)}",
                          SitingWarning, stacklevel=4)

