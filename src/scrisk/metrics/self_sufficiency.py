"""Self-sufficiency ratio of base metals, Japan's definition, for any country, by year.

ratio = (mine supply secured by the country's companies + domestic recycling)
/ domestic demand. The secured mine supply is counted on one of two bases:

- ``entitlement``: each mine's output of the year x the share the country's
  companies hold that year (offtake share where reported, else equity);
- ``procured``: the part of that entitlement that reaches the country: all of
  it where a mine-level offtake to the country is disclosed, otherwise the
  share of the mine country's concentrate exports (contained metal) that go
  to the country that year. This is the closer proxy of the official figure,
  which counts what companies actually procure, and the default
  (:data:`DEFAULT_BASIS`) of the CLI, the report and the optimiser.

Stakes count only in the years they were held (``ownership.csv``
``valid_from``/``valid_to``) and mines with that year's output
(``facility_output.csv``); every fallback is flagged in the result.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset

BASE_METALS_ROW = "base_metals"
TARGET_METRIC = "base_metal_self_sufficiency"
PUBLISHED_METRIC = "base_metal_self_sufficiency_actual"
#: The one default basis of the CLI, the report and the optimiser.
DEFAULT_BASIS = "procured"
BASES = ("procured", "entitlement")
#: Japan's base metals in the self-sufficiency statistic.
BASE_METALS = ("copper", "zinc", "lead")
SHARE_BASES = ("offtake_or_equity", "equity", "offtake")
MINE_STAGE = "mining"

RESULT_COLUMNS = [
    "commodity", "year", "basis", "demand_t", "recycling_t", "entitled_t", "procured_t",
    "ratio_entitlement", "ratio_procured", "published", "target", "gap_to_target_pp",
    "gap_to_target", "equity_t", "reported_ratio", "flag", "note",
]


# --------------------------------------------------------------------------- stakes and output


def stakes_in_year(dataset: Dataset, year: int | None = None) -> pd.DataFrame:
    """Ownership rows that apply in ``year``.

    Parameters
    ----------
    dataset : Dataset
    year : int, optional
        Calendar year. ``None`` gives the stakes held now (rows without
        ``valid_to``).

    Returns
    -------
    pandas.DataFrame
        The rows of ``ownership.csv`` valid that year.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> held = stakes_in_year(ds, 2019)
    >>> "Sumitomo Metal Mining" in set(held.loc[held["facility_id"] == "CU-CHL-SIERRAGORDA", "owner"])
    True
    >>> "Sumitomo Metal Mining" in set(stakes_in_year(ds, 2023).loc[
    ...     lambda t: t["facility_id"] == "CU-CHL-SIERRAGORDA", "owner"])
    False
    """
    owners = dataset.ownership
    if "valid_to" not in owners:  # data written before stakes were dated
        return owners
    start = owners["valid_from"].to_numpy(dtype=float, na_value=np.nan)
    end = owners["valid_to"].to_numpy(dtype=float, na_value=np.nan)
    if year is None:
        keep = np.isnan(end)
    else:
        keep = (np.isnan(start) | (start <= year)) & (np.isnan(end) | (end >= year))
    return owners.loc[keep]


def output_in_year(dataset: Dataset, year: int | None = None) -> pd.DataFrame:
    """Output of every facility in ``year`` with where the figure comes from.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``facility_id``: ``output_t``, ``output_year`` and
        ``output_source``: ``year`` (facility_output.csv has the year),
        ``nearest`` (its nearest year; after the last year the last one is
        held), ``undated`` (no yearly rows: facilities.csv ``output_t`` of
        its reported year, counted only for operating facilities).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> out = output_in_year(load_dataset(), 2015)
    >>> float(out.loc["CU-PER-QUELLAVECO", "output_t"])
    0.0
    """
    fac = dataset.facilities.set_index("facility_id")
    undated_t = fac["output_t"].astype(float).where(fac["status"] == "operating", 0.0)
    table = pd.DataFrame({"output_t": undated_t.fillna(0.0),
                          "output_year": fac["year"].astype("Int64"),
                          "output_source": "undated"}, index=fac.index)
    yearly = _optional_table(dataset, "facility_output")
    if yearly is None or yearly.empty:
        return table
    # per facility the row of the nearest year; a tie prefers the earlier year (no peeking
    # at the future). Rows are unique per facility and year (the table's key).
    at = table.index.get_indexer(yearly["facility_id"])
    known = at >= 0
    if not known.any():
        return table
    at = at[known]
    years = yearly["year"].to_numpy(dtype=np.int64)[known]
    # no year: each facility's latest reported year stands for "now"
    wanted = int(year) if year is not None else int(years.max()) + 1
    distance = np.abs(years - wanted)
    order = np.lexsort((years, distance, at))
    _, first = np.unique(at[order], return_index=True)
    pick = order[first]
    output_t = table["output_t"].to_numpy(dtype=float, copy=True)
    output_t[at[pick]] = yearly["output_t"].to_numpy(dtype=float)[known][pick]
    output_year = table["output_year"].array.copy()
    output_year[at[pick]] = years[pick]
    source = table["output_source"].to_numpy(dtype=object, copy=True)
    source[at[pick]] = np.where(distance[pick] == 0, "year", "nearest")
    table["output_t"] = output_t
    table["output_year"] = output_year
    table["output_source"] = pd.array(source, dtype=table["output_source"].dtype)
    return table


def _optional_table(dataset: Dataset, name: str) -> pd.DataFrame | None:
    try:
        return dataset[name]
    except (KeyError, AttributeError):
        return None


def _share_of(owners: pd.DataFrame, share_basis: str) -> pd.Series:
    if share_basis == "equity":
        return owners["equity_share"].astype(float)
    if share_basis == "offtake":
        return owners["offtake_share"].astype(float).fillna(0.0)
    if share_basis == "offtake_or_equity":
        return owners["offtake_share"].astype(float).fillna(owners["equity_share"].astype(float))
    raise ValueError(f"share_basis must be one of {', '.join(SHARE_BASES)}, got {share_basis!r}")


def secured_shares(dataset: Dataset, iso3: str = "JPN", basis: str = "offtake_or_equity",
                   year: int | None = None) -> pd.DataFrame:
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
    year : int, optional
        Only stakes valid that year, with that year's output (see
        :func:`output_in_year`). ``None``: the stakes held now with each
        facility's latest output.

    Returns
    -------
    pandas.DataFrame
        One row per facility with any such owner: ``facility_id``,
        ``commodity``, ``stage``, ``iso3`` (facility country), ``status``,
        ``output_t``, ``unit``, ``secured_share`` (capped at 1),
        ``secured_t`` = share x output, ``output_year`` and ``output_source``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = secured_shares(load_dataset(), "JPN")
    >>> bool((table["secured_share"] <= 1).all())
    True
    """
    # computed once per dataset and question: the report asks for the same table once per
    # chemistry scenario of the battery coverage (a dataset is not changed after load)
    key = (iso3, basis, year)
    cache = dataset.__dict__.setdefault("_secured_shares", {})
    if key not in cache:
        cache[key] = _secured_shares(dataset, iso3, basis, year)
    return cache[key].copy()


def _secured_shares(dataset: Dataset, iso3: str, basis: str, year: int | None) -> pd.DataFrame:
    owners = stakes_in_year(dataset, year)
    owners = owners.loc[owners["owner_iso3"] == iso3]
    share = _share_of(owners, basis)
    per_facility = share.groupby(owners["facility_id"]).sum().clip(upper=1.0)
    facilities = dataset.facilities.set_index("facility_id")
    table = facilities.loc[per_facility.index, ["commodity", "stage", "iso3", "status",
                                                 "output_t", "unit"]].copy()
    output = output_in_year(dataset, year).reindex(per_facility.index)
    table["output_t"] = output["output_t"].to_numpy(dtype=float)
    table["secured_share"] = per_facility.to_numpy()
    table["secured_t"] = table["secured_share"] * table["output_t"].fillna(0.0)
    table["output_year"] = output["output_year"].to_numpy()
    table["output_source"] = output["output_source"].to_numpy()
    return table.reset_index().sort_values(["commodity", "secured_t"], ascending=[True, False],
                                           ignore_index=True, kind="stable")


def equity_supply(dataset: Dataset, iso3: str = "JPN", stage: str = MINE_STAGE,
                  basis: str = "offtake_or_equity", year: int | None = None) -> pd.Series:
    """Secured output of one stage per commodity (tonnes), stakes and output of ``year``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> supply = equity_supply(load_dataset(), "JPN", year=2023)
    >>> bool(supply["copper"] > 0)
    True
    """
    table = secured_shares(dataset, iso3, basis, year)
    table = table.loc[table["stage"] == stage]
    return table.groupby("commodity")["secured_t"].sum().rename("equity_t")


# --------------------------------------------------------------------------- procurement


def _contained_trade(dataset: Dataset, commodity: str, year: int,
                     stage: str) -> tuple[pd.DataFrame, str]:
    """Trade rows of one commodity, year and stage with a contained-metal column.

    Returns the rows (column ``contained``) and how the metal was obtained:
    ``contained_t`` (trade.parquet column), ``hs_map`` (gross x the map's
    factor) or ``gross`` (no factor known: gross weight; the shares below
    are then exact only where one product code carries the stage).
    """
    rows = dataset.select("trade", commodity=commodity, year=year)
    rows = rows.loc[rows["stage"] == stage].copy()
    if "contained_t" in rows and rows["contained_t"].notna().any():
        rows["contained"] = rows["contained_t"].astype(float)
        return rows, "contained_t"
    hs_map = _optional_table(dataset, "hs_map")
    if hs_map is not None and not hs_map.empty and len(rows):
        factors = _hs_factors(hs_map, rows)
        if factors.notna().any():
            rows["contained"] = rows["quantity_t"].astype(float) * factors.fillna(1.0)
            return rows, "hs_map"
    rows["contained"] = rows["quantity_t"].astype(float)
    return rows, "gross"


def _hs_factors(hs_map: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """Contained factor per trade row: an exporter-limited map row wins over a general one."""
    hs = rows["hs6"].astype(str)
    exporter = rows["exporter"].astype(str)
    general = hs_map.loc[hs_map["exporters"].fillna("").astype(str).str.strip() == ""]
    general = general.drop_duplicates("hs6")
    factors = hs.map(pd.Series(general["contained_factor"].astype(float).to_numpy(),
                               index=general["hs6"].astype(str))).astype(float)
    limited = hs_map.loc[hs_map["exporters"].fillna("").astype(str).str.strip() != ""]
    for row in limited.itertuples(index=False):
        members = {c.strip() for c in str(row.exporters).split(";") if c.strip()}
        mask = (hs == str(row.hs6)) & exporter.isin(members)
        factors[mask] = float(row.contained_factor)
    return factors


def procurement_share(dataset: Dataset, importer: str, commodity: str, year: int,
                      stage: str = MINE_STAGE) -> pd.Series:
    """Share of each country's stage exports (contained metal) that goes to ``importer``.

    Uses the trade year nearest to ``year`` when ``year`` has no trade data
    (ties: the earlier year). ``Series.attrs`` records ``trade_year`` and
    ``metal_from`` (``contained_t``, ``hs_map`` or ``gross``).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> share = procurement_share(load_dataset(), "JPN", "copper", 2023)
    >>> bool(0 < share["CHL"] < 1)
    True
    """
    # every year maps to one trade year (those after the data to the last one): each share
    # vector is computed once per dataset (a dataset is not changed after load)
    nearest_of = dataset.__dict__.setdefault("_nearest_trade_year", {})
    if year not in nearest_of:
        years = dataset.years("trade")
        nearest_of[year] = min(years, key=lambda y: (abs(y - year), y)) if years else None
    nearest = nearest_of[year]
    if nearest is None:
        share = pd.Series(dtype=float)
        share.attrs.update(trade_year=None, metal_from="none")
        return share
    cache = dataset.__dict__.setdefault("_procurement_share", {})
    key = (importer, commodity, nearest, stage)
    if key not in cache:
        cache[key] = _procurement_share(dataset, importer, commodity, nearest, stage)
    share = cache[key].copy()
    share.attrs = dict(cache[key].attrs)
    return share


def _procurement_share(dataset: Dataset, importer: str, commodity: str, nearest: int,
                       stage: str) -> pd.Series:
    rows, metal_from = _contained_trade(dataset, commodity, nearest, stage)
    # exporters numbered in the order a grouping by exporter gives (rows without one
    # left out); the sums are the grouping's (the same rows in the same order)
    codes, exporters = pd.factorize(rows["exporter"], sort=True)
    known = codes >= 0
    codes = codes[known]
    contained = rows["contained"].to_numpy(dtype=float)[known]
    exports = pd.Series(contained).groupby(codes).sum().to_numpy()
    inbound = (rows["importer"] == importer).to_numpy(dtype=bool)[known]
    to_importer = pd.Series(contained[inbound]).groupby(codes[inbound]).sum()
    received = np.full(len(exports), np.nan)
    received[to_importer.index.to_numpy()] = to_importer.to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = received / exports
    share = pd.Series(np.clip(np.where(np.isnan(ratio), 0.0, ratio), 0.0, 1.0),
                      index=pd.Index(np.asarray(exporters).astype(str), name="exporter"),
                      name="contained")
    share.attrs.update(trade_year=int(nearest), metal_from=metal_from)
    return share


def export_share_to(dataset: Dataset, importer: str, commodity: str, year: int,
                    stage: str = MINE_STAGE) -> pd.Series:
    """Alias of :func:`procurement_share` (kept for existing callers)."""
    return procurement_share(dataset, importer, commodity, year, stage)


def secured_supply(dataset: Dataset, iso3: str = "JPN", year: int | None = None,
                   commodities: Iterable[str] | None = BASE_METALS,
                   share_basis: str = "offtake_or_equity") -> pd.DataFrame:
    """Per mine: entitled and procured tonnes of ``iso3``'s companies in ``year``.

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
    year : int, optional
        Stakes valid and output of this year; ``None``: current stakes, latest
        output, latest trade year.
    commodities : iterable of str, optional
        Metals (default the base metals); ``None`` for all.
    share_basis : {"offtake_or_equity", "equity", "offtake"}

    Returns
    -------
    pandas.DataFrame
        ``facility_id, commodity, iso3, output_t, output_year, output_source,
        secured_share, entitled_t, procured_share, procured_t, offtake_t``.
        ``procured_share`` is 1 for the part under a disclosed offtake of an
        ``iso3`` owner and the mine country's export share to ``iso3``
        otherwise (blended per mine); ``procured_t = entitled_t x
        procured_share``. ``attrs`` carries ``trade_year`` and ``metal_from``
        per commodity.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> mines = secured_supply(load_dataset(), "JPN", 2023)
    >>> bool((mines["procured_t"] <= mines["entitled_t"] + 1e-9).all())
    True
    """
    # computed once per dataset and question: the report, the optimiser and the
    # trajectory ask the same years many times (a dataset is not changed after load)
    import copy

    wanted = None if commodities is None else tuple(sorted(set(commodities)))
    key = (iso3, year, wanted, share_basis)  # the order of the metals changes no row
    cache = dataset.__dict__.setdefault("_secured_supply", {})
    if key not in cache:
        cache[key] = _secured_supply(dataset, iso3, year, wanted, share_basis)
    table = cache[key].copy()
    table.attrs = copy.deepcopy(cache[key].attrs)
    return table


def _secured_supply(dataset: Dataset, iso3: str, year: int | None,
                    commodities: Iterable[str] | None, share_basis: str) -> pd.DataFrame:
    # arrays looked up by position: this runs once per year of every trajectory
    owners = stakes_in_year(dataset, year)
    owners = owners.loc[(owners["owner_iso3"] == iso3).to_numpy(dtype=bool)]
    fac = dataset.facilities.set_index("facility_id")
    fac_commodity = fac["commodity"].to_numpy(dtype=object)
    at = fac.index.get_indexer(owners["facility_id"])
    keep = at >= 0
    keep &= fac["stage"].to_numpy(dtype=object)[at] == MINE_STAGE
    if commodities is not None:
        wanted = set(commodities)
        keep &= np.array([c in wanted for c in fac_commodity[at]], dtype=bool)
    owners, at = owners.loc[keep], at[keep]
    commodity = fac_commodity[at]
    share = _share_of(owners, share_basis).to_numpy(dtype=float)
    disclosed = owners["offtake_share"].notna().to_numpy(dtype=bool)
    columns = ["facility_id", "commodity", "iso3", "output_t", "output_year", "output_source",
               "secured_share", "entitled_t", "procured_share", "procured_t", "offtake_t"]
    if owners.empty:
        return pd.DataFrame(columns=columns)
    output = output_in_year(dataset, year)
    when = int(year) if year is not None else max(dataset.years("trade") or [0])
    attrs: dict[str, dict] = {}
    shares: dict[str, pd.Series] = {}
    for metal in sorted(set(commodity)):
        share_of_metal = procurement_share(dataset, iso3, metal, when)
        shares[metal] = share_of_metal
        attrs[metal] = dict(share_of_metal.attrs)
    fac_iso3 = fac["iso3"].astype(str).to_numpy(dtype=object)
    country_share = np.array([float(shares[m].get(c, 0.0)) for m, c in
                              zip(commodity, fac_iso3[at], strict=True)])
    delivered_each = np.where(disclosed, 1.0, country_share)
    ids = owners["facility_id"].to_numpy(dtype=object)
    raw = pd.Series(share).groupby(ids, sort=True).sum()
    secured = raw.clip(upper=1.0)
    # the cap at 1 scales every owner's part alike
    scale = (secured / raw.where(raw > 0, 1.0)).fillna(0.0)
    part = share * scale.to_numpy()[raw.index.get_indexer(ids)]
    delivered = pd.Series(part * delivered_each).groupby(ids, sort=True).sum()
    offtake = pd.Series(part * disclosed).groupby(ids, sort=True).sum()
    held = fac.index.get_indexer(raw.index)
    out = output.reindex(raw.index)
    output_t = out["output_t"].to_numpy(dtype=float)
    secured_share = secured.to_numpy()
    entitled_t = secured_share * output_t
    with np.errstate(invalid="ignore", divide="ignore"):
        blend = np.where(secured_share > 0, delivered.to_numpy() / secured_share, 0.0)
    table = pd.DataFrame({
        "facility_id": raw.index, "commodity": fac_commodity[held], "iso3": fac_iso3[held],
        "output_t": output_t, "output_year": out["output_year"].to_numpy(),
        "output_source": out["output_source"].to_numpy(), "secured_share": secured_share,
        "entitled_t": entitled_t, "procured_share": blend, "procured_t": entitled_t * blend,
        "offtake_t": offtake.to_numpy() * output_t})
    table = table.sort_values(["commodity", "entitled_t"], ascending=[True, False],
                              ignore_index=True, kind="stable")
    table.attrs["trade"] = attrs
    return table[columns]


def procured_supply(dataset: Dataset, iso3: str, commodity: str, year: int,
                    basis: str = "offtake_or_equity") -> float:
    """Secured mine output of ``year`` that plausibly reaches ``iso3`` (tonnes).

    See :func:`secured_supply`; ``basis`` is the share basis.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> procured_supply(load_dataset(), "JPN", "copper", 2023) > 0
    True
    """
    mines = secured_supply(dataset, iso3, year, (commodity,), basis)
    return float(mines["procured_t"].sum()) if len(mines) else 0.0


# --------------------------------------------------------------------------- the ratio


def _resolve_basis(basis: str, share_basis: str) -> tuple[str, str]:
    if basis in SHARE_BASES:  # the old meaning of the argument: an owner-share basis
        return "entitlement", basis
    if basis == "both":
        return DEFAULT_BASIS, share_basis
    if basis not in BASES:
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("self-sufficiency basis", basis, (*BASES, "both"))
    return basis, share_basis


def _carry(frame: pd.DataFrame, column: str, year: int) -> tuple[float, int | None]:
    """Value of ``column`` in ``year``, else of the nearest earlier year, else the nearest one."""
    values = frame[column].to_numpy(dtype=float, na_value=np.nan)
    held = ~np.isnan(values)
    if not held.any():
        return float("nan"), None
    values, years = values[held], frame["year"].to_numpy()[held]
    exact = np.flatnonzero(years == year)
    if len(exact):
        return float(values[exact[0]]), year
    earlier = np.flatnonzero(years < year)
    # the first of the latest earlier year, else the first of the nearest year
    pick = earlier[np.argmax(years[earlier])] if len(earlier) else np.argmin(
        np.abs(years - year))
    return float(values[pick]), int(years[pick])


def demand_and_recycling(dataset: Dataset, iso3: str, commodity: str,
                         year: int) -> dict[str, object]:
    """Demand and recycling of one metal in ``year`` with the fallbacks used.

    Returns a dict with ``demand_t``, ``recycling_t``, ``demand_year``,
    ``recycling_year`` (the year whose figure was used), ``estimated``
    (the demand row is an estimate, not a statistic) and ``flags``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> demand_and_recycling(load_dataset(), "JPN", "copper", 2019)["demand_t"]
    1001537.0
    """
    rows = dataset.select("consumption", iso3=iso3, commodity=commodity)
    demand, demand_year = _carry(rows, "demand_t", year)
    recycling, recycling_year = _carry(rows, "recycling_t", year)
    flags = []
    if demand_year is None:
        flags.append("no_demand")
    elif demand_year != year:
        flags.append(f"demand_from_{demand_year}")
    if recycling_year is None:
        flags.append("no_recycling")
        recycling = 0.0
    elif recycling_year != year:
        flags.append(f"recycling_from_{recycling_year}")
    estimated = False
    if demand_year is not None and "quality" in rows:
        same = np.flatnonzero(rows["year"].to_numpy() == demand_year)
        estimated = bool(len(same)) and str(rows["quality"].iloc[same[0]]) == "estimated"
        if estimated:
            flags.append("demand_estimated")
    return {"demand_t": demand, "recycling_t": recycling, "demand_year": demand_year,
            "recycling_year": recycling_year, "estimated": estimated, "flags": flags}


def self_sufficiency(dataset: Dataset, iso3: str = "JPN", years: Iterable[int] | None = None,
                     basis: str = DEFAULT_BASIS,
                     commodities: Iterable[str] | None = BASE_METALS,
                     share_basis: str = "offtake_or_equity") -> pd.DataFrame:
    """Self-sufficiency ratio per base metal and for the base metals together, by year.

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
        The consuming country; demand and recycling from ``consumption.csv``,
        its companies' stakes from ``ownership.csv`` (valid that year) and
        mine output of that year from ``facility_output.csv``.
    years : iterable of int, optional
        Default: every year with demand data for any of the metals. A year
        without a metal's demand uses its nearest earlier year (flagged).
    basis : {"procured", "entitlement", "both"}
        The basis of ``gap_to_target_pp`` (both ratios are always returned;
        ``both`` uses :data:`DEFAULT_BASIS` for the gap). The old owner-share
        values (``offtake_or_equity``, ``equity``, ``offtake``) are still
        accepted: they set ``share_basis`` and the entitlement basis.
    commodities : iterable of str, optional
        Default the base metals copper, zinc and lead; ``None``: every
        ``base_metal`` commodity with demand data.
    share_basis : {"offtake_or_equity", "equity", "offtake"}
        How an owner's share is read (see :func:`secured_shares`).

    Returns
    -------
    pandas.DataFrame
        One row per metal and year plus a ``base_metals`` row per year (sums
        of numerators over the sum of demand): ``commodity, year, basis,
        demand_t, recycling_t, entitled_t, procured_t, ratio_entitlement,
        ratio_procured, published, target, gap_to_target_pp`` (target minus
        the ratio on ``basis``, percentage points), ``gap_to_target``
        (the same as a fraction), ``equity_t`` and ``reported_ratio``
        (older names of ``entitled_t`` and ``published``), ``flag``
        (``;``-separated fallbacks: ``demand_from_Y``, ``recycling_from_Y``,
        ``demand_estimated``, ``output_nearest:N``, ``output_undated:N``,
        ``trade_from_Y``, ``gross_weight_shares``) and ``note``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = self_sufficiency(load_dataset(), "JPN", years=[2023])
    >>> row = table.set_index("commodity").loc["base_metals"]
    >>> float(row["published"])
    0.34
    >>> bool(0 < row["ratio_procured"] <= row["ratio_entitlement"])
    True
    """
    basis, share_basis = _resolve_basis(basis, share_basis)
    cons = dataset.consumption
    cons = cons.loc[cons["iso3"] == iso3]
    if commodities is None:
        com = dataset.commodities
        group = set(com.loc[com["group"] == "base_metal", "commodity"])
        wanted = sorted(group & set(cons.loc[cons["demand_t"].notna(), "commodity"]))
    elif commodities is BASE_METALS:  # the default: those of the three the data knows
        wanted = [c for c in BASE_METALS if c in dataset.commodities_list]
    else:
        wanted = [dataset.check_commodity(c) for c in commodities]
    with_demand = cons.loc[cons["commodity"].isin(wanted) & cons["demand_t"].notna()]
    if years is None:
        years = sorted(int(y) for y in with_demand["year"].unique())
    years = sorted({int(y) for y in years})
    target = _target(dataset, iso3)
    published = _published(dataset, iso3)
    rows = []
    for year in years:
        mines = secured_supply(dataset, iso3, year, wanted, share_basis)
        trade = mines.attrs.get("trade", {})
        # plain arrays, masked per metal (sums as Series.sum: NaN counts as 0)
        mine_metal = mines["commodity"].to_numpy(dtype=object)
        mine_source = mines["output_source"].to_numpy(dtype=object)
        mine_entitled = mines["entitled_t"].to_numpy(dtype=float)
        mine_procured = mines["procured_t"].to_numpy(dtype=float)
        for metal in wanted:
            need = demand_and_recycling(dataset, iso3, metal, year)
            if need["demand_year"] is None:
                continue  # no demand for this metal in any year: nothing to divide by
            part = mine_metal == metal
            flags = list(need["flags"])
            nearest = int(np.count_nonzero(mine_source[part] == "nearest"))
            undated = int(np.count_nonzero(mine_source[part] == "undated"))
            if nearest:
                flags.append(f"output_nearest:{nearest}")
            if undated:
                flags.append(f"output_undated:{undated}")
            info = trade.get(metal, {})
            if info.get("trade_year") not in (None, year):
                flags.append(f"trade_from_{info['trade_year']}")
            if info.get("metal_from") == "gross":
                flags.append("gross_weight_shares")
            rows.append({
                "commodity": metal, "year": year, "demand_t": need["demand_t"],
                "recycling_t": need["recycling_t"],
                "entitled_t": _nansum(mine_entitled[part]),
                "procured_t": _nansum(mine_procured[part]),
                "published": published.get((metal, year), np.nan),
                "flag": ";".join(flags),
                "note": _note(need, int(np.count_nonzero(part))),
            })
    table = pd.DataFrame(rows, columns=["commodity", "year", "demand_t", "recycling_t",
                                        "entitled_t", "procured_t", "published", "flag",
                                        "note"])
    if len(table):
        agg = table.groupby("year", as_index=False)[
            ["demand_t", "recycling_t", "entitled_t", "procured_t"]].sum()
        agg["commodity"] = BASE_METALS_ROW
        agg["published"] = [published.get((BASE_METALS_ROW, y), np.nan) for y in agg["year"]]
        agg["flag"] = [_merge_flags(table.loc[table["year"] == y, "flag"]) for y in agg["year"]]
        agg["note"] = "sum over " + ", ".join(wanted)
        table = pd.concat([table, agg[table.columns]], ignore_index=True)
    table["basis"] = basis
    table["ratio_entitlement"] = (table["entitled_t"] + table["recycling_t"]) / table["demand_t"]
    table["ratio_procured"] = (table["procured_t"] + table["recycling_t"]) / table["demand_t"]
    table["target"] = target
    headline = table[f"ratio_{basis}"]
    table["gap_to_target"] = target - headline if not np.isnan(target) else np.nan
    table["gap_to_target_pp"] = table["gap_to_target"] * 100.0
    table["equity_t"] = table["entitled_t"]
    table["reported_ratio"] = table["published"]
    table["year"] = table["year"].astype(int)
    order = {m: i for i, m in enumerate([*wanted, BASE_METALS_ROW])}
    table = table.sort_values(["year", "commodity"], key=lambda s: s.map(order)
                              if s.name == "commodity" else s, ignore_index=True, kind="stable")
    return table[RESULT_COLUMNS]


def _nansum(values: np.ndarray) -> float:
    """Sum as :meth:`pandas.Series.sum` takes it (missing values count as 0)."""
    return float(np.where(np.isnan(values), 0.0, values).sum())


def _note(need: dict, mines: int) -> str:
    parts = [f"{mines} mine(s) held"]
    if need["estimated"]:
        parts.append(f"demand of {need['demand_year']} is an estimate (see consumption.csv)")
    return "; ".join(parts)


def _merge_flags(flags: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for text in flags:
        for flag in str(text).split(";"):
            if flag:
                seen.setdefault(flag, None)
    return ";".join(seen)


def _published(dataset: Dataset, iso3: str) -> dict[tuple[str, int], float]:
    """Official ratios: consumption.csv ``reported_self_sufficiency``, policy_targets actuals."""
    out: dict[tuple[str, int], float] = {}
    targets = dataset.policy_targets
    actual = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == PUBLISHED_METRIC)]
    for row in actual.itertuples(index=False):
        out[(BASE_METALS_ROW, int(row.year))] = float(row.value)
    cons = dataset.consumption
    rep = cons.loc[(cons["iso3"] == iso3) & cons["reported_self_sufficiency"].notna()]
    for row in rep.itertuples(index=False):
        out[(str(row.commodity), int(row.year))] = float(row.reported_self_sufficiency)
    return out


def _target(dataset: Dataset, iso3: str) -> float:
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == TARGET_METRIC)]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def target_year(dataset: Dataset, iso3: str = "JPN") -> int | None:
    """Year of the base-metal self-sufficiency target (2030 for Japan), if any.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> target_year(load_dataset())
    2030
    """
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == TARGET_METRIC)]
    return int(rows["year"].iloc[0]) if len(rows) else None
