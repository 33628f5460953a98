"""Charts and maps: Axes in and out, labelled axes, colour-blind-safe colours, Japanese glyphs.

Each chart is drawn in English and Japanese with warnings turned into errors, so that a
missing glyph ("Glyph ... missing from font(s)") fails the test.
"""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from scrisk.report import figures as fg  # noqa: E402
from scrisk.report import maps  # noqa: E402

NAMES_JA = {"COD": "コンゴ民主共和国", "IDN": "インドネシア", "CHN": "中国", "FIN": "フィンランド",
            "AUS": "オーストラリア", "JPN": "日本", "cobalt": "コバルト", "nickel": "ニッケル"}
CHOKEPOINTS = pd.DataFrame({"chokepoint_id": ["malacca", "hormuz"],
                            "name_en": ["Strait of Malacca", "Strait of Hormuz"],
                            "name_ja": ["マラッカ海峡", "ホルムズ海峡"],
                            "lat": [2.5, 26.6], "lon": [101.4, 56.3]})


def _shares():
    return pd.DataFrame({"stage": ["mining"] * 3 + ["refining"] * 2,
                         "iso3": ["COD", "IDN", "AUS", "CHN", "FIN"],
                         "share": [0.7, 0.1, 0.05, 0.75, 0.1]})


CHARTS = {
    "stage_shares": lambda ax, lang: fg.stage_shares_chart(
        _shares(), ax, lang=lang, names=NAMES_JA, source="World Mining Data 2025"),
    "risk_trend": lambda ax, lang: fg.risk_trend_chart(
        pd.DataFrame({"year": [2022, 2023, 2024], "hhi": [0.5, 0.55, 0.6],
                      "import_risk": [0.3, 0.3, 0.35], "score": [0.15, 0.165, 0.21]}),
        ax, lang=lang, source="WMD; BACI; WGI"),
    "criticality": lambda ax, lang: fg.criticality_matrix(
        pd.DataFrame({"commodity": ["cobalt", "nickel"], "group": ["battery", "battery"],
                      "economic_importance": [3.0, 8.0], "supply_risk": [1.4, 0.6]}),
        ax, lang=lang, names=NAMES_JA, source="BACI"),
    "self_sufficiency": lambda ax, lang: fg.self_sufficiency_chart(
        pd.DataFrame({"commodity": ["copper", "copper", "base_metals", "base_metals"],
                      "year": [2018, 2019, 2018, 2019],
                      "ratio_procured": [0.5, 0.52, 0.3, 0.32]}),
        ax, lang=lang, target=0.8, target_year=2030,
        reported=pd.DataFrame({"year": [2023], "ratio": [0.34]}), source="METI"),
    "target_path": lambda ax, lang: fg.target_path_chart(
        pd.DataFrame({"year": [2023, 2024, 2025], "required": [0.34, 0.41, 0.47]}), ax,
        lang=lang, estimates=pd.DataFrame({"year": [2023, 2024],
                                           "ratio_procured": [0.3, 0.31]}),
        reported=pd.DataFrame({"year": [2023], "ratio": [0.34]}), target=0.8,
        target_year=2030, small=True, source="METI"),
    "top_share": lambda ax, lang: fg.top_share_trend_chart(
        pd.DataFrame({"commodity": ["cobalt"] * 2 + ["nickel"] * 2, "stage": ["mining"] * 4,
                      "year": [2018, 2024] * 2, "top1_share": [0.6, 0.74, 0.3, 0.5]}),
        ax, lang=lang, names=NAMES_JA, source="WMD"),
    "battery": lambda ax, lang: fg.battery_coverage_chart(
        pd.DataFrame({"scenario": ["balanced", "balanced", "lfp_shift", "lfp_shift"],
                      "material": ["cobalt", "nickel", "cobalt", "nickel"],
                      "coverage": [0.4, 1.2, 0.0, 2.0]}), ax, lang=lang, source="IEA"),
    "frontier": lambda ax, lang: fg.budget_frontier_chart(
        pd.DataFrame({"budget_oku_yen": [0, 800, 1600] * 2,
                      "target": ["a"] * 3 + ["b"] * 3,
                      "progress": [0.2, 0.6, 1.0, 0.0, 0.3, 0.5]}),
        ax, lang=lang, labels={"a": "自給率", "b": "コバルト"}, source="scrisk"),
    "loss": lambda ax, lang: fg.loss_distribution_chart(
        pd.DataFrame({"label": ["コバルト"] * 100,
                      "loss": np.r_[np.zeros(80), np.linspace(0.1, 0.6, 20)]}),
        ax, lang=lang, source="scrisk"),
    "flow": lambda ax, lang: fg.flow_diagram(
        pd.DataFrame({"origin": ["COD", "COD", "IDN", "unattributed"],
                      "via": ["CHN", "FIN", "CHN", "CHN"], "share": [0.5, 0.3, 0.15, 0.05]}),
        ax, lang=lang, importer="JPN", names={**NAMES_JA, "unattributed": "遡及不能"},
        source="BACI"),
    "bar": lambda ax, lang: fg.bar_chart(pd.Series({"マラッカ海峡": 0.6, "ルソン海峡": 0.3}), ax,
                                         lang=lang, xlabel="通過する輸入の割合（%）",
                                         source="EIA"),
    "map": lambda ax, lang: maps.choropleth(
        pd.Series({"COD": 0.7, "IDN": 0.1, "AUS": 0.05}), ax, lang=lang,
        chokepoints=CHOKEPOINTS, highlight="JPN", legend_label="世界生産に占めるシェア",
        source="World Mining Data 2025"),
}


def _draw_strict(ax) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" becomes an error
        ax.figure.canvas.draw()


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_draws_without_missing_glyphs(name, lang):
    ax = CHARTS[name](None, lang)
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        _draw_strict(ax)
        texts = [t.get_text() for t in ax.texts] + [ax.get_xlabel(), ax.get_ylabel()]
        assert any(("Source:" if lang == "en" else "出典：") in t for t in texts)
    finally:
        fg.close(ax)


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_chart_draws_on_a_given_axes(name):
    fig, ax = plt.subplots()
    try:
        assert CHARTS[name](ax, "en") is ax
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", ["stage_shares", "risk_trend", "criticality",
                                  "self_sufficiency", "battery", "frontier", "loss", "bar"])
def test_axes_are_labelled(name):
    ax = CHARTS[name](None, "ja")
    try:
        assert ax.get_xlabel()
        if name not in ("stage_shares", "battery", "bar"):  # category axes carry names
            assert ax.get_ylabel()
    finally:
        fg.close(ax)


def test_japanese_title_uses_the_shipped_font():
    from matplotlib import font_manager

    ax = fg.stage_shares_chart(_shares(), lang="ja", title="コバルトの国別シェア（自給率・権益）")
    try:
        _draw_strict(ax)
        family = ax.title.get_fontfamily()
        assert family[0] == fg.JAPANESE_FONT
        path = font_manager.findfont(font_manager.FontProperties(family=family[0]))
        assert path.endswith("ipaexg.ttf")
    finally:
        fg.close(ax)


def test_palette_is_okabe_ito():
    ax = CHARTS["stage_shares"](None, "en")
    try:
        colours = {matplotlib.colors.to_hex(p.get_facecolor()).upper() for p in ax.patches}
        assert colours <= {c.upper() for c in fg.OKABE_ITO} | {fg.OTHER_COLOUR.upper()}
    finally:
        fg.close(ax)


def test_png_is_deterministic():
    from scrisk.report.render import figure_png

    first = figure_png(CHARTS["map"](None, "ja"))
    second = figure_png(CHARTS["map"](None, "ja"))
    assert first == second
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and b"Software" not in first


def test_flow_diagram_keeps_shares():
    """The top-n grouping must not lose mass: 'other' takes the rest."""
    values = pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1})
    grouped = fg.top_with_other(values, 2)
    assert grouped.sum() == pytest.approx(1.0)
    assert list(grouped.index) == ["A", "B", "other"]


def test_style_leaves_global_settings_alone():
    before = dict(matplotlib.rcParams)
    ax = CHARTS["risk_trend"](None, "ja")
    fg.close(ax)
    assert matplotlib.rcParams["font.family"] == before["font.family"]


def test_map_uses_robinson_and_offline_polygons():
    shapes = maps.world()
    assert maps.projection() == maps.ROBINSON
    assert shapes.crs.to_string().endswith("54030") or "Robinson" in shapes.crs.name
    assert {"JPN", "CHN", "COD"} <= set(shapes["iso3"])


def _legend_outside(ax) -> bool:
    legend = ax.get_legend()
    fig = ax.figure
    fig.canvas.draw()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    return box.x0 >= ax.get_window_extent().x1 - 1


@pytest.mark.parametrize("name", ["loss", "target_path", "top_share"])
def test_legend_is_off_the_lines(name):
    ax = CHARTS[name](None, "en")
    try:
        assert _legend_outside(ax)
    finally:
        fg.close(ax)


def test_map_draws_small_shares_as_no_data_and_labels_apart():
    """Zero and near-zero shares are grey (no data); chokepoint labels never overlap."""
    from scrisk.data.load import load_dataset

    points = load_dataset().chokepoints
    ax = maps.choropleth(pd.Series({"COD": 0.7, "IDN": 0.00001, "AUS": 0.0}), lang="ja",
                         chokepoints=points)
    try:
        collection = ax.collections[0]
        codes, _ = maps._paths(str(maps.countries_path()), maps.projection())
        faces = collection.get_facecolors()
        grey = matplotlib.colors.to_rgba(maps.NO_DATA_COLOUR)
        for code in ("IDN", "AUS", "USA"):
            assert tuple(faces[codes.index(code)]) == pytest.approx(grey), code
        assert tuple(faces[codes.index("COD")]) != pytest.approx(grey)
        renderer = ax.figure.canvas.get_renderer()
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        assert boxes
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b)
    finally:
        fg.close(ax)
