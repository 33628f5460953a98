"""The command line for staff: readable tables, Japanese, names as input, --out files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import tiny
from typer.testing import CliRunner

from scrisk.cli import _register_commands, app
from scrisk.cli.output import (
    format_number,
    render_table,
    table_command,
    unit_kind,
    write_tables,
)

_register_commands()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def invoke(*args: str, columns: int = 120, **env: str):
    """Run the CLI in-process (the dataset is loaded once per process)."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns), **env},
                           catch_exceptions=False)
    return result


@pytest.fixture
def run(cli):
    """Run the CLI as a user does (errors handled by ``main``), in-process."""
    return lambda *args, columns=120: cli(*args, columns=columns)


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory):
    return tiny.write(tmp_path_factory.mktemp("tiny_cli"))


# --------------------------------------------------------------------------- the cases


def test_geopolrisk_with_japanese_names_in_japanese():
    result = invoke("metrics", "geopolrisk", "--importer", "日本", "--commodity", "コバルト",
                    "--lang", "ja")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "GeoPolRisk" in out and "コバルト" in out and "日本" in out
    assert "輸入リスク" in out and "特性化係数" in out  # Japanese column labels
    assert "cobalt" not in out and "import_risk" not in out
    assert re.search(r"\b20\d\d\b", out.splitlines()[0])  # the year is in the title


def test_english_names_and_codes_give_the_same_numbers():
    a = invoke("metrics", "geopolrisk", "--importer", "Japan", "--commodity", "Cobalt",
               "--format", "json", "--year", "2022")
    b = invoke("metrics", "geopolrisk", "--importer", "JPN", "--commodity", "cobalt",
               "--format", "json", "--year", "2022")
    assert a.exit_code == 0 and json.loads(a.stdout) == json.loads(b.stdout)


def test_group_names_where_the_command_takes_groups():
    result = invoke("metrics", "geopolrisk", "--importer", "欧州連合", "--commodity", "copper",
                    "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["importer"] == "EU27"


def test_out_xlsx_is_a_formatted_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "dependency.xlsx"
    result = invoke("metrics", "dependency", "--importer", "JPN", "--commodity", "copper",
                    "--out", str(path))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 3
    sheet = book[book.sheetnames[-1]]  # import partners
    assert sheet["A1"].value.startswith("Import partners (JPN, copper")
    assert sheet.freeze_panes == "A3"  # title row and header row stay in view
    headers = {c.value: c.column for c in sheet[2]}
    assert "Share (%)" in headers and "Quantity (t)" in headers
    share = sheet.cell(row=3, column=headers["Share (%)"])
    tonnes = sheet.cell(row=3, column=headers["Quantity (t)"])
    assert isinstance(share.value, float) and 0 < share.value <= 1
    assert share.number_format == "0.0%"
    assert tonnes.number_format == "#,##0"
    assert not list(tmp_path.glob(".dependency.xlsx.*"))  # no temporary file left


def test_out_xlsx_in_japanese(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "gpr.xlsx"
    result = invoke("metrics", "geopolrisk", "--importer", "日本", "--commodity", "銅",
                    "--lang", "ja", "--out", str(path))
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = [c.value for c in sheet[2]]
    assert "輸入リスク" in values
    row = {h: c for h, c in zip(values, sheet[3], strict=False)}
    assert row["鉱種"].value == "銅"
    assert row["HHI"].number_format == "0.0000"


def test_out_csv_and_json_hold_raw_values(tmp_path):
    csv_path, json_path = tmp_path / "p.csv", tmp_path / "p.json"
    for path in (csv_path, json_path):
        result = invoke("metrics", "dependency", "--importer", "JPN", "--commodity", "copper",
                        "--year", "2022", "--out", str(path))
        assert result.exit_code == 0, result.output
    frame = pd.read_csv(csv_path, keep_default_na=False)
    assert list(frame.columns[:3]) == ["importer", "commodity", "year"]  # the summary first
    payload = json.loads(json_path.read_text(encoding="utf-8"))
    partners = next(v for k, v in payload.items() if k.startswith("import_partners"))
    assert abs(sum(row["share"] for row in partners) - 1) < 1e-9


def test_out_with_an_unknown_extension_is_a_usage_error(tmp_path, run):
    out = run("metrics", "concentration", "--out", str(tmp_path / "x.txt"))
    assert out.returncode == 2
    assert ".csv, .xlsx or .json" in out.stderr and "Traceback" not in out.stderr


def test_unknown_country_suggests_the_closest_without_listing_every_code(run):
    out = run("metrics", "dependency", "--importer", "Japn", "--commodity", "copper")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "unknown country 'Japn'" in out.stderr
    assert "Did you mean JPN (Japan)?" in out.stderr
    assert len(re.findall(r"\b[A-Z]{3}\b", out.stderr)) < 15  # not the 250 codes


def test_unknown_japanese_country_suggests_japanese_matches(run):
    out = run("metrics", "dependency", "--importer", "コンゴ", "--commodity", "copper",
              "--lang", "ja")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "COD (コンゴ民主共和国)" in out.stderr and "COG (コンゴ共和国)" in out.stderr


def test_a_group_where_one_country_is_expected_says_so(run):
    out = run("metrics", "dependency", "--importer", "EU27", "--commodity", "copper")
    assert out.returncode == 2
    assert "EU27 is a group of countries" in out.stderr


def test_unknown_group_suggests_groups(run):
    out = run("metrics", "geopolrisk", "--importer", "G8", "--commodity", "copper")
    assert out.returncode == 2
    assert "Did you mean G7?" in out.stderr and "EU27" in out.stderr


def test_unknown_japanese_commodity_suggests_the_closest(run):
    out = run("metrics", "geopolrisk", "--commodity", "コバル")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "Did you mean 'cobalt' (コバルト)?" in out.stderr


def test_project_ids_are_never_truncated_at_80_columns():
    result = invoke("score", columns=80)
    assert result.exit_code == 0, result.output
    ids = pd.read_csv(_shipped_candidates(), keep_default_na=False)["project_id"]
    for project_id in ids:
        assert project_id in result.stdout
    assert "…" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def _shipped_candidates():
    from scrisk.data.load import shipped_data_path

    return shipped_data_path() / "suppliers" / "candidates.csv"


def test_ids_in_a_narrow_table_wrap_names_not_ids(capsys):
    from rich.console import Console

    frame = pd.DataFrame({
        "project_id": ["CAND-MN-CZE-CHVALETICE-EXTENSION-2", "CAND-CU-UZB-YOSHLIK"],
        "name": ["A rather long project name that must wrap somewhere", "Short"],
        "commodity": ["manganese", "copper"], "secured_t": [8424.0, 1234567.0],
        "cost_oku_yen": [341.0, 12.5], "success_probability": [0.6, 0.8],
        "hhi_change": [0.0, -0.0295], "score": [62.4438, 55.66]})
    console = Console(width=80, file=__import__("io").StringIO(), emoji=False)
    render_table(frame, "Projects", console=console)
    text = console.file.getvalue()
    assert "CAND-MN-CZE-CHVALETICE-EXTENSION-2" in text
    assert "1,234,567" in text and "60.0" in text and "-0.0295" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_no_emoji_or_markup_from_column_names_or_titles():
    from io import StringIO

    from rich.console import Console

    frame = pd.DataFrame({"budget_oku_yen": [0.0, 1597.0],
                          "achieved:battery_cobalt": [0.5, 0.75],
                          "achieved:battery:graphite": [0.1, 0.2],
                          "note": ["[bold]x[/bold] :smile:", ":battery:"]})
    console = Console(width=120, file=StringIO(), force_terminal=False)
    render_table(frame, "Budget vs targets :battery: [red]", console=console)
    text = console.file.getvalue()
    assert not re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", text)
    assert ":battery:" in text and "[bold]x[/bold]" in text and "[red]" in text
    assert "Achieved: battery cobalt (%)" in text


def test_frontier_output_has_no_emoji(tmp_path):
    result = invoke("optimize", "--frontier", "--frontier-points", "2", "--workers", "1",
                    "--time-limit", "5", "--out", str(tmp_path / "frontier.csv"))
    assert result.exit_code == 0, result.output
    assert not re.search("[\U0001F300-\U0001FAFF\u2600-\u27BF]", result.stdout)
    assert "Achieved" in result.stdout and "battery:" in result.stdout
    frame = pd.read_csv(tmp_path / "frontier.csv")
    assert frame["budget_oku_yen"].iloc[0] == 0
    assert (tmp_path / "portfolio_frontier.png").exists()  # the figure goes beside it


def test_data_summary_shows_no_na():
    result = invoke("data", "summary")
    assert result.exit_code == 0, result.output
    assert "<NA>" not in result.stdout and "nan" not in result.stdout.lower().split()


def test_numbers_are_never_in_scientific_notation():
    result = invoke("metrics", "exposure", "--importer", "JPN", "--commodity", "cobalt",
                    columns=160)
    assert result.exit_code == 0, result.output
    assert not re.search(r"\d[eE][+-]?\d", result.stdout)
    title = result.stdout.splitlines()[0]
    assert "stage" in title and re.search(r"\b20\d\d\b", title)


def test_monte_carlo_table_fits_120_columns():
    result = invoke("scenario", "run", str(SCENARIOS / "malacca_closure.toml"), "--runs", "200",
                    "--view", "supply", columns=120)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 120
    assert "Mean" in result.stdout and "200 runs" in result.stdout


# --------------------------------------------------------------------------- chokepoints


def test_chokepoints_rank_across_commodities_with_top(tiny_dir, tmp_path):
    result = invoke("chokepoints", "--importer", "日本", "--top", "3",
                    "--out", str(tmp_path / "c.json"), SCRISK_DATA=str(tiny_dir))
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    overall = next(v for k, v in payload.items() if k.startswith("chokepoints_across"))
    assert [row["rank"] for row in overall] == [1, 2, 3]
    shares = [row["loss_share"] for row in overall]
    assert shares == sorted(shares, reverse=True)
    assert all(row["actor"] != "JPN" for row in overall)
    assert "Chokepoints across commodities" in result.stdout
    assert "Elements across commodities" in result.stdout


def test_chokepoints_detail_behind_commodity(tiny_dir):
    result = invoke("chokepoints", "--importer", "JPN", "--commodity", "銅", "--format", "json",
                    SCRISK_DATA=str(tiny_dir))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {row["commodity"] for row in payload["ranking"]} == {"copper"}
    assert "sea-lanes" in payload and "overall" not in payload


# --------------------------------------------------------------------------- units


def test_unit_kinds_and_numbers():
    assert unit_kind("quantity_t") == "t" and unit_kind("net_import_reliance") == "share"
    assert format_number(0.40638284495, "share") == "40.6"
    assert format_number(-0.0, "share") == "0.0"
    assert format_number(True, "bool", "ja") == "はい"
    assert format_number(float("nan"), "t") == ""


def test_written_text_is_never_a_formula(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)", "-5", "ok"],
                          "share": [0.1, 0.2, 0.3, 0.4, 0.5]})
    tables = [("t", "Names", frame)]
    xlsx = write_tables(tables, tmp_path / "f.xlsx")
    sheet = openpyxl.load_workbook(xlsx).active
    cells = [sheet.cell(row=r, column=1) for r in range(3, 8)]
    assert [c.value for c in cells][:3] == ["=HYPERLINK(\"http://x\")", "+1+1", "@SUM(A1)"]
    assert all(c.data_type == "s" for c in cells)
    text = write_tables(tables, tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM" in text
    assert "\n-5," in text  # a number written as text stays as it is


def test_table_command_adds_the_shared_options():
    import inspect

    @table_command(resolve=False)
    def command(x: int = 1) -> None:
        """A command."""

    names = list(inspect.signature(command).parameters)
    assert names == ["x", "lang", "wide", "out"]


def test_progress_never_reaches_stdout():
    result = invoke("scenario", "run", str(SCENARIOS / "malacca_closure.toml"), "--runs", "300",
                    "--format", "csv", "--progress", SCRISK_PROGRESS="1")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("commodity,stage,unit,supply_t")
    assert all(line.count(",") == lines[0].count(",") for line in lines)


def test_wide_prints_every_column_unwrapped():
    narrow = invoke("metrics", "exposure", "--importer", "JPN", "--commodity", "cobalt",
                    columns=60)
    wide = invoke("metrics", "exposure", "--importer", "JPN", "--commodity", "cobalt",
                  "--wide", columns=60)
    assert narrow.exit_code == 0 and wide.exit_code == 0
    assert max(map(len, wide.stdout.splitlines())) > 60
    header = [line for line in wide.stdout.splitlines() if "Mined share (%)" in line]
    assert header and "Direct share (%)" in header[0]  # one header line, nothing wrapped


def test_scenario_run_in_japanese():
    result = invoke("scenario", "run", str(SCENARIOS / "china_graphite_export_controls.toml"),
                    "--view", "supply", "--lang", "ja")
    assert result.exit_code == 0, result.output
    assert "ショック後の供給" in result.stdout and "黒鉛" in result.stdout
    assert "損失率 (%)" in result.stdout


def test_validation_problems_go_to_the_out_file(tmp_path, run):
    bad = Path(__file__).parent / "data" / "bad" / "share_out_of_range"
    out = run("data", "validate", "--data", str(bad), "--out", str(tmp_path / "problems.csv"))
    assert out.returncode == 1
    frame = pd.read_csv(tmp_path / "problems.csv", keep_default_na=False)
    assert list(frame.columns) == ["file", "row", "column", "value", "expected"]
    assert len(frame) == 2


def test_cross_commodity_ranking_properties(tiny_ds):
    from scrisk.disruption.chokepoints import chokepoints
    from scrisk.disruption.ranking import actors_across_commodities, rank_chokepoints

    result = chokepoints(tiny_ds, "JPN", structure=False)
    by_share = rank_chokepoints(result, None)
    assert not by_share.duplicated(["commodity", "actor"]).any()
    assert "JPN" not in set(by_share["actor"])
    assert by_share["loss_share"].is_monotonic_decreasing
    assert by_share["rank"].tolist() == list(range(1, len(by_share) + 1))
    # each row is the actor's worst element at the commodity's headline stage
    head = result.ranking.loc[result.ranking["headline"]] if "headline" in result.ranking \
        else result.ranking
    for row in by_share.itertuples():
        mine = head.loc[(head["commodity"] == row.commodity)
                        & head["element"].str.split("->").str[0].eq(row.actor)]
        assert row.loss_share == pytest.approx(mine["loss_share"].max())
    by_tonnes = rank_chokepoints(result, 3, by="tonnes")
    assert len(by_tonnes) == 3 and by_tonnes["loss_t"].is_monotonic_decreasing
    assert rank_chokepoints(result, None, include_domestic=True)["actor"].eq("JPN").any() \
        or not head["element"].eq("JPN").any()
    actors = actors_across_commodities(result, None, min_share=0.0)
    assert set(actors["actor"]) == set(by_share["actor"])
    counts = by_share.groupby("actor").size()
    assert all(counts[a] == n for a, n in zip(actors["actor"], actors["commodities_hit"],
                                               strict=True))
