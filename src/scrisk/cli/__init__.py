"""The ``scrisk`` command line: a thin layer over the public API.

Argument parsing, progress display and output formatting live here; every
number comes from the library functions the notebooks call too. A user's
mistake (bad data, unknown commodity) ends with a readable message and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from scrisk import __version__
from scrisk.exceptions import DataValidationError, ScriskError

app = typer.Typer(
    name="scrisk",
    help="Critical-mineral and battery supply-chain risk: metrics, chokepoints, scenarios, "
    "project scoring, portfolio optimisation and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class OutputFormat(StrEnum):
    """Output formats of table-producing commands."""

    table = "table"
    csv = "csv"
    json = "json"


DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="Folder with your own data files (same names as the shipped "
                 "ones); they replace or extend the shipped files."),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"scrisk {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """Critical-mineral supply-chain risk toolkit."""


def load(data: Path | None):
    """Load the shipped dataset with the user's folder as overlay."""
    from scrisk.data.load import load_dataset

    return load_dataset(overlay=data)


def emit(frame, fmt: OutputFormat, title: str = "", json_payload=None) -> None:
    """Print a DataFrame as a rich table, CSV or JSON."""
    import pandas as pd

    if fmt is OutputFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
        return
    if fmt is OutputFormat.json:
        payload = json_payload if json_payload is not None else json.loads(
            frame.to_json(orient="records", force_ascii=False))
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title or None, show_lines=False)
    for name in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[name])
        table.add_column(str(name), justify="right" if numeric else "left")
    for row in frame.itertuples(index=False):
        table.add_row(*[_fmt_cell(v) for v in row])
    Console(width=max(120, Console().width)).print(table)


def _fmt_cell(value) -> str:
    import math

    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
            return f"{value:.4g}"
        return f"{value:,.4f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


# Command modules register themselves on `app` when imported; each owns one area.
COMMAND_MODULES = ("data", "metrics", "disruption", "optimize", "report")


def _register_commands() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    for name in COMMAND_MODULES:
        if find_spec(f"scrisk.cli.{name}") is not None:
            import_module(f"scrisk.cli.{name}")


def main() -> None:
    """Entry point: run the app and turn domain errors into readable messages."""
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True)
    _register_commands()
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except DataValidationError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        err.print("Run `scrisk data validate --data DIR` for the full table.")
        sys.exit(exc.exit_code)
    except ScriskError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except (FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # usage errors arrive here with standalone_mode=False
        usage = _click_exception_types()
        if isinstance(exc, usage):
            exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        raise


def _click_exception_types() -> tuple[type[BaseException], ...]:
    """Click's usage-error classes: typer bundles its own copy when click is absent."""
    try:
        from click.exceptions import Abort, ClickException
    except ImportError:
        from typer._click.exceptions import ClickException

        return (ClickException,)
    return (ClickException, Abort)

if __name__ == "__main__":
    main()
