"""Peak memory of a solve: an estimate from the model's size, and the refusal up front of a solve
that would not fit (``solver.max_memory_gb``, ``--max-memory-gb``).

Nearly all of a solve's memory is the solvers' own copies of the model (the MathOpt model, SCIP's
or HiGHS' presolved problem, LP factorisations, the search tree), and those grow with the
matrix's nonzeros. The estimate is linear in them:

    peak_gb ≈ BASE_GB + GB_PER_NONZERO · nonzeros

fitted to two measured peaks (RSS high-water mark of the whole process, 2 threads): the demo
district, 78,798 nonzeros, 0.28 GB (30 s, wall-clock mode); the synthetic city, 1,560,873
nonzeros, 1.77 GB (300 s, ``benchmarks/siting_bench.py --city-only``). The matrix itself is
built first (0.1 GB of the city's 1.77 GB) so that the count is exact; no solver starts before
the check.
"""

from __future__ import annotations

from dataclasses import dataclass

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.errors import MemoryLimitError
from siting.model import build_model

BASE_GB = 0.20
GB_PER_NONZERO = 1.0e-6


@dataclass(frozen=True)
class MemoryEstimate:
    """The estimated peak of a solve and the model size it comes from."""

    nonzeros: int
    variables: int
    peak_gb: float


def estimate_peak_memory(inst: Instance) -> MemoryEstimate:
    """Estimate the peak memory of solving ``inst`` (builds its model matrix, runs no solver).

    Parameters
    ----------
    inst
        A validated instance.

    Returns
    -------
    MemoryEstimate
        Nonzeros and variables of the whole model and the estimated peak in GB.
    """
    size = build_model(inst).lp.summary()
    nnz = int(size["nonzeros"])
    return MemoryEstimate(nnz, int(size["variables"]), BASE_GB + GB_PER_NONZERO * nnz)


def check_memory(inst: Instance, options: SolverOptions) -> MemoryEstimate | None:
    """Refuse a solve whose estimated peak exceeds ``options.max_memory_gb``.

    Returns
    -------
    MemoryEstimate or None
        The estimate, or ``None`` when no limit is set.

    Raises
    ------
    MemoryLimitError
        The estimate exceeds the limit; the message gives both figures and the model size.
    """
    if options.max_memory_gb is None:
        return None
    est = estimate_peak_memory(inst)
    if est.peak_gb > options.max_memory_gb:
        raise MemoryLimitError(
            f"{inst.name}: the solve would need about {est.peak_gb:.2f} GB at its peak "
            f"({est.variables:,} variables, {est.nonzeros:,} nonzeros; estimate {BASE_GB:g} GB + "
            f"{GB_PER_NONZERO * 1e6:g} GB per million nonzeros), more than --max-memory-gb "
            f"{options.max_memory_gb:g}: raise the limit, or shrink the instance (fewer candidate "
            "spaces, a shorter walking limit, or one district at a time)"
        )
    return est
