"""Terminal tables (rich) of a sweep's variants and of a scenario comparison."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from siting.whatif.units import format_value

_VARIANT_COLUMNS = (("variant", "", "variant"), ("status", "", "status"), ("gap", "share", "gap"),
                    ("cost_cny", "cny", "cost CNY"), ("weighted_coverage", "share", "weighted cov."),
                    ("communities_meeting_area", "count", "meet area"),
                    ("min_community_coverage", "share", "worst cov."), ("efficient", "", "eff."),
                    ("reason", "", "reason (full text in variants.csv)"))


def variant_table_view(table: pd.DataFrame, title: str) -> Table:
    """The sweep's variants, figures in planners' units; long reasons cut at 80 characters."""
    t = Table(title=title)
    for c, _, head in _VARIANT_COLUMNS:
        t.add_column(head, justify="left" if c in ("variant", "reason") else "right", no_wrap=c != "reason")
    short = lambda r: r if len(r) <= 80 else r[:79] + "…"  # noqa: E731
    for _, row in table.iterrows():
        t.add_row(*[("yes" if row[c] else "") if c == "efficient" else short(str(row[c])) if c == "reason"
                    else format_value(row[c], u) for c, u, _ in _VARIANT_COLUMNS])
    return t


def comparison_view(wide: pd.DataFrame, text: pd.DataFrame, title: str) -> Table:
    """Scenarios side by side (``text`` = :func:`~siting.whatif.compare.formatted` of ``wide``), a
    rule between sections, Δ columns dimmed."""
    t = Table(title=title)
    t.add_column("figure")
    for c in text.columns:
        t.add_column(str(c), justify="right", style="dim" if c.startswith("Δ ") else None)
    section = None
    for label, row in text.iterrows():
        if section is not None and wide.at[label, "section"] != section:
            t.add_section()
        section = wide.at[label, "section"]
        t.add_row(str(label), *row.tolist())
    return t
