"""The siting mixed-integer program: index sets, rules, objectives (see docs/model.md)."""

from .build import SitingModel, build_model
from .index import IndexSets, build_index

__all__ = ["IndexSets", "SitingModel", "build_index", "build_model"]
