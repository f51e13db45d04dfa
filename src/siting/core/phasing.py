"""Multi-year phasing data of an instance (REQUIREMENTS D10): the years axis as arrays.

:func:`phasing_of` turns a scenario's ``phasing:`` section, the spaces' ``available_year``
and the communities' ``pilot`` column into :class:`PhasingData`, shared by the model
builder (:mod:`siting.model.phasing`) and the independent checker. Years are indexed
``t = 0 … T−1``; the last year is the state of the single-period model.

Decisions (docs/decisions.md, "Multi-year phasing"):

* ``available_year`` before the first year (or empty): available from the first year;
  after the last year: the space could never be used, an :class:`~siting.errors.InputError`
  naming the row (mark it ``forbidden`` or extend ``years``);
* required / locked spaces open in their first available year;
* a target's communities are *due* from the first year ≥ the target's year; every community
  is due in the last year (the single-period standard);
* spending in year t = acquisition + retrofit of what opens in t + rent + operating of what
  is open in t; after the last year the plan runs on to ``horizon_years`` (lifecycle cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from siting.core.settings import Phasing, PhasingTarget
from siting.errors import InputError, ScenarioError

if TYPE_CHECKING:
    from siting.core.instance import Instance


@dataclass(frozen=True, eq=False)
class PhasingData:
    """The years axis of a phased instance (arrays indexed by year t, space j, community c)."""

    years: np.ndarray  # [T] calendar years
    budget_cny: np.ndarray | None  # [T] yearly budgets, None = no yearly limit
    carry_over: bool
    start: np.ndarray  # [J] first year index a space may be open (0 … T−1)
    due: np.ndarray  # [T, C] bool: community c must meet the standards in year t
    early_weight: float  # weight of a shortfall in a year before it is due
    tail_years: float  # horizon_years − T: years run after the last phasing year
    acquisition_cny: np.ndarray  # [J]
    rent_cny_per_year: np.ndarray  # [J]
    retrofit_cny_per_m2: np.ndarray  # [J]
    operating_cny_per_m2_year: np.ndarray  # [J]
    targets: tuple[PhasingTarget, ...]

    @property
    def n_years(self) -> int:
        return int(self.years.size)

    def year_weight(self) -> np.ndarray:
        """[T, C] weight of a community's yearly shortfall: 1 when due, ``early_weight`` before."""
        return np.where(self.due, 1.0, self.early_weight)

    def open_years(self, open_year: np.ndarray) -> np.ndarray:
        """[J] years a space opened in year index ``open_year`` (−1: never) is open within the
        horizon: the phasing years from its opening on plus the tail years."""
        oy = np.asarray(open_year)
        return np.where(oy >= 0, self.n_years - oy + self.tail_years, 0.0)

    def spending_cny(self, open_year: np.ndarray, used_m2: np.ndarray) -> np.ndarray:
        """[T] spending per year of a plan whose space j opens in year index ``open_year[j]``
        (−1: never) with ``used_m2[j]``: one-off costs in the opening year, yearly costs from it."""
        T = self.n_years
        oy = np.asarray(open_year)
        t = np.arange(T)[:, None]
        opens = (oy[None, :] == t).astype(float)
        is_open = ((oy[None, :] >= 0) & (oy[None, :] <= t)).astype(float)
        one_off = self.acquisition_cny + self.retrofit_cny_per_m2 * used_m2
        yearly = self.rent_cny_per_year + self.operating_cny_per_m2_year * used_m2
        return opens @ one_off + is_open @ yearly

    def budget_rows_cny(self) -> np.ndarray | None:
        """[T] right-hand sides of the yearly budget rows: the budget of each year, or with
        carry-over the cumulative budget up to it."""
        if self.budget_cny is None:
            return None
        return np.cumsum(self.budget_cny) if self.carry_over else self.budget_cny.copy()


@cache
def _preset() -> dict[str, Any]:
    return yaml.safe_load(resources.files("siting.data").joinpath("phasing.yaml").read_text(encoding="utf-8"))


def preset_targets() -> tuple[PhasingTarget, ...]:
    """The year targets of ``siting/data/phasing.yaml`` (seed 001 §二), with their sources."""
    return tuple(PhasingTarget.model_validate(t) for t in _preset()["targets"])


def phasing_of(inst: Instance, spaces_origin: str = "<spaces>") -> PhasingData | None:
    """The phasing data of ``inst`` (``None`` without a ``phasing:`` section).

    Raises
    ------
    InputError
        A space's ``available_year`` is after the last year (file, row, field named).
    ScenarioError
        ``horizon_years`` shorter than the phasing years; a target year outside any sensible range.
    """
    ph: Phasing | None = inst.settings.phasing
    if ph is None:
        return None
    years = np.asarray(ph.years, dtype=np.int64)
    T = years.size
    tail = float(inst.settings.horizon_years) - T
    if tail < 0:
        raise ScenarioError(f"horizon_years {inst.settings.horizon_years:g} is shorter than the {T} phasing years",
                            field="horizon_years", expected=f"at least {T} (the costs run over the horizon)")
    spa = inst.spaces
    avail = spa["available_year"].to_numpy(dtype=float, na_value=np.nan) if "available_year" in spa else \
        np.full(len(spa), np.nan)
    late = np.flatnonzero(np.isfinite(avail) & (avail > years[-1]))
    if late.size:
        j = int(late[0])
        raise InputError(f"space '{spa['space_id'].iloc[j]}' is available only from {int(avail[j])}, after the last "
                         f"phasing year {int(years[-1])}: it could never be used ({late.size} such spaces)",
                         file=spaces_origin, row=j + 1, field="available_year",
                         expected=f"a year ≤ {int(years[-1])}, or status 'forbidden', or more phasing years")
    start = np.where(np.isfinite(avail), np.searchsorted(years, np.nan_to_num(avail), side="left"), 0)
    targets = ph.targets if ph.targets is not None else preset_targets()
    pilot = inst.communities["pilot"].to_numpy(bool) if "pilot" in inst.communities else \
        np.zeros(inst.n_communities, bool)
    due = np.zeros((T, inst.n_communities), dtype=bool)
    due[-1] = True
    for tg in targets:
        first = int(np.searchsorted(years, tg.year, side="left"))
        if first < T:
            due[first:] |= pilot[None, :] if tg.communities == "pilot" else True
    w = ph.early_service_weight if ph.early_service_weight is not None else float(_preset()["early_service_weight"])
    budget = ph.yearly_budget_cny()
    col = lambda name: spa[name].to_numpy(float)  # noqa: E731
    return PhasingData(years, None if budget is None else np.asarray(budget, dtype=float), ph.carry_over,
                       start.astype(np.int64), due, float(w), tail, col("acquisition_cny"),
                       col("rent_cny_per_year"), col("retrofit_cny_per_m2"), col("operating_cny_per_m2_year"),
                       tuple(targets))


def check_required_affordable(inst: Instance, ph: PhasingData, scenario_field: str = "phasing.budget_cny_per_year"
                              ) -> None:
    """Yearly budgets must pay at least for the required / locked spaces, open from their first
    available year (acquisition + rent; their per-m² costs can be zero if they host nothing).

    Raises
    ------
    ScenarioError
        Naming the first year whose (cumulative, with carry-over) budget is short.
    """
    rows = ph.budget_rows_cny()
    if rows is None:
        return
    oy = np.where(inst.must_take, ph.start, -1)
    spend = ph.spending_cny(oy, np.zeros(inst.n_spaces))
    need = np.cumsum(spend) if ph.carry_over else spend
    short = np.flatnonzero(need > rows * (1 + 1e-9) + 1e-6)
    if short.size:
        t = int(short[0])
        kind = "cumulative budget to" if ph.carry_over else "budget of"
        raise ScenarioError(
            f"the {kind} {int(ph.years[t])} ({rows[t]:,.0f} CNY) cannot pay for the required/locked spaces "
            f"open by then ({need[t]:,.0f} CNY of acquisition and rent)",
            field=scenario_field,
            expected=f"at least {need[t]:,.0f} CNY for {int(ph.years[t])}, or fewer locked spaces")


def has_yearly_budget(inst: Instance) -> bool:
    """A ``phasing:`` section with yearly budgets (rows that couple the parts of an instance)."""
    ph = inst.settings.phasing
    return ph is not None and ph.budget_cny_per_year is not None


def fixed_spaces_cost_cny(inst: Instance, spaces: np.ndarray) -> float:
    """Lifecycle cost of the required spaces in the mask ``spaces`` taken and hosting nothing
    (no community reaches them): acquisition + rent over the horizon, from their first
    available year with phasing (docs/model.md, P8)."""
    mask = np.asarray(spaces, dtype=bool) & inst.must_take
    ph = phasing_of(inst)
    if ph is None:
        return float(inst.fixed_cost_cny[mask].sum())
    oy = np.where(mask, ph.start, -1)
    return float(ph.acquisition_cny[mask].sum() + ph.rent_cny_per_year @ ph.open_years(oy))


def budget_rows_rhs_cny(inst: Instance, spaces: np.ndarray) -> np.ndarray:
    """What the rest of the plan may spend on each row of the model's ``budget`` block (in the
    order of :func:`siting.model.phasing.add_budget`: the yearly rows, then ``budget_cny``)
    once the required spaces in the mask ``spaces`` (taken, hosting nothing) are paid for."""
    mask = np.asarray(spaces, dtype=bool) & inst.must_take
    ph = phasing_of(inst)
    if ph is None:
        return np.array([float(inst.budget_cny or 0.0) - fixed_spaces_cost_cny(inst, mask)])
    rows: list[float] = []
    yearly = ph.budget_rows_cny()
    if yearly is not None:
        spend = ph.spending_cny(np.where(mask, ph.start, -1), np.zeros(inst.n_spaces))
        rows.extend((yearly - (np.cumsum(spend) if ph.carry_over else spend)).tolist())
    if inst.budget_cny is not None:
        rows.append(float(inst.budget_cny) - fixed_spaces_cost_cny(inst, mask))
    return np.array(rows)
