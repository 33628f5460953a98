"""Hostile and careless input: numbers, coverage, bounds, structured files, capped errors.

Each case names the exact failure (file, line, column, value, expected) and
checks that nothing is written. The static cases are folders in
``tests/data/bad/`` (listed in ``test_data_validation.EXPECTED``) and files in
``tests/data/scenarios/bad/``; cases that need a copy of a large shipped file
are built here from it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import tiny
from cli_runner import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrisk.data.load import ROWS_PER_PROBLEM, load_dataset, shipped_data_path, validate_folder
from scrisk.data.numbers import parse_numbers
from scrisk.data.structured import MAX_BYTES, MAX_DEPTH
from scrisk.disruption.scenarios import MAX_LIST, MAX_SHOCKS, load_scenario, parse_scenario
from scrisk.exceptions import (
    SHOWN_PROBLEMS,
    DataValidationError,
    ScenarioError,
    ScriskError,
)

BAD = Path(__file__).parent / "data" / "bad"
BAD_SCENARIOS = Path(__file__).parent / "data" / "scenarios" / "bad"
SHIPPED = shipped_data_path()
ROUTES = "an origin_region of geo/sea_routes.csv"


def _as_tuples(failures) -> list[tuple]:
    return [(f.file, f.row, f.column, f.value, f.expected) for f in failures]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """The tiny dataset (tests/tiny.py), loaded once."""
    return tiny.dataset(tmp_path_factory.mktemp("tiny"))


# --------------------------------------------------------------------------- numbers


def test_thousands_separators_in_valid_groups_are_read():
    parsed = parse_numbers(pd.Series(["1,234,567", "12,345.5", "-1,000", "999", " 2,000 "]))
    assert parsed.values.tolist() == [1234567.0, 12345.5, -1000.0, 999.0, 2000.0]
    assert not parsed.ambiguous_comma.any()


@pytest.mark.parametrize("text", ["36,0", "1,5", "1,23,456", "1.234,5", "1,2345", ",123",
                                  "1,,000", "12,34,567"])
def test_ambiguous_commas_are_never_guessed(text):
    parsed = parse_numbers(pd.Series([text]))
    assert parsed.ambiguous_comma.tolist() == [True]
    assert pd.isna(parsed.values[0])


def test_a_valid_overlay_with_separators_loads(tmp_path):
    folder = tmp_path / "minerals"
    folder.mkdir()
    (folder / "production.extra.csv").write_text(
        "commodity,stage,iso3,year,quantity,unit,source\n"
        'copper,mining,CHL,2099,"5,300,000",t,test\n', encoding="utf-8")
    ds = load_dataset(overlay=tmp_path)
    row = ds.select("production", commodity="copper", year=2099)
    assert row["quantity"].tolist() == [5_300_000.0]


# --------------------------------------------------------------------------- coverage


def _overlay_with(tmp_path: Path, relative: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return tmp_path


def _shipped(relative: str) -> pd.DataFrame:
    return pd.read_csv(SHIPPED / relative, dtype=str, keep_default_na=False)


def test_governance_without_the_latest_year_is_an_error(tmp_path):
    gov = _shipped("minerals/governance.csv")
    overlay = _overlay_with(tmp_path, "minerals/governance.csv", gov.loc[gov["year"] != "2024"])
    failures = validate_folder(overlay=overlay)
    assert _as_tuples(failures) == [(
        "minerals/governance.csv", None, "year", "2024",
        "governance values for every year the trade covers (2018-2024); GeoPolRisk would give "
        "every partner the missing-value weight")]


def test_governance_missing_one_country_is_a_fallback_not_an_error(tmp_path):
    # GeoPolRisk gives the partner the missing-value weight and notes it beside the number
    gov = _shipped("minerals/governance.csv")
    keep = ~((gov["iso3"] == "COD") & (gov["year"] == "2023"))
    assert validate_folder(overlay=_overlay_with(tmp_path, "minerals/governance.csv",
                                                 gov.loc[keep])) == []


def test_trade_from_a_country_to_itself_is_an_error(tmp_path):
    trade = pd.read_parquet(SHIPPED / "minerals/trade.parquet")
    row = trade.loc[(trade["importer"] == "JPN") & (trade["year"] == 2023)].head(1).copy()
    row["exporter"] = "JPN"
    failures = validate_folder(overlay=_overlay_with(tmp_path, "minerals/trade.extra.parquet",
                                                     row))
    assert _as_tuples(failures) == [("minerals/trade.extra.parquet", 1, "importer", "JPN",
                                     "a country other than the exporter")]


def test_exporter_to_japan_without_a_sea_region_is_an_error(tmp_path):
    regions = _shipped("geo/sea_regions.csv")
    failures = validate_folder(overlay=_overlay_with(tmp_path, "geo/sea_regions.csv",
                                                     regions.loc[regions["iso3"] != "AUS"]))
    assert [(f.file, f.column, f.value) for f in failures] == [
        ("minerals/trade.parquet", "exporter", "AUS")]
    assert all(f.expected.startswith("a country with an origin region in geo/sea_regions.csv, "
                                      "since it ships to JPN (") for f in failures)


def test_header_only_sea_routes_is_an_error_and_the_list_is_capped():
    failures = validate_folder(overlay=BAD / "sea_routes_header_only")
    assert ("geo/sea_routes.csv", None, None, None,
            "at least one data row (geo/sea_routes.csv is a required table; a header alone "
            "would empty it)") in _as_tuples(failures)
    regions = [f for f in failures if f.file == "geo/sea_regions.csv"]
    assert len(regions) == ROWS_PER_PROBLEM + 1
    assert all(f.expected == ROUTES for f in regions[:-1])
    assert regions[-1].expected.startswith(f"{ROUTES} (and ")
    assert regions[-1].expected.endswith(" more rows from this line on with the same problem, "
                                         "not listed)")


def test_thousands_of_bad_rows_are_counted_not_listed(tmp_path):
    folder = tmp_path / "minerals"
    folder.mkdir()
    rows = "".join(f'copper,mining,CHL,{1990 + i % 100},"36,{i % 10}",t,test {i}\n'
                   for i in range(3_000))
    (folder / "production.extra.csv").write_text(
        "commodity,stage,iso3,year,quantity,unit,source\n" + rows, encoding="utf-8")
    with pytest.raises(DataValidationError) as info:
        load_dataset(overlay=tmp_path)
    quantity = [f for f in info.value.failures if f.column == "quantity"]
    assert len(quantity) == ROWS_PER_PROBLEM + 1
    assert quantity[-1].row == ROWS_PER_PROBLEM + 2
    assert "(and 2,900 more rows from this line on" in quantity[-1].expected
    message = str(info.value)
    assert len(message.splitlines()) == SHOWN_PROBLEMS + 2
    assert message.splitlines()[-1].startswith("  ... and ")


# --------------------------------------------------------------------------- nothing written


@pytest.mark.parametrize("case, shown", [
    ("decimal_comma", "suppliers/candidates.extra.csv, line 2, column 'cost_oku_yen': got '36,0'"),
    ("huge_mass", "minerals/production.extra.csv, line 2, column 'quantity': got '1e308'"),
    ("duplicate_column", "minerals/production.extra.csv, line 1, column 'quantity'; expected "
                         "each column once"),
    ("governance_header_only", "minerals/governance.csv; expected at least one data row"),
])
def test_cli_names_the_problem_and_writes_nothing(monkeypatch, capsys, tmp_path, case, shown):
    before = sorted(p.name for p in (BAD / case).rglob("*"))
    out = tmp_path / "out.csv"
    code, stdout, stderr = run_cli(monkeypatch, capsys, "metrics", "concentration",
                                   "--commodity", "cobalt", "--data", str(BAD / case),
                                   "--out", str(out))
    assert code == 1
    assert shown in stderr and "Traceback" not in stderr + stdout
    assert not out.exists() and list(tmp_path.iterdir()) == []
    assert sorted(p.name for p in (BAD / case).rglob("*")) == before


# --------------------------------------------------------------------------- structured files


SCENARIO_PROBLEMS = {
    "yaml_alias.yaml": "YAML aliases (*name) are not accepted: write the value out (line 7, "
                       "column 5)",
    "yaml_billion_laughs.yaml": "YAML aliases (*name) are not accepted: write the value out "
                                "(line 3, column 8)",
    "yaml_deep_nesting.yaml": f"nested more than {MAX_DEPTH} levels deep (line 2)",
    "yaml_deep_blocks.yaml": f"nested more than {MAX_DEPTH} levels deep (line 34)",
    "toml_deep_nesting.toml": f"nested more than {MAX_DEPTH} levels deep (line 2)",
    "toml_dotted_deep.toml": f"nested more than {MAX_DEPTH} levels deep",
    "yaml_duplicate_key.yaml": "key 'name' is given twice in one mapping (lines 1 and 6)",
    "yaml_duplicate_shock_key.yaml": "key 'size' is given twice in one mapping (lines 5 and 6)",
    "toml_duplicate_key.toml": "not valid TOML: Cannot overwrite a value (at line 2, column 11)",
    "yaml_not_mapping.yaml": "the file must hold a mapping of keys (name, shocks, ...)",
    "yaml_not_utf8.yaml": "not UTF-8 text (invalid start byte at byte 6)",
}


@pytest.mark.parametrize("case", sorted(SCENARIO_PROBLEMS))
def test_hostile_scenario_files_are_refused(small, case):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD_SCENARIOS / case, small)
    assert info.value.problems == (SCENARIO_PROBLEMS[case],)
    assert info.value.file == str(BAD_SCENARIOS / case)


def test_yaml_python_tags_build_nothing(small):
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD_SCENARIOS / "yaml_python_tag.yaml", small)
    (problem,) = info.value.problems
    assert problem.startswith("not valid YAML: could not determine a constructor for the tag "
                              "'tag:yaml.org,2002:python/object/apply:os.system'")


def test_a_scenario_file_over_the_size_limit_is_refused(small, tmp_path):
    path = tmp_path / "big.toml"
    path.write_text('name = "big"\n' + "# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, small)
    size = path.stat().st_size
    assert info.value.problems == (f"the file is {size:,} bytes; at most {MAX_BYTES:,} are "
                                   "read",)


def test_too_many_shocks_is_one_problem(small):
    spec = {"name": "many", "shocks": [{"kind": "x"}] * (MAX_SHOCKS + 1)}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(spec, small)
    assert info.value.problems == (
        f"top level: 'shocks' lists {MAX_SHOCKS + 1:,} shocks; at most {MAX_SHOCKS:,} are "
        "accepted in one scenario (split it into several files)",)


def test_a_long_commodity_list_is_one_problem(small):
    spec = {"name": "long", "shocks": [{"kind": "sea_lane_closure", "chokepoint": "malacca",
                                        "commodities": ["coper"] * 50_000}]}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(spec, small)
    assert info.value.problems == (
        f"shocks[0] (sea_lane_closure-1): 'commodities' lists 50,000 entries; at most "
        f"{MAX_LIST:,} are accepted",)


def test_thousands_of_misspellings_are_counted_not_printed(small):
    spec = {"name": "typos", "shocks": [
        {"kind": "export_ban", "country": f"Chlie{i}", "commodity": "copper", "stage": "mining"}
        for i in range(5_000)]}
    with pytest.raises(ScenarioError) as info:
        parse_scenario(spec, small)
    assert len(info.value.problems) == 5_000
    lines = str(info.value).splitlines()
    assert lines[0] == "5000 problem(s) in scenario:"
    assert len(lines) == SHOWN_PROBLEMS + 2
    assert lines[-1] == f"  ... and {5_000 - SHOWN_PROBLEMS:,} more"


# --------------------------------------------------------------------------- random bytes


FUZZ = settings(max_examples=15, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return tiny.write(tmp_path_factory.mktemp("tiny_base"))


@FUZZ
@given(content=st.binary(max_size=400) | st.text(alphabet="ab,1.\"\n -e", max_size=200)
       .map(lambda t: ("commodity,stage,iso3,year,quantity,unit,source\n" + t).encode()))
def test_random_bytes_as_a_csv_give_a_clean_error(tiny_folder, tmp_path_factory, content):
    overlay = tmp_path_factory.mktemp("fuzz")
    (overlay / "minerals").mkdir()
    (overlay / "minerals" / "production.csv").write_bytes(content)
    try:
        load_dataset(tiny_folder, overlay)
    except DataValidationError as err:
        assert err.failures and all(f.file and f.expected for f in err.failures)


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".toml", ".yaml"]))
def test_random_bytes_as_a_scenario_give_a_clean_error(small, tmp_path_factory, content,
                                                       suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"s{suffix}"
    path.write_bytes(content)
    try:
        load_scenario(path, small)
    except ScriskError as err:
        assert isinstance(err, ScenarioError) and err.problems


@FUZZ
@given(content=st.text(alphabet="[]{}:-&*!\"' \nab=,#.x", max_size=200),
       suffix=st.sampled_from([".toml", ".yaml"]))
def test_random_structure_as_a_scenario_gives_a_clean_error(small, tmp_path_factory, content,
                                                            suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"s{suffix}"
    path.write_text(content, encoding="utf-8")
    try:
        load_scenario(path, small)
    except ScriskError as err:
        assert isinstance(err, ScenarioError) and err.problems


def test_a_deeply_nested_demand_path_is_an_error_not_a_crash(small, tmp_path):
    from scrisk.exceptions import DemandPathError
    from scrisk.metrics.demand import load_path

    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    with pytest.raises(DemandPathError) as info:
        load_path(path, small)
    assert [f.expected for f in info.value.failures] == [
        f"valid TOML within the limits (nested more than {MAX_DEPTH} levels deep (line 1))"]
