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
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk import __version__
from scrisk.data.load import Dataset
from scrisk.output_files import (
    OutputFiles,
    OutputFolderError,
    check_folder,
    neutralise_formulas,
    write_atomically,
)
from scrisk.report import figures as fg
from scrisk.report.i18n import Catalogue, catalogue
from scrisk.report.tables import (
    NO_CHOKEPOINT,
    UNATTRIBUTED,
    UNROUTED,
    ReportData,
    ReportError,
    SectionStatus,
    report_data,
)
from scrisk.threads import single_blas_thread

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
        # columns as lists: iterating a column of Arrow-backed text value by value is slow
        values = {c.column: frame[c.column].tolist() for c in cols}
        excel = pd.DataFrame({i: [self.value(c.kind, v) for v in values[c.column]]
                              for i, c in enumerate(book)}, index=range(len(frame)))
        excel.columns = _unique([self.header(c.header) for c in book])
        cells = [[self.cell(c.kind, v) for c, v in zip(page, row, strict=True)]
                 for row in zip(*(values[c.column] for c in page), strict=True)] \
            if page else [[] for _ in range(len(frame))]
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

    The figure is drawn once and cropped to what it drew plus ``pad`` inches
    (the box of its non-white pixels: what ``bbox_inches="tight"`` gives,
    without its second drawing pass and without measuring every text again;
    the report's charts leave wide blank margins for this, see
    :data:`scrisk.report.figures.MARGIN_IN`); the colours are reduced to a
    256-colour palette, which keeps the size of the HTML down and is lossless
    for flat-coloured charts.
    """
    import matplotlib
    from PIL import Image

    fig = ax.figure
    fig.set_dpi(dpi)
    # text from data is printed as written, never parsed as mathtext ("$", "^", "_"),
    # including tick labels made while drawing
    for text in _texts(fig):
        text.set_parse_math(False)
    with matplotlib.rc_context({"text.parse_math": False}):
        fig.canvas.draw()
    rgba = np.asarray(fig.canvas.buffer_rgba())
    fg.close(ax)
    if (rgba[..., 3] != 255).any():  # a transparent background: composite it on white
        weight = rgba[..., 3:4].astype(np.uint16)
        rgb = ((rgba[..., :3] * weight + 255 * (255 - weight) + 127) // 255).astype(np.uint8)
        rgba = np.concatenate([rgb, np.full_like(rgb[..., :1], 255)], axis=2)
    # the box of the pixels that are not white, one 32-bit comparison per pixel
    drawn = np.ascontiguousarray(rgba).view(np.uint32)[..., 0] != np.uint32(0xFFFFFFFF)
    rows = np.flatnonzero(drawn.any(axis=1))
    if len(rows):
        cols = np.flatnonzero(drawn[rows[0]:rows[-1] + 1].any(axis=0))
        margin = int(round(pad * dpi))
        height, width = drawn.shape
        rgba = rgba[max(0, rows[0] - margin):min(height, rows[-1] + 1 + margin),
                    max(0, cols[0] - margin):min(width, cols[-1] + 1 + margin)]
    rgb = rgba[..., :3]
    white = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    # the fast octree palette and zlib level 6: about 5x quicker than median cut with
    # optimize=True, files about as small, and lossless enough for flat-coloured charts
    small = white.quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                           dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG", compress_level=6)
    return out.getvalue()


def _texts(fig):
    """Every Text of ``fig``, without making the ticks an axis has not made yet.

    ``Figure.findobj`` asks each axis for its ticks, which creates them (a
    third of the time of a map, whose axes are hidden); ticks made later,
    while drawing, take ``text.parse_math`` from the rc context of the draw.
    """
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    stack = [fig]
    while stack:
        artist = stack.pop()
        if isinstance(artist, Text):
            yield artist
        if isinstance(artist, Axis):
            stack += [artist.label, artist.offsetText]
            for name in ("majorTicks", "minorTicks"):
                for tick in artist.__dict__.get(name, ()):  # only ticks already made
                    stack += [tick.label1, tick.label2]
            continue
        stack += artist.get_children()


def _draw_png(job: tuple[Callable[..., object], str, str, dict]) -> bytes:
    draw, lang, source, kwargs = job
    return figure_png(draw(lang=lang, source=source, **kwargs))


# charts that take longest to draw (maps: ~190 country outlines and placed labels), handed
# out first so that the workers finish together instead of one drawing a map at the end
SLOW_CHARTS = ("choropleth", "target_path_chart", "criticality_matrix", "flow_diagram")


class ChartDrawing:
    """Charts (and page fonts) made by a pool of forked workers while the pages are built.

    Each chart is independent, and drawing them is most of the time spent
    writing a report: with more than one CPU they go to forked worker
    processes (same code, same fonts, so the same bytes as drawing them one
    by one), each batch slowest kind first, as soon as a page has been built,
    so that the next page is built while they are drawn. A chart whose
    content hash is in the figure cache (:mod:`scrisk.report.figure_cache`)
    is taken from it. Without ``fork`` or with one CPU, everything is made in
    this process when :meth:`finish` is called.
    """

    def __init__(self, workers: int | None = None) -> None:
        import multiprocessing

        if workers is None:
            workers = min(2, os.cpu_count() or 1)
        self._pool = None
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            from concurrent.futures import ProcessPoolExecutor

            try:
                self._pool = ProcessPoolExecutor(max_workers=workers,
                                                 mp_context=multiprocessing.get_context("fork"))
            except (OSError, RuntimeError):  # no processes allowed here: draw in this one
                self._pool = None
        # (figure, cache key, PNG bytes or a job); a job is (future or None, fn, args)
        self._charts: list[tuple[Figure, str | None, object]] = []
        self._fonts: list[tuple] = []

    def _submit(self, fn: Callable, *args):
        """A future of ``fn(*args)`` in a worker, or ``None`` to make it here."""
        if self._pool is not None:
            try:
                return self._pool.submit(fn, *args)
            except (OSError, RuntimeError):  # a broken pool: the rest is made here
                self._pool = None
        return None

    def _start(self, fn: Callable, *args) -> tuple:
        return (self._submit(fn, *args), fn, args)

    @staticmethod
    def _result(job: tuple):
        future, fn, args = job
        if future is not None:
            try:
                return future.result()
            except (OSError, RuntimeError):  # a worker died: made here instead
                pass
        return fn(*args)

    def font(self, text: str) -> None:
        """Make the embedded font of a page text (:func:`font_face_css`)."""
        self._fonts.append(self._start(font_face_css, text))

    def figures(self, pending: Sequence[tuple[Figure, Callable[..., object], dict]],
                lang: str | Sequence[str]) -> None:
        """Draw pending charts (one language, or one per chart), slowest kinds first."""
        from scrisk.report import figure_cache

        langs = [lang] * len(pending) if isinstance(lang, str) else list(lang)
        jobs = [(draw, code, fig.source, kwargs)
                for (fig, draw, kwargs), code in zip(pending, langs, strict=True)]
        order = sorted(range(len(jobs)), key=lambda i: getattr(jobs[i][0], "__name__", "")
                       not in SLOW_CHARTS)  # stable: slow kinds first, else page order
        for i in order:
            key = figure_cache.figure_key(*jobs[i])
            png = figure_cache.load(key)
            self._charts.append((pending[i][0], key, png if png is not None
                                 else self._start(_draw_png, jobs[i])))

    def finish(self) -> list[str]:
        """Wait for everything; fill each Figure's PNG and URI; the fonts' CSS in order."""
        from scrisk.report import figure_cache

        try:
            css = [self._result(job) for job in self._fonts]
            for fig, key, job in self._charts:
                png = job if isinstance(job, bytes) else self._result(job)
                if not isinstance(job, bytes):
                    figure_cache.store(key, png)
                fig.png = png
                fig.uri = data_uri(png)
        finally:
            self.close()
        return css

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _draw_png(job: tuple[Callable[..., object], str, str, dict]) -> bytes:
    draw, lang, source, kwargs = job
    return figure_png(draw(lang=lang, source=source, **kwargs))


@single_blas_thread()
def draw_figures(pending: Sequence[tuple[Figure, Callable[..., object], dict]],
                 lang: str | Sequence[str], workers: int | None = None,
                 fonts: Sequence[str] = ()) -> list[str]:
    """Draw every pending chart into its :class:`Figure` (PNG and data URI).

    ``lang`` is the language of every chart, or one language per chart. See
    :class:`ChartDrawing`: in forked workers where possible, cached charts
    taken from the figure cache. ``fonts`` are page texts whose embedded font
    (:func:`font_face_css`) the same workers make; their CSS is returned in
    the same order.
    """
    drawing = ChartDrawing(workers)
    for text in fonts:
        drawing.font(text)
    drawing.figures(pending, lang)
    return drawing.finish()


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


def section_builders():
    """The report's sections in page order: (key, condition, builder function).

    Each builder lives in its own module of :mod:`scrisk.report.sections` and takes the
    :class:`Builder`; adding a section means a module, a line here and its catalogue keys.
    """
    from scrisk.report.sections import (
        battery,
        commodities,
        company,
        midstream,
        overview,
        portfolio,
        provenance,
        restrictions,
        scenarios,
        self_sufficiency,
        summary,
    )

    return (
        ("summary", lambda w, d: "summary" in w, summary.summary_section),
        ("overview", lambda w, d: "summary" in w, overview.overview_section),
        ("commodities", lambda w, d: "commodities" in w and bool(d.details),
         commodities.commodity_section),
        ("self_sufficiency", lambda w, d: "self_sufficiency" in w, self_sufficiency.ssr_section),
        ("battery", lambda w, d: "battery" in w, battery.battery_section),
        ("midstream", lambda w, d: "battery" in w and d.midstream is not None,
         midstream.midstream_section),
        ("restrictions", lambda w, d: "restrictions" in w, restrictions.restrictions_section),
        ("scenarios", lambda w, d: "scenarios" in w, scenarios.scenario_section),
        ("portfolio", lambda w, d: "portfolio" in w, portfolio.portfolio_section),
        ("company", lambda w, d: getattr(d, "company", None) is not None,
         company.company_section),
        ("appendix", lambda w, d: "summary" in w and bool(d.appendix),
         overview.appendix_section),
        ("provenance", lambda w, d: "provenance" in w, provenance.provenance_section),
    )


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
        self.pending: list[tuple[Figure, Callable[..., object], dict]] = []
        # where each chart is sent to be drawn as soon as it is made (render_reports)
        self.drawing: ChartDrawing | None = None

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
        fig = Figure("", alt, caption, sources, b"",
                     spec_json(spec) if spec is not None and self.interactive else "")
        # drawn later, all at once (draw_figures), or now by the drawing workers while the
        # rest of the page is built (render_reports)
        self.pending.append((fig, draw, kwargs))
        if self.drawing is not None:
            self.drawing.figures([(fig, draw, kwargs)], self.lang)
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
        wanted = data.params.get("sections", ())
        sections = []
        for _key, needs, build in section_builders():
            if needs(wanted, data):
                sections.append(build(self))
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

# --------------------------------------------------------------------------- HTML


@cache
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
    """A chart specification as JSON that is safe inside ``<script type="application/json">``.

    The chart's text uses the page's font stack (the embedded Japanese subset first), so
    that Japanese labels render on a machine without Japanese fonts.
    """
    import json

    font = f"'{FONT_FAMILY}', 'Hiragino Sans', 'Noto Sans CJK JP', 'Yu Gothic', sans-serif"
    spec = {**spec, "config": {**spec.get("config", {}), "font": font}}
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
    return render_reports(data, dataset, (lang,), interactive)[lang]


def render_reports(data: ReportData, dataset: Dataset, langs: Sequence[str],
                   interactive: bool = True) -> dict[str, tuple[str, list[Table], list[Figure]]]:
    """:func:`render_html` for several languages, their charts drawn together.

    The same numbers in every language; the charts and font subsets of all
    languages go to one pool of workers (:class:`ChartDrawing`), each chart as
    soon as the page's builder makes it, which keeps both CPUs busy to the end.
    """
    builders = {}
    with single_blas_thread():
        drawing = ChartDrawing()
        try:
            for lang in dict.fromkeys(langs):
                builder = Builder(data, dataset, lang)
                builder.interactive = interactive
                builder.drawing = drawing  # each chart is drawn while the page is built
                context = builder.build()
                builders[lang] = (builder, context)
                # the page's text is known before its charts are drawn: its font subset
                # is made by the workers too
                drawing.font(_visible_text(_render(builder, context)))
            fonts = drawing.finish()
        finally:
            drawing.close()
    return {lang: (_render(builder, context, font_css, final=True), builder.tables,
                   builder.figures)
            for (lang, (builder, context)), font_css in zip(builders.items(), fonts,
                                                               strict=True)}


def _render(builder: Builder, context: dict, font_css: str = "", final: bool = False) -> str:
    """The HTML of a built report; a draft (no font, no chart script) unless ``final``."""
    context["interactive_hint"] = builder.t("exec.interactive_hint")
    template = _environment().get_template("report.html.j2")
    bundle = ""
    if final and any(f.spec for f in builder.figures):
        from scrisk.report.interactive import vega_bundle

        bundle = vega_bundle()
    return template.render(**context, font_css=font_css, font_family=FONT_FAMILY,
                           vega_bundle=bundle)


def _visible_text(html: str) -> str:
    """Text of the page without the base64 payloads (enough to choose glyphs)."""
    import re

    return re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "", html)


# --------------------------------------------------------------------------- Excel


EXCEL_FORMATS = {"pct": "0.0%", "pp": "0.0%", "num": "#,##0", "num1": "#,##0.0",
                 "sig": "0.000", "int": "#,##0", "year": "0", "tonnes": "#,##0"}
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
    tables carry a native Excel chart, and text is never a formula on any
    sheet (text starting with ``= + - @``, a tab or a carriage return is
    stored as text with Excel's quote prefix; see
    :func:`scrisk.output_files.neutralise_formulas`). Dates in the file are
    fixed so that the same report gives the same bytes. The file is written
    under a temporary name and renamed.
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
                        if len(table.frame) and fmt else ():
                    if isinstance(cell.value, int | float):
                        cell.number_format = fmt
            key = table.key
            if key in CHARTS and len(table.frame):
                _add_chart(sheet, table, *CHARTS[key])
        book = writer.book
        neutralise_formulas(book)  # every sheet, titles and headers too: text stays text
        book.properties.creator = "scrisk"
        book.properties.created = FIXED_DATE
        book.properties.modified = FIXED_DATE
        book.properties.lastModifiedBy = "scrisk"
    payload = _fixed_zip(buffer.getvalue())
    return write_atomically(path, lambda tmp: tmp.write_bytes(payload))


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
    """Check that the output folder can be created and written, creating nothing.

    The folder is created when the report is written (and removed again if
    writing fails, when the report created it).

    Raises
    ------
    ReportError
        With a readable reason and what to do.
    """
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ReportError(f"--out must be a folder, but {folder} is a file; "
                          "give a folder name, e.g. --out out")
    try:
        return check_folder(folder)
    except OutputFolderError as err:
        raise ReportError(str(err)) from err


def write_report(dataset: Dataset, out: str | os.PathLike = "out", lang: str = "en", *,
                 data: ReportData | None = None, pdf: bool = False, xlsx: bool = False,
                 files: OutputFiles | None = None,
                 rendered: tuple[str, list[Table], list[Figure]] | None = None,
                 **options) -> ReportFiles:
    """Compute (unless ``data`` is given) and write the report in one language.

    All or nothing: the HTML, PDF and workbook are written under temporary
    names and renamed when every one is done; on a failure none is left
    and a folder created for them is removed (see
    :class:`scrisk.output_files.OutputFiles`). Existing files of the same
    names are replaced.

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
    files : OutputFiles, optional
        A transaction shared with other outputs (e.g. both languages): the
        files are renamed when it ends instead of when this call returns.
    rendered : (html, tables, figures), optional
        The page already rendered from ``data`` (:func:`render_reports`).
    **options
        Passed to :func:`scrisk.report.tables.report_data` (``importer``,
        ``year``, ``commodities``, ``gwh``, ``seed``, ...).

    Returns
    -------
    ReportFiles

    Raises
    ------
    ReportError
        For an unusable output folder, or a PDF asked for without a browser
        (checked before anything is computed or written).
    """
    catalogue(lang)
    folder = output_folder(out)
    if pdf:
        check_pdf_browser()
    if files is None:
        with OutputFiles() as own:
            return write_report(dataset, folder, lang, data=data, pdf=pdf, xlsx=xlsx,
                                files=own, rendered=rendered, **options)
    if data is None:
        data = report_data(dataset, **options)
    html, tables, figs = rendered if rendered is not None else render_html(data, dataset, lang)
    stem = FILENAME.format(importer=data.importer, year=data.year, lang=lang)
    files.make_folder(folder)
    html_path = folder / f"{stem}.html"
    html_tmp = files.temporary(html_path)
    html_tmp.write_text(html, encoding="utf-8")
    xlsx_path = pdf_path = None
    if xlsx:
        cat = catalogue(lang)
        meta = [(cat("meta.importer"), data.importer), (cat("meta.year"), str(data.year)),
                (cat("meta.fingerprint"), data.fingerprint),
                (cat("meta.version"), f"scrisk {__version__}")]
        xlsx_path = folder / f"{stem}.xlsx"
        write_xlsx(tables, files.temporary(xlsx_path), lang, meta)
    if pdf:
        from scrisk.report.browser import BrowserError, print_pdf

        pdf_path = folder / f"{stem}.pdf"
        pdf_tmp = files.temporary(pdf_path)
        try:
            print_pdf(html_tmp, pdf_tmp)
        except BrowserError as err:
            raise ReportError(f"printing the PDF with headless Chromium, Chrome or Edge "
                              f"failed: {err}. Nothing was written; run without --pdf and "
                              "print the HTML from a browser instead.") from err
    return ReportFiles(html_path, pdf_path, xlsx_path, len(figs), len(tables))


def write_reports(dataset: Dataset, out: str | os.PathLike, langs: Sequence[str], *,
                  data: ReportData, pdf: bool = False, xlsx: bool = False,
                  files: OutputFiles | None = None) -> list[ReportFiles]:
    """:func:`write_report` in several languages from one computation, charts drawn together.

    All or nothing across the languages when ``files`` is shared (the CLI
    does this): every file appears at the end, or none.
    """
    if files is None:
        with OutputFiles() as own:
            return write_reports(dataset, out, langs, data=data, pdf=pdf, xlsx=xlsx, files=own)
    for lang in langs:
        catalogue(lang)
    output_folder(out)
    if pdf:
        check_pdf_browser()
    pages = render_reports(data, dataset, langs)
    return [write_report(dataset, out, lang, data=data, pdf=pdf, xlsx=xlsx, files=files,
                         rendered=pages[lang]) for lang in dict.fromkeys(langs)]


def check_pdf_browser() -> None:
    """Fail before any work when a PDF is asked for and no browser can print it."""
    from scrisk.report.browser import find_browser

    if find_browser() is None:
        raise ReportError("the PDF needs headless Chromium, Chrome or Edge, and none was "
                          "found (set SCRISK_CHROMIUM to its path); run without --pdf and "
                          "print the HTML from a browser instead. Nothing was written.")


def tables_by_key(tables: Sequence[Table]) -> Mapping[str, pd.DataFrame]:
    """Tables of a report by key (e.g. ``headline``, ``imports_cobalt_refining``)."""
    return {t.key: t.frame for t in tables}
