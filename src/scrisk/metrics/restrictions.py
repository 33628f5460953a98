"""Share of an importer's supply that faced an export restriction in force, by year.

Reads the inventory ``minerals/export_restrictions.csv`` and the shared origin
model (:func:`scrisk.origins.flow_model`, the same one exposure, chokepoints and
scenarios use). For an importer ``m``, a commodity and a year ``y``, at the
stage the importer buys (its headline stage, or one given):

* **direct**: the importer's imports of that stage from partners that had a
  measure on that commodity *and that stage* in force in ``y`` whose scope
  covers ``m`` (all destinations, or ``m`` named), over its supply of the
  stage (own output plus imports);
* **crossed a restricted border** (look-through along the flow path): the
  part of the same supply that, at this stage or any stage below, was shipped
  by a country restricting exports of that commodity at that stage, to a
  destination the measure covers (traced forward through re-exports and
  processing with the shared model's proportional mixing), over the supply;
* **mined origin** (look-through): the part of the same supply mined in
  countries that had a measure on that commodity (any stage) in force in
  ``y`` covering ``m``, over the supply. It reads "mined where exports were
  restricted", an upper bound on exposure to mine-level measures, whatever
  border the metal crossed.

A measure is *in force in a year* when it is in force for any part of it
(start on or before 31 December, end empty or on or after 1 January); the
months it covers are listed beside it, not used as a weight. Measures marked
``not_in_force`` are never counted; ``partial`` ones are (the share is then an
upper bound, and a note says so). ``docs/methods.md`` has the formulas and a
worked example.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.linalg

from scrisk.data.export_restrictions import (
    covers,
    months_in_force,
    restriction_table,
)
from scrisk.data.load import Dataset
from scrisk.data.schemas import STAGES
from scrisk.exceptions import UnknownChoiceError
from scrisk.metrics.exposure import headline_stage
from scrisk.origins import flow_model, label_kind

__all__ = ["RestrictionOptions", "RestrictionShares", "restriction_shares", "measures_in_force",
           "crossed_tonnes"]

SUMMARY_COLUMNS = ["year", "commodity", "stage", "headline", "unit", "supply_t", "direct_t", "direct_share",
                   "crossed_t", "crossed_share", "mined_t", "mined_share", "measures"]
PARTNER_COLUMNS = ["year", "commodity", "stage", "partner", "tonnes", "share", "measures"]
ORIGIN_COLUMNS = ["year", "commodity", "stage", "origin", "tonnes", "share", "measures"]
CROSSED_COLUMNS = ["year", "commodity", "stage", "exporter", "tonnes", "share", "measures"]
_CROSSED_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {key: shares}


@dataclass(frozen=True)
class RestrictionOptions:
    """What :func:`restriction_shares` computes (shared by the CLI and the API).

    Attributes
    ----------
    importer : str
        ISO3 code or name (default ``JPN``).
    commodities : tuple of str or None
        Commodities (default: every commodity the inventory names that the data hold).
    years : tuple of int or None
        Years (default: every year with production and trade data).
    stage : str or None
        Stage of the importer's supply (default: its headline stage, per commodity and year).
    """

    importer: str = "JPN"
    commodities: tuple[str, ...] | None = None
    years: tuple[int, ...] | None = None
    stage: str | None = None


@dataclass(frozen=True)
class RestrictionShares:
    """Result of :func:`restriction_shares`.

    Attributes
    ----------
    importer : str
    table : pandas.DataFrame
        One row per year, commodity and stage (the importer's headline stage, and every
        stage a measure restricts where it has supply; ``headline`` marks the first):
        ``year, commodity, stage, headline, unit, supply_t, direct_t, direct_share,
        crossed_t, crossed_share, mined_t, mined_share, measures`` (ids of the measures
        counted, ``;``-separated). Shares are fractions of ``supply_t``;
        ``direct <= crossed`` always, ``mined`` may be above or below ``crossed``.
    partners : pandas.DataFrame
        Restricted direct imports by partner: ``year, commodity, stage, partner, tonnes,
        share, measures``.
    origins : pandas.DataFrame
        Restricted supply by mining origin: ``year, commodity, stage, origin, tonnes,
        share, measures``.
    crossed : pandas.DataFrame
        Supply that crossed a restricted export, by restricting exporter: ``year,
        commodity, stage, exporter, tonnes, share, measures`` (metal that crossed two
        restricting countries' borders counts under both, so the rows may add up to
        more than ``crossed_t``).
    measures : pandas.DataFrame
        Every measure of the inventory for the commodities asked, with the years it is
        counted in (``years``), ``status`` (``counted``, ``no_flow``, ``outside_years``,
        ``other_scope``, ``not_in_force``) and why it changes nothing in the data, if so
        (``data_note``).
    notes : tuple of str
        Data gaps next to the numbers (measures whose products or flows the data lack,
        partial enforcement, untraced supply).
    """

    importer: str
    table: pd.DataFrame
    partners: pd.DataFrame
    origins: pd.DataFrame
    measures: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    crossed: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CROSSED_COLUMNS))

    def summary(self) -> pd.DataFrame:
        """The per-year table."""
        return self.table


def measures_in_force(dataset: Dataset, year: int, commodity: str | None = None,
                      destination: str | None = None) -> pd.DataFrame:
    """Measures in force for any part of ``year`` (``not_in_force`` ones left out).

    Parameters
    ----------
    dataset : Dataset
    year : int
    commodity : str, optional
        Only measures on this commodity.
    destination : str, optional
        Only measures whose scope covers this ISO3 destination.

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`scrisk.data.export_restrictions.restriction_table` plus
        ``months`` (months of ``year`` in force, 0-12).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ids = measures_in_force(load_dataset(), 2020, "nickel")["measure_id"].tolist()
    >>> ids
    ['IDN-2020-NI-ORE-BAN']
    """
    table = restriction_table(dataset)
    if table.empty:
        return table.assign(months=pd.Series(dtype="float64"))
    keep = (table["enforcement"] != "not_in_force").to_numpy(dtype=bool).copy()
    if commodity is not None:
        keep &= (table["commodity"] == commodity).to_numpy(dtype=bool)
    if destination is not None:
        keep &= np.array([covers(s, destination) for s in table["scope_list"]], dtype=bool)
    months = np.array([months_in_force(s, e, int(year))
                       for s, e in zip(table["start"], table["end"], strict=True)])
    keep &= months > 0
    out = table.loc[keep].copy()
    out["months"] = months[keep]
    return out.reset_index(drop=True)


def restriction_shares(dataset: Dataset, options: RestrictionOptions | None = None,
                       **overrides) -> RestrictionShares:
    """Share of the importer's supply that faced an export restriction, by year.

    Parameters
    ----------
    dataset : Dataset
    options : RestrictionOptions, optional
    **overrides
        Fields of :class:`RestrictionOptions` (``importer="JPN"``, ``commodities=...``).

    Returns
    -------
    RestrictionShares

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> result = restriction_shares(load_dataset(), commodities=("nickel",), years=(2020,),
    ...                             stage="intermediate")
    >>> result.table[["year", "commodity", "stage"]].values.tolist()
    [[2020, 'nickel', 'intermediate']]
    >>> # Indonesian-mined nickel under the ore ban, but it left Indonesia as matte (unrestricted)
    >>> result.table[["direct_share", "crossed_share", "mined_share"]].round(2).values.tolist()
    [[0.0, 0.0, 0.22]]
    """
    opts = options or RestrictionOptions()
    if overrides:
        opts = RestrictionOptions(**{**opts.__dict__, **overrides})
    importer = dataset.check_country(opts.importer)
    inventory = restriction_table(dataset)
    data_years = sorted(set(dataset.years("production")) & set(dataset.years("trade")))
    years = data_years if opts.years is None else [dataset.check_year(int(y), "trade")
                                                   for y in opts.years]
    if opts.stage is not None and opts.stage not in STAGES:
        raise UnknownChoiceError("stage", opts.stage, STAGES)
    named = [c for c in dict.fromkeys(inventory["commodity"]) if c in dataset.commodities_list]
    commodities = (sorted(named) if opts.commodities is None
                   else [dataset.check_commodity(c) for c in opts.commodities])
    rows, partner_rows, origin_rows, crossed_rows = [], [], [], []
    notes: list[str] = []
    counted: dict[str, set[int]] = {}
    flowing: set[str] = set()
    held: dict[tuple[str, str], list[int]] = {}  # (commodity, network note) -> years
    in_force = {year: _records(measures_in_force(dataset, year)) for year in years}
    for commodity in commodities:
        measure_stages = set(inventory.loc[inventory["commodity"] == commodity, "stage"])
        for year in years:
            anywhere = [r for r in in_force[year] if r.commodity == commodity]  # for links
            active = [r for r in anywhere if covers(r.scope_list, importer)]
            model = flow_model(dataset, commodity, year)
            for note in model.network.notes:  # output held from another year's shares
                if "uses the published shares of" in note:
                    held.setdefault((commodity, note.replace(f" of {year} ", " of ")),
                                    []).append(year)
            headline = headline_stage(model, importer)
            if opts.stage is not None:
                stages = [opts.stage]
            else:  # the headline stage, and every stage a measure restricts where m has supply
                stages = [s for s in model.stages if s == headline or (
                    s in measure_stages and model.supply(importer, s) > 0)] or [headline]
            for stage in stages:
                _one_stage(model, importer, commodity, year, stage, stage == headline, active,
                           rows, partner_rows, origin_rows, counted, flowing)
                _crossed_rows(model, importer, commodity, year, stage, anywhere, rows[-1],
                              crossed_rows, counted, flowing)
    table = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    measures = _measure_notes(dataset, inventory, commodities, importer, counted, flowing,
                              years)
    for r in measures.itertuples(index=False):
        if r.data_note:
            notes.append(f"{r.measure_id}: {r.data_note}")
    for (commodity, note), held_years in held.items():
        span = (f"{held_years[0]}" if len(held_years) == 1
                else f"{min(held_years)}-{max(held_years)}")
        notes.append(f"{commodity}: {note.replace(' output of ', f' output of {span} ')} "
                     "(no publication for those years: the output is held from it)")
    if len(table) and (table["crossed_t"] > 0).any():
        notes.append("crossed share: untraced feed (untraced:*) and re-exports beyond a pool "
                     "(unattributed) have no known path and never count as crossed, so where "
                     "they are large the crossed share is a lower bound")
    if len(table) and (table["supply_t"] <= 0).any():
        gaps = table.loc[table["supply_t"] <= 0, "commodity"].unique()
        notes.append(f"{importer} has no supply in the data of: {', '.join(gaps)} "
                     "(shares left empty)")
    return RestrictionShares(
        importer=importer, table=table,
        partners=pd.DataFrame(partner_rows, columns=PARTNER_COLUMNS),
        origins=pd.DataFrame(origin_rows, columns=ORIGIN_COLUMNS),
        measures=measures, notes=tuple(notes),
        crossed=pd.DataFrame(crossed_rows, columns=CROSSED_COLUMNS))


def _records(frame: pd.DataFrame) -> list:
    """Rows of a measures table as plain tuples (fast to filter many times)."""
    return list(frame[["measure_id", "country", "commodity", "stage", "scope_list"]]
                .itertuples(index=False, name="Measure"))


def _one_stage(model, importer: str, commodity: str, year: int, stage: str | None,
               headline: bool, active: list, rows: list, partner_rows: list,
               origin_rows: list, counted: dict[str, set[int]], flowing: set[str]) -> None:
    """Append the row of one commodity, year and stage (and its partner and origin rows)."""
    unit = model.network.unit
    supply = model.supply(importer, stage) if stage in model.stages else 0.0
    row = {"year": year, "commodity": commodity, "stage": stage or "", "headline": headline,
           "unit": unit, "supply_t": supply, "direct_t": 0.0, "direct_share": np.nan,
           "crossed_t": 0.0, "crossed_share": np.nan, "mined_t": 0.0, "mined_share": np.nan, "measures": ""}
    if supply <= 0:
        rows.append(row)
        return
    for r in active:
        counted.setdefault(r.measure_id, set()).add(year)
    net = model.network
    used: set[str] = set()
    by_country: dict[str, list[str]] = {}
    by_country_stage: dict[tuple[str, str], list[str]] = {}
    for r in active:
        by_country.setdefault(r.country, []).append(r.measure_id)
        by_country_stage.setdefault((r.country, r.stage), []).append(r.measure_id)
    # direct: shipments of this stage from a partner restricting this stage
    if stage in model.stages and net.has_country(importer):
        imports = net.trade(stage)[:, net.index(importer)]
        for k in np.nonzero(imports > 0)[0]:
            partner = net.countries[k]
            hit = by_country_stage.get((partner, stage), [])
            if hit:
                used.update(hit)
                flowing.update(hit)
                row["direct_t"] += float(imports[k])
                partner_rows.append({"year": year, "commodity": commodity,
                                     "stage": stage, "partner": partner,
                                     "tonnes": float(imports[k]),
                                     "share": float(imports[k]) / supply,
                                     "measures": ";".join(hit)})
    # look-through: supply mined in a country restricting the commodity at any stage
    for origin, tonnes in model.supply_by_origin(importer, stage).items():
        if label_kind(origin) != "mined":
            continue
        hit = by_country.get(origin, [])
        if hit:
            used.update(hit)
            flowing.update(hit)
            row["mined_t"] += float(tonnes)
            origin_rows.append({"year": year, "commodity": commodity, "stage": stage,
                                "origin": origin, "tonnes": float(tonnes),
                                "share": float(tonnes) / supply,
                                "measures": ";".join(hit)})
    row["direct_share"] = row["direct_t"] / supply
    row["mined_share"] = row["mined_t"] / supply
    row["measures"] = ";".join(sorted(used))
    rows.append(row)


def _crossed_rows(model, importer: str, commodity: str, year: int, stage: str | None,
                  anywhere: list, row: dict, crossed_rows: list,
                  counted: dict[str, set[int]], flowing: set[str]) -> None:
    """Fill ``crossed_t``/``crossed_share`` of ``row`` and add one row per exporter."""
    supply = row["supply_t"]
    if supply <= 0 or stage not in model.stages:
        return
    below = set(model.stages[:model.stages.index(stage) + 1])
    links = [r for r in anywhere if r.stage in below]
    if not links:
        row["crossed_share"] = 0.0
        return

    def restricted(measures: list) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for r in measures:
            out.setdefault(r.stage, []).append((r.country, tuple(r.scope_list)))
        return out

    total = crossed_tonnes(model, importer, stage, restricted(links))
    row["crossed_t"] = total
    row["crossed_share"] = total / supply
    used = set(filter(None, row["measures"].split(";")))
    groups: dict[str, list] = {}
    for r in links:
        groups.setdefault(r.country, []).append(r)
    for exporter in sorted(groups):
        group = groups[exporter]
        tonnes = (total if len(groups) == 1
                  else crossed_tonnes(model, importer, stage, restricted(group)))
        if tonnes <= supply * 1e-12:
            continue
        ids = sorted(r.measure_id for r in group)
        for mid in ids:
            counted.setdefault(mid, set()).add(year)
        used.update(ids)
        flowing.update(ids)
        crossed_rows.append({"year": year, "commodity": commodity, "stage": stage,
                             "exporter": exporter, "tonnes": tonnes,
                             "share": tonnes / supply, "measures": ";".join(ids)})
    row["measures"] = ";".join(sorted(used))


def _measure_notes(dataset: Dataset, inventory: pd.DataFrame, commodities: Iterable[str],
                   importer: str, counted: dict[str, set[int]], flowing: set[str],
                   years: list[int]) -> pd.DataFrame:
    """Each measure of the commodities asked, with the years counted and any data gap."""
    wanted = inventory.loc[inventory["commodity"].isin(list(commodities))]
    hs = dataset.hs_map if "hs_map" in dataset.table_names else pd.DataFrame(columns=["hs6",
                                                                                       "commodity"])
    rows = []
    for r in wanted.itertuples(index=False):
        mapped = set(hs.loc[hs["commodity"] == r.commodity, "hs6"].astype(str))
        reasons = []
        status = "counted"
        if r.enforcement == "not_in_force":
            status = "not_in_force"
            reasons.append("announced but not in force; never counted")
        elif not covers(r.scope_list, importer) and r.measure_id not in flowing:
            status = "other_scope"
            reasons.append(f"scope {';'.join(r.scope_list)} does not cover {importer}")
        elif not covers(r.scope_list, importer):
            reasons.append(f"scope {';'.join(r.scope_list)} does not cover {importer}: counted "
                           "only in the crossed share (metal shipped to a covered destination "
                           f"and re-exported to {importer})")
        else:
            span = [y for y in years if r.start.year <= y and (r.end is None or r.end.year >= y)]
            if not span:
                status = "outside_years"
                reasons.append(f"in force outside the data years ({years[0]}-{years[-1]})"
                               if years else "no data years")
            elif r.measure_id not in flowing:
                status = "no_flow"
                reasons.append("no traced flow of the data faces it (no supply of "
                               f"{importer} from or mined in {r.country} in its years)")
            if r.products_list and len(hs) and not (set(r.products_list) & mapped):
                reasons.append("its products (HS " + ", ".join(r.products_list)
                               + ") map to no code of minerals/hs_map.csv for "
                               + r.commodity)
            if r.enforcement == "partial":
                reasons.append("enforcement partial (waivers or exemptions): its share is an "
                               "upper bound")
        rows.append({"measure_id": r.measure_id, "country": r.country,
                     "commodity": r.commodity, "stage": r.stage, "type": r.type,
                     "start_date": r.start_date, "end_date": r.end_date or "",
                     "scope": ";".join(r.scope_list), "enforcement": r.enforcement,
                     "years": ",".join(str(y) for y in sorted(counted.get(r.measure_id, ()))),
                     "status": status, "data_note": "; ".join(reasons)})
    return pd.DataFrame(rows, columns=["measure_id", "country", "commodity", "stage", "type",
                                       "start_date", "end_date", "scope", "enforcement",
                                       "years", "status", "data_note"])


def restricted_rows(result: RestrictionShares) -> pd.DataFrame:
    """The rows of ``result.table`` worth showing: commodity-stages with a share above 0.

    Keeps every year of a (commodity, stage) whose direct, crossed or mined-origin share is
    above zero in some year (the years at zero show when a measure began), sorted by commodity,
    stage and year.

    Examples
    --------
    >>> table = pd.DataFrame({"year": [2019, 2020], "commodity": "nickel", "stage": "mining",
    ...                       "direct_share": [0.0, 0.0], "mined_share": [0.0, 0.2]})
    >>> shares = RestrictionShares("JPN", table, pd.DataFrame(), pd.DataFrame(),
    ...                            pd.DataFrame())
    >>> restricted_rows(shares)["year"].tolist()
    [2019, 2020]
    """
    table = result.table
    if table.empty:
        return table
    shares = [c for c in ("direct_share", "crossed_share", "mined_share") if c in table]
    peak = table[shares].fillna(0.0).max(axis=1)
    keep = peak.groupby([table["commodity"], table["stage"]]).transform("max") > 0
    return table.loc[keep].sort_values(["commodity", "stage", "year"], kind="stable",
                                       ignore_index=True)


# --------------------------------------------------------------------------- crossed a border


def crossed_tonnes(model, importer: str, stage: str,
                   restricted: Mapping[str, Sequence[tuple[str, tuple[str, ...]]]]) -> float:
    """Tonnes of the importer's stage pool whose path crossed a restricted export.

    A restricted export is a trade link ``exporter -> destination`` of stage ``t``
    where ``restricted[t]`` lists ``(exporter, scope)`` (scope ``("all",)`` or ISO3
    destinations). The share of every pool that crossed such a link, at that stage or
    any stage below, is traced forward with the shared model's rules (proportional
    mixing of pools; output carries its traced feed's share, untraced feed none):

    ``P_t[c] x_t[c] = X_t[c] f_t[c] + sum_i R_t[i, c] + sum_i a_i U_t[i, c] x_t[i]``

    where ``R_t`` is the restricted part of the stage's trade ``F_t``, ``U_t = F_t - R_t``,
    ``a_i`` the traced share of ``i``'s exports (exports beyond the pool carry no history),
    and ``f_t`` the crossed share of the output's feed (``tau x`` the crossed share of the
    feed carried from stage ``t - 1``). ``docs/methods.md`` has a worked example.

    Parameters
    ----------
    model : FlowModel
    importer : str
        ISO3 code.
    stage : str
        Stage of the importer's pool.
    restricted : Mapping[str, Sequence[tuple[str, tuple[str, ...]]]]
        Stage -> restricting exporters with their scopes.

    Returns
    -------
    float
        Tonnes (contained) of ``P_stage[importer]`` that crossed a restricted export.

    Examples
    --------
    DR Congo restricts hydroxide (intermediate) exports: Finland's 60 t of hydroxide all
    crossed it; Finland refines 70 t (60 t from that feed, 10 t untraced) and ships 35 t
    to Japan, of which 35 x 60 / 70 = 30 t crossed DR Congo's restricted export.

    >>> from scrisk.origins import FlowModel, example_network
    >>> model = FlowModel(example_network())
    >>> round(crossed_tonnes(model, "JPN", "refining", {"intermediate": [("COD", ("all",))]}), 6)
    30.0
    """
    net = model.network
    if stage not in model.stages or not net.has_country(importer):
        return 0.0
    m = net.index(importer)
    key = tuple(sorted((s, tuple(sorted((c, tuple(scope)) for c, scope in entries)))
                       for s, entries in restricted.items()))
    memo = _CROSSED_MEMO.setdefault(model, {})
    if key not in memo:  # every stage in one forward pass, reused for the other stages
        memo[key] = _crossed_shares(model, len(model.stages) - 1, restricted)
    shares = memo[key][model.stages.index(stage)]
    return float(shares[m] * model.arrays[stage].pool[m])


def _restricted_matrix(model, stage: str,
                       entries: Sequence[tuple[str, tuple[str, ...]]]) -> scipy.sparse.csr_array:
    """The restricted part ``R`` of a stage's trade (same shape as ``F``)."""
    net = model.network
    F = model.arrays[stage].matrix.tocsr()
    n = F.shape[0]
    keep: dict[tuple[int, int], float] = {}  # a link named twice is kept once
    for exporter, scope in entries:
        if not net.has_country(exporter):
            continue
        i = net.index(exporter)
        row = F[[i], :].toarray()[0]
        for j in np.nonzero(row > 0)[0]:
            if covers(tuple(scope), net.countries[j]):
                keep[(i, int(j))] = row[j]
    if not keep:
        return scipy.sparse.csr_array((n, n))
    cells = sorted(keep)
    return scipy.sparse.csr_array(
        ([keep[c] for c in cells], ([c[0] for c in cells], [c[1] for c in cells])),
        shape=(n, n))


def _crossed_shares(model, last: int,
                    restricted: Mapping[str, Sequence[tuple[str, tuple[str, ...]]]]
                    ) -> list[np.ndarray]:
    """Crossed share of every pool, ``(n,)`` per stage up to ``model.stages[last]``."""
    n = len(model.network.countries)
    carry = np.zeros(n)
    out: list[np.ndarray] = []
    for t, stage in enumerate(model.stages[:last + 1]):
        a = model.arrays[stage]
        first_mine = t == 0 and stage == "mining"
        source = np.zeros(n) if first_mine else a.feed_used * carry
        R = _restricted_matrix(model, stage, restricted.get(stage, ()))
        rhs = a.output * source + np.asarray(R.sum(axis=0)).reshape(-1)
        shares = np.zeros(n)
        pools = a.pool
        live = a.live
        if live.size and rhs[live].any():  # else nothing crossed reaches a live pool: zeros
            if R.nnz:
                U = (a.matrix - R).tocsr()
                sub = scipy.sparse.diags_array(a.traced_exports[live]) @ U[live][:, live]
                M = (scipy.sparse.diags_array(pools[live]) - sub.T).tocsc()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", scipy.sparse.linalg.MatrixRankWarning)
                    lu = scipy.sparse.linalg.splu(M)
            else:  # no restricted link at this stage: the flow model's own (factored) system
                lu = model._factor(stage)
            solved = lu.solve(np.ascontiguousarray(rhs[live]))
            shares[live] = np.clip(np.nan_to_num(solved, nan=0.0), 0.0, 1.0)
        dead = a.dead  # pools no production reaches: only what arrived over a restricted link
        if dead.size:
            shares[dead] = np.clip(rhs[dead] / pools[dead], 0.0, 1.0)
        if first_mine:
            left = np.zeros(n)
        else:
            left = np.clip(a.feed - a.output, 0.0, None)
        mass = a.kept + left
        ok = mass > 1e-12
        new_carry = np.zeros(n)
        new_carry[ok] = (a.kept[ok] * shares[ok] + left[ok] * carry[ok]) / mass[ok]
        carry = new_carry
        out.append(shares)
    return out
