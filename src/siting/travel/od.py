"""Walking minutes from a user-supplied origin–destination table (REQUIREMENTS D7).

The table has one row per (community, space) pair: ``community_id``, ``space_id``,
``minutes`` (walking minutes ≥ 0). Pairs absent from the table are out of reach; pairs
above ``max_walk_min`` are dropped. Ids are matched as text, so ``7`` in a CSV matches the
integer id ``7``. Errors name the file, the 1-based data row (header excluded) and the field:

* a missing column; a missing or unknown community/space id;
* minutes missing, not a number, infinite or negative.

A pair listed twice with different minutes keeps the shortest, with a warning naming it.
A community with no space within ``max_walk_min`` is named in a warning (never a silent 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.errors import InputError, SitingWarning
from siting.guards import input_file
from siting.travel._text import _name_ids, _rows_text
from siting.travel.reach import ReachTable


def _read_od(path: Path, columns: tuple[str, str, str]) -> pd.DataFrame:
    input_file(path, "origin–destination table")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return pd.read_csv(path, dtype={columns[0]: str, columns[1]: str})
        if suffix in (".parquet", ".pq"):
            return pd.read_parquet(path)
    except ImportError as exc:
        raise InputError(f"reading Parquet needs pyarrow or fastparquet ({exc})", file=str(path),
                         expected="a CSV file, or install pyarrow") from exc
    except Exception as exc:
        raise InputError(f"cannot read origin–destination table: {exc}", file=str(path)) from exc
    raise InputError(f"unsupported file type '{suffix}'", file=str(path), expected=".csv or .parquet")


def _index(ids: Sequence[Any], what: str) -> pd.Index:
    idx = pd.Index([str(i) for i in ids])
    if idx.has_duplicates:
        dup = idx[idx.duplicated()].unique()
        raise InputError(f"duplicate {what} ids: {_name_ids(list(dup))}", field=f"{what}_id")
    return idx


def reach_from_od_table(path_or_df: str | Path | pd.DataFrame, community_ids: Sequence[Any],
                        space_ids: Sequence[Any], max_walk_min: float, *,
                        community_column: str = "community_id", space_column: str = "space_id",
                        minutes_column: str = "minutes") -> ReachTable:
    """ReachTable(source="od_table") from a CSV / Parquet file or DataFrame of walking minutes.

    ``community_ids`` / ``space_ids`` fix the index order of the returned table (the model's
    communities and spaces); every id in the table must be one of them.
    """
    if isinstance(path_or_df, pd.DataFrame):
        df, file = path_or_df, "origin–destination table"
    else:
        path = Path(path_or_df)
        df, file = _read_od(path, (community_column, space_column, minutes_column)), str(path)
    if not (np.isfinite(max_walk_min) and max_walk_min >= 0):
        raise InputError("max_walk_min must be a finite number ≥ 0", field="max_walk_min")
    for col in (community_column, space_column, minutes_column):
        if col not in df.columns:
            raise InputError("column missing", file=file, field=col,
                             expected=f"columns {community_column}, {space_column}, {minutes_column}")
    cidx, sidx = _index(community_ids, "community"), _index(space_ids, "space")
    rows = np.arange(1, len(df) + 1)

    codes = {}
    for col, idx, what in ((community_column, cidx, "community"), (space_column, sidx, "space")):
        raw = df[col]
        missing = raw.isna().to_numpy()
        if missing.any():
            bad = rows[missing]
            raise InputError(f"{what} id missing in rows {_rows_text(bad)}", file=file, row=int(bad[0]), field=col)
        text = raw.map(lambda v: str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v))
        code = idx.get_indexer(text)
        unknown = code < 0
        if unknown.any():
            bad = rows[unknown]
            first = text.iloc[int(np.flatnonzero(unknown)[0])]
            raise InputError(f"unknown {what} id '{first}' (rows {_rows_text(bad)})", file=file, row=int(bad[0]),
                             field=col, expected=f"one of the {len(idx)} {what} ids")
        codes[what] = code.astype(np.int64)

    minutes = pd.to_numeric(df[minutes_column], errors="coerce").to_numpy(dtype=float)
    bad_mask = ~np.isfinite(minutes) | (minutes < 0)
    if bad_mask.any():
        bad = rows[bad_mask]
        raise InputError(f"walking minutes missing, not a number or negative in rows {_rows_text(bad)}",
                         file=file, row=int(bad[0]), field=minutes_column, expected="minutes ≥ 0")

    c, s = codes["community"], codes["space"]
    key = c * max(len(sidx), 1) + s
    dup = pd.Series(minutes).groupby(key).agg(["min", "max", "size"])
    conflict = dup[(dup["size"] > 1) & (dup["max"] > dup["min"])]
    if len(conflict):
        pairs = [f"({cidx[k // max(len(sidx), 1)]}, {sidx[k % max(len(sidx), 1)]})" for k in conflict.index[:20]]
        warnings.warn(f"{file}: {len(conflict)} pair(s) listed more than once with different minutes; "
                      f"the shortest is kept: {_name_ids(pairs)}", SitingWarning, stacklevel=2)
    table = ReachTable.from_pairs(len(cidx), len(sidx), c, s, minutes, max_walk_min, "od_table")
    reached = np.zeros(len(cidx), dtype=bool)
    reached[table.community] = True
    if len(sidx) and not reached.all():
        warnings.warn(f"{file}: {int((~reached).sum())} communities reach no space within {max_walk_min:g} min: "
                      f"{_name_ids(list(cidx[~reached]))}", SitingWarning, stacklevel=2)
    return table
