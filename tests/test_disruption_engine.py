"""Disruption engine on arrays: the worked example's known answers and properties.

The numbers are those of docs/methods.md (the network of
scrisk.disruption.example), computed by hand there.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import supply_networks

from scrisk.disruption.chokepoints import element_losses, model_elements
from scrisk.disruption.engine import SeaRoutes, SupplyModel
from scrisk.disruption.example import example_network, example_route_tables
from scrisk.disruption.reference import naive_element_losses
from scrisk.origins import FlowModel

ROUTES = SeaRoutes.from_tables(**example_route_tables())


@pytest.fixture(scope="module")
def model():
    return SupplyModel(example_network(), "JPN", ROUTES)


def _one(model, **cuts):
    """A single scenario: family=(key, surviving share) pairs."""
    gates = model.gates(1)
    for family, pairs in cuts.items():
        for key, survive in pairs:
            col = (model.chokepoints.index(key) if family == "lanes" else model.index(key))
            gates.family(family)[0, col] = survive
    return gates


def _loss(model, substitution=0.0, **cuts):
    loss = model.losses(_one(model, **cuts), substitution)[0]
    return {"mining": round(float(loss[0]), 9), "refining": round(float(loss[1]), 9)}


# ----------------------------------------------------------------- known answers


def test_supply_before_any_shock(model):
    assert model.supply == {"mining": 40.0, "refining": 70.0}
    assert model.headline_stage == "refining"
    assert _loss(model) == {"mining": 0.0, "refining": 0.0}


def test_supply_by_mine_origin(model):
    table = model.by_origin().round(9)
    refined = table.loc[table["stage"] == "refining"].set_index("origin")["before_t"]
    ore = table.loc[table["stage"] == "mining"].set_index("origin")["before_t"]
    assert refined.to_dict() == {"AUS": 40.0, "IDN": 20.0, "CHN": 10.0}
    assert ore.to_dict() == {"AUS": 30.0, "IDN": 10.0}


def test_refined_supply_by_supplier(model):
    assert model.supply_by_supplier("refining").round(9).to_dict() == \
        {"CHN": 40.0, "JPN": 20.0, "KOR": 10.0}


@pytest.mark.parametrize(("cuts", "expected"), [
    ({"mining": [("IDN", 0.0)]}, {"mining": 10.0, "refining": 20.0}),
    ({"ore_export": [("IDN", 0.0)]}, {"mining": 10.0, "refining": 20.0}),
    ({"refined_export": [("CHN", 0.0)]}, {"mining": 0.0, "refining": 50.0}),
    ({"refining": [("CHN", 0.5)]}, {"mining": 0.0, "refining": 25.0}),
    ({"mining": [("AUS", 0.5)]}, {"mining": 15.0, "refining": 20.0}),
    ({"lanes": [("malacca", 0.0)]}, {"mining": 10.0, "refining": 5.0}),
    ({"lanes": [("taiwan_strait", 0.0)]}, {"mining": 0.0, "refining": 20.0}),
    ({"lanes": [("korea_strait", 0.0)]}, {"mining": 0.0, "refining": 10.0}),
    ({"refined_link": [("KOR", 0.0)]}, {"mining": 0.0, "refining": 10.0}),
    ({"ore_link": [("AUS", 0.0)]}, {"mining": 30.0, "refining": 15.0}),
])
def test_single_shocks_known_answers(model, cuts, expected):
    assert _loss(model, **cuts) == expected


def test_combined_shocks_count_each_tonne_once(model):
    # 20 + 20 t alone; together 34 t because 6 t (CHN->JPN through the strait, mined in
    # Indonesia) is hit by both.
    both = _loss(model, ore_export=[("IDN", 0.0)], lanes=[("taiwan_strait", 0.0)])
    assert both == {"mining": 10.0, "refining": 34.0}


def test_substitution_rule(model):
    # Malacca: ore lost 10, unaffected AUS ships 30 -> may add 0.2 * 30 = 6.
    # Refined lost 5; unaffected CHN (40) and KOR (10) may add 10 -> all 5 replaced.
    assert _loss(model, 0.2, lanes=[("malacca", 0.0)]) == {"mining": 4.0, "refining": 0.0}
    # Taiwan Strait: CHN is hit, only KOR (10) may add 2 of the 20 t lost.
    assert _loss(model, 0.2, lanes=[("taiwan_strait", 0.0)])["refining"] == 18.0
    ev = model.evaluate(_one(model, lanes=[("malacca", 0.0)]), 0.2)
    assert ev.substituted["mining"][0] == pytest.approx(6.0)


def test_by_origin_after_a_scenario(model):
    gates = _one(model, ore_export=[("IDN", 0.0)], lanes=[("taiwan_strait", 0.0)])
    table = model.by_origin(gates).round(9)
    refined = table.loc[table["stage"] == "refining"].set_index("origin")
    assert refined["after_t"].to_dict() == {"AUS": 30.0, "IDN": 0.0, "CHN": 6.0}
    assert refined["after_t"].sum() == pytest.approx(model.evaluate(gates).after["refining"][0])


def test_element_ranking(model):
    table = element_losses(model)
    refined = table.loc[table["stage"] == "refining"]
    refined = refined.set_index(["kind", "element", "element_stage"])["loss_t"]
    assert refined[("export", "CHN", "refining")] == pytest.approx(50.0)
    assert refined[("lanes", "taiwan_strait", "")] == pytest.approx(20.0)
    assert refined[("lanes", "malacca", "")] == pytest.approx(5.0)
    # Chinese ore exports feed nothing here; Indonesian ore reaches Japan two ways (20 t)
    assert refined[("export", "IDN", "mining")] == pytest.approx(20.0)
    assert table["loss_share"].between(0, 1).all()


def test_lookthrough_agrees_with_the_exposure_model(model):
    flow = FlowModel(example_network())
    for stage in ("mining", "refining"):
        shares = flow.supply_by_origin("JPN", stage)
        table = model.by_origin()
        table = table.loc[table["stage"] == stage].set_index("origin")["before_t"]
        assert table.to_dict() == pytest.approx(shares.to_dict())
        # removing a country's mines loses exactly its mined share (chokepoints = exposure)
        countries = list(shares.index)
        losses = model.losses(model.element_gates([("production:mining", c, 0.0)
                                                   for c in countries]))
        column = ("mining", "refining").index(stage)
        assert losses[:, column] == pytest.approx(shares.to_numpy())


def test_gates_are_checked(model):
    gates = model.gates(2)
    gates.family("mining")[0, 0] = 1.5
    with pytest.raises(ValueError, match="gates production:mining must lie in"):
        model.evaluate(gates)
    with pytest.raises(ValueError, match="substitution"):
        model.evaluate(model.gates(1), substitution=2.0)


def test_importer_without_supply():
    empty = SupplyModel(example_network(), "AUS")
    assert empty.supply["refining"] == 0.0
    assert empty.losses(empty.gates(3)).tolist() == [[0.0, 0.0]] * 3


# ----------------------------------------------------------------- naive baseline agreement


def test_naive_baseline_matches_engine(model):
    naive = naive_element_losses(model)
    keys = list(naive)
    losses = model.losses(model.element_gates([(f, k, 0.0) for f, k in keys]))
    for key, engine in zip(keys, losses, strict=True):
        assert engine == pytest.approx(naive[key], abs=1e-7), key


# ----------------------------------------------------------------- properties


@st.composite
def networks(draw):
    """Random two-stage networks of 3-5 countries (importer last) with routes."""
    network = draw(supply_networks(("mining", "refining")))
    names = network.countries
    n = len(names)
    import pandas as pd

    regions = [draw(st.sampled_from(["a", "b", "none"])) for _ in range(n)]
    tables = {
        "chokepoints": pd.DataFrame({"chokepoint_id": ["h1", "h2"], "name_en": ["H1", "H2"]}),
        "sea_routes": pd.DataFrame({"origin_region": ["a", "a", "b"],
                                    "route_id": ["r1", "r2", "r3"],
                                    "chokepoints": ["h1", "h1;h2", None],
                                    "share": [0.5, 0.5, 1.0]}),
        "sea_regions": pd.DataFrame({"iso3": [c for c, r in zip(names, regions, strict=True)
                                              if r != "none"],
                                     "origin_region": [r for r in regions if r != "none"]}),
    }
    return network, SeaRoutes.from_tables(**tables)


@settings(max_examples=40, deadline=None)
@given(networks())
def test_full_ban_removes_exactly_the_lookthrough_share(case):
    network, routes = case
    model = SupplyModel(network, "JPN", routes)
    origins = model.by_origin()
    for stage in model.stages:
        table = origins.loc[origins["stage"] == stage].set_index("origin")["before_t"]
        assert table.sum() == pytest.approx(model.supply[stage], rel=1e-9, abs=1e-9)
        countries = [c for c in table.index if c in model.countries]
        if not countries or stage not in model.flow.stages:
            continue
        losses = model.losses(model.element_gates([("production:mining", c, 0.0)
                                                   for c in countries]))
        column = model.flow.stages.index(stage)
        for country, loss in zip(countries, losses[:, column], strict=True):
            assert loss == pytest.approx(table[country], rel=1e-9, abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(networks(), st.data())
def test_losses_monotone_linear_and_zero_at_zero(case, data):
    network, routes = case
    model = SupplyModel(network, "JPN", routes)
    elements = model_elements(model)
    if not elements:
        return
    family, key, *_ = data.draw(st.sampled_from(elements))
    sizes = np.linspace(0.0, 1.0, 6)
    losses = model.losses(model.element_gates([(family, key, 1.0 - s) for s in sizes]))
    assert np.allclose(losses[0], 0.0, atol=1e-9)
    assert (np.diff(losses, axis=0) >= -1e-9).all()
    # a production gate acts on a source term: its loss is linear in its size
    if family.startswith("production:"):
        assert np.allclose(losses, sizes[:, None] * losses[-1][None, :], atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(networks(), st.data())
def test_combined_loss_between_max_and_sum_of_parts(case, data):
    network, routes = case
    model = SupplyModel(network, "JPN", routes)
    # export bans are left out: a ban keeps metal in the banning country, where it can make
    # up for a cut to that country's own feed, so a ban plus a cut may lose less than the cut
    elements = [e for e in model_elements(model) if not e[0].startswith("export:")]
    if len(elements) < 2:
        return
    picks = data.draw(st.lists(st.sampled_from(elements), min_size=2, max_size=3, unique=True))
    sizes = data.draw(st.lists(st.floats(0, 1), min_size=len(picks), max_size=len(picks)))
    single = model.losses(model.element_gates(
        [(f, k, 1.0 - s) for (f, k, *_), s in zip(picks, sizes, strict=True)]))
    gates = model.gates(1)
    for (family, key, *_), size in zip(picks, sizes, strict=True):
        col = model.chokepoints.index(key) if family == "lanes" else model.index(key)
        gates.family(family)[0, col] *= 1.0 - size
    both = model.losses(gates)[0]
    assert (both <= single.sum(axis=0) + 1e-7).all()
    assert (both >= single.max(axis=0) - 1e-7).all()
    assert (both <= np.array([model.supply[s] for s in model.flow.stages]) + 1e-7).all()


@settings(max_examples=15, deadline=None)
@given(networks())
def test_naive_baseline_matches_engine_on_random_networks(case):
    network, routes = case
    model = SupplyModel(network, "JPN", routes)
    naive = naive_element_losses(model)
    keys = list(naive)
    if not keys:
        return
    losses = model.losses(model.element_gates([(f, k, 0.0) for f, k in keys]))
    for key, engine in zip(keys, losses, strict=True):
        assert engine == pytest.approx(naive[key], rel=1e-6, abs=1e-6), key


def test_closed_reexport_loop_is_unattributed():
    from types import MappingProxyType

    from scrisk.network import SupplyNetwork

    # A and B trade 10 t back and forth without producing any; JPN buys 5 t from A.
    names = ("A", "B", "JPN")
    zeros = np.zeros(3)
    ore = np.array([[0, 10, 5], [10, 0, 0], [0, 0, 0]], dtype=float)
    network = SupplyNetwork("x", 2023, names, MappingProxyType({"mining": zeros}),
                            MappingProxyType({"mining": ore}), MappingProxyType({"mining": ore}),
                            MappingProxyType({"mining": ore}), "t")
    model = SupplyModel(network, "JPN")
    table = model.by_origin()
    assert table["origin"].tolist() == ["unattributed"]
    assert table["before_t"].iloc[0] == pytest.approx(5.0)
    assert model.losses(model.element_gates([("link:mining", "A", 0.0)]))[0, 0] == \
        pytest.approx(5.0)
