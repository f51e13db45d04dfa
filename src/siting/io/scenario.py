"""Scenario files: YAML → a frozen, validated :class:`Scenario`.

Order of precedence (later wins), recorded in ``Scenario.applied``:

1. built-in defaults (:class:`~siting.core.settings.PlanningSettings`),
2. the scenario file's top-level keys,
3. named overrides from the file's ``overrides:`` section, in the order requested,
4. ``--set key.path=value`` assignments, in the order given.

Data paths are relative to the scenario file. Unknown keys are errors that name the file
and the key (pydantic ``extra="forbid"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siting.core.catalogue import deep_merge
from siting.core.settings import PlanningSettings
from siting.errors import ScenarioError


class DataFiles(BaseModel):
    """Where the data is. ``crs`` is required for CSV inputs (x/y columns)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    communities: Path
    spaces: Path
    crs: str | None = None
    adjacency: Path | None = Field(None, description="CSV community_id,neighbour_id (shared hubs)")
    network: Path | None = Field(None, description="street network lines (GPKG/GeoJSON/SHP) for walking times")
    network_speed_column: str | None = Field(None, description="walking speed per line, m/min")
    network_walkable_column: str | None = Field(None, description="boolean column: line is walkable")
    max_snap_m: float = Field(300.0, gt=0, description="warn for points farther than this from any street")
    travel_times: Path | None = Field(None, description="origin-destination table: community_id,space_id,minutes")

    @model_validator(mode="after")
    def _one_source(self) -> DataFiles:
        if self.network is not None and self.travel_times is not None:
            raise ValueError("give either data.network or data.travel_times, not both")
        return self


class ReportSettings(BaseModel):
    """How the HTML report reads: ``lang`` en | zh (service, age-group and column labels)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    lang: Literal["en", "zh"] = Field("en", description="language of the report's labels: en | zh")


class Scenario(PlanningSettings):
    """A planner's what-if: data files + planning settings + solver options."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "scenario"
    description: str = ""
    data: DataFiles
    report: ReportSettings = Field(default_factory=ReportSettings, description="report language")
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict, description="named overrides")
    applied: tuple[str, ...] = Field((), description="overrides applied, in order (set by the loader)")
    source_file: Path | None = None

    def settings(self) -> PlanningSettings:
        return PlanningSettings.model_validate(
            {k: getattr(self, k) for k in PlanningSettings.model_fields}
        )


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` → (["a","b","c"], yaml-parsed value)."""
    origin = f"--set {text}"
    if "=" not in text:
        raise ScenarioError("not key=value", file=origin, expected="--set key.path=value, e.g. --set budget_cny=8e8")
    key, _, raw = text.partition("=")
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ScenarioError("empty key", file=origin, expected="--set key.path=value, e.g. --set budget_cny=8e8")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"value is not valid YAML ({exc})", file=origin, field=key.strip()) from None
    return path, value


def _nest(path: list[str], value: Any) -> dict[str, Any]:
    out: Any = value
    for key in reversed(path):
        out = {key: out}
    return out


def _validate(raw: dict[str, Any], origin: str) -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = f"unknown key '{loc}'"
        elif err["type"] == "missing":
            msg = f"missing key '{loc}'"
        raise ScenarioError(msg, file=origin, field=loc) from None


def load_scenario(
    path: str | Path, *, overrides: Sequence[str] = (), assignments: Sequence[str] = ()
) -> Scenario:
    """Read a scenario YAML, apply named ``overrides`` then ``--set`` ``assignments``."""
    path = Path(path)
    origin = str(path)
    if not path.is_file():
        raise ScenarioError("scenario file not found", file=origin)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=origin,
                            row=(mark.line + 1) if mark else None) from None
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", file=origin) from None
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario file must be a mapping of keys", file=origin, expected="YAML mapping")
    named = raw.get("overrides") or {}
    applied: list[str] = []
    for name in overrides:
        if name not in named:
            raise ScenarioError(f"unknown override '{name}'", file=origin, field="overrides",
                                expected=f"one of {list(named)}")
        raw = deep_merge(raw, named[name])
        applied.append(name)
    for text in assignments:
        keys, value = parse_assignment(text)
        raw = deep_merge(raw, _nest(keys, value))
        applied.append(f"set {text}")
    base = path.resolve().parent
    data = raw.get("data")
    if isinstance(data, dict):
        data = dict(data)
        for key in ("communities", "spaces", "adjacency", "network", "travel_times"):
            if data.get(key):
                p = Path(str(data[key]))
                data[key] = p if p.is_absolute() else base / p
        raw["data"] = data
    raw["applied"] = tuple(applied)
    raw["source_file"] = path.resolve()
    try:
        return _validate(raw, origin)
    except ScenarioError as exc:
        raise _blame_assignment(exc, assignments) from None


def _blame_assignment(exc: ScenarioError, assignments: Sequence[str]) -> ScenarioError:
    """The error naming ``--set key=value`` when the bad key is one a ``--set`` wrote (the last
    such assignment wins, as it does when applied); otherwise ``exc`` unchanged."""
    loc = [p for p in (exc.location.field or "").split(".") if p]
    for text in reversed(assignments):
        keys = [p for p in text.partition("=")[0].strip().split(".") if p]
        n = min(len(keys), len(loc))
        if n and keys[:n] == loc[:n]:
            return ScenarioError(exc.message, file=f"--set {text}", field=exc.location.field, expected=exc.expected)
    return exc
