"""Fuzzing machinery for ``test_fuzz.py``: a base scenario with every kind of input file,
seeded mutations of those files, of the scenario YAML, of ``--set`` and ``-o``, and the one
oracle every case must pass.

The oracle (:func:`run_case`): reading the case the way ``siting validate`` does (scenario,
data files, walking times, model build) ends either valid or in a :class:`SitingError`
whose message names a file of the case. Any other exception, or a case running longer than
:data:`CASE_TIMEOUT_S` (a hang), is a failure that prints how to reproduce it.

Base files (in EPSG:4549 metres, unless said otherwise): the tiny scenario of conftest
(``communities.csv``, ``spaces.csv``), ``adjacency.csv``, ``od.csv`` (an OD table of every
pair), ``communities.geojson`` (EPSG:4326 degrees, as GeoJSON requires),
``communities.gpkg``, ``spaces.shp`` (+ sidecars), ``streets.gpkg`` and ``streets.geojson``
(a small street grid around the points).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import yaml
from shapely.geometry import LineString

from conftest import TINY_SCENARIO, tiny_tables
from siting.errors import SitingError

CASE_TIMEOUT_S = 20.0
"""A case taking longer than this is a hang (tiny inputs load in ~50 ms)."""

# -------------------------------------------------------------------------------- values

EVIL_CELLS: tuple[str, ...] = (
    "", " ", "nan", "NaN", "inf", "-inf", "Infinity", "1e300", "-1e300", "1e309", "9223372036854775807",
    "-9223372036854775809", "18446744073709551616", "0", "-0", "-1", "1e-320", "0x10", "1_000", "abc", "TRUE",
    "None", "null", "\x00", "中文社区", "😀", "=1+1", "+1", "@SUM(A1)", "-cmd", "a" * 3000, '"', "'", ",", ";",
    "\n", "\r", "\t", "T-C1", "T-S1", "T-C2", "existing", "new", "candidate", "required", "forbidden", "1.5",
    "2024", "1", "2", "play_space", "infant_care;elderly_day_care", "unknown_service", "1e6", "999999", "5e5",
    "3350000", "500000", "120.1", "30.2", "<script>alert(1)</script>", "POINT (1 2)",
)

EVIL_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2, 0.5, -0.0, 1e300, -1e300, float("nan"), float("inf"), -float("inf"), 2**63,
    2**70, 10**400, "x", "", " ", [], {}, [1, "a"], {"a": 1}, {"a": {"b": {"c": None}}}, "EPSG:4326",
    "EPSG:99999", "+proj=longlat +datum=WGS84", "+proj=utm +zone=51", "EPSG:3857", "national_2024",
    "national_2024_target80", "demand", "equity", "standards", ["area", "hub"], ["coverage"], ["T-S1"],
    ["T-S1", "T-S2"], ["nope"], "T-S1", "scip", "cpsat", "highs", "auto", "always", "never", "high",
    "2024-01-01", "1e5", "yes", [[[[[]]]]], {"services": "x"}, {"services": {"x": 1}},
    {"services": {"infant_care": {"m2_per_user": -1}}}, {"hub": 5}, {"area_m2_per_100hh": {"existing": -1}},
    {"age_60_79": float("nan")}, {"age_60_79": 1e300}, {"age_99": 1.0},
)

SCENARIO_PATHS: tuple[str, ...] = (
    "name", "description", "standard", "budget_cny", "horizon_years", "walking", "walking.speed_m_per_min",
    "walking.detour_factor", "demand_growth", "demand_growth.age_60_79", "demand_growth.age_80_plus",
    "objective", "objective.mode", "objective.enforce", "objective.colocation_bonus", "hubs", "hubs.shared",
    "solver", "solver.backend", "solver.time_limit_s", "solver.relative_gap", "solver.threads", "solver.seed",
    "solver.coordinate", "solver.heuristics", "solver.deterministic", "data", "data.communities", "data.spaces",
    "data.crs", "data.adjacency", "data.network", "data.travel_times", "data.max_snap_m",
    "data.network_speed_column", "data.network_walkable_column", "spaces", "spaces.locked", "spaces.forbidden",
    "standard_overrides", "standard_overrides.area_m2_per_100hh", "standard_overrides.area_m2_per_100hh.existing",
    "standard_overrides.area_m2_per_100hh_by_type.old_compound", "standard_overrides.hub",
    "standard_overrides.hub.required", "standard_overrides.hub.min_area_m2.new",
    "standard_overrides.hub.min_functions", "standard_overrides.hub.reach_min", "standard_overrides.age_weights",
    "standard_overrides.age_weights.age_80_plus", "standard_overrides.priority.intercept",
    "standard_overrides.coverage_target", "standard_overrides.area_reach_min", "standard_overrides.label",
    "catalogue_overrides", "catalogue_overrides.services", "catalogue_overrides.services.infant_care",
    "catalogue_overrides.services.infant_care.m2_per_user", "catalogue_overrides.services.infant_care.floors",
    "catalogue_overrides.services.infant_care.uptake_per_1000.age_0_2",
    "catalogue_overrides.services.infant_care.max_walk_min", "catalogue_overrides.services.infant_care.domain",
    "catalogue_overrides.services.new_svc", "catalogue_overrides.time_share_groups",
    "catalogue_overrides.colocation_pairs", "catalogue_overrides.domains", "overrides", "overrides.cheap",
    "overrides.cheap.budget_cny", "overrides.x", "unknown_key", "applied", "source_file",
)

#: How often each input is the target of a case (GIS writes are slow: fewer of those).
TARGET_WEIGHTS: dict[str, float] = {"communities": 3, "spaces": 3, "adjacency": 2, "od": 2, "geojson": 0.6,
                                    "gpkg": 0.5, "shp": 0.7, "network": 1.2, "scenario": 4, "set": 4,
                                    "override": 2, "mixed": 1.5}

DATA_KEYS = ("communities", "spaces", "adjacency", "travel_times", "network")
OVERRIDE_NAMES = ("cheap", "long", "national", "missing", "x", "", "overrides")


# -------------------------------------------------------------------------------- base files

def _streets() -> gpd.GeoDataFrame:
    xs = np.linspace(499900.0, 500400.0, 6)
    ys = np.linspace(3349900.0, 3350350.0, 6)
    lines = [LineString([(x, ys[0]), (x, ys[-1])]) for x in xs] + [LineString([(xs[0], y), (xs[-1], y)]) for y in ys]
    n = len(lines)
    return gpd.GeoDataFrame({"speed": [75.0] * n, "walkable": [True] * n}, geometry=lines, crs="EPSG:4549")


def write_base(folder: Path) -> Path:
    """Write every base file into ``folder/data`` and ``folder/scenario.yaml``; returns the folder."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    com, spa = tiny_tables()
    com.to_csv(data / "communities.csv", index=False)
    spa.to_csv(data / "spaces.csv", index=False)
    pd.DataFrame({"community_id": ["T-C1", "T-C2"], "neighbour_id": ["T-C2", "T-C3"]}).to_csv(
        data / "adjacency.csv", index=False)
    od = pd.DataFrame([(c, s, 3.0 + i + j) for i, c in enumerate(com["community_id"])
                       for j, s in enumerate(spa["space_id"])], columns=["community_id", "space_id", "minutes"])
    od.to_csv(data / "od.csv", index=False)
    cg = gpd.GeoDataFrame(com.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(com["x"], com["y"]),
                          crs="EPSG:4549")
    sg = gpd.GeoDataFrame(spa.drop(columns=["x", "y"]), geometry=gpd.points_from_xy(spa["x"], spa["y"]),
                          crs="EPSG:4549")
    cg.to_file(data / "communities.gpkg", driver="GPKG")
    cg.to_crs("EPSG:4326").to_file(data / "communities.geojson", driver="GeoJSON")
    with warnings.catch_warnings():  # a Shapefile truncates field names to 10 characters
        warnings.simplefilter("ignore")
        sg.to_file(data / "spaces.shp")
    streets = _streets()
    streets.to_file(data / "streets.gpkg", driver="GPKG")
    streets.to_crs("EPSG:4326").to_file(data / "streets.geojson", driver="GeoJSON")
    streets.to_file(data / "streets.shp")
    (folder / "scenario.yaml").write_text(TINY_SCENARIO, encoding="utf-8")
    return folder


# -------------------------------------------------------------------------------- a case

@dataclass
class Case:
    """One fuzz case: a folder of files, the scenario to read, ``-o`` names and ``--set`` texts."""

    folder: Path
    scenario: Path
    overrides: list[str] = field(default_factory=list)
    assignments: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # what was mutated, for the failure message

    def describe(self) -> str:
        return (f"scenario {self.scenario}\n  -o {self.overrides}\n  --set {[a[:200] for a in self.assignments]}\n"
                f"  mutations: {self.steps}")

    def names(self) -> list[str]:
        """Texts any of which an error message may contain to name "the file"."""
        out = [str(self.scenario), self.scenario.name]
        for p in self.folder.rglob("*"):
            out.append(p.name)
        for text in self.assignments:
            raw = text.partition("=")[2].strip()
            out.append(raw[-100:])
            with contextlib.suppress(Exception):  # the value as YAML reads it ('yes' -> yes)
                out.append(str(yaml.safe_load(raw))[-100:])
        with contextlib.suppress(Exception):
            doc = yaml.safe_load(self.scenario.read_text(encoding="utf-8"))
            values = list((doc.get("data") or {}).values())
            for over in (doc.get("overrides") or {}).values():
                values += list(((over or {}).get("data") or {}).values())
            out += [str(v)[-100:] for v in values]
        return [n for n in out if n]


def new_case(base: Path, folder: Path) -> Case:
    """A fresh case in ``folder``: every base file as a symlink, copied on first write (:func:`own`)."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "data").mkdir(parents=True)
    for p in base.rglob("*"):
        if p.is_file():
            (folder / p.relative_to(base)).symlink_to(p)
    return Case(folder, folder / "scenario.yaml")


def own(path: Path) -> Path:
    """Replace a symlink to a base file by a copy, so that writing ``path`` never changes the base."""
    if path.is_symlink():
        target = path.resolve()
        path.unlink()
        if target.is_file():
            shutil.copyfile(target, path)
    return path


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _sidecars(path: Path) -> list[Path]:
    """The files of one GIS dataset: a Shapefile's parts, else the file itself."""
    if path.suffix != ".shp":
        return [path]
    return [path.with_suffix(s) for s in SHAPEFILE_PARTS if path.with_suffix(s).exists() or
            path.with_suffix(s).is_symlink()]


def _own_all(path: Path) -> None:
    for part in _sidecars(path):
        own(part)


# -------------------------------------------------------------------------------- mutations

def _special_path(rng: random.Random, case: Case) -> str:
    """A path that is not a good data file: folders, pipes, devices, loops, overlong, wrong files."""
    data = case.folder / "data"
    kind = rng.choice(["fifo", "dir", "missing", "dev_null", "dev_zero", "long", "loop", "system", "other",
                       "self", "nul", "relative_up", "empty"])
    if kind == "fifo":
        p = data / f"pipe{rng.randrange(1000)}.csv"
        if not p.exists():
            os.mkfifo(p)
        return str(p)
    if kind == "dir":
        return str(data)
    if kind == "missing":
        return str(data / "missing.csv")
    if kind == "dev_null":
        return "/dev/null"
    if kind == "dev_zero":
        return "/dev/zero"
    if kind == "long":
        return str(data / ("x" * rng.choice([255, 300, 5000]))) + ".csv"
    if kind == "loop":
        p = data / "loop.csv"
        if not p.is_symlink():
            p.symlink_to(p)
        return str(p)
    if kind == "system":
        p = data / "system.csv"
        target = next((t for t in ("/etc/services", "/etc/passwd", "/etc/os-release") if Path(t).is_file()), None)
        if target and not p.is_symlink():
            p.symlink_to(target)
        return str(p)
    if kind == "other":
        return str(data / rng.choice(["communities.csv", "spaces.csv", "adjacency.csv", "od.csv",
                                      "communities.geojson", "communities.gpkg", "spaces.shp", "streets.gpkg",
                                      "streets.geojson", "spaces.dbf", "streets.shp"]))
    if kind == "self":
        return str(case.scenario)
    if kind == "nul":
        return str(data / "a\x00b.csv")
    if kind == "relative_up":
        return "../" * rng.randrange(1, 30) + "etc/passwd"
    p = data / "empty.csv"
    p.write_bytes(b"")
    return str(p)


def mutate_csv_text(rng: random.Random, text: str, steps: list[str]) -> bytes:
    """1–3 structural, cell or byte-level mutations of a CSV text."""
    rows = [line.split(",") for line in text.splitlines()]
    for _ in range(rng.randint(1, 3)):
        op = rng.choice(["cell", "cell", "cell", "cell", "header", "drop_col", "dup_col", "drop_rows", "dup_row",
                         "extra_col", "shuffle", "ragged"])
        if not rows:
            break
        ncol = max(len(r) for r in rows)
        if op == "cell" and len(rows) > 1 and ncol:
            r, c = rng.randrange(1, len(rows)), rng.randrange(ncol)
            if c < len(rows[r]):
                rows[r][c] = rng.choice(EVIL_CELLS)
                steps.append(f"cell[{r},{rows[0][c] if c < len(rows[0]) else c}]={rows[r][c][:30]!r}")
        elif op == "header" and rows[0]:
            c = rng.randrange(len(rows[0]))
            rows[0][c] = rng.choice(EVIL_CELLS + ("existing_m2_infant_care", "existing_m2_nope", "x", "y"))
            steps.append(f"header[{c}]={rows[0][c][:30]!r}")
        elif op == "drop_col" and ncol:
            c = rng.randrange(ncol)
            steps.append(f"drop column {rows[0][c] if c < len(rows[0]) else c}")
            rows = [r[:c] + r[c + 1:] for r in rows]
        elif op == "dup_col" and rows[0]:
            c = rng.randrange(len(rows[0]))
            rows = [r + [r[c]] if c < len(r) else r for r in rows]
            steps.append(f"duplicate column {rows[0][c]}")
        elif op == "drop_rows":
            keep = rng.randint(0, max(len(rows) - 1, 0))
            rows = rows[:1] + rng.sample(rows[1:], min(keep, len(rows) - 1))
            steps.append(f"keep {keep} rows")
        elif op == "dup_row" and len(rows) > 1:
            rows.append(list(rows[rng.randrange(1, len(rows))]))
            steps.append("duplicate a row")
        elif op == "extra_col":
            rows = [r + [rng.choice(EVIL_CELLS) if i else rng.choice(["extra", "pilot", "status", "kind"])]
                    for i, r in enumerate(rows)]
            steps.append("extra column")
        elif op == "shuffle":
            body = rows[1:]
            rng.shuffle(body)
            rows = rows[:1] + body
            steps.append("shuffle rows")
        elif op == "ragged" and len(rows) > 1:
            r = rng.randrange(1, len(rows))
            rows[r] = rows[r][: rng.randrange(len(rows[r]) + 1)] + [rng.choice(EVIL_CELLS)] * rng.randrange(3)
            steps.append(f"ragged row {r}")
    out = "\n".join(",".join(r) for r in rows) + "\n"
    data = out.encode("utf-8")
    if rng.random() < 0.25:
        data = mutate_bytes(rng, data, steps)
    return data


def mutate_bytes(rng: random.Random, data: bytes, steps: list[str]) -> bytes:
    """A byte-level mutation: truncate, insert, flip, re-encode, BOM, CRLF, NUL, empty."""
    op = rng.choice(["truncate", "insert", "flip", "latin1", "utf16", "bom", "crlf", "nul", "empty", "garbage"])
    steps.append(f"bytes:{op}")
    if op == "truncate":
        return data[: rng.randrange(len(data) + 1)]
    if op == "insert":
        k = rng.randrange(len(data) + 1)
        return data[:k] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))) + data[k:]
    if op == "flip" and data:
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == "latin1":
        return data.decode("utf-8", "replace").replace("T-C", "T-Ç").encode("latin-1", "replace")
    if op == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")
    if op == "bom":
        return b"\xef\xbb\xbf" + data
    if op == "crlf":
        return data.replace(b"\n", b"\r\n")
    if op == "nul":
        k = rng.randrange(len(data) + 1)
        return data[:k] + b"\x00" * rng.randint(1, 4) + data[k:]
    if op == "empty":
        return b""
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 2000)))


def _set_path(doc: Any, path: list[str], value: Any) -> None:
    cur = doc
    for key in path[:-1]:
        if not isinstance(cur, dict):
            return
        nxt = cur.get(key)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[key] = nxt
        cur = nxt
    if isinstance(cur, dict):
        cur[path[-1]] = value


def _del_path(doc: Any, path: list[str]) -> None:
    cur = doc
    for key in path[:-1]:
        cur = cur.get(key) if isinstance(cur, dict) else None
    if isinstance(cur, dict):
        cur.pop(path[-1], None)


def evil_value(rng: random.Random, case: Case) -> Any:
    r = rng.random()
    if r < 0.15:
        return _special_path(rng, case)
    if r < 0.2:
        v: Any = rng.choice(EVIL_VALUES)
        for _ in range(rng.choice([70, 200])):
            v = {"a": v} if rng.random() < 0.5 else [v]
        return v
    return rng.choice(EVIL_VALUES)


def mutate_scenario(rng: random.Random, case: Case) -> None:
    """Mutate the scenario YAML as a document (set/delete keys), then maybe as text."""
    own(case.scenario)
    try:
        doc = yaml.safe_load(case.scenario.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - an earlier mutation broke it
        doc = None
    if not isinstance(doc, dict):
        doc = yaml.safe_load(TINY_SCENARIO)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(SCENARIO_PATHS).split(".")
        if rng.random() < 0.2:
            _del_path(doc, path)
            case.steps.append(f"yaml del {'.'.join(path)}")
        else:
            value = evil_value(rng, case)
            _set_path(doc, path, value)
            case.steps.append(f"yaml {'.'.join(path)}={str(value)[:60]!r}")
    try:
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    except (yaml.YAMLError, RecursionError):
        text = TINY_SCENARIO
    if rng.random() < 0.2:
        op = rng.choice(["bytes", "tag", "alias", "tab", "dup_key"])
        case.steps.append(f"yaml text:{op}")
        if op == "bytes":
            case.scenario.write_bytes(mutate_bytes(rng, text.encode("utf-8"), case.steps))
            return
        if op == "tag":
            text += "pwn: !!python/object/apply:os.system ['echo FUZZ > pwned.txt']\n"
        elif op == "alias":
            text = "base: &b {budget_cny: 5}\n" + text + "extra: *b\n"
        elif op == "tab":
            text = text.replace("  ", "\t", 1)
        else:
            text += "name: again\n"
    case.scenario.write_text(text, encoding="utf-8")


def random_assignment(rng: random.Random, case: Case) -> str:
    if rng.random() < 0.1:
        return rng.choice(["=", "novalue", ".=1", "a..b=1", "=5", "a" + ".a" * rng.choice([40, 3000]) + "=1",
                           "name=" + "[" * 500, "name={a: [}", "seed=" + "9" * 5000, "data.crs=!!python/name:os"])
    path = rng.choice(SCENARIO_PATHS)
    value = evil_value(rng, case)
    try:
        text = yaml.safe_dump(value, default_flow_style=True, width=10**9).strip()
        text = text.removesuffix("...").strip()
    except (yaml.YAMLError, RecursionError):
        text = str(value)
    return f"{path}={text}"


def mutate_case(rng: random.Random, case: Case) -> Callable[[], Any]:
    """Mutate one aspect of ``case``; returns the reader call that must end valid or in a SitingError."""
    data = case.folder / "data"
    target = rng.choices(list(TARGET_WEIGHTS), weights=list(TARGET_WEIGHTS.values()))[0]
    case.steps.append(target)

    def use(key: str, name: str) -> None:
        case.assignments.append(f"data.{key}=data/{name}")

    if target in ("communities", "spaces", "adjacency", "od"):
        name = {"communities": "communities.csv", "spaces": "spaces.csv", "adjacency": "adjacency.csv",
                "od": "od.csv"}[target]
        p = own(data / name)
        p.write_bytes(mutate_csv_text(rng, p.read_text(encoding="utf-8", errors="replace"), case.steps))
        if target == "adjacency":
            use("adjacency", name)
        elif target == "od":
            use("travel_times", name)
    elif target in ("geojson", "gpkg", "shp", "network"):
        name = {"geojson": "communities.geojson", "gpkg": "communities.gpkg", "shp": "spaces.shp",
                "network": rng.choice(["streets.gpkg", "streets.geojson", "streets.shp"])}[target]
        _own_all(data / name)
        _mutate_gis(rng, data / name, case.steps)
        use({"geojson": "communities", "gpkg": "communities", "shp": "spaces", "network": "network"}[target], name)
        if target == "network" and rng.random() < 0.5:
            case.assignments.append(f"data.network_speed_column={rng.choice(['speed', 'walkable', 'nope'])}")
            case.assignments.append(f"data.network_walkable_column={rng.choice(['walkable', 'speed', 'nope'])}")
    elif target == "scenario":
        mutate_scenario(rng, case)
    elif target == "set":
        case.assignments.extend(random_assignment(rng, case) for _ in range(rng.randint(1, 3)))
    elif target == "override":
        if rng.random() < 0.5:
            own(case.scenario)
            doc = yaml.safe_load(TINY_SCENARIO)
            doc["overrides"][rng.choice(OVERRIDE_NAMES)] = evil_value(rng, case)
            with contextlib.suppress(yaml.YAMLError, RecursionError):
                case.scenario.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        case.overrides.extend(rng.choice(OVERRIDE_NAMES) for _ in range(rng.randint(1, 3)))
    else:
        for _ in range(rng.randint(2, 3)):
            mutate_case(rng, case)
    return lambda: validate_like_cli(case)


def _mutate_gis(rng: random.Random, path: Path, steps: list[str]) -> None:
    """Mutate a GIS file: its text (GeoJSON), its bytes, a sidecar, or an attribute cell."""
    r = rng.random()
    if path.suffix == ".geojson" and r < 0.5:
        text = path.read_text(encoding="utf-8")
        op = rng.choice(["number", "crs", "type", "bytes"])
        steps.append(f"geojson:{op}")
        if op == "number":
            import re

            nums = list(re.finditer(r"-?\d+\.\d+", text))
            if nums:
                m = rng.choice(nums)
                text = text[:m.start()] + rng.choice(["1e300", "NaN", "500842.0", "-1e400", "0", "null", '"x"']) + \
                    text[m.end():]
        elif op == "crs":
            name = rng.choice(["EPSG:4549", "EPSG:99999", "urn:ogc:def:crs:EPSG::3857", "x"])
            text = text.replace('"type": "FeatureCollection"', '"type": "FeatureCollection", "crs": {"type": '
                                f'"name", "properties": {{"name": "{name}"}}}}', 1)
        elif op == "type":
            text = text.replace('"Point"', rng.choice(['"LineString"', '"Polygon"', '"Nope"']), 1).replace(
                '"LineString"', rng.choice(['"Point"', '"Polygon"']), 1)
        else:
            path.write_bytes(mutate_bytes(rng, text.encode("utf-8"), steps))
            return
        path.write_text(text, encoding="utf-8")
        return
    if r < 0.3:
        target = path
        if path.suffix == ".shp":
            target = path.with_suffix(rng.choice([".shp", ".dbf", ".shx", ".prj", ".cpg"]))
        if rng.random() < 0.3:
            target.unlink(missing_ok=True)
            steps.append(f"delete {target.name}")
        else:
            target.write_bytes(mutate_bytes(rng, target.read_bytes(), steps))
        return
    try:
        gdf = gpd.read_file(path)
    except Exception:  # noqa: BLE001 - an earlier mutation broke or removed it: nothing more to do
        steps.append("gis unreadable")
        return
    cols = [c for c in gdf.columns if c != "geometry"]
    op = rng.choice(["cell", "cell", "drop", "geom", "crs", "rows"])
    steps.append(f"gis:{op}")
    if op == "cell" and cols and len(gdf):
        c = rng.choice(cols)
        gdf[c] = gdf[c].astype(object)
        gdf.loc[rng.randrange(len(gdf)), c] = rng.choice(EVIL_CELLS + (float("nan"), float("inf"), 1e300, None))
        gdf[c] = gdf[c].astype(str) if rng.random() < 0.5 else gdf[c]
    elif op == "drop" and cols:
        gdf = gdf.drop(columns=rng.choice(cols))
    elif op == "geom" and len(gdf):
        k = rng.randrange(len(gdf))
        g = gdf.geometry.iloc[k]
        from shapely import affinity

        gdf.loc[k, "geometry"] = rng.choice([None, affinity.translate(g, 1e12, 0), affinity.scale(g, 0, 0),
                                             LineString([(0, 0), (1, 1)]), g.buffer(50)])
    elif op == "crs":
        gdf = gdf.set_crs(rng.choice(["EPSG:4326", "EPSG:3857", "EPSG:2249", "EPSG:4549"]), allow_override=True)
    else:
        gdf = gdf.iloc[: rng.randrange(len(gdf) + 1)]
    try:
        if path.suffix == ".shp":
            for part in _sidecars(path):
                part.unlink()
        gdf.to_file(path)
    except Exception:  # noqa: BLE001 - writer refused the value: keep the file as it is (or gone)
        steps.append("gis write refused")


# -------------------------------------------------------------------------------- the oracle

def validate_like_cli(case: Case) -> Any:
    """What ``siting validate`` does: scenario, data files, walking times, then the model build."""
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario
    from siting.model import build_model

    scenario = load_scenario(case.scenario, overrides=case.overrides, assignments=case.assignments)
    inst = load_instance(scenario)
    build_model(inst).lp.summary()
    return inst


class Hang(Exception):
    """A case ran longer than CASE_TIMEOUT_S."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (SIGALRM; interrupts blocking reads too)."""
    def handler(signum, frame):
        raise Hang(f"case did not finish in {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Tally:
    """How the cases ended."""

    valid: int = 0
    errors: int = 0
    by_error: dict[str, int] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        return self.valid + self.errors


TALLY = Tally()
"""Every case of the session (the fuzz tests add theirs here)."""


def run_case(call: Callable[[], Any], names: list[str], describe: Callable[[], str], tally: Tally) -> Any:
    """The oracle: ``call()`` returns (valid) or raises a SitingError naming one of ``names``."""
    try:
        with time_limit(CASE_TIMEOUT_S), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = call()
    except SitingError as exc:
        text = str(exc)
        assert any(n in text for n in names), f"error names no file of the case: {text}\n{describe()}"
        tally.errors += 1
        tally.by_error[type(exc).__name__] = tally.by_error.get(type(exc).__name__, 0) + 1
        return None
    except Hang:
        raise AssertionError(f"HANG\n{describe()}") from None
    except Exception as exc:  # noqa: BLE001 - this is what the fuzz suite is looking for
        tb = "".join(traceback.format_exception(exc)[-6:])
        raise AssertionError(f"ESCAPE {type(exc).__name__}: {str(exc)[:300]}\n{describe()}\n{tb}") from None
    tally.valid += 1
    return result
