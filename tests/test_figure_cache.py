"""The figure cache: content keys, reuse without drawing, only PNG bytes, off switch."""

from __future__ import annotations

import pandas as pd
import pytest

from scrisk.report import figure_cache, render
from scrisk.report.render import Figure, draw_figures


def _plain(values, lang, source):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(range(len(values)), values["t"].to_numpy())
    ax.set_title(f"{lang} {source}")
    return ax


def _pending(values):
    return [(Figure("", "alt", "caption", "a source"), _plain_draw, {"values": values})]


def _plain_draw(lang="en", source="", values=None):
    return _plain(values, lang, source)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRISK_CACHE_DIR", str(tmp_path))
    return tmp_path / "figures"


def test_second_draw_comes_from_the_cache(cache, monkeypatch):
    values = pd.DataFrame({"t": [1.0, 3.0, 2.0]})
    first = _pending(values)
    draw_figures(first, "en", workers=1)
    stored = list(cache.glob("*.png"))
    assert len(stored) == 1 and stored[0].read_bytes() == first[0][0].png

    def refuse(job):
        raise AssertionError("drawn although cached")

    monkeypatch.setattr(render, "_draw_png", refuse)
    again = _pending(values.copy())
    draw_figures(again, "en", workers=1)
    assert again[0][0].png == first[0][0].png and again[0][0].uri == first[0][0].uri


def test_changed_data_or_language_is_drawn_again(cache):
    values = pd.DataFrame({"t": [1.0, 3.0, 2.0]})
    draw_figures(_pending(values), "en", workers=1)
    draw_figures(_pending(values.assign(t=[1.0, 3.0, 2.5])), "en", workers=1)
    draw_figures(_pending(values), "ja", workers=1)
    assert len(list(cache.glob("*.png"))) == 3


def test_a_planted_file_that_is_not_a_png_is_ignored(cache):
    values = pd.DataFrame({"t": [1.0, 2.0]})
    job = _pending(values)
    key = figure_cache.figure_key(_plain_draw, "en", "a source", {"values": values})
    cache.mkdir(parents=True)
    (cache / f"{key}.png").write_bytes(b"<script>alert(1)</script>")
    draw_figures(job, "en", workers=1)
    assert job[0][0].png.startswith(figure_cache.PNG_SIGNATURE)
    assert (cache / f"{key}.png").read_bytes() == job[0][0].png  # replaced by the real chart


def test_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRISK_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    job = _pending(pd.DataFrame({"t": [1.0]}))
    draw_figures(job, "en", workers=1)
    assert job[0][0].png.startswith(figure_cache.PNG_SIGNATURE)
    assert not any(tmp_path.rglob("*.png"))


def test_unfingerprintable_arguments_are_drawn_not_cached(cache):
    class Opaque:
        pass

    assert figure_cache.figure_key(_plain_draw, "en", "", {"values": Opaque()}) is None


def test_keys_follow_values_not_object_identity():
    frame = pd.DataFrame({"name": ["a", None], "x": [1.0, float("nan")],
                          "n": pd.array([1, None], dtype="Int64")})
    key = figure_cache.figure_key(_plain_draw, "en", "", {"values": frame})
    assert key == figure_cache.figure_key(_plain_draw, "en", "", {"values": frame.copy()})
    assert key != figure_cache.figure_key(_plain_draw, "en", "", {"values": frame.iloc[::-1]})


def test_series_labels_are_part_of_the_key():
    a = pd.Series([0.5, 0.2], index=["Malacca", "Hormuz"])
    b = pd.Series([0.5, 0.2], index=["Panama", "Suez"])
    assert figure_cache.figure_key(_plain_draw, "en", "", {"values": a}) != \
        figure_cache.figure_key(_plain_draw, "en", "", {"values": b})


def test_workers_draw_the_same_bytes_and_fonts_as_one_process(monkeypatch):
    """Charts and page fonts made by forked workers equal those made one by one."""
    monkeypatch.setenv("SCRISK_CACHE_DIR", "off")
    frames = [pd.DataFrame({"t": [1.0, 3.0, 2.0 + k]}) for k in range(6)]
    serial, forked = ([_pending(frame)[0] for frame in frames] for _ in range(2))
    texts = ["Copper 銅", "Cobalt コバルト"]
    fonts_serial = draw_figures(serial, ["en", "ja"] * 3, workers=1, fonts=texts)
    fonts_forked = draw_figures(forked, ["en", "ja"] * 3, workers=2, fonts=texts)
    assert [fig.png for fig, _, _ in forked] == [fig.png for fig, _, _ in serial]
    assert all(fig.uri.startswith("data:image/png;base64,") for fig, _, _ in forked)
    assert fonts_forked == fonts_serial
    assert "@font-face" in fonts_serial[1]


def test_a_chart_whose_worker_died_is_drawn_here(monkeypatch):
    """A broken pool (a worker killed, e.g. out of memory) costs time, not the report."""
    from concurrent.futures.process import BrokenProcessPool

    monkeypatch.setenv("SCRISK_CACHE_DIR", "off")

    class Broken:
        def result(self):
            raise BrokenProcessPool("a worker died")

    drawing = render.ChartDrawing(workers=1)
    monkeypatch.setattr(drawing, "_submit", lambda fn, *args: Broken())
    pending = _pending(pd.DataFrame({"t": [1.0, 2.0]}))
    drawing.figures(pending, "en")
    drawing.finish()
    assert pending[0][0].png.startswith(b"\x89PNG")
