"""The variants of a what-if: ``--vary KEY=start:stop:count`` or ``--vary overrides=a,b,c``.

:func:`parse_vary` turns the option's text into :class:`Variant` values (a name, the varied value,
the overrides and ``--set`` assignments that make it); :func:`prepare_variants` loads each one's
scenario and instance, so that every bad input (an unknown key, a value of the wrong type, an
unknown override, data that does not load) is a :class:`~siting.errors.ScenarioError` naming
``--vary ...`` before anything is solved or written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from siting.core.instance import Instance
from siting.errors import InputError, ScenarioError
from siting.io.load import load_instance
from siting.io.scenario import Scenario, load_scenario

VARY_HELP = "--vary KEY=start:stop:count (a numeric scenario key, e.g. budget_cny=6e8:1.6e9:11) or " \
            "--vary overrides=a,b,c (named overrides; a+b applies both)"


@dataclass(frozen=True)
class Variant:
    """One variant of a scenario.

    ``name`` is what tables and headers show (``budget_cny=6e+08``, an override's name, ``base``);
    ``value`` the varied key's value (``None`` for override variants); ``overrides`` and
    ``assignments`` are applied after the base ones, as ``-o`` and ``--set`` are."""

    name: str
    value: float | None
    overrides: tuple[str, ...] = ()
    assignments: tuple[str, ...] = ()


@dataclass(frozen=True)
class VarySpec:
    """What ``--vary`` asked for: the key (``overrides`` for a list of overrides) and the variants."""

    key: str
    variants: tuple[Variant, ...]
    text: str = ""  # the option's text, for messages

    @property
    def numeric(self) -> bool:
        return self.key != "overrides"


@dataclass(frozen=True, eq=False)
class PreparedVariant:
    """A variant with its scenario (overrides and assignments applied) and its loaded instance."""

    variant: Variant
    scenario: Scenario
    instance: Instance
    folder: str  # the plan folder's name under the sweep's output folder


def _fmt_value(v: float, integral: bool) -> str:
    return str(int(round(v))) if integral else repr(float(v))


def parse_vary(spec: str) -> VarySpec:
    """Parse the text of ``--vary``.

    Parameters
    ----------
    spec
        ``KEY=start:stop:count`` (``count`` values from ``start`` to ``stop``, both included) or
        ``overrides=a,b,c`` (one variant per name; ``a+b`` is one variant applying both).

    Returns
    -------
    VarySpec

    Raises
    ------
    ScenarioError
        Naming ``--vary spec``: no ``=``, an empty key, numbers that do not parse, a count below 1,
        a reversed range, or an empty range (start = stop with more than one value).
    """
    origin = f"--vary {spec}"
    key, sep, rhs = spec.partition("=")
    key = key.strip()
    if not sep or not key or not rhs.strip():
        raise ScenarioError("not KEY=start:stop:count or overrides=a,b,c", file=origin, expected=VARY_HELP)
    if key == "overrides":
        names = [n.strip() for n in rhs.split(",")]
        if any(not n for n in names):
            raise ScenarioError("empty override name", file=origin, field="overrides", expected="overrides=a,b,c")
        if len(set(names)) != len(names):
            raise ScenarioError("an override is named twice", file=origin, field="overrides")
        return VarySpec("overrides", tuple(Variant(n, None, tuple(p.strip() for p in n.split("+"))) for n in names),
                        spec)
    parts = rhs.split(":")
    if len(parts) != 3:
        raise ScenarioError("the range is not start:stop:count", file=origin, field=key, expected=VARY_HELP)
    try:
        start, stop = float(parts[0]), float(parts[1])
        count_f = float(parts[2])
    except ValueError:
        raise ScenarioError(f"'{rhs}' is not numbers start:stop:count", file=origin, field=key,
                            expected="e.g. 6e8:1.6e9:11") from None
    if not (math.isfinite(start) and math.isfinite(stop)) or not count_f.is_integer():
        raise ScenarioError("start and stop must be finite and count a whole number", file=origin, field=key)
    count = int(count_f)
    if count < 1:
        raise ScenarioError(f"empty range: count {count}", file=origin, field=key, expected="count ≥ 1")
    if stop < start:
        raise ScenarioError(f"reversed range: stop {parts[1]} is below start {parts[0]}", file=origin, field=key,
                            expected="start ≤ stop")
    if stop == start and count > 1:
        raise ScenarioError(f"empty range: start = stop with {count} values", file=origin, field=key,
                            expected="start < stop, or count 1")
    values = np.linspace(start, stop, count)
    integral = all(p.strip().lstrip("+-").isdigit() for p in parts[:2]) and all(float(v).is_integer() for v in values)
    leaf = key.split(".")[-1]
    variants = tuple(Variant(f"{leaf}={float(v):g}", float(v), (), (f"{key}={_fmt_value(v, integral)}",))
                     for v in values)
    return VarySpec(key, variants, spec)


def _existing_value(raw: Any, keys: list[str]) -> tuple[bool, Any]:
    for k in keys:
        if not isinstance(raw, dict) or k not in raw:
            return False, None
        raw = raw[k]
    return True, raw


def _check_key(spec: VarySpec, base: Scenario) -> None:
    """A numeric ``--vary`` key must name a number (or an unset value) where it exists already."""
    origin = f"--vary {spec.text or spec.key}"
    found, value = _existing_value(base.model_dump(), spec.key.split("."))
    if found and value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise ScenarioError(f"'{spec.key}' is {type(value).__name__} {value!r}, not a number", file=origin,
                            field=spec.key, expected="a numeric scenario key, e.g. budget_cny")


def folder_name(i: int, variant: Variant) -> str:
    """``03-budget_cny-8e+08``: the variant's plan folder (numbered in sweep order, file-name safe)."""
    return f"{i + 1:02d}-" + re.sub(r"[^A-Za-z0-9_.+-]+", "-", variant.name.replace("=", "-")).strip("-")


def prepare_variants(path: str | Path, spec: VarySpec, *, overrides: Sequence[str] = (),
                     assignments: Sequence[str] = (), base_first: bool = False) -> list[PreparedVariant]:
    """Load the scenario and the instance of every variant (nothing is solved).

    Parameters
    ----------
    path
        The scenario file.
    spec
        From :func:`parse_vary`.
    overrides, assignments
        ``-o`` and ``--set`` applied to every variant, before the variant's own.
    base_first
        Put the scenario with only ``overrides``/``assignments`` (named ``base``) first.

    Returns
    -------
    list of PreparedVariant

    Raises
    ------
    ScenarioError
        The scenario does not load, or a variant's key or value is wrong: the message names
        ``--vary ...`` and the variant.
    """
    base = load_scenario(path, overrides=overrides, assignments=assignments)
    variants = list(spec.variants)
    if base_first:
        variants.insert(0, Variant("base", None))
    if spec.numeric:
        _check_key(spec, base)
    out: list[PreparedVariant] = []
    for i, v in enumerate(variants):
        origin = f"--vary {spec.text or spec.key}"
        try:
            scenario = load_scenario(path, overrides=[*overrides, *v.overrides],
                                     assignments=[*assignments, *v.assignments])
            inst = load_instance(scenario)
        except InputError as exc:
            where = f"{exc.location}: " if exc.location.file and not exc.location.file.startswith("--set") else ""
            raise ScenarioError(f"variant {v.name}: {where}{exc.message}", file=origin, field=exc.location.field,
                                expected=exc.expected) from None
        out.append(PreparedVariant(v, scenario, inst, folder_name(i, v)))
    return out
