"""The joint completion of budget-coupled parts: every part's design fixed, the rest solved together.

A master over part plans (:mod:`siting.solve.coordinate`) picks one column per part, and
fix-and-optimise re-solves one part at a time within the share of each coupling row that part
already uses. Neither can move the *continuous* choices across parts: floor area, users served
and area attributed in part A cannot shrink to free budget (or served users, a held row) for part
B. With every part's design fixed (spaces taken, services hosted and, with phasing, the year each
space opens: ``LinearProgram.design``) the whole program is small (the hubs are its only integer
variables), and solving it once with all parts' remaining variables free and the coupling rows in
place does exactly that move.

Written for stage k (every objective as a minimisation g, :mod:`siting.solve.columns`), with
x̄_p the chosen column of part p and D_p its design variables:

    min  Σ_p F_p[k]·x_p + f0_p[k]
    s.t. A_p x_p within the part's rows, x_p within its bounds, x_p[D_p] = x̄_p[D_p]   (every part p)
         Σ_p F_p[r]·x_p + f0_p[r] ≤ rhs_r                                            (coupling rows r)

The chosen columns are a feasible start. Each part's new plan is then polished on its own within
its new use of the coupling rows plus an equal share of their slack (so the combination still fits
and every figure is the plan's true one) and kept only when the parts together improve stage k.
Measured on the budgeted demo (1e9 CNY, demand mode, 60 s): from the final plan of a coordinated
solve the shortfall stage fell from 193.7 to 113.7 in 1.3 s, where SCIP on the whole program from
that plan reached 112.1 in 900 s; inside the solve, from the master's plan, 223 to 137 in 1.2 s.
Fixing the hubs too (a linear program) gave 202 to 200: the hubs must be free. On the phased demo
it takes 0.6 s.

Not reached by it: a design no column has. A part whose best share of the budget is a service at
its minimum area (e.g. 60 m² where the master's columns give 0 or 450 m²) needs that design from
a part solve with the budget room for it, which fix-and-optimise gives a part only within its own
use plus a share of the slack.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import scipy.sparse as sp

from siting.core.options import SolverOptions
from siting.solve.columns import Column, PartProgram, polished
from siting.solvers import solve
from siting.solvers.program import LinearProgram, Objective

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class JointOutcome:
    """What a joint completion did: the chosen columns (new ones appended to the parts' lists),
    whether it improved the stage, and the nodes and wall-clock limit of its solve."""

    chosen: list[int]
    improved: bool
    nodes: int = 0
    hit: bool = False


def joint_program(progs: list[PartProgram], xs: list[np.ndarray], k: int, rows: list[int],
                  rhs: np.ndarray) -> tuple[LinearProgram, np.ndarray]:
    """The stage-k program of all parts together with each part's design fixed at ``xs[p]``, the
    coupling ``rows`` at ``rhs``; returns it and the offsets of the parts' variables in it."""
    lbs, ubs, ints, As, rlb, rub, coefs, coupling = [], [], [], [], [], [], [], []
    offset = 0.0
    for pp, x in zip(progs, xs):
        lp = pp.lp
        lb, ub = lp.lb.copy(), lp.ub.copy()
        if lp.design is not None:
            lb[lp.design] = ub[lp.design] = np.round(x[lp.design])
        lbs.append(lb)
        ubs.append(ub)
        ints.append(lp.integer)
        As.append(lp.A)
        rlb.append(lp.row_lb)
        rub.append(lp.row_ub)
        coefs.append(np.asarray(pp.F[k].todense()).ravel())
        coupling.append(pp.F[rows])
        offset += float(pp.f0[k])
    f0_rows = np.sum([pp.f0[rows] for pp in progs], axis=0)
    starts = np.concatenate([[0], np.cumsum([lb.size for lb in lbs])]).astype(np.int64)
    A = sp.vstack([sp.block_diag(As, format="csr"), sp.hstack(coupling, format="csr")], format="csr")
    joint = LinearProgram(
        name="joint", lb=np.concatenate(lbs), ub=np.concatenate(ubs), integer=np.concatenate(ints), A=A,
        row_lb=np.concatenate([*rlb, np.full(len(rows), -np.inf)]),
        row_ub=np.concatenate([*rub, np.asarray(rhs, dtype=float) - f0_rows]),
        objectives=(Objective("joint", "min", np.concatenate(coefs), offset),),
        hint=np.concatenate(xs))
    return joint, starts


def joint_completion(progs: list[PartProgram], cols: list[list[Column]], chosen: list[int], k: int,
                     rows: list[int], rhs: np.ndarray, options: SolverOptions, limit_s: float) -> JointOutcome:
    """Stage k over all parts at once with their designs fixed at the chosen columns
    (:func:`joint_program`); the parts' new plans become columns when together they lower stage k
    and still meet every coupling row. ``options``: one thread, and in deterministic mode its node
    limit (``limit_s`` is then the safety net)."""
    xs = [cols[p][c].x for p, c in enumerate(chosen)]
    old = np.array([cols[p][c].g for p, c in enumerate(chosen)])
    lp, starts = joint_program(progs, xs, k, rows, rhs)
    out = solve(lp, options.model_copy(update={"time_limit_s": max(0.5, limit_s)}))
    nodes = sum(s.nodes for s in out.stages)
    hit = any(s.time_limit_hit for s in out.stages)
    log.debug("joint stage %d: %s %s (bound %s) in %.1f s, from %.6g", k, out.status.value, out.objective, out.bound,
              out.seconds, float(old[:, k].sum()))
    if out.values is None:
        return JointOutcome(list(chosen), False, nodes, hit)
    parts_x = [out.values[starts[p]:starts[p + 1]] for p in range(len(progs))]
    new_g = np.array([pp.figures(x) for pp, x in zip(progs, parts_x)])
    slack = np.maximum(np.asarray(rhs, dtype=float) - new_g[:, rows].sum(axis=0), 0.0)
    polished_cols: list[Column] = []
    coefs = lp.objectives[0].coefs
    for p, (pp, x, g) in enumerate(zip(progs, parts_x, new_g)):
        room = g[rows] + slack / len(progs)
        y = polished(pp, x, coefs[starts[p]:starts[p + 1]], rows, room)
        if y is None:
            log.debug("joint stage %d: a part's plan did not polish", k)
            return JointOutcome(list(chosen), False, nodes, hit)
        polished_cols.append(Column(y, pp.figures(y)))
    G = np.array([c.g for c in polished_cols])
    fits = np.all(G[:, rows].sum(axis=0) <= np.asarray(rhs, dtype=float) + 1e-9 * np.maximum(1.0, np.abs(rhs)))
    better = G[:, k].sum() < old[:, k].sum() - 1e-9 * max(1.0, abs(float(old[:, k].sum())))
    if not (fits and better):
        log.debug("joint stage %d: fits %s, better %s (%.8g against %.8g)", k, fits, better, G[:, k].sum(),
                  old[:, k].sum())
        return JointOutcome(list(chosen), False, nodes, hit)
    new_chosen = list(chosen)
    for p, col in enumerate(polished_cols):
        if np.allclose(col.g, old[p], rtol=1e-12, atol=1e-12) and np.allclose(col.x, xs[p]):
            continue  # this part's plan did not move
        cols[p].append(col)
        new_chosen[p] = len(cols[p]) - 1
    return JointOutcome(new_chosen, True, nodes, hit)
