"""Solve stage: an instance → an :class:`~siting.plan.Outcome`, whole or as independent parts.

* :mod:`.decompose` — exact split into independent parts, and merging their plans and results;
* :mod:`.regions` — a large part as geographic regions, re-optimised on the part, with its LP bound;
* :mod:`.schedule` — :func:`solve_instance`: parts over threads, time shares, resume passes, best-of.
"""

from siting.solve.schedule import PartSolution, StageTolerance, best_of, solve_instance

__all__ = ["PartSolution", "StageTolerance", "best_of", "solve_instance"]
