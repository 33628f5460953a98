"""Run the scrisk CLI in the test process (faster than a subprocess; exit code and output).

``main()`` is the function the ``scrisk`` console script calls, so exit codes and
messages are those a user sees; in the test process the shipped dataset is loaded once
(see the root ``conftest.py``) instead of once per command. An error that ``main()``
failed to turn into a message propagates and fails the test, as a traceback would.
A few tests in ``test_cli_basics.py`` still start a real process.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``scrisk *args`` in-process: returns (exit code, stdout, stderr)."""
    from scrisk.cli import main

    monkeypatch.setattr(sys, "argv", ["scrisk", *args])
    capsys.readouterr()  # drop anything printed before the command
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@dataclass(frozen=True)
class CliResult:
    """What a finished ``scrisk`` command left: the fields of ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


class InProcessCli:
    """``cli("metrics", ...)``: ``scrisk ...`` in-process, as a :class:`CliResult`."""

    def __init__(self, monkeypatch, capsys):
        self.monkeypatch, self.capsys = monkeypatch, capsys

    def __call__(self, *args: str, columns: int | None = None) -> CliResult:
        with self.monkeypatch.context() as patch:
            if columns is not None:
                patch.setenv("COLUMNS", str(columns))
            code, out, err = run_cli(patch, self.capsys, *args)
        return CliResult(code, out, err)


def run_process(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """``scrisk *args`` in a new Python process, as a user starts it."""
    return subprocess.run([sys.executable, "-c", "from scrisk.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=timeout)
