"""GeoPolRisk: known answers of both governance modes, fallback notes, and the grouped pass.

Tiny data (tests/tiny.py), copper 2022, Japan imports Chile 200 t (600 kUSD),
Australia 100 t (400 kUSD), China 30 t (90 kUSD); world mining Chile 600,
Australia 300, China 100 -> HHI = 0.36 + 0.09 + 0.01 = 0.46.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tiny

from scrisk.cli import _register_commands, app
from scrisk.data.load import load_dataset
from scrisk.metrics.geopolrisk import (
    CF_COPPER_NORMALISER,
    MISSING_G,
    geopolrisk,
    geopolrisk_table,
    partner_weight,
)

SRC = "tiny test data"


@pytest.fixture(scope="module")
def tiny_modes(tmp_path_factory):
    """Tiny data plus a reference table and a partner (KOR) without any governance value."""
    frames = tiny.tables()
    # the reference's table: Chile 0.2, China 0.6, Finland 'nan'; Australia has no row (0.5)
    frames["governance_reference"] = pd.DataFrame({
        "iso3": ["CHL", "CHN", "FIN"], "year": 2022,
        "normalized_weight": [0.2, 0.6, None], "cell": ["number", "number", "nan"],
        "source": SRC})
    return load_dataset(tiny.write(tmp_path_factory.mktemp("tiny_modes"), frames))


@pytest.fixture(scope="module")
def tiny_korea(tmp_path_factory):
    """Tiny data where Korea (no WGI row) ships Japan 3 t of copper ore for 9 kUSD."""
    return load_dataset(tiny.write(tmp_path_factory.mktemp("tiny_korea"), tiny_korea_frames()))


def test_reference_mode_copper_by_hand(tiny_modes):
    # g: Chile 0.2, Australia 0.5 (no row: the missing-value weight), China 0.6
    # import risk = (200 x 0.2 + 100 x 0.5 + 30 x 0.6) / 330 = 108 / 330
    r = geopolrisk(tiny_modes, "JPN", "copper", 2022, governance="reference")
    assert r.hhi == pytest.approx(0.46, rel=1e-12)
    assert r.import_risk == pytest.approx(108 / 330, rel=1e-12)
    assert r.score == pytest.approx(0.46 * 108 / 330, rel=1e-12)
    assert r.price_usd_per_kg == pytest.approx(1090 / 330, rel=1e-12)
    assert r.characterization_factor == pytest.approx(
        0.46 * 108 / 330 * 1090 / 330 / CF_COPPER_NORMALISER, rel=1e-12)
    assert r.governance_fallback_share == pytest.approx(100 / 330, rel=1e-12)
    assert "no governance value for AUS (30.3% of imports)" in r.notes[0]
    # published mode on the same data: Chile 0.5, Australia 0.3, China 0.6 (docs/methods.md)
    p = geopolrisk(tiny_modes, "JPN", "copper", 2022)
    assert p.import_risk == pytest.approx(148 / 330, rel=1e-12)
    assert p.notes == ()


def test_reference_nan_cell_poisons_the_result_but_not_inside_a_group(tiny_modes):
    # cobalt (282200): Finland 30 t (900 kUSD), China 10 t (300 kUSD); Finland's cell is 'nan'
    alone = geopolrisk(tiny_modes, "JPN", "cobalt", 2022, governance="reference")
    assert np.isnan(alone.import_risk) and np.isnan(alone.score)
    assert np.isnan(alone.characterization_factor)
    assert alone.price_usd_per_kg == pytest.approx(1200 / 40, rel=1e-12)
    assert any("'nan'" in note for note in alone.notes)
    # Japan + Finland as one economy: Finland weighs 0 (inside), China 0.6: 6 / 40
    group = geopolrisk(tiny_modes, ["JPN", "FIN"], "cobalt", 2022, governance="reference")
    assert group.import_risk == pytest.approx(0.15, rel=1e-12)
    assert group.score == pytest.approx(0.5 * 0.15, rel=1e-12)
    # the other importers of the same table are not touched by Finland's cell
    table = geopolrisk_table(tiny_modes, ["JPN", "FIN", "CHN"], ["cobalt"], [2022],
                             governance="reference")
    assert table["import_risk"].isna().tolist() == [True, False, False]


def test_published_fallback_is_noted(tiny_korea):
    # Korea has no governance row: g = 0.5. (100 + 30 + 18 + 3 x 0.5) / 333 = 149.5 / 333
    # (3 t of the 383 t of copper traded: under the loader's 1 % coverage rule)
    r = geopolrisk(tiny_korea, "JPN", "copper", 2022)
    assert r.import_risk == pytest.approx(149.5 / 333, rel=1e-12)
    assert r.governance_fallback_share == pytest.approx(3 / 333, rel=1e-12)
    assert r.notes == ("no governance value for KOR (0.9% of imports): weighted 0.5, the "
                       "missing-value weight",)
    assert r.summary().attrs["notes"] == list(r.notes)
    table = geopolrisk_table(tiny_korea, ["JPN", "CHN"], ["copper"], [2022])
    assert table["governance_fallback"].tolist() == ["KOR", ""]
    assert "1 of 2 cells" in table.attrs["notes"][0]
    assert MISSING_G == partner_weight(np.array([np.nan]))[0]


def test_cli_prints_the_fallback_note(tmp_path):
    from typer.testing import CliRunner

    _register_commands()
    folder = tiny.write(tmp_path / "data", tiny_korea_frames())
    result = CliRunner().invoke(app, ["metrics", "geopolrisk", "--importer", "JPN",
                                      "--commodity", "copper", "--year", "2022",
                                      "--data", str(folder)], env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    assert "note: no governance value for KOR (0.9% of imports)" in result.output


def tiny_korea_frames() -> dict[str, pd.DataFrame]:
    frames = tiny.tables()
    extra = frames["trade"].iloc[[0]].assign(exporter="KOR", quantity_t=3.0, value_kusd=9.0)
    frames["trade"] = pd.concat([frames["trade"], extra], ignore_index=True)
    return frames


# --------------------------------------------------------------------------- grouped pass

def one_cell(ds, members: set[str], commodity: str, year: int) -> tuple[float, float, float]:
    """Import risk, price and HHI of one cell, the plain way: filter, weigh, sum."""
    hs = set(ds.commodities.set_index("commodity").at[commodity, "hs_gpr"].split(";"))
    trade = ds.trade
    rows = trade.loc[(trade["commodity"] == commodity) & trade["hs6"].isin(hs)
                     & (trade["year"] == year) & trade["importer"].isin(members)]
    reported = rows["repair"].astype(str).str.len() > 0
    q = rows["quantity_t"].where(~reported, rows["quantity_t_reported"]).fillna(0.0)
    gov = ds.governance.loc[ds.governance["year"] == year].set_index("iso3")
    g = partner_weight(rows["exporter"].astype(str).map(
        gov["wgi_political_stability"]).to_numpy(dtype=float))
    g = np.where(rows["exporter"].isin(members), 0.0, g)
    prod = ds.production.loc[(ds.production["stage"] == "mining")
                             & (ds.production["commodity"] == commodity)
                             & (ds.production["year"] == year)]
    own = prod.loc[prod["iso3"].isin(members), "quantity"].sum()
    whole = np.trunc(np.round(prod["quantity"].to_numpy() * (
        1000.0 if commodity in ("platinum", "palladium", "rhodium", "silver") else 1.0), 6))
    denominator = q.sum() + own
    risk = float((g * q).sum() / denominator) if denominator > 0 else 0.0
    price = float(rows["value_kusd"].fillna(0).sum() / q.sum()) if q.sum() > 0 else 0.0
    return risk, price, float((whole**2).sum() / whole.sum() ** 2)


def test_grouped_pass_equals_cell_by_cell(shipped_ds):
    importers = ["JPN", "CHN", "EU27", ["JPN", "KOR"], "G7"]
    table = geopolrisk_table(shipped_ds, importers, None, [2018, 2023])
    members = [{"JPN"}, {"CHN"}, set(shipped_ds.group_members("EU27")), {"JPN", "KOR"},
               set(shipped_ds.group_members("G7"))]
    for i, row in enumerate(table.itertuples(index=False)):
        risk, price, hhi = one_cell(shipped_ds, members[i % len(members)], row.commodity,
                                    row.year)
        assert row.import_risk == pytest.approx(risk, rel=1e-12, abs=1e-15), row
        assert row.price_usd_per_kg == pytest.approx(price, rel=1e-12, abs=1e-15), row
        assert row.hhi == pytest.approx(hhi, rel=1e-12), row


@pytest.fixture(scope="module")
def shipped_ds():
    return load_dataset()


# --------------------------------------------------------------------------- report

def test_report_headline_shows_the_fallback_beside_the_score(tiny_korea):
    from types import SimpleNamespace

    from scrisk.metrics.concentration import concentration
    from scrisk.report.render import Localiser
    from scrisk.report.sections.overview import _headline_table
    from scrisk.report.tables import headline_table

    gpr = geopolrisk_table(tiny_korea, ["JPN"], ["copper", "cobalt"], [2022])
    conc = concentration(tiny_korea, None, None, 2022)
    headline = headline_table(tiny_korea, "JPN", 2022, ["copper", "cobalt"], conc, gpr, {})
    row = headline.set_index("commodity")
    assert row.at["copper", "score_fallback"] == "KOR"
    assert row.at["copper", "score_fallback_share"] == pytest.approx(3 / 333)
    assert row.at["cobalt", "score_fallback"] == ""
    for lang, text in (("en", "no governance value for South Korea ("),
                       ("ja", "韓国はガバナンス指標なし（輸入の")):
        loc = Localiser(tiny_korea, lang)
        builder = SimpleNamespace(
            data=SimpleNamespace(import_value=pd.DataFrame(), year=2022, years=[2022]),
            t=loc.cat, loc=loc, importer_name=lambda: "JPN",
            table=lambda key, frame, cols, title="", note="", loc=loc: loc.table(
                key, frame, cols, title, note))
        table = _headline_table(builder, "headline", headline)
        cells = [" ".join(map(str, row)) for row in table.cells]
        assert any(text in c for c in cells), cells


def test_cli_reference_mode_json():
    import json

    from typer.testing import CliRunner

    _register_commands()
    result = CliRunner().invoke(app, ["metrics", "geopolrisk", "--importer", "EU",
                                      "--commodity", "cobalt", "--year", "2022",
                                      "--governance", "reference", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["importer"] == "EU27" and payload["governance"] == "reference"
    assert any("reference package's table" in note for note in payload["notes"])
