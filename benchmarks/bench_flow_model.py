"""Benchmark: the shared flow model as the report uses it, in CPU seconds.

Each part runs in a fresh process (the dataset loaded first, untimed), of
this checkout and, with ``--baseline-src DIR``, of another checkout's
``src`` folder, the two interleaved so that both see the same machine load;
the best of ``--repeat`` processes is printed with the ratio baseline / this.
CPU time (``time.process_time``) is the figure to read on a shared machine.

Parts:

* ``build``: every shipped network (each commodity x production year), first
  build, including the per-dataset preparation of the tables;
* ``rebuild``: the same networks again, tables prepared;
* ``models``: a ``FlowModel`` on each of them;
* ``bounds``: ``lookthrough_bounds`` of Japan for the report's detail
  commodities (models built beforehand, untimed);
* ``chokepoints``: ``chokepoints(..., structure=False)`` of Japan for the same
  commodities (models built beforehand, untimed);
* ``details``: the report's ``commodity_data`` for them, on a fresh dataset.

    python benchmarks/bench_flow_model.py [--repeat 3] [--baseline-src DIR] [--parts build,bounds]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("build", "rebuild", "models", "bounds", "chokepoints", "details")

CHILD = r"""
import json, os, sys, time
os.environ["SCRISK_CACHE_DIR"] = "off"
import pandas as pd
from scrisk.data.load import load_dataset
from scrisk import network, origins
from scrisk.report import tables as T

part = sys.argv[1]
ds = load_dataset()
keys = [(c, y) for c in ds.commodities_list for y in ds.years("production")]
year = network.default_year(ds)
detail, _ = T.resolve_commodities(ds, None)
work = None
if part == "build":
    work = lambda: [network.build_network(ds, c, y) for c, y in keys]
elif part == "rebuild":
    [network.build_network(ds, c, y) for c, y in keys]
    work = lambda: [network.build_network(ds, c, y) for c, y in keys]
elif part == "models":
    nets = [network.build_network(ds, c, y) for c, y in keys]
    work = lambda: [origins.FlowModel(n) for n in nets]
elif part == "bounds":
    from scrisk.metrics.lookthrough_bounds import lookthrough_bounds
    [origins.flow_model(ds, c, year) for c in detail]
    work = lambda: [lookthrough_bounds(ds, "JPN", c, year) for c in detail]
elif part == "chokepoints":
    from scrisk.disruption import chokepoints
    [origins.flow_model(ds, c, year) for c in detail]
    work = lambda: [chokepoints(ds, "JPN", c, year, structure=False) for c in detail]
elif part == "details":
    from scrisk.metrics.concentration import concentration
    conc = concentration(ds, None, None, year)
    gpr = pd.DataFrame(columns=["importer", "commodity", "year", "hhi", "import_risk", "score"])
    fresh = load_dataset(ds.path)
    work = lambda: [T.commodity_data(fresh, "JPN", c, year, gpr, conc) for c in detail]
start = time.process_time()
work()
print(json.dumps({"cpu": time.process_time() - start}))
"""


def run(src: Path, part: str) -> float:
    """CPU seconds of one part in a fresh process running the code in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "SCRISK_DATA": str(ROOT / "data")}
    done = subprocess.run([sys.executable, "-c", CHILD, part], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{part} with {src} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["cpu"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="processes per part (best)")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="src folder of another checkout to compare with")
    parser.add_argument("--parts", default=",".join(PARTS))
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts: unknown {unknown}; choose from {', '.join(PARTS)}")
    here = ROOT / "src"
    head = f"{'part':12s} {'this CPU-s':>10s}"
    if args.baseline_src:
        head += f" {'base CPU-s':>10s} {'ratio':>6s}"
    print(head)
    for part in parts:
        mine, base = float("inf"), float("inf")
        for _ in range(args.repeat):
            if args.baseline_src:
                base = min(base, run(args.baseline_src.resolve(), part))
            mine = min(mine, run(here, part))
        line = f"{part:12s} {mine:10.2f}"
        if args.baseline_src:
            line += f" {base:10.2f} {base / mine:5.2f}x"
        print(line, flush=True)


if __name__ == "__main__":
    main()
