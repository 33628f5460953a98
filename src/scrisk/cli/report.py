"""`scrisk report`: the risk report as one self-contained HTML file, with PDF and Excel on request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrisk.cli import DataOption, app, load
from scrisk.cli.options import MAX_RUNS, SeedOption


@app.command("report", context_settings={"help_option_names": ["-h", "--help"]})
def report_cmd(
    extra: Annotated[list[str] | None, typer.Argument(
        hidden=True, help="More commodities after --commodities.")] = None,
    importer: Annotated[str, typer.Option("--importer", help="Importing country: ISO3 code or "
                                          "name.")] = "JPN",
    year: Annotated[int | None, typer.Option(
        "--year", help="Data year (default: latest year with production and trade).")] = None,
    commodities: Annotated[list[str] | None, typer.Option(
        "--commodities", "-c", help="Commodities to cover, e.g. --commodities cobalt copper "
        "(or cobalt,copper). Default: details for base and battery metals, overview of all.")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language(s) of the report: en, ja, or "
                                      "en,ja (both from one computation).")] = "en",
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    data: DataOption = None,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also write a PDF (needs headless "
                                      "Chromium, Chrome or Edge).")] = False,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Also write an Excel workbook with every "
                                       "table.")] = False,
    scenario: Annotated[list[Path] | None, typer.Option(
        "--scenario", help="Disruption scenario file or folder (repeatable; default: the "
        "shipped scenarios/ folder).")] = None,
    gwh: Annotated[float | None, typer.Option(
        "--gwh", help="Battery production to supply, GWh/yr (default: the policy target, "
        "150).")] = None,
    budget: Annotated[float | None, typer.Option(
        "--budget", help="Portfolio budget in oku yen (default: policy_targets.csv, "
        "1,597).")] = None,
    seed: SeedOption = 0,
    draws: Annotated[int, typer.Option("--draws", help="Monte Carlo draws per "
                                       "scenario.", max=MAX_RUNS)] = 2000,
    company: Annotated[Path | None, typer.Option(
        "--company", help="A company procurement file (docs/company.md): adds a section "
        "on each company's supply risk.", dir_okay=False)] = None,
) -> None:
    """Write the supply-chain risk report (HTML; PDF and Excel on request).

    One self-contained HTML file (images embedded, opens offline) with the
    executive summary, per-commodity concentration, import sources, GeoPolRisk
    trend and chokepoints, self-sufficiency toward 80 % by 2030, battery needs,
    scenario results, candidate ranking and portfolio, and the data provenance.
    """
    import matplotlib
    from rich.console import Console

    from scrisk.report.i18n import catalogue
    from scrisk.report.tables import ReportError, report_data

    # checked here rather than by typer, so that each mistake gets a one-line message
    if extra and not commodities:
        raise ReportError(f"unexpected argument {extra[0]!r}: name commodities after "
                          "--commodities, e.g. --commodities cobalt copper")
    languages = list(dict.fromkeys(x.strip() for x in lang.split(",") if x.strip()))
    for code in languages or [lang]:
        catalogue(code)  # unknown language: lists en, ja
    if draws < 1:
        raise ReportError(f"--draws must be at least 1 Monte Carlo draw, got {draws}")
    matplotlib.use("Agg")
    from scrisk.output_files import OutputFiles
    from scrisk.report.render import check_pdf_browser, output_folder, write_reports

    names = [*(commodities or []), *(extra or [])]
    err = Console(stderr=True)
    folder = output_folder(out)  # fail early on an unusable folder (nothing created yet)
    if pdf:
        check_pdf_browser()  # before the minutes of computing
    with err.status("loading data", spinner="dots"):
        ds = load(data)
    with err.status("computing the report", spinner="dots"):
        # computed once in this process; each language only renders (no cache on disk: an
        # output folder never supplies code or pickled objects)
        numbers = report_data(
            ds, importer=importer, year=year, commodities=names or None, gwh=gwh,
            budget_oku_yen=budget, seed=seed, draws=draws,
            scenarios=[str(p) for p in scenario] if scenario else None, company=company)
    # one transaction for every language: all files appear together, or none (and no
    # folder); the charts of every language are drawn together
    with OutputFiles() as files, err.status(
            f"writing the report ({', '.join(languages)})", spinner="dots"):
        written = write_reports(ds, folder, languages, data=numbers, pdf=pdf, xlsx=xlsx,
                                files=files)
    for report in written:
        for path in (report.html, report.pdf, report.xlsx):
            if path is not None:
                typer.echo(str(path))
