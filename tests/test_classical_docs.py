"""The classical models' shared docstring entries (``siting.classical._docs``) are filled in:
no ``{placeholder}`` line reaches a public docstring, and a misspelt one is an error."""

from __future__ import annotations

import inspect
import re

import pytest

import siting.classical as classical
from siting.classical._docs import SHARED, fill_doc, shared_doc

PLACEHOLDER = re.compile(r"^\s*\{[a-z_]+\}\s*$", re.M)


def public_docstrings():
    for cname in classical.__all__:
        cls = getattr(classical, cname)
        if not inspect.isclass(cls):
            continue
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") and name != "__init__":
                continue
            doc = getattr(member, "__doc__", None)
            if isinstance(doc, str):
                yield f"{cname}.{name}", doc


def test_no_placeholder_reaches_a_docstring():
    docs = dict(public_docstrings())
    assert len(docs) > 40
    left = [where for where, doc in docs.items() if PLACEHOLDER.search(doc)]
    assert not left, left


def test_shared_entries_are_filled_with_the_return_type():
    doc = classical.CPMP.from_geodataframe.__doc__
    assert "gdf_demand, gdf_fac : geopandas.GeoDataFrame" in doc and "weights_cols : str\n" in doc
    assert "Returns\n        -------\n        CPMP\n" in doc                   # {ret}: the return annotation
    assert "different CRSs" in doc
    solve_doc = classical.PCenter.solve.__doc__
    assert "PCenterResult\n            Also kept as ``self.result``." in solve_doc
    assert "**overrides" in solve_doc and "pulp.PULP_CBC_CMD" in solve_doc


def test_a_misspelt_placeholder_is_an_error():
    def f() -> int:
        """Doc.

        {no_such_entry}
        """
        return 1

    with pytest.raises(KeyError, match="no_such_entry"):
        shared_doc(f)
    assert fill_doc("    {name}\n", "X") == "    " + SHARED["name"].replace("\n", "\n    ") + "\n"


def test_measured_figures_live_in_benchmarks_results_not_in_docstrings():
    """The classical docstrings describe methods; run times measured with them are in
    benchmarks/results/classical_figures.md, with the commit they were recorded at."""
    from pathlib import Path

    root = Path(classical.__file__).parent
    timing = re.compile(r"\b\d+(\.\d+)? ?(s|ms|seconds)\b(?! of the time limit)|measured on", re.I)
    allowed = {"0.05 s", "60 s"}  # a threshold and the default limit, not measurements
    found = []
    for path in sorted(root.glob("*.py")):
        for m in timing.finditer(path.read_text(encoding="utf-8")):
            if m.group(0) not in allowed:
                found.append(f"{path.name}: {m.group(0)}")
    assert not found, found
    figures = (root.parents[2] / "benchmarks" / "results" / "classical_figures.md").read_text(encoding="utf-8")
    assert re.search(r"commit [0-9a-f]{7,40}", figures) and "pmed38" in figures
