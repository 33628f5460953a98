"""Vectorised disruption engine: a batch of scenarios is a matrix of survival factors.

One :class:`SupplyModel` holds, for one importer and one commodity, the
look-through structure of the importer's supply (who mined, refined and
shipped each tonne, and along which sea route). A batch of ``S`` scenarios is
a :class:`Gates` object: for every country and gate family (mine production,
refinery production, ore exports, refined exports, ore link into the
importer, refined link into the importer) and every sea-lane chokepoint, the
share of capacity that survives, as ``(S, n)`` and ``(S, H)`` arrays.
:meth:`SupplyModel.evaluate` turns the batch into the importer's supply after
the shocks with a handful of matrix products; no graph is walked per
scenario.

The model (see ``docs/methods.md`` for the formulas and a worked
example):

* Each country's ore pool and refined-metal pool mix proportionally; their
  origin shares come from :func:`scrisk.metrics.exposure.origin_matrix`.
* A refiner's output scales with the share of its ore feed that survives; ore
  feed that the trade data cannot trace is spread over world mine production
  (the rule of :func:`scrisk.metrics.exposure.mined_origin_of_refined`).
* A tonne survives when every gate on its path survives: the survival
  factors multiply, so two shocks that hit the same tonne count it once.
  A single shock's loss is linear in its size.
* Export bans hit ore or metal that left the banning country: shipped by it
  directly, or produced there and re-exported by another country. A ban by a
  pure transit country more than one hop before the importer is not traced.
* Sea routes (``geo/sea_routes.csv``) are routes to Japan: they apply to the
  importer's own imports (the last leg), including the ore its refiners use.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import MappingProxyType

import numpy as np
import pandas as pd
import scipy.linalg

from scrisk.metrics.exposure import UNATTRIBUTED, origin_matrix
from scrisk.network import SupplyNetwork

GATE_FAMILIES = ("mining", "refining", "ore_export", "refined_export", "ore_link",
                 "refined_link")
STAGE_OF_SUPPLY = ("mining", "refining")
ROUTE_DESTINATION = "JPN"
LOG_FLOOR = 1e-300  # log(0) stand-in: exp(log(1e-300)) is 0 for any tonnage
UNAFFECTED = 1.0 - 1e-9


# --------------------------------------------------------------------------- sea routes


@dataclass(frozen=True)
class SeaRoutes:
    """Sea routes to one destination: route shares by origin region, chokepoints per route.

    Attributes
    ----------
    destination : str
        ISO3 code of the country the routes lead to (``JPN`` for the shipped table).
    chokepoints : tuple of str
        Chokepoint ids, in table order; position ``h`` of every lane array.
    names : tuple of str
        English names of the chokepoints.
    region_of : Mapping[str, str]
        ISO3 -> origin region.
    route_keys : tuple of (str, str)
        ``(origin_region, route_id)`` of each route.
    route_region : numpy.ndarray
        Region of each route (index into ``regions``).
    regions : tuple of str
    route_share : numpy.ndarray
        Share of a region's shipments taking each route.
    incidence : numpy.ndarray
        ``(R, H)``, 1 where route ``r`` passes chokepoint ``h``.
    """

    destination: str
    chokepoints: tuple[str, ...]
    names: tuple[str, ...]
    region_of: Mapping[str, str]
    route_keys: tuple[tuple[str, str], ...]
    route_region: np.ndarray
    regions: tuple[str, ...]
    route_share: np.ndarray
    incidence: np.ndarray

    @classmethod
    def from_tables(cls, chokepoints: pd.DataFrame, sea_routes: pd.DataFrame,
                    sea_regions: pd.DataFrame,
                    destination: str = ROUTE_DESTINATION) -> SeaRoutes:
        """Build from the ``chokepoints``, ``sea_routes`` and ``sea_regions`` tables.

        Examples
        --------
        >>> from scrisk.disruption.example import example_route_tables
        >>> routes = SeaRoutes.from_tables(**example_route_tables())
        >>> routes.through(["CHN", "IDN", "JPN"]).tolist()
        [[0.0, 0.5, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
        """
        ids = tuple(str(c) for c in chokepoints["chokepoint_id"])
        names = tuple(str(c) for c in chokepoints["name_en"])
        col = {c: h for h, c in enumerate(ids)}
        routes = sea_routes.sort_values(["origin_region", "route_id"], kind="stable")
        regions = tuple(sorted({str(r) for r in routes["origin_region"]}))
        region_index = {r: i for i, r in enumerate(regions)}
        incidence = np.zeros((len(routes), len(ids)))
        keys = []
        for r, row in enumerate(routes.itertuples(index=False)):
            keys.append((str(row.origin_region), str(row.route_id)))
            listed = row.chokepoints if isinstance(row.chokepoints, str) else ""
            for cid in (c.strip() for c in listed.split(";")):
                if cid:
                    if cid not in col:
                        raise ValueError(f"route {keys[-1]} names unknown chokepoint {cid!r}")
                    incidence[r, col[cid]] = 1.0
        region_of = {str(k): str(v) for k, v in
                     zip(sea_regions["iso3"], sea_regions["origin_region"], strict=True)}
        return cls(destination, ids, names, MappingProxyType(region_of), tuple(keys),
                   routes["origin_region"].map(region_index).to_numpy(dtype=int),
                   regions, routes["share"].to_numpy(dtype=float), incidence)

    @classmethod
    def from_dataset(cls, dataset, destination: str = ROUTE_DESTINATION) -> SeaRoutes:
        """Build from the dataset's ``geo/`` tables."""
        return cls.from_tables(dataset.chokepoints, dataset.sea_routes, dataset.sea_regions,
                               destination)

    def route_shares(self, countries: Sequence[str]) -> np.ndarray:
        """``(n, R)`` share of each country's shipments to the destination on each route.

        The destination itself and countries without an origin region get a
        zero row (their shipments pass no modelled chokepoint).
        """
        out = np.zeros((len(countries), len(self.route_keys)))
        for i, iso3 in enumerate(countries):
            region = self.region_of.get(iso3)
            if region is None or iso3 == self.destination or region not in self.regions:
                continue
            g = self.regions.index(region)
            mask = self.route_region == g
            out[i, mask] = self.route_share[mask]
        return out

    def through(self, countries: Sequence[str]) -> np.ndarray:
        """``(n, H)`` share of each country's shipments that passes each chokepoint."""
        return self.route_shares(countries) @ self.incidence

    def survival(self, lanes: np.ndarray, shares: np.ndarray) -> np.ndarray:
        """Share of each country's shipments that gets through, per scenario.

        Parameters
        ----------
        lanes : numpy.ndarray
            ``(S, H)`` surviving capacity of each chokepoint.
        shares : numpy.ndarray
            ``(n, R)`` from :meth:`route_shares`.

        Returns
        -------
        numpy.ndarray
            ``(S, n)``: ``sum_r share[i, r] * prod_{h on r} lanes[h]`` plus the
            unrouted part of each country's shipments.
        """
        route = np.exp(np.log(np.maximum(lanes, LOG_FLOOR)) @ self.incidence.T)
        return route @ shares.T + (1.0 - shares.sum(axis=1))


# --------------------------------------------------------------------------- gates


@dataclass
class Gates:
    """Survival factors of a batch of scenarios (1 = untouched, 0 = fully lost).

    Every per-country array is ``(S, n)`` over :attr:`SupplyModel.countries`;
    ``lanes`` is ``(S, H)`` over :attr:`SupplyModel.chokepoints`.

    Attributes
    ----------
    mining, refining : numpy.ndarray
        Share of each country's mine / refinery output that survives.
    ore_export, refined_export : numpy.ndarray
        Share of each country's ore / refined exports that may leave (export
        bans and quotas); hits what the country ships and what it produced
        that others re-export.
    ore_link, refined_link : numpy.ndarray
        Share of each country's ore / refined shipments *to the importer*
        that survives (a trade-link loss).
    lanes : numpy.ndarray
        Share of each chokepoint's capacity that survives.
    """

    mining: np.ndarray
    refining: np.ndarray
    ore_export: np.ndarray
    refined_export: np.ndarray
    ore_link: np.ndarray
    refined_link: np.ndarray
    lanes: np.ndarray

    @classmethod
    def ones(cls, runs: int, n: int, h: int) -> Gates:
        """A batch of ``runs`` scenarios in which nothing happens."""
        per_country = {f: np.ones((runs, n)) for f in GATE_FAMILIES}
        return cls(**per_country, lanes=np.ones((runs, h)))

    @property
    def runs(self) -> int:
        """Number of scenarios in the batch."""
        return int(self.mining.shape[0])

    def family(self, name: str) -> np.ndarray:
        """The array of one gate family (``lanes`` included)."""
        if name not in GATE_FAMILIES and name != "lanes":
            raise ValueError(f"unknown gate family {name!r}; one of "
                             f"{', '.join((*GATE_FAMILIES, 'lanes'))}")
        return getattr(self, name)

    def check(self) -> None:
        """Raise ``ValueError`` unless every array has the batch size and lies in [0, 1]."""
        for f in fields(self):
            arr = getattr(self, f.name)
            if arr.ndim != 2 or arr.shape[0] != self.runs:
                raise ValueError(f"gates.{f.name} must be 2-D with {self.runs} rows, "
                                 f"got shape {arr.shape}")
            if arr.size and (np.nanmin(arr) < 0 or np.nanmax(arr) > 1 or np.isnan(arr).any()):
                raise ValueError(f"gates.{f.name} must lie in [0, 1]")


@dataclass(frozen=True)
class Evaluation:
    """Supply of the importer after each scenario of a batch.

    Attributes
    ----------
    after : Mapping[str, numpy.ndarray]
        Stage -> ``(S,)`` supply after the shocks (and substitution, if on).
    substituted : Mapping[str, numpy.ndarray]
        Stage -> ``(S,)`` tonnes replaced by unaffected suppliers (zeros when off).
    feed : numpy.ndarray
        ``(S, len(refiners))`` surviving share of each refiner's ore feed.
    refiners : tuple of str
        Countries of the ``feed`` columns.
    route : numpy.ndarray
        ``(S, n)`` share of each country's shipments to the importer that gets
        through the sea lanes (ones when no routes apply).
    """

    after: Mapping[str, np.ndarray]
    substituted: Mapping[str, np.ndarray]
    feed: np.ndarray
    refiners: tuple[str, ...]
    route: np.ndarray

    def feed_of(self, iso3: str) -> np.ndarray:
        """Surviving share of one refiner's ore feed, ``(S,)`` (ones if not a refiner)."""
        if iso3 in self.refiners:
            return self.feed[:, self.refiners.index(iso3)]
        return np.ones(self.feed.shape[0])


# --------------------------------------------------------------------------- model


class SupplyModel:
    """Look-through supply of one importer for one commodity, ready for batches of shocks.

    Parameters
    ----------
    network : SupplyNetwork
    importer : str
        ISO3 code.
    routes : SeaRoutes, optional
        Sea routes; used only when ``routes.destination == importer``.
    keep : iterable of str, optional
        Countries to keep in the model even if they do not supply the
        importer (e.g. countries of facilities whose output is tracked).

    Attributes
    ----------
    countries : tuple of str
        The countries that can affect the importer's supply (mining origins,
        refiners, exporters along the way), sorted; the columns of
        :class:`Gates`. Countries outside it cannot change the result.
    chokepoints : tuple of str
        Chokepoint ids of ``routes`` (empty when no routes apply).
    supply : Mapping[str, float]
        Stage -> the importer's supply before any shock: own production plus
        imports (``mining``: ore; ``refining``: refined metal).
    arrays : Mapping[str, numpy.ndarray]
        Read-only arrays over all ``network.countries``: ``p1``, ``f1``,
        ``t1`` (mine production, ore trade, ore pools), ``p2``, ``f2``,
        ``t2`` (the same for refined metal), ``o1``, ``o2`` (origin shares),
        ``u1``, ``u2`` (unattributed shares), ``world`` (world mine shares).

    Examples
    --------
    The worked example of ``docs/methods.md``: Japan's refined
    supply is 70 t; an Indonesian ore-export ban takes 20 t, and together
    with a Taiwan Strait closure 34 t (not 20 + 20: tonnes hit by both count
    once).

    >>> from scrisk.disruption.example import example_network, example_route_tables
    >>> model = SupplyModel(example_network(), "JPN",
    ...                     SeaRoutes.from_tables(**example_route_tables()))
    >>> model.supply["refining"]
    70.0
    >>> gates = model.gates(2)
    >>> gates.ore_export[:, model.countries.index("IDN")] = 0.0
    >>> gates.lanes[1, model.chokepoints.index("taiwan_strait")] = 0.0
    >>> (model.supply["refining"] - model.evaluate(gates).after["refining"]).round(6).tolist()
    [20.0, 34.0]
    """

    def __init__(self, network: SupplyNetwork, importer: str, routes: SeaRoutes | None = None,
                 keep: Iterable[str] = ()):
        self.network = network
        self.importer = importer
        self.commodity = network.commodity
        self.year = network.year
        self.units = dict(network.units)
        n_all = len(network.countries)
        p1, f1 = _stage_arrays(network, "mining", n_all)
        p2, f2 = _stage_arrays(network, "refining", n_all)
        t1, t2 = p1 + f1.sum(axis=0), p2 + f2.sum(axis=0)
        o1 = _origins(p1, f1, t1)
        o2 = _origins(p2, f2, t2)
        u1 = np.clip(1.0 - o1.sum(axis=1), 0.0, 1.0)
        u2 = np.clip(1.0 - o2.sum(axis=1), 0.0, 1.0)
        world = p1 / p1.sum() if p1.sum() > 0 else np.zeros(n_all)
        self._w_missing = 0.0 if p1.sum() > 0 else 1.0
        self.routes = routes if routes is not None and routes.destination == importer else None
        self.chokepoints = self.routes.chokepoints if self.routes is not None else ()

        present = network.has_country(importer)
        m = network.index(importer) if present else None
        keep_idx = {network.index(c) for c in keep if network.has_country(c)}
        if m is None:
            universe: list[int] = sorted(keep_idx)
            i2: list[int] = []
            refiners = sorted(keep_idx)
        else:
            i2 = sorted(np.nonzero(f2[:, m] > 0)[0].tolist())
            refiners = set(np.nonzero(o2[i2].sum(axis=0) > 0)[0].tolist()) if i2 else set()
            refiners = sorted(refiners | {m} | keep_idx)
        i1 = sorted(np.nonzero(f1[:, refiners].sum(axis=1) > 0)[0].tolist()) if refiners else []
        origins = set(np.nonzero(o1[i1].sum(axis=0) > 0)[0].tolist()) if i1 else set()
        origins |= set(np.nonzero(world > 0)[0].tolist())
        universe = sorted(set(i2) | set(refiners) | set(i1) | origins
                          | ({m} if m is not None else set()) | keep_idx)
        pos = {k: u for u, k in enumerate(universe)}
        self.countries = tuple(network.countries[k] for k in universe)
        self.refiners = tuple(network.countries[k] for k in refiners)

        self._present = m is not None
        self._m = pos[m] if m is not None else -1
        self._mR = refiners.index(m) if m is not None else -1
        self._I1 = np.array([pos[k] for k in i1], dtype=int)
        self._I2 = np.array([pos[k] for k in i2], dtype=int)
        self._R = np.array([pos[k] for k in refiners], dtype=int)
        U = np.array(universe, dtype=int)
        self._wU = world[U] if len(U) else np.zeros(0)
        self._O1_I1 = o1[np.ix_(i1, universe)]
        self._O1diag_I1 = o1[i1, i1] if i1 else np.zeros(0)
        self._u1_I1 = u1[i1]
        self._F1_I1R = f1[np.ix_(i1, refiners)]
        self._F1_I1m = f1[i1, m] if m is not None else np.zeros(len(i1))
        self._p1R = p1[refiners]
        self._T1R = t1[refiners]
        self._wR = world[refiners]
        self._O2_I2R = o2[np.ix_(i2, refiners)]
        self._u2_I2 = u2[i2]
        self._F2_I2m = f2[i2, m] if m is not None else np.zeros(0)
        diag = [(a, refiners.index(k)) for a, k in enumerate(i2) if k in refiners]
        self._diag2 = (np.array([a for a, _ in diag], dtype=int),
                       np.array([b for _, b in diag], dtype=int),
                       np.array([o2[i2[a], refiners[b]] for a, b in diag]))
        self._p1m = float(p1[m]) if m is not None else 0.0
        self._p2m = float(p2[m]) if m is not None else 0.0
        self._shares = (self.routes.route_shares(self.countries)
                        if self.routes is not None else None)
        for array in (p1, f1, p2, f2, t1, t2, o1, o2, u1, u2, world):
            array.setflags(write=False)
        self.arrays = MappingProxyType({"p1": p1, "f1": f1, "p2": p2, "f2": f2, "t1": t1,
                                        "t2": t2, "o1": o1, "o2": o2, "u1": u1, "u2": u2,
                                        "world": world})
        supply1 = float(t1[m]) if m is not None else 0.0
        supply2 = float(t2[m]) if m is not None else 0.0
        self.supply = MappingProxyType({"mining": supply1, "refining": supply2})

    # ----------------------------------------------------------------- helpers

    def __repr__(self) -> str:
        return (f"SupplyModel({self.commodity!r}, {self.year}, importer={self.importer!r}, "
                f"countries={len(self.countries)}, chokepoints={len(self.chokepoints)})")

    @property
    def stages(self) -> tuple[str, ...]:
        """Stages at which the importer has any supply."""
        return tuple(s for s in STAGE_OF_SUPPLY if self.supply[s] > 0)

    @property
    def headline_stage(self) -> str | None:
        """The most processed stage with supply (``refining`` if any, else ``mining``)."""
        stages = self.stages
        return stages[-1] if stages else None

    def index(self, iso3: str) -> int | None:
        """Column of a country in :class:`Gates` arrays (``None``: it cannot matter)."""
        try:
            return self.countries.index(iso3)
        except ValueError:
            return None

    def gates(self, runs: int = 1) -> Gates:
        """A batch of ``runs`` untouched scenarios shaped for this model."""
        return Gates.ones(runs, len(self.countries), len(self.chokepoints))

    def route_survival(self, lanes: np.ndarray) -> np.ndarray:
        """``(S, n)`` share of each country's shipments to the importer that gets through."""
        if self._shares is None:
            return np.ones((lanes.shape[0], len(self.countries)))
        return self.routes.survival(lanes, self._shares)

    # ----------------------------------------------------------------- evaluation

    def evaluate(self, gates: Gates, substitution: float = 0.0) -> Evaluation:
        """Supply of the importer after each scenario of a batch.

        Parameters
        ----------
        gates : Gates
            Survival factors, ``S`` scenarios.
        substitution : float
            0 (default) switches substitution off. A value ``L`` in (0, 1]
            lets every direct supplier whose shipments to the importer are
            untouched by the scenario raise them by up to ``L`` times their
            current volume, to make up (part of) the loss of that stage.

        Returns
        -------
        Evaluation
        """
        if not 0.0 <= substitution <= 1.0:
            raise ValueError(f"substitution must be in [0, 1], got {substitution}")
        gates.check()
        S = gates.runs
        if gates.mining.shape[1] != len(self.countries) or \
                gates.lanes.shape[1] != len(self.chokepoints):
            raise ValueError("gates do not match this model; build them with model.gates()")
        A, B, X = gates.mining, gates.refining, gates.ore_export
        E, L1, L2 = gates.refined_export, gates.ore_link, gates.refined_link
        Q = self.route_survival(gates.lanes)
        if not self._present:
            zero = np.zeros(S)
            return Evaluation(MappingProxyType({"mining": zero, "refining": zero}),
                              MappingProxyType({"mining": zero, "refining": zero}),
                              np.ones((S, len(self.refiners))), self.refiners, Q)
        m, mR, I1, I2, R = self._m, self._mR, self._I1, self._I2, self._R
        AX = A * X
        g = AX @ self._wU + self._w_missing                      # untraced ore feed
        XI1 = X[:, I1]
        Yb = AX @ self._O1_I1.T + (A[:, I1] * (1.0 - XI1)) * self._O1diag_I1
        Y1 = XI1 * (Yb + self._u1_I1)                             # ore shipped, importer view
        Yf = XI1 * (Yb + self._u1_I1 * g[:, None])                # ore shipped, refiner feed
        hop1 = Q[:, I1] * L1[:, I1]
        num = A[:, R] * self._p1R + Yf @ self._F1_I1R
        num[:, mR] = A[:, m] * self._p1m + (Yf * hop1) @ self._F1_I1m
        V = np.empty_like(num)
        traced = self._T1R > 0
        V[:, traced] = num[:, traced] / self._T1R[traced]
        if (~traced).any():
            empty = R[~traced]
            V[:, ~traced] = g[:, None] + self._wR[~traced] * A[:, empty] * (1.0 - X[:, empty])
        W = B[:, R] * V
        ER = E[:, R]
        Zi = (W * ER) @ self._O2_I2R.T + self._u2_I2 * g[:, None]
        da, db, dv = self._diag2
        if len(da):
            Zi[:, da] += W[:, db] * (1.0 - ER[:, db]) * dv
        Z = E[:, I2] * Zi
        hop2 = Q[:, I2] * L2[:, I2]
        ore = A[:, m] * self._p1m + (Y1 * hop1) @ self._F1_I1m
        refined = W[:, mR] * self._p2m + (Z * hop2) @ self._F2_I2m
        sub1, sub2 = np.zeros(S), np.zeros(S)
        if substitution > 0:
            sub1 = _substitute(self.supply["mining"] - ore, Y1 * hop1, self._F1_I1m,
                               substitution)
            sub2 = _substitute(self.supply["refining"] - refined, Z * hop2, self._F2_I2m,
                               substitution)
        return Evaluation(MappingProxyType({"mining": ore + sub1, "refining": refined + sub2}),
                          MappingProxyType({"mining": sub1, "refining": sub2}),
                          V, self.refiners, Q)

    def losses(self, gates: Gates, substitution: float = 0.0) -> np.ndarray:
        """``(S, 2)`` supply lost per scenario at the mining and refining stage (tonnes)."""
        ev = self.evaluate(gates, substitution)
        return np.column_stack([self.supply[s] - ev.after[s] for s in STAGE_OF_SUPPLY])

    def by_origin(self, gates: Gates | None = None) -> pd.DataFrame:
        """Supply before and after one scenario, by country of mine origin.

        Parameters
        ----------
        gates : Gates, optional
            One scenario (the first row is used); default: no shock.

        Returns
        -------
        pandas.DataFrame
            ``stage, origin, before_t, after_t, loss_t`` for every origin
            with supply before; ``origin`` is ``unattributed`` for ore the
            trade data cannot trace. The ``after_t`` column sums to
            :meth:`evaluate`'s result without substitution.

        Examples
        --------
        >>> from scrisk.disruption.example import example_network
        >>> model = SupplyModel(example_network(), "JPN")
        >>> table = model.by_origin()
        >>> table.loc[table["stage"] == "refining", ["origin", "before_t"]].to_dict("list")
        {'origin': ['AUS', 'IDN', 'CHN'], 'before_t': [40.0, 20.0, 10.0]}
        """
        base = self._origin_vectors(self.gates(1))
        after = self._origin_vectors(gates if gates is not None else self.gates(1))
        names = [*self.countries, UNATTRIBUTED]
        rows = []
        for s, stage in enumerate(STAGE_OF_SUPPLY):
            for k, origin in enumerate(names):
                if base[s][k] > 1e-9 * max(self.supply[stage], 1.0):
                    rows.append((stage, origin, base[s][k], after[s][k]))
        table = pd.DataFrame(rows, columns=["stage", "origin", "before_t", "after_t"])
        table["loss_t"] = table["before_t"] - table["after_t"]
        return table.sort_values(["stage", "before_t", "origin"], ascending=[True, False, True],
                                 kind="stable", ignore_index=True)

    def _origin_vectors(self, gates: Gates) -> tuple[np.ndarray, np.ndarray]:
        """Supply after the first scenario of ``gates`` by mine origin, ore and refined."""
        nU = len(self.countries)
        out1, out2 = np.zeros(nU + 1), np.zeros(nU + 1)
        if not self._present:
            return out1, out2
        a, b, x = gates.mining[0], gates.refining[0], gates.ore_export[0]
        e, l1, l2 = gates.refined_export[0], gates.ore_link[0], gates.refined_link[0]
        q = self.route_survival(gates.lanes[:1])[0]
        m, mR, I1, I2, R = self._m, self._mR, self._I1, self._I2, self._R
        fill = np.append(self._wU * a * x, self._w_missing)          # untraced feed by origin
        C = np.zeros((len(I1), nU + 1))
        C[:, :nU] = self._O1_I1 * (a * x)[None, :]
        C[np.arange(len(I1)), I1] = self._O1diag_I1 * a[I1]           # own ore: no export gate
        C *= x[I1][:, None]
        C1 = C.copy()
        C1[:, nU] += x[I1] * self._u1_I1                               # untraced stays untraced
        Cf = C + (x[I1] * self._u1_I1)[:, None] * fill[None, :]        # refiners: world fill
        hop1 = q[I1] * l1[I1]
        out1 += (hop1 * self._F1_I1m) @ C1
        out1[m] += a[m] * self._p1m
        F = self._F1_I1R.copy()
        F[:, mR] *= hop1
        Vk = F.T @ Cf
        Vk[np.arange(len(R)), R] += self._p1R * a[R]
        traced = self._T1R > 0
        Vk[traced] /= self._T1R[traced][:, None]
        for r in np.nonzero(~traced)[0]:
            Vk[r] = fill
            Vk[r, R[r]] = self._wU[R[r]] * a[R[r]]
        Wk = b[R][:, None] * Vk
        M = self._O2_I2R * e[R][None, :]
        da, db, dv = self._diag2
        M[da, db] = dv
        Zk = (M @ Wk + self._u2_I2[:, None] * fill[None, :]) * e[I2][:, None]
        out2 += (q[I2] * l2[I2] * self._F2_I2m) @ Zk
        out2 += self._p2m * Wk[mR]
        return out1, out2

    # ----------------------------------------------------------------- single-element losses

    def element_gates(self, elements: Sequence[tuple[str, str, float]]) -> Gates:
        """One scenario per element: ``(family, key, surviving share)``.

        ``family`` is a gate family or ``lanes``; ``key`` an ISO3 code or a
        chokepoint id. Elements the model does not contain leave their
        scenario untouched.
        """
        gates = self.gates(len(elements))
        for row, (family, key, survive) in enumerate(elements):
            col = (self.chokepoints.index(key) if family == "lanes" and key in self.chokepoints
                   else self.index(key) if family != "lanes" else None)
            if col is not None:
                gates.family(family)[row, col] = survive
        return gates

    def link_exposure(self) -> pd.DataFrame:
        """Refined supply that rides on each ore trade link into a refiner (first order).

        For an ore link ``i -> r`` the loss of the link takes the share
        ``F[i, r] / T_r`` of refiner ``r``'s feed, hence that share of the
        importer's refined supply refined in ``r``. Exact under the
        proportional model (each link is used once on any path to a refiner).

        Returns
        -------
        pandas.DataFrame
            ``exporter, importer, loss_t`` for links with a positive loss.
        """
        if not self._present:
            return pd.DataFrame(columns=["exporter", "importer", "loss_t"])
        full = self.arrays
        net = self.network
        by_refiner = self.importer_refined_by_refiner()
        rows = []
        for r_name, amount in by_refiner.items():
            if r_name == UNATTRIBUTED:
                continue
            r = net.index(r_name)
            if amount <= 0 or full["t1"][r] <= 0:
                continue
            for i in np.nonzero(full["f1"][:, r] > 0)[0]:
                rows.append((net.countries[i], r_name,
                             amount * full["f1"][i, r] / full["t1"][r]))
        return pd.DataFrame(rows, columns=["exporter", "importer", "loss_t"])

    def importer_refined_by_refiner(self) -> pd.Series:
        """The importer's refined supply by refining country (own refining included)."""
        if not self._present:
            return pd.Series(dtype=float)
        full = self.arrays
        m = self.network.index(self.importer)
        amounts = full["f2"][:, m] @ full["o2"]
        amounts[m] += full["p2"][m]
        series = pd.Series(amounts, index=pd.Index(self.network.countries, name="refiner"))
        unattributed = full["f2"][:, m] @ full["u2"]
        if unattributed > 1e-9 * max(self.supply["refining"], 1.0):
            series[UNATTRIBUTED] = unattributed
        return series[series > 0]


# --------------------------------------------------------------------------- helpers


def _origins(production: np.ndarray, flows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Origin shares (exposure.origin_matrix); closed re-export loops are near-singular by
    nature (the leak there handles them), so scipy's conditioning warning is silenced; pools
    too small to solve (NaN) count as untraced."""
    if not pool.any():
        return np.zeros_like(flows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        return np.nan_to_num(origin_matrix(production, flows), nan=0.0)


def _stage_arrays(network: SupplyNetwork, stage: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    prod = np.asarray(network.production.get(stage, np.zeros(n)), dtype=float).copy()
    flows = np.asarray(network.flows.get(stage, np.zeros((n, n))), dtype=float).copy()
    np.fill_diagonal(flows, 0.0)
    return prod, flows


def _substitute(loss: np.ndarray, shipped: np.ndarray, volume: np.ndarray,
                limit: float) -> np.ndarray:
    """Tonnes unaffected suppliers can add: ``min(loss, limit * their current volume)``."""
    unaffected = (shipped >= UNAFFECTED).astype(float)
    capacity = limit * (unaffected @ volume)
    return np.minimum(np.maximum(loss, 0.0), capacity)

