"""Shared pieces of the classical location models: input checks and geometry.

The results (and spopt's post-solve attributes, PuLP solvers as options) are in
:mod:`._result`, the shared docstring entries (:func:`shared_doc`) in :mod:`._docs`; both are
re-exported here so that every model reads them as ``cm.<name>``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.classical._docs import shared_doc
from siting.classical._result import (
    UNASSIGNED,
    LocationResult,
    nearest_assignment,
    no_solution,
    options_or_default,
    publish,
)
from siting.errors import InputError, SitingWarning

__all__ = [
    "UNASSIGNED", "Bisection", "LocationResult", "PSitesModel", "SiteIndices", "as_cost_matrix", "as_site_mask",
    "as_vector", "bisect_feasible", "check_crs", "check_p", "column", "geodataframe_costs", "nearest_assignment",
    "no_solution", "options_or_default", "publish", "shared_doc", "site_mask_column",
]


# --------------------------------------------------------------------------- input checks
def as_cost_matrix(cost_matrix: Any, *, name: str = "cost_matrix", allow_inf: bool = True) -> np.ndarray:
    """A float (clients × sites) matrix without NaN or negative entries.

    ``inf`` means "this client cannot be served from this site" (when ``allow_inf``).
    """
    if hasattr(cost_matrix, "toarray"):  # scipy.sparse: absent pairs are unreachable
        coo = cost_matrix.tocoo()
        dense = np.full(coo.shape, np.inf)
        dense[coo.row, coo.col] = coo.data
        cost_matrix = dense
    try:
        c = np.array(cost_matrix, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not a numeric matrix ({exc})", field=name, expected="a 2-D array of numbers") from exc
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise InputError(f"shape {c.shape}", field=name, expected="a non-empty 2-D array (clients × sites)")
    bad = np.isnan(c)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError(f"NaN at client {i}, site {j}", field=name, expected="numbers without NaN")
    neg = c < 0
    if neg.any():
        i, j = np.argwhere(neg)[0]
        raise InputError(f"negative entry {c[i, j]} at client {i}, site {j}", field=name, expected="non-negative costs")
    if not allow_inf and np.isinf(c).any():
        i, j = np.argwhere(np.isinf(c))[0]
        raise InputError(f"infinite entry at client {i}, site {j}", field=name, expected="finite costs")
    return c


def as_vector(values: Any, n: int, *, name: str, default: float | None = None, positive: bool = False) -> np.ndarray:
    """A finite, non-negative float vector of length ``n`` (``default`` when ``values`` is None)."""
    if values is None:
        if default is None:
            raise InputError("missing", field=name, expected=f"{n} values")
        return np.full(n, float(default))
    try:
        v = np.array(values, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not numeric ({exc})", field=name, expected=f"{n} numbers") from exc
    if v.shape[0] != n:
        raise InputError(f"{v.shape[0]} values", field=name,
                         expected=f"{n} values (one per row/column of the cost matrix)")
    if not np.isfinite(v).all():
        raise InputError("NaN or infinite value", field=name, expected="finite numbers")
    if (v < 0).any() or (positive and (v <= 0).any()):
        raise InputError("negative value" if (v < 0).any() else "zero value", field=name,
                         expected="positive numbers" if positive else "non-negative numbers")
    return v


@dataclass(frozen=True)
class SiteIndices:
    """Required sites given by their column indices, never read as a 0/1 mask.

    Pass ``SiteIndices([0, 1])`` as ``predefined_facilities_arr`` when an index list could
    also be read as a mask (for example two indices with two candidate sites).
    """

    indices: Sequence[int] | np.ndarray


def _indices_mask(arr: np.ndarray, n_sites: int) -> np.ndarray | None:
    """The mask of a valid index list (whole numbers in range, no repeats), else None."""
    if arr.size and (arr.min() < 0 or arr.max() >= n_sites or np.unique(arr).size != arr.size):
        return None
    mask = np.zeros(n_sites, dtype=bool)
    mask[arr.astype(np.int64)] = True
    return mask


def as_site_mask(predefined: Any, n_sites: int, *, name: str = "predefined_facilities_arr") -> np.ndarray:
    """Boolean mask of the required (predefined) sites.

    Parameters
    ----------
    predefined : array-like, SiteIndices or None
        One of: a boolean mask with one entry per site; a 0/1 array with one entry per site
        (spopt's documented form, ``[0, 1, 0]`` requires site 1); a list of site indices
        whose length differs from the number of sites; or :class:`SiteIndices`. A
        ``(n_sites, 1)`` column is read as a vector.
    n_sites : int
        Number of candidate sites (columns of the cost matrix).
    name : str
        Field named in errors.

    Returns
    -------
    numpy.ndarray
        ``(n_sites,)`` booleans, True for a required site.

    Raises
    ------
    InputError
        When the array is neither form, or when it reads as a valid mask *and* as a valid,
        different index list (e.g. ``[0, 1]`` with two sites): pass a boolean mask or
        :class:`SiteIndices` then.
    """
    mask = np.zeros(n_sites, dtype=bool)
    if predefined is None:
        return mask
    if isinstance(predefined, SiteIndices):
        try:
            idx = np.asarray(predefined.indices, dtype=float).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise InputError(f"not numeric ({exc})", field=name, expected="whole site indices") from exc
        out = None if not np.all(np.isfinite(idx) & (idx == np.round(idx))) else _indices_mask(idx, n_sites)
        if out is None:
            raise InputError(f"indices {idx.tolist()[:5]}", field=name,
                             expected=f"distinct site indices in 0..{n_sites - 1}")
        return out
    arr = np.asarray(predefined)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim > 1:
        raise InputError(f"shape {arr.shape}", field=name, expected=f"a 1-D array ({n_sites} flags or site indices)")
    arr = arr.reshape(-1)
    if arr.dtype == bool:
        if arr.shape != (n_sites,):
            raise InputError(f"{arr.size} flags", field=name, expected=f"{n_sites} booleans (one per site)")
        return arr.copy()
    if arr.size == 0:
        return mask
    try:
        num = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not numeric ({exc})", field=name, expected="a 0/1 mask or site indices") from exc
    if not np.all(np.isfinite(num) & (num == np.round(num))):
        raise InputError(f"values {arr.tolist()[:5]}", field=name,
                         expected=f"a 0/1 or boolean mask of {n_sites} sites, or whole site indices")
    as_indices = _indices_mask(num, n_sites)
    if arr.size == n_sites:  # one value per site: spopt's 0/1 form
        if not np.isin(num, (0, 1)).all():
            raise InputError(f"{n_sites} values {arr.tolist()[:5]} (one per site) that are not all 0/1", field=name,
                             expected="a 0/1 or boolean mask, or SiteIndices([...]) for indices")
        as_mask = num.astype(bool)
        if as_indices is not None and not np.array_equal(as_indices, as_mask):
            raise InputError(f"{arr.tolist()} reads both as a 0/1 mask and as site indices", field=name,
                             expected="a boolean mask, or SiteIndices([...]) for indices")
        return as_mask
    if as_indices is None:
        raise InputError(f"indices {arr.tolist()[:5]}", field=name,
                         expected=f"distinct site indices in 0..{n_sites - 1}, or a 0/1 mask of {n_sites} sites")
    return as_indices


def site_mask_column(gdf: Any, col: str | None) -> np.ndarray | None:
    """A facility GeoDataFrame's required-site column as a mask (booleans or 0/1 only)."""
    values = column(gdf, col, what="a boolean or 0/1 required-facility column")
    if values is None:
        return None
    assert col is not None
    try:
        num = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"not boolean ({exc})", field=col, expected="True/False or 0/1 per facility") from exc
    bad = ~np.isin(num, (0.0, 1.0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"value {values[i]!r}", row=i + 1, field=col, expected="True/False or 0/1 per facility")
    return num.astype(bool)


def check_p(p: Any, n_sites: int, n_required: int = 0, *, name: str = "p_facilities") -> int:
    if isinstance(p, bool) or not float(p).is_integer():
        raise InputError(f"{p!r}", field=name, expected="a whole number of facilities")
    p = int(p)
    if p < 1 or p > n_sites:
        raise InputError(f"p = {p} with {n_sites} candidate sites", field=name, expected=f"1 ≤ p ≤ {n_sites}")
    if p < n_required:
        raise InputError(f"p = {p} but {n_required} facilities are predefined (required)", field=name,
                         expected=f"p ≥ {n_required}")
    return p


# --------------------------------------------------------------------------- models
class PSitesModel:
    """A model that opens ``p`` of the candidate sites (p-center, p-dispersion): the distance
    matrix, p, the required-site mask and the name, and ``result`` once solved."""

    def __init__(self, distance: np.ndarray, p: int, predefined: np.ndarray, name: str) -> None:
        self.distance, self.p, self.predefined, self.name = distance, p, predefined, name
        self.result: Any = None


# --------------------------------------------------------------------------- threshold search
Probe = Callable[[int, float], tuple[bool | None, np.ndarray | None]]
"""``probe(k, seconds_left)`` → (True, sites) when candidate value k is feasible with those
sites, (False, None) when it is proven infeasible, (None, None) when the solver could not tell."""


@dataclass(frozen=True)
class Bisection:
    """Where :func:`bisect_feasible` stopped: the answer's index is in ``lo..hi``."""

    lo: int
    hi: int
    sites: np.ndarray  # the sites of the best feasible value found
    proven: bool  # lo == hi, every probe answered in time
    probes: int


def bisect_feasible(n_values: int, sites: np.ndarray, probe: Probe, seconds_left: Callable[[], float], *,
                    smallest: bool) -> Bisection:
    """Binary search over sorted candidate values for the smallest (p-center) or largest
    (p-dispersion) feasible one, by probing the decision problem.

    Parameters
    ----------
    n_values : int
        Number of candidate values (indices ``0..n_values-1``, sorted ascending).
    sites : numpy.ndarray
        Sites of the end known to be feasible: the last value when ``smallest``, the first
        otherwise.
    probe : Probe
        The decision problem at a candidate index, given the seconds left.
    seconds_left : callable
        Seconds of the time limit that remain; the search stops unproven below 0.05 s.
    smallest : bool
        Search for the smallest feasible value (True) or the largest (False).

    Returns
    -------
    Bisection
        ``lo``/``hi`` bracket the answer; ``sites`` realise the best feasible value found.
    """
    lo, hi = 0, n_values - 1
    proven, probes = True, 0
    while lo < hi:
        mid = (lo + hi) // 2 if smallest else (lo + hi + 1) // 2
        left = seconds_left()
        if left <= 0.05:
            proven = False
            break
        ok, found = probe(mid, left)
        probes += 1
        if ok is None:
            proven = False
            break
        feasible = bool(ok) and found is not None
        if feasible and found is not None:
            sites = found
        if smallest:
            lo, hi = (lo, mid) if feasible else (mid + 1, hi)
        else:
            lo, hi = (mid, hi) if feasible else (lo, mid - 1)
    return Bisection(lo, hi, sites, proven, probes)


# --------------------------------------------------------------------------- geometry
def check_crs(gdf_demand: Any, gdf_fac: Any) -> None:
    """Raise when the two GeoDataFrames have different CRSs; warn when the CRS is geographic.

    Raises
    ------
    InputError
        ``gdf_demand`` and ``gdf_fac`` have different coordinate reference systems (spopt
        raises ``ValueError`` here too; :class:`~siting.errors.InputError` is one).

    Warns
    -----
    SitingWarning
        The CRS is geographic (longitude / latitude): the distances, and so the service
        radius, are in degrees. Project both frames first (``gdf.to_crs(gdf.estimate_utm_crs())``)
        for metres.
    """
    crs_d, crs_f = getattr(gdf_demand, "crs", None), getattr(gdf_fac, "crs", None)
    if crs_d != crs_f:
        raise InputError(f"gdf_demand has CRS {crs_d}, gdf_fac has CRS {crs_f}", field="crs",
                         expected="both GeoDataFrames in the same CRS (gdf_fac.to_crs(gdf_demand.crs))")
    if crs_d is not None and getattr(crs_d, "is_geographic", False):
        warnings.warn(f"the GeoDataFrames are in a geographic CRS ({crs_d}): distances, and the service radius, "
                      "are in degrees; project them (gdf.to_crs(gdf.estimate_utm_crs())) for metres",
                      SitingWarning, stacklevel=4)


def geodataframe_costs(
    gdf_demand: Any, gdf_fac: Any, demand_col: str, facility_col: str, distance_metric: str = "euclidean"
) -> np.ndarray:
    """Distances between demand and facility geometries (centroids of non-point shapes).

    Parameters
    ----------
    gdf_demand, gdf_fac : geopandas.GeoDataFrame
        Clients and candidate sites, in one CRS (see :func:`check_crs`).
    demand_col, facility_col : str
        Their geometry columns (as in spopt).
    distance_metric : str
        ``"euclidean"`` or ``"manhattan"`` (``"cityblock"``).

    Returns
    -------
    numpy.ndarray
        ``(clients, sites)`` distances in the CRS's unit.

    Raises
    ------
    InputError
        A missing column or geometry, an empty frame, different CRSs or an unknown metric.

    Warns
    -----
    SitingWarning
        A geographic CRS (distances in degrees), or shapes other than points (their
        centroids are used, as spopt does).
    """
    from scipy.spatial.distance import cdist

    def xy(gdf: Any, col: str, which: str) -> np.ndarray:
        if col not in gdf.columns:
            raise InputError(f"no column '{col}'", field=col, expected=f"a geometry column in the {which} GeoDataFrame")
        geom = gdf[col]
        if len(geom) == 0:
            raise InputError("no rows", field=col, expected=f"at least one {which} row")
        if geom.isna().any():
            raise InputError("missing geometry", row=int(np.flatnonzero(geom.isna().to_numpy())[0]) + 1, field=col,
                             expected="a point or shape in every row")
        if not all(geom.geom_type == "Point"):
            warnings.warn(f"the {which} geometries are not all points: their centroids are used",
                          SitingWarning, stacklevel=4)
            with warnings.catch_warnings():  # geopandas' own warning on geographic centroids: said above
                warnings.simplefilter("ignore", UserWarning)
                geom = geom.centroid
        return np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])

    metric = {"euclidean": "euclidean", "manhattan": "cityblock", "cityblock": "cityblock"}.get(distance_metric)
    if metric is None:
        raise InputError(f"'{distance_metric}'", field="distance_metric", expected="'euclidean' or 'manhattan'")
    check_crs(gdf_demand, gdf_fac)
    return cdist(xy(gdf_demand, demand_col, "demand"), xy(gdf_fac, facility_col, "facility"), metric=metric)


def column(gdf: Any, col: str | None, *, what: str) -> np.ndarray | None:
    if col is None:
        return None
    if col not in gdf.columns:
        raise InputError(f"no column '{col}'", field=col, expected=what)
    return gdf[col].to_numpy()
