"""Run the scrisk CLI in the test process (faster than a subprocess; exit code and output)."""

from __future__ import annotations

import sys


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``scrisk *args`` in-process: returns (exit code, stdout, stderr)."""
    from scrisk.cli import main

    monkeypatch.setattr(sys, "argv", ["scrisk", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err
