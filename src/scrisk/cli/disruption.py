"""`scrisk chokepoints` and `scrisk scenario ...`: chokepoints, scenario runs, Monte Carlo."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load

scenario_app = typer.Typer(help="Validate and run disruption scenarios (docs/scenarios.md).",
                           no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

YearOption = Annotated[int | None, typer.Option(
    "--year", help="Data year (default: the scenario's year, else the latest with trade data).")]
FileArgument = Annotated[Path, typer.Argument(help="Scenario file (.toml or .yaml).",
                                              show_default=False)]


class ChokepointView(StrEnum):
    """Tables of `scrisk chokepoints`."""

    all = "all"
    ranking = "ranking"
    sea_lanes = "sea-lanes"
    single_points = "single-points"
    betweenness = "betweenness"
    min_cut = "min-cut"


class ScenarioView(StrEnum):
    """Tables of `scrisk scenario run`."""

    all = "all"
    supply = "supply"
    origin = "origin"
    self_sufficiency = "self-sufficiency"
    battery = "battery"
    shocks = "shocks"


def _section(frame, fmt: OutputFormat, title: str) -> None:
    if fmt is OutputFormat.table and frame.empty:
        typer.echo(f"{title}: none")
        return
    emit(frame, fmt, title=title)


def _records(frame) -> list:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _emit_views(views: dict, chosen: str, fmt: OutputFormat, default: str,
                notes: tuple[str, ...] = ()) -> None:
    """Print one view, or all of them (table: one after another; JSON: one object)."""
    import sys

    if chosen != "all":
        title, frame = views[chosen]
        _section(frame, fmt, title)
        return
    if fmt is OutputFormat.csv:
        title, frame = views[default]
        sys.stderr.write(f"(csv shows the {default} table; choose another with --view)\n")
        emit(frame, fmt)
        return
    if fmt is OutputFormat.json:
        payload = {key: _records(frame) for key, (_, frame) in views.items()}
        payload["notes"] = list(notes)
        emit(views[default][1], fmt, json_payload=payload)
        return
    for title, frame in views.values():
        _section(frame, fmt, title)
    for note in notes:
        typer.echo(f"note: {note}")


@app.command("chokepoints")
def chokepoints_cmd(
    importer: Annotated[str, typer.Option("--importer", help="Importer: ISO3 code or name.")]
    = "JPN",
    commodity: Annotated[str | None, typer.Option(
        "--commodity", help="One commodity (default: all with supply to the importer).")] = None,
    year: Annotated[int | None, typer.Option(
        "--year", help="Data year (default: the latest with production and trade).")] = None,
    threshold: Annotated[float, typer.Option(
        help="Share above which one country or lane is a single point of failure.",
        min=0.0, max=1.0)] = 0.5,
    top: Annotated[int, typer.Option(help="Elements shown per commodity in the ranking.",
                                     min=1)] = 10,
    view: Annotated[ChokepointView, typer.Option(help="Which table to show.")]
    = ChokepointView.all,
    structure: Annotated[bool, typer.Option(
        help="Compute weighted betweenness and min cuts (networkx).")] = True,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rank the countries, facilities, trade links and sea lanes the importer depends on."""
    from scrisk.disruption.chokepoints import chokepoints

    ds = load(data)
    if threshold <= 0:
        raise typer.BadParameter("must be above 0", param_hint="--threshold")
    result = chokepoints(ds, importer, commodity, year, threshold=threshold,
                         structure=structure)
    label = f"{result.importer}, {result.year}"
    ranking = result.ranking.groupby(["commodity", "stage"], sort=True, group_keys=False) \
        .head(top).drop(columns=["headline"])
    views = {
        "ranking": (f"Supply lost if each element were lost ({label}; top {top})", ranking),
        "sea-lanes": (f"Sea-lane chokepoints ({label})", result.sea_lanes),
        "single-points": (f"Single points of failure (share > {threshold:g})",
                          result.single_points),
        "betweenness": ("Weighted betweenness, mines to importer",
                        result.betweenness.groupby("commodity", group_keys=False).head(top)),
        "min-cut": ("Minimum cut between world mine production and the importer",
                    result.min_cuts),
    }
    if view.value == "min-cut" or (view.value == "all" and fmt is OutputFormat.json):
        views["min-cut-edges"] = ("Edges of the minimum cuts", result.min_cut_edges)
    _emit_views(views, view.value, fmt, "ranking", result.notes)


@scenario_app.command("validate")
def scenario_validate(file: FileArgument, data: DataOption = None,
                      fmt: FormatOption = OutputFormat.table) -> None:
    """Check a scenario file; list every problem and exit 1 if any."""
    from scrisk.disruption.scenarios import load_scenario

    ds = load(data)
    scenario = load_scenario(file, ds)
    if fmt is OutputFormat.table:
        typer.echo(f"{file}: valid, {len(scenario.shocks)} shock(s), importer "
                   f"{scenario.importer}")
    emit(scenario.to_frame(), fmt, title=scenario.name)


@scenario_app.command("run")
def scenario_run(
    file: FileArgument,
    runs: Annotated[int, typer.Option(
        "--runs", help="Monte Carlo runs (0: one deterministic run with every shock).", min=0)]
    = 0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the Monte Carlo.")] = 0,
    year: YearOption = None,
    substitution: Annotated[float, typer.Option(
        help="Let untouched suppliers raise shipments by up to this share (0: off).",
        min=0.0, max=1.0)] = 0.0,
    gwh: Annotated[float, typer.Option(help="Battery cells per year whose needs are covered.",
                                       min=0.0)] = 150.0,
    battery_scenario: Annotated[str, typer.Option(
        "--battery-scenario", help="Chemistry mix of battery_scenarios.csv.")] = "balanced",
    threshold: Annotated[float, typer.Option(
        help="Monte Carlo: battery coverage below which a run counts.", min=0.0)] = 0.5,
    view: Annotated[ScenarioView, typer.Option(help="Which table to show.")] = ScenarioView.all,
    progress: Annotated[bool, typer.Option(
        help="Show a progress bar for Monte Carlo runs of 10,000 or more.")] = True,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Apply a scenario's shocks once, or sample them by probability (--runs N)."""
    from scrisk.disruption.scenarios import check_battery_scenario, load_scenario

    ds = load(data)
    scenario = load_scenario(file, ds)
    check_battery_scenario(ds, battery_scenario)
    options = {"year": year, "substitution": substitution, "gwh": gwh,
               "battery_scenario": battery_scenario}
    if runs == 0:
        _deterministic(ds, scenario, options, view, fmt)
    else:
        _monte_carlo(ds, scenario, runs, seed, threshold, options, view, progress, fmt)


def _deterministic(ds, scenario, options: dict, view: ScenarioView, fmt: OutputFormat) -> None:
    from scrisk.disruption.scenarios import run_scenario

    result = run_scenario(ds, scenario, **options)
    label = f"{scenario.name}, {scenario.importer} {result.year}"
    supply = result.supply.drop(columns=["headline"])
    origin = result.by_origin.loc[result.by_origin["loss_t"] > 0]
    views = {
        "supply": (f"Supply after the shocks ({label})", supply),
        "origin": ("Loss by mine origin", origin),
        "self-sufficiency": ("Self-sufficiency (base metals)", result.self_sufficiency),
        "battery": (f"Battery coverage ({options['gwh']:g} GWh, {options['battery_scenario']})",
                    result.battery),
        "shocks": ("Shocks", result.shocks),
    }
    _emit_views(views, view.value, fmt, "supply", result.notes)


def _monte_carlo(ds, scenario, runs: int, seed: int, threshold: float, options: dict,
                 view: ScenarioView, show_progress: bool, fmt: OutputFormat) -> None:
    from scrisk.disruption.montecarlo import monte_carlo

    if view.value in ("origin", "self-sufficiency"):
        raise typer.BadParameter(f"{view.value!r} is shown for a deterministic run only "
                                 "(drop --runs)", param_hint="--view")
    kwargs = dict(options, coverage_threshold=threshold)
    if show_progress and runs >= 10_000:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        # on stderr, so that csv / json on stdout stay clean
        with Progress(TextColumn("Monte Carlo"), BarColumn(), TextColumn("{task.completed:,}/"
                      "{task.total:,} runs"), TimeRemainingColumn(), transient=True,
                      console=Console(stderr=True)) as bar:
            task = bar.add_task("runs", total=runs)
            result = monte_carlo(ds, scenario, runs, seed, progress=lambda done, total:
                                 bar.update(task, completed=done), **kwargs)
    else:
        result = monte_carlo(ds, scenario, runs, seed, **kwargs)
    label = f"{scenario.name}, {scenario.importer} {result.year}, {runs:,} runs, seed {seed}"
    views = {
        "supply": (f"Supply loss distribution ({label})",
                   result.losses.drop(columns=["headline"])),
        "battery": (f"Battery coverage below {threshold:g} ({options['gwh']:g} GWh)",
                    result.coverage),
        "shocks": ("Shocks sampled", result.shocks),
    }
    _emit_views(views, view.value, fmt, "supply", result.notes)
