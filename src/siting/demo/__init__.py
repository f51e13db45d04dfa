"""The built-in demo: a synthetic district generated from a seed plus packaged settings.

``scenarios/demo/`` in the repository is :func:`export_demo`'s output (the same data and
settings as files), the worked example that README explains field by field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from siting.core.catalogue import load_catalogue, load_preset
from siting.core.instance import Instance, reach_cutoff_min
from siting.demo.district import generate_city, generate_district, write_csv
from siting.errors import ScenarioError
from siting.io.atomic import atomic_write_text
from siting.io.scenario import Scenario

DEMO_SEED = 2024


def _raw_settings() -> dict[str, Any]:
    return yaml.safe_load(resources.files("siting.data").joinpath("demo_settings.yaml").read_text(encoding="utf-8"))


def demo_scenario(communities: str = "communities.csv", spaces: str = "spaces.csv") -> Scenario:
    """The demo scenario (data paths relative to where :func:`export_demo` writes them)."""
    raw = _raw_settings()
    raw["data"] = {"communities": communities, "spaces": spaces, "crs": "EPSG:4549"}
    try:
        return Scenario.model_validate(raw)
    except Exception as exc:  # the packaged file is ours: a failure here is a packaging bug
        raise ScenarioError(f"packaged demo settings are invalid: {exc}", file="demo_settings.yaml") from None


def demo_instance(seed: int = DEMO_SEED, city: bool = False, scenario: Scenario | None = None,
                  network: bool = False) -> Instance:
    """The synthetic district (or city); ``network=True`` walks on a synthetic street network
    (perturbed grid, a river with bridges, a rail line and an expressway) instead of straight lines."""
    scenario = scenario or demo_scenario()
    communities, spaces = generate_city(seed) if city else generate_district(seed)
    name = scenario.name + ("-city" if city else "") + ("-network" if network else "") + (
        "" if seed == DEMO_SEED else f"-seed{seed}")
    reach = basemap = None
    if network:
        import geopandas as gpd
        import pandas as pd

        from siting.demo.network import generate_street_network
        from siting.travel.lines import map_lines
        from siting.travel.network import StreetNetwork

        lines = generate_street_network(communities, spaces, seed)
        net = StreetNetwork.from_geodataframe(lines, walkable_column="walkable",
                                              default_speed_m_per_min=scenario.walking.speed_m_per_min)
        settings = scenario.settings()
        cutoff_min = reach_cutoff_min(load_catalogue(settings.catalogue_overrides, origin="catalogue_overrides"),
                                      load_preset(settings.standard, settings.standard_overrides, origin="standard"))
        reach = net.reach(communities, spaces, cutoff_min,
                          community_ids=communities["community_id"].tolist(), space_ids=spaces["space_id"].tolist())
        river = gpd.GeoDataFrame({"kind": ["river"]}, geometry=[lines.attrs["river_band"]], crs=lines.crs)
        basemap = pd.concat([river, map_lines(lines, walkable_column="walkable")], ignore_index=True)
    return Instance.from_geodataframes(communities, spaces, scenario.settings(), name=name, reach=reach,
                                      basemap=basemap)


def export_demo(folder: str | Path, seed: int = DEMO_SEED) -> Path:
    """Write the demo's data (CSV) and scenario.yaml into ``folder``; returns the scenario path."""
    folder = Path(folder)
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    communities, spaces = generate_district(seed)
    write_csv(communities, spaces, data)
    raw = _raw_settings()
    raw["data"] = {"communities": "data/communities.csv", "spaces": "data/spaces.csv", "crs": "EPSG:4549"}
    raw["overrides"] = {
        "tight_budget": {"budget_cny": 1.0e9, "objective": {"mode": "demand"}},
        "national_standard": {"standard": "national_2024"},
        "ageing_2030": {"demand_growth": {"age_60_79": 1.25, "age_80_plus": 1.4}},
        "equity": {"budget_cny": 1.0e9, "objective": {"mode": "equity"}},
    }
    path = folder / "scenario.yaml"
    atomic_write_text(path, yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
    return path
