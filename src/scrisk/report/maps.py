"""World maps: choropleths of country values with the sea-lane chokepoints marked.

The country polygons are the shipped Natural Earth 1:110m admin-0 layer
(``data/geo/countries.parquet``, public domain): no download at run time.
Maps use the Robinson projection (``ESRI:54030``) when pyproj knows it, else
plain longitude/latitude. geopandas is imported on first use.

Examples
--------
>>> import pandas as pd
>>> ax = choropleth(pd.Series({"COD": 0.7, "IDN": 0.1}), lang="en")
>>> ax.get_title(loc="left")
''
>>> from scrisk.report.figures import close; close(ax)
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from scrisk.report.figures import (
    OKABE_ITO,
    _axes,
    place_labels,
    report_style,
)
from scrisk.report.i18n import catalogue

ROBINSON = "ESRI:54030"
NO_DATA_COLOUR = "#e4e4e4"
MAP_CMAP = "Blues"
# the light end of the colour map starts here, so that a small share is a pale blue that
# reads as "a little", never a bright colour, and stays apart from the grey of no data
CMAP_FLOOR = 0.18
NO_DATA_BELOW = 0.0005  # shares under 0.05 % are drawn as no data (zero is not a value)


def countries_path() -> Path:
    """Path of the shipped country polygons (``$SCRISK_DATA/geo/countries.parquet``)."""
    from scrisk.data.load import shipped_data_path

    return shipped_data_path() / "geo" / "countries.parquet"


@cache
def _world(path: str, crs: str | None):
    try:
        import geopandas as gpd
    except ImportError as err:  # pragma: no cover - geopandas is a dependency
        raise ImportError("maps need geopandas: pip install geopandas") from err
    world = gpd.read_parquet(path)
    world = world.loc[world["iso3"] != "ATA"]  # Antarctica: no mining data, wastes space
    if crs is not None:
        world = world.to_crs(crs)
    return world


def projection() -> str | None:
    """The map projection used: Robinson if pyproj has it, else ``None`` (lon/lat)."""
    try:
        import pyproj

        pyproj.CRS(ROBINSON)
    except Exception:  # noqa: BLE001 - any failure means: fall back to lon/lat
        return None
    return ROBINSON


def world(path: str | Path | None = None):
    """Country polygons (GeoDataFrame with ``iso3, name, geometry``) in the map projection."""
    return _world(str(path or countries_path()), projection()).copy()


@cache
def _paths(path: str, crs: str | None) -> tuple[tuple[str, ...], tuple]:
    """One matplotlib Path per country (holes and islands kept), built once per process."""
    from matplotlib.path import Path as MplPath

    shapes = _world(path, crs)
    codes, paths = [], []
    for iso3, geom in zip(shapes["iso3"], shapes.geometry, strict=True):
        polygons = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        verts, kinds = [], []
        for polygon in polygons:
            for ring in (polygon.exterior, *polygon.interiors):
                xy = np.asarray(ring.coords)[:, :2]
                verts.append(xy)
                k = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
                k[0] = MplPath.MOVETO
                k[-1] = MplPath.CLOSEPOLY
                kinds.append(k)
        codes.append(str(iso3))
        paths.append(MplPath(np.concatenate(verts), np.concatenate(kinds)))
    return tuple(codes), tuple(paths)


def choropleth(values: pd.Series, ax=None, *, lang: str = "en", title: str | None = None,
               legend_label: str | None = None, percent: bool = True,
               chokepoints: pd.DataFrame | None = None, label_chokepoints: bool = True,
               highlight: str | None = None, source: str | None = None,
               cmap: str = MAP_CMAP, vmax: float | None = None,
               path: str | Path | None = None):
    """World map coloured by a value per country, with chokepoints marked.

    Parameters
    ----------
    values : pandas.Series
        ISO3 -> value (e.g. share of world production, 0..1). Countries
        without a value are grey.
    ax : matplotlib.axes.Axes, optional
    lang : {"en", "ja"}
    title, legend_label : str, optional
    percent : bool
        Show values as percentages in the colour bar.
    chokepoints : pandas.DataFrame, optional
        ``chokepoint_id, name_en, name_ja, lat, lon`` (``geo/chokepoints.csv``);
        drawn as triangles, named in the language of the map.
    highlight : str, optional
        ISO3 of a country outlined in black (the importer).
    source : str, optional
    cmap : str
        Matplotlib colour map (default ``cividis_r``, colour-blind safe).
    vmax : float, optional
        Upper end of the colour scale (default: the largest value).
    path : path-like, optional
        Country polygons (default: the shipped ``geo/countries.parquet``).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.collections import PathCollection
    from matplotlib.colors import Normalize

    cat = catalogue(lang)
    crs = projection()
    codes, paths = _paths(str(path or countries_path()), crs)
    with report_style(lang):
        ax = _axes(ax, (8.7, 4.6), room="bare")
        data = values.astype(float)
        data = data[data >= (NO_DATA_BELOW if percent else 0.0) + 1e-15]
        top = float(vmax if vmax is not None else (data.max() if len(data) else 1.0)) or 1.0
        norm = Normalize(vmin=0.0, vmax=top)
        from matplotlib.colors import ListedColormap

        base = colormaps[cmap]
        colour_map = ListedColormap(base(np.linspace(CMAP_FLOOR, 1.0, 256)))
        cmap = colour_map
        faces = [colour_map(norm(data[c])) if c in data.index else NO_DATA_COLOUR
                 for c in codes]
        ax.add_collection(PathCollection(paths, facecolors=faces, edgecolors="white",
                                         linewidths=0.3))
        if highlight is not None and highlight in codes:
            own = paths[codes.index(highlight)]
            ax.add_collection(PathCollection([own], facecolors="none", edgecolors="black",
                                             linewidths=0.9))
        ax.autoscale_view()
        if chokepoints is not None and len(chokepoints):
            x, y = _project(chokepoints["lon"].to_numpy(float),
                            chokepoints["lat"].to_numpy(float), crs)
            ax.scatter(x, y, marker="^", s=26, color=OKABE_ITO[3], edgecolor="black",
                       linewidth=0.5, zorder=5, label=cat("map.chokepoint"))
            if label_chokepoints:
                column = "name_ja" if lang == "ja" and "name_ja" in chokepoints else "name_en"
                _label_points(ax, [_short(str(n)) for n in chokepoints[column]], x, y)
            ax.legend(loc="lower left", fontsize=7)
        bar = ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.6,
                                 pad=0.01, aspect=25)
        if percent:
            bar.ax.yaxis.set_major_formatter(_percent_formatter())
        if legend_label:
            bar.set_label(legend_label, fontsize=8)
        bar.ax.tick_params(labelsize=7)
        ax.set_axis_off()
        ax.set_aspect("equal")
        if title:
            ax.set_title(title, loc="left")
        if source:
            ax.annotate(cat("fig.source", source=source), xy=(0, 0), xycoords="axes fraction",
                        xytext=(0, -2), textcoords="offset points", va="top", fontsize=6.5,
                        color="#444444", annotation_clip=False)
    return ax


def _label_points(ax, labels, x, y, fontsize: float = 5.5) -> None:
    """Chokepoint names where they overlap no other name (see :func:`figures.place_labels`)."""
    place_labels(ax, labels, x, y, fontsize=fontsize)


def _project(lon: np.ndarray, lat: np.ndarray, crs: str | None) -> tuple[np.ndarray, np.ndarray]:
    if crs is None:
        return lon, lat
    x, y = _transformer(crs).transform(lon, lat)
    return np.asarray(x), np.asarray(y)


@cache
def _transformer(crs: str):
    """Longitude/latitude to ``crs``, made once per process (tens of milliseconds each)."""
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _percent_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: f"{100 * x:.0f}%")


def _short(name: str) -> str:
    """Chokepoint label without the parenthesised detail."""
    for sep in (" (", "（"):
        if sep in name:
            return name.split(sep)[0]
    return name


def map_values(frame: pd.DataFrame, key: str = "iso3", value: str = "share",
               names: Mapping[str, str] | None = None) -> pd.Series:
    """A Series ISO3 -> value from a table, summing duplicates and dropping aggregates.

    Examples
    --------
    >>> map_values(pd.DataFrame({"iso3": ["AUS", "AUS", "ROW"], "share": [0.2, 0.1, 0.7]}))
    iso3
    AUS    0.3
    Name: share, dtype: float64
    """
    data = frame.loc[~frame[key].isin(["ROW", "unattributed", "other"])]
    series = data.groupby(key)[value].sum()
    return series[np.isfinite(series)]
