"""The hand-built network of the worked example in ``docs/methods.md``.

Five countries, one commodity, two stages, four sea routes; small enough that
every number of the method can be computed by hand. Doctests, unit tests and
the documentation all use this one network, so that they check the same
figures.

Ore (mining stage)::

    production   AUS 100, CHN 20, IDN 60
    trade        AUS->CHN 50, AUS->JPN 30, IDN->CHN 30, IDN->JPN 10

Refined metal (refining stage)::

    production   CHN 80, JPN 20
    trade        CHN->JPN 40, CHN->KOR 20, KOR->JPN 10

Sea routes to Japan: Australia direct; China half direct, half through the
Taiwan Strait; Indonesia through the Strait of Malacca; Korea through the
Korea Strait.
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from scrisk.network import SupplyNetwork

EXAMPLE_COUNTRIES = ("AUS", "CHN", "IDN", "JPN", "KOR")


def example_network() -> SupplyNetwork:
    """The worked example's supply network (commodity ``nickel``, year 2023).

    Returns
    -------
    SupplyNetwork

    Examples
    --------
    >>> net = example_network()
    >>> net.imports_of("JPN", "refining").to_dict()
    {'CHN': 40.0, 'KOR': 10.0}
    """
    idx = {c: i for i, c in enumerate(EXAMPLE_COUNTRIES)}
    n = len(EXAMPLE_COUNTRIES)

    def vector(values: dict[str, float]) -> np.ndarray:
        out = np.zeros(n)
        for iso3, qty in values.items():
            out[idx[iso3]] = qty
        return out

    def matrix(values: dict[tuple[str, str], float]) -> np.ndarray:
        out = np.zeros((n, n))
        for (exp, imp), qty in values.items():
            out[idx[exp], idx[imp]] = qty
        return out

    production = {"mining": vector({"AUS": 100, "CHN": 20, "IDN": 60}),
                  "refining": vector({"CHN": 80, "JPN": 20})}
    flows = {"mining": matrix({("AUS", "CHN"): 50, ("AUS", "JPN"): 30, ("IDN", "CHN"): 30,
                               ("IDN", "JPN"): 10}),
             "refining": matrix({("CHN", "JPN"): 40, ("CHN", "KOR"): 20, ("KOR", "JPN"): 10})}
    values = {stage: array * 10.0 for stage, array in flows.items()}
    return SupplyNetwork("nickel", 2023, EXAMPLE_COUNTRIES, MappingProxyType(production),
                         MappingProxyType(flows), MappingProxyType(dict(flows)),
                         MappingProxyType(values), "t Ni",
                         MappingProxyType({"mining": "statistics", "refining": "statistics"}))


def example_route_tables() -> dict[str, pd.DataFrame]:
    """The worked example's ``chokepoints``, ``sea_routes`` and ``sea_regions`` tables.

    Same columns as ``geo/chokepoints.csv``, ``geo/sea_routes.csv`` and
    ``geo/sea_regions.csv`` of the dataset (only those the engine reads).

    Examples
    --------
    >>> tables = example_route_tables()
    >>> tables["sea_routes"].groupby("origin_region")["share"].sum().tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    chokepoints = pd.DataFrame({
        "chokepoint_id": ["malacca", "taiwan_strait", "korea_strait"],
        "name_en": ["Strait of Malacca", "Taiwan Strait", "Korea Strait"],
    })
    sea_routes = pd.DataFrame({
        "origin_region": ["australia", "china", "china", "indonesia", "korea", "japan"],
        "route_id": ["direct", "direct", "via_taiwan_strait", "via_malacca", "via_korea_strait",
                     "domestic"],
        "chokepoints": [None, None, "taiwan_strait", "malacca", "korea_strait", None],
        "share": [1.0, 0.5, 0.5, 1.0, 1.0, 1.0],
    })
    sea_regions = pd.DataFrame({
        "iso3": ["AUS", "CHN", "IDN", "JPN", "KOR"],
        "origin_region": ["australia", "china", "indonesia", "japan", "korea"],
    })
    return {"chokepoints": chokepoints, "sea_routes": sea_routes, "sea_regions": sea_regions}
