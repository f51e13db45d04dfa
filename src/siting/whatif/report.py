"""The comparison page: one self-contained ``compare.html`` with the comparison table (Δ against
the first scenario, figures in planners' units as the terminal table shows them) and each
scenario's plan map side by side (the map of the single-plan report, :func:`siting.report.planmap.plan_map`).

No external resources (no CDN, no tile server, no web font); every name and label is escaped.
Each map's element ids carry the scenario's position (``v0-plan-map``, ``v1-layer-spaces``, …) so
that the ids of the page stay unique; a small inline script recolours and toggles the layers of
every map at once.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources
from pathlib import Path

import yaml

from siting.analysis.solver_view import status_name
from siting.io.atomic import atomic_write_text
from siting.report.page import legend_css, page_start
from siting.report.planmap import map_controls, plan_map
from siting.report.words import Lang, Words
from siting.whatif.compare import Comparison, formatted
from siting.whatif.engine import VariantRun

REPORT_NAME = "compare.html"

_CSS = legend_css(11, 8) + """td.d{color:#555}tr.section td{background:#f6f6f0;font-weight:bold}
.maps{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:14px;align-items:start}
.plan{border:1px solid #ccd;border-radius:6px;padding:8px}.plan h3{margin:0 0 4px;font-size:16px}
.plan p{margin:2px 0;font-size:12px;color:#444}.plan svg{max-width:100%;height:auto}
"""

_JS = """
(function () {
  var maps = document.querySelectorAll('svg.map');
  var sel = document.getElementById('map-colour');
  if (sel) sel.addEventListener('change', function () {
    var nodes = document.querySelectorAll('svg.map .community');
    for (var i = 0; i < nodes.length; i++) {
      var f = nodes[i].getAttribute('data-fill-' + sel.value);
      if (f) nodes[i].setAttribute('fill', f);
    }
  });
  var boxes = document.querySelectorAll('input[data-layer]');
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].addEventListener('change', function (e) {
      var suffix = e.target.getAttribute('data-layer');
      for (var k = 0; k < maps.length; k++) {
        var g = document.getElementById('v' + maps[k].getAttribute('data-variant') + '-' + suffix);
        if (g) g.style.display = e.target.checked ? '' : 'none';
      }
    });
  }
  document.body.setAttribute('data-maps-drawn', maps.length);
  document.body.setAttribute('data-ready', '1');
})();
"""

@cache
def _phrases() -> dict[str, str]:
    text = resources.files("siting.data").joinpath("compare_words.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["phrases"]


class _Words:
    """The report's words (:class:`~siting.report.words.Words`) plus the comparison page's own."""

    def __init__(self, base: Words) -> None:
        self.base = base

    def __call__(self, phrase: str) -> str:
        if self.base.lang == "zh" and phrase in _phrases():
            return _phrases()[phrase]
        return self.base(phrase)

    def figure(self, label: str) -> str:
        """A comparison row's label (``coverage: age_60_79``) in words: the part before ``: `` as a
        phrase, the part after as an age group, a domain, a space source or a cost component."""
        head, sep, tail = label.partition(": ")
        if not sep:
            return self(label)
        cat = self.base.catalogue
        if tail in cat.age_group_labels:
            tail_w = self.base.age(tail)
        elif tail in cat.domains:
            tail_w = self.base.domain(tail)
        else:
            tail_w = str(self.base.value(tail))
            tail_w = self(tail_w) if tail_w == tail else tail_w
        return f"{self(head)}: {tail_w}"


def _uniq_ids(svg: str, k: int) -> str:
    """Prefix every element id of one map with ``v<k>-`` (the page holds several maps)."""
    return svg.replace(' id="', f' id="v{k}-')


def _table(cmp: Comparison, w: _Words) -> str:
    wide = cmp.side_by_side()
    text = formatted(wide)
    head = [f"<th>{escape(w('figure'))}</th>"]
    for c in text.columns:
        label = f"Δ {c.removeprefix('Δ ')}" if c.startswith("Δ ") else c
        head.append(f'<th class="{"delta" if c.startswith("Δ ") else "scenario"}">{escape(label)}</th>')
    rows, section = [], None
    for fig, row in text.iterrows():
        sec = wide.at[fig, "section"]
        if sec != section:
            rows.append(f'<tr class="section"><td colspan="{len(text.columns) + 1}">{escape(w(str(sec)))}</td></tr>')
            section = sec
        cells = "".join(f'<td class="{"n d" if c.startswith("Δ ") else "n"}">{escape(str(v))}</td>'
                        for c, v in zip(text.columns, row.tolist()))
        rows.append(f'<tr class="figure" data-figure="{escape(str(fig), quote=True)}"><td>{escape(w.figure(str(fig)))}'
                    f"</td>{cells}</tr>")
    return (f'<div class="scroll"><table id="comparison"><thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _plan_card(k: int, run: VariantRun, w: _Words, lang: Lang) -> str:
    name = run.prepared.variant.name
    applied = run.prepared.scenario.applied
    over = ", ".join(applied) if applied else w("none (the scenario as it is)")
    head = (f'<div class="plan" data-variant="{k}"><h3>{escape(name)}</h3>'
            f"<p>{escape(w('overrides applied'))}: {escape(over)}</p>")
    if run.solved is None:
        return head + f'<p class="bad">{escape(w("no plan"))}: {escape(run.error or "")}</p></div>'
    outcome, figures = run.solved.outcome, run.solved.figures
    s = figures.summary
    r = outcome.result
    gap = "—" if r.gap is None else f"{100 * r.gap:.2f} %"
    status = r.status.value if lang == "en" else status_name(r.status.value, lang)
    line = f"{w('status')}: {status}, {w('gap')} {gap}"
    if s.get("cost_cny") is not None:
        from siting.whatif.units import format_cny

        line += (f"; {w('cost over the horizon')} {format_cny(float(s['cost_cny']))}; {w('spaces taken')} "
                 f"{s.get('spaces_taken')}; {w('communities meeting the area standard')} "
                 f"{s.get('communities_meeting_area_after')}")
    pm = plan_map(outcome, figures, lang=lang, element_id="plan-map")
    svg = _uniq_ids(pm.svg, k).replace("<svg ", f'<svg data-variant="{k}" ', 1)
    bad = "" if outcome.plan is not None else f'<p class="bad">{escape(w("no plan"))}: {escape(r.message or "")}</p>'
    return head + f"<p>{escape(line)}</p>{bad}{svg}{_uniq_ids(pm.legend, k)}</div>"


def compare_html(cmp: Comparison, *, lang: Lang = "en", title: str | None = None) -> str:
    """The comparison page as one HTML string (no external resources).

    Parameters
    ----------
    cmp
        From :func:`~siting.whatif.compare.compare_scenarios` (base first).
    lang
        "en" or "zh": headings, row labels, legends and the maps' labels.
    title
        Page title (default: "Scenarios compared — <scenario name>").

    Returns
    -------
    str
    """
    first = cmp.runs[0].prepared
    w = _Words(Words(first.instance.catalogue, lang))
    title = title or f"{w('Scenarios compared')} — {first.scenario.name}"
    names = " · ".join(cmp.names)
    cards = "".join(_plan_card(k, run, w, lang) for k, run in enumerate(cmp.runs))
    base_name = cmp.names[0] if cmp.names else ""
    return (page_start(title, lang, _CSS, escape(names))
            + f"<h2>{escape(w('Figures side by side'))}</h2>"
            f'<p class="note">{escape(w("Δ: difference against"))} {escape(base_name)}</p>{_table(cmp, w)}'
            f"<h2>{escape(w('Maps of the plans'))}</h2>{map_controls(w, 'coverage_after')}"
            f'<p class="note">{escape(w(_MAP_NOTE))}</p><div class="maps">{cards}</div>'
            f"</main><script>{_JS}</script></body></html>")


_MAP_NOTE = ("Each map is drawn at its own scale of space sizes (the largest space taken in that plan has the "
             "largest dot). Communities are coloured by coverage of demand after the plan.")


def write_compare_report(cmp: Comparison, folder: str | Path, *, lang: Lang = "en") -> Path:
    """Write :func:`compare_html` to ``folder/compare.html`` (atomically); returns the path."""
    path = Path(folder) / REPORT_NAME
    atomic_write_text(path, compare_html(cmp, lang=lang))
    return path

