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


def test_outputs_follow_the_users_umask(tiny_scenario, tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = tmp_path / "shared"
        res = invoke("run", tiny_scenario, "--out", out, "--quiet")
        assert res.exit_code == 0, res.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o755
        for f in out.iterdir():
            assert stat.S_IMODE(f.stat().st_mode) == 0o644, f.name
        os.umask(0o077)
        out2 = tmp_path / "private"
        assert invoke("run", tiny_scenario, "--out", out2, "--quiet").exit_code == 0
        assert stat.S_IMODE(out2.stat().st_mode) == 0o700
        assert stat.S_IMODE((out2 / "report.html").stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_version_and_top_level_help():
    import re

    from siting import __version__

    res = invoke("--version")
    assert res.exit_code == 0 and res.output.strip() == f"siting {__version__}"
    res = invoke("--help")
    assert res.exit_code == 0
    assert "``" not in res.output and ":class:" not in res.output  # no Sphinx markup
    commands = re.search(r"Commands:\n(.*)", res.output, re.S).group(1)
    listed = re.findall(r"^  (\w+)  ", commands, re.M)
    assert set(listed) == {"demo", "run", "validate", "compare", "sweep", "schema", "init"}
    assert "..." not in commands  # one-line summaries are not cut


def test_every_option_has_help_and_a_readable_metavar():
    import re

    import click
    import typer.main

    group = typer.main.get_command(app)
    for name, cmd in group.commands.items():
        for p in cmd.params:
            if isinstance(p, click.Option):
                assert p.help, f"{name} {p.opts} has no help text"
                if not p.is_flag:
                    assert p.metavar and re.fullmatch(r"[A-Z=.|a-z]+", p.metavar), f"{name} {p.opts}: {p.metavar}"
        text = invoke(name, "--help").output.split("Options:")[-1]  # (typer shows argument types as <path>)
        assert not re.search(r"<(?:bool|str|int|float|path|list)", text), f"{name} --help: {text}"
    metavars = {p.name: p.metavar for p in group.commands["run"].params}
    assert metavars["out"] == "PATH" and metavars["time_limit_s"] == "SECONDS" and metavars["override"] == "NAME"
    assert metavars["set_"] == "KEY=VALUE"


def test_quiet_prints_only_the_summary(tiny_scenario, tmp_path):
    res = invoke("run", tiny_scenario, "--out", tmp_path / "q", "--quiet")
    assert res.exit_code == 0, res.output
    assert "Plan summary" in res.stdout and "plan written to" in res.stdout
    assert "elapsed" not in res.output and "starting solver" not in res.output


def test_piped_progress_is_plain_lines_and_summary_lines_do_not_wrap(tiny_scenario, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "80"}
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "siting", "run", str(tiny_scenario), "--out", str(tmp_path / "p")],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[" not in proc.stderr and "\r" not in proc.stderr  # no live-line escape codes when piped
    for line in proc.stderr.splitlines():
        if "elapsed" in line:
            assert line.startswith(("stage ", "part ")) and " gap " in line
    solver = [ln for ln in proc.stdout.splitlines() if ln.startswith("solver ")]
    assert len(solver) == 1 and "gap" in solver[0] and solver[0].rstrip().endswith(")")
    assert len(solver[0]) > 80  # one line, not wrapped at 80 columns


def test_init_writes_a_template_that_validate_rejects_empty_and_accepts_filled(tmp_path):
    import pandas as pd

    from conftest import DEMO_DATA

    folder = tmp_path / "new"
    res = invoke("init", folder)
    assert res.exit_code == 0, res.output
    scn = folder / "scenario.yaml"
    text = scn.read_text(encoding="utf-8")
    assert text.count("\n#") >= 5 and "standard: hangzhou_2024" in text  # commented template
    com = pd.read_csv(folder / "data" / "communities.csv")
    spa = pd.read_csv(folder / "data" / "spaces.csv")
    assert len(com) == 0 and len(spa) == 0
    assert {"community_id", "households", "residents_60_79", "kind", "health_score"} <= set(com.columns)
    assert {"space_id", "area_m2", "source", "floor", "status"} <= set(spa.columns)
    res = invoke("validate", scn)
    assert res.exit_code == 2
    assert "communities.csv" in res.output and "no data rows" in res.output
    # the planner fills the rows (here: 10 demo communities and their candidate spaces)
    demo_c = pd.read_csv(DEMO_DATA / "communities.csv").head(10)
    demo_s = pd.read_csv(DEMO_DATA / "spaces.csv").head(40)
    demo_c[com.columns].to_csv(folder / "data" / "communities.csv", index=False)
    demo_s[spa.columns].to_csv(folder / "data" / "spaces.csv", index=False)
    res = invoke("validate", scn)
    assert res.exit_code == 0, res.output
    assert "my-scenario: valid" in res.output
    # a second init into the now non-empty folder is refused
    res = invoke("init", folder)
    assert res.exit_code == 2 and "not empty" in res.output


def test_default_output_folder_names_the_overrides(tiny_scenario, tmp_path, monkeypatch):
    import re

    monkeypatch.chdir(tmp_path)
    res = invoke("run", tiny_scenario, "-o", "cheap", "--quiet")
    assert res.exit_code == 0, res.output
    folders = [p.name for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith("siting-")]
    assert len(folders) == 1 and re.fullmatch(r"siting-.+-cheap-\d{8}-\d{6}", folders[0]), folders


def test_progress_line_never_shows_a_negative_bound_and_keeps_the_best(monkeypatch):
    import io

    from rich.console import Console

    import siting.cli.progress as cli
    from siting.solvers.progress import Progress

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, force_terminal=False, width=200))
    view = cli._ProgressView(("shortfall", "cost"), interval_s=0.0)
    assert view.mode == "lines"
    view(Progress(stage=0, n_stages=2, elapsed_s=0.1, objective=12.5, bound=-3.0, part=1, n_parts=3))
    view(Progress(stage=0, n_stages=2, elapsed_s=0.2, objective=None, bound=-1.0, part=1, n_parts=3))
    lines = buf.getvalue().splitlines()
    assert len(lines) == 2 and all("bound 0 " in ln and "bound -" not in ln for ln in lines)
    assert "best 12.5" in lines[0] and "best 12.5" in lines[1] and "gap 100.00%" in lines[1]
    # a stage that may be negative (cost with a co-location bonus) shows its bound as it is
    signed = cli._ProgressView(("shortfall", "cost"), interval_s=0.0, non_negative=frozenset({"shortfall"}))
    signed(Progress(stage=1, n_stages=2, elapsed_s=0.1, objective=-5.0, bound=-8.0))
    assert "bound -8" in buf.getvalue().splitlines()[-1]


def test_progress_of_a_solve_in_parts_is_one_overall_line(monkeypatch):
    import io

    from rich.console import Console

    import siting.cli.progress as cli
    from siting.solvers.progress import Progress

    buf = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=buf, force_terminal=False, width=300))
    view = cli._ProgressView(("shortfall", "cost"), interval_s=0.0)
    p = lambda part, stage, obj, bound: Progress(stage, 2, 0.1, obj, bound, part, 3)  # noqa: E731
    view(p(2, 0, 4.0, 1.0))
    view(p(0, 0, 2.0, -5.0))  # a negative shortfall bound counts as 0
    view(p(2, 1, 900.0, 800.0))  # part 3 moves on: the shortfall stays the common stage
    view(p(1, 0, 1.0, 1.0))
    view(p(0, 1, 500.0, None))
    view(p(1, 1, 100.0, 90.0))
    lines = buf.getvalue().splitlines()
    assert not [ln for ln in lines if ln.startswith("part ")]  # never "part 3/3", then "part 1/3"
    assert lines[0].startswith("parts 1/3 started, 0 finished, 0 in the last stage")
    assert "shortfall over 1 parts: best 4 " in lines[0]
    assert "shortfall over 2 parts: best 6  bound 1  gap 83.33%" in lines[1]
    assert lines[2].startswith("parts 2/3 started, 0 finished, 1 in the last stage") and "shortfall over 2 parts" in lines[2]
    assert "parts 3/3 started, 0 finished, 1 in the last stage" in lines[3] and "best 7  bound 2 " in lines[3]
    assert "shortfall over 3 parts" in lines[4]  # part 2 has not reached the cost stage yet
    # every part in the cost stage: its sums; part 1 has no cost bound yet, so the merged bound is unknown
    assert lines[5].startswith("parts 3/3 started, 0 finished, 3 in the last stage")
    assert "cost over 3 parts: best 1,500  bound —  gap —" in lines[5]
    # a part that finishes reports its final figures: counted as finished, no longer "in the last stage"
    view(Progress(1, 2, 0.2, 480.0, 450.0, 0, 3, done=True))
    last = buf.getvalue().splitlines()[-1]
    assert last.startswith("parts 3/3 started, 1 finished, 2 in the last stage"), last
    assert "cost over 3 parts: best 1,480  bound 1,340 " in last
