"""Benchmark: look-through bounds (one LP per origin and direction) against the proportional model.

For each importer, commodity and year asked, it times, on the shipped data:

1. the baseline: building the origin model (``FlowModel``, the proportional
   look-through every analysis shares) and reading the importer's origins;
2. the bounds: building the bounding programme and solving two GLOP linear
   programmes per origin label with a positive proportional share
   (``origin_bounds``), on the already-built origin model;

and prints both, the number of programmes, the time per programme and the
ratio bounds / baseline.

    python benchmarks/bench_lookthrough_bounds.py [--importer JPN] [--year 2023]
        [--commodities cobalt lithium nickel copper] [--repeat 3]
"""

from __future__ import annotations

import argparse

from timing import best_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--importer", default="JPN")
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--commodities", nargs="+",
                        default=["cobalt", "lithium", "nickel", "copper", "graphite",
                                 "rare_earths"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from scrisk import load_dataset
    from scrisk.metrics.exposure import headline_stage
    from scrisk.metrics.lookthrough_bounds import origin_bounds
    from scrisk.network import build_network
    from scrisk.origins import FlowModel

    ds = load_dataset()
    print(f"{'commodity':<12} {'stage':<13} {'nodes':>5} {'labels':>6} {'LPs':>4} "
          f"{'baseline s':>10} {'bounds s':>9} {'ms/LP':>6} {'ratio':>6}")
    for commodity in args.commodities:
        network = build_network(ds, commodity, args.year)

        def proportional(network=network):
            model = FlowModel(network)
            stage = headline_stage(model, args.importer)
            return model, stage, model.supply_by_origin(args.importer, stage)

        base, (model, stage, _) = best_of(args.repeat, proportional)
        spent, table = best_of(args.repeat,
                               lambda model=model, stage=stage: origin_bounds(
                                   model, args.importer, stage))
        solves = table.attrs["solves"]
        print(f"{commodity:<12} {stage:<13} {len(network.countries):>5} {len(table):>6} "
              f"{solves:>4} {base:>10.3f} {spent:>9.3f} "
              f"{1000 * spent / max(solves, 1):>6.1f} {spent / base:>6.1f}")


if __name__ == "__main__":
    main()
