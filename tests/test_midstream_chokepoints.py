"""Chokepoints of the battery midstream: known answers on the tiny dataset (docs/methods.md)."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from scrisk.disruption.midstream import midstream_chokepoints
from scrisk.metrics import midstream as ms
from tests import tiny
from tests.cli_runner import run_cli

NMC811 = pd.Series({"NMC811": 1.0})


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The tiny midstream dataset (tests/tiny.py)."""
    return tiny.write(tmp_path_factory.mktemp("midstream_chokepoints") / "data",
                      tiny.midstream_tables())


@pytest.fixture(scope="module")
def ds(folder):
    from scrisk.data.load import load_dataset

    return load_dataset(folder)


@pytest.fixture(scope="module")
def cathode(ds):
    return midstream_chokepoints(ds, "JPN", "cathode", 2022, quantity=100.0, mix=NMC811)


def shares(result) -> dict[str, float]:
    return result.ranking.set_index("node")["loss_share"].to_dict()


def test_cathode_known_answer(cathode):
    # 100 t CAM: JPN's own 40 t, CHN's 60 t; cobalt need 10 t (4 via JPN, 6 via CHN).
    # JPN's refined cobalt pool of 40 t: FIN 30 (20 refined from Australian ore, 10
    # unattributed), CHN 10; CHN's pool: its own 80 t (0.625 CHN-mined).
    assert shares(cathode) == pytest.approx({
        "cobalt refining:CHN": 0.4 * 10 / 40 + 0.6 * 1.0,          # 0.7
        "cathode:CHN": 0.6,
        "cobalt mining:CHN": 0.4 * 6.25 / 40 + 0.6 * 0.625,       # 0.4375
        "cathode:JPN": 0.4,
        "cobalt refining exports:FIN": 0.4 * 30 / 40,             # 0.3
        "cobalt mining:AUS": 0.4 * 20 / 40,                       # 0.2
        "cobalt mining exports:AUS": 0.4 * 20 / 40,
        "cobalt refining:FIN": 0.4 * 20 / 40,                     # FIN's own output only
        "cobalt refining exports:CHN": 0.4 * 10 / 40,             # 0.1
    })
    top = cathode.ranking.iloc[0]
    assert top["node"] == "cobalt refining:CHN" and top["loss_product"] == pytest.approx(70.0)
    assert top["unit"] == "t CAM"
    # 0.6 of the 0.7 runs through China's own cathode plants: the world-market split
    assert top["world_market_share"] == pytest.approx(0.6 / 0.7)
    assert cathode.ranking.set_index("node").loc["cathode:JPN", "domestic"]


def test_cathode_elements_in_contained_tonnes(cathode):
    table = cathode.by_element.set_index(["node", "commodity"])
    assert table.loc[("cobalt refining:CHN", "cobalt"), "loss_t"] == pytest.approx(7.0)
    assert table.loc[("cathode:CHN", "lithium"), "loss_t"] == pytest.approx(4.2)
    assert table.loc[("cathode:CHN", "cobalt"), "need_t"] == pytest.approx(10.0)
    assert ("cobalt refining:CHN", "lithium") not in table.index  # lithium has no network


def test_ranking_agrees_with_exposure(ds, cathode):
    # a mining country's loss is its mined tonnes in the exposure; a producer its supplier share
    exposure = ms.midstream_exposure(ds, "JPN", "cathode", 2022, quantity=100.0, mix=NMC811)
    mined = exposure.by_origin().query("commodity == 'cobalt'").set_index("origin")["tonnes"]
    table = cathode.by_element.query("commodity == 'cobalt'").set_index("node")["loss_t"]
    assert table["cobalt mining:CHN"] == pytest.approx(mined["CHN"])
    assert table["cobalt mining:AUS"] == pytest.approx(mined["AUS"])
    sup = exposure.by_supplier().query("commodity == 'cobalt'").set_index("supplier")["tonnes"]
    assert table["cathode:CHN"] == pytest.approx(sup["CHN"])


def test_single_points_and_assumption_notes(cathode):
    spof = cathode.single_points.set_index("node")
    assert spof.loc["cobalt refining:CHN", "share"] == pytest.approx(0.7)
    assert "cathode:JPN" not in spof.index  # the importer's own plants are not a foreign risk
    world = cathode.single_points.loc[cathode.single_points["scope"].str.startswith("world")]
    assert world["node"].tolist() == ["cathode:CHN"] and world["share"].iloc[0] == 0.6
    assert cathode.notes[0].startswith("assumption:") and "world-market" in cathode.notes[0]
    assert any("scarcest element" in n for n in cathode.notes)
    assert cathode.summary(None)["domestic"].sum() == 0


def test_cell_known_answer(ds):
    # 0.1 GWh of NMC811 cells: 142.857 t CAM, JPN's own 40 t (0.28), CHN 0.72 (docs/methods.md)
    result = midstream_chokepoints(ds, "JPN", "cell", 2022, gwh=0.1, mix=NMC811,
                                   basis="theoretical")
    assert result.unit == "GWh" and result.product_need == 0.1
    got = shares(result)
    assert got["cobalt refining:CHN"] == pytest.approx(0.28 * 0.25 + 0.72)
    assert got["cathode:CHN"] == pytest.approx(0.72)
    assert got["cobalt mining:CHN"] == pytest.approx(0.28 * 0.15625 + 0.72 * 0.625)
    row = result.ranking.set_index("node").loc["cobalt refining:CHN"]
    assert row["loss_product"] == pytest.approx(0.079)  # GWh


def test_untraced_draw_is_not_hit_upstream(ds):
    # 20x the cathode output: JPN makes 800 t CAM (80 t Co from a 40 t pool: half traced),
    # CHN 1200 t (120 t Co from an 80 t pool: two thirds traced). A need of 1000 t: own 800,
    # CHN 200. Losing CHN's refining hits only the traced draws.
    from dataclasses import replace

    # the validated tables with one changed (loading a second folder costs seconds)
    tables = dict(ds._tables)
    tables["midstream_shares"] = tables["midstream_shares"].assign(world_total=2000.0)
    big = replace(ds, _tables=tables)
    result = midstream_chokepoints(big, "JPN", "cathode", 2022, quantity=1000.0, mix=NMC811)
    got = shares(result)
    assert got["cobalt refining:CHN"] == pytest.approx(0.8 * 0.5 * 0.25 + 0.2 * (2 / 3))
    assert got["cobalt mining:CHN"] == pytest.approx(0.8 * 0.5 * 0.15625 + 0.2 * (2 / 3) * 0.625)
    exposure = ms.midstream_exposure(big, "JPN", "cathode", 2022, quantity=1000.0, mix=NMC811)
    mined = exposure.by_origin().query("commodity == 'cobalt'").set_index("origin")["tonnes"]
    lost = result.by_element.set_index(["node", "commodity"])["loss_t"]
    assert lost[("cobalt mining:CHN", "cobalt")] == pytest.approx(mined["CHN"])
    pools = ms.supplier_pools(big, "cathode", NMC811, 2022, ["JPN", "CHN", "ROW"], ["cobalt"])
    assert pools.set_index("supplier")["traced_share"].to_dict() == pytest.approx(
        {"JPN": 0.5, "CHN": 2 / 3, "ROW": 0.0})


def test_bad_arguments(ds):
    with pytest.raises(ValueError, match="threshold"):
        midstream_chokepoints(ds, "JPN", "cathode", 2022, threshold=0.0)
    with pytest.raises(ValueError, match="gwh"):
        midstream_chokepoints(ds, "JPN", "cell", 2022, quantity=10.0)
    with pytest.raises(ValueError, match="quantity"):
        midstream_chokepoints(ds, "JPN", "anode", 2022, gwh=10.0)
    from scrisk.exceptions import ScriskError

    with pytest.raises(ScriskError, match="--gwh"):  # no cell goal for Korea in the data
        midstream_chokepoints(ds, "KOR", "cell", 2022, mix=NMC811)


def test_cli_stage_cathode(monkeypatch, capsys, folder, ds):
    import scrisk.cli
    from scrisk.data.load import shipped_data_path

    # the tiny dataset as the shipped one, already loaded (the CLI's per-process cache)
    monkeypatch.setenv("SCRISK_DATA", str(folder))
    monkeypatch.setitem(scrisk.cli._LOADED, (str(shipped_data_path()), None, ()), ds)
    code, out, err = run_cli(monkeypatch, capsys, "chokepoints", "--stage", "cathode",
                             "--quantity", "100", "--battery-scenario", "mix", "--year", "2022",
                             "--view", "ranking", "--format", "csv")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert table.set_index("node")["loss_share"].to_dict()["cobalt refining:CHN"] == \
        pytest.approx(0.7)
    assert "cathode:JPN" not in set(table["node"])  # --include-domestic lists it
    code, out, err = run_cli(monkeypatch, capsys, "chokepoints", "--stage", "cathode",
                             "--quantity", "100", "--battery-scenario", "mix", "--year", "2022")
    assert code == 0, err
    assert "note: assumption: no bilateral trade of midstream products" in out
    for args in (["--stage", "cathode", "--gwh", "5"], ["--stage", "cell", "--commodity",
                                                        "cobalt"], ["--gwh", "5"],
                 ["--stage", "cathode", "--view", "sea-lanes"]):
        code, _, err = run_cli(monkeypatch, capsys, "chokepoints", *args)
        assert code == 2 and "Traceback" not in err, (args, err)
    scenario = folder.parent / "cut.toml"
    scenario.write_text('name = "cut"\n[[shocks]]\nkind = "production_cut"\ncountry = "CHN"\n'
                        'commodity = "cobalt"\nstage = "refining"\nsize = 1.0\n',
                        encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "scenario", "midstream", str(scenario),
                             "--stage", "cathode", "--quantity", "100", "--battery-scenario",
                             "mix", "--year", "2022", "--format", "csv")
    assert code == 0, err
    losses = pd.read_csv(io.StringIO(out)).set_index("via")
    assert losses.loc["cathode", "loss_share"] == pytest.approx(0.7)


def scenario_of(ds, *shocks):
    from scrisk.disruption.scenarios import parse_scenario

    return parse_scenario({"name": "test", "importer": "JPN", "shocks": [
        {"id": f"s{i}", **shock} for i, shock in enumerate(shocks)]}, ds)


CUT = {"kind": "production_cut", "country": "CHN", "commodity": "cobalt", "stage": "refining",
       "size": 1.0}
QUOTA = {"kind": "export_quota", "country": "FIN", "commodity": "cobalt", "stage": "refining",
         "size": 0.5}


@pytest.mark.parametrize(("shocks", "expected"), [
    ([CUT], 0.7),                                   # = the ranking's cobalt refining:CHN
    ([QUOTA], 0.5 * 0.3),                           # half of FIN's exports: half its row
    ([CUT, QUOTA], 0.4 * (10 + 15) / 40 + 0.6),     # JPN's pool loses 25 of 40; CHN's all
    ([{"kind": "trade_link", "country": "CHN", "commodity": "cobalt",
       "stage": "refining"}], 0.4 * 10 / 40),       # links to JPN cut JPN's own pool only
])
def test_scenario_through_the_midstream(ds, shocks, expected):
    from scrisk.disruption.midstream import midstream_scenario

    result = midstream_scenario(ds, scenario_of(ds, *shocks), "cathode", 2022, quantity=100.0,
                                mix=NMC811)
    row = result.losses.set_index("via").loc["cathode"]
    assert row["loss_share"] == pytest.approx(expected)
    assert row["loss_product"] == pytest.approx(100.0 * expected) and row["unit"] == "t CAM"
    assert any("world-market" in n for n in result.notes)


@pytest.mark.parametrize(("shocks", "cuts", "expected"), [
    ([], {"cathode:CHN": 0.5}, 0.6 * 0.5),
    ([CUT], {"cathode:CHN": 0.5}, 0.4 * 10 / 40 + 0.6),     # China's share is lost once
    ([QUOTA], {"cathode:JPN": 0.5}, 0.4 * (1 - (1 - 15 / 40) * 0.5)),
])
def test_scenario_with_output_cuts(ds, shocks, cuts, expected):
    from scrisk.disruption.midstream import midstream_scenario

    result = midstream_scenario(ds, scenario_of(ds, *(shocks or [QUOTA])) if shocks
                                else scenario_of(ds, {**QUOTA, "size": 0.0}), "cathode", 2022,
                                quantity=100.0, mix=NMC811, output_cuts=cuts)
    assert result.losses["loss_share"].iloc[0] == pytest.approx(expected)
    assert any("midstream output cuts" in n for n in result.notes)
    with pytest.raises(ValueError, match="output cut"):
        midstream_scenario(ds, scenario_of(ds, QUOTA), "cathode", 2022, quantity=100.0,
                           mix=NMC811, output_cuts={"anode:CHN": 0.5})


def test_shipped_anode_agrees_with_exposure_and_iea(shipped):
    # graphite only (the cheapest stage): China's mines lose exactly their mined share of
    # Japan's anode material in the exposure; China holds > 90 % of world anode material
    # (IEA Critical Minerals Dataset 2025, battery-grade graphite 2024: 95.7 %), a single
    # point of failure of world output
    # a need of 100 kt anode material: above Japan's own output, so China supplies part
    result = midstream_chokepoints(shipped, "JPN", "anode", 2024, quantity=100_000.0)
    exposure = ms.midstream_exposure(shipped, "JPN", "anode", 2024, quantity=100_000.0)
    mined = exposure.by_origin().set_index("origin")["share"]
    assert result.ranking.set_index("node").loc["anode:CHN", "loss_share"] > 0.3
    row = result.ranking.set_index("node").loc["graphite mining:CHN"]
    assert row["loss_share"] == pytest.approx(mined["CHN"], rel=1e-9)
    spof = result.single_points
    world = spof.loc[spof["scope"].str.startswith("world anode") & (spof["node"] == "anode:CHN")]
    assert len(world) == 1 and 0.90 <= world["share"].iloc[0] <= 0.99
    assert (result.ranking["loss_share"] <= 1 + 1e-9).all()
    # China's anode material reaches Japan as China's exports of graphite's material stage
    ranked = result.ranking.set_index("node")["loss_share"]
    assert ranked["graphite material exports:CHN"] == pytest.approx(ranked["anode:CHN"])
    # a scenario of one whole-node shock loses that node's row
    from scrisk.disruption.midstream import midstream_scenario

    for shock, node in (({"kind": "export_ban", "country": "CHN", "commodity": "graphite",
                          "stage": "material"}, "graphite material exports:CHN"),
                        ({"kind": "production_cut", "country": "CHN", "commodity": "graphite",
                          "stage": "mining", "size": 1.0}, "graphite mining:CHN")):
        got = midstream_scenario(shipped, scenario_of(shipped, shock), "anode", 2024,
                                 quantity=100_000.0)
        assert got.losses["loss_share"].iloc[0] == pytest.approx(ranked[node], rel=1e-9)
