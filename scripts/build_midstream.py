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
METI_APRIL_2022 = ("経済産業省 (METI), 蓄電池産業戦略検討官民協議会, 22 Apr 2022, as reported by "
                   "Reuters (via hindustantimes.com and silicon.co.uk, Apr 2022): domestic "
                   "capacity 'around 20 GWh now'")
METI_2024 = ("経済産業省, 蓄電池に係る供給確保計画の認定 (certification of battery supply-assurance "
             "plans under the Economic Security Promotion Act), 6 Sep 2024, as reported by "
             "日刊自動車新聞 (netdenjd.com, 2024-09) and knak.jp; "
             "https://www.meti.go.jp/policy/economy/economic_security/battery/index.html")


def capacity_rows() -> list[dict[str, object]]:
    """Japan's domestic cell capacity by year: what is published, with its status."""
    return [
        {"stage": "cell", "iso3": "JPN", "year": 2022, "capacity": 20.0, "unit": "GWh",
         "status": "operating", "source": METI_STRATEGY + "; " + METI_APRIL_2022,
         "quality": "reported",
         "note": "'around 20 GWh now' (METI, April 2022, as reported by Reuters); consistent "
                 "with 150 GWh being '7-8 times' current domestic capacity (150 / 7.5 = 20)"},
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


# --------------------------------------------------------------------------- plants and owners
# One row per plant (or certified plan, or company total) and capacity step: `capacity` is the
# plant's capacity from `year` on (a level, not an addition); new lines of an existing site
# that a plan adds are their own plant_id, so that summing plant_ids never counts a GWh twice.
# A figure that no stored source confirms is left empty (capacity or year) and said so.

PANASONIC_MAZDA_2024 = ("Panasonic Energy and Mazda, joint press release 'Panasonic Energy and "
                        "Mazda to Begin Preparation for Supply of Automotive Lithium-ion "
                        "Batteries', 6 Sep 2024 (via automotiveworld.com); 投資金額約833億円, "
                        "能力を6.5GWh/年増強し年間10GWh: automation-news.jp, Oct 2024")
SUBARU_PANASONIC_2024 = ("SUBARU and Panasonic Energy, joint press release on battery supply and "
                         "a new battery factory in Oizumi, Gunma, 6 Sep 2024 (via "
                         "batteriesnews.com); 16 GWh for the Oizumi plant: Reuters, Sep 2024, "
                         "as reported by news-pic.com and minipip.co.uk")
HONDA_GSY_2023 = ("GS Yuasa, Honda and Blue Energy, announcement of the certified plan, 28 Apr "
                  "2023 (via electrive.com and catmag.co.uk, 2023); Yomiuri Shimbun, 28 Apr 2023")
TOYOTA_2024 = ("Toyota Motor, press release '次世代BEV向け電池と全固体電池の開発・生産に向けた"
               "「蓄電池に係る供給確保計画」が経済産業省より認定', 6 Sep 2024 (via "
               "guide.jsae.or.jp); Kyodo, 6 Sep 2024 (兵庫・福岡)")
TOYOTA_2023 = ("Toyota Motor, certified plan of 16 Jun 2023 (最大約1,178億円): Jiji Press, 16 Jun "
               "2023 (via excite.co.jp) and moneytimes.jp, Sep 2024")
NISSAN_2024 = ("Nissan Motor, press release on the certified LFP battery plan, 6 Sep 2024 (via "
               "mf-topper.jp, nextmobility.jp); 日刊自動車新聞, 23 Jan 2025 (Kitakyushu site)")
NISSAN_2025 = ("Nissan Motor, statement of 9 May 2025 cancelling the Kitakyushu LFP plant (via "
               "electrive.com and automotiveworld.com, 9 May 2025)")
GSY_ESS_2025 = ("GS Yuasa, plan certified under the Economic Security Promotion Act (ESS "
                "cells), as reported by iru-miru.com, 2025")
AESC_2021 = ("AESC, completion of the Ibaraki plant, 29 Aug 2023 (6 GWh/yr for building 1, mass "
             "production from Mar 2024, about 20 GWh/yr with buildings 2 and 3), as reported by "
             "lnews.jp and 茨城新聞 (nordot.app); plan of 4 Aug 2021 (6 GWh, up to 18 GWh) via "
             "Kyodo (japantoday.com)")
AESC_SITES_2021 = ("Envision AESC plant list (Zama 2.6 GWh, Smyrna 3.0, Sunderland 1.9, Wuxi 20), "
                   "as reported by targetmotori.com and inkl.com (InsideEVs), 2021-2022")
AESC_US_2022 = ("Envision AESC, press releases on Bowling Green, Kentucky (Apr 2022) and "
                "Florence, South Carolina (Dec 2022), as reported by inkl.com (InsideEVs) and "
                "evtopnews.com, 2022")
PANASONIC_2023 = ("Panasonic Holdings, earnings call of 31 Jul 2023 (12 GWh/yr in Japan, 38 GWh/yr "
                  "overseas), as reported by connectedenergysolutions.co.uk, Aug 2023")
PANASONIC_US_2025 = ("Panasonic Energy, opening of the De Soto, Kansas plant, 14 Jul 2025, as "
                     "reported by automotiveworld.com and jakotaindex.com (Nevada 41 GWh/yr, "
                     "Kansas about 32 GWh/yr at full operation)")
PPES_2021 = ("Toyota and Panasonic, joint announcement on Prime Planet Energy & Solutions (2019, "
             "operations from Apr 2020; Toyota 51 %, Panasonic 49 %), as reported by "
             "marklines.com and NNA/Kyodo (21 May 2021)")
SNE_KOREA_2023 = ("SNE Research figures as reported by the Korean press (via phuketimes.com, Jan "
                  "2023): 2022 capacity LG Energy Solution 200, Samsung SDI 84, SK On 77 GWh; "
                  "end-2023 plans 300, 107, 89 GWh")
CATL_2022 = ("CATL, Annual Report 2022, as reported by CnEVPost, 'CATL Q4 2022 earnings', 10 Mar "
             "2023 (battery systems capacity 390 GWh, 152 GWh under construction)")
CATL_2024 = ("CATL global capacity 'over 700 GWh' as of Sep 2024, about 240 GWh under "
             "construction, as reported by redplanx.com (Jan 2025)")
METI_JP_FIRMS_2022 = ("経済産業省 (METI), 蓄電池産業戦略検討官民協議会, 22 Apr 2022: Japanese makers' "
                      "global capacity 'currently 60-70 GWh', as reported by Reuters (via "
                      "hindustantimes.com and silicon.co.uk, Apr 2022)")
BYD_PLANTS = ("BYD / FinDreams Battery: Shaoxing phase I 15 GWh opened 14 Jun 2022 (CnEVPost, 15 "
              "Jun 2022); Zhengzhou 40 GWh environmental filing (Reuters via teslarati.com, 14 Feb "
              "2023)")
SMM_2023 = ("Sumitomo Metal Mining, statements to analysts as reported by Reuters, Jul 2021 "
            "and 2023 (via wtvbam.com, alcircle.com and mining.com): cathode capacity about "
            "5,000 t/month, the Niihama addition and the targets in each row's note")
BTBM_2022 = ("BASF and TODA KOGYO, press release on the expansion of BASF TODA Battery Materials "
             "at Onoda, 2022 (via aei.dempa.net and marketscreener.com); BASF 66 %, TODA 34 %")
NICHIA_2023 = ("経済産業省, 蓄電池に係る供給確保計画の認定, 28 Apr 2023 (日亜化学工業, 約42億円), as "
               "reported by knak.jp")
RESONAC_2011 = ("Showa Denko (now Resonac), press release on capacity of artificial-graphite "
                "anode material SCMG at Omachi, 19 Jul 2011 (via eepower.com); METI certified "
                "plan of 28 Apr 2023 (レゾナック, 約18億円) via knak.jp")
MCG_2022 = ("Mitsubishi Chemical Group, news release 'Enhancement of Anode Materials for the "
            "Lithium-ion Battery Business', 30 May 2022; https://www.mcgc.com/english/"
            "news_release/01281.html")
BTR_2022 = ("BTR New Material, announcement of 21 Sep 2022 on the Heilongjiang project with "
            "Heilongjiang Communications Investment Group (BTR 60 %), as reported by "
            "energytrend.com, 5 Oct 2022")
BTR_2024 = ("BTR, Indonesia anode plant (phase I 80,000 t/yr; 160,000 t/yr with phase II), as "
            "reported by evblog.it, 11 Aug 2024")

POSCO_2023 = ("POSCO Future M, board decision on an NCMA cathode plant in Pohang, 24 Apr 2023, as "
              "reported by Yonhap (m-en.yna.co.kr): 46,000 t/yr new; company cathode capacity "
              "at home and abroad 105,000 t/yr; Gwangyang plant 90,000 t/yr; Pohang 106,000 "
              "t/yr by 2025")
TANAKA_2019 = ("田中化学研究所, 電池正極材中間体の増強 (年産能力1万4400トン増、21年3月期に約5万トン), "
               "日刊工業新聞, Jul 2019, as quoted on a Yahoo! Finance Japan message board")

PLANT_COLUMNS = ["plant_id", "name", "stage", "scope", "iso3", "operator", "product", "capacity",
                 "unit", "year", "status", "certified", "quality", "facility_id", "source",
                 "note"]
OWNER_COLUMNS = ["plant_id", "owner", "owner_iso3", "equity_share", "source", "note"]


def _plant(plant_id, name, stage, scope, iso3, operator, product, steps, source, owners,
           facility_id=None, certified=None, note=""):
    """Rows of one plant: ``steps`` = [(year, capacity, status, quality, step note), ...];
    ``owners`` = [(owner, iso3, share or None, note), ...] (share None: not published)."""
    unit = {"cell": "GWh", "cathode": "t CAM", "precursor": "t pCAM", "anode": "t anode"}[stage]
    rows = []
    for year, capacity, status, quality, step_note in steps:
        rows.append({"plant_id": plant_id, "name": name, "stage": stage, "scope": scope,
                     "iso3": iso3, "operator": operator, "product": product,
                     "capacity": capacity, "unit": unit, "year": year, "status": status,
                     "certified": certified, "quality": quality, "facility_id": facility_id,
                     "source": source, "note": "; ".join(p for p in (step_note, note) if p)})
    owner_rows = [{"plant_id": plant_id, "owner": o, "owner_iso3": c, "equity_share": s,
                   "source": source, "note": n} for o, c, s, n in owners]
    return rows, owner_rows


def plant_tables() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Main battery plants, certified plans and company totals with their owners."""
    panasonic = [("Panasonic Holdings", "JPN", 1.0, "through Panasonic Energy (wholly owned)")]
    aesc = [("Envision Group", "CHN", 0.8, "stake after Nissan's 2019 sale, as reported in "
                                          "2021; later changes not checked: to verify"),
            ("Nissan Motor", "JPN", 0.2, "'still owns 20 percent' (Kyodo, 2021); to verify")]
    plants = [
        # ---- Japan: cells, domestic
        _plant("JPN-PANASONIC-JAPAN", "Panasonic Energy, cell plants in Japan (total)", "cell",
               "sites", "JPN", "Panasonic Energy", "cylindrical Li-ion cells",
               [(2023, 12.0, "operating", "to_verify", "company figure reported second-hand")],
               PANASONIC_2023, panasonic,
               note="all Japanese sites (Suminoe, Kaizuka, ...); the plans below add to it"),
        _plant("JPN-PANASONIC-MAZDA", "Panasonic Energy, added lines at Suminoe and Kaizuka "
               "for Mazda", "cell", "sites", "JPN", "Panasonic Energy",
               "cylindrical Li-ion cells",
               [(2030, 6.5, "certified_plan", "reported",
                 "+6.5 GWh/yr by 2030 (10 GWh/yr for Mazda in all); supply from 2027")],
               PANASONIC_MAZDA_2024, panasonic, certified="2024-09-06",
               facility_id="CELL-JPN-KAIZUKA"),
        _plant("JPN-PANASONIC-SUBARU-OIZUMI", "Panasonic Energy / SUBARU, Oizumi plant (Gunma)",
               "cell", "plant", "JPN", "Panasonic Energy", "cylindrical Li-ion cells",
               [(2030, 16.0, "certified_plan", "reported",
                 "16 GWh/yr by end-2030; supply from FY2028")],
               SUBARU_PANASONIC_2024, [("Panasonic Holdings", "JPN", None,
                                        "built with SUBARU; split not published"),
                                       ("SUBARU", "JPN", None, "split not published")],
               certified="2024-09-06", facility_id="CELL-JPN-OIZUMI"),
        _plant("JPN-PANASONIC-SUBARU-SUMINOE", "Panasonic Energy, Suminoe lines for SUBARU",
               "cell", "sites", "JPN", "Panasonic Energy", "cylindrical Li-ion cells",
               [(2030, 4.0, "certified_plan", "derived",
                 "20 GWh/yr for SUBARU at Suminoe and Oizumi by 2030 minus Oizumi's 16; "
                 "may partly be existing Suminoe capacity: to verify; supply from FY2027")],
               SUBARU_PANASONIC_2024, panasonic, certified="2024-09-06",
               facility_id="CELL-JPN-SUMINOE"),
        _plant("JPN-BLUE-ENERGY-2027", "Honda / GS Yuasa (Blue Energy), new cell plant in Japan",
               "cell", "plant", "JPN", "Blue Energy", "high-capacity Li-ion cells (BEV)",
               [(2027, 20.0, "certified_plan", "reported",
                 "operation from Apr 2027, mass production from Oct 2027, full production "
                 "targeted for 2030 (Argus, 2023); site not stated in the stored sources")],
               HONDA_GSY_2023, [("GS Yuasa", "JPN", 0.51, "Blue Energy shares at founding "
                                                       "(2009); to verify"),
                                ("Honda Motor", "JPN", 0.49, "at founding (2009); to verify")],
               certified="2023-04-28"),
        _plant("JPN-TOYOTA-NEXTGEN-2024", "Toyota next-generation cells at PPES (Hyogo) and "
               "Toyota Battery (ex-PEVE, Fukuoka)", "cell", "sites", "JPN", "Toyota Motor",
               "prismatic Li-ion cells (performance version)",
               [(2026, 9.0, "certified_plan", "reported",
                 "9 GWh/yr, production starting in turn from 2026")],
               TOYOTA_2024, [("Toyota Motor", "JPN", None, "with PPES (Toyota 51 %, Panasonic "
                                                          "49 %) and Toyota Battery"),
                             ("Panasonic Holdings", "JPN", None, "through PPES")],
               certified="2024-09-06", facility_id="CELL-JPN-HIMEJI"),
        _plant("JPN-TOYOTA-2023", "Toyota / PPES cell expansion certified in June 2023", "cell",
               "sites", "JPN", "Toyota Motor", "Li-ion cells for BEVs",
               [(None, None, "certified_plan", "to_verify",
                 "capacity and start not found in the stored sources (Toyota's 2022 plan: up "
                 "to 40 GWh in Japan and the US together, not split)")],
               TOYOTA_2023, [("Toyota Motor", "JPN", None, "with PPES"),
                             ("Panasonic Holdings", "JPN", None, "through PPES")],
               certified="2023-06-16"),
        _plant("JPN-NISSAN-LFP-KITAKYUSHU", "Nissan LFP cell plant, Kitakyushu (Fukuoka)",
               "cell", "plant", "JPN", "Nissan Motor", "LFP cells",
               [(2028, 5.0, "cancelled", "reported",
                 "5 GWh/yr planned from FY2028; cancelled by Nissan on 9 May 2025 (" +
                 NISSAN_2025 + ")")],
               NISSAN_2024, [("Nissan Motor", "JPN", 1.0, "")], certified="2024-09-06"),
        _plant("JPN-GSYUASA-ESS-2028", "GS Yuasa stationary (ESS) cell plant, northern Kanto",
               "cell", "plant", "JPN", "GS Yuasa", "Li-ion cells for stationary storage",
               [(2028, 2.0, "certified_plan", "reported", "supply from Oct 2028")],
               GSY_ESS_2025, [("GS Yuasa", "JPN", 1.0, "")],
               note="certified on the 17th of a month after the Aug-Oct 2025 application window "
                    "(date not stated in full in the stored source)"),
        _plant("JPN-AESC-IBARAKI", "Envision AESC Ibaraki plant", "cell", "plant", "JPN",
               "Envision AESC Japan", "Li-ion cells (Nissan, Honda)",
               [(2024, 6.0, "construction", "reported",
                 "6 GWh/yr (building 1), completed Aug 2023, mass production planned from Mar "
                 "2024 (status as of the sources)"),
                (None, 20.0, "planned", "reported",
                 "about 20 GWh/yr with buildings 2 (due autumn 2024) and 3; year of the full "
                 "capacity not stated")],
               AESC_2021, aesc),
        _plant("JPN-AESC-ZAMA", "Envision AESC Zama plant (Kanagawa)", "cell", "plant", "JPN",
               "Envision AESC Japan", "Li-ion cells (Nissan Leaf)",
               [(2021, 2.6, "operating", "to_verify", "press plant list, not a company table")],
               AESC_SITES_2021, aesc),
        _plant("JPN-PPES-HIMEJI", "Prime Planet Energy & Solutions, Himeji and other Japanese "
               "plants", "cell", "sites", "JPN", "Prime Planet Energy & Solutions",
               "prismatic Li-ion cells (HEV, BEV)",
               [(None, None, "operating", "to_verify",
                 "capacity not published in the stored sources")],
               PPES_2021, [("Toyota Motor", "JPN", 0.51, "at founding (2020); later changes "
                                                         "not checked: to verify"),
                           ("Panasonic Holdings", "JPN", 0.49, "at founding (2020)")],
               facility_id="CELL-JPN-HIMEJI"),
        # ---- Japanese- and Chinese-owned cell plants abroad
        _plant("USA-PANASONIC-NEVADA", "Panasonic Energy of North America, Gigafactory Nevada",
               "cell", "plant", "USA", "Panasonic Energy of North America", "2170 cells",
               [(2025, 41.0, "operating", "reported", "'produces 41 GWh annually' (2025)")],
               PANASONIC_US_2025, panasonic, facility_id="CELL-USA-NEVADA"),
        _plant("USA-PANASONIC-KANSAS", "Panasonic Energy Kansas (De Soto)", "cell", "plant",
               "USA", "Panasonic Energy of North America", "2170 cells",
               [(None, 32.0, "operating", "reported",
                 "about 32 GWh/yr at full operation; mass production from Jul 2025, full ramp "
                 "date scaled back (not dated)")],
               PANASONIC_US_2025, panasonic, facility_id="CELL-USA-DESOTO"),
        _plant("USA-AESC-SMYRNA", "Envision AESC Smyrna (Tennessee)", "cell", "plant", "USA",
               "Envision AESC", "Li-ion cells (Nissan)",
               [(2021, 3.0, "operating", "to_verify", "'probably only 3.0 GWh' (press)")],
               AESC_SITES_2021, aesc),
        _plant("USA-AESC-KENTUCKY", "Envision AESC Bowling Green (Kentucky)", "cell", "plant",
               "USA", "Envision AESC", "Li-ion cells",
               [(2025, 30.0, "planned", "reported",
                 "30 GWh/yr (option 40) from 2025 as announced in 2022; later status not "
                 "checked")], AESC_US_2022, aesc),
        _plant("USA-AESC-FLORENCE", "Envision AESC Florence (South Carolina)", "cell", "plant",
               "USA", "Envision AESC", "cylindrical cells (BMW)",
               [(None, 30.0, "planned", "reported",
                 "30 GWh/yr as announced in Dec 2022; start year not stated; later status not "
                 "checked")], AESC_US_2022, aesc),
        _plant("GBR-AESC-SUNDERLAND", "Envision AESC Sunderland plant 1", "cell", "plant", "GBR",
               "Envision AESC UK", "Li-ion cells (Nissan Leaf)",
               [(2021, 1.9, "operating", "to_verify", "press plant list")],
               AESC_SITES_2021, aesc),
        _plant("CHN-AESC-WUXI", "Envision AESC Wuxi", "cell", "plant", "CHN", "Envision AESC",
               "Li-ion cells", [(2021, 20.0, "operating", "to_verify", "press plant list")],
               AESC_SITES_2021, aesc),
        _plant("CHN-BYD-SHAOXING", "FinDreams Battery (BYD) Shaoxing phase I", "cell", "plant",
               "CHN", "FinDreams Battery", "LFP Blade cells",
               [(2022, 15.0, "operating", "reported", "phase I; phase II adds 15 GWh/yr")],
               BYD_PLANTS, [("BYD", "CHN", 1.0, "FinDreams Battery is wholly owned")]),
        _plant("CHN-BYD-ZHENGZHOU", "FinDreams Battery (BYD) Zhengzhou", "cell", "plant", "CHN",
               "FinDreams Battery", "LFP Blade cells",
               [(None, 40.0, "planned", "reported", "environmental filing of Feb 2023; start "
                                                   "not stated")],
               BYD_PLANTS, [("BYD", "CHN", 1.0, "FinDreams Battery is wholly owned")]),
        # ---- company totals (all countries) for concentration by owner nationality
        _plant("CO-CATL", "CATL, all plants (company total)", "cell", "company", None, "CATL",
               "Li-ion cells and battery systems",
               [(2022, 390.0, "operating", "reported", "capacity of battery systems"),
                (2024, 700.0, "operating", "to_verify",
                 "'over 700 GWh' as of Sep 2024 (aggregator report; a lower bound)")],
               CATL_2022, [("Contemporary Amperex Technology (CATL)", "CHN", 1.0, "")],
               note="2024 figure from " + CATL_2024),
        _plant("CO-LGES", "LG Energy Solution, all plants (company total)", "cell", "company",
               None, "LG Energy Solution", "Li-ion cells",
               [(2022, 200.0, "operating", "reported", ""),
                (2023, 300.0, "planned", "reported", "end-2023 plan")],
               SNE_KOREA_2023, [("LG Energy Solution", "KOR", 1.0,
                                 "JV plants with carmakers counted whole, as SNE does")]),
        _plant("CO-SAMSUNG-SDI", "Samsung SDI, all plants (company total)", "cell", "company",
               None, "Samsung SDI", "Li-ion cells",
               [(2022, 84.0, "operating", "reported", ""),
                (2023, 107.0, "planned", "reported", "end-2023 plan")],
               SNE_KOREA_2023, [("Samsung SDI", "KOR", 1.0, "")]),
        _plant("CO-SK-ON", "SK On, all plants (company total)", "cell", "company", None,
               "SK On", "Li-ion cells",
               [(2022, 77.0, "operating", "reported", ""),
                (2023, 89.0, "planned", "reported", "end-2023 plan")],
               SNE_KOREA_2023, [("SK On", "KOR", 1.0, "JV plants counted whole")]),
        _plant("CO-JAPANESE-MAKERS", "Japanese battery makers, global capacity (METI aggregate)",
               "cell", "company", None, "Japanese battery makers", "Li-ion cells",
               [(2022, 65.0, "operating", "derived",
                 "midpoint of 'currently 60-70 GWh' (April 2022)")],
               METI_JP_FIRMS_2022, [("Japanese battery makers (aggregate)", "JPN", 1.0,
                                     "a national aggregate, not one company")]),
        _plant("CO-PANASONIC", "Panasonic Energy, all plants (company total)", "cell", "company",
               None, "Panasonic Energy", "Li-ion cells",
               [(2023, 50.0, "operating", "to_verify", "12 GWh/yr in Japan + 38 overseas")],
               PANASONIC_2023, panasonic),
        # ---- cathode active material (CAM)
        _plant("JPN-SMM-CAM", "Sumitomo Metal Mining cathode plants (Isoura / Niihama, Ehime)",
               "cathode", "sites", "JPN", "Sumitomo Metal Mining", "NCA and nickel-based CAM",
               [(2023, 60000.0, "operating", "reported", "about 5,000 t/month"),
                (2025, 84000.0, "construction", "reported", "+24,000 t/yr at Niihama"),
                (2027, 120000.0, "planned", "reported", "target for March 2028 (FY2027)"),
                (2030, 180000.0, "planned", "reported", "target for March 2031 (FY2030)")],
               SMM_2023, [("Sumitomo Metal Mining", "JPN", 1.0, "")],
               facility_id="CAM-JPN-NIIHAMA"),
        _plant("JPN-BTBM-ONODA", "BASF TODA Battery Materials, Onoda (Yamaguchi)", "cathode",
               "plant", "JPN", "BASF TODA Battery Materials", "high-nickel CAM",
               [(2025, 60000.0, "construction", "reported",
                 "up to 60,000 t/yr by 2025; commercial production of the addition 2H 2024")],
               BTBM_2022, [("BASF", "DEU", 0.66, ""), ("Toda Kogyo", "JPN", 0.34, "")]),
        _plant("JPN-NICHIA-CAM", "Nichia cathode materials (Anan, Tokushima)", "cathode",
               "plant", "JPN", "Nichia Corporation", "CAM (NCM and others)",
               [(None, None, "operating", "to_verify",
                 "capacity not published in the stored sources; plan certified 28 Apr 2023")],
               NICHIA_2023, [("Nichia Corporation", "JPN", 1.0, "privately held")],
               facility_id="CAM-JPN-ANAN", certified="2023-04-28"),
        _plant("KOR-POSCO-GWANGYANG", "POSCO Future M cathode plant (Gwangyang)", "cathode",
               "plant", "KOR", "POSCO Future M", "high-nickel CAM",
               [(2023, 90000.0, "operating", "reported", "")],
               POSCO_2023, [("POSCO Future M", "KOR", 1.0, "POSCO Group's materials arm")],
               facility_id="CAM-KOR-GWANGYANG"),
        _plant("KOR-POSCO-POHANG", "POSCO Future M cathode plants (Pohang)", "cathode", "sites",
               "KOR", "POSCO Future M", "high-nickel NCMA CAM",
               [(2025, 106000.0, "construction", "reported",
                 "106,000 t/yr in Pohang by 2025 with the 30,000 and 46,000 t/yr plants decided "
                 "in 2023")],
               POSCO_2023, [("POSCO Future M", "KOR", 1.0, "")]),
        _plant("CO-POSCO-FUTURE-M", "POSCO Future M, all cathode plants (company total)",
               "cathode", "company", None, "POSCO Future M", "CAM",
               [(2023, 105000.0, "operating", "reported", "domestic and overseas plants")],
               POSCO_2023, [("POSCO Future M", "KOR", 1.0, "")]),
        # ---- precursor (pCAM)
        _plant("JPN-TANAKA-PCAM", "Tanaka Chemical precursor plants (Fukui)", "precursor",
               "sites", "JPN", "Tanaka Chemical Corporation", "NCM/NCA hydroxide precursor",
               [(2021, 50000.0, "operating", "to_verify",
                 "'about 50,000 t' a year by FY2020 (year to March 2021), press quoted second-"
                 "hand")],
               TANAKA_2019, [("Tanaka Chemical Corporation", "JPN", None,
                              "owners' shares not in the stored sources")]),
        # ---- anode material
        _plant("JPN-RESONAC-OMACHI", "Resonac (ex-Showa Denko) SCMG anode material, Omachi "
               "(Nagano)", "anode", "plant", "JPN", "Resonac", "synthetic graphite anode "
               "material",
               [(2012, 3000.0, "operating", "reported",
                 "3,000 t/yr targeted for mid-2012; current capacity not in the stored sources: "
                 "to verify")],
               RESONAC_2011, [("Resonac Holdings", "JPN", 1.0, "")], certified="2023-04-28"),
        _plant("CHN-MCG-QINGDAO", "Mitsubishi Chemical, Qingdao Anode Kasei / Qingdao Lingda "
               "Kasei", "anode", "sites", "CHN", "Qingdao Anode Kasei",
               "natural graphite anode material",
               [(2023, 12000.0, "construction", "reported",
                 "from 2,000 to 12,000 t/yr, start in 1H FY2023")],
               MCG_2022, [("Mitsubishi Chemical Group", "JPN", 1.0,
                           "Qingdao Anode Kasei wholly owned; the spherical-graphite JV Qingdao "
                           "Lingda Kasei is 49 % (as reported by Kallanish, 2022)")]),
        _plant("CHN-BTR-HEILONGJIANG", "BTR / Ruitong New Material, Heilongjiang phase I",
               "anode", "plant", "CHN", "Ruitong New Material Technology (Heilongjiang)",
               "natural graphite anode material",
               [(2024, 50000.0, "planned", "derived",
                 "phase I natural-graphite anode 50,000 t/yr, '18 months' from Sep 2022 "
                 "(year derived); 200,000 t/yr flake graphite beside it")],
               BTR_2022, [("BTR New Material", "CHN", 0.6, ""),
                          ("Heilongjiang Communications Investment Group", "CHN", 0.4, "")]),
        _plant("IDN-BTR-ANODE", "BTR Indonesia anode plant", "anode", "plant", "IDN", "BTR",
               "anode material",
               [(2024, 80000.0, "operating", "reported", "phase I"),
                (None, 160000.0, "planned", "reported", "with phase II; year not stated")],
               BTR_2024, [("BTR New Material", "CHN", None, "local partners not stated")]),
    ]
    rows = [r for p, _ in plants for r in p]
    owners = [o for _, os_ in plants for o in os_]
    return rows, owners


ANODE_TYPE_COLUMNS = ["iso3", "year", "measure", "anode_type", "share", "source", "quality",
                      "note"]
CNCIC_2022 = ("China Chemical Reporter (CNCIC), 'Development of China's Anode Material Industry', "
              "6 Dec 2022; https://www.ccr.com.cn/c/2022-12-06/707268.shtml")


def anode_type_rows() -> list[dict[str, object]]:
    """Natural vs synthetic (artificial) graphite in anode material, where published."""
    note = ("2021 shipments 720 kt: artificial graphite 605 kt (84 %), natural graphite 14 %; "
            "'other' (silicon, LTO, MCMB ...) is the remainder to 1")
    return [{"iso3": "CHN", "year": 2021, "measure": "shipments", "anode_type": t, "share": s,
             "source": CNCIC_2022, "quality": q, "note": note}
            for t, s, q in (("synthetic", 0.84, "reported"), ("natural", 0.14, "reported"),
                            ("other", 0.02, "derived"))]


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
    plants, owners = plant_tables()
    write(MINERALS / "midstream_plants.csv", plants, PLANT_COLUMNS)
    write(MINERALS / "midstream_plant_owners.csv", owners, OWNER_COLUMNS)
    write(MINERALS / "midstream_anode_types.csv", anode_type_rows(), ANODE_TYPE_COLUMNS)
    for name in ("midstream_content", "midstream_shares", "midstream_capacity",
                 "midstream_plants", "midstream_plant_owners", "midstream_anode_types"):
        print(f"data/minerals/{name}.csv written")


if __name__ == "__main__":
    main()
