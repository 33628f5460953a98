"""The risk report as a user gets it: CLI, HTML in a headless browser, PDF, Excel, languages.

One English and one Japanese report are written once per test session through the real
command line (``scrisk report`` in a fresh interpreter) on a small subset (cobalt and copper, 200
Monte Carlo draws, one scenario); the tests below read those files. The overlay adds a
facility and a candidate whose names are HTML, to check that data is escaped.
"""

from __future__ import annotations

import html.parser
import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from scrisk.data.load import shipped_data_path
from scrisk.data.schemas import SCHEMAS

COMMODITIES = ("cobalt", "copper")
EVIL_FACILITY = "<script>alert(1)</script>"
EVIL_CANDIDATE = "<img src=x onerror=alert(2)>"
SCENARIO = """
name = "Test: Malacca closure and DRC cobalt export ban"
importer = "JPN"
[[shocks]]
id = "malacca"
kind = "sea_lane_closure"
chokepoint = "malacca"
commodities = ["cobalt", "copper"]
probability = 0.1
[[shocks]]
id = "drc"
kind = "export_ban"
country = "COD"
commodity = "cobalt"
stage = "mining"
probability = 0.2
"""


def _write_rows(folder: Path, table: str, rows: list[dict]) -> None:
    """Add rows to a shipped table through the overlay (``.extra``), or replace it if absent."""
    schema = SCHEMAS[table]
    base = shipped_data_path() / schema.path
    stem, _, ext = schema.path.rpartition(".")
    target = folder / (f"{stem}.extra.{ext}" if base.exists() else schema.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    columns = [c.name for c in schema.columns]
    pd.DataFrame(rows).reindex(columns=columns).to_csv(target, index=False)


def make_overlay(folder: Path) -> Path:
    """An overlay folder adding a Japanese-held facility and a candidate with HTML in their names."""
    _write_rows(folder, "facilities", [{
        "facility_id": "TEST-EVIL-1", "name": EVIL_FACILITY, "commodity": "copper",
        "stage": "mining", "iso3": "AUS", "lat": -30.0, "lon": 136.0, "output_t": 1000.0,
        "unit": "t", "year": 2023, "status": "operating", "operator": "<b>op</b>",
        "source": "scrisk test fixture"}])
    _write_rows(folder, "ownership", [{
        "facility_id": "TEST-EVIL-1", "owner": "<i>Test owner</i>", "owner_iso3": "JPN",
        "equity_share": 0.5, "year": 2023, "source": "scrisk test fixture"}])
    _write_rows(folder, "candidates", [{
        "project_id": "TEST-EVIL-C", "name": EVIL_CANDIDATE, "commodity": "copper",
        "stage": "mining", "iso3": "AUS", "annual_output_t": 50000.0, "unit": "t",
        "stake_offered": 0.5, "cost_oku_yen": 10.0, "online_year": 2027,
        "success_probability": 0.9, "illustrative": True, "source": "scrisk test fixture"}])
    return folder


def run_cli(*args: str, env: dict | None = None, timeout: float = 300
            ) -> subprocess.CompletedProcess:
    """Run the ``scrisk`` command line in a fresh interpreter (as the console script does)."""
    code = "import sys; from scrisk.cli import main; sys.argv[0] = 'scrisk'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-inputs")
    overlay = make_overlay(root / "overlay")
    scenario = root / "scenario.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    return {"overlay": overlay, "scenario": scenario}


@pytest.fixture(scope="module")
def report(tmp_path_factory, inputs):
    """English and Japanese reports (HTML + Excel, and PDF with a browser), written by the CLI.

    One run for both languages, as ``make report`` does: the numbers are computed once.
    """
    out = tmp_path_factory.mktemp("report-out")
    done = run_cli("report", "--commodities", *COMMODITIES, "--out", str(out), "--data",
                   str(inputs["overlay"]), "--scenario", str(inputs["scenario"]), "--draws",
                   "200", "--xlsx", "--lang", "en,ja", *(["--pdf"] if _browser() else []),
                   timeout=600)  # both languages (the two runs it replaces had 300 s each)
    assert done.returncode == 0, done.stderr
    files: dict[str, dict[str, Path]] = {"en": {}, "ja": {}}
    for path in map(Path, done.stdout.split()):
        files[path.stem.rsplit("_", 1)[1]][path.suffix.lstrip(".")] = path
    return files


def _browser():
    from scrisk.report.browser import find_browser

    return find_browser()


needs_browser = pytest.mark.skipif(
    _browser() is None or sys.platform == "win32",
    reason="no headless Chromium found (.ci/run installs Debian's chromium; elsewhere set "
           "SCRISK_CHROMIUM or apt-get install chromium)")


class _Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def parse(path: Path) -> _Parser:
    parser = _Parser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# --------------------------------------------------------------------------- files


def test_cli_writes_every_format(report):
    assert report["en"]["html"].name == f"scrisk_report_JPN_{report_year(report)}_en.html"
    for lang in ("en", "ja"):
        assert report[lang]["html"].stat().st_size > 50_000
        assert report[lang]["xlsx"].is_file()
    if _browser() is not None:
        assert report["ja"]["pdf"].read_bytes()[:5] == b"%PDF-"


def report_year(report) -> str:
    return report["en"]["html"].stem.split("_")[-2]


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_html_is_self_contained(report, lang):
    """Every image is inline PNG, no src/href/url() leaves the file, scripts inline, strict CSP."""
    parsed = parse(report[lang]["html"])
    images = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(images) >= 10
    for attrs in images:
        assert attrs["src"].startswith("data:image/png;base64,")
        assert attrs.get("alt")
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "srcset", "action", "poster", "data"):
            value = attrs.get(name) or ""
            assert not value.lower().startswith(("http:", "https:", "//", "ftp:")), (tag, attrs)
        if tag == "a":
            assert attrs["href"].startswith("#")
    assert not [t for t, _ in parsed.tags if t in ("iframe", "object", "embed", "link")]
    scripts = [a for t, a in parsed.tags if t == "script"]
    assert scripts and all("src" not in a for a in scripts)  # the Vega bundle is inline
    css = "".join(parsed.css)
    assert "http:" not in css and "https:" not in css and "@import" not in css
    csp = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv") ==
           "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]
    assert "connect-src 'none'" in csp[0]["content"]
    text = report[lang]["html"].read_text(encoding="utf-8")
    assert text.count("window.vegaEmbed=") == 1  # the bundle once, a spec per chart
    assert text.count('class="vis"') >= 2


def test_html_escapes_values_from_data(report):
    text = report["en"]["html"].read_text(encoding="utf-8")
    assert EVIL_FACILITY not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert EVIL_CANDIDATE not in text
    assert "<b>op</b>" not in text and "<i>Test owner</i>" not in text


def test_sections_are_complete(report):
    text = report["en"]["html"].read_text(encoding="utf-8")
    for heading in ("Executive summary", "Five findings", "Targets and status",
                    "Recommended portfolio: cost and effect", "Top disruption risks",
                    "Caveats and data gaps", "Risk overview by commodity",
                    "Commodities", "Self-sufficiency toward 80 % by 2030",
                    "Battery materials for 150 GWh/yr", "Disruption scenarios",
                    "Candidate projects and recommended portfolio",
                    "Appendix: data provenance", "Chokepoints and sea lanes"):
        assert heading in text, heading
    assert "Test: Malacca closure and DRC cobalt export ban" in text
    assert "not available in this build" not in text.lower()
    assert "Etalab Open Licence 2.0" in text and "CC BY 4.0" in text


def test_japanese_report_uses_japanese_names(report):
    from scrisk.data.load import load_dataset

    ds = load_dataset()
    text = report["ja"]["html"].read_text(encoding="utf-8")
    assert '<html lang="ja">' in text
    for iso3 in ("JPN", "CHN", "COD"):
        assert ds.country_name(iso3, "ja") in text
    names = ds.commodities.set_index("commodity")["name_ja"]
    assert names["cobalt"] in text and names["copper"] in text
    assert "要旨" in text and "自給率" in text and "蓄電池" in text
    assert "Executive summary" not in text
    assert "@font-face" in text and "font/woff" in text
    assert "word-break: keep-all" in text and "line-break: strict" in text
    assert "0%にすぎない" not in text and "にすぎない" not in text


def test_summary_comes_first_in_policy_order(report):
    text = report["en"]["html"].read_text(encoding="utf-8")
    body = text[text.index("<main>"):]
    assert body.index('id="summary"') < body.index('<nav class="toc"') < body.index(
        'id="overview"')
    # cobalt (battery metal) before copper (base metal), whatever the alphabet says
    assert body.index('id="commodity-cobalt"') < body.index('id="commodity-copper"')


def test_japanese_report_uses_the_japanese_scenario_texts(tmp_path):
    """No English title or description of a shipped scenario file in the Japanese report."""
    import tomllib

    from scrisk.data.load import load_dataset
    from scrisk.report.render import render_html
    from scrisk.report.tables import report_data, scenario_files

    ds = load_dataset()
    data = report_data(ds, "JPN", commodities=["nickel"], draws=20,
                       sections=("summary", "scenarios"))
    assert data.status["scenarios"].available, data.status["scenarios"].detail
    html, _, _ = render_html(data, ds, "ja", interactive=False)
    for path in scenario_files():
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        assert spec["name"] not in html, path.name
        assert " ".join(spec["description"].split())[:60] not in " ".join(html.split())
        assert spec["name_ja"] in html, path.name


def test_japanese_facility_names(small):
    from scrisk.report.render import render_html

    ds, data = small
    html, _, _ = render_html(data, ds, "ja", interactive=False)
    if len(data.secured) and "CU-JPN-NAOSHIMA" in set(data.secured["facility_id"]):
        assert "直島製錬所" in html and "Naoshima Smelter" not in html


# --------------------------------------------------------------------------- browser


@needs_browser
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_report_in_headless_chromium(report, lang, tmp_path):
    """Loaded as a user would: every image decodes, nothing goes to the network, no errors."""
    from PIL import Image

    from scrisk.report.browser import load_page

    html_path = report[lang]["html"]
    page = load_page(html_path, screenshot=True, expressions={
        "evil_as_text": f"document.body.innerText.includes({EVIL_FACILITY!r})",
        "headings": "document.querySelectorAll('h2').length",
        "control": INTERACT_JS,
    })
    assert page.external_requests == []
    assert page.console_errors == []
    assert page.images == sum(tag == "img" for tag, _ in parse(html_path).tags)
    assert page.broken_images == []
    assert page.scripts >= 2
    assert page.values["evil_as_text"] is True
    assert page.values["headings"] == 10  # eight sections, cell goal, export restrictions
    control = page.values["control"]
    assert control["charts"] >= 2 and control["svgs"] == control["charts"], control
    assert control["options"] >= 2 and control["changed"], control
    assert page.fonts and all(status == "loaded" for _, status in page.fonts)
    shot = Image.open(io.BytesIO(page.screenshot))
    assert shot.size == (1200, 900)
    assert len(shot.convert("L").getcolors(maxcolors=4096) or range(4097)) > 10  # not blank
    (tmp_path / f"screenshot_{lang}.png").write_bytes(page.screenshot)


# Waits for the Vega charts, picks the second option of the first menu and checks that the
# chart redrew (its SVG changed).
INTERACT_JS = """
(async () => {
  const wait = ms => new Promise(r => setTimeout(r, ms));
  const charts = document.querySelectorAll('div.vis').length;
  for (let i = 0; i < 100 && document.querySelectorAll('div.vis svg').length < charts; i++)
    await wait(100);
  const select = document.querySelector('div.vis select');
  if (!select) return {charts: charts, svgs: 0, options: 0, changed: false};
  const chart = select.closest('div.vis');
  const before = chart.querySelector('svg').outerHTML;
  select.value = select.options[1].value;
  select.dispatchEvent(new Event('change', {bubbles: true}));
  select.dispatchEvent(new Event('input', {bubbles: true}));
  await wait(600);
  return {charts: charts, svgs: document.querySelectorAll('div.vis svg').length,
          options: select.options.length,
          changed: chart.querySelector('svg').outerHTML !== before};
})()
"""


@needs_browser
def test_browser_check_catches_problems(tmp_path):
    """The browser check itself: an external image, a broken image and a console error."""
    from scrisk.report.browser import load_page

    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><title>t</title><img alt="a" src="https://example.com/x.png">'
                   "<script>console.error('boom')</script>", encoding="utf-8")
    page = load_page(bad)
    assert page.external_requests == ["https://example.com/x.png"]
    assert page.broken_images == ["a"]
    assert any("boom" in e for e in page.console_errors)


@needs_browser
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_pdf_pages_render(report, tmp_path):
    from PIL import Image

    pdf = report["ja"]["pdf"]
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "2", "-png", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=60)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 2
    assert Image.open(pages[0]).size[0] > 250


@needs_browser
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) missing")
def test_pdf_summary_on_first_two_pages_and_no_blank_page(report):
    """The summary (up to its caveats) is on pages 1-2; no page is blank; closed tables print."""
    pdf = report["ja"]["pdf"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines()
                     if line.startswith("Pages:")))

    def page(n):
        return subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout

    texts = [page(n) for n in range(1, count + 1)]
    first = "".join(texts[:2])
    assert "重要鉱物サプライチェーン" in texts[0] and "要旨" in texts[0]
    for heading in ("主な5つの所見", "目標と現状", "推奨ポートフォリオ：費用と効果",
                    "主な途絶リスク", "留意点とデータの欠落"):
        assert heading in first, heading
    assert "鉱種別リスクの概観" not in texts[0]
    blank = [n + 1 for n, text in enumerate(texts) if len("".join(text.split())) < 10]
    assert not blank, f"blank pages: {blank}"
    assert len("".join(texts[0].split())) > 800  # page 1 is full, not a cover with space
    # a table collapsed on screen (the criticality numbers) prints in full
    assert "経済的重要性" in "".join(texts)


# --------------------------------------------------------------------------- Excel


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_workbook_holds_every_table(report, lang):
    import openpyxl

    book = openpyxl.load_workbook(report[lang]["xlsx"], read_only=True)
    contents = book.worksheets[0]
    listed = [row[0] for row in contents.iter_rows(values_only=True)]
    html_tables = sum(tag == "table" for tag, _ in parse(report[lang]["html"]).tags)
    sheets = book.sheetnames[1:]
    assert len(sheets) == html_tables
    assert set(sheets) <= set(listed)
    assert all(len(name) <= 31 for name in book.sheetnames)
    if lang == "en":
        assert {"headline", "targets", "self_sufficiency", "battery", "sources",
                "citations"} <= set(sheets)
        headline = pd.read_excel(report[lang]["xlsx"], sheet_name="headline")
        assert len(headline) == len(COMMODITIES)
        assert pd.api.types.is_float_dtype(headline.iloc[:, 1])  # numbers stay numbers
    else:  # Japanese sheet names
        assert book.sheetnames[0] == "目次"
        assert all(any(ord(ch) > 0x3000 for ch in name) for name in book.sheetnames)


def test_workbook_formats_charts_and_no_formulas(report):
    import openpyxl

    book = openpyxl.load_workbook(report["en"]["xlsx"])
    targets = book["targets"]
    assert targets.freeze_panes == "A2"
    formats = {c.number_format for row in targets.iter_rows(min_row=2) for c in row}
    assert "0.0%" in formats
    assert len(targets._charts) == 1 and len(book["headline"]._charts) == 1
    contents = book.worksheets[0]
    assert any(c.hyperlink is not None for row in contents.iter_rows() for c in row)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    import openpyxl

    from scrisk.report.render import Table, write_xlsx

    frame = pd.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "+1", "-a", "@b"],
                          "value": [0.1, 0.2, 0.3, 0.4]})
    table = Table("evil", "Evil", frame, [], [False, True], kinds=["text", "pct"])
    path = write_xlsx([table], tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(path)["evil"]
    assert [sheet.cell(row=r, column=1).data_type for r in range(2, 6)] == ["s"] * 4
    assert sheet.cell(row=2, column=2).number_format == "0.0%"


# --------------------------------------------------------------------------- in-process


@pytest.fixture(scope="module")
def small(inputs):
    """A small report computed in-process (no commodity details, no optimisation)."""
    from scrisk.data.load import load_dataset
    from scrisk.report.tables import report_data

    ds = load_dataset(overlay=inputs["overlay"])
    data = report_data(ds, "JPN", commodities=["cobalt"], draws=50,
                       scenarios=[inputs["scenario"]],
                       sections=("summary", "self_sufficiency", "battery", "scenarios",
                                 "provenance"))
    return ds, data


def test_output_is_deterministic(small, tmp_path):
    from scrisk.report.render import write_report

    ds, data = small
    first = write_report(ds, tmp_path / "a", "ja", data=data, xlsx=True)
    second = write_report(ds, tmp_path / "b", "ja", data=data, xlsx=True)
    assert first.html.read_bytes() == second.html.read_bytes()
    assert first.xlsx.read_bytes() == second.xlsx.read_bytes()
    with zipfile.ZipFile(first.xlsx) as z:
        assert all(info.date_time == (2000, 1, 1, 0, 0, 0) for info in z.infolist())


def test_failing_section_is_named_not_fatal(monkeypatch, inputs):
    """A section whose computation raises says so (with the call) and the rest still renders."""
    import scrisk.optimize
    from scrisk.data.load import load_dataset
    from scrisk.exceptions import ScriskError
    from scrisk.report import tables
    from scrisk.report.render import render_html

    def broken(*args, **kwargs):
        raise ScriskError("solver exploded")

    monkeypatch.setattr(scrisk.optimize, "optimize_portfolio", broken)
    ds = load_dataset(overlay=inputs["overlay"])
    data = tables.report_data(ds, "JPN", commodities=["cobalt"], sections=("summary", "portfolio"))
    assert not data.status["portfolio"].available
    text, _, _ = render_html(data, ds, "en", interactive=False)
    assert "solver exploded" in text and "scrisk.optimize.optimize_portfolio" in text
    assert "not available in this build" not in text.lower()


def test_report_package_computes_no_metric():
    """report/ only presents: no arithmetic reductions over data columns in its modules."""
    import re

    root = Path(__file__).resolve().parents[1] / "src" / "scrisk" / "report"
    pattern = re.compile(r"\.(groupby|pivot_table|cumsum|cumprod|searchsorted)\(|"
                         r"np\.(percentile|quantile|linalg)|import_module")
    allowed = {"figures.py", "maps.py"}  # drawing code stacks and sums the values it is given
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name in allowed:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert not found, found


def test_provenance_lists_every_source_with_year_and_licence(small):
    ds, data = small
    listed = set(data.citations["source"])
    for source in ds.sources()["source"].astype(str):
        # lists of codes such as "BACI;WGI;ISO3166" are cited one code at a time
        parts = source.split(";") if " " not in source else [source]
        assert set(parts) <= listed, source
    wmd = data.provenance.set_index("family").loc["World Mining Data (BMF Austria)"]
    assert wmd["year"] == 2025 and "BMF" in wmd["licence"]
    assert data.provenance["year"].notna().mean() > 0.8


def test_catalogues_have_the_same_keys_and_fields():
    from scrisk.report.i18n import catalogue, fields_of

    en, ja = catalogue("en"), catalogue("ja")
    assert en.keys() == ja.keys()
    for key in en.keys():
        assert fields_of(en.messages[key]) == fields_of(ja.messages[key]), key
    assert ja.pct(0.34) == "34%" and en.pct(0.34) == "34 %"


def test_no_pickle_cache_in_the_output_folder():
    # an output folder must never supply objects that are unpickled (no code from data)
    import inspect

    from scrisk.cli import report as cli_report
    from scrisk.report import tables

    for module in (tables, cli_report):
        source = inspect.getsource(module)
        assert "import pickle" not in source and "pickle.load" not in source


# --------------------------------------------------------------------------- mistakes


@pytest.mark.parametrize(("args", "message"), [
    (["--commodities", "cobalt", "coper"], "Did you mean 'copper'?"),
    (["cobalt"], "name commodities after --commodities"),
    (["--lang", "fr"], "unknown report language 'fr'"),
    (["--year", "1999"], "unknown year"),
    (["--importer", "Atlantis"], "unknown country 'Atlantis'"),
    (["--draws", "0"], "--draws must be at least 1"),
])
def test_user_mistakes_exit_with_a_message(args, message, capsys, monkeypatch, tmp_path):
    from scrisk.cli import main

    monkeypatch.setattr(sys, "argv", ["scrisk", "report", "--out", str(tmp_path), *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code != 0
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err


def test_out_must_be_a_folder(capsys, monkeypatch, tmp_path):
    from scrisk.cli import main

    file = tmp_path / "file.txt"
    file.write_text("x")
    monkeypatch.setattr(sys, "argv", ["scrisk", "report", "--out", str(file)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert "--out must be a folder" in " ".join(capsys.readouterr().err.split())


def test_pdf_without_browser_writes_nothing(small, tmp_path, monkeypatch):
    from scrisk.report.render import write_report
    from scrisk.report.tables import ReportError

    ds, data = small
    monkeypatch.setenv("SCRISK_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(ReportError, match="needs headless Chromium"):
        write_report(ds, tmp_path / "out", "en", data=data, pdf=True)
    assert not (tmp_path / "out").exists()  # all or nothing (docs/report.md, output files)


def test_summary_formulas_worked_examples():
    """The worked examples of docs/methods.md, "Report summary"."""
    from scrisk.metrics.summary import key_findings, rank_disruptions, shortfall, target_path

    trend = pd.DataFrame({"commodity": ["cobalt", "cobalt"], "stage": ["mining"] * 2,
                          "year": [2018, 2024], "top1_iso3": ["COD", "COD"],
                          "top1_share": [0.60, 0.75], "hhi": [0.4, 0.6]})
    assert float(key_findings(trend)["change"].iloc[0]) == pytest.approx(0.15)
    path = target_path(0.34, 2023, 0.80, 2030).set_index("year")["required"]
    assert path[2024] - path[2023] == pytest.approx(0.0657, abs=1e-4)
    assert path[2024] == pytest.approx(0.4057, abs=1e-4) and path[2030] == pytest.approx(0.80)
    assert shortfall(0.34, 0.80) == pytest.approx(0.46)
    ranked = rank_disruptions(pd.DataFrame({"scenario": [0, 1],
                                            "commodity": ["antimony", "nickel"],
                                            "loss_share": [1.0, 0.1]}),
                              pd.Series({"antimony": 5.0, "nickel": 1000.0}), None)
    assert ranked["commodity"].tolist() == ["nickel", "antimony"]
    assert ranked["value_at_risk_kusd"].tolist() == pytest.approx([100.0, 5.0])
