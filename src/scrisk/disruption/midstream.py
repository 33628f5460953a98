"""Chokepoints of the battery midstream: what a country's cathode, anode or cell supply hangs on.

The midstream sits on top of the element networks (``docs/architecture.md``):
a need of cathode (t CAM), anode (t anode material) or cells (GWh made in
the country) is met by the country's own plants first and by the other
producer countries pro rata (no bilateral midstream trade is held: the
*world-market assumption*, stated next to every number), and each
supplier's elements come from its pool of the element in the shared
element network. :func:`midstream_chokepoints` ranks the loss of

* each **midstream producer country** (``cathode:CHN``): all it supplies;
* each **upstream element node** (``cobalt mining:COD``,
  ``graphite material:CHN``, ``cobalt refining exports:FIN``): a country's
  output of one stage of an element's ladder, or its exports of it, lost
  entirely. The element engine (:class:`~scrisk.disruption.engine.SupplyModel`)
  gives the share of each supplier's element pool lost; the supplier's
  traced draw loses that share (its untraced draw is not touched, since
  its source is unknown).

A supplier's product falls with its scarcest element (fixed composition:
no substitution between elements or suppliers, no stocks), and a cell
needs both its cathode and its anode material. Removing a country's mines
loses exactly its mined tonnes in
:func:`scrisk.metrics.midstream.midstream_exposure`, and a producer
country exactly its supplier share: the ranking and the exposure read the
same flows. :func:`midstream_scenario` pushes every shock of a scenario
file at once through the same pools. Formulas and a worked example:
``docs/methods.md`` (chokepoints of the battery midstream).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import ScriskError

DEFAULT_THRESHOLD = 0.5
UPSTREAM_KINDS = ("production", "export")
# midstream stages whose product is itself a stage of an element's ladder: anode material is
# graphite's `material` stage (metrics.midstream), so a producer's anode shipments to the
# importer are its exports of that stage, and an export cut there stops them
PRODUCT_STAGE = {"anode": ("graphite", "material")}
EXPORT_KINDS = ("export_ban", "export_quota", "trade_link")
RANKING_COLUMNS = ["node", "level", "kind", "commodity", "node_stage", "iso3", "name",
                   "domestic", "loss_share", "loss_product", "unit", "world_market_share",
                   "elements"]
ELEMENT_COLUMNS = ["node", "via", "commodity", "loss_t", "need_t", "loss_share",
                   "contained_unit"]
SPOF_COLUMNS = ["scope", "node", "name", "share", "threshold"]
COMPOSITION_NOTE = ("a supplier's product falls with its scarcest element (fixed composition: "
                    "no substitution between elements or suppliers, no stocks); a cell needs "
                    "both its cathode and its anode material; the untraced part of a "
                    "supplier's element draw is not hit by upstream losses (its source is "
                    "unknown)")


@dataclass(frozen=True)
class MidstreamChokepointResult:
    """Chokepoints of one midstream stage of a country's supply.

    Attributes
    ----------
    importer, stage : str
    year : int
        Year of the midstream output shares.
    network_year : int
        Year of the element networks the elements are traced through.
    product_need : float
        The need ranked (t CAM, t anode material; GWh for cells).
    unit : str
    threshold : float
    ranking : pandas.DataFrame
        ``node, level, kind, commodity, node_stage, iso3, name, domestic,
        loss_share, loss_product, unit, world_market_share, elements``:
        ``loss_share`` is the share of the need lost if the node were lost
        entirely, ``loss_product = loss_share x product_need`` (``unit``);
        ``level`` is ``midstream`` (a producer country of the stage, or for
        cells of their cathode or anode material) or ``upstream`` (a
        country's output, ``kind`` production, or exports of one stage of
        an element); ``world_market_share`` is the part of the loss that runs
        through producers other than the importer's own plants, i.e. that
        rests on the world-market assumption; ``elements`` lists the
        contained-element losses. Largest first.
    by_element : pandas.DataFrame
        ``node, via, commodity, loss_t, need_t, loss_share,
        contained_unit``: contained element lost per node (``via`` the
        midstream stage that carries it).
    single_points : pandas.DataFrame
        ``scope, node, name, share, threshold``: nodes whose loss cuts more
        than ``threshold`` of the need (the importer's own nodes left out),
        and the largest producer of each midstream stage involved when it
        holds more than ``threshold`` of world output.
    notes : tuple of str
        The world-market assumption first, then data gaps and fallbacks.
    """

    importer: str
    stage: str
    year: int
    network_year: int
    product_need: float
    unit: str
    threshold: float
    ranking: pd.DataFrame
    by_element: pd.DataFrame
    single_points: pd.DataFrame
    notes: tuple[str, ...]

    def summary(self, top: int | None = 10, include_domestic: bool = False) -> pd.DataFrame:
        """The ``top`` nodes (the importer's own plants, refineries and mines left out)."""
        table = self.ranking if include_domestic else \
            self.ranking.loc[~self.ranking["domestic"].astype(bool)]
        table = table.reset_index(drop=True)
        return table if top is None else table.head(max(0, int(top)))

    def tables(self, top: int = 8) -> dict[str, object]:
        """Everything a report shows, computed here: ``ranking`` (the ``top`` foreign
        nodes), ``single_points``, ``notes``, ``product_need``, ``unit``, ``stage``,
        ``year`` and ``network_year``."""
        return {"ranking": self.summary(top), "single_points": self.single_points,
                "notes": self.notes, "product_need": self.product_need, "unit": self.unit,
                "stage": self.stage, "year": self.year, "network_year": self.network_year}


def midstream_chokepoints(dataset: Dataset, importer: str = "JPN", stage: str = "cathode",
                          year: int | None = None, *, scenario: str = "nickel_rich",
                          quantity: float | None = None, gwh: float | None = None,
                          basis: str = "calibrated", threshold: float = DEFAULT_THRESHOLD,
                          mix: pd.Series | None = None) -> MidstreamChokepointResult:
    """Rank the producer countries and element nodes a midstream supply depends on.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    stage : {"cathode", "anode", "cell", "precursor"}
        ``cathode`` / ``anode``: the country's supply of that material;
        ``cell``: the cathode and anode material of ``gwh`` of cells made in
        the country (its goal by default: 150 GWh/yr for Japan).
    year : int, optional
        Year of the midstream shares (default: the default analysis year).
    scenario : str
        Chemistry mix (``battery_scenarios.csv``).
    quantity : float, optional
        Product tonnes ranked (cathode, anode; default: the country's own
        output of the stage).
    gwh : float, optional
        Cells per year (``cell``; default: the policy target).
    basis : {"calibrated", "theoretical"}
        Material basis of the cells' needs.
    threshold : float
        Loss share above which a node is a single point of failure.
    mix : pandas.Series, optional
        Chemistry shares instead of ``scenario``.

    Returns
    -------
    MidstreamChokepointResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> result = midstream_chokepoints(load_dataset(), "JPN", "anode", 2024)
    >>> top = result.summary(1).iloc[0]
    >>> top["iso3"], top["commodity"], bool(0.5 < top["loss_share"] <= 1)
    ('CHN', 'graphite', True)
    """
    return _chokepoints(dataset, importer, stage, year, scenario, quantity, gwh, basis,
                        threshold, mix)


def _goal_chokepoints(dataset: Dataset, importer: str, goal) -> MidstreamChokepointResult:
    """``midstream_chokepoints(dataset, importer, "cell")`` of a computed battery goal.

    ``goal`` is :func:`scrisk.metrics.midstream.battery_goal` ``(dataset, importer)``
    with its defaults: its cell exposure is the one the ranking would compute (same
    GWh, scenario, basis and year), so it is reused instead of computed again.
    """
    return _chokepoints(dataset, importer, "cell", None, "nickel_rich", None, None,
                        "calibrated", DEFAULT_THRESHOLD, None,
                        known=(float(goal.target_gwh), goal.exposure))


def _chokepoints(dataset: Dataset, importer: str, stage: str, year: int | None, scenario: str,
                 quantity: float | None, gwh: float | None, basis: str, threshold: float,
                 mix: pd.Series | None, known: tuple | None = None
                 ) -> MidstreamChokepointResult:
    from scrisk.metrics.midstream import WORLD_MARKET_NOTE

    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    importer, exposure, parts = _need(dataset, importer, stage, year, scenario, quantity, gwh,
                                      basis, mix, known)
    names = dict(zip(dataset.countries["iso3"], dataset.countries["name_en"], strict=True))
    loss = _Losses(importer, exposure.needs.set_index("commodity"))
    network_year = None
    for via, via_mix in parts.items():
        nyear = _part(dataset, exposure, via, via_mix, loss)
        network_year = network_year or nyear
    ranking = loss.ranking(exposure.product_need, exposure.unit, names)
    notes = [f"assumption: {WORLD_MARKET_NOTE}", f"assumption: {COMPOSITION_NOTE}"]
    rest = loss.rest_of_world()
    if rest > 0:
        notes.append(f"{rest:.1%} of the need comes from the rest of world (ROW, not one "
                     "country): not ranked")
    notes.extend(exposure.notes)
    spof = _single_points(dataset, ranking, list(parts), exposure.year, threshold, names)
    return MidstreamChokepointResult(
        importer, stage, exposure.year, int(network_year or exposure.year),
        float(exposure.product_need), exposure.unit, float(threshold), ranking,
        loss.element_table(), spof, tuple(dict.fromkeys(notes)))


def _need(dataset: Dataset, importer: str, stage: str, year: int | None, scenario: str,
          quantity: float | None, gwh: float | None, basis: str, mix: pd.Series | None,
          known: tuple | None = None):
    """Check the arguments; the exposure of the need and the chemistry mix of each stage.

    ``known``: (GWh, exposure) of a cell exposure already computed with these
    arguments (:func:`_goal_chokepoints`), used when the GWh is the same.
    """
    from scrisk.metrics.battery import chemistry_mix
    from scrisk.metrics.midstream import (
        cell_capacity,
        cell_exposure,
        check_stage,
        midstream_exposure,
    )

    check_stage(stage)
    if stage == "cell" and quantity is not None:
        raise ValueError("quantity is for cathode and anode; give gwh for cells")
    if stage != "cell" and gwh is not None:
        raise ValueError(f"gwh is for the cell stage; give quantity (t product) for {stage}")
    if quantity is not None and not quantity >= 0:
        raise ValueError(f"quantity must be >= 0 t of product, got {quantity}")
    importer = dataset.check_country(importer)
    used = mix if mix is not None else chemistry_mix(dataset, scenario)
    if stage == "cell":
        if gwh is None:
            try:
                gwh = float(cell_capacity(dataset, importer)["target_gwh"].iloc[0])
            except ScriskError:
                raise ScriskError(f"no domestic cell-capacity goal for {importer} in "
                                  "minerals/policy_targets.csv (metric battery_manufacturing_"
                                  "capacity_domestic): give the GWh of cells to rank "
                                  "(gwh=..., --gwh)") from None
        if known is not None and known[0] == gwh:
            exposure = known[1]
        else:
            exposure = cell_exposure(dataset, importer, gwh, year, scenario, basis, mix=mix)
        return importer, exposure, {"cathode": _cam_mix(dataset, used), "anode": used}
    exposure = midstream_exposure(dataset, importer, stage, year, scenario, quantity, mix)
    return importer, exposure, {stage: used}


def _cam_mix(dataset: Dataset, mix: pd.Series) -> pd.Series:
    """Chemistry shares of CAM tonnes for a mix of cell GWh (as the cell exposure uses)."""
    from scrisk.metrics.midstream import cam_per_kwh

    weighted = cam_per_kwh(dataset).reindex(mix.index) * mix
    return weighted / weighted.sum() if weighted.sum() > 0 else mix


class _Losses:
    """Losses per node, accumulated over the midstream stages and suppliers of a need."""

    def __init__(self, importer: str, needs: pd.DataFrame):
        self.importer = importer
        self.needs = needs
        # plain dicts: element_table looks them up once per node and element
        self.need_t = {str(k): float(v) for k, v in needs["contained_t"].items()}
        self.need_unit = {str(k): str(v) for k, v in needs["contained_unit"].items()}
        # (node key) -> {via: {supplier: {commodity: element share of the need lost}}}
        self.shares: dict[tuple, dict] = {}
        self.supplier_share: dict[str, dict[str, float]] = {}
        self.keys: dict[tuple, dict] = {}

    def add(self, key: tuple, meta: dict, via: str, supplier: str, commodity: str,
            share: float) -> None:
        if share <= 0:
            return
        self.keys.setdefault(key, meta)
        cell = self.shares.setdefault(key, {}).setdefault(via, {}).setdefault(supplier, {})
        cell[commodity] = cell.get(commodity, 0.0) + share

    def rest_of_world(self) -> float:
        return max((s.get("ROW", 0.0) for s in self.supplier_share.values()), default=0.0)

    def product_loss(self, key: tuple) -> tuple[float, float]:
        """(share of the need lost, part of it through other countries' plants)."""
        best, world = 0.0, 0.0
        for by_supplier in self.shares[key].values():
            total = other = 0.0
            for supplier, by_element in by_supplier.items():
                # s_j x max_e f: the supplier's product falls with its scarcest element
                part = max(by_element.values())
                total += part
                if supplier != self.importer:
                    other += part
            if total > best:
                best, world = total, other
        return best, world

    def element_shares(self, key: tuple) -> list[tuple[str, str, float]]:
        """``(via, commodity, share of the element's need lost)`` of one node."""
        out = []
        for via, by_supplier in self.shares[key].items():
            sums: dict[str, float] = {}
            for by_element in by_supplier.values():
                for commodity, share in by_element.items():
                    sums[commodity] = sums.get(commodity, 0.0) + share
            out.extend((via, commodity, share) for commodity, share in sorted(sums.items()))
        return out

    def element_table(self) -> pd.DataFrame:
        rows = []
        for key in self.shares:
            for via, commodity, share in self.element_shares(key):
                # the element share of the suppliers' product lost, times the element need
                need = self.need_t[commodity]
                if share * need > 0:
                    rows.append((key[0], via, commodity, share * need, need, share,
                                 self.need_unit[commodity]))
        table = pd.DataFrame(rows, columns=ELEMENT_COLUMNS)
        return table.sort_values(["loss_share", "node", "commodity"],
                                 ascending=[False, True, True], ignore_index=True,
                                 kind="stable")

    def ranking(self, need: float, unit: str, names: dict[str, str]) -> pd.DataFrame:
        listed = {key[0]: ", ".join(f"{c} {s:.1%}" for _, c, s in
                                    sorted(self.element_shares(key), key=lambda r: -r[2])
                                    if s * self.need_t[c] > 0)
                  for key in self.shares}
        rows = []
        for key, meta in self.keys.items():
            share, world = self.product_loss(key)
            if share <= 1e-12:
                continue
            rows.append({**meta, "name": names.get(meta["iso3"], meta["iso3"]),
                         "domestic": meta["iso3"] == self.importer, "loss_share": share,
                         "loss_product": share * need, "unit": unit,
                         "world_market_share": world / share, "elements": listed.get(key[0], "")})
        table = pd.DataFrame(rows, columns=RANKING_COLUMNS)
        table["_rank"] = table["loss_share"].round(12)
        table = table.sort_values(["_rank", "node"], ascending=[False, True], kind="stable")
        return table[RANKING_COLUMNS].reset_index(drop=True)


def _suppliers(dataset: Dataset, exposure, via: str, mix: pd.Series, loss: _Losses):
    """Each supplier's share of the need carried by one stage, and the pools it draws on."""
    from scrisk.metrics.midstream import supplier_pools

    flows = exposure.flows.loc[exposure.flows["via"] == via]
    if flows.empty:
        return {}, None
    through = flows.groupby(["commodity", "supplier"])["tonnes"].sum()
    needs = loss.needs["contained_t"].astype(float)
    # share of the need each supplier meets (the same for every element of the stage)
    split: dict[str, float] = {}
    for (commodity, supplier), tonnes in through.items():
        if needs[commodity] > 0:
            split[supplier] = max(split.get(supplier, 0.0), float(tonnes) / needs[commodity])
    loss.supplier_share[via] = split
    pools = supplier_pools(dataset, via, mix, exposure.year, sorted(split),
                           sorted({c for c, _ in through.index}))
    return split, pools


def _part(dataset: Dataset, exposure, via: str, mix: pd.Series, loss: _Losses) -> int | None:
    """Add the losses of the need carried by one midstream stage; return the network year."""
    from scrisk.disruption.chokepoints import model_elements
    from scrisk.disruption.engine import SupplyModel
    from scrisk.metrics.midstream import AGGREGATE
    from scrisk.origins import flow_model

    split, pools = _suppliers(dataset, exposure, via, mix, loss)
    if pools is None:
        return None
    for supplier, share in split.items():
        if supplier in (AGGREGATE, "unsupplied"):  # no country to lose
            continue
        meta = {"node": f"{via}:{supplier}", "level": "midstream", "kind": "output",
                "commodity": "all", "node_stage": via, "iso3": supplier}
        for commodity in sorted(set(pools["commodity"])):
            loss.add((meta["node"],), meta, via, supplier, commodity, share)
    product = PRODUCT_STAGE.get(via)
    if product is not None and product[0] in set(pools["commodity"]):
        commodity, element_stage = product
        for supplier, share in split.items():
            if supplier in (AGGREGATE, "unsupplied", loss.importer):
                continue
            meta = {"node": f"{commodity} {element_stage} exports:{supplier}",
                    "level": "upstream", "kind": "exports", "commodity": commodity,
                    "node_stage": element_stage, "iso3": supplier}
            # all it ships to the importer (its own exports do not touch its own pool)
            loss.add((meta["node"],), meta, via, supplier, commodity, share)
    nyear = int(pools["network_year"].iloc[0]) if len(pools) else None
    for row in pools.itertuples(index=False):
        share = split.get(row.supplier, 0.0)
        if row.traced_share <= 0 or share <= 0 or row.pool_stage is None:
            continue
        model = SupplyModel(flow_model(dataset, row.commodity, int(row.network_year)),
                            row.supplier)
        elements = [e for e in model_elements(model) if e[3] in UPSTREAM_KINDS]
        if not elements:
            continue
        lost = model.losses(model.element_gates([(f, k, s) for f, k, s, _, _, _ in elements]))
        column = model.flow.stages.index(row.pool_stage)
        fraction = np.clip(lost[:, column] / row.pool_t, 0.0, 1.0)
        for (_, iso3, _, kind, _, el_stage), frac in zip(elements, fraction, strict=True):
            if frac <= 1e-12:
                continue
            label = f"{row.commodity} {el_stage}" + (" exports" if kind == "export" else "")
            meta = {"node": f"{label}:{iso3}", "level": "upstream",
                    "kind": "exports" if kind == "export" else "production",
                    "commodity": row.commodity, "node_stage": el_stage, "iso3": iso3}
            loss.add((meta["node"],), meta, via, row.supplier, row.commodity,
                     share * float(row.traced_share) * float(frac))
    return nyear


def _single_points(dataset: Dataset, ranking: pd.DataFrame, stages: list[str], year: int,
                   threshold: float, names: dict[str, str]) -> pd.DataFrame:
    from scrisk.metrics.midstream import AGGREGATE, stage_shares

    rows = []
    for row in ranking.loc[~ranking["domestic"].astype(bool)
                           & (ranking["loss_share"] > threshold)].itertuples(index=False):
        rows.append({"scope": "loss of the need", "node": row.node, "name": row.name,
                     "share": float(row.loss_share)})
    for stage in stages:
        shares = stage_shares(dataset, stage, year).drop(AGGREGATE, errors="ignore")
        if shares.empty:
            continue
        top = shares.sort_values(ascending=False, kind="stable")
        if float(top.iloc[0]) > threshold:
            iso3 = str(top.index[0])
            rows.append({"scope": f"world {stage} {shares.attrs.get('measure', 'output')} "
                                  f"({shares.attrs.get('share_year', year)})",
                         "node": f"{stage}:{iso3}", "name": names.get(iso3, iso3),
                         "share": float(top.iloc[0])})
    table = pd.DataFrame(rows, columns=SPOF_COLUMNS[:-1])
    table["threshold"] = threshold
    return table[SPOF_COLUMNS]


# --------------------------------------------------------------------------- scenarios


# shocks on shipments to the importer: they cut the importer's own pools only
IMPORTER_ONLY_KINDS = ("trade_link", "sea_lane_closure")
SCENARIO_NOTE = ("the scenario's element shocks act on every midstream producer's element "
                 "pools; trade-link and sea-lane shocks act on shipments to the importer "
                 "only (its own pools); a cut of a country's cathode, anode or cell output "
                 "is not a shock kind yet; deterministic: every shock applied, "
                 "probabilities ignored")


@dataclass(frozen=True)
class MidstreamScenarioResult:
    """A scenario's shocks pushed through a country's midstream need.

    Attributes
    ----------
    scenario : str
        Scenario name.
    importer, stage : str
    year : int
    product_need : float
    unit : str
    losses : pandas.DataFrame
        ``via, loss_share, loss_product, unit, world_market_share``: the
        share of the need lost through each midstream stage (cathode, anode)
        and, for cells, ``cell`` (a cell needs both: the larger share).
    elements : pandas.DataFrame
        ``via, commodity, loss_t, need_t, loss_share, contained_unit``.
    notes : tuple of str
    """

    scenario: str
    importer: str
    stage: str
    year: int
    product_need: float
    unit: str
    losses: pd.DataFrame
    elements: pd.DataFrame
    notes: tuple[str, ...]

    def summary(self) -> pd.DataFrame:
        """The loss table."""
        return self.losses


def midstream_scenario(dataset: Dataset, scenario, stage: str = "cell",
                       year: int | None = None, *, battery_scenario: str = "nickel_rich",
                       quantity: float | None = None, gwh: float | None = None,
                       basis: str = "calibrated", mix: pd.Series | None = None,
                       output_cuts: Mapping[str, float] | None = None
                       ) -> MidstreamScenarioResult:
    """Loss of the scenario importer's cathode, anode or cell need under a scenario.

    Every shock of the scenario is applied at once (as ``run_scenario`` does)
    to the element pools each midstream producer draws on; the need is split
    and traced as in :func:`midstream_chokepoints`, so a scenario of one
    shock loses ``size`` x that node's ``loss_share`` there.

    Parameters
    ----------
    dataset : Dataset
    scenario : Scenario
        :func:`scrisk.disruption.scenarios.load_scenario`.
    stage : {"cell", "cathode", "anode"}
    year : int, optional
        Default: the scenario's year, else the default analysis year.
    battery_scenario : str
        Chemistry mix (``battery_scenarios.csv``).
    quantity, gwh, basis, mix
        As in :func:`midstream_chokepoints`.
    output_cuts : mapping of str to float, optional
        ``{"cathode:CHN": 0.3}``: the share of a producer country's output of
        a midstream stage lost, on top of the file's shocks (a cut of
        midstream output is not a shock kind of scenario files yet). Other
        producers do not make up for it.

    Returns
    -------
    MidstreamScenarioResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> from scrisk.disruption.scenarios import load_scenario
    >>> ds = load_dataset()
    >>> graphite = load_scenario("scenarios/china_graphite_export_controls.toml", ds)
    >>> result = midstream_scenario(ds, graphite, "anode", 2024)
    >>> bool(0 < result.losses["loss_share"].iloc[0] < 1)
    True
    """
    from dataclasses import replace

    from scrisk.disruption.engine import ROUTE_DESTINATION, SeaRoutes
    from scrisk.disruption.scenarios import compile_commodity
    from scrisk.metrics.midstream import AGGREGATE, WORLD_MARKET_NOTE

    year = year if year is not None else scenario.year
    importer, exposure, parts = _need(dataset, scenario.importer, stage, year,
                                      battery_scenario, quantity, gwh, basis, mix)
    loss = _Losses(importer, exposure.needs.set_index("commodity"))
    notes: list[str] = [f"assumption: {WORLD_MARKET_NOTE}", f"assumption: {COMPOSITION_NOTE}",
                        SCENARIO_NOTE]
    cuts = _output_cuts(dataset, output_cuts, tuple(parts))
    if cuts:
        listed = ", ".join(f"{via}:{iso3} {size:.0%}" for (via, iso3), size in cuts.items())
        notes.append(f"midstream output cuts: {listed} (of what each ships to the need; the "
                     "other producers do not make up for it)")
    secured = pd.DataFrame(columns=["facility_id", "commodity", "iso3", "stage", "secured_t"])
    routes = SeaRoutes.from_dataset(dataset) if importer == ROUTE_DESTINATION else None
    for via, via_mix in parts.items():
        split, pools = _suppliers(dataset, exposure, via, via_mix, loss)
        if pools is None:
            continue
        for row in pools.itertuples(index=False):
            share = split.get(row.supplier, 0.0)
            if share <= 0 or row.supplier in (AGGREGATE, "unsupplied"):
                continue
            own = row.supplier == importer
            pool_lost = 0.0
            shocks = tuple(s for s in scenario.shocks if s.applies_to(row.commodity)
                           and (own or s.kind not in IMPORTER_ONLY_KINDS))
            if shocks and row.traced_share > 0 and row.pool_stage is not None:
                compiled = compile_commodity(replace(scenario, importer=row.supplier,
                                                     shocks=shocks),
                                             dataset, row.commodity, int(row.network_year),
                                             routes if own else None, secured)
                notes.extend(f"{row.commodity}: {n}" for n in compiled.notes)
                gates, _ = compiled.gates(np.ones((1, len(shocks))))
                after = float(compiled.model.evaluate(gates).after[row.pool_stage][0])
                pool_lost = float(row.traced_share) * min(1.0, max(0.0, 1.0 - after /
                                                                   row.pool_t))
            shipped = 1.0
            if not own and PRODUCT_STAGE.get(via) == (row.commodity, _stage_of(via)):
                shipped = _shipments_survive(scenario, row.supplier, row.commodity,
                                             _stage_of(via), routes)
            shipped *= 1.0 - cuts.get((via, row.supplier), 0.0)
            lost = 1.0 - (1.0 - pool_lost) * shipped
            loss.add((via,), {}, via, row.supplier, row.commodity, share * lost)
    rows = []
    for via in parts:
        share, world = loss.product_loss((via,)) if (via,) in loss.shares else (0.0, 0.0)
        rows.append({"via": via, "loss_share": share, "world_market_share":
                     world / share if share > 0 else np.nan})
    if stage == "cell":
        best = max(rows, key=lambda r: r["loss_share"])
        rows.append({**best, "via": "cell"})
    losses = pd.DataFrame(rows, columns=["via", "loss_share", "world_market_share"])
    losses.insert(2, "loss_product", losses["loss_share"] * float(exposure.product_need))
    losses.insert(3, "unit", exposure.unit)
    elements = loss.element_table().drop(columns=["via"]).rename(columns={"node": "via"})
    notes.extend(exposure.notes)
    return MidstreamScenarioResult(scenario.name, importer, stage, exposure.year,
                                   float(exposure.product_need), exposure.unit, losses,
                                   elements, tuple(dict.fromkeys(notes)))


def _output_cuts(dataset: Dataset, given: Mapping[str, float] | None,
                 stages: tuple[str, ...]) -> dict[tuple[str, str], float]:
    """``{"cathode:CHN": 0.3}`` checked: ``{("cathode", "CHN"): 0.3}``."""
    from scrisk.metrics.midstream import AGGREGATE

    out: dict[tuple[str, str], float] = {}
    for key, size in (given or {}).items():
        stage, sep, country = str(key).partition(":")
        if not sep or stage not in stages:
            raise ValueError(f"output cut {key!r}: expected <stage>:<country> with stage one "
                             f"of {', '.join(stages)} (e.g. {stages[0]}:CHN)")
        iso3 = dataset.check_country(country.strip())
        if iso3 == AGGREGATE:
            raise ValueError(f"output cut {key!r}: {AGGREGATE} is not one country")
        if not 0.0 <= float(size) <= 1.0:
            raise ValueError(f"output cut {key!r}: the share of output lost must lie in "
                             f"[0, 1], got {size}")
        out[(stage, iso3)] = float(size)
    return out


def _stage_of(via: str) -> str | None:
    product = PRODUCT_STAGE.get(via)
    return product[1] if product is not None else None


def _shipments_survive(scenario, supplier: str, commodity: str, stage: str,
                       routes) -> float:
    """Share of a producer's midstream shipments to the importer that its export, link and
    sea-lane shocks let through (the product is the element's ``stage``)."""
    from scrisk.disruption.engine import LOG_FLOOR

    survive = 1.0
    for shock in scenario.shocks:
        if shock.kind in EXPORT_KINDS and shock.country == supplier and \
                shock.commodity == commodity and shock.stage == stage:
            survive *= 1.0 - shock.effective_size
    if routes is not None:
        lanes = np.zeros((1, len(routes.chokepoints)))
        for shock in scenario.shocks:
            if shock.kind == "sea_lane_closure" and shock.applies_to(commodity):
                lanes[0, routes.chokepoints.index(shock.chokepoint)] += \
                    np.log(max(1.0 - shock.effective_size, LOG_FLOOR))
        if lanes.any():
            survive *= float(routes.survival(np.exp(lanes),
                                             routes.route_shares([supplier]))[0, 0])
    return survive
