"""Load and validate the dataset once; downstream code trusts it.

Every file is read as text, each column converted to its schema type, and
every failure (file, line, column, value, expected) collected before
anything is raised, so a user sees all problems of a folder in one run.

Tables of more than :data:`LARGE_TABLE` rows (the trade table, and others
at scale) are checked column by column on their distinct values: text
columns are categorical (a Parquet file is read with its text columns
dictionary-encoded), each distinct value is converted and checked once, and
the results are spread to the rows through the category codes. The
failures are the same as row by row, since each rule is a function of the
value (a mass bound, which also depends on the row's unit, is checked per
row).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.data.countries import CommodityResolver, CountryResolver
from scrisk.data.numbers import DECIMAL_COMMA_HINT, parse_numbers
from scrisk.data.schemas import (
    MASS_MAX_T,
    NUMBER_MAX,
    SCHEMAS,
    TONNES_PER_UNIT,
    YEAR_MAX,
    YEAR_MIN,
    Column,
    TableSchema,
)
from scrisk.exceptions import DataValidationError, UnknownChoiceError, ValidationFailure

EXTRA_SUFFIX = ".extra"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_FILE_COL, _LINE_COL = "scrisk_source_file", "scrisk_source_line"
ROWS_PER_PROBLEM = 100
"""Rows listed for one problem in one column; the rest are counted in one more failure, so
that a hostile or badly broken file of millions of rows is reported in bounded time."""
LARGE_TABLE = 50_000
"""Tables with more rows than this keep repeated text as categories (checked per distinct
value while loading, and held as categories afterwards)."""
ROUTE_DESTINATION = "JPN"
"""Where the shipped sea routes lead (:data:`scrisk.disruption.engine.ROUTE_DESTINATION`)."""


def shipped_data_path() -> Path:
    """Folder of the dataset shipped with scrisk (``$SCRISK_DATA`` overrides it)."""
    env = os.environ.get("SCRISK_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "data"


@dataclass(frozen=True, eq=False)
class Dataset:
    """Validated, read-only tables of one dataset.

    Each table is reached as an attribute (``ds.production``) or by name
    (``ds["production"]``) and is returned as a fresh shallow copy, so that a
    caller changing it cannot change the dataset (pandas copy-on-write makes
    this cheap).

    Attributes
    ----------
    path : pathlib.Path
        Folder of the base data.
    overlay : pathlib.Path or None
        Folder whose files replaced or extended the base files.
    files : Mapping[str, tuple[str, ...]]
        For each table, the files it was built from.
    """

    path: Path
    overlay: Path | None
    _tables: Mapping[str, pd.DataFrame] = field(repr=False)
    files: Mapping[str, tuple[str, ...]] = field(repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._tables:
            raise KeyError(f"no table {name!r}; tables: {', '.join(sorted(self._tables))}")
        return self._tables[name].copy(deep=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("_tables", {})
        if name in tables:
            return tables[name].copy(deep=False)
        raise AttributeError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def select(self, table: str, **equals: object) -> pd.DataFrame:
        """Rows of ``table`` whose columns equal the given values.

        The grouping behind the lookup is built once per table and set of
        columns, so repeated selections (one per commodity and year, say) cost
        a dictionary lookup instead of a scan.

        Examples
        --------
        >>> ds = load_dataset()
        >>> rows = ds.select("production", commodity="cobalt", year=2022)
        >>> set(rows["commodity"])
        {'cobalt'}
        """
        keys = tuple(sorted(equals))
        cache = self.__dict__.setdefault("_select_cache", {})
        groups = cache.get((table, keys))
        frame = self._tables[table]
        if groups is None:
            groups = frame.groupby(list(keys), sort=False, observed=True).indices
            cache[(table, keys)] = groups
        wanted = tuple(equals[k] for k in keys)
        # the selected rows are kept too (each row at most once per set of columns, so
        # bounded by the table): taking rows of text columns costs more than the lookup
        taken = self.__dict__.setdefault("_select_rows", {})
        key = (table, keys, wanted)
        try:
            found = taken.get(key)
        except TypeError:  # an unhashable value: look it up without keeping the result
            found, key = None, None
        if found is None:
            rows = groups.get(wanted if len(keys) > 1 else wanted[0])
            if rows is None:
                return frame.iloc[0:0].copy(deep=False)
            found = frame.iloc[rows]
            if key is not None:
                taken[key] = found
        return found.copy(deep=False)

    @property
    def table_names(self) -> tuple[str, ...]:
        """Names of the tables held."""
        return tuple(self._tables)

    @cached_property
    def countries_resolver(self) -> CountryResolver:
        """Resolver from country names/codes (English, Japanese) and groups to ISO3."""
        return CountryResolver(self._tables["countries"], self._tables.get("country_groups"))

    @cached_property
    def commodity_resolver(self) -> CommodityResolver:
        """Resolver from commodity slugs and English or Japanese names to the slug."""
        return CommodityResolver(self._tables["commodities"])

    @cached_property
    def commodities_list(self) -> tuple[str, ...]:
        """Commodity slugs, in file order."""
        return tuple(self._tables["commodities"]["commodity"])

    def years(self, table: str = "production") -> tuple[int, ...]:
        """Sorted distinct years present in a table."""
        # asked once per network and check: the tables never change, so held once per table
        cache = self.__dict__.setdefault("_years_cache", {})
        years = cache.get(table)
        if years is None:
            years = tuple(sorted(int(y) for y in self._tables[table]["year"].unique()))
            cache[table] = years
        return years

    def check_commodity(self, commodity: str) -> str:
        """Return ``commodity`` if it is a slug of the data, else raise with the closest choices.

        Names (``Cobalt``, ``コバルト``) are not accepted here, since callers
        filter tables by the slug: turn them into slugs with
        :meth:`resolve_commodity` first (the CLI does).
        """
        if commodity not in self.commodities_list:
            resolver = self.commodity_resolver
            slug = resolver.resolve(commodity)
            raise UnknownChoiceError(
                "commodity", commodity, self.commodities_list,
                suggestions=[repr(slug)] if slug else None,
                hint=f"Use the slug {slug!r} for {commodity!r}." if slug else "")
        return commodity

    def resolve_commodity(self, commodity: str) -> str:
        """The slug of a commodity given by slug, English or Japanese name (コバルト -> cobalt).

        Raises :class:`~scrisk.exceptions.UnknownCommodityError` with the
        closest choices when the name is unknown.
        """
        return self.commodity_resolver.require(commodity)

    def check_year(self, year: int, table: str = "production") -> int:
        """Return ``year`` if the table has it, else raise with the valid choices."""
        years = self.years(table)
        if int(year) not in years:
            raise UnknownChoiceError(f"year for {table}", year, years)
        return int(year)

    def check_country(self, country: str) -> str:
        """Resolve a country code or English/Japanese name to ISO3, or raise with the closest."""
        return self.countries_resolver.require(country)

    def country_name(self, iso3: str, lang: str = "en") -> str:
        """Name of a country in English (``en``) or Japanese (``ja``); the code when unknown."""
        return self._country_names["ja" if lang == "ja" else "en"].get(iso3, iso3)

    @cached_property
    def _country_names(self) -> dict[str, dict[str, str]]:
        # one dictionary per language: names are looked up thousands of times per report
        table = self._tables["countries"]
        return {lang: {str(code): str(name) for code, name in
                       zip(table["iso3"], table[f"name_{lang}"], strict=True)}
                for lang in ("en", "ja")}

    def group_members(self, group: str) -> frozenset[str]:
        """ISO3 members of a country group defined in ``country_groups.csv``."""
        groups = self._tables["country_groups"]
        members = groups.loc[groups["group"] == group, "iso3"]
        if members.empty:
            raise UnknownChoiceError("country group", group, groups["group"].unique())
        return frozenset(members)

    def summary(self) -> pd.DataFrame:
        """What the dataset covers: rows, years, commodities, countries and sources per table."""
        rows = []
        for name, df in self._tables.items():
            years = df["year"] if "year" in df else None
            rows.append(
                {
                    "table": name,
                    "files": "; ".join(self._display(f) for f in self.files[name]),
                    "rows": len(df),
                    "years": (f"{int(years.min())}-{int(years.max())}"
                              if years is not None and years.notna().any() else ""),
                    "commodities": int(df["commodity"].nunique()) if "commodity" in df else None,
                    "countries": _country_count(df),
                    "sources": int(df["source"].nunique()) if "source" in df else 0,
                }
            )
        table = pd.DataFrame(rows)
        return table.astype({"commodities": "Int64", "countries": "Int64"})

    def _display(self, file: str) -> str:
        """A file's path relative to the data or overlay folder it came from."""
        path = Path(file)
        if self.overlay is not None and path.is_relative_to(self.overlay):
            return f"{path.relative_to(self.overlay)} (from {self.overlay})"
        return str(path.relative_to(self.path)) if path.is_relative_to(self.path) else file

    def sources(self) -> pd.DataFrame:
        """Distinct sources cited by each table, with the number of rows citing them."""
        parts = []
        for name, df in self._tables.items():
            if "source" in df:
                counts = df["source"].astype(str).value_counts(sort=False)
                parts.append(pd.DataFrame({"table": name, "source": counts.index,
                                           "rows": counts.to_numpy()}))
        return pd.concat(parts, ignore_index=True).sort_values(["table", "source"],
                                                               ignore_index=True)


def _country_count(df: pd.DataFrame) -> int | None:
    cols = [c for c in ("iso3", "exporter", "importer") if c in df]
    if not cols:
        return None
    return int(pd.unique(np.concatenate([df[c].astype(str).to_numpy() for c in cols])).size)


def load_dataset(path: str | os.PathLike | None = None,
                 overlay: str | os.PathLike | None = None) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    path : path-like, optional
        Folder with the full set of files (``minerals/``, ``suppliers/``,
        ``geo/``). Defaults to the shipped dataset.
    overlay : path-like, optional
        Folder with some of the same files: a file there replaces the base
        file of the same name; a file named like ``candidates.extra.csv``
        adds its rows to the base table instead.

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        With every problem found, when any file fails its schema or the
        cross-file rules.

    Examples
    --------
    >>> ds = load_dataset()
    >>> "copper" in ds.commodities_list
    True
    >>> ds.production.columns[:4].tolist()
    ['commodity', 'stage', 'iso3', 'year']
    """
    base = Path(path) if path is not None else shipped_data_path()
    over = Path(overlay) if overlay is not None else None
    failures: list[ValidationFailure] = []
    if not base.is_dir():
        raise DataValidationError([ValidationFailure(str(base), None, None, None,
                                                     "a folder with the data files")])
    if over is not None and not over.is_dir():
        raise DataValidationError([ValidationFailure(str(over), None, None, None,
                                                     "an overlay folder that exists")])
    if over is not None and (broken := overlay_link_failures(over)):
        raise DataValidationError(broken)

    raw: dict[str, pd.DataFrame] = {}
    files: dict[str, tuple[str, ...]] = {}
    for name, schema in SCHEMAS.items():
        frame, used = _read_table(schema, base, over, failures)
        raw[name] = frame
        files[name] = used

    _drop_output_of_replaced_facilities(raw, files, over)
    countries = _convert(SCHEMAS["countries"], raw["countries"], None, failures)
    resolver = CountryResolver(countries) if len(countries) else None
    tables = {"countries": countries}
    for name, schema in SCHEMAS.items():
        if name != "countries":
            tables[name] = _convert(schema, raw[name], resolver, failures)
    _fill_defaults(tables)
    _check_hs_map_and_derive_trade(tables, failures)
    for name, schema in SCHEMAS.items():
        _check_keys(schema, tables[name], failures)
    _check_cross_file(tables, failures)
    if failures:
        raise DataValidationError(_sorted_failures(failures))
    clean = {name: _finalise(df) for name, df in tables.items()}
    return Dataset(base, over, MappingProxyType(clean), MappingProxyType(files))


def overlay_link_failures(folder: str | os.PathLike) -> list[ValidationFailure]:
    """Links in an overlay folder that lead nowhere (broken, or a loop), as failures.

    The loader looks for each file by name; a broken link would read as an
    absent file, and the shipped file would be used instead without a word.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     os.symlink("nowhere.csv", Path(tmp, "production.csv"))
    ...     [f.expected for f in overlay_link_failures(tmp)]
    ["a file or a link to one; this link leads to nothing ('nowhere.csv' does not exist)"]
    """
    import errno

    root = Path(folder)
    failures = []
    for parent, dirs, names in os.walk(root, followlinks=False):
        for name in sorted(names + dirs):
            path = Path(parent) / name
            if not path.is_symlink():
                continue
            try:
                path.stat()  # follows the link: ELOOP or ENOENT for a bad one
            except OSError as err:
                why = ("is a loop (it leads back to itself)" if err.errno == errno.ELOOP else
                       f"leads to nothing ({os.readlink(path)!r} does not exist)")
                failures.append(ValidationFailure(str(path.relative_to(root)), None, None, None,
                                                  "a file or a link to one; this link " + why))
    return failures


def validate_folder(path: str | os.PathLike | None = None,
                    overlay: str | os.PathLike | None = None) -> list[ValidationFailure]:
    """Every validation failure of a dataset folder (empty list when valid)."""
    try:
        load_dataset(path, overlay)
    except DataValidationError as err:
        return list(err.failures)
    return []


def validate_file(path: str | os.PathLike, table: str) -> list[ValidationFailure]:
    """Check one file against its table's schema, without the cross-file rules.

    Country names are resolved against the shipped country table. Useful to
    check a single user file (e.g. a candidate list) quickly.

    Parameters
    ----------
    path : path-like
        The file to check.
    table : str
        Schema name, e.g. ``"candidates"`` (see :data:`scrisk.data.schemas.SCHEMAS`).

    Examples
    --------
    >>> failures = validate_file(shipped_data_path() / "suppliers/candidates.csv", "candidates")
    >>> failures
    []
    """
    if table not in SCHEMAS:
        raise UnknownChoiceError("table", table, SCHEMAS)
    schema = SCHEMAS[table]
    failures: list[ValidationFailure] = []
    file_path = Path(path)
    if not file_path.is_file():
        return [ValidationFailure(str(file_path), None, None, None, "a file that exists")]
    frame = _read_file(file_path, file_path.name, schema, failures)
    if frame is None:
        return failures
    _check_not_empty(schema, file_path.name, frame, failures)
    resolver = _shipped_resolver() if any(c.kind == "iso3" for c in schema.columns) else None
    converted = _convert(schema, frame, resolver, failures)
    _check_keys(schema, converted, failures)
    return _sorted_failures(failures)


def read_user_file(path: str | os.PathLike, schema: TableSchema,
                   resolver: CountryResolver | None = None,
                   aliases: Mapping[str, str] | None = None
                   ) -> tuple[pd.DataFrame | None, list[ValidationFailure]]:
    """Read and check one user file that is not part of a dataset (e.g. a company's purchases).

    The same reader and checks as the dataset's files (every failure with
    file, line, column, value and what was expected), without the cross-file
    rules: the caller adds its own, using the ``line`` column of the result.

    Parameters
    ----------
    path : path-like
    schema : TableSchema
    resolver : CountryResolver, optional
        Resolves ``iso3`` columns (default: the shipped country table).
    aliases : mapping, optional
        Header -> column name (e.g. Japanese headers).

    Returns
    -------
    (pandas.DataFrame or None, list of ValidationFailure)
        The converted table with a ``line`` column (``None`` when the file
        cannot be read), and the failures found.
    """
    failures: list[ValidationFailure] = []
    file_path = Path(path)
    if not file_path.is_file():
        return None, [ValidationFailure(str(file_path), None, None, None, "a file that exists")]
    frame = _read_file(file_path, file_path.name, schema, failures, aliases)
    if frame is None:
        return None, failures
    if resolver is None and any(c.kind == "iso3" for c in schema.columns):
        resolver = _shipped_resolver()
    converted = _convert(schema, frame, resolver, failures)
    _check_keys(schema, converted, failures)
    converted = converted.rename(columns={_LINE_COL: "line"}).drop(columns=[_FILE_COL])
    return converted, _sorted_failures(failures)


def _shipped_resolver() -> CountryResolver:
    countries_path = shipped_data_path() / SCHEMAS["countries"].path
    failures: list[ValidationFailure] = []
    frame = _read_file(countries_path, SCHEMAS["countries"].path, SCHEMAS["countries"], failures)
    if frame is None:
        raise DataValidationError(failures)
    return CountryResolver(_convert(SCHEMAS["countries"], frame, None, failures))


# --------------------------------------------------------------------------- reading


def _read_table(schema: TableSchema, base: Path, over: Path | None,
                failures: list[ValidationFailure]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Read the base (or replacing) file plus any ``.extra`` file, as text."""
    sources: list[tuple[Path, str]] = []
    base_file = base / schema.path
    if over is not None and (over / schema.path).exists():
        sources.append((over / schema.path, schema.path))
    elif base_file.exists():
        sources.append((base_file, schema.path))
    elif schema.required:
        failures.append(ValidationFailure(schema.path, None, None, None,
                                          f"the file to exist ({schema.description})"))
    if over is not None:
        stem, dot, ext = schema.path.rpartition(".")
        extra = over / f"{stem}{EXTRA_SUFFIX}{dot}{ext}"
        if extra.exists():
            sources.append((extra, f"{stem}{EXTRA_SUFFIX}{dot}{ext}"))
    frames = []
    for file_path, label in sources:
        frame = _read_file(file_path, label, schema, failures)
        if frame is not None:
            if not label.endswith(f"{EXTRA_SUFFIX}.{schema.path.rpartition('.')[2]}"):
                _check_not_empty(schema, label, frame, failures)  # an empty .extra adds nothing
            frames.append(frame)
    names = [c.name for c in schema.columns]
    if not frames:
        empty = pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
        empty[_FILE_COL] = pd.Series([], dtype=object)
        empty[_LINE_COL] = pd.Series([], dtype="int64")
        return empty, ()
    return _concat(frames), tuple(str(path) for path, _ in sources)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of the base file then the ``.extra`` file; a large table's text columns stay
    categorical (pandas would turn categories that differ between the files into text)."""
    if len(frames) == 1:
        return frames[0]
    if sum(len(f) for f in frames) <= LARGE_TABLE:
        return pd.concat(frames, ignore_index=True)
    names = list(dict.fromkeys(c for f in frames for c in f.columns))
    texts = [n for n in names if all(n in f for f in frames)
             and any(isinstance(f[n].dtype, pd.CategoricalDtype) for f in frames)
             and all(f[n].dtype.kind == "O" for f in frames)]
    out = pd.concat([f.drop(columns=texts) for f in frames], ignore_index=True)
    for name in texts:
        out[name] = _union_categorical([f[name] for f in frames])
    return out[names]


def _union_categorical(parts: list[pd.Series]) -> pd.Categorical:
    """One categorical of the parts' values in order, categories in first-seen order."""
    parts = [p if isinstance(p.dtype, pd.CategoricalDtype) else p.astype("category")
             for p in parts]
    categories = pd.Index(np.concatenate([p.cat.categories.to_numpy(dtype=object)
                                          for p in parts])).unique()
    codes = []
    for part in parts:
        lookup = np.append(categories.get_indexer(part.cat.categories), -1)
        codes.append(lookup[part.cat.codes.to_numpy()])  # code -1 (missing) -> last: -1
    return pd.Categorical.from_codes(np.concatenate(codes), categories=categories)


def _constant(rows: int, value: str) -> pd.Categorical | str:
    """A column holding ``value`` on every row: one category for a large table."""
    if rows > LARGE_TABLE:
        return pd.Categorical.from_codes(np.zeros(rows, dtype=np.int8), categories=[value])
    return value


def _read_parquet(file_path: Path) -> pd.DataFrame:
    """A Parquet file as a DataFrame; a large file's text columns as categories
    (dictionary-encoded by pyarrow, so that a repeated value is held and checked once)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(file_path)
    fields = list(meta.schema_arrow)
    names = [f.name for f in fields]
    if meta.metadata.num_rows <= LARGE_TABLE or len(set(names)) < len(names):
        return pd.read_parquet(file_path)
    text = [f.name for f in fields if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    return pq.read_table(file_path, read_dictionary=text).to_pandas()


def _read_file(file_path: Path, label: str, schema: TableSchema,
               failures: list[ValidationFailure],
               aliases: Mapping[str, str] | None = None) -> pd.DataFrame | None:
    try:
        if file_path.suffix == ".parquet":
            frame = _read_parquet(file_path)
            first_line = 1
        else:
            frame = pd.read_csv(file_path, dtype=str, keep_default_na=False,
                                na_values=[], skipinitialspace=True, encoding="utf-8")
            first_line = 2
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        failures.append(ValidationFailure(label, None, None, None,
                                          f"a readable {file_path.suffix} file ({err})"))
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    header = list(frame.columns) if file_path.suffix == ".parquet" else _csv_header(file_path)
    repeated = sorted({c for c in header if header.count(c) > 1})
    for name in repeated:
        failures.append(ValidationFailure(label, 1, name, None,
                                          f"each column once (it appears {header.count(name)} "
                                          "times; one of the values would be ignored)"))
    if repeated:
        return None
    if aliases:
        frame.columns = [aliases.get(c, c) for c in frame.columns]
        twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
        for name in twice:
            failures.append(ValidationFailure(label, 1, name, None,
                                              "each column once, under one of its names"))
        if twice:
            return None
    missing = [c.name for c in schema.columns if c.required and c.name not in frame]
    for name in missing:
        failures.append(ValidationFailure(label, 1, name, None,
                                          f"a column '{name}' ({schema.column(name).expected()})"))
    for col in schema.columns:
        if not col.required and col.name not in frame:
            frame[col.name] = _constant(len(frame), "")
    if missing:
        return None
    frame[_FILE_COL] = _constant(len(frame), label)
    frame[_LINE_COL] = np.arange(first_line, first_line + len(frame), dtype="int64")
    return frame


def _check_not_empty(schema: TableSchema, label: str, frame: pd.DataFrame,
                     failures: list[ValidationFailure]) -> None:
    """A required table needs rows: a header-only file would silently empty it."""
    if frame.empty and schema.required:
        failures.append(ValidationFailure(
            label, None, None, None,
            f"at least one data row ({schema.path} is a required table; a header alone would "
            "empty it)"))


def _csv_header(file_path: Path) -> list[str]:
    """Column names as written (pandas renames a repeated name to ``name.1``)."""
    import csv

    with file_path.open(encoding="utf-8-sig", newline="") as handle:
        return [c.strip() for c in next(csv.reader(handle), [])]


# --------------------------------------------------------------------------- converting


def _convert(schema: TableSchema, frame: pd.DataFrame, resolver: CountryResolver | None,
             failures: list[ValidationFailure]) -> pd.DataFrame:
    out = frame.copy(deep=False)
    if len(out) > LARGE_TABLE:  # text: each distinct value checked once
        for col in schema.columns:
            if col.name in out and col.kind not in ("float", "int", "year") \
                    and out[col.name].dtype.kind == "O" \
                    and not isinstance(out[col.name].dtype, pd.CategoricalDtype):
                out[col.name] = out[col.name].astype("category")
    for col in schema.columns:
        if col.name in out:
            out[col.name] = _convert_column(col, out, resolver, failures)
    return out


class _Values:
    """A column to convert: its distinct values (categories, then a missing value) and the
    row -> value index, or the rows themselves (``rows`` is None).

    Each rule is computed on ``values``; :meth:`spread` gives it per row.
    """

    def __init__(self, series: pd.Series):
        if isinstance(series.dtype, pd.CategoricalDtype):
            categories = pd.Series(series.cat.categories).astype("string")
            self.values = pd.concat([categories, pd.Series([pd.NA], dtype="string")],
                                    ignore_index=True)
            # a missing value has code -1, which numpy reads as the last value: the missing one
            self.rows = series.cat.codes.to_numpy()
        else:
            self.values, self.rows = series, None

    def spread(self, per_value):
        """Per-value array -> per-row array."""
        array = np.asarray(per_value)
        return array if self.rows is None else array[self.rows]


def _is_blank(series: pd.Series) -> np.ndarray:
    if series.dtype.kind in "fiub":
        return series.isna().to_numpy()
    text = series.astype("string").str.strip().fillna("")
    return (text == "").to_numpy(dtype=bool)


def _report(mask: np.ndarray, frame: pd.DataFrame, col: Column, expected: str | np.ndarray,
            failures: list[ValidationFailure]) -> None:
    """One failure per row of ``mask`` (``expected`` may differ by row), the first
    :data:`ROWS_PER_PROBLEM` of them, then one failure counting the rest."""
    if not mask.any():
        return
    rows = np.flatnonzero(mask)
    per_row = isinstance(expected, np.ndarray)
    shown = rows[:ROWS_PER_PROBLEM]
    values = frame[col.name].iloc[shown].to_numpy()
    files = frame[_FILE_COL].iloc[shown].to_numpy()
    lines = frame[_LINE_COL].iloc[shown].to_numpy()
    for i, (value, file, line) in enumerate(zip(values, files, lines, strict=True)):
        blank = value is None or (isinstance(value, float) and np.isnan(value)) \
            or str(value).strip() == ""
        failures.append(ValidationFailure(str(file), int(line), col.name,
                                          None if blank else str(value),
                                          str(expected[shown[i]]) if per_row else expected))
    if len(rows) > ROWS_PER_PROBLEM:
        nxt = rows[ROWS_PER_PROBLEM]
        what = "the same kind of problem" if per_row else expected
        failures.append(ValidationFailure(
            str(frame[_FILE_COL].iloc[nxt]), int(frame[_LINE_COL].iloc[nxt]), col.name, None,
            f"{what} (and {len(rows) - ROWS_PER_PROBLEM:,} more rows from this line on with "
            "the same problem, not listed)"))


def _convert_column(col: Column, frame: pd.DataFrame, resolver: CountryResolver | None,
                    failures: list[ValidationFailure]) -> pd.Series:
    series = frame[col.name]
    column = _Values(series)
    series_v = column.values  # the rules below run on distinct values when categorical

    def report(mask: np.ndarray, expected: str | np.ndarray) -> None:
        if not np.any(mask):
            return
        if isinstance(expected, np.ndarray):
            expected = column.spread(expected)
        _report(column.spread(mask), frame, col, expected, failures)

    blank = _is_blank(series_v)
    if not col.nullable:
        report(blank, f"a value ({col.expected()})")
    if col.kind in ("float", "int", "year"):
        parsed = parse_numbers(series_v)
        values = parsed.values
        report(parsed.ambiguous_comma, f"{col.expected()}, {DECIMAL_COMMA_HINT}")
        report(parsed.infinite, f"{col.expected()}, finite")
        bad = ~blank & np.isnan(values) & ~parsed.ambiguous_comma & ~parsed.infinite
        report(bad, col.expected())
        ok = ~np.isnan(values)
        if col.kind == "float" and col.mass:  # per row: the bound depends on the row's unit
            _check_magnitude(col, column.spread(values), column.spread(ok), frame, failures)
        else:
            _check_magnitude(col, values, ok, frame, failures, column.spread)
        if col.kind in ("int", "year"):
            frac = ok & (values != np.round(values))
            report(frac, col.expected())
        low = col.minimum if col.kind != "year" else YEAR_MIN
        high = col.maximum if col.kind != "year" else YEAR_MAX
        if low is not None:
            report(ok & (values < low), col.expected())
        if high is not None:
            report(ok & (values > high), col.expected())
        values, ok = column.spread(values), column.spread(ok)
        if col.kind == "float":
            return pd.Series(values, index=series.index, dtype="float64")
        if col.nullable:
            return pd.Series(values, index=series.index).round().astype("Int64")
        return pd.Series(np.where(ok, values, 0), index=series.index).round().astype("int64")
    if col.kind == "bool":
        text = series_v.astype("string").str.strip().str.lower().fillna("")
        true, false = text.isin(_TRUE).to_numpy(), text.isin(_FALSE).to_numpy()
        report(~blank & ~true & ~false, col.expected())
        return pd.Series(column.spread(true), index=series.index, dtype=bool)
    if col.kind == "date":
        result = _convert_date(col, series_v, blank, report)
    elif col.kind == "iso3":
        text = series_v.astype("string").str.strip()
        result = _convert_iso3(text, blank, column, resolver, report)
    else:
        text = series_v.astype("string").str.strip()
        if col.allowed is not None:
            report(~blank & ~text.isin(col.allowed).to_numpy(dtype=bool), col.expected())
        result = text.astype(object).where(~blank, None)
    if column.rows is None:
        return result
    return _spread_text(result.to_numpy(dtype=object), column.rows, series.index,
                        categorical=len(series) > LARGE_TABLE)


def _spread_text(per_value: np.ndarray, rows: np.ndarray, index: pd.Index,
                 categorical: bool) -> pd.Series:
    """Converted text of each distinct value, per row: categories (sorted, only those
    used, as pandas would make them from the text) for a large table, else text."""
    if not categorical:
        return pd.Series(per_value[rows], index=index, dtype=object)
    converted = pd.Categorical(per_value)
    codes = converted.codes[rows]
    used = np.bincount(codes[codes >= 0], minlength=len(converted.categories)) > 0
    categories = converted.categories
    if not used.all():
        renumber = np.append(np.cumsum(used) - 1, -1).astype(codes.dtype)  # -1 stays -1
        codes = renumber[codes]
        categories = categories[used]
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories, validate=False),
                     index=index)


def _check_magnitude(col: Column, values: np.ndarray, ok: np.ndarray, frame: pd.DataFrame,
                     failures: list[ValidationFailure], spread=None) -> None:
    """Masses within :data:`MASS_MAX_T` t per row (in the row's unit); other numbers
    without a bound of their own within :data:`NUMBER_MAX`.

    ``values`` are per row for a mass; otherwise per distinct value when ``spread``
    (distinct value -> row) is given."""
    if col.kind != "float":
        return
    if col.mass:
        if "unit" in frame:
            units = _Values(frame["unit"])
            word = units.values.astype("string").str.strip().str.split(" ").str[0].str.lower()
            scale = units.spread(word.map(TONNES_PER_UNIT).astype("float64").fillna(1.0)
                                 .to_numpy())
        else:
            scale = 1.0
        with np.errstate(invalid="ignore", over="ignore"):
            tonnes = values * scale
        big = ok & (tonnes > MASS_MAX_T)
        if big.any():
            expected = (f"at most {MASS_MAX_T:.0e} t in one row (a physical bound: world "
                        "iron-ore output is about 2.5e9 t a year); check the unit")
            _report(big, frame, col, expected, failures)
        return
    if col.maximum is None or col.minimum is None:
        huge = ok & (np.abs(values) > NUMBER_MAX)
        if spread is not None:
            huge = spread(huge)
        _report(huge, frame, col, f"a number of magnitude at most {NUMBER_MAX:.0e} (no "
                                  "figure in these tables comes near it)", failures)


def _convert_date(col: Column, series: pd.Series, blank: np.ndarray, report) -> pd.Series:
    """``YYYY-MM-DD`` text kept as text (a real calendar date between the year bounds)."""
    text = series.astype("string").str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    years = parsed.dt.year
    ok = (parsed.notna() & (years >= YEAR_MIN) & (years <= YEAR_MAX)).fillna(False) \
        .to_numpy(dtype=bool)
    report(~blank & ~ok, col.expected())
    return text.astype(object).where(~blank & ok, None)


def _convert_iso3(text: pd.Series, blank: np.ndarray, column: _Values,
                  resolver: CountryResolver | None, report) -> pd.Series:
    if resolver is None:
        return text.astype(object)
    uniques = pd.unique(text[~blank].astype(object))
    mapping = {u: resolver.resolve(u) for u in uniques}
    resolved = text.astype(object).map(mapping)
    bad = ~blank & resolved.isna().to_numpy(dtype=bool)
    if bad.any():
        expected = "a known country (ISO3 code or name)"
        # fuzzy suggestions for the first distinct names only (in row order): each costs a
        # scan of every name
        if column.rows is None:
            unknown = pd.unique(text[bad].astype(object))[:ROWS_PER_PROBLEM]
        else:
            first = pd.unique(column.rows[bad[column.rows]])[:ROWS_PER_PROBLEM]
            unknown = text.astype(object).to_numpy()[first]
        hints = {}
        for value in unknown:
            hint = resolver.suggestions(value)
            hints[value] = expected + ("; did you mean " + " or ".join(hint) + "?" if hint
                                       else "")
        per_value = text.astype(object).map(hints).fillna(expected).to_numpy(dtype=object)
        report(bad, per_value)
    return resolved.where(~pd.Series(blank, index=text.index), None)


def _fill_defaults(t: dict[str, pd.DataFrame]) -> None:
    """Defaults of optional columns that depend on other columns of the same row."""
    com = t["commodities"]
    if "contained_factor" in com and "content_factor" in com:
        com["contained_factor"] = com["contained_factor"].fillna(com["content_factor"])
    if "contained_unit" in com:
        com["contained_unit"] = com["contained_unit"].where(com["contained_unit"].notna(), "t")


# --------------------------------------------------------------------------- rules


def _check_keys(schema: TableSchema, frame: pd.DataFrame,
                failures: list[ValidationFailure]) -> None:
    if not schema.key or frame.empty or any(k not in frame for k in schema.key):
        return
    # rows whose key has a missing or unresolved value were reported already
    keys = frame[list(schema.key)]
    complete = keys.notna().all(axis=1).to_numpy()
    if not complete.all():
        keys = keys.loc[complete]
    if len(keys) > LARGE_TABLE and not _has_repeats(keys):
        return
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    frame = frame.loc[complete, [*schema.key, _FILE_COL, _LINE_COL]]
    first = frame.drop_duplicates(list(schema.key), keep="first").set_index(list(schema.key))
    for row in frame.loc[dup].head(ROWS_PER_PROBLEM).itertuples(index=False):
        key = tuple(getattr(row, k) for k in schema.key)
        where = first.loc[key if len(key) > 1 else key[0]]
        first_line = int(where[_LINE_COL] if np.ndim(where[_LINE_COL]) == 0
                         else where[_LINE_COL].iloc[0])
        failures.append(ValidationFailure(
            str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), ",".join(schema.key),
            "|".join(str(k) for k in key),
            f"a unique key ({', '.join(schema.key)}); first seen on line {first_line}"))
    if dup.sum() > ROWS_PER_PROBLEM:
        nxt = frame.loc[dup].iloc[ROWS_PER_PROBLEM]
        failures.append(ValidationFailure(
            str(nxt[_FILE_COL]), int(nxt[_LINE_COL]), ",".join(schema.key), None,
            f"a unique key ({', '.join(schema.key)}) (and {int(dup.sum()) - ROWS_PER_PROBLEM:,} "
            "more repeated keys from this line on, not listed)"))


def _has_repeats(keys: pd.DataFrame) -> bool:
    """Whether a row of ``keys`` (no missing values) repeats an earlier one.

    Each row becomes one integer (the codes of its values in mixed radix) and the
    integers are sorted: for millions of rows many times faster than hashing the rows.
    True also when the codes do not fit an integer (the caller then checks exactly).
    """
    combined = np.zeros(len(keys), dtype=np.int64)
    size = 1
    for name in keys.columns:
        series = keys[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes, count = series.cat.codes.to_numpy(), len(series.cat.categories)
        else:
            codes, uniques = pd.factorize(series)
            count = len(uniques)
        size *= max(count, 1)
        if size >= 2**62:
            return True
        combined = combined * count + codes
    combined.sort()
    return bool((combined[1:] == combined[:-1]).any())


def _check_cross_file(t: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> None:
    commodities = set(t["commodities"]["commodity"].dropna())
    for name in ("production", "processing_shares", "trade", "facilities", "candidates",
                 "feed_trade", "export_restrictions"):
        _check_member(t[name], "commodity", commodities, "a commodity in minerals/commodities.csv",
                      failures)
    _check_feed_trade(t["feed_trade"], failures)
    from scrisk.data.export_restrictions import check_export_restrictions

    check_export_restrictions(t.get("export_restrictions"), set(t["countries"]["iso3"].dropna()),
                              failures, _FILE_COL, _LINE_COL)
    consumption = t["consumption"]
    _check_member(consumption.loc[consumption["commodity"] != "base_metals"], "commodity",
                  commodities, "a commodity in minerals/commodities.csv or base_metals",
                  failures)
    _check_member(t["ownership"], "facility_id", set(t["facilities"]["facility_id"].dropna()),
                  "a facility_id of suppliers/facilities.csv", failures)
    _check_ownership_periods(t["ownership"], failures)
    _check_facility_output(t, failures)
    _check_sum(t["battery_scenarios"], "scenario", "share", "==", failures,
               "chemistry shares of one scenario to add up to 1")
    _check_sum(t["sea_routes"], "origin_region", "share", "==", failures,
               "route shares of one origin region to add up to 1")
    _check_member(t["battery_scenarios"], "chemistry",
                  set(t["battery_intensity"]["chemistry"].dropna()),
                  "a chemistry of minerals/battery_intensity.csv", failures)
    _check_sea_coverage(t, failures)
    _check_self_trade(t["trade"], failures)
    _check_governance_coverage(t, failures)
    _check_route_chokepoints(t, failures)
    _check_member(t["midstream_content"], "commodity", commodities,
                  "a commodity in minerals/commodities.csv", failures)
    mid = t["midstream_shares"]
    if not mid.empty:  # one published share table per stage, variant, measure and year
        group = mid["stage"] + "/" + mid["variant"] + "/" + mid["measure"] + "/" \
            + mid["year"].astype(str)
        _check_sum(mid.assign(_group=group), "_group", "share", "==", failures,
                   "shares of one stage, variant, measure and year to add up to 1")
    from scrisk.data.midstream_plants import check_midstream_plants

    check_midstream_plants(t, failures, _FILE_COL, _LINE_COL)
    _check_one_unit(t["production"], ("commodity", "stage"), failures)
    _check_one_unit(t["processing_shares"], ("commodity", "stage"), failures)
    _check_mining_unit(t, failures)
    _check_candidate_unit(t, failures)


# Units of a candidate's annual_output_t: contained tonnes of its commodity. Besides these
# and the commodity's contained_unit (commodities.csv), lithium may be given as LCE or
# Li2O, which the optimiser converts; a gross weight (ore, concentrate) has no grade here.
CONTAINED_UNITS = ("t", "tonnes", "tonne", "t metal", "t contained")
CANDIDATE_EXTRA_UNITS = {"lithium": ("t LCE", "t Li2O")}


def _unit_text(unit: object) -> str:
    return " ".join(str(unit).strip().lower().split())


def _check_candidate_unit(t: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> None:
    """A candidate's output must be in contained tonnes of its commodity, never gross weight."""
    cand, com = t["candidates"], t["commodities"]
    if cand.empty or com.empty or "unit" not in cand:
        return
    contained = dict(zip(com["commodity"], com["contained_unit"], strict=True))
    expected, bad = [], []
    for commodity, unit in zip(cand["commodity"].astype(object), cand["unit"].astype(object),
                               strict=True):
        own = contained.get(commodity)
        if commodity is None or own is None or not isinstance(own, str):
            expected.append("")  # an unknown commodity is reported on its own
            bad.append(False)
            continue
        units = (*CONTAINED_UNITS, own, *CANDIDATE_EXTRA_UNITS.get(commodity, ()))
        bad.append(unit is None or _unit_text(unit) not in {_unit_text(u) for u in units})
        expected.append(f"contained tonnes of {commodity}: {', '.join(dict.fromkeys(units))} "
                        "(not a gross weight such as t ore or t concentrate: multiply it by "
                        "the grade first)")
    _report(np.array(bad, dtype=bool), cand, Column("unit"), np.array(expected, dtype=object),
            failures)


def _check_member(frame: pd.DataFrame, column: str, allowed: set, expected: str,
                  failures: list[ValidationFailure]) -> None:
    if frame.empty or column not in frame or not allowed:
        return
    values = frame[column]
    bad = (values.notna() & ~values.isin(allowed)).to_numpy(dtype=bool)
    if not bad.any():
        return
    bad_values = sorted({str(v) for v in values[bad]})
    if len(bad) > 10_000:  # large tables: one failure per distinct value, first line shown
        sub = frame.loc[bad]
        for value in bad_values[:ROWS_PER_PROBLEM]:
            rows = sub.loc[sub[column] == value]
            failures.append(ValidationFailure(
                str(rows[_FILE_COL].iloc[0]), int(rows[_LINE_COL].iloc[0]), column, value,
                f"{expected} ({len(rows)} rows have this value)"))
        if len(bad_values) > ROWS_PER_PROBLEM:
            failures.append(ValidationFailure(
                str(sub[_FILE_COL].iloc[0]), None, column, None,
                f"{expected} (and {len(bad_values) - ROWS_PER_PROBLEM:,} more unknown values, "
                "not listed)"))
        return
    _report(bad, frame, Column(column), expected, failures)


def _check_sum(frame: pd.DataFrame, by: str, column: str, op: str,
               failures: list[ValidationFailure], expected: str) -> None:
    if frame.empty or column not in frame:
        return
    totals = frame.groupby(by, sort=True)[column].sum(min_count=1)
    tol = 1e-6
    bad = totals[totals > 1 + tol] if op == "<=" else totals[(totals - 1).abs() > tol]
    if len(bad) > ROWS_PER_PROBLEM:
        failures.append(ValidationFailure(
            str(frame[_FILE_COL].iloc[0]), None, column, None,
            f"{expected} (and {len(bad) - ROWS_PER_PROBLEM:,} more {by} values, not listed)"))
        bad = bad.iloc[:ROWS_PER_PROBLEM]
    for key, total in bad.items():
        rows = frame.loc[frame[by] == key]
        failures.append(ValidationFailure(
            str(rows[_FILE_COL].iloc[0]), int(rows[_LINE_COL].iloc[0]), column,
            f"{key}: sum {total:.6g}", expected))


def _drop_output_of_replaced_facilities(raw: dict[str, pd.DataFrame],
                                        files: dict[str, tuple[str, ...]],
                                        over: Path | None) -> None:
    """An overlay that replaces facilities.csv but not facility_output.csv keeps only the
    shipped yearly output of facilities still listed (the others were replaced on purpose)."""
    if over is None or "facility_output" not in raw:
        return

    def from_overlay(name: str) -> bool:
        return any(Path(f).is_relative_to(over) for f in files.get(name, ()))

    if from_overlay("facilities") and not from_overlay("facility_output"):
        known = set(raw["facilities"]["facility_id"].astype(str).str.strip())
        output = raw["facility_output"]
        raw["facility_output"] = output.loc[output["facility_id"].astype(str).str.strip()
                                            .isin(known)].reset_index(drop=True)


def _check_ownership_periods(owners: pd.DataFrame, failures: list[ValidationFailure]) -> None:
    """Dated stakes: from <= to, no overlap per owner, shares <= 1 in every year."""
    if owners.empty or "valid_from" not in owners:
        return
    first = pd.to_numeric(owners["valid_from"], errors="coerce").astype(float)
    last = pd.to_numeric(owners["valid_to"], errors="coerce").astype(float)
    reversed_ = (first.notna() & last.notna() & (first > last)).to_numpy(dtype=bool)
    _report(reversed_, owners, Column("valid_to"), "a year >= valid_from", failures)
    lo = first.fillna(YEAR_MIN).to_numpy()
    hi = last.fillna(YEAR_MAX).to_numpy()
    for _, idx in owners.groupby(["facility_id", "owner"], sort=False).indices.items():
        if len(idx) < 2:
            continue
        order = idx[np.argsort(lo[idx], kind="stable")]
        for prev, cur in zip(order[:-1], order[1:], strict=True):
            if lo[cur] <= hi[prev]:
                failures.append(ValidationFailure(
                    str(owners[_FILE_COL].iloc[cur]), int(owners[_LINE_COL].iloc[cur]),
                    "valid_from", str(owners["valid_from"].iloc[cur]),
                    f"a period not overlapping line {int(owners[_LINE_COL].iloc[prev])} "
                    "(same facility and owner)"))
    # shares are piecewise constant in time: checking every period start and end suffices
    for column, what in (("equity_share", "equity"), ("offtake_share", "offtake")):
        shares = pd.to_numeric(owners[column], errors="coerce").fillna(0.0).to_numpy()
        for facility, idx in owners.groupby("facility_id", sort=True).indices.items():
            dated = bool(first.iloc[idx].notna().any() or last.iloc[idx].notna().any())
            years = np.unique(np.concatenate([lo[idx], hi[idx]]))
            for year in years:
                live = idx[(lo[idx] <= year) & (hi[idx] >= year)]
                total = float(shares[live].sum())
                if total > 1 + 1e-6:
                    where = f"{facility} in {int(year)}" if dated else str(facility)
                    failures.append(ValidationFailure(
                        str(owners[_FILE_COL].iloc[live[0]]), int(owners[_LINE_COL].iloc[live[0]]),
                        column, f"{where}: sum {total:.6g}",
                        f"{what} shares of one facility to add up to at most 1"))
                    break


def _check_facility_output(t: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> None:
    """Yearly output rows name a known facility in that facility's unit."""
    output = t.get("facility_output")
    if output is None or output.empty:
        return
    facilities = t["facilities"].drop_duplicates("facility_id").set_index("facility_id")
    _check_member(output, "facility_id", set(facilities.index.dropna()),
                  "a facility_id of suppliers/facilities.csv", failures)
    unit = output["facility_id"].map(facilities["unit"])
    bad = (unit.notna() & (output["unit"] != unit)).to_numpy(dtype=bool)
    for i in np.flatnonzero(bad):
        failures.append(ValidationFailure(
            str(output[_FILE_COL].iloc[i]), int(output[_LINE_COL].iloc[i]), "unit",
            str(output["unit"].iloc[i]),
            f"the unit of {output['facility_id'].iloc[i]} in suppliers/facilities.csv "
            f"('{unit.iloc[i]}')"))


def _check_feed_trade(feed: pd.DataFrame, failures: list[ValidationFailure]) -> None:
    """Gross weight never below the contained element; no flow from a country to itself."""
    if feed.empty:
        return
    gross, contained = feed["gross_t"], feed["contained_t"]
    light = (gross.notna() & contained.notna() & (gross < contained)).to_numpy(dtype=bool)
    for row in feed.loc[light].itertuples(index=False):
        failures.append(ValidationFailure(
            str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), "gross_t",
            f"{row.gross_t:g}", f"gross_t >= contained_t ({row.contained_t:g}) or empty"))
    same = (feed["exporter"].notna() & (feed["exporter"] == feed["importer"])).to_numpy(dtype=bool)
    _report(same, feed, Column("importer"), "a country other than the exporter", failures)


def _check_self_trade(trade: pd.DataFrame, failures: list[ValidationFailure]) -> None:
    """A flow from a country to itself is no trade (it would make a country its own supplier)."""
    if trade.empty:
        return
    same = _same_text(trade["exporter"], trade["importer"])
    _report(same, trade, Column("importer"), "a country other than the exporter", failures)


def _same_text(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Rows where ``a`` has a value equal to ``b``'s (compared on category codes when both
    columns are categorical, without writing out the text of every row)."""
    if isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype):
        b_code_of_a = np.append(b.cat.categories.get_indexer(a.cat.categories), -2)
        a_codes = a.cat.codes.to_numpy()
        mapped = b_code_of_a[np.where(a_codes < 0, len(a.cat.categories), a_codes)]
        return (a_codes >= 0) & (mapped >= 0) & (mapped == b.cat.codes.to_numpy())
    left = a.astype(object).to_numpy()
    return np.asarray(pd.notna(left) & (left == b.astype(object).to_numpy()), dtype=bool)


def _check_sea_coverage(t: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> None:
    """Every origin region has routes, and every country shipping to the routes'
    destination has an origin region: otherwise its cargo would pass no chokepoint and a
    closure would silently lose nothing."""
    regions, routes = t["sea_regions"], t["sea_routes"]
    if regions.empty:
        return  # a required table: reported as empty already
    known = set(routes["origin_region"].dropna())
    bad = (regions["origin_region"].notna()
           & ~regions["origin_region"].isin(known)).to_numpy(dtype=bool)
    _report(bad, regions, Column("origin_region"), "an origin_region of geo/sea_routes.csv",
            failures)
    placed = set(regions["iso3"].dropna())
    for name in ("trade", "feed_trade"):
        flows = t[name]
        if flows.empty:
            continue
        exporter = flows["exporter"]
        if not isinstance(exporter.dtype, pd.CategoricalDtype):
            exporter = exporter.astype(object)
        lost = ((flows["importer"] == ROUTE_DESTINATION) & exporter.notna()
                & (exporter != ROUTE_DESTINATION) & ~exporter.isin(placed)).to_numpy(dtype=bool)
        if lost.any():
            first = flows.loc[lost].drop_duplicates("exporter")
            for row in first.head(ROWS_PER_PROBLEM).itertuples(index=False):
                count = int((exporter[lost] == row.exporter).sum())
                failures.append(ValidationFailure(
                    str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), "exporter",
                    str(row.exporter),
                    f"a country with an origin region in geo/sea_regions.csv, since it ships "
                    f"to {ROUTE_DESTINATION} ({count} rows)"))


def _check_governance_coverage(t: dict[str, pd.DataFrame],
                               failures: list[ValidationFailure]) -> None:
    """Governance values for every year the trade covers.

    A whole year missing would give every partner the missing-value weight
    (GeoPolRisk moves by tens of percent with no sign of it), so it is an
    error. A country missing in a year it trades (small territories in the
    shipped data) is a fallback that GeoPolRisk notes beside its number.
    """
    gov, trade = t["governance"], t["trade"]
    if trade.empty or gov.empty or "year" not in trade:
        return  # an empty governance table is reported as such
    have = set(gov.loc[gov["wgi_political_stability"].notna(), "year"].dropna().astype(int))
    trade_years = sorted(int(y) for y in pd.unique(trade["year"].dropna()))
    for year in (y for y in trade_years if y not in have):
        failures.append(ValidationFailure(
            str(gov[_FILE_COL].iloc[0]), None, "year", str(year),
            f"governance values for every year the trade covers ({trade_years[0]}-"
            f"{trade_years[-1]}); GeoPolRisk would give every partner the missing-value "
            "weight"))


def _check_route_chokepoints(t: dict[str, pd.DataFrame],
                             failures: list[ValidationFailure]) -> None:
    known = set(t["chokepoints"]["chokepoint_id"].dropna())
    routes = t["sea_routes"]
    if routes.empty or not known:
        return
    for row in routes.itertuples(index=False):
        ids = [] if row.chokepoints is None else str(row.chokepoints).split(";")
        for cid in (c.strip() for c in ids):
            if cid and cid not in known:
                failures.append(ValidationFailure(
                    str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), "chokepoints",
                    cid, "a chokepoint_id of geo/chokepoints.csv"))


def _check_one_unit(frame: pd.DataFrame, by: tuple[str, ...],
                    failures: list[ValidationFailure]) -> None:
    if frame.empty:
        return
    units = frame.groupby(list(by))["unit"].nunique()
    for key in units[units > 1].index:
        mask = np.logical_and.reduce([frame[b] == k for b, k in zip(by, key, strict=True)])
        rows = frame.loc[mask]
        common = rows["unit"].mode().iloc[0]
        odd = rows.loc[rows["unit"] != common]
        for row in odd.itertuples(index=False):
            failures.append(ValidationFailure(
                str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), "unit",
                str(row.unit), f"one unit per {' and '.join(by)}: '{common}' like the other rows"))


def _check_mining_unit(t: dict[str, pd.DataFrame], failures: list[ValidationFailure]) -> None:
    prod, com = t["production"], t["commodities"]
    if prod.empty or com.empty:
        return
    expected = dict(zip(com["commodity"], com["mining_unit"], strict=True))
    mining = prod.loc[prod["stage"] == "mining"]
    units = mining.groupby("commodity")["unit"].nunique()
    mining = mining.loc[mining["commodity"].astype(object).map(units) == 1]  # mixed: reported
    want = mining["commodity"].astype(object).map(expected)
    bad = (want.notna() & (mining["unit"].astype(object) != want)).to_numpy(dtype=bool)
    if bad.any():
        first = mining.loc[bad].drop_duplicates("commodity")
        for row in first.itertuples(index=False):
            failures.append(ValidationFailure(
                str(getattr(row, _FILE_COL)), int(getattr(row, _LINE_COL)), "unit", str(row.unit),
                f"the mining_unit of {row.commodity} in minerals/commodities.csv "
                f"('{expected[row.commodity]}')"))


def _sorted_failures(failures: list[ValidationFailure]) -> list[ValidationFailure]:
    return sorted(failures, key=lambda f: (f.file, f.row or 0, f.column or ""))


def _finalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop bookkeeping columns; large tables keep repeated text as categories."""
    out = frame.drop(columns=[_FILE_COL, _LINE_COL], errors="ignore").reset_index(drop=True)
    for name in out.columns:
        if out[name].dtype.kind == "O" or str(out[name].dtype) in ("str", "string"):
            if len(out) > LARGE_TABLE:
                if isinstance(out[name].dtype, pd.CategoricalDtype):
                    categories = out[name].cat.categories
                    if not categories.is_monotonic_increasing:  # a column of no schema
                        out[name] = out[name].cat.set_categories(categories.sort_values()) \
                            .cat.remove_unused_categories()
                else:
                    out[name] = out[name].astype("category")
            else:
                out[name] = out[name].astype("str").where(out[name].notna(), None)
    return out


def _check_hs_map_and_derive_trade(t: dict[str, pd.DataFrame],
                                   failures: list[ValidationFailure]) -> None:
    """Check the HS map; fill trade columns an older trade file lacks.

    ``contained_t`` missing (an overlay written before the HS map existed)
    becomes ``quantity_t`` x the map's factor; ``quantity_t_reported``
    missing on an unrepaired row is the quantity itself.
    """
    from scrisk.data.hs_map import map_trade, validate_hs_map

    hs_map, trade = t.get("hs_map"), t.get("trade")
    if hs_map is None or hs_map.empty:
        return
    before = len(failures)
    failures.extend(validate_hs_map(
        hs_map, set(t["commodities"]["commodity"].dropna()),
        set(t["countries"]["iso3"].dropna()), lines=hs_map[_LINE_COL], files=hs_map[_FILE_COL]))
    if len(failures) > before or trade is None or trade.empty:
        return
    if "contained_t" in trade:
        todo = trade["contained_t"].isna() & trade["quantity_t"].notna()
        if todo.any():
            rows = trade.loc[todo, ["hs6", "exporter"]].astype(str)
            factor = map_trade(rows, hs_map, keep_unmapped=True)["contained_factor"]
            trade.loc[todo, "contained_t"] = (trade.loc[todo, "quantity_t"].to_numpy()
                                              * factor.to_numpy(dtype="float64"))
    if "quantity_t_reported" in trade and "repair" in trade:
        unrepaired = trade["repair"].isna() | (trade["repair"] == "")
        trade["quantity_t_reported"] = trade["quantity_t_reported"].where(
            trade["quantity_t_reported"].notna() | ~unrepaired, trade["quantity_t"])
