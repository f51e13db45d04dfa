"""A solver-neutral, vectorized linear program: the hand-over between model builders and backends.

Variables and constraints are added in named *blocks* from numpy arrays (COO triplets),
never one by one, so that a model with millions of non-zeros is built in seconds.
The program may have several objectives, solved **lexicographically**: stage k optimises
objective k subject to every earlier objective staying within its tolerance of the value
reached (see :func:`siting.solvers.solve`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from siting.errors import ModelError


@dataclass(frozen=True)
class Block:
    """A named, contiguous range of variable or constraint ids."""

    name: str
    start: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 1

    @property
    def ids(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.size, dtype=np.int64)


@dataclass(frozen=True)
class Objective:
    """One linear objective: ``sense`` (min/max) of ``coefs · x + offset``.

    ``abs_tol`` / ``rel_tol`` say how far later stages may move this objective away from
    the value this stage reached (the lexicographic tolerance).
    """

    name: str
    sense: str  # "min" | "max"
    coefs: np.ndarray  # dense, length n_vars
    offset: float = 0.0
    abs_tol: float = 1e-6
    rel_tol: float = 1e-6

    def value(self, x: np.ndarray) -> float:
        return float(self.coefs @ x + self.offset)


@dataclass(frozen=True)
class LinearProgram:
    """min/max c·x  s.t.  row_lb ≤ A x ≤ row_ub,  lb ≤ x ≤ ub,  x_i integer for i in integers."""

    name: str
    lb: np.ndarray
    ub: np.ndarray
    integer: np.ndarray  # bool
    A: sp.csr_matrix
    row_lb: np.ndarray
    row_ub: np.ndarray
    objectives: tuple[Objective, ...]
    var_blocks: dict[str, Block] = field(default_factory=dict)
    con_blocks: dict[str, Block] = field(default_factory=dict)
    hint: np.ndarray | None = None
    design: np.ndarray | None = None  # bool mask: variables fixed in the completion step of later stages

    @property
    def n_vars(self) -> int:
        return int(self.lb.shape[0])

    @property
    def n_cons(self) -> int:
        return int(self.row_lb.shape[0])

    def block_values(self, values: np.ndarray, name: str) -> np.ndarray:
        b = self.var_blocks[name]
        return values[b.start : b.start + b.size].reshape(b.shape)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation of a bound, row or integrality by ``x`` (0 when feasible)."""
        ax = self.A @ x
        viol = [
            np.max(self.lb - x, initial=0.0),
            np.max(x - self.ub, initial=0.0),
            np.max(self.row_lb - ax, initial=0.0),
            np.max(ax - self.row_ub, initial=0.0),
        ]
        if self.integer.any():
            xi = x[self.integer]
            viol.append(np.max(np.abs(xi - np.round(xi)), initial=0.0))
        return float(max(viol))

    def box_bound(self, objective: Objective) -> float | None:
        """The box relaxation's optimum of ``objective``: every variable at whichever of its
        bounds is best for it, all rows dropped. A valid bound that needs no solver (weak:
        used only when no time is left for anything better); ``None`` when it is infinite."""
        c = objective.coefs if objective.sense == "min" else -objective.coefs
        at = np.where(c > 0, self.lb, self.ub)
        nz = c != 0
        if not np.all(np.isfinite(at[nz])):
            return None
        box = float(c[nz] @ at[nz])
        return box + objective.offset if objective.sense == "min" else -box + objective.offset

    def satisfies(self, x: np.ndarray, A: sp.csr_matrix | None = None, row_lb: np.ndarray | None = None,
                  row_ub: np.ndarray | None = None) -> bool:
        """Whether ``x`` meets the rows (``A``/``row_lb``/``row_ub``, default the program's own),
        bounds and integrality within 1e-6 (rows scaled by max(1, |a·x|)): the test a plan from
        outside the solver, or a solver's plan that may lean on its tolerances, must pass."""
        if x.shape != self.lb.shape:
            return False
        A = self.A if A is None else A
        ax = A @ x
        lo = self.row_lb if row_lb is None else row_lb
        hi = self.row_ub if row_ub is None else row_ub
        scale = 1e-6 * np.maximum(1.0, np.abs(ax))
        if np.any(ax < lo - scale) or np.any(ax > hi + scale):
            return False
        if np.any(x < self.lb - 1e-6) or np.any(x > self.ub + 1e-6):
            return False
        xi = x[self.integer]
        return bool(np.all(np.abs(xi - np.round(xi)) <= 1e-6))

    def summary(self) -> dict[str, int]:
        return {
            "variables": self.n_vars,
            "integer_variables": int(self.integer.sum()),
            "constraints": self.n_cons,
            "nonzeros": int(self.A.nnz),
        }


class LinearProgramBuilder:
    """Collects variable and constraint blocks; :meth:`build` freezes them."""

    def __init__(self, name: str = "siting") -> None:
        self.name = name
        self._lb: list[np.ndarray] = []
        self._ub: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._n = 0
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._rlb: list[np.ndarray] = []
        self._rub: list[np.ndarray] = []
        self._m = 0
        self.var_blocks: dict[str, Block] = {}
        self.con_blocks: dict[str, Block] = {}
        self._objectives: list[tuple[str, str, dict[int, float] | None, list, float, float, float]] = []

    @property
    def n_vars(self) -> int:
        return self._n

    @property
    def objective_names(self) -> tuple[str, ...]:
        return tuple(o[0] for o in self._objectives)

    def add_variables(
        self,
        name: str,
        shape: int | tuple[int, ...],
        *,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = np.inf,
        integer: bool = False,
    ) -> np.ndarray:
        """Add a block of variables; returns their ids with the given shape."""
        if name in self.var_blocks:
            raise ModelError(f"variable block '{name}' defined twice")
        shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
        n = int(np.prod(shape)) if shape else 1
        self._lb.append(np.broadcast_to(np.asarray(lb, dtype=float), shape).reshape(-1).copy())
        self._ub.append(np.broadcast_to(np.asarray(ub, dtype=float), shape).reshape(-1).copy())
        self._int.append(np.full(n, bool(integer)))
        block = Block(name, self._n, shape)
        self.var_blocks[name] = block
        self._n += n
        return block.ids.reshape(shape)

    def add_binaries(
        self, name: str, shape: int | tuple[int, ...], *, lb: float | np.ndarray = 0.0, ub: float | np.ndarray = 1.0
    ) -> np.ndarray:
        return self.add_variables(name, shape, lb=lb, ub=ub, integer=True)

    def add_constraints(
        self,
        name: str,
        n_rows: int,
        rows: np.ndarray,
        cols: np.ndarray,
        coefs: np.ndarray | float,
        *,
        lb: float | np.ndarray = -np.inf,
        ub: float | np.ndarray = np.inf,
    ) -> np.ndarray:
        """Add ``n_rows`` rows ``lb ≤ Σ coefs·x[cols] ≤ ub`` given as COO triplets (row local ids)."""
        if name in self.con_blocks:
            raise ModelError(f"constraint block '{name}' defined twice")
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        cols = np.asarray(cols, dtype=np.int64).reshape(-1)
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), rows.shape).reshape(-1)
        if rows.size and (rows.min() < 0 or rows.max() >= n_rows):
            raise ModelError(f"constraint block '{name}': row index out of range")
        if cols.size and (cols.min() < 0 or cols.max() >= self._n):
            raise ModelError(f"constraint block '{name}': variable index out of range")
        self._rows.append(rows + self._m)
        self._cols.append(cols)
        self._vals.append(coefs.astype(float))
        self._rlb.append(np.broadcast_to(np.asarray(lb, dtype=float), (n_rows,)).copy())
        self._rub.append(np.broadcast_to(np.asarray(ub, dtype=float), (n_rows,)).copy())
        block = Block(name, self._m, (n_rows,))
        self.con_blocks[name] = block
        self._m += n_rows
        return block.ids

    def add_objective(
        self,
        name: str,
        sense: str,
        cols: np.ndarray,
        coefs: np.ndarray | float,
        *,
        offset: float = 0.0,
        abs_tol: float = 1e-6,
        rel_tol: float = 1e-6,
    ) -> None:
        """Append a lexicographic objective stage (first added = highest priority)."""
        if sense not in ("min", "max"):
            raise ModelError(f"objective '{name}': sense must be 'min' or 'max'")
        cols = np.asarray(cols, dtype=np.int64).reshape(-1)
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), cols.shape).reshape(-1)
        self._objectives.append((name, sense, None, [cols, coefs.copy()], offset, abs_tol, rel_tol))

    def build(self, hint: np.ndarray | None = None, design: tuple[str, ...] = ()) -> LinearProgram:
        n, m = self._n, self._m
        if n == 0:
            raise ModelError("the model has no variables")

        def cat(xs: list[np.ndarray], dt: type) -> np.ndarray:
            return np.concatenate(xs).astype(dt, copy=False) if xs else np.zeros(0, dtype=dt)

        A = sp.coo_matrix(
            (cat(self._vals, float), (cat(self._rows, np.int64), cat(self._cols, np.int64))), shape=(m, n)
        ).tocsr()
        A.sum_duplicates()
        A.eliminate_zeros()
        objectives = []
        for name, sense, _, (cols, coefs), offset, abs_tol, rel_tol in self._objectives:
            c = np.zeros(n)
            np.add.at(c, cols, coefs)
            objectives.append(Objective(name, sense, c, offset, abs_tol, rel_tol))
        if not objectives:
            raise ModelError("the model has no objective")
        return LinearProgram(
            name=self.name,
            lb=cat(self._lb, float),
            ub=cat(self._ub, float),
            integer=cat(self._int, bool),
            A=A,
            row_lb=cat(self._rlb, float),
            row_ub=cat(self._rub, float),
            objectives=tuple(objectives),
            var_blocks=dict(self.var_blocks),
            con_blocks=dict(self.con_blocks),
            hint=hint,
            design=self._design_mask(design, n),
        )

    def _design_mask(self, names: tuple[str, ...], n: int) -> np.ndarray | None:
        if not names:
            return None
        mask = np.zeros(n, dtype=bool)
        for name in names:
            b = self.var_blocks[name]
            mask[b.start : b.start + b.size] = True
        return mask
