"""Planning settings: everything about a what-if except where the data files are.

:class:`PlanningSettings` is a frozen pydantic model (``extra="forbid"``), so a scenario
is a value that can be copied with changes (``settings.model_copy(update=...)``) and
handed to a worker process. :class:`~siting.io.scenario.Scenario` extends it with the data
files and the solver options.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from siting.core.options import SolverOptions
from siting.guards import LIMITS

Mode = Literal["standards", "demand", "equity"]
Rule = Literal["area", "hub", "coverage"]
GrowthFactor = Annotated[float, Field(ge=LIMITS["growth_factor"][0], le=LIMITS["growth_factor"][1])]
"""A demand growth factor (M1): finite, 0–100."""


class Walking(BaseModel):
    """Straight-line walking times (REQUIREMENTS D7): metres × detour factor ÷ speed."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    speed_m_per_min: float = Field(75.0, gt=0, le=LIMITS["speed_m_per_min"][1], description="4.5 km/h")
    detour_factor: float = Field(1.3, ge=1.0, le=LIMITS["detour_factor"][1])


class ObjectiveSettings(BaseModel):
    """M8/M9: which objective, and which standards are hard in the budget modes."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    mode: Mode = "standards"
    enforce: tuple[Rule, ...] = Field(
        (), description="in 'demand'/'equity' mode: rules whose shortfall must be zero"
    )
    colocation_bonus: float | None = Field(
        None, ge=0, le=LIMITS["cost_cny"][1], description="override of the preset's bonus per pair")


class SpacePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    locked: tuple[str, ...] = Field((), description="space ids that must be taken")
    forbidden: tuple[str, ...] = Field((), description="space ids that must not be taken")


class HubSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    shared: bool = Field(False, description="adjacent communities may share one hub (M6)")


class PhasingTarget(BaseModel):
    """A year target (REQUIREMENTS D10): ``communities`` meet the area standard and hub rule by ``year``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    year: int = Field(ge=LIMITS["year"][0], le=LIMITS["year"][1])
    communities: Literal["pilot", "all"] = Field(description="'pilot': the communities marked pilot; 'all'")
    source: str = ""


class Phasing(BaseModel):
    """Multi-year phasing (REQUIREMENTS D10; docs/model.md, "Multi-year phasing").

    ``years`` strictly increasing; ``budget_cny_per_year`` a list aligned with ``years`` or a
    mapping year → CNY (``None``: no yearly limit); ``carry_over``: unspent budget of a year may
    be spent later (cumulative rows); ``targets`` ``None`` = the preset data
    (``siting/data/phasing.yaml``); ``early_service_weight`` ``None`` = the preset's.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    years: tuple[int, ...] = Field(min_length=1, max_length=50)
    budget_cny_per_year: tuple[float, ...] | dict[int, float] | None = None
    carry_over: bool = False
    allow_drop: bool = Field(False, description="drop low-demand functions later (seed 001 §三(四)): "
                             "not modelled, must be false")
    targets: tuple[PhasingTarget, ...] | None = None
    early_service_weight: float | None = Field(None, ge=0, le=1)

    @field_validator("years")
    @classmethod
    def _increasing(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        lo, hi = LIMITS["year"]
        bad = [y for y in v if not lo <= y <= hi]
        if bad:
            raise ValueError(f"year {bad[0]} outside {lo}–{hi}")
        if any(b <= a for a, b in zip(v, v[1:])):
            raise ValueError(f"years must be strictly increasing, got {list(v)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Phasing:
        if self.allow_drop:
            raise ValueError("allow_drop: true is not modelled (a service once opened stays open to the "
                             "horizon); set allow_drop: false")
        b = self.budget_cny_per_year
        if isinstance(b, dict):
            if set(b) != set(self.years):
                raise ValueError(f"budget_cny_per_year names years {sorted(b)}, expected exactly {list(self.years)}")
            values = [b[y] for y in self.years]
        elif b is not None:
            if len(b) != len(self.years):
                raise ValueError(f"budget_cny_per_year has {len(b)} values for {len(self.years)} years "
                                 f"{list(self.years)}")
            values = list(b)
        else:
            values = []
        hi = LIMITS["cost_cny"][1]
        bad = [x for x in values if not 0 <= x <= hi]
        if bad:
            raise ValueError(f"yearly budget {bad[0]:g} outside 0–{hi:g} CNY")
        return self

    def yearly_budget_cny(self) -> tuple[float, ...] | None:
        """The yearly budgets aligned with ``years`` (``None``: no yearly limit)."""
        b = self.budget_cny_per_year
        if b is None:
            return None
        return tuple(float(b[y]) for y in self.years) if isinstance(b, dict) else tuple(float(x) for x in b)


class PlanningSettings(BaseModel):
    """The what-if knobs of a plan. Budget ``None`` means no budget limit."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    standard: str = "hangzhou_2024"
    standard_overrides: dict[str, Any] = Field(default_factory=dict)
    catalogue_overrides: dict[str, Any] = Field(default_factory=dict)
    budget_cny: float | None = Field(None, ge=0, le=LIMITS["cost_cny"][1])
    horizon_years: float = Field(10.0, gt=0, le=LIMITS["horizon_years"][1])
    walking: Walking = Walking()
    demand_growth: dict[str, GrowthFactor] = Field(default_factory=dict, description="age group → factor (M1)")
    objective: ObjectiveSettings = ObjectiveSettings()
    spaces: SpacePolicy = SpacePolicy()
    hubs: HubSettings = HubSettings()
    solver: SolverOptions = SolverOptions()
    phasing: Phasing | None = Field(None, description="multi-year phasing (D10); None = one period")
