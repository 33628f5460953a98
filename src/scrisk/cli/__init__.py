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
CountryImporterOption = Annotated[str, typer.Option(
    "--importer", help="Importer: ISO3 code, English or Japanese name (JPN, Japan, 日本).")]


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
    debug: Annotated[bool, typer.Option(
        "--debug", help="On an internal error, show the traceback (may be given anywhere on "
        "the command line; or set SCRISK_DEBUG=1).")] = False,
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
    """Names, sizes and times of an overlay folder's files: a changed file means a new load.

    Raises :class:`DataValidationError` for a link in the folder that leads
    nowhere (broken, or a loop), as :func:`scrisk.data.load.load_dataset` does
    (:func:`scrisk.data.load.overlay_link_failures`), before anything is cached.
    """
    import os

    from scrisk.data.load import overlay_link_failures

    if folder is None or not Path(folder).is_dir():
        return ()
    if broken := overlay_link_failures(folder):
        raise DataValidationError(broken)
    out = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        for name in sorted(names + dirs):
            path = Path(root) / name
            if name in names or path.is_symlink() and not path.is_dir():
                stat = path.stat()
                out.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(out))


def check_data_folder(folder: Path | None) -> list:
    """Problems of a ``--data`` folder's links (broken or looping), as validation failures."""
    try:
        _folder_signature(folder)
    except DataValidationError as err:
        return list(err.failures)
    return []


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
                   "sweep", "company", "restrictions")


def _register_commands() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    for name in COMMAND_MODULES:
        if find_spec(f"scrisk.cli.{name}") is not None:
            import_module(f"scrisk.cli.{name}")


DEBUG_FLAG = "--debug"


def command():
    """The click command of the CLI, every command registered and every float option finite.

    Built once per call; the in-process test runner and :func:`main` share it.
    """
    import typer.main

    from scrisk.cli.options import finite_floats

    _register_commands()
    click_command = typer.main.get_command(app)
    finite_floats(click_command)
    return click_command


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every error into a readable message.

    A user's mistake (bad data, a bad option value, an unusable file) is one
    line naming what was wrong, exit code 1 or 2. Anything else is an
    internal error: a short message and exit 70, with the traceback only
    under ``--debug`` (anywhere on the command line) or ``SCRISK_DEBUG=1``.
    """
    import os

    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, emoji=False)
    args = list(sys.argv[1:] if argv is None else argv)
    cut = args.index("--") if "--" in args else len(args)
    debug = DEBUG_FLAG in args[:cut] or os.environ.get("SCRISK_DEBUG", "").strip().lower() in (
        "1", "true", "yes", "on")
    args = [a for i, a in enumerate(args) if not (i < cut and a == DEBUG_FLAG)]

    def fail(text: str, code: int, hint: str | None = None) -> None:
        err.print(f"[bold red]error:[/] {escape(text)}", highlight=False, soft_wrap=True)
        if hint:
            err.print(escape(hint), highlight=False, soft_wrap=True)
        sys.exit(code)

    try:
        code = command().main(args=args, prog_name="scrisk", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except DataValidationError as exc:
        fail(str(exc), exc.exit_code,
             "Run `scrisk data validate --data DIR` for the full table." if exc.about_dataset
             else None)
    except ScriskError as exc:
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # usage errors arrive here with standalone_mode=False
        if isinstance(exc, _click_exception_types()):
            exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        if type(exc).__name__ == "Abort":  # click's Abort: e.g. Ctrl-D at a prompt
            fail("aborted", 1)
        if debug:
            raise
        if isinstance(exc, MemoryError):
            fail(f"not enough memory for this run ({_short(str(exc)) or 'MemoryError'}); give "
                 "smaller inputs or counts (--runs, --draws, candidates, scenario entries)", 1)
        if isinstance(exc, OSError):
            fail(_os_error_text(exc), 1)
        fail(f"internal error ({type(exc).__name__}: {_short(str(exc))})", INTERNAL_ERROR,
             "This is a fault of scrisk, not of your input as far as it could tell; run the "
             "same command with --debug for the traceback and report it.")


INTERNAL_ERROR = 70  # EX_SOFTWARE of sysexits.h


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _os_error_text(exc: OSError) -> str:
    """A file-system error in one line: what, which file, why (no traceback)."""
    import errno

    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ELOOP:
        reason = "symbolic link loop (a link that points back to itself or a folder above it)"
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    return f"{reason}: {where}" if where else _short(str(exc) or reason)


def _click_exception_types() -> tuple[type[BaseException], ...]:
    """Usage-error classes of typer's bundled click and of click itself, when installed.

    Recent typer releases raise their own copy of click's exceptions even when click
    is installed (Dask brings click in), so both are caught; ``Abort`` (no message to
    show) is handled by :func:`main` by name.
    """
    from typer._click.exceptions import ClickException

    try:
        from click.exceptions import ClickException as PlainClickException
    except ImportError:
        return (ClickException,)
    return (ClickException, PlainClickException)


if __name__ == "__main__":
    main()
