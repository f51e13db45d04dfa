"""Progress reports during a solve, and the parsers that turn solver log lines into them.

OR-Tools streams every backend's log through MathOpt's message callback; the three
parsers below read the incumbent objective and the best bound out of SCIP's node table,
HiGHS's branch-and-bound table and CP-SAT's ``#k ... best:... next:[lo,hi]`` lines.
A parser returns ``(objective, bound)`` or ``None`` for a line that carries neither.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from siting.core.results import relative_gap


@dataclass(frozen=True)
class Progress:
    """One progress report during a solve (fed by solver callbacks or the solver log)."""

    stage: int
    n_stages: int
    elapsed_s: float
    objective: float | None
    bound: float | None
    part: int = 0
    n_parts: int = 1
    done: bool = False  # a part of a decomposed solve finished its pass: its last stage's final figures

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)


ProgressCallback = Callable[[Progress], None]

_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def _num(token: str) -> float | None:
    token = token.strip().rstrip("%")
    if not token or token in {"-", "--", "inf", "Inf", "Large"}:
        return None
    try:
        v = float(token)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class ScipLogParser:
    """SCIP node table: ``time | node | ... | dualbound | primalbound | gap | compl.``"""

    def __init__(self) -> None:
        self._dual = self._primal = None

    def __call__(self, line: str) -> tuple[float | None, float | None] | None:
        if "|" not in line:
            return None
        cells = [c.strip() for c in line.split("|")]
        if "dualbound" in cells and "primalbound" in cells:
            self._dual, self._primal = cells.index("dualbound"), cells.index("primalbound")
            return None
        if self._dual is None or len(cells) <= max(self._dual, self._primal):
            return None
        if not re.match(r"^[a-zA-Z*]?\s*\d+(\.\d+)?s$", cells[0]):
            return None
        return _num(cells[self._primal]), _num(cells[self._dual])


class HighsLogParser:
    """HiGHS MIP table: ``... | BestBound BestSol Gap | ...``."""

    def __init__(self) -> None:
        self._seen_header = False

    def __call__(self, line: str) -> tuple[float | None, float | None] | None:
        if "BestBound" in line and "BestSol" in line:
            self._seen_header = True
            return None
        if not self._seen_header:
            return None
        tokens = line.split()
        # "... Leaves Expl.% | BestBound BestSol Gap | ...": the first % token is Expl.
        for k, tok in enumerate(tokens):
            if tok.endswith("%"):
                if k + 2 < len(tokens):
                    return _num(tokens[k + 2]), _num(tokens[k + 1])
                return None
        return None


class CpSatLogParser:
    """CP-SAT search progress: ``#3  0.12s best:42 next:[43,57] ...``."""

    _re = re.compile(rf"^#(?:\d+|Bound|Model|Done)\s+\S+s\s+best:({_NUM}|inf|-inf)\s+next:\[({_NUM}),({_NUM})\]")

    def __init__(self, maximize: bool) -> None:
        self.maximize = maximize

    def __call__(self, line: str) -> tuple[float | None, float | None] | None:
        m = self._re.match(line.strip())
        if not m:
            return None
        best, lo, hi = _num(m.group(1)), _num(m.group(2)), _num(m.group(3))
        return best, (hi if self.maximize else lo)


class LogProgress:
    """A MathOpt ``msg_cb`` that parses lines and forwards throttled progress reports."""

    def __init__(
        self,
        parser: Callable[[str], tuple[float | None, float | None] | None],
        callback: ProgressCallback | None,
        stage: int,
        n_stages: int,
        start: float,
        keep_lines: int = 60,
        min_interval_s: float = 0.2,
    ) -> None:
        self.parser, self.callback = parser, callback
        self.stage, self.n_stages, self.start = stage, n_stages, start
        self.objective: float | None = None
        self.bound: float | None = None
        self.lines: list[str] = []
        self.keep_lines = keep_lines
        self._last = 0.0
        self._min_interval = min_interval_s

    def __call__(self, lines: list[str]) -> None:
        changed = False
        for line in lines:
            self.lines.append(line)
            parsed = self.parser(line)
            if parsed is None:
                continue
            obj, bound = parsed
            if obj is not None:
                self.objective = obj
            if bound is not None:
                self.bound = bound
            changed = True
        if len(self.lines) > 4 * self.keep_lines:
            self.lines = self.lines[-self.keep_lines :]
        now = time.perf_counter()
        if changed and self.callback is not None and now - self._last >= self._min_interval:
            self._last = now
            self.emit()

    def emit(self) -> None:
        if self.callback is not None:
            self.callback(
                Progress(self.stage, self.n_stages, time.perf_counter() - self.start, self.objective, self.bound)
            )
