"""Figures as planners write them: CNY in 万 (10⁴) or 亿 (10⁸), m² with thousands separators, shares
in %, counts as whole numbers; never ``5e+07``."""

from __future__ import annotations

import math
from typing import Any


def format_cny(v: float) -> str:
    """``1.23 亿`` from 1e8 up, ``456.7 万`` from 1e4 up, else whole yuan."""
    a = abs(v)
    if a >= 1e8:
        return f"{v / 1e8:,.2f} 亿"
    if a >= 1e4:
        return f"{v / 1e4:,.1f} 万"
    return f"{v:,.0f}"


def format_value(v: Any, unit: str = "") -> str:
    """One figure in its unit: ``cny``, ``m2``, ``share`` (a fraction shown in %), ``min``, ``s``,
    ``count``; other units and text as they are; missing values as ``—``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    if unit == "cny":
        return format_cny(float(v))
    if unit == "m2":
        return f"{v:,.0f} m²"
    if unit == "share":
        return f"{100 * v:.2f} %"
    if unit == "index":
        return f"{v:,.1f}"
    if unit in ("min", "s"):
        return f"{v:,.1f} {unit}"
    if unit == "count" or (isinstance(v, int)) or float(v).is_integer():
        return f"{v:,.0f}"
    return f"{v:,.4g}"


def format_delta(v: Any, unit: str = "") -> str:
    """A difference against the first scenario, signed (+/−), in the figure's unit; shares in
    percentage points."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or isinstance(v, bool) or not isinstance(v, (int, float)):
        return ""
    if v == 0:
        return "0"
    sign = "+" if v > 0 else "−"
    if unit == "share":
        return f"{sign}{abs(100 * v):.2f} pp"
    return sign + format_value(abs(v), unit)
