# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · One commodity's supply chain
#
# Where does Japan's cobalt come from, how concentrated is its mining and refining, and how
# has its geopolitical supply risk moved? Everything below uses scrisk's public functions on the
# shipped dataset; change `COMMODITY`, `IMPORTER` or `LANG` and run again.

# %%
import matplotlib.pyplot as plt

import scrisk
from scrisk.metrics.concentration import concentration
from scrisk.metrics.dependency import import_dependency
from scrisk.metrics.exposure import lookthrough_exposure, partner_origin_flows
from scrisk.metrics.geopolrisk import geopolrisk_table
from scrisk.report import figures, maps
from scrisk.report.tables import default_year, stage_share_table

COMMODITY = "cobalt"
IMPORTER = "JPN"
LANG = "en"  # "ja" for Japanese labels

ds = scrisk.load_dataset()
YEAR = default_year(ds)
names = {iso3: ds.country_name(iso3, LANG) for iso3 in ds.countries["iso3"]}
print(f"data year: {YEAR}")

# %% [markdown]
# ## Concentration of mining and refining
#
# HHI on country shares (0–1), top-1 and top-3 shares, effective number of suppliers (1/HHI) and
# the governance-weighted HHI of the EU criticality method.

# %%
concentration(ds, COMMODITY, year=YEAR)

# %%
shares = stage_share_table(ds, COMMODITY, YEAR)
ax = figures.stage_shares_chart(shares, lang=LANG, names=names,
                                source="World Mining Data 2025; USGS / IEA refining shares")
# the last value of a cell is displayed: here, the chart
ax.figure

# %%
ax = maps.choropleth(shares.loc[shares["stage"] == "mining"].set_index("iso3")["share"],
                     lang=LANG, chokepoints=ds.chokepoints, highlight=IMPORTER,
                     legend_label="Share of world mine production",
                     source="World Mining Data 2025; Natural Earth")
ax.figure

# %% [markdown]
# ## Where the importer buys it, and where it was really mined
#
# Direct shares are by exporting country; the mined shares trace the supply back, stage by
# stage, to the country where the ore was mined. Feed that cannot be traced keeps its own label
# (`untraced:<country>`, `unattributed`): a data gap shown, never given to the refiner.

# %%
dep = import_dependency(ds, IMPORTER, COMMODITY, YEAR)
dep.summary()

# %%
exposure = lookthrough_exposure(ds, IMPORTER, COMMODITY, YEAR, stage="refining")
exposure.head(10)

# %%
flows = partner_origin_flows(ds, IMPORTER, COMMODITY, YEAR, stage="refining")
flows = flows.rename(columns={"supplier": "via", "tonnes": "share"})
flows["share"] = flows["share"] / flows["share"].sum()
labels = {**names, **dict(zip(exposure["iso3"], exposure["country"]))}
ax = figures.flow_diagram(flows, lang=LANG, importer=IMPORTER, names=labels,
                          source="CEPII BACI; World Mining Data 2025")
ax.figure

# %%
mined = exposure.loc[exposure["kind"] == "mined"].set_index("iso3")["mined_share"]
ax = maps.choropleth(mined, lang=LANG, chokepoints=ds.chokepoints, highlight=IMPORTER,
                     legend_label="Share of the importer's supply (mined in)")
ax.figure

# %% [markdown]
# ## GeoPolRisk over time
#
# HHI of world mine production × import risk (partners' political stability weighted by import
# shares), computed for every year in one vectorised call.

# %%
trend = geopolrisk_table(ds, [IMPORTER], [COMMODITY], ds.years("production"))
ax = figures.risk_trend_chart(trend, lang=LANG, source="World Mining Data; BACI; WGI")
ax.figure

# %%
trend[["year", "hhi", "import_risk", "score"]]

# %%
plt.close("all")
