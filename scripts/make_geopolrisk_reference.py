#!/usr/bin/env python3
"""Produce reference GeoPolRisk values from the reference package, as a test fixture.

scrisk reimplements the GeoPolRisk method independently and is tested against the numbers of
the reference package ``geopolrisk-py==2.0.1`` (GPL). That package is never imported by scrisk
and none of its code is copied: this script only *runs* it, in a throw-away virtual
environment, and records its outputs.

What it does:

1. creates a temporary venv (Python 3.10/3.11; the package needs Python < 3.12 and
   pandas <= 2.3.3) and pip-installs the pinned reference package into it;
2. writes a small driver program to a temporary file and runs it inside that venv, with
   ``HOME`` pointed at a temporary directory (the package writes logs, an Excel file and a
   SQLite file under ``~/Documents/geopolrisk`` on import and on every call);
   the driver calls the public entry point
   ``geopolrisk.assessment.main.gprs_calc(period, country, rawmaterial, region_dict)``
   once per grid block (the BACI load costs about 35-50 s per process, and every
   ``gprs_calc`` call rebuilds its commodity-mapped trade table, about 15 s);
3. writes ``tests/fixtures/geopolrisk_reference.csv`` (full float precision, ``repr``) and a
   sidecar ``tests/fixtures/geopolrisk_reference.meta.json`` (package and library versions,
   run date, grid, region definitions, SHA-256 of the three SQLite files used).

Run from the repository root (stdlib only; needs network access to PyPI)::

    python3 scripts/make_geopolrisk_reference.py

The whole run takes about 8 minutes (the EU cells dominate: 27 member lookups each).
``--shipped`` computes instead 16 further importers of scrisk's shipped trade x the raw
materials scrisk holds x 2018-2024 (2,800 cells, about 25 minutes) into
``tests/fixtures/geopolrisk_reference_shipped.csv``; ``--from-raw FILE`` writes a fixture from
a driver output made earlier.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REFERENCE_PACKAGE = "geopolrisk-py"
REFERENCE_VERSION = "2.0.1"
PIP_REQUIREMENTS = [
    f"{REFERENCE_PACKAGE}=={REFERENCE_VERSION}",
    "pandas<=2.3.3",
    "tqdm",
    "openpyxl",
]

YEARS = list(range(2018, 2025))
# Country names exactly as in the Country_ISO table of world_mining_data.db (the reference
# resolves names there; the United States is "USA", Taiwan is "Other Asia, nes").
COUNTRIES = ["Japan", "China", "USA", "Germany", "Rep. of Korea", "India", "France"]
BUILTIN_REGIONS = ["EU"]  # defined inside the reference package (27 members)
CUSTOM_REGIONS = {"JPN+KOR": ["Japan", "Rep. of Korea"]}
# Small extra block that exercises edge cases of the reference (all commodities, one year):
#   Tunisia / New Zealand import from French Polynesia (BACI 258) in 2018, whose WGI cell
#   is the string 'nan' -> NaN results; "Other Asia, nes" (BACI 490, Taiwan) as an importer.
PROBE_YEARS = [2018]
PROBE_COUNTRIES = ["Tunisia", "New Zealand", "Other Asia, nes"]

# The shipped-data block (--shipped): 16 importers of scrisk's shipped trade beyond the main
# grid's, among the largest by import value of the GeoPolRisk codes, all buying from Guyana
# (the duplicated-code quirk) and Taiwan, x the raw materials scrisk holds x 2018-2024.
SHIPPED_IMPORTERS = ["GBR", "CAN", "AUS", "BRA", "NLD", "ESP", "ITA", "MEX", "RUS", "TUR",
                     "HKG", "BEL", "SWE", "ZAF", "CHE", "SGP"]


def shipped_block(repo: Path) -> dict:
    """The --shipped block: BACI codes of SHIPPED_IMPORTERS and scrisk's GeoPolRisk materials."""
    with (repo / "data/minerals/countries.csv").open(newline="", encoding="utf-8") as f:
        codes = {r["iso3"]: int(r["baci_code"]) for r in csv.DictReader(f) if r["baci_code"]}
    with (repo / "data/minerals/commodities.csv").open(newline="", encoding="utf-8") as f:
        materials = [r["gpr_reference_id"] for r in csv.DictReader(f) if r["hs_gpr"].strip()]
    return {"years": YEARS, "codes": [codes[c] for c in SHIPPED_IMPORTERS],
            "commodities": materials, "regions": {}}


# ISO3 written for importers whose BACI iso3 is not a real ISO 3166 code.
ISO3_OVERRIDES = {"Other Asia, nes": "TWN"}

FIXTURE_COLUMNS = [
    "importer",
    "commodity",
    "year",
    "hhi",
    "import_risk",
    "score",
    "characterization_factor",
    "price",
]

DRIVER = textwrap.dedent(
    r'''
    """Driver run inside the throw-away venv: calls the reference package, writes raw results."""
    import hashlib
    import importlib.metadata as md
    import json
    import platform
    import sqlite3
    import sys
    import time
    from pathlib import Path

    spec = json.loads(Path(sys.argv[1]).read_text())
    out_dir = Path(sys.argv[2])

    t0 = time.time()
    from geopolrisk.assessment import utils  # noqa: E402  (loads all three databases)
    from geopolrisk.assessment.database import databases  # noqa: E402
    from geopolrisk.assessment.main import gprs_calc  # noqa: E402

    load_s = time.time() - t0

    # Commodities: every 'Reference ID' of the HS Code Map that has an HS code.
    commodities = utils.default_rmlist()

    lib = Path(databases.directory_databases)
    con = sqlite3.connect(lib / "baci.db")
    codes = {
        int(c): (name, iso3)
        for c, name, iso3 in con.execute(
            "select country_code, country_name, country_iso3 from country_codes_V202401b"
        )
    }
    con.close()
    name_to_code = {
        str(r["Country"]): int(r["ISO"])
        for _, r in databases.production["Country_ISO"].iterrows()
    }

    code_to_name = {code: name for name, code in name_to_code.items()}

    blocks = []
    for block in spec["blocks"]:
        t = time.time()
        # a block names its importers, or gives BACI codes (every importer of a dataset)
        countries = list(block.get("countries", [])) + [
            code_to_name[int(c)] for c in block.get("codes", [])]
        materials = list(block.get("commodities") or commodities)
        res = gprs_calc(
            list(block["years"]),
            countries,
            materials,
            dict(block.get("regions", {})),
        )
        expected = len(block["years"]) * len(countries) * len(materials)
        if len(res) != expected:
            raise SystemExit(
                f"gprs_calc returned {len(res)} rows, expected {expected}: the reference "
                "stopped early (it breaks out of its loop on the first failing cell)"
            )
        rows = []
        for _, r in res.iterrows():
            name = r["Country [Economic Entity]"]
            code = name_to_code.get(name)
            rows.append(
                {
                    "name": name,
                    "baci_code": code,
                    "baci_iso3": codes[code][1] if code is not None else None,
                    "commodity": r["Raw Material"],
                    "year": int(r["Year"]),
                    "hhi": repr(float(r["HHI"])),
                    "import_risk": repr(float(r["Import Risk"])),
                    "score": repr(float(r["GeoPolRisk Score"])),
                    "characterization_factor": repr(
                        float(r["GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]"])
                    ),
                    "price": repr(float(r["Price"])),
                }
            )
        blocks.append({"rows": rows, "seconds": round(time.time() - t, 1)})

    def sha256(p):
        h = hashlib.sha256()
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    meta = {
        "package_version": md.version("geopolrisk-py"),
        "pandas_version": md.version("pandas"),
        "numpy_version": md.version("numpy"),
        "python_version": platform.python_version(),
        "commodities": commodities,
        "regions": {
            k: list(databases.regionslist[k])
            for k in ["EU", *[r for b in spec["blocks"] for r in b.get("regions", {})]]
        },
        "database_sha256": {
            f: sha256(lib / f) for f in ("baci.db", "world_mining_data.db", "wgi.db")
        },
        "load_seconds": round(load_s, 1),
        "block_seconds": [b["seconds"] for b in blocks],
    }
    (out_dir / "raw.json").write_text(
        json.dumps({"meta": meta, "rows": [r for b in blocks for r in b["rows"]]})
    )
    print(f"driver done: {sum(len(b['rows']) for b in blocks)} rows", flush=True)
    '''
)


def find_python(explicit: str | None) -> str:
    """Return an interpreter the reference package supports (3.10 or 3.11)."""
    candidates = [explicit] if explicit else []
    if sys.version_info[:2] in ((3, 10), (3, 11)):
        candidates.append(sys.executable)
    candidates += [shutil.which("python3.11"), shutil.which("python3.10")]
    for c in candidates:
        if not c:
            continue
        out = subprocess.run(
            [c, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
        )
        if out.returncode == 0 and out.stdout.split() in (["3", "10"], ["3", "11"]):
            return c
    raise SystemExit("need a Python 3.10 or 3.11 interpreter (geopolrisk-py requires <3.12)")


def run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def importer_label(row: dict) -> str:
    """ISO3 for a country, the region name for a region."""
    if row["baci_code"] is None:
        return row["name"]
    return ISO3_OVERRIDES.get(row["name"], row["baci_iso3"])


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=repo / "tests/fixtures/geopolrisk_reference.csv")
    ap.add_argument("--python", help="Python 3.10/3.11 interpreter for the throw-away venv")
    ap.add_argument(
        "--keep-tmp", action="store_true", help="keep the temporary directory (for debugging)"
    )
    ap.add_argument(
        "--no-probes", action="store_true", help="skip the small edge-case block (Tunisia, ...)"
    )
    ap.add_argument(
        "--shipped",
        action="store_true",
        help="the shipped-data block instead (writes geopolrisk_reference_shipped.csv; "
        "about 25 minutes)",
    )
    ap.add_argument(
        "--from-raw",
        type=Path,
        help="write the fixture from a raw.json this script's driver wrote earlier",
    )
    args = ap.parse_args()
    if args.shipped and args.out == repo / "tests/fixtures/geopolrisk_reference.csv":
        args.out = repo / "tests/fixtures/geopolrisk_reference_shipped.csv"

    if args.shipped:
        blocks = [shipped_block(repo)]
    else:
        blocks = [
            {
                "years": YEARS,
                "countries": COUNTRIES + BUILTIN_REGIONS + list(CUSTOM_REGIONS),
                "regions": CUSTOM_REGIONS,
            }
        ]
        if not args.no_probes:
            blocks.append({"years": PROBE_YEARS, "countries": PROBE_COUNTRIES, "regions": {}})
    tmp = Path(tempfile.mkdtemp(prefix="gpr_ref_"))
    try:
        if args.from_raw is not None:
            shutil.copy(args.from_raw, tmp / "raw.json")
        else:
            run_driver(find_python(args.python), tmp, blocks)
        write_outputs(args, json.loads((tmp / "raw.json").read_text()), blocks)
    finally:
        if args.keep_tmp:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run_driver(python: str, tmp: Path, blocks: list[dict]) -> None:
    """Install the reference in a venv under ``tmp`` and run the driver on ``blocks``."""
    venv = tmp / "venv"
    home = tmp / "home"
    home.mkdir()
    run([python, "-m", "venv", str(venv)])
    vpy = str(venv / "bin" / "python")
    run([vpy, "-m", "pip", "install", "-q", "--disable-pip-version-check", *PIP_REQUIREMENTS])

    spec_path = tmp / "spec.json"
    spec_path.write_text(json.dumps({"blocks": blocks}))
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    env.update(HOME=str(home), PYTHONHASHSEED="0", MPLBACKEND="Agg")
    run([vpy, str(driver), str(spec_path), str(tmp)], env=env, cwd=str(tmp))


def write_outputs(args: argparse.Namespace, raw: dict, blocks: list[dict]) -> None:
    """Write the fixture CSV and its meta sidecar from the driver's raw output."""
    meta, rows = raw["meta"], raw["rows"]
    run_date = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FIXTURE_COLUMNS)
        for r in rows:
            w.writerow(
                [
                    importer_label(r),
                    r["commodity"],
                    r["year"],
                    r["hhi"],
                    r["import_risk"],
                    r["score"],
                    r["characterization_factor"],
                    r["price"],
                ]
            )

    importers = {}
    for r in rows:
        importers.setdefault(importer_label(r), r["name"])
    meta_out = {
        "description": (
            "Reference GeoPolRisk values computed by running geopolrisk-py's public entry "
            "point geopolrisk.assessment.main.gprs_calc in a throw-away venv; see "
            "scripts/make_geopolrisk_reference.py and docs/methods.md."
        ),
        "reference_package": f"{REFERENCE_PACKAGE}=={meta['package_version']}",
        "run_date_utc": run_date,
        "environment": {
            "python": meta["python_version"],
            "pandas": meta["pandas_version"],
            "numpy": meta["numpy_version"],
        },
        "rows": len(rows),
        "columns": {
            "importer": "ISO3 of the importing country, or the region name (EU, JPN+KOR)",
            "commodity": "'Reference ID' of the HS Code Map in world_mining_data.db",
            "year": "data year (production table column and BACI year t)",
            "hhi": "HHI of world mine/refinery production, 0..1",
            "import_risk": "WGI-weighted import share ('Import Risk' / WTA)",
            "score": "GeoPolRisk score = hhi * import_risk",
            "characterization_factor": "score * price / 0.409412948 (eq. kg Cu / kg)",
            "price": "sum of import value / sum of import quantity (kUSD/t = USD/kg)",
        },
        "nan_rows": "score/import_risk/characterization_factor are written as 'nan' where "
        "the reference returns NaN (a partner whose WGI cell is the string 'nan').",
        "importer_reference_names": importers,
        "grid": {
            "shipped": {**blocks[0], "importers": SHIPPED_IMPORTERS},
        }
        if args.shipped
        else {
            "main": {
                "years": YEARS,
                "countries": COUNTRIES,
                "regions": BUILTIN_REGIONS + list(CUSTOM_REGIONS),
            },
            "probes": None
            if args.no_probes
            else {"years": PROBE_YEARS, "countries": PROBE_COUNTRIES},
            "commodities": meta["commodities"],
        },
        "regions": meta["regions"],
        "database_sha256": meta["database_sha256"],
        "timing_seconds": {"load": meta["load_seconds"], "blocks": meta["block_seconds"]},
    }
    meta_path = out.with_name(out.stem + ".meta.json")
    meta_path.write_text(json.dumps(meta_out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out} ({len(rows)} rows, {out.stat().st_size} bytes) and {meta_path}")


if __name__ == "__main__":
    main()
