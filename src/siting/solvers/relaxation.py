"""The LP relaxation of a program, with row prices: a bound and the duals that price coupling rows.

:func:`lp_relaxation` drops integrality and solves ``min c·x`` over the program's rows plus
optional extra rows ``E x ≤ e`` with GLOP (OR-Tools' simplex, through MathOpt). It returns the
optimal value, which bounds the integer program from below, and the prices ``y ≥ 0`` of the
extra rows and of any chosen "≤" rows of the program (d value / d right-hand side = −y).
Measured on the budgeted demo district (18,822 variables, 29,793 rows): 1.8 s and 4.0 s for
two stages with GLOP, against 3.5 s and 18.6 s with HiGHS' simplex and 12.9 s with PDLP.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from siting.solvers import interrupt
from siting.solvers.lexicographic import StageProblem
from siting.solvers.ortools_backend import interrupt_handle, load_mathopt, model_proto
from siting.solvers.program import LinearProgram


def stage_lp_bound(prob: StageProblem, time_limit_s: float) -> float | None:
    """The LP relaxation's optimum of one lexicographic stage (its rows, held rows included): a
    bound of the stage, for a MIP that stopped without one; ``None`` when GLOP proves nothing."""
    solved = _glop(prob, time_limit_s)
    return None if solved is None else float(solved[0].objective_value())


def _glop(prob: StageProblem, time_limit_s: float):
    """GLOP on the LP relaxation of ``prob``: (result, model), or ``None`` without a proven optimum."""
    mathopt, _ = load_mathopt()
    relaxed = dataclasses.replace(prob.lp, integer=np.zeros(prob.lp.n_vars, dtype=bool), hint=None, design=None)
    model = model_proto(dataclasses.replace(prob, lp=relaxed, hints=()))
    params = mathopt.SolveParameters(time_limit=_dt.timedelta(seconds=max(time_limit_s, 0.1)))
    if interrupt.requested():
        return None
    stopper = interrupt_handle()
    try:
        with interrupt.stoppable(stopper.interrupt):
            res = mathopt.solve(model, mathopt.SolverType.GLOP, params=params, interrupter=stopper)
    except Exception:  # a solver failure means no bound, not a crash
        return None
    if res.termination.reason != mathopt.TerminationReason.OPTIMAL or not res.has_dual_feasible_solution():
        return None
    return res, model


@dataclass(frozen=True)
class Relaxation:
    """Optimal value of the LP relaxation and the prices of the rows asked for."""

    value: float
    extra_prices: np.ndarray  # one per extra row, ≥ 0
    row_prices: np.ndarray  # one per asked program row, ≥ 0


def lp_relaxation(lp: LinearProgram, c: np.ndarray, offset: float = 0.0, extra: sp.csr_matrix | None = None,
                  extra_ub: np.ndarray | None = None, price_rows: np.ndarray | None = None,
                  time_limit_s: float = 60.0) -> Relaxation | None:
    """``min c·x + offset`` over the LP relaxation of ``lp`` and ``extra x ≤ extra_ub``.

    Parameters
    ----------
    lp : the program (its objectives are ignored).
    c, offset : the objective to minimise.
    extra, extra_ub : additional "≤" rows (e.g. lexicographic rows holding earlier stages).
    price_rows : indices of program rows with only an upper bound (e.g. the budget row) whose
        prices are wanted.
    time_limit_s : GLOP's time limit.

    Returns
    -------
    The value and prices, or ``None`` when GLOP did not prove an optimum (no bound then).
    """
    A, lo, hi = lp.A, lp.row_lb, lp.row_ub
    n_extra = 0 if extra is None else extra.shape[0]
    if n_extra:
        A = sp.vstack([A, extra], format="csr")
        lo = np.append(lo, np.full(n_extra, -np.inf))
        hi = np.append(hi, np.asarray(extra_ub, dtype=float))
    solved = _glop(StageProblem(lp, A, lo, hi, np.asarray(c, dtype=float), offset, False, (), 0, 1), time_limit_s)
    if solved is None:
        return None
    res, model = solved
    duals = res.dual_values()
    cons = list(model.linear_constraints())
    y = -np.fromiter((duals[r] for r in cons), dtype=float, count=len(cons))  # "≤" rows of a minimisation: ≤ 0
    rows = np.zeros(0, dtype=np.int64) if price_rows is None else np.asarray(price_rows, dtype=np.int64)
    return Relaxation(float(res.objective_value()), np.maximum(y[lp.n_cons:], 0.0), np.maximum(y[rows], 0.0))
