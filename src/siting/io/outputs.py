"""Write a plan to a folder, atomically: everything goes to a temporary sibling folder that
is renamed into place only when every file is written, so a failure (or Ctrl-C) never
leaves a half-written output and never destroys an earlier one.

Files: ``report.html`` (self-contained, opens offline), ``plan.gpkg`` (layers communities,
spaces, links, hubs; opens in QGIS as it is), the same layers as ``<layer>.geojson``
(EPSG:4326), ``communities.csv``, ``spaces.csv``, ``links.csv``, ``services.csv``,
``coverage_by_age.csv``, ``shortfalls.csv``, ``accessibility.csv`` (2SFCA before/after),
``healthcheck.csv`` / ``healthcheck_districts.csv`` (health-check style index before/after),
``summary.json`` and ``scenario.yaml`` (the settings as applied).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from siting.analysis.accessibility import Decay
from siting.analysis.figures import PlanFigures, plan_figures
from siting.errors import OutputError
from siting.io.atomic import atomic_folder, atomic_write_text
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
                  figures: PlanFigures | None = None) -> Path:
    """Write all outputs of ``outcome`` to ``out`` atomically; returns the folder.

    ``scenario``: the settings to save as ``scenario.yaml`` (default: the instance's);
    ``figures``: the outcome's :class:`~siting.analysis.figures.PlanFigures` when the caller has
    already computed them (the CLI prints its summary from the same value)."""
    out = Path(out)
    check_output_folder(out, force)
    inst = outcome.instance
    fig = figures if figures is not None else plan_figures(outcome)
    with atomic_folder(out) as tmp:
        (tmp / "summary.json").write_text(json.dumps(_clean(fig.summary), indent=2, default=_json_default),
                                          encoding="utf-8")
        settings = (scenario if scenario is not None else inst.settings).model_dump(mode="json")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True),
                                           encoding="utf-8")
        if fig.communities is not None:
            hubs = fig.spaces[fig.spaces["hub_of"] != ""]
            gpkg = tmp / "plan.gpkg"
            for layer, gdf in (("communities", fig.communities), ("spaces", fig.spaces), ("links", fig.links),
                               ("hubs", hubs)):
                if len(gdf):
                    gdf.to_file(gpkg, layer=layer, driver="GPKG")
                    geo = gdf.to_crs(4326) if gdf.crs is not None else gdf
                    geo.to_file(tmp / f"{layer}.geojson", driver="GeoJSON")
            formula_safe(fig.communities.drop(columns="geometry")).to_csv(tmp / "communities.csv", index=False)
            formula_safe(fig.spaces.drop(columns="geometry")).to_csv(tmp / "spaces.csv", index=False)
            formula_safe(fig.links.drop(columns="geometry")).to_csv(tmp / "links.csv", index=False)
            formula_safe(fig.services).to_csv(tmp / "services.csv", index=False)
            formula_safe(fig.coverage_by_age).to_csv(tmp / "coverage_by_age.csv", index=False)
            formula_safe(fig.shortfalls).to_csv(tmp / "shortfalls.csv", index=False)
            formula_safe(fig.accessibility).to_csv(tmp / "accessibility.csv", index=False)
            formula_safe(fig.healthcheck).to_csv(tmp / "healthcheck.csv", index=False)
            formula_safe(fig.healthcheck_districts).to_csv(tmp / "healthcheck_districts.csv", index=False)
        (tmp / "report.html").write_text(report_html(outcome, fig), encoding="utf-8")
    return out


def write_report(outcome: Outcome, path: str | Path, *, decay: Decay = "none", title: str | None = None) -> Path:
    """Write the HTML report of ``outcome`` (:func:`siting.report.html.report_html`) to ``path`` atomically."""
    return atomic_write_text(path, report_html(outcome, plan_figures(outcome, decay), title=title))
