"""Licence, publisher and year of every source cited by the data, from a table of publishers.

``data/licences.csv`` holds one row per publisher: ``pattern`` (a regular
expression that finds the publisher in a citation), ``publisher``,
``licence``, ``licence_basis`` (``readme``: documented in data/README.md;
``terms``: the publisher's standard terms; empty: unknown) and
``default_year`` (the edition when a citation names no year). The licences
are data, kept and cited in one place; this module only attaches them to the
citations of a dataset. A licence written in the citation itself, such as
``(CC BY 4.0)``, wins (basis ``stated``).

Examples
--------
>>> classify_source("IEA, Global EV Outlook 2024, 2024; https://x (CC BY 4.0)")["licence"]
'CC BY 4.0'
>>> classify_source("World Mining Data 2025 (BMF Austria), table Copper")["year"]
2025
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd

FILE = "licences.csv"
_STATED = re.compile(r"\((CC[ -]BY[^)]*|CC0[^)]*|public domain[^)]*|Etalab[^)]*|ODbL[^)]*)\)",
                     re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_TOKENS = re.compile(r"^[A-Za-z0-9]+(;[A-Za-z0-9]+)*$")


def licences_path() -> Path:
    """Path of the shipped publisher/licence table."""
    from scrisk.data.load import shipped_data_path

    return shipped_data_path() / FILE


@cache
def publishers(path: str | None = None) -> tuple[tuple[re.Pattern, str, str, str, int | None], ...]:
    """The publisher table as (compiled pattern, publisher, licence, basis, default year)."""
    table = pd.read_csv(path or licences_path(), dtype=str, keep_default_na=False)
    return tuple((re.compile(r.pattern), r.publisher, r.licence, r.licence_basis,
                  int(r.default_year) if r.default_year else None)
                 for r in table.itertuples(index=False))


def classify_source(text: str) -> dict[str, object]:
    """Publisher family, year and licence of one citation (the publisher named first wins)."""
    family, licence, basis, default_year = None, "", "", None
    first = len(text) + 1
    for pattern, name, lic, why, year in publishers():
        match = pattern.search(text)
        if match and match.start() < first:
            first = match.start()
            family, licence, basis, default_year = name, lic, why, year
    stated = _STATED.search(text)
    if stated:
        licence, basis = stated.group(1), "stated"
    years = [int(y) for y in _YEAR.findall(text)]
    if family is None:
        family = re.split(r"[,;(]", text, maxsplit=1)[0].strip()[:80] or text[:80]
    return {"family": family, "year": max(years) if years else default_year,
            "licence": licence, "licence_basis": basis}


def source_licences(dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every source cited by the data: by publisher family and as full citations.

    Returns
    -------
    (families, citations) : tuple of pandas.DataFrame
        ``family, year, licence, licence_basis, tables, citations, rows`` and
        ``table, source, rows, family, year, licence, licence_basis``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> families, citations = source_licences(load_dataset())
    >>> "CEPII BACI (HS 1992)" in set(families["family"])
    True
    """
    cited = dataset.sources()
    parts = []
    for row in cited.itertuples(index=False):
        text = str(row.source)
        pieces = text.split(";") if _TOKENS.match(text) else [text]
        for piece in pieces:
            parts.append({"table": row.table, "source": piece.strip(), "rows": int(row.rows)})
    parts.append({"table": "geo/countries.parquet (maps)",
                  "source": "Natural Earth admin-0 countries 1:110m (copy in geopandas 0.14.4)",
                  "rows": _country_shapes()})
    citations = pd.DataFrame(parts).groupby(["table", "source"], as_index=False)["rows"].sum()
    info = pd.DataFrame([classify_source(s) for s in citations["source"]])
    citations = pd.concat([citations, info], axis=1)
    families = citations.groupby("family", as_index=False).agg(
        year=("year", "max"), licence=("licence", _first_nonempty),
        licence_basis=("licence_basis", _first_nonempty),
        tables=("table", lambda t: ", ".join(sorted(set(t)))),
        citations=("source", "nunique"), rows=("rows", "sum"))
    families["year"] = families["year"].astype("Int64")
    citations["year"] = citations["year"].astype("Int64")
    families = families.sort_values(["rows", "family"], ascending=[False, True],
                                    ignore_index=True, kind="stable")
    return families, citations.sort_values(["table", "source"], ignore_index=True)


def _first_nonempty(values: pd.Series) -> str:
    for value in values:
        if isinstance(value, str) and value:
            return value
    return ""


def _country_shapes() -> int:
    try:
        import pyarrow.parquet as pq

        from scrisk.data.load import shipped_data_path

        path = shipped_data_path() / "geo" / "countries.parquet"
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:  # noqa: BLE001 - the count is informative only
        return 0
