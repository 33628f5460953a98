"""Supply concentration: country shares, HHI, top-k shares, effective suppliers, governance HHI.

HHI = sum_i s_i^2 with s_i the share of supplier i (0..1; ``scale=10000`` for
the 0..10,000 convention). Effective number of suppliers = 1 / HHI.
Governance-weighted HHI (EU criticality method) = sum_i s_i^2 x WGI_i, with
WGI_i the political-stability estimate rescaled to 0 (stable) .. 10
(unstable): 10 x (2.5 - estimate) / 5, clipped to [0, 10].
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.data.schemas import MIDSTREAM_STAGES

AGGREGATE_CODES = ("ROW",)
MISSING_WGI_SCALED = 5.0


def hhi(shares: Sequence[float] | np.ndarray | pd.Series, scale: float = 1.0) -> float:
    """Herfindahl-Hirschman index of supplier shares.

    Parameters
    ----------
    shares : array-like
        Shares of each supplier, as fractions (need not sum to 1 when a
        remainder is fragmented or unknown; it then contributes nothing).
    scale : float
        1 for the 0..1 convention, 10000 for 0..10,000.

    Examples
    --------
    >>> hhi([0.5, 0.3, 0.2])
    0.38
    >>> hhi([0.5, 0.5], scale=10000)
    5000.0
    """
    values = np.asarray(shares, dtype=float)
    if (values < 0).any():
        raise ValueError("shares must be >= 0")
    return float(np.round(np.sum(values**2) * scale, 12))


def wgi_scaled(estimate: float | np.ndarray) -> float | np.ndarray:
    """WGI political stability estimate rescaled to 0 (most stable) .. 10 (least).

    Examples
    --------
    >>> wgi_scaled(2.5), wgi_scaled(0.0), wgi_scaled(-3.0)
    (0.0, 5.0, 10.0)
    """
    scaled = np.clip(10.0 * (2.5 - np.asarray(estimate, dtype=float)) / 5.0, 0.0, 10.0)
    return float(scaled) if scaled.ndim == 0 else scaled


def latest_wgi(dataset: Dataset, year: int) -> pd.Series:
    """WGI estimate per country for ``year``, else the latest earlier year held."""
    gov = dataset.governance
    gov = gov.loc[gov["year"] <= year].sort_values("year")
    if gov.empty:
        gov = dataset.governance.sort_values("year")
    return gov.groupby("iso3")["wgi_political_stability"].last()


def stage_shares(dataset: Dataset, commodity: str | None, stage: str, year: int,
                 variant: str = "all") -> pd.Series:
    """Country shares of world production of one commodity, stage and year.

    A battery midstream stage (precursor, cathode, anode, cell) ignores
    ``commodity`` and reads :func:`scrisk.metrics.midstream.stage_shares`
    (``variant``: ``all`` or a chemistry family).

    Mining shares come from ``production.csv``; refining shares from
    ``production.csv`` refining rows when present, else from the published
    ``processing_shares.csv`` (latest year not after ``year``; before the
    first published year, that first year: the nearest observation, never a
    later one carried back). ``attrs["share_year"]`` is the year the shares
    describe. Aggregate rows (``ROW``) stay in the series; :func:`concentration`
    leaves them out of the sums of squares.
    """
    if stage in MIDSTREAM_STAGES:  # battery products: one share table per stage and variant
        from scrisk.metrics.midstream import stage_shares as midstream_shares

        return midstream_shares(dataset, stage, year, variant=variant)
    found = _by_country(dataset, "production", "quantity").get((commodity, stage, year))
    if found is not None:
        by_country = _country_series(found, "quantity")
        total = by_country.sum()
        out = (by_country / total if total > 0 else by_country * 0).rename("share")
        out.attrs["share_year"] = int(year)
        return out
    groups = _by_country(dataset, "processing_shares", "share")
    published = sorted(y for c, s, y in groups if c == commodity and s == stage)
    if not published:
        return pd.Series(dtype="float64", name="share")
    earlier = [y for y in published if y <= year]
    # before the first publication the nearest one is the first, not the latest
    share_year = earlier[-1] if earlier else published[0]
    out = _country_series(groups[(commodity, stage, share_year)], "share")
    out.attrs["share_year"] = share_year
    return out


def _by_country(dataset: Dataset, table: str, column: str
                ) -> dict[tuple[str, str, int], tuple[np.ndarray, np.ndarray]]:
    """``table``'s ``column`` summed per commodity, stage, year and country.

    One grouping of the whole table per dataset (a dataset is not changed after
    load) instead of a selection and a grouping per call; the sums are those of
    grouping each selection by country (the same rows in the same order).
    Returns (commodity, stage, year) -> (countries, sums), countries sorted.
    """
    cache = dataset.__dict__.setdefault("_stage_shares_by_country", {})
    if table not in cache:
        sums = dataset[table].groupby(["commodity", "stage", "year", "iso3"])[column].sum()
        index = sums.index
        keys = list(zip(index.get_level_values(0), index.get_level_values(1),
                        index.get_level_values(2).astype(int), strict=True))
        countries = index.get_level_values(3).to_numpy(dtype=object)
        values = sums.to_numpy(dtype=float)
        groups = {}
        start = 0
        for end in range(1, len(keys) + 1):  # sorted: each key's countries are contiguous
            if end == len(keys) or keys[end] != keys[start]:
                groups[keys[start]] = (countries[start:end], values[start:end])
                start = end
        cache[table] = groups
    return cache[table]


def _country_series(found: tuple[np.ndarray, np.ndarray], name: str) -> pd.Series:
    return pd.Series(found[1], index=pd.Index(found[0], name="iso3"), name=name)


def concentration_of(shares: pd.Series, wgi: pd.Series | None = None, scale: float = 1.0
                     ) -> dict[str, object]:
    """Concentration figures of one share vector (aggregate rows excluded from sums)."""
    # plain arrays: this runs once per commodity, stage and year of every table
    codes = shares.index
    values = shares.to_numpy(dtype=float)
    keep = ~codes.isin(AGGREGATE_CODES)
    if not keep.all():
        codes, values = codes[keep], values[keep]
    # descending, ties in their given order (as a stable descending sort_values)
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    value = hhi(ordered, scale)
    top3 = ordered[:3]
    out: dict[str, object] = {
        "n_countries": int(np.count_nonzero(ordered > 0)),
        "hhi": value,
        "top1_iso3": str(codes[order[0]]) if len(ordered) else None,
        "top1_share": float(ordered[0]) if len(ordered) else np.nan,
        "top3_share": float(np.sum(np.where(np.isnan(top3), 0.0, top3))),
        "effective_suppliers": scale / value if value > 0 else np.nan,
    }
    if wgi is not None:
        # a country missing from the governance table counts as MISSING_WGI_SCALED
        at = wgi.index.get_indexer(codes[order])
        held = wgi.to_numpy(dtype=float)[at] if len(wgi) else np.zeros(len(at))
        scaled = np.where(at >= 0, wgi_scaled(held), MISSING_WGI_SCALED)
        weighted = ordered ** 2 * scaled
        # shares held as Python objects were summed left to right (not pairwise): kept so
        out["gov_hhi"] = float(sum(weighted.tolist()) if shares.dtype == object
                               else np.sum(weighted))
    return out


def concentration(dataset: Dataset, commodity: str | None = None, stage: str | None = None,
                  year: int | None = None, scale: float = 1.0) -> pd.DataFrame:
    """Concentration per commodity x stage x year.

    Parameters
    ----------
    dataset : Dataset
    commodity, stage, year : optional
        Filters; ``None`` means all held in the data.
    scale : float
        HHI scale (1 or 10000).

    Returns
    -------
    pandas.DataFrame
        ``commodity, stage, year, n_countries, hhi, top1_iso3, top1_share,
        top3_share, effective_suppliers, gov_hhi, share_year`` (the year the
        shares describe: ``year`` for production statistics, the published
        year of ``processing_shares.csv`` otherwise).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = concentration(load_dataset(), "cobalt", "mining", 2023)
    >>> table.loc[0, "top1_iso3"]
    'COD'
    """
    if stage in MIDSTREAM_STAGES:
        return midstream_concentration(dataset, stage, year, scale)
    commodities = [dataset.check_commodity(commodity)] if commodity else dataset.commodities_list
    return _concentration(dataset, commodities, [stage] if stage else ["mining", "refining"],
                          [dataset.check_year(year)] if year is not None
                          else list(dataset.years("production")), scale)


def _concentration(dataset: Dataset, commodities: Sequence[str], stages: Sequence[str],
                   years: Sequence[int], scale: float = 1.0) -> pd.DataFrame:
    """:func:`concentration` rows of several commodities (year, commodity, stage order)."""
    rows = []
    for y in years:
        wgi = latest_wgi(dataset, y)
        for com in commodities:
            for stg in stages:
                shares = stage_shares(dataset, com, stg, y)
                if shares.empty or shares.sum() <= 0:
                    continue
                rows.append({"commodity": com, "stage": stg, "year": y,
                             **concentration_of(shares, wgi, scale),
                             "share_year": shares.attrs.get("share_year", y)})
    return pd.DataFrame(rows, columns=["commodity", "stage", "year", "n_countries", "hhi",
                                       "top1_iso3", "top1_share", "top3_share",
                                       "effective_suppliers", "gov_hhi", "share_year"])


MIDSTREAM_COLUMNS = ["commodity", "stage", "year", "n_countries", "hhi", "top1_iso3",
                     "top1_share", "top3_share", "effective_suppliers", "gov_hhi", "variant",
                     "measure", "share_year", "quality", "source"]


def midstream_concentration(dataset: Dataset, stage: str, year: int | None = None,
                            scale: float = 1.0) -> pd.DataFrame:
    """Country concentration of a battery midstream stage, per published variant.

    ``commodity`` is ``battery`` (the product combines several elements);
    one row per variant (``all``, ``nickel_based``, ``LFP``) with the
    published table used (``measure``, ``share_year``, ``source``). ``ROW``
    (rest of world) is left out of the sums of squares, so the HHI is a
    lower bound when ROW is large. An empty frame when nothing is published.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = midstream_concentration(load_dataset(), "cathode", 2024)
    >>> t.loc[t["variant"] == "all", "top1_iso3"].iloc[0]
    'CHN'
    """
    from scrisk.metrics.midstream import check_stage
    from scrisk.metrics.midstream import stage_shares as midstream_shares

    check_stage(stage)
    year = int(year) if year is not None else dataset.years("production")[-1]
    wgi = latest_wgi(dataset, year)
    variants = ["all"]
    if "midstream_shares" in dataset.table_names:
        mid = dataset.midstream_shares
        variants += sorted(set(mid.loc[mid["stage"] == stage, "variant"]) - {"all"})
    rows = []
    for variant in variants:
        shares = midstream_shares(dataset, stage, year, variant=variant)
        if shares.empty:
            continue
        rows.append({"commodity": "battery", "stage": stage, "year": year,
                     **concentration_of(shares, wgi, scale), "variant": variant,
                     "measure": shares.attrs["measure"], "share_year": shares.attrs["share_year"],
                     "quality": ", ".join(shares.attrs["quality"]),
                     "source": "; ".join(shares.attrs["sources"])})
    return pd.DataFrame(rows, columns=MIDSTREAM_COLUMNS)


def company_concentration(dataset: Dataset, commodity: str, stage: str = "mining",
                          scale: float = 1.0, statuses: Sequence[str] = ("operating",)
                          ) -> pd.DataFrame:
    """Owners' attributable output (equity share x facility output) and their shares.

    Shares are of the output of the facilities held in ``facilities.csv``
    for the commodity and stage with one of ``statuses`` (not of world
    output); ``attrs["coverage"]`` gives that covered output over world
    production where the units agree.

    Returns
    -------
    pandas.DataFrame
        ``owner, owner_iso3, attributable_t, share`` sorted by share; the
        frame's ``attrs`` hold ``hhi`` and ``coverage``.
    """
    dataset.check_commodity(commodity)
    fac = dataset.facilities
    fac = fac.loc[(fac["commodity"] == commodity) & (fac["stage"] == stage)
                  & fac["output_t"].notna() & fac["status"].isin(list(statuses))]
    own = dataset.ownership.merge(fac[["facility_id", "output_t", "unit"]], on="facility_id")
    own["attributable_t"] = own["equity_share"] * own["output_t"]
    table = own.groupby(["owner", "owner_iso3"], as_index=False)["attributable_t"].sum()
    covered = float(fac["output_t"].sum())
    table["share"] = table["attributable_t"] / covered if covered > 0 else np.nan
    table = table.sort_values("share", ascending=False, ignore_index=True, kind="stable")
    table.attrs["hhi"] = hhi(table["share"].fillna(0).to_numpy(), scale)
    prod = dataset.production
    world = prod.loc[(prod["commodity"] == commodity) & (prod["stage"] == stage)]
    if not world.empty and not fac.empty:
        latest = world.loc[world["year"] == world["year"].max()]
        same_unit = (latest["unit"] == fac["unit"].iloc[0]).all()
        table.attrs["coverage"] = covered / latest["quantity"].sum() if same_unit else np.nan
    return table
