"""Formatting helpers of the HTML pages: numbers, shares, key-figure cards and escaped tables."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import numpy as np
import pandas as pd


def num(v: Any, digits: int = 1, t: Callable[[str], str] = str) -> str:
    """A table value as text: thousands separators, ``digits`` decimals for floats, "—" for a
    missing figure, "yes" / "no" for a flag (``t`` translates them)."""
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
        return "—"
    if isinstance(v, (bool, np.bool_)):
        return t("yes") if v else t("no")
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):,.{digits}f}"
    return str(v)


def pct(v: Any) -> str:
    """A share as "12.3 %" ("—" when missing)."""
    return "—" if v is None or not np.isfinite(v) else f"{100 * float(v):.1f} %"


def html_table(df: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None,
               max_rows: int | None = None, table_id: str = "", t: Callable[[str], str] = str) -> str:
    """An escaped HTML table; numbers right-aligned (``formats`` per column); ``t`` translates
    the table's own words (yes / no, the rows-left-out note)."""
    formats = formats or {}
    shown = df if max_rows is None else df.head(max_rows)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown.columns)
    rows = []
    for rec in shown.itertuples(index=False):
        cells = []
        for col, v in zip(shown.columns, rec):
            text = formats[col](v) if col in formats else num(v, t=t)
            is_num = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            cells.append(f'<td class="n">{escape(text)}</td>' if is_num else f"<td>{escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = "" if max_rows is None or len(df) <= max_rows else (
        f'<p class="note">{escape(t("{n} more rows in the CSV files.").format(n=f"{len(df) - max_rows:,}"))}</p>')
    tid = f' id="{escape(table_id, quote=True)}"' if table_id else ""
    return (f'<div class="scroll"><table{tid}><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f"</div>{more}")


def card(value: str, label: str) -> str:
    """One key-figure card: the figure, then what it is."""
    return f'<div class="card"><b>{escape(value)}</b><span>{escape(label)}</span></div>'


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` element-wise, NaN where the denominator is (about) 0."""
    n, d = np.asarray(numerator, float), np.asarray(denominator, float)
    return np.where(d > 1e-9, n / np.where(d > 1e-9, d, 1.0), np.nan)


def range_text(values: Any) -> str:
    """"53–82 %" (or "82 %"): the range of the finite shares in ``values``."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return "—"
    lo, hi = round(100 * float(v.min())), round(100 * float(v.max()))
    return f"{lo} %" if lo == hi else f"{lo}–{hi} %"


__all__ = ["card", "html_table", "num", "pct", "range_text", "ratio"]
