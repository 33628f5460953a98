"""Import dependency: partner shares, net import reliance and shares by country group.

Net import reliance (USGS convention) = (imports - exports) / apparent
consumption, apparent consumption = production + imports - exports, all in
the same unit; it is reported only when production and trade share a unit
(or production is zero, e.g. Japan's mines).

Over all stages together (``stage=None``) the balance is of contained metal
entering the country: mine output plus net imports of every stage. Output of
later stages (refining, intermediates) is made from that metal and is not
added again: Japan's refined copper, made from imported concentrate, is not
domestic supply beside the concentrate (counting both gave copper 45 % instead
of about 100 %). For one stage the balance is that stage's output and trade.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.origins import flow_model


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
        ``production`` is the importer's output of ``stage``; over all
        stages, its mine output (the only new metal in the balance).
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
    stage : str, optional
        One stage of the ladder (``mining`` for ores and concentrates); all
        stages together by default. Quantities are contained metal
        (``quantity_t``; ``gross_t`` is the product weight beside it).
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
    # contained metal throughout: trade converted by the HS map, output by the mining unit
    network = flow_model(dataset, commodity, year).network
    stages = [stage] if stage is not None else list(network.stages)
    rows = []
    for st in stages:
        frame = network.flows_frame(st)
        frame = frame.loc[frame["importer"] == importer]
        rows.append(frame)
    inbound = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["exporter", "importer", "contained_t", "gross_t", "value_kusd"])
    partners = (inbound.groupby("exporter")[["contained_t", "gross_t", "value_kusd"]].sum()
                .rename_axis("partner").reset_index()
                .rename(columns={"contained_t": "quantity_t"}))
    partners["partner"] = partners["partner"].astype(str)
    imports = float(partners["quantity_t"].sum())
    partners["share"] = partners["quantity_t"] / imports if imports > 0 else np.nan
    partners = partners.sort_values("quantity_t", ascending=False, ignore_index=True,
                                    kind="stable")
    partners.insert(1, "country", [dataset.country_name(c) for c in partners["partner"]])
    present = network.has_country(importer)
    k = network.index(importer) if present else None
    exports = float(sum(network.trade(st)[k].sum() for st in stages)) if present else 0.0
    # all stages: only mine output is new metal; later stages transform what came in
    produced_at = stages if stage is not None else [st for st in stages if st == "mining"]
    production = float(sum(network.output(st)[k] for st in produced_at)) if present else 0.0
    apparent = production + imports - exports
    nir = (imports - exports) / apparent if apparent > 0 else np.nan

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
