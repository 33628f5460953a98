"""Supply networks: country nodes per stage, production and trade flows as arrays.

A :class:`SupplyNetwork` holds, for one commodity and year, the production
of every country at each stage and the bilateral trade of each stage as a
dense exporter x importer matrix (about 230 countries, so a few hundred kB).
Metrics and the disruption engine work on these arrays; ``to_networkx``
gives the layered graph (mining -> refining -> market) for structure,
centralities, cuts and drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset

STAGE_ORDER = ("mining", "refining")


def positions(codes: pd.Series, index: Mapping[str, int]) -> np.ndarray:
    """Integer positions of country codes in an index (every code must be present)."""
    keys = pd.Index(sorted(index, key=index.__getitem__))
    found = keys.get_indexer(np.asarray(codes, dtype=object))
    if (found < 0).any():
        missing = sorted(set(np.asarray(codes, dtype=object)[found < 0]))
        raise KeyError(f"country codes not in the index: {missing}")
    return found.astype(np.int64)


@dataclass(frozen=True)
class SupplyNetwork:
    """Production and trade of one commodity in one year, as arrays.

    Attributes
    ----------
    commodity : str
    year : int
    countries : tuple of str
        ISO3 codes; position ``i`` in every array is ``countries[i]``.
    production : Mapping[str, numpy.ndarray]
        Stage -> production per country (shape ``(n,)``), in ``units[stage]``.
    flows : Mapping[str, numpy.ndarray]
        Stage -> traded quantity, ``flows[stage][i, j]`` from exporter ``i``
        to importer ``j`` in tonnes of product (shape ``(n, n)``).
    values : Mapping[str, numpy.ndarray]
        Stage -> traded value in thousand USD, same layout as ``flows``.
    units : Mapping[str, str]
        Stage -> unit of ``production[stage]``.
    """

    commodity: str
    year: int
    countries: tuple[str, ...]
    production: Mapping[str, np.ndarray]
    flows: Mapping[str, np.ndarray]
    values: Mapping[str, np.ndarray]
    units: Mapping[str, str]
    _index: Mapping[str, int] = field(repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index",
                           MappingProxyType({c: i for i, c in enumerate(self.countries)}))
        for arrays in (self.production, self.flows, self.values):
            for array in arrays.values():
                array.setflags(write=False)

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages with production or trade data, upstream first."""
        present = set(self.production) | set(self.flows)
        return tuple(s for s in STAGE_ORDER if s in present)

    def index(self, iso3: str) -> int:
        """Position of a country in the arrays (``KeyError`` if absent)."""
        return self._index[iso3]

    def has_country(self, iso3: str) -> bool:
        """Whether the country is a node of this network."""
        return iso3 in self._index

    def production_series(self, stage: str = "mining") -> pd.Series:
        """Production of one stage per country (non-zero entries), largest first."""
        values = self.production.get(stage, np.zeros(len(self.countries)))
        series = pd.Series(values, index=pd.Index(self.countries, name="iso3"), name="quantity")
        return series[series > 0].sort_values(ascending=False, kind="stable")

    def flows_frame(self, stage: str = "mining") -> pd.DataFrame:
        """Non-zero trade flows of one stage as a long table."""
        qty = self.flows.get(stage)
        if qty is None:
            return pd.DataFrame(columns=["exporter", "importer", "quantity_t", "value_kusd"])
        val = self.values[stage]
        i, j = np.nonzero((qty > 0) | (val > 0))
        names = np.asarray(self.countries, dtype=object)
        return pd.DataFrame({"exporter": names[i], "importer": names[j],
                             "quantity_t": qty[i, j], "value_kusd": val[i, j]})

    def imports_of(self, importer: str, stage: str = "mining") -> pd.Series:
        """Quantity imported by ``importer`` from each partner (non-zero), largest first."""
        if stage not in self.flows or importer not in self._index:
            return pd.Series(dtype="float64", name="quantity_t")
        col = self.flows[stage][:, self._index[importer]]
        series = pd.Series(col, index=pd.Index(self.countries, name="partner"), name="quantity_t")
        return series[series > 0].sort_values(ascending=False, kind="stable")

    def to_networkx(self):
        """Layered directed graph: ``mining:ISO3`` -> ``refining:ISO3`` -> ``market:ISO3``.

        Nodes carry ``stage``, ``iso3`` and ``production``. Trade edges carry
        ``quantity_t``, ``value_kusd`` and ``kind='trade'``; an edge from a
        country's mining node to its own refining node (``kind='domestic'``)
        carries the production it keeps (production minus ore exports, not
        below zero). Ore trade goes from the exporter's mining node to the
        importer's refining node; refined trade from refining to market.

        Returns
        -------
        networkx.DiGraph
        """
        import networkx as nx

        graph = nx.DiGraph(commodity=self.commodity, year=self.year)
        layers = {"mining": ("mining", "refining"), "refining": ("refining", "market")}
        for stage in (*self.stages, "market"):
            prod = self.production.get(stage)
            for k, iso3 in enumerate(self.countries):
                amount = float(prod[k]) if prod is not None else 0.0
                graph.add_node(f"{stage}:{iso3}", stage=stage, iso3=iso3, production=amount)
        for stage, (src, dst) in layers.items():
            qty = self.flows.get(stage)
            if qty is None:
                continue
            val = self.values[stage]
            for i, j in zip(*np.nonzero(qty > 0), strict=True):
                graph.add_edge(f"{src}:{self.countries[i]}", f"{dst}:{self.countries[j]}",
                               quantity_t=float(qty[i, j]), value_kusd=float(val[i, j]),
                               kind="trade")
            prod = self.production.get(stage)
            if prod is not None:
                kept = np.clip(prod - qty.sum(axis=1), 0.0, None)
                for k in np.nonzero(kept > 0)[0]:
                    graph.add_edge(f"{src}:{self.countries[k]}", f"{dst}:{self.countries[k]}",
                                   quantity_t=float(kept[k]), value_kusd=0.0, kind="domestic")
        graph.remove_nodes_from([n for n, d in graph.degree() if d == 0
                                 and graph.nodes[n]["production"] == 0])
        return graph


def build_network(dataset: Dataset, commodity: str, year: int) -> SupplyNetwork:
    """Build the supply network of one commodity in one year.

    Mining production comes from ``production.csv``; refining production from
    ``production.csv`` rows with stage ``refining`` when present, otherwise
    from the published shares in ``processing_shares.csv`` times their world
    total (the latest share year not after ``year``). Trade comes from
    ``trade.parquet``, per stage.

    Parameters
    ----------
    dataset : Dataset
    commodity : str
        A commodity of the dataset, e.g. ``"cobalt"``.
    year : int
        A year with production data.

    Returns
    -------
    SupplyNetwork

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> net = build_network(load_dataset(), "cobalt", 2022)
    >>> net.production_series("mining").index[0]
    'COD'
    """
    dataset.check_commodity(commodity)
    dataset.check_year(year)
    prod = dataset.select("production", commodity=commodity, year=year)
    trade = dataset.select("trade", commodity=commodity, year=year)
    shares = _refining_from_shares(dataset.select("processing_shares", commodity=commodity),
                                   commodity, year)
    if (prod["stage"] == "refining").any():
        shares = shares.iloc[0:0]

    names = set(prod["iso3"].astype(str)) | set(shares["iso3"].astype(str))
    names |= set(trade["exporter"].astype(str)) | set(trade["importer"].astype(str))
    countries = tuple(sorted(names))
    index = {c: i for i, c in enumerate(countries)}
    n = len(countries)

    production: dict[str, np.ndarray] = {}
    units: dict[str, str] = {}
    for stage, rows in prod.groupby("stage", observed=True, sort=True):
        vec = np.zeros(n)
        np.add.at(vec, positions(rows["iso3"], index), rows["quantity"].to_numpy())
        production[str(stage)] = vec
        units[str(stage)] = str(rows["unit"].iloc[0])
    if not shares.empty:
        vec = np.zeros(n)
        np.add.at(vec, positions(shares["iso3"], index), shares["quantity"].to_numpy())
        production["refining"] = vec
        units["refining"] = str(shares["unit"].iloc[0])

    flows: dict[str, np.ndarray] = {}
    values: dict[str, np.ndarray] = {}
    for stage, rows in trade.groupby("stage", observed=True, sort=True):
        exp = positions(rows["exporter"], index)
        imp = positions(rows["importer"], index)
        qty, val = np.zeros((n, n)), np.zeros((n, n))
        np.add.at(qty, (exp, imp), np.nan_to_num(rows["quantity_t"].to_numpy(dtype=float)))
        np.add.at(val, (exp, imp), np.nan_to_num(rows["value_kusd"].to_numpy(dtype=float)))
        flows[str(stage)], values[str(stage)] = qty, val
    return SupplyNetwork(commodity, int(year), countries, MappingProxyType(production),
                         MappingProxyType(flows), MappingProxyType(values),
                         MappingProxyType(units))


def _refining_from_shares(shares: pd.DataFrame, commodity: str, year: int) -> pd.DataFrame:
    """Refining quantities from published shares: the latest year not after ``year``.

    Falls back to the earliest published year when all are later. The
    aggregate ``ROW`` row is kept as its own node so totals stay whole.
    """
    rows = shares.loc[(shares["commodity"] == commodity) & (shares["stage"] == "refining")]
    rows = rows.loc[rows["world_total"].notna()]
    if rows.empty:
        return rows.assign(quantity=pd.Series(dtype="float64"))
    years = sorted(int(y) for y in rows["year"].unique())
    usable = [y for y in years if y <= year]
    chosen = usable[-1] if usable else years[0]
    picked = rows.loc[rows["year"] == chosen]
    return picked.assign(quantity=picked["share"] * picked["world_total"])
