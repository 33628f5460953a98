"""Benchmark: GeoPolRisk and look-through exposure over the whole dataset grid.

Runs, in one invocation:

1. scrisk's vectorised GeoPolRisk for every importer x commodity x year of
   the shipped data, and look-through exposure (mined origin of every
   importer's supply) for every commodity x year x stage;
2. the reference package ``geopolrisk-py`` 2.0.1 on a block of that grid,
   in a throw-away virtual environment (it needs pandas <= 2.3 and is GPL, so
   scrisk never imports it), timing its own ``gprs_calc`` loop;
3. scrisk on the same block, checking it reproduces the reference values.

It prints both timings per cell and their ratio. ``--reference none`` skips
step 2 (no network needed) and prints scrisk's timings only.

    python benchmarks/bench_metrics.py [--reference small|none] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
BLOCK_COUNTRIES = {"Japan": "JPN", "China": "CHN", "Germany": "DEU"}
BLOCK_YEARS = [2022, 2023]


def best_of(repeat: int, func):
    """Best wall time of ``repeat`` runs and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def exposure_grid(ds) -> int:
    """Every importer's supply by mined origin, every commodity, year and stage.

    Builds the origin model of each commodity-year (stage ladder, contained
    metal, untraced and unattributed labels) and reads every importer's row;
    returns the number of importer x stage cells with supply.
    """
    from scrisk.network import build_network
    from scrisk.origins import FlowModel

    cells = 0
    for commodity in ds.commodities_list:
        for year in ds.years("trade"):
            model = FlowModel(build_network(ds, commodity, year))
            for stage in model.stages:
                pools = model.arrays[stage].pool
                by_origin = model.composition[stage] * pools[:, None]
                cells += int((pools > 0).sum())
                assert np.isfinite(by_origin).all()
    return cells


def exposure_grid_one_stage(ds) -> int:
    """Baseline: the first release's computation, one independent solve per stage."""
    from scrisk.metrics.exposure import origin_matrix
    from scrisk.network import build_network

    cells = 0
    for commodity in ds.commodities_list:
        for year in ds.years("trade"):
            net = build_network(ds, commodity, year)
            for stage, flows in net.flows.items():
                production = net.production.get(stage, np.zeros(len(net.countries)))
                origins = origin_matrix(production, flows)
                cells += int((flows.sum(axis=0) > 0).sum())
                assert np.isfinite(origins).all()
    return cells


def run_reference(python: str) -> tuple[pd.DataFrame, float, int]:
    """Run the reference package on the block; return its rows, loop seconds and cell count."""
    spec_file = REPO / "scripts" / "make_geopolrisk_reference.py"
    spec = importlib.util.spec_from_file_location("gpr_reference", spec_file)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    tmp = Path(tempfile.mkdtemp(prefix="bench_gpr_"))
    venv, home = tmp / "venv", tmp / "home"
    home.mkdir()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpy = str(venv / "bin" / "python")
    subprocess.run([vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    *ref.PIP_REQUIREMENTS], check=True)
    block = {"years": BLOCK_YEARS, "countries": list(BLOCK_COUNTRIES), "regions": {}}
    (tmp / "spec.json").write_text(json.dumps({"blocks": [block]}))
    (tmp / "driver.py").write_text(ref.DRIVER)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PYTHONHASHSEED="0", MPLBACKEND="Agg")
    done = subprocess.run([vpy, str(tmp / "driver.py"), str(tmp / "spec.json"), str(tmp)],
                          env=env, cwd=str(tmp), capture_output=True, text=True)
    if done.returncode != 0:  # its progress bars are noise unless it failed
        raise SystemExit(f"reference run failed:\n{done.stderr[-4000:]}")
    raw = json.loads((tmp / "raw.json").read_text())
    rows = pd.DataFrame(raw["rows"])
    for col in ("hhi", "import_risk", "score", "characterization_factor", "price"):
        rows[col] = rows[col].astype(float)
    rows["importer"] = rows["name"].map(BLOCK_COUNTRIES)
    return rows, float(raw["meta"]["block_seconds"][0]), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", choices=["small", "none"], default="small")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", default=sys.executable,
                        help="Python 3.10/3.11 for the reference venv")
    args = parser.parse_args()

    from scrisk.data.load import load_dataset
    from scrisk.metrics.geopolrisk import geopolrisk_table

    start = time.perf_counter()
    ds = load_dataset()
    load_s = time.perf_counter() - start
    grid_s, grid = best_of(args.repeat, lambda: geopolrisk_table(ds))
    tracemalloc.start()  # a separate run: tracing slows the code it measures
    geopolrisk_table(ds)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    exposure_s, exposure_cells = best_of(args.repeat, lambda: exposure_grid(ds))
    one_stage_s, _ = best_of(args.repeat, lambda: exposure_grid_one_stage(ds))
    print(f"dataset load                        {load_s:8.2f} s")
    print(f"scrisk GeoPolRisk, whole grid       {grid_s:8.2f} s  {len(grid):>7,} cells "
          f"({grid_s / len(grid) * 1e6:,.1f} us/cell, peak {peak / 2**20:,.0f} MiB)")
    print(f"scrisk look-through, whole grid     {exposure_s:8.2f} s  {exposure_cells:>7,} "
          f"importer-commodity-year-stage cells (stage ladder, mined origin)")
    print(f"  baseline: one solve per stage     {one_stage_s:8.2f} s  (the first release's "
          f"computation on the same networks); ratio {exposure_s / one_stage_s:,.2f}x")
    if args.reference == "none":
        return

    rows, ref_s, ref_cells = run_reference(args.python)
    com = ds.commodities
    to_scrisk = dict(zip(com["gpr_reference_id"], com["commodity"], strict=True))
    rows = rows.loc[rows["commodity"].isin(to_scrisk)].assign(
        commodity=lambda f: f["commodity"].map(to_scrisk))
    block_s, block = best_of(args.repeat, lambda: geopolrisk_table(
        ds, list(BLOCK_COUNTRIES.values()), sorted(rows["commodity"].unique()), BLOCK_YEARS))
    merged = block.merge(rows, on=["importer", "commodity", "year"], suffixes=("", "_ref"))
    rel = ((merged["hhi"] - merged["hhi_ref"]).abs() / merged["hhi_ref"].abs()).max()
    per_ref, per_ours = ref_s / ref_cells, block_s / len(block)
    print(f"reference gprs_calc, block          {ref_s:8.2f} s  {ref_cells:>7,} cells "
          f"({per_ref * 1e3:,.1f} ms/cell)")
    print(f"scrisk, same block                  {block_s:8.4f} s  {len(block):>7,} cells "
          f"({per_ours * 1e3:,.3f} ms/cell)")
    print(f"speed-up per cell                   {per_ref / per_ours:8,.0f} x")
    print(f"reference time for the whole grid   {per_ref * len(grid):8,.0f} s (extrapolated) vs "
          f"scrisk {grid_s:.2f} s: {per_ref * len(grid) / grid_s:,.0f} x")
    print(f"max relative HHI difference on the block: {rel:.2e}")


if __name__ == "__main__":
    main()
