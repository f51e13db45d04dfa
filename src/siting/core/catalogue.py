"""Service catalogue and standard presets: data files shipped with the package, validated.

``data/services.yaml`` holds every service (domain, target age groups, uptake, m² per user,
minimum area, walking limit, hub-core flag, allowed floors), the time-share groups and the
co-location pairs; ``data/presets.yaml`` the standards (area per 100 households, hub rule,
weights, priority mapping). Every figure carries its source in the file. A scenario may
override any figure; overrides are deep-merged onto the file contents *before* validation,
so an override is checked exactly like the shipped data.
"""

from __future__ import annotations

import copy
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siting.errors import CatalogueError
from siting.guards import LIMITS, check_nesting, limit

AGE_GROUPS: tuple[str, ...] = ("age_0_2", "age_3_5", "age_6_11", "age_12_17", "age_18_59", "age_60_79", "age_80_plus")
"""Age-group ids; the input column of group ``age_X`` is ``residents_X`` (e.g. ``residents_0_2``)."""


def residents_column(age_group: str) -> str:
    return "residents_" + age_group.removeprefix("age_")
KINDS: tuple[str, ...] = ("new", "existing")

_frozen = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _ranged(name: str, *, positive: bool = False) -> Any:
    """A float type within the plausible range ``LIMITS[name]`` (``positive``: > 0)."""
    lo, hi = LIMITS[name]
    return Annotated[float, Field(gt=lo, le=hi) if positive else Field(ge=lo, le=hi)]


UsersPer1000 = _ranged("users_per_1000")
AreaPer100hh = _ranged("area_m2_per_100hh")
AreaM2 = _ranged("area_m2")
Weight = _ranged("weight")


class Service(BaseModel):
    model_config = _frozen
    label: str
    label_zh: str = ""
    domain: str
    uptake_per_1000: dict[str, UsersPer1000]
    m2_per_user: float = Field(gt=0, le=LIMITS["m2_per_user"][1])
    min_area_m2: AreaM2
    max_walk_min: float = Field(gt=0, le=LIMITS["minutes"][1])
    hub_core: bool = False
    floors: tuple[Annotated[int, Field(**limit("floor"))], ...]
    source: str

    @model_validator(mode="after")
    def _check(self) -> Service:
        bad = [g for g in self.uptake_per_1000 if g not in AGE_GROUPS]
        if bad:
            raise ValueError(f"unknown age group(s) {bad}; expected some of {list(AGE_GROUPS)}")
        if any(v < 0 for v in self.uptake_per_1000.values()):
            raise ValueError("uptake_per_1000 must be ≥ 0")
        if 0 in self.floors or not self.floors:
            raise ValueError("floors: a non-empty list of floor numbers (1 = ground, -1 = first basement, never 0)")
        return self


class Domain(BaseModel):
    model_config = _frozen
    label: str
    label_zh: str = ""
    source: str


class TimeShareGroup(BaseModel):
    model_config = _frozen
    services: tuple[str, ...] = Field(min_length=2)
    source: str


class ColocationPair(BaseModel):
    model_config = _frozen
    services: tuple[str, str]
    source: str


class Catalogue(BaseModel):
    """The validated service catalogue (D1, D2, D6, D8)."""

    model_config = _frozen
    version: int = 1
    age_groups: tuple[str, ...] = AGE_GROUPS
    age_group_labels: dict[str, dict[Literal["en", "zh"], str]] = {}
    domains: dict[str, Domain]
    services: dict[str, Service]
    time_share_groups: dict[str, TimeShareGroup] = {}
    colocation_pairs: tuple[ColocationPair, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Catalogue:
        if tuple(self.age_groups) != AGE_GROUPS:
            raise ValueError(f"age_groups must be {list(AGE_GROUPS)}")
        for sid, s in self.services.items():
            if s.domain not in self.domains:
                raise ValueError(f"service '{sid}': unknown domain '{s.domain}'")
        seen: dict[str, str] = {}
        for gid, g in self.time_share_groups.items():
            for sid in g.services:
                if sid not in self.services:
                    raise ValueError(f"time-share group '{gid}': unknown service '{sid}'")
                if sid in seen:
                    raise ValueError(f"service '{sid}' is in two time-share groups ('{seen[sid]}', '{gid}')")
                seen[sid] = gid
        for p in self.colocation_pairs:
            for sid in p.services:
                if sid not in self.services:
                    raise ValueError(f"co-location pair {list(p.services)}: unknown service '{sid}'")
        return self

    @property
    def service_ids(self) -> tuple[str, ...]:
        return tuple(self.services)

    def service_label(self, sid: str, lang: str = "en") -> str:
        """The service's label in ``lang`` ("en" or "zh"); English when there is no Chinese one."""
        s = self.services[sid]
        return s.label_zh if lang == "zh" and s.label_zh else s.label

    def domain_label(self, did: str, lang: str = "en") -> str:
        """The domain's label in ``lang`` ("en" or "zh"); English when there is no Chinese one."""
        d = self.domains[did]
        return d.label_zh if lang == "zh" and d.label_zh else d.label

    def age_group_label(self, group: str, lang: str = "en") -> str:
        """The age group's label in ``lang``; the id when the catalogue has none."""
        lab = self.age_group_labels.get(group, {})
        return lab.get(lang) or lab.get("en") or group


class HubRule(BaseModel):
    model_config = _frozen
    required: bool = True
    min_area_m2: dict[Literal["new", "existing"], AreaM2]
    min_functions: int = Field(3, **limit("count"))
    min_core_functions: int = Field(2, **limit("count"))
    reach_min: float = Field(15, gt=0, le=LIMITS["minutes"][1])


class Priority(BaseModel):
    """M9: priority = intercept + per_point_below_100 × (100 − health score)."""

    model_config = _frozen
    intercept: Weight = 1.0
    per_point_below_100: Weight = 0.01


class Preset(BaseModel):
    """A standard preset (D3, D4, D9)."""

    model_config = _frozen
    label: str
    area_m2_per_100hh: dict[Literal["new", "existing"], AreaPer100hh]
    area_m2_per_100hh_by_type: dict[str, AreaPer100hh] = {}
    area_reach_min: float = Field(15, gt=0, le=LIMITS["minutes"][1])
    hub: HubRule
    coverage_target: float = Field(1.0, ge=0, le=1)
    age_weights: dict[str, Weight]
    priority: Priority = Priority()
    colocation_bonus: float = Field(0.0, ge=0, le=LIMITS["cost_cny"][1])
    source: dict[str, str] = {}

    @model_validator(mode="after")
    def _check(self) -> Preset:
        if set(self.age_weights) != set(AGE_GROUPS):
            raise ValueError(f"age_weights must give every age group {list(AGE_GROUPS)}")
        if set(self.area_m2_per_100hh) != set(KINDS):
            raise ValueError("area_m2_per_100hh needs 'new' and 'existing'")
        return self


def deep_merge(base: Any, override: Any) -> Any:
    """Recursively merge ``override`` into a copy of ``base`` (dicts merge, anything else replaces).

    Raises
    ------
    InputError
        ``override`` nested deeper than :data:`siting.guards.MAX_YAML_DEPTH` (checked without
        recursion, so a value nested thousands deep is an error, not a ``RecursionError``).
    """
    check_nesting(override, None, "overrides")
    return _merge(base, override)


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        out = copy.deepcopy(base)
        for k, v in override.items():
            out[k] = _merge(base.get(k), v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(override)


def _read_packaged(name: str) -> dict[str, Any]:
    text = resources.files("siting.data").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _raw_catalogue() -> dict[str, Any]:
    return _read_packaged("services.yaml")


@cache
def _raw_presets() -> dict[str, Any]:
    return _read_packaged("presets.yaml")


def _validation_message(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return loc, err["msg"]


def load_catalogue(overrides: dict[str, Any] | None = None, *, origin: str = "services.yaml") -> Catalogue:
    """The shipped catalogue, with ``overrides`` deep-merged (e.g. from a scenario) and validated."""
    raw = deep_merge(_raw_catalogue(), overrides or {})
    required = [n for n, f in Service.model_fields.items() if f.is_required()]
    if not isinstance(overrides or {}, dict):
        raise CatalogueError("catalogue overrides must be a mapping", file=origin,
                             expected="{services: {<service id>: {<figure>: value}}}")
    services = (overrides or {}).get("services", {}) or {}
    if not isinstance(services, dict):
        raise CatalogueError(f"services must be a mapping of service ids, not {type(services).__name__}",
                             file=origin, field="services", expected="{<service id>: {<figure>: value}}")
    for sid, body in services.items():
        if sid in _raw_catalogue()["services"]:
            continue
        missing = [k for k in required if not isinstance(body, dict) or k not in body]
        if missing:
            raise CatalogueError(f"unknown service '{sid}'", file=origin, field=f"services.{sid}",
                                 expected=f"one of {list(_raw_catalogue()['services'])}, or a new service "
                                          f"with all of {required}")
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        loc, msg = _validation_message(exc)
        raise CatalogueError(msg, file=origin, field=loc) from None


def load_preset(preset_id: str, overrides: dict[str, Any] | None = None, *, origin: str = "presets.yaml") -> Preset:
    """A standard preset by id, with ``overrides`` deep-merged and validated."""
    presets = _raw_presets()
    if preset_id not in presets:
        raise CatalogueError(
            f"unknown standard preset '{preset_id}'", file=origin, field="standard",
            expected=f"one of {list(presets)}",
        )
    raw = deep_merge(presets[preset_id], overrides or {})
    try:
        return Preset.model_validate(raw)
    except ValidationError as exc:
        loc, msg = _validation_message(exc)
        raise CatalogueError(msg, file=origin, field=f"standard_overrides.{loc}") from None
