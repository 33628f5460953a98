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

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.disruption.engine import (
    ROUTE_DESTINATION,
    SeaRoutes,
    SupplyModel,
    family_name,
)
from scrisk.network import default_year, facility_contained
from scrisk.origins import flow_model, label_kind

DEFAULT_THRESHOLD = 0.5
KIND_LABELS = {
    "production": "output",
    "export": "exports",
    "link": "trade link",
    "lanes": "sea lane",
    "facility": "facility",
}
RANKING_COLUMNS = ["commodity", "stage", "kind", "element", "name", "loss_t", "loss_share",
                   "supply_t", "element_stage"]


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
        supply_t, element_stage``: the importer's supply at ``stage`` lost if
        the element were lost entirely, largest first within each commodity
        and stage. ``kind`` is ``production`` (a country's output of
        ``element_stage``), ``export`` (all its exports of that stage),
        ``link`` (its shipments of that stage to the importer), ``lanes`` (a
        sea-lane chokepoint) or ``facility``. Removing a country's mines
        loses exactly its mined share in
        :func:`scrisk.metrics.exposure.lookthrough_exposure`.
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


def chokepoints(dataset: Dataset, importer: str = "JPN",
                commodity: str | list[str] | tuple[str, ...] | None = None,
                year: int | None = None, *, threshold: float = DEFAULT_THRESHOLD,
                structure: bool = True) -> ChokepointResult:
    """Rank what the importer's supply depends on, for one commodity or all.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    commodity : str or list of str, optional
        One commodity or several (default: every commodity with supply to the importer).
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
    if commodity is None:
        commodities = list(dataset.commodities_list)
    elif isinstance(commodity, str):
        commodities = [dataset.check_commodity(commodity)]
    else:
        commodities = [dataset.check_commodity(c) for c in commodity]
    routes = _routes(dataset) if importer == ROUTE_DESTINATION else None
    names = _names(dataset)
    notes: list[str] = []
    if routes is None:
        notes.append(f"sea routes in geo/sea_routes.csv lead to {ROUTE_DESTINATION}; no "
                     f"sea-lane analysis for {importer}")
    parts: dict[str, list[pd.DataFrame]] = {k: [] for k in
                                            ("ranking", "lanes", "spof", "btw", "cuts", "edges")}
    for com in sorted(commodities):
        model = SupplyModel(flow_model(dataset, com, year), importer, routes)
        if model.headline_stage is None:
            notes.append(f"{com}: {importer} has no supply in the {year} data")
            continue
        ranking = element_losses(model, dataset.facilities, names, dataset)
        parts["ranking"].append(ranking)
        parts["lanes"].append(_sea_lane_table(model, ranking))
        parts["spof"].append(_single_points(model, ranking, names, threshold))
        if structure:
            btw, cut, edges = _structure(model)
            parts["btw"].append(btw)
            parts["cuts"].append(cut)
            parts["edges"].append(edges)
    ranking = _concat(parts["ranking"], [*RANKING_COLUMNS, "headline"])
    for com in sorted(commodities):
        notes.extend(f"{com}: {note}" for note in flow_model(dataset, com, year).network.notes)
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


def _routes(dataset: Dataset) -> SeaRoutes:
    """The dataset's sea routes, read once per dataset (the report asks per commodity)."""
    routes = dataset.__dict__.get("_chokepoint_routes")
    if routes is None:
        routes = SeaRoutes.from_dataset(dataset)
        for array in (routes.route_region, routes.route_share, routes.incidence):
            array.setflags(write=False)
        dataset.__dict__["_chokepoint_routes"] = routes
    return routes


def _names(dataset: Dataset) -> dict[str, str]:
    """ISO3, chokepoint and facility id -> display name (built once per dataset; a copy)."""
    names = dataset.__dict__.get("_chokepoint_names")
    if names is None:
        names = _read_names(dataset)
        dataset.__dict__["_chokepoint_names"] = names
    return dict(names)


def _read_names(dataset: Dataset) -> dict[str, str]:
    table = dataset.countries
    names = dict(zip(table["iso3"], table["name_en"], strict=True))
    chokes = dataset.chokepoints
    names.update(zip(chokes["chokepoint_id"], chokes["name_en"], strict=True))
    fac = dataset.facilities
    names.update((f, f"{name} ({names.get(iso3, iso3)})") for f, name, iso3 in
                 zip(fac["facility_id"], fac["name"], fac["iso3"], strict=True))
    return names


def upstream_nodes(model: SupplyModel) -> set[tuple[int, int]]:
    """``(stage index, country index)`` nodes from which metal can reach the importer.

    Metal moves along trade within a stage and, inside a country, from a
    stage to any later one (feed, or feed that skips a stage). Gates on
    other nodes cannot change the importer's supply, so they are not ranked.
    """
    if model.index(model.importer) is None:
        return set()
    flow = model.flow
    m = model.index(model.importer)
    stages = flow.stages
    start = [(s, m) for s in range(len(stages))]
    seen = set(start)
    queue = deque(start)
    imports = [flow.arrays[st].flows for st in stages]
    while queue:
        s, c = queue.popleft()
        for i in np.nonzero(imports[s][:, c] > 0)[0]:
            node = (s, int(i))
            if node not in seen:
                seen.add(node)
                queue.append(node)
        for t in range(s):
            node = (t, c)
            if node not in seen:
                seen.add(node)
                queue.append(node)
    return seen


def model_elements(model: SupplyModel, facilities: pd.DataFrame | None = None,
                   dataset: Dataset | None = None) -> list[tuple[str, str, float, str, str, str]]:
    """Every element whose loss can cut the importer's supply, as engine gates.

    Countries with output of a stage that can reach the importer, their
    exports of that stage, the importer's trade links, the chokepoints and,
    given ``facilities`` (and the dataset, to convert units), operating
    facilities with an output (as the share of their country's output that
    survives their loss).

    Returns
    -------
    list of ``(family, key, surviving share, kind, element label, element stage)``

    Examples
    --------
    >>> from scrisk.disruption.example import example_network
    >>> [e[:3] for e in model_elements(SupplyModel(example_network(), "JPN"))][:3]
    [('export:mining', 'AUS', 0.0), ('production:mining', 'AUS', 0.0), ('production:mining', 'CHN', 0.0)]
    """
    flow = model.flow
    net = model.network
    up = upstream_nodes(model)
    out: list[tuple[str, str, float, str, str, str]] = []
    for s, stage in enumerate(flow.stages):
        a = flow.arrays[stage]
        for c in sorted(c for t, c in up if t == s):
            iso3 = net.countries[c]
            if a.output[c] > 0:
                out.append((family_name("production", stage), iso3, 0.0, "production", iso3,
                            stage))
            if iso3 != model.importer and any(a.flows[c, j] > 0 and (s, j) in up
                                              for j in np.nonzero(a.flows[c] > 0)[0]):
                out.append((family_name("export", stage), iso3, 0.0, "export", iso3, stage))
    out.sort(key=lambda e: (e[1], flow.stages.index(e[5]), e[0]))
    m = model.index(model.importer)
    if m is not None:
        for stage in flow.stages:
            col = flow.arrays[stage].flows[:, m]
            for i in np.nonzero(col > 0)[0]:
                iso3 = net.countries[i]
                out.append((family_name("link", stage), iso3, 0.0, "link",
                            f"{iso3}->{model.importer}", stage))
    for cid in model.chokepoints:
        out.append(("lanes", cid, 0.0, "lanes", cid, ""))
    if facilities is not None and not facilities.empty and dataset is not None:
        rows = facilities.loc[(facilities["commodity"] == model.commodity)
                              & (facilities["status"] == "operating")
                              & (facilities["output_t"].fillna(0) > 0)]
        for row in rows.sort_values("facility_id").itertuples(index=False):
            stage = str(row.stage)
            if stage not in flow.stages or not net.has_country(row.iso3):
                continue
            amount = facility_contained(dataset, model.commodity, float(row.output_t),
                                        str(row.unit))
            national = flow.arrays[stage].output[net.index(row.iso3)]
            if amount is None or national <= 0:
                continue
            if (flow.stages.index(stage), net.index(row.iso3)) not in up:
                continue
            out.append((family_name("production", stage), row.iso3,
                        1.0 - min(1.0, amount / national), "facility", row.facility_id, stage))
    return out


def element_losses(model: SupplyModel, facilities: pd.DataFrame | None = None,
                   names: dict[str, str] | None = None,
                   dataset: Dataset | None = None) -> pd.DataFrame:
    """Supply lost if each element were lost entirely (one batch through the engine).

    Parameters
    ----------
    model : SupplyModel
    facilities : pandas.DataFrame, optional
        ``suppliers/facilities.csv``; operating facilities are ranked too
        (their output as a share of their country's output of the stage).
    names : dict, optional
        ISO3 / chokepoint id -> display name.
    dataset : Dataset, optional
        Needed with ``facilities`` to convert their output to contained metal.

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
    0      export     CHN    50.0
    1  production     CHN    50.0
    2      export     AUS    40.0
    """
    names = names or {}
    elements = model_elements(model, facilities, dataset)
    rows = []
    stages = model.flow.stages
    if elements:
        gates = model.element_gates([(f, k, s) for f, k, s, _, _, _ in elements])
        losses = model.losses(gates)
        for (_, _, _, kind, label, el_stage), loss in zip(elements, losses, strict=True):
            for s, stage in enumerate(stages):
                supply = model.supply[stage]
                if supply > 0 and loss[s] > 1e-9 * supply:
                    rows.append((stage, kind, label, _label(label, kind, names), loss[s],
                                 el_stage))
    table = pd.DataFrame(rows, columns=["stage", "kind", "element", "name", "loss_t",
                                        "element_stage"])
    table.insert(0, "commodity", model.commodity)
    table["supply_t"] = table["stage"].map(dict(model.supply)).astype(float)
    table["loss_share"] = table["loss_t"] / table["supply_t"]
    table["headline"] = table["stage"] == model.headline_stage
    order = {s: i for i, s in enumerate(stages)}
    table["_o"] = table["stage"].map(order)
    # equal losses (to 12 digits: the solves' rounding) are ranked by kind and element
    table["_rank"] = table["loss_share"].round(12)
    table = table.sort_values(["headline", "_o", "_rank", "kind", "element"],
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
    if model.routes is None or model.index(model.importer) is None:
        return pd.DataFrame(columns=columns)
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
    totals = {}
    for stage in model.flow.stages:
        supply = model.supply[stage]
        imports = model.flow.arrays[stage].flows[:, m].copy()
        totals[stage] = float(imports.sum())
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
    table["import_share"] = table["imports_t"] / table["stage"].map(totals)
    table["supply_share"] = table["loss_t"] / table["stage"].map(dict(model.supply))
    table = table.loc[(table["imports_t"] > 0) | (table["loss_t"] > 0)]
    order = {s: i for i, s in enumerate(model.flow.stages)}
    table = table.assign(_o=table["stage"].map(order))
    table = table.sort_values(["_o", "supply_share", "imports_t"], ascending=[True, False, False],
                              kind="stable", na_position="last")
    return table[columns].reset_index(drop=True)


def _single_points(model: SupplyModel, ranking: pd.DataFrame, names: dict[str, str],
                   threshold: float) -> pd.DataFrame:
    net = model.network
    countries = np.asarray(net.countries, dtype=object)
    real = np.array([c != "ROW" for c in countries])
    rows = []

    def top(scope: str, values: np.ndarray, labels: np.ndarray, mask: np.ndarray) -> None:
        total = values.sum()
        if total <= 0:
            return
        shares = np.where(mask, values / total, 0.0)
        k = int(np.argmax(shares))
        if shares[k] > threshold:
            rows.append((scope, labels[k], names.get(labels[k], labels[k]), float(shares[k])))

    m = model.index(model.importer)
    for stage in model.flow.stages:
        a = model.flow.arrays[stage]
        top(f"world {stage} output", a.output, countries, real)
        if m is not None:
            imports = a.flows[:, m].copy()
            top(f"{model.importer} imports ({stage})", imports, countries, real)
    head = model.headline_stage
    if head is not None:
        origin = model.flow.supply_by_origin(model.importer, head)
        labels = origin.index.to_numpy(dtype=object)
        top(f"{model.importer} supply by mine origin ({head})", origin.to_numpy(), labels,
            np.array([label_kind(c) == "mined" for c in labels]))
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
    """The physical flow network of the commodity, with a ``world`` source and capacities.

    Nodes ``<stage>:ISO3`` are a country's pool of a stage; ``make:<stage>:ISO3``
    its plants of a later stage. Edges (tonnes of the year, contained metal):
    ``world -> mining:c`` (mine output), trade ``<stage>:i -> <stage>:j``,
    feed ``<stage>:c -> make:<next>:c`` (what the country keeps),
    ``make:<next>:c -> <next>:c`` (the stage's output), ``world ->
    make:<next>:c`` for output beyond the traced feed (``untraced``) and
    ``world -> <stage>:c`` for exports its pool cannot explain. The sink is
    the importer's pool at its headline stage.

    Returns
    -------
    tuple of (networkx.DiGraph, str or None)
        The graph and its sink (``None`` when the importer has no supply).
    """
    import networkx as nx

    net = model.network
    flow = model.flow
    names = net.countries
    graph = nx.DiGraph(commodity=model.commodity, year=model.year)

    def add(u: str, v: str, capacity: float, kind: str) -> None:
        if capacity > 1e-9:
            for node in (u, v):
                if node not in graph:
                    parts = node.split(":")
                    graph.add_node(node, stage=":".join(parts[:-1]), iso3=parts[-1])
            if graph.has_edge(u, v):
                graph[u][v]["capacity"] += float(capacity)
            else:
                graph.add_edge(u, v, capacity=float(capacity), kind=kind)

    stages = flow.stages
    for s, stage in enumerate(stages):
        a = flow.arrays[stage]
        for i, j in zip(*np.nonzero(a.flows > 0), strict=True):
            add(f"{stage}:{names[i]}", f"{stage}:{names[j]}", a.flows[i, j], "trade")
        for c, iso3 in enumerate(names):
            if s == 0:
                add("world", f"{stage}:{iso3}", a.output[c], "production")
            else:
                add(f"make:{stage}:{iso3}", f"{stage}:{iso3}", a.output[c], "production")
                add("world", f"make:{stage}:{iso3}", a.output[c] * (1.0 - a.feed_used[c]),
                    "untraced_feed")
                for t in range(s):
                    kept = flow.arrays[stages[t]].kept[c]
                    add(f"{stages[t]}:{iso3}", f"make:{stage}:{iso3}", min(kept, a.output[c]),
                        "feed")
            if iso3 != model.importer:
                add("world", f"{stage}:{iso3}", a.exports[c] - a.pool[c], "untraced")
    head = model.headline_stage
    sink = f"{head}:{model.importer}" if head is not None else None
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
    first = model.flow.stages[0]
    sources = sorted(n for n in sub if n.startswith(f"{first}:") and
                     model.flow.arrays[first].output[model.network.index(n.split(":")[-1])] > 0)
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
