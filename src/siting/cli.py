"""``siting`` command line: demo, run, validate, compare, schema, init.

Every :class:`~siting.errors.SitingError` is printed as one located line and exits with
code 2; nothing is written when the input is bad (the output folder is checked before
solving and written atomically after). The help texts are plain text (``HELP`` below), not
this docstring.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
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


class _ProgressView:
    """Solver progress: stage, elapsed, best objective, bound, gap (fed by the solver log).

    On a terminal one live line (rich); when stderr is piped or redirected, a plain line at
    most every ``interval_s`` seconds (and at each new stage of an undivided solve); nothing
    with ``quiet``.
    """

    def __init__(self, stages: tuple[str, ...], *, quiet: bool = False, interval_s: float = 5.0,
                 non_negative: frozenset[str] | None = None) -> None:
        self.stages = stages
        # stages whose objective cannot be negative (default: all)
        self.non_negative = frozenset(stages) if non_negative is None else non_negative
        self.start = time.perf_counter()
        self.text = "starting solver…"
        self.mode = "off" if quiet else "live" if err_console.is_terminal else "lines"
        self.interval_s = interval_s
        self._last_line = -float("inf")
        self._last_stage = -1
        self._best: dict[tuple[int, int], float] = {}
        self.live = Live(self.text, console=err_console, refresh_per_second=4, transient=True) \
            if self.mode == "live" else None

    def __enter__(self) -> _ProgressView:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def __call__(self, p) -> None:
        if self.mode == "off":
            return
        from siting.core.results import relative_gap

        name = self.stages[p.stage] if p.stage < len(self.stages) else str(p.stage)
        fmt = lambda v: "—" if v is None else f"{v:,.6g}"  # noqa: E731
        # shortfall, users served, coverage (and cost without a co-location bonus) are ≥ 0: a
        # negative dual bound says nothing more than 0 does; and once a part has a plan, "best"
        # keeps its last value instead of going back to "—"
        key = (p.part, p.stage)
        objective = p.objective if p.objective is not None else self._best.get(key)
        if objective is not None:
            self._best[key] = objective
        bound = None if p.bound is None else max(p.bound, 0.0) if name in self.non_negative else p.bound
        rel = relative_gap(objective, bound)
        gap = "—" if rel is None else f"{100 * rel:.2f}%"
        part = f"part {p.part + 1}/{p.n_parts}  " if p.n_parts > 1 else ""
        elapsed = time.perf_counter() - self.start
        line = (f"{part}stage {p.stage + 1}/{p.n_stages} {name}  elapsed {elapsed:6.1f}s"
                f"  best {fmt(objective)}  bound {fmt(bound)}  gap {gap}")
        if self.live is not None:
            self.text = line
            self.live.update(Text(line))
        elif elapsed - self._last_line >= self.interval_s or (p.n_parts == 1 and p.stage != self._last_stage):
            # (parts solved in parallel report their stages interleaved: the interval alone paces them)
            self._last_line, self._last_stage = elapsed, p.stage
            err_console.print(line, soft_wrap=True, highlight=False, markup=False)


def _solve_and_write(inst, scenario, options, out: Path, force: bool, quiet: bool = False) -> int:
    from siting.analysis.figures import plan_figures
    from siting.io.outputs import check_output_folder, write_outcome
    from siting.model import stage_names
    from siting.report.text import print_summary
    from siting.solve import solve_instance

    check_output_folder(out, force)
    stages = stage_names(inst.settings.objective.mode)
    # the cost stage subtracts the co-location bonus: it may go below 0 only with a bonus
    non_negative = frozenset(n for n in stages if n != "cost" or inst.colocation_bonus <= 0)
    view = _ProgressView(stages, quiet=quiet, non_negative=non_negative)
    with view:
        outcome = solve_instance(inst, options, progress=view)
    figures = plan_figures(outcome)
    print_summary(console, outcome, figures)
    # record the solver options actually used (command-line flags included), so that the saved
    # scenario.yaml reproduces the plan
    write_outcome(outcome, out, force=force, scenario=scenario.model_copy(update={"solver": options}), figures=figures)
    console.print(Text.assemble("plan written to ", (str(out), "bold")), soft_wrap=True)
    if outcome.evaluation is not None and not outcome.evaluation.feasible:
        err_console.print("[bold red]the independent checker found violations (see summary.json)[/]")
        return 1
    return 0 if outcome.result.status.has_solution else 3


def _with_lang(scenario, lang: str | None):
    """The scenario with ``--lang`` applied to ``report.lang`` (so scenario.yaml records it)."""
    if lang is None:
        return scenario
    if lang not in ("en", "zh"):
        raise ScenarioError(f"--lang {lang}: unknown language", field="--lang", expected="en or zh")
    return scenario.model_copy(update={"report": scenario.report.model_copy(update={"lang": lang})})


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
OPT_OVERRIDE = _opt_override()
OPT_SET = _opt_set()


@app.command()
def demo(
    out: Path | None = OPT_OUT_DEMO,
    force: bool = OPT_FORCE,
    city: bool = typer.Option(False, "--city", help="the city-scale synthetic data (about 1,258 communities)"),
    network: bool = typer.Option(False, "--network", help="walk on the synthetic street network, not straight lines"),
    seed: int = typer.Option(2024, "--seed", metavar="N", help="seed of the synthetic district"),
    backend: str | None = OPT_BACKEND,
    time_limit_s: float | None = OPT_TIME_LIMIT,
    gap: float | None = OPT_GAP,
    threads: int | None = OPT_THREADS,
    max_memory_gb: float | None = OPT_MAX_MEMORY,
    lang: str | None = OPT_LANG,
    quiet: bool = OPT_QUIET,
) -> None:
    """Solve the built-in synthetic district and write the plan.

    The district is synthetic (Yuhang-sized: 106 communities, 477 candidate spaces, seed 2024),
    calibrated to public figures; --city gives the city-scale data, --network walks on a
    synthetic street network."""
    from siting.demo import demo_instance, demo_scenario

    try:
        scenario = _with_lang(demo_scenario(), lang)
        out = out or _default_out("siting-demo")
        options = _solver_options(scenario.solver, backend, time_limit_s, gap, threads, max_memory_gb)
        if quiet:
            inst = demo_instance(seed=seed, city=city, scenario=scenario, network=network)
        else:
            with err_console.status("generating the synthetic district…"):
                inst = demo_instance(seed=seed, city=city, scenario=scenario, network=network)
            console.print(Text.assemble((inst.name, "bold"), f": {inst.n_communities} communities, {inst.n_spaces} "
                                        f"candidate spaces, {inst.reach.n_pairs:,} walking pairs ({inst.reach.source}) "
                                        "(SYNTHETIC data, calibrated to public figures)"), soft_wrap=True)
        code = _solve_and_write(inst, scenario, options, out, force, quiet)
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, out)
    raise typer.Exit(code=code)


@app.command()
def run(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML file"),
    out: Path | None = OPT_OUT_RUN,
    force: bool = OPT_FORCE,
    override: list[str] = OPT_OVERRIDE,
    set_: list[str] = OPT_SET,
    backend: str | None = OPT_BACKEND,
    time_limit_s: float | None = OPT_TIME_LIMIT,
    gap: float | None = OPT_GAP,
    threads: int | None = OPT_THREADS,
    max_memory_gb: float | None = OPT_MAX_MEMORY,
    lang: str | None = OPT_LANG,
    quiet: bool = OPT_QUIET,
) -> None:
    """Solve a planner's scenario file and write the plan."""
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario

    try:
        scenario = _with_lang(load_scenario(scenario_file, overrides=override, assignments=set_), lang)
        out = out or _default_out("-".join(["siting", scenario.name, *override]))
        from siting.io.outputs import check_output_folder

        check_output_folder(out, force)
        inst = load_instance(scenario)
        options = _solver_options(scenario.solver, backend, time_limit_s, gap, threads, max_memory_gb)
        code = _solve_and_write(inst, scenario, options, out, force, quiet)
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, out)
    raise typer.Exit(code=code)


@app.command()
def validate(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML file"),
    override: list[str] = OPT_OVERRIDE,
    set_: list[str] = OPT_SET,
) -> None:
    """Check a scenario and its data without solving."""
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario
    from siting.model import build_model

    try:
        scenario = load_scenario(scenario_file, overrides=override, assignments=set_)
        inst = load_instance(scenario)
        size = build_model(inst).lp.summary()
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, None)
    t = Table(title=f"{scenario.name}: valid", show_header=False)
    t.add_row("communities", f"{inst.n_communities:,}")
    t.add_row("candidate spaces",
              f"{inst.n_spaces:,} ({int(inst.must_take.sum())} required, {int(inst.forbidden.sum())} forbidden)")
    t.add_row("services", ", ".join(inst.service_ids))
    t.add_row("standard", f"{scenario.standard} ({inst.preset.label})")
    t.add_row("required area", f"{inst.required_area_m2.sum():,.0f} m² (existing {inst.existing_m2.sum():,.0f} m²)")
    t.add_row("demand", f"{inst.demand_users.sum():,.0f} users")
    t.add_row("reach pairs", f"{inst.reach.n_pairs:,} within {inst.reach.max_walk_min:.0f} min ({inst.reach.source})")
    t.add_row("model", ", ".join(f"{k} {v:,}" for k, v in size.items()))
    t.add_row("applied overrides", ", ".join(scenario.applied) or "none")
    console.print(t)


def _print_plan_folders(df, csv: Path | None, json_out: Path | None) -> None:
    from siting.io.atomic import atomic_write

    t = Table(title="Plans side by side")
    t.add_column("figure")
    for c in df.columns:
        t.add_column(str(c), justify="right")
    fmt = lambda v: "—" if v is None or (isinstance(v, float) and v != v) else (  # noqa: E731
        f"{v:,.4g}" if isinstance(v, float) else str(v))
    for label, row in df.iterrows():
        t.add_row(str(label), *[fmt(v) for v in row.tolist()])
    console.print(t)
    from siting.io.outputs import formula_safe

    for path, write in ((csv, lambda p: formula_safe(df).to_csv(p, index_label="figure")),
                        (json_out, lambda p: df.to_json(p, orient="columns", indent=2, force_ascii=False))):
        if path is not None:
            atomic_write(path, write)
            console.print(f"written {path}")


def _compare_scenario(scenario_file: Path, override: list[str], set_: list[str], workers: int | None,
                      scheduler: str | None, out: Path | None, force: bool, csv: Path | None,
                      json_out: Path | None, quiet: bool) -> None:
    import json

    from siting.io.atomic import atomic_write, atomic_write_text
    from siting.io.outputs import check_output_folder
    from siting.whatif.compare import compare_scenarios, formatted
    from siting.whatif.engine import dask_client
    from siting.whatif.show import comparison_view

    client = None
    try:
        for path in (csv, json_out):
            if path is not None and not path.resolve().parent.is_dir():
                raise SitingError(f"{path}: parent folder does not exist")
        if out is not None:
            check_output_folder(out, force)
        if scheduler is not None:
            client = dask_client(scheduler)
        if quiet:
            cmp = compare_scenarios(scenario_file, override, assignments=set_, workers=workers, client=client,
                                    out=out, force=force)
        else:
            with err_console.status(f"solving the base scenario and {len(override)} override(s)…"):
                cmp = compare_scenarios(scenario_file, override, assignments=set_, workers=workers, client=client,
                                        out=out, force=force)
    except SitingError as exc:
        _fail(exc)
    finally:
        if client is not None:
            client.close()
    wide = cmp.side_by_side()
    t = comparison_view(wide, formatted(wide),
                        f"{cmp.runs[0].prepared.scenario.name}: scenarios side by side (Δ against base)")
    console.print(t)
    if csv is not None:
        atomic_write(csv, lambda p: wide.to_csv(p, index_label="figure"))
        console.print(f"written {csv}")
    if json_out is not None:
        doc = {"scenarios": cmp.names, "figures": json.loads(wide.reset_index().to_json(orient="records"))}
        atomic_write_text(json_out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        console.print(f"written {json_out}")
    failed = [r for r in cmp.runs if r.error]
    for r in failed:
        err_console.print(f"{r.prepared.variant.name}: no plan ({r.error})", markup=False, highlight=False)
    if out is not None:
        console.print(Text.assemble("plans written to ", (str(out), "bold")), soft_wrap=True)
    raise typer.Exit(code=3 if failed else 0)


@app.command()
def compare(
    items: list[Path] = typer.Argument(..., metavar="SCENARIO|FOLDER...",
                                       help="a scenario YAML file (solved as it is and with each -o), or the "
                                            "output folders of siting run / demo"),
    override: list[str] = typer.Option([], "--override", "-o", metavar=NAME,
                                       help="with a scenario: a named override to compare against the base "
                                            "(repeatable; a+b applies both)"),
    set_: list[str] = OPT_SET,
    workers: int | None = typer.Option(None, "--workers", metavar="N", min=1,
                                       help="with a scenario: worker processes (default: one a core; 1 = one by one)"),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                                         help="with a scenario: solve on this existing Dask scheduler's workers"),
    out: Path | None = typer.Option(None, "--out", metavar=PATH,
                                    help="with a scenario: also keep each scenario's plan folder here"),
    force: bool = OPT_FORCE,
    csv: Path | None = typer.Option(None, "--csv", metavar=PATH, help="also write the table as CSV"),
    json_out: Path | None = typer.Option(None, "--json", metavar=PATH, help="also write the table as JSON"),
    quiet: bool = OPT_QUIET,
) -> None:
    """Compare a scenario's overrides, or solved plans, side by side.

    With a scenario file, solves the base scenario and each -o override and prints cost by
    component, spaces by source, floor area by domain, users served by age group, standards met,
    coverage, walking minutes, health check and gap, with a Δ column against the base. With
    folders, compares their summary.json figures."""
    from siting.analysis.compare import compare_table

    if len(items) == 1 and items[0].suffix.lower() in (".yaml", ".yml"):
        _compare_scenario(items[0], override, set_, workers, scheduler, out, force, csv, json_out, quiet)
        return
    try:
        if override or set_ or scheduler or out:
            raise SitingError("-o/--set/--scheduler/--out compare a scenario's variants: give one scenario "
                              "YAML file, not plan folders")
        df = compare_table(list(items))
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, csv or json_out)
    _print_plan_folders(df, csv, json_out)


@app.command()
def sweep(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML file"),
    vary: str = typer.Option(..., "--vary", metavar="KEY=start:stop:count|overrides=a,b,c",
                             help="the key to vary (any numeric scenario key, dotted as --set takes it, e.g. "
                                  "budget_cny=6e8:1.6e9:11) or a list of named overrides (a+b applies both)"),
    out: Path | None = typer.Option(None, "--out", metavar=PATH,
                                    help="sweep folder: one plan folder per variant, variants.csv/json, "
                                         "tradeoff.png/svg/html (default: a new siting-sweep-<time> folder here)"),
    force: bool = OPT_FORCE,
    override: list[str] = OPT_OVERRIDE,
    set_: list[str] = OPT_SET,
    workers: int | None = typer.Option(None, "--workers", metavar="N", min=1,
                                       help="worker processes on this machine (default: one a core; 1 = one by one)"),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="tcp://HOST:PORT",
                                         help="run the variants on this existing Dask scheduler's workers"),
    quiet: bool = OPT_QUIET,
) -> None:
    """Solve variants of a scenario and draw the trade-off curve.

    Exit code 0 when every variant has a plan, 3 when some have none (each with its reason in the
    table; the others are written)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from siting.io.outputs import check_output_folder
    from siting.whatif.engine import dask_client
    from siting.whatif.show import variant_table_view
    from siting.whatif.sweep import run_sweep
    from siting.whatif.variants import parse_vary, prepare_variants

    client = None
    try:
        spec = parse_vary(vary)
        prepared = prepare_variants(scenario_file, spec, overrides=override, assignments=set_)
        out = out or _default_out("siting-sweep")
        check_output_folder(out, force)
        if scheduler is not None:
            client = dask_client(scheduler)
        where = f"Dask scheduler {scheduler}" if client is not None else (
            "one by one" if workers == 1 else f"{workers} worker processes" if workers else "a process a core")
        if not quiet:
            console.print(f"{len(prepared)} variants of {prepared[0].scenario.name} ({where})", soft_wrap=True,
                          markup=False, highlight=False)
        progress = Progress(TextColumn("variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=err_console, disable=quiet, transient=True)
        with progress:
            task = progress.add_task("", total=len(prepared))

            def advance(run) -> None:
                progress.update(task, advance=1, description=f"last: {run.prepared.variant.name}"
                                + (" (failed)" if run.error else ""))

            result = run_sweep(prepared, spec, out, force=force, workers=workers, client=client, on_done=advance)
    except SitingError as exc:
        _fail(exc)
    finally:
        if client is not None:
            client.close()
    console.print(variant_table_view(result.table, f"sweep --vary {vary}"))
    console.print(Text.assemble("sweep written to ", (str(out), "bold"), " (tradeoff.html, variants.csv)"),
                  soft_wrap=True)
    raise typer.Exit(code=0 if result.table["reason"].eq("").all() else 3)


@app.command()
def schema(out: Path | None = typer.Option(None, "--out", metavar=PATH,
                                           help="write to this file instead of stdout")) -> None:
    """Print the scenario format as JSON Schema.

    For editors and validation tools."""
    import json

    from siting.io.atomic import atomic_write_text
    from siting.io.scenario import Scenario

    doc = Scenario.model_json_schema()
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = "siting scenario"
    for internal in ("applied", "source_file"):  # set by the loader, not written by planners
        doc.get("properties", {}).pop(internal, None)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        atomic_write_text(out, text + "\n")


@app.command()
def init(folder: Path = typer.Argument(..., metavar="FOLDER", help="new (or empty) folder to create")) -> None:
    """Start a new scenario folder to fill in.

    Writes a commented scenario.yaml and data/communities.csv, data/spaces.csv with the right
    headers and no rows; fill the rows, then run siting validate FOLDER/scenario.yaml."""
    from siting.io.init import init_scenario_folder

    try:
        path = init_scenario_folder(folder)
    except SitingError as exc:
        _fail(exc)
    console.print(Text.assemble("scenario written to ", (str(path), "bold")), soft_wrap=True)
    console.print("next: fill data/communities.csv and data/spaces.csv (one row each), set data.crs, then "
                  f"siting validate {path}", soft_wrap=True, markup=False, highlight=False)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
