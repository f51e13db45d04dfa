"""The values a solve produces: :class:`Plan`, :class:`Evaluation`, :class:`Outcome`.

Frozen values only; this module imports nothing of siting but ``core`` (no model builder,
no solver). A :class:`Plan` holds decisions (by index) plus the solver-neutral result; all
figures (costs, shortfalls, coverage) are recomputed from it by the independent checker
:func:`siting.analysis.evaluate.evaluate`, so a plan from any source (a solver, a file, a
planner's hand edit) is checked the same way. :func:`used_area_m2` is the one definition of
a space's used floor area with time-shared services (M4).

:meth:`Outcome.to_geodataframes` and :meth:`Outcome.write` need the tables (``analysis``) and
the output folder (``io``), which sit above this module. They reach them through
:func:`register_writers`, which :mod:`siting.api` calls when ``siting`` is imported (every
import of ``siting.plan`` imports the package first), so this module still imports only
``core`` and the import contracts hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.results import SolveResult
from siting.errors import SolverError

if TYPE_CHECKING:
    import geopandas as gpd

_WRITERS: dict[str, Callable[..., Any]] = {}
"""The functions behind :class:`Outcome`'s methods, by name (``layers``, ``write``), set by
:func:`register_writers` from :mod:`siting.api`."""


def register_writers(*, layers: Callable[[Outcome], dict[str, gpd.GeoDataFrame]],
                     write: Callable[..., Path]) -> None:
    """Set the functions behind :meth:`Outcome.to_geodataframes` and :meth:`Outcome.write`.

    Parameters
    ----------
    layers : ``layers(outcome)`` → the plan's GIS layers by name
        (:func:`siting.io.outputs.plan_layers` of the outcome's figures).
    write : ``write(outcome, folder, **options)`` → the folder written
        (:func:`siting.io.outputs.write_outcome`).

    Notes
    -----
    :mod:`siting.api` calls this on import; nothing else needs to. It is the one place where
    this module hands work to the stages above it without importing them.
    """
    _WRITERS.update(layers=layers, write=write)


def _writer(name: str) -> Callable[..., Any]:
    if name not in _WRITERS:  # only when siting.api failed to import
        raise RuntimeError(f"Outcome.{name}: siting.api is not imported (import siting first)")
    return _WRITERS[name]


@dataclass(frozen=True, eq=False)
class Plan:
    """Decisions of a plan; indices refer to the instance's communities (C), spaces (J) and services (S).

    Attributes
    ----------
    taken : numpy.ndarray
        ``[J]`` bool: the spaces taken.
    hosted : numpy.ndarray
        ``[J, S]`` bool: the services each space hosts.
    service_area_m2 : numpy.ndarray
        ``[J, S]`` floor area given to each service.
    served_community, served_space, served_service, served_users : numpy.ndarray
        ``[k]`` service links: community, space and service indices and the users served.
    attributed_community, attributed_space, attributed_m2 : numpy.ndarray
        ``[n]`` area attribution (M5): floor area of a space counted for a community.
    hub_space : numpy.ndarray
        ``[C]`` the space index of each community's hub, -1 for none.
    result : SolveResult, optional
        The solver-neutral result the plan came from.
    stages : tuple of str
        The lexicographic stages solved.

    Notes
    -----
    :meth:`siting.plan.Outcome.to_geodataframes` gives the same decisions with ids.
    """

    taken: np.ndarray  # [J] bool
    hosted: np.ndarray  # [J,S] bool
    service_area_m2: np.ndarray  # [J,S]
    served_community: np.ndarray  # [k] community index of each service link
    served_space: np.ndarray  # [k]
    served_service: np.ndarray  # [k]
    served_users: np.ndarray  # [k]
    attributed_community: np.ndarray  # [n] area attribution (M5)
    attributed_space: np.ndarray
    attributed_m2: np.ndarray
    hub_space: np.ndarray  # [C] space index of the community's hub, -1 for none
    result: SolveResult | None = field(default=None, repr=False)
    stages: tuple[str, ...] = ()
    # multi-year phasing: [J] index of the year each taken space opens (its services open with
    # it), −1 for a space not taken; None for a single-period plan
    open_year: np.ndarray | None = None

    @property
    def n_taken(self) -> int:
        """Number of spaces taken."""
        return int(self.taken.sum())

    def __repr__(self) -> str:
        """One line: spaces taken, services hosted, floor area, service links, hubs, status."""
        status = self.result.status.value if self.result is not None else "no result"
        hubs = int((np.asarray(self.hub_space) >= 0).sum())
        return (f"Plan({self.n_taken} of {self.taken.size} spaces taken, {int(np.asarray(self.hosted).sum())} "
                f"services hosted, {float(np.asarray(self.service_area_m2).sum()):,.0f} m², "
                f"{np.asarray(self.served_users).size} service links, {hubs} hubs, {status})")


def used_area_m2(service_area_m2: np.ndarray, share_group: np.ndarray) -> np.ndarray:
    """Floor area each space uses (M4): the sum over services, except that the services of one
    time-share group count once, with the largest of their areas.

    Parameters
    ----------
    service_area_m2 : [J, S] floor area per space and service.
    share_group : [S] time-share group index of each service, -1 for none.

    Returns
    -------
    [J] used floor area in m².
    """
    used = np.where(share_group[None, :] < 0, service_area_m2, 0.0).sum(axis=1)
    for g in np.unique(share_group[share_group >= 0]):
        used += service_area_m2[:, share_group == g].max(axis=1)
    return used


@dataclass(frozen=True)
class Violation:
    """A rule a plan breaks, found by :func:`~siting.analysis.evaluate.evaluate`.

    Attributes
    ----------
    rule : str
        The rule's name (``space_status``, ``walking_limit``, ``budget``, …).
    where : str
        The community, space or link, by id.
    message : str
        What is wrong, in the planner's words.
    """

    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


@dataclass(frozen=True, eq=False)
class YearlyFigures:
    """Multi-year phasing figures of a plan, per year t (recomputed by the checker)."""

    years: np.ndarray  # [T]
    spending_cny: np.ndarray  # [T] one-off costs of what opens in t + yearly costs of what is open
    budget_cny: np.ndarray | None  # [T] yearly budgets as given (None: no yearly limit)
    carry_over: bool
    spaces_opened: np.ndarray  # [T] spaces opening in t
    spaces_open: np.ndarray  # [T] spaces open in t
    area_short_m2: np.ndarray  # [T, C]
    hub_short: np.ndarray  # [T, C] bool
    due: np.ndarray  # [T, C] bool: the community's target applies in t
    pilot: np.ndarray  # [C] bool
    users_served: np.ndarray  # [T] users served by the spaces open in t

    @property
    def meets(self) -> np.ndarray:
        """[T, C] community meets the area standard and the hub rule in year t."""
        return (self.area_short_m2 <= 0) & ~self.hub_short

    @property
    def shortfall_due(self) -> np.ndarray:
        """[T] communities due in t that do not meet the standards."""
        return (self.due & ~self.meets).sum(axis=1)


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Everything recomputed from a plan: feasibility, objectives and the planner's figures.

    Attributes
    ----------
    violations : tuple of Violation
        Every rule broken (empty: the plan is feasible).
    used_area_m2 : numpy.ndarray
        ``[J]`` floor area each space uses, time-shared services counted once (M4).
    served_users : numpy.ndarray
        ``[C, S]`` users served by new spaces.
    coverage_need, coverage_short_users : numpy.ndarray
        ``[C, S]`` users the standard asks to serve within the walking limit, and those not served.
    area_provided_m2, area_short_m2 : numpy.ndarray
        ``[C]`` floor area counted for each community (existing + attributed) and its shortfall.
    hub_short : numpy.ndarray
        ``[C]`` bool: a community that needs a hub and has none.
    cost_cny : float
        Cost of the plan over the horizon (M7), with ``cost_breakdown_cny`` by component.
    shortfall, weighted_served, min_coverage : float
        Objectives O1, O2 and O4; ``colocated_pairs``: co-located service pairs (M10).
    objectives : dict of str to float
        Each stage's objective, recomputed.
    """

    violations: tuple[Violation, ...]
    used_area_m2: np.ndarray  # [J]
    served_users: np.ndarray  # [C,S] by new spaces
    coverage_need: np.ndarray  # [C,S]
    coverage_short_users: np.ndarray  # [C,S]
    area_provided_m2: np.ndarray  # [C] existing + attributed
    area_short_m2: np.ndarray  # [C]
    hub_short: np.ndarray  # [C] bool
    cost_cny: float
    cost_breakdown_cny: dict[str, float]
    shortfall: float  # (O1)
    weighted_served: float  # (O2)
    colocated_pairs: int
    min_coverage: float  # (O4)
    objectives: dict[str, float] = field(default_factory=dict)
    yearly: YearlyFigures | None = None  # multi-year phasing only

    @property
    def feasible(self) -> bool:
        """True when the plan breaks no rule."""
        return not self.violations


@dataclass(frozen=True, eq=False)
class Outcome:
    """What a solve produced: the result (always), the plan and its evaluation (when solved),
    and the solver options the run actually used.

    Attributes
    ----------
    instance : Instance
        The instance solved.
    result : SolveResult
        Solver-neutral status, objective, bound, gap, seconds and stages.
    plan : Plan or None
        The plan (``None`` when the solver found none).
    evaluation : Evaluation or None
        The plan's independent check.
    build_s : float
        Seconds spent building the model.
    model_size : dict of str to int
        Rows, columns, nonzeros, … of the model.
    options : SolverOptions
        The options the run used.
    parts : int
        Independent parts solved.

    Notes
    -----
    :meth:`to_geodataframes` gives the plan's layers, :meth:`write` the plan folder and
    ``siting.report(outcome, path)`` the HTML report.
    """

    instance: Instance
    result: SolveResult
    plan: Plan | None
    evaluation: Evaluation | None
    build_s: float
    model_size: dict[str, int]
    options: SolverOptions
    parts: int = 1

    def to_geodataframes(self) -> dict[str, gpd.GeoDataFrame]:
        """The plan's layers as GeoDataFrames, the layers of ``plan.gpkg``, with ids, not indices.

        Returns
        -------
        dict of str to geopandas.GeoDataFrame
            In the instance's CRS, full precision (the files round to 6 decimals):

            - ``communities``: one row per community (``community_id``, name, district, households,
              required / provided area and area per 100 households before and after, ``area_short_m2``,
              ``hub_space_id``, demand, users served, ``coverage_before`` / ``coverage_after``,
              ``coverage_short_users``, the health-check and 2SFCA columns), on its geometry;
            - ``spaces``: every candidate space (``space_id``, source, floor, ``status``, ``taken``,
              ``services`` hosted, ``used_area_m2``, ``area_m2_<service>``, ``hub_of``, costs), so
              the spaces passed over show too;
            - ``links``: one line per (community, space, service) served: ``community_id``,
              ``space_id``, ``service``, ``users``, ``walk_min``;
            - ``hubs``: the spaces that are a community's hub (rows of ``spaces``);
            - ``shortfalls``: each standard not met (``community_id``, ``rule``, ``item``,
              ``required``, ``short``, ``unit``, ``reason``) on its community's geometry; an
              empty frame when every standard is met.

        Raises
        ------
        SolverError
            The solve found no plan (the message gives its status).

        Notes
        -----
        Computed by :func:`siting.io.outputs.plan_layers` from
        :func:`siting.analysis.figures.plan_figures`, the same values :meth:`write` writes.
        """
        if self.plan is None or self.evaluation is None:
            raise SolverError(f"{self.instance.name}: no plan to turn into layers, the solve ended "
                              f"{self.result.status.value} ({self.result.message or 'no message'})")
        layers: dict[str, gpd.GeoDataFrame] = _writer("layers")(self)
        return layers

    def write(self, folder: str | Path, *, force: bool = False, scenario: Any = None,
              lang: str | None = None) -> Path:
        """Write the plan folder ``siting run`` writes (report, GeoPackage, GeoJSON, CSV, summary.json).

        Parameters
        ----------
        folder : the folder to create; written atomically (a failure leaves no half-written folder).
        force : replace an existing non-empty folder (refused otherwise).
        scenario : the :class:`~siting.io.scenario.Scenario` to save as ``scenario.yaml``
            (default: the instance's settings).
        lang : the report's language, ``"en"`` or ``"zh"`` (default: the scenario's, else en).

        Returns
        -------
        pathlib.Path
            The folder written.

        Raises
        ------
        OutputError
            ``folder`` exists and is not empty (without ``force``), is a file, or its parent is
            missing or not writable; nothing is written.

        Notes
        -----
        The same function as the CLI's: :func:`siting.io.outputs.write_outcome`. A solve without a
        plan still writes ``summary.json``, ``scenario.yaml`` and the report.
        """
        written: Path = _writer("write")(self, folder, force=force, scenario=scenario, lang=lang)
        return written

    def __repr__(self) -> str:
        """One line: instance, status, objective and bound, spaces taken, violations, seconds."""
        r = self.result
        obj = "no objective" if r.objective is None else f"objective {r.objective:.6g}"
        if r.bound is not None and r.objective is not None:
            obj += f" (bound {r.bound:.6g})"
        taken = "no plan" if self.plan is None else f"{self.plan.n_taken} of {self.plan.taken.size} spaces taken"
        checked = ("not evaluated" if self.evaluation is None
                   else f"{len(self.evaluation.violations)} violations")
        parts = f", {self.parts} parts" if self.parts != 1 else ""
        return (f"Outcome({self.instance.name!r}: {r.status.value}, {obj}, {taken}, {checked}, "
                f"{r.backend}, {r.seconds:.1f} s{parts})")
