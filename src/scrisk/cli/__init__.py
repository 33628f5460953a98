"""The ``scrisk`` command line: a thin layer over the public API.

Argument parsing, progress display and output formatting live here; every
number comes from the library functions the notebooks call too. A user's
mistake (bad data, unknown commodity) ends with a readable message and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

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


def table_command(func=None, *, groups: bool = False, resolve: bool = True):
    """Decorator giving a command ``--lang``, ``--out`` and ``--wide`` and resolving names.

    See :func:`scrisk.cli.output.table_command`.
    """
    from scrisk.cli.output import table_command as _table_command

    return _table_command(func, groups=groups, resolve=resolve)


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


_LOADED: dict = {}


def load(data: Path | None):
    """Load the shipped dataset with the user's folder as overlay.

    Loaded once per process and folder (a Dataset is read-only), so that a
    command and the name resolution before it share one load.
    """
    from scrisk.cli.output import set_dataset
    from scrisk.data.load import load_dataset, shipped_data_path

    key = (str(shipped_data_path()), None if data is None else str(Path(data).resolve()),
           _folder_signature(data))
    dataset = _LOADED.get(key)
    if dataset is None:
        dataset = _LOADED[key] = load_dataset(overlay=data)
    set_dataset(dataset)
    return dataset


def _folder_signature(folder: Path | None) -> tuple:
    """Names, sizes and times of an overlay folder's files: a changed file means a new load."""
    if folder is None or not Path(folder).is_dir():
        return ()
    return tuple(sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in Path(folder).rglob("*") if p.is_file()))


def emit(frame, fmt: OutputFormat, title: str = "", json_payload=None, **options) -> None:
    """Print a DataFrame as a readable table, CSV or JSON (see :func:`scrisk.cli.output.emit`).

    The table is kept for ``--out FILE`` and shown in the command's
    ``--lang``; ``options`` are ``key`` (table name in the file) and
    ``units`` (unit kind per column).
    """
    from scrisk.cli.output import emit as _emit

    _emit(frame, fmt, title, json_payload, **options)


# Command modules register themselves on `app` when imported; each owns one area.
COMMAND_MODULES = ("data", "metrics", "midstream", "demand", "disruption", "optimize", "report",
                   "sweep")


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

    err = Console(stderr=True, emoji=False)
    _register_commands()
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except DataValidationError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        err.print("Run `scrisk data validate --data DIR` for the full table.")
        sys.exit(exc.exit_code)
    except ScriskError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
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
    """Usage-error classes of typer's bundled click and of click itself, when installed.

    Recent typer releases raise their own copy of click's exceptions even when click
    is installed (Dask brings click in), so both sets are caught.
    """
    found: list[type[BaseException]] = []
    for module in ("typer._click.exceptions", "click.exceptions"):
        try:
            exceptions = __import__(module, fromlist=["ClickException"])
        except ImportError:
            continue
        found.extend(getattr(exceptions, name) for name in ("ClickException", "Abort")
                     if hasattr(exceptions, name))
    return tuple(found)


if __name__ == "__main__":
    main()
