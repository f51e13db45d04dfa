"""Command-line conventions: --lang and report.lang, --version, help text, metavars, --quiet,
--set errors, default output folder names, umask, ``siting init``."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from siting.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def test_lang_option_and_scenario_key_choose_the_report_language(tiny_scenario, tmp_path):
    out = tmp_path / "zh"
    res = invoke("run", tiny_scenario, "--out", out, "--lang", "zh")
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="zh-CN">') and "<h2>关键指标</h2>" in html
    assert yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))["report"]["lang"] == "zh"
    out2 = tmp_path / "set"
    res = invoke("run", tiny_scenario, "--out", out2, "--set", "report.lang=zh")
    assert res.exit_code == 0, res.output
    assert "<h2>关键指标</h2>" in (out2 / "report.html").read_text(encoding="utf-8")
    out3 = tmp_path / "en"
    res = invoke("run", tiny_scenario, "--out", out3)
    assert res.exit_code == 0, res.output
    assert "<h2>Key figures</h2>" in (out3 / "report.html").read_text(encoding="utf-8")


def test_unknown_lang_is_refused(tiny_scenario, tmp_path):
    res = invoke("run", tiny_scenario, "--out", tmp_path / "x", "--lang", "fr")
    assert res.exit_code == 2 and "--lang" in res.output and not (tmp_path / "x").exists()
