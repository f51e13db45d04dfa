"""Words, not ids: the report shows the catalogue's labels (English or Chinese), table headers
in words, axis ticks and units on the charts, the 2SFCA note, and standards-not-met counts that
agree with the key figure."""

from __future__ import annotations

import re
from html import escape

import pytest
import yaml

from siting.analysis.figures import plan_figures
from siting.core.catalogue import load_catalogue
from siting.report.html import report_html
from siting.report.words import FONT_STACK, Words


@pytest.fixture(scope="module")
def texts(request):
    outcome = request.getfixturevalue("outcome")
    fig = plan_figures(outcome)
    return outcome, fig, {lang: report_html(outcome, fig, lang=lang) for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def outcome():
    from test_report import tiny_outcome

    return tiny_outcome()


def _chart(text: str, chart_id: str) -> str:
    return re.search(rf'<svg class="chart" id="{chart_id}".*?</svg>', text, re.S).group(0)


def test_every_shipped_label_has_english_and_chinese():
    cat = load_catalogue()
    for sid, s in cat.services.items():
        assert s.label and s.label_zh and "(" not in s.label, sid
        assert re.search(r"[\u4e00-\u9fff]", s.label_zh), sid
    for did, d in cat.domains.items():
        assert d.label and d.label_zh, did
    assert set(cat.age_group_labels) == set(cat.age_groups)
    assert all(v["en"] and v["zh"] for v in cat.age_group_labels.values())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_charts_and_tables_use_catalogue_labels(texts, lang):
    outcome, fig, text = texts[0], texts[1], texts[2][lang]
    cat = outcome.instance.catalogue
    cov = _chart(text, "chart-coverage-service")
    for sid in outcome.instance.service_ids:
        assert f">{escape(cat.service_label(sid, lang))}</text>" in cov
        assert f">{sid}<" not in text  # no bare service id in any label or cell
    age = _chart(text, "chart-coverage-age")
    for g in cat.age_groups:
        assert f">{escape(cat.age_group_label(g, lang))}</text>" in age and f">{g}<" not in text
    w = Words(cat, lang)
    services = re.search(r'<table id="table-services">.*?</table>', text, re.S).group(0)
    for col in fig.services.columns:
        assert f"<th>{escape(w.column(col))}</th>" in services
    assert "floor_area_m2" not in services and "demand_users" not in services
    assert text.startswith(f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}">')


def test_chinese_report_has_chinese_headings_and_cjk_fonts(texts):
    zh, en = texts[2]["zh"], texts[2]["en"]
    assert "<h2>关键指标</h2>" in zh and "<h2>Key figures</h2>" in en
    assert "Noto Sans CJK SC" in FONT_STACK and FONT_STACK in zh and "Microsoft YaHei" in FONT_STACK


def test_charts_have_axis_ticks_and_units(texts):
    text = texts[2]["en"]
    cov = _chart(text, "chart-coverage-service")
    assert re.findall(r'class="tick-label"[^>]*>([^<]+)<', cov) == ["0%", "25%", "50%", "75%", "100%"]
    assert "users served ÷ users in demand" in cov
    acc = _chart(text, "chart-access")
    ticks = [float(t) for t in re.findall(r'class="tick-label"[^>]*>([^<]+)<', acc)]
    assert ticks[0] == 0 and len(ticks) >= 3 and "places per user" in acc
    hist = _chart(text, "chart-health-base")
    assert "communities per band" in hist and "base index (0–100)" in hist
    assert len(re.findall(r'class="tick-label"', hist)) >= 2


def test_2sfca_note_beside_the_share_chart(texts):
    text = texts[2]["en"]
    share = text.index('id="chart-access-share"')
    note = text.index('id="note-2sfca"')
    assert 0 < note - share < 20000 and "2SFCA ≥ 1" in text[note:note + 200]
    assert "no contradiction" in text[note:note + 1500]
    # the figures are this plan's: the range of the share chart's after-values and of coverage by service
    fig = texts[1]
    after = fig.accessibility_by_service["demand_share_served_after"] * 100
    lo, hi = round(after.min()), round(after.max())
    shown = f"{lo} %" if lo == hi else f"{lo}–{hi} %"
    body = text[note:text.index("</p>", note)]
    assert f"a share of {shown} beside " in body and "{" not in body
    assert f"需求占比 {shown}" in texts[2]["zh"]


def test_standards_not_met_agree_with_the_key_figure(texts):
    fig, text = texts[1], texts[2]["en"]
    short = fig.shortfalls
    n_cov = int((short["rule"] == "coverage").sum())
    assert n_cov == fig.summary["coverage_shortfalls"]
    head = re.search(r'<details id="standards-not-met"><summary>([^<]+)</summary>', text).group(1)
    assert head.startswith(f"Standards not met ({len(short):,}")
    if n_cov:
        assert f"{n_cov} coverage of demand" in head
    card = re.search(r"<b>(\d+)</b><span>service shortfalls \(community × service\)([^<]*)</span>", text)
    assert int(card.group(1)) == n_cov
    if len(short) != n_cov:
        assert f"{len(short)} standards not met in all" in card.group(2)


def test_report_words_file_has_both_languages():
    from importlib import resources

    raw = yaml.safe_load(resources.files("siting.data").joinpath("report_words.yaml").read_text(encoding="utf-8"))
    for section in ("columns", "values"):
        for key, lab in raw[section].items():
            assert set(lab) == {"en", "zh"} and all(lab.values()), key
    for en, zh in raw["phrases"].items():  # Chinese, or a template without words ("{a} / {b}")
        assert re.search(r"[\u4e00-\u9fff]", zh) or not re.search(r"[A-Za-z]", re.sub(r"\{\w+\}", "", zh)), en


# --- every phrase of the zh report in Chinese: the engines' words too, from the word list -------------------

ENGINE_TOKENS = ("scip", "highs", "highs+start", "highs+scip", "scip+highs", "start", "coordinated",
                 "highs/highs+scip/highs+start/start", "scip/start", "highs/coordinated", "regions", "scip/regions", "")


def _english_words(text: str) -> set[str]:
    """The Latin-letter words (2 letters or more) of ``text``."""
    return set(re.findall(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]", text))


def _solver_english() -> set[str]:
    """Every English word of the solver's phrases in report_words.yaml (placeholders aside)."""
    from importlib import resources

    raw = yaml.safe_load(resources.files("siting.data").joinpath("report_words.yaml").read_text(encoding="utf-8"))
    words: set[str] = set()
    for entry in raw["solver"].values():
        words |= _english_words(re.sub(r"\{\w+\}", " ", entry["en"]))
    return words - {"SCIP", "HiGHS", "CP-SAT", "CBC"}


def test_engine_phrases_come_from_the_word_list_in_both_languages():
    from siting.analysis.solver_view import engine_words, settled_words, status_words

    english = _solver_english()
    assert {"proven", "optimal", "part", "failed", "gap"} <= english  # the test reads the phrases it guards
    stages = ("shortfall", "cost")
    for token in ENGINE_TOKENS:
        for prev in ("scip", "scip/start", "highs+start"):
            zh = engine_words(token, 1, stages, prev, lang="zh")
            assert not (_english_words(zh) - {"SCIP", "HiGHS"}), (token, prev, zh)
            assert re.search(r"[\u4e00-\u9fff]", zh) or zh in ("SCIP", "HiGHS"), (token, zh)
    for st, gap, hit in (("optimal", 0.0, False), ("optimal", 0.003, False), ("feasible", 0.02, True),
                         ("feasible", None, False), ("no_solution", None, True), ("infeasible", None, False)):
        zh = status_words(st, gap, hit, lang="zh")
        assert not _english_words(zh) and re.search(r"[\u4e00-\u9fff]", zh), (st, zh)
    rows = [{"name": "shortfall", "solver": "scip", "status": "optimal", "gap": 0.0},
            {"name": "cost", "solver": "highs/highs+scip", "status": "feasible", "gap": 0.01, "time_limit_hit": True}]
    per, line = settled_words(rows, "zh")
    assert line == f"缺口：SCIP，已证明最优；成本：{per[1]}，差距 1.0%，达到时间上限"
    assert per[1] == "HiGHS 与 SCIP 分区求解（HiGHS 失败的分区由 SCIP 求解）"
    assert settled_words(rows)[1] == ("shortfall: SCIP, proven optimal; cost: HiGHS and SCIP by part (SCIP where "
                                      "HiGHS failed), 1.0% gap, time limit")


def _visible_text(page: str) -> str:
    """What a reader sees or hovers: the text of the page without its script and style."""
    import html as _html

    page = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", "\n", page))


def test_no_english_phrase_in_the_chinese_report(texts):
    outcome, fig, zh = texts[0], texts[1], texts[2]["zh"]
    inst = outcome.instance
    seen = _visible_text(zh)
    assert not (_english_words(seen) & _solver_english()), sorted(_english_words(seen) & _solver_english())
    settled = re.search(r'<span id="settled-by">([^<]+)</span>', zh).group(1)
    assert "缺口：" in settled and "已证明最优" in settled, settled
    # every other Latin word is data (names and ids), an engine or file name, or a unit
    data = " ".join([inst.name, inst.settings.standard, outcome.result.backend,
                     " ".join(inst.communities["name"].astype(str)), " ".join(inst.community_ids),
                     " ".join(inst.space_ids), " ".join(s["solver"] for s in fig.summary["solver"]["stages"])])
    allowed = _english_words(data) | {"SCIP", "HiGHS", "MIP", "LP", "SFCA", "CNY", "csv", "accessibility",
                                      "healthcheck", "CSV", "km"}
    left = _english_words(seen) - allowed
    assert not left, sorted(left)
    assert "solver auto" not in zh and "Independent checker" not in zh


def test_phasing_timeline_and_year_table_in_chinese():
    import pandas as pd

    from siting.report.timeline import timeline_svg

    w = Words(load_catalogue(), "zh")
    years = pd.DataFrame({"year": [2025, 2026], "budget_cny": [1e8, 2e8], "spending_cny": [0.9e8, 1.5e8],
                          "cumulative_budget_cny": [1e8, 3e8], "cumulative_spending_cny": [0.9e8, 2.4e8],
                          "spaces_opened": [3, 4], "spaces_open": [3, 7], "communities_meeting_standards": [2, 5],
                          "pilots_meeting_standards": [1, 2], "pilots": [2, 2], "communities_due": [2, 6],
                          "due_not_meeting": [1, 0], "area_short_m2": [10.0, 0.0], "users_served": [100.0, 200.0]})
    svg = timeline_svg(years, title=w("Phasing timeline"), n_communities=6, t=w)
    assert not _english_words(_visible_text(svg)), _english_words(_visible_text(svg))
    assert "1 个到期未达标" in svg and "+3 处空间" in svg
    assert not [c for c in w.frame(years).columns if _english_words(c)]
    en = timeline_svg(years, n_communities=6)  # English by default, as before
    assert "1 due, not met" in en and "+3 spaces" in en
