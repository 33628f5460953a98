"""A tiny, complete dataset built in code for known-answer tests.

Countries: AUS, CHL, CHN, FIN, JPN, KOR. One commodity ("copper", base
metal) and one battery metal ("cobalt"). Every number is small and round so
that expected answers can be worked out by hand in the tests and in
docs/methods.md.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scrisk.data.load import Dataset, load_dataset
from scrisk.data.schemas import SCHEMAS
from scrisk.network import LI_PER_LCE

SRC = "tiny test data"


def tables() -> dict[str, pd.DataFrame]:
    """Every table of the tiny dataset."""
    countries = pd.DataFrame({
        "iso3": ["AUS", "CHL", "CHN", "FIN", "JPN", "KOR", "ROW"],
        "name_en": ["Australia", "Chile", "China", "Finland", "Japan", "South Korea",
                    "Rest of world"],
        "name_ja": ["オーストラリア", "チリ", "中国", "フィンランド", "日本", "韓国", "その他"],
        "m49": [36, 152, 156, 246, 392, 410, None],
        "baci_code": [36, 152, 156, 246, 392, 410, None],
        "wmd_name": ["Australia", "Chile", "China", "Finland", "Japan", "Rep. of Korea", None],
        "is_aggregate": [False] * 6 + [True],
        "source": SRC,
    })
    commodities = pd.DataFrame({
        "commodity": ["copper", "cobalt"], "name_en": ["Copper", "Cobalt"],
        "name_ja": ["銅", "コバルト"], "group": ["base_metal", "battery"],
        "mining_unit": ["t", "t"], "content_factor": [1.0, 1.0],
        "wmd_table": ["Copper", "Cobalt"], "gpr_reference_id": ["Copper", "Cobalt"],
        "hs_mining": ["260300", "260500"], "hs_refining": ["740311", "282200"],
        "hs_gpr": ["260300", "282200"], "eol_rir": [0.55, 0.22], "source": SRC,
    })
    production = pd.DataFrame({
        "commodity": ["copper"] * 3 + ["cobalt"] * 2,
        "stage": "mining",
        "iso3": ["CHL", "AUS", "CHN", "AUS", "CHN"],
        "year": 2022,
        "quantity": [600.0, 300.0, 100.0, 50.0, 50.0],
        "unit": "t", "data_quality": "reported", "source": SRC,
    })
    processing = pd.DataFrame({
        "commodity": ["cobalt", "cobalt"], "stage": "refining", "iso3": ["CHN", "FIN"],
        "year": 2022, "share": [0.8, 0.2], "world_total": [100.0, 100.0], "unit": "t",
        "source": SRC, "note": "",
    })
    trade = pd.DataFrame({
        "year": 2022,
        "hs6": ["260300", "260300", "260300", "260300", "282200", "282200", "260500"],
        "commodity": ["copper", "copper", "copper", "copper", "cobalt", "cobalt", "cobalt"],
        "stage": ["mining", "mining", "mining", "mining", "refining", "refining", "mining"],
        "exporter": ["CHL", "AUS", "CHL", "CHN", "FIN", "CHN", "AUS"],
        "importer": ["JPN", "JPN", "CHN", "JPN", "JPN", "JPN", "FIN"],
        "quantity_t": [200.0, 100.0, 50.0, 30.0, 30.0, 10.0, 40.0],
        "value_kusd": [600.0, 400.0, 150.0, 90.0, 900.0, 300.0, 400.0],
        "source": SRC,
    })
    governance = pd.DataFrame({
        "iso3": ["AUS", "CHL", "CHN", "FIN", "JPN"], "year": 2022,
        "wgi_political_stability": [1.0, 0.0, -0.5, 2.0, 1.0], "source": SRC,
    })
    consumption = pd.DataFrame({
        "iso3": ["JPN", "JPN"], "commodity": ["copper", "base_metals"], "year": [2022, 2022],
        "demand_t": [1000.0, None], "recycling_t": [200.0, None],
        "reported_self_sufficiency": [None, 0.3], "unit": "t", "source": SRC, "note": "",
    })
    intensity = pd.DataFrame({
        "chemistry": ["NMC811", "NMC811", "LFP", "LFP"],
        "material": ["cobalt", "lithium_lce", "cobalt", "lithium_lce"],
        "kg_per_kwh": [0.1, 0.7, 0.0, 0.5], "basis": "test", "source": SRC, "note": "",
    })
    scenarios = pd.DataFrame({"scenario": ["mix", "mix"], "chemistry": ["NMC811", "LFP"],
                              "share": [0.5, 0.5], "source": SRC, "note": ""})
    targets = pd.DataFrame({
        "target_id": ["ss2030"], "iso3": ["JPN"], "metric": ["base_metal_self_sufficiency"],
        "value": [0.8], "unit": ["ratio"], "year": [2030], "source": SRC, "note": "",
    })
    groups = pd.DataFrame({"group": ["G7", "G7", "concern"], "iso3": ["JPN", "AUS", "CHN"],
                           "source": SRC, "note": ""})
    facilities = pd.DataFrame({
        "facility_id": ["CU-CHL-A", "CU-AUS-B", "CO-AUS-C"], "name": ["A", "B", "C"],
        "commodity": ["copper", "copper", "cobalt"], "stage": "mining",
        "iso3": ["CHL", "AUS", "AUS"], "lat": [-24.0, -30.0, -28.0], "lon": [-69.0, 136.0, 121.0],
        "capacity_t": None, "output_t": [400.0, 100.0, 20.0], "unit": "t", "year": 2022,
        "status": "operating", "operator": "op", "source": SRC, "note": "",
    })
    ownership = pd.DataFrame({
        "facility_id": ["CU-CHL-A", "CU-CHL-A", "CU-AUS-B", "CO-AUS-C"],
        "owner": ["Japan Co", "Other Co", "Japan Co", "Japan Co"],
        "owner_iso3": ["JPN", "CHL", "JPN", "JPN"],
        "equity_share": [0.25, 0.75, 0.1, 0.5], "offtake_share": [None, None, 0.3, None],
        "year": 2022, "source": SRC, "note": "",
    })
    candidates = pd.DataFrame({
        "project_id": ["P1", "P2"], "name": ["One", "Two"], "commodity": ["copper", "cobalt"],
        "stage": "mining", "iso3": ["CHL", "AUS"], "lat": [-20.0, -25.0], "lon": [-69.0, 120.0],
        "annual_output_t": [200.0, 10.0], "unit": "t", "stake_offered": [0.5, 0.4],
        "cost_oku_yen": [100.0, 40.0], "online_year": [2028, 2029],
        "success_probability": [0.5, 0.8], "illustrative": [True, True], "source": SRC,
        "note": "",
    })
    chokepoints = pd.DataFrame({"chokepoint_id": ["malacca"], "name_en": ["Strait of Malacca"],
                                "name_ja": ["マラッカ海峡"], "lat": [2.5], "lon": [101.0],
                                "kind": "strait", "source": SRC, "note": ""})
    routes = pd.DataFrame({"origin_region": ["pacific", "europe"], "route_id": ["direct", "suez"],
                           "chokepoints": ["", "malacca"], "share": [1.0, 1.0], "source": SRC,
                           "note": ""})
    regions = pd.DataFrame({"iso3": ["AUS", "CHL", "CHN", "FIN", "JPN", "KOR"],
                            "origin_region": ["pacific", "pacific", "pacific", "europe", "pacific",
                                              "pacific"], "note": ""})
    return {
        "countries": countries, "commodities": commodities, "production": production,
        "processing_shares": processing, "trade": trade, "governance": governance,
        "consumption": consumption, "battery_intensity": intensity,
        "battery_scenarios": scenarios, "policy_targets": targets, "country_groups": groups,
        "facilities": facilities, "ownership": ownership, "candidates": candidates,
        "chokepoints": chokepoints, "sea_routes": routes, "sea_regions": regions,
    }


def write(folder: Path, frames: dict[str, pd.DataFrame] | None = None) -> Path:
    """Write the tiny dataset (or given frames) as data files under ``folder``."""
    frames = dict(frames if frames is not None else tables())
    if "countries" in frames:
        # a whole dataset: every other table as a header-only file, so that the folder used
        # as an overlay (--data) replaces the shipped table instead of mixing its rows in
        for name, schema in SCHEMAS.items():
            if name not in frames:
                frames[name] = pd.DataFrame(columns=[c.name for c in schema.columns])
    for name, frame in frames.items():
        path = folder / SCHEMAS[name].path
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    return folder


def dataset(folder: Path) -> Dataset:
    """Load the tiny dataset written to ``folder``."""
    return load_dataset(write(folder))


def midstream_tables() -> dict[str, pd.DataFrame]:
    """The tiny dataset plus a battery midstream (docs/methods.md worked examples).

    Cathode production 100 t CAM (CHN 60 %, JPN 40 %), an NMC811-like CAM of
    0.1 t Co and 0.07 t Li per t, lithium as a commodity without a network
    (its need is untraced), 0.1 kg Li per kWh of NMC811, and Japan's cell
    capacity against a 150 GWh goal.
    """
    frames = tables()
    frames["midstream_shares"] = pd.DataFrame({
        "stage": "cathode", "variant": "all", "measure": "production",
        "iso3": ["CHN", "JPN"], "year": 2022, "share": [0.6, 0.4], "world_total": 100.0,
        "unit": "t CAM", "source": SRC, "quality": "reported", "note": ""})
    frames["midstream_content"] = pd.DataFrame({
        "stage": "cathode", "chemistry": "NMC811", "commodity": ["cobalt", "lithium"],
        "t_per_t": [0.1, 0.07], "product_unit": "t CAM", "contained_unit": ["t Co", "t Li"],
        "source": SRC, "note": ""})
    lithium = frames["commodities"].iloc[[1]].assign(
        commodity="lithium", name_en="Lithium", name_ja="リチウム", wmd_table="Lithium",
        gpr_reference_id="Lithium", hs_mining=None, hs_refining=None, hs_gpr=None, eol_rir=0.0)
    frames["commodities"] = pd.concat([frames["commodities"], lithium], ignore_index=True)
    intensity = frames["battery_intensity"]  # NMC811's LCE row made to match its 0.1 kg Li
    intensity.loc[(intensity.chemistry == "NMC811") & (intensity.material == "lithium_lce"),
                  "kg_per_kwh"] = 0.1 / LI_PER_LCE
    frames["battery_intensity"] = pd.concat([intensity, pd.DataFrame({
        "chemistry": ["NMC811"], "material": ["lithium"], "kg_per_kwh": [0.1], "basis": "test",
        "source": SRC, "note": ""})], ignore_index=True)
    frames["midstream_capacity"] = pd.DataFrame({
        "stage": "cell", "iso3": "JPN", "year": [2022, 2028, 2028],
        "capacity": [20.0, 120.0, 100.0], "unit": "GWh",
        "status": ["operating", "certified_plans", "operating"], "source": SRC,
        "quality": "reported", "note": ""})
    frames["policy_targets"] = pd.concat([frames["policy_targets"], pd.DataFrame({
        "target_id": ["cells2030"], "iso3": ["JPN"],
        "metric": ["battery_manufacturing_capacity_domestic"], "value": [150.0],
        "unit": ["GWh/year"], "year": [2030], "source": SRC, "note": ""})], ignore_index=True)
    return frames


def midstream_plant_frames(source: str = SRC) -> dict[str, pd.DataFrame]:
    """Tiny battery plants for known answers (scrisk.metrics.midstream plants section).

    Japan: P1 10 GWh operating from 2022 (JPN-owned); P2 20 GWh certified plan from 2027
    (CHN 80 %, JPN 20 %, certified 2024-09-06); P3 5 GWh certified then cancelled (2027);
    P4 a plan certified 2023-04-28 with no published capacity. Company totals in 2022:
    CHN 60 GWh (C1), KOR 30 GWh (C2). China's anode: 80 % synthetic, 20 % natural (2021).
    """
    plant_cols = dict(stage="cell", unit="GWh", quality="reported", facility_id=None,
                      product=None, source=source, note="")
    plants = pd.DataFrame({
        "plant_id": ["P1", "P2", "P3", "P4", "C1", "C2"],
        "name": ["plant 1", "plan 2", "plan 3", "plan 4", "company 1", "company 2"],
        "scope": ["plant", "plant", "plant", "sites", "company", "company"],
        "iso3": ["JPN", "JPN", "JPN", "JPN", None, None],
        "operator": ["op1", "op2", "op3", "op4", "co1", "co2"],
        "capacity": [10.0, 20.0, 5.0, None, 60.0, 30.0],
        "year": [2022, 2027, 2027, None, 2022, 2022],
        "status": ["operating", "certified_plan", "cancelled", "certified_plan", "operating",
                   "operating"],
        "certified": [None, "2024-09-06", "2024-09-06", "2023-04-28", None, None],
        **plant_cols})
    owners = pd.DataFrame({
        "plant_id": ["P1", "P2", "P2", "P3", "P4", "C1", "C2"],
        "owner": ["jp1", "cn1", "jp2", "jp3", "jp4", "cn2", "kr1"],
        "owner_iso3": ["JPN", "CHN", "JPN", "JPN", "JPN", "CHN", "KOR"],
        "equity_share": [1.0, 0.8, 0.2, 1.0, None, 1.0, 1.0], "source": source, "note": ""})
    types = pd.DataFrame({"iso3": "CHN", "year": 2021, "measure": "shipments",
                          "anode_type": ["synthetic", "natural"], "share": [0.8, 0.2],
                          "source": source, "quality": "reported", "note": ""})
    return {"midstream_plants": plants, "midstream_plant_owners": owners,
            "midstream_anode_types": types}
