"""Import dependency: partner shares, net import reliance and shares by country group.

Net import reliance (USGS convention) = (imports - exports) / apparent
consumption, apparent consumption = production + imports - exports, all in
the same unit; it is reported only when production and trade share a unit
(or production is zero, e.g. Japan's mines).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset


@dataclass(frozen=True)
class ImportDependency:
    """Import dependency of one importer on one commodity in one year.

    Attributes
    ----------
    importer, commodity : str
    year : int
    stage : str or None
        Trade stage covered (``None`` = all stages together).
    partners : pandas.DataFrame
        ``partner, country, quantity_t, value_kusd, share`` (share of
        quantity), largest first.
    groups : pandas.DataFrame
        ``group, share, quantity_t``: share of imports from each country group.
    imports_t, exports_t, production : float
    net_import_reliance : float
        NaN when production and trade are not in one unit.
    """

    importer: str
    commodity: str
    year: int
    stage: str | None
    partners: pd.DataFrame
    groups: pd.DataFrame
    imports_t: float
    exports_t: float
    production: float
    net_import_reliance: float

    def summary(self) -> pd.DataFrame:
        """One-row overview."""
        top = self.partners.head(1)
        return pd.DataFrame([{
            "importer": self.importer, "commodity": self.commodity, "year": self.year,
            "stage": self.stage or "all", "imports_t": self.imports_t,
            "exports_t": self.exports_t, "production": self.production,
            "net_import_reliance": self.net_import_reliance,
            "top_partner": top["partner"].iloc[0] if len(top) else None,
            "top_share": float(top["share"].iloc[0]) if len(top) else np.nan,
        }])


def import_dependency(dataset: Dataset, importer: str, commodity: str, year: int,
                      stage: str | None = None, groups: Iterable[str] | None = None
                      ) -> ImportDependency:
    """Partner shares, net import reliance and group shares of an importer.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or name.
    commodity : str
    year : int
    stage : {"mining", "refining"}, optional
        Restrict to ores (mining) or refined products; all by default.
    groups : iterable of str, optional
        Country groups of ``country_groups.csv`` (default: all groups).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> dep = import_dependency(load_dataset(), "JPN", "copper", 2022)
    >>> round(float(dep.partners["share"].sum()), 6)
    1.0
    """
    importer = dataset.check_country(importer)
    dataset.check_commodity(commodity)
    year = dataset.check_year(year, "trade")
    trade = dataset.trade
    trade = trade.loc[(trade["commodity"] == commodity) & (trade["year"] == year)]
    if stage is not None:
        trade = trade.loc[trade["stage"] == stage]
    inbound = trade.loc[trade["importer"] == importer]
    partners = (inbound.groupby("exporter", observed=True)[["quantity_t", "value_kusd"]].sum()
                .rename_axis("partner").reset_index())
    partners["partner"] = partners["partner"].astype(str)
    imports = float(partners["quantity_t"].sum())
    partners["share"] = partners["quantity_t"] / imports if imports > 0 else np.nan
    partners = partners.sort_values("quantity_t", ascending=False, ignore_index=True,
                                    kind="stable")
    partners.insert(1, "country", [dataset.country_name(c) for c in partners["partner"]])
    exports = float(trade.loc[trade["exporter"] == importer, "quantity_t"].sum())

    prod = dataset.production
    prod = prod.loc[(prod["commodity"] == commodity) & (prod["year"] == year)
                    & (prod["iso3"] == importer)]
    if stage is not None:
        prod = prod.loc[prod["stage"] == stage]
    production = float(prod["quantity"].sum())
    units = set(prod["unit"]) if production > 0 else {"t"}
    apparent = production + imports - exports
    nir = (imports - exports) / apparent if units == {"t"} and apparent > 0 else np.nan

    table = dataset.country_groups
    names = list(groups) if groups is not None else sorted(table["group"].unique())
    rows = []
    for name in names:
        members = dataset.group_members(name)
        mask = partners["partner"].isin(members)
        qty = float(partners.loc[mask, "quantity_t"].sum())
        rows.append({"group": name, "quantity_t": qty,
                     "share": qty / imports if imports > 0 else np.nan})
    return ImportDependency(importer, commodity, year, stage, partners,
                            pd.DataFrame(rows, columns=["group", "quantity_t", "share"]),
                            imports, exports, production, float(nir))
