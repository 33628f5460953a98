"""Charts of the report: each takes tidy data and ``ax=None`` and returns the Axes.

Every label comes from the report catalogue (:mod:`scrisk.report.i18n`) in
the language given by ``lang``; Japanese text uses IPAexGothic, shipped by
the ``matplotlib-fontja`` package and registered with matplotlib's font
manager on first use (no system font needed). Colours are the Okabe-Ito
palette, which stays distinguishable under the common colour-vision
deficiencies; a grey stands for "other". Each chart can print its sources
under the axes (``source=...``).

Examples
--------
>>> import pandas as pd
>>> shares = pd.DataFrame({"stage": ["mining", "mining", "refining"],
...                        "iso3": ["COD", "IDN", "CHN"], "share": [0.7, 0.1, 0.8]})
>>> ax = stage_shares_chart(shares, lang="en")
>>> ax.get_xlabel()
'Share of world production (%)'
>>> close(ax)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.report.i18n import catalogue

# Okabe & Ito (2008), "Color Universal Design": distinguishable by people with
# protanopia, deuteranopia and tritanopia. Black is kept for reference lines.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442")
OTHER_COLOUR = "#BBBBBB"
REFERENCE_COLOUR = "#000000"
SEQUENTIAL_CMAP = "cividis_r"  # perceptually uniform and colour-vision-deficiency safe
JAPANESE_FONT = "IPAexGothic"
LATIN_FONT = "DejaVu Sans"
OTHER = "other"


# --------------------------------------------------------------------------- style


def japanese_font_path() -> Path:
    """Path of IPAexGothic inside the ``matplotlib-fontja`` package (found offline).

    Raises
    ------
    ImportError
        With an install hint when the package is missing.
    """
    spec = find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("Japanese text in charts needs the matplotlib-fontja package: "
                          "pip install matplotlib-fontja")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise ImportError(f"matplotlib-fontja is installed but {path} is missing; "
                          "reinstall it: pip install --force-reinstall matplotlib-fontja")
    return path


@cache
def register_fonts() -> str:
    """Register IPAexGothic with matplotlib's font manager; return its family name.

    Unlike ``import matplotlib_fontja``, this changes no global rcParams.
    """
    import logging

    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(japanese_font_path()))
    # IPAexGothic has one weight: bold Latin text with it as fallback logs a harmless
    # "Failed to find font weight bold for IPAexGothic" on every lookup; drop just that.
    logging.getLogger("matplotlib.font_manager").addFilter(_NoBoldWarning())
    return JAPANESE_FONT


class _NoBoldWarning:
    """Logging filter dropping matplotlib's missing-weight notice for IPAexGothic only."""

    def filter(self, record) -> bool:
        message = record.getMessage()
        return not ("Failed to find font weight" in message and JAPANESE_FONT in message)


def bold(lang: str) -> str:
    """Font weight for emphasis: IPAexGothic has no bold face, so Japanese stays regular."""
    return "normal" if lang == "ja" else "bold"


def style(lang: str = "en") -> dict[str, object]:
    """rcParams of the report's charts for ``lang``.

    Japanese charts use IPAexGothic first; English charts use DejaVu Sans
    and fall back to IPAexGothic for the odd Japanese name in a source.
    """
    from cycler import cycler

    catalogue(lang)  # validates lang
    families = [register_fonts(), LATIN_FONT] if lang == "ja" else [LATIN_FONT,
                                                                    register_fonts()]
    return {
        # concrete names, not the generic "sans-serif": a Text keeps its family list and
        # resolves it at draw time, which may happen after this style is no longer active
        "font.family": families,
        "font.size": 9.0,
        "axes.titlesize": 10.5,
        "axes.titleweight": bold(lang),
        "axes.labelsize": 9.0,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
        "legend.fontsize": 8.0,
        "legend.frameon": False,
        "xtick.labelsize": 8.0,
        "ytick.labelsize": 8.0,
        "figure.dpi": 100,
        "savefig.dpi": 110,
        "svg.hashsalt": "scrisk",
        "pdf.fonttype": 42,
        "path.simplify": True,
        # text comes from data (country, company and source names): a "$" or "_" in it is
        # printed as written, never read as mathtext (which could fail to parse)
        "text.parse_math": False,
    }


@contextlib.contextmanager
def report_style(lang: str = "en") -> Iterator[None]:
    """Context manager applying :func:`style` (fonts, palette, sizes)."""
    import matplotlib

    with matplotlib.rc_context(style(lang)):
        yield


# Room around the plot area for tick labels, a legend beside it, the title and the source
# note. Charts are laid out once, by these fixed margins, instead of by a layout engine
# that measures every text on each pass; the PNG is then cropped to what was drawn
# (render.figure_png), so room left unused costs only blank pixels.
MARGIN_IN = {"left": 3.4, "right": 3.6, "bottom": 1.7, "top": 0.8}
# The plot area is the chart's nominal size less the room its labels take beside it,
# in inches (width, height), chosen so that the cropped PNG keeps about the nominal size:
# "legend" for a legend right of the plot, "plain" for axis labels only, "bare" for a
# chart without axes (flow diagram, map).
PLOT_INSET_IN = {"legend": (2.9, 0.75), "plain": (1.8, 0.6), "bare": (0.25, 0.3)}


def _axes(ax, figsize: tuple[float, float], room: str = "legend"):
    """``ax``, or new Axes whose plot area is ``figsize`` less ``PLOT_INSET_IN[room]``."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    inset_w, inset_h = PLOT_INSET_IN[room]
    width = max(1.0, figsize[0] - inset_w)
    height = max(0.25, figsize[1] - inset_h)
    fig_w = width + MARGIN_IN["left"] + MARGIN_IN["right"]
    fig_h = height + MARGIN_IN["bottom"] + MARGIN_IN["top"]
    fig = plt.figure(figsize=(fig_w, fig_h))
    return fig.add_axes((MARGIN_IN["left"] / fig_w, MARGIN_IN["bottom"] / fig_h,
                         width / fig_w, height / fig_h))


def close(ax) -> None:
    """Close the figure of ``ax`` (free its memory when it was made by pyplot)."""
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


SOURCE_FONT_SIZE = 6.5


def add_source(ax, text: str | None, lang: str = "en") -> None:
    """Print ``Source: ...`` under the axes (below the x-axis label), wrapped to their width."""
    if not text:
        return
    label = catalogue(lang)("fig.source", source=text)
    box = ax.get_position()
    width_pt = 72.0 * box.width * ax.figure.get_figwidth()
    ax.annotate(wrap_text(label, width_pt / SOURCE_FONT_SIZE), xy=(0, 0),
                xycoords=("axes fraction", ax.xaxis.label), xytext=(0, -6),
                textcoords="offset points", ha="left", va="top", fontsize=SOURCE_FONT_SIZE,
                color="#444444", annotation_clip=False, parse_math=False)


def wrap_text(text: str, width_em: float) -> str:
    """``text`` broken into lines of at most ``width_em`` em (font sizes), at spaces.

    Widths are estimated, never measured: a full-width character (Japanese)
    counts 1 em, any other 0.6 em, a little more than the average of the
    report's Latin font, so that a line never runs past its width. Full-width
    text may break between any two characters; a word longer than a line
    keeps a line of its own.

    Examples
    --------
    >>> print(wrap_text("Source: USGS Mineral Commodity Summaries 2024", 12))
    Source: USGS Mineral
    Commodity Summaries
    2024
    >>> wrap_text("出典：経済産業省", 4).splitlines()
    ['出典：経', '済産業省']
    """
    import re
    import unicodedata

    def width(token: str) -> float:
        return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in token)

    # words of narrow characters, single full-width characters, and the spaces between
    tokens = re.findall(r"\s+|[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3"
                        r"\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|\S", text)
    lines, line, used = [], "", 0.0
    for token in tokens:
        if token.isspace():
            if line:
                line, used = line + " ", used + 0.6
            continue
        size = width(token)
        if line.strip() and used + size > width_em:
            lines.append(line.rstrip())
            line, used = "", 0.0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(lines)


_LEGEND_RIGHT = {"loc": "center left", "bbox_to_anchor": (1.01, 0.5)}
_GRID_COLOUR = {"both": "#eeeeee", "x": "#dddddd", "y": "#dddddd"}


def _finish(ax, title: str | None, source: str | None, lang: str, *,
            legend: Mapping[str, object] | None = None, grid: str | None = None) -> None:
    """The common ending of a chart: title, legend, grid and source note, in that order.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    title, source : str, optional
        Title (left-aligned) and source note; nothing is drawn for an empty one.
    lang : {"en", "ja"}
    legend : mapping, optional
        Keyword arguments of ``ax.legend`` (no legend when ``None``).
    grid : {"x", "y", "both"}, optional
        Axis of the grid lines (none when ``None``); a full grid is drawn lighter.
    """
    if title:
        ax.set_title(title, loc="left")
    if legend is not None:
        ax.legend(**legend)
    if grid is not None:
        ax.grid(axis=grid, color=_GRID_COLOUR[grid], linewidth=0.6)
    add_source(ax, source, lang)


# candidate label positions around a point: offset in points and alignment, nearest first
LABEL_SPOTS = tuple((dx * k, dy * k, ha, va) for k in (1, 2.5) for dx, dy, ha, va in (
    (4, 2, "left", "bottom"), (4, -3, "left", "top"), (-4, 2, "right", "bottom"),
    (-4, -3, "right", "top"), (0, 5, "center", "bottom"), (0, -6, "center", "top")))


def place_labels(ax, labels, x, y, *, fontsize: float = 5.5, force: bool = False) -> None:
    """Name each point at the first spot around it where its label overlaps no other label.

    Labels are placed greedily (:data:`LABEL_SPOTS`, nearest first). A point
    with no free spot keeps its marker unnamed, or with ``force`` gets its
    label at the nearest spot anyway (a chart whose every point must be named).
    Each label is measured once; its box at every spot follows from its size
    and alignment (unrotated text), so trying a spot draws nothing.
    """
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()
    to_pixels = ax.transData
    per_point = ax.figure.dpi / 72.0
    placed: list[Bbox] = []
    for label, px, py in zip(labels, x, y, strict=True):
        width, height = _label_size(ax, renderer, label, fontsize)
        anchor_x, anchor_y = to_pixels.transform((px, py))
        chosen = None
        for spot in LABEL_SPOTS:
            dx, dy, ha, va = spot
            left = anchor_x + dx * per_point - width * {"left": 0.0, "center": 0.5,
                                                          "right": 1.0}[ha]
            bottom = anchor_y + dy * per_point - height * {"bottom": 0.0, "center": 0.5,
                                                             "top": 1.0}[va]
            box = Bbox.from_bounds(left, bottom, width, height).padded(1.0)
            if not any(box.overlaps(other) for other in placed):
                chosen = spot
                placed.append(box)
                break
        if chosen is None and force:
            chosen = LABEL_SPOTS[0]
            dx, dy, _, _ = chosen
            placed.append(Bbox.from_bounds(anchor_x + dx * per_point,
                                           anchor_y + dy * per_point, width, height))
        if chosen is not None:
            dx, dy, ha, va = chosen
            ax.annotate(label, (px, py), xytext=(dx, dy), textcoords="offset points",
                        fontsize=fontsize, color="#222222", zorder=6, ha=ha, va=va,
                        annotation_clip=False)


# label sizes in pixels by (text, font size, font families, dpi): every map of a report
# names the same chokepoints
_LABEL_SIZES: dict[tuple, tuple[float, float]] = {}


def _label_size(ax, renderer, label: str, fontsize: float) -> tuple[float, float]:
    import matplotlib

    key = (label, fontsize, tuple(matplotlib.rcParams["font.family"]), ax.figure.dpi)
    if key not in _LABEL_SIZES:
        if len(_LABEL_SIZES) > 4096:
            _LABEL_SIZES.clear()
        probe = ax.text(0, 0, label, fontsize=fontsize)
        box = probe.get_window_extent(renderer)
        probe.remove()
        _LABEL_SIZES[key] = (box.width, box.height)
    return _LABEL_SIZES[key]


def _name(names: Mapping[str, str] | None, code: str, lang: str) -> str:
    if code == OTHER:
        return catalogue(lang)("label.other")
    if names is not None and code in names:
        return str(names[code])
    return str(code)


def top_with_other(values: pd.Series, top: int) -> pd.Series:
    """The ``top`` largest entries and the rest summed as ``other``.

    Examples
    --------
    >>> top_with_other(pd.Series({"A": 0.5, "B": 0.3, "C": 0.2}), 2).to_dict()
    {'A': 0.5, 'B': 0.3, 'other': 0.2}
    """
    ordered = values[values > 0].sort_values(ascending=False, kind="stable")
    head = ordered.iloc[:top]
    rest = float(ordered.iloc[top:].sum())
    if rest > 0:
        head = pd.concat([head, pd.Series({OTHER: rest})])
    return head


# --------------------------------------------------------------------------- charts


def stage_shares_chart(shares: pd.DataFrame, ax=None, *, lang: str = "en",
                       names: Mapping[str, str] | None = None, title: str | None = None,
                       source: str | None = None, top: int = 6):
    """Stacked horizontal bars of country shares, one bar per supply-chain stage.

    Parameters
    ----------
    shares : pandas.DataFrame
        ``stage, iso3, share`` (fractions of world production of the stage).
        Aggregates such as ``ROW`` and any unreported remainder go into
        "other".
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "ja"}
    names : mapping, optional
        ISO3 -> country name shown (e.g. from ``Dataset.country_name``).
    title, source : str, optional
    top : int
        Countries shown by name (the largest over both stages); the rest are "other".

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    stages = [s for s in ("mining", "refining") if s in set(shares["stage"])]
    with report_style(lang):
        ax = _axes(ax, (7.2, 1.5 + 0.75 * max(1, len(stages))))
        pivot = shares.pivot_table(index="iso3", columns="stage", values="share",
                                   aggfunc="sum", fill_value=0.0)
        pivot = pivot.drop(index=[c for c in ("ROW",) if c in pivot.index])
        ranking = pivot.max(axis=1).sort_values(ascending=False, kind="stable")
        named = list(ranking.index[:top])
        colours = {c: OKABE_ITO[i % len(OKABE_ITO)] for i, c in enumerate(named)}
        for row, stage in enumerate(stages):
            left = 0.0
            col = pivot[stage] if stage in pivot else pd.Series(dtype=float)
            for code in named:
                value = float(col.get(code, 0.0))
                if value <= 0:
                    continue
                ax.barh(row, 100 * value, left=100 * left, color=colours[code],
                        edgecolor="white", linewidth=0.6,
                        label=_name(names, code, lang) if row == _first_row(pivot, stages, code)
                        else None)
                if value >= 0.07:
                    ax.text(100 * (left + value / 2), row, f"{100 * value:.0f}",
                            ha="center", va="center", fontsize=7.5,
                            color=_text_colour(colours[code]))
                left += value
            rest = max(0.0, 1.0 - left)
            if rest > 1e-9:
                ax.barh(row, 100 * rest, left=100 * left, color=OTHER_COLOUR,
                        edgecolor="white", linewidth=0.6,
                        label=cat("label.other_or_unreported") if row == 0 else None)
        ax.set_yticks(range(len(stages)), [cat(f"stage.{s}") for s in stages])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(cat("fig.share_axis"))
        _finish(ax, title, source, lang, legend={**_LEGEND_RIGHT, "ncols": 1})
    return ax


def _first_row(pivot: pd.DataFrame, stages: Sequence[str], code: str) -> int:
    for row, stage in enumerate(stages):
        if stage in pivot and float(pivot.at[code, stage]) > 0:
            return row
    return -1


def _text_colour(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def risk_trend_chart(trend: pd.DataFrame, ax=None, *, lang: str = "en",
                     title: str | None = None, source: str | None = None):
    """HHI of world mine production, import risk and GeoPolRisk score over the years.

    Parameters
    ----------
    trend : pandas.DataFrame
        ``year, hhi, import_risk, score`` (one importer and commodity), as
        returned by :func:`scrisk.metrics.geopolrisk.geopolrisk_table`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (6.4, 3.0))
        data = trend.sort_values("year")
        markers = {"hhi": "o", "import_risk": "s", "score": "D"}
        for i, column in enumerate(("hhi", "import_risk", "score")):
            if column in data:
                ax.plot(data["year"], data[column], marker=markers[column], markersize=4,
                        color=OKABE_ITO[i], label=cat(f"fig.trend.{column}"))
        ax.set_xlabel(cat("fig.year"))
        ax.set_ylabel(cat("fig.trend.axis"))
        ax.set_xticks(sorted(int(y) for y in data["year"].unique()))
        top = float(np.nanmax(data[["hhi", "import_risk"]].to_numpy())) if len(data) else 1.0
        ax.set_ylim(0, max(0.05, min(1.0, top * 1.15)))
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="y")
    return ax


def criticality_matrix(frame: pd.DataFrame, ax=None, *, lang: str = "en",
                       names: Mapping[str, str] | None = None, title: str | None = None,
                       source: str | None = None, threshold: float | None = 1.0):
    """Supply risk against economic importance, one labelled point per commodity.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``commodity, economic_importance`` (0..10), ``supply_risk`` (EU
        criticality method) and optionally ``group`` (coloured), as returned by
        :func:`scrisk.metrics.criticality.criticality`.
    names : mapping, optional
        Commodity slug -> name shown.
    threshold : float, optional
        Supply-risk threshold drawn as a dashed line (the EU's 1.0).

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 4.6))
        data = frame.loc[frame["supply_risk"].notna() & frame["economic_importance"].notna()]
        groups = sorted(data["group"].dropna().unique()) if "group" in data else [None]
        for i, group in enumerate(groups):
            part = data if group is None else data.loc[data["group"] == group]
            ax.scatter(part["economic_importance"], part["supply_risk"], s=36,
                       color=OKABE_ITO[i % len(OKABE_ITO)], edgecolor="black", linewidth=0.4,
                       label=cat(f"group.{group}") if group is not None else None, zorder=3)
        if threshold is not None:
            ax.axhline(threshold, color=REFERENCE_COLOUR, linestyle="--", linewidth=0.9,
                       label=cat("fig.criticality.threshold", value=f"{threshold:g}"))
        ax.set_xlim(-0.3, 10.8)
        ax.set_ylim(bottom=0)
        place_labels(ax, [_name(names, c, lang) for c in data["commodity"]],
                     data["economic_importance"].to_numpy(float),
                     data["supply_risk"].to_numpy(float), fontsize=7, force=True)
        ax.set_xlabel(cat("fig.criticality.x"))
        ax.set_ylabel(cat("fig.criticality.y"))
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="both")
    return ax


def self_sufficiency_chart(table: pd.DataFrame, ax=None, *, lang: str = "en",
                           target: float | None = None, target_year: int | None = None,
                           reported: pd.DataFrame | None = None,
                           names: Mapping[str, str] | None = None, title: str | None = None,
                           source: str | None = None):
    """Self-sufficiency ratio per metal and for the base metals together, with the target.

    Parameters
    ----------
    table : pandas.DataFrame
        ``commodity, year, ratio`` as returned by
        :func:`scrisk.metrics.self_sufficiency.self_sufficiency`
        (``base_metals`` = the metals together).
    target, target_year : optional
        The policy target (0.8 by 2030), drawn as a point and a dashed line.
    reported : pandas.DataFrame, optional
        ``year, ratio`` of officially reported figures (drawn as stars).

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 3.6))
        metals = [c for c in sorted(table["commodity"].unique()) if c != "base_metals"]
        order = (["base_metals"] if "base_metals" in set(table["commodity"]) else []) + metals
        for i, com in enumerate(order):
            part = table.loc[table["commodity"] == com].sort_values("year")
            label = cat("label.base_metals") if com == "base_metals" else _name(names, com,
                                                                                   lang)
            ax.plot(part["year"], 100 * part["ratio_procured"], marker="o", markersize=3.5,
                    linewidth=2.4 if com == "base_metals" else 1.2,
                    color=REFERENCE_COLOUR if com == "base_metals" else OKABE_ITO[i % 7],
                    label=label)
        if reported is not None and len(reported):
            ax.scatter(reported["year"], 100 * reported["ratio"], marker="*", s=110,
                       color=OKABE_ITO[3], edgecolor="black", linewidth=0.5, zorder=4,
                       label=cat("fig.ssr.reported"))
        if target is not None and np.isfinite(target):
            ax.axhline(100 * target, color=OKABE_ITO[3], linestyle="--", linewidth=1)
            if target_year is not None:
                ax.scatter([target_year], [100 * target], marker="D", s=50, color=OKABE_ITO[3],
                           zorder=4, label=cat("fig.ssr.target", year=target_year,
                                               value=f"{100 * target:.0f}"))
        ax.set_xlabel(cat("fig.year"))
        ax.set_ylabel(cat("fig.ssr.axis"))
        ax.set_ylim(0, max(100.0, ax.get_ylim()[1]))
        ax.xaxis.get_major_locator().set_params(integer=True)
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="y")
    return ax


def battery_coverage_chart(coverage: pd.DataFrame, ax=None, *, lang: str = "en",
                           title: str | None = None, source: str | None = None):
    """Share of each battery material's need covered by secured supply, per chemistry mix.

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``scenario, material, coverage`` (secured / need; may exceed 1).

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 3.4))
        materials = sorted(coverage["material"].unique())
        scenarios = list(dict.fromkeys(coverage["scenario"]))
        height = 0.8 / max(1, len(scenarios))
        for k, scen in enumerate(scenarios):
            part = coverage.loc[coverage["scenario"] == scen].set_index("material")
            values = [100 * float(part["coverage"].get(m, np.nan)) for m in materials]
            pos = np.arange(len(materials)) + (k - (len(scenarios) - 1) / 2) * height
            ax.barh(pos, np.nan_to_num(values), height=height * 0.92,
                    color=OKABE_ITO[k % 7], label=cat.get(f"scenario.{scen}", scen))
            for y, v in zip(pos, values, strict=True):
                if np.isfinite(v) and v < 0.5:  # an empty bar would be invisible
                    ax.text(1, y, cat.pct(v / 100), va="center", fontsize=6.5,
                            color="#444444")
        ax.axvline(100, color=REFERENCE_COLOUR, linestyle="--", linewidth=1)
        ax.set_yticks(range(len(materials)), [cat.get(f"material.{m}", m) for m in materials])
        ax.invert_yaxis()
        ax.set_xlabel(cat("fig.battery.axis"))
        _finish(ax, title, source, lang,
                legend={**_LEGEND_RIGHT, "title": cat("fig.battery.legend")}, grid="x")
    return ax


def budget_frontier_chart(frontier: pd.DataFrame, ax=None, *, lang: str = "en",
                          labels: Mapping[str, str] | None = None, title: str | None = None,
                          source: str | None = None):
    """Budget against progress toward each target, one point per optimisation.

    Parameters
    ----------
    frontier : pandas.DataFrame
        ``budget_oku_yen, target, progress``: for each budget and target,
        the share of the target reached by the optimal portfolio (achieved /
        required, capped at 1; 1 = met).
    labels : mapping, optional
        Target name -> label shown.

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 3.6))
        markers = "osD^vP*X"
        for i, (name, part) in enumerate(frontier.groupby("target", sort=False)):
            part = part.sort_values("budget_oku_yen")
            ax.plot(part["budget_oku_yen"], 100 * part["progress"].clip(upper=1.0),
                    marker=markers[i % len(markers)], markersize=4, color=OKABE_ITO[i % 7],
                    label=(labels or {}).get(name, name))
        ax.axhline(100, color=REFERENCE_COLOUR, linestyle="--", linewidth=1,
                   label=cat("fig.frontier.met"))
        ax.set_xlabel(cat("fig.frontier.x"))
        ax.set_ylabel(cat("fig.frontier.y"))
        ax.set_ylim(0, 105)
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="both")
    return ax


def target_path_chart(path: pd.DataFrame, ax=None, *, lang: str = "en",
                      estimates: pd.DataFrame | None = None,
                      reported: pd.DataFrame | None = None, target: float | None = None,
                      target_year: int | None = None, small: bool = False,
                      trajectory: pd.DataFrame | None = None,
                      title: str | None = None, source: str | None = None):
    """The straight path to a target beside the estimated and reported ratios.

    Parameters
    ----------
    path : pandas.DataFrame
        ``year, required`` (:func:`scrisk.metrics.summary.target_path`).
    estimates : pandas.DataFrame, optional
        ``year, ratio_procured`` (scrisk's estimate per year).
    reported : pandas.DataFrame, optional
        ``year, ratio`` of reported figures.
    target, target_year : optional
    trajectory : pandas.DataFrame, optional
        ``year, ratio_existing, ratio`` (:func:`scrisk.metrics.trajectory.trajectory`):
        existing stakes alone and with the portfolio.
    small : bool
        A compact chart for the summary page.

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (6.4, 2.5) if small else (7.2, 3.4))
        ax.plot(path["year"], 100 * path["required"], linestyle="--", color=OKABE_ITO[3],
                linewidth=1.4, label=cat("exec.path_label"))
        if estimates is not None and len(estimates):
            est = estimates.sort_values("year")
            ax.plot(est["year"], 100 * est["ratio_procured"], marker="o", markersize=3.5,
                    color=REFERENCE_COLOUR, linewidth=2, label=cat("exec.estimate_label"))
        if trajectory is not None and len(trajectory):
            tr = trajectory.sort_values("year")
            ax.plot(tr["year"], 100 * tr["ratio_existing"], color=OKABE_ITO[0],
                    linewidth=1.4, linestyle=":", label=cat("exec.existing_label"))
            ax.plot(tr["year"], 100 * tr["ratio"], color=OKABE_ITO[0], linewidth=2,
                    label=cat("exec.portfolio_label"))
        if reported is not None and len(reported):
            ax.scatter(reported["year"], 100 * reported["ratio"], marker="*", s=110,
                       color=OKABE_ITO[3], edgecolor="black", linewidth=0.5, zorder=4,
                       label=cat("fig.ssr.reported"))
        if target is not None and np.isfinite(target) and target_year is not None:
            ax.scatter([target_year], [100 * target], marker="D", s=50, color=OKABE_ITO[3],
                       zorder=4, label=cat("fig.ssr.target", year=target_year,
                                           value=f"{100 * target:.0f}"))
        ax.set_ylabel(cat("fig.ssr.axis"))
        ax.set_ylim(0, 100)
        ax.xaxis.get_major_locator().set_params(integer=True)
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="y")
    return ax


def top_share_trend_chart(trend: pd.DataFrame, ax=None, *, lang: str = "en",
                          names: Mapping[str, str] | None = None, stage: str = "mining",
                          title: str | None = None, source: str | None = None):
    """Share of the top producing country per commodity over the years (one stage).

    Parameters
    ----------
    trend : pandas.DataFrame
        ``commodity, stage, year, top1_share`` (:func:`scrisk.metrics.summary.concentration_trend`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 3.2))
        part = trend.loc[trend["stage"] == stage]
        for i, com in enumerate(dict.fromkeys(part["commodity"])):
            rows = part.loc[part["commodity"] == com].sort_values("year")
            ax.plot(rows["year"], 100 * rows["top1_share"], marker="o", markersize=3,
                    color=OKABE_ITO[i % 7], linestyle="-" if i < 7 else "--",
                    label=_name(names, com, lang))
        ax.set_ylabel(cat("exec.top_share_axis"))
        ax.set_ylim(0, 100)
        ax.xaxis.get_major_locator().set_params(integer=True)
        _finish(ax, title, source, lang, legend=_LEGEND_RIGHT, grid="y")
    return ax


def loss_distribution_chart(losses: pd.DataFrame, ax=None, *, lang: str = "en",
                            title: str | None = None, source: str | None = None):
    """Exceedance curves of simulated supply losses: P(loss > x), one line per series.

    Parameters
    ----------
    losses : pandas.DataFrame
        ``label, loss`` with ``loss`` the fraction of the importer's supply
        lost in one simulated draw (0..1); ``label`` names the series
        (commodity or scenario). A marker shows each series' 95th percentile.

    Returns
    -------
    matplotlib.axes.Axes
    """
    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 3.4))
        for i, label in enumerate(dict.fromkeys(losses["label"])):
            values = np.sort(100 * losses.loc[losses["label"] == label, "loss"].to_numpy(float))
            if not len(values):
                continue
            colour = OKABE_ITO[i % 7]
            # exceedance: share of draws with a loss strictly above x
            xs = np.concatenate([[0.0], values])
            above = 100 * (1 - np.searchsorted(values, xs, side="right") / len(values))
            ax.step(xs, above, where="post", color=colour, linewidth=1.4, label=str(label))
            p95 = float(np.percentile(values, 95))
            ax.plot([p95], [100 * float((values > p95).mean())], marker="o", markersize=4,
                    color=colour)
        ax.set_xlabel(cat("fig.loss.x"))
        ax.set_ylabel(cat("fig.loss.y"))
        ax.set_ylim(0, None)
        ax.set_xlim(left=0)
        _finish(ax, title, source, lang,  # legend beside the plot, never on the lines
                legend={**_LEGEND_RIGHT, "title": cat("fig.loss.legend")}, grid="both")
    return ax


def flow_diagram(flows: pd.DataFrame, ax=None, *, lang: str = "en", importer: str = "JPN",
                 names: Mapping[str, str] | None = None, title: str | None = None,
                 source: str | None = None, top: int = 6, via_label: str | None = None):
    """Layered flow (Sankey-like) diagram: mining countries -> supplying countries -> importer.

    Parameters
    ----------
    flows : pandas.DataFrame
        ``origin, via, share``: the share of the importer's supply mined in
        ``origin`` and shipped to the importer by ``via`` (shares sum to 1).
    importer : str
        Code or name of the importer (right-hand node).
    top : int
        Countries shown by name in each column; the rest are "other".
    via_label : str, optional
        Heading of the middle column (default: direct suppliers).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    cat = catalogue(lang)
    with report_style(lang):
        ax = _axes(ax, (7.2, 4.2), room="bare")
        data = flows.loc[flows["share"] > 0].copy()
        keep_o = set(top_with_other(data.groupby("origin")["share"].sum(), top).index)
        keep_v = set(top_with_other(data.groupby("via")["share"].sum(), top).index)
        data["origin"] = data["origin"].where(data["origin"].isin(keep_o), OTHER)
        data["via"] = data["via"].where(data["via"].isin(keep_v), OTHER)
        data = data.groupby(["origin", "via"], as_index=False)["share"].sum()
        total = float(data["share"].sum()) or 1.0
        data["share"] = data["share"] / total
        gap = 0.015

        def column(key: str) -> dict[str, tuple[float, float]]:
            sums = data.groupby(key)["share"].sum()
            order = [c for c in sums.sort_values(ascending=False, kind="stable").index
                     if c != OTHER] + ([OTHER] if OTHER in sums.index else [])
            n = len(order)
            scale = (1.0 - gap * max(0, n - 1))
            pos, y = {}, 1.0
            for code in order:
                h = float(sums[code]) * scale
                pos[code] = (y - h, h)
                y -= h + gap
            return pos

        left, mid = column("origin"), column("via")
        colours = {}
        for i, code in enumerate(c for c in left if c != OTHER):
            colours[code] = OKABE_ITO[i % 7]
        colours[OTHER] = OTHER_COLOUR
        x0, x1, x2, w = 0.0, 0.45, 0.9, 0.035
        scale = 1.0 - gap * max(0, len(left) - 1)
        out_off = {c: left[c][0] + left[c][1] for c in left}
        in_off = {c: mid[c][0] + mid[c][1] for c in mid}
        mid_scale = 1.0 - gap * max(0, len(mid) - 1)
        bands, band_colours = [], []
        ordered = data.assign(
            o_rank=data["origin"].map({c: i for i, c in enumerate(left)}),
            v_rank=data["via"].map({c: i for i, c in enumerate(mid)})).sort_values(
            ["o_rank", "v_rank"])
        for row in ordered.itertuples(index=False):
            h_out = row.share * scale
            h_in = row.share * mid_scale
            y_out_top = out_off[row.origin]
            out_off[row.origin] -= h_out
            y_in_top = in_off[row.via]
            in_off[row.via] -= h_in
            bands.append(_band(x0 + w, y_out_top, y_out_top - h_out, x1, y_in_top,
                               y_in_top - h_in))
            band_colours.append(colours[row.origin])
        # middle -> importer
        y_imp_top = 1.0
        right_h = 1.0
        totals = {"origin": data.groupby("origin")["share"].sum(),
                  "via": data.groupby("via")["share"].sum()}
        for code in mid:
            y, h = mid[code]
            h_out = float(totals["via"][code]) * right_h
            bands.append(_band(x1 + w, y + h, y, x2, y_imp_top, y_imp_top - h_out))
            band_colours.append("#8fa8c0")
            y_imp_top -= h_out
        # one collection, drawn band by band in this order (as separate patches would be),
        # without working out the extent of each curve: the limits are set below
        ax.add_collection(PathCollection(bands, facecolors=band_colours, alpha=0.55,
                                         edgecolors="none"), autolim=False)
        for pos, x, heading in ((left, x0, cat("fig.flow.origin")),
                                (mid, x1, via_label or cat("fig.flow.via"))):
            for code, (y, h) in pos.items():
                ax.add_patch(Rectangle((x, y), w, h, color=colours.get(code, "#4d4d4d")
                                       if pos is left else "#4d4d4d", linewidth=0))
                if h > 0.012:
                    share = float(totals["origin" if pos is left else "via"][code])
                    ax.text(x - 0.01 if pos is left else x + w + 0.01, y + h / 2,
                            f"{_name(names, code, lang)} {100 * share:.0f}%",
                            ha="right" if pos is left else "left", va="center", fontsize=7.5)
            ax.text(x + w / 2, 1.04, heading, ha="center", va="bottom", fontsize=8,
                    fontweight=bold(lang))
        ax.add_patch(Rectangle((x2, 0.0), w, 1.0, color="#1f3b57", linewidth=0))
        ax.text(x2 + w + 0.01, 0.5, _name(names, importer, lang), ha="left", va="center",
                fontsize=9, fontweight=bold(lang))
        ax.text(x2 + w / 2, 1.04, cat("fig.flow.importer"), ha="center", va="bottom",
                fontsize=8, fontweight=bold(lang))
        ax.set_xlim(-0.32, 1.12)
        ax.set_ylim(-0.02, 1.1)
        ax.set_axis_off()
        if title:
            ax.set_title(title, loc="left")
        if source:
            ax.annotate(cat("fig.source", source=source), xy=(0, 0), xycoords="axes fraction",
                        xytext=(0, -4), textcoords="offset points", va="top", fontsize=6.5,
                        color="#444444")
    return ax


def _band(xa, ya_top, ya_bot, xb, yb_top, yb_bot):
    """The path of a smooth band from (xa, ya_bot..ya_top) to (xb, yb_bot..yb_top)."""
    from matplotlib.path import Path as MplPath

    xm = (xa + xb) / 2
    verts = [(xa, ya_top), (xm, ya_top), (xm, yb_top), (xb, yb_top), (xb, yb_bot),
             (xm, yb_bot), (xm, ya_bot), (xa, ya_bot), (xa, ya_top)]
    codes = [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.LINETO,
             MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4, MplPath.CLOSEPOLY]
    return MplPath(verts, codes)


def bar_chart(values: pd.Series, ax=None, *, lang: str = "en", xlabel: str = "",
              title: str | None = None, source: str | None = None, percent: bool = True):
    """Horizontal bars of one labelled series (largest first), e.g. chokepoint exposure.

    Returns
    -------
    matplotlib.axes.Axes
    """
    with report_style(lang):
        ax = _axes(ax, (6.4, 0.6 + 0.28 * max(1, len(values))), room="plain")
        data = values.sort_values(ascending=True, kind="stable")
        scale = 100.0 if percent else 1.0
        ax.barh(range(len(data)), scale * data.to_numpy(dtype=float), color=OKABE_ITO[0])
        ax.set_yticks(range(len(data)), [str(i) for i in data.index])
        ax.set_xlabel(xlabel)
        _finish(ax, title, source, lang, grid="x")
    return ax
