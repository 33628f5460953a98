"""Build the battery-midstream data files of scrisk (offline, deterministic).

Writes three files under ``data/minerals/``:

* ``midstream_content.csv``: tonnes of each element commodity in one tonne of
  precursor (pCAM), cathode active material (CAM) and anode material, by
  chemistry, computed from the chemical formulas with IUPAC atomic masses;
* ``midstream_shares.csv``: published country shares of pCAM, CAM, anode
  material and cell output or capacity, one cited row per figure;
* ``midstream_capacity.csv``: a country's capacity of one midstream stage by
  year (Japan's domestic cell capacity against the 150 GWh goal), cited.

The curated figures are literal rows below, each with its citation; run
``python scripts/build_midstream.py`` to rewrite the files (``make data``
runs ``scripts/build_data.py``; this script is its sibling for the midstream).
"""

from __future__ import annotations

import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINERALS = ROOT / "data" / "minerals"

# IUPAC standard atomic weights (abridged); Li as in battery_intensity.csv.
ATOMIC = {"Li": 6.941, "Ni": 58.6934, "Co": 58.933194, "Mn": 54.938043, "Al": 26.9815385,
          "Fe": 55.845, "P": 30.973762, "O": 15.999, "H": 1.008}
ELEMENT_OF_COMMODITY = {"lithium": "Li", "nickel": "Ni", "cobalt": "Co", "manganese": "Mn"}

# Chemistry -> (CAM formula, pCAM formula or None). Formulas as atom counts per formula unit.
_OH2 = {"O": 2, "H": 2}
FORMULAS = {
    "NMC111": ({"Li": 1, "Ni": 1 / 3, "Mn": 1 / 3, "Co": 1 / 3, "O": 2},
               {"Ni": 1 / 3, "Mn": 1 / 3, "Co": 1 / 3, **_OH2}),
    "NMC532": ({"Li": 1, "Ni": 0.5, "Mn": 0.3, "Co": 0.2, "O": 2},
               {"Ni": 0.5, "Mn": 0.3, "Co": 0.2, **_OH2}),
    "NMC622": ({"Li": 1, "Ni": 0.6, "Mn": 0.2, "Co": 0.2, "O": 2},
               {"Ni": 0.6, "Mn": 0.2, "Co": 0.2, **_OH2}),
    "NMC811": ({"Li": 1, "Ni": 0.8, "Mn": 0.1, "Co": 0.1, "O": 2},
               {"Ni": 0.8, "Mn": 0.1, "Co": 0.1, **_OH2}),
    "NCA": ({"Li": 1, "Ni": 0.8, "Co": 0.15, "Al": 0.05, "O": 2},
            {"Ni": 0.8, "Co": 0.15, "Al": 0.05, **_OH2}),
    "LFP": ({"Li": 1, "Fe": 1, "P": 1, "O": 4}, {"Fe": 1, "P": 1, "O": 4}),
    "LMFP": ({"Li": 1, "Mn": 0.6, "Fe": 0.4, "P": 1, "O": 4},
             {"Mn": 0.6, "Fe": 0.4, "P": 1, "O": 4}),
}
SRC_STOICH = ("scrisk, derived from the chemical formula with IUPAC standard atomic weights "
              "(CIAAW 2021); formulas as in minerals/battery_intensity.csv")


def _mass(formula: dict[str, float]) -> float:
    return sum(ATOMIC[el] * n for el, n in formula.items())


def formula_text(formula: dict[str, float]) -> str:
    """``LiNi0.8Mn0.1Co0.1O2`` style text of an atom-count formula."""
    parts = []
    for el, n in formula.items():
        parts.append(el if abs(n - 1) < 1e-9 else f"{el}{round(n, 3):g}")
    return "".join(parts)


def content_rows() -> list[dict[str, object]]:
    """Element mass fractions of pCAM and CAM per chemistry, and of anode material."""
    rows = []
    for chem, (cam, pcam) in FORMULAS.items():
        for stage, formula in (("cathode", cam), ("precursor", pcam)):
            mass = _mass(formula)
            for commodity, el in ELEMENT_OF_COMMODITY.items():
                frac = ATOMIC[el] * formula.get(el, 0.0) / mass
                rows.append({"stage": stage, "chemistry": chem, "commodity": commodity,
                             "t_per_t": round(frac, 6), "product_unit": f"t {stage_unit(stage)}",
                             "contained_unit": f"t {el}", "source": SRC_STOICH,
                             "note": f"{formula_text(formula)}, M = {mass:.2f} g/mol"})
    rows.append({"stage": "anode", "chemistry": "graphite", "commodity": "graphite",
                 "t_per_t": 1.0, "product_unit": "t anode", "contained_unit": "t graphite",
                 "source": "scrisk convention: graphite's contained unit is tonnes of graphite "
                           "(minerals/commodities.csv), so one tonne of graphite anode material "
                           "is one tonne",
                 "note": "silicon and conductive additives not counted"})
    return rows


def stage_unit(stage: str) -> str:
    return {"cathode": "CAM", "precursor": "pCAM", "anode": "anode"}[stage]


# --------------------------------------------------------------------------- published shares

IEA_GSC_2022 = ("IEA, Global Supply Chains of EV Batteries, July 2022, chapter 'Executive Summary' "
                "(CC BY 4.0); https://www.iea.org/reports/global-supply-chains-of-ev-batteries")
IEA_GEVO_2024 = ("IEA, Global EV Outlook 2024, chapter 'Trends in electric vehicle batteries', "
                 "April 2024 (CC BY 4.0); https://www.iea.org/reports/global-ev-outlook-2024/"
                 "trends-in-electric-vehicle-batteries")
IEA_BSET_2024 = ("IEA, Batteries and Secure Energy Transitions, April 2024, chapter 'Status of "
                 "battery demand and supply' (CC BY 4.0); https://www.iea.org/reports/"
                 "batteries-and-secure-energy-transitions")
RYSTAD_2021 = ("Rystad Energy, press release 'The electric vehicle market is getting "
               "increasingly reliant on China's battery components', 2021, as reported by the "
               "American Journal of Transportation (ajot.com)")
BENCHMARK_2020 = ("Benchmark Mineral Intelligence, 'China controls sway of electric vehicle power "
                  "through battery chemicals, cathode and anode production', 2020; "
                  "https://www.benchmarkminerals.com/membership/china-controls-sway-of-electric-"
                  "vehicle-power-through-battery-chemicals-cathode-and-anode-production/")
NYT_2023 = ("The New York Times, 'Can the World Make an Electric Car Battery Without China?', "
            "16 May 2023, figures from Benchmark Mineral Intelligence; https://www.nytimes.com/"
            "interactive/2023/05/16/business/china-ev-battery.html")
WARDS_2024 = ("WardsAuto, 'Battery Supply? It's China, and Everyone Else', 3 April 2024, "
              "Benchmark Mineral Intelligence figures for 2023 battery production")
ROSKILL_2021 = ("Roskill, Cathode and Precursor Materials report (1st edition), as reported by CFI, "
                "'China Continues to Dominate Cathode Production', 5 March 2021; https://www.cfi.de/"
                "news-events/global-news?news_id=12351")
BNEF_VC_2023 = ("BloombergNEF lithium-ion supply chain data, as visualised by Visual Capitalist, "
                "'China's dominance in battery manufacturing (2022-2027P)', 2023")


def _pair(stage, variant, measure, year, china, source, quality, note, world=None, unit="",
          others=None):
    """China's share plus ROW (and any other named countries) as rows summing to 1."""
    named = {"CHN": china, **(others or {})}
    rest = round(1.0 - sum(named.values()), 6)
    rows = [{"stage": stage, "variant": variant, "measure": measure, "iso3": iso3, "year": year,
             "share": share, "world_total": world, "unit": unit, "source": source,
             "quality": quality, "note": note} for iso3, share in named.items()]
    rows.append({"stage": stage, "variant": variant, "measure": measure, "iso3": "ROW",
                 "year": year, "share": rest, "world_total": world, "unit": unit,
                 "source": source, "quality": quality,
                 "note": "remainder to 1 (rest of world); " + note})
    return rows


def share_rows() -> list[dict[str, object]]:
    """Published country shares of each midstream stage, one citation per figure."""
    rows: list[dict[str, object]] = []
    # cathode active material (CAM)
    rows += _pair("cathode", "all", "production", 2019, 0.61, BENCHMARK_2020, "reported",
                  "'61 per cent for cathodes' of 2019 production", unit="t CAM")
    rows += _pair("cathode", "all", "capacity", 2020, 0.743, RYSTAD_2021, "reported",
                  "cathode manufacturing capacity at end-2020: China 74.3 %, South Korea 18.9 %, "
                  "Japan 5.5 %, Europe 0.3 %, North America about 1 %; world total derived from "
                  "China's 'some 1,100 kt' / 0.743 (to verify)",
                  world=1480500.0, unit="t CAM", others={"KOR": 0.189, "JPN": 0.055})
    rows += _pair("cathode", "all", "production", 2020, 0.68, ROSKILL_2021, "reported",
                  "'In 2020, China ... producing 68 % of cathode materials'", unit="t CAM")
    rows += _pair("cathode", "all", "capacity", 2021, 0.70, IEA_GSC_2022, "reported",
                  "'home to 70% of production capacity for cathodes' (base year 2021, taken "
                  "from the report date; to verify)", unit="t CAM")
    rows += _pair("cathode", "all", "production", 2022, 0.77, NYT_2023, "reported",
                  "'77% of cathodes' (Benchmark; base year not stated, taken as 2022, to verify)",
                  unit="t CAM")
    rows += _pair("cathode", "nickel_based", "production", 2022, 0.73, NYT_2023, "reported",
                  "'73% of NMC cathodes' (Benchmark; base year taken as 2022, to verify)",
                  unit="t CAM")
    rows += _pair("cathode", "LFP", "production", 2022, 0.99, NYT_2023, "reported",
                  "'99% of LFP cathodes' (Benchmark; base year taken as 2022, to verify)",
                  unit="t CAM")
    rows += _pair("cathode", "all", "capacity", 2023, 0.90, IEA_GEVO_2024, "reported",
                  "'nearly 90% of global installed cathode active material manufacturing "
                  "capacity' ('today' = 2023 in a 2024 report)", unit="t CAM")
    # anode material (natural and synthetic graphite together; no published split held)
    rows += _pair("anode", "all", "production", 2019, 0.86, BENCHMARK_2020, "reported",
                  "'86 per cent of all anodes (natural and synthetic graphite)' of 2019 "
                  "production", unit="t anode")
    rows += _pair("anode", "all", "capacity", 2021, 0.85, IEA_GSC_2022, "reported",
                  "'85% for anodes' (production capacity; base year taken as 2021, to verify)",
                  unit="t anode")
    rows += _pair("anode", "all", "production", 2022, 0.92, NYT_2023, "reported",
                  "'92% of anodes' (Benchmark; base year taken as 2022, to verify)",
                  unit="t anode")
    rows += _pair("anode", "all", "capacity", 2023, 0.97, IEA_GEVO_2024, "reported",
                  "'over 97% of anode active material manufacturing capacity' (taken as 0.97, "
                  "a lower bound)", unit="t anode")
    # cells
    rows += _pair("cell", "all", "production", 2021, 0.75, IEA_GSC_2022, "reported",
                  "'China produces three-quarters of all lithium-ion batteries' (base year "
                  "taken as 2021, to verify)", unit="GWh")
    rows += _pair("cell", "all", "capacity", 2022, 0.77, BNEF_VC_2023, "reported",
                  "'nearly 900 gigawatt-hours of manufacturing capacity or 77% of the global "
                  "total'; world total derived as 900 / 0.77 (to verify)",
                  world=1168.8, unit="GWh")
    rows += _pair("cell", "all", "production", 2023, round(904.5 / 1100, 6), WARDS_2024,
                  "derived",
                  "2023 production 'approached 1.1 TWh' (taken as 1,100 GWh): China 904.5 GWh, "
                  "United States 52.9 GWh; Europe (Poland, Hungary, Germany) 44.6 GWh and "
                  "South Korea with Japan 49.8 GWh are not split by country and stay in ROW",
                  world=1100.0, unit="GWh", others={"USA": round(52.9 / 1100, 6)})
    rows += _pair("cell", "all", "capacity", 2023, 0.85, IEA_BSET_2024, "reported",
                  "'nearly 85% of global battery cell production capacity' (2023)", unit="GWh")
    return rows


# --------------------------------------------------------------------------- capacity by year

METI_STRATEGY = ("経済産業省 蓄電池産業戦略 (Battery Industry Strategy), 31 Aug 2022, as reported by "
                 "化学工業日報 (Chemical Daily), interview with METI's battery industry office, "
                 "2022 ('国内だけでも、現状比7~8倍の能力増')")
METI_2024 = ("経済産業省, 蓄電池に係る供給確保計画の認定 (certification of battery supply-assurance "
             "plans under the Economic Security Promotion Act), 6 Sep 2024, as reported by "
             "日刊自動車新聞 (netdenjd.com, 2024-09) and knak.jp; "
             "https://www.meti.go.jp/policy/economy/economic_security/battery/index.html")


def capacity_rows() -> list[dict[str, object]]:
    """Japan's domestic cell capacity by year: what is published, with its status."""
    return [
        {"stage": "cell", "iso3": "JPN", "year": 2022, "capacity": 20.0, "unit": "GWh",
         "status": "operating", "source": METI_STRATEGY, "quality": "derived",
         "note": "150 GWh is '7-8 times' current domestic capacity: 150 / 7.5 = 20 GWh "
                 "(press coverage of the 2022 strategy also gives 'about 20 GWh'); to verify"},
        {"stage": "cell", "iso3": "JPN", "year": 2027, "capacity": 85.0, "unit": "GWh",
         "status": "certified_plans", "source": METI_2024, "quality": "reported",
         "note": "domestic capacity if the plans certified in 2023 are realised ('85GWh から'); "
                 "year = the plans' latest supply start as reported (about FY2027), to verify"},
        {"stage": "cell", "iso3": "JPN", "year": 2028, "capacity": 120.0, "unit": "GWh",
         "status": "certified_plans", "source": METI_2024, "quality": "reported",
         "note": "domestic capacity if every plan certified up to 6 Sep 2024 is realised "
                 "('年間85GWhから同120GWhに'); year = latest supply start among them "
                 "(Panasonic Energy / SUBARU Oizumi plant, FY2028), to verify"},
    ]


# --------------------------------------------------------------------------- writing

CONTENT_COLUMNS = ["stage", "chemistry", "commodity", "t_per_t", "product_unit",
                   "contained_unit", "source", "note"]
SHARE_COLUMNS = ["stage", "variant", "measure", "iso3", "year", "share", "world_total", "unit",
                 "source", "quality", "note"]
CAPACITY_COLUMNS = ["stage", "iso3", "year", "capacity", "unit", "status", "source", "quality",
                    "note"]


def write(path: Path, rows: list[dict[str, object]], columns: list[str]) -> None:
    """Write rows as CSV (sorted keys first, ``None`` as empty), atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    tmp.replace(path)


def main() -> None:
    shares = share_rows()
    totals: dict[tuple, float] = {}
    for r in shares:
        key = (r["stage"], r["variant"], r["measure"], r["year"])
        totals[key] = totals.get(key, 0.0) + float(r["share"])
    bad = {k: v for k, v in totals.items() if abs(v - 1.0) > 1e-6}
    if bad:
        raise SystemExit(f"shares do not sum to 1: {bad}")
    write(MINERALS / "midstream_content.csv", content_rows(), CONTENT_COLUMNS)
    write(MINERALS / "midstream_shares.csv", shares, SHARE_COLUMNS)
    write(MINERALS / "midstream_capacity.csv", capacity_rows(), CAPACITY_COLUMNS)
    for name in ("midstream_content", "midstream_shares", "midstream_capacity"):
        print(f"data/minerals/{name}.csv written")


if __name__ == "__main__":
    main()
