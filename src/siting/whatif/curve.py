"""The trade-off curve of a sweep (matplotlib, Agg backend): the varied key (or, for a list of
overrides, the cost) against priority-weighted coverage and against communities meeting the area
standard. Efficient points (no variant costs no more and gives as much of both) are filled, the
others hollow. The coverage panel draws, as an error bar up to it, the bound on each variant's
coverage that its solve proved (``weighted_coverage_bound`` of the table: from the weighted-served
stage's bound, in demand and equity modes); the solver gives no bound on the count of communities
meeting the standard, so that panel has none. A cost stage's gap is not drawn on either: it bounds
cost, not coverage."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from siting.io.atomic import atomic_write, atomic_write_text
from siting.whatif.variants import VarySpec


def _x(table: pd.DataFrame, spec: VarySpec) -> tuple[np.ndarray, str, bool]:
    if spec.numeric:
        x = pd.to_numeric(table["value"], errors="coerce").to_numpy(float)
        cny = spec.key.endswith("_cny")
        return (x / 1e8 if cny else x), (f"{spec.key} (100 M CNY)" if cny else spec.key), False
    return pd.to_numeric(table["cost_cny"], errors="coerce").to_numpy(float) / 1e8, "cost (100 M CNY)", True


def curve_figure(table: pd.DataFrame, spec: VarySpec):
    """The figure (two panels sharing the x axis); the caller saves or closes it."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    x, xlabel, label_points = _x(table, spec)
    bound = pd.to_numeric(table["weighted_coverage_bound"], errors="coerce").to_numpy(float) * 100.0
    eff = table["efficient"].to_numpy(bool)
    fig = Figure(figsize=(7.5, 6.5), dpi=110)
    axes = fig.subplots(2, 1, sharex=True)
    n = int(table["communities"].max()) if len(table) else 0
    panels = (("weighted_coverage", 100.0, "priority-weighted coverage (%)"),
              ("communities_meeting_area", 1.0, f"communities meeting the area standard (of {n})"))
    for ax, (col, scale, ylabel) in zip(axes, panels):
        y = pd.to_numeric(table[col], errors="coerce").to_numpy(float) * scale
        ok = np.isfinite(x) & np.isfinite(y)
        order = np.argsort(x[ok], kind="stable")
        ax.plot(x[ok][order], y[ok][order], color="#7f8c8d", lw=1, zorder=1)
        above = np.nan_to_num(np.maximum(bound - y, 0.0)) if col == "weighted_coverage" else np.zeros_like(y)
        err = np.vstack([np.zeros_like(y), above])
        for mask, face, name in ((ok & eff, "#1f6fb2", "efficient"), (ok & ~eff, "white", "dominated")):
            if mask.any():
                ax.errorbar(x[mask], y[mask], yerr=err[:, mask], fmt="o", mfc=face, mec="#1f6fb2", ecolor="#c0392b",
                            capsize=3, label=name, zorder=2)
        if label_points:
            for xi, yi, name in zip(x[ok], y[ok], table["variant"][ok]):
                ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=8)
        failed = ~ok
        if failed.any():
            ax.text(0.01, 0.02, f"{int(failed.sum())} variant(s) without a plan: see the table", fontsize=8,
                    transform=ax.transAxes, color="#c0392b")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    has_bound = bool(np.isfinite(bound).any())
    axes[0].legend(loc="lower right", fontsize=8, title_fontsize=8,
                   title="error bar: up to the proven bound" if has_bound else "no bound on coverage in this mode")
    axes[-1].set_xlabel(xlabel)
    fig.suptitle(f"trade-off: --vary {spec.text or spec.key}", fontsize=10)
    fig.tight_layout()
    return fig


def write_curve(table: pd.DataFrame, spec: VarySpec, out: Path) -> dict[str, Path]:
    """Write ``tradeoff.png``, ``tradeoff.svg`` and ``tradeoff.html`` (the SVG inline, the table
    below it) into ``out``; returns the paths by kind."""
    import io

    from siting.whatif.sweep import table_html

    fig = curve_figure(table, spec)
    paths = {"png": out / "tradeoff.png", "svg": out / "tradeoff.svg", "html": out / "tradeoff.html"}
    atomic_write(paths["png"], lambda p: fig.savefig(p, format="png"))
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    atomic_write_text(paths["svg"], svg)
    inline = svg[svg.find("<svg"):]
    title = html.escape(f"siting sweep: --vary {spec.text or spec.key}")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:70em}} table{{border-collapse:collapse;font-size:.85em}}
td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:right}} .fig svg{{max-width:100%;height:auto}}</style>
</head><body><h1>{title}</h1>
<p>Filled points are efficient: no other variant costs no more and gives at least as much priority-weighted
coverage and as many communities meeting the area standard. Red bars: up to the bound on each variant's
coverage that its solve proved (column weighted_coverage_bound, from the weighted-served stage's bound; none in
standards mode, where coverage is not an objective, and none on the count of communities: the solver bounds
neither). The same figure: <a href="tradeoff.png">PNG</a>, <a href="tradeoff.svg">SVG</a>; every
variant's plan is in its folder (column folder).</p>
<div class="fig">{inline}</div>
<h2>Variants</h2>{table_html(table)}
</body></html>
"""
    atomic_write_text(paths["html"], page)
    return paths
