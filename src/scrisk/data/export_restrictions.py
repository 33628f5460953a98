"""The export-restriction inventory (``minerals/export_restrictions.csv``): rules and readers.

The file's columns are in :data:`scrisk.data.schemas.SCHEMAS`; the rules that
span columns (an end date on or after the start, HS6 codes of six digits, a
scope of ``all`` or known ISO3 codes, a document date ``YYYY[-MM[-DD]]``) are
checked here at load, every failure collected. :func:`restriction_table` gives
the measures with parsed dates and lists, and :func:`years_in_force` the
calendar years a measure touches: the rule every analysis shares.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from scrisk.exceptions import ValidationFailure

ALL_DESTINATIONS = "all"
FILE = "minerals/export_restrictions.csv"
_HS6 = re.compile(r"^\d{6}$")
_DOC_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == ""


def _split(text: object) -> list[str]:
    if _missing(text):
        return []
    return [part.strip() for part in str(text).split(";") if part.strip()]


def check_export_restrictions(table: pd.DataFrame | None, countries: set[str],
                              failures: list[ValidationFailure], file_col: str,
                              line_col: str) -> None:
    """Append a failure for every row breaking a rule that spans columns (see module doc)."""
    if table is None or table.empty:
        return

    def fail(row, column: str, value: object, expected: str) -> None:
        failures.append(ValidationFailure(str(getattr(row, file_col)),
                                          int(getattr(row, line_col)), column,
                                          None if value is None else str(value), expected))

    for row in table.itertuples(index=False):
        start, end = row.start_date, row.end_date
        if not _missing(start) and not _missing(end) and str(end) < str(start):
            fail(row, "end_date", end, f"a date on or after start_date ({start}) or empty")
        for code in _split(row.products):
            if not _HS6.match(code):
                fail(row, "products", code, "HS6 codes of six digits, ';'-separated")
        scope = _split(row.scope)
        if scope != [ALL_DESTINATIONS]:
            if not scope:
                fail(row, "scope", row.scope, "'all' or ';'-separated ISO3 codes")
            for code in scope:
                if code not in countries:
                    fail(row, "scope", code,
                         "'all' or ';'-separated ISO3 codes of minerals/countries.csv")
        if not _missing(row.source_date) and not _DOC_DATE.match(str(row.source_date)):
            fail(row, "source_date", row.source_date, "a date YYYY, YYYY-MM or YYYY-MM-DD")


def restriction_table(dataset) -> pd.DataFrame:
    """The inventory with parsed fields, one row per measure (empty without the file).

    Adds ``start`` and ``end`` (``datetime.date``; ``end`` is ``None`` when
    in force at the last check), ``products_list`` and ``scope_list``
    (tuples; ``scope_list`` is ``("all",)`` for every destination). Parsed once per
    dataset and shared: treat it as read-only (copy before changing it).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = restriction_table(load_dataset())
    >>> bool((table["country"] == "CHN").any())
    True
    """
    if "export_restrictions" not in dataset.table_names:
        return _empty()
    cache = getattr(dataset, "__dict__", {})
    if "_restriction_table" in cache:
        return cache["_restriction_table"]
    table = dataset.export_restrictions
    if table.empty:
        return _empty()
    table = table.copy()
    table["start"] = [date.fromisoformat(str(v)) for v in table["start_date"]]
    table["end"] = [None if _missing(v) else date.fromisoformat(str(v)) for v in table["end_date"]]
    table["products_list"] = [tuple(_split(v)) for v in table["products"]]
    table["scope_list"] = [tuple(_split(v)) for v in table["scope"]]
    table = table.sort_values(["country", "start_date", "measure_id"], ignore_index=True)
    if hasattr(dataset, "__dict__"):
        dataset.__dict__["_restriction_table"] = table
    return table


def _empty() -> pd.DataFrame:
    from scrisk.data.schemas import SCHEMAS

    columns = [c.name for c in SCHEMAS["export_restrictions"].columns]
    return pd.DataFrame(columns=[*columns, "start", "end", "products_list", "scope_list"])


def years_in_force(start: date, end: date | None, last_year: int) -> range:
    """Calendar years a measure is in force for any part of (up to ``last_year``).

    Examples
    --------
    >>> list(years_in_force(date(2014, 1, 12), date(2017, 1, 11), 2024))
    [2014, 2015, 2016, 2017]
    >>> list(years_in_force(date(2023, 12, 1), None, 2024))
    [2023, 2024]
    """
    stop = last_year if end is None else min(end.year, last_year)
    return range(start.year, stop + 1)


def months_in_force(start: date, end: date | None, year: int) -> float:
    """Share of ``year`` (in months, 0-12) a measure is in force, counted in days.

    Examples
    --------
    >>> months_in_force(date(2023, 12, 1), None, 2023)
    1.0
    >>> months_in_force(date(2025, 2, 22), date(2025, 10, 15), 2025)
    7.8
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    lo = max(start, first)
    hi = last if end is None else min(end, last)
    if hi < lo:
        return 0.0
    days = (hi - lo).days + 1
    return round(12.0 * days / ((last - first).days + 1), 1)


def covers(scope: tuple[str, ...], destination: str) -> bool:
    """Whether a measure's scope includes a destination (``all`` covers every one).

    >>> covers(("all",), "JPN"), covers(("USA",), "JPN")
    (True, False)
    """
    return ALL_DESTINATIONS in scope or destination in scope
