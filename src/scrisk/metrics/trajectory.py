"""Base-metal self-sufficiency year by year to 2035: existing stakes plus a portfolio.

For each year the ratio of :func:`scrisk.metrics.self_sufficiency.self_sufficiency`
is computed from the stakes valid that year (the held ones stay held; dated
sales drop out) and each mine's output of its latest reported year, plus the
expected output of chosen candidate projects:

    project tonnes(y) = annual_output_t x stake_offered x success_probability x ramp(y)
    ramp(y) = 0 before online_year, else min(1, (y - online_year + 1) / ramp_up_years)

Demand and recycling after the last statistic are held flat, or grown at a
documented yearly rate (``policy_targets.csv`` metric
``base_metal_demand_growth``), and the ``demand_source`` column says which.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.metrics.self_sufficiency import (
    BASE_METALS,
    BASE_METALS_ROW,
    BASES,
    DEFAULT_BASIS,
    PUBLISHED_METRIC,
    TARGET_METRIC,
    _nansum,
    demand_and_recycling,
    secured_supply,
)

DEFAULT_YEARS = range(2023, 2036)
#: Years from first production to full output when a project gives none.
DEFAULT_RAMP_UP_YEARS = 3
GROWTH_METRIC = "base_metal_demand_growth"
PORTFOLIO_COLUMNS = ("project_id", "commodity", "annual_output_t", "stake_offered",
                     "online_year", "success_probability")

COLUMNS = ["year", "commodity", "basis", "demand_t", "demand_source", "recycling_t",
           "existing_t", "portfolio_t", "ratio_existing", "ratio", "published", "target",
           "target_year", "gap_to_target_pp", "note"]


def ramp_fraction(year: int, online_year: int, ramp_up_years: float = DEFAULT_RAMP_UP_YEARS
                  ) -> float:
    """Share of full output a project reaches in ``year``.

    Examples
    --------
    >>> [ramp_fraction(y, 2028, 3) for y in (2027, 2028, 2029, 2030, 2031)]
    [0.0, 0.3333333333333333, 0.6666666666666666, 1.0, 1.0]
    >>> ramp_fraction(2028, 2028, 1)
    1.0
    """
    if year < online_year:
        return 0.0
    steps = max(float(ramp_up_years), 1.0)
    return float(min(1.0, (year - online_year + 1) / steps))


def portfolio_frame(dataset: Dataset, portfolio: Sequence[str] | pd.DataFrame | None
                    ) -> pd.DataFrame:
    """Normalise a portfolio: candidate ids or a table of projects.

    Parameters
    ----------
    dataset : Dataset
    portfolio : None, sequence of str or DataFrame
        Project ids of ``candidates.csv``, or rows with at least
        ``project_id, commodity, annual_output_t, stake_offered, online_year,
        success_probability`` (``ramp_up_years`` and ``stage`` optional).

    Returns
    -------
    pandas.DataFrame
        One row per project with ``ramp_up_years`` filled.

    Raises
    ------
    UnknownChoiceError
        For an id that is not a candidate.
    ValueError
        For a table missing a column or with shares or probabilities outside [0, 1].

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> first = ds.candidates["project_id"].iloc[0]
    >>> len(portfolio_frame(ds, [first]))
    1
    """
    if portfolio is None:
        return pd.DataFrame(columns=[*PORTFOLIO_COLUMNS, "stage", "ramp_up_years"])
    if isinstance(portfolio, pd.DataFrame):
        missing = [c for c in PORTFOLIO_COLUMNS if c not in portfolio]
        if missing:
            raise ValueError(f"portfolio table needs the columns {', '.join(missing)}")
        table = portfolio.copy()
    else:
        from scrisk.exceptions import UnknownChoiceError

        cand = dataset.candidates.set_index("project_id")
        ids = list(dict.fromkeys(str(p) for p in portfolio))
        for pid in ids:
            if pid not in cand.index:
                raise UnknownChoiceError("candidate project", pid, sorted(cand.index))
        table = cand.loc[ids].reset_index()
    for column in ("stake_offered", "success_probability"):
        values = table[column].astype(float)
        if ((values < 0) | (values > 1)).any():
            raise ValueError(f"portfolio {column} must be in [0, 1]")
    if "stage" not in table:
        table["stage"] = "mining"
    if "ramp_up_years" not in table:
        table["ramp_up_years"] = DEFAULT_RAMP_UP_YEARS
    table["ramp_up_years"] = table["ramp_up_years"].astype(float).fillna(DEFAULT_RAMP_UP_YEARS)
    return table.reset_index(drop=True)


def project_tonnes(projects: pd.DataFrame, year: int) -> pd.Series:
    """Expected tonnes of each project in ``year`` (stake x output x probability x ramp).

    Examples
    --------
    >>> p = pd.DataFrame({"annual_output_t": [200.0], "stake_offered": [0.5],
    ...                   "success_probability": [0.5], "online_year": [2028],
    ...                   "ramp_up_years": [2.0]})
    >>> project_tonnes(p, 2028).tolist(), project_tonnes(p, 2029).tolist()
    ([25.0], [50.0])
    """
    ramp = np.array([ramp_fraction(year, int(o), float(r)) for o, r in
                     zip(projects["online_year"], projects["ramp_up_years"], strict=True)])
    full = (projects["annual_output_t"].astype(float) * projects["stake_offered"].astype(float)
            * projects["success_probability"].astype(float))
    return (full * ramp).rename("tonnes")


def _growth_rate(dataset: Dataset, iso3: str) -> tuple[float, str]:
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == GROWTH_METRIC)]
    if rows.empty:
        return 0.0, ""
    return float(rows["value"].iloc[0]), str(rows["source"].iloc[0])


def trajectory(dataset: Dataset, portfolio: Sequence[str] | pd.DataFrame | None = None,
               years: Iterable[int] = DEFAULT_YEARS, basis: str = DEFAULT_BASIS,
               iso3: str = "JPN", commodities: Iterable[str] = BASE_METALS,
               demand_growth: float | None = None) -> pd.DataFrame:
    """Self-sufficiency ratio per year from existing stakes plus a portfolio.

    Parameters
    ----------
    dataset : Dataset
    portfolio : sequence of str or DataFrame, optional
        Candidate project ids or a project table (see :func:`portfolio_frame`);
        counted at expected value from their online year, ramped up.
    years : iterable of int
        Default 2023-2035.
    basis : {"procured", "entitlement"}
        How existing stakes count (see
        :func:`scrisk.metrics.self_sufficiency.secured_supply`). New projects
        count in full on both bases: a rights acquisition comes with the
        offtake (the optimiser counts them the same way).
    iso3 : str
    commodities : iterable of str
        Default copper, zinc and lead (those the data knows).
    demand_growth : float, optional
        Yearly growth of demand and recycling after the last statistic;
        default the ``base_metal_demand_growth`` row of
        ``policy_targets.csv``, else 0 (held flat).

    Returns
    -------
    pandas.DataFrame
        ``year, commodity, basis, demand_t, demand_source`` (``statistic``,
        ``estimate``, ``held_flat_from_Y`` or ``grown_from_Y_at_R``),
        ``recycling_t, existing_t, portfolio_t, ratio_existing, ratio,
        published, target, target_year, gap_to_target_pp, note``; one row
        per metal and a ``base_metals`` row per year. ``attrs["notes"]`` lists
        the assumptions in words.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = trajectory(load_dataset(), years=[2023, 2030])
    >>> total = table.loc[table["commodity"] == "base_metals"].set_index("year")
    >>> float(total.loc[2030, "target"])
    0.8
    """
    from scrisk.exceptions import UnknownChoiceError

    if basis not in BASES:
        raise UnknownChoiceError("trajectory basis", basis, BASES)
    wanted = [c for c in commodities if c in dataset.commodities_list]
    projects = portfolio_frame(dataset, portfolio)
    counted = projects.loc[projects["commodity"].isin(wanted)
                           & (projects["stage"] == "mining")]
    ignored = sorted(set(projects["project_id"]) - set(counted["project_id"]))
    growth, growth_source = (demand_growth, "argument") if demand_growth is not None \
        else _growth_rate(dataset, iso3)
    target, target_year = _target(dataset, iso3)
    published = _published(dataset, iso3)
    rows = []
    for year in sorted({int(y) for y in years}):
        mines = secured_supply(dataset, iso3, year, wanted)
        extra = project_tonnes(counted, year) if len(counted) else pd.Series(dtype=float)
        # plain arrays, masked per metal (sums as Series.sum: NaN counts as 0)
        mine_metal = mines["commodity"].to_numpy(dtype=object)
        mine_late = mines["output_source"].to_numpy(dtype=object) == "nearest"
        mine_t = mines["procured_t" if basis == "procured" else "entitled_t"].to_numpy(
            dtype=float)
        for metal in wanted:
            need = demand_and_recycling(dataset, iso3, metal, year)
            if need["demand_year"] is None:
                continue
            demand, recycling = float(need["demand_t"]), float(need["recycling_t"])
            source = "estimate" if need["estimated"] else "statistic"
            if need["demand_year"] != year:
                base = int(need["demand_year"])
                if growth and year > base:
                    factor = (1.0 + growth) ** (year - base)
                    demand, recycling = demand * factor, recycling * factor
                    source = f"grown_from_{base}_at_{growth:g}"
                else:
                    source = f"held_flat_from_{base}"
            part = mine_metal == metal
            existing = _nansum(mine_t[part])
            portfolio_t = float(extra[counted["commodity"].to_numpy() == metal].sum()) \
                if len(counted) else 0.0
            late = int(np.count_nonzero(mine_late[part]))
            note = f"{int(np.count_nonzero(part))} mine(s) held"
            if late:
                note += f"; {late} at their nearest reported year's output"
            rows.append({"year": year, "commodity": metal, "demand_t": demand,
                         "demand_source": source, "recycling_t": recycling,
                         "existing_t": existing, "portfolio_t": portfolio_t,
                         "published": published.get((metal, year), np.nan), "note": note})
    table = pd.DataFrame(rows, columns=["year", "commodity", "demand_t", "demand_source",
                                        "recycling_t", "existing_t", "portfolio_t",
                                        "published", "note"])
    if len(table):
        agg = table.groupby("year", as_index=False)[
            ["demand_t", "recycling_t", "existing_t", "portfolio_t"]].sum()
        agg["commodity"] = BASE_METALS_ROW
        agg["demand_source"] = [_kinds(table.loc[table["year"] == y, "demand_source"])
                                for y in agg["year"]]
        agg["published"] = [published.get((BASE_METALS_ROW, y), np.nan) for y in agg["year"]]
        agg["note"] = "sum over " + ", ".join(wanted)
        table = pd.concat([table, agg[table.columns]], ignore_index=True)
    table["basis"] = basis
    table["ratio_existing"] = (table["existing_t"] + table["recycling_t"]) / table["demand_t"]
    table["ratio"] = (table["existing_t"] + table["portfolio_t"] + table["recycling_t"]) \
        / table["demand_t"]
    table["target"] = target
    table["target_year"] = target_year
    table["gap_to_target_pp"] = (target - table["ratio"]) * 100.0
    order = {m: i for i, m in enumerate([*wanted, BASE_METALS_ROW])}
    table = table.sort_values(["year", "commodity"], key=lambda s: s.map(order)
                              if s.name == "commodity" else s, ignore_index=True, kind="stable")
    table = table[COLUMNS]
    notes = [f"existing stakes on the {basis} basis: stakes valid each year, mine output of "
             "the year or, after the last reported year, the latest one held"]
    if growth:
        notes.append(f"demand and recycling grow {growth:.1%}/yr after the last statistic "
                     f"(source: {growth_source})")
    else:
        notes.append("demand and recycling after the last statistic are held flat")
    if len(counted):
        notes.append(f"{len(counted)} project(s) at expected value (stake x output x success "
                     f"probability), ramped up over ramp_up_years (default "
                     f"{DEFAULT_RAMP_UP_YEARS}) from the online year; new stakes count in full")
    if ignored:
        notes.append(f"not base-metal mines, not counted: {', '.join(ignored)}")
    if target == target:
        notes.append(f"target: {target:.0%} by {int(target_year)}")
    table.attrs["notes"] = notes
    return table


def _kinds(sources: Iterable[str]) -> str:
    """Kinds of demand figures behind a total: statistic, estimate, held_flat, grown."""
    kinds = dict.fromkeys(str(s).split("_from_")[0] for s in sources)
    return "+".join(kinds)


def trajectory_payload(table: pd.DataFrame) -> dict:
    """The trajectory as a JSON-ready dict: one series per commodity, target and notes.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> payload = trajectory_payload(trajectory(load_dataset(), years=[2023]))
    >>> sorted(payload)
    ['basis', 'notes', 'series', 'target', 'target_year']
    """
    series = {}
    for metal, part in table.groupby("commodity", sort=False):
        series[str(metal)] = [
            {"year": int(r.year), "ratio": float(r.ratio), "ratio_existing": float(r.ratio_existing),
             "demand_t": float(r.demand_t), "demand_source": str(r.demand_source),
             "recycling_t": float(r.recycling_t), "existing_t": float(r.existing_t),
             "portfolio_t": float(r.portfolio_t),
             "published": None if r.published != r.published else float(r.published)}
            for r in part.itertuples(index=False)]
    first = table.iloc[0] if len(table) else None
    return {
        "basis": None if first is None else str(first["basis"]),
        "target": None if first is None or first["target"] != first["target"]
        else float(first["target"]),
        "target_year": None if first is None or pd.isna(first["target_year"])
        else int(first["target_year"]),
        "series": series,
        "notes": list(table.attrs.get("notes", [])),
    }


def plot_trajectory(table: pd.DataFrame, ax=None, *, per_metal: bool = True):
    """Chart of the trajectory: base metals with and without the portfolio, the target line.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`trajectory`.
    ax : matplotlib Axes, optional
    per_metal : bool
        Also draw each metal's ratio (thin lines).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from scrisk import load_dataset
    >>> ax = plot_trajectory(trajectory(load_dataset(), years=[2023, 2024]))
    >>> ax.get_ylabel()
    'self-sufficiency ratio'
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    total = table.loc[table["commodity"] == BASE_METALS_ROW].sort_values("year")
    ax.plot(total["year"], total["ratio_existing"], color="0.45", linestyle="--",
            label="base metals, existing stakes")
    if (total["portfolio_t"] > 0).any():
        ax.plot(total["year"], total["ratio"], color="C0", linewidth=2.2,
                label="base metals, with portfolio")
    if per_metal:
        for i, (metal, part) in enumerate(table.loc[table["commodity"] != BASE_METALS_ROW]
                                          .groupby("commodity", sort=False)):
            ax.plot(part["year"], part["ratio"], linewidth=0.9, alpha=0.7, color=f"C{i + 2}",
                    label=str(metal))
    published = total.loc[total["published"].notna()]
    if len(published):
        ax.scatter(published["year"], published["published"], color="black", zorder=5,
                   label="published (METI)")
    target = total["target"].dropna()
    if len(target):
        year = total["target_year"].dropna()
        ax.axhline(float(target.iloc[0]), color="C3", linestyle=":", linewidth=1.2,
                   label=f"target {float(target.iloc[0]):.0%}"
                         + (f" by {int(year.iloc[0])}" if len(year) else ""))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("self-sufficiency ratio")
    ax.set_xlabel("year")
    ax.set_ylim(bottom=0)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize="small")
    return ax


def _target(dataset: Dataset, iso3: str) -> tuple[float, float]:
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == TARGET_METRIC)]
    if rows.empty:
        return float("nan"), float("nan")
    return float(rows["value"].iloc[0]), float(rows["year"].iloc[0])


def _published(dataset: Dataset, iso3: str) -> dict[tuple[str, int], float]:
    from scrisk.metrics.self_sufficiency import _published as published

    out = published(dataset, iso3)
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == PUBLISHED_METRIC)]
    for row in rows.itertuples(index=False):
        out[(BASE_METALS_ROW, int(row.year))] = float(row.value)
    return out
