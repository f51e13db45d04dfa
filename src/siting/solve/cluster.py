"""Independent parts on a Dask cluster: the client, its size, and a remote solve that a stop ends.

``solve_instance(inst, options, client=...)`` (``siting run --scheduler tcp://host:port``) solves
the parts of an instance (:mod:`siting.solve.schedule`) on the workers of an existing Dask
cluster instead of local threads: the schedule is the same (time shares, stage-first pass,
resume passes), and each part's solve runs on a worker with one thread. In deterministic mode
(docs/determinism.md) a part's result does not depend on where it runs, so the plan equals the
single-process one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from siting.errors import SitingError
from siting.solvers import interrupt

CONNECT_TIMEOUT_S = 5.0  # an unreachable --scheduler is an error after this long, not a hang
_POLL_S = 0.25  # how often a thread waiting on a remote solve looks for a stop request


def dask_client(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> Any:
    """A ``distributed.Client`` connected to the scheduler at ``address``.

    Raises
    ------
    SitingError
        ``distributed`` is not installed, or no scheduler answered within ``timeout_s`` seconds.
    """
    try:
        from distributed import Client
    except ImportError:
        raise SitingError(f"--scheduler {address}: the Dask client is not installed "
                          "(pip install 'siting[dask]')") from None
    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SitingError(f"--scheduler {address}: no Dask scheduler answered within {timeout_s:g} s "
                          f"({type(exc).__name__}: {exc})") from None


def cluster_threads(client: Any) -> int:
    """Worker threads of the cluster (at least 1): how many parts run at once."""
    return max(1, int(sum(client.nthreads().values())))


def remote(client: Any, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` on a worker of ``client``'s cluster; waits for it, ending the task when a stop
    is requested (:mod:`siting.solvers.interrupt`), then returning ``None``. A task already
    running on a worker is not interrupted there: its result is dropped."""
    from distributed import TimeoutError as DaskTimeout

    fut = client.submit(_on_worker, fn, interrupt.armed(), args, pure=False)
    while True:
        if interrupt.requested():
            fut.cancel()
            return None
        try:
            return fut.result(timeout=_POLL_S)
        except (DaskTimeout, TimeoutError):
            time.sleep(0)


def _on_worker(fn: Callable[..., Any], armed: bool, args: tuple[Any, ...]) -> Any:
    """``fn(*args)`` on a worker, with its solvers listening for a stop as this process's would
    (the CLI arms them: SCIP then gets a node callback, which changes its path, not its proofs;
    so a remote part follows the same path as a local one, docs/determinism.md)."""
    if not armed:
        return fn(*args)
    with interrupt.listen():
        return fn(*args)

