"""Build the demand-side data files from cited public figures (``make data``).

Writes, deterministically (sorted rows, fixed float format):

* ``data/minerals/vehicle_sales.csv``: Japan's new passenger-car sales by
  powertrain (HEV, PHEV, BEV, FCEV, ICE), calendar years 2023 and 2024,
  registered cars plus kei cars;
* ``data/minerals/vehicle_battery.csv``: lithium-ion battery kWh per vehicle by
  powertrain, low / central / high;
* ``data/minerals/battery_copper.csv``: copper in cells (anode current
  collector, derived below) and packs (busbars, cabling), kg per kWh.

The figures are facts from the public sources cited in each row; where a
number is derived from them (a residual, a share times a total) the row's
``quality`` is ``derived`` and its ``note`` shows the arithmetic. Nothing is
downloaded: the published figures are written here, with their citation, so
that a reader can check each one against its source. ``data/README.md``
documents the files.

Run: ``python scripts/build_demand_data.py`` (also run by ``make data``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MINERALS = ROOT / "data" / "minerals"

# --------------------------------------------------------------------------- citations

SRC_JADA_2023 = ("日本自動車販売協会連合会 (JADA) and 全国軽自動車協会連合会 (Zenkeijikyo), "
                 "passenger-car sales by powertrain, calendar 2023 (registered + kei), as "
                 "compiled in 日刊自動車新聞, 17 Jan 2024 (copy: https://mobi-navi.com/?p=14565)")
SRC_TOTAL = ("日本自動車販売協会連合会 (JADA) and 全国軽自動車協会連合会 (Zenkeijikyo) monthly "
             "passenger-car sales (registered + kei), annual totals as compiled in 'EV販売 "
             "2024年12月' (eco-revo.blog/energy/202412_evsales, 17 Jan 2025)")
SRC_BEV_2024 = ("JADA, Japan Automobile Importers Association (JAIA) and Zenkeijikyo "
                "preliminary 2024 figures as reported in the press (evmagz.com, Jan 2025: "
                "'EV sales in Japan totaled 59,736 units', -33 % on 2023)")
SRC_METI_57 = ("経済産業省 令和6年度 政策評価 政策テーマ4.① (製造産業局), 2025: "
               "'2024年の国内における乗用車新車販売の電動車比率は57％'")
SRC_PRIUS = ("WEB CARTOP, 'なぜプリウスは今でもニッケル水素バッテリーを使うのか?', Dec 2016 "
             "(webcartop.jp/2016/12/58458): Prius (4th gen.) lithium-ion pack 0.75 kWh, "
             "nickel-metal-hydride pack 1.3 kWh")
SRC_KEI_BEV = ("Nikkei xTECH, '日産・三菱自の新型軽EV', 20 May 2022 "
               "(xtech.nikkei.com/atcl/nxt/column/18/02068/051600001): Nissan Sakura / "
               "Mitsubishi eK X EV lithium-ion pack 20 kWh")
SRC_MAKERS = "manufacturers' specification sheets (Toyota, Mitsubishi Motors, Nissan)"
SRC_COPPER_CELL = ("derived by scrisk from cell design: anode copper foil area per kWh = "
                   "1000 Wh / (areal capacity x voltage x 2 coated sides), times foil "
                   "thickness x copper density 8.96 g/cm3; typical areal capacities 3-4 "
                   "mAh/cm2 and foil 6-10 um (cf. Schmuch et al., Nature Energy 3, 267-278, "
                   "2018); cross-check: batterydesign.net 'Copper' (copper in current "
                   "collectors and pack busbars)")

# --------------------------------------------------------------------------- sales

TOTAL_2023 = 3_992_728  # passenger cars, registered + kei (SRC_TOTAL)
TOTAL_2024 = 3_725_198
ELECTRIFIED_2023 = 2_009_725  # HEV + PHEV + BEV + FCEV (SRC_JADA_2023), share 50.3 %
PHEV_2023 = 52_143
FCEV_2023 = 422
BEV_SHARE_2023 = 0.0222  # "EV比率は2.22%" (SRC_JADA_2023)
BEV_2024 = 59_736
PLUGIN_SHARE_2024 = 0.0276  # BEV + PHEV share of passenger cars, 2024 (SRC_TOTAL)
ELECTRIFIED_SHARE_2024 = 0.57  # SRC_METI_57


def sales_rows() -> list[dict]:
    """Japan's passenger-car sales by powertrain, 2023 and 2024 (units)."""
    bev_2023 = round(BEV_SHARE_2023 * TOTAL_2023)
    hev_2023 = ELECTRIFIED_2023 - PHEV_2023 - FCEV_2023 - bev_2023
    plugin_2024 = round(PLUGIN_SHARE_2024 * TOTAL_2024)
    phev_2024 = plugin_2024 - BEV_2024
    electrified_2024 = round(ELECTRIFIED_SHARE_2024 * TOTAL_2024)
    hev_2024 = electrified_2024 - plugin_2024
    rows = [
        (2023, "BEV", bev_2023, "derived", SRC_JADA_2023,
         f"2.22 % x {TOTAL_2023:,} passenger cars; the 2024 figure (59,736, -32.5 %) implies "
         "about 88,500: to verify against JADA/Zenkeijikyo tables"),
        (2023, "PHEV", PHEV_2023, "reported", SRC_JADA_2023, ""),
        (2023, "FCEV", FCEV_2023, "reported", SRC_JADA_2023, ""),
        (2023, "HEV", hev_2023, "derived", SRC_JADA_2023,
         f"electrified {ELECTRIFIED_2023:,} - PHEV - FCEV - BEV; JADA's HV class includes "
         "mild hybrids (48 V and kei 12 V systems)"),
        (2023, "ICE", TOTAL_2023 - ELECTRIFIED_2023, "derived", f"{SRC_TOTAL}; {SRC_JADA_2023}",
         f"total {TOTAL_2023:,} - electrified {ELECTRIFIED_2023:,}; petrol, diesel, LPG"),
        (2024, "BEV", BEV_2024, "reported", SRC_BEV_2024,
         "registered + kei BEVs incl. imports; to verify against the associations' tables"),
        (2024, "PHEV", phev_2024, "derived", SRC_TOTAL,
         f"plug-in share 2.76 % x {TOTAL_2024:,} = {plugin_2024:,} minus BEV {BEV_2024:,}; "
         "to verify"),
        (2024, "FCEV", None, "missing", SRC_TOTAL,
         "no annual 2024 FCEV figure found (2023: 422); counted inside HEV, which is a "
         "residual"),
        (2024, "HEV", hev_2024, "derived", f"{SRC_METI_57}; {SRC_TOTAL}",
         f"57 % x {TOTAL_2024:,} = {electrified_2024:,} electrified minus BEV and PHEV; "
         "includes FCEV (a few hundred) and mild hybrids; the 57 % is rounded (+-0.5 pp = "
         "+-19,000 cars)"),
        (2024, "ICE", TOTAL_2024 - electrified_2024, "derived", f"{SRC_METI_57}; {SRC_TOTAL}",
         f"total {TOTAL_2024:,} - electrified {electrified_2024:,}"),
    ]
    return [{"iso3": "JPN", "year": y, "powertrain": p,
             "units": ("" if u is None else int(u)), "quality": q, "source": s, "note": n}
            for y, p, u, q, s, n in rows]


# --------------------------------------------------------------------------- battery size

def battery_rows() -> list[dict]:
    """Lithium-ion kWh per vehicle by powertrain (low, central, high)."""
    rows = [
        ("HEV", 0.3, 0.75, 1.3, f"{SRC_PRIUS}",
         "central: a full hybrid's lithium-ion pack (Prius 0.75 kWh); low: many full hybrids "
         "use nickel-metal-hydride packs (no lithium) and JADA's HV class includes mild "
         "hybrids with packs of a few tenths of a kWh; high: a 1.3 kWh pack. Sales-weighted "
         "values are a scrisk assumption, to verify"),
        ("PHEV", 10.0, 16.0, 22.0, SRC_MAKERS,
         "Prius PHEV (2023) 13.6 kWh, Outlander PHEV (2021) 20 kWh, RAV4 PHV 18.1 kWh "
         "transcribed from the makers' specifications from memory: to verify; central is a "
         "scrisk sales-weighted assumption"),
        ("BEV", 20.0, 40.0, 66.0, f"{SRC_KEI_BEV}; {SRC_MAKERS}",
         "low: kei BEVs (20 kWh), about half of Japan's BEV sales in 2023; registered BEVs "
         "carry 40-80 kWh (Leaf 40/60, bZ4X 71.4 kWh, imports: to verify); central 40 kWh "
         "is a scrisk sales-weighted estimate, to verify"),
        ("FCEV", 1.0, 1.24, 1.6, SRC_MAKERS,
         "Mirai (2020) lithium-ion buffer pack 1.24 kWh, from memory: to verify"),
        ("ICE", 0.0, 0.0, 0.0, "scrisk",
         "no traction battery; 12 V starter batteries are lead-acid and not counted"),
    ]
    return [{"powertrain": p, "kwh_low": lo, "kwh_central": c, "kwh_high": hi,
             "source": s, "note": n} for p, lo, c, hi, s, n in rows]


# --------------------------------------------------------------------------- copper

COPPER_DENSITY_G_CM3 = 8.96
# (areal capacity mAh/cm2, mean voltage V, foil thickness um) for low, central, high
COPPER_CELL_CASES = {"low": (4.0, 3.7, 6.0), "central": (3.5, 3.7, 8.0),
                     "high": (3.0, 3.2, 10.0)}


def copper_foil_kg_per_kwh(areal_mah_cm2: float, volts: float, foil_um: float) -> float:
    """Copper foil of the anode current collector, kg per kWh of cells.

    Foil area per kWh = 1e6 mWh / (areal capacity x voltage x 2 coated sides) cm2;
    mass = area x thickness x density.

    >>> round(copper_foil_kg_per_kwh(3.5, 3.7, 8.0), 4)
    0.2768
    """
    area_cm2 = 1e6 / (areal_mah_cm2 * volts * 2.0)
    return area_cm2 * foil_um * 1e-4 * COPPER_DENSITY_G_CM3 / 1000.0


def copper_rows() -> list[dict]:
    """Copper in cells (derived) and packs (assumed), kg per kWh."""
    cell = {k: round(copper_foil_kg_per_kwh(*v), 3) for k, v in COPPER_CELL_CASES.items()}
    cases = "; ".join(f"{k}: {a} mAh/cm2, {v} V, {t} um foil"
                      for k, (a, v, t) in COPPER_CELL_CASES.items())
    return [
        {"component": "cell", "kg_per_kwh_low": cell["low"],
         "kg_per_kwh_central": cell["central"], "kg_per_kwh_high": cell["high"],
         "source": SRC_COPPER_CELL,
         "note": f"anode current collector only ({cases}); tabs add a few per cent"},
        {"component": "pack", "kg_per_kwh_low": 0.03, "kg_per_kwh_central": 0.06,
         "kg_per_kwh_high": 0.10, "source": "scrisk assumption",
         "note": "busbars, cell interconnects and pack cabling; scrisk assumption, to verify "
                 "(vendor literature quotes 15-25 kg of copper for a 60 kWh pack, cells "
                 "included, i.e. 0.25-0.42 kg/kWh in all)"},
    ]


# --------------------------------------------------------------------------- writing

def write(rows: list[dict], path: Path, key: list[str]) -> None:
    """Sorted, UTF-8, Unix line ends, shortest float form: a rebuild is byte-identical."""
    frame = pd.DataFrame(rows).sort_values(key, ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MINERALS, help="output folder")
    args = parser.parse_args(argv)
    write(sales_rows(), args.out / "vehicle_sales.csv", ["iso3", "year", "powertrain"])
    write(battery_rows(), args.out / "vehicle_battery.csv", ["powertrain"])
    write(copper_rows(), args.out / "battery_copper.csv", ["component"])
    for name in ("vehicle_sales.csv", "vehicle_battery.csv", "battery_copper.csv"):
        print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
