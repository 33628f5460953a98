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
    frames = tiny.midstream_tables()
    frames["midstream_shares"] = pd.concat([frames["midstream_shares"], pd.DataFrame({
        "stage": "cell", "variant": "all", "measure": "capacity", "iso3": ["CHN", "ROW"],
        "year": 2022, "share": [0.6, 0.4], "world_total": 100.0, "unit": "GWh", "source": SRC,
        "quality": "reported", "note": ""})], ignore_index=True)
    frames.update(tiny.midstream_plant_frames())
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


def test_plant_capacity_by_year_known_answer(ds):
    # P1 10 operating from 2022; P2 20 certified from 2027; P3 5 cancelled; P4 unsized
    t = ms.plant_capacity_by_year(ds, "JPN", "cell", [2021, 2022, 2027]).set_index("year")
    assert t.loc[2021, "pipeline"] == 0.0 and t.loc[2022, "operating"] == 10.0
    assert (t.loc[2027, "operating"], t.loc[2027, "pipeline"], t.loc[2027, "cancelled"]) == \
        (10.0, 30.0, 5.0)
    assert t.attrs["unsized"] == ["P4"]


def test_capacity_comparison_and_rounds_known_answer(ds):
    # published 2028: operating 100 wins over the 120 plan; listed plants if realised: 30
    t = ms.capacity_comparison(ds, "JPN", [2028]).iloc[0]
    assert (t["published_gwh"], t["if_realised_gwh"], t["difference_gwh"]) == (100.0, 30.0, 70.0)
    assert t["gap_to_target_gwh"] == 120.0
    rounds = ms.certified_rounds(ds, "JPN").set_index("round_year")
    # 2023 round: P4 unsized; METI's first plan total 120 minus the 2022 operating 20 = 100
    assert rounds.loc[2023, "unsized"] == 1 and rounds.loc[2023, "meti_increment_gwh"] == 100.0
    # 2024 round: P2 20 + P3 5 (cancelled, still counted as certified); no METI figure left
    assert rounds.loc[2024, "plans_gwh"] == 25.0 and rounds.loc[2024, "cancelled_gwh"] == 5.0
    assert pd.isna(rounds.loc[2024, "meti_increment_gwh"])


def test_owner_concentration_known_answer(ds):
    # 2022 company totals: CHN 60, KOR 30 of a world 100 -> 10 not listed; HHI .36 + .09
    world = ms.owner_concentration(ds, "cell", 2022).set_index("owner_iso3")
    assert world["share"].to_dict() == pytest.approx({"CHN": 0.6, "KOR": 0.3,
                                                      "not listed": 0.1})
    assert world.attrs["hhi"] == pytest.approx(0.45) and world.attrs["coverage"] == 0.9
    # plants in Japan if realised, 2027: P1 10 JPN; P2 20 = CHN 16 + JPN 4 (P3 cancelled)
    home = ms.owner_concentration(ds, "cell", 2027, within="JPN", statuses=ms.PIPELINE)
    assert home.set_index("owner_iso3")["capacity"].to_dict() == pytest.approx(
        {"CHN": 16.0, "JPN": 14.0})
    assert ms.owner_concentration(ds, "cell").attrs["year"] == 2022  # year with most totals


def test_anode_type_split_known_answer(ds):
    t = ms.anode_type_split(ds)
    assert t[["iso3", "natural", "synthetic"]].to_dict("records") == [
        {"iso3": "CHN", "natural": 0.2, "synthetic": 0.8}]
    assert "CHN" in t.attrs["gap"] and "data gap" in t.attrs["gap"]


def test_plant_files_validated_at_load(tmp_path):
    from scrisk.data.load import load_dataset
    from scrisk.exceptions import DataValidationError

    frames = tiny.tables()
    plants = tiny.midstream_plant_frames()
    p, o, a = (plants[k].copy() for k in ("midstream_plants", "midstream_plant_owners",
                                          "midstream_anode_types"))
    p.loc[0, "unit"] = "t CAM"                      # row 2: a cell in tonnes
    p.loc[1, "iso3"] = None                         # row 3: no country for a plant
    p.loc[2, "facility_id"] = "NOPE"                # row 4: unknown site
    o.loc[len(o)] = ["P2", "extra", "KOR", 0.5, SRC, ""]    # P2 owned 150 %
    o.loc[len(o)] = ["GHOST", "x", "JPN", 1.0, SRC, ""]     # owner of no plant
    a.loc[1, "share"] = 0.5                         # 0.8 + 0.5
    frames.update({"midstream_plants": p, "midstream_plant_owners": o,
                   "midstream_anode_types": a})
    fac = frames["facilities"]  # a facilities file listing a battery plant: links are checked
    frames["facilities"] = pd.concat([fac, fac.iloc[[0]].assign(
        facility_id="CELL-JPN-X", stage="cell", unit="GWh", capacity_t=None,
        output_t=None)], ignore_index=True)
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny.write(tmp_path / "data", frames))
    found = {(f.file.rsplit("/", 1)[-1], f.row, f.column) for f in info.value.failures}
    assert {("midstream_plants.csv", 2, "unit"), ("midstream_plants.csv", 3, "iso3"),
            ("midstream_plants.csv", 4, "facility_id")} <= found
    assert any(c == "equity_share" for _, _, c in found)
    assert ("midstream_plant_owners.csv", 10, "plant_id") in found
    assert any(f == "midstream_anode_types.csv" and c == "share" for f, _, c in found)
    text = str(info.value)
    assert "GWh for the cell stage" in text and "at most 1" in text


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


def test_plausible_japan_plants_against_meti(shipped):
    # METI, certification of 6 Sep 2024 (日刊自動車新聞 / knak.jp): domestic capacity "85GWh から
    # 120GWh" if realised: +35 GWh. The plans of that day as stated by the companies (Panasonic/
    # SUBARU 20, Panasonic/Mazda +6.5, Toyota 9, Nissan 5) must land near it.
    rounds = ms.certified_rounds(shipped, "JPN").set_index("round_year")
    assert rounds.loc[2024, "meti_increment_gwh"] == 35.0
    assert 30.0 <= rounds.loc[2024, "plans_gwh"] <= 45.0
    # the listed plants never exceed METI's all-plans figure (120 GWh), nor fall below the
    # about 20 GWh operating in 2022 (METI, Apr 2022) once the plans are in
    built = ms.capacity_comparison(shipped, "JPN").set_index("year")
    assert 20.0 <= built.loc[2028, "if_realised_gwh"] <= 120.0
    assert built.loc[2028, "cancelled_gwh"] == 5.0  # Nissan Kitakyushu, cancelled May 2025


def test_plausible_world_cell_capacity_by_owner(shipped):
    # BloombergNEF (via Visual Capitalist, 2023): world cell capacity 2022 about 1,169 GWh;
    # IEA GEVO 2024: 2.5 TWh in 2023 after adding 780 GWh, i.e. about 1.7 TWh in 2022. The
    # listed company totals (CATL 390, LGES 200, SDI 84, SK On 77, Japanese makers 60-70)
    # hold between 40 % and 85 % of it; Korea's three makers 361 GWh (SNE Research).
    t = ms.owner_concentration(shipped, "cell", 2022)
    assert 0.4 <= t.attrs["coverage"] <= 0.85
    cap = t.set_index("owner_iso3")["capacity"]
    assert cap["KOR"] == 361.0 and 60.0 <= cap["JPN"] <= 70.0
    # no world cathode capacity after 2020: listed company totals are not the world, no HHI
    assert pd.isna(ms.owner_concentration(shipped, "cathode", 2023).attrs["hhi"])
    # Panasonic's US plants: Nevada 41 + Kansas about 32 = 73 GWh at full operation (2025 press)
    plants = ms.plant_table(shipped, "cell", "USA")
    pana = plants.loc[plants["plant_id"].str.startswith("USA-PANASONIC"), "capacity"].sum()
    assert 70.0 <= pana <= 76.0


def test_cli_concentration_cathode_shows_sources(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "concentration", "--stage",
                             "cathode", "--year", "2024")
    assert code == 0, err
    assert "CHN" in out and "source (all, capacity 2023" in out and "IEA" in out


def test_cli_battery_capacity(monkeypatch, capsys):
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "battery-capacity", "--format",
                             "csv", "--plants")
    assert code == 0, err
    assert "certified_plans" in out and "120.0" in out
    assert "if_realised_gwh" in out and "meti_increment_gwh" in out
    assert "JPN-BLUE-ENERGY-2027" in out and "Honda Motor (JPN, 49%)" in out
    code, out, err = run_cli(monkeypatch, capsys, "metrics", "concentration", "--stage", "cell",
                             "--companies")
    assert code == 0, err
    assert "owner nationality" in out and "KOR" in out and "not listed" in out
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
