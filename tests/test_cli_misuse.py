"""Command-line misuse: each mistake exits non-zero with the option (or file) and the value
named, never a traceback, and leaves no output behind; internal errors are one line with
``--debug`` for the traceback."""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "indonesia_nickel_ore_ban.toml"


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """An empty working folder (the default ``--out out`` lands here), checked afterwards."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    code, out, err = run_cli(monkeypatch, capsys, *args)
    return code, out, " ".join(err.split())  # rich wraps long lines


def left_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# --------------------------------------------------------------------------- numeric options

@pytest.mark.parametrize(("args", "message"), [
    (["optimize", "--battery-gwh", "nan"],
     "Invalid value for '--battery-gwh': nan is not a finite number"),
    (["score", "--battery-gwh", "inf"],
     "Invalid value for '--battery-gwh': inf is not a finite number"),
    (["metrics", "battery", "--gwh", "nan"],
     "Invalid value for '--gwh': nan is not a finite number"),
    (["metrics", "concentration", "--scale", "1e999"],
     "Invalid value for '--scale': '1e999': inf is not a finite number"),
    (["optimize", "--frontier", "--frontier-max", "nan"],
     "Invalid value for '--frontier-max': nan is not a finite number"),
    (["optimize", "--cvar-alpha", "-inf"],
     "Invalid value for '--cvar-alpha': -inf is not a finite number"),
    (["optimize", "--stake-levels", "0.5,nan"],
     "--stake-levels '0.5,nan': 'nan' is not a finite number"),
    (["optimize", "--stake-levels", "half"], "--stake-levels: 'half' is not a number"),
    (["optimize", "--objective", "weighted", "--weight", "targets=nan"],
     "--weight targets=nan: 'nan' is not a finite number"),
    (["optimize", "--group-penalty", "concern=nan"],
     "--group-penalty concern=nan: 'nan' is not a finite number"),
    (["optimize", "--group-penalty", "concern=0.5", "--group-penalty", "concern=1"],
     "--group-penalty concern is given twice ('concern=1'); give it once"),
    (["score", "--weight", "cost"],
     "--weight expects key=value with a number (e.g. --weight cost=0.2), got 'cost'"),
    (["optimize", "--budget", "nan"],
     "budget_oku_yen must be a number >= 0 (oku-yen, 100 million yen), got nan"),
    (["scenario", "run", str(SCENARIO), "--runs", "5", "--seed", "-1"],
     "Invalid value for '--seed': '-1': Input should be greater than or equal to 0"),
    (["report", "--seed", "-3"],
     "Invalid value for '--seed': '-3': Input should be greater than or equal to 0"),
    (["scenario", "run", str(SCENARIO), "--substitution", "2"],
     "Invalid value for '--substitution': '2': Input should be less than or equal to 1"),
    (["metrics", "concentration", "--year", "twenty"],
     "Invalid value for '--year': 'twenty': Input should be a valid integer"),
    (["scenario", "run", str(SCENARIO), "--runs", "1000000000000"],
     "Invalid value for '--runs': '1000000000000': Input should be less than or equal to "
     "10000000"),
    (["report", "--draws", "100000000000"],
     "Invalid value for '--draws': '100000000000': Input should be less than or equal to "
     "10000000"),
    (["optimize", "--frontier", "--frontier-points", "100000000"],
     "Invalid value for '--frontier-points': '100000000': Input should be less than or equal "
     "to 101"),
])
def test_bad_numbers_name_the_option_and_value(args, message, cwd, monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, *args, "--out", "table.xlsx")
    assert code == 2, err
    assert message in err and "Traceback" not in err
    assert left_in(cwd) == []


def test_every_float_option_of_every_command_rejects_nan(monkeypatch, capsys):
    """A policy, not a list: options added later are covered by the same check."""
    from scrisk.cli import command
    from scrisk.cli.options import float_options

    options = float_options(command())
    assert len(options) >= 15
    for path, option in options:
        code, _, err = run(monkeypatch, capsys, *path, option, "nan")
        assert code == 2, (path, option, err)
        # "nan is not a finite number", or the option's range named with the value
        assert f"Invalid value for '{option}': " in err and "nan" in err, (path, err)


# --------------------------------------------------------------------------- output files

def test_frontier_out_onto_a_file_is_refused_before_solving(cwd, monkeypatch, capsys):
    import scrisk.optimize.portfolio as portfolio

    def never(*args, **kwargs):
        raise AssertionError("solved before checking --out")

    monkeypatch.setattr(portfolio, "portfolio_frontier", never)
    (cwd / "taken").write_text("keep me")
    code, _, err = run(monkeypatch, capsys, "optimize", "--frontier", "--out", "taken")
    assert code == 2
    assert "--out: 'taken' is a file, not a folder; give a folder name" in err
    assert (cwd / "taken").read_text() == "keep me" and left_in(cwd) == ["taken"]


def test_report_out_onto_a_file_writes_nothing(cwd, monkeypatch, capsys):
    (cwd / "taken").write_text("keep me")
    code, _, err = run(monkeypatch, capsys, "report", "--out", "taken")
    assert code == 2 and "--out must be a folder, but taken is a file" in err
    assert left_in(cwd) == ["taken"]


def test_report_pdf_without_a_browser_fails_before_computing(cwd, monkeypatch, capsys):
    import scrisk.report.tables as tables

    monkeypatch.setenv("SCRISK_CHROMIUM", str(cwd / "no-such-browser"))
    monkeypatch.setattr(tables, "report_data", lambda *a, **k: pytest.fail("computed"))
    code, _, err = run(monkeypatch, capsys, "report", "--pdf", "--out", "new/report")
    assert code != 0 and "the PDF needs headless Chromium, Chrome or Edge" in err
    assert "Nothing was written" in err and left_in(cwd) == []


def test_failed_report_leaves_no_folder_and_no_partial_file(cwd, monkeypatch, capsys):
    """The report fails while writing: the new folder and every temporary file are gone."""
    import scrisk.report.render as render

    fake_report(monkeypatch)

    def broken(*args, **kwargs):
        raise render.ReportError("the disk is full (simulated)")

    monkeypatch.setattr(render, "write_xlsx", broken)
    code, _, err = run(monkeypatch, capsys, "report", "--xlsx", "--lang", "en,ja",
                       "--out", "deep/new/folder")
    assert code == 2 and "the disk is full (simulated)" in err
    assert left_in(cwd) == []


def test_existing_report_is_replaced_whole_or_kept(cwd, monkeypatch, capsys):
    """On failure an existing report of the same name is left as it was (no half file)."""
    import scrisk.report.render as render

    fake_report(monkeypatch, "<html>first</html>")
    code, out, err = run(monkeypatch, capsys, "report", "--out", "out")
    assert code == 0, err
    html = Path(out.split()[0])
    assert html.read_text() == "<html>first</html>"
    fake_report(monkeypatch, "<html>second</html>")

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "out/x.xlsx")

    monkeypatch.setattr(render, "write_xlsx", no_space)
    code, _, err = run(monkeypatch, capsys, "report", "--xlsx", "--out", "out")
    assert code == 1 and "error: No space left on device: out/x.xlsx" in err
    assert html.read_text() == "<html>first</html>"
    assert left_in(cwd) == ["out", f"out/{html.name}"]
    monkeypatch.undo()  # the real write_xlsx: the second report replaces the first
    monkeypatch.chdir(cwd)
    fake_report(monkeypatch, "<html>second</html>")
    code, out, err = run(monkeypatch, capsys, "report", "--xlsx", "--out", "out")
    assert code == 0, err
    assert html.read_text() == "<html>second</html>"
    assert left_in(cwd) == ["out", f"out/{html.name}", f"out/{html.stem}.xlsx"]


def test_planted_cache_in_the_output_folder_is_never_loaded(cwd, monkeypatch, capsys):
    """No code from an output folder: a planted pickle that would leave a marker stays inert."""
    import pickle

    class Planted:
        def __reduce__(self):
            return (open, (str(cwd / "MARKER"), "w"))

    payload = pickle.dumps(Planted())
    for name in (".scrisk-cache/report_data.pkl", ".scrisk-cache/JPN_2024.pkl",
                 "report_data.pkl", ".scrisk-cache/cache.pickle"):
        (cwd / "out" / name).parent.mkdir(parents=True, exist_ok=True)
        (cwd / "out" / name).write_bytes(payload)
    for name in ("load", "loads"):
        monkeypatch.setattr(pickle, name, lambda *a, **k: pytest.fail("unpickled"))
    fake_report(monkeypatch)
    code, _, err = run(monkeypatch, capsys, "report", "--xlsx", "--out", "out")
    assert code == 0, err
    assert not (cwd / "MARKER").exists()
    assert (cwd / "out" / ".scrisk-cache" / "report_data.pkl").read_bytes() == payload


def test_no_module_can_unpickle_or_evaluate():
    root = Path(__file__).resolve().parents[1] / "src" / "scrisk"
    banned = ("import pickle", "pickle.load", "import dill", "import joblib", "import shelve",
              "import marshal", "eval(", "exec(", "yaml.load(", "unsafe_load", "FullLoader")
    found = [f"{path.relative_to(root)}: {word}" for path in root.rglob("*.py")
             for word in banned if word in path.read_text(encoding="utf-8")]
    assert found == []


EVIL = ["=HYPERLINK(\"http://example.invalid\",\"click\")", "+1+1", "-2+3", "@SUM(A1)",
        "\t=1+1", "\r=1+1", "＝1+1", "Chile"]


def _read_every_cell(path: Path) -> list:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_report_workbook_never_holds_a_formula(cwd, monkeypatch, capsys):
    """Titles, headers, values, notes and metadata from data: every sheet read back."""
    fake_report(monkeypatch)
    code, out, err = run(monkeypatch, capsys, "report", "--xlsx", "--out", "out")
    assert code == 0, err
    cells = _read_every_cell(next(Path(p) for p in out.split() if p.endswith(".xlsx")))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    # the text survives as written (XML reads a carriage return back as a line feed)
    written = {text.replace("\r", "\n") for text in EVIL}
    assert written <= texts
    prefixed = {c.value for c in cells if c.quotePrefix}
    assert written - prefixed == {"Chile"}


def test_cli_out_workbook_never_holds_a_formula(cwd, monkeypatch, capsys):
    """``--out x.xlsx`` of a validation table whose values come from the user's file."""
    data = cwd / "data" / "suppliers"
    data.mkdir(parents=True)
    from scrisk.data.load import shipped_data_path

    shipped = (shipped_data_path() / "suppliers" / "candidates.csv").read_text(encoding="utf-8")
    header, first = shipped.splitlines()[:2]
    fields = first.split(",")
    rows = []
    for n, text in enumerate(EVIL):
        row = list(fields)
        row[0] = f"EVIL-{n}"
        row[header.split(",").index("online_year")] = text.replace(",", " ").replace("\"", "")
        rows.append(",".join(row))
    (data / "candidates.extra.csv").write_text("\n".join([header, *rows]) + "\n")
    code, _, err = run(monkeypatch, capsys, "data", "validate", "--data", str(cwd / "data"),
                       "--out", "problems.xlsx")
    assert code == 1, err
    cells = _read_every_cell(cwd / "problems.xlsx")
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert {"+1+1", "-2+3", "@SUM(A1)", "＝1+1"} <= texts


@pytest.mark.parametrize(("out", "message"), [
    ("table.txt", "--out: expected a file ending in .csv, .xlsx or .json, got 'table.txt'"),
    ("missing/table.csv", "--out: folder 'missing' does not exist"),
])
def test_out_file_mistakes(out, message, cwd, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "data", "summary", "--out", out)
    assert code == 2 and message in err
    assert left_in(cwd) == []


# --------------------------------------------------------------------------- input files

def test_symlink_loop_in_data_is_a_validation_error(cwd, monkeypatch, capsys):
    data = cwd / "data"
    (data / "minerals").mkdir(parents=True)
    os.symlink("production.csv", data / "minerals" / "production.csv")
    code, _, err = run(monkeypatch, capsys, "metrics", "concentration", "--data", str(data),
                       "--out", "t.csv")
    assert code == 1
    assert ("minerals/production.csv; expected a file or a link to one; this link is a loop "
            "(it leads back to itself)") in err
    assert "Traceback" not in err and left_in(cwd) == ["data", "data/minerals",
                                                       "data/minerals/production.csv"]


def test_broken_link_in_data_is_listed_by_validate(cwd, monkeypatch, capsys):
    data = cwd / "data"
    (data / "geo").mkdir(parents=True)
    os.symlink("nowhere.csv", data / "geo" / "sea_routes.csv")
    code, out, _ = run(monkeypatch, capsys, "data", "validate", "--data", str(data),
                       "--format", "csv")
    assert code == 1
    assert "geo/sea_routes.csv" in out and "leads to nothing ('nowhere.csv' does not exist)" in out


def test_huge_candidates_file_is_refused_before_loading(cwd, monkeypatch, capsys):
    from scrisk.optimize.problem import MAX_CANDIDATES

    big = cwd / "big.csv"
    row = "CAND-X,name,copper,mining,AUS,1000,t,0.5,10,2027,0.9,true,src\n"
    with big.open("w") as handle:
        handle.write("project_id,name,commodity,stage,iso3,annual_output_t,unit,stake_offered,"
                     "cost_oku_yen,online_year,success_probability,illustrative,source\n")
        handle.write(row * (MAX_CANDIDATES + 1))
    import scrisk.data.load as load

    monkeypatch.setattr(load, "load_dataset", lambda *a, **k: pytest.fail("loaded"))
    code, _, err = run(monkeypatch, capsys, "optimize", "--candidates", str(big),
                       "--time-limit", "5")
    assert code == 1
    assert (f"big.csv: got 'more than {MAX_CANDIDATES:,} rows'; expected at most "
            f"{MAX_CANDIDATES:,} candidate projects") in err
    assert left_in(cwd) == ["big.csv"]


# --------------------------------------------------------------------------- internal errors

def test_internal_error_is_one_line_with_a_debug_hint(cwd, monkeypatch, capsys):
    import scrisk.cli.data as cli_data

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cli_data, "emit", broken)
    code, _, err = run(monkeypatch, capsys, "data", "summary")
    assert code == 70
    assert "error: internal error (KeyError: 'boom')" in err
    assert "run the same command with --debug for the traceback" in err
    assert "Traceback" not in err


def test_out_of_memory_is_named_not_a_traceback(cwd, monkeypatch, capsys):
    import scrisk.cli.data as cli_data

    def huge(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.28 TiB")

    monkeypatch.setattr(cli_data, "emit", huge)
    code, _, err = run(monkeypatch, capsys, "data", "summary", "--out", "t.csv")
    assert code == 1
    assert "error: not enough memory for this run (Unable to allocate 7.28 TiB)" in err
    assert "Traceback" not in err and left_in(cwd) == []


def test_debug_anywhere_shows_the_traceback(monkeypatch, capsys):
    import scrisk.cli.data as cli_data

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(cli_data, "emit", broken)
    monkeypatch.setattr(sys, "argv", ["scrisk", "data", "summary", "--debug"])
    from scrisk.cli import main

    with pytest.raises(KeyError, match="boom"):
        main()


# --------------------------------------------------------------------------- helpers

def fake_report(monkeypatch, html: str = "<html>report</html>") -> None:
    """Replace the report's computing and HTML by quick fakes with formula-like text.

    The CLI, the output transaction and the workbook writer run for real.
    """
    from types import SimpleNamespace

    import pandas as pd

    import scrisk.report.render as render
    import scrisk.report.tables as tables

    frame = pd.DataFrame({EVIL[0]: EVIL, "share": [0.1 * n for n in range(len(EVIL))]})
    table = render.Table("evil", EVIL[1], frame, [], [False, True], note=EVIL[2],
                         kinds=["text", "share"])
    data = SimpleNamespace(importer="JPN", year=2024, fingerprint=EVIL[3])
    monkeypatch.setattr(tables, "report_data", lambda *a, **k: data)
    monkeypatch.setattr(render, "render_html", lambda *a, **k: (html, [table], []))
    monkeypatch.setattr(render, "render_reports", lambda data, dataset, langs, *a, **k: {
        lang: (html, [table], []) for lang in langs})


@pytest.mark.parametrize("name", ["$\\frac{1}{0$", "Côte d'Ivoire $x^2_y$", "a_b^c $", "$$"])
def test_mathtext_characters_in_names_never_break_a_chart(name):
    """A country or source name with "$", "^" or "_" is printed as written."""
    import pandas as pd
    from matplotlib.text import Text

    from scrisk.report import figures
    from scrisk.report.render import figure_png

    shares = pd.DataFrame({"stage": ["mining", "mining", "refining"],
                           "iso3": ["AAA", "BBB", "AAA"], "share": [0.6, 0.4, 1.0]})
    ax = figures.stage_shares_chart(shares, names={"AAA": name, "BBB": "B_1"},
                                    title=f"Title {name}", source=f"Source {name}")
    texts = [t.get_text() for t in ax.figure.findobj(Text)]
    assert any(name in t for t in texts)
    assert figure_png(ax).startswith(b"\x89PNG")
