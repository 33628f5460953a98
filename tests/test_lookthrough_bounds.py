"""Bounds on look-through: hand-computed cases, properties, and the shipped data.

Every hand case is small enough to check on paper; the worked example of
docs/methods.md ("Bounds on look-through") is the surplus-feed case below.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import supply_networks

from scrisk.metrics.lookthrough_bounds import lookthrough_bounds, origin_bounds, small_network
from scrisk.network import SupplyNetwork
from scrisk.origins import FlowModel


def _bounds(net, importer="JPN", stage=None, labels=None):
    table = origin_bounds(FlowModel(net), importer, stage, labels)
    return {row.iso3: (row.min_share, row.share, row.max_share)
            for row in table.itertuples(index=False)}


def test_trader_may_pass_on_either_source():
    net = small_network(("A", "B", "HUB", "JPN"), {"mining": [100, 100, 0, 0]},
                        {"mining": [("A", "HUB", 50), ("B", "HUB", 50), ("HUB", "JPN", 50)]})
    got = _bounds(net)
    assert got["A"] == pytest.approx((0.0, 0.5, 1.0))
    assert got["B"] == pytest.approx((0.0, 0.5, 1.0))


def test_trader_with_its_own_mine():
    # HUB mines 20, buys 40 from A and sells 30 to Japan: at least 10 of the 30 are A's
    net = small_network(("A", "HUB", "JPN"), {"mining": [100, 20, 0]},
                        {"mining": [("A", "HUB", 40), ("HUB", "JPN", 30)]})
    got = _bounds(net)
    assert got["A"] == pytest.approx((1 / 3, 2 / 3, 1.0))
    assert got["HUB"] == pytest.approx((0.0, 1 / 3, 2 / 3))


def test_surplus_feed_worked_example():
    # docs/methods.md: Japan buys 60 t of ore from A and 40 t from B and refines 50 t;
    # the other 50 t of ore stay unprocessed, so the refinery may have used any 50 t.
    net = small_network(("A", "B", "JPN"),
                        {"mining": [100, 100, 0], "refining": [0, 0, 50]},
                        {"mining": [("A", "JPN", 60), ("B", "JPN", 40)]})
    got = _bounds(net, stage="refining")
    assert got["A"] == pytest.approx((0.2, 0.6, 1.0))
    assert got["B"] == pytest.approx((0.0, 0.4, 0.8))


def test_untraced_feed_is_fixed():
    # Japan refines 80 t from 50 t of A's ore: 30 t are untraced whatever the mix
    net = small_network(("A", "JPN"), {"mining": [100, 0], "refining": [0, 80]},
                        {"mining": [("A", "JPN", 50)]})
    got = _bounds(net, stage="refining")
    assert got["A"] == pytest.approx((5 / 8, 5 / 8, 5 / 8))
    assert got["untraced:JPN"] == pytest.approx((3 / 8, 3 / 8, 3 / 8))


def test_exports_beyond_a_pool_are_unattributed():
    # HUB holds 20 t (10 A, 10 B) but ships 40 t: 20 t have nothing behind them.
    # Japan takes 30 t, Korea 10 t, so Japan gets at least 10 t unattributed.
    net = small_network(("A", "B", "HUB", "KOR", "JPN"), {"mining": [100, 100, 0, 0, 0]},
                        {"mining": [("A", "HUB", 10), ("B", "HUB", 10), ("HUB", "JPN", 30),
                                    ("HUB", "KOR", 10)]})
    got = _bounds(net)
    assert got["unattributed"] == pytest.approx((1 / 3, 0.5, 2 / 3))
    assert got["A"] == pytest.approx((0.0, 0.25, 1 / 3))


def test_round_trip_gives_no_origin_the_data_lack():
    # Japan sends 20 t to Korea and gets 20 t back; B's mine reaches neither.
    # Korea also holds 10 t from C, of which it may send all or none to Japan.
    net = small_network(("A", "B", "C", "X", "KOR", "JPN"), {"mining": [100, 100, 10, 0, 0, 0]},
                        {"mining": [("A", "JPN", 50), ("B", "X", 100), ("C", "KOR", 10),
                                    ("JPN", "KOR", 20), ("KOR", "JPN", 20)]})
    got = _bounds(net, labels=["A", "B", "C"])
    assert got["B"][0] == pytest.approx(0.0) and got["B"][2] == pytest.approx(0.0, abs=1e-9)
    assert got["C"][0] == pytest.approx(0.0, abs=1e-9)
    assert got["C"][2] == pytest.approx(10 / 50)
    assert got["A"][0] == pytest.approx(40 / 50)
    assert got["A"][2] == pytest.approx(1.0)


def test_importer_that_keeps_nothing_gets_a_note():
    net = small_network(("A", "HUB", "JPN"), {"mining": [10, 0, 0]},
                        {"mining": [("A", "HUB", 10), ("HUB", "JPN", 10)]})
    table = origin_bounds(FlowModel(net), "HUB")
    assert table.empty and "keeps none" in table.attrs["notes"][0]


# ----------------------------------------------------------------- properties


def _holds(table, tol=1e-6):
    return bool(((table["min_share"] <= table["share"] + tol)
                 & (table["share"] <= table["max_share"] + tol)).all())


@settings(max_examples=30, deadline=None)
@given(supply_networks())
def test_bounds_contain_the_proportional_share(network):
    model = FlowModel(network)
    for importer in network.countries:
        table = origin_bounds(model, importer)
        assert _holds(table)
        assert (table["min_share"] <= table["max_share"] + 1e-9).all()


@st.composite
def networks_without_reexports(draw):
    """One mine stage; every country either ships its own ore or receives, never both.

    No country ships more than it mines either: exports beyond a pool are
    unattributed metal, and which destination gets that excess is a free choice too.
    """
    network = draw(supply_networks(stages=("mining",)))
    flows = np.array(network.trade("mining"), dtype=float)
    exporters = flows.sum(axis=1) > 0
    flows[:, exporters] = 0.0  # a country that exports receives nothing
    mined = network.output("mining")
    shipped = flows.sum(axis=1)
    scale = np.where(shipped > mined, mined / np.where(shipped > 0, shipped, 1.0), 1.0)
    flows = flows * scale[:, None]
    zeros = {"mining": np.zeros_like(flows)}
    return SupplyNetwork("x", 2023, network.countries,
                         MappingProxyType({"mining": network.output("mining").copy()}),
                         MappingProxyType({"mining": flows}), MappingProxyType(zeros),
                         MappingProxyType(dict(zeros)), "t")


@settings(max_examples=30, deadline=None)
@given(networks_without_reexports())
def test_bounds_equal_the_proportional_share_without_reexports(network):
    model = FlowModel(network)
    for importer in network.countries:
        table = origin_bounds(model, importer)
        assert np.allclose(table["min_share"], table["share"], atol=1e-7)
        assert np.allclose(table["max_share"], table["share"], atol=1e-7)


# ----------------------------------------------------------------- shipped data


def test_shipped_cobalt_bounds_contain_the_proportional_shares(shipped):
    table = lookthrough_bounds(shipped, "JPN", "cobalt", 2023)
    assert table.attrs["stage"] == "refining" and len(table) > 5
    assert _holds(table)
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-6)
    assert table.attrs["solves"] == 2 * len(table)
