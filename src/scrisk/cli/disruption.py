"""`scrisk chokepoints` and `scrisk scenario ...`: chokepoints, scenario runs, Monte Carlo."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import (
    CountryImporterOption,
    DataOption,
    FormatOption,
    OutputFormat,
    app,
    emit,
    load,
    table_command,
)
from scrisk.cli.options import MAX_RUNS, SeedOption

scenario_app = typer.Typer(help="Validate and run disruption scenarios (docs/scenarios.md).",
                           no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

YearOption = Annotated[int | None, typer.Option(
    "--year", help="Data year (default: the scenario's year, else the latest with trade data).")]
FileArgument = Annotated[Path, typer.Argument(help="Scenario file (.toml or .yaml).",
                                              show_default=False)]


class ChokepointView(StrEnum):
    """Tables of `scrisk chokepoints`."""

    overall = "overall"
    actors = "actors"
    all = "all"
    ranking = "ranking"
    sea_lanes = "sea-lanes"
    single_points = "single-points"
    betweenness = "betweenness"
    min_cut = "min-cut"
    elements = "elements"


# views of `scrisk chokepoints --stage` (the battery midstream)
MIDSTREAM_VIEWS = ("all", "ranking", "elements", "single-points")
MIDSTREAM_COLUMNS = {"ranking": ["node", "name", "kind", "loss_share", "loss_product", "unit",
                                 "world_market_share"],
                     "elements": ["node", "commodity", "loss_t", "need_t", "loss_share",
                                  "contained_unit"]}


class RankBy(StrEnum):
    """Order of the cross-commodity chokepoint ranking."""

    share = "share"
    tonnes = "tonnes"


class Sampler(StrEnum):
    """How the Monte Carlo draws which shocks happen (same distribution; see docs/methods.md)."""

    uniform = "uniform"
    sparse = "sparse"


class ScenarioView(StrEnum):
    """Tables of `scrisk scenario run`."""

    all = "all"
    supply = "supply"
    origin = "origin"
    self_sufficiency = "self-sufficiency"
    battery = "battery"
    shocks = "shocks"


def _section(frame, fmt: OutputFormat, title: str, show=None) -> None:
    if fmt is OutputFormat.table and frame.empty:
        from scrisk.cli.output import current, keep_for_file, names_of, translate_title_full
        from scrisk.i18n_cli import message

        ctx = current()
        shown = translate_title_full(title, ctx.lang, names_of(ctx.dataset))
        typer.echo(f"{shown}: {message('none', ctx.lang)}")
        keep_for_file(frame, title)
        return
    emit(frame, fmt, title=title, show=show)


def _records(frame) -> list:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False))


def _emit_views(views: dict, chosen: str, fmt: OutputFormat, default: str,
                notes: tuple[str, ...] = (), show: dict | None = None) -> None:
    """Print one view, or all of them (table: one after another; JSON: one object)."""
    import sys

    show = show or {}
    if chosen != "all":
        title, frame = views[chosen]
        _section(frame, fmt, title, show.get(chosen))
        if fmt is not OutputFormat.json:  # the caveats of one view too (JSON: --view all)
            _print_notes(notes, to_stderr=fmt is OutputFormat.csv)
        return
    if fmt in (OutputFormat.csv, OutputFormat.json):
        from scrisk.cli.output import keep_for_file

        title, frame = views[default]
        if fmt is OutputFormat.csv:
            sys.stderr.write(f"(csv shows the {default} table; choose another with --view)\n")
            emit(frame, fmt, title=title)
        else:
            payload = {key: _records(frame) for key, (_, frame) in views.items()}
            payload["notes"] = list(notes)
            emit(frame, fmt, title=title, json_payload=payload)
        for key, (other_title, other) in views.items():  # --out keeps every table
            if key != default:
                keep_for_file(other, other_title)
        return
    for key, (title, frame) in views.items():
        _section(frame, fmt, title, show.get(key))
    _print_notes(notes)


def _print_notes(notes: tuple[str, ...], to_stderr: bool = False) -> None:
    """The data gaps and assumptions behind the numbers, after them (stderr beside a CSV)."""
    from scrisk.cli.output import current
    from scrisk.i18n_cli import message

    for note in notes:
        typer.echo(f"{message('note', current().lang)}: {note}", err=to_stderr)


@app.command("chokepoints")
@table_command
def chokepoints_cmd(
    importer: CountryImporterOption = "JPN",
    commodity: Annotated[str | None, typer.Option(
        "--commodity", help="One commodity (slug, English or Japanese name): its detailed "
        "tables. Default: every commodity, ranked together.")] = None,
    year: Annotated[int | None, typer.Option(
        "--year", help="Data year (default: the latest with production and trade).")] = None,
    threshold: Annotated[float, typer.Option(
        help="Share above which one country or lane is a single point of failure.",
        min=0.0, max=1.0)] = 0.5,
    top: Annotated[int, typer.Option(
        help="Rows of the cross-commodity ranking; with --commodity, elements per stage.",
        min=1)] = 20,
    by: Annotated[RankBy, typer.Option(
        "--by", help="Order of the cross-commodity ranking: share of the commodity's supply "
        "lost, or tonnes lost.")] = RankBy.share,
    view: Annotated[ChokepointView | None, typer.Option(
        help="Which table to show (default: overall without --commodity, all with it).",
        show_default=False)] = None,
    structure: Annotated[bool | None, typer.Option(
        "--structure/--no-structure", help="Compute weighted betweenness and min cuts "
        "(networkx; default: when a table needs them).", show_default=False)] = None,
    all_commodities: Annotated[bool, typer.Option(
        "--all", help="Rank every commodity; by default the cross-commodity ranking covers "
        "the policy priorities (battery metals and base metals).")] = False,
    stage: Annotated[str | None, typer.Option(
        "--stage", help="A battery midstream stage (cathode, anode, cell): rank the "
        "producer countries and the element mines and refiners the importer's supply of it "
        "depends on (for cell: the cathode and anode material of --gwh of cells made in the "
        "importer).", show_default=False)] = None,
    battery_scenario: Annotated[str, typer.Option(
        "--battery-scenario", help="With --stage: chemistry mix of battery_scenarios.csv.")]
    = "nickel_rich",
    quantity: Annotated[float | None, typer.Option(
        "--quantity", help="With --stage cathode/anode: tonnes of product ranked (default: "
        "the importer's own output of the stage).", min=0.0, show_default=False)] = None,
    gwh: Annotated[float | None, typer.Option(
        "--gwh", help="With --stage cell: GWh/yr of cells (default: the importer's goal, "
        "150 for Japan).", min=0.0, show_default=False)] = None,
    include_domestic: Annotated[bool, typer.Option(
        "--include-domestic", help="With --stage: also list the importer's own plants, "
        "refineries and mines.")] = False,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rank the countries, trade links, sea lanes and facilities the importer depends on.

    Without --commodity: one ranking across commodities (each country, lane
    or facility once per commodity, by the share of that commodity's supply
    its loss would cut) and the actors that hit several commodities. With
    --commodity: the detail (every element per stage, sea lanes, single
    points of failure, betweenness, minimum cuts). With --stage cathode,
    anode or cell: the battery midstream (producer countries, and the
    element mines and refiners behind them).
    """
    from scrisk.cli.output import status
    from scrisk.disruption.chokepoints import chokepoints
    from scrisk.disruption.ranking import actors_across_commodities, rank_chokepoints

    ds = load(data)
    if threshold <= 0:
        raise typer.BadParameter("must be above 0", param_hint="--threshold")
    if stage is not None:
        given = [name for name, value in (("--commodity", commodity), ("--all", all_commodities),
                                          ("--structure", structure),
                                          ("--by tonnes", by is RankBy.tonnes)) if value]
        if given:
            raise typer.BadParameter(f"{', '.join(given)} cannot be combined with --stage",
                                     param_hint="--stage")
        _midstream_chokepoints(ds, importer, stage, year, threshold, top, view,
                               battery_scenario, quantity, gwh, include_domestic, fmt)
        return
    if ChokepointView.elements in (view,):
        raise typer.BadParameter("'elements' is a view of --stage", param_hint="--view")
    given = [name for name, value in (("--quantity", quantity), ("--gwh", gwh),
                                      ("--include-domestic", include_domestic or None))
             if value is not None]
    if given:
        raise typer.BadParameter(f"{', '.join(given)} needs --stage", param_hint="--stage")
    chosen = (view or (ChokepointView.all if commodity else ChokepointView.overall)).value
    if structure is None:
        structure = chosen in ("betweenness", "min-cut") or (chosen == "all" and
                                                             commodity is not None)
    scope = commodity
    if commodity is None and not all_commodities:
        groups = ds.commodities.set_index("commodity")["group"]
        scope = [c for c in ds.commodities_list if groups[c] in ("battery", "base_metal")]
    with status("ranking chokepoints" + (f" of {commodity}" if commodity else
                                         " of every commodity")):
        result = chokepoints(ds, importer, scope, year, threshold=threshold,
                             structure=structure)
    label = f"{result.importer}, {result.year}"
    if commodity is None and not all_commodities:
        label += "; battery and base metals (--all for every commodity)"
    order = "loss share" if by is RankBy.share else "loss in tonnes"
    overall = rank_chokepoints(result, top, by=by.value)
    actors = actors_across_commodities(result, top)
    views = {
        "overall": (f"Chokepoints across commodities ({label}; headline stage of each "
                    f"commodity; top {top}, ranked by {order})", overall),
        "actors": (f"Elements across commodities ({label}; commodities losing 25 % or more)",
                   actors),
    }
    detail = result.ranking.groupby(["commodity", "stage"], sort=True, group_keys=False) \
        .head(top).drop(columns=["headline"], errors="ignore")
    views.update({
        "ranking": (f"Supply lost if each element were lost ({label}; all stages; top {top} "
                    "per stage)", detail),
        "sea-lanes": (f"Sea-lane chokepoints ({label})", result.sea_lanes),
        "single-points": (f"Single points of failure ({label}; share > {threshold:g})",
                          result.single_points),
    })
    if structure:
        views["betweenness"] = (f"Weighted betweenness, mines to importer ({label})",
                                result.betweenness.groupby("commodity", group_keys=False)
                                .head(top))
        views["min-cut"] = (f"Minimum cut between world mine production and the importer "
                            f"({label})", result.min_cuts)
        if chosen == "min-cut" or (chosen == "all" and fmt is OutputFormat.json):
            views["min-cut-edges"] = (f"Edges of the minimum cuts ({label})",
                                      result.min_cut_edges)
    if chosen in ("betweenness", "min-cut") and chosen not in views:
        raise typer.BadParameter(f"{chosen!r} needs --structure", param_hint="--view")
    if chosen == "all" and commodity is not None:
        views = {k: v for k, v in views.items() if k not in ("overall", "actors")}
    if view is None and commodity is None:  # the default: both cross-commodity tables
        views = {k: views[k] for k in ("overall", "actors")}
        chosen = "all"
    show = {"overall": ["rank", "commodity", "stage", "actor", "name", "kind", "loss_t",
                        "loss_share", "supply_t"]}
    _emit_views(views, chosen, fmt, "overall" if commodity is None else "ranking",
                result.notes, show)


def _midstream_chokepoints(ds, importer: str, stage: str, year: int | None, threshold: float,
                           top: int, view: ChokepointView | None, battery_scenario: str,
                           quantity: float | None, gwh: float | None, include_domestic: bool,
                           fmt: OutputFormat) -> None:
    """Print `scrisk chokepoints --stage`: every number from midstream_chokepoints."""
    from scrisk.cli.output import status
    from scrisk.disruption.midstream import midstream_chokepoints

    chosen = (view or ChokepointView.all).value
    if chosen not in MIDSTREAM_VIEWS:
        raise typer.BadParameter(f"{chosen!r} is not a view of --stage; choose one of "
                                 f"{', '.join(MIDSTREAM_VIEWS)}", param_hint="--view")
    _check_stage_amount(stage, quantity, gwh)
    with status(f"ranking chokepoints of the {stage} stage"):
        result = midstream_chokepoints(ds, importer, stage, year, scenario=battery_scenario,
                                       quantity=quantity, gwh=gwh, threshold=threshold)
    need = (f"{result.product_need:,.6g} {result.unit} of cells made in {result.importer}"
            if stage == "cell" else
            f"{result.importer}'s {stage} material, {result.product_need:,.0f} {result.unit}")
    label = (f"{need}; {battery_scenario} mix; shares {result.year}, element networks "
             f"{result.network_year}")
    domestic = "" if include_domestic else f"; {result.importer}'s own nodes left out"
    ranking = result.summary(top, include_domestic)
    elements = result.by_element
    if not include_domestic:
        own = set(result.ranking.loc[result.ranking["domestic"].astype(bool), "node"])
        elements = elements.loc[~elements["node"].isin(own)]
    views = {
        "ranking": (f"Midstream chokepoints: share of the need lost if each node were lost "
                    f"({label}; top {top}{domestic}; world-market assumption, see notes)",
                    ranking),
        "elements": (f"Contained element lost per node ({label}{domestic})",
                     elements.groupby("commodity", sort=True, group_keys=False).head(top)),
        "single-points": (f"Single points of failure of the {stage} need ({label}; share > "
                          f"{threshold:g})", result.single_points),
    }
    _emit_views(views, chosen, fmt, "ranking", result.notes, MIDSTREAM_COLUMNS)


@scenario_app.command("validate")
@table_command(resolve=False)
def scenario_validate(file: FileArgument, data: DataOption = None,
                      fmt: FormatOption = OutputFormat.table) -> None:
    """Check a scenario file; list every problem and exit 1 if any."""
    from scrisk.disruption.scenarios import load_scenario

    ds = load(data)
    scenario = load_scenario(file, ds)
    if fmt is OutputFormat.table:
        typer.echo(f"{file}: valid, {len(scenario.shocks)} shock(s), importer "
                   f"{scenario.importer}")
    year = getattr(scenario, "year", None)
    emit(scenario.to_frame(), fmt, title=f"{scenario.name} ({scenario.importer}"
         f"{f', {year}' if year else ''}; shocks)")


@scenario_app.command("run")
@table_command(resolve=False)
def scenario_run(
    file: FileArgument,
    runs: Annotated[int, typer.Option(
        "--runs", help="Monte Carlo runs (0: one deterministic run with every shock).", min=0,
        max=MAX_RUNS)]
    = 0,
    seed: SeedOption = 0,
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
    sampler: Annotated[Sampler, typer.Option(
        "--sampler", help="Monte Carlo: 'uniform' draws every shock in every run; 'sparse' "
        "draws only the shocks that happen (same distribution, faster with many rare shocks, "
        "other numbers for the same seed).")] = Sampler.uniform,
    progress: Annotated[bool | None, typer.Option(
        "--progress/--no-progress", help="Progress bar of the Monte Carlo on stderr (default: "
        "when stderr is a terminal).", show_default=False)] = None,
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
        _monte_carlo(ds, scenario, runs, seed, threshold, dict(options, sampler=sampler.value),
                     view, progress, fmt)


def _deterministic(ds, scenario, options: dict, view: ScenarioView, fmt: OutputFormat) -> None:
    from scrisk.disruption.scenarios import run_scenario

    result = run_scenario(ds, scenario, **options)
    label = f"{scenario.name}, {scenario.importer} {result.year}"
    supply = result.supply.drop(columns=["headline"], errors="ignore")
    origin = result.by_origin.loc[result.by_origin["loss_t"] > 0]
    views = {
        "supply": (f"Supply after the shocks ({label})", supply),
        "origin": (f"Loss by mine origin ({label})", origin),
        "self-sufficiency": (f"Self-sufficiency (base metals) ({label})",
                             result.self_sufficiency),
        "battery": (f"Battery coverage ({label}; {options['gwh']:g} GWh, "
                    f"{options['battery_scenario']})", result.battery),
        "shocks": (f"Shocks ({label})", result.shocks),
    }
    _emit_views(views, view.value, fmt, "supply", result.notes)


# columns of the Monte Carlo loss table that fit 120 terminal columns (--wide: all)
MONTE_CARLO_COLUMNS = ["commodity", "stage", "unit", "supply_t", "mean_loss_t", "p95_loss_t",
                       "mean_loss_share", "p50_loss_share", "p95_loss_share", "p99_loss_share",
                       "prob_loss"]


def _monte_carlo(ds, scenario, runs: int, seed: int, threshold: float, options: dict,
                 view: ScenarioView, show_progress: bool | None, fmt: OutputFormat) -> None:
    from scrisk.cli.output import progress
    from scrisk.disruption.montecarlo import monte_carlo

    if view.value in ("origin", "self-sufficiency"):
        raise typer.BadParameter(f"{view.value!r} is shown for a deterministic run only "
                                 "(drop --runs)", param_hint="--view")
    kwargs = dict(options, coverage_threshold=threshold)
    sampler = kwargs.get("sampler", "uniform")
    # on stderr, so that csv / json on stdout stay clean
    with progress("Monte Carlo", runs, enabled=show_progress, unit="runs") as update:
        result = monte_carlo(ds, scenario, runs, seed, progress=update, **kwargs)
    label = f"{scenario.name}, {scenario.importer} {result.year}, {runs:,} runs, seed {seed}" + \
        ("" if sampler == "uniform" else f", {sampler} sampler")
    views = {
        "supply": (f"Supply loss distribution ({label})",
                   result.losses.drop(columns=["headline"], errors="ignore")),
        "battery": (f"Battery coverage below {threshold:g} ({label}; {options['gwh']:g} GWh)",
                    result.coverage),
        "shocks": (f"Shocks sampled ({label})", result.shocks),
    }
    _emit_views(views, view.value, fmt, "supply", result.notes,
                {"supply": MONTE_CARLO_COLUMNS})


@scenario_app.command("midstream")
@table_command(resolve=False)
def scenario_midstream(
    file: FileArgument,
    stage: Annotated[str, typer.Option(
        "--stage", help="cell (default: the cathode and anode material of --gwh of cells made "
        "in the scenario's importer), cathode or anode.")] = "cell",
    gwh: Annotated[float | None, typer.Option(
        "--gwh", help="With --stage cell: GWh/yr of cells (default: the importer's goal).",
        min=0.0, show_default=False)] = None,
    quantity: Annotated[float | None, typer.Option(
        "--quantity", help="With --stage cathode/anode: tonnes of product (default: the "
        "importer's own output).", min=0.0, show_default=False)] = None,
    battery_scenario: Annotated[str, typer.Option(
        "--battery-scenario", help="Chemistry mix of battery_scenarios.csv.")] = "nickel_rich",
    view: Annotated[str, typer.Option(
        "--view", help="Which table to show: all, losses or elements.")] = "all",
    cut: Annotated[list[str] | None, typer.Option(
        "--cut", help="Also cut a producer country's midstream output, e.g. --cut "
        "cathode:CHN=0.3 (repeatable; share lost, 0-1).", show_default=False)] = None,
    year: YearOption = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Loss of the importer's cathode, anode or cell need when every shock of the file happens.

    The element shocks act on the element pools of every cathode and anode
    producer (docs/methods.md, chokepoints of the battery midstream); a
    deterministic run (no --runs).
    """
    from scrisk.disruption.midstream import midstream_scenario
    from scrisk.disruption.scenarios import check_battery_scenario, load_scenario

    if view not in ("all", "losses", "elements"):
        raise typer.BadParameter(f"{view!r}: choose all, losses or elements",
                                 param_hint="--view")
    ds = load(data)
    scenario = load_scenario(file, ds)
    check_battery_scenario(ds, battery_scenario)
    _check_stage_amount(stage, quantity, gwh)
    from scrisk.cli.options import parse_pairs

    cuts = parse_pairs(cut, "--cut")
    try:
        result = midstream_scenario(ds, scenario, stage, year,
                                    battery_scenario=battery_scenario, quantity=quantity,
                                    gwh=gwh, output_cuts=cuts)
    except ValueError as err:
        if "output cut" not in str(err):
            raise
        raise typer.BadParameter(str(err), param_hint="--cut") from None
    label = (f"{scenario.name}, {result.importer}; {result.product_need:,.6g} {result.unit}; "
             f"{battery_scenario} mix; shares {result.year}")
    views = {
        "losses": (f"Midstream need lost under the scenario ({label}; world-market "
                   "assumption, see notes)", result.losses),
        "elements": (f"Contained element lost under the scenario ({label})", result.elements),
    }
    _emit_views(views, view, fmt, "losses", result.notes)


def _check_stage_amount(stage: str, quantity: float | None, gwh: float | None) -> None:
    """A midstream stage and its amount option: cells take --gwh, materials --quantity."""
    from scrisk.metrics.midstream import check_stage

    check_stage(stage)
    if stage == "cell" and quantity is not None:
        raise typer.BadParameter("--stage cell takes --gwh, not --quantity",
                                 param_hint="--quantity")
    if stage != "cell" and gwh is not None:
        raise typer.BadParameter(f"--stage {stage} takes --quantity (t product), not --gwh",
                                 param_hint="--gwh")
