"""What every HTML page of siting shares: the page head and header, and the style of its header,
tables, map controls and map legend (the single-plan report and the comparison page).

No external resources: the CSS is inline and the fonts are the system's (:data:`FONT_STACK`
with its CJK fallbacks).
"""

from __future__ import annotations

from html import escape

from siting.report.words import FONT_STACK, Lang

BASE_CSS = """
body{font-family:%FONTS%;margin:0;color:#222;background:#fff;line-height:1.4}
header{background:#1f3b73;color:#fff;padding:14px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.9}main{padding:8px 24px 40px;box-sizing:border-box;width:100%}
svg text{font-family:%FONTS%}h2{border-bottom:2px solid #1f3b73;padding-bottom:3px;margin-top:28px}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:12px;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 6px}
th{background:#eef1f6;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
.controls{margin:6px 0;font-size:13px}.controls label{margin-right:12px}
.key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-2px;border:1px solid #666}
.key i.dot{border-radius:50%;background:#1f3b73;border-color:#fff}.key i.dot.hub{border:2px solid #f5a300}
.key i.dot.cand{background:#999;width:6px;height:6px;border:0}.key i.ring{border-radius:50%;border-color:#1f6fb2;
background:transparent}.key i.line{height:0;border:0;border-top:1px solid #555;width:16px}
.note{font-size:12px;color:#555;max-width:1000px}.bad{color:#b00020;font-weight:bold}
""".replace("%FONTS%", FONT_STACK)
"""The header, headings, tables, map controls and legend keys of every page."""


def legend_css(font_px: int = 12, key_gap_px: int = 10) -> str:
    """The map legend's text size and the gap after each key (the comparison page's legends,
    several side by side, are a little smaller)."""
    return (f".legend{{font-size:{font_px}px;margin:4px 0}}"
            f".key{{display:inline-block;margin:2px {key_gap_px}px 2px 0}}\n")


def page_start(title: str, lang: Lang, css: str, subtitle_html: str) -> str:
    """The start of a page up to and including ``<main>``: the head (``title``, :data:`BASE_CSS`
    then ``css``) and the header (``title`` and the line ``subtitle_html``, already escaped).

    Parameters
    ----------
    title : the page title (escaped here).
    lang : "en" or "zh" (the page's ``lang`` attribute: ``en`` or ``zh-CN``).
    css : the page's own style, after the shared one.
    subtitle_html : the header's second line, as HTML.

    Returns
    -------
    str
    """
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f"<style>{BASE_CSS}{css}</style></head><body><header><h1>{escape(title)}</h1><p>{subtitle_html}</p>"
            "</header><main>")


__all__ = ["BASE_CSS", "legend_css", "page_start"]
