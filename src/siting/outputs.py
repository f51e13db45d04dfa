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
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .api import Outcome
from .errors import OutputError
from . import tables
from .accessibility import accessibility_by_community, accessibility_by_service, accessibility_table
from .healthcheck import healthcheck_districts, healthcheck_summary, healthcheck_table
from .report_html import write_report


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


def write_outcome(outcome: Outcome, out: str | Path, *, force: bool = False, scenario: Any = None) -> Path:
    """Write all outputs of ``outcome`` to ``out`` atomically; returns the folder."""
    out = Path(out)
    check_output_folder(out, force)
    inst, plan, ev = outcome.instance, outcome.plan, outcome.evaluation
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.resolve().parent))
    try:
        summ = tables.summary(inst, plan, ev, outcome.result, outcome.build_s, outcome.model_size)
        summ["independent_parts"] = outcome.parts
        if plan is not None and ev is not None:
            acc = accessibility_table(inst, plan)
            hc = healthcheck_table(inst, plan, ev)
            summ["healthcheck"] = healthcheck_summary(hc)
            summ["accessibility_by_service"] = accessibility_by_service(acc).to_dict("records")
        (tmp / "summary.json").write_text(json.dumps(_clean(summ), indent=2, default=_json_default), encoding="utf-8")
        settings = (scenario if scenario is not None else inst.settings).model_dump(mode="json")
        (tmp / "scenario.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
        if plan is not None and ev is not None:
            com = tables.community_table(inst, plan, ev)
            hc_cols = ["community_id"] + [f"{k}_{w}" for k in ("base", "balance") for w in ("before", "after")]
            com = com.merge(hc[hc_cols], on="community_id", how="left").merge(
                accessibility_by_community(acc), on="community_id", how="left")
            spa = tables.space_table(inst, plan, ev)
            links = tables.link_table(inst, plan)
            hubs = spa[spa["hub_of"] != ""]
            gpkg = tmp / "plan.gpkg"
            for layer, gdf in (("communities", com), ("spaces", spa), ("links", links), ("hubs", hubs)):
                if len(gdf):
                    gdf.to_file(gpkg, layer=layer, driver="GPKG")
                    geo = gdf.to_crs(4326) if gdf.crs is not None else gdf
                    geo.to_file(tmp / f"{layer}.geojson", driver="GeoJSON")
            com.drop(columns="geometry").to_csv(tmp / "communities.csv", index=False)
            spa.drop(columns="geometry").to_csv(tmp / "spaces.csv", index=False)
            links.drop(columns="geometry").to_csv(tmp / "links.csv", index=False)
            tables.service_table(inst, plan, ev).to_csv(tmp / "services.csv", index=False)
            tables.coverage_by_age(inst, ev).to_csv(tmp / "coverage_by_age.csv", index=False)
            tables.shortfall_table(inst, plan, ev).to_csv(tmp / "shortfalls.csv", index=False)
            acc.to_csv(tmp / "accessibility.csv", index=False)
            hc.to_csv(tmp / "healthcheck.csv", index=False)
            healthcheck_districts(hc).to_csv(tmp / "healthcheck_districts.csv", index=False)
        write_report(outcome, tmp / "report.html")
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _swap_into_place(tmp: Path, out: Path) -> None:
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        try:
            os.replace(tmp, out)
        except BaseException:
            os.replace(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
