"""Planning settings: everything about a what-if except where the data files are.

:class:`PlanningSettings` is a frozen pydantic model (``extra="forbid"``), so a scenario
is a value that can be copied with changes (``settings.model_copy(update=...)``) and
handed to a worker process. :class:`~siting.io.scenario.Scenario` extends it with the data
files and the solver options.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
