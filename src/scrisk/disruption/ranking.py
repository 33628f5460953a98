"""Chokepoints ranked across commodities: which single failures cut the most supply.

:func:`scrisk.disruption.chokepoints.chokepoints` ranks, per commodity and
stage, the supply an importer would lose if one element (a country's mines
or refineries, its exports, one trade link, a sea lane, a facility) were
lost. Staff asking "what are our biggest single points of failure?" need
one list across commodities; this module builds it from that result, so it
does not depend on how the engine computes the losses.

Per commodity, only the headline stage counts (the stage whose supply the
importer uses: refined metal where the data hold it), and each actor (a
country, a sea lane, a facility) appears once, with its worst failure (its
mines, refineries, exports or trade link, whichever cuts more). The
importer's own mines and refineries are left out by default: losing them
is not a foreign supply risk.
"""

from __future__ import annotations

import pandas as pd

RANK_BY = ("share", "tonnes")


def actor_of(element: str, kind: str = "") -> str:
    """The country, lane or facility behind a ranking element.

    A trade link ``"CHL->JPN"`` belongs to its exporter; every other
    element is its own actor.

    Examples
    --------
    >>> actor_of("CHL->JPN", "ore_link"), actor_of("malacca", "lanes"), actor_of("COD")
    ('CHL', 'malacca', 'COD')
    """
    text = str(element)
    return text.split("->", 1)[0].strip() if "->" in text else text


def rank_chokepoints(result, top: int | None = 20, *, by: str = "share",
                     include_domestic: bool = False) -> pd.DataFrame:
    """Single failures ranked across commodities, by share of supply or by tonnes lost.

    Parameters
    ----------
    result : ChokepointResult
        What :func:`scrisk.disruption.chokepoints.chokepoints` returned
        (anything with ``importer`` and a ``ranking`` frame of ``commodity,
        stage, kind, element, name, loss_t, loss_share, supply_t`` and
        optionally ``headline``).
    top : int or None
        Rows kept (``None``: all).
    by : {"share", "tonnes"}
        Order by the share of the commodity's supply lost (ties: tonnes),
        or by tonnes lost (ties: share). Tonnes compare only like with like
        (a tonne of copper is not a tonne of rhodium): the share is the
        default.
    include_domestic : bool
        Keep the importer's own mines and refineries.

    Returns
    -------
    pandas.DataFrame
        ``rank, commodity, stage, actor, name, kind, element, loss_t,
        loss_share, supply_t``: one row per commodity and actor (its worst
        element), best first.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ranking = pd.DataFrame({
    ...     "commodity": ["cobalt", "cobalt", "cobalt", "copper"],
    ...     "stage": ["refining"] * 4,
    ...     "kind": ["refining", "refined_link", "refining", "mining"],
    ...     "element": ["FIN", "FIN->JPN", "JPN", "CHL"],
    ...     "name": ["Finland", "Finland -> Japan", "Japan", "Chile"],
    ...     "loss_t": [2000.0, 1500.0, 500.0, 480000.0],
    ...     "loss_share": [0.4, 0.3, 0.1, 0.3],
    ...     "supply_t": [5000.0, 5000.0, 5000.0, 1600000.0]})
    >>> table = rank_chokepoints(SimpleNamespace(importer="JPN", ranking=ranking))
    >>> table[["rank", "commodity", "actor", "kind", "loss_share"]].to_string(index=False)
    ' rank commodity actor     kind  loss_share\\n    1    cobalt   FIN refining         0.4\\n    2    copper   CHL   mining         0.3'
    >>> rank_chokepoints(SimpleNamespace(importer="JPN", ranking=ranking), by="tonnes")["actor"].tolist()
    ['CHL', 'FIN']
    """
    if by not in RANK_BY:
        from scrisk.exceptions import UnknownChoiceError

        raise UnknownChoiceError("ranking order", by, RANK_BY)
    frame = result.ranking
    if "headline" in frame:
        frame = frame.loc[frame["headline"].astype(bool)]
    frame = frame.drop(columns=["headline"], errors="ignore").copy()
    frame["actor"] = [actor_of(e, k) for e, k in zip(frame["element"], frame["kind"],
                                                      strict=True)]
    if not include_domestic:
        frame = frame.loc[frame["actor"] != result.importer]
    frame = frame.loc[frame["loss_t"] > 0]
    # each actor once per commodity: its worst element (ties: the element name, for determinism)
    frame = frame.sort_values(["commodity", "actor", "loss_share", "loss_t", "element"],
                              ascending=[True, True, False, False, True], kind="mergesort")
    frame = frame.drop_duplicates(["commodity", "actor"], keep="first")
    keys = ["loss_share", "loss_t"] if by == "share" else ["loss_t", "loss_share"]
    frame = frame.sort_values([*keys, "commodity", "actor"],
                              ascending=[False, False, True, True], kind="mergesort")
    if top is not None:
        frame = frame.head(max(0, int(top)))
    columns = ["commodity", "stage", "actor", "name", "kind", "element", "loss_t", "loss_share",
               "supply_t"]
    out = frame[columns].reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out


def actors_across_commodities(result, top: int | None = 20, *, min_share: float = 0.25,
                              include_domestic: bool = False, list_limit: int = 5
                              ) -> pd.DataFrame:
    """Actors whose loss would cut a large share of several commodities' supply.

    Parameters
    ----------
    result : ChokepointResult
    top : int or None
        Rows kept.
    min_share : float
        A commodity counts for an actor when its loss would cut at least
        this share of that commodity's supply.
    include_domestic : bool
        Keep the importer itself.
    list_limit : int
        Commodities named in ``commodity_list`` (the rest are counted).

    Returns
    -------
    pandas.DataFrame
        ``rank, actor, name, commodities_hit, max_loss_share,
        commodity_list``: most commodities hit first (ties: the largest
        share), the commodities listed with their loss share.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> ranking = pd.DataFrame({
    ...     "commodity": ["cobalt", "graphite", "copper"], "stage": ["refining"] * 3,
    ...     "kind": ["refining", "refining", "mining"], "element": ["CHN", "CHN", "CHL"],
    ...     "name": ["China", "China", "Chile"], "loss_t": [10.0, 90.0, 30.0],
    ...     "loss_share": [0.3, 0.9, 0.3], "supply_t": [33.0, 100.0, 100.0]})
    >>> t = actors_across_commodities(SimpleNamespace(importer="JPN", ranking=ranking))
    >>> t[["actor", "commodities_hit", "commodity_list"]].values.tolist()
    [['CHN', 2, 'graphite 90%, cobalt 30%'], ['CHL', 1, 'copper 30%']]
    """
    pairs = rank_chokepoints(result, None, include_domestic=include_domestic)
    pairs = pairs.loc[pairs["loss_share"] >= min_share]
    rows = []
    for actor, part in pairs.groupby("actor", sort=True):
        part = part.sort_values(["loss_share", "commodity"], ascending=[False, True])
        name = part["name"].iloc[0]
        if "->" in str(part["element"].iloc[0]):
            name = str(name).split(" -> ")[0]
        listed = [f"{c} {s:.0%}" for c, s in zip(part["commodity"], part["loss_share"],
                                                  strict=True)]
        if len(listed) > list_limit:
            listed = [*listed[:list_limit], f"+{len(listed) - list_limit} more"]
        rows.append({"actor": actor, "name": name, "commodities_hit": len(part),
                     "max_loss_share": float(part["loss_share"].max()),
                     "commodity_list": ", ".join(listed)})
    out = pd.DataFrame(rows, columns=["actor", "name", "commodities_hit", "max_loss_share",
                                      "commodity_list"])
    out = out.sort_values(["commodities_hit", "max_loss_share", "actor"],
                          ascending=[False, False, True], kind="mergesort")
    if top is not None:
        out = out.head(max(0, int(top)))
    out = out.reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out
