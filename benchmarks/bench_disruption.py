"""Benchmark: scrisk's vectorised disruption engine against a naive networkx loop.

Runs in one process, on the shipped data, for the commodity with the most
trade links (the largest network) and Japan as the importer:

(a) naive baseline: the importer's look-through supply of each stage as a
    networkx flow network (``scrisk.disruption.chokepoints.supply_graph``:
    every edge carries the tonnes on it, so the maximum flow is the supply);
    for each node (a mining country, a refining country, a trade link into
    Japan, a sea-lane chokepoint), remove it and recompute the maximum flow
    to the importer (networkx preflow-push). The maximum flow of the physical
    network would answer another question (free re-routing by every other
    supplier), so it could not be checked against the engine;
(b) scrisk: the same single-node losses as one batch of scenarios through
    ``SupplyModel`` (model built from the raw arrays, timed too);
    checks that (a) and (b) give the same losses, prints both times and the
    ratio;
(c) 10,000 Monte Carlo scenarios on the full trade network of that
    commodity: every mining country, exporter and chokepoint of it can be
    hit (a shock each, with a probability and a size), through the public
    ``monte_carlo`` function; prints the time and the peak memory.

This is a benchmark, not a timed test: it prints, it does not fail on speed.
It exits 1 if (a) and (b) disagree or the same seed gives other numbers.

Run::

    .venv/bin/python benchmarks/bench_disruption.py [--runs 10000] [--seed 0]

On a busy machine, multi-threaded BLAS competes with the other processes for
the cores; ``OPENBLAS_NUM_THREADS=1`` then gives steadier timings.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

import networkx as nx
import numpy as np

from scrisk.data.load import load_dataset
from scrisk.disruption.chokepoints import model_elements, supply_graph
from scrisk.disruption.engine import SeaRoutes, SupplyModel
from scrisk.disruption.montecarlo import monte_carlo
from scrisk.disruption.scenarios import Scenario, Shock, default_year
from scrisk.network import build_network

IMPORTER = "JPN"
NODE_OF_FAMILY = {"mining": "mining", "refining": "refining", "ore_link": "ore_link",
                  "refined_link": "refined_link"}


def largest_commodity(ds, year: int) -> str:
    """The commodity with the most non-zero trade links in the year."""
    trade = ds.trade
    trade = trade.loc[(trade["year"] == year) & (trade["quantity_t"] > 0)]
    links = trade.groupby("commodity", observed=True)[["exporter", "importer"]].apply(
        lambda f: len(f.drop_duplicates()))
    return str(links.sort_values(ascending=False, kind="stable").index[0])


def naive_loop(model: SupplyModel) -> tuple[dict, float, dict, int]:
    """For each stage's supply graph, remove each node and recompute the max flow.

    A chokepoint is removed as its two lane nodes (ore and metal legs).
    """
    losses, bases, nodes = {}, {}, 0
    elapsed = 0.0
    for stage in model.stages:
        graph = supply_graph(model, stage)
        nodes += graph.number_of_nodes()
        start = time.perf_counter()
        base = nx.maximum_flow_value(graph, "world", "market")
        bases[stage] = base
        for family, key, survive, _, _ in model_elements(model):
            if survive != 0.0 or family in ("ore_export", "refined_export"):
                continue            # export bans are not nodes of the flow graph
            if family == "lanes":
                removed = [f"lane:ore:{key}", f"lane:refined:{key}"]
            else:
                removed = [f"{NODE_OF_FAMILY[family]}:{key}"]
            removed = [n for n in removed if n in graph]
            if not removed:
                continue
            cut = graph.copy()
            cut.remove_nodes_from(removed)
            losses[(stage, family, key)] = base - nx.maximum_flow_value(cut, "world", "market")
        elapsed += time.perf_counter() - start
    return losses, elapsed, bases, nodes


def engine_batch(network, routes, keys) -> tuple[np.ndarray, float, float]:
    """The same losses through the engine: build the model, one batch, evaluate.

    One scenario per element gives the losses of both stages at once.
    """
    start = time.perf_counter()
    model = SupplyModel(network, IMPORTER, routes)
    gates = model.element_gates([(family, key, 0.0) for family, key in keys])
    built = time.perf_counter()
    losses = model.losses(gates)
    done = time.perf_counter()
    return losses, done - start, done - built


def monte_carlo_scenario(model: SupplyModel, seed: int) -> Scenario:
    """One shock per mining country, exporter and chokepoint of the network."""
    rng = np.random.Generator(np.random.PCG64(seed))
    full, net = model.arrays, model.network
    shocks = []
    for k, iso3 in enumerate(net.countries):
        if full["p1"][k] > 0:
            shocks.append(Shock(f"mine-{iso3}", "production_cut", float(rng.uniform(0.1, 1)),
                                probability=float(rng.uniform(0.005, 0.05)), country=iso3,
                                commodity=model.commodity, stage="mining"))
        for stage, key in (("mining", "f1"), ("refining", "f2")):
            if full[key][k].sum() > 0 and iso3 != IMPORTER:
                shocks.append(Shock(f"exp-{stage}-{iso3}", "export_quota",
                                    float(rng.uniform(0.1, 1)),
                                    probability=float(rng.uniform(0.005, 0.05)), country=iso3,
                                    commodity=model.commodity, stage=stage))
    for cid in model.chokepoints:
        shocks.append(Shock(f"lane-{cid}", "sea_lane_closure", 1.0, probability=0.02,
                            duration_months=float(rng.integers(1, 7)), chokepoint=cid,
                            commodities=(model.commodity,)))
    return Scenario("benchmark: every element", tuple(shocks), importer=IMPORTER)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    ds = load_dataset()
    year = default_year(ds)
    commodity = largest_commodity(ds, year)
    network = build_network(ds, commodity, year)
    routes = SeaRoutes.from_dataset(ds)
    model = SupplyModel(network, IMPORTER, routes)
    stage = model.headline_stage
    links = {s: int((f > 0).sum()) for s, f in network.flows.items()}
    print(f"network: {commodity} {year}, {len(network.countries)} countries, trade links "
          f"{links}; importer {IMPORTER}, {stage} supply {model.supply[stage]:,.0f} t")

    # (a) naive loop, every stage with supply
    start = time.perf_counter()
    SupplyModel(network, IMPORTER, routes)
    for stage_ in model.stages:
        supply_graph(model, stage_)
    naive_setup = time.perf_counter() - start
    naive, naive_time, bases, nodes = naive_loop(model)
    print(f"(a) naive networkx loop: supply graphs of the {', '.join(model.stages)} stage(s), "
          f"{nodes} nodes, max flow " + ", ".join(f"{b:,.1f} t" for b in bases.values())
          + f"; {len(naive)} node removals in {naive_time:.3f} s "
          f"({naive_time / max(len(naive), 1) * 1e3:.1f} ms each; building the graphs "
          f"{naive_setup * 1e3:.1f} ms more)")

    # (b) engine, same network: one scenario per element, both stages at once
    keys = sorted({(family, key) for _, family, key in naive})
    engine_time, evaluate_time = np.inf, np.inf
    for _ in range(5):   # best of five: the engine takes milliseconds
        losses, total, evaluate = engine_batch(network, routes, keys)
        engine_time, evaluate_time = min(engine_time, total), min(evaluate_time, evaluate)
    column = {"mining": 0, "refining": 1}
    row = {k: r for r, k in enumerate(keys)}
    diffs = np.array([abs(value - losses[row[(family, key)], column[stage_]])
                      for (stage_, family, key), value in naive.items()])
    scale = max(max(model.supply.values()), 1.0)
    worst = float(diffs.max(initial=0.0))
    same = worst <= 1e-6 * scale
    print(f"(b) scrisk engine: {len(keys)} scenarios (both stages each) in "
          f"{engine_time * 1e3:.2f} ms (model build included; the batch evaluation alone "
          f"{evaluate_time * 1e3:.2f} ms)")
    print(f"    ratio naive loop / engine batch: {naive_time / evaluate_time:,.0f}x; "
          f"end to end (each with its set-up from the network arrays): "
          f"{(naive_setup + naive_time) / engine_time:,.0f}x")
    print(f"    same losses: {'yes' if same else 'NO'} ({len(naive)} compared, largest "
          f"difference {worst:.3g} t)")
    head = column[stage]
    top = sorted(zip(keys, losses[:, head], strict=True), key=lambda kv: -kv[1])[:3]
    print(f"    largest {stage} losses: " + "; ".join(f"{f} {k}: {v:,.0f} t"
                                                     for (f, k), v in top))

    # (c) Monte Carlo on the full network
    scenario = monte_carlo_scenario(model, args.seed)
    monte_carlo(ds, scenario, runs=10, seed=args.seed, year=year)     # warm-up: lazy imports
    start = time.perf_counter()
    result = monte_carlo(ds, scenario, runs=args.runs, seed=args.seed, year=year)
    mc_time = time.perf_counter() - start
    tracemalloc.start()                  # a second, traced run for the peak memory
    again = monte_carlo(ds, scenario, runs=args.runs, seed=args.seed, year=year)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    repeatable = all(np.array_equal(result.samples[k], again.samples[k]) for k in result.samples)
    row = result.losses.set_index("stage").loc[stage]
    per_scenario_naive = naive_time / max(len(naive), 1)
    print(f"(c) Monte Carlo: {args.runs:,} scenarios x {len(scenario.shocks)} possible shocks "
          f"on the {commodity} network in {mc_time:.3f} s (set-up included; goal < 2 s); "
          f"peak traced memory {peak / 2**20:.1f} MiB, process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"same seed, same numbers: {'yes' if repeatable else 'NO'}")
    print(f"    {stage} loss: mean {row['mean_loss_share']:.2%}, P50 {row['p50_loss_share']:.2%}, "
          f"P95 {row['p95_loss_share']:.2%}, P99 {row['p99_loss_share']:.2%} of supply")
    print(f"    the naive loop at {per_scenario_naive * 1e3:.1f} ms per max flow would need "
          f"about {per_scenario_naive * args.runs:,.0f} s for {args.runs:,} scenarios "
          f"(extrapolated, not run): {per_scenario_naive * args.runs / mc_time:,.0f}x")
    return 0 if same and repeatable else 1


if __name__ == "__main__":
    sys.exit(main())
