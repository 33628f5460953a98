"""The command line as a user meets it: help, version, readable errors, exit codes.

``--help``, ``--version`` and a bad-data error start a real ``scrisk`` process (the one
that validates data costs a full load either way); the other commands run
``main()`` in the test process (the ``cli`` fixture), which shares one shipped dataset.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_runner import run_process

BAD = Path(__file__).parent / "data" / "bad"


def test_help_lists_commands():
    out = run_process("--help")
    assert out.returncode == 0
    for command in ("data", "metrics"):
        assert command in out.stdout


def test_version():
    out = run_process("--version")
    assert out.returncode == 0 and out.stdout.startswith("scrisk ")


def test_data_validate_bad_folder_prints_table_and_exits_1(cli):
    out = cli("data", "validate", "--data", str(BAD / "unknown_country"))
    assert out.returncode == 1
    assert "Atlantis" in out.stdout and "Traceback" not in out.stdout + out.stderr


def test_data_validate_csv_lists_every_failure(cli):
    out = cli("data", "validate", "--data", str(BAD / "share_out_of_range"), "--format", "csv")
    assert out.returncode == 1
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "file,row,column,value,expected"
    assert len(lines) == 3


def test_bad_data_in_a_metrics_command_is_readable():
    out = run_process("metrics", "concentration", "--data", str(BAD / "negative_quantity"))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "minerals/production.csv, line 2, column 'quantity'" in out.stderr


def test_unknown_commodity_exits_2_with_close_matches_first(cli):
    out = cli("metrics", "concentration", "--commodity", "cobalto")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "unknown commodity 'cobalto'" in out.stderr
    assert "Did you mean 'cobalt'" in out.stderr


def test_unknown_country_exits_2(cli):
    out = cli("metrics", "dependency", "--importer", "Japn", "--commodity", "copper")
    assert out.returncode == 2
    assert "unknown country 'Japn'" in out.stderr


def test_unknown_year_exits_2(cli):
    out = cli("metrics", "concentration", "--year", "1850")
    assert out.returncode == 2
    assert "unknown year" in out.stderr


def test_geopolrisk_json_keys(cli):
    out = cli("metrics", "geopolrisk", "--importer", "JPN", "--commodity", "cobalt",
              "--year", "2022", "--format", "json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    for key in ("hhi", "import_risk", "score", "price_usd_per_kg", "characterization_factor"):
        assert isinstance(payload[key], float)


@pytest.mark.parametrize("command", ["concentration", "dependency", "exposure",
                                     "self-sufficiency", "battery"])
def test_metrics_commands_run_on_shipped_data(cli, command):
    out = cli("metrics", command, "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert len(out.stdout.splitlines()) >= 2


def test_data_summary(cli):
    out = cli("data", "summary", "--format", "csv")
    assert out.returncode == 0, out.stderr
    assert "trade" in out.stdout


def test_usage_error_is_readable_not_a_traceback(cli):
    out = cli("metrics", "concentration", "--no-such-option")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "No such option" in out.stderr


def test_bad_option_value_is_readable(cli):
    out = cli("metrics", "concentration", "--year", "twenty")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
