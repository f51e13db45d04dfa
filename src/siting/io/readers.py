"""Read the input files: communities and candidate spaces (CSV, GeoPackage, GeoJSON,
Shapefile, FlatGeobuf) and the adjacency table, each validated by :mod:`siting.core.schema`.

CSV files carry ``x``/``y`` columns in metres plus a CRS given by the scenario; GIS files
carry point or polygon geometry (a polygon's location is its representative point). Errors
name the file, the 1-based data row (header excluded) and the field.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.core.schema import check_crs, check_not_degrees, validate_communities, validate_spaces
from siting.errors import InputError
from siting.guards import input_file

GEO_SUFFIXES = {".gpkg", ".geojson", ".json", ".shp", ".fgb"}


def read_csv_text(path: Path, what: str) -> pd.DataFrame:
    """A CSV as text cells (UTF-8, BOM allowed); every read problem is an :class:`InputError`.

    The path must be a regular file (:func:`siting.guards.input_file`); an empty file, a
    header without rows, bytes that are not UTF-8 and tokenizing errors name the file.
    """
    origin = str(path)
    input_file(path, what)
    if path.stat().st_size == 0:
        raise InputError(f"{what} file is empty", file=origin, expected="a header row and at least one data row")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(f"{what} file is empty", file=origin, expected="a header row and data rows") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not a UTF-8 text file (byte {exc.start})", file=origin,
                         expected="a CSV saved as UTF-8") from None
    except (pd.errors.ParserError, ValueError, OverflowError, csv.Error) as exc:
        raise InputError(f"cannot parse as CSV: {str(exc).splitlines()[0][:300]}", file=origin) from None
    except OSError as exc:
        raise InputError(f"cannot read {what} file: {exc.strerror or exc}", file=origin) from None
    if df.empty:
        raise InputError(f"{what} file has no data rows", file=origin, expected="at least one data row")
    return df


def _read_table(path: Path, crs: str | None, what: str) -> gpd.GeoDataFrame:
    """Read a CSV (x/y + crs) or a GIS file into a GeoDataFrame of points/polygons."""
    origin = str(path)
    suffix = path.suffix.lower()
    if suffix not in GEO_SUFFIXES and suffix != ".csv":
        input_file(path, what)
        raise InputError(f"unsupported file type '{suffix}'", file=origin,
                         expected="one of .csv, .gpkg, .geojson, .json, .shp, .fgb")
    if suffix == ".csv":
        df = read_csv_text(path, what)
        for col in ("x", "y"):
            if col not in df.columns:
                raise InputError(f"missing column '{col}'", file=origin, field=col,
                                 expected="x and y coordinates in the scenario's CRS (metres)")
        xy = {}
        for col in ("x", "y"):
            vals = pd.to_numeric(df[col], errors="coerce")
            bad = np.flatnonzero(vals.isna().to_numpy() | ~np.isfinite(vals.to_numpy(dtype=float, na_value=np.nan)))
            if bad.size:
                raise InputError(f"not a number: '{df[col].iloc[bad[0]]}'", file=origin, row=int(bad[0]) + 1,
                                 field=col, expected="a coordinate in metres")
            xy[col] = vals.to_numpy(dtype=float)
        if not crs:
            raise InputError("a CSV needs a coordinate reference system", file=origin, field="crs",
                             expected="data.crs in the scenario, e.g. 'EPSG:4549'")
        gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy["x"], xy["y"]), crs=check_crs(crs, origin))
        check_not_degrees(gdf, origin, declared="data.crs")
        return gdf
    input_file(path, what)
    if path.stat().st_size == 0:
        raise InputError(f"{what} file is empty", file=origin, expected="at least one feature")
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own DataSourceError & co
        raise InputError(f"cannot read {what}: {str(exc).splitlines()[0][:300]}", file=origin) from None
    if gdf.empty:
        raise InputError(f"{what} file has no features", file=origin, expected="at least one feature")
    if gdf.crs is None:
        if not crs:
            raise InputError("the file has no coordinate reference system", file=origin, field="crs",
                             expected="a .prj / CRS in the file, or data.crs in the scenario")
        gdf = gdf.set_crs(check_crs(crs, origin))
    check_not_degrees(gdf, origin, declared="the file's CRS")
    return gdf


def read_communities(path: str | Path, service_ids: tuple[str, ...], crs: str | None = None) -> gpd.GeoDataFrame:
    path = Path(path)
    return validate_communities(_read_table(path, crs, "communities"), service_ids, str(path))


def read_spaces(path: str | Path, service_ids: tuple[str, ...], target_crs: Any,
                crs: str | None = None) -> gpd.GeoDataFrame:
    path = Path(path)
    return validate_spaces(_read_table(path, crs, "spaces"), service_ids, target_crs, str(path))


def read_adjacency(path: str | Path, community_ids: pd.Index) -> np.ndarray:
    """CSV ``community_id,neighbour_id`` → array of index pairs (i, k), i < k."""
    path = Path(path)
    origin = str(path)
    df = read_csv_text(path, "adjacency")
    for col in ("community_id", "neighbour_id"):
        if col not in df.columns:
            raise InputError(f"missing column '{col}'", file=origin, field=col)
    pos = pd.Series(np.arange(len(community_ids)), index=community_ids)
    pairs = []
    for col in ("community_id", "neighbour_id"):
        unknown = ~df[col].isin(community_ids)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(f"unknown community '{df[col].iloc[i]}'", file=origin, row=i + 1, field=col)
        pairs.append(pos[df[col]].to_numpy())
    a, b = np.minimum(pairs[0], pairs[1]), np.maximum(pairs[0], pairs[1])
    keep = a != b
    return np.unique(np.column_stack([a[keep], b[keep]]), axis=0)
