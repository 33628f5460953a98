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
# # 04 · Demand paths: electrified car sales → battery GWh → material needs
#
# How much battery material does Japan's own car market need, year by year to 2035, if new
# passenger-car sales reach 100 % electrified in 2035 (the policy target), or if
# electrification stays mostly hybrid? Two paths ship in `paths/`; both start from the
# published 2024 sales mix (57 % electrified). Sales shares after 2024, battery sizes and
# stationary storage are the paths' assumptions (marked in the files); the chain is in
# docs/methods.md ("Demand paths").

# %%
import matplotlib.pyplot as plt
import pandas as pd

import scrisk
from scrisk.metrics.demand import (
    demand_coverage,
    demand_gwh,
    demand_needs,
    load_path,
    observed_gwh,
    plot_demand_paths,
    shipped_paths,
    target_comparison,
)

ds = scrisk.load_dataset()
paths = {name: load_path(file, ds) for name, file in shipped_paths().items()}
{name: p.name for name, p in paths.items()}

# %% [markdown]
# ## 2024: what the published sales imply
#
# Sales by powertrain (JADA and Zenkeijikyo figures; `quality` says which are derived) times
# lithium-ion kWh per vehicle (low, central, high).

# %%
observed_gwh(ds, 2024).round(3)

# %% [markdown]
# ## Battery GWh per year, with the range from battery sizes

# %%
gwh = {name: demand_gwh(p) for name, p in paths.items()}
ax = plot_demand_paths(gwh, reference=150.0, reference_label="150 GWh domestic target (2030)")
ax.set_title("Domestic battery demand by path")
plt.show()
pd.concat({name: t.set_index("year")[["electrified_share", "gwh_low", "gwh", "gwh_high"]]
           for name, t in gwh.items()}, axis=1).round(2)

# %% [markdown]
# ## Material needs (calibrated: material bought, lithium as LCE)

# %%
needs = {name: demand_needs(ds, p) for name, p in paths.items()}
lithium = {name: t.loc[t["material"] == "lithium_lce"] for name, t in needs.items()}
ax = plot_demand_paths(lithium, column="need_t")
ax.set_title("Lithium need, t LCE per year")
plt.show()
needs["policy_2035"].pivot(index="year", columns="material", values="need_t").round(0)

# %% [markdown]
# ## 2030 beside 150 GWh and METI's 600 GWh figures
#
# The domestic manufacturing target (150 GWh) is far above what the domestic car market needs
# even on the policy path: the base serves exports. METI's material figures are for 600 GWh
# of Japanese companies' capacity worldwide.

# %%
target_comparison(ds, paths["policy_2035"], 2030).round(3)

# %% [markdown]
# ## Coverage by secured supply, with and without two lithium projects
#
# Existing stakes at their facilities' latest output (held flat), plus chosen candidates from
# their online year (stake × output × success probability, ramping up).

# %%
base = demand_coverage(ds, paths["policy_2035"])
chosen = demand_coverage(ds, paths["policy_2035"],
                         ["CAND-LI-USA-THACKERPASS", "CAND-LI-SRB-JADAR"])
view = pd.DataFrame({
    "need_t": base.set_index(["year", "material"])["need_t"],
    "coverage_existing": base.set_index(["year", "material"])["coverage"],
    "coverage_with_projects": chosen.set_index(["year", "material"])["coverage"],
})
view.xs("lithium_lce", level="material").round(2)
