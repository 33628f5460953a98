"""The 'run `scrisk data validate`' hint follows data-folder errors only."""

from __future__ import annotations

import csv

from cli_runner import run_cli

from scrisk.data.load import shipped_data_path

HINT = "scrisk data validate"


def _candidates_with_bad_cost(tmp_path):
    with (shipped_data_path() / "suppliers" / "candidates.csv").open(encoding="utf-8") as f:
        header, first = list(csv.reader(f))[:2]
    first[header.index("cost_oku_yen")] = "36,0"  # a decimal comma: refused with its place
    path = tmp_path / "mine.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, first])
    return path


def test_candidates_file_error_has_no_data_validate_hint(tmp_path, monkeypatch, capsys):
    path = _candidates_with_bad_cost(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "score", "--candidates", str(path))
    assert code == 1
    assert str(path) in err and "cost_oku_yen" in err and "'36,0'" in err
    assert HINT not in err


def test_missing_candidates_file_has_no_data_validate_hint(tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(monkeypatch, capsys, "score", "--candidates",
                           str(tmp_path / "absent.csv"))
    assert code == 1 and "absent.csv" in err and HINT not in err


def test_data_folder_error_keeps_the_hint(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "overlay" / "minerals"
    folder.mkdir(parents=True)
    (folder / "production.extra.csv").write_text(
        "commodity,stage,iso3,year,quantity,unit,source\n"
        "copper,mining,CHL,2090,\"1,5\",t,test\n", encoding="utf-8")
    code, _, err = run_cli(monkeypatch, capsys, "data", "summary", "--data",
                           str(tmp_path / "overlay"))
    assert code == 1 and "production.extra.csv" in err and HINT in err


def test_one_view_keeps_its_notes(monkeypatch, capsys):
    # a fallback behind the numbers (refining output held from the 2023 shares) is said
    # next to them, also when only one view is printed
    code, out, _ = run_cli(monkeypatch, capsys, "metrics", "restrictions", "--commodity",
                           "copper", "--view", "summary")
    assert code == 0
    assert "note: copper: refining output of 2018-2022 uses the published shares of 2023" in out
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "restrictions", "--commodity",
                             "copper", "--view", "summary", "--format", "csv")
    assert code == 0 and "note:" not in out and "published shares of 2023" in err
