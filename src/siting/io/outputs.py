"""Write a plan to a folder, atomically: everything goes to a temporary sibling folder that
is renamed into place only when every file is written, so a failure (or Ctrl-C) never
leaves a half-written output and never destroys an earlier one.

Files: ``report.html`` (self-contained, opens offline), ``plan.gpkg`` (layers communities,
spaces (every candidate, column ``taken``), links, hubs, shortfalls, and QGIS default styles
in its ``layer_styles`` table: it opens coloured in QGIS), the same layers as ``<layer>.geojson``
(EPSG:4326), ``communities.csv``, ``spaces.csv``, ``links.csv``, ``services.csv``,
``coverage_by_age.csv``, ``shortfalls.csv``, ``accessibility.csv`` (2SFCA before/after),
``healthcheck.csv`` / ``healthcheck_districts.csv`` (health-check style index before/after),
``summary.json`` and ``scenario.yaml`` (the settings as applied); with multi-year phasing also
``years.csv`` (spending and standards met per year) and an ``open_year`` column in the spaces.
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


def _clean(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
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


def shortfall_layer(fig: PlanFigures) -> gpd.GeoDataFrame | None:
    """Each standard not met (``shortfalls.csv``) with its community's geometry, for GIS."""
    if fig.shortfalls is None or fig.communities is None or not len(fig.shortfalls):
        return None
    geo = fig.communities[["community_id", "name", "geometry"]]
    out = geo.merge(fig.shortfalls, on="community_id", how="inner")
    return gpd.GeoDataFrame(out, geometry="geometry", crs=fig.communities.crs)


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


def write_outcome(outcome: Outcome, out: str | Path, *, force: bool = False, scenario: Any = None,
                  figures: PlanFigures | None = None, lang: str | None = None) -> Path:
    """Write all outputs of ``outcome`` to ``out`` atomically; returns the folder.

    ``scenario``: the settings to save as ``scenario.yaml`` (default: the instance's);
    ``figures``: the outcome's :class:`~siting.analysis.figures.PlanFigures` when the caller has
    already computed them (the CLI prints its summary from the same value);
    ``lang``: the report's language, en | zh (default: the scenario's ``report.lang``, else en)."""
    out = Path(out)
    check_output_folder(out, force)
    inst = outcome.instance
    fig = figures if figures is not None else plan_figures(outcome)
    lang = lang or getattr(getattr(scenario, "report", None), "lang", None) or "en"
    with atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text(json.dumps(_clean(fig.summary), indent=2, default=_json_default),
                                          encoding="utf-8")
        settings = (scenario if scenario is not None else inst.settings).model_dump(mode="json")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
        if fig.communities is not None:
            hubs = fig.spaces[fig.spaces["hub_of"] != ""]
            gpkg = tmp / "plan.gpkg"
            layers = {"communities": fig.communities, "spaces": fig.candidates, "links": fig.links, "hubs": hubs,
                      "shortfalls": shortfall_layer(fig)}
            for layer, gdf in layers.items():
                if gdf is not None and len(gdf):
                    gdf = tidy(gdf)
                    gdf.to_file(gpkg, layer=layer, driver="GPKG")
                    geo = gdf.to_crs(4326) if gdf.crs is not None else gdf
                    geo.to_file(tmp / f"{layer}.geojson", driver="GeoJSON")
            if gpkg.exists():
                geom = str(fig.communities.geom_type.iloc[0]) if len(fig.communities) else "Point"
                write_layer_styles(gpkg, {"communities": community_style(geom), "spaces": space_style(),
                                          "hubs": hub_style(), "links": link_style(),
                                          "shortfalls": shortfall_style(geom)})
            for name, table in (("communities", fig.communities.drop(columns="geometry")),
                                ("spaces", fig.spaces.drop(columns="geometry")),
                                ("links", fig.links.drop(columns="geometry")), ("services", fig.services),
                                ("coverage_by_age", fig.coverage_by_age), ("shortfalls", fig.shortfalls),
                                ("accessibility", fig.accessibility), ("healthcheck", fig.healthcheck),
                                ("healthcheck_districts", fig.healthcheck_districts)):
                formula_safe(tidy(table)).to_csv(tmp / f"{name}.csv", index=False)
            if fig.years is not None:  # multi-year phasing: spending and standards met per year
                tidy(fig.years).to_csv(tmp / "years.csv", index=False)
        (tmp / "report.html").write_text(report_html(outcome, fig, lang=lang), encoding="utf-8")
    return out


def write_report(outcome: Outcome, path: str | Path, *, decay: Decay = "none", title: str | None = None,
                 lang: str = "en") -> Path:
    """Write the HTML report of ``outcome`` (:func:`siting.report.html.report_html`) to ``path`` atomically."""
    return atomic_write_text(path, report_html(outcome, plan_figures(outcome, decay), title=title, lang=lang))
