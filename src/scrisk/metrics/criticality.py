"""Criticality matrix: supply risk against economic importance, per commodity, for one importer.

Supply risk follows the structure of the EU criticality methodology
(European Commission 2017, section 3.2):

    SR = [GHHI_world x IR/2 + GHHI_sourcing x (1 - IR/2)] x (1 - EoL_RIR)

GHHI_world is the governance-weighted HHI of world mine production,
GHHI_sourcing the governance-weighted HHI of the importer's own import
partners, IR the importer's net import reliance (0..1) and EoL_RIR the
end-of-life recycling input rate. The substitution index of the EU method is
not held in the data and is taken as 1 (no substitute), which overstates risk
where substitutes exist.

Economic importance here is a documented proxy, not the EU's value-added
measure (which needs sector accounts scrisk does not ship): the importer's
import value of the commodity, scaled to 0..10 on a log scale between the
smallest and largest import value of the commodities compared.

IR is over all traded stages in contained metal (mine output + net imports of
every stage: see :mod:`scrisk.metrics.dependency`). Import value and sourcing
cover only the stages the shipped trade holds: a ladder stage whose HS codes
have no trade rows at all (refined tin, refined copper) is named in
``stages_not_traded`` and in ``table.attrs["notes"]``, since import value,
economic importance and sourcing then leave that stage out.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.metrics.concentration import concentration_of, latest_wgi, stage_shares
from scrisk.metrics.dependency import import_dependency


def criticality(dataset: Dataset, importer: str = "JPN", year: int | None = None,
                commodities: Iterable[str] | None = None) -> pd.DataFrame:
    """Supply risk and economic importance of each commodity for one importer.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or name.
    year : int, optional
        Defaults to the latest year with both production and trade.
    commodities : iterable of str, optional
        Default: every commodity with mine production and trade data.

    Returns
    -------
    pandas.DataFrame
        ``commodity, supply_risk, economic_importance, ghhi_world,
        ghhi_sourcing, import_reliance, eol_rir, import_value_kusd,
        stages_not_traded`` (``;``-joined ladder stages with no trade rows in
        the data, empty when every stage is held); ``attrs["notes"]`` says so
        in words.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = criticality(load_dataset(), "JPN", 2022, ["cobalt", "copper"])
    >>> list(table["commodity"])
    ['cobalt', 'copper']
    """
    importer = dataset.check_country(importer)
    if year is None:
        year = min(dataset.years("production")[-1], dataset.years("trade")[-1])
    year = dataset.check_year(year)
    com = dataset.commodities.set_index("commodity")
    wanted = list(commodities) if commodities is not None else list(com.index)
    wgi = latest_wgi(dataset, year)
    untraded = stages_not_traded(dataset)
    rows = []
    notes = []
    for commodity in wanted:
        dataset.check_commodity(commodity)
        world = stage_shares(dataset, commodity, "mining", year)
        if world.empty or world.sum() <= 0:
            continue
        dep = import_dependency(dataset, importer, commodity, year, groups=[])
        if dep.imports_t <= 0:
            continue
        sourcing = dep.partners.set_index("partner")["share"]
        ghhi_world = float(concentration_of(world, wgi)["gov_hhi"])
        ghhi_sourcing = float(concentration_of(sourcing, wgi)["gov_hhi"])
        reliance = dep.net_import_reliance
        reliance = 1.0 if np.isnan(reliance) else float(np.clip(reliance, 0.0, 1.0))
        eol = com.at[commodity, "eol_rir"]
        eol = 0.0 if pd.isna(eol) else float(eol)
        risk = (ghhi_world * reliance / 2 + ghhi_sourcing * (1 - reliance / 2)) * (1 - eol)
        rows.append({"commodity": commodity, "supply_risk": risk, "ghhi_world": ghhi_world,
                     "ghhi_sourcing": ghhi_sourcing, "import_reliance": reliance,
                     "eol_rir": eol, "import_value_kusd": float(dep.partners["value_kusd"].sum()),
                     "stages_not_traded": ";".join(untraded.get(commodity, []))})
        if untraded.get(commodity):
            notes.append(f"{commodity}: no trade rows for stage {', '.join(untraded[commodity])} "
                         "(HS codes mapped, none in the shipped trade): import value, economic "
                         "importance and sourcing leave that stage out")
    table = pd.DataFrame(rows, columns=["commodity", "supply_risk", "ghhi_world",
                                        "ghhi_sourcing", "import_reliance", "eol_rir",
                                        "import_value_kusd", "stages_not_traded"])
    table.insert(2, "economic_importance", economic_importance(table["import_value_kusd"]))
    table.attrs["notes"] = notes
    return table


def stages_not_traded(dataset: Dataset) -> dict[str, list[str]]:
    """Per commodity, the ladder stages whose HS codes have no row in the trade table.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> stages_not_traded(load_dataset())["tin"]
    ['refining']
    """
    hs_map = dataset.hs_map
    held = set(dataset.trade["hs6"].astype(str).unique())
    feed = dataset.feed_trade
    curated = set(zip(feed["commodity"].astype(str), feed["stage"].astype(str), strict=True))
    missing: dict[str, list[str]] = {}
    for (commodity, stage), group in hs_map.groupby(["commodity", "stage"], sort=True):
        if not held.intersection(group["hs6"].astype(str)):
            label = (f"{stage} (key flows of feed_trade.csv only)"
                     if (commodity, stage) in curated else str(stage))
            missing.setdefault(str(commodity), []).append(label)
    return missing


def economic_importance(import_value: pd.Series) -> pd.Series:
    """Import value scaled to 0..10 on a log scale (min -> 0, max -> 10).

    Examples
    --------
    >>> economic_importance(pd.Series([10.0, 100.0, 1000.0])).tolist()
    [0.0, 5.0, 10.0]
    """
    logs = np.log10(import_value.clip(lower=1.0).astype(float))
    low, high = logs.min(), logs.max()
    if not np.isfinite(low) or high == low:
        return pd.Series(10.0, index=import_value.index)
    return (10.0 * (logs - low) / (high - low)).round(12)
