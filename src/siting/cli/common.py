"""Shared parts of the ``siting`` command line: the typer app, consoles, error exits, options."""

from __future__ import annotations

import functools
import inspect
import signal
import sys
import threading
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from siting.errors import ScenarioError, SitingError

HELP = """Choose idle spaces for neighbourhood public services, the services in each and their
floor area, within a budget and the community standards (OR-Tools MIP).

Commands: demo (solve the built-in synthetic district), run (solve a scenario file),
validate (check a scenario without solving), compare (plans or a scenario's overrides side by
side), sweep (solve variants of a scenario, trade-off curve), schema (the scenario format as
JSON Schema), init (a new scenario folder to fill in).

Bad input prints one located line and exits with code 2, writing nothing. Exit codes:
0 plan written, 1 the independent checker found violations, 2 bad input, 3 no plan found,
130 interrupted.
"""

app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP, rich_markup_mode=None)
console = Console()
err_console = Console(stderr=True)

# metavars of the options (what a value looks like)
PATH, NAME, SECONDS = "PATH", "NAME", "SECONDS"
BACKENDS = "auto|scip|highs|cpsat|cbc"


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"siting {version('siting')}")
        except PackageNotFoundError:  # running from a source tree that is not installed
            from siting import __version__

            typer.echo(f"siting {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="print the version and exit"),
) -> None:
    """Top-level options (the help text is HELP)."""


def _fail(exc: SitingError) -> None:
    # one unwrapped line (paths must stay copyable), no markup parsing of the message
    err_console.print(Text.assemble(("error: ", "bold red"), str(exc)), soft_wrap=True, highlight=False)
    raise typer.Exit(code=exc.exit_code)


def _interrupted() -> None:
    """Ctrl-C with no plan to keep (before the solve had one, or while writing): exit 130."""
    err_console.print("interrupted: nothing was written", soft_wrap=True, highlight=False, markup=False)
    raise typer.Exit(code=130)


def _crash(exc: Exception, near: Path | None) -> None:
    """An unexpected internal error: save the traceback beside the output, print one line, exit 1."""
    import tempfile
    import traceback

    name = f"siting-error-{datetime.now().strftime('%Y%m%d-%H%M%S')}.log"
    text = "".join(traceback.format_exception(exc))
    log = None
    for folder in (Path(near).parent if near is not None else Path.cwd(), Path(tempfile.gettempdir())):
        try:
            (folder / name).write_text(f"siting {' '.join(sys.argv[1:])}\n\n{text}", encoding="utf-8")
            log = folder / name
            break
        except OSError:
            continue
    where = f"please report it with the log {log}" if log else "the traceback could not be saved"
    err_console.print(Text.assemble(("internal error: ", "bold red"), f"{type(exc).__name__}: {str(exc)[:200]}; "
                                    f"{where}"), soft_wrap=True, highlight=False)
    raise typer.Exit(code=1)


class _Guard:
    """Where an internal error's log goes: beside ``near`` (the output, once it is known)."""

    def __init__(self, near: Path | None) -> None:
        self.near = near


_SIGINT_SEEN = threading.Event()


def _note_sigint(signum: int, frame: object) -> None:
    """Python's own Ctrl-C behaviour (KeyboardInterrupt), remembered: a library may turn the
    interrupt into its own error (pandas' CSV reader reports "Calling read(nbytes) on source
    failed" when Ctrl-C lands in its read, seen in tests/test_interrupt.py), which is then no
    bad input."""
    _SIGINT_SEEN.set()
    raise KeyboardInterrupt


@contextmanager
def _guarded(near: Path | None = None) -> Iterator[_Guard]:
    """A command's body: bad input exits 2 (:func:`_fail`), a Ctrl-C that keeps nothing 130
    (:func:`_interrupted`), any other exception is an internal error (:func:`_crash`: one line,
    the traceback saved beside ``guard.near``, exit 1). An error raised after a Ctrl-C counts as
    the Ctrl-C."""
    guard = _Guard(near)
    _SIGINT_SEEN.clear()
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if main and previous is signal.default_int_handler:
        signal.signal(signal.SIGINT, _note_sigint)
    try:
        yield guard
    except SitingError as exc:
        if _SIGINT_SEEN.is_set():
            _interrupted()
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted()
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:  # not the user's fault
        if _SIGINT_SEEN.is_set():
            _interrupted()
        _crash(exc, guard.near)
    finally:
        if main and previous is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous)


def _default_out(prefix: str) -> Path:
    return Path.cwd() / f"{prefix}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def _with_lang(scenario, lang: str | None):
    """The scenario with ``--lang`` applied to ``report.lang`` (so scenario.yaml records it)."""
    if lang is None:
        return scenario
    if lang not in ("en", "zh"):
        raise ScenarioError(f"--lang {lang}: unknown language", field="--lang", expected="en or zh")
    return scenario.model_copy(update={"report": scenario.report.model_copy(update={"lang": lang})})


def _with_xlsx(scenario, xlsx: bool):
    """The scenario with ``--xlsx`` applied to ``outputs.xlsx`` (so scenario.yaml records it)."""
    if not xlsx:
        return scenario
    return scenario.model_copy(update={"outputs": scenario.outputs.model_copy(update={"xlsx": True})})


def _solver_options(base, backend, time_limit_s, gap, threads, max_memory_gb=None):
    upd = {k: v for k, v in {"backend": backend, "time_limit_s": time_limit_s, "relative_gap": gap,
                              "threads": threads, "max_memory_gb": max_memory_gb}.items() if v is not None}
    return base.model_copy(update=upd) if upd else base


def _opt_out(default: str):
    return typer.Option(None, "--out", metavar=PATH,
                        help=f"output folder (default: a new {default} folder here); refused when not empty")


# option definitions shared by several commands (typer reads them; they are never mutated)
OPT_OUT_DEMO = _opt_out("siting-demo-<time>")
OPT_OUT_RUN = _opt_out("siting-<name>-<overrides>-<time>")
OPT_FORCE = typer.Option(False, "--force", help="replace an existing non-empty output folder")
OPT_BACKEND = typer.Option(None, "--backend", metavar=BACKENDS,
                           help="solver engine (default: the scenario's solver.backend, auto)")
OPT_TIME_LIMIT = typer.Option(None, "--time-limit-s", metavar=SECONDS,
                              help="solver time limit in seconds (default: solver.time_limit_s)")
OPT_GAP = typer.Option(None, "--gap", metavar="FRACTION",
                       help="relative gap at which a plan counts as optimal, e.g. 0.005 (default: "
                            "solver.relative_gap)")
OPT_THREADS = typer.Option(None, "--threads", metavar="N",
                           help="solver threads; independent parts are solved in parallel (default: solver.threads)")
OPT_LANG = typer.Option(None, "--lang", metavar="en|zh",
                        help="language of the report's labels (default: the scenario's report.lang, en)")
OPT_MAX_MEMORY = typer.Option(None, "--max-memory-gb", metavar="GB", min=0.01,
                              help="refuse up front a solve whose estimated peak memory exceeds this, and cap SCIP's "
                                   "memory to it (default: solver.max_memory_gb, no limit)")
OPT_QUIET = typer.Option(False, "--quiet", "-q", help="print only the summary (no progress lines)")
OPT_SCHEDULER = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                             help="solve the independent parts on this existing Dask scheduler's workers (an "
                                  "address that does not answer within 5 s is an error)")
OPT_XLSX = typer.Option(False, "--xlsx", help="also write plan.xlsx: the plan's tables as one Excel workbook, a "
                                             "sheet per table (default: the scenario's outputs.xlsx)")
OPT_OVERRIDE = typer.Option([], "--override", "-o", metavar=NAME,
                            help="named override from the scenario's overrides section (repeatable, in order)")
OPT_SET = typer.Option([], "--set", metavar="KEY=VALUE",
                       help="set one scenario key, e.g. budget_cny=8e8 or solver.threads=4 (repeatable, "
                            "applied after the overrides)")


@dataclass(frozen=True)
class SolveFlags:
    """The options ``demo`` and ``run`` share (solver engine and limits, report), as given."""

    backend: str | None = None
    time_limit_s: float | None = None
    gap: float | None = None
    threads: int | None = None
    max_memory_gb: float | None = None
    lang: str | None = None
    xlsx: bool = False
    quiet: bool = False
    scheduler: str | None = None

    def solver_options(self, base):
        """``base`` (the scenario's solver section) with the flags given applied."""
        return _solver_options(base, self.backend, self.time_limit_s, self.gap, self.threads, self.max_memory_gb)

    def scenario(self, scenario):
        """The scenario with ``--lang`` and ``--xlsx`` applied (so scenario.yaml records them)."""
        return _with_xlsx(_with_lang(scenario, self.lang), self.xlsx)


def with_solve_flags(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command the options of :class:`SolveFlags` (after its own), passed to it as
    ``flags``: typer reads the signature, so the options are declared once for both commands."""
    shared = {"backend": (str | None, OPT_BACKEND), "time_limit_s": (float | None, OPT_TIME_LIMIT),
              "gap": (float | None, OPT_GAP), "threads": (int | None, OPT_THREADS),
              "max_memory_gb": (float | None, OPT_MAX_MEMORY), "lang": (str | None, OPT_LANG),
              "xlsx": (bool, OPT_XLSX), "quiet": (bool, OPT_QUIET), "scheduler": (str | None, OPT_SCHEDULER)}
    own = [p for p in inspect.signature(func).parameters.values() if p.name != "flags"]
    extra = [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=d, annotation=t)
             for n, (t, d) in shared.items()]

    @functools.wraps(func)
    def command(*args: Any, **kwargs: Any) -> Any:
        flags = SolveFlags(**{n: kwargs.pop(n) for n in shared})
        return func(*args, flags=flags, **kwargs)

    command.__signature__ = inspect.Signature([*own, *extra])  # type: ignore[attr-defined]
    hints = typing.get_type_hints(func)
    command.__annotations__ = {**{p.name: hints.get(p.name, p.annotation) for p in own},
                               **{n: t for n, (t, _) in shared.items()}, "return": hints.get("return")}
    del command.__wrapped__  # typer must read the new signature, not func's
    return command


NO_FLAGS = SolveFlags()  # the default of a command's ``flags`` (with_solve_flags always passes them)
