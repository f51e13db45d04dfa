"""Every public function of the library's front door has a NumPy-style docstring (Parameters /
Returns) and no private ``_``-parameters: ``siting``'s exports, ``siting.api``, ``siting.plan``
and the public functions of ``siting.analysis``. Generated dataclass ``__init__`` methods are
described by their class's Attributes instead."""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import pytest

MODULES = ["siting", "siting.api", "siting.plan", "siting.analysis.accessibility", "siting.analysis.compare",
           "siting.analysis.evaluate", "siting.analysis.fca", "siting.analysis.figures",
           "siting.analysis.healthcheck", "siting.analysis.tables"]


def public_callables():
    seen: dict[str, object] = {}
    for modname in MODULES:
        mod = importlib.import_module(modname)
        names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
        for n in names:
            obj = getattr(mod, n)
            if modname != "siting" and getattr(obj, "__module__", None) != modname:
                continue  # re-exported: checked where it is defined, or through siting's exports
            if inspect.isfunction(obj):
                seen.setdefault(f"{obj.__module__}.{n}", obj)
            elif inspect.isclass(obj) and obj.__module__.startswith("siting"):
                seen.setdefault(f"{obj.__module__}.{n}", obj)
                for mname, member in vars(obj).items():
                    if mname.startswith("_") and mname != "__init__":
                        continue
                    if mname == "__init__" and dataclasses.is_dataclass(obj):
                        continue
                    func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                    if inspect.isfunction(func):  # NumPy style: __init__'s parameters are in the class's docstring
                        seen.setdefault(f"{obj.__module__}.{n}.{mname}", (func, obj) if mname == "__init__" else func)
    return sorted(seen.items())


CALLABLES = public_callables()


def test_the_public_api_is_covered():
    names = {name for name, _ in CALLABLES}
    assert len(names) > 60
    for must in ("siting.analysis.evaluate.evaluate", "siting.solve.schedule.solve_instance",
                 "siting.plan.Outcome.to_geodataframes", "siting.plan.Outcome.write", "siting.api.report",
                 "siting.core.instance.Instance.from_geodataframes", "siting.analysis.tables.space_table"):
        assert must in names, must


@pytest.mark.parametrize("name,obj", CALLABLES, ids=[n for n, _ in CALLABLES])
def test_numpy_style_docstring_and_no_private_parameters(name, obj):
    obj, documented_by = obj if isinstance(obj, tuple) else (obj, obj)
    doc = inspect.getdoc(documented_by) or ""
    assert doc, f"{name}: no docstring"
    if inspect.isclass(obj):
        return
    sig = inspect.signature(obj)
    params = [p for p in sig.parameters if p not in ("self", "cls")]
    assert not [p for p in params if p.startswith("_")], f"{name}: private parameters in a public signature"
    if params:
        assert "Parameters\n----------" in doc, f"{name}: no Parameters section"
    if sig.return_annotation not in (None, "None", inspect.Signature.empty):
        assert "Returns\n-------" in doc, f"{name}: no Returns section"
