"""``siting compare`` and ``siting sweep``: what-if variants of a scenario side by side."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from siting.cli.common import (
    NAME,
    OPT_FORCE,
    OPT_LANG,
    OPT_OVERRIDE,
    OPT_QUIET,
    OPT_SET,
    PATH,
    _default_out,
    _guarded,
    app,
    console,
    err_console,
)
from siting.errors import ScenarioError, SitingError


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
                      json_out: Path | None, quiet: bool, lang: str | None) -> None:
    import json

    from siting.io.atomic import atomic_write, atomic_write_text
    from siting.io.outputs import check_output_folder
    from siting.solvers import interrupt
    from siting.whatif.compare import compare_scenarios, formatted
    from siting.whatif.engine import dask_client
    from siting.whatif.show import comparison_view

    client = None
    with _guarded(out or csv or json_out), ExitStack() as stack:
        for path in (csv, json_out):
            if path is not None and not path.resolve().parent.is_dir():
                raise SitingError(f"{path}: parent folder does not exist")
        if lang is not None and lang not in ("en", "zh"):
            raise ScenarioError(f"--lang {lang}: unknown language", field="--lang", expected="en or zh")
        if out is not None:
            check_output_folder(out, force)
        if scheduler is not None:
            client = dask_client(scheduler)
            stack.callback(client.close)
        # the first Ctrl-C stops the solves: scenarios solved are kept, running ones keep their best
        # plan so far (marked interrupted), the rest are marked not solved; the table is written (exit 130)
        if quiet:
            with interrupt.catch_sigint():
                cmp = compare_scenarios(scenario_file, override, assignments=set_, workers=workers, client=client,
                                        out=out, force=force, lang=lang)
        else:
            with err_console.status(f"solving the base scenario and {len(override)} override(s)…"), \
                    interrupt.catch_sigint():
                cmp = compare_scenarios(scenario_file, override, assignments=set_, workers=workers, client=client,
                                        out=out, force=force, lang=lang)
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
    failed = [r for r in cmp.runs if r.error and not r.stopped]
    for r in failed:
        err_console.print(f"{r.prepared.variant.name}: no plan ({r.error})", markup=False, highlight=False)
    if out is not None:
        console.print(Text.assemble("plans and compare.html written to ", (str(out), "bold")), soft_wrap=True)
    if cmp.interrupted:
        _print_stopped(cmp.runs, "scenarios")
        raise typer.Exit(code=130)
    raise typer.Exit(code=3 if failed else 0)


def _print_stopped(runs, what: str) -> None:
    """The line after a Ctrl-C: how many variants were solved, stopped with a plan, not solved."""
    cut = [r.prepared.variant.name for r in runs if r.interrupted and r.solved.outcome.plan is not None]
    never = [r.prepared.variant.name for r in runs if r.stopped or (r.interrupted and r.solved.outcome.plan is None)]
    whole = len(runs) - len(cut) - len(never)
    text = f"interrupted: {whole} of {len(runs)} {what} solved to the end"
    if cut:
        text += f"; the best plan so far (not proven) kept for {', '.join(cut)}"
    if never:
        text += f"; not solved: {', '.join(never)}"
    err_console.print(text, soft_wrap=True, markup=False, highlight=False)


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
                                    help="with a scenario: also keep each scenario's plan folder here, and "
                                         "compare.html (the table and the plans' maps side by side)"),
    force: bool = OPT_FORCE,
    csv: Path | None = typer.Option(None, "--csv", metavar=PATH, help="also write the table as CSV"),
    json_out: Path | None = typer.Option(None, "--json", metavar=PATH, help="also write the table as JSON"),
    lang: str | None = OPT_LANG,
    quiet: bool = OPT_QUIET,
) -> None:
    """Compare a scenario's overrides, or solved plans, side by side.

    With a scenario file, solves the base scenario and each -o override and prints cost by
    component, spaces by source, floor area by domain, users served by age group, standards met,
    coverage, walking minutes, health check and gap, with a Δ column against the base; with --out,
    also the plan folders and compare.html (the table and the plans' maps side by side). With
    folders, compares their summary.json figures."""
    from siting.analysis.compare import compare_table

    if len(items) == 1 and items[0].suffix.lower() in (".yaml", ".yml"):
        _compare_scenario(items[0], override, set_, workers, scheduler, out, force, csv, json_out, quiet, lang)
        return
    with _guarded(csv or json_out):
        if override or set_ or scheduler or out or lang:
            raise SitingError("-o/--set/--scheduler/--out/--lang compare a scenario's variants: give one scenario "
                              "YAML file, not plan folders")
        df = compare_table(list(items))
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
    from siting.solvers import interrupt
    from siting.whatif.engine import dask_client
    from siting.whatif.show import variant_table_view
    from siting.whatif.sweep import run_sweep
    from siting.whatif.variants import parse_vary, prepare_variants

    client = None
    with _guarded(out) as guard, ExitStack() as stack:
        spec = parse_vary(vary)
        prepared = prepare_variants(scenario_file, spec, overrides=override, assignments=set_)
        out = guard.near = out or _default_out("siting-sweep")
        check_output_folder(out, force)
        if scheduler is not None:
            client = dask_client(scheduler)
            stack.callback(client.close)
        where = f"Dask scheduler {scheduler}" if client is not None else (
            "one by one" if workers == 1 else f"{workers} worker processes" if workers else "a process a core")
        if not quiet:
            console.print(f"{len(prepared)} variants of {prepared[0].scenario.name} ({where})", soft_wrap=True,
                          markup=False, highlight=False)
        progress = Progress(TextColumn("variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.description}"), console=err_console, disable=quiet, transient=True)
        # the first Ctrl-C stops the solves: variants solved are written, running ones keep their best
        # plan so far (marked interrupted), the rest are marked not solved; table and curve are
        # written for what exists (exit 130)
        with progress, interrupt.catch_sigint():
            task = progress.add_task("", total=len(prepared))

            def advance(run) -> None:
                progress.update(task, advance=1, description=f"last: {run.prepared.variant.name}"
                                + (" (failed)" if run.error else ""))

            result = run_sweep(prepared, spec, out, force=force, workers=workers, client=client, on_done=advance)
    console.print(variant_table_view(result.table, f"sweep --vary {vary}"))
    console.print(Text.assemble("sweep written to ", (str(out), "bold"), " (tradeoff.html, variants.csv)"),
                  soft_wrap=True)
    if result.interrupted:
        _print_stopped(result.runs, "variants")
        raise typer.Exit(code=130)
    raise typer.Exit(code=0 if result.table["reason"].eq("").all() else 3)


