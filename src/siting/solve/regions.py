"""A large reach component solved as geographic regions, with the LP relaxation as its bound.

A city's reach graph can hold one component of hundreds of communities (the synthetic
city's largest: 400 communities × 1,858 spaces, 133,619 variables of which 25,415 integer).
Whole, it defeats both MIP engines within minutes: SCIP's root LP does not finish in 200 s,
HiGHS never leaves the null plan (shortfall 5,214.8). Such a part is solved here in three
steps:

1. **Regions.** k-means on the communities' centroids makes ``⌈C / REGION_COMMUNITIES⌉``
   regions; each space joins the region of its nearest reaching community, and only the reach
   pairs inside a region are kept. This restricted part splits exactly into its regions
   (:func:`~siting.solve.decompose.split`), each a small program solved lexicographically like
   any part, one after the other, sharing :data:`REGIONS_TIME_SHARE` of the part's time in
   proportion to their size. Dropping reach pairs only removes options, so the regions' plans
   merged (:func:`~siting.solve.decompose.merge_plans`) are a plan of the part.
2. **Re-optimised on the part.** The merged plan's design (spaces taken, services hosted,
   hubs) is fixed in the part's own program and everything continuous — floor areas, users
   served, floor area attributed to communities, now also across the regions' seams — is
   solved again stage by stage. The result is a plan of the part at least as good as the merged
   one in every stage, with stage figures of the part's own objectives.
3. **Bound.** Stage k's bound is the LP relaxation of the part's whole program with the
   stages before k held at this plan's values (GLOP): a valid bound of stage k of the
   lexicographic program this plan answers. The regions' own MIP bounds bound the restricted
   program, not the part, and are not used. Without an LP optimum in time the stage gets the
   box bound (each variable at its best bound), named as such.

Measured on the city's giant part alone (``benchmarks/giant_split_bench.py``, 2 threads):
shortfall 9.78 in 140 s with 20 regions against 23.88 for SCIP on the whole part in 200 s;
the LP bound of its shortfall stage is 4.87 (GLOP, 31.7 s). With 10 regions of ~40 communities
the regions themselves stall (shortfall 1,327).

The plan is a heuristic: a stage is "optimal" only when the LP bound proves it within the gap.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.cluster.vq import kmeans2

from siting.core.instance import Instance
from siting.core.options import SolverOptions
from siting.core.phasing import phasing_of
from siting.core.results import SolveResult, SolveStatus, StageResult, relative_gap
from siting.model import SitingModel, build_model
from siting.model.solution import closed_empty_spaces, design_values, extract_plan
from siting.plan import Plan
from siting.solve.decompose import Part, decomposable, merge_plans, split
from siting.solvers import interrupt, solve
from siting.solvers.program import Objective
from siting.solvers.relaxation import lp_relaxation
from siting.travel.reach import ReachTable

# communities per region: measured on the city's giant part (400 communities), 20 regions of ~20
# reach shortfall 9.78 in 140 s, 10 regions of ~40 stall at 1,327 (their MIPs leave the null plan late)
REGION_COMMUNITIES = 20
# parts with at least this many communities are solved as regions (under ``regions: auto``); the
# synthetic city's two largest parts (400 and 119 communities) are, its next (45) is not
REGION_MIN_COMMUNITIES = 60
# of a part's time: the regions' MIPs; the rest goes to the re-optimisation and the LP bounds (on the
# city's giant part, quiet machine: re-optimisation 9 s, shortfall LP 12.7 s, cost LP 97.3 s)
REGIONS_TIME_SHARE = 0.5
LP_BOUND_SOURCE = "LP relaxation of the part's whole program"
BOX_BOUND_SOURCE = "bounds of the variables (the part's LP relaxation did not finish in time)"


@dataclass(frozen=True, eq=False)
class RegionalSolve:
    """A part solved as regions: its result (stage figures and bounds on the part's own program),
    the plan, the part's model size and the model build seconds (the regions' and the part's)."""

    result: SolveResult
    plan: Plan | None
    build_s: float
    model_size: dict[str, int]
    stage_names: tuple[str, ...]
    objectives: tuple[Objective, ...]  # the part's stage objectives (senses and tolerances)
    n_regions: int


def wants_regions(inst: Instance, options: SolverOptions) -> bool:
    """Whether a part is solved as regions: ``regions: auto``, at least
    :data:`REGION_MIN_COMMUNITIES` communities, a program whose stages are sums with no budget
    (:func:`~siting.solve.decompose.decomposable`: the regions are then independent but for
    their seams; a budget or the equity mode's worst community would couple them), and no years
    (phasing keeps the whole part)."""
    return (options.regions == "auto" and inst.n_communities >= REGION_MIN_COMMUNITIES
            and decomposable(inst) and phasing_of(inst) is None)


def region_labels(inst: Instance, n_regions: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Region of every community (k-means on the centroids, regions numbered 0…) and of every
    space (its nearest reaching community's; -1 for a space no community reaches)."""
    geom = inst.communities.geometry.centroid
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    if n_regions <= 1 or xy.shape[0] <= n_regions:
        com = np.zeros(xy.shape[0], dtype=np.int64) if n_regions <= 1 else np.arange(xy.shape[0])
    else:
        rng = np.random.default_rng(seed)
        _, lab = kmeans2(xy, n_regions, seed=rng, minit="++")
        _, com = np.unique(lab, return_inverse=True)  # empty clusters leave no gap in the numbers
    r = inst.reach
    order = np.lexsort((r.community, r.walk_min, r.space))  # each space's pairs, nearest community first
    first = np.ones(order.size, dtype=bool)
    first[1:] = r.space[order][1:] != r.space[order][:-1]
    space = np.full(inst.n_spaces, -1, dtype=np.int64)
    space[r.space[order][first]] = com[r.community[order][first]]
    return com.astype(np.int64), space


def restricted(inst: Instance, com_region: np.ndarray, space_region: np.ndarray) -> Instance:
    """``inst`` with only the reach pairs inside one region: the same communities and spaces."""
    r = inst.reach
    keep = com_region[r.community] == space_region[r.space]
    reach = ReachTable(r.n_communities, r.n_spaces, r.community[keep], r.space[keep], r.walk_min[keep],
                       r.max_walk_min, r.source)
    return dataclasses.replace(inst, reach=reach)


def solve_regions(inst: Instance, options: SolverOptions) -> RegionalSolve:
    """Solve one (large) part as geographic regions (module docstring).

    Parameters
    ----------
    inst : Instance
        The part (one reach component, no budget).
    options : SolverOptions
        Its options: ``time_limit_s`` is the part's share (wall-clock mode; in deterministic
        mode every region has the node limit and the time is the safety net), ``threads``.

    Returns
    -------
    RegionalSolve
        The plan with every stage's figure on the part's program and its LP (or box) bound.
        ``plan`` is ``None`` when a region found no plan or the merged design does not fit the
        part's rows; the caller then solves the part whole.
    """
    t0 = time.perf_counter()
    deadline = t0 + options.time_limit_s
    n_regions = max(1, math.ceil(inst.n_communities / REGION_COMMUNITIES))
    com_region, space_region = region_labels(inst, n_regions, options.seed)
    narrow = restricted(inst, com_region, space_region)
    regions = split(narrow)
    plans, build_s = _solve_each(regions, options, t0 + REGIONS_TIME_SHARE * options.time_limit_s)
    t_b = time.perf_counter()
    model = build_model(inst)
    build_s += time.perf_counter() - t_b
    names = model.stages
    if any(p is None for p in plans) or interrupt.requested():
        return RegionalSolve(_no_plan(options, t0, "a region found no plan"), None, build_s, model.lp.summary(),
                             names, model.lp.objectives, len(regions))
    merged = merge_plans(narrow, regions, plans)  # type: ignore[arg-type]
    fixed = _reoptimised(model, merged, options, max(1.0, 0.5 * (deadline - time.perf_counter())))
    if fixed.values is None:
        return RegionalSolve(_no_plan(options, t0, f"the merged design does not fit the part: {fixed.message}"),
                             None, build_s, model.lp.summary(), names, model.lp.objectives, len(regions))
    stages = _bounded(model, fixed, options, deadline)
    status = SolveStatus.OPTIMAL if all(s.status is SolveStatus.OPTIMAL for s in stages) else SolveStatus.FEASIBLE
    result = SolveResult(status, options.backend, stages[-1].objective, stages[-1].bound, time.perf_counter() - t0,
                         fixed.values, stages, f"solved as {len(regions)} regions, re-optimised on the part")
    plan = extract_plan(model, result, inst.n_communities, inst.n_spaces, inst.n_services, inst.share_group)
    return RegionalSolve(result, plan, build_s, model.lp.summary(), names, model.lp.objectives, len(regions))


def _solve_each(regions: list[Part], options: SolverOptions, until: float) -> tuple[list[Plan | None], float]:
    """Each region solved lexicographically, one after the other, largest last; each gets its
    share of the time left before ``until`` in proportion to its reach pairs and spaces."""
    weight = [float(p.instance.reach.n_pairs + p.instance.n_spaces + 1) for p in regions]
    order = sorted(range(len(regions)), key=lambda i: (weight[i], i))
    plans: list[Plan | None] = [None] * len(regions)
    build_s = 0.0
    deterministic = options.deterministic
    for n, i in enumerate(order):
        if interrupt.requested():
            break
        left = until - time.perf_counter()
        share = left * weight[i] / sum(weight[j] for j in order[n:])
        if deterministic:
            share = max(left, 1.0)  # the node limit rules; the time is the safety net
        sub = regions[i].instance
        t_b = time.perf_counter()
        model = build_model(sub)
        build_s += time.perf_counter() - t_b
        result = closed_empty_spaces(model, solve(model.lp, options.model_copy(
            update={"time_limit_s": max(share, 0.5)})))
        plans[i] = extract_plan(model, result, sub.n_communities, sub.n_spaces, sub.n_services, sub.share_group)
    return plans, build_s


def _reoptimised(model: SitingModel, plan: Plan, options: SolverOptions, time_limit_s: float) -> SolveResult:
    """The part's program with its integer variables fixed at ``plan``'s design, solved stage by
    stage (HiGHS; with the design fixed only continuous choices are left)."""
    lp = model.lp
    x = design_values(model, plan)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[lp.integer] = ub[lp.integer] = x[lp.integer]
    fixed = dataclasses.replace(lp, lb=lb, ub=ub, hint=None, design=None)
    out = solve(fixed, options.model_copy(update={"backend": "highs", "time_limit_s": time_limit_s,
                                                  "relative_gap": 0.0, "threads": 1}))
    return closed_empty_spaces(model, out) if out.status.has_solution else out


def _bounded(model: SitingModel, fixed: SolveResult, options: SolverOptions,
             deadline: float) -> tuple[StageResult, ...]:
    """The re-optimised stages with the bounds of the part's program: stage k's LP relaxation with
    the stages before k held at this plan's values (as the lexicographic rows hold them)."""
    lp = model.lp
    stages: list[StageResult] = []
    rows: list[sp.csr_matrix] = []
    rhs: list[float] = []
    for k, (obj, st) in enumerate(zip(lp.objectives, fixed.stages)):
        sign = 1.0 if obj.sense == "min" else -1.0
        left = deadline - time.perf_counter()
        # the LP has what is left of the part's share (deterministic mode: the safety net's), and
        # none once that is spent: the box bound then stands
        relax = None if interrupt.requested() or left < 1.0 else lp_relaxation(
            lp, sign * obj.coefs, sign * obj.offset, sp.vstack(rows, format="csr") if rows else None,
            np.array(rhs) if rhs else None, time_limit_s=left)
        bound: float | None
        if relax is not None:
            bound, source = sign * relax.value, LP_BOUND_SOURCE + (" with the earlier stages held" if k else "")
        else:
            bound, source = lp.box_bound(obj), BOX_BOUND_SOURCE
        if bound is not None and st.objective is not None:
            bound = min(bound, st.objective) if obj.sense == "min" else max(bound, st.objective)
        gap = relative_gap(st.objective, bound)
        status = SolveStatus.OPTIMAL if gap is not None and gap <= options.relative_gap else SolveStatus.FEASIBLE
        stages.append(dataclasses.replace(st, status=status, bound=bound, bound_source="" if bound is None else source,
                                          solver="regions", time_limit_hit=relax is None))
        held = st.held_at if st.held_at is not None else st.objective
        if held is None:  # a stage without a figure holds nothing (the re-optimisation reached every stage)
            break
        tol = max(obj.abs_tol, obj.rel_tol * abs(held))
        rows.append(sp.csr_matrix(sign * obj.coefs))
        rhs.append(sign * (held - obj.offset) + tol)
    return tuple(stages)


def _no_plan(options: SolverOptions, t0: float, message: str) -> SolveResult:
    return SolveResult(SolveStatus.NO_SOLUTION, options.backend, None, None, time.perf_counter() - t0, None, (),
                       message)
