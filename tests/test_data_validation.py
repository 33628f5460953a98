"""Validation of user data: every mistake is reported with file, line, column, value, expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrisk.data.load import load_dataset, validate_folder
from scrisk.exceptions import DataValidationError, ValidationFailure

BAD = Path(__file__).parent / "data" / "bad"
GOOD = Path(__file__).parent / "data" / "good"
COUNTRY = "a known country (ISO3 code or name)"
DECIMAL_COMMA = ("with '.' as the decimal mark (',' only between groups of three digits, as in "
                 "1,234,567)")
MASS_BOUND = ("at most 1e+10 t in one row (a physical bound: world iron-ore output is about "
              "2.5e9 t a year); check the unit")

# case folder -> the exact failures expected (file, line, column, value, expected)
EXPECTED = {
    "unknown_country": [
        ("minerals/production.csv", 3, "iso3", "Atlantis", COUNTRY),
    ],
    "misspelt_country": [
        ("minerals/production.csv", 2, "iso3", "Chlie", COUNTRY + "; did you mean CHL (Chile)?"),
    ],
    "negative_quantity": [
        ("minerals/production.csv", 2, "quantity", "-5", "a number >= 0"),
    ],
    "non_numeric_quantity": [
        ("minerals/production.csv", 2, "quantity", "12.3x", "a number >= 0"),
    ],
    "bad_stage": [
        ("minerals/production.csv", 2, "stage", "smelting", "one of mining, intermediate, refining, material"),
    ],
    "year_out_of_range": [
        ("minerals/production.csv", 2, "year", "1850", "a year between 1990 and 2100"),
    ],
    "fractional_year": [
        ("minerals/production.csv", 2, "year", "2022.5", "a year between 1990 and 2100"),
    ],
    "duplicate_key": [
        ("minerals/production.csv", 3, "commodity,stage,iso3,year", "copper|mining|CHL|2022",
         "a unique key (commodity, stage, iso3, year); first seen on line 2"),
    ],
    "missing_column": [
        ("minerals/production.csv", 1, "unit", None, "a column 'unit' (text)"),
    ],
    "unknown_commodity": [
        ("minerals/production.csv", 2, "commodity", "unobtainium",
         "a commodity in minerals/commodities.csv"),
    ],
    "mixed_units": [
        ("minerals/production.csv", 4, "unit", "kt",
         "one unit per commodity and stage: 't' like the other rows"),
    ],
    "blank_required": [
        ("minerals/production.csv", 2, "source", None, "a value (text)"),
    ],
    "ownership_over_one": [
        ("suppliers/ownership.csv", 2, "equity_share", "F1: sum 1.1",
         "equity shares of one facility to add up to at most 1"),
    ],
    "ownership_unknown_facility": [
        ("suppliers/ownership.csv", 3, "facility_id", "F2",
         "a facility_id of suppliers/facilities.csv"),
    ],
    "share_out_of_range": [
        ("suppliers/ownership.csv", 2, "equity_share", "1.5", "a number in [0, 1]"),
        ("suppliers/ownership.csv", 2, "equity_share", "F1: sum 1.5",
         "equity shares of one facility to add up to at most 1"),
    ],
    "latitude_out_of_range": [
        ("suppliers/facilities.csv", 2, "lat", "-95", "a number in [-90, 90]"),
    ],
    "bad_status": [
        ("suppliers/facilities.csv", 2, "status", "producing",
         "one of operating, care_and_maintenance, construction, closed, development"),
    ],
    "bad_bool": [
        ("suppliers/candidates.csv", 2, "illustrative", "maybe", "true or false"),
    ],
    "probability_above_one": [
        ("suppliers/candidates.csv", 2, "success_probability", "1.2", "a number in [0, 1]"),
    ],
    "scenario_mix_not_one": [
        ("minerals/battery_scenarios.csv", 2, "share", "odd: sum 0.8",
         "chemistry shares of one scenario to add up to 1"),
    ],
    # numbers: a comma only between groups of three digits; finite; within physical bounds
    "decimal_comma": [
        ("suppliers/candidates.extra.csv", 2, "cost_oku_yen", "36,0", "a number in [0, 1e+06], "
         + DECIMAL_COMMA),
    ],
    "decimal_comma_one_five": [
        ("minerals/production.extra.csv", 2, "quantity", "1,5", "a number >= 0, " + DECIMAL_COMMA),
    ],
    "bad_digit_grouping": [
        ("minerals/production.extra.csv", 2, "quantity", "1,23,456",
         "a number >= 0, " + DECIMAL_COMMA),
    ],
    "comma_after_point": [
        ("minerals/production.extra.csv", 2, "quantity", "1.234,5",
         "a number >= 0, " + DECIMAL_COMMA),
    ],
    "huge_mass": [
        ("minerals/production.extra.csv", 2, "quantity", "1e308", MASS_BOUND),
    ],
    "huge_mass_in_kt": [
        ("suppliers/candidates.extra.csv", 2, "annual_output_t", "2e7", MASS_BOUND),
        ("suppliers/candidates.extra.csv", 2, "unit", "kt",
         "contained tonnes of copper: t, tonnes, tonne, t metal, t contained, t Cu (not a gross "
         "weight such as t ore or t concentrate: multiply it by the grade first)"),
    ],
    "infinite_quantity": [
        ("minerals/production.extra.csv", 2, "quantity", "inf", "a number >= 0, finite"),
    ],
    "overflowing_quantity": [
        ("minerals/production.extra.csv", 2, "quantity", "1e400", "a number >= 0, finite"),
    ],
    "fullwidth_digits": [
        ("minerals/production.extra.csv", 2, "quantity", "１２３", "a number >= 0"),
    ],
    # a candidate's output is contained metal: a gross weight would count ore as copper
    "gross_weight_unit": [
        ("suppliers/candidates.extra.csv", 2, "unit", "t concentrate",
         "contained tonnes of copper: t, tonnes, tonne, t metal, t contained, t Cu (not a gross "
         "weight such as t ore or t concentrate: multiply it by the grade first)"),
        ("suppliers/candidates.extra.csv", 5, "unit", "t ore",
         "contained tonnes of zinc: t, tonnes, tonne, t metal, t contained, t Zn (not a gross "
         "weight such as t ore or t concentrate: multiply it by the grade first)"),
    ],
    "cost_above_bound": [
        ("suppliers/candidates.extra.csv", 2, "cost_oku_yen", "2e6", "a number in [0, 1e+06]"),
    ],
    # structure: each column once; required tables hold rows; no flow from a country to itself
    "duplicate_column": [
        ("minerals/production.extra.csv", 1, "quantity", None,
         "each column once (it appears 2 times; one of the values would be ignored)"),
    ],
    "duplicate_column_spaced": [
        ("minerals/production.extra.csv", 1, "unit", None,
         "each column once (it appears 2 times; one of the values would be ignored)"),
    ],
    "header_only_required": [
        ("suppliers/candidates.csv", None, None, None, "at least one data row "
         "(suppliers/candidates.csv is a required table; a header alone would empty it)"),
    ],
    "governance_header_only": [
        ("minerals/governance.csv", None, None, None, "at least one data row "
         "(minerals/governance.csv is a required table; a header alone would empty it)"),
    ],
    "feed_self_trade": [
        ("minerals/feed_trade.extra.csv", 2, "importer", "JPN", "a country other than the exporter"),
    ],
    "route_unknown_chokepoint": [
        ("geo/sea_routes.extra.csv", 2, "chokepoints", "malaka",
         "a chokepoint_id of geo/chokepoints.csv"),
    ],
}


def _as_tuples(failures: list[ValidationFailure]) -> list[tuple]:
    return [(f.file, f.row, f.column, f.value, f.expected) for f in failures]


def test_shipped_dataset_validates():
    assert validate_folder() == []


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_file_reports_exact_failures(case):
    failures = validate_folder(overlay=BAD / case)
    assert _as_tuples(failures) == EXPECTED[case]


def test_corpus_has_at_least_fifteen_mistakes():
    cases = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert len(cases) >= 15
    assert set(EXPECTED) <= cases


def test_ragged_csv_is_an_error_not_a_partial_load():
    failures = validate_folder(overlay=BAD / "ragged_csv")
    assert len(failures) == 1
    failure = failures[0]
    assert failure.file == "minerals/production.csv"
    assert failure.row is None
    assert failure.expected.startswith("a readable .csv file")


def test_not_utf8_is_an_error():
    failures = validate_folder(overlay=BAD / "not_utf8")
    assert [f.file for f in failures] == ["minerals/production.csv"]
    assert "readable .csv" in failures[0].expected


def test_every_failure_reported_at_once(tmp_path):
    folder = tmp_path / "minerals"
    folder.mkdir()
    (folder / "production.csv").write_text(
        "commodity,stage,iso3,year,quantity,unit,source\n"
        "copper,smelting,Atlantis,1850,-1,t,x\n"
        "zinc,mining,PER,2022,abc,t,\n", encoding="utf-8")
    failures = validate_folder(overlay=tmp_path)
    columns = sorted((f.row, f.column) for f in failures)
    assert columns == [(2, "iso3"), (2, "quantity"), (2, "stage"), (2, "year"),
                       (3, "quantity"), (3, "source")]


def test_error_message_names_file_line_column_value():
    with pytest.raises(DataValidationError) as info:
        load_dataset(overlay=BAD / "unknown_country")
    text = str(info.value)
    assert "minerals/production.csv, line 3, column 'iso3': got 'Atlantis'" in text


def test_country_names_normalised_to_iso3():
    ds = load_dataset(overlay=GOOD / "names")
    rows = ds.production.query("year >= 2097")
    assert sorted(rows["iso3"]) == ["KOR", "KOR", "KOR"]


def test_extra_file_extends_shipped_rows():
    base = load_dataset()
    extended = load_dataset(overlay=GOOD / "names")
    assert len(extended.production) == len(base.production) + 3


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataValidationError, match="an overlay folder that exists"):
        load_dataset(overlay=tmp_path / "nope")


def test_dataset_tables_cannot_be_changed_through_attributes():
    ds = load_dataset()
    frame = ds.production
    frame.loc[:, "quantity"] = -1.0
    assert (ds.production["quantity"] >= 0).all()


@pytest.mark.parametrize("target, message", [
    ("nowhere.csv", "leads to nothing ('nowhere.csv' does not exist)"),
    ("production.csv", "is a loop (it leads back to itself)"),
])
def test_bad_link_in_overlay_is_an_error_from_python(tmp_path, target, message):
    """A broken or looping link in an overlay would read as an absent file (the shipped one
    used instead): loading from Python refuses it as the CLI does."""
    import os

    (tmp_path / "minerals").mkdir()
    os.symlink(target, tmp_path / "minerals" / "production.csv")
    with pytest.raises(DataValidationError) as err:
        load_dataset(overlay=tmp_path)
    [failure] = err.value.failures
    assert failure.file == "minerals/production.csv"
    assert failure.expected == f"a file or a link to one; this link {message}"
    assert validate_folder(overlay=tmp_path) == [failure]
