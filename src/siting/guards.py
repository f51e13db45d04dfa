"""Guards every reader shares: regular files only, YAML with depth and size caps, plausible numbers.

A planner's data is messy; these checks make sure bad input ends in an
:class:`~siting.errors.InputError` naming the file, never in a blocking read, a
``RecursionError`` or an overflow deep inside numpy, scipy or a solver.

* :func:`input_file` — ``os.stat`` before opening: a missing path, a folder, a named pipe
  (FIFO), a device or socket, a path too long or with a NUL byte is an error, never a read
  that blocks forever.
* :func:`load_yaml` — ``yaml.SafeLoader`` (no Python objects are ever constructed) with at
  most :data:`MAX_YAML_DEPTH` levels of nesting, :data:`MAX_YAML_NODES` nodes (aliases
  counted as expanded, so a "billion laughs" file is refused) and :data:`MAX_YAML_BYTES`.
* :func:`check_nesting` — the same depth cap for values built in Python (``--set`` paths,
  overrides passed to the library).
* :data:`LIMITS` — the plausible range of every numeric input field. They are sanity bounds
  far outside any real plan (a community of a million households, a space of 10 km²), not
  standards: their job is to keep numbers like 1e300 away from the KD-tree and the solver.

Imports nothing of siting but :mod:`siting.errors`, so every stage (``travel/`` too) may use it.
"""

from __future__ import annotations

import errno
import math
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from siting.errors import InputError

MAX_YAML_DEPTH = 64
"""Deepest nesting of mappings/lists in a YAML file or an override (a scenario needs about 6)."""
MAX_YAML_NODES = 200_000
"""Most YAML nodes (scalars, lists, mappings) after expanding aliases."""
MAX_YAML_BYTES = 4 * 2**20
"""Largest scenario file read (a scenario is a few kB)."""

#: Plausible ranges (inclusive) of numeric inputs: (lowest, highest). Units are in the names.
LIMITS: dict[str, tuple[float, float]] = {
    "coordinate_m": (-1e8, 1e8),  # projected x/y; the Earth's circumference is 4e7 m
    "households": (0.0, 1e6),
    "residents": (0.0, 1e7),
    "area_m2": (0.0, 1e7),  # a candidate space or an existing facility: at most 10 km²
    "cost_cny": (0.0, 1e13),
    "cost_cny_per_m2": (0.0, 1e8),
    "floor": (-20, 300),
    "year": (1900, 2200),
    "growth_factor": (0.0, 100.0),
    "horizon_years": (0.0, 200.0),
    "speed_m_per_min": (0.0, 1e4),
    "detour_factor": (1.0, 100.0),
    "distance_m": (0.0, 1e6),
    "minutes": (0.0, 1e5),
    "area_m2_per_100hh": (0.0, 1e5),
    "users_per_1000": (0.0, 1000.0),
    "m2_per_user": (0.0, 1e5),
    "weight": (0.0, 1e6),
    "count": (0, 1000),
    "time_limit_s": (0.0, 1e7),
    "threads": (1, 1024),
    "seed": (0, 2**31 - 1),
}


def limit(name: str) -> dict[str, float]:
    """``Field`` keyword arguments ``ge``/``le`` of a plausible range, e.g. ``Field(**limit("households"))``."""
    lo, hi = LIMITS[name]
    return {"ge": lo, "le": hi}


def _short(path: str, keep: int = 120) -> str:
    """A path for a message: an overlong one keeps its start and end."""
    return path if len(path) <= 2 * keep else f"{path[:keep]}…{path[-keep:]}"


def input_file(path: str | Path, what: str, *, max_bytes: int | None = None,
               error: type[InputError] = InputError) -> Path:
    """``path`` if it is a readable regular file; else an :class:`InputError` saying what it is.

    Uses ``os.stat`` (following symlinks) *before* any open, so a named pipe or a device is
    refused instead of blocking a read. Raises on: not found, a folder, not a regular file,
    a path too long or otherwise unusable, no permission, more than ``max_bytes``.
    """
    origin = _short(str(path))
    try:
        p = Path(path)
        st = os.stat(p)
    except FileNotFoundError:
        raise error(f"{what} file not found", file=origin) from None
    except ValueError as exc:  # embedded NUL byte
        raise error(f"{what} file name is not usable ({exc})", file=origin) from None
    except OSError as exc:
        reason = "the path is too long" if exc.errno == errno.ENAMETOOLONG else (exc.strerror or str(exc))
        raise error(f"cannot open {what} file: {reason}", file=origin) from None
    if stat.S_ISDIR(st.st_mode):
        raise error(f"{what} path is a folder, not a file", file=origin, expected="a file")
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{what} path is not a regular file (a named pipe, device or socket)", file=origin,
                         expected="a regular file")
    if not os.access(p, os.R_OK):
        raise error(f"cannot read {what} file: permission denied", file=origin)
    if max_bytes is not None and st.st_size > max_bytes:
        raise error(f"{what} file is {st.st_size:,} bytes", file=origin,
                         expected=f"at most {max_bytes:,} bytes")
    return p


class _CappedLoader(yaml.SafeLoader):
    """SafeLoader refusing nesting deeper than :data:`MAX_YAML_DEPTH` while composing."""

    _depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep (line {mark.line + 1})")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def expanded_size(obj: Any, cap: int = MAX_YAML_NODES) -> int:
    """Number of nodes of ``obj`` with shared parts counted each time (stops counting past ``cap``)."""
    n, stack = 0, [obj]
    while stack and n <= cap:
        x = stack.pop()
        n += 1
        if isinstance(x, dict):
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, list | tuple | set):
            stack.extend(x)
    return n


def check_nesting(obj: Any, origin: str | None, field: str | None = None, max_depth: int = MAX_YAML_DEPTH,
                  error: type[InputError] = InputError) -> None:
    """Refuse mappings/lists nested deeper than ``max_depth`` (iterative: no recursion limit)."""
    stack = [(obj, 1)]
    seen = 0
    while stack:
        x, d = stack.pop()
        if not isinstance(x, dict | list | tuple):
            continue
        if d > max_depth:
            raise error(f"nested more than {max_depth} levels deep", file=origin, field=field,
                             expected=f"at most {max_depth} levels of nesting")
        seen += 1
        if seen > MAX_YAML_NODES:
            raise error(f"more than {MAX_YAML_NODES:,} values", file=origin, field=field)
        children = x.values() if isinstance(x, dict) else x
        stack.extend((c, d + 1) for c in children)


def load_yaml(text: str, origin: str, error: type[InputError] = InputError) -> Any:
    """Parse YAML text safely with the depth and size caps; errors name ``origin`` and the line."""
    if len(text) > MAX_YAML_BYTES:
        raise error(f"YAML text is {len(text):,} characters", file=origin,
                         expected=f"at most {MAX_YAML_BYTES:,}")
    try:
        loader = _CappedLoader(text)
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"not valid YAML: {problem}", file=origin,
                         row=(mark.line + 1) if mark else None) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:  # e.g. an int of 5,000 digits
        raise error(f"not valid YAML: {str(exc).splitlines()[0][:200]}", file=origin) from None
    if expanded_size(data) > MAX_YAML_NODES:
        raise error(f"YAML expands to more than {MAX_YAML_NODES:,} values (aliases counted as copies)",
                         file=origin, expected="a scenario of a sensible size")
    return data


def finite_in_range(value: float, name: str) -> bool:
    """True if ``value`` is finite and inside ``LIMITS[name]``."""
    lo, hi = LIMITS[name]
    return math.isfinite(value) and lo <= value <= hi
