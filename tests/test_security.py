"""Security of inputs and outputs: YAML is loaded safely, names are escaped in the HTML report,
and text cells that a spreadsheet would run as a formula are escaped in the CSV exports."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import TINY_SCENARIO, tiny_tables, write_tiny_scenario
from siting.cli import app
from siting.errors import ScenarioError
from siting.guards import load_yaml
from siting.io.outputs import formula_safe
from siting.io.scenario import load_scenario

runner = CliRunner()

SCRIPT = "<script>alert('pwned')</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system", "!!python/object/new:os.system",
                                 "!!python/name:os.system", "!!python/object/apply:builtins.exec"])
def test_python_tags_in_yaml_do_not_run(tmp_path, tag):
    marker = tmp_path / "ran.txt"
    text = TINY_SCENARIO + f"description: {tag} ['touch {marker}']\n"
    path = write_tiny_scenario(tmp_path / "s", text=text.replace("description: three communities for the CLI "
                                                                 "tests\n", ""))
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)
    assert not marker.exists()
    with pytest.raises(ScenarioError):
        load_scenario(write_tiny_scenario(tmp_path / "s2"), assignments=[f"name={tag} ['touch {marker}']"])
    assert not marker.exists()
    with pytest.raises(Exception, match="not valid YAML"):
        load_yaml(f"x: {tag} ['touch {marker}']", "x")
    assert not marker.exists()


@pytest.fixture(scope="module")
def hostile_plan(tmp_path_factory):
    """The tiny scenario with hostile names, solved and written through ``siting run``."""
    tmp = tmp_path_factory.mktemp("hostile")
    com, spa = tiny_tables()
    com["name"] = [SCRIPT, '=HYPERLINK("http://evil.example","click")', "@SUM(A1)"]
    com["district"] = ["+1+2", "-2+3", IMG]
    spa["name"] = [IMG, "=1+1", SCRIPT, "-corner"]
    path = write_tiny_scenario(tmp / "s", com, spa, text=TINY_SCENARIO.replace("name: tiny-test",
                                                                              f'name: "{SCRIPT}"'))
    out = tmp / "plan"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_html_report_escapes_names(hostile_plan):
    html = (hostile_plan / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in html and "<img" not in html
    assert html.count("<script") == 1  # the report's own script, nothing else
    assert "&lt;script&gt;alert(" in html  # the names are shown, as text


def test_csv_exports_escape_formulas(hostile_plan):
    com = pd.read_csv(hostile_plan / "communities.csv", dtype=str, keep_default_na=False)
    spa = pd.read_csv(hostile_plan / "spaces.csv", dtype=str, keep_default_na=False)
    assert com["name"].tolist()[1:] == ["'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(A1)"]
    assert com["district"].tolist()[:2] == ["'+1+2", "'-2+3"]
    assert "'=1+1" in spa["name"].tolist()  # (spaces.csv lists the spaces taken)
    for csv in hostile_plan.glob("*.csv"):
        cells = pd.read_csv(csv, dtype=str, keep_default_na=False).to_numpy().ravel()
        assert not [c for c in cells if c and (c[0] in "=@\t" or (c[0] in "+-" and not _number(c)))], csv


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_formula_safe_leaves_numbers_and_plain_text():
    df = pd.DataFrame({"n": [-1.5, 2.0], "t": ["-3", "plain"], "f": ["=A1", None]})
    out = formula_safe(df)
    assert out["n"].tolist() == [-1.5, 2.0]
    assert out["t"].tolist() == ["'-3", "plain"]
    assert out["f"].iloc[0] == "'=A1" and pd.isna(out["f"].iloc[1])
    assert df["f"].iloc[0] == "=A1"  # the input is not changed


# --- data paths that leave the scenario's root (docs/decisions.md) ---------------------------------

def _sibling_scenarios(tmp_path):
    """tmp/scenarios/base (the tiny scenario with its data) and tmp/scenarios/other/scenario.yaml that
    reads ../base/data, as the worked scenarios read ../demo/data."""
    root = tmp_path / "scenarios"
    write_tiny_scenario(root / "base")
    other = root / "other"
    other.mkdir(parents=True)
    text = TINY_SCENARIO.replace("data/communities.csv", "../base/data/communities.csv").replace(
        "data/spaces.csv", "../base/data/spaces.csv")
    (other / "scenario.yaml").write_text(text, encoding="utf-8")
    return root


def test_a_scenario_may_read_the_data_of_a_sibling_scenario_folder(tmp_path):
    from siting.io.load import load_instance

    root = _sibling_scenarios(tmp_path)
    inst = load_instance(load_scenario(root / "other" / "scenario.yaml"))
    assert inst.n_communities == 3


@pytest.mark.parametrize("where", ["absolute", "dotdot", "symlink", "set"])
def test_data_paths_that_leave_the_scenario_root_are_refused_unless_it_opts_in(tmp_path, where):
    from siting.io.load import load_instance

    root = _sibling_scenarios(tmp_path)
    outside = tmp_path / "elsewhere" / "communities.csv"
    outside.parent.mkdir()
    tiny_tables()[0].to_csv(outside, index=False)
    path = root / "other" / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    assignments: list[str] = []
    if where == "absolute":
        text = text.replace("../base/data/communities.csv", str(outside))
    elif where == "dotdot":
        text = text.replace("../base/data/communities.csv", "../../elsewhere/communities.csv")
    elif where == "symlink":  # a link inside the scenario folder that leads out of the root
        (root / "other" / "link.csv").symlink_to(outside)
        text = text.replace("../base/data/communities.csv", "link.csv")
    else:
        assignments = [f"data.communities={outside}"]
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match="outside .*allow_outside_paths: true") as err:
        load_scenario(path, assignments=assignments)
    assert str(path) in str(err.value) and "data.communities" in str(err.value)
    # the CLI: one line, exit 2
    res = runner.invoke(app, ["validate", str(path), *sum((["--set", a] for a in assignments), [])])
    assert res.exit_code == 2 and "allow_outside_paths" in res.output
    # opting in: the same file loads
    opted = load_scenario(path, assignments=[*assignments, "data.allow_outside_paths=true"])
    assert load_instance(opted).n_communities == 3
