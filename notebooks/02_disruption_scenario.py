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
# # 02 · A disruption scenario
#
# Which sea lanes does Japan's supply pass, and what does it lose if the Strait of Malacca
# closes while China restricts graphite exports? A scenario is data: the same mapping can be
# written as a TOML file (see `docs/scenarios.md`) and run with `scrisk disruption run`.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import scrisk
from scrisk.disruption import chokepoints, monte_carlo, parse_scenario, run_scenario
from scrisk.report import figures
from scrisk.report.tables import default_year

IMPORTER = "JPN"
LANG = "en"
ds = scrisk.load_dataset()
YEAR = default_year(ds)

# %% [markdown]
# ## Chokepoints on the way to Japan
#
# Share of the importer's direct imports of graphite and cobalt that pass each sea-lane
# chokepoint (routes and shares of `geo/sea_routes.csv`).

# %%
lanes = pd.concat([chokepoints(ds, IMPORTER, c, YEAR, structure=False).sea_lanes
                   for c in ("graphite", "cobalt")], ignore_index=True)
lanes[["commodity", "stage", "chokepoint", "import_share", "supply_share"]].head(12)

# %%
names = ds.chokepoints.set_index("chokepoint_id")["name_ja" if LANG == "ja" else "name_en"]
cobalt = lanes.loc[(lanes["commodity"] == "cobalt") & lanes["chokepoint"].isin(names.index)]
cobalt = cobalt.groupby("chokepoint")["import_share"].max().rename(index=names)
ax = figures.bar_chart(cobalt, lang=LANG, xlabel="Share of cobalt imports passing (%)",
                       source="scrisk routes (geo/sea_routes.csv)")
ax.figure

# %% [markdown]
# ## The scenario
#
# Two shocks, each with a yearly probability: a closure of the Strait of Malacca (all
# commodities) and a 50 % cut of China's graphite exports. Illustrative numbers.

# %%
spec = {
    "name": "Malacca closure and graphite export controls (illustrative)",
    "importer": IMPORTER,
    "shocks": [
        {"id": "malacca", "kind": "sea_lane_closure", "chokepoint": "malacca",
         "probability": 0.05},
        {"id": "graphite", "kind": "export_quota", "country": "CHN", "commodity": "graphite",
         "stage": "refining", "size": 0.5, "probability": 0.3},
    ],
}
scenario = parse_scenario(spec, ds)
scenario.to_frame()

# %% [markdown]
# ## Every shock at once

# %%
result = run_scenario(ds, scenario, year=YEAR)
result.summary().sort_values("loss_share", ascending=False).head(10)

# %% [markdown]
# ## Monte Carlo: each shock happens with its probability
#
# A fixed seed gives the same draws on every run.

# %%
mc = monte_carlo(ds, scenario, runs=1_000, seed=0, year=YEAR)
summary = mc.summary().sort_values("mean_loss_share", ascending=False)
summary[["commodity", "stage", "mean_loss_share", "p95_loss_share", "prob_loss"]].head(8)

# %%
top = summary.head(4)
losses = pd.concat([pd.DataFrame({"label": row.commodity,
                                  "loss": mc.samples[f"{row.commodity}:{row.stage}"]
                                  / row.supply_t})
                    for row in top.itertuples(index=False)], ignore_index=True)
ax = figures.loss_distribution_chart(losses, lang=LANG, source="scrisk Monte Carlo, seed 0")
ax.figure

# %%
plt.close("all")
