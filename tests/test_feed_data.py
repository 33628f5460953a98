"""The curated feed-trade table: the shipped file validates, bad rows are reported exactly.

``data/minerals/feed_trade.csv`` holds cited flows of products that the shipped trade codes
lack (spodumene, nickel and cobalt intermediates, NPI, magnets, Japan's cathode exports), in
contained element with the gross weight beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import tiny

from scrisk.data.load import load_dataset, shipped_data_path, validate_file, validate_folder
from scrisk.data.schemas import SCHEMAS

FEED = "minerals/feed_trade.csv"
HEADER = ("year,commodity,stage,product,hs6,exporter,importer,contained_t,gross_t,quality,"
          "source,note\n")
GOOD_ROW = ("2024,lithium,mining,spodumene concentrate,253090,AUS,CHN,7.74,303,derived,"
            "test source 2025,test\n")
LI2O_TO_LI = 2 * 6.94 / (2 * 6.94 + 15.999)  # Li mass fraction of Li2O
LI_TO_LCE = (2 * 6.94 + 12.011 + 3 * 15.999) / (2 * 6.94)  # Li2CO3 per 2 Li


@pytest.fixture(scope="module")
def shipped():
    return load_dataset()


def _feed_overlay(folder: Path, *rows: str) -> Path:
    path = folder / FEED
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return folder


def _as_tuples(failures) -> list[tuple]:
    return [(f.file, f.row, f.column, f.value, f.expected) for f in failures]


# ----------------------------------------------------------------------------- shipped file


def test_shipped_feed_trade_validates_on_its_own():
    assert validate_file(shipped_data_path() / FEED, "feed_trade") == []


def test_shipped_feed_trade_is_loaded_with_the_dataset(shipped):
    feed = shipped.feed_trade
    assert len(feed) >= 40
    assert set(feed["stage"]) <= {"mining", "intermediate", "refining", "material"}
    assert {"lithium", "nickel", "cobalt", "rare_earths", "copper"} <= set(feed["commodity"])
    assert (feed["contained_t"] >= 0).all()


def test_every_row_is_cited_with_a_year(shipped):
    feed = shipped.feed_trade
    assert feed["source"].str.len().min() > 20
    assert feed["source"].map(lambda s: re.search(r"(19|20)\d\d", s) is not None).all()
    # estimated and derived rows say how they were obtained
    worked = feed.loc[feed["quality"] != "reported"]
    assert worked["note"].fillna("").str.len().min() > 20


def test_gross_weight_is_never_below_the_contained_element(shipped):
    feed = shipped.feed_trade.dropna(subset=["gross_t"])
    assert (feed["gross_t"] >= feed["contained_t"]).all()


def test_spodumene_contained_lithium_follows_the_stated_grade(shipped):
    # contained Li = gross x Li2O grade x 0.4645; grades 3-6 % Li2O (note of each row)
    feed = shipped.feed_trade
    spod = feed.loc[(feed["product"] == "spodumene concentrate") & feed["gross_t"].notna()]
    grade = spod["contained_t"] / spod["gross_t"] / LI2O_TO_LI
    assert grade.between(0.029, 0.0605).all(), grade
    aus = spod.loc[spod["exporter"] == "AUS"]
    assert (aus["contained_t"] / aus["gross_t"] / LI2O_TO_LI).round(3).eq(0.055).all()


def test_conversion_factors_are_the_molar_ratios():
    assert LI2O_TO_LI == pytest.approx(0.4645, abs=5e-5)
    assert LI_TO_LCE == pytest.approx(5.323, abs=5e-4)
    assert 1 / LI_TO_LCE == pytest.approx(0.1878, abs=1e-4)
    nd_oxide_per_metal = (2 * 144.242 + 3 * 15.999) / (2 * 144.242)
    assert 0.30 * nd_oxide_per_metal == pytest.approx(0.35, abs=0.002)  # magnet REO content


def test_feed_rows_do_not_repeat_shipped_trade_rows(shipped):
    """A feed flow fills a gap: the same code and route must not also be in trade.parquet."""
    feed = shipped.feed_trade.dropna(subset=["hs6"])
    trade = shipped.trade[["year", "hs6", "exporter", "importer"]].astype(
        {"year": "int64", "hs6": "str", "exporter": "str", "importer": "str"})
    both = feed.astype({"year": "int64"}).merge(trade, on=["year", "hs6", "exporter",
                                                           "importer"])
    assert both.empty, both[["year", "hs6", "exporter", "importer"]]


def test_china_lithium_concentrate_imports_match_the_published_totals(shipped):
    # SMM / China customs 2024: about 4.8 Mt, Australia 63 %; CNIA 2022: 2.84 Mt, Australia 92 %
    feed = shipped.feed_trade
    spod = feed.loc[(feed["product"] == "spodumene concentrate") & (feed["importer"] == "CHN")]
    gross = spod.groupby("year")["gross_t"].sum()
    assert gross[2024] == pytest.approx(4.81e6, rel=0.03)
    aus = spod.set_index(["year", "exporter"])["gross_t"]
    assert aus[(2024, "AUS")] / gross[2024] == pytest.approx(0.63, abs=0.01)
    assert aus[(2022, "AUS")] == pytest.approx(0.92 * 2.84e6, rel=0.001)


def test_folders_without_feed_trade_still_load(tmp_path):
    ds = tiny.dataset(tmp_path)
    assert ds.feed_trade.empty
    assert list(ds.feed_trade.columns[:3]) == ["year", "commodity", "stage"]


def test_schema_key_and_optional_file():
    schema = SCHEMAS["feed_trade"]
    assert not schema.required
    assert schema.key == ("year", "commodity", "stage", "product", "exporter", "importer")


# ----------------------------------------------------------------------------- bad rows

COUNTRY = "a known country (ISO3 code or name)"
BAD = {
    "unknown_country": (
        "2024,lithium,mining,spodumene concentrate,253090,Atlantis,CHN,7.74,303,derived,s 2025,n\n",
        [(FEED, 2, "exporter", "Atlantis", COUNTRY)]),
    "negative_contained": (
        "2024,lithium,mining,spodumene concentrate,253090,AUS,CHN,-5,303,derived,s 2025,n\n",
        [(FEED, 2, "contained_t", "-5", "a number >= 0")]),
    "gross_below_contained": (
        "2024,nickel,intermediate,nickel matte,750110,IDN,JPN,700,500,derived,s 2025,n\n",
        [(FEED, 2, "gross_t", "500", "gross_t >= contained_t (700) or empty")]),
    "unknown_commodity": (
        "2024,unobtainium,mining,ore,,AUS,CHN,1,,estimated,s 2025,n\n",
        [(FEED, 2, "commodity", "unobtainium", "a commodity in minerals/commodities.csv")]),
    "bad_stage": (
        "2024,lithium,smelting,spodumene concentrate,253090,AUS,CHN,7.74,303,derived,s 2025,n\n",
        [(FEED, 2, "stage", "smelting", "one of mining, intermediate, refining, material")]),
    "bad_quality": (
        "2024,lithium,mining,spodumene concentrate,253090,AUS,CHN,7.74,303,guessed,s 2025,n\n",
        [(FEED, 2, "quality", "guessed", "one of reported, estimated, derived")]),
    "same_country": (
        "2024,lithium,mining,spodumene concentrate,253090,CHN,China,7.74,303,derived,s 2025,n\n",
        [(FEED, 2, "importer", "CHN", "a country other than the exporter")]),
    "missing_source": (
        "2024,lithium,mining,spodumene concentrate,253090,AUS,CHN,7.74,303,derived,,n\n",
        [(FEED, 2, "source", None, "a value (text)")]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_feed_row_is_reported_with_file_row_column_value_expected(tmp_path, case):
    row, expected = BAD[case]
    failures = validate_folder(overlay=_feed_overlay(tmp_path, row))
    assert _as_tuples(failures) == expected


def test_duplicate_flow_is_reported_with_its_first_line(tmp_path):
    failures = validate_folder(overlay=_feed_overlay(tmp_path, GOOD_ROW, GOOD_ROW))
    assert _as_tuples(failures) == [(
        FEED, 3, "year,commodity,stage,product,exporter,importer",
        "2024|lithium|mining|spodumene concentrate|AUS|CHN",
        "a unique key (year, commodity, stage, product, exporter, importer); "
        "first seen on line 2")]


def test_every_bad_row_of_one_file_is_reported_at_once(tmp_path):
    rows = [BAD[c][0] for c in ("unknown_country", "negative_contained", "gross_below_contained")]
    failures = validate_folder(overlay=_feed_overlay(tmp_path, *rows))
    assert [(f.row, f.column) for f in failures] == [(2, "exporter"), (3, "contained_t"),
                                                     (4, "gross_t")]


def test_a_good_overlay_row_replaces_the_shipped_table(tmp_path):
    ds = load_dataset(overlay=_feed_overlay(tmp_path, GOOD_ROW))
    feed = ds.feed_trade
    assert len(feed) == 1
    assert feed.iloc[0][["exporter", "importer"]].tolist() == ["AUS", "CHN"]
    assert isinstance(feed, pd.DataFrame)
