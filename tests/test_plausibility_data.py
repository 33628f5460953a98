"""Plausibility of the shipped data against published figures, as bands.

Each band is wide enough for the difference between the publisher's basis and ours (WMD vs
USGS mine totals, IEA's country coverage, rounding) and narrow enough to catch a unit slip or
a wrong row. The published figure and its source are named in each case id and comment.
IEA GCMO 2024 mine figures are as summarised by The Earth & I (2024,
https://theearthandi.org/post/global-critical-minerals-outlook-2024); the USGS MCS 2024
figures are transcribed from memory, to verify.
"""

from __future__ import annotations

import pytest

from scrisk.data.load import load_dataset

LI2O_TO_LI = 0.4645


@pytest.fixture(scope="module")
def shipped():
    return load_dataset()


def mine_share(ds, commodity: str, iso3: str, year: int) -> float:
    prod = ds.production
    rows = prod.loc[(prod["commodity"] == commodity) & (prod["stage"] == "mining")
                    & (prod["year"] == year)]
    return float(rows.loc[rows["iso3"] == iso3, "quantity"].sum() / rows["quantity"].sum())


def processing_share(ds, commodity: str, stage: str, iso3: str, year: int) -> float:
    shares = ds.processing_shares
    rows = shares.loc[(shares["commodity"] == commodity) & (shares["stage"] == stage)
                      & (shares["year"] == year) & (shares["iso3"] == iso3)]
    assert len(rows) == 1, (commodity, stage, iso3, year)
    return float(rows["share"].iloc[0])


# (commodity, iso3, year, low, high): mine shares of world output in production.csv (WMD 2025)
MINE_BANDS = {
    # IEA GCMO 2024: DR Congo 65.4 % (157 of 240 kt); USGS MCS 2024: 170 of 230 kt = 74 %
    "cobalt-COD-2023-IEA65-USGS74": ("cobalt", "COD", 2023, 0.65, 0.76),
    # IEA GCMO 2024: Australia 43.2 % (84 of 194 kt Li); USGS MCS 2024: 86 of 180 kt = 48 %;
    # WMD's world total holds more Chinese and Zimbabwean output, hence the lower band edge
    "lithium-AUS-2023-IEA43-USGS48": ("lithium", "AUS", 2023, 0.38, 0.50),
    # IEA GCMO 2024: Indonesia 51.7 % (1,787 of 3,451 kt); USGS MCS 2024: about 50 %
    "nickel-IDN-2023-IEA52-USGS50": ("nickel", "IDN", 2023, 0.48, 0.58),
    # IEA GCMO 2024: Chile 23.5 % (5,311 of 22,508 kt); USGS MCS 2024: 5.0 of 22 Mt = 23 %
    "copper-CHL-2023-IEA24-USGS23": ("copper", "CHL", 2023, 0.21, 0.26),
    # USGS MCS 2024: China 240 of 350 kt REO = 69 %
    "rare_earths-CHN-2023-USGS69": ("rare_earths", "CHN", 2023, 0.60, 0.72),
    # USGS MCS 2024: China 1.23 of 1.6 Mt natural graphite = 77 %
    "graphite-CHN-2023-USGS77": ("graphite", "CHN", 2023, 0.65, 0.80),
}


@pytest.mark.parametrize("case", sorted(MINE_BANDS))
def test_mine_share_within_published_band(shipped, case):
    commodity, iso3, year, low, high = MINE_BANDS[case]
    assert low <= mine_share(shipped, commodity, iso3, year) <= high


# (commodity, stage, iso3, year, low, high): shares in processing_shares.csv
PROCESSING_BANDS = {
    # IEA: China about 75 % of refined cobalt (GCMO 2024); 78 % in 2024 (Critical Minerals
    # Data Explorer 2025); 74 % in 2022 (Critical Minerals Market Review 2023)
    "cobalt-CHN-2024-IEA78": ("cobalt", "refining", "CHN", 2024, 0.70, 0.85),
    "cobalt-CHN-2022-IEA74": ("cobalt", "refining", "CHN", 2022, 0.70, 0.80),
    # IEA: China about 65 % of lithium chemicals (2022-23), 70 % in 2024
    "lithium-CHN-2022-IEA65": ("lithium", "refining", "CHN", 2022, 0.60, 0.75),
    "lithium-CHN-2024-IEA70": ("lithium", "refining", "CHN", 2024, 0.60, 0.75),
    # IEA / Benchmark: China 90 %+ of battery anode material
    "graphite-CHN-2023-BMI91": ("graphite", "material", "CHN", 2023, 0.88, 1.0),
    "graphite-CHN-2024-IEA96": ("graphite", "material", "CHN", 2024, 0.88, 1.0),
    # IEA: China about 90 % of rare-earth separation (87 % in 2019)
    "rare_earths-CHN-2019-IEA87": ("rare_earths", "refining", "CHN", 2019, 0.85, 0.95),
    "rare_earths-CHN-2024-IEA91": ("rare_earths", "refining", "CHN", 2024, 0.85, 0.95),
    # IEA: China about 90 % of NdFeB magnets; Japan under 9 % (Argus 2022)
    "magnets-CHN-2022-IEA90": ("rare_earths", "material", "CHN", 2022, 0.85, 0.95),
    "magnets-JPN-2022-Argus9": ("rare_earths", "material", "JPN", 2022, 0.05, 0.09),
    # USGS MCS 2025: China 12.0 of 27 Mt refined copper (44 %); IEA GCMO 2024 about 45 %
    "copper-CHN-2023-USGS44": ("copper", "refining", "CHN", 2023, 0.40, 0.48),
    # USGS MCS 2025: Japan 1.49 of 27 Mt refined copper (5.5 %)
    "copper-JPN-2023-USGS5.5": ("copper", "refining", "JPN", 2023, 0.04, 0.07),
    # IEA 2025: Indonesia 43 % of refined nickel (class 1 + class 2) in 2024
    "nickel-IDN-2024-IEA43": ("nickel", "refining", "IDN", 2024, 0.35, 0.50),
}


@pytest.mark.parametrize("case", sorted(PROCESSING_BANDS))
def test_processing_share_within_published_band(shipped, case):
    commodity, stage, iso3, year, low, high = PROCESSING_BANDS[case]
    assert low <= processing_share(shipped, commodity, stage, iso3, year) <= high


def test_processing_shares_add_up_to_one_with_a_rest_of_world_row(shipped):
    shares = shipped.processing_shares
    for key, group in shares.groupby(["commodity", "stage", "year"]):
        assert group["share"].sum() == pytest.approx(1.0, abs=1e-6), key
        assert "ROW" in set(group["iso3"]), key


def test_one_contained_unit_per_commodity_and_stage(shipped):
    shares = shipped.processing_shares
    assert (shares.groupby(["commodity", "stage"])["unit"].nunique() == 1).all()
    units = shares.drop_duplicates(["commodity"]).set_index("commodity")["unit"]
    assert units["lithium"] == "t Li"
    assert units["rare_earths"] == "t REO"


def test_australian_spodumene_to_china_within_australian_mine_output(shipped):
    # the contained lithium shipped cannot exceed what Australia mined (WMD, t Li2O x 0.4645)
    feed = shipped.feed_trade
    aus = feed.loc[(feed["product"] == "spodumene concentrate") & (feed["exporter"] == "AUS")]
    prod = shipped.production
    mined = prod.loc[(prod["commodity"] == "lithium") & (prod["stage"] == "mining")
                     & (prod["iso3"] == "AUS")].set_index("year")["quantity"] * LI2O_TO_LI
    ratio = aus.set_index("year")["contained_t"] / mined.reindex(aus["year"]).to_numpy()
    assert ratio.between(0.5, 1.0).all(), ratio


def test_philippine_hpal_cobalt_equals_philippine_mine_output(shipped):
    feed = shipped.feed_trade
    msp = feed.loc[(feed["commodity"] == "cobalt") & (feed["exporter"] == "PHL")]
    prod = shipped.production
    mined = prod.loc[(prod["commodity"] == "cobalt") & (prod["stage"] == "mining")
                     & (prod["iso3"] == "PHL")].set_index("year")["quantity"]
    for row in msp.itertuples():
        assert row.contained_t == pytest.approx(mined[row.year], rel=1e-9)


@pytest.mark.parametrize("year,customs_gross_t", [
    (2019, 300_000),  # Argus: 295,472 t in 2020, -1.5 % y/y (China customs)
    (2024, 627_600),  # SunSirs: 575,268 t January-November 2024, x 12/11 (China customs)
])
def test_baci_congo_cobalt_intermediates_match_china_customs(shipped, year, customs_gross_t):
    """BACI holds DR Congo's hydroxide to China under HS 810510 in these years."""
    trade = shipped.trade
    rows = trade.loc[(trade["hs6"].astype(str) == "810510") & (trade["exporter"] == "COD")
                     & (trade["importer"] == "CHN") & (trade["year"] == year)]
    gross = rows["quantity_t"].sum()
    assert gross == pytest.approx(customs_gross_t, rel=0.10)


def test_battery_lithium_rows_agree_with_lce(shipped):
    # battery_intensity.csv gives lithium twice (kg LCE and kg Li per kWh, each rounded);
    # battery_needs derives Li from LCE, so the Li rows must agree with it to rounding
    from scrisk.metrics.battery import battery_needs
    from scrisk.network import LI_PER_LCE

    table = shipped.battery_intensity.pivot_table(index="chemistry", columns="material",
                                                  values="kg_per_kwh")
    both = table[["lithium", "lithium_lce"]].dropna()
    assert len(both) >= 5
    assert ((both["lithium"] / (both["lithium_lce"] * LI_PER_LCE) - 1).abs() < 1e-3).all()
    need = battery_needs(shipped, 150, "nickel_rich").set_index("material")["tonnes"]
    assert need["lithium"] == pytest.approx(need["lithium_lce"] * LI_PER_LCE, rel=1e-12)


def test_all_stage_import_reliance_counts_refined_output_once(shipped):
    # Japan mines no copper or cobalt (USGS MCS 2025: no Japanese mine output listed); its
    # refineries run on imported concentrate and intermediates, so over all stages its net
    # import reliance is 100 %. Adding refined output to imported concentrate gave 45 % / 34 %.
    from scrisk.metrics.dependency import import_dependency

    for commodity in ("copper", "cobalt"):
        dep = import_dependency(shipped, "JPN", commodity, 2024, groups=[])
        assert dep.production == 0.0, commodity
        assert dep.net_import_reliance == pytest.approx(1.0), commodity
    # one stage keeps that stage's balance: refined copper output is Japan's own
    refined = import_dependency(shipped, "JPN", "copper", 2024, stage="refining", groups=[])
    assert refined.production == pytest.approx(1.6e6, rel=0.05)  # USGS MCS 2025: 1.6 Mt


def test_criticality_names_stages_without_trade(shipped):
    # refined tin (HS 8001) is absent from the shipped trade: Japan's tin import value there is
    # ore only (tens of kUSD against hundreds of millions for metal), which must be said
    from scrisk.metrics.criticality import criticality

    table = criticality(shipped, "JPN", 2024, ["tin", "copper"]).set_index("commodity")
    assert table.loc["tin", "stages_not_traded"] == "refining"
    assert "refining" in table.loc["copper", "stages_not_traded"]
    assert any(note.startswith("tin:") for note in table.attrs["notes"])
    assert table.loc["copper", "import_reliance"] == pytest.approx(1.0)


# (commodity, year, published world mine output in contained tonnes, low, high): the flow
# model's mining stage (contained metal: lithium converted from WMD's t Li2O, the unit trap)
# against IEA GCMO 2024 world totals (as summarised above) and USGS MCS 2024.
WORLD_MINE_BANDS = {
    # IEA GCMO 2024: 22,508 kt Cu in 2023; USGS MCS 2024: 22 Mt
    "copper-2023-IEA22508kt": ("copper", 2023, 22_508_000, 0.93, 1.07),
    # IEA GCMO 2024: 3,451 kt Ni in 2023; USGS MCS 2024: 3.6 Mt
    "nickel-2023-IEA3451kt": ("nickel", 2023, 3_451_000, 0.93, 1.12),
    # IEA GCMO 2024: 240 kt Co in 2023; USGS MCS 2024: 230 kt. WMD's 199 kt is lower
    "cobalt-2023-IEA240kt": ("cobalt", 2023, 240_000, 0.80, 1.05),
    # IEA GCMO 2024: 194 kt Li in 2023; USGS MCS 2024: 180 kt. WMD counts more Chinese and
    # Zimbabwean output (232 kt Li); t Li2O read as t Li would be 2.15x
    "lithium-2023-IEA194kt": ("lithium", 2023, 194_000, 0.90, 1.25),
    # USGS MCS 2024: 350 kt REO in 2023 (to verify)
    "rare_earths-2023-USGS350kt": ("rare_earths", 2023, 350_000, 0.90, 1.20),
    # USGS MCS 2024: 1.6 Mt natural graphite in 2023 (to verify)
    "graphite-2023-USGS1600kt": ("graphite", 2023, 1_600_000, 0.90, 1.15),
}


@pytest.mark.parametrize("case", sorted(WORLD_MINE_BANDS))
def test_world_mine_output_in_contained_metal_within_published_band(shipped, case):
    from scrisk.origins import flow_model

    commodity, year, published, low, high = WORLD_MINE_BANDS[case]
    mined = float(flow_model(shipped, commodity, year).network.output("mining").sum())
    assert low <= mined / published <= high, mined


@pytest.mark.xfail(strict=True, reason="audit 2026-12-02: rare-earth refining rows of "
                   "processing_shares.csv (IEA 2024) count magnet REEs only (Nd, Pr, Dy, Tb: "
                   "80.8 kt) under the unit 't REO' that mining uses for all REEs (394 kt); "
                   "China's yearly smelting-and-separation quota alone is above 200 kt REO (MIIT, to verify)")
def test_rare_earth_refining_and_mining_share_one_basis(shipped):
    from scrisk.origins import flow_model

    network = flow_model(shipped, "rare_earths", 2024).network
    refined, mined = network.output("refining").sum(), network.output("mining").sum()
    assert refined >= 0.5 * mined


def test_refining_share_before_the_first_publication_is_the_nearest_one(shipped):
    # IEA: China 65 % of refined cobalt in 2019, 74 % in 2022, 78 % in 2024. For 2018 the
    # nearest publication is 2019's; carrying 2024's back made the summary say "78 % in
    # 2024, about the same as in 2018 (78 %)"
    from scrisk.metrics.concentration import stage_shares
    from scrisk.metrics.summary import concentration_trend, key_findings

    early = stage_shares(shipped, "cobalt", "refining", 2018)
    assert early.attrs["share_year"] == 2019 and early["CHN"] == pytest.approx(0.65)
    trend = concentration_trend(shipped, ["cobalt", "manganese"], stages=("refining",))
    found = key_findings(trend, n=5).set_index("commodity")
    assert found.loc["cobalt", "first_value"] == pytest.approx(0.65)
    assert found.loc["cobalt", "first_year"] == 2019
    # manganese refining has one publication (2022): no change is claimed, the year is 2022
    assert found.loc["manganese", "year"] == 2022
    assert found.loc["manganese", "first_value"] == found.loc["manganese", "value"]
