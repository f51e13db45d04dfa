"""Stopping a solve early on request (Ctrl-C): the best plan so far stands, marked not proven.

One process-wide request flag. Each running solver registers how to stop it
(:func:`stoppable`: an OR-Tools ``SolveInterrupter``, the CBC child process); :func:`request`
sets the flag and stops every one of them, from any thread. The solve layers read
:func:`requested` where they would otherwise start more work (a stage, a part, a resume pass,
a pricing round) and treat it as "no time left": the plan found so far is kept.

:func:`catch_sigint` turns the first Ctrl-C (SIGINT) into such a request, for the duration of
a solve; a second Ctrl-C raises :class:`KeyboardInterrupt` as usual. The signal is also
noticed while the main thread is inside a solver's C++ code (a wake-up file descriptor read by
a watcher thread), so a solve of one part stops as promptly as parts solved in threads. How each
engine is stopped is in :func:`siting.solvers.ortools_backend._stop_arguments` (HiGHS cannot be:
it ends at its own node or time limit).

Notes
-----
A request stays set until the next :func:`clear` (``catch_sigint`` clears it on entry), so a
solve started after it stops at once. The flag is per process: a sweep's worker processes each
have their own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_requested = threading.Event()
_lock = threading.Lock()
_stoppers: dict[int, Callable[[], None]] = {}
_next_id = 0
_armed = 0  # blocks under arm() / catch_sigint()
_scratch: set[tuple[str, bool]] = set()  # (path or glob pattern, is a pattern)
_stderr_fd = 2  # the real stderr while fd 2 goes through the filter of _quiet_scip_event_errors


def armed() -> bool:
    """Whether a stop can be requested now (inside :func:`catch_sigint` or :func:`arm`)."""
    return _armed > 0


@contextmanager
def arm() -> Iterator[None]:
    """Let solvers started in the block listen for :func:`request` (for callers that request a
    stop themselves, e.g. from another thread, instead of by Ctrl-C)."""
    global _armed
    with _lock:
        _armed += 1
    try:
        yield
    finally:
        with _lock:
            _armed -= 1


@contextmanager
def listen() -> Iterator[None]:
    """:func:`arm` for a process whose stop is requested by another (a sweep's pool worker, told by
    its parent), with the harmless SCIP lines a stoppable solve prints filtered out of fd 2, as
    :func:`catch_sigint` does (each process filters its own: lines from processes sharing one
    stderr would interleave)."""
    with arm(), _quiet_scip_event_errors():
        yield


def requested() -> bool:
    """Whether a stop was requested (the current solve should keep what it has and end)."""
    return _requested.is_set()


def clear() -> None:
    """Forget an earlier request (before a new solve)."""
    _requested.clear()


def request() -> None:
    """Ask every running solver to stop now, and every later step not to start (any thread)."""
    _requested.set()
    with _lock:
        stoppers = list(_stoppers.values())
    for stop in stoppers:
        with contextlib.suppress(Exception):  # a solver that already ended may refuse; the flag holds
            stop()


@contextmanager
def stoppable(stop: Callable[[], None]) -> Iterator[None]:
    """Register ``stop`` (how to end the running solve) for the block; it is called at once when
    a stop was already requested, and at most once per request while the block runs."""
    global _next_id
    with _lock:
        key = _next_id
        _next_id += 1
        _stoppers[key] = stop
    try:
        if requested():
            stop()
        yield
    finally:
        with _lock:
            _stoppers.pop(key, None)


@contextmanager
def scratch(path: str, *, pattern: bool = False) -> Iterator[None]:
    """Register a temporary folder of a running solve (or, with ``pattern``, a glob pattern of
    them, e.g. an atomic write's temporary sibling): a second Ctrl-C, which ends the process at
    once (:func:`catch_sigint`), removes it first."""
    key = (path, pattern)
    with _lock:
        _scratch.add(key)
    try:
        yield
    finally:
        with _lock:
            _scratch.discard(key)


STOPPING = ("\nstopping: the solvers end now and the best plan found so far is kept "
            "(Ctrl-C again to quit at once, writing nothing)\n")
ABANDONED = "\ninterrupted: nothing was written\n"


def end_now(code: int = 130, *, say: bool = True) -> None:
    """End this process at once: stop the solvers' child processes, remove scratch folders, print
    :data:`ABANDONED` (with ``say``), exit with ``code`` (the second Ctrl-C; a sweep worker whose
    parent is gone)."""
    import glob
    import shutil

    request()
    with _lock:
        entries = list(_scratch)
    for path, pattern in entries:
        for folder in glob.glob(path) if pattern else [path]:
            shutil.rmtree(folder, ignore_errors=True)
    if say:
        with contextlib.suppress(OSError):  # past the filter: its reader thread dies with the process
            os.write(_stderr_fd, ABANDONED.encode())
    os._exit(code)


# what OR-Tools 9.15's SCIP prints to stderr (fd 2, from C) on every solve given a callback, which
# is how a SCIP solve is stopped (siting.solvers.ortools_backend._stop_arguments); harmless
_SCIP_NOISE = (b"SCIPcatchEvent does not support variable or row change events", b"gscip_event_handler.cc")


def _pipe_like(fd: int) -> tuple[int, int]:
    """(read end, write end) standing in for ``fd``: a pseudo-terminal of the same size when ``fd``
    is a terminal (so the live progress line still sees one), else a pipe."""
    if not os.isatty(fd):
        return os.pipe()
    import fcntl
    import termios

    master, slave = os.openpty()
    with contextlib.suppress(OSError):
        fcntl.ioctl(slave, termios.TIOCSWINSZ, fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    return master, slave


@contextmanager
def _quiet_scip_event_errors() -> Iterator[None]:
    """For the block, fd 2 goes through a pipe whose reader thread passes every line on to the
    real stderr except the two lines of :data:`_SCIP_NOISE`."""
    try:
        real = os.dup(2)
        r, w = _pipe_like(real)
    except OSError:  # pragma: no cover - no fds left: leave stderr as it is
        yield
        return
    import sys

    def pump() -> None:
        rest = b""
        while True:
            try:
                chunk = os.read(r, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            rest += chunk
            *lines, rest = rest.split(b"\n")
            keep = b"".join(line + b"\n" for line in lines if not any(n in line for n in _SCIP_NOISE))
            if keep:
                with contextlib.suppress(OSError):
                    os.write(real, keep)
        if rest:
            with contextlib.suppress(OSError):
                os.write(real, rest)

    global _stderr_fd
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    os.dup2(w, 2)
    os.close(w)
    reader = threading.Thread(target=pump, name="siting-stderr", daemon=True)
    reader.start()
    outer, _stderr_fd = _stderr_fd, real
    try:
        yield
    finally:
        _stderr_fd = outer
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(real, 2)  # closes the pipe's last write end: the reader drains and ends
        reader.join(timeout=2.0)
        os.close(real)
        os.close(r)


@contextmanager
def catch_sigint() -> Iterator[None]:
    """For the block: the first SIGINT requests a stop (:func:`request`): every solver ends now and
    the caller gets the best plan found so far; a second one ends the process at once (exit code
    130, nothing written: the output folder is written only after the solve). Does nothing outside
    the main thread. The request flag is cleared on entry and left set on exit, so the caller can
    ask :func:`requested` afterwards.

    Notes
    -----
    Python runs a signal handler only between bytecodes of the main thread, which may be inside a
    solver's C++ code for minutes (a solve of one part). So the C-level handler's wake-up file
    descriptor is read by a watcher thread, which acts on each signal at once.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    clear()

    def on_sigint(signum, frame) -> None:  # the watcher thread does the work
        request()

    r, w = os.pipe()
    os.set_blocking(w, False)
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        old_fd = signal.set_wakeup_fd(w, warn_on_full_buffer=False)
    except (ValueError, OSError):  # pragma: no cover - not the main thread / no support
        old_fd = None

    def watch() -> None:
        seen = 0
        while True:
            try:
                data = os.read(r, 64)
            except OSError:
                return
            if not data:
                return
            for byte in data:
                if byte != signal.SIGINT:
                    continue
                seen += 1
                if seen > 1:
                    end_now()
                request()
                with contextlib.suppress(OSError):
                    os.write(2, STOPPING.encode())

    watcher = threading.Thread(target=watch, name="siting-sigint", daemon=True)
    watcher.start()
    try:
        with arm(), _quiet_scip_event_errors():
            yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if old_fd is not None:
            signal.set_wakeup_fd(old_fd)
        os.close(w)  # the watcher's read returns b"": it ends
        watcher.join(timeout=1.0)
        os.close(r)
