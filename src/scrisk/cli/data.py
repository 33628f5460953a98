"""`scrisk data ...`: validate and describe a dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load, table_command

data_app = typer.Typer(help="Validate and describe a dataset.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("validate")
@table_command
def data_validate(data: DataOption = None,
                  fmt: FormatOption = OutputFormat.table) -> None:
    """Check every file against its schema; list every problem and exit 1 if any."""
    import pandas as pd

    from scrisk.cli import check_data_folder
    from scrisk.data.load import validate_folder

    failures = check_data_folder(data) or validate_folder(overlay=data)
    if not failures:
        typer.echo("dataset is valid")
        return
    frame = pd.DataFrame([f.__dict__ for f in failures])
    frame["row"] = frame["row"].astype("Int64")
    emit(frame, fmt, title=f"{len(failures)} problem(s) found")
    raise typer.Exit(1)


@data_app.command("summary")
@table_command
def data_summary(data: DataOption = None, fmt: FormatOption = OutputFormat.table,
                 sources: Annotated[bool, typer.Option(help="List every source cited.")] = False
                 ) -> None:
    """What the dataset covers: tables, years, commodities, countries, sources."""
    ds = load(data)
    emit(ds.sources() if sources else ds.summary(), fmt, title="scrisk dataset")


@data_app.command("check-trade")
@table_command
def data_check_trade(
    data: DataOption = None,
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
    commodity: Annotated[str | None, typer.Option(help="Only this commodity.")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List every repaired trade quantity (unit-value checks, missing quantities)."""
    from scrisk.data.trade_repair import repair_summary, repairs_of

    ds = load(data)
    trade = ds.trade
    if year is not None:
        trade = trade.loc[trade["year"] == ds.check_year(year, "trade")]
    if commodity is not None:
        trade = trade.loc[trade["commodity"] == ds.check_commodity(commodity)]
    repairs = repairs_of(trade)
    summary = repair_summary(trade, repairs)
    if fmt is OutputFormat.table:
        shown = repairs.drop(columns=["repair", "stage"])
        emit(shown, fmt, title="Trade quantities repaired (t gross; unit values in kUSD/t)")
        typer.echo(summary)
        return
    emit(repairs, fmt, json_payload={"summary": summary, "repairs": json.loads(
        repairs.to_json(orient="records", force_ascii=False))} if fmt is OutputFormat.json
        else None)


@data_app.command("import-baci")
@table_command(resolve=False)
def data_import_baci(
    path: Annotated[Path, typer.Argument(help="BACI HS92 release: the .zip download or its "
                                              "folder (BACI_HS92_Y*_V*.csv, country_codes_V*.csv, "
                                              "product_codes_HS92_V*.csv).")],
    out: Annotated[Path, typer.Option("--out", help="Your data folder; the trade table is "
                                                     "written to OUT/minerals/trade.parquet.")],
    years: Annotated[str | None, typer.Option(
        help="Years to import, e.g. 2018-2024 or 2019,2021 [default: the release's years "
             "within 2018-2024].")] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Stream a full BACI release into your data folder (use it with --data OUT)."""
    from scrisk.data.baci import import_baci
    from scrisk.exceptions import DataValidationError

    try:
        result = import_baci(path, out, years=years,
                             progress=lambda msg: typer.echo(msg, err=True))
    except DataValidationError as exc:  # the release's files, not a data folder
        raise DataValidationError(exc.failures, about_dataset=False) from None
    emit(result.summary(), fmt, title="BACI import")
    typer.echo(f"use it with: scrisk ... --data {out}", err=True)
