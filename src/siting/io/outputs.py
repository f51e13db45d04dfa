"""Write a plan to a folder, atomically: everything goes to a temporary sibling folder that
is renamed into place only when every file is written, so a failure (or Ctrl-C) never
leaves a half-written output and never destroys an earlier one.

Files: ``report.html`` (self-contained, opens offline), ``plan.gpkg`` (layers communities,
spaces (every candidate, column ``taken``), links, hubs, shortfalls, and QGIS default styles
in its ``layer_styles`` table: it opens coloured in QGIS; in the CRS the communities came in, or
the scenario's ``data.output_crs``), the same layers as ``<layer>.geojson`` (EPSG:4326),
``communities.csv``, ``spaces.csv``, ``links.csv``, ``services.csv``, ``coverage_by_age.csv``,
``shortfalls.csv``, ``accessibility.csv`` (2SFCA before/after), ``healthcheck.csv`` /
``healthcheck_districts.csv`` (health-check style index before/after), ``summary.json`` and
``scenario.yaml`` (the settings as applied); with ``--xlsx`` (scenario ``outputs.xlsx``) also
``plan.xlsx``, the CSV tables as one workbook (:mod:`siting.io.xlsx`); with multi-year phasing
also ``years.csv`` (spending and standards met per year) and an ``open_year`` column in the spaces.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml

from siting.analysis.accessibility import Decay
from siting.analysis.figures import PlanFigures, plan_figures
from siting.errors import OutputError
from siting.io.atomic import atomic_folder, atomic_write_text
from siting.io.qgis_styles import (
    community_style,
    hub_style,
    link_style,
    shortfall_style,
    space_style,
    write_layer_styles,
)
from siting.plan import Outcome
from siting.report.html import report_html


def check_output_folder(out: Path, force: bool) -> None:
    """Refuse an existing non-empty folder unless ``force`` (checked *before* solving)."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        raise OutputError(f"{out}: folder exists and is not empty (use --force to replace it)")
    parent = out.resolve().parent
    if not parent.exists():
        raise OutputError(f"{parent}: parent folder does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"{parent}: not writable")


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not math.isfinite(float(o)) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


# summary.json figures carry 12 significant digits: past them, the last bits of a sum depend on the
# memory alignment of its array (NumPy's SIMD loops), which differs between a process pool worker and
# the main process; seen as 42.00000000000001 against 42.0 users in a sweep's summaries
SUMMARY_DIGITS = 12


def _clean(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, float):
        return float(f"{o:.{SUMMARY_DIGITS}g}")
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list):
        return [_clean(v) for v in o]
    return o


# count columns written as integers (they are floats in the arrays, e.g. households)
INTEGER_COLUMNS: frozenset[str] = frozenset({"households", "communities", "spaces", "n_services", "floor",
                                             "available_year", "open_year", "year"})
DECIMALS = 6  # floats in tables and layers: 0.9999999999999999 → 1.0; costs and areas keep 6 decimals


def tidy(df: Any) -> Any:
    """A copy of a table for writing: counts as integers, floats rounded to :data:`DECIMALS`."""
    if df is None:
        return None
    out = df.copy()
    for col in out.columns:
        if col == "geometry" or not pd.api.types.is_float_dtype(out[col]):
            continue
        vals = out[col].to_numpy(float)
        finite = np.isfinite(vals)
        if col in INTEGER_COLUMNS and np.all(np.equal(np.round(vals[finite]), vals[finite])):
            out[col] = out[col].round().astype("Int64")
        else:
            out[col] = out[col].round(DECIMALS)
    return out


def plan_layers(fig: PlanFigures) -> dict[str, gpd.GeoDataFrame]:
    """The GIS layers of a plan, as ``plan.gpkg`` holds them (before rounding).

    Parameters
    ----------
    fig : the outcome's figures (:func:`siting.analysis.figures.plan_figures`), with a plan.

    Returns
    -------
    dict of str to geopandas.GeoDataFrame
        ``communities``, ``spaces`` (every candidate, column ``taken``), ``links``, ``hubs`` (the
        spaces that are a community's hub) and ``shortfalls`` (empty when every standard is met).

    Raises
    ------
    ValueError
        ``fig`` has no plan tables (the solve found no plan).
    """
    if (fig.communities is None or fig.spaces is None or fig.candidates is None or fig.links is None
            or fig.shortfalls is None):
        raise ValueError("plan_layers: the figures have no plan tables (the solve found no plan)")
    geo = fig.communities[["community_id", "name", "geometry"]]
    short = gpd.GeoDataFrame(geo.merge(fig.shortfalls, on="community_id", how="inner"), geometry="geometry",
                             crs=fig.communities.crs)
    return {"communities": fig.communities, "spaces": fig.candidates, "links": fig.links,
            "hubs": fig.spaces[fig.spaces["hub_of"] != ""], "shortfalls": short}


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text cell starting with one of these is read as a formula by Excel / LibreOffice."""


def formula_safe(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell that starts like a formula (``= + - @``, tab, CR) prefixed by ``'``.

    A community named ``=HYPERLINK(...)`` stays text when ``communities.csv`` is opened in a
    spreadsheet (CSV injection). Numbers are left alone (a negative floor stays a number).
    """
    out = df.copy(deep=False)
    for col in out.columns:
        values = out[col]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_START)).to_numpy(dtype=bool)
        if risky.any():
            out[col] = values.where(~risky, values.map(lambda v: f"'{v}"))
    return out


def output_crs(outcome: Outcome, scenario: Any = None, crs: Any = None) -> Any:
    """The CRS of the GeoPackage layers: ``crs`` if given, else the scenario's ``data.output_crs``,
    else the CRS the communities came in (:attr:`Instance.source_crs`), else the working CRS."""
    from pyproj import CRS

    chosen = crs if crs is not None else getattr(getattr(scenario, "data", None), "output_crs", None)
    if chosen is not None:
        return CRS.from_user_input(chosen)
    inst = outcome.instance
    return inst.source_crs if inst.source_crs is not None else inst.communities.crs


def write_outcome(outcome: Outcome, out: str | Path, *, force: bool = False, scenario: Any = None,
                  figures: PlanFigures | None = None, lang: str | None = None, crs: Any = None,
                  xlsx: bool | None = None) -> Path:
    """Write all outputs of ``outcome`` to ``out`` atomically (the folder ``siting run`` writes).

    Parameters
    ----------
    outcome : Outcome
        The solve, with or without a plan (without: ``summary.json``, ``scenario.yaml`` and the
        report only).
    out : str or pathlib.Path
        The folder to create.
    force : bool
        Replace an existing non-empty folder.
    scenario : Scenario, optional
        The settings to save as ``scenario.yaml`` (default: the instance's).
    figures : PlanFigures, optional
        The outcome's :func:`~siting.analysis.figures.plan_figures` when the caller has already
        computed them (the CLI prints its summary from the same value).
    lang : {"en", "zh"}, optional
        The report's language (default: the scenario's ``report.lang``, else en).
    crs : pyproj CRS or str, optional
        The GeoPackage layers' CRS (default: :func:`output_crs`; the GeoJSON files are EPSG:4326).
    xlsx : bool, optional
        Also write ``plan.xlsx``, the tables as one workbook (default: the scenario's
        ``outputs.xlsx``, else no; :mod:`siting.io.xlsx`).

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    OutputError
        ``out`` is a file, a non-empty folder (without ``force``), or its parent is missing or
        not writable; nothing is written.
    """
    out = Path(out)
    check_output_folder(out, force)
    inst = outcome.instance
    fig = figures if figures is not None else plan_figures(outcome)
    lang = lang or getattr(getattr(scenario, "report", None), "lang", None) or "en"
    target = output_crs(outcome, scenario, crs)
    if xlsx is None:
        xlsx = bool(getattr(getattr(scenario, "outputs", None), "xlsx", False))
    with atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text(json.dumps(_clean(fig.summary), indent=2, default=_json_default),
                                          encoding="utf-8")
        settings = (scenario if scenario is not None else inst.settings).model_dump(mode="json")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
        if fig.communities is not None:
            gpkg = tmp / "plan.gpkg"
            for layer, gdf in plan_layers(fig).items():
                if len(gdf):
                    gdf = tidy(gdf)
                    if target is not None and gdf.crs is not None and gdf.crs != target:
                        gdf = gdf.to_crs(target)
                    gdf.to_file(gpkg, layer=layer, driver="GPKG")
                    geo = gdf.to_crs(4326) if gdf.crs is not None else gdf
                    geo.to_file(tmp / f"{layer}.geojson", driver="GeoJSON")
            if gpkg.exists():
                geom = str(fig.communities.geom_type.iloc[0]) if len(fig.communities) else "Point"
                write_layer_styles(gpkg, {"communities": community_style(geom), "spaces": space_style(),
                                          "hubs": hub_style(), "links": link_style(),
                                          "shortfalls": shortfall_style(geom)})
            tables = {"communities": fig.communities.drop(columns="geometry"),
                      "spaces": fig.spaces.drop(columns="geometry"), "links": fig.links.drop(columns="geometry"),
                      "services": fig.services, "coverage_by_age": fig.coverage_by_age, "shortfalls": fig.shortfalls,
                      "accessibility": fig.accessibility, "healthcheck": fig.healthcheck,
                      "healthcheck_districts": fig.healthcheck_districts}
            if fig.years is not None:  # multi-year phasing: spending and standards met per year
                tables["years"] = fig.years
            tidied = {name: tidy(table) for name, table in tables.items()}
            for name, table in tidied.items():
                formula_safe(table).to_csv(tmp / f"{name}.csv", index=False)
            if xlsx:
                from siting.io.xlsx import write_xlsx
                from siting.report.words import Words

                write_xlsx(tidied, tmp / "plan.xlsx", Words(inst.catalogue, lang), formula_safe)
        (tmp / "report.html").write_text(report_html(outcome, fig, lang=lang), encoding="utf-8")
    return out


def write_report(outcome: Outcome, path: str | Path, *, decay: Decay = "none", title: str | None = None,
                 lang: str = "en") -> Path:
    """Write the HTML report of ``outcome`` (:func:`siting.report.html.report_html`) to ``path`` atomically.

    Parameters
    ----------
    outcome : Outcome
        The solve.
    path : str or pathlib.Path
        The file (its folder must exist).
    decay : {"none", "gaussian", "stepped"}
        The 2SFCA distance decay.
    title : str, optional
        The page title.
    lang : {"en", "zh"}
        The labels' language.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_text(path, report_html(outcome, plan_figures(outcome, decay), title=title, lang=lang))
