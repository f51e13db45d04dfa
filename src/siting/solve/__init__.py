"""Solve stage: an instance → an :class:`~siting.plan.Outcome`, whole or as independent parts.

* :mod:`.decompose` — exact split into independent parts, and merging their plans and results;
* :mod:`.attempts` — one attempt at a part (:class:`PartSolution`), resumes, :func:`best_of`;
* :mod:`.regions` — a large part as geographic regions, re-optimised on the part, with its LP bound;
* :mod:`.schedule` — :func:`solve_instance`: parts over threads, time shares, resume passes, best-of.
"""

from siting.solve.attempts import PartSolution, StageTolerance, best_of
from siting.solve.schedule import solve_instance

__all__ = ["PartSolution", "StageTolerance", "best_of", "solve_instance"]
