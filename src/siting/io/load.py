"""Scenario files → a validated :class:`~siting.core.instance.Instance`.

:func:`load_instance` reads the scenario's data files (:mod:`siting.io.readers`), builds
walking times from a street network or an OD table when the scenario names one
(:mod:`siting.travel`), else straight lines, and validates everything through
:meth:`Instance.from_geodataframes`. Errors in the scenario's settings (preset, overrides,
locked ids, growth) name the scenario file; errors in a data file name that file.
"""

from __future__ import annotations

import warnings

import pandas as pd

from siting.core.catalogue import load_catalogue, load_preset
from siting.core.instance import Instance, reach_cutoff_min
from siting.errors import InputError
from siting.io.readers import read_adjacency, read_communities, read_spaces
from siting.io.scenario import Scenario
from siting.travel.reach import ReachTable


def load_instance(scenario: Scenario) -> Instance:
    """Read and validate a scenario's data files into an :class:`Instance`.

    Parameters
    ----------
    scenario : Scenario
        From :func:`~siting.io.scenario.load_scenario` (its ``data:`` section names the files,
        relative to the scenario file).

    Returns
    -------
    Instance
        Validated and frozen; walking times from the street network, the OD table or
        straight lines, as the scenario says.

    Raises
    ------
    InputError
        A missing or malformed file, naming the file, row and field.
    """
    try:
        return _load(scenario)
    except InputError as exc:
        if scenario.source_file is None:
            raise
        located = exc.located(str(scenario.source_file))
        if located is exc:
            raise
        raise located from None


def _load(scenario: Scenario) -> Instance:
    settings = scenario.settings()
    catalogue = load_catalogue(settings.catalogue_overrides, origin="catalogue_overrides")
    sids = catalogue.service_ids
    data = scenario.data
    with warnings.catch_warnings():
        if settings.phasing is not None:  # pilot / available_year are used: no "not yet used" warning
            warnings.filterwarnings("ignore", message=".*unless the scenario has a 'phasing:' section")
        communities = read_communities(data.communities, sids, data.crs)
        spaces = read_spaces(data.spaces, sids, communities.crs, data.crs)
    adjacency = None
    if data.adjacency is not None:
        adjacency = read_adjacency(data.adjacency, pd.Index(communities["community_id"]))
    reach: ReachTable | None = None
    basemap = None
    if data.network is not None or data.travel_times is not None:
        preset = load_preset(settings.standard, settings.standard_overrides, origin="standard")
        max_walk = reach_cutoff_min(catalogue, preset)
        cids, space_ids = communities["community_id"].tolist(), spaces["space_id"].tolist()
        if data.network is not None:
            from siting.travel.lines import map_lines, read_lines
            from siting.travel.network import StreetNetwork

            lines = read_lines(data.network)
            net = StreetNetwork.from_geodataframe(
                lines, speed_column=data.network_speed_column,
                walkable_column=data.network_walkable_column,
                default_speed_m_per_min=settings.walking.speed_m_per_min, target_crs=communities.crs,
                _file=str(data.network),
            )
            basemap = map_lines(lines, walkable_column=data.network_walkable_column, target_crs=communities.crs)
            reach = net.reach(communities, spaces, max_walk, max_snap_m=data.max_snap_m,
                              community_ids=cids, space_ids=space_ids)
        else:
            from siting.travel.od import reach_from_od_table

            reach = reach_from_od_table(data.travel_times, cids, space_ids, max_walk)
    return Instance._from_frames(
        communities, spaces, settings, adjacency=adjacency, reach=reach, name=scenario.name,
        applied_overrides=scenario.applied, basemap=basemap, validated=True,
        origins=(str(data.communities), str(data.spaces)),
    )
