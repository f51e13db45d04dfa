"""The docstring entries every classical model shares, written once.

A line of a docstring that holds only ``{key}`` (at any indentation) is replaced by
:data:`SHARED[key] <SHARED>`, indented as that line, when the function is decorated with
:func:`shared_doc`; ``{ret}`` inside an entry becomes the function's return annotation (the
class for a constructor, the result class for ``solve``). An unknown key is an error when the
module is imported, so a misspelt entry can never reach the documentation.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

SHARED: dict[str, str] = {
    "geodataframes": """\
gdf_demand, gdf_fac : geopandas.GeoDataFrame
    Clients and candidate sites, in one CRS (a geographic CRS warns: degrees).
demand_col, facility_col : str
    Their geometry columns.""",
    "predefined_facility_col": """\
predefined_facility_col : str or None
    Column of ``gdf_fac``: True / 1 for a required site.""",
    "predefined_facilities_arr": """\
predefined_facilities_arr : array-like, SiteIndices or None
    Required sites (0/1 or boolean mask per site, or indices).""",
    "service_radius": """\
service_radius : float
    Coverage distance in the CRS's unit.""",
    "weights_cols": """\
weights_cols : str
    Demand column of ``gdf_demand``.""",
    "weights_cols_optional": """\
weights_cols : str or None
    Demand column of ``gdf_demand`` (None: 1 per client).""",
    "p_medians": """\
p_facilities : int
    Number of medians.""",
    "distance_metric": """\
distance_metric : str
    ``"euclidean"`` or ``"manhattan"``.""",
    "name": """\
name : str
    Problem name.""",
    "options": """\
options : SolverOptions, a PuLP solver or None
    Solver options, or a PuLP solver object as spopt takes (``pulp.PULP_CBC_CMD(msg=False)``;
    see :func:`~siting.classical._result.options_from_pulp`); None: the classical defaults.""",
    "results": """\
results : bool
    As spopt: set ``fac2cli``, ``cli2fac``, ``n_cli_uncov``, ``perc_cov``, ``mean_dist``
    and ``fac_vars`` on the model.""",
    "overrides": """\
**overrides
    SolverOptions fields to change (``time_limit_s=10``).""",
    "returns_model": """\
Returns
-------
{ret}""",
    "returns_result": """\
Returns
-------
{ret}
    Also kept as ``self.result``.""",
    "raises_geodataframe": """\
Raises
------
InputError
    Missing columns, different CRSs, or any check of :meth:`from_cost_matrix`.""",
}
# the runs every model's docstrings share, as one entry each
SHARED["solve_parameters"] = "\n".join(("Parameters", "----------", SHARED["options"], SHARED["results"],
                                        SHARED["overrides"]))
SHARED["geodataframe_end"] = "\n".join((SHARED["distance_metric"], SHARED["name"], "", SHARED["returns_model"], "",
                                        SHARED["raises_geodataframe"]))
SHARED["cost_matrix_end"] = "\n".join((SHARED["predefined_facilities_arr"], SHARED["name"], "",
                                       SHARED["returns_model"]))

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)\{(?P<key>[a-z_]+)\}[ \t]*$", re.M)


def fill_doc(doc: str, ret: str) -> str:
    """``doc`` with each ``{key}`` line replaced by its :data:`SHARED` entry (``{ret}`` → ``ret``).

    Raises
    ------
    KeyError
        A placeholder names no entry of :data:`SHARED`.
    """
    def entry(m: re.Match[str]) -> str:
        key = m["key"]
        if key not in SHARED:
            raise KeyError(f"docstring placeholder {{{key}}}: no such shared entry (siting.classical._docs.SHARED)")
        return textwrap.indent(SHARED[key].replace("{ret}", ret), m["indent"])

    return _PLACEHOLDER.sub(entry, doc)


def shared_doc(func: F) -> F:
    """Fill ``func``'s docstring from :data:`SHARED` (see the module docstring); returns ``func``."""
    ret = func.__annotations__.get("return", "")
    ret_name = ret if isinstance(ret, str) else getattr(ret, "__name__", str(ret))
    if func.__doc__:
        func.__doc__ = fill_doc(func.__doc__, ret_name)
    return func
