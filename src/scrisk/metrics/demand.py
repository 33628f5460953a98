"""Demand paths: new-car sales by powertrain -> battery GWh -> material needs, year by year.

A demand path is a TOML file (``paths/`` holds two) giving, for a range of
years, new passenger-car sales, their shares by powertrain (HEV, PHEV, BEV,
FCEV, ICE), lithium-ion kWh per vehicle (low / central / high), the cells'
chemistry mix and stationary storage. Rows name anchor years; years between
are interpolated linearly. The chain, per year y:

    units(y, p)   = sales(y) x share(y, p)
    GWh(y)        = sum_p units(y, p) x kWh(y, p) / 10^6  +  stationary GWh(y)
    need(y, m)    = GWh(y) x sum_c mix(y, c) x kg_per_kwh(c, m) x yield(m) x 1,000   [t]
    copper(y)     = GWh(y) x (kg Cu/kWh in cells + in packs) x 1,000                 [t]

(1 GWh = 10^6 kWh; 1 kg/kWh x 10^6 kWh = 1,000 t.) Low and high use the low and
high kWh per vehicle, stationary GWh and copper intensities; the chemistry mix
and the other intensities are the same in all three. Material needs use
:func:`scrisk.metrics.battery.battery_needs` (calibrated basis by default), so
lithium is in tonnes of LCE and graphite is anode material. ``docs/methods.md``
("Demand paths") has a worked example.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.data.schemas import POWERTRAINS, YEAR_MAX, YEAR_MIN
from scrisk.data.structured import parse_toml
from scrisk.exceptions import DemandPathError, InputFileError, ValidationFailure
from scrisk.metrics.battery import (
    DEFAULT_BASIS,
    MATERIAL_OF_COMMODITY,
    TONNES_PER_GWH_PER_KG_PER_KWH,
    battery_coverage,
    battery_needs,
)

ELECTRIFIED = tuple(p for p in POWERTRAINS if p != "ICE")
LEVELS = ("low", "central", "high")
MAX_PATH_BYTES = 256_000  # a path file is a few kB; refuse anything that is clearly not one
MAX_ROWS_PER_SECTION = 200
MAX_YEARS = 100
TOP_KEYS = ("name", "name_ja", "description", "description_ja", "iso3", "first_year",
            "last_year", "sources", "sales", "share", "battery_kwh", "chemistry",
            "stationary", "exports")
REQUIRED_SECTIONS = ("sales", "share", "battery_kwh", "chemistry")
# Materials of the needs table, in order: the five of the battery strategy, then copper.
CATHODE_ANODE = tuple(MATERIAL_OF_COMMODITY.values())
COPPER_PARTS = ("copper_cells", "copper_packs")
MATERIALS = (*CATHODE_ANODE, *COPPER_PARTS)
SHARE_TOLERANCE = 1e-6
KWH_MAX = 300.0
LI_PER_LCE = 0.18786  # as scrisk.network.LI_PER_LCE: t Li in a t of Li2CO3


# --------------------------------------------------------------------------- the path


@dataclass(frozen=True)
class DemandPath:
    """A validated demand path, expanded to every year.

    Attributes
    ----------
    name, name_ja, description : str
    iso3 : str
        Country the sales are for (default ``JPN``).
    years : tuple of int
        ``first_year .. last_year``.
    sales : pandas.Series
        Year -> new passenger cars sold.
    shares : pandas.DataFrame
        Year x powertrain shares (rows sum to 1).
    kwh : pandas.DataFrame
        Year x (level, powertrain) lithium-ion kWh per vehicle, level in
        ``low, central, high``.
    chemistry : pandas.DataFrame
        Year x chemistry shares (rows sum to 1).
    stationary : pandas.DataFrame
        Year x level stationary-storage GWh (zeros when the file has none).
    export_share : pandas.Series
        Year -> share of domestic cell output exported (zeros when none given).
    sources : tuple of str
    file : str
    """

    name: str
    iso3: str
    years: tuple[int, ...]
    sales: pd.Series
    shares: pd.DataFrame
    kwh: pd.DataFrame
    chemistry: pd.DataFrame
    stationary: pd.DataFrame
    export_share: pd.Series
    name_ja: str = ""
    description: str = ""
    sources: tuple[str, ...] = ()
    file: str = "path"
    anchors: Mapping[str, tuple[int, ...]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Per year: sales, electrified share and each powertrain's share."""
        table = self.shares.copy()
        table.insert(0, "electrified_share", self.shares[list(ELECTRIFIED)].sum(axis=1))
        table.insert(0, "sales_units", self.sales)
        return table.rename_axis("year").reset_index()


def read_path_file(path: str | os.PathLike) -> tuple[dict, list[str]]:
    """Read a demand-path TOML file, bounded in size; return the mapping and its lines.

    Raises
    ------
    DemandPathError
        For a missing, oversized, non-UTF-8 or unparsable file (the parser's
        message gives the line).
    """
    path = Path(path)
    label = str(path)
    if not path.is_file():
        raise DemandPathError([ValidationFailure(label, None, None, None,
                                                 "a demand-path file that exists")], label)
    if path.suffix.lower() != ".toml":
        raise DemandPathError([ValidationFailure(label, None, None, path.suffix,
                                                 "a .toml file")], label)
    size = path.stat().st_size
    if size > MAX_PATH_BYTES:
        raise DemandPathError([ValidationFailure(label, None, None, f"{size:,} bytes",
                                                 f"a file under {MAX_PATH_BYTES:,} bytes")],
                              label)
    raw = path.read_bytes()[:MAX_PATH_BYTES + 1]
    try:
        text = raw.decode("utf-8")
        data = parse_toml(text, label)  # nesting bounded: a deep file is an error, not a crash
    except InputFileError as err:  # "not valid TOML: ..." or "nested more than 32 levels deep"
        raise DemandPathError([ValidationFailure(label, None, None, None,
                                                 f"valid TOML within the limits ({err.problem})")],
                              label) from err
    except UnicodeDecodeError as err:
        raise DemandPathError([ValidationFailure(label, None, None, None,
                                                 f"UTF-8 text ({err})")], label) from err
    return data, text.splitlines()


def load_path(path: str | os.PathLike, dataset: Dataset | None = None) -> DemandPath:
    """Read and validate a demand-path file.

    Parameters
    ----------
    path : path-like
        A ``.toml`` demand path (``paths/policy_2035.toml``; keys in
        ``docs/methods.md``).
    dataset : Dataset, optional
        Data the chemistries are checked against (default: the shipped data).

    Returns
    -------
    DemandPath

    Raises
    ------
    DemandPathError
        Listing every problem with file, line, key, value and what was expected.

    Examples
    --------
    >>> p = load_path(shipped_paths()["policy_2035"])
    >>> p.years[0], p.years[-1]
    (2024, 2035)
    >>> round(float(p.shares.loc[2035, "ICE"]), 6)
    0.0
    """
    if dataset is None:
        from scrisk.data.load import load_dataset

        dataset = load_dataset()
    data, lines = read_path_file(path)
    return parse_path(data, dataset, file=str(path), lines=lines)


def shipped_paths() -> dict[str, Path]:
    """Name -> file of the demand paths shipped in ``paths/``."""
    folder = Path(__file__).resolve().parents[3] / "paths"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


class _Problems:
    """Collects failures with the line of each ``[[section]]`` row and key when known."""

    def __init__(self, file: str, lines: Sequence[str] | None):
        self.file = file
        self.failures: list[ValidationFailure] = []
        self._headers: dict[str, list[int]] = {}
        self._lines = list(lines or [])
        for number, line in enumerate(self._lines, start=1):
            match = re.match(r"\s*\[\[\s*([A-Za-z_]+)\s*\]\]", line)
            if match:
                self._headers.setdefault(match.group(1), []).append(number)

    def line(self, section: str | None, index: int | None, key: str | None) -> int | None:
        if section is None:
            return self._key_line(0, len(self._lines), key) if key else None
        starts = self._headers.get(section, [])
        if index is None or index >= len(starts):
            return None
        start = starts[index]
        later = [n for rows in self._headers.values() for n in rows if n > start]
        end = min(later) - 1 if later else len(self._lines)
        found = self._key_line(start, end, key) if key else None
        return found or start

    def _key_line(self, start: int, end: int, key: str) -> int | None:
        pattern = re.compile(rf"\s*{re.escape(key)}\s*=")
        for number in range(start + 1, end + 1):
            if number - 1 < len(self._lines) and pattern.match(self._lines[number - 1]):
                return number
            if start == 0 and re.match(r"\s*\[", self._lines[number - 1]):
                return None  # top-level keys come before the first table
        return None

    def add(self, section: str | None, index: int | None, key: str | None, value: object,
            expected: str) -> None:
        column = key if section is None else f"{section}.{key}" if key else section
        shown = None if value is None else str(value)
        self.failures.append(ValidationFailure(self.file, self.line(section, index, key),
                                               column, shown, expected))


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(float(value)))


def _closest(given: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(given, list(choices), n=1, cutoff=0.5)
    if not close:
        close = [c for c in choices if c.lower() == given.lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_path(data: Mapping, dataset: Dataset, file: str = "path",
               lines: Sequence[str] | None = None) -> DemandPath:
    """Validate a demand path given as a mapping (what its TOML parses to).

    Every problem is collected before raising: unknown or missing keys,
    non-numbers, shares outside [0, 1] or rows not summing to 1, unknown
    powertrains or chemistries (with the closest spelling), low > central >
    high, repeated years, sections that do not cover ``first_year..last_year``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> spec = {"name": "toy", "first_year": 2030, "last_year": 2030,
    ...         "sales": [{"year": 2030, "units": 100}],
    ...         "share": [{"year": 2030, "BEV": 0.5, "ICE": 0.6}],
    ...         "battery_kwh": [{"year": 2030, "BEV": 50, "HEV": 1, "PHEV": 10, "FCEV": 1}],
    ...         "chemistry": [{"year": 2030, "LFP": 1.0}]}
    >>> try:
    ...     parse_path(spec, load_dataset(), file="toy.toml")
    ... except Exception as err:
    ...     print(err)
    1 problem(s) in demand path toy.toml:
      - toy.toml, column 'share': got '1.1'; expected shares summing to 1 (year 2030)
    """
    problems = _Problems(file, lines)
    if not isinstance(data, Mapping):
        problems.add(None, None, None, type(data).__name__, "a table of keys")
        raise DemandPathError(problems.failures, file)
    for key in data:
        if key not in TOP_KEYS:
            problems.add(None, None, key, key, "a known key: " + ", ".join(TOP_KEYS)
                         + _closest(str(key), TOP_KEYS))
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add(None, None, "name", name, "the path's name as text")
        name = ""
    texts = {}
    for key in ("name_ja", "description", "description_ja", "iso3"):
        value = data.get(key, "JPN" if key == "iso3" else "")
        if not isinstance(value, str):
            problems.add(None, None, key, value, "text")
            value = ""
        texts[key] = value.strip()
    iso3 = texts["iso3"] or "JPN"
    sources = data.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        problems.add(None, None, "sources", sources, "a list of text citations")
        sources = []
    first, last = data.get("first_year"), data.get("last_year")
    for key, value in (("first_year", first), ("last_year", last)):
        if isinstance(value, bool) or not isinstance(value, int) \
                or not YEAR_MIN <= value <= YEAR_MAX:
            problems.add(None, None, key, value, f"a year between {YEAR_MIN} and {YEAR_MAX}")
    years: list[int] = []
    if isinstance(first, int) and isinstance(last, int) and not isinstance(first, bool) \
            and not isinstance(last, bool) and YEAR_MIN <= first <= YEAR_MAX \
            and YEAR_MIN <= last <= YEAR_MAX:
        if last < first or last - first >= MAX_YEARS:
            problems.add(None, None, "last_year", last,
                         f"a year from first_year {first} to {first + MAX_YEARS - 1}")
        else:
            years = list(range(first, last + 1))

    chemistries = tuple(sorted(dataset.battery_intensity["chemistry"].unique()))
    specs = {
        "sales": (("units",), (), "number"),
        "share": ((), POWERTRAINS, "share"),
        "battery_kwh": (tuple(p for p in POWERTRAINS if p != "ICE"), POWERTRAINS, "range"),
        "chemistry": ((), chemistries, "share"),
        "stationary": (("gwh",), (), "range"),
        "exports": (("share",), (), "export"),
    }
    parsed: dict[str, pd.DataFrame] = {}
    anchors: dict[str, tuple[int, ...]] = {}
    for section, (required, allowed, kind) in specs.items():
        rows = data.get(section)
        if rows is None:
            if section in REQUIRED_SECTIONS:
                problems.add(None, None, section, None,
                             f"[[{section}]] rows (one per anchor year)")
            continue
        table = _parse_section(section, rows, required, allowed or required, kind, years,
                               problems)
        if table is not None:
            parsed[section] = table
            anchors[section] = tuple(int(y) for y in table.index.get_level_values(0).unique())
    if problems.failures:
        raise DemandPathError(problems.failures, file)

    index = pd.Index(years, name="year")
    sales = _interpolate(parsed["sales"].xs("central", axis=1, level=0), index)["units"]
    shares = _interpolate(parsed["share"].xs("central", axis=1, level=0), index)
    shares = shares.reindex(columns=list(POWERTRAINS), fill_value=0.0)
    kwh_levels = {lv: _interpolate(parsed["battery_kwh"].xs(lv, axis=1, level=0), index)
                  .reindex(columns=list(POWERTRAINS), fill_value=0.0) for lv in LEVELS}
    kwh = pd.concat(kwh_levels, axis=1, names=["level", "powertrain"])
    chemistry = _interpolate(parsed["chemistry"].xs("central", axis=1, level=0), index)
    chemistry = chemistry.loc[:, chemistry.abs().sum() > 0]
    if "stationary" in parsed:
        stationary = pd.DataFrame({lv: _interpolate(parsed["stationary"].xs(lv, axis=1, level=0),
                                                    index)["gwh"] for lv in LEVELS})
    else:
        stationary = pd.DataFrame(0.0, index=index, columns=list(LEVELS))
    if "exports" in parsed:
        export_share = _interpolate(parsed["exports"].xs("central", axis=1, level=0),
                                    index)["share"]
    else:
        export_share = pd.Series(0.0, index=index)
    return DemandPath(name=name.strip(), iso3=iso3, years=tuple(years), sales=sales.rename("units"),
                      shares=shares, kwh=kwh, chemistry=chemistry, stationary=stationary,
                      export_share=export_share.rename("export_share"), name_ja=texts["name_ja"],
                      description=texts["description"], sources=tuple(sources), file=file,
                      anchors=anchors)


def _parse_section(section: str, rows: object, required: Sequence[str], allowed: Sequence[str],
                   kind: str, years: list[int], problems: _Problems) -> pd.DataFrame | None:
    """Rows of one ``[[section]]`` as a (year) x (level, key) frame, or None on problems."""
    before = len(problems.failures)
    if not isinstance(rows, list) or not rows:
        problems.add(None, None, section, rows, f"[[{section}]] rows (one per anchor year)")
        return None
    if len(rows) > MAX_ROWS_PER_SECTION:
        problems.add(section, None, None, f"{len(rows)} rows",
                     f"at most {MAX_ROWS_PER_SECTION} rows")
        return None
    records: dict[int, dict[tuple[str, str], float]] = {}
    for n, row in enumerate(rows):
        if not isinstance(row, Mapping):
            problems.add(section, n, None, row, "a table of keys (year = ..., ...)")
            continue
        year = row.get("year")
        label = f"year {year}"
        if isinstance(year, bool) or not isinstance(year, int) \
                or not YEAR_MIN <= year <= YEAR_MAX:
            problems.add(section, n, "year", year, f"a year between {YEAR_MIN} and {YEAR_MAX}")
            continue
        if year in records:
            problems.add(section, n, "year", year, "each year once per section")
            continue
        values: dict[tuple[str, str], float] = {}
        row_start = len(problems.failures)
        for key in required:
            if key not in row:
                problems.add(section, n, key, None, f"a value for {key} ({label})")
        for key, value in row.items():
            if key == "year":
                continue
            if key not in allowed:
                problems.add(section, n, key, key, f"one of {', '.join(allowed)} ({label})"
                             + _closest(str(key), allowed))
                continue
            levels = _levels(value, kind)
            if levels is None:
                problems.add(section, n, key, value, _expected(kind, label))
                continue
            for level, number in zip(LEVELS, levels, strict=True):
                values[(level, key)] = number
        if kind == "share" and values and len(problems.failures) == row_start:
            total = sum(v for (lv, _), v in values.items() if lv == "central")
            if abs(total - 1.0) > SHARE_TOLERANCE:
                problems.add(section, n, None, f"{total:.6g}", f"shares summing to 1 ({label})")
        records[year] = values
    if len(problems.failures) > before:
        return None
    held = sorted(records)
    if years and (held[0] > years[0] or held[-1] < years[-1]):
        problems.add(section, None, None, f"{held[0]}-{held[-1]}",
                     f"rows whose years cover {years[0]}-{years[-1]} (first_year to last_year)")
        return None
    frame = pd.DataFrame.from_dict(records, orient="index").sort_index()
    frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["level", "key"])
    return frame.fillna(0.0)


def _levels(value: object, kind: str) -> tuple[float, float, float] | None:
    """(low, central, high) of a value, or None when it is not valid for ``kind``."""
    if kind == "range" and isinstance(value, list):
        if len(value) != 3 or not all(_is_number(v) for v in value):
            return None
        low, central, high = (float(v) for v in value)
        if not low <= central <= high:
            return None
    elif _is_number(value):
        low = central = high = float(value)
    else:
        return None
    limits = {"share": (0.0, 1.0), "export": (0.0, 0.99), "number": (0.0, 1e9),
              "range": (0.0, KWH_MAX if kind == "range" else 1e9)}[kind]
    if not all(limits[0] <= v <= limits[1] for v in (low, central, high)):
        return None
    return low, central, high


def _expected(kind: str, label: str) -> str:
    return {
        "share": f"a share in [0, 1] ({label})",
        "export": f"a share in [0, 0.99] ({label})",
        "number": f"a number >= 0 ({label})",
        "range": f"a number in [0, {KWH_MAX:g}] or [low, central, high] with "
                 f"low <= central <= high ({label})",
    }[kind]


def _interpolate(anchors: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """Linear interpolation of each column between anchor years, on ``index``."""
    x = anchors.index.to_numpy(dtype=float)
    out = {col: np.interp(index.to_numpy(dtype=float), x, anchors[col].to_numpy(dtype=float))
           for col in anchors.columns}
    return pd.DataFrame(out, index=index)


# --------------------------------------------------------------------------- GWh


def demand_gwh(path: DemandPath) -> pd.DataFrame:
    """Battery GWh per year of a demand path: vehicles, stationary storage and their sum.

    ``vehicle GWh = sum_p sales x share_p x kWh_p / 10^6``; low and high use
    the low and high kWh and stationary GWh. ``cell_output_gwh`` is the
    central total divided by ``1 - export_share`` (cells made at home when that
    share of output is exported).

    Returns
    -------
    pandas.DataFrame
        ``year, sales_units, electrified_share, units_<powertrain>...,
        vehicle_gwh_low, vehicle_gwh, vehicle_gwh_high, stationary_gwh_low,
        stationary_gwh, stationary_gwh_high, gwh_low, gwh, gwh_high,
        export_share, cell_output_gwh``.

    Examples
    --------
    >>> p = load_path(shipped_paths()["policy_2035"])
    >>> t = demand_gwh(p).set_index("year")
    >>> bool((t["gwh_low"] <= t["gwh"]).all() and (t["gwh"] <= t["gwh_high"]).all())
    True
    """
    units = path.shares.mul(path.sales, axis=0)
    table = pd.DataFrame(index=pd.Index(path.years, name="year"))
    table["sales_units"] = path.sales
    table["electrified_share"] = path.shares[list(ELECTRIFIED)].sum(axis=1)
    for p in POWERTRAINS:
        table[f"units_{p}"] = units[p]
    for level, suffix in zip(LEVELS, ("_low", "", "_high"), strict=True):
        vehicles = (units * path.kwh[level]).sum(axis=1) / 1e6
        table[f"vehicle_gwh{suffix}"] = vehicles
    for level, suffix in zip(LEVELS, ("_low", "", "_high"), strict=True):
        table[f"stationary_gwh{suffix}"] = path.stationary[level]
    for suffix in ("_low", "", "_high"):
        table[f"gwh{suffix}"] = table[f"vehicle_gwh{suffix}"] + table[f"stationary_gwh{suffix}"]
    table["export_share"] = path.export_share
    table["cell_output_gwh"] = table["gwh"] / (1.0 - path.export_share)
    return table.reset_index()


def observed_gwh(dataset: Dataset, year: int, iso3: str = "JPN") -> pd.DataFrame:
    """Vehicle battery GWh of a year with published sales (``vehicle_sales.csv``).

    ``GWh_p = units_p x kWh_p / 10^6`` with the low / central / high kWh of
    ``vehicle_battery.csv``; a powertrain without a sales figure counts 0 and
    is named in ``attrs['notes']``.

    Returns
    -------
    pandas.DataFrame
        ``powertrain, units, gwh_low, gwh, gwh_high`` plus a ``total`` row.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = observed_gwh(load_dataset(), 2024).set_index("powertrain")
    >>> int(t.loc["BEV", "units"])
    59736
    """
    sales = dataset.vehicle_sales
    rows = sales.loc[(sales["iso3"] == iso3) & (sales["year"] == year)]
    if rows.empty:
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("year with vehicle sales", year,
                                 sorted(sales.loc[sales["iso3"] == iso3, "year"].unique()))
    kwh = dataset.vehicle_battery.set_index("powertrain")
    table = rows.set_index("powertrain").reindex(list(POWERTRAINS))[["units"]]
    missing = table.index[table["units"].isna()].tolist()
    table["units"] = table["units"].fillna(0.0).astype(float)
    for level, suffix in zip(LEVELS, ("_low", "", "_high"), strict=True):
        table[f"gwh{suffix}"] = table["units"] * kwh[f"kwh_{level}"].reindex(table.index) \
            .fillna(0.0).astype(float) / 1e6
    table.loc["total"] = table.sum()
    table = table.rename_axis("powertrain").reset_index()
    table.attrs["notes"] = [f"{p}: no {year} sales figure; counted as 0" for p in missing]
    return table


# --------------------------------------------------------------------------- tonnes


def needs_per_gwh(dataset: Dataset, mix: pd.Series, basis: str = DEFAULT_BASIS) -> pd.Series:
    """Tonnes of each cathode/anode material per GWh of cells with chemistry ``mix``."""
    need = battery_needs(dataset, 1.0, mix=mix[mix > 0], basis=basis).set_index("material")
    return need["tonnes"].reindex(list(CATHODE_ANODE)).fillna(0.0)


def copper_intensity(dataset: Dataset) -> pd.DataFrame:
    """Copper kg per kWh in cells and packs, by level (``battery_copper.csv``).

    Returns a frame indexed by ``copper_cells, copper_packs`` with columns
    ``low, central, high`` (zeros, with ``attrs['missing']``, without the file).
    """
    table = dataset.battery_copper if "battery_copper" in dataset else pd.DataFrame()
    out = pd.DataFrame(0.0, index=list(COPPER_PARTS), columns=list(LEVELS))
    for part, component in zip(COPPER_PARTS, ("cell", "pack"), strict=True):
        rows = table.loc[table["component"] == component] if len(table) else table
        if len(rows):
            for level in LEVELS:
                out.loc[part, level] = float(rows[f"kg_per_kwh_{level}"].iloc[0])
    out.attrs["missing"] = not len(table)
    return out


def demand_needs(dataset: Dataset, path: DemandPath, basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """Material needs per year of a demand path, low / central / high.

    Parameters
    ----------
    dataset : Dataset
    path : DemandPath
    basis : {"calibrated", "theoretical"}
        As :func:`scrisk.metrics.battery.battery_needs`; copper is cell and
        pack content either way.

    Returns
    -------
    pandas.DataFrame
        ``year, material, need_low_t, need_t, need_high_t, unit`` with
        materials ``lithium_lce`` (t LCE), ``nickel``, ``cobalt``,
        ``manganese``, ``graphite`` (anode material), ``copper_cells``,
        ``copper_packs`` (t contained).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> need = demand_needs(ds, load_path(shipped_paths()["policy_2035"], ds))
    >>> sorted(need["material"].unique())[:3]
    ['cobalt', 'copper_cells', 'copper_packs']
    """
    gwh = demand_gwh(path).set_index("year")
    copper = copper_intensity(dataset)
    parts = []
    per_mix: dict[tuple, pd.Series] = {}  # years with the same chemistry mix: computed once
    for year in path.years:
        mix = path.chemistry.loc[year]
        key = tuple(mix.items())
        if key not in per_mix:
            per_mix[key] = needs_per_gwh(dataset, mix, basis)
        per_gwh = per_mix[key]
        block = pd.DataFrame({"material": list(MATERIALS)})
        for level, suffix in zip(LEVELS, ("_low", "", "_high"), strict=True):
            g = float(gwh.loc[year, f"gwh{suffix}"])
            cathode = per_gwh * g
            cu = copper[level] * g * TONNES_PER_GWH_PER_KG_PER_KWH
            block[f"need{suffix}_t"] = pd.concat([cathode, cu]).reindex(list(MATERIALS)).to_numpy()
        block.insert(0, "year", year)
        parts.append(block)
    table = pd.concat(parts, ignore_index=True)
    table["unit"] = np.where(table["material"] == "lithium_lce", "t LCE",
                             np.where(table["material"] == "graphite", "t graphite", "t"))
    table.attrs["basis"] = basis
    if copper.attrs.get("missing"):
        table.attrs["notes"] = ["copper: no battery_copper.csv in the data; copper needs are 0"]
    return table


# --------------------------------------------------------------------------- coverage


def secured_battery_supply(dataset: Dataset, iso3: str = "JPN") -> pd.Series:
    """Material -> tonnes a year secured by ``iso3``'s stakes (as battery_coverage counts them).

    Facilities' latest output, held constant over the years.
    """
    mix = pd.Series({str(dataset.battery_intensity["chemistry"].iloc[0]): 1.0})
    table = battery_coverage(dataset, 1.0, mix=mix, iso3=iso3).set_index("material")
    return table["secured_t"].reindex(list(CATHODE_ANODE)).fillna(0.0)


def portfolio_supply(dataset: Dataset, portfolio, years: Sequence[int]) -> pd.DataFrame:
    """Year x material tonnes from chosen candidate projects (stake x output x p x ramp-up).

    Lithium projects must report ``t LCE`` or ``t Li`` (converted with
    1 t LCE = 0.18786 t Li).
    """
    from scrisk.metrics.trajectory import portfolio_frame, project_tonnes

    out = pd.DataFrame(0.0, index=pd.Index(list(years), name="year"), columns=list(CATHODE_ANODE))
    projects = portfolio_frame(dataset, portfolio)
    projects = projects.loc[projects["commodity"].isin(list(MATERIAL_OF_COMMODITY))]
    if projects.empty:
        return out
    factor = pd.Series(1.0, index=projects.index)
    if "unit" in projects:
        units = projects["unit"].astype(str).str.strip().str.lower()
        lithium = projects["commodity"] == "lithium"
        factor = factor.where(~(lithium & (units == "t li")), 1.0 / LI_PER_LCE)
        bad = lithium & ~units.isin(["t lce", "t li"])
        if bad.any():
            raise ValueError(f"lithium project {projects.loc[bad, 'project_id'].iloc[0]} "
                             "reports its output in neither 't LCE' nor 't Li'")
    for year in out.index:
        tonnes = project_tonnes(projects, int(year)) * factor.to_numpy()
        by = pd.Series(tonnes.to_numpy(), index=projects["commodity"].map(MATERIAL_OF_COMMODITY))
        by = by.groupby(level=0).sum()
        out.loc[year, by.index] = by.to_numpy()
    return out


def demand_coverage(dataset: Dataset, path: DemandPath, portfolio=None,
                    iso3: str | None = None, basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """Needs of a demand path per year against secured supply (stakes plus a portfolio).

    ``covered = secured (existing stakes, facilities' latest output) +
    portfolio (chosen candidates from their online year, with ramp-up and
    success probability)``; ``coverage = covered / need``; ``gap = need -
    covered`` (negative: surplus). Copper is left out: secured copper serves the
    whole economy, not batteries.

    Parameters
    ----------
    dataset : Dataset
    path : DemandPath
    portfolio : sequence of project ids or DataFrame, optional
        Chosen candidate projects (see :func:`scrisk.metrics.trajectory.portfolio_frame`).
    iso3 : str, optional
        Whose stakes count (default: the path's country).
    basis : {"calibrated", "theoretical"}

    Returns
    -------
    pandas.DataFrame
        ``year, material, need_low_t, need_t, need_high_t, secured_t,
        portfolio_t, covered_t, coverage, coverage_low_need, coverage_high_need,
        gap_t``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> cov = demand_coverage(ds, load_path(shipped_paths()["slow"], ds))
    >>> sorted(cov["material"].unique())
    ['cobalt', 'graphite', 'lithium_lce', 'manganese', 'nickel']
    """
    return _demand_coverage(dataset, path, portfolio, iso3, demand_needs(dataset, path, basis))


def _demand_coverage(dataset: Dataset, path: DemandPath, portfolio, iso3: str | None,
                     needs: pd.DataFrame) -> pd.DataFrame:
    """:func:`demand_coverage` of the path's :func:`demand_needs` ``needs``."""
    needs = needs.loc[needs["material"].isin(list(CATHODE_ANODE))].reset_index(drop=True)
    secured = secured_battery_supply(dataset, iso3 or path.iso3)
    extra = portfolio_supply(dataset, portfolio, path.years)
    needs["secured_t"] = needs["material"].map(secured).astype(float)
    needs["portfolio_t"] = [float(extra.loc[y, m]) for y, m in
                            zip(needs["year"], needs["material"], strict=True)]
    needs["covered_t"] = needs["secured_t"] + needs["portfolio_t"]
    for col, need in (("coverage", "need_t"), ("coverage_low_need", "need_low_t"),
                      ("coverage_high_need", "need_high_t")):
        needs[col] = needs["covered_t"] / needs[need].where(needs[need] > 0)
    needs["gap_t"] = needs["need_t"] - needs["covered_t"]
    return needs.drop(columns=["unit"])


# --------------------------------------------------------------------------- comparison


def target_comparison(dataset: Dataset, path: DemandPath, year: int = 2030,
                      basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """A path's needs in ``year`` beside those of 150 GWh and METI's 600 GWh figures.

    ``at_150gwh``: the needs of the domestic manufacturing target
    (``battery_manufacturing_capacity_domestic`` in ``policy_targets.csv``, 150
    GWh) with the path's chemistry mix of that year. ``meti_600gwh``: the
    Battery Industry Strategy's material figures for 600 GWh of Japanese
    companies' capacity (``battery_material_need``). Ratios are the path's
    central need over each. The first row, ``battery_gwh``, compares GWh.

    Returns
    -------
    pandas.DataFrame
        ``material, unit, path_low, path_central, path_high, at_150gwh,
        ratio_to_150gwh, meti_600gwh, ratio_to_meti_600gwh`` (in the unit of
        ``unit``: GWh/yr for ``battery_gwh``, tonnes otherwise).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> t = target_comparison(ds, load_path(shipped_paths()["policy_2035"], ds))
    >>> t["material"].iloc[0], float(t["at_150gwh"].iloc[0])
    ('battery_gwh', 150.0)
    """
    if year not in path.years:
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("year of the demand path", year, path.years)
    return _target_comparison(dataset, path, year, basis, demand_needs(dataset, path, basis))


def _target_comparison(dataset: Dataset, path: DemandPath, year: int, basis: str,
                       needs: pd.DataFrame) -> pd.DataFrame:
    """:func:`target_comparison` of the path's :func:`demand_needs` ``needs`` (on ``basis``)."""
    targets = dataset.policy_targets
    jpn = targets.loc[targets["iso3"] == path.iso3]

    def _target(metric: str, default: float) -> float:
        rows = jpn.loc[jpn["metric"] == metric, "value"]
        return float(rows.iloc[0]) if len(rows) else default

    domestic_gwh = _target("battery_manufacturing_capacity_domestic", 150.0)
    global_gwh = _target("battery_manufacturing_capacity_japanese_firms_global", 600.0)
    official = {}
    for row in jpn.loc[jpn["metric"] == "battery_material_need"].itertuples(index=False):
        material = row.target_id.removeprefix("battery_material_need_")
        official["lithium_lce" if material == "lithium" else material] = float(row.value)
    gwh = demand_gwh(path).set_index("year").loc[year]
    needs = needs.loc[needs["year"] == year].set_index("material")
    per_gwh = needs_per_gwh(dataset, path.chemistry.loc[year], basis)
    copper = copper_intensity(dataset)["central"]
    at_150 = pd.concat([per_gwh * domestic_gwh,
                        copper * domestic_gwh * TONNES_PER_GWH_PER_KG_PER_KWH])
    rows = [{"material": "battery_gwh", "path_low": float(gwh["gwh_low"]),
             "path_central": float(gwh["gwh"]), "path_high": float(gwh["gwh_high"]),
             "at_150gwh": domestic_gwh, "meti_600gwh": global_gwh}]
    for material in MATERIALS:
        rows.append({"material": material,
                     "path_low": float(needs.loc[material, "need_low_t"]),
                     "path_central": float(needs.loc[material, "need_t"]),
                     "path_high": float(needs.loc[material, "need_high_t"]),
                     "at_150gwh": float(at_150[material]),
                     "meti_600gwh": official.get(material, float("nan"))})
    table = pd.DataFrame(rows)
    table.insert(1, "unit", table["material"].map(
        {"battery_gwh": "GWh/yr", "lithium_lce": "t LCE", "graphite": "t graphite"}).fillna("t"))
    table["ratio_to_150gwh"] = table["path_central"] / table["at_150gwh"].where(
        table["at_150gwh"] > 0)
    table["ratio_to_meti_600gwh"] = table["path_central"] / table["meti_600gwh"].where(
        table["meti_600gwh"] > 0)
    table = table[["material", "unit", "path_low", "path_central", "path_high", "at_150gwh",
                   "ratio_to_150gwh", "meti_600gwh", "ratio_to_meti_600gwh"]]
    table.attrs.update(year=year, basis=basis, domestic_gwh=domestic_gwh, global_gwh=global_gwh)
    return table


def capacity_comparison(dataset: Dataset, path: DemandPath) -> pd.DataFrame:
    """A path's GWh per year beside the domestic cell capacity held for that year.

    Capacity comes from :func:`scrisk.metrics.midstream.cell_capacity`
    (published or certified figures only; ``NaN`` and status ``no figure``
    where none is held: nothing is interpolated). ``demand_share_of_capacity``
    = ``cell_output_gwh / capacity_gwh``: the part of the domestic cell base
    that the path's own demand (plus its exports share) would use.

    Returns
    -------
    pandas.DataFrame
        ``year, gwh_low, gwh, gwh_high, cell_output_gwh, capacity_gwh,
        capacity_status, target_gwh, demand_share_of_capacity,
        demand_share_of_target``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> t = capacity_comparison(ds, load_path(shipped_paths()["policy_2035"], ds))
    >>> float(t.loc[t["year"] == 2030, "target_gwh"].iloc[0])
    150.0
    """
    from scrisk.metrics.midstream import cell_capacity

    gwh = demand_gwh(path)[["year", "gwh_low", "gwh", "gwh_high", "cell_output_gwh"]]
    cap = cell_capacity(dataset, path.iso3, years=path.years).set_index("year")
    table = gwh.copy()
    table["capacity_gwh"] = table["year"].map(cap["capacity_gwh"]).astype(float)
    table["capacity_status"] = table["year"].map(cap["status"])
    table["target_gwh"] = table["year"].map(cap["target_gwh"]).astype(float)
    table["demand_share_of_capacity"] = table["cell_output_gwh"] / table["capacity_gwh"].where(
        table["capacity_gwh"] > 0)
    table["demand_share_of_target"] = table["cell_output_gwh"] / table["target_gwh"].where(
        table["target_gwh"] > 0)
    return table


# --------------------------------------------------------------------------- chart


def plot_demand_paths(tables: Mapping[str, pd.DataFrame], column: str = "gwh", ax=None, *,
                      reference: float | None = None, reference_label: str = ""):
    """Chart of one quantity per year for several paths, with its low-high band.

    Parameters
    ----------
    tables : mapping
        Path label -> :func:`demand_gwh` table (``column`` ``gwh``) or one
        material's rows of :func:`demand_needs` (``column`` ``need_t``).
    column : str
        Central column; ``<stem>_low`` / ``<stem>_high`` give the band
        (``gwh_low``, ``need_low_t``).
    ax : matplotlib Axes, optional
    reference : float, optional
        A horizontal line (e.g. 150 GWh) with ``reference_label``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> p = load_path(shipped_paths()["slow"])
    >>> ax = plot_demand_paths({"slow": demand_gwh(p)}, reference=150.0)
    >>> ax.get_ylabel()
    'GWh per year'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    low, high = ((f"{column}_low", f"{column}_high") if not column.endswith("_t")
                 else (column.replace("_t", "_low_t"), column.replace("_t", "_high_t")))
    for i, (label, table) in enumerate(tables.items()):
        table = table.sort_values("year")
        ax.plot(table["year"], table[column], color=f"C{i}", linewidth=2, label=str(label))
        if low in table and high in table:
            ax.fill_between(table["year"], table[low], table[high], color=f"C{i}", alpha=0.15)
    if reference is not None:
        ax.axhline(reference, color="C3", linestyle=":", linewidth=1.2,
                   label=reference_label or f"{reference:g}")
    ax.set_xlabel("year")
    ax.set_ylabel("GWh per year" if column == "gwh" else "tonnes per year")
    ax.legend(frameon=False, fontsize=8)
    return ax
