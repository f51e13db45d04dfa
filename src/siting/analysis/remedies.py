"""What would fix a shortfall, in planner's words: the nearest space that could host the service,
the floor area missing within the walking limit, or about how much more budget it would take.

Used by :func:`siting.analysis.tables.shortfall_table` (the ``fix`` column of ``shortfalls.csv``).
Budget figures are estimates ("about"): the cheapest single space within reach that could take
the missing floor area, priced as the model prices it (its fixed cost when it is not yet taken,
plus retrofit and operating cost per m² over the horizon); they ignore what the other rules
would also ask of that space.
"""

from __future__ import annotations

import numpy as np

from siting.core.instance import Instance
from siting.plan import Evaluation, Plan


def _money(v: float) -> str:
    if v >= 1e8:
        return f"{v / 1e8:,.2f} 亿 CNY"
    if v >= 1e4:
        return f"{v / 1e4:,.1f} 万 CNY"
    return f"{v:,.0f} CNY"


class Remedies:
    """Shortfall fixes for one plan (the instance's pairs and figures computed once)."""

    def __init__(self, inst: Instance, plan: Plan, ev: Evaluation) -> None:
        self.inst, self.plan, self.ev = inst, plan, ev
        xy_c = inst.communities[["x", "y"]].to_numpy(float)
        xy_s = inst.spaces[["x", "y"]].to_numpy(float)
        self._xy = (xy_c, xy_s)
        w = inst.settings.walking
        self._min_per_m = w.detour_factor / w.speed_m_per_min

    # ------------------------------------------------------------------ helpers
    def _straight_min(self, c: int, spaces: np.ndarray) -> np.ndarray:
        xy_c, xy_s = self._xy
        d = np.hypot(*(xy_s[spaces] - xy_c[c]).T)
        return d * self._min_per_m

    def _nearest(self, c: int, ok: np.ndarray) -> tuple[int, float] | None:
        """The nearest space with ``ok[j]`` from community ``c``: walking minutes from the reach
        table when the pair is in it, else straight line × detour ÷ speed."""
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            return None
        r = self.inst.reach
        mins = self._straight_min(c, cand)
        mask = (r.community == c) & ok[r.space]
        if mask.any():  # walking times where known (a network may be longer than the straight line)
            known = dict(zip(r.space[mask].tolist(), r.walk_min[mask].tolist()))
            mins = np.array([known.get(int(j), m) for j, m in zip(cand, mins)])
        k = int(np.argmin(mins))
        return int(cand[k]), float(mins[k])

    def _within(self, c: int, limit_min: float, ok: np.ndarray) -> np.ndarray:
        r = self.inst.reach
        mask = (r.community == c) & (r.walk_min <= limit_min + 1e-9) & ok[r.space]
        return np.unique(r.space[mask])

    def _cheapest(self, spaces: np.ndarray, area_m2: float) -> tuple[int, float] | None:
        """The space among ``spaces`` that adds ``area_m2`` for the least cost (room permitting)."""
        inst, ev = self.inst, self.ev
        room = inst.area_m2[spaces] - ev.used_area_m2[spaces]
        fits = room >= area_m2 - 1e-6
        if not fits.any():
            return None
        s = spaces[fits]
        cost = inst.per_m2_cost_cny[s] * area_m2 + np.where(self.plan.taken[s], 0.0, inst.fixed_cost_cny[s])
        k = int(np.argmin(cost))
        return int(s[k]), float(cost[k])

    # ------------------------------------------------------------------ the three rules
    def coverage(self, c: int, s: int, reason: str) -> str:
        inst, ev = self.inst, self.ev
        limit = float(inst.max_walk_min[s])
        m2 = float(ev.coverage_short_users[c, s] * inst.m2_per_user[s])
        hosts = inst.allowed[:, s].copy()
        if reason.startswith("no space within"):
            near = self._nearest(c, hosts)
            if near is None:
                return "no candidate space may host this service (floors, exclusions): add one within " \
                       f"{limit:.0f} min"
            j, minutes = near
            return (f"nearest space that may host it: {inst.space_ids[j]} at {minutes:.0f} min (limit "
                    f"{limit:.0f} min); or add a space within {limit:.0f} min")
        if reason.startswith("spaces within the walking limit are too small"):
            return f"about {m2:,.0f} m² more floor area for it within {limit:.0f} min"
        if reason == "budget exhausted":
            best = self._cheapest(self._within(c, limit, hosts), m2)
            if best is None:
                return f"about {m2:,.0f} m² more floor area within {limit:.0f} min, and the budget for it"
            j, cost = best
            return f"about {_money(cost)} more budget ({m2:,.0f} m² in {inst.space_ids[j]})"
        return f"about {m2:,.0f} m² more floor area for it within {limit:.0f} min"

    def area(self, c: int, reason: str) -> str:
        inst, ev = self.inst, self.ev
        reach_min = float(inst.preset.area_reach_min)
        short = float(ev.area_short_m2[c])
        open_ok = ~inst.forbidden
        if reason.startswith("no candidate space within"):
            near = self._nearest(c, open_ok)
            if near is None:
                return f"add a candidate space within {reach_min:.0f} min ({short:,.0f} m² short)"
            j, minutes = near
            return (f"nearest candidate space: {inst.space_ids[j]} at {minutes:.0f} min (the standard counts "
                    f"spaces within {reach_min:.0f} min); {short:,.0f} m² short")
        if reason == "budget exhausted":
            best = self._cheapest(self._within(c, reach_min, open_ok), short)
            if best is not None:
                j, cost = best
                return f"about {_money(cost)} more budget ({short:,.0f} m² in {inst.space_ids[j]})"
        return f"about {short:,.0f} m² more floor area within {reach_min:.0f} min"

    def hub(self, c: int, reason: str) -> str:
        inst = self.inst
        reach_min = float(inst.preset.hub.reach_min)
        need = float(inst.hub_min_area_m2[c])
        big = (inst.area_m2 >= need - 1e-6) & ~inst.forbidden
        within = self._within(c, reach_min, big)
        if within.size == 0:
            near = self._nearest(c, big)
            where = ("; no candidate space is that large" if near is None
                     else f"; the nearest is {inst.space_ids[near[0]]} at {near[1]:.0f} min")
            return f"a space of at least {need:,.0f} m² within {reach_min:.0f} min{where}"
        if reason.startswith("budget"):
            cost = inst.per_m2_cost_cny[within] * need + np.where(self.plan.taken[within], 0.0,
                                                                  inst.fixed_cost_cny[within])
            k = int(np.argmin(cost))
            return f"about {_money(float(cost[k]))} more budget (a hub of {need:,.0f} m² in " \
                   f"{inst.space_ids[int(within[k])]})"
        ok = np.zeros(inst.n_spaces, dtype=bool)
        ok[within] = True
        near = self._nearest(c, ok)
        if near is None:  # (within is not empty here)
            return f"host 3 functions (2 core) on at least {need:,.0f} m² in one space within {reach_min:.0f} min"
        j, minutes = near
        return (f"host 3 functions (2 core) on at least {need:,.0f} m² in one space within {reach_min:.0f} min, "
                f"e.g. {inst.space_ids[j]} at {minutes:.0f} min")
