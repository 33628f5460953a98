"""`scrisk data ...`: validate and describe a dataset."""

from __future__ import annotations

from typing import Annotated

import typer

from scrisk.cli import DataOption, FormatOption, OutputFormat, app, emit, load

data_app = typer.Typer(help="Validate and describe a dataset.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("validate")
def data_validate(data: DataOption = None,
                  fmt: FormatOption = OutputFormat.table) -> None:
    """Check every file against its schema; list every problem and exit 1 if any."""
    import pandas as pd

    from scrisk.data.load import validate_folder

    failures = validate_folder(overlay=data)
    if not failures:
        typer.echo("dataset is valid")
        return
    frame = pd.DataFrame([f.__dict__ for f in failures])
    frame["row"] = frame["row"].astype("Int64")
    emit(frame, fmt, title=f"{len(failures)} problem(s) found")
    raise typer.Exit(1)


@data_app.command("summary")
def data_summary(data: DataOption = None, fmt: FormatOption = OutputFormat.table,
                 sources: Annotated[bool, typer.Option(help="List every source cited.")] = False
                 ) -> None:
    """What the dataset covers: tables, years, commodities, countries, sources."""
    ds = load(data)
    emit(ds.sources() if sources else ds.summary(), fmt, title="scrisk dataset")
