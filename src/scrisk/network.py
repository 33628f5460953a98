"""Supply networks in contained metal: one node per country and stage of the ladder.

A :class:`SupplyNetwork` holds, for one commodity and year, the output of
every country at each stage of the commodity's ladder (mine product ->
intermediate -> refined -> material) and the bilateral trade of each stage as
an exporter x importer matrix, all in tonnes of contained element (lithium
as Li, rare earths as REO; ``unit`` says which). Gross product tonnes are kept
beside the contained ones (``gross_flows``) and never mixed with them.

Where stage output comes from (``output_basis``):

* ``statistics``: a production table row for the stage (mining: World Mining
  Data);
* ``shares``: published country shares x world total
  (``processing_shares.csv``), the aggregate ``ROW`` reduced by the inferred
  output of unlisted exporters;
* ``inferred``: no statistic: a country's output is taken as its net exports
  of the stage (exports minus imports, not below zero), the least output the
  trade requires.

Trade is stored sparse (``scipy.sparse`` CSR, exporter x importer): a
network of ``n`` countries or firms holds memory in proportion to its trade
links, not to ``n**2``. :attr:`SupplyNetwork.flows` still hands out dense
``(n, n)`` arrays, built on first access, for code written against them;
:meth:`SupplyNetwork.trade_sparse` is the form every analysis of scrisk
reads.

Metrics and the disruption engine read these arrays through
:mod:`scrisk.origins`; :meth:`SupplyNetwork.to_networkx` gives the layered
graph for structure, cuts and drawing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.sparse

from scrisk.data.load import Dataset
from scrisk.data.schemas import STAGES

STAGE_ORDER = STAGES
AGGREGATE = "ROW"
LI_PER_LCE = 0.18786  # 2 x 6.941 / 73.89 (Li2CO3): tonnes of Li in a tonne of LCE
LI_PER_LI2O = 0.46452  # 2 x 6.941 / 29.88

# Units a published table may use, as (contained basis, factor to it). Anything else is read
# as already contained ("t", "t Cu", ...).
_UNIT_FACTORS = {
    "t lce": ("t Li", LI_PER_LCE),
    "t li2o": ("t Li", LI_PER_LI2O),
    "kt": (None, 1000.0),
    "kg": (None, 0.001),
}


def as_csr(matrix, n: int) -> scipy.sparse.csr_array:
    """An ``(n, n)`` matrix (dense or sparse) as a canonical CSR array without the diagonal."""
    if scipy.sparse.issparse(matrix) and matrix.format == "csr" and matrix.shape == (n, n) \
            and matrix.has_canonical_format:
        # already sorted and summed (a sub-network of another network): only the diagonal
        # and stored zeros to drop, the entries kept in their order
        rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
        keep = (rows != matrix.indices) & (matrix.data != 0)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=n), out=indptr[1:])
        index_dtype = np.int32 if max(n, int(indptr[-1])) < np.iinfo(np.int32).max \
            else np.int64
        out = scipy.sparse.csr_array((matrix.data[keep].astype(float),
                                      matrix.indices[keep].astype(index_dtype),
                                      indptr.astype(index_dtype)), shape=(n, n))
        out.has_sorted_indices = True
        out.has_canonical_format = True
        return out
    if scipy.sparse.issparse(matrix):
        coo = scipy.sparse.coo_array(matrix, dtype=float)
    else:
        coo = scipy.sparse.coo_array(np.asarray(matrix, dtype=float))
    if coo.shape != (n, n):
        raise ValueError(f"trade matrix must be ({n}, {n}), got {coo.shape}")
    coo.sum_duplicates()
    keep = (coo.row != coo.col) & (coo.data != 0)
    out = scipy.sparse.csr_array((coo.data[keep], (coo.row[keep], coo.col[keep])),
                                 shape=(n, n))
    out.sort_indices()
    return out


class _CanonicalTrade(dict):
    """Stage -> trade CSR that :func:`build_network` made canonical (sorted, summed,
    no diagonal, no stored zeros), so :class:`SupplyNetwork` need not redo
    :func:`as_csr`. Private: other callers' matrices are always copied."""


class DenseView(Mapping):
    """Stage -> dense ``(n, n)`` array of a sparse mapping, built on first access.

    Kept for code written against dense trade matrices; a large network
    should be read through the sparse form instead.
    """

    def __init__(self, sparse: Mapping[str, scipy.sparse.csr_array]):
        self._sparse = sparse
        self._dense: dict[str, np.ndarray] = {}

    def __getitem__(self, stage: str) -> np.ndarray:
        if stage not in self._dense:
            array = self._sparse[stage].toarray()
            array.setflags(write=False)
            self._dense[stage] = array
        return self._dense[stage]

    def __iter__(self):
        return iter(self._sparse)

    def __len__(self) -> int:
        return len(self._sparse)

    def __repr__(self) -> str:
        return f"DenseView({list(self._sparse)})"


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
    """Output and trade of one commodity in one year, stage by stage, in contained metal.

    Attributes
    ----------
    commodity : str
    year : int
    countries : tuple of str
        ISO3 codes (and ``ROW`` where a published table has it); position
        ``i`` in every array is ``countries[i]``.
    production : Mapping[str, numpy.ndarray]
        Stage -> output per country (shape ``(n,)``), contained ``unit``.
    flows : Mapping[str, numpy.ndarray]
        Stage -> ``flows[stage][i, j]``, contained metal shipped from ``i``
        to ``j`` (shape ``(n, n)``, zero diagonal). Given dense or
        ``scipy.sparse``; stored sparse (:meth:`trade_sparse`) and read back
        as dense arrays built on first access.
    gross_flows : Mapping[str, numpy.ndarray]
        The same flows in gross tonnes of product, where the source gives them.
    values : Mapping[str, numpy.ndarray]
        Stage -> traded value in thousand USD (BACI flows only).
    unit : str
        Contained unit of every quantity, e.g. ``"t Co"``, ``"t Li"``, ``"t REO"``.
    output_basis : Mapping[str, str]
        Stage -> ``statistics``, ``shares`` or ``inferred`` (see the module).
    notes : tuple of str
        Data gaps and fallbacks met while building, to show next to results.
    """

    commodity: str
    year: int
    countries: tuple[str, ...]
    production: Mapping[str, np.ndarray]
    flows: Mapping[str, np.ndarray]
    gross_flows: Mapping[str, np.ndarray]
    values: Mapping[str, np.ndarray]
    unit: str
    output_basis: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    _index: Mapping[str, int] = field(repr=False, default_factory=dict)

    _sparse: Mapping[str, Mapping[str, scipy.sparse.csr_array]] = field(
        repr=False, default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n = len(self.countries)
        object.__setattr__(self, "_index",
                           MappingProxyType({c: i for i, c in enumerate(self.countries)}))
        for array in self.production.values():
            array.setflags(write=False)
        sparse = {}
        for name in ("flows", "gross_flows", "values"):
            given = getattr(self, name)
            if isinstance(given, DenseView):
                sparse[name] = given._sparse
                continue
            if isinstance(given, _CanonicalTrade):
                # built by build_network: already canonical CSR, no diagonal, no zeros
                stored = MappingProxyType(dict(given))
            else:
                stored = MappingProxyType({s: as_csr(m, n) for s, m in given.items()})
            for matrix in stored.values():
                for part in (matrix.data, matrix.indices, matrix.indptr):
                    part.setflags(write=False)
            sparse[name] = stored
            object.__setattr__(self, name, DenseView(stored))
        object.__setattr__(self, "_sparse", MappingProxyType(sparse))

    @property
    def units(self) -> Mapping[str, str]:
        """Stage -> unit (the same contained unit for every stage)."""
        return MappingProxyType({s: self.unit for s in self.stages})

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages of the ladder with output or trade, upstream first."""
        present = {s for s, v in self.production.items() if v.any()}
        present |= {s for s, v in self._sparse["flows"].items() if v.data.any()}
        return tuple(s for s in STAGE_ORDER if s in present)

    def index(self, iso3: str) -> int:
        """Position of a country in the arrays (``KeyError`` if absent)."""
        return self._index[iso3]

    def has_country(self, iso3: str) -> bool:
        """Whether the country is a node of this network."""
        return iso3 in self._index

    def output(self, stage: str) -> np.ndarray:
        """Output of a stage per country (zeros when the stage is absent)."""
        return self.production.get(stage, np.zeros(len(self.countries)))

    def trade(self, stage: str) -> np.ndarray:
        """Contained trade matrix of a stage, dense ``(n, n)`` (zeros when absent)."""
        n = len(self.countries)
        return self.flows[stage] if stage in self.flows else np.zeros((n, n))

    def trade_sparse(self, stage: str, kind: str = "flows") -> scipy.sparse.csr_array:
        """Trade of a stage as a CSR array, exporter x importer (empty when absent).

        ``kind`` is ``flows`` (contained), ``gross_flows`` or ``values``.

        Examples
        --------
        >>> from scrisk.origins import example_network
        >>> example_network().trade_sparse("refining").nnz
        1
        """
        n = len(self.countries)
        stored = self._sparse[kind]
        return stored[stage] if stage in stored else scipy.sparse.csr_array((n, n))

    def production_series(self, stage: str = "mining") -> pd.Series:
        """Output of one stage per country (non-zero entries), largest first."""
        series = pd.Series(self.output(stage), index=pd.Index(self.countries, name="iso3"),
                           name="quantity")
        return series[series > 0].sort_values(ascending=False, kind="stable")

    def flows_frame(self, stage: str = "mining") -> pd.DataFrame:
        """Non-zero trade flows of one stage: contained and gross tonnes, value."""
        columns = ["exporter", "importer", "contained_t", "gross_t", "value_kusd"]
        if stage not in self.flows:
            return pd.DataFrame(columns=columns)
        qty = self.trade_sparse(stage).tocoo()
        pos = qty.data > 0
        i, j = qty.row[pos], qty.col[pos]
        names = np.asarray(self.countries, dtype=object)

        def pick(kind: str) -> np.ndarray:
            matrix = self.trade_sparse(stage, kind)
            return np.asarray(matrix[i, j]).reshape(-1) if i.size else np.zeros(0)

        return pd.DataFrame({"exporter": names[i], "importer": names[j],
                             "contained_t": qty.data[pos],
                             "gross_t": pick("gross_flows"),
                             "value_kusd": pick("values")}, columns=columns)

    def imports_of(self, importer: str, stage: str = "mining") -> pd.Series:
        """Contained metal imported by ``importer`` from each partner, largest first."""
        if stage not in self.flows or importer not in self._index:
            return pd.Series(dtype="float64", name="contained_t")
        col = self.trade_sparse(stage)[:, [self._index[importer]]].toarray()[:, 0]
        series = pd.Series(col, index=pd.Index(self.countries, name="partner"),
                           name="contained_t")
        return series[series > 0].sort_values(ascending=False, kind="stable")

    def to_networkx(self):
        """Layered directed graph ``stage:ISO3`` with a final ``market:ISO3`` layer.

        Trade of stage ``s`` runs from ``s:exporter`` to the importer's next
        stage node (``market`` after the last stage); a country's own output
        kept for its next stage is a ``domestic`` edge from ``s:c`` to the
        next stage node of ``c``. Edges carry ``quantity_t`` (contained) and
        ``kind``; nodes carry ``stage``, ``iso3`` and ``production``.

        Returns
        -------
        networkx.DiGraph
        """
        import networkx as nx

        stages = self.stages
        graph = nx.DiGraph(commodity=self.commodity, year=self.year, unit=self.unit)
        layers = (*stages, "market")
        for stage in layers:
            prod = self.production.get(stage)
            for k, iso3 in enumerate(self.countries):
                amount = float(prod[k]) if prod is not None else 0.0
                graph.add_node(f"{stage}:{iso3}", stage=stage, iso3=iso3, production=amount)
        for s, stage in enumerate(stages):
            nxt = layers[s + 1]
            frame = self.flows_frame(stage)
            for row in frame.itertuples(index=False):
                graph.add_edge(f"{stage}:{row.exporter}", f"{nxt}:{row.importer}",
                               quantity_t=float(row.contained_t),
                               value_kusd=float(row.value_kusd), kind="trade")
            qty = self.trade_sparse(stage)
            pool = self.output(stage) + np.asarray(qty.sum(axis=0)).reshape(-1)
            kept = np.clip(pool - np.asarray(qty.sum(axis=1)).reshape(-1), 0.0, None)
            for k in np.nonzero(kept > 0)[0]:
                graph.add_edge(f"{stage}:{self.countries[k]}", f"{nxt}:{self.countries[k]}",
                               quantity_t=float(kept[k]), value_kusd=0.0, kind="domestic")
        graph.remove_nodes_from([n for n, d in graph.degree() if d == 0
                                 and graph.nodes[n]["production"] == 0])
        return graph


# --------------------------------------------------------------------------- building


def contained_unit(dataset: Dataset, commodity: str) -> tuple[str, float]:
    """The commodity's contained unit and the factor from its mining unit to it.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> contained_unit(load_dataset(), "copper")[0]
    't Cu'
    """
    return _contained_of_row(dataset.select("commodities", commodity=commodity).iloc[0],
                             commodity)


def _contained_of_row(row, commodity: str) -> tuple[str, float]:
    """:func:`contained_unit` of one ``commodities`` row (a Series or a dict of its values)."""
    unit = row.get("contained_unit")
    factor = row.get("contained_factor")
    if unit is None or pd.isna(unit) or str(unit).strip() == "":
        unit = str(row["mining_unit"]) if float(row["content_factor"]) == 1.0 \
            else f"t {commodity}"
    if factor is None or pd.isna(factor):
        factor = float(row["content_factor"])
    return str(unit), float(factor)


def to_contained(quantity: np.ndarray, unit: str, contained: str,
                 mining_unit: str, mining_factor: float) -> np.ndarray:
    """Convert quantities in ``unit`` to the contained unit.

    ``unit`` equal to the commodity's mining unit uses the mining factor;
    ``t LCE`` and ``t Li2O`` convert to ``t Li``; ``kt`` and ``kg`` scale;
    any other unit is taken as already contained (published refining tables
    state metal content).

    Examples
    --------
    >>> import numpy as np
    >>> to_contained(np.array([1000.0]), "t LCE", "t Li", "t Li2O", 0.4645).round(1).tolist()
    [187.9]
    """
    quantity = np.asarray(quantity, dtype=float)
    key = str(unit).strip().lower()
    if str(unit).strip() == str(mining_unit).strip() and mining_unit != contained:
        return quantity * mining_factor
    if key in _UNIT_FACTORS:
        return quantity * _UNIT_FACTORS[key][1]
    return quantity


def facility_contained(dataset: Dataset, commodity: str, quantity: float, unit: str
                       ) -> float | None:
    """A facility's output in the commodity's contained unit (``None`` if not convertible).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> round(facility_contained(load_dataset(), "lithium", 1000.0, "t LCE"), 1)
    187.9
    """
    info = _commodity_info(dataset).get(commodity)
    if info is None:  # not a commodity of the data: let the lookup say so
        contained, factor = contained_unit(dataset, commodity)
        mining_unit = str(dataset.select("commodities", commodity=commodity)["mining_unit"]
                          .iloc[0])
    else:
        contained, factor, mining_unit = info
    key = str(unit).strip()
    symbol = contained.split(" ", 1)[-1]
    if key in (contained, "t", f"t {commodity}", f"t {symbol}") or \
            key.lower() in _UNIT_FACTORS or key == mining_unit:
        return float(to_contained(np.array([quantity]), key, contained, mining_unit,
                                  factor)[0])
    return None


def build_network(dataset: Dataset, commodity: str, year: int) -> SupplyNetwork:
    """Build the contained-metal supply network of one commodity in one year.

    Stage output: mine production from ``production.csv`` (converted from
    the mining unit); later stages from ``production.csv`` rows of that stage
    when present, else from ``processing_shares.csv`` (share x world total,
    the latest share year not after ``year``, else the earliest), else
    inferred from net exports (see the module docstring). Trade: the
    ``contained_t`` of ``trade.parquet`` plus the curated ``feed_trade.csv``
    rows of that year.

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
    info = _commodity_info(dataset)[commodity]
    unit, mining_factor, mining_unit = info
    notes: list[str] = []

    prod = _prepared_production(dataset).get((commodity, int(year)))
    trade = _prepared(dataset, "trade").get((commodity, int(year)))
    feed = _prepared(dataset, "feed_trade").get((commodity, int(year)))

    # countries as integer codes into the dataset's sorted country names: sorting and
    # looking up integers gives the same order and positions as the names themselves
    names = _country_names(dataset)
    parts = [prod["iso3_code"]] if prod is not None else []
    for block in (trade, feed):
        if block is not None:
            parts += [block["exporter_code"], block["importer_code"]]
    picked_shares: dict[str, tuple[np.ndarray, str, int, np.ndarray]] = {}
    for stage in STAGES[1:]:
        picked = _shares_for(dataset, commodity, stage, year)
        if picked is not None:
            picked_shares[stage] = picked
            parts.append(picked[3])
    codes = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)
    countries = tuple(names[codes].tolist())
    index = {c: i for i, c in enumerate(countries)}
    n = len(countries)

    flows: dict[str, scipy.sparse.csr_array] = _CanonicalTrade()
    gross: dict[str, scipy.sparse.csr_array] = _CanonicalTrade()
    values: dict[str, scipy.sparse.csr_array] = _CanonicalTrade()
    for k, stage in enumerate(STAGES):
        blocks = [blk for blk in (trade, feed) if blk is not None and (blk["stage"] == k).any()]
        if not blocks:
            continue
        exp, imp, columns = [], [], {"contained_t": [], "gross_t": [], "value_kusd": []}
        for blk in blocks:
            sel = blk["stage"] == k
            exp.append(np.searchsorted(codes, blk["exporter_code"][sel]))
            imp.append(np.searchsorted(codes, blk["importer_code"][sel]))
            for key, parts in columns.items():
                parts.append(blk[key][sel])
        exp_i, imp_i = np.concatenate(exp), np.concatenate(imp)
        off = exp_i != imp_i      # a country's shipments to itself are not trade
        # duplicates are summed, in row order, as the dense accumulation did
        flat = exp_i[off].astype(np.int64) * n + imp_i[off].astype(np.int64)
        keys, inverse = np.unique(flat, return_inverse=True)
        built = [_summed_canonical(keys, inverse, np.concatenate(parts)[off], n)
                 for parts in columns.values()]
        flows[stage], gross[stage], values[stage] = built

    production: dict[str, np.ndarray] = {}
    basis: dict[str, str] = {}
    for k, stage in enumerate(STAGES):
        sel = prod["stage"] == k if prod is not None else np.zeros(0, dtype=bool)
        if sel.any():
            vec = np.zeros(n)
            for u in sorted(set(prod["unit"][sel])):
                part = sel & (prod["unit"] == u)
                np.add.at(vec, np.searchsorted(codes, prod["iso3_code"][part]),
                          to_contained(prod["quantity"][part], u, unit, mining_unit,
                                       mining_factor))
            production[stage], basis[stage] = vec, "statistics"
        elif stage in picked_shares:
            quantity, share_unit, share_year, share_codes = picked_shares[stage]
            vec = np.zeros(n)
            amount = to_contained(quantity, share_unit, unit, mining_unit, mining_factor)
            amount = np.nan_to_num(amount, nan=0.0)
            np.add.at(vec, np.searchsorted(codes, share_codes), amount)
            vec = _fill_unlisted(vec, flows.get(stage), index, notes, stage)
            production[stage], basis[stage] = vec, "shares"
            if share_year != year:
                notes.append(f"{stage} output of {year} uses the published shares of "
                             f"{share_year}")
        elif stage in flows and stage != "mining":
            f = flows[stage]
            vec = np.clip(_row_sums(f) - _col_sums(f), 0.0, None)
            production[stage], basis[stage] = vec, "inferred"
            notes.append(f"{stage} output has no statistic: taken as each country's net "
                         f"exports of the stage")
    return SupplyNetwork(commodity, int(year), countries, MappingProxyType(production),
                         flows, gross, values, unit, MappingProxyType(basis),
                         tuple(notes))


def default_year(dataset: Dataset) -> int:
    """The one default year of every analysis: the latest year with production and trade.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> default_year(load_dataset())
    2024
    """
    common = sorted(set(dataset.years("production")) & set(dataset.years("trade")))
    return common[-1] if common else dataset.years("production")[-1]


def _summed_canonical(keys: np.ndarray, inverse: np.ndarray, data, n: int
                      ) -> scipy.sparse.csr_array:
    """Canonical CSR ``(n, n)`` of the flat keys ``row * n + col`` (sorted, unique).

    Rows sharing a key are summed in row order (as ``np.add.at``); entries
    that sum to zero are not stored: the matrix :func:`as_csr` would make.
    """
    sums = np.zeros(keys.size)
    np.add.at(sums, inverse, np.asarray(data, dtype=float))
    keep = sums != 0
    kept, sums = keys[keep], sums[keep]
    rows = kept // n
    index_dtype = np.int32 if max(n, kept.size) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n + 1, dtype=index_dtype)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    out = scipy.sparse.csr_array((sums, (kept % n).astype(index_dtype), indptr),
                                 shape=(n, n))
    out.has_sorted_indices = True
    out.has_canonical_format = True
    return out


def _row_sums(matrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=1), dtype=float).reshape(-1)


def _col_sums(matrix) -> np.ndarray:
    return np.asarray(matrix.sum(axis=0), dtype=float).reshape(-1)


def _fill_unlisted(vec: np.ndarray, flows, index: Mapping[str, int],
                   notes: list[str], stage: str) -> np.ndarray:
    """Give net exporters missing from a share table their net exports, taken out of ROW."""
    if flows is None or AGGREGATE not in index:
        return vec
    net = np.clip(_row_sums(flows) - _col_sums(flows), 0.0, None)
    unlisted = (vec == 0) & (net > 0)
    unlisted[index[AGGREGATE]] = False
    if not unlisted.any():
        return vec
    out = vec.copy()
    row = index[AGGREGATE]
    moved = min(float(net[unlisted].sum()), float(out[row]))
    if net[unlisted].sum() > 0 and moved > 0:
        out[unlisted] = net[unlisted] * moved / net[unlisted].sum()
        out[row] -= moved
        notes.append(f"{stage}: {int(unlisted.sum())} exporters missing from the published "
                     f"shares get their net exports out of the rest-of-world total")
    return out


def _shares_for(dataset: Dataset, commodity: str, stage: str, year: int
                ) -> tuple[np.ndarray, str, int, np.ndarray] | None:
    """Published output (share x world total) of one stage: latest year not after ``year``.

    Returns the quantities, the unit of the first row, the share year and the
    countries' codes (:func:`_country_names`), rows in table order; ``None``
    when no table with a world total exists.
    """
    cache = dataset.__dict__.get("_share_rows")
    if cache is None:
        cache = _share_tables(dataset)
        dataset.__dict__["_share_rows"] = cache
    by_year = cache.get((commodity, stage))
    if not by_year:
        return None
    years = list(by_year)
    usable = [y for y in years if y <= year]
    return by_year[usable[-1] if usable else years[0]]


def _share_tables(dataset: Dataset) -> dict:
    """(commodity, stage) -> {year: (quantity, unit, year, codes)}, years ascending."""
    if "processing_shares" not in dataset.table_names:
        return {}
    frame = dataset.processing_shares
    commodity = _text(frame["commodity"])
    stage = _text(frame["stage"])
    years = frame["year"].to_numpy()
    share = frame["share"].astype(float).to_numpy()
    total = frame["world_total"].astype(float).to_numpy()
    units = frame["unit"].to_numpy(dtype=object)
    codes = _codes_of(_country_names(dataset), _text(frame["iso3"]))
    groups: dict = {}
    for k in range(len(frame)):
        groups.setdefault((commodity[k], stage[k], int(years[k])), []).append(k)
    out: dict = {}
    for (com, stg, yr), rows in sorted(groups.items(), key=lambda item: item[0][2]):
        rows = np.asarray(rows, dtype=np.int64)
        # only tables with a world total give quantities: a share of a niche product (e.g.
        # battery-grade manganese sulphate) cannot be scaled by the metal's mine output
        if np.isnan(total[rows]).any():
            continue
        out.setdefault((com, stg), {})[yr] = (share[rows] * total[rows], str(units[rows[0]]),
                                              yr, codes[rows])
    return out


def _country_names(dataset: Dataset) -> np.ndarray:
    """Every country code of the tables networks read, sorted (built once per dataset)."""
    names = dataset.__dict__.get("_network_country_names")
    if names is None:
        parts = [_text(dataset.production["iso3"])]
        for table in ("trade", "feed_trade"):
            if table in dataset.table_names:
                frame = dataset[table]
                parts += [_text(frame["exporter"]),
                          _text(frame["importer"])]
        if "processing_shares" in dataset.table_names:
            parts.append(_text(dataset.processing_shares["iso3"]))
        names = np.unique(pd.unique(np.concatenate(parts)))
        names.setflags(write=False)
        dataset.__dict__["_network_country_names"] = names
    return names


def _text(column: pd.Series) -> np.ndarray:
    """A column as an object array of ``str`` (``astype(str)``), from the categories if any.

    Large tables keep their text as categories: converting the few categories
    instead of every row gives the same strings.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if codes.size == 0 or codes.min() >= 0:
            labels = pd.Series(column.cat.categories).astype(str).to_numpy(dtype=object)
            return labels[codes]
    return column.astype(str).to_numpy(dtype=object)


def _codes_of(names: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Positions of country codes in the sorted ``names`` (every value is there)."""
    return pd.Index(names).get_indexer(values).astype(np.int64)


def _column_codes(names: np.ndarray, column: pd.Series) -> np.ndarray:
    """:func:`_codes_of` a text column, looked up once per category when it has categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        if codes.size == 0 or codes.min() >= 0:
            labels = pd.Series(column.cat.categories).astype(str).to_numpy(dtype=object)
            return _codes_of(names, labels)[codes]
    return _codes_of(names, _text(column))


def _commodity_info(dataset: Dataset) -> dict:
    """Commodity -> (contained unit, factor from the mining unit, mining unit), cached."""
    cache = dataset.__dict__.get("_commodity_info")
    if cache is None:
        cache = {}
        # one pass over the rows as dicts: a row Series per commodity costs more than the rest
        for row in dataset.commodities.to_dict("records"):
            com = row["commodity"]
            if com in cache:  # the first row of a commodity, as select(...).iloc[0]
                continue
            unit, factor = _contained_of_row(row, com)
            cache[com] = (unit, factor, str(row["mining_unit"]))
        dataset.__dict__["_commodity_info"] = cache
    return cache


def _prepared_production(dataset: Dataset) -> dict:
    """Production rows as numpy arrays grouped by (commodity, year), built once."""
    cache = dataset.__dict__.get("_prepared_production")
    if cache is not None:
        return cache
    frame = dataset.production
    stage_code = {s: k for k, s in enumerate(STAGES)}
    stage = pd.Series(_text(frame["stage"])).map(stage_code).fillna(-1).to_numpy(dtype=np.int64)
    iso3 = _text(frame["iso3"])
    qty = pd.to_numeric(frame["quantity"], errors="coerce").fillna(0.0).to_numpy(float)
    unit = _text(frame["unit"])
    groups = pd.DataFrame({"c": _text(frame["commodity"]),
                           "y": frame["year"].to_numpy(dtype=np.int64)}).groupby(
        ["c", "y"], sort=False).indices
    codes = _codes_of(_country_names(dataset), iso3)
    cache = {(str(c), int(y)): {"stage": stage[r], "iso3": iso3[r], "iso3_code": codes[r],
                                "quantity": qty[r], "unit": unit[r]}
             for (c, y), r in groups.items()}
    dataset.__dict__["_prepared_production"] = cache
    return cache


def _prepared(dataset: Dataset, table: str) -> dict:
    """Trade-like rows as numpy arrays grouped by (commodity, year), built once per dataset.

    Building a network then costs array indexing instead of DataFrame scans, so the
    whole importer x commodity x year grid stays fast.
    """
    cache = dataset.__dict__.setdefault("_prepared_flows", {})
    if table in cache:
        return cache[table]
    out: dict = {}
    if table not in dataset.table_names:
        cache[table] = out
        return out
    frame = dataset[table]
    if frame.empty:
        cache[table] = out
        return out
    stage_code = {s: k for k, s in enumerate(STAGES)}
    stage = pd.Series(_text(frame["stage"])).map(stage_code).fillna(-1).to_numpy(dtype=np.int64)
    gross = pd.to_numeric(frame["gross_t" if table == "feed_trade" else "quantity_t"],
                          errors="coerce").fillna(0.0).to_numpy(dtype=float)
    if "contained_t" in frame.columns and frame["contained_t"].notna().any():
        contained = pd.to_numeric(frame["contained_t"], errors="coerce").fillna(0.0)
        contained = contained.to_numpy(dtype=float)
    else:
        # the loader fills contained_t from the HS map; without a map, gross is all there is
        contained = gross.copy()
    value = (pd.to_numeric(frame["value_kusd"], errors="coerce").fillna(0.0).to_numpy(float)
             if "value_kusd" in frame.columns else np.zeros(len(frame)))
    exporter = _text(frame["exporter"])
    importer = _text(frame["importer"])
    keys = _text(frame["commodity"])
    years = frame["year"].to_numpy(dtype=np.int64)
    groups = pd.DataFrame({"c": keys, "y": years}).groupby(["c", "y"], sort=False).indices
    names = _country_names(dataset)
    exporter_code = _column_codes(names, frame["exporter"])
    importer_code = _column_codes(names, frame["importer"])
    for (com, yr), rows in groups.items():
        out[(str(com), int(yr))] = {"stage": stage[rows], "exporter": exporter[rows],
                                    "importer": importer[rows],
                                    "exporter_code": exporter_code[rows],
                                    "importer_code": importer_code[rows],
                                    "contained_t": contained[rows],
                                    "gross_t": gross[rows], "value_kusd": value[rows]}
    cache[table] = out
    return out
