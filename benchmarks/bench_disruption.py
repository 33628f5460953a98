"""Benchmark: scrisk's disruption engine against a naive loop over the same rules.

Runs in one process, on the shipped data, for the commodity with the most
trade links (the largest network) and Japan as the importer:

(a) naive baseline: every single-element loss (a country's output or exports
    of a stage, a trade link into Japan) recomputed one element at a time
    with ``scrisk.disruption.reference.naive_pools``: the engine's rules
    applied by fixed-point sweeps over countries and links, no linear
    algebra;
(b) scrisk: the same losses as one batch of scenarios through
    ``SupplyModel`` (sparse solves, output gates batched as right-hand
    sides, trade gates as low-rank updates of one factorisation); checks that
    (a) and (b) agree, prints both times and the ratio;
(c) Monte Carlo on the full trade network of that commodity: every mining
    country, exporter and chokepoint of it can be hit (a shock each, with a
    probability and a size), through the public ``monte_carlo`` function;
    prints the time, the number of distinct patterns evaluated, and the peak
    memory.

(d) the report's scenario section on the shipped scenario files (``scenarios/``,
    2,000 draws): ``run_scenario`` then ``monte_carlo`` per file (the baseline,
    as the report called them) against ``run_and_monte_carlo`` (one runner, each
    distinct set of shocks evaluated once), CPU seconds of each on a fresh
    dataset, interleaved, and the largest relative difference of their numbers.

This is a benchmark, not a timed test: it prints, it does not fail on speed.
It exits 1 if (a) and (b) disagree, the same seed gives other numbers, or (d)'s
two ways differ beyond rounding.

Run::

    .venv/bin/python benchmarks/bench_disruption.py [--runs 10000] [--seed 0] [--only-report]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc

import numpy as np

from scrisk.data.load import load_dataset
from scrisk.disruption.engine import SeaRoutes, SupplyModel
from scrisk.disruption.montecarlo import monte_carlo
from scrisk.disruption.reference import naive_element_losses
from scrisk.disruption.scenarios import Scenario, Shock
from scrisk.network import default_year
from scrisk.origins import flow_model

IMPORTER = "JPN"


def largest_commodity(ds, year: int) -> str:
    """The commodity with the most non-zero trade links in the year."""
    trade = ds.trade
    trade = trade.loc[(trade["year"] == year) & (trade["quantity_t"] > 0)]
    links = trade.groupby("commodity", observed=True)[["exporter", "importer"]].apply(
        lambda f: len(f.drop_duplicates()))
    return str(links.sort_values(ascending=False, kind="stable").index[0])


def naive_loop(model: SupplyModel, limit: int) -> tuple[dict, float]:
    """Each element's loss at every stage, one naive propagation per element."""
    start = time.perf_counter()
    losses = naive_element_losses(model, limit)
    return losses, time.perf_counter() - start


def engine_batch(flow, routes, keys) -> tuple[np.ndarray, float, float]:
    """The same losses through the engine: build the model, one batch, evaluate.

    One scenario per element gives the losses of both stages at once.
    """
    start = time.perf_counter()
    model = SupplyModel(flow, IMPORTER, routes)
    gates = model.element_gates([(family, key, 0.0) for family, key in keys])
    built = time.perf_counter()
    losses = model.losses(gates)
    done = time.perf_counter()
    return losses, done - start, done - built


def monte_carlo_scenario(model: SupplyModel, seed: int) -> Scenario:
    """One shock per mining country, exporter and chokepoint of the network."""
    rng = np.random.Generator(np.random.PCG64(seed))
    flow, net = model.flow, model.network
    shocks = []
    for k, iso3 in enumerate(net.countries):
        if flow.arrays["mining"].output[k] > 0:
            shocks.append(Shock(f"mine-{iso3}", "production_cut", float(rng.uniform(0.1, 1)),
                                probability=float(rng.uniform(0.005, 0.05)), country=iso3,
                                commodity=model.commodity, stage="mining"))
        for stage in flow.stages:
            if flow.arrays[stage].flows[k].sum() > 0 and iso3 != IMPORTER:
                shocks.append(Shock(f"exp-{stage}-{iso3}", "export_quota",
                                    float(rng.uniform(0.1, 1)),
                                    probability=float(rng.uniform(0.005, 0.05)), country=iso3,
                                    commodity=model.commodity, stage=stage))
    for cid in model.chokepoints:
        shocks.append(Shock(f"lane-{cid}", "sea_lane_closure", 1.0, probability=0.02,
                            duration_months=float(rng.integers(1, 7)), chokepoint=cid,
                            commodities=(model.commodity,)))
    return Scenario("benchmark: every element", tuple(shocks), importer=IMPORTER)


def report_scenarios(draws: int, seed: int, rounds: int) -> bool:
    """(d): the report's scenario section two ways; prints CPU s and ratio, True if same."""
    from pathlib import Path

    from threadpoolctl import threadpool_limits

    from scrisk.disruption.montecarlo import run_and_monte_carlo
    from scrisk.disruption.scenarios import load_scenario, run_scenario

    files = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))

    def separate(ds):
        return [(run_scenario(ds, sc), monte_carlo(ds, sc, draws, seed))
                for sc in (load_scenario(f, ds) for f in files)]

    def shared(ds):
        return [run_and_monte_carlo(ds, sc, draws, seed)
                for sc in (load_scenario(f, ds) for f in files)]

    cpu: dict[str, list[float]] = {"separate": [], "shared": []}
    results = {}
    with threadpool_limits(1):  # as the report: BLAS on one thread
        for _ in range(rounds):
            for name, way in (("separate", separate), ("shared", shared)):
                ds = load_dataset()  # fresh: no model built yet
                start = time.process_time()
                results[name] = way(ds)
                cpu[name].append(time.process_time() - start)
    worst = 0.0
    for (det_a, mc_a), (det_b, mc_b) in zip(results["separate"], results["shared"],
                                            strict=True):
        for a, b in ((det_a.supply, det_b.supply), (det_a.by_origin, det_b.by_origin),
                     (mc_a.losses, mc_b.losses), (mc_a.coverage, mc_b.coverage)):
            x = a.select_dtypes("number").to_numpy(dtype=float)
            y = b.select_dtypes("number").to_numpy(dtype=float)
            if x.shape != y.shape or not a.select_dtypes(exclude="number").equals(
                    b.select_dtypes(exclude="number")):
                return False
            scale = np.maximum(np.abs(x), np.abs(y))
            rel = np.where(scale > 0, np.abs(x - y) / np.where(scale > 0, scale, 1.0), 0.0)
            worst = max(worst, float(np.nan_to_num(rel, nan=0.0).max(initial=0.0)))
        if det_a.notes != det_b.notes or mc_a.notes != mc_b.notes:
            return False
    base, this = min(cpu["separate"]), min(cpu["shared"])
    same = worst <= 1e-9
    print(f"(d) report scenario section, {len(files)} shipped files x {draws:,} draws "
          f"(best of {rounds}, CPU s): run_scenario + monte_carlo {base:.2f}, "
          f"run_and_monte_carlo {this:.2f}, ratio {base / this:.2f}x; same numbers: "
          f"{'yes' if same else 'NO'} (largest relative difference {worst:.1e})")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--naive-limit", type=int, default=150,
                        help="elements the naive loop recomputes (it takes ~0.1 s each)")
    parser.add_argument("--report-draws", type=int, default=2_000)
    parser.add_argument("--report-rounds", type=int, default=2)
    parser.add_argument("--only-report", action="store_true", help="run (d) only")
    args = parser.parse_args()

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}")
    if args.only_report:
        return 0 if report_scenarios(args.report_draws, args.seed, args.report_rounds) else 1
    ds = load_dataset()
    year = default_year(ds)
    commodity = largest_commodity(ds, year)
    flow = flow_model(ds, commodity, year)
    network = flow.network
    routes = SeaRoutes.from_dataset(ds)
    model = SupplyModel(flow, IMPORTER, routes)
    stage = model.headline_stage
    links = {s: int((f > 0).sum()) for s, f in network.flows.items()}
    print(f"network: {commodity} {year}, {len(network.countries)} countries, trade links "
          f"{links}; importer {IMPORTER}, {stage} supply {model.supply[stage]:,.0f} "
          f"{network.unit}")

    # (a) naive loop (the first elements only when the network is large: it is slow)
    naive, naive_time = naive_loop(model, args.naive_limit)
    print(f"(a) naive fixed-point loop: {len(naive)} single-element losses in "
          f"{naive_time:.2f} s ({naive_time / max(len(naive), 1) * 1e3:.1f} ms each)")

    # (b) engine, same elements: one scenario per element, every stage at once
    keys = sorted(naive)
    engine_time, evaluate_time = np.inf, np.inf
    for _ in range(3):
        losses, total, evaluate = engine_batch(flow, routes, keys)
        engine_time, evaluate_time = min(engine_time, total), min(evaluate_time, evaluate)
    diffs = np.array([np.abs(naive[k] - losses[r]).max() for r, k in enumerate(keys)])
    scale = max(max(model.supply.values()), 1.0)
    worst = float(diffs.max(initial=0.0))
    same = worst <= 1e-6 * scale
    print(f"(b) scrisk engine: {len(keys)} scenarios (all stages each) in "
          f"{evaluate_time * 1e3:.1f} ms")
    print(f"    ratio naive loop / engine batch: {naive_time / evaluate_time:,.1f}x")
    print(f"    same losses: {'yes' if same else 'NO'} ({len(keys)} compared, largest "
          f"difference {worst:.3g} t)")
    head = model.flow.stages.index(stage)
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
    patterns = len(np.unique(np.column_stack([v for v in result.samples.values()]), axis=0))
    print(f"(c) Monte Carlo: {args.runs:,} scenarios x {len(scenario.shocks)} possible shocks "
          f"on the {commodity} network in {mc_time:.3f} s (set-up included; about "
          f"{patterns:,} distinct outcomes); "
          f"peak traced memory {peak / 2**20:.1f} MiB, process max RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB; "
          f"same seed, same numbers: {'yes' if repeatable else 'NO'}")
    print(f"    {stage} loss: mean {row['mean_loss_share']:.2%}, P50 {row['p50_loss_share']:.2%}, "
          f"P95 {row['p95_loss_share']:.2%}, P99 {row['p99_loss_share']:.2%} of supply")
    print(f"    the naive loop at {per_scenario_naive * 1e3:.1f} ms per scenario would need "
          f"about {per_scenario_naive * args.runs:,.0f} s for {args.runs:,} scenarios "
          f"(extrapolated, not run): {per_scenario_naive * args.runs / mc_time:,.0f}x")
    report_same = report_scenarios(args.report_draws, args.seed, args.report_rounds)
    return 0 if same and repeatable and report_same else 1


if __name__ == "__main__":
    sys.exit(main())
