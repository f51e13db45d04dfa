"""QGIS layer styles stored inside the GeoPackage, so that ``plan.gpkg`` opens coloured.

QGIS keeps a layer's default style in the ``layer_styles`` table of the GeoPackage (the table
QGIS itself writes with "Save as default"); a layer opened from the file then uses the row
with ``useAsDefault`` true. :func:`write_layer_styles` creates that table, registers it in
``gpkg_contents`` as an attributes table, and writes one rule-based style (QML) per layer,
with the report's colours: communities by the share of demand covered after the plan,
spaces taken / not taken, hubs, service links and standards not met by rule.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from siting.report.svg import CLASS_BREAKS, CLASS_COLOURS, CLASS_LABELS

LAYER_STYLES_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
  f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT,
  styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))
"""


def _rgba(hex_colour: str, alpha: int = 255) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[k:k + 2], 16)) for k in (0, 2, 4)) + f",{alpha}"


def _symbol(name: str, geom: str, fill: str, *, alpha: int = 255, outline: str = "#444444", size_mm: float = 2.4,
            width_mm: float = 0.26, shape: str = "circle") -> str:
    """One QGIS symbol (legacy ``prop`` form, read by every QGIS 3)."""
    if geom == "fill":
        layer = ("SimpleFill", {"color": _rgba(fill, alpha), "outline_color": _rgba(outline),
                                "outline_width": f"{width_mm}", "outline_width_unit": "MM", "style": "solid"})
    elif geom == "line":
        layer = ("SimpleLine", {"line_color": _rgba(fill, alpha), "line_width": f"{width_mm}",
                                "line_width_unit": "MM", "line_style": "solid"})
    else:
        layer = ("SimpleMarker", {"color": _rgba(fill, alpha), "name": shape, "size": f"{size_mm}",
                                  "size_unit": "MM", "outline_color": _rgba(outline), "outline_width": f"{width_mm}",
                                  "outline_width_unit": "MM"})
    cls, props = layer
    body = "".join(f"<prop k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in props.items())
    return (f'<symbol name="{name}" type="{geom}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="{cls}" enabled="1" locked="0" pass="0">{body}</layer></symbol>')


def _rule_style(rules: list[tuple[str, str, str]]) -> str:
    """A rule-based renderer: (filter expression, label, symbol XML with name = its index)."""
    rule_xml = "".join(f'<rule key="r{i}" filter={quoteattr(f)} symbol="{i}" label={quoteattr(lbl)}/>'
                       for i, (f, lbl, _) in enumerate(rules))
    symbols = "".join(sym for _, _, sym in rules)
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            '<renderer-v2 type="RuleRenderer" symbollevels="0" enableorderby="0" forceraster="0">'
            f'<rules key="root">{rule_xml}</rules><symbols>{symbols}</symbols></renderer-v2></qgis>')


def _geom_kind(geometry_type: str) -> str:
    g = geometry_type.lower()
    return "fill" if "polygon" in g else "line" if "line" in g else "marker"


def community_style(geometry_type: str, field: str = "coverage_after") -> str:
    """Communities coloured by ``field`` (share of the standard met) in the report's classes."""
    geom = _geom_kind(geometry_type)
    edges = (-1e300, *CLASS_BREAKS, 1e300)
    rules = []
    for i, (colour, label) in enumerate(zip(CLASS_COLOURS, CLASS_LABELS)):
        lo, hi = edges[i], edges[i + 1]
        expr = (f'"{field}" >= {lo:.6g} AND "{field}" < {hi:.6g}' if i and i < len(CLASS_COLOURS) - 1 else
                f'"{field}" < {hi:.6g}' if i == 0 else f'"{field}" >= {lo:.6g}')
        rules.append((expr, f"coverage after: {label}",
                      _symbol(str(i), geom, colour, alpha=110 if geom == "fill" else 255, shape="square",
                              size_mm=3.0)))
    return _rule_style(rules)


def space_style() -> str:
    return _rule_style([
        ('NOT "taken"', "candidate not taken", _symbol("0", "marker", "#777777", size_mm=1.2, outline="#777777")),
        ('"taken" AND "hub_of" <> \'\'', "taken, hub", _symbol("1", "marker", "#1f3b73", size_mm=3.2,
                                                                 outline="#f5a300", width_mm=0.6)),
        ('"taken" AND "hub_of" = \'\'', "taken", _symbol("2", "marker", "#1f3b73", size_mm=2.6, outline="#ffffff")),
    ])


def hub_style() -> str:
    return _rule_style([("TRUE", "hub", _symbol("0", "marker", "#1f3b73", size_mm=3.4, outline="#f5a300",
                                                width_mm=0.7))])


def link_style() -> str:
    return _rule_style([("TRUE", "service link", _symbol("0", "line", "#555555", alpha=120, width_mm=0.2))])


def shortfall_style(geometry_type: str) -> str:
    geom = _geom_kind(geometry_type)
    colours = {"coverage": "#d73027", "area": "#fc8d59", "hub": "#7b3294"}
    return _rule_style([(f'"rule" = \'{rule}\'', f"not met: {rule}",
                         _symbol(str(i), geom, c, alpha=90 if geom == "fill" else 255, shape="diamond"))
                        for i, (rule, c) in enumerate(colours.items())])


def write_layer_styles(gpkg: str | Path, styles: dict[str, str]) -> int:
    """Write ``styles`` (layer name → QML) as default styles into ``gpkg``; returns rows written.

    Parameters
    ----------
    gpkg : a GeoPackage already holding the layers (GDAL closed it).
    styles : QML per layer name; layers missing from the file are skipped.

    Returns
    -------
    The number of styles written.
    """
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con = sqlite3.connect(str(gpkg))
    try:
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall())
        con.execute(LAYER_STYLES_SQL)
        con.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                    "VALUES ('layer_styles', 'attributes', 'layer_styles', ?)", (now,))
        n = 0
        for layer, qml in styles.items():
            if layer not in geom_cols:
                continue
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
            con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                        "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time) "
                        "VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
                        (layer, geom_cols[layer], layer, qml, f"siting default style of {layer}", now))
            n += 1
        con.commit()
    finally:
        con.close()
    return n
