"""Row schemas and validation of the two input tables (communities, candidate spaces).

Every row is validated with a pydantic row schema (:data:`CommunityRow`, :class:`SpaceRow`);
the first bad row raises an :class:`~siting.errors.InputError` naming the origin (file or
``<communities>``), the 1-based data row (header excluded) and the field, with what was
expected. Works on GeoDataFrames only: reading files is :mod:`siting.io.readers`.

Communities (one row each):
    community_id, name, district, street, households, residents_0_2 … residents_80_plus,
    kind (new|existing), community_type, health_score (0–100), pilot (optional),
    existing_m2_<service id> (optional, one column per service with existing floor area).
Spaces (one row each):
    space_id, name, area_m2 (> 0), source, acquisition_cny, rent_cny_per_year,
    retrofit_cny_per_m2, operating_cny_per_m2_year, floor (≠ 0; 1 ground, −1 basement),
    excluded_services (";"-separated service ids), status (candidate|required|forbidden),
    available_year (optional).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from siting.core.catalogue import AGE_GROUPS, residents_column
from siting.errors import InputError, SitingWarning
from siting.guards import LIMITS, limit

COMMUNITY_TYPES = ("old_compound", "resettlement", "commercial", "new_community", "future_community")
SPACE_SOURCES = ("vacated", "idle_social", "state_transfer", "new_build", "existing_facility")
SPACE_STATUSES = ("candidate", "required", "forbidden")
EXISTING_PREFIX = "existing_m2_"


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_missing(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip() == "":
            return None
        if isinstance(v, float) and np.isnan(v):
            return None
        return v

    @field_validator("community_id", "space_id", mode="before", check_fields=False)
    @classmethod
    def _id(cls, v: Any) -> Any:
        """Ids are text; a number read from a GIS file (12.0) becomes "12"."""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return None if v is None else str(v)

    @field_validator("name", "district", "street", mode="before", check_fields=False)
    @classmethod
    def _text(cls, v: Any) -> Any:
        return "" if v is None else str(v)


class _CommunityBase(_Row):
    community_id: str = Field(min_length=1)
    name: str = ""
    district: str = ""
    street: str = ""
    households: float = Field(**limit("households"))
    kind: Literal["new", "existing"]
    community_type: Literal[COMMUNITY_TYPES] | None = None  # type: ignore[valid-type]
    health_score: float = Field(ge=0, le=100)
    pilot: bool = False

    @field_validator("pilot", mode="before")
    @classmethod
    def _pilot(cls, v: Any) -> Any:
        return False if v is None or (isinstance(v, str) and not v.strip()) else v


CommunityRow = create_model(
    "CommunityRow",
    __base__=_CommunityBase,
    **{residents_column(g): (float, Field(**limit("residents"))) for g in AGE_GROUPS},
)


class SpaceRow(_Row):
    space_id: str = Field(min_length=1)
    name: str = ""
    area_m2: float = Field(gt=0, le=LIMITS["area_m2"][1])
    source: Literal[SPACE_SOURCES]  # type: ignore[valid-type]
    acquisition_cny: float = Field(0.0, **limit("cost_cny"))
    rent_cny_per_year: float = Field(0.0, **limit("cost_cny"))
    retrofit_cny_per_m2: float = Field(0.0, **limit("cost_cny_per_m2"))
    operating_cny_per_m2_year: float = Field(0.0, **limit("cost_cny_per_m2"))
    floor: int = Field(**limit("floor"))
    excluded_services: tuple[str, ...] = ()
    status: Literal[SPACE_STATUSES] = "candidate"  # type: ignore[valid-type]
    available_year: int | None = Field(None, **limit("year"))

    @field_validator("floor", mode="before")
    @classmethod
    def _floor(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                f = float(v)
            except ValueError:
                return v
            return int(f) if f.is_integer() else v
        return v

    @field_validator("floor")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("floor 0 does not exist: 1 = ground, 2 = one storey up, -1 = first basement")
        return v

    @field_validator("excluded_services", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        if v is None:
            return ()
        if isinstance(v, str):
            return tuple(p.strip() for p in v.replace(",", ";").split(";") if p.strip())
        return v

    @field_validator("status", "source", mode="before")
    @classmethod
    def _default_status(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


def check_crs(crs: Any, origin: str) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError):
        raise InputError(f"unknown CRS '{crs}'", file=origin, field="crs",
                         expected="an EPSG code such as 'EPSG:4549' or a WKT/PROJ string") from None


def _check_geometry(gdf: gpd.GeoDataFrame, origin: str) -> None:
    geom = gdf.geometry
    empty = np.flatnonzero(geom.isna().to_numpy() | geom.is_empty.to_numpy())
    if empty.size:
        raise InputError("missing or empty geometry", file=origin, row=int(empty[0]) + 1, field="geometry",
                         expected="a point or polygon")
    types = geom.geom_type.to_numpy()
    bad = np.flatnonzero(~np.isin(types, ["Point", "Polygon", "MultiPolygon"]))
    if bad.size:
        raise InputError(f"geometry type {types[bad[0]]}", file=origin, row=int(bad[0]) + 1, field="geometry",
                         expected="Point, Polygon or MultiPolygon")


def _coordinate_bounds(gdf: gpd.GeoDataFrame, origin: str) -> tuple[np.ndarray, np.ndarray]:
    """Per row: (min over its vertices of (x, y), max of (x, y)); non-finite coordinates are an error."""
    xy, row = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise InputError("coordinate is not a finite number", file=origin, row=int(row[bad][0]) + 1,
                         field="geometry", expected="finite x/y")
    return xy, row


def check_coordinates(gdf: gpd.GeoDataFrame, origin: str) -> None:
    """Coordinates that cannot be in the declared CRS are an error with the likely fix.

    Geographic CRS: longitude within ±180 and latitude within ±90 (x = 500,842 "degrees" are
    metres read as degrees, e.g. a GeoJSON, which is EPSG:4326 by definition, holding projected
    coordinates). Projected CRS: within ±``LIMITS["coordinate_m"]`` metres.
    """
    xy, row = _coordinate_bounds(gdf, origin)
    if gdf.crs is None or xy.size == 0:
        return
    if gdf.crs.is_geographic:
        out = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if out.any():
            k = int(np.flatnonzero(out)[0])
            raise InputError(
                f"coordinates ({xy[k, 0]:.6g}, {xy[k, 1]:.6g}) cannot be degrees of {gdf.crs.to_string()}: "
                f"they look like metres of a projected CRS", file=origin, row=int(row[k]) + 1, field="geometry",
                expected="longitude −180…180 and latitude −90…90; if the coordinates are metres, declare their "
                         "projected CRS (data.crs such as 'EPSG:4549', or a CRS/.prj in the file; a GeoJSON is "
                         "always EPSG:4326, so convert it or use a GeoPackage)")
    else:
        lo, hi = LIMITS["coordinate_m"]
        out = (xy < lo).any(axis=1) | (xy > hi).any(axis=1)
        if out.any():
            k = int(np.flatnonzero(out)[0])
            raise InputError(f"coordinates ({xy[k, 0]:.6g}, {xy[k, 1]:.6g}) are beyond any projected CRS",
                             file=origin, row=int(row[k]) + 1, field="geometry",
                             expected=f"metres within ±{hi:g}")


def check_not_degrees(gdf: gpd.GeoDataFrame, origin: str, declared: str) -> None:
    """For data files: every coordinate within ±180/±90 in a projected CRS looks like degrees.

    Real projected coordinates of a district are thousands of metres from the CRS origin; a
    file whose points all fit in the longitude/latitude box has degrees declared as metres.
    """
    if gdf.crs is None or gdf.crs.is_geographic or gdf.empty:
        return
    xy, _ = _coordinate_bounds(gdf, origin)
    if xy.size and (np.abs(xy[:, 0]) <= 180).all() and (np.abs(xy[:, 1]) <= 90).all():
        raise InputError(
            f"all coordinates lie within ±180/±90 (e.g. {xy[0, 0]:.6g}, {xy[0, 1]:.6g}): they look like "
            f"longitude/latitude degrees, but {declared} {gdf.crs.to_string()} is in metres", file=origin,
            field="crs", expected="the CRS of the coordinates: 'EPSG:4326' (or EPSG:4490, CGCS2000) for degrees")


def _locations(gdf: gpd.GeoDataFrame, origin: str) -> np.ndarray:
    pts = gdf.geometry.representative_point()
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    lo, hi = LIMITS["coordinate_m"]
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1) | (xy < lo).any(axis=1) | (xy > hi).any(axis=1))
    if bad.size:
        raise InputError("location cannot be projected to metres", file=origin, row=int(bad[0]) + 1,
                         field="geometry", expected=f"a point within ±{hi:g} m after projection")
    return xy


def _validate_rows(df: pd.DataFrame, model: type[BaseModel], origin: str) -> list[BaseModel]:
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(f"missing column '{missing[0]}'", file=origin, field=missing[0],
                         expected=f"columns {required}")
    known = [*model.model_fields, EXISTING_PREFIX]
    for col in map(str, df.columns):
        cut = [f for f in known if len(col) == 10 and len(f) > 10 and f.startswith(col)]
        if col not in model.model_fields and cut:
            raise InputError(f"column '{col}' looks like '{cut[0]}' cut to 10 characters (a Shapefile limit)",
                             file=origin, field=col, expected=f"the full name '{cut[0]}': use a GeoPackage or a CSV")
    cols = [c for c in model.model_fields if c in df.columns]
    records = df[cols].to_dict("records")
    rows = []
    for i, rec in enumerate(records):
        try:
            rows.append(model.model_validate(rec))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = str(err["loc"][0]) if err["loc"] else None
            value = rec.get(field) if field else None
            raise InputError(f"{err['msg']} (got {value!r})", file=origin, row=i + 1, field=field) from None
    return rows


def _projected(gdf: gpd.GeoDataFrame, origin: str, target_crs: Any | None) -> gpd.GeoDataFrame:
    if target_crs is not None:
        return gdf.to_crs(target_crs) if gdf.crs != target_crs else gdf
    if gdf.crs.is_geographic:
        try:
            utm = gdf.estimate_utm_crs()
        except (RuntimeError, ValueError) as exc:
            raise InputError(f"no UTM zone found for the coordinates in {gdf.crs.to_string()} ({exc})", file=origin,
                             field="crs", expected="a projected CRS in metres, e.g. data.crs 'EPSG:4549'") from None
        warnings.warn(f"{origin}: geographic CRS {gdf.crs.to_string()} projected to {utm.to_string()} for distances",
                      stacklevel=3)
        return gdf.to_crs(utm)
    unit = gdf.crs.axis_info[0].unit_name if gdf.crs.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise InputError(f"CRS units are '{unit}'", file=origin, field="crs", expected="a projected CRS in metres")
    return gdf


def _prepare(data: Any, what: str, model: type[BaseModel], origin: str, target_crs: Any
             ) -> tuple[gpd.GeoDataFrame, np.ndarray, list[BaseModel]]:
    """Common to both tables: a non-empty GeoDataFrame, projected; locations; validated rows."""
    if not isinstance(data, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a GeoDataFrame (or a file)", file=origin)
    if data.empty:
        raise InputError(f"no {what}", file=origin, expected="at least one row")
    if data.crs is None:
        raise InputError(f"{what} have no coordinate reference system", file=origin, field="crs",
                         expected="a GeoDataFrame with a CRS")
    data = data.reset_index(drop=True)
    _check_geometry(data, origin)
    check_coordinates(data, origin)
    try:
        data = _projected(data, origin, target_crs)
    except (ValueError, RuntimeError) as exc:  # pyproj: no transformation between the two CRSs
        raise InputError(f"cannot project to metres: {str(exc).splitlines()[0][:200]}", file=origin,
                         field="crs", expected="a CRS that pyproj can transform") from None
    xy = _locations(data, origin)
    return data, xy, _validate_rows(pd.DataFrame(data.drop(columns=data.geometry.name)), model, origin)


def validate_communities(
    data: gpd.GeoDataFrame | pd.DataFrame, service_ids: tuple[str, ...], origin: str = "<communities>"
) -> gpd.GeoDataFrame:
    """Validate a communities table; returns a clean GeoDataFrame (projected, metres). Its
    ``attrs["source_crs"]`` keeps the CRS the table came in (outputs are written back in it)."""
    source_crs = getattr(data, "crs", None)
    data, xy, rows = _prepare(data, "communities", CommunityRow, origin, None)
    out = pd.DataFrame([r.model_dump() for r in rows])
    _check_unique(out["community_id"], origin, "community_id")
    for col in [c for c in data.columns if str(c).startswith(EXISTING_PREFIX)]:
        sid = str(col)[len(EXISTING_PREFIX):]
        if sid not in service_ids:
            raise InputError(f"column '{col}' names unknown service '{sid}'", file=origin, field=str(col),
                             expected=f"existing_m2_<one of {list(service_ids)}>")
    for sid in service_ids:
        col = EXISTING_PREFIX + sid
        vals = (pd.to_numeric(data[col].replace("", "0"), errors="coerce") if col in data.columns
                else pd.Series(0.0, index=data.index))
        arr = vals.to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0) | (arr > LIMITS["area_m2"][1]))
        if bad.size:
            raise InputError(f"bad floor area {data[col].iloc[bad[0]]!r}", file=origin, row=int(bad[0]) + 1,
                             field=col, expected=f"a number from 0 to {LIMITS['area_m2'][1]:g} (m²)")
        out[col] = arr
    out["x"], out["y"] = xy[:, 0], xy[:, 1]
    n_pilot = int(out["pilot"].sum())
    if n_pilot:
        warnings.warn(f"{origin}: {n_pilot} communities are marked 'pilot', which is read but not yet used by any "
                      "rule unless the scenario has a 'phasing:' section: without one, pilots are planned like "
                      "every other community",
                      SitingWarning, stacklevel=2)
    result = gpd.GeoDataFrame(out, geometry=data.geometry.values, crs=data.crs)
    result.attrs["source_crs"] = source_crs if source_crs is not None else data.crs
    return result


def validate_spaces(
    data: gpd.GeoDataFrame, service_ids: tuple[str, ...], target_crs: Any, origin: str = "<spaces>"
) -> gpd.GeoDataFrame:
    """Validate a candidate-spaces table; returns a clean GeoDataFrame in ``target_crs``."""
    data, xy, rows = _prepare(data, "candidate spaces", SpaceRow, origin, target_crs)
    for i, r in enumerate(rows):
        unknown = [s for s in r.excluded_services if s not in service_ids]
        if unknown:
            raise InputError(f"unknown service '{unknown[0]}'", file=origin, row=i + 1, field="excluded_services",
                             expected=f"';'-separated ids from {list(service_ids)}")
    out = pd.DataFrame([r.model_dump() for r in rows])
    _check_unique(out["space_id"], origin, "space_id")
    out["x"], out["y"] = xy[:, 0], xy[:, 1]
    n_year = int(out["available_year"].notna().sum())
    if n_year:
        warnings.warn(f"{origin}: {n_year} spaces give 'available_year', which is read but not yet used by any rule "
                      "unless the scenario has a 'phasing:' section: without one, every space is treated as "
                      "available from the start",
                      SitingWarning, stacklevel=2)
    return gpd.GeoDataFrame(out, geometry=data.geometry.values, crs=data.crs)


def _check_unique(ids: pd.Series, origin: str, field: str) -> None:
    dup = ids.duplicated(keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"duplicate id '{ids.iloc[i]}'", file=origin, row=i + 1, field=field, expected="unique ids")


def touching_adjacency(communities: gpd.GeoDataFrame) -> np.ndarray:
    """Adjacent = polygons that touch or overlap (M6); points have no neighbours."""
    poly = communities.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    if not poly.any():
        return np.zeros((0, 2), dtype=np.int64)
    idx = np.flatnonzero(poly)
    g = communities.geometry.iloc[idx].reset_index(drop=True)
    left, right = g.sindex.query(g, predicate="intersects")
    keep = left < right
    return np.unique(np.column_stack([idx[left[keep]], idx[right[keep]]]), axis=0).astype(np.int64)
