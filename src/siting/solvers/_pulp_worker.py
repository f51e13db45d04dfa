"""Child-process worker: solve one stage with PuLP + CBC.

Run as ``python _pulp_worker.py IN.npz OUT.npz`` (a file path, not ``-m``), so that this
process never imports OR-Tools: PuLP imports highspy when it is installed, and highspy
and OR-Tools' HiGHS cannot live in one process. Only numpy, scipy and pulp are imported.
The problem is always handed to CBC as a minimisation (a maximisation is negated) so that
CBC's "Lower bound" line is the bound; CBC's log goes to stdout for the parent to parse.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main(inp: str, out: str) -> None:
    import pulp

    d = np.load(inp)
    lb, ub, integer = d["lb"], d["ub"], d["integer"].astype(bool)
    indptr, indices, data = d["indptr"], d["indices"], d["data"]
    row_lb, row_ub = d["row_lb"], d["row_ub"]
    c, offset, maximize = d["c"], float(d["offset"]), bool(d["maximize"])
    time_limit, gap, threads, seed = float(d["time_limit"]), float(d["gap"]), int(d["threads"]), int(d["seed"])
    hint = d["hint"] if "hint" in d.files else None
    sign = -1.0 if maximize else 1.0
    prob = pulp.LpProblem("stage", pulp.LpMinimize)

    def fin(v: float) -> float | None:
        return None if not np.isfinite(v) else float(v)

    xs = [
        pulp.LpVariable(f"x{i}", lowBound=fin(lb[i]), upBound=fin(ub[i]),
                        cat=pulp.LpInteger if integer[i] else pulp.LpContinuous)
        for i in range(lb.shape[0])
    ]
    nz = np.flatnonzero(c)
    prob += pulp.LpAffineExpression([(xs[i], sign * float(c[i])) for i in nz]) + sign * offset
    for r in range(row_lb.shape[0]):
        a, b = indptr[r], indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(indices[a:b], data[a:b])])
        lo, hi = row_lb[r], row_ub[r]
        if np.isfinite(lo) and np.isfinite(hi) and lo == hi:
            prob += expr == float(lo), f"r{r}"
        else:
            if np.isfinite(lo):
                prob += expr >= float(lo), f"r{r}_lo"
            if np.isfinite(hi):
                prob += expr <= float(hi), f"r{r}_hi"
    warm = hint is not None
    if warm:
        # clip into the bounds and round integers: the previous stage's values carry the
        # solver's tolerances, and PuLP's setInitialValue rejects a value outside the bounds
        hint = np.clip(hint, np.where(np.isfinite(lb), lb, -np.inf), np.where(np.isfinite(ub), ub, np.inf))
        hint = np.where(integer, np.round(hint), hint)
        for i, x in enumerate(xs):
            x.setInitialValue(float(hint[i]))
    node_limit = int(d["node_limit"]) if "node_limit" in d.files else -1
    solver = pulp.PULP_CBC_CMD(msg=True, timeLimit=max(time_limit, 1.0), gapRel=gap, threads=threads,
                               maxNodes=node_limit if node_limit > 0 else None,
                               warmStart=warm, options=[f"randomCbcSeed {seed + 1}"] if seed >= 0 else [])
    t0 = time.perf_counter()
    prob.solve(solver)
    seconds = time.perf_counter() - t0
    sol = prob.sol_status
    values = np.array([x.value() if x.value() is not None else np.nan for x in xs], dtype=float)
    has = sol in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) and not np.isnan(values).any()
    status = {pulp.LpSolutionOptimal: "optimal", pulp.LpSolutionIntegerFeasible: "feasible",
              pulp.LpSolutionInfeasible: "infeasible", pulp.LpSolutionUnbounded: "unbounded"}.get(sol, "no_solution")
    if status in ("optimal", "feasible") and not has:
        status = "no_solution"
    objective = float(c @ values + offset) if has else np.nan
    np.savez(out, status=np.array(status), values=values if has else np.zeros(0), objective=objective,
             seconds=seconds)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
