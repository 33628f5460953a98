"""Look-through (origin) exposure: where an importer's supply was really mined or refined.

Each country's supply pool (own production plus imports) is assumed to mix
proportionally, so its exports carry the same origin mix as its pool. The
origin shares of every pool then solve one linear system (Leontief-style)
instead of an enumeration of trade paths:

    (diag(T) - F^T) O = diag(p),    T_j = p_j + sum_i F[i, j]

with ``F[i, j]`` the flow from exporter ``i`` to importer ``j`` and ``p``
production. Row ``j`` of ``O`` is the share of country ``j``'s pool that
originates in each producing country; what cannot be traced to any
production (e.g. a closed loop of re-exporters) is reported as
``unattributed``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse
import scipy.sparse.linalg

from scrisk.data.load import Dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.network import SupplyNetwork, build_network

UNATTRIBUTED = "unattributed"


def origin_matrix(production: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Origin shares of every country's supply pool under proportional mixing.

    Parameters
    ----------
    production : numpy.ndarray
        Shape ``(n,)``, production of each country (>= 0).
    flows : numpy.ndarray
        Shape ``(n, n)``, ``flows[i, j]`` = quantity from ``i`` to ``j`` (>= 0).

    Returns
    -------
    numpy.ndarray
        ``O`` of shape ``(n, n)``; ``O[j, k]`` is the share of ``j``'s pool
        that was produced in ``k``. Rows sum to 1 for countries that
        production reaches through the trade graph and are 0 for the others
        (their shipments count as unattributed where they arrive at an
        importer, see :func:`supply_by_origin`).

    Examples
    --------
    Country 0 mines 100 and ships 50 to country 1, which also mines 50 and
    ships 40 to country 2: country 2's supply is half from 0, half from 1.

    >>> import numpy as np
    >>> p = np.array([100.0, 50.0, 0.0])
    >>> F = np.array([[0, 50, 0], [0, 0, 40], [0, 0, 0]], dtype=float)
    >>> origin_matrix(p, F).round(3)[2]
    array([0.5, 0.5, 0. ])
    """
    production = np.asarray(production, dtype=float)
    flows = np.asarray(flows, dtype=float)
    n = production.size
    origins = np.zeros((n, n))
    live = _reached_from_production(production, flows)
    if not live.any():
        return origins
    # Countries no production can reach hold only untraceable mass (e.g. a closed loop
    # of re-exporters): their rows stay zero, and their shipments are left out of the
    # pools they feed, which keeps the rest strictly solvable and its rows summing to 1.
    p, f = production[live], flows[np.ix_(live, live)]
    pool = p + f.sum(axis=0)  # inflow from unreached countries carries no traceable mass
    producers = np.nonzero(p > 0)[0]
    # Only producers' columns can be non-zero: solve for those (sparse LU), not all n.
    system = scipy.sparse.csc_matrix(np.diag(pool) - f.T)
    rhs = np.zeros((p.size, producers.size))
    rhs[producers, np.arange(producers.size)] = p[producers]
    solved = scipy.sparse.linalg.splu(system).solve(rhs)
    live_idx = np.nonzero(live)[0]
    origins[np.ix_(live_idx, live_idx[producers])] = solved
    return origins


def _reached_from_production(production: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Countries that produce or receive (directly or through others) from a producer."""
    from scipy.sparse.csgraph import breadth_first_order

    n = production.size
    # a super-source node n feeds every producer
    src = np.concatenate([np.nonzero(flows > 0)[0], np.full(int((production > 0).sum()), n)])
    dst = np.concatenate([np.nonzero(flows > 0)[1], np.nonzero(production > 0)[0]])
    graph = scipy.sparse.csr_matrix((np.ones(src.size), (src, dst)), shape=(n + 1, n + 1))
    order = breadth_first_order(graph, n, directed=True, return_predecessors=False)
    reached = np.zeros(n + 1, dtype=bool)
    reached[order] = True
    return reached[:n]


def supply_by_origin(network: SupplyNetwork, importer: str, stage: str = "mining"
                     ) -> pd.DataFrame:
    """The importer's imports of one stage by direct partner and by origin.

    Returns
    -------
    pandas.DataFrame
        Index: country; columns ``direct_t``, ``lookthrough_t``,
        ``direct_share``, ``lookthrough_share`` (shares of total imports),
        with an ``unattributed`` row when some mass cannot be traced.
    """
    if stage not in network.flows or not network.has_country(importer):
        return _empty_origin()
    flows = network.flows[stage]
    production = network.production.get(stage, np.zeros(len(network.countries)))
    j = network.index(importer)
    imports = flows[:, j]
    total = imports.sum()
    if total <= 0:
        return _empty_origin()
    origins = origin_matrix(production, flows)
    traced = imports @ origins
    names = list(network.countries)
    table = pd.DataFrame({"direct_t": imports, "lookthrough_t": traced},
                         index=pd.Index(names, name="iso3"))
    missing = total - traced.sum()
    if missing > total * 1e-9:
        table.loc[UNATTRIBUTED] = [0.0, missing]
    table["direct_share"] = table["direct_t"] / total
    table["lookthrough_share"] = table["lookthrough_t"] / total
    table = table.loc[(table["direct_t"] > 0) | (table["lookthrough_t"] > total * 1e-12)]
    return table.sort_values("lookthrough_t", ascending=False, kind="stable")


def lookthrough_exposure(dataset: Dataset, importer: str, commodity: str, year: int,
                         stage: str = "mining") -> pd.DataFrame:
    """Direct vs look-through shares of an importer's supply, side by side.

    For ``stage="mining"`` the importer's ore and concentrate imports are
    traced to the countries where they were mined. For ``stage="refining"``
    the importer's imports of refined products are traced to the country
    that refined them (column ``lookthrough_share``) and further, through
    each refiner's own ore pool, to the country where the ore was mined
    (column ``mined_share``).

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    commodity : str
    year : int
    stage : {"mining", "refining"}

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3, country, direct_t, direct_share, lookthrough_t,
        lookthrough_share`` (and ``mined_share`` for refining), largest
        look-through first.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = lookthrough_exposure(load_dataset(), "JPN", "cobalt", 2022, "refining")
    >>> round(float(table["lookthrough_share"].sum()), 6)
    1.0
    """
    importer = dataset.check_country(importer)
    network = build_network(dataset, commodity, year)
    if stage not in network.flows:
        raise UnknownChoiceError(f"stage with trade data for {commodity} in {year}", stage,
                                 network.flows.keys())
    table = supply_by_origin(network, importer, stage)
    if stage == "refining" and not table.empty:
        mined = mined_origin_of_refined(network, table["lookthrough_share"])
        table = table.join(mined.rename("mined_share"), how="outer")
        table = table.fillna({c: 0.0 for c in table.columns})
        table = table.sort_values(["lookthrough_share", "mined_share"], ascending=False,
                                  kind="stable")
    table = table.reset_index()
    table.insert(1, "country", [dataset.country_name(c) if c != UNATTRIBUTED else UNATTRIBUTED
                                for c in table["iso3"]])
    return table


def mined_origin_of_refined(network: SupplyNetwork, refiner_shares: pd.Series) -> pd.Series:
    """Where the ore behind refined supply was mined.

    Each refiner's feed is traced through the ore trade (its own mining plus
    ore imports, proportional mixing). Feed that the ore data cannot trace
    (no ore imports recorded, e.g. intermediates outside the HS codes held)
    is attributed in proportion to world mine production, the usual
    assumption of material-flow studies when the feed origin is unknown.

    Parameters
    ----------
    network : SupplyNetwork
    refiner_shares : pandas.Series
        Share of the refined supply by refining country (sums to 1); an
        ``unattributed`` entry is spread like untraced feed.

    Returns
    -------
    pandas.Series
        Share by mining country, summing to 1 when the network has mine
        production.
    """
    n = len(network.countries)
    mine = network.production.get("mining", np.zeros(n))
    world = mine / mine.sum() if mine.sum() > 0 else np.zeros(n)
    ore_flows = network.flows.get("mining", np.zeros((n, n)))
    ore_origin = origin_matrix(mine, ore_flows)
    mined = np.zeros(n)
    for country, share in refiner_shares.items():
        if share <= 0:
            continue
        row = ore_origin[network.index(country)] if network.has_country(country) else np.zeros(n)
        traced = row.sum()
        mined += share * (row + max(0.0, 1.0 - traced) * world)
    series = pd.Series(mined, index=pd.Index(network.countries, name="iso3"))
    return series[series > 0]


def _empty_origin() -> pd.DataFrame:
    return pd.DataFrame(columns=["direct_t", "lookthrough_t", "direct_share",
                                 "lookthrough_share"], index=pd.Index([], name="iso3"))
