"""Self-sufficiency ratio of base metals, Japan's definition, for any country.

ratio = (equity supply + domestic recycling) / domestic demand, where the
equity supply is the sum over mines of the country's companies' share of
each mine's output (offtake share where one is reported, else equity share).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset

BASE_METALS_ROW = "base_metals"
TARGET_METRIC = "base_metal_self_sufficiency"


def secured_shares(dataset: Dataset, iso3: str = "JPN", basis: str = "offtake_or_equity"
                   ) -> pd.DataFrame:
    """Share of each facility's output secured by companies of ``iso3``.

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
        Country of the owners (``owner_iso3``).
    basis : {"offtake_or_equity", "equity", "offtake"}
        ``offtake_or_equity`` takes an owner's offtake share where reported,
        else its equity share (Japan's definition counts both); ``equity``
        and ``offtake`` use one column only (offtake missing counts as 0).

    Returns
    -------
    pandas.DataFrame
        One row per facility with any such owner: ``facility_id``,
        ``commodity``, ``stage``, ``iso3`` (facility country), ``status``,
        ``output_t``, ``unit``, ``secured_share`` (capped at 1) and
        ``secured_t`` = share x output.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = secured_shares(load_dataset(), "JPN")
    >>> bool((table["secured_share"] <= 1).all())
    True
    """
    owners = dataset.ownership
    # undated callers get the stakes held now (open-ended rows)
    current = owners["valid_to"].isna() if "valid_to" in owners else True
    owners = owners.loc[(owners["owner_iso3"] == iso3) & current]
    if basis == "equity":
        share = owners["equity_share"]
    elif basis == "offtake":
        share = owners["offtake_share"].fillna(0.0)
    elif basis == "offtake_or_equity":
        share = owners["offtake_share"].fillna(owners["equity_share"])
    else:
        raise ValueError(f"basis must be 'offtake_or_equity', 'equity' or 'offtake', got {basis!r}")
    per_facility = share.groupby(owners["facility_id"]).sum().clip(upper=1.0)
    facilities = dataset.facilities.set_index("facility_id")
    table = facilities.loc[per_facility.index, ["commodity", "stage", "iso3", "status",
                                                 "output_t", "unit"]].copy()
    table["secured_share"] = per_facility.to_numpy()
    table["secured_t"] = table["secured_share"] * table["output_t"].fillna(0.0)
    return table.reset_index().sort_values(["commodity", "secured_t"], ascending=[True, False],
                                           ignore_index=True, kind="stable")


def equity_supply(dataset: Dataset, iso3: str = "JPN", stage: str = "mining",
                  basis: str = "offtake_or_equity") -> pd.Series:
    """Secured output of operating facilities of one stage, per commodity (tonnes).

    Facility outputs are the figures of their reported year and are held
    constant across years (documented in docs/methods.md).
    """
    table = secured_shares(dataset, iso3, basis)
    table = table.loc[(table["stage"] == stage) & (table["status"] == "operating")]
    return table.groupby("commodity")["secured_t"].sum().rename("equity_t")


def export_share_to(dataset: Dataset, importer: str, commodity: str, year: int,
                    stage: str = "mining") -> pd.Series:
    """Share of each country's exports of one stage that goes to ``importer``.

    Uses the trade year nearest to ``year`` when ``year`` has no trade data.
    """
    years = dataset.years("trade")
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    rows = dataset.select("trade", commodity=commodity, year=nearest)
    rows = rows.loc[rows["stage"] == stage]
    exports = rows.groupby("exporter", observed=True)["quantity_t"].sum()
    to_importer = rows.loc[rows["importer"] == importer].groupby(
        "exporter", observed=True)["quantity_t"].sum()
    share = (to_importer / exports).reindex(exports.index).fillna(0.0)
    share.index = share.index.astype(str)
    return share.clip(0.0, 1.0)


def procured_supply(dataset: Dataset, iso3: str, commodity: str, year: int,
                    basis: str = "offtake_or_equity") -> float:
    """Secured mine output that plausibly reaches ``iso3``: a proxy of procurement.

    Each mine's secured tonnes x the share of its country's ore exports that
    go to ``iso3`` (BACI, nearest trade year). Official ratios count what the
    country's companies actually procure from their mines; this proxy scales
    the equity entitlement by the observed trade instead of company surveys.
    """
    table = secured_shares(dataset, iso3, basis)
    table = table.loc[(table["commodity"] == commodity) & (table["stage"] == "mining")
                      & (table["status"] == "operating")]
    if table.empty:
        return 0.0
    share = export_share_to(dataset, iso3, commodity, year)
    weights = table["iso3"].astype(str).map(share).fillna(0.0)
    return float((table["secured_t"] * weights).sum())


def self_sufficiency(dataset: Dataset, iso3: str = "JPN", years: Iterable[int] | None = None,
                     commodities: Iterable[str] | None = None,
                     basis: str = "offtake_or_equity") -> pd.DataFrame:
    """Self-sufficiency ratio per base metal and for the base metals together.

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
        The consuming country; its demand and recycling come from
        ``consumption.csv``, its companies' stakes from ``ownership.csv``.
    years : iterable of int, optional
        Years with demand data (default: all).
    commodities : iterable of str, optional
        Metals to include (default: the ``base_metal`` group with demand data).
    basis : str
        See :func:`secured_shares`.

    Returns
    -------
    pandas.DataFrame
        Columns ``commodity, year, equity_t, procured_t, recycling_t,
        demand_t, ratio, ratio_procured, reported_ratio, target,
        gap_to_target`` with one ``base_metals`` row per year aggregating the
        metals (sum of numerators / sum of demand). ``ratio`` follows the
        definition (equity or offtake entitlement); ``ratio_procured`` uses
        :func:`procured_supply`, closer to how the official figure counts.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = self_sufficiency(load_dataset(), "JPN")
    >>> sorted(set(table["commodity"]))[:2]
    ['base_metals', 'copper']
    """
    com = dataset.commodities
    if commodities is None:
        commodities = com.loc[com["group"] == "base_metal", "commodity"]
    wanted = [dataset.check_commodity(c) for c in commodities]
    cons = dataset.consumption
    cons = cons.loc[(cons["iso3"] == iso3) & cons["commodity"].isin(wanted)
                    & cons["demand_t"].notna()]
    if years is not None:
        cons = cons.loc[cons["year"].isin(list(years))]
    equity = equity_supply(dataset, iso3, "mining", basis)
    table = cons[["commodity", "year", "recycling_t", "demand_t",
                  "reported_self_sufficiency"]].copy()
    table["recycling_t"] = table["recycling_t"].fillna(0.0)
    table["equity_t"] = table["commodity"].map(equity).fillna(0.0).astype(float)
    table["procured_t"] = [procured_supply(dataset, iso3, c, int(y), basis)
                           for c, y in zip(table["commodity"], table["year"], strict=True)]
    agg = table.groupby("year", as_index=False)[["equity_t", "procured_t", "recycling_t",
                                                  "demand_t"]].sum()
    agg["commodity"] = BASE_METALS_ROW
    reported = dataset.consumption
    reported = reported.loc[(reported["iso3"] == iso3)
                            & (reported["commodity"] == BASE_METALS_ROW)]
    agg["reported_self_sufficiency"] = agg["year"].map(
        reported.set_index("year")["reported_self_sufficiency"]).astype(float)
    table = pd.concat([table, agg], ignore_index=True)
    table["ratio"] = (table["equity_t"] + table["recycling_t"]) / table["demand_t"]
    table["ratio_procured"] = (table["procured_t"] + table["recycling_t"]) / table["demand_t"]
    table = table.rename(columns={"reported_self_sufficiency": "reported_ratio"})
    target = _target(dataset, iso3)
    table["target"] = target
    table["gap_to_target"] = target - table["ratio"] if not np.isnan(target) else np.nan
    cols = ["commodity", "year", "equity_t", "procured_t", "recycling_t", "demand_t", "ratio",
            "ratio_procured", "reported_ratio", "target", "gap_to_target"]
    return table[cols].sort_values(["commodity", "year"], ignore_index=True)


def _target(dataset: Dataset, iso3: str) -> float:
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == TARGET_METRIC)]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")
