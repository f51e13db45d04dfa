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

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from siting.core.catalogue import deep_merge
from siting.core.settings import PlanningSettings
from siting.errors import InputError, ScenarioError
from siting.guards import LIMITS, MAX_YAML_BYTES, input_file, load_yaml


class DataFiles(BaseModel):
    """Where the data is. ``crs`` is required for CSV inputs (x/y columns)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
    communities: Path
    spaces: Path
    crs: str | None = None
    adjacency: Path | None = Field(None, description="CSV community_id,neighbour_id (shared hubs)")
    network: Path | None = Field(None, description="street network lines (GPKG/GeoJSON/SHP) for walking times")
    network_speed_column: str | None = Field(None, description="walking speed per line, m/min")
    network_walkable_column: str | None = Field(None, description="boolean column: line is walkable")
    max_snap_m: float = Field(300.0, gt=0, le=LIMITS["distance_m"][1],
                              description="warn for points farther than this from any street")
    travel_times: Path | None = Field(None, description="origin-destination table: community_id,space_id,minutes")
    allow_outside_paths: bool = Field(False, description="let data paths leave the scenario's root (the folder "
                                      "that holds the scenario's folder); docs/decisions.md")
    output_crs: str | None = Field(None, description="CRS of the GeoPackage layers written, e.g. EPSG:4549 "
                                   "(default: the CRS the communities came in); the GeoJSON files stay EPSG:4326")

    @field_validator("output_crs")
    @classmethod
    def _known_crs(cls, v: str | None) -> str | None:
        if v is not None:
            from pyproj import CRS
            from pyproj.exceptions import CRSError

            try:
                CRS.from_user_input(v)
            except CRSError:
                raise ValueError(f"unknown CRS {v!r}: expected an EPSG code such as EPSG:4549 or EPSG:4326") from None
        return v

    @model_validator(mode="after")
    def _one_source(self) -> DataFiles:
        if self.network is not None and self.travel_times is not None:
            raise ValueError("give either data.network or data.travel_times, not both")
        return self


class ReportSettings(BaseModel):
    """How the HTML report reads: ``lang`` en | zh (service, age-group and column labels)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    lang: Literal["en", "zh"] = Field("en", description="language of the report's labels: en | zh")


class OutputSettings(BaseModel):
    """Extra output files: ``xlsx`` also writes ``plan.xlsx`` (the tables as one workbook)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    xlsx: bool = Field(False, description="also write plan.xlsx: the plan's tables as one Excel workbook")


class Scenario(PlanningSettings):
    """A planner's what-if: data files + planning settings + solver options."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str = "scenario"
    description: str = ""
    data: DataFiles
    report: ReportSettings = Field(default_factory=ReportSettings, description="report language")
    outputs: OutputSettings = Field(default_factory=OutputSettings, description="extra output files (xlsx)")
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict, description="named overrides")
    applied: tuple[str, ...] = Field((), description="overrides applied, in order (set by the loader)")
    source_file: Path | None = None

    def settings(self) -> PlanningSettings:
        """The planning settings of the scenario (its keys without ``data``, ``overrides``, …).

        Returns
        -------
        PlanningSettings
        """
        return PlanningSettings.model_validate(
            {k: getattr(self, k) for k in PlanningSettings.model_fields}
        )


MAX_SET_PATH = 32
"""Most dot-separated keys in one ``--set`` path (a scenario's deepest key has about 5)."""


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` → (["a","b","c"], yaml-parsed value)."""
    origin = f"--set {text[:200]}"
    if "=" not in text:
        raise ScenarioError("not key=value", file=origin, expected="--set key.path=value, e.g. --set budget_cny=8e8")
    key, _, raw = text.partition("=")
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ScenarioError("empty key", file=origin, expected="--set key.path=value, e.g. --set budget_cny=8e8")
    if len(path) > MAX_SET_PATH:
        raise ScenarioError(f"the key has {len(path)} parts", file=origin,
                            expected=f"at most {MAX_SET_PATH} dot-separated keys")
    try:
        value = load_yaml(raw, origin[:200], error=ScenarioError) if raw.strip() else None
    except ScenarioError as exc:
        raise ScenarioError(f"value is {exc.message}", file=origin, field=key.strip()[:200]) from None
    return path, value


def _nest(path: list[str], value: Any) -> dict[str, Any]:
    out: Any = value
    for key in reversed(path):
        out = {key: out}
    return out


def _merged(raw: dict[str, Any], extra: dict[str, Any], origin: str, field: str) -> dict[str, Any]:
    try:
        return deep_merge(raw, extra)
    except InputError as exc:
        raise ScenarioError(exc.message, file=origin, field=field, expected=exc.expected) from None


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
    """Read a scenario YAML, apply named ``overrides`` then ``--set`` ``assignments``.

    Parameters
    ----------
    path : str or pathlib.Path
        The scenario file.
    overrides : sequence of str
        Names of the file's ``overrides:`` to apply, in order (``-o NAME``).
    assignments : sequence of str
        ``key.path=value`` assignments applied last (``--set``).

    Returns
    -------
    Scenario
        Validated and frozen; ``applied`` records the overrides.

    Raises
    ------
    ScenarioError
        An unreadable or malformed file, an unknown key, override or preset, or a bad value
        (naming the file, the key and, for ``--set``, the assignment).
    """
    path = Path(path)
    origin = str(path)
    input_file(path, "scenario", max_bytes=MAX_YAML_BYTES, error=ScenarioError)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("not a UTF-8 text file", file=origin) from None
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file: {exc.strerror or exc}", file=origin) from None
    raw = load_yaml(text, origin, error=ScenarioError)
    if not isinstance(raw, dict):
        raise ScenarioError("a scenario file must be a mapping of keys", file=origin, expected="YAML mapping")
    named = raw.get("overrides") or {}
    if not isinstance(named, dict):
        raise ScenarioError("overrides must be a mapping of names to settings", file=origin, field="overrides",
                            expected="overrides: {name: {key: value, ...}}")
    applied: list[str] = []
    for name in overrides:
        if name not in named:
            raise ScenarioError(f"unknown override '{name}'", file=origin, field="overrides",
                                expected=f"one of {list(named)}")
        if not isinstance(named[name], dict):
            raise ScenarioError(f"override '{name}' is not a mapping of settings", file=origin,
                                field=f"overrides.{name}", expected="a mapping such as {budget_cny: 1.0e9}")
        raw = _merged(raw, named[name], origin, f"overrides.{name}")
        applied.append(name)
    for text in assignments:
        try:
            keys, value = parse_assignment(text)
        except ScenarioError as exc:
            raise ScenarioError(f"{exc.message} (scenario {origin})", file=exc.location.file,
                                field=exc.location.field, expected=exc.expected) from None
        raw = _merged(raw, _nest(keys, value), origin, ".".join(keys)[:200])
        applied.append(f"set {text}")
    base = path.resolve().parent
    data = raw.get("data")
    if isinstance(data, dict):
        data = dict(data)
        for key in ("communities", "spaces", "adjacency", "network", "travel_times"):
            if data.get(key) is not None and not isinstance(data[key], str | Path):
                raise ScenarioError(f"data.{key} must be a file path, not {type(data[key]).__name__}", file=origin,
                                    field=f"data.{key}", expected="a file path, relative to the scenario file")
            if isinstance(data.get(key), str) and not data[key].strip():
                raise ScenarioError(f"data.{key} is an empty path", file=origin, field=f"data.{key}",
                                    expected="a file path, relative to the scenario file")
            if data.get(key):
                p = Path(str(data[key]))
                data[key] = p if p.is_absolute() else base / p
        raw["data"] = data
    raw["applied"] = tuple(applied)
    raw["source_file"] = path.resolve()
    try:
        scenario = _validate(raw, origin)
    except ScenarioError as exc:
        raise _blame_assignment(exc, assignments, origin) from None
    _check_data_root(scenario, base, origin)
    return scenario


DATA_KEYS = ("communities", "spaces", "adjacency", "network", "travel_times")


def _check_data_root(scenario: Scenario, base: Path, origin: str) -> None:
    """Refuse a data path that leaves the scenario's root, the folder holding the scenario's
    folder (``scenarios/<name>/`` may read ``../demo/data``, not ``/etc`` or ``../../..``), after
    symlinks are followed; ``data.allow_outside_paths: true`` lets the scenario opt out."""
    if scenario.data.allow_outside_paths:
        return
    root = base.parent
    for key in DATA_KEYS:
        p = getattr(scenario.data, key)
        if p is None:
            continue
        try:
            real = Path(os.path.realpath(p))
        except (OSError, ValueError):  # a path the OS refuses: the reader names it
            continue
        if not real.is_relative_to(root):
            shown = str(p) if real == Path(os.path.abspath(p)) else f"{p} (which leads to {real})"
            raise ScenarioError(
                f"data.{key} {shown} is outside {root}, the folder that holds this scenario's folder; data paths "
                "may not leave it", file=origin, field=f"data.{key}",
                expected="a path inside it (e.g. data/communities.csv or ../demo/data/communities.csv), or "
                         "data: {allow_outside_paths: true} in the scenario to read files elsewhere")


def _blame_assignment(exc: ScenarioError, assignments: Sequence[str], origin: str = "") -> ScenarioError:
    """The error naming ``--set key=value`` when the bad key is one a ``--set`` wrote (the last
    such assignment wins, as it does when applied), and the scenario it was applied to;
    otherwise ``exc`` unchanged."""
    loc = [p for p in (exc.location.field or "").split(".") if p]
    for text in reversed(assignments):
        keys = [p for p in text.partition("=")[0].strip().split(".") if p]
        n = min(len(keys), len(loc))
        if n and keys[:n] == loc[:n]:
            msg = f"{exc.message} (scenario {origin})" if origin else exc.message
            return ScenarioError(msg, file=f"--set {text}", field=exc.location.field, expected=exc.expected)
    return exc
