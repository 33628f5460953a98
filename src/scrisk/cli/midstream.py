"""`scrisk metrics battery-capacity` and `midstream-exposure`: the battery midstream.

Also the midstream branch of `scrisk metrics concentration --stage cathode`
(anode, cell, precursor). Every number comes from
:mod:`scrisk.metrics.midstream`; this module only parses and prints.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, emit, load, table_command
from scrisk.cli.metrics import ImporterOption, metrics_app

ScenarioOption = Annotated[str, typer.Option(
    "--scenario", help="Chemistry mix (minerals/battery_scenarios.csv): nickel_rich, balanced, "
    "lfp_shift.")]
YearOption = Annotated[int | None, typer.Option(
    "--year", help="Year of the midstream shares and element networks (default: the default "
    "analysis year).")]


def is_midstream(stage: str | None) -> bool:
    """Whether ``stage`` names a battery midstream stage."""
    from scrisk.data.schemas import MIDSTREAM_STAGES

    return stage in MIDSTREAM_STAGES


def concentration_midstream(ds, stage: str, year: int | None, scale: float,
                            fmt: OutputFormat, by_owner: bool = False) -> None:
    """Print the country concentration of a midstream stage with its sources.

    ``by_owner``: the capacity held by companies of each nationality instead
    (``metrics concentration --stage cell --companies``).
    """
    from scrisk.metrics.concentration import midstream_concentration

    if by_owner:
        owner_concentration_midstream(ds, stage, year, scale, fmt)
        return
    year = ds.check_year(year) if year is not None else ds.years("production")[-1]
    table = midstream_concentration(ds, stage, year, scale=scale)
    if table.empty:
        typer.echo(f"No published country shares of the {stage} stage are held "
                   "(minerals/midstream_shares.csv): a data gap, not a zero.")
        return
    shown = table if fmt is not OutputFormat.table else table.drop(columns=["source"])
    emit(shown, fmt, title=f"Supply concentration, battery {stage} stage, {year} (country "
                           "shares of the latest published table not after the year; ROW "
                           "left out of the HHI)")
    if fmt is OutputFormat.table:
        for row in table.itertuples(index=False):
            typer.echo(f"source ({row.variant}, {row.measure} {row.share_year}, "
                       f"{row.quality}): {row.source}")
    if stage == "anode":
        anode_types(ds, fmt)


def anode_types(ds, fmt: OutputFormat) -> None:
    """Print the natural / synthetic split of anode material and the gap."""
    from scrisk.metrics.midstream import anode_type_split

    split = anode_type_split(ds)
    if len(split):
        emit(split.drop(columns=["source"]) if fmt is OutputFormat.table else split, fmt,
             key="anode_types", title="Anode material by graphite type (share of the "
             "country's anode material)")
        if fmt is OutputFormat.table:
            for row in split.itertuples(index=False):
                typer.echo(f"source ({row.iso3} {row.year}): {row.source}")
    if fmt is OutputFormat.table:
        typer.echo(f"gap: {split.attrs['gap']}")


def owner_concentration_midstream(ds, stage: str, year: int | None, scale: float,
                                  fmt: OutputFormat) -> None:
    """Print the capacity of a midstream stage held by each owner nationality."""
    from scrisk.metrics.midstream import PIPELINE, owner_concentration

    world = owner_concentration(ds, stage, year, scale=scale)
    if world.empty:
        typer.echo(f"No company-level {stage} capacity is held "
                   "(minerals/midstream_plants.csv, scope company): a data gap, not a zero.")
    else:
        a = world.attrs
        if a["world_total"]:
            title = (f"World {stage} capacity by owner nationality, {a['year']} (company totals "
                     f"in operation, {a['unit']}; share of the world total "
                     f"{a['denominator']:,.1f}; HHI of the listed nationalities "
                     f"{a['hhi']:.3f}, coverage {a['coverage']:.0%})")
        else:
            world = world.drop(columns=["share"])
            title = (f"Listed {stage} company totals by owner nationality, {a['year']} "
                     f"({a['unit']}; no world capacity total held for the year: no world "
                     "shares or HHI)")
        emit(world, fmt, key="owners_world", title=title)
        if fmt is OutputFormat.table:
            if a["world_source"]:
                typer.echo(f"world total: {a['world_source']}")
            for source in a["sources"]:
                typer.echo(f"source: {source}")
            for note in a["notes"]:
                typer.echo(f"note: {note}")
    home = owner_concentration(ds, stage, year, within="JPN", statuses=PIPELINE, scale=scale)
    if not home.empty:
        emit(home, fmt, key="owners_japan",
             title=f"{stage.capitalize()} capacity located in Japan by owner nationality, "
                   f"{home.attrs['year']} (listed plants and certified plans if realised, "
                   f"{home.attrs['unit']})")


@metrics_app.command("battery-capacity")
@table_command
def battery_capacity_cmd(importer: ImporterOption = "JPN", scenario: ScenarioOption =
                         "nickel_rich", year: YearOption = None,
                         basis: Annotated[str, typer.Option(
                             "--basis", help="calibrated (material bought, default) or "
                             "theoretical (material in the cells).")] = "calibrated",
                         target: Annotated[float | None, typer.Option(
                             "--target", help="Goal in GWh/yr (default: the policy target, "
                             "150 for Japan).")] = None,
                         show_plants: Annotated[bool, typer.Option(
                             "--plants", help="Also list every plant and plan with owners, "
                             "status, quality and source.")] = False,
                         data: DataOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """Domestic cell capacity by year against the goal, the goal's materials and their mines."""
    from scrisk.exceptions import UnknownChoiceError
    from scrisk.metrics.battery import BASES
    from scrisk.metrics.midstream import battery_goal

    if basis not in BASES:
        raise UnknownChoiceError("basis", basis, BASES)
    ds = load(data)
    goal = battery_goal(ds, importer, scenario, year, basis, target)
    cap = goal.capacity
    emit(cap.drop(columns=["source", "note"]) if fmt is OutputFormat.table else cap, fmt,
         title=f"Domestic cell capacity of {importer} against {goal.target_gwh:g} GWh/yr by "
               f"{goal.target_year} (published figures only; 'no figure' years are not "
               "interpolated)", key="capacity")
    if fmt is OutputFormat.table:
        for row in cap.loc[cap["source"] != ""].itertuples(index=False):
            typer.echo(f"{row.year} ({row.status}, {row.quality}): {row.note} [{row.source}]")
    plants_by_year(ds, importer, fmt, show_plants)
    exposure = goal.exposure
    emit(goal.summary(), fmt, key="needs",
         title=f"Materials for {goal.target_gwh:g} GWh/yr ({scenario}, {basis}; contained "
               f"element; lithium also as LCE in the notes) and their mined origin "
               f"(networks of {exposure.year})")
    if fmt is OutputFormat.table:
        li = exposure.needs.loc[exposure.needs["commodity"] == "lithium", "lce_t"]
        if len(li):
            typer.echo(f"lithium: {float(li.iloc[0]):,.0f} t LCE")
    emit(exposure.chokepoints(), fmt, key="chokepoints",
         title="Largest single-country losses of the goal's materials (midstream supplier or "
               "mining country)")
    if fmt is OutputFormat.table:
        for note in exposure.notes:
            typer.echo(f"note: {note}")


def plants_by_year(ds, importer: str, fmt: OutputFormat, show_plants: bool = False) -> None:
    """Print the capacity built up from the plants beside the published figures."""
    from scrisk.metrics.midstream import capacity_comparison, certified_rounds, plant_table

    table = capacity_comparison(ds, importer)
    if table["if_realised_gwh"].fillna(0).eq(0).all():
        typer.echo(f"No cell plants of {importer} are held (minerals/midstream_plants.csv): "
                   "the plant build-up is a data gap, not a zero.")
        return
    emit(table, fmt, key="plants_by_year",
         title=f"Cell capacity of {importer} built up from the listed plants (GWh/yr) beside "
               "the published figure; difference = published - listed plants if realised")
    rounds = certified_rounds(ds, importer)
    if len(rounds):
        emit(rounds, fmt, key="certified_rounds",
             title="Certified supply-assurance plans (cells) by certification year: stated "
                   "capacity of the listed plans vs METI's rise in the certified total")
    if fmt is OutputFormat.table:
        for note in table.attrs["notes"]:
            typer.echo(f"note: {note}")
    if show_plants:
        plants = plant_table(ds, "cell", importer)
        shown = plants[["plant_id", "capacity", "year", "status", "certified", "quality",
                        "owners"]] if fmt is OutputFormat.table else plants
        emit(shown, fmt, key="plants", title=f"Cell plants and plans in {importer}")
        if fmt is OutputFormat.table:
            for row in plants.drop_duplicates("plant_id").itertuples(index=False):
                typer.echo(f"{row.plant_id}: {row.name} [{row.source}]")


def exposure_midstream(ds, importer: str, stage: str, year: int | None,
                       fmt: OutputFormat, scenario: str = "nickel_rich",
                       quantity: float | None = None) -> None:
    """Print the mined origin of a country's midstream supply (``metrics exposure --stage``)."""
    from scrisk.metrics.midstream import check_stage, midstream_exposure

    exposure = midstream_exposure(ds, importer, check_stage(stage), year, scenario, quantity)
    emit(exposure.by_origin(), fmt, key="origins",
         title=f"Mined origin of {importer}'s {stage} material ({exposure.product_need:,.0f} "
               f"{exposure.unit}, {scenario} chemistry mix), {exposure.year}, contained element")
    emit(exposure.chokepoints(), fmt, key="chokepoints",
         title="Largest single-country losses (midstream supplier or mining country)")
    if fmt is OutputFormat.table:
        for note in exposure.notes:
            typer.echo(f"note: {note}")


@metrics_app.command("midstream-exposure")
@table_command
def midstream_exposure_cmd(importer: ImporterOption = "JPN",
                           stage: Annotated[str, typer.Option(
                               "--stage", help="cathode (default), anode or precursor.")
                           ] = "cathode",
                           scenario: ScenarioOption = "nickel_rich", year: YearOption = None,
                           quantity: Annotated[float | None, typer.Option(
                               "--quantity", help="Tonnes of product to trace (default: the "
                               "importer's own output of the stage).")] = None,
                           data: DataOption = None,
                           fmt: FormatOption = OutputFormat.table) -> None:
    """Where the elements of a country's cathode or anode material were mined."""
    exposure_midstream(load(data), importer, stage, year, fmt, scenario, quantity)
