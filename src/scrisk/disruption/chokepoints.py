"""Chokepoints: which countries, facilities, trade links and sea lanes the importer depends on.

:func:`chokepoints` ranks every element whose loss would cut the importer's
supply, with the loss in tonnes and as a share of supply, using look-through
flows: all the elements are evaluated as one batch of single-element
scenarios by the engine (:class:`~scrisk.disruption.engine.SupplyModel`),
the same computation a scenario run does. It adds the importer's supply
share through each sea-lane chokepoint, single points of failure (a country
holding more than a threshold share of a stage), weighted betweenness and
the minimum cut between world mine production and the importer on the
physical trade network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.disruption.engine import (
    ROUTE_DESTINATION,
    STAGE_OF_SUPPLY,
    SeaRoutes,
    SupplyModel,
)
from scrisk.disruption.scenarios import default_year, same_unit
from scrisk.metrics.exposure import UNATTRIBUTED
from scrisk.network import build_network

DEFAULT_THRESHOLD = 0.5
KIND_LABELS = {
    "mining": "mine production",
    "refining": "refinery production",
    "ore_export": "ore exports",
    "refined_export": "refined exports",
    "ore_link": "ore trade link",
    "refined_link": "refined trade link",
    "lanes": "sea lane",
    "facility": "facility",
}
RANKING_COLUMNS = ["commodity", "stage", "kind", "element", "name", "loss_t", "loss_share",
                   "supply_t"]


@dataclass(frozen=True)
class ChokepointResult:
    """Chokepoints of an importer's supply.

    Attributes
    ----------
    importer : str
    year : int
    threshold : float
    ranking : pandas.DataFrame
        ``commodity, stage, kind, element, name, loss_t, loss_share,
        supply_t``: supply lost at ``stage`` if the element were lost
        entirely, largest first within each commodity and stage. ``kind`` is
        one of ``mining``, ``refining`` (a country's mine / refinery output),
        ``ore_export``, ``refined_export`` (all exports of a country),
        ``ore_link``, ``refined_link`` (one trade link), ``lanes`` (a sea-lane
        chokepoint), ``facility``.
    sea_lanes : pandas.DataFrame
        ``commodity, stage, chokepoint, name, imports_t, import_share,
        loss_t, supply_share``: the importer's direct imports through each
        chokepoint, and the supply lost if it closed (which includes ore for
        the importer's own refineries); rows ``(no chokepoint)`` and
        ``(unrouted)`` give the rest of the imports.
    single_points : pandas.DataFrame
        ``commodity, scope, element, name, share, threshold``: stages where one
        country (or lane) holds more than ``threshold`` of the total.
    betweenness : pandas.DataFrame
        ``commodity, node, stage, iso3, betweenness``: share of the shortest
        paths from each mining country to the importer that pass through the
        node, on the physical network with distance 1/tonnes (so the
        shortest path is the path of the largest flows).
    min_cuts : pandas.DataFrame
        ``commodity, sink, max_flow_t, supply_t, edges``: maximum flow from
        world mine production to the importer's pool over the observed links
        (:func:`physical_graph`) and the number of edges in the minimum cut.
    min_cut_edges : pandas.DataFrame
        ``commodity, source, target, kind, capacity_t``: the edges of each cut.
    notes : tuple of str
    """

    importer: str
    year: int
    threshold: float
    ranking: pd.DataFrame
    sea_lanes: pd.DataFrame
    single_points: pd.DataFrame
    betweenness: pd.DataFrame
    min_cuts: pd.DataFrame
    min_cut_edges: pd.DataFrame
    notes: tuple[str, ...]

    def summary(self, top: int = 10) -> pd.DataFrame:
        """The ``top`` elements of each commodity's headline stage."""
        head = self.ranking.loc[self.ranking["headline"]] if "headline" in self.ranking \
            else self.ranking
        return (head.groupby("commodity", sort=True, group_keys=False)
                .head(top).drop(columns=["headline"], errors="ignore").reset_index(drop=True))


def chokepoints(dataset: Dataset, importer: str = "JPN", commodity: str | None = None,
                year: int | None = None, *, threshold: float = DEFAULT_THRESHOLD,
                structure: bool = True) -> ChokepointResult:
    """Rank what the importer's supply depends on, for one commodity or all.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    commodity : str, optional
        One commodity (default: every commodity with supply to the importer).
    year : int, optional
        Default: the latest year with production and trade data.
    threshold : float
        Share above which a single country (or lane) is a single point of
        failure (default 0.5).
    structure : bool
        Also compute weighted betweenness and minimum cuts (networkx; about
        a tenth of a second per commodity).

    Returns
    -------
    ChokepointResult

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> result = chokepoints(load_dataset(), "JPN", "cobalt", 2023, structure=False)
    >>> top = result.summary(1).iloc[0]
    >>> top["commodity"], bool(0 < top["loss_share"] <= 1)
    ('cobalt', True)
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    importer = dataset.check_country(importer)
    year = dataset.check_year(year) if year is not None else default_year(dataset)
    commodities = ([dataset.check_commodity(commodity)] if commodity is not None
                   else list(dataset.commodities_list))
    routes = SeaRoutes.from_dataset(dataset) if importer == ROUTE_DESTINATION else None
    names = _names(dataset)
    notes: list[str] = []
    if routes is None:
        notes.append(f"sea routes in geo/sea_routes.csv lead to {ROUTE_DESTINATION}; no "
                     f"sea-lane analysis for {importer}")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in
                                            ("ranking", "lanes", "spof", "btw", "cuts", "edges")}
    for com in sorted(commodities):
        network = build_network(dataset, com, year)
        model = SupplyModel(network, importer, routes)
        if model.headline_stage is None:
            notes.append(f"{com}: {importer} has no supply in the {year} data")
            continue
        ranking = element_losses(model, dataset.facilities, names)
        parts["ranking"].append(ranking)
        parts["lanes"].append(_sea_lane_table(model, ranking))
        parts["spof"].append(_single_points(model, ranking, names, threshold))
        if structure:
            btw, cut, edges = _structure(model)
            parts["btw"].append(btw)
            parts["cuts"].append(cut)
            parts["edges"].append(edges)
    ranking = _concat(parts["ranking"], [*RANKING_COLUMNS, "headline"])
    return ChokepointResult(
        importer, year, threshold, ranking,
        _concat(parts["lanes"], ["commodity", "stage", "chokepoint", "name", "imports_t",
                                 "import_share", "loss_t", "supply_share"]),
        _concat(parts["spof"], ["commodity", "scope", "element", "name", "share", "threshold"]),
        _concat(parts["btw"], ["commodity", "node", "stage", "iso3", "betweenness"]),
        _concat(parts["cuts"], ["commodity", "sink", "max_flow_t", "supply_t", "edges"]),
        _concat(parts["edges"], ["commodity", "source", "target", "kind", "capacity_t"]),
        tuple(notes))


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _names(dataset: Dataset) -> dict[str, str]:
    table = dataset.countries
    names = dict(zip(table["iso3"], table["name_en"], strict=True))
    chokes = dataset.chokepoints
    names.update(zip(chokes["chokepoint_id"], chokes["name_en"], strict=True))
    fac = dataset.facilities
    names.update((f, f"{name} ({names.get(iso3, iso3)})") for f, name, iso3 in
                 zip(fac["facility_id"], fac["name"], fac["iso3"], strict=True))
    return names


def model_elements(model: SupplyModel, facilities: pd.DataFrame | None = None
                   ) -> list[tuple[str, str, float, str, str]]:
    """Every element whose loss can cut the importer's supply, as engine gates.

    Countries with mine or refinery output, exporters (ore and metal), trade
    links into the importer, chokepoints and, given ``facilities``, operating
    facilities with an output in the production unit (as the share of their
    country's output that survives their loss).

    Returns
    -------
    list of ``(family, key, surviving share, kind, element label)``

    Examples
    --------
    >>> from scrisk.disruption.example import example_network
    >>> [e[:3] for e in model_elements(SupplyModel(example_network(), "JPN"))][:3]
    [('mining', 'AUS', 0.0), ('ore_export', 'AUS', 0.0), ('mining', 'CHN', 0.0)]
    """
    full = model.arrays
    net = model.network
    out: list[tuple[str, str, float, str, str]] = []
    for iso3 in model.countries:
        k = net.index(iso3)
        if full["p1"][k] > 0:
            out.append(("mining", iso3, 0.0, "mining", iso3))
        if full["p2"][k] > 0:
            out.append(("refining", iso3, 0.0, "refining", iso3))
        if full["f1"][k].sum() > 0 and iso3 != model.importer:
            out.append(("ore_export", iso3, 0.0, "ore_export", iso3))
        if full["f2"][k].sum() > 0 and iso3 != model.importer:
            out.append(("refined_export", iso3, 0.0, "refined_export", iso3))
    if net.has_country(model.importer):
        m = net.index(model.importer)
        for stage, family in (("f1", "ore_link"), ("f2", "refined_link")):
            for i in np.nonzero(full[stage][:, m] > 0)[0]:
                iso3 = net.countries[i]
                if iso3 != model.importer:
                    out.append((family, iso3, 0.0, family, f"{iso3}->{model.importer}"))
    for cid in model.chokepoints:
        out.append(("lanes", cid, 0.0, "lanes", cid))
    if facilities is not None and not facilities.empty:
        rows = facilities.loc[(facilities["commodity"] == model.commodity)
                              & (facilities["status"] == "operating")
                              & (facilities["output_t"].fillna(0) > 0)]
        for row in rows.sort_values("facility_id").itertuples(index=False):
            stage_prod = full["p1"] if row.stage == "mining" else full["p2"]
            unit = model.units.get(row.stage)
            if not net.has_country(row.iso3) or unit is None or \
                    not same_unit(str(row.unit), unit, model.commodity):
                continue
            national = stage_prod[net.index(row.iso3)]
            if national > 0 and model.index(row.iso3) is not None:
                out.append((row.stage, row.iso3, 1.0 - min(1.0, row.output_t / national),
                            "facility", row.facility_id))
    return out


def element_losses(model: SupplyModel, facilities: pd.DataFrame | None = None,
                   names: dict[str, str] | None = None) -> pd.DataFrame:
    """Supply lost if each element were lost entirely (one batch through the engine).

    Parameters
    ----------
    model : SupplyModel
    facilities : pandas.DataFrame, optional
        ``suppliers/facilities.csv``; operating facilities with an output in
        the production unit are ranked too (their output as a share of
        their country's production).
    names : dict, optional
        ISO3 / chokepoint id -> display name.

    Returns
    -------
    pandas.DataFrame
        See :attr:`ChokepointResult.ranking`; plus a ``headline`` column.

    Examples
    --------
    >>> from scrisk.disruption.example import example_network, example_route_tables
    >>> from scrisk.disruption.engine import SeaRoutes, SupplyModel
    >>> model = SupplyModel(example_network(), "JPN",
    ...                     SeaRoutes.from_tables(**example_route_tables()))
    >>> table = element_losses(model)
    >>> table.loc[table["stage"] == "refining", ["kind", "element", "loss_t"]].head(3)
                 kind element  loss_t
    0  refined_export     CHN    50.0
    1        refining     CHN    50.0
    2          mining     AUS    40.0
    """
    names = names or {}
    elements = model_elements(model, facilities)
    rows = []
    if elements:
        gates = model.element_gates([(f, k, s) for f, k, s, _, _ in elements])
        losses = model.losses(gates)
        for (_, _, _, kind, label), loss in zip(elements, losses, strict=True):
            for s, stage in enumerate(STAGE_OF_SUPPLY):
                supply = model.supply[stage]
                if supply > 0 and loss[s] > 1e-9 * supply:
                    rows.append((stage, kind, label, _label(label, kind, names), loss[s]))
    links = model.link_exposure()
    if not links.empty:
        links = links.loc[links["importer"] != model.importer]
        for row in links.itertuples(index=False):
            label = f"{row.exporter}->{row.importer}"
            if row.loss_t > 1e-9 * model.supply["refining"]:
                rows.append(("refining", "ore_link", label, _label(label, "ore_link", names),
                             row.loss_t))
    table = pd.DataFrame(rows, columns=["stage", "kind", "element", "name", "loss_t"])
    table.insert(0, "commodity", model.commodity)
    table["supply_t"] = table["stage"].map(model.supply).astype(float)
    table["loss_share"] = table["loss_t"] / table["supply_t"]
    table["headline"] = table["stage"] == model.headline_stage
    table = table.sort_values(["headline", "stage", "loss_t", "kind", "element"],
                              ascending=[False, True, False, True, True], kind="stable")
    return table[[*RANKING_COLUMNS, "headline"]].reset_index(drop=True)


def _label(label: str, kind: str, names: dict[str, str]) -> str:
    if "->" in label:
        a, b = label.split("->")
        return f"{names.get(a, a)} -> {names.get(b, b)}"
    return names.get(label, label)


def _sea_lane_table(model: SupplyModel, ranking: pd.DataFrame) -> pd.DataFrame:
    columns = ["commodity", "stage", "chokepoint", "name", "imports_t", "import_share", "loss_t",
               "supply_share"]
    if model.routes is None:
        return pd.DataFrame(columns=columns)
    full = model.arrays
    net = model.network
    m = net.index(model.importer)
    routes = model.routes
    shares = routes.route_shares(net.countries)
    through = shares @ routes.incidence
    open_route = shares @ (routes.incidence.sum(axis=1) == 0).astype(float)
    unrouted = 1.0 - shares.sum(axis=1)
    unrouted[m] = 0.0
    rows = []
    lane_loss = ranking.loc[ranking["kind"] == "lanes"].set_index(["stage", "element"])["loss_t"]
    for stage, key in (("mining", "f1"), ("refining", "f2")):
        supply = model.supply[stage]
        imports = full[key][:, m].copy()
        imports[m] = 0.0
        if supply <= 0:
            continue
        for h, cid in enumerate(routes.chokepoints):
            amount = float(imports @ through[:, h])
            loss = float(lane_loss.get((stage, cid), 0.0))
            if amount > 0 or loss > 0:
                rows.append((stage, cid, routes.names[h], amount, loss))
        rows.append((stage, "(no chokepoint)", "routes through no modelled chokepoint",
                     float(imports @ open_route), np.nan))
        rows.append((stage, "(unrouted)", "exporters without an origin region",
                     float(imports @ unrouted), np.nan))
    table = pd.DataFrame(rows, columns=["stage", "chokepoint", "name", "imports_t", "loss_t"])
    table.insert(0, "commodity", model.commodity)
    totals = {s: float(full[k][:, m].sum() - full[k][m, m]) for s, k in
              (("mining", "f1"), ("refining", "f2"))}
    table["import_share"] = table["imports_t"] / table["stage"].map(totals)
    table["supply_share"] = table["loss_t"] / table["stage"].map(model.supply)
    table = table.loc[(table["imports_t"] > 0) | (table["loss_t"] > 0)]
    return table.sort_values(["stage", "supply_share", "imports_t"], ascending=[True, False, False],
                             kind="stable", na_position="last")[columns].reset_index(drop=True)


def _single_points(model: SupplyModel, ranking: pd.DataFrame, names: dict[str, str],
                   threshold: float) -> pd.DataFrame:
    full = model.arrays
    net = model.network
    countries = np.asarray(net.countries, dtype=object)
    real = np.array([c != "ROW" and c != UNATTRIBUTED for c in countries])
    rows = []

    def top(scope: str, values: np.ndarray, labels: np.ndarray, mask: np.ndarray) -> None:
        total = values.sum()
        if total <= 0:
            return
        shares = np.where(mask, values / total, 0.0)
        k = int(np.argmax(shares))
        if shares[k] > threshold:
            rows.append((scope, labels[k], names.get(labels[k], labels[k]), float(shares[k])))

    top("world mine production", full["p1"], countries, real)
    top("world refinery production", full["p2"], countries, real)
    if net.has_country(model.importer):
        m = net.index(model.importer)
        for stage, key in (("mining", "f1"), ("refining", "f2")):
            imports = full[key][:, m].copy()
            imports[m] = 0.0
            top(f"{model.importer} imports ({stage})", imports, countries, real)
    head = model.headline_stage
    origin = model.by_origin()
    origin = origin.loc[origin["stage"] == head]
    if not origin.empty:
        labels = origin["origin"].to_numpy(dtype=object)
        top(f"{model.importer} supply by mine origin ({head})", origin["before_t"].to_numpy(),
            labels, np.array([c not in ("ROW", UNATTRIBUTED) for c in labels]))
    refiners = model.importer_refined_by_refiner()
    if not refiners.empty:
        labels = refiners.index.to_numpy(dtype=object)
        top(f"{model.importer} refined supply by refiner", refiners.to_numpy(), labels,
            np.array([c not in ("ROW", UNATTRIBUTED) for c in labels]))
    lanes = ranking.loc[(ranking["kind"] == "lanes") & ranking["headline"]]
    if not lanes.empty:
        best = lanes.sort_values("loss_share", ascending=False).iloc[0]
        if best["loss_share"] > threshold:
            rows.append((f"{model.importer} supply through one sea lane ({head})",
                         best["element"], best["name"], float(best["loss_share"])))
    table = pd.DataFrame(rows, columns=["scope", "element", "name", "share"])
    table.insert(0, "commodity", model.commodity)
    table["threshold"] = threshold
    return table


# --------------------------------------------------------------------------- structure


def physical_graph(model: SupplyModel):
    """The physical trade network of the commodity, with a ``world`` source and capacities.

    Nodes: ``mining:ISO3`` (a country's mines), ``ore:ISO3`` (its ore pool:
    own ore plus ore imports, from which it exports and feeds its
    refineries), ``refining:ISO3`` (its refineries) and ``metal:ISO3`` (its
    refined-metal pool: own refining plus imports, from which it exports).
    Edges and capacities (tonnes of the year): ``world -> mining`` (mine
    production), ``mining -> ore`` (the same), ore trade ``ore:i -> ore:j``,
    ``ore -> refining`` (the ore pool), ``refining -> metal`` (refinery
    production), refined trade ``metal:i -> metal:j``, and ``world ->
    refining`` for refinery output beyond the ore pool (the untraced feed the
    look-through spreads over world mines). Pools carry re-exports, so a
    tonne can cross several borders. Exports that a country's production
    and imports cannot explain enter its pool from ``world`` (``untraced``).
    The sink is the importer's metal pool (its ore pool when the importer
    has no refined supply of the commodity).

    Returns
    -------
    tuple of (networkx.DiGraph, str or None)
        The graph and its sink (``None`` when the importer is not in it).
    """
    import networkx as nx

    net = model.network
    full = model.arrays
    names = net.countries
    graph = nx.DiGraph(commodity=model.commodity, year=model.year)
    has_refining = "refining" in net.production or "refining" in net.flows

    def add(u: str, v: str, capacity: float, kind: str) -> None:
        if capacity > 0:
            for node in (u, v):
                if node not in graph:
                    stage, _, iso3 = node.partition(":")
                    graph.add_node(node, stage=stage, iso3=iso3)
            graph.add_edge(u, v, capacity=float(capacity), kind=kind)

    f1, f2, p1, p2, t1 = full["f1"], full["f2"], full["p1"], full["p2"], full["t1"]
    for i, j in zip(*np.nonzero(f1 > 0), strict=True):
        add(f"ore:{names[i]}", f"ore:{names[j]}", f1[i, j], "ore_trade")
    for i, j in zip(*np.nonzero(f2 > 0), strict=True):
        add(f"metal:{names[i]}", f"metal:{names[j]}", f2[i, j], "refined_trade")
    for k, iso3 in enumerate(names):
        add("world", f"mining:{iso3}", p1[k], "production")
        add(f"mining:{iso3}", f"ore:{iso3}", p1[k], "production")
        # exports the production and imports of the year cannot explain (not for the
        # importer itself: what it ships out does not reach its own pool)
        mine = iso3 == model.importer
        if not mine:
            add("world", f"ore:{iso3}", f1[k].sum() - f1[:, k].sum() - p1[k], "untraced")
        if has_refining and p2[k] > 0:
            add(f"ore:{iso3}", f"refining:{iso3}", t1[k], "feed")
            add("world", f"refining:{iso3}", p2[k] - t1[k], "untraced_feed")
            add(f"refining:{iso3}", f"metal:{iso3}", p2[k], "production")
        if not mine:
            add("world", f"metal:{iso3}", f2[k].sum() - f2[:, k].sum() - p2[k], "untraced")
    refined = has_refining and model.headline_stage == "refining"
    sink = f"metal:{model.importer}" if refined else f"ore:{model.importer}"
    return graph, (sink if sink in graph else None)


def _structure(model: SupplyModel) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import networkx as nx

    graph, sink = physical_graph(model)
    empty = (pd.DataFrame(), pd.DataFrame(), pd.DataFrame())
    if sink is None:
        return empty
    upstream = nx.ancestors(graph, sink) | {sink}
    if "world" not in upstream:
        return empty
    sub = graph.subgraph(upstream).copy()
    value, (reach, _) = nx.minimum_cut(sub, "world", sink, capacity="capacity")
    edges = [(u, v, d.get("kind", ""), d["capacity"]) for u, v, d in sub.edges(data=True)
             if u in reach and v not in reach and d["capacity"] > 0]
    edges.sort(key=lambda e: (-e[3], e[0], e[1]))
    cut_edges = pd.DataFrame(edges, columns=["source", "target", "kind", "capacity_t"])
    cut_edges.insert(0, "commodity", model.commodity)
    head = model.headline_stage
    cuts = pd.DataFrame([{"commodity": model.commodity, "sink": sink, "max_flow_t": float(value),
                          "supply_t": model.supply[head], "edges": len(edges)}])
    sub.remove_node("world")
    for _, _, data in sub.edges(data=True):
        data["distance"] = 1.0 / data["capacity"]
    sources = sorted(n for n in sub if n.startswith("mining:"))
    btw = pd.DataFrame(columns=["node", "stage", "iso3", "betweenness"])
    if sources:
        scores = nx.betweenness_centrality_subset(sub, sources, [sink], normalized=False,
                                                  weight="distance")
        btw = pd.DataFrame([(node, sub.nodes[node]["stage"], sub.nodes[node]["iso3"],
                             score / len(sources))
                            for node, score in scores.items() if score > 0],
                           columns=["node", "stage", "iso3", "betweenness"])
    btw = btw.sort_values(["betweenness", "node"], ascending=[False, True], ignore_index=True)
    btw.insert(0, "commodity", model.commodity)
    return btw, cuts, cut_edges


def supply_graph(model: SupplyModel, stage: str | None = None):
    """The importer's look-through supply as a flow network (networkx).

    Every tonne of the importer's supply at ``stage`` is a path ``world ->
    mining:<origin> -> [refining:<refiner>] -> <link>:<exporter> ->
    lane:<leg>:<chokepoint> ... -> market``; edge ``capacity`` is the
    tonnage on it, so every edge is saturated and the maximum flow equals
    the supply. Removing a node (a mining or refining country, a trade link,
    both lane nodes of a chokepoint) and recomputing the maximum flow gives
    the same loss as the engine's single-element scenario: the naive
    baseline of ``benchmarks/bench_disruption.py``. Lane nodes of one leg
    follow the chokepoint order of ``geo/chokepoints.csv``, so the graph is
    acyclic. (A chokepoint is two nodes, one per leg; when the importer buys
    back its own refined metal a tonne can pass both, and removing both lets
    the max flow re-route surviving ore, which the proportional engine does
    not: the two agree for chokepoints only without such re-imports.)

    Parameters
    ----------
    model : SupplyModel
    stage : {"mining", "refining"}, optional
        Default: the model's headline stage.

    Returns
    -------
    networkx.DiGraph
        Source ``world``, sink ``market``.

    Examples
    --------
    >>> import networkx as nx
    >>> from scrisk.disruption.example import example_network, example_route_tables
    >>> model = SupplyModel(example_network(), "JPN",
    ...                     SeaRoutes.from_tables(**example_route_tables()))
    >>> graph = supply_graph(model)
    >>> round(float(nx.maximum_flow_value(graph, "world", "market")), 9)
    70.0
    >>> graph.remove_node("mining:IDN")
    >>> round(float(nx.maximum_flow_value(graph, "world", "market")), 9)
    50.0
    """
    import networkx as nx

    stage = stage or model.headline_stage
    if stage not in STAGE_OF_SUPPLY:
        raise ValueError(f"stage must be 'mining' or 'refining', got {stage!r}")
    full = model.arrays
    net = model.network
    names = list(net.countries)
    n = len(names)
    graph = nx.DiGraph(commodity=model.commodity, stage=stage, importer=model.importer)
    if not net.has_country(model.importer):
        return graph
    m = net.index(model.importer)
    world = full["world"]
    unknown = "?"

    def add(u: str, v: str, amount: float) -> None:
        if amount <= 0:
            return
        if graph.has_edge(u, v):
            graph[u][v]["capacity"] += amount
        else:
            graph.add_edge(u, v, capacity=amount)

    def by_origin(target: str, amount: float, origin: np.ndarray, untraced: float) -> None:
        for k in np.nonzero(origin > 0)[0]:
            add(f"mining:{names[k]}", target, amount * origin[k])
        if untraced > 0:
            add(f"mining:{unknown}", target, amount * untraced)

    def routed(start: str, amount: float, exporter: int, leg: str, end: str) -> None:
        if model.routes is None:
            add(start, end, amount)
            return
        shares = model.routes.route_shares([names[exporter]])[0]
        rest = 1.0 - shares.sum()
        for r in np.nonzero(shares > 0)[0]:
            path = [start] + [f"lane:{leg}:{model.routes.chokepoints[h]}" for h in
                              np.nonzero(model.routes.incidence[r])[0]] + [end]
            for u, v in zip(path[:-1], path[1:], strict=True):
                add(u, v, amount * shares[r])
        add(start, end, amount * rest)

    fill_rows = full["o1"] + full["u1"][:, None] * world[None, :]
    fill_missing = 0.0 if world.sum() > 0 else 1.0

    def feed(refiner: int, amount: float, target: str) -> None:
        """Ore feed of a refiner by origin, through its last ore hop (as the engine does)."""
        if amount <= 0:
            return
        t1 = full["t1"][refiner]
        if t1 <= 0:
            by_origin(target, amount, world, fill_missing)
            return
        add(f"mining:{names[refiner]}", target, amount * full["p1"][refiner] / t1)
        for i in np.nonzero(full["f1"][:, refiner] > 0)[0]:
            if i == refiner:
                continue
            part = amount * full["f1"][i, refiner] / t1
            if refiner != m:
                by_origin(target, part, fill_rows[i], full["u1"][i] * fill_missing)
                continue
            link = f"ore_link:{names[i]}"
            by_origin(link, part, fill_rows[i], full["u1"][i] * fill_missing)
            routed(link, part, i, "ore", target)

    if stage == "mining":
        add(f"mining:{names[m]}", "market", full["p1"][m])
        for i in np.nonzero(full["f1"][:, m] > 0)[0]:
            if i == m:
                continue
            link = f"ore_link:{names[i]}"
            by_origin(link, full["f1"][i, m], full["o1"][i], full["u1"][i])
            routed(link, full["f1"][i, m], i, "ore", "market")
    else:
        refined_from = np.zeros(n)
        untraced_refined = 0.0
        add(f"refining:{names[m]}", "market", full["p2"][m])
        refined_from[m] += full["p2"][m]
        for i in np.nonzero(full["f2"][:, m] > 0)[0]:
            if i == m:
                continue
            link = f"refined_link:{names[i]}"
            amount = full["f2"][i, m]
            for r in np.nonzero(full["o2"][i] > 0)[0]:
                add(f"refining:{names[r]}", link, amount * full["o2"][i, r])
                refined_from[r] += amount * full["o2"][i, r]
            if full["u2"][i] > 0:
                add(f"refining:{unknown}", link, amount * full["u2"][i])
                untraced_refined += amount * full["u2"][i]
            routed(link, amount, i, "refined", "market")
        for r in np.nonzero(refined_from > 0)[0]:
            feed(int(r), refined_from[r], f"refining:{names[r]}")
        if untraced_refined > 0:
            by_origin(f"refining:{unknown}", untraced_refined, world, fill_missing)
    for node in list(graph.nodes):
        if node.startswith("mining:"):
            add("world", node, sum(d["capacity"] for _, _, d in graph.out_edges(node, data=True)))
    return graph
