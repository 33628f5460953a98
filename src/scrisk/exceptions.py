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


SHOWN_PROBLEMS = 50
"""How many problems an error message lists before ``... and N more``."""


def problem_list(lines: Sequence[object], limit: int = SHOWN_PROBLEMS) -> str:
    """Bulleted lines, the first ``limit`` of them, then how many were left out.

    Examples
    --------
    >>> print(problem_list(["a", "b", "c"], limit=2))
      - a
      - b
      ... and 1 more
    """
    shown = "\n".join(f"  - {line}" for line in lines[:limit])
    more = len(lines) - limit
    return shown + (f"\n  ... and {more:,} more" if more > 0 else "")


class DataValidationError(ScriskError):
    """Raised when input data fails validation; holds every failure found.

    The message lists the first :data:`SHOWN_PROBLEMS` failures and counts
    the rest; :attr:`failures` holds them all.
    """

    def __init__(self, failures: Sequence[ValidationFailure], *, about_dataset: bool = True):
        self.failures = tuple(failures)
        # False when the failures are in a file given on its own (a candidates list, a
        # BACI download, a company file), where `scrisk data validate` does not apply
        self.about_dataset = about_dataset
        super().__init__(f"{len(self.failures)} problem(s) in the input data:\n"
                         f"{problem_list(self.failures)}")


class UnknownChoiceError(ScriskError, ValueError):
    """Raised when a name (commodity, country, year, ...) is not among the valid choices.

    The message names the closest choices first. A short list of choices (up
    to :attr:`LIST_LIMIT`) is given in full; a long one (250 country codes)
    is not: the closest 3-5 and ``hint`` say what to write instead.

    Parameters
    ----------
    kind : str
        What was asked for, e.g. ``"commodity"``.
    given : object
        What the user wrote.
    choices : iterable
        Every valid choice.
    suggestions : sequence of str, optional
        Closest choices, already formatted (e.g. ``"JPN (Japan)"``); by
        default the closest spellings among ``choices``.
    hint : str, optional
        One sentence on what the option accepts, shown instead of a long list.

    Examples
    --------
    >>> str(UnknownChoiceError("stage", "minig", ["mining", "refining"]))
    "unknown stage 'minig'. Did you mean 'mining'? Valid choices: mining, refining"
    >>> err = UnknownChoiceError("country", "Japn", [f"C{i:02d}" for i in range(99)],
    ...                          suggestions=["JPN (Japan)", "PAN (Panama)"],
    ...                          hint="Give an ISO3 code or a name.")
    >>> str(err)
    "unknown country 'Japn'. Did you mean JPN (Japan)? Other close choices: PAN (Panama). \
Give an ISO3 code or a name."
    """

    exit_code = 2
    LIST_LIMIT = 30

    def __init__(self, kind: str, given: object, choices: Iterable[object],
                 suggestions: Sequence[str] | None = None, hint: str = ""):
        self.kind = kind
        self.given = given
        self.choices = sorted({str(c) for c in choices})
        if suggestions is None:
            close = _closest_spellings(str(given), self.choices)
            shown = [repr(c) for c in close]
        else:
            close = list(suggestions)
            shown = list(close)
        self.suggestions = tuple(close)
        parts = [f"unknown {kind} {given!r}."]
        if shown:
            parts.append(f"Did you mean {shown[0]}?")
        listed = len(self.choices) <= self.LIST_LIMIT
        if len(shown) > 1 and not listed:
            parts.append(f"Other close choices: {', '.join(shown[1:5])}.")
        if hint:
            parts.append(hint)
        if listed:
            rest = [c for c in self.choices
                    if not any(s in (c, repr(c)) or s.startswith(f"{c!r} ") for s in close)]
            parts.append(f"Valid choices: {', '.join([*close, *rest])}")
        elif not hint:
            parts.append(f"({len(self.choices)} valid choices.)")
        super().__init__(" ".join(parts))


def _closest_spellings(given: str, choices: Sequence[str], n: int = 5) -> list[str]:
    """Choices spelt most like ``given`` (case-insensitive), best first."""
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(given.lower(), list(lowered), n=n, cutoff=0.5)
    return [lowered[c] for c in close]


class UnknownCommodityError(UnknownChoiceError):
    """Raised for a commodity that is not in the dataset."""

    def __init__(self, given: object, choices: Iterable[object],
                 suggestions: Sequence[str] | None = None, hint: str = ""):
        super().__init__("commodity", given, choices, suggestions, hint)


class UnknownCountryError(UnknownChoiceError):
    """Raised for a country name or code that cannot be resolved to ISO3."""

    def __init__(self, given: object, choices: Iterable[object],
                 suggestions: Sequence[str] | None = None, hint: str = ""):
        super().__init__("country", given, choices, suggestions, hint)


class InfeasibleTargetError(ScriskError):
    """Raised when parameters make a problem impossible before any solve (e.g. a negative budget)."""

    exit_code = 2


class SolverError(ScriskError):
    """Raised when the optimisation solver fails for a reason other than infeasibility."""


class ScenarioError(ScriskError):
    """Raised when a scenario file is invalid; holds every problem found.

    The message lists the first :data:`SHOWN_PROBLEMS` problems and counts
    the rest; :attr:`problems` holds them all.
    """

    exit_code = 1

    def __init__(self, problems: Sequence[str], file: str = "scenario"):
        self.problems = tuple(problems)
        self.file = file
        super().__init__(f"{len(self.problems)} problem(s) in {file}:\n"
                         f"{problem_list(self.problems)}")


class DemandPathError(ScriskError):
    """Raised when a demand-path file is invalid; holds every failure found.

    Each failure names the file, line, key (``section.key``), value and what
    was expected, like a data file's :class:`ValidationFailure`. The message
    lists the first :data:`SHOWN_PROBLEMS` and counts the rest.
    """

    exit_code = 1

    def __init__(self, failures: Sequence[ValidationFailure], file: str = "path"):
        self.failures = tuple(failures)
        self.file = file
        super().__init__(f"{len(self.failures)} problem(s) in demand path {file}:\n"
                         f"{problem_list(self.failures)}")


class InputFileError(ScriskError):
    """Raised when a structured input file (TOML, YAML) cannot be read within the limits.

    Attributes
    ----------
    file : str
        The file as given.
    problem : str
        What is wrong, e.g. ``"YAML aliases (*name) are not accepted (line 3)"``.
    """

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")
