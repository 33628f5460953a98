"""The sparse paths against the naive reference and the dense forward solve.

Random networks of a few dozen countries with re-export loops, several
stages and batches of multi-shock scenarios: the engine (sparse gates,
level-by-level solves, Woodbury updates, the importer's upstream
sub-network) must give the pools of :func:`scrisk.disruption.reference.naive_pools`;
origin shares solved backwards for one importer must equal the forward
solve of every pool; the two Monte Carlo samplers must draw the same
distribution, deterministically.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pytest
import scipy.sparse

from scrisk.disruption.engine import SupplyModel
from scrisk.disruption.montecarlo import (
    sample_active,
    sample_active_sparse,
    sample_active_uniform,
)
from scrisk.disruption.reference import naive_pools
from scrisk.disruption.scenarios import unique_activity
from scrisk.network import SupplyNetwork
from scrisk.origins import FlowModel

STAGES = ("mining", "intermediate", "refining")


def random_network(seed: int, n: int = 30) -> SupplyNetwork:
    """A random network with loops, unreached re-exporters and untraced feed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    names = tuple(f"C{i:02d}" for i in range(n - 1)) + ("JPN",)
    production, flows = {}, {}
    for s, stage in enumerate(STAGES):
        X = np.where(rng.random(n) < 0.25, rng.uniform(10, 100, n), 0.0)
        if s == 2:
            X[-1] = 40.0
        F = np.where(rng.random((n, n)) < 0.08, rng.uniform(1, 30, (n, n)), 0.0)
        np.fill_diagonal(F, 0.0)
        production[stage], flows[stage] = X, scipy.sparse.csr_array(F)
    zeros = {s: scipy.sparse.csr_array((n, n)) for s in STAGES}
    return SupplyNetwork("x", 2023, names, MappingProxyType(production),
                         MappingProxyType(flows), MappingProxyType(zeros),
                         MappingProxyType(dict(zeros)), "t",
                         MappingProxyType({s: "statistics" for s in STAGES}), ())


@pytest.mark.parametrize("seed", range(6))
def test_engine_batch_matches_naive_reference(seed):
    net = random_network(seed)
    model = SupplyModel(net, "JPN")
    n, runs = len(net.countries), 12
    rng = np.random.Generator(np.random.PCG64(seed + 100))
    gates = model.gates(runs)
    for family in ("production:mining", "production:refining", "export:mining",
                   "export:intermediate", "link:refining", "link:intermediate"):
        arr = np.ones((runs, n))
        hit = rng.random((runs, n)) < 0.15
        arr[hit] = rng.uniform(0.0, 0.9, hit.sum())
        if family.startswith("production"):
            gates.set(family, arr)           # dense families
        else:
            gates.set_loss(family, scipy.sparse.csr_array(1.0 - arr))   # sparse families
    ev = model.evaluate(gates, feed_countries=[net.countries[3]])
    for r in range(runs):
        cut = {"production": {}, "export": {}, "link": {}}
        for name in gates.names():
            kind, _, stage = name.partition(":")
            cut[kind][stage] = gates.rows(name, np.array([r]))[0]
        ref = naive_pools(model.flow, cut["production"], cut["export"], cut["link"], "JPN",
                          sweeps=2000)
        for stage in model.flow.stages:
            assert ev.after[stage][r] == pytest.approx(ref[stage][-1], rel=1e-8, abs=1e-8)


@pytest.mark.parametrize("seed", range(4))
def test_importer_shares_solved_backwards_equal_the_forward_solve(seed):
    net = random_network(seed, n=25)
    backward = FlowModel(net)
    forward = FlowModel(net)
    rows = {stage: backward.composition_rows(stage, np.arange(len(net.countries)))
            for stage in backward.stages}
    attributed = backward.attributed_mined().to_numpy()
    for stage in forward.stages:
        np.testing.assert_allclose(rows[stage], forward.composition[stage], atol=1e-12)
    np.testing.assert_allclose(attributed, forward.attributed_mined().to_numpy(),
                               rtol=1e-10, atol=1e-9)


def test_dense_and_sparse_networks_are_the_same_network():
    net = random_network(1)
    dense = SupplyNetwork("x", 2023, net.countries, net.production,
                          MappingProxyType({s: net.flows[s].copy() for s in net.flows}),
                          MappingProxyType({s: net.gross_flows[s].copy() for s in net.flows}),
                          MappingProxyType({s: net.values[s].copy() for s in net.flows}), "t")
    for stage in STAGES:
        assert (dense.trade_sparse(stage) != net.trade_sparse(stage)).nnz == 0
        np.testing.assert_array_equal(dense.trade(stage), net.trade_sparse(stage).toarray())
    assert dense.flows_frame("mining").equals(net.flows_frame("mining"))


def test_unique_activity_groups_equal_runs():
    active = np.array([[1, 0, 1], [0, 0, 0], [1, 0, 1], [0, 1, 0], [0, 0, 0]])
    rows, where = unique_activity(active)
    np.testing.assert_array_equal(rows.toarray()[where], active)
    assert rows.shape[0] == 3


def test_uniform_sampler_reproduces_the_dense_draws():
    p = np.array([0.3, 0.0, 1.0, 0.05])
    dense = sample_active(np.random.Generator(np.random.PCG64(5)), 500, p)
    sparse = sample_active_uniform(np.random.Generator(np.random.PCG64(5)), 500, p)
    np.testing.assert_array_equal(dense, sparse.toarray())


def test_sparse_sampler_is_deterministic_and_bernoulli():
    p = np.array([0.002, 0.3, 0.0, 1.0])
    runs = 200_000
    a = sample_active_sparse(np.random.Generator(np.random.PCG64(9)), runs, p)
    b = sample_active_sparse(np.random.Generator(np.random.PCG64(9)), runs, p)
    assert (a != b).nnz == 0
    counts = np.asarray(a.sum(axis=0)).reshape(-1)
    assert counts[2] == 0 and counts[3] == runs
    for j in (0, 1):   # within 5 standard deviations of the binomial mean
        assert abs(counts[j] - runs * p[j]) < 5 * np.sqrt(runs * p[j] * (1 - p[j]))
    # independence across runs: pairs of successive runs of shock 1 both hit at rate p^2
    col = a[:, [1]].toarray()[:, 0]
    both = float((col[1:] * col[:-1]).mean())
    assert abs(both - p[1] ** 2) < 5 * np.sqrt(p[1] ** 2 / runs)


def test_engine_on_the_importers_upstream_subnetwork():
    """Countries that only buy (downstream of everything) are cut away: same numbers."""
    base = random_network(2, n=20)
    n0, extra = len(base.countries), 40
    n = n0 + extra
    names = tuple(f"D{i:02d}" for i in range(extra)) + base.countries   # JPN stays last
    rng = np.random.Generator(np.random.PCG64(3))
    production, flows = {}, {}
    for stage in STAGES:
        F = np.zeros((n, n))
        F[extra:, extra:] = base.trade_sparse(stage).toarray()
        buyers = rng.random((n0 - 1, extra)) < 0.3
        F[extra:n - 1, :extra] = np.where(buyers, rng.uniform(1, 5, buyers.shape), 0.0)
        flows[stage] = scipy.sparse.csr_array(F)
        production[stage] = np.concatenate([np.zeros(extra), base.production[stage]])
    zeros = {s: scipy.sparse.csr_array((n, n)) for s in STAGES}
    net = SupplyNetwork("x", 2023, names, MappingProxyType(production),
                        MappingProxyType(flows), MappingProxyType(zeros),
                        MappingProxyType(dict(zeros)), "t")
    model = SupplyModel(net, "JPN")
    flow, kept = model._reduced(np.zeros(0, dtype=np.int64))
    assert kept.size < n0 + 1 and flow is not model.flow
    gates = model.gates(5)
    gates.family("export:mining")[:, extra:] = rng.uniform(0.2, 1.0, (5, n0))
    gates.family("production:intermediate")[:, extra:] = rng.uniform(0.2, 1.0, (5, n0))
    ev = model.evaluate(gates, substitution=0.5)
    full = SupplyModel(net, "JPN")
    full._reduced_cache[()] = (full.flow, np.arange(n))     # the whole network
    ref = full.evaluate(gates, substitution=0.5)
    for stage in model.flow.stages:
        np.testing.assert_allclose(ev.after[stage], ref.after[stage], rtol=1e-10)
        np.testing.assert_allclose(ev.substituted[stage], ref.substituted[stage], rtol=1e-10,
                                   atol=1e-10)
    cut = {"production": {"intermediate": gates.family("production:intermediate")[0]},
           "export": {"mining": gates.family("export:mining")[0]}}
    naive = naive_pools(model.flow, cut["production"], cut["export"], {}, "JPN", sweeps=2000)
    plain = model.evaluate(gates)
    for stage in model.flow.stages:
        assert plain.after[stage][0] == pytest.approx(naive[stage][-1], rel=1e-8)
