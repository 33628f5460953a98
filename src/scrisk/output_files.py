"""Writing output files safely: all or nothing, and spreadsheet text that is never a formula.

Every file scrisk writes (report HTML, PDF and workbook, ``--out`` tables,
the frontier figure) goes through :class:`OutputFiles`: each file is
written under a temporary name in its final folder and renamed over the
final name only when the whole command has succeeded. A failure (an
error, Ctrl-C) removes the temporary files and any output folder the
command created, so that no partial file and no empty folder is left.
An existing file of the same name is replaced in one step (readers see
the old file or the new one, never half of one).

Workbooks: text is stored as text, never as a formula, whatever it starts
with; text starting with ``= + - @``, a tab or a carriage return also gets
Excel's quote prefix, so that editing the cell in Excel keeps it text.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "out"
>>> with OutputFiles(folder) as files:
...     _ = files.temporary(folder / "a.txt").write_text("hello")
>>> sorted(p.name for p in folder.iterdir())
['a.txt']
>>> try:
...     with OutputFiles(folder / "new") as files:
...         _ = files.temporary(folder / "new" / "b.txt").write_text("half")
...         raise RuntimeError("failed")
... except RuntimeError:
...     pass
>>> (folder / "new").exists()
False
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

# Text a spreadsheet would read as a formula (or as the start of one) when typed in;
# fullwidth forms too, which a Japanese input method turns into the ASCII ones.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


class OutputFolderError(OSError):
    """An output folder that cannot be created or written to."""


def check_folder(folder: str | os.PathLike, option: str = "--out") -> Path:
    """Check, without creating anything, that ``folder`` could be created and written to.

    Raises
    ------
    OutputFolderError
        When ``folder`` is a file, or its nearest existing parent is not a
        writable folder; the message names ``option``.
    """
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputFolderError(f"{option}: {str(path)!r} is a file, not a folder; give a "
                                f"folder name, e.g. {option} out")
    probe = path
    while not probe.exists():
        if probe.is_symlink():
            raise OutputFolderError(f"{option}: {str(probe)!r} is a link that leads nowhere")
        probe = probe.parent
    if not probe.is_dir():
        raise OutputFolderError(f"{option}: cannot create {str(path)!r}: {str(probe)!r} is a "
                                "file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputFolderError(f"{option}: cannot write to {str(probe)!r}; choose another "
                                "folder")
    return path


class OutputFiles:
    """The files of one command, written under temporary names and renamed together.

    Use as a context manager: on a normal exit every temporary file is
    renamed over its final name; on an exception the temporary files are
    deleted and folders created for them removed (when empty).

    Parameters
    ----------
    folder : path-like, optional
        A folder to create (if missing) for the outputs.
    """

    def __init__(self, folder: str | os.PathLike | None = None):
        self._pending: list[tuple[Path, Path]] = []
        self._created: list[Path] = []
        self.folder = None if folder is None else self.make_folder(folder)

    def make_folder(self, folder: str | os.PathLike) -> Path:
        """Create ``folder`` and its missing parents; they are removed again on failure."""
        path = Path(folder)
        check_folder(path)
        missing = []
        probe = path
        while not probe.exists():
            missing.append(probe)
            probe = probe.parent
        for level in reversed(missing):
            try:
                level.mkdir()
            except FileExistsError:
                continue
            except OSError as err:
                raise OutputFolderError(f"cannot create the output folder {str(level)!r}: "
                                        f"{err.strerror}; choose another folder") from err
            self._created.append(level)
        return path

    def temporary(self, final: str | os.PathLike) -> Path:
        """A temporary path beside ``final``, renamed to ``final`` on success."""
        final = Path(final)
        self.make_folder(final.parent if str(final.parent) else Path("."))
        if final.is_dir():
            raise OutputFolderError(f"{str(final)!r} is a folder; cannot write a file there")
        # the final suffix last: a browser printing a temporary .html reads it as HTML
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=f".part{final.suffix}",
                                       dir=final.parent if str(final.parent) else ".")
        except OSError as err:
            raise OutputFolderError(f"cannot write {str(final)!r}: {err.strerror or err}"
                                    ) from None
        os.close(fd)
        self._pending.append((Path(tmp), final))
        return Path(tmp)

    def write(self, final: str | os.PathLike, write: Callable[[Path], object]) -> Path:
        """Call ``write(temporary_path)``; the file is renamed to ``final`` on success."""
        write(self.temporary(final))
        return Path(final)

    def commit(self) -> list[Path]:
        """Rename every temporary file over its final name (new files readable as usual)."""
        done = []
        mask = _umask()
        for tmp, final in self._pending:
            os.chmod(tmp, 0o666 & ~mask)  # mkstemp makes 0600; give the usual mode
            os.replace(tmp, final)
            done.append(final)
        self._pending.clear()
        self._created.clear()
        return done

    def rollback(self) -> None:
        """Delete the temporary files and the folders this command created (if empty)."""
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                pass
        self._created.clear()

    def __enter__(self) -> OutputFiles:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            try:
                self.commit()
            except BaseException:
                self.rollback()
                raise
        else:
            self.rollback()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(path: str | os.PathLike, write: Callable[[Path], object]) -> Path:
    """Write one file through a temporary name in the same folder, then rename it."""
    with OutputFiles() as files:
        files.write(path, write)
    return Path(path)


# --------------------------------------------------------------------------- spreadsheets


def is_formula_like(text: object) -> bool:
    """Whether a spreadsheet would take ``text`` for a formula if it were typed in.

    Examples
    --------
    >>> is_formula_like("=HYPERLINK(1)"), is_formula_like("\\t=1"), is_formula_like("Chile")
    (True, True, False)
    """
    return isinstance(text, str) and text.startswith(FORMULA_STARTS)


def text_cell(cell, text: str) -> None:
    """Put ``text`` in an openpyxl cell as text, never a formula (quote prefix if needed)."""
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True


def neutralise_formulas(book) -> int:
    """Make every formula-like cell of an openpyxl workbook plain text; returns how many.

    For workbooks written by a library that turns text starting with ``=``
    into a formula (pandas' ``to_excel``): the text is kept as it is.
    """
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or is_formula_like(cell.value):
                    text_cell(cell, str(cell.value))
                    changed += 1
    return changed
