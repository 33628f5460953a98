"""Sweeps on 1 and 2 Dask workers against the serial path, on the shipped data.

The grid is every shipped scenario x the battery and base metals x the last
``--years`` data years, Monte Carlo with ``--runs`` runs per task. The serial
path (no Dask) is the baseline; each Dask run starts its own LocalCluster
(worker start-up and the dataset load in each worker are included, as a user
would see them). Every run must give the same table as the serial one; the
benchmark checks it and prints the ratio of wall times and the peak resident
memory of this process (workers are separate processes: their peak is given
by the scheduler's worker memory at the end).

Run: ``.venv/bin/python benchmarks/bench_sweep.py [--runs 10000] [--years 2]
[--workers 1 2]``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import pandas.testing as pdt

from scrisk import load_dataset
from scrisk.data.load import shipped_data_path
from scrisk.network import default_year
from scrisk.sweep import SweepOptions, run_sweep

COMMODITIES = ("cobalt", "lithium", "nickel", "graphite", "manganese", "copper", "zinc", "lead")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    ds = load_dataset()
    last = default_year(ds)
    years = tuple(range(last - args.years + 1, last + 1))
    files = tuple(str(p) for p in sorted((shipped_data_path().parent / "scenarios")
                                         .glob("*.toml")))
    base = SweepOptions(kind="montecarlo", scenarios=files, commodities=COMMODITIES,
                        years=years, runs=args.runs, seed=0)
    started = time.monotonic()
    serial = run_sweep(base, ds)
    serial_s = time.monotonic() - started
    tasks = len(serial.tasks)
    print(f"sweep: {len(files)} scenarios x {len(COMMODITIES)} commodities x {len(years)} years "
          f"-> {tasks} tasks, {args.runs:,} Monte Carlo runs each")
    print(f"{'path':<16}{'wall s':>9}{'vs serial':>11}{'tasks/s':>9}  identical")
    print(f"{'serial':<16}{serial_s:>9.1f}{1.0:>10.2f}x{tasks / serial_s:>9.1f}  -")
    for n in args.workers:
        started = time.monotonic()
        result = run_sweep(base, ds, workers=n)
        wall = time.monotonic() - started
        pdt.assert_frame_equal(result.table, serial.table)
        print(f"{f'dask, {n} worker(s)':<16}{wall:>9.1f}{serial_s / wall:>10.2f}x"
              f"{tasks / wall:>9.1f}  yes")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:,.0f} MB; data: "
          f"{Path(shipped_data_path()).name}/")


if __name__ == "__main__":
    main()
