"""Benchmark: loading and validating the dataset.

Times, best of ``--repeat`` runs each:

1. ``load_dataset()`` of the shipped data (every schema and cross-file rule);
2. the same with an overlay adding ``--rows`` synthetic production rows
   (``minerals/production.extra.csv``, valid values with thousands
   separators), which shows how validation scales with a user's file;
3. ``validate_folder`` on an overlay of the same size where every row is bad
   (a decimal comma), which shows the cost of reporting failures.

``--baseline-src DIR`` runs the same timings with another checkout's
``src`` (e.g. the commit before a change) in a subprocess and prints both
side by side with their ratio.

``--scales 1,10,100`` then prints the data-scale table: a synthetic dataset
folder at each scale (``benchmarks/synthetic_dataset.py``: every commodity
copied k times, illustrative numbers) and, on it,

* ``load_dataset(folder)``;
* the GeoPolRisk whole grid (every importer x commodity x year), after a load;
* Monte Carlo, 10,000 runs, closures of four sea lanes (Malacca, Taiwan
  Strait, Hormuz, Suez; probability 0.05 each) touching ALL commodities,
  after a load;

each in a fresh process of this checkout and of the baseline (``--baseline-src``,
or ``git archive`` of ``--baseline-commit``, default ``BASELINE_COMMIT``: the
code before the vectorised load), side by side: wall and CPU seconds (CPU is
steadier on a shared machine), the wall-time speed-up,
and the process's peak resident memory (``ru_maxrss``, which includes the
load for the GeoPolRisk and Monte Carlo rows). A process is killed when its
resident memory passes ``--memory-gb`` (reported as such). Both sides'
results are compared (row counts and sums to 1e-12 relative).

    python benchmarks/bench_load.py [--repeat 3] [--rows 200000] [--baseline-src DIR]
    python benchmarks/bench_load.py --scales 1,10,100 [--memory-gb 12] [--work DIR]
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

from timing import best_of

ROOT = Path(__file__).resolve().parents[1]
BASELINE_COMMIT = "82d0461"
"""main before the vectorised load and validation."""
SCALE_TASKS = ("load", "geopolrisk", "mc")
MC_RUNS = 10_000
HEADER = "commodity,stage,iso3,year,quantity,unit,source\n"


def write_overlay(folder: Path, rows: int, bad: bool) -> None:
    """A production.extra.csv of ``rows`` mining rows in years no shipped row uses.

    Keys are unique (commodity x country x year 2030-2099); each commodity
    keeps its shipped mining unit, so a valid overlay validates.
    """
    import pandas as pd

    from scrisk.data.load import shipped_data_path

    data = shipped_data_path() / "minerals"
    countries = pd.read_csv(data / "countries.csv", dtype=str, keep_default_na=False)
    iso3 = countries.loc[countries["is_aggregate"].str.lower() != "true", "iso3"].tolist()
    prod = pd.read_csv(data / "production.csv", dtype=str, keep_default_na=False)
    units = prod.loc[prod["stage"] == "mining"].drop_duplicates("commodity")
    pairs = list(zip(units["commodity"], units["unit"], strict=True))
    (folder / "minerals").mkdir(parents=True, exist_ok=True)
    lines = [HEADER]
    n = 0
    for commodity, unit in pairs:
        for country in iso3:
            for year in range(2030, 2100):
                if n == rows:
                    break
                value = "36,0" if bad else f"{1_000 + n % 99_991:,}"
                lines.append(f'{commodity},mining,{country},{year},"{value}",{unit},bench\n')
                n += 1
    (folder / "minerals" / "production.extra.csv").write_text("".join(lines), encoding="utf-8")


def measure(repeat: int, rows: int) -> dict[str, float]:
    """Seconds for the three timings, in this process."""
    from scrisk.data.load import load_dataset, validate_folder

    out = {"shipped": best_of(repeat, load_dataset)[0]}
    with tempfile.TemporaryDirectory() as tmp:
        good, bad = Path(tmp, "good"), Path(tmp, "bad")
        write_overlay(good, rows, bad=False)
        write_overlay(bad, rows, bad=True)
        out["overlay"] = best_of(repeat, lambda: validate_folder(overlay=good))[0]
        out["all_bad"] = best_of(repeat, lambda: validate_folder(overlay=bad))[0]
    return out


# --------------------------------------------------------------------------- data scale


MC_LANES = ("malacca", "taiwan_strait", "hormuz", "suez")


def all_lanes_scenario(ds):
    """Four sea lanes to Japan, each closed for three months with probability 0.05, for
    every commodity (the shocks of the Monte Carlo row)."""
    from scrisk.disruption.scenarios import Scenario, Shock

    shocks = tuple(Shock(f"lane-{cid}", "sea_lane_closure", 1.0, probability=0.05,
                         duration_months=3.0, chokepoint=cid) for cid in MC_LANES)
    return Scenario("benchmark: four sea lanes, all commodities", shocks, importer="JPN")


def scale_worker(task: str, folder: Path) -> dict:
    """One measurement in this process (the code on PYTHONPATH)."""
    import numpy as np

    from scrisk.data.load import load_dataset

    out: dict = {}
    wall, cpu = time.perf_counter(), time.process_time()
    ds = load_dataset(folder)
    if task == "load":
        out["s"], out["cpu_s"] = time.perf_counter() - wall, time.process_time() - cpu
        trade, prod = ds.trade, ds.production
        out["check"] = [len(trade), float(trade["contained_t"].sum()),
                        float(trade["value_kusd"].sum()), len(prod),
                        float(prod["quantity"].sum())]
    elif task == "geopolrisk":
        from scrisk.metrics.geopolrisk import geopolrisk_table

        wall, cpu = time.perf_counter(), time.process_time()
        grid = geopolrisk_table(ds)
        out["s"], out["cpu_s"] = time.perf_counter() - wall, time.process_time() - cpu
        numbers = grid.select_dtypes("number")
        out["check"] = [len(grid)] + [float(np.nansum(numbers[c].to_numpy(dtype=float)))
                                      for c in numbers.columns]
    elif task == "mc":
        from scrisk.disruption.montecarlo import monte_carlo

        scenario = all_lanes_scenario(ds)
        wall, cpu = time.perf_counter(), time.process_time()
        result = monte_carlo(ds, scenario, runs=MC_RUNS, seed=0)
        out["s"], out["cpu_s"] = time.perf_counter() - wall, time.process_time() - cpu
        table = result.summary()
        out["commodities"] = int(table["commodity"].nunique())
        out["check"] = [len(table), float(table["mean_loss_t"].sum())]
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return out


def run_scale(src: Path, task: str, folder: Path, memory_gb: float) -> dict:
    """Run one measurement in a fresh process importing ``src``; kill it above the cap."""
    env = dict(os.environ, PYTHONPATH=str(src), SCRISK_DATA=str(ROOT / "data"))
    cmd = [sys.executable, __file__, "--scale-worker", task, "--folder", str(folder)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        peak_kib = 0
        while proc.poll() is None:
            peak_kib = max(peak_kib, _rss_kib(proc.pid))
            if peak_kib > memory_gb * 2**20:
                proc.kill()
                proc.wait()
                return {"error": f"killed at {memory_gb:g} GB"}
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            tail = (err.read().strip().splitlines() or ["?"])[-1]
            return {"error": tail[:60]}
        return json.loads(out.read().strip().splitlines()[-1])


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def baseline_src(commit: str, tmp: Path) -> Path:
    """``src`` of ``commit``, extracted into ``tmp``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
    return tmp / "src"


def _same(a: dict, b: dict) -> bool:
    import numpy as np

    return len(a["check"]) == len(b["check"]) and bool(
        np.allclose(a["check"], b["check"], rtol=1e-12, atol=0.0))


def scale_table(scales: list[int], work: Path, base: Path | None, label: str, memory_gb: float,
                tasks: tuple[str, ...], seed: int,
                baseline_tasks: tuple[str, ...] = SCALE_TASKS, keep: bool = False) -> bool:
    """Print load, GeoPolRisk grid and Monte Carlo at each scale, beside the baseline."""
    from synthetic_dataset import write_scaled_dataset

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
          f"baseline: {label}; memory: peak resident (ru_maxrss) of the process, killed above "
          f"{memory_gb:g} GB; times wall/CPU seconds")
    names = {"load": "load_dataset", "geopolrisk": "GeoPolRisk whole grid",
             "mc": f"Monte Carlo {MC_RUNS:,} runs, all commodities"}
    print(f"{'work':40s}{'scale':>6s}{'commod.':>8s}{'trade rows':>12s} | "
          f"{'this':>24s} | {'baseline':>24s} | {'speed-up':>8s} | same")
    ok = True
    for k in scales:
        start = time.perf_counter()
        folder, note = Path(work) / f"data-{k}x", Path(work) / f"data-{k}x" / "SYNTHETIC.txt"
        if not (keep and note.exists() and f"(seed {seed})" in note.read_text(encoding="utf-8")):
            folder = write_scaled_dataset(work, k, seed=seed)  # else kept with --work: reused
        print(f"(synthetic dataset {k}x written in {time.perf_counter() - start:.0f} s: "
              f"{folder})")
        with (folder / "minerals" / "commodities.csv").open(encoding="utf-8") as handle:
            commodities = sum(1 for _ in handle) - 1
        for task in tasks:
            ours = run_scale(ROOT / "src", task, folder, memory_gb)
            theirs = (run_scale(base, task, folder, memory_gb)
                      if task in baseline_tasks and base is not None else {"error": "not run"})
            both = "error" not in ours and "error" not in theirs
            same = _same(ours, theirs) if both else None
            ok &= same is not False
            rows = ours.get("check", [0])[0] if task == "load" else ""
            print(f"{names[task]:40s}{k:>5d}x{commodities:>8,}{rows:>12}"
                  f" | {_cell(ours):>24s} | {_cell(theirs):>24s} | "
                  f"{(theirs['s'] / ours['s']) if both else float('nan'):7.1f}x | "
                  f"{'-' if same is None else 'yes' if same else 'NO'}")
        if k > 1 and keep is False:
            import shutil

            shutil.rmtree(folder)
    return ok


def _cell(result: dict) -> str:
    if "error" in result:
        return f"({result['error']})"
    return f"{result['s']:6.1f}/{result['cpu_s']:5.1f} s {result['peak_gb']:5.2f} GB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--baseline-commit", default=BASELINE_COMMIT)
    parser.add_argument("--scales", default="",
                        help="comma-separated data scales for the scale table (e.g. 1,10,100)")
    parser.add_argument("--scales-only", action="store_true",
                        help="skip the overlay timings, print the scale table only")
    parser.add_argument("--tasks", default=",".join(SCALE_TASKS))
    parser.add_argument("--baseline-tasks", default=",".join(SCALE_TASKS),
                        help="tasks also run on the baseline (e.g. load,geopolrisk at 100x)")
    parser.add_argument("--memory-gb", type=float, default=12.0)
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the synthetic datasets, kept and reused (default: a "
                             "temporary one)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale-worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_worker:
        print(json.dumps(scale_worker(args.scale_worker, args.folder)))
        return
    if not args.scales_only:
        overlay_table(args)
    if args.scales:
        scales = [int(k) for k in args.scales.split(",") if k.strip()]
        tasks = tuple(t for t in args.tasks.split(",") if t)
        with tempfile.TemporaryDirectory() as tmp:
            if args.baseline_src is not None:
                base, label = args.baseline_src.resolve(), str(args.baseline_src)
            else:
                try:
                    base = baseline_src(args.baseline_commit, Path(tmp))
                    label = f"commit {args.baseline_commit}"
                except (subprocess.CalledProcessError, OSError):  # e.g. a shallow clone
                    base, label = None, f"none (commit {args.baseline_commit} not found)"
            work = args.work or Path(tmp) / "data"
            baseline_tasks = tuple(t for t in args.baseline_tasks.split(",") if t)
            ok = scale_table(scales, work, base, label, args.memory_gb, tasks, args.seed,
                             baseline_tasks, keep=args.work is not None)
        if not ok:
            print("results differ from the baseline")
            sys.exit(1)


def overlay_table(args: argparse.Namespace) -> None:
    """The shipped data and overlay timings, beside ``--baseline-src`` when given."""
    ours = measure(args.repeat, args.rows)
    if args.json:
        print(json.dumps(ours))
        return
    base = None
    if args.baseline_src is not None:
        env = dict(os.environ, PYTHONPATH=str(args.baseline_src.resolve()))
        done = subprocess.run([sys.executable, __file__, "--json", "--repeat", str(args.repeat),
                               "--rows", str(args.rows)], env=env, capture_output=True,
                              text=True, check=True)
        base = json.loads(done.stdout.strip().splitlines()[-1])
    labels = {"shipped": "load_dataset(), shipped data",
              "overlay": f"+ overlay of {args.rows:,} rows",
              "all_bad": f"overlay of {args.rows:,} bad rows"}
    print(f"{'':38s}{'this':>9s}" + (f"{'baseline':>10s}{'ratio':>8s}" if base else ""))
    for key, label in labels.items():
        line = f"{label:38s}{ours[key]:8.2f}s"
        if base:
            line += f"{base[key]:9.2f}s{ours[key] / base[key]:7.2f}x"
        print(line)


if __name__ == "__main__":
    main()
