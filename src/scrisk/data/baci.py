"""Import a full CEPII BACI HS92 release into a scrisk data folder, streaming.

An official BACI download (a zip, or the folder it unpacks to) holds one CSV
per year, ``BACI_HS92_Y<year>_V<version>.csv`` with the columns
``t, i, j, k, v, q`` (year, exporter and importer BACI country codes, HS92
product, value in thousand USD, quantity in tonnes; ``q`` may be ``NA`` or
blank), plus ``country_codes_V<version>.csv`` and
``product_codes_HS92_V<version>.csv``. :func:`import_baci` reads the yearly
files in chunks (half a million rows at a time, never the whole release),
keeps the codes of the HS map, maps countries to ISO3, converts to
commodity, stage and contained tonnes, repairs quantities
(:func:`scrisk.data.trade_repair.repair_trade`) and writes
``DIR/minerals/trade.parquet`` atomically, so that ``--data DIR`` uses it.
"""

from __future__ import annotations

import io
import os
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.data.hs_map import map_trade, read_hs_map
from scrisk.data.trade_repair import RepairTolerance, repair_trade, repairs_of
from scrisk.exceptions import DataValidationError, ValidationFailure

BACI_COLUMNS = ("t", "i", "j", "k", "v", "q")
TRADE_COLUMNS = ("year", "hs6", "commodity", "stage", "exporter", "importer", "quantity_t",
                 "quantity_t_reported", "value_kusd", "contained_t", "repair", "source")
TAIWAN_BACI_CODE = 490  # BACI "Other Asia, nes" (iso3 S19) is Taiwan
_YEAR_FILE = re.compile(r"(?:^|/)BACI_HS92_Y(\d{4})_V(\w+)\.csv$")
_COUNTRY_FILE = re.compile(r"(?:^|/)country_codes_V(\w+)\.csv$")
_PRODUCT_FILE = re.compile(r"(?:^|/)product_codes_HS92_V(\w+)\.csv$")
_MAX_FAILURES = 20
DEFAULT_YEARS = range(2018, 2025)  # the years of the shipped data


@dataclass(frozen=True)
class BaciRelease:
    """Where the files of one BACI release are (inside a zip or a folder)."""

    path: Path
    version: str
    year_files: dict[int, str]
    country_file: str
    product_file: str | None

    @contextmanager
    def open(self, member: str) -> Iterator[io.BufferedIOBase]:
        """Open one file of the release as a binary stream."""
        if self.path.is_dir():
            with open(self.path / member, "rb") as handle:
                yield handle
        else:
            with zipfile.ZipFile(self.path) as archive, archive.open(member) as handle:
                yield handle


@dataclass(frozen=True)
class BaciImportResult:
    """What :func:`import_baci` read, kept and wrote."""

    release: Path
    version: str
    out_file: Path
    years: tuple[int, ...]
    rows_read: int
    rows_kept: int
    rows_unknown_country: int
    unknown_country_codes: tuple[int, ...]
    map_codes_absent: tuple[str, ...]
    repairs: pd.DataFrame = field(repr=False)
    seconds: float = 0.0

    def summary(self) -> pd.DataFrame:
        """The import in one small table (item, value)."""
        rules = self.repairs["rule"].value_counts().sort_index()
        items = [
            ("release", f"{self.release} (V{self.version})"),
            ("years", f"{min(self.years)}-{max(self.years)}" if self.years else ""),
            ("rows read", f"{self.rows_read:,}"),
            ("rows kept (HS map codes)", f"{self.rows_kept:,}"),
            ("rows dropped: country not in countries.csv", f"{self.rows_unknown_country:,}"),
            ("HS map codes absent from the release", ", ".join(self.map_codes_absent)),
            ("repairs", ", ".join(f"{r} {n:,}" for r, n in rules.items()) or "none"),
            ("written", str(self.out_file)),
            ("seconds", f"{self.seconds:.1f}"),
        ]
        return pd.DataFrame(items, columns=["item", "value"])


def find_release(path: str | os.PathLike) -> BaciRelease:
    """Locate the yearly, country and product files of a BACI HS92 release.

    Raises
    ------
    DataValidationError
        When ``path`` is neither a folder nor a zip, or lacks the yearly or
        country-code files.
    """
    root = Path(path)
    if root.is_dir():
        names = sorted(str(p.relative_to(root)).replace(os.sep, "/")
                       for p in root.rglob("*.csv"))
    elif root.is_file() and zipfile.is_zipfile(root):
        with zipfile.ZipFile(root) as archive:
            names = sorted(archive.namelist())
    else:
        raise DataValidationError([ValidationFailure(
            str(root), None, None, None,
            "a BACI HS92 release: a .zip download or the folder it unpacks to")])
    years: dict[int, str] = {}
    versions = set()
    for name in names:
        match = _YEAR_FILE.search(name)
        if match:
            years[int(match.group(1))] = name
            versions.add(match.group(2))
    countries = [n for n in names if _COUNTRY_FILE.search(n)]
    products = [n for n in names if _PRODUCT_FILE.search(n)]
    failures = []
    if not years:
        failures.append(ValidationFailure(str(root), None, None, None,
                                          "yearly files named BACI_HS92_Y<year>_V<version>.csv"))
    if not countries:
        failures.append(ValidationFailure(str(root), None, None, None,
                                          "a country code file country_codes_V<version>.csv"))
    if failures:
        raise DataValidationError(failures)
    return BaciRelease(root, "/".join(sorted(versions)), years, countries[-1],
                       products[-1] if products else None)


def read_country_codes(release: BaciRelease, known_iso3: set[str]) -> np.ndarray:
    """Lookup array: BACI country code -> ISO3 ('' where unknown).

    Handles the current (``country_code, country_iso3``) and the older
    (``country_code, iso_3digit_alpha``) headers; code 490 is Taiwan.
    Namibia's ISO2 "NA" stays text (``keep_default_na=False``).
    """
    with release.open(release.country_file) as handle:
        codes = pd.read_csv(handle, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    codes.columns = [c.strip() for c in codes.columns]
    iso_column = next((c for c in ("country_iso3", "iso_3digit_alpha") if c in codes), None)
    if "country_code" not in codes or iso_column is None:
        raise DataValidationError([ValidationFailure(
            release.country_file, 1, "country_code/country_iso3", ",".join(codes.columns),
            "columns country_code and country_iso3 (or iso_3digit_alpha)")])
    number = pd.to_numeric(codes["country_code"].str.strip(), errors="coerce")
    bad = number.isna() | (number < 0) | (number > 9999)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataValidationError([ValidationFailure(
            release.country_file, row + 2, "country_code", codes["country_code"].iloc[row],
            "an integer BACI country code")])
    lookup = np.full(10_000, "", dtype=object)
    iso3 = codes[iso_column].str.strip().str.upper().to_numpy()
    iso3 = np.where(number.to_numpy() == TAIWAN_BACI_CODE, "TWN", iso3)
    iso3 = np.where(np.isin(iso3, list(known_iso3)), iso3, "")
    lookup[number.astype("int64").to_numpy()] = iso3
    return lookup


def read_product_codes(release: BaciRelease) -> set[str] | None:
    """HS6 codes listed in the release's product file (None when the file is absent)."""
    if release.product_file is None:
        return None
    with release.open(release.product_file) as handle:
        products = pd.read_csv(handle, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                               usecols=[0])
    return set(products.iloc[:, 0].str.strip().str.zfill(6))


def iter_baci_chunks(release: BaciRelease, year: int, codes: np.ndarray,
                     chunksize: int = 500_000) -> Iterator[tuple[pd.DataFrame, int]]:
    """Rows of one yearly file whose product is in ``codes``, chunk by chunk.

    Yields the kept rows (``t, i, j, k, v, q`` with ``k`` an int) and the
    number of rows read in the chunk. Numbers are parsed by the C reader;
    a chunk that does not parse is re-read as text to report the exact
    cell (file, line, column, value, expected).
    """
    member = release.year_files[year]
    with release.open(member) as handle:
        header = handle.readline().decode("utf-8-sig").strip()
    columns = [c.strip().strip('"') for c in header.split(",")]
    if columns[:6] != list(BACI_COLUMNS):
        raise DataValidationError([ValidationFailure(
            member, 1, ",".join(columns), header, "the BACI header t,i,j,k,v,q")])
    dtypes = {"t": "int32", "i": "int32", "j": "int32", "k": "int64", "v": "float64",
              "q": "float64"}
    offset = 0
    with release.open(member) as handle:
        reader = pd.read_csv(handle, usecols=list(BACI_COLUMNS), dtype=dtypes,
                             keep_default_na=False, na_values={"q": ["NA", ""], "v": []},
                             skipinitialspace=True, chunksize=chunksize, engine="c")
        while True:
            try:
                chunk = next(reader)
            except StopIteration:
                break
            except (ValueError, TypeError) as err:
                raise DataValidationError(
                    _locate_bad_cells(release, member, offset, chunksize) or
                    [ValidationFailure(member, None, None, None, f"numbers in t,i,j,k,v,q ({err})")]
                ) from err
            wrong_year = chunk["t"].to_numpy() != year
            if wrong_year.any():
                row = int(np.flatnonzero(wrong_year)[0])
                raise DataValidationError([ValidationFailure(
                    member, offset + row + 2, "t", str(chunk["t"].iloc[row]),
                    f"the year of the file name ({year})")])
            offset += len(chunk)
            keep = np.isin(chunk["k"].to_numpy(), codes)
            yield chunk.loc[keep], len(chunk)


def _locate_bad_cells(release: BaciRelease, member: str, offset: int,
                      chunksize: int) -> list[ValidationFailure]:
    """Re-read one chunk as text and name every cell that is not a valid number."""
    with release.open(member) as handle:
        text = pd.read_csv(handle, dtype=str, keep_default_na=False, skiprows=range(1, offset + 1),
                           nrows=chunksize, skipinitialspace=True)
    failures = []
    rules = {"t": ("int", "a year"), "i": ("int", "an integer BACI country code"),
             "j": ("int", "an integer BACI country code"),
             "k": ("int", "a 6-digit HS92 code"), "v": ("float", "a value in thousand USD"),
             "q": ("float", "a quantity in t, NA or blank")}
    for column, (kind, expected) in rules.items():
        if column not in text:
            failures.append(ValidationFailure(member, 1, column, None, "a column " + column))
            continue
        cells = text[column].str.strip()
        numbers = pd.to_numeric(cells, errors="coerce")
        bad = numbers.isna()
        if column == "q":
            bad &= ~cells.isin(["NA", ""])
        if kind == "int":
            bad |= numbers.notna() & (numbers != numbers.round())
        for row in np.flatnonzero(bad.to_numpy())[:_MAX_FAILURES]:
            failures.append(ValidationFailure(member, offset + int(row) + 2, column,
                                              cells.iloc[row], expected))
    return failures


def parse_years(text: str | None, available: set[int]) -> tuple[int, ...]:
    """Years from ``"2018-2024"``, ``"2022"`` or ``"2019,2021"`` that the release has.

    Without ``text``: the release's years within 2018-2024 (the shipped data's
    years), or all of its years when none falls there.

    Examples
    --------
    >>> parse_years("2018-2020", {2017, 2018, 2019, 2020, 2021})
    (2018, 2019, 2020)
    """
    if not text:
        recent = sorted(set(DEFAULT_YEARS) & available)
        return tuple(recent) if recent else tuple(sorted(available))
    wanted: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d{4})(?:\s*-\s*(\d{4}))?", part)
        if not match:
            raise DataValidationError([ValidationFailure(
                "--years", None, None, part, "years as 2018-2024, 2022 or 2019,2021")])
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        wanted.update(range(min(first, last), max(first, last) + 1))
    missing = sorted(wanted - available)
    if missing:
        raise DataValidationError([ValidationFailure(
            "--years", None, None, ",".join(map(str, missing)),
            f"years the release has ({min(available)}-{max(available)})")])
    return tuple(sorted(wanted))


def import_baci(path: str | os.PathLike, out_dir: str | os.PathLike, years: str | None = None,
                hs_map: pd.DataFrame | None = None, countries: pd.DataFrame | None = None,
                tolerance: RepairTolerance | None = None, chunksize: int = 500_000,
                progress: Callable[[str], None] | None = None) -> BaciImportResult:
    """Stream a BACI HS92 release into ``out_dir/minerals/trade.parquet``.

    Parameters
    ----------
    path : path-like
        The release: a zip download or its folder.
    out_dir : path-like
        The user's data folder (created if needed); use it with ``--data``.
    years : str, optional
        ``"2018-2024"``, ``"2022"`` or ``"2019,2021"``; by default the
        release's years within 2018-2024 (all of them if none is).
    hs_map, countries : pandas.DataFrame, optional
        The HS map and the country table; the shipped ones by default.
    tolerance : RepairTolerance, optional
        Thresholds of the quantity repair.
    chunksize : int
        Rows parsed at a time (memory grows with it, not with the release).
    progress : callable, optional
        Called with a short message after each chunk.

    Returns
    -------
    BaciImportResult

    Raises
    ------
    DataValidationError
        For a wrong folder, missing files, a wrong header or a cell that is
        not a number (file, line, column, value, expected).
    """
    started = time.perf_counter()
    release = find_release(path)
    if hs_map is None:
        hs_map = read_hs_map()
    if countries is None:
        from scrisk.data.load import shipped_data_path

        countries = pd.read_csv(shipped_data_path() / "minerals" / "countries.csv",
                                keep_default_na=False, na_values=[""], usecols=["iso3"])
    chosen = parse_years(years, set(release.year_files))
    country_of = read_country_codes(release, set(countries["iso3"]))
    products = read_product_codes(release)
    map_codes = sorted(set(hs_map["hs6"]))
    absent = tuple(c for c in map_codes if products is not None and c not in products)
    codes = np.array([int(c) for c in map_codes], dtype="int64")

    kept, rows_read, unknown_rows, unknown_codes = [], 0, 0, set()
    for year in chosen:
        for chunk, n_read in iter_baci_chunks(release, year, codes, chunksize):
            rows_read += n_read
            exporter = country_of[np.clip(chunk["i"].to_numpy(), 0, 9999)]
            importer = country_of[np.clip(chunk["j"].to_numpy(), 0, 9999)]
            known = (exporter != "") & (importer != "")
            if not known.all():
                unknown_rows += int((~known).sum())
                unknown_codes |= set(chunk["i"].to_numpy()[exporter == ""].tolist())
                unknown_codes |= set(chunk["j"].to_numpy()[importer == ""].tolist())
            kept.append(pd.DataFrame({
                "year": chunk["t"].to_numpy()[known].astype("int64"),
                "hs6": np.char.zfill(chunk["k"].to_numpy()[known].astype(str), 6).astype(object),
                "exporter": exporter[known], "importer": importer[known],
                "quantity_t": chunk["q"].to_numpy()[known],
                "value_kusd": chunk["v"].to_numpy()[known],
            }))
            if progress is not None:
                progress(f"{year}: {rows_read:,} rows read, "
                         f"{sum(len(k) for k in kept):,} kept")
    rows = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(
        columns=["year", "hs6", "exporter", "importer", "quantity_t", "value_kusd"])
    key = ["year", "hs6", "exporter", "importer"]
    if rows.duplicated(key).any():  # BACI has one row per key; a merged file may not
        rows = rows.groupby(key, as_index=False, sort=False)[["quantity_t", "value_kusd"]].sum(
            min_count=1)
    trade = convert_and_repair(rows, hs_map, tolerance,
                               source=f"CEPII BACI HS92 V{release.version}; imported by scrisk "
                                      f"from {release.path.name}")
    out_file = Path(out_dir) / "minerals" / "trade.parquet"
    write_trade(trade, out_file)
    return BaciImportResult(release.path, release.version, out_file, chosen, rows_read,
                            len(trade), unknown_rows, tuple(sorted(int(c) for c in unknown_codes)),
                            absent, repairs_of(trade), time.perf_counter() - started)


def convert_and_repair(rows: pd.DataFrame, hs_map: pd.DataFrame,
                       tolerance: RepairTolerance | None = None,
                       source: str = "CEPII BACI HS92") -> pd.DataFrame:
    """BACI rows (ISO3 countries, 6-character hs6) -> the trade table of scrisk.

    Maps each row through the HS map, repairs quantities (one world median
    per code and map row), adds ``contained_t`` and sorts by year, hs6,
    commodity, exporter and importer.
    """
    mapped = map_trade(rows, hs_map)
    mapped = mapped.sort_values(["year", "hs6", "commodity", "exporter", "importer"],
                                ignore_index=True)
    repaired, _ = repair_trade(mapped, tolerance, group=("hs6", "map_exporters"))
    repaired["contained_t"] = repaired["quantity_t"] * repaired["contained_factor"]
    repaired["source"] = source
    return repaired[list(TRADE_COLUMNS)]


def write_trade(trade: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a trade table as Parquet (zstd, dictionary text columns), atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    types = {"year": pa.int16(), "quantity_t": pa.float64(), "quantity_t_reported": pa.float64(),
             "value_kusd": pa.float64(), "contained_t": pa.float64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in TRADE_COLUMNS])
    frame = trade[list(TRADE_COLUMNS)].astype({"year": "int16"})
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd",
                       use_dictionary=[f.name for f in schema if f.type == pa.string()])
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_synthetic_release(folder: str | os.PathLike, years: tuple[int, ...] = (2022, 2023),
                            rows_per_year: int = 150_000, seed: int = 0,
                            n_products: int = 5_000, as_zip: bool = False,
                            version: str = "202401b") -> Path:
    """Write a generated BACI HS92 release in the official layout (for tests and benchmarks).

    Yearly ``BACI_HS92_Y<year>_V<version>.csv`` files with ``t,i,j,k,v,q``
    (``k`` with leading zeros, ``q`` sometimes ``NA`` or blank), a
    ``country_codes`` file from the shipped country table (Namibia's ISO2 is
    "NA") and a ``product_codes`` file. Products are drawn uniformly from
    ``n_products`` codes that include every HS map code, so about 1.6 % of
    the rows are minerals, as in a real release. Quantities follow a unit
    value per product and exporter with noise, so that the repair has
    ordinary flows to leave alone.

    Returns
    -------
    pathlib.Path
        The folder, or the zip file when ``as_zip``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    from scrisk.data.load import shipped_data_path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    countries = pd.read_csv(shipped_data_path() / "minerals" / "countries.csv",
                            keep_default_na=False, na_values=[""])
    countries = countries.dropna(subset=["baci_code"]).drop_duplicates("baci_code")
    iso2 = {"NAM": "NA", "JPN": "JP", "CHL": "CL"}
    country_file = pd.DataFrame({
        "country_code": countries["baci_code"].astype("int64"),
        "country_name": countries["name_en"],
        "country_iso2": [iso2.get(c, c[:2]) for c in countries["iso3"]],
        "country_iso3": np.where(countries["baci_code"].astype("int64") == TAIWAN_BACI_CODE,
                                 "S19", countries["iso3"]),
    })
    mapped = sorted(set(read_hs_map()["hs6"]))
    others = rng.choice(np.arange(10_000, 970_000), size=n_products, replace=False)
    product_codes = np.unique(np.concatenate([np.array([int(c) for c in mapped]), others]))
    product_codes = product_codes[:max(n_products, len(mapped))]
    product_codes = np.union1d(product_codes, [int(c) for c in mapped])
    product_file = pd.DataFrame({"code": [f"{c:06d}" for c in product_codes],
                                 "description": [f"product {c:06d}" for c in product_codes]})
    names = {"country": f"country_codes_V{version}.csv",
             "product": f"product_codes_HS92_V{version}.csv"}
    country_file.to_csv(out / names["country"], index=False, lineterminator="\n")
    product_file.to_csv(out / names["product"], index=False, lineterminator="\n")
    codes = country_file["country_code"].to_numpy()
    product_uv = np.exp(rng.normal(1.0, 1.5, size=len(product_codes)))  # kUSD/t
    exporter_grade = np.exp(rng.normal(0.0, 0.3, size=len(codes)))
    written = [out / names["country"], out / names["product"]]
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    for year in years:
        path = out / f"BACI_HS92_Y{year}_V{version}.csv"
        path.write_text("t,i,j,k,v,q\n", encoding="utf-8")
        with open(path, "ab") as sink, pacsv.CSVWriter(sink, pa.schema([("t", pa.int32()), ("i", pa.int32()),
                                              ("j", pa.int32()), ("k", pa.string()),
                                              ("v", pa.float64()), ("q", pa.string())]),
                             write_options=options) as writer:
            # one row per (exporter, importer, product), as in BACI: never a country to itself
            space = len(codes) * (len(codes) - 1) * len(product_codes)
            keys = rng.choice(space, size=min(rows_per_year, space), replace=False)
            for start in range(0, len(keys), 1_000_000):
                block = keys[start:start + 1_000_000]
                n = len(block)
                pair, product = np.divmod(block, len(product_codes))
                exporter, other = np.divmod(pair, len(codes) - 1)
                importer = other + (other >= exporter)
                value = np.round(np.exp(rng.normal(3.0, 2.0, size=n)) + 0.001, 3)
                uv = product_uv[product] * exporter_grade[exporter] \
                    * np.exp(rng.normal(0.0, 0.2, size=n))
                quantity = pc.cast(pa.array(np.round(value / uv, 3)), pa.string())
                draw = rng.random(n)
                quantity = pc.if_else(pa.array(draw < 0.03), pa.scalar("NA"), quantity)
                quantity = pc.if_else(pa.array((draw >= 0.03) & (draw < 0.04)), pa.scalar(""),
                                      quantity)
                batch = pa.record_batch([
                    pa.array(np.full(n, year, dtype="int32")),
                    pa.array(codes[exporter].astype("int32")),
                    pa.array(codes[importer].astype("int32")),
                    pc.utf8_lpad(pc.cast(pa.array(product_codes[product]), pa.string()), 6, "0"),
                    pa.array(value), quantity], names=["t", "i", "j", "k", "v", "q"])
                writer.write_batch(batch)
        written.append(path)
    if not as_zip:
        return out
    archive = out.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in written:
            zf.write(path, f"BACI_HS92_V{version}/{path.name}")
    return archive
