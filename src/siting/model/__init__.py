"""The siting mixed-integer program: index sets, rules, objectives (see docs/model.md)."""

from siting.model.build import SitingModel, build_model, stage_names
from siting.model.index import IndexSets, build_index

__all__ = ["IndexSets", "SitingModel", "build_index", "build_model", "stage_names"]
