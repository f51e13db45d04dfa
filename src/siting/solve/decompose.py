"""Exact decomposition into independent parts (connected components of the reach graph).

Communities interact only through spaces they can both reach, the budget, and the
equity objective's worst-community coverage. Without a budget, in the ``standards`` and
``demand`` modes, the program therefore splits into the connected components of the
bipartite graph communities — spaces (pairs within the largest reach):

* every objective stage is a sum over components, so its minimum is the sum of the
  components' minima;
* the lexicographic constraint of a later stage, Σ_k f_k ≤ Σ_k f_k*, with f_k ≥ f_k* for
  every k, forces f_k = f_k* in each component — so solving the components one by one,
  each lexicographically, is the same program.

The merged bound is the sum of the components' bounds (minimisation) and a merged result is
"optimal" only if every component is. Spaces no community reaches form one trivial part:
taken only if required, hosting nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from siting.core.instance import Instance
from siting.core.phasing import has_yearly_budget, phasing_of
from siting.core.results import SolveResult, SolveStatus, StageResult
from siting.core.results import relative_gap as relative_gap_of
from siting.plan import Plan
from siting.travel.reach import ReachTable


@dataclass(frozen=True, eq=False)
class Part:
    instance: Instance
    communities: np.ndarray  # global indices
    spaces: np.ndarray  # global indices


def decomposable(inst: Instance) -> bool:
    """The parts are independent programs: no budget, and a mode whose stages are sums."""
    return (inst.budget_cny is None and not has_yearly_budget(inst)
            and inst.settings.objective.mode in ("standards", "demand"))


def coupled(inst: Instance) -> bool:
    """The parts share only the budget rows (and, from the second stage, the held stage rows):
    a budget, or yearly budgets (phasing), in a mode whose stages are sums
    (:mod:`siting.solve.coordinate`)."""
    return ((inst.budget_cny is not None or has_yearly_budget(inst))
            and inst.settings.objective.mode in ("standards", "demand"))


def components(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """Component label of every community and every space (-1: a space no community reaches)."""
    r = inst.reach
    C, J = inst.n_communities, inst.n_spaces
    g = sp.coo_matrix((np.ones(r.n_pairs), (r.community, C + r.space)), shape=(C + J, C + J))
    _, lab = connected_components(g, directed=False)
    com_lab = lab[:C]
    _, com_lab = np.unique(com_lab, return_inverse=True)
    space_lab = np.full(J, -1, dtype=np.int64)
    reached = np.zeros(J, dtype=bool)
    reached[r.space] = True
    # map the space's graph label to its community component
    lab_to_comp = dict(zip(lab[:C].tolist(), com_lab.tolist()))
    space_lab[reached] = [lab_to_comp[x] for x in lab[C:][reached].tolist()]
    return com_lab.astype(np.int64), space_lab


def split(inst: Instance) -> list[Part]:
    """Sub-instances, one per component (largest first)."""
    com_lab, space_lab = components(inst)
    r = inst.reach
    parts: list[Part] = []
    order = np.argsort(-np.bincount(com_lab))
    for k in order:
        cs = np.flatnonzero(com_lab == k)
        js = np.flatnonzero(space_lab == k)
        cpos = np.full(inst.n_communities, -1, dtype=np.int64)
        cpos[cs] = np.arange(cs.size)
        jpos = np.full(inst.n_spaces, -1, dtype=np.int64)
        jpos[js] = np.arange(js.size)
        keep = (cpos[r.community] >= 0) & (jpos[r.space] >= 0)
        reach = ReachTable(cs.size, js.size, cpos[r.community[keep]], jpos[r.space[keep]], r.walk_min[keep],
                           r.max_walk_min, r.source)
        adj = inst.adjacency
        if adj.size:
            a, b = cpos[adj[:, 0]], cpos[adj[:, 1]]
            adj = np.column_stack([a, b])[(a >= 0) & (b >= 0)]
        ids = set(inst.spaces["space_id"].iloc[js])
        policy = inst.settings.spaces.model_copy(update={
            "locked": tuple(i for i in inst.settings.spaces.locked if i in ids),
            "forbidden": tuple(i for i in inst.settings.spaces.forbidden if i in ids),
        })
        settings = inst.settings.model_copy(update={"spaces": policy})
        sub = Instance(
            inst.communities.iloc[cs].reset_index(drop=True), inst.spaces.iloc[js].reset_index(drop=True),
            inst.catalogue, inst.preset, settings, reach, adj.astype(np.int64).reshape(-1, 2),
            f"{inst.name}[part {len(parts) + 1}]", inst.applied_overrides,
        )
        parts.append(Part(sub, cs, js))
    return parts


def merge_plans(inst: Instance, parts: list[Part], plans: list[Plan]) -> Plan:
    """Lift the parts' plans to the whole instance (spaces no one reaches: taken iff required)."""
    J, S, C = inst.n_spaces, inst.n_services, inst.n_communities
    taken = inst.must_take.copy()
    hosted = np.zeros((J, S), dtype=bool)
    area = np.zeros((J, S))
    hub = np.full(C, -1, dtype=np.int64)
    ph = phasing_of(inst)
    open_year = None if ph is None else np.where(taken, ph.start, -1)  # unreached required: first year
    links: list[tuple[np.ndarray, ...]] = []
    attrs: list[tuple[np.ndarray, ...]] = []
    for part, p in zip(parts, plans):
        taken[part.spaces] = p.taken
        hosted[part.spaces] = p.hosted
        area[part.spaces] = p.service_area_m2
        if open_year is not None and p.open_year is not None:
            open_year[part.spaces] = p.open_year
        has = p.hub_space >= 0
        hub[part.communities[has]] = part.spaces[p.hub_space[has]]
        links.append((part.communities[p.served_community], part.spaces[p.served_space], p.served_service,
                      p.served_users))
        attrs.append((part.communities[p.attributed_community], part.spaces[p.attributed_space], p.attributed_m2))
    cat = lambda xs, i, dt: np.concatenate([x[i] for x in xs]).astype(dt) if xs else np.zeros(0, dt)  # noqa: E731
    return Plan(taken, hosted, area, cat(links, 0, np.int64), cat(links, 1, np.int64), cat(links, 2, np.int64),
                cat(links, 3, float), cat(attrs, 0, np.int64), cat(attrs, 1, np.int64), cat(attrs, 2, float),
                hub, None, plans[0].stages if plans else (), open_year)


def merge_results(results: list[SolveResult], stage_names: tuple[str, ...], seconds: float,
                  offset_cost: float, relative_gap: float) -> SolveResult:
    """Sum the parts' stage objectives and bounds. A stage is optimal when every part's is, or
    when the merged bound proves the merged objective within ``relative_gap`` (the sum of the
    parts' bounds is a valid bound of the whole)."""
    if any(not r.status.has_solution for r in results):
        bad = next(r for r in results if not r.status.has_solution)
        return SolveResult(bad.status, bad.backend, None, None, seconds, None, (), bad.message, bad.log_tail)
    stages = []
    for k, name in enumerate(stage_names):
        objs = [r.stages[k].objective if k < len(r.stages) else None for r in results]
        bounds = [r.stages[k].bound if k < len(r.stages) else None for r in results]
        statuses = [r.stages[k].status if k < len(r.stages) else SolveStatus.NO_SOLUTION for r in results]
        obj = None if any(o is None for o in objs) else float(sum(objs))
        bound = None if any(b is None for b in bounds) else float(sum(bounds))
        if name == "cost" and obj is not None:
            obj += offset_cost
            bound = None if bound is None else bound + offset_cost
        gap = relative_gap_of(obj, bound)
        if all(s is SolveStatus.OPTIMAL for s in statuses) or (
                all(s.has_solution for s in statuses) and gap is not None and gap <= relative_gap):
            st = SolveStatus.OPTIMAL
        else:
            st = SolveStatus.FEASIBLE if all(s.has_solution for s in statuses) else SolveStatus.NO_SOLUTION
        solvers = sorted({r.stages[k].solver for r in results if k < len(r.stages) and r.stages[k].solver})
        n_lp = sum(r.stages[k].bound_source.startswith("LP relaxation") for r in results if k < len(r.stages))
        n_box = sum(r.stages[k].bound_source.startswith("bounds of the variables") for r in results
                    if k < len(r.stages))
        others = [f"LP relaxation for {n_lp}"] * bool(n_lp) + [
            f"the variables' bounds for {n_box} that had no time left"] * bool(n_box)
        source = "" if bound is None else f"sum of the {len(results)} parts' MIP dual bounds" + (
            f" ({', '.join(others)} of them)" if others else "")
        ran = [r.stages[k] for r in results if k < len(r.stages)]
        stages.append(StageResult(name, st, obj, bound, float(sum(x.seconds for x in ran)), "/".join(solvers),
                                  bound_source=source, nodes=int(sum(x.nodes for x in ran)),
                                  time_limit_hit=any(x.time_limit_hit for x in ran)))
    status = SolveStatus.OPTIMAL if all(s.status is SolveStatus.OPTIMAL for s in stages) else SolveStatus.FEASIBLE
    last = stages[-1]
    return SolveResult(status, results[0].backend, last.objective, last.bound, seconds, None, tuple(stages),
                       f"solved as {len(results)} independent parts")
