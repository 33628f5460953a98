"""Read numbers written as text, strictly and column at a time.

A comma is read only as a thousands separator between complete groups of
three digits (``1,234,567`` or ``1,234.5``). Anything else with a comma
(``36,0``, ``1,5``, ``1,23,456``, ``1.234,5``) is ambiguous: in many locales
it is a decimal mark, and reading ``36,0`` as 360 would be a confident wrong
number. Such values are flagged, never guessed. ``inf``, ``nan`` and values
that overflow a float (``1e400``) are not numbers either.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# ASCII digits only: Python's \d would also accept Arabic-Indic or full-width digits
_GROUPED = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?"

DECIMAL_COMMA_HINT = ("with '.' as the decimal mark (',' only between groups of three digits, "
                      "as in 1,234,567)")


@dataclass(frozen=True)
class ParsedNumbers:
    """Numbers read from a column of text.

    Attributes
    ----------
    values : numpy.ndarray
        float64, NaN where the text is blank or not a finite number.
    ambiguous_comma : numpy.ndarray
        bool, True where the text holds a comma that is not a thousands
        separator (``36,0``): the value is NaN and must be reported as such.
    infinite : numpy.ndarray
        bool, True where the text reads as an infinite number (``inf``,
        ``1e400``): the value is NaN.
    """

    values: np.ndarray
    ambiguous_comma: np.ndarray
    infinite: np.ndarray


def parse_numbers(series: pd.Series) -> ParsedNumbers:
    """Parse a column of numbers written as text (or already numeric).

    Parameters
    ----------
    series : pandas.Series
        Text (surrounding blanks are ignored) or a numeric column.

    Returns
    -------
    ParsedNumbers

    Examples
    --------
    >>> parsed = parse_numbers(pd.Series(["1,234,567", "36,0", "2.5", "inf", "", "1e3"]))
    >>> parsed.values.tolist()
    [1234567.0, nan, 2.5, nan, nan, 1000.0]
    >>> parsed.ambiguous_comma.tolist(), parsed.infinite.tolist()
    ([False, True, False, False, False, False], [False, False, False, True, False, False])
    """
    if series.dtype.kind in "fiu":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return ParsedNumbers(np.where(np.isfinite(values), values, np.nan),
                             np.zeros(len(series), dtype=bool), np.isinf(values))
    text = series.astype("string").str.strip()
    comma = text.str.contains(",", regex=False).fillna(False).to_numpy(dtype=bool)
    ambiguous = np.zeros(len(series), dtype=bool)
    if comma.any():
        with_comma = text[comma]
        grouped = with_comma.str.fullmatch(_GROUPED).fillna(False).to_numpy(dtype=bool)
        ambiguous[np.flatnonzero(comma)[~grouped]] = True
        text = text.where(~ambiguous, pd.NA).str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    infinite = np.isinf(values)  # "inf", "1e400": no quantity
    return ParsedNumbers(np.where(infinite, np.nan, values), ambiguous, infinite)
