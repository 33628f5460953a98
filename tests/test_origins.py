"""The origin model: worked example, properties, and published figures on the shipped data.

The worked three-stage example is the one of docs/methods.md ("Origin model"); the
published figures carry their citation next to the band they are tested against.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import supply_networks

from scrisk.disruption.chokepoints import chokepoints
from scrisk.metrics.dependency import import_dependency
from scrisk.metrics.exposure import lookthrough_exposure, partner_origin_flows
from scrisk.network import SupplyNetwork
from scrisk.origins import UNATTRIBUTED, FlowModel, example_network, flow_model, label_kind

# ----------------------------------------------------------------- worked example


def test_worked_three_stage_example():
    model = FlowModel(example_network())
    # DR Congo's 60 t of hydroxide feed 60 of Finland's 70 t: 6/7 Congolese, 1/7 untraced
    fin = model.origin_shares("refining").loc["FIN"]
    assert fin["COD"] == pytest.approx(6 / 7)
    assert fin["untraced:FIN"] == pytest.approx(1 / 7)
    assert model.supply_by_origin("JPN", "refining").to_dict() == \
        pytest.approx({"COD": 30.0, "untraced:FIN": 5.0})
    # 40 t of ore never processed stay in DR Congo: every mined tonne is accounted for
    assert model.attributed_mined()["COD"] == pytest.approx(100.0)


def test_untraced_feed_is_never_given_to_the_refiner():
    model = FlowModel(example_network())
    shares = model.supply_by_origin("JPN", "refining")
    assert "FIN" not in shares.index


# ----------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(supply_networks())
def test_shares_sum_to_one_with_untraced_and_unattributed(network):
    model = FlowModel(network)
    for stage in model.stages:
        pools = model.arrays[stage].pool
        sums = model.composition[stage].sum(axis=1)
        assert np.allclose(sums[pools > 1e-9], 1.0, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(supply_networks())
def test_no_mining_country_gets_more_than_it_mined(network):
    model = FlowModel(network)
    attributed = model.attributed_mined()
    mine = network.output("mining")
    for k, iso3 in enumerate(network.countries):
        if mine[k] > 0:
            assert attributed[iso3] <= mine[k] * (1 + 1e-9) + 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=2, max_size=5), st.data())
def test_one_stage_without_reexports_equals_direct_shares(mines, data):
    n = len(mines) + 1
    names = tuple(f"C{i}" for i in range(n - 1)) + ("JPN",)
    production = np.array([*map(float, mines), 0.0])
    ships = np.array([data.draw(st.integers(0, m)) for m in mines], dtype=float)
    flows = np.zeros((n, n))
    flows[:-1, -1] = ships
    network = SupplyNetwork("x", 2023, names, MappingProxyType({"mining": production}),
                            MappingProxyType({"mining": flows}),
                            MappingProxyType({"mining": flows}),
                            MappingProxyType({"mining": flows}), "t")
    shares = FlowModel(network).supply_by_origin("JPN", "mining")
    direct = {names[i]: ships[i] for i in range(n - 1) if ships[i] > 0}
    assert shares.to_dict() == pytest.approx(direct)


# ----------------------------------------------------------------- shipped data


@pytest.mark.parametrize("commodity", ["cobalt", "copper", "lithium", "nickel", "graphite",
                                       "rare_earths", "zinc", "manganese"])
def test_shipped_shares_sum_to_one_and_mass_balance_holds(shipped, commodity):
    for year in (2019, 2023):
        model = flow_model(shipped, commodity, year)
        for stage in model.stages:
            pools = model.arrays[stage].pool
            sums = model.composition[stage].sum(axis=1)
            assert np.allclose(sums[pools > 1e-6], 1.0, atol=1e-6)
        # no mining country is attributed more than it mined, over every final use
        # (tolerance: 1e-6 relative, the solver's rounding)
        attributed = model.attributed_mined()
        mine = model.network.output("mining")
        for k, iso3 in enumerate(model.network.countries):
            if mine[k] > 0:
                assert attributed[iso3] <= mine[k] * (1 + 1e-6) + 1e-6, (commodity, iso3)


def test_exposure_and_chokepoints_agree_on_a_mine_removal(shipped):
    table = lookthrough_exposure(shipped, "JPN", "cobalt", 2023, "refining").set_index("iso3")
    ranking = chokepoints(shipped, "JPN", "cobalt", 2023, structure=False).ranking
    mines = ranking.loc[(ranking["kind"] == "production") & (ranking["element_stage"] == "mining")
                        & (ranking["stage"] == "refining")].set_index("element")
    for iso3 in ("COD", "PHL", "FIN", "AUS"):
        assert mines.loc[iso3, "loss_share"] == pytest.approx(table.loc[iso3, "mined_share"],
                                                              rel=1e-9)


def test_japan_refined_cobalt_2023_is_congolese_not_finnish(shipped):
    table = lookthrough_exposure(shipped, "JPN", "cobalt", 2023, "refining").set_index("iso3")
    share = table["mined_share"]
    # Finland mines about 1 % of the world's cobalt (USGS MCS 2025); its refinery runs on
    # Congolese hydroxide, so Finland's mined share of Japan's cobalt stays small
    assert share.get("FIN", 0.0) < 0.05
    congolese = share.get("COD", 0.0) + share.get("untraced:COD", 0.0)
    assert congolese > 0.2
    assert share.get("COD", 0.0) > share.get("untraced:FIN", 0.0)
    assert share.sum() == pytest.approx(1.0)


def test_japan_lithium_2023_leads_with_chile_and_australia(shipped):
    table = lookthrough_exposure(shipped, "JPN", "lithium", 2023, "refining")
    mined = table.loc[table["kind"] == "mined"].head(2)
    assert set(mined["iso3"]) == {"CHL", "AUS"}
    # Australian spodumene refined in China reaches Japan: Australia is no longer ~0 %
    assert table.set_index("iso3").loc["AUS", "mined_share"] > 0.15


def test_partner_origin_flows_sum_to_the_supply(shipped):
    flows = partner_origin_flows(shipped, "JPN", "cobalt", 2023, "refining")
    table = lookthrough_exposure(shipped, "JPN", "cobalt", 2023, "refining")
    assert flows["tonnes"].sum() == pytest.approx(table.attrs["supply_t"], rel=1e-9)
    via_finland = flows.loc[flows["supplier"] == "FIN"].set_index("origin")["tonnes"]
    assert via_finland.idxmax() == "COD"


def test_china_copper_mine_stage_reliance_in_contained_metal(shipped):
    # China imports about 80 % of the copper its smelters treat, in metal content (USGS MCS
    # 2024: China mine output 1.7 Mt Cu against about 6 Mt Cu smelted from concentrate);
    # in gross concentrate weight the same ratio reads about 0.94
    dep = import_dependency(shipped, "CHN", "copper", 2023, "mining")
    assert 0.7 <= dep.net_import_reliance <= 0.9


def test_untraced_and_unattributed_are_labelled(shipped):
    table = lookthrough_exposure(shipped, "JPN", "cobalt", 2023, "refining")
    kinds = dict(zip(table["iso3"], table["kind"], strict=True))
    for label, kind in kinds.items():
        assert kind == label_kind(label)
    if UNATTRIBUTED in kinds:
        assert any("unattributed" in n for n in table.attrs["notes"])


# ----------------------------------------------------------------- published figures


@pytest.mark.parametrize(("commodity", "stage", "country", "low", "high", "source"), [
    # IEA Global Critical Minerals Outlook 2024, refining: China 2023 shares
    ("cobalt", "refining", "CHN", 0.70, 0.85, "IEA GCMO 2024: China ~76 % of refined cobalt"),
    ("lithium", "refining", "CHN", 0.55, 0.75, "IEA GCMO 2024: China ~65 % of lithium chemicals"),
    ("rare_earths", "refining", "CHN", 0.80, 0.95,
     "IEA GCMO 2024: China ~90 % of rare-earth separation"),
    # USGS Mineral Commodity Summaries 2025, mine production 2023
    ("cobalt", "mining", "COD", 0.65, 0.80, "USGS MCS 2025: DR Congo ~74 % of mined cobalt"),
    ("nickel", "mining", "IDN", 0.45, 0.60, "USGS MCS 2025: Indonesia ~50 % of mined nickel"),
    ("copper", "mining", "CHL", 0.20, 0.27, "USGS MCS 2025: Chile ~23 % of mined copper"),
    ("lithium", "mining", "AUS", 0.35, 0.52, "USGS MCS 2025: Australia ~47 % of mined lithium"),
])
def test_network_output_shares_match_published_figures(shipped, commodity, stage, country,
                                                        low, high, source):
    network = flow_model(shipped, commodity, 2023).network
    output = network.output(stage)
    share = output[network.index(country)] / output.sum()
    assert low <= share <= high, source
