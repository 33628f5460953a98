"""Exception hierarchy for domain failures.

Programming errors (wrong types passed to a function) raise the built-in
exceptions; failures a user can fix (bad data, an unknown commodity, an
impossible target) raise a :class:`ScriskError` subclass whose message says
what was expected and how to fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class ScriskError(Exception):
    """Base class of every error a user can act on."""

    exit_code: int = 1


@dataclass(frozen=True)
class ValidationFailure:
    """One problem found in one input file.

    Attributes
    ----------
    file : str
        File name relative to the data folder, e.g. ``minerals/production.csv``.
    row : int or None
        Line number in the file (the header is line 1), or ``None`` for a
        problem with the file or a whole column.
    column : str or None
        Column name, or ``None`` for a file-level problem.
    value : str or None
        The offending value as read, or ``None``.
    expected : str
        What was expected instead.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.column is not None:
            where += f", column '{self.column}'"
        got = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{got}; expected {self.expected}"


class DataValidationError(ScriskError):
    """Raised when input data fails validation; holds every failure found."""

    def __init__(self, failures: Sequence[ValidationFailure]):
        self.failures = tuple(failures)
        shown = "\n".join(f"  - {f}" for f in self.failures[:20])
        more = len(self.failures) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.failures)} problem(s) in the input data:\n{shown}{tail}")


class UnknownChoiceError(ScriskError, ValueError):
    """Raised when a name (commodity, country, year, ...) is not among the valid choices."""

    exit_code = 2

    def __init__(self, kind: str, given: object, choices: Iterable[object]):
        self.kind = kind
        self.given = given
        self.choices = sorted({str(c) for c in choices})
        close = difflib.get_close_matches(str(given), self.choices, n=5, cutoff=0.5)
        rest = [c for c in self.choices if c not in close]
        listed = ", ".join(close + rest)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(f"unknown {kind} {given!r}.{hint} Valid choices: {listed}")


class UnknownCommodityError(UnknownChoiceError):
    """Raised for a commodity that is not in the dataset."""

    def __init__(self, given: object, choices: Iterable[object]):
        super().__init__("commodity", given, choices)


class UnknownCountryError(UnknownChoiceError):
    """Raised for a country name or code that cannot be resolved to ISO3."""

    def __init__(self, given: object, choices: Iterable[object]):
        super().__init__("country", given, choices)


class InfeasibleTargetError(ScriskError):
    """Raised when parameters make a problem impossible before any solve (e.g. a negative budget)."""

    exit_code = 2


class SolverError(ScriskError):
    """Raised when the optimisation solver fails for a reason other than infeasibility."""


class ScenarioError(ScriskError):
    """Raised when a scenario file is invalid; holds every problem found."""

    exit_code = 1

    def __init__(self, problems: Sequence[str], file: str = "scenario"):
        self.problems = tuple(problems)
        self.file = file
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in {file}:\n{lines}")
