"""The origin model: where each stage's metal was mined, traced stage by stage.

Every analysis of scrisk (look-through exposure, chokepoints, scenario runs,
Monte Carlo, battery coverage under shocks, the procured self-sufficiency
basis, the report) reads one :class:`FlowModel` built on a
:class:`scrisk.network.SupplyNetwork`. The rules, in contained metal, for a
stage ``s`` and a country ``c`` (``docs/methods.md`` has the formulas and a
worked three-stage example):

1. Pool: ``P_s[c] = X_s[c] + sum_i F_s[i, c]`` (output plus imports). A pool
   mixes proportionally: its exports and what it keeps carry its origin mix.
   When a country exports more than its pool holds, the excess has nothing
   behind it and carries the label ``unattributed``.
2. Feed: output of stage ``s > 0`` is made from the material the country
   kept of the stage below (``K = P - exports``, not below zero) plus any
   lower-stage material it kept and did not process (a country may skip a
   stage: Japan's smelters turn concentrate straight into cathode).
3. Untraced feed: output beyond that feed gets the label
   ``untraced:<country>`` (scrap, stocks, trade the data lack). It is never
   given to the producing country as if mined there.
4. Pools no production reaches (re-exporters with nothing recorded behind
   them) are ``unattributed``.

The origin shares of all pools of a stage solve one sparse linear system
``(diag(P) - F^T diag(a)) O = diag(X) C + inflow of unattributed mass``;
shocks are evaluated with the same system on surviving amounts
(:meth:`FlowModel.evaluate`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg
from scipy.sparse.csgraph import breadth_first_order

from scrisk.network import SupplyNetwork

UNATTRIBUTED = "unattributed"
UNTRACED_PREFIX = "untraced:"
_TINY = 1e-12


def untraced_label(iso3: str) -> str:
    """Origin label of feed that the data cannot trace in ``iso3``.

    >>> untraced_label("JPN")
    'untraced:JPN'
    """
    return f"{UNTRACED_PREFIX}{iso3}"


def label_kind(label: str) -> str:
    """``mined``, ``untraced`` or ``unattributed`` for an origin label.

    >>> [label_kind(x) for x in ("COD", "untraced:FIN", "unattributed")]
    ['mined', 'untraced', 'unattributed']
    """
    if label == UNATTRIBUTED:
        return "unattributed"
    if label.startswith(UNTRACED_PREFIX):
        return "untraced"
    return "mined"


@dataclass(frozen=True)
class StageArrays:
    """The arrays of one stage of a :class:`FlowModel` (all contained metal)."""

    output: np.ndarray       # X (n,)
    flows: np.ndarray        # F (n, n)
    pool: np.ndarray         # P = X + imports
    exports: np.ndarray      # E = sum_j F[:, j]
    traced_exports: np.ndarray  # a = min(1, P / E): share of exports the pool covers
    reached: np.ndarray      # bool (n,): some production reaches the pool
    kept: np.ndarray         # K = max(P - E, 0)
    feed: np.ndarray         # feed mass available to this stage's output (n,)
    feed_used: np.ndarray    # tau = min(1, feed / X): traced share of the output


class FlowModel:
    """Origin shares of every pool, stage by stage, for one commodity and year.

    Parameters
    ----------
    network : SupplyNetwork

    Attributes
    ----------
    network : SupplyNetwork
    stages : tuple of str
        The ladder present in the network, upstream first.
    labels : tuple of str
        Origin labels: mining countries, then ``untraced:<ISO3>`` labels,
        then ``unattributed``.
    composition : Mapping[str, numpy.ndarray]
        Stage -> ``(n, L)`` origin shares of each country's pool (rows sum to
        1 for pools with metal).
    arrays : Mapping[str, StageArrays]

    Examples
    --------
    The three-stage worked example of ``docs/methods.md``: DR Congo mines
    100 t of cobalt and ships 60 t as hydroxide to Finland; Finland refines
    70 t (60 t traced to DR Congo, 10 t untraced) and ships 35 t to Japan.

    >>> from scrisk.origins import example_network
    >>> model = FlowModel(example_network())
    >>> model.supply_by_origin("JPN", "refining").round(4).to_dict()
    {'COD': 30.0, 'untraced:FIN': 5.0}
    """

    def __init__(self, network: SupplyNetwork):
        self.network = network
        self.stages = network.stages
        n = len(network.countries)
        self._n = n
        mine = network.output("mining")
        miners = [network.countries[k] for k in np.nonzero(mine > 0)[0]]
        untraced = self._untraced_countries()
        self.labels = (*miners, *(untraced_label(c) for c in untraced), UNATTRIBUTED)
        self._label_index = {lab: k for k, lab in enumerate(self.labels)}
        L = len(self.labels)
        u = L - 1
        composition: dict[str, np.ndarray] = {}
        arrays: dict[str, StageArrays] = {}
        carry_mass = np.zeros(n)
        carry_comp = np.zeros((n, L))
        for s, stage in enumerate(self.stages):
            X = np.asarray(network.output(stage), dtype=float)
            F = np.asarray(network.trade(stage), dtype=float)
            if s == 0 and stage == "mining":
                C = np.zeros((n, L))
                for k in np.nonzero(X > 0)[0]:
                    C[k, self._label_index[network.countries[k]]] = 1.0
                feed = X.copy()
                tau = np.ones(n)
            else:
                feed = carry_mass
                tau = np.ones(n)
                has = X > _TINY
                tau[has] = np.clip(feed[has] / X[has], 0.0, 1.0)
                C = carry_comp * tau[:, None]
                for k in np.nonzero(has & (tau < 1.0 - 1e-12))[0]:
                    C[k, self._label_index[untraced_label(network.countries[k])]] += \
                        1.0 - tau[k]
            stage_arrays, shares_o = _solve_stage(X, F, C, u, feed, tau)
            arrays[stage] = stage_arrays
            composition[stage] = shares_o
            # what is kept, plus lower-stage material this stage did not process, feeds the next
            if s == 0 and stage == "mining":
                leftover_mass = np.zeros(n)
                leftover_comp = np.zeros((n, L))
            else:
                leftover_mass = np.clip(feed - X, 0.0, None)
                leftover_comp = carry_comp
            kept = stage_arrays.kept
            mass = kept + leftover_mass
            comp = np.zeros((n, L))
            ok = mass > _TINY
            comp[ok] = ((kept[ok, None] * shares_o[ok] + leftover_mass[ok, None] * leftover_comp[ok])
                        / mass[ok, None])
            carry_mass, carry_comp = mass, comp
        self._final_mass, self._final_comp = carry_mass, carry_comp
        self.composition = MappingProxyType(composition)
        self.arrays = MappingProxyType(arrays)
        self._lu: dict = {}  # factorisations of the untouched stage systems, reused by shocks
        for shares_o in composition.values():
            shares_o.setflags(write=False)

    def _untraced_countries(self) -> list[str]:
        """Countries that may hold untraced feed at some stage (any later-stage output)."""
        out: set[str] = set()
        for stage in self.stages:
            if stage == "mining":
                continue
            X = self.network.output(stage)
            out |= {self.network.countries[k] for k in np.nonzero(X > _TINY)[0]}
        return sorted(out)

    # ----------------------------------------------------------------- queries

    def supply(self, importer: str, stage: str) -> float:
        """The importer's pool of a stage (own output plus imports), contained metal."""
        if stage not in self.arrays or not self.network.has_country(importer):
            return 0.0
        return float(self.arrays[stage].pool[self.network.index(importer)])

    def supply_by_origin(self, importer: str, stage: str) -> pd.Series:
        """The importer's pool of a stage by origin label (tonnes), largest first.

        Sums to :meth:`supply`. Labels: mining country, ``untraced:<ISO3>``,
        ``unattributed``.
        """
        total = self.supply(importer, stage)
        if total <= 0:
            return pd.Series(dtype="float64", name="mined_t")
        row = self.composition[stage][self.network.index(importer)] * total
        series = pd.Series(row, index=pd.Index(self.labels, name="origin"), name="mined_t")
        series = series[series > total * 1e-12]
        return series.sort_values(ascending=False, kind="stable")

    def origin_shares(self, stage: str) -> pd.DataFrame:
        """``(countries x labels)`` origin shares of every pool of a stage."""
        return pd.DataFrame(self.composition[stage],
                            index=pd.Index(self.network.countries, name="iso3"),
                            columns=pd.Index(self.labels, name="origin"))

    def attributed_mined(self) -> pd.Series:
        """Metal by origin label over every final use (tonnes).

        A tonne ends where it is kept and not processed further: after the
        last stage, each country holds its kept pool plus the lower-stage
        material it never processed. Summed over countries, a mining country
        can never get more than it produced (the mass-balance property).
        """
        total = self._final_mass @ self._final_comp
        return pd.Series(total, index=pd.Index(self.labels, name="origin"))

    # ----------------------------------------------------------------- shocks

    def evaluate(self, production: Mapping[str, np.ndarray] | None = None,
                 export: Mapping[str, np.ndarray] | None = None,
                 link: Mapping[str, np.ndarray] | None = None,
                 importer: str | None = None, by_label: bool = False,
                 feed: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Pools of every stage after one shock (contained metal).

        Parameters
        ----------
        production, export : Mapping[str, numpy.ndarray], optional
            Stage -> ``(n,)`` surviving share of each country's output, and
            of each country's exports of that stage (all destinations).
        link : Mapping[str, numpy.ndarray], optional
            Stage -> ``(n,)`` surviving share of each country's shipments to
            ``importer`` (trade-link cuts and sea-lane closures).
        importer : str, optional
            The country ``link`` applies to.
        by_label : bool
            Return ``(n, L)`` pools by origin label instead of ``(n,)`` totals.
        feed : dict, optional
            Filled with stage -> ``(n,)`` surviving share of each country's
            traced feed (ones at the mining stage).

        Returns
        -------
        dict
            Stage -> pools after the shock. Output scales with the surviving
            share of its traced feed and never rises above what it was (a
            ban keeps the metal in the banning country, whose plants cannot
            use more than before); feed beyond the data (``untraced``) only
            falls with the plant's own output.

        Examples
        --------
        >>> import numpy as np
        >>> from scrisk.origins import example_network
        >>> model = FlowModel(example_network())
        >>> cut = {"mining": np.array([0.0, 1.0, 1.0])}   # COD's mines stop
        >>> round(float(model.evaluate(production=cut)["refining"][2]), 9)
        5.0
        """
        n = self._n
        ones = np.ones(n)
        production = production or {}
        export = export or {}
        link = link or {}
        m = self.network.index(importer) if importer is not None and \
            self.network.has_country(importer) else None
        L = len(self.labels)
        # columns: origin labels, or scenarios when production gates come as (n, k) arrays
        widths = {np.asarray(v).shape[1] for v in production.values() if np.ndim(v) == 2}
        batch = bool(widths)
        if batch and by_label:
            raise ValueError("by_label needs one scenario (1-D production gates)")
        k = L if by_label else (widths.pop() if batch else 1)
        u = L - 1 if by_label else None
        out: dict[str, np.ndarray] = {}
        carry_before = np.zeros(n)
        carry_after = np.zeros((n, k))
        for s, stage in enumerate(self.stages):
            a = self.arrays[stage]
            gp = np.asarray(production.get(stage, ones), dtype=float)
            gp = gp if gp.ndim == 2 else gp[:, None]
            G = None
            if stage in export or (m is not None and stage in link):
                G = np.repeat(np.asarray(export.get(stage, ones), dtype=float)[:, None], n,
                              axis=1)
                if m is not None and stage in link:
                    G[:, m] *= np.asarray(link[stage], dtype=float)
            if s == 0 and stage == "mining":
                spread = np.zeros((n, k))
                if by_label:
                    source = np.zeros((n, k))
                    for c in np.nonzero(a.output > 0)[0]:
                        source[c, self._label_index[self.network.countries[c]]] = a.output[c]
                    source *= gp
                else:
                    source = a.output[:, None] * gp * np.ones((1, k))
                if feed is not None:
                    feed[stage] = np.ones((n, k)) if batch else ones
            else:
                spread = _spread(carry_before, carry_after, per_column=not by_label)
                source = (a.output * a.feed_used)[:, None] * gp * spread
                rest = (a.output * (1.0 - a.feed_used))[:, None] * gp
                if by_label:
                    for c in np.nonzero(rest[:, 0] > 0)[0]:
                        source[c, self._label_index[untraced_label(self.network.countries[c])]] \
                            += rest[c, 0]
                else:
                    source = source + rest
                if feed is not None:
                    survived = np.where(carry_before[:, None] > _TINY,
                                        spread if not by_label else
                                        spread.sum(axis=1, keepdims=True), 1.0)
                    feed[stage] = survived if batch else survived[:, 0]
            share = _propagate(a, source, G, u, self._lu, stage)
            out[stage] = share * a.pool[:, None] if (by_label or batch) else share[:, 0] * a.pool
            shipped = a.exports if G is None else (a.flows * G).sum(axis=1)
            kept = share * np.clip(a.pool - a.traced_exports * shipped, 0.0, None)[:, None]
            if s == 0 and stage == "mining":
                left_before = np.zeros(n)
                left_after = np.zeros((n, k))
            else:
                left_before = np.clip(a.feed - a.output, 0.0, None)
                left_after = left_before[:, None] * spread
            carry_before = a.kept + left_before
            carry_after = kept + left_after
        return out


def _reached(X: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Countries that produce or receive (directly or through others) from a producer."""
    n = X.size
    src_i, dst_i = np.nonzero(F > 0)
    prod = np.nonzero(X > _TINY)[0]
    src = np.concatenate([src_i, np.full(prod.size, n)])
    dst = np.concatenate([dst_i, prod])
    graph = scipy.sparse.csr_matrix((np.ones(src.size), (src, dst)), shape=(n + 1, n + 1))
    order = breadth_first_order(graph, n, directed=True, return_predecessors=False)
    reached = np.zeros(n + 1, dtype=bool)
    reached[order] = True
    return reached[:n]


def _solve_stage(X: np.ndarray, F: np.ndarray, C: np.ndarray, u: int, feed: np.ndarray,
                 tau: np.ndarray) -> tuple[StageArrays, np.ndarray]:
    """Origin shares of every pool of one stage (see the module docstring)."""
    n, L = C.shape
    P = X + F.sum(axis=0)
    E = F.sum(axis=1)
    a = np.ones(n)
    big = E > P + _TINY
    a[big] = np.where(E[big] > 0, P[big] / E[big], 1.0)
    reached = _reached(X, F)
    shares_o = np.zeros((n, L))
    unreached_pool = (~reached) & (P > _TINY)
    shares_o[unreached_pool, u] = 1.0
    live = np.nonzero(reached & (P > _TINY))[0]
    if live.size:
        Fl = F[np.ix_(live, live)]
        system = scipy.sparse.csc_matrix(np.diag(P[live]) - (Fl * a[live][:, None]).T)
        rhs = X[live, None] * C[live]
        # exports beyond the pool, and inflow from unreached pools, have nothing behind them
        rhs[:, u] += (F[:, live] * (1.0 - a)[:, None]).sum(axis=0)
        dead = np.nonzero(~reached)[0]
        if dead.size:
            rhs[:, u] += (F[np.ix_(dead, live)] * a[dead][:, None]).sum(axis=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
            warnings.simplefilter("ignore", scipy.sparse.linalg.MatrixRankWarning)
            solved = scipy.sparse.linalg.splu(system).solve(rhs)
        shares_o[live] = np.nan_to_num(solved, nan=0.0)
    kept = np.clip(P - E, 0.0, None)
    return StageArrays(X, F, P, E, a, reached, kept, feed, tau), shares_o


def _spread(before: np.ndarray, after: np.ndarray, per_column: bool = False) -> np.ndarray:
    """Surviving feed per unit of feed before, capped at the feed before.

    Columns are parts of one feed (origin labels: capped on their sum) or,
    with ``per_column``, separate scenarios or totals (capped one by one).
    """
    n, k = after.shape
    out = np.zeros((n, k))
    ok = before > _TINY
    if per_column:
        out[ok] = np.clip(after[ok] / before[ok][:, None], 0.0, 1.0)
        return out
    total = after[ok].sum(axis=1)
    cap = np.ones(total.size)
    over = total > before[ok]
    cap[over] = before[ok][over] / total[over]
    out[ok] = after[ok] / before[ok][:, None] * cap[:, None]
    return out


def _propagate(a: StageArrays, source: np.ndarray, G: np.ndarray | None, u: int | None,
               cache: dict | None = None, key: str = "") -> np.ndarray:
    """Pool shares after a shock for one stage: ``(n, k)``, amount = share x pool before.

    Solves ``P_c R_c - sum_i F[i, c] G[i, c] a_i R_i = source_c + unattributed inflow`` on
    pools production reaches; other pools hold unattributed metal and keep their size.
    ``u`` is the unattributed column (label mode); ``None`` adds that mass to every column.
    ``G`` of ``None`` means no gate on trade: the factorisation is taken from (and kept in)
    ``cache`` under ``key``.
    """
    n, k = source.shape
    P = a.pool
    FG = a.flows if G is None else a.flows * G
    R = np.zeros((n, k))
    dead = np.nonzero((~a.reached) & (P > _TINY))[0]
    cols = slice(None) if u is None else u
    ratio = np.ones(dead.size)
    if dead.size:
        # untraceable pools: only the gates on their own inflows act (no solve through loops)
        inflow = a.flows[:, dead].sum(axis=0)
        gated = FG[:, dead].sum(axis=0)
        ratio = np.where(inflow > 0, gated / np.where(inflow > 0, inflow, 1.0), 1.0)
        R[dead, cols] = ratio if u is not None else ratio[:, None]
    live = np.nonzero(a.reached & (P > _TINY))[0]
    if not live.size:
        return R
    rhs = source[live].copy()
    inflow = (FG[:, live] * (1.0 - a.traced_exports)[:, None]).sum(axis=0)
    if dead.size:
        inflow = inflow + (FG[np.ix_(dead, live)]
                           * (a.traced_exports[dead] * ratio)[:, None]).sum(axis=0)
    if u is None:
        rhs += inflow[:, None]
    else:
        rhs[:, u] += inflow
    lu = cache.get(key) if cache is not None else None
    if lu is None:
        # the untouched system; gates on trade are low-rank changes to it (below)
        sub = scipy.sparse.csr_matrix(a.flows[np.ix_(live, live)]
                                      * a.traced_exports[live][:, None])
        M = (scipy.sparse.diags(P[live]) - sub.T).tocsc()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.sparse.linalg.MatrixRankWarning)
            lu = scipy.sparse.linalg.splu(M)
        if cache is not None:
            cache[key] = lu
    rhs = np.ascontiguousarray(rhs)
    y = lu.solve(rhs)
    if G is not None:
        # gated exporters change their columns of M: M' = M + U E^T, solved with the
        # Woodbury identity on the untouched factorisation (one solve per gated exporter)
        D = (a.flows[np.ix_(live, live)] - FG[np.ix_(live, live)]) \
            * a.traced_exports[live][:, None]
        rows = np.nonzero(np.abs(D).sum(axis=1) > 0)[0]
        if rows.size:
            U = np.ascontiguousarray(D[rows].T)
            Z = lu.solve(U)
            small = np.eye(rows.size) + Z[rows]
            y = y - Z @ np.linalg.solve(small, y[rows])
    R[live] = y
    return R


# --------------------------------------------------------------------------- example


def example_network() -> SupplyNetwork:
    """The three-stage worked example of ``docs/methods.md`` (cobalt, tonnes Co).

    DR Congo (COD) mines 100 t and turns 60 t into hydroxide for Finland
    (the intermediate stage, output inferred from its exports); Finland (FIN)
    refines 70 t: 60 t from the hydroxide, 10 t from feed the data do not
    show; it ships 35 t of refined cobalt to Japan (JPN).

    >>> example_network().stages
    ('mining', 'intermediate', 'refining')
    """
    countries = ("COD", "FIN", "JPN")
    n = len(countries)

    def matrix(entries: Sequence[tuple[int, int, float]]) -> np.ndarray:
        out = np.zeros((n, n))
        for i, j, q in entries:
            out[i, j] = q
        return out

    production = {"mining": np.array([100.0, 0.0, 0.0]),
                  "intermediate": np.array([60.0, 0.0, 0.0]),
                  "refining": np.array([0.0, 70.0, 0.0])}
    flows = {"intermediate": matrix([(0, 1, 60.0)]), "refining": matrix([(1, 2, 35.0)])}
    zeros = {s: np.zeros((n, n)) for s in flows}
    return SupplyNetwork("cobalt", 2023, countries, MappingProxyType(production),
                         MappingProxyType(flows), MappingProxyType(zeros),
                         MappingProxyType(dict(zeros)), "t Co",
                         MappingProxyType({"mining": "statistics", "intermediate": "inferred",
                                           "refining": "statistics"}), ())


# --------------------------------------------------------------------------- shared access


def flow_model(dataset, commodity: str, year: int) -> FlowModel:
    """The :class:`FlowModel` of a commodity-year, built once per dataset and reused.

    Every analysis calls this, so exposure, chokepoints, scenarios and the
    report read the same model for the same year.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> ds = load_dataset()
    >>> flow_model(ds, "cobalt", 2023) is flow_model(ds, "cobalt", 2023)
    True
    """
    from scrisk.network import build_network

    cache = dataset.__dict__.setdefault("_flow_models", {})
    key = (commodity, int(year))
    if key not in cache:
        cache[key] = FlowModel(build_network(dataset, commodity, int(year)))
    return cache[key]
