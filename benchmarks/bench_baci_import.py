"""Benchmark: streamed BACI import against pandas reading the whole CSV at once.

A release in the official layout is generated once into ``build/bench_baci/``
(``scrisk.data.baci.write_synthetic_release``: 4 yearly files of 5 M rows,
20 M rows in all, about 1.6 % of them mineral codes, as in a real release).
Each measurement runs in a fresh child process, which reports its wall time,
its resident memory (RSS) right after its imports, and the peak RSS while it
works (``/proc/self/statm`` sampled every 5 ms by a thread; the process's
``ru_maxrss`` is printed too), so that the ratio compares the work and not
the interpreter:

(a) baseline on one yearly file (5 M rows): ``pandas.read_csv`` of the whole
    file at once (same column types as the import), filter to the HS map
    codes, then the same conversion and repair;
(b) ``scrisk.data.baci.import_baci`` on the same single-year release;
(c) ``import_baci`` on the full 20 M-row release: time and peak memory.

This is a benchmark, not a timed test: it prints, it does not fail on speed.

Run::

    .venv/bin/python benchmarks/bench_baci_import.py [--rows-per-year 5000000] [--years 4]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "bench_baci"

CHILD = r"""
import json, resource, sys, time
import numpy as np, pandas as pd
from scrisk.data.baci import (BACI_COLUMNS, convert_and_repair, find_release, import_baci,
                              read_country_codes)
from scrisk.data.hs_map import read_hs_map
from scrisk.data.load import shipped_data_path

import threading

def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def current_mb():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20

peak = [0.0]
running = [True]
def sample():
    while running[0]:
        peak[0] = max(peak[0], current_mb())
        time.sleep(0.005)

mode, release, out = sys.argv[1], sys.argv[2], sys.argv[3]
hs_map = read_hs_map()
after_imports = current_mb()
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
start = time.perf_counter()
if mode == "stream":
    result = import_baci(release, out)
    kept = result.rows_kept
else:
    rel = find_release(release)
    countries = pd.read_csv(shipped_data_path() / "minerals/countries.csv",
                            keep_default_na=False, na_values=[""], usecols=["iso3"])
    country_of = read_country_codes(rel, set(countries["iso3"]))
    codes = np.array([int(c) for c in sorted(set(hs_map["hs6"]))])
    frames = []
    for year, member in sorted(rel.year_files.items()):
        with rel.open(member) as handle:
            whole = pd.read_csv(handle, dtype={"t": "int32", "i": "int32", "j": "int32",
                                               "k": "int64", "v": "float64", "q": "float64"},
                                keep_default_na=False, na_values={"q": ["NA", ""], "v": []},
                                skipinitialspace=True)
        rows = whole.loc[np.isin(whole["k"].to_numpy(), codes)]
        exporter, importer = country_of[rows["i"].to_numpy()], country_of[rows["j"].to_numpy()]
        known = (exporter != "") & (importer != "")
        frames.append(pd.DataFrame({
            "year": rows["t"].to_numpy()[known].astype("int64"),
            "hs6": np.char.zfill(rows["k"].to_numpy()[known].astype(str), 6).astype(object),
            "exporter": exporter[known], "importer": importer[known],
            "quantity_t": rows["q"].to_numpy()[known], "value_kusd": rows["v"].to_numpy()[known]}))
        del whole
    kept = len(convert_and_repair(pd.concat(frames, ignore_index=True), hs_map))
seconds = time.perf_counter() - start
running[0] = False
sampler.join()
print(json.dumps({"seconds": seconds, "peak_mb": max(peak[0], current_mb()),
                  "after_imports_mb": after_imports, "maxrss_mb": rss_mb(),
                  "rows_kept": kept}))
"""


def measure(mode: str, release: Path, out: Path) -> dict:
    """Run one measurement in a fresh interpreter and return what it reports."""
    done = subprocess.run([sys.executable, "-c", CHILD, mode, str(release), str(out)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def release_folder(rows_per_year: int, n_years: int) -> Path:
    """The generated release (cached under build/bench_baci/), and a one-year copy."""
    from scrisk.data.baci import write_synthetic_release

    years = tuple(range(2024 - n_years + 1, 2025))
    folder = CACHE / f"release_{n_years}x{rows_per_year}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        write_synthetic_release(folder, years=years, rows_per_year=rows_per_year, seed=1)
        marker.write_text("ok")
        print(f"generated {n_years} x {rows_per_year:,} rows in "
              f"{time.perf_counter() - start:.0f} s -> {folder}")
    single = CACHE / f"single_{rows_per_year}"
    if not (single / ".complete").exists():
        shutil.rmtree(single, ignore_errors=True)
        single.mkdir(parents=True)
        for name in ("country_codes_V202401b.csv", "product_codes_HS92_V202401b.csv",
                     f"BACI_HS92_Y{years[-1]}_V202401b.csv"):
            (single / name).symlink_to(folder / name)
        (single / ".complete").write_text("ok")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows-per-year", type=int, default=5_000_000)
    parser.add_argument("--years", type=int, default=4)
    args = parser.parse_args()
    full = release_folder(args.rows_per_year, args.years)
    single = CACHE / f"single_{args.rows_per_year}"
    out = CACHE / "out"
    size_gb = sum(p.stat().st_size for p in full.glob("BACI_*.csv")) / 1e9

    base = measure("whole", single, out / "whole")
    stream = measure("stream", single, out / "stream")
    print(f"\none yearly file, {args.rows_per_year:,} rows ({base['rows_kept']:,} kept):")
    print(f"{'':28}{'pandas whole file':>20}{'scrisk streamed':>18}{'ratio':>8}")
    print(f"{'time (s)':28}{base['seconds']:>20.1f}{stream['seconds']:>18.1f}"
          f"{stream['seconds'] / base['seconds']:>8.2f}")
    grow_base = base["peak_mb"] - base["after_imports_mb"]
    grow_stream = stream["peak_mb"] - stream["after_imports_mb"]
    print(f"{'peak RSS while working (MB)':28}{base['peak_mb']:>20.0f}{stream['peak_mb']:>18.0f}"
          f"{stream['peak_mb'] / base['peak_mb']:>8.2f}")
    print(f"{'peak RSS above start (MB)':28}{grow_base:>20.0f}{grow_stream:>18.0f}"
          f"{max(grow_stream, 1) / max(grow_base, 1):>8.2f}")
    if base["rows_kept"] != stream["rows_kept"]:
        print("MISMATCH: the two paths kept different row counts")
        sys.exit(1)

    total = args.rows_per_year * args.years
    result = measure("stream", full, out / "full")
    print(f"\nfull release: {total:,} rows in {args.years} files ({size_gb:.2f} GB of CSV)")
    print(f"scrisk streamed: {result['seconds']:.1f} s "
          f"({total / result['seconds'] / 1e6:.2f} M rows/s), peak RSS while working "
          f"{result['peak_mb']:.0f} MB ({result['peak_mb'] - result['after_imports_mb']:.0f} MB "
          f"above the {result['after_imports_mb']:.0f} MB at start; ru_maxrss "
          f"{result['maxrss_mb']:.0f} MB), {result['rows_kept']:,} rows kept")


if __name__ == "__main__":
    main()
