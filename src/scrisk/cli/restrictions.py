"""`scrisk metrics restrictions` and `scrisk scenario from-restriction`: the export-restriction
inventory as a metric and as scenario files."""

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
    emit,
    load,
    table_command,
)
from scrisk.cli.disruption import scenario_app
from scrisk.cli.metrics import metrics_app


class RestrictionView(StrEnum):
    """Tables of `scrisk metrics restrictions`."""

    all = "all"
    summary = "summary"
    partners = "partners"
    origins = "origins"
    crossed = "crossed"
    measures = "measures"


@metrics_app.command("restrictions")
@table_command
def restrictions_cmd(
    importer: CountryImporterOption = "JPN",
    commodity: Annotated[str | None, typer.Option(
        "--commodity", help="One commodity (default: every commodity the inventory names).")]
    = None,
    year: Annotated[int | None, typer.Option(
        "--year", help="One year (default: every year with production and trade data).")]
    = None,
    stage: Annotated[str | None, typer.Option(
        "--stage", help="Stage of the importer's supply (default: its headline stage and "
        "every stage a measure restricts).")] = None,
    view: Annotated[RestrictionView, typer.Option(
        help="Which table: summary (share by year), partners, crossed (by restricting "
        "exporter whose border the metal crossed), origins, measures, or all.")]
    = RestrictionView.summary,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Share of the importer's supply that faced an export restriction in force, by year.

    Direct: imports of the stage from partners restricting that stage. Crossed: the supply
    that, at this or an earlier stage, was exported by a country restricting that stage's
    exports (traced through re-exports and processing with the shared origin model).
    Mined: the supply mined in countries restricting the commodity at any stage (an upper
    bound for mine-level measures). A measure counts in every year it is in force for any
    part of (docs/methods.md).
    """
    from scrisk.cli.disruption import _emit_views
    from scrisk.metrics.restrictions import RestrictionOptions, restriction_shares

    ds = load(data)
    options = RestrictionOptions(importer=importer,
                                 commodities=None if commodity is None else (commodity,),
                                 years=None if year is None else (year,), stage=stage)
    result = restriction_shares(ds, options)
    label = f"{result.importer}; shares of supply; a measure counts in every year it is in " \
            "force for any part of"
    views = {
        "summary": (f"Supply under export restrictions in force ({label})", result.table),
        "partners": (f"Restricted direct imports by partner ({result.importer})",
                     result.partners),
        "crossed": (f"Supply that crossed a restricted export, by restricting exporter "
                    f"({result.importer}; metal that crossed two counts under both)",
                    result.crossed),
        "origins": (f"Restricted supply by mine origin ({result.importer})", result.origins),
        "measures": (f"Export restrictions of the inventory ({result.importer})",
                     result.measures),
    }
    _emit_views(views, view.value, fmt, "summary", result.notes)


@scenario_app.command("from-restriction")
def from_restriction_cmd(
    measure_id: Annotated[str | None, typer.Argument(
        help="A measure_id of minerals/export_restrictions.csv (see `scrisk metrics "
        "restrictions --view measures`).", show_default=False)] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="Scenario file to write (.toml).", dir_okay=False, show_default=False)]
    = Path("restriction.toml"),
    all_measures: Annotated[bool, typer.Option(
        "--all", help="One scenario with a shock per country, commodity and stage of the "
        "inventory, probabilities from the measures' frequency (for --runs).")] = False,
    size: Annotated[float | None, typer.Option(
        "--size", help="Share of the restricted trade lost, 0..1 (default by measure type: "
        "ban 1, suspension 1, quota 0.5, licence 0.3, tax 0.2; halved when enforcement is "
        "partial).", min=0.0, max=1.0)] = None,
    importer: Annotated[str, typer.Option(
        "--importer", help="Importer the scenario is run for (ISO3 or name).")] = "JPN",
    year: Annotated[int | None, typer.Option(
        "--year", help="Data year (default: the last year before the measure took effect, "
        "else the latest).")] = None,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Write a scenario file for an export restriction of the inventory (or all of them)."""
    from scrisk.disruption.from_restriction import (
        FromRestrictionOptions,
        scenario_from_restriction,
        scenario_set_from_inventory,
        write_scenario,
    )
    from scrisk.disruption.scenarios import parse_scenario

    if (measure_id is None) == (not all_measures):
        from scrisk.exceptions import ScenarioError

        raise ScenarioError(["give one measure id (see `scrisk metrics restrictions --view "
                             "measures`) or --all, not both"], "scrisk scenario from-restriction")
    ds = load(data)
    options = FromRestrictionOptions(importer=ds.check_country(importer), size=size, year=year)
    if all_measures:
        spec = scenario_set_from_inventory(ds, options)
        header = ("Generated by `scrisk scenario from-restriction --all` from "
                  "minerals/export_restrictions.csv.\nSizes and probabilities are "
                  "ASSUMPTIONS (see description), not estimates.\n\n"
                  f"Run:  scrisk scenario run {out.name} --runs 10000 --seed 42")
    else:
        spec = scenario_from_restriction(ds, measure_id, options)
        header = (f"Generated by `scrisk scenario from-restriction {measure_id}` from "
                  "minerals/export_restrictions.csv.\nThe shock size is an ASSUMPTION "
                  f"(see description).\n\nRun:  scrisk scenario run {out.name}")
    path = write_scenario(spec, out, header)
    scenario = parse_scenario(spec, ds, file=str(path))
    if fmt is OutputFormat.table:
        typer.echo(f"wrote {path}: {len(scenario.shocks)} shock(s), importer "
                   f"{scenario.importer}")
    emit(scenario.to_frame(), fmt,
         title=f"Scenario from the export-restriction inventory ({scenario.name})")
