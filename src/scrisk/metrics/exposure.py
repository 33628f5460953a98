"""Look-through (origin) exposure: where an importer's supply was really mined.

The importer's pool of a stage (its own output plus its imports, contained
metal) is traced back, stage by stage, to the countries whose mines produced
it, with the origin model of :mod:`scrisk.origins`. Feed the data cannot
trace is shown as ``untraced:<ISO3>`` (the country whose plant used it) and
re-exports with nothing behind them as ``unattributed``: both are data gaps,
reported next to the numbers rather than spread over the mining countries.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.network import default_year
from scrisk.origins import (
    UNATTRIBUTED,
    FlowModel,
    _solve_stage,
    flow_model,
    label_kind,
)

__all__ = ["UNATTRIBUTED", "origin_matrix", "lookthrough_exposure", "direct_partners",
           "partner_origin_flows", "headline_stage", "exposure_notes"]


def origin_matrix(production: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Origin shares of every country's pool for one stage under proportional mixing.

    Parameters
    ----------
    production : numpy.ndarray
        Shape ``(n,)``, output of each country (>= 0).
    flows : numpy.ndarray
        Shape ``(n, n)``, ``flows[i, j]`` = quantity from ``i`` to ``j`` (>= 0).

    Returns
    -------
    numpy.ndarray
        ``O`` of shape ``(n, n)``; ``O[j, k]`` is the share of ``j``'s pool
        produced in ``k``. Rows of pools that production reaches sum to 1
        (less any part with nothing behind it); rows of pools no production
        reaches are 0 (``unattributed``).

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
    flows = np.asarray(flows, dtype=float).copy()
    np.fill_diagonal(flows, 0.0)
    n = production.size
    C = np.zeros((n, n + 1))
    C[np.arange(n), np.arange(n)] = (production > 0).astype(float)
    _, shares_o = _solve_stage(production, flows, C, n, production, np.ones(n))
    return shares_o[:, :n]


def headline_stage(model: FlowModel, importer: str) -> str | None:
    """The most processed stage at which the importer has supply (the default stage).

    Examples
    --------
    >>> from scrisk.origins import FlowModel, example_network
    >>> headline_stage(FlowModel(example_network()), "JPN")
    'refining'
    """
    stages = [s for s in model.stages if model.supply(importer, s) > 0]
    return stages[-1] if stages else None


def lookthrough_exposure(dataset: Dataset, importer: str, commodity: str,
                         year: int | None = None, stage: str | None = None) -> pd.DataFrame:
    """The importer's supply of one stage by mining origin, beside its direct partners.

    Parameters
    ----------
    dataset : Dataset
    importer : str
        ISO3 code or country name.
    commodity : str
    year : int, optional
        Default: :func:`scrisk.network.default_year`.
    stage : str, optional
        A stage of the ladder; default: the most processed stage at which
        the importer has supply (:func:`headline_stage`).

    Returns
    -------
    pandas.DataFrame
        One row per origin label: ``iso3`` (a mining country,
        ``untraced:<ISO3>`` or ``unattributed``), ``country``, ``kind``
        (mined / untraced / unattributed), ``mined_t``, ``mined_share``, and
        ``direct_t``, ``direct_share`` (what the importer gets straight from
        that country at this stage: its imports, or its own output for the
        importer itself). Largest mined share first. ``attrs`` holds
        ``stage``, ``year``, ``unit``, ``supply_t`` and ``notes`` (data gaps).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = lookthrough_exposure(load_dataset(), "JPN", "cobalt", 2023, "refining")
    >>> round(float(table["mined_share"].sum()), 6)
    1.0
    """
    importer = dataset.check_country(importer)
    dataset.check_commodity(commodity)
    year = default_year(dataset) if year is None else dataset.check_year(int(year))
    model = flow_model(dataset, commodity, year)
    if stage is None:
        stage = headline_stage(model, importer)
        if stage is None:
            return _empty(model, importer, "none", year)
    elif stage not in model.stages:
        raise UnknownChoiceError(f"stage with data for {commodity} in {year}", stage,
                                 model.stages)
    supply = model.supply(importer, stage)
    if supply <= 0:
        return _empty(model, importer, stage, year)
    mined = model.supply_by_origin(importer, stage)
    net = model.network
    direct = pd.Series(model.shipments_to(stage, net.index(importer)),
                       index=pd.Index(net.countries, name="origin"))
    direct[importer] = net.output(stage)[net.index(importer)]
    direct = direct[direct > 0]
    labels = list(mined.index) + [c for c in direct.index if c not in mined.index]
    table = pd.DataFrame({"iso3": labels})
    table["mined_t"] = mined.reindex(labels, fill_value=0.0).to_numpy()
    table["mined_share"] = table["mined_t"] / supply
    table["direct_t"] = direct.reindex(labels, fill_value=0.0).to_numpy()
    table["direct_share"] = table["direct_t"] / supply
    table.insert(1, "country", [_label_name(dataset, lab) for lab in labels])
    table.insert(2, "kind", [label_kind(lab) for lab in labels])
    table = table.sort_values(["mined_t", "direct_t", "iso3"], ascending=[False, False, True],
                              kind="stable", ignore_index=True)
    table.attrs.update(stage=stage, year=year, unit=net.unit, supply_t=supply,
                       importer=importer, commodity=commodity,
                       notes=exposure_notes(model, importer, stage))
    return table


def exposure_notes(model: FlowModel, importer: str, stage: str) -> list[str]:
    """Data gaps behind an importer's origin shares, worded for a reader.

    Lists the untraced and unattributed shares (when above 0.5 %) and the
    fallbacks the network used (inferred or share-based output, share year).
    """
    notes: list[str] = []
    supply = model.supply(importer, stage)
    if supply <= 0:
        return [f"no {stage} supply of {model.network.commodity} for {importer}"]
    by_origin = model.supply_by_origin(importer, stage) / supply
    untraced = by_origin[[label_kind(x) == "untraced" for x in by_origin.index]]
    if untraced.sum() > 0.005:
        where = ", ".join(f"{lab.split(':', 1)[1]} {share:.0%}"
                          for lab, share in untraced.head(4).items())
        notes.append(f"{untraced.sum():.0%} of the supply rests on feed the data cannot trace "
                     f"to a mine ({where}): scrap, stocks or trade missing from the data")
    if by_origin.get(UNATTRIBUTED, 0.0) > 0.005:
        notes.append(f"{by_origin[UNATTRIBUTED]:.0%} is re-exported metal with no recorded "
                     f"production or imports behind it (unattributed)")
    notes.extend(model.network.notes)
    return notes


def direct_partners(dataset: Dataset, importer: str, commodity: str, year: int | None = None,
                    stage: str | None = None) -> pd.DataFrame:
    """The importer's direct suppliers of one stage: contained and gross tonnes, value.

    Returns
    -------
    pandas.DataFrame
        ``partner, country, contained_t, gross_t, value_kusd, share`` (share
        of contained imports), largest first.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> table = direct_partners(load_dataset(), "JPN", "copper", 2023, "mining")
    >>> round(float(table["share"].sum()), 6)
    1.0
    """
    importer = dataset.check_country(importer)
    year = default_year(dataset) if year is None else dataset.check_year(int(year))
    model = flow_model(dataset, commodity, year)
    stage = stage or headline_stage(model, importer) or "mining"
    frame = model.network.flows_frame(stage)
    frame = frame.loc[frame["importer"] == importer].drop(columns="importer")
    frame = frame.rename(columns={"exporter": "partner"})
    total = frame["contained_t"].sum()
    frame["share"] = frame["contained_t"] / total if total > 0 else 0.0
    frame.insert(1, "country", [dataset.country_name(c) for c in frame["partner"]])
    return frame.sort_values("contained_t", ascending=False, kind="stable", ignore_index=True)


def partner_origin_flows(dataset: Dataset, importer: str, commodity: str,
                         year: int | None = None, stage: str | None = None) -> pd.DataFrame:
    """The importer's supply of a stage split by direct supplier and mining origin.

    Each direct shipment carries its exporter's pool mix, so the table says,
    e.g., how much of Japan's refined cobalt came from Finland and was mined
    in DR Congo. The importer's own output appears with itself as supplier.

    Returns
    -------
    pandas.DataFrame
        ``supplier, origin, kind, tonnes`` (contained), largest first; sums
        to the importer's supply of the stage.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> flows = partner_origin_flows(load_dataset(), "JPN", "cobalt", 2023, "refining")
    >>> set(flows.columns) == {"supplier", "origin", "kind", "tonnes"}
    True
    """
    importer = dataset.check_country(importer)
    year = default_year(dataset) if year is None else dataset.check_year(int(year))
    model = flow_model(dataset, commodity, year)
    stage = stage or headline_stage(model, importer) or "mining"
    columns = ["supplier", "origin", "kind", "tonnes"]
    if stage not in model.stages or not model.network.has_country(importer):
        return pd.DataFrame(columns=columns)
    net = model.network
    arrays = model.arrays[stage]
    m = net.index(importer)
    column = model.shipments_to(stage, m)
    suppliers = np.nonzero(column > 0)[0]
    # the pool mixes of the importer and its suppliers, solved for those rows only
    mixes = model.composition_rows(stage, np.append(suppliers, m))
    rows = []
    for r, i in enumerate(suppliers):
        amount = column[i]
        mix = _shipment_mix(model, stage, i, mixes[r])
        for k in np.nonzero(mix > 1e-12)[0]:
            rows.append((net.countries[i], model.labels[k], amount * mix[k]))
    own = arrays.output[m]
    if own > 0:
        # own output carries the stage's feed mix (the pool mix net of imports)
        feed_mix = _own_output_mix(model, stage, m, suppliers, mixes)
        for k in np.nonzero(feed_mix > 1e-12)[0]:
            rows.append((importer, model.labels[k], own * feed_mix[k]))
    table = pd.DataFrame(rows, columns=["supplier", "origin", "tonnes"])
    table.insert(2, "kind", [label_kind(x) for x in table["origin"]])
    return table.sort_values("tonnes", ascending=False, kind="stable", ignore_index=True)


def _shipment_mix(model: FlowModel, stage: str, i: int, pool_mix: np.ndarray) -> np.ndarray:
    """Origin mix of a shipment from ``i``: its pool mix, the uncovered excess unattributed."""
    arrays = model.arrays[stage]
    mix = pool_mix * arrays.traced_exports[i]
    mix[-1] += 1.0 - arrays.traced_exports[i]
    return mix


def _own_output_mix(model: FlowModel, stage: str, m: int, suppliers: np.ndarray,
                    mixes: np.ndarray) -> np.ndarray:
    """Origin mix of a country's own output of a stage (its pool less its imports).

    ``mixes`` holds the pool mixes of ``suppliers`` and, last, of ``m``.
    """
    arrays = model.arrays[stage]
    column = model.shipments_to(stage, m)
    total = arrays.pool[m] * mixes[-1]
    for r, i in enumerate(suppliers):
        total = total - column[i] * _shipment_mix(model, stage, i, mixes[r])
    total = np.clip(total, 0.0, None)
    s = total.sum()
    return total / s if s > 0 else total


def _label_name(dataset: Dataset, label: str) -> str:
    kind = label_kind(label)
    if kind == "mined":
        return dataset.country_name(label)
    if kind == "untraced":
        return f"untraced feed in {dataset.country_name(label.split(':', 1)[1])}"
    return UNATTRIBUTED


def _empty(model: FlowModel, importer: str, stage: str, year: int) -> pd.DataFrame:
    table = pd.DataFrame(columns=["iso3", "country", "kind", "mined_t", "mined_share",
                                  "direct_t", "direct_share"])
    table.attrs.update(stage=stage, year=year, unit=model.network.unit, supply_t=0.0,
                       importer=importer, commodity=model.network.commodity,
                       notes=[f"{importer} has no {stage} supply of "
                              f"{model.network.commodity} in {year} in the data"])
    return table
