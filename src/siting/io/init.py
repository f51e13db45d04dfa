"""``siting init FOLDER``: a new scenario folder for a planner starting from scratch.

Writes ``scenario.yaml`` (a commented template, ``siting/data/init_scenario.yaml``) and
``data/communities.csv`` / ``data/spaces.csv`` with the right headers and no rows. The
headers follow the input schemas (:class:`siting.core.schema.CommunityRow`, ``SpaceRow``)
plus ``x``, ``y`` and one ``existing_m2_<service>`` column per catalogue service.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from siting.core.catalogue import AGE_GROUPS, load_catalogue, residents_column
from siting.core.schema import EXISTING_PREFIX
from siting.errors import OutputError
from siting.io.atomic import atomic_folder

COMMUNITY_COLUMNS: tuple[str, ...] = (
    "community_id", "name", "district", "street", "x", "y", "households",
    *(residents_column(g) for g in AGE_GROUPS), "kind", "community_type", "health_score", "pilot",
)
SPACE_COLUMNS: tuple[str, ...] = (
    "space_id", "name", "x", "y", "area_m2", "source", "acquisition_cny", "rent_cny_per_year",
    "retrofit_cny_per_m2", "operating_cny_per_m2_year", "floor", "excluded_services", "status", "available_year",
)


def community_header() -> list[str]:
    """The communities CSV header: schema columns, then existing floor area per service."""
    return [*COMMUNITY_COLUMNS, *(EXISTING_PREFIX + sid for sid in load_catalogue().service_ids)]


def init_scenario_folder(folder: str | Path) -> Path:
    """Write the template scenario and header-only CSVs into ``folder``; returns the scenario path.

    Parameters
    ----------
    folder : a new or empty folder (its parent must exist).

    Returns
    -------
    The path of the written ``scenario.yaml``.

    Raises
    ------
    OutputError
        ``folder`` is a file, is not empty, or its parent does not exist.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder")
    if folder.exists() and any(folder.iterdir()):
        raise OutputError(f"{folder}: folder exists and is not empty (siting init writes a new scenario folder)")
    if not folder.resolve().parent.exists():
        raise OutputError(f"{folder.resolve().parent}: parent folder does not exist")
    template = resources.files("siting.data").joinpath("init_scenario.yaml").read_text(encoding="utf-8")
    with atomic_folder(folder) as tmp:
        (tmp / "scenario.yaml").write_text(template, encoding="utf-8")
        (tmp / "data").mkdir()
        (tmp / "data" / "communities.csv").write_text(",".join(community_header()) + "\n", encoding="utf-8")
        (tmp / "data" / "spaces.csv").write_text(",".join(SPACE_COLUMNS) + "\n", encoding="utf-8")
    return folder / "scenario.yaml"
