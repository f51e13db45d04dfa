"""Results of the classical models, with spopt's post-solve attributes; PuLP solvers as options.

Every model returns a frozen :class:`LocationResult` (or a subclass): the solver-neutral
status / objective / bound / gap / seconds of :class:`~siting.solvers.SolveResult` plus the
location outputs. The same result also answers spopt's attribute names (``fac2cli``,
``cli2fac``, ``n_cli_uncov``, ``perc_cov``, ``mean_dist``, ``fac_vars``), and
:func:`publish` copies them onto the model after ``solve()``, where a spopt user reads them.
:func:`options_from_pulp` maps a PuLP solver object (``pulp.PULP_CBC_CMD(...)``, what spopt's
``solve`` takes) to :class:`~siting.core.options.SolverOptions`; pulp itself is never imported
here (a user who passes a PuLP solver has imported it already).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np

from siting.core.options import CLASSICAL_DEFAULTS, SolverOptions
from siting.core.results import OutcomeFigures, SolveResult, SolveStatus
from siting.errors import InputError

UNASSIGNED = -1

#: PuLP solver classes (by name, anywhere in the object's class hierarchy) → siting backend.
PULP_BACKENDS: dict[str, str] = {
    "PULP_CBC_CMD": "cbc", "COIN_CMD": "cbc",
    "HiGHS_CMD": "highs", "HiGHS": "highs",
    "SCIP_CMD": "scip", "SCIP_PY": "scip", "FSCIP_CMD": "scip",
}


@dataclass(frozen=True)
class FacilityValue:
    """A solved facility variable, read as spopt's ``fac_vars[j]`` (a PuLP variable) is read.

    ``fac_vars[j].value()`` (or ``.varValue``) is 1.0 for an open site and 0.0 otherwise, and
    ``name`` is ``"y_<j>_"``, the name PuLP gives spopt's ``y[<j>]``; no PuLP problem exists.
    """

    name: str
    varValue: float  # noqa: N815 -- PuLP's attribute name

    def value(self) -> float:
        """1.0 if the site is open, else 0.0 (as ``pulp.LpVariable.value()``)."""
        return self.varValue


@dataclass(frozen=True)
class SiteSelection(OutcomeFigures):
    """The fields every classical result starts with, and the open sites as spopt reads them.

    ``status`` / ``objective`` / ``bound`` / ``seconds`` / ``backend`` have the meaning of
    :class:`~siting.solvers.SolveResult`; ``facilities`` are the open site indices. A subclass
    says how many candidate sites there are (:attr:`n_sites`).
    """

    status: SolveStatus
    objective: float | None
    bound: float | None
    seconds: float
    backend: str
    facilities: np.ndarray

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        raise NotImplementedError

    @property
    def open_mask(self) -> np.ndarray:
        """``(sites,)`` booleans, True for an open site."""
        mask = np.zeros(self.n_sites, dtype=bool)
        mask[self.facilities] = True
        return mask

    @property
    def fac_vars(self) -> list[FacilityValue]:
        """spopt's ``fac_vars`` without a PuLP problem: ``fac_vars[j].value()`` is 1.0 if site j is open."""
        return [FacilityValue(f"y_{j}_", 1.0 if o else 0.0) for j, o in enumerate(self.open_mask.tolist())]


def _lists(keys: np.ndarray, values: np.ndarray, n: int) -> list[list[int]]:
    """``out[k]`` = sorted ``values`` whose key is k, for k in 0..n-1."""
    order = np.lexsort((values, keys))
    counts = np.bincount(keys, minlength=n)
    return [part.tolist() for part in np.split(values[order], np.cumsum(counts)[:-1])] if n else []


@dataclass(frozen=True)
class LocationResult(SiteSelection):
    """Outcome of a classical location model.

    ``status`` / ``objective`` / ``bound`` / ``seconds`` / ``backend`` have the meaning of
    :class:`~siting.solvers.SolveResult`; ``OPTIMAL`` is reported only with a proven bound.
    ``facilities`` are the open site indices; ``assignment[i]`` is the site serving
    client i (``-1``: not served / not covered). ``distance`` is the client × site matrix
    the model was built on (un-weighted), ``weights`` the client demand.

    spopt's names: ``fac2cli`` / ``cli2fac`` (lists over every site / client),
    ``n_cli_uncov`` and ``perc_cov`` (counting clients), ``mean_dist`` and ``fac_vars``.
    The demand-weighted share is :attr:`covered_demand_percentage`.
    """

    assignment: np.ndarray
    distance: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    message: str = ""
    solve_result: SolveResult | None = field(default=None, repr=False)
    stats: dict[str, float] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ client ↔ facility relations
    def _relation(self) -> tuple[np.ndarray, np.ndarray]:
        """(clients, sites) pairs of ``fac2cli``: each served client with its serving site."""
        s = np.flatnonzero(self.assignment >= 0)
        return s, self.assignment[s]

    @cached_property
    def fac2cli(self) -> list[list[int]]:
        """spopt's ``fac2cli``: for every site (open or not), the clients it covers or serves.

        Covering models (LSCP, MCLP) list every client within the radius of an open site,
        as spopt does, so a client covered twice appears under both; the other models
        list the clients assigned to the site. A closed site has an empty list.
        """
        cli, fac = self._relation()
        return _lists(fac, cli, self.distance.shape[1])

    @cached_property
    def cli2fac(self) -> list[list[int]]:
        """spopt's ``cli2fac``: for every client, the sites of ``fac2cli`` that list it."""
        cli, fac = self._relation()
        return _lists(cli, fac, self.distance.shape[0])

    @property
    def n_cli_uncov(self) -> int:
        """Number of clients no open site covers / serves (spopt's ``n_cli_uncov``)."""
        return int(sum(1 for f in self.cli2fac if not f))

    @property
    def perc_cov(self) -> float:
        """Share of **clients** covered, in percent (spopt's ``perc_cov``; not demand-weighted)."""
        n = self.distance.shape[0]
        return (1.0 - self.n_cli_uncov / n) * 100.0 if n else 0.0

    @property
    def mean_dist(self) -> float:
        """spopt's ``mean_dist``: the demand-weighted mean distance (:attr:`mean_distance`)."""
        return self.mean_distance

    @property
    def n_sites(self) -> int:
        """Number of candidate sites (columns of the client × site matrix)."""
        return int(self.distance.shape[1])

    def facility_clients(self) -> dict[int, np.ndarray]:
        """Open facility → the clients ``fac2cli`` lists for it.

        For LSCP / MCLP that is every covered client (as spopt's ``fac2cli``), not only the
        nearest assignment; :meth:`facility_assigned_clients` gives the assignment.
        """
        rel = self.fac2cli
        return {int(f): np.asarray(rel[int(f)], dtype=np.int64) for f in self.facilities.tolist()}

    def facility_assigned_clients(self) -> dict[int, np.ndarray]:
        """Open facility → the clients whose ``assignment`` is that facility (each client once)."""
        return {int(f): np.flatnonzero(self.assignment == f) for f in self.facilities.tolist()}

    def client_facility(self) -> np.ndarray:
        """Client → serving site (``-1`` when not served): one site per client, as an array."""
        return self.assignment.copy()

    # ------------------------------------------------------------------ figures
    @property
    def served(self) -> np.ndarray:
        """``(clients,)`` booleans: True when the client has a serving site."""
        return self.assignment >= 0

    @property
    def covered_demand_percentage(self) -> float:
        """Share of the total demand (weights) that is served, in percent."""
        total = float(self.weights.sum())
        if total <= 0:
            return 100.0 * float(self.served.mean()) if self.served.size else 0.0
        return 100.0 * float(self.weights[self.served].sum()) / total

    @property
    def coverage_percentage(self) -> float:
        """The demand-weighted :attr:`covered_demand_percentage` (spopt's client count is ``perc_cov``)."""
        return self.covered_demand_percentage

    @property
    def client_distance(self) -> np.ndarray:
        """Distance from each client to its serving site (NaN when not served)."""
        d = np.full(self.assignment.shape, np.nan)
        s = self.served
        d[s] = self.distance[np.flatnonzero(s), self.assignment[s]]
        return d

    @property
    def mean_distance(self) -> float:
        """Demand-weighted mean distance over served clients (NaN without any)."""
        s = self.served
        if not s.any():
            return math.nan
        w = self.weights[s]
        d = self.client_distance[s]
        return float(np.average(d, weights=w)) if w.sum() > 0 else float(d.mean())


def nearest_assignment(cost: np.ndarray, open_sites: Sequence[int] | np.ndarray) -> np.ndarray:
    """Each client's cheapest open site (``-1`` if none is reachable)."""
    open_sites = np.asarray(open_sites, dtype=np.int64)
    if open_sites.size == 0:
        return np.full(cost.shape[0], UNASSIGNED, dtype=np.int64)
    sub = cost[:, open_sites]
    k = np.argmin(sub, axis=1)
    out = open_sites[k].astype(np.int64)
    out[~np.isfinite(sub[np.arange(cost.shape[0]), k])] = UNASSIGNED
    return out


def no_solution(status: SolveStatus, distance: np.ndarray, weights: np.ndarray, seconds: float, backend: str,
                message: str, solve_result: SolveResult | None = None, bound: float | None = None) -> dict[str, Any]:
    """Keyword arguments of a result without a solution."""
    return dict(status=status, objective=None, bound=bound, seconds=seconds, backend=backend,
                facilities=np.zeros(0, dtype=np.int64),
                assignment=np.full(distance.shape[0], UNASSIGNED, dtype=np.int64),
                distance=distance, weights=weights, message=message, solve_result=solve_result)


# --------------------------------------------------------------------------- spopt's solve(...) arguments
R = TypeVar("R", bound="LocationResult")

SPOPT_ATTRIBUTES = ("fac2cli", "cli2fac", "n_cli_uncov", "perc_cov", "mean_dist", "fac_vars")


def publish(model: Any, result: R, results: bool = True) -> R:
    """Keep ``result`` on ``model`` and, with ``results`` (spopt's keyword), spopt's attributes too.

    Parameters
    ----------
    model : object
        The classical model that was solved.
    result : LocationResult
        Its result.
    results : bool
        As spopt's ``solve(..., results=True)``: set ``fac2cli``, ``cli2fac``, ``n_cli_uncov``,
        ``perc_cov``, ``mean_dist`` and ``fac_vars`` on the model. With ``False`` they are
        removed (as after a spopt solve without results); the result object keeps them.

    Returns
    -------
    LocationResult
        ``result``, for ``return publish(self, ...)``.
    """
    model.result = result
    for name in SPOPT_ATTRIBUTES:
        if results:
            setattr(model, name, getattr(result, name))
        elif name in vars(model):
            delattr(model, name)
    return result


def options_from_pulp(solver: Any) -> SolverOptions:
    """A PuLP solver object (what spopt's ``solve`` takes) as :class:`SolverOptions`.

    ``PULP_CBC_CMD`` / ``COIN_CMD`` map to the ``cbc`` backend (PuLP's CBC, in a child
    process), ``HiGHS`` / ``HiGHS_CMD`` to ``highs`` and ``SCIP_CMD`` / ``SCIP_PY`` to ``scip``
    (both through OR-Tools). ``timeLimit`` becomes ``time_limit_s`` (none given: the
    :class:`SolverOptions` default, 60 s; a time-limited run says ``FEASIBLE``, never
    ``OPTIMAL`` without proof), ``gapRel`` ``relative_gap`` (none given: 0, CBC's default)
    and ``threads`` ``threads`` (none: 1). ``msg`` is ignored.

    Raises
    ------
    InputError
        Any other object, or a PuLP solver without a siting backend (GLPK, Gurobi, …).
    """
    names = [c.__name__ for c in type(solver).__mro__]
    backend = next((PULP_BACKENDS[n] for n in names if n in PULP_BACKENDS), None)
    if backend is None:
        what = f"{type(solver).__module__}.{type(solver).__name__}"
        raise InputError(f"solver {what} has no siting backend", field="solver",
                         expected="SolverOptions(...), or pulp.PULP_CBC_CMD / COIN_CMD (→ cbc), HiGHS / HiGHS_CMD "
                                  "(→ highs), SCIP_CMD / SCIP_PY (→ scip)")
    extra = getattr(solver, "optionsDict", None) or {}
    update: dict[str, Any] = {"backend": backend, "relative_gap": 0.0, "threads": 1}
    if getattr(solver, "timeLimit", None):
        update["time_limit_s"] = float(solver.timeLimit)
    if extra.get("gapRel") is not None:
        update["relative_gap"] = float(extra["gapRel"])
    if extra.get("threads"):
        update["threads"] = int(extra["threads"])
    try:
        return SolverOptions(**update)
    except ValueError as exc:
        raise InputError(f"{type(solver).__name__} options {update} ({exc})", field="solver",
                         expected="a positive timeLimit, 0 ≤ gapRel ≤ 1, threads ≥ 1") from exc


def options_or_default(options: Any, **overrides: Any) -> SolverOptions:
    """``options`` (SolverOptions, a PuLP solver object or None) with ``overrides`` applied.

    None gives the classical defaults (:data:`~siting.core.options.CLASSICAL_DEFAULTS`).
    ``solver=`` (spopt's keyword for the same argument) is accepted in place of ``options``.

    Raises
    ------
    InputError
        An override that is no :class:`SolverOptions` field (a typo is never ignored) or has
        a bad value, ``options`` and ``solver=`` both given, or a PuLP solver without a backend.
    """
    if "solver" in overrides:
        if options is not None:
            raise InputError("both options and solver= given", field="solver", expected="one of them")
        options = overrides.pop("solver")
    if options is None:
        opts = SolverOptions(**CLASSICAL_DEFAULTS)
    elif isinstance(options, SolverOptions):
        opts = options
    else:
        opts = options_from_pulp(options)
    if opts.deterministic and opts.work_limit is None:
        # the classical models run until proven or out of time, as in the published-optimum
        # benchmarks: the siting model's default node limit per stage does not apply to them
        # (a given work_limit does)
        opts = opts.model_copy(update={"deterministic": False})
    if not overrides:
        return opts
    unknown = sorted(set(overrides) - set(SolverOptions.model_fields))
    if unknown:
        raise InputError(f"unknown solver option(s) {unknown}", field=unknown[0],
                         expected=f"one of {sorted(SolverOptions.model_fields)}")
    try:
        return SolverOptions(**{**opts.model_dump(), **overrides})
    except ValueError as exc:
        raise InputError(f"solver options {overrides} ({exc})", field=next(iter(overrides)),
                         expected="valid SolverOptions values") from exc
