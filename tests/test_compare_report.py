"""siting compare SCENARIO -o a -o b --out DIR: compare.html, the comparison table and each plan's
map side by side, self-contained and escaped (parsed with the standard library's HTML parser)."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
from conftest import TINY_SCENARIO, write_tiny_scenario
from typer.testing import CliRunner

from siting.cli import app
from siting.whatif.units import format_delta, format_value

runner = CliRunner()
ODD = '<x>&"y"'  # an override name that must be escaped everywhere
ODD_SCENARIO = TINY_SCENARIO + '  "<x>&\\"y\\"":\n    horizon_years: 12\n'


class _Page(HTMLParser):
    """The parts of the page the tests read: maps, table rows and cells, ids, scripts, links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.maps: list[dict[str, str]] = []
        self.ids: list[str] = []
        self.scripts = 0
        self.links: list[str] = []
        self.rows: list[dict] = []  # {"figure": data-figure, "cells": [...]}
        self.heads: list[str] = []
        self.h3: list[str] = []
        self._cell: list[str] | None = None
        self._in: str | None = None
        self.lang = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        for k in ("href", "src"):
            if k in a:
                self.links.append(a[k])
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "svg" and "map" in a.get("class", "").split():
            self.maps.append(a)
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and a.get("class") == "figure":
            self.rows.append({"figure": a.get("data-figure"), "cells": []})
        if tag in ("td", "th", "h3"):
            self._cell, self._in = [], tag

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag == self._in and self._cell is not None:
            text = "".join(self._cell)
            if tag == "th":
                self.heads.append(text)
            elif tag == "h3":
                self.h3.append(text)
            elif self.rows and self.rows[-1]["cells"] is not None:
                self.rows[-1]["cells"].append(text)
            self._cell, self._in = None, None


def _parse(text: str) -> _Page:
    p = _Page()
    p.feed(text)
    return p


def test_compare_html_has_the_table_and_one_map_per_scenario(tmp_path):
    scn = write_tiny_scenario(tmp_path / "scn", text=ODD_SCENARIO)
    out = tmp_path / "plans"
    res = runner.invoke(app, ["compare", str(scn), "-o", "cheap", "-o", ODD, "--set", "solver.work_limit=3",
                              "--set", "name=<script>alert(1)</script>", "--workers", "1", "--out", str(out),
                              "--csv", str(tmp_path / "cmp.csv")])
    assert res.exit_code == 0, res.output
    text = (out / "compare.html").read_text(encoding="utf-8")
    page = _parse(text)
    # one map per scenario, in order, each with its own ids
    assert [m["data-variant"] for m in page.maps] == ["0", "1", "2"]
    assert [m["id"] for m in page.maps] == ["v0-plan-map", "v1-plan-map", "v2-plan-map"]
    assert len(page.ids) == len(set(page.ids)), "element ids repeat"
    assert page.h3 == ["base", "cheap", ODD]
    # each map draws its own plan's taken spaces
    cards = text.split('<div class="plan"')[1:]
    assert len(cards) == 3
    for card, folder in zip(cards, ("01-base", "02-cheap", "03-x-y")):
        taken = pd.read_csv(out / folder / "spaces.csv")
        assert card.count('class="feature space') == len(taken) > 0, folder
    # the table: every figure of the CSV is a row, with the terminal's text in each cell
    csv = pd.read_csv(tmp_path / "cmp.csv", index_col="figure")
    assert [r["figure"] for r in page.rows] == list(csv.index)
    assert page.heads[1:] == ["base", "cheap", "Δ cheap", ODD, f"Δ {ODD}"]
    rows = {r["figure"]: r["cells"] for r in page.rows}
    cost = rows["cost over the horizon"]
    assert cost[0] == "cost over the horizon"
    assert cost[2] == format_value(float(csv.loc["cost over the horizon", "cheap"]), "cny")
    assert cost[3] == format_delta(float(csv.loc["cost over the horizon", "Δ cheap"]), "cny")
    assert cost[2].endswith("万") and "e+0" not in "".join(sum(rows.values(), []))
    # self-contained and escaped: no link out, one script (ours), the names never as markup
    assert page.links == [] and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text and "@import" not in text and "url(" not in text
    assert page.scripts == 1 and "<script>alert" not in text and "<x>" not in text
    assert "&lt;x&gt;&amp;&quot;y&quot;" in text or "&lt;x&gt;&amp;\"y\"" in text


def test_compare_html_in_chinese_from_the_library(tiny_scenario, tmp_path):
    from siting.whatif.compare import compare_scenarios

    out = tmp_path / "plans"
    cmp = compare_scenarios(tiny_scenario, ["national"], assignments=["solver.work_limit=3"], workers=1, out=out,
                            lang="zh")
    page = _parse((out / "compare.html").read_text(encoding="utf-8"))
    assert page.lang == "zh-CN" and len(page.maps) == len(cmp.runs) == 2
    assert page.heads[0] == "指标"
    labels = [r["figure"] for r in page.rows]
    assert labels == list(cmp.side_by_side().index)
    text = (out / "compare.html").read_text(encoding="utf-8")
    assert "规划期总成本" in text and "各情景规划图" in text


def test_compare_refuses_an_unknown_lang_before_solving(tiny_scenario, tmp_path):
    res = runner.invoke(app, ["compare", str(tiny_scenario), "-o", "cheap", "--lang", "fr",
                              "--out", str(tmp_path / "plans")])
    assert res.exit_code == 2, res.output
    assert "--lang fr" in res.output and not (tmp_path / "plans").exists()
