"""Turn :class:`~scrisk.report.tables.ReportData` into HTML, PDF and an Excel workbook.

The HTML is one self-contained file: charts and maps are PNG ``data:`` URIs,
the style sheet is inline, and the Japanese glyphs the page uses are
embedded as a subset of IPAexGothic (WOFF, from ``matplotlib-fontja``), so
the page opens offline and renders Japanese on a machine without Japanese
fonts. It makes no network request and runs no script. Every value taken
from data goes through Jinja2's autoescaping.

Output is deterministic: the same data and options give the same bytes
(no time stamps; PNG metadata removed; the workbook's dates are fixed).

Examples
--------
>>> from scrisk import load_dataset
>>> files = write_report(load_dataset(), "out", lang="en",
...                      commodities=["cobalt"])  # doctest: +SKIP
>>> files.html.name  # doctest: +SKIP
'scrisk_report_JPN_2024_en.html'
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk import __version__
from scrisk.data.load import Dataset
from scrisk.report import figures as fg
from scrisk.report import maps
from scrisk.report.i18n import Catalogue, catalogue
from scrisk.report.sections.summary import summary_section
from scrisk.report.tables import (
    NO_CHOKEPOINT,
    UNATTRIBUTED,
    UNROUTED,
    ReportData,
    ReportError,
    SectionStatus,
    report_data,
)

FILENAME = "scrisk_report_{importer}_{year}_{lang}"
FONT_FAMILY = "scrisk-ja"
FIXED_DATE = dt.datetime(2000, 1, 1)


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Col:
    """One column of a displayed table: source column, header key and kind of value.

    Kinds: ``text``, ``country``, ``commodity``, ``stage``, ``pct``, ``pp``,
    ``num``, ``num1``, ``sig``, ``int``, ``year``, ``tonnes``, ``bool``, ``chokepoint``,
    ``group``, ``material``, ``scenario``.
    """

    column: str
    header: str
    kind: str = "text"
    where: str = "both"  # "html": page only, "xlsx": workbook only


@dataclass
class Table:
    """A localised table: an Excel frame (numbers kept) and its HTML cells."""

    key: str
    title: str
    frame: pd.DataFrame
    cells: list[list[str]]
    numeric: list[bool]
    note: str = ""
    headers: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


class Localiser:
    """Names and formats of one language for one dataset."""

    def __init__(self, dataset: Dataset, lang: str):
        self.ds = dataset
        self.lang = lang
        self.cat: Catalogue = catalogue(lang)
        com = dataset.commodities.set_index("commodity")
        self._commodity = com["name_ja" if lang == "ja" else "name_en"].astype(str).to_dict()
        points = dataset.chokepoints.set_index("chokepoint_id")
        self._chokepoint = points["name_ja" if lang == "ja" else "name_en"].astype(str).to_dict()
        self._countries: dict[str, str] = {}
        self._names_ja: dict[str, dict[str, str]] = {"facility": {}, "company": {}}
        if lang == "ja":
            from scrisk.data.names import japanese_names

            self._names_ja = japanese_names(dataset)

    def facility(self, facility_id: object, name: object) -> str:
        """A facility's name in the report's language (its Japanese name where one is known)."""
        return self._names_ja["facility"].get(str(facility_id), "" if name is None else str(name))

    def company(self, name: object) -> str:
        """A company's name in the report's language."""
        return self._names_ja["company"].get(str(name), str(name))

    def country(self, iso3: object) -> str:
        if iso3 is None or (isinstance(iso3, float) and np.isnan(iso3)):
            return self.cat("fmt.missing")
        code = str(iso3)
        if code == UNATTRIBUTED:
            return self.cat("label.unattributed")
        if code.startswith("untraced:"):
            return self.cat("exec.untraced", country=self.country(code.split(":", 1)[1]))
        if code == fg.OTHER:
            return self.cat("label.other")
        if code not in self._countries:
            self._countries[code] = self.ds.country_name(code, self.lang)
        return self._countries[code]

    def countries(self, codes) -> dict[str, str]:
        return {str(c): self.country(c) for c in codes}

    def commodity(self, slug: object) -> str:
        if slug == "base_metals":
            return self.cat("label.base_metals")
        return self._commodity.get(str(slug), str(slug))

    def chokepoint(self, cid: object) -> str:
        if cid == NO_CHOKEPOINT:
            return self.cat("label.no_chokepoint")
        if cid == UNROUTED:
            return self.cat("label.unrouted")
        return self._chokepoint.get(str(cid), str(cid))

    def value(self, kind: str, value: object) -> object:
        """The Excel value of a cell (names translated, numbers kept)."""
        if kind == "country":
            return self.country(value)
        if kind == "commodity":
            return self.commodity(value)
        if kind == "chokepoint":
            return self.chokepoint(value)
        if kind in ("stage", "group", "material", "scenario", "status"):
            return self.cat.get(f"{kind}.{value}", str(value)) if _present(value) else ""
        if kind == "bool":
            return self.cat("label.yes") if bool(value) else self.cat("label.no")
        if kind == "text":
            return "" if not _present(value) else str(value)
        return value

    def cell(self, kind: str, value: object) -> str:
        """The HTML text of a cell."""
        cat = self.cat
        if kind in ("pct", "pp", "num", "num1", "sig", "int", "year", "tonnes"):
            if not _present(value):
                return cat("fmt.missing")
            if kind == "pct":
                return cat.pct(value, 1 if abs(float(value)) < 0.1 else 0)
            if kind == "pp":
                return cat.pp(value, 1)
            if kind == "num":
                return cat.num(value)
            if kind == "num1":
                return cat.num(value, 1)
            if kind == "sig":
                return cat.sig(value)
            if kind in ("int", "year"):
                return f"{int(value)}" if kind == "year" else cat.num(value)
            return cat.tonnes(value, "")
        return str(self.value(kind, value))

    def table(self, key: str, frame: pd.DataFrame, cols: Sequence[Col], title: str = "",
              note: str = "") -> Table:
        cols = [c for c in cols if c.column in frame.columns]
        book = [c for c in cols if c.where in ("both", "xlsx")]
        page = [c for c in cols if c.where in ("both", "html")]
        excel = pd.DataFrame({i: [self.value(c.kind, v) for v in frame[c.column]]
                              for i, c in enumerate(book)}, index=range(len(frame)))
        excel.columns = _unique([self.header(c.header) for c in book])
        cells = [[self.cell(c.kind, v) for c, v in zip(page, row, strict=True)]
                 for row in frame[[c.column for c in page]].itertuples(index=False, name=None)]
        numeric = [c.kind in ("pct", "pp", "num", "num1", "sig", "int", "year", "tonnes")
                   for c in page]
        headers = [self.header(c.header) for c in page]
        return Table(key, title, excel, cells, numeric, note, headers, [c.kind for c in book])

    def header(self, key: str) -> str:
        """Column header: a catalogue key, or ``achieved_of:<target>`` for a target column."""
        if key.startswith("achieved_of:"):
            return self.cat("col.achieved_of", target=self.target_label(key.split(":", 1)[1]))
        return self.cat(f"col.{key}")

    def target_label(self, name: str, gwh: float | None = None) -> str:
        """Label of an optimisation target such as ``battery:nickel``."""
        kind, _, what = str(name).partition(":")
        if kind == "self_sufficiency":
            return self.cat("target.ssr_of", what=self.commodity(what))
        if kind == "battery":
            material = self.cat.get(f"material.{what}", what)
            return (self.cat("target.battery", material=material, gwh=self.cat.num(gwh))
                    if gwh is not None else self.cat("target.battery_short", material=material))
        return str(name)

    def with_share(self, iso3: object, share: object) -> str:
        """``China (76 %)``: a country and its share in one cell."""
        if not _present(iso3):
            return self.cat("fmt.missing")
        return self.cat("fmt.with_share", name=self.country(iso3),
                        share=self.cell("pct", share))


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, float | np.floating) and np.isnan(value):
        return False
    return value is not pd.NA


def _unique(headers: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
        out.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return out


# --------------------------------------------------------------------------- figures


def figure_png(ax, dpi: int = 110, pad: float = 0.08) -> bytes:
    """The figure of ``ax`` as a compact PNG (palette-quantised, no metadata), then closed.

    The figure is drawn once and cropped to its tight bounding box (what
    ``bbox_inches="tight"`` gives, without its second drawing pass); the
    colours are reduced to a 256-colour palette, which keeps the size of the
    HTML down and is lossless for flat-coloured charts.
    """
    from PIL import Image

    fig = ax.figure
    fig.set_dpi(dpi)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.get_tightbbox(renderer).padded(pad)
    width, height = fig.canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), bytes(fig.canvas.buffer_rgba()),
                             "raw", "RGBA", 0, 1)
    fg.close(ax)
    left = max(0, int(box.x0 * dpi))
    right = min(width, int(np.ceil(box.x1 * dpi)))
    top = max(0, int(height - box.y1 * dpi))
    bottom = min(height, int(np.ceil(height - box.y0 * dpi)))
    if right > left and bottom > top:
        image = image.crop((left, top, right, bottom))
    white = Image.new("RGB", image.size, "white")
    white.paste(image, mask=image.getchannel("A"))
    small = white.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                           dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    """A ``data:image/png;base64,...`` URI."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@dataclass
class Figure:
    """A rendered chart: its data URI, alternative text, caption and sources."""

    uri: str
    alt: str
    caption: str
    source: str
    png: bytes = field(repr=False, default=b"")
    spec: str = field(repr=False, default="")


# --------------------------------------------------------------------------- builder


SOURCE_KEYS = {
    "production": "src.production",
    "trade": "src.trade",
    "wgi": "src.wgi",
    "shares": "src.shares",
    "consumption": "src.consumption",
    "battery": "src.battery",
    "suppliers": "src.suppliers",
    "geo": "src.geo",
    "scrisk": "src.scrisk",
}


class Builder:
    """Collects the sections, figures and tables of one report in one language."""

    def __init__(self, data: ReportData, dataset: Dataset, lang: str):
        self.data = data
        self.ds = dataset
        self.lang = lang
        self.loc = Localiser(dataset, lang)
        self.cat = self.loc.cat
        self.tables: list[Table] = []
        self.figures: list[Figure] = []
        self.interactive = True

    # -- helpers
    def t(self, key: str, **fields: object) -> str:
        return self.cat(key, **fields)

    def sources(self, *keys: str) -> str:
        sep = self.t("fmt.list_sep")
        return sep.join(self.t(SOURCE_KEYS[k]) for k in keys)

    def figure(self, draw: Callable[..., object], alt: str, caption: str, sources: str,
               spec: Mapping | None = None, **kwargs) -> Figure:
        """A static chart (PNG, for print and Excel), with an interactive twin for screens.

        ``spec`` is a Vega-Lite specification (:mod:`scrisk.report.interactive`);
        the page shows it on screen and prints the PNG.
        """
        ax = draw(lang=self.lang, source=sources, **kwargs)
        png = figure_png(ax)
        fig = Figure(data_uri(png), alt, caption, sources, png,
                     spec_json(spec) if spec is not None and self.interactive else "")
        self.figures.append(fig)
        return fig

    def table(self, key: str, frame: pd.DataFrame, cols: Sequence[Col], title: str = "",
              note: str = "") -> Table:
        table = self.loc.table(key, frame, cols, title, note)
        self.tables.append(table)
        return table

    def missing(self, status: SectionStatus | None) -> dict[str, str] | None:
        if status is None or status.available:
            return None
        if status.reason == "module":
            return {"text": self.t("note.not_available"), "detail": status.detail}
        if status.reason == "data":
            return {"text": self.t("note.no_data"), "detail": status.detail}
        return {"text": self.t("note.error"), "detail": status.detail}

    def importer_name(self) -> str:
        return self.loc.country(self.data.importer)

    # -- sections
    def build(self) -> dict[str, object]:
        data = self.data
        sections = []
        wanted = data.params.get("sections", ())
        if "summary" in wanted:
            sections.append(summary_section(self))
            sections.append(self.overview_section())
        if "commodities" in wanted and data.details:
            sections.append(self.commodity_section())
        if "self_sufficiency" in wanted:
            sections.append(self.ssr_section())
        if "battery" in wanted:
            sections.append(self.battery_section())
        if "scenarios" in wanted:
            sections.append(self.scenario_section())
        if "portfolio" in wanted:
            sections.append(self.portfolio_section())
        if "summary" in wanted and data.appendix:
            sections.append(self.appendix_section())
        if "provenance" in wanted:
            sections.append(self.provenance_section())
        for number, section in enumerate(sections, start=1):
            section["number"] = number
        return {
            "lang": self.lang,
            "title": self.t("report.title"),
            "subtitle": self.t("report.subtitle", importer=self.importer_name(),
                               year=data.year),
            "meta": [
                (self.t("meta.importer"), f"{self.importer_name()} ({data.importer})"),
                (self.t("meta.year"), str(data.year)),
                (self.t("meta.commodities"), self.t("fmt.list_sep").join(
                    self.loc.commodity(c) for c in (data.commodities or data.overview))),
                (self.t("meta.fingerprint"), data.fingerprint),
                (self.t("meta.version"), f"scrisk {__version__}"),
            ],
            "disclaimer": self.t("report.disclaimer"),
            "toc_title": self.t("report.contents"),
            "sections": sections,
            "figure_label": self.t("fig.label"),
            "table_label": self.t("table.label"),
        }

    def scenario_name(self, sc) -> str:
        """A scenario's title in the report's language (``name_ja`` in Japanese)."""
        return (sc.name_ja or sc.name) if self.lang == "ja" else sc.name

    def scenario_description(self, sc) -> str:
        return (sc.description_ja or sc.description) if self.lang == "ja" else sc.description

    def shock_target(self, row) -> str:
        """What a shock hits, in the report's language."""
        loc, cat = self.loc, self.cat
        parts = {"country": loc.country(row.country) if _present(row.country) else "",
                 "commodity": loc.commodity(row.commodity) if _present(row.commodity) else "",
                 "stage": cat.get(f"stage.{row.stage}", str(row.stage))
                 if _present(row.stage) else "",
                 "chokepoint": loc.chokepoint(row.chokepoint) if _present(row.chokepoint)
                 else "",
                 "facility": loc.facility(row.facility, row.facility)
                 if _present(row.facility) else "",
                 "commodities": cat("fmt.list_sep").join(
                     loc.commodity(c) for c in str(row.commodities).split(";"))
                 if _present(row.commodities) else cat("exec.all_commodities")}
        return cat(f"exec.target_{row.kind}", **parts)

    # ...................................................................... overview
    def overview_section(self) -> dict[str, object]:
        data, t = self.data, self.t
        importer = self.importer_name()
        priority = data.headline.loc[~data.headline["commodity"].isin(list(data.appendix))]
        blocks: list[dict] = [{"paragraphs": [t("exec.overview_note")]},
                              {"table": self._headline_table("headline", priority)}]
        blocks.extend(self._overview_figures())
        if len(data.criticality):
            names = {c: self.loc.commodity(c) for c in data.criticality["commodity"]}
            blocks.append({"figure": self.figure(
                fg.criticality_matrix, t("fig.criticality.alt"),
                t("fig.criticality.caption", importer=importer, year=data.year),
                self.sources("trade", "production", "wgi"), frame=data.criticality,
                names=names)})
            blocks.append({"details": t("summary.criticality_table"), "closed": True,
                           "table": self.table("criticality", data.criticality, [
                               Col("commodity", "commodity", "commodity"),
                               Col("group", "group", "group"),
                               Col("supply_risk", "supply_risk", "sig"),
                               Col("economic_importance", "economic_importance", "num1"),
                               Col("ghhi_world", "ghhi_world", "sig"),
                               Col("ghhi_sourcing", "ghhi_sourcing", "sig"),
                               Col("import_reliance", "import_reliance", "pct"),
                               Col("eol_rir", "eol_rir", "pct"),
                               Col("import_value_kusd", "import_value_kusd", "num"),
                               Col("score", "gpr_score", "sig")],
                               title=t("table.criticality", importer=importer, year=data.year),
                               note=t("table.criticality_note"))})
        return {"id": "overview", "title": t("exec.overview"), "blocks": blocks}

    def _overview_figures(self) -> list[dict]:
        """Trend of concentration and the production map, each with an interactive twin."""
        from scrisk.report import interactive as iv

        data, t, loc = self.data, self.t, self.loc
        blocks: list[dict] = []
        trend = data.trend
        if len(trend):
            names = {c: loc.commodity(c) for c in trend["commodity"].unique()}
            values = trend.assign(
                commodity_name=trend["commodity"].map(names),
                stage_name=[t(f"stage.{s}") for s in trend["stage"]])
            spec = iv.line_chart(values, x="year", y="top1_share", series="stage_name",
                                 chooser="commodity_name",
                                 chooser_label=t("exec.choose_commodity"),
                                 x_title=t("fig.year"), y_title=t("exec.top_share_axis"))
            blocks.append({"figure": self.figure(
                fg.top_share_trend_chart, t("exec.trend_alt"),
                t("exec.trend_caption", first=int(trend["year"].min()),
                  last=int(trend["year"].max())),
                self.sources("production", "shares"), spec=spec, trend=trend, names=names)})
        shares = [cd.shares.loc[cd.shares["stage"] == "mining"].assign(commodity=c)
                  for c, cd in data.details.items() if len(cd.shares)]
        shares = [s for s in shares if len(s)]
        if shares:
            frame = pd.concat(shares, ignore_index=True)
            frame = frame.loc[~frame["iso3"].isin([UNATTRIBUTED, fg.OTHER, "ROW"])]
            frame = frame.assign(commodity_name=[loc.commodity(c) for c in frame["commodity"]],
                                 name=[loc.country(c) for c in frame["iso3"]])
            spec = iv.share_map(frame, choosers={"commodity_name": t("exec.choose_commodity")},
                                zoom_label=t("exec.zoom"),
                                legend=t("fig.map_production.legend"),
                                name_title=t("col.country"), share_title=t("col.share"))
            first = frame.loc[frame["commodity"] == frame["commodity"].iloc[0]]
            blocks.append({"figure": self.figure(
                maps.choropleth, t("exec.map_alt"), t("exec.map_caption", year=data.year),
                self.sources("production", "geo"), spec=spec,
                values=maps.map_values(first), chokepoints=self.ds.chokepoints,
                legend_label=t("fig.map_production.legend"), highlight=data.importer,
                title=loc.commodity(first["commodity"].iloc[0]))})
        return blocks

    def appendix_section(self) -> dict[str, object]:
        data, t = self.data, self.t
        rest = data.headline.loc[data.headline["commodity"].isin(list(data.appendix))]
        return {"id": "appendix-commodities", "title": t("exec.appendix"), "blocks": [
            {"paragraphs": [t("exec.appendix_intro")]},
            {"table": self._headline_table("headline_other", rest)}]}

    def _headline_table(self, key: str, table: pd.DataFrame) -> Table:
        data, t, loc = self.data, self.t, self.loc
        values = data.import_value
        now = (values.loc[values["year"] == data.year].set_index("commodity")["value_kusd"]
               if len(values) else pd.Series(dtype=float))
        frame = table.assign(**{
            f"{k}_text": [loc.with_share(c, v) for c, v in zip(
                table[f"{k}_iso3"], table[f"{k}_share"], strict=True)]
            for k in ("mining_top", "refining_top", "direct_top", "origin_top")})
        frame["import_musd"] = frame["commodity"].map(now).astype(float) / 1000.0
        return self.table(key, frame, [
            Col("commodity", "commodity", "commodity"),
            Col("score", "gpr_score", "sig"), Col("score_change", "gpr_change", "sig"),
            Col("import_musd", "import_musd", "num1"),
            Col("mining_top_text", "mining_top", "text", "html"),
            Col("mining_top_iso3", "mining_top", "country", "xlsx"),
            Col("mining_top_share", "mining_top_share", "pct", "xlsx"),
            Col("mining_hhi", "mining_hhi", "sig"),
            Col("refining_top_text", "refining_top", "text", "html"),
            Col("refining_top_iso3", "refining_top", "country", "xlsx"),
            Col("refining_top_share", "refining_top_share", "pct", "xlsx"),
            Col("refining_hhi", "refining_hhi", "sig", "xlsx"),
            Col("import_stage", "import_stage", "stage", "xlsx"),
            Col("direct_top_text", "direct_top", "text", "html"),
            Col("direct_top_iso3", "direct_top", "country", "xlsx"),
            Col("direct_top_share", "direct_top_share", "pct", "xlsx"),
            Col("origin_top_text", "origin_top", "text", "html"),
            Col("origin_top_iso3", "origin_top", "country", "xlsx"),
            Col("origin_top_share", "origin_top_share", "pct", "xlsx"),
            Col("origin_gap_share", "origin_gap", "pct"),
        ], title=t("table.headline", importer=self.importer_name(), year=data.year),
            note=t("table.headline_note", first=data.years[0] if data.years else data.year))

    # ...................................................................... commodities
    def commodity_section(self) -> dict[str, object]:
        data, t = self.data, self.t
        subsections = []
        for commodity, cd in data.details.items():
            name = self.loc.commodity(commodity)
            names = self.loc.countries(set(cd.shares["iso3"]) | set(cd.flows.get("origin", []))
                                       | set(cd.flows.get("via", [])) | {data.importer})
            blocks: list[dict] = []
            conc = cd.concentration.assign(unit=cd.concentration["stage"].map(cd.units))
            blocks.append({"table": self.table(f"conc_{commodity}", conc, [
                Col("stage", "stage", "stage"), Col("n_countries", "n_countries", "int"),
                Col("hhi", "hhi", "sig"), Col("top1_iso3", "top1", "country"),
                Col("top1_share", "top1_share", "pct"), Col("top3_share", "top3_share", "pct"),
                Col("effective_suppliers", "effective_suppliers", "num1"),
                Col("gov_hhi", "gov_hhi", "sig"), Col("unit", "unit")],
                title=t("table.concentration", commodity=name, year=data.year))})
            if len(cd.shares):
                blocks.append({"figure": self.figure(
                    fg.stage_shares_chart, t("fig.shares.alt", commodity=name),
                    t("fig.shares.caption", commodity=name, year=data.year),
                    self.sources("production", "shares"), shares=cd.shares, names=names)})
                # the production map of every commodity is one interactive map in the
                # overview (menu per commodity); here the bars carry the same shares
            blocks.extend(self._imports_blocks(commodity, cd, name, names))
            if len(cd.trend) and cd.trend["score"].notna().any():
                blocks.append({"figure": self.figure(
                    fg.risk_trend_chart, t("fig.trend.alt", commodity=name),
                    t("fig.trend.caption", commodity=name, importer=self.importer_name()),
                    self.sources("production", "trade", "wgi"), trend=cd.trend)})
            else:
                blocks.append({"note": {"text": t("note.no_gpr", commodity=name),
                                        "detail": ""}})
            blocks.extend(self._chokepoint_blocks(commodity, cd, name))
            subsections.append({"id": f"commodity-{commodity}", "title": name,
                                "blocks": blocks})
        return {"id": "commodities", "title": t("section.commodities"), "blocks": [
            {"paragraphs": [t("commodities.intro", importer=self.importer_name(),
                              year=data.year)]}], "subsections": subsections}

    def _imports_blocks(self, commodity, cd, name, names) -> list[dict]:
        t, data = self.t, self.data
        blocks: list[dict] = []
        if not cd.imports:
            return [{"note": {"text": t("note.no_imports", commodity=name,
                                        importer=self.importer_name(), year=data.year),
                              "detail": ""}}]
        for stage, table in cd.imports.items():
            top = table.head(12)
            cols = [Col("origin", "country", "country"), Col("direct_t", "direct_t", "tonnes"),
                    Col("direct_share", "direct_share", "pct"),
                    Col("share", "mined_share", "pct")]
            blocks.append({"table": self.table(
                f"imports_{commodity}_{stage}", top, cols,
                title=t("table.imports", commodity=name, importer=self.importer_name(),
                        stage=t(f"stage.{stage}"), year=data.year),
                note=t("table.imports_note"))})
        if len(cd.flows):
            via = t("fig.flow.refined_in") if cd.main_stage == "refining" else \
                t("fig.flow.shipped_from")
            blocks.append({"figure": self.figure(
                fg.flow_diagram, t("fig.flow.alt", commodity=name),
                t("fig.flow.caption", commodity=name, importer=self.importer_name(),
                  stage=t(f"stage.{cd.main_stage}")),
                self.sources("trade", "production", "shares"), flows=cd.flows,
                importer=data.importer, names=names, via_label=via)})
        if len(cd.exposure):
            blocks.append({"figure": self.figure(
                maps.choropleth, t("fig.map_exposure.alt", commodity=name),
                t("fig.map_exposure.caption", commodity=name, importer=self.importer_name()),
                self.sources("trade", "production", "geo"), values=cd.exposure,
                chokepoints=self.ds.chokepoints, legend_label=t("fig.map_exposure.legend"),
                highlight=data.importer)})
        return blocks

    def _chokepoint_blocks(self, commodity, cd, name) -> list[dict]:
        t = self.t
        blocks: list[dict] = [{"heading": t("chokepoints.heading")}]
        if cd.chokepoints is None:
            return blocks + [{"note": self.missing(cd.chokepoint_status)}]
        lanes = cd.chokepoints.loc[~cd.chokepoints["chokepoint"].isin(
            [NO_CHOKEPOINT, UNROUTED])]
        if lanes.empty:
            return blocks + [{"paragraphs": [t("chokepoints.none", commodity=name)]}]
        stage = cd.main_stage if cd.main_stage in set(lanes["stage"]) else lanes["stage"].iloc[0]
        main = lanes.loc[lanes["stage"] == stage].head(10)
        values = pd.Series(main["import_share"].to_numpy(dtype=float),
                           index=[self.loc.chokepoint(c) for c in main["chokepoint"]])
        blocks.append({"figure": self.figure(
            fg.bar_chart, t("fig.chokepoints.alt", commodity=name),
            t("fig.chokepoints.caption", commodity=name, importer=self.importer_name(),
              stage=t(f"stage.{stage}")),
            self.sources("trade", "geo", "scrisk"), values=values,
            xlabel=t("fig.chokepoints.x"))})
        blocks.append({"table": self.table(f"chokepoints_{commodity}", cd.chokepoints, [
            Col("stage", "stage", "stage"), Col("chokepoint", "chokepoint", "chokepoint"),
            Col("imports_t", "direct_t", "tonnes"), Col("import_share", "import_share", "pct"),
            Col("supply_share", "supply_share", "pct")],
            title=t("table.chokepoints", commodity=name, importer=self.importer_name()),
            note=t("table.chokepoints_note"))})
        return blocks

    # ...................................................................... self-sufficiency
    def ssr_section(self) -> dict[str, object]:
        data, t = self.data, self.t
        status = data.status.get("self_sufficiency")
        blocks: list[dict] = []
        if status is not None and not status.available:
            blocks.append({"note": self.missing(status)})
            return {"id": "self-sufficiency", "title": t("section.ssr"), "blocks": blocks}
        ss = data.self_sufficiency
        blocks.append({"paragraphs": [t("ssr.intro")]})
        names = {c: self.loc.commodity(c) for c in ss["commodity"].unique()}
        blocks.append({"figure": self.figure(
            fg.self_sufficiency_chart, t("fig.ssr.alt"),
            t("fig.ssr.caption", importer=self.importer_name()),
            self.sources("consumption", "suppliers"), table=ss, target=data.ssr_target,
            target_year=data.ssr_target_year, reported=data.ssr_reported, names=names)})
        blocks.append({"table": self.table("self_sufficiency", ss, [
            Col("commodity", "commodity", "commodity"), Col("year", "year", "year"),
            Col("equity_t", "equity_t", "tonnes"), Col("procured_t", "procured_t", "tonnes"),
            Col("recycling_t", "recycling_t", "tonnes"),
            Col("demand_t", "demand_t", "tonnes"), Col("ratio_procured", "ratio", "pct"),
            Col("ratio", "ratio_entitlement", "pct"),
            Col("reported_ratio", "reported_ratio", "pct"), Col("target", "target", "pct"),
            ], title=t("table.ssr"),
            note=t("table.ssr_note"))})
        if len(data.secured):
            secured = data.secured.assign(name=[self.loc.facility(f, n) for f, n in zip(
                data.secured["facility_id"], data.secured["name"], strict=True)])
            blocks.append({"table": self.table("secured_facilities", secured, [
                Col("name", "facility"), Col("commodity", "commodity", "commodity"),
                Col("stage", "stage", "stage"), Col("iso3", "country", "country"),
                Col("status", "status_facility", "status"),
                Col("output_t", "output_t", "tonnes"), Col("unit", "unit"),
                Col("secured_share", "secured_share", "pct"),
                Col("secured_t", "secured_t", "tonnes")],
                title=t("table.secured", importer=self.importer_name()),
                note=t("table.secured_note"))})
        return {"id": "self-sufficiency", "title": t("section.ssr"), "blocks": blocks}

    # ...................................................................... battery
    def battery_section(self) -> dict[str, object]:
        data, t, cat = self.data, self.t, self.cat
        bat = data.battery
        title = t("section.battery", gwh=cat.num(data.gwh))
        if bat is None or bat.empty:
            return {"id": "battery", "title": title, "blocks": [{"note": {
                "text": t("note.no_data"), "detail": "minerals/battery_*.csv"}}]}
        blocks: list[dict] = [{"paragraphs": [t("battery.intro", gwh=cat.num(data.gwh))]}]
        blocks.append({"figure": self.figure(
            fg.battery_coverage_chart, t("fig.battery.alt"),
            t("fig.battery.caption", gwh=cat.num(data.gwh), importer=self.importer_name()),
            self.sources("battery", "suppliers"), coverage=bat)})
        basis = bat.attrs.get("published_basis_gwh")
        blocks.append({"table": self.table("battery", bat, [
            Col("scenario", "scenario", "scenario"), Col("material", "material", "material"),
            Col("need_t", "need_t", "tonnes"), Col("secured_t", "secured_t", "tonnes"),
            Col("coverage", "coverage", "pct"),
            Col("published_need_t", "published_need_t", "tonnes")],
            title=t("table.battery", gwh=cat.num(data.gwh)),
            note=t("table.battery_note", basis=cat.num(basis)) if basis else "")})
        return {"id": "battery", "title": title, "blocks": blocks}

    # ...................................................................... scenarios
    def scenario_section(self) -> dict[str, object]:
        data, t, cat = self.data, self.t, self.cat
        status = data.status.get("scenarios")
        blocks: list[dict] = [{"paragraphs": [t("scenarios.intro")]}]
        if status is not None and not status.available:
            blocks.append({"note": self.missing(status)})
            return {"id": "scenarios", "title": t("section.scenarios"), "blocks": blocks}
        losses = [sc.table.assign(scenario_name=self.scenario_name(sc))
                  for sc in data.scenarios]
        if losses:
            from scrisk.report import interactive as iv

            frame = pd.concat(losses, ignore_index=True)
            frame = frame.loc[frame["loss_share"].fillna(0) > 0]
            if len(frame):
                frame = frame.assign(commodity_name=[self.loc.commodity(c)
                                                     for c in frame["commodity"]])
                spec = iv.bar_chart(frame, category="commodity_name", value="loss_share",
                                    chooser="scenario_name",
                                    chooser_label=t("exec.choose_scenario"),
                                    value_title=t("col.loss_all"),
                                    category_title=t("col.commodity"))
                first = frame.loc[frame["scenario_name"] == frame["scenario_name"].iloc[0]]
                blocks.append({"figure": self.figure(
                    fg.bar_chart, t("exec.losses_alt"),
                    t("exec.losses_caption", importer=self.importer_name()),
                    self.sources("trade", "production", "geo", "scrisk"), spec=spec,
                    values=pd.Series(first["loss_share"].to_numpy(float),
                                     index=first["commodity_name"]),
                    xlabel=t("col.loss_all"), title=first["scenario_name"].iloc[0])})
        subsections = []
        for k, sc in enumerate(data.scenarios, start=1):
            sub: list[dict] = []
            name = self.scenario_name(sc)
            text = [t("scenarios.file", file=sc.file, shocks=len(sc.shocks))]
            if self.scenario_description(sc):
                text.insert(0, self.scenario_description(sc))
            sub.append({"paragraphs": text})
            shocks = sc.shocks.assign(
                kind_text=[cat.get(f"shock.{k}", k) for k in sc.shocks["kind"]],
                target=[self.shock_target(r) for r in sc.shocks.itertuples(index=False)]
                if "country" in sc.shocks else sc.shocks["target"])
            sub.append({"table": self.table(f"scenario{k}_shocks", shocks, [
                Col("id", "shock"), Col("kind_text", "kind"), Col("target", "target_of"),
                Col("size", "size", "pct"), Col("probability", "probability", "pct")],
                title=t("table.shocks", name=name))})
            top = sc.table.loc[sc.table["loss_share"].fillna(0) >= 0.005]  # a visible loss
            if len(sc.losses) and len(top):
                keep = list(top.sort_values("mean_loss_share", ascending=False,
                                            kind="stable")["commodity"].head(5))
                frame = sc.losses.loc[sc.losses["commodity"].isin(keep)].copy()
                frame["label"] = [self.loc.commodity(v) for v in frame["commodity"]]
                sub.append({"figure": self.figure(
                    fg.loss_distribution_chart, t("fig.loss.alt"),
                    t("fig.loss.caption", importer=self.importer_name(),
                      draws=cat.num(data.params.get("draws")), name=name),
                    self.sources("trade", "production", "geo", "scrisk"),
                    losses=frame[["label", "loss"]])})
            sub.append({"table": self.table(f"scenario{k}_results", sc.table, [
                Col("commodity", "commodity", "commodity"), Col("stage", "stage", "stage"),
                Col("supply_t", "supply_t", "tonnes"), Col("unit", "unit"),
                Col("loss_share", "loss_all", "pct"),
                Col("mean_loss_share", "loss_mean", "pct"),
                Col("p95_loss_share", "loss_p95", "pct"),
                Col("prob_loss", "prob_loss", "pct")],
                title=t("table.scenario_results", name=name),
                note=t("table.scenario_note", draws=cat.num(data.params.get("draws")),
                       seed=data.params.get("seed")))})
            subsections.append({"id": f"scenario-{k}", "title": name, "blocks": sub})
        return {"id": "scenarios", "title": t("section.scenarios"), "blocks": blocks,
                "subsections": subsections}

    # ...................................................................... portfolio
    def portfolio_section(self) -> dict[str, object]:
        data, t, cat = self.data, self.t, self.cat
        blocks: list[dict] = [{"paragraphs": [t("portfolio.intro",
                                                budget=cat.num(data.params.get(
                                                    "budget_oku_yen")),
                                                year=data.params.get("target_year"))]}]
        if data.candidates is not None:
            cand = data.candidates
            if "illustrative" in self.ds.candidates and self.ds.candidates["illustrative"].any():
                blocks.append({"warning": t("portfolio.illustrative")})
            blocks.append({"table": self.table("candidates", cand.head(20), [
                Col("rank", "rank", "int"), Col("project_id", "project_id"),
                Col("name", "name"), Col("commodity", "commodity", "commodity"),
                Col("stage", "stage", "stage"), Col("iso3", "country", "country"),
                Col("secured_t", "secured_t", "tonnes"), Col("cost_oku_yen", "cost", "num"),
                Col("online_year", "online_year", "year"), Col("score", "score", "num1")],
                title=t("table.candidates"), note=t("table.candidates_note"))})
        else:
            blocks.append({"note": self.missing(data.status.get("candidates"))})
        result = data.portfolio
        if result is not None:
            selected = pd.DataFrame(result.selected)
            blocks.append({"table": self.table("portfolio", selected, [
                Col("project_id", "project_id"), Col("name", "name"),
                Col("commodity", "commodity", "commodity"), Col("iso3", "country", "country"),
                Col("stake", "stake", "pct"), Col("cost_oku_yen", "cost", "num"),
                Col("secured_t", "secured_t", "tonnes"),
                Col("online_year", "online_year", "year")],
                title=t("table.portfolio", spend=cat.num(result.spend_oku_yen),
                        budget=cat.num(data.params.get("budget_oku_yen"))))})
            targets = pd.DataFrame(result.targets).copy()
            for col in ("target", "baseline", "achieved"):
                if col in targets:
                    targets[col] = targets[col] / 100.0
            if "shortfall" in targets:
                targets["shortfall"] = targets["shortfall"] / 100.0
            targets["label_text"] = [self._target_label(n) for n in targets.get("name", [])]
            blocks.append({"table": self.table("portfolio_targets", targets, [
                Col("label_text", "target_name"), Col("baseline", "baseline", "pct"),
                Col("achieved", "achieved", "pct"), Col("target", "required", "pct"),
                Col("shortfall", "gap", "pp"), Col("met", "met", "bool")],
                title=t("table.portfolio_targets"))})
            blocks.append({"details": t("portfolio.solver"), "closed": True,
                           "table": self.table("portfolio_summary", result.summary, [
                               Col("measure", "measure"), Col("value", "value", "sig"),
                               Col("unit", "unit")], title=t("table.portfolio_summary"))})
        else:
            blocks.append({"note": self.missing(data.status.get("portfolio"))})
        frontier = data.frontier
        if frontier is not None and len(frontier):
            progress = [c for c in frontier.columns if c.startswith("progress:")]
            if progress:
                long = frontier.melt(id_vars=["budget_oku_yen"], value_vars=progress,
                                     var_name="target", value_name="progress")
                long["target"] = long["target"].str.removeprefix("progress:")
                labels = {n: self._target_label(n) for n in long["target"].unique()}
                blocks.append({"figure": self.figure(
                    fg.budget_frontier_chart, t("fig.frontier.alt"), t("fig.frontier.caption"),
                    self.sources("suppliers", "consumption", "scrisk"), frontier=long,
                    labels=labels)})
            cols = [Col("budget_oku_yen", "budget", "num"), Col("spend_oku_yen", "spend", "num")]
            cols += [Col(c, f"achieved_of:{c.removeprefix('achieved:')}", "num1")
                     for c in frontier.columns if c.startswith("achieved:")]
            cols += [Col("total_shortfall_pp", "total_shortfall", "num1"),
                     Col("mean_hhi", "mean_hhi", "sig"), Col("status", "status")]
            blocks.append({"table": self.table("frontier", frontier, cols,
                                               title=t("table.frontier"))})
        else:
            blocks.append({"note": self.missing(data.status.get("frontier"))})
        return {"id": "portfolio", "title": t("section.portfolio"), "blocks": blocks}

    def _target_label(self, name: str) -> str:
        return self.loc.target_label(name, self.data.gwh)

    # ...................................................................... provenance
    def provenance_section(self) -> dict[str, object]:
        data, t = self.data, self.t
        fam = data.provenance.assign(basis=[
            t(f"licence_basis.{b}") if b else "" for b in data.provenance["licence_basis"]])
        families = self.table("sources", fam, [
            Col("family", "publisher"), Col("year", "year", "year"),
            Col("licence", "licence"), Col("basis", "licence_basis"),
            Col("tables", "tables"), Col("citations", "citations", "int"),
            Col("rows", "rows", "int")], title=t("table.sources"),
            note=t("table.sources_note"))
        citations = self.table("citations", data.citations, [
            Col("table", "table"), Col("source", "citation"), Col("year", "year", "year"),
            Col("licence", "licence"), Col("rows", "rows", "int")],
            title=t("table.citations"))
        files = pd.DataFrame({"file": list(data.files)})
        file_table = self.table("files", files, [Col("file", "file")], title=t("table.files"))
        return {"id": "provenance", "title": t("section.provenance"), "blocks": [
            {"paragraphs": [t("provenance.intro", fingerprint=data.fingerprint),
                            t("provenance.methods"), t("provenance.font")]},
            {"table": families}, {"details": t("provenance.all_citations"),
                                  "table": citations},
            {"details": t("provenance.files"), "table": file_table}]}


# --------------------------------------------------------------------------- HTML


def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("scrisk.report", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined)


def font_face_css(text: str) -> str:
    """``@font-face`` rule embedding the IPAexGothic glyphs that ``text`` uses (WOFF subset).

    Returns an empty string when the text needs no glyph outside ASCII.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    chars = sorted({c for c in text if ord(c) > 0x7E and c.isprintable()})
    if not chars:
        return ""
    font = TTFont(str(fg.japanese_font_path()), recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(chars) + "".join(chr(i) for i in range(0x20, 0x7F)))
    subsetter.subset(font)
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer, reorderTables=True)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return ("@font-face { font-family: '" + FONT_FAMILY + "'; "
            "src: url(data:font/woff;base64," + encoded + ") format('woff'); "
            "font-weight: normal; font-style: normal; }")


def spec_json(spec: Mapping) -> str:
    """A chart specification as JSON that is safe inside ``<script type="application/json">``."""
    import json

    text = json.dumps(spec, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=_json_default)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _json_default(value):
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    raise TypeError(f"not JSON serialisable: {value!r}")


def render_html(data: ReportData, dataset: Dataset, lang: str = "en", interactive: bool = True
                ) -> tuple[str, list[Table], list[Figure]]:
    """The report as one HTML string, plus its tables (for Excel) and figures.

    Parameters
    ----------
    data : ReportData
        From :func:`scrisk.report.tables.report_data`.
    dataset : Dataset
        The dataset ``data`` was computed from (names, chokepoints).
    lang : {"en", "ja"}

    Returns
    -------
    (html, tables, figures)
    """
    builder = Builder(data, dataset, lang)
    builder.interactive = interactive
    context = builder.build()
    context["interactive_hint"] = builder.t("exec.interactive_hint")
    template = _environment().get_template("report.html.j2")
    draft = template.render(**context, font_css="", font_family=FONT_FAMILY, vega_bundle="")
    bundle = ""
    if any(f.spec for f in builder.figures):
        from scrisk.report.interactive import vega_bundle

        bundle = vega_bundle()
    html = template.render(**context, font_css=font_face_css(_visible_text(draft)),
                           font_family=FONT_FAMILY, vega_bundle=bundle)
    return html, builder.tables, builder.figures


def _visible_text(html: str) -> str:
    """Text of the page without the base64 payloads (enough to choose glyphs)."""
    import re

    return re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "", html)


# --------------------------------------------------------------------------- Excel


EXCEL_FORMATS = {"pct": "0.0%", "pp": "0.0%", "num": "#,##0", "num1": "#,##0.0",
                 "sig": "0.000", "int": "#,##0", "year": "0", "tonnes": "#,##0"}
FORMULA_STARTS = ("=", "+", "-", "@")
BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})
# tables that get a native Excel chart: key -> (category column, value columns)
CHARTS = {"targets": (0, (1, 3)), "headline": (0, (1,)), "top_risks": (1, (2,)),
          "battery": (1, (4,))}


def sheet_names(tables: Sequence[Table], lang: str) -> list[str]:
    """One sheet name per table (at most 31 characters, unique).

    English workbooks use the table keys (``headline``, ``targets``...), so that
    scripts can find a sheet; Japanese ones use the table titles.
    """
    names: list[str] = []
    for table in tables:
        base = table.key if lang == "en" or not table.title else table.title
        base = " ".join(base.translate(BAD_SHEET_CHARS).split()).strip("'")[:31] or table.key
        name, k = base, 2
        while name.lower() in {n.lower() for n in names}:
            suffix = f" ({k})" if lang != "en" else f"_{k}"
            name, k = base[:31 - len(suffix)] + suffix, k + 1
        names.append(name)
    return names


def write_xlsx(tables: Sequence[Table], path: str | os.PathLike, lang: str = "en",
               meta: Sequence[tuple[str, str]] = ()) -> Path:
    """Every table of the report in one workbook: a contents sheet, then one sheet per table.

    Numbers keep number formats (percentages, thousands separators), header
    rows are frozen, the contents sheet links to every sheet, the headline
    tables carry a native Excel chart, and text from data is never a formula
    (a leading ``= + - @`` is stored as text). Dates in the file are fixed so
    that the same report gives the same bytes.
    """
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cat = catalogue(lang)
    path = Path(path)
    names = sheet_names(tables, lang)
    contents_name = cat("xlsx.contents")[:31]
    contents = pd.DataFrame({cat("col.sheet"): names,
                             cat("col.title"): [t.title for t in tables],
                             cat("col.note"): [t.note for t in tables]})
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        start = 0
        if meta:
            pd.DataFrame(list(meta), columns=[cat("col.measure"), cat("col.value")]).to_excel(
                writer, sheet_name=contents_name, index=False)
            start = len(meta) + 2
        contents.to_excel(writer, sheet_name=contents_name, index=False, startrow=start)
        sheet = writer.sheets[contents_name]
        for row, name in enumerate(names, start=start + 2):
            cell = sheet.cell(row=row, column=1)
            cell.hyperlink = f"#'{name}'!A1"
            cell.font = Font(color="0563C1", underline="single")
        _fit_columns(sheet, contents)
        sheet.freeze_panes = f"A{start + 2}"
        for name, table in zip(names, tables, strict=True):
            table.frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            _fit_columns(sheet, table.frame)
            sheet.freeze_panes = "A2"
            for idx, kind in enumerate(table.kinds, start=1):
                fmt = EXCEL_FORMATS.get(kind)
                letter = get_column_letter(idx)
                for (cell,) in sheet[f"{letter}2:{letter}{len(table.frame) + 1}"] \
                        if len(table.frame) else ():
                    if fmt and isinstance(cell.value, int | float):
                        cell.number_format = fmt
                    elif isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                        cell.data_type = "s"  # text from data, never a formula
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
            key = table.key
            if key in CHARTS and len(table.frame):
                _add_chart(sheet, table, *CHARTS[key])
        book = writer.book
        book.properties.creator = "scrisk"
        book.properties.created = FIXED_DATE
        book.properties.modified = FIXED_DATE
        book.properties.lastModifiedBy = "scrisk"
    path.write_bytes(_fixed_zip(buffer.getvalue()))
    return path


def _fit_columns(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.utils import get_column_letter

    for idx, column in enumerate(frame.columns, start=1):
        texts = [str(column)] + [str(v) for v in frame[column].head(50)]
        width = max(sum(2 if ord(ch) > 0x2E80 else 1 for ch in t) for t in texts)
        sheet.column_dimensions[get_column_letter(idx)].width = min(60, max(8, width + 2))


def _add_chart(sheet, table: Table, category: int, values: tuple[int, ...]) -> None:
    """A native bar chart of a table's value columns against its first text column."""
    from openpyxl.chart import BarChart, Reference

    numeric = [v for v in values if v < len(table.kinds)
               and table.kinds[v] in EXCEL_FORMATS]
    if not numeric:
        return
    rows = len(table.frame)
    chart = BarChart()
    chart.type = "bar"
    chart.title = table.title[:80]
    chart.height = max(6.0, 0.6 * rows + 2)
    chart.width = 16
    for col in numeric:
        ref = Reference(sheet, min_col=col + 1, min_row=1, max_row=rows + 1)
        chart.add_data(ref, titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=category + 1, min_row=2, max_row=rows + 1))
    fmt = EXCEL_FORMATS[table.kinds[numeric[0]]]
    chart.y_axis.numFmt = fmt
    chart.y_axis.delete = False
    chart.x_axis.delete = False
    chart.legend.position = "b"
    from openpyxl.utils import get_column_letter

    sheet.add_chart(chart, f"{get_column_letter(len(table.frame.columns) + 2)}2")


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _fixed_zip(payload: bytes) -> bytes:
    """Rewrite a zip (xlsx) with fixed member dates, for identical bytes on every run."""
    import re

    source = zipfile.ZipFile(io.BytesIO(payload))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps 'modified' with now
                data = re.sub(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>",
                              rb"<dcterms:modified\1>2000-01-01T00:00:00Z</dcterms:modified>",
                              data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    return out.getvalue()


# --------------------------------------------------------------------------- all formats


@dataclass(frozen=True)
class ReportFiles:
    """Files written by :func:`write_report`."""

    html: Path
    pdf: Path | None = None
    xlsx: Path | None = None
    figures: int = 0
    tables: int = 0


def output_folder(out: str | os.PathLike) -> Path:
    """Create the output folder, or raise :class:`ReportError` with a readable reason."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"--out must be a folder, but {folder} is a file; "
                          "give a folder name, e.g. --out out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ReportError(f"cannot create the output folder {folder}: {err.strerror}; "
                          "choose another --out") from err
    if not os.access(folder, os.W_OK):
        raise ReportError(f"cannot write to the output folder {folder}; choose another --out")
    return folder


def write_report(dataset: Dataset, out: str | os.PathLike = "out", lang: str = "en", *,
                 data: ReportData | None = None, pdf: bool = False, xlsx: bool = False,
                 **options) -> ReportFiles:
    """Compute (unless ``data`` is given) and write the report in one language.

    Parameters
    ----------
    dataset : Dataset
    out : path-like
        Output folder (created if missing).
    lang : {"en", "ja"}
    data : ReportData, optional
        Precomputed numbers (reuse them to write both languages).
    pdf, xlsx : bool
        Also write a PDF (headless Chromium) and an Excel workbook.
    **options
        Passed to :func:`scrisk.report.tables.report_data` (``importer``,
        ``year``, ``commodities``, ``gwh``, ``seed``, ...).

    Returns
    -------
    ReportFiles

    Raises
    ------
    ReportError
        For an unusable output folder, or a PDF asked for without a browser.
    """
    catalogue(lang)
    folder = output_folder(out)
    if data is None:
        data = report_data(dataset, **options)
    html, tables, figs = render_html(data, dataset, lang)
    stem = FILENAME.format(importer=data.importer, year=data.year, lang=lang)
    html_path = folder / f"{stem}.html"
    html_path.write_text(html, encoding="utf-8")
    xlsx_path = pdf_path = None
    if xlsx:
        cat = catalogue(lang)
        meta = [(cat("meta.importer"), data.importer), (cat("meta.year"), str(data.year)),
                (cat("meta.fingerprint"), data.fingerprint),
                (cat("meta.version"), f"scrisk {__version__}")]
        xlsx_path = write_xlsx(tables, folder / f"{stem}.xlsx", lang, meta)
    if pdf:
        from scrisk.report.browser import BrowserError, print_pdf

        pdf_path = folder / f"{stem}.pdf"
        try:
            print_pdf(html_path, pdf_path)
        except BrowserError as err:
            raise ReportError(f"the PDF needs headless Chromium, Chrome or Edge: {err}. "
                              f"The HTML was written to {html_path}; open it and print it "
                              "from the browser instead.") from err
    return ReportFiles(html_path, pdf_path, xlsx_path, len(figs), len(tables))


def tables_by_key(tables: Sequence[Table]) -> Mapping[str, pd.DataFrame]:
    """Tables of a report by key (e.g. ``headline``, ``imports_cobalt_refining``)."""
    return {t.key: t.frame for t in tables}
