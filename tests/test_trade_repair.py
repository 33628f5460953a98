"""Trade conversion (HS map) and quantity repair: hand-computed cases and the shipped data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scrisk.data.hs_map import map_trade, read_hs_map, validate_hs_map
from scrisk.data.load import load_dataset, shipped_data_path
from scrisk.data.trade_repair import RepairTolerance, repair_summary, repair_trade, repairs_of

COLUMNS = ["year", "hs6", "exporter", "importer", "quantity_t", "value_kusd"]


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def worked_example() -> pd.DataFrame:
    """The example of docs/methods.md, "Trade conversion and repair" (kUSD, t)."""
    rows = []
    for year in (2020, 2021, 2022):
        rows += [(year, "260300", "B", "X", 500.0, 1000.0), (year, "260300", "C", "X", 600.0, 1200.0)]
        rows.append((year, "260300", "A", "X", 330.0 if year == 2021 else 1000.0, 2000.0))
    rows += [(2021, "260300", "D", "X", np.nan, 400.0),    # value, no quantity
             (2021, "260300", "E", "X", 0.5, 10.0)]        # sample below 250 kUSD: not tested
    return frame(rows)


def test_worked_example_of_methods_md():
    fixed, repairs = repair_trade(worked_example())
    q = fixed.set_index(["year", "exporter", "importer"])["quantity_t"]
    # A 2021: 2000 / 330 = 6.06 kUSD/t; world median = median(6.06, 2.0, 2.0) = 2.0 -> x3.03;
    # own history (2020, 2022) = 1.0 -> x3.03 from history; q = 2000 / (2.0 x 1.0) = 1000 t
    assert q[(2021, "A", "X")] == pytest.approx(1000.0)
    assert q[(2021, "D", "X")] == pytest.approx(200.0)      # 400 / 2.0
    assert q[(2021, "E", "X")] == 0.5                        # untouched
    assert repairs[["exporter", "rule"]].values.tolist() == [["A", "unit_value"],
                                                             ["D", "missing_quantity"]]
    row = repairs.iloc[0]
    assert row["world_median"] == pytest.approx(2.0)
    assert row["history_ratio"] == pytest.approx(1.0)
    assert row["unit_value_reported"] == pytest.approx(2000 / 330)
    # the reported quantity is kept beside the repaired one
    a = fixed[(fixed.year == 2021) & (fixed.exporter == "A")].iloc[0]
    assert a["quantity_t_reported"] == 330.0
    assert a["repair"].startswith("unit_value: reported 6.061 kUSD/t; expected 2 kUSD/t")
    # contained copper at the map's 27 % for concentrate: 1000 t x 0.27 = 270 t Cu
    mapped = map_trade(fixed, read_hs_map())
    cu = mapped[(mapped.year == 2021) & (mapped.exporter == "A")]
    assert float((cu["quantity_t"] * cu["contained_factor"]).iloc[0]) == pytest.approx(270.0)


def test_repair_is_idempotent_and_keeps_rows():
    trade = worked_example()
    once, _ = repair_trade(trade)
    twice, repairs = repair_trade(once)
    assert len(once) == len(trade)
    np.testing.assert_allclose(twice["quantity_t"], once["quantity_t"])
    assert len(repairs) == 2
    a2021 = (trade.year == 2021) & (trade.exporter == "A")
    assert trade.loc[a2021, "quantity_t"].item() == 330.0  # input not mutated


def test_price_cycle_is_not_a_break():
    rows = []
    for year, price in ((2019, 1.0), (2020, 1.0), (2021, 2.5), (2022, 1.0)):
        for exporter, q in (("A", 1000.0), ("B", 500.0), ("C", 600.0)):
            rows.append((year, "260300", exporter, "X", q, q * 2.0 * price))
    assert repair_trade(frame(rows))[1].empty


def test_consistent_low_grade_exporter_is_left_alone():
    rows = []
    for year in range(2018, 2023):
        rows += [(year, "260400", "CAN", "X", 1000.0, 2000.0), (year, "260400", "AUS", "X", 800.0, 1600.0),
                 (year, "260400", "FIN", "X", 900.0, 1800.0),
                 (year, "260400", "PHL", "X", 40000.0, 2000.0)]  # 0.05 kUSD/t, 40x below
    assert repair_trade(frame(rows))[1].empty


def test_exporter_break_repairs_flows_the_flow_test_misses():
    rows = []
    for year in range(2018, 2023):
        broken = year == 2021
        for exporter in ("A", "B", "C"):
            rows.append((year, "260300", exporter, "X", 1000.0, 2000.0))
        # F: to X 3x its usual unit value, to Y only 1.8x: F's exporter unit value is 2.7x
        rows.append((year, "260300", "F", "X", 3000.0 / (3.0 if broken else 1.0), 6000.0))
        rows.append((year, "260300", "F", "Y", 500.0 / (1.8 if broken else 1.0), 1000.0))
    fixed, repairs = repair_trade(frame(rows))
    got = repairs.set_index("importer")["rule"].to_dict()
    assert got == {"X": "unit_value", "Y": "exporter_break"}
    assert fixed.loc[(fixed.year == 2021) & (fixed.exporter == "F"), "quantity_t"].tolist() == \
        pytest.approx([3000.0, 500.0])


def test_flow_without_history_needs_the_wider_tolerance():
    base = [(2021, "260300", e, "X", 1000.0, 2000.0) for e in ("A", "B", "C")]
    six = repair_trade(frame([*base, (2021, "260300", "N", "X", 100.0, 1200.0)]))[1]
    four = repair_trade(frame([*base, (2021, "260300", "N", "X", 100.0, 800.0)]))[1]
    assert six["rule"].tolist() == ["unit_value"] and four.empty


def test_tolerance_is_checked():
    with pytest.raises(ValueError, match="world"):
        RepairTolerance(world=0.5)
    with pytest.raises(KeyError, match="importer"):
        repair_trade(worked_example().drop(columns="importer"))


def test_repairs_of_and_summary():
    fixed, _ = repair_trade(worked_example())
    fixed = fixed.assign(commodity="copper", stage="mining")
    listed = repairs_of(fixed)
    assert listed["rule"].tolist() == ["unit_value", "missing_quantity"]
    line = repair_summary(fixed, listed)
    assert line.startswith("2 of 11 flows repaired (18.2 %)")


# --------------------------------------------------------------------------- HS map


def test_shipped_map_is_valid_and_covers_the_shipped_trade():
    commodities = set(pd.read_csv(shipped_data_path() / "minerals/commodities.csv")["commodity"])
    hs_map = read_hs_map(commodities=commodities)
    trade = pd.read_parquet(shipped_data_path() / "minerals/trade.parquet")
    assert set(trade["hs6"]) <= set(hs_map["hs6"])
    assert ((hs_map.factor_low <= hs_map.contained_factor)
            & (hs_map.contained_factor <= hs_map.factor_high)).all()


def test_map_trade_exporter_rows_first_and_basket_code_limited():
    rows = pd.DataFrame({"hs6": ["282200", "282200", "282200", "253090", "253090", "260400"],
                         "exporter": ["COD", "ZMB", "FIN", "AUS", "USA", "PHL"]})
    got = map_trade(rows, read_hs_map(), keep_unmapped=True)
    assert got["stage"].tolist()[:3] == ["intermediate", "intermediate", "refining"]
    assert got["contained_factor"].tolist()[:3] == [0.22, 0.22, 0.72]
    assert got["commodity"].iloc[3] == "lithium" and pd.isna(got["commodity"].iloc[4])
    assert got["contained_factor"].iloc[5] == 0.015
    assert len(map_trade(rows, read_hs_map())) == 5  # USA's basket code dropped


def test_map_validation_reports_each_problem():
    bad = pd.DataFrame({
        "hs6": ["260300", "260300", "2604", "282200", "282200"],
        "commodity": ["copper", "copper", "nickel", "cobalt", "cobalt"],
        "stage": ["mining", "mining", "ore", "intermediate", "intermediate"],
        "exporters": ["", "", "", "COD", "COD;ZMB"],
        "contained_factor": ["0.27", "0.27", "0.4", "0.32", "0.5"],
        "factor_low": ["0.2", "0.2", "0.1", "0.25", "0.25"],
        "factor_high": ["0.35", "0.35", "0.3", "0.4", "0.4"],
        "source": ["x", "x", "x", "x", ""]})
    got = [(f.row, f.column) for f in validate_hs_map(bad, commodities={"copper", "cobalt"})]
    assert got == [(3, "exporters"), (4, "hs6"), (4, "commodity"), (4, "stage"),
                   (4, "contained_factor"), (6, "contained_factor"), (6, "source"),
                   (6, "exporters")]


# --------------------------------------------------------------------------- shipped trade


@pytest.fixture(scope="module")
def shipped_trade() -> pd.DataFrame:
    return pd.read_parquet(shipped_data_path() / "minerals/trade.parquet")


def test_chile_copper_concentrate_break_is_repaired(shipped_trade):
    chl = shipped_trade[(shipped_trade.exporter == "CHL") & (shipped_trade.hs6 == "260300")]
    by_year = chl.groupby("year")[["quantity_t_reported", "quantity_t"]].sum() / 1e6
    for year in (2021, 2022, 2024):
        assert 4.0 < by_year.loc[year, "quantity_t_reported"] < 5.1  # the break in BACI
        assert 9.0 < by_year.loc[year, "quantity_t"] < 13.5            # repaired
    normal = by_year.loc[[2018, 2019, 2020, 2023], "quantity_t"]
    assert (normal / by_year.loc[[2018, 2019, 2020, 2023], "quantity_t_reported"]).max() < 1.05
    to_china = chl[chl.importer == "CHN"].set_index("year")["repair"]
    assert all(to_china[y] != "" for y in (2021, 2022, 2024)) and to_china[2023] == ""


def test_congo_cobalt_hydroxide_is_one_intermediate_across_codes(shipped_trade):
    cod = shipped_trade[(shipped_trade.exporter == "COD")
                        & shipped_trade.hs6.isin(["282200", "810510"])]
    assert set(cod["stage"]) == {"intermediate"}
    hydroxide = cod[cod.hs6 == "282200"].groupby("year")["quantity_t_reported"].sum() / 1e3
    assert hydroxide[2022] < 40 and hydroxide[2024] < 25 and hydroxide[2023] > 400
    # BACI moved the hydroxide between 282200 and 810510: the value fell with the quantity,
    # so it is a code switch, not a quantity error; both codes together stay in one range
    contained = cod.groupby("year")["contained_t"].sum() / 1e3
    assert (contained[[2022, 2024]] > 0.45 * contained[2023]).all()
    # kt Co: DRC mined about 80-200 kt a year (World Mining Data 2025: 79 kt in 2019, 140 kt in
    # 2023, 200 kt in 2024); its intermediates carry about that much metal
    assert contained.between(70, 230).all()


def test_ordinary_flows_are_rarely_touched(shipped_trade):
    rule = shipped_trade["repair"].str.split(":").str[0]
    checked = rule.isin(["unit_value", "exporter_break"])
    assert checked.mean() < 0.06
    contained = shipped_trade.groupby(["hs6", "exporter", "importer", "year"]).size()
    assert contained.max() == 1  # one row per flow: no code mapped to two commodities


def test_old_overlay_gets_contained_tonnes(tmp_path, shipped_trade):
    old = shipped_trade[(shipped_trade.year == 2023) & (shipped_trade.hs6 == "282200")]
    old = old[["year", "hs6", "commodity", "stage", "exporter", "importer", "quantity_t",
               "value_kusd", "source"]]
    (tmp_path / "minerals").mkdir()
    old.to_parquet(tmp_path / "minerals/trade.parquet", index=False)
    trade = load_dataset(overlay=tmp_path).trade
    cod = trade[trade.exporter == "COD"]
    expected = cod["quantity_t"].to_numpy() * 0.22
    np.testing.assert_allclose(cod["contained_t"].to_numpy(dtype=float), expected)
    fin = trade[trade.exporter == "FIN"]
    np.testing.assert_allclose(fin["contained_t"].to_numpy(dtype=float),
                               fin["quantity_t"].to_numpy() * 0.72)


def test_check_trade_cli(cli):
    done = cli("data", "check-trade", "--year", "2021", "--commodity", "copper",
               "--format", "csv")
    assert done.returncode == 0, done.stderr
    listed = pd.read_csv(__import__("io").StringIO(done.stdout), keep_default_na=False)
    assert {"CHL"} <= set(listed["exporter"]) and set(listed["year"]) == {2021}
    assert set(listed["rule"]) <= {"unit_value", "exporter_break", "missing_quantity"}
    bad = cli("data", "check-trade", "--commodity", "unobtainium")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
