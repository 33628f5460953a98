"""Interactive charts for the HTML report: Vega-Lite specifications and the inline Vega bundle.

Why Vega-Lite (through altair's schema, rendered by ``vegaEmbed``): a chart
is a small JSON document, the same data the static PNG shows, so the page
stays deterministic and diffable; hover tooltips, selection menus and zoom
are declared, not programmed; and ``vl-convert-python`` ships the whole
Vega + Vega-Lite + vega-embed bundle, so the page can carry it inline once
and make no request. plotly would inline about 3.5 MB per page and generate
less readable specs.

The bundle (about 0.9 MB) takes several seconds to assemble, so it is kept
in memory and in a cache file (``$XDG_CACHE_HOME/scrisk``, else
``~/.cache/scrisk``) keyed by the vl-convert version.

Every function here takes tables computed elsewhere and returns a spec
(a plain ``dict``); nothing here computes a metric.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
WIDTH = 620


def _cache_dir() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "scrisk"


@cache
def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script defining ``vegaEmbed`` (no imports)."""
    import vl_convert as vlc

    version = getattr(vlc, "__version__", "unknown")
    path = _cache_dir() / f"vega-bundle-{version}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = vlc.javascript_bundle().replace("</script", "<\\/script")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
    return text


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if isinstance(value, float | np.floating) and not np.isfinite(value):
                value = None
            elif isinstance(value, np.integer):
                value = int(value)
            elif isinstance(value, np.floating):
                value = round(float(value), 6)
            elif isinstance(value, float):
                value = round(value, 6)
            clean[str(key)] = value
        out.append(clean)
    return out


def _select(name: str, label: str, options: list, value=None) -> dict:
    return {"name": name, "value": options[0] if value is None else value,
            "bind": {"input": "select", "options": options, "name": label}}


@cache
def world_features(path: str | None = None, digits: int = 1) -> tuple:
    """Country polygons as GeoJSON features (``iso3`` at top level), coordinates rounded."""
    import json

    import geopandas as gpd

    from scrisk.report.maps import countries_path

    world = gpd.read_parquet(path or countries_path())
    world = world.loc[world["iso3"] != "ATA"].copy()
    world["geometry"] = world.geometry.simplify(0.2, preserve_topology=True)
    features = json.loads(world[["iso3", "geometry"]].to_json(to_wgs84=True))["features"]
    out = []
    for feature in features:
        geometry = feature["geometry"]
        geometry["coordinates"] = _round(geometry["coordinates"], digits)
        out.append({"type": "Feature", "iso3": feature["properties"]["iso3"],
                    "geometry": geometry, "properties": {}})
    return tuple(out)


def _round(value, digits):
    if isinstance(value, list | tuple):
        return [_round(v, digits) for v in value]
    return round(float(value), digits)


def share_map(values: pd.DataFrame, *, choosers: Mapping[str, str], zoom_label: str,
              legend: str, name_title: str, share_title: str) -> dict:
    """World map of a share by country, with menus, hover values and a zoom control.

    Parameters
    ----------
    values : pandas.DataFrame
        ``name`` (country), ``iso3``, ``share`` and one column per entry of
        ``choosers`` (e.g. ``commodity``, ``year``); countries without a
        positive share are drawn grey (no data), never as a low colour.
    choosers : mapping
        Column -> label of its menu (first option chosen at start).
    """
    params, filters = [], []
    for k, (column, label) in enumerate(choosers.items()):
        options = list(dict.fromkeys(values[column].tolist()))
        name = f"pick{k}"
        params.append(_select(name, label, options,
                              options[-1] if column == "year" else options[0]))
        filters.append({"filter": f"datum[{column!r}] == {name}"})
    params.append({"name": "zoom", "value": 110, "bind": {
        "input": "range", "min": 100, "max": 800, "step": 10, "name": zoom_label}})
    features = list(world_features())
    rows = values.loc[values["share"] > 0]
    return {
        "$schema": SCHEMA, "width": WIDTH, "height": 320, "params": params,
        "projection": {"type": "equalEarth", "scale": {"expr": "zoom"}},
        "layer": [
            {"data": {"values": features}, "mark": {"type": "geoshape", "fill": "#e4e4e4",
                                                   "stroke": "white", "strokeWidth": 0.4}},
            {"data": {"values": _records(rows)},
             "transform": [*filters, {"lookup": "iso3", "from": {
                 "data": {"values": features}, "key": "iso3", "fields": ["geometry", "type"]}},
                 {"filter": "datum.geometry != null"}],
             "mark": {"type": "geoshape", "stroke": "white", "strokeWidth": 0.4},
             "encoding": {
                 "color": {"field": "share", "type": "quantitative",
                           "scale": {"scheme": "blues", "domainMin": 0},
                           "legend": {"format": ".0%", "title": legend}},
                 "tooltip": [{"field": "name", "title": name_title},
                             {"field": "share", "format": ".1%", "title": share_title}]}},
        ],
    }


def line_chart(values: pd.DataFrame, *, x: str, y: str, series: str, chooser: str,
               chooser_label: str, x_title: str, y_title: str, percent: bool = True) -> dict:
    """Lines over the years for the option chosen in a menu, values on hover."""
    options = list(dict.fromkeys(values[chooser].tolist()))
    fmt = ".1%" if percent else ".3f"
    return {
        "$schema": SCHEMA, "width": WIDTH - 160, "height": 220,
        "data": {"values": _records(values)},
        "params": [_select("pick", chooser_label, options)],
        "transform": [{"filter": f"datum[{chooser!r}] == pick"}],
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title},
            "y": {"field": y, "type": "quantitative", "title": y_title,
                  "axis": {"format": ".0%" if percent else "~s"}},
            "color": {"field": series, "type": "nominal", "title": None,
                      "legend": {"orient": "right"}},
            "tooltip": [{"field": series}, {"field": x}, {"field": y, "format": fmt}]},
    }


def bar_chart(values: pd.DataFrame, *, category: str, value: str, chooser: str,
              chooser_label: str, value_title: str, category_title: str) -> dict:
    """Horizontal bars for the option chosen in a menu (e.g. losses of one scenario)."""
    options = list(dict.fromkeys(values[chooser].tolist()))
    return {
        "$schema": SCHEMA, "width": WIDTH - 200, "height": {"step": 18},
        "data": {"values": _records(values)},
        "params": [_select("pick", chooser_label, options)],
        "transform": [{"filter": f"datum[{chooser!r}] == pick"}],
        "mark": {"type": "bar", "color": "#0072B2"},
        "encoding": {
            "y": {"field": category, "type": "nominal", "sort": "-x", "title": category_title},
            "x": {"field": value, "type": "quantitative", "title": value_title,
                  "axis": {"format": ".0%"}},
            "tooltip": [{"field": category, "title": category_title},
                        {"field": value, "format": ".1%", "title": value_title}]},
    }
