"""`scrisk metrics demand`: battery GWh and material needs of a demand path, year by year."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, emit, load, table_command
from scrisk.cli.metrics import ImporterOption, metrics_app

VIEWS = ("summary", "gwh", "needs", "coverage", "compare")


@metrics_app.command("demand")
@table_command
def demand_cmd(path: Annotated[Path, typer.Option(
                   "--path", help="Demand-path TOML file (e.g. paths/policy_2035.toml).")],
               view: Annotated[str, typer.Option(
                   "--view", help="summary (default: GWh, needs and the comparison), gwh, "
                   "needs, coverage or compare.")] = "summary",
               year: Annotated[int, typer.Option(
                   "--year", help="Year compared with 150 GWh and METI's 600 GWh figures.")
               ] = 2030,
               projects: Annotated[str | None, typer.Option(
                   "--projects", help="Candidate project ids, comma-separated, counted as "
                   "secured supply from their online year (coverage view).")] = None,
               basis: Annotated[str, typer.Option(
                   "--basis", help="calibrated (material bought, default) or theoretical "
                   "(cell content).")] = "calibrated",
               importer: ImporterOption = "JPN", data: DataOption = None,
               fmt: FormatOption = OutputFormat.table) -> None:
    """Battery GWh and material needs per year of a demand path, with coverage by stakes."""
    from scrisk.exceptions import UnknownChoiceError
    from scrisk.metrics.battery import BASES
    from scrisk.metrics.demand import (
        capacity_comparison,
        demand_coverage,
        demand_gwh,
        demand_needs,
        load_path,
        target_comparison,
    )

    if view not in VIEWS:
        raise UnknownChoiceError("view", view, VIEWS)
    if basis not in BASES:
        raise UnknownChoiceError("battery needs basis", basis, BASES)
    ds = load(data)
    demand = load_path(path, ds)
    label = f"{demand.name} ({path.name}; {demand.years[0]}-{demand.years[-1]})"
    if view in ("summary", "gwh"):
        gwh = demand_gwh(demand)
        shown = gwh if fmt is not OutputFormat.table or view == "gwh" else gwh[
            ["year", "sales_units", "electrified_share", "vehicle_gwh", "stationary_gwh",
             "gwh_low", "gwh", "gwh_high"]]
        emit(shown, fmt, title=f"Battery demand, GWh/yr: {label}", key="gwh")
        if view == "gwh" or fmt is OutputFormat.table:
            cap = capacity_comparison(ds, demand)
            held = cap.loc[cap["capacity_gwh"].notna()]
            if len(held):
                emit(held[["year", "gwh", "cell_output_gwh", "capacity_gwh", "capacity_status",
                           "demand_share_of_capacity"]], fmt,
                     title="Demand beside domestic cell capacity (years with a published or "
                           "certified figure; scrisk.metrics.midstream.cell_capacity)",
                     key="capacity")
    if view in ("summary", "needs"):
        needs = demand_needs(ds, demand, basis)
        if fmt is OutputFormat.table:
            wide = needs.pivot(index="year", columns="material", values="need_t")
            wide = wide[[m for m in needs["material"].unique()]].reset_index()
            emit(wide, fmt, title=f"Material needs, central, t/yr (lithium as LCE; basis "
                                  f"{basis}; low/high: --view needs --format csv): {label}",
                 key="needs")
        else:
            emit(needs, fmt, title=f"Material needs: {label}", key="needs")
    if view == "coverage":
        chosen = [p.strip() for p in projects.split(",") if p.strip()] if projects else None
        cov = demand_coverage(ds, demand, chosen, importer, basis)
        how = f"existing stakes + {len(chosen)} project(s)" if chosen else "existing stakes"
        emit(cov, fmt, title=f"Coverage of the needs by {how} ({importer}; stakes at "
                             f"facilities' latest output, held flat): {label}", key="coverage")
    if view in ("summary", "compare"):
        table = target_comparison(ds, demand, year, basis)
        emit(table, fmt, title=f"{year}: path needs beside 150 GWh (domestic target, with the "
                               f"path's {year} chemistry mix) and METI's 600 GWh material "
                               f"figures: {label}", key="compare")
        if fmt is OutputFormat.table:  # the battery command's scenarios give other 150 GWh needs
            typer.echo(f"note: at 150 GWh uses the path's {year} chemistry mix; 'scrisk metrics "
                       "battery' and 'scrisk optimize' use the chemistry scenarios of "
                       "battery_scenarios.csv (balanced, nickel_rich, lfp_shift), so their 150 "
                       "GWh needs differ")
    if fmt is OutputFormat.table:
        typer.echo("note: battery sizes, shares after 2024 and stationary storage are "
                   "assumptions of the path file; kWh per vehicle and copper ranges are marked "
                   "'to verify' in data/minerals/vehicle_battery.csv and battery_copper.csv.")
