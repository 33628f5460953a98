"""Repair implausible trade quantities by unit-value checks (a pure function).

BACI quantities are partly imputed and have breaks: a country's concentrate
exports halve for a year while their value does not. Each flow's unit value
(value / quantity) is compared with

(a) the world median unit value of the same product in the same year: the
    median over exporters of each exporter's unit value (total value / total
    quantity of its flows), one vote per exporter, so that neither one large
    exporter nor many small sample shipments set it; and
(b) the flow's own history: the median, over the other years within
    ``window`` years, of the flow's ratio to the world median (ratios, so
    that price cycles cancel). A flow with no history of its own uses its
    exporter's (all partners) ratio in those years.

A flow is out of tolerance when it is further than ``history`` from its own
history *and* further than ``world`` from the world median, in the same
direction; a flow without any history only when it is further than
``world_alone`` from the world median. Its quantity becomes value / expected
unit value, where the expected unit value is the world median times the
flow's historical ratio (1 without history). A flow with a value but no or
zero quantity is filled the same way. Flows below ``min_value_kusd`` are not
tested (sample shipments have erratic unit values). ``docs/methods.md``
("Trade conversion and repair") has the formulas and a worked example.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

RULE_UNIT_VALUE = "unit_value"
RULE_MISSING = "missing_quantity"
RULE_EXPORTER_BREAK = "exporter_break"
FLOW_KEY = ("exporter", "importer")
REPAIR_COLUMNS = ("year", "hs6", "exporter", "importer", "value_kusd", "reported_t",
                  "repaired_t", "unit_value_reported", "unit_value_used", "world_median",
                  "history_ratio", "rule")


@dataclass(frozen=True)
class RepairTolerance:
    """Thresholds of :func:`repair_trade` (factors are symmetric: 2 means x2 or /2).

    Attributes
    ----------
    world : float
        Factor from the world median unit value beyond which a flow with
        history may be repaired.
    history : float
        Factor from the flow's own history (relative to the world median)
        beyond which it is repaired.
    world_alone : float
        Factor from the world median for flows without any history.
    window : int
        Years on each side that count as history.
    min_value_kusd : float
        Flows with a smaller value (thousand USD) are not tested.
    min_vote_share : float
        Share of a product's world value (that year) an exporter needs to
        vote in the world median (so that a few tonnes shipped by a
        non-producer do not set the median of a two-exporter product) and to
        be tested for an exporter-year break.
    break_flow : float
        In a broken exporter-year, factor from its own history beyond which a
        flow is repaired.
    history_cap : float
        A history further than this from the world median is not taken as
        the flow's norm (years of impossible quantities, e.g. copper
        concentrate at 3 USD/t); consistently low-grade exporters (ore at
        1/40 of the concentrate median) stay within it.
    """

    world: float = 2.0
    history: float = 2.0
    world_alone: float = 5.0
    window: int = 5
    min_value_kusd: float = 250.0
    min_vote_share: float = 0.01
    break_flow: float = 1.5
    history_cap: float = 100.0

    def __post_init__(self) -> None:
        for name in ("world", "history", "world_alone", "break_flow", "history_cap"):
            if getattr(self, name) <= 1:
                raise ValueError(f"RepairTolerance.{name} must be a factor > 1, "
                                 f"got {getattr(self, name)!r}")
        if self.window < 1:
            raise ValueError(f"RepairTolerance.window must be >= 1 year, got {self.window!r}")
        if self.min_value_kusd < 0:
            raise ValueError(f"RepairTolerance.min_value_kusd must be >= 0, "
                             f"got {self.min_value_kusd!r}")


def repair_trade(trade: pd.DataFrame, tolerance: RepairTolerance | None = None,
                 group: Sequence[str] = ("hs6",)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace out-of-tolerance and missing trade quantities; list every repair.

    Parameters
    ----------
    trade : pandas.DataFrame
        Flows with ``year``, the ``group`` columns, ``exporter``, ``importer``,
        ``quantity_t`` (gross t) and ``value_kusd``. When a
        ``quantity_t_reported`` column is present it is taken as the reported
        quantity (so repairing repaired data gives the same result).
    tolerance : RepairTolerance, optional
        Thresholds; the defaults are documented in ``docs/methods.md``.
    group : sequence of str
        Columns that define one product (a world median per group and year),
        ``("hs6",)`` by default; the build adds the HS map's exporter group so
        that Philippine laterite ore and Canadian concentrate (both 260400)
        are not held to one median.

    Returns
    -------
    repaired : pandas.DataFrame
        ``trade`` (same rows and order) with ``quantity_t`` repaired,
        ``quantity_t_reported`` (the reported quantity, NaN where none) and
        ``repair`` (empty string, or the rule and figures behind the new quantity).
    repairs : pandas.DataFrame
        One row per repaired flow: year, hs6, exporter, importer, value_kusd,
        reported_t, repaired_t, unit_value_reported, unit_value_used,
        world_median (kUSD/t), history_ratio and rule.

    Examples
    --------
    Three exporters; in 2021 A's quantity to X is a third of its usual share:

    >>> rows = [(y, "260300", e, "X", q, v) for y, e, q, v in [
    ...     (2020, "A", 1000.0, 2000.0), (2021, "A", 330.0, 2000.0), (2022, "A", 1000.0, 2000.0),
    ...     (2020, "B", 500.0, 1000.0), (2021, "B", 500.0, 1000.0), (2022, "B", 500.0, 1000.0),
    ...     (2020, "C", 600.0, 1200.0), (2021, "C", 600.0, 1200.0), (2022, "C", 600.0, 1200.0)]]
    >>> trade = pd.DataFrame(rows, columns=["year", "hs6", "exporter", "importer",
    ...                                     "quantity_t", "value_kusd"])
    >>> fixed, repairs = repair_trade(trade)
    >>> repairs[["year", "exporter", "reported_t", "repaired_t", "rule"]].values.tolist()
    [[2021, 'A', 330.0, 1000.0, 'unit_value']]
    """
    tol = tolerance or RepairTolerance()
    group = list(group)
    needed = ["year", *group, *FLOW_KEY, "quantity_t", "value_kusd"]
    missing = [c for c in needed if c not in trade]
    if missing:
        raise KeyError(f"repair_trade: trade lacks columns {missing}; it needs {needed}")
    reported = (trade["quantity_t_reported"] if "quantity_t_reported" in trade
                else trade["quantity_t"]).to_numpy(dtype="float64", na_value=np.nan)
    value = trade["value_kusd"].to_numpy(dtype="float64", na_value=np.nan)
    flows = trade[["year", *group, *FLOW_KEY]].reset_index(drop=True)
    flows["year"] = flows["year"].astype("int64")
    has_value = np.isfinite(value) & (value > 0)
    valid = has_value & np.isfinite(reported) & (reported > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = np.where(valid, value / reported, np.nan)
    tested = valid & (value >= tol.min_value_kusd)

    median = _world_median(flows, group, value, reported, tested, tol.min_vote_share)
    log_ratio = np.log(uv) - np.log(median)
    usable = tested & np.isfinite(log_ratio)
    history = _history(flows, [*group, *FLOW_KEY], log_ratio, usable, tol.window)
    # a history beyond history_cap (years of impossible quantities) is not a norm
    history[np.abs(history) > np.log(tol.history_cap)] = np.nan
    exporter_ratio, exporter_share = _exporter_log_ratio(flows, group, value, reported, tested,
                                                         median)
    fallback = _history(flows, [*group, "exporter"], exporter_ratio,
                        np.isfinite(exporter_ratio), tol.window, one_per_year=True)
    fallback[np.abs(fallback) > np.log(tol.history_cap)] = np.nan

    # exporter-year breaks: every flow of the exporter that year is off (Chile 2021)
    exporter_dev = exporter_ratio - fallback
    exporter_break = (has_value & np.isfinite(exporter_dev)
                      & (exporter_share >= tol.min_vote_share)
                      & (np.abs(exporter_dev) > np.log(tol.history))
                      & (np.abs(exporter_ratio) > np.log(tol.world))
                      & (np.sign(exporter_dev) == np.sign(exporter_ratio)))
    flow_history = history
    history = np.where(np.isfinite(history), history, fallback)
    has_history = np.isfinite(history)
    deviation = log_ratio - np.where(has_history, history, 0.0)
    out_world = np.abs(log_ratio) > np.log(tol.world)
    out_history = np.abs(deviation) > np.log(tol.history)
    same_way = np.sign(deviation) == np.sign(log_ratio)
    out_alone = np.abs(log_ratio) > np.log(tol.world_alone)
    bad_flow = usable & np.where(has_history, out_world & out_history & same_way, out_alone)
    # a flow of a broken exporter-year is held to its own history (else its exporter's)
    break_history = np.where(np.isfinite(flow_history), flow_history, fallback)
    break_dev = log_ratio - break_history
    exporter_break &= ~bad_flow & (
        ~np.isfinite(log_ratio)  # no quantity: filled from the history below
        | ((np.abs(break_dev) > np.log(tol.break_flow))
           & (np.sign(break_dev) == np.sign(exporter_dev))))
    exporter_break &= np.isfinite(break_history)
    history = np.where(exporter_break, break_history, history)
    has_history = np.isfinite(history)
    expected_uv = median * np.exp(np.where(has_history, history, 0.0))
    bad_unit_value = bad_flow | exporter_break
    no_quantity = (has_value & ~(np.isfinite(reported) & (reported > 0)) & ~exporter_break
                   & np.isfinite(expected_uv))
    fix = bad_unit_value | no_quantity
    with np.errstate(divide="ignore", invalid="ignore"):
        new_quantity = np.where(fix, value / expected_uv, reported)
    rule = np.where(bad_flow, RULE_UNIT_VALUE,
                    np.where(exporter_break, RULE_EXPORTER_BREAK,
                             np.where(no_quantity, RULE_MISSING, "")))

    repaired = trade.copy()
    repaired["quantity_t"] = new_quantity
    repaired["quantity_t_reported"] = reported
    repaired["repair"] = _rule_text(rule, uv, expected_uv, median, history)
    idx = np.flatnonzero(fix)
    repairs = pd.DataFrame({
        "year": flows["year"].to_numpy()[idx],
        "hs6": trade["hs6"].astype(str).to_numpy()[idx],
        "exporter": flows["exporter"].astype(str).to_numpy()[idx],
        "importer": flows["importer"].astype(str).to_numpy()[idx],
        "value_kusd": value[idx],
        "reported_t": reported[idx],
        "repaired_t": new_quantity[idx],
        "unit_value_reported": uv[idx],
        "unit_value_used": expected_uv[idx],
        "world_median": median[idx],
        "history_ratio": np.exp(history[idx]),
        "rule": rule[idx],
    })
    return repaired, repairs.reset_index(drop=True)


def _world_median(flows: pd.DataFrame, group: list[str], value: np.ndarray,
                  quantity: np.ndarray, tested: np.ndarray, min_share: float) -> np.ndarray:
    """Median over exporters of exporter unit values, per group and year, for every row.

    Exporters with less than ``min_share`` of the group's value that year do not vote.
    """
    keys = ["year", *group]
    sub = flows.loc[tested, [*keys, "exporter"]].assign(v=value[tested], q=quantity[tested])
    per_exporter = sub.groupby([*keys, "exporter"], sort=False, observed=True)[["v", "q"]].sum()
    levels = list(range(len(keys)))
    share = per_exporter["v"] / per_exporter.groupby(level=levels, sort=False)["v"].transform("sum")
    per_exporter = per_exporter.loc[share >= min_share].copy()
    per_exporter["uv"] = per_exporter["v"] / per_exporter["q"]
    medians = per_exporter.groupby(level=levels, sort=False)["uv"].median()
    return _lookup(flows, keys, medians)


def _exporter_log_ratio(flows: pd.DataFrame, group: list[str], value: np.ndarray,
                        quantity: np.ndarray, tested: np.ndarray,
                        median: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: log of its exporter's unit value (all partners that year) over the world
    median, and the exporter's share of the product's world value that year."""
    keys = ["year", *group, "exporter"]
    sub = flows.loc[tested, keys].assign(v=value[tested], q=quantity[tested])
    sums = sub.groupby(keys, sort=False, observed=True)[["v", "q"]].sum()
    exporter_uv = _lookup(flows, keys, sums["v"] / sums["q"])
    world = sums["v"].groupby(level=list(range(len(keys) - 1)), sort=False).transform("sum")
    share = np.nan_to_num(_lookup(flows, keys, sums["v"] / world), nan=0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(exporter_uv) - np.log(median), share


def _history(flows: pd.DataFrame, key: list[str], log_ratio: np.ndarray, usable: np.ndarray,
             window: int, one_per_year: bool = False) -> np.ndarray:
    """Median of ``log_ratio`` over the other years (within ``window``) of the same key."""
    sub = flows.loc[usable, [*key, "year"]].assign(r=log_ratio[usable])
    if one_per_year:
        sub = sub.drop_duplicates([*key, "year"])
    if sub.empty:
        return np.full(len(flows), np.nan)
    codes = sub.groupby(key, sort=False, observed=True).ngroup().to_numpy()
    frame = pd.DataFrame({"k": codes, "year": sub["year"].to_numpy(), "r": sub["r"].to_numpy()})
    per_year = frame.groupby(["k", "year"], sort=False)["r"].median().reset_index()
    parts = []
    for shift in range(-window, window + 1):
        if shift:
            parts.append(per_year.assign(year=per_year["year"] + shift))
    shifted = pd.concat(parts, ignore_index=True)
    hist = shifted.groupby(["k", "year"], sort=False)["r"].median()
    all_codes = _key_codes(flows, key, sub, codes)
    target = pd.MultiIndex.from_arrays([all_codes, flows["year"].to_numpy()])
    pos = hist.index.get_indexer(target)
    return np.where(pos >= 0, hist.to_numpy()[np.maximum(pos, 0)], np.nan)


def _key_codes(flows: pd.DataFrame, key: list[str], sub: pd.DataFrame,
               codes: np.ndarray) -> np.ndarray:
    """Key codes of ``sub`` extended to every row of ``flows`` (-1 where the key is unseen)."""
    known = pd.MultiIndex.from_frame(sub[key].astype(str)) if len(key) > 1 else \
        pd.Index(sub[key[0]].astype(str))
    first = pd.Series(codes, index=known)
    first = first[~first.index.duplicated()]
    wanted = pd.MultiIndex.from_frame(flows[key].astype(str)) if len(key) > 1 else \
        pd.Index(flows[key[0]].astype(str))
    pos = first.index.get_indexer(wanted)
    return np.where(pos >= 0, first.to_numpy()[np.maximum(pos, 0)], -1)


def _lookup(flows: pd.DataFrame, keys: list[str], values: pd.Series) -> np.ndarray:
    """``values`` (indexed by ``keys``) looked up for every row of ``flows``."""
    if values.empty:
        return np.full(len(flows), np.nan)
    index = values.index
    if len(keys) > 1:
        wanted = pd.MultiIndex.from_frame(flows[keys])
    else:
        wanted = pd.Index(flows[keys[0]])
    pos = index.get_indexer(wanted)
    return np.where(pos >= 0, values.to_numpy(dtype="float64")[np.maximum(pos, 0)], np.nan)


def _rule_text(rule: np.ndarray, uv: np.ndarray, expected: np.ndarray, median: np.ndarray,
               history: np.ndarray) -> np.ndarray:
    """Human-readable rule of each repaired row ('' for the others)."""
    out = np.full(len(rule), "", dtype=object)
    for i in np.flatnonzero(rule != ""):
        ratio = np.exp(history[i]) if np.isfinite(history[i]) else 1.0
        basis = (f"expected {expected[i]:.4g} kUSD/t = world median {median[i]:.4g} "
                 f"x own history {ratio:.3g}")
        if rule[i] in (RULE_UNIT_VALUE, RULE_EXPORTER_BREAK):
            shown = f"reported {uv[i]:.4g} kUSD/t; " if np.isfinite(uv[i]) else ""
            out[i] = f"{rule[i]}: {shown}{basis}; q = value / expected"
        else:
            out[i] = f"{RULE_MISSING}: {basis}; q = value / expected"
    return out


def repairs_of(trade: pd.DataFrame) -> pd.DataFrame:
    """The repairs recorded in a repaired trade table (its ``repair`` column), one row each.

    Parameters
    ----------
    trade : pandas.DataFrame
        A trade table with ``quantity_t``, ``quantity_t_reported``, ``value_kusd``
        and ``repair`` (as written by the build or ``scrisk data import-baci``).

    Returns
    -------
    pandas.DataFrame
        year, hs6, commodity, stage, exporter, importer, value_kusd,
        reported_t, repaired_t, unit_value_reported and unit_value_used
        (kUSD/t), rule (``unit_value``, ``exporter_break`` or
        ``missing_quantity``) and repair (the full text), sorted by year,
        hs6, exporter and importer.

    Examples
    --------
    >>> t = pd.DataFrame({"year": [2021, 2021], "hs6": ["260300"] * 2,
    ...                   "commodity": ["copper"] * 2, "stage": ["mining"] * 2,
    ...                   "exporter": ["CHL", "PER"], "importer": ["CHN"] * 2,
    ...                   "quantity_t": [100.0, 50.0], "quantity_t_reported": [40.0, 50.0],
    ...                   "value_kusd": [200.0, 100.0],
    ...                   "repair": ["unit_value: reported 5 kUSD/t; ...", ""]})
    >>> repairs_of(t)[["exporter", "reported_t", "repaired_t", "rule"]].values.tolist()
    [['CHL', 40.0, 100.0, 'unit_value']]
    """
    if "repair" not in trade:
        return pd.DataFrame(columns=["year", "hs6", "commodity", "stage", "exporter",
                                     "importer", "value_kusd", "reported_t", "repaired_t",
                                     "unit_value_reported", "unit_value_used", "rule", "repair"])
    text = trade["repair"].astype(object).where(trade["repair"].notna(), "").astype(str)
    rows = trade.loc[text.to_numpy() != ""]
    reported = rows["quantity_t_reported"].to_numpy(dtype="float64", na_value=np.nan)
    repaired = rows["quantity_t"].to_numpy(dtype="float64", na_value=np.nan)
    value = rows["value_kusd"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        uv_reported = np.where(reported > 0, value / reported, np.nan)
        uv_used = value / repaired
    out = pd.DataFrame({
        "year": rows["year"].astype("int64").to_numpy(),
        "hs6": rows["hs6"].astype(str).to_numpy(),
        "commodity": rows["commodity"].astype(str).to_numpy(),
        "stage": rows["stage"].astype(str).to_numpy(),
        "exporter": rows["exporter"].astype(str).to_numpy(),
        "importer": rows["importer"].astype(str).to_numpy(),
        "value_kusd": value, "reported_t": reported, "repaired_t": repaired,
        "unit_value_reported": uv_reported, "unit_value_used": uv_used,
        "rule": text.loc[rows.index].str.split(":").str[0].to_numpy(),
        "repair": text.loc[rows.index].to_numpy(),
    })
    return out.sort_values(["year", "hs6", "exporter", "importer"], ignore_index=True)


def repair_summary(trade: pd.DataFrame, repairs: pd.DataFrame) -> str:
    """One line: flows and gross tonnage repaired, by rule.

    Examples
    --------
    >>> t = pd.DataFrame({"quantity_t_reported": [40.0, 50.0], "repair": ["unit_value: x", ""]})
    >>> r = pd.DataFrame({"rule": ["unit_value"], "reported_t": [40.0], "repaired_t": [100.0]})
    >>> repair_summary(t, r)
    '1 of 2 flows repaired (50.0 %): reported 40 t -> 100 t (44.4 % of reported tonnage); unit_value 1'
    """
    total_flows = len(trade)
    total_t = float(np.nansum(trade["quantity_t_reported"].to_numpy(dtype="float64",
                                                                    na_value=np.nan)))
    reported = float(np.nansum(repairs["reported_t"].to_numpy(dtype="float64")))
    repaired = float(np.nansum(repairs["repaired_t"].to_numpy(dtype="float64")))
    by_rule = repairs["rule"].value_counts().sort_index()
    share = 100 * len(repairs) / total_flows if total_flows else 0.0
    t_share = 100 * reported / total_t if total_t else 0.0
    rules = ", ".join(f"{rule} {count}" for rule, count in by_rule.items())
    return (f"{len(repairs):,} of {total_flows:,} flows repaired ({share:.1f} %): reported "
            f"{reported:,.0f} t -> {repaired:,.0f} t ({t_share:.1f} % of reported tonnage)"
            f"{'; ' + rules if rules else ''}")
