"""``plan.xlsx``: the plan's tables as one Excel workbook (openpyxl), a sheet per table.

The sheets are the CSV tables of the output folder, with the same rows and figures (counts as
integers, floats rounded as in the CSVs). Headers are the report's column labels in the chosen
language, units included ("floor area (m²)", "规划期成本（元）"); service, age-group, rule and
source ids are written as their labels. Text that a spreadsheet would read as a formula is
prefixed with ``'`` as in the CSVs (:func:`siting.io.outputs.formula_safe`), and characters
that the file format cannot hold (control characters) are dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.report.words import Words

SHEET_TITLE_CHARS = 31  # Excel's limit on a sheet name


def _cell(v: Any) -> Any:
    """A value openpyxl writes as Excel reads it: None for missing / non-finite numbers, plain
    Python numbers and booleans, text without control characters."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, str):
        return ILLEGAL_CHARACTERS_RE.sub("", v)
    return str(v)


def _unique(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h} ({n + 1})")
    return out


def write_xlsx(tables: dict[str, pd.DataFrame | None], path: str | Path, words: Words,
               safe: Callable[[pd.DataFrame], pd.DataFrame]) -> Path:
    """Write ``tables`` (sheet name → table, already tidied) to the workbook ``path``.

    Parameters
    ----------
    tables : sheet name → table; ``None`` or empty tables get a sheet with headers only.
    path : the ``.xlsx`` file to write.
    words : the report's labels (language) for headers and id-like values.
    safe : the formula escape applied to the table's text (``formula_safe``).

    Returns
    -------
    ``path``.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, table in tables.items():
        ws = wb.create_sheet(title=name[:SHEET_TITLE_CHARS])
        df = table if table is not None else pd.DataFrame()
        shown = safe(words.frame(df))
        headers = _unique([words.column(str(c)) for c in df.columns])
        ws.freeze_panes = "A2"
        for i, h in enumerate(headers):
            ws.column_dimensions[_letter(i)].width = min(max(len(h) + 2, 10), 48)
        head = []
        for h in headers:
            c = WriteOnlyCell(ws, value=_cell(h))
            c.font = bold
            head.append(c)
        ws.append(head)
        for rec in shown.itertuples(index=False, name=None):
            ws.append([_cell(v) for v in rec])
    path = Path(path)
    wb.save(path)
    return path


def _letter(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)


__all__ = ["write_xlsx"]
