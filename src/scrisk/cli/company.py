"""`scrisk company FILE`: a company's own supply mix (concentration, risk, origins, scenarios)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load, table_command


@app.command("company")
@table_command
def company_cmd(
    file: Annotated[Path, typer.Argument(
        help="Procurement file (CSV, UTF-8; English or Japanese headers: see "
        "templates/company_procurement_en.csv and _ja.csv).", show_default=False)],
    scenario: Annotated[list[Path] | None, typer.Option(
        "--scenario", help="Disruption scenario file or folder (repeatable), e.g. "
        "--scenario scenarios/: the loss of each company's purchases under it.")] = None,
    home: Annotated[str, typer.Option(
        "--home", help="Country the companies buy for (ISO3 or name): purchases from it "
        "are domestic; its supply network and scenarios are read.")] = "JPN",
    origins: Annotated[int, typer.Option(
        "--origins", help="Mined origins shown per company and commodity (the file written "
        "with --out holds all).")] = 5,
    data: DataOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Supply risk of companies' own purchases, per company and commodity.

    Concentration (HHI of supplier countries), GeoPolRisk-style import risk
    and score, look-through mined origins through the supply network, the
    share under export restrictions (when the inventory is in this build) and,
    with --scenario, the loss under each scenario. Quantities are contained
    metal. The file is only read: nothing is written into the data.
    """
    from scrisk.exceptions import DataValidationError, ScriskError
    from scrisk.metrics.company import CompanyOptions, company_risk, scenario_files

    ds = load(data)
    options = CompanyOptions(home=ds.check_country(home),
                             scenarios=scenario_files(scenario or ()))
    try:
        risk = company_risk(ds, file, options)
    except DataValidationError as exc:
        # every problem of the user's file, not the first 20 nor a pointer to `data validate`
        listed = "\n".join(f"  - {f}" for f in exc.failures)
        raise ScriskError(f"{len(exc.failures)} problem(s) in {file.name}:\n{listed}") from None
    emit(risk.table, fmt, key="companies",
         title=f"Supply risk of company purchases ({file.name}; contained metal; import "
               f"risk as GeoPolRisk with {risk.home} as home)")
    if fmt is not OutputFormat.table:
        return
    emit(risk.top_origins(origins), fmt, key="origins",
         title=f"Mined origins of the purchases (look-through via {risk.home}'s supply "
               "network; largest first)")
    if len(risk.losses):
        emit(risk.losses, fmt, key="losses",
             title="Loss of the purchases under each scenario (origin by origin, as "
                   f"{risk.home}'s supply of that origin and stage loses)")
    for note in risk.notes:
        typer.echo(f"note: {note}")
