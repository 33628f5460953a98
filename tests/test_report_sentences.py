"""Sentences of the executive summary's findings (no report is built)."""

from __future__ import annotations

import tomllib
from types import SimpleNamespace

import pytest

from scrisk.report.sections.summary import _concentration_key


def finding(year, first_year, change):
    return SimpleNamespace(year=year, first_year=first_year, change=change)


@pytest.mark.parametrize(("row", "key"), [
    (finding(2022, 2022, 0.0), "exec.conc_single"),     # was "about the same as in 2022"
    (finding(2022, None, float("nan")), "exec.conc_single"),
    (finding(2024, 2019, 0.13), "exec.conc_up"),
    (finding(2024, 2019, -0.02), "exec.conc_down"),
    (finding(2024, 2019, 0.001), "exec.conc_flat"),
])
def test_concentration_finding_compares_only_with_an_earlier_year(row, key):
    assert _concentration_key(row) == key


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_single_year_sentence_in_both_catalogues(lang):
    from importlib.resources import files

    text = (files("scrisk.report") / "i18n" / f"{lang}.toml").read_text(encoding="utf-8")
    sentence = tomllib.loads(text)["exec"]["conc_single"]
    assert "{first_year}" not in sentence and "{value}" in sentence and "{year}" in sentence
