"""`scrisk data import-baci`: a generated release in the official BACI layout, zip and folder."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scrisk.data.baci import find_release, import_baci, parse_years, write_synthetic_release
from scrisk.data.hs_map import map_trade, read_hs_map
from scrisk.data.load import load_dataset
from scrisk.exceptions import DataValidationError

YEARS = (2022, 2023)
ROWS_PER_YEAR = 150_000  # 300,000 rows in all
EXTRA = [  # hand-made rows appended to 2023: padded NA, blank q, Namibia, leading zeros
    "2023,516,156,260300,900.5,   NA",      # Namibia (ISO2 "NA") -> China, quantity NA
    "2023,152,392,260300,1200.0,",          # Chile -> Japan, blank quantity
    "2023,152,392,010121,5.0,1.0",          # horses: not a mineral, leading zero kept
    "2023,999,392,260300,100.0,50.0",       # unknown BACI country code
]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    folder = write_synthetic_release(tmp_path_factory.mktemp("baci") / "BACI_HS92_V202401b",
                                     years=YEARS, rows_per_year=ROWS_PER_YEAR, seed=7)
    with open(folder / "BACI_HS92_Y2023_V202401b.csv", "a", encoding="utf-8") as handle:
        handle.write("\n".join(EXTRA) + "\n")
    return folder


@pytest.fixture(scope="module")
def imported(release, tmp_path_factory):
    out = tmp_path_factory.mktemp("user_data")
    return import_baci(release, out, chunksize=70_000), out


def expected_rows(release: Path) -> pd.DataFrame:
    """The same selection done the slow way: whole files read at once."""
    frames = []
    for year in YEARS:
        raw = pd.read_csv(release / f"BACI_HS92_Y{year}_V202401b.csv", dtype=str,
                          keep_default_na=False, skipinitialspace=True)
        frames.append(raw)
    raw = pd.concat(frames, ignore_index=True)
    codes = pd.read_csv(release / "country_codes_V202401b.csv", dtype=str, keep_default_na=False)
    iso3 = dict(zip(codes["country_code"].astype(int), codes["country_iso3"], strict=True))
    iso3[490] = "TWN"
    rows = pd.DataFrame({"hs6": raw["k"].str.zfill(6),
                         "exporter": raw["i"].astype(int).map(iso3),
                         "importer": raw["j"].astype(int).map(iso3)}).dropna()
    return map_trade(rows, read_hs_map())


def test_release_is_in_the_official_layout(release):
    found = find_release(release)
    assert sorted(found.year_files) == list(YEARS) and found.version == "202401b"
    head = (release / "BACI_HS92_Y2022_V202401b.csv").read_text().splitlines()[:2]
    assert head[0] == "t,i,j,k,v,q" and len(head[1].split(",")[3]) == 6
    codes = pd.read_csv(release / "country_codes_V202401b.csv", keep_default_na=False)
    assert codes.loc[codes.country_iso3 == "NAM", "country_iso2"].item() == "NA"


def test_streamed_import_keeps_exactly_the_map_codes(release, imported):
    result, out = imported
    assert result.rows_read == ROWS_PER_YEAR * len(YEARS) + len(EXTRA)
    expected = expected_rows(release)
    trade = pd.read_parquet(out / "minerals" / "trade.parquet")
    assert len(trade) == len(expected) == result.rows_kept
    assert trade.groupby(["hs6", "exporter"]).size().sort_index().equals(
        expected.groupby(["hs6", "exporter"]).size().sort_index())
    assert result.rows_unknown_country == 1 and result.unknown_country_codes == (999,)
    assert list(trade.columns) == ["year", "hs6", "commodity", "stage", "exporter", "importer",
                                   "quantity_t", "quantity_t_reported", "value_kusd",
                                   "contained_t", "repair", "source"]
    assert trade["hs6"].str.len().eq(6).all()


def test_na_and_blank_quantities_are_filled_and_flagged(imported):
    _, out = imported
    trade = pd.read_parquet(out / "minerals" / "trade.parquet")
    nam = trade[(trade.exporter == "NAM") & (trade.importer == "CHN") & (trade.hs6 == "260300")
                & (trade.value_kusd == 900.5)]
    assert len(nam) == 1 and np.isnan(nam["quantity_t_reported"].item())
    assert nam["repair"].item().startswith("missing_quantity")
    assert nam["quantity_t"].item() > 0
    np.testing.assert_allclose(nam["contained_t"].item(), nam["quantity_t"].item() * 0.27)
    chl = trade[(trade.exporter == "CHL") & (trade.importer == "JPN") & (trade.value_kusd == 1200)]
    assert chl["repair"].item().startswith("missing_quantity")


def test_ordinary_generated_flows_are_rarely_touched(imported):
    # unit values scatter by exporter grade (x1.35) and flow noise (x1.22) only
    result, _ = imported
    unit_value = (result.repairs["rule"] != "missing_quantity").sum()
    assert unit_value / result.rows_kept < 0.02


def test_zip_gives_the_same_table(release, imported, tmp_path):
    _, folder_out = imported
    archive = shutil.make_archive(str(tmp_path / "BACI_HS92_V202401b"), "zip",
                                  release.parent, release.name)
    with zipfile.ZipFile(archive) as zf:
        assert any(n.endswith("BACI_HS92_Y2023_V202401b.csv") for n in zf.namelist())
    import_baci(archive, tmp_path / "out", chunksize=100_000)
    a = pd.read_parquet(folder_out / "minerals" / "trade.parquet").drop(columns="source")
    b = pd.read_parquet(tmp_path / "out" / "minerals" / "trade.parquet").drop(columns="source")
    pd.testing.assert_frame_equal(a, b)


def test_imported_folder_is_used_with_data(imported):
    _, out = imported
    trade = load_dataset(overlay=out).trade
    assert set(trade["year"]) == set(YEARS)
    assert "NAM" in set(trade["exporter"].astype(str))
    has_quantity = trade["quantity_t"].notna()
    assert trade.loc[has_quantity, "contained_t"].notna().all()


def test_years_option(release, tmp_path):
    result = import_baci(release, tmp_path, years="2023")
    assert result.years == (2023,)
    assert parse_years("2022-2023", {2022, 2023}) == (2022, 2023)
    with pytest.raises(DataValidationError, match="years the release has"):
        parse_years("2019-2020", {2022, 2023})


def test_wrong_folder_and_files_are_reported(tmp_path):
    with pytest.raises(DataValidationError, match="BACI_HS92_Y<year>_V<version>.csv"):
        import_baci(tmp_path, tmp_path / "out")
    with pytest.raises(DataValidationError, match="a .zip download or the folder"):
        import_baci(tmp_path / "missing", tmp_path / "out")


def small_release(tmp_path: Path, line: str, header: str = "t,i,j,k,v,q") -> Path:
    folder = tmp_path / "rel"
    folder.mkdir()
    (folder / "country_codes_V1.csv").write_text(
        "country_code,country_name,country_iso2,country_iso3\n152,Chile,CL,CHL\n392,Japan,JP,JPN\n"
        "516,Namibia,NA,NAM\n")
    (folder / "BACI_HS92_Y2023_V1.csv").write_text(
        f"{header}\n2023,152,392,260300,100.0,40.0\n{line}\n")
    return folder


def test_bad_cell_is_reported_with_file_line_column_value(tmp_path):
    folder = small_release(tmp_path, "2023,152,392,260300,abc,40.0")
    with pytest.raises(DataValidationError) as err:
        import_baci(folder, tmp_path / "out")
    failure = err.value.failures[0]
    assert (failure.file, failure.row, failure.column, failure.value) == \
        ("BACI_HS92_Y2023_V1.csv", 3, "v", "abc")


def test_bad_header_and_wrong_year_are_reported(tmp_path):
    folder = small_release(tmp_path, "2023,152,392,260300,1.0,1.0", header="year,i,j,k,v,q")
    with pytest.raises(DataValidationError, match="the BACI header t,i,j,k,v,q"):
        import_baci(folder, tmp_path / "out")
    other = tmp_path / "b"
    other.mkdir()
    folder = small_release(other, "2021,152,392,260300,1.0,1.0")
    with pytest.raises(DataValidationError) as err:
        import_baci(folder, tmp_path / "out")
    failure = err.value.failures[0]
    assert (failure.row, failure.column, failure.value) == (3, "t", "2021")


def test_cli_import_and_user_error(release, tmp_path, cli):
    done = cli("data", "import-baci", str(release), "--out", str(tmp_path), "--years",
               "2022-2023", "--format", "csv")
    assert done.returncode == 0, done.stderr
    summary = pd.read_csv(io.StringIO(done.stdout))
    assert "rows read" in set(summary["item"])
    assert (tmp_path / "minerals" / "trade.parquet").exists()
    bad = cli("data", "import-baci", str(tmp_path / "nothing"), "--out", str(tmp_path))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "BACI HS92 release" in bad.stderr
