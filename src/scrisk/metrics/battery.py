"""Battery material needs: GWh x chemistry mix x kg/kWh, and coverage by secured supply.

tonnes of material m = GWh x 1,000 x sum over chemistries c of share_c x kg_per_kwh(c, m)
(1 GWh = 10^6 kWh and 1 kg/kWh x 10^6 kWh = 1,000 t).
"""

from __future__ import annotations

import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.metrics.self_sufficiency import secured_shares

# Which material of the intensity table each supplier commodity provides.
MATERIAL_OF_COMMODITY = {
    "lithium": "lithium_lce",
    "nickel": "nickel",
    "cobalt": "cobalt",
    "manganese": "manganese",
    "graphite": "graphite",
}
TONNES_PER_GWH_PER_KG_PER_KWH = 1_000.0


def chemistry_mix(dataset: Dataset, scenario: str) -> pd.Series:
    """Chemistry shares of a scenario in ``battery_scenarios.csv``."""
    mixes = dataset.battery_scenarios
    rows = mixes.loc[mixes["scenario"] == scenario]
    if rows.empty:
        raise UnknownChoiceError("battery scenario", scenario, mixes["scenario"].unique())
    return rows.set_index("chemistry")["share"]


def battery_needs(dataset: Dataset, gwh: float = 150.0, scenario: str | None = None,
                  mix: pd.Series | None = None) -> pd.DataFrame:
    """Tonnes of each material needed per year to make ``gwh`` of cells.

    Parameters
    ----------
    dataset : Dataset
    gwh : float
        Annual cell production in GWh (must be >= 0).
    scenario : str, optional
        Chemistry-mix scenario name from ``battery_scenarios.csv``.
    mix : pandas.Series, optional
        Chemistry -> share, instead of a named scenario (shares must sum to 1).

    Returns
    -------
    pandas.DataFrame
        ``material, tonnes`` plus one column per chemistry with its part.

    Examples
    --------
    >>> import pandas as pd
    >>> from scrisk import load_dataset
    >>> need = battery_needs(load_dataset(), 1.0, mix=pd.Series({"LFP": 1.0}))
    >>> bool((need["tonnes"] >= 0).all())
    True
    """
    if gwh < 0:
        raise ValueError(f"gwh must be >= 0, got {gwh}")
    if mix is None:
        if scenario is None:
            raise ValueError("give a scenario name or a chemistry mix")
        mix = chemistry_mix(dataset, scenario)
    if abs(float(mix.sum()) - 1.0) > 1e-6:
        raise ValueError(f"chemistry shares must sum to 1, got {float(mix.sum()):.6g}")
    intensity = dataset.battery_intensity.pivot_table(
        index="material", columns="chemistry", values="kg_per_kwh", aggfunc="sum", fill_value=0.0)
    unknown = sorted(set(mix.index) - set(intensity.columns))
    if unknown:
        raise UnknownChoiceError("chemistry", unknown[0], intensity.columns)
    parts = intensity[list(mix.index)] * mix.to_numpy() * gwh * TONNES_PER_GWH_PER_KG_PER_KWH
    table = parts.copy()
    table.insert(0, "tonnes", parts.sum(axis=1))
    table = table.reset_index().rename_axis(columns=None)
    return table.sort_values("material", ignore_index=True)


def battery_coverage(dataset: Dataset, gwh: float = 150.0, scenario: str | None = None,
                     iso3: str = "JPN", mix: pd.Series | None = None) -> pd.DataFrame:
    """Needs of ``gwh`` of cells against the supply secured by ``iso3``'s companies.

    Secured supply counts operating mines and refineries (refinery output is
    used where a country's companies hold refineries but no mines of the
    material, to avoid counting the same metal twice).

    Returns
    -------
    pandas.DataFrame
        ``material, need_t, secured_t, coverage`` (secured / need, may exceed 1).
    """
    need = battery_needs(dataset, gwh, scenario, mix)[["material", "tonnes"]]
    need = need.rename(columns={"tonnes": "need_t"})
    held = secured_shares(dataset, iso3)
    held = held.loc[held["status"] == "operating"]
    held = held.loc[held["commodity"].isin(list(MATERIAL_OF_COMMODITY))]
    by_stage = held.groupby(["commodity", "stage"])["secured_t"].sum().unstack(fill_value=0.0)
    mining = by_stage.get("mining", pd.Series(0.0, index=by_stage.index))
    refining = by_stage.get("refining", pd.Series(0.0, index=by_stage.index))
    secured = mining.where(mining > 0, refining)
    secured.index = secured.index.map(MATERIAL_OF_COMMODITY)
    need["secured_t"] = need["material"].map(secured).fillna(0.0).astype(float)
    need["coverage"] = need["secured_t"] / need["need_t"].where(need["need_t"] > 0)
    return need.loc[need["material"].isin(list(MATERIAL_OF_COMMODITY.values()))].reset_index(
        drop=True)
