"""HS6 codes to commodity, stage and contained-element factor (``minerals/hs_map.csv``).

A row of the map says what one HS6 code means: which commodity, which stage
of the ladder (:data:`scrisk.data.schemas.STAGES`) and which mass fraction of
the gross product weight is the commodity's contained unit (t Cu, t Li,
t REO, t graphite, ...), with a low-high range and a cited basis.

One code may mean different products by exporter: HS 282200 (cobalt oxides
and hydroxides) from DR Congo or Zambia is the mine-site hydroxide
(intermediate, about 32 % Co), from anywhere else a refined chemical. Such a
row lists its exporters (``;``-separated ISO3); a row with an empty
``exporters`` applies to every other exporter. A code with only
exporter-specific rows (253090, a basket code mapped only for spodumene
exporters) maps nothing for the other exporters.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.schemas import STAGES
from scrisk.exceptions import DataValidationError, ValidationFailure

HS_MAP_COLUMNS = ("hs6", "commodity", "stage", "exporters", "product", "contained_factor",
                  "factor_low", "factor_high", "source", "note")
MAPPED_COLUMNS = ("commodity", "stage", "contained_factor", "map_exporters")
_LABEL = "minerals/hs_map.csv"


def shipped_hs_map_path() -> Path:
    """Path of the HS map shipped with scrisk (under ``$SCRISK_DATA`` when set)."""
    from scrisk.data.load import shipped_data_path

    return shipped_data_path() / "minerals" / "hs_map.csv"


def read_hs_map(path: str | os.PathLike | None = None, commodities: set[str] | None = None,
                countries: set[str] | None = None) -> pd.DataFrame:
    """Read and validate an HS map file.

    Parameters
    ----------
    path : path-like, optional
        CSV file with the columns of ``minerals/hs_map.csv``; the shipped map by default.
    commodities, countries : set of str, optional
        Known commodity slugs and ISO3 codes; when given, every row is checked against them.

    Returns
    -------
    pandas.DataFrame
        The map with numeric factor columns, sorted by ``hs6`` with
        exporter-specific rows first.

    Raises
    ------
    DataValidationError
        With every problem found (file, row, column, value, expected).

    Examples
    --------
    >>> hs_map = read_hs_map()
    >>> row = hs_map[(hs_map.hs6 == "282200") & (hs_map.exporters == "COD;ZMB")].iloc[0]
    >>> row.stage, float(row.contained_factor)
    ('intermediate', 0.22)
    """
    file = Path(path) if path is not None else shipped_hs_map_path()
    label = _LABEL if path is None else str(file)
    try:
        raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[],
                          encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise DataValidationError([ValidationFailure(label, None, None, None,
                                                     f"a readable CSV file ({err})")]) from err
    missing = [c for c in HS_MAP_COLUMNS if c not in raw.columns and c != "note"]
    if missing:
        raise DataValidationError([ValidationFailure(label, 1, c, None, f"a column '{c}'")
                                   for c in missing])
    if "note" not in raw:
        raw["note"] = ""
    frame = raw[list(HS_MAP_COLUMNS)].apply(lambda s: s.str.strip())
    failures = validate_hs_map(frame, commodities, countries, label=label)
    if failures:
        raise DataValidationError(failures)
    return normalise_hs_map(frame)


def normalise_hs_map(frame: pd.DataFrame) -> pd.DataFrame:
    """Numeric factors, canonical exporter lists, exporter-specific rows first.

    Examples
    --------
    >>> m = pd.DataFrame({"hs6": ["260400", "260400"], "commodity": "nickel",
    ...                   "stage": "mining", "exporters": ["", "phl; IDN"],
    ...                   "contained_factor": ["0.12", "0.015"]})
    >>> normalise_hs_map(m)[["exporters", "contained_factor"]].to_dict("list")
    {'exporters': ['IDN;PHL', ''], 'contained_factor': [0.015, 0.12]}
    """
    out = frame.copy()
    for col in ("contained_factor", "factor_low", "factor_high"):
        if col in out:
            out[col] = pd.to_numeric(out[col]).astype("float64")
    out["exporters"] = out["exporters"].astype(object).where(out["exporters"].notna(), "")
    out["exporters"] = out["exporters"].map(_canonical_exporters)
    out["_default"] = out["exporters"] == ""
    out = out.sort_values(["hs6", "_default", "exporters"], kind="stable", ignore_index=True)
    return out.drop(columns="_default")


def _canonical_exporters(text: str) -> str:
    return ";".join(sorted({p.strip().upper() for p in str(text).split(";") if p.strip()}))


def validate_hs_map(frame: pd.DataFrame, commodities: set[str] | None = None,
                    countries: set[str] | None = None, label: str = _LABEL,
                    first_line: int = 2, lines: pd.Series | None = None,
                    files: pd.Series | None = None) -> list[ValidationFailure]:
    """Every rule the HS map must satisfy, as a list of failures (empty when valid).

    Rules: ``hs6`` has 6 digits; ``stage`` is on the ladder; ``commodity``
    and every exporter are known (when the sets are given);
    ``0 < factor_low <= contained_factor <= factor_high``; no code is mapped
    twice for the same exporter (two rows listing one exporter, or two
    default rows); ``source`` is not empty.

    Examples
    --------
    >>> bad = pd.DataFrame({"hs6": ["2603"], "commodity": ["copper"], "stage": ["ore"],
    ...                     "exporters": [""], "contained_factor": ["0.4"],
    ...                     "factor_low": ["0.2"], "factor_high": ["0.35"], "source": ["x"]})
    >>> [f.column for f in validate_hs_map(bad)]
    ['hs6', 'stage', 'contained_factor']
    """
    failures: list[ValidationFailure] = []
    line_of = (np.asarray(lines, dtype="int64") if lines is not None
               else np.arange(first_line, first_line + len(frame)))
    file_of = np.asarray(files, dtype=object) if files is not None else np.full(len(frame), label)

    def fail(i: int, column: str, value: object, expected: str) -> None:
        shown = None if value is None or str(value).strip() in ("", "nan", "None") else str(value)
        failures.append(ValidationFailure(str(file_of[i]), int(line_of[i]), column, shown,
                                          expected))

    numbers = {}
    for col in ("contained_factor", "factor_low", "factor_high"):
        numbers[col] = pd.to_numeric(frame[col].astype("string").str.strip(),
                                     errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(frame.itertuples(index=False)):
        hs6 = str(row.hs6)
        if not (len(hs6) == 6 and hs6.isdigit()):
            fail(i, "hs6", hs6, "a 6-digit HS code with leading zeros, e.g. 260300")
        if commodities is not None and row.commodity not in commodities:
            fail(i, "commodity", row.commodity, "a commodity in minerals/commodities.csv")
        if row.stage not in STAGES:
            fail(i, "stage", row.stage, "one of " + ", ".join(STAGES))
        factor, low, high = (numbers[c][i] for c in ("contained_factor", "factor_low",
                                                     "factor_high"))
        for col, value in (("contained_factor", factor), ("factor_low", low),
                           ("factor_high", high)):
            if not np.isfinite(value) or value <= 0 or value > 2:
                fail(i, col, getattr(row, col), "a number in (0, 2]")
        if np.isfinite([factor, low, high]).all() and not low <= factor <= high:
            fail(i, "contained_factor", row.contained_factor,
                 f"a value in [factor_low, factor_high] = [{low:g}, {high:g}]")
        if row.source is None or not str(row.source).strip():
            fail(i, "source", None, "a citation (publisher, document, year)")
        exporters = _canonical_exporters(row.exporters if isinstance(row.exporters, str)
                                         else "").split(";")
        for exporter in filter(None, exporters):
            if len(exporter) != 3 or (countries is not None and exporter not in countries):
                fail(i, "exporters", exporter, "';'-separated ISO3 codes of known countries")
        for exporter in exporters:  # "" is the default row of the code
            key = (hs6, exporter)
            if key in seen:
                who = f"exporter {exporter}" if exporter else "every other exporter (default row)"
                fail(i, "exporters", row.exporters,
                     f"one row per code and exporter: {hs6} for {who} is mapped on line "
                     f"{line_of[seen[key]]} already")
            else:
                seen[key] = i
    return failures


def map_trade(rows: pd.DataFrame, hs_map: pd.DataFrame, hs6: str = "hs6",
              exporter: str = "exporter", keep_unmapped: bool = False) -> pd.DataFrame:
    """Attach commodity, stage and contained factor to trade rows.

    An exporter-specific row of the map wins over the code's default row.

    Parameters
    ----------
    rows : pandas.DataFrame
        Trade rows with an HS6 column (6-character text) and an ISO3 exporter column.
    hs_map : pandas.DataFrame
        The map (:func:`read_hs_map`).
    hs6, exporter : str
        Column names in ``rows``.
    keep_unmapped : bool
        Keep rows the map does not cover (with missing values) instead of dropping them.

    Returns
    -------
    pandas.DataFrame
        ``rows`` (index reset) plus ``commodity``, ``stage``, ``contained_factor``
        and ``map_exporters`` (the matched map row's exporter list, empty for
        the default row). Columns of those names in ``rows`` are replaced.

    Examples
    --------
    >>> hs_map = read_hs_map()
    >>> rows = pd.DataFrame({"hs6": ["282200", "282200", "999999"],
    ...                      "exporter": ["COD", "FIN", "FIN"]})
    >>> map_trade(rows, hs_map)[["exporter", "stage", "contained_factor"]].values.tolist()
    [['COD', 'intermediate', 0.22], ['FIN', 'refining', 0.72]]
    """
    table = normalise_hs_map(hs_map)
    base = rows.drop(columns=[c for c in MAPPED_COLUMNS if c in rows]).reset_index(drop=True)
    specific = table.loc[table["exporters"] != "", ["hs6", "exporters", "commodity", "stage",
                                                     "contained_factor"]]
    specific = specific.assign(exporter=specific["exporters"].str.split(";")).explode("exporter")
    default = table.loc[table["exporters"] == "", ["hs6", "commodity", "stage",
                                                   "contained_factor", "exporters"]]
    codes = base[hs6].astype(str).to_numpy()
    senders = base[exporter].astype(str).to_numpy()
    pair_index = pd.MultiIndex.from_arrays([specific["hs6"].to_numpy(),
                                            specific["exporter"].to_numpy()])
    pos_specific = pair_index.get_indexer(pd.MultiIndex.from_arrays([codes, senders]))
    pos_default = pd.Index(default["hs6"].to_numpy()).get_indexer(codes)
    out = {}
    for col in ("commodity", "stage", "contained_factor", "exporters"):
        value = np.full(len(base), None, dtype=object)
        if len(default):
            value = np.where(pos_default >= 0, default[col].to_numpy()[pos_default], None)
        if len(specific):
            value = np.where(pos_specific >= 0, specific[col].to_numpy()[pos_specific], value)
        out[col] = value
    mapped = base.assign(
        commodity=pd.Series(out["commodity"], dtype="object").to_numpy(),
        stage=pd.Series(out["stage"], dtype="object").to_numpy(),
        contained_factor=pd.to_numeric(pd.Series(out["contained_factor"]),
                                       errors="coerce").to_numpy(dtype="float64"),
        map_exporters=pd.Series(out["exporters"], dtype="object").to_numpy(),
    )
    if not keep_unmapped:
        mapped = mapped.loc[(pos_specific >= 0) | (pos_default >= 0)].reset_index(drop=True)
    return mapped


def contained_tonnes(rows: pd.DataFrame, hs_map: pd.DataFrame,
                     quantity: str = "quantity_t") -> pd.Series:
    """Contained quantity of each trade row: gross ``quantity`` x the map's factor.

    Rows the map does not cover get NaN. The index of ``rows`` is kept.

    Examples
    --------
    >>> rows = pd.DataFrame({"hs6": ["283691"], "exporter": ["CHL"], "quantity_t": [1000.0]})
    >>> round(float(contained_tonnes(rows, read_hs_map()).iloc[0]), 1)
    187.8
    """
    mapped = map_trade(rows[["hs6", "exporter"]], hs_map, keep_unmapped=True)
    factor = mapped["contained_factor"].to_numpy(dtype="float64")
    return pd.Series(rows[quantity].to_numpy(dtype="float64") * factor, index=rows.index,
                     name="contained_t")
