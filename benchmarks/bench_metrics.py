"""Benchmark: GeoPolRisk and look-through exposure over the whole dataset grid.

Runs, in one invocation:

1. scrisk's GeoPolRisk (one grouped pass) for every importer x commodity x
   year, at 1x, 10x and 100x the shipped data (``--scales``), beside the
   former implementation (one string filter of the trade table per
   commodity, :func:`geopolrisk_table_before`) in the same process: time,
   ratio, peak memory, and the largest difference between the two (must be
   <= 1e-12). At 100x the former implementation runs on a slice of the
   commodities and its whole-grid time is extrapolated (it grows linearly
   with the number of commodities; said so in the output);
2. look-through exposure for every commodity x year x stage of the shipped
   data, beside the first release's one-solve-per-stage computation;
3. the reference package ``geopolrisk-py`` 2.0.1 in a throw-away virtual
   environment (it needs pandas <= 2.3 and is GPL, so scrisk never imports
   it), timing its own ``gprs_calc`` loop, and scrisk in reference mode
   (``governance="reference"``) on the same cells, comparing all five
   columns (HHI, import risk, score, price, factor) cell by cell to 1e-9.
   ``--reference small``: 3 countries x 2 years x every raw material of the
   reference (a few minutes); ``--reference shipped``: the 16 largest
   importers of the shipped trade beyond the committed fixture's
   (``--importers``: a number or ISO3 codes) x the 25 raw materials scrisk
   holds x 2018-2024 (2,800 cells, 20-60 minutes depending on the machine's
   load); ``--reference none`` skips it. ``--raw FILE`` compares the output
   of an earlier reference run instead.

The larger scales are synthetic: every commodity of the shipped data is
copied k times (``cobalt~7``) with its trade and production rows, each row's
quantity and value scaled by a seeded random factor in [0.5, 1.5]
(illustrative numbers, not data). 100x is 2,500 commodities and 14.8 M
trade rows.

    python benchmarks/bench_metrics.py [--scales 1,10,100] [--reference small|shipped|none]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
from timing import best_of

REPO = Path(__file__).resolve().parents[1]
BLOCK_COUNTRIES = {"Japan": "JPN", "China": "CHN", "Germany": "DEU"}
BLOCK_YEARS = [2022, 2023]
FIXTURE_IMPORTERS = {"JPN", "CHN", "USA", "DEU", "KOR", "IND", "FRA", "TWN", "TUN", "NZL"}
COMPARED = {"hhi": "hhi", "import_risk": "import_risk", "score": "score",
            "price_usd_per_kg": "price", "characterization_factor": "characterization_factor"}
NUMBERS = ["hhi", "import_risk", "score", "price_usd_per_kg", "characterization_factor",
           "imports_t", "domestic_production_t"]


def timed(func) -> tuple[float, float, object]:
    """Wall and CPU seconds of one run (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def peak_mib(func) -> float:
    """Peak traced allocation of one run, MiB (a separate run: tracing slows the code)."""
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


# --------------------------------------------------------------------------- the former code

def geopolrisk_table_before(dataset, importers=None, commodities=None, years=None):
    """The former GeoPolRisk grid (kept here as the baseline): per commodity, a string filter.

    Published governance only; same columns as today's numbers.
    """
    from scrisk.metrics.geopolrisk import (
        CF_COPPER_NORMALISER,
        KG_SOURCE_UNITS,
        _hs_codes,
        _reported_quantity,
        partner_weight,
        production_hhi,
    )
    from scrisk.network import positions

    com = dataset.commodities.set_index("commodity")
    if commodities is None:
        commodities = [c for c in com.index if _hs_codes(com.at[c, "hs_gpr"])]
    years = list(years if years is not None else dataset.years("production"))
    countries = tuple(sorted(dataset.countries["iso3"]))
    index = {c: i for i, c in enumerate(countries)}
    trade = dataset.trade
    if importers is None:
        importers = sorted(set(trade["importer"].astype(str)))
    inside = np.zeros((len(importers), len(countries)), dtype=bool)
    for r, imp in enumerate(importers):
        inside[r, index[imp]] = True
    keep = np.zeros(len(trade), dtype=bool)
    commodity_col = trade["commodity"].astype(str)
    hs_col = trade["hs6"].astype(str)
    for commodity in commodities:
        keep |= ((commodity_col == commodity)
                 & hs_col.isin(_hs_codes(com.at[commodity, "hs_gpr"]))).to_numpy()
    trade = trade.loc[keep & trade["year"].isin(years).to_numpy()]
    exp, imp = positions(trade["exporter"], index), positions(trade["importer"], index)
    q = _reported_quantity(trade)
    v = np.nan_to_num(trade["value_kusd"].to_numpy(dtype=float))
    groups = pd.DataFrame({"c": trade["commodity"].astype(str).to_numpy(),
                           "y": trade["year"].to_numpy()}).groupby(["c", "y"], sort=False).indices
    gov = dataset.governance
    g_by_year = {}
    for year in years:
        rows = gov.loc[gov["year"] == year]
        estimate = np.full(len(countries), np.nan)
        estimate[positions(rows["iso3"], index)] = rows["wgi_political_stability"].to_numpy()
        g_by_year[year] = partner_weight(estimate)
    prod = dataset.production
    prod = prod.loc[(prod["stage"] == "mining") & prod["commodity"].isin(commodities)]
    prod_pos = positions(prod["iso3"], index)
    prod_q = prod["quantity"].to_numpy(dtype=float)
    prod_groups = pd.DataFrame({"c": prod["commodity"].astype(str).to_numpy(),
                                "y": prod["year"].to_numpy()}).groupby(["c", "y"],
                                                                        sort=False).indices
    empty = np.array([], dtype=np.int64)
    parts = []
    for commodity in commodities:
        scale = 1000.0 if commodity in KG_SOURCE_UNITS else 1.0
        for year in years:
            rows = groups.get((commodity, year), empty)
            e, i, qq, vv = exp[rows], imp[rows], q[rows], v[rows]
            member = inside[:, i]
            weight = np.where(inside[:, e], 0.0, g_by_year[year][e])
            numerator = (member * weight * qq).sum(axis=1)
            total, total_value = member @ qq, member @ vv
            prows = prod_groups.get((commodity, year), empty)
            production = np.bincount(prod_pos[prows], weights=prod_q[prows],
                                     minlength=len(countries))
            domestic = inside @ production
            with np.errstate(divide="ignore", invalid="ignore"):
                hhi = production_hhi(prod_q[prows], scale)
                den = total + domestic
                risk = np.where(den > 0, numerator / den, 0.0)
                price = np.where(total > 0, total_value / total, 0.0)
            parts.append(pd.DataFrame({
                "importer": importers, "commodity": commodity, "year": year, "hhi": hhi,
                "import_risk": risk, "score": hhi * risk, "price_usd_per_kg": price,
                "characterization_factor": hhi * risk * price / CF_COPPER_NORMALISER,
                "imports_t": total, "domestic_production_t": domestic}))
    return pd.concat(parts, ignore_index=True)


def max_relative_difference(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Largest relative difference over the numeric columns (NaN equal to NaN)."""
    worst = 0.0
    for column in NUMBERS:
        x, y = a[column].to_numpy(dtype=float), b[column].to_numpy(dtype=float)
        both = (np.isnan(x) & np.isnan(y)) | (x == y)
        rel = np.abs(x - y) / np.maximum(np.abs(x), 1e-300)
        worst = max(worst, float(np.max(np.where(both, 0.0, rel), initial=0.0)))
    return worst


# --------------------------------------------------------------------------- synthetic scale

def scaled_dataset(ds, k: int, seed: int = 0):
    """The dataset with every commodity copied ``k`` times (illustrative numbers).

    Copy j of ``cobalt`` is ``cobalt~j`` (copy 0 keeps the name and the
    numbers); its trade and production rows are the original rows with
    quantity and value scaled by a seeded factor in [0.5, 1.5] per row.
    """
    from scrisk.data.load import Dataset

    if k == 1:
        return ds
    rng = np.random.Generator(np.random.PCG64(seed))
    tables = {name: ds[name] for name in ds}
    com = tables["commodities"]
    names = lambda base: [c if j == 0 else f"{c}~{j}" for j in range(k) for c in base]  # noqa: E731
    copies = pd.concat([com] * k, ignore_index=True)
    copies["commodity"] = names(list(com["commodity"]))
    tables["commodities"] = copies

    trade = tables["trade"]
    n = len(trade)
    cats = list(trade["commodity"].cat.categories)
    codes = trade["commodity"].cat.codes.to_numpy()
    factor = np.concatenate([np.ones(n), rng.uniform(0.5, 1.5, size=n * (k - 1))])
    big = {}
    for column in trade.columns:
        series = trade[column]
        if column == "commodity":
            new_codes = (np.tile(codes, k) + np.repeat(np.arange(k), n) * len(cats))
            big[column] = pd.Categorical.from_codes(new_codes, categories=names(cats))
        elif isinstance(series.dtype, pd.CategoricalDtype):
            big[column] = pd.Categorical.from_codes(np.tile(series.cat.codes.to_numpy(), k),
                                                    dtype=series.dtype)
        elif column in ("quantity_t", "quantity_t_reported", "value_kusd", "contained_t"):
            big[column] = np.tile(series.to_numpy(dtype=float), k) * factor
        else:
            big[column] = np.tile(series.to_numpy(), k)
    tables["trade"] = pd.DataFrame(big)

    prod = tables["production"]
    m = len(prod)
    pfactor = np.concatenate([np.ones(m), rng.uniform(0.5, 1.5, size=m * (k - 1))])
    big_prod = pd.concat([prod] * k, ignore_index=True)
    big_prod["commodity"] = [c if j == 0 else f"{c}~{j}" for j in range(k)
                             for c in prod["commodity"].astype(str)]
    big_prod["quantity"] = big_prod["quantity"].to_numpy(dtype=float) * pfactor
    tables["production"] = big_prod
    return Dataset(ds.path, ds.overlay, MappingProxyType(tables), ds.files)


def scale_rows(ds, scales: Iterable[int], repeat: int, before_limit: int) -> None:
    """GeoPolRisk whole grid, grouped pass vs the former code, at each scale."""
    from scrisk.metrics.geopolrisk import geopolrisk_table

    print("GeoPolRisk whole grid (every importer x commodity x year), published governance;"
          " times wall / CPU")
    print(f"{'scale':>6} {'commodities':>11} {'trade rows':>11} {'cells':>10} "
          f"{'grouped':>15} {'peak':>8} {'former':>17} {'ratio':>13} {'max rel diff':>12}")
    for k in scales:
        data = scaled_dataset(ds, k)
        runs = [timed(lambda d=data: geopolrisk_table(d)) for _ in range(repeat if k < 100
                                                                          else 1)]
        grid_s, grid_cpu, grid = min(runs, key=lambda run: run[1])
        peak = peak_mib(lambda d=data: geopolrisk_table(d))
        com = [c for c in data.commodities["commodity"] if isinstance(
            data.commodities.set_index("commodity").at[c, "hs_gpr"], str)]
        com = [c for c in com if data.commodities.set_index("commodity").at[c, "hs_gpr"]]
        part = com if len(com) <= before_limit else com[:before_limit]
        before_s, before_cpu, before = timed(
            lambda d=data, p=part: geopolrisk_table_before(d, commodities=p))
        ours = grid.loc[grid["commodity"].isin(part)].reset_index(drop=True)
        diff = max_relative_difference(before, ours)
        mark = ""
        if len(part) < len(com):
            before_s *= len(com) / len(part)
            before_cpu *= len(com) / len(part)
            mark = "~"
        print(f"{k:>5}x {len(com):>11,} {len(data.trade):>11,} {len(grid):>10,} "
              f"{grid_s:6.1f}/{grid_cpu:6.1f}s {peak:5.0f}MiB "
              f"{mark}{before_s:7.0f}/{before_cpu:7.0f}s "
              f"{before_s / grid_s:5.1f}/{before_cpu / grid_cpu:5.1f}x {diff:12.1e}")
        if len(part) < len(com):
            print(f"       former code run on {len(part)} of {len(com)} commodities "
                  "(whole-table filter per commodity: time x commodities, extrapolated)")
        assert diff <= 1e-12, f"grouped pass differs from the former code by {diff:.1e}"
        del data, grid


# --------------------------------------------------------------------------- exposure

def exposure_grid(ds) -> int:
    """Every importer's supply by mined origin, every commodity, year and stage."""
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


# --------------------------------------------------------------------------- reference

def reference_spec(ds, mode: str, importers: str) -> dict:
    """The block the reference package computes: small (3 countries) or shipped data.

    ``importers``: ISO3 codes separated by commas, or a number n for the n
    largest importers (by value, GeoPolRisk codes) that the committed
    fixture does not cover already.
    """
    if mode == "small":
        return {"blocks": [{"years": BLOCK_YEARS, "countries": list(BLOCK_COUNTRIES),
                            "regions": {}}]}
    com = ds.commodities
    held = com.loc[com["hs_gpr"].fillna("").astype(str) != ""]
    if not importers.isdigit():
        chosen = [ds.check_country(c.strip()) for c in importers.split(",") if c.strip()]
    else:
        pairs = {(c, h) for c, codes in zip(held["commodity"], held["hs_gpr"], strict=True)
                 for h in codes.split(";")}
        trade = ds.trade
        trade = trade.loc[[(c, h) in pairs for c, h in zip(
            trade["commodity"].astype(str), trade["hs6"].astype(str), strict=True)]]
        ranked = (trade.groupby("importer", observed=True)["value_kusd"].sum()
                  .sort_values(ascending=False).index.astype(str))
        chosen = [c for c in ranked if c not in FIXTURE_IMPORTERS][:int(importers)]
    codes = ds.countries.set_index("iso3")["baci_code"]
    return {"blocks": [{"years": sorted(ds.years("production")),
                        "codes": [int(codes[c]) for c in chosen],
                        "commodities": list(held["gpr_reference_id"]), "regions": {}}]}


def run_reference(python: str, spec: Mapping, ds) -> tuple[pd.DataFrame, float]:
    """Run the reference package on ``spec``; return its rows (ISO3 importers) and loop time."""
    script = REPO / "scripts" / "make_geopolrisk_reference.py"
    module_spec = importlib.util.spec_from_file_location("gpr_reference", script)
    ref = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(ref)
    tmp = Path(tempfile.mkdtemp(prefix="bench_gpr_"))
    venv, home = tmp / "venv", tmp / "home"
    home.mkdir()
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpy = str(venv / "bin" / "python")
    subprocess.run([vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    *ref.PIP_REQUIREMENTS], check=True)
    (tmp / "spec.json").write_text(json.dumps(spec))
    (tmp / "driver.py").write_text(ref.DRIVER)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PYTHONHASHSEED="0", MPLBACKEND="Agg")
    done = subprocess.run([vpy, str(tmp / "driver.py"), str(tmp / "spec.json"), str(tmp)],
                          env=env, cwd=str(tmp), capture_output=True, text=True)
    if done.returncode != 0:  # its progress bars are noise unless it failed
        raise SystemExit(f"reference run failed:\n{done.stderr[-4000:]}")
    raw = json.loads((tmp / "raw.json").read_text())
    return reference_rows(raw, ds), float(sum(raw["meta"]["block_seconds"]))


def reference_rows(raw: Mapping, ds) -> pd.DataFrame:
    """The driver's rows with ISO3 importers and scrisk commodity names."""
    rows = pd.DataFrame(raw["rows"])
    for col in COMPARED.values():
        rows[col] = rows[col].astype(float)
    by_code = {int(c): iso3 for iso3, c in zip(ds.countries["iso3"], ds.countries["baci_code"],
                                               strict=True) if pd.notna(c)}
    rows["importer"] = rows["baci_code"].map(by_code)
    com = ds.commodities
    to_scrisk = {r: c for r, c, codes in zip(com["gpr_reference_id"], com["commodity"],
                                             com["hs_gpr"], strict=True)
                 if isinstance(codes, str) and codes}
    rows = rows.loc[rows["commodity"].isin(to_scrisk)]
    return rows.assign(commodity=rows["commodity"].map(to_scrisk))


def compare_reference(ds, rows: pd.DataFrame, ref_s: float, repeat: int) -> None:
    """scrisk in reference mode on the reference's cells: all five columns, cell by cell."""
    from scrisk.metrics.geopolrisk import geopolrisk_table

    importers = sorted(rows["importer"].unique())
    commodities = sorted(rows["commodity"].unique())
    years = sorted(rows["year"].unique())
    ours_s, ours = best_of(repeat, lambda: geopolrisk_table(
        ds, importers, commodities, years, governance="reference"))
    merged = ours.merge(rows.rename(columns={c: f"{c}_ref" for c in COMPARED.values()}),
                        on=["importer", "commodity", "year"], validate="one_to_one")
    print(f"reference mode vs geopolrisk-py 2.0.1: {len(merged):,} cells "
          f"({len(importers)} importers x {len(commodities)} raw materials x {len(years)} years)")
    failed = 0
    for column, ref_column in COMPARED.items():
        got, want = merged[column], merged[f"{ref_column}_ref"]
        nan_agree = (got.isna() == want.isna())
        valid = want.notna() & got.notna()
        rel = ((got - want).abs() / want.abs().clip(lower=1e-300)).where(
            want != 0, (got - want).abs())[valid]
        bad = int((rel > 1e-9).sum() + (~nan_agree).sum())
        failed += bad
        print(f"  {column:<24} max rel diff {rel.max():.1e}; NaN cells {int(want.isna().sum())} "
              f"(both NaN: {bool(nan_agree.all())}); cells above 1e-9: {bad}")
    per_ref, per_ours = ref_s / len(rows), ours_s / len(ours)
    print(f"reference gprs_calc loop  {ref_s:8.1f} s  ({per_ref * 1e3:,.1f} ms/cell)")
    print(f"scrisk, same cells        {ours_s:8.4f} s  ({per_ours * 1e6:,.1f} us/cell); "
          f"speed-up per cell {per_ref / per_ours:,.0f}x")
    if failed:
        raise SystemExit(f"{failed} cells differ from the reference by more than 1e-9")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", choices=["small", "shipped", "none"], default="small")
    parser.add_argument("--importers", default="16",
                        help="shipped-data reference block: n largest importers beyond the "
                        "fixture's, or ISO3 codes separated by commas")
    parser.add_argument("--raw", type=Path, help="compare a driver output (raw.json) already "
                        "made instead of running the reference")
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--former-limit", type=int, default=100,
                        help="run the former code on at most this many commodities per scale")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--exposure", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--python", default=sys.executable,
                        help="Python 3.10/3.11 for the reference venv")
    args = parser.parse_args()

    from scrisk.data.load import load_dataset

    start = time.perf_counter()
    ds = load_dataset()
    print(f"dataset load                        {time.perf_counter() - start:8.2f} s")
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    if scales:
        scale_rows(ds, scales, args.repeat, args.former_limit)
    if args.exposure:
        exposure_s, exposure_cells = best_of(args.repeat, lambda: exposure_grid(ds))
        one_stage_s, _ = best_of(args.repeat, lambda: exposure_grid_one_stage(ds))
        print(f"scrisk look-through, whole grid     {exposure_s:8.2f} s  {exposure_cells:>7,} "
              f"importer-commodity-year-stage cells (stage ladder, mined origin)")
        print(f"  baseline: one solve per stage     {one_stage_s:8.2f} s  (the first release's "
              f"computation on the same networks); ratio {exposure_s / one_stage_s:,.2f}x")
    if args.raw is not None:
        raw = json.loads(args.raw.read_text())
        compare_reference(ds, reference_rows(raw, ds), sum(raw["meta"]["block_seconds"]),
                          args.repeat)
    elif args.reference != "none":
        rows, ref_s = run_reference(args.python, reference_spec(ds, args.reference,
                                                                args.importers), ds)
        compare_reference(ds, rows, ref_s, args.repeat)
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"process peak resident memory        {usage:8.0f} MiB")


if __name__ == "__main__":
    main()
