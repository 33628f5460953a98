"""Findings, trends and rankings for a decision page, computed from scrisk's own metrics.

The executive summary of the report (and anyone else who needs a short list
of what matters) reads these functions:

* :data:`POLICY_PRIORITY` and :func:`policy_order`: battery and base metals
  first (lithium, nickel, cobalt, graphite, manganese, rare earths, copper,
  zinc, lead), then every other commodity;
* :func:`concentration_trend`: top producing country, its share and the HHI
  per commodity, stage and year (from :func:`scrisk.metrics.concentration.concentration`);
* :func:`import_values`: the importer's import value per commodity and year,
  the weight that keeps rankings from being led by trivial flows;
* :func:`key_findings`: the five findings of the summary, each with its
  number, its year and its change since the first year;
* :func:`target_path`: the straight path from a reported ratio to a target,
  year by year (what "on track" means);
* :func:`rank_disruptions`: scenario losses weighted by the import value lost.

Every function takes tables and returns a labelled :class:`pandas.DataFrame`;
nothing here formats text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset

POLICY_PRIORITY = ("lithium", "nickel", "cobalt", "graphite", "manganese", "rare_earths",
                   "copper", "zinc", "lead")


def policy_order(commodities: Iterable[str], priority: Sequence[str] = POLICY_PRIORITY
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split commodities into the policy-priority ones (in priority order) and the rest.

    Parameters
    ----------
    commodities : iterable of str
        Commodity slugs.
    priority : sequence of str
        Priority order (default :data:`POLICY_PRIORITY`).

    Returns
    -------
    (first, rest) : tuple of tuple of str
        ``first`` in the order of ``priority``; ``rest`` in alphabetical order.

    Examples
    --------
    >>> policy_order(["aluminium", "copper", "lithium", "tin"])
    (('lithium', 'copper'), ('aluminium', 'tin'))
    """
    given = list(dict.fromkeys(str(c) for c in commodities))
    first = tuple(c for c in priority if c in given)
    rest = tuple(sorted(c for c in given if c not in priority))
    return first, rest


def concentration_trend(dataset: Dataset, commodities: Iterable[str],
                        stages: Sequence[str] = ("mining", "refining"),
                        years: Iterable[int] | None = None) -> pd.DataFrame:
    """Top country, its share and the HHI of world output per commodity, stage and year.

    Parameters
    ----------
    dataset : Dataset
    commodities : iterable of str
    stages : sequence of str
        Stages to keep (default mining and refining).
    years : iterable of int, optional
        Years to keep (default every year of the production data).

    Returns
    -------
    pandas.DataFrame
        ``commodity, stage, year, top1_iso3, top1_share, hhi, share_year``
        (the year the shares describe; a published refining share is held
        until the next publication), sorted.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = concentration_trend(load_dataset(), ["cobalt"], years=[2018, 2024])
    >>> t.loc[t["stage"] == "mining", "top1_iso3"].tolist()
    ['COD', 'COD']
    """
    from scrisk.metrics.concentration import _concentration

    wanted = [dataset.check_commodity(c) for c in commodities]
    columns = ["commodity", "stage", "year", "top1_iso3", "top1_share", "hhi", "share_year"]
    if not wanted:
        return pd.DataFrame(columns=columns)
    # the rows of concentration(dataset, commodity) of each commodity, computed in one
    # pass over the wanted years and stages only (one governance lookup per year)
    kept_years = list(dataset.years("production"))
    if years is not None:
        chosen = set(years)
        kept_years = [y for y in kept_years if y in chosen]
    table = _concentration(dataset, wanted, [s for s in ("mining", "refining") if s in stages],
                           kept_years)
    return table[columns].sort_values(["commodity", "stage", "year"], ignore_index=True)


def import_values(dataset: Dataset, importer: str, years: Iterable[int] | None = None
                  ) -> pd.DataFrame:
    """The importer's import value and contained tonnage per commodity and year (all stages).

    Returns
    -------
    pandas.DataFrame
        ``commodity, year, value_kusd, quantity_t``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> v = import_values(load_dataset(), "JPN", [2023])
    >>> bool((v["value_kusd"] > 0).all())
    True
    """
    trade = dataset.trade
    rows = trade.loc[trade["importer"] == importer]
    if years is not None:
        rows = rows.loc[rows["year"].isin(list(years))]
    qty = "contained_t" if "contained_t" in rows.columns else "quantity_t"
    out = rows.groupby(["commodity", "year"], as_index=False, observed=True).agg(
        value_kusd=("value_kusd", "sum"), quantity_t=(qty, "sum"))
    out["commodity"] = out["commodity"].astype(str)
    return out.sort_values(["commodity", "year"], ignore_index=True)


def key_findings(trend: pd.DataFrame, *, self_sufficiency: pd.DataFrame | None = None,
                 reported: pd.DataFrame | None = None, target: float = float("nan"),
                 target_year: int | None = None, battery: pd.DataFrame | None = None,
                 n: int = 5, priority: Sequence[str] = POLICY_PRIORITY) -> pd.DataFrame:
    """The findings that matter for the policy targets, each with number, year and trend.

    Up to ``n`` rows, in this order:

    1. ``self_sufficiency``: the latest base-metal ratio (procured basis, column
       ``ratio_procured`` of :func:`scrisk.metrics.self_sufficiency.self_sufficiency`)
       beside the latest reported one and the target;
    2. ``battery``: the battery material with the lowest coverage (the first
       chemistry scenario of ``battery``);
    3. onward ``concentration``: the priority commodities whose top producing
       country holds the largest share of world output (one row per
       commodity, its most concentrated stage), with the share in the first
       year of ``trend`` for the change. Where ``trend`` has ``share_year``
       (shares held from an earlier publication), the finding's year is the
       year its share describes, and the change runs from the earliest share
       observed in its own year; with no earlier observation the first value
       is the value itself (no change is claimed from a held share).

    Parameters
    ----------
    trend : pandas.DataFrame
        :func:`concentration_trend` output.
    self_sufficiency : pandas.DataFrame, optional
        ``self_sufficiency()`` table (rows of commodity ``base_metals`` are read).
    reported : pandas.DataFrame, optional
        ``year, ratio`` of officially reported ratios.
    target, target_year
        The self-sufficiency target.
    battery : pandas.DataFrame, optional
        ``scenario, material, coverage`` rows.
    n : int
    priority : sequence of str

    Returns
    -------
    pandas.DataFrame
        ``kind, commodity, stage, iso3, value, year, first_value, first_year,
        change, reference, reference_year, target, target_year``.

    Examples
    --------
    >>> trend = pd.DataFrame({"commodity": ["cobalt", "cobalt"], "stage": ["mining"] * 2,
    ...     "year": [2018, 2024], "top1_iso3": ["COD", "COD"], "top1_share": [0.6, 0.75],
    ...     "hhi": [0.4, 0.6]})
    >>> f = key_findings(trend)
    >>> f[["kind", "iso3", "value", "first_value"]].values.tolist()
    [['concentration', 'COD', 0.75, 0.6]]
    >>> round(float(f["change"].iloc[0]), 2)
    0.15
    """
    rows: list[dict] = []
    if self_sufficiency is not None and len(self_sufficiency):
        base = self_sufficiency.loc[self_sufficiency["commodity"] == "base_metals"]
        column = "ratio_procured" if "ratio_procured" in base else "ratio"
        base = base.loc[base[column].notna()].sort_values("year")
        if len(base):
            last, first = base.iloc[-1], base.iloc[0]
            row = {"kind": "self_sufficiency", "commodity": "base_metals",
                   "value": float(last[column]), "year": int(last["year"]),
                   "first_value": float(first[column]), "first_year": int(first["year"]),
                   "target": target, "target_year": target_year}
            if reported is not None and len(reported):
                rep = reported.sort_values("year").iloc[-1]
                row.update(reference=float(rep["ratio"]), reference_year=int(rep["year"]))
            rows.append(row)
    if battery is not None and len(battery):
        focus = battery.loc[battery["scenario"] == battery["scenario"].iloc[0]]
        low = focus.sort_values("coverage", kind="stable").iloc[0]
        rows.append({"kind": "battery", "commodity": str(low["material"]),
                     "value": float(low["coverage"]), "target": 1.0,
                     "target_year": target_year})
    if len(trend):
        last_year = int(trend["year"].max())
        first_year = int(trend["year"].min())
        now = trend.loc[(trend["year"] == last_year) & trend["commodity"].isin(list(priority))
                        & trend["top1_share"].notna()]
        best = (now.sort_values(["top1_share", "commodity"], ascending=[False, True],
                                kind="stable").drop_duplicates("commodity"))
        observed = (trend["share_year"] == trend["year"] if "share_year" in trend
                    else pd.Series(True, index=trend.index))
        for r in best.itertuples(index=False):
            if len(rows) >= n:
                break
            # a held publication is a finding of its own year, not of the data year
            year_now = int(getattr(r, "share_year", last_year))
            own = trend.loc[(trend["commodity"] == r.commodity) & (trend["stage"] == r.stage)
                            & observed & (trend["year"] < year_now)].sort_values("year")
            if len(own):
                old, old_year = float(own["top1_share"].iloc[0]), int(own["year"].iloc[0])
            elif year_now == last_year and first_year < last_year and "share_year" not in trend:
                old, old_year = np.nan, first_year
            else:  # nothing observed earlier: claim no change
                old, old_year = float(r.top1_share), year_now
            rows.append({"kind": "concentration", "commodity": r.commodity, "stage": r.stage,
                         "iso3": r.top1_iso3, "value": float(r.top1_share), "year": year_now,
                         "first_value": old, "first_year": old_year})
    columns = ["kind", "commodity", "stage", "iso3", "value", "year", "first_value",
               "first_year", "change", "reference", "reference_year", "target", "target_year"]
    out = pd.DataFrame(rows).reindex(columns=columns).head(n)
    out["change"] = out["value"] - out["first_value"]
    for col in ("year", "first_year", "reference_year", "target_year"):
        out[col] = out[col].astype("Int64")
    return out.reset_index(drop=True)


def target_path(start_value: float, start_year: int, target: float, target_year: int
                ) -> pd.DataFrame:
    """The straight path from a value in one year to a target: what each year must reach.

    Returns
    -------
    pandas.DataFrame
        ``year, required`` for every year from ``start_year`` to ``target_year``.

    Examples
    --------
    >>> p = target_path(0.34, 2023, 0.80, 2030)
    >>> round(float(p["required"].iloc[1]), 4), len(p)
    (0.4057, 8)
    """
    if target_year <= start_year:
        return pd.DataFrame({"year": [start_year], "required": [target]})
    years = np.arange(start_year, target_year + 1)
    step = (target - start_value) / (target_year - start_year)
    return pd.DataFrame({"year": years, "required": start_value + step * (years - start_year)})


def rank_disruptions(results: pd.DataFrame, values: pd.Series,
                     priority: Sequence[str] | None = POLICY_PRIORITY, top: int = 5
                     ) -> pd.DataFrame:
    """Scenario losses ranked by the import value they put at risk, not by the share alone.

    A loss of 100 % of a 9-tonne flow is not a top risk: each row's weight is
    ``loss_share x import value`` of the commodity.

    Parameters
    ----------
    results : pandas.DataFrame
        ``scenario, commodity, loss_share`` (plus anything else, kept).
    values : pandas.Series
        Import value (kUSD) by commodity.
    priority : sequence of str, optional
        Keep these commodities only (``None``: all).
    top : int

    Returns
    -------
    pandas.DataFrame
        ``results`` columns plus ``import_value_kusd, value_at_risk_kusd``,
        largest value at risk first, rows without loss dropped.

    Examples
    --------
    >>> r = pd.DataFrame({"scenario": ["a", "b"], "commodity": ["antimony", "nickel"],
    ...                   "loss_share": [1.0, 0.1]})
    >>> rank_disruptions(r, pd.Series({"antimony": 5.0, "nickel": 1000.0}), None)[
    ...     "commodity"].tolist()
    ['nickel', 'antimony']
    """
    table = results.copy()
    if priority is not None:
        table = table.loc[table["commodity"].isin(list(priority))]
    table["import_value_kusd"] = table["commodity"].map(values).astype(float)
    table["value_at_risk_kusd"] = table["loss_share"].astype(float) * table["import_value_kusd"]
    table = table.loc[table["loss_share"].fillna(0) > 0]
    return table.sort_values(["value_at_risk_kusd", "loss_share"], ascending=False,
                             na_position="last", kind="stable").head(top).reset_index(drop=True)


def shortfall(value: float, target: float) -> float:
    """How far a value is below its target (0 when met; NaN when either is missing).

    Examples
    --------
    >>> shortfall(0.34, 0.8), shortfall(0.9, 0.8)
    (0.46, 0.0)
    """
    if value is None or target is None or not (np.isfinite(value) and np.isfinite(target)):
        return float("nan")
    return round(max(0.0, float(target) - float(value)), 12)


def demand_outlook(dataset: Dataset, path, target_year: int = 2030, portfolio=None,
                   iso3: str | None = None) -> pd.DataFrame:
    """A demand path's needs in ``target_year``, their coverage and the 150 GWh comparison.

    The executive summary's "needs path" table: one row for the battery GWh,
    then one per battery material with the need (low, central, high), the
    supply covered by existing stakes plus ``portfolio`` (see
    :func:`scrisk.metrics.demand.demand_coverage`), the coverage and the gap,
    and the need of 150 GWh with the path's chemistry mix of ``target_year``
    (:func:`scrisk.metrics.demand.target_comparison`), which is not the
    chemistry scenario of :func:`scrisk.metrics.battery.battery_needs` that
    the policy-target table and the optimiser use: the two 150 GWh needs differ.

    Parameters
    ----------
    dataset : Dataset
    path : DemandPath or path-like
    target_year : int
    portfolio : sequence of project ids or DataFrame, optional
    iso3 : str, optional
        Whose stakes count (default the path's country).

    Returns
    -------
    pandas.DataFrame
        ``material, need_low_t, need_t, need_high_t, covered_t, coverage, gap_t,
        at_150gwh_t, ratio_to_150gwh``; ``attrs``: ``path`` (name), ``years``
        (first, last), ``gwh`` (year -> central GWh), ``target_year``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.metrics.demand import shipped_paths
    >>> t = demand_outlook(load_dataset(), shipped_paths()["policy_2035"])
    >>> t["material"].tolist()[:2]
    ['battery_gwh', 'lithium_lce']
    """
    from scrisk.exceptions import UnknownChoiceError
    from scrisk.metrics.demand import (
        CATHODE_ANODE,
        DEFAULT_BASIS,
        DemandPath,
        _demand_coverage,
        _target_comparison,
        demand_gwh,
        demand_needs,
        load_path,
    )

    if not isinstance(path, DemandPath):
        path = load_path(path, dataset)
    if target_year not in path.years:  # as target_comparison checks it
        raise UnknownChoiceError("year of the demand path", target_year, path.years)
    # target_comparison and demand_coverage of the same needs, computed once
    needs = demand_needs(dataset, path, DEFAULT_BASIS)
    compare = _target_comparison(dataset, path, target_year, DEFAULT_BASIS,
                                 needs).set_index("material")
    cover = _demand_coverage(dataset, path, portfolio, iso3, needs)
    cover = cover.loc[cover["year"] == target_year].set_index("material")
    rows = [{"material": "battery_gwh", "need_low_t": compare.at["battery_gwh", "path_low"],
             "need_t": compare.at["battery_gwh", "path_central"],
             "need_high_t": compare.at["battery_gwh", "path_high"],
             "covered_t": np.nan, "coverage": np.nan, "gap_t": np.nan}]
    for material in CATHODE_ANODE:
        row = cover.loc[material]
        rows.append({"material": material, "need_low_t": row["need_low_t"],
                     "need_t": row["need_t"], "need_high_t": row["need_high_t"],
                     "covered_t": row["covered_t"], "coverage": row["coverage"],
                     "gap_t": row["gap_t"]})
    table = pd.DataFrame(rows)
    table["at_150gwh_t"] = table["material"].map(compare["at_150gwh"]).astype(float)
    table["ratio_to_150gwh"] = table["material"].map(compare["ratio_to_150gwh"]).astype(float)
    gwh = demand_gwh(path).set_index("year")["gwh"]
    table.attrs.update(path=path.name, path_ja=path.name_ja, years=(path.years[0],
                       path.years[-1]), gwh={int(y): float(v) for y, v in gwh.items()},
                       target_year=target_year, projects=int(len(portfolio)) if portfolio
                       is not None else 0,
                       domestic_gwh=float(compare.attrs.get("domestic_gwh", 150.0)))
    return table
