"""Shared parts of the ``siting`` command line: the typer app, consoles, error exits, options."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

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


def _opt_force():
    return typer.Option(False, "--force", help="replace an existing non-empty output folder")


def _opt_backend():
    return typer.Option(None, "--backend", metavar=BACKENDS,
                        help="solver engine (default: the scenario's solver.backend, auto)")


def _opt_time_limit():
    return typer.Option(None, "--time-limit-s", metavar=SECONDS,
                        help="solver time limit in seconds (default: solver.time_limit_s)")


def _opt_gap():
    return typer.Option(None, "--gap", metavar="FRACTION",
                        help="relative gap at which a plan counts as optimal, e.g. 0.005 (default: "
                             "solver.relative_gap)")


def _opt_threads():
    return typer.Option(None, "--threads", metavar="N",
                        help="solver threads; independent parts are solved in parallel (default: solver.threads)")


def _opt_max_memory():
    return typer.Option(None, "--max-memory-gb", metavar="GB", min=0.01,
                        help="refuse up front a solve whose estimated peak memory exceeds this, and cap SCIP's "
                             "memory to it (default: solver.max_memory_gb, no limit)")


def _opt_lang():
    return typer.Option(None, "--lang", metavar="en|zh",
                        help="language of the report's labels (default: the scenario's report.lang, en)")


def _opt_xlsx():
    return typer.Option(False, "--xlsx", help="also write plan.xlsx: the plan's tables as one Excel workbook, a "
                                              "sheet per table (default: the scenario's outputs.xlsx)")


def _opt_quiet():
    return typer.Option(False, "--quiet", "-q", help="print only the summary (no progress lines)")


def _opt_override():
    return typer.Option([], "--override", "-o", metavar=NAME,
                        help="named override from the scenario's overrides section (repeatable, in order)")


def _opt_set():
    return typer.Option([], "--set", metavar="KEY=VALUE",
                        help="set one scenario key, e.g. budget_cny=8e8 or solver.threads=4 (repeatable, "
                             "applied after the overrides)")


# option definitions shared by several commands (typer reads them; they are never mutated)
OPT_OUT_DEMO = _opt_out("siting-demo-<time>")
OPT_OUT_RUN = _opt_out("siting-<name>-<overrides>-<time>")
OPT_FORCE = _opt_force()
OPT_BACKEND = _opt_backend()
OPT_TIME_LIMIT = _opt_time_limit()
OPT_GAP = _opt_gap()
OPT_THREADS = _opt_threads()
OPT_LANG = _opt_lang()
OPT_MAX_MEMORY = _opt_max_memory()
OPT_QUIET = _opt_quiet()
OPT_XLSX = _opt_xlsx()
OPT_OVERRIDE = _opt_override()
OPT_SET = _opt_set()


