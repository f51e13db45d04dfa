"""``--xlsx``: the plan's tables as one Excel workbook, read back with openpyxl: a sheet per CSV
table with the same rows and figures, headers in the chosen language with units, formula-like
text escaped as in the CSVs."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from conftest import TINY_SCENARIO, tiny_tables, write_tiny_scenario
from siting.cli import app

SHEETS = ["communities", "spaces", "links", "services", "coverage_by_age", "shortfalls", "accessibility",
          "healthcheck", "healthcheck_districts"]


def _run(tmp, lang: str, *args):
    com, spa = tiny_tables()
    # a bell (control character) is text the file format cannot hold
    com["name"] = ["Alpha\x07", '=HYPERLINK("http://evil.example","click")', "@SUM(A1)"]
    spa["name"] = ["old school", "=1+1", "basement", "-corner"]
    path = write_tiny_scenario(tmp / "s", com, spa, text=TINY_SCENARIO)
    out = tmp / "plan"
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--quiet", "--lang", lang, *args])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module", params=["en", "zh"])
def plan(request, tmp_path_factory):
    return request.param, _run(tmp_path_factory.mktemp(f"xlsx-{request.param}"), request.param, "--xlsx")


def _sheet(wb, name):
    rows = list(wb[name].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def test_one_sheet_per_table_with_the_csv_rows(plan):
    lang, out = plan
    wb = load_workbook(out / "plan.xlsx")
    assert wb.sheetnames == SHEETS
    for name in SHEETS:
        csv = pd.read_csv(out / f"{name}.csv")
        head, rows = _sheet(wb, name)
        assert len(head) == len(csv.columns) and len(rows) == len(csv), name
        for col in [c for c in csv.columns if pd.api.types.is_numeric_dtype(csv[c])]:
            got = [r[list(csv.columns).index(col)] for r in rows]
            want = csv[col].tolist()
            assert [None if pd.isna(w) else pytest.approx(w) for w in want] == got, (name, col)


def test_headers_are_labels_with_units(plan):
    lang, out = plan
    wb = load_workbook(out / "plan.xlsx")
    spaces, _ = _sheet(wb, "spaces")
    services, rows = _sheet(wb, "services")
    if lang == "zh":
        assert "建筑面积（m²）" in services and "规划期成本（元）" in spaces and "运营成本（元/年）" in spaces
        assert "居家养老服务中心/日间照料面积（m²）" in spaces  # area of a service, by its label
        assert "居家养老服务中心/日间照料" in {r[0] for r in rows}  # service ids written as their labels
    else:
        assert "floor area (m²)" in services and "cost over the horizon (CNY)" in spaces
        assert "operating cost (CNY/year)" in spaces and "elderly day care: floor area (m²)" in spaces
        assert "elderly day care" in {r[0] for r in rows}  # service ids written as their labels
    for name in SHEETS:  # no raw ids with underscores as headers
        head, _ = _sheet(wb, name)
        assert not [h for h in head if "_" in h], (name, head)


def test_formula_like_text_is_escaped_and_nothing_is_a_formula(plan):
    _, out = plan
    wb = load_workbook(out / "plan.xlsx")
    _, rows = _sheet(wb, "communities")
    names = [r[1] for r in rows]
    assert names == ["Alpha", "'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(A1)"]
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert "Alpha\x07" in pd.read_csv(out / "communities.csv")["name"].tolist()  # (the CSV keeps it)
    cells = [v for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert not [v for v in cells if "\x07" in v]  # dropped: the file format cannot hold it


def test_no_workbook_without_the_option_and_the_scenario_key(tmp_path):
    out = _run(tmp_path / "a", "en")
    assert not (out / "plan.xlsx").exists()
    out = _run(tmp_path / "b", "en", "--set", "outputs.xlsx=true")
    assert load_workbook(out / "plan.xlsx").sheetnames == SHEETS
