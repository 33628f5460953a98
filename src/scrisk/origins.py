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
(:meth:`FlowModel.evaluate`). Trade matrices are ``scipy.sparse`` and the
model keeps only masses (``n`` numbers per stage) until origin shares are
asked for: the shares of one importer are a weighted sum of the stage
systems, solved backwards (the adjoint: one transposed sparse solve per
stage), so a look-through on a network of tens of thousands of nodes never
forms the ``n x L`` share matrix.
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
from scipy.sparse.csgraph import breadth_first_order, connected_components

from scrisk.network import SupplyNetwork

BLOCK_DENSE = 3000  # loops (strongly connected blocks) up to this size use a dense LU
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


@dataclass(frozen=True, eq=False)
class StageArrays:
    """The arrays of one stage of a :class:`FlowModel` (all contained metal).

    ``matrix`` is the stage's trade ``F`` as a CSR array (exporter x
    importer); :attr:`flows` gives it dense, built on first access.
    """

    output: np.ndarray       # X (n,)
    matrix: scipy.sparse.csr_array  # F (n, n), sparse
    pool: np.ndarray         # P = X + imports
    exports: np.ndarray      # E = sum_j F[:, j]
    traced_exports: np.ndarray  # a = min(1, P / E): share of exports the pool covers
    reached: np.ndarray      # bool (n,): some production reaches the pool
    kept: np.ndarray         # K = max(P - E, 0)
    feed: np.ndarray         # feed mass available to this stage's output (n,)
    feed_used: np.ndarray    # tau = min(1, feed / X): traced share of the output
    live: np.ndarray         # positions of pools production reaches (the solved system)
    dead: np.ndarray         # positions of pools with metal that no production reaches
    inflow_unattributed: np.ndarray  # (live,) inflow with nothing behind it, before shocks

    @property
    def flows(self) -> np.ndarray:
        """``F`` as a dense ``(n, n)`` array (built once; prefer :attr:`matrix`)."""
        dense = self.__dict__.get("_dense")
        if dense is None:
            dense = self.matrix.toarray()
            dense.setflags(write=False)
            object.__setattr__(self, "_dense", dense)
        return dense

    @property
    def imports(self) -> np.ndarray:
        """Imports of each country, ``sum_i F[i, c]``."""
        return self.pool - self.output


class _Composition(Mapping):
    """Stage -> ``(n, L)`` origin shares of every pool, solved on first access."""

    def __init__(self, model: FlowModel):
        self._model = model
        self._values: dict[str, np.ndarray] | None = None

    def _solve(self) -> dict[str, np.ndarray]:
        if self._values is None:
            self._values = self._model._forward_composition()
        return self._values

    def __getitem__(self, stage: str) -> np.ndarray:
        return self._solve()[stage]

    def __iter__(self):
        return iter(self._model.stages)

    def __len__(self) -> int:
        return len(self._model.stages)


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
        1 for pools with metal). Solved for every pool on first access;
        queries about one importer (:meth:`supply_by_origin`,
        :meth:`composition_rows`) solve only what that importer needs.
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
        self._lu: dict = {}  # factorisations of the untouched stage systems, reused by shocks
        self._woodbury: dict = {}  # stage -> (exporter -> column, columns of M^-1 U)
        self._columns: dict = {}  # (stage, importer) -> F[:, importer], dense
        self._by_origin: dict = {}  # (importer, stage) -> supply_by_origin, solved once
        arrays: dict[str, StageArrays] = {}
        carry_mass = np.zeros(n)
        # only masses are needed here: the origin shares are linear in them and solved on demand
        for s, stage in enumerate(self.stages):
            X = np.asarray(network.output(stage), dtype=float)
            F = network.trade_sparse(stage)
            if s == 0 and stage == "mining":
                feed = X.copy()
                tau = np.ones(n)
            else:
                feed = carry_mass
                tau = np.ones(n)
                has = X > _TINY
                tau[has] = np.clip(feed[has] / X[has], 0.0, 1.0)
            stage_arrays = _stage_arrays(X, F, feed, tau)
            arrays[stage] = stage_arrays
            if s == 0 and stage == "mining":
                leftover_mass = np.zeros(n)
            else:
                leftover_mass = np.clip(feed - X, 0.0, None)
            carry_mass = stage_arrays.kept + leftover_mass
        self._final_mass = carry_mass
        self.arrays = MappingProxyType(arrays)
        self.composition = _Composition(self)

    def _untraced_countries(self) -> list[str]:
        """Countries that may hold untraced feed at some stage (any later-stage output)."""
        out: set[str] = set()
        for stage in self.stages:
            if stage == "mining":
                continue
            X = self.network.output(stage)
            out |= {self.network.countries[k] for k in np.nonzero(X > _TINY)[0]}
        return sorted(out)

    def _factor(self, stage: str):
        """LU factorisation of the stage's untouched system ``diag(P) - (F diag(a))^T``."""
        lu = self._lu.get(stage)
        if lu is None:
            a = self.arrays[stage]
            live = a.live
            Fl = a.matrix[live][:, live]
            sub = scipy.sparse.diags_array(a.traced_exports[live]) @ Fl
            M = (scipy.sparse.diags_array(a.pool[live]) - sub.T).tocsc()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", scipy.sparse.linalg.MatrixRankWarning)
                lu = scipy.sparse.linalg.splu(M)
            self._lu[stage] = lu
        return lu

    def _solver(self, stage: str) -> _LevelSolver:
        """Level-by-level solver of the stage's untouched system (many right-hand sides)."""
        key = ("levels", stage)
        solver = self._lu.get(key)
        if solver is None:
            a = self.arrays[stage]
            live = a.live
            inflow = (scipy.sparse.diags_array(a.traced_exports[live])
                      @ a.matrix[live][:, live]).T
            solver = _LevelSolver(a.pool[live], inflow)
            self._lu[key] = solver
        return solver

    def _source_shares(self, s: int, stage: str, carry_comp: np.ndarray) -> np.ndarray:
        """``C``: origin shares of the stage's own output (feed mix plus untraced feed)."""
        a = self.arrays[stage]
        n, L = self._n, len(self.labels)
        if s == 0 and stage == "mining":
            C = np.zeros((n, L))
            for k in np.nonzero(a.output > 0)[0]:
                C[k, self._label_index[self.network.countries[k]]] = 1.0
            return C
        tau = a.feed_used
        C = carry_comp * tau[:, None]
        for k in self._untraced_rows(a):
            C[k, self._label_index[untraced_label(self.network.countries[k])]] += 1.0 - tau[k]
        return C

    @staticmethod
    def _untraced_rows(a: StageArrays) -> np.ndarray:
        return np.nonzero((a.output > _TINY) & (a.feed_used < 1.0 - 1e-12))[0]

    def _forward_composition(self) -> dict[str, np.ndarray]:
        """Origin shares of every pool, stage after stage (``n x L`` per stage)."""
        n, L = self._n, len(self.labels)
        u = L - 1
        composition: dict[str, np.ndarray] = {}
        carry_comp = np.zeros((n, L))
        for s, stage in enumerate(self.stages):
            a = self.arrays[stage]
            C = self._source_shares(s, stage, carry_comp)
            shares_o = np.zeros((n, L))
            shares_o[a.dead, u] = 1.0
            if a.live.size:
                rhs = a.output[a.live, None] * C[a.live]
                rhs[:, u] += a.inflow_unattributed
                solved = self._solver(stage).solve(rhs)
                shares_o[a.live] = np.nan_to_num(solved, nan=0.0)
            composition[stage] = shares_o
            if s == 0 and stage == "mining":
                leftover_mass = np.zeros(n)
                leftover_comp = np.zeros((n, L))
            else:
                leftover_mass = np.clip(a.feed - a.output, 0.0, None)
                leftover_comp = carry_comp
            mass = a.kept + leftover_mass
            comp = np.zeros((n, L))
            ok = mass > _TINY
            comp[ok] = ((a.kept[ok, None] * shares_o[ok]
                         + leftover_mass[ok, None] * leftover_comp[ok]) / mass[ok, None])
            carry_comp = comp
        for shares_o in composition.values():
            shares_o.setflags(write=False)
        self._final_comp = carry_comp
        return composition

    def _pull(self, s: int, on_pools: np.ndarray, on_carry: np.ndarray) -> np.ndarray:
        """``on_pools^T O_s + on_carry^T carry_{s-1}``: weighted sums of origin shares.

        ``O_s`` are the pool shares of stage ``s`` and ``carry_{s-1}`` the
        shares of the feed carried into it; both are affine in the stage
        systems, so a weighted sum of their rows costs one transposed solve
        per stage below ``s`` (the adjoint of the forward solve), not the
        ``n x L`` shares of every pool. Weights are ``(n, k)``; the result is
        ``(k, L)``.
        """
        n, L = self._n, len(self.labels)
        u = L - 1
        k = on_pools.shape[1]
        out = np.zeros((k, L))
        w_pool, w_carry = on_pools, on_carry
        for t in range(s, -1, -1):
            stage = self.stages[t]
            a = self.arrays[stage]
            out[:, u] += w_pool[a.dead].sum(axis=0)
            w_source = np.zeros((n, k))
            if a.live.size and w_pool[a.live].any():
                z = self._factor(stage).solve(np.ascontiguousarray(w_pool[a.live]), trans="T")
                z = np.nan_to_num(z, nan=0.0)
                out[:, u] += z.T @ a.inflow_unattributed
                w_source[a.live] = a.output[a.live, None] * z
            if t == 0 and stage == "mining":
                for c in np.nonzero(a.output > 0)[0]:
                    out[:, self._label_index[self.network.countries[c]]] += w_source[c]
                break
            for c in self._untraced_rows(a):
                label = self._label_index[untraced_label(self.network.countries[c])]
                out[:, label] += (1.0 - a.feed_used[c]) * w_source[c]
            if t == 0:
                break
            # weights on the feed carried from stage t - 1: (kept O + leftover carry) / mass
            w_feed = w_carry + a.feed_used[:, None] * w_source
            w_pool, w_carry = self._expand_carry(t - 1, w_feed)
        return out

    def _expand_carry(self, t: int, w_feed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights on ``carry_t`` as weights on ``O_t`` and on ``carry_{t-1}``."""
        a = self.arrays[self.stages[t]]
        first_mine = t == 0 and self.stages[0] == "mining"
        left = (np.zeros(self._n) if first_mine
                else np.clip(a.feed - a.output, 0.0, None))
        mass = a.kept + left
        ok = mass > _TINY
        scale_kept = np.zeros(self._n)
        scale_left = np.zeros(self._n)
        scale_kept[ok] = a.kept[ok] / mass[ok]
        scale_left[ok] = left[ok] / mass[ok]
        return w_feed * scale_kept[:, None], w_feed * scale_left[:, None]

    # ----------------------------------------------------------------- queries

    def composition_rows(self, stage: str, rows) -> np.ndarray:
        """Origin shares of the pools of some countries, ``(len(rows), L)``.

        The rows of :attr:`composition` for those countries, solved without
        the shares of every other pool (one transposed solve per stage).

        Examples
        --------
        >>> from scrisk.origins import example_network
        >>> model = FlowModel(example_network())
        >>> model.labels
        ('COD', 'untraced:COD', 'untraced:FIN', 'unattributed')
        >>> model.composition_rows("refining", [2]).round(4).tolist()
        [[0.8571, 0.0, 0.1429, 0.0]]
        """
        rows = np.asarray(rows, dtype=np.int64).reshape(-1)
        if self._forward_done():
            return np.array(self.composition[stage][rows])
        s = self.stages.index(stage)
        weights = np.zeros((self._n, rows.size))
        weights[rows, np.arange(rows.size)] = 1.0
        return self._pull(s, weights, np.zeros_like(weights))

    def _forward_done(self) -> bool:
        return self.composition._values is not None

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
        # asked many times per report (exposure, notes, chokepoints): solved once per
        # importer and stage (and way of solving: the rows of a solved composition, once
        # it exists, differ from the backward solve in the last digits); callers get a copy
        key = (importer, stage, self._forward_done())
        series = self._by_origin.get(key)
        if series is None:
            row = self.composition_rows(stage, [self.network.index(importer)])[0] * total
            series = pd.Series(row, index=pd.Index(self.labels, name="origin"), name="mined_t")
            series = series[series > total * 1e-12]
            series = series.sort_values(ascending=False, kind="stable")
            self._by_origin[key] = series
        return series.copy()

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
        if not self.stages:
            total = np.zeros(len(self.labels))
        elif self._forward_done():
            total = self._final_mass @ self._final_comp
        else:
            last = len(self.stages) - 1
            on_pools, on_carry = self._expand_carry(last, self._final_mass[:, None])
            total = self._pull(last, on_pools, on_carry)[0]
        return pd.Series(total, index=pd.Index(self.labels, name="origin"))

    # ----------------------------------------------------------------- shocks

    def release(self) -> None:
        """Drop the solver state kept between shocks (factorisations, update columns)."""
        self._lu.clear()
        self._woodbury.clear()
        self._columns.clear()

    def shipments_to(self, stage: str, m: int) -> np.ndarray:
        """Contained shipments of a stage from every country to position ``m``, ``(n,)``.

        Column ``m`` of the stage's trade, dense and cached (zeros for a stage
        the model lacks).

        Examples
        --------
        >>> from scrisk.origins import example_network
        >>> FlowModel(example_network()).shipments_to("refining", 2).tolist()
        [0.0, 35.0, 0.0]
        """
        if stage not in self.arrays:
            return np.zeros(self._n)
        return self._column(stage, m)

    def _column(self, stage: str, m: int) -> np.ndarray:
        """``F[:, m]`` of a stage, dense (cached)."""
        key = (stage, m)
        if key not in self._columns:
            self._columns[key] = self.arrays[stage].matrix[:, [m]].toarray()[:, 0]
        return self._columns[key]

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
            ``(n, k)`` arrays evaluate ``k`` scenarios at once (one column
            each; production, export and link alike).
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
        production = production or {}
        export = export or {}
        link = link or {}
        m = self.network.index(importer) if importer is not None and \
            self.network.has_country(importer) else None
        gates = [*production.values(), *export.values(), *link.values()]
        widths = {np.asarray(v).shape[1] for v in gates if np.ndim(v) == 2}
        batch = bool(widths)
        if batch and by_label:
            raise ValueError("by_label needs one scenario (1-D gates)")
        if len(widths) > 1:
            raise ValueError(f"batched gates must share their number of columns, got {widths}")
        k = widths.pop() if batch else 1

        def columns(v):
            v = np.asarray(v, dtype=float)
            return v if v.ndim == 2 else np.repeat(v[:, None], k, axis=1)

        pools = self.evaluate_batch({s: columns(v) for s, v in production.items()},
                                    {s: columns(v) for s, v in export.items()},
                                    {s: columns(v) for s, v in link.items()} if m is not None
                                    else {}, m, by_label=by_label, feed=feed)
        if feed is not None and not batch:
            for stage in list(feed):
                feed[stage] = feed[stage][:, 0]
        if batch or by_label:
            return pools
        return {stage: v[:, 0] for stage, v in pools.items()}

    def evaluate_batch(self, production: Mapping[str, np.ndarray],
                       export: Mapping[str, np.ndarray], link: Mapping[str, np.ndarray],
                       m: int | None, by_label: bool = False,
                       feed: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Pools of every stage after ``k`` scenarios: the array form of :meth:`evaluate`.

        Gates are stage -> ``(n, k)`` surviving shares (a stage left out is
        untouched); ``link`` acts on shipments to position ``m``. Returns
        stage -> ``(n, k)`` pools (``(n, L)`` by origin label for one
        scenario with ``by_label``). Each stage costs one sparse solve with
        ``k`` right-hand sides; trade gates change a few columns of the
        system, solved as low-rank updates of one factorisation.
        """
        n = self._n
        L = len(self.labels)
        gate_sets = [*production.values(), *export.values(), *link.values()]
        g = gate_sets[0].shape[1] if gate_sets else 1
        k = L if by_label else g
        u = L - 1 if by_label else None
        out: dict[str, np.ndarray] = {}
        carry_before = np.zeros(n)
        carry_after = np.zeros((n, k))
        for s, stage in enumerate(self.stages):
            a = self.arrays[stage]
            gp = production.get(stage)
            ge = export.get(stage)
            gl = link.get(stage) if m is not None else None
            if s == 0 and stage == "mining":
                spread = np.zeros((n, k))
                if by_label:
                    source = np.zeros((n, k))
                    for c in np.nonzero(a.output > 0)[0]:
                        source[c, self._label_index[self.network.countries[c]]] = a.output[c]
                    if gp is not None:
                        source *= gp
                else:
                    source = np.repeat(a.output[:, None], k, axis=1)
                    if gp is not None:
                        source = source * gp
                if feed is not None:
                    feed[stage] = np.ones((n, g))
            else:
                spread = _spread(carry_before, carry_after, per_column=not by_label)
                source = (a.output * a.feed_used)[:, None] * spread
                rest = (a.output * (1.0 - a.feed_used))[:, None]
                if gp is not None:
                    source = source * gp
                    rest = rest * gp
                if by_label:
                    for c in np.nonzero(rest[:, 0] > 0)[0]:
                        source[c, self._label_index[untraced_label(self.network.countries[c])]] \
                            += rest[c, 0]
                else:
                    source = source + rest
                if feed is not None:
                    feed[stage] = np.where(carry_before[:, None] > _TINY,
                                           spread if not by_label else
                                           spread.sum(axis=1, keepdims=True), 1.0)
            share = self._propagate(stage, source, ge, gl, m, u)
            out[stage] = share * a.pool[:, None]
            if ge is None and gl is None:
                shipped = a.exports[:, None]
            else:
                shipped = np.repeat(a.exports[:, None], g, axis=1) if ge is None else \
                    a.exports[:, None] * ge
                if gl is not None:
                    lost = self._column(stage, m)[:, None] * (1.0 - gl)
                    shipped = shipped - (lost if ge is None else lost * ge)
            kept = share * np.clip(a.pool[:, None] - a.traced_exports[:, None] * shipped,
                                   0.0, None)
            if s == 0 and stage == "mining":
                left_before = np.zeros(n)
                left_after = np.zeros((n, k))
            else:
                left_before = np.clip(a.feed - a.output, 0.0, None)
                left_after = left_before[:, None] * spread
            carry_before = a.kept + left_before
            carry_after = kept + left_after
        return out

    def _propagate(self, stage: str, source: np.ndarray, ge: np.ndarray | None,
                   gl: np.ndarray | None, m: int | None, u: int | None) -> np.ndarray:
        """Pool shares after a shock for one stage: ``(n, k)``, amount = share x pool before.

        Solves ``P_c R_c - sum_i F[i, c] G[i, c] a_i R_i = source_c + unattributed inflow``
        on pools production reaches, with ``G[i, c] = ge_i`` (times ``gl_i`` when ``c`` is
        the importer ``m``); other pools hold unattributed metal and keep their size
        as far as the gates on their own inflows allow. Gates are ``(n, g)``: one column per
        scenario, or one column for every label column when ``u`` (the unattributed column
        of label mode) is given.
        """
        a = self.arrays[stage]
        n, k = source.shape
        F = a.matrix
        R = np.zeros((n, k))
        g = (ge if ge is not None else gl).shape[1] if (ge is not None or gl is not None) else 1
        fm = self._column(stage, m) if gl is not None else None
        ge_eff = ge if ge is not None else np.ones((n, g))
        dead, live = a.dead, a.live
        ratio = np.ones((dead.size, g))
        if dead.size:
            inflow = a.imports[dead]
            if ge is None and gl is None:
                gated = np.repeat(inflow[:, None], g, axis=1)
            else:
                gated = F[:, dead].T @ ge_eff
                if gl is not None and not a.reached[m] and a.pool[m] > _TINY:
                    pos = int(np.searchsorted(dead, m))
                    gated[pos] += (fm[:, None] * ge_eff * (gl - 1.0)).sum(axis=0)
            ratio = np.where(inflow[:, None] > 0,
                             gated / np.where(inflow > 0, inflow, 1.0)[:, None], 1.0)
            if u is None:
                R[dead] = ratio if g == k else np.repeat(ratio, k, axis=1)
            else:
                R[dead, u] = ratio[:, 0]
        if not live.size:
            return R
        rhs = source[live].copy()
        if ge is None and gl is None and not dead.size:
            inflow_u = np.repeat(a.inflow_unattributed[:, None], g, axis=1)
        else:
            weight = np.repeat((1.0 - a.traced_exports)[:, None], g, axis=1)
            if dead.size:
                weight[dead] += a.traced_exports[dead, None] * ratio
            inflow_u = F[:, live].T @ (weight * ge_eff)
            if gl is not None and a.reached[m] and a.pool[m] > _TINY:
                pos = int(np.searchsorted(live, m))
                inflow_u[pos] += (fm[:, None] * ge_eff * (gl - 1.0) * weight).sum(axis=0)
        if u is None:
            rhs += inflow_u if g == k else inflow_u[:, :1]
        else:
            rhs[:, u] += inflow_u[:, 0]
        y = self._solver(stage).solve(rhs)
        if ge is not None or gl is not None:
            self._woodbury_update(stage, y, ge, gl, m, fm)
        R[live] = y
        return R

    def _woodbury_update(self, stage: str, y: np.ndarray, ge: np.ndarray | None,
                         gl: np.ndarray | None, m: int | None, fm: np.ndarray | None) -> None:
        """Turn ``y = M^-1 rhs`` into the solution of the gated system, in place.

        Gates change the system ``M`` of live pools only in a few columns: an
        exporter ``i`` whose exports survive at ``ge_i < 1`` adds
        ``(1 - ge_i) u_i e_i^T`` with ``u_i = a_i F[i, live]^T``, and link gates
        on shipments to ``m`` add ``e_m d^T`` with
        ``d_i = a_i F[i, m] ge_i (1 - gl_i)``. So ``M' = M + U C V^T`` and, by the
        Woodbury identity, ``x = y - Z (I + C V^T Z)^-1 C V^T y`` with
        ``Z = M^-1 U``: the columns ``M^-1 u_i`` are solved once per exporter and
        kept, so a scenario costs a solve of the size of its own shocks.
        """
        a = self.arrays[stage]
        live = a.live
        nl = live.size
        g = (ge if ge is not None else gl).shape[1]
        k = y.shape[1]
        position = np.full(self._n, -1, dtype=np.int64)
        position[live] = np.arange(nl)
        if ge is not None:
            key = ("exporters", stage)
            if key not in self._woodbury:
                has = np.zeros(self._n, dtype=bool)
                lf = a.matrix[live][:, live]
                has[live[np.diff(lf.indptr) > 0]] = True
                self._woodbury[key] = has
            cut = (ge < 1.0) & self._woodbury[key][:, None]
        else:
            cut = np.zeros((self._n, g), dtype=bool)
        m_live = m is not None and gl is not None and position[m] >= 0
        d_all = None
        if m_live:
            on = position >= 0
            d_all = np.zeros((self._n, g))
            ge_eff = ge if ge is not None else 1.0
            d_all[on] = (a.traced_exports[on] * fm[on])[:, None] * (ge_eff * (1.0 - gl))[on]
        need = np.nonzero(cut.any(axis=1))[0]
        Z, col_of = self._woodbury_columns(stage, need)
        zm = None
        if m_live:
            zm = self._woodbury_link(stage, int(position[m]))
        # scenarios that cut one exporter and no link (a chokepoint ranking's export
        # elements): their 1 x 1 updates all at once, the same operations column by column
        single = np.zeros(0, dtype=np.int64)
        if g == k:
            linked = d_all.any(axis=0) if d_all is not None else np.zeros(g, dtype=bool)
            single = np.nonzero((cut.sum(axis=0) == 1) & ~linked)[0]
        if single.size:
            one = np.argmax(cut[:, single], axis=0)
            columns = np.array([col_of[i] for i in one], dtype=np.int64)
            c = 1.0 - ge[one, single]
            rows_e = position[one]
            small = 1.0 + c * Z[rows_e, columns]
            step = np.linalg.solve(small[:, None, None], (c * y[rows_e, single])[:, None, None])
            y[:, single] -= Z[:, columns] * step[:, 0, 0]
        done = np.zeros(g, dtype=bool)
        done[single] = True
        for j in range(g):
            if done[j]:
                continue
            exporters = np.nonzero(cut[:, j])[0]
            d = d_all[:, j] if d_all is not None else None
            has_link = d is not None and d.any()
            if not exporters.size and not has_link:
                continue
            cols = slice(j, j + 1) if g == k else slice(None)
            parts = [Z[:, [col_of[i] for i in exporters]]] if exporters.size else []
            scale = list(1.0 - ge[exporters, j]) if exporters.size else []
            if has_link:
                parts.append(zm[:, None])
                scale.append(1.0)
            Zs = np.hstack(parts) if len(parts) > 1 else parts[0]
            c = np.asarray(scale)
            support = np.nonzero(d)[0] if has_link else np.zeros(0, dtype=np.int64)
            rows_e = position[exporters]
            VtZ = Zs[rows_e]
            Vty = y[rows_e, cols]
            if has_link:
                dl = d[support]
                VtZ = np.vstack([VtZ, dl @ Zs[position[support]]])
                Vty = np.vstack([Vty, dl @ y[position[support], cols]])
            small = np.eye(c.size) + c[:, None] * VtZ
            y[:, cols] -= Zs @ np.linalg.solve(small, c[:, None] * Vty)

    def _woodbury_columns(self, stage: str, exporters: np.ndarray) -> tuple[np.ndarray, dict]:
        """``M^-1 u_i`` for the given exporters (cached per stage, solved in one batch)."""
        cache = self._woodbury.setdefault(stage, ({}, np.zeros((self.arrays[stage].live.size,
                                                                 0))))
        col_of, Z = cache
        missing = [int(i) for i in exporters if int(i) not in col_of]
        if missing:
            a = self.arrays[stage]
            rows = a.matrix[missing][:, a.live]
            U = (scipy.sparse.diags_array(a.traced_exports[missing]) @ rows).T.toarray()
            new = self._solver(stage).solve(U)
            start = Z.shape[1]
            for offset, i in enumerate(missing):
                col_of[i] = start + offset
            Z = np.hstack([Z, new])
            self._woodbury[stage] = (col_of, Z)
        return Z, col_of

    def _woodbury_link(self, stage: str, pos: int) -> np.ndarray:
        """``M^-1 e_m`` (cached)."""
        key = ("link", stage, pos)
        if key not in self._woodbury:
            e = np.zeros(self.arrays[stage].live.size)
            e[pos] = 1.0
            self._woodbury[key] = self._solver(stage).solve(e)
        return self._woodbury[key]


class _LevelSolver:
    """Solve ``M R = rhs`` for many right-hand sides, level by level of the trade graph.

    ``M = diag(P) - A^T`` with ``A[i, c] = a_i F[i, c]`` on live pools: a
    pool's share depends only on its suppliers'. Pools are ordered by the
    strongly connected blocks of the trade graph (re-export loops) and their
    topological levels, so a solve is one sparse product per level plus the
    small inverse of each loop: the cost follows the trade links, whatever
    the number of right-hand sides, where a general sparse LU solves them one
    by one. The same system as the LU, to rounding.
    """

    def __init__(self, pool: np.ndarray, inflow: scipy.sparse.csr_array):
        nl = pool.size
        self.n = nl
        AT = scipy.sparse.csr_array(inflow)          # AT[c, i] = a_i F[i, c]
        count, comp = connected_components(AT, directed=True, connection="strong")
        coo = AT.tocoo()
        cross = comp[coo.row] != comp[coo.col]
        # component levels: 1 + the highest level among supplying components
        src, dst = comp[coo.col[cross]], comp[coo.row[cross]]
        level = np.zeros(count, dtype=np.int64)
        indeg = np.bincount(dst, minlength=count)
        order = np.argsort(src, kind="stable")
        src_sorted, dst_sorted = src[order], dst[order]
        starts = np.searchsorted(src_sorted, np.arange(count + 1))
        frontier = np.nonzero(indeg == 0)[0]
        while frontier.size:
            lo, hi = starts[frontier], starts[frontier + 1]
            idx = np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)]) \
                if frontier.size else np.zeros(0, dtype=np.int64)
            targets = dst_sorted[idx]
            from_level = np.repeat(level[frontier], hi - lo)
            np.maximum.at(level, targets, from_level + 1)
            np.subtract.at(indeg, targets, 1)
            frontier = np.unique(targets[indeg[targets] == 0])
        node_level = level[comp]
        external = scipy.sparse.csr_array((coo.data[cross], (coo.row[cross], coo.col[cross])),
                                          shape=(nl, nl))
        size = np.bincount(comp, minlength=count)
        self.levels = []
        by_level = np.argsort(node_level, kind="stable")
        bounds = np.searchsorted(node_level[by_level], np.arange(node_level.max(initial=-1) + 2))
        for lv in range(bounds.size - 1):
            nodes = by_level[bounds[lv]:bounds[lv + 1]]
            if not nodes.size:
                continue
            single = nodes[size[comp[nodes]] == 1]
            multi = nodes[size[comp[nodes]] > 1]
            blocks = []
            if multi.size:
                multi = multi[np.argsort(comp[multi], kind="stable")]
                cuts = np.nonzero(np.diff(comp[multi]))[0] + 1
                for block in np.split(multi, cuts):
                    B = (np.diag(pool[block]) - AT[block][:, block].toarray())
                    rows = np.searchsorted(nodes, block)
                    if block.size <= BLOCK_DENSE:
                        blocks.append((block, rows, scipy.linalg.lu_factor(B), None))
                    else:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore",
                                                  scipy.sparse.linalg.MatrixRankWarning)
                            lu = scipy.sparse.linalg.splu(scipy.sparse.csc_array(B))
                        blocks.append((block, rows, None, lu))
            self.levels.append((nodes, external[nodes], single, np.searchsorted(nodes, single),
                                1.0 / pool[single], blocks))

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """``R`` with ``M R = rhs``; ``rhs`` is ``(n_live,)`` or ``(n_live, k)``."""
        flat = rhs.ndim == 1
        rhs = rhs[:, None] if flat else rhs
        R = np.zeros(rhs.shape)
        for nodes, external, single, single_rows, inv_pool, blocks in self.levels:
            total = rhs[nodes] + external @ R if external.nnz else rhs[nodes]
            if single.size:
                R[single] = total[single_rows] * inv_pool[:, None]
            for block, rows, dense, lu in blocks:
                R[block] = scipy.linalg.lu_solve(dense, total[rows]) if dense is not None \
                    else lu.solve(np.ascontiguousarray(total[rows]))
        return R[:, 0] if flat else R


def _reached(X: np.ndarray, F) -> np.ndarray:
    """Countries that produce or receive (directly or through others) from a producer."""
    n = X.size
    coo = F.tocoo()
    pos = coo.data > 0
    src_i, dst_i = coo.row[pos], coo.col[pos]
    prod = np.nonzero(X > _TINY)[0]
    src = np.concatenate([src_i, np.full(prod.size, n)])
    dst = np.concatenate([dst_i, prod])
    graph = scipy.sparse.csr_matrix((np.ones(src.size), (src, dst)), shape=(n + 1, n + 1))
    order = breadth_first_order(graph, n, directed=True, return_predecessors=False)
    reached = np.zeros(n + 1, dtype=bool)
    reached[order] = True
    return reached[:n]


def _stage_arrays(X: np.ndarray, F, feed: np.ndarray, tau: np.ndarray) -> StageArrays:
    """Masses of one stage: pools, exports, the traced share of exports, what is kept."""
    X, feed, tau = (np.array(v, dtype=float) for v in (X, feed, tau))
    n = X.size
    P = X + np.asarray(F.sum(axis=0)).reshape(-1)
    E = np.asarray(F.sum(axis=1)).reshape(-1)
    a = np.ones(n)
    big = E > P + _TINY
    a[big] = np.where(E[big] > 0, P[big] / E[big], 1.0)
    reached = _reached(X, F)
    live = np.nonzero(reached & (P > _TINY))[0]
    dead = np.nonzero((~reached) & (P > _TINY))[0]
    # exports beyond the pool, and inflow from unreached pools, have nothing behind them
    weight = 1.0 - a
    weight[~reached] += a[~reached]
    # every column, then the live ones: the same sums as slicing the columns first
    inflow_u = (F.T @ weight)[live] if live.size else np.zeros(0)
    kept = np.clip(P - E, 0.0, None)
    for array in (X, P, E, a, reached, kept, feed, tau, live, dead, inflow_u):
        array.setflags(write=False)
    return StageArrays(output=X, matrix=F, pool=P, exports=E, traced_exports=a,
                       reached=reached, kept=kept, feed=feed, feed_used=tau, live=live,
                       dead=dead, inflow_unattributed=np.asarray(inflow_u))


def _solve_stage(X: np.ndarray, F, C: np.ndarray, u: int, feed: np.ndarray,
                 tau: np.ndarray) -> tuple[StageArrays, np.ndarray]:
    """Origin shares ``(n, L)`` of every pool of one stage, given the shares ``C`` of output."""
    n, L = C.shape
    a = _stage_arrays(np.asarray(X, dtype=float), _as_sparse(F, n), feed, tau)
    shares_o = np.zeros((n, L))
    shares_o[a.dead, u] = 1.0
    if a.live.size:
        Fl = a.matrix[a.live][:, a.live]
        M = (scipy.sparse.diags_array(a.pool[a.live])
             - (scipy.sparse.diags_array(a.traced_exports[a.live]) @ Fl).T).tocsc()
        rhs = a.output[a.live, None] * C[a.live]
        rhs[:, u] += a.inflow_unattributed
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", scipy.sparse.linalg.MatrixRankWarning)
            solved = scipy.sparse.linalg.splu(M).solve(np.ascontiguousarray(rhs))
        shares_o[a.live] = np.nan_to_num(solved, nan=0.0)
    return a, shares_o


def _as_sparse(F, n: int) -> scipy.sparse.csr_array:
    from scrisk.network import as_csr

    return as_csr(F, n)


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
