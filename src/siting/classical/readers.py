"""Readers of the public benchmark files (OR-Library and São José dos Campos sets).

Every reader checks the token count / shape and raises :class:`~siting.errors.InputError`
naming the file, the 1-based line and what was expected, never an ``IndexError``.
Formats are those documented in ``shared/data/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from siting.errors import InputError


def _lines(path: str | Path) -> list[str]:
    p = Path(path)
    if not p.is_file():
        raise InputError("file not found", file=str(p), expected="an existing benchmark file")
    return p.read_text(encoding="utf-8", errors="replace").splitlines()


def _numbers(line: str, count: int | None, path: str | Path, row: int, what: str) -> list[float]:
    toks = line.split()
    if count is not None and len(toks) < count:
        raise InputError(f"{len(toks)} values in '{line.strip()[:60]}'", file=str(path), row=row, expected=what)
    try:
        return [float(t) for t in (toks if count is None else toks[:count])]
    except ValueError as exc:
        raise InputError(f"not a number in '{line.strip()[:60]}'", file=str(path), row=row, expected=what) from exc


def _tokens(path: str | Path) -> list[str]:
    return " ".join(_lines(path)).split()


# --------------------------------------------------------------------------- p-median
@dataclass(frozen=True)
class PMedInstance:
    name: str
    distance: np.ndarray  # (n, n) all-pairs shortest path lengths
    p: int


def read_orlib_pmed(path: str | Path) -> PMedInstance:
    """OR-Library ``pmedN.txt``: ``n m p`` then m lines ``i j cost`` (undirected, 1-based).

    A repeated vertex pair keeps its **last** cost (the OR-Library convention the
    published optima assume); distances are all-pairs shortest paths (Dijkstra).
    """
    lines = [ln for ln in _lines(path) if ln.strip()]
    if not lines:
        raise InputError("empty file", file=str(path), row=1, expected="'n m p' on the first line")
    n, m, p = (int(v) for v in _numbers(lines[0], 3, path, 1, "'n m p'"))
    if n < 1 or m < 0 or p < 1:
        raise InputError(f"n={n}, m={m}, p={p}", file=str(path), row=1, expected="positive n and p")
    if len(lines) - 1 < m:
        raise InputError(f"{len(lines) - 1} edge lines", file=str(path), row=len(lines), expected=f"{m} edge lines")
    try:
        edges = np.array([ln.split()[:3] for ln in lines[1 : m + 1]], dtype=float)
    except ValueError:
        for k, ln in enumerate(lines[1 : m + 1], start=2):
            _numbers(ln, 3, path, k, "'i j cost'")
        raise
    if edges.ndim != 2 or edges.shape[1] != 3:
        for k, ln in enumerate(lines[1 : m + 1], start=2):
            _numbers(ln, 3, path, k, "'i j cost'")
    i = edges[:, 0].astype(np.int64) - 1
    j = edges[:, 1].astype(np.int64) - 1
    w = edges[:, 2]
    bad = (i < 0) | (i >= n) | (j < 0) | (j >= n) | (w < 0) | ~np.isfinite(w)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(f"edge {lines[k + 1].strip()}", file=str(path), row=k + 2,
                         expected=f"vertices in 1..{n} and a non-negative cost")
    # last line wins: keep the last occurrence of each unordered pair
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a * n + b
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = key.size - 1 - last_rev
    a, b, w = a[keep], b[keep], w[keep]
    g = sp.coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()
    dist = shortest_path(g, method="D", directed=False)
    if not np.isfinite(dist).all():
        raise InputError("the graph is not connected", file=str(path), expected="a connected graph")
    return PMedInstance(Path(path).stem, dist, int(p))


def read_optima(path: str | Path) -> dict[str, list[float]]:
    """``pmedopt.txt`` / ``capopt.txt``: name → published optimum(s) (capa/b/c have four)."""
    out: dict[str, list[float]] = {}
    current = None
    for _k, ln in enumerate(_lines(path), start=1):
        toks = ln.split()
        if not toks or toks[0].lower() == "data":
            continue
        try:
            if toks[0][0].isalpha():
                value = float(toks[1])
                current = toks[0]
                out[current] = [value]
            elif current is not None:
                out[current].append(float(toks[0]))
        except (ValueError, IndexError):
            current = None  # free text (e.g. capopt.txt's closing note)
    if not out:
        raise InputError("no 'name value' line", file=str(path), expected="'name value' lines")
    return out


# --------------------------------------------------------------------------- capacitated warehouse
@dataclass(frozen=True)
class CapInstance:
    name: str
    capacity: np.ndarray  # (m,)
    fixed_cost: np.ndarray  # (m,)
    demand: np.ndarray  # (n,)
    cost: np.ndarray  # (n, m): cost of serving all of client j's demand from site i


def read_orlib_cap(path: str | Path, capacity: float | None = None) -> CapInstance:
    """OR-Library ``capNN.txt`` / ``capa``–``capc`` (token stream; see the data README).

    In capa/capb/capc the capacities are the word ``capacity``: pass ``capacity``.
    """
    toks = _tokens(path)
    if len(toks) < 2:
        raise InputError("fewer than 2 tokens", file=str(path), row=1, expected="'m n' first")
    try:
        m, n = int(toks[0]), int(toks[1])
    except ValueError as exc:
        raise InputError(f"'{toks[0]} {toks[1]}'", file=str(path), row=1, expected="'m n' integers") from exc
    need = 2 + 2 * m + n * (1 + m)
    if len(toks) != need:
        raise InputError(f"{len(toks)} tokens", file=str(path), expected=f"{need} tokens for m={m}, n={n}")
    head = toks[2 : 2 + 2 * m]
    caps_tok = head[0::2]
    if any(t.lower() == "capacity" for t in caps_tok):
        if capacity is None:
            raise InputError("capacities are the placeholder 'capacity'", file=str(path), field="capacity",
                             expected="a capacity value for this sub-problem")
        caps_tok = [str(capacity)] * m
    try:
        cap = np.array(caps_tok, dtype=float)
        fixed = np.array(head[1::2], dtype=float)
        body = np.array(toks[2 + 2 * m :], dtype=float).reshape(n, 1 + m)
    except ValueError as exc:
        raise InputError(f"non-numeric token ({exc})", file=str(path), expected="numbers") from exc
    return CapInstance(Path(path).stem, cap, fixed, body[:, 0].copy(), body[:, 1:].copy())


# --------------------------------------------------------------------------- capacitated p-median
@dataclass(frozen=True)
class CPMPInstance:
    name: str
    xy: np.ndarray  # (n, 2)
    demand: np.ndarray  # (n,)
    capacity: np.ndarray  # (n,) every point is a candidate median
    p: int
    published: float | None
    distance: np.ndarray  # (n, n)


def read_osman_christofides(path: str | Path) -> CPMPInstance:
    """``pmedcapNN.txt``: ``problem value`` / ``n p Q`` / n × ``id x y demand``; distances floored."""
    lines = [ln for ln in _lines(path) if ln.strip()]
    if len(lines) < 2:
        raise InputError("fewer than 2 lines", file=str(path), expected="a header of two lines")
    _, value = _numbers(lines[0], 2, path, 1, "'problem value'")
    n, p, q = _numbers(lines[1], 3, path, 2, "'n p Q'")
    n, p = int(n), int(p)
    if len(lines) - 2 < n:
        raise InputError(f"{len(lines) - 2} point lines", file=str(path), expected=f"{n} point lines")
    rows = np.array([_numbers(lines[2 + k], 4, path, 3 + k, "'id x y demand'") for k in range(n)])
    xy = rows[:, 1:3]
    d = np.floor(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)))
    return CPMPInstance(Path(path).stem, xy, rows[:, 3], np.full(n, q), p, value, d)


def read_lorena_senne(path: str | Path, published: float | None = None) -> CPMPInstance:
    """``SJC*.dat``: ``n p`` / n × ``x y capacity demand``; real Euclidean distances."""
    lines = [ln for ln in _lines(path) if ln.strip()]
    if not lines:
        raise InputError("empty file", file=str(path), row=1, expected="'n p'")
    n, p = (int(v) for v in _numbers(lines[0], 2, path, 1, "'n p'"))
    if len(lines) - 1 < n:
        raise InputError(f"{len(lines) - 1} point lines", file=str(path), expected=f"{n} point lines")
    rows = np.array([_numbers(lines[1 + k], 4, path, 2 + k, "'x y capacity demand'") for k in range(n)])
    xy = rows[:, :2]
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    return CPMPInstance(Path(path).stem, xy, rows[:, 3], rows[:, 2], p, published, d)


# --------------------------------------------------------------------------- maximal covering
@dataclass(frozen=True)
class SJCCoverInstance:
    name: str
    xy: np.ndarray
    demand: np.ndarray

    def distance(self) -> np.ndarray:
        return np.sqrt(((self.xy[:, None, :] - self.xy[None, :, :]) ** 2).sum(-1))


def read_sjc_mclp(coords_path: str | Path, demand_path: str | Path) -> SJCCoverInstance:
    """``SJCn.txt`` (``n`` then n × ``x y``) and ``demand-SJCn.dat`` (n demands)."""
    lines = [ln for ln in _lines(coords_path) if ln.strip()]
    if not lines:
        raise InputError("empty file", file=str(coords_path), row=1, expected="'n'")
    n = int(_numbers(lines[0], 1, coords_path, 1, "'n'")[0])
    if len(lines) - 1 < n:
        raise InputError(f"{len(lines) - 1} point lines", file=str(coords_path), expected=f"{n} point lines")
    xy = np.array([_numbers(lines[1 + k], 2, coords_path, 2 + k, "'x y'") for k in range(n)])
    dl = [ln for ln in _lines(demand_path) if ln.strip()]
    if len(dl) < n:
        raise InputError(f"{len(dl)} demand lines", file=str(demand_path), expected=f"{n} demand lines")
    dem = np.array([_numbers(dl[k], 1, demand_path, 1 + k, "a demand")[0] for k in range(n)])
    return SJCCoverInstance(Path(coords_path).stem, xy, dem)
