"""``siting`` command line: demo, run, validate.

Every :class:`~siting.errors.SitingError` is printed as one located line and exits with
code 2; nothing is written when the input is bad (the output folder is checked before
solving and written atomically after).
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

from siting.errors import SitingError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
err_console = Console(stderr=True)


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
    """Live line: stage, elapsed, best objective, bound, gap (fed by the solver log)."""

    def __init__(self, stages: tuple[str, ...]) -> None:
        self.stages = stages
        self.start = time.perf_counter()
        self.text = "starting solver…"
        self.live = Live(self.text, console=err_console, refresh_per_second=4, transient=True)

    def __call__(self, p) -> None:
        name = self.stages[p.stage] if p.stage < len(self.stages) else str(p.stage)
        fmt = lambda v: "—" if v is None else f"{v:,.6g}"  # noqa: E731
        gap = "—" if p.gap is None else f"{100 * p.gap:.2f}%"
        part = f"part {p.part + 1}/{p.n_parts}  " if p.n_parts > 1 else ""
        self.text = (f"{part}stage {p.stage + 1}/{p.n_stages} [bold]{name}[/]"
                     f"  elapsed {time.perf_counter() - self.start:6.1f}s"
                     f"  best {fmt(p.objective)}  bound {fmt(p.bound)}  gap {gap}")
        self.live.update(self.text)


def _solve_and_write(inst, scenario, options, out: Path, force: bool) -> int:
    from siting.analysis.figures import plan_figures
    from siting.io.outputs import check_output_folder, write_outcome
    from siting.model import stage_names
    from siting.report.text import print_summary
    from siting.solve import solve_instance

    check_output_folder(out, force)
    view = _ProgressView(stage_names(inst.settings.objective.mode))
    with view.live:
        outcome = solve_instance(inst, options, progress=view)
    figures = plan_figures(outcome)
    print_summary(console, outcome, figures)
    # record the solver options actually used (command-line flags included), so that the saved
    # scenario.yaml reproduces the plan
    write_outcome(outcome, out, force=force, scenario=scenario.model_copy(update={"solver": options}), figures=figures)
    console.print(f"plan written to [bold]{out}[/]")
    if outcome.evaluation is not None and not outcome.evaluation.feasible:
        err_console.print("[bold red]the independent checker found violations (see summary.json)[/]")
        return 1
    return 0 if outcome.result.status.has_solution else 3


def _solver_options(base, backend, time_limit_s, gap, threads):
    upd = {k: v for k, v in {"backend": backend, "time_limit_s": time_limit_s, "relative_gap": gap,
                              "threads": threads}.items() if v is not None}
    return base.model_copy(update=upd) if upd else base


@app.command()
def demo(
    out: Path | None = typer.Option(None, "--out", help="output folder (default: a new siting-demo-<time> folder)"),
    force: bool = typer.Option(False, "--force", help="replace an existing non-empty output folder"),
    city: bool = typer.Option(False, "--city", help="the city-scale synthetic data (about 1,258 communities)"),
    network: bool = typer.Option(False, "--network", help="walk on the synthetic street network, not straight lines"),
    seed: int = typer.Option(2024, help="seed of the synthetic district"),
    backend: str | None = typer.Option(None, help="auto | scip | highs | cpsat | cbc"),
    time_limit_s: float | None = typer.Option(None, "--time-limit-s"),
    gap: float | None = typer.Option(None, "--gap", help="relative gap"),
    threads: int | None = typer.Option(None),
) -> None:
    """Solve the built-in synthetic district (Yuhang-sized, labelled synthetic) and write the plan."""
    from siting.demo import demo_instance, demo_scenario

    try:
        scenario = demo_scenario()
        out = out or _default_out("siting-demo")
        options = _solver_options(scenario.solver, backend, time_limit_s, gap, threads)
        with err_console.status("generating the synthetic district…"):
            inst = demo_instance(seed=seed, city=city, scenario=scenario, network=network)
        console.print(f"[bold]{inst.name}[/]: {inst.n_communities} communities, {inst.n_spaces} candidate spaces, "
                      f"{inst.reach.n_pairs:,} walking pairs ({inst.reach.source}) "
                      f"(SYNTHETIC data, calibrated to public figures)")
        code = _solve_and_write(inst, scenario, options, out, force)
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, out)
    raise typer.Exit(code=code)


@app.command()
def run(
    scenario_file: Path = typer.Argument(..., help="scenario YAML"),
    out: Path | None = typer.Option(None, "--out"),
    force: bool = typer.Option(False, "--force"),
    override: list[str] = typer.Option([], "--override", "-o", help="named override from the file (repeatable)"),
    set_: list[str] = typer.Option([], "--set", help="key.path=value (repeatable, applied last)"),
    backend: str | None = typer.Option(None),
    time_limit_s: float | None = typer.Option(None, "--time-limit-s"),
    gap: float | None = typer.Option(None, "--gap"),
    threads: int | None = typer.Option(None),
) -> None:
    """Solve a planner's scenario file and write the plan."""
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario

    try:
        scenario = load_scenario(scenario_file, overrides=override, assignments=set_)
        out = out or _default_out(f"siting-{scenario.name}")
        from siting.io.outputs import check_output_folder

        check_output_folder(out, force)
        inst = load_instance(scenario)
        options = _solver_options(scenario.solver, backend, time_limit_s, gap, threads)
        code = _solve_and_write(inst, scenario, options, out, force)
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, out)
    raise typer.Exit(code=code)


@app.command()
def validate(
    scenario_file: Path = typer.Argument(..., help="scenario YAML"),
    override: list[str] = typer.Option([], "--override", "-o"),
    set_: list[str] = typer.Option([], "--set"),
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


@app.command()
def compare(
    folders: list[Path] = typer.Argument(..., help="output folders of siting run / demo"),
    csv: Path | None = typer.Option(None, "--csv", help="also write the table as CSV"),
    json_out: Path | None = typer.Option(None, "--json", help="also write the table as JSON"),
) -> None:
    """Compare solved plans side by side (costs, standards, coverage, health check, accessibility)."""
    from siting.analysis.compare import compare_table
    from siting.io.atomic import atomic_write

    try:
        df = compare_table(list(folders))
    except SitingError as exc:
        _fail(exc)
    except Exception as exc:  # not the user's fault: one line, traceback saved (exit 1)
        _crash(exc, csv or json_out)
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


@app.command()
def schema(out: Path | None = typer.Option(None, "--out", help="write to this file instead of stdout")) -> None:
    """Print the JSON Schema of the scenario file format (for editors and validation tools)."""
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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was written")
        sys.exit(130)


if __name__ == "__main__":
    main()
