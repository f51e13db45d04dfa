"""Words, not ids: the labels the report shows, in English or Chinese.

Service, domain and age-group labels come from the catalogue (``services.yaml``); column
headers, id-like values (rules, units, space sources) and the report's headings come from
``siting/data/report_words.yaml``, and so do the patterns that put the analysis's English
sentences (shortfall reasons and fixes, bound sources) into Chinese. Anything without a
translation stays as it is (English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import pandas as pd
import yaml

from siting.core.catalogue import Catalogue

Lang = Literal["en", "zh"]
LANGS: tuple[str, ...] = ("en", "zh")

# CSS font stack: Latin first, then the common CJK families (Linux: Noto Sans CJK SC from
# Debian's fonts-noto-cjk, WenQuanYi from fonts-wqy-microhei; macOS: PingFang SC;
# Windows: Microsoft YaHei)
FONT_STACK = ('system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","Source Han Sans SC",'
              '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif')


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("siting.data").joinpath("report_words.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _sentences() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The ``sentences:`` of the word list: (English pattern, Chinese template), in order."""
    return tuple((re.compile(e["en"]), re.sub(r"\{(\d+)\}", r"\\g<\1>", e["zh"])) for e in _raw()["sentences"])


@dataclass(frozen=True)
class Words:
    """Labels in one language.

    Parameters
    ----------
    catalogue : the instance's catalogue (service, domain and age-group labels).
    lang : "en" or "zh".
    """

    catalogue: Catalogue
    lang: Lang = "en"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"unknown report language '{self.lang}'; expected one of {list(LANGS)}")

    def __call__(self, phrase: str) -> str:
        """A heading or title: the Chinese phrase when ``lang`` is zh and there is one."""
        return _raw()["phrases"].get(phrase, phrase) if self.lang == "zh" else phrase

    def sentence(self, text: Any) -> Any:
        """A sentence the analysis wrote in English (a shortfall's reason or fix, where a bound came
        from, the solve's message) in ``lang``: each pattern of the ``sentences:`` word list replaced
        where it matches; anything else (and any non-text value) unchanged."""
        if self.lang != "zh" or not isinstance(text, str):
            return text
        for pattern, template in _sentences():
            text = pattern.sub(template, text)
        return text

    def column(self, name: str) -> str:
        """A table column header (``floor_area_m2`` → "floor area (m²)"; ``area_m2_<service>`` →
        "<service label>: floor area (m²)"; ``domain_<domain>_before`` → "<domain label>: share met, before")."""
        lab = _raw()["columns"].get(name)
        if lab:
            return lab[self.lang]
        zh = self.lang == "zh"
        if name.startswith("area_m2_") and name.removeprefix("area_m2_") in self.catalogue.services:
            label = self.service(name.removeprefix("area_m2_"))
            return f"{label}面积（m²）" if zh else f"{label}: floor area (m²)"
        for when, en, cn in (("before", "before", "规划前"), ("after", "after", "规划后")):
            dom = name.removeprefix("domain_").removesuffix(f"_{when}")
            if name.startswith("domain_") and name.endswith(f"_{when}") and dom in self.catalogue.domains:
                return f"{self.domain(dom)}达成比例（{cn}）" if zh else f"{self.domain(dom)}: share met, {en}"
        return name.replace("_", " ")

    def value(self, v: Any) -> Any:
        """An id-like table value (rule, unit, source) in words; anything else unchanged."""
        lab = _raw()["values"].get(v) if isinstance(v, str) else None
        return lab[self.lang] if lab else v

    def service(self, sid: str) -> str:
        return self.catalogue.service_label(sid, self.lang) if sid in self.catalogue.services else sid

    def services(self, joined: str) -> str:
        """``"a;b"`` service ids → "label a, label b"."""
        sep = "、" if self.lang == "zh" else ", "
        return sep.join(self.service(s) for s in str(joined).split(";") if s)

    def domain(self, did: str) -> str:
        return self.catalogue.domain_label(did, self.lang) if did in self.catalogue.domains else did

    def age(self, group: str) -> str:
        return self.catalogue.age_group_label(group, self.lang)

    def frame(self, df: pd.DataFrame) -> pd.DataFrame:
        """A table for display: service and age-group ids, rules, units and sources in words,
        column headers from the word list."""
        out = df.copy()
        for col in out.columns:
            if col == "service":
                out[col] = out[col].map(self.service)
            elif col == "services":
                out[col] = out[col].map(self.services)
            elif col == "age_group":
                out[col] = out[col].map(self.age)
            elif col == "item":
                out[col] = out[col].map(lambda v: self.service(v) if v in self.catalogue.services else self.value(v))
            elif col in ("rule", "unit", "source", "district"):
                out[col] = out[col].map(self.value)
            elif col in ("reason", "fix"):
                out[col] = out[col].map(self.sentence)
        return out.rename(columns={c: self.column(c) for c in out.columns})
