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

    python benchmarks/bench_load.py [--repeat 3] [--rows 200000] [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import best_of

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
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
