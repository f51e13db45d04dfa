"""Reading and validating street lines for :mod:`siting.travel.network` (steps 1, 2 and 4 there).

Rows are numbered from 1 (header excluded), as in :class:`siting.errors.Location`.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from siting.errors import InputError, SitingWarning
from siting.guards import LIMITS
from siting.travel._text import _rows_text

_BOOL = {"true": True, "false": False, "yes": True, "no": False, "t": True, "f": False,
         "y": True, "n": False, "1": True, "0": False}


def _as_bool(v: Any) -> bool | None:
    """True/False from bool, 0/1 or yes/no/true/false text; None for anything else (NaN too)."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer, float, np.floating)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str):
        return _BOOL.get(v.strip().lower())
    return None


def _projected_metres(crs: CRS) -> bool:
    units = {(ax.unit_name or "").lower() for ax in crs.axis_info[:2]}
    return crs.is_projected and units <= {"metre", "meter", "m"}


def _prepare_lines(
    gdf: gpd.GeoDataFrame,
    *,
    speed_column: str | None,
    walkable_column: str | None,
    default_speed_m_per_min: float,
    on_invalid: Literal["raise", "drop"],
    target_crs: Any,
    file: str | None,
) -> tuple[np.ndarray, np.ndarray, CRS]:
    """Validate rows, return (LineString array, speed m/min per line, metric CRS)."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError("street network must be a GeoDataFrame of lines", file=file)
    if gdf.crs is None:
        raise InputError("street network has no CRS", file=file, expected="a CRS (e.g. EPSG:4549)")
    if on_invalid not in ("raise", "drop"):
        raise InputError("on_invalid must be 'raise' or 'drop'", field="on_invalid")
    if not (default_speed_m_per_min > 0 and np.isfinite(default_speed_m_per_min)):
        raise InputError("default walking speed must be > 0", field="default_speed_m_per_min")
    rows = np.arange(1, len(gdf) + 1)  # 1-based data rows, as in errors.Location
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    keep = np.ones(len(gdf), dtype=bool)

    if walkable_column is not None:
        if walkable_column not in gdf.columns:
            raise InputError("walkable column not found", file=file, field=walkable_column)
        norm = gdf[walkable_column].map(_as_bool)
        bad = norm.isna().to_numpy()
        if bad.any():
            raise InputError(f"walkable value not boolean in rows {_rows_text(rows[bad])}", file=file,
                             row=int(rows[bad][0]), field=walkable_column, expected="true/false or 1/0")
        keep &= norm.to_numpy(dtype=bool)

    if speed_column is not None:
        if speed_column not in gdf.columns:
            raise InputError("speed column not found", file=file, field=speed_column)
        speed = pd.to_numeric(gdf[speed_column], errors="coerce").to_numpy(dtype=float)
        bad = keep & ~(np.isfinite(speed) & (speed > 0))
        if bad.any():
            raise InputError(f"walking speed missing or not > 0 in rows {_rows_text(rows[bad])}", file=file,
                             row=int(rows[bad][0]), field=speed_column, expected="speed in m/min > 0")
        if keep.any() and np.nanmax(speed[keep]) < 15:
            warnings.warn(f"{file or 'street network'}: all speeds in '{speed_column}' are below 15 m/min; "
                          "the column must be in metres per minute (not km/h)", SitingWarning, stacklevel=3)
    else:
        speed = np.full(len(gdf), float(default_speed_m_per_min))

    # geometry: missing / empty / non-line / invalid
    missing = np.array([g is None for g in geoms], dtype=bool)
    gvals = np.where(missing, None, geoms)
    empty = ~missing & shapely.is_empty(gvals)
    types = shapely.get_type_id(gvals)
    nonline = ~missing & ~empty & ~np.isin(types, [1, 5])  # LineString, MultiLineString
    invalid = ~missing & ~empty & ~nonline & ~shapely.is_valid(gvals)
    coords_ok = np.ones(len(gdf), dtype=bool)
    in_range = np.ones(len(gdf), dtype=bool)
    good_idx = np.flatnonzero(~(missing | empty | nonline | invalid))
    if good_idx.size:
        c, ix = shapely.get_coordinates(gvals[good_idx], return_index=True)
        finite = np.isfinite(c).all(axis=1)
        if not finite.all():
            coords_ok[good_idx[np.unique(ix[~finite])]] = False
        geographic = CRS.from_user_input(gdf.crs).is_geographic
        lim = np.array([180.0, 90.0]) if geographic else np.full(2, LIMITS["coordinate_m"][1])
        inside = ~finite | (np.abs(np.nan_to_num(c)) <= lim).all(axis=1)
        if not inside.all():
            in_range[good_idx[np.unique(ix[~inside])]] = False
    invalid |= ~coords_ok & ~(missing | empty | nonline)
    out_of_range = ~in_range & ~invalid
    problems = {"missing geometry": missing, "empty geometry": empty,
                "not a (Multi)LineString": nonline, "invalid geometry": invalid,
                "coordinates out of range for the CRS (metres declared as degrees?)": out_of_range}
    invalid = invalid | out_of_range
    bad_any = (missing | empty | nonline | invalid) & keep
    if bad_any.any():
        text = "; ".join(f"{name} in rows {_rows_text(rows[mask & keep])}"
                         for name, mask in problems.items() if (mask & keep).any())
        if on_invalid == "raise":
            first = int(rows[bad_any][0])
            raise InputError(text, file=file, row=first, field="geometry",
                             expected="a valid, non-empty LineString or MultiLineString (or on_invalid='drop')")
        warnings.warn(f"{file or 'street network'}: dropped {int(bad_any.sum())} line(s): {text}",
                      SitingWarning, stacklevel=3)
        keep &= ~bad_any

    lines = gpd.GeoSeries(gvals[keep], crs=gdf.crs)
    speed = speed[keep]

    crs = CRS.from_user_input(gdf.crs)
    if crs.is_geographic:
        if target_crs is not None:
            to = CRS.from_user_input(target_crs)
            how = f"the given target CRS {to.to_string()}"
        else:
            try:
                to = lines.estimate_utm_crs() if len(lines) else CRS.from_epsg(3857)
            except (RuntimeError, ValueError) as exc:
                raise InputError(f"no UTM zone found for the street network in {crs.to_string()} ({exc})",
                                 file=file, field="crs", expected="a projected CRS in metres") from None
            how = f"the estimated UTM CRS {to.to_string()}"
        if not _projected_metres(to):
            raise InputError(f"target CRS {to.to_string()} is not projected in metres", field="target_crs",
                             expected="a projected CRS in metres")
        warnings.warn(f"{file or 'street network'}: CRS {crs.to_string()} is geographic; "
                      f"projected to {how}", SitingWarning, stacklevel=3)
        lines = lines.to_crs(to)
        crs = to
        xy = shapely.get_coordinates(np.asarray(lines.values, dtype=object))
        if not (np.isfinite(xy).all() and (np.abs(xy) <= LIMITS["coordinate_m"][1]).all()):
            raise InputError(f"street network cannot be projected to {crs.to_string()} (coordinates out of range)",
                             file=file, field="geometry", expected="longitude −180…180, latitude −90…90")
    elif not _projected_metres(crs):
        raise InputError(f"street network CRS {crs.to_string()} is not in metres", file=file,
                         expected="a geographic CRS or a projected CRS in metres")

    # explode MultiLineStrings: one LineString per part, carrying its row's speed
    parts, part_idx = shapely.get_parts(np.asarray(lines.values, dtype=object), return_index=True)
    return parts, speed[part_idx], crs


def read_lines(path: Any, layer: str | int | None = None) -> gpd.GeoDataFrame:
    """Read a GeoPackage / GeoJSON / Shapefile of lines with pyogrio.

    Raises
    ------
    InputError
        The file is missing or cannot be read, naming the file.
    """
    from pathlib import Path

    from siting.guards import input_file

    path = Path(path)
    input_file(path, "street network")  # missing, a folder or a FIFO: an error, never a blocking read
    try:
        return gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own DataSourceError / DataLayerError
        raise InputError(f"cannot read street network: {exc}", file=str(path),
                         expected="a GeoPackage, GeoJSON or Shapefile of lines") from exc


MAP_LINE_KINDS: tuple[str, ...] = ("river", "street", "bridge", "crossing", "rail", "expressway", "barrier")


def map_lines(gdf: gpd.GeoDataFrame, *, walkable_column: str | None = None, kind_column: str = "edge_kind",
              target_crs: Any = None) -> gpd.GeoDataFrame:
    """The lines of a street network as a map layer: columns ``kind`` and ``geometry``.

    Parameters
    ----------
    gdf : the network as read (walkable and non-walkable rows).
    walkable_column : rows where it is false are barriers (rail, expressway, wall, …).
    kind_column : a column naming each line's kind (the demo's ``edge_kind``); used when present
        and its value is one of :data:`MAP_LINE_KINDS`, else ``street`` / ``barrier``.
    target_crs : reproject to this CRS (the communities').

    Returns
    -------
    GeoDataFrame of the valid, non-empty (Multi)LineStrings only: this is for drawing, the
    walking-time reader reports bad rows itself.
    """
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = np.array([g is not None for g in geoms], dtype=bool)
    ok[ok] = ~shapely.is_empty(geoms[ok]) & np.isin(shapely.get_type_id(geoms[ok]), [1, 5])
    walkable = np.ones(len(gdf), dtype=bool)
    if walkable_column is not None and walkable_column in gdf.columns:
        walkable = gdf[walkable_column].map(_as_bool).fillna(True).to_numpy(dtype=bool)
    kind = np.where(walkable, "street", "barrier").astype(object)
    if kind_column in gdf.columns:
        named = gdf[kind_column].astype(str).str.lower().to_numpy()
        kind = np.where(np.isin(named, MAP_LINE_KINDS), named, kind)
    out = gpd.GeoDataFrame({"kind": kind[ok]}, geometry=gpd.GeoSeries(geoms[ok], crs=gdf.crs).values, crs=gdf.crs)
    if target_crs is not None and out.crs is not None:
        out = out.to_crs(target_crs)
    return out
