"""Battery midstream: known answers on the tiny dataset, plausibility on the shipped data."""

from __future__ import annotations

import pandas as pd
import pytest

from scrisk.exceptions import UnknownChoiceError
from scrisk.metrics import midstream as ms
from tests import tiny
from tests.cli_runner import run_cli

SRC = "tiny test data"
NMC811 = pd.Series({"NMC811": 1.0})


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """Tiny dataset + a cathode share table (CHN 60 t, JPN 40 t CAM) and Japan's capacity."""
    frames = tiny.tables()
    frames["midstream_shares"] = pd.DataFrame({
        "stage": "cathode", "variant": "all", "measure": "production",
        "iso3": ["CHN", "JPN"], "year": 2022, "share": [0.6, 0.4], "world_total": 100.0,
        "unit": "t CAM", "source": SRC, "quality": "reported", "note": ""})
    frames["midstream_content"] = pd.DataFrame({
        "stage": "cathode", "chemistry": "NMC811", "commodity": ["cobalt", "lithium"],
        "t_per_t": [0.1, 0.07], "product_unit": "t CAM", "contained_unit": ["t Co", "t Li"],
        "source": SRC, "note": ""})
    lithium = frames["commodities"].iloc[[1]].assign(
        commodity="lithium", name_en="Lithium", name_ja="リチウム", wmd_table="Lithium",
        gpr_reference_id="Lithium", hs_mining=None, hs_refining=None, hs_gpr=None, eol_rir=0.0)
    frames["commodities"] = pd.concat([frames["commodities"], lithium], ignore_index=True)
    frames["battery_intensity"] = pd.concat([frames["battery_intensity"], pd.DataFrame({
        "chemistry": ["NMC811"], "material": ["lithium"], "kg_per_kwh": [0.1], "basis": "test",
        "source": SRC, "note": ""})], ignore_index=True)
    frames["midstream_capacity"] = pd.DataFrame({
        "stage": "cell", "iso3": "JPN", "year": [2022, 2028, 2028],
        "capacity": [20.0, 120.0, 100.0], "unit": "GWh",
        "status": ["operating", "certified_plans", "operating"], "source": SRC,
        "quality": "reported", "note": ""})
    frames["policy_targets"] = pd.concat([frames["policy_targets"], pd.DataFrame({
        "target_id": ["cells2030"], "iso3": ["JPN"],
        "metric": ["battery_manufacturing_capacity_domestic"], "value": [150.0],
        "unit": ["GWh/year"], "year": [2030], "source": SRC, "note": ""})], ignore_index=True)
    from scrisk.data.load import load_dataset

    return load_dataset(tiny.write(tmp_path_factory.mktemp("midstream") / "data", frames))


def test_supplier_split_known_answer():
    # own 30 first, the other 70 pro rata to 60 : 20
    split = ms.supplier_split(30.0, 100.0, pd.Series({"CHN": 60.0, "KOR": 20.0}))
    assert split.to_dict() == {"own": 30.0, "CHN": 52.5, "KOR": 17.5}
    assert ms.supplier_split(150.0, 100.0, pd.Series({"CHN": 1.0})).to_dict() == {"own": 100.0}


def test_stage_output_is_share_times_world_total(ds):
    out = ms.stage_output(ds, "cathode", 2022)
    assert out.to_dict() == pytest.approx({"CHN": 60.0, "JPN": 40.0})
    assert out.attrs["measure"] == "production" and out.attrs["share_year"] == 2022


def test_cathode_exposure_own_output_known_answer(ds):
    # JPN's 40 t CAM hold 4 t Co, drawn from JPN's refined pool of 40 t: FIN 30 t (20 t from
    # AUS ore, 10 t exported beyond FIN's pool = unattributed) + CHN 10 t (CHN refines 80 t
    # from 50 t of its own ore: 0.625 CHN, 0.375 untraced:CHN).
    exp = ms.midstream_exposure(ds, "JPN", "cathode", 2022, mix=NMC811)
    got = exp.by_origin().query("commodity == 'cobalt'").set_index("origin")["tonnes"].to_dict()
    assert got == pytest.approx({"AUS": 2.0, "unattributed": 1.0, "CHN": 0.625,
                                 "untraced:CHN": 0.375})
    assert float(exp.needs.set_index("commodity").loc["cobalt", "contained_t"]) == \
        pytest.approx(4.0)


def test_cathode_exposure_world_market_known_answer(ds):
    # 100 t CAM: JPN's own 40 t as above, the other 60 t from CHN (the only other maker),
    # whose 6 t Co carry CHN's refined mix (0.625 CHN, 0.375 untraced:CHN).
    exp = ms.midstream_exposure(ds, "JPN", "cathode", 2022, mix=NMC811, quantity=100.0)
    got = exp.by_origin().query("commodity == 'cobalt'").set_index("origin")["tonnes"].to_dict()
    assert got == pytest.approx({"AUS": 2.0, "unattributed": 1.0, "CHN": 4.375,
                                 "untraced:CHN": 2.625})
    sup = exp.by_supplier().query("commodity == 'cobalt'").set_index("supplier")["tonnes"]
    sup = sup.to_dict()
    assert sup == pytest.approx({"CHN": 6.0, "JPN": 4.0})
    assert any("world-market assumption" in n for n in exp.notes)
    top = exp.chokepoints().iloc[0]
    assert (top["node"], top["loss_share"]) == ("cathode:CHN", pytest.approx(0.6))


def test_cell_exposure_known_answer(ds):
    # 0.1 GWh of NMC811 cells: 10 t Co and 10 t Li (0.1 kg/kWh each); CAM = 0.1 / 0.07 kg/kWh
    # -> 142.857 t. JPN makes 40 t (share 0.28), CHN supplies the other 102.857 t (0.72).
    # Cobalt: 2.8 t in JPN's refined mix (AUS .5, unattributed .25, CHN .15625, untraced:CHN
    # .09375) + 7.2 t in CHN's (CHN .625, untraced:CHN .375).
    exp = ms.cell_exposure(ds, "JPN", 0.1, 2022, mix=NMC811, basis="theoretical")
    co = exp.by_origin().query("commodity == 'cobalt'").set_index("origin")["tonnes"]
    assert co.to_dict() == pytest.approx({"AUS": 1.4, "unattributed": 0.7, "CHN": 4.9375,
                                          "untraced:CHN": 2.9625})
    # lithium has no network in the tiny dataset: its 10 t are untraced, and the notes say so
    li = exp.by_origin().query("commodity == 'lithium'")
    assert li["tonnes"].sum() == pytest.approx(10.0) and set(li["kind"]) == {"untraced"}
    assert any(n.startswith("lithium:") and "untraced" in n for n in exp.notes)


def test_cell_capacity_known_answer(ds):
    table = ms.cell_capacity(ds, "JPN").set_index("year")
    # operating wins over a plan in the same year; the target year has no figure
    assert table.loc[2028, "capacity_gwh"] == 100.0 and table.loc[2028, "status"] == "operating"
    assert table.loc[2028, "gap_gwh"] == 50.0
    assert table.loc[2022, "share_of_target"] == pytest.approx(20.0 / 150.0)
    assert table.loc[2030, "status"] == "no figure" and pd.isna(table.loc[2030, "capacity_gwh"])


def test_unknown_stage_is_a_clear_error(ds):
    with pytest.raises(UnknownChoiceError, match="midstream stage"):
        ms.stage_shares(ds, "electrolyte", 2022)


# --------------------------------------------------------------------------- shipped data


@pytest.fixture(scope="module")
def shipped():
    from scrisk import load_dataset

    return load_dataset()


def test_cathode_content_matches_battery_intensity(shipped):
    # kg CAM/kWh derived from the content table equals the figure in the intensity basis
    # text (NMC811: 1.370 kg CAM/kWh; NCA 1.389; LFP 1.953)
    kg = ms.cam_per_kwh(shipped)
    assert kg["NMC811"] == pytest.approx(1.370, abs=0.002)
    assert kg["NCA"] == pytest.approx(1.389, abs=0.002)
    assert kg["LFP"] == pytest.approx(1.953, abs=0.002)
    nickel = ms.content_per_tonne(shipped, "cathode", NMC811)["nickel"]
    assert nickel == pytest.approx(0.8 * 58.6934 / 97.28, rel=1e-3)


def test_plausible_china_share_of_cathode_capacity(shipped):
    # IEA, Global EV Outlook 2024, 'Trends in electric vehicle batteries': China holds
    # "nearly 90%" of installed cathode active material capacity (2023)
    share = ms.stage_shares(shipped, "cathode", 2023)["CHN"]
    assert 0.85 <= share <= 0.95


def test_plausible_china_share_of_anode_material(shipped):
    # IEA Critical Minerals Dataset 2025: battery-grade graphite 2024, China 95.7 %; IEA Global
    # EV Outlook 2024: "over 97%" of anode capacity (2023); Benchmark (via S&P Global, 2024):
    # 91 % of 2023 anode production. Production tables win over capacity ones of a year.
    assert 0.90 <= ms.stage_shares(shipped, "anode", 2024)["CHN"] <= 0.99
    share_2023 = ms.stage_shares(shipped, "anode", 2023)
    assert share_2023.attrs["measure"] == "production"
    assert 0.88 <= share_2023["CHN"] <= 0.99


def test_goal_lithium_need_against_meti(shipped):
    # METI 蓄電池産業戦略 (2022): 600 GWh need about 380 kt lithium (LCE) -> 95 kt for 150 GWh
    goal = ms.battery_goal(shipped, "JPN")
    assert goal.target_gwh == 150.0 and goal.target_year == 2030
    lce = float(goal.exposure.needs.set_index("commodity").loc["lithium", "lce_t"])
    assert 0.9 * 95_000 <= lce <= 1.1 * 95_000
    shares = goal.exposure.by_origin().groupby("commodity")["share"].sum()
    assert (shares - 1.0).abs().max() < 1e-9  # every tonne ends at a label


def test_cli_concentration_cathode_shows_sources(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "concentration", "--stage",
                             "cathode", "--year", "2024")
    assert code == 0, err
    assert "CHN" in out and "source (all, capacity 2023" in out and "IEA" in out


def test_cli_battery_capacity(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "battery-capacity", "--format",
                             "csv")
    assert code == 0, err
    assert "certified_plans" in out and "120.0" in out
    code, _, err = run_cli(monkeypatch, capsys, "metrics", "midstream-exposure", "--stage",
                           "electrolyte")
    assert code != 0 and "midstream stage" in err


def test_cli_exposure_cathode_traces_to_mines(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "exposure", "--stage", "cathode",
                             "--format", "csv")
    assert code == 0, err
    frame = pd.read_csv(__import__("io").StringIO(out.split("\n\n")[0]))
    assert {"commodity", "origin", "kind", "tonnes", "share"} <= set(frame.columns)
    assert "mined" in set(frame["kind"])


def test_report_tables_of_the_goal(shipped):
    from scrisk.report.tables import midstream_tables

    tables = midstream_tables(shipped, "JPN")
    assert tables is not None and tables["target_gwh"] == 150.0
    assert tables["latest"]["capacity_gwh"] == 120.0
    assert set(tables["needs"]["commodity"]) == {"lithium", "nickel", "cobalt", "manganese",
                                                 "graphite"}
