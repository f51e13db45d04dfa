"""``siting demo``, ``run``, ``validate``, ``schema`` and ``init``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from siting.cli.common import (
    NO_FLAGS,
    OPT_FORCE,
    OPT_OUT_DEMO,
    OPT_OUT_RUN,
    OPT_OVERRIDE,
    OPT_SET,
    PATH,
    SolveFlags,
    _default_out,
    _fail,
    _guarded,
    app,
    console,
    err_console,
    with_solve_flags,
)
from siting.cli.progress import _solve_and_write
from siting.errors import SitingError


@app.command()
@with_solve_flags
def demo(
    out: Path | None = OPT_OUT_DEMO,
    force: bool = OPT_FORCE,
    city: bool = typer.Option(False, "--city", help="the city-scale synthetic data (about 1,258 communities)"),
    network: bool = typer.Option(False, "--network", help="walk on the synthetic street network, not straight lines"),
    seed: int = typer.Option(2024, "--seed", metavar="N", help="seed of the synthetic district"),
    flags: SolveFlags = NO_FLAGS,
) -> None:
    """Solve the built-in synthetic district and write the plan.

    The district is synthetic (Yuhang-sized: 106 communities, 477 candidate spaces, seed 2024),
    calibrated to public figures; --city gives the city-scale data, --network walks on a
    synthetic street network."""
    from siting.demo import demo_instance, demo_scenario

    with _guarded(out) as guard:
        scenario = flags.scenario(demo_scenario())
        out = guard.near = out or _default_out("siting-demo")
        options = flags.solver_options(scenario.solver)
        if flags.quiet:
            inst = demo_instance(seed=seed, city=city, scenario=scenario, network=network)
        else:
            with err_console.status("generating the synthetic district…"):
                inst = demo_instance(seed=seed, city=city, scenario=scenario, network=network)
            console.print(Text.assemble((inst.name, "bold"), f": {inst.n_communities} communities, {inst.n_spaces} "
                                        f"candidate spaces, {inst.reach.n_pairs:,} walking pairs ({inst.reach.source}) "
                                        "(SYNTHETIC data, calibrated to public figures)"), soft_wrap=True)
        code = _solve_and_write(inst, scenario, options, out, force, flags.quiet, flags.scheduler)
    raise typer.Exit(code=code)


@app.command()
@with_solve_flags
def run(
    scenario_file: Path = typer.Argument(..., metavar="SCENARIO", help="scenario YAML file"),
    out: Path | None = OPT_OUT_RUN,
    force: bool = OPT_FORCE,
    override: list[str] = OPT_OVERRIDE,
    set_: list[str] = OPT_SET,
    flags: SolveFlags = NO_FLAGS,
) -> None:
    """Solve a planner's scenario file and write the plan."""
    from siting.io.load import load_instance
    from siting.io.scenario import load_scenario

    with _guarded(out) as guard:
        scenario = flags.scenario(load_scenario(scenario_file, overrides=override, assignments=set_))
        out = guard.near = out or _default_out("-".join(["siting", scenario.name, *override]))
        from siting.io.outputs import check_output_folder

        check_output_folder(out, force)
        inst = load_instance(scenario)
        options = flags.solver_options(scenario.solver)
        code = _solve_and_write(inst, scenario, options, out, force, flags.quiet, flags.scheduler)
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

    with _guarded():
        scenario = load_scenario(scenario_file, overrides=override, assignments=set_)
        inst = load_instance(scenario)
        size = build_model(inst).lp.summary()
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


