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
# # 03 · Score candidate projects and optimise a portfolio
#
# Which rights-acquisition projects best close Japan's 2030 targets (base-metal
# self-sufficiency ≥ 80 %, materials for 150 GWh/yr of batteries) within a budget? A budget is
# voted for a purpose: the default run spends the FY2024 supplementary budget's 1,597 oku-yen
# envelope (policy_targets.csv) on base metals only. Candidate costs and stakes in the shipped
# data are partly illustrative.

# %%
import matplotlib.pyplot as plt
import pandas as pd

import scrisk
from scrisk.optimize import optimize_portfolio, portfolio_frontier, score_candidates
from scrisk.report import figures

LANG = "en"
ds = scrisk.load_dataset()
BUDGET = 1597.0  # oku yen: the FY2024 supplementary budget's base-metal envelope

# %% [markdown]
# ## Ranking
#
# One transparent column per part of the score; `explain` shows how a score was made.

# %%
scores = score_candidates(ds, 2030)
scores.summary().head(10)

# %%
print(scores.explain(scores.table["project_id"].iloc[0]))

# %% [markdown]
# ## The optimal portfolio within the policy's budget envelope
#
# OR-Tools CP-SAT: close the targets' shortfalls first, then spend as little as possible, then
# diversify. An impossible target is answered with the closest portfolio and its shortfall.
# Without a budget argument the envelopes of `policy_targets.csv` apply (base metals, 1,597
# oku-yen); `budgets={"base_metals": 1597, "battery": 800}` adds a battery envelope.

# %%
result = optimize_portfolio(ds, target_year=2030, workers=2, seed=0)
result.envelopes[["envelope", "commodities", "budget_oku_yen", "spend_oku_yen"]]

# %%
result.selected[["project_id", "name", "commodity", "iso3", "stake", "cost_oku_yen",
                 "secured_t"]]

# %%
result.targets[["name", "target", "baseline", "achieved", "shortfall", "met"]]

# %% [markdown]
# What would reaching each target cost at the candidates' cost per tonne, and why is it out of
# reach? (cheapest tonnes first, any stake: a lower bound on the cost)

# %%
result.target_costs[["name", "needed_t", "available_t", "max_achievable",
                     "cost_to_reach_oku_yen", "reason"]]

# %% [markdown]
# ## Budget frontier
#
# Progress toward each target (achieved / required) as the base-metal envelope grows; battery
# materials have no envelope in the policy data, so only base-metal self-sufficiency moves,
# until the base-metal candidates run out.

# %%
frontier = portfolio_frontier(ds, [0, BUDGET / 2, BUDGET, 2 * BUDGET], 2030, workers=2, seed=0)
targets = result.targets.set_index("name")["target"]
rows = []
for _, row in frontier.table.iterrows():
    for name, required in targets.items():
        rows.append({"budget_oku_yen": row["budget_oku_yen"], "target": name,
                     "progress": min(1.0, row[f"achieved:{name}"] / required)})
ax = figures.budget_frontier_chart(pd.DataFrame(rows), lang=LANG,
                                   source="scrisk candidates; OR-Tools CP-SAT")
frontier.table[["budget_oku_yen", "spend_oku_yen", "total_shortfall_pp", "mean_hhi"]]

# %%
plt.close("all")
