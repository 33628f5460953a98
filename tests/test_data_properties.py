"""Property tests of the loaders: valid values load exactly, invalid ones never pass silently."""

from __future__ import annotations

import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrisk.data.countries import CountryResolver, normalise_name
from scrisk.data.load import validate_file

HEADER = "commodity,stage,iso3,year,quantity,unit,source\n"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _write(folder: Path, body: str) -> Path:
    path = folder / "production.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@SETTINGS
@given(quantity=st.floats(min_value=0, max_value=1e9, allow_nan=False),
       year=st.integers(min_value=1990, max_value=2100))
def test_valid_rows_load(tmp_path_factory, quantity, year):
    folder = _write(tmp_path_factory.mktemp("ok"), f"copper,mining,CHL,{year},{quantity!r},t,x\n")
    assert validate_file(folder, "production") == []


@SETTINGS
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                            blacklist_characters=",\"\r\n"),
                    min_size=1, max_size=12))
def test_non_numbers_are_always_reported(tmp_path_factory, text):
    try:
        value = float(text.replace(",", "").strip())
        numeric = math.isfinite(value) and value >= 0
    except ValueError:
        numeric = False
    if text.strip() == "" or numeric:
        return
    folder = _write(tmp_path_factory.mktemp("bad"), f"copper,mining,CHL,2022,{text},t,x\n")
    failures = validate_file(folder, "production")
    assert [(f.row, f.column) for f in failures] == [(2, "quantity")]


@SETTINGS
@given(quantity=st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False))
def test_negative_quantities_rejected(tmp_path_factory, quantity):
    folder = _write(tmp_path_factory.mktemp("neg"), f"copper,mining,CHL,2022,{quantity!r},t,x\n")
    assert [f.column for f in validate_file(folder, "production")] == ["quantity"]


@given(st.sampled_from(["Korea, Republic of", "Rep. of Korea", "KOR", "South Korea",
                        "korea, rep.", "  KOR ", "Republic of Korea"]))
def test_korea_spellings_resolve(name):
    import pandas as pd

    resolver = CountryResolver(pd.DataFrame({"iso3": ["KOR"], "name_en": ["South Korea"]}))
    assert resolver.resolve(name) == "KOR"


@given(st.text(max_size=30))
def test_normalise_name_is_idempotent(name):
    once = normalise_name(name)
    assert normalise_name(once) == once
