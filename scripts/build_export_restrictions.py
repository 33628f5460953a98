"""Build ``data/minerals/export_restrictions.csv``: a dated inventory of real export restrictions.

The measures below are curated by hand from the cited public documents (official notices,
WTO dispute reports, Reuters and law-firm summaries of the legal acts). This script is the
single place they are written down; it sorts them and writes the CSV deterministically
(``python scripts/build_export_restrictions.py``; ``--check`` exits 1 when the committed file
differs from what the script would write).

Rules followed:

* one row per measure and commodity (and stage, where a measure covers ore and metal);
* ``start_date`` / ``end_date`` are the dates the measure took effect and ended (inclusive);
  an empty ``end_date`` means in force at the last check (January 2026);
* ``date_quality`` says how far the dates can be trusted: ``exact`` (date of the legal act or
  official notice), ``window_start`` (the measure predates 2009, the start of the inventory;
  the date is the window's start, not the measure's), ``to_verify`` (end or start taken from
  secondary reports that we could not check against the legal act);
* ``products`` are HS6 codes (HS 1992 where ``data/minerals/hs_map.csv`` has the code, else
  the code of the current HS edition named in the notice); ``stage`` is the step of the
  scrisk stage ladder the measure restricts;
* ``enforcement``: ``enforced``, ``partial`` (widespread waivers or exemptions; the share of
  supply under it is an upper bound) or ``not_in_force`` (announced, suspended before it took
  effect: kept for the record, never counted).

Nothing is invented: a fact we could not check carries ``to_verify`` and says so in ``note``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "minerals" / "export_restrictions.csv"

COLUMNS = ["measure_id", "country", "commodity", "products", "stage", "type", "start_date",
           "end_date", "date_quality", "scope", "enforcement", "source_publisher",
           "source_title", "source_date", "source_url", "source", "note"]

# ---- citations used by several rows -------------------------------------------------------
WTO_DS431 = ("World Trade Organization",
             "China - Measures Related to the Exportation of Rare Earths, Tungsten and "
             "Molybdenum (DS431/DS432/DS433), Reports of the Panel WT/DS431/R",
             "2014-03-26", "https://www.wto.org/english/tratop_e/dispu_e/cases_e/ds431_e.htm")
WTO_DS394 = ("World Trade Organization",
             "China - Measures Related to the Exportation of Various Raw Materials "
             "(DS394/DS395/DS398), Reports of the Appellate Body WT/DS394/AB/R",
             "2012-01-30", "https://www.wto.org/english/tratop_e/dispu_e/cases_e/ds394_e.htm")
MOFCOM_23_2023 = ("Ministry of Commerce and General Administration of Customs of the PRC",
                  "Announcement No. 23 of 2023 on export control of gallium and germanium "
                  "related items (in force 1 August 2023)", "2023-07-03",
                  "https://chinajusticeobserver.com/a/china-imposes-export-controls-on-gallium-"
                  "and-germanium")
MOFCOM_39_2023 = ("Ministry of Commerce and General Administration of Customs of the PRC",
                  "Announcement No. 39 of 2023 on optimising and adjusting the temporary export "
                  "control measures on graphite items (in force 1 December 2023)", "2023-10-20",
                  "https://prod.iea.org/policies/17933-announcement-on-the-optimisation-and-"
                  "adjustment-of-temporary-export-control-measures-for-graphite-items")
MOFCOM_33_2024 = ("Ministry of Commerce and General Administration of Customs of the PRC",
                  "Announcement No. 33 of 2024 on export control of antimony and other items "
                  "(issued 15 August 2024, in force 15 September 2024; English text)",
                  "2024-08-15",
                  "https://um-material.com/news/announcement-no-33-of-2024-of-the-ministry-of-"
                  "commerce-and-the-general-administration-of-customs-of-china-on-the-"
                  "implementation-of-export-control-on-antimony-and-other-items")
MOFCOM_46_2024 = ("Reuters",
                  "China bans exports of gallium, germanium, antimony to US (MOFCOM Announcement "
                  "No. 46 of 2024 of 3 December 2024 on dual-use items to the United States, "
                  "immediate effect); its clause 2 suspended from 9 November 2025 to 27 November "
                  "2026 by MOFCOM Announcement No. 72 of 2025: Business Times / Bloomberg, 9 "
                  "November 2025; GvW Graf von Westphalen, China Export Control Update, "
                  "November 2025",
                  "2024-12-03", "https://www.brecorder.com/news/40335663/china-bans-exports-of-"
                  "gallium-germanium-antimony-to-us")
MOFCOM_10_2025 = ("Ministry of Commerce and General Administration of Customs of the PRC, "
                  "via Xinhua",
                  "Announcement No. 10 of 2025 of 4 February 2025 on export control of "
                  "tungsten, tellurium, "
                  "bismuth, molybdenum and indium related items (in force 4 February 2025)",
                  "2025-02-04", "https://bignewsnetwork.com/news/275019500/1st-ld-writethru-china-"
                  "announces-export-controls-on-items-related-to-tungsten-tellurium-bismuth-"
                  "molybdenum-indium")
MOFCOM_18_2025 = ("Ministry of Commerce and General Administration of Customs of the PRC",
                  "Announcement No. 18 of 2025 on export control of certain medium and heavy "
                  "rare earth items (samarium, gadolinium, terbium, dysprosium, lutetium, "
                  "scandium, yttrium; in force on publication)", "2025-04-04",
                  "https://hklaw.com/en/insights/publications/2025/04/china-imposes-export-"
                  "controls-on-medium-and-heavy-rare-earth-materials")
MOFCOM_OCT_2025 = ("Ministry of Commerce of the PRC, via Xinhua and CGTN",
                   "Announcements No. 55-58 of 2025 (export control of superhard materials, "
                   "rare earth equipment and raw materials, five medium and heavy rare earths "
                   "incl. holmium, lithium batteries and artificial graphite anode materials, "
                   "due 8 November 2025), suspended on 7 November 2025 until 10 November 2026",
                   "2025-10-09", "http://en.people.cn/n3/2025/1010/c90000-20374885.html")
IDN_2014 = ("GRT Lawyers",
            "Indonesia's mineral ore export ban takes effect (12 January 2014, under the 2009 "
            "Mining Law, MEMR Regulation 1/2014 and Government Regulation 1/2014)", "2014-01-15",
            "http://www.grtlawyers.com/indonesias-mineral-ore-export-ban-takes-effect/")
IDN_2017 = ("Reuters",
            "Indonesia eases export ban on nickel ore, bauxite (new rules of 12 January 2017 "
            "allow low-grade nickel ore and washed bauxite exports under quotas)", "2017-01-12",
            "http://www.republicofmining.com/2017/01/12/indonesia-eases-export-ban-on-nickel-"
            "ore-bauxite-by-wilda-asmarini-and-bernadette-christina-munthe-reuters-u-s-january-"
            "12-2017/")
IDN_2019 = ("Norton Rose Fulbright",
            "Indonesia amends regulation on nickel export (MEMR Regulation No. 11/2019: exports "
            "of nickel ore end on 1 January 2020)", "2019-10",
            "https://www.nortonrosefulbright.com/en-de/knowledge/publications/b571b094/indonesia-"
            "amends-regulation-on-nickel-export-to-boost-production-of-value-added-products")
IDN_BAUXITE_2023 = ("Budd PNI (translation of an Indonesian press report)",
                    "Indonesia bans bauxite exports: the government officially banned bauxite "
                    "exports starting 10 June 2023 (Minister of Energy and Mineral Resources "
                    "Arifin Tasrif, 9 June 2023)", "2023-06",
                    "https://www.budd-pni.com/indonesia-bans-bauxite-exports/")
IDN_LEXOLOGY_2014 = ("Lexology",
                     "Indonesia's mineral export ban took effect on 12 January 2014: temporary "
                     "exceptions for copper and other concentrates until 11 January 2017, "
                     "export tax 25 % on copper concentrate rising to 60 % by 2H 2016",
                     "2014-01", "https://www.lexology.com/library/detail.aspx?g=f4295ed8-"
                     "5eec-4d7a-81c1-d053cdf2815d")
IDN_COPPER_2024 = ("Reuters via SMM",
                   "Indonesia to issue copper export permits to Freeport and Amman valid until "
                   "31 December (raw mineral exports banned from June 2023, one-year "
                   "dispensation for the two copper concentrate exporters)", "2024-05-31",
                   "https://www.dzs-trading.com/en/news-en/industry-news-en/post-en-59/")
ZWE_2022 = ("Reuters",
            "Zimbabwe bans raw lithium exports to curb artisanal mining (Base Minerals Export "
            "Control (Unbeneficiated Lithium Bearing Ores) Order 2022, SI 213 of 2022)",
            "2022-12-20", "https://www.marketscreener.com/quote/stock/CHENGXIN-LITHIUM-GROUP-"
            "CO-6500209/news/Zimbabwe-bans-raw-lithium-exports-to-curb-artisanal-mining-"
            "42590011/")
NAM_2023 = ("Reuters",
            "Namibia bans export of unprocessed critical minerals (Cabinet Decision No. "
            "8th/06.06.23/007 of 6 June 2023, announced 8 June 2023: unprocessed crushed lithium "
            "ore, cobalt, manganese, graphite and rare earth minerals)", "2023-06-08",
            "https://www.myjoyonline.com/namibia-bans-export-of-unprocessed-critical-minerals/")
COD_2025_SUSPENSION = ("ARECOMS (DR Congo)",
                       "Press release 2025/003: extension of the temporary suspension of cobalt "
                       "exports (Decision 001/ARECOMS/2025 of 22 February 2025; extended by "
                       "three months on 21 June 2025)", "2025-06-24",
                       "https://www.einpresswire.com/article/825123167/extension-of-the-temporary-"
                       "suspension-of-cobalt-exports-sourced-from-the-democratic-republic-of-"
                       "congo")
IDN_COPPER_2025 = ("Indonesia Sentinel",
                   "Indonesia grants Freeport six-month extension of copper concentrate export "
                   "permit (Minister of Energy and Mineral Resources Regulation No. 6 of 2025, "
                   "force majeure after the October 2024 smelter fire; the previous permit "
                   "expired on 31 December 2024)", "2025-03",
                   "https://indonesiasentinel.com/indonesia-grants-freeport-six-month-extension-"
                   "of-copper-concentrate-export-permit/")
MYS_NST_2024 = ("New Straits Times (Bernama)",
                "Comply with NR-REE export moratorium, minister reminds state govts (Minister "
                "Nik Nazmi Nik Ahmad in the Dewan Rakyat: moratorium on exports of "
                "non-radioactive rare earth elements in effect since 1 January 2024, notified "
                "to the states by letter of 20 December 2023)", "2024-03-12",
                "https://www.nst.com.my/news/nation/2024/03/1024679/comply-nr-ree-export-"
                "moratorium-minister-reminds-state-govts")
COD_2025_QUOTA = ("Reuters via Mining.com",
                  "Congo to allow cobalt quotas for 2025 to be executed until March 31 (quota "
                  "system from 16 October 2025: 18,125 t for Q4 2025, 96,600 t a year from 2026)",
                  "2025-12", "https://www.mining.com/web/congo-to-allow-cobalt-quotas-for-"
                  "2025-to-be-executed-until-march-31")
COD_2013 = ("Reuters",
            "Congo delays copper, cobalt concentrate export ban until year-end (ban ordered in "
            "April 2013 by Inter-Ministerial Decrees of 5 April 2013; moratorium to 31 December "
            "2013 by Decrees of 4 July 2013, Lexology)", "2013-07-11",
            "http://uk.reuters.com/article/congo-democratic-copper-idUKL6N0FH3SK20130711")
MOF_2015 = ("South China Morning Post",
            "Beijing to remove taxes on tungsten and molybdenum exports (Ministry of Finance: "
            "no export taxes on ores, oxides and metals of rare earths, tungsten and "
            "molybdenum from 1 May 2015; also China Daily, 24 April 2015)", "2015-04-24",
            "https://www.scmp.com/business/commodities/article/1774796/beijing-remove-taxes-"
            "tungsten-and-molybdenum-exports")
SMM_ZN_2015 = ("Shanghai Metals Market (SMM)",
               "China leaves import and export tariff unchanged for lead and zinc ore in 2016 "
               "(Tariff Adjustment Plan 2016: export tax on zinc ore and concentrate, HS "
               "26080000, unchanged at 30 %)", "2015-12-11",
               "https://news.metal.com/newscontent/100083006/China-Leaves-Import-and-Export-"
               "Tariff-Unchanged-for-Lead-and-Zinc-Ore-in-2016")
MB_2012 = ("Metal Bulletin",
           "China said to repeal export taxes targeted by WTO case (2013 customs tariff "
           "schedule of the Ministry of Finance drops them; a ministry official confirmed the "
           "20 % tax on manganese ends on 1 January 2013)", "2012-12-18",
           "https://www.metalbulletin.com/Article/3132106/Noble-ores-and-alloys-all/China-said-"
           "to-repeal-export-taxes-targeted-by-WTO-case.html")


def m(measure_id: str, country: str, commodity: str, products: str, stage: str, kind: str,
      start: str, end: str, cite: tuple[str, str, str, str], note: str, *,
      scope: str = "all", enforcement: str = "enforced", quality: str = "exact") -> dict:
    publisher, title, date, url = cite
    return {"measure_id": measure_id, "country": country, "commodity": commodity,
            "products": products, "stage": stage, "type": kind, "start_date": start,
            "end_date": end, "date_quality": quality, "scope": scope,
            "enforcement": enforcement, "source_publisher": publisher, "source_title": title,
            "source_date": date, "source_url": url,
            "source": f"{publisher}, {title}, {date}; {url}", "note": note}


WINDOW = "2009-01-01"  # start of the inventory: measures in force before carry this date

MEASURES = [
    # ---- China: quotas and duties found inconsistent with WTO rules (DS431/432/433, DS394)
    m("CHN-2009-REE-QUOTA", "CHN", "rare_earths", "280530;284610;284690", "refining", "quota",
      WINDOW, "2014-12-31", WTO_DS431,
      "export quotas on rare earths, in force before 2009 (start = inventory window); "
      "abolished from 1 January 2015 (MOFCOM notice of end December 2014, Reuters 5 January "
      "2015); licences still required after", quality="window_start"),
    m("CHN-2009-REE-DUTY", "CHN", "rare_earths", "280530;284610;284690", "refining", "tax",
      WINDOW, "2015-04-30", WTO_DS431,
      "export duties on rare earths (15 % light, 25 % heavy as reported), in force before 2009; "
      "removed from 1 May 2015 by the Ministry of Finance (statement of 23 April 2015: South "
      "China Morning Post and China Daily, 24 April 2015)", quality="window_start"),
    m("CHN-2009-W-QUOTA", "CHN", "tungsten", "261100;284180;810110", "refining", "quota",
      WINDOW, "2014-12-31", WTO_DS431,
      "export quotas on tungsten products, abolished from 1 January 2015 with the rare-earth "
      "quotas (Reuters 5 January 2015)", quality="window_start"),
    m("CHN-2009-W-DUTY", "CHN", "tungsten", "261100;284180;810110", "refining", "tax",
      WINDOW, "2015-04-30", MOF_2015,
      "export duties on tungsten ores, oxides and metal, in force before 2009 (WTO DS431 panel "
      "report of 26 March 2014); removed from 1 May 2015 by the Ministry of Finance",
      quality="window_start"),
    m("CHN-2009-MO-QUOTA", "CHN", "molybdenum", "261310;261390;810210", "refining", "quota",
      WINDOW, "2014-12-31", WTO_DS431,
      "export quotas on molybdenum products, abolished from 1 January 2015 (Reuters 5 January "
      "2015)", quality="window_start"),
    m("CHN-2009-MO-DUTY", "CHN", "molybdenum", "261310;261390;810210", "refining", "tax",
      WINDOW, "2015-04-30", MOF_2015,
      "export duties on molybdenum ores, oxides and metal, in force before 2009 (WTO DS431 "
      "panel report of 26 March 2014); removed from 1 May 2015 by the Ministry of Finance",
      quality="window_start"),
    m("CHN-2009-BAUXITE", "CHN", "aluminium", "260600", "mining", "quota", WINDOW,
      "2012-12-31", WTO_DS394,
      "export quota and duty on bauxite (DS394, complaint 2009, Appellate Body 30 January "
      "2012); Metal Bulletin (18 December 2012) reports local websites saying the duties on "
      "all nine DS394 materials, bauxite included, end on 1 January 2013, and MOFCOM's 2015 "
      "guidance lists bauxite under export licensing, not quotas; the day the quota ended is "
      "not confirmed by a stored source: to verify", quality="to_verify"),
    m("CHN-2009-MN-DUTY", "CHN", "manganese", "811100", "refining", "tax", WINDOW,
      "2012-12-31", MB_2012,
      "20 % export duty on manganese metal (electrolytic cathodes and flakes) from January "
      "2008 (WTO DS394); cancelled from 1 January 2013 (Metal Bulletin, Ministry of Finance "
      "official); manganese ore (HS 260200), listed here before, is left out: no stored source "
      "confirms a duty on it", quality="window_start"),
    m("CHN-2009-ZN-ORE-DUTY", "CHN", "zinc", "260800", "mining", "tax", WINDOW, "2016-12-31",
      SMM_ZN_2015,
      "export duty on zinc ores and concentrates (among the DS394 materials, complaint of "
      "2009), still 30 % in the 2016 tariff plan (SMM, 11 December 2015); the end date is the "
      "last day a stored source confirms, not the measure's end (not found): to verify",
      quality="to_verify"),
    m("CHN-2009-ZN-METAL-DUTY", "CHN", "zinc", "790111;790112", "refining", "tax", WINDOW,
      "2012-12-31", WTO_DS394,
      "export duties on unwrought zinc, in force before 2009 (15 % on #2 zinc from 1 January "
      "2008: SMM/CBI China; 5 % on #1 and 15 % on #2 zinc in February 2012: SMM, 13 February "
      "2012); the end on 1 January 2013 rests on Metal Bulletin's report (18 December 2012) "
      "of local websites saying the duties on all nine DS394 materials end, not on the tariff "
      "notice: to verify", quality="to_verify"),
    # ---- China: export control law licensing, 2023-2025
    m("CHN-2023-GA-LICENCE", "CHN", "gallium", "811292", "refining", "licence", "2023-08-01",
      "", MOFCOM_23_2023,
      "gallium metal, gallium nitride, oxide, phosphide, arsenide and other compounds need an "
      "export licence; first licences granted in September 2023 (Metal Bulletin); only the "
      "HS6 of the metal is listed here"),
    m("CHN-2023-GE-LICENCE", "CHN", "germanium", "811230;282560", "refining", "licence",
      "2023-08-01", "", MOFCOM_23_2023,
      "germanium metal, zone-refined ingots, oxide, tetrachloride and other items need an "
      "export licence (HS92 811230 = germanium)"),
    m("CHN-2023-GRAPHITE-NATURAL", "CHN", "graphite", "250410;380190;382499;681510", "mining",
      "licence", "2023-12-01", "", MOFCOM_39_2023,
      "natural flake graphite and its products (spherical, expanded); reference CN codes "
      "2504101000, 2504109100, 3801901000, 3801909010, 3824999940, 6815190020; spherical "
      "graphite is inside HS 250410 in the shipped trade"),
    m("CHN-2023-GRAPHITE-SYNTHETIC", "CHN", "graphite", "380110;380190;681510", "material",
      "licence", "2023-12-01", "", MOFCOM_39_2023,
      "high-purity (>99.9 %), high-strength, high-density artificial graphite; reference CN "
      "codes 3801100030, 3801909010, 6815190020"),
    m("CHN-2024-SB-ORE-LICENCE", "CHN", "antimony", "261710;283090", "mining", "licence",
      "2024-09-15", "", MOFCOM_33_2024,
      "antimony ores and raw materials (reference CN 2617101000, 2617109001, 2617109090 and "
      "2830902000, antimony sulphide)"),
    m("CHN-2024-SB-METAL-LICENCE", "CHN", "antimony", "811000;282580", "refining", "licence",
      "2024-09-15", "", MOFCOM_33_2024,
      "antimony metal and products (CN 8110101000, 8110102000, 8110200000, 8110900000), "
      "oxides of 99.99 % and above (2825800010); HS92 811000"),
    m("CHN-2024-GA-USA-BAN", "CHN", "gallium", "811292", "refining", "ban", "2024-12-03",
      "2025-11-08", MOFCOM_46_2024,
      "exports of gallium dual-use items to the United States not permitted in principle "
      "(clause 2 of Announcement No. 46 of 2024); suspended by Announcement No. 72 of 2025 "
      "from 9 November 2025 until 27 November 2026 (the ban on US military end users, clause "
      "1, and licensing stay; gvw.com/en/news/blog/detail/china-export-control-update)",
      scope="USA"),
    m("CHN-2024-GE-USA-BAN", "CHN", "germanium", "811230;282560", "refining", "ban",
      "2024-12-03", "2025-11-08", MOFCOM_46_2024,
      "as for gallium: ban on germanium dual-use items to the United States, suspended from "
      "9 November 2025", scope="USA"),
    m("CHN-2024-SB-USA-BAN", "CHN", "antimony", "261710;811000;282580", "refining", "ban",
      "2024-12-03", "2025-11-08", MOFCOM_46_2024,
      "as for gallium: ban on antimony dual-use items (ores and metal) to the United States, "
      "suspended from 9 November 2025", scope="USA"),
    m("CHN-2025-W-LICENCE", "CHN", "tungsten", "284180;282590;284990;810194;810199",
      "refining", "licence", "2025-02-04", "", MOFCOM_10_2025,
      "ammonium paratungstate, tungsten oxides, tungsten carbide not under 1C226 (CN "
      "2841801000, 2825901200, 2825901910, 2825901920, 2849902000), solid tungsten and alloys "
      "of 97 % W or more and copper- or silver-doped tungsten (CN 8101940001, 8101991001, "
      "8101999001; English text of Announcement No. 10: um-material.com); ores are not "
      "listed"),
    m("CHN-2025-MO-LICENCE", "CHN", "molybdenum", "810210", "refining", "licence",
      "2025-02-04", "", MOFCOM_10_2025,
      "molybdenum items (powders and products as listed in the announcement); the exact HS "
      "lines are to verify", quality="exact"),
    m("CHN-2025-IN-LICENCE", "CHN", "indium", "811292", "refining", "licence", "2025-02-04",
      "", MOFCOM_10_2025,
      "indium items (compounds such as indium phosphide, indium tin oxide; the exact HS "
      "lines are to verify)"),
    m("CHN-2025-BI-LICENCE", "CHN", "bismuth", "810600", "refining", "licence", "2025-02-04",
      "", MOFCOM_10_2025,
      "bismuth items (metal and compounds as listed); tellurium, also listed, is not a "
      "commodity of scrisk"),
    m("CHN-2025-REE-LICENCE", "CHN", "rare_earths", "280530;284690", "refining", "licence",
      "2025-04-04", "", MOFCOM_18_2025,
      "seven medium and heavy rare earths (Sm, Gd, Tb, Dy, Lu, Sc, Y): metals, alloys, oxides, "
      "compounds, targets and samarium-cobalt magnet material; the HS6 codes also cover the "
      "light rare earths, which stay unlicensed"),
    m("CHN-2025-REE-OCT", "CHN", "rare_earths", "280530;284690", "refining", "licence",
      "2025-11-08", "", MOFCOM_OCT_2025,
      "five further medium and heavy rare earths (Ho, Er, Tm, Eu, Yb) and rare-earth "
      "equipment and raw materials; suspended on 7 November 2025 before taking effect, until "
      "10 November 2026: not counted", enforcement="not_in_force"),
    m("CHN-2025-ANODE-OCT", "CHN", "graphite", "380110;380190", "material", "licence",
      "2025-11-08", "", MOFCOM_OCT_2025,
      "artificial graphite anode materials (and lithium batteries, cathode materials); "
      "suspended on 7 November 2025 before taking effect: not counted",
      enforcement="not_in_force"),
    # ---- Indonesia: ore export bans of the 2009 Mining Law
    m("IDN-2014-NI-ORE-BAN", "IDN", "nickel", "260400", "mining", "ban", "2014-01-12",
      "2017-01-11", IDN_2014,
      "nickel ore must be refined in Indonesia (no concentrate exception); eased from 12 "
      "January 2017 (Reuters): low-grade (<1.7 % Ni) ore exports under quotas"),
    m("IDN-2017-NI-ORE-QUOTA", "IDN", "nickel", "260400", "mining", "quota", "2017-01-12",
      "2019-12-31", IDN_2017,
      "rules of 12 January 2017 eased the 2014 ban: low-grade ore (below 1.7 % Ni) may be "
      "exported in volumes the government sets, by miners building smelters, for up to five "
      "years; ended when the ban of 1 January 2020 took over (MEMR Regulation 11/2019)"),
    m("IDN-2020-NI-ORE-BAN", "IDN", "nickel", "260400", "mining", "ban", "2020-01-01", "",
      IDN_2019,
      "MEMR Regulation 11/2019 brought the end of low-grade nickel ore exports forward from "
      "2022 to 1 January 2020; WTO panel DS592 (EU complaint) ruled against the ban in "
      "November 2022, under appeal"),
    m("IDN-2014-BAUXITE-BAN", "IDN", "aluminium", "260600", "mining", "ban", "2014-01-12",
      "2017-01-11", IDN_2014,
      "bauxite must be refined in Indonesia; eased from 12 January 2017 (washed bauxite, "
      ">= 42 % Al2O3, under quotas; Reuters 12 January 2017)"),
    m("IDN-2017-BAUXITE-QUOTA", "IDN", "aluminium", "260600", "mining", "quota", "2017-01-12",
      "2023-06-09", IDN_2017,
      "rules of 12 January 2017 eased the 2014 ban: washed bauxite of at least 42 % Al2O3 may "
      "be exported in amounts the government sets; ended when the ban of 10 June 2023 took "
      "over"),
    m("IDN-2023-BAUXITE-BAN", "IDN", "aluminium", "260600", "mining", "ban", "2023-06-10", "",
      IDN_BAUXITE_2023,
      "announced by President Widodo on 21 December 2022 (Reuters) for June 2023, the "
      "deadline of Article 170A of Mining Law No. 3 of 2020 (at most three years after its "
      "promulgation on 10 June 2020: CNBC Indonesia, 24 May 2023); in force from 10 June 2023 "
      "as the minister confirmed on 9 June 2023"),
    m("IDN-2014-CU-CONC-TAX", "IDN", "copper", "260300", "mining", "tax", "2014-01-12",
      "2017-01-11", IDN_LEXOLOGY_2014,
      "copper concentrate exports allowed only to firms committed to a smelter, with an "
      "export tax of 25 % rising every six months to 60 % in 2H 2016 (later reduced under "
      "smelter progress rules, to verify)"),
    m("IDN-2023-CU-CONC-PERMIT", "IDN", "copper", "260300", "mining", "licence", "2023-06-10",
      "2024-12-31", IDN_COPPER_2024,
      "raw mineral exports banned from 10 June 2023 (Mining Law No. 3 of 2020; Freeport's "
      "permit expired that day, Mining.com/Reuters); Freeport Indonesia and Amman Mineral "
      "exported copper concentrate under permits with volume limits to 31 May 2024, then "
      "from 1 June to 31 December 2024 (MEMR Regulation No. 6 of 2024); partial: the two "
      "exporters kept shipping", enforcement="partial"),
    m("IDN-2025-CU-CONC-BAN", "IDN", "copper", "260300", "mining", "ban", "2025-01-01", "",
      IDN_COPPER_2025,
      "copper concentrate exports ended on 31 December 2024 with the last permits; from March "
      "2025 Freeport Indonesia exported again under a six-month force-majeure permit (about "
      "1 Mt of concentrate, to September 2025; MEMR Regulation No. 6 of 2025), hence partial",
      enforcement="partial"),
    # ---- Africa
    m("ZWE-2022-LI-ORE-BAN", "ZWE", "lithium", "253090", "mining", "ban", "2022-12-20", "",
      ZWE_2022,
      "no lithium-bearing ore or unbeneficiated lithium may be exported without a permit; "
      "lithium concentrates are exempt, and HS 253090 cannot tell ore from concentrate, so "
      "the share of supply under this measure is an upper bound; replaced in January 2023 by "
      "SI 5 of 2023 on all unbeneficiated base mineral ores", enforcement="partial"),
    m("NAM-2023-LI-BAN", "NAM", "lithium", "253090", "mining", "ban", "2023-06-08", "",
      NAM_2023,
      "unprocessed crushed lithium ore; small quantities may be exported with the mines "
      "minister's approval (Cabinet on 23 July 2024: up to 1,000 kg a year per exporter for "
      "analyses, up to 20,000 t for plant design; New Era, July 2024); the date is the day the "
      "Cabinet decision was announced: the government gave no start date (Xinhua, 8 June 2023) "
      "and no gazetted instrument was found, so the start stays to verify; enforced by "
      "October 2023 (the Mining Commissioner's letter of 19 October 2023 told the police to "
      "stop Xinfeng's lithium ore trucks: Reuters, The Namibian Observer)",
      quality="to_verify"),
    m("NAM-2023-CO-BAN", "NAM", "cobalt", "260500", "mining", "ban", "2023-06-08", "",
      NAM_2023, "unprocessed cobalt ore; as for lithium", quality="to_verify"),
    m("NAM-2023-MN-BAN", "NAM", "manganese", "260200", "mining", "ban", "2023-06-08", "",
      NAM_2023, "unprocessed manganese ore; as for lithium", quality="to_verify"),
    m("NAM-2023-GRAPHITE-BAN", "NAM", "graphite", "250410;250490", "mining", "ban",
      "2023-06-08", "", NAM_2023, "unprocessed graphite; as for lithium",
      quality="to_verify"),
    m("NAM-2023-REE-BAN", "NAM", "rare_earths", "253090", "mining", "ban", "2023-06-08", "",
      NAM_2023,
      "unprocessed rare earth minerals (no HS6 of their own: inside the 253090 basket); as "
      "for lithium", quality="to_verify"),
    m("COD-2013-CU-CONC-BAN", "COD", "copper", "260300", "mining", "ban", "2013-04-05", "",
      COD_2013,
      "ban on copper concentrate exports with a moratorium to 31 December 2013, then "
      "repeatedly waived (put on hold in January 2017 until the power shortage is solved, "
      "six-month waivers in 2020: Metal Bulletin, Reuters); enforcement partial",
      enforcement="partial"),
    m("COD-2013-CO-CONC-BAN", "COD", "cobalt", "260500", "mining", "ban", "2013-04-05", "",
      COD_2013,
      "ban on cobalt concentrate exports with the same moratoria and waivers as copper; "
      "cobalt hydroxide is not concentrate", enforcement="partial"),
    m("COD-2025-CO-SUSPENSION", "COD", "cobalt", "282200;810510", "intermediate",
      "suspension", "2025-02-22", "2025-10-15", COD_2025_SUSPENSION,
      "all cobalt exports from industrial, semi-industrial and artisanal mining suspended for "
      "four months from 22 February 2025, extended on 21 June 2025 by three months and by "
      "Decision No. 004/ARECOMS/2025 to 15 October 2025, replaced by quotas from 16 October "
      "2025; DR Congo ships cobalt as hydroxide (intermediate)"),
    m("COD-2025-CO-QUOTA", "COD", "cobalt", "282200;810510", "intermediate", "quota",
      "2025-10-16", "2027-12-31", COD_2025_QUOTA,
      "export quotas set by Decision No. 004/ARECOMS/2025 (September 2025; procedures in "
      "Decision No. 005/ARECOMS/2025 of 10 October 2025: African Mining, Modern Mining "
      "Zambia): 18,125 t Co for 16 October-31 December 2025 (executable until 31 March "
      "2026), 96,600 t a year in 2026 and 2027 (87,000 t base quota by past exports, 9,600 t "
      "strategic); about half of DR Congo's 2024 output; the end date is the last year the "
      "decision sets, to be reviewed"),
    m("MYS-2024-REE-RAW-BAN", "MYS", "rare_earths", "253090", "mining", "ban", "2024-01-01",
      "", MYS_NST_2024,
      "moratorium on exports of unprocessed non-radioactive rare earth elements (NR-REE), "
      "announced by Prime Minister Anwar Ibrahim on 11 September 2023 (Reuters) and in force "
      "from 1 January 2024; processed rare earths (e.g. Lynas separated oxides, HS 284690) "
      "may be exported; raw NR-REE has no HS6 of its own (253090 basket; ion-adsorption "
      "concentrate may be booked as rare-earth carbonate, HS 2846), so the products are an "
      "approximation"),
]


def build() -> pd.DataFrame:
    """The inventory as a sorted table."""
    frame = pd.DataFrame(MEASURES, columns=COLUMNS)
    if frame["measure_id"].duplicated().any():
        raise SystemExit("duplicate measure_id: "
                         + ", ".join(frame.loc[frame["measure_id"].duplicated(), "measure_id"]))
    return frame.sort_values(["country", "start_date", "measure_id"], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if the committed file differs from the built one")
    args = parser.parse_args(argv)
    text = build().to_csv(index=False, lineterminator="\n")
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from the built inventory")
        return 0 if same else 1
    tmp = OUT.with_suffix(".csv.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(OUT)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(MEASURES)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
