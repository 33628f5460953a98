"""Benchmark: the sparse origin model and engine as networks and run counts grow.

Side by side, in separate processes (so each reports its own peak memory):

* ``new``: this checkout;
* ``dense``: the last release before the sparse rewrite (commit
  ``BASELINE_COMMIT``, extracted with ``git archive`` into a temporary
  folder), run only up to the sizes it can hold under ``--memory-gb``;
  a run that hits the cap is reported as such.

Measured:

(a) look-through on synthetic networks of 1,770 to 20,000 nodes
    (``benchmarks/synthetic.py``): build the network, the origin model and
    the importer's origin shares;
(b) Monte Carlo on those networks: 10,000 runs of about one shock per four
    nodes (production cuts and export quotas, 0.1-1 % probability each);
(c) Monte Carlo on one shipped commodity (the graphite export-control
    scenario), 1e4 to 1e6 runs, through :func:`scrisk.disruption.monte_carlo`.

Results of ``new`` and ``dense`` are compared (same seed, same numbers).
This is a benchmark: it prints; it exits 1 only if the two disagree.

Run::

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1770 5000 10000 20000]
        [--mc-runs 10000 100000 1000000] [--dense-max 5000] [--memory-gb 8]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "580310d"


def worker(args: argparse.Namespace) -> None:
    """One measurement in this process; prints a JSON line."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import numpy as np

    out: dict = {}
    if args.task in ("lookthrough", "network_mc"):
        from synthetic import synthetic_network, synthetic_parts, synthetic_shocks

        from scrisk.disruption.engine import SupplyModel
        from scrisk.origins import FlowModel

        parts = synthetic_parts(args.n, seed=0)
        start = time.perf_counter()
        net = synthetic_network(parts, dense=args.dense)
        model = FlowModel(net)
        origins = model.supply_by_origin("JPN", "refining")
        out["lookthrough_s"] = time.perf_counter() - start
        out["top"] = [float(v) for v in origins.head(5)]
        if args.task == "network_mc":
            shocks = synthetic_shocks(parts, seed=0)
            p = np.array([s[3] for s in shocks])
            rng = np.random.Generator(np.random.PCG64(0))
            start = time.perf_counter()
            engine = SupplyModel(model, "JPN")
            after = np.empty(args.runs)
            for lo in range(0, args.runs, 2048):
                size = min(2048, args.runs - lo)
                active = rng.random((size, len(shocks))) < p
                gates = engine.gates(size)
                if args.dense:
                    for j, (family, node, survive, _) in enumerate(shocks):
                        gates.family(family)[active[:, j], node] *= survive
                    ev = engine.evaluate(gates)
                else:
                    import scipy.sparse

                    for family in sorted({s[0] for s in shocks}):
                        cols = [j for j, s in enumerate(shocks) if s[0] == family]
                        log = scipy.sparse.csr_array(
                            (np.log([shocks[j][2] for j in cols]),
                             (np.arange(len(cols)), [shocks[j][1] for j in cols])),
                            shape=(len(cols), args.n))
                        lost = scipy.sparse.csr_array(
                            scipy.sparse.csr_array(active[:, cols].astype(float)) @ log)
                        lost.data = -np.expm1(lost.data)
                        gates.set_loss(family, lost)
                    ev = engine.evaluate(gates, feed_countries=())
                after[lo:lo + size] = ev.after["refining"]
            out["mc_s"] = time.perf_counter() - start
            out["mc_mean"] = float(after.mean())
            out["mc_p05"] = float(np.percentile(after, 5))
    elif args.task == "mc":
        from scrisk import load_dataset
        from scrisk.disruption.montecarlo import monte_carlo
        from scrisk.disruption.scenarios import load_scenario

        ds = load_dataset()
        scenario = load_scenario(ROOT / "scenarios" / "china_graphite_export_controls.toml", ds)
        monte_carlo(ds, scenario, runs=10, seed=0)      # warm-up: lazy imports, models
        start = time.perf_counter()
        result = monte_carlo(ds, scenario, runs=args.runs, seed=0)
        out["mc_s"] = time.perf_counter() - start
        out["summary"] = [float(v) for v in result.summary()["mean_loss_t"]]
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps(out))


def run(src: Path, task: str, limit_gb: float, **options) -> dict:
    """Run one measurement in a fresh process importing ``src``."""
    cmd = [sys.executable, __file__, "--worker", task]
    for key, value in options.items():
        if value is True:
            cmd.append(f"--{key}")
        elif value is not False:
            cmd += [f"--{key}", str(value)]
    env = dict(os.environ, PYTHONPATH=str(src))

    def cap() -> None:
        size = int(limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (size, size))

    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, preexec_fn=cap,
                          timeout=3600)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": "memory cap" if "MemoryError" in proc.stderr else tail[:80]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def baseline_source(tmp: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE_COMMIT, "src",
                              "data"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "src"


def fmt(result: dict, key: str) -> str:
    if "error" in result:
        return f"({result['error']})"
    return f"{result[key]:8.2f} s, {result['peak_gb']:.2f} GB"


def same(a: dict, b: dict, keys: list[str]) -> bool:
    import numpy as np

    return all(np.allclose(a[k], b[k], rtol=1e-8, atol=1e-9) for k in keys if k in a and k in b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", default=None)
    parser.add_argument("--task", default=None)
    parser.add_argument("--n", type=int, default=1770)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--dense", action="store_true")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1770, 5000, 10000, 20000])
    parser.add_argument("--mc-runs", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--network-runs", type=int, default=10_000)
    parser.add_argument("--dense-max", type=int, default=5000,
                        help="largest network the dense baseline is run on")
    parser.add_argument("--dense-mc-max", type=int, default=100_000)
    parser.add_argument("--dense-runs", type=int, default=200,
                        help="Monte Carlo runs of the dense baseline on synthetic networks "
                             "(it is slow: the ratio is per run)")
    parser.add_argument("--memory-gb", type=float, default=8.0)
    args = parser.parse_args()
    if args.worker:
        args.task = args.worker
        worker(args)
        return 0

    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}; memory cap per "
          f"process {args.memory_gb:g} GB; baseline = commit {BASELINE_COMMIT} (dense)")
    ok = True
    new_src = ROOT / "src"
    with tempfile.TemporaryDirectory() as tmp:
        old_src = baseline_source(Path(tmp))
        print("(a)+(b) synthetic networks: look-through, then Monte Carlo "
              f"{args.network_runs:,} runs (dense: {args.dense_runs} runs; ratio per run)")
        print(f"{'nodes':>7} | {'look-through new':>24} | {'dense':>24} | ratio | "
              f"{'MC new':>24} | {'MC dense':>24} | ratio")
        for n in args.sizes:
            new = run(new_src, "network_mc", args.memory_gb, n=n, runs=args.network_runs)
            old = (run(old_src, "network_mc", args.memory_gb, n=n, runs=args.dense_runs,
                       dense=True) if n <= args.dense_max else {"error": "not run"})
            ratio = (f"{old['lookthrough_s'] / new['lookthrough_s']:5.0f}x"
                     if "error" not in old and "error" not in new else "    -")
            per_run = args.network_runs / args.dense_runs
            mc_ratio = (f"{old['mc_s'] * per_run / new['mc_s']:5.0f}x"
                        if "error" not in old and "error" not in new else "    -")
            if "error" not in old and "error" not in new:
                ok &= same(new, old, ["top"])
            print(f"{n:>7} | {fmt(new, 'lookthrough_s'):>24} | {fmt(old, 'lookthrough_s'):>24}"
                  f" | {ratio} | {fmt(new, 'mc_s'):>24} | {fmt(old, 'mc_s'):>24} | {mc_ratio}")
        print("(c) Monte Carlo on one shipped commodity (graphite export controls)")
        for runs in args.mc_runs:
            new = run(new_src, "mc", args.memory_gb, runs=runs)
            old = (run(old_src, "mc", args.memory_gb, runs=runs)
                   if runs <= args.dense_mc_max else {"error": "not run"})
            ratio = (f"{old['mc_s'] / new['mc_s']:5.1f}x"
                     if "error" not in old and "error" not in new else "    -")
            if "error" not in old and "error" not in new:
                ok &= same(new, old, ["summary"])
            print(f"{runs:>9,} runs | new {fmt(new, 'mc_s')} | dense {fmt(old, 'mc_s')} | "
                  f"{ratio}")
    print(f"same numbers as the baseline where both ran: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
